"""Exact updating against numerical integration of prior x likelihood."""

import numpy as np
import pytest
from scipy import integrate, stats

import bayes_trials as bt


def _posterior_by_quadrature(prior, loglik, lo, hi):
    """Normalising constant, mean and a cdf function of prior x likelihood, by quadrature."""
    f = lambda t: prior.pdf(t) * np.exp(loglik(t))  # noqa: E731
    z, _ = integrate.quad(f, lo, hi, limit=200, epsabs=1e-14)
    mean, _ = integrate.quad(lambda t: t * f(t), lo, hi, limit=200, epsabs=1e-14)
    cdf = lambda x: integrate.quad(f, lo, x, limit=200, epsabs=1e-14)[0] / z  # noqa: E731
    return mean / z, cdf


@pytest.mark.parametrize(
    "prior",
    [
        bt.Beta(1, 1),
        bt.Beta.from_mean_ess(0.39, 9),
        bt.Mixture([bt.Beta.from_mean_ess(0.39, 9), bt.Beta(1, 1)], [0.8, 0.2]),
    ],
)
@pytest.mark.parametrize("k,n", [(9, 9), (9, 12), (0, 12)])
def test_binomial_update_matches_quadrature(prior, k, n):
    post = bt.update(prior, bt.Binary(k, n))
    mean, cdf = _posterior_by_quadrature(prior, lambda t: stats.binom.logpmf(k, n, t), 0, 1)
    assert post.mean == pytest.approx(mean, rel=1e-7)
    for x in (0.39, 0.6):
        assert post.cdf(x) == pytest.approx(cdf(x), abs=1e-8)
    assert type(post) is type(prior)


def test_mixture_weights_follow_the_marginal_likelihoods():
    # Two components; the updated weight of the first is w1 m1 / (w1 m1 + w2 m2), with
    # m_j the beta-binomial marginal probability of the data (scipy.stats.betabinom).
    c1, c2 = bt.Beta(2, 8), bt.Beta(8, 2)
    post = bt.update(bt.Mixture([c1, c2], [0.5, 0.5]), bt.Binary(9, 12))
    m1 = stats.betabinom.pmf(9, 12, c1.a, c1.b)
    m2 = stats.betabinom.pmf(9, 12, c2.a, c2.b)
    assert post.weights[0] == pytest.approx(m1 / (m1 + m2), rel=1e-10)
    assert post.components[0] == bt.Beta(11, 11)


def test_gamma_poisson_update_matches_quadrature():
    prior = bt.Gamma(2.0, 1.5)
    data = bt.Rate(events=7, exposure=12.5)
    post = bt.update(prior, data)
    assert (post.shape, post.rate) == (9.0, 14.0)
    mean, cdf = _posterior_by_quadrature(
        prior, lambda lam: stats.poisson.logpmf(7, lam * 12.5), 0, 10
    )
    assert post.mean == pytest.approx(mean, rel=1e-7)
    assert post.cdf(0.5) == pytest.approx(cdf(0.5), abs=1e-8)
