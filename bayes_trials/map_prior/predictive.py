"""The MAP predictive: the new study's parameter, exactly given each posterior draw."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import fft, optimize, special

from .._constants import CRED_LEVEL
from .table import inverse_link

#: equally weighted points (quantiles of the predictive) that the mixture is fitted to
PREDICTIVE_POINTS = 4000


#: tail mass of the predictive left outside the grid of its cdf, at most, on each side
GRID_TAIL = 1e-7


_GH_Z, _GH_W = np.polynomial.hermite_e.hermegauss(24)
_GH_W = _GH_W / _GH_W.sum()


@dataclass(frozen=True)
class _Conditional:
    """The new study's link-scale parameter given each posterior draw of the study effects.

    Given draw s it is the mixture over log-tau nodes g of
    N(a[g] + b[g] * tbar[s], sd[g]^2), with weights w[s, g] (rows sum to 1).
    """

    w: np.ndarray
    a: np.ndarray
    b: np.ndarray
    sd: np.ndarray
    tbar: np.ndarray

    def locations(self, rows=slice(None)) -> np.ndarray:
        return self.a[None, :] + self.b[None, :] * self.tbar[rows, None]

    def cdf_per_draw(self, eta: float) -> np.ndarray:
        """:math:`P(\\theta_\\star \\le \\eta \\mid \\theta^{(s)})` for every draw s."""
        return np.sum(self.w * special.ndtr((eta - self.locations()) / self.sd), axis=1)

    def moments_per_draw(self, family: str, lo: float, hi: float):
        """First two moments of the response-scale parameter given each draw (Gauss-Hermite
        over the nodes holding more than 1e-12 of the draw, the link scale clipped to
        [lo, hi])."""
        s_idx, g_idx = np.nonzero(self.w > 1e-12)
        w = self.w[s_idx, g_idx]
        m1, m2 = np.zeros(self.tbar.size), np.zeros(self.tbar.size)
        for start in range(0, s_idx.size, 100_000):
            part = slice(start, start + 100_000)
            s, g = s_idx[part], g_idx[part]
            eta = (self.a[g] + self.b[g] * self.tbar[s])[:, None] + self.sd[g][:, None] * _GH_Z
            r = inverse_link(family, np.clip(eta, lo, hi))
            m1 += np.bincount(s, w[part] * (r @ _GH_W), self.tbar.size)
            m2 += np.bincount(s, w[part] * ((r * r) @ _GH_W), self.tbar.size)
        total = np.bincount(s_idx, w, self.tbar.size)
        return m1 / total, m2 / total


def conditional(theta, m0: float, s0: float, tau_prior) -> _Conditional:
    """:math:`p(\\mu, \\tau, \\theta_\\star \\mid \\theta_{1..k})` for each posterior draw.

    Given the study effects the model is normal-normal: with :math:`\\bar\\theta` their mean
    and :math:`W = \\sum_i (\\theta_i - \\bar\\theta)^2`,

    .. math:: p(\\tau \\mid \\theta) \\propto p(\\tau)\\, \\tau^{-(k-1)}
              (\\tau^2 + k s_0^2)^{-1/2}
              \\exp\\Big(-\\frac{W}{2\\tau^2} - \\frac{k(\\bar\\theta - m_0)^2}{2(\\tau^2 + k s_0^2)}\\Big),

    :math:`\\mu \\mid \\tau, \\theta \\sim N(m_\\tau, v_\\tau)` with
    :math:`v_\\tau^{-1} = s_0^{-2} + k\\tau^{-2}`, :math:`m_\\tau = v_\\tau(m_0 s_0^{-2} + k\\bar\\theta\\tau^{-2})`,
    and :math:`\\theta_\\star \\mid \\tau, \\theta \\sim N(m_\\tau, v_\\tau + \\tau^2)`. The tau
    integral is a sum over a uniform grid in :math:`\\log\\tau` (spacing at most a fifth of
    the conditional's sd of :math:`\\log\\tau`, about :math:`1/\\sqrt{2(k-1)}`), widened until
    both ends carry less than :math:`e^{-40}` of every draw's largest node.
    """
    theta = np.asarray(theta, dtype=float)
    k = theta.shape[1]
    tbar = theta.mean(axis=1)
    ssw = np.sum((theta - tbar[:, None]) ** 2, axis=1)
    step = min(0.05, 0.2 / math.sqrt(2.0 * k))
    lo = math.log(tau_prior.scale) - 45.0
    if k > 1:  # below sqrt(W / (4 (k + 50))) the factor exp(-W / 2 tau^2) kills every draw
        lo = max(lo, 0.5 * math.log(max(float(ssw.min()), 1e-300) / (4.0 * (k + 50))))
    hi = max(
        math.log(float(tau_prior.ppf(1 - 1e-12))), 0.5 * math.log(float(ssw.max()) + 1e-300) + 2
    )
    kv = k * s0**2
    for _ in range(100):  # a proper prior bounds the conditional: a few widenings at most
        t = np.arange(lo, hi + step / 2, step)
        t2 = np.exp(2 * t)
        ll = (
            (np.asarray(tau_prior.logpdf(np.exp(t))) + (2 - k) * t - 0.5 * np.log(t2 + kv))[None, :]
            - ssw[:, None] / (2 * t2)
            - k * (tbar[:, None] - m0) ** 2 / (2 * (t2 + kv))
        )
        ll -= ll.max(axis=1, keepdims=True)
        low_edge, high_edge = ll[:, 0].max() > -40, ll[:, -1].max() > -40
        if not (low_edge or high_edge):
            break
        lo, hi = lo - 2.0 * low_edge, hi + 2.0 * high_edge
    w = np.exp(ll)
    keep = w.max(axis=0) > 1e-18
    t, t2, w = t[keep], t2[keep], w[:, keep]
    w /= w.sum(axis=1, keepdims=True)
    prec = 1 / s0**2 + k / t2
    return _Conditional(w, (m0 / s0**2) / prec, (k / t2) / prec, np.sqrt(1 / prec + t2), tbar)


def _cdf_grid(cond: _Conditional):
    """The predictive cdf :math:`F(\\eta) = S^{-1}\\sum_s P(\\theta_\\star \\le \\eta \\mid \\theta^{(s)})`
    on a uniform grid of the link scale.

    Per log-tau node the components share one sd, so each node's locations are binned
    linearly onto the grid and convolved (FFT) with the exact normal cdf at the grid's
    offsets. The grid covers the predictive but for at most ``GRID_TAIL`` per side (by a
    bound on the tail mass) and has spacing at most a twentieth of the median component
    sd (at least 4096, at most 65536 nodes).
    """
    s_total, g_total = cond.w.shape
    weight = cond.w.sum(axis=0) / s_total
    top = cond.a + cond.b * cond.tbar.max()
    bottom = cond.a + cond.b * cond.tbar.min()
    span = float(cond.sd.max()) * 60 + 1.0

    def bound(x, upper):
        z = (top - x) / cond.sd if upper else (x - bottom) / cond.sd
        return math.log(max(float(weight @ special.ndtr(z)), 1e-300)) - math.log(GRID_TAIL)

    hi = optimize.brentq(bound, top.min(), top.max() + span, args=(True,), xtol=1e-6)
    lo = optimize.brentq(bound, bottom.min() - span, bottom.max(), args=(False,), xtol=1e-6)
    order = np.argsort(cond.sd)  # the weighted median sd of the components
    core = float(
        cond.sd[order][min(int(np.searchsorted(np.cumsum(weight[order]), 0.5)), g_total - 1)]
    )
    nodes = int(2 ** np.clip(math.ceil(math.log2((hi - lo) / (core / 20))), 12, 16))
    x = np.linspace(lo, hi, nodes)
    h = x[1] - x[0]
    pos = (cond.locations() - lo) / h
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, nodes - 2)
    frac = np.clip(pos - i0, 0.0, 1.0)
    flat = i0 + nodes * np.arange(g_total)[None, :]
    mass = cond.w / s_total
    hist = (
        np.bincount(flat.ravel(), (mass * (1 - frac)).ravel(), g_total * nodes)
        + np.bincount(flat.ravel() + 1, (mass * frac).ravel(), g_total * nodes)
    ).reshape(g_total, nodes)
    size = fft.next_fast_len(3 * nodes - 2, real=True)
    offsets = np.arange(-(nodes - 1), nodes) * h
    acc = np.zeros(size // 2 + 1, dtype=complex)
    for start in range(0, g_total, 16):
        rows = slice(start, start + 16)
        kern = special.ndtr(offsets[None, :] / cond.sd[rows, None])
        acc += np.sum(fft.rfft(hist[rows], size, axis=1) * fft.rfft(kern, size, axis=1), axis=0)
    cdf = fft.irfft(acc, size)[nodes - 1 : 2 * nodes - 1]
    return x, np.clip(np.maximum.accumulate(cdf), 0.0, 1.0)


def _grid_ppf(x, cdf, p):
    """Inverse of the grid cdf by linear interpolation (over its strictly increasing part)."""
    up = np.concatenate([[True], np.diff(cdf) > 0])
    return np.interp(p, cdf[up], x[up])


def __inverse_link_slope(family, eta):
    if family == "binomial":
        p = special.expit(eta)
        return p * (1 - p)
    if family == "poisson":
        return np.exp(eta)
    return np.ones_like(eta)


def _mcse_of_mean(values, shape) -> float:
    """Monte Carlo standard error of the mean of per-draw values (ArviZ, chains kept apart)."""
    import arviz as az
    import xarray as xr

    arr = xr.DataArray(np.asarray(values, dtype=float).reshape(shape), dims=("chain", "draw"))
    return float(az.mcse(arr, method="mean"))


def predictive(cond: _Conditional, family: str, shape):
    """Summaries of the predictive with Monte Carlo standard errors, its grid cdf and points.

    Each summary is a mean over the posterior draws of a quantity exact given the draw, so
    its MCSE is that of a posterior mean (ArviZ, from the per-draw values, chains kept
    apart): the mean and second moment directly, the sd by the delta method, a quantile
    :math:`q_p` as :math:`\\text{MCSE}(\\hat F(q_p)) / f(q_p)`. ``grid_error`` is the largest
    difference between the grid cdf and the exact one (given the draws) at the 2.5%, 50%
    and 97.5% quantiles.
    """
    x, cdf = _cdf_grid(cond)
    m1_s, m2_s = cond.moments_per_draw(family, float(x[0]), float(x[-1]))
    m1, m2 = float(m1_s.mean()), float(m2_s.mean())
    sd = math.sqrt(max(m2 - m1 * m1, 0.0))
    out = {
        "mean": m1,
        "sd": sd,
        "mcse_mean": _mcse_of_mean(m1_s, shape),
        "mcse_sd": _mcse_of_mean((m2_s - 2 * m1 * m1_s) / (2 * sd), shape) if sd > 0 else 0.0,
    }
    dens = np.gradient(cdf, x)
    tail = (1 - CRED_LEVEL) / 2
    grid_error = 0.0
    for name, p in (("cri95_low", tail), ("median", 0.5), ("cri95_high", 1 - tail)):
        eta = float(_grid_ppf(x, cdf, p))
        c_s = cond.cdf_per_draw(eta)
        grid_error = max(grid_error, abs(float(c_s.mean()) - p))
        if name == "median":
            continue
        f = float(np.interp(eta, x, dens))
        if f > 0:
            eta -= (float(c_s.mean()) - p) / f  # a Newton step on the exact cdf
        out[name] = float(inverse_link(family, eta))
        out["mcse_" + name] = (
            float(__inverse_link_slope(family, eta)) * _mcse_of_mean(c_s, shape) / f
        )
    out["grid_error"] = grid_error
    u = (np.arange(PREDICTIVE_POINTS) + 0.5) / PREDICTIVE_POINTS
    points = inverse_link(family, _grid_ppf(x, cdf, u))
    return out, points, (x, cdf)


def approximation(mixture, family: str, grid) -> dict:
    """The fitted mixture's summaries and its largest cdf distance from the predictive."""
    x, cdf = grid
    resp = inverse_link(family, x)
    inside = (cdf > 0) & (cdf < 1)
    if family == "binomial":
        inside &= (resp > 0) & (resp < 1)
    elif family == "poisson":
        inside &= resp > 0
    lo, hi = mixture.interval(CRED_LEVEL)
    return {
        "max_cdf_diff": float(np.max(np.abs(np.asarray(mixture.cdf(resp[inside])) - cdf[inside]))),
        "mean": float(mixture.mean),
        "sd": float(mixture.sd),
        "cri95_low": float(lo),
        "cri95_high": float(hi),
    }
