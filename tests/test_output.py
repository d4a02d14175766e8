"""Output folders: written whole or not at all; a user's files never renamed or deleted."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from bayes_trials.errors import OutputError
from bayes_trials.output import (
    MARKER,
    check_output_folder,
    is_previous_output,
    output_folder,
    remove_stale_temporaries,
)


def _previous_report(folder):
    folder.mkdir()
    (folder / "provenance.json").write_text(json.dumps({"generator": "bayes_trials"}))
    (folder / "report.md").write_text("old report")


def test_absent_and_empty_folders_are_accepted(tmp_path):
    assert check_output_folder(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    with output_folder(tmp_path / "empty") as tmp:
        (tmp / "a.txt").write_text("a")
    assert (tmp_path / "empty" / "a.txt").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_previous_output_replaced_only_with_force(tmp_path):
    out = tmp_path / "report"
    _previous_report(out)
    assert is_previous_output(out)
    with pytest.raises(OutputError, match="--force"):
        check_output_folder(out)
    with output_folder(out, force=True) as tmp:
        (tmp / "report.md").write_text("new report")
    assert (out / "report.md").read_text() == "new report"
    assert not (out / "provenance.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


@pytest.mark.parametrize("content", [{"generator": "something else"}, ["a", "list"], "not json"])
def test_a_provenance_file_of_someone_else_does_not_count(tmp_path, content):
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "provenance.json").write_text(
        content if isinstance(content, str) else json.dumps(content)
    )
    assert not is_previous_output(out)
    with pytest.raises(OutputError, match="other files"):
        check_output_folder(out, force=True)


def test_failure_inside_leaves_everything_as_it_was(tmp_path):
    out = tmp_path / "report"
    _previous_report(out)
    with pytest.raises(RuntimeError):
        with output_folder(out, force=True) as tmp:
            (tmp / "report.md").write_text("half")
            raise RuntimeError("analysis failed while writing")
    assert (out / "report.md").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def _run_and_signal(tmp_path, sig):
    """A child process that starts writing a report, then receives ``sig``."""
    code = textwrap.dedent(f"""
        import os, signal, time
        from bayes_trials.output import output_folder
        with output_folder({str(tmp_path / "report")!r}) as tmp:
            (tmp / "part.csv").write_text("1,2,3")
            os.kill(os.getpid(), signal.{sig.name})
            time.sleep(30)
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_sigterm_while_writing_removes_the_temporary_folder(tmp_path):
    proc = _run_and_signal(tmp_path, signal.SIGTERM)
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_a_later_run_removes_what_a_killed_run_left(tmp_path):
    proc = _run_and_signal(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    left = list(tmp_path.iterdir())
    assert len(left) == 1 and (left[0] / MARKER).exists()
    # a user's hidden folder of a similar name, without our marker, is left alone
    theirs = tmp_path / ".report.bt-tmp-mine"
    theirs.mkdir()
    (theirs / "data.csv").write_text("keep")
    with output_folder(tmp_path / "report") as tmp:
        (tmp / "report.md").write_text("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.bt-tmp-mine", "report"]
    assert (theirs / "data.csv").read_text() == "keep"


def test_a_live_runs_temporary_folder_is_left_alone(tmp_path):
    live = tmp_path / ".report.bt-tmp-live"
    live.mkdir()
    (live / MARKER).write_text(str(os.getppid()))  # a process that certainly runs
    assert remove_stale_temporaries(tmp_path) == []
    assert live.exists()
