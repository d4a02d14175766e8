"""Sampling: compile each model structure once per process, refit by swapping data.

PyMC's compile step (seconds) dwarfs sampling these small models (a tenth of a second),
so a compiled nutpie model is cached per *structure* (endpoint kind, number of prior
components, ...) and every later fit only swaps the ``pm.Data`` values with nutpie's
``with_data``. The cache is per process, so each Dask worker keeps its own.
"""

from __future__ import annotations

import threading
import warnings
import zlib
from dataclasses import dataclass

import numpy as np


#: default MCMC settings; every fit records the ones it used
DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 1000
DEFAULT_CHAINS = 4
#: NUTS target acceptance, 0.9 rather than nutpie's 0.8: posteriors piled against a
#: boundary (9/9 under the Jeffreys prior is Beta(9.5, 0.5), a density unbounded at 1)
#: have long exponential tails on the logit scale, and smaller steps follow them better.
DEFAULT_TARGET_ACCEPT = 0.9


class ModelCache:
    """Compiled samplers keyed by model structure; thread-safe, one compile per key."""

    def __init__(self):
        self._models: dict = {}
        self._lock = threading.Lock()
        self.compiles = 0

    def get(self, structure: tuple, build):
        with self._lock:
            if structure not in self._models:
                import nutpie

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


@dataclass(frozen=True)
class Diagnostics:
    """Sampler diagnostics of one parameter: R-hat, bulk/tail ESS, divergences."""

    r_hat: float
    ess_bulk: float
    ess_tail: float
    divergences: int
    draws: int
    chains: int


def target_accept_for(endpoint, prior) -> float:
    """NUTS target acceptance for a fit: the endpoint's own (``endpoint.target_accept(prior)``,
    for posteriors with long tails on the sampled scale) or :data:`DEFAULT_TARGET_ACCEPT`."""
    own = getattr(endpoint, "target_accept", None)
    return float(own(prior)) if callable(own) else DEFAULT_TARGET_ACCEPT


def sample(endpoint, prior, *, draws=DEFAULT_DRAWS, tune=DEFAULT_TUNE, chains=DEFAULT_CHAINS,
           seed: int = 0, target_accept: float | None = None, cache: ModelCache = CACHE):
    """Sample the posterior of ``endpoint`` under ``prior`` with nutpie.

    ``target_accept`` defaults to :func:`target_accept_for`. Returns the ``xarray.DataTree``
    (groups ``posterior`` and ``sample_stats``; warm-up draws are not kept).
    """
    import nutpie

    if target_accept is None:
        target_accept = target_accept_for(endpoint, prior)

    compiled = cache.get(endpoint.structure(prior), endpoint.build_model)
    compiled = compiled.with_data(**endpoint.model_inputs(prior))
    tree = nutpie.sample(
        compiled,
        draws=int(draws),
        tune=int(tune),
        chains=int(chains),
        seed=int(seed),
        save_warmup=False,
        progress_bar=False,
        target_accept=float(target_accept),
    )
    return tree


def diagnostics(tree, var: str) -> Diagnostics:
    """R-hat and ESS of ``var`` (ArviZ), and the number of divergent transitions."""
    import arviz as az

    post = tree["posterior"][var]
    div = tree["sample_stats"]["diverging"] if "sample_stats" in tree.children else None
    diag = Diagnostics(
        r_hat=float(az.rhat(post)),
        ess_bulk=float(az.ess(post, method="bulk")),
        ess_tail=float(az.ess(post, method="tail")),
        divergences=int(div.sum()) if div is not None else 0,
        draws=int(post.sizes["draw"]),
        chains=int(post.sizes["chain"]),
    )
    return diag
