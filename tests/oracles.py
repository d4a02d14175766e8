"""Independent oracles shared by test modules: scipy quadrature, no toolkit code."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, stats
from scipy.special import gammaln


def robust_normal_logpdf(mean: float, sd: float, w: float):
    """The log density of (1 - w) N(mean, sd) + w N(mean, sqrt 2) on the log rate ratio
    (the unit-information robust component), as a function of theta."""
    comp, wide = stats.norm(mean, sd), stats.norm(mean, math.sqrt(2.0))

    def log_prior(t):
        if w == 0:
            return comp.logpdf(t)
        return np.logaddexp(np.log(1 - w) + comp.logpdf(t), np.log(w) + wide.logpdf(t))

    return log_prior


def quad_log_rr(data, log_prior, r):
    """P(RR < r) and E[RR] under the log-linear model with baseline Gamma(1/2, 1e-6).

    The baseline rate is integrated out by hand: with a = 1/2, b = 1e-6,
    p(y | theta) ∝ e^{theta y_a} / (b + E_b + e^theta E_a)^(y_a + y_b + a); then quad over theta.
    """
    y_b, e_b, y_a, e_a = (
        data.before.events,
        data.before.exposure,
        data.after.events,
        data.after.exposure,
    )
    a, b = 0.5, 1e-6

    def log_lik(t):
        return (
            t * y_a - (y_a + y_b + a) * np.log(b + e_b + np.exp(t) * e_a) + gammaln(y_a + y_b + a)
        )

    mode = optimize.minimize_scalar(
        lambda t: -(log_lik(t) + log_prior(t)), bounds=(-10, 10), method="bounded"
    ).x
    c = log_lik(mode) + log_prior(mode)
    dens = lambda t: np.exp(log_lik(t) + log_prior(t) - c)  # noqa: E731
    lo, hi = mode - 30, mode + 30
    kw = dict(epsabs=0, epsrel=1e-10, limit=400, points=[mode])
    z = integrate.quad(dens, lo, hi, **kw)[0]
    below = integrate.quad(dens, lo, math.log(r), epsabs=0, epsrel=1e-10, limit=400)[0] / z
    mean = integrate.quad(lambda t: np.exp(t) * dens(t), lo, hi, **kw)[0] / z
    return below, mean
