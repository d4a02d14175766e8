"""Contrasts of two independent parameters: difference, ratio and odds ratio, exactly.

A randomised trial compares a treatment arm with a control arm. With independent (mixture)
posteriors :math:`p_1` of the treatment parameter :math:`\\theta_1` and :math:`p_2` of the
control's :math:`\\theta_2` (Beta for risks, Gamma for event rates, Normal for means), every
contrast :math:`C = g(\\theta_1, \\theta_2)` that increases in :math:`\\theta_1` has the
one-dimensional integrals

.. math::

    P(C > x) = \\int p_2(t)\\, S_1(h(x, t))\\, dt, \\qquad
    f_C(x) = \\int p_2(t)\\, p_1(h(x, t))\\, \\frac{\\partial h}{\\partial x}(x, t)\\, dt,

where :math:`h(x, t)` is the treatment value at which :math:`g(h, t) = x` and :math:`S_1`
the survival function of :math:`\\theta_1`:

===============  ==========================================  =====================================
``measure``       :math:`C`                                    :math:`h(x, t)`
===============  ==========================================  =====================================
``difference``    :math:`\\theta_1 - \\theta_2`                :math:`t + x`
``ratio``         :math:`\\theta_1 / \\theta_2`                :math:`x t`
``odds_ratio``    :math:`\\frac{\\theta_1/(1-\\theta_1)}{\\theta_2/(1-\\theta_2)}`
                                                                :math:`x t / (1 - t + x t)`
===============  ==========================================  =====================================

They are computed by Gauss-Legendre / Gauss-Kronrod quadrature between quantiles of every
mixture component of both parameters and the points where :math:`h` leaves the support of
:math:`\\theta_1` (:mod:`bayes_trials._kernels.quadrature`, the one quadrature of the
package); the absolute error of ``cdf`` and ``sf`` is below :math:`10^{-9}` in the tests
(against closed forms, two-dimensional integration and exact finite sums). Means and sds are
closed forms from the arms' moments (independence): :math:`E[\\theta_1]E[\\theta_2^{-1}]` for
the ratio, :math:`E[o_1]E[o_2^{-1}]` with :math:`o = \\theta/(1 - \\theta)` for the odds ratio,
infinite where the moment diverges (a Beta control arm with :math:`a \\le 1` has no
:math:`E[\\theta_2^{-1}]`).

Derived scales: :class:`OneMinus` (vaccine efficacy :math:`1 - \\text{RR}`) and
:class:`CaseSplitRatio` (the rate ratio of the case-split parameterisation
:math:`\\theta = y_1 / (y_1 + y_2)`).

>>> from bayes_trials.distributions import Beta
>>> rd = compare(Beta(10, 4), Beta(40, 17))                  # risk difference
>>> round(float(rd.sf(0.0)), 4)                              # P(theta1 > theta2)
0.5599
>>> rr = compare(Beta(10, 4), Beta(40, 17), measure="ratio")
>>> round(float(rr.sf(1.0)), 4)                              # the same event
0.5599
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
from scipy import interpolate
from scipy.special import betaln, gammaln

from . import _validate as v
from ._kernels.quadrature import integrate_pieces, pieces, with_extra
from .distributions import Distribution, Gamma, Mixture, Normal, components_of
from .distributions.derived import ratio_of_rates
from .errors import PriorError

__all__ = [
    "MEASURES",
    "Contrast",
    "Difference",
    "compare",
    "difference",
    "prob_difference",
    "OneMinus",
    "CaseSplitRatio",
    "raw_moment",
    "odds_moment",
]

#: the contrasts of a treatment parameter with a control parameter
MEASURES = ("difference", "ratio", "odds_ratio")
#: how each contrast is written in words (criteria, reports)
SYMBOLS = {"difference": "{a} - {b}", "ratio": "{a} / {b}", "odds_ratio": "OR({a}, {b})"}
#: the value of each contrast when the arms are equal (its null)
NULL = {"difference": 0.0, "ratio": 1.0, "odds_ratio": 1.0}
#: cdf table used to bracket quantiles: points and the tail probability its ends leave
_TABLE_POINTS = 97
_TABLE_TAIL = 1e-10


# --- moments of the arms -------------------------------------------------------------------
def raw_moment(dist, k: float) -> float:
    """:math:`E[\\theta^k]` of a Beta, Gamma or Normal (mixture), in closed form.

    Beta(a, b): :math:`B(a + k, b)/B(a, b)` (infinite for :math:`a + k \\le 0`); Gamma(s, r):
    :math:`\\Gamma(s + k)/(\\Gamma(s) r^k)` (infinite for :math:`s + k \\le 0`); Normal: k = 1, 2
    only. Other distributions by quadrature.

    >>> from bayes_trials.distributions import Beta, Gamma
    >>> raw_moment(Beta(3, 2), -1), raw_moment(Gamma(3, 2), -1)      # (a+b-1)/(a-1), r/(s-1)
    (2.0, 1.0)
    """
    w, comps = components_of(dist)
    out = 0.0
    for wk, c in zip(w, comps):
        fam = getattr(c, "family", "")
        if fam == "beta":
            m = math.exp(betaln(c.a + k, c.b) - betaln(c.a, c.b)) if c.a + k > 0 else math.inf
        elif fam == "gamma":
            m = (
                math.exp(gammaln(c.shape + k) - gammaln(c.shape)) * c.rate ** (-k)
                if c.shape + k > 0
                else math.inf
            )
        elif fam == "normal" and k in (1, 2):
            m = c.mean if k == 1 else c.sd**2 + c.mean**2
        else:
            m = integrate_pieces(lambda t, c=c: np.asarray(t, float) ** k * c.pdf(t), pieces(c))
        out += wk * m
    return float(out)


def odds_moment(dist, k: float) -> float:
    """:math:`E[(\\theta/(1-\\theta))^k]` of a Beta (mixture): :math:`B(a + k, b - k)/B(a, b)`,
    infinite unless :math:`a + k > 0` and :math:`b - k > 0`. Other distributions on (0, 1) by
    quadrature.

    >>> from bayes_trials.distributions import Beta
    >>> odds_moment(Beta(3, 4), 1)                                    # a / (b - 1)
    1.0
    """
    w, comps = components_of(dist)
    out = 0.0
    for wk, c in zip(w, comps):
        if getattr(c, "family", "") == "beta":
            ok = c.a + k > 0 and c.b - k > 0
            m = math.exp(betaln(c.a + k, c.b - k) - betaln(c.a, c.b)) if ok else math.inf
        else:
            m = integrate_pieces(
                lambda t, c=c: (np.asarray(t, float) / (1 - np.asarray(t, float))) ** k * c.pdf(t),
                pieces(c),
            )
        out += wk * m
    return float(out)


def _check_dist(d, name: str) -> None:
    for attr in ("sf", "cdf", "pdf", "ppf", "support"):
        if not hasattr(d, attr):
            raise PriorError(
                f"must be a distribution (Beta, Gamma, Normal, a mixture, ...), "
                f"got {type(d).__name__}",
                field=name,
            )


# --- the contrast distribution -----------------------------------------------------------------
class Contrast(Distribution):
    """The distribution of a contrast :math:`C = g(\\theta_1, \\theta_2)` of two independent
    parameters (see the module docstring for the integrals).

    Parameters
    ----------
    dist1, dist2 : Beta, Gamma, Normal, Mixture, or any distribution with ``pdf``, ``sf``,
        ``cdf``, ``ppf`` (vectorised) and ``support``
        The treatment (``dist1``) and control (``dist2``) parameters.
    measure : {"difference", "ratio", "odds_ratio"}
        ``"ratio"`` needs two parameters on :math:`[0, \\infty)`, ``"odds_ratio"`` two on
        :math:`[0, 1]`.

    Notes
    -----
    ``cdf`` and ``sf`` are computed each as its own integral (so that both tails keep their
    relative precision); ``ppf`` starts from a monotone interpolant of a table of the cdf and
    refines it by Newton's method (to a last step below 1e-7, so within ~1e-14), falling back on Brent's method
    (relative tolerance 1e-12); ``mean`` and ``sd`` are closed forms
    (:func:`raw_moment`, :func:`odds_moment`), ``inf`` where the moment diverges.

    Example
    -------
    >>> from bayes_trials.distributions import Normal
    >>> d = Contrast(Normal(1, 3), Normal(0, 4))
    >>> round(d.sd, 6), round(float(d.cdf(1.0)), 6)
    (5.0, 0.5)
    """

    def __init__(self, dist1, dist2, measure: str = "difference"):
        v.one_of(measure, MEASURES, "measure", PriorError)
        _check_dist(dist1, "dist1")
        _check_dist(dist2, "dist2")
        (lo1, hi1), (lo2, hi2) = dist1.support, dist2.support
        if measure == "ratio" and (lo1 < 0 or lo2 < 0):
            raise PriorError(
                "a ratio needs two non-negative parameters (risks or rates), got supports "
                f"{dist1.support} and {dist2.support}",
                field="measure",
            )
        if measure == "odds_ratio" and (lo1 < 0 or lo2 < 0 or hi1 > 1 or hi2 > 1):
            raise PriorError(
                "an odds ratio needs two probabilities (Beta distributions), got supports "
                f"{dist1.support} and {dist2.support}",
                field="measure",
            )
        self.dist1, self.dist2, self.measure = dist1, dist2, measure
        self.support = (lo1 - hi2, hi1 - lo2) if measure == "difference" else (0.0, math.inf)
        self._p1, self._p2 = pieces(dist1), pieces(dist2)

    family = "contrast"

    # --- the map x -> theta1 at control value t ------------------------------------------------
    def _h(self, x: float, t):
        t = np.asarray(t, dtype=float)
        if self.measure == "difference":
            return t + x
        if self.measure == "ratio":
            return x * t
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(t >= 1, 1.0, x * t / (1 - t + x * t))

    def _dh(self, x: float, t):
        t = np.asarray(t, dtype=float)
        if self.measure == "difference":
            return np.ones_like(t)
        if self.measure == "ratio":
            return t
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((t > 0) & (t < 1), t * (1 - t) / (1 - t + x * t) ** 2, 0.0)

    def _t_at(self, x: float, s) -> np.ndarray:
        """The control values t where h(x, t) equals each treatment value s (break points)."""
        s = np.asarray(s, dtype=float)
        if self.measure == "difference":
            return s - x
        if self.measure == "ratio":
            return s / x
        s = np.clip(s, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = s / (1 - s)
            return np.where(s >= 1, 1.0, odds / (x + odds))

    def _pts(self, x: float) -> list:
        lo1, hi1 = self.dist1.support
        return with_extra(
            self._p2, np.concatenate([self._t_at(x, [lo1, hi1]), self._t_at(x, self._p1)])
        )

    def _tail(self, x: float, upper: bool) -> float:
        """:math:`P(C > x)` (``upper``) or :math:`P(C \\le x)`, each by its own integral."""
        if self.measure != "difference":
            if x <= 0:
                return 1.0 if upper else 0.0
            if not math.isfinite(x):
                return 0.0 if upper else 1.0
        tail1 = self.dist1.sf if upper else self.dist1.cdf
        f = lambda t: self.dist2.pdf(t) * tail1(self._h(x, t))  # noqa: E731
        return float(np.clip(integrate_pieces(f, self._pts(x)), 0.0, 1.0))

    def _vectorised(self, fn, x):
        x = np.asarray(x, dtype=float)
        out = np.vectorize(fn, otypes=[float])(x)
        return out if out.ndim else float(out)

    def sf(self, x):
        """:math:`P(C > x)`."""
        return self._vectorised(lambda xi: self._tail(xi, True), x)

    def cdf(self, x):
        """:math:`P(C \\le x)`."""
        return self._vectorised(lambda xi: self._tail(xi, False), x)

    def _density(self, x: float) -> float:
        if self.measure != "difference" and not 0 < x < math.inf:
            return 0.0
        f = lambda t: self.dist2.pdf(t) * self.dist1.pdf(self._h(x, t)) * self._dh(x, t)  # noqa: E731
        return max(integrate_pieces(f, self._pts(x)), 0.0)

    def pdf(self, x):
        """The density :math:`f_C(x)`."""
        return self._vectorised(self._density, x)

    def logpdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    # --- quantiles --------------------------------------------------------------------------------
    def _bracket(self, eps: float) -> tuple[float, float]:
        """An interval holding all but at most ``2 eps`` of the mass on each side."""
        a1, b1 = (float(x) for x in self.dist1.ppf([eps, 1 - eps]))
        a2, b2 = (float(x) for x in self.dist2.ppf([eps, 1 - eps]))
        if self.measure == "difference":
            return a1 - b2, b1 - a2
        if self.measure == "odds_ratio":
            odds = lambda p: p / (1 - p) if p < 1 else math.inf  # noqa: E731
            a1, b1, a2, b2 = odds(a1), odds(b1), odds(a2), odds(b2)
        lo = a1 / b2 if b2 > 0 else 0.0
        hi = b1 / a2 if a2 > 0 else math.inf
        return lo, hi

    @property
    def _log_scale(self) -> bool:
        return self.measure != "difference"

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        """The cdf on a grid (log-spaced for ratios) over all but ``_TABLE_TAIL`` of the mass."""
        lo, hi = self._bracket(_TABLE_TAIL / 2)
        if self._log_scale:
            lo = max(lo, 1e-300)
            hi = min(hi, 1e300)
            xs = np.exp(np.linspace(math.log(lo), math.log(hi), _TABLE_POINTS))
        else:
            xs = np.linspace(lo, hi, _TABLE_POINTS)
        return xs, np.maximum.accumulate(np.asarray(self.cdf(xs), dtype=float))

    @cached_property
    def _inverse(self):
        """A monotone interpolant of the quantile function through the cdf table (on the log
        scale for ratios): the starting point of Newton's method in :meth:`ppf`."""
        xs, cs = self._table
        keep = np.r_[True, np.diff(cs) > 0]
        ys = np.log(xs[keep]) if self._log_scale else xs[keep]
        return interpolate.PchipInterpolator(cs[keep], ys, extrapolate=False)

    def _one_ppf(self, q: float) -> float:
        if not 0 <= q <= 1:
            return math.nan
        if q in (0.0, 1.0):
            return self.support[0] if q == 0 else self.support[1]
        xs, cs = self._table
        i = int(np.searchsorted(cs, q, side="left"))
        if 0 < i < xs.size and cs[i - 1] < q <= cs[i]:
            lo, hi = float(xs[i - 1]), float(xs[i])
            guess = float(self._inverse(q))
        else:  # a quantile beyond the table: bracket it from the arms' quantiles
            lo, hi = self._bracket(min(q, 1 - q) / 4)
            if self._log_scale:
                lo, hi = max(lo, 1e-300), min(hi, 1e300)
            guess = None
        return self._safe_newton(q, lo, hi, guess)

    def _safe_newton(self, q: float, lo: float, hi: float, guess: float | None) -> float:
        """Newton's method on :math:`F(x) = q` kept inside the bracket ``[lo, hi]`` (on the log
        scale for ratios): a step that would leave the bracket, or shrink the residual too
        little, is replaced by bisection (Press et al.'s ``rtsafe``). Stops when a Newton step
        is below 1e-7 of the scale (the error left is of the order of its square) or the
        bracket is below 1e-12 of it."""
        log = self._log_scale
        to_x = math.exp if log else (lambda y: y)  # noqa: E731
        a, b = (math.log(lo), math.log(hi)) if log else (lo, hi)
        y = guess if guess is not None and a < guess < b else (a + b) / 2
        for _ in range(200):
            x = to_x(y)
            r = self._residual(x, q)
            if r == 0:
                return x
            a, b = (a, y) if r > 0 else (y, b)
            scale = max(1.0, abs(y))
            if b - a <= 1e-12 * scale:
                return to_x((a + b) / 2)
            dens = self._density(x) * (x if log else 1.0)
            step = r / dens if dens > 0 else math.inf
            new = y - step
            if not a < new < b:
                y = (a + b) / 2
                continue
            y = new
            if abs(step) <= 1e-7 * scale:  # quadratic: what is left is ~ step^2
                return to_x(y)
        return to_x((a + b) / 2)  # pragma: no cover

    def _residual(self, x: float, q: float) -> float:
        """:math:`F(x) - q`, from the upper tail when :math:`q > 1/2` (so that a quantile near 1 is
        fixed by :math:`1 - q` to its own relative precision)."""
        return self._tail(x, False) - q if q <= 0.5 else (1 - q) - self._tail(x, True)

    def ppf(self, q):
        """Quantiles: from a cdf table, refined by safeguarded Newton steps."""
        return self._vectorised(self._one_ppf, q)

    # --- moments ------------------------------------------------------------------------------------
    @cached_property
    def _moments(self) -> tuple[float, float]:
        d1, d2 = self.dist1, self.dist2
        if self.measure == "difference":
            return d1.mean - d2.mean, math.hypot(d1.sd, d2.sd)
        moment = raw_moment if self.measure == "ratio" else odds_moment
        m1, m2 = moment(d1, 1), moment(d2, -1)
        mean = m1 * m2
        s1, s2 = moment(d1, 2), moment(d2, -2)
        if not (math.isfinite(mean) and math.isfinite(s1) and math.isfinite(s2)):
            return mean, math.inf
        return mean, math.sqrt(max(s1 * s2 - mean**2, 0.0))

    @property
    def mean(self) -> float:
        return self._moments[0]

    @property
    def sd(self) -> float:
        return self._moments[1]

    def rvs(self, size=None, seed=None, **deprecated):
        """Draws of :math:`g(\\theta_1, \\theta_2)` from independent draws of the arms (``seed``:
        a seed or a ``numpy.random.Generator``)."""
        seed = v.renamed(deprecated, "random_state", "seed", seed)
        rng = np.random.default_rng(seed)
        t1 = np.asarray(self.dist1.rvs(size=size, seed=rng), dtype=float)
        t2 = np.asarray(self.dist2.rvs(size=size, seed=rng), dtype=float)
        if self.measure == "difference":
            return t1 - t2
        if self.measure == "ratio":
            return t1 / t2
        return (t1 / (1 - t1)) / (t2 / (1 - t2))

    def __repr__(self) -> str:
        return f"Contrast({self.measure}: {self.dist1!r} vs {self.dist2!r})"


class Difference(Contrast):
    """Distribution of :math:`D = \\theta_1 - \\theta_2` for independent :math:`\\theta_1, \\theta_2`
    (:class:`Contrast` with ``measure="difference"``):

    .. math:: F_D(d) = \\int p_2(t)\\, F_1(t + d)\\, dt, \\qquad
              f_D(d) = \\int p_2(t)\\, p_1(t + d)\\, dt,

    ``mean`` and ``sd`` exact: :math:`\\mu_1 - \\mu_2` and :math:`\\sqrt{\\sigma_1^2 + \\sigma_2^2}`.
    """

    def __init__(self, dist1, dist2):
        super().__init__(dist1, dist2, "difference")

    def __repr__(self) -> str:
        return f"Difference({self.dist1!r} - {self.dist2!r})"


def _closed_form(d1, d2, measure: str):
    """The contrast in closed form where it has one, else None: the difference of two Normal
    (mixtures) is a Normal (mixture over pairs of components, weights :math:`w_{1i}w_{2j}`);
    the ratio of two Gamma (mixtures) a scaled beta-prime (mixture)
    (:func:`~bayes_trials.distributions.derived.ratio_of_rates`)."""
    (w1, c1), (w2, c2) = components_of(d1), components_of(d2)
    fams = {type(c) for c in (*c1, *c2)}
    if measure == "difference" and fams == {Normal}:
        comps = [Normal(a.mean - b.mean, math.hypot(a.sd, b.sd)) for a in c1 for b in c2]
        weights = np.outer(w1, w2).ravel()
        return comps[0] if len(comps) == 1 else Mixture(comps, weights / weights.sum())
    if measure == "ratio" and fams == {Gamma}:
        return ratio_of_rates(d1, d2)
    return None


def compare(
    dist_treatment: Distribution, dist_control: Distribution, measure: str = "difference"
) -> Distribution:
    """The distribution of a contrast of two independent parameters, treatment vs control.

    Parameters
    ----------
    dist_treatment, dist_control : Beta, Gamma, Normal or Mixture (or any distribution with
        ``pdf``, ``cdf``, ``sf``, ``ppf`` and ``support``)
        E.g. the exact posteriors of the event probability in each arm.
    measure : {"difference", "ratio", "odds_ratio"}
        :math:`\\theta_1 - \\theta_2`, :math:`\\theta_1/\\theta_2` or the odds ratio
        :math:`\\frac{\\theta_1/(1-\\theta_1)}{\\theta_2/(1-\\theta_2)}` (treatment over control).

    Returns
    -------
    Contrast, or the closed form where there is one
        A distribution with ``cdf``, ``sf``, ``pdf``, ``ppf``, ``mean``, ``sd``, ``median``,
        ``interval(level, kind)`` and ``rvs``: by one-dimensional quadrature
        (:class:`Contrast`, absolute error below 1e-6), except that the difference of two
        Normal (mixtures) is returned as the Normal (mixture) it is, and the ratio of two
        Gamma (mixtures) as the scaled beta-prime (mixture)
        (:class:`~bayes_trials.RateRatioPosterior`).

    Raises
    ------
    PriorError
        An unknown measure, or a ratio / odds ratio of parameters outside their supports
        (a ratio of Normal means).

    Examples
    --------
    >>> from bayes_trials.distributions import Beta, Gamma, Normal
    >>> orr = compare(Beta(9, 164), Beta(163, 9), "odds_ratio")
    >>> round(float(orr.cdf(0.01)), 4)
    0.9979
    >>> rr = compare(Gamma(8.5, 2214), Gamma(162.5, 2222), "ratio")   # rates per person-year
    >>> [round(x, 4) for x in rr.interval(0.95)]
    [0.0231, 0.0954]
    >>> compare(Normal(1, 3), Normal(0, 4))
    Normal(mean=1, sd=5)
    """
    v.one_of(measure, MEASURES, "measure", PriorError)
    _check_dist(dist_treatment, "dist_treatment")
    _check_dist(dist_control, "dist_control")
    closed = _closed_form(dist_treatment, dist_control, measure)
    return closed if closed is not None else Contrast(dist_treatment, dist_control, measure)


# --- derived scales ------------------------------------------------------------------------------
class OneMinus(Distribution):
    """The distribution of :math:`1 - X` (vaccine efficacy :math:`1 - \\text{RR}`).

    :math:`P(1 - X \\le v) = P(X \\ge 1 - v)`, density :math:`f_X(1 - v)`, quantile
    :math:`1 - F_X^{-1}(1 - q)`.

    >>> from bayes_trials.distributions import Beta
    >>> round(float(OneMinus(Beta(2, 5)).cdf(0.5)), 6) == round(float(Beta(2, 5).sf(0.5)), 6)
    True
    """

    family = "one_minus"

    def __init__(self, dist):
        _check_dist(dist, "dist")
        self.dist = dist
        lo, hi = dist.support
        self.support = (1 - hi, 1 - lo)

    def cdf(self, x):
        return self.dist.sf(1 - np.asarray(x, dtype=float))

    def sf(self, x):
        return self.dist.cdf(1 - np.asarray(x, dtype=float))

    def pdf(self, x):
        return self.dist.pdf(1 - np.asarray(x, dtype=float))

    def logpdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def ppf(self, q):
        return 1 - np.asarray(self.dist.ppf(1 - np.asarray(q, dtype=float)))

    @property
    def mean(self) -> float:
        return 1 - self.dist.mean

    @property
    def sd(self) -> float:
        return self.dist.sd

    def rvs(self, size=None, seed=None, **deprecated):
        seed = v.renamed(deprecated, "random_state", "seed", seed)
        return 1 - np.asarray(self.dist.rvs(size=size, seed=seed))

    def __repr__(self) -> str:
        return f"OneMinus({self.dist!r})"


class CaseSplitRatio(Distribution):
    """The rate ratio of the case-split parameterisation: :math:`\\text{RR} = k\\,\\theta/(1 - \\theta)`.

    With :math:`y_1, y_2` events over exposures :math:`E_1, E_2` (treatment, control) and
    Poisson rates :math:`\\lambda_1, \\lambda_2`, given all :math:`y_1 + y_2` cases the
    treatment's share is binomial with probability
    :math:`\\theta = \\lambda_1 E_1 / (\\lambda_1 E_1 + \\lambda_2 E_2)`, so
    :math:`\\text{RR} = \\lambda_1/\\lambda_2 = k\\,\\theta/(1 - \\theta)` with :math:`k = E_2/E_1`.
    For a Beta (mixture) :math:`\\theta`: :math:`P(\\text{RR} \\le r) = F_\\theta(r/(r + k))`,
    :math:`E[\\text{RR}] = k\\,E[\\theta/(1-\\theta)]` (:func:`odds_moment`).

    Parameters
    ----------
    share : distribution on (0, 1)
        Of :math:`\\theta`, the treatment arm's share of the cases.
    exposure_ratio : float > 0
        :math:`k = E_2 / E_1`, control exposure over treatment exposure.

    References
    ----------
    Polack FP et al. Safety and efficacy of the BNT162b2 mRNA Covid-19 vaccine. N Engl J Med
    2020;383:2603-2615. doi:10.1056/NEJMoa2034577 (the analysis with a Beta prior on the case
    split, vaccine efficacy :math:`1 - \\text{RR}`).

    Example
    -------
    >>> from bayes_trials.distributions import Beta
    >>> rr = CaseSplitRatio(Beta(8.700102, 163), exposure_ratio=2.222 / 2.214)
    >>> [round(100 * (1 - float(x)), 1) for x in rr.ppf([0.975, 0.025])]    # VE 95% CrI
    [90.3, 97.6]
    """

    family = "case_split_ratio"
    support = (0.0, math.inf)

    def __init__(self, share, exposure_ratio: float):
        _check_dist(share, "share")
        self.share = share
        self.k = v.positive(exposure_ratio, "exposure_ratio", PriorError)

    def _theta(self, r):
        r = np.asarray(r, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(r <= 0, 0.0, np.where(np.isinf(r), 1.0, r / (r + self.k)))

    def cdf(self, x):
        return self.share.cdf(self._theta(x))

    def sf(self, x):
        return self.share.sf(self._theta(x))

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            jac = np.where(x > 0, self.k / (x + self.k) ** 2, 0.0)
        return np.where(x > 0, self.share.pdf(self._theta(x)) * jac, 0.0)

    def logpdf(self, x):
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def ppf(self, q):
        t = np.asarray(self.share.ppf(q), dtype=float)
        with np.errstate(divide="ignore"):
            return np.where(t >= 1, math.inf, self.k * t / (1 - t))

    @property
    def mean(self) -> float:
        return self.k * odds_moment(self.share, 1)

    @property
    def sd(self) -> float:
        m2 = self.k**2 * odds_moment(self.share, 2)
        return math.sqrt(max(m2 - self.mean**2, 0.0)) if math.isfinite(m2) else math.inf

    def rvs(self, size=None, seed=None, **deprecated):
        seed = v.renamed(deprecated, "random_state", "seed", seed)
        t = np.asarray(self.share.rvs(size=size, seed=seed), dtype=float)
        return self.k * t / (1 - t)

    def __repr__(self) -> str:
        return f"CaseSplitRatio({self.share!r}, k={self.k:.6g})"


# --------------------------------------------------------------------------------------
# differences of two independent parameters


def difference(dist1: Distribution, dist2: Distribution) -> Difference:
    """Distribution of :math:`\\theta_1 - \\theta_2` for independent (mixture) distributions.

    See :class:`~bayes_trials.compare.Difference` (a :class:`~bayes_trials.compare.Contrast`) for
    the integrals.

    Example
    -------
    >>> from bayes_trials.distributions import Normal
    >>> d = difference(Normal(1, 3), Normal(0, 4))
    >>> round(d.sd, 6), round(float(d.cdf(1.0)), 6)
    (5.0, 0.5)
    """
    return Difference(dist1, dist2)


def prob_difference(dist1: Distribution, dist2: Distribution, delta: float = 0.0) -> float:
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
