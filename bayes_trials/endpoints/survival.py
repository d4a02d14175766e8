"""Time-to-event endpoints: exponential, Weibull and piecewise-exponential survival models.

Data are per patient: a time from infusion (or randomisation) to the event or to
censoring, and an event indicator (1 event, 0 censored), optionally a group (two dose
levels; treated vs a reconstructed benchmark arm, see :func:`bayes_trials.ipd.reconstruct_ipd`).

Models
------
With :math:`t_i` the times, :math:`\\delta_i` the event indicators, :math:`h` the hazard
and :math:`H` the cumulative hazard, every model shares the right-censored likelihood

.. math:: \\log L = \\sum_i \\delta_i \\log h(t_i) - H(t_i),

which for piecewise-constant hazards is, up to a constant, a Poisson likelihood of the
events :math:`D_j` in each piece given the time at risk :math:`E_j` (the "Poisson trick"):
:math:`D_j \\sim \\text{Poisson}(\\lambda_j E_j)`.

- :class:`ExponentialSurvival`: constant hazard :math:`\\lambda`, Gamma (mixture) prior;
  exact conjugate posterior :math:`\\text{Gamma}(s + D, r + E)` (:func:`update_time_to_event`).
- :class:`WeibullSurvival`: :math:`S(t) = \\exp(-(t/\\sigma)^k)`, log-normal priors on the
  shape :math:`k` and scale :math:`\\sigma` (:class:`WeibullPrior`).
- :class:`PiecewiseExponentialSurvival`: hazards constant between cut points, log hazards
  a Gaussian random walk (a smoothing prior, :class:`PiecewisePrior`).

Two groups: proportional hazards, hazard ratio "other group / reference group".

Estimands (:meth:`summarise`): survival at a landmark :math:`S(t^*)` with its credible
interval, restricted mean survival time :math:`\\int_0^\\tau S(t)\\,dt`, median survival,
:math:`P(S(t^*) > s_0)` for a benchmark :math:`s_0`, and the hazard ratio.

Frequentist references (lifelines): Kaplan-Meier with Greenwood intervals, the Weibull
fit, and for two groups the Cox model and the log-rank test, at the same landmarks
(:meth:`frequentist`).

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457-481. doi:10.1080/01621459.1958.10501452

Ibrahim JG, Chen M-H, Sinha D. Bayesian Survival Analysis. Springer 2001.
doi:10.1007/978-1-4757-3447-8 (Gamma-exponential conjugacy, piecewise-exponential models).

Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
for the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res
Methodol 2013;13:152. doi:10.1186/1471-2288-13-152

Davidson-Pilon C. lifelines: survival analysis in Python. J Open Source Softw 2019;4:1317.
doi:10.21105/joss.01317
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate, special, stats

from .. import _validate as v
from .._registry import register_prior_family
from ..analysis import ModelResult
from ..conjugate import update
from ..data import Rate
from ..errors import DataError, PriorError
from ..priors import CRED_LEVEL, Gamma, HalfNormal, Mixture, Normal, components_of

__all__ = [
    "TimeToEvent", "update_time_to_event", "ExponentialSurvival", "WeibullSurvival",
    "PiecewiseExponentialSurvival", "WeibullPrior", "PiecewisePrior", "SurvivalReference",
    "quantile_cuts", "SurvivalPrior", "TimeToEventEndpoint", "SurvivalResult", "MODELS",
]


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
def _as_rows(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=object).ravel()
    out = np.empty(arr.size)
    for i, x in enumerate(arr):
        if isinstance(x, (bool, np.bool_)):
            x = int(x)
        if not isinstance(x, (numbers.Real, np.number)):
            raise DataError(f"row {i}: must be a number, got {x!r}", field=name)
        x = float(x)
        if not math.isfinite(x):
            raise DataError(f"row {i}: must be a finite number, got {x!r}", field=name)
        out[i] = x
    return out


@dataclass(frozen=True, eq=False)
class TimeToEvent:
    """Per-patient time-to-event data, validated on construction.

    Parameters
    ----------
    time : array-like of float
        Time from the start of follow-up to the event or to censoring, > 0 (in one unit
        throughout, e.g. months).
    event : array-like of {0, 1}
        1 if the event was observed at ``time``, 0 if the patient was censored then.
    group : array-like, optional
        A label per patient; at most two distinct labels.

    Raises
    ------
    DataError
        A time that is negative, zero, NaN or not a number; an event indicator other than
        0/1; lengths that differ; more than two groups. The message names the row and the
        field.

    Notes
    -----
    Likelihood contribution of patient :math:`i`: :math:`h(t_i)^{\\delta_i} S(t_i)`. Under
    a constant hazard the data enter only through the number of events
    :math:`D = \\sum_i \\delta_i` and the total time at risk :math:`E = \\sum_i t_i`.

    Example
    -------
    >>> d = TimeToEvent([3.0, 12.0, 7.5], [1, 0, 1])
    >>> d.n, d.events, d.exposure
    (3, 2, 22.5)
    >>> TimeToEvent([3.0, -1.0], [1, 0])
    Traceback (most recent call last):
    ...
    bayes_trials.errors.DataError: field 'time': row 1: must be > 0, got -1
    """

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray | None = None

    def __post_init__(self):
        t = _as_rows(self.time, "time")
        e = _as_rows(self.event, "event")
        if t.size == 0:
            raise DataError("needs at least one patient", field="time")
        if e.size != t.size:
            raise DataError(f"needs one event indicator per time ({t.size}), got {e.size}",
                            field="event")
        bad = np.flatnonzero(t <= 0)
        if bad.size:
            i = int(bad[0])
            raise DataError(f"row {i}: must be > 0, got {t[i]:g}", field="time")
        bad = np.flatnonzero((e != 0) & (e != 1))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"row {i}: must be 0 or 1, got {e[i]:g}", field="event")
        g = None
        if self.group is not None:
            g = np.asarray(self.group, dtype=object).ravel()
            if g.size != t.size:
                raise DataError(f"needs one group label per time ({t.size}), got {g.size}",
                                field="group")
            for i, x in enumerate(g):
                if x is None or (isinstance(x, float) and not math.isfinite(x)):
                    raise DataError(f"row {i}: missing group label", field="group")
            labels = list(dict.fromkeys(g.tolist()))
            if len(labels) > 2:
                raise DataError(f"at most two groups, got {len(labels)}: {labels}", field="group")
            g.setflags(write=False)
        t.setflags(write=False)
        e = e.astype(int)
        e.setflags(write=False)
        object.__setattr__(self, "time", t)
        object.__setattr__(self, "event", e)
        object.__setattr__(self, "group", g)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, time: str = "time", event: str = "event",
                   group: str | None = None) -> "TimeToEvent":
        """From a DataFrame with a time column, an event column and optionally a group column."""
        for col in (time, event) + ((group,) if group else ()):
            if col not in frame.columns:
                raise DataError(f"no column {col!r}; columns are {list(frame.columns)}", field=col)
        return cls(frame[time].to_numpy(), frame[event].to_numpy(),
                   None if group is None else frame[group].to_numpy())

    @classmethod
    def from_csv(cls, path, time: str = "time", event: str = "event",
                 group: str | None = None) -> "TimeToEvent":
        """From a CSV file of patient data (one row per patient)."""
        try:
            return cls.from_frame(pd.read_csv(path), time, event, group)
        except DataError as err:
            raise err.located(file=Path(path)) from None

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int(self.event.sum())

    @property
    def exposure(self) -> float:
        """Total time at risk, :math:`\\sum_i t_i`."""
        return float(self.time.sum())

    @property
    def groups(self) -> tuple:
        """Group labels in order of first appearance; ``(None,)`` without groups."""
        if self.group is None:
            return (None,)
        return tuple(dict.fromkeys(self.group.tolist()))

    def subset(self, label) -> "TimeToEvent":
        """The patients of one group (``label=None`` without groups: all of them)."""
        if self.group is None:
            if label is not None:
                raise DataError(f"no groups in these data, asked for {label!r}", field="group")
            return self
        mask = self.group == label
        if not mask.any():
            raise DataError(f"no group {label!r}; groups are {list(self.groups)}", field="group")
        return TimeToEvent(self.time[mask], self.event[mask])

    def to_frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"time": self.time, "event": self.event})
        if self.group is not None:
            out["group"] = self.group
        return out

    def __repr__(self) -> str:
        g = "" if self.group is None else f", groups={list(self.groups)}"
        return f"TimeToEvent(n={self.n}, events={self.events}, exposure={self.exposure:.4g}{g})"


# ---------------------------------------------------------------------------------------
# exact: Gamma-exponential conjugacy
# ---------------------------------------------------------------------------------------
def _check_gamma(prior) -> None:
    try:
        _, comps = components_of(prior)
    except Exception:  # pragma: no cover - components_of accepts any object
        comps = (prior,)
    if getattr(comps[0], "family", None) != "gamma":
        raise PriorError(f"the exponential hazard takes a Gamma (mixture) prior, got {prior!r}",
                         field="prior")


def update_time_to_event(prior, data: TimeToEvent):
    """Exact posterior of an exponential hazard under a Gamma (mixture) prior.

    Parameters
    ----------
    prior : Gamma or Mixture of Gamma
        Prior of the constant hazard :math:`\\lambda` (events per unit time).
    data : TimeToEvent
        Without groups (update each group's subset separately).

    Returns
    -------
    Gamma or Mixture
        :math:`\\text{Gamma}(s + D, r + E)` per component, with :math:`D` the number of
        events and :math:`E` the total time at risk; a mixture's weights are updated by
        each component's marginal likelihood.

    Notes
    -----
    Likelihood of right-censored exponential data:
    :math:`L(\\lambda) = \\prod_i \\lambda^{\\delta_i} e^{-\\lambda t_i} = \\lambda^D e^{-\\lambda E}`,
    the kernel of a Poisson likelihood of :math:`D` events in exposure :math:`E`; so the
    update is the Gamma-Poisson one (:func:`bayes_trials.update` with
    ``Rate(D, E)``), weights :math:`w_j' \\propto w_j\\, r_j^{s_j}\\Gamma(s_j + D) /
    (\\Gamma(s_j) (r_j + E)^{s_j + D})`.

    References
    ----------
    Ibrahim JG, Chen M-H, Sinha D. Bayesian Survival Analysis, section 2.1. Springer 2001.
    doi:10.1007/978-1-4757-3447-8

    Example
    -------
    >>> from bayes_trials import Gamma
    >>> update_time_to_event(Gamma(1, 12), TimeToEvent([12.0] * 9, [0] * 9))
    Gamma(shape=1, rate=120)
    """
    if not isinstance(data, TimeToEvent):
        raise DataError(f"needs TimeToEvent data, got {type(data).__name__}", field="data")
    if data.group is not None and len(data.groups) > 1:
        raise DataError("update one group at a time (data.subset(label))", field="group")
    _check_gamma(prior)
    return update(prior, Rate(data.events, data.exposure))


# ---------------------------------------------------------------------------------------
# priors bundles
# ---------------------------------------------------------------------------------------
def _normal(x, name) -> Normal:
    if not isinstance(x, Normal):
        raise PriorError(f"must be a Normal, got {x!r}", field=name)
    return x


@dataclass(frozen=True)
class WeibullPrior:
    """Priors of the Weibull model: Normal priors on log shape, log scale and log hazard ratio.

    Parameters
    ----------
    log_scale : Normal
        Prior of :math:`\\log \\sigma` (the reference group's scale, in the data's time unit;
        :math:`\\sigma` is the time by which :math:`1 - e^{-1} = 63\\%` have had the event).
    log_shape : Normal, default Normal(0, 1)
        Prior of :math:`\\log k`; the default puts 95% on :math:`k \\in (0.14, 7.1)`, centred
        on the exponential (:math:`k = 1`).
    log_hr : Normal, default Normal(0, 2)
        Prior of the log hazard ratio (two groups only).

    Example
    -------
    >>> WeibullPrior.vague(typical_time=12.0).log_scale
    Normal(mean=2.485, sd=2)
    """

    log_scale: Normal
    log_shape: Normal = Normal(0.0, 1.0)
    log_hr: Normal = Normal(0.0, 2.0)

    def __post_init__(self):
        for name in ("log_scale", "log_shape", "log_hr"):
            _normal(getattr(self, name), name)

    @classmethod
    def vague(cls, typical_time: float) -> "WeibullPrior":
        """log scale ~ Normal(log typical_time, 2), log shape ~ Normal(0, 1), log HR ~ Normal(0, 2)."""
        t = v.positive(typical_time, "typical_time", PriorError)
        return cls(log_scale=Normal(math.log(t), 2.0))


@dataclass(frozen=True)
class PiecewisePrior:
    """Priors of the piecewise-exponential model (a random-walk smoothing prior).

    Parameters
    ----------
    log_hazard : Normal
        Prior of the log hazard in the first piece, :math:`\\alpha_1`.
    smoothing : HalfNormal, default HalfNormal(0.5)
        Prior of the random-walk step sd :math:`\\tau`: :math:`\\alpha_j = \\alpha_{j-1} +
        \\tau z_j`, :math:`z_j \\sim N(0, 1)`. Small values shrink towards a constant hazard
        (the exponential model); a step of one sd multiplies the hazard by :math:`e^\\tau`.
    log_hr : Normal, default Normal(0, 2)
        Prior of the log hazard ratio (two groups only).

    Example
    -------
    >>> PiecewisePrior.vague(typical_time=12.0).log_hazard
    Normal(mean=-2.485, sd=2)
    """

    log_hazard: Normal
    smoothing: HalfNormal = HalfNormal(0.5)
    log_hr: Normal = Normal(0.0, 2.0)

    def __post_init__(self):
        _normal(self.log_hazard, "log_hazard")
        _normal(self.log_hr, "log_hr")
        if not isinstance(self.smoothing, HalfNormal):
            raise PriorError(f"must be a HalfNormal, got {self.smoothing!r}", field="smoothing")

    @classmethod
    def vague(cls, typical_time: float) -> "PiecewisePrior":
        """log hazard ~ Normal(-log typical_time, 2), smoothing HalfNormal(0.5), log HR ~ Normal(0, 2)."""
        t = v.positive(typical_time, "typical_time", PriorError)
        return cls(log_hazard=Normal(-math.log(t), 2.0))


# ---------------------------------------------------------------------------------------
# frequentist reference (lifelines)
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SurvivalReference:
    """The frequentist analysis of a time-to-event endpoint, recomputed with lifelines.

    Per group (keys are the group labels, ``None`` without groups):

    Attributes
    ----------
    km_survival : dict
        Kaplan-Meier :math:`\\hat S(t^*)` at the landmark.
    km_greenwood : dict
        Plain Greenwood interval :math:`\\hat S \\pm z \\hat S \\sqrt{\\sum d_j/(n_j(n_j-d_j))}`,
        clipped to [0, 1].
    km_loglog : dict
        lifelines' default interval: Greenwood on the log(-log) scale (Kalbfleisch-Prentice),
        which stays inside (0, 1).
    km_median, km_rmst : dict
        Kaplan-Meier median (inf when not reached) and restricted mean to the horizon.
    exp_hazard, exp_hazard_ci : dict
        Exponential MLE :math:`D/E` and the exact (Garwood, chi-square) Poisson interval.
    weibull_scale, weibull_shape, weibull_survival : dict
        lifelines ``WeibullFitter`` (:math:`S(t) = e^{-(t/\\lambda)^\\rho}`), and its S at the landmark.
    cox_hr, cox_hr_ci, cox_p, logrank_p, weibull_aft_hr : float or None
        Two groups: Cox hazard ratio (other / reference) with Wald interval and p-value,
        log-rank p-value, and the hazard ratio implied by the Weibull AFT fit,
        :math:`\\exp(-\\beta \\rho)`.
    cox_survival : dict or None
        Two groups: survival at the landmark predicted by the Cox model (Breslow baseline),
        the proportional-hazards counterpart of the Bayesian two-group models.
    """

    level: float
    landmark: float | None
    horizon: float | None
    groups: tuple
    n: dict
    events: dict
    exposure: dict
    km_survival: dict
    km_greenwood: dict
    km_loglog: dict
    km_median: dict
    km_rmst: dict
    exp_hazard: dict
    exp_hazard_ci: dict
    weibull_scale: dict
    weibull_shape: dict
    weibull_survival: dict
    cox_hr: float | None = None
    cox_hr_ci: tuple | None = None
    cox_p: float | None = None
    logrank_p: float | None = None
    weibull_aft_hr: float | None = None
    cox_survival: dict | None = None
    method: str = field(default="lifelines KaplanMeierFitter / WeibullFitter / CoxPHFitter")

    def as_dict(self) -> dict:
        pct = round(100 * self.level)
        out: dict = {"landmark": self.landmark, "horizon": self.horizon}
        for g in self.groups:
            p = "" if g is None else f"{g}:"
            out[f"{p}n"] = self.n[g]
            out[f"{p}events"] = self.events[g]
            out[f"{p}exposure"] = self.exposure[g]
            out[f"{p}km_survival"] = self.km_survival[g]
            out[f"{p}km_greenwood{pct}_low"], out[f"{p}km_greenwood{pct}_high"] = self.km_greenwood[g]
            out[f"{p}km_loglog{pct}_low"], out[f"{p}km_loglog{pct}_high"] = self.km_loglog[g]
            out[f"{p}km_median"] = self.km_median[g]
            out[f"{p}km_rmst"] = self.km_rmst[g]
            out[f"{p}exp_hazard"] = self.exp_hazard[g]
            out[f"{p}exp_hazard{pct}_low"], out[f"{p}exp_hazard{pct}_high"] = self.exp_hazard_ci[g]
            out[f"{p}weibull_scale"] = self.weibull_scale[g]
            out[f"{p}weibull_shape"] = self.weibull_shape[g]
            out[f"{p}weibull_survival"] = self.weibull_survival[g]
        if self.cox_hr is not None:
            out["cox_hr"] = self.cox_hr
            out[f"cox_hr{pct}_low"], out[f"cox_hr{pct}_high"] = self.cox_hr_ci
            out["cox_p"] = self.cox_p
            out["logrank_p"] = self.logrank_p
            out["weibull_aft_hr"] = self.weibull_aft_hr
            for g, val in (self.cox_survival or {}).items():
                out[f"{g}:cox_survival"] = val
        return out


def greenwood_interval(kmf, t: float, level: float) -> tuple[float, float]:
    """Plain Greenwood interval of a fitted lifelines Kaplan-Meier at time ``t``."""
    table = kmf.event_table
    table = table[(table.index <= t) & (table.index > 0)]
    d, n = table["observed"].to_numpy(float), table["at_risk"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, d / (n * (n - d)), np.inf)
    s = float(kmf.survival_function_at_times(t).iloc[0])
    if s == 0:
        return 0.0, 0.0
    se = s * math.sqrt(float(terms[d > 0].sum())) if np.all(np.isfinite(terms[d > 0])) else np.inf
    z = stats.norm.ppf(0.5 + level / 2)
    return float(max(0.0, s - z * se)), float(min(1.0, s + z * se))


def _km_ci_at(kmf, t: float) -> tuple[float, float]:
    ci = kmf.confidence_interval_survival_function_
    row = ci[ci.index <= t].iloc[-1]
    return float(row.iloc[0]), float(row.iloc[1])


def _frequentist(data: TimeToEvent, groups: tuple, landmark, horizon, level) -> SurvivalReference:
    from lifelines import CoxPHFitter, KaplanMeierFitter, WeibullAFTFitter, WeibullFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import restricted_mean_survival_time

    alpha = 1 - level
    rec = {k: {} for k in ("n", "events", "exposure", "km_survival", "km_greenwood", "km_loglog",
                           "km_median", "km_rmst", "exp_hazard", "exp_hazard_ci",
                           "weibull_scale", "weibull_shape", "weibull_survival")}
    nan2 = (float("nan"), float("nan"))
    for g in groups:
        sub = data.subset(g)
        rec["n"][g], rec["events"][g], rec["exposure"][g] = sub.n, sub.events, sub.exposure
        kmf = KaplanMeierFitter(alpha=alpha).fit(sub.time, sub.event)
        if landmark is not None:
            rec["km_survival"][g] = float(kmf.survival_function_at_times(landmark).iloc[0])
            rec["km_greenwood"][g] = greenwood_interval(kmf, landmark, level)
            rec["km_loglog"][g] = _km_ci_at(kmf, landmark)
        else:
            rec["km_survival"][g], rec["km_greenwood"][g], rec["km_loglog"][g] = None, nan2, nan2
        rec["km_median"][g] = float(kmf.median_survival_time_)
        rec["km_rmst"][g] = (float(restricted_mean_survival_time(kmf, t=horizon))
                             if horizon is not None else None)
        d, e = sub.events, sub.exposure
        lo = stats.chi2.ppf(alpha / 2, 2 * d) / (2 * e) if d > 0 else 0.0
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * d + 2) / (2 * e)
        rec["exp_hazard"][g], rec["exp_hazard_ci"][g] = d / e, (float(lo), float(hi))
        if sub.events >= 1:
            wf = WeibullFitter(alpha=alpha).fit(sub.time, sub.event)
            rec["weibull_scale"][g], rec["weibull_shape"][g] = float(wf.lambda_), float(wf.rho_)
            rec["weibull_survival"][g] = (
                float(math.exp(-((landmark / wf.lambda_) ** wf.rho_))) if landmark else None)
        else:
            rec["weibull_scale"][g] = rec["weibull_shape"][g] = rec["weibull_survival"][g] = None
    two = {}
    if len(groups) == 2:
        ref, other = groups
        a, b = data.subset(ref), data.subset(other)
        frame = pd.DataFrame({"time": np.r_[a.time, b.time], "event": np.r_[a.event, b.event],
                              "x": np.r_[np.zeros(a.n), np.ones(b.n)]})
        cph = CoxPHFitter(alpha=alpha).fit(frame, "time", "event")
        ci = np.exp(cph.confidence_intervals_.loc["x"].to_numpy())
        two["cox_hr"] = float(cph.hazard_ratios_["x"])
        two["cox_hr_ci"] = (float(ci[0]), float(ci[1]))
        two["cox_p"] = float(cph.summary.loc["x", "p"])
        if landmark is not None:
            pred = cph.predict_survival_function(pd.DataFrame({"x": [0.0, 1.0]}), times=[landmark])
            two["cox_survival"] = {ref: float(pred.iloc[0, 0]), other: float(pred.iloc[0, 1])}
        two["logrank_p"] = float(logrank_test(a.time, b.time, a.event, b.event).p_value)
        aft = WeibullAFTFitter(alpha=alpha).fit(frame, "time", "event")
        rho = math.exp(float(aft.params_.loc[("rho_", "Intercept")]))
        two["weibull_aft_hr"] = math.exp(-float(aft.params_.loc[("lambda_", "x")]) * rho)
    return SurvivalReference(level=level, landmark=landmark, horizon=horizon, groups=groups,
                             **rec, **two)


# ---------------------------------------------------------------------------------------
# the shared endpoint machinery
# ---------------------------------------------------------------------------------------
def _equal_tailed(draws: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail])
    return float(lo), float(hi)


@dataclass(frozen=True, eq=False)
class _SurvivalEndpoint:
    """Fields shared by the survival endpoints (see the subclasses)."""

    name: str
    data: TimeToEvent
    landmark: float | None = None
    benchmark: float | None = None
    horizon: float | None = None
    reference: object = None
    label: str = ""

    def __post_init__(self):
        if not isinstance(self.data, TimeToEvent):
            raise DataError(f"needs TimeToEvent data, got {type(self.data).__name__}",
                            field="data")
        if self.landmark is not None:
            object.__setattr__(self, "landmark", v.positive(self.landmark, "landmark"))
        if self.benchmark is not None:
            object.__setattr__(self, "benchmark", v.open_unit(self.benchmark, "benchmark"))
            if self.landmark is None:
                raise DataError("a benchmark S(landmark) needs a landmark", field="benchmark")
        if self.horizon is not None:
            object.__setattr__(self, "horizon", v.positive(self.horizon, "horizon"))
        elif self.landmark is not None:
            object.__setattr__(self, "horizon", self.landmark)
        labels = self.data.groups
        if self.reference is not None:
            if self.reference not in labels:
                raise DataError(f"reference group {self.reference!r} not among {list(labels)}",
                                field="reference")
            labels = (self.reference,) + tuple(x for x in labels if x != self.reference)
        object.__setattr__(self, "_groups", labels)
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def groups(self) -> tuple:
        """Group labels, the reference first (index 0 in the model); ``(None,)`` without groups."""
        return self._groups

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def _landmark_value(self) -> float:
        return float(self.landmark) if self.landmark is not None else 1.0

    def frequentist(self, level: float = CRED_LEVEL) -> SurvivalReference:
        """Kaplan-Meier (Greenwood), exponential and Weibull fits; Cox and log-rank for two groups."""
        level = v.open_unit(level, "level")
        return _frequentist(self.data, self.groups, self.landmark, self.horizon, level)

    # --- derived quantities from posterior draws ---------------------------------------
    @staticmethod
    def _flat(tree, var: str) -> np.ndarray:
        x = np.asarray(tree["posterior"][var])
        return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])

    def survival_draws(self, tree, t: float, group: int = 0) -> np.ndarray:
        """Posterior draws of :math:`S(t)` for group index ``group`` (0 = reference)."""
        return np.exp(-self._cumhaz(self._params(tree), float(t), group))

    def summarise(self, tree, level: float = CRED_LEVEL) -> pd.DataFrame:
        """Posterior summaries of the estimands, one row per (quantity, group).

        Columns ``mean``, ``sd``, ``median``, ``cri{pct}_low``, ``cri{pct}_high``
        (equal-tailed credible interval). Rows: ``survival`` at the landmark, ``rmst`` to
        the horizon, ``median`` survival (inf draws allowed: the median is then reported
        by quantiles only), ``prob_survival_above_benchmark`` (its ``mean`` is
        :math:`P(S(t^*) > s_0)`), and ``hazard_ratio`` for two groups.
        """
        pct = round(100 * level)
        params = self._params(tree)
        rows = []

        def row(quantity, g, draws):
            lo, hi = _equal_tailed(draws, level)
            finite = np.isfinite(draws)
            rows.append({"quantity": quantity, "group": g,
                         "mean": float(draws.mean()) if finite.all() else float("nan"),
                         "sd": float(draws.std(ddof=1)) if finite.all() else float("nan"),
                         "median": float(np.median(draws)),
                         f"cri{pct}_low": lo, f"cri{pct}_high": hi})

        for gi, g in enumerate(self.groups):
            if self.landmark is not None:
                s = np.exp(-self._cumhaz(params, self.landmark, gi))
                row("survival", g, s)
                if self.benchmark is not None:
                    p = float((s > self.benchmark).mean())
                    rows.append({"quantity": "prob_survival_above_benchmark", "group": g,
                                 "mean": p, "sd": float("nan"), "median": float("nan"),
                                 f"cri{pct}_low": float("nan"), f"cri{pct}_high": float("nan")})
            if self.horizon is not None:
                row("rmst", g, self._rmst(params, self.horizon, gi))
            row("median", g, self._median(params, gi))
        if self.n_groups == 2:
            row("hazard_ratio", f"{self.groups[1]} / {self.groups[0]}", self._hr(params))
        return pd.DataFrame(rows).set_index(["quantity", "group"])


def _numeric_rmst(cumhaz, tau: float, n_grid: int = 2001) -> np.ndarray:
    """:math:`\\int_0^\\tau S(t) dt` by Simpson's rule on a grid (draws along axis 0)."""
    grid = np.linspace(0.0, tau, n_grid)
    s = np.exp(-cumhaz(grid))
    return integrate.simpson(s, x=grid, axis=-1)


# ---------------------------------------------------------------------------------------
# exponential
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ExponentialSurvival(_SurvivalEndpoint):
    """Exponential survival: a constant hazard with a Gamma (mixture) prior; exact posterior.

    Parameters
    ----------
    name : str
    data : TimeToEvent
    landmark : float, optional
        Time :math:`t^*` at which survival is reported (e.g. 12 months).
    benchmark : float in (0, 1), optional
        Benchmark survival at the landmark; :math:`P(S(t^*) > s_0)` is reported.
    horizon : float, optional
        RMST horizon :math:`\\tau`; defaults to the landmark.
    reference : label, optional
        The reference group (two groups); defaults to the first label in the data.
    label : str

    Prior: a ``Gamma`` or a ``Mixture`` of Gammas for each group's hazard (the same prior,
    independently, for each group).

    Notes
    -----
    .. math::

        \\lambda_g &\\sim \\sum_k w_k \\text{Gamma}(s_k, r_k) \\\\
        \\log L &= \\sum_g D_g \\log \\lambda_g - \\lambda_g E_g \\quad
        (D_g \\sim \\text{Poisson}(\\lambda_g E_g), \\text{ the Poisson trick})

    Exact posterior :math:`\\text{Gamma}(s + D_g, r + E_g)` (:func:`update_time_to_event`).
    Estimands: :math:`S(t^*) = e^{-\\lambda t^*}`, RMST :math:`(1 - e^{-\\lambda\\tau})/\\lambda`,
    median :math:`\\log 2/\\lambda`, hazard ratio :math:`\\lambda_1/\\lambda_0`, whose exact
    posterior for single-Gamma posteriors is
    :math:`\\frac{s_1' r_0'}{s_0' r_1'} F(2 s_1', 2 s_0')`.

    A Gamma(1, :math:`t^*`) prior on :math:`\\lambda` is the uniform prior on
    :math:`S(t^*)` (its density :math:`\\propto s^{r/t^* - 1}`): with everyone followed
    exactly to :math:`t^*` and no events, the posterior of :math:`S(t^*)` is
    :math:`\\text{Beta}(n + 1, 1)`, the binary endpoint's answer under Beta(1, 1).

    Example
    -------
    >>> import bayes_trials as bt
    >>> from bayes_trials.endpoints.survival import ExponentialSurvival, TimeToEvent
    >>> ep = ExponentialSurvival("hsct_free_survival", TimeToEvent([12.0] * 9, [0] * 9),
    ...                          landmark=12.0, benchmark=0.39)
    >>> post = ep.exact_posterior(bt.Gamma(1, 12))
    >>> post
    Gamma(shape=1, rate=120)
    >>> float(round(ep.exact_summary(bt.Gamma(1, 12)).loc[("prob_survival_above_benchmark", None), "mean"], 6))
    0.999919
    """

    kind = "time_to_event_exponential"
    parameter = "hazard"
    prior_family = "gamma"

    def check_prior(self, prior) -> None:
        _check_gamma(prior)

    @staticmethod
    def reference_priors(landmark: float = 12.0) -> dict:
        """``uniform_landmark``: Gamma(1, landmark), uniform on S(landmark); ``jeffreys``-like
        Gamma(0.5, 1e-3) (the exponential's Jeffreys prior :math:`\\propto 1/\\lambda`,
        nearly; proper so that it can be sampled)."""
        return {"uniform_landmark": Gamma(1.0, float(landmark)), "vague": Gamma(0.5, 1e-3)}

    def structure(self, prior) -> tuple:
        return (self.kind, self.n_groups)

    @staticmethod
    def build_model(structure: tuple):
        """PyMC model on the log-hazard scale; data and hyperparameters are ``pm.Data``.

        With :math:`x = \\log\\lambda`, the Gamma-mixture prior density (Jacobian included)
        is :math:`\\sum_k w_k r_k^{s_k} e^{s_k x - r_k e^x}/\\Gamma(s_k)`; the likelihood is
        the Poisson trick on the sufficient statistics :math:`(D_g, E_g)`.
        """
        import pymc as pm
        import pytensor.tensor as pt

        _, n_groups = structure
        with pm.Model() as model:
            events = pm.Data("events", np.zeros(n_groups))
            exposure = pm.Data("exposure", np.ones(n_groups))
            w = pm.Data("prior_w", np.ones(1))
            s = pm.Data("prior_shape", np.ones(1))
            r = pm.Data("prior_rate", np.ones(1))
            landmark = pm.Data("landmark", 1.0)
            x = pm.Flat("log_hazard", shape=n_groups)
            log_comp = (pt.log(w) + s * pt.log(r) - pt.gammaln(s))[None, :] \
                + s[None, :] * x[:, None] - r[None, :] * pt.exp(x)[:, None]
            pm.Potential("prior", pt.logsumexp(log_comp, axis=1).sum())
            lam = pt.exp(x)
            pm.Poisson("events_obs", mu=exposure * lam, observed=events)
            if n_groups == 1:
                pm.Deterministic("hazard", lam[0])
                pm.Deterministic("survival_landmark", pt.exp(-lam[0] * landmark))
            else:
                pm.Deterministic("hazard", lam)
                pm.Deterministic("survival_landmark", pt.exp(-lam * landmark))
                pm.Deterministic("hazard_ratio", lam[1] / lam[0])
        return model

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        w, comps = components_of(prior)
        subs = [self.data.subset(g) for g in self.groups]
        return {
            "events": np.array([s.events for s in subs], dtype=float),
            "exposure": np.array([s.exposure for s in subs], dtype=float),
            "prior_w": np.asarray(w, dtype=float),
            "prior_shape": np.array([c.shape for c in comps], dtype=float),
            "prior_rate": np.array([c.rate for c in comps], dtype=float),
            "landmark": self._landmark_value(),
        }

    def exact_posterior(self, prior):
        """Gamma (mixture) posterior of the hazard; a dict ``{group: posterior}`` for two groups."""
        self.check_prior(prior)
        posts = {g: update_time_to_event(prior, self.data.subset(g)) for g in self.groups}
        return posts[None] if self.n_groups == 1 else posts

    def exact_hazard_ratio(self, prior):
        """Exact posterior of :math:`\\lambda_1/\\lambda_0` (a scaled F distribution, scipy
        frozen), for single-Gamma posteriors of two groups; None otherwise."""
        if self.n_groups != 2:
            return None
        posts = self.exact_posterior(prior)
        p0, p1 = posts[self.groups[0]], posts[self.groups[1]]
        if isinstance(p0, Mixture) or isinstance(p1, Mixture):
            return None
        scale = (p1.shape * p0.rate) / (p0.shape * p1.rate)
        return stats.f(2 * p1.shape, 2 * p0.shape, scale=scale)

    def exact_summary(self, prior, level: float = CRED_LEVEL) -> pd.DataFrame:
        """The rows of :meth:`summarise`, computed exactly from the Gamma posterior.

        Every estimand is a monotone function of :math:`\\lambda`, so its quantiles are
        the transformed quantiles of the Gamma; means by the moment generating function
        (:math:`E e^{-\\lambda t} = (r/(r+t))^s`) or by quadrature.
        """
        pct = round(100 * level)
        tail = (1 - level) / 2
        posts = self.exact_posterior(prior)
        posts = {None: posts} if self.n_groups == 1 else posts
        rows = []

        def quad_moments(post, f):
            w, comps = components_of(post)
            m1 = m2 = 0.0
            for wk, c in zip(w, comps):
                lo, hi = c.ppf(1e-12), c.ppf(1 - 1e-12)
                m1 += wk * integrate.quad(lambda x: f(x) * c.pdf(x), lo, hi, limit=200)[0]
                m2 += wk * integrate.quad(lambda x: f(x) ** 2 * c.pdf(x), lo, hi, limit=200)[0]
            return m1, math.sqrt(max(m2 - m1**2, 0.0))

        def add(quantity, g, post, f, decreasing=True, mean=None):
            q = np.array([tail, 0.5, 1 - tail])
            lam_q = np.asarray(post.ppf(1 - q if decreasing else q), dtype=float)
            vals = f(lam_q)
            m, sd = quad_moments(post, f) if mean is None else mean
            rows.append({"quantity": quantity, "group": g, "mean": m, "sd": sd,
                         "median": float(vals[1]), f"cri{pct}_low": float(vals[0]),
                         f"cri{pct}_high": float(vals[2])})

        for g in self.groups:
            post = posts[g]
            if self.landmark is not None:
                L = self.landmark
                w, comps = components_of(post)
                m1 = sum(wk * (c.rate / (c.rate + L)) ** c.shape for wk, c in zip(w, comps))
                m2 = sum(wk * (c.rate / (c.rate + 2 * L)) ** c.shape for wk, c in zip(w, comps))
                add("survival", g, post, lambda x: np.exp(-x * L),
                    mean=(m1, math.sqrt(max(m2 - m1**2, 0.0))))
                if self.benchmark is not None:
                    p = float(post.cdf(-math.log(self.benchmark) / L))
                    rows.append({"quantity": "prob_survival_above_benchmark", "group": g,
                                 "mean": p, "sd": float("nan"), "median": float("nan"),
                                 f"cri{pct}_low": float("nan"), f"cri{pct}_high": float("nan")})
            if self.horizon is not None:
                tau = self.horizon
                add("rmst", g, post, lambda x: -np.expm1(-x * tau) / x)
            # E[1/lambda] = r/(s-1), E[1/lambda^2] = r^2/((s-1)(s-2)): finite only for s > 1, 2
            w, comps = components_of(post)
            m1 = sum(wk * (c.rate / (c.shape - 1) if c.shape > 1 else np.inf)
                     for wk, c in zip(w, comps))
            m2 = sum(wk * (c.rate**2 / ((c.shape - 1) * (c.shape - 2)) if c.shape > 2 else np.inf)
                     for wk, c in zip(w, comps))
            ln2 = math.log(2)
            sd = ln2 * math.sqrt(m2 - m1**2) if np.isfinite(m2) else float("inf")
            add("median", g, post, lambda x: ln2 / np.asarray(x), mean=(ln2 * m1, sd))
        if self.n_groups == 2:
            hr = self.exact_hazard_ratio(prior)
            if hr is not None:
                lo, med, hi = hr.ppf([tail, 0.5, 1 - tail])
                rows.append({"quantity": "hazard_ratio", "group": f"{self.groups[1]} / {self.groups[0]}",
                             "mean": float(hr.mean()), "sd": float(hr.std()), "median": float(med),
                             f"cri{pct}_low": float(lo), f"cri{pct}_high": float(hi)})
        return pd.DataFrame(rows).set_index(["quantity", "group"])

    # draws-based estimands
    def _params(self, tree) -> dict:
        lam = self._flat(tree, "hazard")
        return {"hazard": lam.reshape(lam.shape[0], -1)}

    def _cumhaz(self, params, t, g):
        return params["hazard"][:, g] * t

    def _rmst(self, params, tau, g):
        lam = params["hazard"][:, g]
        return -np.expm1(-lam * tau) / lam

    def _median(self, params, g):
        return math.log(2) / params["hazard"][:, g]

    def _hr(self, params):
        return params["hazard"][:, 1] / params["hazard"][:, 0]


# ---------------------------------------------------------------------------------------
# Weibull
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class WeibullSurvival(_SurvivalEndpoint):
    """Weibull survival (proportional hazards for two groups), priors on shape and scale.

    Parameters as :class:`ExponentialSurvival`; the prior is a :class:`WeibullPrior`.

    Notes
    -----
    .. math::

        \\log k &\\sim N(m_k, s_k^2), \\quad \\log\\sigma \\sim N(m_\\sigma, s_\\sigma^2),
        \\quad \\beta \\sim N(m_\\beta, s_\\beta^2) \\text{ (two groups)} \\\\
        H(t \\mid x) &= (t/\\sigma)^k e^{\\beta x}, \\quad
        \\log h(t \\mid x) = \\log k - \\log\\sigma + (k - 1)\\log(t/\\sigma) + \\beta x \\\\
        \\log L &= \\sum_i \\delta_i \\log h(t_i \\mid x_i) - H(t_i \\mid x_i)

    Estimands: :math:`S(t^*) = e^{-H(t^*)}`; median
    :math:`\\sigma (\\log 2\\, e^{-\\beta x})^{1/k}`; RMST
    :math:`\\int_0^\\tau S = (\\sigma'/k)\\,\\Gamma(1/k)\\, P(1/k, (\\tau/\\sigma')^k)` with
    :math:`\\sigma' = \\sigma e^{-\\beta x / k}` and :math:`P` the regularised lower
    incomplete gamma function; hazard ratio :math:`e^\\beta`. No exact posterior.

    The parametrisation matches lifelines' ``WeibullFitter`` (:math:`\\lambda = \\sigma`,
    :math:`\\rho = k`), the frequentist reference.

    Example
    -------
    >>> from bayes_trials.endpoints.survival import WeibullSurvival, WeibullPrior, TimeToEvent
    >>> ep = WeibullSurvival("os", TimeToEvent([3.0, 8.0, 14.0, 20.0], [1, 1, 0, 1]), landmark=12.0)
    >>> sorted(ep.model_inputs(WeibullPrior.vague(12.0)))
    ['event', 'landmark', 'prior_log_scale', 'prior_log_shape', 'time']
    """

    kind = "time_to_event_weibull"
    parameter = "survival_landmark"
    prior_family = "weibull"

    def check_prior(self, prior) -> None:
        if not isinstance(prior, WeibullPrior):
            raise PriorError(f"a Weibull endpoint takes a WeibullPrior, got {prior!r}", field="prior")

    def structure(self, prior) -> tuple:
        return (self.kind, self.n_groups)

    @staticmethod
    def build_model(structure: tuple):
        """PyMC model with patient-level ``pm.Data`` (times, events, group indicator)."""
        import pymc as pm
        import pytensor.tensor as pt

        _, n_groups = structure
        with pm.Model() as model:
            t = pm.Data("time", np.ones(2))
            delta = pm.Data("event", np.zeros(2))
            pk = pm.Data("prior_log_shape", np.array([0.0, 1.0]))
            ps = pm.Data("prior_log_scale", np.array([0.0, 1.0]))
            landmark = pm.Data("landmark", 1.0)
            log_k = pm.Normal("log_shape", pk[0], pk[1])
            log_s = pm.Normal("log_scale", ps[0], ps[1])
            k = pm.Deterministic("shape", pt.exp(log_k))
            pm.Deterministic("scale", pt.exp(log_s))
            if n_groups == 2:
                xg = pm.Data("group_x", np.zeros(2))
                pb = pm.Data("prior_log_hr", np.array([0.0, 1.0]))
                beta = pm.Normal("log_hr", pb[0], pb[1])
                pm.Deterministic("hazard_ratio", pt.exp(beta))
                lin = beta * xg
            else:
                lin = 0.0
            z = pt.log(t) - log_s
            log_h = log_k - log_s + (k - 1) * z + lin
            cum_h = pt.exp(k * z + lin)
            pm.Potential("loglik", pt.sum(delta * log_h - cum_h))
            h_land = pt.exp(k * (pt.log(landmark) - log_s))
            if n_groups == 2:
                pm.Deterministic("survival_landmark",
                                 pt.exp(-h_land * pt.exp(pt.stack([0.0 * beta, beta]))))
            else:
                pm.Deterministic("survival_landmark", pt.exp(-h_land))
        return model

    def _xg(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        frame = self.data.to_frame()
        if self.n_groups == 2:
            x = (frame["group"] == self.groups[1]).to_numpy(float)
        else:
            x = np.zeros(len(frame))
        return frame["time"].to_numpy(float), frame["event"].to_numpy(float), x

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        t, e, x = self._xg()
        out = {
            "time": t, "event": e,
            "prior_log_shape": np.array([prior.log_shape.mean, prior.log_shape.sd]),
            "prior_log_scale": np.array([prior.log_scale.mean, prior.log_scale.sd]),
            "landmark": self._landmark_value(),
        }
        if self.n_groups == 2:
            out["group_x"] = x
            out["prior_log_hr"] = np.array([prior.log_hr.mean, prior.log_hr.sd])
        return out

    def exact_posterior(self, prior):
        """None: the Weibull model has no conjugate form."""
        return None

    def _params(self, tree) -> dict:
        p = {"shape": self._flat(tree, "shape"), "scale": self._flat(tree, "scale")}
        p["log_hr"] = self._flat(tree, "log_hr") if self.n_groups == 2 else np.zeros_like(p["shape"])
        return p

    def _cumhaz(self, params, t, g):
        k, s = params["shape"], params["scale"]
        return (float(t) / s) ** k * np.exp(params["log_hr"] * g)

    def _rmst(self, params, tau, g):
        k, s = params["shape"], params["scale"]
        s_eff = s * np.exp(-params["log_hr"] * g / k)
        return s_eff / k * special.gamma(1 / k) * special.gammainc(1 / k, (tau / s_eff) ** k)

    def _median(self, params, g):
        k, s = params["shape"], params["scale"]
        return s * (math.log(2) * np.exp(-params["log_hr"] * g)) ** (1 / k)

    def _hr(self, params):
        return np.exp(params["log_hr"])


# ---------------------------------------------------------------------------------------
# piecewise exponential
# ---------------------------------------------------------------------------------------
def quantile_cuts(data: TimeToEvent, n_pieces: int) -> tuple[float, ...]:
    """Interior cut points at the quantiles :math:`j/J` of the observed event times.

    >>> quantile_cuts(TimeToEvent([1, 2, 3, 4, 5, 6], [1] * 6), 2)
    (3.5,)
    """
    n_pieces = v.count(n_pieces, "n_pieces")
    if n_pieces < 1:
        raise DataError("needs at least one piece", field="n_pieces")
    times = data.time[data.event == 1]
    if times.size == 0:
        times = data.time
    cuts = np.quantile(times, np.arange(1, n_pieces) / n_pieces)
    cuts = np.unique(cuts[cuts > 0])
    return tuple(float(c) for c in cuts)


def piece_statistics(data: TimeToEvent, cuts, label=None) -> tuple[np.ndarray, np.ndarray]:
    """Events :math:`D_j` and time at risk :math:`E_j` in each piece :math:`[c_{j-1}, c_j)`.

    >>> piece_statistics(TimeToEvent([1.0, 3.0], [1, 0]), (2.0,))
    (array([1., 0.]), array([3., 1.]))
    """
    sub = data.subset(label) if data.group is not None else data
    edges = np.r_[0.0, np.asarray(cuts, dtype=float), np.inf]
    lo, hi = edges[:-1], edges[1:]
    t = sub.time[:, None]
    exposure = np.clip(np.minimum(t, hi) - lo, 0.0, None).sum(axis=0)
    piece = np.searchsorted(edges, sub.time, side="right") - 1
    events = np.bincount(piece[sub.event == 1], minlength=lo.size).astype(float)
    return events, exposure


@dataclass(frozen=True, eq=False)
class PiecewiseExponentialSurvival(_SurvivalEndpoint):
    """Piecewise-exponential survival with a random-walk smoothing prior on the log hazards.

    Parameters as :class:`ExponentialSurvival`, plus

    cuts : sequence of float, optional
        Interior cut points (increasing, > 0). Without them, ``n_pieces`` pieces cut at
        quantiles of the observed event times (:func:`quantile_cuts`, all groups pooled).
    n_pieces : int, default 4

    The prior is a :class:`PiecewisePrior`.

    Notes
    -----
    With pieces :math:`[c_{j-1}, c_j)`, :math:`j = 1..J` (:math:`c_0 = 0`, :math:`c_J = \\infty`):

    .. math::

        \\alpha_1 &\\sim N(m, s^2), \\quad \\tau \\sim \\text{HalfNormal}(\\phi), \\quad
        \\alpha_j = \\alpha_{j-1} + \\tau z_j,\\ z_j \\sim N(0, 1) \\\\
        \\log \\lambda_{gj} &= \\alpha_j + \\beta x_g, \\quad \\beta \\sim N(m_\\beta, s_\\beta^2) \\\\
        D_{gj} &\\sim \\text{Poisson}(\\lambda_{gj} E_{gj}) \\quad \\text{(the Poisson trick)}

    Estimands: :math:`S(t) = \\exp(-\\sum_j \\lambda_j |[c_{j-1}, c_j) \\cap [0, t)|)`,
    RMST and median in closed form piece by piece, hazard ratio :math:`e^\\beta`.

    Example
    -------
    >>> from bayes_trials.endpoints.survival import PiecewiseExponentialSurvival, TimeToEvent
    >>> ep = PiecewiseExponentialSurvival("efs", TimeToEvent([1, 2, 5, 8], [1, 1, 0, 1]), cuts=(3.0,))
    >>> ep.cuts
    (3.0,)
    """

    cuts: tuple | None = None
    n_pieces: int = 4

    kind = "time_to_event_piecewise"
    parameter = "survival_landmark"
    prior_family = "piecewise"

    def __post_init__(self):
        super().__post_init__()
        if self.cuts is None:
            cuts = quantile_cuts(self.data, self.n_pieces)
        else:
            cuts = tuple(v.positive(c, "cuts") for c in np.atleast_1d(self.cuts))
            if any(b <= a for a, b in zip(cuts, cuts[1:])):
                raise DataError(f"cut points must increase, got {list(cuts)}", field="cuts")
        object.__setattr__(self, "cuts", cuts)
        object.__setattr__(self, "n_pieces", len(cuts) + 1)

    def check_prior(self, prior) -> None:
        if not isinstance(prior, PiecewisePrior):
            raise PriorError(f"a piecewise endpoint takes a PiecewisePrior, got {prior!r}",
                             field="prior")

    def structure(self, prior) -> tuple:
        return (self.kind, self.n_pieces, self.n_groups)

    @staticmethod
    def build_model(structure: tuple):
        """PyMC model on the per-piece sufficient statistics; cut points are ``pm.Data``."""
        import pymc as pm
        import pytensor.tensor as pt

        _, n_pieces, n_groups = structure
        with pm.Model() as model:
            events = pm.Data("events", np.zeros((n_groups, n_pieces)))
            exposure = pm.Data("exposure", np.ones((n_groups, n_pieces)))
            lower = pm.Data("lower", np.arange(n_pieces, dtype=float))
            width = pm.Data("width", np.ones(n_pieces))
            p0 = pm.Data("prior_log_hazard", np.array([0.0, 1.0]))
            landmark = pm.Data("landmark", 1.0)
            a1 = pm.Normal("log_hazard_first", p0[0], p0[1])
            if n_pieces > 1:
                ptau = pm.Data("prior_smoothing", 0.5)
                tau = pm.HalfNormal("smoothing_sd", sigma=ptau)
                z = pm.Normal("rw_innovation", 0.0, 1.0, shape=n_pieces - 1)
                alpha = pt.concatenate([a1[None], a1 + pt.cumsum(tau * z)])
            else:
                alpha = a1[None]
            alpha = pm.Deterministic("log_hazard", alpha)
            if n_groups == 2:
                pb = pm.Data("prior_log_hr", np.array([0.0, 1.0]))
                beta = pm.Normal("log_hr", pb[0], pb[1])
                pm.Deterministic("hazard_ratio", pt.exp(beta))
                shift = pt.stack([0.0 * beta, beta])
            else:
                shift = pt.zeros(1)
            log_h = alpha[None, :] + shift[:, None]
            pm.Potential("loglik", pt.sum(events * log_h - exposure * pt.exp(log_h)))
            overlap = pt.clip(landmark - lower, 0.0, width)
            cum = pt.sum(pt.exp(log_h) * overlap[None, :], axis=1)
            surv = pt.exp(-cum)
            pm.Deterministic("survival_landmark", surv[0] if n_groups == 1 else surv)
        return model

    @property
    def edges(self) -> np.ndarray:
        return np.r_[0.0, np.asarray(self.cuts, dtype=float), np.inf]

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        stats_ = [piece_statistics(self.data, self.cuts, g) for g in self.groups]
        edges = self.edges
        out = {
            "events": np.array([d for d, _ in stats_]),
            "exposure": np.array([e for _, e in stats_]),
            "lower": edges[:-1],
            "width": np.diff(edges),
            "prior_log_hazard": np.array([prior.log_hazard.mean, prior.log_hazard.sd]),
            "landmark": self._landmark_value(),
        }
        if self.n_pieces > 1:
            out["prior_smoothing"] = float(prior.smoothing.scale)
        if self.n_groups == 2:
            out["prior_log_hr"] = np.array([prior.log_hr.mean, prior.log_hr.sd])
        return out

    def exact_posterior(self, prior):
        """None: the smoothing prior couples the pieces; no conjugate form."""
        return None

    def _params(self, tree) -> dict:
        alpha = self._flat(tree, "log_hazard")
        beta = self._flat(tree, "log_hr") if self.n_groups == 2 else np.zeros(alpha.shape[0])
        return {"hazard": np.exp(alpha), "log_hr": beta}

    def _group_hazard(self, params, g):
        return params["hazard"] * np.exp(params["log_hr"] * g)[:, None]

    def _cumhaz(self, params, t, g):
        edges = self.edges
        t = np.asarray(t, dtype=float)
        overlap = np.clip(t[..., None] - edges[:-1], 0.0, np.diff(edges))  # (..., J)
        lam = self._group_hazard(params, g)  # (S, J)
        if t.ndim == 0:
            return lam @ overlap
        return lam @ overlap.T

    def _rmst(self, params, tau, g):
        edges = self.edges
        lam = self._group_hazard(params, g)
        lo = edges[:-1]
        width = np.clip(tau - lo, 0.0, np.diff(edges))  # time spent in each piece before tau
        h_start = np.concatenate([np.zeros((lam.shape[0], 1)),
                                  np.cumsum(lam * np.diff(edges)[None, :].clip(max=1e300), axis=1)[:, :-1]],
                                 axis=1)
        contrib = np.exp(-h_start) * -np.expm1(-lam * width) / lam
        return contrib.sum(axis=1)

    def _median(self, params, g):
        edges = self.edges
        lam = self._group_hazard(params, g)
        widths = np.diff(edges)
        h_end = np.cumsum(lam * np.where(np.isfinite(widths), widths, 0.0)[None, :], axis=1)
        h_start = np.concatenate([np.zeros((lam.shape[0], 1)), h_end[:, :-1]], axis=1)
        target = math.log(2)
        # the piece in which H crosses log 2 (the last piece never ends)
        j = np.minimum((h_end[:, :-1] < target).sum(axis=1), lam.shape[1] - 1)
        rows = np.arange(lam.shape[0])
        return edges[j] + (target - h_start[rows, j]) / lam[rows, j]

    def _hr(self, params):
        return np.exp(params["log_hr"])


# =======================================================================================
# the spec kind ``time_to_event``: one endpoint, several models, one report section
# =======================================================================================
#: the models a ``time_to_event`` endpoint can fit, in report order
MODELS = ("exponential", "weibull", "piecewise")
TIME_UNITS = ("days", "weeks", "months", "years")
#: retries when a fit fails its diagnostics: (target_accept, draws multiplier), as analysis.RETRIES
_SETTINGS = ((0.9, 1), (0.95, 2), (0.95, 4))


@dataclass(frozen=True)
class SurvivalPrior:
    """The priors of every model a ``time_to_event`` endpoint fits, as one named prior.

    Parameters
    ----------
    exponential : Gamma or Mixture of Gamma
        Prior of the constant hazard (events per time unit) of :class:`ExponentialSurvival`.
    weibull : WeibullPrior
    piecewise : PiecewisePrior
    preset : str
        ``"vague"`` when built by :meth:`vague` (the priors the Kaplan-Meier comparison
        uses); empty for a prior written out in full.

    Example
    -------
    >>> SurvivalPrior.vague(12.0).exponential
    Gamma(shape=0.5, rate=0.001)
    """

    exponential: object
    weibull: WeibullPrior
    piecewise: PiecewisePrior
    preset: str = ""

    def __post_init__(self):
        _check_gamma(self.exponential)
        if not isinstance(self.weibull, WeibullPrior):
            raise PriorError(f"must be a WeibullPrior, got {self.weibull!r}", field="weibull")
        if not isinstance(self.piecewise, PiecewisePrior):
            raise PriorError(f"must be a PiecewisePrior, got {self.piecewise!r}", field="piecewise")

    @classmethod
    def vague(cls, typical_time: float) -> "SurvivalPrior":
        """Gamma(1/2, 0.001) on the hazard (nearly the exponential's Jeffreys prior
        :math:`\\propto 1/\\lambda`, proper so that it can be sampled),
        :meth:`WeibullPrior.vague` and :meth:`PiecewisePrior.vague` at ``typical_time``."""
        return cls(Gamma(0.5, 1e-3), WeibullPrior.vague(typical_time),
                   PiecewisePrior.vague(typical_time), preset="vague")

    def for_model(self, model: str):
        return getattr(self, model)

    def __repr__(self) -> str:
        w, p = self.weibull, self.piecewise
        text = (f"exponential hazard ~ {self.exponential!r}; Weibull log scale ~ {w.log_scale!r}, "
                f"log shape ~ {w.log_shape!r}; piecewise first log hazard ~ {p.log_hazard!r}, "
                f"random-walk sd ~ {p.smoothing!r}; log HR ~ {w.log_hr!r}")
        return f"{self.preset} ({text})" if self.preset else text


# --- spec: the prior family ``survival`` ------------------------------------------------
def _normal_params(raw, where: str, error) -> dict:
    if not isinstance(raw, dict):
        raise error("needs { mean = ..., sd = ... }", field=where)
    return {"mean": v.finite_real(raw.get("mean"), f"{where}.mean", error),
            "sd": v.positive(raw.get("sd"), f"{where}.sd", error)}


def parse_survival_prior(raw: dict, where: str) -> dict:
    """Validate a ``[priors.<name>]`` table with ``family = "survival"``.

    Fields: ``preset = "vague"`` (resolved per endpoint at its landmark), and/or explicit
    parts that replace the preset's: ``exponential = { shape, rate }`` (Gamma on the hazard
    per time unit), ``weibull = { log_scale = {mean, sd}, log_shape = {mean, sd} }``,
    ``piecewise = { log_hazard = {mean, sd}, smoothing = <HalfNormal scale> }``,
    ``log_hr = { mean, sd }`` (two groups). Without a preset every part the endpoint's
    models need must be given (checked when the prior is resolved for the endpoint).
    """
    from ..errors import SpecError

    known = {"family", "role", "tag", "rationale", "preset", "exponential", "weibull", "piecewise",
             "log_hr"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SpecError(f"unknown field(s) {unknown}; a survival prior takes "
                        f"{sorted(known - {'family', 'role', 'tag', 'rationale'})}", field=where)
    out: dict = {"preset": None}
    if "preset" in raw:
        out["preset"] = v.one_of(raw["preset"], ("vague",), f"{where}.preset", SpecError)
    if "exponential" in raw:
        g = raw["exponential"]
        if not isinstance(g, dict):
            raise SpecError("needs { shape = ..., rate = ... } (a Gamma prior on the hazard)",
                            field=f"{where}.exponential")
        out["exponential"] = {k: v.positive(g.get(k), f"{where}.exponential.{k}", SpecError)
                              for k in ("shape", "rate")}
    if "weibull" in raw:
        w = raw["weibull"]
        if not isinstance(w, dict) or "log_scale" not in w:
            raise SpecError("needs log_scale = { mean, sd } (and optionally log_shape)",
                            field=f"{where}.weibull")
        out["weibull"] = {k: _normal_params(w[k], f"{where}.weibull.{k}", SpecError)
                          for k in ("log_scale", "log_shape") if k in w}
    if "piecewise" in raw:
        p = raw["piecewise"]
        if not isinstance(p, dict) or "log_hazard" not in p:
            raise SpecError("needs log_hazard = { mean, sd } (and optionally smoothing)",
                            field=f"{where}.piecewise")
        out["piecewise"] = {"log_hazard": _normal_params(p["log_hazard"], f"{where}.piecewise.log_hazard",
                                                         SpecError)}
        if "smoothing" in p:
            out["piecewise"]["smoothing"] = v.positive(p["smoothing"], f"{where}.piecewise.smoothing",
                                                       SpecError)
    if "log_hr" in raw:
        out["log_hr"] = _normal_params(raw["log_hr"], f"{where}.log_hr", SpecError)
    if out["preset"] is None and not any(k in out for k in ("exponential", "weibull", "piecewise")):
        raise SpecError("needs preset = \"vague\" or explicit exponential / weibull / piecewise parts",
                        field=where)
    return out


def resolve_survival_prior(params: dict, endpoint) -> SurvivalPrior:
    """The :class:`SurvivalPrior` of a parsed ``survival`` prior for ``endpoint``."""
    typical = endpoint.landmark
    base = SurvivalPrior.vague(typical) if params.get("preset") else None
    models = getattr(endpoint, "models", MODELS)
    if base is None:
        missing = [m for m in models if m not in params]
        if missing:
            raise PriorError(f"the endpoint fits {', '.join(models)}; no prior given for "
                             f"{', '.join(missing)} (add it, or preset = \"vague\")", field=missing[0])
        # parts for models the endpoint does not fit are not used; fill them vaguely
        base = SurvivalPrior.vague(typical)
    log_hr = Normal(**params["log_hr"]) if "log_hr" in params else base.weibull.log_hr
    expo = Gamma(**params["exponential"]) if "exponential" in params else base.exponential
    wb = base.weibull
    if "weibull" in params:
        wp = params["weibull"]
        wb = WeibullPrior(log_scale=Normal(**wp["log_scale"]),
                          log_shape=Normal(**wp["log_shape"]) if "log_shape" in wp else wb.log_shape)
    wb = WeibullPrior(log_scale=wb.log_scale, log_shape=wb.log_shape, log_hr=log_hr)
    pw = base.piecewise
    if "piecewise" in params:
        pp = params["piecewise"]
        pw = PiecewisePrior(log_hazard=Normal(**pp["log_hazard"]),
                            smoothing=HalfNormal(pp["smoothing"]) if "smoothing" in pp else pw.smoothing)
    pw = PiecewisePrior(log_hazard=pw.log_hazard, smoothing=pw.smoothing, log_hr=log_hr)
    explicit = any(k in params for k in ("exponential", "weibull", "piecewise", "log_hr"))
    return SurvivalPrior(expo, wb, pw, preset="" if explicit else (params.get("preset") or ""))


register_prior_family("survival", parse_survival_prior, resolve_survival_prior)


# --- spec: reading the data files --------------------------------------------------------
def _read_csv(base: Path, raw: dict, key: str):
    from ..errors import SpecError

    rel = raw[key]
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(f"must be a path (relative to the spec file), got {rel!r}", field=key)
    path = (base / rel) if not Path(rel).is_absolute() else Path(rel)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise SpecError(f"no such file {str(path)!r} (paths are relative to the spec file)",
                        field=key) from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise SpecError(f"cannot read {str(path)!r}: {err}", field=key) from None
    if len(frame) == 0:
        raise SpecError(f"{str(path)!r} has no data rows", field=key)
    return path, frame


def _row_error(err: DataError, path: Path, key: str):
    """A DataError about a data row, as a SpecError naming the file, the row and the line."""
    import re

    from ..errors import SpecError

    reason = err.reason
    m = re.match(r"row (\d+): (.*)", reason, flags=re.S)
    if m:
        i = int(m.group(1))
        reason = f"row {i} (line {i + 2} of the file, after the header): {m.group(2)}"
    fld = (err.field or "").split(".")[-1]
    return SpecError(f"{path}: {reason}", field=f"{key}.{fld}" if fld else key)


def _file_source(source: str, path: Path, base: Path) -> str:
    import hashlib

    try:
        shown = path.resolve().relative_to(base)
    except ValueError:
        shown = path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{source} [file {shown}, sha256 {digest}]"


# --- the endpoint -------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TimeToEventEndpoint:
    """A time-to-event endpoint fitted with several survival models (the spec kind ``time_to_event``).

    Parameters
    ----------
    name : str
    data : TimeToEvent
        Patient data, or data reconstructed from a digitised Kaplan-Meier curve
        (:func:`bayes_trials.ipd.reconstruct_ipd`; then ``reconstruction`` holds the curve
        and the at-risk table).
    landmark : float
        Primary landmark :math:`t^*` (in ``time_unit``): survival :math:`S(t^*)` is the
        endpoint's parameter, compared with Kaplan-Meier and with ``benchmark``.
    landmarks : tuple of float
        Further landmarks reported (survival per model and Kaplan-Meier).
    horizon : float, optional
        RMST horizon :math:`\\tau`; defaults to the landmark.
    benchmark : float in (0, 1), optional
        Benchmark survival at the landmark: :math:`P(S(t^*) > s_0)` is reported.
    models : tuple of {"exponential", "weibull", "piecewise"}
    cuts : tuple of float, optional
        Interior cut points of the piecewise model; else ``n_pieces`` quantile cuts.
    reference : label, optional
        Reference group for two groups (hazard ratio other / reference).
    time_unit : str

    Notes
    -----
    Each model is one of :class:`ExponentialSurvival`, :class:`WeibullSurvival`,
    :class:`PiecewiseExponentialSurvival` (see their Notes for the likelihoods and priors),
    built on the same data and landmarks; a prior is a :class:`SurvivalPrior` holding one
    part per model. The exponential model's posterior is exact
    (:math:`\\text{Gamma}(s + D, r + E)`) and checks its MCMC fit.
    """

    name: str
    data: TimeToEvent
    landmark: float
    landmarks: tuple = ()
    horizon: float | None = None
    benchmark: float | None = None
    models: tuple = MODELS
    cuts: tuple | None = None
    n_pieces: int = 4
    reference: object = None
    time_unit: str = "months"
    label: str = ""
    reconstruction: dict | None = field(default=None, repr=False)

    kind = "time_to_event"
    prior_family = "survival"
    parameter = "survival_landmark"
    direction = "greater"

    def __post_init__(self):
        if not isinstance(self.data, TimeToEvent):
            raise DataError(f"needs TimeToEvent data, got {type(self.data).__name__}", field="data")
        models = tuple(self.models)
        if not models:
            raise DataError("needs at least one model", field="models")
        for m in models:
            v.one_of(m, MODELS, "models", DataError)
        if len(set(models)) != len(models):
            raise DataError(f"a model is listed twice: {list(models)}", field="models")
        object.__setattr__(self, "models", tuple(m for m in MODELS if m in models))
        v.one_of(self.time_unit, TIME_UNITS, "time_unit", DataError)
        object.__setattr__(self, "landmark", v.positive(self.landmark, "landmark"))
        marks = [v.positive(t, f"landmarks[{i}]") for i, t in enumerate(self.landmarks)]
        object.__setattr__(self, "landmarks", tuple(sorted(set(marks) | {self.landmark})))
        last = float(self.data.time.max())
        for fld, t in [("landmark", self.landmark), *(("landmarks", t) for t in self.landmarks)] + (
                [("horizon", self.horizon)] if self.horizon is not None else []):
            if t > last:
                raise DataError(f"{t:g} {self.time_unit} is beyond the last follow-up time {last:g}; "
                                "the Kaplan-Meier reference is undefined there", field=fld)
        if not self.label:
            object.__setattr__(self, "label", self.name)
        # build the model endpoints now: their validation (cuts, groups, benchmark) runs here
        common = dict(name=self.name, data=self.data, landmark=self.landmark, benchmark=self.benchmark,
                      horizon=self.horizon, reference=self.reference, label=self.label)
        subs = {}
        for m in self.models:
            if m == "exponential":
                subs[m] = ExponentialSurvival(**common)
            elif m == "weibull":
                subs[m] = WeibullSurvival(**common)
            else:
                subs[m] = PiecewiseExponentialSurvival(**common, cuts=self.cuts, n_pieces=self.n_pieces)
        object.__setattr__(self, "_subs", subs)
        object.__setattr__(self, "horizon", next(iter(subs.values())).horizon)

    # --- what the pipeline asks of an endpoint ------------------------------------------
    @property
    def submodels(self) -> dict:
        """Model name -> the model endpoint (ExponentialSurvival, WeibullSurvival, ...)."""
        return dict(self._subs)

    @property
    def target(self):
        return self.benchmark

    @property
    def groups(self) -> tuple:
        return next(iter(self._subs.values())).groups

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def describe_target(self) -> str:
        return (f"P(S({self.landmark:g}) > {self.benchmark:g})" if self.benchmark is not None
                else f"S({self.landmark:g})")

    def describe_data(self) -> str:
        d = self.data
        g = "" if d.group is None else f", groups {list(self.groups)}"
        how = (", reconstructed from a digitised Kaplan-Meier curve" if self.reconstruction
               else "")
        return (f"{d.n} patients, {d.events} events, {d.exposure:.4g} patient-{self.time_unit} at risk"
                f"{g}{how}")

    def reference_priors(self) -> dict:
        return {"vague": SurvivalPrior.vague(self.landmark)}

    def published_quantities(self) -> tuple:
        """One group: the Kaplan-Meier S(landmark) and its interval; two: the Cox hazard
        ratio, its Wald interval and the log-rank p-value."""
        return ("estimate", "ci_low", "ci_high") + (("p_value",) if self.n_groups == 2 else ())

    def interval_methods(self) -> tuple:
        return ("greenwood", "loglog") if self.n_groups == 1 else ("cox-wald",)

    def frequentist(self, level: float = CRED_LEVEL) -> SurvivalReference:
        return next(iter(self._subs.values())).frequentist(level)

    # --- spec -------------------------------------------------------------------------
    @classmethod
    def from_spec(cls, raw: dict, defaults: dict, name: str, base_dir=None):
        """Build the endpoint from a ``[[endpoints]]`` table with ``kind = "time_to_event"``.

        Returns ``(endpoint, provenance)``; provenance maps each number (``landmark``,
        ``horizon``, ``benchmark``, ``total_events``, and the data's ``n`` and ``events``)
        to a :class:`~bayes_trials.spec.Quantity`. Data files are read relative to the
        spec file (``base_dir``). See ``models/examples/illustrative_car_t_efs.toml``.

        Raises
        ------
        SpecError
            Naming the field (``patients_csv.time``, ``curve_csv.survival``,
            ``at_risk_csv.n_at_risk``, ``landmark``, ...) and, for bad data, the file, the
            row and its line.
        """
        from ..errors import SpecError
        from ..ipd import reconstruct_ipd
        from ..spec import Quantity, _quantity

        known = {"id", "kind", "label", "tag", "source", "notes", "priors", "published", "benchmarks",
                 "patients_csv", "time_column", "event_column", "group_column", "reference_group",
                 "curve_csv", "at_risk_csv", "total_events", "time_unit", "landmark", "landmarks",
                 "horizon", "benchmark", "models", "cuts", "n_pieces"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SpecError(f"unknown field(s) {unknown} for a time_to_event endpoint", field=unknown[0])
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        if defaults.get("tag") is None or not defaults.get("source"):
            raise SpecError("a time_to_event endpoint needs 'tag' and 'source' for its data file",
                            field="source")
        tag, source = defaults["tag"], defaults["source"]
        patients = "patients_csv" in raw
        curve = "curve_csv" in raw or "at_risk_csv" in raw
        if patients == curve:
            raise SpecError("give either patients_csv (patient data) or curve_csv and at_risk_csv "
                            "(a digitised Kaplan-Meier curve and its numbers at risk)",
                            field="patients_csv" if patients else "curve_csv")
        provenance: dict = {}
        reconstruction = None
        if patients:
            for key in ("curve_csv", "at_risk_csv", "total_events"):
                if key in raw:
                    raise SpecError("only with a digitised curve (curve_csv)", field=key)
            path, frame = _read_csv(base, raw, "patients_csv")
            cols = {}
            for key, default in (("time_column", "time"), ("event_column", "event"), ("group_column", None)):
                col = raw.get(key, default)
                if col is None:
                    continue
                if not isinstance(col, str) or col not in frame.columns:
                    raise SpecError(f"{path}: no column {col!r}; columns are {list(frame.columns)}",
                                    field=f"patients_csv.{col}" if isinstance(col, str) else key)
                cols[key] = col
            try:
                data = TimeToEvent(frame[cols["time_column"]].to_numpy(),
                                   frame[cols["event_column"]].to_numpy(),
                                   frame[cols["group_column"]].to_numpy() if "group_column" in cols else None)
            except DataError as err:
                col = {"time": cols["time_column"], "event": cols["event_column"],
                       "group": cols.get("group_column")}.get(err.field, err.field)
                raise _row_error(DataError(err.reason, field=col), path, "patients_csv") from None
            data_tag, data_source = tag, _file_source(source, path, base)
        else:
            for key in ("curve_csv", "at_risk_csv"):
                if key not in raw:
                    raise SpecError("a digitised curve needs both curve_csv and at_risk_csv", field=key)
            for key in ("group_column", "reference_group", "time_column", "event_column"):
                if key in raw:
                    raise SpecError("only with patient data (patients_csv); a digitised curve is one group",
                                    field=key)
            cpath, cframe = _read_csv(base, raw, "curve_csv")
            apath, aframe = _read_csv(base, raw, "at_risk_csv")
            total = _quantity(raw, "total_events", defaults, required=False)
            if total is not None:
                provenance["total_events"] = total
            try:
                from ..ipd import validate_at_risk, validate_curve

                validate_curve(cframe)
            except DataError as err:
                raise _row_error(err, cpath, "curve_csv") from None
            try:
                validate_at_risk(aframe)
            except DataError as err:
                raise _row_error(err, apath, "at_risk_csv") from None
            try:
                ipd = reconstruct_ipd(cframe, aframe, None if total is None else total.value)
            except DataError as err:
                raise SpecError(err.reason, field=err.field or "curve_csv") from None
            data = TimeToEvent(ipd["time"].to_numpy(), ipd["event"].to_numpy())
            reconstruction = {"curve": cframe, "at_risk": aframe, "ipd": ipd,
                              "curve_csv": str(cpath), "at_risk_csv": str(apath)}
            # patient data reconstructed from a printed curve are derived from it
            data_tag = "derived" if tag == "published" else tag
            data_source = (f"reconstructed (Guyot et al. 2012) from the digitised curve and numbers at risk; "
                           f"{_file_source(source, cpath, base)}; {_file_source(source, apath, base)}")
        provenance["n"] = Quantity(value=data.n, tag=data_tag, source=data_source)
        provenance["events"] = Quantity(value=data.events, tag=data_tag, source=data_source)

        landmark = _quantity(raw, "landmark", defaults)
        provenance["landmark"] = landmark
        horizon = _quantity(raw, "horizon", defaults, required=False)
        if horizon is not None:
            provenance["horizon"] = horizon
        benchmark = _quantity(raw, "benchmark", defaults, required=False)
        if benchmark is not None:
            provenance["benchmark"] = benchmark
        landmarks = raw.get("landmarks", [])
        if not isinstance(landmarks, list):
            raise SpecError("must be a list of times", field="landmarks")
        for i, t in enumerate(landmarks):
            v.positive(t, f"landmarks[{i}]", SpecError)
        models = raw.get("models", list(MODELS))
        if not isinstance(models, list) or not models:
            raise SpecError(f"must be a non-empty list drawn from {list(MODELS)}", field="models")
        for i, m in enumerate(models):
            v.one_of(m, MODELS, f"models[{i}]", SpecError)
        cuts = raw.get("cuts")
        if cuts is not None:
            if not isinstance(cuts, list) or not cuts:
                raise SpecError("must be a non-empty list of increasing times", field="cuts")
            for i, c in enumerate(cuts):
                v.positive(c, f"cuts[{i}]", SpecError)
            back = [i for i in range(1, len(cuts)) if cuts[i] <= cuts[i - 1]]
            if back:
                raise SpecError(f"cut points must increase: {cuts[back[0]]:g} after {cuts[back[0] - 1]:g}",
                                field=f"cuts[{back[0]}]")
        n_pieces = raw.get("n_pieces", 4)
        if "n_pieces" in raw and cuts is not None:
            raise SpecError("give cuts or n_pieces, not both", field="n_pieces")
        if v.count(n_pieces, "n_pieces", SpecError) < 1:
            raise SpecError("must be at least 1", field="n_pieces")
        time_unit = v.one_of(raw.get("time_unit", "months"), TIME_UNITS, "time_unit", SpecError)
        try:
            ep = cls(name=name, data=data, landmark=landmark.value, landmarks=tuple(landmarks),
                     horizon=None if horizon is None else horizon.value,
                     benchmark=None if benchmark is None else benchmark.value,
                     models=tuple(models), cuts=None if cuts is None else tuple(cuts), n_pieces=n_pieces,
                     reference=raw.get("reference_group"), time_unit=time_unit,
                     label=raw.get("label", name), reconstruction=reconstruction)
        except DataError as err:
            raise SpecError(err.reason, field=err.field) from None
        return ep, provenance

    # --- analysis -----------------------------------------------------------------------
    def analyse(self, priors: dict, *, method: str = "mcmc", spec=None, trial_id: str = "",
                draws: int = 1000, tune: int = 1000, chains: int = 4, seed: int = 0,
                level: float = CRED_LEVEL) -> "SurvivalResult":
        """Fit every model under every prior; run the checks; return a :class:`SurvivalResult`.

        With ``method="exact"`` only the exponential model is fitted (exactly); the Weibull
        and piecewise models have no closed form and need ``method="mcmc"``.
        """
        from ..analysis import PriorFit, check_analysis_inputs
        from ..fit import derive_seed

        level = check_analysis_inputs(self.name, priors, method, level)
        for pname, prior in priors.items():
            if not isinstance(prior, SurvivalPrior):
                raise PriorError(f"prior {pname!r}: a time_to_event endpoint takes a SurvivalPrior, "
                                 f"got {prior!r}", field="priors")
        fits = {}
        for model, sub in self._subs.items():
            if method == "exact" and model != "exponential":
                continue
            for pname, prior in priors.items():
                part = prior.for_model(model)
                exact = sub.exact_posterior(part) if model == "exponential" else None
                tree, fit_seed, row = None, None, {"model": model, "prior_name": pname, "prior": repr(part)}
                if method == "mcmc":
                    fit_seed = derive_seed(seed, trial_id, self.name, f"{model}-{pname}")
                    tree, diag_rows, attempts, ta = self._sample(sub, model, part, exact, draws=draws,
                                                                  tune=tune, chains=chains, seed=fit_seed,
                                                                  level=level)
                    row.update(seed=fit_seed, attempts=attempts, target_accept=ta, _diag=diag_rows)
                fits[f"{model}-{pname}"] = PriorFit(f"{model}-{pname}", prior, exact, row, tree, fit_seed)
        result = SurvivalResult(self, fits, self.frequentist(level), spec=spec, level=level, method=method)
        result._checks = result._run_checks()
        return result

    def _views(self, model: str):
        """(label, parameter, group index, target, direction) of the scalars checked per fit."""
        out = []
        for gi, g in enumerate(self.groups):
            lab = "" if g is None else f" [{g}]"
            if model == "exponential":
                target = (-math.log(self.benchmark) / self.landmark) if self.benchmark is not None else None
                out.append((f"hazard{lab}", "hazard", gi, target, "less"))
            else:
                out.append((f"S({self.landmark:g}){lab}", "survival_landmark", gi, self.benchmark, "greater"))
        if self.n_groups == 2:
            out.append(("hazard ratio", "hazard_ratio", None, None, "less"))
        return out

    def _sample(self, sub, model, prior, exact, *, draws, tune, chains, seed, level):
        from ..checks import sampler_diagnostics
        from ..fit import sample

        for attempt, (ta, mult) in enumerate(_SETTINGS, start=1):
            tree = sample(sub, prior, draws=draws * mult, tune=tune, chains=chains,
                          seed=seed + attempt - 1, target_accept=ta)
            rows = {}
            for lab, var, gi, target, direction in self._views(model):
                ex = None
                if exact is not None and gi is not None:
                    ex = exact if self.n_groups == 1 else exact[self.groups[gi]]
                view = _ScalarView(self.name, var, target, direction, self.landmark, self.benchmark)
                rows[lab] = _mcmc_row(view, _scalar_tree(tree, var, gi), level, ex)
            ok = all(sampler_diagnostics(self, "", r)[0].passed for r in rows.values())
            if ok:
                break
        return tree, rows, attempt, ta


@dataclass(frozen=True)
class _ScalarView:
    """One scalar of a survival fit, in the shape :func:`bayes_trials.summaries.mcmc_columns` reads."""

    name: str
    parameter: str
    target: float | None
    direction: str
    landmark: float
    benchmark: float | None

    def tail_probability(self, posterior):
        if self.target is None:
            return None
        return float(posterior.cdf(self.target) if self.direction == "less" else posterior.sf(self.target))

    def describe_target(self) -> str:
        if self.parameter == "hazard":
            return f"P(S({self.landmark:g}) > {self.benchmark:g}) = P(hazard < {self.target:.4g})"
        return f"P(S({self.landmark:g}) > {self.benchmark:g})"


def _scalar_tree(tree, var: str, gi):
    """A DataTree holding one scalar ``var`` (element ``gi`` of a vector) and the sampler stats."""
    import xarray as xr

    da = tree["posterior"][var]
    extra = [d for d in da.dims if d not in ("chain", "draw")]
    if extra and gi is not None:
        da = da.isel({extra[0]: gi})
    groups = {"/posterior": xr.Dataset({var: da})}
    if "sample_stats" in tree.children:
        groups["/sample_stats"] = tree["sample_stats"].to_dataset()[["diverging"]]
    return xr.DataTree.from_dict(groups)


def _mcmc_row(view, tree, level, exact) -> dict:
    from ..summaries import mcmc_columns

    row = mcmc_columns(view, tree, level, exact=exact)
    p = round(100 * level)
    if exact is not None:
        lo, hi = exact.interval(level, "eti")
        row.update({"exact_mean": exact.mean, f"exact_eti{p}_low": lo, f"exact_eti{p}_high": hi})
    row["exact_prob"] = None if exact is None else view.tail_probability(exact)
    return row


# --- the result ---------------------------------------------------------------------------
def _group_name(g) -> str:
    """A group label for tables: "all" without groups (None, or NaN after a reset_index)."""
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return "all"
    return str(g)


class _PublishedRef:
    """The recomputed numbers a published item of a time-to-event endpoint is checked against."""

    def __init__(self, ref: SurvivalReference, n_groups: int):
        g = ref.groups[0]
        if n_groups == 1:
            self.estimate = ref.km_survival[g]
            self.intervals = {"greenwood": ref.km_greenwood[g], "loglog": ref.km_loglog[g]}
            self.p_value = None
        else:
            self.estimate = ref.cox_hr
            self.intervals = {"cox-wald": ref.cox_hr_ci}
            self.p_value = ref.logrank_p
        self.percent_reduction = None


def _km(data: TimeToEvent, level: float):
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=1 - level).fit(data.time, data.event)


@dataclass(repr=False)
class SurvivalResult(ModelResult):
    """The re-analysis of one ``time_to_event`` endpoint: every model under every prior.

    ``fits`` maps ``"<model>-<prior>"`` to a :class:`~bayes_trials.analysis.PriorFit`
    (``exact`` is the Gamma posterior of the exponential hazard, None for the other models;
    ``posterior`` the nutpie DataTree). ``reference`` is the lifelines
    :class:`SurvivalReference`. Tables: :meth:`summary`, :meth:`landmark_table`,
    :meth:`benchmarks`, :meth:`reconstruction_table`; figure: :meth:`plot`.
    """

    # --- numbers ------------------------------------------------------------------------
    def _sub(self, fit):
        return self.endpoint.submodels[fit.row["model"]]

    def _part(self, fit):
        return fit.prior.for_model(fit.row["model"])

    def summary(self) -> pd.DataFrame:
        """Posterior summaries per model, prior, quantity and group.

        Quantities as :meth:`_SurvivalEndpoint.summarise` (``survival`` at the landmark,
        ``prob_survival_above_benchmark``, ``rmst``, ``median``, ``hazard_ratio``). Columns
        ``mean``, ``sd``, ``median``, ``cri{pct}_low``, ``cri{pct}_high`` from the draws and,
        for the exponential model, the same from the exact Gamma posterior (``exact_*``).
        """
        pct = round(100 * self.level)
        cols = ["mean", "sd", "median", f"cri{pct}_low", f"cri{pct}_high"]
        frames = []
        for name, fit in self.fits.items():
            sub, part = self._sub(fit), self._part(fit)
            table = None
            if fit.posterior is not None:
                table = sub.summarise(fit.posterior, self.level)[cols]
            if fit.exact is not None:
                ex = sub.exact_summary(part, self.level)[cols].add_prefix("exact_")
                table = ex if table is None else table.join(ex, how="outer")
            table = table.reset_index()
            table.insert(0, "prior", name.split("-", 1)[1])
            table.insert(0, "model", fit.row["model"])
            table["group"] = table["group"].map(_group_name)
            frames.append(table)
        out = pd.concat(frames, ignore_index=True)
        order = {q: i for i, q in enumerate(("survival", "prob_survival_above_benchmark", "rmst", "median",
                                             "hazard_ratio"))}
        out["_o"] = out["quantity"].map(order)
        out = out.sort_values(["_o", "group", "model", "prior"], kind="stable").drop(columns="_o")
        return out.set_index(["quantity", "group", "model", "prior"])

    def survival_at(self, fit, t: float, group: int = 0) -> np.ndarray:
        """Posterior draws of S(t) of one fit (exact quantiles are in :meth:`summary`)."""
        return self._sub(fit).survival_draws(fit.posterior, t, group)

    def landmark_table(self) -> pd.DataFrame:
        """S(t) at every landmark: Kaplan-Meier (Greenwood interval) beside each posterior
        (median and equal-tailed credible interval; exact for the exponential model when not
        sampled)."""
        pct = round(100 * self.level)
        ep = self.endpoint
        rows = []
        for gi, g in enumerate(ep.groups):
            kmf = _km(ep.data.subset(g), self.level)
            for t in ep.landmarks:
                lo, hi = greenwood_interval(kmf, t, self.level)
                rows.append({"landmark": t, "group": _group_name(g), "estimate": "Kaplan-Meier (Greenwood)",
                             "value": float(kmf.survival_function_at_times(t).iloc[0]),
                             f"int{pct}_low": lo, f"int{pct}_high": hi})
                for name, fit in self.fits.items():
                    if fit.posterior is not None:
                        s = self.survival_at(fit, t, gi)
                        lo, med, hi = np.quantile(s, [(1 - self.level) / 2, 0.5, (1 + self.level) / 2])
                    else:
                        post = fit.exact if ep.n_groups == 1 else fit.exact[g]
                        tail = (1 - self.level) / 2
                        lam = np.asarray(post.ppf(np.array([1 - tail, 0.5, tail])), dtype=float)
                        lo, med, hi = np.exp(-lam * t)
                    rows.append({"landmark": t, "group": _group_name(g), "estimate": f"posterior median: {name}",
                                 "value": float(med), f"int{pct}_low": float(lo), f"int{pct}_high": float(hi)})
        return pd.DataFrame(rows).set_index(["landmark", "group", "estimate"])

    def benchmarks(self) -> pd.DataFrame:
        """P(S(landmark) > s0) for the endpoint's benchmark and each spec benchmark, per fit
        and group: ``prob`` from the draws, ``exact_prob`` from the Gamma posterior
        (exponential model: :math:`P(\\lambda < -\\log s_0 / t^*)`)."""
        ep = self.endpoint
        bms = []
        if ep.benchmark is not None:
            q = self.spec.provenance.get("benchmark") if self.spec is not None else None
            bms.append(("benchmark", ep.benchmark, q.tag if q else "", q.source if q else ""))
        for bm in (self.spec.benchmarks if self.spec is not None else ()):
            bms.append((bm.name, bm.value, bm.tag, bm.source))
        rows = []
        L = ep.landmark
        for bname, val, tag, source in bms:
            for name, fit in self.fits.items():
                for gi, g in enumerate(ep.groups):
                    row = {"endpoint": ep.name, "benchmark": bname,
                           "comparison": f"P(S({L:g}) > {val:g})", "tag": tag, "group": _group_name(g),
                           "prior_name": name, "prob": None, "exact_prob": None}
                    if fit.posterior is not None:
                        row["prob"] = float((self.survival_at(fit, L, gi) > val).mean())
                    if fit.exact is not None:
                        post = fit.exact if ep.n_groups == 1 else fit.exact[g]
                        row["exact_prob"] = float(post.cdf(-math.log(val) / L))
                    rows.append(row)
        return pd.DataFrame(rows)

    def reconstruction_table(self) -> pd.DataFrame | None:
        """Printed numbers at risk against those of the reconstructed patients (None for patient data)."""
        rec = self.endpoint.reconstruction
        if not rec:
            return None
        at = rec["at_risk"]
        t = self.endpoint.data.time
        last = float(rec["curve"]["time"].max())
        rows = [{"time": float(a), "n_at_risk_printed": int(n),
                 "n_at_risk_reconstructed": int((t >= a).sum()) if a <= last else None}
                for a, n in zip(at["time"], at["n_at_risk"])]
        return pd.DataFrame(rows).set_index("time")

    def _reconstruction_fit(self):
        """Largest |S_reconstructed(T_k) - S_k| over the digitised points, less one step 1/n(T_k)."""
        rec = self.endpoint.reconstruction
        kmf = _km(self.endpoint.data, self.level)
        tk = rec["curve"]["time"].to_numpy(float)
        sk = rec["curve"]["survival"].to_numpy(float)
        s_rec = kmf.survival_function_at_times(tk).to_numpy(float)
        s_left = kmf.survival_function_at_times(np.maximum(tk - 1e-9, 0)).to_numpy(float)
        # a point on the vertical of a step may be read at either corner
        diff = np.minimum(np.abs(s_rec - sk), np.abs(s_left - sk))
        n_at = np.array([max(int((self.endpoint.data.time >= x).sum()), 1) for x in tk])
        excess = diff - 1.0 / n_at
        i = int(np.argmax(excess))
        return float(diff.max()), float(excess[i]), float(tk[i])

    # --- checks -------------------------------------------------------------------------
    def _run_checks(self) -> list:
        from .. import checks as chk

        ep, ref, level = self.endpoint, self.reference, self.level
        pct = round(100 * level)
        out = []
        # 1. published vs recomputed
        if self.spec is not None and self.spec.published:
            for c in chk.published_checks(ep, _PublishedRef(ref, ep.n_groups), self.spec.published):
                if c.provenance == "assumed":
                    c = dataclasses.replace(c, message=c.message + "; the 'printed' number is itself assumed "
                                 "(simulated): this tests the curve reconstruction, not a paper")
                out.append(c)
        if ep.reconstruction:
            table = self.reconstruction_table()
            shown = table.dropna()
            same = bool((shown["n_at_risk_printed"] == shown["n_at_risk_reconstructed"]).all())
            out.append(chk.Check(
                ep.name, chk.KINDS[0], "numbers at risk: printed vs reconstructed patients", None, None,
                "equal at every at-risk time within the curve", same,
                f"{len(shown)} at-risk times, {'all equal' if same else 'some differ'}: "
                + ", ".join(f"t={t:g}: {int(r.n_at_risk_printed)} vs {int(r.n_at_risk_reconstructed)}"
                            for t, r in shown.iterrows())))
            worst, excess, at = self._reconstruction_fit()
            ok = excess <= 0.01
            out.append(chk.Check(
                ep.name, chk.KINDS[0], "digitised curve vs Kaplan-Meier of the reconstructed patients",
                worst, None, "|difference| <= one patient's step 1/n(t) + 0.01 read-off error", ok,
                f"largest difference {worst:.4f}; beyond one step by at most {max(excess, 0):.4f} "
                f"(at t={at:g})"))
        # 2. MCMC vs exact, and sampler diagnostics
        for name, fit in self.fits.items():
            for lab, row in fit.row.get("_diag", {}).items():
                view = _ScalarView(f"{ep.name}", "", None, "", ep.landmark, ep.benchmark)
                if row.get("exact_mean") is not None:
                    model_view = _ScalarView(ep.name, "hazard",
                                             None if ep.benchmark is None else -math.log(ep.benchmark) / ep.landmark,
                                             "less", ep.landmark, ep.benchmark)
                    for c in chk.mcmc_vs_exact(model_view, name, row, level):
                        out.append(dataclasses.replace(c, name=f"{lab}: {c.name}"))
                for c in chk.sampler_diagnostics(view, name, row):
                    out.append(dataclasses.replace(c, name=f"{lab}: {c.name}"))
        # 3. Bayesian vs frequentist
        for name, fit in self.fits.items():
            if getattr(fit.prior, "preset", "") != "vague":
                continue
            model = fit.row["model"]
            for gi, g in enumerate(ep.groups):
                km_s = ref.km_survival[g]
                glo, ghi = ref.km_greenwood[g]
                if fit.posterior is not None:
                    s = self.survival_at(fit, ep.landmark, gi)
                    lo, med, hi = np.quantile(s, [(1 - level) / 2, 0.5, (1 + level) / 2])
                else:
                    post = fit.exact if ep.n_groups == 1 else fit.exact[g]
                    lam = np.asarray(post.ppf([(1 + level) / 2, 0.5, (1 - level) / 2]), dtype=float)
                    lo, med, hi = np.exp(-lam * ep.landmark)
                ok = bool(lo <= km_s <= hi and glo <= med <= ghi)
                gl = "" if g is None else f" [{g}]"
                out.append(chk.Check(
                    ep.name, chk.KINDS[2],
                    f"S({ep.landmark:g}){gl}, {model} under the vague prior vs Kaplan-Meier (Greenwood)",
                    float(med), km_s, f"KM inside the {pct}% CrI and posterior median inside the "
                    f"{pct}% Greenwood CI", ok,
                    f"posterior median {med:.3f} ({pct}% CrI {lo:.3f} to {hi:.3f}); Kaplan-Meier {km_s:.3f} "
                    f"(Greenwood {glo:.3f} to {ghi:.3f})"
                    + ("" if ok else f": the {model} model does not describe the data at the landmark"),
                    prior=name))
                if model == "exponential":
                    post = fit.exact if ep.n_groups == 1 else fit.exact[g]
                    if not isinstance(post, Gamma):
                        continue
                    elo, ehi = post.interval(level, "eti")
                    flo, fhi = ref.exp_hazard_ci[g]
                    inside = bool(flo <= elo and ehi <= fhi)
                    out.append(chk.Check(
                        ep.name, chk.KINDS[2],
                        f"hazard{gl}: exact {pct}% ETI under the vague prior inside the exact Poisson "
                        "(Garwood) interval", None, None, "containment", inside,
                        f"Bayes [{elo:.4g}, {ehi:.4g}] {'within' if inside else 'not within'} Garwood "
                        f"[{flo:.4g}, {fhi:.4g}] (Gamma(D + 1/2, E) lies between Gamma(D, E) and "
                        "Gamma(D + 1, E), the Garwood ends)", prior=name))
            if ep.n_groups == 2 and fit.posterior is not None and ref.cox_hr is not None:
                hr = np.asarray(fit.posterior["posterior"]["hazard_ratio"]).ravel()
                lo, hi = np.quantile(hr, [(1 - level) / 2, (1 + level) / 2])
                ok = bool(lo <= ref.cox_hr <= hi)
                out.append(chk.Check(
                    ep.name, chk.KINDS[2], f"hazard ratio, {model} under the vague prior vs Cox",
                    float(np.median(hr)), ref.cox_hr, f"Cox HR inside the {pct}% CrI", ok,
                    f"posterior median {np.median(hr):.3f} ({pct}% CrI {lo:.3f} to {hi:.3f}); "
                    f"Cox {ref.cox_hr:.3f}", prior=name))
        return out

    # --- report -------------------------------------------------------------------------
    def report_blocks(self) -> list:
        pct = round(100 * self.level)
        ep = self.endpoint
        blocks = []
        rec = self.reconstruction_table()
        if rec is not None:
            blocks.append(("Reconstruction from the digitised curve (Guyot et al. 2012)", rec))
        freq = pd.DataFrame([{"quantity": k, "value": val} for k, val in self.reference.as_dict().items()
                             if val is not None]).set_index("quantity")
        blocks.append(("Frequentist reference (lifelines: Kaplan-Meier, exponential, Weibull"
                       + (", Cox, log-rank" if ep.n_groups == 2 else "") + ")", freq))
        blocks.append((f"Survival at the landmarks ({ep.time_unit}): Kaplan-Meier and posteriors, "
                       f"{pct}% intervals", self.landmark_table()))
        blocks.append(("Posterior summary (draws; exact_* from the Gamma posterior of the exponential "
                       "model)", self.summary()))
        bench = self.benchmarks()
        if len(bench):
            blocks.append(("Benchmarks: P(S(landmark) > benchmark)",
                           bench.set_index(["benchmark", "group", "prior_name"]).drop(columns=["endpoint"])))
        diag = self.diagnostics_table()
        if len(diag):
            blocks.append(("Sampler settings and diagnostics per fit", diag))
        return blocks

    def diagnostics_table(self) -> pd.DataFrame:
        rows = []
        for name, fit in self.fits.items():
            for lab, r in fit.row.get("_diag", {}).items():
                rows.append({"fit": name, "quantity": lab, "r_hat": r["r_hat"], "ess_bulk": r["ess_bulk"],
                             "ess_tail": r["ess_tail"], "divergences": r["divergences"], "draws": r["draws"],
                             "target_accept": fit.row["target_accept"], "attempts": fit.row["attempts"],
                             "seed": fit.seed})
        return pd.DataFrame(rows).set_index(["fit", "quantity"]) if rows else pd.DataFrame()

    def sentences(self) -> list:
        ep, ref = self.endpoint, self.reference
        pct = round(100 * self.level)
        L, u = ep.landmark, ep.time_unit
        out = self.assumed_sentences()
        out.append(f"Data: {ep.describe_data()}.")
        if ep.reconstruction:
            out.append(f"Patient data reconstructed from {len(ep.reconstruction['curve'])} digitised points and "
                       f"{len(ep.reconstruction['at_risk'])} numbers at risk by the algorithm of Guyot et al. "
                       "(BMC Med Res Methodol 2012;12:9); they reproduce the curve, not the original patients.")
        for g in ep.groups:
            gl = "" if g is None else f" ({g})"
            lo, hi = ref.km_greenwood[g]
            med = ref.km_median[g]
            out.append(f"Kaplan-Meier{gl}: S({L:g} {u}) = {ref.km_survival[g]:.3f} (Greenwood {pct}% CI "
                       f"{lo:.3f} to {hi:.3f}); median {'not reached' if not np.isfinite(med) else f'{med:.3g} {u}'}.")
        if ep.n_groups == 2:
            lo, hi = ref.cox_hr_ci
            out.append(f"Cox hazard ratio {ref.cox_hr:.3f} ({pct}% CI {lo:.3f} to {hi:.3f}); "
                       f"log-rank p = {ref.logrank_p:.3g}.")
        summ = self.summary()
        for (q, g, model, prior), r in summ.iterrows():
            if q != "survival":
                continue
            src = "exact_" if pd.isna(r.get("median")) else ""
            s = (f"{model} model, {prior} prior{'' if g == 'all' else f' ({g})'}: S({L:g}) posterior median "
                 f"{r[src + 'median']:.3f} ({pct}% CrI {r[f'{src}cri{pct}_low']:.3f} to "
                 f"{r[f'{src}cri{pct}_high']:.3f})")
            if ep.benchmark is not None:
                key = ("prob_survival_above_benchmark", g, model, prior)
                if key in summ.index:
                    pr = summ.loc[key]
                    p = pr["exact_mean"] if "exact_mean" in pr and pd.notna(pr.get("exact_mean")) else pr["mean"]
                    s += f"; P(S({L:g}) > {ep.benchmark:g}) = {p:.3f}"
            out.append(s + ".")
        if self.method == "exact":
            out.append("Method exact: only the exponential model (conjugate) was fitted; the Weibull and "
                       "piecewise models need method mcmc.")
        out.append(self.checks_sentence())
        return out

    def plot(self, n_grid: int = 120, max_draws: int = 800):
        """Posterior survival curves (median and credible band) per model, one panel per prior,
        over the Kaplan-Meier curve (with its log-log interval) and the digitised points."""
        import matplotlib.pyplot as plt

        ep = self.endpoint
        priors = list(dict.fromkeys(n.split("-", 1)[1] for n in self.fits))
        fig, axes = plt.subplots(1, len(priors), figsize=(5.2 * len(priors), 4), squeeze=False, sharey=True)
        tmax = float(ep.data.time.max())
        grid = np.linspace(0.0, tmax, n_grid)
        colours = {"exponential": "C0", "weibull": "C1", "piecewise": "C2"}
        styles = ["-", "--"]
        for ax, pname in zip(axes[0], priors):
            for gi, g in enumerate(ep.groups):
                kmf = _km(ep.data.subset(g), self.level)
                sf = kmf.survival_function_
                ci = kmf.confidence_interval_survival_function_
                lab = "Kaplan-Meier" + ("" if g is None else f" ({g})")
                ax.step(sf.index, sf.iloc[:, 0], where="post", color="k", lw=1.2, ls=styles[gi], label=lab)
                ax.fill_between(ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color="k", alpha=0.08)
                for model in ep.models:
                    fit = self.fits.get(f"{model}-{pname}")
                    if fit is None:
                        continue
                    sub = self._sub(fit)
                    if fit.posterior is not None:
                        params = sub._params(fit.posterior)
                        n = next(iter(params.values())).shape[0]
                        keep = np.linspace(0, n - 1, min(n, max_draws)).astype(int)
                        params = {k: val[keep] for k, val in params.items()}
                        s = np.stack([np.exp(-sub._cumhaz(params, t, gi)) for t in grid], axis=1)
                    else:
                        post = fit.exact if ep.n_groups == 1 else fit.exact[g]
                        lam = np.asarray(post.ppf(np.linspace(0.0005, 0.9995, 1000)), dtype=float)
                        s = np.exp(-np.outer(lam, grid))
                    lo, med, hi = np.quantile(s, [(1 - self.level) / 2, 0.5, (1 + self.level) / 2], axis=0)
                    ax.plot(grid, med, color=colours[model], ls=styles[gi],
                            label=f"{model}" + ("" if g is None else f" ({g})"))
                    ax.fill_between(grid, lo, hi, color=colours[model], alpha=0.12)
            if ep.reconstruction:
                c = ep.reconstruction["curve"]
                ax.plot(c["time"], c["survival"], ".", color="0.4", ms=3, label="digitised points")
            if ep.benchmark is not None:
                ax.plot([ep.landmark], [ep.benchmark], "D", color="red", ms=6,
                        label=f"benchmark S({ep.landmark:g}) = {ep.benchmark:g}")
            ax.axvline(ep.landmark, color="0.6", lw=0.8, ls=":")
            ax.set_xlabel(f"time ({ep.time_unit})")
            ax.set_title(f"{pname} prior", fontsize=9)
            ax.set_ylim(0, 1.02)
        axes[0][0].set_ylabel("survival")
        axes[0][-1].legend(fontsize=7, loc="lower left")
        tag = " [ASSUMED / ILLUSTRATIVE data]" if self.assumed_fields() else ""
        fig.suptitle(f"{ep.label}: posterior median and {round(100 * self.level)}% bands{tag}", fontsize=10)
        fig.tight_layout()
        return fig
