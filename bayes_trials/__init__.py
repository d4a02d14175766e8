"""bayes_trials: Bayesian re-analysis of published clinical trials.

The pipeline, one module per stage::

    spec (TOML) -> data -> priors -> endpoints -> fit -> checks -> summaries -> report

>>> import bayes_trials as bt
>>> bt.update(bt.Beta(1, 1), bt.Binary(9, 9))
Beta(a=10, b=1)
"""

from .analysis import EndpointResult, TrialResult, analyse
from .conjugate import update
from .data import Binary, Rate
from .endpoints import BinaryEndpoint
from .errors import DataError, PriorError, SpecError, StatisticalWarning
from .ess import ess
from .priors import CRED_LEVEL, Beta, Gamma, HalfNormal, Mixture, Normal, robustify
from .spec import load_spec

__version__ = "0.1.0"

__all__ = [
    "Beta", "Gamma", "Normal", "HalfNormal", "Mixture", "robustify", "ess", "update",
    "Binary", "Rate", "BinaryEndpoint", "load_spec", "analyse", "EndpointResult",
    "TrialResult", "SpecError", "DataError", "PriorError", "StatisticalWarning", "CRED_LEVEL",
]
