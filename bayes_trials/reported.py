"""Re-analysis of a reported effect and its confidence interval (normal approximation).

Many papers give only a ratio (hazard, odds, risk, rate ratio) or a difference with its
confidence interval. Read as a normal likelihood, on the log scale for ratios, that is
enough for an exact normal-normal Bayesian re-analysis under any Normal prior:

.. math::

    \\hat\\beta \\mid \\beta \\sim N(\\beta, s^2), \\qquad \\beta \\sim N(m_0, s_0^2)
    \\;\\Longrightarrow\\; \\beta \\mid \\hat\\beta \\sim N\\!\\left(
    \\frac{m_0/s_0^2 + \\hat\\beta/s^2}{1/s_0^2 + 1/s^2},\\; \\frac{1}{1/s_0^2 + 1/s^2}\\right),

with :math:`\\beta = \\log(\\text{ratio})` and :math:`s = (\\log U - \\log L) / (2 z_{1-(1-\\ell)/2})`
for a ratio reported with a level-:math:`\\ell` interval :math:`(L, U)`, or
:math:`\\beta` the difference itself and :math:`s = (U - L)/(2z)` on the difference scale.

The default grid of priors follows the standardised scheme of Zampieri et al. (2021), with a
Spiegelhalter sceptical prior beside it; see :func:`zampieri_priors` for exactly which
numbers come from where.

Example
-------
>>> from bayes_trials.reported import reanalyse_reported
>>> res = reanalyse_reported(0.75, 0.55, 1.02, mcid=0.8)
>>> res.set_index("prior").loc["flat", ["estimate", "cri95_low", "cri95_high"]].round(2).tolist()
[0.75, 0.55, 1.02]
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from . import _validate as v
from ._constants import CRED_LEVEL
from .checks import KINDS, Check
from .distributions import Normal
from .errors import DataError, PriorError, StatisticalWarning
from .fit import Inputs, derive_seed, sample
from .quantity import Quantity
from .summaries import tail_probability

SCALES = ("ratio", "difference")
BENEFITS = ("lower", "higher")
METHODS = ("exact", "mcmc")
STRENGTHS = ("strong", "moderate", "weak")

#: Neutral priors, ratio scale: 95% of the prior between 1/x and x (see zampieri_priors).
NEUTRAL_LIMITS = {"strong": 1.5, "moderate": 2.0, "weak": 3.0}
#: Optimistic / pessimistic priors: prior probability on the other side of "no effect".
DIRECTIONAL_TAILS = {"strong": 0.05, "moderate": 0.15, "weak": 0.30}
#: Spiegelhalter's sceptical prior: prior probability of an effect beyond the MCID.
SCEPTICAL_TAIL = 0.05
#: Prior sd standing in for a flat prior in the MCMC check (on the analysis scale).
MCMC_FLAT_SD = 1.0e4


@dataclass(frozen=True)
class ReportedEffect:
    """A reported effect with its confidence interval, read as a normal likelihood.

    Attributes
    ----------
    mean, se : float
        Mean and standard error of the normal likelihood on the analysis scale (the log
        scale for ratios).
    """

    estimate: float
    ci_low: float
    ci_high: float
    scale: str
    level: float
    mean: float
    se: float

    def to_natural(self, x: ArrayLike) -> float | np.ndarray:
        """From the analysis scale back to the reported scale (exp for ratios)."""
        return np.exp(x) if self.scale == "ratio" else np.asarray(x, dtype=float)


def reported_likelihood(
    estimate, ci_low, ci_high, scale: str = "ratio", ci_level: float = 0.95, **deprecated
) -> ReportedEffect:
    """The normal likelihood implied by an estimate and its confidence interval.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        The reported estimate and its interval, on the reported scale (a ratio such as
        0.75 (0.55 to 1.02), or a difference).
    scale : {"ratio", "difference"}
        ``"ratio"``: analysed on the log scale; ``"difference"``: on the natural scale.
    ci_level : float in (0, 1)
        The confidence level of the interval (0.95 for a 95% CI).

    Returns
    -------
    ReportedEffect

    Raises
    ------
    DataError
        A non-positive ratio or bound, an interval that does not contain its estimate
        (``ci_low < estimate < ci_high`` is required), or a level outside (0, 1).

    Warns
    -----
    StatisticalWarning
        When the interval is clearly asymmetric about the estimate on the analysis scale
        (more than rounding explains), which suggests the wrong ``scale`` or a non-Wald
        interval.

    Notes
    -----
    :math:`s = (g(U) - g(L)) / (2 z)` with :math:`z = \\Phi^{-1}(1 - (1-\\ell)/2)` and
    :math:`g = \\log` for ratios, the identity for differences; the likelihood is centred on
    :math:`g(\\text{estimate})`.

    Example
    -------
    >>> lik = reported_likelihood(0.75, 0.55, 1.02)
    >>> round(lik.mean, 4), round(lik.se, 4)
    (-0.2877, 0.1576)
    """
    level = v.renamed(deprecated, "level", "ci_level", ci_level)
    v.one_of(scale, SCALES, "scale", DataError)
    level = v.open_unit(level, "ci_level", DataError)
    fields = {"estimate": estimate, "ci_low": ci_low, "ci_high": ci_high}
    if scale == "ratio":
        vals = {k: _positive_ratio(x, k) for k, x in fields.items()}
    else:
        vals = {k: v.finite_real(x, k, DataError) for k, x in fields.items()}
    est, lo, hi = vals["estimate"], vals["ci_low"], vals["ci_high"]
    if not lo < hi:
        raise DataError(
            f"the interval must have ci_low < ci_high, got ({lo:g}, {hi:g})", field="ci_low"
        )
    if not lo < est < hi:
        raise DataError(
            f"the interval ({lo:g}, {hi:g}) does not contain its estimate {est:g}",
            field="estimate",
        )
    g = math.log if scale == "ratio" else (lambda x: x)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    se = (g(hi) - g(lo)) / (2 * z)
    mean = g(est)
    half = (g(hi) - g(lo)) / 2
    if abs(mean - (g(hi) + g(lo)) / 2) > 0.2 * half:
        warnings.warn(
            f"the interval ({lo:g}, {hi:g}) is not symmetric about {est:g} on the "
            f"{'log' if scale == 'ratio' else 'natural'} scale; check scale={scale!r}",
            StatisticalWarning,
            stacklevel=2,
        )
    return ReportedEffect(est, lo, hi, scale, level, mean, se)


def _positive_ratio(x, field):
    x = v.finite_real(x, field, DataError)
    if x <= 0:
        raise DataError(f"a ratio and its bounds must be > 0, got {x:g}", field=field)
    return x


def _mcid_effect(mcid, scale: str, benefit: str) -> float:
    """The MCID on the analysis scale, checked to lie on the benefit side of no effect."""
    delta = (
        math.log(_positive_ratio(mcid, "mcid"))
        if scale == "ratio"
        else v.finite_real(mcid, "mcid", DataError)
    )
    if delta == 0 or (delta > 0) != (benefit == "higher"):
        side = "below" if benefit == "lower" else "above"
        null = 1 if scale == "ratio" else 0
        raise DataError(
            f"with benefit={benefit!r} the MCID must lie {side} {null} (no effect), got {mcid:g}",
            field="mcid",
        )
    return delta


def sceptical_prior(
    mcid: float, scale: str = "ratio", benefit: str = "lower", tail: float = SCEPTICAL_TAIL
) -> Normal:
    """Spiegelhalter's sceptical prior: centred on no effect, ``tail`` probability beyond the MCID.

    .. math:: \\beta \\sim N(0, s_0^2), \\qquad s_0 = |\\delta| / z_{1-\\text{tail}},

    so that :math:`P(\\beta \\text{ beyond } \\delta) = \\text{tail}` (5% by default), with
    :math:`\\delta` the MCID on the analysis scale (log ratio or difference).

    References
    ----------
    Spiegelhalter DJ, Freedman LS, Parmar MKB. Bayesian approaches to randomized trials.
    J R Stat Soc A 1994;157:357-416. doi:10.2307/2983527

    Example
    -------
    >>> prior = sceptical_prior(0.8)
    >>> round(float(prior.cdf(math.log(0.8))), 4)
    0.05
    """
    v.one_of(scale, SCALES, "scale", DataError)
    v.one_of(benefit, BENEFITS, "benefit", DataError)
    tail = v.open_unit(tail, "tail", PriorError)
    delta = _mcid_effect(mcid, scale, benefit)
    return Normal(0.0, abs(delta) / float(stats.norm.isf(tail)))


def zampieri_priors(
    mcid: float | None = None,
    scale: str = "ratio",
    benefit: str = "lower",
    neutral_limits: tuple[float, float] | None = None,
) -> dict[str, Normal]:
    """The standardised grid of Normal priors: neutral / optimistic / pessimistic x strong /
    moderate / weak, on the analysis scale (log ratio or difference).

    Parameters
    ----------
    mcid : float, optional
        The minimal clinically important effect (or the effect the trial was powered for),
        on the reported scale (a ratio such as 0.8, or a difference). Needed for the
        optimistic and pessimistic priors.
    scale : {"ratio", "difference"}
    benefit : {"lower", "higher"}
        Which side of no effect is benefit (``"lower"``: a ratio below 1).
    neutral_limits : dict, optional
        ``{"strong": x, "moderate": x, "weak": x}``: each neutral prior puts 95% of its
        mass between 1/x and x (ratio scale) or between -x and x (difference scale).
        Defaults to 1.5, 2 and 3 on the ratio scale; on the difference scale there is no
        default and the neutral priors are left out unless given.

    Returns
    -------
    dict
        ``{"neutral-strong": Normal, ..., "pessimistic-weak": Normal}``.

    Notes
    -----
    Zampieri et al. (2021) propose priors of three beliefs crossed with three strengths.
    Their article itself could not be read for this implementation, so the numbers are
    taken from the code of re-analyses that follow it, as follows:

    - **neutral** (mean 0, i.e. ratio 1): *strong* puts 95% of the prior between ratios
      1/1.5 and 1.5, *moderate* between 0.5 and 2: taken from the THAPCA-OH re-analysis
      code of Harhay's group (Harhay is an author of Zampieri et al.),
      github.com/harhay-lab/THAPCA-OH, ``prior-density-figure.R``, which
      sets P(OR < 1/1.5) = 2.5% and P(OR < 0.5) = 2.5%. *Weak*: 95% between 1/3 and 3 is
      **an assumption** taken from an independent re-analysis of CABANA that cites the
      same scheme (its ``se_from_ci(log(1/3), log(3))``); THAPCA-OH used a sd of 3 instead;
    - **optimistic**: centred on the MCID :math:`\\delta` with sd such that the prior
      probability of no benefit is 5% (strong), 15% (moderate) or 30% (weak),
      :math:`s_0 = |\\delta| / z_{1-p}`; **pessimistic**: the mirror image, centred on
      :math:`-\\delta` with the same sds (P(benefit) = 5%, 15%, 30%). Both from the
      THAPCA-OH code (``propbelow = 0.05, 0.15, 0.3``, pessimistic sd = optimistic sd);
      the CABANA code uses the same probabilities. Centring on the MCID (rather than on
      the trial's own estimate, which the CABANA code does) is **our choice**;
    - on the **difference scale** the neutral limits are **an assumption the user must
      supply**; the directional priors follow the same rule as above.

    References
    ----------
    Zampieri FG, Casey JD, Shankar-Hari M, Harrell FE, Harhay MO. Using Bayesian methods to
    augment the interpretation of critical care trials. An overview of theory and example
    reanalysis of the Alveolar Recruitment for Acute Respiratory Distress Syndrome Trial.
    Am J Respir Crit Care Med 2021;203:543-552. doi:10.1164/rccm.202006-2381CP

    Example
    -------
    >>> grid = zampieri_priors(0.8)
    >>> round(grid["neutral-moderate"].sd, 3), round(grid["optimistic-strong"].sd, 3)
    (0.354, 0.136)
    """
    v.one_of(scale, SCALES, "scale", DataError)
    v.one_of(benefit, BENEFITS, "benefit", DataError)
    if neutral_limits is None and scale == "ratio":
        neutral_limits = NEUTRAL_LIMITS
    out: dict[str, Normal] = {}
    z975 = float(stats.norm.ppf(0.975))
    if neutral_limits is not None:
        missing = set(STRENGTHS) - set(neutral_limits)
        if missing:
            raise PriorError(
                f"needs a limit for each of {STRENGTHS}, missing {sorted(missing)}",
                field="neutral_limits",
            )
        for s in STRENGTHS:
            x = v.positive(neutral_limits[s], f"neutral_limits[{s!r}]", PriorError)
            if scale == "ratio":
                if x <= 1:
                    raise PriorError(
                        f"a ratio limit must exceed 1, got {x:g}", field=f"neutral_limits[{s!r}]"
                    )
                x = math.log(x)
            out[f"neutral-{s}"] = Normal(0.0, x / z975)
    if mcid is not None:
        delta = _mcid_effect(mcid, scale, benefit)
        for s in STRENGTHS:
            sd = abs(delta) / float(stats.norm.isf(DIRECTIONAL_TAILS[s]))
            out[f"optimistic-{s}"] = Normal(delta, sd)
        for s in STRENGTHS:
            sd = abs(delta) / float(stats.norm.isf(DIRECTIONAL_TAILS[s]))
            out[f"pessimistic-{s}"] = Normal(-delta, sd)
    return out


def normal_posterior(prior: Normal | None, mean: float, se: float) -> Normal:
    """Exact posterior of a normal mean under a Normal prior (None: flat prior).

    .. math:: \\tau = 1/s_0^2 + 1/s^2, \\quad m = (m_0/s_0^2 + \\hat\\beta/s^2)/\\tau,
              \\quad \\beta \\mid \\hat\\beta \\sim N(m, 1/\\tau).

    Example
    -------
    >>> normal_posterior(Normal(0, 1), 1.0, 1.0)
    Normal(mean=0.5, sd=0.7071)
    """
    if prior is None:
        return Normal(mean, se)
    if getattr(prior, "family", None) != "normal" or not isinstance(prior, Normal):
        raise PriorError(
            f"needs a Normal prior on the analysis scale, got {prior!r}", field="prior"
        )
    prec = 1.0 / prior.sd**2 + 1.0 / se**2
    return Normal((prior.mean / prior.sd**2 + mean / se**2) / prec, math.sqrt(1.0 / prec))


def _prior_table(lik: ReportedEffect, priors, mcid, benefit, prior) -> dict:
    """Name -> Normal prior (None for flat), in a stable order."""
    grid = (
        zampieri_priors(mcid, lik.scale, benefit)
        if (mcid is not None or lik.scale == "ratio")
        else {}
    )
    named = {"flat": None}
    if mcid is not None:
        named["sceptical"] = sceptical_prior(mcid, lik.scale, benefit)
    named.update(grid)
    if priors is None:
        table = dict(named)
    elif isinstance(priors, dict):
        table = {}
        for name, p in priors.items():
            if p is not None and not isinstance(p, Normal):
                raise PriorError(
                    f"must be a Normal prior on the analysis scale, got {p!r}",
                    field=f"priors[{name!r}]",
                )
            table[str(name)] = p
    else:
        names = [priors] if isinstance(priors, str) else list(priors)
        table = {}
        for name in names:
            if name not in named:
                raise PriorError(
                    f"unknown prior {name!r}; available: {', '.join(named)}"
                    + (
                        ""
                        if mcid is not None
                        else " (give mcid for sceptical/optimistic/pessimistic)"
                    ),
                    field="priors",
                )
            table[name] = named[name]
    if prior is not None:
        if not isinstance(prior, Normal):
            raise PriorError(
                f"must be Normal(mean, sd) on the analysis scale, got {prior!r}", field="prior"
            )
        table["user"] = prior
    if not table:
        raise PriorError("no priors to analyse", field="priors")
    return table


def _row(
    name, pr, lik: ReportedEffect, post_mean, post_sd, lo, hi, p_benefit, p_mcid, p_harm, pct
) -> dict:
    row = {
        "prior": name,
        "prior_mean": np.nan if pr is None else pr.mean,
        "prior_sd": np.inf if pr is None else pr.sd,
        "post_mean": post_mean,
        "post_sd": post_sd,
        "estimate": float(lik.to_natural(post_mean)),
        f"cri{pct}_low": float(lik.to_natural(lo)),
        f"cri{pct}_high": float(lik.to_natural(hi)),
        "prob_benefit": p_benefit,
    }
    if p_mcid is not None:
        row["prob_mcid"] = p_mcid
    row["prob_harm"] = p_harm
    return row


def reanalyse_reported(
    estimate: float,
    ci_low: float,
    ci_high: float,
    scale: str = "ratio",
    ci_level: float = 0.95,
    priors: dict[str, Normal] | None = None,
    mcid: float | None = None,
    benefit: str = "lower",
    prior: Normal | None = None,
    *,
    level: float = CRED_LEVEL,
    method: str = "exact",
    draws: int = 2000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    **deprecated,
) -> pd.DataFrame:
    """Bayesian re-analysis of a reported ratio or difference with its confidence interval.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        The reported estimate and its confidence interval (ratio scale for ratios).
    scale : {"ratio", "difference"}
        Ratios (hazard, odds, risk, rate ratios) are analysed on the log scale.
    ci_level : float in (0, 1)
        Confidence level of the reported interval.
    priors : None, dict or list of str
        None: ``"flat"``, ``"sceptical"`` (with ``mcid``) and the grid of
        :func:`zampieri_priors`. A list picks names from that set; a dict gives
        ``{name: Normal(mean, sd)}`` on the analysis scale (None for flat).
    mcid : float, optional
        Minimal clinically important effect on the reported scale (0.8 for a 20% lower
        hazard). Defines the sceptical, optimistic and pessimistic priors and the column
        ``prob_mcid``.
    benefit : {"lower", "higher"}
        Which side of no effect is benefit; ``"lower"``: ratio < 1 (difference < 0).
    prior : Normal, optional
        A prior of your own on the analysis scale, added as the row ``"user"``.
    level : float
        Level of the equal-tailed credible intervals (default 0.95; ``cred_level=`` is the
        old name).
    method : {"exact", "mcmc"}
        ``"exact"``: normal-normal conjugate formulas. ``"mcmc"``: PyMC + nutpie, compiled
        once per process (prior and data as ``pm.Data``, refit with ``with_data``), for
        checking; a flat prior is then ``Normal(0, 1e4)``.
    draws, tune, chains, seed : int
        MCMC settings (``method="mcmc"`` only; ``random_seed=`` is the old name of ``seed``).

    Returns
    -------
    pandas.DataFrame
        One row per prior: ``prior``, ``prior_mean``, ``prior_sd``, ``post_mean``,
        ``post_sd`` (analysis scale), ``estimate`` (the posterior median on the reported
        scale: :math:`\\exp(m)` for ratios), ``cri95_low``, ``cri95_high`` (equal-tailed),
        ``prob_benefit``, ``prob_mcid`` (P(effect beyond the MCID), with ``mcid``),
        ``prob_harm``. MCMC adds ``mcse_post_mean``, ``mcse_prob_benefit``,
        ``mcse_prob_harm``, ``mcse_prob_mcid``, ``r_hat``, ``ess_bulk``, ``divergences``.
        ``attrs`` record the likelihood (mean, se), settings and seed.

    Raises
    ------
    DataError
        Impossible input (see :func:`reported_likelihood`), an MCID on the wrong side.
    PriorError
        Unknown prior names or non-Normal priors.

    Notes
    -----
    Likelihood :math:`\\hat\\beta \\sim N(\\beta, s^2)` from :func:`reported_likelihood`;
    prior :math:`\\beta \\sim N(m_0, s_0^2)`; posterior from :func:`normal_posterior`.
    With :math:`\\delta` the MCID on the analysis scale and benefit ``"lower"``,

    .. math:: P(\\text{benefit}) = \\Phi(-m/s_1), \\quad
              P(\\text{beyond MCID}) = \\Phi((\\delta - m)/s_1), \\quad
              P(\\text{harm}) = 1 - \\Phi(-m/s_1),

    (mirrored for ``"higher"``). The flat-prior row reproduces the reported estimate and
    interval (a check of the input).

    References
    ----------
    Zampieri FG et al. Am J Respir Crit Care Med 2021;203:543-552.
    doi:10.1164/rccm.202006-2381CP

    Spiegelhalter DJ, Freedman LS, Parmar MKB. J R Stat Soc A 1994;157:357-416.
    doi:10.2307/2983527

    Example
    -------
    >>> res = reanalyse_reported(0.75, 0.55, 1.02, mcid=0.8, priors=["flat", "sceptical"])
    >>> res[["prior", "estimate", "prob_benefit"]].round(3)
           prior  estimate  prob_benefit
    0       flat     0.750         0.966
    1  sceptical     0.885         0.883
    """
    extra = dict(deprecated)
    cred_level = v.renamed(
        {k: extra.pop(k) for k in ("cred_level",) if k in extra}, "cred_level", "level", level
    )
    seed = v.renamed(extra, "random_seed", "seed", seed)
    lik = reported_likelihood(estimate, ci_low, ci_high, scale, ci_level)
    v.one_of(benefit, BENEFITS, "benefit", DataError)
    v.one_of(method, METHODS, "method", DataError)
    cred_level = v.open_unit(cred_level, "level", DataError)
    delta = _mcid_effect(mcid, scale, benefit) if mcid is not None else None
    table = _prior_table(lik, priors, mcid, benefit, prior)
    pct = f"{100 * cred_level:g}".replace(".", "_")
    tail = (1 - cred_level) / 2
    lower = benefit == "lower"
    if method == "exact":
        rows = []
        for name, pr in table.items():
            post = normal_posterior(pr, lik.mean, lik.se)
            m, s = post.mean, post.sd
            below0 = float(stats.norm.cdf(0.0, m, s))
            p_benefit = below0 if lower else 1 - below0
            p_mcid = None
            if delta is not None:
                below = float(stats.norm.cdf(delta, m, s))
                p_mcid = below if lower else 1 - below
            rows.append(
                _row(
                    name,
                    pr,
                    lik,
                    m,
                    s,
                    float(post.ppf(tail)),
                    float(post.ppf(1 - tail)),
                    p_benefit,
                    p_mcid,
                    1 - p_benefit,
                    pct,
                )
            )
        out = pd.DataFrame(rows)
    else:
        out = _mcmc(lik, table, delta, lower, tail, pct, draws, tune, chains, seed)
    out.attrs.update(
        {
            "likelihood_mean": lik.mean,
            "likelihood_se": lik.se,
            "scale": scale,
            "ci_level": ci_level,
            "benefit": benefit,
            "mcid": mcid,
            "method": method,
            "level": cred_level,
        }
    )
    if method == "mcmc":
        out.attrs.update({"draws": draws, "tune": tune, "chains": chains, "seed": seed})
    return out


# --------------------------------------------------------------------------------------
# the MCMC check
# --------------------------------------------------------------------------------------

#: the normal-normal model's one ``pm.Data`` array (a row per number)
_NORMAL_INPUTS = Inputs(prior_mean=0.0, prior_sd=1.0, se=1.0, y=0.0)


@dataclass(frozen=True)
class NormalNormalModel:
    """The PyMC check of the exact re-analysis: :math:`\\beta \\sim N(m_0, s_0^2)`,
    :math:`\\hat\\beta \\sim N(\\beta, s^2)`; prior and data in one ``pm.Data`` array (one
    compile serves every prior and every reported effect)."""

    lik: ReportedEffect

    def structure(self, prior) -> tuple:
        return ("reported-normal-normal",)

    @staticmethod
    def build_model(structure: tuple):
        import pymc as pm

        with pm.Model() as model:
            d = _NORMAL_INPUTS.declare()
            prior_mean, prior_sd = d["prior_mean"][0], d["prior_sd"][0]
            se, y = d["se"][0], d["y"][0]
            beta = pm.Normal("beta", mu=prior_mean, sigma=prior_sd)
            pm.Normal("y_obs", mu=beta, sigma=se, observed=y)
        return model

    def model_inputs(self, prior) -> dict:
        m0, s0 = (0.0, MCMC_FLAT_SD) if prior is None else (prior.mean, prior.sd)
        return _NORMAL_INPUTS.pack(prior_mean=m0, prior_sd=s0, se=self.lik.se, y=self.lik.mean)


def _mcmc(lik, table, delta, lower, tail, pct, draws, tune, chains, seed) -> pd.DataFrame:
    import arviz as az

    model = NormalNormalModel(lik)
    rows = []
    for name, pr in table.items():
        tree = sample(
            model, pr, draws=draws, tune=tune, chains=chains, seed=derive_seed(int(seed), name)
        )
        post = tree["posterior"]["beta"]
        ess_bulk = float(az.ess(post, method="bulk"))

        def prob(target, benefit_side, post=post, ess_bulk=ess_bulk):
            direction = "less" if (lower == benefit_side) else "greater"
            quantity = Quantity("beta", target=target, direction=direction)
            return tail_probability(post, quantity, ess_bulk)[:2]

        p_benefit, se_benefit = prob(0.0, True)
        p_harm, se_harm = prob(0.0, False)
        p_mcid = se_mcid = None
        if delta is not None:
            p_mcid, se_mcid = prob(delta, True)
        b = np.asarray(post.values)
        lo, hi = np.quantile(b, [tail, 1 - tail])
        row = _row(
            name,
            pr,
            lik,
            float(b.mean()),
            float(b.std(ddof=1)),
            float(lo),
            float(hi),
            p_benefit,
            p_mcid,
            p_harm,
            pct,
        )
        row["estimate"] = float(lik.to_natural(np.median(b)))
        row["mcse_post_mean"] = float(az.mcse(post))
        row["mcse_prob_benefit"] = se_benefit
        if p_mcid is not None:
            row["mcse_prob_mcid"] = se_mcid
        row["mcse_prob_harm"] = se_harm
        row["r_hat"] = float(az.rhat(post))
        row["ess_bulk"] = ess_bulk
        div = tree["sample_stats"]["diverging"] if "sample_stats" in tree.children else None
        row["divergences"] = int(div.sum()) if div is not None else 0
        rows.append(row)
    return pd.DataFrame(rows)


def analyse_reported(rs, level: float = CRED_LEVEL) -> pd.DataFrame:
    """The exact normal-normal re-analysis of a spec's reported effect under the standard
    prior grid (:func:`reanalyse_reported`); the asymmetry warning is a check instead
    (:func:`reported_checks`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return reanalyse_reported(
            rs.estimate.value,
            rs.ci_low.value,
            rs.ci_high.value,
            scale=rs.scale,
            ci_level=rs.level,
            mcid=None if rs.mcid is None else rs.mcid.value,
            benefit=rs.benefit,
            level=level,
        )


# --- reported effects ------------------------------------------------------------------
def reported_checks(rs) -> list[Check]:
    """Is a printed estimate and CI consistent with a normal likelihood on the analysis scale?

    On the log scale for ratios (natural scale for differences) a Wald interval is
    symmetric about the estimate. The printed numbers are rounded to ``decimals``; the check
    passes when the asymmetry :math:`|g(\\hat\\theta) - (g(l) + g(u))/2|` is within what rounding
    can explain, :math:`\\tfrac12 10^{-d}\\,(|g'(\\hat\\theta)| + |g'(l)|/2 + |g'(u)|/2)`, with
    :math:`g = \\log` for ratios (derivative :math:`1/x`) and the identity for differences.
    """
    est, lo, hi = rs.estimate.value, rs.ci_low.value, rs.ci_high.value
    half = 0.5 * 10.0**-rs.decimals
    if rs.scale == "ratio":
        g, dg = np.log, (lambda x: 1.0 / x)
    else:
        g, dg = (lambda x: x), (lambda x: 1.0)
    asym = abs(g(est) - (g(lo) + g(hi)) / 2)
    tol = half * (dg(est) + dg(lo) / 2 + dg(hi) / 2)
    scale_name = "log" if rs.scale == "ratio" else "natural"
    return [
        Check(
            rs.id,
            KINDS[0],
            f"{rs.measure} {est:g} ({lo:g} to {hi:g}): symmetric on the {scale_name} scale",
            asym,
            0.0,
            f"rounding at {rs.decimals} decimals: {tol:.2g}",
            bool(asym <= tol),
            f"asymmetry {asym:.3g} on the {scale_name} scale; printed precision explains up to {tol:.2g}"
            + ("" if asym <= tol else ": the normal likelihood is an approximation here"),
            provenance=rs.estimate.tag,
        )
    ]


__all__ = [
    "ReportedEffect",
    "reported_likelihood",
    "sceptical_prior",
    "zampieri_priors",
    "normal_posterior",
    "reanalyse_reported",
    "analyse_reported",
    "reported_checks",
    "NormalNormalModel",
    "NEUTRAL_LIMITS",
    "DIRECTIONAL_TAILS",
]
