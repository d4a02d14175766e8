"""Benchmark: MCMC prior grids for LAD-I, batched against the naive loop and the unbatched toolkit.

The grid: Beta priors for HSCT-free survival at 1 year (9/9, null 39%), 50 points (prior means
0.2, 0.39, 0.6, 0.8, 0.9 x effective sample sizes 0.5 ... 50) and 500 points (10 means x 50
effective sample sizes, log-spaced from 0.5 to 50).

Ways, each in a fresh Python process of its own (imports and compiles included; the script
calls itself), interleaved in one run:

- batched: ``bayes_trials.sensitivity(..., method="mcmc")``: the grid in chunks of 64 points,
  each chunk one NUTS run of the batched binary model (one compile serves every chunk);
  a point failing its diagnostics is refitted alone;
- alone: the same call with ``batched=False``: one refit per point on the compiled binary
  model (the toolkit's way before batching);
- naive: a fresh ``pm.Model`` (theta ~ Beta(a, b), y ~ Binomial) and ``pm.sample`` per point,
  so every point pays a compile;
- batched on 2 workers (500 points, ``--workers 2``): the chunks on a Dask LocalCluster.

Every batched and alone point's posterior mean and P(theta > 0.39) is compared with scipy's
Beta posterior (z = difference / MCSE, the probability's MCSE floored by its binomial value at
the exact probability); the script prints the largest |z| against the family-wise bound of
:func:`bayes_trials.checks.family_wise_z` (any false alarm in the lot 1e-3) and exits 1 if a
point is beyond it. It prints the NUTS step size, tree depth and leapfrog steps per draw of
the batched chunks and of the single fits: what batching does to the sampler.

Run:  .venv/bin/python benchmarks/bench_sensitivity.py [--repeats 1] [--draws 1000]
      [--naive-points 50] [--skip-500]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEANS_50 = [0.2, 0.39, 0.6, 0.8, 0.9]
ESS_50 = [0.5, 1, 2, 3, 5, 9, 13, 18, 25, 50]


def grid(points: int) -> dict:
    import numpy as np

    if points == 50:
        return {"mean": MEANS_50, "ess": ESS_50}
    return {
        "mean": [round(x, 2) for x in np.linspace(0.1, 0.9, 10)],
        "ess": [float(x) for x in np.round(np.geomspace(0.5, 50, points // 10), 4)],
    }


def naive_point(k: int, n: int, a: float, b: float, draws: int, tune: int, chains: int, seed: int):
    import pymc as pm

    with pm.Model():
        theta = pm.Beta("theta", a, b)
        pm.Binomial("y", n=n, p=theta, observed=k)
        return pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )


def one_way(way: str, points: int, args) -> dict:
    """Run one way in this (fresh) process; return its timings and checks."""
    t_start = time.perf_counter()
    warnings.simplefilter("ignore")
    import numpy as np
    from scipy import stats

    import bayes_trials as bt
    from bayes_trials.checks import family_wise_z
    from bayes_trials.endpoints.binary_grid import BetaGrid
    from bayes_trials.fit import TIMINGS
    from bayes_trials.sensitivity import make_grid, sensitivity, z_score

    t_import = time.perf_counter() - t_start
    ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
    g = grid(points)
    pts = make_grid(BetaGrid(), g).points()
    out = {"way": way, "points": points, "import": t_import, "load": os.getloadavg()[0]}
    if way == "naive":
        n = min(points, args.naive_points)
        t0 = time.perf_counter()
        for i, r in enumerate(pts.head(n).itertuples()):
            naive_point(
                9,
                9,
                r.mean * r.ess,
                (1 - r.mean) * r.ess,
                args.draws,
                args.tune,
                args.chains,
                args.seed + i,
            )
        work = time.perf_counter() - t0
        out.update(
            timed_points=n,
            work=work,
            per_point=work / n,
            wall=t_import + work * points / n,
            scaled=n < points,
        )
        return out
    t0 = time.perf_counter()
    res = sensitivity(
        ep,
        grid=g,
        method="mcmc",
        threshold=0.975,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        seed=args.seed,
        progress=False,
        batched=(way != "alone"),
        workers=2 if way == "batched-2-workers" else 1,
    )
    work = time.perf_counter() - t0
    t = res.table
    exact_mean = np.array([(m * e + 9) / (e + 9) for m, e in zip(t["mean_prior"], t["ess"])])
    exact_prob = np.array(
        [stats.beta(m * e + 9, (1 - m) * e).sf(0.39) for m, e in zip(t["mean_prior"], t["ess"])]
    )
    z_mean = z_score(t["post_mean"], exact_mean, t["mcse_mean"])
    se_prob = np.maximum(
        t["prob_mcse"].to_numpy(), np.sqrt(exact_prob * (1 - exact_prob) / t["ess_bulk"].to_numpy())
    )
    z_prob = z_score(t["prob"], exact_prob, se_prob)
    tm = TIMINGS.totals()
    batched = t[t["batched"]]
    alone = t[~t["batched"]]
    out.update(
        work=work,
        wall=t_import + work,
        compile=tm.get("compile", 0.0),
        sampling=tm.get("sampling", 0.0),
        summaries=tm.get("summaries", 0.0),
        per_point=work / len(t),
        per_point_compiled=(work - tm.get("compile", 0.0)) / len(t)
        if way != "batched-2-workers"
        else None,
        max_z_mean=float(np.abs(z_mean).max()),
        max_z_prob=float(np.abs(z_prob).max()),
        bound=float(family_wise_z(2 * len(t))),
        refits_alone=len(alone) if way != "alone" else None,
        divergences=int(t["divergences"].sum()),
        max_rhat=float(t["r_hat"].max()),
        min_ess=float(t["ess_bulk"].min()),
    )
    for name, part in (("batched", batched), ("alone", alone)):
        if len(part):
            out[f"{name}_nuts"] = {
                k: float(part[k].mean()) for k in ("step_size", "tree_depth", "n_steps")
            }
    return out


def run_child(way: str, points: int, args) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        way,
        "--points",
        str(points),
        "--draws",
        str(args.draws),
        "--tune",
        str(args.tune),
        "--chains",
        str(args.chains),
        "--seed",
        str(args.seed),
        "--naive-points",
        str(args.naive_points),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{way} {points} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process"] = time.perf_counter() - t0
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20250501)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument(
        "--naive-points",
        type=int,
        default=50,
        help="time the naive loop on this many points and scale to the grid",
    )
    ap.add_argument("--skip-500", action="store_true", help="only the 50-point grid")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--points", type=int, default=50, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one_way(args.one, args.points, args)))
        return 0
    plan = [("batched", 50), ("alone", 50), ("naive", 50)]
    if not args.skip_500:
        plan += [("batched", 500), ("batched-2-workers", 500)]
    # warm-up: each compiled structure once, so that no way pays numba's first on-disk compile
    for way in ("batched", "alone"):
        run_child(
            way, 50, argparse.Namespace(**{**vars(args), "draws": 50, "tune": 50, "chains": 1})
        )
    runs: dict = {}
    for rep in range(args.repeats):
        for way, points in plan:
            r = run_child(way, points, args)
            runs.setdefault((way, points), []).append(r)
            print(
                f"[{rep + 1}] {way:>17} {points:>4} points: process {r['process']:7.1f} s, "
                f"load {r['load']:.1f}",
                flush=True,
            )
    med = {k: sorted(v, key=lambda r: r["process"])[len(v) // 2] for k, v in runs.items()}
    print(
        f"\nmachine: {os.cpu_count()} cores; load average now {os.getloadavg()[0]:.1f} "
        "(other workers share it: read the ratios, measured in one run, interleaved)"
    )
    print(
        f"{'way':>17} {'points':>6} {'process s':>10} {'import':>7} {'compile':>8} {'sampling':>9} "
        f"{'s/point':>8} {'s/point compiled':>17}  max|z| mean/prob (bound)  refits alone"
    )
    for (way, points), r in med.items():
        scaled = " (scaled)" if r.get("scaled") else ""
        comp = r.get("per_point_compiled")
        print(
            f"{way:>17} {points:>6} {r['wall']:>10.1f} {r['import']:>7.1f} {r.get('compile', float('nan')):>8.1f} "
            f"{r.get('sampling', float('nan')):>9.1f} {r['per_point']:>8.3f} "
            f"{(f'{comp:.3f}' if comp is not None else '-'):>17}  "
            + (
                f"{r['max_z_mean']:.2f}/{r['max_z_prob']:.2f} ({r['bound']:.2f})"
                if "max_z_mean" in r
                else "-"
            )
            + f"  {r.get('refits_alone', '-')}{scaled}"
        )
    naive, b50, a50 = med[("naive", 50)], med[("batched", 50)], med[("alone", 50)]
    print(
        f"\n50 points, whole process: naive / batched {naive['wall'] / b50['wall']:.1f}x, "
        f"naive / alone {naive['wall'] / a50['wall']:.1f}x, alone / batched {a50['wall'] / b50['wall']:.1f}x"
    )
    if ("batched", 500) in med:
        b500 = med[("batched", 500)]
        print(
            f"500 points: {b500['per_point']:.4f} s a point whole process ({b500['per_point_compiled']:.4f} once "
            f"compiled); per point, naive / batched {naive['per_point'] / b500['per_point']:.0f}x, "
            f"alone once compiled / batched once compiled "
            f"{a50['per_point_compiled'] / b500['per_point_compiled']:.1f}x"
        )
        w2 = med[("batched-2-workers", 500)]
        print(
            f"500 points on 2 Dask workers: {w2['wall']:.1f} s against {b500['wall']:.1f} s in one process"
        )
    for (way, points), r in med.items():
        for name in ("batched", "alone"):
            nuts = r.get(f"{name}_nuts")
            if nuts:
                print(
                    f"NUTS, {way} {points} points, {name} fits: step size {nuts['step_size']:.3f}, "
                    f"tree depth {nuts['tree_depth']:.2f}, leapfrog steps per draw {nuts['n_steps']:.1f}"
                )
    bad = [
        k
        for k, r in med.items()
        if "max_z_mean" in r and max(r["max_z_mean"], r["max_z_prob"]) > r["bound"]
    ]
    print(
        "every point within the family-wise bound of its exact posterior: "
        + ("NO " + str(bad) if bad else "yes")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
