"""Dirichlet priors of response categories in specs: ``family = "dirichlet"``.

A ``[priors.<name>]`` table with ``family = "dirichlet"`` takes one of

- ``alpha = a``: the symmetric prior, :math:`\\alpha_k = a` for every category (1/2 Jeffreys,
  1 the uniform prior on the simplex);
- ``alpha = { CR = a1, ... }``: the concentrations, one per category;
- ``mean = { CR = m1, ... }`` with ``ess``: :math:`\\alpha_k = \\text{ess}\\, m_k`, the means
  summing to 1;
- ``counts = { CR = y1, ... }`` with ``ess``: :math:`\\alpha_k = \\text{ess}\\, y_k / \\sum_j y_j`,
  a benchmark's category split discounted to ``ess`` patients
  (:meth:`bayes_trials.Dirichlet.from_mean_ess`).

A benchmark that reports fewer categories than the trial needs an assumed split of the
rest: the spec says so in the prior's ``rationale`` and tags it ``assumed``.

Example
-------
>>> from bayes_trials.data import Categorical
>>> from types import SimpleNamespace
>>> ep = SimpleNamespace(data=Categorical({"CR": 4, "CRi": 5, "none": 1}))
>>> params = parse_dirichlet_prior({"family": "dirichlet", "counts": {"CR": 6, "CRi": 2, "none": 2},
...                                 "ess": 5}, "priors.split")
>>> resolve_dirichlet_prior(params, ep)
Dirichlet(CR=3, CRi=1, none=1)
"""

from __future__ import annotations

from ... import _validate as v
from ...distributions import Dirichlet
from ...errors import PriorError, SpecError

#: keys a ``[priors.<name>]`` table with ``family = "dirichlet"`` may hold
DIRICHLET_KEYS = {"family", "role", "tag", "rationale", "source", "alpha", "mean", "counts", "ess"}


def _category_map(raw, where, check) -> dict:
    if not isinstance(raw, dict) or not raw:
        raise SpecError("must be a table { category = number, ... }", field=where)
    return {str(k): check(x, f"{where}.{k}") for k, x in raw.items()}


def parse_dirichlet_prior(raw: dict, where: str) -> dict:
    """Validate a ``[priors.<name>]`` table with ``family = "dirichlet"`` (forms in the module
    docstring). Raises :class:`~bayes_trials.errors.SpecError` naming ``where.<field>``."""
    unknown = sorted(set(raw) - DIRICHLET_KEYS)
    if unknown:
        raise SpecError(f"unknown setting(s) {unknown} for a dirichlet prior; use alpha, "
                        "mean + ess or counts + ess", field=where)
    forms = [k for k in ("alpha", "mean", "counts") if k in raw]
    if len(forms) != 1:
        raise SpecError("a dirichlet prior needs exactly one of alpha, mean (+ ess) or counts (+ ess)"
                        + (f"; got {forms}" if forms else ""), field=where)
    form = forms[0]
    if form == "alpha":
        if "ess" in raw:
            raise SpecError("ess goes with mean or counts, not with alpha", field=f"{where}.ess")
        alpha = raw["alpha"]
        if isinstance(alpha, dict):
            return {"alpha": _category_map(alpha, f"{where}.alpha",
                                           lambda x, f: v.positive(x, f, SpecError))}
        return {"alpha": v.positive(alpha, f"{where}.alpha", SpecError)}
    ess = v.positive(raw.get("ess"), f"{where}.ess", SpecError)
    if form == "mean":
        mean = _category_map(raw["mean"], f"{where}.mean", lambda x, f: v.open_unit(x, f, SpecError))
        total = sum(mean.values())
        if abs(total - 1) > 1e-8:
            raise SpecError(f"category means must sum to 1, they sum to {total:.6g}",
                            field=f"{where}.mean")
        return {"mean": mean, "ess": ess}
    counts = _category_map(raw["counts"], f"{where}.counts",
                           lambda x, f: v.positive(x, f, SpecError))
    total = sum(counts.values())
    return {"mean": {k: c / total for k, c in counts.items()}, "ess": ess, "counts": counts}


def resolve_dirichlet_prior(params: dict, endpoint) -> Dirichlet:
    """The Dirichlet of a parsed prior for ``endpoint``'s categories (in the data's order).

    Raises :class:`~bayes_trials.errors.PriorError` (field ``alpha``, ``mean`` or ``counts``)
    when the prior names other categories than the endpoint's.
    """
    names = list(endpoint.data.names)
    if "alpha" in params and not isinstance(params["alpha"], dict):
        return Dirichlet.reference(names, params["alpha"])
    given = params.get("alpha") or params["mean"]
    key = "alpha" if "alpha" in params else ("counts" if "counts" in params else "mean")
    if set(given) != set(names):
        raise PriorError(f"names categories {sorted(given)}; the endpoint has {names}", field=key)
    if "alpha" in params:
        return Dirichlet({k: given[k] for k in names})
    return Dirichlet({k: params["ess"] * given[k] for k in names})
