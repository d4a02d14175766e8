"""Report parts of response categories: tables, prose, benchmarks and the stacked-bar figure.

Every function reads an :class:`~bayes_trials.results.EndpointResult` of a
:class:`~bayes_trials.endpoints.categorical.CategoricalEndpoint`: its tidy table (one row
per prior x category or union), its fits' exact posteriors and draws, its frequentist
reference and its spec (benchmarks, priors' provenance, caveats).
"""

from __future__ import annotations

import pandas as pd

from ... import _style
from ..._format import fmt_prob
from ...checks import pct
from ...distributions import Beta
from ...predictive import prob_difference
from ..base import Part

#: the columns of the posterior summary, in order ({p}: the credible level in %)
SUMMARY_COLUMNS = [
    "kind",
    "count",
    "n",
    "observed",
    "exact_mean",
    "exact_sd",
    "exact_eti{p}_low",
    "exact_eti{p}_high",
    "target",
    "exact_prob",
    "mean",
    "mcse_mean",
    "eti{p}_low",
    "eti{p}_high",
    "r_hat",
    "ess_bulk",
    "prob",
    "prob_mcse",
]


def display_summary(endpoint, result) -> pd.DataFrame:
    """One row per (prior, category or union): the counts, the exact Beta marginal
    (``exact_*``), the target and :math:`P(p_U > \\text{target})`, and the MCMC numbers beside
    them when sampled."""
    p = pct(result.level)
    table = result.table().rename(columns={"prior": "prior_name"})
    targets = dict(endpoint.targets)
    info = []
    for what, label, members in endpoint.items():
        b = endpoint.data.union(members)
        info.append(
            {
                "quantity": label,
                "kind": what,
                "count": b.events,
                "n": b.n,
                "observed": b.events / b.n,
                "target": targets.get(label),
            }
        )
    table = table.merge(pd.DataFrame(info), on="quantity", how="left")
    cols = [c.format(p=p) for c in SUMMARY_COLUMNS if c.format(p=p) in table.columns]
    return table.set_index(["prior_name", "quantity"])[cols]


def priors_table(endpoint, result) -> pd.DataFrame:
    """Per prior: its concentrations, its ESS and, from a spec, its role, tag and rationale."""
    rows = []
    for name, fit in result.fits.items():
        r = {
            "prior_name": name,
            **{f"alpha[{k}]": a for k, a in fit.prior.concentrations.items()},
            "ess": fit.prior.ess,
        }
        if result.spec is not None and name in result.spec.prior_specs:
            ps = result.spec.prior_specs[name]
            r.update(role=ps.role, tag=ps.tag, rationale=ps.rationale)
        rows.append(r)
    return pd.DataFrame(rows).set_index("prior_name")


def frequentist_table(endpoint, result) -> pd.DataFrame:
    """Per category its simultaneous intervals; per union its Clopper-Pearson interval."""
    ref = result.reference
    p = pct(result.level)
    rows = []
    for cat in endpoint.data.names:
        r = {"quantity": cat, "count": ref.counts[cat], "n": ref.n, "estimate": ref.estimates[cat]}
        for method, ints in ref.simultaneous.items():
            r[f"{method}{p}_low"], r[f"{method}{p}_high"] = ints[cat]
        rows.append(r)
    for label, u in ref.unions.items():
        lo, hi = u["clopper-pearson"]
        rows.append(
            {
                "quantity": label,
                "count": u["events"],
                "n": u["n"],
                "estimate": u["estimate"],
                f"clopper-pearson{p}_low": lo,
                f"clopper-pearson{p}_high": hi,
            }
        )
    return pd.DataFrame(rows).set_index("quantity")


def benchmark_table(endpoint, result) -> pd.DataFrame:
    """:math:`P(p_U > \\text{benchmark})` per benchmark of the spec and prior, with the
    benchmark's own uncertainty where the spec gives its counts.

    ``exact_prob``: the benchmark's rate :math:`r_b` as a fixed number, :math:`P(p_U > r_b)`
    under the exact Beta posterior; ``prob``: the same from the MCMC draws of :math:`p_U`
    when sampled; ``exact_prob_vs_uncertain`` (benchmarks with counts): :math:`P(p_U >
    \\theta_b)` with :math:`\\theta_b \\sim \\text{Beta}(k_b + 1/2, n_b - k_b + 1/2)` (the
    benchmark's Jeffreys posterior), independent, by quadrature
    (:func:`bayes_trials.prob_difference`).
    """
    rows = []
    unions = dict(endpoint.benchmark_unions)
    for bm in result.spec.benchmarks if result.spec is not None else ():
        union = unions.get(bm.name)
        if union is None:
            continue
        bench = None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
        for name, fit in result.fits.items():
            marg = fit.exact[union]
            row = {
                "endpoint": endpoint.name,
                "benchmark": bm.name,
                "union": union,
                "prior_name": name,
                "comparison": f"P(p[{union}] > {bm.value:g})",
                "tag": bm.tag,
                "exact_prob": float(marg.sf(bm.value)),
            }
            if fit.posterior is not None:
                row["prob"] = float((endpoint.draws(fit.posterior)[union] > bm.value).mean())
            if bench is not None:
                row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                row["exact_prob_vs_uncertain"] = float(prob_difference(marg, bench, 0.0))
            rows.append(row)
    return pd.DataFrame(rows)


def report_sections(endpoint, result) -> list:
    """The priors, the posterior of every category and union, the frequentist reference and
    the benchmark comparisons (with the spec's caveats), as
    :class:`~bayes_trials.endpoints.base.Part` s."""
    p = pct(result.level)
    sections = [
        Part(
            "Priors (Dirichlet concentrations per category)",
            priors_table(endpoint, result),
            place="data",
            caption="Each Dirichlet prior's concentration per category, its ESS and, from the spec, its "
            "role, tag and rationale.",
        ),
        Part(
            "Posterior of each category and union, per prior",
            display_summary(endpoint, result),
            place="posterior",
            compact=(
                "prior_name",
                "quantity",
                "count",
                "n",
                "exact_mean",
                f"exact_eti{p}_low",
                f"exact_eti{p}_high",
                "target",
                "exact_prob",
                "prob",
            ),
            caption=(
                "Per prior, each category and union of categories: the observed count, the exact "
                "Dirichlet / Beta marginal posterior (exact_*), the target and the exact "
                "P(beyond target), with the MCMC numbers beside them when sampled."
            ),
        ),
        Part(
            "Frequentist reference (recomputed): Goodman and Sison-Glaz intervals per category, "
            "Clopper-Pearson per union",
            frequentist_table(endpoint, result),
            place="reference",
            caption=(
                f"Simultaneous multinomial {p}% intervals per category (Goodman; Sison-Glaz) and the "
                f"Clopper-Pearson {p}% interval of each union, recomputed from the counts."
            ),
        ),
    ]
    bench = benchmark_table(endpoint, result)
    if len(bench):
        sections.append(
            Part(
                "Benchmarks",
                bench.set_index(["benchmark", "prior_name"]).drop(columns=["endpoint"]),
                compact=(
                    "benchmark",
                    "prior_name",
                    "comparison",
                    "exact_prob",
                    "exact_prob_vs_uncertain",
                ),
                caption=(
                    "External trials (read with the caveats below): P(union above the benchmark "
                    "rate) taken as a fixed number (exact; MCMC when sampled) and with the "
                    "benchmark's own uncertainty where its counts are given."
                ),
            )
        )
        if endpoint.caveats:
            sections.append(
                Part(
                    "Caveats of the benchmark comparisons (from the spec)",
                    endpoint.caveats,
                    kind="warning",
                )
            )
    return sections


def sentences(endpoint, result) -> list[str]:
    """The prose: what was observed, each prior's union posteriors and tail probabilities,
    the benchmark comparisons with the spec's caveats, the checks."""
    p = pct(result.level)
    out = [f"Observed {endpoint.describe_data()}.", *result.assumed_sentences()]
    if result.method == "exact":
        out.append("Exact Dirichlet-multinomial posteriors only (method exact: nothing sampled).")
    targets = dict(endpoint.targets)
    for name, fit in result.fits.items():
        parts = []
        for label, _ in endpoint.unions:
            marg = fit.exact[label]
            lo, hi = marg.interval(result.level)
            s = f"{label} {marg.mean:.3f} ({p}% CrI {lo:.3f} to {hi:.3f})"
            if label in targets:
                s += f", P({label} > {targets[label]:g}) = {fmt_prob(float(marg.sf(targets[label])))}"
            parts.append(s)
        for label in endpoint.data.names:
            if label in targets:
                parts.append(
                    f"P({label} > {targets[label]:g}) = "
                    f"{fmt_prob(float(fit.exact[label].sf(targets[label])))}"
                )
        out.append(
            f"Under the {name} prior {fit.prior!r} (ESS {fit.prior.ess:.3g}): "
            + "; ".join(parts)
            + "."
        )
    bench = benchmark_table(endpoint, result)
    if len(bench) and "exact_prob_vs_uncertain" in bench:
        for (bname, union), g in bench.groupby(["benchmark", "union"], sort=False):
            vals = ", ".join(
                f"{r.prior_name} {fmt_prob(r.exact_prob_vs_uncertain)}"
                for r in g.itertuples()
                if r.exact_prob_vs_uncertain == r.exact_prob_vs_uncertain
            )
            if vals:
                out.append(f"P({union} > {bname}, its own uncertainty included): {vals}.")
    if len(bench) and endpoint.caveats:
        out.append(endpoint.caveats)
    out.append(result.checks_sentence())
    return out


@_style.styled
def figure(endpoint, result):
    """Stacked bars (the observed split, the posterior mean split per prior) and each union's
    exact posterior mean and central credible interval per prior, benchmark rates marked."""
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(
        2,
        1,
        figsize=(
            _style.FULL_WIDTH,
            0.55 * len(result.fits) + 0.45 * len(endpoint.unions) * len(result.fits) + 2.6,
        ),
        gridspec_kw={
            "height_ratios": [len(result.fits) + 1, len(endpoint.unions) * len(result.fits) + 1]
        },
    )
    bars = {"observed": endpoint.data.proportions}
    bars.update(
        {
            f"{n} (posterior mean)": endpoint.exact_posterior(f.prior).mean
            for n, f in result.fits.items()
        }
    )
    left = dict.fromkeys(bars, 0.0)
    for j, cat in enumerate(endpoint.data.names):
        for row, (label, values) in enumerate(bars.items()):
            a1.barh(
                row,
                values[cat],
                left=left[label],
                color=_style.PALETTE[j % len(_style.PALETTE)],
                edgecolor="white",
                label=cat if row == 0 else None,
            )
            left[label] += values[cat]
    a1.set_yticks(range(len(bars)), list(bars))
    a1.invert_yaxis()
    a1.set_xlim(0, 1)
    a1.set_xlabel("proportion of patients in each category")
    a1.legend(ncol=endpoint.data.k, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    styles = _style.result_styles(result)
    y, ticks = 0.0, []
    for label, _ in endpoint.unions:
        for name, fit in result.fits.items():
            marg = fit.exact[label]
            lo, hi = marg.interval(result.level)
            st = styles[fit.analysis.prior_name]
            a2.plot([lo, hi], [y, y], color=st["color"], lw=1.6)
            a2.plot(marg.mean, y, "o", color=st["color"], ms=4.5)
            ticks.append((y, f"{label}: {name}"))
            y += 1
        y += 0.5
    unions = dict(endpoint.benchmark_unions)
    k = 0
    for bm in result.spec.benchmarks if result.spec is not None else ():
        if bm.name in unions:
            a2.axvline(
                bm.value,
                color=_style.TARGET_COLOUR,
                ls=(0, (1 + k, 2)),
                lw=1,
                label=_style.wrap(f"{bm.name} ({unions[bm.name]}) {bm.value:g}", 45),
            )
            k += 1
    a2.set_yticks([t for t, _ in ticks], [s for _, s in ticks])
    a2.invert_yaxis()
    a2.set_xlim(0, 1)
    a2.set_xlabel(
        f"probability of the union of categories (exact posterior mean, {pct(result.level)}% CrI)"
    )
    _style.legend_below(a2, ncol=2, bbox_to_anchor=(0.5, -0.28))
    fig.tight_layout()
    return fig


def figure_caption(endpoint, result) -> str:
    p = pct(result.level)
    return (
        f"{endpoint.label} ({endpoint.describe_data()}). Top: the observed split of the patients over the "
        "categories and the exact posterior mean split under each prior. Bottom: the probability of each "
        f"union of categories under each prior, exact posterior mean (circle) and {p}% equal-tailed CrI, "
        "colour by the prior's role; vertical lines: benchmark rates of other trials (read with the caveats)."
    )
