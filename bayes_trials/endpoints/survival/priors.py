"""Priors of the survival models, and the spec prior family ``survival`` (one prior per model).

- the exponential model's hazard :math:`\\lambda` takes a Gamma (mixture) prior;
- :class:`WeibullPrior`: Normal priors on :math:`\\log k`, :math:`\\log\\sigma` and the log
  hazard ratio :math:`\\beta`;
- :class:`PiecewisePrior`: a Normal prior on the first log hazard, a HalfNormal prior on the
  random-walk step sd :math:`\\tau`, a Normal prior on :math:`\\beta`;
- :class:`SurvivalPrior`: one of each, the named prior of a ``time_to_event`` endpoint
  (spec family ``survival``: :class:`SurvivalPriorTable`, :func:`resolve_survival_prior`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ... import _validate as v
from ..._schema import Positive, SpecModel
from ...distributions import Gamma, HalfNormal, Mixture, Normal, components_of
from ...errors import PriorError
from ..table import GammaParams, NormalParams, PriorTable

#: the models a ``time_to_event`` endpoint can fit, in report order
MODELS = ("exponential", "weibull", "piecewise")

#: the vague hazard prior Gamma(1/2, 0.001): nearly lambda^(-1/2), the Jeffreys prior of the
#: likelihood lambda^D exp(-lambda E) with the time at risk E held fixed (with complete
#: follow-up the exponential's Jeffreys prior is 1/lambda); proper, so that it can be sampled
VAGUE_HAZARD = Gamma(0.5, 1e-3)


def check_gamma(prior) -> None:
    """Raise :class:`PriorError` unless ``prior`` is a Gamma or a mixture of Gammas."""
    _, comps = components_of(prior)
    if getattr(comps[0], "family", None) != "gamma":
        raise PriorError(
            f"the exponential hazard takes a Gamma (mixture) prior, got {prior!r}", field="prior"
        )


def _normal(x, name) -> Normal:
    if not isinstance(x, Normal):
        raise PriorError(f"must be a Normal, got {x!r}", field=name)
    return x


@dataclass(frozen=True)
class WeibullPrior:
    """Priors of the Weibull model: Normal priors on log shape, log scale and log hazard ratio.

    Parameters
    ----------
    log_scale : Normal
        Prior of :math:`\\log \\sigma` (the reference group's scale, in the data's time unit;
        :math:`\\sigma` is the time by which :math:`1 - e^{-1} = 63\\%` have had the event).
    log_shape : Normal, default Normal(0, 1)
        Prior of :math:`\\log k`; the default puts 95% on :math:`k \\in (0.14, 7.1)`, centred
        on the exponential (:math:`k = 1`).
    log_hr : Normal, default Normal(0, 2)
        Prior of the log hazard ratio (two groups only).

    Example
    -------
    >>> WeibullPrior.vague(typical_time=12.0).log_scale
    Normal(mean=2.485, sd=2)
    """

    log_scale: Normal
    log_shape: Normal = Normal(0.0, 1.0)
    log_hr: Normal = Normal(0.0, 2.0)

    def __post_init__(self):
        for name in ("log_scale", "log_shape", "log_hr"):
            _normal(getattr(self, name), name)

    @classmethod
    def vague(cls, typical_time: float) -> WeibullPrior:
        """log scale ~ Normal(log typical_time, 2), log shape ~ Normal(0, 1), log HR ~ Normal(0, 2)."""
        t = v.positive(typical_time, "typical_time", PriorError)
        return cls(log_scale=Normal(math.log(t), 2.0))


@dataclass(frozen=True)
class PiecewisePrior:
    """Priors of the piecewise-exponential model (a random-walk smoothing prior).

    Parameters
    ----------
    log_hazard : Normal
        Prior of the log hazard in the first piece, :math:`\\alpha_1`.
    smoothing : HalfNormal, default HalfNormal(0.5)
        Prior of the random-walk step sd :math:`\\tau`: :math:`\\alpha_j = \\alpha_{j-1} +
        \\tau z_j`, :math:`z_j \\sim N(0, 1)`. Small values shrink towards a constant hazard
        (the exponential model); a step of one sd multiplies the hazard by :math:`e^\\tau`.
    log_hr : Normal, default Normal(0, 2)
        Prior of the log hazard ratio (two groups only).

    Example
    -------
    >>> PiecewisePrior.vague(typical_time=12.0).log_hazard
    Normal(mean=-2.485, sd=2)
    """

    log_hazard: Normal
    smoothing: HalfNormal = HalfNormal(0.5)
    log_hr: Normal = Normal(0.0, 2.0)

    def __post_init__(self):
        _normal(self.log_hazard, "log_hazard")
        _normal(self.log_hr, "log_hr")
        if not isinstance(self.smoothing, HalfNormal):
            raise PriorError(f"must be a HalfNormal, got {self.smoothing!r}", field="smoothing")

    @classmethod
    def vague(cls, typical_time: float) -> PiecewisePrior:
        """log hazard ~ Normal(-log typical_time, 2), smoothing HalfNormal(0.5), log HR ~ Normal(0, 2)."""
        t = v.positive(typical_time, "typical_time", PriorError)
        return cls(log_hazard=Normal(-math.log(t), 2.0))


@dataclass(frozen=True)
class SurvivalPrior:
    """The priors of every model a ``time_to_event`` endpoint fits, as one named prior.

    Parameters
    ----------
    exponential : Gamma or Mixture of Gamma
        Prior of the constant hazard (events per time unit) of the exponential model.
    weibull : WeibullPrior
    piecewise : PiecewisePrior
    preset : str
        ``"vague"`` when built by :meth:`vague` (the priors the Kaplan-Meier comparison
        uses); empty for a prior written out in full.

    Example
    -------
    >>> SurvivalPrior.vague(12.0).exponential
    Gamma(shape=0.5, rate=0.001)
    >>> SurvivalPrior.vague(12.0).for_model("weibull").log_scale
    Normal(mean=2.485, sd=2)
    """

    exponential: object
    weibull: WeibullPrior
    piecewise: PiecewisePrior
    preset: str = ""

    def __post_init__(self):
        check_gamma(self.exponential)
        if not isinstance(self.weibull, WeibullPrior):
            raise PriorError(f"must be a WeibullPrior, got {self.weibull!r}", field="weibull")
        if not isinstance(self.piecewise, PiecewisePrior):
            raise PriorError(f"must be a PiecewisePrior, got {self.piecewise!r}", field="piecewise")

    @classmethod
    def vague(cls, typical_time: float) -> SurvivalPrior:
        """Gamma(1/2, 0.001) on the hazard (:data:`VAGUE_HAZARD`: nearly
        :math:`\\lambda^{-1/2}`, the Jeffreys prior of :math:`\\lambda^D e^{-\\lambda E}` at
        fixed time at risk, proper so that it can be sampled), :meth:`WeibullPrior.vague`
        and :meth:`PiecewisePrior.vague` at ``typical_time``."""
        return cls(
            VAGUE_HAZARD,
            WeibullPrior.vague(typical_time),
            PiecewisePrior.vague(typical_time),
            preset="vague",
        )

    def for_model(self, model: str) -> Gamma | Mixture | WeibullPrior | PiecewisePrior:
        """The part of the bundle that ``model`` (one of :data:`MODELS`) uses."""
        v.one_of(model, MODELS, "model", PriorError)
        return getattr(self, model)

    def __repr__(self) -> str:
        w, p = self.weibull, self.piecewise
        text = (
            f"exponential hazard ~ {self.exponential!r}; Weibull log scale ~ {w.log_scale!r}, "
            f"log shape ~ {w.log_shape!r}; piecewise first log hazard ~ {p.log_hazard!r}, "
            f"random-walk sd ~ {p.smoothing!r}; log HR ~ {w.log_hr!r}"
        )
        return f"{self.preset} ({text})" if self.preset else text


# --- the spec prior family ``survival`` ---------------------------------------------------
class WeibullParams(SpecModel):
    """The Weibull model's priors: Normal priors on log scale and log shape."""

    log_scale: NormalParams = Field(
        description="Normal prior of log sigma (sigma in the data's time unit)."
    )
    log_shape: NormalParams | None = Field(
        None, description="Normal prior of log k (default mean 0, sd 1)."
    )


class PiecewiseParams(SpecModel):
    """The piecewise-exponential model's priors."""

    log_hazard: NormalParams = Field(description="Normal prior of the first piece's log hazard.")
    smoothing: Positive | None = Field(
        None, description="HalfNormal scale of the random-walk step sd (default 0.5)."
    )


class SurvivalPriorTable(PriorTable):
    """``family = "survival"``: one prior per survival model (:class:`SurvivalPrior`).

    ``preset = "vague"`` is resolved per endpoint at its landmark; explicit parts replace the
    preset's. Without a preset every part the endpoint's models need must be given (checked
    when the prior is resolved for the endpoint).
    """

    family: Literal["survival"] = Field(description='"survival".')
    preset: Literal["vague"] | None = Field(
        None,
        description='"vague": Gamma(1/2, 0.001) on the hazard, '
        "vague Weibull and piecewise priors at the landmark.",
    )
    exponential: GammaParams | None = Field(
        None, description="Gamma prior of the hazard per time unit."
    )
    weibull: WeibullParams | None = Field(None, description="The Weibull model's priors.")
    piecewise: PiecewiseParams | None = Field(None, description="The piecewise model's priors.")
    log_hr: NormalParams | None = Field(
        None, description="Normal prior of the log hazard ratio (two groups; default mean 0, sd 2)."
    )

    @model_validator(mode="after")
    def _something(self):
        if self.preset is None and all(getattr(self, m) is None for m in MODELS):
            raise PydanticCustomError(
                "survival_prior",
                "{reason}",
                {
                    "reason": 'needs preset = "vague" or explicit exponential / weibull / piecewise parts'
                },
            )
        return self


def resolve_survival_prior(table: SurvivalPriorTable, endpoint) -> SurvivalPrior:
    """The :class:`SurvivalPrior` of a ``survival`` prior for ``endpoint``.

    A preset is taken at the endpoint's landmark; explicit parts replace the preset's.
    Without a preset, every model the endpoint fits needs its part (:class:`PriorError`
    naming the first missing one); parts of models it does not fit are filled vaguely.

    >>> from types import SimpleNamespace
    >>> t = SurvivalPriorTable.model_validate({"family": "survival", "exponential": {"shape": 4,
    ...     "rate": 69.25}, "role": "sceptical", "tag": "assumed", "rationale": "x"})
    >>> resolve_survival_prior(t, SimpleNamespace(landmark=12.0, models=("exponential",))).exponential
    Gamma(shape=4, rate=69.25)
    """
    typical = endpoint.landmark
    models = getattr(endpoint, "models", MODELS)
    if not table.preset:
        missing = [m for m in models if getattr(table, m) is None]
        if missing:
            raise PriorError(
                f"the endpoint fits {', '.join(models)}; no prior given for "
                f'{", ".join(missing)} (add it, or preset = "vague")',
                field=missing[0],
            )
    base = SurvivalPrior.vague(typical)

    def normal(p: NormalParams) -> Normal:
        return Normal(p.mean, p.sd)

    log_hr = normal(table.log_hr) if table.log_hr is not None else base.weibull.log_hr
    expo = (
        Gamma(table.exponential.shape, table.exponential.rate)
        if table.exponential is not None
        else base.exponential
    )
    wb = base.weibull
    if table.weibull is not None:
        wp = table.weibull
        wb = WeibullPrior(
            log_scale=normal(wp.log_scale),
            log_shape=normal(wp.log_shape) if wp.log_shape is not None else wb.log_shape,
        )
    wb = WeibullPrior(log_scale=wb.log_scale, log_shape=wb.log_shape, log_hr=log_hr)
    pw = base.piecewise
    if table.piecewise is not None:
        pp = table.piecewise
        pw = PiecewisePrior(
            log_hazard=normal(pp.log_hazard),
            smoothing=HalfNormal(pp.smoothing) if pp.smoothing is not None else pw.smoothing,
        )
    pw = PiecewisePrior(log_hazard=pw.log_hazard, smoothing=pw.smoothing, log_hr=log_hr)
    explicit = any(getattr(table, k) is not None for k in (*MODELS, "log_hr"))
    return SurvivalPrior(expo, wb, pw, preset="" if explicit else (table.preset or ""))
