"""Event rates before and after treatment: exact rate-ratio distribution, MCMC vs exact,
frequentist references vs statsmodels / closed forms, zero counts, assumed scenarios, bad input.

Each PyMC model structure compiles once for this module (module-scoped ``model_cache``); every
later fit swaps data and priors with nutpie's ``with_data``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import proportion_confint

import bayes_trials as bt
from bayes_trials import checks as chk
from bayes_trials.data import PerPatientRates, PrePostRates
from bayes_trials.endpoints.rates import (
    LogRateRatioEndpoint,
    LogRRPrior,
    LogScalePosterior,
    PatientRatePrior,
    PatientRateRatioEndpoint,
    RateRatioEndpoint,
    RateRatioPosterior,
    TwoRatePrior,
    log_rr_priors,
    patient_rates_reference,
    rate_ratio_reference,
    scenario_counts,
    scenario_sweep,
)
from bayes_trials.errors import DataError, PriorError, StatisticalWarning
from bayes_trials.fit import ModelCache, sample
from bayes_trials.summaries import exact_columns, mcmc_columns

# assumed LAD-I-like data (NOT published): 40 events over 27 patient-years before,
# 6 over 15.75 after (74.3% lower)
DATA = PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.75))
ZERO_AFTER = PrePostRates(bt.Rate(40, 27.0), bt.Rate(0, 15.75))
DRAWS = dict(draws=1000, tune=600, chains=4)
#: Kohn DB et al. N Engl J Med 2025;392:1698-1709 (doi:10.1056/NEJMoa2407376), abstract: percent
#: lower annualized incidence, >90 days after engraftment to 24 months vs before infusion
LAD1_PUBLISHED_REDUCTIONS = {
    "infection_hospitalizations": 74.45,
    "prolonged_infection_hospitalizations": 81.95,
    "serious_infections": 84.90,
}
#: an assumed scenario grid (not published): 9 children with a mean of 1.5, 3 or 4.5 years
#: before infusion, 9 x 21 months = 15.75 patient-years after
LAD1_GRID = dict(exposure_before=(13.5, 27.0, 40.5), exposure_after=(15.75,))


@pytest.fixture(scope="module")
def model_cache():
    return ModelCache()


def _fit_quietly(ep, prior, model_cache, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return sample(ep, prior, seed=seed, cache=model_cache, **DRAWS)


def _rows(ep, tree, exact):
    q = ep.quantity()
    draws = tree["posterior"][ep.parameter]
    row = {**exact_columns(q, exact), **mcmc_columns(q, draws, exact=exact)}
    row["draws"] = int(draws.sizes["chain"] * draws.sizes["draw"])
    return q, row


def _assert_mcmc_matches_exact(ep, prior, tree, exact):
    q, row = _rows(ep, tree, exact)
    results = chk.mcmc_vs_exact(ep.name, "p", q, row)
    failed = [c.message for c in results if c.passed is False]
    assert not failed, failed
    assert row["r_hat"] < 1.01 and row["ess_bulk"] > 400
    return row


# --- the exact distribution of the rate ratio ------------------------------------------
@pytest.mark.parametrize(
    "sa,ra,sb,rb", [(6.5, 15.75, 40.5, 27.0), (0.5, 15.75, 40.5, 27.0), (3.0, 2.0, 1.5, 0.5)]
)
def test_rate_ratio_cdf_matches_numerical_integration(sa, ra, sb, rb):
    rr = RateRatioPosterior(bt.Gamma(sa, ra), bt.Gamma(sb, rb))
    f_b = stats.gamma(sb, scale=1 / rb)
    F_a = stats.gamma(sa, scale=1 / ra)
    for r in (0.05, 0.25, 0.5, 1.0, 3.0):
        # P(lambda_a <= r lambda_b) = int F_a(r x) f_b(x) dx
        direct, _ = integrate.quad(lambda x: F_a.cdf(r * x) * f_b.pdf(x), 0, np.inf, epsabs=1e-13)
        assert float(rr.cdf(r)) == pytest.approx(direct, abs=1e-9)
        # the F form: RR (r_a/s_a)/(r_b/s_b) ~ F(2 s_a, 2 s_b)
        assert float(rr.cdf(r)) == pytest.approx(
            stats.f.cdf(r * (ra / sa) / (rb / sb), 2 * sa, 2 * sb), rel=1e-10, abs=1e-14
        )
        # the Beta form: P(RR <= r) = I_u(s_a, s_b), u = r r_a / (r r_a + r_b)
        assert float(rr.cdf(r)) == pytest.approx(
            stats.beta.cdf(r * ra / (r * ra + rb), sa, sb), rel=1e-10
        )
    q = np.array([0.025, 0.5, 0.975])
    np.testing.assert_allclose(rr.cdf(rr.ppf(q)), q, rtol=1e-10)


def test_rate_ratio_matches_monte_carlo():
    rng = np.random.default_rng(20250601)
    rr = RateRatioPosterior(bt.Gamma(6.5, 15.75), bt.Gamma(40.5, 27.0))
    draws = rng.gamma(6.5, 1 / 15.75, 400_000) / rng.gamma(40.5, 1 / 27.0, 400_000)
    for r in (0.2, 0.5, 1.0):
        p = float(rr.cdf(r))
        assert abs((draws <= r).mean() - p) < 4 * math.sqrt(p * (1 - p) / draws.size)
    assert draws.mean() == pytest.approx(
        rr.mean, rel=4 * draws.std() / rr.mean / math.sqrt(draws.size)
    )
    # mean s_a / (s_b - 1) * r_b / r_a
    assert rr.mean == pytest.approx(6.5 / 39.5 * 27.0 / 15.75, rel=1e-12)


def test_mixture_priors_give_a_mixture_of_ratios_checked_by_monte_carlo():
    prior = TwoRatePrior(
        before=bt.Mixture([bt.Gamma(2, 1), bt.Gamma(0.5, 0.01)], [0.7, 0.3]),
        after=bt.Gamma(0.5, 1e-6),
    )
    ep = RateRatioEndpoint("x", DATA, target=0.5)
    before, after = ep.exact_rates(prior)
    assert before == bt.update(prior.before, DATA.before)
    post = ep.exact_posterior(prior)
    assert isinstance(post, bt.Mixture) and len(post.components) == 2
    rng = np.random.default_rng(7)
    n = 400_000
    draws = after.rvs(n, rng) / before.rvs(n, rng)
    p = ep.tail_probability(post)
    assert abs((draws < 0.5).mean() - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_log_scale_posterior_against_lognormal():
    d = LogScalePosterior(lambda t: stats.norm.logpdf(t, -1.2, 0.4))
    ref = stats.lognorm(0.4, scale=math.exp(-1.2))
    for r in (0.1, 0.3, 0.5):
        assert float(d.cdf(r)) == pytest.approx(ref.cdf(r), abs=1e-9)
    assert d.mean == pytest.approx(ref.mean(), rel=1e-8)
    assert d.sd == pytest.approx(ref.std(), rel=1e-6)
    np.testing.assert_allclose(d.ppf([0.025, 0.975]), ref.ppf([0.025, 0.975]), rtol=1e-7)
    lo, hi = d.interval(0.95, "hdi")
    assert float(d.cdf(hi) - d.cdf(lo)) == pytest.approx(0.95, abs=1e-7)


def test_log_linear_exact_posterior_matches_two_dimensional_quadrature():
    """The analytic marginalisation of the baseline rate vs brute-force integration over it."""
    prior = LogRRPrior(bt.Normal(-0.3, 0.8), baseline=bt.Gamma(2.0, 1.5))
    ep = LogRateRatioEndpoint("x", DATA)
    post = ep.exact_posterior(prior)
    yb, eb, ya, ea = 40, 27.0, 6, 15.75

    x = np.linspace(-4.0, 3.0, 1401)[:, None]  # log lambda_b
    t = np.linspace(-6.0, 4.0, 4001)[None, :]  # log RR
    lam = np.exp(x)
    logj = (
        stats.norm.logpdf(t, -0.3, 0.8)
        + stats.gamma.logpdf(lam, 2.0, scale=1 / 1.5)
        + x
        + stats.poisson.logpmf(yb, lam * eb)
        + stats.poisson.logpmf(ya, lam * np.exp(t) * ea)
    )
    marginal = integrate.simpson(np.exp(logj - logj.max()), x=x[:, 0], axis=0)  # over lambda_b
    cum = integrate.cumulative_simpson(marginal, x=t[0], initial=0.0)
    for r in (0.2, 0.3, 0.5):
        cdf = np.interp(math.log(r), t[0], cum / cum[-1])
        assert float(post.cdf(r)) == pytest.approx(cdf, abs=1e-5)  # grid + linear interpolation


# --- MCMC vs exact ---------------------------------------------------------------------
def test_two_rate_mcmc_matches_exact_and_compiles_once(model_cache):
    ep = RateRatioEndpoint("infection_hospitalizations", DATA, target=0.5)
    priors = {
        "jeffreys": TwoRatePrior.jeffreys(),
        "informative_mixture": TwoRatePrior(
            before=bt.Mixture([bt.Gamma(3.0, 2.0), bt.Gamma(0.5, 0.1)], [0.8, 0.2]),
            after=bt.Gamma(1.0, 1.0),
        ),
    }
    for seed, prior in enumerate(priors.values()):
        tree = _fit_quietly(ep, prior, model_cache, seed)
        _assert_mcmc_matches_exact(ep, prior, tree, ep.exact_posterior(prior))
        rr = tree["posterior"]["rate_ratio"]
        np.testing.assert_allclose(tree["posterior"]["percent_reduction"], 100 * (1 - rr))
    # zero events after: same compiled model, still agrees with the exact posterior
    ep0 = RateRatioEndpoint("zero_after", ZERO_AFTER, target=0.5)
    prior = TwoRatePrior.jeffreys()
    tree = _fit_quietly(ep0, prior, model_cache, 11)
    exact = ep0.exact_posterior(prior)
    assert np.isfinite(exact.mean) and exact.interval(0.95)[0] > 0
    _assert_mcmc_matches_exact(ep0, prior, tree, exact)
    assert model_cache.compiles == 1


def test_log_linear_mcmc_matches_exact(model_cache):
    ep = LogRateRatioEndpoint("infection_hospitalizations", DATA, target=0.5)
    for seed, name in enumerate(("sceptical", "enthusiastic")):
        prior = log_rr_priors()[name]
        tree = _fit_quietly(ep, prior, model_cache, 100 + seed)
        _assert_mcmc_matches_exact(ep, prior, tree, ep.exact_posterior(prior))
    # the log-linear model is the independent-rate priors' compiled model, the family chosen by data
    assert ep.structure(log_rr_priors()["sceptical"]) == RateRatioEndpoint("x", DATA).structure(
        TwoRatePrior.jeffreys()
    )
    assert model_cache.compiles == 1


# --- Bayesian vs frequentist -------------------------------------------------------------
@pytest.mark.parametrize("ya,yb", [(6, 40), (0, 40), (12, 12)])
def test_jeffreys_interval_of_rr_is_the_conditional_jeffreys_interval(ya, yb):
    """Under Gamma(1/2, ~0) priors, P(RR <= r) = Beta(ya + 1/2, yb + 1/2) cdf at r Ea/(r Ea + Eb):
    the ETI is statsmodels' Jeffreys interval of the conditional proportion, mapped to RR, and
    lies inside the exact conditional (Clopper-Pearson) interval."""
    data = PrePostRates(bt.Rate(yb, 27.0), bt.Rate(ya, 15.75))
    ep = RateRatioEndpoint("x", data)
    post = ep.exact_posterior(TwoRatePrior.jeffreys())
    plo, phi = proportion_confint(ya, ya + yb, alpha=0.05, method="jeffreys")
    to_rr = lambda p: p / (1 - p) * 27.0 / 15.75  # noqa: E731
    lo, hi = post.interval(0.95)
    if ya > 0:  # statsmodels sets the Jeffreys lower end to 0 when ya = 0
        assert lo == pytest.approx(to_rr(plo), rel=1e-5)
    assert hi == pytest.approx(to_rr(phi), rel=1e-5)
    cl, ch = ep.reference().intervals["exact-cond"]
    assert cl <= lo and hi <= ch


def test_log_linear_limit_is_the_conditional_binomial_posterior():
    """Baseline Gamma(a, r) with a, r -> 0 and a flat log-RR prior: the posterior of
    p = RR Ea / (RR Ea + Eb) is Beta(ya, yb), the conditional likelihood normalised."""
    ep = LogRateRatioEndpoint("x", DATA)
    post = ep.exact_posterior(LogRRPrior(bt.Normal(0, 1e4), baseline=bt.Gamma(1e-8, 1e-8)))
    q = stats.beta(6, 40).ppf([0.025, 0.5, 0.975])
    np.testing.assert_allclose(post.ppf([0.025, 0.5, 0.975]), q / (1 - q) * 27 / 15.75, rtol=1e-6)


def test_reference_posterior_intervals_against_frequentist_intervals():
    """Both reference-prior ETIs (two-rate Jeffreys: Beta(ya + 1/2, yb + 1/2) on p; log-linear
    reference: about Beta(ya, yb + 1/2)) lie inside the exact conditional interval (stochastic
    ordering between Beta(ya, yb + 1) and Beta(ya + 1, yb)) and, with 6 events after, within
    25% of the score interval's ends."""
    for ep in (RateRatioEndpoint("a", DATA), LogRateRatioEndpoint("b", DATA)):
        prior = next(iter(ep.reference_priors().values()))
        lo, hi = ep.exact_posterior(prior).interval(0.95)
        ref = ep.reference()
        cl, ch = ref.intervals["exact-cond"]
        assert cl < lo < hi < ch
        slo, shi = ref.intervals["score"]
        assert math.log(lo) == pytest.approx(math.log(slo), abs=math.log(1.25))
        assert math.log(hi) == pytest.approx(math.log(shi), abs=math.log(1.25))


# --- frequentist references against statsmodels and closed forms -------------------------
def test_aggregate_reference_against_statsmodels_and_closed_forms():
    ref = rate_ratio_reference(DATA)
    assert ref.estimate == pytest.approx((6 / 15.75) / (40 / 27.0), rel=1e-14)
    # exact conditional test: the binomial test of ya | n with p0 = Ea / (Ea + Eb)
    p0 = 15.75 / (15.75 + 27.0)
    assert ref.p_values["exact-cond"] == pytest.approx(stats.binomtest(6, 46, p0).pvalue, rel=1e-10)
    assert ref.p_values_less["exact-cond"] == pytest.approx(stats.binom.cdf(6, 46, p0), rel=1e-10)
    assert ref.intervals["score"] == pytest.approx(
        sm_rates.confint_poisson_2indep(6, 15.75, 40, 27.0, method="score", compare="ratio"),
        rel=1e-12,
    )
    # Poisson GLM (saturated): log RR and se sqrt(1/ya + 1/yb); its Wald interval is wald-log
    assert ref.glm["log_rr"] == pytest.approx(math.log(ref.estimate), rel=1e-6)
    assert ref.glm["se"] == pytest.approx(math.sqrt(1 / 6 + 1 / 40), rel=1e-6)  # IRLS tolerance
    assert ref.intervals["glm-wald"] == pytest.approx(
        sm_rates.confint_poisson_2indep(6, 15.75, 40, 27.0, method="wald-log", compare="ratio"),
        rel=1e-6,
    )
    # exact conditional interval is Clopper-Pearson mapped to RR (R: poisson.test(c(6, 40), c(15.75, 27)))
    plo, phi = stats.binomtest(6, 46).proportion_ci(0.95, method="exact")
    assert ref.intervals["exact-cond"] == pytest.approx(
        (plo / (1 - plo) * 27 / 15.75, phi / (1 - phi) * 27 / 15.75), rel=1e-6
    )
    d = ref.as_dict()
    assert d["exact-cond95_low"] == ref.intervals["exact-cond"][0] and "p_value_score" in d


def test_zero_events_after_reports_no_infinite_mle():
    ref = RateRatioEndpoint("x", ZERO_AFTER).reference()
    assert ref.estimate == 0.0 and ref.percent_reduction == 100.0
    assert ref.glm is None and ref.intervals["glm-wald"] is None
    assert any("infinity" in n for n in ref.notes)
    lo, hi = ref.intervals["exact-cond"]
    # Clopper-Pearson with 0 of 40: upper p = 1 - 0.025^(1/40)
    pu = 1 - 0.025 ** (1 / 40)
    assert lo == 0.0 and hi == pytest.approx(pu / (1 - pu) * 27 / 15.75, rel=1e-9)
    # score interval: lower end 0, upper end where the score test's p-value is 0.05 (duality)
    slo, shi = ref.intervals["score"]
    assert slo == 0.0 and np.isfinite(shi)
    p_at = sm_rates.test_poisson_2indep(
        0, 15.75, 40, 27.0, value=shi, method="score", compare="ratio"
    ).pvalue
    assert p_at == pytest.approx(0.05, abs=1e-8)
    # the Bayesian side stays finite under every prior
    ep = LogRateRatioEndpoint("x", ZERO_AFTER, target=0.5)
    for prior in log_rr_priors().values():
        post = ep.exact_posterior(prior)
        lo, hi = post.interval(0.95)
        assert 0 < lo < hi < 1 and 0 < ep.tail_probability(post) <= 1


def test_no_events_at_all_is_uninformative_not_an_error():
    data = PrePostRates(bt.Rate(0, 5.0), bt.Rate(0, 5.0))
    ref = rate_ratio_reference(data)
    assert math.isnan(ref.estimate) and ref.p_values["exact-cond"] is None
    assert ref.intervals["exact-cond"] == (0.0, math.inf)
    post = RateRatioEndpoint("x", data).exact_posterior(TwoRatePrior.jeffreys())
    assert float(post.cdf(1.0)) == pytest.approx(0.5, abs=1e-9)  # symmetric: Beta(1/2, 1/2)


def _simulated_patients(seed=3, n=9):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        lam, eb = math.exp(rng.normal(0.5, 0.6)), rng.uniform(0.5, 6)
        rows += [
            (f"P{i}", "before", rng.poisson(lam * eb), eb),
            (f"P{i}", "after", rng.poisson(lam * 0.25 * 1.75), 1.75),
        ]
    return pd.DataFrame(rows, columns=["patient", "period", "events", "exposure"])


def test_conditional_poisson_equals_the_conditional_binomial_model():
    """Patient fixed-effects Poisson GLM = logistic model of ya | n_i with offset log(Ea/Eb)."""
    import statsmodels.api as sm

    data = PerPatientRates(_simulated_patients())
    ref = patient_rates_reference(data)
    w = data.wide()
    ya, yb = w["events_after"].to_numpy(), w["events_before"].to_numpy()
    keep = ya + yb > 0
    fit = sm.GLM(
        np.column_stack([ya, yb])[keep],
        np.ones((keep.sum(), 1)),
        family=sm.families.Binomial(),
        offset=np.log(w["exposure_after"] / w["exposure_before"]).to_numpy()[keep],
    ).fit()
    cp = ref.conditional_poisson
    assert cp["log_rr"] == pytest.approx(float(fit.params[0]), abs=1e-7)
    assert cp["se"] == pytest.approx(float(fit.bse[0]), rel=1e-5)
    # negative binomial: the same coefficient from a GLM with alpha fixed at its ML value
    nb = ref.negative_binomial
    t = data.table
    X = np.column_stack([np.ones(len(t)), (t["period"] == "after").to_numpy(float)])
    glm = sm.GLM(
        t["events"].to_numpy(),
        X,
        family=sm.families.NegativeBinomial(alpha=nb["alpha"]),
        offset=np.log(t["exposure"].to_numpy()),
    ).fit()
    assert nb["log_rr"] == pytest.approx(float(glm.params[1]), abs=1e-4)  # optimiser tolerance
    assert ref.totals.events_after == int(t.loc[t["period"] == "after", "events"].sum())


def test_per_patient_zero_events_after_fits_no_glm():
    df = _simulated_patients().assign(
        events=lambda d: np.where(d["period"] == "after", 0, d["events"])
    )
    ref = patient_rates_reference(PerPatientRates(df))
    assert ref.conditional_poisson is None and ref.negative_binomial is None
    assert "infinite" in ref.notes[0] and ref.estimate == 0.0


# --- the hierarchical model ---------------------------------------------------------------
def test_hierarchical_model_samples_and_agrees_with_conditional_poisson(model_cache):
    data = PerPatientRates(_simulated_patients())
    ep = PatientRateRatioEndpoint("x", data, target=0.5, overdispersion=False)
    prior = PatientRatePrior(log_rr=bt.Normal(0, 2.5))
    before = model_cache.compiles
    tree = _fit_quietly(ep, prior, model_cache, 5)
    assert model_cache.compiles == before + 1
    post = tree["posterior"]
    assert post["patient_rate_ratio"].sizes["patient"] == data.n_patients
    row = mcmc_columns(ep.quantities(prior)[0], post["rate_ratio"])
    assert row["r_hat"] < 1.01 and row["ess_bulk"] > 400
    cp = ep.reference().conditional_poisson
    lo, hi = cp["ci"]
    # weak priors, 71 events: the posterior median sits inside the conditional-Poisson CI,
    # within 0.15 on the log scale of its estimate
    assert lo < row["median"] < hi
    assert math.log(row["median"]) == pytest.approx(cp["log_rr"], abs=0.15)
    assert ep.exact_posterior(prior) is None
    # the switches are part of the compile key; a new data set of the same shape is not
    assert ep.structure(prior) != PatientRateRatioEndpoint(
        "x", data, varying_effect=True
    ).structure(prior)
    other = PerPatientRates(_simulated_patients(seed=4))
    assert PatientRateRatioEndpoint("y", other, overdispersion=False).structure(
        prior
    ) == ep.structure(prior)


# --- scenarios (assumed data) behind the LAD-I published reductions --------------------------
@pytest.mark.parametrize("name,published", list(LAD1_PUBLISHED_REDUCTIONS.items()))
@pytest.mark.parametrize("adjust", ["events", "exposure_after"])
def test_scenario_counts_reproduce_the_published_reductions(name, published, adjust):
    # Kohn et al. NEJM 2025 abstract: 74.45, 81.95, 84.90 percent lower
    for exposure_before, events_before in ((27.0, 40), (13.5, 15), (40.5, 80)):
        sc = scenario_counts(published, exposure_before, 15.75, events_before, adjust=adjust)
        assert sc.status == "assumed" and sc.reproduces
        assert abs(sc.achieved_reduction - published) < 0.005
        assert sc.data.percent_reduction == pytest.approx(sc.achieved_reduction, rel=1e-12)
        assert sc.exposure_before == exposure_before
        if adjust == "exposure_after":
            assert sc.events_before == events_before
            assert abs(sc.exposure_after / 15.75 - 1) <= 1 / (2 * sc.events_after - 1) + 1e-5
        else:
            assert sc.exposure_after == 15.75


def test_scenario_sweep_is_exact_and_labelled_assumed():
    df = scenario_sweep(
        LAD1_PUBLISHED_REDUCTIONS,
        events_before=(5, 20, 80),
        exposure_before=(13.5, 27.0),
        exposure_after=(15.75,),
    )
    assert len(df) == 3 * 3 * 2
    assert (df["data_status"] == "assumed").all()
    assert ((df["achieved_reduction"] - df["published_reduction"]).abs() < 0.005).all()
    assert {"prob_reduction_gt_50", "rr_eti95_low", "rr_eti95_high", "exact_cond95_high"} <= set(
        df.columns
    )
    # more events, more certainty that the reduction exceeds 50%
    for _, g in df.groupby(["endpoint", "exposure_before"]):
        g = g.sort_values("events_before")
        assert g["prob_reduction_gt_50"].iloc[-1] > g["prob_reduction_gt_50"].iloc[0]
    # a row recomputed independently: Beta form of the Jeffreys posterior
    r = df.iloc[1]
    u = 0.5 * r["exposure_after"] / (0.5 * r["exposure_after"] + r["exposure_before"])
    assert r["prob_reduction_gt_50"] == pytest.approx(
        stats.beta.cdf(u, r["events_after"] + 0.5, r["events_before"] + 0.5), abs=1e-5
    )


# --- bad input ----------------------------------------------------------------------------
GOOD = pd.DataFrame(
    {
        "patient": ["A", "A", "B", "B"],
        "period": ["before", "after"] * 2,
        "events": [4, 1, 6, 0],
        "exposure": [2.0, 1.75, 3.5, 1.75],
    }
)


@pytest.mark.parametrize(
    "col,value,field,words",
    [
        ("events", -1, "events", "non-negative whole number"),
        ("events", 2.5, "events", "non-negative whole number"),
        ("events", np.nan, "events", "NaN"),
        ("exposure", 0.0, "exposure", "> 0"),
        ("exposure", -1.0, "exposure", "> 0"),
        ("period", "post", "period", "must be one of"),
        ("patient", None, "patient", "NaN"),
    ],
)
def test_bad_rows_are_named(col, value, field, words):
    df = GOOD.astype({col: object}).copy()
    df.loc[2, col] = value
    with pytest.raises(DataError) as err:
        PerPatientRates(df)
    assert err.value.field == field and "row 2" in str(err.value) and words in str(err.value)


def test_table_level_errors():
    with pytest.raises(DataError, match="missing column"):
        PerPatientRates(GOOD.drop(columns="exposure"))
    with pytest.raises(DataError, match="second row"):
        PerPatientRates(pd.concat([GOOD, GOOD.iloc[[0]]], ignore_index=True))
    with pytest.raises(DataError, match="DataFrame"):
        PerPatientRates([1, 2])


def test_incomplete_patients_dropped_kept_or_refused():
    df = pd.concat(
        [
            GOOD,
            pd.DataFrame(
                {"patient": ["C"], "period": ["before"], "events": [3], "exposure": [1.0]}
            ),
        ],
        ignore_index=True,
    )
    with pytest.warns(StatisticalWarning, match="C"):
        dropped = PerPatientRates(df)
    assert dropped.dropped == ("C",) and dropped.n_patients == 2
    kept = PerPatientRates(df, incomplete="keep")
    assert kept.n_patients == 3 and kept.totals().before.events == 13
    ep = PatientRateRatioEndpoint("x", kept)
    from bayes_trials.endpoints.rates.model import FRAILTY_INPUTS

    assert len(FRAILTY_INPUTS.unpack(ep.model_inputs(PatientRatePrior()))["events"]) == 5
    with pytest.raises(DataError, match="one period only"):
        PerPatientRates(df, incomplete="error")


def test_csv_errors_name_file_and_line(tmp_path):
    path = tmp_path / "lad1_infections.csv"
    GOOD.assign(exposure=[2.0, 1.75, 0.0, 1.75]).to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        PerPatientRates.from_csv(path)
    msg = str(err.value)
    assert str(path) in msg and "line 4" in msg and err.value.field == "exposure"
    GOOD.to_csv(path, index=False)
    assert PerPatientRates.from_csv(path).totals().after.events == 1


def test_bad_aggregate_data_and_priors():
    with pytest.raises(DataError) as err:
        PrePostRates.from_counts(3, 2.0, -1, 2.0)
    assert err.value.field == "after.events"
    with pytest.raises(DataError):
        PrePostRates(bt.Rate(3, 2.0), bt.Binary(1, 2))
    with pytest.raises(DataError):
        RateRatioEndpoint("x", DATA, target=0.0)
    ep = RateRatioEndpoint("x", DATA)
    # a LogRRPrior is accepted (it selects the log-linear model); anything else is refused
    assert ep.exact_posterior(LogRRPrior(bt.Normal(0, 1))).median > 0
    with pytest.raises(PriorError):
        ep.exact_posterior(bt.Beta(1, 1))
    with pytest.raises(PriorError):
        TwoRatePrior(bt.Normal(0, 1), bt.Gamma(1, 1))
    with pytest.raises(PriorError):
        LogRRPrior(bt.Gamma(1, 1))
    with pytest.raises(DataError):
        scenario_counts(120.0, 27.0, 15.75, 40)
    with pytest.raises(DataError):
        scenario_counts(74.45, 27.0, 15.75, 0)


# --- the log-linear model through the one pipeline ----------------------------------------
def _quad_log_rr_cdf(data, mean, sd, r, a=0.5, rate=1e-6):
    """P(RR <= r) in the log-linear model by scipy quad, the baseline integrated out by hand:
    p(theta | y) ∝ N(theta; mean, sd) e^{theta y_a} (rate + E_b + e^theta E_a)^-(y_a + y_b + a)."""
    ya, yb, ea, eb = (
        data.after.events,
        data.before.events,
        data.after.exposure,
        data.before.exposure,
    )

    def log_dens(t):
        return (
            stats.norm.logpdf(t, mean, sd)
            + t * ya
            - (ya + yb + a) * np.log(rate + eb + np.exp(t) * ea)
        )

    c = log_dens(math.log(max(data.rate_ratio, 1e-3)))
    dens = lambda t: np.exp(log_dens(t) - c)  # noqa: E731
    z = integrate.quad(dens, -40, 20, limit=400, epsabs=0, epsrel=1e-11, points=[-5, -1, 0])[0]
    return integrate.quad(dens, -40, math.log(r), limit=400, epsabs=0, epsrel=1e-11)[0] / z


@pytest.mark.parametrize("method", ["exact", "mcmc"])
def test_log_rate_ratio_endpoint_through_analyse(method):
    """Before the restructure bt.analyse(LogRateRatioEndpoint(...)) raised AttributeError
    ('RateRatioReference' object has no attribute 'events'): the checks took the binary
    branch. Now: exact posterior against independent quadrature, MCMC against it (4 MCSE,
    false-alarm rate 6e-5 per comparison), and the wide-prior checks pass."""
    ep = LogRateRatioEndpoint("infection_hospitalizations", DATA, target=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        res = bt.analyse(ep, method=method, draws=1000, tune=600)
    t = res.table()
    assert list(t["prior"]) == ["reference"] and list(t["quantity"]) == ["rate_ratio"]
    row = t.iloc[0]
    assert row["exact_prob"] == pytest.approx(_quad_log_rr_cdf(DATA, 0.0, 10.0, 0.5), abs=1e-8)
    c = res.checks()
    assert not (c["passed"] == False).any(), c.loc[c["passed"] == False, "message"].tolist()  # noqa: E712
    bvf = c[c["kind"] == "Bayesian vs frequentist"]
    assert (
        len(bvf) == 2
        and bvf["passed"].all()
        and bvf["name"].str.contains("conditional-likelihood").all()
    )
    if method == "mcmc":
        assert set(c["kind"]) == {"MCMC vs exact", "sampler diagnostics", "Bayesian vs frequentist"}
        assert abs(row["prob"] - row["exact_prob"]) <= 4 * row["prob_mcse"]
    else:
        assert "mean" not in t.columns


def test_wide_prior_bound_contains_the_posterior_and_has_power():
    """limit_bounds: the log-linear posterior cdf (here by independent quadrature) lies within
    the bound around the conditional-likelihood limit Beta(y_a, y_b + 1/2); a posterior that is
    not the log-linear one (the two-rate Jeffreys posterior, Beta(y_a + 1/2, y_b + 1/2)) fails."""
    from bayes_trials.endpoints.base import Analysis
    from bayes_trials.endpoints.rates.reference_checks import limit_bounds, log_linear_checks
    from bayes_trials.results import Fit

    prior = log_rr_priors()["reference"]
    limit = stats.beta(6, 40.5)
    for q in (0.025, 0.5, 0.975):
        p = limit.ppf(q)
        theta = math.log(p / (1 - p) * 27.0 / 15.75)
        F, lo, hi, tilt = limit_bounds(prior, DATA, theta)
        assert F == pytest.approx(q, abs=1e-12) and 0 < tilt < 0.1
        g = _quad_log_rr_cdf(DATA, 0.0, 10.0, math.exp(theta))
        assert lo <= g <= hi
    assert hi - lo < 0.01  # informative: the upper end's bound is a band of width < 0.01
    ref = rate_ratio_reference(DATA)
    right = Fit(
        Analysis("r", "r", None, prior),
        {"rate_ratio": LogRateRatioEndpoint("x", DATA).exact_posterior(prior)},
        {},
    )
    wrong = Fit(
        Analysis("w", "w", None, prior),
        {"rate_ratio": RateRatioEndpoint("x", DATA).exact_posterior(TwoRatePrior.jeffreys())},
        {},
    )
    assert all(c.passed for c in log_linear_checks("x", DATA, ref, {"r": right}, 0.95))
    assert any(c.passed is False for c in log_linear_checks("x", DATA, ref, {"w": wrong}, 0.95))
    # a sceptical prior varies too much over the likelihood's range: no bound, no check
    sceptic = log_rr_priors()["sceptical"]
    fit = Fit(
        Analysis("s", "s", None, sceptic),
        {"rate_ratio": LogRateRatioEndpoint("x", DATA).exact_posterior(sceptic)},
        {},
    )
    assert log_linear_checks("x", DATA, ref, {"s": fit}, 0.95) == []


def test_zero_events_after_through_analyse_checks_what_applies():
    """With no events after, statsmodels' Jeffreys interval has lower end 0 by convention: that
    end is reported, not checked (it used to fail); the log-linear limit does not exist."""
    ep = RateRatioEndpoint("zero_after", ZERO_AFTER, target=0.5)
    priors = {"jeffreys": TwoRatePrior.jeffreys(), "reference_log_rr": log_rr_priors()["reference"]}
    res = bt.analyse(ep, priors=priors, method="exact")
    c = res.checks()
    assert not (c["passed"] == False).any(), c.loc[c["passed"] == False, "message"].tolist()  # noqa: E712
    na = c[c["passed"].isna()]
    assert len(na) == 2 and na["message"].str.contains("not applicable").all()
    # the upper end is still an identity: Beta(1/2, 40 + 1/2) 97.5% quantile mapped to RR
    # (relative 1e-6: the prior is Gamma(1/2, 1e-6), the improper Gamma(1/2, 0) to 1e-6 py)
    q = stats.beta(0.5, 40.5).ppf(0.975)
    upper = res.fits["jeffreys"].rows["rate_ratio"]["exact_eti95_high"]
    assert upper == pytest.approx(q / (1 - q) * 27.0 / 15.75, rel=1e-6)


def test_zero_events_in_both_periods_are_reported_as_uninformative():
    """No events before or after: the data say nothing about the ratio. The table and prose
    say so, and the MCMC checks (of heavy-tailed posteriors with no finite mean) give way to
    that statement instead of failing. Oracle: under Jeffreys priors on both rates the
    posterior of the ratio is a scaled beta-prime (scipy) with no mean."""
    import warnings

    from scipy import stats

    import bayes_trials as bt

    ep = bt.RateRatioEndpoint(
        "nothing", bt.PrePostRates(bt.Rate(0, 12.0), bt.Rate(0, 9.0)), target=0.5
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bt.analyse(ep, draws=500, tune=500, chains=2, seed=3)
    row = res.table().set_index("prior").loc["jeffreys"]
    assert "no information on the rate ratio" in row["note"]
    oracle = stats.betaprime(0.5, 0.5, scale=(1e-6 + 12.0) / (1e-6 + 9.0))
    assert row["exact_prob"] == pytest.approx(oracle.cdf(0.5), rel=1e-9)
    assert not np.isfinite(oracle.mean())
    checks = res.checks()
    assert not (checks["passed"] == False).any()  # noqa: E712
    mc = checks[checks["kind"] == "MCMC vs exact"]
    assert (
        len(mc) == 1 and mc["passed"].isna().all() and "restate the prior" in mc["message"].iloc[0]
    )
    assert any("UNINFORMATIVE" in s for s in ep.sentences(res))


@pytest.mark.parametrize("log_sigma", [-3.0, -1.0, 0.0, 1.2])
def test_frailty_whitening_is_an_exact_change_of_variables(log_sigma):
    """The frailty model samples the patients' log rates in whitened coordinates: its log
    density must be the Normal prior of alpha (mu integrated out: N(a 1, sigma^2 I + s^2 1 1'),
    scipy) plus the log Jacobian (the map is affine in eps: its matrix column by column,
    numpy's determinant), up to the constant n/2 log 2 pi, whatever the approximation's
    information (zeros included) and mean; and mu's conditional law must be the Normal one
    (posterior of a Normal mean with known variance, computed here from the definitions)."""
    from bayes_trials.endpoints.rates.model import frailty_whitening

    rng = np.random.default_rng(5)
    n = 7
    for _ in range(5):
        info = rng.uniform(0.0, 12.0, n)
        info[rng.integers(n)] = 0.0
        d_ahat = info * rng.normal(0.5, 1.0, n)
        sigma, a, s = math.exp(log_sigma), rng.normal(), rng.uniform(0.3, 3.0)
        eps = rng.normal(size=n)

        def alpha_of(e):
            return frailty_whitening(e, sigma, info, d_ahat, a, s)[0]

        alpha, logd, mu_mean, mu_sd = frailty_whitening(eps, sigma, info, d_ahat, a, s)
        jac = np.column_stack([alpha_of(e) - alpha_of(np.zeros(n)) for e in np.eye(n)])
        cov = sigma**2 * np.eye(n) + s**2
        want = stats.multivariate_normal(np.full(n, a), cov).logpdf(alpha)
        want += np.linalg.slogdet(jac)[1] + 0.5 * n * math.log(2 * math.pi)
        assert logd == pytest.approx(want, abs=1e-9)
        prec = 1 / s**2 + n / sigma**2
        assert mu_mean == pytest.approx((a / s**2 + alpha.sum() / sigma**2) / prec, rel=1e-12)
        assert mu_sd == pytest.approx(prec**-0.5, rel=1e-12)


def test_frailty_whitening_is_finite_as_the_frailty_sd_vanishes():
    """As sigma -> 0 the whitened form is the non-centred one: alpha_i - mean(alpha) is
    O(sigma) and the log density finite (no cancellation of sigma powers left to overflow)."""
    from bayes_trials.endpoints.rates.model import frailty_whitening

    info, d_ahat = np.array([5.0, 3.0, 0.0, 7.0]), np.array([3.0, 1.0, 0.0, 5.0])
    eps = np.array([0.4, -1.0, 1.5, 0.2])
    for sigma in (1e-6, 1e-12, 1e-30):
        alpha, logd, mu_mean, mu_sd = frailty_whitening(eps, sigma, info, d_ahat, 0.0, 2.5)
        assert np.isfinite(logd) and np.isfinite(alpha).all() and np.isfinite(mu_mean)
        assert np.ptp(alpha) <= 10 * sigma and mu_sd <= sigma
