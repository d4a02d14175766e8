"""Named priors of a spec: ``[priors.<name>]`` tables, validated, resolved per endpoint.

Families every spec knows: ``reference`` (uniform / Jeffreys Beta, and the references the
kinds add), ``beta`` (``a``, ``b`` or ``mean``, ``ess``; ``mean = "target"`` centres it on each
endpoint's target), ``mixture`` (Beta components and weights), ``robustify`` (another named
prior with a vague component of weight ``weight``) and ``map`` (a meta-analytic-predictive
prior from a table of historical studies, fitted with PyMC when first used). Endpoint kinds
add their own families (:data:`bayes_trials.endpoints.registry.KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import _validate as v
from .._constants import PRIOR_ROLES
from ..data import Binary
from ..distributions import REFERENCE_PRIORS, Beta, HalfCauchy, HalfNormal, Mixture, robustify
from ..endpoints.registry import prior_families, references
from ..errors import BayesTrialsError, DataError, SpecError
from ..fit import derive_seed
from ..map_prior import map_prior, validate_table
from ..provenance import check_tag

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
            return references()[self.params["reference"]][1] if self.params["reference"] in references() \
                else "beta"
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
            _MAP_CACHE[key] = map_prior(p["table"], family="binomial", tau_prior=p["tau_prior"],
                                        seed=derive_seed(seed, "map", self.name))
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
                raise SpecError(f"prior {self.name!r} is centred on the target, "
                                "but the endpoint has none", endpoint=endpoint.name, field="priors")
            mean = endpoint.target
        return Beta.from_mean_ess(mean, p["ess"])


def parse_beta_params(raw: dict, where: str) -> dict:
    """``a`` and ``b``, or ``mean`` (a probability or ``"target"``) and ``ess``."""
    if "a" in raw or "b" in raw:
        params = {}
        for k in ("a", "b"):
            if k not in raw:
                raise SpecError("missing field", field=f"{where}.{k}")
            params[k] = v.positive(raw[k], f"{where}.{k}", SpecError)
        return params
    if "mean" in raw and "ess" in raw:
        mean = raw["mean"]
        if mean != "target":
            mean = v.open_unit(mean, f"{where}.mean", SpecError)
        return {"mean": mean, "ess": v.positive(raw["ess"], f"{where}.ess", SpecError)}
    raise SpecError("a beta prior needs a and b, or mean and ess", field=where)


def parse_map(raw: dict, where: str) -> dict:
    """A MAP prior: ``studies`` (each with study, n, events, tag, source) and ``tau``."""
    studies = raw.get("studies")
    if not isinstance(studies, list) or not studies:
        raise SpecError("needs a non-empty list of historical studies", field=f"{where}.studies")
    rows = []
    for i, st in enumerate(studies):
        w = f"{where}.studies[{i}]"
        if not isinstance(st, dict):
            raise SpecError("must be a table", field=w)
        for key in ("study", "n", "events", "tag", "source"):
            if key not in st:
                raise SpecError("missing field", field=f"{w}.{key}")
        check_tag(st["tag"], f"{w}.tag")
        try:
            Binary(st["events"], st["n"])
        except BayesTrialsError as err:
            raise SpecError(f"study {st['study']!r}: {err.reason}", field=f"{w}.{err.field}") from None
        rows.append({"study": st["study"], "n": st["n"], "events": st["events"],
                     "tag": st["tag"], "source": st["source"]})
    table = pd.DataFrame(rows)
    try:
        validate_table(table[["study", "n", "events"]], "binomial")
    except DataError as err:
        raise SpecError(err.reason, field=f"{where}.studies") from None
    tau = raw.get("tau", {"family": "halfnormal", "scale": 1.0})
    if not isinstance(tau, dict):
        raise SpecError("must be a table", field=f"{where}.tau")
    fam = v.one_of(tau.get("family"), ("halfnormal", "halfcauchy"), f"{where}.tau.family", SpecError)
    scale = v.positive(tau.get("scale"), f"{where}.tau.scale", SpecError)
    tau_prior = HalfNormal(scale) if fam == "halfnormal" else HalfCauchy(scale)
    return {"kind": "map", "table": table, "tau_prior": tau_prior}


def parse_prior(name: str, raw: dict) -> PriorSpec:
    """One ``[priors.<name>]`` table (validated; resolved per endpoint later)."""
    where = f"priors.{name}"
    if not isinstance(raw, dict):
        raise SpecError("must be a table", field=where)
    role = v.one_of(raw.get("role"), PRIOR_ROLES, f"{where}.role", SpecError)
    tag = check_tag(raw.get("tag"), f"{where}.tag")
    rationale = raw.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise SpecError("every prior needs a 'rationale'", field=f"{where}.rationale")
    families = prior_families()
    if "reference" in raw:
        v.one_of(raw["reference"], (*REFERENCE_PRIORS, *references()), f"{where}.reference", SpecError)
        params = {"kind": "reference", "reference": raw["reference"]}
    elif "robustify" in raw:
        if not isinstance(raw["robustify"], str):
            raise SpecError("must name another prior", field=f"{where}.robustify")
        params = {"kind": "robustify", "prior": raw["robustify"],
                  "weight": v.open_unit(raw.get("weight"), f"{where}.weight", SpecError)}
        if "mean" in raw:
            params["mean"] = v.open_unit(raw["mean"], f"{where}.mean", SpecError)
    elif "map" in raw:
        if not isinstance(raw["map"], dict):
            raise SpecError("must be a table", field=f"{where}.map")
        params = parse_map(raw["map"], f"{where}.map")
    elif raw.get("family") in families:
        family = raw["family"]
        params = {"kind": "custom", "family": family, "params": families[family].parse(raw, where)}
    else:
        family = v.one_of(raw.get("family"), ("beta", "mixture", *families), f"{where}.family", SpecError)
        if family == "beta":
            params = {"kind": "beta", **parse_beta_params(raw, where)}
        else:
            comps, weights = raw.get("components"), raw.get("weights")
            if not isinstance(comps, list) or not comps:
                raise SpecError("a mixture needs a non-empty list of components", field=f"{where}.components")
            if not isinstance(weights, list) or len(weights) != len(comps):
                raise SpecError("needs one weight per component", field=f"{where}.weights")
            parsed = [parse_beta_params(c if isinstance(c, dict) else {}, f"{where}.components[{i}]")
                      for i, c in enumerate(comps)]
            try:
                Mixture([Beta(1, 1)] * len(comps), weights)
            except BayesTrialsError as err:
                raise SpecError(err.reason, field=f"{where}.weights") from None
            params = {"kind": "mixture", "components": parsed, "weights": weights}
    return PriorSpec(name=name, role=role, tag=tag, rationale=rationale, params=params)


def check_prior_references(priors: dict) -> None:
    """Every robustified prior names a defined prior, without cycles."""
    for name, ps in priors.items():
        seen = {name}
        dep = ps.depends_on()
        while dep is not None:
            if dep not in priors:
                raise SpecError(f"robustifies unknown prior {dep!r}", field=f"priors.{name}.robustify")
            if dep in seen:
                raise SpecError("robustify references form a cycle", field=f"priors.{name}.robustify")
            seen.add(dep)
            dep = priors[dep].depends_on()


