"""``bayes-trials``: the command line.

``bayes-trials run SPEC --out DIR [--pdf]`` re-analyses every endpoint of a spec and writes
the report folder (with ``--pdf``, also ``report.pdf``, printed by headless Chromium); ``bayes-trials sensitivity SPEC [--grid GRID] [--out DIR] [--scheduler ADDRESS]``
writes prior-grid, tipping-point and fragility tables and figures (exit 0, or 2 on bad input). Exit status: 0 when every check passed, 1 when a check failed (the report
is still written, the failure is in it), 2 on bad input (one line per error, each naming
file, endpoint and field; nothing is written).

The spec format: ``bayes-trials validate SPEC...`` checks specs without sampling (one line
per endpoint); ``bayes-trials init --kind KIND [--out FILE]`` writes a minimal commented spec
of a kind; ``bayes-trials schema [--out FILE] [--markdown | --grid]`` writes the JSON Schema
of the spec format (for TOML editors), its reference in Markdown, or the grid files' schema.

``run`` and ``sensitivity`` take ``--workers N`` (sample in a Dask LocalCluster of N processes, each compiling the
model structures it is given once; default 1: this process), ``--scheduler ADDRESS`` (a Dask
cluster) and ``--profile`` (the seconds spent importing, loading the spec, compiling,
sampling, summarising, checking and writing); the closing line gives the main ones.
``run`` renders the report's figures in this process and forked copies of it, one per core up
to 4 (:func:`bayes_trials.scale.fork_processes`; the same files).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import pandas as pd

from . import _style, progress, scale
from .endpoints.registry import KINDS
from .errors import BayesTrialsError, SpecError
from .fit import TIMINGS
from .output import check_output_folder, output_folder
from .pipeline import analyse
from .report import environment_lock, find_chromium, versions, write_design, write_report
from .report.tables import summary_frame
from .sensitivity import fragility, load_grid, tipping_points
from .sensitivity import sensitivity as prior_grid
from .sensitivity.gridfile import grid_json_schema
from .spec import load_spec
from .spec.reference import spec_reference
from .spec.schema import spec_json_schema
from .spec.starter import template, write_template

#: the largest run seed: seeds are spread to every fit through numpy's SeedSequence, and
#: recorded in reports and netCDF files as unsigned 32-bit integers
MAX_SEED = 2**32 - 1


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {value}")
    return value


def seed_int(text: str) -> int:
    """An argparse type: a seed, a whole number from 0 to :data:`MAX_SEED`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_SEED}, got {text!r}"
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_SEED}, got {value}"
        )
    return value


def _sampling_arguments(parser, *, tune: bool = True) -> None:
    parser.add_argument(
        "--draws", type=positive_int, help="draws per chain (default: the spec's, else 1000)"
    )
    if tune:
        parser.add_argument("--tune", type=positive_int, help="warm-up draws per chain")
    parser.add_argument("--chains", type=positive_int, help="number of chains")
    parser.add_argument(
        "--seed", type=seed_int, help=f"run seed, 0 to {MAX_SEED} (default: the spec's)"
    )


#: worker processes of ``run`` by default: 1, sampling in this process, measured faster than a
#: LocalCluster for both seed specs on 2 cores (benchmarks/bench_specs.py)
DEFAULT_RUN_WORKERS = 1
#: the phases of :data:`bayes_trials.fit.TIMINGS` in the order a profile prints them
PHASES = ("import", "spec", "compile", "sampling", "summaries", "checks", "writing")


def _parallel_arguments(parser, *, default_workers: int) -> None:
    parser.add_argument(
        "--workers",
        type=positive_int,
        help=f"worker processes for MCMC (a Dask LocalCluster; default {default_workers}: "
        "this process, no Dask); each compiles the model structures it is given once",
    )
    parser.add_argument(
        "--scheduler", help="Dask scheduler address (tcp://host:8786): sample on that cluster"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where the time went: import, spec, compile, sampling, summaries, "
        "checks, writing",
    )


def _import_seconds() -> float:
    """Seconds from the start of the package's import to now."""
    from . import _IMPORT_STARTED

    return time.perf_counter() - _IMPORT_STARTED


#: seconds from the start of the package's import to this module's (the package's imports and
#: theirs; the interpreter's start-up before it, tens of milliseconds, is not counted);
#: counted once, by the first command of the process
_IMPORT_SECONDS = [_import_seconds()]


def time_line(wall: float) -> str:
    """``"21.3 s: compile 6.1 s, sampling 4.2 s, writing 3.0 s"``: where the time went."""
    t = TIMINGS.totals()
    parts = [f"{k} {t[k]:.1f} s" for k in ("compile", "sampling", "writing") if t.get(k, 0) >= 0.05]
    return f"{wall:.1f} s" + (": " + ", ".join(parts) if parts else "")


def profile_table(wall: float, workers: int | None) -> str:
    """Each phase's seconds, entries and share of the wall time, and each compile's seconds."""
    t, n = TIMINGS.totals(), TIMINGS.counts()
    lines = [f"{'phase':<10} {'seconds':>8} {'entries':>8}  {'share':>6}"]
    for k in [p for p in PHASES if p in t] + sorted(set(t) - set(PHASES)):
        lines.append(f"{k:<10} {t[k]:8.2f} {n.get(k, 0):8d}  {100 * t[k] / wall:5.1f}%")
    lines.append(f"{'wall':<10} {wall:8.2f}")
    if workers and workers > 1:
        lines.append(
            f"(compile and sampling ran in {workers} worker processes: their seconds are summed "
            "over the workers, so the shares can add up to more than 100%)"
        )
    return "\n".join(lines)


def _out_arguments(parser, *, required: bool) -> None:
    parser.add_argument(
        "--out",
        required=required,
        help="folder to write: absent, empty, or a previous bayes_trials output "
        "(replaced only with --force); written whole or not at all",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a previous bayes_trials output at --out (never other files)",
    )


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (exit 2) like every other bad input."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="bayes-trials", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="re-analyse every endpoint of a spec and write a report")
    run.add_argument("spec", help="path to a TOML re-analysis spec (models/<trial>.toml)")
    _out_arguments(run, required=True)
    run.add_argument(
        "--method",
        choices=("mcmc", "exact"),
        default="mcmc",
        help="mcmc (default) samples and checks against the exact posterior",
    )
    run.add_argument(
        "--pdf",
        action="store_true",
        help="also write report.pdf, printed from report.html by headless Chromium",
    )
    _sampling_arguments(run)
    _parallel_arguments(run, default_workers=DEFAULT_RUN_WORKERS)
    sen = sub.add_parser(
        "sensitivity", help="prior grids, tipping points and data fragility, tables and figures"
    )
    sen.add_argument("spec", help="path to a TOML re-analysis spec (models/<trial>.toml)")
    sen.add_argument(
        "--grid",
        help="grid file (TOML; see bayes_trials.sensitivity.load_grid); "
        "default: the built-in grids",
    )
    _out_arguments(sen, required=False)
    _parallel_arguments(sen, default_workers=1)
    sen.add_argument(
        "--method",
        choices=("auto", "exact", "mcmc"),
        help="exact posteriors (auto, the default) or MCMC refits checked against them",
    )
    _sampling_arguments(sen, tune=False)
    des = sub.add_parser("design", help="decision rules and exact operating characteristics")
    des.add_argument("spec", help="path to a TOML re-analysis spec")
    _out_arguments(des, required=True)
    val = sub.add_parser("validate", help="check specs without sampling: one line per endpoint")
    val.add_argument("spec", nargs="+", help="paths to TOML re-analysis specs")
    ini = sub.add_parser("init", help="write a minimal commented spec of an endpoint kind")
    ini.add_argument("--kind", required=True, choices=list(KINDS), help="the endpoint kind")
    ini.add_argument(
        "--out",
        help="the spec file to write (with its data file beside it, for the "
        "kinds that read one); default: print the spec",
    )
    ini.add_argument("--force", action="store_true", help="replace existing files")
    sch = sub.add_parser(
        "schema",
        help="the JSON Schema of the spec format (for TOML editors), or its reference in Markdown",
    )
    sch.add_argument("--out", help="file to write (default: print)")
    what = sch.add_mutually_exclusive_group()
    what.add_argument("--markdown", action="store_true", help="the spec reference (docs/spec.md)")
    what.add_argument(
        "--grid", action="store_true", help="the JSON Schema of sensitivity grid files"
    )
    return p


def overview(result) -> pd.DataFrame:
    """The console's table: the report's summary table (one row per endpoint, prior and
    headline quantity; ``From`` says whether the numbers are exact or MCMC)."""
    frame, labels = summary_frame(result.endpoints, result.settings["level"])
    return frame.rename(columns=labels)


def _print_overview(result) -> None:
    with pd.option_context(
        "display.width",
        200,
        "display.max_columns",
        20,
        "display.max_rows",
        1000,
        "display.max_colwidth",
        40,
    ):
        table = overview(result)
        if len(table):
            print(table.to_string(index=False))
            print(
                "From: exact = conjugate updating or quadrature; MCMC = nutpie draws (only where no exact "
                "posterior exists). Where both exist, the MCMC estimates are in each endpoint's posterior "
                "table, checked against the exact ones."
            )
        for rid, table in result.reported.items():
            cols = [
                c
                for c in table.columns
                if c
                in (
                    "prior",
                    "estimate",
                    "cri95_low",
                    "cri95_high",
                    "prob_benefit",
                    "prob_mcid",
                    "prob_harm",
                )
            ]
            print(
                f"\n{rid} (exact normal-normal posteriors):\n{table[cols].to_string(index=False)}"
            )


def _start_timing() -> float:
    """Reset the time record (with the import time so far) and return the start of the wall
    clock (the start of the package's import, for the process's first command)."""
    TIMINGS.reset()
    before = _IMPORT_SECONDS.pop() if _IMPORT_SECONDS else None
    if before is not None:
        TIMINGS.add("import", before)
    return time.perf_counter() - (before or 0.0)


def _workers(args, default: int) -> int:
    return 1 if args.scheduler else (args.workers or default)


def run(args, argv) -> int:
    t0 = _start_timing()
    with TIMINGS.phase("spec"):
        spec = load_spec(args.spec)
        check_output_folder(args.out, force=args.force)
        if args.pdf:
            find_chromium()  # refuse before any analysis when the PDF cannot be printed
    workers = _workers(args, DEFAULT_RUN_WORKERS)
    # a scheduler's cluster for the run; else sample_all starts a LocalCluster when it pays
    with warnings.catch_warnings(), scale.cluster(workers=1, scheduler=args.scheduler) as client:
        warnings.simplefilter("ignore", FutureWarning)
        result = analyse(
            spec,
            method=args.method,
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            seed=args.seed,
            client=client,
            workers=workers,
        )
    with warnings.catch_warnings(), TIMINGS.phase("writing"):
        warnings.simplefilter("ignore", FutureWarning)
        out = write_report(
            result,
            args.out,
            argv=argv,
            force=args.force,
            pdf=args.pdf,
            processes=scale.fork_processes(),
        )
    _print_overview(result)
    checks = result.checks()
    n_fail = int((checks["passed"] == False).sum())  # noqa: E712
    wall = time.perf_counter() - t0
    print(
        f"\n{spec.trial['title']}: {len(checks)} checks, {n_fail} failed; report written to {out}"
        + (" with report.pdf" if args.pdf else "")
        + f" ({time_line(wall)})"
    )
    if args.profile:
        print("\n" + profile_table(wall, workers), file=sys.stderr)
    if n_fail:
        print(
            checks[checks["passed"] == False][["endpoint", "kind", "name", "message"]].to_string(  # noqa: E712
                index=False
            ),
            file=sys.stderr,
        )
    return 1 if n_fail else 0


def design(args, argv) -> int:
    t0 = _start_timing()
    spec = load_spec(args.spec)
    check_output_folder(args.out, force=args.force)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result = analyse(spec, method="exact")
        with progress.bar(len(result.endpoints), "design: endpoints"):
            designed = {}
            for n, r in result.endpoints.items():
                progress.describe(f"{n}: boundaries and operating characteristics")
                with progress.stage("design"):
                    if r.design is not None:
                        designed[n] = r.design
                progress.advance()
    if not designed:
        print(
            f"bayes-trials: error: {args.spec}: no endpoint states a decision rule", file=sys.stderr
        )
        return 2
    with TIMINGS.phase("writing"):
        out = write_design(result, args.out, argv=argv, force=args.force)
    for name, d in designed.items():
        print(f"{name}: {d.rule}")
        print(d.summary().to_string(), "\n")
    print(f"design written to {out} ({time_line(time.perf_counter() - t0)})")
    return 0


def sensitivity(args, argv) -> int:
    """Validate spec, grid file and scheduler first; then compute, then write atomically."""
    t0 = _start_timing()
    spec = load_spec(args.spec)
    gf = load_grid(args.grid, spec) if args.grid else None
    st = dict(gf.settings) if gf else {}
    for key in ("method", "draws", "chains", "seed"):
        if getattr(args, key) is not None:
            st[key] = getattr(args, key)
    for key in ("draws", "chains"):
        if key in st and st[key] < 1:
            raise SpecError("must be at least 1", field=f"--{key}")
    method = st.get("method", "auto")
    seed = st.get("seed", spec.sampling["seed"])
    out = check_output_folder(args.out or f"sensitivity_{spec.name}", force=args.force)
    client = None
    if args.scheduler:
        client = scale.connect(args.scheduler, timeout=scale.CONNECT_TIMEOUT)
    workers = _workers(args, 1)
    endpoints = [
        es
        for es in spec.endpoints
        if KINDS[es.endpoint.kind].sensitivity is not None and es.endpoint.target is not None
    ]
    if not endpoints:
        able = ", ".join(k for k, kd in KINDS.items() if kd.sensitivity is not None)
        raise SpecError(
            f"no endpoint with prior grids ({able}) and a target", file=args.spec, field="endpoints"
        )
    results, frag = {}, {}
    with warnings.catch_warnings(), progress.bar(len(endpoints) + 1, "sensitivity: endpoints"):
        warnings.simplefilter("ignore", FutureWarning)
        for es in endpoints:
            name = es.endpoint.name
            grid = gf.grid_for(es.endpoint) if gf else "default"
            progress.describe(f"{name}: prior grid ({method})")
            with progress.stage("prior grid"):
                results[name] = prior_grid(
                    es,
                    grid=grid,
                    method=method,
                    threshold=st.get("threshold"),
                    draws=st.get("draws", spec.sampling["draws"]),
                    tune=st.get("tune", spec.sampling["tune"]),
                    chains=st.get("chains", spec.sampling["chains"]),
                    seed=seed,
                    level=st.get("level", spec.sampling["level"]),
                    client=client,
                    workers=workers,
                )
            progress.describe(f"{name}: fragility")
            with progress.stage("fragility"):
                frag[name] = fragility(es, threshold=st.get("threshold"))
            progress.advance()
        progress.describe("tipping points")
        with progress.stage("tipping points"):
            tips = tipping_points(
                spec, scenarios=st.get("scenarios", True), threshold=st.get("threshold")
            )
        progress.advance()
    import matplotlib

    matplotlib.use("Agg")

    with TIMINGS.phase("writing"), output_folder(out, force=args.force) as tmp:
        (tmp / "figures").mkdir()
        lines = [
            f"# Prior sensitivity: {spec.trial['title']}",
            "",
            f"spec: {args.spec} (sha256 {spec.sha256[:12]}); grid: {args.grid or 'built-in'}; "
            f"method: {method}; seed: {seed}; command: {' '.join(argv[1:])}",
            "",
        ]
        for name, res in results.items():
            res.table.to_csv(tmp / f"{name}_grid.csv", index=False)
            frag[name].to_csv(tmp / f"{name}_fragility.csv", index=False)
            figs = {"tornado": res.plot_tornado()}
            if res.grid is not None:
                figs.update(decision_curves=res.plot_decision_curves(), heatmap=res.plot_heatmap())
            for fname, fig in figs.items():
                _style.save(fig, tmp / "figures", f"{name}_{fname}")
            met = int(res.table["decision_met"].sum())
            lines.append(
                f"- {name}: decision (P > {res.threshold:g}) met under {met} of "
                f"{len(res.table)} priors"
            )
        tips.to_csv(tmp / "tipping_points.csv", index=False)
        lines += ["", "## Tipping points", ""] + [
            f"- {r.endpoint} [{r.data_case}; {r.data_status}]: {r.message}"
            for r in tips.itertuples()
        ]
        (tmp / "sensitivity.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        prov = {
            "generator": "bayes_trials",
            "spec": str(spec.path),
            "spec_sha256": spec.sha256,
            "grid": args.grid,
            "command": " ".join(argv),
            "method": method,
            "seed": seed,
            "versions": versions(),
            "environment_lock": environment_lock(),
        }
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=2, default=str) + "\n")
    for name, res in results.items():
        print(f"{name}: {res!r}")
    for r in tips[tips["data_case"] == "spec"].itertuples():
        print(f"tipping point {r.endpoint}: {r.message}")
    wall = time.perf_counter() - t0
    print(f"sensitivity written to {out} ({time_line(wall)})")
    if args.profile:
        print("\n" + profile_table(wall, workers), file=sys.stderr)
    return 0


def describe(spec) -> list[str]:
    """What ``bayes-trials validate`` prints: a line per endpoint (kind, data, priors) and per
    reported effect, then ``<file>: valid (...)``."""
    lines = [
        f"{es.endpoint.name}: {es.endpoint.kind}, {es.endpoint.describe_data()}; "
        f"priors: {', '.join(es.prior_specs)}"
        for es in spec.endpoints
    ]
    lines += [
        f"{rs.id}: reported {rs.measure} {rs.estimate.value:g} ({rs.ci_low.value:g} to "
        f"{rs.ci_high.value:g})"
        for rs in spec.reported
    ]
    parts = [
        f"{len(spec.endpoints)} endpoint{'s' if len(spec.endpoints) != 1 else ''}",
        f"{len(spec.priors)} prior{'s' if len(spec.priors) != 1 else ''}",
    ]
    if spec.reported:
        parts.insert(
            1, f"{len(spec.reported)} reported effect{'s' if len(spec.reported) != 1 else ''}"
        )
    return lines + [f"{spec.path}: valid ({', '.join(parts)})"]


def validate(args, argv) -> int:
    """Every spec parsed and validated, its priors resolved (MAP priors not fitted); no sampling."""
    status = 0
    for path in args.spec:
        try:
            spec = load_spec(path)
        except BayesTrialsError as err:
            _print_error(err)
            status = 2
            continue
        print("\n".join(describe(spec)))
    return status


def init(args, argv) -> int:
    if args.out is None:
        from .spec.starter import data_files

        if data_files(args.kind):
            raise SpecError(
                f"the {args.kind} template comes with a data file: give --out FILE", field="--out"
            )
        print(template(args.kind), end="")
        return 0
    written = write_template(args.kind, args.out, force=args.force)
    print(
        f"wrote {', '.join(map(str, written))}; check it with `bayes-trials validate {written[0]}`"
    )
    return 0


def schema(args, argv) -> int:
    import json

    if args.markdown:
        text = spec_reference()
    else:
        text = (
            json.dumps(
                grid_json_schema() if args.grid else spec_json_schema(),
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def _print_error(err) -> None:
    for line in str(err).splitlines():
        print(f"bayes-trials: error: {line}", file=sys.stderr)


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    return f"warning: {message}\n"


def main(argv=None) -> int:
    warnings.formatwarning = _one_line_warning
    argv = list(sys.argv if argv is None else ["bayes-trials", *argv])
    args = _parser().parse_args(argv[1:])
    try:
        if args.command == "run":
            return run(args, argv)
        if args.command == "design":
            return design(args, argv)
        if args.command == "sensitivity":
            return sensitivity(args, argv)
        if args.command == "validate":
            return validate(args, argv)
        if args.command == "init":
            return init(args, argv)
        if args.command == "schema":
            return schema(args, argv)
    except BayesTrialsError as err:
        _print_error(err)
        return 2
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
