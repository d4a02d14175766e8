"""The endpoint kinds: kind name -> class, spec parser, prior families, hooks. Explicit.

Every kind a spec can name is listed here, once, with what the rest of the package needs
from it: the endpoint class, the parser of its ``[[endpoints]]`` table, the family of priors
it takes, the prior families it adds to the spec format, its sensitivity-analysis hooks and
its trial-level report parts. Nothing registers itself by being imported: adding a kind
means writing its subpackage and adding one line to :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import adverse_events as ae
from .binary import BinaryEndpoint, binary_from_spec


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
        ``trial_report(results) -> [(heading, table or figure)]``: report parts across all
        endpoints of this kind in a spec.
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


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("binary", BinaryEndpoint, binary_from_spec, prior_family="beta", decisions=True),
    Kind("adverse_events", ae.AdverseEventsEndpoint, ae.adverse_events_from_spec, prior_family="beta",
         prior_families={ae.HIERARCHICAL_FAMILY: PriorFamily(ae.parse_hierarchical_prior,
                                                             ae.resolve_hierarchical_prior,
                                                             takes=ae.HIERARCHICAL_FAMILY)}),
)}


def kind_of(endpoint) -> Kind:
    """The :class:`Kind` of an endpoint object."""
    return KINDS[endpoint.kind]


def prior_families() -> dict[str, PriorFamily]:
    """Every prior family the kinds add to the spec format."""
    return {name: fam for kind in KINDS.values() for name, fam in kind.prior_families.items()}


def references() -> dict:
    """Every named reference prior the kinds add: name -> (factory, family)."""
    return {name: ref for kind in KINDS.values() for name, ref in kind.references.items()}
