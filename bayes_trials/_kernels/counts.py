"""Computations over counts whose cost does not grow with the number of counts.

Private helpers of :mod:`bayes_trials.predictive` and :mod:`bayes_trials.decisions`:

- :func:`first_true` / :func:`last_true`: bisection for a monotone predicate of a count,
  :math:`O(\\log n)` evaluations instead of one per count;
- :func:`binom_between` / :func:`poisson_between`: :math:`P(lo \\le Y \\le hi)` from the
  closed-form cdf or survival function (whichever avoids cancellation);
- :func:`binom_window`: the counts that carry all but a negligible mass of a binomial;
- :func:`betabinom_logpmf`: the beta-binomial (mixture) log-pmf, accurate at any ``n``;
- :func:`betabinom_cdf_sf`: its cdf and survival function at any ``n`` by a one-dimensional
  integral (below), never a sum over the counts.

Counts are Python ints or float64 (exact for every whole number up to :math:`2^{53}`); the
package refuses counts above :data:`bayes_trials._validate.MAX_COUNT` :math:`= 10^{12}`
(:func:`bayes_trials._validate.count`), the largest size the tests check.

Beta-binomial probabilities
---------------------------
For :math:`Y \\mid \\theta \\sim \\text{Bin}(n, \\theta)` and :math:`0 \\le j < n`,
:math:`P(Y \\le j \\mid \\theta) = P(X > \\theta)` with :math:`X \\sim \\text{Beta}(j + 1, n - j)`
(the binomial-beta duality, e.g. Johnson, Kemp & Kotz, *Univariate Discrete
Distributions*, 3rd ed., eq. 3.11), so for any prior of :math:`\\theta`

.. math:: P(Y \\le j) = \\int_0^1 f_X(x)\\, F_\\theta(x)\\, dx, \\qquad
          P(Y > j) = \\int_0^1 f_X(x)\\, S_\\theta(x)\\, dx,

with :math:`f_X(x) = n\\, \\text{Bin}(j;\\, n - 1, x)`, the Beta density. Both integrals
are computed by Gauss-Legendre rules of 20 and 40 nodes on pieces split at quantiles of
:math:`X` (from :math:`10^{-17}` to :math:`1 - 10^{-17}`; the mass outside is dropped) and
at the quantiles of every Beta component of :math:`\\theta` that fall inside; when the two
rules differ by more than :math:`\\max(10^{-12}, 10^{-16}\\sqrt{n})` every piece is redone
with adaptive Gauss-Kronrod quadrature. The :math:`10^{-16}\\sqrt{n}` is float64's limit,
not the rule's: the integration variable is resolved to :math:`10^{-16}` and the density of
:math:`X` is about :math:`\\sqrt{n}` high. The tests compare the integrals with exact
rational sums at ``n = 2000`` (difference below :math:`10^{-13}`), with scipy's pmf summed
at ``n = 20000`` (below :math:`10^{-10}`, scipy's own rounding there), with adaptive
quadrature of the binomial cdf against the prior at :math:`n = 10^9` and :math:`10^{12}`,
and check :math:`P(Y \\le j) + P(Y > j) = 1` (off by :math:`2.4 \\times 10^{-11}` at
:math:`n = 10^{12}`).

The log-pmf uses Bayes' theorem at one point :math:`x`,

.. math:: P(Y = k) = \\frac{\\text{Bin}(k;\\, n, x)\\, \\text{Beta}(x;\\, a, b)}
          {\\text{Beta}(x;\\, a + k, b + n - k)}, \\qquad x = \\frac{a + k}{a + b + n},

where Boost's binomial pmf and beta density (through scipy) keep full relative precision
at any size (tested against exact fractions to :math:`n = 10^{12}`); ``lgamma``-based
formulas (scipy's ``betabinom``) lose up to :math:`10^{-6}` relative precision at
:math:`n = 10^9`.

Example
-------
>>> from bayes_trials._kernels.counts import betabinom_cdf_sf, first_true
>>> first_true(lambda k: k * k >= 50, 0, 10**12)      # 41 evaluations, not 10**12
8
>>> cdf, sf = betabinom_cdf_sf(3, 10, [1.0], [1.0], [1.0])   # uniform on 0..10
>>> round(cdf * 11, 10), round(sf * 11, 10)
(4.0, 7.0)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, special, stats

#: supports of at most this many counts are enumerated (sums over every count, with
#: scipy's pmf, whose relative rounding error stays below about 1e-11 up to here)
ENUMERATE_MAX = 2**12

#: probability mass a "window" of counts may leave out (on each side)
TAIL = 1e-17

_GL_LO = np.polynomial.legendre.leggauss(20)
_GL_HI = np.polynomial.legendre.leggauss(40)
_QUAD_TOL = 1e-12
_PIECE_Q = np.array([1e-17, 1e-12, 1e-8, 1e-5, 1e-3, 0.02, 0.16, 0.5])


# --------------------------------------------------------------------------------------
# monotone searches


def first_true(pred, lo: int, hi: int, guess=None) -> int:
    """Smallest ``k`` in ``[lo, hi]`` with ``pred(k)`` for a predicate that is False then
    True on ``[lo, hi]``; ``hi + 1`` when it is never True.

    Bisection: ``O(log(hi - lo))`` calls. With a ``guess`` of the answer the search first
    brackets it by doubling steps away from the guess, so a guess within ``d`` of the answer
    costs about ``2 log2(d)`` calls; the answer is the same with or without a guess.
    """
    lo, hi = int(lo), int(hi)
    if lo > hi:
        return hi + 1
    if guess is not None and math.isfinite(guess):
        g = min(max(round(guess), lo), hi)
        step = 1
        if pred(g):  # answer in [lo, g]: walk down
            top = g
            while top - step >= lo and pred(top - step):
                top, step = top - step, 2 * step
            lo, hi = max(top - step + 1, lo), top
        else:  # answer in (g, hi + 1]: walk up
            bottom = g
            while bottom + step <= hi and not pred(bottom + step):
                bottom, step = bottom + step, 2 * step
            if bottom + step > hi:
                lo = bottom + 1
                if lo > hi or not pred(hi):
                    return hi + 1
            else:
                lo, hi = bottom + 1, bottom + step
    elif not pred(hi):
        return hi + 1
    while lo < hi:  # pred(hi) is True
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def last_true(pred, lo: int, hi: int, guess=None) -> int:
    """Largest ``k`` in ``[lo, hi]`` with ``pred(k)`` for a predicate that is True then
    False on ``[lo, hi]``; ``lo - 1`` when it is never True (``guess`` as in :func:`first_true`)."""
    if int(lo) > int(hi):
        return int(lo) - 1
    return first_true(lambda k: not pred(k), lo, hi, None if guess is None else guess + 1) - 1


# --------------------------------------------------------------------------------------
# log-gamma differences

_STIRLING = 15.0


def _stirling_tail(z):
    """:math:`\\ln\\Gamma(z) - [(z - 1/2)\\ln z - z + \\ln(2\\pi)/2]` for :math:`z \\ge 15`
    (five terms of the asymptotic series; the next is below :math:`10^{-16}`)."""
    r = 1.0 / z
    r2 = r * r
    return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))))


def lgamma_diff(x, d):
    """:math:`\\ln\\Gamma(x + d) - \\ln\\Gamma(x)` without cancellation when ``x`` is large.

    ``gammaln(x + d) - gammaln(x)`` subtracts two numbers of size :math:`x \\ln x`
    (:math:`2 \\times 10^{10}` at :math:`x = 10^9`, whose last bit is :math:`4 \\times 10^{-6}`);
    for :math:`x, x + d \\ge 15` Stirling's series is differenced analytically instead,

    .. math:: (x - \\tfrac12)\\,\\mathrm{log1p}(d/x) + d \\ln(x + d) - d
              + \\epsilon(x + d) - \\epsilon(x),

    every term of the size of the result.
    """
    x, d = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(d, dtype=float))
    big = (x >= _STIRLING) & (x + d >= _STIRLING)
    xs, ds = np.where(big, x, _STIRLING), np.where(big, d, 0.0)
    stirling = (
        (xs - 0.5) * np.log1p(ds / xs)
        + ds * np.log(xs + ds)
        - ds
        + _stirling_tail(xs + ds)
        - _stirling_tail(xs)
    )
    direct = special.gammaln(np.where(big, 1.0, x + d)) - special.gammaln(np.where(big, 1.0, x))
    out = np.where(big, stirling, direct)
    return out if out.ndim else float(out)


def log_beta_ratio(a, b, k, n):
    """:math:`\\ln B(a + k, b + n - k) - \\ln B(1 + k, 1 + n - k)`, accurate at any ``n``
    (the marginal likelihood of a Beta component up to a term common to all components)."""
    return (
        lgamma_diff(1.0 + k, a - 1.0)
        + lgamma_diff(1.0 + n - k, b - 1.0)
        - lgamma_diff(2.0 + n, a + b - 2.0)
    )


# --------------------------------------------------------------------------------------
# binomial and Poisson intervals


def _between(cdf, sf, lo, hi, top):
    """P(lo <= Y <= hi) from cdf/sf callables (vectorised over the distribution's
    parameters), taking the difference on the side where it does not cancel."""
    if hi < lo:
        return 0.0
    if lo <= 0 and hi >= top:
        return 1.0
    if lo <= 0:
        return cdf(hi)
    if hi >= top:
        return sf(lo - 1)
    lower = cdf(hi) - cdf(lo - 1)
    upper = sf(lo - 1) - sf(hi)
    return np.where(cdf(lo - 1) < 0.5, lower, upper)


def binom_between(lo, hi, n: int, p):
    """:math:`P(lo \\le Y \\le hi)` for :math:`Y \\sim \\text{Bin}(n, p)`, vectorised over ``p``."""
    p = np.asarray(p, dtype=float)
    out = _between(lambda k: stats.binom.cdf(k, n, p), lambda k: stats.binom.sf(k, n, p), lo, hi, n)
    return np.clip(np.broadcast_to(out, p.shape).astype(float), 0.0, 1.0)


def poisson_between(lo, hi, mu):
    """:math:`P(lo \\le Y \\le hi)` for :math:`Y \\sim \\text{Pois}(\\mu)` (``hi`` may be ``inf``)."""
    mu = np.asarray(mu, dtype=float)
    out = _between(
        lambda k: stats.poisson.cdf(k, mu), lambda k: stats.poisson.sf(k, mu), lo, hi, math.inf
    )
    return np.clip(np.broadcast_to(out, mu.shape).astype(float), 0.0, 1.0)


def binom_window(n: int, p: float, tail: float = TAIL) -> tuple[int, int]:
    """Counts ``[lo, hi]`` of :math:`\\text{Bin}(n, p)` leaving out at most ``tail`` on each
    side: :math:`P(Y < lo) \\le` ``tail`` and :math:`P(Y > hi) \\le` ``tail``."""
    if p <= 0:
        return 0, 0
    if p >= 1:
        return n, n
    lo = int(stats.binom.ppf(tail, n, p))
    hi = n - int(stats.binom.ppf(tail, n, 1.0 - p))  # by symmetry: scipy's isf fails for tiny q
    lo = max(0, lo - 1)
    hi = min(n, hi + 1)
    return lo, hi


def binom_sf_many(ks, n: int, p: float) -> np.ndarray:
    """:math:`P(Y > k)` for :math:`Y \\sim \\text{Bin}(n, p)` at many whole ``k`` at once.

    Sums of the pmf over the window of :func:`binom_window` (from the top, so small tails
    keep their precision) plus the closed-form tail above it: one pmf evaluation per count
    of the window instead of one incomplete beta function per ``k``. Counts below the
    window get :math:`1 - P(Y < \\text{lo})`, within :math:`10^{-17}` of exact.
    """
    ks = np.asarray(ks)
    lo, hi = binom_window(n, p)
    pmf = stats.binom.pmf(np.arange(lo, hi + 1), n, p)
    above_hi = float(stats.binom.sf(hi, n, p))
    # tails[i] = P(lo + i <= Y <= hi) + P(Y > hi); tails[hi - lo + 1] = P(Y > hi)
    tails = np.concatenate([np.cumsum(pmf[::-1])[::-1], [0.0]]) + above_hi
    idx = np.clip(ks + 1 - lo, 0, hi - lo + 1)
    return np.where(ks >= n, 0.0, np.where(ks < 0, 1.0, tails[idx]))


# --------------------------------------------------------------------------------------
# beta-binomial (mixtures)


def _as_params(w, a, b):
    return (
        np.atleast_1d(np.asarray(w, dtype=float)),
        np.atleast_1d(np.asarray(a, dtype=float)),
        np.atleast_1d(np.asarray(b, dtype=float)),
    )


def betabinom_logpmf(k, n: int, w, a, b) -> np.ndarray:
    """Log-pmf of the mixture :math:`\\sum_i w_i \\text{BetaBin}(n, a_i, b_i)` at the counts ``k``.

    Exact to a few units in the last place at any ``n`` (Bayes' theorem at
    :math:`x = (a + k)/(a + b + n)`; see the module notes); ``-inf`` off the support and at
    non-integers. Counts so far out that a factor underflows fall back to scipy's formula.
    """
    w, a, b = _as_params(w, a, b)
    k = np.asarray(k, dtype=float)
    valid = (k >= 0) & (k <= n) & (k == np.floor(k))
    kk = np.where(valid, k, 0.0)
    terms = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for wi, ai, bi in zip(w, a, b):
            if wi <= 0:
                continue
            x = (kk + ai) / (n + ai + bi)
            lp = (
                np.log(stats.binom.pmf(kk, n, x))
                + stats.beta.logpdf(x, ai, bi)
                - np.log(stats.beta.pdf(x, kk + ai, n - kk + bi))
            )
            bad = ~np.isfinite(lp)
            if np.any(bad):
                lp = np.where(bad, stats.betabinom.logpmf(kk, n, ai, bi), lp)
            terms.append(np.log(wi) + lp)
    out = special.logsumexp(np.stack(terms), axis=0) if len(terms) > 1 else terms[0]
    return np.where(valid, out, -np.inf)


def _quantile_points(a: float, b: float) -> np.ndarray:
    return np.concatenate([special.betaincinv(a, b, _PIECE_Q), special.betainccinv(a, b, _PIECE_Q)])


def _gl(f, lo: np.ndarray, hi: np.ndarray, rule) -> np.ndarray:
    """Gauss-Legendre integrals of a vectorised ``f`` returning several rows, per piece summed."""
    x, wt = rule
    half, mid = (hi - lo)[:, None] / 2, (hi + lo)[:, None] / 2
    t = mid + half * x[None, :]
    vals = f(t.ravel())  # shape (rows, pieces * nodes)
    vals = vals.reshape((vals.shape[0],) + t.shape)
    return np.einsum("rpk,k,p->r", vals, wt, half[:, 0])


def _cdf_sf_at(x: float, n: int, w, a, b) -> np.ndarray:
    """``[P(theta < X), P(theta > X)]`` for :math:`X \\sim \\text{Beta}(x + 1, n - x)`, real
    :math:`-1 < x < n`: at a whole ``x`` the beta-binomial cdf and sf there (module notes).

    Computed on whichever side keeps :math:`X` below 1/2, where floating point resolves it
    best: :math:`P(\\theta < X) = P(1 - \\theta > 1 - X)` with
    :math:`1 - X \\sim \\text{Beta}(n - x, x + 1)` and :math:`1 - \\theta` a Beta mixture
    with the parameters swapped.
    """
    if x + 1.0 > float(n) - x:
        return _cdf_sf_at(float(n) - x - 1.0, n, w, b, a)[::-1]
    xa, xb = x + 1.0, float(n) - x
    own = _quantile_points(xa, xb)
    left, right = float(own.min()), float(own.max())
    pts = [own] + [
        q[(q > left) & (q < right)] for q in (_quantile_points(ai, bi) for ai, bi in zip(a, b))
    ]
    pts = np.unique(np.concatenate(pts))
    lo, hi = pts[:-1], pts[1:]
    lo, hi = lo[hi > lo], hi[hi > lo]
    medians = special.betaincinv(a, b, 0.5)

    def f(t):
        dens = stats.beta.pdf(t, xa, xb)
        cdf = np.zeros_like(t)
        sf = np.zeros_like(t)
        for wi, ai, bi, mi in zip(w, a, b, medians):
            # each tail directly (I_t(a, b) below the median, I_{1-t}(b, a) above), the
            # other as 1 - it; scipy's betaincc is 3-50 times slower than betainc
            below = t < mi
            tail = special.betainc(
                np.where(below, ai, bi), np.where(below, bi, ai), np.where(below, t, 1.0 - t)
            )
            cdf += wi * np.where(below, tail, 1.0 - tail)
            sf += wi * np.where(below, 1.0 - tail, tail)
        return np.stack([dens * cdf, dens * sf])

    coarse, fine = _gl(f, lo, hi, _GL_LO), _gl(f, lo, hi, _GL_HI)
    # float64 resolves the argument t to 1e-16, which moves a density of height ~sqrt(n)
    # by ~1e-16 sqrt(n): no rule can do better than that
    tol = max(_QUAD_TOL, 1e-16 * math.sqrt(n))
    if np.max(np.abs(fine - coarse)) > tol:
        fine = np.zeros(2)
        for r in range(2):
            g = lambda t, r=r: float(f(np.atleast_1d(float(t)))[r, 0])
            fine[r] = sum(
                integrate.quad(g, a, z, epsabs=1e-15, epsrel=1e-12, limit=200)[0]
                for a, z in zip(lo, hi)
            )
    return np.clip(fine, 0.0, 1.0)


def betabinom_cdf_sf(j, n: int, w, a, b) -> tuple[float, float]:
    """:math:`(P(Y \\le j), P(Y > j))` for :math:`Y \\sim \\sum_i w_i \\text{BetaBin}(n, a_i, b_i)`.

    One-dimensional integrals against :math:`X \\sim \\text{Beta}(j + 1, n - j)` (see the
    module notes), over the range of :math:`X` from its :math:`10^{-17}` to its
    :math:`1 - 10^{-17}` quantile, split at quantiles of :math:`X` and of every component of
    :math:`\\theta` that fall inside; the cost does not depend on ``n`` or ``j``. Absolute
    error below :math:`\\max(10^{-12}, 10^{-16}\\sqrt{n})`.
    """
    w, a, b = _positive(*_as_params(w, a, b))
    j = math.floor(j)
    if j < 0:
        return 0.0, 1.0
    if j >= n:
        return 1.0, 0.0
    cdf, sf = _cdf_sf_at(float(j), n, w, a, b)
    return float(cdf), float(sf)


def betabinom_ppf(q: float, n: int, w, a, b) -> int:
    """Smallest count ``k`` with :math:`P(Y \\le k) \\ge q` (``q`` in (0, 1)).

    The cdf extends to real ``x`` as :math:`P(\\theta < X_x)`, :math:`X_x \\sim
    \\text{Beta}(x + 1, n - x)`, increasing in ``x``; Brent's method finds the real root and
    the whole counts beside it are then checked exactly: about a dozen cdf evaluations.
    """
    w, a, b = _positive(*_as_params(w, a, b))
    cdf = lambda k: betabinom_cdf_sf(k, n, w, a, b)[0]
    if cdf(0) >= q:
        return 0
    if cdf(n - 1) < q:
        return n
    # bracket near the components' own quantiles (so that Brent's method does not crawl
    # across a flat cdf), widened until it holds
    z = float(stats.norm.ppf(q))
    mean = n * a / (a + b)
    sd = np.sqrt(n * a * b * (a + b + n) / ((a + b) ** 2 * (a + b + 1)))
    guesses = np.concatenate([n * special.betaincinv(a, b, q), mean + z * sd])
    pad = 4.0 * float(np.max(sd)) + 4.0
    lo, hi = max(float(np.min(guesses)) - pad, 0.0), min(float(np.max(guesses)) + pad, float(n - 1))
    g = lambda x: _cdf_sf_at(x, n, w, a, b)[0] - q
    step = pad
    while lo > 0.0 and g(lo) >= 0:
        lo, step = max(lo - step, 0.0), 4 * step
    step = pad
    while hi < n - 1 and g(hi) < 0:
        hi, step = min(hi + step, float(n - 1)), 4 * step
    root = optimize.brentq(g, lo, hi, xtol=0.25)
    k = min(max(math.ceil(root), 1), n - 1)
    while k > 0 and cdf(k - 1) >= q:
        k -= 1
    while cdf(k) < q:
        k += 1
    return k


def _positive(w, a, b):
    """Components that matter: a weight below 1e-17 moves no probability by more than that
    (posterior mixtures at large n put weights like 1e-300 on the components the data reject)."""
    keep = w > 1e-17
    return w[keep], a[keep], b[keep]


def betabinom_window(n: int, w, a, b, tail: float = TAIL) -> tuple[int, int]:
    """Counts ``[lo, hi]`` outside which the mixture has at most ``tail`` mass on each side.

    A tail bound, not an approximation: with :math:`t = F_\\theta^{-1}(\\text{tail}/2)` and
    ``lo`` the ``tail/2`` quantile of :math:`\\text{Bin}(n, t)`,
    :math:`P(Y < lo) \\le P(\\theta < t) + P(\\text{Bin}(n, t) < lo) \\le \\text{tail}`
    (the binomial is stochastically increasing in :math:`\\theta`); the same above.
    """
    w, a, b = _as_params(w, a, b)
    los, his = [], []
    for wi, ai, bi in zip(w, a, b):
        if wi <= 0:
            continue
        t_lo = float(special.betaincinv(ai, bi, tail / 2))
        t_hi = float(special.betainccinv(ai, bi, tail / 2))
        los.append(binom_window(n, t_lo, tail / 2)[0])
        his.append(binom_window(n, t_hi, tail / 2)[1])
    return min(los), max(his)


#: cumulative probabilities at which the count grids place points in every component: both
#: far tails, the shoulders and the centre
GRID_LADDER = np.array(
    [1e-12, 1e-6, 1e-3, 0.02, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.98]
    + [1 - 1e-3, 1 - 1e-6, 1 - 1e-12]
)


def _count_grid(pts: list, lo: int, hi: int, size: int) -> np.ndarray:
    """An even grid of ``size`` counts over ``[lo, hi]`` joined with ``pts``, rounded,
    clipped to ``[lo, hi]``, with both ends, sorted and unique."""
    g = np.round(np.concatenate([np.linspace(lo, hi, size), *pts]))
    g = g[(g >= lo) & (g <= hi)]
    return np.unique(np.concatenate([g, [lo, hi]]))


def betabinom_grid(n: int, w, a, b, lo: int, hi: int, size: int = 4001) -> np.ndarray:
    """Counts in ``[lo, hi]`` dense enough to see every peak of the mixture's pmf: an even
    grid plus, for every component, its mode and a ladder of quantiles (of :math:`n\\theta`
    and of the normal with the component's mean and sd)."""
    w, a, b = _as_params(w, a, b)
    pts = []
    z = stats.norm.ppf(GRID_LADDER)
    for wi, ai, bi in zip(w, a, b):
        if wi <= 0:
            continue
        mean = n * ai / (ai + bi)
        sd = math.sqrt(n * ai * bi * (ai + bi + n) / ((ai + bi) ** 2 * (ai + bi + 1)))
        mode = (n * (ai - 1) + ai - 1) / (ai + bi - 2) if ai > 1 and bi > 1 else mean
        pts += [n * special.betaincinv(ai, bi, GRID_LADDER), mean + sd * z, np.array([mean, mode])]
    return _count_grid(pts, lo, hi, size)


def negbinom_grid(w, shape, prob, lo: int, hi: int, size: int = 4001) -> np.ndarray:
    """Counts in ``[lo, hi]`` dense enough to see every peak of a mixture of negative
    binomials (the Gamma-Poisson predictive): an even grid plus, for every component, its
    mode and the ladder of quantiles."""
    pts = []
    for wi, s, p in zip(w, shape, prob):
        if wi > 0:
            mode = math.floor((s - 1) * (1 - p) / p) if s > 1 else 0
            pts += [stats.nbinom.ppf(GRID_LADDER, s, p), np.array([mode, mode + 1])]
    return _count_grid(pts, lo, hi, size)


def betabinom_between(lo, hi, n: int, w, a, b) -> float:
    """:math:`P(lo \\le Y \\le hi)` for the beta-binomial mixture, from the cdf or the sf
    (whichever side avoids cancellation); ``hi`` may exceed ``n``."""
    lo = max(math.ceil(lo), 0)
    hi = min(math.floor(hi) if math.isfinite(hi) else n, n)
    if hi < lo:
        return 0.0
    c_lo, s_lo = betabinom_cdf_sf(lo - 1, n, w, a, b)
    if hi >= n:
        return s_lo
    c_hi, s_hi = betabinom_cdf_sf(hi, n, w, a, b)
    return float(min(max(c_hi - c_lo if c_lo < 0.5 else s_lo - s_hi, 0.0), 1.0))
