"""Mixture priors: Normal-data conjugate updating, HalfCauchy, checked against integration."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from bayes_trials.conjugate import update
from bayes_trials.data import Binary, NormalData, Rate
from bayes_trials.distributions import Beta, Gamma, HalfCauchy, Mixture, Normal, robustify
from bayes_trials.errors import DataError, PriorError


def _grid_posterior(prior, loglik, lo, hi):
    """Posterior mean and the mass of each component, by brute-force quadrature."""
    post = lambda t: float(prior.pdf(t)) * math.exp(loglik(t))  # noqa: E731
    z = integrate.quad(post, lo, hi, limit=400, epsabs=0, epsrel=1e-11)[0]
    mean = integrate.quad(lambda t: t * post(t), lo, hi, limit=400, epsabs=0, epsrel=1e-11)[0] / z
    masses = [
        w
        * integrate.quad(
            lambda t, c=c: float(c.pdf(t)) * math.exp(loglik(t)),
            lo,
            hi,
            limit=400,
            epsabs=0,
            epsrel=1e-11,
        )[0]
        / z
        for w, c in zip(prior.weights, prior.components)
    ]
    return mean, np.array(masses)


def test_normal_data_validation():
    assert NormalData(1.5, 0.3).se == 0.3
    with pytest.raises(DataError, match="se"):
        NormalData(1.0, 0.0)
    with pytest.raises(DataError, match="mean"):
        NormalData(float("nan"), 1.0)


def test_normal_update_single_is_precision_weighted():
    post = update(Normal(0, 2), NormalData(3.0, 1.0))
    # precision 1/4 + 1 = 1.25; mean (0/4 + 3/1) / 1.25 = 2.4
    assert post.mean == pytest.approx(2.4, rel=1e-12)
    assert post.sd == pytest.approx(1.25**-0.5, rel=1e-12)


def test_normal_mixture_update_vs_quadrature():
    prior = robustify(Normal(1.0, 0.5), 0.2, mean=0.0, sigma=3.0)
    data = NormalData(2.2, 0.6)
    post = update(prior, data)
    mean, masses = _grid_posterior(prior, lambda t: stats.norm.logpdf(2.2, t, 0.6), -30, 30)
    assert post.mean == pytest.approx(mean, abs=1e-9)
    np.testing.assert_allclose(post.w, masses, atol=1e-9)
    # weights follow the marginal N(m, s^2 + se^2)
    lik = np.array([stats.norm.pdf(2.2, c.mean, math.hypot(c.sd, 0.6)) for c in prior.components])
    np.testing.assert_allclose(post.w, prior.w * lik / np.dot(prior.w, lik), rtol=1e-12)


def test_beta_and_gamma_mixture_updates_vs_quadrature():
    prior = Mixture([Beta(61, 14), Beta(1, 1)], [0.8, 0.2])
    post = update(prior, Binary(9, 12))
    mean, masses = _grid_posterior(prior, lambda t: stats.binom.logpmf(9, 12, t), 0, 1)
    assert post.mean == pytest.approx(mean, abs=1e-9)
    np.testing.assert_allclose(post.w, masses, atol=1e-9)
    gprior = Mixture([Gamma(20, 4), Gamma(5, 1)], [0.5, 0.5])
    gpost = update(gprior, Rate(12, 1.5))
    mean, masses = _grid_posterior(gprior, lambda t: stats.poisson.logpmf(12, t * 1.5), 0, 60)
    assert gpost.mean == pytest.approx(mean, abs=1e-8)
    np.testing.assert_allclose(gpost.w, masses, atol=1e-9)


def test_update_family_mismatch():
    with pytest.raises(PriorError):
        update(Beta(1, 1), NormalData(0.0, 1.0))
    with pytest.raises(PriorError):
        update(Normal(0, 1), Binary(1, 2))


def test_half_cauchy():
    hc = HalfCauchy(0.5)
    x = np.array([0.1, 0.5, 2.0, 10.0])
    np.testing.assert_allclose(hc.cdf(x), 2 / np.pi * np.arctan(x / 0.5), rtol=1e-12)
    np.testing.assert_allclose(hc.pdf(x), 2 / (np.pi * 0.5 * (1 + (x / 0.5) ** 2)), rtol=1e-12)
    assert hc.median == pytest.approx(0.5)
    assert repr(hc) == "HalfCauchy(scale=0.5)"
    draws = hc.rvs(200_000, seed=3)
    assert np.mean(draws <= 0.5) == pytest.approx(0.5, abs=0.005)
    with pytest.raises(PriorError, match="scale"):
        HalfCauchy(0)
