"""Benchmark: exact two-arm operating characteristics against brute force and simulation.

The design of issue 15's speed goal: 40 + 40 patients, binomial arms, the rule
``P(theta_1 - theta_2 > 0) > 0.975``, true values over 100 pairs (10 control rates x 10
treatment effects). Three ways are timed in one run:

- ``exact``: :func:`bayes_trials.operating_characteristics_2s` (the decision boundary found by
  root-finding over the control counts, then the binomial probabilities of the success
  region summed per control count);
- ``brute force``: every one of the 41 x 41 outcome pairs decided by the same rule, the
  success indicator weighted by the two binomial pmfs (the definition of the OC, written
  out here independently of the package's boundary code);
- ``simulation``: the package's ``method="simulation"`` with ``--n-sim`` trials per pair.

It prints each way's wall time, the ratios and the largest difference between the answers
(exact vs brute force should agree to rounding; simulation within its Monte Carlo error).
It repeats each timing ``--repeats`` times and reports the fastest, since this machine is shared.

Run:  .venv/bin/python benchmarks/bench_oc_2s.py [--priors uniform|map] [--n-sim 500]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

# benchmark the checkout this script lives in, whatever is installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bayes_trials as bt


def brute_force(prior1, prior2, n1, n2, rule, theta1, theta2) -> np.ndarray:
    """Every outcome pair decided by the rule on its conjugate posteriors, pmf-weighted."""
    success = np.array(
        [
            [
                rule(bt.update(prior1, bt.Binary(y1, n1)), bt.update(prior2, bt.Binary(y2, n2)))
                for y2 in range(n2 + 1)
            ]
            for y1 in range(n1 + 1)
        ],
        dtype=float,
    )
    out = np.empty(len(theta1))
    for j, (t1, t2) in enumerate(zip(theta1, theta2)):
        p1 = stats.binom.pmf(np.arange(n1 + 1), n1, t1)
        p2 = stats.binom.pmf(np.arange(n2 + 1), n2, t2)
        out[j] = p1 @ success @ p2
    return out


def best_of(fn, repeats: int):
    """``(wall seconds, CPU seconds, result)``: the fastest of ``repeats`` calls (CPU time is
    what a quiet machine would take as wall time; on a shared one the wall time waits)."""
    best, result = (np.inf, np.inf), None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
    return best[0], best[1], result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="patients per arm")
    ap.add_argument("--n-sim", type=int, default=500, help="simulated trials per pair")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--priors",
        choices=("uniform", "mixture"),
        default="uniform",
        help="Beta(1, 1) on both arms, or a robust mixture 0.8 Beta(12, 28) + 0.2 Beta(1, 1) "
        "on the control arm",
    )
    args = ap.parse_args(argv)

    n = args.n
    prior1 = bt.Beta(1, 1)
    prior2 = (
        bt.Beta(1, 1)
        if args.priors == "uniform"
        else bt.Mixture([0.8, 0.2], [bt.Beta(12, 28), bt.Beta(1, 1)])
    )
    rule = bt.decision_2s(0.975, 0.0)
    control = np.linspace(0.1, 0.55, 10)
    effect = np.linspace(0.0, 0.36, 10)
    theta2 = np.repeat(control, effect.size)
    theta1 = np.clip(theta2 + np.tile(effect, control.size), 0.0, 1.0)

    def exact():
        return bt.operating_characteristics_2s(prior1, prior2, n, n, rule, theta1, theta2)[
            "prob_success"
        ].to_numpy()

    def simulated():
        return bt.operating_characteristics_2s(
            prior1,
            prior2,
            n,
            n,
            rule,
            theta1,
            theta2,
            method="simulation",
            n_sim=args.n_sim,
            random_seed=1,
        )["prob_success"].to_numpy()

    t_exact, c_exact, oc = best_of(exact, args.repeats)
    t_brute, c_brute, brute = best_of(
        lambda: brute_force(prior1, prior2, n, n, rule, theta1, theta2), 1
    )
    t_sim, c_sim, sim = best_of(simulated, 1)
    mc_se = np.sqrt(np.clip(oc * (1 - oc), 1e-12, None) / args.n_sim)

    print(f"{n} + {n} binomial design, rule {rule!r}, {theta1.size} true-value pairs")
    print(f"priors: treatment {prior1!r}, control {prior2!r}")
    print(f"{'way':<28}{'wall s':>9}{'CPU s':>9}{'x exact':>9}   agreement with exact")
    print(f"{'exact (package)':<28}{t_exact:>9.3f}{c_exact:>9.3f}{1.0:>9.1f}")
    print(
        f"{f'brute force ({n + 1} x {n + 1} outcomes)':<28}{t_brute:>9.3f}{c_brute:>9.3f}"
        f"{c_brute / c_exact:>9.1f}   max |diff| {np.max(np.abs(brute - oc)):.2e}"
    )
    print(
        f"{f'simulation ({args.n_sim} per pair)':<28}{t_sim:>9.3f}{c_sim:>9.3f}"
        f"{c_sim / c_exact:>9.1f}   max |z| {np.max(np.abs(sim - oc) / mc_se):.2f}"
    )
    print(
        f"exact OC of {theta1.size} pairs: {c_exact:.3f} s of CPU, {t_exact:.3f} s wall "
        "(goal: under 1 s)"
    )


if __name__ == "__main__":
    main()
