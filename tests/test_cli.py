"""The command line on both seed specs, and on bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bayes_trials.cli import main

from .conftest import LAD1, META


@pytest.mark.parametrize(
    "spec,endpoints",
    [
        (LAD1, ["hsct_free_survival_1y"]),
        (META, ["cr_cri_1m", "cr_1m", "icans_any_grade"]),
    ],
)
def test_run_writes_the_whole_report(spec, endpoints, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", str(spec), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "0 failed" in printed and "report written" in printed
    for name in endpoints:
        for f in (
            f"summary_{name}.csv",
            f"summary_{name}.md",
            f"frequentist_{name}.csv",
            f"figures/{name}.png",
        ):
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


def test_previous_report_is_replaced_whole_only_with_force(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 0
    (out / "stale.txt").write_text("old")
    capsys.readouterr()
    # a previous report is not replaced without --force, and is left as it was
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--force" in err[0] and (out / "stale.txt").exists()
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact", "--force"]) == 0
    assert not (out / "stale.txt").exists() and (out / "report.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"], "temporary folder left behind"


@pytest.mark.parametrize("what", ["folder", "file", "spec_folder"])
def test_out_never_touches_a_users_files(what, tmp_path, capsys):
    """--out on a folder that is not a report, on a file, or on the spec's own folder: exit 2,
    one line, before any analysis, and every file exactly as it was."""
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    spec = spec_dir / "lad1.toml"
    spec.write_text(LAD1.read_text())
    if what == "folder":
        out = tmp_path / "mine"
        out.mkdir()
        (out / "notes.txt").write_text("keep me")
    elif what == "file":
        out = tmp_path / "mine.txt"
        out.write_text("keep me")
    else:
        out = spec_dir
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["run", str(spec), "--out", str(out), "--method", "exact", "--force"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0]
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(
    "args,field",
    [
        (["--chains", "-1"], "--chains"),
        (["--chains", "0"], "--chains"),
        (["--tune", "-5"], "--tune"),
        (["--draws", "0"], "--draws"),
        (["--draws", "-3"], "--draws"),
        (["--draws", "2.5"], "--draws"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**32)], "--seed"),
    ],
)
def test_bad_sampling_arguments_exit_2_before_any_work(args, field, tmp_path, capsys):
    out = tmp_path / "r"
    with pytest.raises(SystemExit) as exc:
        main(["run", str(LAD1), "--out", str(out), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0]
    assert not out.exists()


def test_unwritable_out_exits_2_before_any_work(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # as root, permissions do not bind: /proc refuses new folders to everyone
        target = locked / "r" if not os.access(locked, os.W_OK) else Path("/proc/self/bt-report")
        assert main(["run", str(LAD1), "--out", str(target), "--method", "exact"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "cannot write" in err[0]
    finally:
        locked.chmod(0o700)


def test_out_under_a_file_exits_2(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main(["run", str(LAD1), "--out", str(blocker / "r"), "--method", "exact"]) == 2
    assert "--out" in capsys.readouterr().err and blocker.read_text() == "x"


def test_console_entry_point(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bayes_trials",
            "run",
            str(LAD1),
            "--out",
            str(out),
            "--method",
            "exact",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "hsct_free_survival_1y" in proc.stdout


def test_exact_run_compiles_nothing_and_profiles_its_time(tmp_path, capsys):
    from bayes_trials.fit import CACHE, TIMINGS

    before = CACHE.compiles
    assert (
        main(["run", str(LAD1), "--out", str(tmp_path / "r"), "--method", "exact", "--profile"])
        == 0
    )
    captured = capsys.readouterr()
    closing = captured.out.strip().splitlines()[-1]
    times = closing.rsplit("(", 1)[1]
    assert "0 failed" in closing and "writing" in times and "compile" not in times
    lines = captured.err.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("phase"))
    table = {line.split()[0]: line.split()[1:] for line in lines[start + 1 :] if line.strip()}
    assert {"spec", "checks", "writing", "wall"} <= set(table) and "compile" not in table
    assert CACHE.compiles == before and "compile" not in TIMINGS.totals()
    # the phases are exclusive, so together they fit in the wall time
    phases = sum(float(v[0]) for k, v in table.items() if k != "wall")
    assert phases <= float(table["wall"][0]) + 0.01


def test_run_with_an_unreachable_scheduler_exits_2_and_writes_nothing(
    tmp_path, capsys, monkeypatch
):
    from bayes_trials import scale

    monkeypatch.setattr(scale, "CONNECT_TIMEOUT", 2.0)
    out = tmp_path / "r"
    assert main(["run", str(LAD1), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "no Dask scheduler answered" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit) as exc:
        main(["run", str(LAD1), "--out", str(out), "--workers", "0"])
    assert exc.value.code == 2
