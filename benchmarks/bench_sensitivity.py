"""Benchmark: a 50-point MCMC prior grid for LAD-I, the naive way against the toolkit's.

The grid: Beta priors for HSCT-free survival at 1 year (9/9, null 39%) with prior means
0.2, 0.39, 0.6, 0.8, 0.9 x effective sample sizes 0.5, 1, 2, 3, 5, 9, 13, 18, 25, 50 (50 points).

- Toolkit: ``bayes_trials.sensitivity.sensitivity(..., method="mcmc")``: one compile of the
  binary model (``fit.CACHE``), then a refit per point that swaps the ``pm.Data`` values
  (nutpie ``with_data``), plus the exact posterior of every point and the z-scores.
- Naive: a fresh ``pm.Model`` (theta ~ Beta(a, b), y ~ Binomial) and ``pm.sample`` per point,
  so every point pays a compile.

Both run in ONE process, on the same grid with the same draws, tune and chains; the toolkit
runs first, so it pays the cold numba start-up and the naive loop inherits warm caches
(this favours the naive way). Every toolkit point's MCMC posterior mean and P(theta > 0.39)
must lie within 4 Monte Carlo standard errors of the exact (conjugate) answer; the script
prints the largest |z| and exits 1 otherwise.

Run:  .venv/bin/python benchmarks/bench_sensitivity.py [--draws 1000] [--tune 1000] [--chains 4]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

MEANS = [0.2, 0.39, 0.6, 0.8, 0.9]
ESS = [0.5, 1, 2, 3, 5, 9, 13, 18, 25, 50]


def naive_point(k: int, n: int, a: float, b: float, draws: int, tune: int, chains: int, seed: int):
    import pymc as pm

    with pm.Model():
        theta = pm.Beta("theta", a, b)
        pm.Binomial("y", n=n, p=theta, observed=k)
        return pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed,
                         progressbar=False, compute_convergence_checks=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20250501)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")

    t0 = time.perf_counter()
    import numpy as np
    from scipy import stats

    import bayes_trials as bt
    from bayes_trials.fit import CACHE
    from bayes_trials.sensitivity import sensitivity

    ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
    grid = {"mean": MEANS, "ess": ESS}
    t_c = time.perf_counter()
    CACHE.get(ep.structure(None), ep.build_model)  # the one compile (sensitivity would do it too)
    compile_s = time.perf_counter() - t_c
    t_r = time.perf_counter()
    res = sensitivity(ep, grid=grid, method="mcmc", threshold=0.975, draws=args.draws,
                      tune=args.tune, chains=args.chains, random_seed=args.seed, progress=False)
    refits_s = time.perf_counter() - t_r
    toolkit = time.perf_counter() - t0
    t = res.table
    n = len(t)
    print(f"toolkit: {n} grid points, {CACHE.compiles} compile(s), {toolkit:.1f} s in all "
          f"(import {t_c - t0:.1f} s, compile {compile_s:.1f} s, {n} refits with summaries, exact "
          f"posteriors and z-scores {refits_s:.1f} s = {refits_s / n:.3f} s a point)")

    # independent oracle: scipy's Beta posterior of each point, not the toolkit's kernels
    exact_mean = np.array([(m * e + 9) / (e + 9) for m in MEANS for e in ESS])
    exact_prob = np.array([stats.beta(m * e + 9, (1 - m) * e).sf(0.39) for m in MEANS for e in ESS])
    from bayes_trials.sensitivity import z_score

    z_mean = z_score(t["post_mean"], exact_mean, t["mcse_mean"])
    # MCSE of the tail probability floored by the binomial value at the exact probability;
    # where every draw lies beyond 0.39 and the exact probability is 1 to double precision, z = 0
    se_prob = np.maximum(t["prob_mcse"].to_numpy(), np.sqrt(exact_prob * (1 - exact_prob) / t["ess_bulk"].to_numpy()))
    z_prob = z_score(t["prob"], exact_prob, se_prob)
    worst = float(max(np.abs(z_mean).max(), np.abs(z_prob).max()))
    print(f"toolkit vs exact: max |z| posterior mean {np.abs(z_mean).max():.2f}, "
          f"P(theta > 0.39) {np.abs(z_prob).max():.2f} over {n} points "
          f"(divergences {int(t['divergences'].sum())}, max R-hat {t['r_hat'].max():.3f})")

    t1 = time.perf_counter()
    seeds = list(t["seed"])
    naive_means = []
    for (m, e), seed in zip([(m, e) for m in MEANS for e in ESS], seeds):
        tree = naive_point(9, 9, m * e, (1 - m) * e, args.draws, args.tune, args.chains, int(seed) % 2**31)
        naive_means.append(float(tree["posterior"]["theta"].mean()))
    naive = time.perf_counter() - t1
    print(f"naive:   {n} grid points, a new pm.Model + pm.sample each, {naive:.1f} s "
          f"= {naive / n:.2f} s a point")
    print(f"ratio naive / toolkit: {naive / toolkit:.1f}x for the whole {n}-point grid; "
          f"{naive / refits_s:.1f}x per grid point once compiled (the ratio a larger grid tends to)")
    ok = worst < 4
    print("every toolkit point within 4 MCSE of the exact posterior: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
