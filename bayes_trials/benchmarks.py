"""Benchmark rates from other trials, with their uncertainty, and comparisons against them.

A benchmark is a count out of a number of patients, tagged as printed in its source
(``"E"``) or derived from a printed percentage (``"D"``, see :meth:`BenchmarkRate.from_percent`).
A comparison takes the benchmark's own uncertainty into account: its rate is a Beta
posterior from its counts, and :math:`P(\\theta < \\theta_\\text{benchmark})` is computed by
numerical integration (:func:`bayes_trials.compare.prob_difference`).

The benchmark numbers of a re-analysis live in its spec (``[[endpoints.benchmarks]]``, each
with its source), not here. Comparisons across trials are across different populations,
doses and definitions: a probability such as :math:`P(\\theta < \\theta_\\text{benchmark})`
describes two sets of counts, not a randomised contrast.

Example
-------
>>> from bayes_trials.benchmarks import BenchmarkRate, compare_with_benchmarks
>>> from bayes_trials.distributions import Beta
>>> bm = BenchmarkRate.from_percent("trial B", "grade >= 3 event", 7.1, 127, decimals=1,
...                                 source="a publication")
>>> bm.events                     # the only whole count of 127 that rounds to 7.1%
9
>>> table = compare_with_benchmarks(Beta(1, 13), [bm])      # 0 of 12 under a uniform prior
>>> round(float(table["prob"].iloc[0]), 4)                 # P(theta < theta_B), B ~ Beta(10, 119)
0.6326
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _validate as v
from .compare import prob_difference
from .conjugate import update
from .data import Binary
from .distributions import Beta
from .errors import DataError

TAGS = {"E": "published", "D": "derived from published numbers", "A": "second-hand"}


@dataclass(frozen=True)
class BenchmarkRate:
    """A benchmark count: ``events`` of ``n`` patients in another trial.

    Parameters
    ----------
    trial, outcome : str
        The other trial and its outcome, e.g. ``"trial B"``, ``"grade >= 3 ICANS"``.
    events, n : int
    tag : {"E", "D", "A"}
        Printed, derived from printed numbers, or second-hand.
    source : str
        The publication (with DOI).
    printed : str
        What the source printed, e.g. ``"7.1% of 127 infused"``.
    """

    trial: str
    outcome: str
    events: int
    n: int
    tag: str
    source: str
    printed: str = ""

    def __post_init__(self):
        Binary(self.events, self.n)
        v.one_of(self.tag, tuple(TAGS), "tag")

    @classmethod
    def from_percent(
        cls,
        trial: str,
        outcome: str,
        percent: float,
        n: int,
        *,
        decimals: int,
        source: str,
        printed: str = "",
    ) -> BenchmarkRate:
        """Derive the count from a printed percentage of ``n`` (tag ``"D"``).

        The count is the unique whole number :math:`k` with
        :math:`\\text{round}(100k/n, \\text{decimals})` equal to the printed percentage;
        a :class:`DataError` is raised when none or several qualify. Only the counts within
        one of :math:`n (p \\pm \\tfrac12 10^{-\\text{decimals}}) / 100` are tried, and the
        search stops at the second match, so the cost does not grow with ``n``.

        >>> BenchmarkRate.from_percent("trial B", "grade >= 3 event", 31, 45, decimals=0,
        ...                            source="a publication").events    # 14/45 = 31.1%
        14
        """
        n = v.count(n, "n")
        if n == 0:
            raise DataError("must be at least 1 patient, got 0", field="n")
        percent = v.finite_real(percent, "percent")
        decimals = int(v.count(decimals, "decimals"))
        target = round(percent, decimals)
        half = 0.5 * 10.0**-decimals
        lo = max(0, math.floor(n * (percent - half) / 100) - 1)
        hi = min(n, math.ceil(n * (percent + half) / 100) + 1)
        fits = []
        for k in range(lo, hi + 1):
            if round(100 * k / n, decimals) == target:
                fits.append(k)
                if len(fits) == 2:
                    break
        if len(fits) != 1:
            what = (
                "no whole count"
                if not fits
                else f"several whole counts ({fits[0]}, {fits[1]}, ...)"
            )
            raise DataError(f"{percent:g}% of {n} matches {what}; cannot derive", field="percent")
        return cls(trial, outcome, fits[0], n, "D", source, printed or f"{percent:g}% of {n}")

    @property
    def data(self) -> Binary:
        return Binary(self.events, self.n)

    @property
    def proportion(self) -> float:
        return self.events / self.n

    def posterior(self, prior=Beta(1, 1)):
        """The benchmark rate's posterior from its own counts (default uniform prior)."""
        return update(prior, self.data)

    def __str__(self) -> str:
        return (
            f"{self.trial}, {self.outcome}: {self.events}/{self.n} [{self.tag}: {TAGS[self.tag]}]"
        )


def compare_with_benchmarks(
    posterior,
    benchmarks,
    *,
    direction: str = "less",
    benchmark_prior=Beta(1, 1),
    delta: float = 0.0,
):
    """P(theta < theta_benchmark) (or >) for each benchmark, its uncertainty included.

    Parameters
    ----------
    posterior : Beta or Mixture
        The posterior of the trial's rate (e.g. of an adverse event, or of CR + CRi).
    benchmarks : iterable of BenchmarkRate
    direction : {"less", "greater"}
        ``"less"`` (harms): :math:`P(\\theta_b - \\theta > \\delta)`; ``"greater"`` (benefits):
        :math:`P(\\theta - \\theta_b > \\delta)`.
    benchmark_prior : Beta
        Prior updated by each benchmark's counts (default uniform).
    delta : float
        Margin on the rate-difference scale.

    Returns
    -------
    pandas.DataFrame
        One row per benchmark: trial, outcome, events, n, tag, printed, benchmark posterior
        mean, ``prob`` and the comparison in words.

    Notes
    -----
    With :math:`\\theta \\sim p` the trial's posterior and
    :math:`\\theta_b \\sim \\text{Beta}(a_0 + k_b, b_0 + n_b - k_b)`, independent,

    .. math:: P(\\theta_b - \\theta > \\delta) = \\int p_\\theta(t)\\, S_b(t + \\delta)\\, dt,

    by quadrature (:func:`bayes_trials.compare.prob_difference`).
    """
    import pandas as pd

    v.one_of(direction, ("less", "greater"), "direction")
    rows = []
    for bm in benchmarks:
        bm_post = bm.posterior(benchmark_prior)
        if direction == "less":
            prob = prob_difference(bm_post, posterior, delta)
            words = f"P(theta < theta_{bm.trial})"
        else:
            prob = prob_difference(posterior, bm_post, delta)
            words = f"P(theta > theta_{bm.trial})"
        rows.append(
            {
                "trial": bm.trial,
                "outcome": bm.outcome,
                "events": bm.events,
                "n": bm.n,
                "tag": bm.tag,
                "printed": bm.printed,
                "benchmark_mean": bm_post.mean,
                "comparison": words,
                "prob": prob,
            }
        )
    return pd.DataFrame(rows)


__all__ = ["BenchmarkRate", "compare_with_benchmarks", "TAGS"]
