"""The spec parser of a ``kind = "time_to_event"`` endpoint: patient data or a digitised curve.

The data come from one of two CSV forms, paths relative to the spec file:

- ``patients_csv``: one row per patient, a time column, an event column (1 event, 0
  censored) and optionally a group column (``time_column``, ``event_column``,
  ``group_column``, ``reference_group``);
- ``curve_csv`` (columns ``time``, ``survival``) and ``at_risk_csv`` (``time``,
  ``n_at_risk``), optionally ``total_events``: a digitised Kaplan-Meier curve, reconstructed
  into patients by :func:`bayes_trials.reconstruct_ipd` (Guyot et al. 2012); the patients are
  then ``derived`` from what was printed.

Then ``landmark`` (required), ``landmarks``, ``horizon``, ``target`` (survival at the
landmark to compare with), ``models``, ``cuts`` or ``n_pieces``, ``time_unit``: the schema
is :class:`TimeToEventTable`. See ``models/examples/illustrative_car_t_efs.toml``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field

from ..._schema import Number, Positive, PositiveCount, TagName, Text, forms
from ...data import TimeToEvent
from ...data.ipd import reconstruct_ipd, validate_at_risk, validate_curve
from ...errors import DataError, SpecError
from ...provenance import Defaults, Sourced, SourcedNumber
from ..table import Benchmarks, EndpointTable, Published
from .endpoint import TIME_UNITS, TimeToEventEndpoint
from .priors import MODELS


class TimeToEventTable(EndpointTable):
    """``kind = "time_to_event"``: patient times to an event (or a digitised Kaplan-Meier curve),
    fitted by exponential, Weibull and piecewise-exponential models."""

    kind: Literal["time_to_event"] = Field(description='"time_to_event".')
    tag: TagName = Field(
        description="Provenance of the data files (published, derived or assumed; data "
        "reconstructed from a published curve are derived)."
    )
    source: Text = Field(description="Where the data files come from.")
    patients_csv: Text | None = Field(
        None,
        description="Patient data, relative to the spec file: a time "
        "column, an event column (1 event, 0 censored), optionally a group.",
    )
    time_column: Text | None = Field(None, description="patients_csv's time column (default time).")
    event_column: Text | None = Field(
        None, description="patients_csv's event column (default event)."
    )
    group_column: Text | None = Field(None, description="patients_csv's group column (two groups).")
    reference_group: forms(text=Text, number=Number) | None = Field(
        None, description="The group hazard ratios are taken against (default: the first)."
    )
    curve_csv: Text | None = Field(
        None,
        description="A digitised Kaplan-Meier curve (columns time, "
        "survival), relative to the spec file, with at_risk_csv.",
    )
    at_risk_csv: Text | None = Field(
        None, description="Its numbers at risk (columns time, n_at_risk)."
    )
    total_events: SourcedNumber | None = Field(
        None, description="The curve's total events, if printed."
    )
    time_unit: Literal[TIME_UNITS] = Field("months", description="The data's time unit.")
    landmark: SourcedNumber = Field(
        description="The time at which survival is compared with the target."
    )
    landmarks: list[Positive] = Field(
        default_factory=list, description="Further times to report survival at."
    )
    horizon: SourcedNumber | None = Field(
        None, description="The restricted mean survival time's horizon."
    )
    target: SourcedNumber | None = Field(
        None,
        description="Survival at the landmark to compare with: "
        "P(S(landmark) > target) is reported.",
    )
    models: list[Literal[MODELS]] = Field(
        list(MODELS), min_length=1, description="The models to fit."
    )
    cuts: list[Positive] | None = Field(
        None,
        min_length=1,
        description="The piecewise model's cut points (increasing), or n_pieces.",
    )
    n_pieces: PositiveCount | None = Field(
        None, description="Pieces of equal events (default 4), or cuts."
    )
    published: Published
    benchmarks: Benchmarks


def _read_csv(base: Path, table, key: str):
    rel = getattr(table, key)
    path = (base / rel) if not Path(rel).is_absolute() else Path(rel)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise SpecError(
            f"no such file {str(path)!r} (paths are relative to the spec file)", field=key
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise SpecError(f"cannot read {str(path)!r}: {err}", field=key) from None
    if len(frame) == 0:
        raise SpecError(f"{str(path)!r} has no data rows", field=key)
    return path, frame


def _row_error(err: DataError, path: Path, key: str) -> SpecError:
    """A DataError about a data row, as a SpecError naming the file, the row and the line."""
    reason = err.reason
    m = re.match(r"row (\d+): (.*)", reason, flags=re.S)
    if m:
        i = int(m.group(1))
        reason = f"row {i} (line {i + 2} of the file, after the header): {m.group(2)}"
    fld = (err.field or "").split(".")[-1]
    return SpecError(f"{path}: {reason}", field=f"{key}.{fld}" if fld else key)


def _file_source(source: str, path: Path, base: Path) -> str:
    try:
        shown = path.resolve().relative_to(base)
    except ValueError:
        shown = path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{source} [file {shown}, sha256 {digest}]"


def _patients(table, base: Path, tag: str, source: str):
    for key in ("curve_csv", "at_risk_csv", "total_events"):
        if getattr(table, key) is not None:
            raise SpecError("only with a digitised curve (curve_csv)", field=key)
    path, frame = _read_csv(base, table, "patients_csv")
    cols = {}
    for key, default in (
        ("time_column", "time"),
        ("event_column", "event"),
        ("group_column", None),
    ):
        col = getattr(table, key) or default
        if col is None:
            continue
        if col not in frame.columns:
            raise SpecError(
                f"{path}: no column {col!r}; columns are {list(frame.columns)}",
                field=f"patients_csv.{col}",
            )
        cols[key] = col
    try:
        data = TimeToEvent(
            frame[cols["time_column"]].to_numpy(),
            frame[cols["event_column"]].to_numpy(),
            frame[cols["group_column"]].to_numpy() if "group_column" in cols else None,
        )
    except DataError as err:
        col = {
            "time": cols["time_column"],
            "event": cols["event_column"],
            "group": cols.get("group_column"),
        }.get(err.field, err.field)
        raise _row_error(DataError(err.reason, field=col), path, "patients_csv") from None
    return data, None, tag, _file_source(source, path, base), {}


def _curve(table, base: Path, defaults: Defaults, tag: str, source: str):
    for key in ("curve_csv", "at_risk_csv"):
        if getattr(table, key) is None:
            raise SpecError("a digitised curve needs both curve_csv and at_risk_csv", field=key)
    for key in ("group_column", "reference_group", "time_column", "event_column"):
        if getattr(table, key) is not None:
            raise SpecError(
                "only with patient data (patients_csv); a digitised curve is one group", field=key
            )
    cpath, cframe = _read_csv(base, table, "curve_csv")
    apath, aframe = _read_csv(base, table, "at_risk_csv")
    total = defaults.sourced(table.total_events, "total_events", required=False)
    try:
        validate_curve(cframe)
    except DataError as err:
        raise _row_error(err, cpath, "curve_csv") from None
    try:
        validate_at_risk(aframe)
    except DataError as err:
        raise _row_error(err, apath, "at_risk_csv") from None
    try:
        ipd = reconstruct_ipd(cframe, aframe, None if total is None else total.value)
    except DataError as err:
        raise SpecError(err.reason, field=err.field or "curve_csv") from None
    data = TimeToEvent(ipd["time"].to_numpy(), ipd["event"].to_numpy())
    reconstruction = {
        "curve": cframe,
        "at_risk": aframe,
        "ipd": ipd,
        "curve_csv": str(cpath),
        "at_risk_csv": str(apath),
    }
    # patient data reconstructed from a printed curve are derived from it
    data_tag = "derived" if tag == "published" else tag
    data_source = (
        f"reconstructed (Guyot et al. 2012) from the digitised curve and numbers at risk; "
        f"{_file_source(source, cpath, base)}; {_file_source(source, apath, base)}"
    )
    return (
        data,
        reconstruction,
        data_tag,
        data_source,
        ({} if total is None else {"total_events": total}),
    )


def _cuts(table):
    cuts = table.cuts
    if cuts is None:
        return None
    back = [i for i in range(1, len(cuts)) if cuts[i] <= cuts[i - 1]]
    if back:
        raise SpecError(
            f"cut points must increase: {cuts[back[0]]:g} after {cuts[back[0] - 1]:g}",
            field=f"cuts[{back[0]}]",
        )
    return tuple(cuts)


def time_to_event_from_spec(table: TimeToEventTable, defaults: Defaults, name: str, base_dir=None):
    """Build a :class:`TimeToEventEndpoint` from a validated ``kind = "time_to_event"`` table.

    Returns ``(endpoint, provenance)``; provenance maps each number (``landmark``,
    ``horizon``, ``target``, ``total_events``, and the data's ``n`` and ``events``) to a
    :class:`~bayes_trials.provenance.Sourced`. Data files are read relative to the spec
    file (``base_dir``).

    Raises
    ------
    SpecError
        Naming the field (``patients_csv.time``, ``curve_csv.survival``,
        ``at_risk_csv.n_at_risk``, ``landmark``, ...) and, for bad data, the file, the row
        and its line.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    tag, source = table.tag, table.source
    patients = table.patients_csv is not None
    if patients == (table.curve_csv is not None or table.at_risk_csv is not None):
        raise SpecError(
            "give either patients_csv (patient data) or curve_csv and at_risk_csv "
            "(a digitised Kaplan-Meier curve and its numbers at risk)",
            field="patients_csv" if patients else "curve_csv",
        )
    data, reconstruction, data_tag, data_source, provenance = (
        _patients(table, base, tag, source)
        if patients
        else _curve(table, base, defaults, tag, source)
    )
    provenance["n"] = Sourced(value=data.n, tag=data_tag, source=data_source)
    provenance["events"] = Sourced(value=data.events, tag=data_tag, source=data_source)
    landmark = defaults.sourced(table.landmark, "landmark")
    provenance["landmark"] = landmark
    optional = {
        k: defaults.sourced(getattr(table, k), k, required=False) for k in ("horizon", "target")
    }
    provenance.update({k: q for k, q in optional.items() if q is not None})
    cuts = _cuts(table)
    if table.n_pieces is not None and cuts is not None:
        raise SpecError("give cuts or n_pieces, not both", field="n_pieces")
    value = {k: None if q is None else q.value for k, q in optional.items()}
    try:
        ep = TimeToEventEndpoint(
            name=name,
            data=data,
            landmark=landmark.value,
            landmarks=tuple(table.landmarks),
            horizon=value["horizon"],
            target=value["target"],
            models=tuple(table.models),
            cuts=cuts,
            n_pieces=4 if table.n_pieces is None else table.n_pieces,
            reference_group=table.reference_group,
            time_unit=table.time_unit,
            label=table.label or name,
            reconstruction=reconstruction,
        )
    except DataError as err:
        raise SpecError(err.reason, field=err.field) from None
    return ep, provenance
