"""Distributions: priors, exact posteriors and the distributions derived from them.

Every distribution is an immutable value with ``mean``, ``sd``, ``pdf``, ``cdf``, ``sf``,
``ppf``, ``rvs`` and ``interval``, vectorised over NumPy arrays and free of PyMC.
"""

from .base import Distribution
from .dirichlet import Dirichlet
from .families import Beta, Gamma, HalfCauchy, HalfNormal, Normal
from .mixture import REFERENCE_PRIORS, Mixture, components_of, robustify

__all__ = [
    "Distribution",
    "Beta",
    "Gamma",
    "Normal",
    "HalfNormal",
    "HalfCauchy",
    "Mixture",
    "components_of",
    "robustify",
    "REFERENCE_PRIORS",
    "Dirichlet",
]
