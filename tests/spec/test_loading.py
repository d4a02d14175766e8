"""Specs: both seed specs load; every kind of bad input names file, endpoint and field."""

import pytest

import bayes_trials as bt
from bayes_trials.errors import SpecError

from ..conftest import LAD1

EVENTS = 'events = { value = 9, tag = "published"'
N = 'n = { value = 9, tag = "published"'
TARGET = "target = { value = 0.39,"


def test_seed_specs_load_with_provenance(lad1_spec, meta_spec):
    ep = lad1_spec.endpoint("hsct_free_survival_1y")
    assert (ep.endpoint.data.events, ep.endpoint.data.n, ep.endpoint.target) == (9, 9, 0.39)
    assert ep.provenance["target"].tag == "published"
    assert len(ep.priors) >= 5
    assert ep.priors["sceptical_ess9"] == bt.Beta.from_mean_ess(0.39, 9)
    cr = meta_spec.endpoint("cr_cri_1m")
    assert cr.provenance["events"].tag == "derived"
    assert cr.priors["sceptical_ess6"] == bt.Beta.from_mean_ess(0.40, 6)
    assert len(lad1_spec.sha256) == 64
    names = [e.endpoint.name for e in meta_spec.endpoints]
    assert {"cr_cri_1m", "cr_1m", "icans_any_grade", "crs_any_grade", "neutropenia_g3plus"} <= set(
        names
    )


def _write(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


CASES = {
    "events > n": (
        lambda t: t.replace(EVENTS, EVENTS.replace("9", "10")),
        "hsct_free_survival_1y",
        "events",
    ),
    "negative count": (
        lambda t: t.replace(EVENTS, EVENTS.replace("9", "-1")),
        "hsct_free_survival_1y",
        "events",
    ),
    "non-integer count": (
        lambda t: t.replace(EVENTS, EVENTS.replace("9", "8.5")),
        "hsct_free_survival_1y",
        "events",
    ),
    "n = 0": (lambda t: t.replace(N, N.replace("9", "0")), "hsct_free_survival_1y", "n"),
    "null outside (0, 1)": (
        lambda t: t.replace(TARGET, "target = { value = 1.39,"),
        "hsct_free_survival_1y",
        "target",
    ),
    "non-positive beta parameter": (
        lambda t: (
            t
            + '\n[priors.bad]\nfamily = "beta"\na = 0\nb = 1\nrole = "reference"\ntag = "assumed"\nrationale = "x"\n'
        ),
        None,
        "priors.bad.a",
    ),
    "unknown endpoint kind": (
        lambda t: t.replace('kind = "binary"', 'kind = "survival_curve"'),
        "hsct_free_survival_1y",
        "kind",
    ),
    "missing field": (
        lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("n = ")),
        "hsct_free_survival_1y",
        "n",
    ),
    "number without provenance": (
        lambda t: t.replace(
            EVENTS
            + ', source = "abstract: HSCT-free survival was 100% at 1 year after infusion in the nine treated children" }',
            "events = 9",
        ),
        "hsct_free_survival_1y",
        "events",
    ),
    "unknown provenance tag": (
        lambda t: t.replace(EVENTS, 'events = { value = 9, tag = "guessed"'),
        "hsct_free_survival_1y",
        "events.tag",
    ),
    "unknown prior name": (
        lambda t: t.replace('design = "phase', 'design = "phase').replace(
            'direction = "greater"', 'direction = "greater"\npriors = ["nope"]'
        ),
        "hsct_free_survival_1y",
        "priors",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_spec_names_file_endpoint_and_field(case, tmp_path):
    mutate, endpoint, field = CASES[case]
    text = LAD1.read_text()
    bad = mutate(text)
    assert bad != text, "the mutation did not apply"
    path = _write(tmp_path, bad)
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    e = err.value
    assert e.file == str(path)
    assert e.endpoint == endpoint
    assert e.field == field
    msg = str(e)
    assert str(path) in msg and field in msg and (endpoint is None or endpoint in msg)


def test_toml_syntax_error_names_the_file(tmp_path):
    path = _write(tmp_path, LAD1.read_text() + "\n[[endpoints\n")
    with pytest.raises(SpecError, match="TOML syntax error") as err:
        bt.load_spec(path)
    assert err.value.file == str(path)


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        bt.load_spec(tmp_path / "nope.toml")
