"""What the package needs to know about an endpoint kind: :class:`Kind` and :class:`PriorFamily`.

A kind's subpackage builds its own entry (``KIND = Kind(...)``) from these records, and
:mod:`bayes_trials.endpoints.registry` lists the entries. They live apart from the registry
so that a kind can import them while the registry imports the kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel


def _is_schema(obj) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


@dataclass(frozen=True)
class PriorFamily:
    """A prior family a kind adds to the spec format (``family = "<name>"``).

    ``schema`` is the pydantic model of the ``[priors.<name>]`` table (a subclass of
    :class:`~bayes_trials.endpoints.table.PriorTable` with ``family: Literal["<name>"]``);
    ``resolve(table, endpoint) -> prior`` builds the prior for an endpoint from the
    validated table; ``takes`` is the endpoint prior family it serves (``"rates"`` for a
    log-RR prior of a rate-ratio endpoint).

    A family not yet written on the schema may give, instead of a model, a function
    ``parse(raw, where) -> params`` (its table as a dict; ``resolve`` then gets ``params``):
    its table is accepted without checking its keys until it is converted (see
    :mod:`bayes_trials.spec`).
    """

    schema: object
    resolve: Callable
    takes: str

    @property
    def legacy(self) -> bool:
        """True for a family whose table is parsed by hand (not yet on the schema)."""
        return not _is_schema(self.schema)


@dataclass(frozen=True)
class Kind:
    """What the package needs to know about one endpoint kind.

    Attributes
    ----------
    name : str
        As written in a spec (``kind = "binary"``).
    endpoint : type
        The endpoint class (follows :class:`bayes_trials.endpoints.base.Endpoint`).
    build : callable
        ``build(table, defaults, name, base_dir) -> (endpoint, provenance)``: the endpoint's
        validated ``[[endpoints]]`` table (an instance of ``schema``; ``defaults``: the
        table's ``tag`` and ``source`` for bare numbers, a
        :class:`~bayes_trials.provenance.Defaults`; ``base_dir``: the spec's folder, for
        data files) into the endpoint and the provenance of every number it used (field ->
        :class:`~bayes_trials.provenance.Sourced`). Errors are located
        :class:`~bayes_trials.errors.BayesTrialsError` s naming the field.
    prior_family : str
        The family of the priors the endpoint takes (``"beta"``, ``"rates"``, ...): a spec's
        priors of this family are its default priors.
    prior_families : dict
        Prior families this kind adds to the spec format: family -> :class:`PriorFamily`.
    references : dict
        Named reference priors this kind adds (``reference = "<name>"`` in a spec): name ->
        ``(factory, family)``, ``factory()`` giving the prior.
    decisions : bool
        Whether the kind takes a ``decision`` rule (exact OCs and boundaries).
    sensitivity : object, optional
        The kind's hooks for prior-sensitivity grids (None: no grids).
    trial_report : callable, optional
        ``trial_report(results) -> [Part]``: report parts across all endpoints of this kind
        in a spec (:class:`~bayes_trials.endpoints.base.Part` records with a ``stem`` naming
        their files; parts that share a heading share a section).
    schema : type
        The pydantic model of the kind's ``[[endpoints]]`` table (a subclass of
        :class:`~bayes_trials.endpoints.table.EndpointTable` with ``kind:
        Literal["<name>"]``). None for a kind whose parser is not yet written on the
        schema: ``build`` then gets the table as a dict and ``defaults`` as a dict
        ``{"tag", "source"}``, and unknown keys are its parser's business (see
        :mod:`bayes_trials.spec` for the conversion).
    """

    name: str
    endpoint: type
    build: Callable
    prior_family: str
    prior_families: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)
    decisions: bool = False
    sensitivity: object = None
    trial_report: Callable | None = None
    schema: type | None = None

    @property
    def parse(self) -> Callable:
        """The former name of :attr:`build`."""
        return self.build
