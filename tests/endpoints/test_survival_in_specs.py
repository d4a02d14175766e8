"""The ``time_to_event`` spec kind: both CSV forms, bad input (file, endpoint, row, field),
the pipeline on the ILLUSTRATIVE spec (simulated curve; modest draws, session fixture) and
its checks against independent computations (scipy closed forms, lifelines)."""

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from scipy import integrate, stats

import bayes_trials as bt
from bayes_trials.endpoints.survival import SurvivalPrior, TimeToEventEndpoint
from bayes_trials.endpoints.survival import report as survival_report
from bayes_trials.errors import SpecError
from bayes_trials.results import EndpointResult

from ..conftest import ILLUSTRATIVE_SURVIVAL

DATA = ILLUSTRATIVE_SURVIVAL.parent / "data"
PATIENTS = DATA / "illustrative_car_t_efs_patients.csv"
CURVE = DATA / "illustrative_car_t_efs_curve.csv"
AT_RISK = DATA / "illustrative_car_t_efs_at_risk.csv"

HEAD = """
[trial]
id = "t"
title = "ILLUSTRATIVE test"
citation = "simulated"

[priors.vague]
family = "survival"
preset = "vague"
role = "reference"
tag = "assumed"
rationale = "vague"
"""


def write_spec(tmp_path, endpoint: str, extra_priors: str = "") -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    path = tmp_path / "spec.toml"
    path.write_text(
        HEAD + extra_priors + '\n[[endpoints]]\nid = "efs"\nkind = "time_to_event"\n'
        'tag = "assumed"\nsource = "simulated, illustrative; not a published curve"\n'
        + textwrap.dedent(endpoint)
    )
    return path


def patients_spec(tmp_path, frame=None, extra="landmark = 12\n"):
    frame = pd.read_csv(PATIENTS) if frame is None else frame
    (tmp_path / "data").mkdir(exist_ok=True)
    frame.to_csv(tmp_path / "data" / "p.csv", index=False)
    return write_spec(tmp_path, 'patients_csv = "data/p.csv"\n' + extra)


def curve_spec(tmp_path, curve=None, at_risk=None, extra="landmark = 12\n"):
    (tmp_path / "data").mkdir(exist_ok=True)
    (pd.read_csv(CURVE) if curve is None else curve).to_csv(
        tmp_path / "data" / "c.csv", index=False
    )
    (pd.read_csv(AT_RISK) if at_risk is None else at_risk).to_csv(
        tmp_path / "data" / "r.csv", index=False
    )
    return write_spec(tmp_path, 'curve_csv = "data/c.csv"\nat_risk_csv = "data/r.csv"\n' + extra)


# --- parsing --------------------------------------------------------------------------
def test_curve_form_is_reconstructed(survival_spec):
    es = survival_spec.endpoint("efs")
    ep = es.endpoint
    assert isinstance(ep, TimeToEventEndpoint) and ep.kind == "time_to_event"
    truth = pd.read_csv(PATIENTS)
    # Guyot reconstruction keeps every patient and, given total_events, every event
    assert (ep.data.n, ep.data.events) == (len(truth), int(truth.event.sum()))
    assert ep.reconstruction is not None and ep.models == ("exponential", "weibull", "piecewise")
    assert ep.landmarks == (6.0, 12.0, 24.0) and ep.horizon == 24.0 and ep.target == 0.5
    assert ep.submodels["piecewise"].cuts == (3.0, 6.0, 12.0)
    assert all(
        q.tag == "assumed" and "not a published curve" in q.source for q in es.provenance.values()
    )
    assert "ILLUSTRATIVE" in survival_spec.trial["title"]
    assert all(isinstance(p, SurvivalPrior) for p in es.priors.values())
    assert es.priors["vague"].preset == "vague"
    assert es.priors["sceptical"].exponential == bt.Gamma(4.0, 69.25)


def test_patients_form_reads_csv_relative_to_spec(tmp_path, monkeypatch):
    monkeypatch.chdir("/")  # paths resolve against the spec file, not the working directory
    spec = bt.load_spec(patients_spec(tmp_path))
    ep = spec.endpoint("efs").endpoint
    truth = pd.read_csv(PATIENTS)
    np.testing.assert_allclose(ep.data.time, truth.time)
    np.testing.assert_array_equal(ep.data.event, truth.event)
    assert ep.reconstruction is None
    assert "data/p.csv" in spec.endpoint("efs").provenance["n"].source


def test_patients_form_two_groups(tmp_path):
    frame = pd.read_csv(PATIENTS).rename(columns={"time": "months", "event": "efs_event"})
    frame["dose"] = np.where(frame.patient % 2 == 0, "high", "low")
    spec = bt.load_spec(
        patients_spec(
            tmp_path,
            frame,
            extra=(
                'time_column = "months"\nevent_column = "efs_event"\ngroup_column = "dose"\n'
                'reference_group = "low"\nlandmark = 12\nmodels = ["exponential"]\n'
            ),
        )
    )
    ep = spec.endpoint("efs").endpoint
    assert ep.groups == ("low", "high") and "p_value" in ep.published_quantities()
    assert ep.interval_methods() == ("cox-wald",)


def test_exact_method_two_groups_hazard_ratio_against_f(tmp_path):
    frame = pd.read_csv(PATIENTS)
    frame["dose"] = np.where(frame.patient % 2 == 0, "high", "low")
    spec = bt.load_spec(
        patients_spec(
            tmp_path,
            frame,
            extra=(
                'group_column = "dose"\nreference_group = "low"\nlandmark = 12\nmodels = ["exponential"]\n'
            ),
        )
    )
    res = bt.analyse(spec, method="exact")["efs"]
    hr = (
        res.table()
        .set_index(["quantity", "model", "prior"])
        .loc[("hazard_ratio[high / low]", "exponential", "vague")]
    )
    # exact: lambda_1/lambda_0 with independent Gamma(D_g + 1/2, E_g + 0.001) posteriors is a scaled F
    d = {g: frame[frame.dose == g] for g in ("low", "high")}
    s = {g: d[g].event.sum() + 0.5 for g in d}
    r = {g: d[g].time.sum() + 1e-3 for g in d}
    f = stats.f(2 * s["high"], 2 * s["low"], scale=(s["high"] * r["low"]) / (s["low"] * r["high"]))
    assert hr["exact_median"] == pytest.approx(f.median(), rel=1e-9)
    assert hr["exact_eti95_low"] == pytest.approx(f.ppf(0.025), rel=1e-9)


# --- bad input: each error names the spec file, the endpoint, the field and the row ---------
def _bad_patients(change):
    frame = pd.read_csv(PATIENTS)
    change(frame)
    return frame


BAD_PATIENTS = [
    (
        lambda f: f.__setitem__("time", f.time.where(f.index != 3, -2.0)),
        "patients_csv.time",
        "row 3 (line 5",
    ),
    (
        lambda f: f.__setitem__("event", f.event.where(f.index != 7, 2)),
        "patients_csv.event",
        "row 7 (line 9",
    ),
    (
        lambda f: f.__setitem__("time", f.time.where(f.index != 4, np.nan)),
        "patients_csv.time",
        "row 4 (line 6",
    ),
    (
        lambda f: f.rename(columns={"event": "status"}, inplace=True),
        "patients_csv.event",
        "no column 'event'",
    ),
]


@pytest.mark.parametrize("change, field, text", BAD_PATIENTS)
def test_bad_patient_rows(tmp_path, change, field, text):
    path = patients_spec(tmp_path, _bad_patients(change))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    msg = str(err.value)
    assert err.value.field == field and text in msg
    assert str(path) in msg and "endpoint 'efs'" in msg and "p.csv" in msg


def _curve(change):
    c = pd.read_csv(CURVE)
    change(c)
    return c


def _risk(change):
    r = pd.read_csv(AT_RISK)
    change(r)
    return r


BAD_CURVES = [
    (
        dict(curve=_curve(lambda c: c.loc.__setitem__((10, "survival"), c.survival[8] + 0.05))),
        "curve_csv.survival",
        "row 10 (line 12",
        "increases",
    ),
    (
        dict(curve=_curve(lambda c: c.loc.__setitem__((20, "time"), c.time[19] - 1.0))),
        "curve_csv.time",
        "row 20 (line 22",
        "out of order",
    ),
    (
        dict(at_risk=_risk(lambda r: r.loc.__setitem__((4, "n_at_risk"), 60))),
        "at_risk_csv.n_at_risk",
        "row 4 (line 6",
        "increase",
    ),
    (
        dict(at_risk=_risk(lambda r: r.loc.__setitem__((1, "n_at_risk"), 80))),
        "at_risk_csv.n_at_risk",
        "row 1 (line 3",
        "exceeds the starting total",
    ),
    (
        dict(curve=_curve(lambda c: c.loc.__setitem__((2, "time"), -0.5))),
        "curve_csv.time",
        "row 2 (line 4",
        ">= 0",
    ),
]


@pytest.mark.parametrize("kwargs, field, row, text", BAD_CURVES)
def test_bad_curves(tmp_path, kwargs, field, row, text):
    path = curve_spec(tmp_path, **kwargs)
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    msg = str(err.value)
    assert err.value.field == field and row in msg and text in msg
    assert str(path) in msg and "endpoint 'efs'" in msg


BAD_FIELDS = [
    ('patients_csv = "data/missing.csv"\nlandmark = 12\n', "patients_csv", "no such file"),
    ('patients_csv = "data/p.csv"\nlandmark = 40\n', "landmark", "beyond the last follow-up"),
    ('patients_csv = "data/p.csv"\nlandmark = 12\ncuts = [3, 2]\n', "cuts[1]", "must increase"),
    (
        'patients_csv = "data/p.csv"\nlandmark = 12\nmodels = ["gompertz"]\n',
        "models[0]",
        "gompertz",
    ),
    ('patients_csv = "data/p.csv"\nlandmark = 12\ntarget = 1.5\n', "target", "between 0 and 1"),
    ('patients_csv = "data/p.csv"\nlandmark = 12\nbenchmark = 0.5\n', "benchmark", "unknown field"),
    (
        'patients_csv = "data/p.csv"\ncurve_csv = "data/p.csv"\nlandmark = 12\n',
        "patients_csv",
        "either",
    ),
    ('patients_csv = "data/p.csv"\n', "landmark", "missing"),
    ('patients_csv = "data/p.csv"\nlandmark = 12\nlandmrk = 6\n', "landmrk", "unknown field"),
    ('curve_csv = "data/p.csv"\nlandmark = 12\n', "at_risk_csv", "both"),
]


@pytest.mark.parametrize("endpoint, field, text", BAD_FIELDS)
def test_bad_fields(tmp_path, endpoint, field, text):
    pd.read_csv(PATIENTS).to_csv(
        (tmp_path / "data").mkdir() or tmp_path / "data" / "p.csv", index=False
    )
    path = write_spec(tmp_path, endpoint)
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.field == field and text in str(err.value)
    assert str(path) in str(err.value) and "endpoint 'efs'" in str(err.value)


def test_explicit_prior_must_cover_every_model(tmp_path):
    pd.read_csv(PATIENTS).to_csv(
        (tmp_path / "data").mkdir() or tmp_path / "data" / "p.csv", index=False
    )
    prior = (
        '\n[priors.partial]\nfamily = "survival"\nrole = "sceptical"\ntag = "assumed"\n'
        'rationale = "x"\nexponential = { shape = 4, rate = 69 }\n'
    )
    path = write_spec(
        tmp_path, 'patients_csv = "data/p.csv"\nlandmark = 12\npriors = ["partial"]\n', prior
    )
    with pytest.raises(SpecError, match="no prior given for weibull, piecewise") as err:
        bt.load_spec(path)
    assert err.value.field == "priors.partial.weibull"
    bad = prior.replace("shape = 4", "shape = -4")
    path = write_spec(tmp_path, 'patients_csv = "data/p.csv"\nlandmark = 12\n', bad)
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.field == "priors.partial.exponential.shape"


def test_cli_bad_input_writes_nothing(tmp_path, capsys):
    from bayes_trials.cli import main

    path = patients_spec(tmp_path, _bad_patients(BAD_PATIENTS[0][0]))
    out = tmp_path / "report"
    assert main(["run", str(path), "--out", str(out)]) == 2
    assert not out.exists()
    assert "row 3" in capsys.readouterr().err


def test_prior_family_registered_whatever_the_import_order():
    for first in (
        "bayes_trials.spec",
        "bayes_trials.endpoints.survival",
        "bayes_trials.endpoints.registry",
    ):
        code = (
            f"import {first}; from bayes_trials.endpoints.registry import KINDS, prior_families; "
            "import bayes_trials.endpoints.survival as m; "
            "assert prior_families()['survival'].schema is m.SurvivalPriorTable; "
            "assert KINDS['time_to_event'] is m.KIND"
        )
        subprocess.run(
            [sys.executable, "-c", code], check=True, cwd=ILLUSTRATIVE_SURVIVAL.parents[2]
        )


def test_exact_method_and_published_check_fails_when_it_should(tmp_path):
    """A 'printed' value the reconstructed data do not reproduce fails the check."""
    path = curve_spec(
        tmp_path,
        extra="landmark = 12\ntotal_events = 47\n\n[[endpoints.published]]\n"
        'quantity = "estimate"\nvalue = 0.65\ntag = "assumed"\nsource = "wrong on purpose"\n',
    )
    res = bt.analyse(path, method="exact")["efs"]
    assert set(res.fits) == {"exponential-vague"}  # no closed form for the other models
    c = res.checks().set_index("name")
    assert c.loc["point estimate: 0.65", "passed"] == False  # noqa: E712
    assert c.loc["numbers at risk: printed vs reconstructed patients", "passed"] == True  # noqa: E712


# --- the pipeline on the illustrative spec -------------------------------------------------
def test_pipeline_runs_and_every_check_passes(survival_result):
    res = survival_result["efs"]
    assert isinstance(res, EndpointResult)
    c = res.checks()
    assert set(c["kind"]) == {
        "published vs recomputed",
        "MCMC vs exact",
        "Bayesian vs frequentist",
        "sampler diagnostics",
    }
    assert c["passed"].all(), c[c["passed"] != True][["name", "message"]]  # noqa: E712
    assert len(res.fits) == 6 and all(f.posterior is not None for f in res.fits.values())
    assert len(set(f.seed for f in res.fits.values())) == 6


def test_exponential_mcmc_matches_scipy_gamma(survival_result):
    res = survival_result["efs"]
    ep = res.endpoint
    fit = res.fits["exponential-vague"]
    # exact posterior by hand: Gamma(0.5 + D, 0.001 + E) (scipy), not through the package
    post = stats.gamma(0.5 + ep.data.events, scale=1 / (1e-3 + ep.data.exposure))
    s12 = fit.rows["survival[all]"]
    # E S(12) = E exp(-12 lambda) by quadrature against the Gamma density
    mean = integrate.quad(
        lambda x: math.exp(-12 * x) * post.pdf(x), 0, post.ppf(1 - 1e-14), limit=200
    )[0]
    assert s12["exact_mean"] == pytest.approx(mean, rel=1e-9)
    assert abs(s12["mean"] - mean) <= 4 * s12["mcse_mean"]
    assert s12["exact_median"] == pytest.approx(math.exp(-12 * post.median()), rel=1e-9)
    assert s12["exact_eti95_low"] == pytest.approx(math.exp(-12 * post.ppf(0.975)), rel=1e-9)
    # P(S(12) > 0.5) = P(lambda < log(2) / 12)
    assert s12["exact_prob"] == pytest.approx(post.cdf(math.log(2) / 12), rel=1e-9)
    table = res.table().set_index(["quantity", "model", "prior"])
    assert table.loc[("survival[all]", "exponential", "vague"), "exact_prob"] == s12["exact_prob"]


def test_landmark_check_against_lifelines_and_greenwood(survival_result):
    res = survival_result["efs"]
    ep = res.endpoint
    km = KaplanMeierFitter().fit(ep.data.time, ep.data.event)
    s = float(km.survival_function_at_times(12.0).iloc[0])
    # Greenwood by hand: var = S^2 sum d / (n (n - d)) over event times <= 12
    t = ep.data.time
    var = 0.0
    for u in np.unique(t[(ep.data.event == 1) & (t <= 12.0)]):
        n, d = (t >= u).sum(), ((t == u) & (ep.data.event == 1)).sum()
        var += d / (n * (n - d))
    z = stats.norm.ppf(0.975)
    lo, hi = s - z * s * math.sqrt(var), s + z * s * math.sqrt(var)
    c = res.checks()
    land = c[c["name"].str.startswith("S(12),")]
    assert len(land) == 3 and land["passed"].all()
    for _, row in land.iterrows():
        assert row["reference"] == pytest.approx(s, abs=1e-12)
        fit = res.fits[row["prior"]]
        draws = fit.model.survival_draws(fit.posterior, 12.0)
        assert row["value"] == pytest.approx(np.median(draws), rel=1e-12)
        assert lo <= row["value"] <= hi
        assert np.quantile(draws, 0.025) <= s <= np.quantile(draws, 0.975)
    # the reconstruction reproduces the simulated truth's KM at the landmark to 2 decimals
    truth = pd.read_csv(PATIENTS)
    s_true = float(
        KaplanMeierFitter().fit(truth.time, truth.event).survival_function_at_times(12.0).iloc[0]
    )
    assert round(s, 2) == round(s_true, 2)


def test_report_parts_tables_and_plot(survival_result):
    import matplotlib.figure

    res = survival_result["efs"]
    ep = res.endpoint
    heads = [h for h, _ in ep.report_sections(res)]
    assert any(h.startswith("Reconstruction") for h in heads) and any(
        "landmarks" in h for h in heads
    )
    lt = survival_report.landmark_table(res)
    assert set(lt.index.get_level_values("landmark")) == {6.0, 12.0, 24.0}
    # the landmark table's S(12) of each fit is the tidy table's (same draws, same quantiles)
    t = res.table().set_index(["quantity", "model", "prior"])
    for name, fit in res.fits.items():
        a = fit.analysis
        assert lt.loc[(12.0, "all", f"posterior median: {name}"), "value"] == pytest.approx(
            t.loc[("survival[all]", a.model_name, a.prior_name), "median"], rel=1e-12
        )
    assert isinstance(res.plot(), matplotlib.figure.Figure)
    sentences = ep.sentences(res)
    assert sentences[0].startswith("ASSUMED") and sentences[-1].startswith("Checks:")
    assert any("P(S(12) > 0.5)" in s for s in sentences)
    assert len(ep.benchmark_table(res)) == 0  # the spec gives a target, no external benchmark


def test_report_files(survival_result, tmp_path):
    from bayes_trials.report import write_report

    out = write_report(survival_result, tmp_path / "rep")
    md = (out / "report.md").read_text()
    assert "ILLUSTRATIVE" in md and "not a published curve" in md and "| assumed |" in md
    assert (out / "figures" / "efs.png").exists() and (out / "summary_efs.csv").exists()
