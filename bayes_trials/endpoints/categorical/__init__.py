"""Response categories: ordered categories on one simplex (Dirichlet-multinomial), with unions.

A trial that reports its responses as ordered categories (CR > CRi > MLFS > no response)
gives multinomial counts. This kind analyses them on one simplex, every category and every
union of categories (CR + CRi, any response) with its exact Beta marginal, checked by MCMC,
against the binary analysis of the union and against simultaneous frequentist intervals.

Modules: :mod:`.endpoint` (the endpoint class), :mod:`.model` (PyMC), :mod:`.exact`
(Dirichlet and Beta posteriors), :mod:`.reference` (Goodman, Sison-Glaz, Clopper-Pearson),
:mod:`.checks` (published percentages; Bayesian vs frequentist), :mod:`.priors` (the spec's
``family = "dirichlet"``), :mod:`.spec` (the ``kind = "categorical"`` table) and
:mod:`.result` (report parts); :data:`KIND` is its registry entry.
"""

from ..kind import Kind, PriorFamily
from .endpoint import CategoricalEndpoint, cumulative_unions
from .priors import DirichletPriorTable, resolve_dirichlet_prior
from .reference import SIMULTANEOUS_METHODS, CategoricalReference, categorical_reference
from .spec import CategoricalTable, categorical_from_spec

#: the registry entry of the kind
KIND = Kind(
    "categorical",
    CategoricalEndpoint,
    categorical_from_spec,
    prior_family="dirichlet",
    prior_families={
        "dirichlet": PriorFamily(DirichletPriorTable, resolve_dirichlet_prior, "dirichlet")
    },
    schema=CategoricalTable,
)

__all__ = [
    "KIND",
    "SIMULTANEOUS_METHODS",
    "CategoricalEndpoint",
    "CategoricalReference",
    "CategoricalTable",
    "DirichletPriorTable",
    "categorical_from_spec",
    "categorical_reference",
    "cumulative_unions",
    "resolve_dirichlet_prior",
]
