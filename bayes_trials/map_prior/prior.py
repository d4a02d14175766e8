"""MAP priors: :func:`map_prior` fits the model and returns a :class:`MAPPrior`."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import _style
from .. import _validate as v
from .._constants import CRED_LEVEL, MAX_RHAT, MIN_ESS
from ..distributions import HalfCauchy, HalfNormal, Mixture, Normal
from ..errors import PriorError, StatisticalWarning
from ..ess import ess as _ess
from ..fit import CACHE, derive_seed, sample
from ..summaries import mcmc_diagnostics
from .mixture_fit import MixtureFit, fit_mixture
from .model import RandomEffectsModel
from .predictive import PREDICTIVE_POINTS, approximation, conditional, predictive
from .table import FAMILIES, LINKS, MIXTURE_FAMILY, inverse_link, observed_summary, validate_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..distributions import Distribution


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
        rows = [
            {
                "quantity": q,
                "predictive": p[q],
                "mcse": p["mcse_" + q],
                "mixture": a[q],
                "difference": a[q] - p[q],
            }
            for q in ("mean", "sd", "cri95_low", "cri95_high")
        ]
        rows.append(
            {
                "quantity": "max_cdf_diff",
                "predictive": np.nan,
                "mcse": np.nan,
                "mixture": np.nan,
                "difference": a["max_cdf_diff"],
            }
        )
        return pd.DataFrame(rows).set_index("quantity")

    @_style.styled
    def plot_forest(self, ax: Axes | None = None) -> Axes:
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
        ax.errorbar(
            s["observed"],
            ypos + 0.12,
            xerr=[s["observed"] - s["ci95_low"], s["ci95_high"] - s["observed"]],
            fmt="o",
            mfc="white",
            color="0.4",
            capsize=2,
            ms=4.5,
            label=f"observed ({pct} CI)",
        )
        ax.errorbar(
            s["shrunken_mean"],
            ypos - 0.12,
            xerr=[s["shrunken_mean"] - s["cri95_low"], s["cri95_high"] - s["shrunken_mean"]],
            fmt="s",
            color=_style.ROLE_COLOURS["historical"][1],
            capsize=2,
            ms=4,
            label=f"model estimate ({pct} CrI)",
        )
        lo, hi = self.mixture.interval(level)
        ax.errorbar(
            [self.mixture.mean],
            [0.0],
            xerr=[[self.mixture.mean - lo], [hi - self.mixture.mean]],
            fmt="D",
            color=_style.ROLE_COLOURS["historical"][0],
            capsize=2,
            ms=5,
            label=f"MAP prior for a new study ({pct} CrI)",
        )
        ax.set_yticks(list(ypos) + [0.0], list(s["study"]) + ["MAP (new study)"])
        ax.set_xlabel(
            {
                "binomial": "probability (proportion of patients)",
                "poisson": "event rate",
                "normal": "mean",
            }[self.family]
        )
        _style.legend_below(ax, ncol=3, bbox_to_anchor=(0.5, -0.18 - 0.3 / max(k, 1)))
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


def map_prior(
    table: pd.DataFrame,
    family: str = "binomial",
    tau_prior: Distribution = HalfNormal(1.0),
    intercept_prior: Distribution = Normal(0.0, 2.0),
    seed: int = 0,
    draws: int = 1000,
    chains: int = 4,
    tune: int = 1000,
    target_accept: float = 0.95,
    components: Sequence[int] = (1, 2, 3, 4),
    criterion: str = "aic",
    cache: str | os.PathLike | None = None,
    **deprecated,
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
    seed : int
        (``random_seed=`` is the old name.)
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
    Four historical control arms (illustrative counts):

    >>> import pandas as pd
    >>> history = pd.DataFrame({"study": ["A", "B", "C", "D"], "n": [75, 55, 94, 53],
    ...                         "events": [61, 39, 72, 44]})
    >>> mp = map_prior(history, "binomial", seed=1)       # doctest: +SKIP
    >>> mp.mixture, round(mp.ess(), 1)                    # doctest: +SKIP
    >>> mp.summary()                                      # doctest: +SKIP
    """

    seed = v.renamed(deprecated, "random_seed", "seed", seed)
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
    model = RandomEffectsModel(df, family, tau_prior, intercept_prior)
    run = {
        "draws": int(draws),
        "tune": int(tune),
        "chains": int(chains),
        "seed": int(seed),
        "target_accept": float(target_accept),
    }
    tree = sample(model, None, cache=cache, **run)
    refits = []
    first = _divergences(tree)
    if first:
        run = dict(
            run,
            tune=2 * run["tune"],
            target_accept=1 - (1 - run["target_accept"]) / 5,
            seed=derive_seed(int(seed), "map_prior refit"),
        )
        tree = sample(model, None, cache=cache, **run)
        refits.append(
            {
                "divergences_before": first,
                "tune": run["tune"],
                "target_accept": run["target_accept"],
                "seed": run["seed"],
                "divergences": _divergences(tree),
            }
        )

    diag = {
        "r_hat": {},
        "ess_bulk": {},
        "ess_tail": {},
        "divergences": _divergences(tree),
        "target_accept": run["target_accept"],
        "tune": run["tune"],
        "refits": refits,
    }
    for var in ("mu", "tau"):
        d = mcmc_diagnostics(tree, var)
        diag["r_hat"][var] = d["r_hat"]
        diag["ess_bulk"][var] = d["ess_bulk"]
        diag["ess_tail"][var] = d["ess_tail"]
    problems = [
        f"R-hat of {v_} {r:.3f} >= {MAX_RHAT}" for v_, r in diag["r_hat"].items() if r >= MAX_RHAT
    ]
    problems += [
        f"bulk ESS of {v_} {e:.0f} < {MIN_ESS}" for v_, e in diag["ess_bulk"].items() if e < MIN_ESS
    ]
    if diag["divergences"]:
        problems.append(
            f"{diag['divergences']} divergent transition(s)" + (" after a refit" if refits else "")
        )
    if problems:
        warnings.warn("MAP prior fit: " + "; ".join(problems), StatisticalWarning, stacklevel=2)

    post = tree["posterior"]
    tau = np.asarray(post["tau"].values, dtype=float).ravel()
    q = (1 - CRED_LEVEL) / 2
    tau_summary = {
        "mean": float(tau.mean()),
        "sd": float(tau.std(ddof=1)),
        "median": float(np.median(tau)),
        "cri95_low": float(np.quantile(tau, q)),
        "cri95_high": float(np.quantile(tau, 1 - q)),
    }
    theta = np.asarray(post["theta"].values, dtype=float)
    shape = theta.shape[:2]
    theta = theta.reshape(-1, len(df))
    cond = conditional(theta, intercept_prior.mean, intercept_prior.sd, tau_prior)
    pred, points, grid = predictive(cond, family, shape)
    mfit = fit_mixture(points, MIXTURE_FAMILY[family], components=components, criterion=criterion)
    approx = approximation(mfit.mixture, family, grid)

    resp = inverse_link(family, theta)
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        obs, lo, hi = observed_summary(row, family, CRED_LEVEL)
        rows.append(
            {
                "study": row["study"],
                "observed": obs,
                "ci95_low": lo,
                "ci95_high": hi,
                "shrunken_mean": float(resp[:, i].mean()),
                "cri95_low": float(np.quantile(resp[:, i], q)),
                "cri95_high": float(np.quantile(resp[:, i], 1 - q)),
            }
        )
    settings = {
        "tau_prior": tau_prior,
        "intercept_prior": intercept_prior,
        "seed": int(seed),
        "draws": int(draws),
        "chains": int(chains),
        "tune": int(tune),
        "target_accept": float(target_accept),
        "link": LINKS[family],
        "criterion": criterion,
        "predictive_points": PREDICTIVE_POINTS,
    }
    return MAPPrior(
        mfit.mixture,
        family,
        df,
        points,
        tau_summary,
        diag,
        pred,
        approx,
        mfit,
        pd.DataFrame(rows),
        tree,
        settings,
    )
