"""Two-sample decision rules and their decision boundaries (RBesT's ``decision2S``).

A two-sample criterion is a posterior probability of a contrast of the treatment parameter
:math:`\\theta_1` with the control's :math:`\\theta_2`,

.. math:: P(g(\\theta_1, \\theta_2) > q \\mid \\text{data}) > c \\quad\\text{or}\\quad
          P(g(\\theta_1, \\theta_2) < q \\mid \\text{data}) > c,

with :math:`g` the difference, the ratio or the odds ratio (:mod:`bayes_trials.compare`),
and a rule is the conjunction of its criteria. Arm 1 is the treatment, arm 2 the control:
the contrast is arm 1 minus (or over) arm 2.

Arms and their outcomes (one family for both arms):

- Beta (mixture) priors: binomial arms of ``n`` patients, outcome the number of events;
- Gamma (mixture) priors: Poisson arms over exposure ``n``, outcome the number of events;
- Normal (mixture) priors: normal arms of ``n`` observations of sampling sd ``sigma``,
  outcome the sample mean (standard error :math:`\\sigma/\\sqrt{n}`), ``measure="difference"``.

The decision boundary. Each arm's posterior is stochastically increasing in its outcome
(a monotone likelihood ratio, whatever the prior), so :math:`P(g > q \\mid y_1, y_2)`
increases in :math:`y_1` and decreases in :math:`y_2`. For each control outcome
:math:`y_2`, a ``"greater"`` criterion therefore holds exactly for :math:`y_1 \\ge
b(y_2)`, a ``"less"`` criterion for :math:`y_1 \\le b(y_2)`, and both boundaries are
non-decreasing in :math:`y_2`. :func:`decision_boundary_2s` finds them exactly: for counts,
by a search from the previous control outcome's boundary (doubling, then bisection), so
that consecutive control outcomes cost a few posterior evaluations each; for normal arms,
by root finding on the treatment mean.

References
----------
Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B.
Robust meta-analytic-predictive priors in clinical trials with historical control
information. Biometrics 2014;70:1023-1032. doi:10.1111/biom.12242

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H. Applying meta-analytic-predictive priors
with the R Bayesian evidence synthesis tools. J Stat Softw 2021;100(19):1-32.
doi:10.18637/jss.v100.i19 (``decision2S``, ``decision2S_boundary``, ``oc2S``, ``pos2S``)

Example
-------
>>> from bayes_trials import Beta
>>> rule = decision_2s(0.975, 0.0)
>>> rule
success if P(theta1 - theta2 > 0) > 0.975
>>> b = decision_boundary_2s(Beta(1, 1), Beta(1, 1), 20, 20, rule)
>>> [b(y2) for y2 in (0, 5, 10)]     # the fewest treatment events for success
[4, 12, 17]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize
from scipy.special import betaln, gammaln, logsumexp, ndtr

from .. import _validate as v
from ..compare import MEASURES, NULL, SYMBOLS, compare
from ..conjugate import update
from ..data import Binary, NormalData, Rate
from ..distributions import Beta, Distribution, Gamma, Mixture, Normal, components_of
from ..errors import DataError, PriorError
from .rules import DIRECTIONS

__all__ = ["Criterion2S", "DecisionRule2S", "decision_2s", "Boundary2S", "decision_boundary_2s"]

#: the arm kinds: prior family -> sampling distribution of the outcome
#: the most rows of a boundary table over every control count (:meth:`Boundary2S.table`)
MAX_TABLE = 10_000

ARM_KINDS = {"beta": "binomial", "gamma": "poisson", "normal": "normal"}


# =====================================================================================
# rules
# =====================================================================================
@dataclass(frozen=True)
class Criterion2S:
    """One criterion :math:`P(g(\\theta_1, \\theta_2) > q) > c` (or ``<``).

    Parameters
    ----------
    threshold : float in (0, 1)
        The posterior probability :math:`c` that must be exceeded (strictly).
    target : float
        The contrast value :math:`q` (0 for a difference, 1 for no effect on a ratio; a
        margin otherwise). On the measure's own scale (a ratio of 0.8, not its log).
    direction : {"greater", "less"}
    measure : {"difference", "ratio", "odds_ratio"}
        :math:`\\theta_1 - \\theta_2`, :math:`\\theta_1/\\theta_2` or the odds ratio.

    Example
    -------
    >>> from bayes_trials import Beta
    >>> crit = Criterion2S(0.9, 1.0, "less", "ratio")
    >>> crit
    P(theta1 / theta2 < 1) > 0.9
    >>> crit(Beta(3, 30), Beta(10, 23))
    True
    """

    threshold: float
    target: float
    direction: str = "greater"
    measure: str = "difference"

    def __post_init__(self):
        object.__setattr__(self, "threshold", v.open_unit(self.threshold, "threshold", DataError))
        object.__setattr__(self, "target", v.finite_real(self.target, "target", DataError))
        v.one_of(self.direction, DIRECTIONS, "direction", DataError)
        v.one_of(self.measure, MEASURES, "measure", DataError)
        if self.measure != "difference" and self.target <= 0:
            raise DataError(
                f"a {self.measure} criterion needs a target > 0, got {self.target:g}",
                field="target",
            )

    def prob(self, dist1: Distribution, dist2: Distribution) -> float:
        """:math:`P(g > q)` (``"greater"``) or :math:`P(g < q)` (``"less"``) for independent
        ``dist1`` (treatment) and ``dist2`` (control), exactly (:func:`bayes_trials.compare`;
        for two Normal (mixtures) the closed form
        :math:`\\sum_{ij} w_i w_j \\Phi(\\pm(m_i - m_j - q)/\\sqrt{s_i^2 + s_j^2})` directly)."""
        if self.measure == "difference":
            (w1, c1), (w2, c2) = components_of(dist1), components_of(dist2)
            if all(type(c) is Normal for c in (*c1, *c2)):
                m = np.subtract.outer([c.loc for c in c1], [c.loc for c in c2]) - self.target
                sd = np.hypot.outer([c.scale for c in c1], [c.scale for c in c2])
                z = m / sd if self.direction == "greater" else -m / sd
                return float(np.sum(np.outer(w1, w2) * ndtr(z)))
        c = compare(dist1, dist2, self.measure)
        return float(c.sf(self.target) if self.direction == "greater" else c.cdf(self.target))

    def __call__(self, dist1, dist2) -> bool:
        return bool(self.prob(dist1, dist2) > self.threshold)

    def describe(self) -> str:
        """The contrast and its comparison in words, e.g. ``P(theta1 - theta2 > 0)``."""
        sign = ">" if self.direction == "greater" else "<"
        return f"P({SYMBOLS[self.measure].format(a='theta1', b='theta2')} {sign} {self.target:.4g})"

    def __repr__(self) -> str:
        return f"{self.describe()} > {self.threshold:.4g}"


@dataclass(frozen=True, repr=False)
class DecisionRule2S:
    """A two-sample rule: ``outcome`` (success) when *all* its criteria hold.

    ``rule(dist1, dist2)`` answers for the posteriors of the treatment (``dist1``) and the
    control (``dist2``); :meth:`probabilities` gives each criterion's posterior probability.
    Build it with :func:`decision_2s`.
    """

    criteria: tuple
    outcome: str = "success"

    def __post_init__(self):
        crits = tuple(self.criteria)
        if not crits or not all(isinstance(c, Criterion2S) for c in crits):
            raise DataError("a two-sample rule needs at least one Criterion2S", field="criteria")
        object.__setattr__(self, "criteria", crits)

    def __call__(self, dist1, dist2) -> bool:
        return all(c(dist1, dist2) for c in self.criteria)

    def probabilities(self, dist1: Distribution, dist2: Distribution) -> dict[str, float]:
        """Each criterion's posterior probability, keyed by the criterion in words."""
        return {repr(c): c.prob(dist1, dist2) for c in self.criteria}

    @property
    def greater(self) -> tuple:
        return tuple(c for c in self.criteria if c.direction == "greater")

    @property
    def less(self) -> tuple:
        return tuple(c for c in self.criteria if c.direction == "less")

    def __repr__(self) -> str:
        return f"{self.outcome} if " + " and ".join(repr(c) for c in self.criteria)


def decision_2s(
    threshold: float | Sequence[float],
    target: float | Sequence[float],
    direction: str | Sequence[str] = "greater",
    measure: str | Sequence[str] = "difference",
    outcome: str = "success",
) -> DecisionRule2S:
    """A two-sample decision rule (RBesT's ``decision2S``), arm 1 (treatment) vs arm 2 (control).

    Parameters
    ----------
    threshold : float or sequence of float
        Posterior probability cut-off(s) :math:`c` in (0, 1).
    target : float or sequence of float
        Contrast value(s) :math:`q`, on the measure's scale (0: no difference; 1: no effect
        on a ratio or odds ratio; a margin otherwise).
    direction : {"greater", "less"} or sequence of them
        ``"greater"``: :math:`P(g > q) > c`; ``"less"``: :math:`P(g < q) > c` (e.g. a rate ratio
        below 1 for a harm the treatment prevents).
    measure : {"difference", "ratio", "odds_ratio"} or sequence of them
        The contrast :math:`g`: :math:`\\theta_1 - \\theta_2`, :math:`\\theta_1/\\theta_2` or
        :math:`\\frac{\\theta_1/(1-\\theta_1)}{\\theta_2/(1-\\theta_2)}`.
    outcome : str
        The word the rule prints for success.

    Sequences (of equal length, or length 1) give several criteria, all of which must hold.

    Returns
    -------
    DecisionRule2S
        ``rule(dist1, dist2)`` answers True or False for the two posteriors.

    Raises
    ------
    DataError
        A threshold outside (0, 1), an unknown direction or measure, a ratio target <= 0,
        mismatched lengths.

    Examples
    --------
    >>> decision_2s([0.975, 0.5], [0.0, 0.2])
    success if P(theta1 - theta2 > 0) > 0.975 and P(theta1 - theta2 > 0.2) > 0.5
    >>> decision_2s(0.95, 0.7, "less", "ratio")
    success if P(theta1 / theta2 < 0.7) > 0.95
    """
    seqs = {}
    for name, val in (
        ("threshold", threshold),
        ("target", target),
        ("direction", direction),
        ("measure", measure),
    ):
        if val is None:
            raise DataError("missing", field=name)
        seqs[name] = (
            [val] if isinstance(val, (str, int, float, np.floating, np.integer)) else list(val)
        )
    k = max(len(s) for s in seqs.values())
    for name, seq in seqs.items():
        if len(seq) not in (1, k):
            raise DataError(f"needs 1 or {k} values, got {len(seq)}", field=name)
    pick = lambda seq, i: seq[0] if len(seq) == 1 else seq[i]  # noqa: E731
    crits = tuple(
        Criterion2S(*(pick(seqs[n], i) for n in ("threshold", "target", "direction", "measure")))
        for i in range(k)
    )
    return DecisionRule2S(crits, outcome=outcome)


# =====================================================================================
# arms: prior, sampling distribution of the outcome, posterior after an outcome
# =====================================================================================
def _posterior_at(prior, kind: str, size: float, y: float):
    """The conjugate posterior after outcome ``y``, for real-valued counts too.

    For integer counts this is :func:`bayes_trials.update`; between integers the same
    formulas (Beta(:math:`a + y, b + n - y`) with weights :math:`\\propto w_k B(a_k + y, b_k
    + n - y)/B(a_k, b_k)`; Gamma(:math:`s + y, r + E`) with weights :math:`\\propto w_k
    r_k^{s_k}\\Gamma(s_k + y)/(\\Gamma(s_k)(r_k + E)^{s_k + y})`) define a posterior that
    increases continuously with :math:`y`, whose root in :math:`y` locates the integer
    boundary of large trials (:mod:`~bayes_trials.decisions.two_sample_oc`).
    """
    w, comps = components_of(prior)
    if kind == "binomial":
        posts = [Beta(c.a + y, c.b + size - y) for c in comps]
        logml = [betaln(p.a, p.b) - betaln(c.a, c.b) for p, c in zip(posts, comps)]
    else:
        posts = [Gamma(c.shape + y, c.rate + size) for c in comps]
        logml = [
            c.shape * math.log(c.rate)
            - gammaln(c.shape)
            + gammaln(p.shape)
            - p.shape * math.log(p.rate)
            for p, c in zip(posts, comps)
        ]
    if len(posts) == 1:
        return posts[0]
    with np.errstate(divide="ignore"):
        logw = np.log(w) + np.asarray(logml)
    new_w = np.exp(logw - logsumexp(logw))
    return Mixture(posts, new_w / new_w.sum())


@dataclass(frozen=True, eq=False)
class Arm:
    """One arm of a two-arm design: its prior and the sampling distribution of its outcome.

    ``kind`` is ``"binomial"`` (``size`` patients), ``"poisson"`` (``size`` units of
    exposure) or ``"normal"`` (``size`` observations of sampling sd ``sigma``; the outcome
    is their mean, with standard error :math:`\\sigma/\\sqrt{n}`). Posteriors are cached per
    outcome.
    """

    prior: object
    kind: str
    size: float
    sigma: float | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def se(self) -> float:
        return self.sigma / math.sqrt(self.size)

    @property
    def top(self) -> int | None:
        """The largest possible outcome (binomial), None when unbounded."""
        return int(self.size) if self.kind == "binomial" else None

    def posterior(self, y):
        """The exact posterior after outcome ``y`` (:func:`bayes_trials.update`), cached."""
        if y not in self._cache:
            if self.kind == "binomial":
                data = Binary(int(y), int(self.size))
            elif self.kind == "poisson":
                data = Rate(int(y), self.size)
            else:
                data = NormalData(float(y), self.se)
            self._cache[y] = update(self.prior, data)
        return self._cache[y]

    def posterior_at(self, y: float):
        """The posterior after a real-valued count (see :func:`_posterior_at`); normal arms:
        :meth:`posterior`."""
        if self.kind == "normal" or float(y).is_integer():
            return self.posterior(int(y) if self.kind != "normal" else float(y))
        return _posterior_at(self.prior, self.kind, self.size, float(y))

    def updated(self, data) -> Arm:
        """The same arm with its prior updated by interim ``data``."""
        return Arm(update(self.prior, data), self.kind, self.size, self.sigma)


def make_arms(prior1, prior2, n1, n2, sigma=None) -> tuple[Arm, Arm]:
    """Validate a two-arm design: one prior family for both arms (Beta, Gamma or Normal,
    mixtures allowed), positive sizes (whole patients for binomial arms), and for normal
    arms the sampling sd ``sigma`` (one number, or one per arm)."""
    fams = []
    for name, prior in (("prior1", prior1), ("prior2", prior2)):
        _, comps = components_of(prior)
        fam = getattr(comps[0], "family", None)
        if fam not in ARM_KINDS:
            raise PriorError(
                f"needs a Beta, Gamma or Normal (mixture) prior, got {prior!r}", field=name
            )
        fams.append(fam)
    if fams[0] != fams[1]:
        raise PriorError(
            f"both arms need priors of one family, got {fams[0]} and {fams[1]}", field="prior2"
        )
    kind = ARM_KINDS[fams[0]]
    sizes = []
    for name, n in (("n1", n1), ("n2", n2)):
        if kind == "binomial":
            n = v.count(n, name)
            if n == 0:
                raise DataError("must be at least 1 patient, got 0", field=name)
        else:
            n = v.positive(n, name)
        sizes.append(n)
    sigmas = (None, None)
    if kind == "normal":
        if sigma is None:
            raise DataError("normal arms need the sampling sd of one observation", field="sigma")
        sig = [sigma] if np.ndim(sigma) == 0 else list(sigma)
        if len(sig) not in (1, 2):
            raise DataError(f"one sd, or one per arm; got {len(sig)}", field="sigma")
        sigmas = tuple(v.positive(s, "sigma") for s in (sig * 2)[:2])
    elif sigma is not None:
        raise DataError(f"sigma is for normal arms; these arms are {kind}", field="sigma")
    return (Arm(prior1, kind, sizes[0], sigmas[0]), Arm(prior2, kind, sizes[1], sigmas[1]))


def check_rule(rule, kind: str) -> DecisionRule2S:
    if isinstance(rule, Criterion2S):
        rule = DecisionRule2S((rule,))
    if not isinstance(rule, DecisionRule2S):
        raise DataError(f"expected a rule from decision_2s(), got {rule!r}", field="rule")
    if kind == "normal" and any(c.measure != "difference" for c in rule.criteria):
        raise DataError(
            "normal arms are compared by their difference (a ratio of means is not "
            "a contrast of this model)",
            field="rule",
        )
    return rule


# =====================================================================================
# boundaries of count arms: for each control count, the critical treatment count
# =====================================================================================
def _met(crit: Criterion2S, arm1: Arm, arm2: Arm, y1, y2) -> bool:
    return crit(arm1.posterior(y1), arm2.posterior(y2))


def _first_true(met, lo: int, top: int | None) -> int:
    """Smallest y >= lo with ``met(y)`` (``met`` False then True); ``top + 1`` when none up to
    ``top`` (None: unbounded). Doubling from ``lo``, then bisection."""
    if met(lo):
        return lo
    bad, step = lo, 1
    while True:
        cand = bad + step
        if top is not None and cand >= top:
            if not met(top):
                return top + 1
            good = top
            break
        if met(cand):
            good = cand
            break
        bad, step = cand, 2 * step
        if cand > 10**15:  # pragma: no cover - a posterior never this far out
            raise DataError("no count up to 1e15 meets the criterion", field="rule")
    while good - bad > 1:
        mid = (bad + good) // 2
        bad, good = (bad, mid) if met(mid) else (mid, good)
    return good


def _last_true(met, lo: int, top: int | None) -> int:
    """Largest y >= lo with ``met(y)`` (``met`` True then False), given ``met(lo)``; ``lo - 1``
    when not even ``lo`` meets it."""
    if not met(lo):
        return lo - 1
    first_false = _first_true(lambda y: not met(y), lo, top)
    return first_false - 1


def count_boundaries(crit: Criterion2S, arm1: Arm, arm2: Arm, y2s) -> np.ndarray:
    """For each control count in ``y2s`` (increasing), the criterion's critical treatment
    count: the smallest that meets it (``"greater"``; ``top + 1`` when none) or the largest
    (``"less"``; -1 when none). Each search starts at the previous control count's boundary,
    which bounds it (the boundaries do not decrease with the control count)."""
    out = np.empty(len(y2s), dtype=np.int64)
    prev = 0
    for i, y2 in enumerate(y2s):
        met = lambda y1, y2=y2: _met(crit, arm1, arm2, y1, y2)  # noqa: E731
        if crit.direction == "greater":
            prev = _first_true(met, prev, arm1.top)
            out[i] = prev
            prev = min(prev, arm1.top) if arm1.top is not None else prev
        else:
            b = _last_true(met, max(prev, 0), arm1.top)
            out[i] = b
            prev = max(b, 0)
    return out


# =====================================================================================
# boundaries of normal arms: the critical treatment mean for a control mean
# =====================================================================================
def normal_boundary(crit: Criterion2S, arm1: Arm, arm2: Arm, y2: float) -> float:
    """The treatment mean :math:`\\bar y_1` at which :math:`P(\\mu_1 - \\mu_2 \\gtrless q \\mid
    \\bar y_1, \\bar y_2) = c`, by Brent's method (the probability is monotone in
    :math:`\\bar y_1`); success above it (``"greater"``) or below it (``"less"``)."""
    post2 = arm2.posterior(float(y2))
    f = lambda y1: crit.prob(arm1.posterior_at(y1), post2) - crit.threshold  # noqa: E731
    sign = 1.0 if crit.direction == "greater" else -1.0
    centre = float(y2) + crit.target
    step = 4 * (arm1.se + arm2.se + abs(crit.target) + 1e-12)
    lo, hi = centre - step, centre + step
    for _ in range(200):
        if sign * f(lo) < 0 < sign * f(hi):
            break
        lo, hi = lo - step, hi + step
        step *= 2
    else:  # pragma: no cover
        raise DataError("no treatment mean meets the criterion", field="rule")
    return float(optimize.brentq(f, lo, hi, xtol=1e-12 * max(1.0, abs(centre)), rtol=1e-12))


# =====================================================================================
# the boundary object
# =====================================================================================
@dataclass(frozen=True)
class Boundary2S:
    """The decision boundary of a two-sample rule: for each control outcome, the treatment
    outcomes that succeed.

    Calling it on a control outcome :math:`y_2` returns, for a rule whose criteria all say
    ``"greater"``, the smallest treatment outcome that succeeds (success for every
    :math:`y_1 \\ge b(y_2)`), for ``"less"`` the largest (success for :math:`y_1 \\le b(y_2)`),
    and ``(lower, upper)`` for a rule that mixes directions; None when no treatment outcome
    succeeds. For normal arms the outcomes are sample means and the boundary a real number.
    ``table(y2s)`` lists it for several control outcomes (every one, for binomial arms).
    """

    rule: DecisionRule2S
    arm1: Arm
    arm2: Arm

    @property
    def kind(self) -> str:
        return self.arm1.kind

    def limits(self, y2s: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` arrays over the control outcomes ``y2s`` (increasing for counts):
        success exactly for ``lower <= y1 <= upper`` (``lower > upper``: none)."""
        y2s = np.asarray(y2s)
        if self.kind == "normal":
            lo = np.full(y2s.shape, -np.inf)
            hi = np.full(y2s.shape, np.inf)
            for c in self.rule.criteria:
                b = np.array([normal_boundary(c, self.arm1, self.arm2, y) for y in y2s])
                lo, hi = (
                    (np.maximum(lo, b), hi) if c.direction == "greater" else (lo, np.minimum(hi, b))
                )
            return lo, hi
        top = self.arm1.top
        lo = np.zeros(y2s.shape, dtype=np.int64)
        hi = np.full(y2s.shape, np.iinfo(np.int64).max if top is None else top, dtype=np.int64)
        for c in self.rule.criteria:
            b = count_boundaries(c, self.arm1, self.arm2, y2s)
            lo, hi = (
                (np.maximum(lo, b), hi) if c.direction == "greater" else (lo, np.minimum(hi, b))
            )
        return lo, hi

    def __call__(self, y2):
        y2 = float(y2) if self.kind == "normal" else v.count(y2, "y2")
        if self.kind == "binomial" and y2 > self.arm2.top:
            raise DataError(f"must not exceed n2 = {self.arm2.top}, got {y2}", field="y2")
        lo, hi = (x[0] for x in self.limits([y2]))
        if lo > hi:
            return None
        conv = float if self.kind == "normal" else int
        if not self.rule.less:
            return conv(lo)
        if not self.rule.greater:
            return conv(hi)
        return conv(lo), conv(hi)

    def table(self, y2s: ArrayLike | None = None) -> pd.DataFrame:
        """The boundary for each control outcome: columns ``control``, ``treatment_lower``,
        ``treatment_upper`` (NaN where no treatment outcome succeeds). ``y2s`` defaults to
        every control count of a binomial arm (at most :data:`MAX_TABLE`; beyond, give ``y2s``)."""
        if y2s is None:
            if self.kind != "binomial":
                raise DataError(
                    "give the control outcomes (y2s) for Poisson or normal arms", field="y2s"
                )
            if self.arm2.top + 1 > MAX_TABLE:
                raise DataError(
                    f"a table of every control count needs {self.arm2.top + 1} rows, more than "
                    f"{MAX_TABLE}; give the control outcomes (y2s) to tabulate",
                    field="y2s",
                )
            y2s = np.arange(self.arm2.top + 1)
        y2s = np.sort(np.asarray(y2s, dtype=float if self.kind == "normal" else np.int64))
        lo, hi = self.limits(y2s)
        lo, hi = lo.astype(float), hi.astype(float)
        none = lo > hi
        if self.kind != "normal" and self.arm1.top is None:
            hi[hi >= np.iinfo(np.int64).max] = np.inf
        lo[none], hi[none] = np.nan, np.nan
        return pd.DataFrame({"control": y2s, "treatment_lower": lo, "treatment_upper": hi})

    def __repr__(self) -> str:
        return f"Boundary2S({self.rule!r}; {self.kind} arms of {self.arm1.size:g} and {self.arm2.size:g})"


def decision_boundary_2s(
    prior1: Distribution,
    prior2: Distribution,
    n1: float,
    n2: float,
    rule: DecisionRule2S,
    sigma: float | None = None,
) -> Boundary2S:
    """The decision boundary of a two-sample rule (RBesT's ``decision2S_boundary``).

    Parameters
    ----------
    prior1, prior2 : Beta, Gamma or Normal (or mixtures of one of them)
        The analysis priors of the treatment (1) and control (2) parameters. Beta priors mean
        binomial arms, Gamma priors Poisson arms, Normal priors normal arms.
    n1, n2 : int or float
        Patients per arm (binomial), exposure per arm (Poisson) or observations per arm
        (normal).
    rule : DecisionRule2S
        From :func:`decision_2s`.
    sigma : float or (float, float), optional
        Normal arms: the sampling sd of one observation (per arm).

    Returns
    -------
    Boundary2S
        Callable on a control outcome: the critical treatment outcome (see
        :class:`Boundary2S`); ``.table()`` for every control count.

    Notes
    -----
    Exact: every number is a posterior probability of the contrast by quadrature
    (:func:`bayes_trials.compare`), and the search relies only on the monotone likelihood
    ratio of the binomial, Poisson and normal models in their outcome (see the module
    docstring). The boundary of a binomial design for all :math:`n_2 + 1` control counts
    costs a few posterior evaluations per count.

    Examples
    --------
    >>> from bayes_trials import Beta, Normal
    >>> b = decision_boundary_2s(Beta(1, 1), Beta(1, 1), 20, 20, decision_2s(0.975, 0.0))
    >>> b.table().iloc[[0, 10, 20]]
        control  treatment_lower  treatment_upper
    0         0              4.0             20.0
    10       10             17.0             20.0
    20       20              NaN              NaN
    >>> nb = decision_boundary_2s(Normal(0, 100), Normal(0, 100), 50, 50, decision_2s(0.975, 0.0), sigma=1.0)
    >>> round(nb(0.0), 4)                # about 1.96 * sqrt(2 / 50)
    0.392
    """
    arm1, arm2 = make_arms(prior1, prior2, n1, n2, sigma)
    rule = check_rule(rule, arm1.kind)
    return Boundary2S(rule, arm1, arm2)


def null_treatment(theta2, target: float, measure: str):
    """The treatment values at which the contrast with ``theta2`` equals ``target``:
    :math:`\\theta_2 + q`, :math:`q\\theta_2`, or the probability with odds :math:`q` times
    the control's (NaN where outside a probability's range for a difference).

    >>> null_treatment([0.2, 0.5], 1.0, "odds_ratio").tolist()
    [0.2, 0.5]
    """
    t = np.asarray(theta2, dtype=float)
    if measure == "difference":
        return t + target
    if measure == "ratio":
        return target * t
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = target * t / (1 - t)
        return np.where(t >= 1, 1.0, odds / (1 + odds))


# the null of every measure, re-exported for callers that calibrate
NULLS = NULL
