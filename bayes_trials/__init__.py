"""bayes_trials: Bayesian re-analysis of published clinical trials.

The pipeline, one module per stage::

    spec (TOML) -> data -> priors -> endpoints -> fit -> checks -> summaries -> report

>>> import bayes_trials as bt
>>> bt.update(bt.Beta(1, 1), bt.Binary(9, 9))
Beta(a=10, b=1)
"""

from .analysis import EndpointResult, TrialResult, analyse
from .conjugate import update
from .data import Binary, NormalData, Rate
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
from .dirichlet import Categorical, Dirichlet
from .endpoints import BinaryEndpoint
from .endpoints.adverse_events import (
    AdverseEventsEndpoint,
    AdverseEventTable,
    HierarchicalAEPrior,
    forest_plot,
)
from .endpoints.categorical import CategoricalEndpoint
from .endpoints.rates import (
    LogRateRatioEndpoint,
    LogRRPrior,
    PatientRatePrior,
    PatientRateRatioEndpoint,
    PatientRatesResult,
    RateRatioEndpoint,
    RateRatioPosterior,
    TwoRatePrior,
    conditional_log_likelihood,
    log_rr_priors,
    scenario_counts,
    scenario_sweep,
)
from .endpoints.survival import (
    ExponentialSurvival,
    PiecewiseExponentialSurvival,
    PiecewisePrior,
    SurvivalPrior,
    TimeToEvent,
    TimeToEventEndpoint,
    WeibullPrior,
    WeibullSurvival,
)
from .ipd import reconstruct_ipd
from .rates_data import PerPatientRates, PrePostRates
from .sensitivity import (
    SensitivityResult,
    TippingPoint,
    fragility,
    load_grid,
    sensitivity,
    tipping_point,
    tipping_points,
)
from .errors import DataError, PriorError, SpecError, StatisticalWarning
from .ess import ess
from .map_prior import MAPPrior, fit_mixture, map_prior
from .predictive import (
    difference,
    predictive,
    predictive_probability,
    prior_data_conflict,
    prob_difference,
)
from .priors import CRED_LEVEL, Beta, Gamma, HalfCauchy, HalfNormal, Mixture, Normal, robustify
from .reported import ReportedEffect, reanalyse_reported, sceptical_prior, zampieri_priors
from .spec import load_spec

__version__ = "0.1.0"

__all__ = [
    # distributions and priors
    "Beta", "Gamma", "Normal", "HalfNormal", "HalfCauchy", "Mixture", "robustify", "ess",
    "map_prior", "MAPPrior", "fit_mixture", "CRED_LEVEL",
    # data and exact updating
    "Binary", "Rate", "NormalData", "update", "predictive", "predictive_probability",
    "prob_difference", "difference", "prior_data_conflict",
    # decisions and designs
    "Criterion", "DecisionRule", "GoNoGoRule", "decision", "decision_boundary",
    "operating_characteristics", "calibrate_threshold", "Calibration", "interim_futility_oc",
    # reported effects
    "reanalyse_reported", "ReportedEffect", "zampieri_priors", "sceptical_prior",
    # categories and adverse events
    "Categorical", "Dirichlet", "CategoricalEndpoint", "AdverseEventsEndpoint",
    "AdverseEventTable", "HierarchicalAEPrior", "forest_plot",
    # event rates before and after treatment
    "PrePostRates", "PerPatientRates", "RateRatioEndpoint", "LogRateRatioEndpoint",
    "PatientRateRatioEndpoint", "TwoRatePrior", "LogRRPrior", "PatientRatePrior", "log_rr_priors",
    "RateRatioPosterior", "scenario_counts", "scenario_sweep", "PatientRatesResult",
    "conditional_log_likelihood",
    # time to event
    "TimeToEvent", "ExponentialSurvival", "WeibullSurvival", "PiecewiseExponentialSurvival",
    "WeibullPrior", "PiecewisePrior", "SurvivalPrior", "TimeToEventEndpoint", "reconstruct_ipd",
    # sensitivity analyses
    "sensitivity", "tipping_point", "tipping_points", "fragility", "SensitivityResult",
    "TippingPoint", "load_grid",
    # the pipeline
    "BinaryEndpoint", "load_spec", "analyse", "EndpointResult", "TrialResult",
    "SpecError", "DataError", "PriorError", "StatisticalWarning",
]
