"""Frequentist references of the rate endpoints (statsmodels), as frozen records.

- aggregate counts (:func:`rate_ratio_reference`): exact conditional and score tests and
  intervals for the ratio of two Poisson rates, and the Poisson GLM;
- per-patient counts (:func:`patient_rates_reference`): the conditional Poisson GLM (patient
  fixed effects) and the negative-binomial (NB2) GLM, with the aggregate analysis of the totals.

References
----------
Przyborowski J, Wilenski H. Homogeneity of results in testing samples from Poisson series.
Biometrika 1940;31:313-323. doi:10.1093/biomet/31.3-4.313

Gu K, Ng HKT, Tang ML, Schucany WR. Testing the ratio of two Poisson rates. Biometrical
Journal 2008;50:283-298. doi:10.1002/bimj.200710403

Hausman J, Hall BH, Griliches Z. Econometric models for count data with an application to
the patents-R&D relationship. Econometrica 1984;52:909-938. doi:10.2307/1911191

Keene ON, Jones MKC, Lane PW, Anderson J. Analysis of exacerbation rates in asthma and
chronic obstructive pulmonary disease: example from the TRISTAN study. Pharmaceutical
Statistics 2007;6:89-97. doi:10.1002/pst.250
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...checks import pct
from ...data import PerPatientRates, PrePostRates
from ...errors import DataError

#: the frequentist interval methods reported for aggregate data
INTERVAL_METHODS = ("exact-cond", "score", "glm-wald")
#: the frequentist tests reported for aggregate data (statsmodels ``test_poisson_2indep``)
TEST_METHODS = ("exact-cond", "score")
#: the interval methods of per-patient data (Wald intervals of the two GLMs)
PATIENT_INTERVAL_METHODS = ("conditional-poisson", "negative-binomial")


@dataclass(frozen=True)
class RateRatioReference:
    """The frequentist analysis of aggregate before/after counts (all from statsmodels).

    Attributes
    ----------
    estimate : float
        The MLE of RR, :math:`(y_a/E_a)/(y_b/E_b)`: 0 with no events after (the MLE of log RR
        is then :math:`-\\infty` and is never reported), ``inf`` with none before, NaN with
        none at all.
    percent_reduction : float
        :math:`100(1 - \\widehat{\\text{RR}})`.
    p_values : dict
        Two-sided tests of RR = 1, ``{"exact-cond": p, "score": p}``
        (``statsmodels.stats.rates.test_poisson_2indep``); the exact conditional test is the
        binomial test of :math:`y_a \\mid y_a + y_b`.
    p_values_less : dict
        The same tests, one-sided, alternative RR < 1 (``alternative="smaller"``).
    intervals : dict
        ``{"exact-cond": (lo, hi), "score": (lo, hi), "glm-wald": (lo, hi) or None}``, two-sided
        at ``level``. ``exact-cond`` is the Clopper-Pearson interval of the conditional
        binomial proportion :math:`p = \\text{RR} E_a/(\\text{RR} E_a + E_b)` mapped to RR
        (as R's ``poisson.test``); ``score`` is statsmodels' ``confint_poisson_2indep``
        (method "score"), found by inverting its score test when a count is 0 (statsmodels
        0.15 returns a zero-width interval there); ``glm-wald`` is the Wald interval of the
        Poisson GLM with log-exposure offset, None when a count is 0 (the MLE is on the
        boundary).
    glm : dict
        Poisson GLM coefficient of the period, its se and Wald p-value, or None.
    notes : tuple of str
        What was not computed and why (zero counts).
    """

    events_before: int
    exposure_before: float
    events_after: int
    exposure_after: float
    estimate: float
    percent_reduction: float
    level: float
    p_values: dict
    p_values_less: dict
    intervals: dict
    glm: dict | None
    notes: tuple = ()
    method: str = "statsmodels test_poisson_2indep / confint_poisson_2indep / GLM(Poisson)"

    def as_dict(self) -> dict:
        p = pct(self.level)
        out = {
            "events_before": self.events_before,
            "exposure_before": self.exposure_before,
            "events_after": self.events_after,
            "exposure_after": self.exposure_after,
            "estimate": self.estimate,
            "percent_reduction": self.percent_reduction,
        }
        for m, val in self.p_values.items():
            out[f"p_value_{m}"] = val
        for m, val in self.p_values_less.items():
            out[f"p_value_less_{m}"] = val
        for m, ci in self.intervals.items():
            out[f"{m}{p}_low"], out[f"{m}{p}_high"] = (None, None) if ci is None else ci
        out["notes"] = "; ".join(self.notes)
        return out


def _score_interval(y_a, e_a, y_b, e_b, level):
    """statsmodels' score interval; with a zero count, its test inverted numerically."""
    alpha = 1 - level
    if y_a > 0 and y_b > 0:
        lo, hi = confint_poisson_2indep(
            y_a, e_a, y_b, e_b, method="score", compare="ratio", alpha=alpha
        )
        return float(lo), float(hi)

    def gap(log_r):
        with np.errstate(all="ignore"):
            res = test_poisson_2indep(
                y_a, e_a, y_b, e_b, value=math.exp(log_r), method="score", compare="ratio"
            )
        return float(res.pvalue) - alpha

    if y_a == 0:  # RR = 0 is the MLE: lower end 0, upper end where p falls to alpha
        hi = optimize.brentq(gap, -50.0, 50.0, xtol=1e-13)
        return 0.0, float(math.exp(hi))
    lo = optimize.brentq(gap, -50.0, 50.0, xtol=1e-13)
    return float(math.exp(lo)), math.inf


def conditional_to_rr(p: float, exposure_before: float, exposure_after: float) -> float:
    """The rate ratio of a conditional binomial proportion: :math:`\\text{RR} =
    \\frac{p}{1-p}\\frac{E_b}{E_a}` (``inf`` at :math:`p = 1`)."""
    return math.inf if p >= 1 else p / (1 - p) * exposure_before / exposure_after


def rate_ratio_reference(data: PrePostRates, level: float = CRED_LEVEL) -> RateRatioReference:
    """Exact conditional and score tests and intervals, and the Poisson GLM, for aggregate data.

    Parameters
    ----------
    data : PrePostRates
    level : float
        Two-sided confidence level.

    Notes
    -----
    Conditional on the total :math:`n = y_a + y_b`,
    :math:`y_a \\sim \\text{Bin}(n, p)` with :math:`p = \\text{RR} E_a / (\\text{RR} E_a + E_b)`,
    free of the baseline rate (Przyborowski and Wilenski 1940). The Clopper-Pearson interval
    :math:`(p_L, p_U)` of :math:`p` maps to :math:`\\text{RR} = \\frac{p}{1-p}\\frac{E_b}{E_a}`.
    The Poisson GLM :math:`\\log \\mu = \\log E + \\beta_0 + \\beta_1 \\cdot \\text{after}` is
    saturated for two counts: :math:`\\hat\\beta_1 = \\log \\widehat{\\text{RR}}`,
    :math:`\\text{se} = \\sqrt{1/y_a + 1/y_b}`.

    Zero events in a period: the exact conditional and score intervals stay finite on the
    side the data inform (lower end 0 with no events after); the GLM's MLE of log RR is
    :math:`\\mp\\infty`, so ``glm`` and ``intervals["glm-wald"]`` are None and ``notes`` says
    so. No events at all: the tests are uninformative (p-values None, intervals (0, inf)).

    Example
    -------
    >>> import bayes_trials as bt
    >>> ref = rate_ratio_reference(bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(0, 10.0)))
    >>> ref.estimate, ref.intervals["glm-wald"], ref.intervals["exact-cond"][0]
    (0.0, None, 0.0)
    >>> round(ref.intervals["exact-cond"][1], 4)     # (1 - 0.025**(1/30)) / 0.025**(1/30) * 20 / 10
    0.2617
    """
    if not isinstance(data, PrePostRates):
        raise DataError(f"needs PrePostRates, got {type(data).__name__}", field="data")
    level = v.open_unit(level, "level")
    y_b, e_b, y_a, e_a = (
        data.before.events,
        data.before.exposure,
        data.after.events,
        data.after.exposure,
    )
    n = y_a + y_b
    notes = []
    p_values, p_less = {}, {}
    intervals = {}
    if n == 0:
        notes.append("no events in either period: tests and intervals uninformative")
        p_values = {m: None for m in TEST_METHODS}
        p_less = dict(p_values)
        intervals = {"exact-cond": (0.0, math.inf), "score": (0.0, math.inf), "glm-wald": None}
        glm = None
    else:
        for m in TEST_METHODS:
            with np.errstate(all="ignore"):
                p_values[m] = float(
                    test_poisson_2indep(
                        y_a, e_a, y_b, e_b, value=1.0, method=m, compare="ratio"
                    ).pvalue
                )
                p_less[m] = float(
                    test_poisson_2indep(
                        y_a,
                        e_a,
                        y_b,
                        e_b,
                        value=1.0,
                        method=m,
                        compare="ratio",
                        alternative="smaller",
                    ).pvalue
                )
        plo, phi = (float(x) for x in proportion_confint(y_a, n, alpha=1 - level, method="beta"))
        intervals["exact-cond"] = (
            conditional_to_rr(plo, e_b, e_a),
            conditional_to_rr(phi, e_b, e_a),
        )
        intervals["score"] = _score_interval(y_a, e_a, y_b, e_b, level)
        if y_a == 0 or y_b == 0:
            which = "after" if y_a == 0 else "before"
            notes.append(
                f"no events {which}: the Poisson GLM's MLE of log RR is "
                f"{'-' if y_a == 0 else '+'}infinity; GLM estimate and Wald interval not "
                f"reported (exact-cond and score intervals are)"
            )
            intervals["glm-wald"] = None
            glm = None
        else:
            X = np.array([[1.0, 0.0], [1.0, 1.0]])
            with warnings.catch_warnings():
                # saturated (two counts, two parameters): statsmodels warns of "perfect
                # prediction" and divides by zero residual df in a scale it does not use
                warnings.simplefilter("ignore")
                fit = GLM(
                    np.array([y_b, y_a]), X, family=families.Poisson(), offset=np.log([e_b, e_a])
                ).fit()
            b, se = float(fit.params[1]), float(fit.bse[1])
            ci = fit.conf_int(alpha=1 - level)[1]
            intervals["glm-wald"] = (float(math.exp(ci[0])), float(math.exp(ci[1])))
            glm = {"log_rr": b, "se": se, "p_value": float(fit.pvalues[1])}
    est = data.rate_ratio
    return RateRatioReference(
        events_before=y_b,
        exposure_before=e_b,
        events_after=y_a,
        exposure_after=e_a,
        estimate=est,
        percent_reduction=100 * (1 - est),
        level=level,
        p_values=p_values,
        p_values_less=p_less,
        intervals=intervals,
        glm=glm,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class PatientRatesReference:
    """Frequentist analyses of per-patient counts (statsmodels).

    Attributes
    ----------
    conditional_poisson : dict or None
        Poisson GLM with one intercept per patient and a period effect, log-exposure offset:
        ``rate_ratio``, ``log_rr``, ``se``, ``p_value``, ``ci`` (Wald), ``n_patients`` used.
        Its MLE of the period effect equals the conditional (on each patient's total) Poisson
        MLE; patients with no events in either period, or observed in one period only, add
        nothing to that likelihood and are left out (their intercepts would diverge).
    negative_binomial : dict or None
        NB2 regression (``statsmodels.discrete.discrete_model.NegativeBinomial``) of every
        row on the period, log-exposure offset, overdispersion ``alpha`` estimated by ML;
        Wald ``ci``.
    totals : RateRatioReference
        The aggregate analysis of the summed counts.
    notes : tuple of str
    """

    conditional_poisson: dict | None
    negative_binomial: dict | None
    totals: RateRatioReference
    level: float
    notes: tuple = ()

    @property
    def estimate(self) -> float:
        cp = self.conditional_poisson
        return cp["rate_ratio"] if cp is not None else self.totals.estimate

    # the record fields the published-vs-recomputed checks read (checks.published_checks);
    # None where the conditional Poisson MLE is on the boundary (not fitted)
    @property
    def p_value(self) -> float | None:
        """Wald p-value of the period effect in the conditional Poisson GLM (None if not fitted)."""
        cp = self.conditional_poisson
        return None if cp is None else cp["p_value"]

    @property
    def percent_reduction(self) -> float | None:
        """:math:`100 (1 - \\widehat{\\text{RR}})` of the conditional Poisson MLE (None if not fitted)."""
        cp = self.conditional_poisson
        return None if cp is None else 100.0 * (1.0 - cp["rate_ratio"])

    @property
    def intervals(self) -> dict:
        """``{"conditional-poisson": (lo, hi), "negative-binomial": (lo, hi)}``, Wald, on the RR
        scale; ``(None, None)`` for a model not fitted."""
        return {
            "conditional-poisson": (None, None)
            if self.conditional_poisson is None
            else self.conditional_poisson["ci"],
            "negative-binomial": (None, None)
            if self.negative_binomial is None
            else self.negative_binomial["ci"],
        }

    def as_dict(self) -> dict:
        p = pct(self.level)
        out = {"estimate": self.estimate}
        for name, res in (
            ("conditional_poisson", self.conditional_poisson),
            ("negative_binomial", self.negative_binomial),
        ):
            if res is None:
                out[f"{name}_rate_ratio"] = None
                out[f"{name}{p}_low"] = out[f"{name}{p}_high"] = None
                out[f"{name}_p_value"] = None
            else:
                out[f"{name}_rate_ratio"] = res["rate_ratio"]
                out[f"{name}{p}_low"], out[f"{name}{p}_high"] = res["ci"]
                out[f"{name}_p_value"] = res["p_value"]
        for key, val in self.totals.as_dict().items():
            out[f"totals_{key}"] = val
        out["notes"] = "; ".join(self.notes)
        return out


def _glm_record(fit, index, level, **extra) -> dict:
    b, se = float(fit.params[index]), float(fit.bse[index])
    ci = np.asarray(fit.conf_int(alpha=1 - level))[index]
    return {
        "rate_ratio": math.exp(b),
        "log_rr": b,
        "se": se,
        "p_value": float(fit.pvalues[index]),
        "ci": (float(math.exp(ci[0])), float(math.exp(ci[1]))),
        **extra,
    }


def patient_rates_reference(
    data: PerPatientRates, level: float = CRED_LEVEL
) -> PatientRatesReference:
    """Conditional Poisson (patient fixed effects) and negative-binomial analyses.

    Notes
    -----
    Conditional Poisson: :math:`y_{ip} \\sim \\text{Poisson}(E_{ip} \\exp(\\alpha_i + \\beta
    \\cdot [p = \\text{after}]))` with a free :math:`\\alpha_i` per patient; the MLE of
    :math:`\\beta` equals the maximiser of the conditional likelihood
    :math:`\\prod_i \\text{Bin}(y_{ia};\\, n_i,\\, E_{ia}e^\\beta/(E_{ia}e^\\beta + E_{ib}))`
    (Hausman, Hall and Griliches 1984, doi:10.2307/1911191). Negative binomial (NB2):
    :math:`\\text{Var}(y) = \\mu + \\alpha \\mu^2`, the usual analysis of annualised event
    rates in trials (Keene et al. 2007, doi:10.1002/pst.250). With no events after (or
    before) in every patient the MLE is on the boundary and neither GLM is fitted.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"patient": [1, 1, 2, 2, 3, 3],
    ...                    "period": ["before", "after"] * 3,
    ...                    "events": [5, 1, 8, 2, 3, 0], "exposure": [2.0, 1.5, 3.0, 1.5, 1.0, 1.5]})
    >>> ref = patient_rates_reference(PerPatientRates(df))
    >>> round(ref.conditional_poisson["rate_ratio"], 4)
    0.2631
    """
    if not isinstance(data, PerPatientRates):
        raise DataError(f"needs PerPatientRates, got {type(data).__name__}", field="data")
    level = v.open_unit(level, "level")
    t = data.table
    notes = []
    totals = data.totals()
    after = (t["period"] == "after").to_numpy(dtype=float)
    y = t["events"].to_numpy()
    offset = np.log(t["exposure"].to_numpy())
    by_period = t.groupby("period")["events"].sum()
    cp = nb = None
    if by_period.get("after", 0) == 0 or by_period.get("before", 0) == 0:
        which = "after" if by_period.get("after", 0) == 0 else "before"
        notes.append(
            f"no events {which} in any patient: the MLE of log RR is infinite; "
            f"conditional Poisson and negative-binomial GLMs not fitted"
        )
    else:
        n_per = t.groupby("patient", sort=False)["period"].transform("size")
        tot = t.groupby("patient", sort=False)["events"].transform("sum")
        use = ((n_per == 2) & (tot > 0)).to_numpy()
        sub = t[use]
        if (
            sub.empty
            or sub.loc[sub["period"] == "after", "events"].sum() == 0
            or sub.loc[sub["period"] == "before", "events"].sum() == 0
        ):
            notes.append(
                "no informative patient (events in a period of a patient seen in both): "
                "conditional Poisson not fitted"
            )
        else:
            dummies = pd.get_dummies(sub["patient"].astype(str), dtype=float).to_numpy()
            X = np.column_stack([dummies, after[use]])
            fit = GLM(y[use], X, family=families.Poisson(), offset=offset[use]).fit()
            cp = _glm_record(fit, X.shape[1] - 1, level, n_patients=int(dummies.shape[1]))
            left = data.n_patients - dummies.shape[1]
            if left:
                notes.append(
                    f"conditional Poisson: {left} patient(s) without events (or seen in "
                    f"one period) carry no information and were left out"
                )
        X = np.column_stack([np.ones_like(after), after])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(
                disp=0, maxiter=200
            )
        nb = _glm_record(
            fit,
            1,
            level,
            alpha=float(fit.params[2]),
            converged=bool(fit.mle_retvals.get("converged", True)),
        )
        if caught or not nb["converged"]:
            notes.append(
                "negative binomial: "
                + (
                    "; ".join(sorted({str(w.message)[:80] for w in caught}))
                    or "optimizer did not converge"
                )
            )
    return PatientRatesReference(cp, nb, rate_ratio_reference(totals, level), level, tuple(notes))
