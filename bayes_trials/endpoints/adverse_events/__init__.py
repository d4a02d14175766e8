"""Adverse events: a safety table of event counts out of ``n``, grouped by body system.

Each event is analysed on its own (exact Beta posteriors, with upper bounds beside
Clopper-Pearson and the rule of three) and all together by the three-level hierarchical
model of Berry and Berry (2004), which lets events of a body system, and body systems,
borrow from each other.

- :mod:`.priors`     :class:`HierarchicalAEPrior` and its spec forms
- :mod:`.model`      the per-event and hierarchical models (PyMC)
- :mod:`.exact`      exact independent posteriors and upper bounds
- :mod:`.reference`  the frequentist reference (Clopper-Pearson, rule of three)
- :mod:`.checks`     printed percentages, Bayesian vs frequentist bounds
- :mod:`.tables`     event rates and shrinkage, hyperpriors, benchmarks
- :mod:`.report`     report sections, prose and the shrinkage forest plot
- :mod:`.spec`       the spec table (inline or CSV)
- :mod:`.endpoint`   :class:`AdverseEventsEndpoint`

Example
-------
>>> from bayes_trials.data import AdverseEventTable
>>> table = AdverseEventTable([
...     ("neutropenia grade>=3", "haematological", 12, 12),
...     ("ICANS", "immune effector", 0, 12),
... ])
>>> ep = AdverseEventsEndpoint("safety", table)
>>> row = ep.independent_summary().loc["ICANS"]
>>> [round(float(row[c]), 4) for c in ("upper95", "cp_upper95", "rule_of_three")]
[0.2058, 0.2209, 0.25]
"""

from ...data import AdverseEvent, AdverseEventTable
from ..kind import Kind, PriorFamily
from .endpoint import AdverseEventsEndpoint
from .model import EventModel, HierarchicalModel
from .priors import FAMILY as HIERARCHICAL_FAMILY
from .priors import (
    HierarchicalAEPrior,
    HierarchicalPriorTable,
    HierarchicalTable,
    resolve_hierarchical_prior,
)
from .reference import AdverseEventReference
from .report import forest_plot
from .spec import AdverseEventsTable, adverse_events_from_spec

#: the registry entry of the kind
KIND = Kind(
    "adverse_events",
    AdverseEventsEndpoint,
    adverse_events_from_spec,
    prior_family="beta",
    prior_families={
        HIERARCHICAL_FAMILY: PriorFamily(
            HierarchicalPriorTable, resolve_hierarchical_prior, takes=HIERARCHICAL_FAMILY
        )
    },
    schema=AdverseEventsTable,
)

__all__ = [
    "KIND",
    "HIERARCHICAL_FAMILY",
    "AdverseEvent",
    "AdverseEventReference",
    "AdverseEventTable",
    "AdverseEventsEndpoint",
    "EventModel",
    "HierarchicalAEPrior",
    "HierarchicalModel",
    "AdverseEventsTable",
    "HierarchicalTable",
    "HierarchicalPriorTable",
    "adverse_events_from_spec",
    "forest_plot",
    "resolve_hierarchical_prior",
]
