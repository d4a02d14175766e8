"""The restructured package gives the numbers the old one gave (issue 13's golden comparison).

Exact posteriors are deterministic, so every exact summary of the specs without a MAP prior
(whose mixture comes from an MCMC fit) must equal, to a relative 1e-9, what the package wrote
before the restructure (tests/golden/before, see its README). The MCMC summaries are compared
by scripts/golden.py on reports written on one machine (same seeds, same compiled models).
"""

import importlib.util
from pathlib import Path

import pytest

import bayes_trials as bt
from bayes_trials.report import write_report

from .conftest import MODELS, ROOT

GOLDEN = ROOT / "tests" / "golden" / "before"
SPECS = {
    "lad1_marnecel": MODELS / "lad1_marnecel.toml",
    "illustrative_car_t_efs": MODELS / "examples" / "illustrative_car_t_efs.toml",
    "illustrative_patient_rates": MODELS / "examples" / "illustrative_patient_rates.toml",
}


def _golden_module():
    spec = importlib.util.spec_from_file_location("golden", ROOT / "scripts" / "golden.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", list(SPECS))
def test_exact_summaries_equal_the_golden_ones(name, tmp_path):
    golden = _golden_module()
    result = bt.analyse(SPECS[name], method="exact")
    out = write_report(result, tmp_path / name)
    compared, problems = golden.compare_folders(GOLDEN / f"{name}_exact", Path(out))
    assert compared > 0 and problems == []


def test_the_comparison_finds_a_changed_number(tmp_path):
    golden = _golden_module()
    import pandas as pd

    before = pd.read_csv(GOLDEN / "lad1_marnecel_exact" / "summary_hsct_free_survival_1y.csv")
    result = bt.analyse(SPECS["lad1_marnecel"], method="exact")
    after = result["hsct_free_survival_1y"].table()
    after.loc[after["prior"] == "uniform", "exact_mean"] *= 1 + 1e-6
    n, problems = golden.compare_tables(before, after, "lad1")
    assert n > 0 and len(problems) == 1 and "uniform exact_mean" in problems[0]
