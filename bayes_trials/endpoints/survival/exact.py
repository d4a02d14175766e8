"""Exact posteriors of the exponential model's estimands: monotone functions of a Gamma hazard.

Under a constant hazard :math:`\\lambda` with posterior :math:`\\text{Gamma}(s', r')` (or a
mixture of Gammas; :func:`bayes_trials.update` with :class:`~bayes_trials.TimeToEvent`
data), every estimand is a strictly decreasing function :math:`g(\\lambda)`:

.. math::

    S(t^*) = e^{-\\lambda t^*}, \\qquad
    \\text{RMST}(\\tau) = \\int_0^\\tau e^{-\\lambda t}\\,dt = \\frac{1 - e^{-\\lambda\\tau}}{\\lambda},
    \\qquad \\text{median} = \\frac{\\log 2}{\\lambda},

so its quantiles are the transformed Gamma quantiles, :math:`q_p(g(\\lambda)) =
g(q_{1-p}(\\lambda))`, and its cdf is :math:`P(g(\\lambda) \\le x) = P(\\lambda \\ge g^{-1}(x))`
(:class:`MonotoneTransform`). Means and sds: :math:`E\\,e^{-\\lambda t} = (r/(r+t))^s` (the
Gamma's Laplace transform), :math:`E\\,\\lambda^{-1} = r/(s-1)` and
:math:`E\\,\\lambda^{-2} = r^2/((s-1)(s-2))` (infinite for :math:`s \\le 1`, :math:`s \\le 2`),
and the RMST's by adaptive quadrature against the Gamma density. The hazard ratio of two
groups with independent Gamma posteriors is a scaled beta-prime (F) distribution
(:class:`~bayes_trials.distributions.derived.RateRatioPosterior`).

References
----------
Ibrahim JG, Chen M-H, Sinha D. Bayesian Survival Analysis, section 2.1. Springer 2001.
doi:10.1007/978-1-4757-3447-8
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize

from ...distributions import Distribution, components_of
from ...distributions.derived import ratio_of_rates


class MonotoneTransform(Distribution):
    """The distribution of :math:`g(\\lambda)` for a strictly monotone :math:`g`.

    Parameters
    ----------
    base : Distribution
        The distribution of :math:`\\lambda` (a Gamma or a Gamma mixture).
    g, g_inv, g_prime : callable
        The transform, its inverse and its derivative (vectorised).
    decreasing : bool
        Whether :math:`g` decreases (then :math:`P(g(\\lambda) \\le x) = P(\\lambda \\ge g^{-1}(x))`).
    mean, sd : float
        Moments of :math:`g(\\lambda)`, computed by the caller in closed form or by quadrature.
    support : (float, float)
    label : str

    Example
    -------
    >>> import bayes_trials as bt
    >>> s12 = survival_at(bt.Gamma(1.0, 120.0), 12.0)   # S(12) = exp(-12 lambda): Beta(10, 1)
    >>> round(float(s12.cdf(0.9)), 6), round(0.9 ** 10, 6)
    (0.348678, 0.348678)
    """

    family = "transformed"

    def __init__(
        self,
        base,
        g,
        g_inv,
        g_prime,
        *,
        decreasing: bool,
        mean: float,
        sd: float,
        support=(0.0, np.inf),
        label: str = "",
    ):
        self.base, self._g, self._g_inv, self._g_prime = base, g, g_inv, g_prime
        self.decreasing = bool(decreasing)
        self._mean, self._sd = float(mean), float(sd)
        self.support = tuple(support)
        self.label = label

    @property
    def mean(self) -> float:
        return self._mean

    @property
    def sd(self) -> float:
        return self._sd

    def _lam(self, x):
        x = np.asarray(x, dtype=float)
        lo, hi = self.support
        inside = (x > lo) & (x < hi)
        placeholder = 0.5 * (lo + hi) if np.isfinite(hi) else lo + 1.0  # any point inside
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = self._g_inv(np.where(inside, x, placeholder))
        return x, inside, lam

    def cdf(self, x):
        x, inside, lam = self._lam(x)
        below = self.base.sf(lam) if self.decreasing else self.base.cdf(lam)
        out = np.where(inside, below, np.where(x >= self.support[1], 1.0, 0.0))
        return out if out.ndim else float(out)

    def sf(self, x):
        x, inside, lam = self._lam(x)
        above = self.base.cdf(lam) if self.decreasing else self.base.sf(lam)
        out = np.where(inside, above, np.where(x >= self.support[1], 0.0, 1.0))
        return out if out.ndim else float(out)

    def pdf(self, x):
        x, inside, lam = self._lam(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = self.base.pdf(lam) / np.abs(self._g_prime(lam))
        out = np.where(inside, dens, 0.0)
        return out if out.ndim else float(out)

    def logpdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def ppf(self, q):
        q = np.asarray(q, dtype=float)
        out = np.asarray(
            self._g(np.asarray(self.base.ppf(1 - q if self.decreasing else q), dtype=float))
        )
        return out if out.ndim else float(out)

    def rvs(self, size=None, seed=None):
        return self._g(np.asarray(self.base.rvs(size=size, seed=seed), dtype=float))

    def __repr__(self) -> str:
        return f"{self.label or 'g'}({self.base!r})"


def survival_at(post, t: float) -> MonotoneTransform:
    """Posterior of :math:`S(t) = e^{-\\lambda t}`; mean and sd from the Laplace transform.

    >>> import bayes_trials as bt
    >>> round(survival_at(bt.Gamma(2.0, 30.0), 12.0).mean, 6), round((30 / 42) ** 2, 6)
    (0.510204, 0.510204)
    """
    t = float(t)
    w, comps = components_of(post)
    m1 = sum(wk * (c.rate / (c.rate + t)) ** c.shape for wk, c in zip(w, comps))
    m2 = sum(wk * (c.rate / (c.rate + 2 * t)) ** c.shape for wk, c in zip(w, comps))
    return MonotoneTransform(
        post,
        lambda x: np.exp(-x * t),
        lambda s: -np.log(s) / t,
        lambda x: -t * np.exp(-x * t),
        decreasing=True,
        mean=m1,
        sd=math.sqrt(max(m2 - m1**2, 0.0)),
        support=(0.0, 1.0),
        label=f"S({t:g})",
    )


def _rmst(x, tau):
    """:math:`(1 - e^{-x\tau})/x`, and its limit :math:`\tau` at :math:`x = 0`."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, -np.expm1(-x * tau) / x, tau)
    return out if out.ndim else float(out)


def _rmst_inverse(y, tau):
    """The hazard whose RMST to ``tau`` is ``y`` (0 < y < tau), by Brent's method in a bracket:
    :math:`g(\\lambda) > \\tau - \\lambda\\tau^2/2` gives :math:`g((\\tau - y)/\\tau^2) > y`,
    and :math:`g(1/y) = y (1 - e^{-\\tau/y}) < y`."""
    y = np.asarray(y, dtype=float)
    out = np.empty(y.shape)
    for i, yi in np.ndenumerate(y):
        lo, hi = (tau - yi) / tau**2, 1.0 / yi
        out[i] = optimize.brentq(
            lambda x, yi=yi: _rmst(x, tau) - yi, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps
        )
    return out if out.ndim else float(out)


def _quad_moments(post, f) -> tuple[float, float]:
    """Mean and sd of :math:`f(\\lambda)` by adaptive quadrature over each component's
    central :math:`1 - 2\\cdot 10^{-12}` range."""
    w, comps = components_of(post)
    m1 = m2 = 0.0
    for wk, c in zip(w, comps):
        lo, hi = c.ppf(1e-12), c.ppf(1 - 1e-12)
        m1 += wk * integrate.quad(lambda x, c=c: f(x) * c.pdf(x), lo, hi, limit=200)[0]
        m2 += wk * integrate.quad(lambda x, c=c: f(x) ** 2 * c.pdf(x), lo, hi, limit=200)[0]
    return m1, math.sqrt(max(m2 - m1**2, 0.0))


def rmst_to(post, tau: float) -> MonotoneTransform:
    """Posterior of :math:`\\text{RMST}(\\tau) = (1 - e^{-\\lambda\\tau})/\\lambda`.

    >>> import bayes_trials as bt
    >>> d = rmst_to(bt.Gamma(20.0, 400.0), 24.0)
    >>> round(float(d.ppf(0.5)), 6) == round(float(_rmst(bt.Gamma(20.0, 400.0).ppf(0.5), 24.0)), 6)
    True
    """
    tau = float(tau)

    def g_prime(x):
        return (tau * x * np.exp(-x * tau) + np.expm1(-x * tau)) / x**2

    mean, sd = _quad_moments(post, lambda x: _rmst(x, tau))
    return MonotoneTransform(
        post,
        lambda x: _rmst(x, tau),
        lambda y: _rmst_inverse(y, tau),
        g_prime,
        decreasing=True,
        mean=mean,
        sd=sd,
        support=(0.0, tau),
        label=f"RMST({tau:g})",
    )


def median_of(post) -> MonotoneTransform:
    """Posterior of the median survival :math:`\\log 2/\\lambda`; its mean is infinite when a
    component has shape :math:`\\le 1`, its sd when one has shape :math:`\\le 2`.

    >>> import bayes_trials as bt
    >>> round(median_of(bt.Gamma(5.0, 60.0)).mean, 6), round(math.log(2) * 60 / 4, 6)
    (10.397208, 10.397208)
    """
    w, comps = components_of(post)
    m1 = sum(wk * (c.rate / (c.shape - 1) if c.shape > 1 else np.inf) for wk, c in zip(w, comps))
    m2 = sum(
        wk * (c.rate**2 / ((c.shape - 1) * (c.shape - 2)) if c.shape > 2 else np.inf)
        for wk, c in zip(w, comps)
    )
    ln2 = math.log(2)
    sd = ln2 * math.sqrt(m2 - m1**2) if np.isfinite(m2) else float("inf")

    def g(x):
        with np.errstate(divide="ignore"):
            return ln2 / np.asarray(x)

    return MonotoneTransform(
        post,
        g,
        lambda m: ln2 / m,
        lambda x: -ln2 / x**2,
        decreasing=True,
        mean=ln2 * m1,
        sd=sd,
        label="median",
    )


def hazard_ratio(post_other, post_reference):
    """Posterior of :math:`\\lambda_1/\\lambda_0` for independent Gamma (mixture) posteriors:
    :math:`\\frac{s_1' r_0'}{s_0' r_1'} F(2 s_1', 2 s_0')` for single Gammas, a mixture of them
    over pairs of components otherwise.

    >>> import bayes_trials as bt
    >>> from scipy import stats
    >>> hr = hazard_ratio(bt.Gamma(9.5, 359.0), bt.Gamma(21.5, 182.0))
    >>> f = stats.f(19, 43, scale=(9.5 * 182.0) / (21.5 * 359.0))
    >>> round(float(hr.ppf(0.975)), 8) == round(float(f.ppf(0.975)), 8)
    True
    """
    return ratio_of_rates(post_other, post_reference)
