"""The pipeline: one loop for every endpoint kind, from priors to checked summaries.

For each endpoint of a spec (or one endpoint given directly): each analysis (a model under a
prior; :meth:`Endpoint.analyses`) gets its exact posteriors, is sampled when
``method="mcmc"`` (one compile per model structure, cheap refits, the one retry policy of
:mod:`bayes_trials.fit`), and every quantity is summarised and checked against its exact
posterior; then the endpoint's published numbers and its Bayesian-vs-frequentist identities
are checked.

>>> import bayes_trials as bt
>>> ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
>>> res = bt.analyse(ep, priors={"uniform": bt.Beta(1, 1)}, method="exact")
>>> t = res.table()
>>> round(float(t.loc[t["prior"] == "uniform", "exact_mean"].iloc[0]), 4)   # (1 + 9) / (2 + 9)
0.9091
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _validate as v
from . import progress
from ._constants import CRED_LEVEL, DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, METHODS
from .checks import KINDS, Check, family_wise, family_wise_z, mcmc_vs_exact, sampler_diagnostics
from .errors import BayesTrialsError, SpecError, StatisticalWarning
from .fit import TIMINGS, derive_seed, sample_all
from .reported import analyse_reported, reported_checks
from .results import EndpointResult, Fit, TrialResult
from .spec import TrialSpec, load_spec
from .summaries import exact_columns

if TYPE_CHECKING:
    from .endpoints.base import Endpoint

__all__ = ["analyse", "analyse_endpoint", "check_analysis_inputs"]


def check_analysis_inputs(name: str, priors: dict, method: str, level: float) -> float:
    """Validate what every endpoint's analysis takes: a known method, a level in (0, 1) and at
    least one prior; returns the level. Errors name the endpoint and the field."""
    v.one_of(method, METHODS, "method", SpecError)
    level = v.open_unit(level, "level", SpecError)
    if not priors:
        raise SpecError("no priors to analyse", endpoint=name, field="priors")
    return level


def _prepare(endpoint, analysis, *, method, draws, tune, chains, seed, level, trial_id):
    """One analysis's exact posteriors and summary rows, and its sampling job (the keyword
    arguments of :func:`bayes_trials.fit.sample_until_diagnostics_pass`) when it is sampled.

    An analysis that has no exact posterior and is not sampled (a model without a closed
    form under ``method="exact"``) has nothing to report: ``(None, None)``.
    """
    model, prior = analysis.model, analysis.prior
    quantities = model.quantities(prior)
    exact = model.exact(prior)
    if not exact and (method != "mcmc" or not model.samples(prior)):
        return None, None
    base = model.prior_summary(prior, exact)
    note = model.uninformative()
    if note:
        base = {**base, "note": note}
    rows = {
        q.name: {**base, **(exact_columns(q, exact[q.name], level) if q.name in exact else {})}
        for q in quantities
    }
    fit = Fit(analysis, exact, rows)
    if method != "mcmc" or not model.samples(prior):
        return fit, None
    fit.seed = derive_seed(seed, trial_id, *(analysis.seed_names or (endpoint.name, analysis.name)))
    return fit, {
        "model": model,
        "prior": prior,
        "quantities": quantities,
        "exact": exact,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "seed": fit.seed,
        "level": level,
    }


def _complete(endpoint, fit, sampled, level) -> list:
    """A sampled analysis: its draws and MCMC rows into ``fit``; its checks."""
    analysis, model, prior = fit.analysis, fit.analysis.model, fit.analysis.prior
    tree, mc_rows, diag, attempts, target_accept = sampled
    tidy = getattr(model, "tidy_posterior", None)
    fit.posterior = tree if tidy is None else tidy(tree)
    fit.attempts, fit.diagnostics = attempts, diag
    checks = []
    note = model.uninformative()
    for q in model.quantities(prior):
        fit.rows[q.name].update(
            mc_rows[q.name],
            divergences=diag["divergences"],
            draws=diag["draws"],
            target_accept=target_accept,
            seed=fit.seed,
            attempts=attempts,
        )
        if q.name in fit.exact and note:
            checks.append(
                Check(
                    endpoint.name,
                    KINDS[1],
                    f"{q.label}: MCMC vs exact",
                    None,
                    None,
                    "-",
                    None,
                    f"{note}; the draws restate the prior, so they are not compared",
                    prior=analysis.name,
                )
            )
        elif q.name in fit.exact:
            checks += mcmc_vs_exact(endpoint.name, analysis.name, q, fit.rows[q.name], level)
    diag_checks = sampler_diagnostics(
        endpoint.name, analysis.name, diag, model.diagnostics_label(prior)
    )
    if not diag_checks[0].passed:
        warnings.warn(
            f"{endpoint.name} / {analysis.name}: {diag_checks[0].message}",
            StatisticalWarning,
            stacklevel=4,
        )
    return checks + diag_checks


@dataclass
class _Pending:
    """An endpoint between its exact part and its sampling: its fits and their jobs."""

    endpoint: object
    level: float
    method: str
    spec: object
    fits: list = field(default_factory=list)  # (fit, job or None)

    @property
    def jobs(self) -> list:
        return [job for _, job in self.fits if job is not None]


def _prepare_endpoint(
    endpoint, priors: dict, *, method, draws, tune, chains, seed, level, spec, trial_id
) -> _Pending:
    level = check_analysis_inputs(endpoint.name, priors, method, level)
    for name, prior in priors.items():
        try:
            endpoint.check_prior(prior)
        except BayesTrialsError as err:
            raise err.located(endpoint=endpoint.name, field=f"priors.{name}") from None
    pending = _Pending(endpoint, level, method, spec)
    with TIMINGS.phase("checks"), progress.stage("exact posteriors"):
        for analysis in endpoint.analyses(priors):
            progress.describe(f"{endpoint.name} / {analysis.name}")
            fit, job = _prepare(
                endpoint,
                analysis,
                method=method,
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                level=level,
                trial_id=trial_id,
            )
            if fit is not None:
                pending.fits.append((fit, job))
    return pending


def _finish_endpoint(pending: _Pending, sampled: list) -> EndpointResult:
    """The sampled results (in the order of ``pending.jobs``) into the fits; every check."""
    endpoint, level, spec = pending.endpoint, pending.level, pending.spec
    progress.describe(endpoint.name)
    with TIMINGS.phase("checks"), progress.stage("checks"):
        results = iter(sampled)
        fits, checks = {}, []
        for fit, job in pending.fits:
            fits[fit.analysis.name] = fit
            if job is not None:
                checks += _complete(endpoint, fit, next(results), level)
        reference = endpoint.reference(level)
        published = spec.published if spec is not None else ()
        assumed = spec is not None and spec.data_assumed
        checks = (
            endpoint.published_checks(reference, published, assumed)
            + checks
            + endpoint.reference_checks(reference, fits, level)
        )
    return EndpointResult(
        endpoint, fits, reference, spec=spec, level=level, method=pending.method, _checks=checks
    )


def analyse_endpoint(
    endpoint,
    priors: dict,
    *,
    method: str = "mcmc",
    draws: int = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    seed: int = 0,
    level: float = CRED_LEVEL,
    spec=None,
    trial_id: str = "",
    client=None,
    workers: int = 1,
) -> EndpointResult:
    """Fit one endpoint under each prior and run every check that applies.

    The exact posteriors are always computed; with ``method="mcmc"`` each analysis is also
    sampled and each quantity checked against its exact posterior. With ``method="exact"``
    an analysis without any exact posterior is left out of the result. Per-fit seeds are
    ``derive_seed(seed, trial_id, endpoint, analysis)`` (or the analysis's ``seed_names`` in
    place of the last two), so a fit's draws do not depend on what else the run contains,
    nor on where it runs: with ``client`` (a Dask Client or scheduler address) or ``workers``
    > 1 (a LocalCluster) the fits are sampled in worker processes, one task per model
    structure (:func:`bayes_trials.fit.sample_all`).
    """
    pending = _prepare_endpoint(
        endpoint,
        priors,
        method=method,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        level=level,
        spec=spec,
        trial_id=trial_id,
    )
    return _finish_endpoint(pending, sample_all(pending.jobs, client=client, workers=workers))


def judge_family_wise(results) -> None:
    """Judge every MCMC comparison of a run at one family-wise tolerance
    (:func:`bayes_trials.checks.family_wise`): the run's chance of any false alarm is
    ``FAMILY_ALPHA`` however many endpoints and priors it has."""
    m = sum(c.z is not None for r in results for c in r._checks)
    z_max = family_wise_z(m)
    for r in results:
        r._checks = family_wise(r._checks) if m else r._checks
        r.family_z = z_max


def analyse(
    endpoint_or_spec: TrialSpec | Endpoint,
    priors: dict | None = None,
    *,
    method: str = "mcmc",
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    seed: int | None = None,
    level: float | None = None,
    client: Any = None,
    workers: int = 1,
) -> TrialResult | EndpointResult:
    """Re-analyse a spec (every endpoint) or a single endpoint.

    Parameters
    ----------
    endpoint_or_spec : TrialSpec, path to a spec, or an endpoint (e.g. :class:`BinaryEndpoint`)
    priors : dict name -> distribution, optional
        For a spec: replaces each endpoint's priors. For an endpoint: defaults to its
        reference priors (uniform and Jeffreys for a binary endpoint).
    method : {"mcmc", "exact"}
        ``"exact"`` skips sampling (nothing is compiled) and reports the exact posteriors.
    draws, tune, chains, seed, level
        Override the spec's ``[sampling]`` settings (defaults 1000, 1000, 4, 0, 0.95).
    client : dask.distributed.Client or scheduler address, optional
        Sample there: the fits of each model structure as one task, so structures compile
        in parallel, one compile per worker and structure; the same numbers as without.
    workers : int
        Without ``client``: sample in a LocalCluster of this many processes (at most one per
        model structure; 1, the default: here, without Dask).

    Returns
    -------
    TrialResult for a spec, EndpointResult for an endpoint.
    """
    if isinstance(endpoint_or_spec, (str, Path)):
        endpoint_or_spec = load_spec(endpoint_or_spec)
    if isinstance(endpoint_or_spec, TrialSpec):
        spec = endpoint_or_spec
        settings = dict(spec.sampling)
        for key, val in (
            ("draws", draws),
            ("tune", tune),
            ("chains", chains),
            ("seed", seed),
            ("level", level),
        ):
            if val is not None:
                settings[key] = val
        # the progress display counts a step per sampled fit and per endpoint checked
        with progress.bar(len(spec.endpoints), spec.name):
            pending = [
                _prepare_endpoint(
                    es.endpoint,
                    priors if priors is not None else es.priors,
                    method=method,
                    spec=es,
                    trial_id=spec.name,
                    **settings,
                )
                for es in spec.endpoints
            ]
            jobs = [job for p in pending for job in p.jobs]
            labels = [
                f"{p.endpoint.name} / {fit.analysis.name}"
                for p in pending
                for fit, job in p.fits
                if job is not None
            ]
            progress.grow(len(jobs))
            # every sampled fit of the spec at once: structures in parallel on a cluster
            sampled = iter(
                sample_all(
                    jobs,
                    client=client,
                    workers=workers,
                    on_start=lambda i: progress.describe(labels[i]),
                    on_done=progress.advance,
                )
            )
            results = {}
            for p in pending:
                results[p.endpoint.name] = _finish_endpoint(p, [next(sampled) for _ in p.jobs])
                progress.advance()
        with TIMINGS.phase("checks"):
            judge_family_wise(results.values())
            reported = {
                rs.id: analyse_reported(rs, level=settings["level"]) for rs in spec.reported
            }
            checks = [c for rs in spec.reported for c in reported_checks(rs)]
        return TrialResult(spec, results, {**settings, "method": method}, reported, checks)
    endpoint = endpoint_or_spec
    use = priors if priors is not None else endpoint.reference_priors()
    result = analyse_endpoint(
        endpoint,
        use,
        method=method,
        draws=draws or DEFAULT_DRAWS,
        tune=tune or DEFAULT_TUNE,
        chains=chains or DEFAULT_CHAINS,
        seed=seed or 0,
        level=level or CRED_LEVEL,
        client=client,
        workers=workers,
    )
    judge_family_wise([result])
    return result
