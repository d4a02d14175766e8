"""The data of a randomised two-arm comparison: one record per arm, validated on construction.

- :class:`TwoArmBinary`: events of n in each arm (a 2x2 table);
- :class:`TwoArmRates`: events over exposure (person-time) in each arm;
- :class:`TwoArmNormal`: a mean with its standard error, or a mean, sd and n, in each arm
  (:class:`NormalArm`).

Errors name the arm: ``DataError`` with ``field="events_treatment"`` and the like.

>>> TwoArmBinary(Binary(77, 20712), Binary(850, 20713)).table()
[[77, 20635], [850, 19863]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ... import _validate as v
from ...data import Binary, NormalData, Rate
from ...errors import BayesTrialsError, DataError

ARMS = ("treatment", "control")


def _arm(cls, value, arm: str):
    if not isinstance(value, cls):
        raise DataError(f"needs {cls.__name__} data, got {type(value).__name__}", field=arm)
    return value


def arm_data(cls, arm: str, **fields):
    """``cls(**fields)`` with its error relocated to the arm (``events`` -> ``events_treatment``)."""
    try:
        return cls(**fields)
    except BayesTrialsError as err:
        raise DataError(err.reason, field=f"{err.field}_{arm}" if err.field else arm) from None


@dataclass(frozen=True)
class TwoArmBinary:
    """Events of n patients in the treatment and the control arm (a 2x2 table).

    Likelihood: :math:`y_1 \\sim \\text{Bin}(n_1, \\theta_1)`, :math:`y_2 \\sim
    \\text{Bin}(n_2, \\theta_2)`, independent.
    """

    treatment: Binary
    control: Binary

    def __post_init__(self):
        for arm in ARMS:
            _arm(Binary, getattr(self, arm), arm)

    def table(self) -> list[list[int]]:
        """``[[events, non-events] treatment, [events, non-events] control]``."""
        return [[a.events, a.n - a.events] for a in (self.treatment, self.control)]

    def describe(self) -> str:
        t, c = self.treatment, self.control
        return f"{t.events}/{t.n} vs {c.events}/{c.n}"


@dataclass(frozen=True)
class TwoArmRates:
    """Events over exposure (person-time) in the treatment and the control arm.

    Likelihood: :math:`y_k \\sim \\text{Poisson}(\\lambda_k E_k)`, independent. Exposure is
    in the unit the spec states (e.g. thousands of person-years); rates are per that unit.
    """

    treatment: Rate
    control: Rate

    def __post_init__(self):
        for arm in ARMS:
            _arm(Rate, getattr(self, arm), arm)

    @property
    def exposure_ratio(self) -> float:
        """:math:`k = E_2 / E_1`, control over treatment exposure (the case-split scale)."""
        return self.control.exposure / self.treatment.exposure

    def describe(self) -> str:
        t, c = self.treatment, self.control
        return f"{t.events} events / {t.exposure:g} vs {c.events} / {c.exposure:g}"


@dataclass(frozen=True)
class NormalArm:
    """One arm's mean: with its standard error ``se`` (sigma treated as known), or with the
    sample ``sd`` and size ``n`` (sigma known as ``sd``, or estimated: see
    :class:`~bayes_trials.endpoints.two_arm.TwoArmNormalEndpoint`).

    >>> NormalArm(mean=-8.2, sd=11.0, n=40).standard_error
    1.7392527130926085
    """

    mean: float
    se: float | None = None
    sd: float | None = None
    n: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "mean", v.finite_real(self.mean, "mean"))
        if self.se is not None:
            if self.sd is not None or self.n is not None:
                raise DataError("give the standard error, or the sd and n, not both", field="se")
            object.__setattr__(self, "se", v.positive(self.se, "se"))
            return
        if self.sd is None or self.n is None:
            raise DataError(
                "needs the standard error (se), or the sd and the number of patients (n)",
                field="se",
            )
        object.__setattr__(self, "sd", v.positive(self.sd, "sd"))
        n = v.count(self.n, "n")
        if n < 2:
            raise DataError(f"needs at least 2 patients for a sample sd, got {n}", field="n")
        object.__setattr__(self, "n", n)

    @property
    def standard_error(self) -> float:
        return self.se if self.se is not None else self.sd / math.sqrt(self.n)

    def as_normal_data(self) -> NormalData:
        """The mean with its standard error as known: :math:`\\bar y \\sim N(\\mu, \\text{se}^2)`."""
        return NormalData(self.mean, self.standard_error)


@dataclass(frozen=True)
class TwoArmNormal:
    """A mean in the treatment and the control arm (:class:`NormalArm` each)."""

    treatment: NormalArm
    control: NormalArm

    def __post_init__(self):
        for arm in ARMS:
            _arm(NormalArm, getattr(self, arm), arm)

    @property
    def has_sd(self) -> bool:
        """Whether both arms give a sample sd and n (needed to estimate sigma)."""
        return all(getattr(self, arm).sd is not None for arm in ARMS)

    def describe(self) -> str:
        def one(a):
            return f"{a.mean:g} (se {a.standard_error:.3g}" + (f", n {a.n})" if a.n else ")")

        return f"{one(self.treatment)} vs {one(self.control)}"
