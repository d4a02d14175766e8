"""Benchmark: both seed specs, every endpoint x prior, the naive way against the toolkit's.

Naive: a fresh ``pm.Model`` and ``pm.sample`` (nutpie, PyMC's default here) for every
endpoint x prior, so every fit pays a compile. Toolkit: ``bt.analyse`` on both specs (one
compile in all, then refits with swapped ``pm.Data``, plus exact posteriors, frequentist
references and every check). One run of this script times each way in a fresh Python process
of its own (so neither inherits the other's warm numba caches), imports included, with the
same draws, tune and chains, and prints the ratio.

Run:  .venv/bin/python benchmarks/bench_binary.py [--limit N]

``--limit N`` times the naive way on the first N fits only and scales its time up to all
fits (it prints both numbers); the default runs them all.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPECS = [ROOT / "models" / "lad1_marnecel.toml", ROOT / "models" / "meta10_19.toml"]


def naive_fit(k: int, n: int, prior, draws: int, tune: int, chains: int, seed: int):
    import pymc as pm

    with pm.Model():
        if hasattr(prior, "components"):
            theta = pm.Mixture(
                "theta",
                w=list(prior.weights),
                comp_dists=[pm.Beta.dist(c.a, c.b) for c in prior.components],
            )
        else:
            theta = pm.Beta("theta", prior.a, prior.b)
        pm.Binomial("y", n=n, p=theta, observed=k)
        return pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="naive fits to time (default: all)")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--way", choices=("toolkit", "naive"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.way is None:
        import subprocess
        import sys

        times = {}
        for way in ("toolkit", "naive"):
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
            ]
            if args.limit is not None:
                cmd += ["--limit", str(args.limit)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            lines = proc.stdout.strip().splitlines()
            print("\n".join(lines[:-1]))
            times[way] = json.loads(lines[-1])["seconds"]
        print(f"ratio naive / toolkit: {times['naive'] / times['toolkit']:.1f}x")
        return
    warnings.simplefilter("ignore")
    if args.way == "naive":
        return run_naive(args)

    t0 = time.perf_counter()
    import bayes_trials as bt  # noqa: E402  (import time counted)

    specs = [bt.load_spec(p) for p in SPECS]
    fits = [
        (es.endpoint.data, prior)
        for spec in specs
        for es in spec.endpoints
        for prior in es.priors.values()
    ]
    results = [
        bt.analyse(spec, draws=args.draws, tune=args.tune, chains=args.chains) for spec in specs
    ]
    toolkit = time.perf_counter() - t0
    n_failed = sum(int((r.checks()["passed"] == False).sum()) for r in results)  # noqa: E712
    from bayes_trials.fit import CACHE

    print(
        f"toolkit: {len(fits)} fits ({len(specs)} specs), {CACHE.compiles} compile(s), "
        f"{toolkit:.1f} s including import, exact posteriors and checks ({n_failed} failed)"
    )
    print(json.dumps({"seconds": toolkit}))


def run_naive(args) -> None:
    t0 = time.perf_counter()
    import pymc  # noqa: F401  (import time counted, as for the toolkit)

    import bayes_trials as bt

    specs = [bt.load_spec(p) for p in SPECS]
    fits = [
        (es.endpoint.data, prior)
        for spec in specs
        for es in spec.endpoints
        for prior in es.priors.values()
    ]
    todo = fits if args.limit is None else fits[: args.limit]
    for i, (data, prior) in enumerate(todo):
        naive_fit(data.events, data.n, prior, args.draws, args.tune, args.chains, seed=i)
    naive = time.perf_counter() - t0
    scaled = naive * len(fits) / len(todo)
    note = "" if len(todo) == len(fits) else f" (timed {len(todo)} fits, {naive:.1f} s, scaled up)"
    print(f"naive:   {len(fits)} fits, one compile each, {scaled:.1f} s including import{note}")
    print(json.dumps({"seconds": scaled}))


if __name__ == "__main__":
    main()
