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
landmark to compare with), ``models``, ``cuts`` or ``n_pieces``, ``time_unit``. See
``models/examples/illustrative_car_t_efs.toml``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from ... import _validate as v
from ...data import TimeToEvent
from ...data.ipd import reconstruct_ipd, validate_at_risk, validate_curve
from ...errors import DataError, SpecError
from ...provenance import Sourced, sourced
from .endpoint import TIME_UNITS, TimeToEventEndpoint
from .priors import MODELS

KNOWN = {"id", "kind", "label", "tag", "source", "notes", "priors", "published", "benchmarks",
         "patients_csv", "time_column", "event_column", "group_column", "reference_group",
         "curve_csv", "at_risk_csv", "total_events", "time_unit", "landmark", "landmarks",
         "horizon", "target", "models", "cuts", "n_pieces"}


def _read_csv(base: Path, raw: dict, key: str):
    rel = raw[key]
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(f"must be a path (relative to the spec file), got {rel!r}", field=key)
    path = (base / rel) if not Path(rel).is_absolute() else Path(rel)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise SpecError(f"no such file {str(path)!r} (paths are relative to the spec file)",
                        field=key) from None
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


def _patients(raw: dict, base: Path, tag: str, source: str):
    for key in ("curve_csv", "at_risk_csv", "total_events"):
        if key in raw:
            raise SpecError("only with a digitised curve (curve_csv)", field=key)
    path, frame = _read_csv(base, raw, "patients_csv")
    cols = {}
    for key, default in (("time_column", "time"), ("event_column", "event"), ("group_column", None)):
        col = raw.get(key, default)
        if col is None:
            continue
        if not isinstance(col, str) or col not in frame.columns:
            raise SpecError(f"{path}: no column {col!r}; columns are {list(frame.columns)}",
                            field=f"patients_csv.{col}" if isinstance(col, str) else key)
        cols[key] = col
    try:
        data = TimeToEvent(frame[cols["time_column"]].to_numpy(), frame[cols["event_column"]].to_numpy(),
                           frame[cols["group_column"]].to_numpy() if "group_column" in cols else None)
    except DataError as err:
        col = {"time": cols["time_column"], "event": cols["event_column"],
               "group": cols.get("group_column")}.get(err.field, err.field)
        raise _row_error(DataError(err.reason, field=col), path, "patients_csv") from None
    return data, None, tag, _file_source(source, path, base), {}


def _curve(raw: dict, base: Path, defaults: dict, tag: str, source: str):
    for key in ("curve_csv", "at_risk_csv"):
        if key not in raw:
            raise SpecError("a digitised curve needs both curve_csv and at_risk_csv", field=key)
    for key in ("group_column", "reference_group", "time_column", "event_column"):
        if key in raw:
            raise SpecError("only with patient data (patients_csv); a digitised curve is one group",
                            field=key)
    cpath, cframe = _read_csv(base, raw, "curve_csv")
    apath, aframe = _read_csv(base, raw, "at_risk_csv")
    total = sourced(raw, "total_events", defaults, required=False)
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
    reconstruction = {"curve": cframe, "at_risk": aframe, "ipd": ipd,
                      "curve_csv": str(cpath), "at_risk_csv": str(apath)}
    # patient data reconstructed from a printed curve are derived from it
    data_tag = "derived" if tag == "published" else tag
    data_source = (f"reconstructed (Guyot et al. 2012) from the digitised curve and numbers at risk; "
                   f"{_file_source(source, cpath, base)}; {_file_source(source, apath, base)}")
    return data, reconstruction, data_tag, data_source, ({} if total is None else {"total_events": total})


def _cuts(raw: dict):
    cuts = raw.get("cuts")
    if cuts is None:
        return None
    if not isinstance(cuts, list) or not cuts:
        raise SpecError("must be a non-empty list of increasing times", field="cuts")
    for i, c in enumerate(cuts):
        v.positive(c, f"cuts[{i}]", SpecError)
    back = [i for i in range(1, len(cuts)) if cuts[i] <= cuts[i - 1]]
    if back:
        raise SpecError(f"cut points must increase: {cuts[back[0]]:g} after {cuts[back[0] - 1]:g}",
                        field=f"cuts[{back[0]}]")
    return tuple(cuts)


def time_to_event_from_spec(raw: dict, defaults: dict, name: str, base_dir=None):
    """Build a :class:`TimeToEventEndpoint` from a ``[[endpoints]]`` table (``kind = "time_to_event"``).

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
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise SpecError(f"unknown field(s) {unknown} for a time_to_event endpoint", field=unknown[0])
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    if defaults.get("tag") is None or not defaults.get("source"):
        raise SpecError("a time_to_event endpoint needs 'tag' and 'source' for its data file",
                        field="source")
    tag, source = defaults["tag"], defaults["source"]
    patients = "patients_csv" in raw
    if patients == ("curve_csv" in raw or "at_risk_csv" in raw):
        raise SpecError("give either patients_csv (patient data) or curve_csv and at_risk_csv "
                        "(a digitised Kaplan-Meier curve and its numbers at risk)",
                        field="patients_csv" if patients else "curve_csv")
    data, reconstruction, data_tag, data_source, provenance = (
        _patients(raw, base, tag, source) if patients else _curve(raw, base, defaults, tag, source))
    provenance["n"] = Sourced(value=data.n, tag=data_tag, source=data_source)
    provenance["events"] = Sourced(value=data.events, tag=data_tag, source=data_source)
    landmark = sourced(raw, "landmark", defaults)
    provenance["landmark"] = landmark
    optional = {k: sourced(raw, k, defaults, required=False) for k in ("horizon", "target")}
    provenance.update({k: q for k, q in optional.items() if q is not None})
    landmarks = raw.get("landmarks", [])
    if not isinstance(landmarks, list):
        raise SpecError("must be a list of times", field="landmarks")
    for i, t in enumerate(landmarks):
        v.positive(t, f"landmarks[{i}]", SpecError)
    models = raw.get("models", list(MODELS))
    if not isinstance(models, list) or not models:
        raise SpecError(f"must be a non-empty list drawn from {list(MODELS)}", field="models")
    for i, m in enumerate(models):
        v.one_of(m, MODELS, f"models[{i}]", SpecError)
    cuts = _cuts(raw)
    n_pieces = raw.get("n_pieces", 4)
    if "n_pieces" in raw and cuts is not None:
        raise SpecError("give cuts or n_pieces, not both", field="n_pieces")
    if v.count(n_pieces, "n_pieces", SpecError) < 1:
        raise SpecError("must be at least 1", field="n_pieces")
    time_unit = v.one_of(raw.get("time_unit", "months"), TIME_UNITS, "time_unit", SpecError)
    value = {k: None if q is None else q.value for k, q in optional.items()}
    try:
        ep = TimeToEventEndpoint(
            name=name, data=data, landmark=landmark.value, landmarks=tuple(landmarks),
            horizon=value["horizon"], target=value["target"], models=tuple(models), cuts=cuts,
            n_pieces=n_pieces, reference_group=raw.get("reference_group"), time_unit=time_unit,
            label=raw.get("label", name), reconstruction=reconstruction)
    except DataError as err:
        raise SpecError(err.reason, field=err.field) from None
    return ep, provenance
