"""The two-arm specs end to end: models/bnt162b2.toml (a published randomised trial) and
models/examples/as_map_design.toml (a design with a robust MAP prior on the control arm).

Sources of the printed numbers:
Polack FP, Thomas SJ, Kitchin N, et al. Safety and Efficacy of the BNT162b2 mRNA Covid-19
Vaccine. N Engl J Med 2020;383:2603-2615. doi:10.1056/NEJMoa2034577 (abstract and Table 2:
8 cases over 2.214 and 162 over 2.222 thousand person-years; vaccine efficacy 95.0%, 95%
credible interval 90.3 to 97.6 under a Beta(0.700102, 1) prior on the case split).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt

from .conftest import MODELS, ROOT

BNT = MODELS / "bnt162b2.toml"
DESIGN = MODELS / "examples" / "as_map_design.toml"


@pytest.fixture(scope="module")
def bnt_exact():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return bt.analyse(bt.load_spec(BNT), method="exact")


def _row(result, endpoint: str, prior: str, quantity: str):
    t = result.table()
    row = t[(t["endpoint"] == endpoint) & (t["prior"] == prior) & (t["quantity"] == quantity)]
    assert len(row) == 1, (endpoint, prior, quantity)
    return row.iloc[0]


def test_case_split_posterior_against_scipy_and_the_paper(bnt_exact):
    # theta = share of cases among vaccinees, Beta(0.700102 + 8, 1 + 162) a posteriori;
    # RR = (E_placebo / E_vaccine) * theta / (1 - theta) is increasing in theta, so its
    # quantiles are the transformed Beta quantiles; VE = 1 - RR
    share = stats.beta(0.700102 + 8, 1 + 162)
    rr = lambda t: (2.222 / 2.214) * t / (1 - t)  # noqa: E731
    row = _row(bnt_exact, "covid19_primary", "pfizer", "vaccine_efficacy")
    assert row["exact_eti95_low"] == pytest.approx(1 - rr(share.ppf(0.975)), rel=1e-9)
    assert row["exact_eti95_high"] == pytest.approx(1 - rr(share.ppf(0.025)), rel=1e-9)
    assert row["exact_median"] == pytest.approx(1 - rr(share.median()), rel=1e-9)
    # the paper's 95% credible interval, 90.3 to 97.6 (Polack 2020, abstract)
    assert round(100 * row["exact_eti95_low"], 1) == 90.3
    assert round(100 * row["exact_eti95_high"], 1) == 97.6
    # P(VE > 30%) = P(RR < 0.7) = P(theta < 0.7 c / (1 + 0.7 c)), c = E_vaccine / E_placebo
    c = 2.214 / 2.222
    assert row["exact_prob"] == pytest.approx(share.cdf(0.7 * c / (1 + 0.7 * c)), abs=1e-12)


def test_sceptical_log_rr_posterior_against_an_independent_quadrature(bnt_exact):
    # log-linear model: y_c ~ Poisson(lam E_c), y_t ~ Poisson(lam e^th E_t), lam ~ Gamma(1/2,
    # 1e-6), th ~ N(0, (log 2 / 1.645)^2) (Spiegelhalter's sceptic: a halving 5% probable).
    # Integrating lam out: p(th | y) ~ N(th) e^(th y_t) / (1e-6 + E_c + e^th E_t)^(1/2 + y).
    # 77 cases over 6.247 and 850 over 6.003 thousand person-years (Thomas 2021, Table 2)
    from scipy import integrate

    y_t, e_t, y_c, e_c = 77, 6.247, 850, 6.003
    sd = np.log(2) / stats.norm.ppf(0.95)

    def log_post(th):
        return (
            stats.norm.logpdf(th, 0, sd)
            + y_t * th
            - (0.5 + y_t + y_c) * np.log(1e-6 + e_c + np.exp(th) * e_t)
        )

    mode = np.log((y_t / e_t) / (y_c / e_c))
    shift = log_post(mode)
    dens = lambda th: np.exp(log_post(th) - shift)  # noqa: E731
    lo, hi = mode - 2.0, mode + 2.0
    norm = integrate.quad(dens, lo, hi, epsabs=1e-14, points=[mode])[0]
    ve_mean = (
        integrate.quad(lambda th: (1 - np.exp(th)) * dens(th), lo, hi, epsabs=1e-14, points=[mode])[
            0
        ]
        / norm
    )
    row = _row(bnt_exact, "covid19_6_months", "sceptical_log_rr", "vaccine_efficacy")
    assert row["exact_mean"] == pytest.approx(ve_mean, abs=1e-7)
    # the sceptic pulls towards no effect: below the neutral prior's answer
    neutral = _row(bnt_exact, "covid19_6_months", "neutral_log_rr", "vaccine_efficacy")
    assert row["exact_mean"] < neutral["exact_mean"]


def test_risk_endpoint_against_quadrature_of_the_two_betas(bnt_exact):
    # 77 of 20,712 vs 850 of 20,713 (Thomas 2021, Table 2), Jeffreys priors per arm
    from scipy import integrate

    t, c = stats.beta(77.5, 20712 - 77 + 0.5), stats.beta(850.5, 20713 - 850 + 0.5)
    row = _row(bnt_exact, "covid19_6_months_risk", "jeffreys", "risk_ratio")
    lo, hi = c.ppf(1e-12), c.ppf(1 - 1e-12)
    cdf_at = lambda x: integrate.quad(lambda p: c.pdf(p) * t.cdf(x * p), lo, hi, epsabs=1e-13)[0]  # noqa: E731
    assert cdf_at(row["exact_eti95_low"]) == pytest.approx(0.025, abs=1e-7)
    assert cdf_at(row["exact_eti95_high"]) == pytest.approx(0.975, abs=1e-7)


def test_every_check_of_the_trial_passes_and_the_printed_numbers_are_among_them(bnt_exact):
    checks = bnt_exact.checks()
    assert not (checks["passed"] == False).any(), checks[checks["passed"] == False]  # noqa: E712
    printed = checks[checks["kind"] == "published vs recomputed"]
    assert len(printed) >= 7 and set(printed["endpoint"]) >= {"covid19_primary", "covid19_6_months"}


def test_mcmc_run_of_the_trial_agrees_with_the_exact_answers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bt.analyse(bt.load_spec(BNT), draws=500, tune=500, chains=2, seed=7)
    checks = res.checks()
    mcmc = checks[checks["kind"].str.contains("MCMC", case=False)]
    assert len(mcmc) > 20
    # the family-wise tolerance of a run: a false alarm at most once in 1,000 runs
    assert not (checks["passed"] == False).any(), checks[checks["passed"] == False].to_string()  # noqa: E712


def test_cli_runs_the_design_spec(tmp_path):
    out = tmp_path / "design"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bayes_trials",
            "run",
            str(DESIGN),
            "--method",
            "exact",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    report = (out / "report.md").read_text()
    for heading in ("Decision boundary", "Operating characteristics", "prior-data conflict"):
        assert heading in report
    assert "0 failed" in proc.stdout


def test_cli_design_writes_the_two_sample_design(tmp_path):
    out = tmp_path / "design_only"
    proc = subprocess.run(
        [sys.executable, "-m", "bayes_trials", "design", str(DESIGN), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    assert "success if P(theta1 - theta2 > 0) > 0.95" in proc.stdout
    for stem in ("decisions", "boundaries", "oc", "calibration"):
        assert (out / f"{stem}_asas20_week6.csv").is_file()
    assert (out / "figures" / "oc_asas20_week6.png").is_file()
    text = (out / "design.md").read_text()
    assert "Operating characteristics" in text and "calibrated" in text
    # the OC file holds the exact OCs: one of them against a brute-force sum over outcomes
    import pandas as pd

    oc = pd.read_csv(out / "oc_asas20_week6.csv")
    row = oc[oc["prior_name"] == "no_borrowing"].iloc[0]
    t1, t2 = row["theta1"], row["theta2"]
    prior = bt.Beta(1, 1)
    rule = bt.decision_2s(0.95, 0.0)
    brute = sum(
        stats.binom.pmf(y1, 24, t1) * stats.binom.pmf(y2, 6, t2)
        for y1 in range(25)
        for y2 in range(7)
        if rule(bt.update(prior, bt.Binary(y1, 24)), bt.update(prior, bt.Binary(y2, 6)))
    )
    assert row["prob_success"] == pytest.approx(brute, abs=1e-10)


def test_cli_refuses_a_two_arm_spec_with_a_one_arm_field(tmp_path):
    text = BNT.read_text().replace('id = "covid19_primary"', 'id = "covid19_primary"\nn = 100', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "bayes_trials", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "covid19_primary" in proc.stderr and "'n'" in proc.stderr
