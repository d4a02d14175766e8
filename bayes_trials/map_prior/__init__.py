"""Meta-analytic-predictive (MAP) priors from a table of historical studies.

The MAP approach (Neuenschwander et al. 2010; Schmidli et al. 2014) fits a random-effects
meta-analysis to the historical studies, takes the posterior predictive of the parameter of
a *new* study, and approximates it by a mixture of conjugate distributions, which then
serves as an informative (and, robustified, a robust) prior. RBesT's ``gMAP`` +
``automixfit`` are the model here; the fit uses PyMC with nutpie through
:func:`bayes_trials.fit.sample`, compiled once per model structure. The predictive is
computed exactly given each posterior draw of the study effects (Rao-Blackwellised over the
mean and heterogeneity), and the mixture is fitted to it by EM with the number of
components chosen by AIC or BIC; the mixture's distance from the predictive and the
predictive's Monte Carlo error are reported (:meth:`MAPPrior.summary`).

Modules: :mod:`.table` (the studies, the link scale), :mod:`.model` (the random-effects
model), :mod:`.predictive` (the exact predictive given the draws), :mod:`.mixture_fit` (EM
mixtures), :mod:`.prior` (:func:`map_prior`, :class:`MAPPrior`).
"""

from .mixture_fit import MixtureFit, fit_mixture
from .prior import MAPPrior, map_prior
from .table import FAMILIES, validate_table

__all__ = ["map_prior", "MAPPrior", "fit_mixture", "MixtureFit", "validate_table", "FAMILIES"]
