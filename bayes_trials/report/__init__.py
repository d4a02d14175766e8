"""Reports: the re-analysis as one document, rendered as Markdown, HTML and PDF, with CSV
tables, figures and posteriors.

:func:`write_report` writes a spec's :class:`~bayes_trials.results.TrialResult` (the document
is built once by :func:`build_document` and rendered by :func:`render_markdown` and
:func:`render_html`); :func:`write_design` its decision rules and operating characteristics.
"""

from .build import FolderSink, InlineSink, build_document, endpoint_document
from .document import Banner, Document, Figure, Note, Section, Table
from .files import environment_lock, provenance, versions, write_design, write_report
from .pdf import find_chromium, print_pdf
from .render import render_html, render_markdown

__all__ = [
    "write_report",
    "write_design",
    "provenance",
    "versions",
    "environment_lock",
    "build_document",
    "endpoint_document",
    "render_markdown",
    "render_html",
    "endpoint_tables",
    "result_html",
    "find_chromium",
    "print_pdf",
    "FolderSink",
    "InlineSink",
    "Document",
    "Section",
    "Table",
    "Figure",
    "Note",
    "Banner",
]


def endpoint_tables(result, style: str = "md") -> str:
    """One endpoint's section of the report, in Markdown (``"md"``) or as an HTML fragment
    (``"html"``), its figure inline."""
    doc = endpoint_document(result, InlineSink())
    return render_markdown(doc) if style == "md" else render_html(doc, fragment=True)


def result_html(result) -> str:
    """The HTML that Jupyter shows for a result (``_repr_html_``): for a whole spec the
    report's header, failure banner and summary table and each endpoint's figure; for one
    endpoint its section. Figures inline (base64 PNG)."""
    from .build import summary_document

    return render_html(summary_document(result, InlineSink()), fragment=True)
