"""Re-analysis from a reported effect and its confidence interval, checked against numerical
integration (scipy.integrate.quad), against a PyMC/nutpie fit (within 4 Monte Carlo
standard errors; one compile for the module) and against a published re-analysis.

The LAD-I rate reductions (74.45%, 81.95%, 84.90% lower) are printed without confidence
intervals, so they cannot be re-analysed this way; the tests use a
constructed example and the ANDROMEDA-SHOCK hazard ratio.
"""

from __future__ import annotations

import math

import pytest
from scipy import integrate, stats

from bayes_trials import Normal
from bayes_trials.errors import DataError, PriorError, StatisticalWarning
from bayes_trials.reported import (
    NormalNormalModel,
    normal_posterior,
    reanalyse_reported,
    reported_likelihood,
    sceptical_prior,
    zampieri_priors,
)

Z975 = stats.norm.ppf(0.975)

# Constructed example: a hazard ratio of 0.75 (95% CI 0.55 to 1.02) with MCID 0.8.
# (These are also ANDROMEDA-SHOCK's numbers, see test_andromeda_shock_published_reanalysis.)
HR, LO, HI, MCID = 0.75, 0.55, 1.02, 0.8


def quad_summary(prior_pdf, y, se, delta, lower=True, at=()):
    """Posterior mean, sd, probabilities (and the cdf at the points ``at``) of a normal
    likelihood x prior, by quadrature."""
    lik = lambda b: stats.norm.pdf(y, b, se)  # noqa: E731
    if prior_pdf is None:
        f = lik
    else:
        f = lambda b: prior_pdf(b) * lik(b)  # noqa: E731
    lo, hi = y - 12 * se, y + 12 * se
    pts = [0.0, delta]
    z = integrate.quad(f, lo, hi, points=pts, limit=400, epsabs=0, epsrel=1e-12)[0]
    m = (
        integrate.quad(lambda b: b * f(b), lo, hi, points=pts, limit=400, epsabs=0, epsrel=1e-12)[0]
        / z
    )
    v = (
        integrate.quad(
            lambda b: (b - m) ** 2 * f(b), lo, hi, points=pts, limit=400, epsabs=0, epsrel=1e-12
        )[0]
        / z
    )
    cdf = lambda x: integrate.quad(f, lo, x, limit=400, epsabs=0, epsrel=1e-12)[0] / z  # noqa: E731
    below0, below_delta = cdf(0.0), cdf(delta)
    benefit = below0 if lower else 1 - below0
    mcid = below_delta if lower else 1 - below_delta
    return {
        "post_mean": m,
        "post_sd": math.sqrt(v),
        "prob_benefit": benefit,
        "prob_mcid": mcid,
        "prob_harm": 1 - benefit,
        "cdf_at": [cdf(x) for x in at],
    }


# ---------------------------------------------------------------- likelihood from a CI


def test_likelihood_from_ratio_ci():
    lik = reported_likelihood(HR, LO, HI)
    assert lik.mean == pytest.approx(math.log(0.75))
    assert lik.se == pytest.approx((math.log(1.02) - math.log(0.55)) / (2 * 1.959963984540054))
    # a 90% CI of the same width means a larger se
    assert reported_likelihood(HR, LO, HI, level=0.90).se == pytest.approx(
        (math.log(1.02) - math.log(0.55)) / (2 * stats.norm.ppf(0.95))
    )


def test_likelihood_from_difference_ci():
    lik = reported_likelihood(-0.05, -0.09, -0.01, scale="difference")
    assert (lik.mean, lik.se) == (pytest.approx(-0.05), pytest.approx(0.08 / (2 * Z975)))


def test_flat_prior_reproduces_the_reported_interval():
    res = reanalyse_reported(HR, LO, HI, priors=["flat"]).iloc[0]
    assert res.estimate == pytest.approx(HR)
    # the interval reproduces the reported one up to the paper's rounding (2 decimals)
    assert res.cri95_low == pytest.approx(LO, abs=0.005)
    assert res.cri95_high == pytest.approx(HI, abs=0.005)
    # and the flat-prior P(HR < 1) is the one-sided p-value's complement
    z = -math.log(HR) / reported_likelihood(HR, LO, HI).se
    assert res.prob_benefit == pytest.approx(stats.norm.cdf(z))


@pytest.mark.parametrize(
    "args, kwargs, field",
    [
        ((0.75, 0.80, 1.02), {}, "estimate"),  # CI does not contain its estimate
        ((1.10, 0.55, 1.02), {}, "estimate"),
        ((0.75, 1.02, 0.55), {}, "ci_low"),  # bounds reversed
        ((-0.75, 0.55, 1.02), {}, "estimate"),  # non-positive ratio
        ((0.75, 0.0, 1.02), {}, "ci_low"),  # non-positive bound
        ((0.75, 0.55, float("inf")), {}, "ci_high"),
        ((0.75, 0.55, 1.02), {"level": 1.2}, "level"),
        ((0.75, 0.55, 1.02), {"level": 0.0}, "level"),
        ((0.75, 0.55, 1.02), {"scale": "log"}, "scale"),
        ((0.75, 0.55, 1.02), {"mcid": 1.25}, "mcid"),  # MCID on the harm side
        ((0.75, 0.55, 1.02), {"mcid": 0.8, "benefit": "higher"}, "mcid"),
        ((0.75, 0.55, 1.02), {"benefit": "smaller"}, "benefit"),
        ((0.75, 0.55, 1.02), {"method": "laplace"}, "method"),
    ],
)
def test_bad_input_is_a_data_error_naming_the_field(args, kwargs, field):
    with pytest.raises(DataError) as err:
        reanalyse_reported(*args, **kwargs)
    assert err.value.field == field


def test_bad_priors_are_prior_errors():
    with pytest.raises(PriorError) as err:
        reanalyse_reported(HR, LO, HI, priors=["sceptical"])  # needs an MCID
    assert err.value.field == "priors"
    with pytest.raises(PriorError) as err:
        reanalyse_reported(HR, LO, HI, prior=(0, 1))
    assert err.value.field == "prior"
    with pytest.raises(PriorError):
        Normal(0, -1)


def test_asymmetric_interval_warns():
    # symmetric on the natural scale, not on the log scale: probably a difference
    with pytest.warns(StatisticalWarning):
        reported_likelihood(1.0, 0.2, 1.8)


# ---------------------------------------------------------------- the priors


def test_sceptical_prior_puts_5_percent_beyond_the_mcid():
    prior = sceptical_prior(MCID)
    assert prior.mean == 0
    assert prior.cdf(math.log(MCID)) == pytest.approx(0.05)
    higher = sceptical_prior(1.25, benefit="higher")
    assert higher.sf(math.log(1.25)) == pytest.approx(0.05)


def test_zampieri_grid_definitions():
    grid = zampieri_priors(MCID)
    d = math.log(MCID)
    assert list(grid) == [
        f"{b}-{s}"
        for b in ("neutral", "optimistic", "pessimistic")
        for s in ("strong", "moderate", "weak")
    ]
    # neutral: 95% of the prior between 1/x and x
    for s, x in {"strong": 1.5, "moderate": 2.0, "weak": 3.0}.items():
        assert grid[f"neutral-{s}"].cdf(-math.log(x)) == pytest.approx(0.025)
    # optimistic: centred on the MCID, P(no benefit) = 5/15/30%; pessimistic mirrored
    for s, p in {"strong": 0.05, "moderate": 0.15, "weak": 0.30}.items():
        assert grid[f"optimistic-{s}"].mean == pytest.approx(d)
        assert grid[f"optimistic-{s}"].sf(0.0) == pytest.approx(p)
        assert grid[f"pessimistic-{s}"].mean == pytest.approx(-d)
        assert grid[f"pessimistic-{s}"].cdf(0.0) == pytest.approx(p)


def test_zampieri_grid_matches_published_reanalysis_code():
    # CABANA re-analysis code citing Zampieri et al. (brms priors on the log OR, centre -0.15):
    # neutral 0.207 / 0.354 / 0.561; optimistic and pessimistic 0.091 / 0.145 / 0.287
    # (their directional sds were found by Monte Carlo search, hence the tolerance).
    grid = zampieri_priors(math.exp(-0.15))
    published = {
        "neutral-strong": 0.207,
        "neutral-moderate": 0.354,
        "neutral-weak": 0.561,
        "optimistic-strong": 0.091,
        "optimistic-moderate": 0.145,
        "optimistic-weak": 0.287,
        "pessimistic-strong": 0.091,
        "pessimistic-moderate": 0.145,
        "pessimistic-weak": 0.287,
    }
    for name, sd in published.items():
        assert grid[name].sd == pytest.approx(sd, abs=0.0015), name


def test_difference_scale_neutral_priors_need_limits():
    grid = zampieri_priors(-0.03, scale="difference")
    assert not any(k.startswith("neutral") for k in grid)
    grid = zampieri_priors(
        -0.03, scale="difference", neutral_limits={"strong": 0.03, "moderate": 0.06, "weak": 0.09}
    )
    assert grid["neutral-moderate"].cdf(-0.06) == pytest.approx(0.025)


# ---------------------------------------------------------------- exact posterior vs quadrature


def test_normal_posterior_closed_form():
    post = normal_posterior(Normal(0.2, 0.5), -0.3, 0.25)
    prec = 1 / 0.25 + 1 / 0.0625
    assert post.mean == pytest.approx((0.2 / 0.25 - 0.3 / 0.0625) / prec)
    assert post.sd == pytest.approx(prec**-0.5)


def test_every_default_prior_against_quadrature():
    res = reanalyse_reported(HR, LO, HI, mcid=MCID, prior=Normal(-0.1, 0.3))
    lik = reported_likelihood(HR, LO, HI)
    grid = {
        "flat": None,
        "sceptical": sceptical_prior(MCID),
        **zampieri_priors(MCID),
        "user": Normal(-0.1, 0.3),
    }
    assert list(res.prior) == list(grid)
    for row in res.itertuples():
        pr = grid[row.prior]
        ref = quad_summary(
            None if pr is None else pr.pdf,
            lik.mean,
            lik.se,
            math.log(MCID),
            at=(math.log(row.cri95_low), math.log(row.cri95_high)),
        )
        assert row.post_mean == pytest.approx(ref["post_mean"], abs=1e-9), row.prior
        assert row.post_sd == pytest.approx(ref["post_sd"], rel=1e-7), row.prior
        for col in ("prob_benefit", "prob_mcid", "prob_harm"):
            assert getattr(row, col) == pytest.approx(ref[col], abs=1e-8), (row.prior, col)
        # the credible bounds are the 2.5% and 97.5% points of the integrated posterior
        assert ref["cdf_at"] == [pytest.approx(0.025, abs=1e-9), pytest.approx(0.975, abs=1e-9)]
        assert row.estimate == pytest.approx(math.exp(ref["post_mean"]), rel=1e-8)


def test_difference_scale_benefit_higher_against_quadrature():
    # a risk difference of +0.05 (95% CI -0.01 to 0.11) where higher is better, MCID +0.03
    limits = {"strong": 0.05, "moderate": 0.1, "weak": 0.2}
    res = reanalyse_reported(
        0.05,
        -0.01,
        0.11,
        scale="difference",
        mcid=0.03,
        benefit="higher",
        priors={
            "neutral": zampieri_priors(0.03, "difference", "higher", limits)["neutral-moderate"],
            "flat": None,
        },
    )
    lik = reported_likelihood(0.05, -0.01, 0.11, scale="difference")
    for row in res.itertuples():
        pr = {"neutral": Normal(0, 0.1 / Z975), "flat": None}[row.prior]
        ref = quad_summary(
            None if pr is None else pr.pdf, lik.mean, lik.se, 0.03, lower=False, at=(row.cri95_low,)
        )
        assert row.post_mean == pytest.approx(ref["post_mean"], abs=1e-10)
        assert row.estimate == pytest.approx(ref["post_mean"], abs=1e-10)  # natural scale
        assert row.prob_benefit == pytest.approx(ref["prob_benefit"], abs=1e-8)
        assert row.prob_mcid == pytest.approx(ref["prob_mcid"], abs=1e-8)
        assert ref["cdf_at"][0] == pytest.approx(0.025, abs=1e-9)


def test_credible_level_names_the_columns():
    res = reanalyse_reported(HR, LO, HI, priors=["flat"], level=0.9)
    assert {"cri90_low", "cri90_high"} <= set(res.columns)
    lik = reported_likelihood(HR, LO, HI)
    assert res.cri90_low[0] == pytest.approx(math.exp(lik.mean - stats.norm.ppf(0.95) * lik.se))


# ---------------------------------------------------------------- a published re-analysis


def test_andromeda_shock_published_reanalysis():
    """ANDROMEDA-SHOCK (Hernandez et al., JAMA 2019;321:654-664, doi:10.1001/jama.2019.0071):
    28-day mortality HR 0.75 (95% CI 0.55 to 1.02). A sceptical-prior re-analysis posted on
    datamethods (discourse.datamethods.org/t/andromeda-shock-or-how-to-intepret-hr-0-76-95-ci-
    0-55-1-02-p-0-06/1349/26) took the MCID as the odds ratio of the trial's design, 30% vs
    45% mortality in 420 patients with 0.5 added to each cell, and a prior centred on no
    effect with 5% probability beyond it; it reported P(HR < 1) = 0.95 and a posterior
    HR 0.78 (95% CrI 0.59 to 1.04). Their likelihood sd came from the upper bound only, ours
    from both bounds, so agreement is to the printed precision."""
    n = 420
    a, b = 0.30 * n, 0.45 * n
    c, d = n - a, n - b
    mcid = ((a + 0.5) * (d + 0.5)) / ((b + 0.5) * (c + 0.5))
    row = reanalyse_reported(0.75, 0.55, 1.02, mcid=mcid, priors=["sceptical"]).iloc[0]
    assert round(row.estimate, 2) == 0.78
    assert round(row.cri95_low, 2) == 0.59
    assert round(row.cri95_high, 2) == 1.04
    assert row.prob_benefit == pytest.approx(0.95, abs=0.006)


# ---------------------------------------------------------------- MCMC check (one compile)


@pytest.fixture(scope="module")
def compiled():
    from bayes_trials.fit import CACHE

    model = NormalNormalModel(reported_likelihood(HR, LO, HI))
    return CACHE.get(model.structure(None), model.build_model)


def test_mcmc_agrees_with_exact_within_4_mcse(compiled):
    from bayes_trials.fit import CACHE

    before = CACHE.compiles
    priors = ["flat", "sceptical", "neutral-strong", "optimistic-moderate", "pessimistic-weak"]
    exact = reanalyse_reported(HR, LO, HI, mcid=MCID, priors=priors, prior=Normal(-0.1, 0.3))
    mcmc = reanalyse_reported(
        HR,
        LO,
        HI,
        mcid=MCID,
        priors=priors,
        prior=Normal(-0.1, 0.3),
        method="mcmc",
        draws=2000,
        tune=500,
        chains=2,
        seed=7,
    )
    assert CACHE.compiles == before  # the fixture compiled it; refits only swap data
    assert mcmc.attrs["seed"] == 7
    for e, m in zip(exact.itertuples(), mcmc.itertuples()):
        assert e.prior == m.prior
        assert m.r_hat < 1.01 and m.divergences == 0 and m.ess_bulk > 400
        assert abs(m.post_mean - e.post_mean) <= 4 * m.mcse_post_mean, m.prior
        for col in ("prob_benefit", "prob_mcid", "prob_harm"):
            assert (
                abs(getattr(m, col) - getattr(e, col)) <= 4 * getattr(m, "mcse_" + col) + 1e-12
            ), (m.prior, col)
        # sd of 4000 draws: relative MC error about 1/sqrt(2 ess)
        assert m.post_sd == pytest.approx(e.post_sd, rel=4 / math.sqrt(2 * m.ess_bulk))
