"""The MCMC-vs-exact scores of a binary endpoint's 95% ETI ends over many seeds.

Fits ``y/n`` under a Beta prior (default Jeffreys) with the binary model ``reps`` times,
``chains`` x ``draws`` draws after 500 warm-up draws (one attempt, no retries), and prints,
for each interval end, the distribution of its score :func:`bayes_trials.checks.tail_mass_z`
(the exact cdf at the MCMC quantile under its order-statistic law with ArviZ's quantile ESS):
mean, sd and the share beyond 1.96, 2.58 and 3.29 (nominal 0.05, 0.01, 0.001), and the share
of fits with R-hat above 1.01. A correct sampler with correct ESS gives sd 1 and nominal
shares. Usage (from the repository root)::

    .venv/bin/python scripts/binary_tail_z.py 12 12 --reps 1000             # 12/12, Jeffreys
    .venv/bin/python scripts/binary_tail_z.py 9 9 --reps 400 --draws 1000 --chains 4
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import bayes_trials as bt  # noqa: E402
from bayes_trials.checks import tail_mass_z  # noqa: E402
from bayes_trials.fit import sample  # noqa: E402
from bayes_trials.quantity import Quantity  # noqa: E402
from bayes_trials.summaries import mcmc_columns  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", type=int)
    parser.add_argument("n", type=int)
    parser.add_argument("--prior", type=float, nargs=2, default=(0.5, 0.5), metavar=("A", "B"))
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--seed", type=int, default=10_000)
    args = parser.parse_args(argv)
    ep = bt.BinaryEndpoint("x", bt.Binary(args.events, args.n))
    prior = bt.Beta(*args.prior)
    exact = ep.exact_posterior(prior)
    quantity = Quantity("theta")
    z = {"low": [], "high": []}
    high_rhat = 0
    start = time.perf_counter()
    for k in range(args.reps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = sample(
                ep, prior, draws=args.draws, tune=500, chains=args.chains, seed=args.seed + k
            )
            row = mcmc_columns(quantity, tree["posterior"]["theta"], exact=exact)
        for end, prob in (("low", 0.025), ("high", 0.975)):
            z[end].append(tail_mass_z(row[f"eti95_{end}_cdf"], prob, row[f"ess_eti95_{end}"]))
        high_rhat += row["r_hat"] > 1.01
    print(
        f"{args.events}/{args.n} under Beta{tuple(args.prior)}: {args.reps} fits of "
        f"{args.chains} x {args.draws} draws ({time.perf_counter() - start:.0f} s); "
        f"R-hat > 1.01 in {high_rhat / args.reps:.3f}"
    )
    for end, values in z.items():
        v = np.asarray(values)
        shares = "  ".join(
            f"|z|>{c:g}: {np.mean(np.abs(v) > c):.4f} ({nominal:g})"
            for c, nominal in ((1.96, 0.05), (2.576, 0.01), (3.29, 0.001))
        )
        print(f"  {end:4s} end: mean {v.mean():+.3f} sd {v.std():.3f}  {shares}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
