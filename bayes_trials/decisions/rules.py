"""Decision rules, their boundaries and exact operating characteristics.

Part of :mod:`bayes_trials.decisions` (see its docstring for the maths and the vocabulary).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from scipy.special import betaln, gammaln, logsumexp

from .. import _validate as v
from .._kernels.counts import (
    binom_between,
    first_true,
    last_true,
    lgamma_diff,
    log_beta_ratio,
    poisson_between,
)
from .._validate import MAX_COUNT
from ..conjugate import update
from ..data import Binary, Rate
from ..distributions import Distribution, Mixture, components_of
from ..errors import DataError, PriorError

DIRECTIONS = ("greater", "less")
METHODS = ("exact", "simulation")
ZONES = ("go", "no-go", "consider")


# --------------------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One criterion ``P(theta > target) > threshold`` (or ``<`` for ``direction="less"``).

    Parameters
    ----------
    threshold : float in (0, 1)
        The posterior probability ``c`` that must be exceeded (strictly, as in RBesT).
    target : float
        The parameter value ``q``.
    direction : {"greater", "less"}
        ``"greater"``: :math:`P(\\theta > q) > c` (efficacy); ``"less"``:
        :math:`P(\\theta < q) > c` (harms, event rates, rate ratios).

    Example
    -------
    >>> from bayes_trials import Beta
    >>> crit = Criterion(0.975, 0.39)
    >>> crit
    P(theta > 0.39) > 0.975
    >>> round(float(crit.prob(Beta(10, 1))), 4), crit(Beta(10, 1))
    (0.9999, True)
    """

    threshold: float
    target: float
    direction: str = "greater"

    def __post_init__(self):
        object.__setattr__(self, "threshold", v.open_unit(self.threshold, "threshold", DataError))
        object.__setattr__(self, "target", v.finite_real(self.target, "target", DataError))
        v.one_of(self.direction, DIRECTIONS, "direction", DataError)

    def prob(self, posterior: Distribution) -> float | np.ndarray:
        """:math:`P(\\theta > q)` (``"greater"``) or :math:`P(\\theta < q)` (``"less"``)."""
        if self.direction == "greater":
            return posterior.sf(self.target)
        return posterior.cdf(self.target)

    def met_by(self, prob: ArrayLike) -> np.bool_ | np.ndarray:
        """Whether posterior probabilities ``prob`` exceed the threshold (vectorised)."""
        return np.asarray(prob) > self.threshold

    def __call__(self, posterior) -> bool:
        return bool(self.met_by(self.prob(posterior)))

    def __repr__(self) -> str:
        sign = ">" if self.direction == "greater" else "<"
        return f"P(theta {sign} {self.target:.4g}) > {self.threshold:.4g}"


def _as_criteria(spec, default_direction: str, field: str) -> tuple[Criterion, ...]:
    """A Criterion, a DecisionRule, a (threshold, target[, direction]) tuple or a list of them."""
    if isinstance(spec, Criterion):
        return (spec,)
    if isinstance(spec, DecisionRule):
        return spec.criteria
    if isinstance(spec, tuple) and spec and not isinstance(spec[0], (Criterion, tuple, list)):
        if len(spec) == 2:
            return (Criterion(spec[0], spec[1], default_direction),)
        if len(spec) == 3:
            return (Criterion(*spec),)
    if isinstance(spec, (list, tuple)) and spec:
        return tuple(c for item in spec for c in _as_criteria(item, default_direction, field))
    raise DataError(
        f"expected a Criterion, a (threshold, target) pair or a list of them, got {spec!r}",
        field=field,
    )


@dataclass(frozen=True, repr=False)
class DecisionRule:
    """A rule that says ``outcome`` (success) when *all* its criteria hold.

    Calling the rule on a posterior answers True or False; ``repr`` states it in words.
    Build it with :func:`decision`.
    """

    criteria: tuple
    outcome: str = "success"

    def __post_init__(self):
        crits = tuple(self.criteria)
        if not crits or not all(isinstance(c, Criterion) for c in crits):
            raise DataError("a decision rule needs at least one Criterion", field="criteria")
        object.__setattr__(self, "criteria", crits)

    def _combine(self, met: dict) -> np.ndarray:
        return np.logical_and.reduce([np.asarray(met[c]) for c in self.criteria])

    def __call__(self, posterior) -> bool:
        return bool(self._combine({c: c(posterior) for c in self.criteria}))

    def probabilities(self, posterior: Distribution) -> dict[str, float]:
        """Each criterion's posterior probability, keyed by the criterion in words."""
        return {repr(c): float(c.prob(posterior)) for c in self.criteria}

    @property
    def direction(self) -> str | None:
        """The common direction of the criteria, or None when they differ."""
        dirs = {c.direction for c in self.criteria}
        return dirs.pop() if len(dirs) == 1 else None

    def __repr__(self) -> str:
        return f"{self.outcome} if " + " and ".join(repr(c) for c in self.criteria)


@dataclass(frozen=True, repr=False)
class GoNoGoRule:
    """A dual-criterion rule with three zones: ``"go"``, ``"no-go"`` and ``"consider"``.

    ``"go"`` when the go rule holds and the no-go rule does not, ``"no-go"`` when the
    no-go rule holds and the go rule does not, ``"consider"`` otherwise (neither holds,
    or, with criteria that overlap, both do: conflicting evidence is not a decision).
    """

    go: DecisionRule
    no_go: DecisionRule

    def _combine(self, met: dict) -> np.ndarray:
        go = self.go._combine(met)
        stop = self.no_go._combine(met)
        out = np.full(np.shape(go), "consider", dtype=object)
        out[np.asarray(go & ~stop)] = "go"
        out[np.asarray(stop & ~go)] = "no-go"
        return out

    @property
    def criteria(self) -> tuple:
        return self.go.criteria + self.no_go.criteria

    def __call__(self, posterior) -> str:
        return str(self._combine({c: c(posterior) for c in self.criteria})[()])

    def probabilities(self, posterior: Distribution) -> dict[str, float]:
        return {repr(c): float(c.prob(posterior)) for c in self.criteria}

    def __repr__(self) -> str:
        return f"{self.go!r}; {self.no_go!r}; consider otherwise"


def decision(
    threshold: float | Sequence[float] | None = None,
    target: float | Sequence[float] | None = None,
    direction: str = "greater",
    *,
    go: Criterion | DecisionRule | tuple | list | None = None,
    no_go: Criterion | DecisionRule | tuple | list | None = None,
    outcome: str = "success",
) -> DecisionRule | GoNoGoRule:
    """Build a decision rule from posterior-probability criteria (RBesT's ``decision1S``).

    Parameters
    ----------
    threshold : float or sequence of float
        Posterior probability cut-off(s) ``c`` in (0, 1).
    target : float or sequence of float
        Parameter value(s) ``q``; one per threshold. With sequences, the rule needs *all*
        criteria to hold (as ``decision1S`` with vector arguments).
    direction : {"greater", "less"} or sequence of them
        ``"greater"``: :math:`P(\\theta > q) > c`; ``"less"``: :math:`P(\\theta < q) > c`.
    go, no_go : Criterion, (threshold, target) pair, DecisionRule, or list of them
        Instead of ``threshold``/``target``: a three-zone rule. Pairs in ``go`` default to
        ``"greater"``, pairs in ``no_go`` to ``"less"``.
    outcome : str
        The word the rule prints for success (``"success"``, ``"go"``, ...).

    Returns
    -------
    DecisionRule or GoNoGoRule
        ``rule(posterior)`` answers True/False (DecisionRule) or the zone (GoNoGoRule).

    Raises
    ------
    DataError
        Thresholds outside (0, 1), an unknown direction, mismatched lengths, or both
        ``threshold`` and ``go``/``no_go`` given.

    Notes
    -----
    A criterion :math:`P(\\theta > q \\mid y) > c` with a Beta (Gamma) posterior is
    evaluated with the exact survival function of the posterior (a mixture's is the
    weighted sum of its components'). A rule with several criteria is their conjunction.

    The three-zone rule follows the dual-criterion (go / no-go / consider) designs of
    early drug development, e.g. Frewer et al. 2016, with the zones defined in
    :class:`GoNoGoRule`.

    References
    ----------
    Weber S et al. J Stat Softw 2021;100(19). doi:10.18637/jss.v100.i19

    Frewer P, Mitchell P, Watkins C, Matcham J. Decision-making in early clinical drug
    development. Pharm Stat 2016;15:255-263. doi:10.1002/pst.1746

    Examples
    --------
    >>> from bayes_trials import Beta
    >>> decision(0.975, 0.39)
    success if P(theta > 0.39) > 0.975
    >>> decision([0.975, 0.5], [0.39, 0.6])
    success if P(theta > 0.39) > 0.975 and P(theta > 0.6) > 0.5
    >>> rule = decision(go=(0.8, 0.5), no_go=(0.8, 0.3))
    >>> rule
    go if P(theta > 0.5) > 0.8; no-go if P(theta < 0.3) > 0.8; consider otherwise
    >>> rule(Beta(9, 4)), rule(Beta(2, 10)), rule(Beta(4, 5))
    ('go', 'no-go', 'consider')
    """
    if go is not None or no_go is not None:
        if threshold is not None or target is not None:
            raise DataError("give either threshold/target or go/no_go, not both", field="go")
        if go is None or no_go is None:
            raise DataError(
                "a three-zone rule needs both go and no_go", field="go" if go is None else "no_go"
            )
        return GoNoGoRule(
            DecisionRule(_as_criteria(go, "greater", "go"), outcome="go"),
            DecisionRule(_as_criteria(no_go, "less", "no_go"), outcome="no-go"),
        )
    if threshold is None or target is None:
        raise DataError(
            "a decision rule needs a threshold and a target",
            field="threshold" if threshold is None else "target",
        )
    thr = np.atleast_1d(np.asarray(threshold, dtype=object))
    tgt = np.atleast_1d(np.asarray(target, dtype=object))
    dirs = [direction] if isinstance(direction, str) else list(direction)
    k = max(len(thr), len(tgt), len(dirs))
    for name, seq in (("threshold", thr), ("target", tgt), ("direction", dirs)):
        if len(seq) not in (1, k):
            raise DataError(f"needs 1 or {k} values, got {len(seq)}", field=name)
    pick = lambda seq, i: seq[0] if len(seq) == 1 else seq[i]  # noqa: E731
    crits = tuple(Criterion(pick(thr, i), pick(tgt, i), pick(dirs, i)) for i in range(k))
    return DecisionRule(crits, outcome=outcome)


# --------------------------------------------------------------------------------------
# exact posterior probabilities as a function of the count
# --------------------------------------------------------------------------------------


def _check_prior(prior, family: str, field: str = "prior"):
    w, comps = components_of(prior)
    fam = getattr(comps[0], "family", None)
    if fam != family:
        need = (
            "Beta (or a Beta mixture) for a binary endpoint"
            if family == "beta"
            else "Gamma (or a Gamma mixture) for an event rate"
        )
        raise PriorError(f"needs a {need}, got {prior!r}", field=field)
    return prior


def _design(prior, n, exposure):
    """Validate (prior, n | exposure); returns ("binomial", n) or ("poisson", exposure)."""
    if (n is None) == (exposure is None):
        raise DataError(
            "give exactly one of n (binary endpoint) or exposure (event rate)",
            field="n" if n is None else "exposure",
        )
    if n is not None:
        n = v.count(n, "n")
        if n == 0:
            raise DataError("must be at least 1 patient, got 0", field="n")
        _check_prior(prior, "beta")
        return "binomial", n
    _check_prior(prior, "gamma")
    return "poisson", v.positive(exposure, "exposure")


def _posterior(prior, kind: str, size, y: int):
    data = Binary(int(y), size) if kind == "binomial" else Rate(int(y), size)
    return update(prior, data)


def _criterion_probs(prior, kind: str, size, counts, crit: Criterion) -> np.ndarray:
    """Exact posterior probability of ``crit`` after each count in ``counts``.

    Vectorised over the counts with scipy; a mixture's components are reweighted by their
    marginal likelihoods exactly as :func:`bayes_trials.update` does (same formulas).
    """
    counts = np.asarray(counts, dtype=float)
    greater = crit.direction == "greater"
    if not isinstance(prior, Mixture):  # (scipy's unfrozen calls: freezing costs a millisecond)
        if kind == "binomial":
            args = (prior.a + counts, prior.b + size - counts)
            return (
                stats.beta.sf(crit.target, *args) if greater else stats.beta.cdf(crit.target, *args)
            )
        scale = 1.0 / (prior.rate + size)
        return (
            stats.gamma.sf(crit.target, prior.shape + counts, scale=scale)
            if greater
            else stats.gamma.cdf(crit.target, prior.shape + counts, scale=scale)
        )
    w, comps = components_of(prior)
    logml, probs = [], []
    for c in comps:  # the marginal likelihoods of conjugate._log_marginal, vectorised
        if kind == "binomial":
            a, b = c.a + counts, c.b + size - counts
            logml.append(log_beta_ratio(c.a, c.b, counts, size) - betaln(c.a, c.b))
            probs.append(
                stats.beta.sf(crit.target, a, b) if greater else stats.beta.cdf(crit.target, a, b)
            )
        else:
            shape, rate = c.shape + counts, c.rate + size
            logml.append(
                c.shape * np.log(c.rate)
                - gammaln(c.shape)
                + lgamma_diff(1.0 + counts, c.shape - 1.0)
                - c.shape * np.log(rate)
                - counts * np.log1p(c.rate / size)
            )
            probs.append(
                stats.gamma.sf(crit.target, shape, scale=1.0 / rate)
                if greater
                else stats.gamma.cdf(crit.target, shape, scale=1.0 / rate)
            )
    with np.errstate(divide="ignore"):
        logw = np.log(w).reshape(-1, *([1] * counts.ndim)) + np.stack(logml)
    new_w = np.exp(logw - logsumexp(logw, axis=0))
    new_w = new_w / new_w.sum(axis=0)
    return sum(wk * pk for wk, pk in zip(new_w, probs))


def _met(prior, kind: str, size, crit: Criterion):
    """``y -> crit holds after y events`` (one exact posterior per call)."""
    return lambda y: bool(crit.met_by(_criterion_probs(prior, kind, size, [y], crit))[0])


def _poisson_boundary(prior, exposure, crit: Criterion) -> int | None:
    """Exact boundary of one criterion for Poisson counts (unbounded), by bisection.

    ``"greater"``: the smallest count meeting it; ``"less"``: the largest (None if none).
    Monotone because the Gamma posterior is stochastically increasing in the count.
    """
    met = _met(prior, "poisson", exposure, crit)
    too_far = DataError(
        f"the decision boundary for {crit!r} lies beyond 10**12 events, the "
        "largest count the exact computations accept",
        field="exposure",
    )
    if crit.direction == "greater":
        if met(0):
            return 0
        lo, hi = 0, 1  # met(lo) False
        while not met(hi):
            lo, hi = hi, 2 * hi
            if hi > MAX_COUNT:
                raise too_far
        return first_true(met, lo + 1, hi)
    if not met(0):
        return None
    lo, hi = 0, 1  # met(lo) True
    while met(hi):
        lo, hi = hi, 2 * hi
        if hi > MAX_COUNT:
            raise too_far
    return last_true(met, lo, hi - 1)


def _criterion_region(prior, kind: str, size, crit: Criterion):
    """The counts where one criterion holds, ``(lo, hi)`` (``hi`` may be ``inf`` for Poisson
    counts), or None. A half-line by the monotone likelihood ratio (see
    :func:`decision_boundary`), so its end is found by bisection."""
    if kind == "poisson":
        b = _poisson_boundary(prior, size, crit)
        if b is None:
            return None
        return (b, math.inf) if crit.direction == "greater" else (0, b)
    met = _met(prior, kind, size, crit)
    if crit.direction == "greater":
        k = first_true(met, 0, size)
        return (k, size) if k <= size else None
    k = last_true(met, 0, size)
    return (0, k) if k >= 0 else None


@dataclass(frozen=True)
class _Segments:
    """The rule's outcome on consecutive intervals of counts ``[starts[i], ends[i]]`` that
    cover 0..n (binomial) or 0..inf (Poisson); every criterion is constant on each."""

    kind: str
    size: float
    starts: tuple
    ends: tuple
    outcomes: tuple

    def probabilities(self, truths) -> dict:
        """P(outcome | truth) for every outcome, exact: closed-form binomial (Poisson)
        probabilities of the intervals of counts."""
        truths = np.asarray(truths, dtype=float)
        out: dict = {}
        for lo, hi, lab in zip(self.starts, self.ends, self.outcomes):
            if self.kind == "binomial":
                p = binom_between(lo, hi, self.size, truths)
            else:
                p = poisson_between(lo, hi, truths * self.size)
            out[lab] = out.get(lab, 0.0) + p
        return {lab: np.clip(p, 0.0, 1.0) for lab, p in out.items()}

    def first(self, label):
        """Smallest count with ``label`` (None if none)."""
        return next((lo for lo, lab in zip(self.starts, self.outcomes) if lab == label), None)

    def last(self, label):
        """Largest count with ``label`` (None if none)."""
        return next(
            (hi for hi, lab in zip(self.ends[::-1], self.outcomes[::-1]) if lab == label), None
        )


def _count_segments(prior, rule, kind: str, size) -> _Segments:
    """Each criterion's region by bisection, then the rule on the intervals between their ends."""
    top = size if kind == "binomial" else math.inf
    regions = {c: _criterion_region(prior, kind, size, c) for c in rule.criteria}
    cuts = {0}
    for r in regions.values():
        if r is not None:
            cuts.add(r[0])
            if r[1] < top:
                cuts.add(r[1] + 1)
    starts = sorted(cuts)
    ends = [c - 1 for c in starts[1:]] + [top]
    met = {
        c: np.array([r is not None and r[0] <= lo <= r[1] for lo in starts])
        for c, r in regions.items()
    }
    outcomes = [o.item() if hasattr(o, "item") else o for o in np.asarray(rule._combine(met))]
    seg_lo, seg_hi, seg_out = [starts[0]], [ends[0]], [outcomes[0]]
    for lo, hi, o in zip(starts[1:], ends[1:], outcomes[1:]):  # merge equal neighbours
        if o == seg_out[-1]:
            seg_hi[-1] = hi
        else:
            seg_lo.append(lo)
            seg_hi.append(hi)
            seg_out.append(o)
    return _Segments(kind, size, tuple(seg_lo), tuple(seg_hi), tuple(seg_out))


def _resolve_rule(rule, threshold, target, direction):
    if rule is not None:
        if threshold is not None or target is not None:
            raise DataError("give either rule or threshold/target, not both", field="rule")
        if not isinstance(rule, (DecisionRule, GoNoGoRule, Criterion)):
            raise DataError(f"expected a rule from decision(), got {rule!r}", field="rule")
        return DecisionRule((rule,)) if isinstance(rule, Criterion) else rule
    return decision(threshold, target, direction)


# --------------------------------------------------------------------------------------
# boundaries
# --------------------------------------------------------------------------------------


def decision_boundary(
    prior: Distribution,
    n: int | None = None,
    threshold: float | None = None,
    target: float | None = None,
    direction: str = "greater",
    *,
    exposure: float | None = None,
    rule: DecisionRule | None = None,
) -> int | None:
    """The count at which the decision switches: the smallest count that succeeds
    (``direction="greater"``) or the largest (``"less"``).

    Parameters
    ----------
    prior : Beta, Gamma or Mixture of them
        Beta family with ``n`` (binary endpoint), Gamma family with ``exposure`` (event rate).
    n : int, optional
        Number of patients (binary endpoint).
    threshold, target, direction
        The criterion :math:`P(\\theta > q) > c` (``"greater"``) or :math:`P(\\theta < q) > c`
        (``"less"``); see :func:`decision`.
    exposure : float, optional
        Total exposure (patient-years) for Poisson counts.
    rule : DecisionRule, optional
        Instead of threshold/target: a rule whose criteria all share one direction.

    Returns
    -------
    int or None
        ``"greater"``: the smallest number of events :math:`y^*` with success (success for
        every :math:`y \\ge y^*`); ``"less"``: the largest (success for every
        :math:`y \\le y^*`). None when no possible count succeeds.

    Raises
    ------
    DataError, PriorError
        Invalid design, a rule mixing directions, or a prior of the wrong family.

    Notes
    -----
    With a Beta prior the posterior after :math:`y` of :math:`n` is
    :math:`\\text{Beta}(a + y, b + n - y)` (reweighted components for a mixture); with a
    Gamma prior and exposure :math:`E` it is :math:`\\text{Gamma}(s + y, r + E)`.

    *Monotonicity, for any prior* :math:`\\pi`. The binomial likelihood has a monotone
    likelihood ratio: for :math:`\\theta_1 < \\theta_2`,
    :math:`L(\\theta_2; y) / L(\\theta_1; y) = (\\theta_2/\\theta_1)^y
    ((1 - \\theta_2)/(1 - \\theta_1))^{n - y}` increases with :math:`y`; for Poisson counts
    :math:`(\\lambda_2/\\lambda_1)^y e^{-(\\lambda_2 - \\lambda_1)E}` does. Write
    :math:`p_y(\\theta) \\propto \\pi(\\theta) L(\\theta; y)`. For :math:`y < y'`,
    :math:`p_{y'}(\\theta)/p_y(\\theta) \\propto L(\\theta; y')/L(\\theta; y)` is
    non-decreasing in :math:`\\theta` (the prior cancels). With :math:`r = p_{y'}/p_y`,
    :math:`\\kappa = r(q)`, :math:`A = P(\\theta > q \\mid y)` and
    :math:`N = \\int_{\\theta > q} r\\, p_y \\ge \\kappa A`, while
    :math:`\\int_{\\theta \\le q} r\\, p_y \\le \\kappa (1 - A)`; as :math:`x/(x + c)`
    increases in :math:`x`,

    .. math:: P(\\theta > q \\mid y') = \\frac{N}{N + \\int_{\\theta \\le q} r\\, p_y}
              \\ge \\frac{N}{N + \\kappa (1 - A)}
              \\ge \\frac{\\kappa A}{\\kappa A + \\kappa (1 - A)} = P(\\theta > q \\mid y).

    So :math:`P(\\theta > q \\mid y)` is non-decreasing in :math:`y` (and
    :math:`P(\\theta < q \\mid y)` non-increasing): a ``"greater"`` criterion holds on a
    half-line :math:`y \\ge y^*`, a ``"less"`` one on :math:`y \\le y^*`, and a rule that
    needs several criteria (in either direction) holds on their intersection, an interval.
    Each :math:`y^*` is found by bisection over the counts: :math:`\\lceil\\log_2(n + 2)\\rceil`
    exact posterior probabilities for a binary endpoint, doubling then bisection over the
    unbounded Poisson counts, whatever ``n`` or the exposure.

    Examples
    --------
    >>> from bayes_trials import Beta, Gamma
    >>> decision_boundary(Beta(1, 1), n=9, threshold=0.975, target=0.39)
    7
    >>> decision_boundary(Gamma(1, 1), threshold=0.9, target=2.0, direction="less", exposure=10)
    15
    >>> decision_boundary(Beta(1, 1), n=10**9, threshold=0.975, target=0.39)   # 31 posteriors, not 1e9
    390030231
    """
    rule = _resolve_rule(rule, threshold, target, direction)
    if not isinstance(rule, DecisionRule) or rule.direction is None:
        raise DataError("a boundary needs a rule whose criteria share one direction", field="rule")
    kind, size = _design(prior, n, exposure)
    segments = _count_segments(prior, rule, kind, size)
    return segments.first(True) if rule.direction == "greater" else segments.last(True)


# --------------------------------------------------------------------------------------
# operating characteristics
# --------------------------------------------------------------------------------------


def _truths(truths, kind: str) -> np.ndarray:
    if truths is None:
        raise DataError("give the true values to evaluate, e.g. truths=[0.39, 0.7]", field="truths")
    arr = np.atleast_1d(np.asarray(truths, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise DataError(
            f"must be a non-empty list of finite numbers, got {truths!r}", field="truths"
        )
    if kind == "binomial" and np.any((arr < 0) | (arr > 1)):
        raise DataError(f"probabilities must lie in [0, 1], got {arr.tolist()}", field="truths")
    if kind == "poisson" and np.any(arr < 0):
        raise DataError(f"rates must be >= 0, got {arr.tolist()}", field="truths")
    return arr


def _column_name(label) -> str:
    return "prob_" + {True: "success", False: "failure"}.get(label, str(label)).replace("-", "_")


def _simulate_truth(prior, rule, kind, size, truth, n_sim, seed):
    """Monte Carlo OC at one truth: draw counts, decide with update() + rule() per distinct count."""
    rng = np.random.default_rng(seed)
    ys = (
        rng.binomial(size, truth, n_sim) if kind == "binomial" else rng.poisson(truth * size, n_sim)
    )
    values, freq = np.unique(ys, return_counts=True)
    tally: dict = {}
    for y, f in zip(values.tolist(), freq.tolist()):
        label = rule(_posterior(prior, kind, size, y))
        tally[label] = tally.get(label, 0) + f
    return tally


def _simulate(prior, rule, kind, size, truths, n_sim, random_seed, client=None):
    """Monte Carlo OC over truths; each truth has its own spawned seed, so the tallies are
    the same whether the truths run here or on a Dask cluster (``client``)."""
    from ..scale import run_tasks, spawn_seeds

    seeds = spawn_seeds(random_seed, len(truths))
    args = [(prior, rule, kind, size, float(t), n_sim, s) for t, s in zip(truths, seeds)]
    return run_tasks(_simulate_truth, args, client=client)


def operating_characteristics(
    prior: Distribution,
    n: int | None = None,
    threshold: float | None = None,
    target: float | None = None,
    truths: ArrayLike | None = None,
    direction: str = "greater",
    *,
    exposure: float | None = None,
    rule: DecisionRule | GoNoGoRule | None = None,
    method: str = "exact",
    n_sim: int = 100_000,
    random_seed: int | np.random.Generator | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Probability that the rule says success (or each zone) if the true parameter is ``truth``.

    Parameters
    ----------
    prior : Beta, Gamma or Mixture of them
        Beta family with ``n``, Gamma family with ``exposure``.
    n : int, optional
        Patients in the trial (binary endpoint).
    threshold, target, direction
        The criterion; see :func:`decision`. Or give ``rule``.
    truths : sequence of float
        True response probabilities (binary) or event rates (Poisson).
    exposure : float, optional
        Total exposure for Poisson counts :math:`y \\sim \\text{Pois}(\\lambda E)`.
    rule : DecisionRule or GoNoGoRule, optional
        A rule from :func:`decision`, instead of threshold/target.
    method : {"exact", "simulation"}
        ``"exact"`` sums the sampling pmf over the success region; ``"simulation"`` draws
        ``n_sim`` trials per truth (seeded by ``random_seed``), decides each with
        :func:`bayes_trials.update` and the rule, and reports the Monte Carlo standard error.
    client : dask.distributed.Client or scheduler address, optional
        Run the simulation's truths as tasks on a Dask cluster (see
        :mod:`bayes_trials.scale`); each truth has its own spawned seed, so the result is the
        same as without a cluster.

    Returns
    -------
    pandas.DataFrame
        One row per truth: ``truth``, ``prob_success`` (or ``prob_go``, ``prob_no_go``,
        ``prob_consider`` for a three-zone rule); with simulation also ``mcse_*`` columns.
        ``attrs["rule"]`` holds the rule in words.

    Notes
    -----
    For a binary endpoint,

    .. math:: \\text{OC}(\\theta) = \\sum_{y=0}^{n} \\binom{n}{y}\\theta^y(1-\\theta)^{n-y}\\,
              \\mathbb{1}\\{\\text{rule}(p(\\cdot \\mid y))\\},

    and for Poisson counts the same with the :math:`\\text{Pois}(\\lambda E)` pmf. Every
    criterion is constant between the decision boundaries of the criteria (see
    :func:`decision_boundary`), so the counts split into at most :math:`2K + 1` intervals
    on which the rule's outcome is constant, and each outcome's probability is a sum of
    closed-form binomial (Poisson) interval probabilities, :math:`F(hi) - F(lo - 1)` or
    :math:`S(lo - 1) - S(hi)` (whichever does not cancel; the last interval a survival
    function). The cost does not depend on ``n``. At the null ``truth = target`` the OC is
    the type I error, at an alternative the power.
    The Monte Carlo standard error of a simulated probability :math:`\\hat p` is
    :math:`\\sqrt{\\hat p(1-\\hat p)/n_{sim}}`.

    References
    ----------
    Weber S et al. J Stat Softw 2021;100(19). doi:10.18637/jss.v100.i19 (``oc1S``)

    Examples
    --------
    >>> from bayes_trials import Beta
    >>> oc = operating_characteristics(Beta(1, 1), n=9, threshold=0.975, target=0.39,
    ...                                truths=[0.39, 0.8])
    >>> oc.round(4)
       truth  prob_success
    0   0.39        0.0215
    1   0.80        0.7382
    """
    rule = _resolve_rule(rule, threshold, target, direction)
    kind, size = _design(prior, n, exposure)
    truths = _truths(truths, kind)
    v.one_of(method, METHODS, "method", DataError)
    labels = [True] if isinstance(rule, DecisionRule) else list(ZONES)
    out = pd.DataFrame({"truth": truths})
    if method == "exact":
        probs = _count_segments(prior, rule, kind, size).probabilities(truths)
        for lab in labels:
            out[_column_name(lab)] = probs.get(lab, np.zeros(len(truths)))
    else:
        n_sim = int(v.count(n_sim, "n_sim"))
        if n_sim < 1:
            raise DataError("must be at least 1", field="n_sim")
        tallies = _simulate(prior, rule, kind, size, truths, n_sim, random_seed, client=client)
        for lab in labels:
            p = np.array([t.get(lab, 0) / n_sim for t in tallies])
            out[_column_name(lab)] = p
            out["mcse_" + _column_name(lab)[5:]] = np.sqrt(p * (1 - p) / n_sim)
        out.attrs["n_sim"] = n_sim
        out.attrs["random_seed"] = random_seed
    out.attrs["rule"] = repr(rule)
    out.attrs["method"] = method
    return out
