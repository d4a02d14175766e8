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
>>> table = DirichletPriorTable.model_validate({"family": "dirichlet", "counts": {"CR": 6, "CRi": 2,
...     "none": 2}, "ess": 5, "role": "enthusiastic", "tag": "assumed", "rationale": "a split"})
>>> resolve_dirichlet_prior(table, ep)
Dirichlet(CR=3, CRi=1, none=1)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..._schema import Positive, Probability, forms
from ...distributions import Dirichlet
from ...errors import PriorError
from ..table import PriorTable


class DirichletPriorTable(PriorTable):
    """``family = "dirichlet"``: a Dirichlet prior on the categories' probabilities (one of
    ``alpha``, ``mean`` with ``ess``, ``counts`` with ``ess``)."""

    family: Literal["dirichlet"] = Field(description='"dirichlet".')
    alpha: forms(number=Positive, table=dict[str, Positive]) | None = Field(
        None,
        description=(
            "The concentrations: one number for every category (1/2 Jeffreys, 1 uniform), or "
            "{ CR = a1, ... }, one per category."
        ),
    )
    mean: dict[str, Probability] | None = Field(
        None, description=("The prior means { CR = m1, ... }, summing to 1 (with ess).")
    )
    counts: dict[str, Positive] | None = Field(
        None,
        description=(
            "A benchmark's category split { CR = y1, ... }, discounted to ess patients (with ess)."
        ),
    )
    ess: Positive | None = Field(
        None, description="The prior's weight in patients (with mean or counts)."
    )

    @field_validator("alpha", "mean", "counts")
    @classmethod
    def _not_empty(cls, value):
        if isinstance(value, dict) and not value:
            raise PydanticCustomError(
                "empty",
                "{reason}",
                {"reason": "must name the categories: { category = number, ... }"},
            )
        return value

    @field_validator("mean")
    @classmethod
    def _sums_to_one(cls, mean):
        total = sum(mean.values())
        if abs(total - 1) > 1e-8:
            raise PydanticCustomError(
                "mean_sum",
                "{reason}",
                {"reason": f"category means must sum to 1, they sum to {total:.6g}"},
            )
        return mean

    @model_validator(mode="after")
    def _one_form(self):
        forms_given = [k for k in ("alpha", "mean", "counts") if getattr(self, k) is not None]
        if len(forms_given) != 1:
            raise PydanticCustomError(
                "dirichlet_form",
                "{reason}",
                {
                    "reason": "a dirichlet prior needs exactly one of alpha, mean (+ ess) or counts (+ ess)"
                    + (f"; got {forms_given}" if forms_given else "")
                },
            )
        if forms_given == ["alpha"] and self.ess is not None:
            raise PydanticCustomError(
                "dirichlet_form",
                "{reason}",
                {"reason": "ess goes with mean or counts, not with alpha"},
            )
        if forms_given != ["alpha"] and self.ess is None:
            raise PydanticCustomError(
                "dirichlet_form",
                "{reason}",
                {"reason": f"{forms_given[0]} needs ess, the prior's weight in patients"},
            )
        return self


def resolve_dirichlet_prior(table: DirichletPriorTable, endpoint) -> Dirichlet:
    """The Dirichlet of a ``dirichlet`` prior for ``endpoint``'s categories (in the data's order).

    Raises :class:`~bayes_trials.errors.PriorError` (field ``alpha``, ``mean`` or ``counts``)
    when the prior names other categories than the endpoint's.
    """
    names = list(endpoint.data.names)
    if table.alpha is not None and not isinstance(table.alpha, dict):
        return Dirichlet.reference(names, table.alpha)
    key = "alpha" if table.alpha is not None else ("counts" if table.counts is not None else "mean")
    given = getattr(table, key)
    if set(given) != set(names):
        raise PriorError(f"names categories {sorted(given)}; the endpoint has {names}", field=key)
    if key == "alpha":
        return Dirichlet({k: given[k] for k in names})
    mean = table.mean if key == "mean" else {k: c / sum(given.values()) for k, c in given.items()}
    return Dirichlet({k: table.ess * mean[k] for k in names})
