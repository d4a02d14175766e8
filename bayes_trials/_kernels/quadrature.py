"""One-dimensional quadrature over the mass of (mixture) distributions.

The integrals of the exact maths (the distribution of a difference, ratio or odds ratio of
two independent parameters; a predictive probability over a continuous outcome) are
one-dimensional integrals :math:`\\int f(t)\\, dt` whose integrand is a density times a
smooth function. They are computed here, once:

- :func:`pieces`: break points at quantiles of every mixture component, so that each piece
  holds a smooth part of the density (a mixture's separate modes fall into separate pieces);
- :func:`with_extra`: the same plus the points where the other factor of the integrand has a
  kink (it leaves its support) or changes fast;
- :func:`integrate_pieces`: Gauss-Legendre rules of 20 and 40 nodes on every piece (one
  vectorised call each); when they differ by more than 1e-12, rules of 40 and 80 nodes; when
  those differ too, tanh-sinh rules (exact to rounding for an integrable singularity or a kink
  at a piece's end) on the pieces in doubt, and the adaptive Gauss-Kronrod
  ``scipy.integrate.quad`` only where those do not settle either.

>>> import numpy as np
>>> from scipy import stats
>>> from bayes_trials.distributions import Beta
>>> pts = pieces(Beta(3, 5))
>>> round(integrate_pieces(lambda t: stats.beta.pdf(t, 3, 5) * t, pts), 12)   # the mean 3/8
0.375
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

from ..distributions import components_of

__all__ = ["PIECE_PROBS", "pieces", "with_extra", "integrate_pieces"]

#: the quantiles of every component that cut the range of integration into pieces
PIECE_PROBS = np.array(
    [1e-13, 1e-6, 0.001, 0.02, 0.16, 0.5, 0.84, 0.98, 0.999, 1 - 1e-6, 1 - 1e-13]
)

#: the narrowest piece :func:`with_extra` keeps, relative to its position (~45 ulps)
_MIN_PIECE = 1e-14

_GL20 = np.polynomial.legendre.leggauss(20)
_GL40 = np.polynomial.legendre.leggauss(40)
_GL80 = np.polynomial.legendre.leggauss(80)


def _geometric(pts: np.ndarray, ends) -> np.ndarray:
    """Extra break points, a factor of :math:`\\sqrt{10}` apart, in the pieces that span more
    than a factor of 4 in their distance to a support end (a density like :math:`t^{-1/2}`
    near 0, or :math:`(1-t)^{-1/2}` near 1, is smooth on each such piece, not on the whole)."""
    extra = []
    for end, sign in ends:
        d = sign * (pts - end)
        for a, b in zip(d[:-1], d[1:]):
            lo, hi = (a, b) if a < b else (b, a)
            if lo > 0 and hi / lo > 4:
                k = np.arange(1, int(np.ceil(2 * np.log10(hi / lo))))
                extra.append(end + sign * lo * 10.0 ** (k / 2))
    return np.unique(np.concatenate([pts, *extra])) if extra else pts


def pieces(dist) -> np.ndarray:
    """Break points for quadrature over ``dist``: the :data:`PIECE_PROBS` quantiles of every
    component (sorted, distinct), with points a factor of :math:`\\sqrt{10}` apart where a piece
    spans orders of magnitude near a finite end of the support."""
    _, comps = components_of(dist)
    pts = np.unique(np.concatenate([np.asarray(c.ppf(PIECE_PROBS), dtype=float) for c in comps]))
    lo, hi = getattr(dist, "support", (-np.inf, np.inf))
    ends = [(e, s) for e, s in ((lo, 1.0), (hi, -1.0)) if np.isfinite(e)]
    return _geometric(pts, ends) if ends else pts


def with_extra(base: np.ndarray, extra) -> list[float]:
    """``base`` break points plus those of ``extra`` that fall inside their range, without
    pieces narrower than :data:`_MIN_PIECE` of their position (points that a map such as
    :math:`t = s - x` has pushed together below rounding: the integrand cannot tell them
    apart, and a piece between them would only add rounding noise)."""
    extra = np.asarray(extra, dtype=float)
    extra = extra[np.isfinite(extra)]
    inside = extra[(extra > base[0]) & (extra < base[-1])]
    pts = np.unique(np.concatenate([base, inside]))
    keep = np.r_[True, np.diff(pts) > _MIN_PIECE * np.maximum(np.abs(pts[1:]), 1e-300)]
    keep[-1] = True
    return list(pts[keep])


def _gauss_legendre(f, a: np.ndarray, b: np.ndarray, rule) -> np.ndarray:
    """The rule's integral over each piece ``[a_i, b_i]``."""
    x, w = rule
    half, mid = (b - a)[:, None] / 2, (b + a)[:, None] / 2
    t = mid + half * x[None, :]
    vals = np.asarray(f(t.ravel()), dtype=float).reshape(t.shape)
    return half[:, 0] * (vals @ w)


#: tanh-sinh rules: nodes at t = k h, |t| <= _TS_T, for h = 1, 1/2, ..., 2**-_TS_LEVELS
_TS_T = 4.0
_TS_LEVELS = 8
#: the rounding floor accepted from tanh-sinh rules that do not settle (see
#: :func:`_settle_tanh_sinh`): far below the 1e-6 the exact contrasts promise
_TS_FLOOR = 1e-9


def _tanh_sinh(f, a: np.ndarray, b: np.ndarray, level: int) -> np.ndarray:
    """The tanh-sinh rule of step :math:`h = 2^{-\\text{level}}` over each piece ``[a_i, b_i]``.

    With :math:`u = \\tfrac{\\pi}{2}\\sinh t` and :math:`s = 1/(1 + e^{-2u})` (the node's
    position in the piece), the node is :math:`a + (b - a) s` (from :math:`b` for
    :math:`s > 1/2`, so that no node lands on an end) and its weight
    :math:`h (b - a)\\, \\tfrac{\\pi}{2}\\cosh t \\; 2 s (1 - s)`. The nodes crowd
    double-exponentially into both ends, so an integrand with a power singularity or a kink
    there converges as fast as a smooth one (Takahasi and Mori 1974). A node at an end in
    floating point (where the integrand may be infinite) is a node whose weight is below
    :math:`10^{-37}` of the piece: its term is dropped.
    """
    h = 2.0**-level
    t = np.arange(-_TS_T, _TS_T + h / 2, h)
    u = 0.5 * np.pi * np.sinh(t)
    s = 1.0 / (1.0 + np.exp(-2.0 * u))
    s_far = 1.0 / (1.0 + np.exp(2.0 * u))  # 1 - s, without cancellation
    w = h * 0.5 * np.pi * np.cosh(t) * 2.0 * s * s_far
    width = (b - a)[:, None]
    nodes = np.where(s[None, :] <= 0.5, a[:, None] + width * s, b[:, None] - width * s_far)
    with np.errstate(all="ignore"):
        vals = np.asarray(f(nodes.ravel()), dtype=float).reshape(nodes.shape)
    vals = np.where(np.isfinite(vals), vals, 0.0)
    return (width[:, 0]) * (vals @ w)


def _settle_tanh_sinh(f, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tanh-sinh rules of halving step on the pieces until two successive ones agree to 1e-13
    absolute or 1e-11 relative; ``(values, settled)`` per piece. A piece whose last two rules
    still differ, but by at most :data:`_TS_FLOOR`, counts as settled: its integrand is
    computed to no better than that (a singular end reached through a map such as
    :math:`h = t + x` loses digits to cancellation next to it), and no rule can do better."""
    prev = _tanh_sinh(f, a, b, 0)
    out = prev.copy()
    settled = np.zeros(a.size, dtype=bool)
    for level in range(1, _TS_LEVELS + 1):
        todo = ~settled
        cur = _tanh_sinh(f, a[todo], b[todo], level)
        last = prev[todo]
        ok = np.abs(cur - prev[todo]) <= np.maximum(1e-13, 1e-11 * np.abs(cur))
        out[todo] = cur
        prev[todo] = cur
        settled[np.flatnonzero(todo)[ok]] = True
        if settled.all():
            return out, settled
    floor = np.zeros(a.size, dtype=bool)
    floor[np.flatnonzero(todo)[np.abs(cur - last) <= _TS_FLOOR]] = True
    return out, settled | floor


def integrate_pieces(f, pts) -> float:
    """Integral of a vectorised ``f`` over the pieces between ``pts``.

    Gauss-Legendre rules of 20 and 40 nodes on every piece; if their totals differ by more than
    1e-12, rules of 40 and 80 nodes; if those differ by more than 1e-12 too, the pieces where the
    40- and 80-node rules differ by more than 1e-14 (an integrable singularity, a kink) are
    integrated by tanh-sinh rules of halving step (:func:`_tanh_sinh`, one vectorised call per
    step) until two agree to 1e-13 absolute or 1e-11 relative, the adaptive Gauss-Kronrod
    ``quad`` (the same tolerances) on any that do not; the 80-node rule on the others.
    """
    pts = np.asarray(pts, dtype=float)
    a, b = pts[:-1], pts[1:]
    keep = b > a
    a, b = a[keep], b[keep]
    coarse = _gauss_legendre(f, a, b, _GL20)
    for rule in (_GL40, _GL80):
        fine = _gauss_legendre(f, a, b, rule)
        if abs(float(np.sum(fine)) - float(np.sum(coarse))) <= 1e-12:
            return float(np.sum(fine))
        if rule is _GL80:
            break
        coarse = fine
    doubt = ~(np.abs(fine - coarse) <= 1e-14)  # NaN (a singular end hit) is in doubt too
    values, settled = _settle_tanh_sinh(f, a[doubt], b[doubt])
    scalar = lambda t: float(f(np.asarray([t]))[0])  # noqa: E731
    rest = [
        integrate.quad(scalar, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
        for lo, hi in zip(a[doubt][~settled], b[doubt][~settled])
    ]
    return float(np.sum(fine[~doubt]) + np.sum(values[settled]) + sum(rest))
