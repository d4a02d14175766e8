"""Re-analysis specs: a TOML file per trial, parsed and validated before any sampling.

A spec holds the trial's citation, the priors, and for each endpoint its data, the target
its posterior probability is taken against, benchmarks to compare with, and the published
results to reproduce. Every number says where it comes from (:mod:`bayes_trials.provenance`).

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
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .. import _validate as v
from .._constants import CRED_LEVEL, DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE
from ..endpoints.registry import KINDS
from ..design import DecisionSpec
from ..errors import BayesTrialsError, SpecError
from ..provenance import Sourced, check_tag, parse_benchmark, parse_published, sourced, table
from .priors import check_prior_references, parse_prior

@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint of a spec: the endpoint object, its priors, provenance and published results."""

    endpoint: object
    prior_specs: dict  # name -> PriorSpec (this endpoint's)
    provenance: dict  # field -> Sourced
    published: tuple = ()
    benchmarks: tuple = ()
    notes: str = ""
    registry: dict = field(default_factory=dict, repr=False)  # every PriorSpec of the spec
    seed: int = 0
    decision: object = None  # DecisionSpec, when the endpoint states a decision rule

    @property
    def data_assumed(self) -> bool:
        """Whether any of the endpoint's data (anything but its target) is an assumption:
        its published numbers then hold by construction."""
        target = self.provenance.get("target")
        return any(q.tag == "assumed" for q in self.provenance.values() if q is not target)

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
    estimate: Sourced
    ci_low: Sourced
    ci_high: Sourced
    scale: str = "ratio"
    level: float = 0.95
    mcid: Sourced | None = None
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


def parse_decision(raw, endpoint):
    """``[endpoints.decision]``: success if P(theta beyond target) > threshold."""

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
        futility=raw.get("futility", 0.1), tag=check_tag(raw.get("tag"), "decision.tag"),
        rationale=rationale, sources={"source": raw.get("source", "")})


def parse_endpoint(raw: dict, priors: dict, seed: int = 0, base_dir: Path | None = None) -> EndpointSpec:
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
            check_tag(defaults["tag"], "tag")
        try:
            endpoint, provenance = KINDS[kind].parse(raw, defaults, name, base_dir or Path.cwd())
        except BayesTrialsError as err:
            if isinstance(err, SpecError):
                raise
            raise SpecError(err.reason, field=err.field) from None
        family = KINDS[kind].prior_family
        # a kind takes its own family and the families it adds (listed by name; not defaults)
        takes = list(dict.fromkeys([family, *(f.takes for f in KINDS[kind].prior_families.values())]))
        wanted = raw.get("priors", [n for n, ps in priors.items() if ps.family(priors) == family])
        if not isinstance(wanted, list) or not wanted:
            raise SpecError("must be a non-empty list of prior names", field="priors")
        for pname in wanted:
            if pname not in priors:
                raise SpecError(f"unknown prior {pname!r}; the spec defines "
                                f"{', '.join(priors) or 'none'}", field="priors")
            if priors[pname].family(priors) not in takes:
                raise SpecError(f"prior {pname!r} is a {priors[pname].family(priors)} prior; a "
                                f"{kind} endpoint takes {' or '.join(takes)} priors", field="priors")
            try:
                priors[pname].resolve(endpoint, priors, fit=False)
            except BayesTrialsError as err:
                raise SpecError(err.reason, field=f"priors.{pname}.{err.field or ''}".rstrip(".")) from None
        published = tuple(parse_published(p, i) for i, p in enumerate(raw.get("published", [])))
        for i, item in enumerate(published):
            allowed = endpoint.published_quantities()
            if item.quantity not in allowed:
                raise SpecError(f"a {kind} endpoint can reproduce {', '.join(allowed)}; got "
                                f"{item.quantity!r}", field=f"published[{i}].quantity")
            methods = endpoint.interval_methods()
            if item.method and item.method not in methods:
                raise SpecError(f"must be one of {', '.join(map(repr, methods))}, got {item.method!r}",
                                field=f"published[{i}].method")
        benchmarks = tuple(parse_benchmark(b, i) for i, b in enumerate(raw.get("benchmarks", [])))
        if "decision" in raw and not KINDS[kind].decisions:
            decides = ", ".join(k for k, kd in KINDS.items() if kd.decisions)
            raise SpecError(f"decision rules are available for {decides} endpoints", field="decision")
        decision = None if "decision" not in raw else parse_decision(raw["decision"], endpoint)
    except SpecError as err:
        raise err.located(endpoint=name) from None
    return EndpointSpec(endpoint=endpoint, prior_specs={k: priors[k] for k in wanted},
                        provenance=provenance, published=published, benchmarks=benchmarks,
                        notes=raw.get("notes", ""), registry=priors, seed=seed, decision=decision)


def parse_reported(raw) -> ReportedSpec:
    if not isinstance(raw, dict):
        raise SpecError("each [[reported]] entry must be a table", field="reported")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise SpecError("missing field", field="reported.id")
    try:
        defaults = {"tag": raw.get("tag"), "source": raw.get("source")}
        est, lo, hi = (sourced(raw, k, defaults) for k in ("estimate", "ci_low", "ci_high"))
        mcid = sourced(raw, "mcid", defaults, required=False)
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
        trial = table(doc, "trial", "trial")
        for key in ("id", "title", "citation"):
            if not isinstance(trial.get(key), str) or not trial[key].strip():
                raise SpecError("missing or empty", field=f"trial.{key}")
        sampling = dict(table(doc, "sampling", "sampling", required=False))
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
        reported = tuple(parse_reported(r) for r in raw_reported)
        raw_endpoints = doc.get("endpoints", [])
        if not isinstance(raw_endpoints, list) or not (raw_endpoints or reported):
            raise SpecError("a spec needs at least one [[endpoints]] (or [[reported]]) entry",
                            field="endpoints")
        priors = {name: parse_prior(name, raw)
                  for name, raw in table(doc, "priors", "priors", required=bool(raw_endpoints)).items()}
        check_prior_references(priors)
        base_dir = None if str(path) == "<spec>" else Path(path).resolve().parent
        endpoints = tuple(parse_endpoint(raw, priors, sampling["seed"], base_dir) for raw in raw_endpoints)
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


