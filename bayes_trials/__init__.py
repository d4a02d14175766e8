"""bayes_trials: Bayesian re-analysis of published clinical trials.

The pipeline, one stage a module, each calling only the stages below it::

    spec (TOML) -> data -> priors -> endpoint -> fit -> checks -> summaries -> report

>>> import bayes_trials as bt
>>> bt.update(bt.Beta(1, 1), bt.Binary(9, 9))
Beta(a=10, b=1)
"""

from ._constants import CRED_LEVEL
from .conjugate import update
from .data import (
    AdverseEvent,
    AdverseEventTable,
    Binary,
    Categorical,
    NormalData,
    PerPatientRates,
    PrePostRates,
    Rate,
    TimeToEvent,
    reconstruct_ipd,
)
from .decisions import (
    Calibration,
    Criterion,
    DecisionRule,
    GoNoGoRule,
    calibrate_threshold,
    decision,
    decision_boundary,
    interim_futility_oc,
    operating_characteristics,
)
from .distributions import Beta, Dirichlet, Gamma, HalfCauchy, HalfNormal, Mixture, Normal, robustify
from .endpoints.adverse_events import AdverseEventsEndpoint, HierarchicalAEPrior, forest_plot
from .endpoints.binary import BinaryEndpoint
from .errors import DataError, OutputError, PriorError, SpecError, StatisticalWarning
from .ess import ess
from .map_prior import MAPPrior, fit_mixture, map_prior
from .pipeline import analyse
from .predictive import (
    difference,
    predictive,
    predictive_probability,
    prior_data_conflict,
    prob_difference,
)
from .reported import ReportedEffect, reanalyse_reported, sceptical_prior, zampieri_priors
from .results import EndpointResult, TrialResult
from .spec import load_spec

__version__ = "0.1.0"

__all__ = [
    # distributions and priors
    "Beta", "Gamma", "Normal", "HalfNormal", "HalfCauchy", "Mixture", "Dirichlet", "robustify",
    "ess", "map_prior", "MAPPrior", "fit_mixture", "CRED_LEVEL",
    # data and exact updating
    "Binary", "Rate", "NormalData", "Categorical", "PrePostRates", "PerPatientRates",
    "AdverseEvent", "AdverseEventTable", "TimeToEvent", "reconstruct_ipd", "update",
    "predictive", "predictive_probability", "prob_difference", "difference",
    "prior_data_conflict",
    # decisions and designs
    "Criterion", "DecisionRule", "GoNoGoRule", "decision", "decision_boundary",
    "operating_characteristics", "calibrate_threshold", "Calibration", "interim_futility_oc",
    # reported effects
    "reanalyse_reported", "ReportedEffect", "zampieri_priors", "sceptical_prior",
    # endpoints and the pipeline
    "BinaryEndpoint", "AdverseEventsEndpoint", "HierarchicalAEPrior", "forest_plot", "load_spec", "analyse", "EndpointResult", "TrialResult",
    "SpecError", "DataError", "PriorError", "OutputError", "StatisticalWarning",
]
