"""Predictive distributions, the predictive probability of success and differences of parameters.

Part of :mod:`bayes_trials.predictive`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp

from .. import _validate as v
from .._constants import CRED_LEVEL
from .._kernels.counts import (
    ENUMERATE_MAX,
    TAIL,
    betabinom_cdf_sf,
    betabinom_grid,
    betabinom_logpmf,
    betabinom_ppf,
    betabinom_window,
    first_true,
    negbinom_grid,
)
from .._validate import MAX_COUNT
from ..conjugate import update
from ..data import Binary
from ..distributions import Mixture, Normal, components_of
from ..errors import DataError, PriorError

if TYPE_CHECKING:
    from ..distributions import Distribution

#: numerical tolerance for "equal" probabilities (ties in Box's p-value, cdf inversion)
_TIE = 1e-9


def _off(x: float, at_plus_inf: float) -> float:
    """cdf (``at_plus_inf=1``) or sf (``0``) at an infinite or NaN count."""
    return math.nan if math.isnan(x) else at_plus_inf if x > 0 else 1.0 - at_plus_inf


class PredictiveDistribution:
    """A finite mixture of count distributions: beta-binomial or negative binomial.

    Parameters
    ----------
    weights : array of float
        Mixture weights (summing to 1).
    components : sequence of frozen ``scipy.stats`` discrete distributions
        ``betabinom(n, a, b)`` or ``nbinom(shape, rate / (rate + exposure))``.
    family : {"beta-binomial", "negative-binomial"}
    size : int or float
        Number of future patients (beta-binomial) or the future exposure.
    params : sequence of (float, float)
        ``(a, b)`` of each Beta, or ``(shape, rate)`` of each Gamma.

    Attributes
    ----------
    support : tuple
        ``(0, n)`` for a beta-binomial, ``(0, inf)`` for a negative binomial.

    Notes
    -----
    Every method costs the same at any ``n`` (or exposure), never a sum over all counts:

    - negative binomial: scipy's closed forms (``cdf`` is a regularised incomplete beta
      function); ``ppf`` by bisection on the cdf;
    - beta-binomial with :math:`n + 1 \\le 2^{12} = 4096` counts: sums of the pmf over the counts
      (exact), as a table built once;
    - beta-binomial with more counts: ``pmf`` by Bayes' theorem at one point (full precision
      at any ``n``; scipy's ``betabinom`` loses up to :math:`10^{-6}` at :math:`n = 10^9`),
      ``cdf``/``sf`` as one-dimensional integrals,
      :math:`P(Y \\le j) = P(\\theta < X)` with :math:`X \\sim \\text{Beta}(j + 1, n - j)`
      (absolute error below :math:`10^{-12}` up to :math:`n \\approx 10^8`, below
      :math:`10^{-16}\\sqrt{n}` beyond; see :mod:`bayes_trials._kernels.counts`), ``ppf`` by
      Brent's method on that cdf extended to real ``j`` and an exact check of the counts
      beside the root.

    ``mean``, ``sd`` and ``rvs`` are closed forms or draws (:math:`\\theta`, then a binomial or
    Poisson count) at any size.
    """

    def __init__(self, weights, components, family: str, size, params):
        self.weights = np.asarray(weights, dtype=float)
        self.components = tuple(components)
        self.family = family
        self.size = size
        self.params = tuple(params)
        self.support = (0, int(size)) if family == "beta-binomial" else (0, math.inf)
        par = np.asarray(self.params, dtype=float).reshape(-1, 2)
        if family == "beta-binomial":
            self._a, self._b = par[:, 0], par[:, 1]
        else:
            self._shape, self._prob = par[:, 0], par[:, 1] / (par[:, 1] + float(size))
        self._tables = None

    # ---- which computation ----

    @property
    def _enumerated(self) -> bool:
        """A beta-binomial with few enough counts to sum over all of them."""
        return self.family == "beta-binomial" and self.support[1] + 1 <= ENUMERATE_MAX

    def _table(self):
        """(cdf, sf) at every count 0..n, from the pmf (small beta-binomials only)."""
        if self._tables is None:
            pmf = self._weighted("pmf", np.arange(self.support[1] + 1))
            self._tables = (np.cumsum(pmf), np.cumsum(pmf[::-1])[::-1])
        return self._tables

    def _weighted(self, method: str, k):
        k = np.asarray(k, dtype=float)
        return sum(w * getattr(c, method)(k) for w, c in zip(self.weights, self.components))

    # ---- probabilities ----

    def pmf(self, k):
        """P(Y = k); zero off the support and at non-integers."""
        if self.family == "beta-binomial" and not self._enumerated:
            return np.exp(betabinom_logpmf(k, self.support[1], self.weights, self._a, self._b))
        return self._weighted("pmf", k)

    def logpmf(self, k):
        k = np.asarray(k, dtype=float)
        if self.family == "beta-binomial" and not self._enumerated:
            return betabinom_logpmf(k, self.support[1], self.weights, self._a, self._b)
        terms = np.stack(
            [np.log(w) + c.logpmf(k) for w, c in zip(self.weights, self.components) if w > 0]
        )
        return logsumexp(terms, axis=0)

    def _logpmf_exact(self, k) -> np.ndarray:
        """Log-pmf at full relative precision at any size (used to compare counts)."""
        if self.family == "beta-binomial":
            return betabinom_logpmf(k, self.support[1], self.weights, self._a, self._b)
        k = np.asarray(k, dtype=float)
        with np.errstate(divide="ignore"):
            out = np.log(self._weighted("pmf", k))  # Boost's pmf: full precision
        bad = ~np.isfinite(out) & (k >= 0) & (k == np.floor(k))
        if np.any(bad):  # underflow far out: scipy's log formula
            out = np.where(bad, self.logpmf(k), out)
        return out

    def _cdf_sf(self, k) -> tuple[float, float]:
        """(P(Y <= k), P(Y > k)) at one count, each computed directly."""
        k = math.floor(k)
        if k < 0:
            return 0.0, 1.0
        if k >= self.support[1]:
            return 1.0, 0.0
        if self._enumerated:
            cdf, sf = self._table()
            return float(cdf[k]), float(sf[k + 1])
        if self.family == "beta-binomial":
            return betabinom_cdf_sf(k, self.support[1], self.weights, self._a, self._b)
        return float(self._weighted("cdf", k)), float(self._weighted("sf", k))

    def cdf(self, k):
        """P(Y <= k)."""
        if self.family == "negative-binomial":
            return np.clip(self._weighted("cdf", k), 0.0, 1.0)
        k = np.asarray(k, dtype=float)
        out = np.vectorize(
            lambda x: self._cdf_sf(x)[0] if np.isfinite(x) else _off(x, 1.0), otypes=[float]
        )(k)
        return np.clip(out, 0.0, 1.0) if out.ndim else float(np.clip(out, 0.0, 1.0))

    def sf(self, k):
        """P(Y > k)."""
        if self.family == "negative-binomial":
            return np.clip(self._weighted("sf", k), 0.0, 1.0)
        k = np.asarray(k, dtype=float)
        out = np.vectorize(
            lambda x: self._cdf_sf(x)[1] if np.isfinite(x) else _off(x, 0.0), otypes=[float]
        )(k)
        return np.clip(out, 0.0, 1.0) if out.ndim else float(np.clip(out, 0.0, 1.0))

    def _between(self, lo, hi) -> float:
        """P(lo <= Y <= hi), the difference taken on the side where it does not cancel."""
        lo, hi = max(math.ceil(lo), 0), min(hi, self.support[1])
        if hi < lo:
            return 0.0
        c_lo, s_lo = self._cdf_sf(lo - 1)
        if hi >= self.support[1]:
            return s_lo
        c_hi, s_hi = self._cdf_sf(hi)
        return float(min(max(c_hi - c_lo if c_lo < 0.5 else s_lo - s_hi, 0.0), 1.0))

    @property
    def mean(self) -> float:
        return float(np.dot(self.weights, [c.mean() for c in self.components]))

    @property
    def var(self) -> float:
        second = np.dot(self.weights, [c.var() + c.mean() ** 2 for c in self.components])
        return float(max(second - self.mean**2, 0.0))

    @property
    def sd(self) -> float:
        return math.sqrt(self.var)

    def _upper(self, q: float) -> int:
        """A count above the q-quantile of every component (so of the mixture)."""
        if self.family == "beta-binomial":
            return self.support[1]
        # scipy's nbinom.ppf crawls near q = 1 at large means; its isf does not
        return int(
            max(c.ppf(q) if q <= 0.5 else c.isf(max(1.0 - q, 1e-16)) for c in self.components)
        )

    def _window(self) -> tuple[int, int]:
        """Counts outside which at most :data:`TAIL` of the mass lies on each side."""
        if self.family == "beta-binomial":
            return betabinom_window(self.support[1], self.weights, self._a, self._b)
        keep = self.weights > 0
        lo = int(np.min(stats.nbinom.ppf(TAIL, self._shape[keep], self._prob[keep])))
        hi = int(np.max(stats.nbinom.isf(TAIL, self._shape[keep], self._prob[keep])))
        return max(lo - 1, 0), hi + 1

    def _grid(self, lo: int, hi: int) -> np.ndarray:
        """Counts in [lo, hi] dense enough to see every peak of the pmf."""
        if self.family == "beta-binomial":
            return betabinom_grid(self.support[1], self.weights, self._a, self._b, lo, hi)
        return negbinom_grid(self.weights, self._shape, self._prob, lo, hi)

    # ---- quantiles and draws ----

    def _ppf_one(self, q: float) -> int:
        target = q - _TIE
        if self._enumerated:
            cdf, _ = self._table()
            return min(int(np.searchsorted(cdf, target)), self.support[1])
        if self.family == "beta-binomial":
            if target <= 0:
                return 0
            return betabinom_ppf(target, self.support[1], self.weights, self._a, self._b)
        hi = self._upper(q)
        return first_true(lambda k: float(self._weighted("cdf", k)) >= target, 0, hi - 1)

    def ppf(self, q):
        """Smallest k with P(Y <= k) >= q (the usual discrete quantile)."""
        q = np.asarray(q, dtype=float)
        out = np.empty_like(q)
        for idx, qi in np.ndenumerate(q):
            if not 0 <= qi <= 1:
                out[idx] = np.nan
            elif qi >= 1:
                out[idx] = self.support[1]
            else:
                out[idx] = self._ppf_one(float(qi))
        return out if out.ndim else float(out)

    def interval(self, prob: float = CRED_LEVEL) -> tuple[int, int]:
        """Equal-tailed predictive interval: (ppf((1-prob)/2), ppf((1+prob)/2)).

        Being discrete it covers at least ``prob``.
        """
        prob = v.open_unit(prob, "prob", PriorError)
        tail = (1 - prob) / 2
        return int(self.ppf(tail)), int(self.ppf(1 - tail))

    def rvs(self, size=None, random_state=None):
        """Random counts; ``random_state`` is a seed or a ``numpy.random.Generator``."""
        rng = np.random.default_rng(random_state)
        n = 1 if size is None else int(np.prod(size))
        which = rng.choice(len(self.components), size=n, p=self.weights)
        draws = np.empty(n, dtype=np.int64)
        for k, comp in enumerate(self.components):
            sel = which == k
            if sel.any():
                draws[sel] = comp.rvs(size=int(sel.sum()), random_state=rng)
        return int(draws[0]) if size is None else draws.reshape(size)

    def __repr__(self) -> str:
        what = f"n={self.size}" if self.family == "beta-binomial" else f"exposure={self.size:g}"
        parts = ", ".join(
            f"{w:.3g}*({', '.join(f'{p:.4g}' for p in par)})"
            for w, par in zip(self.weights, self.params)
        )
        return f"PredictiveDistribution({self.family}, {what}: {parts})"


def predictive(
    dist: Distribution, n: int | None = None, exposure: float | None = None, se: float | None = None
) -> PredictiveDistribution | Normal | Mixture:
    """Predictive distribution of future data under a (mixture) prior or posterior.

    Parameters
    ----------
    dist : Beta, Gamma, Normal or Mixture of one of them
    n : int, optional
        Number of future patients (Beta distributions): the number of events among them.
    exposure : float, optional
        Future exposure (Gamma distributions): the Poisson count over it.
    se : float, optional
        Standard error of a future estimate (Normal distributions).

    Returns
    -------
    PredictiveDistribution or Normal or Mixture
        A beta-binomial or negative-binomial mixture (with ``pmf``, ``cdf``, ``sf``,
        ``ppf``, ``mean``, ``sd``, ``interval``, ``support``, ``rvs``), or for Normal
        distributions the normal (mixture) distribution of the future estimate.

    Raises
    ------
    PriorError, DataError
        A size argument that does not fit the family, or an invalid size.

    Notes
    -----
    For :math:`\\theta \\sim \\sum_j w_j \\text{Beta}(a_j, b_j)` and
    :math:`Y \\mid \\theta \\sim \\text{Bin}(n, \\theta)`,

    .. math:: P(Y = y) = \\sum_j w_j \\binom{n}{y} \\frac{B(a_j + y, b_j + n - y)}{B(a_j, b_j)}.

    For :math:`\\lambda \\sim \\sum_j w_j \\text{Gamma}(s_j, r_j)` (rate parametrisation) and
    :math:`Y \\mid \\lambda \\sim \\text{Pois}(\\lambda E)`, :math:`Y` is a mixture of negative
    binomials of size :math:`s_j` and success probability :math:`r_j/(r_j + E)`:

    .. math:: P(Y = y) = \\sum_j w_j \\frac{\\Gamma(s_j + y)}{\\Gamma(s_j)\\, y!}
              \\Big(\\frac{r_j}{r_j + E}\\Big)^{s_j} \\Big(\\frac{E}{r_j + E}\\Big)^{y}.

    For :math:`\\theta \\sim \\sum_j w_j N(m_j, s_j^2)` and an estimate
    :math:`Y \\sim N(\\theta, \\text{se}^2)`: :math:`Y \\sim \\sum_j w_j N(m_j, s_j^2 + \\text{se}^2)`.

    Example
    -------
    >>> from bayes_trials.distributions import Beta, Gamma
    >>> predictive(Beta(1, 1), n=4).pmf(range(5)).round(3)   # uniform on 0..n
    array([0.2, 0.2, 0.2, 0.2, 0.2])
    >>> round(predictive(Gamma(2, 4), exposure=2).mean, 6)   # E[lambda] E = 0.5 * 2
    1.0
    """
    w, comps = components_of(dist)
    family = comps[0].family
    given = {"n": n, "exposure": exposure, "se": se}
    needed = {"beta": "n", "gamma": "exposure", "normal": "se"}.get(family)
    if needed is None:
        raise PriorError(f"no predictive distribution for a {family} distribution", field="dist")
    extra = [k for k, val in given.items() if val is not None and k != needed]
    if given[needed] is None or extra:
        raise PriorError(
            f"a {family} distribution needs `{needed}` (and only it) for its predictive "
            f"distribution; got {', '.join(k for k, val in given.items() if val is not None) or 'nothing'}",
            field=needed,
        )
    if family == "beta":
        n = v.count(n, "n")
        frozen = [stats.betabinom(n, c.a, c.b) for c in comps]
        return PredictiveDistribution(w, frozen, "beta-binomial", n, [(c.a, c.b) for c in comps])
    if family == "gamma":
        exposure = v.positive(exposure, "exposure")
        shapes = np.array([c.shape for c in comps])
        probs = np.array([c.rate / (c.rate + exposure) for c in comps])
        if np.max(stats.nbinom.isf(TAIL, shapes[w > 0], probs[w > 0])) > MAX_COUNT:
            raise DataError(
                f"the predictive counts over exposure {exposure:g} exceed 10**12 = {MAX_COUNT}, "
                "the largest count the exact computations accept",
                field="exposure",
            )
        frozen = [stats.nbinom(c.shape, c.rate / (c.rate + exposure)) for c in comps]
        return PredictiveDistribution(
            w, frozen, "negative-binomial", exposure, [(c.shape, c.rate) for c in comps]
        )
    se = v.positive(se, "se")
    pred = [Normal(c.mean, math.hypot(c.sd, se)) for c in comps]
    return pred[0] if not isinstance(dist, Mixture) else Mixture(pred, w)


# --------------------------------------------------------------------------------------
# predictive probability of success (Lee & Liu 2008)


class PredictiveProbability(float):
    """A predictive probability (a float) that keeps its working.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per possible number of future events: ``future_events``,
        ``total_events``, ``pmf`` (beta-binomial predictive), ``posterior_prob``
        (P(theta > target | all data)), ``success``. With more than
        :data:`~bayes_trials._kernels.counts.ENUMERATE_MAX` (4096) future patients, only the rows
        of no future event, of all of them and of the eleven counts around
        ``min_future_events`` (``table.attrs["complete"]`` is then False).
    min_future_events : int or None
        The fewest future events that still give success (None if none do).
    n_future : int
        Patients still to come.
    """

    table: pd.DataFrame
    min_future_events: int | None
    n_future: int

    def __new__(cls, value, table, n_future, min_future_events=None):
        obj = super().__new__(cls, value)
        obj.table = table
        obj.n_future = n_future
        if min_future_events is None:
            succ = table.loc[table["success"], "future_events"]
            min_future_events = int(succ.min()) if len(succ) else None
        obj.min_future_events = min_future_events
        return obj

    def __repr__(self) -> str:
        need = (
            "success unreachable"
            if self.min_future_events is None
            else f"success needs >= {self.min_future_events} of {self.n_future} future events"
        )
        return f"PredictiveProbability({float(self):.6g}; {need})"


def predictive_probability(
    prior: Distribution, data: Binary, n_max: int, threshold: float, target: float
) -> PredictiveProbability:
    """Predictive probability that the trial, continued to ``n_max`` patients, succeeds.

    Success at the end means :math:`P(\\theta > \\text{target} \\mid \\text{all data}) >
    \\text{threshold}` (Lee and Liu's :math:`\\theta_T` is ``threshold``, their
    :math:`p_0` is ``target``).

    Parameters
    ----------
    prior : Beta or Mixture of Betas
        The design prior of the response probability.
    data : Binary
        The interim data: ``events`` responders among ``n`` patients.
    n_max : int
        Planned maximum number of patients, ``>= data.n``.
    threshold : float in (0, 1)
        Posterior probability required at the end (e.g. 0.9).
    target : float in (0, 1)
        The response rate to beat (e.g. the null or standard-of-care rate).

    Returns
    -------
    PredictiveProbability
        A float, with the table of future outcomes as attributes.

    Raises
    ------
    DataError, PriorError
        ``n_max < n``, non-Beta prior, probabilities outside (0, 1).

    Notes
    -----
    With :math:`x` events in :math:`n` patients and :math:`m = n_{max} - n` to come, the
    future events :math:`Y` follow the posterior predictive (beta-binomial mixture)
    :math:`P(Y = y \\mid x)`, and

    .. math:: PP = \\sum_{y=0}^{m} P(Y = y \\mid x)\\;
              \\mathbb{1}\\left\\{P(\\theta > p_0 \\mid x + y, n_{max}) > \\theta_T\\right\\}
              = P(Y \\ge y^* \\mid x),

    each final posterior being the conjugate update of the prior by :math:`x + y` events
    in :math:`n_{max}` patients. Binomial sampling has a monotone likelihood ratio in the
    count, so for any prior :math:`P(\\theta > p_0 \\mid x + y)` is non-decreasing in
    :math:`y` (see :func:`bayes_trials.decisions.decision_boundary`): success holds from
    :math:`y^*` on (``min_future_events``), found by bisection. With at most 4096 future
    patients the pmf is summed over every count (and tabulated); beyond, :math:`P(Y \\ge
    y^*)` is the beta-binomial survival function of :class:`PredictiveDistribution`
    (absolute error below :math:`10^{-12}`), so the cost does not grow with :math:`m`.

    References
    ----------
    Lee JJ, Liu DD. A predictive probability design for phase II cancer clinical trials.
    Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279

    Example
    -------
    >>> from bayes_trials.distributions import Beta
    >>> from bayes_trials.data import Binary
    >>> pp = predictive_probability(Beta(0.6, 0.4), Binary(16, 23), 40, 0.9, 0.6)
    >>> round(pp, 4), pp.min_future_events    # Lee & Liu (2008), section 2.2: 0.5656
    (0.5656, 12)
    """
    if not isinstance(data, Binary):
        raise DataError(f"interim data must be Binary, got {type(data).__name__}", field="data")
    _, comps = components_of(prior)
    if comps[0].family != "beta":
        raise PriorError("the predictive probability needs a Beta (mixture) prior", field="prior")
    n_max = v.count(n_max, "n_max")
    if n_max < data.n:
        raise DataError(f"must be >= the interim n = {data.n}, got {n_max}", field="n_max")
    threshold = v.open_unit(threshold, "threshold", PriorError)
    target = v.open_unit(target, "target", PriorError)
    post = update(prior, data)
    m = n_max - data.n
    if m == 0:
        prob = float(post.sf(target))
        table = pd.DataFrame(
            {
                "future_events": [0],
                "total_events": [data.events],
                "pmf": [1.0],
                "posterior_prob": [prob],
                "success": [prob > threshold],
            }
        )
        table.attrs["complete"] = True
        return PredictiveProbability(float(prob > threshold), table, 0)
    from ..decisions import Criterion, _criterion_probs

    crit = Criterion(threshold, target)

    def probs_at(ys):  # P(theta > target | x + y of n_max), one exact posterior per count
        return _criterion_probs(post, "binomial", m, np.asarray(ys, dtype=float), crit)

    pred = predictive(post, n=m)
    if m + 1 <= ENUMERATE_MAX:
        ys = np.arange(m + 1)
        pmf = pred.pmf(ys)
        probs = probs_at(ys)
        success = probs > threshold
        value = float(np.clip(np.sum(pmf[success]), 0.0, 1.0))
        need = None
        complete = True
    else:
        need = first_true(lambda y: bool(probs_at([y])[0] > threshold), 0, m)
        value = pred._between(need, m) if need <= m else 0.0
        ys = np.unique(np.clip(np.r_[0, m, np.arange(need - 5, need + 6)], 0, m))
        pmf, probs = pred.pmf(ys), probs_at(ys)
        success = probs > threshold
        need = need if need <= m else None
        complete = False
    table = pd.DataFrame(
        {
            "future_events": ys,
            "total_events": ys + data.events,
            "pmf": pmf,
            "posterior_prob": probs,
            "success": success,
        }
    )
    table.attrs["complete"] = complete
    return PredictiveProbability(value, table, m, need)
