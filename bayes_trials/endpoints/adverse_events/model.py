"""The models of an adverse-event table: each event on its own, and the three-level hierarchy.

Independent analysis of one event (:class:`EventModel`)
-------------------------------------------------------
Event :math:`j` alone is a binary endpoint, :math:`y_j \\sim \\text{Binomial}(n_j, \\theta_j)`
under a Beta (mixture) prior: its exact posterior is conjugate and its sampled posterior
is the binary endpoint's PyMC model (one compile serves every event and every binary
endpoint; :class:`~bayes_trials.endpoints.binary.BinaryEndpoint`).

Hierarchical model (:class:`HierarchicalModel`; Berry and Berry 2004, non-centred)
---------------------------------------------------------------------------------
For event :math:`j` of group (body system) :math:`g[j]`:

.. math::

    y_j &\\sim \\text{Binomial}(n_j, \\operatorname{logit}^{-1} x_j), &
    x_j &= \\gamma_{g[j]} + \\sigma_{g[j]}\\, z_j, & z_j &\\sim N(0, 1)\\\\
    \\gamma_g &= \\mu + \\tau\\, u_g, & u_g &\\sim N(0, 1), &
    \\mu &\\sim N(m_0, s_0^2)\\\\
    \\sigma_g &\\sim \\text{Half-Normal}(c_\\sigma) \\text{ or Half-Cauchy}(c_\\sigma), &
    \\tau &\\sim \\text{Half-Normal}(c_\\tau) \\text{ or Half-Cauchy}(c_\\tau) &&

so :math:`x_j \\mid \\gamma, \\sigma \\sim N(\\gamma_{g[j]}, \\sigma_{g[j]}^2)` (events of a
group resemble each other) and :math:`\\gamma_g \\sim N(\\mu, \\tau^2)` (groups resemble each
other). Either scale may instead be fixed at a value, which gives the limiting cases:
:math:`\\sigma \\to 0` pools the events of a group, :math:`\\sigma \\to \\infty` analyses them
independently. Estimands: each event's rate :math:`\\theta_j = \\operatorname{logit}^{-1} x_j`
(quantity ``<term>``) and each group's rate :math:`\\operatorname{logit}^{-1}\\gamma_g`
(quantity ``group_rate[<group>]``). It has no closed form (:meth:`HierarchicalModel.exact`
is empty); it is checked by its limiting cases against grid integration (tests) and by
simulation (``scripts/ae_coverage.py``).

Berry and Berry use a within-group variance per body system with a common inverse-gamma
prior; here each group has its own :math:`\\sigma_g` under a common half-normal or
half-Cauchy prior (Gelman 2006). **A group with one event** is allowed: its
:math:`\\sigma_g` is then informed by its prior alone, and the event's logit is, marginally,
:math:`N(\\mu, \\tau^2 + \\sigma_g^2)`: it is shrunk toward the overall mean :math:`\\mu`
(learnt from the other groups) by an amount the two scale priors set, not toward other
events of its own group. A table with a single group is allowed too; :math:`\\mu` and
:math:`\\tau` then add prior variance only.

Compiling: the number of events and groups fix the number of free parameters, so the model
is padded to size classes (8, 16, 32, ... events; 4, 8, 16, ... groups); padded events have
:math:`n = 0` and padded groups no events, so they sample their priors and are dropped from
every output (:meth:`HierarchicalModel.tidy_posterior`). One compile serves every table of a
size class and every prior (the data, the hyperparameters, the scale families and the fixed
values are rows of its one ``pm.Data`` array).

References
----------
Berry SM, Berry DA. Accounting for multiplicities in assessing drug safety: a three-level
hierarchical mixture model. Biometrics 2004;60:418-26. doi:10.1111/j.0006-341X.2004.00186.x

Gelman A. Prior distributions for variance parameters in hierarchical models. Bayesian
Analysis 2006;1:515-34. doi:10.1214/06-BA117A

Example
-------
>>> from bayes_trials.data import AdverseEventTable
>>> table = AdverseEventTable([("CRS", "immune effector", 11, 12),
...                            ("ICANS", "immune effector", 0, 12)])
>>> model = HierarchicalModel(table)
>>> model.structure(HierarchicalAEPrior()), model.exact(HierarchicalAEPrior())
(('adverse_events', 8, 4), {})
>>> [q.name for q in model.quantities(HierarchicalAEPrior())]
['CRS', 'ICANS', 'group_rate[immune effector]']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...data import AdverseEventTable
from ...errors import PriorError
from ...fit import Inputs
from ...quantity import Quantity
from ..base import ModelBase
from ..binary import BinaryEndpoint
from .priors import HierarchicalAEPrior, scale_code

#: smallest padded sizes of the hierarchical model (events, groups)
MIN_EVENTS, MIN_GROUPS = 8, 4
#: the hierarchical model's one ``pm.Data`` array: per event (padded) its count, its number of
#: patients and its group's index; then the hyperparameters, a row each
INPUTS = Inputs(
    y=0.0,
    n=0.0,
    group=0.0,
    mu_mean=0.0,
    mu_sd=2.0,
    tau_cauchy=0.0,
    tau_scale=1.0,
    tau_fixed=0.0,
    tau_value=1.0,
    sigma_cauchy=0.0,
    sigma_scale=1.0,
    sigma_fixed=0.0,
    sigma_value=1.0,
)
#: the hierarchical model's compile key starts with this
STRUCTURE = "adverse_events"


def size_class(k: int, minimum: int) -> int:
    """The padded size: the next power of two at or above ``k``, at least ``minimum``."""
    return max(minimum, 1 << max(0, math.ceil(math.log2(max(k, 1)))))


def group_rate_name(group: str) -> str:
    """The quantity name of a group's rate in the hierarchical model."""
    return f"group_rate[{group}]"


def event_quantity(term: str) -> Quantity:
    """An event's rate: a harm (direction ``less``), named by its term in checks."""
    return Quantity(term, direction="less", in_check_names=True)


# --- each event on its own ------------------------------------------------------------------
@dataclass(frozen=True)
class EventModel(ModelBase):
    """One event's independent analysis: the binary endpoint of its count, one quantity (the
    event's term). ``binary`` is named ``<endpoint>/<term>``."""

    term: str
    binary: BinaryEndpoint

    def quantities(self, prior) -> tuple[Quantity, ...]:
        return (event_quantity(self.term),)

    def exact(self, prior) -> dict:
        return {self.term: self.binary.exact_posterior(prior)}

    def structure(self, prior):
        return self.binary.structure(prior)

    def build_model(self, structure):
        return self.binary.build_model(structure)

    def model_inputs(self, prior) -> dict:
        return self.binary.model_inputs(prior)

    def draws(self, tree) -> dict:
        return {self.term: tree["posterior"][self.binary.parameter]}

    def target_accept(self, prior) -> float:
        return self.binary.target_accept(prior)

    def prior_summary(self, prior, exact: dict) -> dict:
        return self.binary.prior_summary(prior, {self.binary.parameter: exact[self.term]})

    def diagnostics_label(self, prior) -> str:
        return self.term


# --- the hierarchy -------------------------------------------------------------------------
def _scale_logp(pt, log_s, is_cauchy, scale):
    """Log density of log(s) for s ~ half-normal / half-Cauchy(scale) (Jacobian included)."""
    s = pt.exp(log_s)
    lp_normal = 0.5 * np.log(2 / np.pi) - pt.log(scale) - 0.5 * (s / scale) ** 2
    lp_cauchy = np.log(2 / np.pi) - pt.log(scale) - pt.log1p((s / scale) ** 2)
    return pt.switch(pt.gt(is_cauchy, 0.5), lp_cauchy, lp_normal) + log_s


@dataclass(frozen=True)
class HierarchicalModel(ModelBase):
    """The three-level model of a table (see the module notes) under a :class:`HierarchicalAEPrior`."""

    table: AdverseEventTable

    def check_prior(self, prior) -> None:
        if not isinstance(prior, HierarchicalAEPrior):
            raise PriorError(
                f"the hierarchical model takes a HierarchicalAEPrior, got {prior!r}", field="prior"
            )

    def quantities(self, prior) -> tuple[Quantity, ...]:
        """Each event's rate, then each group's rate."""
        return (
            *(event_quantity(t) for t in self.table.terms),
            *(
                Quantity(group_rate_name(g), label=f"group rate [{g}]", in_check_names=True)
                for g in self.table.groups
            ),
        )

    def exact(self, prior) -> dict:
        """Empty: the hierarchical posterior has no closed form."""
        return {}

    def structure(self, prior) -> tuple:
        """The compile key: the padded numbers of events and groups (size classes)."""
        return (
            STRUCTURE,
            size_class(len(self.table), MIN_EVENTS),
            size_class(len(self.table.groups), MIN_GROUPS),
        )

    @staticmethod
    def build_model(structure: tuple):
        """The non-centred three-level model, padded to ``structure``'s sizes; data and
        hyperparameters are the rows of its one ``pm.Data`` array (:data:`INPUTS`).

        The scales are sampled on the log scale with their log densities (half-normal or
        half-Cauchy, chosen by a ``pm.Data`` switch) added as potentials; a scale marked
        fixed takes its fixed value and its sampled twin is left to its prior, unused.
        """
        import pymc as pm
        import pytensor.tensor as pt

        _, n_events, n_groups = structure
        with pm.Model() as model:
            d = INPUTS.declare(width=n_events)
            y = INPUTS.counts(d["y"])
            n = INPUTS.counts(d["n"])
            group = INPUTS.counts(d["group"])
            mu_mean, mu_sd = d["mu_mean"][0], d["mu_sd"][0]
            tau_cauchy, tau_scale = d["tau_cauchy"][0], d["tau_scale"][0]
            tau_fixed, tau_value = d["tau_fixed"][0], d["tau_value"][0]
            sigma_cauchy, sigma_scale = d["sigma_cauchy"][0], d["sigma_scale"][0]
            sigma_fixed, sigma_value = d["sigma_fixed"][0], d["sigma_value"][0]

            mu_z = pm.Normal("mu_z", 0.0, 1.0)
            mu = pm.Deterministic("mu", mu_mean + mu_sd * mu_z)
            log_tau = pm.Flat("log_tau")
            pm.Potential("tau_prior", _scale_logp(pt, log_tau, tau_cauchy, tau_scale))
            tau = pm.Deterministic(
                "tau", pt.switch(pt.gt(tau_fixed, 0.5), tau_value, pt.exp(log_tau))
            )
            u = pm.Normal("group_z", 0.0, 1.0, shape=n_groups)
            gamma = pm.Deterministic("group_logit", mu + tau * u)
            log_sigma = pm.Flat("log_sigma", shape=n_groups)
            pm.Potential("sigma_prior", _scale_logp(pt, log_sigma, sigma_cauchy, sigma_scale).sum())
            sigma = pm.Deterministic(
                "sigma", pt.switch(pt.gt(sigma_fixed, 0.5), sigma_value, pt.exp(log_sigma))
            )
            z = pm.Normal("event_z", 0.0, 1.0, shape=n_events)
            x = pm.Deterministic("logit_theta", gamma[group] + sigma[group] * z)
            pm.Deterministic("theta", pt.sigmoid(x))
            pm.Deterministic("group_rate", pt.sigmoid(gamma))
            pm.Deterministic("overall_rate", pt.sigmoid(mu))
            pm.Binomial("events", n=n, logit_p=x, observed=y)
        return model

    def model_inputs(self, prior) -> dict:
        """The value of the model's ``pm.Data`` (:data:`INPUTS`), padded to the size class."""
        self.check_prior(prior)
        _, n_events, _ = self.structure(prior)
        k = len(self.table)

        def pad(a):
            return np.concatenate([a, np.zeros(n_events - k, dtype=a.dtype)])

        tc, ts, tf, tv = scale_code(prior.tau, "tau")
        sc, ss, sf, sv = scale_code(prior.sigma, "sigma")
        return INPUTS.pack(
            y=pad(self.table.counts),
            n=pad(self.table.n),
            group=pad(self.table.group_index),
            mu_mean=float(prior.mu.mean),
            mu_sd=float(prior.mu.sd),
            tau_cauchy=tc,
            tau_scale=ts,
            tau_fixed=tf,
            tau_value=tv,
            sigma_cauchy=sc,
            sigma_scale=ss,
            sigma_fixed=sf,
            sigma_value=sv,
        )

    def named(self, tree):
        """The posterior draws without padding, with named coordinates (an ``xarray.Dataset``).

        Variables: ``theta`` and ``logit_theta`` (dim ``term``), ``group_rate``,
        ``group_logit`` and ``sigma`` (dim ``group``), ``overall_rate``, ``mu``, ``tau``.
        ``tree`` is a sampled tree (padded) or one already tidied.
        """
        import xarray as xr

        post = tree["posterior"]
        if "term" in post["theta"].dims:
            return post.to_dataset() if hasattr(post, "to_dataset") else post
        k, g = len(self.table), len(self.table.groups)
        out = {}
        for var, dim, size, coords in (
            ("theta", "term", k, self.table.terms),
            ("logit_theta", "term", k, self.table.terms),
            ("group_rate", "group", g, self.table.groups),
            ("group_logit", "group", g, self.table.groups),
            ("sigma", "group", g, self.table.groups),
        ):
            arr = np.asarray(post[var])[..., :size]
            out[var] = xr.DataArray(arr, dims=("chain", "draw", dim), coords={dim: list(coords)})
        for var in ("overall_rate", "mu", "tau"):
            out[var] = xr.DataArray(np.asarray(post[var]), dims=("chain", "draw"))
        return xr.Dataset(out)

    def draws(self, tree) -> dict:
        """Quantity name -> draws over (chain, draw): each event's and each group's rate."""
        ds = self.named(tree)
        out = {t: ds["theta"].sel(term=t, drop=True) for t in self.table.terms}
        out.update(
            {
                group_rate_name(g): ds["group_rate"].sel(group=g, drop=True)
                for g in self.table.groups
            }
        )
        return out

    def tidy_posterior(self, tree):
        """What a result keeps: :meth:`named` draws and the sampler statistics."""
        import xarray as xr

        groups = {"/posterior": self.named(tree)}
        if "sample_stats" in tree.children:
            st = tree["sample_stats"].to_dataset()
            groups["/sample_stats"] = st[
                [k for k in ("diverging", "step_size", "n_steps", "energy") if k in st]
            ]
        return xr.DataTree.from_dict(groups)

    def diagnostics_label(self, prior) -> str:
        return "event and group rates"
