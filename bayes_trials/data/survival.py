"""Time-to-event data: one row per patient (time, event indicator, optional group).

A survival endpoint's data, from a patient table or reconstructed from a digitised
Kaplan-Meier curve (:func:`bayes_trials.reconstruct_ipd`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
def _as_rows(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=object).ravel()
    out = np.empty(arr.size)
    for i, x in enumerate(arr):
        if isinstance(x, (bool, np.bool_)):
            x = int(x)
        if not isinstance(x, (numbers.Real, np.number)):
            raise DataError(f"row {i}: must be a number, got {x!r}", field=name)
        x = float(x)
        if not math.isfinite(x):
            raise DataError(f"row {i}: must be a finite number, got {x!r}", field=name)
        out[i] = x
    return out


@dataclass(frozen=True, eq=False)
class TimeToEvent:
    """Per-patient time-to-event data, validated on construction.

    Parameters
    ----------
    time : array-like of float
        Time from the start of follow-up to the event or to censoring, > 0 (in one unit
        throughout, e.g. months).
    event : array-like of {0, 1}
        1 if the event was observed at ``time``, 0 if the patient was censored then.
    group : array-like, optional
        A label per patient; at most two distinct labels.

    Raises
    ------
    DataError
        A time that is negative, zero, NaN or not a number; an event indicator other than
        0/1; lengths that differ; more than two groups. The message names the row and the
        field.

    Notes
    -----
    Likelihood contribution of patient :math:`i`: :math:`h(t_i)^{\\delta_i} S(t_i)`. Under
    a constant hazard the data enter only through the number of events
    :math:`D = \\sum_i \\delta_i` and the total time at risk :math:`E = \\sum_i t_i`.

    Example
    -------
    >>> d = TimeToEvent([3.0, 12.0, 7.5], [1, 0, 1])
    >>> d.n, d.events, d.exposure
    (3, 2, 22.5)
    >>> TimeToEvent([3.0, -1.0], [1, 0])
    Traceback (most recent call last):
    ...
    bayes_trials.errors.DataError: field 'time': row 1: must be > 0, got -1
    """

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray | None = None

    def __post_init__(self):
        t = _as_rows(self.time, "time")
        e = _as_rows(self.event, "event")
        if t.size == 0:
            raise DataError("needs at least one patient", field="time")
        if e.size != t.size:
            raise DataError(
                f"needs one event indicator per time ({t.size}), got {e.size}", field="event"
            )
        bad = np.flatnonzero(t <= 0)
        if bad.size:
            i = int(bad[0])
            raise DataError(f"row {i}: must be > 0, got {t[i]:g}", field="time")
        bad = np.flatnonzero((e != 0) & (e != 1))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"row {i}: must be 0 or 1, got {e[i]:g}", field="event")
        g = None
        if self.group is not None:
            g = np.asarray(self.group, dtype=object).ravel()
            if g.size != t.size:
                raise DataError(
                    f"needs one group label per time ({t.size}), got {g.size}", field="group"
                )
            for i, x in enumerate(g):
                if x is None or (isinstance(x, float) and not math.isfinite(x)):
                    raise DataError(f"row {i}: missing group label", field="group")
            labels = list(dict.fromkeys(g.tolist()))
            if len(labels) > 2:
                raise DataError(f"at most two groups, got {len(labels)}: {labels}", field="group")
            g.setflags(write=False)
        t.setflags(write=False)
        e = e.astype(int)
        e.setflags(write=False)
        object.__setattr__(self, "time", t)
        object.__setattr__(self, "event", e)
        object.__setattr__(self, "group", g)

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, time: str = "time", event: str = "event", group: str | None = None
    ) -> TimeToEvent:
        """From a DataFrame with a time column, an event column and optionally a group column."""
        for col in (time, event) + ((group,) if group else ()):
            if col not in frame.columns:
                raise DataError(f"no column {col!r}; columns are {list(frame.columns)}", field=col)
        return cls(
            frame[time].to_numpy(),
            frame[event].to_numpy(),
            None if group is None else frame[group].to_numpy(),
        )

    @classmethod
    def from_csv(
        cls, path, time: str = "time", event: str = "event", group: str | None = None
    ) -> TimeToEvent:
        """From a CSV file of patient data (one row per patient)."""
        try:
            return cls.from_frame(pd.read_csv(path), time, event, group)
        except DataError as err:
            raise err.located(file=Path(path)) from None

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int(self.event.sum())

    @property
    def exposure(self) -> float:
        """Total time at risk, :math:`\\sum_i t_i`."""
        return float(self.time.sum())

    @property
    def groups(self) -> tuple:
        """Group labels in order of first appearance; ``(None,)`` without groups."""
        if self.group is None:
            return (None,)
        return tuple(dict.fromkeys(self.group.tolist()))

    def subset(self, label: Hashable) -> TimeToEvent:
        """The patients of one group (``label=None`` without groups: all of them)."""
        if self.group is None:
            if label is not None:
                raise DataError(f"no groups in these data, asked for {label!r}", field="group")
            return self
        mask = self.group == label
        if not mask.any():
            raise DataError(f"no group {label!r}; groups are {list(self.groups)}", field="group")
        return TimeToEvent(self.time[mask], self.event[mask])

    def to_frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"time": self.time, "event": self.event})
        if self.group is not None:
            out["group"] = self.group
        return out

    def __repr__(self) -> str:
        g = "" if self.group is None else f", groups={list(self.groups)}"
        return f"TimeToEvent(n={self.n}, events={self.events}, exposure={self.exposure:.4g}{g})"
