"""What sensitivity analyses take from the rate-ratio kind (``endpoints.rates.grids``), each
against an independent computation: scipy.integrate.quad of prior x likelihood on the log RR
scale (the baseline rate integrated out by hand), scipy.stats.betaprime for Gamma priors on
the two rates."""

from __future__ import annotations

import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.endpoints.rates import (
    LogRateRatioEndpoint,
    LogRRPrior,
    RateRatioEndpoint,
    TwoRatePrior,
    grids,
)
from bayes_trials.endpoints.rates.scenarios import ScenarioGrid
from bayes_trials.errors import PriorError

from ..oracles import quad_log_rr, robust_normal_logpdf

# the assumed scenario data of the LAD-I spec's first infection endpoint (not published)
INF_DATA = bt.PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.8513))
INF = RateRatioEndpoint("infection_hospitalizations", INF_DATA, target=0.5)


@pytest.mark.parametrize(
    "mean,sd,w", [(-0.5, 0.3, 0.0), (-0.5, 2.0, 0.3), (0.0, 0.4214, 0.0), (0.5, 1.0, 0.5)]
)
def test_grid_prior_exact_summary_matches_quadrature(mean, sd, w):
    prior = grids.grid_prior(mean, sd, w)
    log_prior = robust_normal_logpdf(mean, sd, w)  # the robust component: unit information
    out = grids.exact_summary(INF, prior)
    p_half, post_mean = quad_log_rr(INF_DATA, log_prior, 0.5)
    p_one, _ = quad_log_rr(INF_DATA, log_prior, 1.0)
    assert out["prob"] == pytest.approx(p_half, abs=2e-7)
    assert out["prob_null"] == pytest.approx(p_one, abs=2e-7)
    assert out["post_mean"] == pytest.approx(post_mean, rel=1e-6)
    if w == 0:  # the function of a bare Normal gives the same number
        assert grids.log_rr_tail_probability(INF_DATA, bt.Normal(mean, sd), 0.5) == pytest.approx(
            p_half, abs=2e-7
        )


def test_ess_axis_and_tipping_mixture():
    # ess e events split evenly: sd 2 / sqrt(e)
    assert grids.grid_prior(0.0, 16, strength_axis="ess").log_rr.scale == pytest.approx(0.5)
    tp = grids.tipping_prior(0.0, 0.3, 4.0)
    comps = tp.log_rr.components
    assert [c.scale for c in comps] == [1.0, 10.0] and list(tp.log_rr.weights) == [0.3, 0.7]


@pytest.mark.parametrize("name,s,r", [("jeffreys", 0.5, 1e-6), ("sceptical", 3.0, 2.0)])
def test_two_rate_priors_keep_the_beta_prime(name, s, r):
    prior = TwoRatePrior(bt.Gamma(s, r), bt.Gamma(s, r))
    out = grids.exact_summary(INF, prior)
    rr = stats.betaprime(s + 6, s + 40, scale=(r + 27.0) / (r + 15.8513))
    assert out["prob"] == pytest.approx(rr.cdf(0.5), rel=1e-9)
    assert out["prob_null"] == pytest.approx(rr.cdf(1.0), rel=1e-9)
    assert out["eti_low"] == pytest.approx(rr.ppf(0.025), rel=1e-9)


def test_endpoint_for_a_prior():
    assert isinstance(grids.endpoint_for(INF, LogRRPrior(bt.Normal(0, 1))), LogRateRatioEndpoint)
    lrr = grids.log_rr_endpoint(INF)
    assert grids.endpoint_for(lrr, TwoRatePrior.jeffreys()) == INF
    assert isinstance(grids.as_rate_prior(bt.Normal(0, 1)), LogRRPrior)
    with pytest.raises(PriorError):
        grids.endpoint_for(INF, bt.Beta(1, 1))


def test_shifted_data_and_scenario_cases():
    assert grids.shifted_data(INF, 3).after.events == 9
    up = RateRatioEndpoint("g", INF_DATA, target=2.0, direction="greater")
    assert grids.shifted_data(up, 6).after.events == 0 and grids.shifted_data(up, 7) is None
    grid = ScenarioGrid(
        events_before=(10, 40), exposure_before=(27.0,), exposure_after=(15.75,), source="t"
    )
    cases = grids.scenario_cases(INF, 74.45, grid)
    assert len(cases) == 2
    for label, ep in cases:
        # each reproduces the published reduction (Kohn et al. NEJM 2025 abstract: 74.45%)
        assert round(ep.data.percent_reduction, 2) == 74.45 and label.startswith("scenario")
    assert grids.scenario_cases(INF, 74.45) == []  # the endpoint states no grid
