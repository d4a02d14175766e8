"""Exact conjugate updating of (mixture) priors: the oracle every MCMC result is checked against.

Plain NumPy/SciPy, no PyMC: an exact posterior costs microseconds.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, logsumexp

from .data import Binary, Rate
from .errors import DataError, PriorError
from .priors import Beta, Gamma, Mixture, components_of


def _log_marginal(comp, data) -> tuple[object, float]:
    """Posterior component and log marginal likelihood (up to a data-only constant)."""
    if isinstance(data, Binary) and comp.family == "beta":
        k, n = data.events, data.n
        post = Beta(comp.a + k, comp.b + n - k)
        return post, float(betaln(post.a, post.b) - betaln(comp.a, comp.b))
    if isinstance(data, Rate) and comp.family == "gamma":
        y, e = data.events, data.exposure
        post = Gamma(comp.shape + y, comp.rate + e)
        logml = (
            comp.shape * np.log(comp.rate)
            - gammaln(comp.shape)
            + gammaln(post.shape)
            - post.shape * np.log(post.rate)
        )
        return post, float(logml)
    raise PriorError(
        f"no conjugate update of a {comp.family} prior by {type(data).__name__} data",
        field="prior",
    )


def update(prior, data):
    """Exact posterior of a (mixture) prior given conjugate data.

    Parameters
    ----------
    prior : Beta, Gamma or Mixture of them
    data : Binary (for Beta priors) or Rate (for Gamma priors)

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

    Example
    -------
    >>> from bayes_trials import Beta, Binary, update
    >>> update(Beta(1, 1), Binary(9, 9))
    Beta(a=10, b=1)
    """
    if not isinstance(data, (Binary, Rate)):
        raise DataError(f"cannot update with {type(data).__name__}", field="data")
    weights, comps = components_of(prior)
    posts, logml = zip(*(_log_marginal(c, data) for c in comps))
    if not isinstance(prior, Mixture):
        return posts[0]
    with np.errstate(divide="ignore"):
        logw = np.log(weights) + np.array(logml)
    new_w = np.exp(logw - logsumexp(logw))
    return Mixture(posts, new_w / new_w.sum())
