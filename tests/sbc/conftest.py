"""SBC fixtures: each case is simulated and fitted once per session, whatever the number of
tests (one per quantity) that read it; compiled models are shared through
``bayes_trials.fit.CACHE`` as in the rest of the suite."""

from __future__ import annotations

import pytest

from .sbc_tools import run, sbc_seed


@pytest.fixture(scope="session")
def sbc_result():
    """``sbc_result(case, reps=None)``: the memoised :func:`run` of ``case`` at this
    session's seed (``$BT_SBC_SEED`` or the default)."""
    done = {}
    seed = sbc_seed()

    def get(case, reps=None):
        key = (case.name, case.reps if reps is None else int(reps))
        if key not in done:
            done[key] = run(case, reps=key[1], seed=seed)
        return done[key]

    return get
