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
from .checks import diagnostics_pass
from .summaries import fit_diagnostics, mcmc_columns

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

                with warnings.catch_warnings():
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
