"""Benchmark: what a nutpie compile costs with one ``pm.Data`` array against several.

nutpie's C callbacks unpack every ``pm.Data`` variable of a model, and numba types that
unpacking anew in every process. This script compiles, in fresh processes (each after a
warm-up compile of a trivial model, so that numba's one-off start-up is not counted), interleaved:

- ``binary, 5 pm.Data``: the binary model as it was written before (n, events, and the
  prior's weights, a and b as five ``pm.Data``);
- ``binary, 1 pm.Data``: the package's binary model (:data:`bayes_trials.endpoints.binary.INPUTS`);
- ``rates, 2 structures x 10 pm.Data``: the two aggregate-rate models as they were (independent
  rate priors; log-linear), each with ten ``pm.Data``;
- ``rates, 1 structure x 1 pm.Data``: the package's one aggregate-rate model.

The previous layouts are rebuilt here from their equations (same graph, separate ``pm.Data``).
It prints the median seconds of each and the ratios.

Run:  .venv/bin/python benchmarks/bench_compile.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAYS = ["binary-5-data", "binary-1-data", "rates-2x10-data", "rates-1x1-data"]


def _gamma_mix(pt, x, w, s, r):
    return pt.logsumexp(pt.log(w) + s * pt.log(r) - pt.gammaln(s) + s * x - r * pt.exp(x))


def previous_binary():
    import numpy as np
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        n = pm.Data("n", 1)
        events = pm.Data("events", 0)
        w, a, b = (pm.Data(f"prior_{k}", np.ones(1)) for k in ("w", "a", "b"))
        x = pm.Flat("logit_theta")
        log_comp = (
            pt.log(w)
            - a * pt.softplus(-x)
            - b * pt.softplus(x)
            - (pt.gammaln(a) + pt.gammaln(b) - pt.gammaln(a + b))
        )
        pm.Potential("prior", pt.logsumexp(log_comp))
        pm.Deterministic("theta", pt.sigmoid(x))
        pm.Binomial("y", n=n, logit_p=x, observed=events)
    return model


def previous_rates(log_linear: bool):
    import numpy as np
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        y_b, e_b = pm.Data("events_before", 0), pm.Data("exposure_before", 1.0)
        y_a, e_a = pm.Data("events_after", 0), pm.Data("exposure_after", 1.0)
        pb = [pm.Data(f"prior_before_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
        p2 = [pm.Data(f"prior_second_{k}", np.ones(1)) for k in ("w", "a", "b")]
        x_b = pm.Flat("log_rate_before")
        x_2 = pm.Flat("second")
        pm.Potential("prior_before", _gamma_mix(pt, x_b, *pb))
        if log_linear:
            w, m, sd = p2
            z = (x_2 - m) / sd
            pm.Potential("prior_log_rr", pt.logsumexp(pt.log(w) - 0.5 * z**2 - pt.log(sd)))
            x_a = x_b + x_2
        else:
            pm.Potential("prior_after", _gamma_mix(pt, x_2, *p2))
            x_a = x_2
        pm.Poisson("y_before", mu=pt.exp(x_b) * e_b, observed=y_b)
        pm.Poisson("y_after", mu=pt.exp(x_a) * e_a, observed=y_a)
        rr = pm.Deterministic("rate_ratio", pt.exp(x_a - x_b))
        pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
    return model


def one(way: str) -> dict:
    import numpy as np
    import nutpie
    import pymc as pm

    with pm.Model() as warm:
        d = pm.Data("d", np.ones(1))
        x = pm.Flat("x")
        pm.Potential("p", -0.5 * (x - d.sum()) ** 2)
    nutpie.compile_pymc_model(warm)
    if way == "binary-5-data":
        models = [previous_binary()]
    elif way == "binary-1-data":
        from bayes_trials.endpoints.binary import BinaryEndpoint

        models = [BinaryEndpoint.build_model(("binary",))]
    elif way == "rates-2x10-data":
        models = [previous_rates(False), previous_rates(True)]
    else:
        from bayes_trials.endpoints.rates.model import build_aggregate_model

        models = [build_aggregate_model()]
    t0 = time.perf_counter()
    for m in models:
        nutpie.compile_pymc_model(m)
    return {"way": way, "seconds": time.perf_counter() - t0, "load": os.getloadavg()[0]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    secs: dict = {}
    for rep in range(args.repeats):
        for way in WAYS:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", way],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            secs.setdefault(way, []).append(r["seconds"])
            print(
                f"[{rep + 1}] {way:>16}: {r['seconds']:6.1f} s (load {r['load']:.1f})", flush=True
            )
    med = {k: sorted(v)[len(v) // 2] for k, v in secs.items()}
    print(
        f"\nmedian compile seconds ({os.cpu_count()} cores, load now {os.getloadavg()[0]:.1f}): "
        + ", ".join(f"{k} {v:.1f}" for k, v in med.items())
    )
    print(
        f"binary: 5 pm.Data / 1 pm.Data {med['binary-5-data'] / med['binary-1-data']:.2f}x; "
        f"rates: two structures of 10 / one of 1 {med['rates-2x10-data'] / med['rates-1x1-data']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
