"""Adverse-event tables: counts of patients with each event, grouped by body system.

A trial paper's safety table (term, group, count, n) as data: validated row by row, read
from the spec or from a CSV file, the groups used by the hierarchical model of Berry and
Berry (2004).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import _validate as v
from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("term", "group", "count", "n")


@dataclass(frozen=True)
class AdverseEvent:
    """One row: ``count`` of ``n`` patients had the event ``term`` (of body system ``group``)."""

    term: str
    group: str
    count: int
    n: int

    @property
    def proportion(self) -> float:
        return self.count / self.n


def _row_error(msg, i, term, column, source, endpoint):
    where = f"row {i}" + (f" (term {term!r})" if isinstance(term, str) and term else "")
    return DataError(f"{where}: {msg}", file=source, endpoint=endpoint, field=column)


@dataclass(frozen=True, init=False)
class AdverseEventTable:
    """Adverse-event counts: one row per event term, with its group (body system).

    Parameters
    ----------
    rows : iterable
        Each row a mapping with keys ``term``, ``group``, ``count``, ``n`` or a tuple in
        that order; or a ``pandas.DataFrame`` with those columns.
    source : str or Path, optional
        The file the rows come from, named in errors.
    endpoint : str, optional
        The endpoint the table belongs to, named in errors.

    Raises
    ------
    DataError
        An empty table, a missing column, an empty term or group, a count or ``n`` that is
        negative, fractional or NaN, ``n = 0``, a count above ``n``, or a term that repeats
        an earlier one (compared ignoring case and surrounding spaces). The message starts
        with the (1-based) row and its term; ``field`` is the column.

    Notes
    -----
    A group with only one event is allowed (see the module notes for how the hierarchical
    model treats it); :attr:`singleton_groups` lists them. Rows may have different ``n``.

    Example
    -------
    >>> AdverseEventTable([("CRS", "immune effector", 13, 12)])
    Traceback (most recent call last):
    ...
    bayes_trials.errors.DataError: field 'count': row 1 (term 'CRS'): must not exceed n = 12, got 13
    """

    events: tuple
    source: str | None = None

    def __init__(self, rows, source=None, endpoint=None):
        source = None if source is None else str(source)
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
            missing = [c for c in COLUMNS if c not in rows.columns]
            if missing:
                raise DataError(
                    f"missing column(s) {missing}; the table needs {list(COLUMNS)}",
                    file=source,
                    endpoint=endpoint,
                    field=missing[0],
                )
            rows = rows[list(COLUMNS)].to_dict("records")
        rows = list(rows)
        if not rows:
            raise DataError(
                "the adverse-event table has no rows", file=source, endpoint=endpoint, field="rows"
            )
        events, seen = [], {}
        for i, row in enumerate(rows, start=1):
            if hasattr(row, "items"):
                missing = [c for c in COLUMNS if c not in row]
                if missing:
                    raise _row_error(
                        f"missing {missing}", i, row.get("term"), missing[0], source, endpoint
                    )
                term, group, count, n = (row[c] for c in COLUMNS)
            else:
                row = tuple(row)
                if len(row) != 4:
                    raise _row_error(
                        f"needs 4 values {list(COLUMNS)}, got {len(row)}",
                        i,
                        row[0] if row else None,
                        "rows",
                        source,
                        endpoint,
                    )
                term, group, count, n = row
            for col, text in (("term", term), ("group", group)):
                if not isinstance(text, str) or not text.strip():
                    raise _row_error(
                        f"{col} must be a non-empty string, got {text!r}",
                        i,
                        term,
                        col,
                        source,
                        endpoint,
                    )
            term, group = term.strip(), group.strip()
            try:
                n = v.count(n, "n")
                count = v.count(count, "count")
            except DataError as err:
                raise _row_error(err.reason, i, term, err.field, source, endpoint) from None
            if n == 0:
                raise _row_error(
                    "must be at least 1 patient, got 0", i, term, "n", source, endpoint
                )
            if count > n:
                raise _row_error(
                    f"must not exceed n = {n}, got {count}", i, term, "count", source, endpoint
                )
            key = term.casefold()
            if key in seen:
                raise _row_error(
                    f"duplicate of row {seen[key]}: each event term appears once",
                    i,
                    term,
                    "term",
                    source,
                    endpoint,
                )
            seen[key] = i
            events.append(AdverseEvent(term, group, count, n))
        object.__setattr__(self, "events", tuple(events))
        object.__setattr__(self, "source", source)

    @classmethod
    def from_csv(cls, path, endpoint=None) -> AdverseEventTable:
        """Read a CSV with a header ``term,group,count,n`` (more columns are ignored)."""
        path = Path(path)
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(
                    f"missing column(s) {missing}; the header needs {list(COLUMNS)}",
                    file=path,
                    endpoint=endpoint,
                    field=missing[0],
                )
            rows = []
            for r in reader:
                row = {"term": r["term"], "group": r["group"]}
                for col in ("count", "n"):
                    text = (r[col] or "").strip()
                    try:
                        row[col] = float(text)
                    except ValueError:
                        row[col] = text  # refused with its row number below
                rows.append(row)
        return cls(rows, source=path, endpoint=endpoint)

    # --- views ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.events)

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(e.term for e in self.events)

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups, in order of first appearance."""
        return tuple(dict.fromkeys(e.group for e in self.events))

    @property
    def group_index(self) -> np.ndarray:
        """Index of each event's group in :attr:`groups`."""
        groups = self.groups
        return np.array([groups.index(e.group) for e in self.events], dtype="int64")

    @property
    def counts(self) -> np.ndarray:
        return np.array([e.count for e in self.events], dtype="int64")

    @property
    def n(self) -> np.ndarray:
        return np.array([e.n for e in self.events], dtype="int64")

    @property
    def singleton_groups(self) -> tuple[str, ...]:
        """Groups with a single event (allowed; see the module notes)."""
        idx = self.group_index
        return tuple(g for k, g in enumerate(self.groups) if (idx == k).sum() == 1)

    def event(self, term: str) -> AdverseEvent:
        for e in self.events:
            if e.term == term:
                return e
        raise DataError(f"no event term {term!r}; terms: {list(self.terms)}", field="term")

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([e.__dict__ for e in self.events], columns=list(COLUMNS))
