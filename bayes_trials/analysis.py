"""The pipeline: endpoint (+ priors) -> fit -> checks -> summaries, as result objects.

>>> import bayes_trials as bt
>>> ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
>>> res = bt.analyse(ep, priors={"uniform": bt.Beta(1, 1)}, method="exact")
>>> round(float(res.summary().loc["uniform", "exact_mean"]), 4)   # (1 + 9) / (2 + 9)
0.9091
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field

import pandas as pd

from . import checks as chk
from .errors import StatisticalWarning
from .fit import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, derive_seed, sample
from .priors import CRED_LEVEL
from .summaries import evidence_columns, exact_columns, mcmc_columns, prior_columns

METHODS = ("mcmc", "exact")


@dataclass
class PriorFit:
    """The posterior of one endpoint under one prior: draws (if sampled) and the exact form."""

    name: str
    prior: object
    exact: object
    row: dict
    posterior: object = None  # xarray.DataTree when sampled
    seed: int | None = None


@dataclass
class ModelResult:
    """What every endpoint's result offers the trial, the report and the command line.

    ``fits`` maps prior name -> :class:`PriorFit` (``posterior`` a DataTree when sampled);
    ``reference`` the frequentist reference (``as_dict()``); ``checks()`` the checks table.
    Endpoint kinds whose parameter is not one scalar (response categories, adverse-event
    tables, survival curves) subclass this and add ``summary()`` (a DataFrame),
    ``report_blocks()`` (a list of (heading, DataFrame)), ``sentences()`` (the prose) and
    ``plot()`` (a matplotlib figure); the report shows them as they are.
    """

    endpoint: object
    fits: dict  # prior name -> PriorFit
    reference: object
    spec: object = None  # EndpointSpec when run from a spec
    level: float = CRED_LEVEL
    method: str = "mcmc"
    _checks: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.endpoint.name

    def checks(self) -> pd.DataFrame:
        return chk.to_frame(self._checks)

    def assumed_fields(self) -> list:
        """The spec fields of this endpoint tagged ``assumed`` (the report flags every one)."""
        if self.spec is None:
            return []
        return [k for k, q in self.spec.provenance.items() if q.tag == "assumed"]

    def assumed_sentences(self) -> list:
        """The report's warning that results rest on assumed numbers (none if nothing is)."""
        assumed = self.assumed_fields()
        if not assumed:
            return []
        return [f"ASSUMED numbers ({', '.join(assumed)}): every result below depends on them; "
                "see the provenance table for their sources."]

    def checks_sentence(self) -> str:
        """'Checks: k passed, f failed, m not applicable.'"""
        c = self.checks()
        n_fail = int((c["passed"] == False).sum())  # noqa: E712
        n_na = int(c["passed"].isna().sum())
        return f"Checks: {len(c) - n_fail - n_na} passed, {n_fail} failed, {n_na} not applicable."

    def benchmarks(self) -> pd.DataFrame:
        """Comparisons with benchmark trials (empty unless the kind defines them)."""
        return pd.DataFrame()

    @property
    def design(self):
        return None

    @property
    def posterior(self):
        """A DataTree with one child per prior (posterior and sample_stats groups)."""
        import xarray as xr

        children = {name: fit.posterior for name, fit in self.fits.items() if fit.posterior is not None}
        return xr.DataTree.from_dict({f"/{k}": _slim(t) for k, t in children.items()}) if children else None

    @property
    def all_passed(self) -> bool:
        return all(c.passed is not False for c in self._checks)

    def __repr__(self) -> str:
        failed = sum(c.passed is False for c in self._checks)
        return (f"<{type(self).__name__} {self.name}: {self.endpoint.describe_data()}, {len(self.fits)} "
                f"priors, method={self.method}, {len(self._checks)} checks, {failed} failed>")

    def _repr_html_(self) -> str:
        from .report import endpoint_tables

        return endpoint_tables(self, fmt="html")


@dataclass(repr=False)
class EndpointResult(ModelResult):
    """Everything about one scalar endpoint: fits under each prior, frequentist reference, checks.

    ``summary()`` is a DataFrame indexed by prior; ``checks()`` the three kinds of check;
    ``plot()`` prior and posterior densities; ``posterior`` a DataTree with one child per
    prior.
    """

    def summary(self) -> pd.DataFrame:
        """Posterior summaries per prior, MCMC columns beside the exact ones."""
        rows = []
        for name, fit in self.fits.items():
            rows.append({"endpoint": self.name, "prior_name": name, **fit.row})
        return pd.DataFrame(rows).set_index("prior_name")

    def benchmarks(self) -> pd.DataFrame:
        """Each benchmark against the posterior, per prior, in the endpoint's direction.

        ``exact_prob``: P(theta beyond the benchmark rate) taken as a fixed number (exact;
        ``prob`` from the draws when sampled). Where the spec gives the benchmark's counts,
        ``exact_prob_vs_uncertain``: P(theta beyond theta_benchmark) with the benchmark's own
        uncertainty, its rate given the Jeffreys posterior Beta(events + 1/2, n - events + 1/2),
        by numerical integration (:func:`bayes_trials.prob_difference`).
        """
        from .predictive import prob_difference
        from .priors import Beta

        rows = []
        ep = self.endpoint
        sign = ">" if ep.direction == "greater" else "<"
        bms = self.spec.benchmarks if self.spec is not None else ()
        for bm in bms:
            bench_post = None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
            for name, fit in self.fits.items():
                exact = fit.exact.sf(bm.value) if ep.direction == "greater" else fit.exact.cdf(bm.value)
                row = {"endpoint": self.name, "benchmark": bm.name,
                       "comparison": f"P({ep.parameter} {sign} {bm.value:g})", "tag": bm.tag,
                       "prior_name": name, "exact_prob": float(exact)}
                if fit.posterior is not None:
                    draws = fit.posterior["posterior"][ep.parameter]
                    beyond = draws > bm.value if ep.direction == "greater" else draws < bm.value
                    row["prob"] = float(beyond.mean())
                if bench_post is not None:
                    p_greater = prob_difference(fit.exact, bench_post, 0.0)
                    row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                    row["exact_prob_vs_uncertain"] = p_greater if ep.direction == "greater" else 1 - p_greater
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def design(self):
        """The endpoint's decision rule, boundaries and exact OCs (None without a rule)."""
        if self.spec is None or self.spec.decision is None:
            return None
        if "_design" not in self.__dict__:
            from .design import design_endpoint

            self.__dict__["_design"] = design_endpoint(
                self.endpoint, {n: f.prior for n, f in self.fits.items()}, self.spec.decision)
        return self.__dict__["_design"]

    def plot(self, ax=None):
        """Prior (dashed) and exact posterior (solid) densities per prior, target marked."""
        from .report import plot_endpoint

        return plot_endpoint(self, ax=ax)


@dataclass
class TrialResult:
    """The re-analysis of a whole spec: one :class:`EndpointResult` per endpoint."""

    spec: object
    endpoints: dict  # name -> EndpointResult
    settings: dict
    reported: dict = field(default_factory=dict)  # id -> DataFrame (reanalyse_reported)

    def __getitem__(self, name) -> EndpointResult:
        return self.endpoints[name]

    def summary(self) -> pd.DataFrame:
        return pd.concat([r.summary() for r in self.endpoints.values()])

    def checks(self) -> pd.DataFrame:
        frames = [r.checks() for r in self.endpoints.values()]
        frames.append(chk.to_frame([c for rs in self.spec.reported for c in chk.reported_checks(rs)]))
        return pd.concat([f for f in frames if len(f)] or frames, ignore_index=True)

    @property
    def posterior(self):
        import xarray as xr

        tree = {}
        for name, res in self.endpoints.items():
            for prior, fit in res.fits.items():
                if fit.posterior is not None:
                    tree[f"/{name}/{prior}"] = _slim(fit.posterior)
        return xr.DataTree.from_dict(tree) if tree else None

    @property
    def all_passed(self) -> bool:
        return all(r.all_passed for r in self.endpoints.values())

    def plot(self):
        return {name: res.plot() for name, res in self.endpoints.items()}

    def __repr__(self) -> str:
        c = self.checks()
        return (f"<TrialResult {self.spec.name}: {len(self.endpoints)} endpoints, "
                f"{len(c)} checks, {(c['passed'] == False).sum()} failed>")  # noqa: E712

    def _repr_html_(self) -> str:
        head = f"<h3>{html.escape(self.spec.trial['title'])}</h3>"
        return head + "".join(r._repr_html_() for r in self.endpoints.values())


def check_analysis_inputs(name: str, priors: dict, method: str, level: float) -> float:
    """Validate what every endpoint's analysis takes: a known method, a level in (0, 1) and at
    least one prior; returns the level. Errors name the endpoint and the field."""
    from . import _validate as v
    from .errors import SpecError

    v.one_of(method, METHODS, "method", SpecError)
    level = v.open_unit(level, "level", SpecError)
    if not priors:
        raise SpecError("no priors to analyse", endpoint=name, field="priors")
    return level


def _slim(tree):
    """Posterior and the scalar sampler statistics worth keeping (drops object columns)."""
    import xarray as xr

    keep = {"/posterior": tree["posterior"].to_dataset()}
    if "sample_stats" in tree.children:
        stats = tree["sample_stats"].to_dataset()
        wanted = [v for v in ("diverging", "step_size", "depth", "energy", "n_steps", "logp")
                  if v in stats]
        keep["/sample_stats"] = stats[wanted]
    return xr.DataTree.from_dict(keep)


#: refits tried, in order, when a fit fails its sampler diagnostics: (target_accept, draws
#: multiplier); each reuses the compiled model. A safety net: posteriors piled against 0 or
#: 1 are strongly skewed on the logit scale, where NUTS samples, and a short run can fall
#: just under the ESS bar. (At 0.99 ArviZ's MCSE of the mean was seen to underestimate the
#: error, z-scores with sd 1.3 over 30 seeds, so the retries stop at 0.95.)
RETRIES = ((0.95, 2), (0.95, 4))


def _sample_until_diagnostics_pass(endpoint, prior, exact, *, draws, tune, chains, seed, level):
    """Sample; if R-hat, ESS or divergences fail, refit with the settings in RETRIES."""
    from .fit import target_accept_for

    first = target_accept_for(endpoint, prior)
    settings = ((first, 1), *((max(ta, first), mult) for ta, mult in RETRIES))
    for attempt, (target_accept, mult) in enumerate(settings, start=1):
        tree = sample(endpoint, prior, draws=draws * mult, tune=tune, chains=chains,
                      seed=seed + attempt - 1, target_accept=target_accept)
        mc = mcmc_columns(endpoint, tree, level, exact=exact)
        mc["target_accept"] = target_accept
        if chk.sampler_diagnostics(endpoint, "", mc)[0].passed:
            break
    return tree, mc, attempt


def analyse_endpoint(endpoint, priors: dict, *, method="mcmc", draws=DEFAULT_DRAWS,
                     tune=DEFAULT_TUNE, chains=DEFAULT_CHAINS, seed: int = 0,
                     level: float = CRED_LEVEL, spec=None, trial_id: str = "") -> EndpointResult:
    """Fit one endpoint under each prior and run every check that applies.

    The exact posterior is always computed; with ``method="mcmc"`` each prior is also
    sampled (one compile per model structure, cheap refits) and checked against it.
    """
    level = check_analysis_inputs(endpoint.name, priors, method, level)
    fits = {}
    checks = []
    for name, prior in priors.items():
        exact = endpoint.exact_posterior(prior)
        row = {**prior_columns(prior), **exact_columns(endpoint, exact, level),
               **evidence_columns(prior, endpoint.data, exact)}
        tree, fit_seed = None, None
        if method == "mcmc":
            fit_seed = derive_seed(seed, trial_id, endpoint.name, name)
            tree, mc, attempts = _sample_until_diagnostics_pass(
                endpoint, prior, exact, draws=draws, tune=tune, chains=chains,
                seed=fit_seed, level=level)
            row.update(mc)
            row["seed"] = fit_seed
            row["attempts"] = attempts
            checks += chk.mcmc_vs_exact(endpoint, name, row, level)
            diag = chk.sampler_diagnostics(endpoint, name, row)
            if not diag[0].passed:
                warnings.warn(f"{endpoint.name} / {name}: {diag[0].message}", StatisticalWarning,
                              stacklevel=2)
            checks += diag
        fits[name] = PriorFit(name, prior, exact, row, tree, fit_seed)
    reference = endpoint.frequentist(level)
    published = spec.published if spec is not None else ()
    assumed = spec is not None and any(q.tag == "assumed" for q in spec.provenance.values()
                                       if q is not spec.provenance.get("target"))
    checks = chk.published_checks(endpoint, reference, published, assumed_data=assumed) + checks
    jeffreys_prior = endpoint.reference_priors().get("jeffreys")
    jeffreys = next((f.row for f in fits.values()
                     if f.prior == jeffreys_prior and f.posterior is not None), None)
    checks += chk.bayes_vs_frequentist(endpoint, reference, jeffreys, level)
    return EndpointResult(endpoint, fits, reference, spec=spec, level=level, method=method,
                          _checks=checks)


def analyse_reported(rs, level: float = CRED_LEVEL) -> pd.DataFrame:
    """The exact normal-normal re-analysis of a reported effect under the standard prior grid."""
    from .reported import reanalyse_reported

    with warnings.catch_warnings():
        # the asymmetry warning is reported as a check instead
        warnings.simplefilter("ignore", StatisticalWarning)
        return reanalyse_reported(
            rs.estimate.value, rs.ci_low.value, rs.ci_high.value, scale=rs.scale, level=rs.level,
            mcid=None if rs.mcid is None else rs.mcid.value, benefit=rs.benefit, cred_level=level)


def analyse(target, priors: dict | None = None, *, method: str = "mcmc", draws: int | None = None,
            tune: int | None = None, chains: int | None = None, seed: int | None = None,
            level: float | None = None):
    """Re-analyse a spec (every endpoint) or a single endpoint.

    Parameters
    ----------
    target : TrialSpec, path to a spec, or an endpoint (e.g. :class:`BinaryEndpoint`)
    priors : dict name -> distribution, optional
        For a spec: replaces each endpoint's priors. For an endpoint: defaults to the
        reference priors (uniform and Jeffreys).
    method : {"mcmc", "exact"}
        ``"exact"`` skips sampling and reports the conjugate posterior only.
    draws, tune, chains, seed, level
        Override the spec's ``[sampling]`` settings (defaults 1000, 1000, 4, 0, 0.95).

    Returns
    -------
    TrialResult for a spec, EndpointResult for an endpoint.
    """
    from pathlib import Path

    from .spec import TrialSpec, load_spec

    if isinstance(target, (str, Path)):
        target = load_spec(target)
    if isinstance(target, TrialSpec):
        settings = dict(target.sampling)
        for key, val in (("draws", draws), ("tune", tune), ("chains", chains), ("seed", seed),
                         ("level", level)):
            if val is not None:
                settings[key] = val
        results = {}
        for es in target.endpoints:
            use = priors if priors is not None else es.priors
            # an endpoint kind whose parameter is not one scalar (categories, adverse-event
            # tables, survival curves) analyses itself into a result with the same interface
            run = getattr(es.endpoint, "analyse", None)
            if run is not None:
                results[es.endpoint.name] = run(use, method=method, spec=es, trial_id=target.name, **settings)
            else:
                results[es.endpoint.name] = analyse_endpoint(
                    es.endpoint, use, method=method, spec=es, trial_id=target.name, **settings)
        reported = {rs.id: analyse_reported(rs, level=settings["level"]) for rs in target.reported}
        return TrialResult(target, results, {**settings, "method": method}, reported)
    use = priors if priors is not None else target.reference_priors()
    return analyse_endpoint(
        target, use, method=method, draws=draws or DEFAULT_DRAWS, tune=tune or DEFAULT_TUNE,
        chains=chains or DEFAULT_CHAINS, seed=seed or 0, level=level or CRED_LEVEL)
