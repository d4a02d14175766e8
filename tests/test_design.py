"""Issue 6 in the pipeline: decision rules in specs, exact designs, the design command."""

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.cli import main
from bayes_trials.design import TEST_NAME, DecisionSpec, design_endpoint
from bayes_trials.errors import SpecError

from .conftest import LAD1, META


@pytest.fixture(scope="module")
def lad1_design():
    ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
    priors = {"uniform": bt.Beta(1, 1), "sceptical_ess9": bt.Beta.from_mean_ess(0.39, 9)}
    return design_endpoint(ep, priors, DecisionSpec(threshold=0.975, alternative=0.8, interim=5))


def _brute_force_boundary(prior: bt.Beta, n, target, threshold):
    # smallest k with P(theta > target | k of n) > threshold, from scipy's Beta directly
    for k in range(n + 1):
        if stats.beta(prior.a + k, prior.b + n - k).sf(target) > threshold:
            return k
    return None


def test_boundaries_against_brute_force(lad1_design):
    b = lad1_design.boundaries
    assert b.loc["uniform", "boundary"] == _brute_force_boundary(bt.Beta(1, 1), 9, 0.39, 0.975) == 7
    assert (
        b.loc["sceptical_ess9", "boundary"]
        == _brute_force_boundary(bt.Beta.from_mean_ess(0.39, 9), 9, 0.39, 0.975)
        == 8
    )


def test_exact_test_boundary_inverts_scipy_binomtest(lad1_design):
    ks = [
        k for k in range(10) if stats.binomtest(k, 9, 0.39, alternative="greater").pvalue <= 0.025
    ]
    assert lad1_design.boundaries.loc[TEST_NAME, "boundary"] == min(ks)


def test_oc_is_the_binomial_tail_beyond_the_boundary(lad1_design):
    oc = lad1_design.oc
    for truth in (0.39, 0.6, 0.8):
        assert oc.loc[truth, "uniform"] == pytest.approx(stats.binom.sf(6, 9, truth), rel=1e-12)
        assert oc.loc[truth, "sceptical_ess9"] == pytest.approx(
            stats.binom.sf(7, 9, truth), rel=1e-12
        )
    # the type I error of the uniform-prior rule at the null is the exact test's: both reject from 7
    assert lad1_design.boundaries.loc["uniform", "type1_error"] == pytest.approx(
        lad1_design.boundaries.loc[TEST_NAME, "type1_error"]
    )


def test_calibrated_threshold_holds_alpha(lad1_design):
    cal = lad1_design.calibration
    for name in cal.index:
        assert cal.loc[name, "type1_error"] <= 0.025
    # the sceptical prior needs a lower threshold for the same rule (k >= 7 of 9)
    assert cal.loc["sceptical_ess9", "threshold"] < cal.loc["uniform", "threshold"]
    assert cal.loc["sceptical_ess9", "boundary"] == 7


def test_futility_outcomes_sum_to_one(lad1_design):
    f = lad1_design.futility
    total = f["prob_stop_futility"] + f["prob_success"] + f["prob_fail_final"]
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


def test_seed_specs_state_their_rules(lad1_result, meta_result):
    d = lad1_result["hsct_free_survival_1y"].design
    assert d.rule == "success if P(theta > 0.39) > 0.975"
    assert (d.decisions["decision"] == "success").all()
    icans = meta_result["icans_any_grade"].design
    assert icans.rule == "success if P(theta < 0.071) > 0.8"
    # uniform prior, 0/12: P(theta < 0.071) = 1 - 0.929^13 < 0.8
    assert icans.decisions.loc["uniform", "probability"] == pytest.approx(1 - 0.929**13)
    assert icans.decisions.loc["uniform", "decision"] == "no success"


def test_design_command_writes_tables_and_figures(tmp_path, capsys):
    out = tmp_path / "design"
    assert main(["design", str(META), "--out", str(out)]) == 0
    for f in (
        "design.md",
        "oc_cr_cri_1m.csv",
        "boundaries_cr_cri_1m.csv",
        "calibration_cr_cri_1m.csv",
        "figures/oc_cr_cri_1m.png",
        "figures/oc_icans_any_grade.png",
        "provenance.json",
    ):
        assert (out / f).stat().st_size > 0, f
    assert "success if P(theta > 0.4) > 0.975" in capsys.readouterr().out


@pytest.mark.parametrize(
    "old,new,field",
    [
        (
            "threshold = 0.975, alternative = 0.80",
            "threshold = 1.5, alternative = 0.80",
            "decision.threshold",
        ),
        ("interim = 5,", "interim = 9,", "decision.interim"),
        ("alpha = 0.025, interim", "alpha = 0.025, gamma = 1, interim", "decision.gamma"),
    ],
)
def test_bad_decision_specs(old, new, field, tmp_path):
    text = LAD1.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.field == field and err.value.endpoint == "hsct_free_survival_1y"
