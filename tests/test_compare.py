"""Contrasts of two independent parameters (bayes_trials.compare), each against an independent
computation: closed forms (normal difference, beta-prime ratio of Gammas), Evan Miller's exact
finite sum for P(theta1 > theta2) of two Betas, two-dimensional integration of the joint
density with scipy.integrate.dblquad, and Monte Carlo (stated tolerances).

Published numbers: Polack FP et al. N Engl J Med 2020;383:2603-2615 (doi:10.1056/NEJMoa2034577),
Table 2 and abstract: 8 cases in 2.214 thousand person-years (BNT162b2) vs 162 in 2.222
(placebo); prior Beta(0.700102, 1) on the case split; vaccine efficacy 95.0% (95% credible
interval 90.3 to 97.6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import betaln, logsumexp

from bayes_trials import Beta, Gamma, Mixture, Normal, compare
from bayes_trials.compare import CaseSplitRatio, Contrast, OneMinus, odds_moment, raw_moment
from bayes_trials.distributions.derived import RateRatioPosterior, ratio_of_rates
from bayes_trials.errors import PriorError

#: the absolute error the issue asks of every exact contrast quantity
ABS_TOL = 1e-6


def miller_prob_greater(a1, b1, a2, b2) -> float:
    """P(theta1 > theta2) for theta1 ~ Beta(a1, b1), theta2 ~ Beta(a2, b2), a1 an integer:
    sum_{i<a1} B(a2 + i, b2 + b1) / ((b1 + i) B(1 + i, b1) B(a2, b2)) (Evan Miller, "Formulas
    for Bayesian A/B testing", 2015; a finite sum, no quadrature)."""
    i = np.arange(int(a1))
    terms = betaln(a2 + i, b2 + b1) - np.log(b1 + i) - betaln(1 + i, b1) - betaln(a2, b2)
    return float(np.exp(logsumexp(terms)))


def beta_density(dist):
    """The density of a Beta (mixture) at a scalar, written out (scipy's per-call overhead
    would dominate a two-dimensional quadrature)."""
    comps = dist.components if isinstance(dist, Mixture) else (dist,)
    weights = dist.weights if isinstance(dist, Mixture) else (1.0,)
    parts = [(w, c.a - 1, c.b - 1, betaln(c.a, c.b)) for w, c in zip(weights, comps)]

    def pdf(t):
        if not 0 < t < 1:
            return 0.0
        lt, l1t = math.log(t), math.log1p(-t)
        return sum(w * math.exp(a * lt + b * l1t - lb) for w, a, b, lb in parts)

    return pdf


def dblquad_cdf(d1, d2, measure, x) -> float:
    """P(g(theta1, theta2) <= x) by two-dimensional adaptive quadrature of the joint density
    over {theta1 <= h(x, theta2)} (scipy.integrate.dblquad), on (0, 1)^2."""
    p1, p2 = beta_density(d1), beta_density(d2)

    def h(t2):
        if measure == "difference":
            return min(max(t2 + x, 0.0), 1.0)
        if measure == "ratio":
            return min(x * t2, 1.0)
        o = x * t2 / (1 - t2)
        return o / (1 + o)

    val, _ = integrate.dblquad(
        lambda t1, t2: p1(t1) * p2(t2), 0, 1, 0, h, epsabs=1e-10, epsrel=1e-10
    )
    return float(val)


BETA_CASES = [
    (Beta(10, 4), Beta(40, 17)),
    (Beta(3, 9), Beta(2.5, 30)),
    (Mixture([Beta(12, 30), Beta(1, 1)], [0.8, 0.2]), Beta(5, 15)),
    (Beta(0.5, 20.5), Beta(6.5, 15.5)),  # a zero-event treatment arm under the Jeffreys prior
]


@pytest.mark.parametrize("d1, d2", BETA_CASES)
@pytest.mark.parametrize("measure", ["difference", "ratio", "odds_ratio"])
def test_beta_contrast_cdf_against_two_dimensional_integration(d1, d2, measure):
    c = Contrast(d1, d2, measure)
    probes = {
        "difference": [-0.3, 0.0, 0.1],
        "ratio": [0.1, 0.8, 2.5],
        "odds_ratio": [0.05, 0.8, 6.0],
    }[measure]
    for x in probes:
        ref = dblquad_cdf(d1, d2, measure, x)
        assert abs(float(c.cdf(x)) - ref) < ABS_TOL
        assert abs(float(c.sf(x)) - (1 - ref)) < ABS_TOL


@pytest.mark.parametrize(
    "a1, b1, a2, b2", [(10, 4, 40, 17), (3, 7.5, 9, 12), (1, 30, 4, 27), (25, 60, 18, 70)]
)
def test_prob_greater_equals_miller_sum_for_every_measure(a1, b1, a2, b2):
    # P(theta1 > theta2) = P(difference > 0) = P(ratio > 1) = P(odds ratio > 1)
    ref = miller_prob_greater(a1, b1, a2, b2)
    d1, d2 = Beta(a1, b1), Beta(a2, b2)
    assert abs(Contrast(d1, d2, "difference").sf(0.0) - ref) < 1e-9
    assert abs(Contrast(d1, d2, "ratio").sf(1.0) - ref) < 1e-9
    assert abs(Contrast(d1, d2, "odds_ratio").sf(1.0) - ref) < 1e-9


def test_normal_difference_quadrature_matches_the_closed_form():
    d1, d2 = Normal(0.5, 0.3), Normal(0.1, 0.4)
    c = Contrast(d1, d2, "difference")
    ref = stats.norm(0.4, 0.5)
    xs = np.array([-1.0, 0.0, 0.4, 0.9, 1.7])
    np.testing.assert_allclose(c.cdf(xs), ref.cdf(xs), atol=1e-10)
    np.testing.assert_allclose(c.pdf(xs), ref.pdf(xs), atol=1e-9)
    np.testing.assert_allclose(
        c.ppf([0.001, 0.025, 0.5, 0.975]), ref.ppf([0.001, 0.025, 0.5, 0.975]), atol=1e-8
    )
    assert (c.mean, c.sd) == pytest.approx((0.4, 0.5), abs=1e-12)
    # compare() returns the closed form itself
    closed = compare(d1, d2)
    assert (
        isinstance(closed, Normal)
        and closed.mean == pytest.approx(0.4)
        and closed.sd == pytest.approx(0.5)
    )


def test_normal_mixture_difference_closed_form_against_quadrature():
    d1 = Mixture([Normal(1.0, 0.5), Normal(-0.5, 1.5)], [0.7, 0.3])
    d2 = Normal(0.2, 0.6)
    closed, quad = compare(d1, d2), Contrast(d1, d2)
    assert isinstance(closed, Mixture)
    xs = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(closed.cdf(xs), quad.cdf(xs), atol=1e-10)


def test_gamma_ratio_quadrature_matches_the_scaled_beta_prime():
    d1, d2 = Gamma(8.5, 2214.0), Gamma(162.5, 2222.0)
    c = Contrast(d1, d2, "ratio")
    ref = RateRatioPosterior(after=d1, before=d2)
    xs = np.array([0.01, 0.03, 0.05, 0.08, 0.15])
    np.testing.assert_allclose(c.cdf(xs), ref.cdf(xs), atol=1e-12)
    np.testing.assert_allclose(c.pdf(xs), ref.pdf(xs), rtol=1e-8)
    q = np.array([1e-6, 0.025, 0.5, 0.975, 1 - 1e-6])
    np.testing.assert_allclose(c.ppf(q), ref.ppf(q), rtol=1e-9)
    assert c.mean == pytest.approx(ref.mean, rel=1e-12) and c.sd == pytest.approx(ref.sd, rel=1e-10)
    assert isinstance(compare(d1, d2, "ratio"), RateRatioPosterior)
    # Gamma mixtures: the mixture of beta-primes over pairs of components
    m1 = Mixture([Gamma(3, 10), Gamma(1, 1)], [0.6, 0.4])
    np.testing.assert_allclose(
        Contrast(m1, Gamma(20, 50), "ratio").cdf([0.2, 1.0, 3.0]),
        ratio_of_rates(m1, Gamma(20, 50)).cdf([0.2, 1.0, 3.0]),
        atol=1e-10,
    )


def test_ppf_inverts_cdf_in_both_tails():
    for c in (
        Contrast(Beta(10, 4), Beta(40, 17), "ratio"),
        Contrast(Beta(0.5, 100.5), Beta(0.5, 100.5), "odds_ratio"),
        Contrast(Mixture([Beta(12, 30), Beta(1, 1)], [0.8, 0.2]), Beta(5, 15), "difference"),
    ):
        q = np.array([1e-9, 0.025, 0.5, 0.975, 1 - 1e-7])
        x = c.ppf(q)
        assert np.all(np.diff(x) > 0)
        np.testing.assert_allclose(c.cdf(x), q, rtol=1e-8, atol=1e-14)


def test_pdf_integrates_to_the_cdf():
    c = Contrast(Beta(10, 4), Beta(40, 17), "odds_ratio")
    a, b = float(c.ppf(0.05)), float(c.ppf(0.9))
    mass, _ = integrate.quad(lambda x: float(c.pdf(x)), a, b, epsabs=1e-11)
    assert mass == pytest.approx(float(c.cdf(b) - c.cdf(a)), abs=1e-8)


def test_moments_closed_forms_against_monte_carlo():
    # 10^6 independent draws; 5 standard errors: a false failure rate of 6e-7 per comparison
    rng = np.random.default_rng(20251101)
    n = 10**6
    d1, d2 = Beta(10, 4), Beta(40, 17)
    for measure in ("ratio", "odds_ratio", "difference"):
        c = Contrast(d1, d2, measure)
        draws = c.rvs(size=n, seed=rng)
        assert abs(draws.mean() - c.mean) < 5 * draws.std() / math.sqrt(n)
        # the sd: the draws' sd has standard error about sd * sqrt((kurtosis - 1) / (4 n))
        kurt = stats.kurtosis(draws, fisher=False)
        assert abs(draws.std() - c.sd) < 5 * c.sd * math.sqrt((kurt - 1) / (4 * n))
    # closed forms of the arm moments against scipy
    assert raw_moment(Beta(3, 2), -1) == pytest.approx(
        stats.beta(3, 2).expect(lambda t: 1 / t), rel=1e-9
    )
    assert raw_moment(Gamma(3, 2), -2) == pytest.approx(
        stats.gamma(3, scale=0.5).expect(lambda t: t**-2), rel=1e-9
    )
    assert odds_moment(Beta(3, 4), 2) == pytest.approx(
        stats.beta(3, 4).expect(lambda t: (t / (1 - t)) ** 2), rel=1e-8
    )


def test_infinite_moments_are_reported_not_invented():
    # a control arm whose posterior has a <= 1 (0 events, Jeffreys prior): E[1/theta2] diverges
    c = Contrast(Beta(5.5, 10.5), Beta(0.5, 20.5), "ratio")
    assert c.mean == math.inf and c.sd == math.inf
    lo, hi = c.interval(0.95)
    assert 0 < lo < hi < math.inf and float(c.cdf(hi)) == pytest.approx(0.975, abs=1e-9)


def test_hdi_holds_its_mass_with_equal_densities_at_the_ends():
    c = Contrast(Beta(10, 4), Beta(40, 17), "ratio")
    lo, hi = c.interval(0.95, "hdi")
    assert float(c.cdf(hi) - c.cdf(lo)) == pytest.approx(0.95, abs=1e-8)
    assert float(c.pdf(lo)) == pytest.approx(float(c.pdf(hi)), rel=1e-3)
    elo, ehi = c.interval(0.95)
    assert hi - lo < ehi - elo


def test_one_minus_and_case_split_ratio_against_direct_formulas():
    share = Beta(8.700102, 163.0)
    k = 2.222 / 2.214
    rr = CaseSplitRatio(share, k)
    for r in (0.02, 0.05, 0.1):
        theta = r / (r + k)
        assert float(rr.cdf(r)) == pytest.approx(
            float(stats.beta.cdf(theta, 8.700102, 163.0)), abs=1e-14
        )
    mc = rr.rvs(size=400_000, seed=np.random.default_rng(3))
    assert abs(mc.mean() - rr.mean) < 5 * mc.std() / math.sqrt(mc.size)
    ve = OneMinus(rr)
    assert float(ve.cdf(0.9)) == pytest.approx(float(rr.sf(0.1)), abs=1e-15)
    assert float(ve.ppf(0.025)) == pytest.approx(1 - float(rr.ppf(0.975)), abs=1e-15)
    # Polack et al. 2020, abstract: 95% credible interval of vaccine efficacy 90.3 to 97.6 (%)
    lo, hi = ve.interval(0.95)
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (90.3, 97.6)
    # and "posterior probability (vaccine efficacy > 30%) > 0.9999" (Table 2)
    assert float(ve.sf(0.30)) > 0.9999


def test_bad_input_is_a_located_prior_error():
    with pytest.raises(PriorError, match="ratio needs two non-negative"):
        compare(Normal(0, 1), Normal(1, 1), "ratio")
    with pytest.raises(PriorError, match="odds ratio needs two probabilities"):
        compare(Gamma(1, 1), Gamma(1, 1), "odds_ratio")
    with pytest.raises(PriorError, match="measure"):
        compare(Beta(1, 1), Beta(1, 1), "hazard_ratio")
    with pytest.raises(PriorError, match="must be a distribution"):
        compare(0.3, Beta(1, 1))


def test_integration_with_a_singular_end_settles_by_tanh_sinh():
    from scipy.special import erf

    from bayes_trials._kernels import quadrature as qd

    # int_0^1 t^(-1/2) e^(-t) dt = sqrt(pi) erf(1): Gauss-Legendre cannot settle it (the
    # singularity at 0), tanh-sinh must, without scipy's quad
    calls = []
    original = qd.integrate.quad
    qd.integrate.quad = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        got = qd.integrate_pieces(lambda t: t**-0.5 * np.exp(-t), [0.0, 0.5, 1.0])
    finally:
        qd.integrate.quad = original
    assert got == pytest.approx(np.sqrt(np.pi) * erf(1.0), abs=1e-12)
    assert calls == []


@pytest.mark.parametrize("x", [-0.3, -0.2, -0.05, 0.1])
def test_density_of_a_difference_next_to_a_zero_event_jeffreys_arm(x):
    # 0/20 under Beta(1/2, 1/2): Beta(0.5, 20.5), a density infinite at 0; its difference with
    # Beta(5.5, 15.5) has a finite density, computed here in the singular arm's own variable
    # s = t + x (no cancellation next to the singularity) by scipy's quad with the algebraic
    # weight s^(-1/2) made explicit

    c = compare(Beta(0.5, 20.5), Beta(5.5, 15.5))
    g = lambda s: (1 - s) ** 19.5 * stats.beta.pdf(s - x, 5.5, 15.5) / np.exp(betaln(0.5, 20.5))  # noqa: E731
    ref = integrate.quad(g, 0, 1, weight="alg", wvar=(-0.5, 0), epsabs=1e-13, limit=400)[0]
    # the package integrates over the control value t, where h = t + x next to the singular
    # end loses digits to cancellation: ~3e-8 relative measured, promised 1e-6 absolute
    assert float(c.pdf(x)) == pytest.approx(ref, rel=1e-7)
