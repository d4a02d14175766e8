"""Report parts of the two-arm kinds: tables, prose and the figure, from one result.

Every function reads an :class:`~bayes_trials.results.EndpointResult` of a two-arm endpoint:
its tidy table (one row per analysis x quantity), its fits' exact posteriors, its frequentist
reference (with the notes on numbers that are undefined for the data) and its spec.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..._format import fmt_prob
from ...checks import pct
from ...compare import NULL
from .exact import CONTRASTS

#: the posterior summary columns a report shows ({p}: the credible level in %)
SUMMARY_COLUMNS = [
    "exact_mean",
    "exact_median",
    "exact_eti{p}_low",
    "exact_eti{p}_high",
    "exact_hdi{p}_low",
    "exact_hdi{p}_high",
    "target",
    "exact_prob",
    "mean",
    "eti{p}_low",
    "eti{p}_high",
    "prob",
    "prob_mcse",
    "r_hat",
    "ess_bulk",
    "divergences",
]
#: how quantities read in a report
LABELS = {
    "p_treatment": "risk (treatment)",
    "p_control": "risk (control)",
    "risk_difference": "risk difference",
    "risk_ratio": "risk ratio",
    "odds_ratio": "odds ratio",
    "vaccine_efficacy": "vaccine efficacy",
    "rate_treatment": "rate (treatment)",
    "rate_control": "rate (control)",
    "rate_ratio": "rate ratio",
    "rate_difference": "rate difference",
    "case_split": "treatment share of cases",
    "mean_treatment": "mean (treatment)",
    "mean_control": "mean (control)",
    "difference": "difference in means",
}


def summary_table(endpoint, result) -> pd.DataFrame:
    """One row per (analysis, quantity): exact posterior, the margin and the probability
    beyond it, and the MCMC numbers beside them when sampled."""
    p = pct(result.level)
    t = result.table()
    if not len(t):
        return t
    t = t.rename(columns={"prior": "prior_name"})
    t["target"] = [endpoint.margin(q) for q in t["quantity"]]
    cols = [c.format(p=p) for c in SUMMARY_COLUMNS if c.format(p=p) in t.columns]
    return t.set_index(["prior_name", "quantity"])[cols]


def priors_table(endpoint, result) -> pd.DataFrame:
    """Per analysis: the prior of each arm (or the case-split / log-RR prior), its effective
    sample size, Box's prior-data conflict p-value and the posterior mixture weights."""
    rows = []
    keep = (
        "prior_treatment",
        "prior_ess_treatment",
        "conflict_p_treatment",
        "posterior_weights_treatment",
        "prior_control",
        "prior_ess_control",
        "conflict_p_control",
        "posterior_weights_control",
        "prior_ess_share",
        "conflict_p_share",
    )
    for name, fit in result.fits.items():
        first = next(iter(fit.rows.values()))
        row = {"prior_name": name, "prior": first.get("prior_distribution")}
        row.update({k: first[k] for k in keep if first.get(k) is not None})
        rows.append(row)
    return pd.DataFrame(rows).set_index("prior_name")


def frequentist_table(endpoint, result) -> pd.DataFrame:
    """The frequentist reference of the endpoint's measures: estimate and intervals, then the
    tests (the CSV of the report keeps every measure)."""
    ref = result.reference
    p = pct(ref.level)
    rows = []
    shown = set(endpoint.measures) | (
        {"odds_ratio_conditional"} if "odds_ratio" in endpoint.measures else set()
    )
    for measure, est in ref.estimates.items():
        if measure not in shown:
            continue
        rows.append({"quantity": f"{LABELS.get(measure, measure)}: estimate", "value": _num(est)})
        for (m, meth), ci in ref.intervals.items():
            if m == measure:
                rows.append(
                    {
                        "quantity": f"{LABELS.get(measure, measure)}: {meth} {p}% CI",
                        "value": "not computable (see notes)"
                        if ci is None
                        else f"{ci[0]:.5g} to {ci[1]:.5g}",
                    }
                )
    for test, pv in ref.p_values.items():
        rows.append(
            {"quantity": f"p-value: {test}", "value": "undefined" if pv is None else f"{pv:.4g}"}
        )
    return pd.DataFrame(rows).set_index("quantity")


def _num(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "undefined"
    if isinstance(x, float) and math.isinf(x):
        return "infinite" if x > 0 else "-infinite"
    return f"{x:.5g}"


def nnt_table(endpoint, result) -> pd.DataFrame:
    """The number needed to treat, derived from the risk difference (Altman 1998): per
    analysis, :math:`1/|\\text{RD}|` at the posterior median and at the ends of its credible
    interval; an interval that includes no difference is given as NNT (benefit) to infinity to
    NNT (harm).

    Altman DG. Confidence intervals for the number needed to treat. BMJ 1998;317:1309-1312.
    doi:10.1136/bmj.317.7168.1309
    """
    rows = []
    sign = 1.0 if endpoint.direction == "greater" else -1.0
    for name, fit in result.fits.items():
        rd = fit.exact.get("risk_difference")
        if rd is None:
            continue
        lo, hi = rd.interval(result.level)
        med = float(rd.ppf(0.5))
        b_lo, b_hi = sorted((sign * lo, sign * hi))  # benefit scale: positive = benefit
        if b_lo > 0:
            interval = f"NNTB {1 / b_hi:.1f} to {1 / b_lo:.1f}"
        elif b_hi < 0:
            interval = f"NNTH {1 / -b_lo:.1f} to {1 / -b_hi:.1f}"
        else:
            interval = (
                f"NNTB {1 / b_hi:.1f} to infinity to NNTH {1 / -b_lo:.1f}"
                if b_lo < 0 and b_hi > 0
                else "unbounded"
            )
        b_med = sign * med
        point = (
            "infinite"
            if b_med == 0
            else (f"NNTB {1 / b_med:.1f}" if b_med > 0 else f"NNTH {1 / -b_med:.1f}")
        )
        rows.append(
            {
                "prior_name": name,
                "risk_difference_median": med,
                "nnt_at_median": point,
                f"nnt_from_{pct(result.level)}_cri": interval,
            }
        )
    return pd.DataFrame(rows).set_index("prior_name") if rows else pd.DataFrame()


def report_sections(endpoint, result) -> list:
    """The analyses' priors, the frequentist reference and its notes, the posterior summary,
    the number needed to treat (risks), and the decision rule's boundary and OCs."""
    sections = [
        (
            "Analyses: the prior of each arm, its ESS and prior-data conflict",
            priors_table(endpoint, result),
        ),
        ("Frequentist reference (recomputed)", frequentist_table(endpoint, result)),
    ]
    if result.reference.notes:
        sections.append(
            (
                "Undefined or infinite for these data",
                " ".join(f"{n[0].upper()}{n[1:]}." for n in result.reference.notes),
            )
        )
    sections.append(
        (
            "Posterior summary (exact; MCMC beside when sampled; margins as 'target')",
            summary_table(endpoint, result),
        )
    )
    if endpoint.kind == "two_arm_binary":
        nnt = nnt_table(endpoint, result)
        if len(nnt):
            sections.append(("Number needed to treat (derived: 1 / risk difference)", nnt))
    if endpoint.decision is not None:
        from .design import design_sections

        sections += design_sections(endpoint, result)
    return sections


def sentences(endpoint, result) -> list[str]:
    """The report's prose, from the same numbers as the tables."""
    p = pct(result.level)
    ref = result.reference
    arms = endpoint.arms
    out = [
        f"Observed {endpoint.describe_data()} ({arms[0]} vs {arms[1]}).",
        *result.assumed_sentences(),
    ]
    est = "; ".join(
        f"{LABELS.get(m, m)} {_num(x)}"
        for m, x in ref.estimates.items()
        if m in endpoint.measures or m == "difference"
    )
    out.append(f"Frequentist estimates: {est}.")
    if ref.notes:
        out.append(
            "Undefined for these data: "
            + "; ".join(ref.notes)
            + ". Every posterior below is proper "
            "and finite."
        )
    if result.method == "exact":
        out.append("Exact posteriors only (method exact: nothing sampled).")
    for name, fit in result.fits.items():
        parts = []
        for q in endpoint.measures:
            post = fit.exact.get(q)
            if post is None:
                continue
            lo, hi = post.interval(result.level)
            s = f"{LABELS.get(q, q)} {float(post.ppf(0.5)):.4g} ({p}% CrI {lo:.4g} to {hi:.4g})"
            target = endpoint.margin(q)
            if target is not None:
                sign = ">" if endpoint.quantity_direction(q) == "greater" else "<"
                prob = float(post.sf(target) if sign == ">" else post.cdf(target))
                s += f", P({LABELS.get(q, q)} {sign} {target:g}) = {fmt_prob(prob)}"
            parts.append(s)
        out.append(f"Under {name} ({fit.prior!r}): posterior median " + "; ".join(parts) + ".")
    out.append(result.checks_sentence())
    return out


def _xrange(posts, measure, level=0.995):
    lo = min(float(d.ppf(1 - level)) for d in posts)
    hi = max(float(d.ppf(level)) for d in posts)
    return lo, hi


def figure(endpoint, result):
    """Exact posterior densities of each contrast under each analysis (ratios on a log axis),
    the margin marked."""
    import matplotlib.pyplot as plt

    names = [q for q in endpoint.measures if any(q in f.exact for f in result.fits.values())]
    fig, axes = plt.subplots(
        1, max(len(names), 1), figsize=(4.2 * max(len(names), 1), 3.6), squeeze=False
    )
    for ax, q in zip(axes[0], names):
        fits = [(n, f) for n, f in result.fits.items() if q in f.exact]
        posts = [f.exact[q] for _, f in fits]
        lo, hi = _xrange(posts, q)
        ratio = CONTRASTS[q][0] != "difference" and not CONTRASTS[q][1]
        if ratio:
            lo = max(lo, hi * 1e-6)
            x = np.exp(np.linspace(np.log(lo), np.log(hi), 300))
        else:
            x = np.linspace(lo, hi, 300)
        order = list(result.fits)
        for n, f in fits:
            dens = np.asarray(f.exact[q].pdf(x), dtype=float)
            ax.plot(
                x, dens * (x if ratio else 1.0), color=f"C{order.index(n) % 10}", lw=1.6, label=n
            )
        target = endpoint.margin(q)
        if target is not None:
            ax.axvline(target, color="k", ls=":", lw=1, label=f"margin {target:g}")
        elif CONTRASTS.get(q) and CONTRASTS[q][0] in NULL:
            ax.axvline(NULL[CONTRASTS[q][0]], color="k", ls=":", lw=1)
        if ratio:
            ax.set_xscale("log")
        ax.set_xlabel(LABELS.get(q, q) + (" (log scale; density of log)" if ratio else ""))
        ax.set_yticks([])
        ax.legend(fontsize=6, frameon=False)
    fig.suptitle(f"{endpoint.label}: {endpoint.describe_data()} (exact posteriors)", fontsize=9)
    fig.tight_layout()
    return fig


__all__ = [
    "summary_table",
    "priors_table",
    "frequentist_table",
    "nnt_table",
    "report_sections",
    "sentences",
    "figure",
    "LABELS",
]
