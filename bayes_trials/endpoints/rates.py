"""Event rates before and after treatment: the rate ratio and the percent reduction.

Three models of the same question ("by how much did the event rate fall?"), each with its
exact or frequentist counterpart beside it:

===========================  ====================================  =====================================
endpoint (``kind``)           model                                 exact / frequentist counterpart
===========================  ====================================  =====================================
:class:`RateRatioEndpoint`   independent Gamma priors on the two   Gamma posteriors; the rate ratio is
(``"rate_ratio"``)           rates, Poisson counts                 a scaled beta-prime (closed form)
:class:`LogRateRatioEndpoint` baseline rate (Gamma) and log rate    one-dimensional posterior of the log
(``"log_rate_ratio"``)       ratio (Normal or Normal mixture)      rate ratio by quadrature; statsmodels
                                                                    exact-conditional and score tests and
                                                                    intervals, Poisson GLM
:class:`PatientRateRatioEndpoint` per-patient log-normal frailty,   Poisson GLM with patient fixed effects
(``"patient_rate_ratio"``)   common (optionally patient-varying)   (conditional Poisson), negative-
                             effect, negative-binomial counts      binomial GLM (statsmodels)
===========================  ====================================  =====================================

The estimand is the rate ratio :math:`\\text{RR} = \\lambda_{\\text{after}} /
\\lambda_{\\text{before}}` (posterior variable ``rate_ratio``) and the percent reduction
:math:`100 (1 - \\text{RR})` (``percent_reduction``); posterior probabilities are taken as
:math:`P(\\text{RR} < \\text{target})` (``direction="less"``), e.g. ``target=0.5`` for
"the rate fell by more than half".

A "prior" for these endpoints bundles the priors of the model's parameters in a small
frozen dataclass: :class:`TwoRatePrior` (``before``, ``after``: Gamma or Gamma mixtures),
:class:`LogRRPrior` (``log_rr``: Normal or Normal mixture; ``baseline``: Gamma or Gamma
mixture) and :class:`PatientRatePrior` (hyperpriors of the hierarchical model).

The LAD-I paper (Kohn et al. 2025) printed three percentage reductions but not the counts
and patient-years behind them; :func:`scenario_counts` and :func:`scenario_sweep` build
clearly labelled *assumed* data that reproduce the printed percentages, and show how the
posterior depends on the unknown numbers.

References
----------
Kohn DB et al. Lentiviral gene therapy for severe leukocyte adhesion deficiency type 1.
N Engl J Med 2025;392:1698-1709. doi:10.1056/NEJMoa2407376

Przyborowski J, Wilenski H. Homogeneity of results in testing samples from Poisson series.
Biometrika 1940;31:313-323. doi:10.1093/biomet/31.3-4.313

Gu K, Ng HKT, Tang ML, Schucany WR. Testing the ratio of two Poisson rates. Biometrical
Journal 2008;50:283-298. doi:10.1002/bimj.200710403

Spiegelhalter DJ, Freedman LS, Parmar MKB. Bayesian approaches to randomized trials.
J R Stat Soc A 1994;157:357-416. doi:10.2307/2983527
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import integrate, interpolate, optimize, stats
from scipy.special import gammaln, logsumexp

from .. import _validate as v
from ..conjugate import update
from ..data import Rate
from ..errors import DataError, PriorError
from ..priors import CRED_LEVEL, Distribution, Gamma, HalfNormal, Mixture, Normal, components_of
from ..rates_data import PerPatientRates, PrePostRates

DIRECTIONS = ("less", "greater")
#: rate of the "Jeffreys" Gamma(1/2, VAGUE_RATE) prior on a Poisson rate: the improper
#: Gamma(1/2, 0) to within a millionth of a patient-year of prior exposure
VAGUE_RATE = 1e-6
#: sd of the wide (reference) Normal prior on the log rate ratio
REFERENCE_LOG_RR_SD = 10.0
#: the frequentist interval methods reported for aggregate data
INTERVAL_METHODS = ("exact-cond", "score", "glm-wald")
#: the frequentist tests reported for aggregate data (statsmodels ``test_poisson_2indep``)
TEST_METHODS = ("exact-cond", "score")


def rr_from_reduction(percent: float) -> float:
    """The rate ratio of a percent reduction: :math:`\\text{RR} = 1 - p/100`.

    >>> rr_from_reduction(74.45)
    0.2555
    """
    return round(1.0 - float(percent) / 100.0, 12)


# =====================================================================================
# exact posterior distributions of the rate ratio
# =====================================================================================
@dataclass(frozen=True, repr=False)
class RateRatioPosterior(Distribution):
    """The distribution of :math:`\\lambda_a / \\lambda_b` for independent Gamma rates.

    Parameters
    ----------
    after, before : Gamma
        The (posterior) distributions of :math:`\\lambda_a` and :math:`\\lambda_b`.

    Notes
    -----
    With :math:`\\lambda_a \\sim \\text{Gamma}(s_a, r_a)` and :math:`\\lambda_b \\sim
    \\text{Gamma}(s_b, r_b)` independent, :math:`X = r_a\\lambda_a \\sim \\text{Gamma}(s_a, 1)`
    and :math:`Y = r_b \\lambda_b \\sim \\text{Gamma}(s_b, 1)`, and :math:`X/Y` is beta-prime
    (beta of the second kind) with parameters :math:`(s_a, s_b)`. Hence

    .. math::

        \\text{RR} = \\frac{\\lambda_a}{\\lambda_b} = \\frac{r_b}{r_a}\\,\\frac{X}{Y}
        \\sim \\text{BetaPrime}(s_a, s_b;\\ \\text{scale} = r_b / r_a),
        \\qquad
        \\text{RR}\\,\\frac{r_a / s_a}{r_b / s_b} \\sim F(2 s_a, 2 s_b),

    and, since :math:`X/(X+Y) \\sim \\text{Beta}(s_a, s_b)`,

    .. math::

        P(\\text{RR} \\le r) = I_{u(r)}(s_a, s_b), \\qquad u(r) = \\frac{r\\, r_a}{r\\, r_a + r_b},

    the regularised incomplete beta function (scipy's ``betaprime``). The mean
    :math:`\\frac{r_b}{r_a}\\frac{s_a}{s_b - 1}` exists for :math:`s_b > 1` (it is infinite
    otherwise: with no events before and a Jeffreys prior, :math:`s_b = 1/2`).

    References
    ----------
    Johnson NL, Kotz S, Balakrishnan N. Continuous Univariate Distributions, vol. 2, 2nd ed.
    Wiley, 1995, ch. 25 (beta distributions of the second kind) and ch. 27 (F).

    Example
    -------
    >>> from bayes_trials import Gamma
    >>> rr = RateRatioPosterior(after=Gamma(6.5, 15.75), before=Gamma(40.5, 27.0))
    >>> round(float(rr.cdf(0.5)), 4)                      # P(reduction > 50%)
    0.946
    >>> f = 0.5 * (15.75 / 6.5) / (27.0 / 40.5)            # the F form of the same number
    >>> round(float(stats.f.cdf(f, 13, 81)), 4)
    0.946
    """

    after: Gamma
    before: Gamma
    family = "gamma_ratio"
    support = (0.0, np.inf)

    def __post_init__(self):
        for name in ("after", "before"):
            if not isinstance(getattr(self, name), Gamma):
                raise PriorError(f"needs a Gamma, got {getattr(self, name)!r}", field=name)

    @cached_property
    def _frozen(self):
        return stats.betaprime(self.after.shape, self.before.shape,
                               scale=self.before.rate / self.after.rate)

    @property
    def params(self) -> dict:
        return {"after": self.after, "before": self.before}

    def __repr__(self) -> str:
        return f"RateRatioPosterior(after={self.after!r}, before={self.before!r})"


def ratio_of_rates(after, before):
    """The distribution of :math:`\\lambda_a/\\lambda_b` for independent Gamma (mixture) rates.

    A single Gamma for each gives a :class:`RateRatioPosterior`; mixtures give a
    :class:`~bayes_trials.Mixture` of them over all pairs of components, with weight
    :math:`w_{a,i} w_{b,j}` (independence).
    """
    wa, ca = components_of(after)
    wb, cb = components_of(before)
    if len(ca) == 1 and len(cb) == 1:
        return RateRatioPosterior(ca[0], cb[0])
    comps, weights = [], []
    for w1, c1 in zip(wa, ca):
        for w2, c2 in zip(wb, cb):
            comps.append(RateRatioPosterior(c1, c2))
            weights.append(w1 * w2)
    w = np.asarray(weights)
    return Mixture(comps, w / w.sum())


class LogScalePosterior(Distribution):
    """A posterior of a rate ratio known through its (unnormalised) log density on the log scale.

    The density of :math:`\\theta = \\log \\text{RR}` is evaluated on a grid that covers every
    point within ``50`` log units of the maximum (found on a coarse grid first, widened until
    the tails are inside), normalised by the cumulative Simpson rule, and interpolated by
    cubic Hermite splines (cdf with the density as derivative); quantiles by inversion. With
    the default 20 001 points the cdf is accurate to about 1e-9. Values are reported on the
    rate-ratio scale: ``cdf(r)`` is :math:`P(\\text{RR} \\le r)`; ``theta_cdf`` and
    ``theta_ppf`` give the log scale.

    Example
    -------
    >>> d = LogScalePosterior(lambda t: stats.norm.logpdf(t, -1.0, 0.5))   # RR log-normal
    >>> round(float(d.cdf(math.exp(-1.0))), 9), round(d.mean, 6)
    (0.5, 0.416862)
    """

    family = "numerical"
    support = (0.0, np.inf)

    def __init__(self, log_density, n_grid: int = 20001, label: str = ""):
        self.label = label
        lo, hi = -40.0, 40.0
        for _ in range(8):
            coarse = np.linspace(lo, hi, 4001)
            ld = np.asarray(log_density(coarse), dtype=float)
            if not np.any(np.isfinite(ld)):
                raise PriorError("the log posterior is not finite anywhere", field="prior")
            keep = np.flatnonzero(ld > np.nanmax(ld) - 50.0)
            if keep[0] > 0 and keep[-1] < coarse.size - 1:
                break
            lo, hi = 2 * lo, 2 * hi
        step = coarse[1] - coarse[0]
        a, b = coarse[keep[0]] - step, coarse[keep[-1]] + step
        theta = np.linspace(a, b, int(n_grid))
        ld = np.asarray(log_density(theta), dtype=float)
        ld = np.where(np.isfinite(ld), ld, -np.inf)
        dens = np.exp(ld - ld.max())
        cum = integrate.cumulative_simpson(dens, x=theta, initial=0.0)
        total = cum[-1]
        self._theta = theta
        self._pdf_theta = dens / total
        self._cdf_theta = np.clip(cum / total, 0.0, 1.0)
        self._spline = interpolate.CubicHermiteSpline(theta, self._cdf_theta, self._pdf_theta)
        self._log_norm = float(ld.max() + np.log(total))
        self._log_density = log_density

    # --- log scale ----------------------------------------------------------------------
    def theta_cdf(self, t):
        t = np.asarray(t, dtype=float)
        out = np.clip(self._spline(np.clip(t, self._theta[0], self._theta[-1])), 0.0, 1.0)
        out = np.where(t <= self._theta[0], 0.0, np.where(t >= self._theta[-1], 1.0, out))
        return out if out.ndim else float(out)

    def theta_pdf(self, t):
        t = np.asarray(t, dtype=float)
        out = np.exp(np.asarray(self._log_density(t), dtype=float) - self._log_norm)
        return out if out.ndim else float(out)

    def theta_ppf(self, q):
        q = np.asarray(q, dtype=float)
        x = np.interp(q, self._cdf_theta, self._theta)
        for _ in range(3):  # Newton steps on the spline
            f = self._spline(x) - q
            d = np.maximum(self._spline(x, 1), 1e-300)
            x = np.clip(x - f / d, self._theta[0], self._theta[-1])
        x = np.where((q < 0) | (q > 1), np.nan, x)
        return x if x.ndim else float(x)

    # --- rate-ratio scale -----------------------------------------------------------------
    @property
    def mean(self) -> float:
        return float(integrate.simpson(np.exp(self._theta) * self._pdf_theta, x=self._theta))

    @property
    def sd(self) -> float:
        m2 = float(integrate.simpson(np.exp(2 * self._theta) * self._pdf_theta, x=self._theta))
        return float(np.sqrt(max(m2 - self.mean**2, 0.0)))

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 0, self.theta_pdf(np.log(np.where(x > 0, x, 1.0))) / np.where(x > 0, x, 1.0), 0.0)
        return out if out.ndim else float(out)

    def logpdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            out = np.where(x > 0, self.theta_cdf(np.log(np.where(x > 0, x, 1.0))), 0.0)
        return out if out.ndim else float(out)

    def sf(self, x):
        return 1.0 - self.cdf(x)

    def ppf(self, q):
        out = np.exp(self.theta_ppf(q))
        return out if np.ndim(out) else float(out)

    def rvs(self, size=None, random_state=None):
        u = np.random.default_rng(random_state).uniform(size=size)
        return self.ppf(u)

    def __repr__(self) -> str:
        return f"LogScalePosterior({self.label or 'numerical'})"


# =====================================================================================
# priors
# =====================================================================================
def _check_family(prior, family: str, field_name: str):
    if isinstance(prior, Mixture) or getattr(prior, "family", None) == family:
        _, comps = components_of(prior)
        if comps[0].family == family:
            return prior
    names = {"gamma": "Gamma", "normal": "Normal", "halfnormal": "HalfNormal"}
    raise PriorError(f"must be a {names[family]}{' (mixture)' if family != 'halfnormal' else ''}, "
                     f"got {prior!r}", field=field_name)


@dataclass(frozen=True)
class TwoRatePrior:
    """Independent priors on the event rate before and after treatment.

    Parameters
    ----------
    before, after : Gamma or Mixture of Gamma
        Priors of :math:`\\lambda_b` and :math:`\\lambda_a` (events per patient-year). A
        Gamma(s, r) carries the information of ``r`` patient-years with ``s`` events.

    Notes
    -----
    Independent rate priors cannot express scepticism about the *ratio*; use
    :class:`LogRRPrior` for sceptical and enthusiastic analyses.

    Example
    -------
    >>> TwoRatePrior.jeffreys()
    TwoRatePrior(before=Gamma(shape=0.5, rate=1e-06), after=Gamma(shape=0.5, rate=1e-06))
    """

    before: object
    after: object

    def __post_init__(self):
        _check_family(self.before, "gamma", "before")
        _check_family(self.after, "gamma", "after")

    @classmethod
    def jeffreys(cls) -> "TwoRatePrior":
        """Gamma(1/2, 1e-6) on each rate: the Jeffreys prior :math:`\\lambda^{-1/2}`, made proper."""
        g = Gamma(0.5, VAGUE_RATE)
        return cls(g, g)


@dataclass(frozen=True)
class LogRRPrior:
    """Priors of the log-linear model: the log rate ratio and the baseline (before) rate.

    Parameters
    ----------
    log_rr : Normal or Mixture of Normal
        Prior of :math:`\\theta = \\log \\text{RR}`; see :func:`log_rr_priors` for the
        reference, sceptical and enthusiastic choices.
    baseline : Gamma or Mixture of Gamma
        Prior of the rate before treatment :math:`\\lambda_b`; by default the Jeffreys-like
        Gamma(1/2, 1e-6).

    Example
    -------
    >>> LogRRPrior(Normal(0, 10)).baseline
    Gamma(shape=0.5, rate=1e-06)
    """

    log_rr: object
    baseline: object = field(default_factory=lambda: Gamma(0.5, VAGUE_RATE))

    def __post_init__(self):
        _check_family(self.log_rr, "normal", "log_rr")
        _check_family(self.baseline, "gamma", "baseline")


def log_rr_priors(rr_alt: float = 0.5, tail: float = 0.05, reference_sd: float = REFERENCE_LOG_RR_SD,
                  baseline=None) -> dict:
    """Reference, sceptical and enthusiastic priors for the log rate ratio.

    Parameters
    ----------
    rr_alt : float in (0, 1)
        The rate ratio of the hoped-for effect (0.5: the rate halves).
    tail : float in (0, 1)
        Sceptical prior: probability of an effect at least as large as ``rr_alt``;
        enthusiastic prior: probability of no benefit (RR > 1).
    reference_sd : float
        sd of the wide reference prior (default 10: RR from about 3e-9 to 3e8 with 95%).
    baseline : Gamma, optional
        Prior of the baseline rate (default Gamma(1/2, 1e-6)).

    Returns
    -------
    dict
        ``{"reference": ..., "sceptical": ..., "enthusiastic": ...}`` of :class:`LogRRPrior`.

    Notes
    -----
    With :math:`\\delta = \\log \\text{rr}_{alt}` and :math:`z = \\Phi^{-1}(1 - \\text{tail})`:
    sceptical :math:`\\theta \\sim N(0, (\\delta/z)^2)`, so
    :math:`P(\\text{RR} < \\text{rr}_{alt}) = \\text{tail}`; enthusiastic
    :math:`\\theta \\sim N(\\delta, (\\delta/z)^2)`, so :math:`P(\\text{RR} > 1) = \\text{tail}`
    (Spiegelhalter, Freedman and Parmar 1994, doi:10.2307/2983527). With the defaults the
    sd is :math:`\\log 2 / 1.645 = 0.421`: the sceptic gives a halving of the rate a 5%
    chance, the enthusiast gives no benefit a 5% chance.

    Example
    -------
    >>> p = log_rr_priors()
    >>> p["sceptical"].log_rr
    Normal(mean=0, sd=0.4214)
    >>> round(float(p["sceptical"].log_rr.cdf(math.log(0.5))), 6)
    0.05
    """
    rr_alt = v.open_unit(rr_alt, "rr_alt", PriorError)
    tail = v.open_unit(tail, "tail", PriorError)
    delta = math.log(rr_alt)
    sd = abs(delta) / float(stats.norm.isf(tail))
    base = {} if baseline is None else {"baseline": baseline}
    return {
        "reference": LogRRPrior(Normal(0.0, v.positive(reference_sd, "reference_sd", PriorError)), **base),
        "sceptical": LogRRPrior(Normal(0.0, sd), **base),
        "enthusiastic": LogRRPrior(Normal(delta, sd), **base),
    }


@dataclass(frozen=True)
class PatientRatePrior:
    """Priors of the per-patient hierarchical model (:class:`PatientRateRatioEndpoint`).

    Parameters
    ----------
    log_rr : Normal or Mixture of Normal
        Common (median-patient) log rate ratio :math:`\\theta`.
    mean_log_rate : Normal
        Mean :math:`\\mu` of the patients' log rates before treatment (default N(0, 2.5^2):
        rates from e^-5 to e^5 per patient-year).
    frailty_sd : HalfNormal
        sd :math:`\\sigma` of the patients' log rates (log-normal frailty).
    effect_sd : HalfNormal
        sd :math:`\\tau` of the patient-specific log rate ratios (used only with
        ``varying_effect=True``).
    overdispersion : HalfNormal
        :math:`\\phi`, the squared coefficient of variation of the extra-Poisson (gamma)
        variation of each count: :math:`\\text{Var}(y) = \\mu + \\phi \\mu^2` (used only with
        ``overdispersion=True``).

    Example
    -------
    >>> PatientRatePrior().frailty_sd
    HalfNormal(scale=1)
    """

    log_rr: object = field(default_factory=lambda: Normal(0.0, REFERENCE_LOG_RR_SD))
    mean_log_rate: object = field(default_factory=lambda: Normal(0.0, 2.5))
    frailty_sd: object = field(default_factory=lambda: HalfNormal(1.0))
    effect_sd: object = field(default_factory=lambda: HalfNormal(0.5))
    overdispersion: object = field(default_factory=lambda: HalfNormal(1.0))

    def __post_init__(self):
        _check_family(self.log_rr, "normal", "log_rr")
        if not isinstance(self.mean_log_rate, Normal):
            raise PriorError(f"must be a Normal, got {self.mean_log_rate!r}", field="mean_log_rate")
        for name in ("frailty_sd", "effect_sd", "overdispersion"):
            if not isinstance(getattr(self, name), HalfNormal):
                raise PriorError(f"must be a HalfNormal, got {getattr(self, name)!r}", field=name)


# --- pytensor helpers (log densities on the log scale, mixtures of any size) --------------
def _gamma_mix_on_log_scale(x, w, s, r):
    """log density of :math:`x = \\log \\lambda` for a Gamma mixture on :math:`\\lambda`
    (Jacobian included): :math:`\\log \\sum_k w_k r_k^{s_k} e^{s_k x - r_k e^x} / \\Gamma(s_k)`."""
    import pytensor.tensor as pt

    return pt.logsumexp(pt.log(w) + s * pt.log(r) - pt.gammaln(s) + s * x - r * pt.exp(x))


def _normal_mix(x, w, m, sd):
    import pytensor.tensor as pt

    z = (x - m) / sd
    return pt.logsumexp(pt.log(w) - 0.5 * z**2 - pt.log(sd)) - 0.5 * np.log(2 * np.pi)


def _mix_arrays(prior, *attrs) -> list[np.ndarray]:
    w, comps = components_of(prior)
    return [np.asarray(w, dtype=float)] + [
        np.array([getattr(c, a) for c in comps], dtype=float) for a in attrs]


# =====================================================================================
# frequentist references
# =====================================================================================
def _pct(level: float) -> str:
    return f"{round(100 * level)}"


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
        p = _pct(self.level)
        out = {"events_before": self.events_before, "exposure_before": self.exposure_before,
               "events_after": self.events_after, "exposure_after": self.exposure_after,
               "estimate": self.estimate, "percent_reduction": self.percent_reduction}
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
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    alpha = 1 - level
    if y_a > 0 and y_b > 0:
        lo, hi = confint_poisson_2indep(y_a, e_a, y_b, e_b, method="score", compare="ratio", alpha=alpha)
        return float(lo), float(hi)

    def gap(log_r):
        with np.errstate(all="ignore"):
            res = test_poisson_2indep(y_a, e_a, y_b, e_b, value=math.exp(log_r), method="score",
                                      compare="ratio")
        return float(res.pvalue) - alpha

    if y_a == 0:  # RR = 0 is the MLE: lower end 0, upper end where p falls to alpha
        hi = optimize.brentq(gap, -50.0, 50.0, xtol=1e-13)
        return 0.0, float(math.exp(hi))
    lo = optimize.brentq(gap, -50.0, 50.0, xtol=1e-13)
    return float(math.exp(lo)), math.inf


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
    >>> ref = rate_ratio_reference(PrePostRates(bt.Rate(40, 27.0), bt.Rate(0, 15.75)))
    >>> ref.estimate, ref.intervals["glm-wald"], ref.intervals["exact-cond"][0]
    (0.0, None, 0.0)
    >>> round(ref.intervals["exact-cond"][1], 4)     # (1 - 0.025**(1/40)) / 0.025**(1/40) * 27 / 15.75
    0.1656
    """
    import statsmodels.api as sm
    from statsmodels.stats.proportion import proportion_confint
    from statsmodels.stats.rates import test_poisson_2indep

    if not isinstance(data, PrePostRates):
        raise DataError(f"needs PrePostRates, got {type(data).__name__}", field="data")
    level = v.open_unit(level, "level")
    y_b, e_b, y_a, e_a = data.before.events, data.before.exposure, data.after.events, data.after.exposure
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
                p_values[m] = float(test_poisson_2indep(y_a, e_a, y_b, e_b, value=1.0, method=m,
                                                        compare="ratio").pvalue)
                p_less[m] = float(test_poisson_2indep(y_a, e_a, y_b, e_b, value=1.0, method=m,
                                                      compare="ratio", alternative="smaller").pvalue)
        plo, phi = (float(x) for x in proportion_confint(y_a, n, alpha=1 - level, method="beta"))
        odds = lambda p: math.inf if p >= 1 else p / (1 - p) * e_b / e_a  # noqa: E731
        intervals["exact-cond"] = (odds(plo), odds(phi))
        intervals["score"] = _score_interval(y_a, e_a, y_b, e_b, level)
        if y_a == 0 or y_b == 0:
            which = "after" if y_a == 0 else "before"
            notes.append(f"no events {which}: the Poisson GLM's MLE of log RR is "
                         f"{'-' if y_a == 0 else '+'}infinity; GLM estimate and Wald interval not "
                         f"reported (exact-cond and score intervals are)")
            intervals["glm-wald"] = None
            glm = None
        else:
            X = np.array([[1.0, 0.0], [1.0, 1.0]])
            with warnings.catch_warnings():
                # saturated (two counts, two parameters): statsmodels warns of "perfect
                # prediction" and divides by zero residual df in a scale it does not use
                warnings.simplefilter("ignore")
                fit = sm.GLM(np.array([y_b, y_a]), X, family=sm.families.Poisson(),
                             offset=np.log([e_b, e_a])).fit()
            b, se = float(fit.params[1]), float(fit.bse[1])
            ci = fit.conf_int(alpha=1 - level)[1]
            intervals["glm-wald"] = (float(math.exp(ci[0])), float(math.exp(ci[1])))
            glm = {"log_rr": b, "se": se, "p_value": float(fit.pvalues[1])}
    est = data.rate_ratio
    return RateRatioReference(
        events_before=y_b, exposure_before=e_b, events_after=y_a, exposure_after=e_a,
        estimate=est, percent_reduction=100 * (1 - est), level=level, p_values=p_values,
        p_values_less=p_less, intervals=intervals, glm=glm, notes=tuple(notes))


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
        return {"conditional-poisson": (None, None) if self.conditional_poisson is None
                else self.conditional_poisson["ci"],
                "negative-binomial": (None, None) if self.negative_binomial is None
                else self.negative_binomial["ci"]}

    def as_dict(self) -> dict:
        p = _pct(self.level)
        out = {"estimate": self.estimate}
        for name, res in (("conditional_poisson", self.conditional_poisson),
                          ("negative_binomial", self.negative_binomial)):
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
    return {"rate_ratio": math.exp(b), "log_rr": b, "se": se, "p_value": float(fit.pvalues[index]),
            "ci": (float(math.exp(ci[0])), float(math.exp(ci[1]))), **extra}


def patient_rates_reference(data: PerPatientRates, level: float = CRED_LEVEL) -> PatientRatesReference:
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
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

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
        notes.append(f"no events {which} in any patient: the MLE of log RR is infinite; "
                     f"conditional Poisson and negative-binomial GLMs not fitted")
    else:
        n_per = t.groupby("patient", sort=False)["period"].transform("size")
        tot = t.groupby("patient", sort=False)["events"].transform("sum")
        use = ((n_per == 2) & (tot > 0)).to_numpy()
        sub = t[use]
        if sub.empty or sub.loc[sub["period"] == "after", "events"].sum() == 0 \
                or sub.loc[sub["period"] == "before", "events"].sum() == 0:
            notes.append("no informative patient (events in a period of a patient seen in both): "
                         "conditional Poisson not fitted")
        else:
            dummies = pd.get_dummies(sub["patient"].astype(str), dtype=float).to_numpy()
            X = np.column_stack([dummies, after[use]])
            fit = sm.GLM(y[use], X, family=sm.families.Poisson(), offset=offset[use]).fit()
            cp = _glm_record(fit, X.shape[1] - 1, level, n_patients=int(dummies.shape[1]))
            left = data.n_patients - dummies.shape[1]
            if left:
                notes.append(f"conditional Poisson: {left} patient(s) without events (or seen in "
                             f"one period) carry no information and were left out")
        X = np.column_stack([np.ones_like(after), after])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(disp=0, maxiter=200)
        nb = _glm_record(fit, 1, level, alpha=float(fit.params[2]),
                         converged=bool(fit.mle_retvals.get("converged", True)))
        if caught or not nb["converged"]:
            notes.append("negative binomial: " + ("; ".join(sorted({str(w.message)[:80] for w in caught}))
                                                   or "optimizer did not converge"))
    return PatientRatesReference(cp, nb, rate_ratio_reference(totals, level), level, tuple(notes))


# =====================================================================================
# endpoints
# =====================================================================================
class _RateRatioBase:
    """Shared behaviour: target validation, tail probabilities, descriptions."""

    parameter = "rate_ratio"

    def _validate_common(self, data_type):
        if not isinstance(self.data, data_type):
            raise DataError(f"needs {data_type.__name__} data, got {type(self.data).__name__}",
                            endpoint=self.name, field="data")
        if self.target is not None:
            object.__setattr__(self, "target", v.positive(self.target, "target"))
        v.one_of(self.direction, DIRECTIONS, "direction")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def target_accept(self, prior) -> float:
        """0.95 when a period has no events, else the default (0.9): with zero events the
        posterior of that log rate has an exponential left tail (a Gamma with shape below 1
        on the log scale), which NUTS explores fully only with smaller steps (with 0.9, the
        2.5% quantile or the mean missed the exact value by more than 4 MCSE in 2 of 40
        seeds; with 0.95 in none, z-scores sd 0.86)."""
        from ..fit import DEFAULT_TARGET_ACCEPT

        d = self.data
        zero = isinstance(d, PrePostRates) and (d.before.events == 0 or d.after.events == 0)
        return 0.95 if zero else DEFAULT_TARGET_ACCEPT

    def tail_probability(self, dist) -> float | None:
        """:math:`P(\\text{RR} < \\text{target})` (``direction="less"``) or ``>`` under ``dist``."""
        if self.target is None:
            return None
        if self.direction == "less":
            return float(dist.cdf(self.target))
        return float(dist.sf(self.target))

    def prob_reduction_above(self, dist, percent: float) -> float:
        """:math:`P(100(1 - \\text{RR}) > \\text{percent}) = P(\\text{RR} < 1 - \\text{percent}/100)`."""
        return float(dist.cdf(rr_from_reduction(percent)))

    def describe_target(self) -> str:
        if self.target is None:
            return ""
        sign = "<" if self.direction == "less" else ">"
        return f"P({self.parameter} {sign} {self.target:g})"

    @staticmethod
    def published_quantities() -> tuple:
        """What a spec can ask to reproduce from this endpoint's frequentist record."""
        return ("estimate", "ci_low", "ci_high", "percent_reduction")

    @staticmethod
    def interval_methods() -> tuple:
        return ("exact-cond", "score", "glm-wald")

    def describe_data(self) -> str:
        b, a = self.data.before, self.data.after
        return f"{b.events} events / {b.exposure:g} before, {a.events} / {a.exposure:g} after"


@dataclass(frozen=True)
class RateRatioEndpoint(_RateRatioBase):
    """Aggregate event rates before and after treatment, independent Gamma priors on the rates.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"infection_hospitalizations"``.
    data : PrePostRates
    target : float > 0, optional
        Rate ratio the posterior probability is taken against (default 1: any reduction;
        0.5: a reduction of more than 50%).
    direction : {"less", "greater"}
        ``"less"`` reports :math:`P(\\text{RR} < \\text{target})`.
    label : str

    Notes
    -----
    .. math::

        \\lambda_b &\\sim \\text{Gamma}(s_b, r_b), \\quad \\lambda_a \\sim \\text{Gamma}(s_a, r_a)
        \\quad (\\text{or Gamma mixtures}),\\\\
        y_b &\\sim \\text{Poisson}(\\lambda_b E_b), \\quad y_a \\sim \\text{Poisson}(\\lambda_a E_a),\\\\
        \\text{RR} &= \\lambda_a / \\lambda_b, \\qquad \\text{reduction} = 100 (1 - \\text{RR}).

    Exact posterior: :math:`\\lambda_b \\mid y \\sim \\text{Gamma}(s_b + y_b, r_b + E_b)` and
    likewise after (:func:`bayes_trials.update`), independent, so RR is a scaled beta-prime
    (:class:`RateRatioPosterior`). Under the Jeffreys prior Gamma(1/2, 0) on each rate,
    :math:`P(\\text{RR} \\le r)` is the Beta(:math:`y_a + 1/2`, :math:`y_b + 1/2`) cdf at
    :math:`r E_a/(r E_a + E_b)`: the Jeffreys interval of the conditional binomial, which lies
    inside the exact conditional (Clopper-Pearson) interval. The PyMC model samples the log
    rates, with the Gamma (mixture) densities and their Jacobians as potentials.

    Example
    -------
    >>> import bayes_trials as bt
    >>> data = PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.75))
    >>> ep = RateRatioEndpoint("infection_hospitalizations", data, target=0.5)
    >>> post = ep.exact_posterior(TwoRatePrior.jeffreys())
    >>> round(ep.tail_probability(post), 4)                 # P(reduction > 50%)
    0.946
    >>> [round(x, 3) for x in post.interval(0.95)]
    [0.102, 0.569]
    """

    name: str
    data: PrePostRates
    target: float | None = 1.0
    direction: str = "less"
    label: str = ""

    kind = "rate_ratio"
    prior_type = TwoRatePrior
    prior_family = "rates"

    def __post_init__(self):
        self._validate_common(PrePostRates)

    def check_prior(self, prior) -> None:
        if not isinstance(prior, (TwoRatePrior, LogRRPrior)):
            raise PriorError(f"a rate-ratio endpoint takes a TwoRatePrior(before, after) or a "
                             f"LogRRPrior(log_rr, baseline), got {prior!r}", endpoint=self.name, field="prior")

    @staticmethod
    def reference_priors() -> dict:
        return {"jeffreys": TwoRatePrior.jeffreys()}

    def log_linear(self) -> "LogRateRatioEndpoint":
        """The same data under the log-linear model (what a :class:`LogRRPrior` asks for)."""
        return LogRateRatioEndpoint(self.name, self.data, self.target, self.direction, self.label)

    # --- PyMC model -------------------------------------------------------------------
    def structure(self, prior) -> tuple:
        """One compiled model serves every Gamma (mixture) prior and every data set; a
        :class:`LogRRPrior` selects the log-linear model (compiled once as well)."""
        if isinstance(prior, LogRRPrior):
            return self.log_linear().structure(prior)
        return (self.kind,)

    @staticmethod
    def build_model(structure: tuple):
        """Two log rates, Gamma (mixture) potentials, Poisson counts; data as ``pm.Data``."""
        if structure[0] == LogRateRatioEndpoint.kind:
            return LogRateRatioEndpoint.build_model(structure)
        import pymc as pm
        import pytensor.tensor as pt

        with pm.Model() as model:
            y_b = pm.Data("events_before", 0)
            e_b = pm.Data("exposure_before", 1.0)
            y_a = pm.Data("events_after", 0)
            e_a = pm.Data("exposure_after", 1.0)
            pb = [pm.Data(f"prior_before_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
            pa = [pm.Data(f"prior_after_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
            x_b = pm.Flat("log_rate_before")
            x_a = pm.Flat("log_rate_after")
            pm.Potential("prior_before", _gamma_mix_on_log_scale(x_b, *pb))
            pm.Potential("prior_after", _gamma_mix_on_log_scale(x_a, *pa))
            pm.Poisson("y_before", mu=pt.exp(x_b) * e_b, observed=y_b)
            pm.Poisson("y_after", mu=pt.exp(x_a) * e_a, observed=y_a)
            pm.Deterministic("rate_before", pt.exp(x_b))
            pm.Deterministic("rate_after", pt.exp(x_a))
            log_rr = pm.Deterministic("log_rate_ratio", x_a - x_b)
            rr = pm.Deterministic("rate_ratio", pt.exp(log_rr))
            pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
        return model

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        if isinstance(prior, LogRRPrior):
            return self.log_linear().model_inputs(prior)
        out = {"events_before": self.data.before.events, "exposure_before": self.data.before.exposure,
               "events_after": self.data.after.events, "exposure_after": self.data.after.exposure}
        for period in ("before", "after"):
            w, s, r = _mix_arrays(getattr(prior, period), "shape", "rate")
            out.update({f"prior_{period}_w": w, f"prior_{period}_shape": s, f"prior_{period}_rate": r})
        return out

    # --- exact and frequentist ------------------------------------------------------
    def exact_rates(self, prior) -> tuple:
        """The exact posteriors ``(before, after)`` of the two rates (Gamma or Gamma mixtures)."""
        self.check_prior(prior)
        return update(prior.before, self.data.before), update(prior.after, self.data.after)

    def exact_posterior(self, prior):
        """The exact posterior of the rate ratio: :class:`RateRatioPosterior` (or a mixture);
        under a :class:`LogRRPrior`, the log-linear model's quadrature posterior."""
        if isinstance(prior, LogRRPrior):
            return self.log_linear().exact_posterior(prior)
        before, after = self.exact_rates(prior)
        return ratio_of_rates(after, before)

    def frequentist(self, level: float = CRED_LEVEL) -> RateRatioReference:
        return rate_ratio_reference(self.data, level)


@dataclass(frozen=True)
class LogRateRatioEndpoint(_RateRatioBase):
    """Aggregate rates, log-linear model: the log rate ratio is the parameter with the prior.

    Parameters are as for :class:`RateRatioEndpoint`; priors are :class:`LogRRPrior`.

    Notes
    -----
    .. math::

        \\theta = \\log \\text{RR} &\\sim \\textstyle\\sum_k w_k N(m_k, s_k^2), \\quad
        \\lambda_b \\sim \\text{Gamma}(a, r),\\\\
        y_b &\\sim \\text{Poisson}(\\lambda_b E_b), \\quad
        y_a \\sim \\text{Poisson}(\\lambda_b e^{\\theta} E_a).

    Integrating :math:`\\lambda_b` out gives the exact marginal posterior of :math:`\\theta`
    (for a Gamma mixture baseline, a weighted sum over its components):

    .. math::

        p(\\theta \\mid y) \\propto p(\\theta)\\, e^{\\theta y_a}\\,
        \\frac{\\Gamma(n + a)\\, r^a}{\\Gamma(a)\\,(r + E_b + e^{\\theta} E_a)^{n + a}},
        \\qquad n = y_a + y_b,

    computed by one-dimensional quadrature (:class:`LogScalePosterior`). As :math:`a, r \\to
    0` the likelihood factor becomes the conditional binomial likelihood of
    :math:`y_a \\mid n`, the basis of the exact conditional test. With no events after, the
    likelihood is flat as :math:`\\theta \\to -\\infty` and the prior alone bounds the left
    tail: the wide reference prior then gives a very long tail, which the report shows
    rather than an infinite MLE.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = LogRateRatioEndpoint("x", PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.75)), target=0.5)
    >>> priors = log_rr_priors()
    >>> [round(ep.tail_probability(ep.exact_posterior(p)), 3) for p in priors.values()]
    [0.962, 0.576, 0.898]
    """

    name: str
    data: PrePostRates
    target: float | None = 1.0
    direction: str = "less"
    label: str = ""

    kind = "log_rate_ratio"
    prior_type = LogRRPrior

    def __post_init__(self):
        self._validate_common(PrePostRates)

    def check_prior(self, prior) -> None:
        if not isinstance(prior, LogRRPrior):
            raise PriorError(f"a log-rate-ratio endpoint takes a LogRRPrior(log_rr, baseline), got {prior!r}",
                             endpoint=self.name, field="prior")

    @staticmethod
    def reference_priors() -> dict:
        return {"reference": log_rr_priors()["reference"]}

    def structure(self, prior) -> tuple:
        return (self.kind,)

    @staticmethod
    def build_model(structure: tuple):
        """Log baseline rate and log rate ratio, mixture potentials, Poisson counts."""
        import pymc as pm
        import pytensor.tensor as pt

        with pm.Model() as model:
            y_b = pm.Data("events_before", 0)
            e_b = pm.Data("exposure_before", 1.0)
            y_a = pm.Data("events_after", 0)
            e_a = pm.Data("exposure_after", 1.0)
            pb = [pm.Data(f"prior_baseline_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
            pt_ = [pm.Data(f"prior_log_rr_{k}", np.ones(1)) for k in ("w", "mean", "sd")]
            x_b = pm.Flat("log_rate_before")
            theta = pm.Flat("log_rate_ratio")
            pm.Potential("prior_baseline", _gamma_mix_on_log_scale(x_b, *pb))
            pm.Potential("prior_log_rr", _normal_mix(theta, *pt_))
            pm.Poisson("y_before", mu=pt.exp(x_b) * e_b, observed=y_b)
            pm.Poisson("y_after", mu=pt.exp(x_b + theta) * e_a, observed=y_a)
            pm.Deterministic("rate_before", pt.exp(x_b))
            pm.Deterministic("rate_after", pt.exp(x_b + theta))
            rr = pm.Deterministic("rate_ratio", pt.exp(theta))
            pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
        return model

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        d = self.data
        out = {"events_before": d.before.events, "exposure_before": d.before.exposure,
               "events_after": d.after.events, "exposure_after": d.after.exposure}
        w, s, r = _mix_arrays(prior.baseline, "shape", "rate")
        out.update(prior_baseline_w=w, prior_baseline_shape=s, prior_baseline_rate=r)
        w, m, sd = _mix_arrays(prior.log_rr, "loc", "scale")
        out.update(prior_log_rr_w=w, prior_log_rr_mean=m, prior_log_rr_sd=sd)
        return out

    def log_posterior(self, prior):
        """The unnormalised log posterior density of :math:`\\theta = \\log \\text{RR}` (vectorised)."""
        self.check_prior(prior)
        d = self.data
        y_a, y_b, e_a, e_b = d.after.events, d.before.events, d.after.exposure, d.before.exposure
        n = y_a + y_b
        w, a, r = _mix_arrays(prior.baseline, "shape", "rate")
        const = np.log(w) + a * np.log(r) - gammaln(a) + gammaln(n + a)
        log_rr_prior = prior.log_rr

        def log_density(theta):
            theta = np.asarray(theta, dtype=float)
            t = theta[..., None]
            log_denom = np.logaddexp(np.log(r + e_b), t + math.log(e_a))
            lik = logsumexp(const - (n + a) * log_denom, axis=-1)
            return np.asarray(log_rr_prior.logpdf(theta)) + y_a * theta + lik

        return log_density

    def exact_posterior(self, prior) -> LogScalePosterior:
        """The posterior of RR by quadrature of the exact marginal posterior of log RR."""
        return LogScalePosterior(self.log_posterior(prior), label=f"{self.name}, {prior.log_rr!r}")

    def frequentist(self, level: float = CRED_LEVEL) -> RateRatioReference:
        return rate_ratio_reference(self.data, level)


@dataclass(frozen=True)
class PatientRateRatioEndpoint(_RateRatioBase):
    """Per-patient counts before and after treatment: a hierarchical (frailty) model.

    Parameters
    ----------
    name : str
    data : PerPatientRates
    target, direction, label
        As for :class:`RateRatioEndpoint`.
    varying_effect : bool
        Let the log rate ratio vary between patients (:math:`\\tau > 0`).
    overdispersion : bool
        Negative-binomial counts (extra-Poisson variation within patient and period).

    Notes
    -----
    For patient :math:`i` and period :math:`p` with exposure :math:`E_{ip}`:

    .. math::

        \\alpha_i &= \\mu + \\sigma z_i, \\quad z_i \\sim N(0, 1)
        \\quad (\\text{log-normal frailty, non-centred}),\\\\
        \\theta_i &= \\theta + \\tau u_i, \\quad u_i \\sim N(0, 1)
        \\quad (\\text{only with } \\texttt{varying\\_effect}),\\\\
        \\log \\mu_{ip} &= \\log E_{ip} + \\alpha_i + \\theta_i [p = \\text{after}],\\\\
        y_{ip} &\\sim \\text{Poisson}(\\mu_{ip}) \\quad \\text{or} \\quad
        \\text{NegBin}(\\mu_{ip},\\ \\text{Var} = \\mu_{ip} + \\phi\\mu_{ip}^2),

    with priors from :class:`PatientRatePrior`. Posterior variables: ``rate_ratio``
    :math:`= e^{\\theta}` (the common effect; with a varying effect, the median patient's),
    ``percent_reduction``, ``patient_rate_ratio`` :math:`= e^{\\theta_i}` and
    ``patient_rate_before`` :math:`= e^{\\alpha_i}` over the ``patient`` dimension, whose
    position ``i`` is ``data.patients[i]``. There is no exact posterior; the frequentist
    counterparts are the conditional Poisson and negative-binomial GLMs
    (:func:`patient_rates_reference`).

    References
    ----------
    Papaspiliopoulos O, Roberts GO, Skold M. A general framework for the parametrization of
    hierarchical models. Statistical Science 2007;22:59-73. doi:10.1214/088342307000000014

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"patient": [1, 1, 2, 2], "period": ["before", "after"] * 2,
    ...                    "events": [5, 1, 8, 2], "exposure": [2.0, 1.5, 3.0, 1.5]})
    >>> ep = PatientRateRatioEndpoint("x", PerPatientRates(df))
    >>> ep.structure(PatientRatePrior())
    ('patient_rate_ratio', 4, 2, False, True)
    >>> ep.exact_posterior(PatientRatePrior()) is None
    True
    """

    name: str
    data: PerPatientRates
    target: float | None = 1.0
    direction: str = "less"
    label: str = ""
    varying_effect: bool = False
    overdispersion: bool = True

    #: where the data came from (file and sha256), set by :meth:`from_spec`
    data_source: str = ""

    kind = "patient_rate_ratio"
    prior_type = PatientRatePrior
    prior_family = "patient_rates"

    def __post_init__(self):
        self._validate_common(PerPatientRates)
        for name in ("varying_effect", "overdispersion"):
            if not isinstance(getattr(self, name), bool):
                raise DataError(f"must be True or False, got {getattr(self, name)!r}",
                                endpoint=self.name, field=name)

    def check_prior(self, prior) -> None:
        if not isinstance(prior, PatientRatePrior):
            raise PriorError(f"a per-patient rate endpoint takes a PatientRatePrior, got {prior!r}",
                             endpoint=self.name, field="prior")

    @staticmethod
    def reference_priors() -> dict:
        return {"reference": PatientRatePrior()}

    def structure(self, prior) -> tuple:
        """Compile key: the numbers of rows and patients and the two model switches."""
        return (self.kind, len(self.data.table), self.data.n_patients,
                self.varying_effect, self.overdispersion)

    @staticmethod
    def build_model(structure: tuple):
        import pymc as pm
        import pytensor.tensor as pt

        _, n_rows, n_pat, varying, overdispersed = structure
        with pm.Model(coords={"patient": np.arange(n_pat)}) as model:
            idx = pm.Data("patient_idx", np.zeros(n_rows, dtype="int64"))
            after = pm.Data("after", np.zeros(n_rows))
            log_e = pm.Data("log_exposure", np.zeros(n_rows))
            y = pm.Data("events", np.zeros(n_rows, dtype="int64"))
            pt_ = [pm.Data(f"prior_log_rr_{k}", np.ones(1)) for k in ("w", "mean", "sd")]
            mu_m = pm.Data("prior_mean_log_rate_mean", 0.0)
            mu_s = pm.Data("prior_mean_log_rate_sd", 1.0)
            sig_s = pm.Data("prior_frailty_sd_scale", 1.0)
            mu = pm.Normal("mean_log_rate", mu_m, mu_s)
            sigma = pm.HalfNormal("frailty_sd", sig_s)
            z = pm.Normal("z", 0.0, 1.0, dims="patient")
            theta = pm.Flat("log_rate_ratio")
            pm.Potential("prior_log_rr", _normal_mix(theta, *pt_))
            alpha = mu + sigma * z
            if varying:
                tau_s = pm.Data("prior_effect_sd_scale", 1.0)
                tau = pm.HalfNormal("effect_sd", tau_s)
                u = pm.Normal("u", 0.0, 1.0, dims="patient")
                theta_i = theta + tau * u
            else:
                theta_i = theta + pt.zeros(n_pat)
            eta = log_e + alpha[idx] + theta_i[idx] * after
            if overdispersed:
                phi_s = pm.Data("prior_overdispersion_scale", 1.0)
                phi = pm.HalfNormal("overdispersion", phi_s)
                pm.NegativeBinomial("y", mu=pt.exp(eta), alpha=1.0 / phi, observed=y)
            else:
                pm.Poisson("y", mu=pt.exp(eta), observed=y)
            rr = pm.Deterministic("rate_ratio", pt.exp(theta))
            pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
            pm.Deterministic("patient_rate_ratio", pt.exp(theta_i), dims="patient")
            pm.Deterministic("patient_rate_before", pt.exp(alpha), dims="patient")
        return model

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        t = self.data.table
        codes = {p: i for i, p in enumerate(self.data.patients)}
        w, m, sd = _mix_arrays(prior.log_rr, "loc", "scale")
        out = {
            "patient_idx": t["patient"].map(codes).to_numpy(dtype="int64"),
            "after": (t["period"] == "after").to_numpy(dtype=float),
            "log_exposure": np.log(t["exposure"].to_numpy(dtype=float)),
            "events": t["events"].to_numpy(dtype="int64"),
            "prior_log_rr_w": w, "prior_log_rr_mean": m, "prior_log_rr_sd": sd,
            "prior_mean_log_rate_mean": prior.mean_log_rate.loc,
            "prior_mean_log_rate_sd": prior.mean_log_rate.scale,
            "prior_frailty_sd_scale": prior.frailty_sd.scale,
        }
        if self.varying_effect:
            out["prior_effect_sd_scale"] = prior.effect_sd.scale
        if self.overdispersion:
            out["prior_overdispersion_scale"] = prior.overdispersion.scale
        return out

    def exact_posterior(self, prior):
        """None: the hierarchical model has no closed-form posterior."""
        self.check_prior(prior)
        return None

    def frequentist(self, level: float = CRED_LEVEL) -> PatientRatesReference:
        return patient_rates_reference(self.data, level)

    # --- spec and report interface ------------------------------------------------------
    @staticmethod
    def published_quantities() -> tuple:
        """What a spec can ask to reproduce: the conditional Poisson estimate, its Wald
        interval and p-value, and its percent reduction."""
        return ("estimate", "ci_low", "ci_high", "p_value", "percent_reduction")

    @staticmethod
    def interval_methods() -> tuple:
        return ("conditional-poisson", "negative-binomial")

    def describe_data(self) -> str:
        d = self.data
        tot = d.totals()
        how = {"drop": "patients seen in one period only are dropped",
               "keep": "patients seen in one period only are used",
               "error": "patients seen in one period only are refused"}[d.incomplete]
        dropped = f" (dropped: {', '.join(map(str, d.dropped))})" if d.dropped else ""
        return (f"{d.n_patients} patients, {tot.before.events} events / {tot.before.exposure:g} "
                f"patient-years before, {tot.after.events} / {tot.after.exposure:g} after; "
                f"{how}{dropped}")

    @classmethod
    def from_spec(cls, raw: dict, defaults: dict, name: str, base_dir=None):
        """Build the endpoint from a ``[[endpoints]]`` table with ``kind = "rate_ratio_patients"``;
        see :func:`patient_rates_from_spec`."""
        return patient_rates_from_spec(cls, raw, defaults, name, base_dir)

    def analyse(self, priors: dict, *, method: str = "mcmc", spec=None, trial_id: str = "",
                draws: int = 1000, tune: int = 1000, chains: int = 4, seed: int = 0,
                level: float = CRED_LEVEL) -> "PatientRatesResult":
        """Sample the hierarchical model under each prior, run the checks; see
        :func:`analyse_patient_rates`."""
        return analyse_patient_rates(self, priors, method=method, spec=spec, trial_id=trial_id,
                                     draws=draws, tune=tune, chains=chains, seed=seed, level=level)


# =====================================================================================
# LAD-I scenario data (assumed: the counts and patient-years are not published)
# =====================================================================================
#: Kohn et al. 2025 (doi:10.1056/NEJMoa2407376), abstract [E]: percent lower annualized
#: incidence, >90 days after engraftment to 24 months vs before infusion
LAD1_PUBLISHED_REDUCTIONS = {
    "infection_hospitalizations": 74.45,
    "prolonged_infection_hospitalizations": 81.95,
    "serious_infections": 84.90,
}

ADJUST = ("events", "exposure_after")


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
        return PrePostRates(Rate(self.events_before, self.exposure_before),
                            Rate(self.events_after, self.exposure_after))

    @property
    def reproduces(self) -> bool:
        """True when the achieved reduction, rounded to ``decimals``, equals the published one."""
        return round(self.achieved_reduction, self.decimals) == round(self.published_reduction, self.decimals)

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {**asdict(self), "reproduces": self.reproduces}


def _reduction(y_b, e_b, y_a, e_a) -> float:
    return 100.0 * (1.0 - (y_a / e_a) / (y_b / e_b))


def scenario_counts(published_reduction: float, exposure_before: float, exposure_after: float,
                    events_before: int, *, adjust: str = "events", decimals: int = 2,
                    max_events_before: int = 100_000) -> ScenarioCounts:
    """Assumed integer counts whose point reduction reproduces a published percentage.

    Parameters
    ----------
    published_reduction : float
        The printed percent reduction, e.g. 74.45.
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
          :math:`1/(2 y_a - 1)` (with small counts that is a lot: 50% for one event after). Suited to sweeps over small totals.
    decimals : int
        The published precision (2 for 74.45).
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
    >>> s = scenario_counts(74.45, 27.0, 15.75, 40)
    >>> s.events_before, s.events_after, round(s.achieved_reduction, 4), s.reproduces
    (161, 24, 74.4454, True)
    >>> s = scenario_counts(74.45, 27.0, 15.75, 40, adjust="exposure_after")
    >>> s.events_before, s.events_after, s.exposure_after, round(s.achieved_reduction, 2)
    (40, 6, 15.8513, 74.45)
    """
    red = v.finite_real(published_reduction, "published_reduction")
    if not 0 < red < 100:
        raise DataError(f"must lie strictly between 0 and 100 percent, got {red:g}",
                        field="published_reduction")
    e_b = v.positive(exposure_before, "exposure_before")
    e_a = v.positive(exposure_after, "exposure_after")
    y_b0 = v.count(events_before, "events_before")
    if y_b0 == 0:
        raise DataError("must be at least 1 (a reduction needs events before)", field="events_before")
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
                    return ScenarioCounts(red, y_b, e_b, y_a, e_a, achieved, y_b0, e_a, adjust, decimals)
    raise DataError(f"no integer counts up to {max_events_before} events before reproduce "
                    f"{red:g}% with these exposures", field="events_before")


def scenario_sweep(reductions: dict | None = None, events_before=(5, 10, 15, 20, 30, 40, 60, 80),
                   exposure_before=(13.5, 27.0, 40.5), exposure_after=(15.75,), *,
                   prior: TwoRatePrior | None = None, threshold: float = 50.0,
                   level: float = CRED_LEVEL) -> pd.DataFrame:
    """How the posterior of each published reduction depends on the unpublished numbers.

    For each published reduction and every combination of the assumed total events before
    and exposures, build counts reproducing the reduction (:func:`scenario_counts` with
    ``adjust="exposure_after"``) and report, exactly (no MCMC), under ``prior``
    (default: Jeffreys on both rates) the posterior probability of a reduction above
    ``threshold`` percent, the median and equal-tailed credible interval of the rate ratio,
    and the exact conditional confidence interval.

    Parameters
    ----------
    reductions : dict name -> percent, optional
        Default :data:`LAD1_PUBLISHED_REDUCTIONS`.
    events_before, exposure_before, exposure_after : sequences
        Grids of assumed values. The defaults (all assumed, not published): 5 to 80 events;
        9 patients with a mean of 1.5, 3 or 4.5 years before infusion (ages ranged from 5
        months to 9 years); 9 x 21 months = 15.75 patient-years after.
    prior : TwoRatePrior, optional
    threshold : float
        Percent reduction for :math:`P(\\text{reduction} > \\text{threshold})`.
    level : float

    Returns
    -------
    pandas.DataFrame
        One row per scenario: ``endpoint``, ``published_reduction``, ``events_before``,
        ``events_after``, ``total_events``, ``exposure_before``, ``exposure_after``,
        ``exposure_after_assumed``, ``achieved_reduction``, ``prob_reduction_gt_50``,
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
    >>> df = scenario_sweep(events_before=(10, 40), exposure_before=(27.0,))
    >>> print(df[["endpoint", "events_before", "events_after", "prob_reduction_gt_50"]].round(3).to_string())
                                   endpoint  events_before  events_after  prob_reduction_gt_50
    0            infection_hospitalizations             10             1                 0.721
    1            infection_hospitalizations             40             6                 0.948
    2  prolonged_infection_hospitalizations             10             1                 0.846
    3  prolonged_infection_hospitalizations             40             4                 0.986
    4                    serious_infections             10             1                 0.895
    5                    serious_infections             40             4                 0.996
    """
    from statsmodels.stats.proportion import proportion_confint

    reductions = dict(LAD1_PUBLISHED_REDUCTIONS if reductions is None else reductions)
    prior = TwoRatePrior.jeffreys() if prior is None else prior
    if not isinstance(prior, TwoRatePrior):
        raise PriorError(f"needs a TwoRatePrior, got {prior!r}", field="prior")
    level = v.open_unit(level, "level")
    thr = v.finite_real(threshold, "threshold")
    p = _pct(level)
    tail = (1 - level) / 2
    rows = []
    for name, red in reductions.items():
        for e_b in exposure_before:
            for e_a in exposure_after:
                for y_b in events_before:
                    sc = scenario_counts(red, e_b, e_a, y_b, adjust="exposure_after")
                    d = sc.data
                    post = ratio_of_rates(update(prior.after, d.after), update(prior.before, d.before))
                    n = d.total_events
                    plo, phi = proportion_confint(d.after.events, n, alpha=1 - level, method="beta")
                    to_rr = lambda q: math.inf if q >= 1 else q / (1 - q) * d.before.exposure / d.after.exposure  # noqa: E731
                    rows.append({
                        "endpoint": name, "published_reduction": red,
                        "events_before": sc.events_before, "events_after": sc.events_after,
                        "total_events": n, "exposure_before": sc.exposure_before,
                        "exposure_after": sc.exposure_after, "exposure_after_assumed": sc.exposure_after_assumed,
                        "achieved_reduction": sc.achieved_reduction,
                        f"prob_reduction_gt_{thr:g}": float(post.cdf(rr_from_reduction(thr))),
                        "rr_median": float(post.ppf(0.5)),
                        f"rr_eti{p}_low": float(post.ppf(tail)), f"rr_eti{p}_high": float(post.ppf(1 - tail)),
                        f"exact_cond{p}_low": to_rr(float(plo)), f"exact_cond{p}_high": to_rr(float(phi)),
                        "prior": repr(prior), "data_status": "assumed",
                    })
    return pd.DataFrame(rows)


# =====================================================================================
# per-patient rates in specs and reports (kind "rate_ratio_patients")
# =====================================================================================
from .._registry import register_prior_family  # noqa: E402

#: the fields of a ``[priors.<name>]`` table with ``family = "patient_rates"``
PATIENT_PRIOR_FIELDS = ("log_rr", "rr_alt", "tail", "mean_log_rate", "frailty_sd", "effect_sd",
                        "overdispersion")
#: ``incomplete`` in a spec -> :class:`PerPatientRates` ``incomplete``
SPEC_INCOMPLETE = {"drop": "drop", "use": "keep", "error": "error"}
#: the Bayesian-vs-frequentist tolerances, in standard errors of the conditional Poisson
#: log RR (see :func:`analyse_patient_rates`)
MEDIAN_TOL_SE = 0.25
INTERVAL_TOL_SE = 0.5


def parse_patient_rates_prior(raw: dict, where: str) -> dict:
    """Validate a ``[priors.<name>]`` table with ``family = "patient_rates"``.

    Fields (all but ``log_rr`` optional, defaults those of :class:`PatientRatePrior`):

    - ``log_rr``: ``{ mean, sd }`` or ``"reference"`` / ``"sceptical"`` / ``"enthusiastic"``
      with ``rr_alt`` (default 0.5) and ``tail`` (default 0.05), parsed exactly as for
      ``family = "log_rr"`` (:func:`bayes_trials.spec._parse_log_rr`, Spiegelhalter et al. 1994);
    - ``mean_log_rate = { mean, sd }``: Normal prior of the mean log rate before (default 0, 2.5);
    - ``frailty_sd``, ``effect_sd``, ``overdispersion``: HalfNormal scales (defaults 1, 0.5, 1).

    Example
    -------
    >>> p = parse_patient_rates_prior({"log_rr": "sceptical", "frailty_sd": 0.8}, "priors.s")
    >>> p["log_rr"]["mean"], round(p["log_rr"]["sd"], 4), p["frailty_sd"], p["effect_sd"]
    (0.0, 0.4214, 0.8, 0.5)
    """
    from ..errors import SpecError
    from ..spec import _parse_log_rr

    known = {"family", "role", "tag", "rationale", *PATIENT_PRIOR_FIELDS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SpecError(f"unknown field(s) {unknown}; a patient_rates prior takes "
                        f"{list(PATIENT_PRIOR_FIELDS)}", field=f"{where}.{unknown[0]}")
    if "log_rr" not in raw:
        raise SpecError("missing field: { mean = ..., sd = ... } or 'reference', 'sceptical', "
                        "'enthusiastic'", field=f"{where}.log_rr")
    sub = {k: raw[k] for k in ("log_rr", "rr_alt", "tail") if k in raw}
    out = {"log_rr": _parse_log_rr(sub, where)["log_rr"]}
    mlr = raw.get("mean_log_rate", {"mean": 0.0, "sd": 2.5})
    if not isinstance(mlr, dict):
        raise SpecError("needs { mean = ..., sd = ... }", field=f"{where}.mean_log_rate")
    out["mean_log_rate"] = {"mean": v.finite_real(mlr.get("mean"), f"{where}.mean_log_rate.mean", SpecError),
                            "sd": v.positive(mlr.get("sd"), f"{where}.mean_log_rate.sd", SpecError)}
    for key, default in (("frailty_sd", 1.0), ("effect_sd", 0.5), ("overdispersion", 1.0)):
        out[key] = v.positive(raw.get(key, default), f"{where}.{key}", SpecError)
    return out


def resolve_patient_rates_prior(params: dict, endpoint) -> PatientRatePrior:
    """The :class:`PatientRatePrior` of a parsed ``patient_rates`` prior (same for every endpoint)."""
    return PatientRatePrior(log_rr=Normal(params["log_rr"]["mean"], params["log_rr"]["sd"]),
                            mean_log_rate=Normal(**params["mean_log_rate"]),
                            frailty_sd=HalfNormal(params["frailty_sd"]),
                            effect_sd=HalfNormal(params["effect_sd"]),
                            overdispersion=HalfNormal(params["overdispersion"]))


register_prior_family("patient_rates", parse_patient_rates_prior, resolve_patient_rates_prior)


def _read_patients_csv(base, rel):
    from pathlib import Path

    from ..errors import SpecError

    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(f"must be a path (relative to the spec file), got {rel!r}", field="patients_csv")
    path = Path(rel) if Path(rel).is_absolute() else Path(base) / rel
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"no such file {str(path)!r} (paths are relative to the spec file)",
                        field="patients_csv") from None
    except OSError as err:
        raise SpecError(f"cannot read {str(path)!r}: {err.strerror}", field="patients_csv") from None
    import hashlib
    import io

    try:
        frame = pd.read_csv(io.BytesIO(blob))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise SpecError(f"cannot read {str(path)!r} as CSV: {err}", field="patients_csv") from None
    return path, frame, hashlib.sha256(blob).hexdigest()


def patient_rates_from_spec(cls, raw: dict, defaults: dict, name: str, base_dir=None):
    """``[[endpoints]]`` with ``kind = "rate_ratio_patients"`` -> ``(endpoint, provenance)``.

    Fields: ``patients_csv`` (path relative to the spec file; columns ``patient``, ``period``
    in {``before``, ``after``}, ``events``, ``exposure`` in patient-years; other columns are
    kept but unused), ``incomplete`` (``"drop"``, default: a patient seen in one period only is
    left out of every analysis; ``"use"``: its rows inform the hierarchical model's baseline
    and frailty and the aggregate totals, not the conditional Poisson analysis; ``"error"``),
    ``varying_effect`` (default false), ``overdispersion`` (default true), ``target`` (a rate
    ratio, default 1), ``direction`` (``"less"``), ``tag`` and ``source`` of the file (required),
    ``label``, ``notes``, ``priors``, ``published``.

    The provenance records the file name and its sha256 with every number read from it:
    ``patients`` and the totals ``events_before``, ``exposure_before``, ``events_after``,
    ``exposure_after``.

    Raises
    ------
    SpecError
        Naming the field (``patients_csv.events``, ``incomplete``, ...) and, for bad rows,
        the CSV file, the row and its line. Nothing is built when anything is wrong.
    """
    import warnings as _w
    from pathlib import Path

    from ..errors import SpecError, StatisticalWarning
    from ..spec import Quantity, _quantity

    known = {"id", "kind", "label", "tag", "source", "notes", "priors", "published", "patients_csv",
             "incomplete", "varying_effect", "overdispersion", "target", "direction"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SpecError(f"unknown field(s) {unknown} for a rate_ratio_patients endpoint; allowed: "
                        f"{sorted(known)}", field=unknown[0])
    if defaults.get("tag") is None or not defaults.get("source"):
        raise SpecError("a rate_ratio_patients endpoint needs 'tag' and 'source' for its data file",
                        field="source")
    if "patients_csv" not in raw:
        raise SpecError("missing field: the per-patient table (CSV, relative to the spec file)",
                        field="patients_csv")
    incomplete = v.one_of(raw.get("incomplete", "drop"), tuple(SPEC_INCOMPLETE), "incomplete", SpecError)
    switches = {}
    for key, default in (("varying_effect", False), ("overdispersion", True)):
        val = raw.get(key, default)
        if not isinstance(val, bool):
            raise SpecError(f"must be true or false, got {val!r}", field=key)
        switches[key] = val
    direction = v.one_of(raw.get("direction", "less"), DIRECTIONS, "direction", SpecError)
    target = _quantity(raw, "target", defaults, required=False)
    if target is not None:
        v.positive(target.value, "target", SpecError)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    path, frame, digest = _read_patients_csv(base, raw["patients_csv"])
    with _w.catch_warnings(record=True) as caught:
        _w.simplefilter("always", StatisticalWarning)
        try:
            data = PerPatientRates(frame, incomplete=SPEC_INCOMPLETE[incomplete], source=str(path))
        except DataError as err:
            raise SpecError(f"{path}: {err.reason}", field=f"patients_csv.{err.field}") from None
    for w in caught:  # re-issue the dropped-patient warning from here
        _w.warn(str(w.message), StatisticalWarning, stacklevel=3)
    try:
        shown = path.resolve().relative_to(base.resolve())
    except ValueError:
        shown = path
    how = {"drop": "patients seen in one period only dropped", "use": "patients seen in one period only used",
           "error": "patients seen in one period only refused"}[incomplete]
    dropped = f" ({len(data.dropped)} dropped: {', '.join(map(str, data.dropped))})" if data.dropped else ""
    data_source = f"{defaults['source']} [file {shown}, sha256 {digest[:12]}; {how}{dropped}]"
    tot = data.totals()
    tag = defaults["tag"]
    provenance = {"patients": Quantity(data.n_patients, tag, data_source),
                  "events_before": Quantity(tot.before.events, tag, data_source),
                  "exposure_before": Quantity(round(tot.before.exposure, 6), tag, data_source),
                  "events_after": Quantity(tot.after.events, tag, data_source),
                  "exposure_after": Quantity(round(tot.after.exposure, 6), tag, data_source)}
    if target is not None:
        provenance["target"] = target
    try:
        ep = cls(name=name, data=data, target=1.0 if target is None else target.value, direction=direction,
                 label=raw.get("label", name), data_source=data_source, **switches)
    except DataError as err:
        raise SpecError(err.reason, field=err.field) from None
    return ep, provenance


# --- analysis ---------------------------------------------------------------------------
#: hyperparameters whose diagnostics count, besides the rate ratio (when in the model)
_HYPER = ("frailty_sd", "effect_sd", "overdispersion")


def _quantiles(draws, level) -> tuple:
    tail = (1 - level) / 2
    lo, med, hi = np.quantile(np.asarray(draws, dtype=float).ravel(), [tail, 0.5, 1 - tail])
    return float(lo), float(med), float(hi)


def _patient_row(endpoint, tree, level) -> dict:
    """MCMC columns of the common rate ratio (:func:`~bayes_trials.summaries.mcmc_columns`),
    the hyperparameters' medians and intervals, and the worst diagnostics over all of them."""
    import arviz as az

    from ..fit import diagnostics
    from ..summaries import mcmc_columns

    p = _pct(level)
    row = mcmc_columns(endpoint, tree, level)
    post = tree["posterior"]
    theta = post["log_rate_ratio"]
    row["log_rr_median"] = float(theta.median())
    row["mcse_log_rr_median"] = float(az.mcse(theta, method="quantile", prob=0.5))
    tail = (1 - level) / 2
    for end, q in (("low", tail), ("high", 1 - tail)):
        row[f"log_rr_eti{p}_{end}"] = float(theta.quantile(q))
        row[f"mcse_log_rr_eti{p}_{end}"] = float(az.mcse(theta, method="quantile", prob=q))
    worst = {"rate_ratio": (row["r_hat"], row["ess_bulk"])}
    for var in _HYPER:
        if var in post:
            lo, med, hi = _quantiles(post[var].values, level)
            row[f"{var}_median"], row[f"{var}_eti{p}_low"], row[f"{var}_eti{p}_high"] = med, lo, hi
            d = diagnostics(tree, var)
            worst[var] = (d.r_hat, d.ess_bulk)
            row["r_hat"] = max(row["r_hat"], d.r_hat)
            row["ess_bulk"] = min(row["ess_bulk"], d.ess_bulk)
            row["ess_tail"] = min(row["ess_tail"], d.ess_tail)
    row["diagnosed"] = ", ".join(worst)
    return row


def _sample_patients(endpoint, prior, *, draws, tune, chains, seed, level):
    """Sample; refit with higher target_accept and more draws (``analysis.RETRIES``) while
    R-hat, ESS or divergences fail on the rate ratio or a hyperparameter."""
    from ..analysis import RETRIES
    from ..checks import sampler_diagnostics
    from ..fit import DEFAULT_TARGET_ACCEPT, sample

    for attempt, (ta, mult) in enumerate(((DEFAULT_TARGET_ACCEPT, 1), *RETRIES), start=1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            tree = sample(endpoint, prior, draws=draws * mult, tune=tune, chains=chains,
                          seed=seed + attempt - 1, target_accept=ta)
        row = _patient_row(endpoint, tree, level)
        row.update(target_accept=ta, attempts=attempt, seed=seed)
        if sampler_diagnostics(endpoint, "", row)[0].passed:
            break
    return tree, row


def conditional_log_likelihood(data: PerPatientRates):
    """The conditional Poisson log likelihood of :math:`\\theta = \\log \\text{RR}` (vectorised).

    Given patient :math:`i`'s total :math:`n_i = y_{ib} + y_{ia}`,
    :math:`y_{ia} \\sim \\text{Bin}(n_i, p_i)` with
    :math:`p_i = E_{ia} e^{\\theta} / (E_{ia} e^{\\theta} + E_{ib})`, so

    .. math::

        \\ell(\\theta) = \\sum_i y_{ia}\\,\\theta - n_i \\log(E_{ib} + E_{ia} e^{\\theta})
        + \\text{const}.

    It is also the marginal likelihood of :math:`\\theta` when each patient's log rate before
    has a flat prior (integrate :math:`\\lambda_i` against :math:`d\\lambda_i/\\lambda_i`), so
    :math:`\\ell(\\theta)` times a prior on :math:`\\theta` is the no-pooling Bayesian posterior.
    Patients seen in one period only contribute nothing.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"patient": [1, 1], "period": ["before", "after"],
    ...                    "events": [4, 1], "exposure": [2.0, 1.0]})
    >>> ll = conditional_log_likelihood(PerPatientRates(df))
    >>> round(float(ll(np.log(0.5)) - ll(0.0)), 4)           # log Bin(1; 5, 1/5) / Bin(1; 5, 1/3)
    0.2185
    >>> round(float(np.log(stats.binom.pmf(1, 5, 1 / 5) / stats.binom.pmf(1, 5, 1 / 3))), 4)
    0.2185
    """
    w = data.wide().dropna()
    ya, yb = w["events_after"].to_numpy(float), w["events_before"].to_numpy(float)
    ea, eb = w["exposure_after"].to_numpy(float), w["exposure_before"].to_numpy(float)
    n = ya + yb

    def ll(theta):
        t = np.asarray(theta, dtype=float)[..., None]
        return np.sum(ya * t - n * np.logaddexp(np.log(eb), t + np.log(ea)), axis=-1)

    return ll


def analyse_patient_rates(endpoint, priors: dict, *, method="mcmc", spec=None, trial_id="", draws=1000,
                          tune=1000, chains=4, seed=0, level=CRED_LEVEL) -> "PatientRatesResult":
    """Fit the per-patient hierarchical model under each prior and check it.

    Parameters
    ----------
    endpoint : PatientRateRatioEndpoint
    priors : dict name -> PatientRatePrior
    method : {"mcmc", "exact"}
        The hierarchical model has no closed form: ``"exact"`` reports only the frequentist
        analyses and the exact two-rate posterior of the aggregate totals.
    spec : EndpointSpec, optional
        Supplies the published results to reproduce and the priors' roles.
    trial_id, seed
        Each fit's seed is ``derive_seed(seed, trial_id, endpoint, prior)``.
    draws, tune, chains, level

    Returns
    -------
    PatientRatesResult

    Notes
    -----
    Checks:

    - sampler diagnostics (R-hat < 1.01, bulk ESS >= 400, no divergences) on the rate ratio and
      every hyperparameter, after up to two refits with ``target_accept`` 0.95 and more draws;
    - Bayesian vs frequentist, under the reference prior (role ``reference`` in the spec; without
      a spec, a prior with log RR sd >= 5) in the *Poisson, common-effect* frailty model (fitted
      in addition when the endpoint's model has overdispersion or a varying effect, since
      those models estimate other things): the posterior median of :math:`\\theta` within
      ``MEDIAN_TOL_SE`` = 0.25 standard errors (plus 4 MCSE) of the conditional Poisson MLE, and
      each end of the equal-tailed interval within ``INTERVAL_TOL_SE`` = 0.5 SE (plus 4 MCSE) of
      the Wald interval's, on the log scale. Why these tolerances: with a flat prior on
      :math:`\\theta` and flat priors on the patients' log rates, the posterior of
      :math:`\\theta` *is* the normalised conditional likelihood
      (:func:`conditional_log_likelihood`); the frailty model departs from that only through
      partial pooling of the patients' rates, a small fraction of an SE when every patient
      has several events. The interval ends get more room because the Wald interval is
      symmetric on the log scale while the conditional likelihood, with few events after, is
      skewed: with 5 events after, its ends move by about 0.3 SE;
    - published vs recomputed (conditional Poisson estimate, Wald interval, p-value), if any.

    With no events after (or before) in every patient the MLE is on the boundary
    (:math:`\\log \\text{RR} = -\\infty`); the comparison checks are then "not applicable"
    and the report shows no MLE.
    """
    from ..analysis import PriorFit, check_analysis_inputs
    from ..fit import derive_seed

    level = check_analysis_inputs(endpoint.name, priors, method, level)
    for pname, prior in priors.items():
        if not isinstance(prior, PatientRatePrior):
            raise PriorError(f"prior {pname!r}: a per-patient rate endpoint takes a PatientRatePrior, "
                             f"got {prior!r}", endpoint=endpoint.name, field="priors")
    fits = {}
    kw = dict(draws=int(draws), tune=int(tune), chains=int(chains), level=level)
    if method == "mcmc":
        for pname, prior in priors.items():
            fit_seed = derive_seed(seed, trial_id, endpoint.name, pname)
            tree, row = _sample_patients(endpoint, prior, seed=fit_seed, **kw)
            fits[pname] = PriorFit(pname, prior, None, row, tree, fit_seed)
    result = PatientRatesResult(endpoint, fits, endpoint.frequentist(level), spec=spec, level=level,
                                method=method)
    ref_name = _reference_prior_name(priors, spec)
    result.reference_prior = ref_name
    if method == "mcmc" and ref_name is not None:
        if not endpoint.varying_effect and not endpoint.overdispersion:
            result.comparison = {"model": _model_name(endpoint), "prior": ref_name,
                                 "row": fits[ref_name].row, "reused": True}
        else:
            cmp_ep = dataclasses.replace(endpoint, varying_effect=False, overdispersion=False)
            cmp_seed = derive_seed(seed, trial_id, endpoint.name, ref_name, "poisson-common-effect")
            _, row = _sample_patients(cmp_ep, priors[ref_name], seed=cmp_seed, **kw)
            result.comparison = {"model": _model_name(cmp_ep), "prior": ref_name, "row": row,
                                 "reused": False}
    result._checks = result._run_checks()
    return result


def _model_name(ep) -> str:
    return ("negative-binomial" if ep.overdispersion else "Poisson") + ", " + \
        ("patient-varying effect" if ep.varying_effect else "common effect") + ", log-normal frailty"


def _reference_prior_name(priors: dict, spec) -> str | None:
    if spec is not None:
        for name in priors:
            ps = spec.prior_specs.get(name)
            if ps is not None and ps.role == "reference":
                return name
    for name, prior in priors.items():
        _, comps = components_of(prior.log_rr)
        if len(comps) == 1 and comps[0].scale >= 5.0:
            return name
    return None


from ..analysis import ModelResult as _ModelResult  # noqa: E402  (analysis imports no endpoint)


class PatientRatesResult(_ModelResult):
    """The re-analysis of one ``rate_ratio_patients`` endpoint.

    ``fits`` maps prior name -> :class:`~bayes_trials.analysis.PriorFit` (``exact`` None: the
    hierarchical model has no closed form; ``posterior`` the nutpie DataTree; ``row`` the
    summary numbers). ``reference`` is the :class:`PatientRatesReference` (statsmodels).
    ``comparison`` holds the Poisson common-effect fit under the reference prior used by the
    Bayesian-vs-frequentist checks. Tables: :meth:`summary`, :meth:`comparison_table`,
    :meth:`patient_table`, :meth:`data_table`; figure: :meth:`plot`.
    """

    comparison: dict | None = None
    reference_prior: str | None = None

    # --- numbers --------------------------------------------------------------------------
    @property
    def totals_posterior(self) -> RateRatioPosterior:
        """Exact posterior of RR from the aggregate totals under Jeffreys priors on both rates."""
        ep = self.endpoint
        agg = RateRatioEndpoint(f"{ep.name}_totals", ep.data.totals(), ep.target, ep.direction)
        return agg.exact_posterior(TwoRatePrior.jeffreys())

    def no_pooling_posterior(self) -> LogScalePosterior | None:
        """Conditional likelihood x the reference prior's log RR (quadrature): the posterior
        with flat priors on the patients' log rates (:func:`conditional_log_likelihood`)."""
        if self.reference_prior is None:
            return None
        prior = self.fits[self.reference_prior].prior if self.reference_prior in self.fits else None
        log_rr = prior.log_rr if prior is not None else Normal(0.0, REFERENCE_LOG_RR_SD)
        ll = conditional_log_likelihood(self.endpoint.data)
        return LogScalePosterior(lambda t: ll(t) + np.asarray(log_rr.logpdf(t)), label="no pooling")

    def summary(self) -> pd.DataFrame:
        """Per prior (hierarchical model, MCMC): the common rate ratio's mean, median, sd, ETI and
        HDI, :math:`P(\\text{RR} < \\text{target})` with its MCSE, the hyperparameters' medians
        and intervals, and diagnostics; then the comparison fit and the exact aggregate
        two-rate (Jeffreys) posterior for context."""
        p = _pct(self.level)
        ep = self.endpoint
        rows = []
        keep = ["mean", "sd", "median", f"eti{p}_low", f"eti{p}_high", f"hdi{p}_low", f"hdi{p}_high",
                "prob", "prob_mcse"]
        for var in _HYPER:
            keep += [f"{var}_median", f"{var}_eti{p}_low", f"{var}_eti{p}_high"]
        keep += ["r_hat", "ess_bulk", "ess_tail", "divergences", "draws", "target_accept", "attempts", "seed"]

        def pick(row):
            return {k: row.get(k) for k in keep}

        for name, fit in self.fits.items():
            rows.append({"endpoint": self.name, "model": _model_name(ep), "prior_name": name,
                         "prior": repr(fit.prior), **pick(fit.row)})
        cmp = self.comparison
        if cmp is not None and not cmp["reused"]:
            rows.append({"endpoint": self.name, "model": cmp["model"] + " (comparison)",
                         "prior_name": cmp["prior"], "prior": repr(self.fits[cmp["prior"]].prior),
                         **pick(cmp["row"])})
        post = self.totals_posterior
        lo, hi = post.interval(self.level, "eti")
        hlo, hhi = post.interval(self.level, "hdi")
        rows.append({"endpoint": self.name, "model": "aggregate totals, two independent rates (exact)",
                     "prior_name": "jeffreys", "prior": repr(TwoRatePrior.jeffreys()),
                     "mean": float(post.mean), "sd": float(post.sd), "median": float(post.median),
                     f"eti{p}_low": lo, f"eti{p}_high": hi, f"hdi{p}_low": hlo, f"hdi{p}_high": hhi,
                     "prob": ep.tail_probability(post), "prob_mcse": 0.0})
        cols = ["endpoint", "model", "prior_name", "prior", *keep]
        df = pd.DataFrame(rows).reindex(columns=cols)
        return df.dropna(axis=1, how="all").set_index(["model", "prior_name"])

    def data_table(self) -> pd.DataFrame:
        """The per-patient data, one row per patient (events and patient-years by period)."""
        w = self.endpoint.data.wide()
        w.index.name = "patient"
        return w

    def patient_table(self) -> pd.DataFrame:
        """Each patient's rate ratio posterior (median, ETI, P(RR_i < target)) per prior; only
        with a patient-varying effect (otherwise every patient's equals the common one)."""
        ep = self.endpoint
        if not ep.varying_effect or not self.fits:
            return pd.DataFrame()
        p = _pct(self.level)
        w = ep.data.wide()
        rows = []
        for name, fit in self.fits.items():
            draws = fit.posterior["posterior"]["patient_rate_ratio"]
            arr = draws.values.reshape(-1, draws.sizes["patient"])
            for i, pid in enumerate(ep.data.patients):
                lo, med, hi = _quantiles(arr[:, i], self.level)
                r = w.loc[pid]
                row = {"prior_name": name, "patient": pid,
                       "events_before": r["events_before"], "exposure_before": r["exposure_before"],
                       "events_after": r["events_after"], "exposure_after": r["exposure_after"],
                       "median": med, f"eti{p}_low": lo, f"eti{p}_high": hi}
                if ep.target is not None:
                    below = arr[:, i] < ep.target
                    row[f"prob_rr_{'lt' if ep.direction == 'less' else 'gt'}_{ep.target:g}"] = float(
                        below.mean() if ep.direction == "less" else 1 - below.mean())
                rows.append(row)
        return pd.DataFrame(rows).set_index(["prior_name", "patient"])

    def comparison_table(self) -> pd.DataFrame:
        """The common rate ratio by every analysis, Bayesian and frequentist, side by side.

        Rows: the hierarchical model under each prior; the Poisson common-effect comparison
        fit; the no-pooling posterior (conditional likelihood x reference prior, quadrature);
        the conditional Poisson and negative-binomial GLMs (MLE, Wald interval, p-value); the
        aggregate totals' exact two-rate Jeffreys posterior and exact conditional interval.
        An MLE on the boundary (no events in a period) is not shown: its column says why.
        """
        p = _pct(self.level)
        ep, ref = self.endpoint, self.reference
        prob_col = "prob_" + ("lt" if ep.direction == "less" else "gt") + f"_{ep.target:g}"
        rows = []

        def add(analysis, kind, est, lo, hi, prob=None, p_value=None, note=""):
            rows.append({"analysis": analysis, "kind": kind, "estimate": est, f"low{p}": lo,
                         f"high{p}": hi, prob_col: prob, "p_value": p_value, "note": note})

        for name, fit in self.fits.items():
            r = fit.row
            add(f"hierarchical ({_model_name(ep)}), prior {name}", "Bayesian: posterior median, ETI",
                r["median"], r[f"eti{p}_low"], r[f"eti{p}_high"], r["prob"], note=f"MCMC, {r['draws']} draws")
        cmp = self.comparison
        if cmp is not None and not cmp["reused"]:
            r = cmp["row"]
            add(f"{cmp['model']}, prior {cmp['prior']} (comparison model)", "Bayesian: posterior median, ETI",
                r["median"], r[f"eti{p}_low"], r[f"eti{p}_high"], r["prob"], note=f"MCMC, {r['draws']} draws")
        npool = self.no_pooling_posterior()
        if npool is not None:
            lo, hi = npool.interval(self.level, "eti")
            add(f"no pooling: conditional likelihood x prior {self.reference_prior}'s log RR",
                "Bayesian: posterior median, ETI", float(npool.median), lo, hi,
                ep.tail_probability(npool), note="exact (quadrature)")
        for key, label in (("conditional_poisson", "conditional Poisson GLM (patient fixed effects)"),
                           ("negative_binomial", "negative-binomial GLM (NB2)")):
            res = getattr(ref, key)
            if res is None:
                add(label, "frequentist: MLE, Wald CI", None, None, None,
                    note="not fitted: " + ("; ".join(ref.notes) or "no information"))
            else:
                extra = f"alpha = {res['alpha']:.3g}" if "alpha" in res else f"{res['n_patients']} patients"
                add(label, "frequentist: MLE, Wald CI", res["rate_ratio"], *res["ci"], p_value=res["p_value"],
                    note=f"statsmodels; {extra}")
        post = self.totals_posterior
        lo, hi = post.interval(self.level, "eti")
        add("aggregate totals, Jeffreys priors on both rates", "Bayesian: posterior median, ETI",
            float(post.median), lo, hi, ep.tail_probability(post), note="exact (beta-prime)")
        tot = ref.totals
        clo, chi = tot.intervals["exact-cond"]
        boundary = tot.events_after == 0 or tot.events_before == 0
        add("aggregate totals, exact conditional (binomial) test and interval", "frequentist: MLE, exact CI",
            None if boundary else tot.estimate, clo, None if not math.isfinite(chi) else chi,
            p_value=tot.p_values.get("exact-cond"),
            note="MLE on the boundary (no events in a period): not shown" if boundary else "statsmodels")
        return pd.DataFrame(rows).set_index("analysis")

    # --- checks ---------------------------------------------------------------------------
    def _run_checks(self) -> list:
        from .. import checks as chk

        ep = self.endpoint
        out = []
        if self.spec is not None and self.spec.published:
            out += chk.published_checks(ep, self.reference, self.spec.published,
                                        assumed_data=bool(self.assumed_fields()))
        fits = [(name, fit.row) for name, fit in self.fits.items()]
        if self.comparison is not None and not self.comparison["reused"]:
            fits.append((f"{self.comparison['prior']} (comparison model)", self.comparison["row"]))
        for name, row in fits:
            c = chk.sampler_diagnostics(ep, name, row)[0]
            out.append(dataclasses.replace(c, message=c.message + f" (worst over {row['diagnosed']}; attempt "
                                      f"{row['attempts']}, target_accept {row['target_accept']:g})"))
        out += self._bayes_vs_frequentist()
        return out

    def _bayes_vs_frequentist(self) -> list:
        from ..checks import KINDS, N_MCSE, Check

        ep, cp = self.endpoint, self.reference.conditional_poisson
        p = _pct(self.level)
        names = ("reference-prior posterior median of RR vs conditional Poisson MLE",
                 f"reference-prior {p}% ETI of RR, lower end vs conditional Poisson Wald interval",
                 f"reference-prior {p}% ETI of RR, upper end vs conditional Poisson Wald interval")
        if self.method != "mcmc":
            return [Check(ep.name, KINDS[2], n, None, None, "-", None,
                          "method exact: the hierarchical model needs MCMC") for n in names]
        if self.comparison is None:
            return [Check(ep.name, KINDS[2], n, None, None, "-", None,
                          "no reference prior (role 'reference', or log RR sd >= 5) among the priors")
                    for n in names]
        cmp = self.comparison
        row, prior = cmp["row"], cmp["prior"]
        model = f" [{cmp['model']}]"
        if cp is None:
            why = "; ".join(self.reference.notes) or "conditional Poisson not fitted"
            msg = (f"not applicable: {why}. The posterior stays finite: median RR "
                   f"{row['median']:.3g} ({p}% CrI {row[f'eti{p}_low']:.3g} to {row[f'eti{p}_high']:.3g}), "
                   "its lower tail set by the prior")
            return [Check(ep.name, KINDS[2], n + model, None, None, "-", None, msg, prior=prior) for n in names]
        se, b = cp["se"], cp["log_rr"]
        wl, wh = (math.log(x) for x in cp["ci"])
        out = []
        for name, ours, mcse, theirs, k in (
                (names[0], row["log_rr_median"], row["mcse_log_rr_median"], b, MEDIAN_TOL_SE),
                (names[1], row[f"log_rr_eti{p}_low"], row[f"mcse_log_rr_eti{p}_low"], wl, INTERVAL_TOL_SE),
                (names[2], row[f"log_rr_eti{p}_high"], row[f"mcse_log_rr_eti{p}_high"], wh, INTERVAL_TOL_SE)):
            tol = k * se + N_MCSE * mcse
            diff = abs(ours - theirs)
            passed = diff <= tol
            out.append(Check(
                ep.name, KINDS[2], name + model, math.exp(ours), math.exp(theirs),
                f"|log difference| <= {k:g} SE + {N_MCSE:g} MCSE = {tol:.3g}", bool(passed),
                f"{math.exp(ours):.4g} vs {math.exp(theirs):.4g}: log difference {diff:.3g} = "
                f"{diff / se:.2f} SE of the conditional Poisson log RR (SE {se:.3g}); "
                f"{'within' if passed else 'outside'} the tolerance", prior=prior))
        return out

    # --- report ---------------------------------------------------------------------------
    def report_blocks(self) -> list:
        p = _pct(self.level)
        ep = self.endpoint
        inc = {"drop": "dropped", "keep": "used", "error": "refused"}[ep.data.incomplete]
        blocks = [(f"Per-patient data ({'ASSUMED / ' if self.assumed_fields() else ''}{ep.data_source or 'in memory'}); "
                   f"patients seen in one period only: {inc}", self.data_table()),
                  (f"Rate ratio after / before by every analysis ({p}% intervals)", self.comparison_table())]
        if self.fits:
            blocks.append(("Posterior summary (common rate ratio; hyperparameters; diagnostics)", self.summary()))
        pt_ = self.patient_table()
        if len(pt_):
            blocks.append((f"Each patient's rate ratio (posterior median, {p}% ETI; patient-varying effect)", pt_))
        freq = pd.DataFrame([{"quantity": k, "value": val} for k, val in self.reference.as_dict().items()
                             if val is not None and val != ""]).set_index("quantity")
        blocks.append(("Frequentist reference (statsmodels; all numbers)", freq))
        return blocks

    def sentences(self) -> list:
        p = _pct(self.level)
        ep, ref = self.endpoint, self.reference
        out = self.assumed_sentences()
        out.append(f"Data: {ep.describe_data()}.")
        out.append(f"Model: {_model_name(ep)}; log rate = log exposure + patient's log rate before "
                   "(Normal(mu, sigma^2)) + log RR after treatment; the common rate ratio is the median "
                   "patient's" + (" (patients' log RRs vary with sd tau)." if ep.varying_effect else "."))
        tgt = ep.describe_target()
        for name, fit in self.fits.items():
            r = fit.row
            s = (f"Prior {name}: common rate ratio posterior median {r['median']:.3g} ({p}% CrI "
                 f"{r[f'eti{p}_low']:.3g} to {r[f'eti{p}_high']:.3g}), reduction "
                 f"{100 * (1 - r['median']):.1f}%")
            if r.get("prob") is not None:
                s += f"; {tgt} = {r['prob']:.3f}"
            hyper = [f"{var.replace('_', ' ')} {r[f'{var}_median']:.3g}" for var in _HYPER
                     if r.get(f"{var}_median") is not None]
            out.append(s + "; posterior medians: " + ", ".join(hyper) + ".")
        if self.method != "mcmc":
            out.append("Method exact: the hierarchical model has no closed form and was not fitted "
                       "(method mcmc fits it); the frequentist and aggregate exact analyses are shown.")
        cp, nb = ref.conditional_poisson, ref.negative_binomial
        if cp is not None:
            out.append(f"Conditional Poisson (patient fixed effects): RR {cp['rate_ratio']:.3g} ({p}% Wald CI "
                       f"{cp['ci'][0]:.3g} to {cp['ci'][1]:.3g}), p = {cp['p_value']:.3g}.")
        if nb is not None:
            out.append(f"Negative binomial: RR {nb['rate_ratio']:.3g} ({p}% Wald CI {nb['ci'][0]:.3g} to "
                       f"{nb['ci'][1]:.3g}), overdispersion alpha {nb['alpha']:.3g}.")
        if cp is None or nb is None:
            out.append("Frequentist GLMs not (all) fitted: " + ("; ".join(ref.notes) or "no information")
                       + ". No maximum-likelihood rate ratio is reported; the posteriors above stay finite.")
        post = self.totals_posterior
        lo, hi = post.interval(self.level, "eti")
        out.append(f"For context, the aggregate totals under Jeffreys priors on both rates (exact): median "
                   f"{post.median:.3g} ({p}% CrI {lo:.3g} to {hi:.3g}); this ignores who had the events.")
        out.append(self.checks_sentence())
        return out

    def plot(self):
        """Forest plot (log scale): each patient's rate ratio (varying effect), the common rate
        ratio under each prior, the no-pooling posterior, the conditional Poisson and NB
        estimates with Wald intervals, and the aggregate Jeffreys posterior."""
        import matplotlib.pyplot as plt

        ep = self.endpoint
        level = self.level
        rows = []  # (label, estimate or None, lo, hi, colour, marker)
        pt_ = self.patient_table()
        if len(pt_):
            p = _pct(level)
            first = next(iter(self.fits))
            for pid, r in pt_.loc[first].iterrows():
                rows.append((f"patient {pid} ({first})", r["median"], r[f"eti{p}_low"], r[f"eti{p}_high"], "0.45", "s"))
        cmp = self.comparison_table()
        p = _pct(level)
        colours = {"Bayesian": "C0", "frequentist": "C3"}
        for label, r in cmp.iterrows():
            col = colours[r["kind"].split(":")[0]]
            rows.append((label, r["estimate"], r[f"low{p}"], r[f"high{p}"], col, "o" if col == "C0" else "D"))
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.4))
        finite = [x for _, e, lo, hi, *_ in rows for x in (e, lo, hi)
                  if x is not None and not pd.isna(x) and 0 < x < math.inf]
        xmin = max(min(finite) / 2, 1e-4) if finite else 1e-3
        xmax = max(finite) * 2 if finite else 10.0
        for k, (label, est, lo, hi, col, mk) in enumerate(rows):
            y = len(rows) - k
            lo_ = xmin if lo is None or pd.isna(lo) or lo <= xmin else lo
            hi_ = xmax if hi is None or pd.isna(hi) or hi >= xmax else hi
            if not (lo is None or pd.isna(lo)) or not (hi is None or pd.isna(hi)):
                ax.plot([lo_, hi_], [y, y], color=col, lw=1.4)
            if est is not None and not pd.isna(est) and est > 0:
                ax.plot(max(est, xmin), y, mk, color=col, ms=5)
            elif est is None or pd.isna(est):
                ax.text(xmin, y, "  MLE not shown (boundary)", va="center", fontsize=6, color=col)
        ax.set_yticks(range(len(rows), 0, -1), [r[0] for r in rows], fontsize=6)
        ax.set_xscale("log")
        ax.set_xlim(xmin, xmax)
        ax.axvline(1.0, color="0.5", ls=":", lw=1)
        if ep.target is not None:
            ax.axvline(ep.target, color="0.5", ls="--", lw=1)
        ax.set_xlabel(f"rate ratio after / before (point, {_pct(level)}% interval; dashed: target {ep.target:g})")
        tag = " [ASSUMED / ILLUSTRATIVE data]" if self.assumed_fields() else ""
        ax.set_title(f"{ep.label}: per-patient and common rate ratios{tag}", fontsize=9)
        fig.tight_layout()
        return fig
