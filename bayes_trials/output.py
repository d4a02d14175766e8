"""Output folders: written whole or not at all, and never at the expense of a user's files.

A report (or design, or sensitivity) folder is built in a temporary sibling and moved into
place at the end. The rules, checked before any analysis starts:

- ``--out`` may name a folder that is absent, empty, or a previous bayes_trials output
  (recognised by its ``provenance.json``); a previous output is replaced only with
  ``force=True`` (``--force``). Anything else (a regular file, a folder holding other files)
  is refused with a :class:`~bayes_trials.errors.OutputError`, and nothing is touched.
- The parent folder must be writable (tried by creating and removing a probe folder).
- The temporary folder is removed on every exit path (an exception, Ctrl-C, SIGTERM); one
  left by a run killed with SIGKILL carries a marker file naming its process, and a later
  run into the same parent removes it once that process is gone.
- Replacing a previous output moves it aside under a marked temporary name, moves the new
  one in, then deletes the old one; a user's file is never renamed or deleted.

>>> import tempfile, pathlib
>>> parent = pathlib.Path(tempfile.mkdtemp())
>>> with output_folder(parent / "report") as tmp:
...     _ = (tmp / "report.md").write_text("# a report")
>>> sorted(p.name for p in (parent / "report").iterdir())
['report.md']
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

from .errors import OutputError

#: the file that makes a folder recognisable as bayes_trials output
PROVENANCE_FILE = "provenance.json"
#: the marker file inside a temporary folder of a run in progress (holds the process id)
MARKER = ".bayes_trials-in-progress"
_TMP_TAG = ".bt-tmp-"


def is_previous_output(folder: Path) -> bool:
    """True when ``folder`` holds a ``provenance.json`` written by bayes_trials."""
    prov = Path(folder) / PROVENANCE_FILE
    try:
        data = json.loads(prov.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    versions = data.get("versions")
    return data.get("generator") == "bayes_trials" or (
        isinstance(versions, dict) and "bayes_trials" in versions and "spec_sha256" in data
    )


def check_output_folder(out, *, force: bool = False, field: str = "--out") -> Path:
    """Validate an output folder before any work; returns it as a ``Path``.

    Raises :class:`~bayes_trials.errors.OutputError` (one line, the folder named) when
    ``out`` is a file, a non-empty folder that is not a previous bayes_trials output, a
    previous output without ``force``, or under a folder that cannot be written.
    """
    out = Path(out)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OutputError(
                f"{str(out)!r} exists and is not a folder; choose a new folder", field=field
            )
        if any(out.iterdir()):
            if not is_previous_output(out):
                raise OutputError(
                    f"{str(out)!r} is a folder with other files in it (not a bayes_trials "
                    "output); choose an absent or empty folder",
                    field=field,
                )
            if not force:
                raise OutputError(
                    f"{str(out)!r} holds a previous bayes_trials output; pass --force to "
                    "replace it",
                    field=field,
                )
    parent = _existing_ancestor(out.parent)
    try:
        probe = Path(tempfile.mkdtemp(prefix=".bt-probe-", dir=parent))
        probe.rmdir()
    except OSError as err:
        raise OutputError(
            f"cannot write under {str(parent)!r}: {err.strerror or err}", field=field
        ) from None
    return out


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(parent: Path) -> list[Path]:
    """Remove temporary folders that killed runs left in ``parent``; returns what went.

    Only folders named like ours *and* holding our marker whose process no longer runs are
    removed; nothing else is looked at twice.
    """
    removed = []
    if not parent.is_dir():
        return removed
    for cand in parent.iterdir():
        if _TMP_TAG not in cand.name or not cand.is_dir() or cand.is_symlink():
            continue
        marker = cand / MARKER
        try:
            pid = int(marker.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(cand, ignore_errors=True)
            removed.append(cand)
    return removed


@contextlib.contextmanager
def _terminate_as_exit():
    """Let SIGTERM unwind the stack like Ctrl-C, so that ``finally`` blocks clean up."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def output_folder(out, *, force: bool = False):
    """Yield an empty temporary sibling of ``out``; on success it becomes ``out``.

    ``out`` is validated first (:func:`check_output_folder`). On any failure the temporary
    folder is removed and ``out`` is as it was.
    """
    out = check_output_folder(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out.parent)
    with _terminate_as_exit():
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}{_TMP_TAG}", dir=out.parent))
        old = None
        try:
            (tmp / MARKER).write_text(str(os.getpid()), encoding="utf-8")
            yield tmp
            (tmp / MARKER).unlink()
            if out.exists():
                # re-check: the folder may have changed while the analysis ran
                check_output_folder(out, force=force)
                if any(out.iterdir()):
                    old = Path(
                        tempfile.mkdtemp(prefix=f".{out.name}{_TMP_TAG}old-", dir=out.parent)
                    )
                    (old / MARKER).write_text(str(os.getpid()), encoding="utf-8")
                    os.replace(out, old / "previous")
                else:
                    out.rmdir()
            try:
                os.replace(tmp, out)
            except BaseException:
                if old is not None:
                    os.replace(old / "previous", out)
                raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
