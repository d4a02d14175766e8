"""Response categories and adverse events in specs: parsing, bad input, the pipeline on META.

The tests of adverse events alone are in tests/endpoints/test_adverse_events_spec.py.

Oracles are independent of the toolkit: scipy's Beta for the Dirichlet marginals and the
binary analyses, closed forms for zero-event bounds, NumPy Monte Carlo for comparisons
with benchmarks that carry their own uncertainty.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.benchmarks import SAFETY_BENCHMARKS, BenchmarkRate
from bayes_trials.errors import SpecError

# --------------------------------------------------------------------------------------
# a small spec with both kinds, mutated case by case

SPEC = '''
[trial]
id = "toy"
title = "toy"
citation = "toy"

[priors.uniform]
reference = "uniform"
role = "reference"
tag = "assumed"
rationale = "x"

[priors.d_jeffreys]
family = "dirichlet"
alpha = 0.5
role = "reference"
tag = "assumed"
rationale = "x"

[priors.d_split]
family = "dirichlet"
counts = { CR = 6, CRi = 2, none = 2 }
ess = 5
role = "enthusiastic"
tag = "assumed"
rationale = "x"

[[endpoints]]
id = "resp"
kind = "categorical"
n = { value = 10, tag = "published", source = "p" }
priors = ["d_jeffreys", "d_split"]

[[endpoints.categories]]
name = "CR"
count = 4
percent = 40
tag = "published"
source = "p"

[[endpoints.categories]]
name = "CRi"
count = 5
tag = "published"
source = "p"

[[endpoints.categories]]
name = "none"
count = 1
tag = "derived"
source = "p"

[[endpoints.unions]]
name = "CR+CRi"
categories = ["CR", "CRi"]
target = { value = 0.4, tag = "published", source = "p" }

[[endpoints.benchmarks]]
name = "B1"
union = "CR+CRi"
value = 0.7
events = 7
n = 10
tag = "published"
source = "p"

[[endpoints]]
id = "ae"
kind = "adverse_events"
priors = ["uniform"]
EVENTS

[endpoints.hierarchical]
tau = { family = "halfcauchy", scale = 1 }
tag = "assumed"
rationale = "x"

[[endpoints.benchmarks]]
name = "B2"
term = "ICANS"
value = 0.07
tag = "published"
source = "p"
'''

EVENTS = '''
[[endpoints.events]]
term = "neutropenia"
group = "haematological"
count = 12
n = 12
tag = "published"
source = "p"

[[endpoints.events]]
term = "CRS"
group = "immune effector"
count = 0
n = 12
tag = "derived"
source = "p"

[[endpoints.events]]
term = "ICANS"
group = "immune effector"
count = 0
n = 12
tag = "published"
source = "p"
'''


def _spec(tmp_path, text=None, events=EVENTS):
    path = tmp_path / "toy.toml"
    path.write_text((text or SPEC).replace("EVENTS", events))
    return path


def test_toy_spec_parses_both_kinds(tmp_path):
    spec = bt.load_spec(_spec(tmp_path))
    resp = spec.endpoint("resp")
    assert resp.endpoint.data.counts == {"CR": 4, "CRi": 5, "none": 1}
    assert resp.priors["d_split"] == bt.Dirichlet({"CR": 3.0, "CRi": 1.0, "none": 1.0})
    assert resp.provenance["count[none]"].tag == "derived"
    assert dict(resp.endpoint.targets) == {"CR+CRi": 0.4}
    ae = spec.endpoint("ae")
    assert ae.endpoint.table.terms == ("neutropenia", "CRS", "ICANS")
    assert ae.endpoint.hierarchical_prior.tau == bt.HalfCauchy(1.0)
    assert ae.provenance["CRS: count"].tag == "derived"
    assert dict(ae.endpoint.benchmark_terms) == {"B2": "ICANS"}


BAD = {
    # response categories
    "category count above n": ("count = 5\ntag", "count = 11\ntag", "resp", "categories[1].count"),
    "negative category count": ("count = 4\npercent", "count = -1\npercent", "resp", "categories[0].count"),
    "counts not summing to n": ('count = 1\ntag = "derived"', 'count = 2\ntag = "derived"', "resp", "n"),
    "empty category list": ("[[endpoints.categories]]", "[[endpoints.ignored]]", "resp", "categories"),
    "duplicate category": ('name = "CRi"', 'name = "CR"', "resp", "categories[1].name"),
    "union with an unknown category": ('categories = ["CR", "CRi"]', 'categories = ["CR", "MLFS"]', "resp",
                                       "unions[0].categories"),
    "benchmark without its union": ('union = "CR+CRi"', 'union = "CR+MLFS"', "resp", "benchmarks[0].union"),
    "misspelt category field": ("count = 5\ntag", "cont = 5\ntag", "resp", "categories[1]"),
    "percent outside 0-100": ("percent = 40", "percent = 140", "resp", "categories[0].percent"),
    "union target outside (0, 1)": ("value = 0.4,", "value = 1.4,", "resp", "unions[0].target"),
    "dirichlet prior with other categories": ("counts = { CR = 6, CRi = 2, none = 2 }",
                                              "counts = { CR = 6, MLFS = 2, none = 2 }", "resp",
                                              "priors.d_split.counts"),
    "non-positive dirichlet alpha": ("alpha = 0.5", "alpha = 0", None, "priors.d_jeffreys.alpha"),
    "dirichlet prior with two forms": ("alpha = 0.5", "alpha = 0.5\nmean = { CR = 1 }", None, "priors.d_jeffreys"),
    "binary prior on a categorical endpoint": ('priors = ["d_jeffreys", "d_split"]', 'priors = ["uniform"]',
                                               "resp", "priors"),
}


#: mutations applied to every occurrence (the others to the first only)
EVERY_OCCURRENCE = {"empty category list"}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_names_file_endpoint_row_and_field(case, tmp_path):
    old, new, endpoint, field = BAD[case]
    if old is None:
        path = _spec(tmp_path, events='events_csv = "missing.csv"')
    else:
        text = SPEC.replace("EVENTS", EVENTS)
        assert old in text, "the mutation does not apply"
        path = _spec(tmp_path, text.replace(old, new, -1 if case in EVERY_OCCURRENCE else 1))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    e = err.value
    assert e.file == str(path) and e.endpoint == endpoint and e.field == field, str(e)
    assert str(path) in str(e) and field in str(e)


def test_bad_input_writes_nothing(tmp_path, capsys):
    from bayes_trials.cli import main

    path = _spec(tmp_path, SPEC.replace("EVENTS", EVENTS).replace("count = 5\ntag", "count = 11\ntag"))
    out = tmp_path / "report"
    assert main(["run", str(path), "--out", str(out), "--method", "exact"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'resp'" in err[0] and "categories[1].count" in err[0]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["toy.toml"]


# --------------------------------------------------------------------------------------
# META 10-19


def test_meta_spec_states_categories_and_events(meta_spec):
    cat = meta_spec.endpoint("response_categories_1m")
    assert cat.endpoint.data.counts == {"CR": 4, "CRi": 5, "MLFS": 3, "no response": 0}
    assert [u for u, _ in cat.endpoint.unions] == ["CR+CRi", "any response"]
    assert cat.provenance["count[CRi]"].tag == "published"
    assert cat.provenance["count[no response]"].tag == "derived"
    # FELIX split: CR 52, CRi 72 - 52 = 20, the other 22 halved (assumed), weight 6
    felix = cat.priors["dirichlet_felix"]
    np.testing.assert_allclose(felix.alpha, 6 * np.array([52, 20, 11, 11]) / 94)
    assert cat.priors["dirichlet_jeffreys"].marginal(["CR", "CRi"]) == bt.Beta(1, 1)
    ae = meta_spec.endpoint("adverse_events_grade3")
    assert ae.endpoint.table.to_frame()[["term", "count", "n"]].values.tolist() == [
        ["neutropenia", 12, 12], ["anaemia", 10, 12], ["thrombocytopenia", 10, 12],
        ["CRS", 0, 12], ["ICANS", 0, 12]]
    assert ae.endpoint.table.groups == ("haematological", "immune effector")
    assert set(ae.priors) == {"uniform", "jeffreys"}
    # every number of both endpoints is tagged
    for es in (cat, ae):
        assert all(q.tag in ("published", "derived", "assumed") and q.source for q in es.provenance.values())


def test_meta_benchmark_counts_are_the_only_ones_matching_the_printed_percentages(meta_spec):
    printed = {"FELIX grade >= 3 CRS (all 127 infused)": (2.4, 1), "ZUMA-3 phase 1 grade >= 3 CRS": (31, 0),
               "FELIX grade >= 3 ICANS (all 127 infused)": (7.1, 1),
               "ZUMA-3 phase 1 grade >= 3 neurological events": (38, 0),
               "FELIX cohort 2A (obecabtagene) CR": (55, 0)}
    benches = [b for name in ("response_categories_1m", "adverse_events_grade3")
               for b in meta_spec.endpoint(name).benchmarks]
    checked = 0
    for b in benches:
        if b.name in printed:
            pct_, dec = printed[b.name]
            derived = BenchmarkRate.from_percent("x", "y", pct_, b.n, decimals=dec, source="s")
            assert derived.events == b.events, b.name
            checked += 1
    assert checked == len(printed)
    assert SAFETY_BENCHMARKS["felix_grade3_icans"].events == 9
    assert SAFETY_BENCHMARKS["zuma3_ph1_grade3_crs"].events == 14


def test_categories_mcmc_against_scipy_beta_marginals(meta_category_results):
    res = meta_category_results["response_categories_1m"]
    y = {"CR": 4, "CRi": 5, "MLFS": 3, "no response": 0}
    s = res.summary()
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
    assert s.loc[("dirichlet_uniform", "CR+CRi"), "exact_prob"] == pytest.approx(stats.beta(11, 5).sf(0.40))


def test_union_marginal_is_the_binary_analysis_of_the_union(meta_spec, meta_category_results):
    res = meta_category_results["response_categories_1m"]
    binary = meta_spec.endpoint("cr_cri_1m").endpoint          # 9/12, the spec's binary endpoint
    for pname, fit in res.fits.items():
        alpha = fit.prior.concentrations
        inside = alpha["CR"] + alpha["CRi"]
        post = binary.exact_posterior(bt.Beta(inside, fit.prior.ess - inside))
        marg = fit.exact.marginal(["CR", "CRi"])
        assert (marg.a, marg.b) == pytest.approx((post.a, post.b), rel=1e-12)
    # Jeffreys Dirichlet of 4 categories: CR + CRi has the uniform prior, so the posterior is
    # the cr_cri_1m endpoint's under its uniform prior, Beta(10, 4)
    assert res.fits["dirichlet_jeffreys"].exact.marginal(["CR", "CRi"]) == bt.Beta(10, 4)
    c = res.checks()
    union = c[(c["kind"] == "MCMC vs exact") & c["name"].str.contains("binary analysis of 9/12")]
    assert len(union) == 3 * len(res.fits) and union["passed"].all()


def test_category_benchmarks_against_monte_carlo(meta_category_results):
    b = meta_category_results["response_categories_1m"].benchmarks()
    row = b[(b["prior_name"] == "dirichlet_uniform") & b["benchmark"].str.startswith("ZUMA-3")].iloc[0]
    rng = np.random.default_rng(7)
    meta = rng.beta(11, 5, 1_000_000)              # CR + CRi under Dirichlet(1, 1, 1, 1)
    zuma = rng.beta(39.5, 16.5, 1_000_000)         # 39/55 under Jeffreys
    mc = (meta > zuma).mean()
    assert row["exact_prob_vs_uncertain"] == pytest.approx(mc, abs=4 * np.sqrt(mc * (1 - mc) / 1e6))
    assert row["exact_prob"] == pytest.approx(stats.beta(11, 5).sf(0.709))


def test_report_sections_and_figures(meta_category_results, tmp_path):
    import matplotlib.pyplot as plt

    from bayes_trials.report import endpoint_tables

    cat = endpoint_tables(meta_category_results["response_categories_1m"])
    for text in ("Priors (Dirichlet concentrations", "CR+CRi", "Sison-Glaz", "Benchmarks",
                 "Checks", "not a randomised contrast"):
        assert text in cat, text
    ae = endpoint_tables(meta_category_results["adverse_events_grade3"])
    for text in ("Berry and Berry", "shrinkage", "rule of three", "FELIX grade >= 3 ICANS", "HalfNormal(scale=3)"):
        assert text in ae, text
    for res in meta_category_results.values():
        fig = res.plot()
        assert len(fig.axes) >= 1
        fig.savefig(tmp_path / f"{res.name}.png")
        plt.close(fig)


def test_report_folder_with_the_new_sections(meta_spec, meta_category_results, tmp_path):
    import xarray as xr

    from bayes_trials.analysis import TrialResult
    from bayes_trials.report import write_report

    from .conftest import META_CATEGORY_SETTINGS

    trial = TrialResult(meta_spec, dict(meta_category_results), {**META_CATEGORY_SETTINGS, "method": "mcmc"})
    out = write_report(trial, tmp_path / "meta")
    report = (out / "report.md").read_text()
    assert "## Response at 1 month by category" in report and "## Grade >= 3 adverse events" in report
    for name in meta_category_results:
        for f in (f"figures/{name}.png", f"benchmarks_{name}.csv", f"summary_{name}.csv",
                  f"frequentist_{name}.csv"):
            assert (out / f).stat().st_size > 0, f
    tree = xr.open_datatree(out / "posteriors.nc")
    assert "p_union" in tree["response_categories_1m/dirichlet_jeffreys/posterior"]
    assert tree["adverse_events_grade3/hierarchical/posterior"]["theta"].sizes["term"] == 5
