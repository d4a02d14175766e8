"""Exact conjugate updating: the oracle every MCMC result is checked against.

:func:`update` dispatches on the data type (:func:`functools.singledispatch`), one method
per likelihood, and returns the prior's kind (RBesT's ``postmix``): a single component stays
single, a mixture stays a mixture of the updated components with reweighted components.
Plain NumPy/SciPy, no PyMC: an exact posterior costs microseconds.
"""

from __future__ import annotations

from functools import singledispatch

import numpy as np
from scipy import stats
from scipy.special import betaln, gammaln, logsumexp

from ._kernels.counts import lgamma_diff, log_beta_ratio
from .data import Binary, Categorical, NormalData, Rate, TimeToEvent
from .distributions import Beta, Dirichlet, Distribution, Gamma, Mixture, Normal, components_of
from .errors import DataError, PriorError


def update(
    prior: Distribution | Dirichlet,
    data: Binary | Rate | TimeToEvent | NormalData | Categorical,
) -> Distribution | Dirichlet:
    """Exact posterior of a (mixture) prior given conjugate data.

    Parameters
    ----------
    prior : Beta, Gamma, Normal, Mixture of one of them, or Dirichlet
    data : Binary (Beta priors), Rate or TimeToEvent (Gamma priors on a rate or an
        exponential hazard), NormalData (Normal priors), Categorical (Dirichlet priors)

    Returns
    -------
    Beta, Gamma, Normal, Mixture or Dirichlet
        The posterior, of the prior's kind: a single component stays single, a mixture
        stays a mixture with reweighted components.

    Raises
    ------
    DataError, PriorError
        Data of a type with no conjugate update, or a prior of the wrong family.

    Notes
    -----
    Binomial data :math:`k \\sim \\text{Bin}(n, \\theta)` and a Beta mixture prior
    :math:`\\sum_j w_j \\text{Beta}(a_j, b_j)` give

    .. math:: \\sum_j w_j' \\, \\text{Beta}(a_j + k, b_j + n - k), \\qquad
              w_j' \\propto w_j \\, \\frac{B(a_j + k, b_j + n - k)}{B(a_j, b_j)}.

    Poisson data :math:`y \\sim \\text{Pois}(\\lambda E)` and a Gamma mixture give
    :math:`\\text{Gamma}(s_j + y, r_j + E)` with
    :math:`w_j' \\propto w_j\\, r_j^{s_j} \\Gamma(s_j + y) / (\\Gamma(s_j) (r_j + E)^{s_j + y})`.
    Right-censored exponential survival data have the likelihood
    :math:`\\lambda^D e^{-\\lambda E}` (:math:`D` events, :math:`E` total time at risk), the
    kernel of a Poisson likelihood, so they update a Gamma prior on the hazard the same way.

    A normal estimate :math:`y \\sim N(\\theta, \\text{se}^2)` and a Normal mixture
    :math:`\\sum_j w_j N(m_j, s_j^2)` give :math:`N(m_j', s_j'^2)` with precision
    :math:`1/s_j'^2 = 1/s_j^2 + 1/\\text{se}^2`, mean
    :math:`m_j' = s_j'^2 (m_j/s_j^2 + y/\\text{se}^2)`, and weights from each component's
    marginal likelihood :math:`w_j' \\propto w_j\\, \\phi(y;\\, m_j,\\, s_j^2 + \\text{se}^2)`.

    Multinomial counts :math:`\\mathbf y` and a Dirichlet(:math:`\\boldsymbol\\alpha`) prior
    give Dirichlet(:math:`\\boldsymbol\\alpha + \\mathbf y`), categories matched by name.

    References
    ----------
    Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B.
    Robust meta-analytic-predictive priors in clinical trials with historical control
    information. Biometrics 2014;70:1023-1032. doi:10.1111/biom.12242

    Example
    -------
    >>> import bayes_trials as bt
    >>> bt.update(bt.Beta(1, 1), bt.Binary(9, 9))
    Beta(a=10, b=1)
    >>> bt.update(bt.Normal(0, 1), bt.NormalData(2.0, 1.0))
    Normal(mean=1, sd=0.7071)
    >>> bt.update(bt.Gamma(1, 12), bt.TimeToEvent([12.0] * 9, [0] * 9))
    Gamma(shape=1, rate=120)
    >>> bt.update(bt.Dirichlet({"CR": 1, "other": 1}), bt.Categorical({"CR": 4, "other": 8}))
    Dirichlet(CR=5, other=9)
    """
    return _update(data, prior)


@singledispatch
def _update(data, prior):
    """The posterior of ``prior`` given ``data``: one registered method per data type."""
    raise DataError(f"cannot update with {type(data).__name__}", field="data")


# --- one component, one likelihood: posterior and log marginal likelihood ---------------
def _family(prior, family: str, data) -> tuple[np.ndarray, tuple]:
    if isinstance(prior, Dirichlet):
        raise PriorError(
            f"a Dirichlet prior is updated by Categorical data, got {type(data).__name__}",
            field="prior",
        )
    weights, comps = components_of(prior)
    if getattr(comps[0], "family", None) != family:
        raise PriorError(
            f"no conjugate update of a {getattr(comps[0], 'family', type(prior).__name__)} "
            f"prior by {type(data).__name__} data",
            field="prior",
        )
    return weights, comps


def _combine(prior, weights, posts, logml):
    """The posterior of the prior's kind: one component, or the reweighted mixture."""
    if not isinstance(prior, Mixture):
        return posts[0]
    with np.errstate(divide="ignore"):
        logw = np.log(weights) + np.asarray(logml)
    new_w = np.exp(logw - logsumexp(logw))
    return Mixture(posts, new_w / new_w.sum())


def log_marginal_likelihoods(prior, data) -> np.ndarray:
    """Each component's log marginal likelihood of the data (up to a data-only constant).

    The posterior mixture weights are :math:`w_j' \\propto w_j\\, e^{\\ell_j}`; see
    :func:`update`.
    """
    return np.asarray(_components(data, prior)[2])


@singledispatch
def _components(data, prior) -> tuple:
    """``(prior weights, posterior components, log marginal likelihoods)`` for the
    likelihoods whose conjugate family updates component by component."""
    raise DataError(f"cannot update a mixture with {type(data).__name__}", field="data")


@_components.register
def _(data: Binary, prior):
    weights, comps = _family(prior, "beta", data)
    k, n = data.events, data.n
    posts = [Beta(c.a + k, c.b + n - k) for c in comps]
    # ln B(a + k, b + n - k) - ln B(a, b), less the component-free ln B(1 + k, 1 + n - k):
    # no term grows with n, so the weights stay exact at any n
    logml = [float(log_beta_ratio(c.a, c.b, k, n) - betaln(c.a, c.b)) for c in comps]
    return weights, posts, logml


@_components.register
def _(data: Rate, prior):
    weights, comps = _family(prior, "gamma", data)
    y, e = data.events, data.exposure
    posts = [Gamma(c.shape + y, c.rate + e) for c in comps]
    # s ln r - ln G(s) + ln G(s + y) - (s + y) ln(r + E), less the component-free
    # ln G(1 + y) - y ln E: exact at any count
    logml = [
        float(
            c.shape * np.log(c.rate)
            - gammaln(c.shape)
            + lgamma_diff(1.0 + y, c.shape - 1.0)
            - c.shape * np.log(p.rate)
            - y * np.log1p(c.rate / e)
        )
        for p, c in zip(posts, comps)
    ]
    return weights, posts, logml


@_components.register
def _(data: TimeToEvent, prior):
    if data.group is not None and len(data.groups) > 1:
        raise DataError("update one group at a time (data.subset(label))", field="group")
    return _components(Rate(data.events, data.exposure), prior)


@_components.register
def _(data: NormalData, prior):
    weights, comps = _family(prior, "normal", data)
    posts, logml = [], []
    for c in comps:
        prec = 1.0 / c.sd**2 + 1.0 / data.se**2
        posts.append(Normal((c.mean / c.sd**2 + data.mean / data.se**2) / prec, prec**-0.5))
        logml.append(float(stats.norm.logpdf(data.mean, c.mean, np.hypot(c.sd, data.se))))
    return weights, posts, logml


for _type in (Binary, Rate, TimeToEvent, NormalData):
    _update.register(_type, lambda data, prior: _combine(prior, *_components(data, prior)))


@_update.register
def _(data: Categorical, prior):
    if isinstance(prior, Mixture) or not isinstance(prior, Dirichlet):
        raise PriorError(
            f"categorical data update a Dirichlet prior, got {type(prior).__name__}", field="prior"
        )
    if set(prior.names) != set(data.names):
        missing = [n for n in data.names if n not in prior.names]
        extra = [n for n in prior.names if n not in data.names]
        raise PriorError(
            f"the prior's categories {list(prior.names)} differ from the data's "
            f"{list(data.names)} (missing from the prior: {missing}; not in the data: {extra})",
            field="prior",
        )
    return Dirichlet({name: prior.concentrations[name] + c for name, c in data.counts.items()})
