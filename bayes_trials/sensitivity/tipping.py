"""Tipping points: how much sceptical prior belief would overturn the conclusion.

:func:`tipping_point` searches one prior dimension (the strength of a sceptical prior centred
on the null, or its weight in a mixture with a vague prior) for the point where the
posterior probability equals the decision threshold; :func:`tipping_points` does it for every
endpoint of a spec, on the spec's data and on the data scenarios its kinds add.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize

from .. import _validate as v
from .._constants import CRED_LEVEL
from ..errors import PriorError, SpecError
from ..spec import EndpointSpec
from .analysis import mcmc_point, spec_threshold
from .grid import decision_threshold, grid_hooks

if TYPE_CHECKING:
    from ..endpoints.base import Endpoint
    from ..spec import TrialSpec

OVERS = ("ess", "sd", "weight")


@dataclass(frozen=True)
class TippingPoint:
    """Where the decision changes along one prior dimension.

    ``value`` is the strength (``over="ess"``: Beta ESS or log-RR ESS in events; ``"sd"``:
    the prior sd) or mixture weight (``"weight"``) at which the posterior probability equals
    the threshold; ``se`` its Monte Carlo standard error (0 for the exact path, whose
    ``brentq`` tolerance is 1e-10 relative). ``value`` is ``inf`` when no prior in the
    search range changes the decision and NaN when the decision is not met even at the
    weakest prior (``message`` says which). ``prob_at_weakest`` is the probability under
    the weakest prior of the range.
    """

    endpoint: str
    over: str
    value: float
    se: float
    threshold: float
    centre: float
    method: str
    prob_at_weakest: float
    message: str
    evaluations: int
    data: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def tipping_point(
    endpoint: Endpoint,
    *,
    over: str | None = None,
    centre: float | None = None,
    threshold: float | None = None,
    bounds: tuple | None = None,
    sceptic_strength: float | None = None,
    method: str = "exact",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    max_refits: int = 14,
    **deprecated,
) -> TippingPoint:
    """The strength of a sceptical prior (or its mixture weight) at which the decision flips.

    Parameters
    ----------
    endpoint : BinaryEndpoint, RateRatioEndpoint or LogRateRatioEndpoint (or an EndpointSpec)
    over : {"ess", "sd", "weight"}
        The dimension searched: binary default ``"ess"`` (patients' worth of a Beta prior
        at ``centre``); rates default ``"sd"`` (sd of a Normal prior on log RR at ``centre``).
        ``"weight"``: weight of a sceptical component of strength ``sceptic_strength`` (ESS;
        default: n for binary, the observed total of events for rates) mixed with a vague
        prior (uniform Beta(1, 1); a wide Normal on log RR).
    centre : float
        Centre of the sceptical prior: default the null, i.e. the target (binary) or
        log RR 0 (rates).
    threshold : float
        Decision threshold (default: the spec's, else the kind's default).
    bounds : (low, high)
        Search range (default ESS 1e-3..1e6, sd 1e-3..10, weight 1e-9..1-1e-9).
    method : {"exact", "mcmc"}
        ``exact``: ``scipy.optimize.brentq`` on the exact posterior probability.
        ``mcmc``: bisection on the log scale with one refit per step (common seed), then a
        least-squares line through the refits nearest the threshold; the root's standard
        error is the delta method, MCSE of the probability / |slope|.

    Returns
    -------
    TippingPoint

    Notes
    -----
    Binary: with :math:`\\theta \\sim \\text{Beta}(c e, (1-c) e)` and :math:`y` of :math:`n`,
    :math:`P(\\theta > \\theta_0 \\mid y) = 1 - I_{\\theta_0}(c e + y, (1-c) e + n - y)`,
    decreasing in :math:`e` when :math:`c = \\theta_0 < y/n`; the tipping point solves
    :math:`P = \\text{threshold}`. Rates: :math:`P(\\text{RR} < r \\mid y)` under
    :math:`\\log\\text{RR} \\sim N(0, s^2)` increases with :math:`s`; the tipping point is
    the largest sd (the least scepticism) that overturns the decision.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
    >>> tp = bt.tipping_point(ep, threshold=0.975)
    >>> round(tp.value, 2)    # 23 patients' worth of prior belief at 39% survival
    22.94
    """
    seed = v.renamed(deprecated, "random_seed", "seed", seed)
    spec_thr = None
    if isinstance(endpoint, EndpointSpec):
        spec_thr = spec_threshold(endpoint)
        endpoint = endpoint.endpoint
    hooks = grid_hooks(endpoint)
    if endpoint.target is None:
        raise SpecError("the endpoint has no target", endpoint=endpoint.name, field="target")
    over = over or hooks.default_over
    v.one_of(over, OVERS, "over", SpecError)
    if over not in hooks.overs:
        raise SpecError(
            f"for a {hooks.name} endpoint search over {' or '.join(map(repr, hooks.overs))}",
            field="over",
        )
    v.one_of(method, ("exact", "mcmc"), "method", SpecError)
    thr = decision_threshold(threshold, spec_thr, hooks)
    thr = v.open_unit(thr, "threshold", SpecError)
    defaults = hooks.tipping_defaults(endpoint)
    centre = defaults["centre"] if centre is None else centre
    hooks.check_means([v.finite_real(centre, "centre", PriorError)], "centre")
    sceptic_strength = (
        defaults["sceptic_strength"] if sceptic_strength is None else sceptic_strength
    )
    sceptic_strength = v.positive(sceptic_strength, "sceptic_strength", PriorError)
    default_bounds = {"ess": (1e-3, 1e6), "sd": (1e-3, 10.0), "weight": (1e-9, 1 - 1e-9)}
    lo, hi = bounds or default_bounds[over]
    lo, hi = v.positive(lo, "bounds", PriorError), v.positive(hi, "bounds", PriorError)
    if not lo < hi:
        raise PriorError(f"need low < high, got ({lo:g}, {hi:g})", field="bounds")
    log_scale = over != "weight"
    # the weakest prior: small ESS, large sd, small weight on the sceptic
    weakest = {"ess": lo, "sd": hi, "weight": lo}[over]
    strongest = {"ess": hi, "sd": lo, "weight": hi}[over]

    def prob_exact(x):
        return hooks.exact_summary(
            endpoint, hooks.sceptic(over, x, centre, sceptic_strength), CRED_LEVEL
        )["prob"]

    def prob_mcmc(x):
        out = mcmc_point(
            endpoint,
            hooks.sceptic(over, x, centre, sceptic_strength),
            draws,
            tune,
            chains,
            int(seed),
            CRED_LEVEL,
        )
        return out["prob"], out["prob_mcse"]

    p_weak = prob_exact(weakest)
    p_strong = prob_exact(strongest)
    common = dict(
        endpoint=endpoint.name,
        over=over,
        threshold=thr,
        centre=centre,
        prob_at_weakest=p_weak,
        data=endpoint.describe_data(),
    )
    if p_weak <= thr:
        return TippingPoint(
            value=math.nan,
            se=math.nan,
            method=method,
            evaluations=2,
            message=f"not met even under the weakest prior ({over} {weakest:g}): "
            f"P = {p_weak:.4g} <= {thr:g}",
            **common,
        )
    if p_strong > thr:
        return TippingPoint(
            value=math.inf,
            se=math.nan,
            method=method,
            evaluations=2,
            message=f"met for every prior up to {over} {strongest:g}: P = {p_strong:.4g} > {thr:g}",
            **common,
        )
    to_u = math.log if log_scale else (lambda x: x)
    from_u = math.exp if log_scale else (lambda u: u)
    if method == "exact":
        root, res = optimize.brentq(
            lambda u: prob_exact(from_u(u)) - thr,
            to_u(lo),
            to_u(hi),
            xtol=1e-12,
            rtol=1e-10,
            full_output=True,
        )
        return TippingPoint(
            value=from_u(root),
            se=0.0,
            method="exact",
            evaluations=res.function_calls + 2,
            message=f"P = {thr:g} at {over} {from_u(root):.6g} (exact, brentq)",
            **common,
        )
    # refits: bisection on u (decision met on the weak side), then a local line
    u_met, u_not = to_u(weakest), to_u(strongest)
    evals = []
    # start from the exact bracket's neighbourhood to spend refits where they matter
    u_guess = optimize.brentq(lambda u: prob_exact(from_u(u)) - thr, to_u(lo), to_u(hi), xtol=1e-6)
    width = 0.5 if log_scale else 0.1
    for u in (u_guess - width, u_guess + width):
        u = min(max(u, to_u(lo)), to_u(hi))
        p, se = prob_mcmc(from_u(u))
        evals.append((u, p, se))
        if p > thr:
            u_met = u if abs(u - u_guess) < abs(u_met - u_guess) else u_met
        else:
            u_not = u if abs(u - u_guess) < abs(u_not - u_guess) else u_not
    while len(evals) < max_refits:
        u = 0.5 * (u_met + u_not)
        p, se = prob_mcmc(from_u(u))
        evals.append((u, p, se))
        if p > thr:
            u_met = u
        else:
            u_not = u
        if abs(p - thr) < 0.5 * se:
            break
    ev = np.array(evals)
    near = ev[np.argsort(np.abs(ev[:, 1] - thr))[: max(3, len(ev) // 2)]]
    slope, intercept = np.polyfit(near[:, 0], near[:, 1], 1)
    if slope == 0 or not np.isfinite(slope):
        u_root, se_u = 0.5 * (u_met + u_not), math.inf
    else:
        u_root = (thr - intercept) / slope
        se_u = float(np.median(near[:, 2])) / abs(slope)
    value = from_u(u_root)
    se = value * se_u if log_scale else se_u
    return TippingPoint(
        value=float(value),
        se=float(se),
        method="mcmc",
        evaluations=len(evals) + 2,
        message=f"P = {thr:g} at {over} {value:.4g} +- {se:.2g} (MCSE; {len(evals)} refits)",
        **common,
    )


def tipping_points(spec: TrialSpec, *, scenarios: bool | dict = True, **kwargs) -> pd.DataFrame:
    """Tipping points of every endpoint of a spec with prior grids, as a table.

    Binary endpoints: the ESS of a Beta prior centred on the target. Rate-ratio endpoints:
    the sd of a Normal prior on log RR centred on 0 (and the kind's extra columns). Each on
    the spec's data and, with ``scenarios``, on the data scenarios the kind adds (for rates,
    the scenario grid a spec states for a published reduction, assumed data labelled so; a
    dict replaces parts of that grid, e.g. ``{"events_before": [20, 40]}``). ``kwargs`` go to
    :func:`tipping_point`.
    """
    rows = []
    for es in spec.endpoints:
        ep = es.endpoint
        try:
            hooks = grid_hooks(ep)
        except SpecError:
            continue
        if ep.target is None:
            continue
        settings = scenarios if isinstance(scenarios, dict) else None
        cases = [("spec", ep)] + (hooks.tipping_cases(es, settings) if scenarios else [])
        for label, case in cases:
            thr = spec_threshold(es) if kwargs.get("threshold") is None else kwargs["threshold"]
            tp = tipping_point(
                case, threshold=thr, **{k: x for k, x in kwargs.items() if k != "threshold"}
            )
            row = {"data_case": label, **tp.as_dict()}
            row["data_status"] = "assumed" if es.data_assumed or label != "spec" else "published"
            row.update(hooks.tipping_extras(case, tp))
            rows.append(row)
    return pd.DataFrame(rows)
