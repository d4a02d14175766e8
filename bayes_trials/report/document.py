"""The report as a document: sections, tables, figures, notes; rendered twice, never built twice.

A report is built once (:mod:`.build`) from a :class:`~bayes_trials.results.TrialResult` into
these records, and rendered by two Jinja2 templates (:mod:`.render`) into Markdown and HTML
(from which a PDF is printed). Every number is formatted once, here, when a table is made
(:meth:`Table.from_frame`), so both renderings carry the same strings.

>>> import pandas as pd
>>> t = Table.from_frame(pd.DataFrame({"prior": ["uniform"], "exact_mean": [0.90909]}),
...                      caption="Posterior means.")
>>> t.columns, t.rows
(['Prior', 'Mean (exact)'], [['uniform', '0.9091']])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from .._format import PROB_COLUMNS, column_label, fmt, fmt_prob

#: tables longer than this are collapsed in HTML (a click shows them) and say how many rows
COLLAPSE_ROWS = 15
#: a table of more columns than this, without a compact view of its own, shows its first ones
#: (the wide view keeps them all)
MAX_COLUMNS = 11


@dataclass
class View:
    """One view of a table: its column headings, its rows of formatted cells, and which
    columns hold numbers (right-aligned)."""

    columns: list
    rows: list
    numeric: list


@dataclass
class Table:
    """A table: the wide view (every column) and, when narrower, the compact view that fits
    a printed page; a caption; the CSV file beside the report that holds it in full."""

    wide: View
    compact: View | None = None
    caption: str = ""
    csv: str = ""
    id: str = ""
    collapsed: bool = False

    @property
    def columns(self) -> list:
        return (self.compact or self.wide).columns

    @property
    def rows(self) -> list:
        return (self.compact or self.wide).rows

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        caption: str = "",
        compact=None,
        csv: str = "",
        labels: dict | None = None,
        prob_columns=PROB_COLUMNS,
        id: str = "",
    ) -> Table:
        """A table of ``df`` (its index, when named, becomes the first columns): numbers
        formatted by :func:`~bayes_trials._format.fmt`, probabilities by
        :func:`~bayes_trials._format.fmt_prob`, headings in words
        (:func:`~bayes_trials._format.column_label`, or ``labels``). ``compact``: the
        columns of the compact view (names of ``df``; by default the first :data:`MAX_COLUMNS`
        of a wider table)."""
        df = _flat(df)
        wide = _view(df, list(df.columns), labels or {}, prob_columns)
        small = None
        if compact is None and len(df.columns) > MAX_COLUMNS:
            compact = list(df.columns[:MAX_COLUMNS])  # what a page holds; the rest one click away
        if compact is not None:
            keep = [c for c in df.columns if c in compact]
            if len(keep) < len(df.columns):
                small = _view(df, keep, labels or {}, prob_columns)
        return cls(wide, small, caption, csv, id, collapsed=len(df) > COLLAPSE_ROWS)


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    names = [n for n in (df.index.names or []) if n]
    if names:
        df = df.reset_index()
    else:
        df = df.reset_index(drop=True)
    return df


def _cell(value, prob: bool) -> str:
    if isinstance(value, str):
        return value
    if prob:
        try:
            return fmt_prob(value)
        except (TypeError, ValueError):
            return fmt(value)
    return fmt(value)


_NUMBERISH = re.compile(r"^[\s\d.eE+\-<>±]*(?:to[\s\d.eE+\-<>±]*)?$")


def _is_numeric(cells: list) -> bool:
    """Whether a column's formatted cells are numbers (or intervals of numbers)."""
    vals = [c for c in cells if c not in ("-", "")]
    return bool(vals) and all(any(ch.isdigit() for ch in c) and _NUMBERISH.match(c) for c in vals)


def _view(df: pd.DataFrame, cols: list, labels: dict, prob_columns) -> View:
    heads = [labels.get(c, column_label(c)) for c in cols]
    rows = [
        [_cell(v, c in prob_columns) for c, v in zip(cols, rec)]
        for rec in df[cols].itertuples(index=False, name=None)
    ]
    numeric = [_is_numeric([r[j] for r in rows]) for j in range(len(cols))]
    return View(heads, rows, numeric)


@dataclass
class Figure:
    """A figure: where its files are (``src`` for HTML: an SVG file or an inline data URI;
    ``md_src`` for Markdown: the PNG), its caption and its alternative text."""

    src: str
    caption: str
    alt: str
    md_src: str = ""
    files: dict = field(default_factory=dict)
    id: str = ""
    number: int = 0


@dataclass
class Note:
    """Text: a paragraph, or a list of sentences (``items``); ``kind`` ``"warning"`` is set
    off (assumed numbers, caveats)."""

    text: str = ""
    items: list = field(default_factory=list)
    kind: str = "text"


@dataclass
class Banner:
    """The alert at the top when a check failed: how many, and which."""

    title: str
    items: list
    link: str = ""


@dataclass
class Section:
    """A titled section (level 2: an endpoint; 3: a part of it) of blocks: tables, figures,
    notes and subsections."""

    title: str
    blocks: list = field(default_factory=list)
    level: int = 2
    id: str = ""
    collapsed: bool = False
    open: bool = False


@dataclass
class Document:
    """The whole report: the header, the summary table, the failure banner, the sections
    (listed in the table of contents) and the appendix."""

    title: str
    header: list
    checks_line: str
    summary: Table | None
    sections: list
    appendix: list = field(default_factory=list)
    banner: Banner | None = None
    summary_notes: list = field(default_factory=list)

    def toc(self) -> list:
        """``(title, id)`` of the top-level sections and of the appendix."""
        out = [("Summary", "summary")] if self.summary is not None else []
        out += [(s.title, s.id) for s in self.sections]
        out += [(s.title, s.id) for s in self.appendix]
        return out

    def number_figures(self) -> None:
        """Number the figures in reading order (Figure 1, 2, ...)."""
        k = 0
        for block in _walk(self.sections + self.appendix):
            if isinstance(block, Figure):
                k += 1
                block.number = k
                block.id = block.id or f"figure-{k}"


def _walk(blocks):
    for b in blocks:
        if isinstance(b, Section):
            yield b
            yield from _walk(b.blocks)
        else:
            yield b


def slug(text: str, taken: set | None = None) -> str:
    """An anchor from a heading, as GitHub makes them (lower case, punctuation dropped,
    spaces as hyphens), made unique against ``taken``.

    >>> slug("HSCT-free survival at 1 year (hsct_free_survival_1y)")
    'hsct-free-survival-at-1-year-hsct_free_survival_1y'
    """
    s = re.sub(r"[^\w\- ]", "", str(text).strip().lower()).replace(" ", "-")
    if taken is None:
        return s
    out, k = s, 0
    while out in taken:
        k += 1
        out = f"{s}-{k}"
    taken.add(out)
    return out
