"""The spec parsers of the rate kinds: ``kind = "rate_ratio"`` and ``kind = "rate_ratio_patients"``.

Each takes the endpoint's ``[[endpoints]]`` table (``raw``), the table's default ``tag`` and
``source`` for bare numbers, the endpoint's id and the spec's folder, and returns
``(endpoint, provenance)``: every number the endpoint uses with its tag and source
(:class:`~bayes_trials.provenance.Sourced`).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

import pandas as pd

from ... import _validate as v
from ..._constants import DIRECTIONS
from ...data import PerPatientRates, PrePostRates, Rate
from ...errors import BayesTrialsError, DataError, SpecError, StatisticalWarning
from ...provenance import Sourced, sourced
from .endpoint import RateRatioEndpoint
from .patients import PatientRateRatioEndpoint
from .scenarios import parse_scenarios

#: the fields of a ``kind = "rate_ratio"`` endpoint table
RATE_RATIO_FIELDS = {"id", "kind", "label", "tag", "source", "notes", "priors", "published", "benchmarks",
                     "decision", "events_before", "exposure_before", "events_after", "exposure_after",
                     "target", "direction", "scenarios"}
#: the fields of a ``kind = "rate_ratio_patients"`` endpoint table
PATIENT_FIELDS = {"id", "kind", "label", "tag", "source", "notes", "priors", "published", "patients_csv",
                  "incomplete", "varying_effect", "overdispersion", "target", "direction"}
#: ``incomplete`` in a spec -> :class:`PerPatientRates` ``incomplete``
SPEC_INCOMPLETE = {"drop": "drop", "use": "keep", "error": "error"}


def _unknown(raw: dict, known: set, kind: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SpecError(f"unknown field(s) {unknown} for a {kind} endpoint; allowed: {sorted(known)}",
                        field=unknown[0])


def _target(raw: dict, defaults: dict) -> Sourced | None:
    target = sourced(raw, "target", defaults, required=False)
    if target is not None:
        v.positive(target.value, "target", SpecError)
    return target


def rate_ratio_from_spec(raw: dict, defaults: dict, name: str, base_dir=None):
    """``[[endpoints]]`` with ``kind = "rate_ratio"`` -> ``(endpoint, provenance)``.

    Fields: ``events_before``, ``exposure_before``, ``events_after``, ``exposure_after``
    (each a number with its provenance), ``target`` (a rate ratio, default 1), ``direction``
    (default ``"less"``), ``label``, ``notes``, ``priors``, ``published``, and, when the counts
    are an assumed scenario, ``[endpoints.scenarios]`` (:class:`~bayes_trials.endpoints.rates.scenarios.ScenarioGrid`):
    the grid of assumed numbers the report's scenario sweep covers.

    >>> ep, prov = rate_ratio_from_spec(
    ...     {"events_before": 30, "exposure_before": 20.0, "events_after": 5, "exposure_after": 10.0,
    ...      "target": 0.5}, {"tag": "assumed", "source": "a scenario"}, "x")
    >>> ep.describe_data(), prov["events_after"].tag
    ('30 events / 20 before, 5 / 10 after', 'assumed')
    """
    _unknown(raw, RATE_RATIO_FIELDS, "rate_ratio")
    fields = ("events_before", "exposure_before", "events_after", "exposure_after")
    q = {f: sourced(raw, f, defaults) for f in fields}
    target = _target(raw, defaults)
    provenance = dict(q)
    if target is not None:
        provenance["target"] = target
    periods = {}
    for period in ("before", "after"):
        try:
            periods[period] = Rate(q[f"events_{period}"].value, q[f"exposure_{period}"].value)
        except BayesTrialsError as err:
            raise SpecError(err.reason, field=f"{err.field}_{period}") from None
    scenarios = None if "scenarios" not in raw else parse_scenarios(raw["scenarios"], "scenarios")
    endpoint = RateRatioEndpoint(
        name=name, data=PrePostRates(periods["before"], periods["after"]),
        target=1.0 if target is None else target.value,
        direction=raw.get("direction", "less"), label=raw.get("label", name), scenarios=scenarios)
    return endpoint, provenance


def _read_patients_csv(base: Path, rel):
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(f"must be a path (relative to the spec file), got {rel!r}", field="patients_csv")
    path = Path(rel) if Path(rel).is_absolute() else Path(base) / rel
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"no such file {str(path)!r} (paths are relative to the spec file)",
                        field="patients_csv") from None
    except OSError as err:
        raise SpecError(f"cannot read {str(path)!r}: {err.strerror}", field="patients_csv") from None
    try:
        frame = pd.read_csv(io.BytesIO(blob))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise SpecError(f"cannot read {str(path)!r} as CSV: {err}", field="patients_csv") from None
    return path, frame, hashlib.sha256(blob).hexdigest()


def patient_rates_from_spec(raw: dict, defaults: dict, name: str, base_dir=None):
    """``[[endpoints]]`` with ``kind = "rate_ratio_patients"`` -> ``(endpoint, provenance)``.

    Fields: ``patients_csv`` (path relative to the spec file; columns ``patient``, ``period``
    in {``before``, ``after``}, ``events``, ``exposure`` in patient-years; other columns are
    kept but unused), ``incomplete`` (``"drop"``, default: a patient seen in one period only is
    left out of every analysis; ``"use"``: its rows inform the hierarchical model's baseline
    and frailty and the aggregate totals, not the conditional Poisson analysis; ``"error"``),
    ``varying_effect`` (default false), ``overdispersion`` (default true), ``target`` (a rate
    ratio, default 1), ``direction`` (``"less"``), ``tag`` and ``source`` of the file (required),
    ``label``, ``notes``, ``priors``, ``published``.

    The provenance records the file name and its sha256 with every number read from it:
    ``patients`` and the totals ``events_before``, ``exposure_before``, ``events_after``,
    ``exposure_after``.

    Raises
    ------
    SpecError
        Naming the field (``patients_csv.events``, ``incomplete``, ...) and, for bad rows,
        the CSV file, the row and its line. Nothing is built when anything is wrong.
    """
    _unknown(raw, PATIENT_FIELDS, "rate_ratio_patients")
    if defaults.get("tag") is None or not defaults.get("source"):
        raise SpecError("a rate_ratio_patients endpoint needs 'tag' and 'source' for its data file",
                        field="source")
    if "patients_csv" not in raw:
        raise SpecError("missing field: the per-patient table (CSV, relative to the spec file)",
                        field="patients_csv")
    incomplete = v.one_of(raw.get("incomplete", "drop"), tuple(SPEC_INCOMPLETE), "incomplete", SpecError)
    switches = {}
    for key, default in (("varying_effect", False), ("overdispersion", True)):
        val = raw.get(key, default)
        if not isinstance(val, bool):
            raise SpecError(f"must be true or false, got {val!r}", field=key)
        switches[key] = val
    direction = v.one_of(raw.get("direction", "less"), DIRECTIONS, "direction", SpecError)
    target = _target(raw, defaults)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    path, frame, digest = _read_patients_csv(base, raw["patients_csv"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        try:
            data = PerPatientRates(frame, incomplete=SPEC_INCOMPLETE[incomplete], source=str(path))
        except DataError as err:
            raise SpecError(f"{path}: {err.reason}", field=f"patients_csv.{err.field}") from None
    for w in caught:  # re-issue the dropped-patient warning from here
        warnings.warn(str(w.message), StatisticalWarning, stacklevel=3)
    try:
        shown = path.resolve().relative_to(base.resolve())
    except ValueError:
        shown = path
    how = {"drop": "patients seen in one period only dropped", "use": "patients seen in one period only used",
           "error": "patients seen in one period only refused"}[incomplete]
    dropped = f" ({len(data.dropped)} dropped: {', '.join(map(str, data.dropped))})" if data.dropped else ""
    data_source = f"{defaults['source']} [file {shown}, sha256 {digest[:12]}; {how}{dropped}]"
    tot = data.totals()
    tag = defaults["tag"]
    provenance = {"patients": Sourced(data.n_patients, tag, data_source),
                  "events_before": Sourced(tot.before.events, tag, data_source),
                  "exposure_before": Sourced(round(tot.before.exposure, 6), tag, data_source),
                  "events_after": Sourced(tot.after.events, tag, data_source),
                  "exposure_after": Sourced(round(tot.after.exposure, 6), tag, data_source)}
    if target is not None:
        provenance["target"] = target
    endpoint = PatientRateRatioEndpoint(
        name=name, data=data, target=1.0 if target is None else target.value, direction=direction,
        label=raw.get("label", name), data_source=data_source, **switches)
    return endpoint, provenance
