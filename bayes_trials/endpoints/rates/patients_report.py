"""Report parts of a per-patient rate endpoint: tables, prose and the forest plot.

Every function reads the endpoint's :class:`~bayes_trials.EndpointResult`: the hierarchical
fits (one per prior), the comparison fit (Poisson, common effect, reference prior), the exact
aggregate-totals fit and the frequentist reference (conditional Poisson and negative-binomial
GLMs). Nothing is recomputed by sampling here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ... import _style
from ...checks import pct
from ...distributions import Normal
from ..base import Part
from .exact import no_pooling_posterior
from .model import HYPER
from .priors import REFERENCE_LOG_RR_SD


def _quantiles(draws, level) -> tuple:
    tail = (1 - level) / 2
    lo, med, hi = np.quantile(np.asarray(draws, dtype=float).ravel(), [tail, 0.5, 1 - tail])
    return float(lo), float(med), float(hi)


def _comparison_separate(endpoint, result):
    """The comparison fit when it is not one of the endpoint's own fits, else None."""
    cmp, _ = endpoint.comparison_fit(result.fits)
    return None if cmp is None or cmp.analysis.model is endpoint else cmp


def fit_summary(fit, level) -> dict:
    """One fit as one row: the rate ratio's summary, the hyperparameters' medians and
    intervals, and the worst diagnostics over all of them."""
    p = pct(level)
    r = fit.rows["rate_ratio"]
    keep = [
        "mean",
        "sd",
        "median",
        f"eti{p}_low",
        f"eti{p}_high",
        f"hdi{p}_low",
        f"hdi{p}_high",
        "prob",
        "prob_mcse",
    ]
    row = {k: r.get(k) for k in keep}
    for var in HYPER:
        if var in fit.rows:
            h = fit.rows[var]
            row.update(
                {
                    f"{var}_median": h["median"],
                    f"{var}_eti{p}_low": h[f"eti{p}_low"],
                    f"{var}_eti{p}_high": h[f"eti{p}_high"],
                }
            )
    if fit.diagnostics is not None:
        d = fit.diagnostics
        row.update(
            r_hat=d["r_hat"],
            ess_bulk=d["ess_bulk"],
            ess_tail=d["ess_tail"],
            divergences=d["divergences"],
            draws=d["draws"],
            target_accept=r.get("target_accept"),
            attempts=fit.attempts,
            seed=fit.seed,
        )
    return row


def summary_table(endpoint, result) -> pd.DataFrame:
    """Per (model, prior): the common rate ratio's mean, median, sd, ETI and HDI,
    :math:`P(\\text{RR} < \\text{target})` with its MCSE, the hyperparameters' medians and
    intervals, and diagnostics (MCMC fits); then the exact aggregate two-rate (Jeffreys)
    posterior for context."""
    p = pct(result.level)
    rows = []
    for fit in result.fits.values():
        a = fit.analysis
        if fit.posterior is not None:
            rows.append(
                {
                    "model": a.model_name,
                    "prior_name": a.prior_name,
                    "prior": repr(fit.prior),
                    **fit_summary(fit, result.level),
                }
            )
        elif "rate_ratio" in fit.exact:
            r = fit.rows["rate_ratio"]
            rows.append(
                {
                    "model": a.model_name,
                    "prior_name": a.prior_name,
                    "prior": repr(fit.prior),
                    "mean": r["exact_mean"],
                    "sd": r["exact_sd"],
                    "median": r["exact_median"],
                    f"eti{p}_low": r[f"exact_eti{p}_low"],
                    f"eti{p}_high": r[f"exact_eti{p}_high"],
                    f"hdi{p}_low": r[f"exact_hdi{p}_low"],
                    f"hdi{p}_high": r[f"exact_hdi{p}_high"],
                    "prob": r["exact_prob"],
                }
            )
    df = pd.DataFrame(rows)
    return df.dropna(axis=1, how="all").set_index(["model", "prior_name"])


def data_table(endpoint) -> pd.DataFrame:
    """The per-patient data, one row per patient (events and patient-years by period)."""
    w = endpoint.data.wide()
    w.index.name = "patient"
    return w


def patient_table(endpoint, result) -> pd.DataFrame:
    """Each patient's rate ratio posterior (median, ETI, P(RR_i < target)) per prior; only
    with a patient-varying effect (otherwise every patient's equals the common one)."""
    own = {n: f for n, f in endpoint.own_fits(result.fits).items() if f.posterior is not None}
    if not endpoint.varying_effect or not own:
        return pd.DataFrame()
    p = pct(result.level)
    w = endpoint.data.wide()
    rows = []
    for name, fit in own.items():
        draws = fit.posterior["posterior"]["patient_rate_ratio"]
        arr = draws.values.reshape(-1, draws.sizes["patient"])
        for i, pid in enumerate(endpoint.data.patients):
            lo, med, hi = _quantiles(arr[:, i], result.level)
            r = w.loc[pid]
            row = {
                "prior_name": name,
                "patient": pid,
                "events_before": r["events_before"],
                "exposure_before": r["exposure_before"],
                "events_after": r["events_after"],
                "exposure_after": r["exposure_after"],
                "median": med,
                f"eti{p}_low": lo,
                f"eti{p}_high": hi,
            }
            if endpoint.target is not None:
                below = arr[:, i] < endpoint.target
                row[
                    f"prob_rr_{'lt' if endpoint.direction == 'less' else 'gt'}_{endpoint.target:g}"
                ] = float(below.mean() if endpoint.direction == "less" else 1 - below.mean())
            rows.append(row)
    return pd.DataFrame(rows).set_index(["prior_name", "patient"])


def no_pooling(endpoint, result):
    """Conditional likelihood x the reference prior's log RR (quadrature), or None without a
    reference prior."""
    ref = endpoint.reference_prior(result.fits)
    if ref is None:
        return None, None
    prior = endpoint.own_fits(result.fits)[ref].prior
    log_rr = prior.log_rr if prior is not None else Normal(0.0, REFERENCE_LOG_RR_SD)
    return ref, no_pooling_posterior(endpoint.data, log_rr)


def comparison_table(endpoint, result) -> pd.DataFrame:
    """The common rate ratio by every analysis, Bayesian and frequentist, side by side.

    Rows: the hierarchical model under each prior; the Poisson common-effect comparison
    fit; the no-pooling posterior (conditional likelihood x reference prior, quadrature);
    the conditional Poisson and negative-binomial GLMs (MLE, Wald interval, p-value); the
    aggregate totals' exact two-rate Jeffreys posterior and exact conditional interval.
    An MLE on the boundary (no events in a period) is not shown: its column says why.
    """
    p = pct(result.level)
    ep, ref = endpoint, result.reference
    prob_col = "prob_" + ("lt" if ep.direction == "less" else "gt") + f"_{ep.target:g}"
    rows = []

    def add(analysis, kind, est, lo, hi, prob=None, p_value=None, note=""):
        rows.append(
            {
                "analysis": analysis,
                "kind": kind,
                "estimate": est,
                f"low{p}": lo,
                f"high{p}": hi,
                prob_col: prob,
                "p_value": p_value,
                "note": note,
            }
        )

    for name, fit in ep.own_fits(result.fits).items():
        if fit.posterior is None:
            continue
        r = fit.rows["rate_ratio"]
        add(
            f"hierarchical ({ep.model_name}), prior {name}",
            "Bayesian: posterior median, ETI",
            r["median"],
            r[f"eti{p}_low"],
            r[f"eti{p}_high"],
            r["prob"],
            note=f"MCMC, {r['draws']} draws",
        )
    cmp = _comparison_separate(ep, result)
    if cmp is not None:
        r = cmp.rows["rate_ratio"]
        add(
            f"{cmp.analysis.model_name.removesuffix(' (comparison)')}, prior {cmp.analysis.prior_name} "
            "(comparison model)",
            "Bayesian: posterior median, ETI",
            r["median"],
            r[f"eti{p}_low"],
            r[f"eti{p}_high"],
            r["prob"],
            note=f"MCMC, {r['draws']} draws",
        )
    ref_name, npool = no_pooling(ep, result)
    if npool is not None:
        lo, hi = npool.interval(result.level, "eti")
        add(
            f"no pooling: conditional likelihood x prior {ref_name}'s log RR",
            "Bayesian: posterior median, ETI",
            float(npool.median),
            lo,
            hi,
            ep.tail_probability(npool),
            note="exact (quadrature)",
        )
    for key, label in (
        ("conditional_poisson", "conditional Poisson GLM (patient fixed effects)"),
        ("negative_binomial", "negative-binomial GLM (NB2)"),
    ):
        res = getattr(ref, key)
        if res is None:
            add(
                label,
                "frequentist: MLE, Wald CI",
                None,
                None,
                None,
                note="not fitted: " + ("; ".join(ref.notes) or "no information"),
            )
        else:
            extra = (
                f"alpha = {res['alpha']:.3g}" if "alpha" in res else f"{res['n_patients']} patients"
            )
            add(
                label,
                "frequentist: MLE, Wald CI",
                res["rate_ratio"],
                *res["ci"],
                p_value=res["p_value"],
                note=f"statsmodels; {extra}",
            )
    totals = ep.totals_fit(result.fits)
    if totals is not None:
        post = totals.exact["rate_ratio"]
        lo, hi = post.interval(result.level, "eti")
        add(
            "aggregate totals, Jeffreys priors on both rates",
            "Bayesian: posterior median, ETI",
            float(post.median),
            lo,
            hi,
            ep.tail_probability(post),
            note="exact (beta-prime)",
        )
    tot = ref.totals
    clo, chi = tot.intervals["exact-cond"]
    boundary = tot.events_after == 0 or tot.events_before == 0
    add(
        "aggregate totals, exact conditional (binomial) test and interval",
        "frequentist: MLE, exact CI",
        None if boundary else tot.estimate,
        clo,
        None if not math.isfinite(chi) else chi,
        p_value=tot.p_values.get("exact-cond"),
        note="MLE on the boundary (no events in a period): not shown"
        if boundary
        else "statsmodels",
    )
    return pd.DataFrame(rows).set_index("analysis")


def frequentist_table(result) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"quantity": k, "value": val}
            for k, val in result.reference.as_dict().items()
            if val is not None and val != ""
        ]
    ).set_index("quantity")


def report_sections(endpoint, result) -> list:
    """The per-patient data, the rate ratio by every analysis, the posterior summary, each
    patient's rate ratio (varying effect) and the frequentist reference, as
    :class:`~bayes_trials.endpoints.base.Part` s."""
    p = pct(result.level)
    inc = {"drop": "dropped", "keep": "used", "error": "refused"}[endpoint.data.incomplete]
    assumed = "ASSUMED / " if result.assumed_fields() else ""
    sections = [
        Part(
            f"Per-patient data ({assumed}{endpoint.data_source or 'in memory'}); "
            f"patients seen in one period only: {inc}",
            data_table(endpoint),
            place="data",
            caption="Events and patient-years of each patient before and after treatment.",
        ),
        Part(
            f"Rate ratio after / before by every analysis ({p}% intervals)",
            comparison_table(endpoint, result),
            place="posterior",
            caption=(
                "The common rate ratio by every analysis, Bayesian (posterior median and equal-tailed "
                "CrI; MCMC or exact as the note says) and frequentist (MLE with its CI), side by side."
            ),
        ),
        Part(
            "Posterior summary (common rate ratio; hyperparameters; diagnostics)",
            summary_table(endpoint, result),
            place="posterior",
            compact=(
                "model",
                "prior_name",
                "median",
                f"eti{p}_low",
                f"eti{p}_high",
                "prob",
                "prob_mcse",
                "r_hat",
            ),
            caption=(
                "Per model and prior: the common rate ratio, the hyperparameters' medians and "
                f"{p}% intervals and the sampler diagnostics (MCMC), and the exact aggregate "
                "two-rate posterior for context."
            ),
        ),
    ]
    pt_ = patient_table(endpoint, result)
    if len(pt_):
        sections.append(
            Part(
                f"Each patient's rate ratio (posterior median, {p}% ETI; patient-varying effect)",
                pt_,
                place="posterior",
                caption="Each patient's own rate ratio under the patient-varying "
                "effect, per prior (MCMC).",
            )
        )
    sections.append(
        Part(
            "Frequentist reference (statsmodels; all numbers)",
            frequentist_table(result),
            place="reference",
            caption="The conditional Poisson and negative-binomial GLMs and the "
            "aggregate totals' exact tests, as statsmodels gives them.",
        )
    )
    return sections


def sentences(endpoint, result) -> list[str]:
    """The report's prose, from the same numbers as the tables."""
    p = pct(result.level)
    ep, ref = endpoint, result.reference
    out = result.assumed_sentences()
    out.append(f"Data: {ep.describe_data()}.")
    out.append(
        f"Model: {ep.model_name}; log rate = log exposure + patient's log rate before "
        "(Normal(mu, sigma^2)) + log RR after treatment; the common rate ratio is the median "
        "patient's" + (" (patients' log RRs vary with sd tau)." if ep.varying_effect else ".")
    )
    tgt = ep.describe_target()
    sampled = {n: f for n, f in ep.own_fits(result.fits).items() if f.posterior is not None}
    for name, fit in sampled.items():
        r = fit.rows["rate_ratio"]
        s = (
            f"Prior {name}: common rate ratio posterior median {r['median']:.3g} ({p}% CrI "
            f"{r[f'eti{p}_low']:.3g} to {r[f'eti{p}_high']:.3g}), reduction "
            f"{100 * (1 - r['median']):.1f}%"
        )
        if r.get("prob") is not None:
            s += f"; {tgt} = {r['prob']:.3f}"
        hyper = [
            f"{var.replace('_', ' ')} {fit.rows[var]['median']:.3g}"
            for var in HYPER
            if var in fit.rows
        ]
        out.append(s + "; posterior medians: " + ", ".join(hyper) + ".")
    if not sampled:
        out.append(
            "Method exact: the hierarchical model has no closed form and was not fitted "
            "(method mcmc fits it); the frequentist and aggregate exact analyses are shown."
        )
    cp, nb = ref.conditional_poisson, ref.negative_binomial
    if cp is not None:
        out.append(
            f"Conditional Poisson (patient fixed effects): RR {cp['rate_ratio']:.3g} ({p}% Wald CI "
            f"{cp['ci'][0]:.3g} to {cp['ci'][1]:.3g}), p = {cp['p_value']:.3g}."
        )
    if nb is not None:
        out.append(
            f"Negative binomial: RR {nb['rate_ratio']:.3g} ({p}% Wald CI {nb['ci'][0]:.3g} to "
            f"{nb['ci'][1]:.3g}), overdispersion alpha {nb['alpha']:.3g}."
        )
    if cp is None or nb is None:
        out.append(
            "Frequentist GLMs not (all) fitted: "
            + ("; ".join(ref.notes) or "no information")
            + ". No maximum-likelihood rate ratio is reported; the posteriors above stay finite."
        )
    totals = ep.totals_fit(result.fits)
    if totals is not None:
        post = totals.exact["rate_ratio"]
        lo, hi = post.interval(result.level, "eti")
        out.append(
            f"For context, the aggregate totals under Jeffreys priors on both rates (exact): median "
            f"{post.median:.3g} ({p}% CrI {lo:.3g} to {hi:.3g}); this ignores who had the events."
        )
    out.append(result.checks_sentence())
    return out


@_style.styled
def figure(endpoint, result):
    """Forest plot (log scale): each patient's rate ratio (varying effect), the common rate
    ratio under each prior, the no-pooling posterior, the conditional Poisson and NB
    estimates with Wald intervals, and the aggregate Jeffreys posterior."""
    import matplotlib.pyplot as plt

    ep = endpoint
    p = pct(result.level)
    rows = []  # (label, estimate or None, lo, hi, colour, marker)
    pt_ = patient_table(ep, result)
    if len(pt_):
        first = pt_.index.get_level_values("prior_name")[0]
        for pid, r in pt_.loc[first].iterrows():
            rows.append(
                (
                    f"patient {pid} ({first})",
                    r["median"],
                    r[f"eti{p}_low"],
                    r[f"eti{p}_high"],
                    "0.45",
                    "s",
                )
            )
    colours = {"Bayesian": _style.BAYES_COLOUR, "frequentist": _style.FREQUENTIST_COLOUR}
    for label, r in comparison_table(ep, result).iterrows():
        col = colours[r["kind"].split(":")[0]]
        rows.append(
            (
                _style.wrap(label, 60),
                r["estimate"],
                r[f"low{p}"],
                r[f"high{p}"],
                col,
                "o" if col == _style.BAYES_COLOUR else "D",
            )
        )
    fig, ax = plt.subplots(figsize=(_style.FULL_WIDTH, 0.3 * len(rows) + 1.2))
    finite = [
        x
        for _, e, lo, hi, *_ in rows
        for x in (e, lo, hi)
        if x is not None and not pd.isna(x) and 0 < x < math.inf
    ]
    xmin = max(min(finite) / 2, 1e-4) if finite else 1e-3
    xmax = max(finite) * 2 if finite else 10.0
    for k, (_label, est, lo, hi, col, mk) in enumerate(rows):
        y = len(rows) - k
        lo_ = xmin if lo is None or pd.isna(lo) or lo <= xmin else lo
        hi_ = xmax if hi is None or pd.isna(hi) or hi >= xmax else hi
        if not (lo is None or pd.isna(lo)) or not (hi is None or pd.isna(hi)):
            ax.plot([lo_, hi_], [y, y], color=col, lw=1.4)
        if est is not None and not pd.isna(est) and est > 0:
            ax.plot(max(est, xmin), y, mk, color=col, ms=4.5)
        elif est is None or pd.isna(est):
            ax.text(xmin, y, "  MLE not shown (boundary)", va="center", fontsize=6.5, color=col)
    ax.set_yticks(range(len(rows), 0, -1), [r[0] for r in rows], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(xmin, xmax)
    _style.plain_log_axis(ax, "x")
    ax.axvline(1.0, color=_style.TARGET_COLOUR, ls=":", lw=1)
    if ep.target is not None:
        ax.axvline(ep.target, color=_style.TARGET_COLOUR, ls="--", lw=1)
    ax.set_xlabel(f"rate ratio after / before (point estimate, {p}% interval; log scale)")
    fig.tight_layout()
    return fig


def figure_caption(endpoint, result) -> str:
    p = pct(result.level)
    tag = " The data are ASSUMED / ILLUSTRATIVE." if result.assumed_fields() else ""
    target = "" if endpoint.target is None else f"; dashed: the target {endpoint.target:g}"
    return (
        f"{endpoint.label}: rate ratios after / before on a log scale, each with its {p}% interval: each "
        "patient's own (grey squares, patient-varying effect, first prior), the common rate ratio by every "
        "Bayesian analysis (blue circles: posterior median and equal-tailed CrI) and frequentist analysis "
        f"(vermillion diamonds: MLE and CI); dotted: no change{target}.{tag}"
    )
