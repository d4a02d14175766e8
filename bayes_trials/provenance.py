"""Provenance: every number of a spec with its tag and source, and the records built on it.

A number in a spec is written ``{ value = 9, tag = "published", source = "..." }`` or bare,
in which case it takes its table's ``tag`` and ``source``. ``tag`` is one of ``published``
(printed in the source), ``derived`` (computed from printed numbers; the source says how) or
``assumed`` (an explicit assumption of the re-analysis). Every report repeats them.

This module holds the building blocks every kind's spec parser shares: :class:`Sourced`
(a number with its provenance) and the field readers, and the records of what a paper
printed (:class:`Published`) and of external benchmark rates (:class:`Benchmark`).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _validate as v
from ._constants import TAGS
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
        what = {"estimate": "point estimate", "ci_low": "CI lower bound",
                "ci_high": "CI upper bound", "p_value": "p-value",
                "percent_reduction": "percent reduction"}[self.quantity]
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


# --- parsing -----------------------------------------------------------------------------
def table(d: dict, key: str, where: str, required: bool = True) -> dict:
    """A sub-table of a spec (a dict), or {} when optional and absent."""
    val = d.get(key)
    if val is None:
        if required:
            raise SpecError(f"missing table [{key}]", field=where or key)
        return {}
    if not isinstance(val, dict):
        raise SpecError(f"must be a table, got {type(val).__name__}", field=where or key)
    return val


def text(d: dict, key: str, *, required: bool = True, default: str = "") -> str:
    """A non-empty string field."""
    val = d.get(key, None)
    if val is None:
        if required:
            raise SpecError("missing field", field=key)
        return default
    if not isinstance(val, str) or (required and not val.strip()):
        raise SpecError(f"must be a non-empty string, got {val!r}", field=key)
    return val


def check_tag(value, field_name: str) -> str:
    """A provenance tag: one of published, derived, assumed."""
    return v.one_of(value, TAGS, field_name, SpecError)


def sourced(raw: dict, key: str, defaults: dict, *, required: bool = True) -> Sourced | None:
    """A number with its provenance, written as a table or bare (taking ``defaults``' tag
    and source); None when optional and absent."""
    if key not in raw:
        if required:
            raise SpecError("missing field", field=key)
        return None
    val = raw[key]
    if isinstance(val, dict):
        if "value" not in val:
            raise SpecError("missing 'value'", field=f"{key}.value")
        tag = check_tag(val.get("tag", defaults.get("tag")), f"{key}.tag")
        source = val.get("source", defaults.get("source"))
        value = val["value"]
    else:
        tag, source, value = defaults.get("tag"), defaults.get("source"), val
        if tag is None or not source:
            raise SpecError("a bare number needs the endpoint's 'tag' and 'source' "
                            "(or write { value = ..., tag = ..., source = ... })", field=key)
        tag = check_tag(tag, "tag")
    if not isinstance(source, str) or not source.strip():
        raise SpecError("every number needs a 'source'", field=f"{key}.source")
    v.finite_real(value, key, SpecError)
    return Sourced(value=value, tag=tag, source=source)


def parse_published(raw: dict, i: int) -> Published:
    """The ``i``-th ``[[endpoints.published]]`` table."""
    where = f"published[{i}]"
    if not isinstance(raw, dict):
        raise SpecError("must be a table", field=where)
    quantity = v.one_of(raw.get("quantity"), QUANTITIES, f"{where}.quantity", SpecError)
    relation = v.one_of(raw.get("relation", "equal"), ("equal", "below"), f"{where}.relation", SpecError)
    method = raw.get("method", "")
    if quantity in ("ci_low", "ci_high") and (not isinstance(method, str) or not method):
        raise SpecError("an interval needs its 'method'", field=f"{where}.method")
    decimals = raw.get("decimals", 2)
    if not isinstance(decimals, int) or decimals < 0:
        raise SpecError(f"must be a whole number >= 0, got {decimals!r}", field=f"{where}.decimals")
    scale = raw.get("scale", 1)
    if scale not in (1, 100):
        raise SpecError(f"must be 1 or 100 (percent), got {scale!r}", field=f"{where}.scale")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SpecError("needs a 'source'", field=f"{where}.source")
    return Published(
        quantity=quantity,
        value=v.finite_real(raw.get("value"), f"{where}.value", SpecError),
        tag=check_tag(raw.get("tag"), f"{where}.tag"),
        source=source,
        relation=relation,
        decimals=decimals,
        scale=float(scale),
        method=method,
        note=raw.get("note", ""),
    )


def parse_benchmark(raw: dict, i: int) -> Benchmark:
    """The ``i``-th ``[[endpoints.benchmarks]]`` table."""
    where = f"benchmarks[{i}]"
    if not isinstance(raw, dict):
        raise SpecError("must be a table", field=where)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError("missing field", field=f"{where}.name")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SpecError("needs a 'source'", field=f"{where}.source")
    events = n = None
    if "events" in raw or "n" in raw:
        try:
            counts = Binary(raw.get("events"), raw.get("n"))
        except BayesTrialsError as err:
            raise SpecError(err.reason, field=f"{where}.{err.field}") from None
        events, n = counts.events, counts.n
    return Benchmark(name=name, value=v.open_unit(raw.get("value"), f"{where}.value", SpecError),
                     tag=check_tag(raw.get("tag"), f"{where}.tag"), source=source, events=events, n=n)


