"""Priors of the rate endpoints, and the prior families they add to the spec format.

A "prior" of a rate endpoint bundles the priors of its model's parameters in a small frozen
dataclass:

- :class:`TwoRatePrior` (``before``, ``after``: Gamma or Gamma mixtures), independent priors on
  the two rates (:class:`~bayes_trials.RateRatioEndpoint`);
- :class:`LogRRPrior` (``log_rr``: Normal or Normal mixture; ``baseline``: Gamma or Gamma
  mixture), the log-linear model where the treatment effect itself has the prior;
- :class:`PatientRatePrior`, the hyperpriors of the per-patient frailty model.

Spec families (``[priors.<name>]`` tables, each a schema): ``family = "rates"``
(:class:`RatesPriorTable`), ``family = "log_rr"`` (:class:`LogRRPriorTable`: ``log_rr``
explicit or a Spiegelhalter preset, ``baseline``), ``family = "patient_rates"``
(:class:`PatientRatesPriorTable`) and the reference ``reference = "jeffreys_rates"``.

References
----------
Spiegelhalter DJ, Freedman LS, Parmar MKB. Bayesian approaches to randomized trials.
J R Stat Soc A 1994;157:357-416. doi:10.2307/2983527
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field
from scipy import stats

from ... import _validate as v
from ..._schema import Positive, Probability, forms
from ...distributions import Gamma, HalfNormal, Mixture, Normal, components_of
from ...errors import PriorError
from ..table import GammaParams, NormalParams, PriorTable

#: rate of the "Jeffreys" Gamma(1/2, VAGUE_RATE) prior on a Poisson rate: the improper
#: Gamma(1/2, 0) to within a millionth of a patient-year of prior exposure
VAGUE_RATE = 1e-6
#: sd of the wide (reference) Normal prior on the log rate ratio
REFERENCE_LOG_RR_SD = 10.0
#: a Normal prior on log RR at least this wide is flat over any plausible rate ratio (e^±10
#: within one sd): the reference-prior checks apply to it
WIDE_LOG_RR_SD = 5.0
#: the Spiegelhalter presets of a log-RR prior in a spec
LOG_RR_PRESETS = ("reference", "sceptical", "enthusiastic")


def check_family(prior, family: str, field_name: str):
    """``prior`` if it is a distribution (or mixture) of ``family``, else a PriorError."""
    if isinstance(prior, Mixture) or getattr(prior, "family", None) == family:
        _, comps = components_of(prior)
        if comps[0].family == family:
            return prior
    names = {"gamma": "Gamma", "normal": "Normal", "halfnormal": "HalfNormal"}
    raise PriorError(
        f"must be a {names[family]}{' (mixture)' if family != 'halfnormal' else ''}, got {prior!r}",
        field=field_name,
    )


@dataclass(frozen=True)
class TwoRatePrior:
    """Independent priors on the event rate before and after treatment.

    Parameters
    ----------
    before, after : Gamma or Mixture of Gamma
        Priors of :math:`\\lambda_b` and :math:`\\lambda_a` (events per patient-year). A
        Gamma(s, r) carries the information of ``r`` patient-years with ``s`` events.

    Notes
    -----
    Independent rate priors cannot express scepticism about the *ratio*; use
    :class:`LogRRPrior` for sceptical and enthusiastic analyses.

    Example
    -------
    >>> TwoRatePrior.jeffreys()
    TwoRatePrior(before=Gamma(shape=0.5, rate=1e-06), after=Gamma(shape=0.5, rate=1e-06))
    """

    before: object
    after: object

    def __post_init__(self):
        check_family(self.before, "gamma", "before")
        check_family(self.after, "gamma", "after")

    @classmethod
    def jeffreys(cls) -> TwoRatePrior:
        """Gamma(1/2, 1e-6) on each rate: the Jeffreys prior :math:`\\lambda^{-1/2}`, made proper."""
        g = Gamma(0.5, VAGUE_RATE)
        return cls(g, g)


@dataclass(frozen=True)
class LogRRPrior:
    """Priors of the log-linear model: the log rate ratio and the baseline (before) rate.

    Parameters
    ----------
    log_rr : Normal or Mixture of Normal
        Prior of :math:`\\theta = \\log \\text{RR}`; see :func:`log_rr_priors` for the
        reference, sceptical and enthusiastic choices.
    baseline : Gamma or Mixture of Gamma
        Prior of the rate before treatment :math:`\\lambda_b`; by default the Jeffreys-like
        Gamma(1/2, 1e-6).

    Example
    -------
    >>> LogRRPrior(Normal(0, 10)).baseline
    Gamma(shape=0.5, rate=1e-06)
    """

    log_rr: object
    baseline: object = field(default_factory=lambda: Gamma(0.5, VAGUE_RATE))

    def __post_init__(self):
        check_family(self.log_rr, "normal", "log_rr")
        check_family(self.baseline, "gamma", "baseline")


def log_rr_priors(
    rr_alt: float = 0.5,
    tail: float = 0.05,
    reference_sd: float = REFERENCE_LOG_RR_SD,
    baseline: Any = None,
) -> dict:
    """Reference, sceptical and enthusiastic priors for the log rate ratio.

    Parameters
    ----------
    rr_alt : float in (0, 1)
        The rate ratio of the hoped-for effect (0.5: the rate halves).
    tail : float in (0, 1)
        Sceptical prior: probability of an effect at least as large as ``rr_alt``;
        enthusiastic prior: probability of no benefit (RR > 1).
    reference_sd : float
        sd of the wide reference prior (default 10: RR from about 3e-9 to 3e8 with 95%).
    baseline : Gamma, optional
        Prior of the baseline rate (default Gamma(1/2, 1e-6)).

    Returns
    -------
    dict
        ``{"reference": ..., "sceptical": ..., "enthusiastic": ...}`` of :class:`LogRRPrior`.

    Notes
    -----
    With :math:`\\delta = \\log \\text{rr}_{alt}` and :math:`z = \\Phi^{-1}(1 - \\text{tail})`:
    sceptical :math:`\\theta \\sim N(0, (\\delta/z)^2)`, so
    :math:`P(\\text{RR} < \\text{rr}_{alt}) = \\text{tail}`; enthusiastic
    :math:`\\theta \\sim N(\\delta, (\\delta/z)^2)`, so :math:`P(\\text{RR} > 1) = \\text{tail}`
    (Spiegelhalter, Freedman and Parmar 1994, doi:10.2307/2983527). With the defaults the
    sd is :math:`\\log 2 / 1.645 = 0.421`: the sceptic gives a halving of the rate a 5%
    chance, the enthusiast gives no benefit a 5% chance.

    Example
    -------
    >>> p = log_rr_priors()
    >>> p["sceptical"].log_rr
    Normal(mean=0, sd=0.4214)
    >>> round(float(p["sceptical"].log_rr.cdf(math.log(0.5))), 6)
    0.05
    """
    rr_alt = v.open_unit(rr_alt, "rr_alt", PriorError)
    tail = v.open_unit(tail, "tail", PriorError)
    delta = math.log(rr_alt)
    sd = abs(delta) / float(stats.norm.isf(tail))
    base = {} if baseline is None else {"baseline": baseline}
    return {
        "reference": LogRRPrior(
            Normal(0.0, v.positive(reference_sd, "reference_sd", PriorError)), **base
        ),
        "sceptical": LogRRPrior(Normal(0.0, sd), **base),
        "enthusiastic": LogRRPrior(Normal(delta, sd), **base),
    }


@dataclass(frozen=True)
class PatientRatePrior:
    """Priors of the per-patient hierarchical model (:class:`~bayes_trials.PatientRateRatioEndpoint`).

    Parameters
    ----------
    log_rr : Normal or Mixture of Normal
        Common (median-patient) log rate ratio :math:`\\theta`.
    mean_log_rate : Normal
        Mean :math:`\\mu` of the patients' log rates before treatment (default N(0, 2.5^2):
        rates from e^-5 to e^5 per patient-year).
    frailty_sd : HalfNormal
        sd :math:`\\sigma` of the patients' log rates (log-normal frailty).
    effect_sd : HalfNormal
        sd :math:`\\tau` of the patient-specific log rate ratios (used only with
        ``varying_effect=True``).
    overdispersion : HalfNormal
        :math:`\\phi`, the squared coefficient of variation of the extra-Poisson (gamma)
        variation of each count: :math:`\\text{Var}(y) = \\mu + \\phi \\mu^2` (used only with
        ``overdispersion=True``).

    Example
    -------
    >>> PatientRatePrior().frailty_sd
    HalfNormal(scale=1)
    """

    log_rr: object = field(default_factory=lambda: Normal(0.0, REFERENCE_LOG_RR_SD))
    mean_log_rate: object = field(default_factory=lambda: Normal(0.0, 2.5))
    frailty_sd: object = field(default_factory=lambda: HalfNormal(1.0))
    effect_sd: object = field(default_factory=lambda: HalfNormal(0.5))
    overdispersion: object = field(default_factory=lambda: HalfNormal(1.0))

    def __post_init__(self):
        check_family(self.log_rr, "normal", "log_rr")
        if not isinstance(self.mean_log_rate, Normal):
            raise PriorError(f"must be a Normal, got {self.mean_log_rate!r}", field="mean_log_rate")
        for name in ("frailty_sd", "effect_sd", "overdispersion"):
            if not isinstance(getattr(self, name), HalfNormal):
                raise PriorError(f"must be a HalfNormal, got {getattr(self, name)!r}", field=name)


# =====================================================================================
# spec prior families
# =====================================================================================
class RatesPriorTable(PriorTable):
    """``family = "rates"``: independent Gamma priors on the rates before and after
    (:class:`TwoRatePrior`)."""

    family: Literal["rates"] = Field(description='"rates".')
    before: GammaParams = Field(
        description="Gamma prior of the rate before (events per patient-year)."
    )
    after: GammaParams = Field(description="Gamma prior of the rate after.")


def resolve_rates_prior(table: RatesPriorTable, endpoint=None) -> TwoRatePrior:
    """The :class:`TwoRatePrior` of a ``rates`` prior (the same for every endpoint).

    >>> t = RatesPriorTable.model_validate({"family": "rates", "before": {"shape": 3, "rate": 2},
    ...     "after": {"shape": 3, "rate": 2}, "role": "sceptical", "tag": "assumed", "rationale": "x"})
    >>> resolve_rates_prior(t).before
    Gamma(shape=3, rate=2)
    """
    return TwoRatePrior(
        before=Gamma(table.before.shape, table.before.rate),
        after=Gamma(table.after.shape, table.after.rate),
    )


_LOG_RR = (
    'Prior of log RR: { mean, sd }, or a Spiegelhalter preset "reference" (sd 10), "sceptical" '
    '(centred on no effect, P(RR < rr_alt) = tail) or "enthusiastic" (centred on rr_alt, '
    "P(RR > 1) = tail)."
)
LogRRField = forms(text=Literal[LOG_RR_PRESETS], table=NormalParams)


class _LogRRFields(PriorTable):
    log_rr: LogRRField = Field(description=_LOG_RR)
    rr_alt: Probability = Field(0.5, description="The hoped-for rate ratio of the presets.")
    tail: Probability = Field(0.05, description="The presets' tail probability.")

    def log_rr_normal(self) -> Normal:
        """The Normal prior of log RR (a preset as :func:`log_rr_priors` defines it).

        >>> t = LogRRPriorTable.model_validate({"family": "log_rr", "log_rr": "sceptical",
        ...     "role": "sceptical", "tag": "assumed", "rationale": "x"})
        >>> round(t.log_rr_normal().scale, 4)
        0.4214
        """
        if isinstance(self.log_rr, str):
            normal = log_rr_priors(rr_alt=self.rr_alt, tail=self.tail)[self.log_rr].log_rr
            return Normal(float(normal.loc), float(normal.scale))
        return Normal(self.log_rr.mean, self.log_rr.sd)


class LogRRPriorTable(_LogRRFields):
    """``family = "log_rr"``: a Normal prior on log RR, the log-linear rate model's
    (:class:`LogRRPrior`)."""

    family: Literal["log_rr"] = Field(description='"log_rr".')
    baseline: GammaParams = Field(
        GammaParams(shape=0.5, rate=VAGUE_RATE),
        description=("Gamma prior of the rate before (default Gamma(1/2, 1e-6), nearly Jeffreys)."),
    )


def resolve_log_rr_prior(table: LogRRPriorTable, endpoint=None) -> LogRRPrior:
    """The :class:`LogRRPrior` of a ``log_rr`` prior (the same for every endpoint)."""
    return LogRRPrior(table.log_rr_normal(), Gamma(table.baseline.shape, table.baseline.rate))


class PatientRatesPriorTable(_LogRRFields):
    """``family = "patient_rates"``: the hyperpriors of the per-patient model
    (:class:`PatientRatePrior`); ``log_rr`` as for ``family = "log_rr"``."""

    family: Literal["patient_rates"] = Field(description='"patient_rates".')
    mean_log_rate: NormalParams = Field(
        NormalParams(mean=0.0, sd=2.5),
        description=("Normal prior of the mean log rate before (default mean 0, sd 2.5)."),
    )
    frailty_sd: Positive = Field(1.0, description="HalfNormal scale of the patients' log-rate sd.")
    effect_sd: Positive = Field(
        0.5, description="HalfNormal scale of the patient-specific log RR sd (with varying_effect)."
    )
    overdispersion: Positive = Field(
        1.0, description="HalfNormal scale of the overdispersion (with overdispersion)."
    )


def resolve_patient_rates_prior(table: PatientRatesPriorTable, endpoint=None) -> PatientRatePrior:
    """The :class:`PatientRatePrior` of a ``patient_rates`` prior (the same for every endpoint).

    >>> t = PatientRatesPriorTable.model_validate({"family": "patient_rates", "log_rr": "sceptical",
    ...     "frailty_sd": 0.8, "role": "sceptical", "tag": "assumed", "rationale": "x"})
    >>> p = resolve_patient_rates_prior(t)
    >>> round(p.log_rr.scale, 4), p.frailty_sd, p.effect_sd
    (0.4214, HalfNormal(scale=0.8), HalfNormal(scale=0.5))
    """
    return PatientRatePrior(
        log_rr=table.log_rr_normal(),
        mean_log_rate=Normal(table.mean_log_rate.mean, table.mean_log_rate.sd),
        frailty_sd=HalfNormal(table.frailty_sd),
        effect_sd=HalfNormal(table.effect_sd),
        overdispersion=HalfNormal(table.overdispersion),
    )
