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
  those differ too, the adaptive Gauss-Kronrod ``scipy.integrate.quad`` on every piece.

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
    """``base`` break points plus those of ``extra`` that fall inside their range."""
    extra = np.asarray(extra, dtype=float)
    extra = extra[np.isfinite(extra)]
    inside = extra[(extra > base[0]) & (extra < base[-1])]
    return list(np.unique(np.concatenate([base, inside])))


def _gauss_legendre(f, a: np.ndarray, b: np.ndarray, rule) -> np.ndarray:
    """The rule's integral over each piece ``[a_i, b_i]``."""
    x, w = rule
    half, mid = (b - a)[:, None] / 2, (b + a)[:, None] / 2
    t = mid + half * x[None, :]
    vals = np.asarray(f(t.ravel()), dtype=float).reshape(t.shape)
    return half[:, 0] * (vals @ w)


def integrate_pieces(f, pts) -> float:
    """Integral of a vectorised ``f`` over the pieces between ``pts``.

    Gauss-Legendre rules of 20 and 40 nodes on every piece; if their totals differ by more than
    1e-12, rules of 40 and 80 nodes; if those differ by more than 1e-12 too, the adaptive
    Gauss-Kronrod ``quad`` (absolute tolerance 1e-13, relative 1e-11) on the pieces where the 40-
    and 80-node rules differ by more than 1e-14 (an integrable singularity, a kink), the 80-node
    rule on the others.
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
    scalar = lambda t: float(f(np.asarray([t]))[0])  # noqa: E731
    doubt = ~(np.abs(fine - coarse) <= 1e-14)  # NaN (a singular end hit) is in doubt too
    return float(
        np.sum(fine[~doubt])
        + sum(
            integrate.quad(scalar, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
            for lo, hi in zip(a[doubt], b[doubt])
        )
    )
