"""The schema of a whole spec: :class:`SpecDocument` and its tables.

``[trial]`` (:class:`TrialTable`), ``[sampling]`` (:class:`SamplingTable`),
``[priors.<name>]`` (:data:`~bayes_trials.spec.priors.PriorUnion`: every prior form,
including the families the kinds add), ``[[endpoints]]`` (:data:`EndpointUnion`: the union
of every kind's table, told apart by ``kind``) and ``[[reported]]``
(:class:`ReportedTable`). The unions are built from the registry
(:data:`bayes_trials.endpoints.registry.KINDS`), so that a kind added there is part of the
spec format, its JSON Schema and its reference.

Example
-------
>>> sorted(SpecDocument.model_fields)
['endpoints', 'priors', 'reported', 'sampling', 'trial']
>>> schema = spec_json_schema()
>>> schema["properties"]["endpoints"]["items"]["discriminator"]["propertyName"]
'kind'
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, create_model

from .._constants import CRED_LEVEL, DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE
from .._schema import Count, PositiveCount, Probability, SpecModel, TagName, Text, json_schema
from ..endpoints.registry import KINDS
from ..endpoints.table import EndpointTable
from ..provenance import SourcedNumber
from .priors import PriorUnion


class TrialTable(SpecModel):
    """``[trial]``: which trial is re-analysed, and where it is published."""

    id: Text = Field(description="The trial's identifier (report folders and seeds use it).")
    title: Text = Field(description="The title reports carry.")
    citation: Text = Field(
        description="The publication re-analysed: authors, title, journal, year, DOI "
        "(or, for simulated data, what made them)."
    )
    registry: list[Text] = Field(
        default_factory=list, description="Trial registry numbers (NCT...)."
    )
    design: str = Field("", description="The trial's design in a sentence.")


class SamplingTable(SpecModel):
    """``[sampling]``: MCMC settings and the credible level (all optional)."""

    draws: PositiveCount = Field(DEFAULT_DRAWS, description="Draws per chain.")
    tune: PositiveCount = Field(DEFAULT_TUNE, description="Warm-up draws per chain.")
    chains: PositiveCount = Field(DEFAULT_CHAINS, description="Chains.")
    seed: Count = Field(0, description="The run seed; every fit's seed derives from it.")
    level: Probability = Field(
        CRED_LEVEL, description="Credible (and confidence) level of the intervals."
    )


class ReportedTable(SpecModel):
    """``[[reported]]``: an effect a paper reports only as an estimate with a confidence interval,
    re-analysed with a normal likelihood (``bayes_trials.reanalyse_reported``)."""

    id: Text = Field(description="The effect's identifier.")
    label: str = Field("", description="Its name in reports (default: the id).")
    measure: str = Field(
        "", description="What it measures, e.g. 'hazard ratio' (default: the scale)."
    )
    tag: TagName | None = Field(None, description="Default provenance tag of the bare numbers.")
    source: Text | None = Field(None, description="Default source of the bare numbers.")
    estimate: SourcedNumber = Field(description="The printed estimate.")
    ci_low: SourcedNumber = Field(description="The printed interval's lower end.")
    ci_high: SourcedNumber = Field(description="The printed interval's upper end.")
    mcid: SourcedNumber | None = Field(
        None,
        description="The minimal clinically important difference (a "
        "ratio or a difference, as the scale).",
    )
    scale: Literal["ratio", "difference"] = Field(
        "ratio", description="ratio: normal on the log scale; difference: on the natural scale."
    )
    benefit: Literal["lower", "higher"] = Field("lower", description="Which side is benefit.")
    level: Probability = Field(0.95, description="The interval's level.")
    decimals: Count = Field(
        2, description="The printed precision (checks the interval's symmetry)."
    )
    notes: str = Field("", description="Remarks repeated in the report.")


class _LegacyEndpointTable(EndpointTable):
    model_config = ConfigDict(extra="allow")


def endpoint_schema(kind) -> type:
    """The ``[[endpoints]]`` schema of a kind (for a kind not yet on the schema: the common
    fields, other keys left to its parser)."""
    if kind.schema is not None:
        return kind.schema
    return create_model(
        f"LegacyEndpoint_{kind.name}",
        __base__=_LegacyEndpointTable,
        __doc__=(
            f"kind = {kind.name!r}: its fields are checked by its parser (not yet on the schema)."
        ),
        kind=(Literal[kind.name], Field(description=f'"{kind.name}".')),
    )


def _endpoint_union():
    schemas = tuple(endpoint_schema(k) for k in KINDS.values())
    return Annotated[Union[schemas], Field(discriminator="kind")]  # noqa: UP007 (a tuple, built at run time)


#: the schema of one ``[[endpoints]]`` table: every kind's, told apart by ``kind``
EndpointUnion = _endpoint_union()


class SpecDocument(SpecModel):
    """A re-analysis spec: one TOML file per trial. Every number says where it comes from
    (``tag`` published / derived / assumed, and a ``source``)."""

    trial: TrialTable = Field(description="The trial.")
    sampling: SamplingTable = Field(SamplingTable(), description="MCMC settings (optional).")
    priors: dict[str, PriorUnion] = Field(
        default_factory=dict,
        description=("Named priors, [priors.<name>], each with a role, a tag and a rationale."),
    )
    endpoints: list[EndpointUnion] = Field(
        default_factory=list,
        description=("The endpoints re-analysed, [[endpoints]], each of a kind."),
    )
    reported: list[ReportedTable] = Field(
        default_factory=list,
        description=("Effects printed only as an estimate with its interval, [[reported]]."),
    )


def spec_json_schema() -> dict:
    """The JSON Schema of the spec format (draft 2020-12), for TOML editors (Taplo / Even Better
    TOML: ``#:schema ./spec.schema.json`` at the top of a spec)."""
    schema = json_schema(SpecDocument)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "bayes_trials re-analysis spec",
    }
