"""The spec tables of the two-arm kinds, as pydantic schemas (strict: unknown keys refused).

``[[endpoints]]`` tables: :class:`TwoArmBinaryTable` (``kind = "two_arm_binary"``),
:class:`TwoArmRateTable` (``"two_arm_rate"``), :class:`TwoArmNormalTable`
(``"two_arm_normal"``), with their sub-tables ``[[endpoints.analyses]]``
(:class:`AnalysisTable`: one named prior per arm), ``[[endpoints.printed]]``
(:class:`PrintedTable`: a printed number recomputed) and ``[endpoints.decision_2s]``
(:class:`Decision2STable`). Prior families: ``gamma`` (:class:`GammaPriorTable`), ``normal``
(:class:`NormalPriorTable`) and ``case_split`` (:class:`CaseSplitPriorTable`), each one
component or ``components`` with ``weights``.

What depends on the kind beyond the keys (a printed method that belongs to its measure, a
prior that names an analysis) is checked by the builders in :mod:`.spec`.

Example
-------
>>> from bayes_trials._schema import validate
>>> table, found = validate(TwoArmBinaryTable, {"id": "r", "kind": "two_arm_binary", "events_treatment": 12,
...     "n_treatment": 20, "events_control": 5, "n_control": 20, "mesures": ["risk_ratio"]})
>>> found
[(('mesures',), "unknown field; did you mean 'measures'?")]
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..._schema import (
    Count,
    Direction,
    Positive,
    Probability,
    Real,
    SpecModel,
    TagName,
    Text,
    forms,
)
from ...compare import MEASURES
from ...distributions import Beta, Mixture
from ...errors import BayesTrialsError
from ...provenance import SourcedNumber
from ..table import EndpointTable, GammaParams, NormalParams, PriorTable
from .checks import BAYESIAN, FREQUENTIST, RELATIONS

BINARY_MEASURES = ("risk_difference", "risk_ratio", "odds_ratio", "vaccine_efficacy")
RATE_MEASURES = ("rate_ratio", "rate_difference", "vaccine_efficacy")
NORMAL_MEASURES = ("difference",)


class AnalysisTable(SpecModel):
    """``[[endpoints.analyses]]``: an analysis with one named prior per arm."""

    name: Text = Field(description="The analysis's name (rows, checks and seeds use it).")
    treatment: Text = Field(description="The [priors.<name>] of the treatment arm.")
    control: Text = Field(
        description="The [priors.<name>] of the control arm (e.g. a robust MAP prior)."
    )


class PrintedTable(SpecModel):
    """``[[endpoints.printed]]``: a number the paper printed about the comparison, recomputed at
    its precision."""

    measure: Text = Field(
        description="A measure of the endpoint (vaccine_efficacy, risk_ratio, ...) or an "
        "arm's parameter (p_treatment, rate_control, case_split, mean_treatment, ...)."
    )
    statistic: Literal[FREQUENTIST + BAYESIAN] = Field(
        description=(
            "estimate, ci_low, ci_high, p_value (frequentist, with method) or cri_low, cri_high, median, mean, "
            "prob (posterior, with prior)."
        )
    )
    value: Real = Field(description="The printed number (in percent with scale = 100).")
    method: str = Field(
        "", description="The interval method (ci_low, ci_high) or the test (p_value)."
    )
    prior: str = Field(
        "", description="The analysis (or prior) a posterior statistic is taken under."
    )
    threshold: Real | None = Field(
        None,
        description="prob: P(measure beyond this threshold), in the "
        "endpoint's direction of benefit.",
    )
    relation: Literal[RELATIONS] = Field(
        "equal", description="equal, or below / above (a printed '< 0.001' or '> 0.9999')."
    )
    decimals: Count = Field(
        2, description="Decimals printed: the recomputed number is rounded to them."
    )
    scale: Literal[1, 100] = Field(1, description="1, or 100 for a number printed in percent.")
    tag: TagName = Field(description="Provenance (published).")
    source: Text = Field(description="Where the number is printed.")
    note: str = Field("", description="A remark shown with the check.")


def _one_or_many(tp, what: str):
    return forms(number=tp, list=list[tp]) if what == "number" else forms(text=tp, list=list[tp])


class Decision2STable(SpecModel):
    """``[endpoints.decision_2s]``: a two-sample decision rule (RBesT's ``decision2S``) with its exact
    boundary, operating characteristics and, with ``alpha``, the calibrated threshold."""

    threshold: _one_or_many(Probability, "number") = Field(
        description=(
            "Success if P(contrast beyond target) exceeds this; a list: one per criterion, all must hold."
        )
    )
    target: _one_or_many(Real, "number") = Field(
        0.0,
        description=(
            "The margin each criterion is taken against (0 for a difference, 1 for a ratio)."
        ),
    )
    measure: _one_or_many(Literal[MEASURES], "text") = Field(
        "difference",
        description=(
            "difference, ratio or odds_ratio (arm 1 = treatment vs arm 2 = control); or one per criterion."
        ),
    )
    direction: _one_or_many(Direction, "text") | None = Field(
        None,
        description=(
            "greater or less (default: the endpoint's direction of benefit); or one per criterion."
        ),
    )
    n_treatment: Positive | None = Field(
        None,
        description="The design's treatment-arm size (patients; "
        "exposure for rates; default: the data's).",
    )
    n_control: Positive | None = Field(
        None, description="The design's control-arm size (default: the data's)."
    )
    truths_control: _one_or_many(Real, "number") = Field(
        description="True control values of the OC grid."
    )
    truths_treatment: _one_or_many(Real, "number") = Field(
        description="True treatment values of the OC grid (every pair with truths_control)."
    )
    alpha: Probability | None = Field(
        None, description="Calibrate the threshold to this one-sided type I error (one criterion)."
    )
    null_control: _one_or_many(Real, "number") | None = Field(
        None,
        description=(
            "Control values at which the type I error is taken (default: truths_control)."
        ),
    )
    sigma: Positive | None = Field(
        None, description="Normal arms: the sampling sd of one observation."
    )
    tag: TagName = Field("assumed", description="Provenance of the rule (usually assumed).")
    rationale: Text = Field(description="Why this rule and this design.")
    source: str = Field("", description="Where the rule comes from (a protocol), if anywhere.")


_REFUSED = {
    "published": "a two-arm endpoint states what the paper printed in [[endpoints.printed]] tables, each "
    "naming its measure",
    "benchmarks": "external benchmark rates are for one-arm endpoints: a two-arm trial has its own control",
    "decision": "a two-arm endpoint's rule is [endpoints.decision_2s] (see decision_2s)",
}


class TwoArmTable(EndpointTable):
    """The fields every two-arm ``[[endpoints]]`` table shares."""

    unknown_keys = _REFUSED

    direction: Direction | None = Field(
        None,
        description=(
            "The direction of benefit of the contrast treatment vs control (default: greater for binary and "
            "normal, less for rates)."
        ),
    )
    treatment_label: str = Field("", description="The treatment arm's name in reports.")
    control_label: str = Field("", description="The control arm's name in reports.")
    analyses: list[AnalysisTable] = Field(
        default_factory=list,
        description=(
            "Analyses with one named prior per arm (default: each prior of the endpoint on both arms)."
        ),
    )
    printed: list[PrintedTable] = Field(
        default_factory=list, description="Numbers the paper printed, recomputed and checked."
    )
    decision_2s: Decision2STable | None = Field(
        None, description="A two-sample decision rule with its exact operating characteristics."
    )


class TwoArmBinaryTable(TwoArmTable):
    """``kind = "two_arm_binary"``: events of n patients per arm (a 2x2 table)."""

    kind: Literal["two_arm_binary"] = Field(description='"two_arm_binary".')
    events_treatment: SourcedNumber = Field(description="Patients with the event, treatment arm.")
    n_treatment: SourcedNumber = Field(description="Patients, treatment arm.")
    events_control: SourcedNumber = Field(description="Patients with the event, control arm.")
    n_control: SourcedNumber = Field(description="Patients, control arm.")
    measures: list[Literal[BINARY_MEASURES]] = Field(
        default_factory=list,
        description=(
            "Contrasts reported: risk_difference, risk_ratio, odds_ratio, vaccine_efficacy (default: the "
            "first three)."
        ),
    )
    margins: dict[Literal[BINARY_MEASURES], SourcedNumber] = Field(
        default_factory=dict,
        description=(
            "measure = margin: P(effect beyond the margin) is reported (default: no effect)."
        ),
    )


class TwoArmRateTable(TwoArmTable):
    """``kind = "two_arm_rate"``: events over exposure per arm."""

    kind: Literal["two_arm_rate"] = Field(description='"two_arm_rate".')
    events_treatment: SourcedNumber = Field(description="Events (cases), treatment arm.")
    exposure_treatment: SourcedNumber = Field(description="Exposure (person-time), treatment arm.")
    events_control: SourcedNumber = Field(description="Events (cases), control arm.")
    exposure_control: SourcedNumber = Field(description="Exposure (person-time), control arm.")
    unit: str = Field("", description="The unit of exposure (e.g. '1000 person-years').")
    measures: list[Literal[RATE_MEASURES]] = Field(
        default_factory=list,
        description=(
            "Contrasts reported: rate_ratio, rate_difference, vaccine_efficacy (default: the first two)."
        ),
    )
    margins: dict[Literal[RATE_MEASURES], SourcedNumber] = Field(
        default_factory=dict,
        description=(
            "measure = margin: P(effect beyond the margin) is reported (default: no effect)."
        ),
    )


class TwoArmNormalTable(TwoArmTable):
    """``kind = "two_arm_normal"``: a mean per arm with its standard error, or sd and n."""

    kind: Literal["two_arm_normal"] = Field(description='"two_arm_normal".')
    mean_treatment: SourcedNumber = Field(description="Mean, treatment arm.")
    se_treatment: SourcedNumber | None = Field(
        None,
        description="Standard error of the mean, treatment arm (or sd_treatment and n_treatment).",
    )
    sd_treatment: SourcedNumber | None = Field(
        None, description="Standard deviation, treatment arm."
    )
    n_treatment: SourcedNumber | None = Field(None, description="Patients, treatment arm.")
    mean_control: SourcedNumber = Field(description="Mean, control arm.")
    se_control: SourcedNumber | None = Field(
        None, description="Standard error of the mean, control arm."
    )
    sd_control: SourcedNumber | None = Field(None, description="Standard deviation, control arm.")
    n_control: SourcedNumber | None = Field(None, description="Patients, control arm.")
    sigma: Literal["known", "estimated"] = Field(
        "known",
        description=(
            "known: the standard errors are taken as known; estimated: Student-t per arm (needs sd and n)."
        ),
    )
    measures: list[Literal[NORMAL_MEASURES]] = Field(
        default_factory=list, description="Contrasts: difference."
    )
    margins: dict[Literal[NORMAL_MEASURES], SourcedNumber] = Field(
        default_factory=dict,
        description=(
            "measure = margin: P(effect beyond the margin) is reported (default: no effect)."
        ),
    )


# =====================================================================================
# prior families
# =====================================================================================
class BetaAB(SpecModel):
    """A Beta distribution ``{ a, b }``."""

    a: Positive = Field(description="First shape parameter.")
    b: Positive = Field(description="Second shape parameter.")


def _check_form(table, keys: tuple):
    """One component at the top level (``keys``), or ``components`` with ``weights``."""
    top = [k for k in keys if getattr(table, k) is not None]
    if table.components is None:
        if table.weights is not None:
            raise PydanticCustomError(
                "prior_form", "{reason}", {"reason": "weights need components"}
            )
        if len(top) != len(keys):
            raise PydanticCustomError(
                "prior_form",
                "{reason}",
                {"reason": f"needs {' and '.join(keys)}, or components and weights"},
            )
        return table
    if top:
        raise PydanticCustomError(
            "prior_form",
            "{reason}",
            {"reason": f"give {' and '.join(keys)}, or components and weights, not both"},
        )
    if table.weights is None or len(table.weights) != len(table.components):
        raise PydanticCustomError(
            "prior_form", "{reason}", {"reason": "needs one weight per component"}
        )
    try:
        Mixture([Beta(1, 1)] * len(table.weights), table.weights)
    except BayesTrialsError as err:
        raise PydanticCustomError("prior_form", "{reason}", {"reason": err.reason}) from None
    return table


_WEIGHTS = "One weight per component, each in [0, 1], summing to 1."


class GammaPriorTable(PriorTable):
    """``family = "gamma"``: a Gamma (mixture) prior on an event rate, applied to each arm."""

    family: Literal["gamma"] = Field(description='"gamma".')
    shape: Positive | None = Field(None, description="Shape (with rate).")
    rate: Positive | None = Field(
        None, description="Rate (with shape), in the endpoint's exposure unit."
    )
    components: list[GammaParams] | None = Field(
        None, min_length=1, description="Gamma components { shape, rate } (with weights)."
    )
    weights: list[Real] | None = Field(None, description=_WEIGHTS)

    @model_validator(mode="after")
    def _form(self):
        return _check_form(self, ("shape", "rate"))


class NormalPriorTable(PriorTable):
    """``family = "normal"``: a Normal (mixture) prior on a mean, applied to each arm."""

    family: Literal["normal"] = Field(description='"normal".')
    mean: Real | None = Field(None, description="Mean (with sd).")
    sd: Positive | None = Field(None, description="Standard deviation (with mean).")
    components: list[NormalParams] | None = Field(
        None, min_length=1, description="Normal components { mean, sd } (with weights)."
    )
    weights: list[Real] | None = Field(None, description=_WEIGHTS)

    @model_validator(mode="after")
    def _form(self):
        return _check_form(self, ("mean", "sd"))


class CaseSplitPriorTable(PriorTable):
    """``family = "case_split"``: a Beta (mixture) prior on the treatment arm's share of all cases,
    theta = cases_treatment / all cases (the vaccine-trial parameterisation)."""

    family: Literal["case_split"] = Field(description='"case_split".')
    a: Positive | None = Field(None, description="First shape parameter (with b).")
    b: Positive | None = Field(None, description="Second shape parameter (with a).")
    components: list[BetaAB] | None = Field(
        None, min_length=1, description="Beta components { a, b } (with weights)."
    )
    weights: list[Real] | None = Field(None, description=_WEIGHTS)

    @model_validator(mode="after")
    def _form(self):
        return _check_form(self, ("a", "b"))


__all__ = [
    "AnalysisTable",
    "PrintedTable",
    "Decision2STable",
    "TwoArmTable",
    "TwoArmBinaryTable",
    "TwoArmRateTable",
    "TwoArmNormalTable",
    "GammaPriorTable",
    "NormalPriorTable",
    "CaseSplitPriorTable",
    "BetaAB",
    "BINARY_MEASURES",
    "RATE_MEASURES",
    "NORMAL_MEASURES",
]
