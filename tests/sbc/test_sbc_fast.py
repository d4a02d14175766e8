"""A fast SBC subset in the default test run: the binary (Beta mixture on the logit scale)
and two-rate (Gamma rates on the log scale) models, 100 replicates each.

The same cases, machinery and assertions as the full suite (``pytest -m sbc``), with fewer
replicates: it catches a gross miscalibration (a wrong Jacobian, a prior that is not the
stated one) in every run. Runtime: 42 s of CPU (user + system) including the two compiles,
measured with ``/usr/bin/time``; 105 s wall clock on the 2-core machine shared with other
jobs (load average 7.5), so about 40 s on 2 idle cores.
"""

import pytest

from . import cases
from .sbc_tools import assert_calibrated, params

FAST_REPS = 100


@pytest.mark.parametrize(("case", "quantity"), params((cases.BINARY_ROBUST, cases.TWO_RATE)))
def test_calibrated_fast(case, quantity, sbc_result):
    """Ranks of ``quantity`` uniform (exact ECDF test) and central 50% / 90% intervals
    covering at their levels (exact binomial tests) over 100 replicates.

    False-failure rate: 1e-5 per test (``ALPHA``), at most 3e-5 for this test, for any seed.
    """
    assert_calibrated(sbc_result(case, reps=FAST_REPS), quantity)
