"""The SBC cases: every PyMC model of the package, its prior, simulator and fit.

Each case draws the true parameters from the prior **with NumPy** (never through PyMC or
the package's own ``rvs``: that is the independent half of the check), simulates a data
set of a realistic size from the model's likelihood, and fits it through the public
:func:`bayes_trials.fit.sample` (or :func:`bayes_trials.map_prior`), so that every
replicate after the first reuses one compiled model. The sizes follow the seed trials
(``models/``): 9 to 12 patients for binary and categorical endpoints, tens of events for
aggregate rates, 10 patients for per-patient rates, 5 adverse events in 2 body systems of
12 patients, 2 x 30 patients with 12 to 36 months of follow-up for survival, 4 historical
studies of 40 to 100 patients for the MAP prior.

Only proper priors can be checked by SBC (the true value is drawn from the prior), so the
cases use informative priors of the kinds the specs use (robust mixtures, sceptical priors,
Jeffreys Beta and Dirichlet priors) rather than the near-improper Gamma(1/2, 1e-6) or
Normal(0, 10) references.

MCMC settings: 2 chains, ``Case.draws`` draws after 1000 warm-up draws, the package's
target acceptance (:func:`bayes_trials.fit.target_accept_for`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import special

import bayes_trials as bt
from bayes_trials.fit import sample

from .sbc_tools import PIT, Case, Fit

TUNE = 1000
CHAINS = 2


def _post(tree, var: str) -> np.ndarray:
    return np.asarray(tree["posterior"][var], dtype=float)


def _divergences(tree) -> int:
    return int(np.asarray(tree["sample_stats"]["diverging"]).sum())


def _fit_endpoint(endpoint, prior, seed: int, draws: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sample(endpoint, prior, draws=draws, tune=TUNE, chains=CHAINS, seed=seed)


def _draw_mixture(rng, weights, draw_component):
    """One draw of a mixture: pick component k with probability w_k, then draw from it."""
    k = int(rng.choice(len(weights), p=np.asarray(weights, dtype=float)))
    return draw_component(k)


def _gamma(rng, shape, rate):
    return float(rng.gamma(shape, 1.0 / rate))


def _halfnormal(rng, scale, size=None):
    return np.abs(rng.normal(0.0, scale, size=size))


def _halfcauchy(rng, scale, size=None):
    return np.abs(scale * rng.standard_cauchy(size=size))


# =======================================================================================
# binary: Beta (mixture) prior, sampled on a complementary log-log scale in the model
# =======================================================================================
def _binary_case(name: str, prior, weights, ab, reps: int, description: str) -> Case:
    def simulate(rng):
        a, b = _draw_mixture(rng, weights, lambda k: ab[k])
        theta = float(rng.beta(a, b))
        n = int(rng.integers(9, 13))
        y = int(rng.binomial(n, theta))
        return {"theta": theta}, bt.BinaryEndpoint("sbc", bt.Binary(y, n))

    def fit(ep, seed, draws):
        tree = _fit_endpoint(ep, prior, seed, draws)
        return Fit({"theta": _post(tree, "theta")}, _divergences(tree))

    return Case(name, ("theta",), simulate, fit, reps, description=description)


BINARY_ROBUST = _binary_case(
    "binary_robust_mixture",
    bt.Mixture([bt.Beta(3.51, 5.49), bt.Beta(1, 1)], [0.8, 0.2]),
    [0.8, 0.2],
    [(3.51, 5.49), (1.0, 1.0)],
    reps=500,
    description="theta ~ 0.8 Beta(3.51, 5.49) + 0.2 Beta(1, 1) (a robust mixture); "
    "events ~ Binomial(n, theta), n uniform on 9..12",
)

BINARY_JEFFREYS = _binary_case(
    "binary_jeffreys",
    bt.Beta(0.5, 0.5),
    [1.0],
    [(0.5, 0.5)],
    reps=500,
    description="theta ~ Beta(1/2, 1/2) (Jeffreys: mass piled at 0 and 1, long logit tails); "
    "events ~ Binomial(n, theta), n uniform on 9..12",
)


# =======================================================================================
# aggregate rates before / after: two Gamma rates, or baseline rate + log rate ratio
# =======================================================================================
def _exposures(rng):
    """Patient-years before and after (LAD-I-like: 27 and 15.75 for 9 patients)."""
    return float(rng.uniform(20.0, 35.0)), float(rng.uniform(10.0, 20.0))


RATE_BEFORE = (6.0, 4.0)  # Gamma(shape, rate): mean 1.5 events per patient-year, sd 0.61
RATE_AFTER_MIX = ([0.5, 0.5], [(3.0, 4.0), (1.5, 1.0)])  # a reduction, or no change
TWO_RATE_PRIOR = bt.TwoRatePrior(
    bt.Gamma(*RATE_BEFORE),
    bt.Mixture(
        [bt.Gamma(*RATE_AFTER_MIX[1][0]), bt.Gamma(*RATE_AFTER_MIX[1][1])], RATE_AFTER_MIX[0]
    ),
)


def _two_rate_simulate(rng):
    lam_b = _gamma(rng, *RATE_BEFORE)
    w, comps = RATE_AFTER_MIX
    lam_a = _draw_mixture(rng, w, lambda k: _gamma(rng, *comps[k]))
    e_b, e_a = _exposures(rng)
    data = bt.PrePostRates.from_counts(
        int(rng.poisson(lam_b * e_b)), e_b, int(rng.poisson(lam_a * e_a)), e_a
    )
    truth = {"rate_before": lam_b, "rate_after": lam_a, "rate_ratio": lam_a / lam_b}
    return truth, bt.RateRatioEndpoint("sbc", data)


def _rate_fit(prior):
    def fit(ep, seed, draws):
        tree = _fit_endpoint(ep, prior, seed, draws)
        return Fit(
            {q: _post(tree, q) for q in ("rate_before", "rate_after", "rate_ratio")},
            _divergences(tree),
        )

    return fit


def _two_rate_case(reps: int) -> Case:
    return Case(
        "two_rate",
        ("rate_before", "rate_after", "rate_ratio"),
        _two_rate_simulate,
        _rate_fit(TWO_RATE_PRIOR),
        reps,
        description="rate before ~ Gamma(6, 4); rate after ~ 0.5 Gamma(3, 4) + 0.5 Gamma(1.5, 1); "
        "Poisson counts over 20-35 and 10-20 patient-years (about 40 and 3-20 events)",
    )


TWO_RATE = _two_rate_case(reps=500)

LOG_RR_MIX = ([0.8, 0.2], [(math.log(0.5), 0.4214), (0.0, 1.0)])
LOG_RR_PRIOR = bt.LogRRPrior(
    bt.Mixture([bt.Normal(*LOG_RR_MIX[1][0]), bt.Normal(*LOG_RR_MIX[1][1])], LOG_RR_MIX[0]),
    baseline=bt.Gamma(*RATE_BEFORE),
)


def _log_rr_simulate(rng):
    lam_b = _gamma(rng, *RATE_BEFORE)
    w, comps = LOG_RR_MIX
    theta = _draw_mixture(rng, w, lambda k: float(rng.normal(*comps[k])))
    lam_a = lam_b * math.exp(theta)
    e_b, e_a = _exposures(rng)
    data = bt.PrePostRates.from_counts(
        int(rng.poisson(lam_b * e_b)), e_b, int(rng.poisson(lam_a * e_a)), e_a
    )
    truth = {"rate_before": lam_b, "rate_after": lam_a, "rate_ratio": math.exp(theta)}
    # both public routes to the log-linear model: the aggregate endpoint with a LogRRPrior
    # (it dispatches) and the log-linear endpoint itself; one compiled model serves both
    cls = bt.RateRatioEndpoint if rng.integers(2) else bt.LogRateRatioEndpoint
    return truth, cls("sbc", data)


LOG_RR = Case(
    "log_rate_ratio",
    ("rate_before", "rate_after", "rate_ratio"),
    _log_rr_simulate,
    _rate_fit(LOG_RR_PRIOR),
    reps=500,
    description="log RR ~ 0.8 N(log 0.5, 0.42^2) + 0.2 N(0, 1); baseline rate ~ Gamma(6, 4); "
    "exposures as two_rate; RateRatioEndpoint and LogRateRatioEndpoint alternately",
)


# =======================================================================================
# per-patient rates: log-normal frailty, common or patient-varying effect, NB counts
# =======================================================================================
N_PATIENTS = 10


def _patient_case(
    name: str,
    prior: bt.PatientRatePrior,
    varying: bool,
    overdispersed: bool,
    quantities: tuple,
    reps: int,
    description: str,
) -> Case:
    def simulate(rng):
        mu = float(rng.normal(prior.mean_log_rate.loc, prior.mean_log_rate.scale))
        sigma = float(_halfnormal(rng, prior.frailty_sd.scale))
        alpha = mu + sigma * rng.normal(size=N_PATIENTS)
        w = prior.log_rr.weights if isinstance(prior.log_rr, bt.Mixture) else [1.0]
        comps = prior.log_rr.components if isinstance(prior.log_rr, bt.Mixture) else [prior.log_rr]
        theta = _draw_mixture(rng, w, lambda k: float(rng.normal(comps[k].loc, comps[k].scale)))
        tau = float(_halfnormal(rng, prior.effect_sd.scale)) if varying else 0.0
        theta_i = (
            theta + tau * rng.normal(size=N_PATIENTS) if varying else np.full(N_PATIENTS, theta)
        )
        phi = float(_halfnormal(rng, prior.overdispersion.scale)) if overdispersed else 0.0
        rows = []
        for i in range(N_PATIENTS):
            for period, expo in (
                ("before", rng.uniform(2.0, 4.0)),
                ("after", rng.uniform(1.0, 2.5)),
            ):
                m = expo * math.exp(alpha[i] + (theta_i[i] if period == "after" else 0.0))
                # negative binomial with Var = m + phi m^2, as a gamma-Poisson mixture
                lam = rng.gamma(1.0 / phi, phi * m) if overdispersed else m
                rows.append(
                    {
                        "patient": f"P{i + 1:02d}",
                        "period": period,
                        "events": int(rng.poisson(lam)),
                        "exposure": float(expo),
                    }
                )
        truth = {
            "rate_ratio": math.exp(theta),
            "mean_log_rate": mu,
            "frailty_sd": sigma,
            "patient_rate_before[0]": math.exp(alpha[0]),
        }
        if varying:
            truth["effect_sd"] = tau
            truth["patient_rate_ratio[0]"] = math.exp(theta_i[0])
        if overdispersed:
            truth["overdispersion"] = phi
        ep = bt.PatientRateRatioEndpoint(
            "sbc",
            bt.PerPatientRates(pd.DataFrame(rows)),
            varying_effect=varying,
            overdispersion=overdispersed,
        )
        return truth, ep

    def fit(ep, seed, draws):
        tree = _fit_endpoint(ep, prior, seed, draws)
        out = {}
        for q in quantities:
            if q.endswith("[0]"):
                out[q] = _post(tree, q[:-3])[..., 0]
            else:
                out[q] = _post(tree, q)
        return Fit(out, _divergences(tree))

    return Case(name, quantities, simulate, fit, reps, description=description)


PATIENT_PRIOR = bt.PatientRatePrior(
    log_rr=bt.Normal(math.log(0.5), 0.5),
    mean_log_rate=bt.Normal(math.log(1.5), 0.5),
    frailty_sd=bt.HalfNormal(0.5),
    effect_sd=bt.HalfNormal(0.3),
    overdispersion=bt.HalfNormal(0.5),
)

PATIENT_RATES = _patient_case(
    "patient_rates",
    PATIENT_PRIOR,
    varying=False,
    overdispersed=True,
    quantities=(
        "rate_ratio",
        "mean_log_rate",
        "frailty_sd",
        "overdispersion",
        "patient_rate_before[0]",
    ),
    reps=300,
    description="10 patients, 2-4 patient-years before and 1-2.5 after each; log RR ~ "
    "N(log 0.5, 0.5^2), mean log rate ~ N(log 1.5, 0.5^2), frailty sd ~ HN(0.5), "
    "overdispersion phi ~ HN(0.5), negative-binomial counts (the default model)",
)

PATIENT_RATES_VARYING = _patient_case(
    "patient_rates_varying",
    PATIENT_PRIOR,
    varying=True,
    overdispersed=False,
    quantities=("rate_ratio", "mean_log_rate", "frailty_sd", "effect_sd", "patient_rate_ratio[0]"),
    reps=300,
    description="as patient_rates, with patient-varying effects (effect sd ~ HN(0.3)) and "
    "Poisson counts",
)


# =======================================================================================
# categories: Dirichlet-multinomial
# =======================================================================================
CATEGORIES = ("CR", "CRi", "MLFS", "none")


def _categorical_case(reps: int) -> Case:
    alpha = np.full(len(CATEGORIES), 0.5)
    prior = bt.Dirichlet(dict(zip(CATEGORIES, alpha)))
    quantities = tuple(f"p[{c}]" for c in CATEGORIES) + ("p_union[CR+CRi]",)

    def simulate(rng):
        p = rng.dirichlet(alpha)
        n = int(rng.integers(9, 13))
        counts = rng.multinomial(n, p)
        data = bt.Categorical(dict(zip(CATEGORIES, (int(c) for c in counts))))
        truth = {f"p[{c}]": float(x) for c, x in zip(CATEGORIES, p)}
        truth["p_union[CR+CRi]"] = float(p[0] + p[1])
        return truth, bt.CategoricalEndpoint("sbc", data)

    def fit(ep, seed, draws):
        tree = _fit_endpoint(ep, prior, seed, draws)
        ds = ep.draws(tree)
        out = {f"p[{c}]": np.asarray(ds["p"].sel(category=c)) for c in CATEGORIES}
        out["p_union[CR+CRi]"] = np.asarray(ds["p_union"].sel(union="CR+CRi"))
        return Fit(out, _divergences(tree))

    return Case(
        "categorical_jeffreys",
        quantities,
        simulate,
        fit,
        reps,
        description="p ~ Dirichlet(1/2, 1/2, 1/2, 1/2) (Jeffreys; the specs' reference "
        "prior); counts ~ Multinomial(n, p), n uniform on 9..12; unions "
        "'this category or better'",
    )


CATEGORICAL = _categorical_case(reps=400)


# =======================================================================================
# adverse events: Berry & Berry three-level hierarchy
# =======================================================================================
AE_TERMS = ("neutropenia", "anaemia", "thrombocytopenia", "CRS", "ICANS")
AE_GROUP = (0, 0, 0, 1, 1)
AE_GROUPS = ("haematological", "immune effector")
AE_N = 12


def _ae_case(name: str, prior: bt.HierarchicalAEPrior, reps: int, description: str) -> Case:
    quantities = ("mu", "tau", "sigma[0]", "group_rate[1]", "theta[0]", "theta[4]")
    scale_draw = {bt.HalfNormal: _halfnormal, bt.HalfCauchy: _halfcauchy}

    def simulate(rng):
        mu = float(rng.normal(prior.mu.loc, prior.mu.scale))
        tau = float(scale_draw[type(prior.tau)](rng, prior.tau.scale))
        sigma = scale_draw[type(prior.sigma)](rng, prior.sigma.scale, size=len(AE_GROUPS))
        gamma = mu + tau * rng.normal(size=len(AE_GROUPS))
        g = np.asarray(AE_GROUP)
        x = gamma[g] + sigma[g] * rng.normal(size=len(AE_TERMS))
        theta = special.expit(x)
        counts = rng.binomial(AE_N, theta)
        table = bt.AdverseEventTable(
            [(t, AE_GROUPS[gi], int(c), AE_N) for t, gi, c in zip(AE_TERMS, AE_GROUP, counts)]
        )
        truth = {
            "mu": mu,
            "tau": tau,
            "sigma[0]": float(sigma[0]),
            "group_rate[1]": float(special.expit(gamma[1])),
            "theta[0]": float(theta[0]),
            "theta[4]": float(theta[4]),
        }
        return truth, bt.AdverseEventsEndpoint("sbc", table, hierarchical_prior=prior)

    def fit(ep, seed, draws):
        tree = _fit_endpoint(ep, prior, seed, draws)
        ds = ep.draws(tree)
        out = {
            "mu": np.asarray(ds["mu"]),
            "tau": np.asarray(ds["tau"]),
            "sigma[0]": np.asarray(ds["sigma"].sel(group=AE_GROUPS[0])),
            "group_rate[1]": np.asarray(ds["group_rate"].sel(group=AE_GROUPS[1])),
            "theta[0]": np.asarray(ds["theta"].sel(term=AE_TERMS[0])),
            "theta[4]": np.asarray(ds["theta"].sel(term=AE_TERMS[4])),
        }
        return Fit(out, _divergences(tree))

    return Case(name, quantities, simulate, fit, reps, description=description)


ADVERSE_EVENTS = _ae_case(
    "adverse_events",
    bt.HierarchicalAEPrior(),
    reps=300,
    description="the default hyperpriors mu ~ N(0, 2^2), tau ~ HN(1), sigma_g ~ HN(1); "
    "5 events in 2 body systems (3 + 2, META 10-19's shape), n = 12 each",
)

ADVERSE_EVENTS_CAUCHY = _ae_case(
    "adverse_events_halfcauchy",
    bt.HierarchicalAEPrior(
        mu=bt.Normal(-1.0, 1.5), tau=bt.HalfCauchy(0.5), sigma=bt.HalfCauchy(0.5)
    ),
    reps=300,
    description="half-Cauchy scales (Gelman 2006): mu ~ N(-1, 1.5^2), tau ~ HC(0.5), "
    "sigma_g ~ HC(0.5); same table shape (the same compiled model)",
)


# =======================================================================================
# survival: exponential, Weibull, piecewise exponential
# =======================================================================================
N_PER_GROUP = 30
LANDMARK = 12.0
GROUPS = ("A", "B")


def _follow_up(rng, n):
    """Administrative censoring: uniform accrual over 24 months, data cut at 36."""
    return rng.uniform(12.0, 36.0, size=n)


def _survival_data(rng, event_times, groups=None):
    c = _follow_up(rng, event_times.size)
    time_ = np.minimum(event_times, c)
    event = (event_times <= c).astype(int)
    return bt.TimeToEvent(time_, event, groups)


def _exponential_case(name, prior, weights, comps, n_groups, reps, description) -> Case:
    quantities = (
        ("hazard[0]", "hazard[1]", "hazard_ratio", "survival_landmark[1]")
        if n_groups == 2
        else ("hazard",)
    )

    def simulate(rng):
        lam = np.array(
            [_draw_mixture(rng, weights, lambda k: _gamma(rng, *comps[k])) for _ in range(n_groups)]
        )
        g = np.repeat(np.arange(n_groups), N_PER_GROUP)
        t = rng.exponential(1.0 / lam[g])
        groups = np.array(GROUPS)[g] if n_groups == 2 else None
        data = _survival_data(rng, t, groups)
        ep = bt.ExponentialSurvival(
            "sbc", data, landmark=LANDMARK, reference=GROUPS[0] if n_groups == 2 else None
        )
        if n_groups == 1:
            return {"hazard": float(lam[0])}, ep
        truth = {
            "hazard[0]": lam[0],
            "hazard[1]": lam[1],
            "hazard_ratio": lam[1] / lam[0],
            "survival_landmark[1]": math.exp(-lam[1] * LANDMARK),
        }
        return truth, ep

    def fit(ep, seed, draws):
        tree = _fit_endpoint(ep, prior, seed, draws)
        if n_groups == 1:
            return Fit({"hazard": _post(tree, "hazard")}, _divergences(tree))
        h = _post(tree, "hazard")
        return Fit(
            {
                "hazard[0]": h[..., 0],
                "hazard[1]": h[..., 1],
                "hazard_ratio": _post(tree, "hazard_ratio"),
                "survival_landmark[1]": _post(tree, "survival_landmark")[..., 1],
            },
            _divergences(tree),
        )

    return Case(name, quantities, simulate, fit, reps, description=description)


#: the illustrative spec's sceptical hazard prior: S(12) = 0.5 a priori, worth about 4 events
SCEPTICAL_HAZARD = (4.0, 69.25)

EXPONENTIAL = _exponential_case(
    "exponential_two_groups",
    bt.Gamma(*SCEPTICAL_HAZARD),
    [1.0],
    [SCEPTICAL_HAZARD],
    2,
    reps=400,
    description="each group's hazard ~ Gamma(4, 69.25) (S(12) = 0.5 a priori); 2 x 30 "
    "patients, exponential times, follow-up uniform 12-36 months",
)

EXPONENTIAL_MIXTURE = _exponential_case(
    "exponential_mixture",
    bt.Mixture([bt.Gamma(*SCEPTICAL_HAZARD), bt.Gamma(1.0, 12.0)], [0.7, 0.3]),
    [0.7, 0.3],
    [SCEPTICAL_HAZARD, (1.0, 12.0)],
    1,
    reps=400,
    description="hazard ~ 0.7 Gamma(4, 69.25) + 0.3 Gamma(1, 12) (uniform on S(12)); one "
    "group of 30 patients",
)

WEIBULL_PRIOR = bt.WeibullPrior(
    log_scale=bt.Normal(2.851, 0.5), log_shape=bt.Normal(0.0, 0.5), log_hr=bt.Normal(0.0, 0.5)
)


def _weibull_simulate(rng):
    p = WEIBULL_PRIOR
    log_k = rng.normal(p.log_shape.loc, p.log_shape.scale)
    log_s = rng.normal(p.log_scale.loc, p.log_scale.scale)
    beta = rng.normal(p.log_hr.loc, p.log_hr.scale)
    k, s = math.exp(log_k), math.exp(log_s)
    g = np.repeat([0, 1], N_PER_GROUP)
    # H(t | x) = (t / s)^k e^{beta x} is Exp(1) at the event time
    t = s * (rng.exponential(size=g.size) * np.exp(-beta * g)) ** (1.0 / k)
    data = _survival_data(rng, t, np.array(GROUPS)[g])
    h_land = (LANDMARK / s) ** k
    truth = {
        "shape": k,
        "scale": s,
        "hazard_ratio": math.exp(beta),
        "survival_landmark[0]": math.exp(-h_land),
        "survival_landmark[1]": math.exp(-h_land * math.exp(beta)),
    }
    return truth, bt.WeibullSurvival("sbc", data, landmark=LANDMARK, reference=GROUPS[0])


def _weibull_fit(ep, seed, draws):
    tree = _fit_endpoint(ep, WEIBULL_PRIOR, seed, draws)
    s = _post(tree, "survival_landmark")
    return Fit(
        {
            "shape": _post(tree, "shape"),
            "scale": _post(tree, "scale"),
            "hazard_ratio": _post(tree, "hazard_ratio"),
            "survival_landmark[0]": s[..., 0],
            "survival_landmark[1]": s[..., 1],
        },
        _divergences(tree),
    )


WEIBULL = Case(
    "weibull_two_groups",
    ("shape", "scale", "hazard_ratio", "survival_landmark[0]", "survival_landmark[1]"),
    _weibull_simulate,
    _weibull_fit,
    reps=300,
    description="log shape ~ N(0, 0.5^2), log scale ~ N(2.851, 0.5^2) (the illustrative "
    "spec's sceptical prior), log HR ~ N(0, 0.5^2); 2 x 30 patients, follow-up "
    "uniform 12-36 months",
)

PIECEWISE_PRIOR = bt.PiecewisePrior(
    log_hazard=bt.Normal(-2.851, 0.5), smoothing=bt.HalfNormal(0.3), log_hr=bt.Normal(0.0, 0.5)
)
CUTS = (3.0, 6.0, 12.0)


def _piecewise_times(rng, hazards, edges):
    """Invert the piecewise-linear cumulative hazard at Exp(1) draws (rows: patients)."""
    e = rng.exponential(size=hazards.shape[0])
    widths = np.diff(edges)[:-1]
    h_end = np.cumsum(hazards[:, :-1] * widths, axis=1)  # H at each interior cut
    h_start = np.concatenate([np.zeros((hazards.shape[0], 1)), h_end], axis=1)
    j = (h_end < e[:, None]).sum(axis=1)  # the piece in which H reaches e
    rows = np.arange(hazards.shape[0])
    return edges[j] + (e - h_start[rows, j]) / hazards[rows, j]


def _piecewise_simulate(rng):
    p = PIECEWISE_PRIOR
    a1 = rng.normal(p.log_hazard.loc, p.log_hazard.scale)
    tau = float(_halfnormal(rng, p.smoothing.scale))
    alpha = a1 + np.concatenate([[0.0], np.cumsum(tau * rng.normal(size=len(CUTS)))])
    beta = rng.normal(p.log_hr.loc, p.log_hr.scale)
    g = np.repeat([0, 1], N_PER_GROUP)
    edges = np.r_[0.0, CUTS, np.inf]
    hazards = np.exp(alpha[None, :] + beta * g[:, None])
    t = _piecewise_times(rng, hazards, edges)
    data = _survival_data(rng, t, np.array(GROUPS)[g])
    overlap = np.clip(LANDMARK - edges[:-1], 0.0, np.diff(edges))
    truth = {f"hazard[{j}]": float(math.exp(a)) for j, a in enumerate(alpha)}
    truth.update(
        {
            "smoothing_sd": tau,
            "hazard_ratio": math.exp(beta),
            "survival_landmark[0]": float(math.exp(-np.exp(alpha) @ overlap)),
        }
    )
    ep = bt.PiecewiseExponentialSurvival(
        "sbc", data, landmark=LANDMARK, reference=GROUPS[0], cuts=CUTS
    )
    return truth, ep


def _piecewise_fit(ep, seed, draws):
    tree = _fit_endpoint(ep, PIECEWISE_PRIOR, seed, draws)
    a = _post(tree, "log_hazard")
    out = {f"hazard[{j}]": np.exp(a[..., j]) for j in range(a.shape[-1])}
    out.update(
        {
            "smoothing_sd": _post(tree, "smoothing_sd"),
            "hazard_ratio": _post(tree, "hazard_ratio"),
            "survival_landmark[0]": _post(tree, "survival_landmark")[..., 0],
        }
    )
    return Fit(out, _divergences(tree))


PIECEWISE = Case(
    "piecewise_two_groups",
    tuple(f"hazard[{j}]" for j in range(len(CUTS) + 1))
    + ("smoothing_sd", "hazard_ratio", "survival_landmark[0]"),
    _piecewise_simulate,
    _piecewise_fit,
    reps=300,
    description="cuts 3, 6, 12 months (fixed, not from the data); first log hazard ~ "
    "N(-2.851, 0.5^2), random-walk sd ~ HN(0.3), log HR ~ N(0, 0.5^2); 2 x 30 "
    "patients, follow-up uniform 12-36 months",
)


# =======================================================================================
# MAP prior: random-effects meta-analysis (binomial, logit link) and its predictive
# =======================================================================================
MAP_STUDIES = 4
MAP_TAU = bt.HalfNormal(0.5)
MAP_MU = bt.Normal(1.0, 1.0)


def _map_simulate(rng):
    mu = float(rng.normal(MAP_MU.mean, MAP_MU.sd))
    tau = float(_halfnormal(rng, MAP_TAU.scale))
    theta = mu + tau * rng.normal(size=MAP_STUDIES)
    n = rng.integers(40, 101, size=MAP_STUDIES)
    y = rng.binomial(n, special.expit(theta))
    p_new = float(special.expit(mu + tau * rng.normal()))
    table = pd.DataFrame({"study": [f"S{i + 1}" for i in range(MAP_STUDIES)], "n": n, "events": y})
    truth = {
        "mu": mu,
        "tau": tau,
        "theta[0]": float(theta[0]),
        "p_new": p_new,
        "p_new_mixture_pit": p_new,
    }
    return truth, table


def _map_fit(table, seed, draws):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mp = bt.map_prior(
            table,
            "binomial",
            tau_prior=MAP_TAU,
            intercept_prior=MAP_MU,
            random_seed=seed % 2**31,
            draws=draws,
            chains=CHAINS,
            tune=TUNE,
        )
    tree = mp.tree
    # the predictive draws mu + tau z*, one per posterior draw, in (chain, draw) order
    pred = np.asarray(mp.draws, dtype=float).reshape(CHAINS, -1)
    out = {
        "mu": _post(tree, "mu"),
        "tau": _post(tree, "tau"),
        "theta[0]": _post(tree, "theta")[..., 0],
        "p_new": pred,
        "p_new_mixture_pit": PIT(mp.mixture.cdf),
    }
    return Fit(out, int(mp.diagnostics["divergences"]))


MAP_BINOMIAL = Case(
    "map_prior_binomial",
    ("mu", "tau", "theta[0]", "p_new", "p_new_mixture_pit"),
    _map_simulate,
    _map_fit,
    reps=300,
    description="4 historical studies of 40-100 patients; logit rates mu + tau z_i, mu ~ "
    "N(1, 1), tau ~ HN(0.5); p_new = expit(mu + tau z*) is the new study's rate "
    "(ranked among the MAP predictive draws), p_new_mixture_pit its PIT under the "
    "fitted Beta mixture (the MAP prior itself)",
)


#: every case of the full suite, in report order
ALL = (
    BINARY_ROBUST,
    BINARY_JEFFREYS,
    TWO_RATE,
    LOG_RR,
    PATIENT_RATES,
    PATIENT_RATES_VARYING,
    CATEGORICAL,
    ADVERSE_EVENTS,
    ADVERSE_EVENTS_CAUCHY,
    EXPONENTIAL,
    EXPONENTIAL_MIXTURE,
    WEIBULL,
    PIECEWISE,
    MAP_BINOMIAL,
)
BY_NAME = {c.name: c for c in ALL}
