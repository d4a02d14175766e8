"""Report tables: DataFrames rendered as Markdown or HTML, and the tables every endpoint shares.

Rounding happens here, at display (:mod:`bayes_trials._format`); probabilities near 0 or 1
are shown so that they never read as 0 or 1 (:func:`~bayes_trials._format.fmt_prob`).
"""

from __future__ import annotations

import pandas as pd

from .._format import PROB_COLUMNS, fmt, fmt_prob

def render_table(df: pd.DataFrame, style: str) -> str:
    if isinstance(df.index, pd.MultiIndex):
        df = df.copy()
        df.index = pd.Index([" / ".join(map(str, i)) for i in df.index], name=" / ".join(df.index.names))
    shown = df.map(fmt)
    for col in PROB_COLUMNS:
        if col in df.columns:
            shown[col] = [v if isinstance(v, str) else fmt_prob(v) for v in df[col]]
    if style == "html":
        return shown.to_html(escape=True, border=0, classes="bt-table")
    header = "| " + " | ".join([df.index.name or ""] + [str(c) for c in shown.columns]) + " |"
    sep = "|" + "---|" * (len(shown.columns) + 1)
    cell = lambda x: str(x).replace("|", "\\|")  # noqa: E731  (a pipe would end the cell)
    rows = ["| " + " | ".join([cell(i)] + [cell(x) for x in r]) + " |" for i, r in zip(shown.index, shown.values)]
    return "\n".join([header, sep, *rows])


def provenance_table(result) -> pd.DataFrame:
    rows = []
    es = result.spec
    if es is None:
        return pd.DataFrame(columns=["field", "value", "tag", "source"])
    for fld, q in es.provenance.items():
        rows.append({"field": fld, "value": q.value, "tag": q.tag, "source": q.source})
    for bm in es.benchmarks:
        rows.append({"field": f"benchmark: {bm.name}", "value": bm.value, "tag": bm.tag, "source": bm.source})
    for name, ps in es.prior_specs.items():
        rows.append({"field": f"prior: {name}", "value": repr(es.priors[name]), "tag": ps.tag,
                     "source": f"{ps.role}: {ps.rationale}"})
    return pd.DataFrame(rows).set_index("field")


def map_priors_used(result) -> list:
    """(name, MAPPrior) for every MAP prior this endpoint used, directly or robustified."""
    es = result.spec
    if es is None:
        return []
    out, seen = [], set()
    for ps in es.prior_specs.values():
        while ps is not None and ps.params["kind"] == "robustify":
            ps = es.registry[ps.params["prior"]]
        if ps is not None and ps.params["kind"] == "map" and ps.name not in seen:
            fitted = ps.map_result(es.seed)
            if fitted is not None:
                out.append((ps.name, ps, fitted))
                seen.add(ps.name)
    return out


def map_tables(name, ps, fitted) -> list[tuple[str, pd.DataFrame]]:
    """The MAP prior's studies (with provenance), heterogeneity and mixture, as tables."""
    studies = ps.params["table"].set_index("study")
    shrink = fitted.studies.set_index("study")[["observed", "shrunken_mean", "cri95_low", "cri95_high"]]
    studies = studies.join(shrink)
    t = fitted.tau
    d = fitted.diagnostics
    summary = pd.DataFrame([
        {"quantity": "heterogeneity prior", "value": repr(ps.params["tau_prior"])},
        {"quantity": "tau (between-study sd, logit scale): mean [95% CrI]",
         "value": f"{t['mean']:.3f} [{t['cri95_low']:.3f}, {t['cri95_high']:.3f}]"},
        {"quantity": "MAP prior (EM mixture of the predictive draws)", "value": repr(fitted.mixture)},
        {"quantity": "ESS (ELIR)", "value": f"{fitted.ess():.1f}"},
        {"quantity": "largest cdf difference, mixture vs draws (Kolmogorov-Smirnov)",
         "value": f"{fitted.mixture_fit.max_cdf_diff:.4f}"},
        {"quantity": "sampler: max R-hat, min bulk ESS, divergences",
         "value": f"{max(d['r_hat'].values()):.3f}, {min(d['ess_bulk'].values()):.0f}, {d['divergences']}"},
    ]).set_index("quantity")
    return [(f"Prior from evidence: {name}, historical studies", studies),
            (f"Prior from evidence: {name}, fit", summary)]


def checks_table(result) -> pd.DataFrame:
    c = result.checks()
    return c[["kind", "name", "prior", "value", "reference", "tolerance", "passed", "message"]]


