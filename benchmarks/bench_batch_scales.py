"""Benchmark: what the sampled scale does to NUTS in a batched chunk of binary posteriors.

The 50-point Beta grid of ``bench_sensitivity.py`` (prior means 0.2 ... 0.9 x effective sample
sizes 0.5 ... 50, data 9/9) in one 64-point chunk, padded with uniform-prior points, sampled
with nutpie (4 chains, 1000 + 1000 draws, target acceptance 0.8 and 0.9) on:

- ``logit``: every point on the logit scale (the batched model before this change);
- ``logit, standardised``: the same, each point shifted and scaled by the exact mean and sd of
  its logit under its Beta posterior (digamma and trigamma), the sampled variable ``z`` with
  ``logit theta = m + s z``;
- ``package``: :class:`bayes_trials.endpoints.binary.BinaryBatch` (points with a heavy tail on
  the logit scale on the log-log or complementary log-log scale, :func:`batch_link`);
- ``64 standard normals``: the floor for any 64-dimensional chunk.

It prints the mean step size, tree depth and leapfrog steps per draw of each, for the points
with a heavy logit tail (``a + y < 1`` or ``b + n - y < 1``) and the others sampled apart, and
for all 50 together, and the largest |z| of each point's posterior mean against the exact one
(MCSE from ArviZ).

Run:  .venv/bin/python benchmarks/bench_batch_scales.py [--seeds 2]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's package, not an installed one

MEANS = [0.2, 0.39, 0.6, 0.8, 0.9]
ESS = [0.5, 1, 2, 3, 5, 9, 13, 18, 25, 50]
Y = N = 9
SIZE = 64


def _compile(model):
    import nutpie
    import pytensor

    with pytensor.config.change_flags(numba__fastmath=False):
        return nutpie.compile_pymc_model(model)


def logit_model(standardised: bool):
    import numpy as np
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        a = pm.Data("a_post", np.ones(SIZE))
        b = pm.Data("b_post", np.ones(SIZE))
        if standardised:
            m = pm.Data("loc", np.zeros(SIZE))
            s = pm.Data("scale", np.ones(SIZE))
            x = m + s * pm.Flat("z", shape=SIZE)
        else:
            x = pm.Flat("x", shape=SIZE)
        pm.Potential("posterior", (-a * pt.softplus(-x) - b * pt.softplus(x)).sum())
        pm.Deterministic("theta", pt.sigmoid(x))
    return model


def normals_model():
    import pymc as pm

    with pm.Model() as model:
        pm.Normal("theta", shape=SIZE)
    return model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    import arviz as az
    import numpy as np
    from scipy import special

    import bayes_trials as bt
    from bayes_trials.endpoints.binary import BinaryBatch

    priors = [(m * e, (1 - m) * e) for m in MEANS for e in ESS]
    heavy = [p for p in priors if p[0] + Y < 1 or p[1] + N - Y < 1]
    light = [p for p in priors if p not in heavy]
    ep = bt.BinaryEndpoint("x", bt.Binary(Y, N), target=0.39)
    batch = BinaryBatch()
    ways = {
        "logit": _compile(logit_model(False)),
        "logit, standardised": _compile(logit_model(True)),
        "package": _compile(batch.build_model(batch.structure())),
        "64 standard normals": _compile(normals_model()),
    }

    def inputs(way, group):
        if way == "package":
            return batch.model_inputs([(ep, bt.Beta(a, b)) for a, b in group])
        a_post, b_post = np.ones(SIZE), np.ones(SIZE)
        for i, (a, b) in enumerate(group):
            a_post[i], b_post[i] = a + Y, b + N - Y
        out = {"a_post": a_post, "b_post": b_post}
        if way == "logit, standardised":
            out["loc"] = special.digamma(a_post) - special.digamma(b_post)
            out["scale"] = np.sqrt(special.polygamma(1, a_post) + special.polygamma(1, b_post))
        return out

    import nutpie

    print(
        f"{'way':>20} {'points':>7} {'target':>6} {'step size':>9} {'depth':>6} "
        f"{'steps/draw':>10} {'max|z| mean':>11}"
    )
    for way, compiled in ways.items():
        groups = (
            {"all 64": []}
            if way == "64 standard normals"
            else {"heavy": heavy, "light": light, "all 50": priors}
        )
        for name, group in groups.items():
            for target in (0.8, 0.9):
                stats, zs = [], []
                for seed in range(args.seeds):
                    model = compiled if not group else compiled.with_data(**inputs(way, group))
                    tree = nutpie.sample(
                        model,
                        draws=1000,
                        tune=1000,
                        chains=4,
                        seed=seed,
                        progress_bar=False,
                        target_accept=target,
                    )
                    st = tree["sample_stats"]
                    stats.append([float(st[k].mean()) for k in ("step_size", "depth", "n_steps")])
                    if group:
                        post = tree["posterior"].to_dataset()
                        theta = post["theta"].isel({post["theta"].dims[-1]: slice(0, len(group))})
                        mcse = az.mcse(theta.values if hasattr(theta, "values") else theta)
                        exact = np.array([(a + Y) / (a + b + N) for a, b in group])
                        z = (theta.mean(("chain", "draw")).values - exact) / np.asarray(mcse)
                        zs.append(float(np.abs(z).max()))
                s = np.mean(stats, axis=0)
                zmax = f"{max(zs):.2f}" if zs else "-"
                print(
                    f"{way:>20} {name:>7} {target:>6} {s[0]:>9.3f} {s[1]:>6.2f} {s[2]:>10.1f} "
                    f"{zmax:>11}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
