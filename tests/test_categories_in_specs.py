"""Response categories and adverse events of the META 10-19 spec: parsing, the pipeline.

Oracles are independent of the toolkit: scipy's Beta for the binary analyses, closed forms
for zero-event bounds, NumPy Monte Carlo for comparisons with benchmarks that carry their
own uncertainty. The response categories' own tests (a toy spec, bad input) are in
tests/endpoints/test_categorical_*.py, those of adverse events (a toy spec with both kinds) in
tests/endpoints/test_adverse_events_spec.py.
"""

from __future__ import annotations

from bayes_trials.benchmarks import BenchmarkRate

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
