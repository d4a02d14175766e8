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
    too_big = (
        f"must be at most 10**12 = {MAX_COUNT} (the largest count the exact "
        "computations are checked at; float64 is exact only to 2**53), got {}"
    )
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


def category_names(names, field: str, error: type[BayesTrialsError] = DataError) -> tuple[str, ...]:
    """Category names: non-empty strings, at least one, none twice."""
    names = tuple(names)
    if not names:
        raise error("needs at least one category, got none", field=field)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise error(
                f"category {i + 1}: a name must be a non-empty string, got {name!r}", field=field
            )
    seen = set()
    for name in names:
        if name in seen:
            raise error(f"category {name!r} appears twice", field=field)
        seen.add(name)
    return names


def union_index(all_names, union, error: type[BayesTrialsError] = DataError) -> list[int]:
    """The positions in ``all_names`` of the categories of a union (a name or a list)."""
    if isinstance(union, str):
        union = [union]
    union = list(union)
    if not union:
        raise error("a union needs at least one category", field="union")
    unknown = [u for u in union if u not in all_names]
    if unknown:
        raise error(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {unknown}; the categories "
            f"are {list(all_names)}",
            field="union",
        )
    if len(set(union)) != len(union):
        raise error(f"a category appears twice in the union {union}", field="union")
    return [all_names.index(u) for u in union]


def renamed(extra: dict, old: str, new: str, value):
    """A keyword argument renamed for one release: ``extra`` holds the ``**kwargs`` a function
    received; ``old`` in it wins over ``value`` (the new argument's) with a
    ``DeprecationWarning``; any other leftover keyword is a ``TypeError``, as Python's own.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     renamed({"random_seed": 3}, "random_seed", "seed", 0), str(w[0].message)
    (3, "'random_seed' is renamed 'seed'; the old name goes in the next release")
    """
    import warnings

    extra = dict(extra)
    if old in extra:
        warnings.warn(
            f"{old!r} is renamed {new!r}; the old name goes in the next release",
            DeprecationWarning,
            stacklevel=3,
        )
        value = extra.pop(old)
    if extra:
        raise TypeError(f"unexpected keyword argument {next(iter(extra))!r}")
    return value
