"""Render a report :class:`~.document.Document` with Jinja2: Markdown, HTML, and an HTML fragment.

Both renderings walk the same document with the same formatted strings: a heading, a table,
a number or a caption is in one exactly when it is in the other (the browser test checks it).
The HTML is one self-contained file apart from the figures (CSS inline, no script); a table
too long to read at once and the appendix of checks are collapsed (``<details>``), opened
when a check failed, and opened for print (:func:`render_html` with ``for_print=True``,
from which the PDF is printed).
"""

from __future__ import annotations

from functools import cache

from .document import Document, Figure, Note, Section, Table


@cache
def _env(kind: str):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bayes_trials.report", "templates"),
        autoescape=kind == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.tests.update(
        table=lambda b: isinstance(b, Table),
        figure=lambda b: isinstance(b, Figure),
        note=lambda b: isinstance(b, Note),
        section=lambda b: isinstance(b, Section),
    )
    env.filters["wbr"] = _wbr
    env.filters["mdtext"] = _md_text
    env.filters["mdtable"] = _md_table
    return env


def _wbr(text):
    """HTML text with a line-break opportunity after each underscore and slash (long
    identifiers wrap in narrow table cells; the text is unchanged)."""
    from markupsafe import Markup, escape

    return Markup(str(escape(str(text))).replace("_", "_<wbr>").replace("/", "/<wbr>"))


def _md_text(text) -> str:
    """Prose for Markdown: asterisks escaped (``0.5*Beta(...)`` is not emphasis), one line."""
    return str(text).replace("\\", "\\\\").replace("*", "\\*").replace("\n", " ").strip()


def _md_cell(text) -> str:
    """A Markdown table cell: pipes escaped too (they would end the cell)."""
    return _md_text(text).replace("|", "\\|") or " "


def _md_table(view) -> str:
    """A view of a table in Markdown; numbers right-aligned."""
    head = "| " + " | ".join(_md_cell(c) for c in view.columns) + " |"
    rule = "|" + "|".join("---:" if num else "---" for num in view.numeric) + "|"
    rows = ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in view.rows]
    return "\n".join([head, rule, *rows])


def render_markdown(doc: Document) -> str:
    """The report in Markdown (GitHub's dialect: tables, ``<details>`` for collapsed parts)."""
    out = _env("md").get_template("report.md.j2").render(doc=doc)
    while "\n\n\n" in out:
        out = out.replace("\n\n\n", "\n\n")
    return out


def render_html(doc: Document, *, for_print: bool = False, fragment: bool = False) -> str:
    """The report in HTML: a page (``fragment=False``) or a ``<div>`` for Jupyter; with
    ``for_print``, every collapsed part open and the wide views left out (a printed page
    holds the compact ones)."""
    return (
        _env("html")
        .get_template("report.html.j2")
        .render(doc=doc, for_print=for_print, fragment=fragment)
    )
