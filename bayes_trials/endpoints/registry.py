"""The endpoint kinds: kind name -> class, spec parser, prior families, hooks. Explicit.

Every kind a spec can name is listed here, once, with what the rest of the package needs
from it: the endpoint class, the parser of its ``[[endpoints]]`` table, the family of priors
it takes, the prior families it adds to the spec format, its sensitivity-analysis hooks and
its trial-level report parts. Nothing registers itself by being imported: adding a kind
means writing its subpackage and adding one line to :data:`KINDS`.
"""

from __future__ import annotations

from . import adverse_events, binary, categorical, rates, survival, two_arm
from .kind import Kind, PriorFamily

__all__ = ["Kind", "PriorFamily", "KINDS", "kind_of", "prior_families", "references"]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        binary.KIND,
        categorical.KIND,
        rates.RATE_RATIO_KIND,
        rates.PATIENT_RATES_KIND,
        survival.KIND,
        adverse_events.KIND,
        two_arm.BINARY_KIND,
        two_arm.RATE_KIND,
        two_arm.NORMAL_KIND,
    )
}


def kind_of(endpoint) -> Kind:
    """The :class:`Kind` of an endpoint object."""
    return KINDS[endpoint.kind]


def prior_families() -> dict[str, PriorFamily]:
    """Every prior family the kinds add to the spec format."""
    return {name: fam for kind in KINDS.values() for name, fam in kind.prior_families.items()}


def references() -> dict:
    """Every named reference prior the kinds add: name -> (factory, family)."""
    return {name: ref for kind in KINDS.values() for name, ref in kind.references.items()}
