"""Response categories through the one pipeline: MCMC against exact Betas, META 10-19, reports.

Oracles are independent of the toolkit: scipy's Beta for the Dirichlet marginals and the
binary analyses, NumPy Monte Carlo for comparisons with benchmarks that carry their own
uncertainty. Every MCMC comparison allows 4 Monte Carlo standard errors: for a normal
error a false alarm rate of 6.3e-5 per comparison, whatever the seed.

META 10-19 (Lancet Haematol 2025, doi:10.1016/S2352-3026(25)00253-4, abstract): at 1 month
CR 4/12, CRi 5/12, MLFS 3/12, no response 0/12.
"""

from __future__ import annotations

import tomllib
import warnings

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.benchmarks import BenchmarkRate
from bayes_trials.data import Categorical
from bayes_trials.endpoints.categorical import CategoricalEndpoint
from bayes_trials.fit import CACHE
from bayes_trials.pipeline import analyse_endpoint
from bayes_trials.spec import parse_spec

from ..conftest import META, META_CATEGORY_SETTINGS

Y = {"CR": 4, "CRi": 5, "MLFS": 3, "none": 0}


# --- one endpoint, its reference priors, one compile -------------------------------------


@pytest.fixture(scope="module")
def direct():
    ep = CategoricalEndpoint(
        "response_1m",
        Categorical(Y, n=12),
        unions={"CR+CRi": ["CR", "CRi"], "any response": ["CR", "CRi", "MLFS"]},
        targets={"CR+CRi": 0.4},
    )
    before = CACHE.compiles
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        res = bt.analyse(ep, method="mcmc", draws=1000, tune=500, chains=4, seed=11)
    return res, CACHE.compiles - before


def test_one_compile_for_all_priors(direct):
    assert direct[1] <= 1


@pytest.mark.parametrize("prior_name,a", [("jeffreys", 0.5), ("uniform", 1.0)])
def test_mcmc_matches_exact_dirichlet_and_union_betas(direct, prior_name, a):
    res, _ = direct
    fit = res.fits[prior_name]
    t = res.table().set_index(["prior", "quantity"]).loc[prior_name]
    assert list(t.index) == ["CR", "CRi", "MLFS", "none", "CR+CRi", "any response"]
    for label, members in [(c, (c,)) for c in Y] + list(res.endpoint.unions):
        inside = sum(a + Y[m] for m in members)
        oracle = stats.beta(inside, 4 * a + 12 - inside)
        row = t.loc[label]
        assert row["exact_mean"] == pytest.approx(oracle.mean(), rel=1e-12)
        assert abs(row["mean"] - oracle.mean()) < 4 * row["mcse_mean"], (label, row["mean"])
        assert row["r_hat"] < 1.01
    assert fit.diagnostics["divergences"] == 0
    # the union agrees with the binary analysis of the same union: MCMC tail probability
    # P(p_CR+CRi > 0.6) against scipy's Beta(a + a + 9, a + a + 3)
    import arviz as az

    draws = res.endpoint.draws(fit.posterior)["CR+CRi"]
    exact = stats.beta(2 * a + 9, 2 * a + 3).sf(0.6)
    ind = (draws > 0.6).astype(float)
    mcse = max(
        float(az.mcse(ind, method="mean")), np.sqrt(exact * (1 - exact) / float(az.ess(ind)))
    )
    assert abs(float(ind.mean()) - exact) < 4 * mcse
    # every check of the fit passed (or does not apply)
    c = res.checks()
    assert (c.loc[c["prior"] == prior_name, "passed"] != False).all()


def test_stacked_bar_figure(direct):
    import matplotlib.pyplot as plt

    res, _ = direct
    fig = res.plot()
    assert len(fig.axes[0].patches) == 4 * (1 + len(res.fits))  # categories x (observed, priors)
    # the union panel: one interval per union and prior
    assert len(fig.axes[1].get_yticks()) == 2 * len(res.fits)
    plt.close(fig)


# --- META 10-19, the categorical endpoint of the seed spec ---------------------------------


@pytest.fixture(scope="module")
def meta_categories():
    """The META spec with its categorical endpoint and the binary CR + CRi endpoint."""
    doc = tomllib.loads(META.read_text())
    doc["endpoints"] = [
        e for e in doc["endpoints"] if e["id"] in ("response_categories_1m", "cr_cri_1m")
    ]
    return parse_spec(doc, path=META)


@pytest.fixture(scope="module")
def meta_result(meta_categories):
    """The categorical endpoint of META sampled with modest draws, as the pipeline runs it."""
    es = meta_categories.endpoint("response_categories_1m")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return analyse_endpoint(
            es.endpoint,
            es.priors,
            method="mcmc",
            spec=es,
            trial_id=meta_categories.name,
            **META_CATEGORY_SETTINGS,
        )


def test_meta_spec_states_categories(meta_spec):
    # the full seed spec (every kind)
    cat = meta_spec.endpoint("response_categories_1m")
    assert cat.endpoint.data.counts == {"CR": 4, "CRi": 5, "MLFS": 3, "no response": 0}
    assert [u for u, _ in cat.endpoint.unions] == ["CR+CRi", "any response"]
    assert cat.provenance["count[CRi]"].tag == "published"
    assert cat.provenance["count[no response]"].tag == "derived"
    # FELIX split: CR 52, CRi 72 - 52 = 20, the other 22 halved (assumed), weight 6
    felix = cat.priors["dirichlet_felix"]
    np.testing.assert_allclose(felix.alpha, 6 * np.array([52, 20, 11, 11]) / 94)
    assert cat.priors["dirichlet_jeffreys"].marginal(["CR", "CRi"]) == bt.Beta(1, 1)
    assert all(
        q.tag in ("published", "derived", "assumed") and q.source for q in cat.provenance.values()
    )


def test_meta_categories_and_their_provenance(meta_categories):
    cat = meta_categories.endpoint("response_categories_1m")
    assert cat.endpoint.data.counts == {"CR": 4, "CRi": 5, "MLFS": 3, "no response": 0}
    assert dict(cat.endpoint.targets) == {"CR": 0.2, "CR+CRi": 0.4}
    felix = cat.priors["dirichlet_felix"]
    np.testing.assert_allclose(felix.alpha, 6 * np.array([52, 20, 11, 11]) / 94)
    assert all(
        q.tag in ("published", "derived", "assumed") and q.source for q in cat.provenance.values()
    )
    assert "not a randomised contrast" in cat.endpoint.caveats  # the spec's own words


def test_meta_category_benchmark_count_is_the_only_one_matching_its_percentage(meta_categories):
    # FELIX cohort 2A CR: 55% of 94 (Roddie C et al., N Engl J Med 2024); 52/94 = 55.3%
    b = {b.name: b for b in meta_categories.endpoint("response_categories_1m").benchmarks}
    felix_cr = b["FELIX cohort 2A (obecabtagene) CR"]
    derived = BenchmarkRate.from_percent("x", "y", 55, felix_cr.n, decimals=0, source="s")
    assert derived.events == felix_cr.events == 52
    felix_or = b["FELIX cohort 2A (obecabtagene) overall remission"]  # 77% of 94
    assert (
        BenchmarkRate.from_percent("x", "y", 77, 94, decimals=0, source="s").events
        == felix_or.events
    )


def test_categories_mcmc_against_scipy_beta_marginals(meta_result):
    res = meta_result
    y = {"CR": 4, "CRi": 5, "MLFS": 3, "no response": 0}
    s = res.table().set_index(["prior", "quantity"])
    for pname, fit in res.fits.items():
        alpha = fit.prior.concentrations
        a0 = sum(alpha.values())
        for label, members in [(c, (c,)) for c in y] + list(res.endpoint.unions):
            a = sum(alpha[m] + y[m] for m in members)
            oracle = stats.beta(a, a0 + 12 - a)
            row = s.loc[(pname, label)]
            assert row["exact_mean"] == pytest.approx(oracle.mean(), rel=1e-12)
            assert row["exact_eti95_high"] == pytest.approx(oracle.ppf(0.975), rel=1e-9)
            assert abs(row["mean"] - oracle.mean()) <= 4 * row["mcse_mean"], (pname, label)
    assert s.loc[("dirichlet_uniform", "CR+CRi"), "exact_prob"] == pytest.approx(
        stats.beta(11, 5).sf(0.40)
    )


def test_union_marginal_is_the_binary_analysis_of_the_union(meta_categories, meta_result):
    res = meta_result
    binary = meta_categories.endpoint("cr_cri_1m").endpoint  # 9/12, the spec's binary endpoint
    for fit in res.fits.values():
        alpha = fit.prior.concentrations
        inside = alpha["CR"] + alpha["CRi"]
        post = binary.exact_posterior(bt.Beta(inside, fit.prior.ess - inside))
        marg = res.endpoint.exact_posterior(fit.prior).marginal(["CR", "CRi"])
        assert (marg.a, marg.b) == pytest.approx((post.a, post.b), rel=1e-12)
        assert (fit.exact["CR+CRi"].a, fit.exact["CR+CRi"].b) == pytest.approx(
            (post.a, post.b), rel=1e-12
        )
    # Jeffreys Dirichlet of 4 categories: CR + CRi has the uniform prior, so the posterior is
    # the cr_cri_1m endpoint's under its uniform prior, Beta(10, 4)
    assert res.fits["dirichlet_jeffreys"].exact["CR+CRi"] == bt.Beta(10, 4)
    c = res.checks()
    union = c[(c["kind"] == "MCMC vs exact") & c["name"].str.contains("binary analysis of 9/12")]
    assert len(union) == 3 * len(res.fits) and union["passed"].all()


def test_category_benchmarks_against_monte_carlo(meta_result):
    b = meta_result.benchmarks()
    row = b[
        (b["prior_name"] == "dirichlet_uniform") & b["benchmark"].str.startswith("ZUMA-3")
    ].iloc[0]
    rng = np.random.default_rng(7)
    meta = rng.beta(11, 5, 1_000_000)  # CR + CRi under Dirichlet(1, 1, 1, 1)
    zuma = rng.beta(39.5, 16.5, 1_000_000)  # 39/55 under Jeffreys
    mc = (meta > zuma).mean()
    assert row["exact_prob_vs_uncertain"] == pytest.approx(mc, abs=4 * np.sqrt(mc * (1 - mc) / 1e6))
    assert row["exact_prob"] == pytest.approx(stats.beta(11, 5).sf(0.709))
    # from the draws: P(p_CR+CRi > 0.709) within 4 MCSE of the exact value
    import arviz as az

    fit = meta_result.fits["dirichlet_uniform"]
    ind = (meta_result.endpoint.draws(fit.posterior)["CR+CRi"] > 0.709).astype(float)
    p = row["exact_prob"]
    mcse = max(float(az.mcse(ind, method="mean")), np.sqrt(p * (1 - p) / float(az.ess(ind))))
    assert abs(row["prob"] - p) < 4 * mcse
    # the category benchmark (FELIX CR) is against the CR marginal Beta(1 + 4, 3 + 8)
    cr = b[(b["prior_name"] == "dirichlet_uniform") & (b["union"] == "CR")].iloc[0]
    assert cr["exact_prob"] == pytest.approx(stats.beta(5, 11).sf(0.553))


def test_report_parts_and_figure(meta_result, tmp_path):
    import matplotlib.pyplot as plt
    import pandas as pd

    res = meta_result
    sections = dict(res.endpoint.report_sections(res))
    heads = list(sections)
    assert heads[0].startswith("Priors (Dirichlet concentrations")
    assert any("Sison-Glaz" in h for h in heads) and any(h.startswith("Benchmarks") for h in heads)
    summary = next(df for h, df in sections.items() if h.startswith("Posterior of each category"))
    assert isinstance(summary, pd.DataFrame)
    assert summary.loc[("dirichlet_jeffreys", "CR+CRi"), ["count", "n", "kind"]].tolist() == [
        9,
        12,
        "union",
    ]
    assert summary.loc[("dirichlet_jeffreys", "CR"), "target"] == 0.2
    prose = res.endpoint.sentences(res)
    assert any("CR+CRi" in s and "P(CR+CRi > 0.4)" in s for s in prose)
    assert res.endpoint.caveats in prose and "not a randomised contrast" in res.endpoint.caveats
    assert prose[-1].startswith("Checks:")
    fig = res.plot()
    assert len(fig.axes) >= 2
    fig.savefig(tmp_path / f"{res.name}.png")
    plt.close(fig)
    assert (tmp_path / f"{res.name}.png").stat().st_size > 0


def test_checks_pass_and_name_what_they_compare(meta_result):
    c = meta_result.checks()
    failed = c[c["passed"] == False]
    assert failed.empty, failed[["name", "prior", "message"]].to_string()
    assert (c["kind"] == "sampler diagnostics").sum() == len(meta_result.fits)
    assert set(c.loc[c["kind"] == "published vs recomputed", "name"]) == {
        "CR: percentage",
        "CRi: percentage",
        "MLFS: percentage",
    }
    names = set(c["name"])
    assert "CR: posterior mean vs Dirichlet marginal" in names
    assert "P(CR+CRi > 0.4) vs exact" in names
