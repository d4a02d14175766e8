"""Per-patient event rates in specs and reports (kind ``rate_ratio_patients``).

The data are the ILLUSTRATIVE simulated patients of
``models/examples/illustrative_patient_rates.toml`` (scripts/make_illustrative_patient_rates.py):
nothing here is published. Frequentist references are computed here, independently of the
package, with statsmodels (GLM with patient dummies and a log-exposure offset).
"""

from __future__ import annotations

import hashlib
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_trials as bt
from bayes_trials.data import PerPatientRates
from bayes_trials.endpoints.rates import (
    INTERVAL_TOL_SE,
    MEDIAN_TOL_SE,
    PatientRateRatioEndpoint,
    conditional_log_likelihood,
)
from bayes_trials.endpoints.rates.patients_report import comparison_table, summary_table
from bayes_trials.errors import SpecError, StatisticalWarning

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "models" / "examples" / "illustrative_patient_rates.toml"
CSV = ROOT / "models" / "examples" / "data" / "illustrative_patient_rates.csv"
#: modest MCMC settings for the tests (the spec itself asks for 4 x 1000)
SETTINGS = dict(draws=500, tune=500, chains=4)

SPEC_HEAD = """
[trial]
id = "t"
title = "test (simulated data)"
citation = "none"

[priors.reference]
family = "patient_rates"
log_rr = "reference"
role = "reference"
tag = "assumed"
rationale = "wide"
"""


def _endpoint_toml(csv_name: str, extra: str = "") -> str:
    return (
        SPEC_HEAD
        + f'''
[[endpoints]]
id = "pr"
kind = "rate_ratio_patients"
tag = "assumed"
source = "simulated, test"
patients_csv = "{csv_name}"
overdispersion = false
target = 0.5
{extra}
'''
    )


def _write(tmp_path, frame: pd.DataFrame | None, extra: str = "", csv_name="pts.csv") -> Path:
    if frame is not None:
        frame.to_csv(tmp_path / csv_name, index=False)
    path = tmp_path / "spec.toml"
    path.write_text(_endpoint_toml(csv_name, extra))
    return path


def _good() -> pd.DataFrame:
    return pd.read_csv(CSV)


@pytest.fixture(scope="session")
def patient_spec():
    return bt.load_spec(SPEC)


@pytest.fixture(scope="session")
def patient_result(patient_spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return bt.analyse(patient_spec, **SETTINGS)


# --- parsing -----------------------------------------------------------------------------
def test_spec_builds_the_endpoint_with_file_provenance(patient_spec):
    es = patient_spec.endpoints[0]
    ep = es.endpoint
    assert isinstance(ep, PatientRateRatioEndpoint)
    assert (
        ep.varying_effect and not ep.overdispersion and ep.target == 0.5 and ep.direction == "less"
    )
    assert ep.data.n_patients == 9 and ep.data.incomplete == "drop"
    digest = hashlib.sha256(CSV.read_bytes()).hexdigest()[:12]
    for key in ("patients", "events_before", "exposure_before", "events_after", "exposure_after"):
        q = es.provenance[key]
        assert q.tag == "assumed" and digest in q.source and "not published" in q.source
    t = _good()
    assert es.provenance["events_after"].value == t.loc[t["period"] == "after", "events"].sum()
    # Spiegelhalter presets reused from family "log_rr": sd = log 2 / z_0.95
    pri = es.priors
    assert pri["reference"].log_rr.scale == 10.0
    assert pri["sceptical"].log_rr.scale == pytest.approx(
        math.log(2) / 1.6448536269514722, rel=1e-9
    )
    assert "ILLUSTRATIVE" in patient_spec.trial["title"]


def test_explicit_prior_fields(tmp_path):
    extra_prior = """
[priors.custom]
family = "patient_rates"
log_rr = { mean = -0.5, sd = 1.0 }
mean_log_rate = { mean = 0.2, sd = 1.5 }
frailty_sd = 0.7
effect_sd = 0.3
overdispersion = 0.4
role = "weakly-informative"
tag = "assumed"
rationale = "test"
"""
    path = _write(tmp_path, _good())
    path.write_text(path.read_text().replace("[[endpoints]]", extra_prior + "\n[[endpoints]]"))
    prior = bt.load_spec(path).endpoints[0].priors["custom"]
    assert (prior.log_rr.loc, prior.log_rr.scale) == (-0.5, 1.0)
    assert (prior.mean_log_rate.loc, prior.mean_log_rate.scale) == (0.2, 1.5)
    assert (prior.frailty_sd.scale, prior.effect_sd.scale, prior.overdispersion.scale) == (
        0.7,
        0.3,
        0.4,
    )


@pytest.mark.parametrize(
    "old,new,field",
    [
        ('log_rr = "reference"', 'log_rr = "hopeful"', "priors.reference.log_rr"),
        ('log_rr = "reference"', "log_rr = { mean = 0, sd = -1 }", "priors.reference.log_rr.sd"),
        (
            'log_rr = "reference"',
            'log_rr = "reference"\nfrailty_sd = 0',
            "priors.reference.frailty_sd",
        ),
        (
            'log_rr = "reference"',
            'log_rr = "reference"\nbaseline = { shape = 1, rate = 1 }',
            "priors.reference.baseline",
        ),
        ('log_rr = "reference"\n', "", "priors.reference.log_rr"),
    ],
)
def test_bad_priors_name_the_field(tmp_path, old, new, field):
    path = _write(tmp_path, _good())
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.field == field


@pytest.mark.parametrize(
    "row,col,value,words",
    [
        (3, "events", -1, "non-negative whole number"),
        (5, "events", 1.5, "non-negative whole number"),
        (2, "exposure", 0.0, "must be > 0"),
        (7, "period", "during", "period must be one of"),
        (4, "events", np.nan, "NaN"),
        (6, "exposure", "abc", "must be a number"),
    ],
)
def test_bad_rows_name_file_endpoint_row_and_field(tmp_path, row, col, value, words):
    df = _good().astype({col: object})
    df.loc[row, col] = value
    path = _write(tmp_path, df)
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    msg = str(err.value)
    assert err.value.field == f"patients_csv.{col}"
    assert "pts.csv" in msg and "spec.toml" in msg and "endpoint 'pr'" in msg
    assert f"row {row}, line {row + 2}" in msg and words in msg


def test_file_level_errors(tmp_path):
    with pytest.raises(SpecError, match="no such file") as err:
        bt.load_spec(_write(tmp_path, None, csv_name="missing.csv"))
    assert err.value.field == "patients_csv"
    with pytest.raises(SpecError, match="missing column") as err:
        bt.load_spec(_write(tmp_path, _good().drop(columns="exposure")))
    assert err.value.field == "patients_csv.exposure"
    with pytest.raises(SpecError) as err:
        bt.load_spec(_write(tmp_path, _good(), extra='varying_effect = "yes"'))
    assert err.value.field == "varying_effect"
    with pytest.raises(SpecError) as err:
        bt.load_spec(_write(tmp_path, _good(), extra="benchmarks = []"))
    assert err.value.field == "benchmarks"
    with pytest.raises(SpecError) as err:
        bt.load_spec(_write(tmp_path, _good(), extra='incomplete = "keep"'))
    assert err.value.field == "incomplete"


def test_incomplete_patient_dropped_used_or_refused(tmp_path):
    df = _good().iloc[1:]  # P01 has no "before" row
    with pytest.warns(StatisticalWarning, match="P01"):
        es = bt.load_spec(_write(tmp_path, df)).endpoints[0]
    assert es.endpoint.data.n_patients == 8 and "1 dropped: P01" in es.provenance["patients"].source
    es = bt.load_spec(_write(tmp_path, df, extra='incomplete = "use"')).endpoints[0]
    assert es.endpoint.data.n_patients == 9 and "used" in es.endpoint.describe_data()
    with pytest.raises(SpecError, match="one period only") as err:
        bt.load_spec(_write(tmp_path, df, extra='incomplete = "error"'))
    assert err.value.field == "patients_csv.period"


def test_bad_spec_writes_no_report(tmp_path):
    from bayes_trials.cli import main

    df = _good().assign(events=lambda d: d["events"].where(d.index != 3, -2))
    out = tmp_path / "out"
    assert main(["run", str(_write(tmp_path, df)), "--out", str(out)]) != 0
    assert not out.exists()


# --- the pipeline ----------------------------------------------------------------------------
def _report_text(ep, res) -> str:
    """Everything the endpoint gives the report: section headings and tables, and prose."""
    parts = []
    for part in ep.report_sections(res):
        head, content = part
        parts += [
            head,
            getattr(part, "caption", ""),
            content if isinstance(content, str) else content.to_string(),
        ]
    return "\n".join(parts + ep.sentences(res))


def test_pipeline_on_the_illustrative_spec(patient_result, patient_spec):
    import matplotlib.figure

    res = patient_result["infection_hospitalizations_patients"]
    ep = res.endpoint
    assert isinstance(res, bt.EndpointResult)
    c = res.checks()
    assert not (c["passed"] == False).any(), c.loc[c["passed"] == False, "message"].tolist()  # noqa: E712
    assert set(c["kind"]) == {"sampler diagnostics", "Bayesian vs frequentist"}
    # one tidy table: the hierarchical fits, the comparison fit and the exact aggregate totals
    t = res.table()
    assert set(t["model"]) == {
        "Poisson, patient-varying effect, log-normal frailty",
        "Poisson, common effect, log-normal frailty (comparison)",
        "aggregate totals, two independent rates (exact)",
    }
    assert set(t.loc[t["prior"] == "sceptical", "quantity"]) == {
        "rate_ratio",
        "frailty_sd",
        "effect_sd",
    }
    s = summary_table(ep, res)
    assert ("aggregate totals, two independent rates (exact)", "jeffreys") in s.index
    assert {"frailty_sd_median", "effect_sd_median", "prob", "r_hat"} <= set(s.columns)
    sections = dict(ep.report_sections(res))
    pt = next(
        part for head, part in sections.items() if head.startswith("Each patient's rate ratio")
    )
    assert len(pt) == 2 * 9 and (pt["eti95_low"] < pt["median"]).all()
    # the sceptical prior pulls the common rate ratio towards 1
    assert (
        s.loc[(slice(None), "sceptical"), "median"].iloc[0]
        > s.loc[(slice(None), "reference"), "median"].iloc[0]
    )
    text = _report_text(ep, res)
    for words in (
        "ASSUMED",
        "not published",
        "sha256",
        "Each patient's rate ratio",
        "conditional Poisson GLM",
        "negative-binomial GLM",
        "Jeffreys priors on both rates",
    ):
        assert words in text, words
    assert "ILLUSTRATIVE" in patient_spec.trial["title"]
    assert isinstance(ep.figure(res), matplotlib.figure.Figure)


def test_reference_posterior_against_conditional_poisson_computed_here(patient_result):
    """The reference-prior Poisson common-effect posterior vs statsmodels' GLM with patient
    dummies and log-exposure offset (the conditional Poisson MLE), fitted here."""
    import arviz as az
    import statsmodels.api as sm

    t = _good()
    X = np.column_stack(
        [
            pd.get_dummies(t["patient"], dtype=float).to_numpy(),
            (t["period"] == "after").to_numpy(float),
        ]
    )
    fit = sm.GLM(
        t["events"].to_numpy(),
        X,
        family=sm.families.Poisson(),
        offset=np.log(t["exposure"].to_numpy()),
    ).fit()
    b, se = float(fit.params[-1]), float(fit.bse[-1])
    wl, wh = (float(x) for x in fit.conf_int(alpha=0.05)[-1])
    res = patient_result["infection_hospitalizations_patients"]
    cp = res.reference.conditional_poisson
    assert cp["log_rr"] == pytest.approx(b, abs=1e-8) and cp["se"] == pytest.approx(se, rel=1e-6)
    # the spec's model has a varying effect: the comparison model is fitted besides it
    cmp = res.fits["reference/poisson-common-effect"]
    assert cmp.analysis.model_name == "Poisson, common effect, log-normal frailty (comparison)"
    theta = cmp.posterior["posterior"]["log_rate_ratio"]
    # log scale throughout (the GLM's coefficient and its Wald interval); 4 MCSE of each quantile
    for q, theirs, k in (
        (0.5, b, MEDIAN_TOL_SE),
        (0.025, wl, INTERVAL_TOL_SE),
        (0.975, wh, INTERVAL_TOL_SE),
    ):
        mcse = float(az.mcse(theta, method="quantile", prob=q))
        assert abs(float(theta.quantile(q)) - theirs) <= k * se + 4 * mcse, q
    # the conditional likelihood is maximised at the GLM's MLE (independent check of the formula)
    ll = conditional_log_likelihood(PerPatientRates(t))
    grid = b + np.linspace(-1e-3, 1e-3, 201)
    assert grid[np.argmax(ll(grid))] == pytest.approx(b, abs=2e-5)


def test_zero_events_after_reports_no_infinite_mle(tmp_path, patient_result):
    df = _good().assign(events=lambda d: np.where(d["period"] == "after", 0, d["events"]))
    spec = bt.load_spec(_write(tmp_path, df))  # Poisson common effect: the comparison model's
    with warnings.catch_warnings():  # structure, compiled already (patient_result)
        warnings.simplefilter("ignore")
        result = bt.analyse(spec, **SETTINGS)
    res = result["pr"]
    assert res.reference.conditional_poisson is None and res.reference.negative_binomial is None
    c = res.checks()
    bvf = c[c["kind"] == "Bayesian vs frequentist"]
    assert (
        len(bvf) == 3
        and bvf["passed"].isna().all()
        and bvf["message"].str.contains("infinite").all()
    )
    row = res.fits["reference"].rows["rate_ratio"]
    assert 0 < row["median"] < row["eti95_high"] < 1 and math.isfinite(row["mean"])
    table = comparison_table(res.endpoint, res)
    assert pd.isna(table.loc["conditional Poisson GLM (patient fixed effects)", "estimate"])
    text = _report_text(res.endpoint, res)
    assert re.search(r"\binf\b", text, flags=re.I) is None  # no infinite number printed anywhere
    assert "No maximum-likelihood rate ratio is reported" in text
