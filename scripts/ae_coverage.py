"""Simulation check of the hierarchical adverse-event model: recover known rates.

Simulates adverse-event tables of META 10-19's shape (12 patients; two groups of 3 and 2
events), fits the three-level model to each (one compile, then a cheap refit per table)
and reports, per event, the coverage of the 90% central credible intervals, the bias and
the RMSE of the posterior mean, beside the independent Beta(1, 1) analysis. Two scenarios:

* ``fixed``: the same known rates in every table (META-like: 0.9, 0.8, 0.8; 0.85, 0.05).
  This is frequentist coverage at one truth; a Bayesian interval need not reach 90% there,
  least of all for an event unlike its group (0.05 beside 0.85), which the model shrinks.
* ``prior``: rates drawn afresh for each table from the model's own prior. Averaged over
  the prior, a correct posterior has exactly 90% coverage (Cook, Gelman and Rubin 2006,
  doi:10.1198/106186006X136976), so this scenario checks the sampler and the model code.

Not a test (it takes minutes). Run::

    .venv/bin/python scripts/ae_coverage.py --sims 200 --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import arviz as az
import numpy as np
import pandas as pd
from scipy import special

from bayes_trials.distributions import HalfNormal, Normal
from bayes_trials.endpoints.adverse_events import (
    AdverseEventsEndpoint,
    AdverseEventTable,
    HierarchicalAEPrior,
)
from bayes_trials.fit import CACHE, sample

TERMS = ["neutropenia", "anaemia", "thrombocytopenia", "CRS", "ICANS"]
GROUPS = ["haematological"] * 3 + ["immune effector"] * 2
FIXED_RATES = np.array([0.9, 0.8, 0.8, 0.85, 0.05])
N = 12
LEVEL = 0.90


def draw_rates_from_prior(prior: HierarchicalAEPrior, rng) -> np.ndarray:
    """theta_j = expit(mu + tau u_g + sigma_g z_j) with mu, tau, sigma_g from the prior."""
    mu = rng.normal(prior.mu.mean, prior.mu.sd)
    tau = abs(rng.normal(0, prior.tau.scale))
    gidx = np.array([0, 0, 0, 1, 1])
    gamma = mu + tau * rng.normal(size=2)
    sigma = np.abs(rng.normal(0, prior.sigma.scale, size=2))
    return special.expit(gamma[gidx] + sigma[gidx] * rng.normal(size=5))


def one_table(rates, rng) -> AdverseEventTable:
    counts = rng.binomial(N, rates)
    return AdverseEventTable([(t, g, int(c), N) for t, g, c in zip(TERMS, GROUPS, counts)])


def run(scenario: str, sims: int, prior: HierarchicalAEPrior, seed: int, draws: int):
    rng = np.random.default_rng([seed, 0 if scenario == "fixed" else 1])
    records = []
    worst_rhat, divergent = 1.0, 0
    tail = (1 - LEVEL) / 2
    for _ in range(sims):
        rates = FIXED_RATES if scenario == "fixed" else draw_rates_from_prior(prior, rng)
        ep = AdverseEventsEndpoint("sim", one_table(rates, rng))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = sample(
                ep.hierarchical,
                prior,
                draws=draws,
                tune=draws,
                chains=4,
                seed=int(rng.integers(2**31)),
            )
        theta = ep.hierarchical.named(tree)["theta"]
        lo, hi = (theta.quantile(q, dim=("chain", "draw")).values for q in (tail, 1 - tail))
        mean = theta.mean(dim=("chain", "draw")).values
        indep = ep.independent_summary(level=LEVEL)
        divergent += int(tree["sample_stats"]["diverging"].sum())
        worst_rhat = max(worst_rhat, float(az.rhat(theta).max()))
        for j, term in enumerate(TERMS):
            row = indep.loc[term]
            records.append(
                {
                    "event": term,
                    "true": rates[j],
                    "hier_cover": lo[j] <= rates[j] <= hi[j],
                    "hier_err": mean[j] - rates[j],
                    "indep_cover": row["eti90_low"] <= rates[j] <= row["eti90_high"],
                    "indep_err": row["mean"] - rates[j],
                }
            )
    df = pd.DataFrame(records)
    out = df.groupby("event", sort=False).agg(
        true_mean=("true", "mean"),
        hier_coverage=("hier_cover", "mean"),
        hier_bias=("hier_err", "mean"),
        hier_rmse=("hier_err", lambda e: float(np.sqrt(np.mean(e**2)))),
        indep_coverage=("indep_cover", "mean"),
        indep_bias=("indep_err", "mean"),
        indep_rmse=("indep_err", lambda e: float(np.sqrt(np.mean(e**2)))),
    )
    overall = {"hier_coverage": df["hier_cover"].mean(), "indep_coverage": df["indep_cover"].mean()}
    mc_se = np.sqrt(LEVEL * (1 - LEVEL) / sims)
    return out, overall, mc_se, worst_rhat, divergent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sims", type=int, default=200, help="simulated tables per scenario (>= 100)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--draws", type=int, default=500, help="draws (and tuning steps) per chain")
    parser.add_argument("--scenario", choices=["fixed", "prior", "both"], default="both")
    args = parser.parse_args(argv)
    if args.sims < 100:
        parser.error("use at least 100 simulated tables")
    prior = HierarchicalAEPrior(mu=Normal(0.0, 2.0), tau=HalfNormal(1.0), sigma=HalfNormal(1.0))
    print(
        f"prior: {prior}; {args.sims} tables per scenario, n = {N}, {LEVEL:.0%} central CrI, "
        f"seed {args.seed}"
    )
    start = time.perf_counter()
    scenarios = ["fixed", "prior"] if args.scenario == "both" else [args.scenario]
    for scenario in scenarios:
        table, overall, mc_se, rhat, div = run(scenario, args.sims, prior, args.seed, args.draws)
        print(f"\nscenario {scenario!r} (coverage Monte Carlo se per event ~ {mc_se:.3f}):")
        print(table.round(3).to_string())
        print(
            f"all events: hierarchical coverage {overall['hier_coverage']:.3f}, "
            f"independent {overall['indep_coverage']:.3f}; worst R-hat {rhat:.3f}; "
            f"divergent transitions {div}"
        )
    print(f"\ncompiles: {CACHE.compiles}; wall time {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
