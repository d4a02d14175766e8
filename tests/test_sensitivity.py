"""Prior-sensitivity grids, tipping points and fragility, each against an independent computation.

Oracles: scipy.stats Beta posteriors (binary), scipy.integrate.quad of prior x likelihood
(robust mixtures, log-RR priors), scipy.stats.betaprime (independent Gamma rate priors),
scipy.optimize.brentq on those (tipping points).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import bayes_trials as bt
from bayes_trials import scale
from bayes_trials.endpoints.binary import LINKS, BinaryBatch
from bayes_trials.endpoints.rates import RateRatioEndpoint
from bayes_trials.errors import PriorError, SpecError
from bayes_trials.fit import chunks, derive_seed
from bayes_trials.scale import ClusterError

# by name from the module: ``bt.sensitivity`` may be the function once it is exported
from bayes_trials.sensitivity import fragility, sensitivity, tipping_point, tipping_points

from .conftest import LAD1
from .oracles import quad_log_rr, robust_normal_logpdf

LAD = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
# the assumed scenario data of the LAD-I spec's first infection endpoint
INF_DATA = bt.PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.8513))
INF = RateRatioEndpoint("infection_hospitalizations", INF_DATA, target=0.5)


# --- independent oracles ------------------------------------------------------------------
def quad_binary(prior_pdf, k, n, target):
    """Posterior mean and P(theta > target) by quadrature of prior x binomial likelihood."""
    post = lambda t: prior_pdf(t) * t**k * (1 - t) ** (n - k)  # noqa: E731
    z = integrate.quad(post, 0, 1, epsabs=0, epsrel=1e-11, limit=200)[0]
    mean = integrate.quad(lambda t: t * post(t), 0, 1, epsabs=0, epsrel=1e-11, limit=200)[0] / z
    tail = integrate.quad(post, target, 1, epsabs=0, epsrel=1e-11, limit=200)[0] / z
    return mean, tail


# --- exact grids ------------------------------------------------------------------------
def test_binary_grid_matches_scipy_beta_posteriors():
    grid = {"mean": [0.1, 0.39, 0.84], "ess": [0.5, 9, 50]}
    res = sensitivity(LAD, grid=grid, threshold=0.975)
    t = res.table
    assert len(t) == 9 and (t["source"] == "grid").all()
    for r in t.itertuples():
        post = stats.beta(r.mean_prior * r.ess + 9, (1 - r.mean_prior) * r.ess)
        assert r.post_mean == pytest.approx(post.mean(), rel=1e-12)
        assert r.eti95_low == pytest.approx(post.ppf(0.025), rel=1e-10)
        assert r.eti95_high == pytest.approx(post.ppf(0.975), rel=1e-10)
        assert r.prob == pytest.approx(post.sf(0.39), rel=1e-10)
        assert r.decision_met == (post.sf(0.39) > 0.975)


def test_robust_mixture_grid_matches_quadrature():
    res = sensitivity(
        LAD, grid={"mean": [0.39], "ess": [9, 50], "robust_weight": [0.2, 0.5]}, threshold=0.975
    )
    for r in res.table.itertuples():
        comp = stats.beta(0.39 * r.ess, 0.61 * r.ess)
        pdf = lambda t: (1 - r.robust_weight) * comp.pdf(t) + r.robust_weight  # noqa: E731
        mean, tail = quad_binary(pdf, 9, 9, 0.39)
        assert r.post_mean == pytest.approx(mean, rel=1e-8)
        assert r.prob == pytest.approx(tail, rel=1e-8)
        # interval ends: the posterior cdf there is 2.5% and 97.5%
        post = lambda t: pdf(t) * t**9  # noqa: E731
        z = integrate.quad(post, 0, 1, epsrel=1e-11)[0]
        assert integrate.quad(post, 0, r.eti95_low, epsrel=1e-11)[0] / z == pytest.approx(
            0.025, abs=1e-8
        )
        assert integrate.quad(post, r.eti95_high, 1, epsrel=1e-11)[0] / z == pytest.approx(
            0.025, abs=1e-8
        )


def test_sd_strength_axis_is_the_same_beta():
    m, s = 0.39, 0.1
    ess = m * (1 - m) / s**2 - 1
    a = sensitivity(LAD, grid={"mean": [m], "sd": [s]}, threshold=0.975).table
    b = sensitivity(LAD, grid={"mean": [m], "ess": [ess]}, threshold=0.975).table
    assert stats.beta(m * ess, (1 - m) * ess).std() == pytest.approx(s, rel=1e-12)
    assert a["prob"].iloc[0] == pytest.approx(b["prob"].iloc[0], rel=1e-12)


def test_ten_thousand_point_grid_and_dataset_shape():
    grid = {
        "mean": np.linspace(0.05, 0.95, 100),
        "ess": np.geomspace(0.5, 50, 50),
        "robust_weight": [0, 0.5],
    }
    res = sensitivity(LAD, grid=grid, threshold=0.975)
    ds = res.dataset
    assert dict(ds.sizes) == {"family": 1, "mean": 100, "ess": 50, "robust_weight": 2}
    assert {"post_mean", "eti95_low", "eti95_high", "prob", "decision_met"} <= set(ds.data_vars)
    # spot checks against scipy, picked through the Dataset's coordinates
    for i, j in [(0, 0), (37, 21), (99, 49)]:
        m, e = ds["mean"].values[i], ds["ess"].values[j]
        p = float(ds["prob"].sel(family="beta", mean=m, ess=e, robust_weight=0.0))
        assert p == pytest.approx(stats.beta(m * e + 9, (1 - m) * e).sf(0.39), rel=1e-10)
    assert bool(ds["decision_met"].sel(family="beta", robust_weight=0.0).values[0, 0])


def test_log_rr_grid_matches_quadrature():
    res = sensitivity(INF, grid={"mean": [-0.5], "sd": [0.3, 2.0], "robust_weight": [0.0, 0.3]})
    assert res.threshold == 0.9
    for r in res.table.itertuples():
        # the robust component: unit information
        log_prior = robust_normal_logpdf(r.mean_prior, r.sd, r.robust_weight)
        p_half, mean = quad_log_rr(INF_DATA, log_prior, 0.5)
        p_one, _ = quad_log_rr(INF_DATA, log_prior, 1.0)
        assert r.prob == pytest.approx(p_half, abs=2e-7)
        assert r.prob_null == pytest.approx(p_one, abs=2e-7)
        assert r.post_mean == pytest.approx(mean, rel=1e-6)


def test_spec_named_priors_and_threshold(lad1_spec):
    out = sensitivity(lad1_spec, grid={"mean": [0.39], "ess": [9]})
    assert set(out) == {
        "hsct_free_survival_1y",
        "infection_hospitalizations",
        "prolonged_infection_hospitalizations",
        "serious_infections",
    }
    lad = out["hsct_free_survival_1y"]
    assert lad.threshold == 0.975  # the spec's decision threshold
    named = lad.named.set_index("name")
    assert "sceptical_ess9" in named.index
    # the named sceptical_ess9 prior equals the grid point mean 0.39, ESS 9
    assert named.loc["sceptical_ess9", "prob"] == pytest.approx(
        lad.table["prob"].iloc[0], rel=1e-12
    )
    # rate endpoints: the spec's Gamma priors on the two rates, checked with scipy's beta-prime
    inf = out["infection_hospitalizations"].named.set_index("name")
    for name, (s, r) in {"jeffreys_rates": (0.5, 1e-6), "sceptical_rates": (3.0, 2.0)}.items():
        rr = stats.betaprime(s + 6, s + 40, scale=(r + 27.0) / (r + 15.8513))
        assert inf.loc[name, "prob"] == pytest.approx(rr.cdf(0.5), rel=1e-9)
        assert inf.loc[name, "prob_null"] == pytest.approx(rr.cdf(1.0), rel=1e-9)


def test_explicit_priors_without_grid():
    res = sensitivity(LAD, grid=None, priors={"uniform": bt.Beta(1, 1)}, threshold=0.975)
    assert len(res.table) == 1 and res.dataset.sizes == {}
    assert res.table["prob"].iloc[0] == pytest.approx(1 - 0.39**10, rel=1e-12)
    res = sensitivity(INF, grid=None, priors=[bt.Normal(0, 0.5)])
    assert res.table["prob"].iloc[0] == pytest.approx(
        quad_log_rr(INF_DATA, stats.norm(0, 0.5).logpdf, 0.5)[0], abs=2e-7
    )


# --- tipping points ---------------------------------------------------------------------
def test_lad1_tipping_point_ess():
    tp = tipping_point(LAD, threshold=0.975)
    # independent: brentq on scipy's Beta(0.39 e + 9, 0.61 e) survival function
    ref = optimize.brentq(
        lambda e: stats.beta(0.39 * e + 9, 0.61 * e).sf(0.39) - 0.975, 1, 1000, xtol=1e-12
    )
    assert tp.value == pytest.approx(ref, rel=1e-8)
    assert tp.se == 0.0 and tp.method == "exact"


def test_infection_tipping_point_sd():
    tp = tipping_point(INF)  # sceptical Normal(0, sd) on log RR, P(RR < 0.5) > 0.9
    p, _ = quad_log_rr(INF_DATA, stats.norm(0, tp.value).logpdf, 0.5)
    assert p == pytest.approx(0.9, abs=1e-6)
    # a bit more scepticism overturns it, a bit less keeps it
    assert quad_log_rr(INF_DATA, stats.norm(0, tp.value * 0.97).logpdf, 0.5)[0] < 0.9
    assert quad_log_rr(INF_DATA, stats.norm(0, tp.value * 1.03).logpdf, 0.5)[0] > 0.9


def test_tipping_point_edge_cases():
    weak = RateRatioEndpoint(
        "x", bt.PrePostRates(bt.Rate(5, 13.5), bt.Rate(1, 10.5675)), target=0.5
    )
    tp = tipping_point(weak)
    assert math.isnan(tp.value) and "not met even under the weakest prior" in tp.message
    strong = bt.BinaryEndpoint("y", bt.Binary(90, 90), target=0.39)
    tp = tipping_point(strong, threshold=0.975, bounds=(0.01, 10))
    assert tp.value == math.inf
    # the mixture weight on a sceptical Beta(3.51, 5.49) beside Beta(1, 1)
    tp = tipping_point(LAD, over="weight", sceptic_strength=30, threshold=0.975)
    comp = stats.beta(0.39 * 30, 0.61 * 30)
    _, tail = quad_binary(lambda t: tp.value * comp.pdf(t) + (1 - tp.value), 9, 9, 0.39)
    assert tail == pytest.approx(0.975, abs=1e-8)


def test_tipping_points_table(lad1_spec):
    df = tipping_points(
        lad1_spec, scenarios={"events_before": (20, 40), "exposure_before": (27.0,)}
    )
    lad = df[df["endpoint"] == "hsct_free_survival_1y"]
    assert len(lad) == 1 and lad["data_status"].iloc[0] == "published"
    rates = df[df["endpoint"] != "hsct_free_survival_1y"]
    assert len(rates) == 3 * 3 and (rates["data_status"] == "assumed").all()
    finite = rates[np.isfinite(rates["value"])]
    assert np.allclose(finite["ess_events"], 4 / finite["value"] ** 2)


# --- data sensitivity -------------------------------------------------------------------
def test_fragility_binary_and_rates():
    df = fragility(LAD, {"uniform": bt.Beta(1, 1)}, threshold=0.975)
    # uniform prior: P(theta > 0.39 | k of 9) from scipy; the decision first fails at 6/9
    probs = [stats.beta(1 + k, 1 + 9 - k).sf(0.39) for k in (9, 8, 7, 6)]
    assert np.allclose(df["prob"], probs, rtol=1e-10)
    assert list(df["decision_met"]) == [p > 0.975 for p in probs] == [True, True, True, False]
    assert (df["fragility_index"] == 3).all()
    df = fragility(INF, {"jeffreys": bt.TwoRatePrior.jeffreys()}, threshold=0.9)
    first = stats.betaprime(0.5 + 7, 0.5 + 40, scale=(1e-6 + 27.0) / (1e-6 + 15.8513)).cdf(0.5)
    assert df["prob"].iloc[1] == pytest.approx(first, rel=1e-9)
    assert df["data"].iloc[1].endswith("7/15.8513")
    assert df["fragility_index"].iloc[0] == 2


# --- figures ------------------------------------------------------------------------------
def test_figures_are_matplotlib_figures():
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    res = sensitivity(
        LAD,
        grid={"mean": [0.2, 0.39, 0.6], "ess": [1, 10, 50]},
        priors={"uniform": bt.Beta(1, 1), "sceptic": bt.Beta(3.51, 5.49)},
        threshold=0.975,
    )
    for fig in (res.plot_decision_curves(), res.plot_heatmap(), res.plot_tornado()):
        assert isinstance(fig, Figure)
        plt.close(fig)
    tor = sens_plots_table(res)
    assert tor.attrs["reference"] == "uniform"
    row = tor.set_index("choice").loc["prior: sceptic"]
    assert row["low"] == pytest.approx(stats.beta(12.51, 5.49).mean(), rel=1e-12)


def sens_plots_table(res):
    from bayes_trials.sensitivity.plots import tornado_table

    return tornado_table(res)


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "grid, error, field, text",
    [
        ({}, SpecError, "grid", "empty"),
        ({"mean": [0.3], "ess": [0]}, PriorError, "grid.ess", "> 0"),
        ({"mean": [0.3], "ess": [-1]}, PriorError, "grid.ess", "> 0"),
        ({"mean": [1.2], "ess": [2]}, PriorError, "grid.mean", "(0, 1)"),
        ({"mean": [0.3], "ess": [2], "shape": [1]}, SpecError, "grid.shape", "unknown grid axis"),
        (
            {"mean": [0.3], "ess": [2], "family": ["gamma"]},
            SpecError,
            "grid.family",
            "unknown prior family",
        ),
        ({"mean": [0.3], "ess": []}, SpecError, "grid.ess", "empty"),
        ({"mean": [0.3]}, SpecError, "grid.ess", "strength"),
    ],
)
def test_bad_grids(grid, error, field, text):
    with pytest.raises(error, match=None) as err:
        sensitivity(LAD, grid=grid, threshold=0.975)
    assert err.value.field == field and text in str(err.value)
    assert "hsct_free_survival_1y" in str(err.value)


def test_bad_rate_grid_and_method():
    with pytest.raises(PriorError, match="grid.sd"):
        sensitivity(INF, grid={"mean": [0.0], "sd": [0.0]})
    with pytest.raises(SpecError, match="method"):
        sensitivity(LAD, method="laplace")


def test_unreachable_scheduler_fails_fast(monkeypatch):
    monkeypatch.setattr(scale, "CONNECT_TIMEOUT", 2.0)
    with pytest.raises(ClusterError, match="no Dask scheduler answered"):
        sensitivity(
            LAD, grid={"mean": [0.3], "ess": [2]}, method="mcmc", client="tcp://127.0.0.1:9"
        )


# --- CLI ----------------------------------------------------------------------------------
GRID_OK = """
[settings]
scenarios = false
[binary]
mean = { start = 0.2, stop = 0.8, num = 3 }
ess = [1, 10]
[rate_ratio]
mean = [0.0]
sd = { start = 0.2, stop = 2, num = 2, scale = "log" }
"""


def test_cli_writes_tables_and_figures(tmp_path, capsys):
    from bayes_trials.cli import main

    grid = tmp_path / "grid.toml"
    grid.write_text(GRID_OK)
    out = tmp_path / "out"
    assert main(["sensitivity", str(LAD1), "--grid", str(grid), "--out", str(out)]) == 0
    files = {p.name for p in out.iterdir()} | {p.name for p in (out / "figures").iterdir()}
    assert {
        "hsct_free_survival_1y_grid.csv",
        "tipping_points.csv",
        "sensitivity.md",
        "hsct_free_survival_1y_heatmap.png",
        "serious_infections_tornado.png",
    } <= files
    import pandas as pd

    t = pd.read_csv(out / "hsct_free_survival_1y_grid.csv")
    assert len(t) == 6 + 8  # grid points + the spec's named priors
    assert "tipping point hsct_free_survival_1y: P = 0.975 at ess 22.9" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, field",
    [
        ("[binary]\nmean = [0.3]\ness = [0]\n", "binary.ess"),
        ("[binary]\nmean = [0.3]\nweight = [2]\n", "binary.weight"),
        ("[binary]\nmean = [1.5]\ness = [2]\n", "binary.mean"),
        ("[settings]\nmethod = 'vb'\n", "settings.method"),
        ("[endpoints.nope]\nmean = [0.3]\ness = [1]\n", "endpoints.nope"),
        ("[binary]\nmean = [0.3\n", None),
    ],
)
def test_cli_bad_grid_file(tmp_path, capsys, text, field):
    from bayes_trials.cli import main

    grid = tmp_path / "grid.toml"
    grid.write_text(text)
    out = tmp_path / "out"
    assert main(["sensitivity", str(LAD1), "--grid", str(grid), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(grid) in err
    if field:
        assert f"field {field!r}" in err
    assert not out.exists()


def test_cli_unreachable_scheduler(tmp_path, capsys, monkeypatch):
    from bayes_trials.cli import main

    monkeypatch.setattr(scale, "CONNECT_TIMEOUT", 2.0)
    out = tmp_path / "out"
    assert (
        main(["sensitivity", str(LAD1), "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)]) == 2
    )
    assert "no Dask scheduler answered" in capsys.readouterr().err
    assert not out.exists()


# --- MCMC refits, locally and on a LocalCluster ------------------------------------------------
MCMC = dict(
    method="mcmc", draws=500, tune=500, chains=2, random_seed=7, threshold=0.975, progress=False
)
GRID_SMALL = {"mean": [0.39, 0.8], "ess": [2, 20]}


@pytest.fixture(scope="module")
def local_mcmc():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sensitivity(LAD, grid=GRID_SMALL, **MCMC)


def test_mcmc_grid_within_4_mcse_of_exact(local_mcmc):
    t = local_mcmc.table
    for r in t.itertuples():  # the exact column is scipy's Beta posterior
        post = stats.beta(r.mean_prior * r.ess + 9, (1 - r.mean_prior) * r.ess)
        assert r.exact_prob == pytest.approx(post.sf(0.39), rel=1e-10)
    assert (t["z_mean"].abs() < 4).all() and (t["z_prob"].abs() < 4).all()
    assert (t["r_hat"] < 1.05).all() and (t["divergences"] == 0).all()
    # the points are batched in one chunk (Beta(1.6, 0.4) after 9/9 has b + n - y < 1: a heavy
    # tail on the logit scale, sampled on the complementary log-log scale instead), each chunk
    # with the seed spawned from the run seed in the order of its first point; a point that
    # failed its diagnostics there was refitted alone with a seed derived from its chunk's and
    # its place in the chunk
    points = [
        (LAD, bt.Beta(r.mean_prior * r.ess, (1 - r.mean_prior) * r.ess)) for r in t.itertuples()
    ]
    groups = chunks(points)
    assert [b.tail for b, _ in groups] == ["light"]
    assert BinaryBatch.values(LAD, bt.Beta(1.6, 0.4))["link"] == LINKS["cloglog"]
    for (_, idx), chunk in zip(groups, scale.spawn_seeds(7, len(groups))):
        for j, i in enumerate(idx):
            r = t.iloc[i]
            assert r["seed"] == (chunk if r["batched"] else derive_seed(chunk, "alone", str(j)))


def test_mcmc_grid_unbatched_has_a_seed_per_point():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sensitivity(LAD, grid={"mean": [0.39], "ess": [2, 20]}, batched=False, **MCMC)
    t = res.table
    assert list(t["seed"]) == scale.spawn_seeds(7, len(t)) and not t["batched"].any()
    assert (t["z_mean"].abs() < 4).all() and (t["z_prob"].abs() < 4).all()


def test_mcmc_tipping_point_agrees_with_exact():
    exact = tipping_point(LAD, threshold=0.975)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = tipping_point(
            LAD,
            threshold=0.975,
            method="mcmc",
            draws=1000,
            tune=500,
            chains=2,
            random_seed=3,
            max_refits=8,
        )
    assert mc.method == "mcmc" and 0 < mc.se < math.inf
    assert abs(mc.value - exact.value) < 4 * mc.se + 0.02 * exact.value


def test_mcmc_log_rr_point_within_4_mcse():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sensitivity(
            INF,
            grid={"mean": [0.0], "sd": [0.5]},
            method="mcmc",
            draws=500,
            tune=500,
            chains=2,
            random_seed=5,
            progress=False,
        )
    r = res.table.iloc[0]
    p, mean = quad_log_rr(INF_DATA, stats.norm(0, 0.5).logpdf, 0.5)
    assert abs(r["prob"] - p) < 4 * r["prob_mcse"]
    assert abs(r["post_mean"] - mean) < 4 * r["mcse_mean"]


@pytest.fixture(scope="module")
def cluster_client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_cluster_run_equals_local_run(local_mcmc, cluster_client):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        remote = sensitivity(LAD, grid=GRID_SMALL, client=cluster_client, **MCMC)
    cols = ["post_mean", "eti95_low", "eti95_high", "prob", "prob_mcse", "mcse_mean", "seed"]
    assert local_mcmc.table[cols].equals(remote.table[cols])
    assert local_mcmc.dataset.equals(remote.dataset)
