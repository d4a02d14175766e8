"""The report's text: each endpoint's section and the whole trial, in Markdown or HTML.

Every endpoint section is built the same way, whatever its kind: the title, the endpoint's
prose (:meth:`Endpoint.sentences`), its data and provenance, the MAP priors it used, its own
tables (:meth:`Endpoint.report_sections`) and its checks. Parts across the endpoints of one
kind (a forest plot of rate ratios, say) come from the kind's ``trial_report`` hook.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from ..endpoints.registry import KINDS
from .tables import checks_table, map_priors_used, map_tables, provenance_table, render_table


def endpoint_sections(result) -> list:
    """``(heading, table or text)`` parts of one endpoint's section, in order."""
    blocks = [("Data and provenance", provenance_table(result))]
    for name, ps, fitted in map_priors_used(result):
        blocks += map_tables(name, ps, fitted)
    blocks += result.endpoint.report_sections(result)
    blocks.append(("Checks", checks_table(result)))
    return blocks


def endpoint_tables(result, style: str = "md") -> str:
    """One endpoint's section of the report, in Markdown (``"md"``) or HTML (``"html"``)."""
    title = f"{result.endpoint.label} ({result.name})"
    return render_section(title, result.endpoint.sentences(result), endpoint_sections(result), style)


def render_section(title: str, text: list, blocks: list, style: str) -> str:
    """A titled section: sentences, then each block (a DataFrame rendered, or text)."""
    def body(item) -> str:
        if isinstance(item, pd.DataFrame):
            return render_table(item, style)
        return f"<p>{html.escape(str(item))}</p>" if style == "html" else str(item)

    if style == "html":
        parts = [f"<h2>{html.escape(title)}</h2>"]
        parts += [f"<p>{html.escape(s)}</p>" for s in text]
        for head, item in blocks:
            parts += [f"<h3>{html.escape(head)}</h3>", body(item)]
        return "\n".join(parts)
    parts = [f"## {title}", "", *[f"- {s}" for s in text], ""]
    for head, item in blocks:
        parts += [f"### {head}", "", body(item), ""]
    return "\n".join(parts)


def trial_parts(trial_result) -> list:
    """``(heading, item, file stem)`` for every trial-level part of the kinds in the spec
    (``Kind.trial_report``); an item is a DataFrame, a matplotlib Figure or text; parts that
    share a heading (a table and its figure) share a section."""
    out = []
    for name, kind in KINDS.items():
        results = [r for r in trial_result.endpoints.values() if r.endpoint.kind == name]
        if results and kind.trial_report is not None:
            for part in kind.trial_report(results):
                head, item = part[0], part[1]
                stem = part[2] if len(part) > 2 else f"{name}_{re.sub(r'[^a-z0-9]+', '_', head.lower())[:50]}"
                out.append((head, item, stem))
    return out


def reported_sections(trial_result, style: str) -> list[str]:
    """The report's section on effects reported only as an estimate with a CI."""
    out = []
    for rs in trial_result.spec.reported:
        prov = pd.DataFrame([
            {"field": k, "value": q.value, "tag": q.tag, "source": q.source}
            for k, q in (("estimate", rs.estimate), ("ci_low", rs.ci_low), ("ci_high", rs.ci_high),
                         ("mcid", rs.mcid)) if q is not None]).set_index("field")
        table = trial_result.reported[rs.id].set_index("prior")
        title = (f"{rs.label} ({rs.id}): {rs.measure} {rs.estimate.value:g} "
                 f"({rs.ci_low.value:g} to {rs.ci_high.value:g})")
        text = (f"Normal likelihood on the {'log' if rs.scale == 'ratio' else 'natural'} scale from the "
                f"{100 * rs.level:g}% CI; benefit is a {'lower' if rs.benefit == 'lower' else 'higher'} value; "
                "exact normal-normal posteriors under each prior.")
        out.append(render_section(title, [text], [("Provenance", prov), ("Posteriors", table)], style))
    return out


def trial_markdown(trial_result, figures: dict) -> str:
    """The whole report in Markdown; ``figures`` maps a part to its file under ``figures/``."""
    t = trial_result.spec.trial
    c = trial_result.checks()
    n_fail = int((c["passed"] == False).sum())  # noqa: E712
    s = trial_result.settings
    lines = [
        f"# Bayesian re-analysis: {t['title']}", "",
        f"Source: {t['citation']}", "",
        f"Spec `{trial_result.spec.path}` (sha256 `{trial_result.spec.sha256[:16]}`), "
        f"method {s['method']}, {s['chains']} chains x {s['draws']} draws, seed {s['seed']}.", "",
        "Every input number is tagged **published** (printed in the source), **derived** "
        "(computed from printed numbers) or **assumed** (an explicit assumption); see each "
        "endpoint's provenance table.", "",
        f"**Checks: {len(c)} in all, {n_fail} failed.**", "",
    ]
    for name, res in trial_result.endpoints.items():
        lines += [endpoint_tables(res, "md"), f"![{name}](figures/{figures[name]})", ""]
        if res.design is not None:
            lines += [f"![operating characteristics of {name}](figures/{figures['oc_' + name]})", ""]
    last = None
    for head, item, stem in trial_parts(trial_result):
        if head != last:
            lines += [f"## {head}", ""]
        last = head
        if isinstance(item, pd.DataFrame):
            lines += [f"(table: `{stem}.csv`)", ""]
        elif stem in figures:
            lines += [f"![{head}](figures/{figures[stem]})", ""]
        else:
            lines += [str(item), ""]
    lines += reported_sections(trial_result, "md")
    return "\n".join(lines)


def trial_html(trial_result, figures: dict) -> str:
    """The whole report in HTML (the same content as :func:`trial_markdown`)."""
    t = trial_result.spec.trial
    c = trial_result.checks()
    n_fail = int((c["passed"] == False).sum())  # noqa: E712
    s = trial_result.settings
    css = ("body{font-family:sans-serif;max-width:1100px;margin:auto}"
           ".bt-table{border-collapse:collapse;font-size:12px}"
           ".bt-table td,.bt-table th{border:1px solid #ccc;padding:2px 6px}")
    body = [f"<h1>Bayesian re-analysis: {html.escape(t['title'])}</h1>",
            f"<p>Source: {html.escape(t['citation'])}</p>",
            f"<p>Spec <code>{html.escape(str(trial_result.spec.path))}</code> (sha256 "
            f"<code>{trial_result.spec.sha256[:16]}</code>), method {s['method']}, {s['chains']} chains x "
            f"{s['draws']} draws, seed {s['seed']}.</p>",
            f"<p><strong>Checks: {len(c)} in all, {n_fail} failed.</strong></p>"]
    for name, res in trial_result.endpoints.items():
        body += [endpoint_tables(res, "html"), f'<img src="figures/{figures[name]}" alt="{html.escape(name)}">']
        if res.design is not None:
            body.append(f'<img src="figures/{figures["oc_" + name]}" alt="operating characteristics">')
    last = None
    for head, item, stem in trial_parts(trial_result):
        if head != last:
            body.append(f"<h2>{html.escape(head)}</h2>")
        last = head
        if isinstance(item, pd.DataFrame):
            body.append(f"<p>(table: <code>{html.escape(stem)}.csv</code>)</p>")
        elif stem in figures:
            body.append(f'<img src="figures/{figures[stem]}" alt="{html.escape(head)}">')
        else:
            body.append(f"<p>{html.escape(str(item))}</p>")
    body += reported_sections(trial_result, "html")
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{css}</style></head>"
            f"<body>{''.join(body)}</body></html>")
