"""Meta-analytic-predictive (MAP) priors from a table of historical studies.

The MAP approach (Neuenschwander et al. 2010; Schmidli et al. 2014) fits a
random-effects meta-analysis to the historical studies, takes the posterior predictive of
the parameter of a *new* study, and approximates it by a mixture of conjugate
distributions, which then serves as an informative (and, robustified, a robust) prior.
RBesT's ``gMAP`` + ``automixfit`` are the model here; the fit uses PyMC with nutpie,
compiled once per model structure (see :mod:`bayes_trials.fit`). The predictive is
computed exactly given each posterior draw of the study effects (Rao-Blackwellised over
the mean and heterogeneity), and the mixture is fitted to it by EM with the number of
components chosen by AIC or BIC; the mixture's distance from the predictive and the
predictive's Monte Carlo error are reported (:meth:`MAPPrior.summary`).

>>> import numpy as np
>>> draws = np.random.default_rng(1).beta(30, 10, size=4000)
>>> fit_mixture(draws, "beta").mixture.components[0].family
'beta'
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import fft, optimize, special, stats

from . import _validate as v
from .errors import DataError, PriorError, StatisticalWarning
from .ess import ess as _ess
from .priors import CRED_LEVEL, Beta, Gamma, HalfCauchy, HalfNormal, Mixture, Normal

FAMILIES = ("binomial", "poisson", "normal")
CRITERIA = ("aic", "bic")
#: the columns each family needs (``study`` is optional: studies are numbered without it)
REQUIRED_COLUMNS = {
    "binomial": ("n", "events"),
    "poisson": ("events", "exposure"),
    "normal": ("mean", "se"),
}
#: mixture family of the MAP prior for each likelihood
MIXTURE_FAMILY = {"binomial": "beta", "poisson": "gamma", "normal": "normal"}
LINKS = {"binomial": "logit", "poisson": "log", "normal": "identity"}


# --------------------------------------------------------------------------------------
# validation of the historical table


def validate_table(table, family: str) -> pd.DataFrame:
    """The historical-studies table, checked and normalised (``study`` + numeric columns).

    Raises
    ------
    DataError
        Empty table, a missing column, a non-numeric / NaN / negative / non-integer
        count, events > n, zero or negative exposure or se; the message names the column
        and the study (row).
    """
    v.one_of(family, FAMILIES, "family", PriorError)
    try:
        df = pd.DataFrame(table).copy()
    except (ValueError, TypeError) as exc:
        raise DataError(f"cannot read the table of studies: {exc}", field="table") from None
    if df.empty or len(df) == 0:
        raise DataError("the table of historical studies is empty", field="table")
    need = REQUIRED_COLUMNS[family]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(
            f"a {family} MAP table needs columns {', '.join(need)} (and optionally study); "
            f"missing: {', '.join(missing)}; got {', '.join(map(str, df.columns))}",
            field="table",
        )
    if "study" not in df.columns:
        df.insert(0, "study", [f"study {i + 1}" for i in range(len(df))])
    df["study"] = df["study"].astype(str)
    if df["study"].duplicated().any():
        dup = df.loc[df["study"].duplicated(), "study"].iloc[0]
        raise DataError(f"study {dup!r} appears twice; count each study once", field="study")
    out = {"study": list(df["study"])}
    for col in need:
        vals = []
        for study, raw in zip(df["study"], df[col]):
            where = f"{col}, study {study!r}"
            raw = raw.item() if hasattr(raw, "item") else raw
            if col in ("n", "events"):
                vals.append(v.count(raw, where))
            elif col in ("exposure", "se"):
                vals.append(v.positive(raw, where))
            else:
                vals.append(v.finite_real(raw, where))
        out[col] = vals
    clean = pd.DataFrame(out)
    if family == "binomial":
        for study, n, k in zip(clean["study"], clean["n"], clean["events"]):
            if n == 0:
                raise DataError("must be at least 1 patient, got 0", field=f"n, study {study!r}")
            if k > n:
                raise DataError(
                    f"must not exceed n = {n}, got {k}", field=f"events, study {study!r}"
                )
    extra = [c for c in df.columns if c not in clean.columns]
    for c in extra:
        clean[c] = list(df[c])
    return clean


# --------------------------------------------------------------------------------------
# EM fitting of conjugate mixtures to draws


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
        g = np.array([slx - rs * (special.digamma(a) - dab), sl1x - rs * (special.digamma(b) - dab)])
        h = -rs * np.array([[special.polygamma(1, a) - tab, -tab], [-tab, special.polygamma(1, b) - tab]])
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


def fit_mixture(draws, family: str, components=(1, 2, 3, 4), criterion: str = "aic",
                constrain_gt1: bool = True) -> MixtureFit:
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
        rows.append({"components": k, "loglik": ll, "aic": -2 * ll + 2 * p,
                     "bic": -2 * ll + p * math.log(x.size)})
        fits[k] = (w, params)
    table = pd.DataFrame(rows)
    best = int(table.loc[table[criterion].idxmin(), "components"])
    w, params = fits[best]
    keep = w > 0
    mix = Mixture([_component(family, p) for p, kp in zip(params, keep) if kp], w[keep] / w[keep].sum())
    return MixtureFit(mix, table, criterion, _ks_distance(mix, x))


# --------------------------------------------------------------------------------------
# the random-effects model


def _structure_key(family: str, n_studies: int, tau_prior) -> tuple:
    return ("map_prior", family, int(n_studies), tau_prior.family)


def _build_model(key):
    """The random-effects model in the parameterisation that NUTS samples.

    The study effects :math:`\\theta_i = \\mu + \\tau z_i` are split into their mean
    :math:`\\bar\\theta = \\mu + \\tau\\bar z`, so that :math:`\\bar\\theta \\mid \\tau \\sim
    N(m_0, s_0^2 + \\tau^2/k)`, and deviations :math:`\\theta_i - \\bar\\theta = \\tau d_i`,
    :math:`d = z - \\bar z` zero-sum normal (covariance :math:`I - J/k`) and independent of
    :math:`\\bar\\theta`. NUTS samples :math:`u = c(\\tau)\\, d`, zero-sum normal with sd
    :math:`c(\\tau) = \\sqrt{1 + \\tau^2/\\sigma^2}`, where :math:`\\sigma` is a typical
    standard error of one study's estimate on the link scale (``se_ref``, see
    :func:`_reference_se`). For normal data with standard error :math:`\\sigma` the
    posterior of :math:`u` given :math:`\\tau` then has unit variance whatever :math:`\\tau`:
    no funnel at small :math:`\\tau` (the centred form's) nor at large :math:`\\tau` (the
    non-centred form's, where the data pin :math:`z` to a width :math:`\\sigma/\\tau`), and
    with :math:`\\mu` out of the way no ridge between :math:`\\mu` and the :math:`z_i`.
    The population mean follows from its conditional,
    :math:`\\mu \\mid \\bar\\theta, \\tau \\sim N(m_0 + c_\\mu(\\bar\\theta - m_0), c_\\mu\\tau^2/k)` with
    :math:`c_\\mu = s_0^2/(s_0^2 + \\tau^2/k)`, written non-centred. The joint distribution
    of :math:`(\\mu, \\tau, \\theta)` is the model's whatever ``se_ref``; only the geometry
    changes.
    """
    import pymc as pm

    _, family, n_studies, tau_family = key
    with pm.Model() as model:
        mu_loc = pm.Data("mu_loc", 0.0)
        mu_scale = pm.Data("mu_scale", 1.0)
        tau_scale = pm.Data("tau_scale", 1.0)
        se_ref = pm.Data("se_ref", 1.0)
        if tau_family == "halfnormal":
            tau = pm.HalfNormal("tau", sigma=tau_scale)
        else:
            tau = pm.HalfCauchy("tau", beta=tau_scale)
        between = tau**2 / n_studies
        theta_mean = pm.Normal("theta_mean", mu=mu_loc, sigma=pm.math.sqrt(mu_scale**2 + between))
        if n_studies > 1:
            scale = pm.math.sqrt(1.0 + (tau / se_ref) ** 2)
            u = pm.ZeroSumNormal("u", sigma=scale, shape=n_studies)
            theta = pm.Deterministic("theta", theta_mean + tau * u / scale)
        else:
            theta = pm.Deterministic("theta", theta_mean[None])
        shrink = mu_scale**2 / (mu_scale**2 + between)
        mu_z = pm.Normal("mu_z", 0.0, 1.0)
        pm.Deterministic("mu", mu_loc + shrink * (theta_mean - mu_loc)
                         + pm.math.sqrt(shrink * between) * mu_z)
        if family == "binomial":
            n = pm.Data("n", np.ones(n_studies, dtype="int64"))
            y = pm.Data("events", np.zeros(n_studies, dtype="int64"))
            pm.Binomial("y", n=n, logit_p=theta, observed=y)
        elif family == "poisson":
            expo = pm.Data("exposure", np.ones(n_studies))
            y = pm.Data("events", np.zeros(n_studies, dtype="int64"))
            pm.Poisson("y", mu=expo * pm.math.exp(theta), observed=y)
        else:
            se = pm.Data("se", np.ones(n_studies))
            y = pm.Data("mean", np.zeros(n_studies))
            pm.Normal("y", mu=theta, sigma=se, observed=y)
    return model


def _reference_se(df: pd.DataFrame, family: str) -> float:
    """A typical standard error of one study's estimate on the link scale: the root of the
    harmonic mean of :math:`1/(y + 1/2) + 1/(n - y + 1/2)` (binomial), :math:`1/(y + 1/2)`
    (Poisson) or :math:`\\text{se}^2` (normal). It only scales the sampler's coordinates."""
    if family == "binomial":
        y, n = df["events"].to_numpy(float), df["n"].to_numpy(float)
        var = 1 / (y + 0.5) + 1 / (n - y + 0.5)
    elif family == "poisson":
        var = 1 / (df["events"].to_numpy(float) + 0.5)
    else:
        var = df["se"].to_numpy(float) ** 2
    return float(math.sqrt(len(var) / np.sum(1 / var)))


def _inverse_link(family, eta):
    if family == "binomial":
        return special.expit(eta)
    if family == "poisson":
        return np.exp(eta)
    return eta


# --------------------------------------------------------------------------------------
# the predictive of a new study, given each posterior draw of the study effects

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
            r = _inverse_link(family, np.clip(eta, lo, hi))
            m1 += np.bincount(s, w[part] * (r @ _GH_W), self.tbar.size)
            m2 += np.bincount(s, w[part] * ((r * r) @ _GH_W), self.tbar.size)
        total = np.bincount(s_idx, w, self.tbar.size)
        return m1 / total, m2 / total


def _conditional(theta, m0: float, s0: float, tau_prior) -> _Conditional:
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
    hi = max(math.log(float(tau_prior.ppf(1 - 1e-12))), 0.5 * math.log(float(ssw.max()) + 1e-300) + 2)
    kv = k * s0**2
    for _ in range(100):  # a proper prior bounds the conditional: a few widenings at most
        t = np.arange(lo, hi + step / 2, step)
        t2 = np.exp(2 * t)
        ll = ((np.asarray(tau_prior.logpdf(np.exp(t))) + (2 - k) * t - 0.5 * np.log(t2 + kv))[None, :]
              - ssw[:, None] / (2 * t2) - k * (tbar[:, None] - m0) ** 2 / (2 * (t2 + kv)))
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
    core = float(cond.sd[order][min(int(np.searchsorted(np.cumsum(weight[order]), 0.5)), g_total - 1)])
    nodes = int(2 ** np.clip(math.ceil(math.log2((hi - lo) / (core / 20))), 12, 16))
    x = np.linspace(lo, hi, nodes)
    h = x[1] - x[0]
    pos = (cond.locations() - lo) / h
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, nodes - 2)
    frac = np.clip(pos - i0, 0.0, 1.0)
    flat = i0 + nodes * np.arange(g_total)[None, :]
    mass = cond.w / s_total
    hist = (np.bincount(flat.ravel(), (mass * (1 - frac)).ravel(), g_total * nodes)
            + np.bincount(flat.ravel() + 1, (mass * frac).ravel(), g_total * nodes)).reshape(g_total, nodes)
    size = fft.next_fast_len(3 * nodes - 2, real=True)
    offsets = np.arange(-(nodes - 1), nodes) * h
    acc = np.zeros(size // 2 + 1, dtype=complex)
    for start in range(0, g_total, 16):
        rows = slice(start, start + 16)
        kern = special.ndtr(offsets[None, :] / cond.sd[rows, None])
        acc += np.sum(fft.rfft(hist[rows], size, axis=1) * fft.rfft(kern, size, axis=1), axis=0)
    cdf = fft.irfft(acc, size)[nodes - 1: 2 * nodes - 1]
    return x, np.clip(np.maximum.accumulate(cdf), 0.0, 1.0)


def _grid_ppf(x, cdf, p):
    """Inverse of the grid cdf by linear interpolation (over its strictly increasing part)."""
    up = np.concatenate([[True], np.diff(cdf) > 0])
    return np.interp(p, cdf[up], x[up])


def _inverse_link_slope(family, eta):
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


def _predictive(cond: _Conditional, family: str, shape):
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
    out = {"mean": m1, "sd": sd, "mcse_mean": _mcse_of_mean(m1_s, shape),
           "mcse_sd": _mcse_of_mean((m2_s - 2 * m1 * m1_s) / (2 * sd), shape) if sd > 0 else 0.0}
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
        out[name] = float(_inverse_link(family, eta))
        out["mcse_" + name] = float(_inverse_link_slope(family, eta)) * _mcse_of_mean(c_s, shape) / f
    out["grid_error"] = grid_error
    u = (np.arange(PREDICTIVE_POINTS) + 0.5) / PREDICTIVE_POINTS
    points = _inverse_link(family, _grid_ppf(x, cdf, u))
    return out, points, (x, cdf)


def _approximation(mixture, family: str, grid) -> dict:
    """The fitted mixture's summaries and its largest cdf distance from the predictive."""
    x, cdf = grid
    resp = _inverse_link(family, x)
    inside = (cdf > 0) & (cdf < 1)
    if family == "binomial":
        inside &= (resp > 0) & (resp < 1)
    elif family == "poisson":
        inside &= resp > 0
    lo, hi = mixture.interval(CRED_LEVEL)
    return {"max_cdf_diff": float(np.max(np.abs(np.asarray(mixture.cdf(resp[inside])) - cdf[inside]))),
            "mean": float(mixture.mean), "sd": float(mixture.sd),
            "cri95_low": float(lo), "cri95_high": float(hi)}


def _observed_summary(row, family, level):
    """Observed estimate of one study with an exact (binomial/Poisson) or Wald interval."""
    alpha = 1 - level
    if family == "binomial":
        k, n = int(row["events"]), int(row["n"])
        lo = 0.0 if k == 0 else stats.beta.ppf(alpha / 2, k, n - k + 1)
        hi = 1.0 if k == n else stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
        return k / n, lo, hi
    if family == "poisson":
        k, e = int(row["events"]), float(row["exposure"])
        lo = 0.0 if k == 0 else stats.gamma.ppf(alpha / 2, k) / e
        hi = stats.gamma.ppf(1 - alpha / 2, k + 1) / e
        return k / e, lo, hi
    m, se = float(row["mean"]), float(row["se"])
    z = stats.norm.ppf(1 - alpha / 2)
    return m, m - z * se, m + z * se


# --------------------------------------------------------------------------------------
# the MAP prior


@dataclass(frozen=True)
class MAPPrior:
    """A meta-analytic-predictive prior: the fitted model, its predictive and their mixture.

    Attributes
    ----------
    mixture : Mixture
        The EM mixture approximation of the predictive (Beta for binomial, Gamma for
        Poisson, Normal for normal data), ready to ``update`` or ``robustify``.
    family : str
    table : pandas.DataFrame
        The validated historical studies.
    draws : numpy.ndarray
        The predictive of a new study's parameter (response scale) as
        ``PREDICTIVE_POINTS`` equally weighted points, its quantiles at probabilities
        :math:`(j - 1/2)/N`: sorted, and free of the noise of one simulated new study per
        posterior draw. The mixture is fitted to them.
    tau : dict
        Posterior summary of the between-study sd (link scale): mean, sd, median and the
        equal-tailed 95% CrI (``cri95_low``, ``cri95_high``).
    diagnostics : dict
        ``r_hat``, ``ess_bulk``, ``ess_tail`` (dicts over ``mu`` and ``tau``),
        ``divergences`` (int, of the fit kept), ``target_accept`` and ``tune`` of that fit,
        and ``refits``: one record per refit (``divergences_before``, the refit's
        ``tune``, ``target_accept``, ``seed`` and ``divergences``); empty when the first
        fit had no divergent transition.
    predictive : dict
        The predictive of a new study's parameter (response scale), computed from the
        posterior draws (exactly given them, see :func:`map_prior`): ``mean``, ``sd``,
        ``cri95_low``, ``cri95_high``, each with its Monte Carlo standard error
        (``mcse_mean``, ...), and ``grid_error``, the numerical error of its cdf. The
        moments are those of the predictive clipped to its grid (which leaves out at most
        ``GRID_TAIL`` per tail): with a log link and a half-Cauchy heterogeneity prior the
        predictive's own mean is infinite.
    approximation : dict
        The same summaries of the fitted mixture, and ``max_cdf_diff``:
        :math:`\\max_x |F_\\text{mixture}(x) - F_\\text{predictive}(x)|`.
    mixture_fit : MixtureFit
        The AIC/BIC table and the max |cdf difference| of the mixture vs the points it
        was fitted to (``draws``).
    studies : pandas.DataFrame
        Per study: observed estimate with its 95% interval and the shrunken posterior
        mean with 95% CrI (for :meth:`plot_forest`).
    tree : xarray.DataTree
        The posterior as nutpie returned it (of the fit kept).
    settings : dict
        Priors, seed, draws, chains, tune, target_accept (as asked), link, criterion,
        number of predictive points.
    """

    mixture: Mixture
    family: str
    table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    tau: dict
    diagnostics: dict
    predictive: dict
    approximation: dict
    mixture_fit: MixtureFit = field(repr=False)
    studies: pd.DataFrame = field(repr=False)
    tree: object = field(repr=False)
    settings: dict = field(repr=False)

    def ess(self, method: str = "elir", sigma: float | None = None) -> float:
        """Effective sample size of the mixture (see :func:`bayes_trials.ess`).

        Normal MAP priors need ``sigma``, the sampling sd of one observation.
        """
        return _ess(self.mixture, method, sigma)

    def summary(self) -> pd.DataFrame:
        """The predictive next to its mixture approximation.

        Rows ``mean``, ``sd``, ``cri95_low``, ``cri95_high`` (the new study's parameter,
        response scale) and ``max_cdf_diff``; columns ``predictive`` (from the posterior
        draws), ``mcse`` (its Monte Carlo standard error), ``mixture`` and ``difference``
        (mixture minus predictive; for ``max_cdf_diff``, the distance itself).
        """
        p, a = self.predictive, self.approximation
        rows = [{"quantity": q, "predictive": p[q], "mcse": p["mcse_" + q], "mixture": a[q],
                 "difference": a[q] - p[q]} for q in ("mean", "sd", "cri95_low", "cri95_high")]
        rows.append({"quantity": "max_cdf_diff", "predictive": np.nan, "mcse": np.nan,
                     "mixture": np.nan, "difference": a["max_cdf_diff"]})
        return pd.DataFrame(rows).set_index("quantity")

    def plot_forest(self, ax=None):
        """Forest plot: each study's observed estimate and shrunken estimate, and the MAP.

        Intervals are at the toolkit's credible level (``CRED_LEVEL``, 95%): exact
        (Clopper-Pearson / Garwood) or Wald for the observed estimates, equal-tailed
        credible intervals for the model's. Returns the Matplotlib axis.
        """
        level = CRED_LEVEL
        pct = f"{round(100 * level)}%"
        import matplotlib.pyplot as plt

        s = self.studies
        k = len(s)
        ax = ax or plt.figure(figsize=(6, 0.5 * (k + 2) + 1)).gca()
        ypos = np.arange(k, 0, -1, dtype=float)
        ax.errorbar(s["observed"], ypos + 0.12,
                    xerr=[s["observed"] - s["ci95_low"], s["ci95_high"] - s["observed"]],
                    fmt="o", color="0.4", label=f"observed ({pct} CI)")
        ax.errorbar(s["shrunken_mean"], ypos - 0.12,
                    xerr=[s["shrunken_mean"] - s["cri95_low"], s["cri95_high"] - s["shrunken_mean"]],
                    fmt="s", color="C0", label=f"model estimate ({pct} CrI)")
        lo, hi = self.mixture.interval(level)
        ax.errorbar([self.mixture.mean], [0.0], xerr=[[self.mixture.mean - lo], [hi - self.mixture.mean]],
                    fmt="D", color="C3", label=f"MAP prior ({pct} CrI)")
        ax.set_yticks(list(ypos) + [0.0], list(s["study"]) + ["MAP (new study)"])
        ax.set_xlabel({"binomial": "probability", "poisson": "rate", "normal": "mean"}[self.family])
        ax.legend(loc="best", fontsize="small")
        return ax

    def __repr__(self) -> str:
        t, p, a = self.tau, self.predictive, self.approximation
        return (
            f"MAPPrior({self.family}, {len(self.table)} studies, tau mean {t['mean']:.3g} "
            f"[{t['cri95_low']:.3g}, {t['cri95_high']:.3g}], mixture {self.mixture!r}; "
            f"mixture vs predictive: max |cdf diff| {a['max_cdf_diff']:.2g}, 95% interval "
            f"[{a['cri95_low']:.3g}, {a['cri95_high']:.3g}] vs [{p['cri95_low']:.3g}, "
            f"{p['cri95_high']:.3g}] (MCSE {max(p['mcse_cri95_low'], p['mcse_cri95_high']):.1g}))"
        )


def _divergences(tree) -> int:
    if "sample_stats" not in tree.children:
        return 0
    return int(tree["sample_stats"]["diverging"].sum())


def _sample(compiled, run: dict):
    import nutpie

    return nutpie.sample(compiled, draws=run["draws"], tune=run["tune"], chains=run["chains"],
                         seed=run["seed"], save_warmup=False, progress_bar=False,
                         target_accept=run["target_accept"])


def map_prior(
    table,
    family: str = "binomial",
    tau_prior=HalfNormal(1.0),
    intercept_prior=Normal(0.0, 2.0),
    random_seed: int = 0,
    draws: int = 1000,
    chains: int = 4,
    tune: int = 1000,
    target_accept: float = 0.95,
    components=(1, 2, 3, 4),
    criterion: str = "aic",
    cache=None,
) -> MAPPrior:
    """Meta-analytic-predictive prior from a table of historical studies.

    Parameters
    ----------
    table : pandas.DataFrame or dict of columns
        ``study, n, events`` (binomial), ``study, events, exposure`` (Poisson) or
        ``study, mean, se`` (normal). Extra columns (e.g. a source tag) are kept.
    family : {"binomial", "poisson", "normal"}
        Likelihood; the link is logit, log and identity respectively.
    tau_prior : HalfNormal or HalfCauchy
        Prior of the between-study sd :math:`\\tau` on the link scale.
    intercept_prior : Normal
        Prior of the mean :math:`\\mu` on the link scale.
    random_seed : int
        Seeds the sampler (a refit uses a seed derived from it).
    draws, chains, tune : int
        Per-chain posterior draws, chains and warm-up draws of nutpie's NUTS.
    target_accept : float
        NUTS target acceptance (0.95: small steps for the curved posterior of few studies).
    components : iterable of int
        Mixture sizes to try; ``criterion`` ("aic" or "bic") picks one.
    cache : bayes_trials.fit.ModelCache, optional
        Compiled models are cached per (family, number of studies, tau prior family);
        defaults to the process-wide cache.

    Returns
    -------
    MAPPrior

    Raises
    ------
    DataError
        Empty table, missing column, impossible counts (names column and study).
    PriorError
        Unknown family, a tau prior that is not HalfNormal / HalfCauchy, an intercept
        prior that is not Normal.

    Warns
    -----
    StatisticalWarning
        Poor sampler diagnostics of the fit kept (R-hat >= 1.01, bulk ESS < 400,
        divergent transitions).

    Notes
    -----
    For studies :math:`i = 1..k` with link-scale parameters :math:`\\theta_i`:

    .. math:: y_i \\mid \\theta_i \\sim \\text{Bin}(n_i, \\text{logit}^{-1}\\theta_i)
              \\;|\\; \\text{Pois}(E_i e^{\\theta_i}) \\;|\\; N(\\theta_i, \\text{se}_i^2),
    .. math:: \\theta_i = \\mu + \\tau z_i,\\quad z_i \\sim N(0, 1),\\quad
              \\mu \\sim N(m_0, s_0^2),\\quad \\tau \\sim \\text{HalfNormal}(s_\\tau)
              \\text{ or } \\text{HalfCauchy}(s_\\tau).

    NUTS samples it as :math:`\\bar\\theta \\sim N(m_0, s_0^2 + \\tau^2/k)` (the mean of the
    study effects) and zero-sum deviations :math:`\\theta_i - \\bar\\theta`, scaled so that
    their posterior given :math:`\\tau` has about unit sd for every :math:`\\tau`, with
    :math:`\\mu` drawn from its conditional given :math:`(\\bar\\theta, \\tau)`: the same
    joint distribution without the funnels of the centred and non-centred forms (see
    ``_build_model``). If the fit still has divergent transitions it is refitted once with
    twice the warm-up and :math:`1 - \\text{target\\_accept}` divided by five;
    ``diagnostics["refits"]`` records it.

    The MAP prior is the posterior predictive of a new study's parameter
    :math:`\\theta_\\star = \\mu + \\tau z_\\star`. Given the study effects the rest of the
    model is normal-normal, so :math:`p(\\theta_\\star \\mid \\theta_{1..k})` is a scale
    mixture of normals, computed exactly for each posterior draw (the :math:`\\tau`
    integral on a fine log-scale grid), and the predictive is their average over draws:

    .. math:: p(\\theta_\\star \\mid y) = \\frac{1}{S}\\sum_s
              p(\\theta_\\star \\mid \\theta^{(s)}_{1..k}).

    This Rao-Blackwellised estimate is free of the noise of one simulated
    :math:`\\theta_\\star` per draw, and uses each draw's whole conditional of
    :math:`(\\mu, \\tau)` rather than one value; its Monte Carlo standard errors are
    reported. Its cdf on a fine grid gives ``PREDICTIVE_POINTS`` equally weighted
    quantiles, to which the mixture is fitted (:func:`fit_mixture`, as RBesT's
    ``automixfit`` fits draws), and the mixture is compared with the predictive
    (``approximation``, :meth:`MAPPrior.summary`).

    References
    ----------
    Neuenschwander B, Capkun-Niggli G, Branson M, Spiegelhalter DJ. Summarizing historical
    information on controls in clinical trials. Clin Trials 2010;7:5-18.
    doi:10.1177/1740774509356002

    Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B.
    Robust meta-analytic-predictive priors in clinical trials with historical control
    information. Biometrics 2014;70:1023-1032. doi:10.1111/biom.12242

    Example
    -------
    CR/CRi of CD19 CAR-T in r/r B-ALL (``/work/shared/TRIAL_FACTS.md``; tag D = derived
    from a printed percentage):

    >>> import pandas as pd
    >>> cart = pd.DataFrame({
    ...     "study": ["ELIANA", "ZUMA-3 ph2", "FELIX 2A", "MSKCC 19-28z"],
    ...     "n": [75, 55, 94, 53], "events": [61, 39, 72, 44],
    ...     "tag": ["D (81% of 75)", "E", "D (77% of 94)", "D (83% of 53 = 43.99)"]})
    >>> mp = map_prior(cart, "binomial", random_seed=1)   # doctest: +SKIP
    >>> mp.mixture, round(mp.ess(), 1)                    # doctest: +SKIP
    >>> mp.summary()                                      # doctest: +SKIP
    """
    from .checks import MAX_RHAT, MIN_ESS
    from .fit import CACHE, derive_seed, diagnostics as _diagnostics

    v.one_of(family, FAMILIES, "family", PriorError)
    if not isinstance(tau_prior, (HalfNormal, HalfCauchy)):
        raise PriorError(
            f"the heterogeneity prior must be HalfNormal or HalfCauchy, got {tau_prior!r}",
            field="tau_prior",
        )
    if not isinstance(intercept_prior, Normal):
        raise PriorError(
            f"the intercept prior must be Normal, got {intercept_prior!r}", field="intercept_prior"
        )
    df = validate_table(table, family)
    for name, val in (("draws", draws), ("chains", chains), ("tune", tune)):
        if v.count(val, name, PriorError) < 1:
            raise PriorError("must be at least 1", field=name)
    target_accept = v.finite_real(target_accept, "target_accept", PriorError)
    if not 0 < target_accept < 1:
        raise PriorError(f"must lie in (0, 1), got {target_accept}", field="target_accept")

    cache = CACHE if cache is None else cache
    key = _structure_key(family, len(df), tau_prior)
    inputs = {"mu_loc": intercept_prior.mean, "mu_scale": intercept_prior.sd,
              "tau_scale": tau_prior.scale, "se_ref": _reference_se(df, family)}
    if family == "binomial":
        inputs.update(n=df["n"].to_numpy("int64"), events=df["events"].to_numpy("int64"))
    elif family == "poisson":
        inputs.update(exposure=df["exposure"].to_numpy(float), events=df["events"].to_numpy("int64"))
    else:
        inputs.update(se=df["se"].to_numpy(float), mean=df["mean"].to_numpy(float))
    compiled = cache.get(key, _build_model).with_data(**inputs)
    run = {"draws": int(draws), "tune": int(tune), "chains": int(chains),
           "seed": int(random_seed), "target_accept": float(target_accept)}
    tree = _sample(compiled, run)
    refits = []
    first = _divergences(tree)
    if first:
        run = dict(run, tune=2 * run["tune"], target_accept=1 - (1 - run["target_accept"]) / 5,
                   seed=derive_seed(int(random_seed), "map_prior refit"))
        tree = _sample(compiled, run)
        refits.append({"divergences_before": first, "tune": run["tune"],
                       "target_accept": run["target_accept"], "seed": run["seed"],
                       "divergences": _divergences(tree)})

    diag = {"r_hat": {}, "ess_bulk": {}, "ess_tail": {}, "divergences": _divergences(tree),
            "target_accept": run["target_accept"], "tune": run["tune"], "refits": refits}
    for var in ("mu", "tau"):
        d = _diagnostics(tree, var)
        diag["r_hat"][var] = d.r_hat
        diag["ess_bulk"][var] = d.ess_bulk
        diag["ess_tail"][var] = d.ess_tail
    problems = [f"R-hat of {v_} {r:.3f} >= {MAX_RHAT}" for v_, r in diag["r_hat"].items() if r >= MAX_RHAT]
    problems += [f"bulk ESS of {v_} {e:.0f} < {MIN_ESS}" for v_, e in diag["ess_bulk"].items() if e < MIN_ESS]
    if diag["divergences"]:
        problems.append(f"{diag['divergences']} divergent transition(s)"
                        + (" after a refit" if refits else ""))
    if problems:
        warnings.warn("MAP prior fit: " + "; ".join(problems), StatisticalWarning, stacklevel=2)

    post = tree["posterior"]
    tau = np.asarray(post["tau"].values, dtype=float).ravel()
    q = (1 - CRED_LEVEL) / 2
    tau_summary = {
        "mean": float(tau.mean()), "sd": float(tau.std(ddof=1)), "median": float(np.median(tau)),
        "cri95_low": float(np.quantile(tau, q)), "cri95_high": float(np.quantile(tau, 1 - q)),
    }
    theta = np.asarray(post["theta"].values, dtype=float)
    shape = theta.shape[:2]
    theta = theta.reshape(-1, len(df))
    cond = _conditional(theta, intercept_prior.mean, intercept_prior.sd, tau_prior)
    predictive, points, grid = _predictive(cond, family, shape)
    mfit = fit_mixture(points, MIXTURE_FAMILY[family], components=components, criterion=criterion)
    approximation = _approximation(mfit.mixture, family, grid)

    resp = _inverse_link(family, theta)
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        obs, lo, hi = _observed_summary(row, family, CRED_LEVEL)
        rows.append({
            "study": row["study"], "observed": obs, "ci95_low": lo, "ci95_high": hi,
            "shrunken_mean": float(resp[:, i].mean()),
            "cri95_low": float(np.quantile(resp[:, i], q)),
            "cri95_high": float(np.quantile(resp[:, i], 1 - q)),
        })
    settings = {"tau_prior": tau_prior, "intercept_prior": intercept_prior,
                "random_seed": int(random_seed), "draws": int(draws), "chains": int(chains),
                "tune": int(tune), "target_accept": float(target_accept), "link": LINKS[family],
                "criterion": criterion, "predictive_points": PREDICTIVE_POINTS}
    return MAPPrior(mfit.mixture, family, df, points, tau_summary, diag, predictive, approximation,
                    mfit, pd.DataFrame(rows), tree, settings)


__all__ = ["map_prior", "MAPPrior", "fit_mixture", "MixtureFit", "validate_table"]
