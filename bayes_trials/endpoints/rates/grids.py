"""What prior-sensitivity analyses need from the rate-ratio kind, as plain functions.

The grid prior of a rate-ratio endpoint is a Normal (or robust Normal mixture) on the log rate
ratio in the log-linear model,

.. math::

    \\theta = \\log\\text{RR} \\sim (1 - w)\\, N(\\mu, s^2) + w\\, N(\\mu, 2), \\qquad
    \\lambda_b \\sim \\text{Gamma}(1/2, 10^{-6}),

the robust component carrying the information of one event in each period (variance
:math:`1/1 + 1/1 = 2`); the exact posterior is one-dimensional quadrature
(:func:`~bayes_trials.endpoints.rates.exact.log_linear_posterior`). Priors on the two rates
(:class:`~bayes_trials.TwoRatePrior`) keep the beta-prime posterior.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats

from ..._constants import CRED_LEVEL
from ...data import PrePostRates, Rate
from ...distributions import Mixture, Normal
from ...errors import PriorError
from ..grids import PriorGrid
from .endpoint import LogRateRatioEndpoint, RateRatioEndpoint
from .priors import REFERENCE_LOG_RR_SD, LogRRPrior, TwoRatePrior
from .scenarios import scenario_counts

#: variance of the unit-information robust component of a log-RR prior (one event per period)
UNIT_INFO_VAR_LOG_RR = 2.0


def log_rr_endpoint(endpoint) -> LogRateRatioEndpoint:
    """The log-linear (:class:`~bayes_trials.LogRateRatioEndpoint`) twin of a rate-ratio endpoint."""
    if isinstance(endpoint, LogRateRatioEndpoint):
        return endpoint
    return LogRateRatioEndpoint(
        endpoint.name,
        endpoint.data,
        target=endpoint.target,
        direction=endpoint.direction,
        label=endpoint.label,
    )


def two_rate_endpoint(endpoint) -> RateRatioEndpoint:
    """The two-rate (:class:`~bayes_trials.RateRatioEndpoint`) twin of a rate-ratio endpoint."""
    if isinstance(endpoint, RateRatioEndpoint):
        return endpoint
    return RateRatioEndpoint(
        endpoint.name,
        endpoint.data,
        target=endpoint.target,
        direction=endpoint.direction,
        label=endpoint.label,
    )


def as_rate_prior(prior):
    """A bare Normal (mixture) is taken as a log-RR prior (:class:`LogRRPrior`); other priors as given."""
    if getattr(prior, "family", None) == "normal":
        return LogRRPrior(prior)
    return prior


def endpoint_for(endpoint, prior):
    """The endpoint object whose model takes ``prior`` (a log-RR prior needs the log-linear model)."""
    if isinstance(prior, LogRRPrior):
        return log_rr_endpoint(endpoint)
    if isinstance(prior, TwoRatePrior):
        return two_rate_endpoint(endpoint)
    raise PriorError(
        f"a rate-ratio endpoint takes a LogRRPrior or a TwoRatePrior, got {prior!r}",
        endpoint=endpoint.name,
        field="priors",
    )


def grid_prior(
    mean: float, strength: float, robust_weight: float = 0.0, strength_axis: str = "sd"
) -> LogRRPrior:
    """The log-RR prior of one grid point: location ``mean`` (log scale), sd ``strength``
    (or, with ``strength_axis="ess"``, :math:`s = 2/\\sqrt{e}` for :math:`e` events split
    evenly), robust weight ``w`` on the unit-information component.

    >>> grid_prior(0.0, 0.5).log_rr
    Normal(mean=0, sd=0.5)
    >>> grid_prior(-0.5, 16, 0.2, "ess").log_rr
    Mixture(0.8*Normal(mean=-0.5, sd=0.5), 0.2*Normal(mean=-0.5, sd=1.414))
    """
    sd = strength if strength_axis == "sd" else 2.0 / math.sqrt(strength)
    base = Normal(mean, sd)
    if robust_weight > 0:
        base = Mixture(
            [base, Normal(mean, math.sqrt(UNIT_INFO_VAR_LOG_RR))],
            [1 - robust_weight, robust_weight],
        )
    return LogRRPrior(base)


def tipping_prior(centre: float, weight: float, sceptic_events: float) -> LogRRPrior:
    """The sceptical mixture of a weight tipping point: weight ``weight`` on
    :math:`N(\\text{centre}, 4/e)` (the information of ``sceptic_events`` events :math:`e`),
    the rest on the wide reference :math:`N(\\text{centre}, 10^2)`."""
    return LogRRPrior(
        Mixture(
            [Normal(centre, 2.0 / math.sqrt(sceptic_events)), Normal(centre, REFERENCE_LOG_RR_SD)],
            [weight, 1 - weight],
        )
    )


def exact_summary(endpoint, prior, level: float = CRED_LEVEL) -> dict:
    """Exact posterior mean, ETI, :math:`P(\\text{RR} \\text{ beyond target})` (``prob``) and
    :math:`P(\\text{RR} < 1)` (``prob_null``; ``>`` for ``direction="greater"``) under one prior.

    >>> import bayes_trials as bt
    >>> ep = bt.RateRatioEndpoint("x", bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(5, 10.0)), target=0.5)
    >>> round(exact_summary(ep, grid_prior(0.0, 0.4214))["prob"], 3)
    0.307
    """
    ep = endpoint_for(endpoint, as_rate_prior(prior))
    post = ep.exact_posterior(as_rate_prior(prior))
    tail = (1 - level) / 2
    return {
        "post_mean": float(post.mean),
        "eti_low": float(post.ppf(tail)),
        "eti_high": float(post.ppf(1 - tail)),
        "prob": float(ep.tail_probability(post)),
        "prob_null": float(post.cdf(1.0) if ep.direction == "less" else post.sf(1.0)),
    }


def log_rr_tail_probability(
    data: PrePostRates, log_rr, target: float, direction: str = "less", baseline=None
) -> float:
    """:math:`P(\\text{RR} < \\text{target} \\mid y)` (``>`` for ``"greater"``) in the log-linear
    model with the prior ``log_rr`` (a Normal or Normal mixture) on log RR, exactly (quadrature).

    >>> import bayes_trials as bt
    >>> d = bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(5, 10.0))
    >>> round(log_rr_tail_probability(d, bt.Normal(0, 0.4214), 0.5), 3)
    0.307
    """
    prior = LogRRPrior(log_rr) if baseline is None else LogRRPrior(log_rr, baseline)
    ep = LogRateRatioEndpoint("tail", data, target=target, direction=direction)
    return float(ep.tail_probability(ep.exact_posterior(prior)))


def shifted_data(endpoint, j: int) -> PrePostRates | None:
    """The data with ``j`` events more after (``direction="less"``: against a reduction) or fewer
    (``"greater"``); None when that would be negative. The fragility of a rate-ratio conclusion."""
    d = endpoint.data
    y = d.after.events + (j if endpoint.direction == "less" else -j)
    if y < 0:
        return None
    return PrePostRates(d.before, Rate(y, d.after.exposure))


def scenario_cases(endpoint, published_reduction: float, grid=None) -> list:
    """``[(label, endpoint)]``: the endpoint on each assumed scenario of its spec's grid
    (:class:`~bayes_trials.endpoints.rates.scenarios.ScenarioGrid`; default the endpoint's own
    ``scenarios``), counts from :func:`scenario_counts` with ``adjust="exposure_after"``."""
    grid = grid if grid is not None else getattr(endpoint, "scenarios", None)
    if grid is None:
        return []
    out = []
    for e_b in grid.exposure_before:
        for e_a in grid.exposure_after:
            for y_b in grid.events_before:
                sc = scenario_counts(published_reduction, e_b, e_a, y_b, adjust="exposure_after")
                out.append(
                    (
                        f"scenario y_b={sc.events_before}, E_b={e_b:g}, E_a={sc.exposure_after:g}",
                        replace(endpoint, data=sc.data),
                    )
                )
    return out


class LogRRGrid(PriorGrid):
    """Prior grids of a rate-ratio endpoint (see the module docstring): location ``mean`` on
    the log scale, strength ``sd`` (or ``ess`` in events), robust weight; tipping points over
    the sd of a sceptical Normal centred on log RR 0; fragility one event more after."""

    name = "rate_ratio"
    families = ("normal",)
    default_grid = {
        "family": ["normal"],
        "mean": [round(x, 2) for x in np.linspace(-1, 1, 9)],
        "sd": [0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0],
        "robust_weight": [0.0, 0.2, 0.5],
    }
    default_threshold = 0.9
    default_over = "sd"
    overs = ("ess", "sd", "weight")
    parameter_label = "RR"
    strength_unit = "events"
    mean_label = "prior mean (log RR)"

    def mean_text(self, mean: float) -> str:
        return f"{mean:g} (RR {math.exp(mean):.2g})"

    def check_means(self, means, field: str) -> None:
        """Any real location is a log rate ratio."""

    def check_axes(self, axes: dict, where: str) -> None:
        """Every combination of a location and a positive sd is a Normal prior."""

    def prior(self, family, mean, strength, robust_weight=0.0, strength_axis="sd"):
        return grid_prior(mean, strength, robust_weight, strength_axis)

    def as_prior(self, endpoint, prior):
        return as_rate_prior(prior)

    def exact_summary(self, endpoint, prior, level, data=None) -> dict:
        if data is not None:
            endpoint = replace(endpoint, data=data)
        return exact_summary(endpoint, prior, level)

    def sampled(self, endpoint, prior):
        return endpoint_for(endpoint, as_rate_prior(prior))

    def extra_targets(self, endpoint) -> dict:
        return {"prob_null": 1.0}

    def tipping_defaults(self, endpoint) -> dict:
        return {"centre": 0.0, "sceptic_strength": max(endpoint.data.total_events, 1)}

    def sceptic(self, over, x, centre, sceptic_strength):
        if over == "weight":
            return tipping_prior(centre, x, sceptic_strength)
        return grid_prior(centre, x, 0.0, over)

    def tipping_cases(self, endpoint_spec, settings: dict | None = None) -> list:
        """The endpoint's scenario grid (``settings`` may replace ``events_before``,
        ``exposure_before``, ``exposure_after``), for a published percent reduction."""
        reduction = next(
            (p.value for p in endpoint_spec.published if p.quantity == "percent_reduction"), None
        )
        grid = getattr(endpoint_spec.endpoint, "scenarios", None)
        if reduction is None or grid is None:
            return []
        if settings:
            grid = replace(grid, **{k: tuple(v) for k, v in settings.items()})
        return scenario_cases(endpoint_spec.endpoint, reduction, grid)

    def tipping_extras(self, endpoint, tipping_point) -> dict:
        """The tipping sd as events' worth of information (:math:`4/s^2`) and the sceptical
        prior's own :math:`P(\\text{RR} < \\text{target})`."""
        if tipping_point.over != "sd" or not np.isfinite(tipping_point.value):
            return {}
        return {
            "ess_events": 4.0 / tipping_point.value**2,
            "prior_prob_target": float(
                stats.norm.cdf(math.log(endpoint.target), tipping_point.centre, tipping_point.value)
            ),
        }

    def shifted(self, endpoint, changes):
        return shifted_data(endpoint, changes)

    def max_changes(self, endpoint) -> int:
        return 20

    def describe(self, data) -> str:
        return f"{data.before.events}/{data.before.exposure:g} -> {data.after.events}/{data.after.exposure:g}"
