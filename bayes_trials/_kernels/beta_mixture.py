"""Beta mixtures as arrays: posterior, cdf, pdf and quantiles, vectorised over many priors.

Plain NumPy/SciPy kernels with explicit shapes: rows are priors (G), columns mixture
components (K), padded with zero-weight components. One copy for every place that needs a
Beta mixture fast: prior grids, decision boundaries, operating characteristics.

>>> import numpy as np
>>> w, a, b = beta_mixture_posterior([[0.5, 0.5]], [[1, 10]], [[1, 10]], events=9, n=9)
>>> round(float(beta_mixture_cdf(0.9, w, a, b)[0]), 4)
0.3915
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .counts import log_beta_ratio

__all__ = [
    "beta_mixture_posterior",
    "beta_mixture_cdf",
    "beta_mixture_pdf",
    "beta_mixture_ppf",
    "stack_beta_mixtures",
    "pad",
]


# =====================================================================================
# exact kernels (plain NumPy / SciPy, vectorised over the grid)
# =====================================================================================
def beta_mixture_posterior(w, a, b, events: int, n: int):
    """Posterior weights and shapes of Beta mixtures given binomial data, for arrays (G, K).

    :math:`w_k' \\propto w_k B(a_k + y, b_k + n - y) / B(a_k, b_k)`, the ratio of Beta
    functions taken without cancellation at any ``n`` (:func:`bayes_trials._kernels.counts.log_beta_ratio`).
    """
    w, a, b = (np.atleast_2d(np.asarray(x, dtype=float)) for x in (w, a, b))
    a2, b2 = a + events, b + n - events
    with np.errstate(divide="ignore"):
        logw = np.log(w) + log_beta_ratio(a, b, events, n) - special.betaln(a, b)
    w2 = np.exp(logw - special.logsumexp(logw, axis=1, keepdims=True))
    return w2 / w2.sum(axis=1, keepdims=True), a2, b2


def beta_mixture_cdf(x, w, a, b):
    """cdf of Beta mixtures (rows) at ``x`` (one value per row, or a scalar)."""
    x = np.broadcast_to(np.asarray(x, dtype=float).reshape(-1, 1), (w.shape[0], 1))
    return np.sum(w * special.betainc(a, b, x), axis=1)


def beta_mixture_pdf(x, w, a, b):
    """pdf of Beta mixtures (rows) at ``x`` (one value per row)."""
    x = x.reshape(-1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - special.betaln(a, b)
        return np.sum(np.where(w > 0, w * np.exp(logp), 0.0), axis=1)


def beta_mixture_ppf(q: float, w, a, b, iterations: int = 60, tol: float = 1e-13):
    """Quantile ``q`` of each Beta mixture (rows), vectorised.

    Rows with one live component use ``betaincinv`` directly; the others a safeguarded
    Newton iteration inside the bracket [min, max] of the components' quantiles (the mixture
    quantile lies between them), falling back to bisection whenever a Newton step leaves the
    bracket, until the cdf is within ``tol`` of ``q``.
    """
    comp = special.betaincinv(a, b, q)
    live = w > 0
    single = live.sum(axis=1) == 1
    out = np.where(single, np.where(live, comp, 0.0).sum(axis=1), np.nan)
    rows = np.flatnonzero(~single)
    if rows.size == 0:
        return out
    w, a, b, comp, live = w[rows], a[rows], b[rows], comp[rows], live[rows]
    lo = np.where(live, comp, np.inf).min(axis=1)
    hi = np.where(live, comp, -np.inf).max(axis=1)
    x = np.sum(w * comp, axis=1)
    act = np.arange(rows.size)  # rows still iterating
    for _ in range(iterations):
        f = beta_mixture_cdf(x[act], w[act], a[act], b[act]) - q
        done = (np.abs(f) < tol) | (hi[act] - lo[act] < 1e-15)
        act, f = act[~done], f[~done]
        if act.size == 0:
            break
        lo[act] = np.where(f < 0, x[act], lo[act])
        hi[act] = np.where(f > 0, x[act], hi[act])
        dens = beta_mixture_pdf(x[act], w[act], a[act], b[act])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = x[act] - f / dens
        ok = np.isfinite(step) & (step > lo[act]) & (step < hi[act])
        x[act] = np.where(ok, step, 0.5 * (lo[act] + hi[act]))
    out[rows] = x
    return out


def stack_beta_mixtures(priors):
    """Stack Beta (mixture) priors into (G, K) arrays, padding with zero-weight components."""
    comps = [
        (np.atleast_1d(getattr(p, "weights", [1.0])), getattr(p, "components", (p,)))
        for p in priors
    ]
    k = max(len(c) for _, c in comps)
    w = np.zeros((len(priors), k))
    a = np.ones((len(priors), k))
    b = np.ones((len(priors), k))
    for i, (wi, ci) in enumerate(comps):
        w[i, : len(ci)] = wi
        a[i, : len(ci)] = [c.a for c in ci]
        b[i, : len(ci)] = [c.b for c in ci]
    return w, a, b


def pad(x, k: int, fill: float):
    """Pad (G, K) component arrays to K = k columns with ``fill``."""
    return np.hstack([x, np.full((x.shape[0], k - x.shape[1]), fill)])
