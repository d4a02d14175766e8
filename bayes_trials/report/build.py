"""Build the report document once from a result: the order of a methods section.

1. the header (source, spec and its hash, method with what was sampled, seed, level) and the
   count of checks; a banner naming every failed check;
2. the summary table: one row per endpoint x prior (x model) x headline quantity, the exact
   number where there is one, else the draws', and the decision and checks passed;
3. one section per endpoint: the findings in sentences, then data and provenance (with the
   MAP priors' evidence), the posterior table (compact and wide views) and the figure with
   its caption, the frequentist reference, the kind's other parts (decisions, benchmarks);
4. sections across the endpoints of a kind (:attr:`Kind.trial_report`) and the reported
   effects (``[[reported]]``);
5. the appendix: every check, endpoint by endpoint, failures first.

Kinds give their parts through the endpoint protocol (:meth:`Endpoint.report_sections` as
:class:`~bayes_trials.endpoints.base.Part` records or ``(heading, content)`` pairs,
:meth:`Endpoint.figure`, :meth:`Endpoint.figure_caption`, :meth:`Endpoint.sentences`);
figures go to a *sink* that writes them (a report folder) or inlines them (Jupyter).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pandas as pd

from .. import _style
from ..endpoints.base import Part
from ..endpoints.registry import KINDS
from .document import Banner, Document, Figure, Note, Section, Table, slug
from .tables import (
    checks_table,
    map_priors_used,
    map_tables,
    posterior_table,
    provenance_table,
    summary_frame,
)

#: the order of an endpoint's parts by their place
PLACES = ("data", "posterior", "reference", "more")


# --- figure sinks ----------------------------------------------------------------------------
class FolderSink:
    """Writes each figure into ``folder`` as SVG and 300-dpi PNG (:func:`bayes_trials._style.save`);
    HTML shows the SVG, Markdown the PNG.

    With ``processes`` > 1 the figures are kept (closed to pyplot, so that no later plot draws
    on them) and written by :meth:`flush`, shared between this process and ``processes - 1``
    forked copies of it (:func:`bayes_trials.scale.fork_share`): the same files, rendered on
    more cores.
    """

    def __init__(self, folder, prefix: str = "figures/", processes: int = 1):
        self.folder = folder
        self.prefix = prefix
        self.processes = int(processes)
        self.written: dict = {}
        self._pending: list = []

    def __call__(self, fig, stem: str, caption: str, alt: str) -> Figure:
        if self.processes > 1:
            import matplotlib.pyplot as plt

            plt.close(fig)
            self._pending.append((fig, self.folder, stem))
            files = _style.file_names(stem)
        else:
            files = _style.save(fig, self.folder, stem)
        self.written[stem] = files
        return Figure(
            src=self.prefix + files["svg"],
            md_src=self.prefix + files["png"],
            caption=caption,
            alt=alt,
            files={k: self.prefix + v for k, v in files.items()},
        )

    def flush(self) -> None:
        """Write the figures kept so far (with ``processes`` > 1)."""
        from ..scale import fork_share

        pending, self._pending = self._pending, []
        fork_share(_style.save, pending, self.processes)


class InlineSink:
    """Inlines each figure as a base64 PNG data URI (Jupyter's ``_repr_html_``)."""

    def __init__(self, dpi: int = 110):
        self.dpi = dpi

    def __call__(self, fig, stem: str, caption: str, alt: str) -> Figure:
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        with _style.style():
            fig.savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight")
        plt.close(fig)
        uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        return Figure(src=uri, md_src=uri, caption=caption, alt=alt)


def _as_figure(obj):
    """A Matplotlib Figure from a figure or an axis (None stays None)."""
    if obj is None:
        return None
    return getattr(obj, "figure", obj) if not hasattr(obj, "savefig") else obj


def _stem(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:60]


# --- parts of the kinds ----------------------------------------------------------------------
def as_part(item) -> Part:
    """A kind's report part as a :class:`Part` (``(heading, content)`` pairs and
    ``(heading, content, stem)`` triples are accepted as before)."""
    if isinstance(item, Part):
        return item
    heading, content = item[0], item[1]
    stem = item[2] if len(item) > 2 else ""
    return Part(heading, content, stem=stem)


def part_blocks(part: Part, sink, stem: str) -> list:
    """The blocks of one part: a table, a figure or a note."""
    c = part.content
    if isinstance(c, pd.DataFrame):
        if c.empty:
            return []
        return [
            Table.from_frame(
                c,
                caption=part.caption,
                compact=part.compact,
                csv=f"{part.stem}.csv" if part.stem else "",
            )
        ]
    if isinstance(c, (list, tuple)):
        return [Note(items=[str(x) for x in c])]
    if isinstance(c, str):
        return [Note(text=c, kind=part.kind)] + ([Note(text=part.caption)] if part.caption else [])
    fig = _as_figure(c)
    if fig is not None and hasattr(fig, "savefig"):
        return [sink(fig, part.stem or stem, part.caption or part.heading, part.heading)]
    return [Note(text=str(c))]


# --- an endpoint's section -------------------------------------------------------------------
def endpoint_section(result, sink, taken: set) -> Section:
    """One endpoint's section, in the order of a methods section (see the module docstring)."""
    ep = result.endpoint
    name = result.name
    title = f"{ep.label} ({name})"
    sec = Section(title, id=slug(title, taken), level=2)
    sec.blocks.append(Note(items=list(ep.sentences(result))))
    parts = [as_part(x) for x in ep.report_sections(result)]
    by_place = {
        p: [x for x in parts if (x.place if x.place in PLACES else "more") == p] for p in PLACES
    }

    def sub(heading, blocks):
        if blocks:
            sec.blocks.append(
                Section(heading, blocks, level=3, id=slug(f"{name} {heading}", taken))
            )

    data = [
        Table.from_frame(
            provenance_table(result),
            caption=(
                "Every input number with its tag: published (printed in the source), derived (computed from "
                "printed numbers) or assumed (an assumption of this re-analysis); the priors with their roles "
                "and rationales."
            ),
        )
    ]
    notes = getattr(result.spec, "notes", "")
    if notes:
        data.append(Note(text=notes, kind="warning"))
    sub("Data and provenance", data)
    for prior_name, ps, fitted in map_priors_used(result):
        blocks = []
        for head, df in map_tables(prior_name, ps, fitted):
            blocks.append(Table.from_frame(df, caption=head + "."))
        fig = _as_figure(fitted.plot_forest())
        blocks.append(
            sink(
                fig,
                f"{name}_{prior_name}_forest",
                (
                    f"Meta-analytic-predictive prior {prior_name}: each historical study's observed rate "
                    "(exact 95% CI) and its shrunken estimate (95% CrI) under the hierarchical model, and the "
                    "MAP prior for a new study (95% CrI)."
                ),
                f"MAP prior {prior_name}: forest plot",
            )
        )
        sub(f"Prior from evidence: {prior_name}", blocks)
    for part in by_place["data"]:
        sub(part.heading, part_blocks(part, sink, f"{name}_{_stem(part.heading)}"))

    frame, compact, labels = posterior_table(result)
    post = []
    if len(frame):
        table = Table.from_frame(
            frame,
            compact=compact,
            labels=labels,
            csv=f"summary_{name}.csv",
            caption=posterior_caption(result),
        )
        table.collapsed = False  # the endpoint's result: always in view
        post.append(table)
    fig = _as_figure(ep.figure(result))
    if fig is not None:
        caption = ep.figure_caption(result) if hasattr(ep, "figure_caption") else ep.label
        post.append(sink(fig, name, caption, f"{ep.label}: figure"))
    design = result.design
    if design is not None:
        oc = _as_figure(
            design.plot(
                roles=_style.roles_of(result),
                xlabel=_style.wrap(f"true {getattr(ep, 'parameter_description', 'rate')}", 80),
            )
        )
        post.append(
            sink(oc, f"oc_{name}", design_caption(result), f"{ep.label}: operating characteristics")
        )
    sub("Posterior", post)
    for part in by_place["posterior"]:
        sub(part.heading, part_blocks(part, sink, f"{name}_{_stem(part.heading)}"))
    for place in ("reference", "more"):
        for part in by_place[place]:
            sub(part.heading, part_blocks(part, sink, f"{name}_{_stem(part.heading)}"))
    sec.blocks.append(
        Note(text=result.checks_sentence() + " Every check is listed in the appendix.")
    )
    return sec


def posterior_caption(result) -> str:
    p = round(100 * result.level)
    sampled = any(f.posterior is not None for f in result.fits.values())
    text = (
        f"Posterior of each quantity under each prior. From: exact (conjugate updating or "
        f"quadrature) or MCMC (nutpie draws); {p}% credible intervals, equal-tailed and highest-"
        "density. "
    )
    if sampled:
        text += (
            "Where both exist, the MCMC row is checked against the exact one (appendix); the MCMC "
            "tail probability is given with its Monte Carlo standard error. "
        )
    else:
        text += "Nothing was sampled (method exact). "
    return (
        text
        + "The compact view fits a printed page; the wide view adds the priors and diagnostics."
    )


def design_caption(result) -> str:
    """The caption of the OC figure: the design object's own (:meth:`caption`)."""
    return result.design.caption()


# --- across endpoints, reported effects ------------------------------------------------------
def trial_parts(trial_result) -> list[Part]:
    """Parts across the endpoints of each kind (:attr:`Kind.trial_report`), as :class:`Part` s
    with their file stems."""
    out = []
    for kname, kind in KINDS.items():
        results = [r for r in trial_result.endpoints.values() if r.endpoint.kind == kname]
        if results and kind.trial_report is not None:
            for item in kind.trial_report(results):
                part = as_part(item)
                if not part.stem:
                    part = Part(
                        part.heading,
                        part.content,
                        part.caption,
                        part.place,
                        part.compact,
                        f"{kname}_{_stem(part.heading)}",
                        part.kind,
                    )
                out.append(part)
    return out


def trial_sections(trial_result, sink, taken: set, parts=None) -> list[Section]:
    """One section per heading of the kinds' trial-level parts (a table and its figure share one)."""
    out, current = [], None
    for part in trial_parts(trial_result) if parts is None else parts:
        if current is None or current.title != part.heading:
            current = Section(part.heading, level=2, id=slug(part.heading, taken))
            out.append(current)
        current.blocks += part_blocks(part, sink, part.stem)
    return out


def reported_sections(trial_result, sink, taken: set) -> list[Section]:
    """The sections on effects reported only as an estimate with a CI."""
    from .figures import plot_reported

    out = []
    for rs in trial_result.spec.reported:
        prov = pd.DataFrame(
            [
                {"field": k, "value": q.value, "tag": q.tag, "source": q.source}
                for k, q in (
                    ("estimate", rs.estimate),
                    ("ci_low", rs.ci_low),
                    ("ci_high", rs.ci_high),
                    ("mcid", rs.mcid),
                )
                if q is not None
            ]
        ).set_index("field")
        table = trial_result.reported[rs.id]
        shown = table.drop(
            columns=[c for c in ("prior_mean", "prior_sd", "post_mean", "post_sd") if c in table]
        )
        title = (
            f"{rs.label} ({rs.id}): {rs.measure} {rs.estimate.value:g} "
            f"({rs.ci_low.value:g} to {rs.ci_high.value:g})"
        )
        text = (
            f"Normal likelihood on the {'log' if rs.scale == 'ratio' else 'natural'} scale from the "
            f"{100 * rs.level:g}% CI; benefit is a {'lower' if rs.benefit == 'lower' else 'higher'} value; "
            "exact normal-normal posteriors under each prior (nothing sampled)."
        )
        sec = Section(title, level=2, id=slug(title, taken))
        sec.blocks.append(Note(text=text))
        sec.blocks.append(
            Section(
                "Provenance",
                [Table.from_frame(prov, caption="The reported numbers and their sources.")],
                level=3,
                id=slug(f"{rs.id} provenance", taken),
            )
        )
        fig = plot_reported(rs, table)
        sec.blocks.append(
            Section(
                "Posteriors",
                [
                    Table.from_frame(
                        shown,
                        csv=f"reported_{rs.id}.csv",
                        prob_columns=("prob_benefit", "prob_mcid", "prob_harm"),
                        caption=(
                            f"Exact posterior of the {rs.measure} under each prior: estimate (posterior "
                            "median on the ratio scale), credible interval, and the probabilities of "
                            "benefit, of a benefit beyond the MCID and of harm."
                        ),
                    ),
                    sink(
                        fig,
                        f"reported_{rs.id}",
                        (
                            f"{rs.label}: the likelihood from the reported {rs.measure} and its CI (black, dashed) and "
                            "the exact posterior under each prior (line style by prior role); dotted: no effect"
                            + ("; dash-dot: the MCID." if rs.mcid is not None else ".")
                        ),
                        f"{rs.label}: posteriors",
                    ),
                ],
                level=3,
                id=slug(f"{rs.id} posteriors", taken),
            )
        )
        out.append(sec)
    return out


# --- the whole report ------------------------------------------------------------------------
def header_lines(trial_result) -> list[str]:
    """Source, spec, and what was done: the method with what was sampled, seed, level."""
    spec, s = trial_result.spec, trial_result.settings
    t = spec.trial
    n_fits = sum(len(r.fits) for r in trial_result.endpoints.values())
    sampled = sum(
        f.posterior is not None for r in trial_result.endpoints.values() for f in r.fits.values()
    )
    if sampled:
        how = (
            f"method MCMC: {sampled} of {n_fits} fits sampled with nutpie ({s['chains']} chains x "
            f"{s['draws']} draws after {s['tune']} tuning draws), each checked against its exact "
            "posterior where one exists"
        )
        if sampled < n_fits:
            how += f"; the other {n_fits - sampled} exact only"
    elif s.get("method") == "mcmc" and n_fits:
        how = "method MCMC requested, but no fit has a sampled model: exact posteriors only (nothing sampled)"
    else:
        how = "exact posteriors only (conjugate updating or quadrature; nothing sampled)"
    level = s.get("level")
    lines = [
        f"Source: {t['citation']}",
        f"Spec {_shown_path(spec.path)} (sha256 {spec.sha256[:16]}); {how}; seed {s['seed']}"
        + (f"; credible level {100 * level:g}%." if level is not None else "."),
        "Every input number is tagged published (printed in the source), derived (computed from "
        "printed numbers) or assumed (an explicit assumption); see each endpoint's provenance table.",
    ]
    return lines


def _shown_path(path) -> str:
    """The spec's path relative to the working folder when it lies below it (the full path
    is in ``provenance.json``)."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def failure_banner(checks: pd.DataFrame, appendix_id: str) -> Banner | None:
    failed = checks[checks["passed"] == False]  # noqa: E712
    if failed.empty:
        return None
    items = []
    for r in failed.itertuples():
        prior = f" / prior {r.prior}" if isinstance(r.prior, str) and r.prior else ""
        items.append(f"{r.endpoint}{prior}: {r.kind}: {r.name} ({r.message})")
    return Banner(f"{len(failed)} of {len(checks)} checks failed", items, link=appendix_id)


def checks_appendix(trial_result, taken: set) -> Section:
    app = Section("Appendix: all checks", level=2, id=slug("Appendix: all checks", taken))
    app.blocks.append(
        Note(
            text=(
                "Per endpoint: published vs recomputed (the paper's printed numbers from the data), MCMC vs "
                "exact (within the stated Monte Carlo tolerance), Bayesian vs frequentist (reference-prior "
                "identities and bounds), sampler diagnostics (R-hat, ESS, divergences), exact vs quadrature. "
                "Failures first; n/a: the check does not apply (the reason is given)."
            )
        )
    )
    groups = [
        (f"{r.endpoint.label} ({name})", r.checks()) for name, r in trial_result.endpoints.items()
    ]
    from ..checks import to_frame

    rep = to_frame(trial_result.reported_checks)
    if len(rep):
        groups.append(("Reported effects", rep))
    for head, c in groups:
        if c.empty:
            continue
        n_fail = int((c["passed"] == False).sum())  # noqa: E712
        n_na = int(c["passed"].isna().sum())
        table = Table.from_frame(
            checks_table(c),
            prob_columns=(),
            caption=f"{len(c)} checks: {len(c) - n_fail - n_na} passed, {n_fail} failed, "
            f"{n_na} not applicable.",
        )
        table.collapsed = False
        app.blocks.append(
            Section(
                f"Checks: {head}",
                [table],
                level=3,
                id=slug(f"checks {head}", taken),
                collapsed=True,
                open=n_fail > 0,
            )
        )
    return app


def checks_line(checks: pd.DataFrame) -> str:
    n_fail = int((checks["passed"] == False).sum())  # noqa: E712
    n_na = int(checks["passed"].isna().sum())
    return (
        f"Checks: {len(checks)} in all, {n_fail} failed"
        + (f", {n_na} not applicable" if n_na else "")
        + "."
    )


def summary_table(results: dict, level: float) -> Table | None:
    """The summary table of these endpoint results (name -> result)."""
    frame, labels = summary_frame(results, level)
    if frame.empty:
        return None
    shown = frame.copy()
    shown.loc[shown["endpoint"].eq(shown["endpoint"].shift()), "endpoint"] = (
        ""  # each endpoint named once
    )
    table = Table.from_frame(
        shown,
        labels=labels,
        prob_columns=(),
        compact=list(frame.columns),
        caption=(
            "One row per endpoint and prior (and model): the posterior mean, the credible interval and the "
            "posterior probability of the endpoint's criterion. From: exact (conjugate updating or "
            "quadrature) where a closed form exists, else MCMC; where both exist the MCMC estimate is in the "
            "endpoint's posterior table and is checked against the exact one. Checks passed: passed / applicable, "
            "over the checks of that fit and those of the endpoint that concern no prior."
        ),
    )
    table.collapsed = False  # the summary is read first, whatever its length
    return table


def build_document(trial_result, sink, parts=None) -> Document:
    """The report of a whole spec as a :class:`Document` (figures through ``sink``;
    ``parts``: the kinds' trial-level parts when already made, :func:`trial_parts`)."""
    taken = {"summary", "contents"}
    checks = trial_result.checks()
    sections = [endpoint_section(res, sink, taken) for res in trial_result.endpoints.values()]
    sections += trial_sections(trial_result, sink, taken, parts)
    sections += reported_sections(trial_result, sink, taken)
    appendix = checks_appendix(trial_result, taken)
    doc = Document(
        title=f"Bayesian re-analysis: {trial_result.spec.trial['title']}",
        header=header_lines(trial_result),
        checks_line=checks_line(checks),
        summary=summary_table(trial_result.endpoints, _level(trial_result)),
        sections=sections,
        appendix=[appendix],
        banner=failure_banner(checks, appendix.id),
    )
    doc.number_figures()
    return doc


def endpoint_document(result, sink) -> Document:
    """One endpoint's section as a document of its own (Jupyter, :func:`endpoint_tables`)."""
    taken: set = set()
    sec = endpoint_section(result, sink, taken)
    doc = Document(
        title=sec.title,
        header=[],
        checks_line=result.checks_sentence(),
        summary=None,
        sections=[sec],
    )
    doc.number_figures()
    return doc


def _level(trial_result) -> float:
    level = trial_result.settings.get("level")
    if level is None:
        level = next((r.level for r in trial_result.endpoints.values()), 0.95)
    return level


def summary_document(result, sink) -> Document:
    """What Jupyter shows of a result (``_repr_html_``), through the same records as the report.

    A :class:`~bayes_trials.results.TrialResult`: the header, the failure banner, the summary
    table and each endpoint's figure with its caption. An
    :class:`~bayes_trials.results.EndpointResult`: its rows of the summary table, its
    posterior table and its figure.
    """
    if hasattr(result, "endpoints"):
        taken = {"summary", "contents"}
        checks = result.checks()
        sections = []
        for name, res in result.endpoints.items():
            fig = _as_figure(res.endpoint.figure(res))
            if fig is None:
                continue
            title = f"{res.endpoint.label} ({name})"
            sections.append(
                Section(
                    title,
                    [sink(fig, name, res.endpoint.figure_caption(res), title)],
                    id=slug(title, taken),
                )
            )
        doc = Document(
            title=f"Bayesian re-analysis: {result.spec.trial['title']}",
            header=header_lines(result),
            checks_line=checks_line(checks),
            summary=summary_table(result.endpoints, _level(result)),
            sections=sections,
            banner=failure_banner(checks, ""),
        )
    else:
        ep = result.endpoint
        title = f"{ep.label} ({result.name}): {ep.describe_data()}"
        blocks = []
        frame, compact, labels = posterior_table(result)
        if len(frame):
            blocks.append(
                Table.from_frame(
                    frame, compact=compact, labels=labels, caption=posterior_caption(result)
                )
            )
        fig = _as_figure(ep.figure(result))
        if fig is not None:
            blocks.append(sink(fig, result.name, ep.figure_caption(result), title))
        doc = Document(
            title=title,
            header=[],
            checks_line=result.checks_sentence(),
            summary=summary_table({result.name: result}, result.level),
            sections=[Section("Posterior", blocks, level=2, id="posterior")] if blocks else [],
        )
    doc.number_figures()
    return doc
