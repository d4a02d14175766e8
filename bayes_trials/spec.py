"""Re-analysis specs: a TOML file per trial, parsed and validated before any sampling.

A spec holds the trial's citation, the priors, and for each endpoint its data, the
target its posterior probability is taken against, benchmarks to compare with, and the
published results to reproduce. Every number says where it comes from: ``tag`` is one of
``published`` (printed in the source), ``derived`` (computed from printed numbers) or
``assumed`` (an explicit assumption), with a ``source`` sentence. A number is written
either as ``{ value = 9, tag = "published", source = "..." }`` or bare, in which case it
takes the endpoint's ``tag`` and ``source``.

Validation happens here, in milliseconds, before anything compiles: errors name the file,
the endpoint and the field (:class:`~bayes_trials.errors.SpecError`).

Example
-------
>>> import bayes_trials as bt
>>> spec = bt.load_spec("models/lad1_marnecel.toml")   # doctest: +SKIP
>>> [e.endpoint.name for e in spec.endpoints]           # doctest: +SKIP
['hsct_free_survival_1y']
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import _validate as v
from ._registry import PRIOR_FAMILIES, register_prior_family  # noqa: F401  (the extension point)
from .data import Binary
from .endpoints import KINDS
from .errors import BayesTrialsError, SpecError
from .fit import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE
from .priors import CRED_LEVEL, REFERENCE_PRIORS, Beta, Gamma, HalfCauchy, HalfNormal, Mixture, Normal, robustify

TAGS = ("published", "derived", "assumed")
PRIOR_ROLES = ("reference", "sceptical", "enthusiastic", "historical", "weakly-informative")
QUANTITIES = ("estimate", "ci_low", "ci_high", "p_value", "percent_reduction")


@dataclass(frozen=True)
class Quantity:
    """A number with its provenance."""

    value: float
    tag: str
    source: str


@dataclass(frozen=True)
class Published:
    """A result printed in the paper, to be reproduced from the data.

    ``quantity`` is one of ``estimate``, ``ci_low``, ``ci_high`` (with the interval
    ``method``) or ``p_value``; ``relation`` is ``equal`` (at ``decimals`` decimals on
    ``scale``, 100 for percentages) or ``below`` (a printed bound such as "P < 0.001").
    """

    quantity: str
    value: float
    tag: str
    source: str
    relation: str = "equal"
    decimals: int = 2
    scale: float = 1.0
    method: str = ""
    note: str = ""

    def describe(self) -> str:
        what = {"estimate": "point estimate", "ci_low": "CI lower bound",
                "ci_high": "CI upper bound", "p_value": "p-value",
                "percent_reduction": "percent reduction"}[self.quantity]
        if self.method:
            what += f" ({self.method})"
        pct = self.scale == 100 or self.quantity == "percent_reduction"
        shown = f"{self.value:g}{'%' if pct else ''}"
        return f"{what}: {'< ' if self.relation == 'below' else ''}{shown}"


@dataclass(frozen=True)
class Benchmark:
    """An external rate to compare the posterior with (e.g. another trial's response rate).

    With ``events`` and ``n`` the benchmark's own uncertainty enters the comparison.
    """

    name: str
    value: float
    tag: str
    source: str
    events: int | None = None
    n: int | None = None


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
        """``"beta"`` (a probability) or ``"rates"`` (a pair of Poisson rates)."""
        kind = self.params["kind"]
        if kind == "robustify":
            return registry[self.params["prior"]].family(registry)
        if kind in ("rates", "log_rr") or (kind == "reference" and self.params["reference"] == "jeffreys_rates"):
            return "rates"
        if kind == "custom":
            return self.params["family"]
        return "beta"

    def resolve(self, endpoint, registry: dict, *, fit: bool = True, seed: int = 0):
        """The distribution for ``endpoint``; with ``fit=False`` MAP priors are only validated."""
        p = self.params
        kind = p["kind"]
        if kind == "reference" and p["reference"] == "jeffreys_rates":
            from .endpoints.rates import TwoRatePrior

            return TwoRatePrior.jeffreys()
        if kind == "reference":
            return REFERENCE_PRIORS[p["reference"]]
        if kind == "rates":
            from .endpoints.rates import TwoRatePrior

            return TwoRatePrior(before=Gamma(**p["before"]), after=Gamma(**p["after"]))
        if kind == "log_rr":
            from .endpoints.rates import LogRRPrior

            return LogRRPrior(Normal(**p["log_rr"]), Gamma(**p["baseline"]))
        if kind == "custom":
            return PRIOR_FAMILIES[p["family"]][1](p["params"], endpoint)
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
            from .fit import derive_seed
            from .map_prior import map_prior

            _MAP_CACHE[key] = map_prior(p["table"], family="binomial", tau_prior=p["tau_prior"],
                                        random_seed=derive_seed(seed, "map", self.name))
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


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint of a spec: the endpoint object, its priors, provenance and published results."""

    endpoint: object
    prior_specs: dict  # name -> PriorSpec (this endpoint's)
    provenance: dict  # field -> Quantity
    published: tuple = ()
    benchmarks: tuple = ()
    notes: str = ""
    registry: dict = field(default_factory=dict, repr=False)  # every PriorSpec of the spec
    seed: int = 0
    decision: object = None  # DecisionSpec, when the endpoint states a decision rule

    @cached_property
    def priors(self) -> dict:
        """Name -> distribution for this endpoint (MAP priors are fitted on first access)."""
        return {name: ps.resolve(self.endpoint, self.registry, seed=self.seed)
                for name, ps in self.prior_specs.items()}


@dataclass(frozen=True)
class ReportedSpec:
    """An effect a paper reports only as an estimate with a confidence interval.

    Re-analysed with :func:`bayes_trials.reanalyse_reported`: a normal likelihood on the log
    scale (``scale = "ratio"``) or the natural scale (``"difference"``), under the
    neutral / optimistic / pessimistic x weak / moderate / strong grid and a sceptical prior
    from the minimal clinically important difference ``mcid``. ``decimals`` is the printed
    precision, used to check that the interval is consistent with that likelihood.
    """

    id: str
    label: str
    measure: str
    estimate: Quantity
    ci_low: Quantity
    ci_high: Quantity
    scale: str = "ratio"
    level: float = 0.95
    mcid: Quantity | None = None
    benefit: str = "lower"
    decimals: int = 2
    notes: str = ""


@dataclass(frozen=True)
class TrialSpec:
    """A whole re-analysis spec."""

    path: Path
    sha256: str
    trial: dict
    sampling: dict
    priors: dict  # name -> PriorSpec
    endpoints: tuple = field(default_factory=tuple)
    reported: tuple = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.trial["id"]

    def endpoint(self, name: str) -> EndpointSpec:
        for e in self.endpoints:
            if e.endpoint.name == name:
                return e
        raise KeyError(name)


# --- parsing -----------------------------------------------------------------------------
def _table(d, key, where, required=True) -> dict:
    val = d.get(key)
    if val is None:
        if required:
            raise SpecError(f"missing table [{key}]", field=where or key)
        return {}
    if not isinstance(val, dict):
        raise SpecError(f"must be a table, got {type(val).__name__}", field=where or key)
    return val


def _text(d, key, *, required=True, default="") -> str:
    val = d.get(key, None)
    if val is None:
        if required:
            raise SpecError("missing field", field=key)
        return default
    if not isinstance(val, str) or (required and not val.strip()):
        raise SpecError(f"must be a non-empty string, got {val!r}", field=key)
    return val


def _tag(value, field_name) -> str:
    return v.one_of(value, TAGS, field_name, SpecError)


def _quantity(raw: dict, key: str, defaults: dict, *, required=True) -> Quantity | None:
    if key not in raw:
        if required:
            raise SpecError("missing field", field=key)
        return None
    val = raw[key]
    if isinstance(val, dict):
        if "value" not in val:
            raise SpecError("missing 'value'", field=f"{key}.value")
        tag = _tag(val.get("tag", defaults.get("tag")), f"{key}.tag")
        source = val.get("source", defaults.get("source"))
        value = val["value"]
    else:
        tag, source, value = defaults.get("tag"), defaults.get("source"), val
        if tag is None or not source:
            raise SpecError("a bare number needs the endpoint's 'tag' and 'source' "
                            "(or write { value = ..., tag = ..., source = ... })", field=key)
        tag = _tag(tag, "tag")
    if not isinstance(source, str) or not source.strip():
        raise SpecError("every number needs a 'source'", field=f"{key}.source")
    v.finite_real(value, key, SpecError)
    return Quantity(value=value, tag=tag, source=source)


def _parse_beta_params(raw: dict, where: str) -> dict:
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


def _parse_map(raw: dict, where: str) -> dict:
    """A MAP prior: ``studies`` (each with study, n, events, tag, source) and ``tau``."""
    import pandas as pd

    from .errors import DataError
    from .map_prior import validate_table

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
        _tag(st["tag"], f"{w}.tag")
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


def _parse_log_rr(raw: dict, where: str) -> dict:
    """``family = "log_rr"``: a Normal prior on log RR (the log-linear rate model).

    Either explicit, ``log_rr = { mean = 0, sd = 0.42 }``, or Spiegelhalter's
    ``log_rr = "sceptical" | "enthusiastic" | "reference"`` with ``rr_alt`` (default 0.5) and
    ``tail`` (default 0.05); ``baseline = { shape, rate }`` is the Gamma prior of the rate
    before (default Gamma(1/2, 1e-6)).
    """
    from .endpoints.rates import VAGUE_RATE, log_rr_priors

    spec = raw.get("log_rr")
    if isinstance(spec, str):
        presets = ("reference", "sceptical", "enthusiastic")
        v.one_of(spec, presets, f"{where}.log_rr", SpecError)
        rr_alt = v.open_unit(raw.get("rr_alt", 0.5), f"{where}.rr_alt", SpecError)
        tail = v.open_unit(raw.get("tail", 0.05), f"{where}.tail", SpecError)
        normal = log_rr_priors(rr_alt=rr_alt, tail=tail)[spec].log_rr
        log_rr = {"mean": float(normal.loc), "sd": float(normal.scale)}
    elif isinstance(spec, dict):
        mean = spec.get("mean")
        if isinstance(mean, bool) or not isinstance(mean, (int, float)) or not math.isfinite(mean):
            raise SpecError(f"must be a finite number, got {mean!r}", field=f"{where}.log_rr.mean")
        log_rr = {"mean": float(mean), "sd": v.positive(spec.get("sd"), f"{where}.log_rr.sd", SpecError)}
    else:
        raise SpecError("needs { mean = ..., sd = ... } or one of 'reference', 'sceptical', "
                        "'enthusiastic'", field=f"{where}.log_rr")
    base = raw.get("baseline", {"shape": 0.5, "rate": VAGUE_RATE})
    if not isinstance(base, dict):
        raise SpecError("needs { shape = ..., rate = ... }", field=f"{where}.baseline")
    baseline = {k: v.positive(base.get(k), f"{where}.baseline.{k}", SpecError) for k in ("shape", "rate")}
    return {"kind": "log_rr", "log_rr": log_rr, "baseline": baseline}


def _parse_prior(name: str, raw: dict) -> PriorSpec:
    where = f"priors.{name}"
    if not isinstance(raw, dict):
        raise SpecError("must be a table", field=where)
    role = v.one_of(raw.get("role"), PRIOR_ROLES, f"{where}.role", SpecError)
    tag = _tag(raw.get("tag"), f"{where}.tag")
    rationale = raw.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise SpecError("every prior needs a 'rationale'", field=f"{where}.rationale")
    if "reference" in raw:
        v.one_of(raw["reference"], (*REFERENCE_PRIORS, "jeffreys_rates"), f"{where}.reference", SpecError)
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
        params = _parse_map(raw["map"], f"{where}.map")
    elif raw.get("family") in PRIOR_FAMILIES:
        family = raw["family"]
        params = {"kind": "custom", "family": family, "params": PRIOR_FAMILIES[family][0](raw, where)}
    else:
        family = v.one_of(raw.get("family"), ("beta", "mixture", "rates", "log_rr", *PRIOR_FAMILIES),
                          f"{where}.family", SpecError)
        if family == "log_rr":
            params = _parse_log_rr(raw, where)
        elif family == "rates":
            params = {"kind": "rates"}
            for period in ("before", "after"):
                g = raw.get(period)
                if not isinstance(g, dict):
                    raise SpecError("needs { shape = ..., rate = ... } (a Gamma prior on the rate)",
                                    field=f"{where}.{period}")
                params[period] = {k: v.positive(g.get(k), f"{where}.{period}.{k}", SpecError)
                                  for k in ("shape", "rate")}
        elif family == "beta":
            params = {"kind": "beta", **_parse_beta_params(raw, where)}
        else:
            comps, weights = raw.get("components"), raw.get("weights")
            if not isinstance(comps, list) or not comps:
                raise SpecError("a mixture needs a non-empty list of components", field=f"{where}.components")
            if not isinstance(weights, list) or len(weights) != len(comps):
                raise SpecError("needs one weight per component", field=f"{where}.weights")
            parsed = [_parse_beta_params(c if isinstance(c, dict) else {}, f"{where}.components[{i}]")
                      for i, c in enumerate(comps)]
            try:
                Mixture([Beta(1, 1)] * len(comps), weights)
            except BayesTrialsError as err:
                raise SpecError(err.reason, field=f"{where}.weights") from None
            params = {"kind": "mixture", "components": parsed, "weights": weights}
    return PriorSpec(name=name, role=role, tag=tag, rationale=rationale, params=params)


def _check_prior_references(priors: dict) -> None:
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


def _parse_published(raw, i) -> Published:
    where = f"published[{i}]"
    if not isinstance(raw, dict):
        raise SpecError("must be a table", field=where)
    quantity = v.one_of(raw.get("quantity"), QUANTITIES, f"{where}.quantity", SpecError)
    relation = v.one_of(raw.get("relation", "equal"), ("equal", "below"), f"{where}.relation", SpecError)
    method = raw.get("method", "")
    if quantity in ("ci_low", "ci_high") and (not isinstance(method, str) or not method):
        raise SpecError("an interval needs its 'method'", field=f"{where}.method")
    decimals = raw.get("decimals", 2)
    if not isinstance(decimals, int) or decimals < 0:
        raise SpecError(f"must be a whole number >= 0, got {decimals!r}", field=f"{where}.decimals")
    scale = raw.get("scale", 1)
    if scale not in (1, 100):
        raise SpecError(f"must be 1 or 100 (percent), got {scale!r}", field=f"{where}.scale")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SpecError("needs a 'source'", field=f"{where}.source")
    return Published(
        quantity=quantity,
        value=v.finite_real(raw.get("value"), f"{where}.value", SpecError),
        tag=_tag(raw.get("tag"), f"{where}.tag"),
        source=source,
        relation=relation,
        decimals=decimals,
        scale=float(scale),
        method=method,
        note=raw.get("note", ""),
    )


def _parse_benchmark(raw, i) -> Benchmark:
    where = f"benchmarks[{i}]"
    if not isinstance(raw, dict):
        raise SpecError("must be a table", field=where)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError("missing field", field=f"{where}.name")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise SpecError("needs a 'source'", field=f"{where}.source")
    events = n = None
    if "events" in raw or "n" in raw:
        try:
            counts = Binary(raw.get("events"), raw.get("n"))
        except BayesTrialsError as err:
            raise SpecError(err.reason, field=f"{where}.{err.field}") from None
        events, n = counts.events, counts.n
    return Benchmark(name=name, value=v.open_unit(raw.get("value"), f"{where}.value", SpecError),
                     tag=_tag(raw.get("tag"), f"{where}.tag"), source=source, events=events, n=n)


def _parse_decision(raw, endpoint):
    """``[endpoints.decision]``: success if P(theta beyond target) > threshold."""
    from .design import DecisionSpec

    if not isinstance(raw, dict):
        raise SpecError("must be a table", field="decision")
    known = {"threshold", "target", "alternative", "alpha", "truths", "interim", "futility",
             "tag", "rationale", "source"}
    unknown = set(raw) - known
    if unknown:
        raise SpecError(f"unknown setting(s) {sorted(unknown)}", field="decision")
    if "threshold" not in raw:
        raise SpecError("missing field", field="decision.threshold")
    rationale = raw.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise SpecError("a decision rule needs a 'rationale'", field="decision.rationale")
    interim = raw.get("interim")
    if interim is not None:
        interim = v.count(interim, "decision.interim", SpecError)
        if not 1 <= interim < endpoint.data.n:
            raise SpecError(f"must lie between 1 and n - 1 = {endpoint.data.n - 1}, got {interim}",
                            field="decision.interim")
    if "target" not in raw and endpoint.target is None:
        raise SpecError("the endpoint has no target; give decision.target", field="decision.target")
    truths = raw.get("truths", [])
    if not isinstance(truths, list):
        raise SpecError("must be a list of rates", field="decision.truths")
    return DecisionSpec(
        threshold=raw["threshold"], target=raw.get("target"), alternative=raw.get("alternative"),
        alpha=raw.get("alpha", 0.025), truths=tuple(truths), interim=interim,
        futility=raw.get("futility", 0.1), tag=_tag(raw.get("tag"), "decision.tag"),
        rationale=rationale, sources={"source": raw.get("source", "")})


def _binary_from_spec(raw, defaults, name):
    events = _quantity(raw, "events", defaults)
    n = _quantity(raw, "n", defaults)
    target = _quantity(raw, "target", defaults, required=False)
    provenance = {"events": events, "n": n}
    if target is not None:
        provenance["target"] = target
    endpoint = KINDS["binary"](
        name=name, data=Binary(events=events.value, n=n.value),
        target=None if target is None else target.value,
        direction=raw.get("direction", "greater"), label=raw.get("label", name))
    return endpoint, provenance


def _rate_ratio_from_spec(raw, defaults, name):
    from .data import Rate
    from .rates_data import PrePostRates

    fields = ("events_before", "exposure_before", "events_after", "exposure_after")
    q = {f: _quantity(raw, f, defaults) for f in fields}
    target = _quantity(raw, "target", defaults, required=False)
    provenance = dict(q)
    if target is not None:
        provenance["target"] = target
    periods = {}
    for period in ("before", "after"):
        try:
            periods[period] = Rate(q[f"events_{period}"].value, q[f"exposure_{period}"].value)
        except BayesTrialsError as err:
            raise SpecError(err.reason, field=f"{err.field}_{period}") from None
    before, after = periods["before"], periods["after"]
    endpoint = KINDS["rate_ratio"](
        name=name, data=PrePostRates(before, after),
        target=1.0 if target is None else target.value,
        direction=raw.get("direction", "less"), label=raw.get("label", name))
    return endpoint, provenance


#: endpoint kind -> parser of its data fields: (raw table, defaults, id) -> (endpoint, provenance)
ENDPOINT_PARSERS = {"binary": _binary_from_spec, "rate_ratio": _rate_ratio_from_spec}


def _parse_endpoint(raw: dict, priors: dict, seed: int = 0, base_dir: Path | None = None) -> EndpointSpec:
    """One ``[[endpoints]]`` table. Data files an endpoint names (CSV paths) are read relative
    to ``base_dir``, the spec file's folder (the working directory for a spec given as a dict)."""
    if not isinstance(raw, dict):
        raise SpecError("each [[endpoints]] entry must be a table", field="endpoints")
    name = raw.get("id")
    if not isinstance(name, str) or not name.strip():
        raise SpecError("missing field", field="id")
    try:
        kind = raw.get("kind")
        if kind not in KINDS:
            raise SpecError(f"unknown endpoint kind {kind!r}; known kinds: "
                            f"{', '.join(sorted(KINDS))}", field="kind")
        defaults = {"tag": raw.get("tag"), "source": raw.get("source")}
        if defaults["tag"] is not None:
            _tag(defaults["tag"], "tag")
        try:
            if kind in ENDPOINT_PARSERS:
                endpoint, provenance = ENDPOINT_PARSERS[kind](raw, defaults, name)
            else:
                endpoint, provenance = KINDS[kind].from_spec(raw, defaults, name,
                                                             base_dir=base_dir or Path.cwd())
        except BayesTrialsError as err:
            if isinstance(err, SpecError):
                raise
            raise SpecError(err.reason, field=err.field) from None
        family = endpoint.prior_family
        wanted = raw.get("priors", [n for n, ps in priors.items() if ps.family(priors) == family])
        if not isinstance(wanted, list) or not wanted:
            raise SpecError("must be a non-empty list of prior names", field="priors")
        for pname in wanted:
            if pname not in priors:
                raise SpecError(f"unknown prior {pname!r}; the spec defines "
                                f"{', '.join(priors) or 'none'}", field="priors")
            if priors[pname].family(priors) != family:
                raise SpecError(f"prior {pname!r} is a {priors[pname].family(priors)} prior; a "
                                f"{kind} endpoint takes {family} priors", field="priors")
            try:
                priors[pname].resolve(endpoint, priors, fit=False)
            except BayesTrialsError as err:
                raise SpecError(err.reason, field=f"priors.{pname}.{err.field or ''}".rstrip(".")) from None
        published = tuple(_parse_published(p, i) for i, p in enumerate(raw.get("published", [])))
        for i, item in enumerate(published):
            allowed = endpoint.published_quantities()
            if item.quantity not in allowed:
                raise SpecError(f"a {kind} endpoint can reproduce {', '.join(allowed)}; got "
                                f"{item.quantity!r}", field=f"published[{i}].quantity")
            methods = endpoint.interval_methods()
            if item.method and item.method not in methods:
                raise SpecError(f"must be one of {', '.join(map(repr, methods))}, got {item.method!r}",
                                field=f"published[{i}].method")
        benchmarks = tuple(_parse_benchmark(b, i) for i, b in enumerate(raw.get("benchmarks", [])))
        if "decision" in raw and kind != "binary":
            raise SpecError("decision rules are available for binary endpoints", field="decision")
        decision = None if "decision" not in raw else _parse_decision(raw["decision"], endpoint)
    except SpecError as err:
        raise err.located(endpoint=name) from None
    return EndpointSpec(endpoint=endpoint, prior_specs={k: priors[k] for k in wanted},
                        provenance=provenance, published=published, benchmarks=benchmarks,
                        notes=raw.get("notes", ""), registry=priors, seed=seed, decision=decision)


def _parse_reported(raw) -> ReportedSpec:
    if not isinstance(raw, dict):
        raise SpecError("each [[reported]] entry must be a table", field="reported")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise SpecError("missing field", field="reported.id")
    try:
        defaults = {"tag": raw.get("tag"), "source": raw.get("source")}
        est, lo, hi = (_quantity(raw, k, defaults) for k in ("estimate", "ci_low", "ci_high"))
        mcid = _quantity(raw, "mcid", defaults, required=False)
        scale = v.one_of(raw.get("scale", "ratio"), ("ratio", "difference"), "scale", SpecError)
        benefit = v.one_of(raw.get("benefit", "lower"), ("lower", "higher"), "benefit", SpecError)
        level = v.open_unit(raw.get("level", 0.95), "level", SpecError)
        if not lo.value <= est.value <= hi.value:
            raise SpecError(f"the interval [{lo.value:g}, {hi.value:g}] does not contain the estimate "
                            f"{est.value:g}", field="ci_low")
        if scale == "ratio":
            for key, q in (("estimate", est), ("ci_low", lo), ("ci_high", hi)) + (
                    (("mcid", mcid),) if mcid is not None else ()):
                if q.value <= 0:
                    raise SpecError(f"a ratio must be > 0, got {q.value:g}", field=key)
        decimals = raw.get("decimals", 2)
        if not isinstance(decimals, int) or decimals < 0:
            raise SpecError(f"must be a whole number >= 0, got {decimals!r}", field="decimals")
    except SpecError as err:
        raise err.located(endpoint=rid) from None
    return ReportedSpec(id=rid, label=raw.get("label", rid), measure=raw.get("measure", scale),
                        estimate=est, ci_low=lo, ci_high=hi, scale=scale, level=level, mcid=mcid,
                        benefit=benefit, decimals=decimals, notes=raw.get("notes", ""))


def parse_spec(doc: dict, path="<spec>", sha256: str = "") -> TrialSpec:
    """Validate a parsed TOML document into a :class:`TrialSpec`."""
    try:
        trial = _table(doc, "trial", "trial")
        for key in ("id", "title", "citation"):
            if not isinstance(trial.get(key), str) or not trial[key].strip():
                raise SpecError("missing or empty", field=f"trial.{key}")
        sampling = dict(_table(doc, "sampling", "sampling", required=False))
        unknown = set(sampling) - {"draws", "tune", "chains", "seed", "level"}
        if unknown:
            raise SpecError(f"unknown setting(s) {sorted(unknown)}", field="sampling")
        sampling.setdefault("draws", DEFAULT_DRAWS)
        sampling.setdefault("tune", DEFAULT_TUNE)
        sampling.setdefault("chains", DEFAULT_CHAINS)
        sampling.setdefault("seed", 0)
        sampling.setdefault("level", CRED_LEVEL)
        for key in ("draws", "tune", "chains"):
            if v.count(sampling[key], f"sampling.{key}", SpecError) < 1:
                raise SpecError("must be at least 1", field=f"sampling.{key}")
        v.count(sampling["seed"], "sampling.seed", SpecError)
        v.open_unit(sampling["level"], "sampling.level", SpecError)
        raw_reported = doc.get("reported", [])
        if not isinstance(raw_reported, list):
            raise SpecError("must be a list of [[reported]] tables", field="reported")
        reported = tuple(_parse_reported(r) for r in raw_reported)
        raw_endpoints = doc.get("endpoints", [])
        if not isinstance(raw_endpoints, list) or not (raw_endpoints or reported):
            raise SpecError("a spec needs at least one [[endpoints]] (or [[reported]]) entry",
                            field="endpoints")
        priors = {name: _parse_prior(name, raw)
                  for name, raw in _table(doc, "priors", "priors", required=bool(raw_endpoints)).items()}
        _check_prior_references(priors)
        base_dir = None if str(path) == "<spec>" else Path(path).resolve().parent
        endpoints = tuple(_parse_endpoint(raw, priors, sampling["seed"], base_dir) for raw in raw_endpoints)
        names = [e.endpoint.name for e in endpoints]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SpecError(f"duplicate endpoint id(s) {dupes}", field="endpoints.id")
    except SpecError as err:
        raise err.located(file=path) from None
    return TrialSpec(path=Path(path), sha256=sha256, trial=trial, sampling=sampling,
                     priors=priors, endpoints=endpoints, reported=reported)


def load_spec(path) -> TrialSpec:
    """Read and validate a TOML re-analysis spec.

    Raises
    ------
    SpecError
        On a TOML syntax error, a missing or malformed field, impossible data
        (events > n, n = 0, ...), a target outside (0, 1), a non-positive prior
        parameter or an unknown endpoint kind; the message names file, endpoint and field.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SpecError(f"cannot read spec: {err.strerror}", file=path) from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SpecError(f"TOML syntax error: {err}", file=path) from None
    return parse_spec(doc, path=path, sha256=hashlib.sha256(raw).hexdigest())
