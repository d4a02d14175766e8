"""The MCMC-vs-exact checks' error model (bayes_trials.checks)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_trials.checks import family_wise_z, tail_count_z, tail_mass_z


@pytest.mark.parametrize("prob", [0.975, 0.025])
def test_interval_end_check_is_calibrated_with_few_draws_in_the_tail(prob):
    """An interval end estimated from n independent draws (so ESS = n): the exact cdf at the
    sample quantile, scored by :func:`tail_mass_z`, exceeds 3.29 in absolute value at the
    nominal rate 0.001, whichever seed. 40,000 replicates of n = 200 draws (5 expected in
    the tail): the observed rate has sd sqrt(0.001 / 40,000) = 1.6e-4, the tolerance is
    4 sd (false-failure rate 6e-5). The normal score (F - p) / sqrt(p(1-p)/n) is shown to be
    off by a factor over 5 here: measured 0.014, the error the order-statistic score fixes."""
    reps, n, cut = 40_000, 200, 3.29
    nominal = 2 * stats.norm.sf(cut)
    u = np.random.default_rng().random((reps, n))
    q = np.quantile(u, prob, axis=1)  # the uniform's cdf is the identity: F(q) = q
    z = tail_mass_z(q, prob, n)
    assert abs(np.mean(np.abs(z) > cut) - nominal) <= 4 * np.sqrt(nominal / reps)
    normal = (q - prob) / np.sqrt(prob * (1 - prob) / n)
    assert np.mean(np.abs(normal) > cut) > 5 * nominal


def test_tail_mass_z_is_the_normal_score_in_the_limit():
    """With many effective draws the Beta is the normal: z equals (F - p) / MCSE."""
    p, ess = 0.975, 1e8
    mcse = np.sqrt(p * (1 - p) / ess)
    for k in (-3.0, -1.0, 0.5, 2.0):
        assert tail_mass_z(p + k * mcse, p, ess) == pytest.approx(k, abs=0.01)


def test_family_wise_tolerance_is_bonferroni():
    assert family_wise_z(300) == pytest.approx(stats.norm.isf(1e-3 / 600))
    assert family_wise_z(1) == pytest.approx(4.0)


def test_tail_probability_check_is_calibrated_with_few_draws_beyond_the_target():
    """A tail probability estimated from n = 200 independent draws with 8 to 12 expected beyond
    the target (p uniform on [0.04, 0.06] per replicate, which averages over the count's
    discreteness): the count beyond is Binomial(200, p), and :func:`tail_count_z` exceeds 3.29
    in absolute value at 0.86 times the nominal rate 0.001 (0.857, summing the binomial
    probabilities of the rejected counts over a grid of p), the normal score at 1.63 times.
    2,000,000 replicates: the observed rate has sd sqrt(0.001 / 2e6) = 2.2e-5, 0.022 of nominal;
    the band 0.7 to 1.3 times nominal is over 7 sd from 0.857 (false-failure rate below 1e-11)
    and the normal score's 1.63 over 14 sd above it."""
    reps, n, cut = 2_000_000, 200, 3.29
    nominal = 2 * stats.norm.sf(cut)
    rng = np.random.default_rng()
    p = rng.uniform(0.04, 0.06, reps)
    prob = rng.binomial(n, p) / n
    rate = np.mean(np.abs(tail_count_z(prob, p, n)) > cut)
    assert 0.7 * nominal <= rate <= 1.3 * nominal
    normal = (prob - p) / np.sqrt(p * (1 - p) / n)
    assert np.mean(np.abs(normal) > cut) > 1.3 * nominal


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(0, 200, 0.05), (3, 200, 0.05), (22, 200, 0.05), (200, 200, 0.97), (57, 60, 0.9)],
)
def test_tail_count_z_is_the_binomial_mid_p(k, n, p):
    """At whole counts the score is the normal quantile of the binomial mid-p value (scipy)."""
    lower = stats.binom.cdf(k, n, p) - 0.5 * stats.binom.pmf(k, n, p)
    upper = stats.binom.sf(k, n, p) + 0.5 * stats.binom.pmf(k, n, p)
    want = stats.norm.ppf(lower) if lower < 0.5 else stats.norm.isf(upper)
    assert tail_count_z(k / n, p, n) == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_tail_count_z_is_the_normal_score_in_the_limit():
    p, ess = 0.3, 1e8
    se = np.sqrt(p * (1 - p) / ess)
    for k in (-3.0, -1.0, 0.5, 2.0):
        assert tail_count_z(p + k * se, p, ess) == pytest.approx(k, abs=0.01)
