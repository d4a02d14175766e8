"""Exact conjugate updating of (mixture) priors: the oracle every MCMC result is checked against.

Plain NumPy/SciPy, no PyMC: an exact posterior costs microseconds.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import betaln, gammaln, logsumexp

from ._counts import lgamma_diff, log_beta_ratio
from .data import Binary, NormalData, Rate
from .errors import DataError, PriorError
from .priors import Beta, Gamma, Mixture, Normal, components_of


def _log_marginal(comp, data) -> tuple[object, float]:
    """Posterior component and log marginal likelihood (up to a data-only constant).

    The data-only constant is chosen so that no term grows with the data: with
    :math:`\\ln\\Gamma` differences computed without cancellation
    (:func:`bayes_trials._counts.lgamma_diff`) the weights stay exact at any ``n`` (plain
    ``betaln`` differences lose :math:`10^{-7}` of a weight at :math:`n = 10^9`).
    """
    if isinstance(data, Binary) and comp.family == "beta":
        k, n = data.events, data.n
        post = Beta(comp.a + k, comp.b + n - k)
        # ln B(a + k, b + n - k) - ln B(a, b), less the component-free ln B(1 + k, 1 + n - k)
        return post, float(log_beta_ratio(comp.a, comp.b, k, n) - betaln(comp.a, comp.b))
    if isinstance(data, Rate) and comp.family == "gamma":
        y, e = data.events, data.exposure
        post = Gamma(comp.shape + y, comp.rate + e)
        # s ln r - ln G(s) + ln G(s + y) - (s + y) ln(r + E), less the component-free
        # ln G(1 + y) - y ln E
        logml = (
            comp.shape * np.log(comp.rate)
            - gammaln(comp.shape)
            + lgamma_diff(1.0 + y, comp.shape - 1.0)
            - comp.shape * np.log(post.rate)
            - y * np.log1p(comp.rate / e)
        )
        return post, float(logml)
    if isinstance(data, NormalData) and comp.family == "normal":
        prec = 1.0 / comp.sd**2 + 1.0 / data.se**2
        post = Normal((comp.mean / comp.sd**2 + data.mean / data.se**2) / prec, prec**-0.5)
        return post, float(stats.norm.logpdf(data.mean, comp.mean, np.hypot(comp.sd, data.se)))
    raise PriorError(
        f"no conjugate update of a {comp.family} prior by {type(data).__name__} data",
        field="prior",
    )


def update(prior, data):
    """Exact posterior of a (mixture) prior given conjugate data.

    Parameters
    ----------
    prior : Beta, Gamma, Normal or Mixture of them
    data : Binary (for Beta priors), Rate (for Gamma priors) or NormalData (for Normal priors)

    Returns
    -------
    Beta, Gamma or Mixture
        The posterior, of the prior's kind: a single component stays single, a mixture
        stays a mixture with reweighted components.

    Notes
    -----
    Binomial data :math:`k \\sim \\text{Bin}(n, \\theta)` and a Beta mixture prior
    :math:`\\sum_j w_j \\text{Beta}(a_j, b_j)` give

    .. math:: \\sum_j w_j' \\, \\text{Beta}(a_j + k, b_j + n - k), \\qquad
              w_j' \\propto w_j \\, \\frac{B(a_j + k, b_j + n - k)}{B(a_j, b_j)}.

    Poisson data :math:`y \\sim \\text{Pois}(\\lambda E)` and a Gamma mixture give
    :math:`\\text{Gamma}(s_j + y, r_j + E)` with
    :math:`w_j' \\propto w_j\\, r_j^{s_j} \\Gamma(s_j + y) / (\\Gamma(s_j) (r_j + E)^{s_j + y})`.

    A normal estimate :math:`y \\sim N(\\theta, \\text{se}^2)` and a Normal mixture
    :math:`\\sum_j w_j N(m_j, s_j^2)` give :math:`N(m_j', s_j'^2)` with precision
    :math:`1/s_j'^2 = 1/s_j^2 + 1/\\text{se}^2`, mean
    :math:`m_j' = s_j'^2 (m_j/s_j^2 + y/\\text{se}^2)`, and weights from each component's
    marginal likelihood :math:`w_j' \\propto w_j\\, \\phi(y;\\, m_j,\\, s_j^2 + \\text{se}^2)`.

    Category counts and a Dirichlet prior give the Dirichlet with the counts added
    (:func:`bayes_trials.dirichlet.update_dirichlet`); censored exponential survival data and
    a Gamma prior on the hazard give Gamma(shape + events, rate + total time at risk)
    (:func:`bayes_trials.endpoints.survival.update_time_to_event`).

    Example
    -------
    >>> from bayes_trials import Beta, Binary, update
    >>> update(Beta(1, 1), Binary(9, 9))
    Beta(a=10, b=1)
    >>> from bayes_trials.data import NormalData
    >>> from bayes_trials.priors import Normal
    >>> update(Normal(0, 1), NormalData(2.0, 1.0))
    Normal(mean=1, sd=0.7071)
    """
    from .dirichlet import Categorical, Dirichlet, update_dirichlet
    from .endpoints.survival import TimeToEvent, update_time_to_event

    if isinstance(prior, Dirichlet) or isinstance(data, Categorical):
        return update_dirichlet(prior, data)
    if isinstance(data, TimeToEvent):
        return update_time_to_event(prior, data)
    if not isinstance(data, (Binary, Rate, NormalData)):
        raise DataError(f"cannot update with {type(data).__name__}", field="data")
    weights, comps = components_of(prior)
    posts, logml = zip(*(_log_marginal(c, data) for c in comps))
    if not isinstance(prior, Mixture):
        return posts[0]
    with np.errstate(divide="ignore"):
        logw = np.log(weights) + np.array(logml)
    new_w = np.exp(logw - logsumexp(logw))
    return Mixture(posts, new_w / new_w.sum())
