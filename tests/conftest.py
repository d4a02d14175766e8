"""Shared fixtures: the seed specs, analysed once per test session (one compile)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
LAD1 = MODELS / "lad1_marnecel.toml"
META = MODELS / "meta10_19.toml"


@pytest.fixture(scope="session")
def lad1_spec():
    import bayes_trials as bt

    return bt.load_spec(LAD1)


@pytest.fixture(scope="session")
def meta_spec():
    import bayes_trials as bt

    return bt.load_spec(META)


@pytest.fixture(scope="session")
def lad1_result(lad1_spec):
    import bayes_trials as bt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return bt.analyse(lad1_spec)


@pytest.fixture(scope="session")
def meta_result(meta_spec):
    import bayes_trials as bt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return bt.analyse(meta_spec)


ILLUSTRATIVE_SURVIVAL = MODELS / "examples" / "illustrative_car_t_efs.toml"


@pytest.fixture(scope="session")
def survival_spec():
    """The ILLUSTRATIVE time-to-event spec (simulated curve, reconstructed by the pipeline)."""
    import bayes_trials as bt

    return bt.load_spec(ILLUSTRATIVE_SURVIVAL)


@pytest.fixture(scope="session")
def survival_result(survival_spec):
    """The illustrative spec analysed with modest draws (3 compiles: one per survival model)."""
    import bayes_trials as bt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return bt.analyse(survival_spec, draws=500, tune=500, chains=2)
