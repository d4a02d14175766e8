"""Benchmark rates from other trials, with their uncertainty, and comparisons against them.

A benchmark is a count out of a number of patients, tagged as printed in its source
(``"E"``) or derived from a printed percentage (``"D"``, see :meth:`BenchmarkRate.from_percent`).
A comparison takes the benchmark's own uncertainty into account: its rate is a Beta
posterior from its counts, and :math:`P(\\theta < \\theta_\\text{benchmark})` is computed by
numerical integration (:func:`bayes_trials.predictive.prob_difference`).

The numbers below are those of ``/work/shared/TRIAL_FACTS.md``; each names its source.
Comparisons across trials are across different populations, doses and definitions: a
probability such as :math:`P(\\theta_\\text{META} < \\theta_\\text{FELIX})` describes the two
counts, not a randomised contrast.

Example
-------
>>> from bayes_trials.benchmarks import SAFETY_BENCHMARKS, compare_with_benchmarks
>>> from bayes_trials.priors import Beta
>>> SAFETY_BENCHMARKS["felix_grade3_icans"].events      # 7.1% of 127 -> 9 (derived)
9
>>> table = compare_with_benchmarks(Beta(1, 13), [SAFETY_BENCHMARKS["felix_grade3_icans"]])
>>> round(float(table["prob"].iloc[0]), 4)                # P(theta_META < theta_FELIX)
0.6326
"""

from __future__ import annotations

import math

from dataclasses import dataclass

from . import _validate as v
from .conjugate import update
from .data import Binary
from .errors import DataError
from .predictive import prob_difference
from .priors import Beta

TAGS = {"E": "published", "D": "derived from published numbers", "A": "second-hand"}


@dataclass(frozen=True)
class BenchmarkRate:
    """A benchmark count: ``events`` of ``n`` patients in another trial.

    Parameters
    ----------
    trial, outcome : str
        E.g. ``"FELIX"``, ``"grade >= 3 ICANS"``.
    events, n : int
    tag : {"E", "D", "A"}
        Printed, derived from printed numbers, or second-hand (TRIAL_FACTS.md).
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
    def from_percent(cls, trial: str, outcome: str, percent: float, n: int, *, decimals: int,
                     source: str, printed: str = "") -> "BenchmarkRate":
        """Derive the count from a printed percentage of ``n`` (tag ``"D"``).

        The count is the unique whole number :math:`k` with
        :math:`\\text{round}(100k/n, \\text{decimals})` equal to the printed percentage;
        a :class:`DataError` is raised when none or several qualify.

        >>> BenchmarkRate.from_percent("ZUMA-3 phase 1", "grade >= 3 CRS", 31, 45, decimals=0,
        ...                            source="Shah BD et al. Blood 2021").events
        14
        """
        n = v.count(n, "n")
        percent = v.finite_real(percent, "percent")
        target = round(percent, decimals)
        fit = lambda k: round(100 * k / n, decimals) == target
        # the counts that fit are consecutive (the rounded percentage is monotone in k) and
        # lie in the rounding interval: look there, never at every count 0..n
        half = 0.5 * 10.0**-decimals
        lo = max(0, math.floor((target - half) * n / 100) - 2)
        hi = min(n, math.ceil((target + half) * n / 100) + 2)
        if hi - lo <= 64:
            fits = [k for k in range(lo, hi + 1) if fit(k)]
            count = len(fits)
        else:  # dozens of counts round to the percentage: name the run
            first = next(k for k in range(lo, hi + 1) if fit(k))
            last = next(k for k in range(hi, lo - 1, -1) if fit(k))
            fits, count = f"{first}..{last}", last - first + 1
        if count != 1:
            raise DataError(
                f"{percent:g}% of {n} matches {count} whole counts ({fits}); cannot derive",
                field="percent",
            )
        first = fits[0]
        return cls(trial, outcome, first, n, "D", source,
                   printed or f"{percent:g}% of {n}")

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
        return (f"{self.trial}, {self.outcome}: {self.events}/{self.n} "
                f"[{self.tag}: {TAGS[self.tag]}]")


_FELIX = ("Roddie C et al. Obecabtagene autoleucel in adults with B-cell acute lymphoblastic "
          "leukemia. N Engl J Med 2024;391:2219-30. doi:10.1056/NEJMoa2406526")
_ZUMA3_PH1 = ("Shah BD et al. KTE-X19 for relapsed or refractory adult B-cell acute "
              "lymphoblastic leukemia: phase 1 results of ZUMA-3. Blood 2021;138:11-22. "
              "doi:10.1182/blood.2020009098")
_ZUMA3_PH2 = ("Shah BD et al. KTE-X19 for relapsed or refractory adult B-cell acute "
              "lymphoblastic leukaemia: phase 2 results of the single-arm, open-label, "
              "multicentre ZUMA-3 study. Lancet 2021;398:491-502. "
              "doi:10.1016/S0140-6736(21)01222-8")
_ELIANA = ("Maude SL et al. Tisagenlecleucel in children and young adults with B-cell "
           "lymphoblastic leukemia. N Engl J Med 2018;378:439-48. doi:10.1056/NEJMoa1709866")

#: grade >= 3 CRS and ICANS of CD19 CAR T benchmarks (TRIAL_FACTS.md); counts derived
SAFETY_BENCHMARKS = {
    "felix_grade3_icans": BenchmarkRate.from_percent(
        "FELIX", "grade >= 3 ICANS", 7.1, 127, decimals=1, source=_FELIX,
        printed="7.1% of 127 infused"),
    "felix_grade3_crs": BenchmarkRate.from_percent(
        "FELIX", "grade >= 3 CRS", 2.4, 127, decimals=1, source=_FELIX,
        printed="2.4% of 127 infused"),
    "zuma3_ph1_grade3_crs": BenchmarkRate.from_percent(
        "ZUMA-3 phase 1", "grade >= 3 CRS", 31, 45, decimals=0, source=_ZUMA3_PH1,
        printed="31% of 45 treated"),
}

#: CR/CRi (overall remission) of CD19 CAR T benchmarks (TRIAL_FACTS.md)
EFFICACY_BENCHMARKS = {
    "eliana_cr_cri": BenchmarkRate.from_percent(
        "ELIANA", "CR/CRi within 3 months", 81, 75, decimals=0, source=_ELIANA,
        printed="81% of 75 infused"),
    "zuma3_ph2_cr_cri": BenchmarkRate(
        "ZUMA-3 phase 2", "CR/CRi", 39, 55, "E", _ZUMA3_PH2, printed="39/55 (70.9%)"),
    "felix_overall_remission": BenchmarkRate.from_percent(
        "FELIX cohort 2A", "overall remission (CR/CRi)", 77, 94, decimals=0, source=_FELIX,
        printed="77% of 94 infused"),
}


def compare_with_benchmarks(posterior, benchmarks, *, direction: str = "less",
                            benchmark_prior=Beta(1, 1), delta: float = 0.0):
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

    by quadrature (:func:`bayes_trials.predictive.prob_difference`).
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
        rows.append({"trial": bm.trial, "outcome": bm.outcome, "events": bm.events, "n": bm.n,
                     "tag": bm.tag, "printed": bm.printed, "benchmark_mean": bm_post.mean,
                     "comparison": words, "prob": prob})
    return pd.DataFrame(rows)


__all__ = ["BenchmarkRate", "SAFETY_BENCHMARKS", "EFFICACY_BENCHMARKS",
           "compare_with_benchmarks", "TAGS"]
