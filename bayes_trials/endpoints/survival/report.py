"""Report parts of a ``time_to_event`` endpoint: tables, prose and the survival-curve figure.

Everything is read from the :class:`~bayes_trials.results.EndpointResult`: its fits (one per
model and prior: ``rows``, ``posterior``, the model and the prior), its frequentist reference
(:class:`~bayes_trials.endpoints.survival.reference.SurvivalReference`) and its spec.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import _style
from ...checks import pct
from ..base import Part
from .model import group_name
from .reference import greenwood_interval, km_fit

#: the columns of the posterior summary a report shows, in order ({p}: the level in %)
SUMMARY_COLUMNS = [
    "mean",
    "sd",
    "median",
    "eti{p}_low",
    "eti{p}_high",
    "prob",
    "prob_mcse",
    "exact_mean",
    "exact_sd",
    "exact_median",
    "exact_eti{p}_low",
    "exact_eti{p}_high",
    "exact_prob",
    "ess_bulk",
    "r_hat",
]

COLOURS = {
    "exponential": _style.PALETTE[0],
    "weibull": _style.PALETTE[1],
    "piecewise": _style.PALETTE[2],
}


def _quantiles(fit, t: float, gi: int, g, level: float) -> tuple[float, float, float]:
    """Lower end, median and upper end of the posterior of S(t): from the draws when sampled,
    else exactly from the exponential model's Gamma hazard, :math:`S = e^{-\\lambda t}`."""
    tail = (1 - level) / 2
    if fit.posterior is not None:
        s = fit.model.survival_draws(fit.posterior, t, gi)
        return tuple(float(x) for x in np.quantile(s, [tail, 0.5, 1 - tail]))
    post = fit.model.hazard_posteriors(fit.prior)[g]
    lam = np.asarray(post.ppf(np.array([1 - tail, 0.5, tail])), dtype=float)
    return tuple(float(x) for x in np.exp(-lam * t))


def landmark_table(result) -> pd.DataFrame:
    """S(t) at every landmark: Kaplan-Meier (Greenwood interval) beside each posterior
    (median and equal-tailed credible interval; exact for the exponential model when not
    sampled)."""
    p = pct(result.level)
    ep = result.endpoint
    rows = []
    for gi, g in enumerate(ep.groups):
        kmf = km_fit(ep.data.subset(g), result.level)
        for t in ep.landmarks:
            lo, hi = greenwood_interval(kmf, t, result.level)
            rows.append(
                {
                    "landmark": t,
                    "group": group_name(g),
                    "estimate": "Kaplan-Meier (Greenwood)",
                    "value": float(kmf.survival_function_at_times(t).iloc[0]),
                    f"int{p}_low": lo,
                    f"int{p}_high": hi,
                }
            )
            for name, fit in result.fits.items():
                lo, med, hi = _quantiles(fit, t, gi, g, result.level)
                rows.append(
                    {
                        "landmark": t,
                        "group": group_name(g),
                        "estimate": f"posterior median: {name}",
                        "value": med,
                        f"int{p}_low": lo,
                        f"int{p}_high": hi,
                    }
                )
    return pd.DataFrame(rows).set_index(["landmark", "group", "estimate"])


def display_summary(result) -> pd.DataFrame:
    """The tidy table as a statistician reads it: one row per quantity, model and prior."""
    p = pct(result.level)
    t = result.table().set_index(["quantity", "model", "prior"])
    cols = [c.format(p=p) for c in SUMMARY_COLUMNS if c.format(p=p) in t.columns]
    return t[cols].dropna(axis=1, how="all")


def frequentist_table(result) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"quantity": k, "value": val}
            for k, val in result.reference.as_dict().items()
            if val is not None
        ]
    ).set_index("quantity")


def diagnostics_table(result) -> pd.DataFrame:
    """Per sampled fit: worst R-hat, smallest ESS, divergences, draws and the sampler settings."""
    rows = []
    for name, fit in result.fits.items():
        if fit.diagnostics is None:
            continue
        row = next(iter(fit.rows.values()))
        rows.append(
            {
                "fit": name,
                **fit.diagnostics,
                "target_accept": row.get("target_accept"),
                "attempts": fit.attempts,
                "seed": fit.seed,
            }
        )
    return pd.DataFrame(rows).set_index("fit") if rows else pd.DataFrame()


def benchmark_table(result) -> pd.DataFrame:
    """P(S(landmark) > value) for each benchmark of the spec, per fit and group: ``prob`` from
    the draws, ``exact_prob`` from the exponential model's Gamma hazard,
    :math:`P(\\lambda < -\\log s_0 / t^*)`."""
    ep = result.endpoint
    L = ep.landmark
    rows = []
    for bm in result.spec.benchmarks if result.spec is not None else ():
        for name, fit in result.fits.items():
            for gi, g in enumerate(ep.groups):
                row = {
                    "endpoint": ep.name,
                    "benchmark": bm.name,
                    "comparison": f"P(S({L:g}) > {bm.value:g})",
                    "tag": bm.tag,
                    "group": group_name(g),
                    "prior_name": name,
                    "prob": None,
                    "exact_prob": None,
                }
                if fit.posterior is not None:
                    row["prob"] = float(
                        (fit.model.survival_draws(fit.posterior, L, gi) > bm.value).mean()
                    )
                if fit.analysis.model_name == "exponential":
                    post = fit.model.hazard_posteriors(fit.prior)[g]
                    row["exact_prob"] = float(post.cdf(-np.log(bm.value) / L))
                rows.append(row)
    return pd.DataFrame(rows)


def report_sections(result) -> list:
    """The reconstruction, the frequentist reference, survival at the landmarks, the
    posterior summary, the benchmarks and the sampler diagnostics, as
    :class:`~bayes_trials.endpoints.base.Part` s."""
    p = pct(result.level)
    ep = result.endpoint
    sections = []
    rec = ep.reconstruction_table()
    if rec is not None:
        sections.append(
            Part(
                "Reconstruction from the digitised curve (Guyot et al. 2012)",
                rec,
                place="data",
                caption="The patient data reconstructed from the digitised Kaplan-Meier curve and "
                "the numbers at risk: how well they reproduce the curve.",
            )
        )
    sections.append(
        Part(
            "Frequentist reference (lifelines: Kaplan-Meier, exponential, Weibull"
            + (", Cox, log-rank" if ep.n_groups == 2 else "")
            + ")",
            frequentist_table(result),
            place="reference",
            caption="The frequentist analyses recomputed with lifelines.",
        )
    )
    sections.append(
        Part(
            f"Survival at the landmarks ({ep.time_unit}): Kaplan-Meier and posteriors, {p}% intervals",
            landmark_table(result),
            place="posterior",
            caption=(
                f"S(t) at each landmark: Kaplan-Meier with its Greenwood {p}% CI beside each model and "
                "prior's posterior median and equal-tailed CrI (exact for the exponential model when "
                "not sampled)."
            ),
        )
    )
    diag = diagnostics_table(result)
    bench = benchmark_table(result)
    if len(bench):
        sections.append(
            Part(
                "Benchmarks (external rates): P(S(landmark) > benchmark)",
                bench.set_index(["benchmark", "group", "prior_name"]).drop(columns=["endpoint"]),
                caption="The posterior probability that survival at the landmark exceeds each "
                "benchmark: MCMC (prob) and exact for the exponential model (exact_prob).",
            )
        )
    if len(diag):
        sections.append(
            Part(
                "Sampler settings and diagnostics per fit",
                diag,
                caption="Per sampled fit: the worst R-hat, the smallest ESS, divergences, draws, the "
                "target acceptance, the attempts of the retry policy and the seed.",
            )
        )
    return sections


def sentences(result) -> list[str]:
    """The prose: the data, Kaplan-Meier (and Cox), S(landmark) per model and prior with
    P(S(landmark) > target), and the checks."""
    ep, ref = result.endpoint, result.reference
    p = pct(result.level)
    L, u = ep.landmark, ep.time_unit
    out = result.assumed_sentences()
    out.append(f"Data: {ep.describe_data()}.")
    if ep.reconstruction:
        out.append(
            f"Patient data reconstructed from {len(ep.reconstruction['curve'])} digitised points and "
            f"{len(ep.reconstruction['at_risk'])} numbers at risk by the algorithm of Guyot et al. "
            "(BMC Med Res Methodol 2012;12:9); they reproduce the curve, not the original patients."
        )
    for g in ep.groups:
        gl = "" if g is None else f" ({g})"
        lo, hi = ref.km_greenwood[g]
        med = ref.km_median[g]
        out.append(
            f"Kaplan-Meier{gl}: S({L:g} {u}) = {ref.km_survival[g]:.3f} (Greenwood {p}% CI "
            f"{lo:.3f} to {hi:.3f}); median {'not reached' if not np.isfinite(med) else f'{med:.3g} {u}'}."
        )
    if ep.n_groups == 2:
        lo, hi = ref.cox_hr_ci
        out.append(
            f"Cox hazard ratio {ref.cox_hr:.3f} ({p}% CI {lo:.3f} to {hi:.3f}); "
            f"log-rank p = {ref.logrank_p:.3g}."
        )
    for fit in result.fits.values():
        src = "" if fit.posterior is not None else "exact_"
        a = fit.analysis
        for g in ep.groups:
            r = fit.rows[f"survival[{group_name(g)}]"]
            s = (
                f"{a.model_name} model, {a.prior_name} prior{'' if g is None else f' ({g})'}: S({L:g}) "
                f"posterior median {r[src + 'median']:.3f} ({p}% CrI {r[f'{src}eti{p}_low']:.3f} to "
                f"{r[f'{src}eti{p}_high']:.3f})"
            )
            prob = r.get("exact_prob") if r.get("exact_prob") is not None else r.get("prob")
            if ep.target is not None and prob is not None:
                s += f"; P(S({L:g}) > {ep.target:g}) = {prob:.3f}"
            out.append(s + ".")
    if result.method == "exact":
        out.append(
            "Method exact: only the exponential model (conjugate) was fitted; the Weibull and "
            "piecewise models need method mcmc."
        )
    out.append(result.checks_sentence())
    return out


@_style.styled
def figure(result, n_grid: int = 120, max_draws: int = 800):
    """Posterior survival curves (median and credible band) per model, one panel per prior,
    over the Kaplan-Meier curve (with its log-log interval) and the digitised points."""
    import matplotlib.pyplot as plt

    ep, level = result.endpoint, result.level
    fits = {(f.analysis.model_name, f.analysis.prior_name): f for f in result.fits.values()}
    priors = list(dict.fromkeys(pname for _, pname in fits))
    ncol = min(len(priors), 2)
    nrow = -(-len(priors) // ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(_style.FULL_WIDTH, 2.9 * nrow), squeeze=False, sharey=True, sharex=True
    )
    grid = np.linspace(0.0, float(ep.data.time.max()), n_grid)
    styles = ["-", "--"]
    for ax, pname in zip(axes.ravel(), priors):
        for gi, g in enumerate(ep.groups):
            kmf = km_fit(ep.data.subset(g), level)
            sf, ci = kmf.survival_function_, kmf.confidence_interval_survival_function_
            ax.step(
                sf.index,
                sf.iloc[:, 0],
                where="post",
                color="k",
                lw=1.2,
                ls=styles[gi],
                label="Kaplan-Meier" + ("" if g is None else f" ({g})"),
            )
            ax.fill_between(
                ci.index, ci.iloc[:, 0], ci.iloc[:, 1], step="post", color="k", alpha=0.08
            )
            for model in ep.models:
                fit = fits.get((model, pname))
                if fit is None:
                    continue
                sub = fit.model
                if fit.posterior is not None:
                    params = sub._params(fit.posterior)
                    n = next(iter(params.values())).shape[0]
                    keep = np.linspace(0, n - 1, min(n, max_draws)).astype(int)
                    params = {k: val[keep] for k, val in params.items()}
                    s = np.stack([np.exp(-sub._cumhaz(params, t, gi)) for t in grid], axis=1)
                else:
                    post = sub.hazard_posteriors(fit.prior)[g]
                    lam = np.asarray(post.ppf(np.linspace(0.0005, 0.9995, 1000)), dtype=float)
                    s = np.exp(-np.outer(lam, grid))
                lo, med, hi = np.quantile(s, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
                ax.plot(
                    grid,
                    med,
                    color=COLOURS[model],
                    ls=styles[gi],
                    label=f"{model} model" + ("" if g is None else f" ({g})"),
                )
                ax.fill_between(grid, lo, hi, color=COLOURS[model], alpha=0.12)
        if ep.reconstruction:
            c = ep.reconstruction["curve"]
            ax.plot(c["time"], c["survival"], ".", color="0.4", ms=3, label="digitised points")
        if ep.target is not None:
            ax.plot(
                [ep.landmark],
                [ep.target],
                "D",
                color=_style.FREQUENTIST_COLOUR,
                ms=5,
                label=f"target S({ep.landmark:g}) = {ep.target:g}",
            )
        ax.axvline(ep.landmark, color="0.6", lw=0.8, ls=":")
        ax.set_title(f"{pname} prior", loc="left", fontsize=8.5)
        ax.set_ylim(0, 1.02)
    for ax in axes.ravel()[len(priors) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(f"time since treatment ({ep.time_unit})")
    for ax in axes[:, 0]:
        ax.set_ylabel(_style.wrap(f"{ep.label}: probability", 40))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(
        handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False
    )
    return fig


def figure_caption(result) -> str:
    ep = result.endpoint
    p = pct(result.level)
    tag = " The data are ASSUMED / ILLUSTRATIVE." if result.assumed_fields() else ""
    rec = " Grey dots: the digitised points of the published curve." if ep.reconstruction else ""
    return (
        f"{ep.label}: the posterior survival curve of each model (median and {p}% band; exponential blue, "
        "Weibull vermillion, piecewise green), one panel per prior, over the Kaplan-Meier curve (black, "
        f"with its {p}% confidence band); dotted: the landmark {ep.landmark:g} {ep.time_unit}.{rec}{tag}"
    )
