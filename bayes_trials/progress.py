"""Progress of a run on the terminal, and where its time went.

Two process-wide parts, kept small so that any stage of the pipeline can call them:

- **timing**: ``with stage("compiling"):`` adds the block's wall time to that stage, minus
  the time of stages nested inside it (so compiling inside a sampling call counts once, as
  compiling); :func:`record` adds time measured elsewhere (on a Dask worker, say);
  :func:`timings` reads the totals, :func:`reset` starts again. :mod:`bayes_trials.fit`
  times ``"compiling"`` and ``"sampling"``; the command line adds ``"writing"``.
- **display**: ``with bar(total, "run"):`` shows one line on standard error, updated in
  place (tqdm): the fits done out of ``total``, the elapsed time, the endpoint and prior being
  fitted (:func:`describe`) and the current stage. It is silent when standard error is not
  a terminal (pipes, CI, Jupyter) or when the environment sets ``BT_PROGRESS=0``.

Nothing here is called per draw: a stage is a compile, a sampling call, a report.

>>> reset()
>>> with stage("sampling"):
...     with stage("compiling"):
...         pass
>>> sorted(timings())
['compiling', 'sampling']
>>> summary_line(0.0, {"compiling": 12.0, "sampling": 3.5, "writing": 1.25})
'compiling 12.0 s, sampling 3.5 s, writing 1.2 s'
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager

_lock = threading.Lock()
_totals: dict = {}
_local = threading.local()
_display = {"bar": None, "text": "", "stage": ""}

#: the stages the closing line of a run names, in order (others follow in the order met)
ORDER = ("compiling", "sampling", "checks", "writing")


def _stack() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def enabled() -> bool:
    """Whether the display is shown: standard error is a terminal and ``BT_PROGRESS`` is not 0."""
    if os.environ.get("BT_PROGRESS", "") == "0":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def record(name: str, seconds: float) -> None:
    """Add ``seconds`` to stage ``name``."""
    with _lock:
        _totals[name] = _totals.get(name, 0.0) + float(seconds)


def timings() -> dict:
    """Stage name -> seconds, since the last :func:`reset`."""
    with _lock:
        return dict(_totals)


def reset() -> None:
    """Forget the recorded times."""
    with _lock:
        _totals.clear()


@contextmanager
def stage(name: str, detail: str = ""):
    """Time the block as stage ``name`` (exclusive of nested stages) and show it."""
    stack = _stack()
    frame = [name, time.perf_counter(), 0.0]  # name, start, time of nested stages
    stack.append(frame)
    previous = _display["stage"]
    _set_stage(f"{name} {detail}".strip())
    try:
        yield
    finally:
        stack.pop()
        spent = time.perf_counter() - frame[1]
        record(name, spent - frame[2])
        if stack:
            stack[-1][2] += spent
        _set_stage(previous)


@contextmanager
def bar(total: int, label: str):
    """Show progress over ``total`` steps (fits) while the block runs; a bar opened while
    another is shown adds nothing (the outer one keeps counting)."""
    if _display["bar"] is not None or not enabled():
        yield
        return
    from tqdm import tqdm

    pb = tqdm(total=total, desc=label, file=sys.stderr, leave=False, dynamic_ncols=True,
              bar_format="{desc} {bar:16} {n_fmt}/{total_fmt} [{elapsed}]{postfix}")
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
    if pb is not None:
        pb.update(n)


def _set_stage(text: str) -> None:
    _display["stage"] = text
    _refresh()


def _refresh() -> None:
    pb = _display["bar"]
    if pb is None:
        return
    parts = [p for p in (_display["text"], _display["stage"]) if p]
    pb.set_postfix_str(": ".join(parts), refresh=True)


def summary_line(total: float, times: dict | None = None) -> str:
    """``"compiling 12.0 s, sampling 3.5 s, writing 1.2 s"``: the recorded stages (in
    :data:`ORDER`, then the others), and ``"other"`` for what ``total`` has beyond them."""
    times = timings() if times is None else times
    names = [n for n in ORDER if times.get(n)] + [n for n in times if n not in ORDER and times[n]]
    parts = [f"{n} {times[n]:.1f} s" for n in names]
    other = total - sum(times[n] for n in names)
    if total and other >= 0.05:
        parts.append(f"other {other:.1f} s")
    return ", ".join(parts)
