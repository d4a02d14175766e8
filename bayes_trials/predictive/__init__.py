"""Predictive distributions, predictive probability of success, differences and conflict.

Plain NumPy/SciPy, exact where the maths allows:

- :func:`predictive`: the (prior or posterior) predictive distribution of future data, a
  beta-binomial mixture for ``n`` patients, a negative-binomial mixture for a Poisson
  count over ``exposure``, a normal mixture for a future estimate with standard error ``se``;
- :func:`predictive_probability`: Lee and Liu's (2008) predictive probability that a
  single-arm trial continued to ``n_max`` patients ends in success;
- :func:`prob_difference` and :func:`difference` (kept here by name; they live in
  :mod:`bayes_trials.compare` with the ratio and odds-ratio contrasts);
- :func:`prior_data_conflict`: Box's (1980) prior-predictive check of the observed data.

>>> from bayes_trials.distributions import Beta
>>> from bayes_trials.data import Binary
>>> pred = predictive(Beta(61, 14), n=12)   # ELIANA's CR/CRi 61/75 on a flat prior
>>> round(pred.mean, 4), pred.interval(0.95)
(9.76, (7, 12))
"""

from ..compare import Difference, difference, prob_difference
from .conflict import (  # noqa: F401
    CONFLICT_METHODS,
    PriorDataConflict,
    _box_continuous,
    _box_discrete,
    _box_enumerated,
    _box_regions,
    prior_data_conflict,
)
from .distributions import (  # noqa: F401
    _TIE,
    PredictiveDistribution,
    PredictiveProbability,
    _off,
    predictive,
    predictive_probability,
)

__all__ = [
    "PredictiveDistribution",
    "predictive",
    "PredictiveProbability",
    "predictive_probability",
    "Difference",
    "difference",
    "prob_difference",
    "PriorDataConflict",
    "prior_data_conflict",
]
