"""Shared fixtures: the seed specs, analysed once per test session (one compile)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

#: Every NUTS run of the suite goes through ``nutpie.sample`` (``bayes_trials.fit.sample``).
#: With ``BT_TEST_SEED_OFFSET=k`` in the environment each of those seeds is shifted by
#: ``k * SEED_STRIDE``, so the MCMC tests can be re-run on other seeds without editing a spec
#: or a test (``scripts/seed_sweep.py`` runs them over 20 offsets in one process). Without
#: the variable nutpie is left alone. Tests that compare two runs of one seed still compare
#: like with like.
SEED_STRIDE = 7919


def seed_offset() -> int:
    return int(os.environ.get("BT_TEST_SEED_OFFSET", "0"))


def pytest_configure(config):
    if "BT_TEST_SEED_OFFSET" not in os.environ:
        return
    import nutpie

    if getattr(nutpie.sample, "_bt_offset", False):
        return
    original = nutpie.sample

    def sample(*args, seed=None, **kwargs):
        if seed is not None:
            seed = (int(seed) + seed_offset() * SEED_STRIDE) % 2**32
        return original(*args, seed=seed, **kwargs)

    sample._bt_offset = True
    nutpie.sample = sample


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


#: modest MCMC settings for the response-category and adverse-event endpoints of META
META_CATEGORY_SETTINGS = {"draws": 500, "tune": 500, "chains": 4, "seed": 20251001, "level": 0.95}


@pytest.fixture(scope="session")
def meta_category_results(meta_spec):
    """The two non-scalar endpoints of META, sampled once per session with modest draws.

    Called exactly as :func:`bayes_trials.analyse` calls every endpoint (the one pipeline
    loop), so the compiled models (Dirichlet-multinomial, binary, hierarchical) are shared
    with every other test of the session through ``bayes_trials.fit.CACHE``.
    """
    from bayes_trials.pipeline import analyse_endpoint

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        out = {}
        for name in ("response_categories_1m", "adverse_events_grade3"):
            es = meta_spec.endpoint(name)
            out[name] = analyse_endpoint(
                es.endpoint,
                es.priors,
                method="mcmc",
                spec=es,
                trial_id=meta_spec.name,
                **META_CATEGORY_SETTINGS,
            )
        return out
