"""Priors of the two-arm kinds, and the prior families they add to the spec format.

A two-arm analysis has a prior per arm, :class:`TwoArmPrior` (treatment, control), each a
Beta (risks), Gamma (event rates) or Normal (means) distribution or mixture of the library:
a robust meta-analytic-predictive (MAP) prior on the control arm from historical control
studies is the commonest use of RBesT. A single distribution given where an analysis needs
two is used for both arms. Two-arm event rates also take

- :class:`CaseSplitPrior`: a Beta prior on the treatment arm's share of all cases,
  :math:`\\theta = y_1/(y_1 + y_2)` (the conditional model of vaccine-efficacy trials,
  Polack et al. 2020);
- :class:`~bayes_trials.LogRRPrior`: a Normal prior on the log rate ratio with a Gamma prior
  on the control rate (Spiegelhalter's sceptical / neutral / enthusiastic priors).

Means take :data:`FLAT` (the improper uniform prior on a mean) as their reference prior.

Spec families (``[priors.<name>]`` tables): ``family = "gamma"`` (``shape``, ``rate``, or
``components`` and ``weights``), ``family = "normal"`` (``mean``, ``sd``, or components),
``family = "case_split"`` (``a``, ``b``, or ``components``); reference priors
``reference = "jeffreys_rate"`` (Gamma(1/2, 1e-6) per arm) and ``reference = "flat_mean"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import _validate as v
from ...distributions import Beta, Gamma, Mixture, Normal, components_of
from ...errors import PriorError

#: rate of the Jeffreys-like Gamma(1/2, VAGUE_RATE) prior on an event rate (as the rates kinds)
VAGUE_RATE = 1e-6


class FlatPrior:
    """The improper uniform prior on a mean: the posterior is the likelihood normalised
    (:math:`N(\\bar y, \\text{se}^2)`, or a t distribution when sigma is estimated)."""

    family = "flat"

    def __repr__(self) -> str:
        return "Flat()"

    def __eq__(self, other) -> bool:
        return isinstance(other, FlatPrior)

    def __hash__(self) -> int:
        return hash("FlatPrior")


#: the one flat prior
FLAT = FlatPrior()


def family_of(prior) -> str | None:
    """``"beta"``, ``"gamma"``, ``"normal"`` (distributions and mixtures), ``"flat"``, or None."""
    if isinstance(prior, FlatPrior):
        return "flat"
    try:
        _, comps = components_of(prior)
    except (TypeError, AttributeError):  # pragma: no cover - components_of takes anything
        return None
    return getattr(comps[0], "family", None) if type(comps[0]) in (Beta, Gamma, Normal) else None


@dataclass(frozen=True)
class TwoArmPrior:
    """Independent priors on the treatment and the control parameter.

    Parameters
    ----------
    treatment, control : Beta, Gamma or Normal (or a mixture of one of them), or FLAT for a mean
        One family for both arms (a FLAT arm counts as Normal).

    Example
    -------
    >>> import bayes_trials as bt
    >>> p = TwoArmPrior(bt.Beta(1, 1), bt.robustify(bt.Beta(11, 33), 0.2))
    >>> p.family
    'beta'
    """

    treatment: object
    control: object

    def __post_init__(self):
        fams = []
        for arm in ("treatment", "control"):
            fam = family_of(getattr(self, arm))
            if fam is None:
                raise PriorError(
                    f"must be a Beta, Gamma or Normal distribution or mixture, got "
                    f"{getattr(self, arm)!r}",
                    field=arm,
                )
            fams.append("normal" if fam == "flat" else fam)
        if fams[0] != fams[1]:
            raise PriorError(
                f"both arms need priors of one family, got {fams[0]} and {fams[1]}", field="control"
            )

    @property
    def family(self) -> str:
        fam = family_of(self.treatment)
        return "normal" if fam == "flat" else fam

    def __repr__(self) -> str:
        return f"TwoArmPrior(treatment={self.treatment!r}, control={self.control!r})"


@dataclass(frozen=True)
class CaseSplitPrior:
    """A Beta (mixture) prior on :math:`\\theta`, the treatment arm's share of all cases.

    Given :math:`n = y_1 + y_2` cases, :math:`y_1 \\sim \\text{Bin}(n, \\theta)` with
    :math:`\\theta = \\lambda_1 E_1/(\\lambda_1 E_1 + \\lambda_2 E_2)`; the rate ratio is
    :math:`\\text{RR} = (E_2/E_1)\\,\\theta/(1 - \\theta)` and the vaccine efficacy
    :math:`1 - \\text{RR}` (:class:`~bayes_trials.compare.CaseSplitRatio`).

    Example
    -------
    >>> CaseSplitPrior.centred_on_efficacy(0.3)      # prior mean of theta at VE 30%, equal exposure
    CaseSplitPrior(share=Beta(a=0.7, b=1))
    """

    share: object

    def __post_init__(self):
        if family_of(self.share) != "beta":
            raise PriorError(
                f"the case split takes a Beta (mixture) prior, got {self.share!r}", field="share"
            )

    @classmethod
    def centred_on_efficacy(cls, efficacy: float, b: float = 1.0) -> CaseSplitPrior:
        """Beta(:math:`a, b`) with mean :math:`a/(a+b) = (1 - \\text{VE})/(2 - \\text{VE})`: the
        share of cases in the treatment arm at vaccine efficacy VE and equal exposure, so
        :math:`a = b\\,(1 - \\text{VE})`."""
        efficacy = v.finite_real(efficacy, "efficacy", PriorError)
        if not efficacy < 1:
            raise PriorError(f"must be below 1, got {efficacy:g}", field="efficacy")
        return cls(Beta(v.positive(b, "b", PriorError) * (1 - efficacy), b))

    def __repr__(self) -> str:
        return f"CaseSplitPrior(share={self.share!r})"


def mixture_components(prior) -> list[tuple[float, object]]:
    """``[(weight, component), ...]`` of a distribution or mixture."""
    w, comps = components_of(prior)
    return list(zip(np.asarray(w, float), comps))


# =====================================================================================
# spec prior families (their tables: .schema)
# =====================================================================================
def _build(table, cls, keys: tuple):
    """The distribution of a validated prior table: one component, or a mixture."""
    if table.components is None:
        return cls(*(getattr(table, k) for k in keys))
    comps = [cls(*(getattr(c, k) for k in keys)) for c in table.components]
    return comps[0] if len(comps) == 1 else Mixture(comps, table.weights)


def resolve_gamma_prior(table, endpoint=None):
    """``family = "gamma"`` (:class:`~.schema.GammaPriorTable`): a Gamma (mixture) on an event
    rate, applied per arm.

    >>> from bayes_trials.endpoints.two_arm.schema import GammaPriorTable
    >>> t = GammaPriorTable.model_validate({"family": "gamma", "shape": 0.5, "rate": 1e-6,
    ...     "role": "reference", "tag": "assumed", "rationale": "x"})
    >>> resolve_gamma_prior(t)
    Gamma(shape=0.5, rate=1e-06)
    """
    return _build(table, Gamma, ("shape", "rate"))


def resolve_normal_prior(table, endpoint=None):
    """``family = "normal"`` (:class:`~.schema.NormalPriorTable`): a Normal (mixture) on a
    mean, applied per arm."""
    return _build(table, Normal, ("mean", "sd"))


def resolve_case_split_prior(table, endpoint=None) -> CaseSplitPrior:
    """``family = "case_split"`` (:class:`~.schema.CaseSplitPriorTable`): a Beta (mixture) on
    the treatment arm's share of the cases.

    >>> from bayes_trials.endpoints.two_arm.schema import CaseSplitPriorTable
    >>> t = CaseSplitPriorTable.model_validate({"family": "case_split", "a": 0.700102, "b": 1.0,
    ...     "role": "sceptical", "tag": "published", "rationale": "x"})
    >>> resolve_case_split_prior(t).share.a
    0.700102
    """
    return CaseSplitPrior(_build(table, Beta, ("a", "b")))


def jeffreys_rate() -> Gamma:
    """Gamma(1/2, 1e-6): the Jeffreys prior :math:`\\lambda^{-1/2}` on a Poisson rate, made proper."""
    return Gamma(0.5, VAGUE_RATE)


def flat_mean() -> FlatPrior:
    return FLAT


def check_arm_prior(prior, family: str, where: str = "prior") -> None:
    """Raise a PriorError unless ``prior`` is of the arm family the kind takes."""
    fam = family_of(prior)
    ok = fam == family or (family == "normal" and fam == "flat")
    if not ok:
        names = {"beta": "Beta", "gamma": "Gamma", "normal": "Normal (or FLAT)"}
        raise PriorError(
            f"needs a {names[family]} prior (or mixture) per arm, got {prior!r}", field=where
        )


__all__ = [
    "TwoArmPrior",
    "CaseSplitPrior",
    "FlatPrior",
    "FLAT",
    "family_of",
    "mixture_components",
    "resolve_gamma_prior",
    "resolve_normal_prior",
    "resolve_case_split_prior",
    "jeffreys_rate",
    "flat_mean",
    "check_arm_prior",
    "VAGUE_RATE",
]
