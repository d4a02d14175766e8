"""Benchmark: the LAD-I infection scenario sweep, three ways in one process.

The sweep asks, for each published reduction of the LAD-I spec (``models/lad1_marnecel.toml``:
its ``percent_reduction`` items and its ``[endpoints.scenarios]`` exposure after), how
P(reduction > 50%) and the rate-ratio interval depend on the unpublished counts. Every
scenario is a two-rate Poisson model under Jeffreys priors on both rates.

- naive: a fresh ``pm.Model`` (Gamma priors, Poisson likelihoods) and ``pm.sample`` per
  scenario, so every scenario pays a compile;
- toolkit MCMC: :class:`bayes_trials.RateRatioEndpoint` through ``fit.sample``: one compile,
  then a refit per scenario with swapped ``pm.Data``;
- toolkit batched: every scenario as one point of the batched rates model
  (:func:`bayes_trials.fit.sample_points`): one compile, one NUTS run per 64 scenarios;
- toolkit exact: :func:`bayes_trials.endpoints.rates.scenario_sweep` (conjugate Gamma
  posteriors, P(RR < r) from the Beta form of the conditional split), what the report uses.

Each way runs in a fresh Python process of its own (so neither inherits the other's warm numba
caches), imports and compiles included. It prints the wall times, the ratios, and the largest
|z| of an MCMC P(reduction > 50%) (every MCMC way) against the exact value,
z = (MCMC - exact) / MCSE.

Run:  .venv/bin/python benchmarks/bench_rates_sweep.py [--events 10 20 40 80] [--draws 1000]
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

import numpy as np

SPEC = Path(__file__).resolve().parents[1] / "models" / "lad1_marnecel.toml"


def _prob_and_mcse(rr_draws) -> tuple[float, float]:
    import arviz as az

    below = (rr_draws < 0.5).astype(float)
    p = float(below.mean())
    ess = float(az.ess(below, method="mean")) if 0 < p < 1 else float(below.size)
    return p, float(np.sqrt(max(p * (1 - p), 1e-12) / max(ess, 1.0)))


def naive_fit(sc, draws: int, tune: int, chains: int, seed: int):
    import pymc as pm

    from bayes_trials.endpoints.rates import VAGUE_RATE

    with pm.Model():
        lam_b = pm.Gamma("rate_before", 0.5, VAGUE_RATE)
        lam_a = pm.Gamma("rate_after", 0.5, VAGUE_RATE)
        pm.Poisson("y_before", mu=lam_b * sc["exposure_before"], observed=sc["events_before"])
        pm.Poisson("y_after", mu=lam_a * sc["exposure_after"], observed=sc["events_after"])
        pm.Deterministic("rate_ratio", lam_a / lam_b)
        return pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )


def run_way(way: str, events: tuple, draws: int, tune: int, chains: int) -> dict:
    """Time one way, imports included; returns seconds, compiles and the |z| against exact."""
    t0 = time.perf_counter()
    import bayes_trials as bt
    from bayes_trials.data import PrePostRates
    from bayes_trials.endpoints.rates import TwoRatePrior, scenario_sweep
    from bayes_trials.fit import CACHE, sample

    spec = bt.load_spec(SPEC)
    reductions = {
        es.endpoint.name: p.value
        for es in spec.endpoints
        for p in es.published
        if p.quantity == "percent_reduction"
    }
    grid = next(
        es.endpoint.scenarios for es in spec.endpoints if getattr(es.endpoint, "scenarios", None)
    )
    t1 = time.perf_counter()
    sweep = scenario_sweep(reductions, events, (27.0,), grid.exposure_after)
    t_sweep = time.perf_counter() - t1
    scenarios = sweep.to_dict("records")
    z = []
    if way == "batched":
        from bayes_trials.fit import sample_points
        from bayes_trials.sensitivity.analysis import LeanSummaries

        points = [
            (
                bt.RateRatioEndpoint(
                    sc["endpoint"],
                    PrePostRates(
                        bt.Rate(sc["events_before"], sc["exposure_before"]),
                        bt.Rate(sc["events_after"], sc["exposure_after"]),
                    ),
                    target=0.5,
                ),
                TwoRatePrior.jeffreys(),
            )
            for sc in scenarios
        ]
        rows = sample_points(points, LeanSummaries(), draws=draws, tune=tune, chains=chains, seed=1)
        z = [
            abs(r["prob"] - sc["prob_reduction_gt_50"]) / r["prob_mcse"]
            for r, sc in zip(rows, scenarios)
        ]
        scenarios = []
    for i, sc in enumerate(scenarios):
        if way == "naive":
            tree = naive_fit(sc, draws, tune, chains, seed=i)
        elif way == "toolkit":
            ep = bt.RateRatioEndpoint(
                sc["endpoint"],
                PrePostRates(
                    bt.Rate(sc["events_before"], sc["exposure_before"]),
                    bt.Rate(sc["events_after"], sc["exposure_after"]),
                ),
            )
            tree = sample(
                ep, TwoRatePrior.jeffreys(), draws=draws, tune=tune, chains=chains, seed=i
            )
        else:  # exact: the sweep above is the whole job
            break
        p, se = _prob_and_mcse(tree["posterior"]["rate_ratio"].values)
        z.append(abs(p - sc["prob_reduction_gt_50"]) / se)
    return {
        "seconds": time.perf_counter() - t0,
        "scenarios": len(sweep),
        "compiles": CACHE.compiles if way in ("toolkit", "batched") else len(z),
        "max_z": max(z, default=0.0),
        "sweep_seconds": t_sweep,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--events",
        type=int,
        nargs="+",
        default=[10, 20, 40, 80],
        help="assumed total events before infusion (one scenario per endpoint each)",
    )
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument(
        "--way", choices=("naive", "toolkit", "batched", "exact"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", FutureWarning)
    if args.way is not None:
        print(json.dumps(run_way(args.way, tuple(args.events), args.draws, args.tune, args.chains)))
        return
    res = {}
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SPEC.parents[1]), os.environ.get("PYTHONPATH", "")]),
    }
    for way in ("exact", "batched", "toolkit", "naive"):
        cmd = [
            sys.executable,
            __file__,
            "--way",
            way,
            "--draws",
            str(args.draws),
            "--tune",
            str(args.tune),
            "--chains",
            str(args.chains),
            "--events",
            *map(str, args.events),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
        res[way] = json.loads(out.strip().splitlines()[-1])
    n = res["exact"]["scenarios"]
    print(
        f"{n} scenarios (3 published reductions x {len(args.events)} assumed totals); "
        f"{args.chains} chains x {args.draws} draws (+{args.tune} tune); each way in a fresh process"
    )
    naive, tool, exact = (res[w]["seconds"] for w in ("naive", "toolkit", "exact"))
    print(
        f"naive (model + compile + sample per scenario, {res['naive']['compiles']} compiles): {naive:8.2f} s"
    )
    print(
        f"toolkit MCMC ({res['toolkit']['compiles']} compile, then refits):          {tool:8.2f} s   "
        f"naive / toolkit MCMC  = {naive / tool:5.1f}x"
    )
    batched = res["batched"]["seconds"]
    print(
        f"toolkit batched ({res['batched']['compiles']} compile, one NUTS run):          {batched:8.2f} s   "
        f"naive / batched       = {naive / batched:5.1f}x, toolkit MCMC / batched = {tool / batched:4.1f}x"
    )
    print(
        f"toolkit exact (scenario_sweep, what the report uses):     {exact:8.2f} s   "
        f"naive / toolkit exact = {naive / exact:5.1f}x"
    )
    print(f"  (of which the sweep itself, imports excluded: {res['exact']['sweep_seconds']:.3f} s)")
    print(
        f"max |z| of MCMC P(reduction > 50%) vs exact: toolkit {res['toolkit']['max_z']:.2f}, "
        f"batched {res['batched']['max_z']:.2f}, naive {res['naive']['max_z']:.2f}"
    )


if __name__ == "__main__":
    main()
