"""Run the MCMC tests over several seeds and count the failures (issue: stochastic tests
must pass for any seed, with a stated false-failure rate).

    .venv/bin/python scripts/seed_sweep.py            # offsets 1..20
    .venv/bin/python scripts/seed_sweep.py --offsets 1 5 --files tests/endpoints/test_rates.py

Each offset k sets ``BT_TEST_SEED_OFFSET=k``, which tests/conftest.py turns into a shift of
every seed handed to nutpie (the specs' and the tests' own seeds alike). All offsets run in
this one process, so every model structure is compiled once and the session fixtures (the
seed specs' analyses) are refitted per offset. Prints one line per offset and the total.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The test files that sample with NUTS in this process (every other test is exact or
#: deterministic).
MCMC_FILES = [
    "tests/endpoints/test_adverse_events.py",
    "tests/endpoints/test_adverse_events_spec.py",
    "tests/endpoints/test_categorical_mcmc.py",
    "tests/endpoints/test_categorical_spec.py",
    "tests/endpoints/test_every_kind.py",
    "tests/endpoints/test_patient_rates_in_specs.py",
    "tests/endpoints/test_rates.py",
    "tests/endpoints/test_rates_grids.py",
    "tests/endpoints/test_rates_in_specs.py",
    "tests/endpoints/test_survival.py",
    "tests/endpoints/test_survival_in_specs.py",
    "tests/test_categories_in_specs.py",
    "tests/test_design.py",
    "tests/test_fit.py",
    "tests/test_map_prior.py",
    "tests/test_pipeline.py",
    "tests/test_priors_in_specs.py",
    "tests/test_reported.py",
    "tests/test_reported_in_specs.py",
    "tests/test_sensitivity.py",
]
# Not tests/test_scale.py: its runs on Dask workers sample in other processes, where the
# offset is not applied, so "a cluster run equals the local run" would compare two seeds.


class Outcomes:
    def __init__(self):
        self.passed = 0
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.append(f"{report.nodeid} ({report.when})")
        elif report.when == "call" and report.passed:
            self.passed += 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offsets", type=int, nargs=2, default=(1, 20), metavar=("FIRST", "LAST"))
    parser.add_argument("--files", nargs="+", default=MCMC_FILES)
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    total_failed = total_run = 0
    for k in range(args.offsets[0], args.offsets[1] + 1):
        os.environ["BT_TEST_SEED_OFFSET"] = str(k)
        outcomes = Outcomes()
        start = time.perf_counter()
        code = pytest.main(
            [*args.files, "-q", "-p", "no:cacheprovider", "--tb=line"], plugins=[outcomes]
        )
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            print(f"offset {k}: pytest stopped with {code!r}", flush=True)
            return 2
        total_failed += len(outcomes.failed)
        total_run += outcomes.passed + len(outcomes.failed)
        print(
            f"offset {k:3d}: {outcomes.passed} passed, {len(outcomes.failed)} failed"
            f" ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        for nodeid in outcomes.failed:
            print(f"    FAILED {nodeid}", flush=True)
    print(f"total: {total_failed} failures in {total_run} test runs", flush=True)
    return 0 if total_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
