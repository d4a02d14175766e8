"""Two-arm endpoints, exact paths: posteriors, frequentist references against independent
computations, zero-event arms (handled and explained), bad input.

Sources of the numbers pinned here:
- Polack FP et al. N Engl J Med 2020;383:2603-2615, doi:10.1056/NEJMoa2034577, Table 2:
  8 / 2.214 vs 162 / 2.222 (cases / 1000 person-years); VE 95.0 (95% credible interval 90.3 to
  97.6) under the Beta(0.700102, 1) prior on the case split.
- Thomas SJ et al. N Engl J Med 2021;385:1761-1773, doi:10.1056/NEJMoa2110345, Table 2:
  77 / 6.247 vs 850 / 6.003; VE 91.3 (95% CI 89.0 to 93.2, Clopper-Pearson adjusted for
  surveillance time); 20,712 and 20,713 at risk.
- R's fisher.test on the TeaTasting table [[3, 1], [1, 3]] (R documentation example):
  conditional MLE 6.408309 (found by uniroot, tolerance about 1e-4), p = 0.4857 (two-sided),
  0.2429 (alternative "greater"). The exact conditional interval is checked against its
  definition (Fisher's noncentral hypergeometric tails, scipy), not against R's printed ends,
  which carry uniroot's tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import bayes_trials as bt
from bayes_trials import Beta, Binary, Gamma, Mixture, Normal, Rate
from bayes_trials.endpoints.rates import log_rr_priors
from bayes_trials.endpoints.two_arm import (
    FLAT,
    CaseSplitPrior,
    NormalArm,
    TwoArmBinary,
    TwoArmBinaryEndpoint,
    TwoArmNormal,
    TwoArmNormalEndpoint,
    TwoArmPrior,
    TwoArmRateEndpoint,
    TwoArmRates,
    binary_reference,
    normal_reference,
    rates_reference,
)
from bayes_trials.errors import DataError, PriorError

PRIMARY = TwoArmRates(Rate(8, 2.214), Rate(162, 2.222))
SIX_MONTHS = TwoArmRates(Rate(77, 6.247), Rate(850, 6.003))
SIX_MONTHS_RISK = TwoArmBinary(Binary(77, 20712), Binary(850, 20713))


# --- binary ---------------------------------------------------------------------------------------------
def test_binary_arm_posteriors_and_contrasts():
    ep = TwoArmBinaryEndpoint(
        "r",
        SIX_MONTHS_RISK,
        direction="less",
        measures=("risk_difference", "risk_ratio", "odds_ratio", "vaccine_efficacy"),
    )
    post = ep.exact(TwoArmPrior(Beta(0.5, 0.5), Beta(1, 1)))
    assert (post["p_treatment"].a, post["p_treatment"].b) == (77.5, 20635.5)
    assert (post["p_control"].a, post["p_control"].b) == (851.0, 19864.0)
    # vaccine efficacy is 1 - the risk ratio, read from the same distribution
    rr, ve = post["risk_ratio"], post["vaccine_efficacy"]
    for x in (0.05, 0.09, 0.12):
        assert float(ve.sf(1 - x)) == pytest.approx(
            float(rr.cdf(x)), abs=1e-13
        )  # 1 - (1 - x) != x in floating point
    # the quantities carry their margins and the direction of benefit
    qs = {q.name: q for q in ep.quantities(None)}
    assert (qs["risk_ratio"].target, qs["risk_ratio"].direction) == (1.0, "less")
    assert (qs["vaccine_efficacy"].target, qs["vaccine_efficacy"].direction) == (0.0, "greater")
    assert qs["p_treatment"].target is None


def test_binary_reference_against_independent_formulas():
    data = TwoArmBinary(Binary(12, 30), Binary(5, 28))
    ref = binary_reference(data, direction="greater")
    p1, p2 = 12 / 30, 5 / 28
    assert ref.estimates["risk_difference"] == pytest.approx(p1 - p2)
    assert ref.estimates["risk_ratio"] == pytest.approx(p1 / p2)
    assert ref.estimates["odds_ratio"] == pytest.approx((12 * 23) / (18 * 5))
    # Newcombe's hybrid score interval (method 10) from the two Wilson intervals
    l1, u1 = proportion_confint(12, 30, method="wilson")
    l2, u2 = proportion_confint(5, 28, method="wilson")
    lo = p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    assert ref.interval("risk_difference", "newcomb") == pytest.approx((lo, hi), abs=1e-10)
    # the score test of equal risks (statsmodels' default, Miettinen-Nurminen's variance) is
    # Pearson's chi-square statistic (no continuity correction) times (N - 1) / N
    chi2 = stats.chi2_contingency(data.table(), correction=False)
    n_all = 30 + 28
    assert ref.p_values["score"] == pytest.approx(
        stats.chi2.sf(chi2.statistic * (n_all - 1) / n_all, 1), rel=1e-9
    )
    # vaccine efficacy intervals are the ratio's, ends swapped
    rlo, rhi = ref.interval("risk_ratio", "score")
    assert ref.interval("vaccine_efficacy", "score") == pytest.approx((1 - rhi, 1 - rlo))


def test_fisher_and_conditional_odds_ratio_match_r():
    ref = binary_reference(TwoArmBinary(Binary(3, 4), Binary(1, 4)), direction="greater")
    # X = 3 treatment events given the margins (8 patients, 4 events, 4 treated) is Fisher's
    # noncentral hypergeometric with odds ratio psi: the conditional MLE solves E[X | psi] = 3,
    # the 95% interval's ends P(X >= 3 | psi) = 0.025 and P(X <= 3 | psi) = 0.025
    from scipy import optimize

    nch = stats.nchypergeom_fisher
    mle = optimize.brentq(lambda p: nch.mean(8, 4, 4, p) - 3, 1e-3, 1e3, xtol=1e-14)
    assert ref.estimates["odds_ratio_conditional"] == pytest.approx(mle, rel=1e-9)
    assert ref.estimates["odds_ratio_conditional"] == pytest.approx(
        6.408309, rel=1e-5
    )  # R, to uniroot's tolerance
    want = (
        optimize.brentq(lambda p: nch.sf(2, 8, 4, 4, p) - 0.025, 1e-4, 1e4, xtol=1e-14),
        optimize.brentq(lambda p: nch.cdf(3, 8, 4, 4, p) - 0.025, 1e-4, 1e4, xtol=1e-14),
    )
    assert ref.interval("odds_ratio", "exact-conditional") == pytest.approx(want, rel=1e-6)
    assert round(ref.p_values["fisher_two_sided"], 4) == 0.4857
    assert round(ref.p_values["fisher_one_sided"], 4) == 0.2429


@pytest.mark.parametrize(
    "counts, undefined",
    [
        ((0, 20, 5, 20), "zero cell"),
        ((5, 20, 0, 20), "no events in the control arm"),
        ((0, 20, 0, 20), "no events in either arm"),
    ],
)
def test_zero_event_arms_are_handled_and_explained(counts, undefined):
    y1, n1, y2, n2 = counts
    ep = TwoArmBinaryEndpoint("r", TwoArmBinary(Binary(y1, n1), Binary(y2, n2)))
    res = bt.analyse(ep, method="exact")
    ref = res.reference
    assert any(undefined in note for note in ref.notes)
    assert ref.interval("odds_ratio", "score") is None  # statsmodels cannot compute it here
    lo, hi = ref.interval("odds_ratio", "exact-conditional")  # the exact interval still exists
    assert 0 <= lo < hi
    for fit in res.fits.values():  # every posterior interval is finite
        for q in ("risk_difference", "risk_ratio", "odds_ratio"):
            a, b = fit.exact[q].interval(0.95)
            assert np.isfinite(a) and np.isfinite(b) and a < b
    text = " ".join(ep.sentences(res))
    assert "Undefined for these data" in text
    # a control arm without events: the ratio's posterior mean is infinite under the Jeffreys prior
    if y2 == 0:
        assert res.fits["jeffreys"].exact["risk_ratio"].mean == math.inf
        row = res.table().query("prior == 'jeffreys' and quantity == 'risk_ratio'").iloc[0]
        assert row["exact_mean"] == math.inf and np.isfinite(row["exact_eti95_high"])


# --- rates --------------------------------------------------------------------------------------------------
def test_case_split_reproduces_the_published_credible_interval():
    ep = TwoArmRateEndpoint(
        "c", PRIMARY, measures=("rate_ratio", "vaccine_efficacy"), margins={"vaccine_efficacy": 0.3}
    )
    post = ep.exact(CaseSplitPrior(Beta(0.700102, 1)))
    assert post["case_split"] == Beta(8.700102, 163.0)
    lo, hi = post["vaccine_efficacy"].interval(0.95)
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (90.3, 97.6)
    assert float(post["vaccine_efficacy"].sf(0.3)) > 0.9999
    # VE = 1 - (T_c / T_t) theta / (1 - theta), directly from the Beta quantiles
    q = stats.beta.ppf(0.975, 8.700102, 163.0)
    assert lo == pytest.approx(1 - (2.222 / 2.214) * q / (1 - q), abs=1e-12)


def test_rates_reference_reproduces_the_published_exact_interval():
    ref = rates_reference(SIX_MONTHS)
    n = 77 + 850
    # Clopper-Pearson for the case split, mapped to the rate ratio with k = E_c / E_t
    k = 6.003 / 6.247
    t_lo, t_hi = stats.beta.ppf(0.025, 77, n - 77 + 1), stats.beta.ppf(0.975, 78, n - 77)
    rr = (k * t_lo / (1 - t_lo), k * t_hi / (1 - t_hi))
    assert ref.interval("rate_ratio", "exact-cond") == pytest.approx(rr, rel=1e-10)
    lo, hi = ref.interval("vaccine_efficacy", "exact-cond")
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (89.0, 93.2)
    assert round(100 * ref.estimates["vaccine_efficacy"], 1) == 91.3
    assert ref.estimates["rate_difference"] == pytest.approx(77 / 6.247 - 850 / 6.003)


def test_rate_priors_give_the_right_models():
    ep = TwoArmRateEndpoint(
        "c", SIX_MONTHS, measures=("rate_ratio", "rate_difference", "vaccine_efficacy")
    )
    gam = ep.exact(Gamma(0.5, 1e-6))  # one Gamma prior for both arms
    assert gam["rate_treatment"] == Gamma(77.5, 6.247 + 1e-6)
    # the ratio of two Gammas is the scaled beta-prime: P(RR <= r) = I_u(s1, s2), u = r r1 / (r r1 + r2)
    r = 0.09
    u = r * (6.247 + 1e-6) / (r * (6.247 + 1e-6) + 6.003 + 1e-6)
    assert float(gam["rate_ratio"].cdf(r)) == pytest.approx(
        stats.beta.cdf(u, 77.5, 850.5), abs=1e-12
    )
    loglin = ep.exact(log_rr_priors()["sceptical"])
    assert set(loglin) == {
        "rate_ratio",
        "vaccine_efficacy",
    }  # no rate difference in the log-linear model
    split = ep.exact(CaseSplitPrior(Beta(1, 1)))
    assert set(split) == {"case_split", "rate_ratio", "vaccine_efficacy"}
    with pytest.raises(PriorError, match="TwoRatePrior is for rates before and after"):
        ep.check_prior(bt.TwoRatePrior.jeffreys())


def test_zero_events_in_a_rate_arm():
    ep = TwoArmRateEndpoint("c", TwoArmRates(Rate(0, 3.0), Rate(7, 3.1)))
    res = bt.analyse(ep, method="exact")
    lo, hi = res.fits["jeffreys"].exact["rate_ratio"].interval(0.95)
    assert 0 < lo < hi < 1
    assert res.reference.estimates["rate_ratio"] == 0.0


# --- normal ----------------------------------------------------------------------------------------------------
def test_normal_known_sigma_closed_forms():
    data = TwoArmNormal(NormalArm(1.0, se=0.3), NormalArm(0.2, se=0.4))
    ep = TwoArmNormalEndpoint("m", data)
    flat = ep.exact(FLAT)
    assert isinstance(flat["difference"], Normal)
    assert (flat["difference"].loc, flat["difference"].scale) == pytest.approx((0.8, 0.5))
    assert ep.reference().interval("difference", "z") == pytest.approx(
        flat["difference"].interval(0.95), abs=1e-12
    )
    prior = ep.exact(TwoArmPrior(Normal(0, 1), Normal(0, 1)))
    # Normal-normal: precision-weighted means
    m = (1.0 / 0.09) / (1 + 1 / 0.09)
    assert prior["mean_treatment"].mean == pytest.approx(m)


def test_normal_estimated_sigma_against_t_and_welch():
    rng = np.random.default_rng(0)
    x, y = rng.normal(1.0, 2.0, 25), rng.normal(0.0, 3.0, 30)
    data = TwoArmNormal(
        NormalArm(x.mean(), sd=x.std(ddof=1), n=25), NormalArm(y.mean(), sd=y.std(ddof=1), n=30)
    )
    ref = normal_reference(data)
    welch = stats.ttest_ind(x, y, equal_var=False)
    assert ref.p_values["welch"] == pytest.approx(welch.pvalue, rel=1e-10)
    assert ref.interval("difference", "welch") == pytest.approx(
        tuple(welch.confidence_interval(0.95)), rel=1e-10
    )
    ep = TwoArmNormalEndpoint("m", data, sigma="estimated")
    post = ep.exact(FLAT)
    t = stats.t(24, x.mean(), x.std(ddof=1) / 5)
    assert float(post["mean_treatment"].cdf(1.3)) == pytest.approx(t.cdf(1.3), abs=1e-12)
    # a Normal prior: the t kernel times the prior, by quadrature, against scipy's quad
    p = ep.exact(TwoArmPrior(Normal(0.0, 1.0), FLAT))["mean_treatment"]
    from scipy import integrate

    dens = lambda m: stats.norm.pdf(m, 0, 1) * t.pdf(m)  # noqa: E731
    z, _ = integrate.quad(dens, -20, 20, epsabs=1e-13)
    cdf, _ = integrate.quad(dens, -20, 0.8, epsabs=1e-13)
    assert float(p.cdf(0.8)) == pytest.approx(cdf / z, abs=1e-8)


# --- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: TwoArmBinary(Binary(3, 2), Binary(1, 4)), "events"),
        (lambda: TwoArmRates(Rate(3, 0.0), Rate(1, 4.0)), "exposure"),
        (lambda: NormalArm(1.0, sd=-2.0, n=10), "sd"),
        (lambda: NormalArm(float("nan"), se=1.0), "mean"),
        (lambda: NormalArm(1.0, sd=2.0, n=1), "n"),
    ],
)
def test_bad_arm_data_is_a_located_data_error(make, field):
    with pytest.raises(DataError) as err:
        make()
    assert err.value.field == field


def test_bad_endpoint_settings():
    with pytest.raises(DataError, match="direction must be 'less'"):
        TwoArmBinaryEndpoint("r", SIX_MONTHS_RISK, measures=("vaccine_efficacy",))
    with pytest.raises(DataError) as err:
        TwoArmBinaryEndpoint("r", SIX_MONTHS_RISK, measures=("hazard_ratio",))
    assert err.value.field == "measures"
    with pytest.raises(DataError, match="ratio margin"):
        TwoArmBinaryEndpoint("r", SIX_MONTHS_RISK, margins={"risk_ratio": 0.0})
    with pytest.raises(DataError, match="sd and n"):
        TwoArmNormalEndpoint(
            "m", TwoArmNormal(NormalArm(1.0, se=0.3), NormalArm(0.2, se=0.4)), sigma="estimated"
        )
    ep = TwoArmBinaryEndpoint("r", SIX_MONTHS_RISK, pairings=(("borrow", "uniform", "map"),))
    with pytest.raises(PriorError, match="not among this endpoint's priors"):
        ep.analyses({"uniform": Beta(1, 1)})
    with pytest.raises(PriorError, match="one family"):
        TwoArmPrior(Beta(1, 1), Gamma(1, 1))
    with pytest.raises(PriorError):
        bt.analyse(ep, priors={"g": Gamma(1, 1)}, method="exact")


def test_mixture_control_prior_summary_shows_ess_conflict_and_weights():
    robust = Mixture([Beta(11, 33), Beta(1, 1)], [0.8, 0.2])
    ep = TwoArmBinaryEndpoint(
        "r", TwoArmBinary(Binary(13, 24), Binary(2, 6)), pairings=(("borrow", "uniform", "robust"),)
    )
    res = bt.analyse(ep, priors={"uniform": Beta(1, 1), "robust": robust}, method="exact")
    row = res.table().iloc[0]
    assert row["prior_ess_control"] == pytest.approx(bt.ess(robust), rel=1e-12)
    box = bt.prior_data_conflict(robust, Binary(2, 6), warn=False).p_value
    assert row["conflict_p_control"] == pytest.approx(box)
    assert row["posterior_weights_control"] == "/".join(
        f"{w:.3f}" for w in bt.update(robust, Binary(2, 6)).weights
    )
    weight_checks = res.checks().query("kind == 'exact vs quadrature'")
    assert len(weight_checks) == 1 and weight_checks["passed"].all()
