"""Issue 14: the spec format as a typed, strict, documented schema.

- every table type refuses a misspelled or unknown key with exit 2 and a "did you mean" line
  naming file, endpoint and field (the table below: one row per table type);
- several errors are reported together, one line each, at most 20 and a count of the rest;
- the shipped JSON Schemas and docs/spec.md equal the generated ones, every shipped spec
  points to its schema and validates against it;
- ``bayes-trials validate`` prints a line per endpoint without fitting MAP priors;
- ``bayes-trials init`` writes, for each kind, a spec that validates and runs (``--method exact``);
- every TOML block of the README is an excerpt of a tested file or a complete spec that validates;
- a kind not yet on the schema (a parser written by hand) still loads.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

import bayes_trials as bt
from bayes_trials.cli import main
from bayes_trials.endpoints.registry import KINDS
from bayes_trials.errors import SpecError, SpecErrors

from ..conftest import LAD1, META, MODELS, ROOT

TEMPLATES = ROOT / "bayes_trials" / "spec" / "templates"
GRID = MODELS / "grids" / "lad1_grid.toml"

REPORTED = """[trial]
id = "andromeda_shock"
title = "ANDROMEDA-SHOCK"
citation = "Hernandez G et al. JAMA 2019;321(7):654-664. doi:10.1001/jama.2019.0071"

[[reported]]
id = "mortality_28d"
measure = "hazard ratio"
benefit = "lower"
tag = "published"
source = "JAMA 2019 abstract: hazard ratio 0.75 (95% CI 0.55 to 1.02)"
estimate = 0.75
ci_low = 0.55
ci_high = 1.02
"""

AE_HIERARCHICAL = (
    '[priors.wide]\nfamily = "ae_hierarchical"\ntua = 0.5\nrole = "weakly-informative"\n'
    'tag = "assumed"\nrationale = "x"\n\n[[endpoints]]'
)


def _text(base: str) -> str:
    if base == "reported":
        return REPORTED
    if base in ("lad1", "meta"):
        return (LAD1 if base == "lad1" else META).read_text()
    if base == "grid":
        return GRID.read_text()
    return (TEMPLATES / f"{base}.toml").read_text()


#: one row per table type: (table, base file, old text, new text, endpoint, field, suggestion)
STRICT = [
    (
        "top level",
        "binary",
        "[sampling]",
        "[sampeling]",
        None,
        "sampeling",
        "unknown table; did you mean 'sampling'?",
    ),
    (
        "trial",
        "binary",
        "title = ",
        "titel = ",
        None,
        "trial.titel",
        "unknown field; did you mean 'title'?",
    ),
    (
        "sampling",
        "binary",
        "chains = 4",
        "chain = 4",
        None,
        "sampling.chain",
        "unknown field; did you mean 'chains'?",
    ),
    (
        "prior: reference",
        "binary",
        'role = "reference"',
        'rol = "reference"',
        None,
        "priors.uniform.rol",
        "unknown field; did you mean 'role'?",
    ),
    (
        "prior: beta",
        "binary",
        "ess = 10",
        "eSS = 10",
        None,
        "priors.sceptical.eSS",
        "unknown field; did you mean 'ess'?",
    ),
    (
        "prior: mixture",
        "lad1",
        "weights = [0.5, 0.5]",
        "weight = [0.5, 0.5]",
        None,
        "priors.sceptical_natural_history.weight",
        "unknown field; did you mean 'weights'?",
    ),
    (
        "prior: mixture component",
        "lad1",
        "{ mean = 0.325, ess = 9 }",
        "{ mean = 0.325, es = 9 }",
        None,
        "priors.sceptical_natural_history.components[1].es",
        "unknown field; did you mean 'ess'?",
    ),
    (
        "prior: robustify",
        "lad1",
        'robustify = "sceptical_natural_history"\nweight = 0.2',
        'robustify = "sceptical_natural_history"\nwieght = 0.2',
        None,
        "priors.robust_sceptical.wieght",
        "unknown field; did you mean 'weight'?",
    ),
    (
        "prior: map",
        "meta",
        'tau = { family = "halfnormal", scale = 0.5 }',
        'tua = { family = "halfnormal", scale = 0.5 }',
        None,
        "priors.map_cart.map.tua",
        "unknown field; did you mean 'tau'?",
    ),
    (
        "prior: map study",
        "meta",
        '{ study = "ELIANA", n = 75',
        '{ stdy = "ELIANA", n = 75',
        None,
        "priors.map_cart.map.studies[0].stdy",
        "unknown field; did you mean 'study'?",
    ),
    (
        "prior: dirichlet",
        "categorical",
        "alpha = 0.5",
        "alpah = 0.5",
        None,
        "priors.dirichlet_jeffreys.alpah",
        "unknown field; did you mean 'alpha'?",
    ),
    (
        "prior: rates",
        "rate_ratio",
        "before = { shape",
        "befor = { shape",
        None,
        "priors.sceptical_rates.befor",
        "unknown field; did you mean 'before'?",
    ),
    (
        "prior: log_rr",
        "rate_ratio",
        "rr_alt = 0.5",
        "rralt = 0.5",
        None,
        "priors.sceptical_log_rr.rralt",
        "unknown field; did you mean 'rr_alt'?",
    ),
    (
        "prior: patient_rates",
        "rate_ratio_patients",
        "frailty_sd = 1.0",
        "frailty = 1.0",
        None,
        "priors.sceptical.frailty",
        "unknown field; did you mean 'frailty_sd'?",
    ),
    (
        "prior: survival",
        "time_to_event",
        'preset = "vague"',
        'presets = "vague"',
        None,
        "priors.vague.presets",
        "unknown field; did you mean 'preset'?",
    ),
    (
        "prior: ae_hierarchical",
        "adverse_events",
        "[[endpoints]]",
        AE_HIERARCHICAL,
        None,
        "priors.wide.tua",
        "unknown field; did you mean 'tau'?",
    ),
    (
        "endpoint: binary",
        "binary",
        'direction = "greater"',
        'Direction = "greater"',
        "response",
        "Direction",
        "unknown field; did you mean 'direction'?",
    ),
    (
        "endpoint: categorical",
        "categorical",
        "caveats = ",
        "caveat = ",
        "response_categories",
        "caveat",
        "unknown field; did you mean 'caveats'?",
    ),
    (
        "endpoint: rate_ratio",
        "rate_ratio",
        "exposure_after = 12.0",
        "exposure_afer = 12.0",
        "infections",
        "exposure_afer",
        "unknown field; did you mean 'exposure_after'?",
    ),
    (
        "endpoint: rate_ratio_patients",
        "rate_ratio_patients",
        "varying_effect = false",
        "varying_effects = false",
        "infections_per_patient",
        "varying_effects",
        "unknown field; did you mean 'varying_effect'?",
    ),
    (
        "endpoint: time_to_event",
        "time_to_event",
        "horizon = 24",
        "horizn = 24",
        "efs",
        "horizn",
        "unknown field; did you mean 'horizon'?",
    ),
    (
        "endpoint: adverse_events",
        "adverse_events",
        "caveats = ",
        "cavaets = ",
        "adverse_events",
        "cavaets",
        "unknown field; did you mean 'caveats'?",
    ),
    (
        "endpoint: two_arm_binary",
        "two_arm_binary",
        'measures = ["risk_difference"',
        'measure = ["risk_difference"',
        "response",
        "measure",
        "unknown field; did you mean 'measures'?",
    ),
    (
        "endpoint: two_arm_rate",
        "two_arm_rate",
        'unit = "100',
        'unti = "100',
        "infections",
        "unti",
        "unknown field; did you mean 'unit'?",
    ),
    (
        "endpoint: two_arm_normal",
        "two_arm_normal",
        'sigma = "known"',
        'sigm = "known"',
        "change_from_baseline",
        "sigm",
        "unknown field; did you mean 'sigma'?",
    ),
    (
        "two-arm: a one-arm field",
        "two_arm_binary",
        "events_treatment = 12",
        "events_treatment = 12\ndecision = 0.9",
        "response",
        "decision",
        "unknown field; a two-arm endpoint's rule is [endpoints.decision_2s] (see decision_2s)",
    ),
    (
        "printed",
        "two_arm_binary",
        "decimals = 2",
        "decimal = 2",
        "response",
        "printed[0].decimal",
        "unknown field; did you mean 'decimals'?",
    ),
    (
        "analyses",
        "two_arm_binary",
        'control = "control_history"',
        'contrl = "control_history"',
        "response",
        "analyses[0].contrl",
        "unknown field; did you mean 'control'?",
    ),
    (
        "decision_2s",
        "two_arm_binary",
        "truths_control = [0.2, 0.3]",
        "truth_control = [0.2, 0.3]",
        "response",
        "decision_2s.truth_control",
        "unknown field; did you mean 'truths_control'?",
    ),
    (
        "prior: gamma",
        "two_arm_rate",
        "shape = 1.0",
        "shap = 1.0",
        None,
        "priors.vague_gamma.shap",
        "unknown field; did you mean 'shape'?",
    ),
    (
        "prior: case_split",
        "two_arm_rate",
        "\nb = 1.0",
        "\nbeta = 1.0",
        None,
        "priors.case_split.beta",
        "unknown field; allowed: role, tag, rationale, family, a, b, components, weights",
    ),
    (
        "prior: normal",
        "two_arm_normal",
        "sd = 10.0",
        "sdd = 10.0",
        None,
        "priors.weak_normal.sdd",
        "unknown field; did you mean 'sd'?",
    ),
    (
        "number with provenance",
        "binary",
        'events = { value = 6, tag = "assumed"',
        'events = { value = 6, tga = "assumed"',
        "response",
        "events.tga",
        "unknown field; did you mean 'tag'?",
    ),
    (
        "published",
        "binary",
        "decimals = 0 ",
        "decimal = 0 ",
        "response",
        "published[0].decimal",
        "unknown field; did you mean 'decimals'?",
    ),
    (
        "benchmarks",
        "binary",
        "value = 0.25 ",
        "valeu = 0.25 ",
        "response",
        "benchmarks[0].valeu",
        "unknown field; did you mean 'value'?",
    ),
    (
        "decision",
        "binary",
        "futility = 0.1",
        "futilty = 0.1",
        "response",
        "decision.futilty",
        "unknown field; did you mean 'futility'?",
    ),
    (
        "categories",
        "categorical",
        "percent = 20",
        "percnt = 20",
        "response_categories",
        "categories[0].percnt",
        "unknown field; did you mean 'percent'?",
    ),
    (
        "unions",
        "categorical",
        'categories = ["CR", "PR"]',
        'category = ["CR", "PR"]',
        "response_categories",
        "unions[0].category",
        "unknown field; did you mean 'categories'?",
    ),
    (
        "categorical benchmarks",
        "categorical",
        'union = "CR+PR"',
        'unoin = "CR+PR"',
        "response_categories",
        "benchmarks[0].unoin",
        "unknown field; did you mean 'union'?",
    ),
    (
        "events",
        "adverse_events",
        'group = "infections"',
        'grop = "infections"',
        "adverse_events",
        "events[2].grop",
        "unknown field; did you mean 'group'?",
    ),
    (
        "hierarchical",
        "adverse_events",
        "sigma = {",
        "sigm = {",
        "adverse_events",
        "hierarchical.sigm",
        "unknown field; did you mean 'sigma'?",
    ),
    (
        "scenarios",
        "lad1",
        "exposure_after = [15.75]",
        "exposure_aftr = [15.75]",
        "infection_hospitalizations",
        "scenarios.exposure_aftr",
        "unknown field; did you mean 'exposure_after'?",
    ),
    (
        "reported",
        "reported",
        'benefit = "lower"',
        'benfit = "lower"',
        "mortality_28d",
        "benfit",
        "unknown field; did you mean 'benefit'?",
    ),
    (
        "grid: settings",
        "grid",
        "seed = 20250501",
        "sed = 20250501",
        None,
        "settings.sed",
        "unknown field; did you mean 'seed'?",
    ),
    (
        "grid: a kind's axes",
        "grid",
        "robust_weight = [0.0, 0.2, 0.5]",
        "robust_weights = [0.0, 0.2, 0.5]",
        None,
        "binary.robust_weights",
        "unknown field; did you mean 'robust_weight'?",
    ),
    (
        "grid: tables",
        "grid",
        "[rate_ratio]",
        "[rate-ratio]",
        None,
        "rate-ratio",
        "unknown table; did you mean 'rate_ratio'?",
    ),
]


def _write(tmp_path: Path, base: str, text: str) -> Path:
    """The mutated file, with the data files its base needs beside it."""
    if base in TEMPLATES.name or (TEMPLATES / f"{base}.toml").exists():
        for csv in TEMPLATES.glob(f"{base}_*.csv"):
            (tmp_path / csv.name).write_text(csv.read_text())
    path = tmp_path / ("grid.toml" if base == "grid" else "spec.toml")
    path.write_text(text)
    return path


@pytest.mark.parametrize("row", STRICT, ids=[r[0] for r in STRICT])
def test_unknown_keys_are_errors_with_a_suggestion(row, tmp_path, capsys):
    table, base, old, new, endpoint, field, message = row
    text = _text(base)
    assert text.count(old) >= 1, "the mutation does not apply"
    path = _write(tmp_path, base, text.replace(old, new, 1))
    out = tmp_path / "out"
    if base == "grid":
        code = main(["sensitivity", str(LAD1), "--grid", str(path), "--out", str(out)])
    else:
        code = main(["validate", str(path)])
    assert code == 2
    where = f"{path}: " + (f"endpoint {endpoint!r}: " if endpoint else "") + f"field {field!r}: "
    err = capsys.readouterr().err.strip()
    assert err == f"bayes-trials: error: {where}{message}"
    assert not out.exists()


def test_every_table_type_is_in_the_strictness_table():
    tested = {r[0] for r in STRICT}
    for kind in KINDS:
        assert f"endpoint: {kind}" in tested, f"no misspelled-key row for kind {kind!r}"
    from bayes_trials.endpoints.registry import prior_families

    for family in ("reference", "beta", "mixture", "robustify", "map", *prior_families()):
        assert f"prior: {family}" in tested, f"no misspelled-key row for prior family {family!r}"


def test_a_kind_on_the_schema_refuses_what_it_does_not_take():
    # every registered kind states its [[endpoints]] table, strict (extra="forbid")
    for name, kind in KINDS.items():
        assert kind.schema is not None, f"kind {name!r} has no schema"
        assert kind.schema.model_config.get("extra") == "forbid"
        for fam_name, fam in kind.prior_families.items():
            assert not fam.legacy and fam.schema.model_config.get("extra") == "forbid", fam_name


def test_run_refuses_a_misspelled_key_and_writes_nothing(tmp_path, capsys):
    # the case: control-arm counts added to a binary endpoint were ignored
    text = _text("binary").replace(
        'direction = "greater"', 'direction = "greater"\nevents_control = 2', 1
    )
    path = _write(tmp_path, "binary", text)
    out = tmp_path / "report"
    assert main(["run", str(path), "--out", str(out), "--method", "exact"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        f"bayes-trials: error: {path}: endpoint 'response': field 'events_control': unknown field"
    )
    assert len(err.splitlines()) == 1 and not out.exists()


def test_several_errors_are_reported_together(tmp_path, capsys):
    text = (
        _text("binary")
        .replace("title = ", "titel = ", 1)
        .replace("ess = 10", "ess = -1", 1)
        .replace('direction = "greater"', 'direction = "lesser"', 1)
        .replace("value = 6,", "value = 26,", 1)
    )
    path = _write(tmp_path, "binary", text)
    with pytest.raises(SpecErrors) as err:
        bt.load_spec(path)
    got = [(e.endpoint, e.field) for e in err.value.errors]
    assert got == [(None, "trial.titel"), (None, "priors.sceptical.ess"), ("response", "direction")]
    assert "did you mean 'less'?" in str(err.value.errors[2])
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(
        line.startswith(f"bayes-trials: error: {path}: ") for line in lines
    )
    # a data error (events > n) comes once the table is valid, with the others of that stage
    text = (
        _text("binary")
        .replace("value = 6,", "value = 26,", 1)
        .replace("value = 30 ", "value = 31 ", 1)
    )
    with pytest.raises(SpecError) as one:
        bt.load_spec(_write(tmp_path, "binary", text))
    assert not isinstance(one.value, SpecErrors) and one.value.field == "events"


def test_at_most_twenty_errors_are_shown(tmp_path):
    spec = "\n".join(
        ["[trial]", 'id = "t"', 'title = "t"', 'citation = "c"', ""]
        + [
            f'[[endpoints]]\nid = "e{i}"\nkind = "binary"\nevents = 1\nn = 2\ncolour = 3\n'
            f'tag = "assumed"\nsource = "s"\n'
            for i in range(25)
        ]
    )
    path = tmp_path / "many.toml"
    path.write_text(spec)
    with pytest.raises(SpecErrors) as err:
        bt.load_spec(path)
    assert len(err.value.errors) == 25
    lines = str(err.value).splitlines()
    assert len(lines) == 21 and lines[-1] == f"{path}: 5 more errors not shown"
    assert lines[
        0
    ] == f"{path}: endpoint 'e0': field 'colour': unknown field; allowed: " + ", ".join(
        KINDS["binary"].schema.model_fields
    )


# --- the shipped schema, the reference, the directives -------------------------------------
def _generated(*args) -> str:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "bayes_trials", "schema", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout


def test_shipped_json_schemas_equal_the_generated_ones():
    from bayes_trials.sensitivity.gridfile import grid_json_schema
    from bayes_trials.spec.schema import spec_json_schema

    assert json.loads((MODELS / "spec.schema.json").read_text()) == spec_json_schema()
    assert (MODELS / "spec.schema.json").read_text() == _generated()
    assert json.loads((MODELS / "grids" / "grid.schema.json").read_text()) == grid_json_schema()
    assert (MODELS / "grids" / "grid.schema.json").read_text() == _generated("--grid")


def test_docs_spec_md_is_generated_from_the_schema():
    from bayes_trials.spec.reference import spec_reference

    text = (ROOT / "docs" / "spec.md").read_text()
    assert text == spec_reference() == _generated("--markdown")
    # every field of every table is documented
    schema = json.loads((MODELS / "spec.schema.json").read_text())
    for name, d in schema["$defs"].items():
        body = next((x for x in d.get("anyOf", [d]) if x.get("type") == "object"), d)
        for field, p in body.get("properties", {}).items():
            assert p.get("description"), f"{name}.{field} has no description"
            assert f"| `{field}` |" in text


SHIPPED = sorted(
    [*MODELS.glob("*.toml"), *MODELS.glob("examples/*.toml"), *MODELS.glob("grids/*.toml")]
)


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(MODELS)) for p in SHIPPED])
def test_shipped_specs_point_to_their_schema_and_validate_against_it(path):
    jsonschema = pytest.importorskip("jsonschema")
    first = path.read_text().splitlines()[0]
    m = re.fullmatch(r"#:schema (\S+)", first)
    assert m, f"{path} does not start with a #:schema directive"
    schema_file = (path.parent / m.group(1)).resolve()
    assert schema_file.name == (
        "grid.schema.json" if path.parent.name == "grids" else "spec.schema.json"
    )
    assert schema_file.is_file()
    validator = jsonschema.Draft202012Validator(json.loads(schema_file.read_text()))
    assert [e.message for e in validator.iter_errors(tomllib.loads(path.read_text()))] == []


def test_json_schema_refuses_what_the_loader_refuses():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(
        json.loads((MODELS / "spec.schema.json").read_text())
    )
    for base, old, new in [r[1:4] for r in STRICT if r[1] not in ("grid",)]:
        doc = tomllib.loads(_text(base).replace(old, new, 1))
        assert list(validator.iter_errors(doc)), (base, new)


# --- validate ---------------------------------------------------------------------------
def test_validate_prints_a_line_per_endpoint_without_fitting_map_priors(capsys):
    from bayes_trials.spec import priors as prior_module

    fitted_before = dict(prior_module._MAP_CACHE)
    assert main(["validate", str(LAD1), str(META)]) == 0
    out = capsys.readouterr().out.splitlines()
    docs = {p: tomllib.loads(p.read_text()) for p in (LAD1, META)}
    n_endpoints = sum(len(d["endpoints"]) for d in docs.values())
    assert len(out) == n_endpoints + 2
    assert out[0] == (
        "hsct_free_survival_1y: binary, 9/9; priors: "
        + ", ".join(
            n
            for n, p in docs[LAD1]["priors"].items()
            if p.get("family") in ("beta", "mixture")
            or p.get("reference") in ("uniform", "jeffreys")
            or "robustify" in p
        )
    )
    lad1_end = len(docs[LAD1]["endpoints"])
    assert (
        out[lad1_end] == f"{LAD1}: valid ({lad1_end} endpoints, {len(docs[LAD1]['priors'])} priors)"
    )
    assert (
        out[-1]
        == f"{META}: valid ({len(docs[META]['endpoints'])} endpoints, {len(docs[META]['priors'])} priors)"
    )
    assert (
        "cr_cri_1m: binary, 9/12; priors: uniform, jeffreys, sceptical_ess2, sceptical_ess6, "
        "enthusiastic_zuma3, map_cart, map_cart_robust" in out
    )
    assert prior_module._MAP_CACHE == fitted_before  # MAP priors checked, not fitted


def test_validate_goes_on_after_an_invalid_spec(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(_text("binary").replace("n = { value = 20", "n = { value = 2", 1))
    assert main(["validate", str(bad), str(LAD1)]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err.strip() == f"bayes-trials: error: {bad}: endpoint 'response': field 'events': "
        "must not exceed n = 2, got 6"
    )
    assert captured.out.strip().endswith(f"{LAD1}: valid (4 endpoints, 13 priors)")


def test_validate_reports_reported_effects(tmp_path, capsys):
    path = tmp_path / "reported.toml"
    path.write_text(REPORTED)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "mortality_28d: reported hazard ratio 0.75 (0.55 to 1.02)",
        f"{path}: valid (0 endpoints, 1 reported effect, 0 priors)",
    ]


# --- init -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(KINDS))
def test_init_writes_a_spec_that_validates_and_runs(kind, tmp_path, capsys):
    spec = tmp_path / "my_trial.toml"
    assert main(["init", "--kind", kind, "--out", str(spec)]) == 0
    text = spec.read_text()
    doc = tomllib.loads(text)
    assert [e["kind"] for e in doc["endpoints"]] == [kind]
    # every number is tagged, the sources say to replace them, the data files sit beside the spec
    assert "replace with the publication" in text and 'tag = "assumed"' in text
    for e in doc["endpoints"]:
        for key, value in e.items():
            if key.endswith("_csv"):
                assert (tmp_path / value).is_file() and value.startswith("my_trial_")
    assert main(["validate", str(spec)]) == 0
    out = tmp_path / "report"
    assert main(["run", str(spec), "--method", "exact", "--out", str(out)]) == 0
    assert (out / "report.md").is_file()
    assert "0 failed" in capsys.readouterr().out


def test_init_without_out_prints_and_never_overwrites(tmp_path, capsys):
    assert main(["init", "--kind", "binary"]) == 0
    assert capsys.readouterr().out == (TEMPLATES / "binary.toml").read_text()
    assert main(["init", "--kind", "time_to_event"]) == 2
    assert "give --out" in capsys.readouterr().err
    spec = tmp_path / "x.toml"
    spec.write_text("mine")
    assert main(["init", "--kind", "binary", "--out", str(spec)]) == 2
    assert spec.read_text() == "mine" and "exists" in capsys.readouterr().err
    assert main(["init", "--kind", "binary", "--out", str(spec), "--force"]) == 0
    assert spec.read_text() == (TEMPLATES / "binary.toml").read_text()


# --- the README ---------------------------------------------------------------------------
TESTED = [*TEMPLATES.glob("*.toml"), *SHIPPED]


def _is_excerpt(block: list[str], path: Path) -> bool:
    lines = path.read_text().splitlines()
    n = len(block)
    return any(lines[i : i + n] == block for i in range(len(lines) - n + 1))


def test_readme_toml_blocks_are_tested():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 8
    for block in blocks:
        lines = block.rstrip("\n").splitlines()
        if any(_is_excerpt(lines, p) for p in TESTED):
            continue  # an excerpt of a spec or template the tests validate and run
        doc = tomllib.loads(block)  # else a complete spec
        assert "trial" in doc, (
            f"a README block is neither an excerpt of a tested file nor a spec:\n{block}"
        )
        bt.spec.parse_spec(doc, path="README.md")


def test_templates_validate_where_they_are():
    for path in TEMPLATES.glob("*.toml"):
        spec = bt.load_spec(path)
        assert [es.endpoint.kind for es in spec.endpoints] == [path.stem]


# --- a kind whose parser is not yet on the schema ------------------------------------------
def test_a_kind_without_a_schema_still_loads(monkeypatch):
    """A kind registered the old way (``build`` reads a dict) loads until it is converted;
    its published results and decision are still validated by their schemas."""
    from bayes_trials.data import Binary
    from bayes_trials.endpoints.binary import BinaryEndpoint
    from bayes_trials.endpoints.kind import Kind, PriorFamily
    from bayes_trials.provenance import sourced
    from bayes_trials.spec import loading, priors, schema

    def parse(raw, defaults, name, base_dir):
        events, n = sourced(raw, "events", defaults), sourced(raw, "n", defaults)
        return (
            BinaryEndpoint(name, Binary(events.value, n.value), target=raw.get("null")),
            {"events": events, "n": n},
        )

    def parse_prior(raw, where):
        return {"a": raw["a"], "b": raw["b"]}

    legacy = Kind(
        "legacy_binary",
        BinaryEndpoint,
        parse,
        prior_family="legacy_beta",
        prior_families={
            "legacy_beta": PriorFamily(
                parse_prior, lambda p, ep: bt.Beta(p["a"], p["b"]), takes="beta"
            )
        },
    )
    monkeypatch.setitem(KINDS, "legacy_binary", legacy)
    monkeypatch.setattr(loading, "EndpointUnion", schema._endpoint_union())
    monkeypatch.setattr(loading, "PriorUnion", priors._prior_union())
    doc = tomllib.loads("""
[trial]
id = "t"
title = "t"
citation = "c"
[priors.flat]
family = "legacy_beta"
a = 1
b = 1
role = "reference"
tag = "assumed"
rationale = "x"
[[endpoints]]
id = "old"
kind = "legacy_binary"
events = 3
n = 10
null = 0.2
tag = "assumed"
source = "s"
priors = ["flat"]
[[endpoints.published]]
quantity = "estimate"
value = 30
scale = 100
decimals = 0
tag = "assumed"
source = "s"
""")
    es = loading.parse_spec(doc).endpoint("old")
    assert es.endpoint.target == 0.2 and es.priors["flat"] == bt.Beta(1, 1)
    assert es.published[0].value == 30 and es.provenance["n"].value == 10
    doc["endpoints"][0]["published"][0]["decimal"] = 0
    with pytest.raises(SpecError, match="did you mean 'decimals'") as err:
        loading.parse_spec(doc)
    assert err.value.endpoint == "old" and err.value.field == "published[0].decimal"
