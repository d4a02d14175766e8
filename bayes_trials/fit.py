"""Sampling: compile each model structure once per process, refit by swapping data.

PyMC's compile step (seconds) dwarfs sampling these small models (a tenth of a second), so
a compiled nutpie model is cached per *structure* (:meth:`Model.structure`: endpoint kind,
number of prior components, ...) and every later fit only swaps the ``pm.Data`` values with
nutpie's ``with_data``. The cache is per process, so each Dask worker keeps its own.

This is the one sampling path of the package and holds its one retry policy
(:func:`sample_until_diagnostics_pass`).
"""

from __future__ import annotations

import threading
import warnings
import zlib

import numpy as np

from ._constants import (
    CRED_LEVEL,
    DEFAULT_CHAINS,
    DEFAULT_DRAWS,
    DEFAULT_TARGET_ACCEPT,
    DEFAULT_TUNE,
    RETRIES,
)
from . import progress
from .checks import diagnostics_pass
from .summaries import fit_diagnostics, mcmc_columns, stratified_columns

#: mixture components whose posterior weight is below this are not sampled: what they could
#: add to any probability is below it, far under the Monte Carlo error of the others
MIN_STRATUM_WEIGHT = 1e-8

__all__ = ["ModelCache", "CACHE", "derive_seed", "target_accept_for", "sample",
           "sample_until_diagnostics_pass", "DEFAULT_DRAWS", "DEFAULT_TUNE", "DEFAULT_CHAINS",
           "DEFAULT_TARGET_ACCEPT", "RETRIES"]


class ModelCache:
    """Compiled samplers keyed by model structure; thread-safe, one compile per key."""

    def __init__(self):
        self._models: dict = {}
        self._lock = threading.Lock()
        self.compiles = 0

    def get(self, structure, build):
        with self._lock:
            if structure not in self._models:
                import nutpie  # heavy (numba): imported when the first model compiles

                with warnings.catch_warnings(), progress.stage("compiling", str(structure[0])):
                    warnings.simplefilter("ignore", FutureWarning)
                    self._models[structure] = nutpie.compile_pymc_model(build(structure))
                self.compiles += 1
            return self._models[structure]

    def clear(self) -> None:
        with self._lock:
            self._models.clear()


#: the process-wide cache
CACHE = ModelCache()


def derive_seed(seed: int, *names: str) -> int:
    """A reproducible per-fit seed from a run seed and the names of what is fitted."""
    entropy = [int(seed)] + [zlib.crc32(n.encode()) for n in names]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def target_accept_for(model, prior) -> float:
    """NUTS target acceptance for a fit: the model's own (``model.target_accept(prior)``,
    for posteriors with long tails on the sampled scale) or :data:`DEFAULT_TARGET_ACCEPT`."""
    own = getattr(model, "target_accept", None)
    return float(own(prior)) if callable(own) else DEFAULT_TARGET_ACCEPT


def sample(model, prior, *, draws: int = DEFAULT_DRAWS, tune: int = DEFAULT_TUNE,
           chains: int = DEFAULT_CHAINS, seed: int = 0, target_accept: float | None = None,
           cache: ModelCache = CACHE):
    """Sample the posterior of ``model`` under ``prior`` with nutpie.

    ``model`` follows :class:`bayes_trials.endpoints.base.Model` (``structure``,
    ``build_model``, ``model_inputs``); ``target_accept`` defaults to
    :func:`target_accept_for`. Returns the ``xarray.DataTree`` (groups ``posterior`` and
    ``sample_stats``; warm-up draws are not kept).
    """
    import nutpie

    if target_accept is None:
        target_accept = target_accept_for(model, prior)
    compiled = cache.get(model.structure(prior), model.build_model)
    compiled = compiled.with_data(**model.model_inputs(prior))
    with progress.stage("sampling"):
        return nutpie.sample(compiled, draws=int(draws), tune=int(tune), chains=int(chains),
                             seed=int(seed), save_warmup=False, progress_bar=False,
                             target_accept=float(target_accept))


def sample_until_diagnostics_pass(model, prior, quantities, exact: dict, *, draws: int, tune: int,
                                  chains: int, seed: int, level: float = CRED_LEVEL):
    """Sample; if R-hat, ESS or divergences fail, refit with the settings in ``RETRIES``.

    The first attempt runs at the model's target acceptance; each retry at
    ``max(retry target, that)`` with more draws and the next seed, on the same compiled
    model. Returns ``(tree, rows, diagnostics, attempts, target_accept)``: ``rows`` maps each
    quantity to its MCMC summary (:func:`bayes_trials.summaries.mcmc_columns`), with the
    exact posterior's cdf at the interval ends where ``exact`` has the quantity.
    """
    strata = getattr(model, "strata", None)
    parts = strata(prior) if callable(strata) else None
    if parts:
        return sample_strata(model, parts, quantities, exact, draws=draws, tune=tune,
                             chains=chains, seed=seed, level=level)
    first = target_accept_for(model, prior)
    settings = ((first, 1), *((max(ta, first), mult) for ta, mult in RETRIES))
    for attempt, (target_accept, mult) in enumerate(settings, start=1):
        tree = sample(model, prior, draws=draws * mult, tune=tune, chains=chains,
                      seed=seed + attempt - 1, target_accept=target_accept)
        draws_of = model.draws(tree)
        rows = {q.name: mcmc_columns(q, draws_of[q.name], level, exact=exact.get(q.name))
                for q in quantities}
        diag = fit_diagnostics(tree, rows)
        if diagnostics_pass(diag):
            break
    return tree, rows, diag, attempt, target_accept


def sample_strata(model, parts, quantities, exact: dict, *, draws: int, tune: int, chains: int,
                  seed: int, level: float = CRED_LEVEL):
    """Sample a mixture posterior component by component and combine with the exact weights.

    ``parts`` is ``[(posterior weight, component prior), ...]`` (:meth:`Model.strata`).
    Each component's posterior, unimodal, is sampled on the same compiled model with its own
    retries and seed (the run's seed plus the component's position); the summaries are the
    stratified estimates of :func:`bayes_trials.summaries.stratified_columns`. The returned
    tree holds draws allocated to the components in proportion to their weights (largest
    remainder), with the component of each draw in ``stratum``: a sample of the mixture
    posterior for figures and saved files, not for MCMC diagnostics.
    """
    import xarray as xr

    kept = [(k, w, comp) for k, (w, comp) in enumerate(parts) if w >= MIN_STRATUM_WEIGHT]
    weights = np.array([w for _, w, _ in kept])
    fits = []
    for k, _, comp in kept:
        fits.append(sample_until_diagnostics_pass(model, comp, quantities, model.exact(comp),
                                                  draws=draws, tune=tune, chains=chains,
                                                  seed=seed + 1000 * k, level=level))
    exact_parts = [model.exact(comp) for _, _, comp in kept]
    rows = {}
    for q in quantities:
        part_draws = [model.draws(f[0])[q.name] for f in fits]
        rows[q.name] = stratified_columns(q, part_draws, weights, level, exact=exact.get(q.name),
                                          exact_parts=[e.get(q.name) for e in exact_parts])
        rows[q.name]["strata"] = len(kept)
    diag = {"r_hat": max(f[2]["r_hat"] for f in fits),
            "ess_bulk": min(r["ess_bulk"] for r in rows.values()),
            "ess_tail": min(f[2]["ess_tail"] for f in fits),
            "divergences": sum(f[2]["divergences"] for f in fits),
            "draws": sum(f[2]["draws"] for f in fits)}
    # a pooled sample of the mixture posterior: per chain, draws in proportion to the weights
    n = min(int(f[0]["posterior"].sizes["draw"]) for f in fits)
    share = weights / weights.sum() * n
    counts = np.floor(share).astype(int)
    counts[np.argsort(share - counts)[::-1][: n - counts.sum()]] += 1
    posts, stats = [], []
    for (k, _, _), f, c in zip(kept, fits, counts):
        post = f[0]["posterior"].to_dataset().isel(draw=slice(0, int(c)))
        posts.append(post.assign(stratum=(("chain", "draw"), np.full((post.sizes["chain"], int(c)), k))))
        if "sample_stats" in f[0].children:
            stats.append(f[0]["sample_stats"].to_dataset()[["diverging"]].isel(draw=slice(0, int(c))))
    pooled = {"/posterior": xr.concat(posts, dim="draw").assign_coords(draw=np.arange(n))}
    if len(stats) == len(posts):
        pooled["/sample_stats"] = xr.concat(stats, dim="draw").assign_coords(draw=np.arange(n))
    tree = xr.DataTree.from_dict(pooled)
    return tree, rows, diag, max(f[3] for f in fits), max(f[4] for f in fits)
