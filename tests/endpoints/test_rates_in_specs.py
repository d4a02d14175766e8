"""Issue 3 in the pipeline: LAD-I's infection endpoints from the spec, checked and reported."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.cli import main
from bayes_trials.endpoints.registry import KINDS
from bayes_trials.errors import SpecError

from ..conftest import LAD1

RATE_ENDPOINTS = {
    "infection_hospitalizations": 74.45,
    "prolonged_infection_hospitalizations": 81.95,
    "serious_infections": 84.90,
}


def test_rate_endpoints_are_assumed_scenarios(lad1_spec):
    for name in RATE_ENDPOINTS:
        es = lad1_spec.endpoint(name)
        assert es.endpoint.kind == "rate_ratio"
        for field in ("events_before", "exposure_before", "events_after", "exposure_after"):
            assert es.provenance[field].tag == "assumed"
        assert set(es.priors) == {
            "jeffreys_rates",
            "sceptical_rates",
            "reference_log_rr",
            "sceptical_log_rr",
            "enthusiastic_log_rr",
        }


@pytest.mark.parametrize("name,published", list(RATE_ENDPOINTS.items()))
def test_scenario_reproduces_the_published_reduction(lad1_result, name, published):
    res = lad1_result[name]
    d = res.endpoint.data
    reduction = 100 * (
        1 - (d.after.events / d.after.exposure) / (d.before.events / d.before.exposure)
    )
    assert round(reduction, 2) == published
    c = res.checks()
    pub = c[c["kind"] == "published vs recomputed"].iloc[0]
    assert pub["passed"] and "holds by construction" in pub["message"]


def test_jeffreys_rate_ratio_against_the_conditional_binomial(lad1_result):
    # independent: given the total, y_after ~ Bin(y_a + y_b, p), p = RR E_a / (RR E_a + E_b);
    # under Jeffreys priors p | data ~ Beta(y_a + 1/2, y_b + 1/2)
    res = lad1_result["infection_hospitalizations"]
    d = res.endpoint.data
    post = res.fits["jeffreys_rates"].exact["rate_ratio"]
    p = stats.beta(d.after.events + 0.5, d.before.events + 0.5).ppf([0.025, 0.975])
    rr = p * d.before.exposure / ((1 - p) * d.after.exposure)
    np.testing.assert_allclose(post.interval(0.95, "eti"), rr, rtol=1e-6)
    # P(reduction > 50%) = P(RR < 0.5)
    q = 0.5 * d.after.exposure / (0.5 * d.after.exposure + d.before.exposure)
    expected = stats.beta(d.after.events + 0.5, d.before.events + 0.5).cdf(q)
    assert res.fits["jeffreys_rates"].row["exact_prob"] == pytest.approx(expected, rel=1e-5)


@pytest.fixture(scope="module")
def lad1_exact(lad1_spec):
    return bt.analyse(lad1_spec, method="exact")


def test_trial_report_hook_has_forest_and_sweep_from_the_spec(lad1_spec, lad1_exact):
    import matplotlib.figure

    results = [r for r in lad1_exact.endpoints.values() if r.endpoint.kind == "rate_ratio"]
    parts = KINDS["rate_ratio"].trial_report(results)
    assert [type(p.content).__name__ for p in parts] == ["Figure", "DataFrame", "Figure"]
    assert [p.stem for p in parts] == ["rate_ratios_forest", "scenario_sweep", "scenario_sweep"]
    assert all(isinstance(p.content, (pd.DataFrame, matplotlib.figure.Figure)) for p in parts)
    assert parts[0].heading == "Rate ratios across endpoints and priors" and parts[0].caption
    sweep = parts[1][1]
    assert set(sweep["endpoint"]) == set(RATE_ENDPOINTS)
    # the grid comes from the spec's [endpoints.scenarios] tables: 8 event counts x 3 exposures
    grid = lad1_spec.endpoint("infection_hospitalizations").endpoint.scenarios
    assert (
        grid.tag == "assumed" and len(grid.events_before) == 8 and grid.exposure_after == (15.75,)
    )
    assert len(sweep) == 3 * 8 * 3 and (sweep["data_status"] == "assumed").all()
    for name, published in RATE_ENDPOINTS.items():
        got = sweep[sweep["endpoint"] == name]["achieved_reduction"].round(2)
        assert (got == published).all()
    # P(reduction > 50%): the endpoints' target RR 0.5; one row by the Beta form of the
    # Jeffreys posterior, P(RR < 0.5) = I_u(y_a + 1/2, y_b + 1/2), u = 0.5 E_a / (0.5 E_a + E_b)
    r = sweep.iloc[5]
    u = 0.5 * r["exposure_after"] / (0.5 * r["exposure_after"] + r["exposure_before"])
    assert r["prob_reduction_gt_50"] == pytest.approx(
        stats.beta.cdf(u, r["events_after"] + 0.5, r["events_before"] + 0.5), rel=1e-5
    )
    # the reduction follows the target: RR 0.4 -> P(reduction > 60%)
    moved = [
        dataclasses.replace(res, endpoint=dataclasses.replace(res.endpoint, target=0.4))
        for res in results
    ]
    sweep60 = KINDS["rate_ratio"].trial_report(moved)[1][1]
    assert "prob_reduction_gt_60" in sweep60 and "prob_reduction_gt_50" not in sweep60
    assert (sweep60["prob_reduction_gt_60"] < sweep["prob_reduction_gt_50"]).all()
    # no scenario grid (published counts): no sweep
    plain = [
        dataclasses.replace(res, endpoint=dataclasses.replace(res.endpoint, scenarios=None))
        for res in results
    ]
    assert len(KINDS["rate_ratio"].trial_report(plain)) == 1


@pytest.mark.parametrize(
    "raw,field",
    [
        ("events_before = [0, 10]", "scenarios.events_before[0]"),
        ("events_before = []", "scenarios.events_before"),
        ("exposure_before = [-1.0]", "scenarios.exposure_before[0]"),
        ('tag = "maybe"', "scenarios.tag"),
        ("exposure_after = 15.75", "scenarios.exposure_after"),
        ("events = [1]", "scenarios.events"),
    ],
)
def test_bad_scenario_grids(raw, field, tmp_path):
    text = LAD1.read_text()
    key = raw.split(" = ")[0]
    start = text.index("\n[endpoints.scenarios]\n") + 1
    end = text.index("\n\n", start)
    block = text[start:end]
    new_block = (
        "\n".join(ln for ln in block.split("\n") if not ln.startswith(key + " ")) + "\n" + raw
    )
    path = tmp_path / "bad.toml"
    path.write_text(text[:start] + new_block + text[end:])
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.endpoint == "infection_hospitalizations" and err.value.field == field


def test_report_has_forest_and_sweep(tmp_path):
    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 0
    sweep = pd.read_csv(out / "scenario_sweep.csv")
    assert set(sweep["endpoint"]) == set(RATE_ENDPOINTS)
    for name, published in RATE_ENDPOINTS.items():
        got = sweep[sweep["endpoint"] == name]["achieved_reduction"].round(2)
        assert (got == published).all()
    for f in (
        "figures/rate_ratios_forest.png",
        "figures/scenario_sweep.png",
        "figures/infection_hospitalizations.png",
    ):
        assert (out / f).stat().st_size > 0
    report = (out / "report.md").read_text()
    assert "ASSUMED data" in report and "holds by construction" in report


def test_log_linear_priors_from_the_spec(lad1_spec, lad1_result):
    """The spec's Spiegelhalter presets and the log-linear posterior, by independent quadrature."""
    from scipy import integrate

    sd = np.log(2) / stats.norm.isf(0.05)
    priors = lad1_spec.endpoint("serious_infections").priors
    assert priors["sceptical_log_rr"].log_rr.scale == pytest.approx(sd)
    assert priors["enthusiastic_log_rr"].log_rr.loc == pytest.approx(np.log(0.5))
    res = lad1_result["serious_infections"]
    d = res.endpoint.data
    ya, yb, ea, eb = d.after.events, d.before.events, d.after.exposure, d.before.exposure

    # with the baseline rate integrated out (Gamma(1/2, 1e-6)), theta = log RR has density
    # N(theta; m, s) exp(theta ya) (1e-6 + Eb + e^theta Ea)^-(ya + yb + 1/2)
    def log_dens(t, m):
        return (
            stats.norm.logpdf(t, m, sd)
            + t * ya
            - (ya + yb + 0.5) * np.log(1e-6 + eb + np.exp(t) * ea)
        )

    for name, m in (("sceptical_log_rr", 0.0), ("enthusiastic_log_rr", np.log(0.5))):

        def dens(t):  # scaled to 1 at no effect, so quad's absolute tolerance is meaningful
            return np.exp(log_dens(t, m) - log_dens(0.0, m))

        z = integrate.quad(dens, -12, 8, limit=200, epsabs=0)[0]
        below = integrate.quad(dens, -12, np.log(0.5), limit=200, epsabs=0)[0] / z
        assert res.fits[name].row["exact_prob"] == pytest.approx(below, rel=1e-6)
        draws = res.fits[name].row
        assert abs(draws["prob"] - below) <= 4 * draws["prob_mcse"]


@pytest.mark.parametrize(
    "raw,field",
    [
        ("log_rr = { mean = 0.0 }", "priors.bad.log_rr.sd"),
        ('log_rr = "doubtful"', "priors.bad.log_rr"),
        ('log_rr = "sceptical"\ntail = 1.5', "priors.bad.tail"),
        (
            "log_rr = { mean = 0.0, sd = 1.0 }\nbaseline = { shape = -1, rate = 1 }",
            "priors.bad.baseline.shape",
        ),
    ],
)
def test_bad_log_rr_priors(raw, field, tmp_path):
    text = LAD1.read_text().replace(
        "# --- primary endpoint",
        f'[priors.bad]\nfamily = "log_rr"\n{raw}\nrole = "sceptical"\n'
        f'tag = "assumed"\nrationale = "x"\n\n# --- primary endpoint',
        1,
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.field == field and "bad.toml" in str(err.value)


@pytest.mark.parametrize(
    "old,new,field",
    [
        (
            "exposure_before = 27.0\nevents_after = 6",
            "exposure_before = -27.0\nevents_after = 6",
            "exposure_before",
        ),
        ("events_after = 6\n", "events_after = 6.5\n", "events_after"),
        (
            'priors = ["jeffreys_rates", "sceptical_rates", "reference_log_rr", "sceptical_log_rr", "enthusiastic_log_rr"]\n'
            'tag = "assumed"\nsource = "assumed scenario (see the comment above this endpoint)',
            'priors = ["jeffreys_rates", "uniform"]\ntag = "assumed"\nsource = "assumed scenario (see the comment above this endpoint)',
            "priors",
        ),
    ],
)
def test_bad_rate_endpoints(old, new, field, tmp_path):
    text = LAD1.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.endpoint == "infection_hospitalizations" and err.value.field == field
