"""Sampling: compile each model structure once per process, refit by swapping data.

PyMC's compile step (seconds) dwarfs sampling these small models (a tenth of a second), so
a compiled nutpie model is cached per *structure* (:meth:`Model.structure`: endpoint kind,
numbers of groups or events, ...) and every later fit only swaps the data with nutpie's
``with_data``. The cache is per process, so each Dask worker keeps its own.

What a compile costs: nutpie's own callbacks unpacked every ``pm.Data`` variable, and numba
typed that unpacking anew for every structure, at a cost that grew faster than the number of
``pm.Data`` variables (the binary model with its five variables compiled in 35 s, the same
model with one in 14 s, on a loaded 2-core machine: ``benchmarks/bench_compile.py``). Every
model therefore keeps its data and hyperparameters in ONE ``pm.Data`` array laid out by
:class:`Inputs`; the graph's arithmetic, and the draws, are those of separate variables. The
callbacks are now compiled by :func:`bayes_trials._compile.compile_model`, which numba caches
on disk: a structure compiles once per machine, and a later process loads it (the graph still
has to be built).

Same draws everywhere: a fit's draws depend only on its model, data, prior and seed, whether
its structure was compiled in the process or loaded from the cache (``fastmath`` off: see
:mod:`bayes_trials._compile`).

This module holds the one sampling path of the package and its one retry policy
(:func:`sample_until_diagnostics_pass`), the fits of a run spread over Dask workers by
structure (:func:`sample_all`), batched sampling of many small posteriors in one model
(:func:`sample_points`) and the process's record of where the time went (:data:`TIMINGS`).
"""

from __future__ import annotations

import threading
import time
import warnings
import zlib
from contextlib import contextmanager

import numpy as np

from . import progress, scale
from ._constants import (
    CRED_LEVEL,
    DEFAULT_CHAINS,
    DEFAULT_DRAWS,
    DEFAULT_TARGET_ACCEPT,
    DEFAULT_TUNE,
    RETRIES,
    RETRY_MIN_CHAINS,
)
from .checks import diagnostics_pass
from .summaries import fit_diagnostics, mcmc_columns, stratified_columns

#: mixture components whose posterior weight is below this are not sampled: what they could
#: add to any probability is below it, far under the Monte Carlo error of the others
MIN_STRATUM_WEIGHT = 1e-8

__all__ = [
    "CACHE",
    "DEFAULT_CHAINS",
    "DEFAULT_DRAWS",
    "DEFAULT_TARGET_ACCEPT",
    "DEFAULT_TUNE",
    "RETRIES",
    "RETRY_MIN_CHAINS",
    "TIMINGS",
    "Inputs",
    "ModelCache",
    "Timings",
    "chunks",
    "derive_seed",
    "nuts_stats",
    "sample",
    "sample_all",
    "sample_points",
    "sample_until_diagnostics_pass",
    "target_accept_for",
]


# --- where the time goes ------------------------------------------------------------------
class Timings:
    """Seconds spent per phase (``compile``, ``sampling``, ...) in this process.

    ``with TIMINGS.phase("sampling"): ...`` adds the block's wall time to the phase and counts
    one entry. Phases nest exclusively: an inner phase pauses the enclosing one, so the
    phases of a thread add up to the time spent inside them. ``snapshot()`` and
    ``since(snapshot)`` give what was spent between two moments (what a Dask task sends back
    with its results), ``merge`` adds such a record from another process.

    >>> t = Timings()
    >>> with t.phase("sampling"):
    ...     with t.phase("compile"):
    ...         pass
    >>> sorted(t.totals()), t.counts()
    (['compile', 'sampling'], {'sampling': 1, 'compile': 1})
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._seconds: dict[str, float] = {}
        self._counts: dict[str, int] = {}
        self._local = threading.local()

    def add(self, name: str, seconds: float, count: int = 1) -> None:
        with self._lock:
            self._seconds[name] = self._seconds.get(name, 0.0) + float(seconds)
            self._counts[name] = self._counts.get(name, 0) + int(count)

    @contextmanager
    def phase(self, name: str):
        stack = self._local.__dict__.setdefault("stack", [])
        now = time.perf_counter()
        if stack:  # pause the enclosing phase
            self.add(stack[-1][0], now - stack[-1][1], count=0)
        stack.append([name, now])
        try:
            yield
        finally:
            end = time.perf_counter()
            phase, start = stack.pop()
            self.add(phase, end - start)
            if stack:
                stack[-1][1] = end

    def totals(self) -> dict[str, float]:
        with self._lock:
            return dict(self._seconds)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def snapshot(self) -> tuple[dict, dict]:
        return self.totals(), self.counts()

    def since(self, snapshot: tuple[dict, dict]) -> tuple[dict, dict]:
        """``(seconds, counts)`` per phase spent since ``snapshot``."""
        secs, counts = self.snapshot()
        return (
            {
                k: v - snapshot[0].get(k, 0.0)
                for k, v in secs.items()
                if v != snapshot[0].get(k, 0.0)
            },
            {k: v - snapshot[1].get(k, 0) for k, v in counts.items() if v != snapshot[1].get(k, 0)},
        )

    def merge(self, record: tuple[dict, dict]) -> None:
        """Add a ``since`` record (e.g. from a worker process)."""
        secs, counts = record
        for k in set(secs) | set(counts):
            self.add(k, secs.get(k, 0.0), counts.get(k, 0))

    def reset(self) -> None:
        with self._lock:
            self._seconds.clear()
            self._counts.clear()


#: the process-wide record (the model cache and the sampling path add to it)
TIMINGS = Timings()


# --- one pm.Data per model --------------------------------------------------------------------
class Inputs:
    """The layout of a model's one ``pm.Data`` array, named ``inputs``.

    ``Inputs(w=0.0, a=1.0, ...)`` names the rows and the value each row is padded with: the
    array is ``(rows, width)`` (``(points, rows, width)`` for a batched model), each row a
    vector padded to the width (a mixture's weights with 0, its parameters with a harmless
    1), a scalar in its row's first column, counts as floats that the graph casts back to
    integers (exact below 2**53). One compile serves any width, so mixtures of any size and
    tables of any length share it.

    >>> layout = Inputs(w=0.0, a=1.0, b=1.0, counts=0.0)
    >>> packed = layout.pack(w=[1.0], a=[2.0], b=[3.0], counts=[9, 9])
    >>> packed["inputs"]
    array([[1., 0.],
           [2., 1.],
           [3., 1.],
           [9., 9.]])
    >>> layout.unpack(packed)["counts"]
    array([9., 9.])
    """

    name = "inputs"

    def __init__(self, **rows: float):
        self.rows = dict(rows)

    def declare(self, width: int = 1, size: int | None = None) -> dict:
        """Inside a ``pm.Model``: the ``pm.Data`` array and its rows as tensors (``(width,)``,
        or ``(size, width)`` for ``size`` batched points), by name."""
        import pymc as pm

        shape = (len(self.rows), width) if size is None else (size, len(self.rows), width)
        data = pm.Data(self.name, np.ones(shape))
        if size is None:
            return {r: data[i] for i, r in enumerate(self.rows)}
        return {r: data[:, i, :] for i, r in enumerate(self.rows)}

    def matrix(self, values: dict, width: int = 1) -> np.ndarray:
        """The ``(rows, width)`` array of ``values`` (row name -> scalar or vector), padded."""
        missing = set(self.rows) - set(values)
        extra = set(values) - set(self.rows)
        if missing or extra:
            raise KeyError(
                f"inputs rows {sorted(self.rows)}: missing {sorted(missing)}, unknown {sorted(extra)}"
            )
        rows = [np.atleast_1d(np.asarray(values[r], dtype=float)).ravel() for r in self.rows]
        width = max([width] + [x.size for x in rows])
        out = np.empty((len(rows), width))
        for i, (x, pad) in enumerate(zip(rows, self.rows.values())):
            out[i, : x.size] = x
            out[i, x.size :] = pad
        return out

    def pack(self, **values) -> dict:
        """``{"inputs": array}`` for nutpie's ``with_data``."""
        return {self.name: self.matrix(values)}

    def pack_batch(self, points: list[dict], size: int, padding: dict) -> dict:
        """``{"inputs": (size, rows, width) array}``: each point's values, then ``padding``
        up to ``size`` points."""
        values = list(points) + [padding] * (size - len(points))
        width = max(self.matrix(v).shape[1] for v in values)
        return {self.name: np.stack([self.matrix(v, width) for v in values])}

    def unpack(self, packed: dict) -> dict:
        """Row name -> row (padded) of a packed value: what :meth:`pack` was given."""
        array = np.asarray(packed[self.name])
        return {r: array[..., i, :] for i, r in enumerate(self.rows)}

    @staticmethod
    def counts(row):
        """A row of whole numbers as int64 (what Binomial and Poisson observations need)."""
        import pytensor.tensor as pt

        return pt.cast(row, "int64")


# --- the compile cache ----------------------------------------------------------------------
def _builder_id(build) -> str:
    fn = getattr(build, "__func__", build)
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"


def _fingerprint(model) -> str:
    """The model's graph as text (free variables, data, deterministics and the log density)."""
    from pytensor.printing import debugprint

    return repr(sorted(model.named_vars)) + debugprint(model.logp(), file="str", print_type=True)


class ModelCache:
    """Compiled samplers keyed by model structure; thread-safe, one compile per key.

    Builders that share a key must build the same model (kinds that delegate to another
    kind's model do): the first time another builder asks for a compiled key, its model is
    built and compared with the compiled one's graph, and a difference is an error rather
    than silently different draws.
    """

    def __init__(self):
        self._models: dict = {}
        self._builders: dict = {}
        self._lock = threading.Lock()
        self.compiles = 0
        #: structure -> seconds its compile took
        self.seconds: dict = {}

    def get(self, structure, build):
        with self._lock:
            if structure in self._models:
                self._check_builder(structure, build)
                return self._models[structure]
            t0 = time.perf_counter()
            with TIMINGS.phase("compile"), progress.stage("compiling", str(structure[0])):
                # heavy (nutpie, numba, PyMC): imported when the first model compiles
                from ._compile import compile_model

                model = build(structure)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FutureWarning)
                    self._models[structure] = compile_model(model)
            self.seconds[structure] = time.perf_counter() - t0
            self._builders[structure] = {_builder_id(build): build}
            self.compiles += 1
            return self._models[structure]

    def _check_builder(self, structure, build) -> None:
        builders = self._builders[structure]
        bid = _builder_id(build)
        if bid in builders:
            return
        first = next(iter(builders.values()))
        if _fingerprint(build(structure)) != _fingerprint(first(structure)):
            raise RuntimeError(
                f"two model builders share the compile key {structure!r} but build "
                f"different models ({next(iter(builders))} and {bid}): give one of "
                "them its own structure()"
            )
        builders[bid] = first

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
            self._builders.clear()
            self.seconds.clear()


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


def _nutpie_sample(compiled, *, draws, tune, chains, seed, target_accept):
    import nutpie

    with TIMINGS.phase("sampling"), progress.stage("sampling"):
        return nutpie.sample(
            compiled,
            draws=int(draws),
            tune=int(tune),
            chains=int(chains),
            seed=int(seed),
            save_warmup=False,
            progress_bar=False,
            target_accept=float(target_accept),
        )


def sample(
    model,
    prior,
    *,
    draws: int = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    seed: int = 0,
    target_accept: float | None = None,
    cache: ModelCache = CACHE,
):
    """Sample the posterior of ``model`` under ``prior`` with nutpie.

    ``model`` follows :class:`bayes_trials.endpoints.base.Model` (``structure``,
    ``build_model``, ``model_inputs``); ``target_accept`` defaults to
    :func:`target_accept_for`. Returns the ``xarray.DataTree`` (groups ``posterior`` and
    ``sample_stats``; warm-up draws are not kept).
    """
    if target_accept is None:
        target_accept = target_accept_for(model, prior)
    compiled = cache.get(model.structure(prior), model.build_model)
    compiled = compiled.with_data(**model.model_inputs(prior))
    return _nutpie_sample(
        compiled, draws=draws, tune=tune, chains=chains, seed=seed, target_accept=target_accept
    )


def sample_until_diagnostics_pass(
    model,
    prior,
    quantities,
    exact: dict,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    level: float = CRED_LEVEL,
):
    """Sample; if R-hat, ESS or divergences fail, refit with the settings in ``RETRIES``.

    The first attempt runs at the model's target acceptance; each retry at
    ``max(retry target, that)`` with more draws, at least ``RETRY_MIN_CHAINS`` chains and the
    next seed, on the same compiled model. Returns ``(tree, rows, diagnostics, attempts, target_accept)``: ``rows`` maps each
    quantity to its MCMC summary (:func:`bayes_trials.summaries.mcmc_columns`), with the
    exact posterior's cdf at the interval ends where ``exact`` has the quantity.
    """
    strata = getattr(model, "strata", None)
    parts = strata(prior) if callable(strata) else None
    if parts:
        return sample_strata(
            model,
            parts,
            quantities,
            exact,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            level=level,
        )
    first = target_accept_for(model, prior)
    settings = ((first, 1), *((max(ta, first), mult) for ta, mult in RETRIES))
    for attempt, (target_accept, mult) in enumerate(settings, start=1):
        tree = sample(
            model,
            prior,
            draws=draws * mult,
            tune=tune,
            chains=chains if attempt == 1 else max(chains, RETRY_MIN_CHAINS),
            seed=seed + attempt - 1,
            target_accept=target_accept,
        )
        with TIMINGS.phase("summaries"):
            draws_of = model.draws(tree)
            rows = {
                q.name: mcmc_columns(q, draws_of[q.name], level, exact=exact.get(q.name))
                for q in quantities
            }
            diag = fit_diagnostics(tree, rows)
        if diagnostics_pass(diag):
            break
    return tree, rows, diag, attempt, target_accept


def sample_strata(
    model,
    parts,
    quantities,
    exact: dict,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    level: float = CRED_LEVEL,
):
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
        fits.append(
            sample_until_diagnostics_pass(
                model,
                comp,
                quantities,
                model.exact(comp),
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed + 1000 * k,
                level=level,
            )
        )
    with TIMINGS.phase("summaries"):
        exact_parts = [model.exact(comp) for _, _, comp in kept]
        rows = {}
        for q in quantities:
            part_draws = [model.draws(f[0])[q.name] for f in fits]
            rows[q.name] = stratified_columns(
                q,
                part_draws,
                weights,
                level,
                exact=exact.get(q.name),
                exact_parts=[e.get(q.name) for e in exact_parts],
            )
            rows[q.name]["strata"] = len(kept)
    diag = {
        "r_hat": max(f[2]["r_hat"] for f in fits),
        "ess_bulk": min(r["ess_bulk"] for r in rows.values()),
        "ess_tail": min(f[2]["ess_tail"] for f in fits),
        "divergences": sum(f[2]["divergences"] for f in fits),
        "draws": sum(f[2]["draws"] for f in fits),
    }
    # a pooled sample of the mixture posterior: per chain, draws in proportion to the weights
    n = min(int(f[0]["posterior"].sizes["draw"]) for f in fits)
    share = weights / weights.sum() * n
    counts = np.floor(share).astype(int)
    counts[np.argsort(share - counts)[::-1][: n - counts.sum()]] += 1
    posts, stats = [], []
    for (k, _, _), f, c in zip(kept, fits, counts):
        post = f[0]["posterior"].to_dataset().isel(draw=slice(0, int(c)))
        posts.append(
            post.assign(stratum=(("chain", "draw"), np.full((post.sizes["chain"], int(c)), k)))
        )
        if "sample_stats" in f[0].children:
            stats.append(
                f[0]["sample_stats"].to_dataset()[["diverging"]].isel(draw=slice(0, int(c)))
            )
    pooled = {"/posterior": xr.concat(posts, dim="draw").assign_coords(draw=np.arange(n))}
    if len(stats) == len(posts):
        pooled["/sample_stats"] = xr.concat(stats, dim="draw").assign_coords(draw=np.arange(n))
    tree = xr.DataTree.from_dict(pooled)
    return tree, rows, diag, max(f[3] for f in fits), max(f[4] for f in fits)


# --- the fits of a run, over worker processes -------------------------------------------------
def _fit_group(jobs: list[dict]) -> tuple[list, tuple]:
    """Every job of one structure, in one process: one compile, then refits."""
    before = TIMINGS.snapshot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        out = [sample_until_diagnostics_pass(**job) for job in jobs]
    return out, TIMINGS.since(before)


def sample_all(
    jobs: list[dict], client=None, workers: int = 1, on_start=None, on_done=None
) -> list:
    """:func:`sample_until_diagnostics_pass` of every job (a dict of its keyword arguments).

    Without ``client`` and with one worker, here, in order. Otherwise the jobs of one model
    structure go to a worker process as one task, largest group first, so each worker
    compiles what it is given once and the structures compile in parallel: on the Dask
    cluster of ``client`` (a Client or a scheduler address), or on a ``LocalCluster`` of
    ``min(workers, structures)`` processes started for the call (none when every job has
    one structure). The workers' compile and sampling times are added to :data:`TIMINGS`.
    For a progress display, ``on_start(i)`` is called as job ``i`` starts here (not on a
    cluster) and ``on_done(n)`` as ``n`` more jobs finish.
    A job's draws depend only on its model, prior, settings and seed (the compiled code of
    one structure is the same in every process), so every way returns the same numbers.
    """
    groups: dict = {}
    for i, job in enumerate(jobs):
        groups.setdefault(job["model"].structure(job["prior"]), []).append(i)
    if client is None and (workers <= 1 or len(groups) <= 1):
        out = []
        for i, job in enumerate(jobs):
            if on_start is not None:
                on_start(i)
            out.append(sample_until_diagnostics_pass(**job))
            if on_done is not None:
                on_done(1)
        return out
    if client is None:
        with scale.cluster(workers=min(int(workers), len(groups))) as local:
            return sample_all(jobs, client=local, on_done=on_done)
    order = sorted(groups.values(), key=len, reverse=True)
    done = None if on_done is None else (lambda k: on_done(len(order[k])))
    results = scale.run_tasks(
        _fit_group, [([jobs[i] for i in idx],) for idx in order], client=client, on_done=done
    )
    out = [None] * len(jobs)
    for idx, (fits, timing) in zip(order, results):
        TIMINGS.merge(timing)
        for i, fit in zip(idx, fits):
            out[i] = fit
    return out


# --- many small posteriors in one model ---------------------------------------------------------
def _point_draws(model, tree) -> dict:
    """A single fit's draws with a ``point`` dimension of length 1 (the shape a batch gives)."""
    return {k: v.expand_dims(point=1, axis=-1) for k, v in model.draws(tree).items()}


def _divergences(tree) -> int:
    return int(tree["sample_stats"]["diverging"].sum()) if "sample_stats" in tree.children else 0


def nuts_stats(tree) -> dict:
    """The sampler's mean step size, tree depth and leapfrog steps per draw (after warm-up)."""
    if "sample_stats" not in tree.children:
        return {}
    st = tree["sample_stats"]
    return {
        key: float(st[var].mean())
        for key, var in (
            ("step_size", "step_size"),
            ("tree_depth", "depth"),
            ("n_steps", "n_steps"),
        )
        if var in st
    }


def _alone(model, prior, summarise, settings: dict, seed: int) -> dict:
    """One point sampled on its own model, with the retry policy of
    :func:`sample_until_diagnostics_pass`."""
    first = target_accept_for(model, prior)
    tries = ((first, 1), *((max(ta, first), mult) for ta, mult in RETRIES))
    for attempt, (target_accept, mult) in enumerate(tries, start=1):
        tree = sample(
            model,
            prior,
            draws=settings["draws"] * mult,
            tune=settings["tune"],
            chains=settings["chains"]
            if attempt == 1
            else max(settings["chains"], RETRY_MIN_CHAINS),
            seed=seed + attempt - 1,
            target_accept=target_accept,
        )
        with TIMINGS.phase("summaries"):
            row = summarise(
                [(model, prior)], _point_draws(model, tree), _divergences(tree), settings["level"]
            )[0]
        if diagnostics_pass(row):
            break
    return {
        **row,
        "seed": int(seed),
        "batched": False,
        "attempts": attempt,
        "target_accept": target_accept,
        **nuts_stats(tree),
    }


def _run_chunk(batch, items: list, summarise, settings: dict, seed: int) -> tuple[list, tuple]:
    """One chunk of points (``items``: ``[(model, prior), ...]``) in its batched model, the
    points that fail their diagnostics again alone; or one point without a batched form."""
    before = TIMINGS.snapshot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        if batch is None:
            ((model, prior),) = items
            return [_alone(model, prior, summarise, settings, seed)], TIMINGS.since(before)
        compiled = CACHE.get(batch.structure(), batch.build_model)
        target_accept = max(target_accept_for(m, p) for m, p in items)
        tree = _nutpie_sample(
            compiled.with_data(**batch.model_inputs(items)),
            draws=settings["draws"],
            tune=settings["tune"],
            chains=settings["chains"],
            seed=seed,
            target_accept=target_accept,
        )
        with TIMINGS.phase("summaries"):
            rows = summarise(
                items, batch.draws(tree, len(items)), _divergences(tree), settings["level"]
            )
        stats = nuts_stats(tree)
        out = []
        for i, ((model, prior), row) in enumerate(zip(items, rows)):
            if diagnostics_pass(row):
                out.append(
                    {
                        **row,
                        "seed": int(seed),
                        "batched": True,
                        "attempts": 1,
                        "target_accept": target_accept,
                        **stats,
                    }
                )
            else:
                out.append(
                    _alone(model, prior, summarise, settings, derive_seed(seed, "alone", str(i)))
                )
    return out, TIMINGS.since(before)


def chunks(points: list, batched: bool = True) -> list[tuple]:
    """``[(batch or None, [point index, ...]), ...]``: the points grouped by their batched model
    (``model.batch(prior)``), cut into chunks of the batch's size, in the order of each
    chunk's first point; a point without a batched form (every point, with ``batched=False``)
    is a chunk of its own (None)."""
    groups: dict = {}
    out = []
    for i, (model, prior) in enumerate(points):
        batch = getattr(model, "batch", None) if batched else None
        batch = batch(prior) if callable(batch) else None
        if batch is None:
            out.append((None, [i]))
            continue
        open_ = groups.get(batch)
        if open_ is None or len(open_) == batch.size:
            open_ = groups[batch] = []
            out.append((batch, open_))
        open_.append(i)
    return out


def sample_points(
    points: list,
    summarise,
    *,
    draws: int = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    seed: int = 0,
    level: float = CRED_LEVEL,
    client=None,
    workers: int = 1,
    batched: bool = True,
    on_done=None,
) -> list[dict]:
    """Sample many small posteriors, ``points = [(model, prior), ...]``, and summarise each.

    A model's optional ``batch(prior)`` gives the batched model that samples it as one of
    ``batch.size`` independent points of one PyMC model
    (:class:`bayes_trials.endpoints.base.BatchedModel`). The points are grouped by batched
    model and cut into chunks of that size (:func:`chunks`), the last one padded, so one
    compile serves any number of points; each chunk is one nutpie run, with the ``j``-th seed
    of ``numpy.random.SeedSequence(seed).spawn`` (chunks numbered by their first point).

    ``summarise(points, draws, divergences, level)`` turns a chunk's draws (quantity name ->
    DataArray over ``chain, draw, point``) and its divergent transitions into one dict per
    point with at least ``r_hat``, ``ess_bulk`` and ``divergences``. A point that fails
    :func:`bayes_trials.checks.diagnostics_pass` (a chunk's divergences count for each of its
    points: a divergent trajectory cannot be pinned on one dimension), and a point whose model
    has no batched form, is sampled alone with the retry policy of
    :func:`sample_until_diagnostics_pass` (seed derived from its chunk's). Each dict also
    holds ``seed``, ``batched`` (whether its numbers come from the batch), ``attempts``,
    ``target_accept`` and the NUTS statistics of its run (:func:`nuts_stats`: a chunk's are
    shared by its points). With ``client`` (a Dask Client or scheduler address), or ``workers`` > 1
    and more than one chunk (a LocalCluster of at most one process per chunk), the chunks run
    on the cluster, with the same results; ``batched=False`` samples every point alone (the
    way before batching). ``on_done(n)`` is called as ``n`` more points finish.
    """
    groups = chunks(points, batched)
    if client is None and workers > 1 and len(groups) > 1:
        with scale.cluster(workers=min(int(workers), len(groups))) as local:
            return sample_points(
                points,
                summarise,
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                level=level,
                client=local,
                batched=batched,
                on_done=on_done,
            )
    seeds = scale.spawn_seeds(seed, len(groups))
    settings = {
        "draws": int(draws),
        "tune": int(tune),
        "chains": int(chains),
        "level": float(level),
    }
    args = [
        (batch, [points[i] for i in idx], summarise, settings, s)
        for (batch, idx), s in zip(groups, seeds)
    ]
    done = None if on_done is None else (lambda k: on_done(len(groups[k][1])))
    results = scale.run_tasks(_run_chunk, args, client=client, on_done=done)
    out = [None] * len(points)
    for (_, idx), (rows, timing) in zip(groups, results):
        if client is not None:
            TIMINGS.merge(timing)
        for i, row in zip(idx, rows):
            out[i] = row
    return out
