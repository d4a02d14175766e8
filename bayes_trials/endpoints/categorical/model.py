"""The PyMC model of response categories: Dirichlet-multinomial, unions as deterministics.

.. math::

    \\mathbf p &\\sim \\text{Dirichlet}(\\boldsymbol\\alpha)\\\\
    \\mathbf y &\\sim \\text{Multinomial}(n, \\mathbf p)\\\\
    \\mathbf p_U &= M \\mathbf p

with :math:`M` the 0/1 membership matrix (unions x categories). The concentrations, the
counts and the rows of :math:`M` are the rows of one ``pm.Data`` array (:func:`layout`), so
one compiled model serves every prior of every endpoint with the same numbers of categories
and unions (:func:`structure`).

>>> from bayes_trials.data import Categorical
>>> membership(Categorical({"CR": 4, "CRi": 5, "none": 3}), (("CR+CRi", ("CR", "CRi")),))
array([[1., 1., 0.]])
"""

from __future__ import annotations

import numpy as np

from ...fit import Inputs

KIND = "categorical"


def layout(n_unions: int) -> Inputs:
    """The rows of the model's one ``pm.Data`` array: the prior's concentrations, the counts
    and one membership row per union (all in the data's category order)."""
    return Inputs(prior_alpha=1.0, counts=0.0, **{f"membership_{j}": 0.0 for j in range(n_unions)})


def structure(data, unions) -> tuple:
    """The compile key: the numbers of categories and of unions (the free-parameter shapes)."""
    return (KIND, data.k, len(unions))


def build_model(structure: tuple):
    """Dirichlet-multinomial model; counts, concentrations and union memberships are the rows
    of one ``pm.Data`` array (:func:`layout`).

    ``p`` has PyMC's simplex transform; the unions are the deterministic
    ``p_union = M @ p`` with ``M`` the 0/1 membership matrix (unions x categories).
    """
    import pymc as pm
    import pytensor.tensor as pt

    _, k, n_unions = structure
    rows = layout(n_unions)
    with pm.Model() as model:
        d = rows.declare(width=k)
        alpha = d["prior_alpha"]
        counts = rows.counts(d["counts"])
        membership_ = (
            pt.stack([d[f"membership_{j}"] for j in range(n_unions)])
            if n_unions
            else pt.zeros((0, k))
        )
        p = pm.Dirichlet("p", a=alpha)
        pm.Deterministic("p_union", pm.math.dot(membership_, p))
        pm.Multinomial("y", n=counts.sum(), p=p, observed=counts)
    return model


def membership(data, unions) -> np.ndarray:
    """0/1 matrix, unions x categories (in the data's order)."""
    m = np.zeros((len(unions), data.k))
    for i, (_, members) in enumerate(unions):
        for name in members:
            m[i, data.names.index(name)] = 1.0
    return m


def model_inputs(data, unions, prior) -> dict:
    """The value of the model's ``pm.Data``: the prior's concentrations in the data's order,
    the counts and the membership matrix's rows."""
    conc = prior.concentrations
    m = membership(data, unions)
    return layout(len(unions)).pack(
        prior_alpha=[conc[name] for name in data.names],
        counts=data.values,
        **{f"membership_{j}": m[j] for j in range(len(unions))},
    )


def draws(data, unions, tree) -> dict:
    """Quantity name -> draws (``xarray.DataArray`` over chain and draw): each category's
    ``p`` and each union's ``p_union``, named as the quantities are."""
    import xarray as xr

    post = tree["posterior"]
    p = np.asarray(post["p"])
    pu = np.asarray(post["p_union"])
    out = {
        name: xr.DataArray(p[:, :, i], dims=("chain", "draw")) for i, name in enumerate(data.names)
    }
    out.update(
        {
            label: xr.DataArray(pu[:, :, j], dims=("chain", "draw"))
            for j, (label, _) in enumerate(unions)
        }
    )
    return out
