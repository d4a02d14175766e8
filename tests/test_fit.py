"""The sampling path's bookkeeping: one pm.Data per model, the time record, the compile cache's
guard against shared keys, batching of many points (chunks, padding, refits alone)."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials import fit, scale
from bayes_trials.endpoints.binary import INPUTS as BINARY_INPUTS
from bayes_trials.endpoints.binary import LINKS, BinaryBatch
from bayes_trials.endpoints.rates import LogRRPrior, RateRatioEndpoint, TwoRatePrior
from bayes_trials.endpoints.rates.model import RatesBatch
from bayes_trials.fit import Inputs, ModelCache, Timings, chunks
from bayes_trials.sensitivity.analysis import LeanSummaries, z_score


# --- Inputs ---------------------------------------------------------------------------------
def test_inputs_pad_each_row_with_its_own_value():
    layout = Inputs(w=0.0, a=1.0, counts=0.0)
    m = layout.matrix({"w": [0.7, 0.3], "a": 2.0, "counts": [9, 12, 3]})
    np.testing.assert_array_equal(m, [[0.7, 0.3, 0.0], [2.0, 1.0, 1.0], [9, 12, 3]])
    assert layout.unpack(layout.pack(w=[1.0], a=[2.0], counts=[1]))["a"].tolist() == [2.0]
    with pytest.raises(KeyError, match="missing \\['counts'\\]"):
        layout.matrix({"w": 1.0, "a": 1.0})
    with pytest.raises(KeyError, match="unknown \\['b'\\]"):
        layout.matrix({"w": 1.0, "a": 1.0, "counts": 1, "b": 2})


def test_batch_inputs_are_padded_to_the_batch_size_and_common_width():
    layout = Inputs(w=0.0, a=1.0)
    out = layout.pack_batch(
        [{"w": [0.5, 0.5], "a": [2, 3]}, {"w": 1.0, "a": 4.0}], 4, {"w": 1.0, "a": 1.0}
    )
    arr = out["inputs"]
    assert arr.shape == (4, 2, 2)
    np.testing.assert_array_equal(arr[1], [[1.0, 0.0], [4.0, 1.0]])
    np.testing.assert_array_equal(arr[3], [[1.0, 0.0], [1.0, 1.0]])  # padding point


def test_binary_inputs_hold_counts_and_mixture():
    ep = bt.BinaryEndpoint("x", bt.Binary(4, 12), target=0.2)
    prior = bt.Mixture([bt.Beta(2, 3), bt.Beta(1, 1), bt.Beta(5, 5)], [0.5, 0.3, 0.2])
    rows = BINARY_INPUTS.unpack(ep.model_inputs(prior))
    np.testing.assert_array_equal(rows["counts"], [12, 4, 0])  # n, events, padding
    np.testing.assert_allclose(rows["prior_b"], [3, 1, 5])


def test_rate_priors_of_both_families_share_one_structure():
    data = bt.PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.75))
    ep = RateRatioEndpoint("x", data, target=0.5)
    two, log_rr = TwoRatePrior.jeffreys(), LogRRPrior(bt.Normal(0.0, 0.5))
    assert ep.structure(two) == ep.structure(log_rr) == ep.log_linear().structure(log_rr)
    assert ep.batch(two) == ep.log_linear().batch(log_rr) == RatesBatch()


# --- the time record ----------------------------------------------------------------------------
def test_timings_nest_exclusively_and_merge():
    t = Timings()
    with t.phase("sampling"):
        time.sleep(0.02)
        with t.phase("compile"):
            time.sleep(0.05)
    s = t.totals()
    assert (
        s["compile"] >= 0.05 and 0.02 <= s["sampling"] < 0.05
    )  # the inner phase is not counted twice
    assert t.counts() == {"sampling": 1, "compile": 1}
    snap = t.snapshot()
    with t.phase("compile"):
        pass
    delta = t.since(snap)
    assert set(delta[0]) == {"compile"} and delta[1] == {"compile": 1}
    other = Timings()
    other.merge(delta)
    assert other.counts() == {"compile": 1}


# --- the compile cache ------------------------------------------------------------------------
def _model_a(structure):
    import pymc as pm

    with pm.Model() as m:
        x = pm.Flat("x")
        pm.Potential("p", -0.5 * x**2)
    return m


def _model_b(structure):
    import pymc as pm

    with pm.Model() as m:
        x = pm.Flat("x")
        pm.Potential("p", -0.25 * x**2)
    return m


class _Delegates:
    def build_model(self, structure):
        return _model_a(structure)


def test_cache_refuses_two_different_models_under_one_key(monkeypatch):
    import bayes_trials._compile

    compiled = []
    monkeypatch.setattr(
        bayes_trials._compile, "compile_model", lambda model: compiled.append(model) or object()
    )
    cache = ModelCache()
    first = cache.get(("k",), _model_a)
    assert cache.get(("k",), _model_a) is first and cache.compiles == 1
    # a builder that delegates to the same model shares the compile
    assert cache.get(("k",), _Delegates().build_model) is first and cache.compiles == 1
    with pytest.raises(RuntimeError, match="share the compile key"):
        cache.get(("k",), _model_b)
    assert len(compiled) == 1 and ("k",) in cache.seconds


# --- batching ---------------------------------------------------------------------------------------
def test_chunks_group_by_batch_and_cut_at_the_batch_size():
    ep = bt.BinaryEndpoint("x", bt.Binary(4, 12), target=0.2)
    rates = RateRatioEndpoint("r", bt.PrePostRates(bt.Rate(4, 2.0), bt.Rate(1, 2.0)))
    small = BinaryBatch(size=2)

    class Small:  # a binary endpoint with a batch of 2
        parameter, target, direction = "theta", 0.2, "greater"

        def batch(self, prior):
            return small

    points = (
        [(Small(), bt.Beta(1, 1))] * 3
        + [(rates, TwoRatePrior.jeffreys())]
        + [(Small(), bt.Beta(2, 2))]
    )
    out = chunks(points)
    assert [(b, idx) for b, idx in out] == [(small, [0, 1]), (small, [2, 4]), (RatesBatch(), [3])]
    assert [idx for _, idx in chunks(points, batched=False)] == [[0], [1], [2], [3], [4]]
    assert chunks([(object(), None)]) == [(None, [0])]  # no batched form: alone
    assert ep.batch(bt.Beta(1, 1)) == BinaryBatch()


SETTINGS = {"draws": 500, "tune": 500, "chains": 2, "level": 0.95}


def _exact_z(rows, points):
    """z-scores of each point's posterior mean and P(theta > target) against scipy's Beta (the
    probability's MCSE floored by the binomial value at the exact probability, as the
    sensitivity tables do)."""
    out = []
    for r, (ep, prior) in zip(rows, points):
        post = stats.beta(prior.a + ep.data.events, prior.b + ep.data.n - ep.data.events)
        p = post.sf(ep.target)
        se = max(r["prob_mcse"], np.sqrt(p * (1 - p) / r["ess_bulk"]))
        out.append(
            (z_score(r["post_mean"], post.mean(), r["mcse_mean"]), z_score(r["prob"], p, se))
        )
    return np.array(out, dtype=float)


@pytest.fixture(scope="module")
def batched_points():
    """Nine binary posteriors, from 0/12 to 12/12: 0/12 under Beta(0.5, 1) has a heavy left
    tail on the logit scale (a + y < 1) and 12/12 under Beta(1, 0.5) a heavy right tail
    (b + n - y < 1): both are sampled in the same chunk as the others, on the log-log and
    complementary log-log scales."""
    points = [
        (bt.BinaryEndpoint(f"e{k}", bt.Binary(k, 12), target=0.3), bt.Beta(0.5 + k / 4, 1.0))
        for k in (0, 1, 3, 5, 7, 9, 11, 12)
    ] + [(bt.BinaryEndpoint("e12b", bt.Binary(12, 12), target=0.3), bt.Beta(1.0, 0.5))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = fit.sample_points(points, LeanSummaries(), seed=11, **SETTINGS)
    return points, rows


def _expected_seeds(points, rows, seed):
    """Each point's seed: its chunk's (spawned from ``seed``, chunks in the order of their
    first point), or, refitted alone, derived from it and the point's place in the chunk."""
    groups = chunks(points)
    seeds = scale.spawn_seeds(seed, len(groups))
    out = {}
    for (_, idx), s in zip(groups, seeds):
        for j, i in enumerate(idx):
            out[i] = s if rows[i]["batched"] else fit.derive_seed(s, "alone", str(j))
    return [out[i] for i in range(len(points))]


def test_batched_points_match_their_exact_posteriors(batched_points):
    points, rows = batched_points
    assert [b.tail for b, _ in chunks(points)] == ["light"]
    links = [BinaryBatch.values(ep, prior)["link"] for ep, prior in points]
    assert links == [LINKS["loglog"]] + [LINKS["logit"]] * 7 + [LINKS["cloglog"]]
    # 18 comparisons at 4 MCSE: a false alarm rate of about 1e-3 for the lot (normal errors)
    assert np.abs(_exact_z(rows, points)).max() < 4
    assert [r["seed"] for r in rows] == _expected_seeds(points, rows, 11)
    for r in rows:
        assert r["divergences"] == 0 and r["r_hat"] < 1.01 and r["ess_bulk"] >= 400
    # one NUTS run per chunk: its step size and tree depth are every batched point's there
    light = [r for r in rows[1:] if r["batched"]]
    assert len({(r["step_size"], r["tree_depth"]) for r in light}) <= 1


class _FailPoint:
    """A summary that fails the point of endpoint ``name`` whenever it comes from a batch."""

    def __init__(self, name):
        self.name = name

    def __call__(self, points, draws, divergences, level):
        rows = LeanSummaries()(points, draws, divergences, level)
        if len(points) > 1:
            for row, (ep, _) in zip(rows, points):
                if ep.name == self.name:
                    row["r_hat"] = 2.0
        return rows


def test_a_point_that_fails_its_diagnostics_is_refitted_alone(batched_points):
    points, _ = batched_points
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = fit.sample_points(points[1:5], _FailPoint("e5"), seed=11, **SETTINGS)
    assert [r["batched"] for r in rows] == [True, True, False, True]
    assert [r["seed"] for r in rows] == _expected_seeds(points[1:5], rows, 11)
    alone = rows[2]
    assert alone["r_hat"] < 1.05 and np.abs(_exact_z([alone], [points[3]])).max() < 4


def test_rate_points_of_both_families_share_one_batch_and_match_exact():
    """Independent Gamma priors and log-RR priors, on several data sets, in one batched run:
    each point's P(RR < 0.5) and posterior mean within 4 MCSE of its exact posterior (the
    beta-prime closed form, or quadrature of the log-linear model; 12 comparisons, false alarm
    rate about 1e-3 for the lot)."""
    data = [
        bt.PrePostRates(bt.Rate(40, 27.0), bt.Rate(6, 15.75)),
        bt.PrePostRates(bt.Rate(10, 13.5), bt.Rate(2, 15.75)),
        bt.PrePostRates(bt.Rate(80, 40.5), bt.Rate(20, 15.75)),
    ]
    priors = [TwoRatePrior.jeffreys(), LogRRPrior(bt.Normal(0.0, 0.4214))]
    points = [
        (RateRatioEndpoint(f"r{i}", d, target=0.5), p) for i, d in enumerate(data) for p in priors
    ]
    assert len({ep.batch(p) for ep, p in points}) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = fit.sample_points(points, LeanSummaries(), seed=3, **SETTINGS)
    for r, (ep, prior) in zip(rows, points):
        post = ep.exact_posterior(prior)
        p = float(post.cdf(0.5))
        se = max(r["prob_mcse"], np.sqrt(p * (1 - p) / r["ess_bulk"]))
        assert abs(z_score(r["post_mean"], post.mean, r["mcse_mean"])) < 4
        assert abs(z_score(r["prob"], p, se)) < 4


def test_refits_run_at_least_four_chains(monkeypatch):
    """The retry policy: a fit failing its diagnostics is refitted with more draws, the next
    seed and at least ``RETRY_MIN_CHAINS`` chains (R-hat from two chains is too noisy to
    judge 1.01). The sampler is replaced by a recorder; every attempt is made to fail."""
    calls = []

    def record(model, prior, *, draws, tune, chains, seed, target_accept):
        calls.append((draws, chains, seed))
        return "tree"

    class Model:
        def draws(self, tree):
            return {}

    monkeypatch.setattr(fit, "sample", record)
    monkeypatch.setattr(fit, "fit_diagnostics", lambda tree, rows: {})
    monkeypatch.setattr(fit, "diagnostics_pass", lambda diag: False)
    *_, attempts, _ = fit.sample_until_diagnostics_pass(
        Model(), None, [], {}, draws=500, tune=500, chains=2, seed=7
    )
    mults = [1] + [m for _, m in fit.RETRIES]
    assert attempts == len(mults)
    assert calls == [
        (500 * m, 2 if i == 0 else max(2, fit.RETRY_MIN_CHAINS), 7 + i) for i, m in enumerate(mults)
    ]
    assert fit.RETRY_MIN_CHAINS >= 4


def test_batched_extreme_posteriors_match_their_exact_means():
    """Posteriors with tails far heavier than their spread on the logit scale, one side or the
    other (Beta(0.01, 0.01) after 0/1 and 7/7, Jeffreys after 0/100 and 100/100, a Beta
    mixture with a Beta(0.3, 0.3) component after 0/9 and 9/9): each on the (complementary)
    log-log scale, in one chunk, without divergences, each mean within 4 MCSE of the exact
    (conjugate) one: 8 comparisons, a false alarm rate of about 5e-4 for the lot."""
    mixture = bt.Mixture([bt.Beta(0.3, 0.3), bt.Beta(5, 5)], [0.5, 0.5])
    cases = [
        ((0, 1), bt.Beta(0.01, 0.01)),
        ((7, 7), bt.Beta(0.01, 0.01)),
        ((0, 100), bt.Beta(0.5, 0.5)),
        ((100, 100), bt.Beta(0.5, 0.5)),
        ((0, 9), mixture),
        ((9, 9), mixture),
        ((0, 3), bt.Beta(0.05, 5)),
        ((3, 3), bt.Beta(5, 0.05)),
    ]
    points = [
        (bt.BinaryEndpoint(f"e{y}_{n}_{k}", bt.Binary(y, n), target=0.5), prior)
        for k, ((y, n), prior) in enumerate(cases)
    ]
    links = [BinaryBatch.values(ep, prior)["link"] for ep, prior in points]
    assert links == [LINKS["loglog"], LINKS["cloglog"]] * 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = fit.sample_points(points, LeanSummaries(), seed=3, **SETTINGS)
    assert [b.tail for b, _ in chunks(points)] == ["light"]
    assert all(r["divergences"] == 0 for r in rows)
    for r, (ep, prior) in zip(rows, points):
        exact = float(ep.exact_posterior(prior).mean)
        assert abs(z_score(r["post_mean"], exact, r["mcse_mean"])) < 4, ep.name
