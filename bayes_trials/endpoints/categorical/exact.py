"""Exact posteriors of response categories: the Dirichlet, its Beta marginals, the unions.

Dirichlet-multinomial conjugacy (:func:`bayes_trials.update`):
:math:`\\mathbf p \\mid \\mathbf y \\sim \\text{Dirichlet}(\\boldsymbol\\alpha + \\mathbf y)`.
A category :math:`k` has the marginal posterior
:math:`\\text{Beta}(\\alpha_k + y_k, \\sum_{j \\ne k} \\alpha_j + y_j)`. A union :math:`U` of
categories has

.. math:: p_U \\mid \\mathbf y \\sim \\text{Beta}\\Big(\\sum_{k\\in U} \\alpha_k + y_k,\\;
          \\sum_{k\\notin U} \\alpha_k + y_k\\Big),

the posterior the *binary* analysis of the union (:math:`y_U` of :math:`n`) gives under the
aggregated prior :math:`\\text{Beta}(\\sum_{k\\in U}\\alpha_k, \\sum_{k\\notin U}\\alpha_k)`
(the aggregation property of the Dirichlet). The unions' exact posteriors are computed that
second way (:func:`binary_posterior`, a Beta-binomial update), a code path independent of
:meth:`~bayes_trials.distributions.Dirichlet.marginal`, so that the MCMC draws of the
Dirichlet model checked against them also check the aggregation property.

>>> from bayes_trials.data import Categorical
>>> from bayes_trials.distributions import Dirichlet
>>> data = Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0})
>>> prior = Dirichlet.reference(data.names, 0.5)
>>> aggregated_prior(prior, ("CR", "CRi")), binary_posterior(data, prior, ("CR", "CRi"))
(Beta(a=1, b=1), Beta(a=10, b=4))
"""

from __future__ import annotations

from ...conjugate import update
from ...distributions import Beta


def aggregated_prior(prior, members) -> Beta:
    """The Beta prior a binary analysis of the union uses: (sum inside, sum outside) of the
    Dirichlet's concentrations."""
    conc = prior.concentrations
    inside = float(sum(conc[m] for m in members))
    return Beta(inside, prior.ess - inside)


def binary_posterior(data, prior, members) -> Beta:
    """The binary analysis of a union: conjugate update of the aggregated Beta prior by the
    union's counts (:func:`bayes_trials.update`)."""
    return update(aggregated_prior(prior, members), data.union(members))


def union_label(data, prior, members) -> str:
    """What a union's exact posterior is, as the MCMC-vs-exact checks name it."""
    b = data.union(members)
    return f"binary analysis of {b.events}/{b.n} under {aggregated_prior(prior, members)!r}"


#: what a category's exact posterior is, as the MCMC-vs-exact checks name it
CATEGORY_LABEL = "Dirichlet marginal"


def exact_posteriors(data, unions, prior) -> dict:
    """Quantity name -> exact Beta posterior: each category's Dirichlet marginal, each
    union's binary analysis (the same Beta, see the module docstring)."""
    post = update(prior, data)
    out = {name: post.marginal([name]) for name in data.names}
    out.update({label: binary_posterior(data, prior, members) for label, members in unions})
    return out
