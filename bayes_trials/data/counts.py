"""Endpoint data: what a trial paper reports for one endpoint, validated on construction.

>>> import bayes_trials as bt
>>> bt.Binary(events=9, n=9)
Binary(events=9, n=9)
>>> bt.Binary(events=10, n=9)
Traceback (most recent call last):
...
bayes_trials.errors.DataError: field 'events': must not exceed n = 9, got 10
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _validate as v
from ..errors import DataError


@dataclass(frozen=True)
class Binary:
    """``events`` patients with the outcome out of ``n`` (response, survival, an adverse event).

    Likelihood: :math:`\\text{events} \\sim \\text{Binomial}(n, \\theta)`.
    """

    events: int
    n: int

    def __post_init__(self):
        n = v.count(self.n, "n")
        if n == 0:
            raise DataError("must be at least 1 patient, got 0", field="n")
        events = v.count(self.events, "events")
        if events > n:
            raise DataError(f"must not exceed n = {n}, got {events}", field="events")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "events", events)

    @property
    def proportion(self) -> float:
        return self.events / self.n


@dataclass(frozen=True)
class Rate:
    """``events`` counted over ``exposure`` (patient-years); likelihood Poisson(lambda * exposure)."""

    events: int
    exposure: float

    def __post_init__(self):
        object.__setattr__(self, "events", v.count(self.events, "events"))
        object.__setattr__(self, "exposure", v.positive(self.exposure, "exposure"))

    @property
    def rate(self) -> float:
        return self.events / self.exposure


@dataclass(frozen=True)
class NormalData:
    """An estimate ``mean`` with its standard error ``se`` (a mean change, a log-odds, ...).

    Likelihood: :math:`\\text{mean} \\sim \\text{Normal}(\\theta, \\text{se}^2)`, the se
    treated as known. For ``n`` observations of sampling sd :math:`\\sigma` the se is
    :math:`\\sigma/\\sqrt{n}`.

    >>> NormalData(mean=1.2, se=0.4)
    NormalData(mean=1.2, se=0.4)
    """

    mean: float
    se: float

    def __post_init__(self):
        object.__setattr__(self, "mean", v.finite_real(self.mean, "mean"))
        object.__setattr__(self, "se", v.positive(self.se, "se"))
