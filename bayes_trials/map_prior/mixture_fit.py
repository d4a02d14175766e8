"""Mixtures fitted to draws by EM, the number of components chosen by AIC or BIC (RBesT's
``automixfit``): the conjugate form of a MAP prior.

>>> import numpy as np
>>> draws = np.random.default_rng(1).beta(30, 10, size=4000)
>>> fit_mixture(draws, "beta").mixture.components[0].family
'beta'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special

from .. import _validate as v
from ..distributions import Beta, Gamma, Mixture, Normal
from ..errors import DataError, PriorError
from .table import CRITERIA


@dataclass(frozen=True)
class MixtureFit:
    """A mixture fitted to draws by EM, with the model-size comparison.

    Attributes
    ----------
    mixture : Mixture
        The selected mixture (a Mixture even with one component).
    criteria : pandas.DataFrame
        One row per number of components: ``components``, ``loglik``, ``aic``, ``bic``.
    criterion : str
    max_cdf_diff : float
        :math:`\\max_x |F_\\text{mixture}(x) - \\hat F_\\text{draws}(x)|` (the
        Kolmogorov-Smirnov distance between the mixture and the draws).
    """

    mixture: Mixture
    criteria: pd.DataFrame
    criterion: str
    max_cdf_diff: float


def _ks_distance(dist, draws) -> float:
    x = np.sort(np.asarray(draws, dtype=float))
    n = x.size
    f = np.asarray(dist.cdf(x), dtype=float)
    upper = np.arange(1, n + 1) / n - f
    lower = f - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


def _beta_mstep(slx, sl1x, rs, a0, b0, gt1: bool):
    """Weighted Beta MLE from sufficient statistics (sum r log x, sum r log(1-x), sum r).

    The weighted log-likelihood is concave in (a, b) (``betaln`` is convex), so Newton's
    method with step halving (staying above the lower bound, 1 with ``gt1``) converges.
    """
    lower = 1.0 if gt1 else 0.0

    def f(a, b):
        return (a - 1) * slx + (b - 1) * sl1x - rs * special.betaln(a, b)

    a, b = max(a0, lower + 1e-6), max(b0, lower + 1e-6)
    fa = f(a, b)
    for _ in range(100):
        dab, tab = special.digamma(a + b), special.polygamma(1, a + b)
        g = np.array(
            [slx - rs * (special.digamma(a) - dab), sl1x - rs * (special.digamma(b) - dab)]
        )
        h = -rs * np.array(
            [[special.polygamma(1, a) - tab, -tab], [-tab, special.polygamma(1, b) - tab]]
        )
        try:
            step = -np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-10:
            na, nb = a + t * step[0], b + t * step[1]
            if na > lower and nb > lower and f(na, nb) >= fa - 1e-12 * abs(fa):
                break
            t /= 2
        else:
            break
        a, b, fa = na, nb, f(na, nb)
        if abs(t * step[0]) < 1e-10 * a and abs(t * step[1]) < 1e-10 * b:
            break
    return a, b


def _gamma_mstep(sx, slx, rs):
    """Weighted Gamma MLE: solve log(a) - digamma(a) = log(mean) - mean(log x); rate = a/mean."""
    mean = sx / rs
    c = math.log(mean) - slx / rs
    c = max(c, 1e-12)
    # log(a) - digamma(a) ~ 1/(2a) for large a: bracket the root around 1/(2c)
    f = lambda la: math.log(math.exp(la)) - special.digamma(math.exp(la)) - c  # noqa: E731
    lo, hi = math.log(1e-6), math.log(max(1.0, 1 / c) * 10)
    while f(hi) > 0:
        hi += 2
    a = math.exp(optimize.brentq(f, lo, hi, xtol=1e-12))
    return a, a / mean


def _component(family, p):
    if family == "beta":
        return Beta(*p)
    if family == "gamma":
        return Gamma(*p)
    return Normal(*p)


def _moment_params(family, x):
    m, s2 = float(np.mean(x)), float(np.var(x)) + 1e-12
    if family == "beta":
        k = max(m * (1 - m) / s2 - 1, 0.5)
        return m * k, (1 - m) * k
    if family == "gamma":
        return m * m / s2, m / s2
    return m, math.sqrt(s2)


def _logpdf(family, p, x, lx=None, l1x=None):
    """Component log density, written out so EM iterations stay cheap."""
    if family == "beta":
        a, b = p
        return (a - 1) * lx + (b - 1) * l1x - special.betaln(a, b)
    if family == "gamma":
        a, r = p
        return a * math.log(r) - special.gammaln(a) + (a - 1) * lx - r * x
    m, sd = p
    return -0.5 * ((x - m) / sd) ** 2 - math.log(sd) - 0.5 * math.log(2 * math.pi)


def _em(x, family: str, k: int, gt1: bool, max_iter: int = 300, tol: float = 1e-6):
    """EM for a k-component Beta / Gamma / Normal mixture; returns (weights, params, loglik).

    Stops when the log-likelihood gains less than ``tol`` per draw in an iteration.
    """
    n = x.size
    order = np.argsort(x)
    groups = np.array_split(order, k)  # initialise by quantile groups
    params = [_moment_params(family, x[g]) for g in groups]
    if family == "beta" and gt1:
        params = [(max(a, 1.0 + 1e-3), max(b, 1.0 + 1e-3)) for a, b in params]
    w = np.full(k, 1.0 / k)
    lx = np.log(x) if family in ("beta", "gamma") else None
    l1x = np.log1p(-x) if family == "beta" else None
    old = -np.inf
    for _ in range(max_iter):
        logd = np.stack([np.log(w[j]) + _logpdf(family, params[j], x, lx, l1x) for j in range(k)])
        top = logd.max(axis=0)
        r = np.exp(logd - top)
        tot = r.sum(axis=0)
        r /= tot
        ll = float(np.sum(np.log(tot) + top))
        if np.isfinite(old) and ll - old < tol * n:
            break
        old = ll
        rs = r.sum(axis=1)
        keep = rs > 1e-8 * n
        w = np.where(keep, rs / n, 0.0)
        w /= w.sum()
        new = []
        for j in range(k):
            if not keep[j]:
                new.append(params[j])
                continue
            rj = r[j]
            if family == "beta":
                new.append(_beta_mstep(rj @ lx, rj @ l1x, rs[j], *params[j], gt1))
            elif family == "gamma":
                new.append(_gamma_mstep(rj @ x, rj @ lx, rs[j]))
            else:
                mu = float(rj @ x / rs[j])
                sd = math.sqrt(max(float(rj @ (x - mu) ** 2 / rs[j]), 1e-12 * (1 + mu * mu)))
                new.append((mu, sd))
        params = new
    return w, params, ll


def fit_mixture(
    draws: ArrayLike,
    family: str,
    components: Sequence[int] = (1, 2, 3, 4),
    criterion: str = "aic",
    constrain_gt1: bool = True,
) -> MixtureFit:
    """Approximate draws by a Beta, Gamma or Normal mixture (EM), choosing its size by AIC/BIC.

    Parameters
    ----------
    draws : array of float
        E.g. MAP predictive draws of a new study's parameter.
    family : {"beta", "gamma", "normal"}
    components : iterable of int
        Numbers of components to try (default 1 to 4).
    criterion : {"aic", "bic"}
        :math:`\\text{AIC} = -2\\ell + 2p`, :math:`\\text{BIC} = -2\\ell + p\\log N`, with
        :math:`p = 3K - 1` parameters for K components and N draws; the smallest wins.
    constrain_gt1 : bool
        Beta only: keep both parameters of every component above 1 (as RBesT does by
        default), so that the ELIR ESS of the result is defined.

    Returns
    -------
    MixtureFit

    Notes
    -----
    EM alternates responsibilities :math:`r_{ij} \\propto w_j p_j(x_i)` with weighted
    maximum-likelihood updates of each component: closed form for the Normal, a 1-D
    root of :math:`\\log a - \\psi(a) = \\log\\bar x_w - \\overline{\\log x}_w` for the Gamma,
    Newton's method with step halving for the Beta (its weighted log-likelihood is
    concave). Initial components are moment-matched to the K quantile groups of the
    sorted draws.

    Example
    -------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(0, 1, 2000)
    >>> fit = fit_mixture(x, "normal", criterion="bic")
    >>> len(fit.mixture.components), abs(round(fit.mixture.mean, 1))
    (1, 0.0)
    """
    v.one_of(family, ("beta", "gamma", "normal"), "family", PriorError)
    v.one_of(criterion, CRITERIA, "criterion", PriorError)
    x = np.asarray(draws, dtype=float).ravel()
    if x.size < 10 or not np.all(np.isfinite(x)):
        raise DataError("need at least 10 finite draws to fit a mixture", field="draws")
    if family == "beta":
        x = np.clip(x, 1e-12, 1 - 1e-12)
    elif family == "gamma":
        x = np.maximum(x, 1e-300)
    rows, fits = [], {}
    for k in components:
        k = int(k)
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            w, params, ll = _em(x, family, k, constrain_gt1)
        p = 3 * k - 1
        rows.append(
            {
                "components": k,
                "loglik": ll,
                "aic": -2 * ll + 2 * p,
                "bic": -2 * ll + p * math.log(x.size),
            }
        )
        fits[k] = (w, params)
    table = pd.DataFrame(rows)
    best = int(table.loc[table[criterion].idxmin(), "components"])
    w, params = fits[best]
    keep = w > 0
    mix = Mixture(
        [_component(family, p) for p, kp in zip(params, keep) if kp], w[keep] / w[keep].sum()
    )
    return MixtureFit(mix, table, criterion, _ks_distance(mix, x))
