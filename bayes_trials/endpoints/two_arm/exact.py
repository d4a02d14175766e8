"""Exact posteriors of the two-arm kinds: conjugate arms, contrasts by quadrature.

Every quantity of a two-arm analysis has an exact posterior:

- each arm's parameter: conjugate updating (:func:`bayes_trials.update`: Beta-binomial,
  Gamma-Poisson, Normal-normal; a mixture prior stays a reweighted mixture), or, for a mean
  with its sigma estimated under the Jeffreys prior :math:`p(\\sigma) \\propto 1/\\sigma`,
  the t distribution (flat prior) or the one-dimensional density
  :math:`p(\\mu)\\,(1 + n(\\mu - \\bar y)^2/((n-1)s^2))^{-n/2}` normalised by quadrature
  (:class:`MeanPosterior`);
- each contrast (difference, ratio, odds ratio, vaccine efficacy :math:`1 - \\text{RR}`):
  :func:`bayes_trials.compare` of the two arms' posteriors (one-dimensional quadrature, or a
  closed form);
- the case-split model of two event rates: the Beta posterior of the treatment's share of
  the cases and the rate ratio it implies (:class:`~bayes_trials.compare.CaseSplitRatio`);
- the log-linear model of two event rates (a Normal prior on the log rate ratio): the
  marginal posterior of the log rate ratio by quadrature, from the rates kinds
  (:func:`~bayes_trials.endpoints.rates.exact.log_linear_posterior`).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
from scipy import integrate, stats

from ... import _validate as v
from ...compare import CaseSplitRatio, OneMinus, compare
from ...conjugate import update
from ...data import Binary, PrePostRates
from ...distributions import Distribution, Normal
from ...distributions.derived import LogScalePosterior
from ..rates.exact import log_linear_posterior
from .priors import CaseSplitPrior, FlatPrior

#: quantity name -> (contrast measure, whether it is 1 - the contrast) of each kind's contrasts
CONTRASTS = {
    "risk_difference": ("difference", False),
    "risk_ratio": ("ratio", False),
    "odds_ratio": ("odds_ratio", False),
    "rate_difference": ("difference", False),
    "rate_ratio": ("ratio", False),
    "difference": ("difference", False),
    "vaccine_efficacy": ("ratio", True),
}


class StudentT(Distribution):
    """The location-scale t distribution: the posterior of a mean under the flat prior when
    sigma is estimated (Jeffreys), :math:`\\mu \\mid \\text{data} \\sim \\bar y + (s/\\sqrt n)\\,
    t_{n-1}`.

    >>> round(float(StudentT(9, 1.0, 2.0).cdf(1.0)), 6)
    0.5
    """

    family = "t"
    support = (-math.inf, math.inf)

    def __init__(self, df: float, loc: float, scale: float):
        self.df, self.loc, self.scale = float(df), float(loc), float(scale)

    @cached_property
    def _frozen(self):
        return stats.t(self.df, loc=self.loc, scale=self.scale)

    def __repr__(self) -> str:
        return f"StudentT(df={self.df:g}, loc={self.loc:.4g}, scale={self.scale:.4g})"


class MeanPosterior(Distribution):
    """The posterior of a mean with a Normal (mixture) prior and sigma estimated.

    With :math:`\\bar y`, sample sd :math:`s` and :math:`n` observations, the Jeffreys prior
    :math:`p(\\sigma) \\propto 1/\\sigma` integrated out leaves

    .. math:: p(\\mu \\mid \\text{data}) \\propto p(\\mu)\\,
              \\Big(1 + \\frac{n(\\mu - \\bar y)^2}{(n-1)s^2}\\Big)^{-n/2},

    normalised by quadrature on the standardised scale :math:`z = (\\mu - \\bar y)\\sqrt n/s`
    (:class:`~bayes_trials.distributions.derived.LogScalePosterior`'s grid, read on its own
    scale: cdf accurate to about 1e-9).
    """

    family = "numerical"
    support = (-math.inf, math.inf)

    def __init__(self, prior, mean: float, sd: float, n: int):
        self.prior, self.loc = prior, float(mean)
        self.scale = float(sd) / math.sqrt(n)
        self.n = int(n)

        def log_density(z):
            z = np.asarray(z, dtype=float)
            mu = self.loc + self.scale * z
            return np.asarray(prior.logpdf(mu)) - 0.5 * self.n * np.log1p(z**2 / (self.n - 1))

        self._grid = LogScalePosterior(log_density, label="mean, sigma estimated")

    def _z(self, x):
        return (np.asarray(x, dtype=float) - self.loc) / self.scale

    def pdf(self, x):
        return np.asarray(self._grid.theta_pdf(self._z(x))) / self.scale

    def logpdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def cdf(self, x):
        return self._grid.theta_cdf(self._z(x))

    def sf(self, x):
        return 1.0 - np.asarray(self.cdf(x))

    def ppf(self, q):
        return self.loc + self.scale * np.asarray(self._grid.theta_ppf(q))

    @property
    def mean(self) -> float:
        g = self._grid
        return self.loc + self.scale * float(integrate.simpson(g._theta * g._pdf_theta, x=g._theta))

    @property
    def sd(self) -> float:
        g = self._grid
        m = float(integrate.simpson(g._theta * g._pdf_theta, x=g._theta))
        m2 = float(integrate.simpson(g._theta**2 * g._pdf_theta, x=g._theta))
        return self.scale * math.sqrt(max(m2 - m**2, 0.0))

    def rvs(self, size=None, seed=None, **deprecated):
        seed = v.renamed(deprecated, "random_state", "seed", seed)
        u = np.random.default_rng(seed).uniform(size=size)
        return self.ppf(u)

    def __repr__(self) -> str:
        return (
            f"MeanPosterior({self.prior!r}; mean {self.loc:.4g}, se {self.scale:.4g}, n {self.n})"
        )


# --- arms -------------------------------------------------------------------------------------
def arm_posteriors(prior, data) -> tuple:
    """``(treatment, control)`` exact posteriors of the two arms' parameters (conjugate)."""
    return update(prior.treatment, data.treatment), update(prior.control, data.control)


def normal_arm_posterior(prior, arm, sigma: str):
    """The posterior of one arm's mean: ``sigma="known"`` (se as known; Normal-normal, or
    :math:`N(\\bar y, \\text{se}^2)` under FLAT) or ``"estimated"`` (t under FLAT, else
    :class:`MeanPosterior`)."""
    if sigma == "known":
        if isinstance(prior, FlatPrior):
            return Normal(arm.mean, arm.standard_error)
        return update(prior, arm.as_normal_data())
    if isinstance(prior, FlatPrior):
        return StudentT(arm.n - 1, arm.mean, arm.sd / math.sqrt(arm.n))
    return MeanPosterior(prior, arm.mean, arm.sd, arm.n)


def contrasts(post_t, post_c, names) -> dict:
    """Quantity name -> exact posterior for each contrast in ``names`` (see :data:`CONTRASTS`);
    vaccine efficacy is :math:`1 - ` the ratio, built on the same ratio distribution."""
    out, cache = {}, {}
    for name in names:
        measure, one_minus = CONTRASTS[name]
        if measure not in cache:
            cache[measure] = compare(post_t, post_c, measure)
        out[name] = OneMinus(cache[measure]) if one_minus else cache[measure]
    return out


# --- event rates: the case-split and log-linear models ---------------------------------------------
def case_split_share(prior: CaseSplitPrior, data):
    """The posterior of the treatment's share of the cases: the prior updated by
    :math:`y_1` of :math:`y_1 + y_2` (the prior itself when there are no cases)."""
    total = data.treatment.events + data.control.events
    return prior.share if total == 0 else update(prior.share, Binary(data.treatment.events, total))


def case_split_ratio(prior: CaseSplitPrior, data) -> CaseSplitRatio:
    """The posterior of the rate ratio in the case-split model."""
    return CaseSplitRatio(case_split_share(prior, data), data.exposure_ratio)


def as_pre_post(data) -> PrePostRates:
    """Two-arm rates as the rates kinds' record: control as ``before``, treatment as
    ``after``, so that their rate ratio (after over before) is treatment over control."""
    return PrePostRates(before=data.control, after=data.treatment)


def log_linear_ratio(prior, data, label: str = "") -> LogScalePosterior:
    """The posterior of the rate ratio under a Normal prior on log RR and a Gamma prior on the
    control rate (the rates kinds' log-linear model, by quadrature)."""
    return log_linear_posterior(prior, as_pre_post(data), label=label)


__all__ = [
    "CONTRASTS",
    "StudentT",
    "MeanPosterior",
    "arm_posteriors",
    "normal_arm_posterior",
    "contrasts",
    "case_split_share",
    "case_split_ratio",
    "as_pre_post",
    "log_linear_ratio",
]
