"""Adverse events: table validation, exact independent posteriors and bounds, benchmark
comparisons, and the three-level hierarchical model against grid-integration oracles.

META 10-19 (Lancet Haematol 2025, doi:10.1016/S2352-3026(25)00253-4, abstract), 12 infused:
grade >= 3 neutropenia 12, anaemia 10, thrombocytopenia 10; CRS (all grade 1-2) 11; ICANS 0
[all E]. Hence grade >= 3 CRS 0/12 and grade >= 3 ICANS 0/12 [D].
"""

import warnings

import numpy as np
import pytest
from scipy import integrate, special, stats

import bayes_trials as bt
from bayes_trials.benchmarks import BenchmarkRate
from bayes_trials.endpoints.adverse_events import (
    AdverseEventsEndpoint,
    AdverseEventTable,
    HierarchicalAEPrior,
    forest_plot,
)
from bayes_trials.errors import DataError, PriorError
from bayes_trials.fit import CACHE, sample

ROWS = [
    ("neutropenia grade>=3", "haematological", 12, 12),
    ("anaemia grade>=3", "haematological", 10, 12),
    ("thrombocytopenia grade>=3", "haematological", 10, 12),
    ("CRS any grade", "immune effector", 11, 12),
    ("ICANS any grade", "immune effector", 0, 12),
]


_FELIX = (
    "Roddie C et al. Obecabtagene autoleucel in adults with B-cell acute lymphoblastic "
    "leukemia. N Engl J Med 2024;391:2219-30. doi:10.1056/NEJMoa2406526"
)
_ZUMA3_PH1 = (
    "Shah BD et al. KTE-X19 for relapsed or refractory adult B-cell acute "
    "lymphoblastic leukemia: phase 1 results of ZUMA-3. Blood 2021;138:11-22. "
    "doi:10.1182/blood.2020009098"
)

#: grade >= 3 CRS and ICANS of CD19 CAR T benchmarks, the counts derived from the printed
#: percentages (FELIX: all 127 infused, ICANS 7.1%, CRS 2.4%; ZUMA-3 phase 1: 45 treated, CRS 31%)
SAFETY_BENCHMARKS = {
    "felix_grade3_icans": BenchmarkRate.from_percent(
        "FELIX",
        "grade >= 3 ICANS",
        7.1,
        127,
        decimals=1,
        source=_FELIX,
        printed="7.1% of 127 infused",
    ),
    "felix_grade3_crs": BenchmarkRate.from_percent(
        "FELIX",
        "grade >= 3 CRS",
        2.4,
        127,
        decimals=1,
        source=_FELIX,
        printed="2.4% of 127 infused",
    ),
    "zuma3_ph1_grade3_crs": BenchmarkRate.from_percent(
        "ZUMA-3 phase 1",
        "grade >= 3 CRS",
        31,
        45,
        decimals=0,
        source=_ZUMA3_PH1,
        printed="31% of 45 treated",
    ),
}


@pytest.fixture(scope="module")
def meta():
    return AdverseEventsEndpoint("meta_safety", AdverseEventTable(ROWS))


# --- the table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows,field,match",
    [
        ([], "rows", "no rows"),
        (
            [("CRS", "ie", 13, 12)],
            "count",
            "row 1 \\(term 'CRS'\\): must not exceed n = 12, got 13",
        ),
        ([("CRS", "ie", -1, 12)], "count", "row 1 .*non-negative"),
        ([("CRS", "ie", 1, 0)], "n", "at least 1 patient"),
        ([("CRS", "ie", float("nan"), 12)], "count", "finite"),
        (
            [("CRS", "ie", 1, 12), ("ICANS", "ie", 0, 12), (" crs ", "other", 2, 12)],
            "term",
            "row 3 \\(term 'crs'\\): duplicate of row 1",
        ),
        ([("CRS", "", 1, 12)], "group", "non-empty"),
        ([{"term": "CRS", "group": "ie", "n": 12}], "count", "missing"),
    ],
)
def test_bad_tables_name_row_and_field(rows, field, match):
    with pytest.raises(DataError, match=match) as err:
        AdverseEventTable(rows, endpoint="safety")
    assert err.value.field == field and err.value.endpoint == "safety"


def test_csv_errors_name_the_file(tmp_path):
    path = tmp_path / "ae.csv"
    path.write_text("term,group,count,n\nCRS,immune effector,11,12\nICANS,immune effector,x,12\n")
    with pytest.raises(DataError, match="row 2 \\(term 'ICANS'\\)") as err:
        AdverseEventTable.from_csv(path)
    assert err.value.file == str(path) and err.value.field == "count"
    path.write_text("term,count,n\nCRS,11,12\n")
    with pytest.raises(DataError, match="missing column"):
        AdverseEventTable.from_csv(path)
    path.write_text("term,group,count,n\n" + "\n".join(",".join(map(str, r)) for r in ROWS))
    assert AdverseEventTable.from_csv(path).events == AdverseEventTable(ROWS).events


def test_dataframe_input_and_singleton_groups():
    import pandas as pd

    frame = pd.DataFrame(ROWS[:4], columns=["term", "group", "count", "n"])
    table = AdverseEventTable(frame)
    assert table.groups == ("haematological", "immune effector")
    assert table.singleton_groups == ("immune effector",)  # allowed
    np.testing.assert_array_equal(table.group_index, [0, 0, 0, 1])


# --- independent exact analysis and frequentist bounds --------------------------------


def test_zero_events_upper_bounds_closed_forms(meta):
    row = meta.independent_summary().loc["ICANS any grade"]
    # Beta(1, 13): upper 95% bound solves 1 - (1 - u)^13 = 0.95
    assert row["upper95"] == pytest.approx(1 - 0.05 ** (1 / 13), rel=1e-10)
    # one-sided Clopper-Pearson for 0/n: 1 - 0.05^(1/n); rule of three 3/n
    assert row["cp_upper95"] == pytest.approx(1 - 0.05 ** (1 / 12), rel=1e-10)
    assert row["rule_of_three"] == 0.25
    # Jeffreys prior Beta(1/2, 1/2): posterior Beta(0.5, 12.5), its quantile by root finding
    jeff = meta.independent_summary(bt.Beta(0.5, 0.5)).loc["ICANS any grade", "upper95"]
    u = integrate.quad(lambda t: stats.beta.pdf(t, 0.5, 12.5), 0, jeff)[0]
    assert u == pytest.approx(0.95, abs=1e-8)
    # the ordering a reader expects: Jeffreys < uniform < Clopper-Pearson < rule of three
    assert jeff < row["upper95"] < row["cp_upper95"] < row["rule_of_three"]


def test_independent_posteriors_and_logit_means(meta):
    s = meta.independent_summary()
    assert s.loc["anaemia grade>=3", "mean"] == pytest.approx(11 / 14, rel=1e-14)
    # E[logit theta] under Beta(a, b) = psi(a) - psi(b); check by quadrature
    a, b = 13, 1
    num = integrate.quad(lambda t: np.log(t / (1 - t)) * stats.beta.pdf(t, a, b), 0, 1)[0]
    assert s.loc["neutropenia grade>=3", "mean_logit"] == pytest.approx(num, rel=1e-7)
    assert np.isnan(s.loc["CRS any grade", "rule_of_three"])


def test_frequentist_clopper_pearson(meta):
    ref = meta.reference(0.95)
    lo, hi = ref.rows["ICANS any grade"]["clopper-pearson"]
    assert (lo, hi) == pytest.approx((0.0, 1 - 0.025 ** (1 / 12)), abs=1e-12)
    lo, hi = ref.rows["neutropenia grade>=3"]["clopper-pearson"]
    assert (lo, hi) == pytest.approx((0.025 ** (1 / 12), 1.0), abs=1e-12)
    assert ref.rows["CRS any grade"]["cp_upper"] == pytest.approx(
        stats.beta.ppf(0.95, 12, 1), rel=1e-12
    )
    assert ref.as_dict()["ICANS any grade_rule_of_three"] == 0.25


# --- benchmark comparisons ----------------------------------------------------------


def test_benchmark_counts_derived_uniquely():
    # FELIX (all 127 infused): grade>=3 ICANS 7.1%, grade>=3 CRS 2.4%; ZUMA-3 phase 1 (45): 31%
    felix_icans = SAFETY_BENCHMARKS["felix_grade3_icans"]
    assert (felix_icans.events, felix_icans.n, felix_icans.tag) == (9, 127, "D")
    assert round(100 * 9 / 127, 1) == 7.1 and round(100 * 8 / 127, 1) != 7.1
    assert SAFETY_BENCHMARKS["felix_grade3_crs"].events == 3
    assert SAFETY_BENCHMARKS["zuma3_ph1_grade3_crs"].events == 14
    with pytest.raises(DataError, match="cannot derive"):
        BenchmarkRate.from_percent("x", "y", 50, 3, decimals=0, source="-")


@pytest.mark.parametrize("key", ["felix_grade3_icans", "felix_grade3_crs", "zuma3_ph1_grade3_crs"])
def test_grade3_comparisons_by_quadrature_and_monte_carlo(key):
    bm = SAFETY_BENCHMARKS[key]
    # META 10-19 grade>=3 ICANS / CRS: 0/12 [D]; uniform priors on both rates
    ep = AdverseEventsEndpoint("s", AdverseEventTable([("grade>=3 event", "ie", 0, 12)]))
    table = ep.compare_with_benchmarks("grade>=3 event", [bm])
    prob = float(table["prob"].iloc[0])
    a, b = 1 + bm.events, 1 + bm.n - bm.events
    # P(theta_META < theta_bm) = E[1 - (1 - theta_bm)^13] for theta_META ~ Beta(1, 13)
    closed = 1 - np.exp(special.betaln(a, b + 13) - special.betaln(a, b))
    assert prob == pytest.approx(closed, abs=1e-6)
    rng = np.random.default_rng(2025)
    mc = np.mean(rng.beta(1, 13, 10**6) < rng.beta(a, b, 10**6))
    assert abs(prob - mc) < 4 * np.sqrt(mc * (1 - mc) / 10**6)
    assert table["tag"].iloc[0] == "D"


# --- hierarchical model: grid-integration oracle ----------------------------------------


def _log_lik(y, n, x):
    return y * -np.logaddexp(0, -x) + (n - y) * -np.logaddexp(0, x)


def oracle_means(table, m0, s0, tau, sigma):
    """E[theta_j | y] under the three-level model, by grid integration.

    ``sigma`` fixed (``None``: 0, the events of a group pooled, computed from the pooled
    counts); ``tau`` fixed (float) or HalfNormal (integrated on a grid). Independent of the
    package: x_j = gamma_g + sigma z_j, gamma_g = mu + tau u_g, mu = m0 + s0 w.
    """
    gm = np.linspace(-25, 25, 1501)
    terms, groups = table.terms, table.groups
    gidx = table.group_index
    log_g = np.zeros((len(groups), gm.size))
    ratio = np.zeros((len(terms), gm.size))  # E[theta_j | gamma, y_j]
    if sigma is None:
        for g in range(len(groups)):
            sel = gidx == g
            log_g[g] = _log_lik(table.counts[sel].sum(), table.n[sel].sum(), gm)
        ratio[:] = special.expit(gm)
    else:
        x = np.linspace(-25 - 8 * sigma, 25 + 8 * sigma, 2401)
        for j, (y, n) in enumerate(zip(table.counts, table.n)):
            lk = stats.norm.logpdf(x[None, :], gm[:, None], sigma) + _log_lik(y, n, x)[None, :]
            lm = special.logsumexp(lk, axis=1)
            log_g[gidx[j]] += lm
            ratio[j] = np.exp(
                special.logsumexp(lk + np.log(special.expit(x))[None, :], axis=1) - lm
            )
    w = np.linspace(-7, 7, 281)
    u = np.linspace(-7, 7, 281)
    lw, lu = stats.norm.logpdf(w), stats.norm.logpdf(u)
    if isinstance(tau, (int, float)):
        taus, ltau = np.array([float(tau)]), np.zeros(1)
    else:
        edges = np.linspace(0, 6 * tau.scale, 241)
        taus = (edges[1:] + edges[:-1]) / 2
        ltau = stats.halfnorm.logpdf(taus, scale=tau.scale)
    log_joint, cond = [], []
    for t, lt in zip(taus, ltau):
        gmat = m0 + s0 * w[:, None] + t * u[None, :]
        total = lt + lw
        means = np.zeros((len(terms), w.size))
        for g in range(len(groups)):
            lg = np.interp(gmat, gm, log_g[g]) + lu[None, :]
            lh = special.logsumexp(lg, axis=1)
            total = total + lh
            weights = np.exp(lg - lh[:, None])
            for j in np.flatnonzero(gidx == g):
                means[j] = (weights * np.interp(gmat, gm, ratio[j])).sum(axis=1)
        log_joint.append(total)
        cond.append(means)
    log_joint = np.array(log_joint)  # (tau, w)
    post = np.exp(log_joint - special.logsumexp(log_joint))
    return dict(zip(terms, np.einsum("tw,tjw->j", post, np.array(cond))))


def independent_logit_normal_mean(y, n, mean, sd):
    """E[theta | y] under logit(theta) ~ N(mean, sd^2), one event on its own (quadrature)."""
    f = lambda x: np.exp(_log_lik(y, n, x)) * stats.norm.pdf(x, mean, sd)
    lo, hi = mean - 10 * sd, mean + 10 * sd
    norm = integrate.quad(f, lo, hi, limit=400)[0]
    return integrate.quad(lambda x: special.expit(x) * f(x), lo, hi, limit=400)[0] / norm


POOLED = HierarchicalAEPrior(mu=bt.Normal(0, 1.5), tau=bt.HalfNormal(1.0), sigma=1e-3)
INDEPENDENT = HierarchicalAEPrior(mu=bt.Normal(0, 1.5), tau=1.0, sigma=10.0)
MODERATE = HierarchicalAEPrior(mu=bt.Normal(-0.5, 1.0), tau=0.8, sigma=0.7)
SINGLETON_ROWS = ROWS[:4] + [("ICANS any grade", "neurological", 0, 12)]


@pytest.fixture(scope="module")
def fits(meta):
    """Every MCMC fit of this module: one compile (size class 8 events x 4 groups)."""
    before = CACHE.compiles
    singleton = AdverseEventsEndpoint("singleton", AdverseEventTable(SINGLETON_ROWS))
    jobs = {
        "default": (meta, HierarchicalAEPrior()),
        "pooled": (meta, POOLED),
        "independent": (meta, INDEPENDENT),
        "singleton": (singleton, MODERATE),
    }
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for i, (name, (ep, prior)) in enumerate(jobs.items()):
            tree = sample(ep.hierarchical, prior, draws=1000, tune=1000, chains=4, seed=100 + i)
            out[name] = (ep, tree, ep.hierarchical_summary(tree))
    return out, CACHE.compiles - before


def test_one_compile_for_every_prior_and_table(fits):
    assert fits[1] <= 1


def test_small_group_sd_reproduces_pooling(fits, meta):
    ep, tree, summary = fits[0]["pooled"]
    oracle = oracle_means(meta.table, 0.0, 1.5, bt.HalfNormal(1.0), None)
    for term, expected in oracle.items():
        row = summary.loc[term]
        assert abs(row["mean"] - expected) < 4 * row["mcse_mean"], (term, row["mean"], expected)
    # events of a group share one rate: the pooled haematological rate 32/36 ...
    theta = ep.hierarchical.named(tree)["theta"]
    diff = theta.sel(term="anaemia grade>=3") - theta.sel(term="neutropenia grade>=3")
    assert float(abs(diff).max()) < 0.01
    assert (summary["shrinkage"].dropna() > 0.95).all()


def test_large_group_sd_reproduces_independent_analysis(fits, meta):
    _, _, summary = fits[0]["independent"]
    oracle = oracle_means(meta.table, 0.0, 1.5, 1.0, 10.0)
    # the limit: each event alone, under the implied prior logit theta ~ N(0, 1.5^2 + 1 + 10^2)
    sd = np.sqrt(1.5**2 + 1.0 + 10.0**2)
    for e in meta.table.events:
        indep = independent_logit_normal_mean(e.count, e.n, 0.0, sd)
        assert oracle[e.term] == pytest.approx(indep, abs=2e-3)
        row = summary.loc[e.term]
        assert abs(row["mean"] - oracle[e.term]) < 4 * row["mcse_mean"]
        assert abs(row["mean"] - indep) < 4 * row["mcse_mean"] + 2e-3


def test_singleton_group_borrows_from_the_overall_mean(fits):
    ep, _, summary = fits[0]["singleton"]
    assert ep.table.singleton_groups == ("immune effector", "neurological")
    oracle = oracle_means(ep.table, -0.5, 1.0, 0.8, 0.7)
    for term, expected in oracle.items():
        row = summary.loc[term]
        assert abs(row["mean"] - expected) < 4 * row["mcse_mean"], (term, row["mean"], expected)


def test_default_prior_fit_and_shrinkage(fits):
    _, _tree, summary = fits[0]["default"]
    assert (summary["r_hat"] < 1.01).all()
    assert (summary["ess_bulk"] > 400).all()
    # anaemia (10/12) moves toward its group (neutropenia 12/12 pulls it up): 0 < shrinkage
    row = summary.loc["anaemia grade>=3"]
    assert row["mean"] > row["independent_mean"] + 4 * row["mcse_mean"]
    assert 0 < row["shrinkage"]
    assert summary.loc["ICANS any grade", "upper95"] > summary.loc["ICANS any grade", "mean"]


def test_forest_plot(fits):
    import matplotlib.pyplot as plt

    _, _, summary = fits[0]["default"]
    ax = forest_plot(summary)
    assert len(ax.get_yticks()) == len(ROWS)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "independent (exact Beta posterior)",
        "hierarchical (MCMC)",
    ]
    plt.close(ax.figure)


def test_prior_checks():
    with pytest.raises(PriorError, match="HalfNormal, HalfCauchy or a fixed"):
        HierarchicalAEPrior(tau=bt.Normal(0, 1))
    with pytest.raises(PriorError):
        HierarchicalAEPrior(sigma=-1.0)
    ep = AdverseEventsEndpoint("s", AdverseEventTable(ROWS))
    with pytest.raises(PriorError, match="HierarchicalAEPrior"):
        ep.hierarchical.model_inputs(bt.Beta(1, 1))
    assert ep.hierarchical.exact(HierarchicalAEPrior()) == {}


def test_size_classes_and_padding():
    rows = [(f"event {i}", f"g{i % 5}", i % 3, 10) for i in range(9)]
    ep = AdverseEventsEndpoint("s", AdverseEventTable(rows))
    assert ep.hierarchical.structure(HierarchicalAEPrior()) == ("adverse_events", 16, 8)
    from bayes_trials.endpoints.adverse_events.model import INPUTS

    inputs = INPUTS.unpack(
        ep.hierarchical.model_inputs(HierarchicalAEPrior(tau=bt.HalfCauchy(0.5), sigma=0.3))
    )
    assert inputs["n"].shape == (16,) and inputs["n"][9:].sum() == 0
    assert (
        inputs["tau_cauchy"][0],
        inputs["tau_scale"][0],
        inputs["sigma_fixed"][0],
        inputs["sigma_value"][0],
    ) == (1.0, 0.5, 1.0, 0.3)


# --- the endpoint protocol: analyses, priors --------------------------------------------


def test_analyses_each_event_under_each_prior_then_the_hierarchies(meta):
    wide = HierarchicalAEPrior(tau=bt.HalfCauchy(1.0))
    analyses = meta.analyses({"uniform": bt.Beta(1, 1), "wide": wide})
    terms = meta.table.terms
    assert [a.name for a in analyses] == [f"uniform/{t}" for t in terms] + ["hierarchical", "wide"]
    first = analyses[0]
    # the event's own binary endpoint, seeded as before the restructure: <endpoint>/<term>, prior
    assert (first.prior_name, first.model_name, first.seed_names) == (
        "uniform",
        "independent",
        ("meta_safety/neutropenia grade>=3", "uniform"),
    )
    assert first.model.exact(bt.Beta(1, 1)) == {"neutropenia grade>=3": bt.Beta(13, 1)}
    hier = analyses[-1]
    assert (hier.prior_name, hier.model_name, hier.prior) == ("wide", "hierarchical", wide)
    assert [q.name for q in hier.model.quantities(wide)][-2:] == [
        "group_rate[haematological]",
        "group_rate[immune effector]",
    ]
    # the endpoint's own hierarchical analysis is named "hierarchical": no prior may take it
    with pytest.raises(PriorError, match="own hierarchical analysis"):
        meta.analyses({"hierarchical": wide})
    # without its own hyperpriors, a named one may be called anything
    bare = AdverseEventsEndpoint("s", meta.table, hierarchical_prior=None)
    assert [a.name for a in bare.analyses({"hierarchical": wide})] == ["hierarchical"]


def test_priors_refused_name_what_the_endpoint_takes(meta):
    meta.check_prior(bt.Mixture([bt.Beta(2, 3), bt.Beta(1, 1)], [0.5, 0.5]))
    meta.check_prior(HierarchicalAEPrior())
    for bad in (bt.Gamma(1, 1), bt.Normal(0, 1)):
        with pytest.raises(PriorError, match="Beta .*HierarchicalAEPrior"):
            meta.check_prior(bad)
    with pytest.raises(PriorError) as err:
        bt.analyse(meta, priors={"g": bt.Gamma(1, 1)}, method="exact")
    assert err.value.endpoint == "meta_safety" and err.value.field == "priors.g"


def test_exact_pipeline_rows_against_scipy(meta):
    res = bt.analyse(
        meta, priors={"uniform": bt.Beta(1, 1), "jeffreys": bt.Beta(0.5, 0.5)}, method="exact"
    )
    t = res.table().set_index(["prior", "quantity"])
    for e in meta.table.events:
        for pname, (a, b) in {"uniform": (1, 1), "jeffreys": (0.5, 0.5)}.items():
            oracle = stats.beta(a + e.count, b + e.n - e.count)
            row = t.loc[(pname, e.term)]
            assert row["model"] == "independent"
            assert row["exact_mean"] == pytest.approx(oracle.mean(), rel=1e-12)
            assert (row["exact_eti95_low"], row["exact_eti95_high"]) == pytest.approx(
                tuple(oracle.ppf([0.025, 0.975])), rel=1e-9, abs=1e-14
            )
    # the hierarchy has no closed form: under method exact it is not fitted, nothing is sampled
    assert "hierarchical" not in set(t.index.get_level_values("prior"))
    assert "hierarchical" not in res.fits
    assert all(f.posterior is None for f in res.fits.values())
