"""Event rates before and after treatment: the rate ratio and the percent reduction.

Three models of the same question ("by how much did the event rate fall?"), each with its
exact or frequentist counterpart beside it:

=======================================  ====================================  =====================================
endpoint (spec ``kind``)                  model                                 exact / frequentist counterpart
=======================================  ====================================  =====================================
:class:`RateRatioEndpoint`               independent Gamma priors on the two   Gamma posteriors; the rate ratio is
(``"rate_ratio"``)                       rates, Poisson counts                 a scaled beta-prime (closed form)
:class:`LogRateRatioEndpoint`            baseline rate (Gamma) and log rate    one-dimensional posterior of the log
(a :class:`LogRRPrior` of a              ratio (Normal or Normal mixture)      rate ratio by quadrature; statsmodels
``rate_ratio`` endpoint)                                                       exact-conditional and score tests and
                                                                               intervals, Poisson GLM
:class:`PatientRateRatioEndpoint`        per-patient log-normal frailty,       Poisson GLM with patient fixed effects
(``"rate_ratio_patients"``)              common (optionally patient-varying)   (conditional Poisson), negative-
                                         effect, negative-binomial counts      binomial GLM (statsmodels)
=======================================  ====================================  =====================================

Modules: :mod:`~.priors` (prior bundles and spec families), :mod:`~.model` (PyMC),
:mod:`~.exact`, :mod:`~.reference` (statsmodels), :mod:`~.reference_checks` (Bayesian vs
frequentist), :mod:`~.endpoint` (aggregate data), :mod:`~.patients` and
:mod:`~.patients_report` (per-patient data), :mod:`~.scenarios` (assumed counts behind a
published reduction), :mod:`~.spec` (the spec tables), :mod:`~.report` (trial-level report parts),
:mod:`~.grids` (what sensitivity analyses need).

References
----------
Przyborowski J, Wilenski H. Homogeneity of results in testing samples from Poisson series.
Biometrika 1940;31:313-323. doi:10.1093/biomet/31.3-4.313

Spiegelhalter DJ, Freedman LS, Parmar MKB. Bayesian approaches to randomized trials.
J R Stat Soc A 1994;157:357-416. doi:10.2307/2983527
"""

from ...distributions.derived import LogScalePosterior, RateRatioPosterior, ratio_of_rates
from ..kind import Kind, PriorFamily
from . import grids
from .endpoint import LogRateRatioEndpoint, RateRatioEndpoint
from .exact import (
    conditional_log_likelihood,
    log_linear_posterior,
    no_pooling_posterior,
    two_rate_posterior,
)
from .patients import PatientRateRatioEndpoint
from .priors import (
    REFERENCE_LOG_RR_SD,
    VAGUE_RATE,
    LogRRPrior,
    LogRRPriorTable,
    PatientRatePrior,
    PatientRatesPriorTable,
    RatesPriorTable,
    TwoRatePrior,
    log_rr_priors,
    resolve_log_rr_prior,
    resolve_patient_rates_prior,
    resolve_rates_prior,
)
from .reference import (
    PatientRatesReference,
    RateRatioReference,
    patient_rates_reference,
    rate_ratio_reference,
)
from .reference_checks import INTERVAL_TOL_SE, MEDIAN_TOL_SE
from .report import trial_report
from .scenarios import (
    ScenarioCounts,
    ScenarioGrid,
    rr_from_reduction,
    scenario_counts,
    scenario_sweep,
)
from .spec import (
    PatientRatesTable,
    RateRatioTable,
    ScenarioTable,
    patient_rates_from_spec,
    rate_ratio_from_spec,
)

#: the registry entries of the kinds: aggregate counts, and per-patient tables
RATE_RATIO_KIND = Kind(
    "rate_ratio",
    RateRatioEndpoint,
    rate_ratio_from_spec,
    prior_family="rates",
    prior_families={
        "rates": PriorFamily(RatesPriorTable, resolve_rates_prior, takes="rates"),
        "log_rr": PriorFamily(LogRRPriorTable, resolve_log_rr_prior, takes="rates"),
    },
    references={"jeffreys_rates": (TwoRatePrior.jeffreys, "rates")},
    sensitivity=grids.LogRRGrid(),
    trial_report=trial_report,
    schema=RateRatioTable,
)
PATIENT_RATES_KIND = Kind(
    "rate_ratio_patients",
    PatientRateRatioEndpoint,
    patient_rates_from_spec,
    prior_family="patient_rates",
    prior_families={
        "patient_rates": PriorFamily(
            PatientRatesPriorTable, resolve_patient_rates_prior, takes="patient_rates"
        )
    },
    schema=PatientRatesTable,
)

__all__ = [
    "RATE_RATIO_KIND",
    "PATIENT_RATES_KIND",
    "RateRatioEndpoint",
    "LogRateRatioEndpoint",
    "PatientRateRatioEndpoint",
    "TwoRatePrior",
    "LogRRPrior",
    "PatientRatePrior",
    "log_rr_priors",
    "VAGUE_RATE",
    "REFERENCE_LOG_RR_SD",
    "RateRatioPosterior",
    "LogScalePosterior",
    "ratio_of_rates",
    "two_rate_posterior",
    "log_linear_posterior",
    "conditional_log_likelihood",
    "no_pooling_posterior",
    "RateRatioReference",
    "PatientRatesReference",
    "rate_ratio_reference",
    "patient_rates_reference",
    "MEDIAN_TOL_SE",
    "INTERVAL_TOL_SE",
    "ScenarioCounts",
    "ScenarioGrid",
    "rr_from_reduction",
    "scenario_counts",
    "scenario_sweep",
    "rate_ratio_from_spec",
    "patient_rates_from_spec",
    "trial_report",
    "grids",
    "RateRatioTable",
    "PatientRatesTable",
    "ScenarioTable",
    "RatesPriorTable",
    "LogRRPriorTable",
    "PatientRatesPriorTable",
    "resolve_rates_prior",
    "resolve_log_rr_prior",
    "resolve_patient_rates_prior",
]
