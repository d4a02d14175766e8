"""Benchmark: both seed specs end to end, ``bayes-trials run`` in fresh processes.

Each run is ``python -m bayes_trials run <spec> --out <tmp> --force`` in a new process (imports,
spec, compiles, sampling, checks and the report), timed from outside. Ways, interleaved in
one run of this script (spec by spec, way by way, repeated):

- ``current``: this checkout, one process (``--workers 1``, the default);
- ``current-cold`` (with ``--cold``): the same with an empty PyTensor compile directory for
  every run (``PYTENSOR_FLAGS=base_compiledir=...``): nothing in numba's disk cache, so every
  structure compiles, as in the first run on a new machine or after an upgrade;
- ``current-2-workers``: this checkout with ``--workers 2`` (the model structures on a Dask
  LocalCluster, compiled in parallel);
- ``previous`` (with ``--previous-ref REF``): the package at a git revision (e.g. the branch
  this one started from), extracted with ``git archive`` to a temporary folder.

Before timing, each way runs each spec once untimed, so every way (but ``current-cold``)
finds its compiled functions in numba's disk cache (what a user's second run sees). The machine is shared: the
script prints the load average beside each run and compares the ways by their medians,
measured in the same run. It also prints the current way's closing line (compile, sampling
and writing seconds).

Run:  .venv/bin/python benchmarks/bench_specs.py [--repeats 3] [--previous-ref REF] [--cold]
      [--no-workers]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPECS = ["models/lad1_marnecel.toml", "models/meta10_19.toml"]


def checkout(ref: str, into: Path) -> Path:
    """The package at ``ref``, extracted (tracked files only) into ``into``."""
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_spec(
    root: Path, spec: str, out: Path, extra: list[str], compiledir: Path | None = None
) -> tuple[float, str, float]:
    """Wall seconds of one run, its closing line and the load average when it started
    (``compiledir``: an empty PyTensor compile directory of the run's own)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    if compiledir is not None:
        env["PYTENSOR_FLAGS"] = f"base_compiledir={compiledir}"
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bayes_trials",
            "run",
            str(root / spec),
            "--out",
            str(out),
            "--force",
            *extra,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{root} {spec} failed:\n{proc.stderr[-3000:]}")
    closing = next((line for line in reversed(proc.stdout.splitlines()) if "checks," in line), "")
    return wall, closing, load


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--previous-ref", help="git revision of the previous way (e.g. restructure)")
    ap.add_argument("--no-workers", action="store_true", help="skip the --workers 2 way")
    ap.add_argument("--cold", action="store_true", help="add the empty-compile-cache way")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_specs_") as tmp:
        tmp = Path(tmp)
        ways = {"current": (ROOT, ["--workers", "1"])}
        if args.cold:
            ways["current-cold"] = (ROOT, ["--workers", "1"])
        if not args.no_workers:
            ways["current-2-workers"] = (ROOT, ["--workers", "2"])
        if args.previous_ref:
            prev = checkout(args.previous_ref, tmp / "previous")
            ways = {"previous": (prev, []), **ways}
        print("warm-up (untimed): each way, each spec once", flush=True)
        for name, (root, extra) in ways.items():
            for spec in SPECS:
                if name != "current-cold":
                    run_spec(root, spec, tmp / "out", extra)
        walls: dict = {}
        for rep in range(args.repeats):
            for spec in SPECS:
                for name, (root, extra) in ways.items():
                    cold = tmp / f"cold-{rep}-{Path(spec).stem}" if name == "current-cold" else None
                    wall, closing, load = run_spec(root, spec, tmp / "out", extra, cold)
                    walls.setdefault((spec, name), []).append(wall)
                    shown = re.sub(r"^.*?report written to \S+ ", "", closing)
                    print(
                        f"[{rep + 1}] {Path(spec).stem:>14} {name:>18}: {wall:6.1f} s (load {load:.1f}) {shown}",
                        flush=True,
                    )
    med = {
        k: statistics.median(v) for k, v in walls.items()
    }  # even repeats: the mean of the middle two
    names = list(ways)
    print(
        f"\nmedian wall seconds over {args.repeats} interleaved runs ({os.cpu_count()} cores; "
        f"load average now {os.getloadavg()[0]:.1f}):"
    )
    print(f"{'spec':>16} " + " ".join(f"{n:>18}" for n in names))
    for spec in SPECS + ["both"]:
        vals = [
            sum(med[(s, n)] for s in SPECS) if spec == "both" else med[(spec, n)] for n in names
        ]
        print(f"{Path(spec).stem:>16} " + " ".join(f"{v:>18.1f}" for v in vals))
    if "previous" in ways:
        for n in names[1:]:
            both = sum(med[(s, "previous")] for s in SPECS) / sum(med[(s, n)] for s in SPECS)
            print(
                f"previous / {n}: "
                + ", ".join(
                    f"{Path(s).stem} {med[(s, 'previous')] / med[(s, n)]:.2f}x" for s in SPECS
                )
                + f", both {both:.2f}x"
            )
    if "current-2-workers" in ways:
        print(
            "current / current-2-workers: "
            + ", ".join(
                f"{Path(s).stem} {med[(s, 'current')] / med[(s, 'current-2-workers')]:.2f}x"
                for s in SPECS
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
