"""The spec format of an adverse-event endpoint (:class:`AdverseEventsTable`)::

    [[endpoints]]
    id = "adverse_events_grade3"
    kind = "adverse_events"
    priors = ["uniform", "jeffreys"]         # Beta priors of the independent analyses (and any
                                             # named ae_hierarchical hyperpriors)
    caveats = "..."                          # optional: printed with the benchmark comparisons

    [[endpoints.events]]                     # one table per event term (or: events_csv)
    term = "neutropenia"
    group = "haematological"
    count = 12
    n = 12
    percent = 100                            # optional: the printed percentage, recomputed
    tag = "published"
    source = "..."

    events_csv = "data/trial_ae.csv"         # instead of [[endpoints.events]]: columns
                                             # term,group,count,n,tag,source[,percent,decimals];
                                             # the path is relative to the spec file

    [endpoints.hierarchical]                 # hyperpriors of the three-level model
    mu = { mean = 0, sd = 2 }                # (see bayes_trials.endpoints.adverse_events.priors)
    tau = { family = "halfcauchy", scale = 1 }
    sigma = { family = "halfnormal", scale = 1 }
    tag = "assumed"
    rationale = "..."

    [[endpoints.benchmarks]]                 # the usual benchmark table, plus the term
    name = "..."
    term = "ICANS"
    ...

Example
-------
>>> from bayes_trials.provenance import Defaults
>>> table = AdverseEventsTable.model_validate({"id": "safety", "kind": "adverse_events",
...     "events": [{"term": "ICANS", "group": "immune effector", "count": 0, "n": 12, "percent": 0}],
...     "hierarchical": {"tau": 0.5, "tag": "assumed", "rationale": "tau fixed"}})
>>> ep, prov = adverse_events_from_spec(table, Defaults("published", "abstract"), "safety")
>>> ep.describe_data(), ep.hierarchical_prior.tau, prov["ICANS: count"].tag, ep.printed[0][0]
('1 events in 1 groups, n = 12', 0.5, 'published', 'ICANS')
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from pydantic import Field

from ..._schema import Count, Percent, SpecModel, TagName, Text, validate
from ...data import AdverseEventTable
from ...errors import DataError, SpecError
from ...provenance import BenchmarkTable, Defaults, Sourced, SourcedNumber
from ..table import EndpointTable
from .endpoint import AdverseEventsEndpoint
from .priors import FIELDS, HierarchicalTable, hierarchical_from_spec


class EventRow(SpecModel):
    """``[[endpoints.events]]`` (or a row of ``events_csv``): one event term."""

    term: Text = Field(description="The event term (each appears once, case ignored).")
    group: Text = Field(
        description="Its group (body system): events of a group borrow from each other."
    )
    count: SourcedNumber = Field(description="Patients with the event.")
    n: SourcedNumber = Field(description="Patients at risk.")
    percent: Percent | None = Field(
        None, description="The printed percentage, recomputed and checked."
    )
    decimals: Count = Field(0, description="Decimals of the printed percentage.")
    tag: TagName | None = Field(
        None, description="Provenance of the counts (default: the endpoint's tag)."
    )
    source: Text | None = Field(
        None, description="Source of the counts (default: the endpoint's source)."
    )


class AdverseEventsBenchmark(BenchmarkTable):
    """A benchmark rate of one event term."""

    term: Text = Field(description="The event term it compares with.")


class AdverseEventsTable(EndpointTable):
    """``kind = "adverse_events"``: a safety table of event counts out of n, grouped by body system."""

    unknown_keys = {
        **EndpointTable.unknown_keys,
        "published": "an adverse-event endpoint states the printed percentages on its rows "
        "(events[i].percent), not in [[endpoints.published]]",
    }

    kind: Literal["adverse_events"] = Field(description='"adverse_events".')
    events: list[EventRow] | None = Field(
        None, min_length=1, description=("The table, one row per event term (or events_csv).")
    )
    events_csv: Text | None = Field(
        None,
        description=(
            "The table as a CSV file, relative to the spec file: columns term, group, count, n, tag, "
            "source (optionally percent, decimals)."
        ),
    )
    hierarchical: HierarchicalTable | None = Field(
        None,
        description=(
            "Hyperpriors of the three-level hierarchical model (default: mu ~ Normal(0, 2), tau, "
            "sigma ~ HalfNormal(1), tagged assumed)."
        ),
    )
    caveats: str = Field("", description="Printed with the benchmark comparisons.")
    benchmarks: list[AdverseEventsBenchmark] = Field(
        default_factory=list, description=("External rates of an event term to compare with.")
    )
    direction: Literal["less"] = Field("less", description='Adverse events are harms: "less".')


def _check_row(term, group, count, n, where):
    """Validate one row through :class:`AdverseEventTable`; SpecError naming the row's field."""
    try:
        AdverseEventTable([(term, group, count, n)])
    except DataError as err:
        reason = err.reason.split(": ", 1)[1] if err.reason.startswith("row 1") else err.reason
        raise SpecError(f"term {term!r}: {reason}", field=f"{where}.{err.field}") from None


def _read_csv_rows(path: Path) -> list[dict]:
    try:
        fh = path.open(newline="")
    except OSError as err:
        raise SpecError(
            f"cannot read the adverse-event table {str(path)!r}: {err.strerror}", field="events_csv"
        ) from None
    keys = set(EventRow.model_fields)
    with fh:
        reader = csv.DictReader(fh)
        need = ("term", "group", "count", "n", "tag", "source")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise SpecError(
                f"missing column(s) {missing}; the header needs {list(need)} "
                "(and optionally percent, decimals)",
                file=path,
                field="events_csv",
            )
        rows = []
        for r in reader:
            row = {k: (r.get(k) or "").strip() for k in reader.fieldnames if k in keys}
            for col in ("count", "n", "percent", "decimals"):
                if col in row:
                    if col in ("percent", "decimals") and row[col] == "":
                        del row[col]
                        continue
                    try:
                        num = float(row[col])
                        row[col] = int(num) if col == "decimals" and num == int(num) else num
                    except ValueError:
                        pass  # refused with its line below
            rows.append(row)
    if not rows:
        raise SpecError("the adverse-event table has no rows", file=path, field="events_csv")
    return rows


def _rows(table: AdverseEventsTable, base_dir) -> tuple[list, str, Path | None]:
    """The table's rows (EventRow, or dicts from the CSV), the field that names them, and the
    CSV file (None inline)."""
    if (table.events is None) == (table.events_csv is None):
        raise SpecError(
            "give the adverse-event table either inline ([[endpoints.events]]) or "
            "as events_csv = 'path relative to the spec'",
            field="events",
        )
    if table.events_csv is not None:
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        file = (base / table.events_csv).resolve()
        return _read_csv_rows(file), "events_csv", file
    return table.events, "events", None


def _parse_row(i: int, row, prefix: str, defaults: Defaults, seen: dict):
    """One row: ``(term, group, count Sourced, n Sourced, printed percent or None)``."""
    where = f"{prefix}[{i}]"
    if isinstance(row, dict):  # a CSV row
        label = row.get("term") if isinstance(row.get("term"), str) and row.get("term") else None
        row, found = validate(EventRow, row)
        if found:
            parts, msg = found[0]
            raise SpecError(
                f"{'term ' + repr(label) + ': ' if label else ''}{msg}",
                field=f"{where}.{'.'.join(map(str, parts))}",
            )
    row_defaults = Defaults(row.tag or defaults.tag, row.source or defaults.source)
    q = {}
    for key in ("count", "n"):
        try:
            q[key] = row_defaults.sourced(getattr(row, key), key)
        except SpecError as err:
            raise SpecError(
                f"term {row.term!r}: {err.reason}", field=f"{where}.{err.field}"
            ) from None
    _check_row(row.term, row.group, q["count"].value, q["n"].value, where)
    term = row.term.strip()
    key = term.casefold()
    if key in seen:
        raise SpecError(
            f"term {term!r} repeats {prefix}[{seen[key]}]: each event term appears once",
            field=f"{where}.term",
        )
    seen[key] = i
    printed = None if row.percent is None else (row.percent, row.decimals)
    return term, row.group.strip(), q["count"], q["n"], printed


def adverse_events_from_spec(
    table: AdverseEventsTable, defaults: Defaults, name: str, base_dir=None
):
    """A validated ``kind = "adverse_events"`` table into ``(endpoint, provenance)``.

    The event table is inline (``[[endpoints.events]]``) or ``events_csv``, a CSV with the
    same columns whose path is relative to ``base_dir``, the spec file's folder (the working
    directory when None). Provenance keys: ``<term>: count``, ``<term>: n`` and
    ``model: mu / tau / sigma``.

    Raises
    ------
    SpecError
        Naming the row as ``events[2].count`` (CSV: ``events_csv[2].count``, the file being
        the CSV, the message giving its line): a negative, fractional or NaN count, n = 0, a
        count above n, a duplicate term, a missing tag or source, an unknown benchmark term.
    """
    rows, prefix, file = _rows(table, base_dir)
    provenance, table_rows, printed, seen = {}, [], {}, {}
    for i, row in enumerate(rows):
        try:
            term, group, count, n, pp = _parse_row(i, row, prefix, defaults, seen)
        except SpecError as err:
            if file is not None:
                raise SpecError(f"line {i + 2}: {err.reason}", file=file, field=err.field) from None
            raise
        if pp is not None:
            printed[term] = (*pp, count.tag, count.source)
        provenance[f"{term}: count"] = count
        provenance[f"{term}: n"] = n
        table_rows.append((term, group, count.value, n.value))
    events = AdverseEventTable(table_rows, source=file, endpoint=name)
    hprior, htag, hrationale = hierarchical_from_spec(table.hierarchical)
    for key in FIELDS:
        provenance[f"model: {key}"] = Sourced(
            value=repr(getattr(hprior, key)), tag=htag, source=hrationale
        )
    terms = {t.casefold(): t for t in events.terms}
    benchmark_terms = []
    for i, b in enumerate(table.benchmarks):
        if b.term.strip().casefold() not in terms:
            raise SpecError(
                f"a benchmark of an adverse-event endpoint names the event term it "
                f"compares with; terms: {list(events.terms)}, got {b.term!r}",
                field=f"benchmarks[{i}].term",
            )
        benchmark_terms.append((b.name, terms[b.term.strip().casefold()]))
    endpoint = AdverseEventsEndpoint(
        name=name,
        table=events,
        label=table.label or name,
        hierarchical_prior=hprior,
        printed=tuple(printed.items()),
        benchmark_terms=tuple(benchmark_terms),
        caveats=table.caveats.strip(),
    )
    return endpoint, provenance
