"""Simulation-based calibration report: every PyMC model of the package, every quantity.

Runs the simulations of the full SBC suite (``pytest -m sbc``; the cases of
``tests/sbc/cases.py``, the machinery of ``tests/sbc/sbc_tools.py``) and prints, per model
and quantity, the uniformity p-values of the ranks (the exact ECDF test of Säilynoja et al.
2022 and Pearson's chi-square on 10 bins), the coverage of the central 50% and 90%
posterior intervals with their exact binomial p-values, the rank histogram, and the run's
diagnostics (median ESS, replicates with divergent transitions, refits for low ESS).
The same seed gives the same numbers as the test suite.

Usage (from the repository root)::

    .venv/bin/python scripts/sbc_report.py                  # the full suite (~14 min of CPU)
    .venv/bin/python scripts/sbc_report.py --seed 7         # another seed
    .venv/bin/python scripts/sbc_report.py --cases binary_jeffreys,two_rate --reps 100
    .venv/bin/python scripts/sbc_report.py --csv sbc.csv    # also write the table

The test suite asserts each p-value >= ALPHA = 1e-5 (ECDF, 50% and 90% coverage).
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
import pandas as pd  # noqa: E402

from tests.sbc import cases as sbc_cases  # noqa: E402
from tests.sbc.sbc_tools import ALPHA, L_RANKS, rank_histogram, run, sbc_seed  # noqa: E402


def table(result) -> pd.DataFrame:
    rows = []
    for q in result.quantities:
        p = result.pvalues(q)
        ess = np.asarray(result.ess[q], dtype=float)
        rows.append(
            {
                "model": result.case,
                "quantity": q,
                "N": result.n,
                "ecdf_p": p["ecdf"],
                "chisq_p": p["chisq"],
                "cover50": result.coverage(q, 0.5),
                "cover50_p": p["cover50"],
                "cover90": result.coverage(q, 0.9),
                "cover90_p": p["cover90"],
                "median_ess": float(np.nanmedian(ess)) if np.isfinite(ess).any() else float("nan"),
                "histogram": " ".join(str(c) for c in rank_histogram(result.ranks[q], L_RANKS)),
                "pass": min(p["ecdf"], p["cover50"], p["cover90"]) >= ALPHA,
            }
        )
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=None, help="default: $BT_SBC_SEED or the suite's")
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument(
        "--reps", type=int, default=None, help="replicates per case (default: the suite's)"
    )
    ap.add_argument("--csv", default="", help="also write the table to this CSV file")
    args = ap.parse_args(argv)

    seed = sbc_seed() if args.seed is None else args.seed
    chosen = [c for c in sbc_cases.ALL if not args.cases or c.name in args.cases.split(",")]
    unknown = set(filter(None, args.cases.split(","))) - {c.name for c in chosen}
    if unknown:
        ap.error(f"unknown case(s) {sorted(unknown)}; known: {[c.name for c in sbc_cases.ALL]}")

    print(
        f"SBC report: seed {seed}, L = {L_RANKS} ranks per replicate, "
        f"tests asserted at ALPHA = {ALPHA:g}"
    )
    frames, started = [], time.perf_counter()
    for case in chosen:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run(case, reps=args.reps, seed=seed)
        df = table(res)
        frames.append(df)
        print(f"\n{case.name}: {case.description}")
        print(
            f"  N = {res.n} replicates in {time.perf_counter() - t0:.0f} s (incl. compile); "
            f"replicates with divergences {res.divergent_reps}; refits for low ESS "
            f"{res.refits}; still short {res.short}"
        )
        show = df.drop(columns=["model"]).copy()
        for col in ("ecdf_p", "chisq_p", "cover50_p", "cover90_p"):
            show[col] = show[col].map(lambda x: f"{x:.3g}")
        for col in ("cover50", "cover90"):
            show[col] = show[col].map(lambda x: f"{x:.3f}")
        show["median_ess"] = show["median_ess"].map(lambda x: "-" if x != x else f"{x:.0f}")
        print(show.to_string(index=False))
    out = pd.concat(frames, ignore_index=True)
    n_tests = 3 * len(out)
    print(
        f"\n{len(out)} quantities of {len(chosen)} models, {n_tests} assertions at "
        f"{ALPHA:g}: suite false-alarm rate <= {n_tests * ALPHA:.1e}; "
        f"failing: {int((~out['pass']).sum())}; total {time.perf_counter() - started:.0f} s"
    )
    if args.csv:
        out.to_csv(args.csv, index=False)
        print(f"table written to {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
