"""Exact posteriors of the rate ratio: closed forms and one-dimensional quadrature.

- independent Gamma priors on the two rates: Gamma posteriors (conjugate updating), and the
  rate ratio a scaled beta-prime (:func:`two_rate_posterior`);
- the log-linear model: the baseline rate integrated out analytically, the marginal
  posterior of :math:`\\theta = \\log \\text{RR}` by quadrature (:func:`log_linear_posterior`);
- per-patient counts: the conditional (on each patient's total) likelihood of
  :math:`\\theta` (:func:`conditional_log_likelihood`), and the no-pooling posterior it gives
  with a prior on :math:`\\theta` (:func:`no_pooling_posterior`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaln, logsumexp

from ...conjugate import update
from ...distributions.derived import LogScalePosterior, ratio_of_rates
from .model import mix_arrays

if TYPE_CHECKING:
    from ...data import PrePostRates


def exact_rates(prior, data) -> tuple:
    """The exact posteriors ``(before, after)`` of the two rates under a
    :class:`~bayes_trials.TwoRatePrior`: :math:`\\lambda_p \\mid y \\sim \\text{Gamma}(s_p + y_p,
    r_p + E_p)` (or the reweighted Gamma mixture), independent."""
    return update(prior.before, data.before), update(prior.after, data.after)


def two_rate_posterior(prior, data):
    """The exact posterior of :math:`\\text{RR} = \\lambda_a/\\lambda_b` under independent Gamma
    (mixture) priors: a :class:`~bayes_trials.RateRatioPosterior` (scaled beta-prime) or a
    mixture of them.

    >>> import bayes_trials as bt
    >>> from bayes_trials.endpoints.rates import TwoRatePrior
    >>> post = two_rate_posterior(TwoRatePrior.jeffreys(), bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(5, 10.0)))
    >>> round(float(post.cdf(0.5)), 4)     # Beta(5.5, 30.5) cdf at 0.5 E_a / (0.5 E_a + E_b)
    0.7975
    """
    before, after = exact_rates(prior, data)
    return ratio_of_rates(after, before)


def log_linear_log_density(prior, data):
    """The unnormalised log posterior density of :math:`\\theta = \\log \\text{RR}` (vectorised).

    Notes
    -----
    With :math:`\\lambda_b \\sim \\sum_k w_k\\,\\text{Gamma}(a_k, r_k)`,
    :math:`y_b \\sim \\text{Poisson}(\\lambda_b E_b)` and
    :math:`y_a \\sim \\text{Poisson}(\\lambda_b e^{\\theta} E_a)`, integrating
    :math:`\\lambda_b` out gives

    .. math::

        p(\\theta \\mid y) \\propto p(\\theta)\\, e^{\\theta y_a} \\sum_k w_k\\,
        \\frac{\\Gamma(n + a_k)\\, r_k^{a_k}}{\\Gamma(a_k)\\,(r_k + E_b + e^{\\theta} E_a)^{n + a_k}},
        \\qquad n = y_a + y_b.
    """
    d = data
    y_a, y_b, e_a, e_b = d.after.events, d.before.events, d.after.exposure, d.before.exposure
    n = y_a + y_b
    w, a, r = mix_arrays(prior.baseline, "shape", "rate")
    const = np.log(w) + a * np.log(r) - gammaln(a) + gammaln(n + a)
    log_rr_prior = prior.log_rr

    def log_density(theta):
        theta = np.asarray(theta, dtype=float)
        t = theta[..., None]
        log_denom = np.logaddexp(np.log(r + e_b), t + math.log(e_a))
        lik = logsumexp(const - (n + a) * log_denom, axis=-1)
        return np.asarray(log_rr_prior.logpdf(theta)) + y_a * theta + lik

    return log_density


def log_linear_posterior(prior, data, label: str = "") -> LogScalePosterior:
    """The exact posterior of RR in the log-linear model, by quadrature of
    :func:`log_linear_log_density` (:class:`~bayes_trials.distributions.derived.LogScalePosterior`).

    >>> import bayes_trials as bt
    >>> from bayes_trials.endpoints.rates import log_rr_priors
    >>> data = bt.PrePostRates(bt.Rate(30, 20.0), bt.Rate(5, 10.0))
    >>> round(float(log_linear_posterior(log_rr_priors()["sceptical"], data).cdf(0.5)), 3)
    0.307
    """
    return LogScalePosterior(log_linear_log_density(prior, data), label=label)


def conditional_log_likelihood(data: PrePostRates) -> float | np.ndarray:
    """The conditional Poisson log likelihood of :math:`\\theta = \\log \\text{RR}` (vectorised).

    Given patient :math:`i`'s total :math:`n_i = y_{ib} + y_{ia}`,
    :math:`y_{ia} \\sim \\text{Bin}(n_i, p_i)` with
    :math:`p_i = E_{ia} e^{\\theta} / (E_{ia} e^{\\theta} + E_{ib})`, so

    .. math::

        \\ell(\\theta) = \\sum_i y_{ia}\\,\\theta - n_i \\log(E_{ib} + E_{ia} e^{\\theta})
        + \\text{const}.

    It is also the marginal likelihood of :math:`\\theta` when each patient's log rate before
    has a flat prior (integrate :math:`\\lambda_i` against :math:`d\\lambda_i/\\lambda_i`), so
    :math:`\\ell(\\theta)` times a prior on :math:`\\theta` is the no-pooling Bayesian posterior.
    Patients seen in one period only contribute nothing.

    Example
    -------
    >>> import pandas as pd
    >>> from scipy import stats
    >>> from bayes_trials import PerPatientRates
    >>> df = pd.DataFrame({"patient": [1, 1], "period": ["before", "after"],
    ...                    "events": [4, 1], "exposure": [2.0, 1.0]})
    >>> ll = conditional_log_likelihood(PerPatientRates(df))
    >>> round(float(ll(np.log(0.5)) - ll(0.0)), 4)           # log Bin(1; 5, 1/5) / Bin(1; 5, 1/3)
    0.2185
    >>> round(float(np.log(stats.binom.pmf(1, 5, 1 / 5) / stats.binom.pmf(1, 5, 1 / 3))), 4)
    0.2185
    """
    w = data.wide().dropna()
    ya, yb = w["events_after"].to_numpy(float), w["events_before"].to_numpy(float)
    ea, eb = w["exposure_after"].to_numpy(float), w["exposure_before"].to_numpy(float)
    n = ya + yb

    def ll(theta):
        t = np.asarray(theta, dtype=float)[..., None]
        return np.sum(ya * t - n * np.logaddexp(np.log(eb), t + np.log(ea)), axis=-1)

    return ll


def no_pooling_posterior(data, log_rr) -> LogScalePosterior:
    """Conditional likelihood x a prior on log RR (quadrature): the posterior of RR with flat
    priors on the patients' log rates (:func:`conditional_log_likelihood`)."""
    ll = conditional_log_likelihood(data)
    return LogScalePosterior(lambda t: ll(t) + np.asarray(log_rr.logpdf(t)), label="no pooling")
