"""Benchmark: the exact count computations at n = 10 .. 1e9, against enumerating every count.

For each n the toolkit's functions are timed (wall clock, one call) and their peak memory
measured on a second call under ``tracemalloc`` (which sees NumPy's buffers, and would
slow the timed call):

- ``prior_data_conflict`` (Box's p-value and the 95% predictive interval) for a Beta(2, 3)
  prior, a robust mixture 0.8 Beta(30, 9) + 0.2 Beta(1, 1) (binary, ``0.3 n`` events of
  ``n``) and a Gamma(20, 4) prior (``6 E`` events over an exposure ``E = n``);
- ``decision_boundary`` and ``operating_characteristics`` over 50 true rates, rule
  P(theta > 0.39) > 0.975, robust mixture prior;
- ``interim_futility_oc``: one look at ``n/2`` of ``n``, futility cut-off 0.1, two truths;
- ``predictive_probability``: ``0.2 n`` responders among ``n/2``, ``n_max = n``.

Up to ``--old-max`` (default 20000) the same quantities are also computed the way the
package did before issue 12, written out below: every count 0..n enumerated (one
posterior per count, pmfs summed over all counts, predictive quantiles by scipy's cdf of
every count), in the same run; the table prints both, their ratio and the largest
difference between the two answers (the enumeration's memory is measured on a repeat only
when the first call took under ``--repeat-max`` seconds, "-" otherwise).

Run:  .venv/bin/python benchmarks/bench_large_n.py [--old-max N] [--max-exp 9]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

# benchmark the checkout this script lives in, whatever is installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bayes_trials
from bayes_trials import Beta, Binary, Gamma, Mixture, Rate, update
from bayes_trials.decisions import (
    decision_boundary,
    interim_futility_oc,
    operating_characteristics,
)
from bayes_trials.distributions import components_of
from bayes_trials.predictive import predictive_probability, prior_data_conflict

ROBUST = Mixture([Beta(30, 9), Beta(1, 1)], [0.8, 0.2])
TRUTHS = np.linspace(0.01, 0.99, 50)
THRESHOLD, TARGET, FUTILITY = 0.975, 0.39, 0.1

# --------------------------------------------------------------------------------------
# the enumeration way (the package before issue 12), written out


def _components(prior):
    return components_of(prior)


def _enum_pmf(prior, size, family):
    """The predictive pmf at every count: 0..n (beta-binomial) or 0..the 1 - 1e-15 quantile."""
    w, comps = _components(prior)
    if family == "beta":
        frozen = [stats.betabinom(size, c.a, c.b) for c in comps]
        hi = size
    else:
        frozen = [stats.nbinom(c.shape, c.rate / (c.rate + size)) for c in comps]
        hi = int(max(f.ppf(1 - 1e-15) for f in frozen))
    return w, frozen, hi


def enum_prior_data_conflict(prior, data):
    family = "beta" if isinstance(data, Binary) else "gamma"
    size = data.n if family == "beta" else data.exposure
    w, frozen, hi = _enum_pmf(prior, size, family)
    y = data.events
    hi = max(hi, y)
    ks = np.arange(hi + 1)
    pmf = sum(wk * f.pmf(ks) for wk, f in zip(w, frozen))
    f_obs = sum(wk * f.pmf(y) for wk, f in zip(w, frozen))
    p = float(np.clip(1.0 - pmf[pmf > f_obs * (1 + 1e-9)].sum(), 0.0, 1.0))
    # the 95% interval: the cdf (scipy's, a sum per count) at every count up to the quantile
    out = []
    for q in (0.025, 0.975):
        top = size if family == "beta" else int(max(f.ppf(q) for f in frozen))
        kk = np.arange(top + 1)
        cdf = sum(wk * f.cdf(kk) for wk, f in zip(w, frozen))
        out.append(int(kk[min(int(np.searchsorted(cdf, q - 1e-9)), kk.size - 1)]))
    return p, tuple(out)


def enum_success(prior, n, threshold=THRESHOLD, target=TARGET):
    """Success after every count 0..n: one exact posterior per count."""
    if isinstance(prior, Mixture):
        probs = np.array([update(prior, Binary(int(y), n)).sf(target) for y in range(n + 1)])
    else:
        ys = np.arange(n + 1)
        probs = stats.beta(prior.a + ys, prior.b + n - ys).sf(target)
    return probs > threshold


def enum_decision_boundary(prior, n):
    ok = np.flatnonzero(enum_success(prior, n))
    return int(ok[0]) if ok.size else None


def enum_operating_characteristics(prior, n):
    ok = enum_success(prior, n)
    counts = np.arange(n + 1)
    pmf = stats.binom.pmf(counts[None, :], n, TRUTHS[:, None])
    return pmf[:, ok].sum(axis=1)


def _enum_pp(prior, y, nk, n_max, final):
    m = n_max - nk
    post = update(prior, Binary(int(y), nk))
    w, comps = _components(post)
    j = np.arange(m + 1)
    pmf = sum(wk * stats.betabinom.pmf(j, m, c.a, c.b) for wk, c in zip(w, comps))
    return float(np.sum(pmf * final[y + j]))


def enum_interim_futility_oc(prior, nk, n_max, truths):
    final = enum_success(prior, n_max, 0.95, TARGET)
    stops = np.array([_enum_pp(prior, y, nk, n_max, final) for y in range(nk + 1)]) < FUTILITY
    out = []
    for theta in truths:
        running = stats.binom.pmf(np.arange(nk + 1), nk, theta)
        p_stop = float(running[stops].sum())
        running = np.where(stops, 0.0, running)
        at_end = np.convolve(running, stats.binom.pmf(np.arange(n_max - nk + 1), n_max - nk, theta))
        out += [p_stop, float(at_end[final].sum())]
    return out


def enum_predictive_probability(prior, data, n_max):
    post = update(prior, data)
    m = n_max - data.n
    ys = np.arange(m + 1)
    w, comps = _components(post)
    pmf = sum(wk * stats.betabinom.pmf(ys, m, c.a, c.b) for wk, c in zip(w, comps))
    probs = np.array([float(update(post, Binary(int(y), m)).sf(TARGET)) for y in ys])
    return float(np.sum(pmf[probs > 0.9]))


# --------------------------------------------------------------------------------------
# the cases


def cases(n: int):
    """(name, toolkit call, enumeration call, how to compare the two answers)."""
    half = max(n // 2, 1)
    binary = Binary(int(0.3 * n), n)
    rate = Rate(int(6 * n), float(n))
    interim = Binary(int(0.2 * n), half)
    truths2 = [0.39, 0.5]

    def pdc(prior, data):
        r = prior_data_conflict(prior, data, warn=False)
        return [r.p_value, *r.predictive_interval]

    def pdc_old(prior, data):
        p, (lo, hi) = enum_prior_data_conflict(prior, data)
        return [p, lo, hi]

    def fut_new():
        oc = interim_futility_oc(ROBUST, half, n, 0.95, TARGET, FUTILITY, truths2)
        return oc[["prob_stop_futility", "prob_success"]].to_numpy().ravel().tolist()

    out = [
        (
            "prior_data_conflict Beta",
            lambda: pdc(Beta(2, 3), binary),
            lambda: pdc_old(Beta(2, 3), binary),
        ),
        (
            "prior_data_conflict robust",
            lambda: pdc(ROBUST, binary),
            lambda: pdc_old(ROBUST, binary),
        ),
        (
            "prior_data_conflict Gamma",
            lambda: pdc(Gamma(20, 4), rate),
            lambda: pdc_old(Gamma(20, 4), rate),
        ),
        (
            "decision_boundary",
            lambda: [decision_boundary(ROBUST, n=n, threshold=THRESHOLD, target=TARGET)],
            lambda: [enum_decision_boundary(ROBUST, n)],
        ),
        (
            "operating_characteristics x50",
            lambda: operating_characteristics(
                ROBUST, n=n, threshold=THRESHOLD, target=TARGET, truths=TRUTHS
            ).prob_success.tolist(),
            lambda: enum_operating_characteristics(ROBUST, n).tolist(),
        ),
    ]
    if n >= 2:
        out += [
            (
                "interim_futility_oc",
                fut_new,
                lambda: enum_interim_futility_oc(ROBUST, half, n, truths2),
            ),
            (
                "predictive_probability",
                lambda: [float(predictive_probability(ROBUST, interim, n, 0.9, TARGET))],
                lambda: [enum_predictive_probability(ROBUST, interim, n)],
            ),
        ]
    return out


def timed(fn):
    """(value, wall-clock seconds), without tracemalloc (which slows Python-heavy code)."""
    gc.collect()
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def peak_mib(fn) -> float:
    """Peak traced memory of a second call (tracemalloc sees NumPy's buffers)."""
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def largest_difference(a, b) -> float:
    a = np.asarray([np.nan if x is None else x for x in a], dtype=float)
    b = np.asarray([np.nan if x is None else x for x in b], dtype=float)
    same_nan = np.isnan(a) & np.isnan(b)
    return float(np.max(np.where(same_nan, 0.0, np.abs(a - b))))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old-max", type=float, default=2e4, help="largest n for the enumeration way")
    ap.add_argument("--max-exp", type=int, default=9, help="largest n = 10**max-exp")
    ap.add_argument(
        "--repeat-max",
        type=float,
        default=20.0,
        help="repeat an enumeration for its memory only if it took less (seconds)",
    )
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    sizes = [10**k for k in range(1, args.max_exp + 1)]
    if args.old_max >= 2e4 and 20_000 not in sizes:
        sizes = sorted(sizes + [20_000])
    for _, fn, _ in cases(20):  # warm-up: imports, scipy's lazy set-up
        fn()
    print(
        f"bayes_trials from {Path(bayes_trials.__file__).parent}; enumeration up to n = {args.old_max:g}"
    )
    header = (
        f"{'n':>13} {'computation':<31} {'toolkit s':>10} {'MiB':>7} {'enumerate s':>12} "
        f"{'MiB':>8} {'ratio':>8} {'max |diff|':>11}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        for name, new, old in cases(n):
            value, sec = timed(new)
            row = f"{n:>13,} {name:<31} {sec:>10.4f} {peak_mib(new):>7.2f}"
            if n <= args.old_max:
                old_value, old_sec = timed(old)
                # the memory of a second enumeration only where it is quick to repeat
                old_mib = f"{peak_mib(old):>8.2f}" if old_sec < args.repeat_max else f"{'-':>8}"
                row += (
                    f" {old_sec:>12.4f} {old_mib} {old_sec / sec:>8.1f}"
                    f" {largest_difference(value, old_value):>11.2e}"
                )
            print(row, flush=True)


if __name__ == "__main__":
    main()
