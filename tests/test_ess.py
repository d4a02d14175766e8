"""ESS: ELIR, moment and Morita, pinned to RBesT's published examples and brute force."""

import math
import warnings

import numpy as np
import pytest
from scipy import optimize, stats

from bayes_trials.distributions import Beta, Gamma, Mixture, Normal
from bayes_trials.errors import PriorError, StatisticalWarning
from bayes_trials.ess import ess, mixture_mode

# RBesT's ?ess examples (Novartis/RBesT, inst/examples/ess.R, output in reference/ess.md):
#   bmix <- mixbeta(rob = c(0.2, 1, 1), inf = c(0.8, 10, 2))
#   nmix <- mixnorm(rob = c(0.5, 0, 2), inf = c(0.5, 3, 4), sigma = 10)
#   gmix <- mixgamma(rob = c(0.3, 20, 4), inf = c(0.7, 50, 10))
BMIX = Mixture([Beta(1, 1), Beta(10, 2)], [0.2, 0.8])
NMIX = Mixture([Normal(0, 2), Normal(3, 4)], [0.5, 0.5])
GMIX = Mixture([Gamma(20, 4), Gamma(50, 10)], [0.3, 0.7])


@pytest.mark.parametrize(
    "prior, method, sigma, published",
    [
        (BMIX, "elir", None, 7.65152),  # ess(bmix, "elir")
        (BMIX, "moment", None, 3.161034),  # ess(bmix, "moment")
        (BMIX, "morita", None, 8.487603),  # ess(bmix, method = "morita")
        (NMIX, "elir", 10, 10.82796),  # ess(nmix, "elir"), sigma 10
        (NMIX, "moment", 10, 8.163265),  # ess(nmix, "moment")
        (NMIX, "elir", 20, 43.31185),  # sigma(nmix) <- 20; ess(nmix)
        (GMIX, "elir", None, 7.159378),  # ess(gmix), Poisson likelihood
    ],
)
def test_rbest_published_examples(prior, method, sigma, published):
    # R prints 7 significant digits
    assert ess(prior, method, sigma=sigma) == pytest.approx(published, rel=1e-6)


def test_conjugate_cases_match_canonical_formulas():
    # RBesT tests/testthat/test-utils.R "conjugate beta case matches canonical formula":
    # round(ess(Beta(5, 15), "morita")) == 20; ELIR and moment exact
    b = Beta(5, 15)
    assert ess(b) == 20 and ess(b, "moment") == pytest.approx(20, rel=1e-12)
    assert round(ess(b, "morita")) == 20
    # "conjugate normal case": Normal(-1, 2), sigma 4 -> 16/4 = 4; morita with s = Inf exact
    n = Normal(-1, 2)
    for method, kw in (("elir", {}), ("moment", {}), ("morita", {"s": math.inf})):
        assert ess(n, method, sigma=4, **kw) == pytest.approx(4.0, rel=1e-9)
    # with the default s = 100 the flattened prior removes 1/100 of the curvature
    assert ess(n, "morita", sigma=4) == pytest.approx(4.0 * 0.99, rel=1e-9)
    # "gamma 1-component density gives canonical results": round(morita) == rate
    g = Gamma(20, 4)
    assert ess(g) == 4 and ess(g, "moment") == pytest.approx(4, rel=1e-12)
    assert round(ess(g, "morita")) == 4


@pytest.mark.parametrize(
    "comp, sigma, expected",
    [(Beta(3.5, 6.5), None, 10.0), (Gamma(7, 2.5), None, 2.5), (Normal(1, 0.5), 2.0, 16.0)],
)
def test_one_component_mixture_elir_equals_conjugate_ess(comp, sigma, expected):
    assert ess(Mixture([comp], [1.0]), sigma=sigma) == pytest.approx(expected, rel=1e-12)
    # two identical components take the numerical-integration path and must agree
    twin = Mixture([comp, comp], [0.3, 0.7])
    assert ess(twin, sigma=sigma) == pytest.approx(expected, rel=1e-7)


def test_zero_weight_component_is_ignored():
    # the zero-weight Beta(0.5, 0.5) would make the ELIR integral diverge if it counted
    mix = Mixture([Beta(3, 4), Beta(0.5, 0.5)], [1.0, 0.0])
    for method in ("elir", "moment", "morita"):
        assert ess(mix, method) == pytest.approx(ess(Beta(3, 4), method), rel=1e-9)


def _finite_diff_info(dist, theta, h):
    """-d2/dtheta2 log p by central differences of the (independent) Mixture.logpdf."""
    lp = lambda t: np.asarray(dist.logpdf(np.asarray(t, dtype=float)))  # noqa: E731
    return -(lp(theta + h) - 2 * lp(theta) + lp(theta - h)) / h**2


def _brute_elir(mix, fisher_inv, n=4001):
    """ELIR by Gauss-Legendre over each component's central mass, finite-difference curvature."""
    total = 0.0
    for w, c in zip(mix.weights, mix.components):
        lo, hi = float(c.ppf(1e-10)), float(c.ppf(1 - 1e-10))
        x, wq = np.polynomial.legendre.leggauss(200)
        # split into pieces for accuracy
        edges = np.linspace(lo, hi, 21)
        for a, b in zip(edges[:-1], edges[1:]):
            t = 0.5 * (b - a) * x + 0.5 * (a + b)
            h = np.minimum(1e-4 * c.sd, 0.1 * np.abs(t))
            if c.family == "beta":
                h = np.minimum(h, 0.1 * (1 - t))
            vals = c.pdf(t) * _finite_diff_info(mix, t, h) * fisher_inv(t)
            total += w * 0.5 * (b - a) * np.dot(wq, vals)
    return total


def test_elir_concentrated_component_vs_brute_force():
    mix = Mixture([Beta(5000, 5000), Beta(1, 1)], [0.5, 0.5])
    brute = _brute_elir(mix, lambda t: t * (1 - t))
    assert ess(mix) == pytest.approx(brute, rel=1e-4)
    # the concentrated half carries about half of its 10000 patients
    assert 4000 < ess(mix) < 5000


def test_elir_gamma_and_normal_mixtures_vs_brute_force():
    assert ess(GMIX) == pytest.approx(_brute_elir(GMIX, lambda t: t), rel=1e-5)
    assert ess(NMIX, sigma=10) == pytest.approx(_brute_elir(NMIX, lambda t: 100.0), rel=1e-5)


def test_elir_is_predictively_consistent():
    # Neuenschwander et al. (2020): E over the prior predictive of ESS(posterior) = ESS(prior) + n,
    # here summed exactly over the beta-binomial predictive of n = 10 patients
    from bayes_trials.conjugate import update
    from bayes_trials.data import Binary

    n = 10
    pmf = sum(
        w * stats.betabinom(n, c.a, c.b).pmf(np.arange(n + 1))
        for w, c in zip(BMIX.weights, BMIX.components)
    )
    post_ess = [ess(update(BMIX, Binary(y, n))) for y in range(n + 1)]
    assert np.dot(pmf, post_ess) - n == pytest.approx(ess(BMIX), abs=0.05)


def _brute_morita(mix, family, sigma=None, s=100.0):
    """Morita ESS from an independent mode search and finite-difference curvature."""
    res = optimize.minimize_scalar(
        lambda t: -float(mix.logpdf(t)),
        bounds=(mix.ppf(0.001), mix.ppf(0.999)),
        method="bounded",
        options={"xatol": 1e-12},
    )
    m = res.x
    info = float(_finite_diff_info(mix, m, 1e-4 * mix.sd))
    if family == "gamma":
        flat = (m / s - 1) / m**2
        expected = mix.mean / m**2
    elif family == "normal":
        flat = 1 / (s * max(c.sd**2 for c in mix.components))
        expected = 1 / sigma**2
    else:
        flat = (m / s - 1) / m**2 + ((1 - m) / s - 1) / (1 - m) ** 2
        expected = mix.mean / m**2 + (1 - mix.mean) / (1 - m) ** 2
    return (info - flat) / expected


def test_morita_vs_brute_force():
    assert ess(GMIX, "morita") == pytest.approx(_brute_morita(GMIX, "gamma"), rel=1e-5)
    unimodal = Mixture([Normal(0, 2), Normal(1, 4)], [0.5, 0.5])
    assert ess(unimodal, "morita", sigma=10) == pytest.approx(
        _brute_morita(unimodal, "normal", sigma=10), rel=1e-5
    )
    assert ess(BMIX, "morita") == pytest.approx(_brute_morita(BMIX, "beta"), rel=1e-5)


def test_morita_single_beta_closed_form():
    # at the mode m = (a-1)/(a+b-2), -log p'' = (a+b-2)^3 / ((a-1)(b-1))
    a, b, s = 7.0, 3.0, 100.0
    m = (a - 1) / (a + b - 2)
    info = (a + b - 2) ** 3 / ((a - 1) * (b - 1))
    flat = (m / s - 1) / m**2 + ((1 - m) / s - 1) / (1 - m) ** 2
    mu = a / (a + b)
    expected = (info - flat) / (mu / m**2 + (1 - mu) / (1 - m) ** 2)
    assert ess(Beta(a, b), "morita") == pytest.approx(expected, rel=1e-9)


def test_mixture_mode_and_multimodal_warning():
    mode, k = mixture_mode(BMIX)
    assert k == 1 and mode == pytest.approx(0.9, abs=1e-8)  # mode of Beta(10, 2)
    bimodal = Mixture([Normal(0, 1), Normal(5, 1)], [0.4, 0.6])
    with pytest.warns(StatisticalWarning, match="modes"):
        ess(bimodal, "morita", sigma=1)
    # the unimodal mixtures above raise no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ess(BMIX, "morita")


@pytest.mark.parametrize(
    "prior, method, kwargs, match",
    [
        (Normal(0, 1), "elir", {}, "sigma"),
        (Beta(1, 1), "fisher", {}, "method"),
        (Mixture([Beta(10, 5), Beta(0.9, 2)], [0.95, 0.05]), "elir", {}, "diverges"),
        (Mixture([Gamma(10, 5), Gamma(0.5, 2)], [0.9, 0.1]), "elir", {}, "diverges"),
        (Beta(1, 3), "morita", {}, "boundary"),
        (Beta(0.5, 2), "morita", {}, "boundary"),
        (Gamma(1, 2), "morita", {}, "boundary"),
        (Beta(2, 3), "morita", {"s": -1}, "s"),
        (Normal(0, 1), "elir", {"sigma": 0}, "sigma"),
    ],
)
def test_errors(prior, method, kwargs, match):
    with pytest.raises(PriorError, match=match):
        ess(prior, method, **kwargs)


def test_single_beta_below_one_keeps_closed_form():
    # a single Beta keeps the conjugate a + b (existing behaviour), even below 1
    assert ess(Beta(0.5, 0.5)) == 1.0
