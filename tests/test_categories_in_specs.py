"""Response categories and adverse events in specs: parsing, bad input, the pipeline on META.

Oracles are independent of the toolkit: scipy's Beta for the binary analyses, closed forms
for zero-event bounds, NumPy Monte Carlo for comparisons with benchmarks that carry their
own uncertainty. The response categories' own tests are in tests/endpoints/test_categorical_*.py,
those of adverse events alone in tests/endpoints/test_adverse_events_spec.py.
"""

from __future__ import annotations

import bayes_trials as bt
from bayes_trials.benchmarks import BenchmarkRate

# --------------------------------------------------------------------------------------
# a small spec with both kinds, mutated case by case

SPEC = """
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
"""

EVENTS = """
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


def test_bad_input_writes_nothing(tmp_path, capsys):
    from bayes_trials.cli import main

    path = _spec(
        tmp_path, SPEC.replace("EVENTS", EVENTS).replace("count = 5\ntag", "count = 11\ntag")
    )
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
        ["neutropenia", 12, 12],
        ["anaemia", 10, 12],
        ["thrombocytopenia", 10, 12],
        ["CRS", 0, 12],
        ["ICANS", 0, 12],
    ]
    assert ae.endpoint.table.groups == ("haematological", "immune effector")
    assert set(ae.priors) == {"uniform", "jeffreys"}
    # every number of the endpoint is tagged
    for es in (ae,):
        assert all(
            q.tag in ("published", "derived", "assumed") and q.source
            for q in es.provenance.values()
        )


def test_meta_benchmark_counts_are_the_only_ones_matching_the_printed_percentages(meta_spec):
    printed = {
        "FELIX grade >= 3 CRS (all 127 infused)": (2.4, 1),
        "ZUMA-3 phase 1 grade >= 3 CRS": (31, 0),
        "FELIX grade >= 3 ICANS (all 127 infused)": (7.1, 1),
        "ZUMA-3 phase 1 grade >= 3 neurological events": (38, 0),
    }
    benches = list(meta_spec.endpoint("adverse_events_grade3").benchmarks)
    checked = 0
    for b in benches:
        if b.name in printed:
            pct_, dec = printed[b.name]
            derived = BenchmarkRate.from_percent("x", "y", pct_, b.n, decimals=dec, source="s")
            assert derived.events == b.events, b.name
            checked += 1
    assert checked == len(printed)


def test_report_sections_and_figures(meta_category_results, tmp_path):
    import matplotlib.pyplot as plt

    from bayes_trials.report import endpoint_tables

    ae = endpoint_tables(meta_category_results["adverse_events_grade3"])
    for text in (
        "Berry and Berry",
        "shrinkage",
        "rule of three",
        "FELIX grade >= 3 ICANS",
        "HalfNormal(scale=3)",
    ):
        assert text in ae, text
    for res in meta_category_results.values():
        fig = res.plot()
        assert len(fig.axes) >= 1
        fig.savefig(tmp_path / f"{res.name}.png")
        plt.close(fig)


def test_report_folder_with_the_new_sections(meta_spec, meta_category_results, tmp_path):
    import xarray as xr

    from bayes_trials.report import write_report
    from bayes_trials.results import TrialResult

    from .conftest import META_CATEGORY_SETTINGS

    trial = TrialResult(
        meta_spec, dict(meta_category_results), {**META_CATEGORY_SETTINGS, "method": "mcmc"}
    )
    out = write_report(trial, tmp_path / "meta")
    report = (out / "report.md").read_text()
    assert (
        "## Response at 1 month by category" in report and "## Grade >= 3 adverse events" in report
    )
    for name in meta_category_results:
        for f in (
            f"figures/{name}.png",
            f"benchmarks_{name}.csv",
            f"summary_{name}.csv",
            f"frequentist_{name}.csv",
        ):
            assert (out / f).stat().st_size > 0, f
    tree = xr.open_datatree(out / "posteriors.nc")
    assert "p_union" in tree["response_categories_1m/dirichlet_jeffreys/posterior"]
    assert tree["adverse_events_grade3/hierarchical/posterior"]["theta"].sizes["term"] == 5
