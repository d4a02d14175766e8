"""Posterior summaries: MCMC numbers beside their exact counterparts, rounding left to display.

Column names carry the credible level and interval kind (``eti95_low``, ``hdi95_high``):
``eti`` is the equal-tailed credible interval, ``hdi`` the highest-density one.
"""

from __future__ import annotations

import numpy as np

from .errors import PriorError
from .ess import ess
from .fit import diagnostics
from .priors import CRED_LEVEL, Mixture

#: a tail probability is "resolvable" by the draws when at least this many effective
#: draws are expected on its minority side; otherwise the exact value is reported
MIN_TAIL_DRAWS = 10


def pct(level: float) -> str:
    return f"{round(100 * level)}"


def prior_columns(prior) -> dict:
    """Prior mean and effective sample size for the summary table.

    The ESS is the ELIR (Neuenschwander et al. 2020); where it is undefined (a Beta mixture
    with a component parameter below 1, whose local information is not integrable, as in
    RBesT) the moment-matching ESS is reported and ``prior_ess_method`` says so.
    """
    if not hasattr(prior, "family"):
        # a bundle of priors (e.g. one Gamma per period): no single ESS or mean
        return {"prior": repr(prior), "prior_mean": None, "prior_ess": None, "prior_ess_method": None}
    try:
        value, method = ess(prior, method="elir"), "elir"
    except PriorError:
        value, method = ess(prior, method="moment"), "moment"
    return {"prior": repr(prior), "prior_mean": prior.mean, "prior_ess": value,
            "prior_ess_method": method}


def evidence_columns(prior, data, posterior) -> dict:
    """Prior-data conflict (Box's p) and, for mixtures, the posterior component weights.

    For a robust mixture the last component is the vague one, and its posterior weight says
    how much the data pushed the analysis away from the informative part.
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


def exact_columns(endpoint, posterior, level: float = CRED_LEVEL) -> dict:
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
        "exact_prob": endpoint.tail_probability(posterior),
    }


def mcmc_columns(endpoint, tree, level: float = CRED_LEVEL, exact=None) -> dict:
    """ArviZ summary of the draws, the tail probability with its MCSE, and diagnostics.

    With the exact posterior ``exact`` given, also the exact cdf at each MCMC interval end
    (``eti95_low_cdf``) and the ESS of that quantile, for the probability-scale check of
    :func:`bayes_trials.checks.mcmc_vs_exact`.

    The MCSE of a tail probability is ArviZ's MCSE of the mean of the indicator draws,
    floored by the binomial value :math:`\\sqrt{p(1-p)/\\text{ESS}}` at the exact
    probability so that all-draws-beyond-target does not claim a zero error.
    """
    import arviz as az

    p = pct(level)
    var = endpoint.parameter
    post = tree["posterior"][var]
    tail = (1 - level) / 2
    diag = diagnostics(tree, var)
    hdi = az.hdi(post, prob=level).values
    eti = az.eti(post, prob=level).values
    out = {
        "mean": float(post.mean()),
        "sd": float(post.std()),
        "median": float(post.median()),
        f"eti{p}_low": float(eti[0]),
        f"eti{p}_high": float(eti[1]),
        f"hdi{p}_low": float(hdi[0]),
        f"hdi{p}_high": float(hdi[1]),
        "mcse_mean": float(az.mcse(post, method="mean")),
        f"mcse_eti{p}_low": float(az.mcse(post, method="quantile", prob=tail)),
        f"mcse_eti{p}_high": float(az.mcse(post, method="quantile", prob=1 - tail)),
        f"ess_eti{p}_low": float(az.ess(post, method="quantile", prob=tail)),
        f"ess_eti{p}_high": float(az.ess(post, method="quantile", prob=1 - tail)),
        "prob": None,
        "prob_mcse": None,
        "prob_resolvable": None,
        "ess_bulk": diag.ess_bulk,
        "ess_tail": diag.ess_tail,
        "r_hat": diag.r_hat,
        "divergences": diag.divergences,
        "draws": diag.draws * diag.chains,
    }
    exact_prob = None
    if exact is not None:
        out[f"eti{p}_low_cdf"] = float(exact.cdf(out[f"eti{p}_low"]))
        out[f"eti{p}_high_cdf"] = float(exact.cdf(out[f"eti{p}_high"]))
        exact_prob = endpoint.tail_probability(exact)
    if endpoint.target is not None:
        beyond = post > endpoint.target if endpoint.direction == "greater" else post < endpoint.target
        indicator = beyond.astype(float)
        prob = float(indicator.mean())
        mcse = float(az.mcse(indicator, method="mean")) if 0 < prob < 1 else 0.0
        ref = prob if exact_prob is None else exact_prob
        floor = float(np.sqrt(ref * (1 - ref) / diag.ess_bulk))
        out["prob"] = prob
        out["prob_mcse"] = max(mcse, floor)
        out["prob_resolvable"] = bool(min(ref, 1 - ref) * diag.ess_bulk >= MIN_TAIL_DRAWS)
    return out
