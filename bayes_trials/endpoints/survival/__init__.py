"""Time-to-event endpoints: exponential, Weibull and piecewise-exponential survival models.

Data are per patient (:class:`~bayes_trials.TimeToEvent`): a time from infusion (or
randomisation) to the event or to censoring, an event indicator, optionally a group (two
dose levels; treated vs a reconstructed benchmark arm, :func:`bayes_trials.reconstruct_ipd`).

- :class:`ExponentialSurvival` (:mod:`.model`): constant hazard, Gamma (mixture) prior, exact
  conjugate posterior :math:`\\text{Gamma}(s + D, r + E)` (:func:`bayes_trials.update`) and
  exact posteriors of every estimand (:mod:`.exact`);
- :class:`WeibullSurvival` (:mod:`.weibull`): :math:`S(t) = \\exp(-(t/\\sigma)^k)`,
  log-normal priors on shape and scale (:class:`WeibullPrior`);
- :class:`PiecewiseExponentialSurvival` (:mod:`.piecewise`): hazards constant between cut
  points, log hazards a Gaussian random walk (:class:`PiecewisePrior`);
- :class:`TimeToEventEndpoint` (:mod:`.endpoint`, the spec kind ``time_to_event``): the
  models above under each :class:`SurvivalPrior`, one analysis per (model, prior).

Estimands (:class:`~bayes_trials.quantity.Quantity` s ``survival[g]``, ``rmst[g]``,
``median[g]``, ``hazard_ratio[<other> / <reference>]``): survival at a landmark
:math:`S(t^*)` with :math:`P(S(t^*) > s_0)` for a target :math:`s_0`, restricted mean
survival time :math:`\\int_0^\\tau S(t)\\,dt`, median survival, and the hazard ratio.
Frequentist references (:mod:`.reference`, lifelines): Kaplan-Meier with Greenwood and
log(-log) intervals, exponential and Weibull fits, and for two groups the Cox model, the
log-rank test and the Weibull AFT.

References
----------
Ibrahim JG, Chen M-H, Sinha D. Bayesian Survival Analysis. Springer 2001.
doi:10.1007/978-1-4757-3447-8 (Gamma-exponential conjugacy, piecewise-exponential models).

Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
for the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res
Methodol 2013;13:152. doi:10.1186/1471-2288-13-152
"""

from ..kind import Kind, PriorFamily
from .endpoint import TimeToEventEndpoint
from .model import ExponentialSurvival, SurvivalModel
from .piecewise import PiecewiseExponentialSurvival, piece_statistics, quantile_cuts
from .priors import (
    MODELS,
    PiecewisePrior,
    SurvivalPrior,
    SurvivalPriorTable,
    WeibullPrior,
    resolve_survival_prior,
)
from .reference import SurvivalReference
from .spec import TimeToEventTable, time_to_event_from_spec
from .weibull import WeibullSurvival

__all__ = [
    "ExponentialSurvival",
    "WeibullSurvival",
    "PiecewiseExponentialSurvival",
    "SurvivalModel",
    "WeibullPrior",
    "PiecewisePrior",
    "SurvivalPrior",
    "SurvivalReference",
    "TimeToEventEndpoint",
    "quantile_cuts",
    "piece_statistics",
    "SurvivalPriorTable",
    "resolve_survival_prior",
    "TimeToEventTable",
    "time_to_event_from_spec",
    "MODELS",
    "KIND",
]

#: the registry entry of the spec kind ``time_to_event`` and its prior family ``survival``
KIND = Kind(
    "time_to_event",
    TimeToEventEndpoint,
    time_to_event_from_spec,
    prior_family="survival",
    prior_families={
        "survival": PriorFamily(SurvivalPriorTable, resolve_survival_prior, takes="survival")
    },
    schema=TimeToEventTable,
)
