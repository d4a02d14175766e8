"""The PyMC models of the rate endpoints, each with its data and hyperparameters in one ``pm.Data``.

Two likelihoods, each compiled once whatever the prior (mixture rows of any length):

- :func:`build_aggregate_model`: aggregate counts before and after, Poisson, two sampled log
  parameters; the prior family is data, so ONE compiled model serves independent Gamma
  (mixture) priors on the two rates (:class:`~bayes_trials.RateRatioEndpoint`) and the
  log-linear model's Gamma baseline with a Normal (mixture) prior on log RR
  (:class:`~bayes_trials.LogRateRatioEndpoint`); :class:`RatesBatch` is its batched form;
- :func:`build_frailty_model`: per-patient log-normal frailty, common or patient-varying
  effect, Poisson or negative-binomial counts
  (:class:`~bayes_trials.PatientRateRatioEndpoint`).

Sampling happens on the log scale: a Gamma posterior with a small shape (a period with no
events) has a long left tail there, which NUTS follows with ``target_accept`` 0.95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._constants import BATCH_SIZE
from ...distributions import components_of
from ...fit import Inputs
from .priors import LogRRPrior

#: the compile key of the aggregate-data model (both prior families)
AGGREGATE = "rates"
#: the second sampled parameter of the aggregate model: log rate after (independent rate
#: priors) or log rate ratio (log-linear model); results keep the named deterministics instead
SECOND = "log_rate_after_or_ratio"
#: hyperparameters of the frailty model summarised (and diagnosed) besides the rate ratio
HYPER = ("frailty_sd", "effect_sd", "overdispersion")
#: the ``model`` of the exact aggregate-totals analysis of per-patient data
TOTALS_MODEL = "aggregate totals, two independent rates (exact)"

#: the aggregate model's one ``pm.Data`` array: counts and exposures (before, after), the
#: family switch (1: independent rate priors, 0: log-linear), the Gamma (mixture) prior of the
#: rate before, the Gamma (mixture) prior of the rate after and the Normal (mixture) prior of
#: log RR (the family not in use gets a placeholder, finite everywhere)
AGGREGATE_INPUTS = Inputs(
    events=0.0,
    exposure=1.0,
    two_rates=0.0,
    prior_before_w=0.0,
    prior_before_shape=1.0,
    prior_before_rate=1.0,
    prior_after_w=0.0,
    prior_after_shape=1.0,
    prior_after_rate=1.0,
    prior_log_rr_w=0.0,
    prior_log_rr_mean=0.0,
    prior_log_rr_sd=1.0,
)
_PLACEHOLDER_GAMMA = {"w": [1.0], "shape": [1.0], "rate": [1.0]}
_PLACEHOLDER_NORMAL = {"w": [1.0], "mean": [0.0], "sd": [1.0]}


def frailty_model_name(varying_effect: bool, overdispersion: bool) -> str:
    """``"Poisson, common effect, log-normal frailty"`` and its three siblings.

    >>> frailty_model_name(True, False)
    'Poisson, patient-varying effect, log-normal frailty'
    """
    return (
        ("negative-binomial" if overdispersion else "Poisson")
        + ", "
        + ("patient-varying effect" if varying_effect else "common effect")
        + ", log-normal frailty"
    )


def frailty_hyper(varying_effect: bool, overdispersion: bool) -> tuple:
    """The hyperparameters of the frailty model with these switches, in :data:`HYPER` order."""
    return tuple(
        h
        for h in HYPER
        if h == "frailty_sd"
        or (h == "effect_sd" and varying_effect)
        or (h == "overdispersion" and overdispersion)
    )


# --- pytensor helpers (log densities on the log scale, mixtures of any size) --------------
def gamma_mix_on_log_scale(x, w, s, r):
    """log density of :math:`x = \\log \\lambda` for a Gamma mixture on :math:`\\lambda`
    (Jacobian included): :math:`\\log \\sum_k w_k r_k^{s_k} e^{s_k x - r_k e^x} / \\Gamma(s_k)`."""
    import pytensor.tensor as pt

    return pt.logsumexp(pt.log(w) + s * pt.log(r) - pt.gammaln(s) + s * x - r * pt.exp(x))


def normal_mix(x, w, m, sd):
    """log density of a Normal mixture :math:`\\sum_k w_k N(x; m_k, sd_k^2)`."""
    import pytensor.tensor as pt

    z = (x - m) / sd
    return pt.logsumexp(pt.log(w) - 0.5 * z**2 - pt.log(sd)) - 0.5 * np.log(2 * np.pi)


def mix_arrays(prior, *attrs) -> list[np.ndarray]:
    """``[weights, attr_1 per component, ...]`` of a distribution or mixture, as float arrays."""
    w, comps = components_of(prior)
    return [np.asarray(w, dtype=float)] + [
        np.array([getattr(c, a) for c in comps], dtype=float) for a in attrs
    ]


# --- the aggregate model: independent rate priors or the log-linear model ---------------------
def aggregate_values(data, prior) -> dict:
    """The rows of :data:`AGGREGATE_INPUTS` for aggregate data and a :class:`TwoRatePrior`
    or :class:`LogRRPrior`."""
    log_linear = isinstance(prior, LogRRPrior)
    before = prior.baseline if log_linear else prior.before
    rows = {
        "events": [data.before.events, data.after.events],
        "exposure": [data.before.exposure, data.after.exposure],
        "two_rates": [0.0 if log_linear else 1.0],
    }
    for name, values in (
        ("before", dict(zip(("w", "shape", "rate"), mix_arrays(before, "shape", "rate")))),
        (
            "after",
            _PLACEHOLDER_GAMMA
            if log_linear
            else dict(zip(("w", "shape", "rate"), mix_arrays(prior.after, "shape", "rate"))),
        ),
        (
            "log_rr",
            dict(zip(("w", "mean", "sd"), mix_arrays(prior.log_rr, "loc", "scale")))
            if log_linear
            else _PLACEHOLDER_NORMAL,
        ),
    ):
        rows.update({f"prior_{name}_{k}": v for k, v in values.items()})
    return rows


def aggregate_inputs(data, prior) -> dict:
    """The ``pm.Data`` value of :func:`build_aggregate_model`."""
    return AGGREGATE_INPUTS.pack(**aggregate_values(data, prior))


def build_aggregate_model(structure: tuple = (AGGREGATE,)):
    """Aggregate counts before and after, Poisson; the prior family chosen by data.

    Two log parameters are sampled, :math:`x_b = \\log \\lambda_b` and :math:`x_2`:

    - independent rate priors (switch :math:`s = 1`): :math:`x_2 = \\log \\lambda_a`, with
      the Gamma (mixture) densities of :math:`e^{x_b}` and :math:`e^{x_2}` (Jacobians
      included) as potentials;
    - log-linear model (:math:`s = 0`): :math:`x_2 = \\theta = \\log \\text{RR}`, with the
      Gamma (mixture) density of the baseline :math:`e^{x_b}` and the Normal (mixture) density
      of :math:`\\theta`;

    .. math::

        \\log \\lambda_a = x_2 + (1 - s)\\, x_b, \\quad \\log\\text{RR} = x_2 - s\\, x_b,
        \\quad y_b \\sim \\text{Poisson}(e^{x_b} E_b), \\quad
        y_a \\sim \\text{Poisson}(\\lambda_a E_a),

    so each family samples exactly the parametrisation it had as a model of its own, and both
    share one compile. Deterministics ``rate_before``, ``rate_after``, ``log_rate_after``,
    ``log_rate_ratio``, ``rate_ratio`` and ``percent_reduction``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        d = AGGREGATE_INPUTS.declare(width=2)
        y = AGGREGATE_INPUTS.counts(d["events"])
        e = d["exposure"]
        two = d["two_rates"][0]
        pb = [d[f"prior_before_{k}"] for k in ("w", "shape", "rate")]
        pa = [d[f"prior_after_{k}"] for k in ("w", "shape", "rate")]
        pr = [d[f"prior_log_rr_{k}"] for k in ("w", "mean", "sd")]
        x_b = pm.Flat("log_rate_before")
        x_2 = pm.Flat(SECOND)
        pm.Potential("prior_before", gamma_mix_on_log_scale(x_b, *pb))
        pm.Potential(
            "prior_second",
            pt.switch(pt.gt(two, 0.5), gamma_mix_on_log_scale(x_2, *pa), normal_mix(x_2, *pr)),
        )
        x_a = x_2 + (1.0 - two) * x_b
        pm.Poisson("y_before", mu=pt.exp(x_b) * e[0], observed=y[0])
        pm.Poisson("y_after", mu=pt.exp(x_a) * e[1], observed=y[1])
        pm.Deterministic("rate_before", pt.exp(x_b))
        pm.Deterministic("rate_after", pt.exp(x_a))
        pm.Deterministic("log_rate_after", x_a)
        log_rr = pm.Deterministic("log_rate_ratio", x_2 - two * x_b)
        rr = pm.Deterministic("rate_ratio", pt.exp(log_rr))
        pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
    return model


def tidy_aggregate(tree):
    """A sampled tree without the internal :data:`SECOND` parameter (its meaning depends on
    the prior family; ``log_rate_after`` and ``log_rate_ratio`` hold it by name)."""
    import xarray as xr

    groups = {"/posterior": tree["posterior"].to_dataset().drop_vars(SECOND, errors="ignore")}
    for name in tree.children:
        if name != "posterior":
            groups[f"/{name}"] = tree[name].to_dataset()
    return xr.DataTree.from_dict(groups)


#: the batched model's one ``pm.Data`` array, per point: counts and exposures, the family
#: switch, and for each Gamma component its constant :math:`\\log w + s \\log r - \\log\\Gamma(s)`,
#: shape and rate (before; after), for each Normal component of log RR its log weight, mean and
#: sd (the constants computed once, not at every gradient)
BATCH_INPUTS = Inputs(
    events=0.0,
    exposure=1.0,
    two_rates=0.0,
    before_const=-np.inf,
    before_shape=1.0,
    before_rate=1.0,
    after_const=-np.inf,
    after_shape=1.0,
    after_rate=1.0,
    log_rr_log_w=-np.inf,
    log_rr_mean=0.0,
    log_rr_sd=1.0,
)
#: what pads a batch: Gamma(1, 1) priors on both rates and no events in a unit of exposure
BATCH_PADDING = {
    "events": [0, 0],
    "exposure": [1.0, 1.0],
    "two_rates": [1.0],
    "before_const": [0.0],
    "before_shape": [1.0],
    "before_rate": [1.0],
    "after_const": [0.0],
    "after_shape": [1.0],
    "after_rate": [1.0],
    "log_rr_log_w": [0.0],
    "log_rr_mean": [0.0],
    "log_rr_sd": [1.0],
}


def _batch_values(data, prior) -> dict:
    """The rows of :data:`BATCH_INPUTS` for one point."""
    from scipy.special import gammaln

    rows = aggregate_values(data, prior)
    out = {k: rows[k] for k in ("events", "exposure", "two_rates")}
    with np.errstate(divide="ignore"):
        for period in ("before", "after"):
            w, sh, r = (
                np.asarray(rows[f"prior_{period}_{k}"], float) for k in ("w", "shape", "rate")
            )
            out.update(
                {
                    f"{period}_const": np.log(w) + sh * np.log(r) - gammaln(sh),
                    f"{period}_shape": sh,
                    f"{period}_rate": r,
                }
            )
        out.update(
            log_rr_log_w=np.log(np.asarray(rows["prior_log_rr_w"], float)),
            log_rr_mean=rows["prior_log_rr_mean"],
            log_rr_sd=rows["prior_log_rr_sd"],
        )
    return out


def heavy_tailed(data, prior) -> bool:
    """Whether a point's posterior has a heavy tail on the sampled log scale: a Gamma
    posterior of a rate with shape below 1 (a period without events under a vague prior), or
    no events after in the log-linear model (the likelihood flat as log RR falls)."""
    y_b, y_a = data.before.events, data.after.events
    if isinstance(prior, LogRRPrior):
        return y_a == 0 or min(mix_arrays(prior.baseline, "shape")[1]) + y_b < 1
    return (
        min(mix_arrays(prior.before, "shape")[1]) + y_b < 1
        or min(mix_arrays(prior.after, "shape")[1]) + y_a < 1
    )


@dataclass(frozen=True)
class RatesBatch:
    """Aggregate-rate posteriors as ``size`` independent points of one PyMC model.

    Each point is the posterior of :func:`build_aggregate_model` (without the Poisson
    constants) with its own counts, exposures, prior family and priors:

    .. math::

        \\log p(x_b, x_2 \\mid y) = \\log \\sum_k e^{c_k + (s_k + y_b) x_b - (r_k + E_b) e^{x_b}}
        + \\begin{cases} \\log \\sum_k e^{c'_k + (s'_k + y_a) x_2 - (r'_k + E_a) e^{x_2}}
        & \\text{independent rate priors}\\\\
        \\log \\sum_k w_k N(x_2; m_k, s_k^2) + y_a (x_b + x_2) - E_a e^{x_b + x_2}
        & \\text{log-linear model} \\end{cases}

    (:math:`c_k = \\log w_k + s_k \\log r_k - \\log \\Gamma(s_k)`), summed over the points
    (see :class:`~bayes_trials.endpoints.binary.BinaryBatch` and
    :func:`bayes_trials.fit.sample_points`); ``tail="heavy"`` batches the points of
    :func:`heavy_tailed` apart, on the same compiled model. Unused points are padded with
    :data:`BATCH_PADDING`.

    >>> RatesBatch().structure()
    ('rates-batch', 64)
    """

    size: int = BATCH_SIZE
    tail: str = "light"

    def structure(self) -> tuple:
        return ("rates-batch", self.size)

    @staticmethod
    def build_model(structure: tuple):
        import pymc as pm
        import pytensor.tensor as pt

        _, size = structure
        with pm.Model() as model:
            d = BATCH_INPUTS.declare(width=2, size=size)
            y, e = d["events"], d["exposure"]
            two = d["two_rates"][:, 0]
            x_b = pm.Flat("log_rate_before", shape=size)
            x_2 = pm.Flat(SECOND, shape=size)

            def gamma_post(x, period, col):
                xc = x[:, None]
                return pt.logsumexp(
                    d[f"{period}_const"]
                    + (d[f"{period}_shape"] + y[:, col][:, None]) * xc
                    - (d[f"{period}_rate"] + e[:, col][:, None]) * pt.exp(xc),
                    axis=1,
                )

            z = (x_2[:, None] - d["log_rr_mean"]) / d["log_rr_sd"]
            normal = pt.logsumexp(d["log_rr_log_w"] - 0.5 * z**2 - pt.log(d["log_rr_sd"]), axis=1)
            x_a = x_b + x_2
            log_linear_after = normal + y[:, 1] * x_a - e[:, 1] * pt.exp(x_a)
            pm.Potential(
                "posterior",
                (
                    gamma_post(x_b, "before", 0)
                    + pt.switch(pt.gt(two, 0.5), gamma_post(x_2, "after", 1), log_linear_after)
                ).sum(),
            )
            pm.Deterministic("rate_ratio", pt.exp(x_2 - two * x_b))
        return model

    def model_inputs(self, points: list) -> dict:
        """The ``pm.Data`` value for ``points`` (``[(endpoint, prior), ...]``, at most ``size``)."""
        return BATCH_INPUTS.pack_batch(
            [_batch_values(ep.data, prior) for ep, prior in points], self.size, BATCH_PADDING
        )

    def draws(self, tree, n: int) -> dict:
        """``{"rate_ratio": DataArray (chain, draw, point)}`` of the first ``n`` points."""
        post = tree["posterior"]["rate_ratio"]
        return {"rate_ratio": post.rename({post.dims[-1]: "point"}).isel(point=slice(0, n))}


# --- the per-patient frailty model ---------------------------------------------------------------
#: the frailty model's one ``pm.Data`` array: per row of the table (patient index, after
#: indicator, log exposure, events), the Normal (mixture) prior of log RR and the scalar
#: hyperparameters (a row each; the scales of switched-off parts are unused)
FRAILTY_INPUTS = Inputs(
    patient_idx=0.0,
    after=0.0,
    log_exposure=0.0,
    events=0.0,
    prior_log_rr_w=0.0,
    prior_log_rr_mean=0.0,
    prior_log_rr_sd=1.0,
    prior_mean_log_rate_mean=0.0,
    prior_mean_log_rate_sd=1.0,
    prior_frailty_sd_scale=1.0,
    prior_effect_sd_scale=1.0,
    prior_overdispersion_scale=1.0,
)


def frailty_whitening(eps, sigma, info, d_ahat, a, s, xp=np):
    """The patients' log rates :math:`\\alpha` of the log-normal frailty from whitened
    coordinates ``eps``, and the log density of ``eps``; numpy or pytensor (``xp``) alike.

    The prior is :math:`\\alpha_i \\mid \\mu, \\sigma \\sim N(\\mu, \\sigma^2)`,
    :math:`\\mu \\sim N(a, s^2)`: with :math:`\\mu` integrated out, :math:`\\alpha \\sim
    N(a\\mathbf 1, \\sigma^2 I + s^2 \\mathbf 1 \\mathbf 1^\\top)`. Patient :math:`i`'s counts
    are approximated by :math:`N(\\hat\\alpha_i, 1/d_i)` (``info`` :math:`= d_i`, ``d_ahat``
    :math:`= d_i\\hat\\alpha_i`); ``eps`` are coordinates in which that Gaussian approximation
    of the conditional posterior of :math:`\\alpha` is standard normal. With :math:`h_i = 1/(1
    + \\sigma^2 d_i)`, :math:`G = \\sum h_i d_i`, :math:`H = \\sum h_i`, :math:`n` patients:

    .. math::

        \\alpha_i &= m_i + \\sigma \\sqrt{h_i}\\, \\varepsilon_i
        + \\kappa h_i \\frac{\\sum_j \\sqrt{h_j} \\varepsilon_j}{H}, \\quad
        m_i = h_i \\Bigl(\\sigma^2 b_i + \\frac{s^2 \\sum_j h_j b_j}{1 + s^2 G}\\Bigr), \\quad
        b_i = \\frac{a}{\\sigma^2 + n s^2} + d_i \\hat\\alpha_i,\\\\
        \\kappa &= \\frac{s^2 H}{(1 + s^2 G)(R + \\sigma)}, \\quad
        R = \\sqrt{\\frac{\\sigma^2 + n s^2}{1 + s^2 G}},

    (:math:`m` the approximation's mean, the map from :math:`\\varepsilon` a square root of its
    covariance, :math:`\\operatorname{diag}(\\sigma^2 d + 1) / \\sigma^2 -` a rank-one term,
    inverted by Sherman-Morrison), and the log density of :math:`\\varepsilon`,
    :math:`\\log N(\\alpha) + \\log|\\partial\\alpha/\\partial\\varepsilon|`, up to
    :math:`-\\tfrac n2 \\log 2\\pi`:

    .. math::

        -\\tfrac12\\Bigl[\\sum_i \\frac{(\\alpha_i - \\bar\\alpha)^2}{\\sigma^2}
        + \\frac{n(\\bar\\alpha - a)^2}{\\sigma^2 + n s^2}\\Bigr]
        + \\tfrac12 \\sum_i \\log h_i - \\tfrac12 \\log(1 + s^2 G),

    every term finite as :math:`\\sigma \\to 0` (the :math:`\\sigma` powers of density and
    Jacobian cancel). Any ``info`` and ``d_ahat`` give the same model (an exact change of
    variables); good ones give NUTS a near-standard-normal target: as :math:`\\sigma \\to 0`
    the non-centred form :math:`\\alpha_i \\approx \\bar\\mu + \\sigma\\varepsilon_i`, as
    :math:`\\sigma^2 d_i \\gg 1` the centred one :math:`\\alpha_i \\approx \\hat\\alpha_i +
    \\varepsilon_i/\\sqrt{d_i}`. Returns ``(alpha, log_density, mu_mean, mu_sd)``, the last two
    those of :math:`\\mu \\mid \\alpha, \\sigma \\sim N((a\\sigma^2 + n s^2 \\bar\\alpha)/
    (\\sigma^2 + n s^2),\\ \\sigma^2 s^2/(\\sigma^2 + n s^2))`.

    The log density against scipy's multivariate normal and the Jacobian of the (affine) map:

    >>> from scipy import stats
    >>> info, d_ahat, eps = np.array([5.0, 0.0, 2.0]), np.array([4.0, 0.0, -1.0]), np.array([0.3, -1.2, 0.5])
    >>> sigma, a, s = 0.7, 0.2, 2.5
    >>> alpha, logd, _, _ = frailty_whitening(eps, sigma, info, d_ahat, a, s)
    >>> shift = frailty_whitening(np.zeros(3), sigma, info, d_ahat, a, s)[0]
    >>> jac = np.column_stack([frailty_whitening(e, sigma, info, d_ahat, a, s)[0] - shift for e in np.eye(3)])
    >>> prior = stats.multivariate_normal(np.full(3, a), sigma**2 * np.eye(3) + s**2)
    >>> exact = prior.logpdf(alpha) + np.log(np.linalg.det(jac)) + 1.5 * np.log(2 * np.pi)
    >>> bool(abs(logd - exact) < 1e-12)
    True
    """
    n = eps.shape[0]
    s2, sig2 = s**2, sigma**2
    h = 1.0 / (1.0 + sig2 * info)
    g_sum, h_sum = (info * h).sum(), h.sum()
    b = a / (sig2 + n * s2) + d_ahat
    m = h * (sig2 * b + s2 * (h * b).sum() / (1.0 + s2 * g_sum))
    r = xp.sqrt((sig2 + n * s2) / (1.0 + s2 * g_sum))
    kappa = s2 * h_sum / ((1.0 + s2 * g_sum) * (r + sigma))
    alpha = m + xp.sqrt(h) * sigma * eps + kappa * h * (xp.sqrt(h) * eps).sum() / h_sum
    abar = alpha.mean()
    quad = ((alpha - abar) ** 2).sum() / sig2 + n * (abar - a) ** 2 / (sig2 + n * s2)
    log_density = -0.5 * quad + 0.5 * xp.log(h).sum() - 0.5 * xp.log1p(s2 * g_sum)
    mu_mean = (a * sig2 + n * s2 * abar) / (sig2 + n * s2)
    mu_sd = sigma * s / xp.sqrt(sig2 + n * s2)
    return alpha, log_density, mu_mean, mu_sd


def build_frailty_model(structure: tuple):
    """The hierarchical model of ``structure = (kind, rows, patients, varying, overdispersed)``.

    .. math::

        \\alpha_i \\sim N(\\mu, \\sigma^2), \\quad \\theta_i = \\theta + \\tau u_i, \\quad
        \\log \\mu_{ip} = \\log E_{ip} + \\alpha_i + \\theta_i [p = \\text{after}],

    :math:`y_{ip}` Poisson or negative binomial with :math:`\\text{Var} = \\mu + \\phi\\mu^2`
    (see :class:`~bayes_trials.PatientRateRatioEndpoint`); :math:`\\alpha` and :math:`\\mu` are
    sampled in whitened coordinates (:func:`frailty_whitening`: with the plain non-centred
    form 34 of 100 fits of a 6-patient Poisson example, 500 draws x 2 chains, had divergent
    transitions; with these, 1 of 200); data and hyperparameters are
    the rows of :data:`FRAILTY_INPUTS`.
    """
    import pymc as pm
    import pytensor.tensor as pt

    _, n_rows, n_pat, varying, overdispersed = structure
    with pm.Model(coords={"patient": np.arange(n_pat)}) as model:
        d = FRAILTY_INPUTS.declare(width=n_rows)
        # the table's rows (the array is wider when a prior has more components than rows)
        idx = FRAILTY_INPUTS.counts(d["patient_idx"][:n_rows])
        after = d["after"][:n_rows]
        log_e = d["log_exposure"][:n_rows]
        y_real = d["events"][:n_rows]
        y = FRAILTY_INPUTS.counts(y_real)
        pt_ = [d[f"prior_log_rr_{k}"] for k in ("w", "mean", "sd")]
        sigma = pm.HalfNormal("frailty_sd", d["prior_frailty_sd_scale"][0])
        theta = pm.Flat("log_rate_ratio")
        pm.Potential("prior_log_rr", normal_mix(theta, *pt_))
        if varying:
            tau = pm.HalfNormal("effect_sd", d["prior_effect_sd_scale"][0])
            u = pm.Normal("u", 0.0, 1.0, dims="patient")
            theta_i = theta + tau * u
        else:
            theta_i = theta + pt.zeros(n_pat)
        if overdispersed:
            phi = pm.HalfNormal("overdispersion", d["prior_overdispersion_scale"][0])
            info = pt.inc_subtensor(pt.zeros(n_pat)[idx], y_real / (1.0 + phi * y_real))
        else:
            info = pt.inc_subtensor(pt.zeros(n_pat)[idx], y_real)
        # the Gaussian approximation of patient i's counts: alpha_hat_i = log(T_i / S_i), the
        # Poisson MLE given theta_i (T_i events, S_i = sum_p E_ip exp(theta_i [p = after])),
        # with information d_i (T_i, or sum_p y_ip / (1 + phi y_ip) for negative-binomial counts)
        total = pt.inc_subtensor(pt.zeros(n_pat)[idx], y_real)
        scaled_exposure = pt.inc_subtensor(
            pt.zeros(n_pat)[idx], pt.exp(log_e + theta_i[idx] * after)
        )
        d_ahat = info * (pt.log(pt.maximum(total, 1.0)) - pt.log(scaled_exposure))
        eps = pm.Flat("frailty_std", dims="patient")
        alpha, log_density, mu_mean, mu_sd = frailty_whitening(
            eps,
            sigma,
            info,
            d_ahat,
            d["prior_mean_log_rate_mean"][0],
            d["prior_mean_log_rate_sd"][0],
            xp=pt,
        )
        pm.Potential("frailty_prior", log_density)
        mu_std = pm.Normal("mean_log_rate_std", 0.0, 1.0)
        pm.Deterministic("mean_log_rate", mu_mean + mu_sd * mu_std)
        eta = log_e + alpha[idx] + theta_i[idx] * after
        if overdispersed:
            pm.NegativeBinomial("y", mu=pt.exp(eta), alpha=1.0 / phi, observed=y)
        else:
            pm.Poisson("y", mu=pt.exp(eta), observed=y)
        rr = pm.Deterministic("rate_ratio", pt.exp(theta))
        pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
        pm.Deterministic("patient_rate_ratio", pt.exp(theta_i), dims="patient")
        pm.Deterministic("patient_rate_before", pt.exp(alpha), dims="patient")
    return model


def frailty_inputs(data, prior, varying: bool, overdispersed: bool) -> dict:
    """The ``pm.Data`` value of :func:`build_frailty_model` for per-patient data and a
    :class:`PatientRatePrior`."""
    t = data.table
    codes = {p: i for i, p in enumerate(data.patients)}
    w, m, sd = mix_arrays(prior.log_rr, "loc", "scale")
    return FRAILTY_INPUTS.pack(
        patient_idx=t["patient"].map(codes).to_numpy(dtype=float),
        after=(t["period"] == "after").to_numpy(dtype=float),
        log_exposure=np.log(t["exposure"].to_numpy(dtype=float)),
        events=t["events"].to_numpy(dtype=float),
        prior_log_rr_w=w,
        prior_log_rr_mean=m,
        prior_log_rr_sd=sd,
        prior_mean_log_rate_mean=prior.mean_log_rate.loc,
        prior_mean_log_rate_sd=prior.mean_log_rate.scale,
        prior_frailty_sd_scale=prior.frailty_sd.scale,
        prior_effect_sd_scale=prior.effect_sd.scale if varying else 1.0,
        prior_overdispersion_scale=prior.overdispersion.scale if overdispersed else 1.0,
    )
