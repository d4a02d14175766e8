"""Adverse events in specs: parsing, bad input, the pipeline on META 10-19's safety table.

Oracles are independent of the toolkit: scipy's Beta for the independent analyses, closed
forms for zero-event bounds, NumPy Monte Carlo for comparisons with benchmarks that carry
their own uncertainty. META 10-19 (Lancet Haematol 2025, doi:10.1016/S2352-3026(25)00253-4,
abstract), 12 infused: grade >= 3 neutropenia 12, anaemia 10, thrombocytopenia 10 [published];
grade >= 3 CRS 0 and ICANS 0 [derived].
"""

from __future__ import annotations

import tomllib
import warnings

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.benchmarks import BenchmarkRate
from bayes_trials.endpoints.adverse_events import HierarchicalAEPrior, tables
from bayes_trials.errors import SpecError
from bayes_trials.fit import derive_seed
from bayes_trials.pipeline import analyse_endpoint
from bayes_trials.spec import parse_spec

from ..conftest import META

# --------------------------------------------------------------------------------------
# a small spec, mutated case by case

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

[priors.wide]
family = "ae_hierarchical"
tau = { family = "halfcauchy", scale = 1 }
role = "weakly-informative"
tag = "assumed"
rationale = "y"

[[endpoints]]
id = "resp"
kind = "binary"
events = 3
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

CSV = """term,group,count,n,tag,source
neutropenia,haematological,12,12,published,p
CRS,immune effector,0,12,derived,p
ICANS,immune effector,0,12,published,p
"""


def _spec(tmp_path, text=None, events=EVENTS):
    path = tmp_path / "toy.toml"
    path.write_text((text or SPEC).replace("EVENTS", events))
    return path


def test_toy_spec_parses(tmp_path):
    spec = bt.load_spec(_spec(tmp_path))
    ae = spec.endpoint("ae")
    assert ae.endpoint.table.terms == ("neutropenia", "CRS", "ICANS")
    assert ae.endpoint.hierarchical_prior.tau == bt.HalfCauchy(1.0)
    assert ae.provenance["CRS: count"].tag == "derived"
    assert ae.provenance["model: tau"].value == "HalfCauchy(scale=1)"
    assert dict(ae.endpoint.benchmark_terms) == {"B2": "ICANS"}
    assert set(ae.priors) == {"uniform"}
    # a named ae_hierarchical prior is never a default of a Beta-prior endpoint
    assert set(spec.endpoint("resp").priors) == {"uniform"}


def test_named_hierarchical_hyperpriors_add_an_analysis(tmp_path):
    spec = bt.load_spec(
        _spec(tmp_path, SPEC.replace('priors = ["uniform"]', 'priors = ["uniform", "wide"]'))
    )
    ae = spec.endpoint("ae")
    assert ae.priors["wide"] == HierarchicalAEPrior(tau=bt.HalfCauchy(1.0))
    names = [a.name for a in ae.endpoint.analyses(ae.priors)]
    assert names == ["uniform/neutropenia", "uniform/CRS", "uniform/ICANS", "hierarchical", "wide"]
    # a binary endpoint cannot take it
    text = SPEC.replace(
        'source = "p"\n\n[[endpoints]]\nid = "ae"',
        'source = "p"\npriors = ["wide"]\n\n[[endpoints]]\nid = "ae"',
    )
    with pytest.raises(SpecError, match="takes beta priors") as err:
        bt.load_spec(_spec(tmp_path, text))
    assert err.value.endpoint == "resp" and err.value.field == "priors"


def test_csv_table_relative_to_the_spec(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ae.csv").write_text(CSV)
    path = _spec(tmp_path, events='events_csv = "data/ae.csv"')
    monkeypatch.chdir("/")  # not the spec's folder
    spec = bt.load_spec(path)
    table = spec.endpoint("ae").endpoint.table
    assert table.terms == ("neutropenia", "CRS", "ICANS") and table.counts.tolist() == [12, 0, 0]
    assert spec.endpoint("ae").provenance["ICANS: count"].tag == "published"


def test_bad_csv_row_names_the_csv_its_line_and_field(tmp_path):
    (tmp_path / "ae.csv").write_text(
        CSV.replace("CRS,immune effector,0,12", "CRS,immune effector,13,12")
    )
    with pytest.raises(SpecError) as err:
        bt.load_spec(_spec(tmp_path, events='events_csv = "ae.csv"'))
    e = err.value
    assert e.file == str((tmp_path / "ae.csv").resolve()) and e.endpoint == "ae"
    assert e.field == "events_csv[1].count" and "line 3" in str(e) and "'CRS'" in str(e)


def test_singleton_group_is_allowed(tmp_path):
    events = EVENTS.replace(
        'term = "neutropenia"\ngroup = "haematological"', 'term = "neutropenia"\ngroup = "haem"'
    )
    spec = bt.load_spec(_spec(tmp_path, events=events))
    assert spec.endpoint("ae").endpoint.table.singleton_groups == ("haem",)


BAD = {
    "event count above n": (
        'count = 0\nn = 12\ntag = "derived"',
        'count = 13\nn = 12\ntag = "derived"',
        "ae",
        "events[1].count",
    ),
    "negative event count": ("count = 12\nn = 12", "count = -2\nn = 12", "ae", "events[0].count"),
    "n = 0": (
        'count = 0\nn = 12\ntag = "published"',
        'count = 0\nn = 0\ntag = "published"',
        "ae",
        "events[2].n",
    ),
    "duplicate term": ('term = "ICANS"', 'term = "crs "', "ae", "events[2].term"),
    "missing group": ('group = "haematological"\n', "", "ae", "events[0].group"),
    "event without a source": (
        'count = 12\nn = 12\ntag = "published"\nsource = "p"',
        'count = 12\nn = 12\ntag = "published"',
        "ae",
        "events[0].count",
    ),
    "unknown benchmark term": (
        'term = "ICANS"\nvalue',
        'term = "seizure"\nvalue',
        "ae",
        "benchmarks[0].term",
    ),
    "bad scale family": (
        'tau = { family = "halfcauchy", scale = 1 }\ntag',
        'tau = { family = "gamma", scale = 1 }\ntag',
        "ae",
        "hierarchical.tau.family",
    ),
    "hyperpriors without rationale": (
        'tag = "assumed"\nrationale = "x"\n\n[[endpoints.benchmarks]]\nname = "B2"',
        'tag = "assumed"\n\n[[endpoints.benchmarks]]\nname = "B2"',
        "ae",
        "hierarchical.rationale",
    ),
    "table both inline and as a CSV": (
        'priors = ["uniform"]',
        'priors = ["uniform"]\nevents_csv = "x.csv"',
        "ae",
        "events",
    ),
    "missing CSV": (None, None, "ae", "events_csv"),
    "caveats not text": (
        'priors = ["uniform"]',
        'priors = ["uniform"]\ncaveats = 3',
        "ae",
        "caveats",
    ),
    "named hyperpriors with an unknown field": (
        'rationale = "y"',
        'rationale = "y"\nnu = 3',
        None,
        "priors.wide.nu",
    ),
    "named hyperpriors with a bad scale": (
        'family = "halfcauchy", scale = 1 }\nrole',
        'family = "halfcauchy", scale = -1 }\nrole',
        None,
        "priors.wide.tau.scale",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_names_file_endpoint_row_and_field(case, tmp_path):
    old, new, endpoint, field = BAD[case]
    if old is None:
        path = _spec(tmp_path, events='events_csv = "missing.csv"')
    else:
        text = SPEC.replace("EVENTS", EVENTS)
        assert old in text, "the mutation does not apply"
        path = _spec(tmp_path, text.replace(old, new, 1))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    e = err.value
    assert e.file == str(path) and e.endpoint == endpoint and e.field == field, str(e)
    assert str(path) in str(e) and field in str(e)


# --------------------------------------------------------------------------------------
# META 10-19's safety table (the spec's adverse-event endpoint and the priors it names)

#: modest MCMC settings (the spec's seed)
SETTINGS = {"draws": 500, "tune": 500, "chains": 4, "seed": 20251001, "level": 0.95}


@pytest.fixture(scope="module")
def meta_ae_spec():
    """META's spec with its adverse-event endpoint only (the path kept: data are relative)."""
    doc = tomllib.loads(META.read_text())
    doc["endpoints"] = [e for e in doc["endpoints"] if e["kind"] == "adverse_events"]
    wanted = {p for e in doc["endpoints"] for p in e["priors"]}
    doc["priors"] = {k: v for k, v in doc["priors"].items() if k in wanted}
    return parse_spec(doc, path=META)


@pytest.fixture(scope="module")
def meta_ae(meta_ae_spec):
    """The endpoint sampled once per module, as the pipeline samples it."""
    es = meta_ae_spec.endpoint("adverse_events_grade3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return analyse_endpoint(
            es.endpoint, es.priors, method="mcmc", spec=es, trial_id=meta_ae_spec.name, **SETTINGS
        )


def test_meta_spec_states_the_events(meta_ae_spec):
    ae = meta_ae_spec.endpoint("adverse_events_grade3")
    assert ae.endpoint.table.to_frame()[["term", "count", "n"]].values.tolist() == [
        ["neutropenia", 12, 12],
        ["anaemia", 10, 12],
        ["thrombocytopenia", 10, 12],
        ["CRS", 0, 12],
        ["ICANS", 0, 12],
    ]
    assert ae.endpoint.table.groups == ("haematological", "immune effector")
    assert set(ae.priors) == {"uniform", "jeffreys"}
    assert ae.endpoint.hierarchical_prior == HierarchicalAEPrior(
        mu=bt.Normal(0, 2), tau=bt.HalfNormal(3), sigma=bt.HalfNormal(1)
    )
    assert "not a randomised comparison" in ae.endpoint.caveats
    # every number is tagged
    assert all(
        q.tag in ("published", "derived", "assumed") and q.source for q in ae.provenance.values()
    )


def test_meta_benchmark_counts_are_the_only_ones_matching_the_printed_percentages(meta_ae_spec):
    # printed: Roddie C et al., N Engl J Med 2024 (FELIX, 127 infused); Shah BD et al., Blood 2021
    # (ZUMA-3 phase 1, 45 treated)
    printed = {
        "FELIX grade >= 3 CRS (all 127 infused)": (2.4, 1),
        "ZUMA-3 phase 1 grade >= 3 CRS": (31, 0),
        "FELIX grade >= 3 ICANS (all 127 infused)": (7.1, 1),
        "ZUMA-3 phase 1 grade >= 3 neurological events": (38, 0),
    }
    benches = meta_ae_spec.endpoint("adverse_events_grade3").benchmarks
    for b in benches:
        pct_, dec = printed[b.name]
        derived = BenchmarkRate.from_percent("x", "y", pct_, b.n, decimals=dec, source="s")
        assert derived.events == b.events, b.name
    assert len(benches) == len(printed)


def test_seeds_are_those_before_the_restructure(meta_ae):
    # each event's independent fit as the binary endpoint "<endpoint>/<term>" under the prior;
    # the hierarchical fit under "hierarchical"
    seed, trial = SETTINGS["seed"], "meta10_19"
    assert meta_ae.fits["uniform/ICANS"].seed == derive_seed(
        seed, trial, "adverse_events_grade3/ICANS", "uniform"
    )
    assert meta_ae.fits["hierarchical"].seed == derive_seed(
        seed, trial, "adverse_events_grade3", "hierarchical"
    )


def test_adverse_event_bounds_against_closed_forms(meta_ae):
    res = meta_ae
    s = tables.event_rates(res)
    icans = s.loc[("uniform", "ICANS")]
    assert icans["exact_upper95"] == pytest.approx(1 - 0.05 ** (1 / 13))  # Beta(1, 13)
    assert icans["cp_upper95"] == pytest.approx(1 - 0.05 ** (1 / 12))  # Beta(1, 12)
    assert res.reference.rows["ICANS"]["rule_of_three"] == pytest.approx(0.25)
    assert s.loc[("jeffreys", "ICANS"), "exact_upper95"] == pytest.approx(
        stats.beta(0.5, 12.5).ppf(0.95)
    )
    # MCMC of each independent analysis within 4 MCSE of scipy's Beta mean (false alarm 6e-5 each)
    t = res.table().set_index(["prior", "quantity"])
    for (pname, term), row in s.drop(index="hierarchical", level=0).iterrows():
        prior = res.fits[f"{pname}/{term}"].prior
        oracle = stats.beta(prior.a + row["count"], prior.b + row["n"] - row["count"]).mean()
        assert abs(row["mean"] - oracle) <= 4 * row["mcse_mean"], (pname, term)
        assert t.loc[(pname, term), "mean"] == row["mean"]


def test_hierarchical_model_shrinks_and_passes_its_diagnostics(meta_ae):
    res = meta_ae
    c = res.checks()
    # 83 checks, most within 4 MCSE (false alarm 6e-5 each): about 0.5% for the lot at any seed
    failed = c[c["passed"] == False]
    assert failed.empty, failed[["name", "prior", "message"]].to_string()
    diag = c[(c["kind"] == "sampler diagnostics") & (c["prior"] == "hierarchical")]
    assert len(diag) == 1 and "event and group rates" in diag["name"].iloc[0]
    h = tables.result_hierarchical_summary(res)
    indep = res.endpoint.independent_summary()
    # both immune-effector events are 0/12: the hierarchy pulls them below their uniform-prior
    # means; the haematological events are pulled toward each other
    for term in ("CRS", "ICANS"):
        assert h.loc[term, "mean"] < indep.loc[term, "mean"]
    assert h.loc["neutropenia", "mean"] < indep.loc["neutropenia", "mean"]
    assert h.loc["anaemia", "mean"] > indep.loc["anaemia", "mean"]
    assert (h["shrinkage"].dropna() > 0).all()
    # the tidy table holds the same hierarchical means (one summary rule)
    t = res.table().set_index(["prior", "quantity"])
    assert t.loc[("hierarchical", "ICANS"), "mean"] == pytest.approx(
        h.loc["ICANS", "mean"], rel=1e-12
    )
    # benchmark comparison from the hierarchical draws, against a direct Monte Carlo
    b = res.benchmarks()
    row = b[
        (b["analysis"] == "hierarchical") & b["benchmark"].str.startswith("FELIX grade >= 3 ICANS")
    ].iloc[0]
    draws = np.asarray(
        res.fits["hierarchical"].posterior["posterior"]["theta"].sel(term="ICANS")
    ).ravel()
    rng = np.random.default_rng(3)
    felix = rng.beta(9.5, 118.5, (200, draws.size))
    assert row["prob_vs_uncertain"] == pytest.approx((felix > draws).mean(), abs=0.01)


def test_independent_benchmarks_against_monte_carlo(meta_ae):
    b = meta_ae.benchmarks()
    row = b[
        (b["analysis"] == "uniform") & b["benchmark"].str.startswith("FELIX grade >= 3 ICANS")
    ].iloc[0]
    rng = np.random.default_rng(2)
    mc = (
        rng.beta(9.5, 118.5, 400_000) > rng.beta(1, 13, 400_000)
    ).mean()  # 9/127 Jeffreys vs 0/12 uniform
    assert abs(row["exact_prob_vs_uncertain"] - mc) < 4 * np.sqrt(mc * (1 - mc) / 4e5)
    assert row["exact_prob"] == pytest.approx(stats.beta(1, 13).cdf(0.071))


def test_report_sections_sentences_and_figure(meta_ae, tmp_path):
    import matplotlib.pyplot as plt

    ep = meta_ae.endpoint
    sections = ep.report_sections(meta_ae)
    text = "\n".join(f"{h}\n{t if isinstance(t, str) else t.to_string()}" for h, t in sections)
    for needle in (
        "Berry and Berry",
        "shrinkage",
        "rule of three",
        "FELIX grade >= 3 ICANS",
        "HalfNormal(scale=3)",
        "group rate [immune effector]",
    ):
        assert needle in text, needle
    prose = ep.sentences(meta_ae)
    assert prose[-1] == meta_ae.checks_sentence()
    assert any(s.startswith("Caveat: 12 patients") for s in prose)  # the spec's text
    assert any("ICANS 0/12: one-sided 95% upper bounds" in s for s in prose)
    fig = meta_ae.plot()
    assert len(fig.axes[0].get_yticks()) == 5
    fig.savefig(tmp_path / "ae.png")
    plt.close(fig)


def test_kept_posterior_is_unpadded_with_named_coordinates(meta_ae, tmp_path):
    import xarray as xr

    meta_ae.posterior.to_netcdf(tmp_path / "post.nc")
    tree = xr.open_datatree(tmp_path / "post.nc")
    theta = tree["hierarchical/posterior"]["theta"]
    assert theta.sizes["term"] == 5 and list(theta["term"].values)[-1] == "ICANS"
    assert tree["hierarchical/posterior"]["sigma"].sizes["group"] == 2


def test_exact_method_leaves_the_hierarchy_unfitted(meta_ae_spec):
    es = meta_ae_spec.endpoint("adverse_events_grade3")
    res = analyse_endpoint(
        es.endpoint, es.priors, method="exact", spec=es, trial_id=meta_ae_spec.name
    )
    assert all(f.posterior is None for f in res.fits.values()) and res.posterior is None
    assert "MCMC vs exact" not in set(res.checks()["kind"])
    assert any("not fitted" in s for s in res.endpoint.sentences(res))
    assert tables.event_rates(res).loc[("jeffreys", "anaemia"), "exact_mean"] == pytest.approx(
        10.5 / 13
    )
    assert "not fitted" in res.endpoint.report_sections(res)[0][1].to_string()
