"""Issue 6: a spec re-analyses an effect reported only as an estimate with its CI."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.cli import main
from bayes_trials.errors import SpecError

# ANDROMEDA-SHOCK (Hernandez G et al., JAMA 2019;321:654-664): 28-day mortality, hazard ratio
# 0.75 (95% CI 0.55 to 1.02); published, used here as a worked example of the [[reported]] section.
SPEC = """
[trial]
id = "andromeda_shock"
title = "ANDROMEDA-SHOCK: peripheral perfusion-targeted resuscitation in septic shock"
citation = "Hernandez G et al. JAMA 2019;321(7):654-664. doi:10.1001/jama.2019.0071"

[[reported]]
id = "mortality_28d"
label = "28-day mortality"
measure = "hazard ratio"
scale = "ratio"
benefit = "lower"
tag = "published"
source = "JAMA 2019 abstract: hazard ratio 0.75 (95% CI 0.55 to 1.02)"
estimate = 0.75
ci_low = 0.55
ci_high = 1.02
mcid = { value = 0.9, tag = "assumed", source = "a 10% relative reduction taken as the smallest worthwhile effect" }
"""


@pytest.fixture
def spec_path(tmp_path):
    path = tmp_path / "andromeda.toml"
    path.write_text(SPEC)
    return path


def test_flat_prior_posterior_is_the_likelihood(spec_path):
    res = bt.analyse(spec_path, method="exact")
    table = res.reported["mortality_28d"].set_index("prior")
    # independent: se from the CI on the log scale, the flat-prior posterior is N(log 0.75, se^2)
    se = (np.log(1.02) - np.log(0.55)) / (2 * stats.norm.ppf(0.975))
    flat = table.loc["flat"]
    assert flat["prob_benefit"] == pytest.approx(stats.norm.cdf(0, np.log(0.75), se), rel=1e-9)
    assert flat["prob_mcid"] == pytest.approx(
        stats.norm.cdf(np.log(0.9), np.log(0.75), se), rel=1e-9
    )
    # a sceptical prior pulls P(benefit) towards 1/2
    assert 0.5 < table.loc["sceptical", "prob_benefit"] < flat["prob_benefit"]
    checks = res.checks()
    assert len(checks) == 1 and checks["passed"].all()  # symmetric on the log scale at 2 decimals


def test_skewed_interval_fails_the_symmetry_check(spec_path, tmp_path):
    path = tmp_path / "skewed.toml"
    path.write_text(spec_path.read_text().replace("ci_low = 0.55", "ci_low = 0.30"))
    res = bt.analyse(path, method="exact")
    assert res.checks()["passed"].tolist() == [False]


def test_run_writes_the_reported_section(spec_path, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", str(spec_path), "--out", str(out), "--method", "exact"]) == 0
    report = (out / "report.md").read_text()
    assert "28-day mortality (mortality_28d): hazard ratio 0.75 (0.55 to 1.02)" in report
    table = pd.read_csv(out / "reported_mortality_28d.csv")
    assert {"flat", "sceptical", "neutral-moderate"} <= set(table["prior"])
    assert "mortality_28d" in capsys.readouterr().out


@pytest.mark.parametrize(
    "old,new,field",
    [
        ("estimate = 0.75", "estimate = 1.10", "ci_low"),
        ("ci_low = 0.55", "ci_low = -0.55", "ci_low"),
        ('scale = "ratio"', 'scale = "odds"', "scale"),
    ],
)
def test_bad_reported_entries(old, new, field, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(SPEC.replace(old, new))
    with pytest.raises(SpecError) as err:
        bt.load_spec(path)
    assert err.value.endpoint == "mortality_28d" and err.value.field == field
