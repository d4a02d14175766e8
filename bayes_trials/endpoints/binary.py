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

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field
from scipy import integrate, special, stats
from statsmodels.stats.proportion import proportion_confint

from .. import _validate as v
from .._constants import BATCH_SIZE, CRED_LEVEL, DIRECTIONS, EXACT_TOL
from .._schema import Direction
from ..checks import KINDS, Check, pct, quantile_check
from ..conjugate import update
from ..data import Binary
from ..design import design_endpoint
from ..distributions import REFERENCE_PRIORS, Beta, Mixture, components_of
from ..errors import DataError, PriorError
from ..fit import Inputs
from ..predictive import prob_difference
from ..provenance import SourcedNumber
from .base import Part
from .binary_grid import BetaGrid
from .kind import Kind
from .scalar import ScalarEndpoint
from .table import Benchmarks, DecisionTable, EndpointTable, Published

if TYPE_CHECKING:
    from ..design import Design

#: frequentist interval methods: our name -> statsmodels ``proportion_confint`` method
INTERVAL_METHODS = {"clopper-pearson": "beta", "wilson": "wilson", "jeffreys": "jeffreys"}

#: the binary model's one ``pm.Data`` array: the prior's component weights and Beta
#: parameters, the counts ``(n, events)`` and the boundary the posterior piles against
#: (1: theta near 1, 0: near 0; :meth:`BinaryEndpoint.build_model`)
INPUTS = Inputs(prior_w=0.0, prior_a=1.0, prior_b=1.0, counts=0.0, piled_at_one=0.0)
#: the batched binary model's one ``pm.Data`` array: per point, its prior's log weights,
#: its Beta parameters and log Beta function (computed once, not at every gradient), the counts
#: ``(n, events)`` and the scale the point is sampled on (:data:`LINKS`)
BATCH_INPUTS = Inputs(log_w=-np.inf, prior_a=1.0, prior_b=1.0, log_beta=0.0, counts=0.0, link=0.0)
#: what pads a batch: a uniform prior and no patients (its point samples the logistic prior)
BATCH_PADDING = {
    "log_w": [0.0],
    "prior_a": [1.0],
    "prior_b": [1.0],
    "log_beta": [0.0],
    "counts": [0, 0],
    "link": [0.0],
}
#: the scales a batched point is sampled on, by their code in the ``link`` row:
#: :math:`u = \operatorname{logit}\theta`, :math:`\log(-\log(1 - \theta))` (cloglog) and
#: :math:`\log(-\log\theta)` (loglog)
LINKS = {"logit": 0, "cloglog": 1, "loglog": 2}


def batch_link(a_post, b_post) -> str:
    """The scale a batched point is sampled on, from its posterior components' Beta parameters.

    On the logit scale the posterior :math:`\\propto \\sum_k w_k \\sigma(u)^{A_k}
    \\sigma(-u)^{B_k}` has exponential tails of rates :math:`\\min A_k` (left) and
    :math:`\\min B_k` (right). A rate below 1 makes that tail heavier than the posterior's
    spread, and NUTS, with one step size for every point of a chunk, takes small steps for all
    of them (measured: 17 such points of a 50-point Beta grid after 9/9 in a 64-point chunk,
    step size 0.23 and 17 leapfrog steps a draw, against 0.52 and 7 for the others). With
    :math:`B = \\min B_k < 1` the point is sampled on the complementary log-log scale
    :math:`u = \\log(-\\log(1 - \\theta))`, where the density of one component,
    :math:`(1 - e^{-e^u})^{A - 1} e^{-B e^u} e^u`, has the right tail of a Gumbel and the left
    tail :math:`e^{A u}`, :math:`A \\ge 1`: step size and tree depth return to those of the
    light points (0.52 and 7 steps, same run). :math:`A < 1` takes the log-log scale
    :math:`\\log(-\\log\\theta)` (the mirror image); a posterior heavy on both sides stays on
    the logit scale.

    >>> batch_link([10.0], [0.5]), batch_link([0.5], [13.0]), batch_link([2.0], [3.0])
    ('cloglog', 'loglog', 'logit')
    """
    heavy_a = min(a_post) < 1
    heavy_b = min(b_post) < 1
    if heavy_b and not heavy_a:
        return "cloglog"
    if heavy_a and not heavy_b:
        return "loglog"
    return "logit"


@dataclass(frozen=True)
class BinaryBatch:
    """Binary posteriors as ``size`` independent dimensions of one PyMC model.

    Point :math:`k` has its own data :math:`(y_k, n_k)` and Beta-mixture prior; its
    posterior kernel (the binary model's, :meth:`BinaryEndpoint.build_model`, without the
    binomial coefficient) is

    .. math:: p(\\theta_k \\mid y_k) \\propto \\sum_c w_{kc}\\,
              \\theta_k^{a_{kc} + y_k - 1} (1 - \\theta_k)^{b_{kc} + n_k - y_k - 1}
              / B(a_{kc}, b_{kc}),

    sampled on the scale :func:`batch_link` picks for the point, :math:`u_k =
    \\operatorname{logit}\\theta_k`, :math:`\\log(-\\log(1 - \\theta_k))` or
    :math:`\\log(-\\log\\theta_k)`, with the Jacobian :math:`\\theta_k(1 - \\theta_k)`,
    :math:`(1 - \\theta_k)\\,e^{u_k}` or :math:`\\theta_k e^{u_k}`; ``theta`` is kept as a
    deterministic. The joint density is the product over the points, so each point's draws
    are a sample of its own posterior. One NUTS run serves all points: one step size and one
    trajectory length for all of them (the diagonal mass matrix scales each point), see
    :func:`bayes_trials.fit.sample_points`. ``tail`` sorts points into chunks: a posterior
    whose components have both a Beta parameter :math:`a + y < 1` and one :math:`b + n - y <
    1` has two tails heavier than its spread on every scale here, which would set a small
    step size for every point of a chunk, so it is batched apart (``"heavy"``), on the same
    compiled model (``tail`` is not part of the compile key). Unused points are padded with
    :data:`BATCH_PADDING`.

    >>> BinaryBatch().structure(), BinaryBatch(tail="heavy").structure()
    (('binary-batch', 64), ('binary-batch', 64))
    """

    size: int = BATCH_SIZE
    tail: str = "light"

    def structure(self) -> tuple:
        return ("binary-batch", self.size)

    @staticmethod
    def build_model(structure: tuple):
        import pymc as pm
        import pytensor.tensor as pt

        _, size = structure
        with pm.Model() as model:
            d = BATCH_INPUTS.declare(width=2, size=size)
            n, events = d["counts"][:, 0], d["counts"][:, 1]
            link = d["link"][:, 0]
            logit = pt.eq(link, LINKS["logit"])
            cloglog = pt.eq(link, LINKS["cloglog"])
            u = pm.Flat("u", shape=size)
            # e^u only where it is used (a logit point far out would overflow it, and the
            # gradient of the branch not taken would be 0 * inf)
            eu = pt.exp(pt.switch(logit, 0.0, u))
            log_theta = pt.switch(
                logit, -pt.softplus(-u), pt.switch(cloglog, pt.log1mexp(-eu), -eu)
            )
            log_1m_theta = pt.switch(
                logit, -pt.softplus(u), pt.switch(cloglog, -eu, pt.log1mexp(-eu))
            )
            # log Jacobian: log theta + log(1 - theta) on the logit scale, u - e^u on the others
            shift = pt.switch(logit, 0.0, 1.0)
            log_jac = pt.switch(logit, 0.0, u - eu)
            log_comp = (
                d["log_w"]
                + (d["prior_a"] + events[:, None] - shift[:, None]) * log_theta[:, None]
                + (d["prior_b"] + (n - events)[:, None] - shift[:, None]) * log_1m_theta[:, None]
                - d["log_beta"]
            )
            pm.Potential("posterior", (pt.logsumexp(log_comp, axis=1) + log_jac).sum())
            pm.Deterministic("theta", pt.exp(log_theta))
        return model

    @staticmethod
    def values(endpoint, prior) -> dict:
        """The rows of :data:`BATCH_INPUTS` for one point."""
        rows = endpoint.input_values(prior)
        a, b = np.asarray(rows["prior_a"], float), np.asarray(rows["prior_b"], float)
        n, y = rows["counts"]
        with np.errstate(divide="ignore"):
            log_w = np.log(rows["prior_w"])
        return {
            "log_w": log_w,
            "prior_a": a,
            "prior_b": b,
            "log_beta": special.betaln(a, b),
            "counts": rows["counts"],
            "link": LINKS[batch_link(a + y, b + n - y)],
        }

    def model_inputs(self, points: list) -> dict:
        """The ``pm.Data`` value for ``points`` (``[(endpoint, prior), ...]``, at most ``size``)."""
        return BATCH_INPUTS.pack_batch(
            [self.values(ep, prior) for ep, prior in points], self.size, BATCH_PADDING
        )

    def draws(self, tree, n: int) -> dict:
        """``{"theta": DataArray (chain, draw, point)}`` of the first ``n`` points."""
        return {"theta": batch_dim(tree["posterior"]["theta"], n)}


def input_rows(prior: Beta | Mixture, n: int, events: int, posterior_mean: float) -> dict:
    """The rows of :data:`INPUTS`: a Beta (mixture) prior, ``events`` of ``n`` (``n = 0``: no
    data, the model samples the prior) and the side the posterior piles against (its mean
    above 1/2: near 1)."""
    w, comps = components_of(prior)
    return {
        "prior_w": np.asarray(w, dtype=float),
        "prior_a": [c.a for c in comps],
        "prior_b": [c.b for c in comps],
        "counts": [n, events],
        "piled_at_one": float(posterior_mean > 0.5),
    }


def batch_dim(draws, n: int):
    """A batched variable's last dimension as ``point``, cut to the first ``n`` points."""
    return draws.rename({draws.dims[-1]: "point"}).isel(point=slice(0, n))


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
class BinaryEndpoint(ScalarEndpoint):
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
    >>> ep.reference().p_value < 0.001
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
    parameter_description = "probability θ (proportion of patients)"
    parameter_symbol = "θ"

    def __post_init__(self):
        if not isinstance(self.data, Binary):
            raise DataError(f"needs Binary data, got {type(self.data).__name__}", field="data")
        if self.target is not None:
            object.__setattr__(self, "target", v.open_unit(self.target, "target"))
        v.one_of(self.direction, DIRECTIONS, "direction")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- priors -----------------------------------------------------------------------
    def check_prior(self, prior: object) -> None:
        _, comps = components_of(prior)
        if getattr(comps[0], "family", None) != self.prior_family:
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
    def structure(self, prior: Beta | Mixture) -> tuple:
        """The compile key: one compiled model serves every Beta (mixture) prior."""
        return (self.kind,)

    @staticmethod
    def build_model(structure: tuple):
        """The PyMC model, sampled on a complementary log-log scale; data and hyperparameters
        are the rows of its one ``pm.Data`` array (:data:`INPUTS`).

        The sampled :math:`c` maps to :math:`r = \\exp(-e^{c})`, the distance of :math:`\\theta`
        from the boundary its posterior piles against (``piled_at_one``: :math:`\\theta = 1 - r`
        when the posterior mean exceeds 1/2, else :math:`\\theta = r`). A Beta(A, B) posterior
        piled at 1 has density :math:`\\theta^{A-1} r^{B-1}` and :math:`|d\\theta/dc| = r e^c`,
        so on this scale

        .. math:: \\log p(c) = (A - 1)\\log(1 - e^{-e^c}) - B e^c + c + \\text{const}:

        a doubly exponential tail toward the pile (:math:`c \\to \\infty`) and an exponential
        one of rate :math:`A` away from it (:math:`1 - \\theta \\approx e^{c}`), light
        whenever the posterior piles at a boundary, however small :math:`B`. On the logit scale
        the tail toward the pile is exponential with rate :math:`B`: 12/12 under the Jeffreys
        prior is Beta(12.5, 0.5), a rate-0.5 tail in which NUTS's quantile ESS was optimistic.
        Over 1,000 fits of 2 x 500 draws the interval ends' tail-mass scores
        (:func:`bayes_trials.checks.tail_mass_z`) had sd 1.03 and 1.17 on the logit scale, 1.01
        and 1.04 on this one, and R-hat exceeded 1.01 in 35% of fits, 11% on this one (9/9:
        upper end sd 1.27 and 1.08 over 400 fits; ``scripts/binary_tail_z.py``). The prior mixture
        :math:`\\sum_k w_k \\text{Beta}(a_k, b_k)` and the likelihood ``Binomial(n, logit_p)``
        are written with :math:`\\log r = -e^c` and :math:`\\log(1 - r) =
        \\log(-\\operatorname{expm1}(-e^c))`, finite for any :math:`c` (``theta ~ Beta``
        would let ``log(1 - theta)`` overflow far in a tail, which nutpie reports as a
        divergence). The component rows have no fixed length, so one compile serves mixtures
        of any size and either boundary.
        """
        import pymc as pm
        import pytensor.tensor as pt

        with pm.Model() as model:
            d = INPUTS.declare()
            n = INPUTS.counts(d["counts"][0])
            events = INPUTS.counts(d["counts"][1])
            w, a, b = d["prior_w"], d["prior_a"], d["prior_b"]
            at_one = pt.gt(d["piled_at_one"][0], 0.5)
            c = pm.Flat("cloglog_theta")
            log_r = -pt.exp(c)
            log_1mr = pt.log(-pt.expm1(log_r))
            log_theta = pt.switch(at_one, log_1mr, log_r)
            log_1mtheta = pt.switch(at_one, log_r, log_1mr)
            log_beta_fn = pt.gammaln(a) + pt.gammaln(b) - pt.gammaln(a + b)
            log_comp = pt.log(w) + (a - 1) * log_theta + (b - 1) * log_1mtheta - log_beta_fn
            pm.Potential("prior", pt.logsumexp(log_comp) + log_r + c)
            pm.Deterministic("theta", pt.exp(log_theta))
            pm.Binomial("y", n=n, logit_p=log_theta - log_1mtheta, observed=events)
        return model

    def input_values(self, prior: Beta | Mixture) -> dict:
        """The rows of :data:`INPUTS` for this prior and these data."""
        self.check_prior(prior)
        return input_rows(prior, self.data.n, self.data.events, self.exact_posterior(prior).mean)

    def model_inputs(self, prior: Beta | Mixture) -> dict:
        """The value of the model's ``pm.Data`` for this prior and these data."""
        return INPUTS.pack(**self.input_values(prior))

    def batch(self, prior: Beta | Mixture) -> BinaryBatch:
        """The batched model that samples this endpoint under any Beta (mixture) prior as
        one point of many (:class:`BinaryBatch`, on the scale of :func:`batch_link`;
        ``tail="heavy"`` when posterior components have Beta parameters below 1 on both
        sides, ``a + y < 1`` and ``b + n - y < 1``)."""
        y, n = self.data.events, self.data.n
        _, comps = components_of(prior)
        a_post = [c.a + y for c in comps]
        b_post = [c.b + n - y for c in comps]
        heavy = batch_link(a_post, b_post) == "logit" and min(a_post + b_post) < 1
        return BinaryBatch(tail="heavy" if heavy else "light")

    def strata(self, prior: Beta | Mixture) -> list | None:
        """A Beta mixture's components with their exact posterior weights (see
        :meth:`bayes_trials.endpoints.base.Model.strata`); None for one Beta."""
        if not isinstance(prior, Mixture) or len(prior.components) < 2:
            return None
        post = update(prior, self.data)
        return list(zip(post.weights, prior.components))

    # --- exact and frequentist --------------------------------------------------------
    def exact_posterior(self, prior: Beta | Mixture) -> Beta | Mixture:
        """Beta-binomial conjugate posterior (a Beta, or a reweighted Beta mixture)."""
        self.check_prior(prior)
        return update(prior, self.data)

    def reference(self, level: float = CRED_LEVEL) -> BinomialReference:
        """Exact one-sided binomial test and Clopper-Pearson, Wilson, Jeffreys intervals."""
        k, n = self.data.events, self.data.n
        p_value = None
        if self.target is not None:
            p_value = float(stats.binomtest(k, n, self.target, alternative=self.direction).pvalue)
        intervals = {
            name: tuple(float(x) for x in proportion_confint(k, n, alpha=1 - level, method=method))
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

    # --- checks and report parts -------------------------------------------------------
    def reference_checks(
        self, ref: BinomialReference, fits: dict, level: float = CRED_LEVEL
    ) -> list[Check]:
        """Reference-prior posterior against frequentist intervals and the exact test.

        - the exact Jeffreys-prior Beta(k + 1/2, n - k + 1/2) ETI equals statsmodels' Jeffreys
          interval (identity, tolerance 1e-9);
        - the MCMC Jeffreys-prior ETI is within N_MCSE MCSE of it;
        - the Jeffreys interval lies inside the Clopper-Pearson interval (a theorem:
          Beta(k+1/2, n-k+1/2) is stochastically between Beta(k, n-k+1) and Beta(k+1, n-k));
        - the exact one-sided p-value equals the posterior tail under the limiting prior
          Beta(0, 1) ("greater") or Beta(1, 0) ("less"): P(X >= k | p0) = P(Beta(k, n-k+1) <= p0).
        """
        jeffreys_prior = self.reference_priors()["jeffreys"]
        jeffreys_row = next(
            (f.row for f in fits.values() if f.prior == jeffreys_prior and f.posterior is not None),
            None,
        )
        p = pct(level)
        k, n = ref.events, ref.n
        jl, jh = ref.intervals["jeffreys"]
        cl, ch = ref.intervals["clopper-pearson"]
        exact = Beta(k + 0.5, n - k + 0.5).interval(level, "eti")
        name = self.name
        out = []
        for end, ours, theirs in (("lower", exact[0], jl), ("upper", exact[1], jh)):
            diff = abs(ours - theirs)
            out.append(
                Check(
                    name,
                    KINDS[2],
                    f"Jeffreys-prior {p}% ETI {end} end (exact) vs Jeffreys interval",
                    ours,
                    theirs,
                    f"{EXACT_TOL:g}",
                    bool(diff <= EXACT_TOL),
                    f"difference {diff:.2g}",
                    prior="jeffreys",
                )
            )
        if jeffreys_row is not None:
            tail = (1 - level) / 2
            for end, prob, theirs in (("low", tail, jl), ("high", 1 - tail, jh)):
                out.append(
                    quantile_check(
                        self.name,
                        "jeffreys",
                        KINDS[2],
                        f"Jeffreys-prior {p}% ETI {'lower' if end == 'low' else 'upper'} end (MCMC) vs Jeffreys interval",
                        jeffreys_row,
                        end,
                        prob,
                        theirs,
                        level,
                    )
                )
        inside = cl <= jl + 1e-12 and jh <= ch + 1e-12
        out.append(
            Check(
                name,
                KINDS[2],
                f"Jeffreys {p}% interval inside Clopper-Pearson {p}% interval",
                None,
                None,
                "containment",
                bool(inside),
                f"Jeffreys [{jl:.4f}, {jh:.4f}] within Clopper-Pearson [{cl:.4f}, {ch:.4f}]"
                if inside
                else f"Jeffreys [{jl:.4f}, {jh:.4f}] not within [{cl:.4f}, {ch:.4f}]",
            )
        )
        out += self.weight_checks(fits)
        if ref.p_value is not None:
            p0 = ref.target
            if ref.alternative == "greater":
                limit = 1.0 if k == 0 else float(stats.beta.cdf(p0, k, n - k + 1))
                limit_name = "Beta(0, 1)"
            else:
                limit = 1.0 if k == n else float(stats.beta.sf(p0, k + 1, n - k))
                limit_name = "Beta(1, 0)"
            diff = abs(limit - ref.p_value)
            out.append(
                Check(
                    name,
                    KINDS[2],
                    f"exact one-sided p-value vs posterior tail under {limit_name}",
                    ref.p_value,
                    limit,
                    f"{EXACT_TOL:g}",
                    bool(diff <= EXACT_TOL * max(1, limit)),
                    f"p = {ref.p_value:.4g}; posterior tail {limit:.4g}",
                )
            )
        return out

    def weight_checks(self, fits: dict) -> list[Check]:
        """Each mixture prior's exact posterior weights against numerical integration.

        :math:`w_k' \\propto w_k \\int_0^1 \\text{Beta}(\\theta; a_k, b_k)\\,
        \\theta^y (1 - \\theta)^{n - y}\\, d\\theta` by ``scipy.integrate.quad``, a code path
        independent of the closed form :math:`B(a_k + y, b_k + n - y) / B(a_k, b_k)` of
        :func:`bayes_trials.update`. MCMC samples each component on its own and combines
        them with these weights (:meth:`strata`), so the weights are checked here, not by
        the sampler.
        """
        out = []
        y, n = self.data.events, self.data.n
        for name, fit in fits.items():
            prior = fit.prior
            if not isinstance(prior, Mixture) or len(prior.components) < 2:
                continue
            exact_w = np.asarray(fit.exact[self.parameter].weights)
            phat = y / n
            # the likelihood scaled to 1 at its maximum, so that no n underflows
            peak = special.xlogy(y, phat) + special.xlog1py(n - y, -phat)

            def integrand(t, c):
                loglik = special.xlogy(y, t) + special.xlog1py(n - y, -t) - peak  # noqa: B023 (used in this iteration)
                return float(np.exp(stats.beta.logpdf(t, c.a, c.b) + loglik))

            # the likelihood is negligible (below e^-800 of its peak) beyond 40 of its
            # standard deviations from y/n: integrate over that window, where it lives
            width = 40 * max(np.sqrt(phat * (1 - phat) / n), 1.0 / n)
            lo, hi = max(0.0, phat - width), min(1.0, phat + width)
            with warnings.catch_warnings():
                # quad's own estimate of its round-off; the comparison below is the test
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                ml = np.array(
                    [
                        integrate.quad(
                            integrand,
                            lo,
                            hi,
                            args=(c,),
                            limit=400,
                            epsabs=0,
                            epsrel=1e-12,
                            points=[x for x in (phat, c.mean) if lo < x < hi] or None,
                        )[0]
                        for c in prior.components
                    ]
                )
            quad_w = np.asarray(prior.weights) * ml
            quad_w = quad_w / quad_w.sum()
            diff = float(np.max(np.abs(exact_w - quad_w)))
            out.append(
                Check(
                    self.name,
                    KINDS[4],
                    "posterior mixture weights (exact) vs quadrature",
                    diff,
                    0.0,
                    "1e-8",
                    bool(diff <= 1e-8),
                    f"exact {'/'.join(f'{w:.4f}' for w in exact_w)}; by quadrature "
                    f"{'/'.join(f'{w:.4f}' for w in quad_w)}; the MCMC draws combine the "
                    "components with the exact weights",
                    prior=name,
                )
            )
        return out

    def frequentist_table(self, result: Any) -> pd.DataFrame:
        ref = result.reference
        rows = [{"quantity": "estimate (events / n)", "value": ref.estimate}]
        if ref.p_value is not None:
            rows.append(
                {
                    "quantity": f"exact binomial test, one-sided ({ref.alternative}) vs "
                    f"{ref.target:g}: p",
                    "value": ref.p_value,
                }
            )
        for method, (lo, hi) in ref.intervals.items():
            rows.append(
                {"quantity": f"{method} {pct(ref.level)}% CI", "value": f"{lo:.4f} to {hi:.4f}"}
            )
        return pd.DataFrame(rows).set_index("quantity")

    def observed_sentences(self, result: Any) -> list[str]:
        ref = result.reference
        out = [f"Observed {self.data.events} of {self.data.n} ({100 * ref.estimate:.1f}%)."]
        if ref.p_value is not None:
            out.append(
                f"Exact one-sided binomial test against {self.target:g}: p = {ref.p_value:.3g}."
            )
        return out

    def plot_range(self, result: Any) -> tuple[float, float]:
        return 0.0, 1.0

    def benchmark_table(self, result: Any) -> pd.DataFrame:
        """Each benchmark of the spec against the posterior, per prior, in the endpoint's direction.

        ``exact_prob``: P(theta beyond the benchmark rate) taken as a fixed number (exact;
        ``prob`` from the draws when sampled). Where the spec gives the benchmark's counts,
        ``exact_prob_vs_uncertain``: P(theta beyond theta_benchmark) with the benchmark's own
        uncertainty, its rate given the Jeffreys posterior Beta(events + 1/2, n - events + 1/2),
        by numerical integration (:func:`bayes_trials.prob_difference`).
        """
        rows = []
        sign = ">" if self.direction == "greater" else "<"
        for bm in result.spec.benchmarks if result.spec is not None else ():
            bench_post = (
                None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
            )
            for name, fit in result.fits.items():
                post = fit.exact[self.parameter]
                exact = post.sf(bm.value) if self.direction == "greater" else post.cdf(bm.value)
                row = {
                    "endpoint": self.name,
                    "benchmark": bm.name,
                    "comparison": f"P({self.parameter} {sign} {bm.value:g})",
                    "tag": bm.tag,
                    "prior_name": name,
                    "exact_prob": float(exact),
                }
                if fit.posterior is not None:
                    draws = fit.posterior["posterior"][self.parameter]
                    beyond = draws > bm.value if self.direction == "greater" else draws < bm.value
                    row["prob"] = float(beyond.mean())
                if bench_post is not None:
                    p_greater = prob_difference(post, bench_post, 0.0)
                    row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                    row["exact_prob_vs_uncertain"] = (
                        p_greater if self.direction == "greater" else 1 - p_greater
                    )
                rows.append(row)
        return pd.DataFrame(rows)

    def design(self, result: Any) -> Design | None:
        """The decision rule of the spec, with its exact boundaries and OCs (None without one)."""
        if result.spec is None or result.spec.decision is None:
            return None
        return design_endpoint(
            self, {n: f.prior for n, f in result.fits.items()}, result.spec.decision
        )

    def report_sections(self, result: Any) -> list:
        """The scalar parts, then the decision rule, its calibrated threshold and the interim
        futility look (exact operating characteristics) where the spec states a rule."""
        sections = super().report_sections(result)
        design = result.design
        if design is not None:
            ds = result.spec.decision
            p_note = "the exact one-sided binomial test in the last row"
            sections += [
                Part(
                    "Decision rule and operating characteristics",
                    design.table(),
                    caption=(
                        f"Rule: {design.rule} ({ds.tag}: {ds.rationale}). Per prior: the posterior probability and "
                        "the decision on the observed data; the decision boundary (fewest responders for "
                        "success, or most events for a harm) with n = "
                        f"{self.data.n}; the exact type I error at the target {design.target:g} and the power"
                        + (
                            f" at the alternative {design.alternative:g}"
                            if design.alternative is not None
                            else ""
                        )
                        + f"; {p_note}. Exact sums over the binomial distribution."
                    ),
                ),
                Part(
                    "Calibrated threshold",
                    design.calibration,
                    caption=(
                        f"The posterior-probability threshold that holds the one-sided type I error at {ds.alpha:g} "
                        f"at the target {design.target:g}, per prior, with its boundary and power."
                    ),
                ),
            ]
            if design.futility is not None:
                sections.append(
                    Part(
                        "Interim futility look",
                        design.futility.set_index(["prior_name", "truth"]),
                        caption=(
                            f"After {ds.interim} patients, stop for futility if the predictive "
                            f"probability of success is below {ds.futility:g} (Lee and Liu "
                            "2008): per prior and true rate, the probabilities of stopping, "
                            "of success and of failing at the end, and the expected sample "
                            "size."
                        ),
                    )
                )
        return sections


class BinaryTable(EndpointTable):
    """``kind = "binary"``: ``events`` of ``n`` patients, compared with a ``target`` rate."""

    kind: Literal["binary"] = Field(description='"binary".')
    events: SourcedNumber = Field(
        description="Patients with the outcome (responders, survivors, "
        "patients with the adverse event)."
    )
    n: SourcedNumber = Field(description="Patients analysed.")
    target: SourcedNumber | None = Field(
        None,
        description="The rate P(theta beyond target) is taken "
        "against (the trial's null, or a benchmark), in (0, 1).",
    )
    direction: Direction = Field(
        "greater",
        description='"greater" for benefits: P(theta > target); '
        '"less" for harms: P(theta < target).',
    )
    published: Published
    benchmarks: Benchmarks
    decision: DecisionTable | None = Field(
        None, description="A decision rule with its exact operating characteristics."
    )


def binary_from_spec(table: BinaryTable, defaults, name: str, base_dir=None):
    """A validated ``kind = "binary"`` table into ``(endpoint, provenance)``.

    >>> from bayes_trials.provenance import Defaults
    >>> t = BinaryTable.model_validate({"id": "r", "kind": "binary", "events": 9, "n": 12})
    >>> ep, prov = binary_from_spec(t, Defaults("published", "abstract"), "r")
    >>> ep.describe_data(), prov["n"].tag
    ('9/12', 'published')
    """
    events = defaults.sourced(table.events, "events")
    n = defaults.sourced(table.n, "n")
    target = defaults.sourced(table.target, "target", required=False)
    provenance = {"events": events, "n": n}
    if target is not None:
        provenance["target"] = target
    endpoint = BinaryEndpoint(
        name=name,
        data=Binary(events=events.value, n=n.value),
        target=None if target is None else target.value,
        direction=table.direction,
        label=table.label or name,
    )
    return endpoint, provenance


#: the registry entry of the kind
KIND = Kind(
    "binary",
    BinaryEndpoint,
    binary_from_spec,
    prior_family="beta",
    decisions=True,
    sensitivity=BetaGrid(),
    schema=BinaryTable,
)
