"""Lee and Liu's predictive probability and the interim futility look, exact.

Part of :mod:`bayes_trials.decisions` (see its docstring for the maths and the vocabulary).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, signal, stats
from scipy.special import betaln, logsumexp

from .. import _validate as v
from .._kernels.counts import (
    ENUMERATE_MAX,
    betabinom_between,
    binom_sf_many,
    binom_window,
    first_true,
    last_true,
    log_beta_ratio,
)
from ..conjugate import update
from ..data import Binary
from ..distributions import Distribution, components_of
from ..errors import DataError
from .rules import (
    DIRECTIONS,
    Criterion,
    _check_prior,
    _criterion_region,
    _truths,
    decision,
)

# --------------------------------------------------------------------------------------
# predictive probability and interim futility (Lee & Liu 2008)
# --------------------------------------------------------------------------------------


def _beta_binomial_pmf(post, m: int, j) -> np.ndarray:
    """Predictive pmf of j future responders among m under a Beta (mixture) posterior."""
    w, comps = components_of(post)
    j = np.asarray(j)
    return sum(wk * stats.betabinom.pmf(j, m, c.a, c.b) for wk, c in zip(w, comps))


def _final_region(prior, n_max: int, threshold: float, target: float, direction: str):
    """The total counts ``(lo, hi)`` at which the final analysis succeeds, or None."""
    return _criterion_region(prior, "binomial", n_max, Criterion(threshold, target, direction))


def _pp(prior, events: int, n: int, m: int, final) -> float:
    """P(final total in ``final``) after ``events`` of ``n``, with ``m`` patients to come.

    The future count :math:`J` is beta-binomial (mixture) under the interim posterior;
    with at most :data:`~bayes_trials._kernels.counts.ENUMERATE_MAX` future counts the pmf is summed
    over all of them, beyond it :math:`P(lo \\le J \\le hi)` comes from the beta-binomial cdf
    (:func:`bayes_trials._kernels.counts.betabinom_cdf_sf`, absolute error below :math:`10^{-12}`).
    """
    if final is None:
        return 0.0
    post = update(prior, Binary(events, n))
    lo, hi = final[0] - events, final[1] - events  # future counts that succeed
    if m + 1 <= ENUMERATE_MAX:
        j = np.arange(m + 1)
        return float(np.sum(_beta_binomial_pmf(post, m, j) * ((j >= lo) & (j <= hi))))
    w, comps = components_of(post)
    return betabinom_between(lo, hi, m, w, [c.a for c in comps], [c.b for c in comps])


def _predictive_probability(
    prior,
    events: int,
    n: int,
    n_max: int,
    threshold: float,
    target: float,
    direction: str = "greater",
    final=None,
) -> float:
    """Predictive probability of final success (Lee & Liu 2008), exact.

    .. math:: PP = \\sum_{j=0}^{m} P(J = j \\mid y, n)\\,
              \\mathbb{1}\\{P(\\theta > q \\mid y + j, n_{max}) > c\\},

    with :math:`m = n_{max} - n` and :math:`J` beta-binomial under the interim posterior.
    The final success region is an interval of totals (a half-line, by the monotone
    likelihood ratio), so the sum is :math:`P(lo - y \\le J \\le hi - y)`; see :func:`_pp`.
    ``final`` is that region when already known.
    """
    if final is None:
        final = _final_region(prior, n_max, threshold, target, direction)
    return _pp(prior, events, n, n_max - n, final)


class PredictiveProbabilityCurve:
    """Lee and Liu's predictive probability after each interim count ``y = 0..n``.

    Array-like and lazy: ``len(curve)`` is ``n + 1``, ``curve[y]`` (an int, a slice or an
    array of counts) computes the predictive probabilities asked for, and
    ``numpy.asarray(curve)`` all of them (``n + 1`` evaluations: cheap at small ``n``, a
    choice at large ``n``).
    """

    def __init__(self, prior, n: int, n_max: int, final):
        self.prior, self.n, self.n_max, self.final = prior, n, n_max, final

    def __len__(self) -> int:
        return self.n + 1

    def _one(self, y) -> float:
        y = int(y)
        if y < 0:
            y += self.n + 1
        if not 0 <= y <= self.n:
            raise IndexError(f"count {y} outside 0..{self.n}")
        return _pp(self.prior, y, self.n, self.n_max - self.n, self.final)

    def __getitem__(self, idx):
        if isinstance(idx, (Integral, np.integer)):
            return self._one(idx)
        ys = range(self.n + 1)[idx] if isinstance(idx, slice) else np.asarray(idx).ravel()
        return np.array([self._one(y) for y in ys], dtype=float)

    def __iter__(self):
        return (self._one(y) for y in range(self.n + 1))

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self[:], dtype=dtype)

    def __repr__(self) -> str:
        return (
            f"PredictiveProbabilityCurve(PP after y = 0..{self.n} of {self.n}, "
            f"n_max = {self.n_max}; computed when indexed)"
        )


def _stop_region(prior, nk: int, n_max: int, final, futility: float, direction: str):
    """Interim counts ``(lo, hi)`` that stop for futility at a look after ``nk``, or None.

    The predictive probability is monotone in the interim count (non-decreasing for
    ``"greater"``: the interim posterior, hence the beta-binomial of the future count, is
    stochastically increasing in ``y``, and the future count needed decreases), so the
    region is a half-line found by bisection.
    """
    m = n_max - nk
    stops = lambda y: _pp(prior, y, nk, m, final) < futility
    guess = _pp_crossing_guess(prior, nk, m, final, futility, direction)
    if direction == "greater":
        s = last_true(stops, 0, nk, guess)
        return (0, s) if s >= 0 else None
    s = first_true(stops, 0, nk, None if guess is None else guess + 1)
    return (s, nk) if s <= nk else None


def _pp_crossing_guess(prior, nk: int, m: int, final, futility: float, direction: str):
    """Where the predictive probability crosses ``futility``, from a normal approximation of
    the future count (mean and variance of the beta-binomial mixture). Only a starting
    point for the exact search (see :func:`bayes_trials._kernels.counts.first_true`)."""
    if final is None:
        return None
    w, comps = components_of(prior)
    a, b = np.array([c.a for c in comps]), np.array([c.b for c in comps])

    def approx(y):
        with np.errstate(divide="ignore"):
            lw = np.log(w) + log_beta_ratio(a, b, y, nk) - betaln(a, b)
        ww = np.exp(lw - logsumexp(lw))
        ww = ww / ww.sum()
        size = a + b + nk
        mu_i = (a + y) / size
        mu = float(ww @ mu_i)
        var = float(ww @ (mu_i * (1 - mu_i) / (size + 1) + (mu_i - mu) ** 2))  # Var theta
        sd = math.sqrt(max(m * (mu * (1 - mu) - var) + m**2 * var, 1e-300))  # Var J
        if direction == "greater":
            return stats.norm.sf((final[0] - y - 0.5 - m * mu) / sd) - futility
        return stats.norm.cdf((final[1] - y + 0.5 - m * mu) / sd) - futility

    try:
        return optimize.brentq(approx, 0.0, float(nk), xtol=0.5)
    except ValueError:  # no crossing inside: the exact search starts from scratch
        return None


#: the most counts the futility OC carries along (64 MiB per array): n_max up to about 1e11
#: at a truth of 1/2, more near 0 or 1
_WINDOW_MAX = 2**23


def _convolve(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Full discrete convolution; by FFT (then clipped at 0) when direct would be slow."""
    if x.size * y.size <= 4_000_000:
        return np.convolve(x, y)
    return np.clip(signal.fftconvolve(x, y), 0.0, None)


def _futility_oc_at(theta: float, looks, stops: dict, n_max: int, final) -> dict:
    """P(stop), P(success), P(fail at the end) and E[N] at one true response rate.

    The distribution of the count among trials still running is carried look by look on
    the window of counts that holds all but :math:`10^{-17}` of each binomial step's mass
    (:func:`bayes_trials._kernels.counts.binom_window`), convolving with the next step's pmf; the
    last step is summed in closed form, :math:`\\sum_y P(y)\\, P(\\text{Bin}(n_{max} - n_K,
    \\theta) \\in \\text{final} - y)`.
    """
    offset, running = 0, np.array([1.0])  # P(count = offset + i and still running)
    n_prev, p_stop, exp_n = 0, 0.0, 0.0
    for nk in looks:
        lo, hi = binom_window(nk - n_prev, theta)
        step = stats.binom.pmf(np.arange(lo, hi + 1), nk - n_prev, theta)
        running = _convolve(running, step)
        offset += lo
        wlo, whi = binom_window(nk, theta)  # trim what carries no mass
        cut_lo, cut_hi = max(wlo - offset, 0), min(whi - offset, running.size - 1)
        running, offset = running[cut_lo : cut_hi + 1], offset + cut_lo
        region = stops[nk]
        if region is not None:
            i0, i1 = max(region[0] - offset, 0), min(region[1] - offset, running.size - 1)
            if i1 >= i0:
                stopped = float(running[i0 : i1 + 1].sum())
                p_stop += stopped
                exp_n += nk * stopped
                running = running.copy()
                running[i0 : i1 + 1] = 0.0
        n_prev = nk
    if final is None:
        p_success = 0.0
    else:
        ys = offset + np.arange(running.size)
        rest = n_max - n_prev
        if final[1] >= n_max:  # success from a count on: a binomial survival probability
            tail = binom_sf_many(final[0] - ys - 1, rest, theta)
        else:  # success up to a count
            tail = 1.0 - binom_sf_many(final[1] - ys, rest, theta)
        p_success = float(np.dot(running, tail))
    p_end = float(running.sum())
    return {
        "truth": theta,
        "prob_stop_futility": p_stop,
        "prob_success": p_success,
        "prob_fail_final": p_end - p_success,
        "expected_n": exp_n + n_max * p_end,
    }


def interim_futility_oc(
    prior: Distribution,
    n_interim: int,
    n_max: int,
    threshold: float,
    target: float,
    futility: float,
    truths: ArrayLike,
    direction: str = "greater",
) -> pd.DataFrame:
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
        the predictive probabilities after each count, as a lazy array-like
        :class:`PredictiveProbabilityCurve` (``pp[y]``, ``numpy.asarray(pp)``).

    Notes
    -----
    With looks :math:`n_1 < \\dots < n_K < n_{max}`, the distribution of the count among
    trials still running is propagated look by look (a convolution with
    :math:`\\text{Bin}(n_{k+1} - n_k, \\theta)`), removing the counts whose predictive
    probability

    .. math:: PP(y_k) = \\sum_{j=0}^{n_{max} - n_k} \\text{BetaBin}(j; n_{max} - n_k,
              a + y_k, b + n_k - y_k)\\, \\mathbb{1}\\{\\text{final success at } y_k + j\\}

    is below ``futility`` (a Beta mixture posterior gives a mixture of beta-binomials). The
    expected sample size is
    :math:`\\sum_k n_k P(\\text{stop at } k) + n_{max} P(\\text{reach the end})`.

    Computation, bounded at any ``n``:

    - the final success region is an interval of totals (see :func:`decision_boundary`),
      so :math:`PP(y_k) = P(lo - y_k \\le J \\le hi - y_k)` for the beta-binomial
      :math:`J`: a sum of the pmf over the future counts when there are at most 4096 of them,
      else the beta-binomial cdf as a one-dimensional integral
      (:func:`bayes_trials._kernels.counts.betabinom_cdf_sf`, absolute error below
      :math:`10^{-12}`);
    - :math:`PP(y)` is non-decreasing in :math:`y` (``"greater"``; non-increasing for
      ``"less"``): the interim posterior is stochastically increasing in :math:`y`, so is
      the beta-binomial :math:`J` given :math:`y`, and the count still needed, :math:`lo - y`,
      decreases. The stopping counts are a half-line whose end is found by bisection, started
      from a normal approximation of :math:`J` (a starting point only);
    - the convolutions run over the window of counts holding all but :math:`10^{-17}` of
      each binomial step (:math:`O(\\sqrt{n})` counts: about :math:`3 \\times 10^5` at
      :math:`n = 10^9`), by FFT when long; the last step is a binomial survival probability
      per count. Results agree with full enumeration to :math:`10^{-12}` at small ``n``.
      Memory grows like :math:`\\sqrt{n}`: a window of more than :math:`2^{23}` counts
      (``n_max`` above about :math:`10^{11}` at a truth of 1/2) is refused with a DataError.

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
    looks = (
        [n_interim]
        if isinstance(n_interim, Integral) or np.ndim(n_interim) == 0
        else list(n_interim)
    )
    looks = [v.count(x, "n_interim") for x in looks]
    if (
        not looks
        or looks[0] < 1
        or any(b <= a for a, b in zip(looks, looks[1:]))
        or looks[-1] >= n_max
    ):
        raise DataError(
            f"interim sizes must increase from >= 1 and stay below n_max = {n_max}, got {looks}",
            field="n_interim",
        )
    threshold = v.open_unit(threshold, "threshold", DataError)
    target = v.finite_real(target, "target", DataError)
    futility = v.open_unit(futility, "futility", DataError)
    v.one_of(direction, DIRECTIONS, "direction", DataError)
    truths = _truths(truths, "binomial")

    for theta in truths:  # the counts carried along grow like sqrt(n): keep them bounded
        lo, hi = binom_window(n_max, float(theta))
        if hi - lo + 1 > _WINDOW_MAX:
            raise DataError(
                f"the exact operating characteristics carry the {hi - lo + 1} counts that hold "
                f"the mass of Bin({n_max}, {float(theta):g}), more than 2**23 = {_WINDOW_MAX}; "
                "n_max is too large for them",
                field="n_max",
            )
    final = _final_region(prior, n_max, threshold, target, direction)
    stops = {nk: _stop_region(prior, nk, n_max, final, futility, direction) for nk in looks}
    out = pd.DataFrame(
        [_futility_oc_at(float(theta), looks, stops, n_max, final) for theta in truths]
    )
    out.attrs["pp"] = {nk: PredictiveProbabilityCurve(prior, nk, n_max, final) for nk in looks}
    out.attrs["stop_below"] = {
        nk: None if r is None else (r[1] if direction == "greater" else r[0])
        for nk, r in stops.items()
    }
    out.attrs["rule"] = (
        f"stop for futility if PP < {futility:g}; "
        f"{decision(threshold, target, direction)!r} at n = {n_max}"
    )
    return out
