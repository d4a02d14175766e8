"""Prior grids of a binary endpoint (the sensitivity hooks of the binary kind): Beta and
robust Beta-mixture priors over a grid of prior means and strengths, with exact posterior
summaries of every grid point vectorised over the grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .._kernels.beta_mixture import beta_mixture_posterior, beta_mixture_ppf, stack_beta_mixtures
from ..data import Binary
from ..distributions import Beta, Mixture
from ..errors import PriorError
from .grids import PriorGrid


class BetaGrid(PriorGrid):
    """Prior grids of a binary endpoint: :math:`\\theta \\sim (1 - w)\\,\\text{Beta}(m e,
    (1 - m) e) + w\\, \\text{Beta}(1, 1)`, prior mean :math:`m` (axis ``mean``), effective
    sample size :math:`e` (axis ``ess``; or the prior sd :math:`s`, axis ``sd``, with
    :math:`e = m(1-m)/s^2 - 1`) and robust weight :math:`w`; the exact posterior of the whole
    grid in a few vectorised ``betainc`` calls (:mod:`bayes_trials._kernels.beta_mixture`)."""

    name = "binary"
    families = ("beta",)
    default_grid = {
        "family": ["beta"],
        "mean": [round(x, 2) for x in np.linspace(0.1, 0.9, 9)],
        "ess": [0.5, 1, 2, 5, 10, 20, 50],
        "robust_weight": [0.0, 0.2, 0.5],
    }
    default_threshold = 0.975
    default_over = "ess"
    overs = ("ess", "weight")
    parameter_label = "θ"
    strength_unit = "patients"

    def check_means(self, means, field: str) -> None:
        bad = [x for x in means if not 0 < x < 1]
        if bad:
            raise PriorError(
                f"a prior mean of a probability must lie in (0, 1), got {bad[0]:g}", field=field
            )

    def check_axes(self, axes: dict, where: str) -> None:
        if "sd" in axes:
            m = np.array(axes["mean"])[:, None]
            s = np.array(axes["sd"])[None, :]
            if np.any(s**2 >= m * (1 - m)):
                raise PriorError(
                    "a Beta prior's sd must be below sqrt(mean (1 - mean)); "
                    f"{float(s.max()):g} is too large for mean {float(m[0, 0]):g}",
                    field=f"{where}.sd",
                )

    def prior(self, family, mean, strength, robust_weight=0.0, strength_axis="ess"):
        """The grid point's prior.

        >>> BetaGrid().prior("beta", 0.39, 9, 0.2)
        Mixture(0.8*Beta(a=3.51, b=5.49), 0.2*Beta(a=1, b=1))
        """
        ess = strength if strength_axis == "ess" else mean * (1 - mean) / strength**2 - 1
        base = Beta.from_mean_ess(mean, ess)
        if robust_weight > 0:
            return Mixture([base, Beta(1.0, 1.0)], [1 - robust_weight, robust_weight])
        return base

    def _summaries(self, endpoint, w, a, b, level, events=None) -> dict:
        k = endpoint.data.events if events is None else events
        w2, a2, b2 = beta_mixture_posterior(w, a, b, k, endpoint.data.n)
        tail = (1 - level) / 2
        # the upper tail by betaincc: 1 - cdf would lose digits near 1
        tail_fn = special.betaincc if endpoint.direction == "greater" else special.betainc
        return {
            "post_mean": np.sum(w2 * a2 / (a2 + b2), axis=1),
            "eti_low": beta_mixture_ppf(tail, w2, a2, b2),
            "eti_high": beta_mixture_ppf(1 - tail, w2, a2, b2),
            "prob": np.sum(w2 * tail_fn(a2, b2, endpoint.target), axis=1),
        }

    def exact_summary(self, endpoint, prior, level, data=None) -> dict:
        endpoint.check_prior(prior)
        events = None if data is None else data.events
        if data is not None and data.n != endpoint.data.n:
            endpoint = type(endpoint)(endpoint.name, data, endpoint.target, endpoint.direction)
            events = None
        out = self._summaries(endpoint, *stack_beta_mixtures([prior]), level, events=events)
        return {k: float(x[0]) for k, x in out.items()}

    def exact_grid(self, endpoint, points, strength, level):
        m = points["mean"].to_numpy(float)
        s = points[strength].to_numpy(float)
        rw = points["robust_weight"].to_numpy(float)
        ess = s if strength == "ess" else m * (1 - m) / s**2 - 1
        w = np.column_stack([1 - rw, rw])
        a = np.column_stack([m * ess, np.ones_like(m)])
        b = np.column_stack([(1 - m) * ess, np.ones_like(m)])
        out = pd.DataFrame(self._summaries(endpoint, w, a, b, level))
        out.insert(
            0,
            "prior",
            [
                f"Beta(a={x:.4g}, b={y:.4g})"
                if r == 0
                else f"Mixture({1 - r:.3g}*Beta(a={x:.4g}, b={y:.4g}), {r:.3g}*Beta(a=1, b=1))"
                for x, y, r in zip(a[:, 0], b[:, 0], rw)
            ],
        )
        return out

    def tipping_defaults(self, endpoint) -> dict:
        return {"centre": endpoint.target, "sceptic_strength": endpoint.data.n}

    def sceptic(self, over, x, centre, sceptic_strength):
        if over == "weight":
            return Mixture(
                [Beta.from_mean_ess(centre, sceptic_strength), Beta(1.0, 1.0)], [x, 1 - x]
            )
        return self.prior("beta", centre, x, 0.0, over)

    def shifted(self, endpoint, changes):
        d = endpoint.data
        k = d.events + (-changes if endpoint.direction == "greater" else changes)
        return Binary(k, d.n) if 0 <= k <= d.n else None

    def max_changes(self, endpoint) -> int:
        return endpoint.data.n

    def describe(self, data) -> str:
        return f"{data.events}/{data.n}"
