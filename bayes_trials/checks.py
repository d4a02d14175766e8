"""The three kinds of check, as one table.

1. **published vs recomputed**: the frequentist result recomputed from the data against
   what the paper printed, at the paper's precision;
2. **MCMC vs exact**: posterior mean, interval ends and tail probability within
   ``N_MCSE`` Monte Carlo standard errors of the conjugate posterior;
3. **Bayesian vs frequentist**: reference-prior posteriors against frequentist intervals
   and tests, with documented tolerances;

and, for every sampled posterior, **sampler diagnostics**: R-hat below ``MAX_RHAT``, bulk
ESS at least ``MIN_ESS`` and no divergent transitions (Vehtari et al. 2021).

Each check is a :class:`Check`: ``passed`` is True, False, or None when the check does not
apply (e.g. a tail probability the draws cannot resolve, where the exact value is reported).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .priors import CRED_LEVEL, Beta
from .summaries import pct

#: MCMC estimates must lie within this many Monte Carlo standard errors of the exact value
N_MCSE = 4.0
#: exact-vs-exact identities hold to floating-point accuracy
EXACT_TOL = 1e-9

MAX_RHAT = 1.01
MIN_ESS = 400

KINDS = ("published vs recomputed", "MCMC vs exact", "Bayesian vs frequentist", "sampler diagnostics")


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


def to_frame(checks) -> pd.DataFrame:
    cols = list(Check.__dataclass_fields__)
    return pd.DataFrame([asdict(c) for c in checks], columns=cols)


# --- 1. published vs recomputed --------------------------------------------------------
def _recomputed(ref, item) -> float | None:
    if item.quantity == "estimate":
        return ref.estimate
    if item.quantity == "p_value":
        return ref.p_value
    if item.quantity == "percent_reduction":
        return ref.percent_reduction
    lo, hi = ref.intervals[item.method]
    return lo if item.quantity == "ci_low" else hi


BY_CONSTRUCTION = ("holds by construction: the data are an assumed scenario chosen to reproduce "
                   "this number, so this is no validation")


def published_checks(endpoint, ref, published, assumed_data: bool = False) -> list[Check]:
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
            out.append(Check(endpoint.name, KINDS[0], item.describe(), None, item.value,
                             "-", None, "no target to test against", provenance=item.tag))
            continue
        if item.relation == "below":
            passed = ours < item.value
            tol = f"recomputed < {item.value:g}"
            msg = f"recomputed {ours:.3g} {'<' if passed else '>='} printed bound {item.value:g}"
        else:
            shown = round(ours * item.scale, item.decimals)
            passed = bool(np.isclose(shown, item.value, atol=0.5 * 10.0**-item.decimals * 1e-6))
            tol = f"equal when rounded to {item.decimals} decimals" + (
                " (percent)" if item.scale == 100 else "")
            msg = f"recomputed {ours * item.scale:.4f} rounds to {shown:g}; paper printed {item.value:g}"
        if item.note:
            msg += f" ({item.note})"
        if assumed_data:
            msg += f"; {BY_CONSTRUCTION}"
            tol += " (by construction)"
        out.append(Check(endpoint.name, KINDS[0], item.describe(), ours * (item.scale if item.relation != "below" else 1),
                         item.value, tol, bool(passed), msg, provenance=item.tag))
    return out


# --- 2. MCMC vs exact ------------------------------------------------------------------
def quantile_check(endpoint, prior_name, kind, name, row, end: str, prob: float, reference: float,
                   level: float = CRED_LEVEL) -> Check:
    """An MCMC interval end against the exact posterior, on the probability scale.

    The exact cdf at the MCMC quantile, :math:`F(\\hat q_p)`, must lie within ``N_MCSE``
    Monte Carlo standard errors of :math:`p`, the MCSE of a tail proportion being
    :math:`\\sqrt{p(1-p)/\\text{ESS}_p}` with :math:`\\text{ESS}_p` ArviZ's quantile ESS.
    This is how a quantile's MCSE is derived in the first place, but it does not map the
    error back through the density: deep in a tail (a 2.5% quantile of 1e-13 under a prior
    piled at 0) a difference on the theta scale means nothing, on the probability scale it
    is exactly the coverage error.
    """
    p = pct(level)
    ours, cdf, ess_q = row[f"eti{p}_{end}"], row[f"eti{p}_{end}_cdf"], row[f"ess_eti{p}_{end}"]
    mcse = float(np.sqrt(prob * (1 - prob) / ess_q))
    passed = abs(cdf - prob) <= N_MCSE * mcse
    return Check(
        endpoint.name, kind, name, ours, reference, f"|F(q) - {prob:g}| <= {N_MCSE:g} MCSE = {N_MCSE * mcse:.2g}",
        bool(passed),
        f"MCMC {ours:.4g} vs exact {reference:.4g}; exact cdf there {cdf:.4f} vs {prob:g} "
        f"({'within' if passed else 'outside'} {N_MCSE:g} MCSE of a tail proportion, ESS {ess_q:.0f})",
        prior=prior_name)


def mcmc_vs_exact(endpoint, prior_name: str, row: dict, level: float = CRED_LEVEL) -> list[Check]:
    """Posterior mean, ETI ends and tail probability against the exact posterior.

    The mean and the tail probability within ``N_MCSE`` MCSE; the interval ends on the
    probability scale (:func:`quantile_check`).
    """
    p = pct(level)
    tail = (1 - level) / 2
    out = []
    mean, exact_mean, mcse = row["mean"], row["exact_mean"], row["mcse_mean"]
    passed = abs(mean - exact_mean) <= N_MCSE * mcse
    out.append(Check(
        endpoint.name, KINDS[1], "posterior mean", mean, exact_mean, f"{N_MCSE:g} MCSE = {N_MCSE * mcse:.2g}",
        bool(passed), f"MCMC {mean:.4f} vs exact {exact_mean:.4f}: difference {abs(mean - exact_mean):.2g} "
        f"{'within' if passed else 'outside'} {N_MCSE:g} MCSE", prior=prior_name))
    for end, prob in (("low", tail), ("high", 1 - tail)):
        label = f"{p}% ETI {'lower' if end == 'low' else 'upper'} end"
        out.append(quantile_check(endpoint, prior_name, KINDS[1], label, row, end, prob,
                                  row[f"exact_eti{p}_{end}"], level))
    if row.get("exact_prob") is not None:
        ours, exact, mcse = row["prob"], row["exact_prob"], row["prob_mcse"]
        name = endpoint.describe_target()
        if not row["prob_resolvable"]:
            out.append(Check(
                endpoint.name, KINDS[1], name, ours, exact, f"{N_MCSE:g} MCSE", None,
                f"beyond what {row['draws']} draws can resolve (ESS {row['ess_bulk']:.0f}); "
                f"exact value {exact:.3g} reported", prior=prior_name))
        else:
            passed = abs(ours - exact) <= N_MCSE * mcse
            out.append(Check(
                endpoint.name, KINDS[1], name, ours, exact, f"{N_MCSE:g} MCSE = {N_MCSE * mcse:.2g}",
                bool(passed), f"MCMC {ours:.4f} vs exact {exact:.4f}: difference {abs(ours - exact):.2g} "
                f"{'within' if passed else 'outside'} {N_MCSE:g} MCSE", prior=prior_name))
    return out


def sampler_diagnostics(endpoint, prior_name: str, row: dict) -> list[Check]:
    """R-hat < MAX_RHAT, bulk ESS >= MIN_ESS and zero divergences for one sampled posterior.

    Reference: Vehtari A, Gelman A, Simpson D, Carpenter B, Buerkner P-C. Rank-normalization,
    folding, and localization: an improved R-hat. Bayesian Analysis 2021;16:667-718.
    doi:10.1214/20-BA1221
    """
    ok = row["r_hat"] < MAX_RHAT and row["ess_bulk"] >= MIN_ESS and row["divergences"] == 0
    return [Check(
        endpoint.name, KINDS[3], "R-hat, bulk ESS, divergences", row["r_hat"], MAX_RHAT,
        f"R-hat < {MAX_RHAT}, ESS >= {MIN_ESS}, 0 divergences", bool(ok),
        f"R-hat {row['r_hat']:.3f}, bulk ESS {row['ess_bulk']:.0f}, tail ESS {row['ess_tail']:.0f}, "
        f"{row['divergences']} divergences in {row['draws']} draws", prior=prior_name)]


# --- 3. Bayesian vs frequentist --------------------------------------------------------
def bayes_vs_frequentist(endpoint, ref, jeffreys_row: dict | None, level: float = CRED_LEVEL) -> list[Check]:
    """Reference-prior posteriors against the frequentist analysis, for the endpoint's kind."""
    if endpoint.kind == "rate_ratio":
        return _rates_vs_frequentist(endpoint, ref, jeffreys_row, level)
    return _binary_vs_frequentist(endpoint, ref, jeffreys_row, level)


def _rates_vs_frequentist(endpoint, ref, jeffreys_row, level) -> list[Check]:
    """The Jeffreys-prior rate ratio against the conditional binomial analysis.

    Given the total :math:`y_a + y_b`, :math:`y_a` is binomial with
    :math:`p = \\text{RR}\\,E_a / (\\text{RR}\\,E_a + E_b)`. Under Jeffreys priors on both rates
    the posterior of :math:`p` is Beta(:math:`y_a + 1/2, y_b + 1/2`), so the Jeffreys-prior
    interval of RR is the statsmodels Jeffreys interval of :math:`p` mapped to RR
    (identity), and lies inside the exact conditional (Clopper-Pearson) interval.
    """
    from statsmodels.stats.proportion import proportion_confint

    p = pct(level)
    ya, yb = ref.events_after, ref.events_before
    ea, eb = ref.exposure_after, ref.exposure_before
    to_rr = lambda q: q * eb / ((1 - q) * ea) if q < 1 else np.inf  # noqa: E731
    plo, phi = proportion_confint(ya, ya + yb, alpha=1 - level, method="jeffreys")
    jl, jh = to_rr(plo), to_rr(phi)
    exact = endpoint.exact_posterior(endpoint.reference_priors()["jeffreys"]).interval(level, "eti")
    name = endpoint.name
    out = []
    for end, ours, theirs in (("lower", exact[0], jl), ("upper", exact[1], jh)):
        diff = abs(ours - theirs) / max(abs(theirs), 1e-12)
        out.append(Check(name, KINDS[2], f"Jeffreys-prior {p}% ETI of RR, {end} end (exact) vs conditional Jeffreys interval",
                         ours, theirs, "relative 1e-6", bool(diff <= 1e-6), f"relative difference {diff:.2g}",
                         prior="jeffreys"))
    if jeffreys_row is not None:
        tail = (1 - level) / 2
        for end, prob, theirs in (("low", tail, jl), ("high", 1 - tail, jh)):
            out.append(quantile_check(
                endpoint, "jeffreys", KINDS[2],
                f"Jeffreys-prior {p}% ETI of RR, {'lower' if end == 'low' else 'upper'} end (MCMC) vs conditional Jeffreys interval",
                jeffreys_row, end, prob, theirs, level))
    cl, ch = ref.intervals["exact-cond"]
    inside = cl <= jl * (1 + 1e-9) and jh <= ch * (1 + 1e-9)
    out.append(Check(name, KINDS[2], f"Jeffreys {p}% interval of RR inside the exact conditional interval",
                     None, None, "containment", bool(inside),
                     f"Jeffreys [{jl:.4f}, {jh:.4f}] {'within' if inside else 'not within'} exact conditional "
                     f"[{cl:.4f}, {ch:.4f}]"))
    return out


def _binary_vs_frequentist(endpoint, ref, jeffreys_row: dict | None, level: float = CRED_LEVEL) -> list[Check]:
    """Reference-prior posterior against frequentist intervals and the exact test.

    - the exact Jeffreys-prior Beta(k + 1/2, n - k + 1/2) ETI equals statsmodels' Jeffreys
      interval (identity, tolerance 1e-9);
    - the MCMC Jeffreys-prior ETI is within N_MCSE MCSE of it;
    - the Jeffreys interval lies inside the Clopper-Pearson interval (a theorem:
      Beta(k+1/2, n-k+1/2) is stochastically between Beta(k, n-k+1) and Beta(k+1, n-k));
    - the exact one-sided p-value equals the posterior tail under the limiting prior
      Beta(0, 1) ("greater") or Beta(1, 0) ("less"): P(X >= k | p0) = P(Beta(k, n-k+1) <= p0).
    """
    p = pct(level)
    k, n = ref.events, ref.n
    jl, jh = ref.intervals["jeffreys"]
    cl, ch = ref.intervals["clopper-pearson"]
    exact = Beta(k + 0.5, n - k + 0.5).interval(level, "eti")
    name = endpoint.name
    out = []
    for end, ours, theirs in (("lower", exact[0], jl), ("upper", exact[1], jh)):
        diff = abs(ours - theirs)
        out.append(Check(name, KINDS[2], f"Jeffreys-prior {p}% ETI {end} end (exact) vs Jeffreys interval",
                         ours, theirs, f"{EXACT_TOL:g}", bool(diff <= EXACT_TOL),
                         f"difference {diff:.2g}", prior="jeffreys"))
    if jeffreys_row is not None:
        tail = (1 - level) / 2
        for end, prob, theirs in (("low", tail, jl), ("high", 1 - tail, jh)):
            out.append(quantile_check(
                endpoint, "jeffreys", KINDS[2],
                f"Jeffreys-prior {p}% ETI {'lower' if end == 'low' else 'upper'} end (MCMC) vs Jeffreys interval",
                jeffreys_row, end, prob, theirs, level))
    inside = cl <= jl + 1e-12 and jh <= ch + 1e-12
    out.append(Check(name, KINDS[2], f"Jeffreys {p}% interval inside Clopper-Pearson {p}% interval",
                     None, None, "containment", bool(inside),
                     f"Jeffreys [{jl:.4f}, {jh:.4f}] within Clopper-Pearson [{cl:.4f}, {ch:.4f}]"
                     if inside else f"Jeffreys [{jl:.4f}, {jh:.4f}] not within [{cl:.4f}, {ch:.4f}]"))
    if ref.p_value is not None:
        p0 = ref.target
        if ref.alternative == "greater":
            limit = 1.0 if k == 0 else float(stats.beta.cdf(p0, k, n - k + 1))
            limit_name = "Beta(0, 1)"
        else:
            limit = 1.0 if k == n else float(stats.beta.sf(p0, k + 1, n - k))
            limit_name = "Beta(1, 0)"
        diff = abs(limit - ref.p_value)
        out.append(Check(name, KINDS[2], f"exact one-sided p-value vs posterior tail under {limit_name}",
                         ref.p_value, limit, f"{EXACT_TOL:g}", bool(diff <= EXACT_TOL * max(1, limit)),
                         f"p = {ref.p_value:.4g}; posterior tail {limit:.4g}"))
    return out


# --- reported effects ------------------------------------------------------------------
def reported_checks(rs) -> list[Check]:
    """Is a printed estimate and CI consistent with a normal likelihood on the analysis scale?

    On the log scale for ratios (natural scale for differences) a Wald interval is
    symmetric about the estimate. The printed numbers are rounded to ``decimals``; the check
    passes when the asymmetry :math:`|g(\\hat\\theta) - (g(l) + g(u))/2|` is within what rounding
    can explain, :math:`\\tfrac12 10^{-d}\\,(|g'(\\hat\\theta)| + |g'(l)|/2 + |g'(u)|/2)`, with
    :math:`g = \\log` for ratios (derivative :math:`1/x`) and the identity for differences.
    """
    est, lo, hi = rs.estimate.value, rs.ci_low.value, rs.ci_high.value
    half = 0.5 * 10.0 ** -rs.decimals
    if rs.scale == "ratio":
        g, dg = np.log, (lambda x: 1.0 / x)
    else:
        g, dg = (lambda x: x), (lambda x: 1.0)
    asym = abs(g(est) - (g(lo) + g(hi)) / 2)
    tol = half * (dg(est) + dg(lo) / 2 + dg(hi) / 2)
    scale_name = "log" if rs.scale == "ratio" else "natural"
    return [Check(
        rs.id, KINDS[0], f"{rs.measure} {est:g} ({lo:g} to {hi:g}): symmetric on the {scale_name} scale",
        asym, 0.0, f"rounding at {rs.decimals} decimals: {tol:.2g}", bool(asym <= tol),
        f"asymmetry {asym:.3g} on the {scale_name} scale; printed precision explains up to {tol:.2g}"
        + ("" if asym <= tol else ": the normal likelihood is an approximation here"),
        provenance=rs.estimate.tag)]
