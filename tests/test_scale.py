"""Scale-out on a real Dask LocalCluster: identical results to the local run."""

import pytest

import bayes_trials as bt
from bayes_trials.scale import ClusterError, connect, fork_share, run_tasks, spawn_seeds


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_simulated_oc_on_the_cluster_equals_the_local_run(client):
    kwargs = dict(
        n=12,
        threshold=0.975,
        target=0.40,
        truths=[0.3, 0.4, 0.6, 0.709],
        method="simulation",
        n_sim=20_000,
        random_seed=11,
    )
    prior = bt.Mixture([bt.Beta(3, 5), bt.Beta(1, 1)], [0.8, 0.2])
    local = bt.operating_characteristics(prior, **kwargs)
    remote = bt.operating_characteristics(prior, client=client, **kwargs)
    assert local.equals(remote)
    # and both agree with the exact sum within 4 Monte Carlo SEs
    exact = bt.operating_characteristics(
        prior, n=12, threshold=0.975, target=0.40, truths=[0.3, 0.4, 0.6, 0.709]
    )
    diff = (local["prob_success"] - exact["prob_success"]).abs()
    assert (diff <= 4 * local["mcse_success"] + 1e-12).all()


def test_run_tasks_keeps_order_and_seeds(client):
    args = [(s,) for s in spawn_seeds(3, 5)]
    assert run_tasks(str, args, client=client) == run_tasks(str, args)


def test_unreachable_scheduler_fails_fast():
    with pytest.raises(ClusterError, match="no Dask scheduler answered"):
        connect("tcp://127.0.0.1:9", timeout=2)


# --- a whole run: one process against two workers ------------------------------------------
RUN = {"draws": 300, "tune": 300, "chains": 2, "seed": 5}


def test_cluster_run_of_a_spec_equals_the_local_run(client):
    """Every number of the LAD-I spec's tidy table (two model structures, 23 fits, stratified
    mixtures) and every check is the same sampled here or on two workers, one task per
    structure: seeds derive from names, and the compiled code does not depend on the process
    (models compile without fastmath, see bayes_trials.fit)."""
    import warnings

    from bayes_trials.fit import TIMINGS

    from .conftest import LAD1

    spec = bt.load_spec(LAD1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = bt.analyse(spec, **RUN)
        before = TIMINGS.counts().get("compile", 0)
        remote = bt.analyse(spec, client=client, **RUN)
    a, b = local.table(), remote.table()
    assert a.columns.equals(b.columns) and len(a) == len(b)
    mcmc = a["mean"].notna()
    assert mcmc.sum() >= 23
    assert a.equals(b)
    assert local.checks().equals(remote.checks())
    # the workers compiled the two structures (their times come back to this process)
    assert TIMINGS.counts().get("compile", 0) - before >= 2


# --- forked copies (the report's figures) ----------------------------------------------------------
def _write(folder, k, parent=None, fail_in_copy=False, seconds=0.0):
    import os
    import time

    if fail_in_copy and os.getpid() != parent:
        raise RuntimeError("a copy fails")
    time.sleep(seconds)
    (folder / f"{k}.txt").write_text(f"{k} by {os.getpid()}")


def test_fork_share_does_every_task_once_across_processes(tmp_path):
    import os

    # 40 tasks of 25 ms: the copies, forked within milliseconds, take some of them
    fork_share(_write, [(tmp_path, k, None, False, 0.025) for k in range(40)], processes=3)
    texts = [(tmp_path / f"{k}.txt").read_text() for k in range(40)]
    assert all(t.startswith(f"{k} by ") for k, t in enumerate(texts))
    writers = {int(t.split(" by ")[1]) for t in texts}
    assert os.getpid() in writers and len(writers) > 1


def test_fork_share_redoes_what_a_failing_copy_did_not_finish(tmp_path):
    import os

    parent = os.getpid()
    fork_share(_write, [(tmp_path, k, parent, True) for k in range(12)], processes=2)
    for k in range(12):
        assert (tmp_path / f"{k}.txt").read_text() == f"{k} by {parent}"


def test_fork_share_raises_an_error_of_this_process(tmp_path):
    def boom(k):
        raise ValueError(f"task {k}")

    with pytest.raises(ValueError, match="task"):
        fork_share(boom, [(k,) for k in range(4)], processes=2)
