"""Response categories: Dirichlet algebra, exact update, frequentist references, benchmarks.

META 10-19 (Lancet Haematol 2025, doi:10.1016/S2352-3026(25)00253-4, abstract): at 1 month
CR 4/12, CRi 5/12, MLFS 3/12, overall response 12/12, so no response 0/12 [E];
CR + CRi 9/12 [D].
"""

import itertools

import numpy as np
import pytest
from scipy import integrate, special, stats

import bayes_trials as bt
from bayes_trials.benchmarks import BenchmarkRate
from bayes_trials.data import Categorical
from bayes_trials.distributions import Dirichlet
from bayes_trials.endpoints.categorical import CategoricalEndpoint, cumulative_unions
from bayes_trials.errors import DataError, PriorError

META = {"CR": 4, "CRi": 5, "MLFS": 3, "none": 0}

#: CR/CRi (overall remission) benchmarks of CD19 CAR T, with their sources
ZUMA3_PH2 = BenchmarkRate(
    "ZUMA-3 phase 2",
    "CR/CRi",
    39,
    55,
    "E",
    "Shah BD et al. KTE-X19 for relapsed or refractory adult B-cell acute lymphoblastic "
    "leukaemia: phase 2 results of the single-arm, open-label, multicentre ZUMA-3 study. "
    "Lancet 2021;398:491-502. doi:10.1016/S0140-6736(21)01222-8",
    printed="39/55 (70.9%)",
)
FELIX_2A = BenchmarkRate.from_percent(
    "FELIX cohort 2A",
    "overall remission (CR/CRi)",
    77,
    94,
    decimals=0,
    source="Roddie C et al. Obecabtagene autoleucel in adults with B-cell acute lymphoblastic "
    "leukemia. N Engl J Med 2024;391:2219-30. doi:10.1056/NEJMoa2406526",
    printed="77% of 94 infused",
)


@pytest.fixture(scope="module")
def endpoint():
    return CategoricalEndpoint(
        "response_1m",
        Categorical(META, n=12),
        unions={"CR+CRi": ["CR", "CRi"], "any response": ["CR", "CRi", "MLFS"]},
        targets={"CR+CRi": 0.4},
    )


# --- data -------------------------------------------------------------------------------


def test_categorical_keeps_order_and_zero_category():
    data = Categorical(META)
    assert data.names == ("CR", "CRi", "MLFS", "none")
    assert data.n == 12 and data.counts["none"] == 0
    assert data.union(["CR", "CRi"]) == bt.Binary(9, 12)


@pytest.mark.parametrize(
    "counts,n,field,match",
    [
        ({}, None, "counts", "at least one category"),
        ({"CR": -1, "none": 3}, None, "counts['CR']", "non-negative"),
        ({"CR": 2.5, "none": 3}, None, "counts['CR']", "whole"),
        ({"CR": float("nan"), "none": 3}, None, "counts['CR']", "finite"),
        ({"CR": 0, "none": 0}, None, "counts", "sum to 0"),
        ({"CR": 4, "CRi": 5}, 12, "n", "sum to 9, not to the stated total 12"),
        ({"": 4, "CRi": 5}, None, "counts", "non-empty"),
    ],
)
def test_bad_categorical_data_named(counts, n, field, match):
    with pytest.raises(DataError, match=match) as err:
        Categorical(counts, n=n)
    assert err.value.field == field


def test_unknown_union_names_the_endpoint_and_field():
    with pytest.raises(DataError) as err:
        CategoricalEndpoint("resp", Categorical(META), unions={"CR+PR": ["CR", "PR"]})
    assert err.value.endpoint == "resp" and err.value.field == "unions['CR+PR']"
    assert "PR" in str(err.value)


def test_target_of_unknown_union_and_bad_prior_refused():
    with pytest.raises(DataError) as err:
        CategoricalEndpoint("resp", Categorical(META), targets={"CR+PR": 0.4})
    assert err.value.field == "targets"
    ep = CategoricalEndpoint("resp", Categorical(META))
    with pytest.raises(PriorError, match="Dirichlet") as err:
        ep.check_prior(bt.Beta(1, 1))
    assert err.value.endpoint == "resp"
    with pytest.raises(PriorError, match="missing from the prior"):
        ep.check_prior(Dirichlet({"CR": 1, "other": 1}))


# --- Dirichlet ------------------------------------------------------------------------


def test_dirichlet_moments_against_scipy():
    d = Dirichlet({"CR": 4.5, "CRi": 5.5, "MLFS": 3.5, "none": 0.5})
    ref = stats.dirichlet([4.5, 5.5, 3.5, 0.5])
    np.testing.assert_allclose(list(d.mean.values()), ref.mean(), rtol=1e-14)
    np.testing.assert_allclose(list(d.sd.values()), np.sqrt(ref.var()), rtol=1e-12)
    p = np.array([0.3, 0.4, 0.2, 0.1])
    assert d.logpdf(p) == pytest.approx(ref.logpdf(p), rel=1e-12)


def test_marginal_of_union_is_the_beta_monte_carlo():
    d = Dirichlet({"CR": 4.5, "CRi": 5.5, "MLFS": 3.5, "none": 0.5})
    beta = d.marginal(["CR", "CRi"])
    assert (beta.a, beta.b) == (10.0, 4.0)
    draws = d.rvs(200_000, seed=20250101)
    s = draws[:, 0] + draws[:, 1]
    # mean and variance of the sum vs Beta(10, 4): within 4 Monte Carlo standard errors
    # (false alarm 6e-5), the variance within 2% (its relative MC error is about 0.3%)
    assert abs(s.mean() - 10 / 14) < 4 * s.std() / np.sqrt(s.size)
    assert s.var() == pytest.approx(10 * 4 / (14**2 * 15), rel=0.02)
    # the whole distribution: Kolmogorov-Smirnov against the Beta cdf (false alarm 1%)
    assert stats.kstest(s, stats.beta(10, 4).cdf).pvalue > 0.01


def test_marginal_refuses_bad_unions():
    d = Dirichlet.reference(META, 0.5)
    with pytest.raises(PriorError, match="probability 1"):
        d.marginal(list(META))
    with pytest.raises(PriorError, match="unknown"):
        d.marginal(["CR", "PR"])
    with pytest.raises(PriorError, match="at least one"):
        d.marginal([])


def test_merge_sums_concentrations():
    d = Dirichlet({"CR": 4.5, "CRi": 5.5, "MLFS": 3.5, "none": 0.5})
    merged = d.merge({"CR/CRi": ["CR", "CRi"], "other": ["MLFS", "none"]})
    assert merged.concentrations == {"CR/CRi": 10.0, "other": 4.0}
    with pytest.raises(PriorError, match="exactly once"):
        d.merge({"a": ["CR"], "b": ["CRi"]})


@pytest.mark.parametrize("alpha", [[0, 1], [-1, 2], [float("inf"), 1], [1]])
def test_bad_dirichlet_refused(alpha):
    with pytest.raises(PriorError):
        Dirichlet(alpha)


def test_from_mean_ess_benchmark_split():
    # FELIX cohort 2A (Roddie C et al., N Engl J Med 2024): overall remission 77% of 94 ->
    # 72 [D], CR 55% of 94 -> 52 [D]; the MLFS share of the 20 non-CR remissions is not
    # published: assumed half, a labelled assumption, here only to exercise the constructor.
    mean = {"CR": 52 / 94, "CRi": 10 / 94, "MLFS": 10 / 94, "none": 22 / 94}
    prior = Dirichlet.from_mean_ess(mean, 10)
    assert prior.ess == pytest.approx(10)
    assert prior.marginal(["CR", "CRi", "MLFS"]).mean == pytest.approx(72 / 94, rel=1e-12)
    with pytest.raises(PriorError, match="sum to 1"):
        Dirichlet.from_mean_ess({"CR": 0.5, "none": 0.6}, 10)


# --- exact update ---------------------------------------------------------------------


def test_update_adds_counts_and_matches_categories_by_name():
    prior = Dirichlet({"none": 1.0, "MLFS": 2.0, "CRi": 3.0, "CR": 4.0})  # another order
    post = bt.update(prior, Categorical(META))
    assert post.names == ("CR", "CRi", "MLFS", "none")
    np.testing.assert_array_equal(post.alpha, [8.0, 8.0, 5.0, 1.0])
    with pytest.raises(PriorError, match="differ"):
        bt.update(Dirichlet({"CR": 1, "other": 1}), Categorical(META))
    with pytest.raises(PriorError):
        bt.update(bt.Beta(1, 1), Categorical(META))


def test_posterior_against_numerical_integration_of_the_multinomial():
    # two categories collapse to the binomial: Dirichlet(a1 + y1, a2 + y2) = Beta
    post = bt.update(
        Dirichlet({"CR+CRi": 1.0, "other": 1.0}), Categorical({"CR+CRi": 9, "other": 3})
    )
    like = lambda t: stats.binom.pmf(9, 12, t)
    norm = integrate.quad(like, 0, 1)[0]
    mean = integrate.quad(lambda t: t * like(t), 0, 1)[0] / norm
    assert post.mean["CR+CRi"] == pytest.approx(mean, rel=1e-10)


def test_union_posterior_agrees_with_binary_analysis(endpoint):
    # Jeffreys Dirichlet (1/2 each of 4) gives the union CR+CRi the prior Beta(1, 1)
    prior = endpoint.reference_priors()["jeffreys"]
    union = endpoint.union_posterior(prior, "CR+CRi")
    binary = bt.BinaryEndpoint("cr_cri", bt.Binary(9, 12), target=0.4)
    post = binary.exact_posterior(bt.Beta(1, 1))
    assert (union.a, union.b) == (post.a, post.b) == (10.0, 4.0)
    assert endpoint.tail_probabilities(prior)["CR+CRi"] == pytest.approx(
        binary.tail_probability(post), rel=1e-14
    )
    # and the closed form: P(Beta(10, 4) > 0.4) = 1 - I_0.4(10, 4)
    assert binary.tail_probability(post) == pytest.approx(1 - special.betainc(10, 4, 0.4))


def test_exact_quantities_are_the_scipy_betas(endpoint):
    # every category and union under the uniform Dirichlet(1, 1, 1, 1): Beta(sum alpha + y
    # inside, the rest), computed here from the counts alone
    prior = endpoint.reference_priors()["uniform"]
    exact = endpoint.exact(prior)
    quantities = {q.name: q for q in endpoint.quantities(prior)}
    assert (
        list(exact) == list(quantities) == ["CR", "CRi", "MLFS", "none", "CR+CRi", "any response"]
    )
    for label, members in [(c, (c,)) for c in META] + list(endpoint.unions):
        a = sum(1 + META[m] for m in members)
        oracle = stats.beta(a, 4 + 12 - a)
        assert exact[label].mean == pytest.approx(oracle.mean(), rel=1e-12)
        assert exact[label].interval(0.95) == pytest.approx(oracle.interval(0.95), rel=1e-9)
    assert quantities["CR+CRi"].target == 0.4 and quantities["CR"].target is None
    assert quantities["CR"].exact_label == "Dirichlet marginal"
    assert quantities["CR+CRi"].exact_label == "binary analysis of 9/12 under Beta(a=2, b=2)"
    assert all(q.in_check_names for q in quantities.values())


def test_any_response_with_zero_non_responders():
    prior = Dirichlet.reference(META, 0.5)
    post = CategoricalEndpoint("r", Categorical(META)).union_posterior(prior, ["CR", "CRi", "MLFS"])
    # Beta(13.5, 0.5): the zero category keeps its prior half observation
    assert (post.a, post.b) == (13.5, 0.5)
    assert float(post.cdf(0.9)) == pytest.approx(special.betainc(13.5, 0.5, 0.9), rel=1e-12)


def test_default_unions_are_cumulative():
    assert cumulative_unions(["CR", "CRi", "none"]) == {"CR": ("CR",), "CR+CRi": ("CR", "CRi")}
    ep = CategoricalEndpoint("r", Categorical({"CR": 1, "CRi": 2, "none": 3}))
    assert ep.unions == (("CR", ("CR",)), ("CR+CRi", ("CR", "CRi")))


# --- frequentist --------------------------------------------------------------------------


def test_goodman_intervals_closed_form(endpoint):
    ref = endpoint.reference(0.95)
    # Goodman (1965): chi2 = chi2_1 quantile at 1 - alpha/K;
    # bounds = (chi2 + 2y -/+ sqrt(chi2 (chi2 + 4 y (n - y)/n))) / (2 (n + chi2))
    k, n = 4, 12
    chi2 = stats.chi2.ppf(1 - 0.05 / k, 1)
    for name, y in META.items():
        root = np.sqrt(chi2 * (chi2 + 4 * y * (n - y) / n))
        lo, hi = (chi2 + 2 * y - root) / (2 * (n + chi2)), (chi2 + 2 * y + root) / (2 * (n + chi2))
        assert ref.simultaneous["goodman"][name] == pytest.approx((lo, hi), abs=1e-12)


def test_sison_glaz_constant_against_exact_enumeration(endpoint):
    ref = endpoint.reference(0.95)
    x, n = np.array(list(META.values())), 12
    outcomes = np.array([o for o in itertools.product(range(n + 1), repeat=4) if sum(o) == n])
    pmf = stats.multinomial.pmf(outcomes, n, x / n)

    def nu(c):  # P(x_i - c <= X_i <= x_i + c for all i), X ~ Mult(n, x/n)
        return pmf[np.all((outcomes >= x - c) & (outcomes <= x + c), axis=1)].sum()

    c = next(c for c in range(n) if nu(c) <= 0.95 < nu(c + 1))
    gamma = (0.95 - nu(c)) / (nu(c + 1) - nu(c))
    for name, y in META.items():
        lo, hi = ref.simultaneous["sison-glaz"][name]
        assert lo == pytest.approx(max(y / n - c / n, 0), abs=1e-12)
        # statsmodels approximates nu by an Edgeworth expansion: gamma within 0.03
        assert hi * n == pytest.approx(min(y + c + 2 * gamma, n), abs=0.06)


def test_clopper_pearson_per_union(endpoint):
    ref = endpoint.reference(0.95)
    lo, hi = ref.unions["CR+CRi"]["clopper-pearson"]
    assert lo == pytest.approx(stats.beta.ppf(0.025, 9, 4), rel=1e-10)
    assert hi == pytest.approx(stats.beta.ppf(0.975, 10, 3), rel=1e-10)
    lo, hi = ref.unions["any response"]["clopper-pearson"]
    assert (lo, hi) == pytest.approx((0.025 ** (1 / 12), 1.0), rel=1e-10)
    d = ref.as_dict()
    assert d["union_CR+CRi_events"] == 9 and d["none_goodman95_low"] == 0.0


def test_reference_checks_hold_and_can_fail(endpoint):
    from dataclasses import replace

    from bayes_trials.endpoints.categorical.checks import (
        percentage_checks,
        union_reference_checks,
    )

    ref = endpoint.reference(0.95)
    priors = endpoint.reference_priors()
    checks = union_reference_checks(
        endpoint.name, endpoint.data, endpoint.unions, ref, priors, 0.95
    )
    # 2 identities + containment only where the aggregated Beta has a, b <= 1: CR+CRi under
    # Jeffreys (Beta(1, 1)); any response under Jeffreys is Beta(1.5, 0.5), not covered
    assert [c.passed for c in checks] == [True, True, True]
    assert checks[1].prior == "jeffreys"
    # a wrong Clopper-Pearson interval fails the identity
    bad = replace(
        ref,
        unions={
            **ref.unions,
            "CR+CRi": {**ref.unions["CR+CRi"], "clopper-pearson": (0.40, 0.945139)},
        },
    )
    assert not union_reference_checks(endpoint.name, endpoint.data, endpoint.unions, bad, {}, 0.95)[
        0
    ].passed
    printed = (("CR", (33, 0, "published", "s")), ("CRi", (41, 0, "published", "s")))
    assert [c.passed for c in percentage_checks("r", endpoint.data, printed)] == [True, False]


# --- benchmarks ------------------------------------------------------------------------


def test_cr_cri_against_benchmarks_by_quadrature_and_monte_carlo(endpoint):
    prior = endpoint.reference_priors()["jeffreys"]
    table = endpoint.compare_with_benchmarks(prior, "CR+CRi", [ZUMA3_PH2, FELIX_2A])
    zuma = table.set_index("trial").loc["ZUMA-3 phase 2"]
    # independent check: P(Beta(10, 4) > Beta(40, 17)) by scipy quad
    exact = integrate.quad(lambda t: stats.beta.pdf(t, 10, 4) * stats.beta.cdf(t, 40, 17), 0, 1)[0]
    assert zuma["prob"] == pytest.approx(exact, abs=1e-6)
    rng = np.random.default_rng(7)
    mc = np.mean(rng.beta(10, 4, 10**6) > rng.beta(40, 17, 10**6))
    # within 4 binomial MC standard errors of 1e6 draws (false alarm 6e-5, for any seed)
    assert abs(zuma["prob"] - mc) < 4 * np.sqrt(mc * (1 - mc) / 10**6)
    felix = table.set_index("trial").loc["FELIX cohort 2A"]
    assert (felix["events"], felix["n"], felix["tag"]) == (72, 94, "D")


def test_from_percent_against_brute_force_and_bounded_for_large_n():
    # the unique whole count with round(100 k / n, d) equal to the printed percentage,
    # against enumeration of every k at small n
    for n in (1, 7, 45, 94, 127):
        for d in (0, 1):
            for pc in sorted({round(100 * k / n, d) for k in range(n + 1)}):
                fits = [k for k in range(n + 1) if round(100 * k / n, d) == pc]
                if len(fits) == 1:
                    assert (
                        BenchmarkRate.from_percent("t", "o", pc, n, decimals=d, source="s").events
                        == fits[0]
                    )
                else:
                    with pytest.raises(DataError, match="cannot derive"):
                        BenchmarkRate.from_percent("t", "o", pc, n, decimals=d, source="s")
    # n = 10^12: the search is local (an array over 0..n would not fit in memory)
    with pytest.raises(DataError, match="several whole counts"):
        BenchmarkRate.from_percent("t", "o", 50, 10**12, decimals=0, source="s")
