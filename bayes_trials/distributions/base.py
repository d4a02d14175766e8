"""The distribution base class: one small vocabulary for every one-dimensional distribution.

Every distribution is an immutable value with ``mean``, ``sd``, ``median``, ``pdf``,
``logpdf``, ``cdf``, ``sf``, ``ppf``, ``rvs``, ``interval`` and ``summary``; all vectorised
over NumPy arrays and free of PyMC, so exact results cost microseconds. The same objects
serve as priors for PyMC models and as the exact posteriors that MCMC is checked against.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy import optimize

from .. import _validate as v
from .._constants import CRED_LEVEL
from ..errors import PriorError


def _fmt(x: float) -> str:
    return f"{x:.4g}"


class Distribution:
    """Shared behaviour of the one-dimensional distributions below."""

    family: str = ""
    #: the support, for plotting and numerical inversion
    support: tuple[float, float] = (-np.inf, np.inf)

    # subclasses provide the frozen scipy distribution
    @cached_property
    def _frozen(self):  # pragma: no cover - every subclass overrides
        raise TypeError("abstract distribution")

    @property
    def mean(self) -> float:
        return float(self._frozen.mean())

    @property
    def sd(self) -> float:
        return float(self._frozen.std())

    @property
    def median(self) -> float:
        return float(self.ppf(0.5))

    def pdf(self, x):
        return self._frozen.pdf(x)

    def logpdf(self, x):
        return self._frozen.logpdf(x)

    def cdf(self, x):
        return self._frozen.cdf(x)

    def sf(self, x):
        return self._frozen.sf(x)

    def ppf(self, q):
        return self._frozen.ppf(q)

    def rvs(self, size=None, seed=None, **deprecated):
        """Random draws; ``seed`` is a seed or a ``numpy.random.Generator`` (``random_state=``
        is the old name)."""
        seed = v.renamed(deprecated, "random_state", "seed", seed)
        return self._frozen.rvs(size=size, random_state=np.random.default_rng(seed))

    def interval(
        self, level: float = CRED_LEVEL, kind: str = "eti", **deprecated
    ) -> tuple[float, float]:
        """Central credible interval (``kind="eti"``) or highest-density interval (``"hdi"``)
        of probability ``level`` (``prob=`` is the old name).

        The HDI is the shortest interval of probability ``level``,
        :math:`\\min_p\\, F^{-1}(p + \\text{level}) - F^{-1}(p)` over :math:`p \\in [0, 1-\\text{level}]`,
        which is the highest-density region for a unimodal density (including J-shaped
        ones whose mode sits on the boundary of the support).
        """
        level = v.renamed(deprecated, "prob", "level", level)
        v.one_of(kind, ("eti", "hdi"), "kind", PriorError)
        prob = v.open_unit(level, "level", PriorError)
        if kind == "eti":
            tail = (1 - prob) / 2
            return float(self.ppf(tail)), float(self.ppf(1 - tail))
        width = lambda p: float(self.ppf(p + prob) - self.ppf(p))  # noqa: E731
        res = optimize.minimize_scalar(
            width, bounds=(0.0, 1.0 - prob), method="bounded", options={"xatol": 1e-10}
        )
        p = float(res.x)
        # the optimum may sit on a bound of the search range (J-shaped densities)
        for edge in (0.0, 1.0 - prob):
            if width(edge) < width(p):
                p = edge
        return float(self.ppf(p)), float(self.ppf(p + prob))

    def summary(self, level: float = CRED_LEVEL, **deprecated) -> dict[str, float]:
        """Mean, sd, median and the central ``level`` interval, as a dict of floats."""
        prob = v.renamed(deprecated, "prob", "level", level)
        lo, hi = self.interval(prob)
        pct = round(100 * prob)
        return {
            "mean": self.mean,
            "sd": self.sd,
            "median": self.median,
            f"q{(100 - pct) / 2:g}": lo,
            f"q{100 - (100 - pct) / 2:g}": hi,
        }

    def plot(self, ax=None, **kwargs):
        """Draw the density on a Matplotlib axis (created when not given); returns the axis."""
        import matplotlib.pyplot as plt

        ax = ax or plt.figure(figsize=(5, 3)).gca()
        lo, hi = self.ppf(1e-4), self.ppf(1 - 1e-4)
        lo = max(lo, self.support[0])
        hi = min(hi, self.support[1])
        x = np.linspace(lo, hi, 400)
        ax.plot(x, self.pdf(x), label=kwargs.pop("label", repr(self)), **kwargs)
        return ax
