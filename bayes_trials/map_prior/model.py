"""The random-effects model of a MAP prior, as a model of :mod:`bayes_trials.fit`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..fit import Inputs

#: the random-effects model's one ``pm.Data`` array: per study its two numbers (n and events,
#: exposure and events, or se and mean, by family), then the hyperparameters and the
#: reference standard error (a row each)
_INPUTS = Inputs(first=1.0, second=0.0, mu_loc=0.0, mu_scale=1.0, tau_scale=1.0, se_ref=1.0)
#: the names of each family's two per-study columns, in row order
_STUDY_COLUMNS = {
    "binomial": ("n", "events"),
    "poisson": ("exposure", "events"),
    "normal": ("se", "mean"),
}


def _structure_key(family: str, n_studies: int, tau_prior) -> tuple:
    return ("map_prior", family, int(n_studies), tau_prior.family)


def _build_model(key):
    """The random-effects model in the parameterisation that NUTS samples.

    The study effects :math:`\\theta_i = \\mu + \\tau z_i` are split into their mean
    :math:`\\bar\\theta = \\mu + \\tau\\bar z`, so that :math:`\\bar\\theta \\mid \\tau \\sim
    N(m_0, s_0^2 + \\tau^2/k)`, and deviations :math:`\\theta_i - \\bar\\theta = \\tau d_i`,
    :math:`d = z - \\bar z` zero-sum normal (covariance :math:`I - J/k`) and independent of
    :math:`\\bar\\theta`. NUTS samples :math:`u = c(\\tau)\\, d`, zero-sum normal with sd
    :math:`c(\\tau) = \\sqrt{1 + \\tau^2/\\sigma^2}`, where :math:`\\sigma` is a typical
    standard error of one study's estimate on the link scale (``se_ref``, see
    :func:`_reference_se`). For normal data with standard error :math:`\\sigma` the
    posterior of :math:`u` given :math:`\\tau` then has unit variance whatever :math:`\\tau`:
    no funnel at small :math:`\\tau` (the centred form's) nor at large :math:`\\tau` (the
    non-centred form's, where the data pin :math:`z` to a width :math:`\\sigma/\\tau`), and
    with :math:`\\mu` out of the way no ridge between :math:`\\mu` and the :math:`z_i`.
    The population mean follows from its conditional,
    :math:`\\mu \\mid \\bar\\theta, \\tau \\sim N(m_0 + c_\\mu(\\bar\\theta - m_0), c_\\mu\\tau^2/k)` with
    :math:`c_\\mu = s_0^2/(s_0^2 + \\tau^2/k)`, written non-centred. The joint distribution
    of :math:`(\\mu, \\tau, \\theta)` is the model's whatever ``se_ref``; only the geometry
    changes.
    """
    import pymc as pm

    _, family, n_studies, tau_family = key
    with pm.Model() as model:
        d = _INPUTS.declare(width=n_studies)
        mu_loc, mu_scale = d["mu_loc"][0], d["mu_scale"][0]
        tau_scale, se_ref = d["tau_scale"][0], d["se_ref"][0]
        if tau_family == "halfnormal":
            tau = pm.HalfNormal("tau", sigma=tau_scale)
        else:
            tau = pm.HalfCauchy("tau", beta=tau_scale)
        between = tau**2 / n_studies
        theta_mean = pm.Normal("theta_mean", mu=mu_loc, sigma=pm.math.sqrt(mu_scale**2 + between))
        if n_studies > 1:
            scale = pm.math.sqrt(1.0 + (tau / se_ref) ** 2)
            u = pm.ZeroSumNormal("u", sigma=scale, shape=n_studies)
            theta = pm.Deterministic("theta", theta_mean + tau * u / scale)
        else:
            theta = pm.Deterministic("theta", theta_mean[None])
        shrink = mu_scale**2 / (mu_scale**2 + between)
        mu_z = pm.Normal("mu_z", 0.0, 1.0)
        pm.Deterministic(
            "mu", mu_loc + shrink * (theta_mean - mu_loc) + pm.math.sqrt(shrink * between) * mu_z
        )
        first, second = d["first"], d["second"]
        if family == "binomial":
            pm.Binomial(
                "y", n=_INPUTS.counts(first), logit_p=theta, observed=_INPUTS.counts(second)
            )
        elif family == "poisson":
            pm.Poisson("y", mu=first * pm.math.exp(theta), observed=_INPUTS.counts(second))
        else:
            pm.Normal("y", mu=theta, sigma=first, observed=second)
    return model


def _reference_se(df: pd.DataFrame, family: str) -> float:
    """A typical standard error of one study's estimate on the link scale: the root of the
    harmonic mean of :math:`1/(y + 1/2) + 1/(n - y + 1/2)` (binomial), :math:`1/(y + 1/2)`
    (Poisson) or :math:`\\text{se}^2` (normal). It only scales the sampler's coordinates."""
    if family == "binomial":
        y, n = df["events"].to_numpy(float), df["n"].to_numpy(float)
        var = 1 / (y + 0.5) + 1 / (n - y + 0.5)
    elif family == "poisson":
        var = 1 / (df["events"].to_numpy(float) + 0.5)
    else:
        var = df["se"].to_numpy(float) ** 2
    return float(math.sqrt(len(var) / np.sum(1 / var)))


@dataclass(frozen=True, eq=False)
class RandomEffectsModel:
    """The MAP prior's random-effects model for :func:`bayes_trials.fit.sample`: one compiled
    model per family, number of studies and heterogeneity prior family; the table and the
    priors' parameters are the rows of one ``pm.Data`` array (:data:`_INPUTS`).
    ``sample(model, None, ...)`` fits it."""

    table: pd.DataFrame
    family: str
    tau_prior: object
    intercept_prior: object

    def structure(self, prior=None) -> tuple:
        return _structure_key(self.family, len(self.table), self.tau_prior)

    @staticmethod
    def build_model(structure: tuple):
        return _build_model(structure)

    def model_inputs(self, prior=None) -> dict:
        df, family = self.table, self.family
        a, b = _STUDY_COLUMNS[family]
        return _INPUTS.pack(
            first=df[a].to_numpy(float),
            second=df[b].to_numpy(float),
            mu_loc=self.intercept_prior.mean,
            mu_scale=self.intercept_prior.sd,
            tau_scale=self.tau_prior.scale,
            se_ref=_reference_se(df, family),
        )
