"""The ``kind = "categorical"`` table of a spec (:class:`CategoricalTable`): categories,
unions, targets, benchmarks.

A spec declares a categorical endpoint as::

    [[endpoints]]
    id = "response_1m"
    kind = "categorical"
    priors = ["dirichlet_jeffreys", "dirichlet_uniform"]
    n = { value = 12, tag = "published", source = "..." }       # optional stated total
    caveats = "..."            # optional: shown with every comparison with a benchmark

    [[endpoints.categories]]   # in order, best first; one table per category
    name = "CR"
    count = 4
    percent = 33               # optional: the printed percentage, recomputed and checked
    tag = "published"
    source = "..."
    target = { value = 0.2, tag = "published", source = "..." }     # optional

    [[endpoints.unions]]       # optional; default: "this category or better"
    name = "CR+CRi"
    categories = ["CR", "CRi"]
    target = { value = 0.40, tag = "published", source = "..." }    # optional

    [[endpoints.benchmarks]]   # the usual benchmark table, plus the union it compares with
    name = "..."
    union = "CR+CRi"
    value = 0.709
    events = 39
    n = 55
    tag = "published"
    source = "..."

and its priors as ``[priors.<name>]`` tables with ``family = "dirichlet"``
(:mod:`bayes_trials.endpoints.categorical.priors`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ... import _validate as v
from ..._schema import Count, Percent, SpecModel, TagName, Text
from ...data import Categorical
from ...errors import DataError, SpecError
from ...provenance import BenchmarkTable, Defaults, SourcedNumber
from ..table import EndpointTable
from .endpoint import CategoricalEndpoint

_TARGET = (
    "A rate P(probability > target) is taken against, in (0, 1) (its tag and source default "
    "to the endpoint's)."
)


class CategoryRow(SpecModel):
    """``[[endpoints.categories]]``: one category, in order, best first."""

    name: Text = Field(description="The category's name (CR, CRi, ...).")
    count: SourcedNumber = Field(description="Patients in the category.")
    percent: Percent | None = Field(
        None, description="The printed percentage, recomputed and checked."
    )
    decimals: Count = Field(0, description="Decimals of the printed percentage.")
    tag: TagName | None = Field(
        None, description="Provenance of the count (default: the endpoint's tag)."
    )
    source: Text | None = Field(
        None, description="Source of the count (default: the endpoint's source)."
    )
    target: SourcedNumber | None = Field(None, description=_TARGET)


class UnionRow(SpecModel):
    """``[[endpoints.unions]]``: a union of categories analysed as one (e.g. CR + CRi)."""

    name: Text = Field(description="The union's name (not a category's).")
    categories: list[Text] = Field(min_length=1, description="Its categories (not all of them).")
    target: SourcedNumber | None = Field(None, description=_TARGET)


class CategoricalBenchmark(BenchmarkTable):
    """A benchmark rate of one union (or category)."""

    union: Text = Field(description="The union (or category) it compares with.")


class CategoricalTable(EndpointTable):
    """``kind = "categorical"``: counts in ordered categories (Dirichlet-multinomial), with unions."""

    unknown_keys = {
        **EndpointTable.unknown_keys,
        "published": "a categorical endpoint states the printed percentages on its "
        "categories (categories[i].percent), not in [[endpoints.published]]",
    }

    kind: Literal["categorical"] = Field(description='"categorical".')
    n: SourcedNumber | None = Field(
        None, description="The stated total; the counts must sum to it."
    )
    categories: list[CategoryRow] = Field(
        min_length=2,
        description="The categories, best first (at least two; a category with 0 patients counts).",
    )
    unions: list[UnionRow] = Field(
        default_factory=list,
        description=(
            "Unions of categories (default: none besides the categories; each union's probability "
            "has an exact Beta posterior)."
        ),
    )
    caveats: str = Field("", description="Shown with every comparison with a benchmark.")
    benchmarks: list[CategoricalBenchmark] = Field(
        default_factory=list,
        description=("External rates of a union (or category) to compare with."),
    )
    direction: Literal["greater"] = Field(
        "greater", description='Response categories are benefits: "greater".'
    )


def _sourced_at(defaults: Defaults, number, key: str, where: str, required: bool = True):
    """:meth:`~bayes_trials.provenance.Defaults.sourced`, the field prefixed by ``where``."""
    try:
        return defaults.sourced(number, key, required=required)
    except SpecError as err:
        raise SpecError(err.reason, field=f"{where}.{err.field}" if where else err.field) from None


def _categories(table: CategoricalTable, defaults: Defaults, stated):
    """The categories' counts, printed percentages, targets and provenance."""
    provenance, counts, printed, seen, targets = {}, {}, {}, {}, []
    for i, row in enumerate(table.categories):
        where = f"categories[{i}]"
        cname = row.name.strip()
        if cname in seen:
            raise SpecError(
                f"category {cname!r} repeats categories[{seen[cname]}]", field=f"{where}.name"
            )
        seen[cname] = i
        q = _sourced_at(
            Defaults(row.tag or defaults.tag, row.source or defaults.source),
            row.count,
            "count",
            where,
        )
        try:
            count = v.count(q.value, f"{where}.count", SpecError)
        except SpecError as err:
            raise SpecError(f"category {cname!r}: {err.reason}", field=err.field) from None
        if stated is not None and count > stated:
            raise SpecError(
                f"category {cname!r}: must not exceed n = {stated}, got {count}",
                field=f"{where}.count",
            )
        counts[cname] = count
        provenance[f"count[{cname}]"] = q
        if row.percent is not None:
            printed[cname] = (row.percent, row.decimals, q.tag, q.source)
        tq = _sourced_at(defaults, row.target, "target", where, required=False)
        if tq is not None:
            targets.append((cname, v.open_unit(tq.value, f"{where}.target", SpecError)))
            provenance[f"target[{cname}]"] = tq
    return counts, printed, targets, provenance


def _unions(table: CategoricalTable, defaults: Defaults, data, targets, provenance):
    """The unions (appending their targets and provenance)."""
    unions = []
    for i, u in enumerate(table.unions):
        where = f"unions[{i}]"
        unknown = [m for m in u.categories if m not in data.names]
        if unknown:
            raise SpecError(
                f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {unknown}; "
                f"the endpoint has {list(data.names)}",
                field=f"{where}.categories",
            )
        if len(set(u.categories)) != len(u.categories):
            raise SpecError("a category appears twice", field=f"{where}.categories")
        if len(u.categories) == data.k:
            raise SpecError(
                "the union of all categories has probability 1; leave it out",
                field=f"{where}.categories",
            )
        if u.name in [lab for lab, _ in unions] or u.name in data.names:
            raise SpecError(
                f"union name {u.name!r} is already used by a union or category",
                field=f"{where}.name",
            )
        unions.append((u.name, tuple(u.categories)))
        tq = _sourced_at(defaults, u.target, "target", where, required=False)
        if tq is not None:
            targets.append((u.name, v.open_unit(tq.value, f"{where}.target", SpecError)))
            provenance[f"target[{u.name}]"] = tq
    return unions


def categorical_from_spec(table: CategoricalTable, defaults: Defaults, name: str, base_dir=None):
    """A validated ``kind = "categorical"`` table into ``(endpoint, provenance)``.

    ``base_dir`` is unused: the counts sit in the spec. Provenance keys: ``count[<category>]``,
    ``n``, ``target[<union or category>]``.

    Raises
    ------
    SpecError
        With ``field`` naming the row, e.g. ``categories[2].count``: a duplicate name, a
        negative or fractional count, a count above ``n``, counts that do not sum to ``n``, a
        union naming an unknown category, a target outside (0, 1), a benchmark naming no
        known union.
    """
    n_q = _sourced_at(defaults, table.n, "n", "", required=False)
    stated = None
    if n_q is not None:
        stated = v.count(n_q.value, "n", SpecError)
        if stated == 0:
            raise SpecError("must be at least 1 patient, got 0", field="n")
    counts, printed, targets, provenance = _categories(table, defaults, stated)
    if n_q is not None:
        provenance["n"] = n_q
    try:
        data = Categorical(counts, n=stated)
    except DataError as err:
        raise SpecError(err.reason, field="n" if err.field == "n" else "categories") from None
    unions = _unions(table, defaults, data, targets, provenance)
    known = {lab for lab, _ in unions} | set(data.names)
    benchmark_unions = []
    for i, b in enumerate(table.benchmarks):
        if b.union not in known:
            raise SpecError(
                f"a benchmark of a categorical endpoint names the union (or category) "
                f"it compares with; known: {sorted(known)}, got {b.union!r}",
                field=f"benchmarks[{i}].union",
            )
        benchmark_unions.append((b.name, b.union))
    endpoint = CategoricalEndpoint(
        name=name,
        data=data,
        unions=tuple(unions),
        targets=tuple(targets),
        label=table.label or name,
        printed=tuple(printed.items()),
        benchmark_unions=tuple(benchmark_unions),
        caveats=table.caveats,
    )
    return endpoint, provenance
