"""Meta-analytic-predictive (MAP) priors from a table of historical studies.

The MAP approach (Neuenschwander et al. 2010; Schmidli et al. 2014) fits a
random-effects meta-analysis to the historical studies, draws the parameter of a *new*
study from its posterior predictive, and approximates those draws by a mixture of
conjugate distributions, which then serves as an informative (and, robustified, a
robust) prior. RBesT's ``gMAP`` + ``automixfit`` are the model here; the fit uses PyMC
with nutpie, compiled once per model structure (see :mod:`bayes_trials.fit`), and the
mixture is fitted by EM with the number of components chosen by AIC or BIC.

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
from scipy import optimize, special, stats

from . import _validate as v
from .errors import DataError, PriorError, StatisticalWarning
from .ess import ess as _ess
from . import _style, progress
from .fit import CACHE
from .summaries import mcmc_diagnostics
from ._constants import CRED_LEVEL
from .distributions import Beta, Gamma, HalfCauchy, HalfNormal, Mixture, Normal

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
    import pymc as pm

    _, family, n_studies, tau_family = key
    with pm.Model() as model:
        mu_loc = pm.Data("mu_loc", 0.0)
        mu_scale = pm.Data("mu_scale", 1.0)
        tau_scale = pm.Data("tau_scale", 1.0)
        mu = pm.Normal("mu", mu=mu_loc, sigma=mu_scale)
        if tau_family == "halfnormal":
            tau = pm.HalfNormal("tau", sigma=tau_scale)
        else:
            tau = pm.HalfCauchy("tau", beta=tau_scale)
        z = pm.Normal("z", 0.0, 1.0, shape=n_studies)
        theta = pm.Deterministic("theta", mu + tau * z)  # non-centred study effects
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


def _inverse_link(family, eta):
    if family == "binomial":
        return special.expit(eta)
    if family == "poisson":
        return np.exp(eta)
    return eta


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


@dataclass(frozen=True)
class MAPPrior:
    """A meta-analytic-predictive prior: the fitted model, its draws and their mixture.

    Attributes
    ----------
    mixture : Mixture
        The EM mixture approximation of the predictive draws (Beta for binomial, Gamma
        for Poisson, Normal for normal data), ready to ``update`` or ``robustify``.
    family : str
    table : pandas.DataFrame
        The validated historical studies.
    draws : numpy.ndarray
        Predictive draws of a new study's parameter (response scale).
    tau : dict
        Posterior summary of the between-study sd (link scale): mean, sd, median and the
        equal-tailed 95% CrI (``cri95_low``, ``cri95_high``).
    diagnostics : dict
        ``r_hat``, ``ess_bulk``, ``ess_tail`` (dicts over ``mu`` and ``tau``) and
        ``divergences`` (int).
    mixture_fit : MixtureFit
        The AIC/BIC table and the max |cdf difference| of mixture vs draws.
    studies : pandas.DataFrame
        Per study: observed estimate with its 95% interval and the shrunken posterior
        mean with 95% CrI (for :meth:`plot_forest`).
    tree : xarray.DataTree
        The posterior as nutpie returned it.
    settings : dict
        Priors, seed, draws, chains, tune.
    """

    mixture: Mixture
    family: str
    table: pd.DataFrame
    draws: np.ndarray = field(repr=False)
    tau: dict
    diagnostics: dict
    mixture_fit: MixtureFit = field(repr=False)
    studies: pd.DataFrame = field(repr=False)
    tree: object = field(repr=False)
    settings: dict = field(repr=False)

    def ess(self, method: str = "elir", sigma: float | None = None) -> float:
        """Effective sample size of the mixture (see :func:`bayes_trials.ess`).

        Normal MAP priors need ``sigma``, the sampling sd of one observation.
        """
        return _ess(self.mixture, method, sigma)

    @_style.styled
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
        ax = ax or plt.figure(figsize=(_style.FULL_WIDTH, 0.36 * (k + 2) + 1.3)).gca()
        ypos = np.arange(k, 0, -1, dtype=float)
        ax.errorbar(s["observed"], ypos + 0.12,
                    xerr=[s["observed"] - s["ci95_low"], s["ci95_high"] - s["observed"]],
                    fmt="o", mfc="white", color="0.4", capsize=2, ms=4.5, label=f"observed ({pct} CI)")
        ax.errorbar(s["shrunken_mean"], ypos - 0.12,
                    xerr=[s["shrunken_mean"] - s["cri95_low"], s["cri95_high"] - s["shrunken_mean"]],
                    fmt="s", color=_style.ROLE_COLOURS["historical"][1], capsize=2, ms=4,
                    label=f"model estimate ({pct} CrI)")
        lo, hi = self.mixture.interval(level)
        ax.errorbar([self.mixture.mean], [0.0], xerr=[[self.mixture.mean - lo], [hi - self.mixture.mean]],
                    fmt="D", color=_style.ROLE_COLOURS["historical"][0], capsize=2, ms=5,
                    label=f"MAP prior for a new study ({pct} CrI)")
        ax.set_yticks(list(ypos) + [0.0], list(s["study"]) + ["MAP (new study)"])
        ax.set_xlabel({"binomial": "probability (proportion of patients)", "poisson": "event rate",
                       "normal": "mean"}[self.family])
        _style.legend_below(ax, ncol=3, bbox_to_anchor=(0.5, -0.18 - 0.3 / max(k, 1)))
        return ax

    def __repr__(self) -> str:
        t = self.tau
        return (
            f"MAPPrior({self.family}, {len(self.table)} studies, tau mean {t['mean']:.3g} "
            f"[{t['cri95_low']:.3g}, {t['cri95_high']:.3g}], mixture {self.mixture!r})"
        )


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
        Seeds the sampler and the predictive draws.
    draws, chains, tune : int
        Per-chain posterior draws, chains and warm-up draws of nutpie's NUTS.
    target_accept : float
        NUTS target acceptance (0.95: the funnel of few studies).
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
        Poor sampler diagnostics (R-hat >= 1.01, bulk ESS <= 400, divergences).

    Notes
    -----
    For studies :math:`i = 1..k` with link-scale parameters :math:`\\theta_i`:

    .. math:: y_i \\mid \\theta_i \\sim \\text{Bin}(n_i, \\text{logit}^{-1}\\theta_i)
              \\;|\\; \\text{Pois}(E_i e^{\\theta_i}) \\;|\\; N(\\theta_i, \\text{se}_i^2),
    .. math:: \\theta_i = \\mu + \\tau z_i,\\quad z_i \\sim N(0, 1),\\quad
              \\mu \\sim N(m_0, s_0^2),\\quad \\tau \\sim \\text{HalfNormal}(s_\\tau).

    The MAP prior is the posterior predictive of a new study's parameter,
    :math:`\\theta_\\star = \\mu + \\tau z_\\star`, one :math:`z_\\star \\sim N(0,1)` drawn per
    posterior draw (seeded), mapped to the response scale and approximated by a mixture
    (:func:`fit_mixture`), as in RBesT's ``gMAP`` and ``automixfit``.

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
    """

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
    import nutpie

    cache = CACHE if cache is None else cache
    key = _structure_key(family, len(df), tau_prior)
    compiled = cache.get(key, _build_model)
    inputs = {"mu_loc": intercept_prior.mean, "mu_scale": intercept_prior.sd,
              "tau_scale": tau_prior.scale}
    if family == "binomial":
        inputs.update(n=df["n"].to_numpy("int64"), events=df["events"].to_numpy("int64"))
    elif family == "poisson":
        inputs.update(exposure=df["exposure"].to_numpy(float), events=df["events"].to_numpy("int64"))
    else:
        inputs.update(se=df["se"].to_numpy(float), mean=df["mean"].to_numpy(float))
    with progress.stage("sampling", "MAP prior"):
        tree = nutpie.sample(
            compiled.with_data(**inputs),
            draws=int(draws), tune=int(tune), chains=int(chains), seed=int(random_seed),
            save_warmup=False, progress_bar=False, target_accept=float(target_accept),
        )
    post = tree["posterior"]
    mu = np.asarray(post["mu"].values, dtype=float).ravel()
    tau = np.asarray(post["tau"].values, dtype=float).ravel()
    rng = np.random.default_rng(np.random.SeedSequence([int(random_seed), 20100101]))
    eta_new = mu + tau * rng.standard_normal(mu.size)
    pred = _inverse_link(family, eta_new)

    diag = {"r_hat": {}, "ess_bulk": {}, "ess_tail": {}, "divergences": 0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        for var in ("mu", "tau"):
            d = mcmc_diagnostics(tree, var)
            diag["r_hat"][var] = d["r_hat"]
            diag["ess_bulk"][var] = d["ess_bulk"]
            diag["ess_tail"][var] = d["ess_tail"]
            diag["divergences"] = d["divergences"]
    if caught:
        warnings.warn(
            "MAP prior fit: " + "; ".join(str(c.message) for c in caught), StatisticalWarning,
            stacklevel=2,
        )

    q = (1 - CRED_LEVEL) / 2
    tau_summary = {
        "mean": float(tau.mean()), "sd": float(tau.std(ddof=1)), "median": float(np.median(tau)),
        "cri95_low": float(np.quantile(tau, q)), "cri95_high": float(np.quantile(tau, 1 - q)),
    }
    theta = np.asarray(post["theta"].values, dtype=float).reshape(-1, len(df))
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
    mfit = fit_mixture(pred, MIXTURE_FAMILY[family], components=components, criterion=criterion)
    settings = {"tau_prior": tau_prior, "intercept_prior": intercept_prior,
                "random_seed": int(random_seed), "draws": int(draws), "chains": int(chains),
                "tune": int(tune), "target_accept": float(target_accept), "link": LINKS[family],
                "criterion": criterion}
    return MAPPrior(mfit.mixture, family, df, pred, tau_summary, diag, mfit,
                    pd.DataFrame(rows), tree, settings)


__all__ = ["map_prior", "MAPPrior", "fit_mixture", "MixtureFit", "validate_table"]
