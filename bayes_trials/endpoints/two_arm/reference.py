"""Frequentist references of the two-arm kinds (statsmodels, scipy), as frozen records.

- two binomial arms (:func:`binary_reference`): risk difference (Newcombe's hybrid score,
  Miettinen-Nurminen score and Wald intervals), risk ratio (score, Koopman-type, and
  log-adjusted intervals), odds ratio (score, logit-adjusted, and the exact conditional
  interval), from ``statsmodels.stats.proportion.confint_proportions_2indep``; the score
  test of equal risks (``test_proportions_2indep``) and Fisher's exact test
  (``scipy.stats.fisher_exact``), two-sided and one-sided in the direction of benefit;
- two Poisson arms (:func:`rates_reference`): the rate ratio's exact conditional interval
  (Clopper-Pearson of the treatment's share of the cases, "adjusted for surveillance time"),
  score and Poisson-GLM Wald intervals and tests (the rates kinds' reference), and the rate
  difference's score and Wald intervals and test (``confint_poisson_2indep``,
  ``test_poisson_2indep``);
- two normal arms (:func:`normal_reference`): the z interval and test with the standard
  errors as known, and Welch's t interval and test when each arm gives its sd and n.

Vaccine efficacy :math:`1 - \\text{RR}` takes its estimate and intervals from the ratio's
(ends swapped). A number that is undefined for these data (a ratio with no events in an arm,
an odds ratio with a zero cell, a score interval statsmodels cannot compute there) is
recorded as None (or ``inf``, for an estimate that is infinite) with a sentence in
``notes`` that says which and why: the Bayesian posteriors stay proper and finite.

References
----------
Newcombe RG. Interval estimation for the difference between independent proportions:
comparison of eleven methods. Stat Med 1998;17:873-890.

Koopman PAR. Confidence intervals for the ratio of two binomial proportions. Biometrics
1984;40:513-517. doi:10.2307/2531405

Miettinen O, Nurminen M. Comparative analysis of two rates. Stat Med 1985;4:213-226.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

from scipy import stats
from scipy.stats.contingency import odds_ratio as scipy_odds_ratio
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep
from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

from ..._constants import CRED_LEVEL
from ...checks import pct
from ..rates.reference import rate_ratio_reference
from .exact import as_pre_post

#: interval methods per measure of two binomial arms (statsmodels' names; "exact-conditional"
#: is scipy's conditional odds-ratio interval)
BINARY_METHODS = {
    "risk_difference": ("newcomb", "score", "wald"),
    "risk_ratio": ("score", "log-adjusted"),
    "odds_ratio": ("score", "logit-adjusted", "exact-conditional"),
}
#: interval methods per measure of two Poisson arms
RATE_METHODS = {
    "rate_ratio": ("exact-cond", "score", "glm-wald"),
    "rate_difference": ("score", "wald"),
}
#: interval methods of two normal arms
NORMAL_METHODS = {"difference": ("z", "welch")}
_STATSMODELS_COMPARE = {
    "risk_difference": "diff",
    "risk_ratio": "ratio",
    "odds_ratio": "odds-ratio",
}


@dataclass(frozen=True)
class TwoArmReference:
    """The frequentist comparison of two arms, recomputed from the data.

    Attributes
    ----------
    data : dict
        The counts (or means) it was computed from.
    estimates : dict
        Measure -> point estimate (``inf`` where infinite, NaN where undefined).
    intervals : dict
        ``(measure, method)`` -> two-sided interval at ``level``, or None where not computed.
    p_values : dict
        Test name -> p-value (None where undefined).
    notes : tuple of str
        Which numbers are undefined or infinite for these data, and why.
    """

    kind: str
    data: dict
    level: float
    estimates: dict
    intervals: dict
    p_values: dict
    notes: tuple = ()
    method: str = ""

    def interval(self, measure: str, method: str):
        return self.intervals.get((measure, method))

    def as_dict(self) -> dict:
        p = pct(self.level)
        out = dict(self.data)
        for m, est in self.estimates.items():
            out[f"estimate_{m}"] = est
        for (m, meth), ci in self.intervals.items():
            out[f"{m}_{meth}{p}_low"], out[f"{m}_{meth}{p}_high"] = (
                (None, None) if ci is None else ci
            )
        for t, pv in self.p_values.items():
            out[f"p_value_{t}"] = pv
        out["notes"] = "; ".join(self.notes)
        return out


def _quiet(fn, *args, **kwargs):
    """``fn(...)`` with statsmodels' warnings silenced; None when it fails or is not finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(*args, **kwargs)
        except (ValueError, ZeroDivisionError, FloatingPointError, RuntimeError):
            return None
    vals = out if isinstance(out, tuple) else (out,)
    try:
        vals = tuple(float(x) for x in vals)
    except (TypeError, ValueError):  # pragma: no cover
        return None
    if any(math.isnan(x) for x in vals):
        return None
    return vals if isinstance(out, tuple) else vals[0]


def _ratio(a: float, b: float) -> float:
    if b > 0:
        return a / b
    return math.inf if a > 0 else math.nan


def _efficacy(intervals: dict, estimates: dict, ratio: str) -> None:
    """Vaccine efficacy 1 - RR: estimate and every ratio interval, ends swapped."""
    estimates["vaccine_efficacy"] = 1 - estimates[ratio]  # -inf for an infinite ratio, NaN for 0/0
    for (m, meth), ci in list(intervals.items()):
        if m == ratio:
            intervals[("vaccine_efficacy", meth)] = None if ci is None else (1 - ci[1], 1 - ci[0])


def binary_reference(
    data, level: float = CRED_LEVEL, direction: str = "greater"
) -> TwoArmReference:
    """Risk difference, risk ratio, odds ratio and vaccine efficacy of two binomial arms, with
    their intervals and the score and Fisher exact tests (see the module docstring).

    ``direction`` is the direction of benefit (``"greater"``: more events in the treatment arm
    is better; ``"less"``: fewer), which the one-sided Fisher test takes.

    >>> from bayes_trials import Binary
    >>> from bayes_trials.endpoints.two_arm.data import TwoArmBinary
    >>> ref = binary_reference(TwoArmBinary(Binary(0, 20), Binary(5, 20)), direction="less")
    >>> ref.estimates["risk_ratio"], ref.interval("odds_ratio", "score") is None
    (0.0, True)
    >>> round(ref.p_values["fisher_one_sided"], 4)
    0.0236
    """
    t, c = data.treatment, data.control
    y1, n1, y2, n2 = t.events, t.n, c.events, c.n
    alpha = 1 - level
    p1, p2 = y1 / n1, y2 / n2
    notes = []
    estimates = {
        "risk_difference": p1 - p2,
        "risk_ratio": _ratio(p1, p2),
        "odds_ratio": _ratio(y1 * (n2 - y2), (n1 - y1) * y2),
    }
    if y1 + y2 == 0:
        notes.append(
            "no events in either arm: the risk ratio and odds ratio are undefined (0/0) and "
            "their intervals and the tests carry no information"
        )
    elif y2 == 0:
        notes.append("no events in the control arm: the risk ratio's estimate is infinite")
    if not math.isfinite(estimates["odds_ratio"]) or estimates["odds_ratio"] == 0:
        zero = [
            name
            for name, k in (
                ("treatment events", y1),
                ("treatment non-events", n1 - y1),
                ("control events", y2),
                ("control non-events", n2 - y2),
            )
            if k == 0
        ]
        notes.append(
            f"a zero cell ({', '.join(zero)}): the sample odds ratio is "
            f"{estimates['odds_ratio']:g} and its log is not finite; the exact conditional "
            "interval and every posterior stay defined"
        )
    intervals = {}
    for measure, methods in BINARY_METHODS.items():
        for meth in methods:
            if meth == "exact-conditional":
                continue
            ci = _quiet(
                confint_proportions_2indep,
                y1,
                n1,
                y2,
                n2,
                method=meth,
                compare=_STATSMODELS_COMPARE[measure],
                alpha=alpha,
            )
            intervals[(measure, meth)] = ci
            if ci is None:
                notes.append(
                    f"{measure.replace('_', ' ')} {meth} interval: not computable by statsmodels "
                    "for these counts (a zero cell)"
                )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cond = scipy_odds_ratio(data.table(), kind="conditional")
        ci = cond.confidence_interval(level)
    estimates["odds_ratio_conditional"] = float(cond.statistic)
    intervals[("odds_ratio", "exact-conditional")] = (float(ci.low), float(ci.high))
    _efficacy(intervals, estimates, "risk_ratio")
    alt = "greater" if direction == "greater" else "less"
    p_values = {
        "score": _quiet(
            lambda: test_proportions_2indep(y1, n1, y2, n2, method="score", compare="diff").pvalue
        ),
        "fisher_two_sided": float(stats.fisher_exact(data.table()).pvalue),
        "fisher_one_sided": float(stats.fisher_exact(data.table(), alternative=alt).pvalue),
    }
    if p_values["score"] is None:
        notes.append("score test of equal risks: undefined for these counts")
    return TwoArmReference(
        kind="binary",
        data={"events_treatment": y1, "n_treatment": n1, "events_control": y2, "n_control": n2},
        level=level,
        estimates=estimates,
        intervals=intervals,
        p_values=p_values,
        notes=tuple(notes),
        method=(
            f"statsmodels confint_proportions_2indep / test_proportions_2indep; scipy fisher_exact "
            f"(one-sided: odds ratio {'>' if alt == 'greater' else '<'} 1) and conditional odds ratio"
        ),
    )


def rates_reference(data, level: float = CRED_LEVEL, direction: str = "less") -> TwoArmReference:
    """Rate ratio, rate difference and vaccine efficacy of two Poisson arms (see the module
    docstring); ``direction`` is the direction of benefit for the one-sided tests.

    >>> from bayes_trials import Rate
    >>> from bayes_trials.endpoints.two_arm.data import TwoArmRates
    >>> ref = rates_reference(TwoArmRates(Rate(77, 6.247), Rate(850, 6.003)))
    >>> [round(100 * x, 1) for x in ref.interval("vaccine_efficacy", "exact-cond")]  # 89.0 to 93.2
    [89.0, 93.2]
    """
    rr = rate_ratio_reference(as_pre_post(data), level)
    y1, e1, y2, e2 = (
        data.treatment.events,
        data.treatment.exposure,
        data.control.events,
        data.control.exposure,
    )
    estimates = {"rate_ratio": rr.estimate, "rate_difference": y1 / e1 - y2 / e2}
    intervals = {("rate_ratio", m): ci for m, ci in rr.intervals.items()}
    notes = list(rr.notes)
    for meth in RATE_METHODS["rate_difference"]:
        ci = _quiet(
            confint_poisson_2indep, y1, e1, y2, e2, method=meth, compare="diff", alpha=1 - level
        )
        intervals[("rate_difference", meth)] = ci
        if ci is None or (meth == "wald" and y1 + y2 == 0):
            intervals[("rate_difference", meth)] = None
            notes.append(f"rate difference {meth} interval: not computable for these counts")
    _efficacy(intervals, estimates, "rate_ratio")
    p_values = {f"rate_ratio_{m}": p for m, p in rr.p_values.items()}
    if direction == "less":
        p_values.update({f"rate_ratio_{m}_one_sided": p for m, p in rr.p_values_less.items()})
    else:
        for m in rr.p_values:
            p_values[f"rate_ratio_{m}_one_sided"] = _quiet(
                lambda m=m: (
                    test_poisson_2indep(
                        y1, e1, y2, e2, method=m, compare="ratio", alternative="larger"
                    ).pvalue
                )
            )
    p_values["rate_difference_score"] = _quiet(
        lambda: test_poisson_2indep(y1, e1, y2, e2, method="score", compare="diff").pvalue
    )
    return TwoArmReference(
        kind="rates",
        data={
            "events_treatment": y1,
            "exposure_treatment": e1,
            "events_control": y2,
            "exposure_control": e2,
        },
        level=level,
        estimates=estimates,
        intervals=intervals,
        p_values=p_values,
        notes=tuple(notes),
        method=(
            "statsmodels test_poisson_2indep / confint_poisson_2indep; exact conditional (Clopper-Pearson "
            "of the case split, adjusted for exposure); Poisson GLM"
        ),
    )


def normal_reference(
    data, level: float = CRED_LEVEL, direction: str = "greater"
) -> TwoArmReference:
    """The difference of two means: z interval and test (standard errors as known) and, when
    both arms give sd and n, Welch's t interval and test (scipy ``ttest_ind_from_stats``).

    >>> from bayes_trials.endpoints.two_arm.data import NormalArm, TwoArmNormal
    >>> ref = normal_reference(TwoArmNormal(NormalArm(1.0, se=0.3), NormalArm(0.2, se=0.4)))
    >>> [round(x, 4) for x in ref.interval("difference", "z")]
    [-0.18, 1.78]
    """
    t, c = data.treatment, data.control
    diff = t.mean - c.mean
    se = math.hypot(t.standard_error, c.standard_error)
    z = float(stats.norm.isf((1 - level) / 2))
    intervals = {("difference", "z"): (diff - z * se, diff + z * se)}
    zstat = diff / se
    one = stats.norm.sf(zstat) if direction == "greater" else stats.norm.cdf(zstat)
    p_values = {"z": float(2 * stats.norm.sf(abs(zstat))), "z_one_sided": float(one)}
    out_data = {
        "mean_treatment": t.mean,
        "se_treatment": t.standard_error,
        "mean_control": c.mean,
        "se_control": c.standard_error,
    }
    notes = []
    if data.has_sd:
        res = stats.ttest_ind_from_stats(t.mean, t.sd, t.n, c.mean, c.sd, c.n, equal_var=False)
        v1, v2 = t.sd**2 / t.n, c.sd**2 / c.n
        df = (v1 + v2) ** 2 / (v1**2 / (t.n - 1) + v2**2 / (c.n - 1))
        q = float(stats.t.isf((1 - level) / 2, df))
        intervals[("difference", "welch")] = (diff - q * se, diff + q * se)
        p_values["welch"] = float(res.pvalue)
        tail = (
            stats.t.sf(res.statistic, df)
            if direction == "greater"
            else stats.t.cdf(res.statistic, df)
        )
        p_values["welch_one_sided"] = float(tail)
        out_data.update(
            sd_treatment=t.sd, n_treatment=t.n, sd_control=c.sd, n_control=c.n, welch_df=df
        )
    else:
        notes.append("the arms give standard errors only: no Welch test (sigma is taken as known)")
    return TwoArmReference(
        kind="normal",
        data=out_data,
        level=level,
        estimates={"difference": diff},
        intervals=intervals,
        p_values=p_values,
        notes=tuple(notes),
        method="z (standard errors as known); Welch t (scipy ttest_ind_from_stats)",
    )


__all__ = [
    "TwoArmReference",
    "binary_reference",
    "rates_reference",
    "normal_reference",
    "BINARY_METHODS",
    "RATE_METHODS",
    "NORMAL_METHODS",
]
