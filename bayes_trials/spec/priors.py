"""Named priors of a spec: ``[priors.<name>]`` tables, their schema, resolved per endpoint.

Forms every spec knows: ``reference = "<name>"`` (uniform / Jeffreys Beta, and the
references the kinds add), ``family = "beta"`` (``a``, ``b`` or ``mean``, ``ess``; ``mean =
"target"`` centres it on each endpoint's target), ``family = "mixture"`` (Beta components
and weights), ``robustify = "<prior>"`` (another named prior with a vague component of
weight ``weight``) and ``[priors.<name>.map]`` (a meta-analytic-predictive prior from a
table of historical studies, fitted with PyMC when first used). Endpoint kinds add their
own families (:data:`bayes_trials.endpoints.registry.KINDS`, ``PriorFamily.schema``).

:data:`PriorUnion` is the schema of one ``[priors.<name>]`` table: the union of every form,
told apart by the key that names it (``reference``, ``robustify``, ``map``, else ``family``).

Example
-------
>>> from bayes_trials._schema import validate
>>> table, found = validate(PriorUnion, {"family": "beta", "mean": "target", "ess": 9,
...                                      "role": "sceptical", "tag": "assumed", "rationale": "x"})
>>> build_prior("sceptical", table).params
{'kind': 'beta', 'mean': 'target', 'ess': 9.0}
>>> validate(PriorUnion, {"family": "beta", "a": 1, "b": 1, "Role": "reference", "tag": "assumed",
...                        "rationale": "x"})[1]
[(('Role',), "unknown field; did you mean 'role'?")]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union

import pandas as pd
from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .._schema import Count, Positive, Probability, SpecModel, TagName, Text, did_you_mean, forms
from ..data import Binary
from ..distributions import REFERENCE_PRIORS, Beta, Mixture, robustify
from ..endpoints.registry import prior_families, references
from ..endpoints.table import HalfScale, PriorTable
from ..errors import BayesTrialsError, DataError, SpecError
from ..fit import derive_seed
from ..map_prior import map_prior, validate_table

#: fitted MAP priors, per process: (prior name, table, settings) -> MAPPrior
_MAP_CACHE: dict = {}


@dataclass(frozen=True)
class PriorSpec:
    """A named prior of the spec.

    Kinds (``params["kind"]``): ``reference`` (uniform / Jeffreys), ``beta`` (``a``, ``b`` or
    ``mean``, ``ess``; ``mean = "target"`` centres it on each endpoint's target),
    ``mixture`` (Beta components and weights), ``robustify`` (another named prior with a
    vague component of weight ``weight``) and ``map`` (a meta-analytic-predictive prior
    from a table of historical studies, fitted with PyMC when first used).
    """

    name: str
    role: str
    tag: str
    rationale: str
    params: dict

    def depends_on(self) -> str | None:
        return self.params.get("prior") if self.params["kind"] == "robustify" else None

    def family(self, registry: dict) -> str:
        """The endpoint prior family this prior serves: ``"beta"`` (a probability), or the
        family a kind's prior serves (``"rates"`` for a pair of Poisson rates, ...)."""
        kind = self.params["kind"]
        if kind == "robustify":
            return registry[self.params["prior"]].family(registry)
        if kind == "reference":
            return (
                references()[self.params["reference"]][1]
                if self.params["reference"] in references()
                else "beta"
            )
        if kind == "custom":
            return prior_families()[self.params["family"]].takes
        return "beta"

    def resolve(self, endpoint, registry: dict, *, fit: bool = True, seed: int = 0):
        """The distribution for ``endpoint``; with ``fit=False`` MAP priors are only validated."""
        p = self.params
        kind = p["kind"]
        if kind == "reference":
            name = p["reference"]
            return references()[name][0]() if name in references() else REFERENCE_PRIORS[name]
        if kind == "custom":
            return prior_families()[p["family"]].resolve(p["params"], endpoint)
        if kind == "beta":
            return self._beta(p, endpoint)
        if kind == "mixture":
            return Mixture([self._beta(c, endpoint) for c in p["components"]], p["weights"])
        if kind == "robustify":
            base = registry[p["prior"]].resolve(endpoint, registry, fit=fit, seed=seed)
            if base is None:
                return None
            return robustify(base, p["weight"], mean=p.get("mean"))
        # map
        if not fit:
            return None
        key = (self.name, p["table"].to_json(), repr(p["tau_prior"]), seed)
        if key not in _MAP_CACHE:
            _MAP_CACHE[key] = map_prior(
                p["table"],
                family="binomial",
                tau_prior=p["tau_prior"],
                seed=derive_seed(seed, "map", self.name),
            )
        return _MAP_CACHE[key].mixture

    def map_result(self, seed: int = 0):
        """The fitted :class:`~bayes_trials.map_prior.MAPPrior` (MAP priors only, once fitted)."""
        p = self.params
        key = (self.name, p["table"].to_json(), repr(p["tau_prior"]), seed)
        return _MAP_CACHE.get(key)

    def _beta(self, p, endpoint):
        if "a" in p:
            return Beta(p["a"], p["b"])
        mean = p["mean"]
        if mean == "target":
            if endpoint.target is None:
                raise SpecError(
                    f"prior {self.name!r} is centred on the target, but the endpoint has none",
                    endpoint=endpoint.name,
                    field="priors",
                )
            mean = endpoint.target
        return Beta.from_mean_ess(mean, p["ess"])


# =====================================================================================
# the schema of the forms every spec knows
# =====================================================================================
class BetaParams(SpecModel):
    """A Beta distribution by ``a`` and ``b``, or by ``mean`` and ``ess`` (``mean = "target"``:
    centred on each endpoint's target)."""

    a: Positive | None = Field(None, description="First shape parameter (with b).")
    b: Positive | None = Field(None, description="Second shape parameter (with a).")
    mean: forms(number=Probability, text=Literal["target"]) | None = Field(
        None, description='Prior mean in (0, 1), or "target": each endpoint\'s target (with ess).'
    )
    ess: Positive | None = Field(
        None, description="Effective sample size: the prior's weight in patients (with mean)."
    )

    @model_validator(mode="after")
    def _one_form(self):
        ab = (self.a is not None, self.b is not None)
        me = (self.mean is not None, self.ess is not None)
        if (all(ab) and not any(me)) or (all(me) and not any(ab)):
            return self
        given = [k for k in ("a", "b", "mean", "ess") if getattr(self, k) is not None]
        raise PydanticCustomError(
            "beta_form",
            "{reason}",
            {
                "reason": f"a Beta needs a and b, or mean and ess; got {', '.join(given) or 'none of them'}"
            },
        )

    def params(self) -> dict:
        return (
            {"a": self.a, "b": self.b}
            if self.a is not None
            else {"mean": self.mean, "ess": self.ess}
        )


class ReferencePrior(PriorTable):
    """A named reference prior (uniform Beta(1, 1), Jeffreys Beta(1/2, 1/2), and the references
    the kinds add)."""

    reference: Literal[(*REFERENCE_PRIORS, *references())] = Field(description="Its name.")


class BetaPrior(PriorTable, BetaParams):
    """``family = "beta"``: a Beta prior of a probability."""

    family: Literal["beta"] = Field(description='"beta".')


class MixturePrior(PriorTable):
    """``family = "mixture"``: a mixture of Beta priors."""

    family: Literal["mixture"] = Field(description='"mixture".')
    components: list[BetaParams] = Field(
        min_length=1, description="The Beta components, each { a, b } or { mean, ess }."
    )
    weights: list[Probability] = Field(description="One weight per component, summing to 1.")

    @field_validator("weights")
    @classmethod
    def _weights(cls, weights, info):
        comps = info.data.get("components")
        if comps is not None and len(weights) != len(comps):
            raise PydanticCustomError(
                "weights", "{reason}", {"reason": "needs one weight per component"}
            )
        try:
            Mixture([Beta(1, 1)] * len(weights), weights)
        except BayesTrialsError as err:
            raise PydanticCustomError("weights", "{reason}", {"reason": err.reason}) from None
        return weights


class RobustifyPrior(PriorTable):
    """``robustify = "<prior>"``: another named prior with a vague component of weight ``weight``
    (RBesT's robustify)."""

    robustify: Text = Field(description="The prior to robustify (a [priors.<name>] of the spec).")
    weight: Probability = Field(description="Weight of the vague component.")
    mean: Probability | None = Field(
        None, description="Mean of the vague component (default: the prior's own mean)."
    )


class HistoricalStudy(SpecModel):
    """One historical study of a MAP prior."""

    study: Text = Field(description="The study's name.")
    n: Count = Field(description="Its patients.")
    events: Count = Field(description="Its patients with the event.")
    tag: TagName = Field(description="Provenance of its counts.")
    source: Text = Field(description="Where its counts come from.")


class MapTable(SpecModel):
    """``[priors.<name>.map]``: the historical studies and the heterogeneity prior."""

    studies: list[HistoricalStudy] = Field(min_length=1, description="The historical studies.")
    tau: HalfScale = Field(
        HalfScale(family="halfnormal", scale=1.0),
        description=("Prior of the between-study sd on the logit scale (default half-normal(1))."),
    )


class MapPrior(PriorTable):
    """A meta-analytic-predictive prior from historical studies (binomial-normal random effects
    on the logit scale), fitted with PyMC when first used."""

    map: MapTable = Field(description="The historical studies and the heterogeneity prior.")


#: the forms every spec knows: discriminator value -> schema
BUILTIN = {
    "reference": ReferencePrior,
    "robustify": RobustifyPrior,
    "map": MapPrior,
    "beta": BetaPrior,
    "mixture": MixturePrior,
}


def prior_form(raw) -> str | None:
    """Which form a ``[priors.<name>]`` table takes: ``reference``, ``robustify`` or ``map``
    when it has that key, else its ``family``."""
    if not isinstance(raw, dict):
        return None
    for key in ("reference", "robustify", "map"):
        if key in raw:
            return key
    fam = raw.get("family")
    return fam if isinstance(fam, str) else None


class _LegacyPriorTable(PriorTable):
    model_config = ConfigDict(extra="allow")


def _family_schema(name: str, fam):
    """A kind's prior family's schema (a permissive one for a family not yet on the schema)."""
    if not fam.legacy:
        return fam.schema
    return create_model(
        f"LegacyPrior_{name}",
        __base__=_LegacyPriorTable,
        __doc__=(
            f"family = {name!r}: its fields are checked by its parser (not yet on the schema)."
        ),
        family=(Literal[name], Field(description=f'"{name}".')),
    )


def _families() -> dict:
    return {**BUILTIN, **{n: _family_schema(n, f) for n, f in prior_families().items()}}


def _prior_union():
    members = tuple(Annotated[schema, Tag(name)] for name, schema in _families().items())
    return Annotated[
        Union[members],  # noqa: UP007 (a union of a tuple of members, built at run time)
        Discriminator(
            prior_form, custom_error_type="prior_form", custom_error_message="no prior form"
        ),
    ]


#: the schema of one ``[priors.<name>]`` table
PriorUnion = _prior_union()


def prior_form_problem(err) -> tuple[tuple, str]:
    """The message of a table whose form is missing or unknown (:func:`bayes_trials._schema.problems`)."""
    raw = err.get("input")
    families = [f for f in _families() if f not in ("reference", "robustify", "map")]
    if not isinstance(raw, dict):
        return (), f"must be a table, got {raw!r}"
    fam = raw.get("family")
    if fam is None:
        return (), (
            f"a prior needs family = (one of {', '.join(families)}), or reference, robustify or map"
        )
    return ("family",), f"unknown prior family {fam!r}{did_you_mean(fam, families)}"


# =====================================================================================
# from a validated table to a PriorSpec
# =====================================================================================
def _map_params(table: MapTable, where: str) -> dict:
    rows = []
    for i, st in enumerate(table.studies):
        try:
            Binary(st.events, st.n)
        except BayesTrialsError as err:
            raise SpecError(
                f"study {st.study!r}: {err.reason}", field=f"{where}.studies[{i}].{err.field}"
            ) from None
        rows.append(
            {"study": st.study, "n": st.n, "events": st.events, "tag": st.tag, "source": st.source}
        )
    frame = pd.DataFrame(rows)
    try:
        validate_table(frame[["study", "n", "events"]], "binomial")
    except DataError as err:
        raise SpecError(err.reason, field=f"{where}.studies") from None
    return {"kind": "map", "table": frame, "tau_prior": table.tau.distribution()}


def build_prior(name: str, table) -> PriorSpec:
    """The :class:`PriorSpec` of a validated ``[priors.<name>]`` table (one of
    :data:`PriorUnion`'s forms); errors name ``priors.<name>.<field>``."""
    where = f"priors.{name}"
    if isinstance(table, ReferencePrior):
        params = {"kind": "reference", "reference": table.reference}
    elif isinstance(table, RobustifyPrior):
        params = {"kind": "robustify", "prior": table.robustify, "weight": table.weight}
        if table.mean is not None:
            params["mean"] = table.mean
    elif isinstance(table, MapPrior):
        params = _map_params(table.map, f"{where}.map")
    elif isinstance(table, BetaPrior):
        params = {"kind": "beta", **table.params()}
    elif isinstance(table, MixturePrior):
        params = {
            "kind": "mixture",
            "components": [c.params() for c in table.components],
            "weights": list(table.weights),
        }
    else:
        family = prior_families()[table.family]
        if family.legacy:
            raw = table.model_dump()
            params = {"kind": "custom", "family": table.family, "params": family.schema(raw, where)}
        else:
            params = {"kind": "custom", "family": table.family, "params": table}
    return PriorSpec(
        name=name, role=table.role, tag=table.tag, rationale=table.rationale, params=params
    )


def check_prior_references(priors: dict, errors) -> None:
    """Every robustified prior names a defined prior, without cycles (errors recorded in
    ``errors``, an :class:`~bayes_trials._schema.ErrorList`). ``priors`` maps a name to its
    PriorSpec, or to None for a prior whose table was invalid."""
    for name, ps in priors.items():
        if ps is None:
            continue
        seen = {name}
        dep = ps.depends_on()
        while dep is not None:
            if dep not in priors:
                errors.add(
                    SpecError(
                        f"robustifies unknown prior {dep!r}; the spec defines {', '.join(priors)}",
                        field=f"priors.{name}.robustify",
                    )
                )
                break
            if dep in seen:
                errors.add(
                    SpecError("robustify references form a cycle", field=f"priors.{name}.robustify")
                )
                break
            seen.add(dep)
            if priors[dep] is None:
                break
            dep = priors[dep].depends_on()
