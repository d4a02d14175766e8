"""The Weibull survival model (proportional hazards for two groups); sampled, no closed form."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from ...errors import PriorError
from ...fit import Inputs
from .model import SurvivalModel, _flat, renamed_keywords
from .priors import SurvivalPrior, WeibullPrior

#: the model's one ``pm.Data`` array: per patient the time, the event indicator and the
#: group indicator; the priors' means and sds and the landmark (a row each)
WEIBULL_INPUTS = Inputs(
    time=1.0,
    event=0.0,
    group_x=0.0,
    log_shape_mean=0.0,
    log_shape_sd=1.0,
    log_scale_mean=0.0,
    log_scale_sd=1.0,
    log_hr_mean=0.0,
    log_hr_sd=1.0,
    landmark=1.0,
)


@renamed_keywords(benchmark="target", reference="reference_group")
@dataclass(frozen=True, eq=False)
class WeibullSurvival(SurvivalModel):
    """Weibull survival (proportional hazards for two groups), priors on shape and scale.

    Parameters as :class:`~bayes_trials.endpoints.survival.model.SurvivalModel`; the prior
    is a :class:`WeibullPrior` (or a :class:`SurvivalPrior`, its ``weibull`` part).

    Notes
    -----
    .. math::

        \\log k &\\sim N(m_k, s_k^2), \\quad \\log\\sigma \\sim N(m_\\sigma, s_\\sigma^2),
        \\quad \\beta \\sim N(m_\\beta, s_\\beta^2) \\text{ (two groups)} \\\\
        H(t \\mid x) &= (t/\\sigma)^k e^{\\beta x}, \\quad
        \\log h(t \\mid x) = \\log k - \\log\\sigma + (k - 1)\\log(t/\\sigma) + \\beta x \\\\
        \\log L &= \\sum_i \\delta_i \\log h(t_i \\mid x_i) - H(t_i \\mid x_i)

    Estimands: :math:`S(t^*) = e^{-H(t^*)}`; median
    :math:`\\sigma (\\log 2\\, e^{-\\beta x})^{1/k}`; RMST
    :math:`\\int_0^\\tau S = (\\sigma'/k)\\,\\Gamma(1/k)\\, P(1/k, (\\tau/\\sigma')^k)` with
    :math:`\\sigma' = \\sigma e^{-\\beta x / k}` and :math:`P` the regularised lower
    incomplete gamma function; hazard ratio :math:`e^\\beta`. No exact posterior.

    The parametrisation matches lifelines' ``WeibullFitter`` (:math:`\\lambda = \\sigma`,
    :math:`\\rho = k`), the frequentist reference.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.WeibullSurvival("os", bt.TimeToEvent([3.0, 8.0, 14.0, 20.0], [1, 1, 0, 1]), landmark=12.0)
    >>> rows = WEIBULL_INPUTS.unpack(ep.model_inputs(bt.WeibullPrior.vague(12.0)))
    >>> rows["time"].tolist(), rows["event"].tolist()
    ([3.0, 8.0, 14.0, 20.0], [1.0, 1.0, 0.0, 1.0])
    >>> ep.exact(bt.WeibullPrior.vague(12.0))
    {}
    """

    kind: ClassVar[str] = "time_to_event_weibull"
    model_name: ClassVar[str] = "weibull"
    prior_family: ClassVar[str] = "weibull"

    def check_prior(self, prior: object) -> None:
        if not isinstance(self.part(prior), WeibullPrior):
            raise PriorError(
                f"a Weibull endpoint takes a WeibullPrior, got {prior!r}", field="prior"
            )

    def reference_priors(self) -> dict:
        """``vague``: :meth:`WeibullPrior.vague` at the landmark (else the median time)."""
        return {"vague": WeibullPrior.vague(self.typical_time())}

    def exact(self, prior: SurvivalPrior | WeibullPrior) -> dict:
        """No closed form: ``{}``."""
        return {}

    def structure(self, prior: SurvivalPrior | WeibullPrior) -> tuple:
        return (self.kind, self.n_groups)

    @staticmethod
    def build_model(structure: tuple):
        """PyMC model with patient-level data (times, events, group indicator) in the rows of
        one ``pm.Data`` array (:data:`WEIBULL_INPUTS`)."""
        import pymc as pm
        import pytensor.tensor as pt

        _, n_groups = structure
        with pm.Model() as model:
            d = WEIBULL_INPUTS.declare(width=2)
            t = d["time"]
            delta = d["event"]
            landmark = d["landmark"][0]
            log_k = pm.Normal("log_shape", d["log_shape_mean"][0], d["log_shape_sd"][0])
            log_s = pm.Normal("log_scale", d["log_scale_mean"][0], d["log_scale_sd"][0])
            k = pm.Deterministic("shape", pt.exp(log_k))
            pm.Deterministic("scale", pt.exp(log_s))
            if n_groups == 2:
                xg = d["group_x"]
                beta = pm.Normal("log_hr", d["log_hr_mean"][0], d["log_hr_sd"][0])
                pm.Deterministic("hazard_ratio", pt.exp(beta))
                lin = beta * xg
            else:
                lin = 0.0
            z = pt.log(t) - log_s
            log_h = log_k - log_s + (k - 1) * z + lin
            cum_h = pt.exp(k * z + lin)
            pm.Potential("loglik", pt.sum(delta * log_h - cum_h))
            h_land = pt.exp(k * (pt.log(landmark) - log_s))
            if n_groups == 2:
                pm.Deterministic(
                    "survival_landmark", pt.exp(-h_land * pt.exp(pt.stack([0.0 * beta, beta])))
                )
            else:
                pm.Deterministic("survival_landmark", pt.exp(-h_land))
        return model

    def _xg(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        frame = self.data.to_frame()
        if self.n_groups == 2:
            x = (frame["group"] == self.groups[1]).to_numpy(float)
        else:
            x = np.zeros(len(frame))
        return frame["time"].to_numpy(float), frame["event"].to_numpy(float), x

    def model_inputs(self, prior: SurvivalPrior | WeibullPrior) -> dict:
        self.check_prior(prior)
        prior = self.part(prior)
        t, e, x = self._xg()
        two = self.n_groups == 2
        return WEIBULL_INPUTS.pack(
            time=t,
            event=e,
            group_x=x,
            landmark=self._landmark_value(),
            log_shape_mean=prior.log_shape.mean,
            log_shape_sd=prior.log_shape.sd,
            log_scale_mean=prior.log_scale.mean,
            log_scale_sd=prior.log_scale.sd,
            log_hr_mean=prior.log_hr.mean if two else 0.0,
            log_hr_sd=prior.log_hr.sd if two else 1.0,
        )

    # --- estimands from draws -----------------------------------------------------------
    def _params(self, tree) -> dict:
        p = {"shape": _flat(tree, "shape"), "scale": _flat(tree, "scale")}
        p["log_hr"] = _flat(tree, "log_hr") if self.n_groups == 2 else np.zeros_like(p["shape"])
        return p

    def _cumhaz(self, params, t, g):
        k, s = params["shape"], params["scale"]
        return (float(t) / s) ** k * np.exp(params["log_hr"] * g)

    def _rmst(self, params, tau, g):
        k, s = params["shape"], params["scale"]
        s_eff = s * np.exp(-params["log_hr"] * g / k)
        return s_eff / k * special.gamma(1 / k) * special.gammainc(1 / k, (tau / s_eff) ** k)

    def _median(self, params, g):
        k, s = params["shape"], params["scale"]
        return s * (math.log(2) * np.exp(-params["log_hr"] * g)) ** (1 / k)

    def _hr(self, params):
        return np.exp(params["log_hr"])
