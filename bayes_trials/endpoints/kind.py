"""What the package needs to know about an endpoint kind: :class:`Kind` and :class:`PriorFamily`.

A kind's subpackage builds its own entry (``KIND = Kind(...)``) from these records, and
:mod:`bayes_trials.endpoints.registry` lists the entries. They live apart from the registry
so that a kind can import them while the registry imports the kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PriorFamily:
    """A prior family a kind adds to the spec format (``family = "<name>"``).

    ``parse(raw, where) -> params`` validates the ``[priors.<name>]`` table (raising
    :class:`~bayes_trials.errors.SpecError` naming ``where.<field>``); ``resolve(params,
    endpoint) -> prior`` builds the prior for an endpoint; ``takes`` is the endpoint prior
    family it serves (``"rates"`` for a log-RR prior of a rate-ratio endpoint).
    """

    parse: Callable
    resolve: Callable
    takes: str


@dataclass(frozen=True)
class Kind:
    """What the package needs to know about one endpoint kind.

    Attributes
    ----------
    name : str
        As written in a spec (``kind = "binary"``).
    endpoint : type
        The endpoint class (follows :class:`bayes_trials.endpoints.base.Endpoint`).
    parse : callable
        ``parse(raw, defaults, name, base_dir) -> (endpoint, provenance)``: the endpoint's
        spec table (``defaults``: the table's ``tag`` and ``source`` for bare numbers;
        ``base_dir``: the spec's folder, for data files) into the endpoint and the
        provenance of every number it used (field -> :class:`~bayes_trials.provenance.Sourced`).
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
    """

    name: str
    endpoint: type
    parse: Callable
    prior_family: str
    prior_families: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)
    decisions: bool = False
    sensitivity: object = None
    trial_report: Callable | None = None
