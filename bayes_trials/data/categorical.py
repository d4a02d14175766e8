"""Response categories: counts of patients in ordered, exclusive categories.

A trial paper that reports its responses as ordered categories (CR > CRi > MLFS > no
response) gives multinomial data; every union of categories (CR + CRi, any response) is a
binary outcome (:meth:`Categorical.union`).

>>> from bayes_trials.data import Categorical
>>> resp = Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0})
>>> resp.union(["CR", "CRi"])
Binary(events=9, n=12)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import _validate as v
from ..errors import DataError
from .counts import Binary


@dataclass(frozen=True, eq=False, init=False)
class Categorical:
    """Counts of patients in mutually exclusive categories, in their stated order.

    Likelihood: :math:`(y_1, \\ldots, y_K) \\sim \\text{Multinomial}(n, (p_1, \\ldots, p_K))`
    with :math:`n = \\sum_k y_k`.

    Parameters
    ----------
    counts : mapping of str to int
        Category name -> number of patients, ordered from best to worst when the
        categories are ordinal (e.g. CR > CRi > MLFS > no response). A category with zero
        patients is allowed and kept: it carries information (0 of 12 without response).
    n : int, optional
        The stated total; when given, the counts must sum to it.

    Raises
    ------
    DataError
        No categories, a name that is empty or repeated, a negative or fractional count,
        counts summing to 0, or counts that do not sum to ``n``. ``field`` names the
        category (``counts['CR']``) or ``n``.

    Example
    -------
    >>> Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0}).union(["CR", "CRi"])
    Binary(events=9, n=12)
    >>> Categorical({"CR": 4, "CRi": 5}, n=12)
    Traceback (most recent call last):
    ...
    bayes_trials.errors.DataError: field 'n': the category counts sum to 9, not to the stated total 12
    """

    names: tuple
    values: tuple

    def __init__(self, counts, n: int | None = None):
        if not hasattr(counts, "items"):
            raise DataError(
                f"must be a mapping of category name to count, got {type(counts).__name__}",
                field="counts",
            )
        names = v.category_names(counts.keys(), "counts", DataError)
        values = tuple(v.count(counts[k], f"counts[{k!r}]") for k in names)
        total = sum(values)
        if total == 0:
            raise DataError(
                "the category counts sum to 0: at least 1 patient is needed", field="counts"
            )
        if n is not None:
            stated = v.count(n, "n")
            if stated != total:
                raise DataError(
                    f"the category counts sum to {total}, not to the stated total {stated}",
                    field="n",
                )
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "values", values)

    @property
    def counts(self) -> dict[str, int]:
        """Category name -> count (a fresh dict, in order)."""
        return dict(zip(self.names, self.values))

    @property
    def n(self) -> int:
        return int(sum(self.values))

    @property
    def k(self) -> int:
        """Number of categories."""
        return len(self.names)

    @property
    def proportions(self) -> dict[str, float]:
        return {name: c / self.n for name, c in zip(self.names, self.values)}

    def union(self, names: str | Sequence[str]) -> Binary:
        """The binary data of a union of categories: its patients out of all ``n``."""
        idx = v.union_index(self.names, names, DataError)
        return Binary(int(sum(self.values[i] for i in idx)), self.n)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Categorical)
            and self.names == other.names
            and self.values == other.values
        )

    def __hash__(self) -> int:
        return hash((self.names, self.values))

    def __repr__(self) -> str:
        return f"Categorical({self.counts!r})"
