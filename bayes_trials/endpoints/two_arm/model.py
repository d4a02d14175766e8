"""The PyMC models of the two-arm kinds, data and hyperparameters as ``pm.Data``.

One compiled model per likelihood, whatever the prior (mixture vectors of any length):

- two binomial arms: two logits with Beta-mixture potentials (Jacobian included, written
  with ``softplus`` as the binary kind's model, so that no trajectory overflows), binomial
  counts; deterministics ``p_treatment``, ``p_control``, ``risk_difference``,
  ``risk_ratio``, ``odds_ratio``, ``vaccine_efficacy``;
- two Poisson arms: the rates kinds' models, reused with the control as ``before`` and the
  treatment as ``after`` (independent Gamma priors, or the log-linear model of a
  :class:`~bayes_trials.LogRRPrior`), and the binary kind's model for the case split
  (:math:`y_1 \\mid y_1 + y_2 \\sim \\text{Bin}(y_1 + y_2, \\theta)`), so those compile keys are
  shared with the other kinds;
- two normal arms: the means with Normal-mixture potentials (switched off for the flat
  prior) and, with sigma known, :math:`\\bar y_k \\sim N(\\mu_k, \\text{se}_k^2)`; with sigma
  estimated, :math:`\\log\\sigma_k` flat (the Jeffreys prior :math:`1/\\sigma`), the sample
  mean :math:`N(\\mu_k, \\sigma_k^2/n_k)` and the sample variance's likelihood
  :math:`\\sigma_k^{-(n_k - 1)} e^{-(n_k-1)s_k^2/(2\\sigma_k^2)}`.
"""

from __future__ import annotations

import numpy as np

from ...distributions import components_of
from ...fit import Inputs
from ..rates.model import normal_mix
from .priors import FlatPrior

BINARY = "two_arm_binary"
NORMAL = "two_arm_normal"
ARMS = ("treatment", "control")

#: the two-binomial model's one ``pm.Data`` array: each arm's Beta-mixture prior (weights,
#: a, b) and the counts ``(n_treatment, events_treatment, n_control, events_control)``
BINARY_INPUTS = Inputs(
    **{f"prior_{arm}_{k}": (0.0 if k == "w" else 1.0) for arm in ARMS for k in ("w", "a", "b")},
    counts=0.0,
)
#: the two-normal model's one ``pm.Data`` array: each arm's Normal-mixture prior (weights,
#: means, sds), the prior switches ``(treatment, control)`` (0: flat), the sample means, and
#: the standard errors (sigma known) or ``(n, sample variance)`` per arm (sigma estimated)
NORMAL_INPUTS = Inputs(
    **{f"prior_{arm}_{k}": (0.0 if k == "w" else 1.0) for arm in ARMS for k in ("w", "mean", "sd")},
    prior_on=1.0,
    ybar=0.0,
    se=1.0,
    n=2.0,
    var=1.0,
)


def _beta_mix_on_logit(x, w, a, b):
    """log density of :math:`x = \\text{logit}\\,\\theta` for a Beta mixture on :math:`\\theta`
    (Jacobian included), finite for any :math:`x`."""
    import pytensor.tensor as pt

    log_beta_fn = pt.gammaln(a) + pt.gammaln(b) - pt.gammaln(a + b)
    return pt.logsumexp(pt.log(w) - a * pt.softplus(-x) - b * pt.softplus(x) - log_beta_fn)


def build_binary_model(structure: tuple):
    """Two binomial arms, Beta-mixture priors on the logit scale (see the module docstring)."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        d = BINARY_INPUTS.declare(width=4)
        counts = BINARY_INPUTS.counts(d["counts"])
        x = {}
        for i, arm in enumerate(ARMS):
            prior = [d[f"prior_{arm}_{k}"] for k in ("w", "a", "b")]
            x[arm] = pm.Flat(f"logit_p_{arm}")
            pm.Potential(f"prior_{arm}", _beta_mix_on_logit(x[arm], *prior))
            pm.Binomial(f"y_{arm}", n=counts[2 * i], logit_p=x[arm], observed=counts[2 * i + 1])
        p_t = pm.Deterministic("p_treatment", pt.sigmoid(x["treatment"]))
        p_c = pm.Deterministic("p_control", pt.sigmoid(x["control"]))
        pm.Deterministic("risk_difference", p_t - p_c)
        # log risk ratio from log-sigmoids, so that tiny risks keep their precision
        rr = pm.Deterministic(
            "risk_ratio", pt.exp(-pt.softplus(-x["treatment"]) + pt.softplus(-x["control"]))
        )
        pm.Deterministic("odds_ratio", pt.exp(x["treatment"] - x["control"]))
        pm.Deterministic("vaccine_efficacy", 1.0 - rr)
    return model


def binary_inputs(data, prior) -> dict:
    """The ``pm.Data`` value of :func:`build_binary_model` for a Beta-arm TwoArmPrior."""
    values = {"counts": []}
    for arm in ARMS:
        d = getattr(data, arm)
        w, comps = components_of(getattr(prior, arm))
        values["counts"] += [d.n, d.events]
        values[f"prior_{arm}_w"] = np.asarray(w, float)
        values[f"prior_{arm}_a"] = [c.a for c in comps]
        values[f"prior_{arm}_b"] = [c.b for c in comps]
    return BINARY_INPUTS.pack(**values)


def build_normal_model(structure: tuple):
    """Two normal arms; ``structure = (NORMAL, "known" | "estimated")``."""
    import pymc as pm
    import pytensor.tensor as pt

    sigma_mode = structure[1]
    with pm.Model() as model:
        d = NORMAL_INPUTS.declare(width=2)
        mu = {}
        for i, arm in enumerate(ARMS):
            prior = [d[f"prior_{arm}_{k}"] for k in ("w", "mean", "sd")]
            mu[arm] = pm.Flat(f"mean_{arm}_param")
            pm.Potential(f"prior_{arm}", d["prior_on"][i] * normal_mix(mu[arm], *prior))
            ybar = d["ybar"][i]
            if sigma_mode == "known":
                pm.Normal(f"obs_{arm}", mu=mu[arm], sigma=d["se"][i], observed=ybar)
            else:
                n, s2 = d["n"][i], d["var"][i]
                log_sigma = pm.Flat(f"log_sigma_{arm}")  # flat: the Jeffreys prior 1/sigma
                sigma = pm.Deterministic(f"sigma_{arm}", pt.exp(log_sigma))
                pm.Normal(f"obs_{arm}", mu=mu[arm], sigma=sigma / pt.sqrt(n), observed=ybar)
                pm.Potential(
                    f"sample_variance_{arm}",
                    -(n - 1) * log_sigma - (n - 1) * s2 / (2 * sigma**2),
                )
        pm.Deterministic("mean_treatment", mu["treatment"])
        pm.Deterministic("mean_control", mu["control"])
        pm.Deterministic("difference", mu["treatment"] - mu["control"])
    return model


def normal_inputs(data, prior, sigma_mode: str) -> dict:
    """The ``pm.Data`` value of :func:`build_normal_model`."""
    values = {"prior_on": [], "ybar": [], "se": [], "n": [], "var": []}
    for arm in ARMS:
        d, p = getattr(data, arm), getattr(prior, arm)
        if isinstance(p, FlatPrior):
            w, mean, sd, on = [1.0], [0.0], [1.0], 0.0
        else:
            w, comps = components_of(p)
            mean, sd, on = [c.loc for c in comps], [c.scale for c in comps], 1.0
        values.update(
            {
                f"prior_{arm}_w": np.asarray(w, float),
                f"prior_{arm}_mean": mean,
                f"prior_{arm}_sd": sd,
            }
        )
        values["prior_on"].append(on)
        values["ybar"].append(d.mean)
        if sigma_mode == "known":
            values["se"].append(d.standard_error)
            values["n"].append(2.0)
            values["var"].append(1.0)
        else:
            values["se"].append(1.0)
            values["n"].append(float(d.n))
            values["var"].append(d.sd**2)
    return NORMAL_INPUTS.pack(**values)


__all__ = [
    "BINARY",
    "NORMAL",
    "build_binary_model",
    "binary_inputs",
    "build_normal_model",
    "normal_inputs",
]
