"""Decision rules and their exact operating characteristics, for binary and count endpoints,
and for two arms.

A decision rule is one or more criteria on the posterior,

.. math:: P(\\theta > q \\mid \\text{data}) > c \\quad\\text{or}\\quad P(\\theta < q \\mid \\text{data}) > c,

the first for efficacy (response, survival), the second for harms and event rates. Rules
are immutable objects that print as a sentence and answer when called on a posterior
distribution, in the manner of RBesT's ``decision1S`` (Neuenschwander, Weber, Schmidli,
O'Hagan): ``c`` is the *threshold* (a posterior probability) and ``q`` the *target* (a
value of the parameter, such as the trial's null response rate).

Because a binomial (Poisson) posterior is stochastically increasing in the number of
events (for any prior; proof in :func:`decision_boundary`), every criterion holds on a
half-line of counts, so a rule succeeds on an interval of counts whose ends (the *decision
boundaries*) are found exactly, by bisection over the counts on conjugate posteriors;
operating characteristics are then closed-form binomial (Poisson) probabilities of those
intervals, never simulations and never sums over every count, so every computation here
costs :math:`O(\\log n)` posterior evaluations however large ``n`` (or the exposure) is. A
simulation version exists only to check them.

Vocabulary (the same in every function here)::

    threshold   c, the posterior probability a criterion must exceed (0.975)
    target      q, the parameter value the probability is taken against (0.39)
    direction   "greater" for P(theta > q) > c, "less" for P(theta < q) > c
    truth       the true parameter value data are generated from

Example
-------
>>> import bayes_trials as bt
>>> from bayes_trials.decisions import decision, decision_boundary
>>> rule = decision(0.975, 0.39)
>>> rule
success if P(theta > 0.39) > 0.975
>>> rule(bt.update(bt.Beta(1, 1), bt.Binary(9, 9)))
True
>>> decision_boundary(bt.Beta(1, 1), n=9, threshold=0.975, target=0.39)
7

Modules: :mod:`.rules` (criteria, rules, boundaries and operating characteristics),
:mod:`.calibration`, :mod:`.futility` (predictive probability, futility looks); two arms:
:mod:`.two_sample` (``decision_2s``, boundaries) and :mod:`.two_sample_oc` (operating
characteristics, probability of success); :mod:`.calibration` holds both calibrations.

References
----------
Neuenschwander B, Weber S, Schmidli H, O'Hagan A. Predictively consistent prior effective
sample sizes. Biometrics 2020;76:578-587. doi:10.1111/biom.13252 (RBesT's companion paper).

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H. Applying meta-analytic-predictive priors
with the R Bayesian evidence synthesis tools. J Stat Softw 2021;100(19):1-32.
doi:10.18637/jss.v100.i19 (``decision1S``, ``oc1S``).

Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials.
Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279
"""

from .calibration import (  # noqa: F401
    Calibration,
    Calibration2S,
    calibrate_threshold,
    calibrate_threshold_2s,
)
from .futility import (  # noqa: F401
    _WINDOW_MAX,
    PredictiveProbabilityCurve,
    _beta_binomial_pmf,
    _convolve,
    _final_region,
    _futility_oc_at,
    _pp,
    _pp_crossing_guess,
    _predictive_probability,
    _stop_region,
    interim_futility_oc,
)
from .rules import (  # noqa: F401
    DIRECTIONS,
    METHODS,
    ZONES,
    Criterion,
    DecisionRule,
    GoNoGoRule,
    _as_criteria,
    _check_prior,
    _column_name,
    _count_segments,
    _criterion_probs,
    _criterion_region,
    _design,
    _met,
    _poisson_boundary,
    _posterior,
    _resolve_rule,
    _Segments,
    _simulate,
    _simulate_truth,
    _truths,
    decision,
    decision_boundary,
    operating_characteristics,
)
from .two_sample import Boundary2S, Criterion2S, DecisionRule2S, decision_2s, decision_boundary_2s
from .two_sample_oc import operating_characteristics_2s, probability_of_success_2s

__all__ = [
    "Criterion",
    "DecisionRule",
    "GoNoGoRule",
    "decision",
    "decision_boundary",
    "operating_characteristics",
    "calibrate_threshold",
    "Calibration",
    "interim_futility_oc",
    # two arms
    "Criterion2S",
    "DecisionRule2S",
    "decision_2s",
    "Boundary2S",
    "decision_boundary_2s",
    "operating_characteristics_2s",
    "probability_of_success_2s",
    "calibrate_threshold_2s",
    "Calibration2S",
]
