"""Scale-out: independent tasks run in-process or on a Dask cluster, with identical results.

Large prior grids and operating-characteristic simulations are embarrassingly parallel.
:func:`run_tasks` maps a function over task arguments in this process, or on a Dask
``distributed`` cluster given a ``Client`` or a scheduler address. Each task carries its
own seed (spawned from the caller's with ``numpy.random.SeedSequence``), so a cluster run
gives the same numbers as a local one. Each Dask worker is a Python process with its own
:data:`bayes_trials.fit.CACHE`, so a PyMC model structure is compiled once per worker, not
once per task.

Example
-------
>>> from bayes_trials.scale import run_tasks, spawn_seeds
>>> run_tasks(pow, [(2, 3), (3, 2)])
[8, 9]
>>> len(spawn_seeds(1, 3)), spawn_seeds(1, 3) == spawn_seeds(1, 3)
(3, True)
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager

import numpy as np

from .errors import BayesTrialsError

#: seconds to wait for a scheduler before giving up
CONNECT_TIMEOUT = 10.0


class ClusterError(BayesTrialsError):
    """A Dask scheduler could not be reached (or answered wrongly)."""


def spawn_seeds(seed, n: int) -> list[int]:
    """``n`` independent, reproducible task seeds from one seed."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n)]


def _can_fork() -> bool:
    """Whether processes start here by forking (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def fork_processes(limit: int = 4) -> int:
    """How many processes :func:`fork_share` may use here: the cores this process may run on
    (at most ``limit``) where processes start by forking (Linux), else 1."""
    if not _can_fork():
        return 1
    return max(1, min(int(limit), len(os.sched_getaffinity(0))))


def fork_share(fn, args: list[tuple], processes: int, timeout: float = 60.0) -> None:
    """``fn(*a)`` for every ``a`` in ``args``, for its side effects (files), shared between
    this process and ``processes - 1`` forked copies of it.

    Each process takes the next task not yet taken until none is left; a copy starts with
    this process's memory (no imports, nothing pickled) and marks each task done as it
    finishes. Whatever a copy did not finish (it failed, or had not ended ``timeout`` seconds
    after this process ran out of tasks: it is then stopped) is done again here, so the
    outcome never depends on the copies; an error in this process is raised. With one
    process, or where processes cannot fork, it is a plain loop.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> fork_share(lambda k: (folder / f"{k}.txt").write_text(str(k * k)), [(k,) for k in range(5)], 2)
    >>> sorted(p.read_text() for p in folder.iterdir())
    ['0', '1', '16', '4', '9']
    """
    import multiprocessing
    import signal
    import time
    import warnings

    n = len(args)
    processes = min(int(processes), n)
    if processes <= 1 or not _can_fork():
        for a in args:
            fn(*a)
        return
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("l", 0)
    done = ctx.Array("b", n)

    def claim():
        with counter.get_lock():
            k = counter.value
            counter.value = k + 1
        return k if k < n else None

    children = []
    for _ in range(processes - 1):
        with warnings.catch_warnings():  # Python warns of forking a process that has threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the copy: take tasks, mark them done, leave without clean-up
            status = 0
            try:
                while (k := claim()) is not None:
                    fn(*args[k])
                    done[k] = 1
            except BaseException:  # noqa: BLE001 - its unfinished tasks are redone by the parent
                status = 1
            os._exit(status)
        children.append(pid)
    try:
        while (k := claim()) is not None:
            fn(*args[k])
            done[k] = 1
    finally:
        deadline = time.monotonic() + timeout
        for pid in children:
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.01)
    for k in range(n):
        if not done[k]:
            fn(*args[k])


def connect(scheduler, timeout: float = CONNECT_TIMEOUT):
    """A ``dask.distributed.Client`` for a scheduler address (or the client itself).

    Raises :class:`ClusterError` within ``timeout`` seconds when nothing answers there.
    """
    from dask.distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    try:
        return Client(scheduler, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as err:
        raise ClusterError(
            f"no Dask scheduler answered at {scheduler!r} within {timeout:g} s ({err})",
            field="scheduler",
        ) from None


def run_tasks(fn, args: list[tuple], client=None, on_done=None) -> list:
    """``[fn(*a) for a in args]``, here or on a Dask cluster (``client``: Client or address).

    Results come back in the order of ``args``; ``on_done(k)`` is called as task ``k``
    finishes (for a progress display). Functions and arguments must be picklable
    (module-level functions, plain data).
    """
    if client is None:
        out = []
        for k, a in enumerate(args):
            out.append(fn(*a))
            if on_done is not None:
                on_done(k)
        return out
    client = connect(client)
    futures = client.map(lambda a: fn(*a), args, pure=False)
    if on_done is not None:
        from dask.distributed import as_completed

        position = {f.key: k for k, f in enumerate(futures)}
        for f in as_completed(futures):
            on_done(position[f.key])
    return client.gather(futures)


def cores() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def cluster(workers: int | None = None, scheduler=None):
    """A Dask client for the length of a ``with`` block, or None for no Dask.

    ``scheduler`` (an address or a Client): that cluster. Otherwise a ``LocalCluster`` of
    ``workers`` processes with one thread each (default: one per core), closed at the end;
    ``workers=1`` gives None, the one-process path without Dask.
    """
    if scheduler is not None:
        client = connect(scheduler, timeout=CONNECT_TIMEOUT)
        try:
            yield client
        finally:
            if client is not scheduler:
                client.close()
        return
    workers = cores() if workers is None else int(workers)
    if workers <= 1:
        yield None
        return
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as local,
        Client(local) as client,
    ):
        yield client
