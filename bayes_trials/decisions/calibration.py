"""The posterior-probability threshold calibrated to a type I error, for one arm and for two.

Part of :mod:`bayes_trials.decisions` (see its docstring for the maths and the vocabulary).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .. import _validate as v
from .._kernels.counts import (
    first_true,
    last_true,
)
from ..distributions import Distribution
from ..errors import DataError, StatisticalWarning
from .rules import (
    DIRECTIONS,
    Criterion,
    DecisionRule,
    _count_segments,
    _criterion_probs,
    _design,
    _truths,
    decision,
)
from .two_sample import decision_2s, make_arms, null_treatment
from .two_sample_oc import operating_characteristics_2s

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


def calibrate_threshold(
    prior: Distribution,
    n: int | None = None,
    target: float | None = None,
    alpha: float = 0.025,
    truth: float | None = None,
    alternatives: ArrayLike | None = None,
    direction: str = "greater",
    *,
    exposure: float | None = None,
) -> Calibration:
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
    :math:`\\alpha(k)` is monotone in :math:`k`, so :math:`k` is found by bisection over the
    counts (closed-form binomial or Poisson tails): the cost does not grow with ``n``.

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

    # the type I error P(Y >= k) ("greater") or P(Y <= k) ("less") is monotone in k: bisection
    if kind == "binomial":
        if direction == "greater":
            k = first_true(lambda j: stats.binom.sf(j - 1, size, truth) <= alpha, 0, size + 1)
        else:
            k = last_true(lambda j: stats.binom.cdf(j, size, truth) <= alpha, 0, size)
        last = size
    else:
        mu = truth * size
        if direction == "greater":
            hi = int(stats.poisson.isf(alpha, mu)) + 2 if mu > 0 else 1
            while stats.poisson.sf(hi - 1, mu) > alpha:
                hi *= 2
            k = first_true(lambda j: stats.poisson.sf(j - 1, mu) <= alpha, 0, hi)
        else:
            hi = int(stats.poisson.ppf(alpha, mu)) + 1
            while stats.poisson.cdf(hi, mu) <= alpha:
                hi = 2 * hi + 1
            k = last_true(lambda j: stats.poisson.cdf(j, mu) <= alpha, 0, hi)
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
    table = _count_segments(prior, rule, kind, size)
    type1 = float(table.probabilities([truth]).get(True, np.zeros(1))[0])
    if alternatives is not None:
        alt = _truths(alternatives, kind)
        power = pd.DataFrame(
            {"truth": alt, "prob_success": table.probabilities(alt).get(True, np.zeros(len(alt)))}
        )
    else:
        power = pd.DataFrame({"truth": [], "prob_success": []})
    if never:
        boundary = None
    else:
        boundary = k
    return Calibration(
        threshold=threshold,
        threshold_upper=hi,
        boundary=boundary,
        type1_error=type1,
        alpha=alpha,
        truth=truth,
        target=target,
        direction=direction,
        power=power,
    )


# --------------------------------------------------------------------------------------
# two arms
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration2S:
    """The result of :func:`calibrate_threshold_2s`.

    ``threshold`` is the smallest posterior-probability cut-off (to 1e-6) whose type I error,
    the largest over the null pairs ``null`` (a DataFrame of ``theta1``, ``theta2`` and
    ``prob_success`` at that threshold), is at most ``alpha``; ``type1_error`` is that largest
    value and ``worst_null`` the control value where it is reached; ``power`` the operating
    characteristics of the calibrated rule at the alternatives.
    """

    threshold: float
    type1_error: float
    worst_null: float
    alpha: float
    target: float
    direction: str
    measure: str
    null: pd.DataFrame
    power: pd.DataFrame

    @property
    def rule(self):
        return decision_2s(self.threshold, self.target, self.direction, self.measure)


def calibrate_threshold_2s(
    prior1: Distribution,
    prior2: Distribution,
    n1: float,
    n2: float,
    target: float = 0.0,
    alpha: float = 0.025,
    *,
    null_control: ArrayLike,
    direction: str = "greater",
    measure: str = "difference",
    alternatives: tuple[ArrayLike, ArrayLike] | None = None,
    sigma: float | None = None,
    tol: float = 1e-6,
) -> Calibration2S:
    """The smallest threshold :math:`c` of :math:`P(g(\\theta_1, \\theta_2) > q) > c` (or ``<``)
    whose type I error is at most ``alpha`` at every null pair.

    Parameters
    ----------
    prior1, prior2, n1, n2, sigma
        The design, as for :func:`operating_characteristics_2s`.
    target : float
        The contrast :math:`q` (0 for a difference, 1 for a ratio).
    alpha : float in (0, 1)
    null_control : sequence of float
        Control values :math:`\\theta_2` of the null pairs; the treatment value of each is the
        one with contrast ``target`` (:func:`~bayes_trials.decisions.two_sample.null_treatment`).
        The type I error of a two-arm rule depends on this nuisance value.
    direction, measure
        Of the criterion.
    alternatives : (theta1, theta2) pair of sequences, optional
        Where to report the power of the calibrated rule.
    tol : float
        Bisection tolerance on the threshold.

    Returns
    -------
    Calibration2S

    Notes
    -----
    The success region shrinks as the threshold grows, so the largest type I error over the
    nulls is non-increasing in :math:`c`; the smallest admissible :math:`c` is found by
    bisection, each step an exact operating characteristic.

    Examples
    --------
    >>> from bayes_trials import Beta
    >>> cal = calibrate_threshold_2s(Beta(1, 1), Beta(1, 1), 20, 20, 0.0, 0.05,
    ...                              null_control=[0.1, 0.3, 0.5])
    >>> bool(cal.type1_error <= 0.05), round(cal.threshold, 3)
    (True, 0.95)
    """
    alpha = v.open_unit(alpha, "alpha", DataError)
    tol = v.positive(tol, "tol", DataError)
    nulls2 = np.atleast_1d(np.asarray(null_control, dtype=float))
    nulls1 = null_treatment(nulls2, float(target), measure)
    ok = np.isfinite(nulls1)
    arm1, _ = make_arms(prior1, prior2, n1, n2, sigma)
    if arm1.kind == "binomial":
        ok &= (nulls1 >= 0) & (nulls1 <= 1)
    if not ok.any():
        raise DataError("no null pair lies inside the parameter space", field="null_control")
    nulls1, nulls2 = nulls1[ok], nulls2[ok]

    def type1(c):
        rule = decision_2s(c, target, direction, measure)
        oc = operating_characteristics_2s(prior1, prior2, n1, n2, rule, nulls1, nulls2, sigma)
        return float(oc["prob_success"].max()), oc

    lo, hi = 0.5, 1 - 1e-9  # type1(hi) <= alpha unless no threshold works
    err_lo, _ = type1(lo)
    while err_lo <= alpha and lo > 1e-6:
        lo /= 2
        err_lo, _ = type1(lo)
    while hi - lo > tol:
        mid = (lo + hi) / 2
        err, _ = type1(mid)
        lo, hi = (lo, mid) if err <= alpha else (mid, hi)
    err, oc = type1(hi)
    worst = float(oc.loc[oc["prob_success"].idxmax(), "theta2"])
    if alternatives is not None:
        a1, a2 = alternatives
        power = operating_characteristics_2s(
            prior1, prior2, n1, n2, decision_2s(hi, target, direction, measure), a1, a2, sigma
        )
    else:
        power = pd.DataFrame({"theta1": [], "theta2": [], "prob_success": []})
    return Calibration2S(
        threshold=float(hi),
        type1_error=err,
        worst_null=worst,
        alpha=alpha,
        target=float(target),
        direction=direction,
        measure=measure,
        null=oc,
        power=power,
    )
