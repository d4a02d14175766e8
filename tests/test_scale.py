"""Scale-out on a real Dask LocalCluster: identical results to the local run."""

import pytest

import bayes_trials as bt
from bayes_trials.scale import ClusterError, connect, run_tasks, spawn_seeds


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_simulated_oc_on_the_cluster_equals_the_local_run(client):
    kwargs = dict(n=12, threshold=0.975, target=0.40, truths=[0.3, 0.4, 0.6, 0.709],
                  method="simulation", n_sim=20_000, random_seed=11)
    prior = bt.Mixture([bt.Beta(3, 5), bt.Beta(1, 1)], [0.8, 0.2])
    local = bt.operating_characteristics(prior, **kwargs)
    remote = bt.operating_characteristics(prior, client=client, **kwargs)
    assert local.equals(remote)
    # and both agree with the exact sum within 4 Monte Carlo SEs
    exact = bt.operating_characteristics(prior, n=12, threshold=0.975, target=0.40, truths=[0.3, 0.4, 0.6, 0.709])
    diff = (local["prob_success"] - exact["prob_success"]).abs()
    assert (diff <= 4 * local["mcse_success"] + 1e-12).all()


def test_run_tasks_keeps_order_and_seeds(client):
    args = [(s,) for s in spawn_seeds(3, 5)]
    assert run_tasks(str, args, client=client) == run_tasks(str, args)


def test_unreachable_scheduler_fails_fast():
    with pytest.raises(ClusterError, match="no Dask scheduler answered"):
        connect("tcp://127.0.0.1:9", timeout=2)
