"""Assumed data behind a published percent reduction, and how the posterior depends on them.

Papers often print an annualized-incidence reduction ("60.25% lower") without the counts and
patient-years behind it. :func:`scenario_counts` builds clearly labelled *assumed* counts
whose point reduction reproduces the printed percentage; :func:`scenario_sweep` shows, exactly
(no MCMC), how the posterior of the rate ratio depends on those unknown numbers over a grid
of them. The grid a re-analysis uses is stated in its spec (:class:`ScenarioGrid`, the
``[endpoints.scenarios]`` table of a rate-ratio endpoint), never assumed by the library.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...checks import pct
from ...data import PrePostRates, Rate
from ...errors import DataError, PriorError
from .exact import two_rate_posterior
from .priors import TwoRatePrior
from .reference import conditional_to_rr

#: what gives way in :func:`scenario_counts` so that the printed percentage is reproduced
ADJUST = ("events", "exposure_after")


def rr_from_reduction(percent: float) -> float:
    """The rate ratio of a percent reduction: :math:`\\text{RR} = 1 - p/100`.

    >>> rr_from_reduction(60.25)
    0.3975
    """
    return round(1.0 - float(percent) / 100.0, 12)


@dataclass(frozen=True)
class ScenarioCounts:
    """Assumed before/after data whose point reduction reproduces a published percentage.

    ``status`` is always ``"assumed"``: these numbers are not published; reproducing the
    printed percentage holds by construction and validates nothing.
    """

    published_reduction: float
    events_before: int
    exposure_before: float
    events_after: int
    exposure_after: float
    achieved_reduction: float
    events_before_assumed: int
    exposure_after_assumed: float
    adjust: str
    decimals: int
    status: str = "assumed"

    @property
    def data(self) -> PrePostRates:
        return PrePostRates(
            Rate(self.events_before, self.exposure_before),
            Rate(self.events_after, self.exposure_after),
        )

    @property
    def reproduces(self) -> bool:
        """True when the achieved reduction, rounded to ``decimals``, equals the published one."""
        return round(self.achieved_reduction, self.decimals) == round(
            self.published_reduction, self.decimals
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "reproduces": self.reproduces}


def _reduction(y_b, e_b, y_a, e_a) -> float:
    return 100.0 * (1.0 - (y_a / e_a) / (y_b / e_b))


def scenario_counts(
    published_reduction: float,
    exposure_before: float,
    exposure_after: float,
    events_before: int,
    *,
    adjust: str = "events",
    decimals: int = 2,
    max_events_before: int = 100_000,
) -> ScenarioCounts:
    """Assumed integer counts whose point reduction reproduces a published percentage.

    Parameters
    ----------
    published_reduction : float
        The printed percent reduction, e.g. 60.0.
    exposure_before, exposure_after : float
        Assumed patient-years before and after treatment.
    events_before : int
        Assumed total number of events before treatment.
    adjust : {"events", "exposure_after"}
        What gives way so that the printed percentage is reproduced:

        - ``"events"`` (the exposures are kept exactly): search integer counts
          :math:`(y_b, y_a)` with :math:`y_b` as close as possible to ``events_before``
          (ties: the smaller) and :math:`y_a` the nearest integer to
          :math:`\\text{RR}\\, y_b E_a/E_b`, until the achieved reduction rounds to the printed
          one. Because :math:`y_a/y_b` must then match a fixed real number to about
          :math:`10^{-4}`, the nearest such :math:`y_b` can be far from the assumed one (often a
          few hundred events); ``events_before_assumed`` keeps the request;
        - ``"exposure_after"``: keep :math:`y_b` = ``events_before``, take :math:`y_a` the
          nearest integer (at least 1) to :math:`\\text{RR}\\, y_b E_a/E_b`, and set the
          exposure after to :math:`y_a E_b / (y_b \\text{RR})`, rounded to 1e-4 patient-years
          (about an hour); it moves from the assumed value by at most a relative
          :math:`1/(2 y_a - 1)` (with small counts that is a lot: 50% for one event after).
          Suited to sweeps over small totals.
    decimals : int
        The published precision (2 for 60.25).
    max_events_before : int
        Search bound for ``adjust="events"``.

    Returns
    -------
    ScenarioCounts
        With ``achieved_reduction`` and ``status="assumed"``.

    Raises
    ------
    DataError
        Non-positive exposures, a reduction outside (0, 100), or no counts found.

    Example
    -------
    >>> s = scenario_counts(60.25, 20.0, 10.0, 30)
    >>> s.events_before, s.events_after, round(s.achieved_reduction, 4), s.reproduces
    (161, 32, 60.2484, True)
    >>> s = scenario_counts(60.25, 20.0, 10.0, 30, adjust="exposure_after")
    >>> s.events_before, s.events_after, s.exposure_after, round(s.achieved_reduction, 2)
    (30, 6, 10.0629, 60.25)
    """
    red = v.finite_real(published_reduction, "published_reduction")
    if not 0 < red < 100:
        raise DataError(
            f"must lie strictly between 0 and 100 percent, got {red:g}", field="published_reduction"
        )
    e_b = v.positive(exposure_before, "exposure_before")
    e_a = v.positive(exposure_after, "exposure_after")
    y_b0 = v.count(events_before, "events_before")
    if y_b0 == 0:
        raise DataError(
            "must be at least 1 (a reduction needs events before)", field="events_before"
        )
    v.one_of(adjust, ADJUST, "adjust")
    decimals = int(decimals)
    rr = 1.0 - red / 100.0
    target = round(red, decimals)

    if adjust == "exposure_after":
        y_a = max(1, int(round(rr * y_b0 * e_a / e_b)))
        exact = y_a * e_b / (y_b0 * rr)
        e_new = round(exact, 4)
        achieved = _reduction(y_b0, e_b, y_a, e_new)
        if round(achieved, decimals) != target:  # pragma: no cover - 1e-4 py is ample
            e_new = exact
            achieved = _reduction(y_b0, e_b, y_a, e_new)
        return ScenarioCounts(red, y_b0, e_b, y_a, e_new, achieved, y_b0, e_a, adjust, decimals)

    q = rr * e_a / e_b  # y_a / y_b must approximate q
    for shift in range(0, max_events_before):
        for y_b in sorted({y_b0 - shift, y_b0 + shift}):
            if y_b < 1 or y_b > max_events_before:
                continue
            for y_a in {math.floor(q * y_b), math.ceil(q * y_b)}:
                achieved = _reduction(y_b, e_b, y_a, e_a)
                if round(achieved, decimals) == target:
                    return ScenarioCounts(
                        red, y_b, e_b, y_a, e_a, achieved, y_b0, e_a, adjust, decimals
                    )
    raise DataError(
        f"no integer counts up to {max_events_before} events before reproduce "
        f"{red:g}% with these exposures",
        field="events_before",
    )


def scenario_sweep(
    reductions: dict,
    events_before: int,
    exposure_before: float,
    exposure_after: float,
    *,
    prior: TwoRatePrior | None = None,
    reduction: float | None = None,
    level: float = CRED_LEVEL,
    threshold: float | None = None,
) -> pd.DataFrame:
    """How the posterior of each published reduction depends on the unpublished numbers.

    For each published reduction and every combination of the assumed total events before
    and exposures, build counts reproducing the reduction (:func:`scenario_counts` with
    ``adjust="exposure_after"``) and report, exactly (no MCMC), under ``prior``
    (default: Jeffreys on both rates) the posterior probability of a reduction above
    ``reduction`` percent, the median and equal-tailed credible interval of the rate ratio,
    and the exact conditional confidence interval.

    Parameters
    ----------
    reductions : dict name -> percent
        The published reductions (e.g. ``{"infection_hospitalizations": 60.25}``).
    events_before, exposure_before, exposure_after : sequences
        Grids of assumed values (the re-analysis states them; see :class:`ScenarioGrid`).
    prior : TwoRatePrior, optional
    reduction : float
        Percent reduction for :math:`P(\\text{reduction} > \\text{reduction})` (default 50).
    level : float
    threshold : float, deprecated
        The old name of ``reduction``.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: ``endpoint``, ``published_reduction``, ``events_before``,
        ``events_after``, ``total_events``, ``exposure_before``, ``exposure_after``,
        ``exposure_after_assumed``, ``achieved_reduction``, ``prob_reduction_gt_<reduction>``,
        ``rr_median``, ``rr_eti95_low``, ``rr_eti95_high``, ``exact_cond95_low``,
        ``exact_cond95_high``, ``prior`` and ``data_status`` (always ``"assumed"``).

    Notes
    -----
    Once the counts are fixed, the printed reduction pins the exposure *ratio*
    :math:`E_b/E_a = \\text{RR}\\, y_b / y_a`, and under independent Gamma(1/2, ~0) priors the
    posterior of RR depends only on the counts and that ratio. So in this sweep the assumed
    exposure before matters only through the rounding of :math:`y_a`; what the missing
    numbers decide is the number of events.

    Example
    -------
    >>> df = scenario_sweep({"a": 60.25}, events_before=(10, 40), exposure_before=(20.0,),
    ...                     exposure_after=(10.0,))
    >>> print(df[["events_before", "events_after", "prob_reduction_gt_50"]].round(3).to_string())
       events_before  events_after  prob_reduction_gt_50
    0             10             2                 0.588
    1             40             8                 0.715
    """
    if threshold is not None:
        warnings.warn(
            "scenario_sweep(threshold=) is deprecated; use reduction=",
            DeprecationWarning,
            stacklevel=2,
        )
        if reduction is None:
            reduction = threshold
    reduction = 50.0 if reduction is None else reduction
    if not isinstance(reductions, dict) or not reductions:
        raise DataError("needs the published reductions as {name: percent}", field="reductions")
    prior = TwoRatePrior.jeffreys() if prior is None else prior
    if not isinstance(prior, TwoRatePrior):
        raise PriorError(f"needs a TwoRatePrior, got {prior!r}", field="prior")
    level = v.open_unit(level, "level")
    red_thr = v.finite_real(reduction, "reduction")
    p = pct(level)
    tail = (1 - level) / 2
    rows = []
    for name, red in reductions.items():
        for e_b in exposure_before:
            for e_a in exposure_after:
                for y_b in events_before:
                    sc = scenario_counts(red, e_b, e_a, y_b, adjust="exposure_after")
                    d = sc.data
                    post = two_rate_posterior(prior, d)
                    n = d.total_events
                    plo, phi = proportion_confint(d.after.events, n, alpha=1 - level, method="beta")
                    rows.append(
                        {
                            "endpoint": name,
                            "published_reduction": red,
                            "events_before": sc.events_before,
                            "events_after": sc.events_after,
                            "total_events": n,
                            "exposure_before": sc.exposure_before,
                            "exposure_after": sc.exposure_after,
                            "exposure_after_assumed": sc.exposure_after_assumed,
                            "achieved_reduction": sc.achieved_reduction,
                            f"prob_reduction_gt_{red_thr:g}": float(
                                post.cdf(rr_from_reduction(red_thr))
                            ),
                            "rr_median": float(post.ppf(0.5)),
                            f"rr_eti{p}_low": float(post.ppf(tail)),
                            f"rr_eti{p}_high": float(post.ppf(1 - tail)),
                            f"exact_cond{p}_low": conditional_to_rr(
                                float(plo), d.before.exposure, d.after.exposure
                            ),
                            f"exact_cond{p}_high": conditional_to_rr(
                                float(phi), d.before.exposure, d.after.exposure
                            ),
                            "prior": repr(prior),
                            "data_status": "assumed",
                        }
                    )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ScenarioGrid:
    """The grid of assumed numbers a re-analysis sweeps over (:func:`scenario_sweep`).

    Written in a spec as the ``[endpoints.scenarios]`` table of a rate-ratio endpoint whose
    counts are not published: ``events_before`` (whole numbers >= 1), ``exposure_before`` and
    ``exposure_after`` (patient-years > 0), each a non-empty list, with the ``tag`` (normally
    ``"assumed"``) and ``source`` (the reasoning behind the ranges) every spec number carries.
    The endpoint's published ``percent_reduction`` is what each scenario reproduces.
    """

    events_before: tuple
    exposure_before: tuple
    exposure_after: tuple
    tag: str = "assumed"
    source: str = ""
