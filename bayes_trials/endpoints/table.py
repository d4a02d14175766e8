"""What every kind's spec tables share: the ``[[endpoints]]`` and ``[priors.<name>]`` bases.

A kind states its ``[[endpoints]]`` table as a subclass of :class:`EndpointTable` with
``kind: Literal["<name>"]`` and a described field per key, and each prior family it adds as
a subclass of :class:`PriorTable` with ``family: Literal["<name>"]``; both are registered
with the kind (:class:`~bayes_trials.endpoints.kind.Kind`). The spec loader
(:mod:`bayes_trials.spec`) builds the union of every kind's table, validates a spec
against it, and hands each kind its validated table.

Also here: the sub-tables several kinds use (:class:`DecisionTable`, :class:`GammaParams`,
:class:`NormalParams`, :class:`HalfScale`) and the list fields ``published`` and
``benchmarks``.

Example
-------
>>> from typing import Literal
>>> from pydantic import Field
>>> from bayes_trials.provenance import SourcedNumber
>>> class CountTable(EndpointTable):
...     kind: Literal["count"]
...     events: SourcedNumber = Field(description="patients with the event")
>>> CountTable.model_validate({"id": "x", "kind": "count", "events": 3, "tag": "assumed",
...                           "source": "a guess"}).events.value
3
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .._constants import PRIOR_ROLES
from .._schema import Count, Positive, Probability, Real, SpecModel, TagName, Text
from ..design import DecisionSpec
from ..distributions import HalfCauchy, HalfNormal
from ..errors import SpecError
from ..provenance import BenchmarkTable, PublishedTable


class EndpointTable(SpecModel):
    """The fields of every ``[[endpoints]]`` table; a kind's table adds its own."""

    unknown_keys = {
        "decision": "this kind of endpoint takes no decision rule (see the kinds with a "
        "'decision' field in the spec reference)"
    }

    id: Text = Field(
        description="The endpoint's identifier, unique in the spec (file names use it)."
    )
    kind: str = Field(description="The endpoint kind.")
    label: str = Field("", description="Human-readable name for reports (default: the id).")
    tag: TagName | None = Field(
        None,
        description="Default provenance tag of the table's bare numbers: "
        "published, derived or assumed.",
    )
    source: Text | None = Field(None, description="Default source of the table's bare numbers.")
    notes: str = Field("", description="Remarks repeated in the report.")
    priors: list[Text] | None = Field(
        None,
        min_length=1,
        description=(
            "Names of the [priors.<name>] tables to analyse under (default: every prior of the "
            "kind's own family)."
        ),
    )


class PriorTable(SpecModel):
    """The fields of every ``[priors.<name>]`` table; a family adds its own."""

    role: Literal[PRIOR_ROLES] = Field(
        description="The prior's part in the re-analysis (its line style in figures)."
    )
    tag: TagName = Field(
        description="Provenance of the prior's numbers: published, derived or assumed."
    )
    rationale: Text = Field(
        description="Why this prior: what it says and where its numbers come from."
    )


#: ``[[endpoints.published]]``: the printed results to reproduce
Published = Annotated[
    list[PublishedTable],
    Field(
        default_factory=list, description="Results printed in the paper, recomputed and checked."
    ),
]
#: ``[[endpoints.benchmarks]]``: external rates to compare with
Benchmarks = Annotated[
    list[BenchmarkTable],
    Field(default_factory=list, description="External rates the posterior is compared with."),
]


class GammaParams(SpecModel):
    """A Gamma distribution ``{ shape, rate }``."""

    shape: Positive = Field(description="Shape (events' worth of information).")
    rate: Positive = Field(description="Rate (exposure's worth of information).")


class NormalParams(SpecModel):
    """A Normal distribution ``{ mean, sd }``."""

    mean: Real = Field(description="Mean.")
    sd: Positive = Field(description="Standard deviation.")


class HalfScale(SpecModel):
    """A half-normal or half-Cauchy prior of a scale ``{ family, scale }``."""

    family: Literal["halfnormal", "halfcauchy"] = Field(description="halfnormal or halfcauchy.")
    scale: Positive = Field(description="Its scale.")

    def distribution(self):
        """The distribution (:class:`~bayes_trials.HalfNormal` or :class:`~bayes_trials.HalfCauchy`)."""
        return (HalfNormal if self.family == "halfnormal" else HalfCauchy)(self.scale)


class DecisionTable(SpecModel):
    """``decision = { ... }``: success if P(theta beyond the target) > threshold, with its exact
    operating characteristics (``bayes-trials design``)."""

    threshold: Probability = Field(
        description="Success if the posterior probability beyond the target exceeds this."
    )
    target: Probability | None = Field(
        None,
        description="The rate the criterion is taken against (default: the endpoint's target).",
    )
    alternative: Probability | None = Field(
        None, description="The rate the design should detect (power is read there)."
    )
    alpha: Probability = Field(0.025, description="Type I error the threshold is calibrated to.")
    truths: list[Probability] = Field(
        default_factory=list, description="Further true rates for the operating characteristics."
    )
    interim: Count | None = Field(
        None,
        description="Patients at an interim look (1 to n - 1), with a "
        "predictive-probability futility rule.",
    )
    futility: Probability = Field(
        0.1,
        description="Stop for futility if the predictive probability of success falls below this.",
    )
    tag: TagName = Field(description="Provenance of the rule (usually assumed).")
    rationale: Text = Field(
        description="Why this rule: its threshold, alternative and interim look."
    )
    source: str = Field("", description="Where the rule comes from (a protocol), if anywhere.")

    def record(self, endpoint) -> DecisionSpec:
        """The :class:`~bayes_trials.design.DecisionSpec` for ``endpoint`` (errors name
        ``decision.<field>``)."""
        if self.interim is not None and not 1 <= self.interim < endpoint.data.n:
            raise SpecError(
                f"must lie between 1 and n - 1 = {endpoint.data.n - 1}, got {self.interim}",
                field="decision.interim",
            )
        if self.target is None and endpoint.target is None:
            raise SpecError(
                "the endpoint has no target; give decision.target", field="decision.target"
            )
        return DecisionSpec(
            threshold=self.threshold,
            target=self.target,
            alternative=self.alternative,
            alpha=self.alpha,
            truths=tuple(self.truths),
            interim=self.interim,
            futility=self.futility,
            tag=self.tag,
            rationale=self.rationale,
            sources={"source": self.source},
        )


__all__ = [
    "EndpointTable",
    "PriorTable",
    "Published",
    "Benchmarks",
    "GammaParams",
    "NormalParams",
    "HalfScale",
    "DecisionTable",
]
