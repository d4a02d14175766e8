"""Scale-out on a real Dask LocalCluster: identical results to the local run."""

import pytest

import bayes_trials as bt
from bayes_trials.scale import ClusterError, connect, run_tasks, spawn_seeds


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
