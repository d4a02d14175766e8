"""The spec format of an adverse-event endpoint::

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
>>> raw = {"events": [{"term": "ICANS", "group": "immune effector", "count": 0, "n": 12, "percent": 0}],
...        "hierarchical": {"tau": 0.5, "tag": "assumed", "rationale": "tau fixed"}}
>>> ep, prov = adverse_events_from_spec(raw, {"tag": "published", "source": "abstract"}, "safety")
>>> ep.describe_data(), ep.hierarchical_prior.tau, prov["ICANS: count"].tag, ep.printed[0][0]
('1 events in 1 groups, n = 12', 0.5, 'published', 'ICANS')
"""

from __future__ import annotations

import csv
from pathlib import Path

from ... import _validate as v
from ...data import AdverseEventTable
from ...errors import DataError, SpecError
from ...provenance import Sourced, sourced
from .endpoint import AdverseEventsEndpoint
from .priors import FIELDS, hierarchical_from_spec

_ROW_KEYS = {"term", "group", "count", "n", "percent", "decimals", "tag", "source"}


def _check_row(term, group, count, n, where):
    """Validate one row through :class:`AdverseEventTable`; SpecError naming the row's field."""
    try:
        AdverseEventTable([(term, group, count, n)])
    except DataError as err:
        reason = err.reason.split(": ", 1)[1] if err.reason.startswith("row 1") else err.reason
        label = f"term {term!r}: " if isinstance(term, str) and term.strip() else ""
        raise SpecError(f"{label}{reason}", field=f"{where}.{err.field}") from None


def _printed_percent(raw: dict, where: str):
    """Optional ``percent`` (the printed percentage) and ``decimals`` (default 0) of a row."""
    if "percent" not in raw:
        return None
    value = v.finite_real(raw["percent"], f"{where}.percent", SpecError)
    if not 0 <= value <= 100:
        raise SpecError(f"must lie between 0 and 100, got {value:g}", field=f"{where}.percent")
    decimals = raw.get("decimals", 0)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise SpecError(f"must be a whole number >= 0, got {decimals!r}", field=f"{where}.decimals")
    return value, decimals


def _read_csv_rows(path: Path) -> list[dict]:
    try:
        fh = path.open(newline="")
    except OSError as err:
        raise SpecError(f"cannot read the adverse-event table {str(path)!r}: {err.strerror}",
                        field="events_csv") from None
    with fh:
        reader = csv.DictReader(fh)
        need = ("term", "group", "count", "n", "tag", "source")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise SpecError(f"missing column(s) {missing}; the header needs {list(need)} "
                            "(and optionally percent, decimals)", file=path, field="events_csv")
        rows = []
        for r in reader:
            row = {k: (r.get(k) or "").strip() for k in reader.fieldnames if k in _ROW_KEYS}
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


def _rows(raw: dict, base_dir) -> tuple[list, str, Path | None]:
    """The table's rows, the field that names them, and the CSV file (None inline)."""
    if ("events" in raw) == ("events_csv" in raw):
        raise SpecError("give the adverse-event table either inline ([[endpoints.events]]) or "
                        "as events_csv = 'path relative to the spec'", field="events")
    if "events_csv" in raw:
        rel = raw["events_csv"]
        if not isinstance(rel, str) or not rel.strip():
            raise SpecError("must be a path (relative to the spec file)", field="events_csv")
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        file = (base / rel).resolve()
        return _read_csv_rows(file), "events_csv", file
    rows = raw["events"]
    if not isinstance(rows, list) or not rows:
        raise SpecError("needs a non-empty list of [[endpoints.events]] tables "
                        "(term, group, count, n, tag, source)", field="events")
    return rows, "events", None


def _parse_row(i: int, row, prefix: str, defaults: dict, seen: dict):
    """One row: ``(term, group, count Sourced, n Sourced, printed percent or None)``."""
    where = f"{prefix}[{i}]"
    if not isinstance(row, dict):
        raise SpecError("must be a table (term, group, count, n, tag, source)", field=where)
    unknown = sorted(set(row) - _ROW_KEYS)
    if unknown:
        raise SpecError(f"unknown column(s) {unknown}", field=where)
    term = row.get("term")
    row_defaults = {"tag": row.get("tag") or defaults.get("tag"),
                    "source": row.get("source") or defaults.get("source")}
    q = {}
    for key in ("count", "n"):
        if isinstance(row.get(key), str):
            raise SpecError(f"term {term!r}: must be a number, got {row[key]!r}", field=f"{where}.{key}")
        try:
            q[key] = sourced(row, key, row_defaults)
        except SpecError as err:
            raise SpecError(f"term {term!r}: {err.reason}", field=f"{where}.{err.field}") from None
    _check_row(term, row.get("group"), q["count"].value, q["n"].value, where)
    term = term.strip()
    key = term.casefold()
    if key in seen:
        raise SpecError(f"term {term!r} repeats {prefix}[{seen[key]}]: each event term "
                        "appears once", field=f"{where}.term")
    seen[key] = i
    return term, row["group"].strip(), q["count"], q["n"], _printed_percent(row, where)


def adverse_events_from_spec(raw: dict, defaults: dict, name: str, base_dir=None):
    """Parse a ``kind = "adverse_events"`` endpoint table: ``(endpoint, provenance)``.

    The table is given inline (``[[endpoints.events]]``: term, group, count, n, optional
    percent/decimals, tag, source) or as ``events_csv``, a CSV with those columns whose path
    is relative to ``base_dir``, the spec file's folder (the working directory when None).
    ``[endpoints.hierarchical]`` states the hyperpriors of the three-level model; each
    ``[[endpoints.benchmarks]]`` names the ``term`` it compares with; ``caveats`` is text
    printed with the benchmark comparisons. Provenance keys: ``<term>: count``,
    ``<term>: n`` and ``model: mu / tau / sigma``.

    Raises
    ------
    SpecError
        Naming the row as ``events[2].count`` (CSV: ``events_csv[2].count``, the file being
        the CSV, the message giving its line): no rows, a missing term or group, a negative,
        fractional or NaN count, n = 0, a count above n, a duplicate term, a missing tag or
        source, an unknown benchmark term, bad hyperpriors.
    """
    if "published" in raw:
        raise SpecError("an adverse-event endpoint states the printed percentages on its rows "
                        "(events[i].percent), not in [[endpoints.published]]", field="published")
    rows, prefix, file = _rows(raw, base_dir)
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
    table = AdverseEventTable(table_rows, source=file, endpoint=name)
    hprior, htag, hrationale = hierarchical_from_spec(raw.get("hierarchical"))
    for key in FIELDS:
        provenance[f"model: {key}"] = Sourced(value=repr(getattr(hprior, key)), tag=htag,
                                              source=hrationale)
    terms = {t.casefold(): t for t in table.terms}
    benchmark_terms = []
    for i, b in enumerate(raw.get("benchmarks", []) or []):
        if not isinstance(b, dict):
            continue  # the generic benchmark parser names this error
        term = b.get("term")
        if not isinstance(term, str) or term.strip().casefold() not in terms:
            raise SpecError(f"a benchmark of an adverse-event endpoint names the event term it "
                            f"compares with; terms: {list(table.terms)}, got {term!r}",
                            field=f"benchmarks[{i}].term")
        benchmark_terms.append((b.get("name"), terms[term.strip().casefold()]))
    if raw.get("direction", "less") != "less":
        raise SpecError("adverse events are harms: direction must be 'less'", field="direction")
    caveats = raw.get("caveats", "")
    if not isinstance(caveats, str):
        raise SpecError(f"must be text, got {caveats!r}", field="caveats")
    endpoint = AdverseEventsEndpoint(name=name, table=table, label=raw.get("label", name),
                                     hierarchical_prior=hprior, printed=tuple(printed.items()),
                                     benchmark_terms=tuple(benchmark_terms), caveats=caveats.strip())
    return endpoint, provenance
