"""The command line on both seed specs, and on bad input."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from bayes_trials.cli import main

from .conftest import LAD1, META


@pytest.mark.parametrize("spec,endpoints", [
    (LAD1, ["hsct_free_survival_1y"]),
    (META, ["cr_cri_1m", "cr_1m", "icans_any_grade"]),
])
def test_run_writes_the_whole_report(spec, endpoints, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", str(spec), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "0 failed" in printed and "report written" in printed
    for name in endpoints:
        for f in (f"summary_{name}.csv", f"summary_{name}.md", f"frequentist_{name}.csv",
                  f"figures/{name}.png"):
            assert (out / f).stat().st_size > 0, f
    for f in ("report.md", "report.html", "checks.csv", "posteriors.nc", "provenance.json"):
        assert (out / f).stat().st_size > 0, f
    prov = json.loads((out / "provenance.json").read_text())
    assert len(prov["spec_sha256"]) == 64 and prov["versions"]["pymc"] and prov["seeds"]
    checks = pd.read_csv(out / "checks.csv")
    assert not (checks["passed"] == False).any()  # noqa: E712
    report = (out / "report.md").read_text()
    assert "published" in report and "assumed" in report
    assert not list(tmp_path.glob(".report.*")), "temporary folder left behind"


def test_saved_posteriors_reopen(tmp_path):
    import xarray as xr

    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--draws", "200", "--tune", "200"]) in (0, 1)
    tree = xr.open_datatree(out / "posteriors.nc")
    assert "theta" in tree["hsct_free_survival_1y/uniform/posterior"]


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(LAD1.read_text().replace("value = 9, tag", "value = 10, tag", 1))
    out = tmp_path / "report"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert str(bad) in err[0] and "hsct_free_survival_1y" in err[0] and "'events'" in err[0]
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_existing_report_is_replaced_whole(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 0
    assert not (out / "stale.txt").exists() and (out / "report.md").exists()


def test_console_entry_point(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "bayes_trials", "run", str(LAD1), "--out", str(out),
                           "--method", "exact"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "hsct_free_survival_1y" in proc.stdout
