"""Sensitivity analyses: prior grids, tipping points and data fragility, exact or by refits.

A Bayesian re-analysis stands or falls on how its conclusion moves with the prior. Three
verbs answer that, for binary and rate-ratio endpoints:

- :func:`sensitivity`: the posterior over a *grid* of priors (a product of family, location,
  strength and robust-mixture weight), plus the spec's named priors or an explicit list;
  a tidy table and an ``xarray.Dataset`` with one dimension per grid axis.
- :func:`tipping_point`: the strength of a sceptical prior centred on the null (or the
  weight on it in a mixture) at which the decision would change, by root finding.
- :func:`fragility`: the posterior had one responder fewer (one event more) been observed,
  the Bayesian counterpart of a fragility index.

Models
------
Binary endpoint, ``events`` of ``n``: :math:`y \\sim \\text{Bin}(n, \\theta)` and the grid prior

.. math:: \\theta \\sim (1 - w)\\, \\text{Beta}(m\\,e,\\ (1 - m)\\,e) + w\\, \\text{Beta}(1, 1),

with prior mean :math:`m` (axis ``mean``), effective sample size :math:`e` (axis ``ess``; or
the prior sd :math:`s`, axis ``sd``, with :math:`e = m(1-m)/s^2 - 1`) and robust weight
:math:`w` (axis ``robust_weight``). The exact posterior is the reweighted Beta mixture of
:func:`bayes_trials.update`, evaluated for the whole grid at once with
``scipy.special.betainc``; the estimand is :math:`P(\\theta > \\theta_0 \\mid y)`.

Rate-ratio endpoint, counts :math:`y_b, y_a` over exposures :math:`E_b, E_a`: the log-linear
model of :class:`~bayes_trials.LogRateRatioEndpoint`,

.. math::

    y_b \\sim \\text{Pois}(\\lambda_b E_b),\\quad y_a \\sim \\text{Pois}(\\lambda_b e^{\\theta} E_a),
    \\quad \\lambda_b \\sim \\text{Gamma}(1/2, 10^{-6}),\\quad
    \\theta = \\log\\text{RR} \\sim (1 - w)\\, N(\\mu, s^2) + w\\, N(\\mu, 2),

with location :math:`\\mu` (axis ``mean``, on the log scale), sd :math:`s` (axis ``sd``; or
``ess`` in events, :math:`s = 2/\\sqrt{e}`, the information about a log rate ratio of
:math:`e` events split evenly, Spiegelhalter, Abrams and Myles 2004, ch. 5) and a
unit-information robust component of variance 2 (one event in each period). The exact
posterior of :math:`\\theta` is one-dimensional quadrature of the marginal likelihood
(:class:`~bayes_trials.endpoints.rates.LogScalePosterior`); the estimands are
:math:`P(\\text{RR} < \\text{target})` (a clinically relevant reduction, e.g. target 0.5)
and :math:`P(\\text{RR} < 1)`. The spec's named priors (independent Gamma priors on the two
rates) use the beta-prime posterior of :class:`~bayes_trials.RateRatioEndpoint`.

A decision is *met* when the posterior probability exceeds the threshold: the spec's
``decision.threshold`` where it states one, else ``threshold=`` or
:data:`DEFAULT_THRESHOLD` (0.975 binary, the counterpart of a one-sided 2.5% test; 0.9 for
rate ratios).

MCMC (``method="mcmc"``) refits the compiled model of :mod:`bayes_trials.fit` at each grid
point (one compile per model structure and process, per Dask worker on a cluster), with a
per-point seed spawned from ``random_seed``, so a cluster run equals the local one.

Example
-------
>>> import bayes_trials as bt
>>> from bayes_trials.sensitivity import sensitivity
>>> ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
>>> res = sensitivity(ep, grid={"mean": [0.39], "ess": [2, 50]}, threshold=0.975)
>>> print(res.table[["mean_prior", "ess", "prob", "decision_met"]].round(4).to_string(index=False))
 mean_prior  ess   prob  decision_met
       0.39  2.0 0.9998          True
       0.39 50.0 0.9251         False

References
----------
Spiegelhalter DJ, Abrams KR, Myles JP. Bayesian Approaches to Clinical Trials and Health-Care
Evaluation. Wiley 2004. doi:10.1002/0470092602

Schmidli H et al. Robust meta-analytic-predictive priors in clinical trials with historical
control information. Biometrics 2014;70:1023-1032. doi:10.1111/biom.12242
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field, replace
from itertools import product

import numpy as np
import pandas as pd
from scipy import optimize, special

from . import _validate as v
from ._counts import log_beta_ratio
from .data import Binary, Rate
from .errors import BayesTrialsError, PriorError, SpecError
from .priors import CRED_LEVEL, Beta, Mixture, Normal, components_of

#: the decision threshold used when neither the spec nor the caller gives one
DEFAULT_THRESHOLD = {"binary": 0.975, "rate_ratio": 0.9}
#: the grid axes each endpoint kind accepts, and the prior families
AXES = ("family", "mean", "ess", "sd", "robust_weight")
FAMILIES = {"binary": ("beta",), "rate_ratio": ("normal",)}
#: the default grids: prior mean 0.1..0.9 x ESS 0.5..50 (binary); log RR -1..1 x sd (rates)
DEFAULT_GRIDS = {
    "binary": {"family": ["beta"], "mean": list(np.round(np.linspace(0.1, 0.9, 9), 2)),
               "ess": [0.5, 1, 2, 5, 10, 20, 50], "robust_weight": [0.0, 0.2, 0.5]},
    "rate_ratio": {"family": ["normal"], "mean": list(np.round(np.linspace(-1, 1, 9), 2)),
                   "sd": [0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0], "robust_weight": [0.0, 0.2, 0.5]},
}
#: variance of the unit-information robust component of a log-RR prior (one event per period)
UNIT_INFO_VAR_LOG_RR = 2.0
METHODS = ("exact", "mcmc", "auto")


def _kind(endpoint) -> str:
    kind = getattr(endpoint, "kind", None)
    if kind == "binary":
        return "binary"
    if kind in ("rate_ratio", "log_rate_ratio"):
        return "rate_ratio"
    raise SpecError(f"sensitivity analyses cover binary and rate-ratio endpoints, not {kind!r}",
                    endpoint=getattr(endpoint, "name", None), field="kind")


def log_rr_endpoint(endpoint):
    """The log-linear (:class:`~bayes_trials.LogRateRatioEndpoint`) twin of a rate-ratio endpoint."""
    from .endpoints.rates import LogRateRatioEndpoint

    if isinstance(endpoint, LogRateRatioEndpoint):
        return endpoint
    return LogRateRatioEndpoint(endpoint.name, endpoint.data, target=endpoint.target,
                                direction=endpoint.direction, label=endpoint.label)


def _endpoint_for(endpoint, prior):
    """The endpoint object that takes ``prior`` (rates: a Normal log-RR prior needs the log-linear model)."""
    from .endpoints.rates import LogRRPrior, RateRatioEndpoint, TwoRatePrior

    if _kind(endpoint) == "binary":
        return endpoint
    if isinstance(prior, LogRRPrior):
        return log_rr_endpoint(endpoint)
    if isinstance(prior, TwoRatePrior):
        if isinstance(endpoint, RateRatioEndpoint):
            return endpoint
        return RateRatioEndpoint(endpoint.name, endpoint.data, target=endpoint.target,
                                 direction=endpoint.direction, label=endpoint.label)
    raise PriorError(f"a rate-ratio endpoint takes a LogRRPrior or a TwoRatePrior, got {prior!r}",
                     endpoint=endpoint.name, field="priors")


def _as_prior(endpoint, prior):
    """Accept a bare Normal (mixture) as a log-RR prior for rate endpoints."""
    from .endpoints.rates import LogRRPrior

    if _kind(endpoint) == "rate_ratio" and getattr(prior, "family", None) == "normal":
        return LogRRPrior(prior)
    return prior


# =====================================================================================
# the grid
# =====================================================================================
@dataclass(frozen=True)
class Grid:
    """A product grid of priors: ``axes`` maps axis name -> tuple of values, in axis order.

    Build it with :func:`make_grid`, which validates every value.
    """

    kind: str
    axes: dict

    @property
    def strength(self) -> str:
        return "ess" if "ess" in self.axes else "sd"

    @property
    def shape(self) -> tuple:
        return tuple(len(x) for x in self.axes.values())

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def points(self) -> pd.DataFrame:
        """One row per grid point, axes as columns (C order, last axis fastest)."""
        return pd.DataFrame(list(product(*self.axes.values())), columns=list(self.axes))


def make_grid(kind: str, grid: dict | None, *, where: str = "grid", error=PriorError) -> Grid:
    """Validate a grid dict (axis -> list of values) for an endpoint ``kind``.

    Missing axes take :data:`DEFAULT_GRIDS` values (``family`` its one family,
    ``robust_weight`` 0). Raises :class:`~bayes_trials.errors.SpecError` on an empty grid or an
    unknown axis, :class:`~bayes_trials.errors.PriorError` on a strength <= 0, a mean outside
    the parameter's support or a weight outside [0, 1); the field is ``<where>.<axis>``.

    >>> make_grid("binary", {"mean": [0.39], "ess": [1, 9]}).shape
    (1, 1, 2, 1)
    """
    kind = v.one_of(kind, tuple(FAMILIES), "kind", SpecError)
    if grid is None:
        grid = DEFAULT_GRIDS[kind]
    if not isinstance(grid, dict) or not grid:
        raise SpecError("the grid is empty: give at least one axis, e.g. {'mean': [...], 'ess': [...]}",
                        field=where)
    unknown = sorted(set(grid) - set(AXES))
    if unknown:
        raise SpecError(f"unknown grid axis {unknown[0]!r}; axes are {', '.join(AXES)}",
                        field=f"{where}.{unknown[0]}")
    if "ess" in grid and "sd" in grid:
        raise SpecError("give the prior strength as 'ess' or as 'sd', not both", field=f"{where}.sd")
    axes = {}
    for axis in AXES:
        if axis not in grid:
            continue
        values = grid[axis]
        values = [values] if np.isscalar(values) or isinstance(values, str) else list(values)
        if not values:
            raise SpecError("the grid axis is empty", field=f"{where}.{axis}")
        if len(set(values)) != len(values):
            raise SpecError(f"repeated values {values}", field=f"{where}.{axis}")
        f = f"{where}.{axis}"
        if axis == "family":
            for fam in values:
                if fam not in FAMILIES[kind]:
                    raise SpecError(f"unknown prior family {fam!r} for a {kind} endpoint; "
                                    f"allowed: {', '.join(FAMILIES[kind])}", field=f)
        elif axis == "mean":
            values = [v.finite_real(x, f, error) for x in values]
            if kind == "binary" and not all(0 < x < 1 for x in values):
                bad = next(x for x in values if not 0 < x < 1)
                raise error(f"a prior mean of a probability must lie in (0, 1), got {bad:g}", field=f)
        elif axis in ("ess", "sd"):
            values = [v.finite_real(x, f, error) for x in values]
            bad = [x for x in values if x <= 0]
            if bad:
                raise error(f"a prior strength must be > 0, got {bad[0]:g}", field=f)
        else:  # robust_weight
            values = [v.finite_real(x, f, error) for x in values]
            if not all(0 <= x < 1 for x in values):
                bad = next(x for x in values if not 0 <= x < 1)
                raise error(f"a robust-mixture weight must lie in [0, 1), got {bad:g}", field=f)
        axes[axis] = tuple(values)
    if "mean" not in axes or not ({"ess", "sd"} & set(axes)):
        missing = "mean" if "mean" not in axes else "ess"
        raise SpecError("a prior grid needs a location ('mean') and a strength ('ess' or 'sd')",
                        field=f"{where}.{missing}")
    axes.setdefault("family", (FAMILIES[kind][0],))
    axes.setdefault("robust_weight", (0.0,))
    strength = "ess" if "ess" in axes else "sd"
    axes = {k: axes[k] for k in ("family", "mean", strength, "robust_weight")}
    if kind == "binary" and strength == "sd":
        m = np.array(axes["mean"])[:, None]
        s = np.array(axes["sd"])[None, :]
        if np.any(s**2 >= m * (1 - m)):
            raise PriorError("a Beta prior's sd must be below sqrt(mean (1 - mean)); "
                             f"{float(s.max()):g} is too large for mean {float(m[0, 0]):g}",
                             field=f"{where}.sd")
    return Grid(kind, axes)


def grid_prior(kind: str, family: str, mean: float, strength: float, robust_weight: float = 0.0,
               strength_axis: str | None = None):
    """The prior of one grid point (see the module docstring for the parametrisation).

    >>> grid_prior("binary", "beta", 0.39, 9, 0.2)
    Mixture(0.8*Beta(a=3.51, b=5.49), 0.2*Beta(a=1, b=1))
    >>> grid_prior("rate_ratio", "normal", 0.0, 0.5).log_rr
    Normal(mean=0, sd=0.5)
    """
    strength_axis = strength_axis or ("ess" if kind == "binary" else "sd")
    if kind == "binary":
        ess = strength if strength_axis == "ess" else mean * (1 - mean) / strength**2 - 1
        base = Beta.from_mean_ess(mean, ess)
        if robust_weight > 0:
            return Mixture([base, Beta(1.0, 1.0)], [1 - robust_weight, robust_weight])
        return base
    from .endpoints.rates import LogRRPrior

    sd = strength if strength_axis == "sd" else 2.0 / math.sqrt(strength)
    base = Normal(mean, sd)
    if robust_weight > 0:
        base = Mixture([base, Normal(mean, math.sqrt(UNIT_INFO_VAR_LOG_RR))],
                       [1 - robust_weight, robust_weight])
    return LogRRPrior(base)


# =====================================================================================
# exact kernels (plain NumPy / SciPy, vectorised over the grid)
# =====================================================================================
def beta_mixture_posterior(w, a, b, events: int, n: int):
    """Posterior weights and shapes of Beta mixtures given binomial data, for arrays (G, K).

    :math:`w_k' \\propto w_k B(a_k + y, b_k + n - y) / B(a_k, b_k)`, the ratio of Beta
    functions taken without cancellation at any ``n`` (:func:`bayes_trials._counts.log_beta_ratio`).
    """
    w, a, b = (np.atleast_2d(np.asarray(x, dtype=float)) for x in (w, a, b))
    a2, b2 = a + events, b + n - events
    with np.errstate(divide="ignore"):
        logw = np.log(w) + log_beta_ratio(a, b, events, n) - special.betaln(a, b)
    w2 = np.exp(logw - special.logsumexp(logw, axis=1, keepdims=True))
    return w2 / w2.sum(axis=1, keepdims=True), a2, b2


def beta_mixture_cdf(x, w, a, b):
    """cdf of Beta mixtures (rows) at ``x`` (one value per row, or a scalar)."""
    x = np.broadcast_to(np.asarray(x, dtype=float).reshape(-1, 1), (w.shape[0], 1))
    return np.sum(w * special.betainc(a, b, x), axis=1)


def _beta_mixture_pdf(x, w, a, b):
    x = x.reshape(-1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - special.betaln(a, b)
        return np.sum(np.where(w > 0, w * np.exp(logp), 0.0), axis=1)


def beta_mixture_ppf(q: float, w, a, b, iterations: int = 60, tol: float = 1e-13):
    """Quantile ``q`` of each Beta mixture (rows), vectorised.

    Rows with one live component use ``betaincinv`` directly; the others a safeguarded
    Newton iteration inside the bracket [min, max] of the components' quantiles (the mixture
    quantile lies between them), falling back to bisection whenever a Newton step leaves the
    bracket, until the cdf is within ``tol`` of ``q``.
    """
    comp = special.betaincinv(a, b, q)
    live = w > 0
    single = live.sum(axis=1) == 1
    out = np.where(single, np.where(live, comp, 0.0).sum(axis=1), np.nan)
    rows = np.flatnonzero(~single)
    if rows.size == 0:
        return out
    w, a, b, comp, live = w[rows], a[rows], b[rows], comp[rows], live[rows]
    lo = np.where(live, comp, np.inf).min(axis=1)
    hi = np.where(live, comp, -np.inf).max(axis=1)
    x = np.sum(w * comp, axis=1)
    act = np.arange(rows.size)  # rows still iterating
    for _ in range(iterations):
        f = beta_mixture_cdf(x[act], w[act], a[act], b[act]) - q
        done = (np.abs(f) < tol) | (hi[act] - lo[act] < 1e-15)
        act, f = act[~done], f[~done]
        if act.size == 0:
            break
        lo[act] = np.where(f < 0, x[act], lo[act])
        hi[act] = np.where(f > 0, x[act], hi[act])
        dens = _beta_mixture_pdf(x[act], w[act], a[act], b[act])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = x[act] - f / dens
        ok = np.isfinite(step) & (step > lo[act]) & (step < hi[act])
        x[act] = np.where(ok, step, 0.5 * (lo[act] + hi[act]))
    out[rows] = x
    return out


def _binary_exact_arrays(endpoint, w, a, b, level, events=None):
    """Mean, ETI and P(beyond target) of the exact posteriors of prior arrays (G, K)."""
    k = endpoint.data.events if events is None else events
    w2, a2, b2 = beta_mixture_posterior(w, a, b, k, endpoint.data.n)
    tail = (1 - level) / 2
    mean = np.sum(w2 * a2 / (a2 + b2), axis=1)
    # the upper tail by betaincc: 1 - cdf would lose digits near 1
    tail_fn = special.betaincc if endpoint.direction == "greater" else special.betainc
    prob = np.sum(w2 * tail_fn(a2, b2, endpoint.target), axis=1)
    return {"post_mean": mean, "eti_low": beta_mixture_ppf(tail, w2, a2, b2),
            "eti_high": beta_mixture_ppf(1 - tail, w2, a2, b2), "prob": prob}


def _pad(x, k: int, fill: float):
    """Pad (G, K) component arrays to K = k columns with ``fill``."""
    return np.hstack([x, np.full((x.shape[0], k - x.shape[1]), fill)])


def _binary_grid_arrays(points: pd.DataFrame, strength: str):
    """Component arrays (G, 2) of the binary grid priors, and their labels, without objects."""
    m = points["mean"].to_numpy(float)
    s = points[strength].to_numpy(float)
    rw = points["robust_weight"].to_numpy(float)
    ess = s if strength == "ess" else m * (1 - m) / s**2 - 1
    w = np.column_stack([1 - rw, rw])
    a = np.column_stack([m * ess, np.ones_like(m)])
    b = np.column_stack([(1 - m) * ess, np.ones_like(m)])
    labels = [f"Beta(a={x:.4g}, b={y:.4g})" if r == 0 else
              f"Mixture({1 - r:.3g}*Beta(a={x:.4g}, b={y:.4g}), {r:.3g}*Beta(a=1, b=1))"
              for x, y, r in zip(a[:, 0], b[:, 0], rw)]
    return (w, a, b), labels


def _prior_arrays(priors):
    """Stack Beta (mixture) priors into (G, K) arrays, padding with zero-weight components."""
    comps = [components_of(p) for p in priors]
    k = max(len(c) for _, c in comps)
    w = np.zeros((len(priors), k))
    a = np.ones((len(priors), k))
    b = np.ones((len(priors), k))
    for i, (wi, ci) in enumerate(comps):
        w[i, : len(ci)] = wi
        a[i, : len(ci)] = [c.a for c in ci]
        b[i, : len(ci)] = [c.b for c in ci]
    return w, a, b


def exact_summary(endpoint, prior, level: float = CRED_LEVEL, data=None) -> dict:
    """Exact posterior mean, equal-tailed interval and tail probabilities under one prior.

    Keys: ``post_mean``, ``eti_low``, ``eti_high``, ``prob`` (P beyond the endpoint's target)
    and, for rate ratios, ``prob_null`` (P(RR < 1)). ``data`` replaces the endpoint's data
    (used by :func:`fragility`).
    """
    if data is not None:
        endpoint = replace(endpoint, data=data)
    if _kind(endpoint) == "binary":
        endpoint.check_prior(prior)
        out = _binary_exact_arrays(endpoint, *_prior_arrays([prior]), level)
        return {k: float(x[0]) for k, x in out.items()}
    ep = _endpoint_for(endpoint, prior)
    post = ep.exact_posterior(prior)
    tail = (1 - level) / 2
    return {"post_mean": float(post.mean), "eti_low": float(post.ppf(tail)),
            "eti_high": float(post.ppf(1 - tail)), "prob": float(ep.tail_probability(post)),
            "prob_null": float(post.cdf(1.0) if ep.direction == "less" else post.sf(1.0))}


# =====================================================================================
# MCMC refits
# =====================================================================================
def mcmc_point(endpoint, prior, draws: int, tune: int, chains: int, seed: int, level: float) -> dict:
    """Refit one grid point with the compiled model of its structure; lean summary.

    Returns the posterior mean and its MCSE, the ETI from the draws, P(beyond target) with its
    MCSE (ArviZ's MCSE of the indicator's mean, floored by :math:`\\sqrt{p(1-p)/\\text{ESS}}`),
    for rate ratios P(RR < 1), R-hat, bulk ESS and divergences. Module-level, so Dask can ship it.
    """
    import arviz as az

    from .fit import sample

    ep = _endpoint_for(endpoint, prior)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tree = sample(ep, prior, draws=draws, tune=tune, chains=chains, seed=seed)
    post = tree["posterior"][ep.parameter]
    x = post.values
    tail = (1 - level) / 2
    ess_bulk = float(az.ess(post, method="bulk"))
    out = {"post_mean": float(x.mean()), "mcse_mean": float(az.mcse(post, method="mean")),
           "eti_low": float(np.quantile(x, tail)), "eti_high": float(np.quantile(x, 1 - tail)),
           "r_hat": float(az.rhat(post)), "ess_bulk": ess_bulk,
           "divergences": int(tree["sample_stats"]["diverging"].sum()), "seed": int(seed)}
    probs = {"prob": ep.target}
    if _kind(ep) == "rate_ratio":
        probs["prob_null"] = 1.0
    for key, t in probs.items():
        beyond = (post > t) if ep.direction == "greater" else (post < t)
        ind = beyond.astype(float)
        p = float(ind.mean())
        mcse = float(az.mcse(ind, method="mean")) if 0 < p < 1 else 0.0
        out[key] = p
        out[f"{key}_mcse"] = max(mcse, math.sqrt(p * (1 - p) / ess_bulk))
    return out


def _progress(total: int, desc: str, enabled):
    """A tqdm bar on stderr, silent when stderr is not a terminal (``enabled=None``)."""
    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc=desc, disable=disable, leave=False, file=sys.stderr)


def _run_points(fn, args: list[tuple], client=None, progress=None, desc="refits") -> list:
    """``[fn(*a) for a in args]`` locally or on Dask (:mod:`bayes_trials.scale`), with a progress bar."""
    from . import scale

    bar = _progress(len(args), desc, progress)
    try:
        if client is None:
            out = []
            for a in args:
                out.append(fn(*a))
                bar.update(1)
            return out
        client = scale.connect(client, timeout=scale.CONNECT_TIMEOUT)
        if bar.disable:
            return scale.run_tasks(fn, args, client=client)
        from dask.distributed import as_completed

        futures = client.map(lambda a: fn(*a), args, pure=False)
        for _ in as_completed(futures):
            bar.update(1)
        return client.gather(futures)
    finally:
        bar.close()


# =====================================================================================
# sensitivity
# =====================================================================================
@dataclass
class SensitivityResult:
    """The posterior over a prior grid (and named priors) for one endpoint.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy, one row per prior: ``source`` (``grid`` / ``named``), ``prior`` (its repr),
        ``name``, the grid axes (``family``, ``mean_prior``, ``ess`` or ``sd``,
        ``robust_weight``), ``post_mean``, ``eti95_low``, ``eti95_high``, ``prob`` (P beyond
        the target), ``prob_null`` (rates: P(RR < 1)), ``decision_met``; with MCMC also
        ``mcse_mean``, ``prob_mcse``, ``exact_*`` and ``z_mean``, ``z_prob``, diagnostics.
    dataset : xarray.Dataset
        The grid rows with one dimension per grid axis (``family``, ``mean``, ``ess`` or
        ``sd``, ``robust_weight``).
    """

    endpoint: object
    grid: Grid | None
    table: pd.DataFrame
    threshold: float
    method: str
    level: float
    settings: dict = field(default_factory=dict)

    @property
    def named(self) -> pd.DataFrame:
        return self.table[self.table["source"] != "grid"].reset_index(drop=True)

    @property
    def dataset(self):
        import xarray as xr

        if self.grid is None:
            return xr.Dataset()
        rows = self.table[self.table["source"] == "grid"]
        dims = list(self.grid.axes)
        coords = {d: list(vals) for d, vals in self.grid.axes.items()}
        skip = {"source", "prior", "name", "family", "mean_prior", self.grid.strength, "robust_weight"}
        # grid rows are in C order of the product (last axis fastest): reshape, no reindexing
        data = {c: (dims, rows[c].to_numpy().reshape(self.grid.shape)) for c in rows.columns
                if c not in skip and (pd.api.types.is_numeric_dtype(rows[c]) or pd.api.types.is_bool_dtype(rows[c]))}
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update(endpoint=self.endpoint.name, threshold=self.threshold, method=self.method,
                        level=self.level, target=self.endpoint.target,
                        direction=self.endpoint.direction)
        return ds

    def __repr__(self) -> str:
        met = int(self.table["decision_met"].sum())
        return (f"SensitivityResult({self.endpoint.name}: {len(self.table)} priors, method "
                f"{self.method}, decision met under {met}; threshold {self.threshold:g})")

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.table.head(50).to_html(index=False, float_format="%.4g")

    # figures live in sensitivity_plots; thin methods for Jupyter
    def plot_decision_curves(self, **kw):
        from .sensitivity_plots import plot_decision_curves

        return plot_decision_curves(self, **kw)

    def plot_heatmap(self, **kw):
        from .sensitivity_plots import plot_heatmap

        return plot_heatmap(self, **kw)

    def plot_tornado(self, **kw):
        from .sensitivity_plots import plot_tornado

        return plot_tornado(self, **kw)


def _resolve_target(target):
    """(endpoint, named priors dict, threshold from the spec or None) from an endpoint or spec."""
    from .spec import EndpointSpec, TrialSpec

    if isinstance(target, TrialSpec):
        return [(es.endpoint, es.priors, _spec_threshold(es)) for es in target.endpoints
                if getattr(es.endpoint, "kind", None) in ("binary", "rate_ratio", "log_rate_ratio")
                and es.endpoint.target is not None], True
    if isinstance(target, EndpointSpec):
        return [(target.endpoint, target.priors, _spec_threshold(target))], False
    _kind(target)
    return [(target, {}, None)], False


def _spec_threshold(es):
    d = getattr(es, "decision", None)
    return None if d is None else float(d.threshold)


def sensitivity(target, grid: dict | None = "default", priors=None, *, method: str = "auto",
                threshold: float | None = None, draws: int = 1000, tune: int = 1000, chains: int = 4,
                random_seed: int = 0, level: float = CRED_LEVEL, client=None, progress=None):
    """The posterior of an endpoint over a grid of priors, plus named or explicit priors.

    Parameters
    ----------
    target : BinaryEndpoint, RateRatioEndpoint, LogRateRatioEndpoint, EndpointSpec or TrialSpec
        A spec contributes its named priors and its decision threshold; a whole
        :class:`~bayes_trials.spec.TrialSpec` gives one result per binary or rate endpoint.
    grid : dict axis -> values, ``"default"`` or None
        Axes ``family``, ``mean`` (prior mean; log RR for rates), ``ess`` or ``sd``
        (strength) and ``robust_weight``; ``"default"`` is :data:`DEFAULT_GRIDS`
        (binary: 9 means x 7 ESS x 3 weights); None: no grid, only ``priors``.
    priors : list or dict of priors, optional
        Explicit priors (Beta / Beta mixtures; for rates LogRRPrior, TwoRatePrior or a
        Normal on log RR), reported with ``source="named"`` beside the spec's.
    method : {"auto", "exact", "mcmc"}
        ``auto`` and ``exact`` use the exact posterior (it exists for every prior here);
        ``mcmc`` refits every prior and reports the exact answer and the z-scores beside it.
    threshold : float, optional
        Decision threshold on the posterior probability (default: the spec's, else
        :data:`DEFAULT_THRESHOLD`).
    draws, tune, chains, random_seed : MCMC settings; point ``i`` uses the ``i``-th seed of
        ``numpy.random.SeedSequence(random_seed).spawn``.
    level : float
        Credible level of the equal-tailed intervals.
    client : dask.distributed.Client or scheduler address, optional
        Run the MCMC refits there (:func:`bayes_trials.scale.run_tasks`).
    progress : bool or None
        Progress bar on stderr; None: only when stderr is a terminal.

    Returns
    -------
    SensitivityResult, or dict endpoint name -> SensitivityResult for a TrialSpec.

    Raises
    ------
    SpecError, PriorError
        An empty grid, an unknown axis or family, a strength <= 0, a mean outside the
        support, no priors at all, an unknown method.
    ClusterError
        When ``client`` is an address where no scheduler answers (within the timeout).

    Notes
    -----
    See the module docstring for the likelihoods, the grid priors and the estimands. The
    exact binary path evaluates the whole grid in a few vectorised ``betainc`` calls: a
    10,000-point grid costs milliseconds.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
    >>> res = sensitivity(ep, grid={"mean": [0.2, 0.39], "ess": [1, 10, 100]}, threshold=0.975)
    >>> res.dataset["prob"].sel(family="beta", robust_weight=0.0).round(3).values.tolist()
    [[1.0, 0.952, 0.003], [1.0, 0.995, 0.856]]
    """
    v.one_of(method, METHODS, "method", SpecError)
    level = v.open_unit(level, "level", SpecError)
    if threshold is not None:
        threshold = v.open_unit(threshold, "threshold", SpecError)
    targets, many = _resolve_target(target)
    if client is not None:  # fail fast (ClusterError within the timeout), before any work
        from . import scale

        client = scale.connect(client, timeout=scale.CONNECT_TIMEOUT)
    if not targets:
        raise SpecError("the spec has no binary or rate-ratio endpoint", field="endpoints")
    results = {}
    for endpoint, named, spec_thr in targets:
        if endpoint.target is None:
            raise SpecError("the endpoint has no target to take posterior probabilities against",
                            endpoint=endpoint.name, field="target")
        kind = _kind(endpoint)
        thr = threshold if threshold is not None else spec_thr if spec_thr is not None else DEFAULT_THRESHOLD[kind]
        try:
            g = None if grid is None else make_grid(kind, None if grid == "default" else grid)
        except BayesTrialsError as err:
            raise err.located(endpoint=endpoint.name) from None
        explicit = dict(named)
        if priors is not None:
            items = priors.items() if isinstance(priors, dict) else ((repr(p), p) for p in priors)
            explicit.update({name: _as_prior(endpoint, p) for name, p in items})
        if g is None and not explicit:
            raise SpecError("nothing to analyse: give a grid or priors", endpoint=endpoint.name, field="grid")
        results[endpoint.name] = _sensitivity_one(endpoint, g, explicit, method=method, threshold=thr,
                                                  draws=draws, tune=tune, chains=chains,
                                                  random_seed=random_seed, level=level,
                                                  client=client, progress=progress)
    return results if many else next(iter(results.values()))


def _sensitivity_one(endpoint, g, explicit, *, method, threshold, draws, tune, chains, random_seed,
                     level, client, progress) -> SensitivityResult:
    kind = _kind(endpoint)
    pct = f"{round(100 * level)}"
    rows = []
    grid_priors = []
    arrays = None
    if g is not None:
        pts = g.points()
        strength = g.strength
        meta = pts.rename(columns={"mean": "mean_prior"}).to_dict("records")
        rows += [{"source": "grid", "name": "", **m} for m in meta]
        if kind == "binary" and method != "mcmc":
            arrays, labels = _binary_grid_arrays(pts, strength)
            for r, lab in zip(rows, labels):
                r["prior"] = lab
        else:
            grid_priors = [grid_prior(kind, r["family"], r["mean"], r[strength], r["robust_weight"], strength)
                           for r in pts.to_dict("records")]
            for r, p in zip(rows, grid_priors):
                r["prior"] = repr(p.log_rr) if hasattr(p, "log_rr") else repr(p)
    for name, p in explicit.items():
        _endpoint_for(endpoint, p).check_prior(p)
        rows.append({"source": "named", "name": name,
                     "prior": repr(p.log_rr) if hasattr(p, "log_rr") else repr(p)})
    all_priors = grid_priors + list(explicit.values())

    # exact answers (the oracle, and the result itself unless method == "mcmc")
    if kind == "binary":
        w, a, b = _prior_arrays(all_priors) if all_priors else (np.ones((0, 2)),) * 3
        if arrays is not None:  # the grid as arrays, without prior objects
            k = max(arrays[0].shape[1], w.shape[1])
            w, a, b = (np.vstack([_pad(x, k, fill), _pad(y, k, fill)])
                       for x, y, fill in zip(arrays, (w, a, b), (0.0, 1.0, 1.0)))
        exact = pd.DataFrame(_binary_exact_arrays(endpoint, w, a, b, level))
    else:
        exact = pd.DataFrame([exact_summary(endpoint, p, level) for p in
                              _iter_progress(all_priors, "exact posteriors", progress)])
    table = pd.DataFrame(rows)
    if method in ("exact", "auto"):
        table = pd.concat([table, exact], axis=1)
    else:
        from .scale import spawn_seeds

        seeds = spawn_seeds(random_seed, len(all_priors))
        args = [(endpoint, p, draws, tune, chains, s, level) for p, s in zip(all_priors, seeds)]
        mc = pd.DataFrame(_run_points(mcmc_point, args, client=client, progress=progress))
        table = pd.concat([table, mc, exact.add_prefix("exact_")], axis=1)
        table["z_mean"] = z_score(table["post_mean"], table["exact_post_mean"], table["mcse_mean"])
        # tail probability: MCSE floored at the exact probability's binomial value
        floor = np.sqrt(table["exact_prob"] * (1 - table["exact_prob"]) / table["ess_bulk"])
        table["z_prob"] = z_score(table["prob"], table["exact_prob"], np.maximum(table["prob_mcse"], floor))
    table["decision_met"] = table["prob"] > threshold
    table = table.rename(columns={"eti_low": f"eti{pct}_low", "eti_high": f"eti{pct}_high",
                                  "exact_eti_low": f"exact_eti{pct}_low",
                                  "exact_eti_high": f"exact_eti{pct}_high"})
    settings = {"random_seed": random_seed, "draws": draws, "tune": tune, "chains": chains} \
        if method == "mcmc" else {}
    return SensitivityResult(endpoint, g, table, threshold, "mcmc" if method == "mcmc" else "exact",
                             level, settings)


def z_score(estimate, exact, se):
    """(estimate - exact) / se, with 0 where both agree exactly (e.g. every draw beyond the
    target and an exact probability that rounds to 1) and +-inf where se = 0 but they differ."""
    diff = np.asarray(estimate, dtype=float) - np.asarray(exact, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(diff == 0, 0.0, diff / se)
    return z


def _iter_progress(items, desc, progress):
    bar = _progress(len(items), desc, progress)
    try:
        for x in items:
            yield x
            bar.update(1)
    finally:
        bar.close()


# =====================================================================================
# tipping points
# =====================================================================================
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
        from dataclasses import asdict

        return asdict(self)


def _tipping_prior(kind, over, x, centre, sceptic_strength):
    """The sceptical prior at position ``x`` along ``over``."""
    if over == "weight":
        if kind == "binary":
            return Mixture([Beta.from_mean_ess(centre, sceptic_strength), Beta(1.0, 1.0)], [x, 1 - x])
        from .endpoints.rates import REFERENCE_LOG_RR_SD, LogRRPrior

        return LogRRPrior(Mixture([Normal(centre, 2.0 / math.sqrt(sceptic_strength)),
                                   Normal(centre, REFERENCE_LOG_RR_SD)], [x, 1 - x]))
    axis = "ess" if over == "ess" else "sd"
    return grid_prior(kind, FAMILIES[kind][0], centre, x, 0.0, axis)


def tipping_point(endpoint, *, over: str | None = None, centre: float | None = None,
                  threshold: float | None = None, bounds: tuple | None = None,
                  sceptic_strength: float | None = None, method: str = "exact", draws: int = 1000,
                  tune: int = 1000, chains: int = 4, random_seed: int = 0,
                  max_refits: int = 14) -> TippingPoint:
    """The strength of a sceptical prior (or its mixture weight) at which the decision flips.

    Parameters
    ----------
    endpoint : BinaryEndpoint, RateRatioEndpoint or LogRateRatioEndpoint (or an EndpointSpec)
    over : {"ess", "sd", "weight"}
        The dimension searched: binary default ``"ess"`` (patients' worth of a Beta prior
        at ``centre``); rates default ``"sd"`` (sd of a Normal prior on log RR at ``centre``).
        ``"weight"``: weight of a sceptical component of strength ``sceptic_strength`` (ESS;
        default: n for binary, the observed total of events for rates) mixed with the
        uniform Beta(1, 1) (binary) or the wide Normal(centre, 10) (rates).
    centre : float
        Centre of the sceptical prior: default the null, i.e. the target (binary) or
        log RR 0 (rates).
    threshold : float
        Decision threshold (default: the spec's, else :data:`DEFAULT_THRESHOLD`).
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
    >>> tp = tipping_point(ep, threshold=0.975)
    >>> round(tp.value, 2)    # 23 patients' worth of prior belief at 39% survival
    22.94
    """
    from .spec import EndpointSpec

    spec_thr = None
    if isinstance(endpoint, EndpointSpec):
        spec_thr = _spec_threshold(endpoint)
        endpoint = endpoint.endpoint
    kind = _kind(endpoint)
    if endpoint.target is None:
        raise SpecError("the endpoint has no target", endpoint=endpoint.name, field="target")
    over = over or ("ess" if kind == "binary" else "sd")
    v.one_of(over, ("ess", "sd", "weight"), "over", SpecError)
    v.one_of(method, ("exact", "mcmc"), "method", SpecError)
    thr = threshold if threshold is not None else spec_thr if spec_thr is not None else DEFAULT_THRESHOLD[kind]
    thr = v.open_unit(thr, "threshold", SpecError)
    if centre is None:
        centre = endpoint.target if kind == "binary" else 0.0
    if kind == "binary":
        centre = v.open_unit(centre, "centre", PriorError)
    if sceptic_strength is None:
        sceptic_strength = endpoint.data.n if kind == "binary" else max(endpoint.data.total_events, 1)
    sceptic_strength = v.positive(sceptic_strength, "sceptic_strength", PriorError)
    if kind == "binary" and over == "sd":
        raise SpecError("for a binary endpoint search over 'ess' or 'weight'", field="over")
    default_bounds = {"ess": (1e-3, 1e6), "sd": (1e-3, 10.0), "weight": (1e-9, 1 - 1e-9)}
    lo, hi = bounds or default_bounds[over]
    lo, hi = v.positive(lo, "bounds", PriorError), v.positive(hi, "bounds", PriorError)
    if not lo < hi:
        raise PriorError(f"need low < high, got ({lo:g}, {hi:g})", field="bounds")
    log_scale = over != "weight"
    # the weakest prior: small ESS, large sd, small weight on the sceptic
    weakest = {"ess": lo, "sd": hi, "weight": lo}[over]
    strongest = {"ess": hi, "sd": lo, "weight": hi}[over]
    data_txt = endpoint.describe_data()
    seed = int(random_seed)

    def prob_exact(x):
        p = _tipping_prior(kind, over, x, centre, sceptic_strength)
        return exact_summary(endpoint, p)["prob"]

    def prob_mcmc(x):
        p = _tipping_prior(kind, over, x, centre, sceptic_strength)
        out = mcmc_point(endpoint, p, draws, tune, chains, seed, CRED_LEVEL)
        return out["prob"], out["prob_mcse"]

    p_weak = prob_exact(weakest)
    p_strong = prob_exact(strongest)
    common = dict(endpoint=endpoint.name, over=over, threshold=thr, centre=centre,
                  prob_at_weakest=p_weak, data=data_txt)
    if p_weak <= thr:
        return TippingPoint(value=math.nan, se=math.nan, method=method, evaluations=2,
                            message=f"not met even under the weakest prior ({over} {weakest:g}): "
                                    f"P = {p_weak:.4g} <= {thr:g}", **common)
    if p_strong > thr:
        return TippingPoint(value=math.inf, se=math.nan, method=method, evaluations=2,
                            message=f"met for every prior up to {over} {strongest:g}: "
                                    f"P = {p_strong:.4g} > {thr:g}", **common)
    to_u = (lambda x: math.log(x)) if log_scale else (lambda x: x)
    from_u = (lambda u: math.exp(u)) if log_scale else (lambda u: u)
    if method == "exact":
        root, res = optimize.brentq(lambda u: prob_exact(from_u(u)) - thr, to_u(lo), to_u(hi),
                                    xtol=1e-12, rtol=1e-10, full_output=True)
        return TippingPoint(value=from_u(root), se=0.0, method="exact", evaluations=res.function_calls + 2,
                            message=f"P = {thr:g} at {over} {from_u(root):.6g} (exact, brentq)", **common)
    # refits: bisection on u (decision met on the weak side), then a local line
    u_met, u_not = to_u(weakest), to_u(strongest)
    evals = []
    # start from the exact bracket's neighbourhood to spend refits where they matter
    u_guess = optimize.brentq(lambda u: prob_exact(from_u(u)) - thr, to_u(lo), to_u(hi), xtol=1e-6)
    width = 0.5 if log_scale else 0.1
    a_, b_ = u_guess - width, u_guess + width
    for u in (a_, b_):
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
    return TippingPoint(value=float(value), se=float(se), method="mcmc", evaluations=len(evals) + 2,
                        message=f"P = {thr:g} at {over} {value:.4g} +- {se:.2g} (MCSE; {len(evals)} refits)",
                        **common)


def tipping_points(spec, *, scenarios: bool = True, events_before=(5, 10, 20, 40, 80),
                   exposure_before=(13.5, 27.0, 40.5), exposure_after=(15.75,), **kwargs) -> pd.DataFrame:
    """Tipping points of every binary and rate-ratio endpoint of a spec, as a table.

    Binary endpoints: the ESS of a Beta prior centred on the target. Rate-ratio endpoints:
    the sd (and the equivalent ESS in events, :math:`4/s^2`, and prior
    :math:`P(\\text{RR} < \\text{target})`) of a Normal prior on log RR centred on 0, on the
    spec's data and, with ``scenarios=True`` and a published percent reduction, on every
    exposure scenario of :func:`bayes_trials.scenario_counts` (``adjust="exposure_after"``;
    assumed data, labelled so). ``kwargs`` go to :func:`tipping_point`.
    """
    from scipy import stats

    from .endpoints.rates import scenario_counts

    rows = []
    for es in spec.endpoints:
        ep = es.endpoint
        if getattr(ep, "kind", None) not in ("binary", "rate_ratio") or ep.target is None:
            continue
        cases = [("spec", ep)]
        red = next((p.value for p in es.published if p.quantity == "percent_reduction"), None)
        if ep.kind == "rate_ratio" and scenarios and red is not None:
            for e_b in exposure_before:
                for e_a in exposure_after:
                    for y_b in events_before:
                        sc = scenario_counts(red, e_b, e_a, y_b, adjust="exposure_after")
                        cases.append((f"scenario y_b={sc.events_before}, E_b={e_b:g}, "
                                      f"E_a={sc.exposure_after:g}", replace(ep, data=sc.data)))
        for label, case in cases:
            tp = tipping_point(case, threshold=_spec_threshold(es) if kwargs.get("threshold") is None
                               else kwargs["threshold"], **{k: x for k, x in kwargs.items() if k != "threshold"})
            row = {"data_case": label, **tp.as_dict()}
            row["data_status"] = "assumed" if any(q.tag == "assumed" for k, q in es.provenance.items()
                                                  if k != "target") or label != "spec" else "published"
            if ep.kind == "rate_ratio" and tp.over == "sd" and np.isfinite(tp.value):
                row["ess_events"] = 4.0 / tp.value**2
                row["prior_prob_target"] = float(stats.norm.cdf(math.log(ep.target), tp.centre, tp.value))
            rows.append(row)
    return pd.DataFrame(rows)


# =====================================================================================
# data sensitivity (fragility)
# =====================================================================================
def _shifted(endpoint, j: int):
    """The data with ``j`` responders fewer (binary benefit), or ``j`` events more after (rates)."""
    d = endpoint.data
    if _kind(endpoint) == "binary":
        step = -j if endpoint.direction == "greater" else j
        k = d.events + step
        if not 0 <= k <= d.n:
            return None
        return Binary(k, d.n)
    from .rates_data import PrePostRates

    step = j if endpoint.direction == "less" else -j
    y = d.after.events + step
    if y < 0:
        return None
    return PrePostRates(d.before, Rate(y, d.after.exposure))


def fragility(target, priors: dict | None = None, *, threshold: float | None = None,
              max_changes: int | None = None, level: float = CRED_LEVEL) -> pd.DataFrame:
    """Posterior had 1, 2, ... fewer responders (binary) or more events after (rates) been seen.

    For each prior, the data are moved against the conclusion one patient (event) at a time
    until the decision flips or ``max_changes`` (default: n for binary, 20 for rates) is
    reached; the *Bayesian fragility index* is the number of changes at which the decision
    first differs from the observed data's (NaN when it never does).

    Parameters
    ----------
    target : endpoint or EndpointSpec (then its named priors and decision threshold)
    priors : dict name -> prior, optional (default: the spec's, or the reference priors)

    Returns
    -------
    pandas.DataFrame
        One row per prior and change: ``prior``, ``changes``, ``data``, ``post_mean``,
        ``eti95_low``, ``eti95_high``, ``prob``, ``decision_met``, ``fragility_index``.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
    >>> df = fragility(ep, {"uniform": bt.Beta(1, 1)}, threshold=0.975)
    >>> df[["changes", "data", "decision_met"]].to_string(index=False).split("\\n")[-1].split()
    ['3', '6/9', 'False']
    """
    from .spec import EndpointSpec

    spec_thr = None
    if isinstance(target, EndpointSpec):
        spec_thr = _spec_threshold(target)
        priors = target.priors if priors is None else priors
        target = target.endpoint
    kind = _kind(target)
    if priors is None:
        priors = target.reference_priors()
    thr = threshold if threshold is not None else spec_thr if spec_thr is not None else DEFAULT_THRESHOLD[kind]
    thr = v.open_unit(thr, "threshold", SpecError)
    max_changes = (target.data.n if kind == "binary" else 20) if max_changes is None else int(max_changes)
    pct = f"{round(100 * level)}"
    rows = []
    for name, prior in priors.items():
        prior = _as_prior(target, prior)
        base_met = None
        prior_rows = []
        index = math.nan
        for j in range(max_changes + 1):
            data = _shifted(target, j)
            if data is None:
                break
            s = exact_summary(target, prior, level, data=data)
            met = s["prob"] > thr
            base_met = met if j == 0 else base_met
            txt = f"{data.events}/{data.n}" if kind == "binary" else \
                f"{data.before.events}/{data.before.exposure:g} -> {data.after.events}/{data.after.exposure:g}"
            prior_rows.append({"prior": name, "changes": j, "data": txt, "post_mean": s["post_mean"],
                               f"eti{pct}_low": s["eti_low"], f"eti{pct}_high": s["eti_high"],
                               "prob": s["prob"], "decision_met": bool(met)})
            if j > 0 and met != base_met:
                index = j
                break
        for r in prior_rows:
            r["fragility_index"] = index
        rows += prior_rows
    return pd.DataFrame(rows)


# =====================================================================================
# grid files (TOML) for the command line
# =====================================================================================
SETTINGS = ("method", "threshold", "draws", "tune", "chains", "seed", "level", "scenarios")


def _axis_values(raw, field_name: str, path):
    """A list, a scalar, or ``{start, stop, num, scale = "linear" | "log"}``."""
    if isinstance(raw, dict):
        unknown = set(raw) - {"start", "stop", "num", "scale"}
        if unknown or not {"start", "stop", "num"} <= set(raw):
            raise SpecError("a range needs start, stop and num (and optionally scale = 'linear' or 'log')",
                            file=path, field=field_name)
        num = v.count(raw["num"], field_name + ".num", SpecError)
        if num < 1:
            raise SpecError("num must be at least 1", file=path, field=field_name + ".num")
        start = v.finite_real(raw["start"], field_name + ".start", SpecError)
        stop = v.finite_real(raw["stop"], field_name + ".stop", SpecError)
        scale = raw.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise SpecError(f"scale must be 'linear' or 'log', got {scale!r}", file=path, field=field_name + ".scale")
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise PriorError("a log-spaced range needs start and stop > 0", file=path, field=field_name)
            return [float(x) for x in np.geomspace(start, stop, num)]
        return [float(x) for x in np.linspace(start, stop, num)]
    return raw


@dataclass(frozen=True)
class GridFile:
    """A parsed grid file: per-kind and per-endpoint grids, and run settings."""

    path: str
    kinds: dict
    endpoints: dict
    settings: dict

    def grid_for(self, endpoint):
        kind = _kind(endpoint)
        if endpoint.name in self.endpoints:
            return self.endpoints[endpoint.name]
        return self.kinds.get(kind, "default")


def load_grid(path, spec=None) -> GridFile:
    """Read and validate a grid file (TOML); errors name the file and the field.

    Format::

        [settings]                  # all optional
        method = "exact"            # "exact", "mcmc" or "auto"
        threshold = 0.975           # else the spec's decision threshold, else the defaults
        draws = 1000
        chains = 4
        seed = 1

        [binary]                    # the grid of every binary endpoint
        mean = { start = 0.1, stop = 0.9, num = 9 }
        ess = [0.5, 1, 2, 5, 10, 20, 50]
        robust_weight = [0.0, 0.2]

        [rate_ratio]                # rate-ratio endpoints: log RR location and sd
        mean = [-1.0, -0.5, 0.0, 0.5, 1.0]
        sd = { start = 0.1, stop = 5, num = 12, scale = "log" }

        [endpoints.serious_infections]   # one endpoint's own grid
        mean = [0.0]
        sd = [0.25, 0.5, 1.0]
    """
    import tomllib
    from pathlib import Path

    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SpecError(f"cannot read grid file: {err.strerror}", file=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SpecError(f"TOML syntax error: {err}", file=path) from None
    unknown = sorted(set(doc) - {"settings", "binary", "rate_ratio", "endpoints"})
    if unknown:
        raise SpecError(f"unknown table [{unknown[0]}]; a grid file has [settings], [binary], "
                        "[rate_ratio] and [endpoints.<id>]", file=path, field=unknown[0])
    settings = dict(doc.get("settings", {}))
    bad = sorted(set(settings) - set(SETTINGS))
    if bad:
        raise SpecError(f"unknown setting {bad[0]!r}; known: {', '.join(SETTINGS)}", file=path,
                        field=f"settings.{bad[0]}")
    try:
        if "method" in settings:
            v.one_of(settings["method"], METHODS, "settings.method", SpecError)
        if "threshold" in settings:
            v.open_unit(settings["threshold"], "settings.threshold", SpecError)
        if "level" in settings:
            v.open_unit(settings["level"], "settings.level", SpecError)
        for key in ("draws", "tune", "chains", "seed"):
            if key in settings:
                n = v.count(settings[key], f"settings.{key}", SpecError)
                if key != "seed" and n < 1:
                    raise SpecError("must be at least 1", field=f"settings.{key}")

        def parse(raw, kind, where):
            if not isinstance(raw, dict):
                raise SpecError("must be a table of grid axes", field=where)
            vals = {k: _axis_values(x, f"{where}.{k}", path) for k, x in raw.items()}
            return make_grid(kind, vals, where=where).axes

        kinds = {k: parse(doc[k], k, k) for k in ("binary", "rate_ratio") if k in doc}
        endpoints = {}
        raw_eps = doc.get("endpoints", {})
        if not isinstance(raw_eps, dict):
            raise SpecError("must be tables [endpoints.<id>]", field="endpoints")
        known = {es.endpoint.name: es.endpoint for es in spec.endpoints} if spec is not None else None
        for name, raw in raw_eps.items():
            if known is not None and name not in known:
                raise SpecError(f"the spec has no endpoint {name!r}; it has {', '.join(known)}",
                                field=f"endpoints.{name}")
            kind = _kind(known[name]) if known is not None else ("binary" if "ess" in raw else "rate_ratio")
            endpoints[name] = parse(raw, kind, f"endpoints.{name}")
    except BayesTrialsError as err:
        raise err.located(file=path) from None
    return GridFile(str(path), kinds, endpoints, settings)
