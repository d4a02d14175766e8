"""Two-sample decision rules, boundaries, operating characteristics, probability of success and
calibration, each against an independent computation: brute force over every pair of counts
(the rule called on bayes_trials.update posteriors, no boundary involved), closed forms for
normal arms, and seeded simulation (within the stated Monte Carlo tolerance), locally and on a
Dask LocalCluster.

Design example: the ankylosing-spondylitis placebo history of Baeten D et al., Lancet
2013;382:1705-1713 (doi:10.1016/S0140-6736(13)61134-4), eight placebo arms (events/n
23/107, 12/44, 19/51, 9/39, 39/139, 6/20, 9/78, 10/35), as tabulated in RBesT's ``AS`` and
bayesmeta's ``BaetenEtAl2013`` data sets; the robust control prior below is an assumed
stand-in for the MAP prior they give (mean about 0.25), used only to exercise mixtures.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials import Beta, Binary, Gamma, Mixture, Normal, NormalData, Rate, update
from bayes_trials.decisions import (
    Criterion2S,
    calibrate_threshold_2s,
    decision_2s,
    decision_boundary_2s,
    operating_characteristics_2s,
    probability_of_success_2s,
)
from bayes_trials.errors import DataError, PriorError

#: an assumed robust control prior in the spirit of the AS MAP prior (mean ~0.25)
ROBUST_CONTROL = Mixture([Beta(11.0, 33.0), Beta(1.0, 1.0)], [0.8, 0.2])
#: Monte Carlo tolerance: 4.5 standard errors, a false failure rate of 6.8e-6 per comparison
Z_MC = 4.5


def brute_success_table(rule, p1, p2, n1, n2) -> np.ndarray:
    """success[y1, y2] for every pair of counts, deciding each with update() and the rule."""
    post1 = [update(p1, Binary(y, n1)) for y in range(n1 + 1)]
    post2 = [update(p2, Binary(y, n2)) for y in range(n2 + 1)]
    return np.array([[rule(a, b) for b in post2] for a in post1])


# --- rules -----------------------------------------------------------------------------------
def test_rule_is_the_conjunction_of_its_criteria_and_prints_itself():
    rule = decision_2s([0.95, 0.5], [0.0, 0.1], measure=["difference", "difference"])
    assert (
        repr(rule) == "success if P(theta1 - theta2 > 0) > 0.95 and P(theta1 - theta2 > 0.1) > 0.5"
    )
    d1, d2 = Beta(20, 10), Beta(10, 20)
    probs = rule.probabilities(d1, d2)
    diff = bt.compare(d1, d2)
    assert list(probs.values()) == pytest.approx(
        [float(diff.sf(0.0)), float(diff.sf(0.1))], abs=1e-12
    )
    assert rule(d1, d2) is all(p > c for p, c in zip(probs.values(), (0.95, 0.5)))
    assert (
        repr(decision_2s(0.9, 0.8, "less", "odds_ratio"))
        == "success if P(OR(theta1, theta2) < 0.8) > 0.9"
    )


@pytest.mark.parametrize(
    "args, field",
    [
        ((1.2, 0.0), "threshold"),
        ((0.9, 0.0, "up"), "direction"),
        ((0.9, 0.0, "greater", "hazard"), "measure"),
        ((0.9, -1.0, "less", "ratio"), "target"),
        (([0.9, 0.8], [0.0, 0.1, 0.2]), "threshold"),
    ],
)
def test_bad_rules_name_the_field(args, field):
    with pytest.raises(DataError) as err:
        decision_2s(*args)
    assert err.value.field == field


# --- boundaries ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rule",
    [
        decision_2s(0.975, 0.0),
        decision_2s(0.9, 1.0, "less", "ratio"),
        decision_2s(0.8, 2.0, "greater", "odds_ratio"),
        decision_2s([0.95, 0.6], [0.0, 0.25], ["greater", "less"]),  # mixed: an interval of y1
    ],
)
@pytest.mark.parametrize("p2", [Beta(1, 1), ROBUST_CONTROL])
def test_binomial_boundary_equals_brute_force(rule, p2):
    n1, n2 = 14, 9
    success = brute_success_table(rule, Beta(0.5, 0.5), p2, n1, n2)
    table = decision_boundary_2s(Beta(0.5, 0.5), p2, n1, n2, rule).table()
    for y2 in range(n2 + 1):
        ok = np.flatnonzero(success[:, y2])
        row = table.iloc[y2]
        if ok.size == 0:
            assert np.isnan(row.treatment_lower)
            continue
        # the success set is an interval (monotone likelihood ratio) and the boundary is its ends
        assert np.array_equal(ok, np.arange(ok[0], ok[-1] + 1))
        assert (row.treatment_lower, row.treatment_upper) == (ok[0], ok[-1])


def test_poisson_boundary_equals_brute_force():
    rule = decision_2s(0.9, 0.8, "less", "ratio")
    p1, p2 = Gamma(0.5, 0.01), Mixture([Gamma(6.0, 20.0), Gamma(0.5, 0.01)], [0.7, 0.3])
    e1, e2 = 30.0, 25.0
    b = decision_boundary_2s(p1, p2, e1, e2, rule)
    for y2 in (0, 3, 9, 20):
        post2 = update(p2, Rate(y2, e2))
        met = [rule(update(p1, Rate(y1, e1)), post2) for y1 in range(60)]
        last = max((y for y, m in enumerate(met) if m), default=None)
        assert met[: (last or -1) + 1] == [True] * ((last or -1) + 1) and not any(
            met[(last or -1) + 1 :]
        )
        assert b(y2) == last


def test_normal_boundary_closed_form():
    # one Normal prior per arm: P(mu1 - mu2 > 0 | ybar) = Phi(M / s) with M linear in the means
    p1, p2, n, sigma = Normal(0.0, 2.0), Normal(0.5, 1.0), 30, 1.5
    b = decision_boundary_2s(p1, p2, n, n, decision_2s(0.95, 0.0), sigma=sigma)
    se2 = sigma**2 / n
    w1, w2 = 4.0 / (4.0 + se2), 1.0 / (1.0 + se2)
    s = math.sqrt(w1 * se2 + w2 * se2)
    for y2 in (-1.0, 0.3, 2.0):
        # w1 y1 - w2 y2 + (1 - w2) 0.5 * (-1) ... solved for y1 at M = s z
        y1 = (s * stats.norm.ppf(0.95) + w2 * y2 + (1 - w2) * 0.5) / w1
        assert b(y2) == pytest.approx(y1, abs=1e-8)


def test_boundary_errors():
    rule = decision_2s(0.9, 0.0)
    with pytest.raises(PriorError, match="one family"):
        decision_boundary_2s(Beta(1, 1), Gamma(1, 1), 10, 10, rule)
    with pytest.raises(DataError, match="sampling sd"):
        decision_boundary_2s(Normal(0, 1), Normal(0, 1), 10, 10, rule)
    with pytest.raises(DataError, match="ratio of means"):
        decision_boundary_2s(
            Normal(0, 1), Normal(0, 1), 10, 10, decision_2s(0.9, 1.0, measure="ratio"), sigma=1.0
        )
    with pytest.raises(DataError) as err:
        decision_boundary_2s(Beta(1, 1), Beta(1, 1), 0, 10, rule)
    assert err.value.field == "n1"
    with pytest.raises(DataError, match="must not exceed n2"):
        decision_boundary_2s(Beta(1, 1), Beta(1, 1), 10, 10, rule)(11)


# --- operating characteristics ------------------------------------------------------------------------
@pytest.mark.parametrize("p2", [Beta(1, 1), ROBUST_CONTROL])
def test_binomial_oc_equals_brute_force_sum(p2):
    rule = decision_2s([0.95, 0.6], [0.0, 0.25], ["greater", "less"])
    n1, n2 = 14, 9
    success = brute_success_table(rule, Beta(0.5, 0.5), p2, n1, n2)
    t1 = np.array([0.1, 0.3, 0.5, 0.5, 0.9])
    t2 = np.array([0.1, 0.3, 0.3, 0.5, 0.2])
    oc = operating_characteristics_2s(Beta(0.5, 0.5), p2, n1, n2, rule, t1, t2)
    for (a, b), p in zip(zip(t1, t2), oc["prob_success"]):
        joint = (
            stats.binom.pmf(np.arange(n1 + 1), n1, a)[:, None]
            * stats.binom.pmf(np.arange(n2 + 1), n2, b)[None, :]
        )
        assert p == pytest.approx(float((joint * success).sum()), abs=1e-12)


def test_interpolated_boundary_of_large_trials_equals_the_exact_one():
    # the large-trial path (continuous roots, interpolated) forced on a trial the exact path handles
    rule = decision_2s(0.975, 0.0)
    args = (Beta(1, 1), ROBUST_CONTROL, 200, 150, rule, [0.3, 0.38, 0.25], [0.3, 0.3, 0.25])
    exact = operating_characteristics_2s(*args)
    interp = operating_characteristics_2s(*args, force_interpolation=True)
    assert np.max(np.abs(exact["prob_success"] - interp["prob_success"])) < 1e-13
    assert interp.attrs["boundary"]["interpolated"] > 0


def test_oc_of_a_very_large_trial_is_bounded_and_tends_to_the_z_test():
    # n = 10^8 per arm, uniform priors: the posterior of the difference is normal to within
    # O(1/sqrt(n)), so the rule P(diff > 0) > 0.975 is the one-sided z-test at 2.5%: the OC at
    # equal rates is 0.025 and at a difference d is Phi(d / sqrt(2 p (1-p) / n) - 1.96)
    n = 10**8
    rule = decision_2s(0.975, 0.0)
    d = 1.5 * math.sqrt(2 * 0.3 * 0.7 / n)
    oc = operating_characteristics_2s(
        Beta(1, 1), Beta(1, 1), n, n, rule, [0.3, 0.3 + d], [0.3, 0.3]
    )
    expected = [0.025, stats.norm.cdf(1.5 - stats.norm.ppf(0.975))]
    assert np.allclose(oc["prob_success"], expected, atol=2e-3)
    assert oc.attrs["boundary"]["control_outcomes"] < 10**6  # the mass that matters, not 0..n


def test_oc_of_far_apart_truths_sums_each_apart_not_over_the_counts_between():
    # truths 0.1 and 0.9 at n = 10^9: their control windows (~2e5 counts each) are summed apart;
    # a union of the two would span 8e8 counts. Equal rates: the one-sided z-test's 0.025 (as above)
    n = 10**9
    rule = decision_2s(0.975, 0.0)
    oc = operating_characteristics_2s(Beta(1, 1), Beta(1, 1), n, n, rule, [0.1, 0.9], [0.1, 0.9])
    assert np.allclose(oc["prob_success"], 0.025, atol=2e-3)
    assert oc.attrs["boundary"]["control_outcomes"] < 10**6
    # at small n the grouping changes nothing: one group, the brute-force sum (test above)
    from bayes_trials.decisions.two_sample_oc import _clusters

    assert _clusters([(0, 10), (5, 20), (40, 50)]) == [[0, 1], [2]]


def test_exact_sums_too_wide_for_memory_are_refused_with_a_located_error():
    from bayes_trials.decisions.two_sample_oc import MAX_WINDOW

    n = 10**9
    rule = decision_2s(0.975, 0.0)
    # a uniform design prior's predictive spreads over all 10^9 + 1 counts: refused, not enumerated
    with pytest.raises(DataError, match="2\\*\\*23") as err:
        probability_of_success_2s(
            Beta(1, 1), Beta(1, 1), n, n, rule, design1=Beta(1, 1), design2=Beta(1, 1)
        )
    assert err.value.field == "n2" and MAX_WINDOW == 2**23
    # a boundary table over every control count of a huge arm: refused; given counts: computed
    boundary = decision_boundary_2s(Beta(1, 1), Beta(1, 1), n, n, rule)
    with pytest.raises(DataError) as err:
        boundary.table()
    assert err.value.field == "y2s"
    table = boundary.table([10**8])
    assert table["treatment_lower"].iloc[0] == boundary(10**8)


def test_normal_oc_closed_form_against_the_quadrature_path_and_simulation():
    rule = decision_2s(0.95, 0.2)
    sigma, n1, n2 = 1.2, 40, 30
    t1, t2 = [0.0, 0.6, 1.0], [0.0, 0.0, 0.3]
    closed = operating_characteristics_2s(
        Normal(0, 3), Normal(0.2, 0.5), n1, n2, rule, t1, t2, sigma=sigma
    )
    assert closed.attrs["boundary"]["method"] == "closed form"
    # a two-component mixture of identical Normals is the same prior: the quadrature path
    same = Mixture([Normal(0.2, 0.5), Normal(0.2, 0.5)], [0.5, 0.5])
    quad = operating_characteristics_2s(Normal(0, 3), same, n1, n2, rule, t1, t2, sigma=sigma)
    assert np.allclose(closed["prob_success"], quad["prob_success"], atol=1e-8)
    sim = operating_characteristics_2s(
        Normal(0, 3),
        Normal(0.2, 0.5),
        n1,
        n2,
        rule,
        t1,
        t2,
        sigma=sigma,
        method="simulation",
        n_sim=4000,
        random_seed=5,
    )
    assert np.all(
        np.abs(sim["prob_success"] - closed["prob_success"]) <= Z_MC * sim["mcse_success"] + 1e-12
    )


def test_count_oc_against_simulation():
    # binomial with a robust MAP-like control prior, and Poisson arms
    rule = decision_2s(0.95, 0.0)
    t1, t2 = [0.25, 0.45, 0.6], [0.25, 0.25, 0.3]
    exact = operating_characteristics_2s(Beta(1, 1), ROBUST_CONTROL, 24, 12, rule, t1, t2)
    sim = operating_characteristics_2s(
        Beta(1, 1),
        ROBUST_CONTROL,
        24,
        12,
        rule,
        t1,
        t2,
        method="simulation",
        n_sim=20_000,
        random_seed=11,
    )
    assert np.all(
        np.abs(sim["prob_success"] - exact["prob_success"]) <= Z_MC * sim["mcse_success"] + 1e-12
    )
    rr = decision_2s(0.9, 1.0, "less", "ratio")
    exact = operating_characteristics_2s(
        Gamma(0.5, 0.01), Gamma(0.5, 0.01), 40.0, 40.0, rr, [0.1, 0.2], [0.2, 0.2]
    )
    sim = operating_characteristics_2s(
        Gamma(0.5, 0.01),
        Gamma(0.5, 0.01),
        40.0,
        40.0,
        rr,
        [0.1, 0.2],
        [0.2, 0.2],
        method="simulation",
        n_sim=20_000,
        random_seed=12,
    )
    assert np.all(
        np.abs(sim["prob_success"] - exact["prob_success"]) <= Z_MC * sim["mcse_success"] + 1e-12
    )


def test_simulated_oc_on_a_dask_cluster_equals_the_local_run():
    from dask.distributed import Client, LocalCluster

    rule = decision_2s(0.95, 0.0)
    kwargs = dict(method="simulation", n_sim=5_000, random_seed=21)
    local = operating_characteristics_2s(
        Beta(1, 1), ROBUST_CONTROL, 24, 12, rule, [0.3, 0.5], [0.25, 0.25], **kwargs
    )
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        remote = operating_characteristics_2s(
            Beta(1, 1),
            ROBUST_CONTROL,
            24,
            12,
            rule,
            [0.3, 0.5],
            [0.25, 0.25],
            client=client,
            **kwargs,
        )
    pd.testing.assert_frame_equal(local, remote)


def test_oc_input_errors():
    rule = decision_2s(0.95, 0.0)
    with pytest.raises(DataError) as err:
        operating_characteristics_2s(Beta(1, 1), Beta(1, 1), 10, 10, rule, [0.2, 0.3], [0.2])
    assert err.value.field == "theta2"
    with pytest.raises(DataError, match="lie in"):
        operating_characteristics_2s(Beta(1, 1), Beta(1, 1), 10, 10, rule, [1.2], [0.2])
    with pytest.raises(DataError, match="finite"):
        operating_characteristics_2s(Beta(1, 1), Beta(1, 1), 10, 10, rule, [float("nan")], [0.2])


# --- probability of success ----------------------------------------------------------------------------
def test_probability_of_success_equals_brute_force_predictive_sum():
    rule = decision_2s(0.95, 0.0)
    m1, m2 = 10, 8  # patients still to come
    i1, i2 = Binary(7, 12), Binary(3, 10)  # interim data
    pos = probability_of_success_2s(
        Beta(1, 1), ROBUST_CONTROL, m1, m2, rule, interim1=i1, interim2=i2
    )
    post1, post2 = update(Beta(1, 1), i1), update(ROBUST_CONTROL, i2)
    pred1 = bt.predictive(post1, n=m1).pmf(np.arange(m1 + 1))
    pred2 = bt.predictive(post2, n=m2).pmf(np.arange(m2 + 1))
    # the final analysis: the prior updated by all the data
    total = sum(
        pred1[a] * pred2[b]
        for a in range(m1 + 1)
        for b in range(m2 + 1)
        if rule(
            update(Beta(1, 1), Binary(i1.events + a, i1.n + m1)),
            update(ROBUST_CONTROL, Binary(i2.events + b, i2.n + m2)),
        )
    )
    assert pos == pytest.approx(total, abs=1e-12)


def test_probability_of_success_with_design_priors_against_simulation():
    # draw the true rates from the design priors, the data from them, and decide: P(success)
    rule = decision_2s(0.95, 0.0)
    d1, d2 = Beta(12, 18), Beta(8, 24)
    pos = probability_of_success_2s(Beta(1, 1), Beta(1, 1), 30, 30, rule, design1=d1, design2=d2)
    rng = np.random.default_rng(7)
    n_sim = 20_000
    y1 = rng.binomial(30, d1.rvs(size=n_sim, seed=rng))
    y2 = rng.binomial(30, d2.rvs(size=n_sim, seed=rng))
    cache = {}
    wins = 0
    for a, b in zip(y1, y2):
        if (a, b) not in cache:
            cache[a, b] = rule(
                update(Beta(1, 1), Binary(int(a), 30)), update(Beta(1, 1), Binary(int(b), 30))
            )
        wins += cache[a, b]
    p = wins / n_sim
    assert abs(p - pos) <= Z_MC * math.sqrt(pos * (1 - pos) / n_sim)


def test_normal_probability_of_success_closed_form():
    # one Normal prior per arm, predictive normal means: success is Z = w1 Y1 - w2 Y2 >= L
    rule = decision_2s(0.9, 0.0)
    sigma, m = 2.0, 25
    interim = NormalData(0.8, 2.0 / math.sqrt(15))
    pos = probability_of_success_2s(
        Normal(0, 5), Normal(0, 5), m, m, rule, interim1=interim, sigma=sigma
    )
    post1 = update(Normal(0, 5), interim)
    se = sigma / math.sqrt(m)
    w1 = post1.sd**2 / (post1.sd**2 + se**2)
    w2 = 25.0 / (25.0 + se**2)
    s = math.sqrt(w1 * se**2 + w2 * se**2)
    lo = s * stats.norm.ppf(0.9) - (1 - w1) * post1.mean
    z_mean = w1 * post1.mean
    z_sd = math.hypot(w1 * math.hypot(post1.sd, se), w2 * math.hypot(5.0, se))
    assert pos == pytest.approx(float(stats.norm.sf(lo, z_mean, z_sd)), abs=1e-12)


# --- calibration ----------------------------------------------------------------------------------------
def test_calibrated_threshold_is_the_smallest_that_keeps_alpha():
    nulls = [0.1, 0.2, 0.3, 0.4, 0.5]
    cal = calibrate_threshold_2s(
        Beta(1, 1),
        ROBUST_CONTROL,
        24,
        12,
        0.0,
        0.05,
        null_control=nulls,
        alternatives=([0.55], [0.25]),
    )
    assert cal.type1_error <= 0.05
    # just below the threshold (by twice the bisection tolerance) some null exceeds alpha
    below = decision_2s(cal.threshold - 2e-6, 0.0)
    oc = operating_characteristics_2s(Beta(1, 1), ROBUST_CONTROL, 24, 12, below, nulls, nulls)
    assert oc["prob_success"].max() > 0.05
    assert cal.worst_null in nulls
    assert 0 < float(cal.power["prob_success"].iloc[0]) < 1
    assert repr(cal.rule).startswith("success if P(theta1 - theta2 > 0) >")


def test_criterion_object_works_as_a_rule():
    crit = Criterion2S(0.95, 0.0)
    b = decision_boundary_2s(Beta(1, 1), Beta(1, 1), 10, 10, crit)
    assert b(3) == decision_boundary_2s(Beta(1, 1), Beta(1, 1), 10, 10, decision_2s(0.95, 0.0))(3)
