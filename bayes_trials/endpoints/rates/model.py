"""The PyMC models of the rate endpoints, with data and hyperparameters as ``pm.Data``.

Three likelihoods, each compiled once whatever the prior (mixture vectors of any length):

- :func:`build_two_rate_model`: two log rates, Gamma (mixture) priors as potentials with
  their Jacobians, Poisson counts (:class:`~bayes_trials.RateRatioEndpoint`);
- :func:`build_log_linear_model`: log baseline rate and log rate ratio, Gamma and Normal
  (mixture) potentials, Poisson counts (:class:`~bayes_trials.LogRateRatioEndpoint`);
- :func:`build_frailty_model`: per-patient log-normal frailty, common or patient-varying
  effect, Poisson or negative-binomial counts
  (:class:`~bayes_trials.PatientRateRatioEndpoint`).

Sampling happens on the log scale: a Gamma posterior with a small shape (a period with no
events) has a long left tail there, which NUTS follows with ``target_accept`` 0.95.
"""

from __future__ import annotations

import numpy as np

from ...distributions import components_of

#: the compile keys (first element of :meth:`structure`) of the aggregate-data models
TWO_RATE = "rate_ratio"
LOG_LINEAR = "log_rate_ratio"
#: hyperparameters of the frailty model summarised (and diagnosed) besides the rate ratio
HYPER = ("frailty_sd", "effect_sd", "overdispersion")
#: the ``model`` of the exact aggregate-totals analysis of per-patient data
TOTALS_MODEL = "aggregate totals, two independent rates (exact)"


def frailty_model_name(varying_effect: bool, overdispersion: bool) -> str:
    """``"Poisson, common effect, log-normal frailty"`` and its three siblings.

    >>> frailty_model_name(True, False)
    'Poisson, patient-varying effect, log-normal frailty'
    """
    return (("negative-binomial" if overdispersion else "Poisson") + ", "
            + ("patient-varying effect" if varying_effect else "common effect") + ", log-normal frailty")


def frailty_hyper(varying_effect: bool, overdispersion: bool) -> tuple:
    """The hyperparameters of the frailty model with these switches, in :data:`HYPER` order."""
    return tuple(h for h in HYPER if h == "frailty_sd" or (h == "effect_sd" and varying_effect)
                 or (h == "overdispersion" and overdispersion))


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
        np.array([getattr(c, a) for c in comps], dtype=float) for a in attrs]


def _count_data(data) -> dict:
    return {"events_before": data.before.events, "exposure_before": data.before.exposure,
            "events_after": data.after.events, "exposure_after": data.after.exposure}


# --- independent Gamma priors on the two rates ----------------------------------------------
def build_two_rate_model():
    """Two log rates, Gamma (mixture) potentials, Poisson counts; data as ``pm.Data``.

    .. math::

        x_b, x_a \\text{ flat}, \\quad p(x) = \\text{Gamma-mixture density of } e^x
        \\text{ times } e^x, \\quad y_p \\sim \\text{Poisson}(e^{x_p} E_p),

    with deterministics ``rate_before``, ``rate_after``, ``log_rate_ratio``, ``rate_ratio``
    and ``percent_reduction``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        y_b = pm.Data("events_before", 0)
        e_b = pm.Data("exposure_before", 1.0)
        y_a = pm.Data("events_after", 0)
        e_a = pm.Data("exposure_after", 1.0)
        pb = [pm.Data(f"prior_before_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
        pa = [pm.Data(f"prior_after_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
        x_b = pm.Flat("log_rate_before")
        x_a = pm.Flat("log_rate_after")
        pm.Potential("prior_before", gamma_mix_on_log_scale(x_b, *pb))
        pm.Potential("prior_after", gamma_mix_on_log_scale(x_a, *pa))
        pm.Poisson("y_before", mu=pt.exp(x_b) * e_b, observed=y_b)
        pm.Poisson("y_after", mu=pt.exp(x_a) * e_a, observed=y_a)
        pm.Deterministic("rate_before", pt.exp(x_b))
        pm.Deterministic("rate_after", pt.exp(x_a))
        log_rr = pm.Deterministic("log_rate_ratio", x_a - x_b)
        rr = pm.Deterministic("rate_ratio", pt.exp(log_rr))
        pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
    return model


def two_rate_inputs(data, prior) -> dict:
    """The ``pm.Data`` values of :func:`build_two_rate_model` for a :class:`TwoRatePrior`."""
    out = _count_data(data)
    for period in ("before", "after"):
        w, s, r = mix_arrays(getattr(prior, period), "shape", "rate")
        out.update({f"prior_{period}_w": w, f"prior_{period}_shape": s, f"prior_{period}_rate": r})
    return out


# --- the log-linear model ----------------------------------------------------------------------
def build_log_linear_model():
    """Log baseline rate and log rate ratio, mixture potentials, Poisson counts.

    .. math::

        y_b \\sim \\text{Poisson}(e^{x_b} E_b), \\quad
        y_a \\sim \\text{Poisson}(e^{x_b + \\theta} E_a),

    with the Gamma (mixture) prior of :math:`e^{x_b}` (Jacobian included) and the Normal
    (mixture) prior of :math:`\\theta = \\log \\text{RR}` as potentials.
    """
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        y_b = pm.Data("events_before", 0)
        e_b = pm.Data("exposure_before", 1.0)
        y_a = pm.Data("events_after", 0)
        e_a = pm.Data("exposure_after", 1.0)
        pb = [pm.Data(f"prior_baseline_{k}", np.ones(1)) for k in ("w", "shape", "rate")]
        pt_ = [pm.Data(f"prior_log_rr_{k}", np.ones(1)) for k in ("w", "mean", "sd")]
        x_b = pm.Flat("log_rate_before")
        theta = pm.Flat("log_rate_ratio")
        pm.Potential("prior_baseline", gamma_mix_on_log_scale(x_b, *pb))
        pm.Potential("prior_log_rr", normal_mix(theta, *pt_))
        pm.Poisson("y_before", mu=pt.exp(x_b) * e_b, observed=y_b)
        pm.Poisson("y_after", mu=pt.exp(x_b + theta) * e_a, observed=y_a)
        pm.Deterministic("rate_before", pt.exp(x_b))
        pm.Deterministic("rate_after", pt.exp(x_b + theta))
        rr = pm.Deterministic("rate_ratio", pt.exp(theta))
        pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
    return model


def log_linear_inputs(data, prior) -> dict:
    """The ``pm.Data`` values of :func:`build_log_linear_model` for a :class:`LogRRPrior`."""
    out = _count_data(data)
    w, s, r = mix_arrays(prior.baseline, "shape", "rate")
    out.update(prior_baseline_w=w, prior_baseline_shape=s, prior_baseline_rate=r)
    w, m, sd = mix_arrays(prior.log_rr, "loc", "scale")
    out.update(prior_log_rr_w=w, prior_log_rr_mean=m, prior_log_rr_sd=sd)
    return out


def build_aggregate_model(structure: tuple):
    """The model of an aggregate-data compile key: ``(TWO_RATE,)`` or ``(LOG_LINEAR,)``."""
    return build_log_linear_model() if structure[0] == LOG_LINEAR else build_two_rate_model()


# --- the per-patient frailty model ---------------------------------------------------------------
def build_frailty_model(structure: tuple):
    """The hierarchical model of ``structure = (kind, rows, patients, varying, overdispersed)``.

    .. math::

        \\alpha_i = \\mu + \\sigma z_i, \\quad \\theta_i = \\theta + \\tau u_i, \\quad
        \\log \\mu_{ip} = \\log E_{ip} + \\alpha_i + \\theta_i [p = \\text{after}],

    :math:`y_{ip}` Poisson or negative binomial with :math:`\\text{Var} = \\mu + \\phi\\mu^2`
    (see :class:`~bayes_trials.PatientRateRatioEndpoint`).
    """
    import pymc as pm
    import pytensor.tensor as pt

    _, n_rows, n_pat, varying, overdispersed = structure
    with pm.Model(coords={"patient": np.arange(n_pat)}) as model:
        idx = pm.Data("patient_idx", np.zeros(n_rows, dtype="int64"))
        after = pm.Data("after", np.zeros(n_rows))
        log_e = pm.Data("log_exposure", np.zeros(n_rows))
        y = pm.Data("events", np.zeros(n_rows, dtype="int64"))
        pt_ = [pm.Data(f"prior_log_rr_{k}", np.ones(1)) for k in ("w", "mean", "sd")]
        mu_m = pm.Data("prior_mean_log_rate_mean", 0.0)
        mu_s = pm.Data("prior_mean_log_rate_sd", 1.0)
        sig_s = pm.Data("prior_frailty_sd_scale", 1.0)
        mu = pm.Normal("mean_log_rate", mu_m, mu_s)
        sigma = pm.HalfNormal("frailty_sd", sig_s)
        z = pm.Normal("z", 0.0, 1.0, dims="patient")
        theta = pm.Flat("log_rate_ratio")
        pm.Potential("prior_log_rr", normal_mix(theta, *pt_))
        alpha = mu + sigma * z
        if varying:
            tau_s = pm.Data("prior_effect_sd_scale", 1.0)
            tau = pm.HalfNormal("effect_sd", tau_s)
            u = pm.Normal("u", 0.0, 1.0, dims="patient")
            theta_i = theta + tau * u
        else:
            theta_i = theta + pt.zeros(n_pat)
        eta = log_e + alpha[idx] + theta_i[idx] * after
        if overdispersed:
            phi_s = pm.Data("prior_overdispersion_scale", 1.0)
            phi = pm.HalfNormal("overdispersion", phi_s)
            pm.NegativeBinomial("y", mu=pt.exp(eta), alpha=1.0 / phi, observed=y)
        else:
            pm.Poisson("y", mu=pt.exp(eta), observed=y)
        rr = pm.Deterministic("rate_ratio", pt.exp(theta))
        pm.Deterministic("percent_reduction", 100.0 * (1.0 - rr))
        pm.Deterministic("patient_rate_ratio", pt.exp(theta_i), dims="patient")
        pm.Deterministic("patient_rate_before", pt.exp(alpha), dims="patient")
    return model


def frailty_inputs(data, prior, varying: bool, overdispersed: bool) -> dict:
    """The ``pm.Data`` values of :func:`build_frailty_model` for per-patient data and a
    :class:`PatientRatePrior`."""
    t = data.table
    codes = {p: i for i, p in enumerate(data.patients)}
    w, m, sd = mix_arrays(prior.log_rr, "loc", "scale")
    out = {
        "patient_idx": t["patient"].map(codes).to_numpy(dtype="int64"),
        "after": (t["period"] == "after").to_numpy(dtype=float),
        "log_exposure": np.log(t["exposure"].to_numpy(dtype=float)),
        "events": t["events"].to_numpy(dtype="int64"),
        "prior_log_rr_w": w, "prior_log_rr_mean": m, "prior_log_rr_sd": sd,
        "prior_mean_log_rate_mean": prior.mean_log_rate.loc,
        "prior_mean_log_rate_sd": prior.mean_log_rate.scale,
        "prior_frailty_sd_scale": prior.frailty_sd.scale,
    }
    if varying:
        out["prior_effect_sd_scale"] = prior.effect_sd.scale
    if overdispersed:
        out["prior_overdispersion_scale"] = prior.overdispersion.scale
    return out
