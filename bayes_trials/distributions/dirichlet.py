"""The Dirichlet distribution of category probabilities, and its Beta marginals.

The conjugate prior of multinomial counts; every union of categories (CR + CRi, any
response) has a Beta marginal, so a category-level analysis and the binary analysis of a
union agree exactly when their priors agree (:meth:`Dirichlet.marginal`).

Example
-------
>>> import bayes_trials as bt
>>> resp = bt.Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0})
>>> post = bt.update(bt.Dirichlet.reference(resp.names, 0.5), resp)
>>> post
Dirichlet(CR=4.5, CRi=5.5, MLFS=3.5, none=0.5)
>>> post.marginal(["CR", "CRi"])                                      # CR + CRi
Beta(a=10, b=4)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .. import _validate as v
from .._constants import CRED_LEVEL
from ..errors import PriorError
from .families import Beta

if TYPE_CHECKING:
    import pandas as pd

#: reference Dirichlet concentrations per category: Jeffreys (1/2) and uniform (Bayes-Laplace, 1)
REFERENCE_ALPHAS = {"jeffreys": 0.5, "uniform": 1.0}


@dataclass(frozen=True, eq=False, init=False, repr=False)
class Dirichlet:
    """Dirichlet(alpha) distribution of the probabilities of ``K`` named categories.

    Density :math:`p(\\mathbf p) = \\frac{\\Gamma(\\alpha_0)}{\\prod_k \\Gamma(\\alpha_k)}
    \\prod_k p_k^{\\alpha_k - 1}` on the simplex, :math:`\\alpha_0 = \\sum_k \\alpha_k`;
    mean :math:`\\alpha_k / \\alpha_0`; effective sample size :math:`\\alpha_0`.

    Parameters
    ----------
    alpha : mapping of str to float, or sequence of float
        Concentrations, all > 0. A mapping names the categories; with a sequence give
        ``names`` (otherwise ``c1, c2, ...``).
    names : sequence of str, optional

    Raises
    ------
    PriorError
        Fewer than two categories, a non-positive or non-finite concentration, or names
        that are repeated or do not match ``alpha``.

    Notes
    -----
    The aggregation property: merging categories sums their concentrations, and the
    probability of a union :math:`U` of categories is

    .. math:: p_U = \\sum_{k \\in U} p_k \\sim \\text{Beta}\\Big(\\sum_{k \\in U} \\alpha_k,\\;
              \\sum_{k \\notin U} \\alpha_k\\Big).

    References
    ----------
    Gelman A, Carlin JB, Stern HS, Dunson DB, Vehtari A, Rubin DB. Bayesian Data Analysis,
    3rd ed. CRC Press 2013, sections 3.4 and A.1. doi:10.1201/b16018

    Example
    -------
    >>> d = Dirichlet({"CR": 4.5, "CRi": 5.5, "MLFS": 3.5, "none": 0.5})
    >>> round(d.ess, 6), round(d.mean["CR"], 4)
    (14.0, 0.3214)
    >>> d.marginal(["CR", "CRi", "MLFS"])       # any response
    Beta(a=13.5, b=0.5)
    """

    names: tuple
    alpha: np.ndarray

    family = "dirichlet"

    def __init__(self, alpha, names=None):
        if hasattr(alpha, "items"):
            if names is not None and tuple(names) != tuple(alpha.keys()):
                raise PriorError("names disagree with the keys of alpha", field="names")
            names, alpha = list(alpha.keys()), list(alpha.values())
        alpha = list(np.atleast_1d(np.asarray(alpha, dtype=object)))
        if len(alpha) < 2:
            raise PriorError(
                f"a Dirichlet needs at least 2 categories, got {len(alpha)}", field="alpha"
            )
        if names is None:
            names = [f"c{i + 1}" for i in range(len(alpha))]
        names = v.category_names(names, "names", PriorError)
        if len(names) != len(alpha):
            raise PriorError(f"{len(names)} names for {len(alpha)} concentrations", field="names")
        values = np.array(
            [v.positive(a, f"alpha[{k!r}]", PriorError) for k, a in zip(names, alpha)],
            dtype=float,
        )
        values.setflags(write=False)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "alpha", values)

    # --- constructors -----------------------------------------------------------------
    @classmethod
    def reference(cls, names, alpha: float | str = 0.5) -> Dirichlet:
        """The symmetric reference prior: ``alpha`` (1/2 Jeffreys, 1 uniform) per category.

        >>> Dirichlet.reference(["CR", "CRi", "none"], "uniform")
        Dirichlet(CR=1, CRi=1, none=1)
        """
        if isinstance(alpha, str):
            v.one_of(alpha, tuple(REFERENCE_ALPHAS), "alpha", PriorError)
            alpha = REFERENCE_ALPHAS[alpha]
        names = v.category_names(names, "names", PriorError)
        return cls([alpha] * len(names), names=names)

    @classmethod
    def from_mean_ess(cls, mean, ess: float) -> Dirichlet:
        """The Dirichlet with the given category means and effective sample size.

        :math:`\\alpha_k = \\text{ess} \\cdot m_k`: an informative prior from a benchmark's
        category split, discounted to ``ess`` patients. The means must be > 0 and sum to 1
        (within 1e-8); they are refused, not normalised, when they do not.

        >>> Dirichlet.from_mean_ess({"CR": 0.55, "CRi": 0.22, "none": 0.23}, 10)
        Dirichlet(CR=5.5, CRi=2.2, none=2.3)
        """
        if not hasattr(mean, "items"):
            raise PriorError("mean must be a mapping of category name to probability", field="mean")
        ess = v.positive(ess, "ess", PriorError)
        m = {k: v.open_unit(x, f"mean[{k!r}]", PriorError) for k, x in mean.items()}
        total = sum(m.values())
        if abs(total - 1.0) > 1e-8:
            raise PriorError(f"category means must sum to 1, they sum to {total:.6g}", field="mean")
        return cls({k: ess * x for k, x in m.items()})

    # --- moments and marginals --------------------------------------------------------
    @property
    def k(self) -> int:
        return len(self.names)

    @property
    def ess(self) -> float:
        """Effective sample size :math:`\\alpha_0 = \\sum_k \\alpha_k`."""
        return float(self.alpha.sum())

    @property
    def concentrations(self) -> dict[str, float]:
        return dict(zip(self.names, self.alpha.tolist()))

    @cached_property
    def _frozen(self):
        return stats.dirichlet(self.alpha)

    @property
    def mean(self) -> dict[str, float]:
        """Category name -> :math:`\\alpha_k / \\alpha_0`."""
        return dict(zip(self.names, (self.alpha / self.ess).tolist()))

    @property
    def sd(self) -> dict[str, float]:
        """Category name -> :math:`\\sqrt{\\alpha_k(\\alpha_0 - \\alpha_k) / (\\alpha_0^2(\\alpha_0 + 1))}`."""
        a, a0 = self.alpha, self.ess
        return dict(zip(self.names, np.sqrt(a * (a0 - a) / (a0**2 * (a0 + 1))).tolist()))

    def marginal(self, names: str | Sequence[str]) -> Beta:
        """The Beta distribution of the probability of a union of categories.

        Parameters
        ----------
        names : str or sequence of str
            The categories of the union (one name: that category's own marginal).

        Returns
        -------
        Beta
            :math:`\\text{Beta}(\\sum_{k \\in U} \\alpha_k, \\sum_{k \\notin U} \\alpha_k)`.

        Raises
        ------
        PriorError
            An unknown or repeated name, an empty union, or the union of all categories
            (its probability is 1, not a Beta).
        """
        idx = v.union_index(self.names, names, PriorError)
        if len(idx) == self.k:
            raise PriorError(
                "the union of all categories has probability 1, not a Beta", field="union"
            )
        inside = float(self.alpha[idx].sum())
        return Beta(inside, self.ess - inside)

    def merge(self, groups: Mapping[str, Sequence[str]]) -> Dirichlet:
        """The Dirichlet of merged categories (aggregation property).

        Parameters
        ----------
        groups : mapping of str to sequence of str
            New category -> the old categories it merges; together they must cover every
            old category exactly once.

        >>> Dirichlet({"CR": 4.5, "CRi": 5.5, "MLFS": 3.5, "none": 0.5}).merge(
        ...     {"CR/CRi": ["CR", "CRi"], "other": ["MLFS", "none"]})
        Dirichlet(CR/CRi=10, other=4)
        """
        used = [
            name
            for members in groups.values()
            for name in ([members] if isinstance(members, str) else members)
        ]
        if sorted(used) != sorted(self.names):
            raise PriorError(
                f"the merged groups must cover each of {list(self.names)} exactly once, got {used}",
                field="groups",
            )
        return Dirichlet(
            {
                new: float(self.alpha[v.union_index(self.names, members, PriorError)].sum())
                for new, members in groups.items()
            }
        )

    def logpdf(self, p: ArrayLike) -> float | np.ndarray:
        """Log density at points of the simplex (last axis: the categories, in order)."""
        p = np.asarray(p, dtype=float)
        if p.ndim == 1:
            return float(self._frozen.logpdf(p))
        return np.array([self._frozen.logpdf(row) for row in p.reshape(-1, self.k)]).reshape(
            p.shape[:-1]
        )

    def pdf(self, p: ArrayLike) -> float | np.ndarray:
        return np.exp(self.logpdf(p))

    def rvs(
        self,
        size: int | tuple[int, ...] | None = None,
        seed: int | np.random.Generator | None = None,
        **deprecated,
    ) -> np.ndarray:
        """Random draws, shape ``(size, K)`` (``(K,)`` for ``size=None``).

        ``seed`` is a seed or a ``numpy.random.Generator`` (``random_state=`` the old name).
        """
        rng = np.random.default_rng(v.renamed(deprecated, "random_state", "seed", seed))
        return rng.dirichlet(self.alpha, size=size)

    def interval(self, level: float = CRED_LEVEL, **deprecated) -> dict[str, tuple[float, float]]:
        """Central credible interval of each category's probability (its Beta marginal)."""
        level = v.renamed(deprecated, "prob", "level", level)
        return {name: self.marginal([name]).interval(level) for name in self.names}

    def summary(self, level: float = CRED_LEVEL, **deprecated) -> pd.DataFrame:
        """A DataFrame, one row per category: alpha, mean, sd and the central interval."""
        import pandas as pd

        prob = v.renamed(deprecated, "prob", "level", level)
        pct = round(100 * v.open_unit(prob, "level", PriorError))
        rows = []
        for name, a in zip(self.names, self.alpha):
            lo, hi = self.marginal([name]).interval(prob)
            rows.append(
                {
                    "category": name,
                    "alpha": float(a),
                    "mean": self.mean[name],
                    "sd": self.sd[name],
                    f"eti{pct}_low": lo,
                    f"eti{pct}_high": hi,
                }
            )
        return pd.DataFrame(rows).set_index("category")

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Dirichlet)
            and self.names == other.names
            and np.array_equal(self.alpha, other.alpha)
        )

    def __hash__(self) -> int:
        return hash((self.names, tuple(self.alpha.tolist())))

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={a:.4g}" for k, a in zip(self.names, self.alpha))
        return f"Dirichlet({parts})"
