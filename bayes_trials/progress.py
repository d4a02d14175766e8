"""Progress of a run on the terminal: the display only.

``with bar(total, "run"):`` shows one line on standard error, updated in place (tqdm): the
steps done out of ``total``, the elapsed time, what is being done (:func:`describe`: the
endpoint and prior being fitted) and the current stage (``with stage("compiling"):``). It is
silent when standard error is not a terminal (pipes, CI, Jupyter) or when the environment
sets ``BT_PROGRESS=0``.

This module keeps no times: where a run's time went is recorded by
:data:`bayes_trials.fit.TIMINGS` (``TIMINGS.phase``), which the closing line of a command
reads; a stage here only says on the terminal what is running. Nothing here is called per
draw: a stage is a compile, a sampling call, a report.

>>> with bar(2, "run"):  # silent here: the doctest's standard error is not a terminal
...     describe("hsct_free_survival_1y / uniform")
...     with stage("sampling"):
...         advance()
>>> current()
''
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

_display = {"bar": None, "text": "", "stage": "", "nested": 0}


def enabled() -> bool:
    """Whether the display is shown: standard error is a terminal and ``BT_PROGRESS`` is not 0."""
    if os.environ.get("BT_PROGRESS", "") == "0":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def stage(name: str, detail: str = ""):
    """Show stage ``name`` (``"compiling"``, ``"sampling"``, ...) while the block runs; the
    enclosing stage is shown again after it."""
    previous = _display["stage"]
    _set_stage(f"{name} {detail}".strip())
    try:
        yield
    finally:
        _set_stage(previous)


@contextmanager
def bar(total: int, label: str):
    """Show progress over ``total`` steps while the block runs; a bar opened while another is
    shown adds nothing, and its steps (:func:`advance`, :func:`grow`) are not counted: the
    outer one counts its own."""
    if _display["bar"] is not None:
        _display["nested"] += 1
        try:
            yield
        finally:
            _display["nested"] -= 1
        return
    if not enabled():
        yield
        return
    from tqdm import tqdm

    pb = tqdm(
        total=total,
        desc=label,
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
        bar_format="{desc} {bar:16} {n_fmt}/{total_fmt} [{elapsed}]{postfix}",
    )
    _display.update(bar=pb, text="", stage="")
    try:
        yield
    finally:
        pb.close()
        _display.update(bar=None, text="", stage="")


def describe(text: str) -> None:
    """Say what is being done now (``"hsct_free_survival_1y / uniform"``)."""
    _display["text"] = text
    _refresh()


def advance(n: int = 1) -> None:
    """Count ``n`` steps done."""
    pb = _display["bar"]
    if pb is not None and not _display["nested"]:
        pb.update(n)


def grow(n: int) -> None:
    """Add ``n`` steps to the total (steps known only once the work is laid out)."""
    pb = _display["bar"]
    if pb is not None and not _display["nested"] and n:
        pb.total += n
        pb.refresh()


def current() -> str:
    """What the display says now after the bar: ``"<what>: <stage>"`` (empty when nothing)."""
    return (
        ": ".join(p for p in (_display["text"], _display["stage"]) if p) if _display["bar"] else ""
    )


def _set_stage(text: str) -> None:
    _display["stage"] = text
    _refresh()


def _refresh() -> None:
    pb = _display["bar"]
    if pb is None:
        return
    pb.set_postfix_str(current(), refresh=True)
