"""Distributions: each property against scipy, numerical integration or brute force."""

import numpy as np
import pytest
from scipy import integrate, stats

import bayes_trials as bt
from bayes_trials.errors import PriorError


def test_beta_from_mean_ess_matches_definition():
    prior = bt.Beta.from_mean_ess(0.39, 9)
    assert prior.a == pytest.approx(0.39 * 9) and prior.b == pytest.approx(0.61 * 9)
    assert prior.mean == pytest.approx(0.39)
    assert bt.ess(prior) == pytest.approx(9.0)


@pytest.mark.parametrize(
    "dist,ref",
    [
        (bt.Beta(3.51, 5.49), stats.beta(3.51, 5.49)),
        (bt.Gamma(2.5, 4.0), stats.gamma(2.5, scale=0.25)),
        (bt.Normal(-0.3, 0.7), stats.norm(-0.3, 0.7)),
        (bt.HalfNormal(1.0), stats.halfnorm(scale=1.0)),
    ],
)
def test_moments_and_functions_agree_with_scipy(dist, ref):
    x = ref.ppf([0.1, 0.5, 0.9])
    np.testing.assert_allclose(dist.pdf(x), ref.pdf(x))
    np.testing.assert_allclose(dist.cdf(x), ref.cdf(x))
    np.testing.assert_allclose(dist.sf(x), ref.sf(x))
    np.testing.assert_allclose(dist.ppf([0.1, 0.5, 0.9]), x)
    assert dist.mean == pytest.approx(ref.mean()) and dist.sd == pytest.approx(ref.std())


def test_hdi_is_the_shortest_interval_by_brute_force():
    dist = bt.Beta(4, 11)
    lo, hi = dist.interval(0.95, "hdi")
    # brute force over a grid of lower tail probabilities
    p = np.linspace(0, 0.05, 20001)
    widths = dist.ppf(p + 0.95) - dist.ppf(p)
    best = p[np.argmin(widths)]
    # the grid step (2.5e-6 in probability) limits the brute force to about 1e-5 in theta
    assert lo == pytest.approx(dist.ppf(best), abs=1e-5)
    assert hi == pytest.approx(dist.ppf(best + 0.95), abs=1e-5)
    # at the HDI ends the density is equal (unimodal density)
    assert dist.pdf(lo) == pytest.approx(dist.pdf(hi), rel=1e-4)


def test_hdi_of_j_shaped_posterior_reaches_the_boundary():
    dist = bt.Beta(10, 1)  # 9/9 under a uniform prior: density increasing, mode at 1
    lo, hi = dist.interval(0.95, "hdi")
    assert hi == pytest.approx(1.0)
    assert lo == pytest.approx(0.05 ** (1 / 10))  # P(theta > lo) = 1 - lo^10 = 0.95


def test_mixture_cdf_is_the_integral_of_its_pdf_and_ppf_inverts_it():
    mix = bt.Mixture([bt.Beta(3.51, 5.49), bt.Beta(1, 1)], [0.8, 0.2])
    for x in (0.2, 0.39, 0.7):
        integral, _ = integrate.quad(mix.pdf, 0, x)
        assert mix.cdf(x) == pytest.approx(integral, abs=1e-10)
    q = mix.ppf(np.array([0.025, 0.5, 0.975]))
    np.testing.assert_allclose(mix.cdf(q), [0.025, 0.5, 0.975], atol=1e-10)
    mean, _ = integrate.quad(lambda t: t * mix.pdf(t), 0, 1)
    assert mix.mean == pytest.approx(mean, rel=1e-10)
    var, _ = integrate.quad(lambda t: (t - mean) ** 2 * mix.pdf(t), 0, 1)
    assert mix.sd == pytest.approx(np.sqrt(var), rel=1e-8)


def test_mixture_draws_have_its_moments():
    mix = bt.Mixture([bt.Beta(3.51, 5.49), bt.Beta(20, 2)], [0.6, 0.4])
    draws = mix.rvs(200_000, seed=1)
    assert draws.mean() == pytest.approx(mix.mean, abs=4 * mix.sd / np.sqrt(200_000))
    assert draws.std() == pytest.approx(mix.sd, rel=0.01)


def test_robustify_adds_a_uniform_component_for_beta_priors():
    rob = bt.robustify(bt.Beta(3.51, 5.49), 0.2)
    assert rob.weights == pytest.approx((0.8, 0.2))
    assert rob.components[1] == bt.Beta(1, 1)
    with pytest.raises(PriorError, match="sigma"):
        bt.robustify(bt.Normal(0, 1), 0.2)


@pytest.mark.parametrize(
    "make,field",
    [
        (lambda: bt.Beta(0, 1), "a"),
        (lambda: bt.Beta(1, -2), "b"),
        (lambda: bt.Beta(np.nan, 1), "a"),
        (lambda: bt.Gamma(1, 0), "rate"),
        (lambda: bt.Normal(0, 0), "sd"),
        (lambda: bt.Beta.from_mean_ess(1.2, 5), "mean"),
        (lambda: bt.Mixture([bt.Beta(1, 1), bt.Gamma(1, 1)], [0.5, 0.5]), "components"),
        (lambda: bt.Mixture([bt.Beta(1, 1), bt.Beta(2, 2)], [0.5, 0.6]), "weights"),
        (lambda: bt.Mixture([], []), "components"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(make, field):
    with pytest.raises(PriorError) as err:
        make()
    assert err.value.field == field


def test_robustify_with_a_mean_uses_two_pseudo_observations_as_rbest():
    # RBesT robustify(): the vague Beta has mean `mean` and n + 1 = 2 pseudo-observations,
    # so that mean = 1/2 gives the uniform Beta(1, 1)
    rob = bt.robustify(bt.Beta(61, 14), 0.2, mean=0.5)
    assert rob.components[1] == bt.Beta(1, 1)
    rob = bt.robustify(bt.Beta(61, 14), 0.2, mean=0.3)
    assert rob.components[1] == bt.Beta(0.6, 1.4)
