"""Decision rules, boundaries and operating characteristics, each checked independently:
brute force over every count with scipy, the exact binomial test, numerical integration,
and seeded simulation (within 4 Monte Carlo standard errors).

Seed designs (the numbers as the two seed specs cite them):
- LAD-I (Kohn et al., NEJM 2025, doi:10.1056/NEJMoa2407376): n = 9, one-sided null 0.39,
  observed 9/9 [E]; rule P(theta > 0.39) > 0.975.
- META 10-19 (Lancet Haematol 2025, doi:10.1016/S2352-3026(25)00253-4): n = 12 infused,
  CR + CRi 9/12 [D]; null 0.40 = FELIX's prespecified remission null [E]
  (Roddie et al., NEJM 2024); FELIX overall remission 72/94 [D] as an alternative.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import betaln, logsumexp

import bayes_trials as bt
from bayes_trials import Beta, Binary, Gamma, Mixture, Normal, Rate, update
from bayes_trials.decisions import (
    Criterion,
    DecisionRule,
    GoNoGoRule,
    _predictive_probability,
    calibrate_threshold,
    decision,
    decision_boundary,
    interim_futility_oc,
    operating_characteristics,
)
from bayes_trials.errors import DataError, PriorError, StatisticalWarning

LADI_N, LADI_NULL, LADI_EVENTS = 9, 0.39, 9
META_N, META_NULL, META_EVENTS = 12, 0.40, 9
FELIX_REMISSION = 72 / 94
C = 0.975

PRIORS = {
    "uniform": Beta(1, 1),
    "jeffreys": Beta(0.5, 0.5),
    "sceptical": Beta.from_mean_ess(0.39, 9),  # centred on the LAD-I null, worth 9 patients
}


# ---------------------------------------------------------------- independent oracles


def brute_success_counts(a, b, n, q, c, direction="greater"):
    """Counts y in 0..n whose Beta(a + y, b + n - y) posterior meets the criterion (scipy only)."""
    out = []
    for y in range(n + 1):
        post = stats.beta(a + y, b + n - y)
        p = post.sf(q) if direction == "greater" else post.cdf(q)
        if p > c:
            out.append(y)
    return out


def mixture_posterior_sf(weights, comps, y, n, q):
    """P(theta > q | y) under a Beta mixture, with the mixture update written out here."""
    logw = [
        np.log(w) + betaln(a + y, b + n - y) - betaln(a, b) for w, (a, b) in zip(weights, comps)
    ]
    w = np.exp(np.array(logw) - logsumexp(logw))
    return sum(wk * stats.beta(a + y, b + n - y).sf(q) for wk, (a, b) in zip(w, comps))


def quad_posterior_sf(prior, y, n, q):
    """P(theta > q | y) by numerical integration of prior density x binomial likelihood."""
    f = lambda t: prior.pdf(t) * stats.binom.pmf(y, n, t)  # noqa: E731
    num = integrate.quad(f, q, 1, limit=200)[0]
    den = integrate.quad(f, 0, q, limit=200)[0] + num
    return num / den


# ---------------------------------------------------------------- rules as objects


def test_rule_prints_and_answers():
    rule = decision(C, LADI_NULL)
    assert repr(rule) == "success if P(theta > 0.39) > 0.975"
    assert isinstance(rule, DecisionRule)
    post = update(Beta(1, 1), Binary(LADI_EVENTS, LADI_N))
    # exact: P(theta > 0.39 | 9/9, uniform) = 1 - 0.39^10
    assert rule.probabilities(post)["P(theta > 0.39) > 0.975"] == pytest.approx(1 - 0.39**10)
    assert rule(post) is True
    assert rule(Beta(1, 1)) is False
    harm = decision(0.9, 0.2, "less")
    assert repr(harm) == "success if P(theta < 0.2) > 0.9"
    # P(theta < 0.2) under Beta(1, 20) = 1 - 0.8^20 = 0.988
    assert harm(Beta(1, 20)) is True
    # a Normal posterior of a log rate ratio: P(beta < 0) = Phi(0.3 / 0.15) = 0.977
    assert decision(0.975, 0.0, "less")(Normal(-0.3, 0.15)) is True
    assert decision(0.98, 0.0, "less")(Normal(-0.3, 0.15)) is False


def test_strict_inequality_as_rbest():
    # P(theta > 0.5) = 0.5 exactly under Beta(2, 2): a threshold of 0.5 is not exceeded
    crit = Criterion(0.5, 0.5)
    assert crit.prob(Beta(2, 2)) == pytest.approx(0.5)
    assert crit(Beta(2, 2)) is False


def test_multi_criterion_rule_is_a_conjunction():
    rule = decision([0.975, 0.5], [0.39, 0.6])
    assert repr(rule) == "success if P(theta > 0.39) > 0.975 and P(theta > 0.6) > 0.5"
    for a, b in [(10, 1), (6, 5), (3, 8), (20, 8)]:
        post = Beta(a, b)
        expected = post.sf(0.39) > 0.975 and post.sf(0.6) > 0.5
        assert rule(post) == expected


def test_go_no_go_zones():
    rule = decision(go=(0.8, 0.5), no_go=(0.8, 0.3))
    assert isinstance(rule, GoNoGoRule)
    assert (
        repr(rule)
        == "go if P(theta > 0.5) > 0.8; no-go if P(theta < 0.3) > 0.8; consider otherwise"
    )
    for a, b in [(9, 4), (2, 10), (4, 5), (30, 30), (1, 1)]:
        post = Beta(a, b)
        go, stop = post.sf(0.5) > 0.8, post.cdf(0.3) > 0.8
        expected = "go" if go and not stop else "no-go" if stop and not go else "consider"
        assert rule(post) == expected


def test_rule_works_on_mixtures():
    mix = Mixture([Beta(3.51, 5.49), Beta(1, 1)], [0.8, 0.2])
    rule = decision(0.6, 0.39)
    assert rule.probabilities(mix)["P(theta > 0.39) > 0.6"] == pytest.approx(
        0.8 * stats.beta(3.51, 5.49).sf(0.39) + 0.2 * 0.61
    )


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"threshold": 1.0, "target": 0.39}, "threshold"),
        ({"threshold": 0.0, "target": 0.39}, "threshold"),
        ({"threshold": float("nan"), "target": 0.39}, "threshold"),
        ({"threshold": 0.9, "target": 0.39, "direction": "above"}, "direction"),
        ({"threshold": 0.9}, "target"),
        ({"threshold": [0.9, 0.8, 0.7], "target": [0.1, 0.2]}, "target"),
        ({"go": (0.8, 0.5)}, "no_go"),
        ({"threshold": 0.9, "target": 0.3, "go": (0.8, 0.5), "no_go": (0.8, 0.3)}, "go"),
    ],
)
def test_bad_rules_name_the_field(kwargs, field):
    with pytest.raises(DataError) as err:
        decision(**kwargs)
    assert err.value.field == field


# ---------------------------------------------------------------- boundaries


@pytest.mark.parametrize("name", list(PRIORS))
def test_ladi_boundary_by_brute_force(name):
    prior = PRIORS[name]
    success = brute_success_counts(prior.a, prior.b, LADI_N, LADI_NULL, C)
    assert success == list(range(success[0], LADI_N + 1))  # a half-line, as claimed
    assert decision_boundary(prior, LADI_N, C, LADI_NULL) == success[0]


def test_ladi_uniform_boundary_is_7_of_9_like_the_exact_test():
    # brute force: P(theta > 0.39 | y of 9) under Beta(1, 1) for y = 6 and 7
    assert stats.beta(7, 4).sf(0.39) < C < stats.beta(8, 3).sf(0.39)
    assert decision_boundary(Beta(1, 1), LADI_N, C, LADI_NULL) == 7
    # the exact one-sided binomial test at 2.5% rejects from 7 of 9 as well
    pvals = [stats.binomtest(k, LADI_N, LADI_NULL, alternative="greater").pvalue for k in range(10)]
    assert min(k for k, p in enumerate(pvals) if p <= 0.025) == 7
    # the sceptical prior (worth 9 patients at the null) needs one more responder
    assert decision_boundary(PRIORS["sceptical"], LADI_N, C, LADI_NULL) == 8


def test_ladi_observed_9_of_9_succeeds_under_every_prior():
    for prior in PRIORS.values():
        assert decision(C, LADI_NULL)(update(prior, Binary(LADI_EVENTS, LADI_N)))


def test_meta1019_boundary_and_observed_result():
    for prior in PRIORS.values():
        success = brute_success_counts(prior.a, prior.b, META_N, META_NULL, C)
        assert decision_boundary(prior, META_N, C, META_NULL) == success[0]
    # 9/12 CR + CRi against the FELIX null 0.40, uniform prior: P = Beta(10, 4).sf(0.4)
    post = update(Beta(1, 1), Binary(META_EVENTS, META_N))
    assert decision(C, META_NULL).probabilities(post)["P(theta > 0.4) > 0.975"] == pytest.approx(
        stats.beta(10, 4).sf(0.4)
    )
    assert decision(C, META_NULL)(post) == (stats.beta(10, 4).sf(0.4) > C)


def test_boundary_for_harms_is_the_largest_count():
    # adverse event rate: success if P(theta < 0.3) > 0.9 with 12 patients
    success = brute_success_counts(1, 1, 12, 0.3, 0.9, "less")
    assert success == list(range(0, success[-1] + 1))
    assert decision_boundary(Beta(1, 1), 12, 0.9, 0.3, "less") == success[-1]


def test_boundary_none_when_no_count_succeeds():
    # with 2 patients even 2/2 under Beta(1, 1) gives P(theta > 0.39) = 1 - 0.39^3 < 0.975
    assert decision_boundary(Beta(1, 1), 2, C, LADI_NULL) is None


def test_mixture_boundary_against_written_out_update_and_quadrature():
    weights, comps = [0.8, 0.2], [(30.0, 9.0), (1.0, 1.0)]  # an optimistic MAP-like prior + vague
    mix = Mixture([Beta(*c) for c in comps], weights)
    probs = [mixture_posterior_sf(weights, comps, y, META_N, META_NULL) for y in range(META_N + 1)]
    for y in (3, 6, 9):
        assert probs[y] == pytest.approx(quad_posterior_sf(mix, y, META_N, META_NULL), rel=1e-6)
    expected = min(y for y, p in enumerate(probs) if p > C)
    assert decision_boundary(mix, META_N, C, META_NULL) == expected


@pytest.mark.parametrize(
    "direction, threshold, target", [("less", 0.9, 2.0), ("greater", 0.95, 0.5)]
)
def test_poisson_boundary_by_brute_force(direction, threshold, target):
    prior, exposure = Gamma(1.0, 1.0), 10.0
    ys = np.arange(400)
    post = stats.gamma(prior.shape + ys, scale=1 / (prior.rate + exposure))
    p = post.cdf(target) if direction == "less" else post.sf(target)
    ok = np.flatnonzero(p > threshold)
    expected = ok[-1] if direction == "less" else ok[0]
    got = decision_boundary(
        prior, threshold=threshold, target=target, direction=direction, exposure=exposure
    )
    assert got == expected


def test_poisson_mixture_boundary_via_update():
    mix = Mixture([Gamma(8, 4), Gamma(2, 1)], [0.7, 0.3])
    exposure, target, c = 12.0, 1.5, 0.8
    p = [update(mix, Rate(y, exposure)).cdf(target) for y in range(80)]
    expected = max(y for y, pi in enumerate(p) if pi > c)
    assert (
        decision_boundary(mix, threshold=c, target=target, direction="less", exposure=exposure)
        == expected
    )


@pytest.mark.parametrize(
    "call, error, field",
    [
        (lambda: decision_boundary(Beta(1, 1), None, C, 0.39), DataError, "n"),
        (lambda: decision_boundary(Beta(1, 1), 9, C, 0.39, exposure=3.0), DataError, "exposure"),
        (lambda: decision_boundary(Gamma(1, 1), 9, C, 0.39), PriorError, "prior"),
        (lambda: decision_boundary(Beta(1, 1), 0, C, 0.39), DataError, "n"),
        (lambda: decision_boundary(Beta(1, 1), -3, C, 0.39), DataError, "n"),
        (
            lambda: decision_boundary(
                Beta(1, 1), 9, rule=decision(go=(0.8, 0.5), no_go=(0.8, 0.3))
            ),
            DataError,
            "rule",
        ),
    ],
)
def test_bad_designs_name_the_field(call, error, field):
    with pytest.raises(error) as err:
        call()
    assert err.value.field == field


# ---------------------------------------------------------------- operating characteristics


@pytest.mark.parametrize("name", list(PRIORS))
def test_ladi_type1_error_and_power_exact(name):
    prior = PRIORS[name]
    truths = [LADI_NULL, 0.6, 0.8, 0.95]
    oc = operating_characteristics(prior, n=LADI_N, threshold=C, target=LADI_NULL, truths=truths)
    success = brute_success_counts(prior.a, prior.b, LADI_N, LADI_NULL, C)
    for truth, got in zip(truths, oc.prob_success):
        assert got == pytest.approx(stats.binom.pmf(success, LADI_N, truth).sum(), abs=1e-14)
        # the region is y >= k, so the OC is a binomial survival probability
        assert got == pytest.approx(stats.binom.sf(success[0] - 1, LADI_N, truth), rel=1e-12)
    assert oc.attrs["rule"] == "success if P(theta > 0.39) > 0.975"


def test_ladi_bayesian_oc_beside_the_exact_binomial_test():
    truths = [LADI_NULL, 0.8]
    # exact test at one-sided 2.5% rejects for k >= 7: type I error P(X >= 7 | 0.39) = 0.0215
    test_region = [
        k
        for k in range(10)
        if stats.binomtest(k, LADI_N, LADI_NULL, alternative="greater").pvalue <= 0.025
    ]
    test_oc = [stats.binom.pmf(test_region, LADI_N, t).sum() for t in truths]
    assert test_oc[0] == pytest.approx(0.021529898, rel=1e-6)
    uniform = operating_characteristics(
        Beta(1, 1), n=9, threshold=C, target=LADI_NULL, truths=truths
    )
    jeffreys = operating_characteristics(
        Beta(0.5, 0.5), n=9, threshold=C, target=LADI_NULL, truths=truths
    )
    sceptical = operating_characteristics(
        PRIORS["sceptical"], n=9, threshold=C, target=LADI_NULL, truths=truths
    )
    np.testing.assert_allclose(uniform.prob_success, test_oc, rtol=1e-12)
    np.testing.assert_allclose(jeffreys.prob_success, test_oc, rtol=1e-12)
    # sceptical: one more responder needed, so P(X >= 8)
    np.testing.assert_allclose(sceptical.prob_success, stats.binom.sf(7, 9, truths), rtol=1e-12)
    assert sceptical.prob_success[0] < 0.025 and sceptical.prob_success[1] < uniform.prob_success[1]


@pytest.mark.parametrize(
    "prior",
    [Beta(1, 1), Mixture([Beta(30, 9), Beta(1, 1)], [0.8, 0.2])],
    ids=["uniform", "robust-mixture"],
)
def test_meta1019_exact_oc_against_simulation(prior):
    truths = [META_NULL, 0.6, FELIX_REMISSION]
    exact = operating_characteristics(prior, n=META_N, threshold=C, target=META_NULL, truths=truths)
    sim = operating_characteristics(
        prior,
        n=META_N,
        threshold=C,
        target=META_NULL,
        truths=truths,
        method="simulation",
        n_sim=40_000,
        random_seed=20250611,
    )
    assert sim.attrs["random_seed"] == 20250611
    for e, s, se in zip(exact.prob_success, sim.prob_success, sim.mcse_success):
        assert abs(e - s) <= 4 * max(se, np.sqrt(e * (1 - e) / 40_000), 1e-12)


def test_simulation_is_reproducible():
    kw = dict(
        n=LADI_N, threshold=C, target=LADI_NULL, truths=[0.7], method="simulation", n_sim=2000
    )
    a = operating_characteristics(Beta(1, 1), random_seed=5, **kw)
    b = operating_characteristics(Beta(1, 1), random_seed=5, **kw)
    assert a.prob_success[0] == b.prob_success[0]


def test_poisson_oc_exact_against_brute_sum_and_simulation():
    prior, exposure, target, c = Gamma(2.0, 1.0), 8.0, 1.0, 0.9
    truths = [0.25, 0.5, 1.0, 1.5]
    oc = operating_characteristics(
        prior, threshold=c, target=target, truths=truths, direction="less", exposure=exposure
    )
    ys = np.arange(2000)
    ok = stats.gamma(prior.shape + ys, scale=1 / (prior.rate + exposure)).cdf(target) > c
    for t, got in zip(truths, oc.prob_success):
        assert got == pytest.approx(stats.poisson.pmf(ys[ok], t * exposure).sum(), abs=1e-13)
    sim = operating_characteristics(
        prior,
        threshold=c,
        target=target,
        truths=truths,
        direction="less",
        exposure=exposure,
        method="simulation",
        n_sim=20_000,
        random_seed=1,
    )
    for e, s in zip(oc.prob_success, sim.prob_success):
        assert abs(e - s) <= 4 * max(np.sqrt(e * (1 - e) / 20_000), 1e-12)


def test_poisson_greater_oc_has_exact_tail():
    # success for y >= k: the OC must be the full Poisson survival probability (no truncation)
    prior, exposure = Gamma(1.0, 1.0), 5.0
    k = decision_boundary(prior, threshold=0.95, target=1.0, exposure=exposure)
    oc = operating_characteristics(
        prior, threshold=0.95, target=1.0, truths=[1.0, 3.0, 10.0], exposure=exposure
    )
    np.testing.assert_allclose(
        oc.prob_success, stats.poisson.sf(k - 1, np.array([1.0, 3.0, 10.0]) * 5), rtol=1e-12
    )


def test_go_no_go_oc_sums_to_one_and_matches_enumeration():
    rule = decision(go=(0.8, 0.6), no_go=(0.8, 0.4))
    truths = [0.3, 0.5, 0.75]
    oc = operating_characteristics(Beta(1, 1), n=META_N, rule=rule, truths=truths)
    np.testing.assert_allclose(oc[["prob_go", "prob_no_go", "prob_consider"]].sum(axis=1), 1.0)
    zones = [rule(update(Beta(1, 1), Binary(y, META_N))) for y in range(META_N + 1)]
    for zone in ("go", "no-go", "consider"):
        idx = [y for y, z in enumerate(zones) if z == zone]
        expected = [stats.binom.pmf(idx, META_N, t).sum() for t in truths]
        np.testing.assert_allclose(oc["prob_" + zone.replace("-", "_")], expected, atol=1e-14)
    sim = operating_characteristics(
        Beta(1, 1),
        n=META_N,
        rule=rule,
        truths=truths,
        method="simulation",
        n_sim=20_000,
        random_seed=3,
    )
    for col in ("go", "no_go", "consider"):
        e, s = oc["prob_" + col].to_numpy(), sim["prob_" + col].to_numpy()
        assert np.all(np.abs(e - s) <= 4 * np.maximum(np.sqrt(e * (1 - e) / 20_000), 1e-12))


def test_oc_bad_truths():
    with pytest.raises(DataError) as err:
        operating_characteristics(Beta(1, 1), n=9, threshold=C, target=0.39, truths=[1.2])
    assert err.value.field == "truths"
    with pytest.raises(DataError) as err:
        operating_characteristics(Beta(1, 1), n=9, threshold=C, target=0.39, truths=None)
    assert err.value.field == "truths"
    with pytest.raises(DataError) as err:
        operating_characteristics(
            Beta(1, 1), n=9, threshold=C, target=0.39, truths=[0.5], method="bootstrap"
        )
    assert err.value.field == "method"


# ---------------------------------------------------------------- calibration


def brute_type1(prior, n, target, c, truth, direction="greater"):
    region = brute_success_counts(prior.a, prior.b, n, target, c, direction)
    return stats.binom.pmf(region, n, truth).sum()


@pytest.mark.parametrize("name", list(PRIORS))
@pytest.mark.parametrize("alpha", [0.025, 0.05, 0.1])
def test_calibrated_threshold_is_the_smallest_admissible(name, alpha):
    prior = PRIORS[name]
    cal = calibrate_threshold(prior, LADI_N, LADI_NULL, alpha=alpha, alternatives=[0.8])
    # at the threshold: admissible; just below it: not (brute force, independent of the module)
    assert brute_type1(prior, LADI_N, LADI_NULL, cal.threshold, LADI_NULL) <= alpha
    assert brute_type1(prior, LADI_N, LADI_NULL, cal.threshold - 1e-9, LADI_NULL) > alpha
    assert cal.type1_error == pytest.approx(
        brute_type1(prior, LADI_N, LADI_NULL, cal.threshold, LADI_NULL)
    )
    # the same rule for every c in [threshold, threshold_upper)
    mid = (cal.threshold + cal.threshold_upper) / 2
    assert brute_type1(prior, LADI_N, LADI_NULL, mid, LADI_NULL) == pytest.approx(cal.type1_error)
    # brute-force scan of thresholds on a fine grid agrees (posterior probabilities by scipy)
    ys = np.arange(LADI_N + 1)
    p_y = stats.beta(prior.a + ys, prior.b + LADI_N - ys).sf(LADI_NULL)
    pmf = stats.binom.pmf(ys, LADI_N, LADI_NULL)
    grid = np.linspace(0.5, 0.99999, 4001)
    admissible = [c for c in grid if pmf[p_y > c].sum() <= alpha]
    assert cal.threshold <= admissible[0] < cal.threshold_upper + 1e-12
    # power at the alternative is the exact binomial tail from the boundary
    assert cal.power.prob_success[0] == pytest.approx(stats.binom.sf(cal.boundary - 1, LADI_N, 0.8))


def test_calibration_with_uniform_prior_reproduces_the_exact_test():
    # boundary 7 of 9 (the exact test's), at the smallest c = P(theta > 0.39 | 6 of 9) = Beta(7, 4).sf
    cal = calibrate_threshold(Beta(1, 1), LADI_N, LADI_NULL, alpha=0.025)
    assert cal.boundary == 7
    assert cal.threshold == pytest.approx(stats.beta(7, 4).sf(0.39))
    assert cal.rule(update(Beta(1, 1), Binary(7, 9))) and not cal.rule(
        update(Beta(1, 1), Binary(6, 9))
    )


def test_calibration_poisson_less():
    prior, exposure, target, alpha = Gamma(1.0, 1.0), 10.0, 2.0, 0.05
    cal = calibrate_threshold(
        prior, target=target, alpha=alpha, direction="less", exposure=exposure, alternatives=[1.0]
    )
    ys = np.arange(300)
    p = stats.gamma(1 + ys, scale=1 / 11).cdf(target)

    def t1(c):
        return stats.poisson.pmf(ys[p > c], target * exposure).sum()

    assert t1(cal.threshold) <= alpha < t1(cal.threshold - 1e-9)
    assert cal.boundary == max(ys[p > cal.threshold])
    assert cal.power.prob_success[0] == pytest.approx(stats.poisson.cdf(cal.boundary, 10.0))


def test_calibration_warns_when_nothing_is_admissible():
    # 2 patients, null 0.39: even 2/2 has P(X = 2) = 0.152 > 0.025
    with pytest.warns(StatisticalWarning):
        cal = calibrate_threshold(Beta(1, 1), 2, 0.39, alpha=0.025)
    assert cal.boundary is None and cal.type1_error == 0.0


# ---------------------------------------------------------------- predictive probability, futility


def quad_predictive_probability(prior, x, n, n_max, c, q):
    """PP by integrating P(final success | theta) against the interim posterior density."""
    m = n_max - n
    final_ok = [
        j for j in range(m + 1) if stats.beta(prior.a + x + j, prior.b + n_max - x - j).sf(q) > c
    ]
    post = stats.beta(prior.a + x, prior.b + n - x)
    f = lambda t: post.pdf(t) * stats.binom.pmf(final_ok, m, t).sum()  # noqa: E731
    return integrate.quad(f, 0, 1, limit=200)[0]


@pytest.mark.parametrize("x", [2, 4, 5, 6])
def test_predictive_probability_against_quadrature(x):
    got = _predictive_probability(Beta(1, 1), x, 6, META_N, 0.95, META_NULL)
    assert got == pytest.approx(
        quad_predictive_probability(Beta(1, 1), x, 6, META_N, 0.95, META_NULL), abs=1e-8
    )


def test_predictive_probability_against_simulation_with_mixture():
    mix = Mixture([Beta(30, 9), Beta(1, 1)], [0.8, 0.2])
    x, n, n_max, c, q = 3, 6, 12, 0.95, 0.4
    got = _predictive_probability(mix, x, n, n_max, c, q)
    rng = np.random.default_rng(11)
    post = update(mix, Binary(x, n))
    theta = post.rvs(200_000, seed=rng)
    j = rng.binomial(n_max - n, theta)
    ok = np.array([update(mix, Binary(x + k, n_max)).sf(q) > c for k in range(n_max - n + 1)])
    est = ok[j].mean()
    assert abs(got - est) <= 4 * np.sqrt(est * (1 - est) / 200_000)


def test_interim_futility_oc_against_trial_simulation():
    prior, n1, n_max, c, q, fut = Beta(1, 1), 6, META_N, 0.95, META_NULL, 0.05
    truths = [0.4, 0.75]
    oc = interim_futility_oc(prior, n1, n_max, c, q, fut, truths)
    # independent: PP by quadrature, final rule by scipy, trials simulated patient by patient
    pp = np.array([quad_predictive_probability(prior, x, n1, n_max, c, q) for x in range(n1 + 1)])
    final = np.array([stats.beta(1 + y, 1 + n_max - y).sf(q) > c for y in range(n_max + 1)])
    rng = np.random.default_rng(2024)
    n_sim = 40_000
    for row, theta in zip(oc.itertuples(), truths):
        resp = rng.random((n_sim, n_max)) < theta
        x1 = resp[:, :n1].sum(axis=1)
        stop = pp[x1] < fut
        success = ~stop & final[resp.sum(axis=1)]
        for got, sim in ((row.prob_stop_futility, stop.mean()), (row.prob_success, success.mean())):
            se = np.sqrt(max(got * (1 - got), 1e-6) / n_sim)
            assert abs(got - sim) <= 4 * se
        assert row.expected_n == pytest.approx(n1 + (1 - row.prob_stop_futility) * (n_max - n1))
        assert row.prob_stop_futility + row.prob_success + row.prob_fail_final == pytest.approx(1.0)
    assert oc.attrs["stop_below"][n1] == max(x for x in range(n1 + 1) if pp[x] < fut)


def test_two_looks_against_path_enumeration():
    prior, looks, n_max, c, q, fut = Beta(0.5, 0.5), [4, 8], 14, 0.9, 0.3, 0.1
    theta = 0.45
    oc = interim_futility_oc(prior, looks, n_max, c, q, fut, [theta])
    pp = {
        nk: [quad_predictive_probability(prior, x, nk, n_max, c, q) for x in range(nk + 1)]
        for nk in looks
    }
    final = [stats.beta(0.5 + y, 0.5 + n_max - y).sf(q) > c for y in range(n_max + 1)]
    p_stop = p_succ = 0.0
    b = stats.binom.pmf
    for x1 in range(5):
        w1 = b(x1, 4, theta)
        if pp[4][x1] < fut:
            p_stop += w1
            continue
        for d2 in range(5):
            x2 = x1 + d2
            w2 = w1 * b(d2, 4, theta)
            if pp[8][x2] < fut:
                p_stop += w2
                continue
            for d3 in range(7):
                if final[x2 + d3]:
                    p_succ += w2 * b(d3, 6, theta)
    assert oc.prob_stop_futility[0] == pytest.approx(p_stop, abs=1e-12)
    assert oc.prob_success[0] == pytest.approx(p_succ, abs=1e-12)


def test_no_futility_stopping_reduces_to_the_single_stage_oc():
    # a futility cut-off below every attainable PP > 0 never stops unless PP = 0 exactly;
    # counts with PP = 0 can never succeed, so P(success) is the single-stage OC
    oc = interim_futility_oc(Beta(1, 1), 6, META_N, 0.95, META_NULL, 1e-12, [0.4, 0.75])
    single = operating_characteristics(
        Beta(1, 1), n=META_N, threshold=0.95, target=META_NULL, truths=[0.4, 0.75]
    )
    np.testing.assert_allclose(oc.prob_success, single.prob_success, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"n_interim": 12}, "n_interim"),
        ({"n_interim": [6, 4]}, "n_interim"),
        ({"futility": 1.5}, "futility"),
        ({"threshold": 1.0}, "threshold"),
    ],
)
def test_interim_bad_input(kwargs, field):
    base = dict(
        prior=Beta(1, 1),
        n_interim=6,
        n_max=12,
        threshold=0.95,
        target=0.4,
        futility=0.05,
        truths=[0.4],
    )
    base.update(kwargs)
    with pytest.raises(DataError) as err:
        interim_futility_oc(**base)
    assert err.value.field == field


@pytest.mark.parametrize(
    "prior", [bt.Beta(1, 1), bt.Mixture([bt.Beta(4, 6), bt.Beta(1, 1)], [0.8, 0.2])]
)
@pytest.mark.parametrize("events,n", [(3, 10), (6, 10), (9, 15)])
def test_private_predictive_probability_agrees_with_the_public_one(prior, events, n):
    # decisions/ keeps a vectorised helper for OC enumeration; it must equal the public
    # Lee & Liu predictive probability of predictive/
    from bayes_trials.decisions import _predictive_probability

    public = bt.predictive_probability(
        prior, bt.Binary(events, n), n_max=25, threshold=0.9, target=0.3
    )
    assert _predictive_probability(prior, events, n, 25, 0.9, 0.3) == pytest.approx(
        float(public), abs=1e-12
    )
