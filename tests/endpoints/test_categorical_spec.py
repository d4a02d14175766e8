"""Response categories in specs: parsing, bad input named by file, endpoint, row and field.

A small spec, mutated case by case; every error must name the file, the endpoint and the
field (``categories[1].count``), and the command line must write nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

import bayes_trials as bt
from bayes_trials.errors import SpecError

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
caveats = "Other populations and definitions: these comparisons describe counts."

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
"""


def _spec(tmp_path, text=SPEC):
    path = tmp_path / "toy.toml"
    path.write_text(text)
    return path


def test_toy_spec_parses(tmp_path):
    spec = bt.load_spec(_spec(tmp_path))
    resp = spec.endpoint("resp")
    ep = resp.endpoint
    assert ep.data.counts == {"CR": 4, "CRi": 5, "none": 1}
    # counts 6:2:2 normalised and discounted to 5 patients
    assert resp.priors["d_split"] == bt.Dirichlet({"CR": 3.0, "CRi": 1.0, "none": 1.0})
    assert resp.priors["d_jeffreys"] == bt.Dirichlet.reference(["CR", "CRi", "none"], 0.5)
    assert resp.provenance["count[none]"].tag == "derived"
    assert resp.provenance["target[CR+CRi]"].value == 0.4
    assert dict(ep.targets) == {"CR+CRi": 0.4}
    assert dict(ep.benchmark_unions) == {"B1": "CR+CRi"}
    assert ep.printed == (("CR", (40.0, 0, "published", "p")),)
    assert ep.caveats.startswith("Other populations")
    # only the union given, no default cumulative unions
    assert ep.unions == (("CR+CRi", ("CR", "CRi")),)


def test_toy_spec_analysed_exactly(tmp_path):
    # through the one pipeline: exact posteriors against scipy, the printed percentage, the
    # benchmark with its own uncertainty by Monte Carlo, the caveats in the prose
    from scipy import stats

    spec = bt.load_spec(_spec(tmp_path))
    res = bt.analyse(spec, method="exact")["resp"]
    t = res.table().set_index(["prior", "quantity"])
    assert set(t.index.get_level_values("quantity")) == {"CR", "CRi", "none", "CR+CRi"}
    # d_split = Dirichlet(3, 1, 1): CR+CRi ~ Beta(3 + 1 + 9, 1 + 1) = Beta(13, 2)
    assert t.loc[("d_split", "CR+CRi"), "exact_mean"] == pytest.approx(13 / 15, rel=1e-12)
    assert t.loc[("d_split", "CR+CRi"), "exact_prob"] == pytest.approx(
        stats.beta(13, 2).sf(0.4), rel=1e-10
    )
    assert np.isnan(t.loc[("d_split", "CR"), "exact_prob"])
    c = res.checks()
    pct = c[c["kind"] == "published vs recomputed"]
    assert pct["name"].tolist() == ["CR: percentage"] and pct["passed"].all()
    b = res.benchmarks().set_index("prior_name")
    rng = np.random.default_rng(11)
    mc = (rng.beta(13, 2, 10**6) > rng.beta(7.5, 3.5, 10**6)).mean()  # 7/10 under Jeffreys
    # 4 binomial MC standard errors of 10^6 draws (false alarm 6e-5, any seed)
    assert b.loc["d_split", "exact_prob_vs_uncertain"] == pytest.approx(
        mc, abs=4 * np.sqrt(mc * (1 - mc) / 1e6)
    )
    text = res.endpoint.sentences(res)
    assert spec.endpoint("resp").endpoint.caveats in text


def test_wrong_printed_percentage_fails_its_check(tmp_path):
    spec = bt.load_spec(_spec(tmp_path, SPEC.replace("percent = 40", "percent = 41")))
    c = bt.analyse(spec, method="exact")["resp"].checks()
    row = c[c["name"] == "CR: percentage"].iloc[0]
    assert row["passed"] == False and row["reference"] == 41


BAD = {
    "category count above n": ("count = 5\ntag", "count = 11\ntag", "resp", "categories[1].count"),
    "negative category count": (
        "count = 4\npercent",
        "count = -1\npercent",
        "resp",
        "categories[0].count",
    ),
    "counts not summing to n": (
        'count = 1\ntag = "derived"',
        'count = 2\ntag = "derived"',
        "resp",
        "n",
    ),
    "empty category list": (
        "[[endpoints.categories]]",
        "[[endpoints.ignored]]",
        "resp",
        "categories",
    ),
    "duplicate category": ('name = "CRi"', 'name = "CR"', "resp", "categories[1].name"),
    "union with an unknown category": (
        'categories = ["CR", "CRi"]',
        'categories = ["CR", "MLFS"]',
        "resp",
        "unions[0].categories",
    ),
    "union of every category": (
        'categories = ["CR", "CRi"]',
        'categories = ["CR", "CRi", "none"]',
        "resp",
        "unions[0].categories",
    ),
    "benchmark without its union": (
        'union = "CR+CRi"',
        'union = "CR+MLFS"',
        "resp",
        "benchmarks[0].union",
    ),
    "misspelt category field": ("count = 5\ntag", "cont = 5\ntag", "resp", "categories[1].cont"),
    "percent outside 0-100": ("percent = 40", "percent = 140", "resp", "categories[0].percent"),
    "union target outside (0, 1)": ("value = 0.4,", "value = 1.4,", "resp", "unions[0].target"),
    "caveats not a string": ('caveats = "Other', 'caveats = 3\nx = "Other', "resp", "caveats"),
    "published table on a categorical endpoint": (
        "[[endpoints.unions]]",
        ('[[endpoints.published]]\nquantity = "estimate"\n\n[[endpoints.unions]]'),
        "resp",
        "published",
    ),
    "direction less": (
        'caveats = "Other',
        'direction = "less"\ncaveats = "Other',
        "resp",
        "direction",
    ),
    "dirichlet prior with other categories": (
        "counts = { CR = 6, CRi = 2, none = 2 }",
        "counts = { CR = 6, MLFS = 2, none = 2 }",
        "resp",
        "priors.d_split.counts",
    ),
    "non-positive dirichlet alpha": ("alpha = 0.5", "alpha = 0", None, "priors.d_jeffreys.alpha"),
    "dirichlet prior with two forms": (
        "alpha = 0.5",
        "alpha = 0.5\nmean = { CR = 0.5, CRi = 0.3, none = 0.2 }",
        None,
        "priors.d_jeffreys",
    ),
    "dirichlet prior with an unknown setting": (
        "alpha = 0.5",
        "alpha = 0.5\nconcentration = 2",
        None,
        "priors.d_jeffreys.concentration",
    ),
    "dirichlet means not summing to 1": (
        "counts = { CR = 6, CRi = 2, none = 2 }",
        "mean = { CR = 0.6, CRi = 0.2, none = 0.3 }",
        None,
        "priors.d_split.mean",
    ),
    "dirichlet counts without ess": ("ess = 5\n", "", None, "priors.d_split"),
    "binary prior on a categorical endpoint": (
        'priors = ["d_jeffreys", "d_split"]',
        'priors = ["uniform"]',
        "resp",
        "priors",
    ),
}

#: mutations applied to every occurrence (the others to the first only)
EVERY_OCCURRENCE = {"empty category list"}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_names_file_endpoint_row_and_field(case, tmp_path):
    old, new, endpoint, field = BAD[case]
    assert old in SPEC, "the mutation does not apply"
    path = _spec(tmp_path, SPEC.replace(old, new, -1 if case in EVERY_OCCURRENCE else 1))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    e = err.value
    assert e.file == str(path) and e.endpoint == endpoint and e.field == field, str(e)
    assert str(path) in str(e) and field in str(e)


def test_bad_input_writes_nothing(tmp_path, capsys):
    from bayes_trials.cli import main

    path = _spec(tmp_path, SPEC.replace("count = 5\ntag", "count = 11\ntag"))
    out = tmp_path / "report"
    assert main(["run", str(path), "--out", str(out), "--method", "exact"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'resp'" in err[0] and "categories[1].count" in err[0]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["toy.toml"]
