"""The ``kind = "categorical"`` table of a spec: categories, unions, targets, benchmarks.

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

from ... import _validate as v
from ...data import Categorical
from ...errors import DataError, SpecError
from ...provenance import sourced, text
from .endpoint import CategoricalEndpoint

#: fields of a ``[[endpoints.categories]]`` table
CATEGORY_KEYS = {"name", "count", "percent", "decimals", "tag", "source", "target"}


def _sourced_at(raw, key, defaults, where, required=True):
    """:func:`bayes_trials.provenance.sourced`, with the field prefixed by ``where``
    (e.g. ``categories[2]``)."""
    try:
        return sourced(raw, key, defaults, required=required)
    except SpecError as err:
        raise SpecError(err.reason, field=f"{where}.{err.field}" if where else err.field) from None


def _published_percent(raw, where):
    """Optional ``percent`` (printed percentage) and ``decimals`` of a row."""
    if "percent" not in raw:
        return None
    value = v.finite_real(raw["percent"], f"{where}.percent", SpecError)
    if not 0 <= value <= 100:
        raise SpecError(f"must lie between 0 and 100, got {value:g}", field=f"{where}.percent")
    decimals = raw.get("decimals", 0)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise SpecError(f"must be a whole number >= 0, got {decimals!r}", field=f"{where}.decimals")
    return (value, decimals)


def _categories(raw, defaults, stated):
    """The ``[[endpoints.categories]]`` rows: counts, printed percentages, targets, provenance."""
    rows = raw.get("categories")
    if not isinstance(rows, list) or not rows:
        raise SpecError("needs a non-empty list of [[endpoints.categories]] tables "
                        "(name, count, tag, source), best first", field="categories")
    if len(rows) < 2:
        raise SpecError("needs at least 2 categories", field="categories")
    provenance, counts, printed, seen, targets = {}, {}, {}, {}, []
    for i, row in enumerate(rows):
        where = f"categories[{i}]"
        if not isinstance(row, dict):
            raise SpecError("must be a table (name, count, tag, source)", field=where)
        unknown = sorted(set(row) - CATEGORY_KEYS)
        if unknown:
            raise SpecError(f"unknown field(s) {unknown}; a category has "
                            f"{', '.join(sorted(CATEGORY_KEYS))}", field=where)
        cname = row.get("name")
        if not isinstance(cname, str) or not cname.strip():
            raise SpecError(f"a category needs a non-empty name, got {cname!r}", field=f"{where}.name")
        cname = cname.strip()
        if cname in seen:
            raise SpecError(f"category {cname!r} repeats categories[{seen[cname]}]",
                            field=f"{where}.name")
        seen[cname] = i
        q = _sourced_at(row, "count", {"tag": row.get("tag", defaults.get("tag")),
                                       "source": row.get("source", defaults.get("source"))}, where)
        try:
            count = v.count(q.value, f"{where}.count", SpecError)
        except SpecError as err:
            raise SpecError(f"category {cname!r}: {err.reason}", field=err.field) from None
        if stated is not None and count > stated:
            raise SpecError(f"category {cname!r}: must not exceed n = {stated}, got {count}",
                            field=f"{where}.count")
        counts[cname] = count
        provenance[f"count[{cname}]"] = q
        pp = _published_percent(row, where)
        if pp is not None:
            printed[cname] = (*pp, q.tag, q.source)
        tq = _sourced_at(row, "target", defaults, where, required=False)
        if tq is not None:
            targets.append((cname, v.open_unit(tq.value, f"{where}.target", SpecError)))
            provenance[f"target[{cname}]"] = tq
    return counts, printed, targets, provenance


def _unions(raw, defaults, data, targets, provenance):
    """The ``[[endpoints.unions]]`` rows (appending their targets and provenance)."""
    raw_unions = raw.get("unions", [])
    if not isinstance(raw_unions, list):
        raise SpecError("must be a list of [[endpoints.unions]] tables", field="unions")
    unions = []
    for i, u in enumerate(raw_unions):
        where = f"unions[{i}]"
        if not isinstance(u, dict):
            raise SpecError("must be a table (name, categories)", field=where)
        unknown = sorted(set(u) - {"name", "categories", "target"})
        if unknown:
            raise SpecError(f"unknown field(s) {unknown}; a union has name, categories, target",
                            field=where)
        label = u.get("name")
        if not isinstance(label, str) or not label.strip():
            raise SpecError("a union needs a non-empty name", field=f"{where}.name")
        members = u.get("categories")
        if not isinstance(members, list) or not members:
            raise SpecError("needs a non-empty list of category names", field=f"{where}.categories")
        unknown = [m for m in members if m not in data.names]
        if unknown:
            raise SpecError(f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {unknown}; "
                            f"the endpoint has {list(data.names)}", field=f"{where}.categories")
        if len(set(members)) != len(members):
            raise SpecError("a category appears twice", field=f"{where}.categories")
        if len(members) == data.k:
            raise SpecError("the union of all categories has probability 1; leave it out",
                            field=f"{where}.categories")
        if label in [lab for lab, _ in unions] or label in data.names:
            raise SpecError(f"union name {label!r} is already used by a union or category",
                            field=f"{where}.name")
        unions.append((label, tuple(members)))
        tq = _sourced_at(u, "target", defaults, where, required=False)
        if tq is not None:
            targets.append((label, v.open_unit(tq.value, f"{where}.target", SpecError)))
            provenance[f"target[{label}]"] = tq
    return unions


def categorical_from_spec(raw: dict, defaults: dict, name: str, base_dir=None):
    """Parse a ``kind = "categorical"`` endpoint table: ``(endpoint, provenance)``.

    Fields (see the module docstring): ``[[endpoints.categories]]`` (name, count, optional
    percent / decimals / target, tag, source; at least two, best first), optional stated
    total ``n``, optional ``[[endpoints.unions]]`` (name, categories, optional target),
    ``label``, ``caveats`` and, on each ``[[endpoints.benchmarks]]``, the ``union`` (or
    category) it compares with. ``base_dir`` is unused: the counts sit in the spec.
    Provenance keys: ``count[<category>]``, ``n``, ``target[<union or category>]``.

    Raises
    ------
    SpecError
        With ``field`` naming the row, e.g. ``categories[2].count``: an empty category list,
        a missing or duplicate name, a negative or fractional count, a count above ``n``,
        counts that do not sum to ``n``, a union naming an unknown category, a target
        outside (0, 1), a benchmark without a known ``union``.
    """
    if "published" in raw:
        raise SpecError("a categorical endpoint states the printed percentages on its "
                        "categories (categories[i].percent), not in [[endpoints.published]]",
                        field="published")
    n_q = _sourced_at(raw, "n", defaults, "", required=False)
    stated = None
    if n_q is not None:
        stated = v.count(n_q.value, "n", SpecError)
        if stated == 0:
            raise SpecError("must be at least 1 patient, got 0", field="n")
    counts, printed, targets, provenance = _categories(raw, defaults, stated)
    if n_q is not None:
        provenance["n"] = n_q
    try:
        data = Categorical(counts, n=stated)
    except DataError as err:
        raise SpecError(err.reason, field="n" if err.field == "n" else "categories") from None
    unions = _unions(raw, defaults, data, targets, provenance)
    known = {lab for lab, _ in unions} | set(data.names)
    benchmark_unions = []
    for i, b in enumerate(raw.get("benchmarks", []) or []):
        if not isinstance(b, dict):
            continue  # the generic benchmark parser names this error
        union = b.get("union")
        if union not in known:
            raise SpecError(f"a benchmark of a categorical endpoint names the union (or category) "
                            f"it compares with; known: {sorted(known)}, got {union!r}",
                            field=f"benchmarks[{i}].union")
        benchmark_unions.append((b.get("name"), union))
    if raw.get("direction", "greater") != "greater":
        raise SpecError("response categories are benefits: direction must be 'greater'",
                        field="direction")
    endpoint = CategoricalEndpoint(name=name, data=data, unions=tuple(unions), targets=tuple(targets),
                                   label=raw.get("label", name), printed=tuple(printed.items()),
                                   benchmark_unions=tuple(benchmark_unions),
                                   caveats=text(raw, "caveats", required=False))
    return endpoint, provenance
