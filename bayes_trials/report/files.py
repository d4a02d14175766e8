"""The report folder: tables (CSV, Markdown), figures, saved posteriors and provenance.

A folder is written whole or not at all (:func:`bayes_trials.output.output_folder`), and
its ``provenance.json`` records the spec's hash, every seed, the package versions and the
environment's lock file, so that a report can be traced and reproduced.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from .. import _style
from ..output import output_folder
from .build import FolderSink, build_document, trial_parts
from .pdf import print_pdf
from .render import render_html, render_markdown
from .tables import render_table

PACKAGES = (
    "bayes_trials",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "arviz-base",
    "arviz-stats",
    "arviz-plots",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
    "statsmodels",
    "matplotlib",
    "jinja2",
)


def versions() -> dict:
    """Python, platform and the versions of the packages a result depends on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def environment_lock() -> dict | None:
    """The lock file the environment was installed from (``requirements.lock`` beside the
    package in a source checkout) and its sha256; None when installed without one."""
    lock = Path(__file__).resolve().parents[2] / "requirements.lock"
    if not lock.is_file():
        return None
    return {"file": lock.name, "sha256": hashlib.sha256(lock.read_bytes()).hexdigest()}


def provenance(trial_result, argv=None) -> dict:
    """What a report folder records about how it was made."""
    spec = trial_result.spec
    seeds = {
        f"{e}/{name}": fit.seed
        for e, r in trial_result.endpoints.items()
        for name, fit in r.fits.items()
    }
    return {
        "generator": "bayes_trials",
        "spec": str(spec.path),
        "spec_sha256": spec.sha256,
        "command": " ".join(argv) if argv else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": trial_result.settings,
        "seeds": seeds,
        "versions": versions(),
        "environment_lock": environment_lock(),
    }


def write_report(
    trial_result, out, argv=None, *, force: bool = False, pdf: bool = False, processes: int = 1
) -> Path:
    """Write the report folder ``out`` whole; returns its path.

    ``processes`` > 1 renders the figures in this process and ``processes - 1`` forked copies
    of it (the same files; ``bayes-trials run`` uses :func:`bayes_trials.scale.fork_processes`).

    Contents: ``report.md`` and ``report.html`` (one document rendered twice,
    :mod:`bayes_trials.report.build`), ``report.pdf`` with ``pdf=True`` (printed from the HTML
    by headless Chromium, :mod:`bayes_trials.report.pdf`), ``summary_<endpoint>.csv`` (the
    tidy table) and ``.md``, ``frequentist_<endpoint>.csv``, ``benchmarks_<endpoint>.csv``,
    ``oc_<endpoint>.csv``, the kinds' trial-level tables, ``checks.csv``, ``figures/`` (each
    figure as SVG and 300-dpi PNG: one per endpoint, OC curves, MAP forest plots, the kinds'
    trial-level figures, reported effects), ``posteriors.nc`` (a DataTree:
    /<endpoint>/<fit>/posterior) and ``provenance.json``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)

    out = Path(out)
    with output_folder(out, force=force) as tmp:
        (tmp / "figures").mkdir()
        for name, res in trial_result.endpoints.items():
            ep = res.endpoint
            res.table().to_csv(tmp / f"summary_{name}.csv", index=False)
            (tmp / f"summary_{name}.md").write_text(
                render_table(ep.summary_table(res), "md") + "\n"
            )
            pd.DataFrame([res.reference.as_dict()]).to_csv(
                tmp / f"frequentist_{name}.csv", index=False
            )
            bench = res.benchmarks()
            if len(bench):
                bench.to_csv(tmp / f"benchmarks_{name}.csv", index=False)
            if res.design is not None:
                res.design.oc.to_csv(tmp / f"oc_{name}.csv")
        parts = trial_parts(trial_result)
        for part in parts:
            if isinstance(part.content, pd.DataFrame):
                part.content.to_csv(tmp / f"{part.stem}.csv", index=False)
        for rid, table in trial_result.reported.items():
            table.to_csv(tmp / f"reported_{rid}.csv", index=False)
        trial_result.checks().to_csv(tmp / "checks.csv", index=False)
        tree = trial_result.posterior
        if tree is not None:
            tree.to_netcdf(tmp / "posteriors.nc", engine="netcdf4")
        prov = provenance(trial_result, argv)
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=2, default=str) + "\n")
        sink = FolderSink(tmp / "figures", processes=processes)
        doc = build_document(trial_result, sink, parts=parts)
        sink.flush()
        (tmp / "report.md").write_text(render_markdown(doc))
        (tmp / "report.html").write_text(render_html(doc))
        if pdf:
            printable = tmp / ".report_print.html"
            printable.write_text(render_html(doc, for_print=True))
            try:
                print_pdf(printable, tmp / "report.pdf")
            finally:
                printable.unlink()
    return out


def write_design(trial_result, out, argv=None, *, force: bool = False) -> Path:
    """Write ``design.md``, the design's tables (``oc_<endpoint>.csv``,
    ``boundaries_<endpoint>.csv``, ``calibration_<endpoint>.csv``, ...) and
    ``figures/oc_<endpoint>.svg`` / ``.png`` whole.

    Every endpoint of the spec with a decision rule (one-arm ``decision``, two-arm
    ``decision_2s``): the decision under each prior, the exact decision boundaries and operating
    characteristics, the calibrated thresholds and (one arm) the interim futility look, as the
    endpoint's design object states them (``files``, ``sections``, ``plot``).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)

    t = trial_result.spec.trial
    lines = [
        f"# Design and operating characteristics: {t['title']}",
        "",
        f"Source: {t['citation']}",
        "",
        "All probabilities are exact sums over the sampling distribution.",
        "",
    ]
    with output_folder(out, force=force) as tmp:
        (tmp / "figures").mkdir()
        for name, res in trial_result.endpoints.items():
            design = res.design
            if design is None:
                continue
            for stem, table in design.files().items():
                table.to_csv(tmp / f"{stem}_{name}.csv")
            _style.save(
                design.plot(
                    title=f"{res.endpoint.label}: {design.rule}",
                    roles=_style.roles_of(res),
                    xlabel=f"true {getattr(res.endpoint, 'parameter_description', 'rate')}",
                ),
                tmp / "figures",
                f"oc_{name}",
            )
            lines += [
                f"## {res.endpoint.label} ({name})",
                "",
                f"Rule: **{design.rule}** ({design.provenance}).",
                "",
            ]
            for heading, table in design.sections():
                lines += [f"### {heading}", "", render_table(table, "md"), ""]
            lines += [f"![OC {name}](figures/oc_{name}.png)", ""]
        (tmp / "design.md").write_text("\n".join(lines))
        (tmp / "provenance.json").write_text(
            json.dumps(provenance(trial_result, argv), indent=2, default=str) + "\n"
        )
    return Path(out)
