"""Hyperpriors of the three-level adverse-event model, and how a spec states them.

:class:`HierarchicalAEPrior` holds the priors of the overall mean logit rate :math:`\\mu`,
the between-group sd :math:`\\tau` and the within-group sds :math:`\\sigma_g` (see
:mod:`bayes_trials.endpoints.adverse_events.model`). A spec states them either in the
endpoint's own ``[endpoints.hierarchical]`` table (with a tag and a rationale; the analysis
named ``hierarchical``) or as named priors of the family ``ae_hierarchical``
(``[priors.<name>]``, listed in the endpoint's ``priors``; one analysis each, for a
sensitivity analysis over hyperpriors)::

    [endpoints.hierarchical]                   # or [priors.<name>] with family = "ae_hierarchical"
    mu = { mean = 0, sd = 2 }                  # Normal prior of mu
    tau = { family = "halfcauchy", scale = 1 } # or a positive number: tau fixed
    sigma = { family = "halfnormal", scale = 1 }
    tag = "assumed"
    rationale = "..."

Omitted fields take the defaults of :class:`HierarchicalAEPrior`. The two tables' schemas:
:class:`HierarchicalTable` and :class:`HierarchicalPriorTable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ... import _validate as v
from ..._schema import Positive, SpecModel, TagName, Text, forms
from ...distributions import HalfCauchy, HalfNormal, Normal
from ...errors import PriorError
from ..table import HalfScale, NormalParams, PriorTable

#: the spec's prior family of the hierarchical model's hyperpriors (``family = "..."``)
FAMILY = "ae_hierarchical"
#: the hyperprior fields, in order
FIELDS = ("mu", "tau", "sigma")


def scale_code(value, name: str) -> tuple[float, float, float, float]:
    """``(is_cauchy, prior scale, is_fixed, fixed value)`` of a scale prior: the values the
    PyMC model's switches take (:meth:`HierarchicalModel.model_inputs`)."""
    if isinstance(value, HalfNormal):
        return 0.0, value.scale, 0.0, 1.0
    if isinstance(value, HalfCauchy):
        return 1.0, value.scale, 0.0, 1.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0.0, 1.0, 1.0, v.positive(value, name, PriorError)
    raise PriorError(
        f"must be HalfNormal, HalfCauchy or a fixed positive number, got {value!r}", field=name
    )


@dataclass(frozen=True)
class HierarchicalAEPrior:
    """Hyperpriors of the three-level adverse-event model (logit scale).

    Parameters
    ----------
    mu : Normal
        Overall mean logit rate :math:`\\mu`. Default ``Normal(0, 2)``: weakly informative,
        95% of its mass on rates 0.02 to 0.98.
    tau : HalfNormal, HalfCauchy or float
        Between-group sd :math:`\\tau`; a float fixes it. Default ``HalfNormal(1)``.
    sigma : HalfNormal, HalfCauchy or float
        Within-group sd :math:`\\sigma_g` (one per group, common prior); a float fixes
        them all. Default ``HalfNormal(1)``: events of a body system within a factor of
        about :math:`e^2` in odds of each other a priori.

    These defaults are assumptions of the analysis, to be varied in a sensitivity analysis
    (half-Cauchy scales as Gelman 2006 suggests for few groups).

    >>> HierarchicalAEPrior(sigma=1e-3)            # events of a group pooled
    HierarchicalAEPrior(mu=Normal(mean=0, sd=2), tau=HalfNormal(scale=1), sigma=0.001)
    """

    mu: Normal = Normal(0.0, 2.0)  # noqa: RUF009 (frozen)
    tau: object = HalfNormal(1.0)
    sigma: object = HalfNormal(1.0)

    def __post_init__(self):
        if not isinstance(self.mu, Normal):
            raise PriorError(f"mu must be a Normal prior, got {self.mu!r}", field="mu")
        scale_code(self.tau, "tau")
        scale_code(self.sigma, "sigma")


# --- the spec forms ---------------------------------------------------------------------
_MU = "Normal prior of mu, the overall mean logit rate (default mean 0, sd 2)."
_SCALE = (
    "{ family = 'halfnormal' | 'halfcauchy', scale = ... }, or a positive number: the sd fixed "
    "(default half-normal(1))."
)
ScaleField = forms(number=Positive, table=HalfScale)


class _Hyperpriors(SpecModel):
    mu: NormalParams | None = Field(None, description=_MU)
    tau: ScaleField | None = Field(
        None, description="Prior of tau, the between-group sd: " + _SCALE
    )
    sigma: ScaleField | None = Field(
        None, description="Prior of sigma, the within-group sd: " + _SCALE
    )

    def prior(self) -> HierarchicalAEPrior:
        """The :class:`HierarchicalAEPrior` (omitted fields: its defaults)."""
        out = {}
        if self.mu is not None:
            out["mu"] = Normal(self.mu.mean, self.mu.sd)
        for key in ("tau", "sigma"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.distribution() if isinstance(value, HalfScale) else value
        return HierarchicalAEPrior(**out)


class HierarchicalTable(_Hyperpriors):
    """``[endpoints.hierarchical]``: the hyperpriors of the three-level model (the analysis named
    ``hierarchical``)."""

    tag: TagName = Field(description="Provenance of the hyperpriors (usually assumed).")
    rationale: Text = Field(description="Why these hyperpriors.")


class HierarchicalPriorTable(PriorTable, _Hyperpriors):
    """``family = "ae_hierarchical"``: hyperpriors of the three-level model as a named prior (one
    analysis each, for a sensitivity analysis over hyperpriors)."""

    family: Literal["ae_hierarchical"] = Field(description='"ae_hierarchical".')


def resolve_hierarchical_prior(table: HierarchicalPriorTable, endpoint) -> HierarchicalAEPrior:
    """The prior of an ``ae_hierarchical`` table (the same for every endpoint).

    >>> t = HierarchicalPriorTable.model_validate({"family": "ae_hierarchical", "tau": 0.5,
    ...     "role": "weakly-informative", "tag": "assumed", "rationale": "x"})
    >>> resolve_hierarchical_prior(t, None).tau
    0.5
    """
    return table.prior()


def hierarchical_from_spec(table: HierarchicalTable | None) -> tuple[HierarchicalAEPrior, str, str]:
    """``[endpoints.hierarchical]`` -> ``(prior, tag, rationale)``; absent: the defaults,
    tagged ``assumed``."""
    if table is None:
        return (
            HierarchicalAEPrior(),
            "assumed",
            (
                "default hyperpriors of HierarchicalAEPrior: "
                "mu ~ Normal(0, 2), tau, sigma ~ HalfNormal(1)"
            ),
        )
    return table.prior(), table.tag, table.rationale
