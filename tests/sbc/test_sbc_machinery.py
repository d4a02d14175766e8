"""Tests of the SBC machinery itself (fast, no MCMC; part of the default run).

The exact ECDF p-value is compared with brute-force enumeration (every rank vector of a
small case) and with simulation; the whole pipeline (:func:`run`) is run on exact conjugate
Beta-binomial posteriors drawn with SciPy: calibrated posteriors pass (independent draws,
and autocorrelated draws that the ESS-based thinning must handle), and a posterior that
forgot the logit Jacobian is caught.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from .sbc_tools import (
    ALPHA,
    PIT,
    Case,
    Fit,
    _pointwise_gamma,
    assert_calibrated,
    chisq_pvalue,
    coverage_pvalue,
    ecdf_pvalue,
    run,
    sbc_seed,
)


def _statistic(ranks: np.ndarray, L: int) -> np.ndarray:
    """The ECDF statistic (smallest pointwise two-sided tail probability), row by row."""
    ranks = np.atleast_2d(ranks)
    m, n = ranks.shape
    idx = ranks + (L + 1) * np.arange(m)[:, None]
    counts = np.bincount(idx.ravel(), minlength=m * (L + 1)).reshape(m, L + 1)
    below = np.cumsum(counts, axis=1)[:, :-1]
    z = np.arange(1, L + 1) / (L + 1)
    return _pointwise_gamma(below, n, z).min(axis=1)


def test_ecdf_pvalue_equals_enumeration():
    """Exact: for N = 5 ranks on 0..4, every one of the 5^5 equally likely rank vectors is
    enumerated; the p-value of each observed vector is the share of vectors whose statistic
    is at most its own (all 3125 vectors). Deterministic (agreement to 1e-12)."""
    L, n = 4, 5
    every = np.array(list(itertools.product(range(L + 1), repeat=n)))
    stat = _statistic(every, L)
    for ranks, s in zip(every, stat):
        brute = float(np.mean(stat <= s * (1 + 1e-9)))  # equal up to rounding: ties
        assert ecdf_pvalue(ranks, L) == pytest.approx(brute, abs=1e-12)


def test_ecdf_pvalue_matches_simulation():
    """The exact p-value of one rank sample (N = 150, L = 99) against 20,000 simulated
    uniform samples: within 4.5 binomial sd, a false-failure rate of 7e-6."""
    rng = np.random.default_rng([sbc_seed(), 1])
    L, n, m = 99, 150, 20_000
    ranks = rng.integers(0, L + 1, n)
    exact = ecdf_pvalue(ranks, L)
    sims = _statistic(rng.integers(0, L + 1, (m, n)), L)
    mc = float(np.mean(sims <= _statistic(ranks, L)[0]))
    sd = np.sqrt(exact * (1 - exact) / m)
    assert abs(mc - exact) < 4.5 * sd + 1e-12


def test_pvalues_reject_gross_departures():
    """Deterministic: ranks piled at the ends (an under-dispersed posterior) and a shifted
    histogram fail every test; a flat one passes."""
    flat = np.tile(np.arange(100), 3)
    assert ecdf_pvalue(flat) == 1.0 and chisq_pvalue(flat) == 1.0
    ends = np.r_[np.zeros(150, dtype=int), np.full(150, 99)]
    assert ecdf_pvalue(ends) < 1e-30 and chisq_pvalue(ends) < 1e-30
    shifted = np.tile(np.arange(0, 60), 5)
    assert ecdf_pvalue(shifted) < 1e-10
    assert coverage_pvalue(150, 300, 0.9) < 1e-30  # 50% coverage of 90% intervals


# --- the pipeline on exact posteriors ------------------------------------------------------
PRIOR_A, PRIOR_B = 3.51, 5.49


def _beta_binomial_case(
    name, *, jacobian=True, phi=0.0, chains=1, draws=1000, reps=400, prior=(PRIOR_A, PRIOR_B)
):
    """Truth theta ~ Beta(a, b), events ~ Binomial(n, theta), n on 9..12; the 'fit' returns
    draws of the exact posterior Beta(a + y, b + n - y), independent (``phi = 0``) or as an
    AR(1) chain with lag-one correlation ``phi`` (mapped through the posterior quantile
    function), plus the exact posterior cdf as a PIT quantity. ``jacobian=False`` is the
    classic bug: a Beta density written on the logit scale without its Jacobian
    theta (1 - theta), i.e. the posterior of a Beta(a - 1, b - 1) prior."""

    def simulate(rng):
        theta = float(rng.beta(*prior))
        n = int(rng.integers(9, 13))
        return {"theta": theta, "theta_pit": theta}, (int(rng.binomial(n, theta)), n)

    def fit(data, seed, n_draws):
        y, n = data
        shift = 0.0 if jacobian else 1.0
        post = stats.beta(prior[0] - shift + y, prior[1] - shift + n - y)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((chains, n_draws))
        if phi:
            for t in range(1, n_draws):
                z[:, t] = phi * z[:, t - 1] + np.sqrt(1 - phi**2) * z[:, t]
        return Fit({"theta": post.ppf(stats.norm.cdf(z)), "theta_pit": PIT(post.cdf)})

    return Case(name, ("theta", "theta_pit"), simulate, fit, reps, draws=draws)


def test_exact_posterior_passes():
    """Calibrated by construction (independent exact posterior draws, N = 400): each of
    the 3 tests x 2 quantities rejects with probability 1e-5; false-failure rate <= 6e-5."""
    res = run(_beta_binomial_case("exact"), seed=sbc_seed())
    assert res.refits == 0 and res.short == 0
    for q in ("theta", "theta_pit"):
        assert_calibrated(res, q)


def test_autocorrelated_draws_pass_after_thinning():
    """AR(1) draws (lag-one correlation 0.9, ESS about 5% of the draws) of the exact
    posterior, 4 chains x 1000: the ESS-based thinning (stride about 19) leaves nearly
    independent draws, so the calibrated posterior passes (N = 300). False-failure rate
    <= 3e-5 for independent draws; the residual lag correlation (0.9^19 = 0.13 between
    neighbouring thinned draws, which are then subsampled at random) adds little."""
    case = _beta_binomial_case("ar1", phi=0.9, chains=4, reps=300)
    res = run(case, seed=sbc_seed())
    assert res.short == 0
    assert np.median(res.ess["theta"]) < 400  # the draws really were autocorrelated
    assert_calibrated(res, "theta")


def test_forgotten_jacobian_is_caught():
    """The logit-scale Beta(1.5, 6) prior without its Jacobian (the posterior of a
    Beta(0.5, 5) prior), N = 500 replicates: the ECDF test rejects at ALPHA. Its p-value
    was below 1e-15 for each of 20 seeds (0..19), so a miss has negligible probability.

    (A symmetric prior such as Beta(1.5, 1.5) hides this bug from the ranks of theta: the
    shifts for theta above and below 1/2 cancel. SBC sees what the ranked quantities show.)
    """
    case = _beta_binomial_case("no_jacobian", jacobian=False, reps=500, prior=(1.5, 6.0))
    res = run(case, seed=sbc_seed())
    assert res.pvalues("theta")["ecdf"] < ALPHA
    with pytest.raises(AssertionError, match="ranks not uniform"):
        assert_calibrated(res, "theta")
