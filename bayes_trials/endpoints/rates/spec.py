"""The spec tables of the rate kinds: ``kind = "rate_ratio"`` and ``kind = "rate_ratio_patients"``.

Each kind's ``[[endpoints]]`` table is a schema (:class:`RateRatioTable`,
:class:`PatientRatesTable`); its build function takes the validated table, the table's
default ``tag`` and ``source`` for bare numbers (:class:`~bayes_trials.provenance.Defaults`),
the endpoint's id and the spec's folder, and returns ``(endpoint, provenance)``: every number
the endpoint uses with its tag and source (:class:`~bayes_trials.provenance.Sourced`).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field

from ... import _validate as v
from ..._schema import Direction, Positive, PositiveCount, SpecModel, TagName, Text
from ...data import PerPatientRates, PrePostRates, Rate
from ...errors import BayesTrialsError, DataError, SpecError, StatisticalWarning
from ...provenance import Sourced, SourcedNumber
from ..table import Benchmarks, EndpointTable, Published
from .endpoint import RateRatioEndpoint
from .patients import PatientRateRatioEndpoint
from .scenarios import ScenarioGrid

#: ``incomplete`` in a spec -> :class:`PerPatientRates` ``incomplete``
SPEC_INCOMPLETE = {"drop": "drop", "use": "keep", "error": "error"}

_TARGET = (
    "The rate ratio after / before that P(RR beyond target) is taken against (default 1: "
    "any reduction)."
)
_DIRECTION = '"less" (default): P(RR < target), a reduction; "greater": an increase.'


class ScenarioTable(SpecModel):
    """``[endpoints.scenarios]``: the grid of assumed numbers behind a published reduction that
    the report's scenario sweep covers (:class:`~bayes_trials.endpoints.rates.scenarios.ScenarioGrid`)."""

    events_before: list[PositiveCount] = Field(
        min_length=1, description="Assumed events before treatment (whole numbers >= 1)."
    )
    exposure_before: list[Positive] = Field(
        min_length=1, description="Assumed patient-years before."
    )
    exposure_after: list[Positive] = Field(min_length=1, description="Assumed patient-years after.")
    tag: TagName = Field(description="Provenance of the ranges (normally assumed).")
    source: Text = Field(description="The reasoning behind the ranges.")

    def grid(self) -> ScenarioGrid:
        return ScenarioGrid(
            events_before=tuple(self.events_before),
            exposure_before=tuple(self.exposure_before),
            exposure_after=tuple(self.exposure_after),
            tag=self.tag,
            source=self.source,
        )


class RateRatioTable(EndpointTable):
    """``kind = "rate_ratio"``: event counts and patient-years before and after treatment."""

    kind: Literal["rate_ratio"] = Field(description='"rate_ratio".')
    events_before: SourcedNumber = Field(description="Events before treatment.")
    exposure_before: SourcedNumber = Field(description="Patient-years before treatment.")
    events_after: SourcedNumber = Field(description="Events after treatment.")
    exposure_after: SourcedNumber = Field(description="Patient-years after treatment.")
    target: SourcedNumber | None = Field(None, description=_TARGET)
    direction: Direction = Field("less", description=_DIRECTION)
    published: Published
    benchmarks: Benchmarks
    scenarios: ScenarioTable | None = Field(
        None,
        description="When the counts are an assumed scenario: "
        "the grid of assumed numbers the report sweeps over.",
    )


class PatientRatesTable(EndpointTable):
    """``kind = "rate_ratio_patients"``: per-patient counts and exposures in a CSV file."""

    unknown_keys = {
        **EndpointTable.unknown_keys,
        "benchmarks": "per-patient rate endpoints take no benchmarks",
    }

    kind: Literal["rate_ratio_patients"] = Field(description='"rate_ratio_patients".')
    tag: TagName = Field(description="Provenance of the data file (published, derived or assumed).")
    source: Text = Field(description="Where the data file comes from.")
    patients_csv: Text = Field(
        description="The per-patient table, relative to the spec file: columns "
        "patient, period (before or after), events, exposure (patient-years); "
        "other columns are kept but unused."
    )
    incomplete: Literal[tuple(SPEC_INCOMPLETE)] = Field(
        "drop",
        description='A patient seen in one period only: "drop" (left out of every analysis), '
        '"use" (informs the hierarchical model\'s baseline and frailty and the totals, '
        'not the conditional Poisson analysis) or "error".',
    )
    varying_effect: bool = Field(False, description="Let the log rate ratio vary by patient.")
    overdispersion: bool = Field(True, description="Negative-binomial (gamma-Poisson) counts.")
    target: SourcedNumber | None = Field(None, description=_TARGET)
    direction: Direction = Field("less", description=_DIRECTION)
    published: Published


def _target(table, defaults) -> Sourced | None:
    target = defaults.sourced(table.target, "target", required=False)
    if target is not None:
        v.positive(target.value, "target", SpecError)
    return target


def rate_ratio_from_spec(table: RateRatioTable, defaults, name: str, base_dir=None):
    """A validated ``kind = "rate_ratio"`` table into ``(endpoint, provenance)``.

    >>> from bayes_trials.provenance import Defaults
    >>> t = RateRatioTable.model_validate({"id": "x", "kind": "rate_ratio", "events_before": 30,
    ...     "exposure_before": 20.0, "events_after": 5, "exposure_after": 10.0, "target": 0.5})
    >>> ep, prov = rate_ratio_from_spec(t, Defaults("assumed", "a scenario"), "x")
    >>> ep.describe_data(), prov["events_after"].tag
    ('30 events / 20 before, 5 / 10 after', 'assumed')
    """
    fields = ("events_before", "exposure_before", "events_after", "exposure_after")
    q = {f: defaults.sourced(getattr(table, f), f) for f in fields}
    target = _target(table, defaults)
    provenance = dict(q)
    if target is not None:
        provenance["target"] = target
    periods = {}
    for period in ("before", "after"):
        try:
            periods[period] = Rate(q[f"events_{period}"].value, q[f"exposure_{period}"].value)
        except BayesTrialsError as err:
            raise SpecError(err.reason, field=f"{err.field}_{period}") from None
    endpoint = RateRatioEndpoint(
        name=name,
        data=PrePostRates(periods["before"], periods["after"]),
        target=1.0 if target is None else target.value,
        direction=table.direction,
        label=table.label or name,
        scenarios=None if table.scenarios is None else table.scenarios.grid(),
    )
    return endpoint, provenance


def _read_patients_csv(base: Path, rel):
    if not isinstance(rel, str) or not rel.strip():
        raise SpecError(
            f"must be a path (relative to the spec file), got {rel!r}", field="patients_csv"
        )
    path = Path(rel) if Path(rel).is_absolute() else Path(base) / rel
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(
            f"no such file {str(path)!r} (paths are relative to the spec file)",
            field="patients_csv",
        ) from None
    except OSError as err:
        raise SpecError(
            f"cannot read {str(path)!r}: {err.strerror}", field="patients_csv"
        ) from None
    try:
        frame = pd.read_csv(io.BytesIO(blob))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise SpecError(f"cannot read {str(path)!r} as CSV: {err}", field="patients_csv") from None
    return path, frame, hashlib.sha256(blob).hexdigest()


def patient_rates_from_spec(table: PatientRatesTable, defaults, name: str, base_dir=None):
    """A validated ``kind = "rate_ratio_patients"`` table into ``(endpoint, provenance)``
    (fields: :class:`PatientRatesTable`).

    The provenance records the file name and its sha256 with every number read from it:
    ``patients`` and the totals ``events_before``, ``exposure_before``, ``events_after``,
    ``exposure_after``.

    Raises
    ------
    SpecError
        Naming the field (``patients_csv.events``, ``incomplete``, ...) and, for bad rows,
        the CSV file, the row and its line. Nothing is built when anything is wrong.
    """
    incomplete = table.incomplete
    target = _target(table, defaults)
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    path, frame, digest = _read_patients_csv(base, table.patients_csv)
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
    how = {
        "drop": "patients seen in one period only dropped",
        "use": "patients seen in one period only used",
        "error": "patients seen in one period only refused",
    }[incomplete]
    dropped = (
        f" ({len(data.dropped)} dropped: {', '.join(map(str, data.dropped))})"
        if data.dropped
        else ""
    )
    data_source = f"{table.source} [file {shown}, sha256 {digest[:12]}; {how}{dropped}]"
    tot = data.totals()
    tag = table.tag
    provenance = {
        "patients": Sourced(data.n_patients, tag, data_source),
        "events_before": Sourced(tot.before.events, tag, data_source),
        "exposure_before": Sourced(round(tot.before.exposure, 6), tag, data_source),
        "events_after": Sourced(tot.after.events, tag, data_source),
        "exposure_after": Sourced(round(tot.after.exposure, 6), tag, data_source),
    }
    if target is not None:
        provenance["target"] = target
    endpoint = PatientRateRatioEndpoint(
        name=name,
        data=data,
        target=1.0 if target is None else target.value,
        direction=table.direction,
        label=table.label or name,
        data_source=data_source,
        varying_effect=table.varying_effect,
        overdispersion=table.overdispersion,
    )
    return endpoint, provenance
