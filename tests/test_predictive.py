"""Predictive distributions, predictive probability, differences and prior-data conflict."""

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import betaln

from bayes_trials.data import Binary, NormalData, Rate
from bayes_trials.distributions import Beta, Gamma, Mixture, Normal
from bayes_trials.errors import DataError, PriorError, StatisticalWarning
from bayes_trials.predictive import (
    difference,
    predictive,
    predictive_probability,
    prior_data_conflict,
    prob_difference,
)

BMIX = Mixture([Beta(61, 14), Beta(1, 1)], [0.8, 0.2])  # ELIANA-based robust prior
GMIX = Mixture([Gamma(20, 4), Gamma(2, 1)], [0.7, 0.3])


# --- predictive distributions ----------------------------------------------------------


def test_beta_binomial_mixture_vs_integration():
    n = 12
    pred = predictive(BMIX, n=n)
    ks = np.arange(n + 1)
    brute = [
        integrate.quad(
            lambda t, k=k: stats.binom.pmf(k, n, t) * BMIX.pdf(t), 0, 1, points=[0.8], epsabs=1e-13
        )[0]
        for k in ks
    ]
    np.testing.assert_allclose(pred.pmf(ks), brute, atol=1e-10)
    assert pred.pmf(ks).sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(pred.cdf(ks), np.cumsum(brute), atol=1e-9)
    assert pred.mean == pytest.approx(n * BMIX.mean, rel=1e-12)
    # law of total variance: Var Y = n E[t(1-t)] + n^2 Var t
    e_t1t = BMIX.mean - (BMIX.sd**2 + BMIX.mean**2)
    assert pred.sd == pytest.approx(math.sqrt(n * e_t1t + n**2 * BMIX.sd**2), rel=1e-10)
    assert pred.support == (0, 12)
    lo, hi = pred.interval(0.9)
    assert pred.cdf(hi) - pred.cdf(lo - 1) >= 0.9
    assert pred.cdf(lo) >= 0.05 - 1e-12 and pred.cdf(lo - 1) < 0.05
    assert pred.ppf(pred.cdf(7)) == 7


def test_negative_binomial_mixture_vs_integration():
    e = 2.5
    pred = predictive(GMIX, exposure=e)
    ks = np.arange(0, 40)
    brute = [
        integrate.quad(
            lambda t, k=k: stats.poisson.pmf(k, t * e) * GMIX.pdf(t),
            0,
            80,
            points=[5.0],
            limit=200,
            epsabs=1e-13,
        )[0]
        for k in ks
    ]
    np.testing.assert_allclose(pred.pmf(ks), brute, atol=1e-10)
    assert pred.mean == pytest.approx(e * GMIX.mean, rel=1e-12)
    # Var Y = E[lambda] e + e^2 Var lambda
    assert pred.sd == pytest.approx(math.sqrt(e * GMIX.mean + e**2 * GMIX.sd**2), rel=1e-10)
    assert pred.support[1] == math.inf
    draws = pred.rvs(200_000, random_state=11)
    assert draws.mean() == pytest.approx(pred.mean, abs=4 * pred.sd / math.sqrt(draws.size))
    lo, hi = pred.interval(0.95)
    assert np.mean((draws >= lo) & (draws <= hi)) >= 0.945


def test_normal_predictive():
    pred = predictive(Mixture([Normal(0, 1), Normal(2, 0.5)], [0.5, 0.5]), se=0.5)
    assert pred.components[0].sd == pytest.approx(math.hypot(1, 0.5))
    assert predictive(Normal(1, 2), se=1.5).sd == pytest.approx(2.5)


def test_predictive_argument_errors():
    with pytest.raises(PriorError, match="n"):
        predictive(Beta(1, 1), exposure=2.0)
    with pytest.raises(PriorError, match="exposure"):
        predictive(Gamma(1, 1))
    with pytest.raises(DataError):
        predictive(Beta(1, 1), n=-1)


# --- predictive probability (Lee & Liu 2008) ----------------------------------------------


def test_predictive_probability_published_values():
    # Lee JJ, Liu DD. Clin Trials 2008;5:93-106, the worked example of section 2:
    # Beta(0.6, 0.4) prior, 16/23 responses, Nmax = 40, p0 = 0.6, theta_T = 0.9: PP = 0.5656,
    # success needs >= 12 responses among the 17 remaining patients
    pp = predictive_probability(Beta(0.6, 0.4), Binary(16, 23), 40, 0.9, 0.6)
    assert round(float(pp), 4) == 0.5656
    assert pp.min_future_events == 12
    # R package ph2bye, ?PredP example: PredP(16, 23, 40, 1, 1, 0.5, 0.9) = 0.8871897
    assert float(predictive_probability(Beta(1, 1), Binary(16, 23), 40, 0.9, 0.5)) == pytest.approx(
        0.8871897, abs=5e-8
    )


def test_predictive_probability_vs_monte_carlo():
    prior, data, n_max, thr, target = BMIX, Binary(7, 12), 30, 0.8, 0.6
    pp = predictive_probability(prior, data, n_max, thr, target)
    from bayes_trials.conjugate import update

    rng = np.random.default_rng(2008)
    theta = update(prior, data).rvs(200_000, random_state=rng)
    future = rng.binomial(n_max - 12, theta)
    # success set from an independent evaluation of each final posterior probability
    ok = np.array([update(prior, Binary(7 + y, n_max)).sf(target) > thr for y in range(19)])
    mc = ok[future].mean()
    assert float(pp) == pytest.approx(mc, abs=4 * math.sqrt(mc * (1 - mc) / future.size))
    assert pp.table["pmf"].sum() == pytest.approx(1.0, abs=1e-12)


def test_predictive_probability_edges():
    # the trial is already complete: the indicator of success itself
    done = predictive_probability(Beta(1, 1), Binary(30, 40), 40, 0.9, 0.6)
    assert float(done) == float(Beta(31, 11).sf(0.6) > 0.9)
    with pytest.raises(DataError, match="n_max"):
        predictive_probability(Beta(1, 1), Binary(3, 10), 5, 0.9, 0.5)
    with pytest.raises(PriorError):
        predictive_probability(Gamma(1, 1), Binary(3, 10), 20, 0.9, 0.5)


# --- differences -----------------------------------------------------------------------------


def _beta_prob_greater(a1, b1, a2, b2):
    """P(X1 > X2) for Beta(a1, b1), Beta(a2, b2), integer a1 (Evan Miller's closed form)."""
    i = np.arange(int(a1))
    return float(
        np.sum(
            np.exp(betaln(a2 + i, b1 + b2) - np.log(b1 + i) - betaln(1 + i, b1) - betaln(a2, b2))
        )
    )


def test_prob_difference_closed_forms():
    # two Normals: Phi((m1 - m2 - delta) / sqrt(s1^2 + s2^2))
    for delta in (0.0, 0.3, -1.0):
        assert prob_difference(Normal(0.5, 0.3), Normal(0.1, 0.4), delta) == pytest.approx(
            stats.norm.cdf((0.4 - delta) / 0.5), abs=1e-9
        )
    # two Betas with integer parameters: META 10-19 9/12 vs ZUMA-3 39/55, uniform priors
    assert prob_difference(Beta(10, 4), Beta(40, 17)) == pytest.approx(
        _beta_prob_greater(10, 4, 40, 17), abs=1e-9
    )
    # two Gammas, delta = 0: P(l1 > l2) = P(Beta(s1, s2) > r1 / (r1 + r2))
    assert prob_difference(Gamma(12, 3), Gamma(20, 6)) == pytest.approx(
        stats.beta.sf(3 / 9, 12, 20), abs=1e-9
    )


def test_prob_difference_mixtures_vs_monte_carlo():
    rng = np.random.default_rng(1980)
    n = 1_000_000
    x1, x2 = (
        BMIX.rvs(n, random_state=rng),
        Mixture([Beta(40, 17), Beta(1, 1)], [0.5, 0.5]).rvs(n, random_state=rng),
    )
    for delta in (0.0, 0.1, -0.2):
        exact = prob_difference(BMIX, Mixture([Beta(40, 17), Beta(1, 1)], [0.5, 0.5]), delta)
        mc = np.mean(x1 - x2 > delta)
        assert exact == pytest.approx(mc, abs=4 * math.sqrt(mc * (1 - mc) / n))
    g1 = GMIX.rvs(n, random_state=rng)
    g2 = Gamma(8, 2).rvs(n, random_state=rng)
    exact = prob_difference(GMIX, Gamma(8, 2), 1.0)
    mc = np.mean(g1 - g2 > 1.0)
    assert exact == pytest.approx(mc, abs=4 * math.sqrt(mc * (1 - mc) / n))


def test_difference_distribution():
    d = difference(Normal(1, 3), Normal(0, 4))
    assert d.mean == 1 and d.sd == pytest.approx(5)
    assert d.cdf(1 + 5 * 1.959963984540054) == pytest.approx(0.975, abs=1e-9)
    assert d.ppf(0.975) == pytest.approx(1 + 5 * 1.959963984540054, abs=1e-7)
    db = difference(Beta(10, 4), Beta(40, 17))
    for q in (0.025, 0.5, 0.9):
        assert db.cdf(db.ppf(q)) == pytest.approx(q, abs=1e-9)
    # the density is the derivative of the cdf
    h = 1e-4
    for x in (-0.2, 0.05, 0.3):
        slope = (db.cdf(x + h) - db.cdf(x - h)) / (2 * h)
        assert db.pdf(x) == pytest.approx(slope, rel=1e-5)
    lo, hi = db.interval(0.95)
    assert db.cdf(hi) - db.cdf(lo) == pytest.approx(0.95, abs=1e-9)


# --- prior-data conflict -----------------------------------------------------------------------


def test_conflict_normal_closed_form():
    # one Normal prior, normal estimate: Box p = 2 Phi(-|y - m| / sqrt(s^2 + se^2))
    res = prior_data_conflict(Normal(0, 1), NormalData(2.5, 1.0), warn=False)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(2.5 / math.sqrt(2)), abs=1e-9)
    tail = prior_data_conflict(Normal(0, 1), NormalData(2.5, 1.0), method="tail", warn=False)
    assert tail.p_value == pytest.approx(res.p_value, abs=1e-12)


def test_conflict_box_discrete_vs_enumeration():
    n, y = 12, 5
    pmf = np.array(
        [
            integrate.quad(
                lambda t, k=k: stats.binom.pmf(k, n, t) * BMIX.pdf(t), 0, 1, points=[0.8]
            )[0]
            for k in range(n + 1)
        ]
    )
    expected = pmf[pmf <= pmf[y] * (1 + 1e-9)].sum()
    res = prior_data_conflict(BMIX, Binary(y, n), warn=False)
    assert res.p_value == pytest.approx(expected, abs=1e-9)
    tail = prior_data_conflict(BMIX, Binary(y, n), method="tail", warn=False)
    assert tail.p_value == pytest.approx(
        min(1, 2 * min(pmf[: y + 1].sum(), pmf[y:].sum())), abs=1e-9
    )


def test_conflict_rate_and_warning():
    e = 1.0
    pred_pmf = lambda k: stats.nbinom.pmf(k, 20, 4 / (4 + e))  # noqa: E731
    ks = np.arange(0, 200)
    f = pred_pmf(ks)
    expected = f[f <= pred_pmf(15) * (1 + 1e-9)].sum()
    with pytest.warns(StatisticalWarning, match="conflict"):
        res = prior_data_conflict(Gamma(20, 4), Rate(15, e))
    assert res.conflict and res.p_value == pytest.approx(expected, abs=1e-10)
    assert "p =" in str(res)


def test_conflict_normal_mixture_box_vs_grid():
    prior = Mixture([Normal(0, 0.5), Normal(3, 0.5)], [0.5, 0.5])  # bimodal predictive
    data = NormalData(1.5, 0.5)
    res = prior_data_conflict(prior, data, warn=False)
    pred = predictive(prior, se=0.5)
    x = np.linspace(-10, 13, 2_000_001)
    g = pred.pdf(x)
    dx = x[1] - x[0]
    expected = g[g <= pred.pdf(1.5)].sum() * dx
    assert res.p_value == pytest.approx(expected, abs=1e-5)
