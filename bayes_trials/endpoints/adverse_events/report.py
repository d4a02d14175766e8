"""The report parts of an adverse-event result: sections, prose and the shrinkage forest plot.

The prose is written from the same numbers as the tables (:mod:`.tables`); a caveat about the
benchmark comparisons is the spec's own text (the endpoint's ``caveats``), never the
library's.

Example
-------
>>> import bayes_trials as bt
>>> table = bt.AdverseEventTable([("ICANS", "immune effector", 0, 12)])
>>> res = bt.analyse(bt.AdverseEventsEndpoint("safety", table), method="exact")
>>> sentences(res)[1]
'ICANS 0/12: one-sided 95% upper bounds: Bayesian (uniform 0.206, jeffreys 0.145); Clopper-Pearson 0.221; rule of three 0.250.'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ... import _style
from ..._constants import CRED_LEVEL
from ..._format import fmt_prob
from ...checks import pct
from ..base import Part
from .exact import UNIFORM, independent_summary
from .tables import (
    benchmark_table,
    event_rates,
    frequentist_table,
    independent_fits,
    model_table,
    primary_hierarchical,
    result_hierarchical_summary,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@_style.styled
def forest_plot(
    summary: pd.DataFrame,
    ax: Axes | None = None,
    level: float = CRED_LEVEL,
    title: str | None = None,
) -> Axes:
    """Forest plot of independent (open) and hierarchical (filled) estimates per event.

    Parameters
    ----------
    summary : pandas.DataFrame
        A hierarchical summary (:meth:`AdverseEventsEndpoint.hierarchical_summary`).
    ax : matplotlib axis, optional
    level : float
        The credible level the summary was computed at.
    title : str, optional

    Returns
    -------
    matplotlib axis
        Events grouped by body system; each group's posterior mean rate is a dotted
        vertical segment, so the shrinkage toward it shows as the filled marker sitting
        nearer to it than the open one.
    """
    import matplotlib.pyplot as plt

    p = pct(level)
    terms = list(summary.index)
    ax = ax or plt.figure(figsize=(_style.FULL_WIDTH, 0.42 * len(terms) + 1.6)).gca()
    ypos, labels, y = {}, [], 0.0
    for group in dict.fromkeys(summary["group"]):
        members = [t for t in terms if summary.loc[t, "group"] == group]
        top = y
        for t in members:
            ypos[t] = y
            labels.append((y, f"{t} ({summary.loc[t, 'count']}/{summary.loc[t, 'n']})"))
            y += 1.0
        g_rate = summary.loc[members[0], "group_rate_mean"]
        ax.plot([g_rate, g_rate], [top - 0.4, y - 0.6], ls=":", color="0.5")
        ax.text(g_rate, top - 0.5, group, fontsize=7, color="0.35", ha="center", va="bottom")
        y += 0.6
    for t, yy in ypos.items():
        r = summary.loc[t]
        ax.errorbar(
            r["independent_mean"],
            yy - 0.15,
            xerr=[
                [r["independent_mean"] - r[f"independent_eti{p}_low"]],
                [r[f"independent_eti{p}_high"] - r["independent_mean"]],
            ],
            fmt="o",
            mfc="white",
            color="0.45",
            capsize=2,
            ms=4.5,
            label="independent (exact Beta posterior)" if yy == 0 else None,
        )
        ax.errorbar(
            r["mean"],
            yy + 0.15,
            xerr=[[r["mean"] - r[f"eti{p}_low"]], [r[f"eti{p}_high"] - r["mean"]]],
            fmt="o",
            color=_style.BAYES_COLOUR,
            capsize=2,
            ms=4.5,
            label="hierarchical (MCMC)" if yy == 0 else None,
        )
    ax.set_yticks([q for q, _ in labels], [lab for _, lab in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"event rate: proportion of patients (posterior mean, {p}% central CrI)")
    if title:
        ax.set_title(_style.wrap(title, 80), loc="left")
    _style.legend_below(ax, ncol=2, bbox_to_anchor=(0.5, -0.16 - 0.4 / max(len(terms), 1)))
    return ax


def _prior_words(prior) -> str:
    """``"uniform prior"``, or ``"prior Beta(a=..., b=...)"``."""
    return "uniform prior" if prior == UNIFORM else f"prior {prior!r}"


@_style.styled
def figure(result, ax=None):
    """The shrinkage forest plot (independent vs hierarchical); independent only if the
    hierarchical model was not sampled."""
    import matplotlib.pyplot as plt

    ep = result.endpoint
    h = result_hierarchical_summary(result)
    if h is not None:
        ax = forest_plot(h, ax=ax, level=result.level)
        return ax.figure
    p = pct(result.level)
    indep = independent_summary(ep.table, ep.independent_prior, result.level)
    ax = ax or plt.figure(figsize=(_style.FULL_WIDTH, 0.38 * len(indep) + 1.2)).gca()
    for k, (_term, r) in enumerate(indep.iterrows()):
        ax.errorbar(
            r["mean"],
            k,
            xerr=[[r["mean"] - r[f"eti{p}_low"]], [r[f"eti{p}_high"] - r["mean"]]],
            fmt="o",
            mfc="white",
            color="0.45",
            capsize=2,
            ms=4.5,
        )
    ax.set_yticks(range(len(indep)), [f"{t} ({r['count']}/{r['n']})" for t, r in indep.iterrows()])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"event rate: proportion of patients (exact posterior mean, {p}% central CrI)")
    return ax.figure


def figure_caption(result) -> str:
    ep = result.endpoint
    p = pct(result.level)
    if result_hierarchical_summary(result) is not None:
        return (
            f"{ep.label}: each event's rate, independent (open grey: exact Beta posterior under the "
            f"{_prior_words(ep.independent_prior)}) and hierarchical (filled blue: Berry and Berry three-level "
            f"model, MCMC), posterior mean and {p}% central CrI; dotted segments: each body system's posterior "
            "mean rate, toward which the hierarchical estimates shrink."
        )
    return (
        f"{ep.label}: each event's rate, independent exact Beta posterior under the "
        f"{_prior_words(ep.independent_prior)} (posterior mean, {p}% central CrI); the hierarchical model "
        "was not fitted (method exact)."
    )


def report_sections(result) -> list:
    """The hyperpriors and scales, the event rates with shrinkage, the frequentist bounds and
    the benchmark comparisons (with the spec's caveats), as
    :class:`~bayes_trials.endpoints.base.Part` s."""
    p = pct(result.level)
    sections = [
        Part(
            "Hierarchical model (Berry and Berry 2004, three levels): hyperpriors and scales",
            model_table(result),
            place="data",
            caption="The hierarchical model's hyperpriors and scales with their tags and sources.",
        ),
        Part(
            (
                "Event rates: independent exact Beta posteriors per prior; hierarchical posterior (MCMC) "
                "with its shrinkage toward the group"
            ),
            event_rates(result),
            place="posterior",
            compact=(
                "analysis",
                "term",
                "count",
                "n",
                "exact_mean",
                f"exact_upper{p}",
                "mean",
                f"eti{p}_low",
                f"eti{p}_high",
                f"upper{p}",
                "shrinkage",
            ),
            caption=(
                f"Per analysis and event: the count, the exact independent posterior (exact_*) with "
                f"its one-sided {p}% upper bound, the Clopper-Pearson bound, and the hierarchical "
                "posterior (MCMC) with its shrinkage toward the body system's mean."
            ),
        ),
        Part(
            "Frequentist reference (recomputed): Clopper-Pearson, one-sided upper bound, rule of three",
            frequentist_table(result),
            place="reference",
            caption=f"Per event: the Clopper-Pearson {p}% interval, the exact one-sided upper bound and "
            "the rule of three, recomputed from the counts.",
        ),
    ]
    bench = benchmark_table(result)
    if len(bench):
        sections.append(
            Part(
                "Benchmarks (external rates; see the caveats in the spec)",
                bench.set_index(["benchmark", "analysis"]),
                caption="The probability that each event's rate lies below an external benchmark "
                "rate, with the benchmark's own uncertainty where its counts are given.",
            )
        )
    return sections


def sentences(result) -> list[str]:
    """The report's prose: the counts, the bounds of events without a case, the shrinkage,
    the benchmark comparisons and the checks."""
    p, level = pct(result.level), result.level
    ep = result.endpoint
    indep = independent_fits(result)
    primary = primary_hierarchical(result)
    h = result_hierarchical_summary(result)
    out = [
        f"Observed {ep.describe_data()}: "
        + "; ".join(f"{e.term} {e.count}/{e.n}" for e in ep.table.events)
        + "."
    ]
    for e in ep.table.events:
        if e.count:
            continue
        r = result.reference.rows[e.term]
        bounds = ", ".join(
            f"{pname} {float(by_term[e.term].exact[e.term].ppf(level)):.3f}"
            for pname, by_term in indep.items()
        )
        s = (
            f"{e.term} 0/{e.n}: one-sided {p}% upper bounds: Bayesian ({bounds}); "
            f"Clopper-Pearson {r['cp_upper']:.3f}; rule of three {r['rule_of_three']:.3f}"
        )
        if h is not None:
            s += f"; {primary[0]} {h.loc[e.term, f'upper{p}']:.3f}"
        out.append(s + ".")
    if h is None:
        out.append("The hierarchical model was not fitted (method exact: it has no closed form).")
    else:
        sh = h["shrinkage"].dropna()
        out.append(
            f"Hierarchical model (shrinkage relative to the independent analysis under "
            f"the {_prior_words(ep.independent_prior)}): each event's logit mean moved "
            + ", ".join(f"{t} {100 * s:.0f}%" for t, s in sh.items())
            + " of the way from its independent estimate toward its group's mean "
            "(about 100%: pooled with its group)."
        )
        if any(e.count == 0 for e in ep.table.events):
            out.append(
                "The hierarchical bounds of events without any case borrow from the "
                "other events of their group: they hold only as far as those events "
                "are exchangeable and the (assumed) hyperpriors are right; the "
                "independent bounds do not depend on either."
            )
    bench = benchmark_table(result)
    for (bname, term), g in bench.groupby(["benchmark", "term"], sort=False) if len(bench) else ():
        vals = []
        for r in g.itertuples():
            val = getattr(r, "exact_prob_vs_uncertain", None)
            if pd.isna(val):
                val = getattr(r, "prob_vs_uncertain", None)
            if not pd.isna(val):
                vals.append(f"{r.analysis} {fmt_prob(val)}")
        if vals:
            out.append(
                f"P(rate of {term} < rate of {bname}, the benchmark's own uncertainty "
                "included): " + ", ".join(vals) + "."
            )
    if len(bench) and ep.caveats:
        out.append(f"Caveat: {ep.caveats}")
    out.append(result.checks_sentence())
    return out
