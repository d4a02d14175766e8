"""The spec format: one TOML file per trial, a typed, strict, documented schema, validated
before any sampling.

:func:`load_spec` reads a file into a :class:`TrialSpec`: the trial, the sampling settings,
the named priors (:mod:`bayes_trials.spec.priors`) and the endpoints, each validated against
its kind's schema and built by its kind (:data:`bayes_trials.endpoints.registry.KINDS`).

- :mod:`~bayes_trials.spec.schema`: the whole spec (:class:`~.schema.SpecDocument`), the
  union of every kind's ``[[endpoints]]`` table and every prior form, its JSON Schema;
- :mod:`~bayes_trials.spec.priors`: ``[priors.<name>]``, the forms every spec knows;
- :mod:`~bayes_trials.spec.loading`: validation, building, every error of a spec at once;
- :mod:`~bayes_trials.spec.reference`: ``docs/spec.md``, generated from the field descriptions;
- :mod:`~bayes_trials.spec.starter`: the starter spec of each kind (``bayes-trials init``).

The building blocks (strict tables, number types, error conversion) are in
:mod:`bayes_trials._schema`; the number with its provenance in :mod:`bayes_trials.provenance`;
the fields every endpoint and prior table shares in :mod:`bayes_trials.endpoints.table`.

Writing a kind's table on the schema
------------------------------------
A kind's ``[[endpoints]]`` table is a pydantic model in the kind's subpackage (its
``spec.py``), registered with the kind; the loader builds the union of all kinds' tables,
validates each ``[[endpoints]]`` entry against it and hands the kind its validated table.
To convert a parser written by hand (``parse(raw: dict, defaults: dict, name, base_dir)``,
reading ``raw.get(...)`` and calling :func:`bayes_trials.provenance.sourced`):

1. Write the table: ``class TwoArmTable(EndpointTable)`` with ``kind: Literal["two_arm"]``
   and one field per key, each with ``Field(description=...)`` (the description is the
   spec reference's and the editors' help text). Types: a number with its provenance is
   :class:`~bayes_trials.provenance.SourcedNumber`; plain numbers ``Real``, ``Positive``,
   ``Probability``, ``Count``, ``PositiveCount``, ``Percent``; text ``Text`` (non-empty) or
   ``str``; choices ``Literal[...]`` (``Direction``, ``TagName``); sub-tables are
   :class:`~bayes_trials._schema.SpecModel` subclasses; a key written in several forms (a
   number or a table) is ``forms(number=..., table=...)``; ``published`` and ``benchmarks``
   are :data:`~bayes_trials.endpoints.table.Published` and
   :data:`~bayes_trials.endpoints.table.Benchmarks` (or a list of a
   :class:`~bayes_trials.provenance.BenchmarkTable` subclass); ``decision`` is a
   :class:`~bayes_trials.endpoints.table.DecisionTable`. A check of one field goes in a
   ``field_validator``, of several fields in a ``model_validator`` raising
   ``PydanticCustomError``; a key the kind refuses for a reason worth saying goes in the
   class's ``unknown_keys`` (key -> hint).
2. Turn the parser into ``build(table, defaults, name, base_dir) -> (endpoint, provenance)``:
   ``raw.get("x", d)`` becomes ``table.x`` (the default moves into the field),
   ``sourced(raw, "x", defaults)`` becomes ``defaults.sourced(table.x, "x")``
   (:class:`~bayes_trials.provenance.Defaults`); delete the hand-written type, range and
   unknown-key checks the schema now makes. Checks that need data files or several tables
   (events against n, a union naming known categories) stay, raising a located
   :class:`~bayes_trials.errors.SpecError` (or DataError).
3. Register it: ``Kind("two_arm", TwoArmEndpoint, build, ..., schema=TwoArmTable)``. A prior
   family the kind adds likewise: ``class TwoArmPriorTable(PriorTable)`` with ``family:
   Literal["two_arm"]``, ``resolve(table, endpoint)`` taking the validated table, and
   ``PriorFamily(TwoArmPriorTable, resolve, takes=...)``.
4. Regenerate the shipped schema and reference (``bayes-trials schema --out
   models/spec.schema.json``, ``bayes-trials schema --markdown --out docs/spec.md``), add a
   template ``templates/<kind>.toml`` for ``bayes-trials init`` and a row per table to the
   strictness test (``tests/test_spec_schema.py``).

Until then a kind registered without ``schema`` still loads: its ``build`` gets the table as
a dict and ``defaults`` as ``{"tag", "source"}``, its keys beyond the common ones unchecked
(and a prior family given a ``parse(raw, where)`` function instead of a model likewise); the
strictness test fails for it, as a reminder.
"""

from .loading import EndpointSpec, ReportedSpec, TrialSpec, load_spec, parse_endpoint, parse_spec
from .priors import PriorSpec
from .schema import SpecDocument, spec_json_schema

__all__ = [
    "load_spec",
    "parse_spec",
    "parse_endpoint",
    "TrialSpec",
    "EndpointSpec",
    "ReportedSpec",
    "PriorSpec",
    "SpecDocument",
    "spec_json_schema",
]
