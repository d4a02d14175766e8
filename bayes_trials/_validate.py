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


def count(value, field: str, error: type[BayesTrialsError] = DataError) -> int:
    """A non-negative whole number (floats such as 9.0 are accepted, 9.5 is not)."""
    value = finite_real(value, field, error)
    if value < 0 or value != int(value):
        raise error(f"must be a non-negative whole number, got {value:g}", field=field)
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
