"""Predictive distributions, predictive probability of success, differences and conflict.

Plain NumPy/SciPy, exact where the maths allows:

- :func:`predictive`: the (prior or posterior) predictive distribution of future data, a
  beta-binomial mixture for ``n`` patients, a negative-binomial mixture for a Poisson
  count over ``exposure``, a normal mixture for a future estimate with standard error ``se``;
- :func:`predictive_probability`: Lee and Liu's (2008) predictive probability that a
  single-arm trial continued to ``n_max`` patients ends in success;
- :func:`prob_difference` and :func:`difference`: P(theta1 - theta2 > delta) and the
  distribution of the difference of two independent parameters, by quadrature;
- :func:`prior_data_conflict`: Box's (1980) prior-predictive check of the observed data.

>>> from bayes_trials.distributions import Beta
>>> from bayes_trials.data import Binary
>>> pred = predictive(Beta(61, 14), n=12)   # ELIANA's CR/CRi 61/75 on a flat prior
>>> round(pred.mean, 4), pred.interval(0.95)
(9.76, (7, 12))
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats
from scipy.special import logsumexp

from . import _validate as v
from .conjugate import update
from .data import Binary, NormalData, Rate
from .errors import DataError, PriorError, StatisticalWarning
from ._constants import CRED_LEVEL
from .distributions import Mixture, Normal, components_of

#: numerical tolerance for "equal" probabilities (ties in Box's p-value, cdf inversion)
_TIE = 1e-9


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

    Attributes
    ----------
    support : tuple
        ``(0, n)`` for a beta-binomial, ``(0, inf)`` for a negative binomial.
    """

    def __init__(self, weights, components, family: str, size, params):
        self.weights = np.asarray(weights, dtype=float)
        self.components = tuple(components)
        self.family = family
        self.size = size
        self.params = tuple(params)
        self.support = (0, int(size)) if family == "beta-binomial" else (0, math.inf)

    def _weighted(self, method: str, k):
        k = np.asarray(k, dtype=float)
        return sum(w * getattr(c, method)(k) for w, c in zip(self.weights, self.components))

    def pmf(self, k):
        """P(Y = k); zero off the support and at non-integers."""
        return self._weighted("pmf", k)

    def logpmf(self, k):
        k = np.asarray(k, dtype=float)
        terms = np.stack([np.log(w) + c.logpmf(k) for w, c in zip(self.weights, self.components) if w > 0])
        return logsumexp(terms, axis=0)

    def cdf(self, k):
        """P(Y <= k)."""
        return np.clip(self._weighted("cdf", k), 0.0, 1.0)

    def sf(self, k):
        """P(Y > k)."""
        return np.clip(self._weighted("sf", k), 0.0, 1.0)

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
        return int(max(c.ppf(min(q, 1 - 1e-16)) for c in self.components))

    def ppf(self, q):
        """Smallest k with P(Y <= k) >= q (the usual discrete quantile)."""
        q = np.asarray(q, dtype=float)
        out = np.empty_like(q)
        for idx, qi in np.ndenumerate(q):
            if not 0 <= qi <= 1:
                out[idx] = np.nan
                continue
            if qi >= 1:
                out[idx] = self.support[1]
                continue
            hi = self._upper(qi) if self.family == "negative-binomial" else self.support[1]
            ks = np.arange(0, hi + 1)
            cdf = self.cdf(ks)
            out[idx] = ks[min(int(np.searchsorted(cdf, qi - _TIE)), ks.size - 1)]
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
        draws = np.empty(n, dtype=int)
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


def predictive(dist, n: int | None = None, exposure: float | None = None, se: float | None = None):
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
        (P(theta > target | all data)), ``success``.
    min_future_events : int or None
        The fewest future events that still give success (None if none do).
    n_future : int
        Patients still to come.
    """

    table: pd.DataFrame
    min_future_events: int | None
    n_future: int

    def __new__(cls, value, table, n_future):
        obj = super().__new__(cls, value)
        obj.table = table
        obj.n_future = n_future
        succ = table.loc[table["success"], "future_events"]
        obj.min_future_events = int(succ.min()) if len(succ) else None
        return obj

    def __repr__(self) -> str:
        need = (
            "success unreachable"
            if self.min_future_events is None
            else f"success needs >= {self.min_future_events} of {self.n_future} future events"
        )
        return f"PredictiveProbability({float(self):.6g}; {need})"


def predictive_probability(prior, data: Binary, n_max: int, threshold: float, target: float):
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
              \\mathbb{1}\\left\\{P(\\theta > p_0 \\mid x + y, n_{max}) > \\theta_T\\right\\},

    summed exactly; each final posterior is the conjugate update of the prior by
    :math:`x + y` events in :math:`n_{max}` patients.

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
    ys = np.arange(m + 1)
    if m == 0:
        pmf = np.ones(1)
        probs = np.array([float(post.sf(target))])
    else:
        pmf = predictive(post, n=m).pmf(ys)
        probs = np.array([float(update(post, Binary(int(y), m)).sf(target)) for y in ys])
    success = probs > threshold
    table = pd.DataFrame(
        {
            "future_events": ys,
            "total_events": ys + data.events,
            "pmf": pmf,
            "posterior_prob": probs,
            "success": success,
        }
    )
    value = float(np.clip(np.sum(pmf[success]), 0.0, 1.0))
    return PredictiveProbability(value, table, m)


# --------------------------------------------------------------------------------------
# differences of two independent parameters


_PIECE_PROBS = np.array([1e-13, 1e-6, 0.001, 0.02, 0.16, 0.5, 0.84, 0.98, 0.999, 1 - 1e-6, 1 - 1e-13])


def _pieces(dist) -> np.ndarray:
    """Break points for quadrature over ``dist``: quantiles of every component."""
    _, comps = components_of(dist)
    return np.unique(np.concatenate([np.asarray(c.ppf(_PIECE_PROBS), dtype=float) for c in comps]))


def _with_extra(base: np.ndarray, extra) -> list[float]:
    """``base`` break points plus those of ``extra`` that fall inside their range."""
    extra = np.asarray(extra, dtype=float)
    inside = extra[(extra > base[0]) & (extra < base[-1])]
    return list(np.unique(np.concatenate([base, inside])))


_GL40 = np.polynomial.legendre.leggauss(40)
_GL80 = np.polynomial.legendre.leggauss(80)


def _gauss_legendre(f, a: np.ndarray, b: np.ndarray, rule) -> float:
    x, w = rule
    half, mid = (b - a)[:, None] / 2, (b + a)[:, None] / 2
    t = mid + half * x[None, :]
    vals = np.asarray(f(t.ravel()), dtype=float).reshape(t.shape)
    return float(np.sum(half * (vals @ w)[:, None]))


def _integrate(f, pts) -> float:
    """Integral of a vectorised ``f`` over the pieces between ``pts``.

    Gauss-Legendre rules of 40 and 80 nodes on every piece (one vectorised call each);
    if they differ by more than 1e-12 the adaptive Gauss-Kronrod ``quad`` is used on
    every piece instead.
    """
    pts = np.asarray(pts, dtype=float)
    a, b = pts[:-1], pts[1:]
    keep = b > a
    a, b = a[keep], b[keep]
    coarse, fine = _gauss_legendre(f, a, b, _GL40), _gauss_legendre(f, a, b, _GL80)
    if abs(fine - coarse) <= 1e-12:
        return fine
    scalar = lambda t: float(f(np.asarray([t]))[0])  # noqa: E731
    return float(sum(
        integrate.quad(scalar, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
        for lo, hi in zip(a, b)
    ))


class Difference:
    """Distribution of :math:`D = \\theta_1 - \\theta_2` for independent :math:`\\theta_1, \\theta_2`.

    ``cdf``, ``sf`` and ``pdf`` are one-dimensional integrals over :math:`\\theta_2`,

    .. math:: F_D(d) = 1 - \\int p_2(t)\\, S_1(t + d)\\, dt, \\qquad
              f_D(d) = \\int p_2(t)\\, p_1(t + d)\\, dt,

    computed by adaptive quadrature between quantiles of each component of
    :math:`p_2` (absolute error below :math:`10^{-9}` in practice); ``ppf`` inverts the
    cdf by Brent's method. ``mean`` and ``sd`` are exact: :math:`\\mu_1 - \\mu_2` and
    :math:`\\sqrt{\\sigma_1^2 + \\sigma_2^2}`.
    """

    def __init__(self, dist1, dist2):
        for name, d in (("dist1", dist1), ("dist2", dist2)):
            if not hasattr(d, "sf") or not hasattr(d, "pdf"):
                raise PriorError(f"must be a distribution, got {type(d).__name__}", field=name)
        self.dist1, self.dist2 = dist1, dist2
        lo1, hi1 = dist1.support
        lo2, hi2 = dist2.support
        self.support = (lo1 - hi2, hi1 - lo2)
        self._p1, self._p2 = _pieces(dist1), _pieces(dist2)

    @property
    def mean(self) -> float:
        return self.dist1.mean - self.dist2.mean

    @property
    def sd(self) -> float:
        return math.hypot(self.dist1.sd, self.dist2.sd)

    def _one_sf(self, d: float) -> float:
        lo1, hi1 = self.dist1.support
        pts = _with_extra(self._p2, np.concatenate([[lo1 - d, hi1 - d], self._p1 - d]))
        f = lambda t: self.dist2.pdf(t) * self.dist1.sf(t + d)  # noqa: E731
        return float(np.clip(_integrate(f, pts), 0.0, 1.0))

    def sf(self, d):
        """P(theta1 - theta2 > d)."""
        d = np.asarray(d, dtype=float)
        out = np.vectorize(self._one_sf, otypes=[float])(d)
        return out if out.ndim else float(out)

    def cdf(self, d):
        """P(theta1 - theta2 <= d)."""
        out = 1.0 - np.asarray(self.sf(d))
        return out if out.ndim else float(out)

    def pdf(self, d):
        def one(x):
            pts = _with_extra(self._p2, self._p1 - x)
            return _integrate(lambda t: self.dist2.pdf(t) * self.dist1.pdf(t + x), pts)

        d = np.asarray(d, dtype=float)
        out = np.vectorize(one, otypes=[float])(d)
        return out if out.ndim else float(out)

    def ppf(self, q):
        """Quantiles by Brent's method on the cdf, bracketed from the mean and sd."""

        def one(qi):
            if not 0 < qi < 1:
                return self.support[0] if qi == 0 else self.support[1] if qi == 1 else np.nan
            lo, hi = self.mean - 8 * self.sd, self.mean + 8 * self.sd
            while self.cdf(lo) > qi:
                lo -= 8 * self.sd
            while self.cdf(hi) < qi:
                hi += 8 * self.sd
            lo, hi = max(lo, self.support[0]), min(hi, self.support[1])
            return optimize.brentq(lambda x: self.cdf(x) - qi, lo, hi, xtol=1e-10, rtol=1e-10)

        q = np.asarray(q, dtype=float)
        out = np.vectorize(one, otypes=[float])(q)
        return out if out.ndim else float(out)

    def interval(self, prob: float = CRED_LEVEL) -> tuple[float, float]:
        """Equal-tailed credible interval of the difference."""
        prob = v.open_unit(prob, "prob", PriorError)
        tail = (1 - prob) / 2
        return float(self.ppf(tail)), float(self.ppf(1 - tail))

    def __repr__(self) -> str:
        return f"Difference({self.dist1!r} - {self.dist2!r})"


def difference(dist1, dist2) -> Difference:
    """Distribution of :math:`\\theta_1 - \\theta_2` for independent (mixture) distributions.

    See :class:`Difference` for the integrals.

    Example
    -------
    >>> from bayes_trials.distributions import Normal
    >>> d = difference(Normal(1, 3), Normal(0, 4))
    >>> round(d.sd, 6), round(float(d.cdf(1.0)), 6)
    (5.0, 0.5)
    """
    return Difference(dist1, dist2)


def prob_difference(dist1, dist2, delta: float = 0.0) -> float:
    """P(theta1 - theta2 > delta) for two independent (mixture) distributions.

    Parameters
    ----------
    dist1, dist2 : Beta, Gamma, Normal or Mixture
        E.g. the posteriors of the response rates of two arms (or of a trial and a benchmark).
    delta : float
        Margin (0: P(theta1 > theta2)).

    Returns
    -------
    float

    Notes
    -----
    .. math:: P(\\theta_1 - \\theta_2 > \\delta) = \\int p_2(t)\\, S_1(t + \\delta)\\, dt,

    with :math:`S_1` the survival function of :math:`\\theta_1`, by adaptive Gauss-Kronrod
    quadrature, split at quantiles of every mixture component of both distributions and at
    the kinks where :math:`t + \\delta` leaves the support of :math:`\\theta_1`; the absolute
    error is below :math:`10^{-6}` (tests compare with closed forms and :math:`10^6` Monte
    Carlo draws). Closed forms exist for two Normals,
    :math:`\\Phi((\\mu_1 - \\mu_2 - \\delta)/\\sqrt{\\sigma_1^2 + \\sigma_2^2})`, and for two
    Gammas with :math:`\\delta = 0`: :math:`P(\\lambda_1 > \\lambda_2) =
    P(X > r_1/(r_1 + r_2))`, :math:`X \\sim \\text{Beta}(s_1, s_2)`.

    Example
    -------
    >>> from bayes_trials.distributions import Beta
    >>> # META 10-19 CR/CRi 9/12 vs ZUMA-3 39/55, both on uniform priors
    >>> round(prob_difference(Beta(10, 4), Beta(40, 17)), 4)
    0.5599
    """
    delta = v.finite_real(delta, "delta", PriorError)
    return float(Difference(dist1, dist2).sf(delta))


# --------------------------------------------------------------------------------------
# prior-data conflict (Box 1980)


@dataclass(frozen=True)
class PriorDataConflict:
    """Result of :func:`prior_data_conflict`.

    ``p_value`` small means the observed data are surprising under the prior predictive.
    """

    p_value: float
    method: str
    observed: float
    predictive_mean: float
    predictive_interval: tuple
    alpha: float

    @property
    def conflict(self) -> bool:
        """True when ``p_value < alpha``."""
        return self.p_value < self.alpha

    def __float__(self) -> float:
        return float(self.p_value)

    def __str__(self) -> str:
        verdict = "conflict" if self.conflict else "no conflict"
        lo, hi = self.predictive_interval
        return (
            f"prior-data conflict ({self.method}): observed {self.observed:g}, prior predictive "
            f"mean {self.predictive_mean:.4g}, 95% interval [{lo:.4g}, {hi:.4g}], "
            f"p = {self.p_value:.4g} ({verdict} at alpha = {self.alpha:g})"
        )


CONFLICT_METHODS = ("box", "tail")


def _box_discrete(pred, y) -> float:
    """Box p-value of a count: total mass of counts no more probable than the observed."""
    f_obs = float(pred.pmf(y))
    hi = pred.support[1] if pred.family == "beta-binomial" else max(pred._upper(1 - 1e-15), y)
    ks = np.arange(0, int(hi) + 1)
    f = pred.pmf(ks)
    more_probable = f > f_obs * (1 + _TIE)
    return float(np.clip(1.0 - f[more_probable].sum(), 0.0, 1.0))


def _box_continuous(pred, y) -> float:
    """Box p-value of a continuous estimate: mass where the predictive density <= g(y)."""
    g_obs = float(pred.pdf(y))
    lo, hi = float(pred.ppf(1e-14)), float(pred.ppf(1 - 1e-14))
    _, comps = components_of(pred)
    grid = np.unique(np.concatenate([np.linspace(lo, hi, 4001), [c.mean for c in comps], [y]]))
    h = pred.pdf(grid) - g_obs
    above = h > 0
    if not above.any():
        return 1.0
    # the region {g > g_obs} is a union of intervals; refine their ends by root finding
    mass = 0.0
    i = 0
    n = grid.size
    while i < n:
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and above[j + 1]:
            j += 1
        f = lambda x: float(pred.pdf(x)) - g_obs  # noqa: E731
        left = grid[i] if i == 0 else optimize.brentq(f, grid[i - 1], grid[i], xtol=1e-13)
        right = grid[j] if j == n - 1 else optimize.brentq(f, grid[j], grid[j + 1], xtol=1e-13)
        mass += float(pred.cdf(right) - pred.cdf(left))
        i = j + 1
    return float(np.clip(1.0 - mass, 0.0, 1.0))


def prior_data_conflict(prior, data, method: str = "box", alpha: float = 0.05, warn: bool = True):
    """Box's prior-predictive check: are the observed data surprising under the prior?

    Parameters
    ----------
    prior : Beta, Gamma, Normal or Mixture
    data : Binary, Rate or NormalData (matching the prior's family)
    method : {"box", "tail"}
        ``"box"`` (default): Box's (1980) p-value, the prior-predictive probability of
        data no more probable than those observed. ``"tail"``: the two-sided tail
        probability :math:`\\min(1, 2\\min(P(Y \\le y), P(Y \\ge y)))`.
    alpha : float
        Level below which a conflict is flagged.
    warn : bool
        Emit a :class:`~bayes_trials.errors.StatisticalWarning` on conflict.

    Returns
    -------
    PriorDataConflict
        ``p_value``, ``conflict`` (p < alpha), the observed value and the prior
        predictive mean and 95% interval.

    Notes
    -----
    With :math:`f` the prior predictive pmf (beta-binomial or negative-binomial mixture;
    see :func:`predictive`) or density (normal mixture) and :math:`y` the observation,

    .. math:: p_\\text{Box} = P\\{f(Y) \\le f(y)\\} = \\sum_{k:\\, f(k) \\le f(y)} f(k)
              \\quad\\text{or}\\quad \\int_{f(u) \\le f(y)} f(u)\\, du.

    For one Normal prior and a normal estimate it equals the two-sided tail
    probability :math:`2\\Phi(-|y - m|/\\sqrt{s^2 + \\text{se}^2})`. RBesT has no single
    function for this check; its vignettes read the prior predictive (``preddist``)
    tail probability of the observed count, which ``method="tail"`` gives (two-sided).

    References
    ----------
    Box GEP. Sampling and Bayes' inference in scientific modelling and robustness.
    J R Stat Soc A 1980;143:383-430. doi:10.2307/2982063

    Example
    -------
    >>> from bayes_trials.distributions import Beta
    >>> from bayes_trials.data import Binary
    >>> # MAP-like prior from CD19 CAR-T benchmarks vs META 10-19's CR/CRi 9/12
    >>> chk = prior_data_conflict(Beta(60, 17), Binary(9, 12))
    >>> chk.conflict, round(chk.p_value, 3)
    (False, 0.747)
    """
    v.one_of(method, CONFLICT_METHODS, "method", PriorError)
    alpha = v.open_unit(alpha, "alpha", PriorError)
    if isinstance(data, Binary):
        pred, y = predictive(prior, n=data.n), data.events
    elif isinstance(data, Rate):
        pred, y = predictive(prior, exposure=data.exposure), data.events
    elif isinstance(data, NormalData):
        pred, y = predictive(prior, se=data.se), data.mean
    else:
        raise DataError(f"cannot check conflict with {type(data).__name__}", field="data")
    discrete = isinstance(pred, PredictiveDistribution)
    if method == "box":
        p = _box_discrete(pred, y) if discrete else _box_continuous(pred, y)
    else:
        lower = float(pred.cdf(y))
        upper = float(pred.sf(y - 1)) if discrete else float(pred.sf(y))
        p = float(min(1.0, 2 * min(lower, upper)))
    interval = pred.interval(0.95)
    result = PriorDataConflict(p, method, float(y), float(pred.mean), tuple(interval), alpha)
    if warn and result.conflict:
        warnings.warn(str(result), StatisticalWarning, stacklevel=2)
    return result


__all__ = [
    "PredictiveDistribution",
    "predictive",
    "PredictiveProbability",
    "predictive_probability",
    "Difference",
    "difference",
    "prob_difference",
    "PriorDataConflict",
    "prior_data_conflict",
]
