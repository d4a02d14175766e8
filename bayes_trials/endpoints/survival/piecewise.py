"""The piecewise-exponential survival model: random-walk log hazards; sampled, no closed form."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ... import _validate as v
from ...data import TimeToEvent
from ...errors import DataError, PriorError
from ...fit import Inputs
from .model import SurvivalModel, _flat, renamed_keywords
from .priors import PiecewisePrior, SurvivalPrior

#: the model's one ``pm.Data`` array: per piece the events and exposure of each group, the
#: pieces' lower ends and widths; the priors and the landmark (a row each)
PIECEWISE_INPUTS = Inputs(
    events_0=0.0,
    events_1=0.0,
    exposure_0=1.0,
    exposure_1=1.0,
    lower=0.0,
    width=1.0,
    log_hazard_mean=0.0,
    log_hazard_sd=1.0,
    smoothing=0.5,
    log_hr_mean=0.0,
    log_hr_sd=1.0,
    landmark=1.0,
)


def quantile_cuts(data: TimeToEvent, n_pieces: int) -> tuple[float, ...]:
    """Interior cut points at the quantiles :math:`j/J` of the observed event times.

    >>> import bayes_trials as bt
    >>> quantile_cuts(bt.TimeToEvent([1, 2, 3, 4, 5, 6], [1] * 6), 2)
    (3.5,)
    """
    n_pieces = v.count(n_pieces, "n_pieces")
    if n_pieces < 1:
        raise DataError("needs at least one piece", field="n_pieces")
    times = data.time[data.event == 1]
    if times.size == 0:
        times = data.time
    cuts = np.quantile(times, np.arange(1, n_pieces) / n_pieces)
    cuts = np.unique(cuts[cuts > 0])
    return tuple(float(c) for c in cuts)


def piece_statistics(data: TimeToEvent, cuts, label=None) -> tuple[np.ndarray, np.ndarray]:
    """Events :math:`D_j` and time at risk :math:`E_j` in each piece :math:`[c_{j-1}, c_j)`.

    >>> import bayes_trials as bt
    >>> piece_statistics(bt.TimeToEvent([1.0, 3.0], [1, 0]), (2.0,))
    (array([1., 0.]), array([3., 1.]))
    """
    sub = data.subset(label) if data.group is not None else data
    edges = np.r_[0.0, np.asarray(cuts, dtype=float), np.inf]
    lo, hi = edges[:-1], edges[1:]
    t = sub.time[:, None]
    exposure = np.clip(np.minimum(t, hi) - lo, 0.0, None).sum(axis=0)
    piece = np.searchsorted(edges, sub.time, side="right") - 1
    events = np.bincount(piece[sub.event == 1], minlength=lo.size).astype(float)
    return events, exposure


@renamed_keywords(benchmark="target", reference="reference_group")
@dataclass(frozen=True, eq=False)
class PiecewiseExponentialSurvival(SurvivalModel):
    """Piecewise-exponential survival with a random-walk smoothing prior on the log hazards.

    Parameters as :class:`~bayes_trials.endpoints.survival.model.SurvivalModel`, plus

    cuts : sequence of float, optional
        Interior cut points (increasing, > 0). Without them, ``n_pieces`` pieces cut at
        quantiles of the observed event times (:func:`quantile_cuts`, all groups pooled).
    n_pieces : int, default 4

    The prior is a :class:`PiecewisePrior` (or a :class:`SurvivalPrior`, its ``piecewise`` part).

    Notes
    -----
    With pieces :math:`[c_{j-1}, c_j)`, :math:`j = 1..J` (:math:`c_0 = 0`, :math:`c_J = \\infty`):

    .. math::

        \\alpha_1 &\\sim N(m, s^2), \\quad \\tau \\sim \\text{HalfNormal}(\\phi), \\quad
        \\alpha_j = \\alpha_{j-1} + \\tau z_j,\\ z_j \\sim N(0, 1) \\\\
        \\log \\lambda_{gj} &= \\alpha_j + \\beta x_g, \\quad \\beta \\sim N(m_\\beta, s_\\beta^2) \\\\
        D_{gj} &\\sim \\text{Poisson}(\\lambda_{gj} E_{gj}) \\quad \\text{(the Poisson trick)}

    Estimands: :math:`S(t) = \\exp(-\\sum_j \\lambda_j |[c_{j-1}, c_j) \\cap [0, t)|)`,
    RMST and median in closed form piece by piece, hazard ratio :math:`e^\\beta`. No exact
    posterior.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.PiecewiseExponentialSurvival("efs", bt.TimeToEvent([1, 2, 5, 8], [1, 1, 0, 1]), cuts=(3.0,))
    >>> ep.cuts, ep.n_pieces
    ((3.0,), 2)
    """

    cuts: tuple | None = None
    n_pieces: int = 4

    kind: ClassVar[str] = "time_to_event_piecewise"
    model_name: ClassVar[str] = "piecewise"
    prior_family: ClassVar[str] = "piecewise"

    def __post_init__(self):
        super().__post_init__()
        if self.cuts is None:
            cuts = quantile_cuts(self.data, self.n_pieces)
        else:
            cuts = tuple(v.positive(c, "cuts") for c in np.atleast_1d(self.cuts))
            if any(b <= a for a, b in zip(cuts, cuts[1:])):
                raise DataError(f"cut points must increase, got {list(cuts)}", field="cuts")
        object.__setattr__(self, "cuts", cuts)
        object.__setattr__(self, "n_pieces", len(cuts) + 1)

    def check_prior(self, prior: object) -> None:
        if not isinstance(self.part(prior), PiecewisePrior):
            raise PriorError(
                f"a piecewise endpoint takes a PiecewisePrior, got {prior!r}", field="prior"
            )

    def reference_priors(self) -> dict:
        """``vague``: :meth:`PiecewisePrior.vague` at the landmark (else the median time)."""
        return {"vague": PiecewisePrior.vague(self.typical_time())}

    def exact(self, prior: SurvivalPrior | PiecewisePrior) -> dict:
        """No closed form (the smoothing prior couples the pieces): ``{}``."""
        return {}

    def structure(self, prior: SurvivalPrior | PiecewisePrior) -> tuple:
        return (self.kind, self.n_pieces, self.n_groups)

    @staticmethod
    def build_model(structure: tuple):
        """PyMC model on the per-piece sufficient statistics; data, cut points and priors
        are the rows of one ``pm.Data`` array (:data:`PIECEWISE_INPUTS`)."""
        import pymc as pm
        import pytensor.tensor as pt

        _, n_pieces, n_groups = structure
        with pm.Model() as model:
            d = PIECEWISE_INPUTS.declare(width=n_pieces)
            events = pt.stack([d[f"events_{g}"][:n_pieces] for g in range(n_groups)])
            exposure = pt.stack([d[f"exposure_{g}"][:n_pieces] for g in range(n_groups)])
            lower = d["lower"][:n_pieces]
            width = d["width"][:n_pieces]
            landmark = d["landmark"][0]
            a1 = pm.Normal("log_hazard_first", d["log_hazard_mean"][0], d["log_hazard_sd"][0])
            if n_pieces > 1:
                tau = pm.HalfNormal("smoothing_sd", sigma=d["smoothing"][0])
                z = pm.Normal("rw_innovation", 0.0, 1.0, shape=n_pieces - 1)
                alpha = pt.concatenate([a1[None], a1 + pt.cumsum(tau * z)])
            else:
                alpha = a1[None]
            alpha = pm.Deterministic("log_hazard", alpha)
            if n_groups == 2:
                beta = pm.Normal("log_hr", d["log_hr_mean"][0], d["log_hr_sd"][0])
                pm.Deterministic("hazard_ratio", pt.exp(beta))
                shift = pt.stack([0.0 * beta, beta])
            else:
                shift = pt.zeros(1)
            log_h = alpha[None, :] + shift[:, None]
            pm.Potential("loglik", pt.sum(events * log_h - exposure * pt.exp(log_h)))
            overlap = pt.clip(landmark - lower, 0.0, width)
            cum = pt.sum(pt.exp(log_h) * overlap[None, :], axis=1)
            surv = pt.exp(-cum)
            pm.Deterministic("survival_landmark", surv[0] if n_groups == 1 else surv)
        return model

    @property
    def edges(self) -> np.ndarray:
        return np.r_[0.0, np.asarray(self.cuts, dtype=float), np.inf]

    def model_inputs(self, prior: SurvivalPrior | PiecewisePrior) -> dict:
        self.check_prior(prior)
        prior = self.part(prior)
        stats_ = [piece_statistics(self.data, self.cuts, g) for g in self.groups]
        edges = self.edges
        two = self.n_groups == 2
        events = [np.asarray(d, dtype=float) for d, _ in stats_]
        exposure = [np.asarray(e, dtype=float) for _, e in stats_]
        return PIECEWISE_INPUTS.pack(
            events_0=events[0],
            events_1=events[1] if two else 0.0,
            exposure_0=exposure[0],
            exposure_1=exposure[1] if two else 1.0,
            lower=edges[:-1],
            width=np.diff(edges),
            landmark=self._landmark_value(),
            log_hazard_mean=prior.log_hazard.mean,
            log_hazard_sd=prior.log_hazard.sd,
            smoothing=float(prior.smoothing.scale) if self.n_pieces > 1 else 0.5,
            log_hr_mean=prior.log_hr.mean if two else 0.0,
            log_hr_sd=prior.log_hr.sd if two else 1.0,
        )

    # --- estimands from draws -----------------------------------------------------------
    def _params(self, tree) -> dict:
        alpha = _flat(tree, "log_hazard")
        beta = _flat(tree, "log_hr") if self.n_groups == 2 else np.zeros(alpha.shape[0])
        return {"hazard": np.exp(alpha), "log_hr": beta}

    def _group_hazard(self, params, g):
        return params["hazard"] * np.exp(params["log_hr"] * g)[:, None]

    def _cumhaz(self, params, t, g):
        edges = self.edges
        t = np.asarray(t, dtype=float)
        overlap = np.clip(t[..., None] - edges[:-1], 0.0, np.diff(edges))  # (..., J)
        lam = self._group_hazard(params, g)  # (S, J)
        if t.ndim == 0:
            return lam @ overlap
        return lam @ overlap.T

    def _rmst(self, params, tau, g):
        edges = self.edges
        lam = self._group_hazard(params, g)
        lo = edges[:-1]
        width = np.clip(tau - lo, 0.0, np.diff(edges))  # time spent in each piece before tau
        h_start = np.concatenate(
            [
                np.zeros((lam.shape[0], 1)),
                np.cumsum(lam * np.diff(edges)[None, :].clip(max=1e300), axis=1)[:, :-1],
            ],
            axis=1,
        )
        contrib = np.exp(-h_start) * -np.expm1(-lam * width) / lam
        return contrib.sum(axis=1)

    def _median(self, params, g):
        edges = self.edges
        lam = self._group_hazard(params, g)
        widths = np.diff(edges)
        h_end = np.cumsum(lam * np.where(np.isfinite(widths), widths, 0.0)[None, :], axis=1)
        h_start = np.concatenate([np.zeros((lam.shape[0], 1)), h_end[:, :-1]], axis=1)
        target = math.log(2)
        # the piece in which H crosses log 2 (the last piece never ends)
        j = np.minimum((h_end[:, :-1] < target).sum(axis=1), lam.shape[1] - 1)
        rows = np.arange(lam.shape[0])
        return edges[j] + (target - h_start[rows, j]) / lam[rows, j]

    def _hr(self, params):
        return np.exp(params["log_hr"])
