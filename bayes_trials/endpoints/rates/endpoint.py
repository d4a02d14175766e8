"""Aggregate event rates before and after treatment: the rate ratio and the percent reduction.

Two models of the same question ("by how much did the event rate fall?") on the totals of
events and patient-years of each period:

===============================  ====================================  ==================================
endpoint                          model                                 exact posterior
===============================  ====================================  ==================================
:class:`RateRatioEndpoint`        independent Gamma priors on the two   a scaled beta-prime (closed form);
(``kind = "rate_ratio"``)         rates, Poisson counts                 a :class:`LogRRPrior` selects the
                                                                        log-linear model
:class:`LogRateRatioEndpoint`     baseline rate (Gamma) and log rate    the marginal posterior of log RR
                                  ratio (Normal or Normal mixture)      by quadrature
===============================  ====================================  ==================================

The estimand is the rate ratio :math:`\\text{RR} = \\lambda_{\\text{after}} /
\\lambda_{\\text{before}}` (posterior variable ``rate_ratio``) and the percent reduction
:math:`100 (1 - \\text{RR})`; posterior probabilities are taken as
:math:`P(\\text{RR} < \\text{target})` (``direction="less"``), e.g. ``target=0.5`` for
"the rate fell by more than half". The frequentist reference is statsmodels' exact
conditional and score tests and intervals and the Poisson GLM
(:func:`~bayes_trials.endpoints.rates.reference.rate_ratio_reference`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ... import _validate as v
from ..._constants import CRED_LEVEL, DEFAULT_TARGET_ACCEPT, DIRECTIONS
from ...data import PrePostRates
from ...distributions import Distribution
from ...errors import DataError, PriorError
from ..scalar import ScalarEndpoint
from .exact import exact_rates, log_linear_log_density, log_linear_posterior, two_rate_posterior
from .model import (
    AGGREGATE,
    RatesBatch,
    aggregate_inputs,
    build_aggregate_model,
    heavy_tailed,
    tidy_aggregate,
)
from .priors import LogRRPrior, TwoRatePrior, log_rr_priors
from .reference import INTERVAL_METHODS, RateRatioReference, rate_ratio_reference
from .reference_checks import log_linear_checks, two_rate_checks
from .scenarios import ScenarioGrid, rr_from_reduction

if TYPE_CHECKING:
    from ...distributions.derived import LogScalePosterior

#: NUTS target acceptance for data with a period of zero events (see ``target_accept``)
ZERO_EVENTS_TARGET_ACCEPT = 0.95


class _PrePostEndpoint(ScalarEndpoint):
    """What both aggregate-rate endpoints share: validation, the reference, descriptions."""

    parameter = "rate_ratio"
    parameter_description = "rate ratio, after / before (1: no change)"
    parameter_symbol = "RR"

    def __post_init__(self):
        if not isinstance(self.data, PrePostRates):
            raise DataError(
                f"needs PrePostRates data, got {type(self.data).__name__}",
                endpoint=self.name,
                field="data",
            )
        if self.target is not None:
            object.__setattr__(self, "target", v.positive(self.target, "target"))
        v.one_of(self.direction, DIRECTIONS, "direction")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def target_accept(self, prior) -> float:
        """0.95 when a period has no events, else the default (0.9): with zero events the
        posterior of that log rate has an exponential left tail (a Gamma with shape below 1
        on the log scale), which NUTS explores fully only with smaller steps (with 0.9, the
        2.5% quantile or the mean missed the exact value by more than 4 MCSE in 2 of 40
        seeds; with 0.95 in none, z-scores sd 0.86)."""
        d = self.data
        zero = d.before.events == 0 or d.after.events == 0
        return ZERO_EVENTS_TARGET_ACCEPT if zero else DEFAULT_TARGET_ACCEPT

    def uninformative(self) -> str | None:
        """No events in either period: given the total (0), the counts have one possible
        split, so the conditional likelihood of the rate ratio is constant and the data say
        nothing about it; what any posterior says of RR is its prior's."""
        if self.data.before.events == 0 and self.data.after.events == 0:
            return (
                "no events in either period: the data carry no information on the rate ratio "
                "(its conditional likelihood given the total is constant), so every result "
                "about it restates the prior"
            )
        return None

    # --- PyMC model (one compile for both prior families and every data set) ------------
    def structure(self, prior) -> tuple:
        """The compile key: one compiled model serves independent rate priors and log-RR
        priors, mixtures of any size and every data set
        (:func:`~bayes_trials.endpoints.rates.model.build_aggregate_model`)."""
        return (AGGREGATE,)

    @staticmethod
    def build_model(structure: tuple):
        """Log rates before and after (or log baseline rate and log RR), the prior family
        chosen by data; see :func:`~bayes_trials.endpoints.rates.model.build_aggregate_model`."""
        return build_aggregate_model(structure)

    def model_inputs(self, prior) -> dict:
        self.check_prior(prior)
        return aggregate_inputs(self.data, prior)

    def tidy_posterior(self, tree):
        """The draws a result keeps: every named deterministic, without the internal
        parameter whose meaning depends on the prior family."""
        return tidy_aggregate(tree)

    def batch(self, prior) -> RatesBatch:
        """The batched model that samples this endpoint under any of its priors as one
        point of many (:class:`~bayes_trials.endpoints.rates.model.RatesBatch`; heavy-tailed
        posteriors, :func:`~bayes_trials.endpoints.rates.model.heavy_tailed`, apart)."""
        self.check_prior(prior)
        return RatesBatch(tail="heavy" if heavy_tailed(self.data, prior) else "light")

    def prob_reduction_above(self, dist, percent: float) -> float:
        """:math:`P(100(1 - \\text{RR}) > \\text{percent}) = P(\\text{RR} < 1 - \\text{percent}/100)`."""
        return float(dist.cdf(rr_from_reduction(percent)))

    @staticmethod
    def published_quantities() -> tuple:
        """What a spec can ask to reproduce from this endpoint's frequentist record."""
        return ("estimate", "ci_low", "ci_high", "percent_reduction")

    @staticmethod
    def interval_methods() -> tuple:
        return INTERVAL_METHODS

    def describe_data(self) -> str:
        b, a = self.data.before, self.data.after
        return f"{b.events} events / {b.exposure:g} before, {a.events} / {a.exposure:g} after"

    def reference(self, level: float = CRED_LEVEL) -> RateRatioReference:
        """Exact conditional and score tests and intervals, and the Poisson GLM (statsmodels)."""
        return rate_ratio_reference(self.data, level)


@dataclass(frozen=True)
class RateRatioEndpoint(_PrePostEndpoint):
    """Aggregate event rates before and after treatment, independent Gamma priors on the rates.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"infection_hospitalizations"``.
    data : PrePostRates
    target : float > 0, optional
        Rate ratio the posterior probability is taken against (default 1: any reduction;
        0.5: a reduction of more than 50%).
    direction : {"less", "greater"}
        ``"less"`` reports :math:`P(\\text{RR} < \\text{target})`.
    label : str
    scenarios : ScenarioGrid, optional
        For counts that are not published: the grid of assumed numbers the report's scenario
        sweep covers (the spec's ``[endpoints.scenarios]`` table).

    Notes
    -----
    .. math::

        \\lambda_b &\\sim \\text{Gamma}(s_b, r_b), \\quad \\lambda_a \\sim \\text{Gamma}(s_a, r_a)
        \\quad (\\text{or Gamma mixtures}),\\\\
        y_b &\\sim \\text{Poisson}(\\lambda_b E_b), \\quad y_a \\sim \\text{Poisson}(\\lambda_a E_a),\\\\
        \\text{RR} &= \\lambda_a / \\lambda_b, \\qquad \\text{reduction} = 100 (1 - \\text{RR}).

    Exact posterior: :math:`\\lambda_b \\mid y \\sim \\text{Gamma}(s_b + y_b, r_b + E_b)` and
    likewise after (:func:`bayes_trials.update`), independent, so RR is a scaled beta-prime
    (:class:`~bayes_trials.RateRatioPosterior`). Under the Jeffreys prior Gamma(1/2, 0) on each
    rate, :math:`P(\\text{RR} \\le r)` is the Beta(:math:`y_a + 1/2`, :math:`y_b + 1/2`) cdf at
    :math:`r E_a/(r E_a + E_b)`: the Jeffreys interval of the conditional binomial, which lies
    inside the exact conditional (Clopper-Pearson) interval. The PyMC model samples the log
    rates, with the Gamma (mixture) densities and their Jacobians as potentials. A
    :class:`LogRRPrior` selects the log-linear model (:class:`LogRateRatioEndpoint`), in the
    same compiled model.

    Example
    -------
    >>> import bayes_trials as bt
    >>> data = bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(5, 10.0))
    >>> ep = RateRatioEndpoint("infection_hospitalizations", data, target=0.5)
    >>> post = ep.exact_posterior(TwoRatePrior.jeffreys())
    >>> round(ep.tail_probability(post), 4)                 # P(reduction > 50%)
    0.7975
    >>> [round(x, 3) for x in post.interval(0.95)]
    [0.12, 0.798]
    """

    name: str
    data: PrePostRates
    target: float | None = 1.0
    direction: str = "less"
    label: str = ""
    scenarios: ScenarioGrid | None = None

    kind = "rate_ratio"
    prior_type = TwoRatePrior
    prior_family = "rates"

    def check_prior(self, prior: object) -> None:
        if not isinstance(prior, (TwoRatePrior, LogRRPrior)):
            raise PriorError(
                f"a rate-ratio endpoint takes a TwoRatePrior(before, after) or a "
                f"LogRRPrior(log_rr, baseline), got {prior!r}",
                endpoint=self.name,
                field="prior",
            )

    @staticmethod
    def reference_priors() -> dict:
        return {"jeffreys": TwoRatePrior.jeffreys()}

    def log_linear(self) -> LogRateRatioEndpoint:
        """The same data under the log-linear model (what a :class:`LogRRPrior` asks for)."""
        return LogRateRatioEndpoint(self.name, self.data, self.target, self.direction, self.label)

    # --- exact ----------------------------------------------------------------------------
    def exact_rates(self, prior: TwoRatePrior) -> tuple:
        """The exact posteriors ``(before, after)`` of the two rates (Gamma or Gamma mixtures)."""
        self.check_prior(prior)
        return exact_rates(prior, self.data)

    def exact_posterior(self, prior: TwoRatePrior | LogRRPrior) -> Distribution:
        """The exact posterior of the rate ratio: :class:`~bayes_trials.RateRatioPosterior` (or
        a mixture); under a :class:`LogRRPrior`, the log-linear model's quadrature posterior."""
        self.check_prior(prior)
        if isinstance(prior, LogRRPrior):
            return self.log_linear().exact_posterior(prior)
        return two_rate_posterior(prior, self.data)

    def reference_checks(
        self, reference: RateRatioReference, fits: dict, level: float = CRED_LEVEL
    ) -> list:
        """The Jeffreys-prior identities (:func:`~bayes_trials.endpoints.rates.reference_checks.two_rate_checks`)
        and, for fits under a wide log-RR prior, the log-linear model's bounds
        (:func:`~bayes_trials.endpoints.rates.reference_checks.log_linear_checks`)."""
        return two_rate_checks(self.name, self.data, reference, fits, level) + log_linear_checks(
            self.name, self.data, reference, fits, level
        )


@dataclass(frozen=True)
class LogRateRatioEndpoint(_PrePostEndpoint):
    """Aggregate rates, log-linear model: the log rate ratio is the parameter with the prior.

    Parameters are as for :class:`RateRatioEndpoint`; priors are :class:`LogRRPrior`.

    Notes
    -----
    .. math::

        \\theta = \\log \\text{RR} &\\sim \\textstyle\\sum_k w_k N(m_k, s_k^2), \\quad
        \\lambda_b \\sim \\text{Gamma}(a, r),\\\\
        y_b &\\sim \\text{Poisson}(\\lambda_b E_b), \\quad
        y_a \\sim \\text{Poisson}(\\lambda_b e^{\\theta} E_a).

    Integrating :math:`\\lambda_b` out gives the exact marginal posterior of :math:`\\theta`
    (for a Gamma mixture baseline, a weighted sum over its components):

    .. math::

        p(\\theta \\mid y) \\propto p(\\theta)\\, e^{\\theta y_a}\\,
        \\frac{\\Gamma(n + a)\\, r^a}{\\Gamma(a)\\,(r + E_b + e^{\\theta} E_a)^{n + a}},
        \\qquad n = y_a + y_b,

    computed by one-dimensional quadrature
    (:class:`~bayes_trials.distributions.derived.LogScalePosterior`). As :math:`r \\to 0` and
    the prior on :math:`\\theta` flattens, the posterior of
    :math:`p = \\text{RR} E_a/(\\text{RR} E_a + E_b)` tends to Beta(:math:`y_a, y_b + a`), the
    conditional binomial likelihood of :math:`y_a \\mid n` (with :math:`a \\to 0`: exactly
    normalised); the reference checks bound the distance to it. With no events after, the
    likelihood is flat as :math:`\\theta \\to -\\infty` and the prior alone bounds the left
    tail: the wide reference prior then gives a very long tail, which the report shows rather
    than an infinite MLE.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = LogRateRatioEndpoint("x", bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(5, 10.0)), target=0.5)
    >>> priors = log_rr_priors()
    >>> [round(ep.tail_probability(ep.exact_posterior(p)), 3) for p in priors.values()]
    [0.846, 0.307, 0.746]
    """

    name: str
    data: PrePostRates
    target: float | None = 1.0
    direction: str = "less"
    label: str = ""

    kind = "log_rate_ratio"
    prior_type = LogRRPrior
    prior_family = "rates"

    def check_prior(self, prior: object) -> None:
        if not isinstance(prior, LogRRPrior):
            raise PriorError(
                f"a log-rate-ratio endpoint takes a LogRRPrior(log_rr, baseline), got {prior!r}",
                endpoint=self.name,
                field="prior",
            )

    @staticmethod
    def reference_priors() -> dict:
        return {"reference": log_rr_priors()["reference"]}

    def log_posterior(self, prior: LogRRPrior) -> Any:
        """The unnormalised log posterior density of :math:`\\theta = \\log \\text{RR}` (vectorised)."""
        self.check_prior(prior)
        return log_linear_log_density(prior, self.data)

    def exact_posterior(self, prior: LogRRPrior) -> LogScalePosterior:
        """The posterior of RR by quadrature of the exact marginal posterior of log RR."""
        self.check_prior(prior)
        return log_linear_posterior(prior, self.data, label=f"{self.name}, {prior.log_rr!r}")

    def reference_checks(
        self, reference: RateRatioReference, fits: dict, level: float = CRED_LEVEL
    ) -> list:
        """The wide-prior bounds against the conditional likelihood and the exact conditional
        interval (:func:`~bayes_trials.endpoints.rates.reference_checks.log_linear_checks`)."""
        return log_linear_checks(self.name, self.data, reference, fits, level)
