"""Divergent transitions of a spec's MAP prior fit over many seeds.

Fits the MAP prior named in a spec (by default META 10-19's ``map_cart``: four CD19 CAR-T
studies, HalfNormal(0.5) heterogeneity prior) once per seed, with the toolkit's default
sampler settings, and counts the fits whose first run had divergent transitions, the
refits this triggered (``MAPPrior.diagnostics["refits"]``) and the fits that kept
divergences after the refit. One compile, then a cheap refit per seed.

Not a test (it takes minutes). Run::

    .venv/bin/python scripts/map_divergences.py --seeds 200
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

import bayes_trials as bt
from bayes_trials.map_prior import map_prior

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(ROOT / "models" / "meta10_19.toml"))
    ap.add_argument("--endpoint", default="cr_cri_1m")
    ap.add_argument("--prior", default="map_cart")
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args(argv)

    spec = bt.load_spec(args.spec)
    params = spec.endpoint(args.endpoint).registry[args.prior].params
    table, tau_prior = params["table"], params["tau_prior"]
    print(
        f"{args.prior} of {Path(args.spec).name}: {len(table)} studies, tau ~ {tau_prior!r}; "
        f"seeds {args.start}..{args.start + args.seeds - 1}"
    )
    first, final, refits, ess_tau, seconds = [], [], 0, [], []
    for seed in range(args.start, args.start + args.seeds):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", bt.StatisticalWarning)
            mp = map_prior(table, "binomial", tau_prior=tau_prior, seed=seed)
        seconds.append(time.perf_counter() - t0)
        d = mp.diagnostics
        before = d["refits"][0]["divergences_before"] if d["refits"] else d["divergences"]
        first.append(before)
        final.append(d["divergences"])
        refits += len(d["refits"])
        ess_tau.append(d["ess_bulk"]["tau"])
        if not args.quiet:
            print(
                f"seed {seed}: divergences {before}"
                + (f", refit -> {d['divergences']}" if d["refits"] else "")
                + f"; bulk ESS of tau {d['ess_bulk']['tau']:.0f}; {seconds[-1]:.1f} s",
                flush=True,
            )
    first, final = np.array(first), np.array(final)
    n = len(first)
    print(
        f"fits with divergent transitions in the first run: {(first > 0).sum()} of {n} "
        f"({first.sum()} transitions); refits: {refits}; fits left with divergences: "
        f"{(final > 0).sum()} of {n}"
    )
    print(
        f"bulk ESS of tau: median {np.median(ess_tau):.0f}, min {np.min(ess_tau):.0f}; "
        f"median time per fit {np.median(seconds):.2f} s (first includes the compile)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
