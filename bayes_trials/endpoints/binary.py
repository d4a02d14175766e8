"""Binary endpoints: ``events`` of ``n`` patients (response, survival at a landmark, an adverse event).

Model
-----
.. math::

    \\theta &\\sim \\sum_k w_k \\,\\text{Beta}(a_k, b_k) \\quad (\\text{one component: a plain Beta})\\\\
    \\text{events} &\\sim \\text{Binomial}(n, \\theta)

Estimands: the posterior of the probability :math:`\\theta`, its credible intervals and the
posterior probability that :math:`\\theta` lies beyond a target (the trial's null, or a
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
        = "greater"``) or :math:`\\theta \\ge \\theta_0` (``"less"``); None without a target.
    intervals : dict
        ``{"clopper-pearson": (lo, hi), "wilson": ..., "jeffreys": ...}``, two-sided at ``level``.
    """

    events: int
    n: int
    target: float | None
    alternative: str
    estimate: float
    p_value: float | None
    level: float
    intervals: dict = field(default_factory=dict)
    test_method: str = "exact binomial test (scipy.stats.binomtest)"

    def as_dict(self) -> dict:
        pct = round(100 * self.level)
        out = {"events": self.events, "n": self.n, "estimate": self.estimate}
        out["target"] = self.target
        out["alternative"] = self.alternative
        out["p_value"] = self.p_value
        for method, (lo, hi) in self.intervals.items():
            out[f"{method}{pct}_low"] = lo
            out[f"{method}{pct}_high"] = hi
        return out


@dataclass(frozen=True)
class BinaryEndpoint:
    """A binary endpoint: its data, the target its posterior probability is taken against.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"hsct_free_survival_1y"``.
    data : Binary
    target : float in (0, 1), optional
        The null (or benchmark) rate; ``P(theta > target)`` is reported when given.
    direction : {"greater", "less"}
        ``"greater"`` for benefits (report P(theta > target)), ``"less"`` for harms.
    label : str
        Human-readable name for reports.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
    >>> post = ep.exact_posterior(bt.Beta(1, 1))
    >>> round(float(post.sf(0.39)), 6)    # Beta(10, 1): 1 - 0.39**10
    0.999919
    >>> ep.frequentist().p_value < 0.001
    True
    """

    name: str
    data: Binary
    target: float | None = None
    direction: str = "greater"
    label: str = ""

    kind = "binary"
    parameter = "theta"
    prior_family = "beta"

    def __post_init__(self):
        if not isinstance(self.data, Binary):
            raise DataError(f"needs Binary data, got {type(self.data).__name__}", field="data")
        if self.target is not None:
            object.__setattr__(self, "target", v.open_unit(self.target, "target"))
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

    @staticmethod
    def published_quantities() -> tuple:
        """What a spec can ask to reproduce from this endpoint's frequentist record."""
        return ("estimate", "ci_low", "ci_high", "p_value")

    @staticmethod
    def interval_methods() -> tuple:
        return tuple(INTERVAL_METHODS)

    def describe_data(self) -> str:
        return f"{self.data.events}/{self.data.n}"

    # --- PyMC model ---------------------------------------------------------------------
    def structure(self, prior) -> tuple:
        """The compile key: one compiled model serves every Beta (mixture) prior."""
        return (self.kind,)

    @staticmethod
    def build_model(structure: tuple):
        """The PyMC model, written on the logit scale; data and hyperparameters are ``pm.Data``.

        With :math:`x = \\operatorname{logit}\\theta`, the Beta-mixture prior has density
        :math:`p(x) = \\sum_k w_k\\, \\sigma(x)^{a_k} \\sigma(-x)^{b_k} / B(a_k, b_k)` (the
        Jacobian included), computed with ``softplus`` so that it stays finite for any
        :math:`x`, and the likelihood is ``Binomial(n, logit_p=x)``. Writing
        ``theta ~ Beta`` instead lets ``log(1 - theta)`` overflow once a trajectory passes
        logit 37, which nutpie reports as a divergence: measured on 9/9 and 12/12 under the
        Jeffreys prior, about a third of 4-chain runs diverged that way, none with this form.
        The component vectors have no fixed length, so one compile serves mixtures of
        any size.
        """
        import pymc as pm
        import pytensor.tensor as pt

        with pm.Model() as model:
            n = pm.Data("n", 1)
            events = pm.Data("events", 0)
            w = pm.Data("prior_w", np.ones(1))
            a = pm.Data("prior_a", np.ones(1))
            b = pm.Data("prior_b", np.ones(1))
            x = pm.Flat("logit_theta")
            log_beta_fn = pt.gammaln(a) + pt.gammaln(b) - pt.gammaln(a + b)
            log_comp = pt.log(w) - a * pt.softplus(-x) - b * pt.softplus(x) - log_beta_fn
            pm.Potential("prior", pt.logsumexp(log_comp))
            pm.Deterministic("theta", pt.sigmoid(x))
            pm.Binomial("y", n=n, logit_p=x, observed=events)
        return model

    def model_inputs(self, prior) -> dict:
        """Values of the model's ``pm.Data`` for this prior and these data."""
        self.check_prior(prior)
        w, comps = components_of(prior)
        return {
            "n": self.data.n,
            "events": self.data.events,
            "prior_w": np.asarray(w, dtype=float),
            "prior_a": np.array([c.a for c in comps], dtype=float),
            "prior_b": np.array([c.b for c in comps], dtype=float),
        }

    # --- exact and frequentist --------------------------------------------------------
    def exact_posterior(self, prior):
        """Beta-binomial conjugate posterior (a Beta, or a reweighted Beta mixture)."""
        self.check_prior(prior)
        return update(prior, self.data)

    def tail_probability(self, dist) -> float | None:
        """P(theta > target) (or < for ``direction="less"``) under ``dist``."""
        if self.target is None:
            return None
        if self.direction == "greater":
            return float(dist.sf(self.target))
        return float(dist.cdf(self.target))

    def frequentist(self, level: float = CRED_LEVEL) -> BinomialReference:
        """Exact one-sided binomial test and Clopper-Pearson, Wilson, Jeffreys intervals."""
        k, n = self.data.events, self.data.n
        p_value = None
        if self.target is not None:
            p_value = float(
                stats.binomtest(k, n, self.target, alternative=self.direction).pvalue
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
            target=self.target,
            alternative=self.direction,
            estimate=k / n,
            p_value=p_value,
            level=level,
            intervals=intervals,
        )

    def describe_target(self) -> str:
        if self.target is None:
            return ""
        sign = ">" if self.direction == "greater" else "<"
        return f"P({self.parameter} {sign} {self.target:g})"
