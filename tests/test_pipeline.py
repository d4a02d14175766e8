"""The pipeline on both seed specs: MCMC against exact for every endpoint and prior."""

import pandas as pd
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials import checks as chk


def _binary(result):
    """The binary endpoints (one probability per prior, a Beta posterior)."""
    return {e: r for e, r in result.endpoints.items() if r.endpoint.kind == "binary"}


@pytest.mark.parametrize("fixture", ["lad1_result", "meta_result"])
def test_every_check_passes_or_does_not_apply(fixture, request):
    result = request.getfixturevalue(fixture)
    checks = result.checks()
    failed = checks[checks["passed"] == False]  # noqa: E712
    assert failed.empty, failed[["endpoint", "kind", "name", "prior", "message"]].to_string()
    # every sampled fit was diagnosed, and compared with its exact posterior where it has one
    for kind in ("MCMC vs exact", "sampler diagnostics"):
        seen = set(map(tuple, checks[checks["kind"] == kind][["endpoint", "prior"]].values))
        wanted = {
            (e, name)
            for e, r in result.endpoints.items()
            for name, f in r.fits.items()
            if f.posterior is not None and (f.exact or kind == "sampler diagnostics")
        }
        assert seen == wanted, kind


@pytest.mark.parametrize("fixture", ["lad1_result", "meta_result"])
def test_mcmc_mean_within_4_mcse_of_beta_posterior_mean(fixture, request):
    # independent oracle: scipy's Beta(a + k, b + n - k) mean, not the toolkit's update()
    result = request.getfixturevalue(fixture)
    for name, res in _binary(result).items():
        d = res.endpoint.data
        for prior_name, fit in res.fits.items():
            if isinstance(fit.prior, bt.Beta):
                oracle = stats.beta(fit.prior.a + d.events, fit.prior.b + d.n - d.events).mean()
                assert abs(fit.row["mean"] - oracle) <= 4 * fit.row["mcse_mean"], (name, prior_name)


def test_lad1_published_checks_reproduced(lad1_result):
    c = lad1_result.checks()
    pub = c[(c["kind"] == "published vs recomputed") & (c["endpoint"] == "hsct_free_survival_1y")]
    assert len(pub) == 4 and pub["passed"].all()
    # the rate endpoints' reductions hold by construction on assumed data: not a validation
    rates = c[(c["kind"] == "published vs recomputed") & (c["endpoint"] != "hsct_free_survival_1y")]
    assert len(rates) == 3 and rates["message"].str.contains("by construction").all()
    ci_low = pub[pub["name"].str.startswith("CI lower")].iloc[0]
    assert ci_low["value"] == pytest.approx(100 * 0.025 ** (1 / 9))


def test_unresolvable_tail_probability_reports_exact_value(lad1_result):
    row = lad1_result["hsct_free_survival_1y"].fits["uniform"].row
    # 1 - 0.39^10 = 0.99992: fewer than 10 effective draws expected below 0.39
    assert row["exact_prob"] == pytest.approx(1 - 0.39**10)
    assert row["prob_resolvable"] is False
    c = lad1_result.checks()
    tail = c[
        (c["kind"] == "MCMC vs exact") & (c["prior"] == "uniform") & c["name"].str.startswith("P(")
    ]
    assert tail["passed"].isna().all() and "exact value" in tail["message"].iloc[0]


def test_summary_table_has_level_named_columns_and_exact_beside(meta_result):
    s = meta_result["cr_cri_1m"].table().set_index("prior")
    assert list(meta_result["cr_cri_1m"].table().columns[:4]) == [
        "endpoint",
        "prior",
        "model",
        "quantity",
    ]
    for col in (
        "mean",
        "eti95_low",
        "hdi95_high",
        "prob",
        "prob_mcse",
        "exact_prob",
        "ess_bulk",
        "r_hat",
        "prior_ess",
    ):
        assert col in s.columns
    assert list(s.index) == [
        "uniform",
        "jeffreys",
        "sceptical_ess2",
        "sceptical_ess6",
        "enthusiastic_zuma3",
        "map_cart",
        "map_cart_robust",
    ]
    # uniform prior: posterior Beta(10, 4); P(theta > 0.40) from scipy
    assert s.loc["uniform", "exact_prob"] == pytest.approx(stats.beta(10, 4).sf(0.40))


def test_benchmarks_table_in_endpoint_direction(meta_result):
    b = meta_result["crs_grade3plus"].benchmarks()
    row = b[(b["prior_name"] == "uniform")].iloc[0]
    assert row["comparison"] == "P(theta < 0.024)"
    assert row["exact_prob"] == pytest.approx(stats.beta(1, 13).cdf(0.024))


def test_posterior_datatree_has_one_child_per_prior(lad1_result):
    tree = lad1_result.posterior
    fits = lad1_result["hsct_free_survival_1y"].fits
    assert set(tree["hsct_free_survival_1y"].children) == set(fits)
    theta = tree["hsct_free_survival_1y/uniform/posterior"]["theta"]
    assert theta.sizes["chain"] == 4 and theta.sizes["draw"] >= 1000


def test_rich_reprs(lad1_result):
    res = lad1_result["hsct_free_survival_1y"]
    assert "9/9" in repr(res) and "0 failed" in repr(res)
    html = lad1_result._repr_html_()
    assert "<table" in html and "Checks: " in html


def test_exact_method_needs_no_sampling():
    ep = bt.BinaryEndpoint("x", bt.Binary(4, 12), target=0.2)
    res = bt.analyse(ep, method="exact")
    assert set(res.fits) == {"uniform", "jeffreys"}
    assert res.fits["uniform"].posterior is None
    assert res.table().set_index("prior").loc["uniform", "exact_prob"] == pytest.approx(
        stats.beta(5, 9).sf(0.2)
    )
    kinds = set(res.checks()["kind"])
    assert "MCMC vs exact" not in kinds and "Bayesian vs frequentist" in kinds


def test_a_deliberately_wrong_exact_value_fails_the_check():
    # the MCMC-vs-exact check can fail: feed it an exact mean off by 10 MCSE
    ep = bt.BinaryEndpoint("x", bt.Binary(4, 12))
    row = {
        "mean": 0.35,
        "exact_mean": 0.35 + 10 * 0.002,
        "mcse_mean": 0.002,
        "eti95_low": 0.1,
        "eti95_low_cdf": 0.025,
        "ess_eti95_low": 1000,
        "exact_eti95_low": 0.1,
        "eti95_high": 0.6,
        "eti95_high_cdf": 0.975,
        "ess_eti95_high": 1000,
        "exact_eti95_high": 0.6,
    }
    checks = chk.mcmc_vs_exact(ep.name, "p", ep.quantity(), row)
    assert checks[0].passed is False and all(c.passed for c in checks[1:])
    # an interval end whose tail holds more mass than a 5-sigma Monte Carlo error allows
    # (the exact order-statistic distribution, Beta(ESS p + 1, ESS (1 - p) + 1))
    row["eti95_low_cdf"] = stats.beta.isf(stats.norm.sf(5), 1000 * 0.025 + 1, 1000 * 0.975 + 1)
    assert chk.mcmc_vs_exact(ep.name, "p", ep.quantity(), row)[1].passed is False
    row["eti95_low_cdf"] = stats.beta.isf(stats.norm.sf(3), 1000 * 0.025 + 1, 1000 * 0.975 + 1)
    assert chk.mcmc_vs_exact(ep.name, "p", ep.quantity(), row)[1].passed is True


def test_figure_marks_target(lad1_result):
    fig = lad1_result["hsct_free_survival_1y"].plot()
    legends = list(fig.legends) + [a.get_legend() for a in fig.axes if a.get_legend() is not None]
    assert any("target 0.39" in t.get_text() for lg in legends for t in lg.get_texts())
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_checks_frame_shape(meta_result):
    df = meta_result.checks()
    assert isinstance(df, pd.DataFrame)
    assert set(df["kind"]) == set(chk.KINDS)
