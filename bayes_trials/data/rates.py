"""Event-rate data before and after treatment: aggregate totals and per-patient tables.

Two shapes of data feed the rate endpoints (:mod:`bayes_trials.endpoints.rates`):

- :class:`PrePostRates`: the total events and exposure (patient-years) of each period, as
  a paper reports annualized incidences;
- :class:`PerPatientRates`: one row per patient and period (``patient``, ``period`` in
  ``{"before", "after"}``, ``events``, ``exposure``), validated row by row.

>>> import bayes_trials as bt
>>> from bayes_trials.data import PrePostRates
>>> d = PrePostRates(before=bt.Rate(40, 27.0), after=bt.Rate(6, 15.75))
>>> round(d.rate_ratio, 4), round(d.percent_reduction, 2)
(0.2571, 74.29)
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import _validate as v
from ..errors import DataError, StatisticalWarning
from .counts import Rate

#: the two period labels a per-patient table may use
PERIODS = ("before", "after")
#: required columns of a per-patient table
COLUMNS = ("patient", "period", "events", "exposure")
#: what to do with a patient observed in one period only
INCOMPLETE = ("drop", "keep", "error")


@dataclass(frozen=True)
class PrePostRates:
    """Events and exposure before and after treatment (aggregate data).

    Likelihood: :math:`y_b \\sim \\text{Poisson}(\\lambda_b E_b)`,
    :math:`y_a \\sim \\text{Poisson}(\\lambda_a E_a)`, independent; the estimand is the rate
    ratio :math:`\\text{RR} = \\lambda_a / \\lambda_b` and the percent reduction
    :math:`100 (1 - \\text{RR})`.

    Parameters
    ----------
    before, after : Rate
        Events over exposure (patient-years) in the period before treatment and after it.

    Example
    -------
    >>> import bayes_trials as bt
    >>> PrePostRates(bt.Rate(10, 5.0), bt.Rate(0, 4.0)).percent_reduction
    100.0
    """

    before: Rate
    after: Rate

    def __post_init__(self):
        for name in ("before", "after"):
            if not isinstance(getattr(self, name), Rate):
                raise DataError(
                    f"needs a Rate(events, exposure), got {type(getattr(self, name)).__name__}",
                    field=name,
                )

    @classmethod
    def from_counts(
        cls, events_before, exposure_before, events_after, exposure_after
    ) -> PrePostRates:
        """Build from four numbers; each is validated as by :class:`bayes_trials.Rate`."""
        try:
            before = Rate(events_before, exposure_before)
        except DataError as err:
            raise DataError(err.reason, field=f"before.{err.field}") from None
        try:
            after = Rate(events_after, exposure_after)
        except DataError as err:
            raise DataError(err.reason, field=f"after.{err.field}") from None
        return cls(before, after)

    @property
    def rate_ratio(self) -> float:
        """Point estimate (MLE) :math:`(y_a/E_a)/(y_b/E_b)`: 0 with no events after, ``inf``
        with none before (and some after), NaN with none in either period."""
        if self.before.events == 0:
            return math.nan if self.after.events == 0 else math.inf
        return self.after.rate / self.before.rate

    @property
    def percent_reduction(self) -> float:
        """Point estimate :math:`100 (1 - \\widehat{\\text{RR}})`."""
        return 100.0 * (1.0 - self.rate_ratio)

    @property
    def total_events(self) -> int:
        return self.before.events + self.after.events


def _is_nan(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class PerPatientRates:
    """Per-patient event counts and exposures before and after treatment, validated.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per patient and period, with columns ``patient`` (any hashable id),
        ``period`` (``"before"`` or ``"after"``), ``events`` (whole number >= 0) and
        ``exposure`` (patient-years > 0). Other columns are kept but not used.
    incomplete : {"drop", "keep", "error"}
        A patient observed in one period only carries no within-patient contrast.

        - ``"drop"`` (default): the patient is left out of every analysis (complete-case;
          the aggregate totals, the hierarchical model and the GLMs then use the same
          patients), with a :class:`~bayes_trials.errors.StatisticalWarning` naming them;
          their ids are kept in ``dropped``;
        - ``"keep"``: the patient's rows are used. In the hierarchical model they inform
          the mean log rate and the frailty sd (and, for an "after"-only patient, the
          common effect through the population baseline); in the aggregate totals
          (:meth:`totals`) their events and exposure are added to their period; the
          conditional Poisson (patient fixed-effects) analysis ignores them, as its
          conditional likelihood does;
        - ``"error"``: raise :class:`~bayes_trials.errors.DataError`.
    source : str, optional
        File the table came from, named in error messages.

    Raises
    ------
    DataError
        Missing column, NaN anywhere in the four columns, an unknown period label, negative
        or non-integer events, zero/negative/non-finite exposure, a duplicated
        (patient, period) pair, or an incomplete patient with ``incomplete="error"``. The
        message names the row (``row <position>`` counting from 0, and the ``line`` of a
        CSV file) and the field.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"patient": ["P1", "P1", "P2", "P2"],
    ...                    "period": ["before", "after", "before", "after"],
    ...                    "events": [4, 1, 6, 0], "exposure": [2.0, 1.75, 3.5, 1.75]})
    >>> d = PerPatientRates(df)
    >>> d.totals()
    PrePostRates(before=Rate(events=10, exposure=5.5), after=Rate(events=1, exposure=3.5))
    >>> bad = df.assign(events=[4, -1, 6, 0])
    >>> PerPatientRates(bad)
    Traceback (most recent call last):
    ...
    bayes_trials.errors.DataError: field 'events': row 1 (patient 'P1', period 'after'): must be a non-negative whole number, got -1
    """

    table: pd.DataFrame
    incomplete: str = "drop"
    source: str | None = None
    dropped: tuple = field(default=(), init=False)

    def __post_init__(self):
        v.one_of(self.incomplete, INCOMPLETE, "incomplete")
        clean, dropped = _validate_table(self.table, self.incomplete, self.source)
        object.__setattr__(self, "table", clean)
        object.__setattr__(self, "dropped", tuple(dropped))

    @classmethod
    def from_csv(cls, path, incomplete: str = "drop") -> PerPatientRates:
        """Read a CSV file (header ``patient,period,events,exposure``); errors name the file
        and the line."""
        try:
            table = pd.read_csv(path)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise DataError(f"cannot read the per-patient table: {err}", file=path) from None
        return cls(table, incomplete=incomplete, source=str(path))

    # --- views ----------------------------------------------------------------------------
    @property
    def patients(self) -> list:
        """Patient ids in order of first appearance (after dropping)."""
        return list(pd.unique(self.table["patient"]))

    @property
    def n_patients(self) -> int:
        return len(self.patients)

    def wide(self) -> pd.DataFrame:
        """One row per patient: ``events_before``, ``exposure_before``, ``events_after``,
        ``exposure_after`` (NaN for a period not observed, possible with
        ``incomplete="keep"``)."""
        t = self.table
        out = t.pivot(index="patient", columns="period", values=["events", "exposure"])
        out.columns = [f"{a}_{b}" for a, b in out.columns]
        cols = [f"{q}_{p}" for p in PERIODS for q in ("events", "exposure")]
        out = out.reindex(index=self.patients, columns=cols)
        return out

    def totals(self) -> PrePostRates:
        """Summed events and exposure per period (every row used)."""
        t = self.table
        parts = {}
        for period in PERIODS:
            rows = t[t["period"] == period]
            if rows.empty:
                raise DataError(f"no rows for period {period!r}", file=self.source, field="period")
            parts[period] = Rate(int(rows["events"].sum()), float(rows["exposure"].sum()))
        return PrePostRates(parts["before"], parts["after"])


def _validate_table(table, incomplete: str, source):
    if not isinstance(table, pd.DataFrame):
        raise DataError(
            f"needs a pandas DataFrame, got {type(table).__name__}", file=source, field="table"
        )
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"missing column(s) {missing}; a per-patient table needs {list(COLUMNS)}",
            file=source,
            field=missing[0],
        )
    if len(table) == 0:
        raise DataError("the per-patient table has no rows", file=source, field="table")
    t = table.reset_index(drop=True).copy()
    csv = source is not None

    def where(i) -> str:
        pid = t.at[i, "patient"]
        per = t.at[i, "period"]
        line = f", line {i + 2}" if csv else ""
        return f"row {i}{line} (patient {pid!r}, period {per!r})"

    events, exposure = [], []
    for i in range(len(t)):
        for col in COLUMNS:
            if _is_nan(t.at[i, col]):
                raise DataError(f"{where(i)}: missing value (NaN)", file=source, field=col)
        per = t.at[i, "period"]
        if per not in PERIODS:
            raise DataError(
                f"{where(i)}: period must be one of {list(PERIODS)}, got {per!r}",
                file=source,
                field="period",
            )
        for col, check, out in (("events", v.count, events), ("exposure", v.positive, exposure)):
            raw = t.at[i, col]
            if isinstance(raw, np.generic):
                raw = raw.item()
            if isinstance(raw, str) and csv:
                # one non-numeric cell makes pandas read the whole CSV column as text: parse
                # each cell, so that the error names the bad row, not the first one
                try:
                    raw = float(raw.strip())
                except ValueError:
                    raise DataError(
                        f"{where(i)}: must be a number, got {raw!r}", file=source, field=col
                    ) from None
            if not isinstance(raw, numbers.Real) or isinstance(raw, bool):
                raise DataError(
                    f"{where(i)}: must be a number, got {raw!r}", file=source, field=col
                )
            try:
                out.append(check(raw, col))
            except DataError as err:
                raise DataError(f"{where(i)}: {err.reason}", file=source, field=col) from None
    t["events"] = np.asarray(events, dtype=np.int64)
    t["exposure"] = np.asarray(exposure, dtype=float)
    dup = t.duplicated(["patient", "period"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"{where(i)}: a second row for the same patient and period", file=source, field="period"
        )
    n_periods = t.groupby("patient", sort=False)["period"].transform("size")
    lonely = list(pd.unique(t.loc[n_periods < 2, "patient"]))
    if lonely and incomplete == "error":
        i = int(np.flatnonzero((n_periods < 2).to_numpy())[0])
        raise DataError(
            f"{where(i)}: patient observed in one period only (incomplete patients: {lonely})",
            file=source,
            field="period",
        )
    if lonely and incomplete == "drop":
        warnings.warn(
            f"per-patient rates{' in ' + str(source) if source else ''}: dropped "
            f"{len(lonely)} patient(s) observed in one period only: {lonely}",
            StatisticalWarning,
            stacklevel=4,
        )
        t = t[n_periods >= 2].reset_index(drop=True)
        if t.empty:
            raise DataError("no patient is observed in both periods", file=source, field="period")
        return t, lonely
    return t, []
