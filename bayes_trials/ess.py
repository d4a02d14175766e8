"""Effective sample size of a prior: how many patients' (or exposure units') worth it carries."""

from __future__ import annotations

import numpy as np
from scipy import integrate

from . import _validate as v
from .errors import PriorError
from .priors import Mixture, components_of

METHODS = ("elir", "moment")


def _fisher_unit(family: str, theta, sigma: float | None):
    """Fisher information of one observation: binomial, Poisson (unit exposure), normal."""
    if family == "beta":
        return 1.0 / (theta * (1.0 - theta))
    if family == "gamma":
        return 1.0 / theta
    return np.full_like(theta, 1.0 / sigma**2)


def _neg_d2_logpdf(comp, theta):
    """Minus the second derivative of one component's log density."""
    if comp.family == "beta":
        return (comp.a - 1) / theta**2 + (comp.b - 1) / (1 - theta) ** 2
    if comp.family == "gamma":
        return (comp.shape - 1) / theta**2
    return np.full_like(theta, 1.0 / comp.sd**2)


def _d_logpdf(comp, theta):
    if comp.family == "beta":
        return (comp.a - 1) / theta - (comp.b - 1) / (1 - theta)
    if comp.family == "gamma":
        return (comp.shape - 1) / theta - comp.rate
    return -(theta - comp.mean) / comp.sd**2


def _mixture_info(prior, theta):
    """-d^2/dtheta^2 log p(theta) for a mixture, from the components' derivatives."""
    w, comps = components_of(prior)
    dens = np.array([wk * c.pdf(theta) for wk, c in zip(w, comps)])
    total = dens.sum(axis=0)
    r = dens / np.where(total > 0, total, 1.0)
    d1 = np.array([_d_logpdf(c, theta) for c in comps])
    d2 = -np.array([_neg_d2_logpdf(c, theta) for c in comps])
    # (log sum w p)'' = sum r (l'' + l'^2) - (sum r l')^2
    second = (r * (d2 + d1**2)).sum(axis=0) - (r * d1).sum(axis=0) ** 2
    return -second


def ess(prior, method: str = "elir", sigma: float | None = None) -> float:
    """Effective sample size of a Beta, Gamma or Normal (mixture) prior.

    Parameters
    ----------
    prior : Beta, Gamma, Normal or Mixture
    method : {"elir", "moment"}
        ``"elir"`` (default): the expected local information ratio of Neuenschwander,
        Weber, Schmidli and O'Hagan (2020),
        :math:`\\text{ESS} = E_{p}\\left[ i_p(\\theta) / i_F(\\theta) \\right]`, with
        :math:`i_p = -\\frac{d^2}{d\\theta^2}\\log p(\\theta)` and :math:`i_F` the Fisher
        information of one observation (binomial :math:`1/(\\theta(1-\\theta))`, Poisson per
        unit exposure :math:`1/\\lambda`, normal :math:`1/\\sigma^2`). It is the only
        definition that is predictively consistent; for one Beta(a, b) it equals a + b.
        ``"moment"``: the ESS of the conjugate distribution with the same mean and sd.
    sigma : float, optional
        Sampling sd of one observation (Normal priors only).

    Returns
    -------
    float

    References
    ----------
    Neuenschwander B, Weber S, Schmidli H, O'Hagan A. Predictively consistent prior
    effective sample sizes. Biometrics 2020;76:578-587. doi:10.1111/biom.13252

    Example
    -------
    >>> from bayes_trials import Beta
    >>> round(ess(Beta(3.51, 5.49)), 6)
    9.0
    """
    v.one_of(method, METHODS, "method", PriorError)
    w, comps = components_of(prior)
    family = comps[0].family
    if family == "normal" and sigma is None:
        raise PriorError("the ESS of a Normal prior needs sigma, the sampling sd", field="sigma")
    if family == "normal" and sigma is not None:
        sigma = v.positive(sigma, "sigma", PriorError)
    if method == "moment":
        m, s = prior.mean, prior.sd
        if family == "beta":
            return float(m * (1 - m) / s**2 - 1)
        if family == "gamma":
            return float(m / s**2)
        return float(sigma**2 / s**2)
    if not isinstance(prior, Mixture) and family in ("beta", "gamma", "normal"):
        # closed forms of the ELIR for a single conjugate component
        if family == "beta":
            return float(prior.a + prior.b)
        if family == "gamma":
            return float(prior.rate)
        return float(sigma**2 / prior.sd**2)
    lo, hi = prior.support
    total = 0.0
    for wk, comp in zip(w, comps):
        if wk == 0:
            continue
        integrand = lambda t, c=comp: (  # noqa: E731
            c.pdf(t) * _mixture_info(prior, np.atleast_1d(t))[0] / _fisher_unit(family, t, sigma)
        )
        qlo, qhi = comp.ppf(1e-12), comp.ppf(1 - 1e-12)
        qlo, qhi = max(qlo, lo), min(qhi, hi)
        val, _ = integrate.quad(integrand, qlo, qhi, limit=200, epsabs=1e-10, epsrel=1e-8)
        total += wk * val
    return float(total)


__all__ = ["ess", "METHODS"]
