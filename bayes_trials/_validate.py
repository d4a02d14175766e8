"""Central validators. Each raises the given error class with the field named."""

from __future__ import annotations

import math
import numbers

from .errors import BayesTrialsError, DataError


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def finite_real(value, field: str, error: type[BayesTrialsError] = DataError) -> float:
    """A finite real number (NaN and infinities are refused)."""
    if not _is_number(value):
        raise error(f"must be a number, got {value!r}", field=field)
    value = float(value)
    if not math.isfinite(value):
        raise error(f"must be finite, got {value!r}", field=field)
    return value


#: the largest count accepted. Float64 holds every whole number up to 2**53 (about 9.007e15)
#: exactly, but scipy's special functions (Boost's incomplete beta function and binomial
#: quantile) return NaN or lose accuracy for some arguments between 1e15 and 2**53, and the
#: package's exact count computations are checked against independent ones up to 1e12
#: (tests/test_large_n.py). Larger counts get a located DataError, never a wrong answer.
MAX_COUNT = 10**12


def count(value, field: str, error: type[BayesTrialsError] = DataError) -> int:
    """A whole number in ``0..10**12`` (floats such as 9.0 are accepted, 9.5 is not).

    Counts above :data:`MAX_COUNT` are refused rather than rounded or answered inexactly
    (see :data:`MAX_COUNT`; beyond 2**53 float64 cannot even tell ``n`` from ``n + 1``).
    """
    too_big = (f"must be at most 10**12 = {MAX_COUNT} (the largest count the exact "
               "computations are checked at; float64 is exact only to 2**53), got {}")
    if _is_number(value) and not isinstance(value, float) and abs(value) > MAX_COUNT:
        # an exact integer type: compare before any rounding to float
        raise error(too_big.format(value), field=field)
    value = finite_real(value, field, error)
    if value < 0 or value != int(value):
        raise error(f"must be a non-negative whole number, got {value:g}", field=field)
    if value > MAX_COUNT:
        raise error(too_big.format(f"{value:g}"), field=field)
    return int(value)


def positive(value, field: str, error: type[BayesTrialsError] = DataError) -> float:
    """A strictly positive finite number."""
    value = finite_real(value, field, error)
    if value <= 0:
        raise error(f"must be > 0, got {value:g}", field=field)
    return value


def open_unit(value, field: str, error: type[BayesTrialsError] = DataError) -> float:
    """A probability strictly inside (0, 1)."""
    value = finite_real(value, field, error)
    if not 0 < value < 1:
        raise error(f"must lie strictly between 0 and 1, got {value:g}", field=field)
    return value


def one_of(value, allowed, field: str, error: type[BayesTrialsError] = DataError):
    """One of a fixed set of strings."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise error(f"must be one of {choices}, got {value!r}", field=field)
    return value
