"""Response categories and adverse events in specs: parsing, bad input, the pipeline on META.

Oracles are independent of the toolkit: scipy's Beta for the binary analyses, closed forms
for zero-event bounds, NumPy Monte Carlo for comparisons with benchmarks that carry their
own uncertainty. The response categories' own tests are in tests/endpoints/test_categorical_*.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.benchmarks import BenchmarkRate
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

CSV = """term,group,count,n,tag,source
neutropenia,haematological,12,12,published,p
CRS,immune effector,0,12,derived,p
ICANS,immune effector,0,12,published,p
"""


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


def test_csv_table_relative_to_the_spec(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ae.csv").write_text(CSV)
    path = _spec(tmp_path, events='events_csv = "data/ae.csv"')
    monkeypatch.chdir("/")                       # not the spec's folder
    spec = bt.load_spec(path)
    table = spec.endpoint("ae").endpoint.table
    assert table.terms == ("neutropenia", "CRS", "ICANS") and table.counts.tolist() == [12, 0, 0]
    assert spec.endpoint("ae").provenance["ICANS: count"].tag == "published"


def test_bad_csv_row_names_the_csv_its_line_and_field(tmp_path):
    (tmp_path / "ae.csv").write_text(CSV.replace("CRS,immune effector,0,12", "CRS,immune effector,13,12"))
    with pytest.raises(SpecError) as err:
        bt.load_spec(_spec(tmp_path, events='events_csv = "ae.csv"'))
    e = err.value
    assert e.file == str((tmp_path / "ae.csv").resolve()) and e.endpoint == "ae"
    assert e.field == "events_csv[1].count" and "line 3" in str(e) and "'CRS'" in str(e)


def test_singleton_group_is_allowed(tmp_path):
    events = EVENTS.replace('term = "neutropenia"\ngroup = "haematological"',
                            'term = "neutropenia"\ngroup = "haem"')
    spec = bt.load_spec(_spec(tmp_path, events=events))
    assert spec.endpoint("ae").endpoint.table.singleton_groups == ("haem",)


BAD = {
    # adverse events
    "event count above n": ("count = 0\nn = 12\ntag = \"derived\"", "count = 13\nn = 12\ntag = \"derived\"",
                            "ae", "events[1].count"),
    "negative event count": ("count = 12\nn = 12", "count = -2\nn = 12", "ae", "events[0].count"),
    "n = 0": ("count = 0\nn = 12\ntag = \"published\"", "count = 0\nn = 0\ntag = \"published\"", "ae", "events[2].n"),
    "duplicate term": ('term = "ICANS"', 'term = "crs "', "ae", "events[2].term"),
    "missing group": ('group = "haematological"\n', "", "ae", "events[0].group"),
    "event without a source": ('count = 12\nn = 12\ntag = "published"\nsource = "p"',
                               'count = 12\nn = 12\ntag = "published"', "ae", "events[0].count"),
    "unknown benchmark term": ('term = "ICANS"\nvalue', 'term = "seizure"\nvalue', "ae", "benchmarks[0].term"),
    "bad scale family": ('family = "halfcauchy"', 'family = "gamma"', "ae", "hierarchical.tau.family"),
    "hyperpriors without rationale": ('tag = "assumed"\nrationale = "x"\n\n[[endpoints.benchmarks]]\nname = "B2"',
                                      'tag = "assumed"\n\n[[endpoints.benchmarks]]\nname = "B2"', "ae",
                                      "hierarchical.rationale"),
    "table both inline and as a CSV": ("priors = [\"uniform\"]", "priors = [\"uniform\"]\nevents_csv = \"x.csv\"",
                                       "ae", "events"),
    "missing CSV": (None, None, "ae", "events_csv"),
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
    ae = meta_spec.endpoint("adverse_events_grade3")
    assert ae.endpoint.table.to_frame()[["term", "count", "n"]].values.tolist() == [
        ["neutropenia", 12, 12], ["anaemia", 10, 12], ["thrombocytopenia", 10, 12],
        ["CRS", 0, 12], ["ICANS", 0, 12]]
    assert ae.endpoint.table.groups == ("haematological", "immune effector")
    assert set(ae.priors) == {"uniform", "jeffreys"}
    # every number of the endpoint is tagged
    for es in (ae,):
        assert all(q.tag in ("published", "derived", "assumed") and q.source for q in es.provenance.values())


def test_meta_benchmark_counts_are_the_only_ones_matching_the_printed_percentages(meta_spec):
    printed = {"FELIX grade >= 3 CRS (all 127 infused)": (2.4, 1), "ZUMA-3 phase 1 grade >= 3 CRS": (31, 0),
               "FELIX grade >= 3 ICANS (all 127 infused)": (7.1, 1),
               "ZUMA-3 phase 1 grade >= 3 neurological events": (38, 0)}
    benches = list(meta_spec.endpoint("adverse_events_grade3").benchmarks)
    checked = 0
    for b in benches:
        if b.name in printed:
            pct_, dec = printed[b.name]
            derived = BenchmarkRate.from_percent("x", "y", pct_, b.n, decimals=dec, source="s")
            assert derived.events == b.events, b.name
            checked += 1
    assert checked == len(printed)


def test_adverse_event_bounds_against_closed_forms(meta_category_results):
    res = meta_category_results["adverse_events_grade3"]
    s = res.summary()
    icans = s.loc[("uniform", "ICANS")]
    assert icans["exact_upper95"] == pytest.approx(1 - 0.05 ** (1 / 13))        # Beta(1, 13)
    assert icans["cp_upper95"] == pytest.approx(1 - 0.05 ** (1 / 12))           # Beta(1, 12)
    assert res.reference.rows["ICANS"]["rule_of_three"] == pytest.approx(0.25)
    assert s.loc[("jeffreys", "ICANS"), "exact_upper95"] == pytest.approx(stats.beta(0.5, 12.5).ppf(0.95))
    # MCMC of each independent analysis within 4 MCSE of scipy's Beta mean
    for (pname, term), row in s.drop(index="hierarchical", level=0).iterrows():
        prior = res.fits[pname].prior
        oracle = stats.beta(prior.a + row["count"], prior.b + row["n"] - row["count"]).mean()
        assert abs(row["mean"] - oracle) <= 4 * row["mcse_mean"], (pname, term)


def test_hierarchical_model_shrinks_and_passes_its_diagnostics(meta_category_results):
    res = meta_category_results["adverse_events_grade3"]
    c = res.checks()
    failed = c[c["passed"] == False]  # noqa: E712
    assert failed.empty, failed[["name", "prior", "message"]].to_string()
    assert ((c["kind"] == "sampler diagnostics") & (c["prior"] == "hierarchical")).sum() == 1
    h = res.hierarchical
    indep = res.endpoint.independent_summary()
    # both immune-effector events are 0/12: the hierarchy pulls them below their uniform-prior
    # means; the haematological events are pulled toward each other
    for term in ("CRS", "ICANS"):
        assert h.loc[term, "mean"] < indep.loc[term, "mean"]
    assert h.loc["neutropenia", "mean"] < indep.loc["neutropenia", "mean"]
    assert h.loc["anaemia", "mean"] > indep.loc["anaemia", "mean"]
    assert (h["shrinkage"].dropna() > 0).all()
    # benchmark comparison from the hierarchical draws, against a direct Monte Carlo
    b = res.benchmarks()
    row = b[(b["analysis"] == "hierarchical") & b["benchmark"].str.startswith("FELIX grade >= 3 ICANS")].iloc[0]
    draws = np.asarray(res.fits["hierarchical"].posterior["posterior"]["theta"].sel(term="ICANS")).ravel()
    rng = np.random.default_rng(3)
    felix = rng.beta(9.5, 118.5, (200, draws.size))
    assert row["prob_vs_uncertain"] == pytest.approx((felix > draws).mean(), abs=0.01)


def test_report_sections_and_figures(meta_category_results, tmp_path):
    import matplotlib.pyplot as plt

    from bayes_trials.report import endpoint_tables

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


def test_exact_method_leaves_the_hierarchy_unfitted(meta_spec):
    es = meta_spec.endpoint("adverse_events_grade3")
    res = es.endpoint.analyse(es.priors, method="exact", spec=es, trial_id=meta_spec.name)
    assert set(res.fits) == {"uniform", "jeffreys"} and res.hierarchical is None
    assert "MCMC vs exact" not in set(res.checks()["kind"])
    assert any("not fitted" in s for s in res.sentences())
    assert res.summary().loc[("jeffreys", "anaemia"), "exact_mean"] == pytest.approx(10.5 / 13)
