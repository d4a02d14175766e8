"""Re-analysis specs: a TOML file per trial, parsed and validated before any sampling.

A spec holds the trial's citation, the priors, and for each endpoint its data, the target
its posterior probability is taken against, benchmarks to compare with, and the published
results to reproduce. Every number says where it comes from (:mod:`bayes_trials.provenance`).

Validation happens here, in milliseconds, before anything compiles, in two steps: each table
against its schema (:mod:`bayes_trials.spec.schema`: types, required fields, unknown keys),
then what needs the whole (each kind's build function: data files, counts against totals;
priors resolved for each endpoint; published results the kind can reproduce). Errors name
the file, the endpoint and the field (:class:`~bayes_trials.errors.SpecError`); every error
of a spec is reported, one line each (:class:`~bayes_trials.errors.SpecErrors`), not one per
run.

Example
-------
>>> import bayes_trials as bt
>>> spec = bt.load_spec("models/lad1_marnecel.toml")   # doctest: +SKIP
>>> [e.endpoint.name for e in spec.endpoints]           # doctest: +SKIP
['hsct_free_survival_1y']
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import ConfigDict

from .._schema import ErrorList, did_you_mean, validate
from ..endpoints.registry import KINDS
from ..endpoints.table import DecisionTable
from ..errors import BayesTrialsError, SpecError
from ..provenance import BenchmarkTable, Defaults, PublishedTable, Sourced
from .priors import PriorUnion, build_prior, check_prior_references, prior_form_problem
from .schema import EndpointUnion, ReportedTable, SamplingTable, SpecDocument, TrialTable


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
        return {
            name: ps.resolve(self.endpoint, self.registry, seed=self.seed)
            for name, ps in self.prior_specs.items()
        }


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


class _LegacyBenchmark(BenchmarkTable):
    model_config = ConfigDict(extra="allow")


def _legacy_tables(table, errors: ErrorList, name: str):
    """published, benchmarks and decision of a kind not yet on the schema (its table's extras)."""
    extra = table.model_extra or {}
    out = {}
    for key, schema in (("published", PublishedTable), ("benchmarks", _LegacyBenchmark)):
        raw = extra.get(key, [])
        if not isinstance(raw, list):
            errors.add(
                SpecError(f"must be a list of [[endpoints.{key}]] tables", endpoint=name, field=key)
            )
            raw = []
        out[key] = []
        for i, item in enumerate(raw):
            value, found = validate(schema, item)
            errors.add_problems(found, endpoint=name, prefix=f"{key}[{i}]")
            if value is not None:
                out[key].append(value)
    out["decision"] = None
    if "decision" in extra:
        out["decision"], found = validate(DecisionTable, extra["decision"])
        errors.add_problems(found, endpoint=name, prefix="decision")
    return out


def parse_endpoint(
    raw,
    priors: dict,
    seed: int = 0,
    base_dir: Path | None = None,
    *,
    errors: ErrorList | None = None,
    index: int = 0,
) -> EndpointSpec | None:
    """One ``[[endpoints]]`` table: validated against its kind's schema, built by the kind,
    its priors resolved (MAP priors only checked), its published results and benchmarks
    checked. Data files the endpoint names are read relative to ``base_dir``, the spec file's
    folder (the working directory for a spec given as a dict).

    ``priors`` maps a prior's name to its :class:`PriorSpec` (None for a prior whose table
    was invalid: the endpoint is not checked against it). With ``errors`` (an
    :class:`~bayes_trials._schema.ErrorList`) the errors are recorded there and None is
    returned for an endpoint with errors; without, the first error is raised.
    """
    own = errors if errors is not None else ErrorList()
    before = len(own)
    name = (
        raw.get("id")
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"].strip()
        else None
    )
    table, found = validate(EndpointUnion, raw)
    own.add_problems(found, endpoint=name, prefix="" if name else f"endpoints[{index}]")
    if table is None:
        return _done(own, errors, before)
    kind = KINDS[table.kind]
    legacy = kind.schema is None
    tables = (
        _legacy_tables(table, own, name)
        if legacy
        else {k: getattr(table, k, None) for k in ("published", "benchmarks", "decision")}
    )
    built = None
    with own.catch(endpoint=name):
        if legacy:
            raw_table = {**table.model_dump(exclude_unset=True), **(table.model_extra or {})}
            built = kind.build(
                raw_table, {"tag": table.tag, "source": table.source}, name, base_dir or Path.cwd()
            )
        else:
            built = kind.build(
                table, Defaults(table.tag, table.source), name, base_dir or Path.cwd()
            )
    if built is None:
        return _done(own, errors, before)
    endpoint, provenance = built
    family = kind.prior_family
    # a kind takes its own family and the families it adds (listed by name; not defaults)
    takes = list(dict.fromkeys([family, *(f.takes for f in kind.prior_families.values())]))
    wanted = (
        table.priors
        if table.priors is not None
        else [
            n
            for n, ps in priors.items()
            if ps is not None and not _broken(ps, priors) and ps.family(priors) == family
        ]
    )
    if not wanted:
        own.add(
            SpecError(
                f"no prior of the {family} family in the spec; define one or list the "
                "endpoint's priors",
                endpoint=name,
                field="priors",
            )
        )
    for pname in wanted:
        with own.catch(endpoint=name):
            if pname not in priors:
                raise SpecError(
                    f"unknown prior {pname!r}{did_you_mean(pname, list(priors), listing=False)}; "
                    f"the spec defines {', '.join(priors) or 'none'}",
                    field="priors",
                )
            ps = priors[pname]
            if ps is None or _broken(ps, priors):
                continue  # its own error is reported
            if ps.family(priors) not in takes:
                raise SpecError(
                    f"prior {pname!r} is a {ps.family(priors)} prior; a "
                    f"{kind.name} endpoint takes {' or '.join(takes)} priors",
                    field="priors",
                )
            try:
                ps.resolve(endpoint, priors, fit=False)
            except BayesTrialsError as err:
                raise SpecError(
                    err.reason, field=f"priors.{pname}.{err.field or ''}".rstrip(".")
                ) from None
    published = []
    for i, item in enumerate(tables["published"] or ()):
        with own.catch(endpoint=name, field_prefix=f"published[{i}]"):
            rec = item.record()
            allowed = endpoint.published_quantities()
            if rec.quantity not in allowed:
                raise SpecError(
                    f"a {kind.name} endpoint can reproduce {', '.join(allowed)}; got "
                    f"{rec.quantity!r}",
                    field="quantity",
                )
            methods = endpoint.interval_methods()
            if rec.method and rec.method not in methods:
                raise SpecError(
                    f"must be one of {', '.join(map(repr, methods))}, got {rec.method!r}",
                    field="method",
                )
            published.append(rec)
    benchmarks = []
    for i, item in enumerate(tables["benchmarks"] or ()):
        with own.catch(endpoint=name, field_prefix=f"benchmarks[{i}]"):
            benchmarks.append(item.record())
    decision = None
    if tables["decision"] is not None:
        with own.catch(endpoint=name):
            decision = tables["decision"].record(endpoint)
    if len(own) > before:
        return _done(own, errors, before)
    return EndpointSpec(
        endpoint=endpoint,
        prior_specs={k: priors[k] for k in wanted},
        provenance=provenance,
        published=tuple(published),
        benchmarks=tuple(benchmarks),
        notes=table.notes,
        registry=priors,
        seed=seed,
        decision=decision,
    )


def _broken(ps, priors) -> bool:
    """Whether a robustify chain reaches an unknown or invalid prior (reported on its own)."""
    seen = set()
    while ps is not None and ps.depends_on() is not None:
        dep = ps.depends_on()
        if dep in seen or dep not in priors or priors[dep] is None:
            return True
        seen.add(dep)
        ps = priors[dep]
    return False


def _done(own: ErrorList, errors, before: int):
    if errors is None and len(own) > before:
        raise own.errors[before]
    return None


def parse_reported(table: ReportedTable) -> ReportedSpec:
    """A validated ``[[reported]]`` table into a :class:`ReportedSpec` (errors name the field)."""
    defaults = Defaults(table.tag, table.source)
    est, lo, hi = (
        defaults.sourced(getattr(table, k), k) for k in ("estimate", "ci_low", "ci_high")
    )
    mcid = defaults.sourced(table.mcid, "mcid", required=False)
    if not lo.value <= est.value <= hi.value:
        raise SpecError(
            f"the interval [{lo.value:g}, {hi.value:g}] does not contain the estimate "
            f"{est.value:g}",
            field="ci_low",
        )
    if table.scale == "ratio":
        for key, q in (("estimate", est), ("ci_low", lo), ("ci_high", hi)) + (
            (("mcid", mcid),) if mcid is not None else ()
        ):
            if q.value <= 0:
                raise SpecError(f"a ratio must be > 0, got {q.value:g}", field=key)
    return ReportedSpec(
        id=table.id,
        label=table.label or table.id,
        measure=table.measure or table.scale,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        scale=table.scale,
        level=table.level,
        mcid=mcid,
        benefit=table.benefit,
        decimals=table.decimals,
        notes=table.notes,
    )


def _list(doc: dict, key: str, errors: ErrorList) -> list:
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        errors.add(SpecError(f"must be a list of [[{key}]] tables, got {raw!r}", field=key))
        return []
    return raw


def parse_spec(doc: dict, path="<spec>", sha256: str = "") -> TrialSpec:
    """Validate a parsed TOML document into a :class:`TrialSpec`.

    Raises
    ------
    SpecError
        The spec's one error; :class:`~bayes_trials.errors.SpecErrors` (a SpecError) when
        there are several, one line each.
    """
    errors = ErrorList(path)
    if not isinstance(doc, dict):
        raise SpecError("a spec is a TOML document of tables", file=path)
    for key in doc:
        if key not in SpecDocument.model_fields:
            errors.add(
                SpecError(
                    "unknown table" + did_you_mean(key, list(SpecDocument.model_fields)), field=key
                )
            )
    trial = None
    if "trial" not in doc:
        errors.add(SpecError("missing table [trial] (id, title, citation)", field="trial"))
    else:
        trial, found = validate(TrialTable, doc["trial"])
        errors.add_problems(found, prefix="trial")
    sampling, found = validate(SamplingTable, doc.get("sampling", {}))
    errors.add_problems(found, prefix="sampling")
    seed = sampling.seed if sampling is not None else 0
    raw_priors = doc.get("priors", {})
    if not isinstance(raw_priors, dict):
        errors.add(SpecError(f"must be [priors.<name>] tables, got {raw_priors!r}", field="priors"))
        raw_priors = {}
    priors = {}
    for name, raw in raw_priors.items():
        table, found = validate(PriorUnion, raw, custom={"prior_form": prior_form_problem})
        errors.add_problems(found, prefix=f"priors.{name}")
        priors[name] = None
        if table is not None:
            with errors.catch():
                priors[name] = build_prior(name, table)
    check_prior_references(priors, errors)
    reported = []
    for i, raw in enumerate(_list(doc, "reported", errors)):
        rid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        table, found = validate(ReportedTable, raw)
        errors.add_problems(found, endpoint=rid, prefix="" if rid else f"reported[{i}]")
        if table is not None:
            with errors.catch(endpoint=rid):
                reported.append(parse_reported(table))
    raw_endpoints = _list(doc, "endpoints", errors)
    if not raw_endpoints and not doc.get("reported"):
        errors.add(
            SpecError(
                "a spec needs at least one [[endpoints]] (or [[reported]]) entry", field="endpoints"
            )
        )
    base_dir = None if str(path) == "<spec>" else Path(path).resolve().parent
    endpoints = []
    for i, raw in enumerate(raw_endpoints):
        es = parse_endpoint(raw, priors, seed, base_dir, errors=errors, index=i)
        if es is not None:
            endpoints.append(es)
    names = [raw.get("id") for raw in raw_endpoints if isinstance(raw, dict)]
    dupes = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if dupes:
        errors.add(SpecError(f"duplicate endpoint id(s) {dupes}", field="endpoints.id"))
    errors.raise_if_any()
    return TrialSpec(
        path=Path(path),
        sha256=sha256,
        trial=trial.model_dump(exclude_unset=True),
        sampling=sampling.model_dump(),
        priors=priors,
        endpoints=tuple(endpoints),
        reported=tuple(reported),
    )


def load_spec(path: str | os.PathLike) -> TrialSpec:
    """Read and validate a TOML re-analysis spec.

    Raises
    ------
    SpecError
        On a TOML syntax error, an unknown key, a missing or malformed field, impossible data
        (events > n, n = 0, ...), a target outside (0, 1), a non-positive prior parameter or
        an unknown endpoint kind; each message names file, endpoint and field. Several errors
        come together as a :class:`~bayes_trials.errors.SpecErrors` (one line each).
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
