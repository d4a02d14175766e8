"""Reports: tables (CSV, Markdown, HTML), figures, saved posteriors and provenance.

Numbers first, then tables, then prose: every sentence is written from the same numbers
as the tables, and rounding happens only here, at display. A report folder is written
to a temporary sibling and moved into place at the end, so a failure leaves no
half-written folder behind.
"""

from __future__ import annotations

import hashlib
import html
import json
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from .output import output_folder
from .summaries import pct

PACKAGES = ("bayes_trials", "pymc", "pytensor", "nutpie", "arviz", "arviz-base", "arviz-stats",
            "numpy", "scipy", "pandas", "xarray", "statsmodels", "matplotlib")

SUMMARY_COLUMNS = ["prior", "prior_ess", "conflict_p", "posterior_weights", "mean", "sd", "median", "eti{p}_low", "eti{p}_high",
                   "hdi{p}_low", "hdi{p}_high", "prob", "prob_mcse", "exact_prob", "exact_mean",
                   "exact_eti{p}_low", "exact_eti{p}_high", "ess_bulk", "r_hat", "divergences"]


def _fmt(x, digits=4) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "pass" if x else "FAIL"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
            return f"{x:.3g}"
        return f"{x:.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}f}".rstrip("0").rstrip(".") or "0"
    return str(x)


def fmt_prob(p) -> str:
    """A probability for display: near 1 as '1 - 2.1e-05', so that 0.99998 never reads as 1."""
    if p is None or (isinstance(p, float) and np.isnan(p)):
        return "-"
    if p > 0.9995:
        return f"1 - {1 - p:.2g}"
    if p < 0.0005:
        return f"{p:.2g}"
    return f"{p:.4f}"


PROB_COLUMNS = ("prob", "exact_prob", "exact_prob_vs_uncertain", "conflict_p")


def display_summary(result) -> pd.DataFrame:
    """The summary table as a statistician reads it: one row per prior, key columns."""
    p = pct(result.level)
    df = result.summary()
    cols = [c.format(p=p) for c in SUMMARY_COLUMNS if c.format(p=p) in df.columns]
    out = df[cols].copy()
    if result.endpoint.target is None:
        out = out.drop(columns=[c for c in ("prob", "prob_mcse", "exact_prob") if c in out])
    elif "prob_resolvable" in df:
        # a tail probability beyond what the draws resolve is shown by its exact value only
        mask = df["prob_resolvable"] == False  # noqa: E712
        out["prob"] = out["prob"].astype(object)
        out.loc[mask, "prob"] = "unresolved"
    return out


def _table(df: pd.DataFrame, fmt: str) -> str:
    if isinstance(df.index, pd.MultiIndex):
        df = df.copy()
        df.index = pd.Index([" / ".join(map(str, i)) for i in df.index], name=" / ".join(df.index.names))
    shown = df.map(_fmt)
    for col in PROB_COLUMNS:
        if col in df.columns:
            shown[col] = [v if isinstance(v, str) else fmt_prob(v) for v in df[col]]
    if fmt == "html":
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


def design_table(design) -> pd.DataFrame:
    """Per prior: the decision on the data, the boundary, type I error and power; the test last."""
    from .design import TEST_NAME

    table = design.decisions.join(design.boundaries)
    return pd.concat([table, design.boundaries.loc[[TEST_NAME]]])


def frequentist_table(result) -> pd.DataFrame:
    ref = result.reference
    if result.endpoint.kind != "binary":
        rows = [{"quantity": k, "value": v} for k, v in ref.as_dict().items() if v not in (None, "")]
        return pd.DataFrame(rows).set_index("quantity")
    rows = [{"quantity": "estimate (events / n)", "value": ref.estimate}]
    if ref.p_value is not None:
        rows.append({"quantity": f"exact binomial test, one-sided ({ref.alternative}) vs "
                                 f"{ref.target:g}: p", "value": ref.p_value})
    for method, (lo, hi) in ref.intervals.items():
        rows.append({"quantity": f"{method} {pct(ref.level)}% CI", "value": f"{lo:.4f} to {hi:.4f}"})
    return pd.DataFrame(rows).set_index("quantity")


def checks_table(result) -> pd.DataFrame:
    c = result.checks()
    return c[["kind", "name", "prior", "value", "reference", "tolerance", "passed", "message"]]


def sentences(result) -> list[str]:
    """The report's prose, written from the same numbers as the tables."""
    ep, ref = result.endpoint, result.reference
    p = pct(result.level)
    if ep.kind == "binary":
        out = [f"Observed {ep.data.events} of {ep.data.n} ({100 * ref.estimate:.1f}%)."]
        if ref.p_value is not None:
            out.append(f"Exact one-sided binomial test against {ep.target:g}: p = {ref.p_value:.3g}.")
    else:
        out = [f"Observed {ep.describe_data()}: {ep.parameter} {ref.estimate:.4g}."]
    if result.spec is not None and any(q.tag == "assumed" for q in result.spec.provenance.values()):
        assumed = [k for k, q in result.spec.provenance.items() if q.tag == "assumed"]
        out.append(f"ASSUMED data ({', '.join(assumed)}): every number below depends on this scenario.")
    for name, fit in result.fits.items():
        r = fit.row
        lo, hi = r[f"exact_eti{p}_low"], r[f"exact_eti{p}_high"]
        ess_txt = "" if r.get("prior_ess") is None else f" (ESS {r['prior_ess']:.3g})"
        s = (f"Under the {name} prior {fit.prior!r}{ess_txt}, the posterior mean of {ep.parameter} is "
             f"{r['exact_mean']:.3f} ({p}% equal-tailed CrI {lo:.3f} to {hi:.3f})")
        if r.get("exact_prob") is not None:
            s += f"; {ep.describe_target()} = {fmt_prob(r['exact_prob'])}"
            if r.get("prob_resolvable") is False:
                s += " (exact; beyond what the draws resolve)"
        out.append(s + ".")
    out.append(result.checks_sentence())
    return out


def endpoint_tables(result, fmt: str = "md") -> str:
    """One endpoint's section of the report, in Markdown or HTML.

    A result that brings its own sections (``report_blocks()`` -> list of (heading,
    DataFrame), ``sentences()`` -> list of str) is shown with them, after the provenance table.
    """
    title = f"{result.endpoint.label} ({result.name})"
    if hasattr(result, "report_blocks"):
        blocks = [("Data and provenance", provenance_table(result)), *result.report_blocks(),
                  ("Checks", checks_table(result))]
        return _render_section(title, result.sentences(), blocks, fmt)
    blocks = [("Data and provenance", provenance_table(result))]
    for name, ps, fitted in map_priors_used(result):
        blocks += map_tables(name, ps, fitted)
    blocks += [
        ("Frequentist reference (recomputed)", frequentist_table(result)),
        ("Posterior summary", display_summary(result)),
    ]
    design = result.design
    if design is not None:
        ds = result.spec.decision
        blocks.append((f"Decision: {design.rule} ({ds.tag}: {ds.rationale})",
                       design_table(design)))
        blocks.append((f"Threshold calibrated to a one-sided type I error of {ds.alpha:g} at {design.target:g}",
                       design.calibration))
        if design.futility is not None:
            blocks.append((f"Interim look after {ds.interim} patients: stop for futility if the "
                           f"predictive probability of success < {ds.futility:g}",
                           design.futility.set_index(["prior_name", "truth"])))
    bench = result.benchmarks()
    if len(bench):
        blocks.append(("Benchmarks (external rates; see the caveats in the spec)",
                       bench.set_index(["benchmark", "prior_name"])
                       .drop(columns=["endpoint"])))
    blocks.append(("Checks", checks_table(result)))
    return _render_section(title, sentences(result), blocks, fmt)


def _render_section(title: str, text: list, blocks: list, fmt: str) -> str:
    if fmt == "html":
        parts = [f"<h2>{html.escape(title)}</h2>"]
        parts += [f"<p>{html.escape(s)}</p>" for s in text]
        for head, df in blocks:
            parts += [f"<h3>{html.escape(head)}</h3>", _table(df, "html")]
        return "\n".join(parts)
    parts = [f"## {title}", "", *[f"- {s}" for s in text], ""]
    for head, df in blocks:
        parts += [f"### {head}", "", _table(df, "md"), ""]
    return "\n".join(parts)


def plot_endpoint(result, ax=None):
    """Prior (dashed) and posterior (solid) densities for each prior; the target marked."""
    import matplotlib

    if ax is None:
        matplotlib.use(matplotlib.get_backend())
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    lo_x, hi_x = 0.0, 1.0
    if result.endpoint.kind != "binary":
        lo_x = 0.0
        hi_x = max(float(f.exact.ppf(0.995)) for f in result.fits.values())
        if result.endpoint.target is not None:
            hi_x = max(hi_x, 1.1 * result.endpoint.target)
    x = np.linspace(lo_x + 1e-4 * (hi_x - lo_x), hi_x - 1e-4 * (hi_x - lo_x), 600)
    top = 0.0
    for i, (name, fit) in enumerate(result.fits.items()):
        color = f"C{i}"
        post = fit.exact.pdf(x)
        ax.plot(x, post, color=color, lw=1.8, label=f"{name}: posterior")
        if hasattr(fit.prior, "pdf"):
            ax.plot(x, fit.prior.pdf(x), color=color, lw=1, ls="--", alpha=0.8)
        top = max(top, float(np.nanpercentile(post, 99)))
    if result.endpoint.target is not None:
        ax.axvline(result.endpoint.target, color="k", lw=1, ls=":",
                   label=f"target {result.endpoint.target:g}")
    ax.set_ylim(0, top * 1.1 if top > 0 else None)
    ax.set_xlim(lo_x, hi_x)
    ax.set_xlabel(result.endpoint.parameter)
    ax.set_ylabel("density")
    assumed = result.spec is not None and any(q.tag == "assumed" for q in result.spec.provenance.values())
    ax.set_title(f"{result.endpoint.label}: {result.endpoint.describe_data()}"
                 + (" [ASSUMED data]" if assumed else "")
                 + ("\n(dashed: prior, solid: exact posterior)" if result.endpoint.kind == "binary"
                    else "\n(exact posteriors)"), fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    return fig


def _versions() -> dict:
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
    lock = Path(__file__).resolve().parents[1] / "requirements.lock"
    if not lock.is_file():
        return None
    return {"file": lock.name, "sha256": hashlib.sha256(lock.read_bytes()).hexdigest()}


def provenance(trial_result, argv=None) -> dict:
    spec = trial_result.spec
    seeds = {f"{e}/{p}": fit.seed for e, r in trial_result.endpoints.items() for p, fit in r.fits.items()}
    for e, r in trial_result.endpoints.items():
        # a result may fit a model beside its priors' (e.g. the per-patient rates' comparison fit)
        comparison = getattr(r, "comparison", None)
        if comparison and not comparison.get("reused"):
            seeds[f"{e}/{comparison['prior']} (comparison)"] = comparison["row"].get("seed")
    return {
        "generator": "bayes_trials",
        "spec": str(spec.path),
        "spec_sha256": spec.sha256,
        "command": " ".join(argv) if argv else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": trial_result.settings,
        "seeds": seeds,
        "versions": _versions(),
        "environment_lock": environment_lock(),
    }


def reported_sections(trial_result, fmt: str) -> list[str]:
    """The report's section on effects reported only as an estimate with a CI."""
    out = []
    for rs in trial_result.spec.reported:
        prov = pd.DataFrame([
            {"field": k, "value": q.value, "tag": q.tag, "source": q.source}
            for k, q in (("estimate", rs.estimate), ("ci_low", rs.ci_low), ("ci_high", rs.ci_high),
                         ("mcid", rs.mcid)) if q is not None]).set_index("field")
        table = trial_result.reported[rs.id].set_index("prior")
        title = f"{rs.label} ({rs.id}): {rs.measure} {rs.estimate.value:g} ({rs.ci_low.value:g} to {rs.ci_high.value:g})"
        text = (f"Normal likelihood on the {'log' if rs.scale == 'ratio' else 'natural'} scale from the "
                f"{100 * rs.level:g}% CI; benefit is a {'lower' if rs.benefit == 'lower' else 'higher'} value; "
                "exact normal-normal posteriors under each prior.")
        if fmt == "html":
            out.append(f"<h2>{html.escape(title)}</h2><p>{html.escape(text)}</p>"
                       + _table(prov, "html") + _table(table, "html"))
        else:
            out.append("\n".join([f"## {title}", "", text, "", _table(prov, "md"), "", _table(table, "md"), ""]))
    return out


def rate_endpoints(trial_result) -> list:
    return [r for r in trial_result.endpoints.values() if r.endpoint.kind == "rate_ratio"]


def scenario_sweep_table(trial_result) -> pd.DataFrame | None:
    """For each rate endpoint with a published reduction: the exact sweep over unknown numbers."""
    from .endpoints.rates import scenario_sweep

    reductions = {}
    for res in rate_endpoints(trial_result):
        for item in res.spec.published if res.spec is not None else ():
            if item.quantity == "percent_reduction":
                reductions[res.name] = item.value
    if not reductions:
        return None
    return scenario_sweep(reductions, level=trial_result.settings["level"])


def plot_scenario_sweep(sweep: pd.DataFrame):
    """P(reduction > 50%) against the assumed events before, one line per endpoint and exposure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    prob_col = [c for c in sweep.columns if c.startswith("prob_reduction")][0]
    for i, (name, grp) in enumerate(sweep.groupby("endpoint", sort=False)):
        for j, (eb, g) in enumerate(grp.groupby("exposure_before")):
            ax.plot(g["events_before"], g[prob_col], marker="o", ms=3, color=f"C{i}",
                    ls=("-", "--", ":")[j % 3], label=f"{name}, {eb:g} patient-years before")
    ax.set_xlabel("total events before infusion (ASSUMED; not published)")
    ax.set_ylabel("P(reduction > 50%)" if prob_col == "prob_reduction_gt_50" else prob_col)
    ax.set_ylim(0, 1.02)
    ax.set_title("Scenario sweep: every count reproduces the published reduction (Jeffreys priors)",
                 fontsize=9)
    ax.legend(fontsize=6, frameon=False)
    return fig


def plot_rate_forest(trial_result):
    """Rate ratio posterior medians and 95% CrIs across endpoints and priors (exact)."""
    import matplotlib.pyplot as plt

    rows = [(res.name, name, fit.exact) for res in rate_endpoints(trial_result)
            for name, fit in res.fits.items()]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1.2))
    level = trial_result.settings["level"]
    for k, (ep, prior, post) in enumerate(rows):
        y = len(rows) - k
        lo, hi = post.interval(level, "eti")
        ax.plot([lo, hi], [y, y], color="C0")
        ax.plot(post.median, y, "o", color="C0")
    ax.set_yticks(range(len(rows), 0, -1), [f"{ep} / {prior}" for ep, prior, _ in rows], fontsize=7)
    ax.axvline(1.0, color="0.5", ls=":", lw=1)
    ax.axvline(0.5, color="0.5", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel(f"rate ratio after / before (median, {pct(level)}% CrI; dashed: 50% reduction)")
    ax.set_title("Rate ratios across endpoints, priors and models (two-rate Gamma; log-linear: *_log_rr) "
                 "[ASSUMED scenario data]", fontsize=9)
    return fig


def _trial_markdown(trial_result, prov) -> str:
    t = trial_result.spec.trial
    c = trial_result.checks()
    n_fail = int((c["passed"] == False).sum())  # noqa: E712
    lines = [
        f"# Bayesian re-analysis: {t['title']}", "",
        f"Source: {t['citation']}", "",
        f"Spec `{trial_result.spec.path}` (sha256 `{trial_result.spec.sha256[:16]}`), "
        f"method {trial_result.settings['method']}, {trial_result.settings['chains']} chains x "
        f"{trial_result.settings['draws']} draws, seed {trial_result.settings['seed']}.", "",
        "Every input number is tagged **published** (printed in the source), **derived** "
        "(computed from printed numbers) or **assumed** (an explicit assumption); see each "
        "endpoint's provenance table.", "",
        f"**Checks: {len(c)} in all, {n_fail} failed.**", "",
    ]
    for name, res in trial_result.endpoints.items():
        lines += [endpoint_tables(res, "md"), f"![{name}](figures/{name}.png)", ""]
        if res.design is not None:
            lines += [f"![operating characteristics of {name}](figures/oc_{name}.png)", ""]
    sweep = scenario_sweep_table(trial_result)
    if rate_endpoints(trial_result):
        lines += ["## Rate ratios across endpoints and priors", "", "![forest](figures/rate_ratios_forest.png)", ""]
    if sweep is not None:
        lines += ["## Scenario sweep: what the unpublished counts would have to be", "",
                  "Every row reproduces the published reduction exactly; the posterior (Jeffreys priors, "
                  "exact) depends on how many events and patient-years lie behind it.", "",
                  "![sweep](figures/scenario_sweep.png)", "", "(table: `scenario_sweep.csv`)", ""]
    lines += reported_sections(trial_result, "md")
    return "\n".join(lines)


def _trial_html(trial_result) -> str:
    t = trial_result.spec.trial
    css = ("body{font-family:sans-serif;max-width:1100px;margin:auto}"
           ".bt-table{border-collapse:collapse;font-size:12px}"
           ".bt-table td,.bt-table th{border:1px solid #ccc;padding:2px 6px}")
    body = [f"<h1>Bayesian re-analysis: {html.escape(t['title'])}</h1>",
            f"<p>Source: {html.escape(t['citation'])}</p>"]
    for name, res in trial_result.endpoints.items():
        body += [endpoint_tables(res, "html"), f'<img src="figures/{name}.png" alt="{name}">']
        if res.design is not None:
            body.append(f'<img src="figures/oc_{name}.png" alt="operating characteristics">')
    body += reported_sections(trial_result, "html")
    return f"<!doctype html><html><head><meta charset='utf-8'><style>{css}</style></head><body>{''.join(body)}</body></html>"


def write_design(trial_result, out, argv=None, *, force: bool = False) -> Path:
    """Write ``design.md``, ``oc_<endpoint>.csv`` and ``figures/oc_<endpoint>.png`` atomically.

    Every endpoint of the spec with a ``decision`` rule: the decision under each prior, the
    exact decision boundaries and operating characteristics beside the exact binomial test's,
    the calibrated thresholds and the interim futility look.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    t = trial_result.spec.trial
    lines = [f"# Design and operating characteristics: {t['title']}", "", f"Source: {t['citation']}", "",
             "All probabilities are exact sums over the binomial sampling distribution.", ""]
    with output_folder(out, force=force) as tmp:
        (tmp / "figures").mkdir()
        for name, res in trial_result.endpoints.items():
            design = res.design
            if design is None:
                continue
            ds = res.spec.decision
            design.oc.to_csv(tmp / f"oc_{name}.csv")
            design_table(design).to_csv(tmp / f"boundaries_{name}.csv")
            design.calibration.to_csv(tmp / f"calibration_{name}.csv")
            fig = design.plot(title=f"{res.endpoint.label}: {design.rule}")
            fig.savefig(tmp / "figures" / f"oc_{name}.png", dpi=110, bbox_inches="tight")
            plt.close(fig)
            lines += [f"## {res.endpoint.label} ({name})", "", f"Rule: **{design.rule}** ({ds.tag}: {ds.rationale}).", "",
                      "### Decision, boundary, type I error and power", "", _table(design_table(design), "md"), "",
                      f"### Threshold calibrated to a type I error of {ds.alpha:g}", "",
                      _table(design.calibration, "md"), ""]
            if design.futility is not None:
                lines += [f"### Interim look after {ds.interim} patients (futility if predictive "
                          f"probability < {ds.futility:g})", "",
                          _table(design.futility.set_index(["prior_name", "truth"]), "md"), ""]
            lines += [f"![OC {name}](figures/oc_{name}.png)", ""]
        (tmp / "design.md").write_text("\n".join(lines))
        (tmp / "provenance.json").write_text(
            json.dumps(provenance(trial_result, argv), indent=2, default=str) + "\n")
    return Path(out)


def write_report(trial_result, out, argv=None, *, force: bool = False) -> Path:
    """Write the report folder ``out`` atomically; returns its path.

    Contents: ``report.md``, ``report.html``, ``summary_<endpoint>.csv/.md``,
    ``frequentist_<endpoint>.csv``, ``checks.csv``, ``figures/<endpoint>.png``,
    ``posteriors.nc`` (a DataTree: /<endpoint>/<prior>/posterior) and ``provenance.json``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out = Path(out)
    with output_folder(out, force=force) as tmp:
        (tmp / "figures").mkdir()
        for name, res in trial_result.endpoints.items():
            res.summary().to_csv(tmp / f"summary_{name}.csv")
            shown = res.summary() if hasattr(res, "report_blocks") else display_summary(res)
            (tmp / f"summary_{name}.md").write_text(_table(shown, "md") + "\n")
            pd.DataFrame([res.reference.as_dict()]).to_csv(tmp / f"frequentist_{name}.csv", index=False)
            if len(res.benchmarks()):
                res.benchmarks().to_csv(tmp / f"benchmarks_{name}.csv", index=False)
            fig = res.plot()
            fig.savefig(tmp / "figures" / f"{name}.png", dpi=110, bbox_inches="tight")
            plt.close(fig)
            if res.design is not None:
                res.design.oc.to_csv(tmp / f"oc_{name}.csv")
                fig = res.design.plot(title=f"{res.endpoint.label}: {res.design.rule}")
                fig.savefig(tmp / "figures" / f"oc_{name}.png", dpi=110, bbox_inches="tight")
                plt.close(fig)
            for prior_name, _, fitted in map_priors_used(res):
                ax = fitted.plot_forest()
                ax.figure.savefig(tmp / "figures" / f"{name}_{prior_name}_forest.png", dpi=110,
                                  bbox_inches="tight")
                plt.close(ax.figure)
        for rid, table in trial_result.reported.items():
            table.to_csv(tmp / f"reported_{rid}.csv", index=False)
        if rate_endpoints(trial_result):
            fig = plot_rate_forest(trial_result)
            fig.savefig(tmp / "figures" / "rate_ratios_forest.png", dpi=110, bbox_inches="tight")
            plt.close(fig)
        sweep = scenario_sweep_table(trial_result)
        if sweep is not None:
            sweep.to_csv(tmp / "scenario_sweep.csv", index=False)
            fig = plot_scenario_sweep(sweep)
            fig.savefig(tmp / "figures" / "scenario_sweep.png", dpi=110, bbox_inches="tight")
            plt.close(fig)
        trial_result.checks().to_csv(tmp / "checks.csv", index=False)
        tree = trial_result.posterior
        if tree is not None:
            tree.to_netcdf(tmp / "posteriors.nc", engine="netcdf4")
        prov = provenance(trial_result, argv)
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=2, default=str) + "\n")
        (tmp / "report.md").write_text(_trial_markdown(trial_result, prov))
        (tmp / "report.html").write_text(_trial_html(trial_result))
    return out
