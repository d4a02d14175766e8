"""Per-patient event counts before and after treatment: a hierarchical (frailty) model.

Analyses of a :class:`PatientRateRatioEndpoint` (one loop, :func:`bayes_trials.analyse`):

1. the endpoint's hierarchical model under each prior (MCMC; no closed form);
2. under the reference prior (a single Normal on log RR with sd >= ``REFERENCE_MIN_SD``), the
   *Poisson, common-effect* frailty model, when the endpoint's model is another one: the
   model whose posterior the Bayesian-vs-frequentist checks compare with the conditional
   Poisson GLM (:func:`~bayes_trials.endpoints.rates.reference_checks.patient_checks`);
3. the aggregate totals under Jeffreys priors on both rates, exact, for context.

Each analysis is a row group of the tidy table (``model`` says which); the report parts live
in :mod:`bayes_trials.endpoints.rates.patients_report`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import _validate as v
from ..._constants import CRED_LEVEL, DIRECTIONS
from ...data import PerPatientRates
from ...errors import DataError, PriorError
from ...quantity import Quantity
from ..base import Analysis, EndpointBase, ModelBase
from . import patients_report as report
from .endpoint import RateRatioEndpoint
from .model import (
    TOTALS_MODEL,
    build_frailty_model,
    frailty_hyper,
    frailty_inputs,
    frailty_model_name,
)
from .priors import WIDE_LOG_RR_SD, PatientRatePrior, TwoRatePrior
from .reference import PATIENT_INTERVAL_METHODS, PatientRatesReference, patient_rates_reference
from .reference_checks import patient_checks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: a prior is the reference prior of the Bayesian-vs-frequentist checks when its log RR
#: prior is one Normal at least this wide (flat over any plausible rate ratio)
REFERENCE_MIN_SD = WIDE_LOG_RR_SD
#: the analysis names of the comparison fit and of the exact aggregate totals
COMPARISON = "poisson-common-effect"
TOTALS = "aggregate-totals"


def reference_prior_name(priors: dict) -> str | None:
    """The first prior whose log RR prior is one Normal with sd >= :data:`REFERENCE_MIN_SD`."""
    for name, prior in priors.items():
        log_rr = getattr(prior, "log_rr", None)
        if getattr(log_rr, "family", None) == "normal" and log_rr.scale >= REFERENCE_MIN_SD:
            return name
    return None


@dataclass(frozen=True)
class _ExactOnly(ModelBase):
    """A model analysed exactly and never sampled (the aggregate totals, for context)."""

    model: RateRatioEndpoint

    def quantities(self, prior):
        return self.model.quantities(prior)

    def exact(self, prior) -> dict:
        return self.model.exact(prior)

    def prior_summary(self, prior, exact: dict) -> dict:
        return self.model.prior_summary(prior, exact)

    def samples(self, prior) -> bool:
        return False

    def structure(self, prior):
        return self.model.structure(prior)

    def build_model(self, structure):
        return self.model.build_model(structure)

    def model_inputs(self, prior) -> dict:
        return self.model.model_inputs(prior)

    def draws(self, tree) -> dict:
        return self.model.draws(tree)

    def target_accept(self, prior) -> float:
        return self.model.target_accept(prior)

    def diagnostics_label(self, prior) -> str:
        return ""


@dataclass(frozen=True)
class PatientRateRatioEndpoint(EndpointBase):
    """Per-patient counts before and after treatment: a hierarchical (frailty) model.

    Parameters
    ----------
    name : str
    data : PerPatientRates
    target, direction, label
        As for :class:`~bayes_trials.RateRatioEndpoint`.
    varying_effect : bool
        Let the log rate ratio vary between patients (:math:`\\tau > 0`).
    overdispersion : bool
        Negative-binomial counts (extra-Poisson variation within patient and period).
    data_source : str
        Where the data came from (file and sha256), set by the spec parser.

    Notes
    -----
    For patient :math:`i` and period :math:`p` with exposure :math:`E_{ip}`:

    .. math::

        \\alpha_i &\\sim N(\\mu, \\sigma^2)
        \\quad (\\text{log-normal frailty}),\\\\
        \\theta_i &= \\theta + \\tau u_i, \\quad u_i \\sim N(0, 1)
        \\quad (\\text{only with } \\texttt{varying\\_effect}),\\\\
        \\log \\mu_{ip} &= \\log E_{ip} + \\alpha_i + \\theta_i [p = \\text{after}],\\\\
        y_{ip} &\\sim \\text{Poisson}(\\mu_{ip}) \\quad \\text{or} \\quad
        \\text{NegBin}(\\mu_{ip},\\ \\text{Var} = \\mu_{ip} + \\phi\\mu_{ip}^2),

    with priors from :class:`~bayes_trials.PatientRatePrior`. Quantities: ``rate_ratio``
    :math:`= e^{\\theta}` (the common effect; with a varying effect, the median patient's), with
    :math:`P(\\text{RR} < \\text{target})`, and the hyperparameters ``frailty_sd``,
    ``effect_sd``, ``overdispersion`` (those in the model). The posterior also holds
    ``percent_reduction``, ``patient_rate_ratio`` :math:`= e^{\\theta_i}` and
    ``patient_rate_before`` :math:`= e^{\\alpha_i}` over the ``patient`` dimension, whose
    position ``i`` is ``data.patients[i]``. The sampler sees :math:`\\alpha` and :math:`\\mu` in
    coordinates whitened by a Gaussian approximation of their conditional posterior, an exact
    change of variables that moves from the non-centred to the centred form as
    :math:`\\sigma` grows (:func:`~bayes_trials.endpoints.rates.model.frailty_whitening`).
    There is no exact posterior; the frequentist
    counterparts are the conditional Poisson and negative-binomial GLMs
    (:func:`~bayes_trials.endpoints.rates.reference.patient_rates_reference`).

    References
    ----------
    Papaspiliopoulos O, Roberts GO, Skold M. A general framework for the parametrization of
    hierarchical models. Statistical Science 2007;22:59-73. doi:10.1214/088342307000000014

    Example
    -------
    >>> import pandas as pd
    >>> from bayes_trials import PerPatientRates
    >>> df = pd.DataFrame({"patient": [1, 1, 2, 2], "period": ["before", "after"] * 2,
    ...                    "events": [5, 1, 8, 2], "exposure": [2.0, 1.5, 3.0, 1.5]})
    >>> ep = PatientRateRatioEndpoint("x", PerPatientRates(df))
    >>> ep.structure(PatientRatePrior())
    ('rate_ratio_patients', 4, 2, False, True)
    >>> [a.model_name for a in ep.analyses({"reference": PatientRatePrior()})]   # doctest: +NORMALIZE_WHITESPACE
    ['negative-binomial, common effect, log-normal frailty',
     'Poisson, common effect, log-normal frailty (comparison)',
     'aggregate totals, two independent rates (exact)']
    """

    name: str
    data: PerPatientRates
    target: float | None = 1.0
    direction: str = "less"
    label: str = ""
    varying_effect: bool = False
    overdispersion: bool = True
    data_source: str = ""

    kind = "rate_ratio_patients"
    parameter = "rate_ratio"
    prior_type = PatientRatePrior
    prior_family = "patient_rates"

    def __post_init__(self):
        if not isinstance(self.data, PerPatientRates):
            raise DataError(
                f"needs PerPatientRates data, got {type(self.data).__name__}",
                endpoint=self.name,
                field="data",
            )
        if self.target is not None:
            object.__setattr__(self, "target", v.positive(self.target, "target"))
        v.one_of(self.direction, DIRECTIONS, "direction")
        if not self.label:
            object.__setattr__(self, "label", self.name)
        for name in ("varying_effect", "overdispersion"):
            if not isinstance(getattr(self, name), bool):
                raise DataError(
                    f"must be True or False, got {getattr(self, name)!r}",
                    endpoint=self.name,
                    field=name,
                )

    # --- priors and analyses -------------------------------------------------------------
    def check_prior(self, prior: object) -> None:
        if not isinstance(prior, PatientRatePrior):
            raise PriorError(
                f"a per-patient rate endpoint takes a PatientRatePrior, got {prior!r}",
                endpoint=self.name,
                field="prior",
            )

    @staticmethod
    def reference_priors() -> dict:
        return {"reference": PatientRatePrior()}

    @property
    def model_name(self) -> str:
        return frailty_model_name(self.varying_effect, self.overdispersion)

    def comparison_model(self) -> PatientRateRatioEndpoint:
        """The Poisson, common-effect frailty model of the same data (the model the
        Bayesian-vs-frequentist checks use)."""
        return dataclasses.replace(self, varying_effect=False, overdispersion=False)

    def totals_endpoint(self) -> RateRatioEndpoint:
        """The aggregate totals as a :class:`~bayes_trials.RateRatioEndpoint` (who had the
        events ignored)."""
        return RateRatioEndpoint(
            f"{self.name}_totals", self.data.totals(), self.target, self.direction
        )

    def analyses(self, priors: dict) -> list[Analysis]:
        """The hierarchical model under each prior; the comparison model under the reference
        prior (when it is another model); the exact aggregate totals under Jeffreys priors."""
        out = [Analysis(name, name, self, prior, self.model_name) for name, prior in priors.items()]
        ref = reference_prior_name(priors)
        if ref is not None and (self.varying_effect or self.overdispersion):
            cmp = self.comparison_model()
            out.append(
                Analysis(
                    f"{ref}/{COMPARISON}",
                    ref,
                    cmp,
                    priors[ref],
                    cmp.model_name + " (comparison)",
                    seed_names=(self.name, ref, COMPARISON),
                )
            )
        out.append(
            Analysis(
                f"jeffreys/{TOTALS}",
                "jeffreys",
                _ExactOnly(self.totals_endpoint()),
                TwoRatePrior.jeffreys(),
                TOTALS_MODEL,
            )
        )
        return out

    # --- the model protocol (this endpoint is the model of its own analyses) -----------
    def quantities(self, prior: PatientRatePrior | None) -> tuple:
        hyper = frailty_hyper(self.varying_effect, self.overdispersion)
        return (
            Quantity("rate_ratio", target=self.target, direction=self.direction),
            *(Quantity(h, label=h.replace("_", " "), in_check_names=True) for h in hyper),
        )

    def exact(self, prior: PatientRatePrior) -> dict:
        return {}

    def exact_posterior(self, prior: PatientRatePrior) -> None:
        """None: the hierarchical model has no closed-form posterior."""
        self.check_prior(prior)
        return None

    def structure(self, prior: PatientRatePrior) -> tuple:
        """Compile key: the numbers of rows and patients and the two model switches."""
        return (
            self.kind,
            len(self.data.table),
            self.data.n_patients,
            self.varying_effect,
            self.overdispersion,
        )

    @staticmethod
    def build_model(structure: tuple):
        return build_frailty_model(structure)

    def model_inputs(self, prior: PatientRatePrior) -> dict:
        self.check_prior(prior)
        return frailty_inputs(self.data, prior, self.varying_effect, self.overdispersion)

    def draws(self, tree: Any) -> dict:
        return {q.name: tree["posterior"][q.name] for q in self.quantities(None)}

    def diagnostics_label(self, prior: PatientRatePrior) -> str:
        return "worst over " + ", ".join(q.name for q in self.quantities(prior))

    # --- frequentist and checks ----------------------------------------------------------
    def reference(self, level: float = CRED_LEVEL) -> PatientRatesReference:
        """Conditional Poisson and negative-binomial GLMs, and the totals' aggregate analysis."""
        return patient_rates_reference(self.data, level)

    @staticmethod
    def published_quantities() -> tuple:
        """What a spec can ask to reproduce: the conditional Poisson estimate, its Wald
        interval and p-value, and its percent reduction."""
        return ("estimate", "ci_low", "ci_high", "p_value", "percent_reduction")

    @staticmethod
    def interval_methods() -> tuple:
        return PATIENT_INTERVAL_METHODS

    def own_fits(self, fits: dict) -> dict:
        """The fits of this endpoint's own model (one per prior)."""
        return {name: f for name, f in fits.items() if f.analysis.model is self}

    def reference_prior(self, fits: dict) -> str | None:
        """The name of the reference prior among the fits' priors (:func:`reference_prior_name`)."""
        return reference_prior_name(
            {f.analysis.prior_name: f.prior for f in self.own_fits(fits).values()}
        )

    def comparison_fit(self, fits: dict) -> tuple[Any, str]:
        """``(fit, why)``: the fit the Bayesian-vs-frequentist checks use (the Poisson,
        common-effect model under the reference prior), or None and why there is none."""
        if not any(f.posterior is not None for f in fits.values()):
            return None, "method exact: the hierarchical model needs MCMC"
        ref = self.reference_prior(fits)
        if ref is None:
            return None, (
                f"no reference prior (a single Normal on log RR with sd >= {REFERENCE_MIN_SD:g}) "
                "among the priors"
            )
        return fits.get(f"{ref}/{COMPARISON}", fits.get(ref)), ""

    def totals_fit(self, fits: dict) -> Any:
        """The exact aggregate-totals analysis (Jeffreys priors on both rates)."""
        return next((f for f in fits.values() if f.analysis.model_name == TOTALS_MODEL), None)

    def reference_checks(
        self, reference: PatientRatesReference, fits: dict, level: float = CRED_LEVEL
    ) -> list:
        """The reference-prior Poisson common-effect posterior against the conditional Poisson
        GLM (:func:`~bayes_trials.endpoints.rates.reference_checks.patient_checks`)."""
        cmp, why = self.comparison_fit(fits)
        return patient_checks(self.name, reference, cmp, level, why)

    # --- descriptions and report parts ---------------------------------------------------
    def describe_data(self) -> str:
        d = self.data
        tot = d.totals()
        how = {
            "drop": "patients seen in one period only are dropped",
            "keep": "patients seen in one period only are used",
            "error": "patients seen in one period only are refused",
        }[d.incomplete]
        dropped = f" (dropped: {', '.join(map(str, d.dropped))})" if d.dropped else ""
        return (
            f"{d.n_patients} patients, {tot.before.events} events / {tot.before.exposure:g} "
            f"patient-years before, {tot.after.events} / {tot.after.exposure:g} after; "
            f"{how}{dropped}"
        )

    def tail_probability(self, dist: Any) -> float | None:
        """:math:`P(\\text{RR} < \\text{target})` (``direction="less"``) or ``>`` under ``dist``."""
        return Quantity(
            "rate_ratio", target=self.target, direction=self.direction
        ).tail_probability(dist)

    def describe_target(self) -> str:
        return Quantity(
            "rate_ratio", target=self.target, direction=self.direction
        ).describe_target()

    def report_sections(self, result: Any) -> list:
        return report.report_sections(self, result)

    def sentences(self, result: Any) -> list[str]:
        return report.sentences(self, result)

    def figure(self, result: Any) -> Figure:
        return report.figure(self, result)

    def figure_caption(self, result: Any) -> str:
        return report.figure_caption(self, result)

    def headline(self, result: Any) -> list:
        """The common rate ratio of every fit (not the hyperparameters)."""
        return [(name, "rate_ratio") for name, f in result.fits.items() if "rate_ratio" in f.rows]
