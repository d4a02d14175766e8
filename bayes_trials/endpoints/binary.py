"""Binary endpoints: ``events`` of ``n`` patients (response, survival at a landmark, an adverse event).

Model
-----
.. math::

    \\theta &\\sim \\sum_k w_k \\,\\text{Beta}(a_k, b_k) \\quad (\\text{one component: a plain Beta})\\\\
    \\text{events} &\\sim \\text{Binomial}(n, \\theta)

Estimands: the posterior of the probability :math:`\\theta`, its credible intervals and the
posterior probability that :math:`\\theta` lies beyond a threshold (the trial's null, or a
benchmark rate), :math:`P(\\theta > \\theta_0 \\mid \\text{data})` or
:math:`P(\\theta < \\theta_0 \\mid \\text{data})` for harms.

Exact posterior: Beta-binomial conjugacy (:func:`bayes_trials.update`). Frequentist
reference: the exact one-sided binomial test (scipy) and the Clopper-Pearson, Wilson and
Jeffreys intervals (statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from .. import _validate as v
from ..conjugate import update
from ..data import Binary
from ..errors import DataError, PriorError
from ..priors import CRED_LEVEL, REFERENCE_PRIORS, components_of

#: frequentist interval methods: our name -> statsmodels ``proportion_confint`` method
INTERVAL_METHODS = {"clopper-pearson": "beta", "wilson": "wilson", "jeffreys": "jeffreys"}
DIRECTIONS = ("greater", "less")


@dataclass(frozen=True)
class BinomialReference:
    """The frequentist analysis of a binary endpoint, recomputed from the counts.

    Attributes
    ----------
    estimate : float
        events / n.
    p_value : float or None
        Exact one-sided binomial test of :math:`H_0: \\theta \\le \\theta_0` (``alternative
        = "greater"``) or :math:`\\theta \\ge \\theta_0` (``"less"``); None without a threshold.
    intervals : dict
        ``{"clopper-pearson": (lo, hi), "wilson": ..., "jeffreys": ...}``, two-sided at ``level``.
    """

    events: int
    n: int
    threshold: float | None
    alternative: str
    estimate: float
    p_value: float | None
    level: float
    intervals: dict = field(default_factory=dict)
    test_method: str = "exact binomial test (scipy.stats.binomtest)"

    def as_dict(self) -> dict:
        pct = round(100 * self.level)
        out = {"events": self.events, "n": self.n, "estimate": self.estimate}
        out["threshold"] = self.threshold
        out["alternative"] = self.alternative
        out["p_value"] = self.p_value
        for method, (lo, hi) in self.intervals.items():
            out[f"{method}{pct}_low"] = lo
            out[f"{method}{pct}_high"] = hi
        return out


@dataclass(frozen=True)
class BinaryEndpoint:
    """A binary endpoint: its data, the threshold its posterior probability is taken against.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"hsct_free_survival_1y"``.
    data : Binary
    threshold : float in (0, 1), optional
        The null (or benchmark) rate; ``P(theta > threshold)`` is reported when given.
    direction : {"greater", "less"}
        ``"greater"`` for benefits (report P(theta > threshold)), ``"less"`` for harms.
    label : str
        Human-readable name for reports.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), threshold=0.39)
    >>> post = ep.exact_posterior(bt.Beta(1, 1))
    >>> round(float(post.sf(0.39)), 6)    # 1 - 0.39**10
    1.0
    >>> ep.frequentist().p_value < 0.001
    True
    """

    name: str
    data: Binary
    threshold: float | None = None
    direction: str = "greater"
    label: str = ""

    kind = "binary"
    parameter = "theta"
    prior_family = "beta"

    def __post_init__(self):
        if not isinstance(self.data, Binary):
            raise DataError(f"needs Binary data, got {type(self.data).__name__}", field="data")
        if self.threshold is not None:
            object.__setattr__(self, "threshold", v.open_unit(self.threshold, "threshold"))
        v.one_of(self.direction, DIRECTIONS, "direction")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- priors -----------------------------------------------------------------------
    def check_prior(self, prior) -> None:
        _, comps = components_of(prior)
        if comps[0].family != self.prior_family:
            raise PriorError(
                f"a binary endpoint takes Beta (mixture) priors, got {prior!r}", field="prior"
            )

    @staticmethod
    def reference_priors() -> dict:
        return dict(REFERENCE_PRIORS)

    # --- PyMC model ---------------------------------------------------------------------
    def structure(self, prior) -> tuple:
        """The compile key: models with equal keys share one compiled sampler."""
        return (self.kind, len(components_of(prior)[1]))

    @staticmethod
    def build_model(structure: tuple):
        """The PyMC model for ``structure``; data and hyperparameters are ``pm.Data``."""
        import pymc as pm

        _, n_components = structure
        with pm.Model() as model:
            n = pm.Data("n", 1)
            events = pm.Data("events", 0)
            if n_components == 1:
                a = pm.Data("prior_a", 1.0)
                b = pm.Data("prior_b", 1.0)
                theta = pm.Beta("theta", alpha=a, beta=b)
            else:
                w = pm.Data("prior_w", np.full(n_components, 1.0 / n_components))
                a = pm.Data("prior_a", np.ones(n_components))
                b = pm.Data("prior_b", np.ones(n_components))
                theta = pm.Mixture(
                    "theta", w=w, comp_dists=pm.Beta.dist(alpha=a, beta=b, shape=n_components)
                )
            pm.Binomial("y", n=n, p=theta, observed=events)
        return model

    def model_inputs(self, prior) -> dict:
        """Values of the model's ``pm.Data`` for this prior and these data."""
        self.check_prior(prior)
        w, comps = components_of(prior)
        values = {"n": self.data.n, "events": self.data.events}
        if len(comps) == 1:
            values.update(prior_a=comps[0].a, prior_b=comps[0].b)
        else:
            values.update(
                prior_w=np.asarray(w),
                prior_a=np.array([c.a for c in comps]),
                prior_b=np.array([c.b for c in comps]),
            )
        return values

    # --- exact and frequentist --------------------------------------------------------
    def exact_posterior(self, prior):
        """Beta-binomial conjugate posterior (a Beta, or a reweighted Beta mixture)."""
        self.check_prior(prior)
        return update(prior, self.data)

    def tail_probability(self, dist) -> float | None:
        """P(theta > threshold) (or < for ``direction="less"``) under ``dist``."""
        if self.threshold is None:
            return None
        if self.direction == "greater":
            return float(dist.sf(self.threshold))
        return float(dist.cdf(self.threshold))

    def frequentist(self, level: float = CRED_LEVEL) -> BinomialReference:
        """Exact one-sided binomial test and Clopper-Pearson, Wilson, Jeffreys intervals."""
        k, n = self.data.events, self.data.n
        p_value = None
        if self.threshold is not None:
            p_value = float(
                stats.binomtest(k, n, self.threshold, alternative=self.direction).pvalue
            )
        intervals = {
            name: tuple(
                float(x) for x in proportion_confint(k, n, alpha=1 - level, method=method)
            )
            for name, method in INTERVAL_METHODS.items()
        }
        return BinomialReference(
            events=k,
            n=n,
            threshold=self.threshold,
            alternative=self.direction,
            estimate=k / n,
            p_value=p_value,
            level=level,
            intervals=intervals,
        )

    def describe_threshold(self) -> str:
        if self.threshold is None:
            return ""
        sign = ">" if self.direction == "greater" else "<"
        return f"P({self.parameter} {sign} {self.threshold:g})"
