"""The frequentist reference of a time-to-event endpoint, recomputed with lifelines.

Per group: Kaplan-Meier :math:`\\hat S(t^*)` with the plain Greenwood interval and
lifelines' log(-log) interval, the Kaplan-Meier median and restricted mean, the exponential
MLE :math:`D/E` with its exact (Garwood) interval, and the Weibull fit. For two groups: the
Cox model (hazard ratio, Wald interval, p-value, predicted :math:`S(t^*)`), the log-rank
test and the hazard ratio implied by the Weibull AFT fit.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457-481. doi:10.1080/01621459.1958.10501452

Davidson-Pilon C. lifelines: survival analysis in Python. J Open Source Softw 2019;4:1317.
doi:10.21105/joss.01317
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ...data import TimeToEvent


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
            out[f"{p}km_greenwood{pct}_low"], out[f"{p}km_greenwood{pct}_high"] = self.km_greenwood[
                g
            ]
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


@dataclass(frozen=True)
class PublishedRecord:
    """The recomputed numbers a published item is checked against
    (:func:`bayes_trials.checks.published_checks`): one group, the Kaplan-Meier
    :math:`\\hat S(t^*)` and its Greenwood / log-log intervals; two groups, the Cox hazard
    ratio, its Wald interval and the log-rank p-value."""

    estimate: float | None
    intervals: dict
    p_value: float | None = None
    percent_reduction: float | None = None

    @classmethod
    def of(cls, ref: SurvivalReference) -> PublishedRecord:
        if len(ref.groups) == 1:
            g = ref.groups[0]
            return cls(
                ref.km_survival[g], {"greenwood": ref.km_greenwood[g], "loglog": ref.km_loglog[g]}
            )
        return cls(ref.cox_hr, {"cox-wald": ref.cox_hr_ci}, ref.logrank_p)


def km_fit(data: TimeToEvent, level: float):
    """A fitted lifelines Kaplan-Meier (log(-log) intervals at ``level``)."""
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=1 - level).fit(data.time, data.event)


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


def compute_reference(
    data: TimeToEvent, groups: tuple, landmark, horizon, level
) -> SurvivalReference:
    """The :class:`SurvivalReference` of ``data`` (groups in model order, reference first)."""
    from lifelines import CoxPHFitter, WeibullAFTFitter, WeibullFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import restricted_mean_survival_time

    alpha = 1 - level
    rec = {
        k: {}
        for k in (
            "n",
            "events",
            "exposure",
            "km_survival",
            "km_greenwood",
            "km_loglog",
            "km_median",
            "km_rmst",
            "exp_hazard",
            "exp_hazard_ci",
            "weibull_scale",
            "weibull_shape",
            "weibull_survival",
        )
    }
    nan2 = (float("nan"), float("nan"))
    for g in groups:
        sub = data.subset(g)
        rec["n"][g], rec["events"][g], rec["exposure"][g] = sub.n, sub.events, sub.exposure
        kmf = km_fit(sub, level)
        if landmark is not None:
            rec["km_survival"][g] = float(kmf.survival_function_at_times(landmark).iloc[0])
            rec["km_greenwood"][g] = greenwood_interval(kmf, landmark, level)
            rec["km_loglog"][g] = _km_ci_at(kmf, landmark)
        else:
            rec["km_survival"][g], rec["km_greenwood"][g], rec["km_loglog"][g] = None, nan2, nan2
        rec["km_median"][g] = float(kmf.median_survival_time_)
        rec["km_rmst"][g] = (
            float(restricted_mean_survival_time(kmf, t=horizon)) if horizon is not None else None
        )
        d, e = sub.events, sub.exposure
        lo = stats.chi2.ppf(alpha / 2, 2 * d) / (2 * e) if d > 0 else 0.0
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * d + 2) / (2 * e)
        rec["exp_hazard"][g], rec["exp_hazard_ci"][g] = d / e, (float(lo), float(hi))
        if sub.events >= 1:
            wf = WeibullFitter(alpha=alpha).fit(sub.time, sub.event)
            rec["weibull_scale"][g], rec["weibull_shape"][g] = float(wf.lambda_), float(wf.rho_)
            rec["weibull_survival"][g] = (
                float(math.exp(-((landmark / wf.lambda_) ** wf.rho_))) if landmark else None
            )
        else:
            rec["weibull_scale"][g] = rec["weibull_shape"][g] = rec["weibull_survival"][g] = None
    two = {}
    if len(groups) == 2:
        ref, other = groups
        a, b = data.subset(ref), data.subset(other)
        frame = pd.DataFrame(
            {
                "time": np.r_[a.time, b.time],
                "event": np.r_[a.event, b.event],
                "x": np.r_[np.zeros(a.n), np.ones(b.n)],
            }
        )
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
    return SurvivalReference(
        level=level, landmark=landmark, horizon=horizon, groups=groups, **rec, **two
    )
