"""The survival models: what they share (data, groups, estimands) and the exponential model.

Data are per patient (:class:`~bayes_trials.TimeToEvent`): times :math:`t_i`, event
indicators :math:`\\delta_i`, optionally two groups. With :math:`h` the hazard and :math:`H`
the cumulative hazard every model has the right-censored likelihood

.. math:: \\log L = \\sum_i \\delta_i \\log h(t_i) - H(t_i),

which for piecewise-constant hazards is, up to a constant, a Poisson likelihood of the
events :math:`D_j` in each piece given the time at risk :math:`E_j` (the "Poisson trick"):
:math:`D_j \\sim \\text{Poisson}(\\lambda_j E_j)`. Two groups: proportional hazards, hazard
ratio "other group / reference group".

Estimands (the :class:`~bayes_trials.quantity.Quantity` s of every model, per group
``g``, ``"all"`` without groups): ``survival[g]`` :math:`S(t^*)` at the landmark, with
:math:`P(S(t^*) > s_0)` for a target :math:`s_0`; ``rmst[g]`` the restricted mean survival
time :math:`\\int_0^\\tau S(t)\\,dt`; ``median[g]``; and ``hazard_ratio[<other> / <reference>]``.

A model is an endpoint on its own (``bt.analyse(model, priors)``) and a model of
:class:`~bayes_trials.endpoints.survival.TimeToEventEndpoint`, whose priors are
:class:`~bayes_trials.endpoints.survival.SurvivalPrior` bundles: each model takes its part.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...conjugate import update
from ...data import TimeToEvent
from ...distributions import Gamma, Mixture, components_of
from ...errors import DataError
from ...fit import Inputs
from ...quantity import Quantity
from ...summaries import prior_columns
from ..base import Analysis, EndpointBase
from . import exact as ex
from .priors import VAGUE_HAZARD, SurvivalPrior, check_gamma
from .reference import SurvivalReference, compute_reference

#: the model's one ``pm.Data`` array: per group its events and exposure, the prior's
#: Gamma components, the landmark
EXPONENTIAL_INPUTS = Inputs(
    events=0.0, exposure=1.0, prior_w=0.0, prior_shape=1.0, prior_rate=1.0, landmark=1.0
)


def renamed_keywords(**renames):
    """Class decorator: accept each old keyword (``benchmark=``) for its new name (``target=``)
    for one release, with a :class:`DeprecationWarning`."""

    def wrap(cls):
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{cls.__name__}: give {new}=, not both {old}= and {new}=")
                    warnings.warn(
                        f"{cls.__name__}({old}=...) is deprecated; use {new}=...",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            init(self, *args, **kwargs)

        cls.__init__ = __init__
        return cls

    return wrap


def group_name(g) -> str:
    """A group label as quantity names and tables show it: ``"all"`` without groups."""
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return "all"
    return str(g)


def _flat(tree, var: str) -> np.ndarray:
    x = np.asarray(tree["posterior"][var])
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def _as_draws(tree, values):
    """Flat per-draw values as a DataArray over (chain, draw), shaped like the posterior."""
    da = next(iter(tree["posterior"].data_vars.values()))
    da = da.isel({d: 0 for d in da.dims if d not in ("chain", "draw")}, drop=True)
    return da.copy(
        data=np.asarray(values, dtype=float).reshape(da.sizes["chain"], da.sizes["draw"])
    )


@dataclass(frozen=True, eq=False)
class SurvivalModel(EndpointBase):
    """Fields, groups, estimands and protocol methods shared by the survival models.

    Parameters
    ----------
    name : str
    data : TimeToEvent
    landmark : float, optional
        Time :math:`t^*` at which survival is reported (e.g. 12 months).
    target : float in (0, 1), optional
        Target survival at the landmark (the null): :math:`P(S(t^*) > s_0)` is reported.
        (``benchmark=`` is the deprecated name.)
    horizon : float, optional
        RMST horizon :math:`\\tau`; defaults to the landmark.
    reference_group : label, optional
        The reference group (two groups); defaults to the first label in the data.
        (``reference=`` is the deprecated name.)
    label : str
    """

    name: str
    data: TimeToEvent
    landmark: float | None = None
    target: float | None = None
    horizon: float | None = None
    reference_group: object = None
    label: str = ""

    kind: ClassVar[str] = "time_to_event_model"
    model_name: ClassVar[str] = ""
    direction: ClassVar[str] = "greater"

    def __post_init__(self):
        if not isinstance(self.data, TimeToEvent):
            raise DataError(f"needs TimeToEvent data, got {type(self.data).__name__}", field="data")
        if self.landmark is not None:
            object.__setattr__(self, "landmark", v.positive(self.landmark, "landmark"))
        if self.target is not None:
            object.__setattr__(self, "target", v.open_unit(self.target, "target"))
            if self.landmark is None:
                raise DataError("a target S(landmark) needs a landmark", field="target")
        if self.horizon is not None:
            object.__setattr__(self, "horizon", v.positive(self.horizon, "horizon"))
        elif self.landmark is not None:
            object.__setattr__(self, "horizon", self.landmark)
        labels = self.data.groups
        if self.reference_group is not None:
            if self.reference_group not in labels:
                raise DataError(
                    f"reference group {self.reference_group!r} not among {list(labels)}",
                    field="reference_group",
                )
            labels = (self.reference_group,) + tuple(x for x in labels if x != self.reference_group)
        object.__setattr__(self, "_groups", labels)
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def benchmark(self):
        """Deprecated name of :attr:`target`."""
        warnings.warn("'benchmark' is deprecated; use 'target'", DeprecationWarning, stacklevel=2)
        return self.target

    # --- groups and quantities ----------------------------------------------------------
    @property
    def groups(self) -> tuple:
        """Group labels, the reference first (index 0 in the model); ``(None,)`` without groups."""
        return self._groups

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def _landmark_value(self) -> float:
        return float(self.landmark) if self.landmark is not None else 1.0

    def hr_name(self) -> str:
        """``"<other> / <reference>"``, the hazard ratio's group (two groups)."""
        return f"{self.groups[1]} / {self.groups[0]}"

    def quantities(self, prior=None) -> tuple[Quantity, ...]:
        """``survival[g]`` (with the target, if any), ``rmst[g]``, ``median[g]`` per group,
        then ``hazard_ratio[<other> / <reference>]`` for two groups."""
        out = []
        suffix = {g: "" if g is None else f" [{g}]" for g in self.groups}
        if self.landmark is not None:
            out += [
                Quantity(
                    f"survival[{group_name(g)}]",
                    f"S({self.landmark:g}){suffix[g]}",
                    target=self.target,
                    direction="greater",
                    in_check_names=True,
                )
                for g in self.groups
            ]
        if self.horizon is not None:
            out += [
                Quantity(
                    f"rmst[{group_name(g)}]",
                    f"RMST({self.horizon:g}){suffix[g]}",
                    in_check_names=True,
                )
                for g in self.groups
            ]
        out += [
            Quantity(f"median[{group_name(g)}]", f"median{suffix[g]}", in_check_names=True)
            for g in self.groups
        ]
        if self.n_groups == 2:
            out.append(
                Quantity(
                    f"hazard_ratio[{self.hr_name()}]",
                    f"hazard ratio {self.hr_name()}",
                    in_check_names=True,
                )
            )
        return tuple(out)

    def draws(self, tree) -> dict:
        """Each quantity's posterior draws, computed from the sampled parameters."""
        params = self._params(tree)
        out = {}
        for gi, g in enumerate(self.groups):
            gn = group_name(g)
            if self.landmark is not None:
                out[f"survival[{gn}]"] = _as_draws(
                    tree, np.exp(-self._cumhaz(params, self.landmark, gi))
                )
            if self.horizon is not None:
                out[f"rmst[{gn}]"] = _as_draws(tree, self._rmst(params, self.horizon, gi))
            out[f"median[{gn}]"] = _as_draws(tree, self._median(params, gi))
        if self.n_groups == 2:
            out[f"hazard_ratio[{self.hr_name()}]"] = _as_draws(tree, self._hr(params))
        return out

    def survival_draws(self, tree, t: float, group: int = 0) -> np.ndarray:
        """Posterior draws of :math:`S(t)` (flat) for group index ``group`` (0 = reference)."""
        return np.exp(-self._cumhaz(self._params(tree), float(t), group))

    # --- priors -------------------------------------------------------------------------
    def analyses(self, priors: dict) -> list[Analysis]:
        """On its own, a model has one analysis per prior, named after the prior."""
        return [
            Analysis(name, name, self, prior, self.model_name) for name, prior in priors.items()
        ]

    def part(self, prior):
        """This model's prior: the part of a :class:`SurvivalPrior` bundle, or ``prior`` itself."""
        return prior.for_model(self.model_name) if isinstance(prior, SurvivalPrior) else prior

    def typical_time(self) -> float:
        """The time scale of the vague priors: the landmark, else the median observed time."""
        return self.landmark if self.landmark is not None else float(np.median(self.data.time))

    def prior_summary(self, prior, exact: dict) -> dict:
        return prior_columns(self.part(prior))

    def diagnostics_label(self, prior) -> str:
        return "worst of " + ", ".join(q.label for q in self.quantities(prior))

    # --- data and frequentist reference -------------------------------------------------
    def describe_data(self) -> str:
        d = self.data
        g = "" if d.group is None else f", groups {list(self.groups)}"
        return f"{d.n} patients, {d.events} events, {d.exposure:.4g} time units at risk{g}"

    def reference(self, level: float = CRED_LEVEL) -> SurvivalReference:
        """Kaplan-Meier (Greenwood, log-log), exponential and Weibull fits; Cox, log-rank and
        the Weibull AFT for two groups (lifelines; see :class:`SurvivalReference`)."""
        level = v.open_unit(level, "level")
        return compute_reference(self.data, self.groups, self.landmark, self.horizon, level)

    def frequentist(self, level: float = CRED_LEVEL) -> SurvivalReference:
        """Deprecated name of :meth:`reference`."""
        warnings.warn(
            "frequentist() is deprecated; use reference()", DeprecationWarning, stacklevel=2
        )
        return self.reference(level)


# ---------------------------------------------------------------------------------------
# exponential
# ---------------------------------------------------------------------------------------
@renamed_keywords(benchmark="target", reference="reference_group")
@dataclass(frozen=True, eq=False)
class ExponentialSurvival(SurvivalModel):
    """Exponential survival: a constant hazard with a Gamma (mixture) prior; exact posterior.

    Parameters as :class:`SurvivalModel`. Prior: a ``Gamma`` or a ``Mixture`` of Gammas for
    each group's hazard (the same prior, independently, for each group), or a
    :class:`SurvivalPrior` (its ``exponential`` part).

    Notes
    -----
    .. math::

        \\lambda_g &\\sim \\sum_k w_k \\text{Gamma}(s_k, r_k) \\\\
        \\log L &= \\sum_g D_g \\log \\lambda_g - \\lambda_g E_g \\quad
        (D_g \\sim \\text{Poisson}(\\lambda_g E_g), \\text{ the Poisson trick})

    Exact posterior :math:`\\text{Gamma}(s + D_g, r + E_g)` (:func:`bayes_trials.update`).
    Estimands: :math:`S(t^*) = e^{-\\lambda t^*}`, RMST :math:`(1 - e^{-\\lambda\\tau})/\\lambda`,
    median :math:`\\log 2/\\lambda`, hazard ratio :math:`\\lambda_1/\\lambda_0`, each with
    its exact posterior (:mod:`bayes_trials.endpoints.survival.exact`).

    A Gamma(1, :math:`t^*`) prior on :math:`\\lambda` is the uniform prior on
    :math:`S(t^*)` (its density :math:`\\propto s^{r/t^* - 1}`): with everyone followed
    exactly to :math:`t^*` and no events, the posterior of :math:`S(t^*)` is
    :math:`\\text{Beta}(n + 1, 1)`, the binary endpoint's answer under Beta(1, 1).

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.ExponentialSurvival("hsct_free_survival", bt.TimeToEvent([12.0] * 9, [0] * 9),
    ...                             landmark=12.0, target=0.39)
    >>> ep.exact_posterior(bt.Gamma(1, 12))
    Gamma(shape=1, rate=120)
    >>> s12 = ep.exact(bt.Gamma(1, 12))["survival[all]"]      # Beta(10, 1)
    >>> round(float(s12.sf(0.39)), 6)                          # 1 - 0.39**10
    0.999919
    """

    kind: ClassVar[str] = "time_to_event_exponential"
    model_name: ClassVar[str] = "exponential"
    prior_family: ClassVar[str] = "gamma"

    def check_prior(self, prior: object) -> None:
        check_gamma(self.part(prior))

    def reference_priors(self) -> dict:
        """``uniform_landmark``: Gamma(1, landmark), uniform on S(landmark) (with a landmark);
        ``vague``: Gamma(1/2, 0.001)."""
        out = (
            {} if self.landmark is None else {"uniform_landmark": Gamma(1.0, float(self.landmark))}
        )
        out["vague"] = VAGUE_HAZARD
        return out

    def structure(self, prior: SurvivalPrior | Gamma | Mixture) -> tuple:
        return (self.kind, self.n_groups)

    @staticmethod
    def build_model(structure: tuple):
        """PyMC model on the log-hazard scale; data and hyperparameters are the rows of one
        ``pm.Data`` array (:data:`EXPONENTIAL_INPUTS`).

        With :math:`x = \\log\\lambda`, the Gamma-mixture prior density (Jacobian included)
        is :math:`\\sum_k w_k r_k^{s_k} e^{s_k x - r_k e^x}/\\Gamma(s_k)`; the likelihood is
        the Poisson trick on the sufficient statistics :math:`(D_g, E_g)`.
        """
        import pymc as pm
        import pytensor.tensor as pt

        _, n_groups = structure
        rows = EXPONENTIAL_INPUTS
        with pm.Model() as model:
            d = rows.declare(width=n_groups)
            # the groups' columns (the array is wider when the prior has more components)
            events = d["events"][:n_groups]
            exposure = d["exposure"][:n_groups]
            w, s, r = d["prior_w"], d["prior_shape"], d["prior_rate"]
            landmark = d["landmark"][0]
            x = pm.Flat("log_hazard", shape=n_groups)
            log_comp = (
                (pt.log(w) + s * pt.log(r) - pt.gammaln(s))[None, :]
                + s[None, :] * x[:, None]
                - r[None, :] * pt.exp(x)[:, None]
            )
            pm.Potential("prior", pt.logsumexp(log_comp, axis=1).sum())
            lam = pt.exp(x)
            pm.Poisson("events_obs", mu=exposure * lam, observed=events)
            if n_groups == 1:
                pm.Deterministic("hazard", lam[0])
                pm.Deterministic("survival_landmark", pt.exp(-lam[0] * landmark))
            else:
                pm.Deterministic("hazard", lam)
                pm.Deterministic("survival_landmark", pt.exp(-lam * landmark))
                pm.Deterministic("hazard_ratio", lam[1] / lam[0])
        return model

    def model_inputs(self, prior: SurvivalPrior | Gamma | Mixture) -> dict:
        self.check_prior(prior)
        w, comps = components_of(self.part(prior))
        subs = [self.data.subset(g) for g in self.groups]
        return EXPONENTIAL_INPUTS.pack(
            events=[s.events for s in subs],
            exposure=[s.exposure for s in subs],
            prior_w=w,
            prior_shape=[c.shape for c in comps],
            prior_rate=[c.rate for c in comps],
            landmark=self._landmark_value(),
        )

    # --- exact --------------------------------------------------------------------------
    def hazard_posteriors(self, prior: SurvivalPrior | Gamma | Mixture) -> dict:
        """Group label -> Gamma (mixture) posterior of its hazard."""
        self.check_prior(prior)
        part = self.part(prior)
        return {g: update(part, self.data.subset(g)) for g in self.groups}

    def exact_posterior(self, prior: SurvivalPrior | Gamma | Mixture) -> Gamma | Mixture | dict:
        """The hazard's Gamma (mixture) posterior; a dict ``{group: posterior}`` for two groups."""
        posts = self.hazard_posteriors(prior)
        return posts[None] if self.n_groups == 1 else posts

    def exact(self, prior: SurvivalPrior | Gamma | Mixture) -> dict:
        """Every quantity's exact posterior: monotone transforms of the Gamma hazard, and the
        scaled-F hazard ratio (:mod:`bayes_trials.endpoints.survival.exact`)."""
        posts = self.hazard_posteriors(prior)
        out = {}
        for g in self.groups:
            gn, post = group_name(g), posts[g]
            if self.landmark is not None:
                out[f"survival[{gn}]"] = ex.survival_at(post, self.landmark)
            if self.horizon is not None:
                out[f"rmst[{gn}]"] = ex.rmst_to(post, self.horizon)
            out[f"median[{gn}]"] = ex.median_of(post)
        if self.n_groups == 2:
            out[f"hazard_ratio[{self.hr_name()}]"] = ex.hazard_ratio(
                posts[self.groups[1]], posts[self.groups[0]]
            )
        return out

    # --- estimands from draws -----------------------------------------------------------
    def _params(self, tree) -> dict:
        lam = _flat(tree, "hazard")
        return {"hazard": lam.reshape(lam.shape[0], -1)}

    def _cumhaz(self, params, t, g):
        return params["hazard"][:, g] * t

    def _rmst(self, params, tau, g):
        lam = params["hazard"][:, g]
        return -np.expm1(-lam * tau) / lam

    def _median(self, params, g):
        return math.log(2) / params["hazard"][:, g]

    def _hr(self, params):
        return params["hazard"][:, 1] / params["hazard"][:, 0]
