"""Operating characteristics, probability of success and calibration of two-sample rules.

For a two-sample rule (:func:`~bayes_trials.decisions.two_sample.decision_2s`) the probability
of success when the arms' outcomes :math:`Y_1, Y_2` are independent is

.. math:: P(\\text{success}) = \\sum_{y_2} P(Y_2 = y_2)\\, P\\big(b_{lo}(y_2) \\le Y_1 \\le
          b_{hi}(y_2)\\big),

with :math:`[b_{lo}(y_2), b_{hi}(y_2)]` the treatment outcomes that succeed after control
outcome :math:`y_2` (the decision boundary, :class:`~bayes_trials.decisions.two_sample.Boundary2S`).
The outcomes' distributions are

- for operating characteristics (:func:`operating_characteristics_2s`), the sampling
  distributions at true values :math:`(\\theta_1, \\theta_2)`: binomial x binomial, Poisson
  x Poisson, or normal x normal (closed form for one Normal prior per arm);
- for the probability of success (:func:`probability_of_success_2s`), the predictive
  distributions under design priors or interim posteriors: beta-binomial, negative-binomial
  or normal mixtures (RBesT's ``pos2S``).

The sum runs over the outcomes that carry all but ``EPS`` = 1e-12 of each distribution's mass
on either side (so the error of the truncation is below 4e-12), never over all outcomes of a
large trial: the number of terms grows like the sampling sd, and beyond
``MAX_EXACT_OUTCOMES`` control outcomes the boundary is located from the continuous root of
the posterior probability in the treatment count, interpolated across the control outcomes,
and evaluated exactly wherever the interpolation leaves the integer in doubt (the report says
how many). Memory grows like the sampling sd: an arm whose outcome distribution needs more
than ``MAX_WINDOW`` = 2**23 outcomes (a binomial arm above about 1e11 patients, or a vague
design prior's predictive over a large arm) is refused with a DataError, never enumerated.
:func:`~bayes_trials.decisions.calibration.calibrate_threshold_2s` finds the smallest threshold whose type I error,
maximised over a grid of null pairs, is at most ``alpha``. ``method="simulation"`` checks the
exact sums by drawing trials and deciding each with :func:`bayes_trials.update` and the rule
(locally or on a Dask cluster, with the same numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import interpolate, optimize, stats

from .. import _validate as v
from .._kernels.quadrature import integrate_pieces, pieces
from ..data import Binary, NormalData, Rate
from ..distributions import Distribution, Mixture, Normal, components_of
from ..errors import DataError
from .rules import METHODS
from .two_sample import (
    Arm,
    Boundary2S,
    DecisionRule2S,
    _first_true,
    _last_true,
    check_rule,
    make_arms,
)

__all__ = [
    "operating_characteristics_2s",
    "probability_of_success_2s",
    "EPS",
    "MAX_EXACT_OUTCOMES",
    "MAX_WINDOW",
]

#: mass of each outcome distribution left out of the sum, on either side
EPS = 1e-12
#: control outcomes beyond which the boundary is interpolated (see the module docstring)
MAX_EXACT_OUTCOMES = 4000
#: nodes of the interpolated boundary (doubled until its estimated error is small)
_NODES = (33, 65, 129, 257, 513, 1025, 2049)


# =====================================================================================
# outcome distributions: at a true value, or predictive under a distribution
# =====================================================================================
@dataclass(frozen=True)
class Outcome:
    """The distribution of one arm's outcome: sampling at ``theta`` or predictive under
    ``dist`` (a Beta, Gamma or Normal mixture)."""

    arm: Arm
    theta: float | None = None
    dist: object = None

    def _parts(self):
        if self.dist is None:
            return np.ones(1), [self.theta]
        w, comps = components_of(self.dist)
        return w, list(comps)

    # --- counts ------------------------------------------------------------------------
    def count_range(self, eps: float = EPS) -> tuple[int, int]:
        """Outcomes ``lo..hi`` holding all but at most ``2 eps`` of the mass on either side."""
        arm = self.arm
        los, his = [], []
        for _, c in zip(*self._parts()):
            if self.dist is None:
                t_lo = t_hi = c
            else:
                t_lo, t_hi = (
                    float(c.ppf(eps)),
                    float(c.isf(eps) if hasattr(c, "isf") else c.ppf(1 - eps)),
                )
            if arm.kind == "binomial":
                los.append(stats.binom.ppf(eps, arm.size, t_lo))
                his.append(stats.binom.isf(eps, arm.size, t_hi))
            else:
                los.append(stats.poisson.ppf(eps, t_lo * arm.size))
                his.append(stats.poisson.isf(eps, t_hi * arm.size))
        lo, hi = int(max(min(los), 0)), int(max(his))
        if arm.kind == "binomial":
            hi = min(hi, arm.top)
        return lo, hi

    def pmf(self, ks) -> np.ndarray:
        """P(Y = k): binomial / Poisson at ``theta``, beta-binomial / negative-binomial
        mixture under ``dist``."""
        arm, ks = self.arm, np.asarray(ks)
        out = np.zeros(ks.shape)
        for w, c in zip(*self._parts()):
            if arm.kind == "binomial":
                p = (
                    stats.binom.pmf(ks, arm.top, c)
                    if self.dist is None
                    else stats.betabinom.pmf(ks, arm.top, c.a, c.b)
                )
            else:
                p = (
                    stats.poisson.pmf(ks, c * arm.size)
                    if self.dist is None
                    else stats.nbinom.pmf(ks, c.shape, c.rate / (c.rate + arm.size))
                )
            out += w * p
        return out

    # --- normal means ------------------------------------------------------------------
    def normal(self):
        """The distribution of the sample mean: N(theta, se^2), or the predictive Normal
        mixture :math:`\\sum_k w_k N(m_k, s_k^2 + se^2)`."""
        se = self.arm.se
        if self.dist is None:
            return Normal(self.theta, se)
        w, comps = components_of(self.dist)
        parts = [Normal(c.mean, math.hypot(c.sd, se)) for c in comps]
        return parts[0] if len(parts) == 1 else Mixture(parts, w)


# =====================================================================================
# the boundary over a range of control counts, exact or interpolated
# =====================================================================================
def _continuous_root(crit, arm1: Arm, arm2: Arm, y2: int, guess: float | None = None) -> float:
    """The real treatment count at which the criterion's posterior probability equals its
    threshold after control count ``y2`` (to 1e-7 counts); ``-inf`` when it holds at 0,
    ``inf`` when it holds nowhere (``"greater"``; mirrored for ``"less"``). ``guess`` (the
    root extrapolated from neighbouring control counts) narrows the bracket."""
    post2 = arm2.posterior(int(y2))
    g = lambda y1: crit.prob(arm1.posterior_at(y1), post2) - crit.threshold  # noqa: E731
    sign = 1.0 if crit.direction == "greater" else -1.0
    top = arm1.top
    lo_end, hi_end = 0.0, (float(top) if top is not None else math.inf)
    if guess is not None and math.isfinite(guess):
        step = 8.0
        lo, hi = max(lo_end, guess - step), min(hi_end, guess + step)
        while True:
            below, above = sign * g(lo) <= 0, sign * g(hi) > 0
            if below and above:
                return float(optimize.brentq(g, lo, hi, xtol=1e-7, rtol=1e-15))
            step *= 4
            if not below:
                if lo == lo_end:
                    return -math.inf if sign > 0 else math.inf
                lo = max(lo_end, lo - step)
            if not above:
                if hi == hi_end:
                    return math.inf if sign > 0 else -math.inf
                hi = min(hi_end, hi + step)
    if sign * g(0.0) > 0:
        return -math.inf if sign > 0 else math.inf
    if top is not None:
        hi = float(top)
        if sign * g(hi) <= 0:
            return math.inf if sign > 0 else -math.inf
    else:
        hi = 1.0
        while sign * g(hi) <= 0:
            hi *= 2
            if hi > 1e15:  # pragma: no cover
                raise DataError("no count up to 1e15 meets the criterion", field="rule")
    return float(optimize.brentq(g, 0.0, hi, xtol=1e-7, rtol=1e-15))


def _roots(crit, arm1: Arm, arm2: Arm, nodes) -> np.ndarray:
    """Continuous roots at increasing control counts, each bracketed from its neighbours."""
    out = []
    for y in nodes:
        guess = None
        finite = [(n, r) for n, r in out[-2:] if math.isfinite(r)]
        if len(finite) == 2:
            (na, ra), (nb, rb) = finite
            guess = rb + (rb - ra) / (nb - na) * (y - nb)
        elif len(finite) == 1:
            nb, rb = finite[0]
            guess = rb + (y - nb) * arm1.size / arm2.size
        out.append((int(y), _continuous_root(crit, arm1, arm2, int(y), guess)))
    return np.array([r for _, r in out])


def _integer_limit(crit, r: float, top) -> int:
    """The integer boundary of a continuous root: the smallest count above it (``"greater"``;
    ``top + 1`` for none) or the largest below it (``"less"``; -1 for none)."""
    if crit.direction == "greater":
        if r == -math.inf:
            return 0
        if r == math.inf:
            return (top + 1) if top is not None else np.iinfo(np.int64).max
        return int(math.floor(r)) + 1
    if r == math.inf:
        return top if top is not None else np.iinfo(np.int64).max
    if r == -math.inf:
        return -1
    return int(math.ceil(r)) - 1


def _interpolated_boundary(crit, arm1: Arm, arm2: Arm, y2s: np.ndarray) -> tuple[np.ndarray, dict]:
    """The criterion's integer boundary at every control count of a long range ``y2s``.

    The continuous root is found at nodes spread over the range and interpolated by a cubic
    spline; its error is estimated by the spline through every other node at the nodes left
    out (doubling the nodes until that estimate is below 0.05). A control count whose
    interpolated root lies within twice that error of an integer :math:`m` is decided by one
    exact evaluation at :math:`m`; the counts of a stretch whose end nodes have no interior
    root (success at every or no treatment count) are searched exactly, each from the
    previous count's boundary.
    """
    lo, hi = int(y2s[0]), int(y2s[-1])
    top = arm1.top
    err = math.inf
    for k in _NODES:
        nodes = np.unique(np.linspace(lo, hi, k).round().astype(np.int64))
        roots = _roots(crit, arm1, arm2, nodes)
        finite = np.isfinite(roots)
        if finite.sum() < 8:
            break
        even = np.zeros(nodes.size, bool)
        even[::2] = True
        use = finite & even
        coarse = interpolate.CubicSpline(nodes[use], roots[use])
        odd = finite & ~even & (nodes > nodes[use][0]) & (nodes < nodes[use][-1])
        err = float(np.max(np.abs(coarse(nodes[odd]) - roots[odd]))) if odd.any() else math.inf
        if err < 0.05:
            break
    out = np.empty(y2s.size, dtype=np.int64)
    inside = np.zeros(y2s.size, dtype=bool)
    r = np.zeros(y2s.size)
    if finite.sum() >= 8 and err < 0.25:
        spline = interpolate.CubicSpline(nodes[finite], roots[finite])
        idx = np.clip(np.searchsorted(nodes, y2s, side="right") - 1, 0, nodes.size - 2)
        inside = finite[idx] & finite[idx + 1]
        r[inside] = spline(y2s[inside].astype(float))
    greater = crit.direction == "greater"
    out[inside] = (np.floor(r[inside]) + 1) if greater else (np.ceil(r[inside]) - 1)
    tol = max(2 * err, 1e-7) if math.isfinite(err) else 1.0
    doubt = ~inside | (np.abs(r - np.round(r)) < tol)
    for i in np.flatnonzero(doubt):
        y2 = int(y2s[i])
        met = lambda y1, y2=y2: crit(arm1.posterior(int(y1)), arm2.posterior(y2))  # noqa: E731
        if inside[i]:  # the root is within tol of the integer m: one evaluation decides
            m = int(np.round(r[i]))
            m = max(0, min(m, top)) if top is not None else max(0, m)
            if greater:
                out[i] = m if met(m) else m + 1
            else:
                out[i] = m if met(m) else m - 1
        else:  # no interpolation here: search from the previous count's boundary
            prev = int(out[i - 1]) if i else 0
            if greater:
                out[i] = _first_true(
                    met, max(0, min(prev, top)) if top is not None else max(prev, 0), top
                )
            else:
                out[i] = _last_true(met, max(prev, 0), top)
    return out, {
        "interpolated": int(y2s.size - doubt.sum()),
        "decided_exactly": int(doubt.sum()),
        "nodes": int(nodes.size),
        "spline_error": err,
    }


def count_limits(boundary: Boundary2S, y2s: np.ndarray, force_interpolation: bool = False):
    """``(lower, upper, info)`` of the boundary over the control counts ``y2s`` (a contiguous
    increasing range): exact search for short ranges, interpolation beyond
    :data:`MAX_EXACT_OUTCOMES` (or when forced, to test it)."""
    if y2s.size <= MAX_EXACT_OUTCOMES and not force_interpolation:
        lo, hi = boundary.limits(y2s)
        return lo, hi, {"interpolated": 0, "decided_exactly": int(y2s.size)}
    arm1, arm2 = boundary.arm1, boundary.arm2
    top = arm1.top
    lo = np.zeros(y2s.shape, dtype=np.int64)
    hi = np.full(y2s.shape, np.iinfo(np.int64).max if top is None else top, dtype=np.int64)
    info = {"interpolated": 0, "decided_exactly": 0}
    for c in boundary.rule.criteria:
        b, i = _interpolated_boundary(c, arm1, arm2, y2s)
        info = {k: info.get(k, 0) + i[k] for k in ("interpolated", "decided_exactly")}
        lo, hi = (np.maximum(lo, b), hi) if c.direction == "greater" else (lo, np.minimum(hi, b))
    return lo, hi, info


# =====================================================================================
# P(success) for pairs of outcome distributions
# =====================================================================================
#: the most outcomes of one arm an exact sum carries (64 MiB per array): binomial arms up to
#: about 1e11 patients at a true rate of 1/2 (more near 0 or 1), Poisson arms up to about 1e11
#: expected events; beyond it, or for a predictive distribution wider than it, a DataError
MAX_WINDOW = 2**23


def _check_window(lo: int, hi: int, field: str) -> None:
    if hi - lo + 1 > MAX_WINDOW:
        raise DataError(
            f"the exact sum would carry the {hi - lo + 1} outcomes that hold the mass of this arm's "
            f"outcome distribution, more than 2**23 = {MAX_WINDOW}; the arm is too large (or its "
            "design prior too vague) for exact sums (operating_characteristics_2s(method='simulation') "
            "simulates instead)",
            field=field,
        )


def _clusters(ranges) -> list[list[int]]:
    """Indices of ``ranges`` grouped so that each group's ranges overlap and its span stays
    within :data:`MAX_WINDOW` (pairs far apart are summed apart, never over the counts between)."""
    groups, cur, lo, hi = [], [], 0, -1
    for j in sorted(range(len(ranges)), key=lambda j: ranges[j][0]):
        a, b = ranges[j]
        if cur and a <= hi + 1 and max(hi, b) - lo + 1 <= MAX_WINDOW:
            cur.append(j)
            hi = max(hi, b)
        else:
            if cur:
                groups.append(cur)
            cur, lo, hi = [j], a, b
    groups.append(cur)
    return groups


def _count_success(
    boundary: Boundary2S, pairs, force_interpolation=False
) -> tuple[np.ndarray, dict]:
    """P(success) of each pair of count distributions, summed over the control outcomes that
    carry their mass (each group of overlapping ranges once; see :func:`_clusters`)."""
    ranges2 = [o2.count_range() for _, o2 in pairs]
    for (o1, _), r2 in zip(pairs, ranges2):
        _check_window(*r2, "n2")
        _check_window(*o1.count_range(), "n1")
    out = np.empty(len(pairs))
    info: dict = {"interpolated": 0, "decided_exactly": 0, "control_outcomes": 0}
    for group in _clusters(ranges2):
        sub, part = _count_success_group(
            boundary, [pairs[j] for j in group], [ranges2[j] for j in group], force_interpolation
        )
        out[group] = sub
        for k, val in part.items():
            info[k] = (
                info.get(k, 0) + val
                if k in ("interpolated", "decided_exactly", "control_outcomes")
                else val
            )
    return out, info


def _count_success_group(boundary: Boundary2S, pairs, ranges2, force_interpolation=False):
    y_lo, y_hi = min(r[0] for r in ranges2), max(r[1] for r in ranges2)
    y2s = np.arange(y_lo, y_hi + 1, dtype=np.int64)
    lo, hi, info = count_limits(boundary, y2s, force_interpolation)
    out = np.empty(len(pairs))
    for j, ((o1, o2), (a2, b2)) in enumerate(zip(pairs, ranges2)):
        sel = slice(a2 - y_lo, b2 - y_lo + 1)
        p2 = o2.pmf(y2s[sel])
        a1, b1 = o1.count_range()
        cum = np.concatenate([[0.0], np.cumsum(o1.pmf(np.arange(a1, b1 + 1)))])
        # P(Y1 <= k) over the range a1..b1: cum[clip(k - a1 + 1, 0, len)]
        cdf = lambda k, cum=cum, a1=a1: cum[np.clip(k - a1 + 1, 0, cum.size - 1)]  # noqa: E731
        l_, h_ = lo[sel], np.minimum(hi[sel], b1)
        p1 = np.where(l_ <= h_, cdf(h_) - cdf(l_ - 1), 0.0)
        out[j] = float(np.clip(np.sum(p2 * np.clip(p1, 0.0, 1.0)), 0.0, 1.0))
    info["control_outcomes"] = int(y2s.size)
    return out, info


def _normal_closed(rule, arm1: Arm, arm2: Arm, pairs) -> np.ndarray | None:
    """Closed form for one Normal prior per arm: every criterion is a half-plane
    :math:`w_1\\bar y_1 - w_2\\bar y_2 \\gtrless K_c` (one slope), so success is
    :math:`L \\le Z \\le U` for the normal (mixture) :math:`Z = w_1\\bar Y_1 - w_2\\bar Y_2`."""
    if isinstance(arm1.prior, Mixture) or isinstance(arm2.prior, Mixture):
        return None
    p1, p2 = arm1.prior, arm2.prior
    w1 = p1.sd**2 / (p1.sd**2 + arm1.se**2)
    w2 = p2.sd**2 / (p2.sd**2 + arm2.se**2)
    s = math.sqrt(w1 * arm1.se**2 + w2 * arm2.se**2)  # posterior sd of mu1 - mu2
    const = (1 - w1) * p1.mean - (1 - w2) * p2.mean
    lo, hi = -math.inf, math.inf
    for c in rule.criteria:
        z = float(stats.norm.isf(1 - c.threshold))  # Phi^{-1}(c)
        if c.direction == "greater":
            lo = max(lo, c.target + s * z - const)
        else:
            hi = min(hi, c.target - s * z - const)
    out = np.empty(len(pairs))
    for j, (o1, o2) in enumerate(pairs):
        y1, y2 = o1.normal(), o2.normal()
        (wa, ca), (wb, cb) = components_of(y1), components_of(y2)
        p = 0.0
        for wi, a in zip(wa, ca):
            for wj, b in zip(wb, cb):
                m, sd = w1 * a.mean - w2 * b.mean, math.hypot(w1 * a.sd, w2 * b.sd)
                p += wi * wj * max(stats.norm.cdf(hi, m, sd) - stats.norm.cdf(lo, m, sd), 0.0)
        out[j] = min(p, 1.0)
    return out


def _normal_success(boundary: Boundary2S, pairs) -> tuple[np.ndarray, dict]:
    arm1, arm2 = boundary.arm1, boundary.arm2
    closed = _normal_closed(boundary.rule, arm1, arm2, pairs)
    if closed is not None:
        return closed, {"method": "closed form"}
    # mixture priors: the boundary interpolated over the control means that matter
    ys2 = [o2.normal() for _, o2 in pairs]
    lo_y = min(float(d.ppf(EPS)) for d in ys2)
    hi_y = max(float(d.ppf(1 - EPS)) for d in ys2)
    grid = np.linspace(lo_y, hi_y, 257)
    lims = boundary.limits(grid)
    splines = [
        interpolate.CubicSpline(grid, lim) if np.all(np.isfinite(lim)) else None for lim in lims
    ]
    # error estimate: the spline through every other node at the others
    err = 0.0
    for lim in lims:
        if np.all(np.isfinite(lim)):
            half = interpolate.CubicSpline(grid[::2], lim[::2])
            err = max(err, float(np.max(np.abs(half(grid[1::2]) - lim[1::2]))))
    out = np.empty(len(pairs))
    for j, (o1, _) in enumerate(pairs):
        d1, d2 = o1.normal(), ys2[j]

        def f(t, d1=d1, d2=d2):
            lo = splines[0](t) if splines[0] is not None else np.full(np.shape(t), -np.inf)
            hi = splines[1](t) if splines[1] is not None else np.full(np.shape(t), np.inf)
            return d2.pdf(t) * np.clip(d1.sf(lo) - d1.sf(hi), 0.0, 1.0)

        out[j] = float(np.clip(integrate_pieces(f, pieces(d2)), 0.0, 1.0))
    return out, {
        "method": "quadrature over the control mean, interpolated boundary",
        "boundary_error": err,
    }


def _success(boundary: Boundary2S, pairs, force_interpolation=False):
    if boundary.kind == "normal":
        return _normal_success(boundary, pairs)
    return _count_success(boundary, pairs, force_interpolation)


# =====================================================================================
# simulation (checks the exact sums)
# =====================================================================================
def _simulate_pair(
    rule, arm1: Arm, arm2: Arm, theta1: float, theta2: float, n_sim: int, seed
) -> int:
    """Successes among ``n_sim`` simulated trials at (theta1, theta2), each decided by updating
    the priors (:func:`bayes_trials.update`) and calling the rule: no boundary involved."""
    from ..conjugate import update

    rng = np.random.default_rng(seed)
    draws = []
    for arm, theta in ((arm1, theta1), (arm2, theta2)):
        if arm.kind == "binomial":
            draws.append(rng.binomial(arm.top, theta, n_sim))
        elif arm.kind == "poisson":
            draws.append(rng.poisson(theta * arm.size, n_sim))
        else:
            draws.append(rng.normal(theta, arm.se, n_sim))
    data = {
        "binomial": lambda y, a: Binary(int(y), a.top),
        "poisson": lambda y, a: Rate(int(y), a.size),
        "normal": lambda y, a: NormalData(float(y), a.se),
    }[arm1.kind]
    pairs, counts = np.unique(np.column_stack(draws), axis=0, return_counts=True)
    wins = 0
    for (y1, y2), k in zip(pairs, counts):
        if rule(update(arm1.prior, data(y1, arm1)), update(arm2.prior, data(y2, arm2))):
            wins += int(k)
    return wins


# =====================================================================================
# public functions
# =====================================================================================
def _truth_pairs(arm1: Arm, theta1, theta2) -> tuple[np.ndarray, np.ndarray]:
    t1 = np.atleast_1d(np.asarray(theta1, dtype=float))
    t2 = np.atleast_1d(np.asarray(theta2, dtype=float))
    if t1.ndim != 1 or t2.ndim != 1 or t1.size != t2.size or t1.size == 0:
        raise DataError(
            f"theta1 and theta2 must be equal-length, non-empty lists, got {t1.size} and {t2.size}",
            field="theta2",
        )
    for name, t in (("theta1", t1), ("theta2", t2)):
        if not np.all(np.isfinite(t)):
            raise DataError(f"must be finite numbers, got {t.tolist()}", field=name)
        if arm1.kind == "binomial" and np.any((t < 0) | (t > 1)):
            raise DataError(f"probabilities must lie in [0, 1], got {t.tolist()}", field=name)
        if arm1.kind == "poisson" and np.any(t < 0):
            raise DataError(f"rates must be >= 0, got {t.tolist()}", field=name)
    return t1, t2


def operating_characteristics_2s(
    prior1: Distribution,
    prior2: Distribution,
    n1: float,
    n2: float,
    rule: DecisionRule2S,
    theta1: ArrayLike,
    theta2: ArrayLike,
    sigma: float | None = None,
    *,
    method: str = "exact",
    n_sim: int = 20_000,
    random_seed: int | np.random.Generator | None = None,
    client: Any = None,
    force_interpolation: bool = False,
) -> pd.DataFrame:
    """P(the rule says success) at pairs of true values (RBesT's ``oc2S``), exactly.

    Parameters
    ----------
    prior1, prior2 : Beta, Gamma or Normal (or mixtures)
        Analysis priors of the treatment (1) and control (2) parameters; Beta priors mean
        binomial arms of ``n1``, ``n2`` patients, Gamma priors Poisson arms over exposures
        ``n1``, ``n2``, Normal priors normal arms of ``n1``, ``n2`` observations with sampling
        sd ``sigma``.
    n1, n2 : int or float
    rule : DecisionRule2S
        From :func:`~bayes_trials.decisions.two_sample.decision_2s`.
    theta1, theta2 : sequences of float, equal lengths
        The true treatment and control values, pair by pair.
    sigma : float or (float, float), optional
        Normal arms only.
    method : {"exact", "simulation"}
        ``"simulation"`` draws ``n_sim`` trials per pair (seeded by ``random_seed``), decides
        each by updating the priors and calling the rule, and adds the Monte Carlo standard
        error; with ``client`` (a ``dask.distributed.Client`` or scheduler address) the pairs
        run as tasks on the cluster, with the same numbers.
    force_interpolation : bool
        Use the large-trial boundary (interpolated root) however short the range; for tests.

    Returns
    -------
    pandas.DataFrame
        ``theta1``, ``theta2``, ``prob_success`` (and ``mcse_success`` for simulation);
        ``attrs``: the rule, the method and how the boundary was computed.

    Notes
    -----
    See the module docstring: the exact sum is :math:`\\sum_{y_2} \\text{Bin}(y_2; n_2,
    \\theta_2)\\, P(b_{lo}(y_2) \\le Y_1 \\le b_{hi}(y_2) \\mid \\theta_1)` (Poisson likewise;
    for normal arms with one Normal prior each, :math:`\\Phi` of a linear combination of the two
    sample means), its truncation error below 4e-12.

    Examples
    --------
    >>> from bayes_trials import Beta
    >>> from bayes_trials.decisions import decision_2s
    >>> rule = decision_2s(0.975, 0.0)
    >>> oc = operating_characteristics_2s(Beta(1, 1), Beta(1, 1), 40, 40, rule, [0.3, 0.6], [0.3, 0.3])
    >>> oc.round(4)
       theta1  theta2  prob_success
    0     0.3     0.3        0.0242
    1     0.6     0.3        0.7964
    """
    arm1, arm2 = make_arms(prior1, prior2, n1, n2, sigma)
    rule = check_rule(rule, arm1.kind)
    t1, t2 = _truth_pairs(arm1, theta1, theta2)
    v.one_of(method, METHODS, "method", DataError)
    out = pd.DataFrame({"theta1": t1, "theta2": t2})
    if method == "exact":
        pairs = [(Outcome(arm1, theta=a), Outcome(arm2, theta=b)) for a, b in zip(t1, t2)]
        probs, info = _success(Boundary2S(rule, arm1, arm2), pairs, force_interpolation)
        out["prob_success"] = probs
        out.attrs["boundary"] = info
    else:
        from ..scale import run_tasks, spawn_seeds

        n_sim = v.count(n_sim, "n_sim")
        if n_sim < 1:
            raise DataError("must be at least 1", field="n_sim")
        seeds = spawn_seeds(random_seed, len(t1))
        args = [(rule, arm1, arm2, float(a), float(b), n_sim, s) for a, b, s in zip(t1, t2, seeds)]
        p = np.array(run_tasks(_simulate_pair, args, client=client)) / n_sim
        out["prob_success"] = p
        out["mcse_success"] = np.sqrt(p * (1 - p) / n_sim)
        out.attrs.update(n_sim=n_sim, random_seed=random_seed)
    out.attrs["rule"] = repr(rule)
    out.attrs["method"] = method
    return out


def probability_of_success_2s(
    prior1: Distribution,
    prior2: Distribution,
    n1: float,
    n2: float,
    rule: DecisionRule2S,
    *,
    design1: Distribution | None = None,
    design2: Distribution | None = None,
    interim1: Binary | Rate | NormalData | None = None,
    interim2: Binary | Rate | NormalData | None = None,
    sigma: float | None = None,
) -> float:
    """The probability that a two-arm trial ends in success (RBesT's ``pos2S``), exactly.

    Parameters
    ----------
    prior1, prior2 : Beta, Gamma or Normal (or mixtures)
        The analysis priors (treatment, control).
    n1, n2 : int or float
        The patients (exposure, observations) still to come in each arm.
    rule : DecisionRule2S
    design1, design2 : distributions, optional
        What is believed about the true parameters (design priors); default: the analysis
        priors (after the interim data).
    interim1, interim2 : Binary, Rate or NormalData, optional
        Data already observed in each arm: the final analysis combines them with the data to
        come (its posterior is the interim posterior updated by the new data), and the design
        distributions are updated by them too.
    sigma : float or (float, float), optional
        Normal arms only.

    Returns
    -------
    float
        :math:`\\sum_{y_2} P(Y_2 = y_2)\\, P(b_{lo}(y_2) \\le Y_1 \\le b_{hi}(y_2))` with the
        predictive distributions of the outcomes to come (beta-binomial, negative binomial or
        normal mixtures) under the design distributions.

    Examples
    --------
    >>> from bayes_trials import Beta, Binary
    >>> from bayes_trials.decisions import decision_2s
    >>> rule = decision_2s(0.975, 0.0)
    >>> round(probability_of_success_2s(Beta(1, 1), Beta(1, 1), 20, 20, rule,
    ...                                 interim1=Binary(12, 20), interim2=Binary(6, 20)), 4)
    0.7665
    """
    arm1, arm2 = make_arms(prior1, prior2, n1, n2, sigma)
    rule = check_rule(rule, arm1.kind)
    designs = [design1, design2]
    for i, (arm, interim) in enumerate(((arm1, interim1), (arm2, interim2))):
        if interim is None:
            continue
        updated = arm.updated(interim)
        designs[i] = (
            updated.prior
            if designs[i] is None
            else Arm(designs[i], arm.kind, arm.size, arm.sigma).updated(interim).prior
        )
        if i == 0:
            arm1 = updated
        else:
            arm2 = updated
    d1 = arm1.prior if designs[0] is None else designs[0]
    d2 = arm2.prior if designs[1] is None else designs[1]
    for name, d, arm in (("design1", d1, arm1), ("design2", d2, arm2)):
        _, comps = components_of(d)
        if {"binomial": "beta", "poisson": "gamma", "normal": "normal"}[arm.kind] != getattr(
            comps[0], "family", None
        ):
            raise DataError(
                f"the design distribution must be of the priors' family, got {d!r}", field=name
            )
    probs, _ = _success(
        Boundary2S(rule, arm1, arm2), [(Outcome(arm1, dist=d1), Outcome(arm2, dist=d2))]
    )
    return float(probs[0])
