"""bayes_trials: Bayesian re-analysis of published clinical trials.

The pipeline, one stage a module, each calling only the stages below it::

    spec (TOML) -> data -> priors -> endpoint -> fit -> checks -> summaries -> report

>>> import bayes_trials as bt
>>> bt.update(bt.Beta(1, 1), bt.Binary(9, 9))
Beta(a=10, b=1)
"""

import time as _time

#: when the package's import began: ``--profile`` counts the import phase from here (the
#: process's own start is unreliable: a shell that runs ``setup.sh && bayes-trials run`` may
#: exec the command in its own process, whose start then includes the set-up)
_IMPORT_STARTED = _time.perf_counter()


from ._constants import CRED_LEVEL
from .compare import compare
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
    Boundary2S,
    Calibration,
    Calibration2S,
    Criterion,
    Criterion2S,
    DecisionRule,
    DecisionRule2S,
    GoNoGoRule,
    calibrate_threshold,
    calibrate_threshold_2s,
    decision,
    decision_2s,
    decision_boundary,
    decision_boundary_2s,
    interim_futility_oc,
    operating_characteristics,
    operating_characteristics_2s,
    probability_of_success_2s,
)
from .distributions import (
    Beta,
    Dirichlet,
    Gamma,
    HalfCauchy,
    HalfNormal,
    Mixture,
    Normal,
    robustify,
)
from .endpoints.adverse_events import AdverseEventsEndpoint, HierarchicalAEPrior, forest_plot
from .endpoints.binary import BinaryEndpoint
from .endpoints.categorical import CategoricalEndpoint
from .endpoints.rates import (
    LogRateRatioEndpoint,
    LogRRPrior,
    PatientRatePrior,
    PatientRateRatioEndpoint,
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
    TimeToEventEndpoint,
    WeibullPrior,
    WeibullSurvival,
)
from .endpoints.two_arm import (
    CaseSplitPrior,
    NormalArm,
    TwoArmBinary,
    TwoArmBinaryEndpoint,
    TwoArmNormal,
    TwoArmNormalEndpoint,
    TwoArmPrior,
    TwoArmRateEndpoint,
    TwoArmRates,
)
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
from .sensitivity import (
    SensitivityResult,
    TippingPoint,
    fragility,
    load_grid,
    sensitivity,
    tipping_point,
    tipping_points,
)
from .spec import load_spec

__version__ = "0.1.0"

__all__ = [
    # distributions and priors
    "Beta",
    "Gamma",
    "Normal",
    "HalfNormal",
    "HalfCauchy",
    "Mixture",
    "Dirichlet",
    "robustify",
    "ess",
    "map_prior",
    "MAPPrior",
    "fit_mixture",
    "CRED_LEVEL",
    # data and exact updating
    "Binary",
    "Rate",
    "NormalData",
    "Categorical",
    "PrePostRates",
    "PerPatientRates",
    "AdverseEvent",
    "AdverseEventTable",
    "TimeToEvent",
    "reconstruct_ipd",
    "update",
    "predictive",
    "predictive_probability",
    "prob_difference",
    "difference",
    "prior_data_conflict",
    # decisions and designs
    "Criterion",
    "DecisionRule",
    "GoNoGoRule",
    "decision",
    "decision_boundary",
    "operating_characteristics",
    "calibrate_threshold",
    "Calibration",
    "interim_futility_oc",
    # two arms: contrasts, decisions and designs
    "compare",
    "decision_2s",
    "decision_boundary_2s",
    "operating_characteristics_2s",
    "probability_of_success_2s",
    "calibrate_threshold_2s",
    "Criterion2S",
    "DecisionRule2S",
    "Boundary2S",
    "Calibration2S",
    # randomised two-arm trials
    "TwoArmBinaryEndpoint",
    "TwoArmRateEndpoint",
    "TwoArmNormalEndpoint",
    "TwoArmBinary",
    "TwoArmRates",
    "TwoArmNormal",
    "NormalArm",
    "TwoArmPrior",
    "CaseSplitPrior",
    # reported effects
    "reanalyse_reported",
    "ReportedEffect",
    "zampieri_priors",
    "sceptical_prior",
    # sensitivity analyses
    "sensitivity",
    "tipping_point",
    "tipping_points",
    "fragility",
    "SensitivityResult",
    "TippingPoint",
    "load_grid",
    # time to event
    "ExponentialSurvival",
    "WeibullSurvival",
    "PiecewiseExponentialSurvival",
    "WeibullPrior",
    "PiecewisePrior",
    "SurvivalPrior",
    "TimeToEventEndpoint",
    # event rates before and after treatment
    "RateRatioEndpoint",
    "LogRateRatioEndpoint",
    "PatientRateRatioEndpoint",
    "TwoRatePrior",
    "LogRRPrior",
    "PatientRatePrior",
    "log_rr_priors",
    "RateRatioPosterior",
    "scenario_counts",
    "scenario_sweep",
    "conditional_log_likelihood",
    # endpoints and the pipeline
    "BinaryEndpoint",
    "CategoricalEndpoint",
    "AdverseEventsEndpoint",
    "HierarchicalAEPrior",
    "forest_plot",
    "load_spec",
    "analyse",
    "EndpointResult",
    "TrialResult",
    "SpecError",
    "DataError",
    "PriorError",
    "OutputError",
    "StatisticalWarning",
]


def __getattr__(name):
    # names kept for one release after the restructure (issue 13)
    if name == "PatientRatesResult":
        import warnings

        warnings.warn(
            "PatientRatesResult is now EndpointResult (one result shape for every kind); "
            "its tables are PatientRateRatioEndpoint.report_sections(result)",
            DeprecationWarning,
            stacklevel=2,
        )
        return EndpointResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
