"""Simulation-based calibration of the aggregate rate models: two Gamma rates (``RateRatioEndpoint`` with a ``TwoRatePrior``)
and the log-linear model (``RateRatioEndpoint`` / ``LogRateRatioEndpoint`` with a ``LogRRPrior``).

Priors, data sizes and designs: see :mod:`tests.sbc.cases`; machinery: :mod:`tests.sbc.sbc_tools`.
Marked ``sbc``: run with ``pytest -m sbc`` (the default run skips it).

Runtime of the whole ``-m sbc`` suite and of each case: :mod:`tests.sbc` (package docstring).
"""

import pytest

from . import cases
from .sbc_tools import assert_calibrated, params

pytestmark = pytest.mark.sbc

CASES = (
    cases.TWO_RATE,
    cases.LOG_RR,
)


@pytest.mark.parametrize(("case", "quantity"), params(CASES))
def test_calibrated(case, quantity, sbc_result):
    """Ranks of ``quantity`` among L = 99 thinned posterior draws are uniform on 0..99 (exact
    ECDF test) and the central 50% and 90% intervals cover the truth at those rates (exact
    binomial tests) over the case's N replicates (``case.reps``).

    False-failure rate: each of the three tests rejects a calibrated model with probability
    at most 1e-5 (``ALPHA``; exact discrete tests), so at most 3e-5 for this test, for any seed.
    """
    assert_calibrated(sbc_result(case), quantity)
