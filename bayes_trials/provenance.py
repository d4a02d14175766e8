"""Provenance: every number of a spec with its tag and source, and the records built on it.

A number in a spec is written ``{ value = 9, tag = "published", source = "..." }`` or bare,
in which case it takes its table's ``tag`` and ``source``. ``tag`` is one of ``published``
(printed in the source), ``derived`` (computed from printed numbers; the source says how) or
``assumed`` (an explicit assumption of the re-analysis). Every report repeats them.

This module holds what every kind's spec table shares: :class:`Sourced` (a number with its
provenance), its schema type :class:`SourcedNumber` (a bare number or a table, typed once for
the whole spec format) resolved against the table's defaults by :class:`Defaults`, and the
records of what a paper printed (:class:`Published`, :class:`PublishedTable`) and of
external benchmark rates (:class:`Benchmark`, :class:`BenchmarkTable`).

Example
-------
>>> row = SourcedNumber.model_validate(9)
>>> Defaults("published", "abstract").sourced(row, "events")
Sourced(value=9, tag='published', source='abstract')
>>> Defaults(None, None).sourced(SourcedNumber.model_validate({"value": 0.39, "tag": "assumed",
...                                                            "source": "a guess"}), "target").value
0.39
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from . import _validate as v
from ._constants import TAGS
from ._schema import Count, Number, Probability, Real, SpecModel, TagName, Text, validate
from .data import Binary
from .errors import BayesTrialsError, SpecError

QUANTITIES = ("estimate", "ci_low", "ci_high", "p_value", "percent_reduction")


@dataclass(frozen=True)
class Sourced:
    """A number with its provenance: ``value``, ``tag`` (published / derived / assumed), ``source``."""

    value: float
    tag: str
    source: str


@dataclass(frozen=True)
class Published:
    """A result printed in the paper, to be reproduced from the data.

    ``quantity`` is one of ``estimate``, ``ci_low``, ``ci_high`` (with the interval
    ``method``) or ``p_value``; ``relation`` is ``equal`` (at ``decimals`` decimals on
    ``scale``, 100 for percentages) or ``below`` (a printed bound such as "P < 0.001").
    """

    quantity: str
    value: float
    tag: str
    source: str
    relation: str = "equal"
    decimals: int = 2
    scale: float = 1.0
    method: str = ""
    note: str = ""

    def describe(self) -> str:
        what = {
            "estimate": "point estimate",
            "ci_low": "CI lower bound",
            "ci_high": "CI upper bound",
            "p_value": "p-value",
            "percent_reduction": "percent reduction",
        }[self.quantity]
        if self.method:
            what += f" ({self.method})"
        pct = self.scale == 100 or self.quantity == "percent_reduction"
        shown = f"{self.value:g}{'%' if pct else ''}"
        return f"{what}: {'< ' if self.relation == 'below' else ''}{shown}"


@dataclass(frozen=True)
class Benchmark:
    """An external rate to compare the posterior with (e.g. another trial's response rate).

    With ``events`` and ``n`` the benchmark's own uncertainty enters the comparison.
    """

    name: str
    value: float
    tag: str
    source: str
    events: int | None = None
    n: int | None = None


# --- the schema ---------------------------------------------------------------------------
class SourcedNumber(SpecModel):
    """A number with its provenance: ``{ value = 9, tag = "published", source = "..." }``, or
    a bare number taking its table's ``tag`` and ``source``."""

    value: Number = Field(description="The number.")
    tag: TagName | None = Field(
        None,
        description="published (printed in the source), derived (computed "
        "from printed numbers; the source says how) or assumed (an explicit "
        "assumption); default: the table's tag.",
    )
    source: Text | None = Field(
        None,
        description="Where the number comes from (publication, table or "
        "figure, quotation, or the assumption's reason); default: the table's source.",
    )

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data):
        if isinstance(data, dict):
            return data
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise PydanticCustomError(
                "sourced_number",
                "{reason}",
                {
                    "reason": f"must be a number or {{ value = ..., tag = ..., source = ... }}, got {data!r}"
                },
            )
        if not math.isfinite(data):
            raise PydanticCustomError(
                "number_value", "{reason}", {"reason": f"must be finite, got {data!r}"}
            )
        return {"value": data}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        table = handler(core_schema)
        return {
            "anyOf": [{"type": "number"}, table],
            "description": "A number: bare (taking the table's tag and source) or "
            "{ value, tag, source }.",
        }


@dataclass(frozen=True)
class Defaults:
    """The ``tag`` and ``source`` of a table, taken by its bare numbers."""

    tag: str | None
    source: str | None

    def sourced(
        self, number: SourcedNumber | None, field: str, *, required: bool = True
    ) -> Sourced | None:
        """``number`` with its provenance resolved; None when optional and absent.

        Raises :class:`~bayes_trials.errors.SpecError` naming ``field`` when the number has
        no tag or no source of its own and the table gives none.
        """
        if number is None:
            if required:
                raise SpecError("missing field", field=field)
            return None
        tag = number.tag or self.tag
        source = number.source or self.source
        if number.tag is None and number.source is None and (tag is None or not source):
            raise SpecError(
                "a bare number needs the table's 'tag' and 'source' "
                "(or write { value = ..., tag = ..., source = ... })",
                field=field,
            )
        if tag is None:
            raise SpecError("needs a 'tag' (the table has none)", field=f"{field}.tag")
        if not source:
            raise SpecError("every number needs a 'source'", field=f"{field}.source")
        return Sourced(value=number.value, tag=tag, source=source)


class PublishedTable(SpecModel):
    """A result printed in the paper, recomputed from the data and compared
    (``[[endpoints.published]]``)."""

    quantity: Literal[QUANTITIES] = Field(
        description="What was printed: estimate, ci_low, ci_high, "
        "p_value or percent_reduction (the kinds that reproduce it)."
    )
    value: Real = Field(description="The printed number (a percentage with scale = 100).")
    tag: TagName = Field(
        description="Provenance of the printed number (published, derived or assumed)."
    )
    source: Text = Field(
        description="Where it is printed (publication, table or figure, quotation)."
    )
    relation: Literal["equal", "below"] = Field(
        "equal",
        description="equal: the recomputed value rounds to it at `decimals`; below: a printed "
        "bound such as 'P < 0.001'.",
    )
    decimals: Count = Field(2, description="Decimals the paper printed.")
    scale: Literal[1, 100] = Field(1, description="100 when printed as a percentage.")
    method: str = Field(
        "",
        description="The interval's method, for ci_low and ci_high (the kind's "
        "interval methods, e.g. clopper-pearson, wilson, jeffreys).",
    )
    note: str = Field("", description="A remark shown with the check.")

    def record(self) -> Published:
        """The :class:`Published` record (raises SpecError, field ``method``, for an interval
        without its method)."""
        if self.quantity in ("ci_low", "ci_high") and not self.method:
            raise SpecError("an interval needs its 'method'", field="method")
        return Published(
            quantity=self.quantity,
            value=self.value,
            tag=self.tag,
            source=self.source,
            relation=self.relation,
            decimals=self.decimals,
            scale=float(self.scale),
            method=self.method,
            note=self.note,
        )


class BenchmarkTable(SpecModel):
    """An external rate the posterior is compared with (``[[endpoints.benchmarks]]``)."""

    name: Text = Field(description="The benchmark, as the report names it.")
    value: Probability = Field(description="Its rate, in (0, 1).")
    tag: TagName = Field(description="Provenance of the rate (published, derived or assumed).")
    source: Text = Field(description="Where the rate comes from.")
    events: Count | None = Field(
        None,
        description="Its events, with n: the comparison then takes the "
        "benchmark's own uncertainty into account.",
    )
    n: Count | None = Field(None, description="Its patients, with events.")

    def record(self) -> Benchmark:
        """The :class:`Benchmark` record (raises a located error for events > n, n = 0, or
        only one of events and n)."""
        events = n = None
        if self.events is not None or self.n is not None:
            try:
                counts = Binary(self.events, self.n)
            except BayesTrialsError as err:
                raise SpecError(err.reason, field=err.field) from None
            events, n = counts.events, counts.n
        return Benchmark(
            name=self.name, value=self.value, tag=self.tag, source=self.source, events=events, n=n
        )


# --- for a kind's parser not yet written on the schema ---------------------------------------
def check_tag(value, field_name: str) -> str:
    """A provenance tag: one of published, derived, assumed."""
    return v.one_of(value, TAGS, field_name, SpecError)


def sourced(raw: dict, key: str, defaults: dict, *, required: bool = True) -> Sourced | None:
    """``raw[key]`` (a spec table as a dict) as a :class:`Sourced` number, validated by
    :class:`SourcedNumber` and resolved against ``defaults`` (``{"tag", "source"}``): for a
    kind's parser not yet written on the schema (see :mod:`bayes_trials.spec`)."""
    if key not in raw:
        if required:
            raise SpecError("missing field", field=key)
        return None
    number, found = validate(SourcedNumber, raw[key])
    if found:
        parts, msg = found[0]
        raise SpecError(msg, field=".".join([key, *map(str, parts)]))
    return Defaults(defaults.get("tag"), defaults.get("source")).sourced(number, key)
