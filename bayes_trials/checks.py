"""Checks: one record shape for every comparison the report shows, and the generic rules.

Four kinds of check, one table:

1. **published vs recomputed**: the frequentist result recomputed from the data against
   what the paper printed, at the paper's precision (:func:`published_checks`);
2. **MCMC vs exact**: posterior mean, interval ends and tail probability of every quantity
   within ``N_MCSE`` Monte Carlo standard errors of the exact posterior
   (:func:`mcmc_vs_exact`);
3. **Bayesian vs frequentist**: reference-prior posteriors against frequentist intervals
   and tests; the maths differs by endpoint kind, so each kind states its own
   (``Endpoint.reference_checks``) with the record and the rules of this module;
4. **sampler diagnostics** of every sampled posterior: R-hat below ``MAX_RHAT``, bulk ESS at
   least ``MIN_ESS`` and no divergent transitions (Vehtari et al. 2021);
5. **exact vs quadrature**: a closed form that MCMC does not check (the posterior weights of
   a mixture, whose components are sampled one by one) against numerical integration.

Each check is a :class:`Check`: ``passed`` is True, False, or None when the check does not
apply (e.g. a tail probability the draws cannot resolve, where the exact value is reported).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from ._constants import CRED_LEVEL, EXACT_TOL, FAMILY_ALPHA, MAX_RHAT, MIN_ESS, N_MCSE

__all__ = [
    "Check",
    "KINDS",
    "to_frame",
    "published_checks",
    "quantile_check",
    "mcmc_vs_exact",
    "z_check",
    "family_wise",
    "family_wise_z",
    "sampler_diagnostics",
    "diagnostics_pass",
    "tail_mass_z",
    "tail_count_z",
    "N_MCSE",
    "EXACT_TOL",
    "MAX_RHAT",
    "MIN_ESS",
    "pct",
]

KINDS = (
    "published vs recomputed",
    "MCMC vs exact",
    "Bayesian vs frequentist",
    "sampler diagnostics",
    "exact vs quadrature",
)


def pct(level: float) -> str:
    """The credible level as the percentage that names columns (``eti95_low``)."""
    return f"{round(100 * level)}"


@dataclass(frozen=True)
class Check:
    """One comparison: what, ours, the reference, the tolerance, the verdict, one sentence."""

    endpoint: str
    kind: str
    name: str
    value: float | None
    reference: float | None
    tolerance: str
    passed: bool | None
    message: str
    prior: str = ""
    provenance: str = ""
    #: for an MCMC comparison, the standardised difference (MCMC - exact) / MCSE
    z: float | None = None


def to_frame(checks) -> pd.DataFrame:
    cols = list(Check.__dataclass_fields__)
    return pd.DataFrame([asdict(c) for c in checks], columns=cols)


def _recomputed(ref, item) -> float | None:
    if item.quantity == "estimate":
        return ref.estimate
    if item.quantity == "p_value":
        return ref.p_value
    if item.quantity == "percent_reduction":
        return ref.percent_reduction
    lo, hi = ref.intervals[item.method]
    return lo if item.quantity == "ci_low" else hi


BY_CONSTRUCTION = (
    "holds by construction: the data are an assumed scenario chosen to reproduce "
    "this number, so this is no validation"
)


def published_checks(endpoint: str, ref, published, assumed_data: bool = False) -> list[Check]:
    """Recomputed frequentist numbers against each published one, at its printed precision.

    A published value printed with ``decimals`` decimals on scale ``scale`` (100 for
    percentages) passes when the recomputed value, rounded the same way, equals it; a
    published bound such as "P < 0.001" passes when the recomputed value satisfies it.
    With ``assumed_data`` (counts or exposures assumed, chosen to reproduce the published
    number) the check still runs but says that it holds by construction.
    """
    out = []
    for item in published:
        ours = _recomputed(ref, item)
        if ours is None:
            out.append(
                Check(
                    endpoint,
                    KINDS[0],
                    item.describe(),
                    None,
                    item.value,
                    "-",
                    None,
                    "no target to test against",
                    provenance=item.tag,
                )
            )
            continue
        if item.relation == "below":
            passed = ours < item.value
            tol = f"recomputed < {item.value:g}"
            msg = f"recomputed {ours:.3g} {'<' if passed else '>='} printed bound {item.value:g}"
        else:
            shown = round(ours * item.scale, item.decimals)
            passed = bool(np.isclose(shown, item.value, atol=0.5 * 10.0**-item.decimals * 1e-6))
            tol = f"equal when rounded to {item.decimals} decimals" + (
                " (percent)" if item.scale == 100 else ""
            )
            msg = f"recomputed {ours * item.scale:.4f} rounds to {shown:g}; paper printed {item.value:g}"
        if item.note:
            msg += f" ({item.note})"
        if assumed_data:
            msg += f"; {BY_CONSTRUCTION}"
            tol += " (by construction)"
        out.append(
            Check(
                endpoint,
                KINDS[0],
                item.describe(),
                ours * (item.scale if item.relation != "below" else 1),
                item.value,
                tol,
                bool(passed),
                msg,
                provenance=item.tag,
            )
        )
    return out


# --- 2. MCMC vs exact ------------------------------------------------------------------
def z_check(
    endpoint: str,
    kind: str,
    name: str,
    ours,
    reference,
    diff: float,
    se: float,
    what: str,
    prior: str = "",
    z_max: float = N_MCSE,
    z: float | None = None,
) -> Check:
    """An MCMC estimate against an exact value: passes when ``|diff| <= z_max * se``.

    ``what`` describes the comparison (the verdict and the tolerance are added here);
    the standardised difference ``diff / se`` is kept as ``z``, so that a run can set one
    family-wise tolerance for all its comparisons (:func:`family_wise`). A caller that
    knows the estimate's error distribution better than a normal one passes its normal
    score as ``z`` (:func:`tail_mass_z`).
    """
    if z is None:
        z = 0.0 if diff == 0 else (diff / se if se > 0 else float("inf") * np.sign(diff))
    passed = abs(z) <= z_max
    return Check(
        endpoint,
        kind,
        name,
        ours,
        reference,
        f"{z_max:.3g} MCSE = {z_max * se:.2g}",
        bool(passed),
        f"{what} ({'within' if passed else 'outside'} {z_max:.3g} MCSE)",
        prior=prior,
        z=float(z),
    )


def family_wise_z(m: int, alpha: float = FAMILY_ALPHA) -> float:
    """The tolerance, in MCSEs, that keeps the chance of any false alarm among ``m`` MCMC
    comparisons at ``alpha`` (Bonferroni, normal errors): :math:`z^* =
    \\Phi^{-1}(1 - \\alpha / (2m))`, and never below :data:`N_MCSE`.

    >>> round(family_wise_z(1), 2), round(family_wise_z(300), 2)
    (4.0, 4.65)
    """
    return max(N_MCSE, float(stats.norm.isf(alpha / (2 * max(m, 1)))))


def family_wise(checks: list[Check], alpha: float = FAMILY_ALPHA) -> list[Check]:
    """Every MCMC comparison of a run judged at the run's family-wise tolerance.

    A re-analysis makes hundreds of MCMC-vs-exact comparisons (four per quantity and prior);
    at a fixed 4 MCSE each (a false alarm rate of 6.3e-5) a run of 300 would fail by chance
    about once in 50 runs. With :func:`family_wise_z` the whole run's false alarm rate is
    ``alpha`` (0.1%): 4.65 MCSE for 300 comparisons. Other checks are returned unchanged.
    """
    m = sum(c.z is not None for c in checks)
    z_max = family_wise_z(m, alpha)
    out = []
    for c in checks:
        if c.z is None:
            out.append(c)
            continue
        se = (
            abs(c.value - c.reference) / abs(c.z)
            if c.z not in (0.0,) and np.isfinite(c.z)
            else None
        )
        passed = abs(c.z) <= z_max
        stem = c.message.rsplit(" (within ", 1)[0].rsplit(" (outside ", 1)[0]
        tol = (
            f"{z_max:.3g} MCSE"
            + (f" = {z_max * se:.2g}" if se else "")
            + f" (family-wise {alpha:g})"
        )
        out.append(
            replace(
                c,
                passed=bool(passed),
                tolerance=tol,
                message=f"{stem} ({'within' if passed else 'outside'} {z_max:.3g} MCSE)",
            )
        )
    return out


def tail_mass_z(cdf, prob: float, ess):
    """The normal score of :math:`F(\\hat q_p)`, the exact cdf at an MCMC ``prob``-quantile,
    under its Monte Carlo distribution.

    For :math:`n` independent draws the cdf at the :math:`k`-th order statistic is
    :math:`\\text{Beta}(k, n + 1 - k)`; with the quantile's effective sample size
    :math:`\\text{ESS}_p` in place of :math:`n` this is
    :math:`\\text{Beta}(\\text{ESS}_p\\, p + 1, \\text{ESS}_p (1 - p) + 1)`, the model
    behind ArviZ's quantile MCSE. The score is :math:`\\Phi^{-1}` of that Beta's cdf at the
    observed value, so it is judged on the same scale as every other comparison. Near the
    normal limit it equals :math:`(F - p)/\\sqrt{p(1-p)/\\text{ESS}_p}`; with few effective
    draws in the tail the Beta is skewed, and the normal version would call a tail mass of
    twice its nominal value a 4.3-MCSE event when it is 65 times likelier than that
    (ESS 712, p = 0.975). ``cdf`` and ``ess`` may be arrays.

    >>> round(tail_mass_z(0.975 + 2e-4, 0.975, 1e6), 1), round(2e-4 / (0.975 * 0.025 / 1e6) ** 0.5, 1)
    (1.3, 1.3)
    >>> round(tail_mass_z(0.9498, 0.975, 712), 2)
    -3.27
    """
    a, b = np.asarray(ess, float) * prob + 1.0, np.asarray(ess, float) * (1.0 - prob) + 1.0
    lower = stats.beta.cdf(cdf, a, b)
    z = np.where(lower < 0.5, stats.norm.ppf(lower), stats.norm.isf(stats.beta.sf(cdf, a, b)))
    return float(z) if z.ndim == 0 else z


def tail_count_z(prob, exact, ess):
    """The normal score of an MCMC tail probability :math:`\\hat p` (the share of draws beyond
    a target) under its exact Monte Carlo distribution, for an exact probability ``exact``.

    With :math:`n` effective draws the number beyond the target, :math:`K = n \\hat p`, is
    :math:`\\text{Binomial}(n, p)`; the score is :math:`\\Phi^{-1}` of its mid-p distribution
    function at the observed count, :math:`P(K < k) + \\tfrac12 P(K = k)`, each tail computed
    directly (regularised incomplete beta, :math:`P(K \\ge k) = I_p(k, n - k + 1)`), which also
    extends it to the non-integer :math:`n` and :math:`k` of MCMC. With ~10 effective draws
    beyond the target the normal score :math:`(\\hat p - p)/\\sqrt{p(1-p)/n}` exceeds 3.29 in
    absolute value about 1.6 times as often as nominal (the Poisson skew: too many draws
    beyond it look rarer than they are); this one about 0.86 times (200 draws, 8 to 12
    expected beyond the target; the mid-p value of a discrete count). Near the normal limit
    the two agree. ``prob`` and ``ess`` may be arrays.

    >>> round(tail_count_z(0.5 + 1e-3, 0.5, 1e6), 2), round(1e-3 / (0.25 / 1e6) ** 0.5, 2)
    (2.0, 2.0)
    >>> round(tail_count_z(0.11, 0.05, 200), 2), round(0.06 / (0.05 * 0.95 / 200) ** 0.5, 2)
    (3.4, 3.89)
    """
    from scipy import special

    n = np.asarray(ess, float)
    k = np.clip(np.asarray(prob, float) * n, 0.0, n)
    tiny = np.finfo(float).tiny
    # P(K >= k) and P(K >= k + 1); P(K <= k - 1) and P(K <= k) (1 at the ends by convention)
    ge_k = np.where(k > 0, special.betainc(np.maximum(k, tiny), n - k + 1.0, exact), 1.0)
    ge_k1 = np.where(k < n, special.betainc(k + 1.0, np.maximum(n - k, tiny), exact), 0.0)
    le_k1 = np.where(k > 0, special.betainc(n - k + 1.0, np.maximum(k, tiny), 1.0 - exact), 0.0)
    le_k = np.where(k < n, special.betainc(np.maximum(n - k, tiny), k + 1.0, 1.0 - exact), 1.0)
    upper, lower = 0.5 * (ge_k + ge_k1), 0.5 * (le_k1 + le_k)
    z = np.where(lower < 0.5, stats.norm.ppf(lower), stats.norm.isf(upper))
    return float(z) if z.ndim == 0 else z


def quantile_check(
    endpoint: str,
    prior_name: str,
    kind: str,
    name: str,
    row: dict,
    end: str,
    prob: float,
    reference: float,
    level: float = CRED_LEVEL,
) -> Check:
    """An MCMC interval end against the exact posterior, on the probability scale.

    The exact cdf at the MCMC quantile, :math:`F(\\hat q_p)`, must lie within ``N_MCSE``
    Monte Carlo standard errors of :math:`p`, the MCSE of a tail proportion being
    :math:`\\sqrt{p(1-p)/\\text{ESS}_p}` with :math:`\\text{ESS}_p` ArviZ's quantile ESS,
    judged by its exact order-statistic distribution (:func:`tail_mass_z`) rather than the
    normal one.
    This is how a quantile's MCSE is derived in the first place, but it does not map the
    error back through the density: deep in a tail (a 2.5% quantile of 1e-13 under a prior
    piled at 0) a difference on the theta scale means nothing, on the probability scale it
    is exactly the coverage error.
    """
    p = pct(level)
    ours, cdf, ess_q = row[f"eti{p}_{end}"], row[f"eti{p}_{end}_cdf"], row[f"ess_eti{p}_{end}"]
    mcse = float(np.sqrt(prob * (1 - prob) / ess_q))
    return z_check(
        endpoint,
        kind,
        name,
        ours,
        reference,
        cdf - prob,
        mcse,
        f"MCMC {ours:.4g} vs exact {reference:.4g}; exact cdf there {cdf:.4f} vs {prob:g}, "
        f"a tail proportion with ESS {ess_q:.0f}",
        prior=prior_name,
        z=tail_mass_z(cdf, prob, ess_q),
    )


def mcmc_vs_exact(
    endpoint: str, prior_name: str, quantity, row: dict, level: float = CRED_LEVEL
) -> list[Check]:
    """Posterior mean, ETI ends and tail probability of one quantity against its exact posterior.

    The mean within ``N_MCSE`` MCSE (or the run's family-wise tolerance, :func:`family_wise`);
    the interval ends on the probability scale (:func:`quantile_check`); the tail probability
    by its binomial distribution (:func:`tail_count_z`), with the effective draws
    :math:`p(1-p)/\\text{MCSE}^2` at the exact :math:`p`. The mean is not compared (``passed`` None) when the exact
    posterior has no finite variance (a ratio of rates with no events, the median survival
    time with one event): its sample mean then obeys no central limit theorem and has no
    MCSE; the interval ends are still checked. ``quantity`` is a
    :class:`~bayes_trials.quantity.Quantity` (its label names the checks of kinds with
    several quantities); ``row`` its summary (:mod:`bayes_trials.summaries`).
    """
    p = pct(level)
    tail = (1 - level) / 2
    prefix = f"{quantity.label}: " if quantity.in_check_names else ""
    against = f" vs {quantity.exact_label}" if quantity.exact_label else ""
    out = []
    mean, exact_mean, mcse = row["mean"], row["exact_mean"], row["mcse_mean"]
    name = f"{prefix}posterior mean{against}"
    exact_sd = row.get("exact_sd")
    if not np.isfinite(exact_mean) or (exact_sd is not None and not np.isfinite(exact_sd)):
        out.append(
            Check(
                endpoint,
                KINDS[1],
                name,
                mean,
                exact_mean,
                "-",
                None,
                f"the exact posterior has no finite variance (mean {exact_mean:.4g}): its sample mean "
                "has no Monte Carlo standard error; the interval ends are checked",
                prior=prior_name,
            )
        )
    else:
        out.append(
            z_check(
                endpoint,
                KINDS[1],
                name,
                mean,
                exact_mean,
                mean - exact_mean,
                mcse,
                f"MCMC {mean:.4f} vs exact {exact_mean:.4f}: difference {abs(mean - exact_mean):.2g}",
                prior=prior_name,
            )
        )
    for end, prob in (("low", tail), ("high", 1 - tail)):
        label = f"{prefix}{p}% ETI {'lower' if end == 'low' else 'upper'} end{against}"
        out.append(
            quantile_check(
                endpoint,
                prior_name,
                KINDS[1],
                label,
                row,
                end,
                prob,
                row[f"exact_eti{p}_{end}"],
                level,
            )
        )
    if row.get("exact_prob") is not None and row.get("prob") is not None:
        ours, exact, mcse = row["prob"], row["exact_prob"], row["prob_mcse"]
        name = quantity.describe_target(row.get("parameter")) + (" vs exact" if prefix else "")
        if not row["prob_resolvable"]:
            out.append(
                Check(
                    endpoint,
                    KINDS[1],
                    name,
                    ours,
                    exact,
                    f"{N_MCSE:g} MCSE",
                    None,
                    f"beyond what {row['draws']} draws can resolve (ESS {row['ess_bulk']:.0f}); "
                    f"exact value {exact:.3g} reported",
                    prior=prior_name,
                )
            )
        else:
            # the effective draws the MCSE stands for at the exact probability
            ess_p = exact * (1.0 - exact) / mcse**2 if mcse > 0 else float(row["ess_bulk"])
            out.append(
                z_check(
                    endpoint,
                    KINDS[1],
                    name,
                    ours,
                    exact,
                    ours - exact,
                    mcse,
                    f"MCMC {ours:.4f} vs exact {exact:.4f}: difference {abs(ours - exact):.2g}, "
                    f"a tail proportion with ESS {ess_p:.0f}",
                    prior=prior_name,
                    z=tail_count_z(ours, exact, ess_p),
                )
            )
    return out


def sampler_diagnostics(endpoint: str, prior_name: str, diag: dict, what: str = "") -> list[Check]:
    """R-hat < MAX_RHAT, bulk ESS >= MIN_ESS and zero divergences for one sampled posterior.

    ``diag`` holds the worst R-hat and smallest bulk and tail ESS over the fit's quantities
    (``r_hat``, ``ess_bulk``, ``ess_tail``), its ``divergences`` and ``draws``.

    Reference: Vehtari A, Gelman A, Simpson D, Carpenter B, Buerkner P-C. Rank-normalization,
    folding, and localization: an improved R-hat. Bayesian Analysis 2021;16:667-718.
    doi:10.1214/20-BA1221
    """
    return [
        Check(
            endpoint,
            KINDS[3],
            "R-hat, bulk ESS, divergences" + (f" ({what})" if what else ""),
            diag["r_hat"],
            MAX_RHAT,
            f"R-hat < {MAX_RHAT}, ESS >= {MIN_ESS}, 0 divergences",
            diagnostics_pass(diag),
            f"R-hat {diag['r_hat']:.3f}, bulk ESS {diag['ess_bulk']:.0f}, tail ESS {diag['ess_tail']:.0f}, "
            f"{diag['divergences']} divergences in {diag['draws']} draws",
            prior=prior_name,
        )
    ]


def diagnostics_pass(diag: dict) -> bool:
    """The sampler-diagnostics verdict: R-hat < MAX_RHAT, bulk ESS >= MIN_ESS, no divergence."""
    return bool(
        diag["r_hat"] < MAX_RHAT and diag["ess_bulk"] >= MIN_ESS and diag["divergences"] == 0
    )
