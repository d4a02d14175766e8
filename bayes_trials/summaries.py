"""Posterior summaries of one quantity: MCMC numbers beside their exact counterparts.

The one place that computes ArviZ summaries and diagnostics. Column names carry the
credible level and interval kind (``eti95_low``, ``hdi95_high``): ``eti`` is the
equal-tailed credible interval, ``hdi`` the highest-density one; ``exact_`` columns come
from the exact posterior. Rounding is left to display.
"""

from __future__ import annotations

import numpy as np

from ._constants import CRED_LEVEL, MIN_TAIL_DRAWS
from .checks import pct
from .distributions import Mixture
from .errors import PriorError
from .ess import ess

__all__ = [
    "pct",
    "prior_columns",
    "evidence_columns",
    "exact_columns",
    "mcmc_columns",
    "tail_probability",
    "fit_diagnostics",
    "mcmc_diagnostics",
    "stratified_columns",
    "MIN_TAIL_DRAWS",
]


def prior_columns(prior) -> dict:
    """Prior mean and effective sample size for the summary table.

    The ESS is the ELIR (Neuenschwander et al. 2020); where it is undefined (a Beta mixture
    with a component parameter below 1, whose local information is not integrable, as in
    RBesT) the moment-matching ESS is reported and ``prior_ess_method`` says so. A bundle of
    priors (one Gamma per period, say) has no single mean or ESS.
    """
    if not hasattr(prior, "family"):
        return {
            "prior_distribution": repr(prior),
            "prior_mean": None,
            "prior_ess": None,
            "prior_ess_method": None,
        }
    try:
        value, method = ess(prior, method="elir"), "elir"
    except PriorError:
        value, method = ess(prior, method="moment"), "moment"
    return {
        "prior_distribution": repr(prior),
        "prior_mean": prior.mean,
        "prior_ess": value,
        "prior_ess_method": method,
    }


def evidence_columns(prior, data, posterior) -> dict:
    """Prior-data conflict (Box's p) and, for mixtures, the posterior component weights.

    For a robust mixture the last component is the vague one, and its posterior weight says
    how much the data pushed the analysis away from the informative part. Only for one
    conjugate prior and its data (Beta / binomial, Gamma / Poisson, Normal / normal).
    """
    from .data import Binary, NormalData, Rate
    from .predictive import prior_data_conflict

    if not (hasattr(prior, "family") and isinstance(data, (Binary, Rate, NormalData))):
        return {}
    out = {"conflict_p": float(prior_data_conflict(prior, data, warn=False).p_value)}
    if isinstance(posterior, Mixture):
        out["prior_weights"] = "/".join(f"{w:.3f}" for w in prior.weights)
        out["posterior_weights"] = "/".join(f"{w:.3f}" for w in posterior.weights)
    return out


def exact_columns(quantity, posterior, level: float = CRED_LEVEL) -> dict:
    """Mean, sd, median, ETI, HDI and tail probability of an exact posterior."""
    p = pct(level)
    lo, hi = posterior.interval(level, "eti")
    hlo, hhi = posterior.interval(level, "hdi")
    return {
        "exact_mean": posterior.mean,
        "exact_sd": posterior.sd,
        "exact_median": posterior.median,
        f"exact_eti{p}_low": lo,
        f"exact_eti{p}_high": hi,
        f"exact_hdi{p}_low": hlo,
        f"exact_hdi{p}_high": hhi,
        "exact_prob": quantity.tail_probability(posterior),
    }


def tail_probability(draws, quantity, ess_bulk: float, exact_prob: float | None = None):
    """:math:`P(q > \\text{target})` (or ``<``) from the draws, its MCSE and whether the draws
    resolve it: the one rule every summary and check uses.

    The MCSE is ArviZ's MCSE of the mean of the indicator draws, floored by the binomial
    value :math:`\\sqrt{p(1-p)/\\text{ESS}}` at the exact probability (at the estimate when
    there is none), so that all draws beyond the target never claim a zero error. The draws
    resolve :math:`p` when at least ``MIN_TAIL_DRAWS`` effective draws are expected on its
    minority side, :math:`\\min(p, 1-p)\\,\\text{ESS} \\ge 10`; otherwise report the exact value.

    Returns ``(prob, mcse, resolvable)``, or ``(None, None, None)`` without a target.
    """
    import arviz as az

    if quantity.target is None:
        return None, None, None
    beyond = draws > quantity.target if quantity.direction == "greater" else draws < quantity.target
    indicator = beyond.astype(float)
    prob = float(indicator.mean())
    mcse = float(az.mcse(indicator, method="mean")) if 0 < prob < 1 else 0.0
    ref = prob if exact_prob is None else exact_prob
    floor = float(np.sqrt(ref * (1 - ref) / ess_bulk))
    return prob, max(mcse, floor), bool(min(ref, 1 - ref) * ess_bulk >= MIN_TAIL_DRAWS)


def mcmc_columns(quantity, draws, level: float = CRED_LEVEL, exact=None) -> dict:
    """ArviZ summary of one quantity's draws, its tail probability with MCSE, its R-hat/ESS.

    With the exact posterior ``exact`` given, also the exact cdf at each MCMC interval end
    (``eti95_low_cdf``) and the ESS of that quantile, for the probability-scale check of
    :func:`bayes_trials.checks.mcmc_vs_exact`.
    """
    import arviz as az

    p = pct(level)
    tail = (1 - level) / 2
    hdi = az.hdi(draws, prob=level).values
    eti = az.eti(draws, prob=level).values
    ess_bulk = float(az.ess(draws, method="bulk"))
    out = {
        "mean": float(draws.mean()),
        "sd": float(draws.std()),
        "median": float(draws.median()),
        f"eti{p}_low": float(eti[0]),
        f"eti{p}_high": float(eti[1]),
        f"hdi{p}_low": float(hdi[0]),
        f"hdi{p}_high": float(hdi[1]),
        "mcse_mean": float(az.mcse(draws, method="mean")),
        f"mcse_eti{p}_low": float(az.mcse(draws, method="quantile", prob=tail)),
        f"mcse_eti{p}_high": float(az.mcse(draws, method="quantile", prob=1 - tail)),
        f"ess_eti{p}_low": float(az.ess(draws, method="quantile", prob=tail)),
        f"ess_eti{p}_high": float(az.ess(draws, method="quantile", prob=1 - tail)),
        "prob": None,
        "prob_mcse": None,
        "prob_resolvable": None,
        "ess_bulk": ess_bulk,
        "ess_tail": float(az.ess(draws, method="tail")),
        "r_hat": float(az.rhat(draws)),
    }
    exact_prob = None
    if exact is not None:
        out[f"eti{p}_low_cdf"] = float(exact.cdf(out[f"eti{p}_low"]))
        out[f"eti{p}_high_cdf"] = float(exact.cdf(out[f"eti{p}_high"]))
        exact_prob = quantity.tail_probability(exact)
    prob, mcse, resolvable = tail_probability(draws, quantity, ess_bulk, exact_prob)
    out.update(prob=prob, prob_mcse=mcse, prob_resolvable=resolvable)
    return out


def mcmc_diagnostics(tree, var: str) -> dict:
    """R-hat, bulk and tail ESS of one variable of a posterior, and the fit's divergences."""
    import arviz as az

    post = tree["posterior"][var]
    div = tree["sample_stats"]["diverging"] if "sample_stats" in tree.children else None
    return {
        "r_hat": float(az.rhat(post)),
        "ess_bulk": float(az.ess(post, method="bulk")),
        "ess_tail": float(az.ess(post, method="tail")),
        "divergences": int(div.sum()) if div is not None else 0,
    }


def fit_diagnostics(tree, rows: dict) -> dict:
    """The fit's worst R-hat, smallest bulk and tail ESS over its quantities, its divergent
    transitions and its number of draws (chains x draws)."""
    div = tree["sample_stats"]["diverging"] if "sample_stats" in tree.children else None
    post = tree["posterior"]
    first = next(iter(post.data_vars.values()))
    return {
        "r_hat": max(r["r_hat"] for r in rows.values()),
        "ess_bulk": min(r["ess_bulk"] for r in rows.values()),
        "ess_tail": min(r["ess_tail"] for r in rows.values()),
        "divergences": int(div.sum()) if div is not None else 0,
        "draws": int(first.sizes["draw"] * first.sizes["chain"]),
    }


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, probs) -> np.ndarray:
    """Quantiles of a weighted sample: the smallest value whose cumulative weight reaches p."""
    order = np.argsort(values)
    v, cw = values[order], np.cumsum(weights[order])
    idx = np.searchsorted(cw, np.asarray(probs) * cw[-1], side="left")
    return v[np.clip(idx, 0, v.size - 1)]


def _weighted_hdi(values: np.ndarray, weights: np.ndarray, level: float) -> tuple[float, float]:
    """The shortest interval holding ``level`` of a weighted sample's mass (two pointers)."""
    order = np.argsort(values)
    v, cw = values[order], np.concatenate([[0.0], np.cumsum(weights[order])])
    need = level * cw[-1]
    # for each left end i, the first right end j with cw[j + 1] - cw[i] >= need
    j = np.searchsorted(cw, cw[:-1] + need, side="left") - 1
    ok = j < v.size
    i = np.flatnonzero(ok)
    width = v[j[ok]] - v[i]
    best = int(np.argmin(width))
    return float(v[i[best]]), float(v[j[ok][best]])


def stratified_columns(
    quantity,
    parts: list,
    weights,
    level: float = CRED_LEVEL,
    exact=None,
    exact_parts: list | None = None,
) -> dict:
    """The MCMC summary of a mixture posterior sampled component by component.

    A posterior :math:`\\sum_k w_k p_k(\\theta \\mid y)` (a mixture prior updated by
    conjugate data: :math:`w_k` the exact posterior weights) is estimated by sampling each
    :math:`p_k` on its own and weighting: every estimate is a stratified one,

    .. math:: \\hat\\mu = \\sum_k w_k \\hat\\mu_k, \\qquad
              \\text{MCSE}(\\hat\\mu)^2 = \\sum_k w_k^2\\, \\text{MCSE}(\\hat\\mu_k)^2,

    the same for a tail probability (each component's MCSE floored by its binomial value
    at the exact component probability, as :func:`tail_probability` does), quantiles and the
    HDI from the weighted draws, and an interval end :math:`\\hat q` judged on the probability
    scale with :math:`\\text{se}(\\hat F(\\hat q))^2 = \\sum_k w_k^2 F_k(1 - F_k)/\\text{ESS}_k`
    (``ess_eti95_*`` report the effective draws :math:`p(1-p)/\\text{se}^2`). Each component is
    unimodal, where NUTS is reliable; a mixture posterior with separated modes is not.

    ``parts`` are the components' draws of this quantity (DataArrays over chain and draw);
    ``exact`` the whole posterior and ``exact_parts`` each component's, when known.
    """
    import arviz as az

    p = pct(level)
    tail = (1 - level) / 2
    w = np.asarray(weights, float)
    w = w / w.sum()
    flat = [np.asarray(x.values, float).ravel() for x in parts]
    means = np.array([x.mean() for x in flat])
    varis = np.array([x.var() for x in flat])
    mcse_k = np.array([float(az.mcse(x, method="mean")) for x in parts])
    ess_k = np.array([float(az.ess(x, method="bulk")) for x in parts])
    mean = float(w @ means)
    var = float(w @ (varis + means**2) - mean**2)
    mcse_mean = float(np.sqrt(np.sum(w**2 * mcse_k**2)))
    values = np.concatenate(flat)
    dw = np.concatenate([np.full(x.size, wk / x.size) for x, wk in zip(flat, w)])
    lo, med, hi = _weighted_quantile(values, dw, [tail, 0.5, 1 - tail])
    hlo, hhi = _weighted_hdi(values, dw, level)
    out = {
        "mean": mean,
        "sd": float(np.sqrt(max(var, 0.0))),
        "median": float(med),
        f"eti{p}_low": float(lo),
        f"eti{p}_high": float(hi),
        f"hdi{p}_low": hlo,
        f"hdi{p}_high": hhi,
        "mcse_mean": mcse_mean,
    }
    for end, q, prob in (("low", lo, tail), ("high", hi, 1 - tail)):
        below = [(x <= q).astype(float) for x in parts]
        f_k = np.array([float(b.mean()) for b in below])
        ess_q = np.array(
            [
                float(az.ess(b, method="bulk")) if 0 < fk < 1 else float(b.size)
                for b, fk in zip(below, f_k)
            ]
        )
        se_f = float(np.sqrt(np.sum(w**2 * f_k * (1 - f_k) / ess_q)))
        se_f = max(se_f, float(np.sqrt(prob * (1 - prob) / ess_q.sum())))
        out[f"ess_eti{p}_{end}"] = prob * (1 - prob) / se_f**2
        dens = float(exact.pdf(q)) if exact is not None else np.nan
        out[f"mcse_eti{p}_{end}"] = se_f / dens if dens > 0 else np.nan
        if exact is not None:
            out[f"eti{p}_{end}_cdf"] = float(exact.cdf(q))
    out["ess_bulk"] = float(ess_k.min())  # the diagnostic: the weakest component's
    out["ess_tail"] = float(min(float(az.ess(x, method="tail")) for x in parts))
    out["r_hat"] = float(max(float(az.rhat(x)) for x in parts))
    out.update(prob=None, prob_mcse=None, prob_resolvable=None)
    if quantity.target is not None:
        probs, ses = [], []
        for k, x in enumerate(parts):
            ref = None if not exact_parts else quantity.tail_probability(exact_parts[k])
            pk, sk, _ = tail_probability(x, quantity, ess_k[k], ref)
            probs.append(pk)
            ses.append(sk)
        prob = float(w @ np.array(probs))
        mcse = float(np.sqrt(np.sum(w**2 * np.array(ses) ** 2)))
        ref = quantity.tail_probability(exact) if exact is not None else prob
        ess_eff = ref * (1 - ref) / mcse**2 if mcse > 0 else float(ess_k.sum())
        out.update(
            prob=prob,
            prob_mcse=mcse,
            prob_resolvable=bool(min(ref, 1 - ref) * ess_eff >= MIN_TAIL_DRAWS),
        )
    return out
