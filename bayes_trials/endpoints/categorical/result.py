"""Report parts of response categories: tables, prose, benchmarks and the stacked-bar figure.

Every function reads an :class:`~bayes_trials.results.EndpointResult` of a
:class:`~bayes_trials.endpoints.categorical.CategoricalEndpoint`: its tidy table (one row
per prior x category or union), its fits' exact posteriors and draws, its frequentist
reference and its spec (benchmarks, priors' provenance, caveats).
"""

from __future__ import annotations

import pandas as pd

from ..._format import fmt_prob
from ...checks import pct
from ...distributions import Beta
from ...predictive import prob_difference

#: the columns of the posterior summary, in order ({p}: the credible level in %)
SUMMARY_COLUMNS = ["kind", "count", "n", "observed", "exact_mean", "exact_sd", "exact_eti{p}_low",
                   "exact_eti{p}_high", "target", "exact_prob", "mean", "mcse_mean", "eti{p}_low",
                   "eti{p}_high", "r_hat", "ess_bulk", "prob", "prob_mcse"]


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
        info.append({"quantity": label, "kind": what, "count": b.events, "n": b.n,
                     "observed": b.events / b.n, "target": targets.get(label)})
    table = table.merge(pd.DataFrame(info), on="quantity", how="left")
    cols = [c.format(p=p) for c in SUMMARY_COLUMNS if c.format(p=p) in table.columns]
    return table.set_index(["prior_name", "quantity"])[cols]


def priors_table(endpoint, result) -> pd.DataFrame:
    """Per prior: its concentrations, its ESS and, from a spec, its role, tag and rationale."""
    rows = []
    for name, fit in result.fits.items():
        r = {"prior_name": name, **{f"alpha[{k}]": a for k, a in fit.prior.concentrations.items()},
             "ess": fit.prior.ess}
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
        rows.append({"quantity": label, "count": u["events"], "n": u["n"], "estimate": u["estimate"],
                     f"clopper-pearson{p}_low": lo, f"clopper-pearson{p}_high": hi})
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
    for bm in (result.spec.benchmarks if result.spec is not None else ()):
        union = unions.get(bm.name)
        if union is None:
            continue
        bench = None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
        for name, fit in result.fits.items():
            marg = fit.exact[union]
            row = {"endpoint": endpoint.name, "benchmark": bm.name, "union": union,
                   "prior_name": name, "comparison": f"P(p[{union}] > {bm.value:g})",
                   "tag": bm.tag, "exact_prob": float(marg.sf(bm.value))}
            if fit.posterior is not None:
                row["prob"] = float((endpoint.draws(fit.posterior)[union] > bm.value).mean())
            if bench is not None:
                row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                row["exact_prob_vs_uncertain"] = float(prob_difference(marg, bench, 0.0))
            rows.append(row)
    return pd.DataFrame(rows)


def report_sections(endpoint, result) -> list:
    """The priors, the posterior of every category and union, the frequentist reference and
    the benchmark comparisons (with the spec's caveats)."""
    sections = [("Priors (Dirichlet concentrations per category)", priors_table(endpoint, result)),
                (("Posterior of each category and union, per prior (exact Dirichlet / Beta "
                  "marginals; MCMC beside when sampled)"), display_summary(endpoint, result)),
                (("Frequentist reference (recomputed): simultaneous multinomial intervals "
                  "(Goodman; Sison-Glaz) per category, Clopper-Pearson per union"),
                 frequentist_table(endpoint, result))]
    bench = benchmark_table(endpoint, result)
    if len(bench):
        sections.append(("Benchmarks (external trials; read with the caveats)",
                         bench.set_index(["benchmark", "prior_name"]).drop(columns=["endpoint"])))
        if endpoint.caveats:
            sections.append(("Caveats of the benchmark comparisons (from the spec)", endpoint.caveats))
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
                parts.append(f"P({label} > {targets[label]:g}) = "
                             f"{fmt_prob(float(fit.exact[label].sf(targets[label])))}")
        out.append(f"Under the {name} prior {fit.prior!r} (ESS {fit.prior.ess:.3g}): "
                   + "; ".join(parts) + ".")
    bench = benchmark_table(endpoint, result)
    if len(bench) and "exact_prob_vs_uncertain" in bench:
        for (bname, union), g in bench.groupby(["benchmark", "union"], sort=False):
            vals = ", ".join(f"{r.prior_name} {fmt_prob(r.exact_prob_vs_uncertain)}"
                             for r in g.itertuples() if r.exact_prob_vs_uncertain == r.exact_prob_vs_uncertain)
            if vals:
                out.append(f"P({union} > {bname}, its own uncertainty included): {vals}.")
    if len(bench) and endpoint.caveats:
        out.append(endpoint.caveats)
    out.append(result.checks_sentence())
    return out


def figure(endpoint, result):
    """Stacked bars (the observed split, the posterior mean split per prior) and each union's
    exact posterior mean and central credible interval per prior, benchmark rates marked."""
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.5 * len(result.fits) + 2.6),
                                 gridspec_kw={"width_ratios": [1.2, 1]})
    bars = {"observed": endpoint.data.proportions}
    bars.update({f"{n} (posterior mean)": endpoint.exact_posterior(f.prior).mean
                 for n, f in result.fits.items()})
    left = dict.fromkeys(bars, 0.0)
    for j, cat in enumerate(endpoint.data.names):
        for row, (label, values) in enumerate(bars.items()):
            a1.barh(row, values[cat], left=left[label], color=f"C{j}", edgecolor="white",
                    label=cat if row == 0 else None)
            left[label] += values[cat]
    a1.set_yticks(range(len(bars)), list(bars), fontsize=8)
    a1.invert_yaxis()
    a1.set_xlim(0, 1)
    a1.set_xlabel("proportion of patients")
    a1.set_title(f"{endpoint.label}\n{endpoint.describe_data()}", fontsize=9)
    a1.legend(ncol=endpoint.data.k, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    y, ticks = 0.0, []
    for u, (label, _) in enumerate(endpoint.unions):
        for i, (name, fit) in enumerate(result.fits.items()):
            marg = fit.exact[label]
            lo, hi = marg.interval(result.level)
            a2.plot([lo, hi], [y, y], color=f"C{i}")
            a2.plot(marg.mean, y, "o", color=f"C{i}", label=name if u == 0 else None)
            ticks.append((y, f"{label} / {name}"))
            y += 1
        y += 0.5
    unions = dict(endpoint.benchmark_unions)
    for k, bm in enumerate(result.spec.benchmarks if result.spec is not None else ()):
        if bm.name in unions:
            a2.axvline(bm.value, color="0.4", ls=(0, (1 + k, 2)), lw=1,
                       label=f"{bm.name[:30]} ({unions[bm.name]}) {bm.value:g}")
    a2.set_yticks([t for t, _ in ticks], [s for _, s in ticks], fontsize=7)
    a2.invert_yaxis()
    a2.set_xlim(0, 1)
    a2.set_xlabel(f"union probability (exact mean, {pct(result.level)}% CrI)")
    a2.set_title("Unions of categories; lines: benchmark rates", fontsize=9)
    a2.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig
