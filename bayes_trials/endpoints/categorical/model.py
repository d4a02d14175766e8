"""The PyMC model of response categories: Dirichlet-multinomial, unions as deterministics.

.. math::

    \\mathbf p &\\sim \\text{Dirichlet}(\\boldsymbol\\alpha)\\\\
    \\mathbf y &\\sim \\text{Multinomial}(n, \\mathbf p)\\\\
    \\mathbf p_U &= M \\mathbf p

with :math:`M` the 0/1 membership matrix (unions x categories). The concentrations, the
counts and :math:`M` are ``pm.Data``, so one compiled model serves every prior of every
endpoint with the same numbers of categories and unions (:func:`structure`).

>>> from bayes_trials.data import Categorical
>>> membership(Categorical({"CR": 4, "CRi": 5, "none": 3}), (("CR+CRi", ("CR", "CRi")),))
array([[1., 1., 0.]])
"""

from __future__ import annotations

import numpy as np

KIND = "categorical"


def structure(data, unions) -> tuple:
    """The compile key: the numbers of categories and of unions (the free-parameter shapes)."""
    return (KIND, data.k, len(unions))


def build_model(structure: tuple):
    """Dirichlet-multinomial model; counts, concentrations and union memberships are ``pm.Data``.

    ``p`` has PyMC's simplex transform; the unions are the deterministic
    ``p_union = M @ p`` with ``M`` the 0/1 membership matrix (unions x categories).
    """
    import pymc as pm

    _, k, n_unions = structure
    with pm.Model() as model:
        alpha = pm.Data("prior_alpha", np.ones(k))
        counts = pm.Data("counts", np.ones(k, dtype="int64"))
        membership_ = pm.Data("membership", np.zeros((n_unions, k)))
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
    """Values of the model's ``pm.Data``: the prior's concentrations in the data's order,
    the counts and the membership matrix."""
    conc = prior.concentrations
    return {
        "prior_alpha": np.array([conc[name] for name in data.names], dtype=float),
        "counts": np.array(data.values, dtype="int64"),
        "membership": membership(data, unions),
    }


def draws(data, unions, tree) -> dict:
    """Quantity name -> draws (``xarray.DataArray`` over chain and draw): each category's
    ``p`` and each union's ``p_union``, named as the quantities are."""
    import xarray as xr

    post = tree["posterior"]
    p = np.asarray(post["p"])
    pu = np.asarray(post["p_union"])
    out = {name: xr.DataArray(p[:, :, i], dims=("chain", "draw"))
           for i, name in enumerate(data.names)}
    out.update({label: xr.DataArray(pu[:, :, j], dims=("chain", "draw"))
                for j, (label, _) in enumerate(unions)})
    return out
