"""Decision rules and their exact operating characteristics, for binary and count endpoints.

A decision rule is one or more criteria on the posterior,

.. math:: P(\\theta > q \\mid \\text{data}) > c \\quad\\text{or}\\quad P(\\theta < q \\mid \\text{data}) > c,

the first for efficacy (response, survival), the second for harms and event rates. Rules
are immutable objects that print as a sentence and answer when called on a posterior
distribution, in the manner of RBesT's ``decision1S`` (Neuenschwander, Weber, Schmidli,
O'Hagan): ``c`` is the *threshold* (a posterior probability) and ``q`` the *target* (a
value of the parameter, such as the trial's null response rate).

Because a binomial (Poisson) posterior is stochastically increasing in the number of
events, every criterion holds on a half-line of counts, so a rule succeeds on an interval
of counts whose ends (the *decision boundaries*) are found exactly from conjugate
posteriors; operating characteristics are then exact sums of binomial (Poisson)
probabilities over the success region, never simulations. A simulation version exists only
to check those sums.

Vocabulary (the same in every function here)::

    threshold   c, the posterior probability a criterion must exceed (0.975)
    target      q, the parameter value the probability is taken against (0.39)
    direction   "greater" for P(theta > q) > c, "less" for P(theta < q) > c
    truth       the true parameter value data are generated from

Example
-------
>>> import bayes_trials as bt
>>> from bayes_trials.decisions import decision, decision_boundary
>>> rule = decision(0.975, 0.39)
>>> rule
success if P(theta > 0.39) > 0.975
>>> rule(bt.update(bt.Beta(1, 1), bt.Binary(9, 9)))
True
>>> decision_boundary(bt.Beta(1, 1), n=9, threshold=0.975, target=0.39)
7

References
----------
Neuenschwander B, Weber S, Schmidli H, O'Hagan A. Predictively consistent prior effective
sample sizes. Biometrics 2020;76:578-587. doi:10.1111/biom.13252 (RBesT's companion paper).

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H. Applying meta-analytic-predictive priors
with the R Bayesian evidence synthesis tools. J Stat Softw 2021;100(19):1-32.
doi:10.18637/jss.v100.i19 (``decision1S``, ``oc1S``).

Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials.
Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import stats

from . import _validate as v
from .conjugate import update
from .data import Binary, Rate
from .errors import DataError, PriorError, StatisticalWarning
from .distributions import Mixture, components_of

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

    def prob(self, posterior):
        """:math:`P(\\theta > q)` (``"greater"``) or :math:`P(\\theta < q)` (``"less"``)."""
        if self.direction == "greater":
            return posterior.sf(self.target)
        return posterior.cdf(self.target)

    def met_by(self, prob):
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

    def probabilities(self, posterior) -> dict[str, float]:
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

    def probabilities(self, posterior) -> dict[str, float]:
        return {repr(c): float(c.prob(posterior)) for c in self.criteria}

    def __repr__(self) -> str:
        return f"{self.go!r}; {self.no_go!r}; consider otherwise"


def decision(threshold=None, target=None, direction: str = "greater", *, go=None, no_go=None,
             outcome: str = "success"):
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
            raise DataError("a three-zone rule needs both go and no_go",
                            field="go" if go is None else "no_go")
        return GoNoGoRule(
            DecisionRule(_as_criteria(go, "greater", "go"), outcome="go"),
            DecisionRule(_as_criteria(no_go, "less", "no_go"), outcome="no-go"),
        )
    if threshold is None or target is None:
        raise DataError("a decision rule needs a threshold and a target",
                        field="threshold" if threshold is None else "target")
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
        need = "Beta (or a Beta mixture) for a binary endpoint" if family == "beta" else \
            "Gamma (or a Gamma mixture) for an event rate"
        raise PriorError(f"needs a {need}, got {prior!r}", field=field)
    return prior


def _design(prior, n, exposure):
    """Validate (prior, n | exposure); returns ("binomial", n) or ("poisson", exposure)."""
    if (n is None) == (exposure is None):
        raise DataError("give exactly one of n (binary endpoint) or exposure (event rate)",
                        field="n" if n is None else "exposure")
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

    A single Beta (Gamma) prior is vectorised over the counts with scipy; a mixture is
    updated count by count with :func:`bayes_trials.update` (exact reweighting).
    """
    counts = np.asarray(counts, dtype=float)
    if not isinstance(prior, Mixture):
        if kind == "binomial":
            post = stats.beta(prior.a + counts, prior.b + size - counts)
        else:
            post = stats.gamma(prior.shape + counts, scale=1.0 / (prior.rate + size))
        return post.sf(crit.target) if crit.direction == "greater" else post.cdf(crit.target)
    return np.array([crit.prob(_posterior(prior, kind, size, y)) for y in counts], dtype=float)


def _poisson_boundary(prior, exposure, crit: Criterion) -> int | None:
    """Exact boundary of one criterion for Poisson counts (unbounded), by bisection.

    ``"greater"``: the smallest count meeting it; ``"less"``: the largest (None if none).
    Monotone because the Gamma posterior is stochastically increasing in the count.
    """
    def met(y: int) -> bool:
        return bool(crit.met_by(_criterion_probs(prior, "poisson", exposure, [y], crit))[0])

    if crit.direction == "greater":
        if met(0):
            return 0
        lo, hi = 0, 1  # met(lo) False
        while not met(hi):
            lo, hi = hi, 2 * hi
            if hi > 10**9:  # pragma: no cover - a posterior never this far out
                raise DataError("no count up to 1e9 meets the criterion", field="target")
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if met(mid) else (mid, hi)
        return hi
    if not met(0):
        return None
    lo, hi = 0, 1  # met(lo) True
    while met(hi):
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if met(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class _CountTable:
    """The rule's outcome after each count 0..top; ``tail`` is the outcome for counts > top
    (Poisson only: every criterion is constant there), None for binomial."""

    kind: str
    size: float
    outcomes: np.ndarray
    tail: object

    def probabilities(self, truths) -> dict:
        """P(outcome | truth) for every outcome, exact: a sum of pmf over the counts."""
        truths = np.asarray(truths, dtype=float)
        counts = np.arange(len(self.outcomes))
        if self.kind == "binomial":
            pmf = stats.binom.pmf(counts[None, :], self.size, truths[:, None])
            tail = np.zeros(len(truths))
        else:
            mu = truths[:, None] * self.size
            pmf = stats.poisson.pmf(counts[None, :], mu)
            tail = stats.poisson.sf(counts[-1], truths * self.size)
        labels = list(dict.fromkeys(list(self.outcomes) + ([self.tail] if self.tail is not None else [])))
        out = {}
        for lab in labels:
            p = pmf[:, self.outcomes == lab].sum(axis=1)
            if self.tail is not None and self.tail == lab:
                p = p + tail
            out[lab] = np.clip(p, 0.0, 1.0)
        return out


def _count_table(prior, rule, kind: str, size) -> _CountTable:
    if kind == "binomial":
        counts = np.arange(size + 1)
        met = {c: c.met_by(_criterion_probs(prior, kind, size, counts, c)) for c in rule.criteria}
        return _CountTable(kind, size, np.asarray(rule._combine(met)), None)
    bounds = {c: _poisson_boundary(prior, size, c) for c in rule.criteria}
    finite = [b for b in bounds.values() if b is not None]
    top = max(finite, default=0) + 1  # every criterion is constant for counts >= top
    counts = np.arange(top + 1)
    met = {}
    for c, b in bounds.items():
        if c.direction == "greater":
            met[c] = counts >= b
        else:
            met[c] = counts <= b if b is not None else np.zeros(len(counts), bool)
    outcomes = np.asarray(rule._combine(met))
    return _CountTable(kind, size, outcomes[:-1], outcomes[-1])


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


def decision_boundary(prior, n=None, threshold=None, target=None, direction: str = "greater", *,
                      exposure=None, rule=None):
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
    Gamma prior and exposure :math:`E` it is :math:`\\text{Gamma}(s + y, r + E)`. The family
    of posteriors has a monotone likelihood ratio in :math:`y`, so
    :math:`P(\\theta > q \\mid y)` increases with :math:`y` and the success region is a
    half-line. Binary: every count :math:`0..n` is evaluated (vectorised for one Beta).
    Poisson: doubling then bisection over the unbounded counts.

    Examples
    --------
    >>> from bayes_trials import Beta, Gamma
    >>> decision_boundary(Beta(1, 1), n=9, threshold=0.975, target=0.39)
    7
    >>> decision_boundary(Gamma(1, 1), threshold=0.9, target=2.0, direction="less", exposure=10)
    15
    """
    rule = _resolve_rule(rule, threshold, target, direction)
    if not isinstance(rule, DecisionRule) or rule.direction is None:
        raise DataError("a boundary needs a rule whose criteria share one direction",
                        field="rule")
    kind, size = _design(prior, n, exposure)
    if kind == "poisson":
        bounds = [_poisson_boundary(prior, size, c) for c in rule.criteria]
        if any(b is None for b in bounds):
            return None
        return max(bounds) if rule.direction == "greater" else min(bounds)
    table = _count_table(prior, rule, kind, size)
    success = np.flatnonzero(table.outcomes.astype(bool))
    if success.size == 0:
        return None
    return int(success[0] if rule.direction == "greater" else success[-1])


# --------------------------------------------------------------------------------------
# operating characteristics
# --------------------------------------------------------------------------------------


def _truths(truths, kind: str) -> np.ndarray:
    if truths is None:
        raise DataError("give the true values to evaluate, e.g. truths=[0.39, 0.7]", field="truths")
    arr = np.atleast_1d(np.asarray(truths, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise DataError(f"must be a non-empty list of finite numbers, got {truths!r}", field="truths")
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
    ys = rng.binomial(size, truth, n_sim) if kind == "binomial" else rng.poisson(truth * size, n_sim)
    values, freq = np.unique(ys, return_counts=True)
    tally: dict = {}
    for y, f in zip(values.tolist(), freq.tolist()):
        label = rule(_posterior(prior, kind, size, y))
        tally[label] = tally.get(label, 0) + f
    return tally


def _simulate(prior, rule, kind, size, truths, n_sim, random_seed, client=None):
    """Monte Carlo OC over truths; each truth has its own spawned seed, so the tallies are
    the same whether the truths run here or on a Dask cluster (``client``)."""
    from .scale import run_tasks, spawn_seeds

    seeds = spawn_seeds(random_seed, len(truths))
    args = [(prior, rule, kind, size, float(t), n_sim, s) for t, s in zip(truths, seeds)]
    return run_tasks(_simulate_truth, args, client=client)


def operating_characteristics(prior, n=None, threshold=None, target=None, truths=None,
                              direction: str = "greater", *, exposure=None, rule=None,
                              method: str = "exact", n_sim: int = 100_000, random_seed=None,
                              client=None):
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

    and for Poisson counts the same with the :math:`\\text{Pois}(\\lambda E)` pmf; the
    infinite sum is exact because every criterion is constant beyond its boundary, so the
    tail beyond the largest boundary is one Poisson survival probability. At the null
    ``truth = target`` the OC is the type I error, at an alternative the power.
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
        probs = _count_table(prior, rule, kind, size).probabilities(truths)
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


# --------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """The result of :func:`calibrate_threshold`.

    Attributes
    ----------
    threshold : float
        The smallest posterior-probability cut-off :math:`c` whose type I error is at most
        ``alpha``; every :math:`c` in ``[threshold, threshold_upper)`` gives the same rule.
    boundary : int or None
        The decision boundary of that rule (see :func:`decision_boundary`).
    type1_error : float
        Exact type I error of the rule at ``truth``.
    power : pandas.DataFrame
        ``truth``, ``prob_success`` at the alternatives (empty without alternatives).
    """

    threshold: float
    threshold_upper: float
    boundary: int | None
    type1_error: float
    alpha: float
    truth: float
    target: float
    direction: str
    power: pd.DataFrame

    @property
    def rule(self) -> DecisionRule:
        return decision(self.threshold, self.target, self.direction)


def calibrate_threshold(prior, n=None, target=None, alpha: float = 0.025, truth=None,
                        alternatives=None, direction: str = "greater", *, exposure=None):
    """The smallest posterior-probability threshold whose type I error is at most ``alpha``.

    Parameters
    ----------
    prior : Beta, Gamma or Mixture of them
    n : int, optional
        Patients (binary endpoint); or give ``exposure`` for Poisson counts.
    target : float
        The parameter value ``q`` of the criterion (the trial's null).
    alpha : float in (0, 1)
        The largest acceptable type I error.
    truth : float, optional
        The null the type I error is computed at; defaults to ``target``.
    alternatives : sequence of float, optional
        True values at which to report the power of the calibrated rule.
    direction : {"greater", "less"}

    Returns
    -------
    Calibration

    Notes
    -----
    Let :math:`p_y = P(\\theta > q \\mid y)`, increasing in the count :math:`y`. The rule
    :math:`p_y > c` succeeds exactly for :math:`y \\ge k` when
    :math:`p_{k-1} \\le c < p_k`, with type I error
    :math:`\\alpha(k) = P(Y \\ge k \\mid \\theta_0)`. The smallest :math:`k` with
    :math:`\\alpha(k) \\le \\alpha` gives the smallest admissible threshold,
    :math:`c^* = p_{k-1}` (the rule is strict, so at :math:`c^*` the count :math:`k-1`
    fails). ``"less"`` mirrors this with success for :math:`y \\le k`. When even the most
    extreme count has type I error above ``alpha`` the rule can never succeed; the
    threshold returned is then the largest :math:`p_y` and a StatisticalWarning is issued.

    Examples
    --------
    >>> from bayes_trials import Beta
    >>> cal = calibrate_threshold(Beta(1, 1), n=9, target=0.39, alpha=0.025, alternatives=[0.8])
    >>> cal.boundary, round(cal.threshold, 4), round(cal.type1_error, 5)
    (7, 0.9523, 0.02153)
    >>> round(float(cal.power.prob_success[0]), 4)
    0.7382
    """
    kind, size = _design(prior, n, exposure)
    if target is None:
        raise DataError("give the target (the null value of the parameter)", field="target")
    target = v.finite_real(target, "target", DataError)
    alpha = v.open_unit(alpha, "alpha", DataError)
    v.one_of(direction, DIRECTIONS, "direction", DataError)
    truth = target if truth is None else float(_truths([truth], kind)[0])
    crit_prob = Criterion(0.5, target, direction)  # only its prob() is used

    def p_at(ys):
        return _criterion_probs(prior, kind, size, ys, crit_prob)

    if kind == "binomial":
        if direction == "greater":
            errors = stats.binom.sf(np.arange(size + 1) - 1, size, truth)  # P(Y >= k)
            ok = np.flatnonzero(errors <= alpha)
            k = int(ok[0]) if ok.size else size + 1
        else:
            errors = stats.binom.cdf(np.arange(size + 1), size, truth)  # P(Y <= k)
            ok = np.flatnonzero(errors <= alpha)
            k = int(ok[-1]) if ok.size else -1
        last = size
    else:
        mu = truth * size
        if direction == "greater":
            k = int(stats.poisson.isf(alpha, mu)) if mu > 0 else 0
            while k > 0 and stats.poisson.sf(k - 2, mu) <= alpha:
                k -= 1
            while stats.poisson.sf(k - 1, mu) > alpha:
                k += 1
        else:
            k = int(stats.poisson.ppf(alpha, mu))
            while k >= 0 and stats.poisson.cdf(k, mu) > alpha:
                k -= 1
            while stats.poisson.cdf(k + 1, mu) <= alpha:
                k += 1
        last = None
    never = False
    if direction == "greater":
        if kind == "binomial" and k > size:
            never = True
            lo, hi = float(p_at([size])[0]), 1.0
        elif k == 0:
            lo, hi = 0.0, float(p_at([0])[0])
        else:
            lo, hi = (float(x) for x in p_at([k - 1, k]))
    else:
        if k < 0:
            never = True
            lo, hi = float(p_at([0])[0]), 1.0
        elif last is not None and k == last:
            lo, hi = 0.0, float(p_at([k])[0])
        else:
            hi, lo = (float(x) for x in p_at([k, k + 1]))
    if never:
        warnings.warn(
            f"no threshold keeps the type I error at truth {truth:g} below {alpha:g} with "
            f"{'n' if kind == 'binomial' else 'exposure'} = {size:g}: the rule can never succeed",
            StatisticalWarning,
            stacklevel=2,
        )
    threshold = max(lo, np.nextafter(0.0, 1.0))
    rule = decision(min(threshold, np.nextafter(1.0, 0.0)), target, direction)
    table = _count_table(prior, rule, kind, size)
    type1 = float(table.probabilities([truth]).get(True, np.zeros(1))[0])
    if alternatives is not None:
        alt = _truths(alternatives, kind)
        power = pd.DataFrame({"truth": alt,
                              "prob_success": table.probabilities(alt).get(True, np.zeros(len(alt)))})
    else:
        power = pd.DataFrame({"truth": [], "prob_success": []})
    if never:
        boundary = None
    else:
        boundary = k
    return Calibration(
        threshold=threshold, threshold_upper=hi, boundary=boundary, type1_error=type1,
        alpha=alpha, truth=truth, target=target, direction=direction, power=power,
    )


# --------------------------------------------------------------------------------------
# predictive probability and interim futility (Lee & Liu 2008)
# --------------------------------------------------------------------------------------


def _beta_binomial_pmf(post, m: int, j) -> np.ndarray:
    """Predictive pmf of j future responders among m under a Beta (mixture) posterior."""
    w, comps = components_of(post)
    j = np.asarray(j)
    return sum(wk * stats.betabinom.pmf(j, m, c.a, c.b) for wk, c in zip(w, comps))


def _final_success(prior, n_max: int, threshold: float, target: float, direction: str) -> np.ndarray:
    """Whether the final analysis succeeds after each total count 0..n_max."""
    crit = Criterion(threshold, target, direction)
    return crit.met_by(_criterion_probs(prior, "binomial", n_max, np.arange(n_max + 1), crit))


def _predictive_probability(prior, events: int, n: int, n_max: int, threshold: float,
                            target: float, direction: str = "greater",
                            final: np.ndarray | None = None) -> float:
    """Predictive probability of final success (Lee & Liu 2008), exact.

    .. math:: PP = \\sum_{j=0}^{m} P(J = j \\mid y, n)\\,
              \\mathbb{1}\\{P(\\theta > q \\mid y + j, n_{max}) > c\\},

    with :math:`m = n_{max} - n` and :math:`J` beta-binomial under the interim posterior.
    """
    m = n_max - n
    if final is None:
        final = _final_success(prior, n_max, threshold, target, direction)
    post = update(prior, Binary(events, n))
    j = np.arange(m + 1)
    return float(np.sum(_beta_binomial_pmf(post, m, j) * final[events + j]))


def interim_futility_oc(prior, n_interim, n_max: int, threshold: float, target: float,
                        futility: float, truths, direction: str = "greater") -> pd.DataFrame:
    """Operating characteristics of a predictive-probability futility rule (Lee & Liu 2008).

    At each interim look after ``n_interim`` patients (one size or an increasing list) the
    trial stops for futility if the predictive probability that it will end in success is
    below ``futility``; otherwise it continues to ``n_max`` patients, where it succeeds if
    :math:`P(\\theta > q \\mid y, n_{max}) > c` (``direction="less"``: :math:`P(\\theta < q) > c`).

    Parameters
    ----------
    prior : Beta or Beta mixture
    n_interim : int or increasing sequence of int
        Patients at each interim look, each below ``n_max``.
    n_max : int
        Patients at the final analysis.
    threshold, target : float
        The final rule's :math:`c` and :math:`q`.
    futility : float in (0, 1)
        Stop when the predictive probability of final success is below this
        (:math:`\\theta_L` in Lee & Liu).
    truths : sequence of float
        True response probabilities.

    Returns
    -------
    pandas.DataFrame
        ``truth``, ``prob_stop_futility`` (stopped at any look), ``prob_success`` (reached
        ``n_max`` and succeeded), ``prob_fail_final`` (reached ``n_max``, no success),
        ``expected_n``; ``attrs["stop_below"]`` maps each look to the largest interim count
        that stops (``"greater"``; the smallest for ``"less"``) and ``attrs["pp"]`` to
        the predictive probabilities after each count.

    Notes
    -----
    With looks :math:`n_1 < \\dots < n_K < n_{max}`, the distribution of the count among
    trials still running is propagated look by look (a convolution with
    :math:`\\text{Bin}(n_{k+1} - n_k, \\theta)`), removing the counts whose predictive
    probability

    .. math:: PP(y_k) = \\sum_{j=0}^{n_{max} - n_k} \\text{BetaBin}(j; n_{max} - n_k,
              a + y_k, b + n_k - y_k)\\, \\mathbb{1}\\{\\text{final success at } y_k + j\\}

    is below ``futility`` (a Beta mixture posterior gives a mixture of beta-binomials). All
    sums are exact. The expected sample size is
    :math:`\\sum_k n_k P(\\text{stop at } k) + n_{max} P(\\text{reach the end})`.

    References
    ----------
    Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials.
    Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279

    Examples
    --------
    >>> from bayes_trials import Beta
    >>> oc = interim_futility_oc(Beta(1, 1), n_interim=6, n_max=12, threshold=0.95,
    ...                          target=0.4, futility=0.05, truths=[0.4, 0.75])
    >>> oc.round(3)
       truth  prob_stop_futility  prob_success  prob_fail_final  expected_n
    0   0.40               0.544         0.056            0.400       8.734
    1   0.75               0.038         0.836            0.126      11.774
    """
    _check_prior(prior, "beta")
    n_max = v.count(n_max, "n_max")
    looks = [n_interim] if isinstance(n_interim, Integral) or np.ndim(n_interim) == 0 else list(n_interim)
    looks = [v.count(x, "n_interim") for x in looks]
    if not looks or looks[0] < 1 or any(b <= a for a, b in zip(looks, looks[1:])) or looks[-1] >= n_max:
        raise DataError(f"interim sizes must increase from >= 1 and stay below n_max = {n_max}, "
                        f"got {looks}", field="n_interim")
    threshold = v.open_unit(threshold, "threshold", DataError)
    target = v.finite_real(target, "target", DataError)
    futility = v.open_unit(futility, "futility", DataError)
    v.one_of(direction, DIRECTIONS, "direction", DataError)
    truths = _truths(truths, "binomial")

    final = _final_success(prior, n_max, threshold, target, direction)
    pp = {nk: np.array([_predictive_probability(prior, y, nk, n_max, threshold, target,
                                                direction, final) for y in range(nk + 1)])
          for nk in looks}
    stops = {nk: pp[nk] < futility for nk in looks}

    rows = []
    for theta in truths:
        running = np.array([1.0])  # P(count = y and still running), y = 0..n_prev
        n_prev = 0
        p_stop, exp_n = 0.0, 0.0
        for nk in looks:
            step = stats.binom.pmf(np.arange(nk - n_prev + 1), nk - n_prev, theta)
            running = np.convolve(running, step)
            stopped = float(running[stops[nk]].sum())
            p_stop += stopped
            exp_n += nk * stopped
            running = np.where(stops[nk], 0.0, running)
            n_prev = nk
        step = stats.binom.pmf(np.arange(n_max - n_prev + 1), n_max - n_prev, theta)
        at_end = np.convolve(running, step)
        p_success = float(at_end[final].sum())
        p_end = float(at_end.sum())
        rows.append({
            "truth": theta,
            "prob_stop_futility": p_stop,
            "prob_success": p_success,
            "prob_fail_final": p_end - p_success,
            "expected_n": exp_n + n_max * p_end,
        })
    out = pd.DataFrame(rows)
    out.attrs["pp"] = pp
    out.attrs["stop_below"] = {
        nk: (int(np.flatnonzero(s)[-1]) if direction == "greater" else int(np.flatnonzero(s)[0]))
        if s.any() else None
        for nk, s in stops.items()
    }
    out.attrs["rule"] = (f"stop for futility if PP < {futility:g}; "
                         f"{decision(threshold, target, direction)!r} at n = {n_max}")
    return out


__all__ = [
    "Criterion", "DecisionRule", "GoNoGoRule", "decision", "decision_boundary",
    "operating_characteristics", "calibrate_threshold", "Calibration", "interim_futility_oc",
]
