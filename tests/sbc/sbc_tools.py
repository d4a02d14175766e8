"""Simulation-based calibration (SBC): ranks, uniformity tests and interval coverage.

Written once here and used by every model's SBC test (``tests/sbc/test_sbc_*.py``) and by
``scripts/sbc_report.py``. Nothing here knows PyMC: a :class:`Case` supplies the
simulator (parameters drawn from the prior with NumPy, data drawn from the likelihood) and
the fit (posterior draws of each quantity); this module turns them into ranks and tests.

The idea (Cook, Gelman and Rubin 2006; Talts et al. 2018, arXiv:1804.06788; Modrak et al.
2023, doi:10.1214/23-BA1404): draw :math:`\\tilde\\theta \\sim p(\\theta)`, then
:math:`\\tilde y \\sim p(y \\mid \\tilde\\theta)`, then :math:`L` independent draws
:math:`\\theta_1..\\theta_L \\sim p(\\theta \\mid \\tilde y)`. Then
:math:`(\\tilde\\theta, \\theta_1, ..., \\theta_L)` are exchangeable draws of one joint
distribution, so the rank :math:`r = \\#\\{l : f(\\theta_l) < f(\\tilde\\theta)\\}` of any
quantity :math:`f` is uniform on :math:`\\{0, ..., L\\}`. A wrong posterior (a prior in the
model that is not the stated one, a wrong Jacobian, a likelihood that is not the data's,
a sampler that misses part of the posterior) shows as non-uniform ranks.

MCMC draws are autocorrelated; the draws are thinned to roughly independent ones (stride
``ceil(S / ESS)`` within each chain, ESS the smaller of bulk and tail ESS of that quantity,
ArviZ), and ``L`` of the thinned draws are taken at random. A fit whose thinned draws are
fewer than ``L`` is refitted with twice (then four times) the draws; the number of such
refits is recorded.

Tests (each has an exact false-alarm rate under uniform ranks)
--------------------------------------------------------------
- :func:`ecdf_pvalue`: the ECDF test of Säilynoja, Bürkner and Vehtari (2022,
  doi:10.1007/s11222-022-10090-6). At each :math:`z_j = j/(L+1)` the count
  :math:`C_j = \\#\\{r_i < j\\}` is Binomial(:math:`N, z_j`); the statistic is the smallest
  pointwise two-sided tail probability :math:`\\gamma = \\min_j 2\\min(F(C_j), 1 - F(C_j - 1))`.
  Its p-value :math:`P(\\gamma \\le \\gamma_{obs})` is computed *exactly* (not by
  simulation) by a forward recursion over the counts, :math:`C_j = C_{j-1} +
  \\text{Binomial}(N - C_{j-1}, 1/(L + 2 - j))`, keeping only the paths inside the band
  :math:`\\{c : \\gamma_j(c) > \\gamma_{obs}\\}`.
- :func:`chisq_pvalue`: Pearson's chi-square test on the ranks in ``bins`` equal bins
  (reported; the assertions use the exact tests).
- :func:`coverage_pvalue`: the number of replicates whose true value lies in the central
  50% (90%) equal-tailed posterior interval (quantiles of all the fit's draws) is
  Binomial(:math:`N`, 0.5) (0.9) for a calibrated posterior; exact two-sided binomial test.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

#: number of posterior draws each true value is ranked among: ranks 0..L
L_RANKS = 99
#: false-alarm probability of each assertion (each test below, for each quantity); the
#: exact p-values make this the actual rate under a calibrated model
ALPHA = 1e-5
#: coverage levels checked (central equal-tailed intervals)
LEVELS = (0.5, 0.9)
#: bins of the chi-square test (``L_RANKS + 1`` ranks, 10 per bin)
CHISQ_BINS = 10
#: environment variable that sets the SBC seed (rerun the suite with other seeds)
SEED_ENV = "BT_SBC_SEED"
DEFAULT_SEED = 20251212


def sbc_seed() -> int:
    """The seed of this run: ``$BT_SBC_SEED`` if set, else :data:`DEFAULT_SEED`."""
    raw = os.environ.get(SEED_ENV, "").strip()
    return int(raw) if raw else DEFAULT_SEED


# ---------------------------------------------------------------------------------------
# uniformity and coverage tests (pure NumPy / SciPy)
# ---------------------------------------------------------------------------------------
def _pointwise_gamma(counts_below: np.ndarray, n: int, z: np.ndarray) -> np.ndarray:
    """Two-sided binomial tail probability of each ECDF count, capped at 1."""
    lower = stats.binom.cdf(counts_below, n, z)
    upper = stats.binom.sf(counts_below - 1, n, z)
    return np.minimum(1.0, 2.0 * np.minimum(lower, upper))


def ecdf_pvalue(ranks, L: int = L_RANKS) -> float:
    """Exact p-value of the ECDF uniformity test of ranks on {0, ..., L} (see module notes).

    >>> ecdf_pvalue(np.arange(100) % 100, 99)     # perfectly flat: nothing to reject
    1.0
    >>> ecdf_pvalue(np.zeros(50, dtype=int), 9) < 1e-20     # every rank 0
    True
    """
    r = np.asarray(ranks, dtype=int)
    if r.min() < 0 or r.max() > L:
        raise ValueError(f"ranks must lie in 0..{L}")
    n, k = r.size, L + 1
    below = np.cumsum(np.bincount(r, minlength=k))[:-1]  # C_j, j = 1..L
    z = np.arange(1, k) / k
    g_obs = float(_pointwise_gamma(below, n, z).min())
    if g_obs >= 1.0:
        return 1.0
    # the statistic takes the same value at mirrored points (z and 1 - z) computed
    # differently in floating point: values within a relative 1e-9 count as ties
    g_obs *= 1.0 + 1e-9
    c = np.arange(n + 1)
    prob = np.zeros(n + 1)
    prob[0] = 1.0
    for j in range(1, k):
        q = 1.0 / (k - j + 1)
        inside = np.flatnonzero(_pointwise_gamma(c, n, z[j - 1]) > g_obs)  # the band at z_j
        rows = np.flatnonzero(prob)
        if rows.size == 0 or inside.size == 0:
            return 1.0
        trans = stats.binom.pmf(inside[None, :] - rows[:, None], (n - rows)[:, None], q)
        new = np.zeros(n + 1)
        new[inside] = prob[rows] @ trans
        prob = new
    return float(min(1.0, max(0.0, 1.0 - prob.sum())))


def chisq_pvalue(ranks, L: int = L_RANKS, bins: int = CHISQ_BINS) -> float:
    """Pearson chi-square p-value of the ranks grouped in ``bins`` equal bins."""
    if (L + 1) % bins:
        raise ValueError(f"{L + 1} ranks do not split into {bins} equal bins")
    counts = np.bincount(np.asarray(ranks, dtype=int) * bins // (L + 1), minlength=bins)
    return float(stats.chisquare(counts).pvalue)


def coverage_pvalue(covered: int, n: int, level: float) -> float:
    """Exact two-sided binomial p-value of ``covered`` of ``n`` intervals at ``level``."""
    return float(stats.binomtest(int(covered), int(n), level).pvalue)


def rank_histogram(ranks, L: int = L_RANKS, bins: int = CHISQ_BINS) -> list[int]:
    """Counts of the ranks in ``bins`` equal bins (lowest ranks first)."""
    return np.bincount(np.asarray(ranks, dtype=int) * bins // (L + 1), minlength=bins).tolist()


# ---------------------------------------------------------------------------------------
# ranks of one replicate
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PIT:
    """A quantity given by a posterior cdf instead of draws (e.g. a mixture fitted to the
    draws): its probability integral transform :math:`u = F(\\tilde\\theta)` is uniform on
    (0, 1) under calibration, so ``floor(u (L + 1))`` is a rank on 0..L, and the central
    interval at ``level`` covers the truth iff :math:`|u - 1/2| \\le \\text{level}/2`."""

    cdf: Callable


def effective_size(draws: np.ndarray) -> float:
    """min(bulk, tail) ESS (ArviZ; tail: the 5% and 95% quantiles) of draws shaped (chain, draw)."""
    import arviz as az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bulk = float(az.ess(draws, method="bulk"))
        tail = float(az.ess(draws, method="tail", prob=(0.05, 0.95)))
    out = min(bulk, tail)
    return out if math.isfinite(out) else 0.0


def thinned(draws: np.ndarray, L: int = L_RANKS) -> tuple[np.ndarray | None, float]:
    """Draws thinned within each chain to stride ``ceil(S / ESS)``; None if fewer than ``L``."""
    draws = np.asarray(draws, dtype=float)
    if draws.ndim == 1:
        draws = draws[None, :]
    ess = effective_size(draws)
    if ess <= 0:
        return None, ess
    stride = max(1, math.ceil(draws.size / ess))
    kept = draws[:, ::stride].ravel()
    return (kept if kept.size >= L else None), ess


def rank_of(truth: float, sample: np.ndarray, rng) -> int:
    """Number of ``sample`` values below ``truth``; ties (a saturated transform) split at random."""
    below = int(np.sum(sample < truth))
    ties = int(np.sum(sample == truth))
    return below + (int(rng.integers(0, ties + 1)) if ties else 0)


# ---------------------------------------------------------------------------------------
# a model's SBC case and the run over replicates
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fit:
    """What a case's fit returns: posterior draws (chain, draw) or a :class:`PIT` for each
    quantity, and the number of divergent transitions."""

    draws: dict
    divergences: int = 0


@dataclass(frozen=True)
class Case:
    """One model under SBC.

    Attributes
    ----------
    name : str
    quantities : tuple of str
        What is ranked: parameters and derived quantities, in report order.
    simulate : callable(rng) -> (dict, object)
        Draws the true values (a dict over ``quantities``) from the prior with NumPy and a
        data set from the likelihood; returns them with whatever ``fit`` needs (an endpoint).
    fit : callable(data, seed, draws) -> Fit
    reps : int
        Replicates of the full suite.
    draws : int
        Posterior draws per chain (doubled, then quadrupled, for a fit with too few
        effective draws).
    description : str
        Prior, data size and design, for the report.
    """

    name: str
    quantities: tuple
    simulate: Callable
    fit: Callable
    reps: int
    draws: int = 500
    description: str = ""


@dataclass
class Result:
    """Ranks and coverage of every quantity over ``n`` replicates, with run diagnostics."""

    case: str
    quantities: tuple
    seed: int
    L: int = L_RANKS
    ranks: dict = field(default_factory=dict)
    covered: dict = field(default_factory=dict)  # (quantity, level) -> list of bool
    ess: dict = field(default_factory=dict)
    divergent_reps: int = 0
    refits: int = 0
    short: int = 0  # fits still below L effective draws at four times the draws
    seconds: float = 0.0

    @property
    def n(self) -> int:
        return len(next(iter(self.ranks.values()))) if self.ranks else 0

    def pvalues(self, q: str) -> dict:
        """ECDF and chi-square uniformity p-values and the coverage p-values of ``q``."""
        r = np.asarray(self.ranks[q])
        out = {"ecdf": ecdf_pvalue(r, self.L), "chisq": chisq_pvalue(r, self.L)}
        for level in LEVELS:
            hits = self.covered[(q, level)]
            out[f"cover{round(100 * level)}"] = coverage_pvalue(sum(hits), len(hits), level)
        return out

    def coverage(self, q: str, level: float) -> float:
        hits = self.covered[(q, level)]
        return float(np.mean(hits))

    def failures(self, q: str, alpha: float = ALPHA) -> list[str]:
        """Human-readable failures of ``q``'s three exact tests at ``alpha`` (empty if none)."""
        p = self.pvalues(q)
        hist = rank_histogram(self.ranks[q], self.L)
        out = []
        if p["ecdf"] < alpha:
            out.append(
                f"{self.case}/{q}: ranks not uniform, ECDF test p = {p['ecdf']:.2e} "
                f"(chi-square p = {p['chisq']:.2e}); rank histogram ({CHISQ_BINS} bins, "
                f"lowest first) {hist}"
            )
        for level in LEVELS:
            key = f"cover{round(100 * level)}"
            if p[key] < alpha:
                out.append(
                    f"{self.case}/{q}: central {level:.0%} intervals cover "
                    f"{self.coverage(q, level):.3f} of {self.n} (p = {p[key]:.2e}); "
                    f"rank histogram {hist}"
                )
        return out


def run(
    case: Case, reps: int | None = None, seed: int | None = None, progress: Callable | None = None
) -> Result:
    """Simulate, fit and rank ``reps`` replicates of ``case`` (default ``case.reps``)."""
    reps = case.reps if reps is None else int(reps)
    seed = sbc_seed() if seed is None else int(seed)
    import zlib

    root = np.random.SeedSequence([seed, zlib.crc32(case.name.encode())])
    res = Result(case.name, tuple(case.quantities), seed)
    for q in case.quantities:
        res.ranks[q] = []
        res.ess[q] = []
        for level in LEVELS:
            res.covered[(q, level)] = []
    start = time.perf_counter()
    for i, child in enumerate(root.spawn(reps)):
        sim_ss, fit_ss, pick_ss = child.spawn(3)
        truth, data = case.simulate(np.random.default_rng(sim_ss))
        pick = np.random.default_rng(pick_ss)
        fit_seed = int(fit_ss.generate_state(1)[0])
        draws = case.draws
        for attempt in range(3):
            fit = case.fit(data, fit_seed + attempt, draws)
            kept = {
                q: (None, 0.0) if isinstance(fit.draws[q], PIT) else thinned(fit.draws[q])
                for q in case.quantities
            }
            if (
                all(
                    isinstance(fit.draws[q], PIT) or kept[q][0] is not None for q in case.quantities
                )
                or attempt == 2
            ):
                break
            res.refits += 1
            draws *= 2
        res.divergent_reps += int(fit.divergences > 0)
        for q in case.quantities:
            value = fit.draws[q]
            t = float(truth[q])
            if isinstance(value, PIT):
                u = float(value.cdf(t))
                res.ranks[q].append(min(L_RANKS, int(math.floor(u * (L_RANKS + 1)))))
                res.ess[q].append(float("nan"))
                for level in LEVELS:
                    tail = (1 - level) / 2
                    res.covered[(q, level)].append(bool(tail <= u <= 1 - tail))
                continue
            sample, ess = kept[q]
            if sample is None:  # still short after four times the draws: evenly spaced
                res.short += 1
                flat = np.asarray(value, dtype=float).reshape(-1)
                sample = flat[np.linspace(0, flat.size - 1, L_RANKS).round().astype(int)]
            chosen = pick.choice(sample.size, L_RANKS, replace=False)
            res.ranks[q].append(rank_of(t, sample[chosen], pick))
            res.ess[q].append(ess)
            flat = np.asarray(value, dtype=float).reshape(-1)
            for level in LEVELS:
                tail = (1 - level) / 2
                lo, hi = np.quantile(flat, [tail, 1 - tail])
                res.covered[(q, level)].append(bool(lo <= t <= hi))
        if progress is not None:
            progress(i + 1, reps)
    res.seconds = time.perf_counter() - start
    return res


# ---------------------------------------------------------------------------------------
# pytest glue: one parametrised test per (case, quantity), the assertion written once
# ---------------------------------------------------------------------------------------
def params(cases, xfail: dict | None = None) -> list:
    """``pytest.param(case, quantity)`` for every quantity of every case, with ids
    ``case-quantity``; ``xfail`` maps ``"case/quantity"`` to a reason (strict xfail)."""
    import pytest

    xfail = xfail or {}
    out = []
    for case in cases:
        for q in case.quantities:
            key = f"{case.name}/{q}"
            marks = [pytest.mark.xfail(strict=True, reason=xfail[key])] if key in xfail else []
            out.append(pytest.param(case, q, id=f"{case.name}-{q}", marks=marks))
    return out


def assert_calibrated(result: Result, quantity: str, alpha: float = ALPHA) -> None:
    """Fail with the rank histogram and p-values if any of the three exact tests of
    ``quantity`` (ECDF uniformity, 50% and 90% coverage) rejects at ``alpha``."""
    failures = result.failures(quantity, alpha)
    if failures:
        raise AssertionError("\n".join(failures))
