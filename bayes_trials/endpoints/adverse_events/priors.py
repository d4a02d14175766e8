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

Omitted fields take the defaults of :class:`HierarchicalAEPrior`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ... import _validate as v
from ...distributions import HalfCauchy, HalfNormal, Normal
from ...errors import PriorError, SpecError
from ...provenance import check_tag

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
    raise PriorError(f"must be HalfNormal, HalfCauchy or a fixed positive number, got {value!r}",
                     field=name)


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
def parse_scale(raw, where: str):
    """``{ family = "halfnormal" | "halfcauchy", scale = ... }`` or a fixed positive number."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return v.positive(raw, where, SpecError)
    if not isinstance(raw, dict):
        raise SpecError("must be { family = 'halfnormal' | 'halfcauchy', scale = ... } or a "
                        "fixed positive number", field=where)
    fam = v.one_of(raw.get("family"), ("halfnormal", "halfcauchy"), f"{where}.family", SpecError)
    scale = v.positive(raw.get("scale"), f"{where}.scale", SpecError)
    return HalfNormal(scale) if fam == "halfnormal" else HalfCauchy(scale)


def parse_hyperpriors(raw: dict, where: str) -> dict:
    """The ``mu``, ``tau``, ``sigma`` fields present in ``raw``, as distributions (or fixed
    numbers): keyword arguments of :class:`HierarchicalAEPrior`."""
    out = {}
    if "mu" in raw:
        mu = raw["mu"]
        if not isinstance(mu, dict):
            raise SpecError("must be { mean = ..., sd = ... }", field=f"{where}.mu")
        out["mu"] = Normal(v.finite_real(mu.get("mean"), f"{where}.mu.mean", SpecError),
                           v.positive(mu.get("sd"), f"{where}.mu.sd", SpecError))
    for key in ("tau", "sigma"):
        if key in raw:
            out[key] = parse_scale(raw[key], f"{where}.{key}")
    return out


def parse_hierarchical_prior(raw: dict, where: str) -> dict:
    """A ``[priors.<name>]`` table with ``family = "ae_hierarchical"`` (the spec loader has
    checked its role, tag and rationale): the keyword arguments of the prior.

    >>> parse_hierarchical_prior({"family": "ae_hierarchical", "tau": 0.5}, "priors.h")
    {'tau': 0.5}
    """
    unknown = sorted(set(raw) - {"family", "role", "tag", "rationale", *FIELDS})
    if unknown:
        raise SpecError(f"unknown field(s) {unknown}; an {FAMILY} prior takes {list(FIELDS)}",
                        field=f"{where}.{unknown[0]}")
    return parse_hyperpriors(raw, where)


def resolve_hierarchical_prior(params: dict, endpoint) -> HierarchicalAEPrior:
    """The prior of a parsed ``ae_hierarchical`` table (the same for every endpoint)."""
    return HierarchicalAEPrior(**params)


def hierarchical_from_spec(raw) -> tuple[HierarchicalAEPrior, str, str]:
    """``[endpoints.hierarchical]`` -> ``(prior, tag, rationale)``; absent: the defaults,
    tagged ``assumed``."""
    if raw is None:
        return HierarchicalAEPrior(), "assumed", ("default hyperpriors of HierarchicalAEPrior: "
                                                  "mu ~ Normal(0, 2), tau, sigma ~ HalfNormal(1)")
    if not isinstance(raw, dict):
        raise SpecError("must be a table (mu, tau, sigma, tag, rationale)", field="hierarchical")
    unknown = sorted(set(raw) - {*FIELDS, "tag", "rationale", "source"})
    if unknown:
        raise SpecError(f"unknown setting(s) {unknown}", field="hierarchical")
    tag = check_tag(raw.get("tag"), "hierarchical.tag")
    rationale = raw.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise SpecError("the hierarchical model's hyperpriors need a 'rationale'",
                        field="hierarchical.rationale")
    return HierarchicalAEPrior(**parse_hyperpriors(raw, "hierarchical")), tag, rationale
