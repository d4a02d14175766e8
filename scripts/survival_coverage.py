"""Coverage of Weibull and piecewise-exponential parameter recovery over repeated simulations.

For each of ``--reps`` simulated trials (known parameters, fixed seeds) the model is
refitted with the compiled sampler (one compile per model, then nutpie ``with_data``), and
we record whether each central credible interval contains the true value. A calibrated
model covers at the nominal rate up to Monte Carlo error, sqrt(p (1 - p) / reps).

Weibull truth: shape 1.3, scale 20 (months), n = 100, uniform accrual over 18 months and a
data cut at 36. Piecewise truth: hazards 0.06, 0.03, 0.015 per month on [0, 6), [6, 18),
[18, inf) with the same cut points given to the model, same censoring. Vague priors
(WeibullPrior.vague(12); PiecewisePrior.vague(12) with the random-walk sd's HalfNormal
scale set by ``--smoothing``). Under a proper prior these are
repeated-sampling, not prior-predictive, checks, so small departures from nominal are
expected where the prior pulls (the random-walk prior shrinks the pieces towards each
other).

Usage::

    python scripts/survival_coverage.py --reps 100 --level 0.9 --seed 1

Prints a table: parameter, true value, coverage, its Monte Carlo standard error, and the
mean CrI width.
"""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np
import pandas as pd

from bayes_trials import (
    HalfNormal,
    PiecewiseExponentialSurvival,
    PiecewisePrior,
    TimeToEvent,
    WeibullPrior,
    WeibullSurvival,
)
from bayes_trials.fit import sample

LANDMARK = 12.0
WEIBULL_TRUTH = {"shape": 1.3, "scale": 20.0}
PIECE_CUTS = (6.0, 18.0)
PIECE_HAZARDS = np.array([0.06, 0.03, 0.015])


def censor(t, rng, accrual=18.0, cutoff=36.0):
    c = cutoff - rng.uniform(0, accrual, t.size)
    return np.minimum(t, c), (t <= c).astype(int)


def simulate_weibull(n, rng):
    return censor(WEIBULL_TRUTH["scale"] * rng.weibull(WEIBULL_TRUTH["shape"], n), rng)


def simulate_piecewise(n, rng):
    """Inverse cumulative hazard of a piecewise-constant hazard applied to Exp(1) draws."""
    edges = np.r_[0.0, PIECE_CUTS]
    h_end = np.cumsum(PIECE_HAZARDS[:-1] * np.diff(edges))
    h_start = np.r_[0.0, h_end]
    e = rng.exponential(1.0, n)
    j = np.searchsorted(h_start, e, side="right") - 1
    return censor(edges[j] + (e - h_start[j]) / PIECE_HAZARDS[j], rng)


def true_piecewise_survival(t):
    edges = np.r_[0.0, PIECE_CUTS, np.inf]
    overlap = np.clip(t - edges[:-1], 0.0, np.diff(edges))
    return math.exp(-float(PIECE_HAZARDS @ overlap))


def covers(draws, truth, level):
    lo, hi = np.quantile(np.asarray(draws).ravel(), [(1 - level) / 2, (1 + level) / 2])
    return lo <= truth <= hi, hi - lo


def run(
    reps: int, level: float, seed: int, n: int = 100, draws: int = 500, smoothing: float = 0.5
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records = []
    for r in range(reps):
        t, e = simulate_weibull(n, rng)
        ep = WeibullSurvival("sim", TimeToEvent(t, e), landmark=LANDMARK)
        tree = sample(ep, WeibullPrior.vague(LANDMARK), draws=draws, tune=500, chains=2, seed=r)
        truth = dict(WEIBULL_TRUTH)
        truth["survival_landmark"] = math.exp(-((LANDMARK / truth["scale"]) ** truth["shape"]))
        for var, val in truth.items():
            ok, width = covers(tree["posterior"][var], val, level)
            records.append(
                {"model": "weibull", "parameter": var, "truth": val, "covered": ok, "width": width}
            )

        t, e = simulate_piecewise(n, rng)
        ep = PiecewiseExponentialSurvival(
            "sim", TimeToEvent(t, e), landmark=LANDMARK, cuts=PIECE_CUTS
        )
        prior = PiecewisePrior(PiecewisePrior.vague(LANDMARK).log_hazard, HalfNormal(smoothing))
        tree = sample(ep, prior, draws=draws, tune=500, chains=2, seed=r)
        hazard = np.exp(np.asarray(tree["posterior"]["log_hazard"]))
        for j, val in enumerate(PIECE_HAZARDS):
            ok, width = covers(hazard[..., j], val, level)
            records.append(
                {
                    "model": "piecewise",
                    "parameter": f"hazard[{j}]",
                    "truth": val,
                    "covered": ok,
                    "width": width,
                }
            )
        ok, width = covers(
            tree["posterior"]["survival_landmark"], true_piecewise_survival(LANDMARK), level
        )
        records.append(
            {
                "model": "piecewise",
                "parameter": "survival_landmark",
                "truth": true_piecewise_survival(LANDMARK),
                "covered": ok,
                "width": width,
            }
        )
    frame = pd.DataFrame(records)
    table = frame.groupby(["model", "parameter"], sort=False).agg(
        truth=("truth", "first"), coverage=("covered", "mean"), mean_width=("width", "mean")
    )
    table["mcse"] = np.sqrt(level * (1 - level) / reps)
    table["nominal"] = level
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=100, help="patients per simulated trial")
    parser.add_argument(
        "--smoothing",
        type=float,
        default=0.5,
        help="HalfNormal scale of the random-walk sd (piecewise model)",
    )
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        table = run(args.reps, args.level, args.seed, args.n, smoothing=args.smoothing)
    print(
        f"coverage of {args.level:.0%} central CrIs over {args.reps} simulated trials "
        f"(n = {args.n}, seed {args.seed}, piecewise smoothing HalfNormal({args.smoothing:g}))"
    )
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
