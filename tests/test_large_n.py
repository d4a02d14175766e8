"""Exact computations at any n (issue 12): every fast path against an independent computation.

Independent oracles used here:
- exact rational arithmetic (``fractions.Fraction``) for beta-binomial pmfs with whole
  Beta parameters, where the pmf is a product of a few integers;
- brute-force enumeration over every count with scipy (n = 2000 and 20000), written out in
  this file the way the package did it before (one posterior per count, sums of pmfs);
- scipy closed forms (binomial and beta tails) and ``scipy.integrate.quad`` of a binomial
  tail against a Beta density (an integral that is not the one the package computes);
- at n = 1e9 (1e12 for boundaries), continuous limits: Y/n -> theta, so Box's p-value of
  the counts tends to that of the prior density at y/n (the error is O(1/n)), and normal
  approximations whose error is stated at each use.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import betaln, logsumexp

from bayes_trials import Beta, Binary, Gamma, Mixture, Rate, update
from bayes_trials._kernels.counts import (
    betabinom_cdf_sf,
    betabinom_logpmf,
    betabinom_ppf,
    binom_sf_many,
    first_true,
    last_true,
    lgamma_diff,
)
from bayes_trials.benchmarks import BenchmarkRate
from bayes_trials.decisions import (
    _pp,
    calibrate_threshold,
    decision,
    decision_boundary,
    interim_futility_oc,
    operating_characteristics,
)
from bayes_trials.distributions import components_of
from bayes_trials.errors import DataError
from bayes_trials.predictive import (
    _box_enumerated,
    _box_regions,
    predictive,
    predictive_probability,
    prior_data_conflict,
)

ROBUST = Mixture([Beta(30, 9), Beta(1, 1)], [0.8, 0.2])
PRIORS = {
    "beta": Beta(2, 3),
    "robust": ROBUST,
    "u-shaped": Beta(0.5, 0.5),
    "bimodal": Mixture([Beta(20, 80), Beta(80, 20)], [0.5, 0.5]),
    "informative": Beta(700, 300),
}


def exact_bb_pmf(k: int, n: int, a: int, b: int) -> Fraction:
    """BetaBin(n, a, b) pmf at k for whole a, b: C(n,k) B(a+k, b+n-k) / B(a, b) as a fraction."""
    num = math.prod(k + i for i in range(1, a)) * math.prod(n - k + i for i in range(1, b))
    den = math.prod(n + i for i in range(1, a + b))
    return Fraction(
        num * math.factorial(a + b - 1), den * math.factorial(a - 1) * math.factorial(b - 1)
    )


def log_fraction(f: Fraction) -> float:
    def ln(z: int) -> float:
        shift = max(z.bit_length() - 60, 0)
        return math.log(z >> shift) + shift * math.log(2)

    return ln(f.numerator) - ln(f.denominator)


def mixture_pmf_scipy(prior, n):
    w, comps = components_of(prior)
    ks = np.arange(n + 1)
    return sum(wk * stats.betabinom.pmf(ks, n, c.a, c.b) for wk, c in zip(w, comps))


# ------------------------------------------------------------------ searches and special functions


def test_bisection_with_and_without_guess_matches_a_scan():
    rng = np.random.default_rng(12)
    for _ in range(3000):
        lo = int(rng.integers(-5, 6))
        hi = lo + int(rng.integers(-2, 70))
        cut = int(rng.integers(lo - 3, hi + 4))
        guess = [None, float(rng.integers(lo - 10, hi + 11)), math.nan][int(rng.integers(0, 3))]
        scan = next((k for k in range(lo, hi + 1) if k >= cut), hi + 1)
        assert first_true(lambda k, c=cut: k >= c, lo, hi, guess) == scan
        scan_last = max((k for k in range(lo, hi + 1) if k <= cut), default=lo - 1)
        assert last_true(lambda k, c=cut: k <= c, lo, hi, guess) == scan_last


@pytest.mark.parametrize("x", [0.5, 14.0, 15.0, 1e3, 1e9, 1e12, 2.0**53])
def test_lgamma_diff_against_sums_of_logs(x):
    # ln G(x + d) - ln G(x) = sum_{i < d} ln(x + i) for whole d
    for d in (1, 2, 7, 40):
        assert lgamma_diff(x, d) == pytest.approx(
            math.fsum(math.log(x + i) for i in range(d)), abs=1e-13, rel=1e-14
        )


@pytest.mark.parametrize("n", [2000, 10**9, 10**12])
def test_betabinom_logpmf_against_exact_fractions(n):
    for a, b in [(2, 3), (5, 7), (300, 700)]:
        for k in (0, 1, n // 100, n // 3, n // 2, n - 1, n):
            exact = log_fraction(exact_bb_pmf(k, n, a, b))
            got = float(betabinom_logpmf(k, n, [1.0], [a], [b]))
            assert got == pytest.approx(exact, abs=1e-11 * max(1.0, abs(exact)))


def test_betabinom_cdf_against_exact_fractions_at_2000():
    n, a, b = 2000, 2, 3
    cum, cdf = Fraction(0), {}
    for k in range(n + 1):
        cum += exact_bb_pmf(k, n, a, b)
        cdf[k] = cum
    for j in (0, 3, 100, 666, 1000, 1500, 1990, 1999):
        c, s = betabinom_cdf_sf(j, n, [1.0], [a], [b])
        assert c == pytest.approx(float(cdf[j]), abs=1e-13)
        assert s == pytest.approx(float(1 - cdf[j]), abs=1e-13)


@pytest.mark.parametrize("name", list(PRIORS))
def test_betabinom_cdf_against_enumeration_at_20000(name):
    n = 20_000
    w, comps = components_of(PRIORS[name])
    pmf = mixture_pmf_scipy(PRIORS[name], n)
    # scipy's betabinom pmf itself carries ~3e-11 relative rounding at n = 20000
    for j in (0, 10, n // 5, n // 3, n // 2, 4 * n // 5, n - 10, n - 1):
        c, s = betabinom_cdf_sf(j, n, w, [x.a for x in comps], [x.b for x in comps])
        assert c == pytest.approx(pmf[: j + 1].sum(), abs=1e-10)
        assert s == pytest.approx(pmf[j + 1 :].sum(), abs=1e-10)


@pytest.mark.parametrize("n", [10**9, 10**12])
def test_betabinom_cdf_at_huge_n_against_quad_of_binomial_cdf(n):
    # P(Y <= j) = int Beta(t; a, b) P(Bin(n, t) <= j) dt, by adaptive quadrature of the
    # binomial cdf itself (the package integrates a Beta density against Beta cdfs instead)
    for w, a, b, frac in [
        ([1.0], [2.0], [3.0], 0.3),
        ([1.0], [0.37 * n], [0.63 * n], 0.37),
        ([0.8, 0.2], [30.0, 1.0], [9.0, 1.0], 0.7),
    ]:
        j = int(frac * n)
        c, s = betabinom_cdf_sf(j, n, w, a, b)
        # the stated accuracy: 1e-12, or 1e-16 sqrt(n) when float64's resolution of the
        # integration variable limits it (measured 2.4e-11 at n = 1e12)
        tol = 4 * max(1e-12, 1e-16 * math.sqrt(n))
        assert c + s == pytest.approx(1.0, abs=tol)
        sd = math.sqrt(frac * (1 - frac) / n)
        ref = 0.0
        for wi, ai, bi in zip(w, a, b):
            lo, hi = stats.beta.ppf([1e-14, 1 - 1e-14], ai, bi)
            pts = [p for p in (frac - 10 * sd, frac, frac + 10 * sd) if lo < p < hi]
            ref += (
                wi
                * integrate.quad(
                    lambda t, a_=ai, b_=bi, j_=j: (
                        stats.beta.pdf(t, a_, b_) * stats.binom.cdf(j_, n, t)
                    ),
                    lo,
                    hi,
                    points=pts,
                    limit=500,
                    epsabs=1e-13,
                )[0]
            )
        assert c == pytest.approx(ref, abs=max(1e-9, tol))


def test_binom_sf_many_against_scipy():
    for n, p in [(12, 0.4), (1000, 0.01), (10**6, 0.3), (5 * 10**8, 0.5), (20, 0.0), (20, 1.0)]:
        ks = np.unique(np.r_[-3, -1, 0, 1, np.linspace(0, n, 300).astype(int), n - 1, n, n + 2])
        np.testing.assert_allclose(binom_sf_many(ks, n, p), stats.binom.sf(ks, n, p), atol=1e-13)


# ------------------------------------------------------------------ exact updating at any n


@pytest.mark.parametrize("n", [10**3, 10**9, 10**12])
def test_mixture_update_weights_at_huge_n(n):
    # Beta(2, 3) vs Beta(3, 2), equal weights: w1/w2 = B(2+y, 3+n-y)/B(3+y, 2+n-y) = (2+n-y)/(2+y)
    y = int(0.3 * n)
    post = update(Mixture([Beta(2, 3), Beta(3, 2)], [0.5, 0.5]), Binary(y, n))
    r = (2 + n - y) / (2 + y)
    assert post.weights[0] == pytest.approx(r / (1 + r), abs=1e-14)
    # Gamma(2, 1) vs Gamma(3, 1) with Poisson counts: w1/w2 = 2 (1 + E) / (2 + y)
    e = float(n)
    y = int(0.5 * e)
    post = update(Mixture([Gamma(2, 1), Gamma(3, 1)], [0.5, 0.5]), Rate(y, e))
    r = 2 * (1 + e) / (2 + y)
    assert post.weights[0] == pytest.approx(r / (1 + r), abs=1e-14)


# ------------------------------------------------------------------ Box's p-value


@pytest.mark.parametrize("n", [2000, 20_000])
@pytest.mark.parametrize("name", list(PRIORS))
def test_box_regions_equal_enumeration(n, name):
    pred = predictive(PRIORS[name], n=n)
    worst = 0.0
    for frac in (0, 0.001, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.81, 0.9, 0.999, 1):
        y = round(frac * n)
        worst = max(worst, abs(_box_regions(pred, y) - _box_enumerated(pred, y)))
    # measured: at most 3.2e-11, the relative rounding of scipy's pmf at n = 20000
    assert worst <= 1e-10


@pytest.mark.parametrize("prior", [Gamma(20, 4), Mixture([Gamma(20, 4), Gamma(2, 1)], [0.7, 0.3])])
@pytest.mark.parametrize("exposure", [100.0, 3000.0])
def test_box_regions_equal_enumeration_negative_binomial(prior, exposure):
    pred = predictive(prior, exposure=exposure)
    for y in (0, 10, int(pred.mean / 2), int(pred.mean), int(2 * pred.mean), int(5 * pred.mean)):
        assert _box_regions(pred, y) == pytest.approx(_box_enumerated(pred, y), abs=1e-12)


@pytest.mark.parametrize(
    "prior, frac", [(Beta(2, 3), 0.3), (Beta(2, 3), 0.05), (ROBUST, 0.39), (Beta(0.5, 0.5), 0.3)]
)
def test_box_at_1e9_tends_to_the_prior_density_check(prior, frac):
    # Y/n -> theta: P(f(Y) <= f(y)) -> P(g(theta) <= g(y/n)) with g the prior density, the
    # error O(1/n) = 1e-9; the reference integrates g over {g <= g(y/n)} on a grid of 4e6
    # points (its own error below 1e-6 here)
    n = 10**9
    y = int(frac * n)
    got = prior_data_conflict(prior, Binary(y, n), warn=False).p_value
    t = np.linspace(0, 1, 4_000_001)[1:-1]
    g = np.asarray(prior.pdf(t))
    dt = t[1] - t[0]
    ref = float(np.sum(g[g <= prior.pdf(y / n)]) * dt)
    assert got == pytest.approx(ref, abs=2e-6)


def test_box_at_huge_exposure_tends_to_the_gamma_density_check():
    prior, e = Mixture([Gamma(20, 4), Gamma(2, 1)], [0.7, 0.3]), 1e9
    y = int(3 * e)
    got = prior_data_conflict(prior, Rate(y, e), warn=False).p_value
    t = np.linspace(0, 40, 8_000_001)[1:]
    g = prior.pdf(t)
    ref = float(np.sum(g[g <= prior.pdf(3.0)]) * (t[1] - t[0]))
    assert got == pytest.approx(ref, abs=2e-6)


# ------------------------------------------------------------------ predictive distributions


def test_predictive_distribution_at_20000_against_enumeration():
    n = 20_000
    pred = predictive(ROBUST, n=n)
    pmf = mixture_pmf_scipy(ROBUST, n)
    cdf = np.cumsum(pmf)
    ks = [0, 5, 4000, 13000, 19999]
    np.testing.assert_allclose(pred.pmf(ks), pmf[ks], rtol=1e-9)
    np.testing.assert_allclose(pred.cdf(ks), cdf[ks], atol=1e-10)
    for q in (1e-6, 0.025, 0.5, 0.975, 1 - 1e-6):
        expected = int(np.searchsorted(cdf, q - 1e-9))
        assert pred.ppf(q) == expected
    assert pred.interval(0.95) == (
        int(np.searchsorted(cdf, 0.025 - 1e-9)),
        int(np.searchsorted(cdf, 0.975 - 1e-9)),
    )


@pytest.mark.parametrize("prior", [ROBUST, Beta(0.37e9, 0.63e9)], ids=["robust", "posterior-like"])
def test_predictive_distribution_at_1e9(prior):
    n = 10**9
    pred = predictive(prior, n=n)
    # ppf is the smallest k with cdf(k) >= q: check the defining inequalities directly
    for q in (0.001, 0.5, 0.975):
        k = int(pred.ppf(q))
        assert pred.cdf(k) >= q - 1e-9 > pred.cdf(k - 1)
    # law of total variance: Var Y = n E[t(1-t)] + n^2 Var t
    e_t1t = prior.mean - (prior.sd**2 + prior.mean**2)
    assert pred.mean == pytest.approx(n * prior.mean, rel=1e-12)
    assert pred.sd == pytest.approx(math.sqrt(n * e_t1t + n**2 * prior.sd**2), rel=1e-9)
    draws = pred.rvs(20_000, random_state=4)
    # 4.5 standard errors: false-failure rate about 7e-6
    assert abs(draws.mean() - pred.mean) <= 4.5 * pred.sd / math.sqrt(draws.size)
    # interval from the continuous limit: n * prior quantile, within the binomial spread
    lo, hi = pred.interval(0.95)
    spread = 10 * math.sqrt(n)
    if isinstance(prior, Mixture):
        assert abs(lo - n * float(prior.ppf(0.025))) < spread
        assert abs(hi - n * float(prior.ppf(0.975))) < spread


def test_betabinom_ppf_inverts_the_cdf():
    for n, w, a, b in [(5000, [1.0], [2.0], [3.0]), (10**9, [0.5, 0.5], [0.5, 3.0], [0.5, 9.0])]:
        for q in (1e-9, 0.3, 0.999):
            k = betabinom_ppf(q, n, w, a, b)
            assert betabinom_cdf_sf(k, n, w, a, b)[0] >= q > betabinom_cdf_sf(k - 1, n, w, a, b)[0]


# ------------------------------------------------------------------ decisions


def post_sf(prior, ys, n, q):
    """P(theta > q | y of n) at every y in ys, the mixture update written out with scipy."""
    w, comps = components_of(prior)
    ys = np.asarray(ys, dtype=float)
    logw = np.stack(
        [np.log(wk) + betaln(c.a + ys, c.b + n - ys) - betaln(c.a, c.b) for wk, c in zip(w, comps)]
    )
    wy = np.exp(logw - logsumexp(logw, axis=0))
    return sum(wk * stats.beta.sf(q, c.a + ys, c.b + n - ys) for wk, c in zip(wy, comps))


def brute_success(prior, n, crit_list):
    """Success after each count 0..n: the posterior at every count (the old way)."""
    ys = np.arange(n + 1)
    ok = np.ones(n + 1, dtype=bool)
    for threshold, target, direction in crit_list:
        p = post_sf(prior, ys, n, target)
        ok &= (p if direction == "greater" else 1 - p) > threshold
    return ok


@pytest.mark.parametrize("prior", [Beta(1, 1), ROBUST], ids=["uniform", "robust"])
def test_boundaries_and_oc_at_2000_against_brute_force(prior):
    n, truths = 2000, [0.3, 0.39, 0.41, 0.6]
    for crit_list in (
        [(0.975, 0.39, "greater")],
        [(0.9, 0.42, "less")],
        [(0.9, 0.35, "greater"), (0.8, 0.45, "less")],
    ):
        ok = brute_success(prior, n, crit_list)
        rule = decision(*[list(x) for x in zip(*crit_list)])
        oc = operating_characteristics(prior, n=n, rule=rule, truths=truths)
        expected = [stats.binom.pmf(np.flatnonzero(ok), n, t).sum() for t in truths]
        np.testing.assert_allclose(oc.prob_success, expected, atol=1e-13)
        if rule.direction is not None:
            idx = np.flatnonzero(ok)
            bd = decision_boundary(prior, n=n, rule=rule)
            assert bd == (idx[0] if rule.direction == "greater" else idx[-1])


def test_go_no_go_at_20000_against_brute_force():
    n, rule = 20_000, decision(go=(0.8, 0.4), no_go=(0.8, 0.38))
    truths = [0.37, 0.39, 0.41]
    ys = np.arange(n + 1)
    post = stats.beta(1 + ys, 1 + n - ys)
    go, stop = post.sf(0.4) > 0.8, post.cdf(0.38) > 0.8
    zones = {"go": go & ~stop, "no_go": stop & ~go, "consider": ~(go ^ stop)}
    oc = operating_characteristics(Beta(1, 1), n=n, rule=rule, truths=truths)
    for zone, mask in zones.items():
        expected = [stats.binom.pmf(ys[mask], n, t).sum() for t in truths]
        np.testing.assert_allclose(oc["prob_" + zone], expected, atol=1e-12)


def test_calibration_at_20000_against_brute_force():
    n, target, alpha = 20_000, 0.39, 0.025
    cal = calibrate_threshold(ROBUST, n=n, target=target, alpha=alpha, alternatives=[0.41])
    errors = stats.binom.sf(np.arange(n + 1) - 1, n, target)  # P(Y >= k), every k
    k = int(np.flatnonzero(errors <= alpha)[0])
    assert cal.boundary == k
    assert cal.type1_error == pytest.approx(errors[k], rel=1e-12)
    p_before = float(post_sf(ROBUST, [k - 1], n, target)[0])
    assert cal.threshold == pytest.approx(p_before, rel=1e-12)
    assert float(cal.power.prob_success[0]) == pytest.approx(
        stats.binom.sf(k - 1, n, 0.41), rel=1e-12
    )


@pytest.mark.parametrize("n", [10**9, 10**12])
def test_boundary_and_oc_at_huge_n(n):
    k = decision_boundary(Beta(1, 1), n=n, threshold=0.975, target=0.39)
    # the defining inequalities, straight from scipy's Beta survival function
    assert stats.beta.sf(0.39, 1 + k, 1 + n - k) > 0.975 >= stats.beta.sf(0.39, k, 2 + n - k)
    # normal approximation of the posterior: k ~ n q + z sqrt(n q (1-q)), within a few counts
    assert abs(k - (n * 0.39 + stats.norm.ppf(0.975) * math.sqrt(n * 0.39 * 0.61))) < 5
    truths = np.linspace(0.3, 0.5, 50)
    oc = operating_characteristics(Beta(1, 1), n=n, threshold=0.975, target=0.39, truths=truths)
    np.testing.assert_allclose(
        oc.prob_success, stats.binom.sf(k - 1, n, truths), rtol=1e-12, atol=1e-300
    )
    # a two-sided rule: the success interval's probability from scipy's cdf
    rule = decision([0.9, 0.9], [0.38, 0.40], ["greater", "less"])
    lo = decision_boundary(Beta(1, 1), n=n, threshold=0.9, target=0.38)
    hi = decision_boundary(Beta(1, 1), n=n, threshold=0.9, target=0.40, direction="less")
    two = operating_characteristics(Beta(1, 1), n=n, rule=rule, truths=[0.39])
    assert float(two.prob_success[0]) == pytest.approx(
        stats.binom.cdf(hi, n, 0.39) - stats.binom.cdf(lo - 1, n, 0.39), abs=1e-12
    )


def test_poisson_boundary_and_calibration_at_huge_exposure():
    prior, e = Gamma(1.0, 1.0), 1e9
    k = decision_boundary(prior, threshold=0.9, target=2.0, direction="less", exposure=e)
    assert (
        stats.gamma.cdf(2.0, 1 + k, scale=1 / (1 + e))
        > 0.9
        >= stats.gamma.cdf(2.0, 2 + k, scale=1 / (1 + e))
    )
    cal = calibrate_threshold(prior, target=2.0, alpha=0.05, direction="less", exposure=e)
    mu = 2.0 * e
    assert stats.poisson.cdf(cal.boundary, mu) <= 0.05 < stats.poisson.cdf(cal.boundary + 1, mu)


# ------------------------------------------------------------------ predictive probability, futility


def brute_pp(prior, x, n, n_max, c, q):
    """Lee & Liu's PP by summing the beta-binomial pmf over every future count (the old way)."""
    m = n_max - n
    post = update(prior, Binary(x, n))
    w, comps = components_of(post)
    j = np.arange(m + 1)
    pmf = sum(wk * stats.betabinom.pmf(j, m, cc.a, cc.b) for wk, cc in zip(w, comps))
    ok = post_sf(prior, x + j, n_max, q) > c
    return float(pmf[ok].sum())


def test_predictive_probability_beyond_enumeration_against_brute_force():
    # 10000 future patients: the cdf path (no sum over the counts) against the full sum
    prior, data, n_max, c, q = ROBUST, Binary(3100, 8000), 18_000, 0.9, 0.385
    pp = predictive_probability(prior, data, n_max, c, q)
    assert float(pp) == pytest.approx(brute_pp(prior, 3100, 8000, n_max, c, q), abs=1e-10)
    assert not pp.table.attrs["complete"]
    assert pp.min_future_events in set(pp.table.loc[pp.table.success, "future_events"])


def test_predictive_probability_at_1e9_against_quadrature():
    n, n_max = 5 * 10**8, 10**9
    prior, c, q = Beta(1, 1), 0.9, 0.39
    x = int(0.3901 * n)
    pp = predictive_probability(prior, Binary(x, n), n_max, c, q)
    j = pp.min_future_events
    post = stats.beta(1 + x, 1 + n - x)
    m = n_max - n
    # the defining inequalities of the success boundary, from scipy's Beta
    assert (
        stats.beta.sf(q, 1 + x + j, 1 + n_max - x - j)
        > c
        >= stats.beta.sf(q, x + j, 2 + n_max - x - j)
    )
    lo, hi = post.ppf([1e-13, 1 - 1e-13])
    ref = integrate.quad(
        lambda t: post.pdf(t) * stats.binom.sf(j - 1, m, t),
        lo,
        hi,
        points=[post.mean()],
        limit=500,
        epsabs=1e-13,
    )[0]
    assert float(pp) == pytest.approx(ref, abs=1e-9)


def test_pp_cdf_path_equals_enumeration_path():
    # the same predictive probability by the pmf sum (m <= 4096) and by the cdf: the helper
    # switches on m, so compare it with an explicit sum at m = 10000
    prior, n, m, final = ROBUST, 10_000, 10_000, (7_900, 20_000)
    for x in (3800, 3950, 4000, 4100):
        post = update(prior, Binary(x, n))
        w, comps = components_of(post)
        j = np.arange(m + 1)
        pmf = sum(wk * stats.betabinom.pmf(j, m, cc.a, cc.b) for wk, cc in zip(w, comps))
        expected = float(pmf[j >= final[0] - x].sum())
        assert _pp(prior, x, n, m, final) == pytest.approx(expected, abs=1e-10)


def test_interim_futility_at_2000_against_full_enumeration():
    prior, looks, n_max, c, q, fut = ROBUST, [500, 1200], 2000, 0.95, 0.39, 0.1
    truths = [0.37, 0.41]
    oc = interim_futility_oc(prior, looks, n_max, c, q, fut, truths)
    # the old way: PP after every count of each look, full convolutions
    final = post_sf(prior, np.arange(n_max + 1), n_max, q) > c
    w0, comps0 = components_of(prior)
    stops = {}
    for nk in looks:
        m = n_max - nk
        j = np.arange(m + 1)
        pp = []
        for y in range(nk + 1):
            logw = [
                np.log(wk) + betaln(cc.a + y, cc.b + nk - y) - betaln(cc.a, cc.b)
                for wk, cc in zip(w0, comps0)
            ]
            w = np.exp(np.array(logw) - logsumexp(logw))
            pmf = sum(
                wk * stats.betabinom.pmf(j, m, cc.a + y, cc.b + nk - y) for wk, cc in zip(w, comps0)
            )
            pp.append(float(np.sum(pmf * final[y + j])))
        stops[nk] = np.array(pp) < fut
        assert oc.attrs["stop_below"][nk] == np.flatnonzero(stops[nk])[-1]
        np.testing.assert_allclose(
            np.asarray(oc.attrs["pp"][nk])[::97], np.array(pp)[::97], atol=1e-12
        )
    for row, theta in zip(oc.itertuples(), truths):
        running, n_prev, p_stop = np.array([1.0]), 0, 0.0
        for nk in looks:
            running = np.convolve(
                running, stats.binom.pmf(np.arange(nk - n_prev + 1), nk - n_prev, theta)
            )
            p_stop += running[stops[nk]].sum()
            running = np.where(stops[nk], 0.0, running)
            n_prev = nk
        at_end = np.convolve(
            running, stats.binom.pmf(np.arange(n_max - n_prev + 1), n_max - n_prev, theta)
        )
        assert row.prob_stop_futility == pytest.approx(p_stop, abs=1e-12)
        assert row.prob_success == pytest.approx(at_end[final].sum(), abs=1e-12)


def test_interim_futility_beyond_enumeration_at_20000():
    # one look at 10000 of 20000: PP by the cdf path; the stop boundary is checked by the
    # full pmf sum on both sides of it, the OC by a full convolution
    prior, nk, n_max, c, q, fut = Beta(1, 1), 10_000, 20_000, 0.95, 0.39, 0.1
    oc = interim_futility_oc(prior, nk, n_max, c, q, fut, [0.39, 0.41])
    s = oc.attrs["stop_below"][nk]
    assert brute_pp(prior, s, nk, n_max, c, q) < fut <= brute_pp(prior, s + 1, nk, n_max, c, q)
    ys = np.arange(n_max + 1)
    final = stats.beta(1 + ys, 1 + n_max - ys).sf(q) > c
    for row, theta in zip(oc.itertuples(), [0.39, 0.41]):
        first = stats.binom.pmf(np.arange(nk + 1), nk, theta)
        p_stop = first[: s + 1].sum()
        first[: s + 1] = 0.0
        at_end = np.convolve(first, stats.binom.pmf(np.arange(n_max - nk + 1), n_max - nk, theta))
        assert row.prob_stop_futility == pytest.approx(p_stop, abs=1e-12)
        assert row.prob_success == pytest.approx(at_end[final].sum(), abs=1e-11)


def test_interim_futility_at_1e9():
    n_max, nk, c, q, fut = 10**9, 5 * 10**8, 0.95, 0.39, 0.1
    truths = [0.39, 0.3901]
    oc = interim_futility_oc(Beta(1, 1), nk, n_max, c, q, fut, truths)
    s = oc.attrs["stop_below"][nk]
    kf = decision_boundary(Beta(1, 1), n=n_max, threshold=c, target=q)
    for row, theta in zip(oc.itertuples(), truths):
        # P(stop) is exactly a binomial cdf (independent of the convolution)
        assert row.prob_stop_futility == pytest.approx(stats.binom.cdf(s, nk, theta), abs=1e-11)
        assert row.prob_stop_futility + row.prob_success + row.prob_fail_final == pytest.approx(
            1, abs=1e-11
        )
        # P(success) = P(Y1 > s, Y1 + Y2 >= kf): bivariate normal approximation with
        # continuity corrections (error ~1e-4 at these sizes)
        sd1, sd = math.sqrt(nk * theta * (1 - theta)), math.sqrt(n_max * theta * (1 - theta))
        rho = sd1 / sd
        z1, z2 = (s + 0.5 - nk * theta) / sd1, (kf - 0.5 - n_max * theta) / sd
        mvn = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
        approx = 1 - stats.norm.cdf(z1) - stats.norm.cdf(z2) + mvn.cdf([z1, z2])
        assert row.prob_success == pytest.approx(approx, abs=1e-3)
    # the curve of predictive probabilities is lazy but indexable
    curve = oc.attrs["pp"][nk]
    assert len(curve) == nk + 1 and curve[s] < fut <= curve[s + 1]


# ------------------------------------------------------------------ sizes beyond the limit


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: Binary(5, 10**13), "n"),
        (lambda: Binary(5, 2**53 + 1), "n"),
        (lambda: Binary(5, 1e18), "n"),
        (lambda: Binary(10**13, 10**12), "events"),
        (lambda: predictive(Beta(1, 1), n=np.int64(2**62)), "n"),
        (lambda: decision_boundary(Beta(1, 1), n=10**18, threshold=0.9, target=0.3), "n"),
        (
            lambda: operating_characteristics(
                Beta(1, 1), n=10**13, threshold=0.9, target=0.3, truths=[0.3]
            ),
            "n",
        ),
        (lambda: interim_futility_oc(Beta(1, 1), 10, 10**13, 0.9, 0.3, 0.1, [0.3]), "n_max"),
        (lambda: interim_futility_oc(Beta(1, 1), 10, 10**12, 0.9, 0.3, 0.1, [0.5]), "n_max"),
        (lambda: predictive_probability(Beta(1, 1), Binary(3, 10), 10**13, 0.9, 0.3), "n_max"),
        (lambda: predictive(Gamma(2, 1), exposure=1e18), "exposure"),
        (lambda: prior_data_conflict(Gamma(2, 1), Rate(5, 1e13)), "exposure"),
        (
            lambda: decision_boundary(Gamma(2, 1), threshold=0.9, target=300.0, exposure=1e10),
            "exposure",
        ),
    ],
)
def test_counts_beyond_the_limit_are_a_located_data_error(call, field):
    with pytest.raises(DataError) as err:
        call()
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_benchmark_rate_from_percent_at_huge_n():
    with pytest.raises(DataError, match="31% of 1000000000 matches several whole counts"):
        BenchmarkRate.from_percent("t", "o", 31, 10**9, decimals=0, source="s")
    assert (
        BenchmarkRate.from_percent("t", "o", 31.4159265, 10**9, decimals=7, source="s").events
        == 314159265
    )


def test_the_pipeline_at_a_billion_patients_is_exact_and_checked():
    """A registry-sized binary endpoint (n = 1e9) through bt.analyse, method exact: the
    posterior (scipy's Beta), Box's conflict p-value and the mixture weights (checked against
    quadrature inside the pipeline) all come out, with no check failing."""
    import bayes_trials as bt

    ep = bt.BinaryEndpoint("registry", bt.Binary(900_000_000, 1_000_000_000), target=0.89999)
    robust = bt.Mixture([bt.Beta(3.51, 5.49), bt.Beta(90, 10), bt.Beta(1, 1)], [0.4, 0.4, 0.2])
    res = bt.analyse(ep, priors={"uniform": bt.Beta(1, 1), "robust": robust}, method="exact")
    t = res.table().set_index("prior")
    oracle = stats.beta(1 + 900_000_000, 1 + 100_000_000)
    assert t.loc["uniform", "exact_mean"] == pytest.approx(oracle.mean(), rel=1e-12)
    assert t.loc["uniform", "exact_prob"] == pytest.approx(oracle.sf(0.89999), rel=1e-9)
    assert 0 <= t.loc["robust", "conflict_p"] <= 1
    checks = res.checks()
    assert not (checks["passed"] == False).any()  # noqa: E712
    assert (checks["kind"] == "exact vs quadrature").sum() == 1
