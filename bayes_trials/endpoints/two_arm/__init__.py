"""Randomised two-arm trials: a treatment arm against a control arm.

Three kinds, each end to end (spec -> exact and PyMC posteriors -> frequentist reference ->
checks -> report -> decision rule and operating characteristics):

- ``two_arm_binary`` (:class:`TwoArmBinaryEndpoint`): events of n per arm; risk difference,
  risk ratio, odds ratio, vaccine efficacy, the number needed to treat;
- ``two_arm_rate`` (:class:`TwoArmRateEndpoint`): events over exposure per arm; rate ratio,
  rate difference, vaccine efficacy; Gamma priors per arm, the case-split Beta prior of
  vaccine trials, or a Normal prior on the log rate ratio;
- ``two_arm_normal`` (:class:`TwoArmNormalEndpoint`): a mean per arm, sigma known or
  estimated; the difference.

Modules: :mod:`.data`, :mod:`.priors` (per-arm priors and the spec families ``gamma``,
``normal``, ``case_split``), :mod:`.exact`, :mod:`.model` (PyMC), :mod:`.reference`
(statsmodels, scipy), :mod:`.checks` (printed numbers, identities), :mod:`.design` (the
endpoint's decision rule), :mod:`.schema` (the spec tables), :mod:`.spec` (builders), :mod:`.result` (report parts),
:mod:`.endpoint`. The exact maths of contrasts lives in :mod:`bayes_trials.compare`, the
two-sample decisions in :mod:`bayes_trials.decisions`.
"""

from ..kind import Kind, PriorFamily
from ..rates import RATE_RATIO_KIND
from .checks import Printed
from .data import NormalArm, TwoArmBinary, TwoArmNormal, TwoArmRates
from .design import Decision2SSpec
from .endpoint import TwoArmBinaryEndpoint, TwoArmEndpoint, TwoArmNormalEndpoint, TwoArmRateEndpoint
from .exact import MeanPosterior, StudentT
from .priors import (
    FLAT,
    CaseSplitPrior,
    FlatPrior,
    TwoArmPrior,
    flat_mean,
    jeffreys_rate,
    resolve_case_split_prior,
    resolve_gamma_prior,
    resolve_normal_prior,
)
from .reference import TwoArmReference, binary_reference, normal_reference, rates_reference
from .schema import (
    AnalysisTable,
    CaseSplitPriorTable,
    Decision2STable,
    GammaPriorTable,
    NormalPriorTable,
    PrintedTable,
    TwoArmBinaryTable,
    TwoArmNormalTable,
    TwoArmRateTable,
)
from .spec import two_arm_binary_from_spec, two_arm_normal_from_spec, two_arm_rate_from_spec

#: the registry entries of the kinds
BINARY_KIND = Kind(
    "two_arm_binary",
    TwoArmBinaryEndpoint,
    two_arm_binary_from_spec,
    prior_family="beta",
    schema=TwoArmBinaryTable,
)
RATE_KIND = Kind(
    "two_arm_rate",
    TwoArmRateEndpoint,
    two_arm_rate_from_spec,
    prior_family="gamma",
    prior_families={
        "gamma": PriorFamily(GammaPriorTable, resolve_gamma_prior, takes="gamma"),
        "case_split": PriorFamily(
            CaseSplitPriorTable, resolve_case_split_prior, takes="case_split"
        ),
        # the rate-ratio kind's family (one schema, one resolver), taken here too
        "log_rr": RATE_RATIO_KIND.prior_families["log_rr"],
    },
    references={"jeffreys_rate": (jeffreys_rate, "gamma")},
    schema=TwoArmRateTable,
)
NORMAL_KIND = Kind(
    "two_arm_normal",
    TwoArmNormalEndpoint,
    two_arm_normal_from_spec,
    prior_family="normal",
    prior_families={"normal": PriorFamily(NormalPriorTable, resolve_normal_prior, takes="normal")},
    references={"flat_mean": (flat_mean, "normal")},
    schema=TwoArmNormalTable,
)

__all__ = [
    "BINARY_KIND",
    "RATE_KIND",
    "NORMAL_KIND",
    "TwoArmEndpoint",
    "TwoArmBinaryEndpoint",
    "TwoArmRateEndpoint",
    "TwoArmNormalEndpoint",
    "TwoArmBinary",
    "TwoArmRates",
    "TwoArmNormal",
    "NormalArm",
    "TwoArmPrior",
    "CaseSplitPrior",
    "FlatPrior",
    "FLAT",
    "jeffreys_rate",
    "flat_mean",
    "TwoArmReference",
    "binary_reference",
    "rates_reference",
    "normal_reference",
    "StudentT",
    "MeanPosterior",
    "Printed",
    "Decision2SSpec",
    "two_arm_binary_from_spec",
    "two_arm_rate_from_spec",
    "two_arm_normal_from_spec",
    "TwoArmBinaryTable",
    "TwoArmRateTable",
    "TwoArmNormalTable",
    "AnalysisTable",
    "PrintedTable",
    "Decision2STable",
    "GammaPriorTable",
    "NormalPriorTable",
    "CaseSplitPriorTable",
]
