"""The report's document model, its numbers and labels, figures for print, progress, Jupyter."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials._format import column_label, fmt, fmt_prob
from bayes_trials.cli import main
from bayes_trials.report import InlineSink, build_document, render_html, render_markdown

from .conftest import LAD1


# --- numbers -----------------------------------------------------------------------------------
def test_tails_never_print_as_one_minus_zero():
    # Beta(10, 1): P(theta > x) = 1 - x^10, so at x = 0.001 the tail is 1e-30 exactly
    post = bt.Beta(10, 1)
    p, tail = float(post.sf(1e-3)), float(post.cdf(1e-3))
    assert p == 1.0 and tail == pytest.approx(1e-30, rel=1e-9)
    assert fmt_prob(p) == "> 1 - 1e-15"  # the float alone cannot say more
    assert fmt_prob(p, complement=tail) == "1 - 1e-30"
    assert (
        fmt_prob(0.0) == "< 1e-15"
        and fmt_prob(3e-16) == "< 1e-15"
        and fmt_prob(2.5e-13) == "2.5e-13"
    )
    assert (
        fmt_prob(1 - 2.5e-13) == "1 - 2.5e-13"
        and fmt_prob(0.5) == "0.5000"
        and fmt_prob(None) == "-"
    )


def test_report_states_a_tiny_tail_from_the_exact_complement():
    # 60/60 under a uniform prior: Beta(61, 1), P(theta > 0.3) = 1 - 0.3^61 = 1 - 1.3e-32
    ep = bt.BinaryEndpoint("x", bt.Binary(60, 60), target=0.3)
    res = bt.analyse(ep, priors={"uniform": bt.Beta(1, 1)}, method="exact")
    shown = f"1 - {0.3**61:.2g}"
    assert shown == "1 - 1.3e-32"
    assert any(shown in s for s in ep.sentences(res))
    doc = build_document_of(res)
    md = render_markdown(doc)
    assert shown in md and "1 - 0 " not in md and "1 - 0|" not in md


def build_document_of(res):
    from bayes_trials.report.build import endpoint_document

    return endpoint_document(res, InlineSink(dpi=40))


def test_column_labels_are_words():
    assert column_label("exact_eti95_low") == "95% ETI low (exact)"
    assert column_label("eti95_high") == "95% ETI high"
    assert column_label("prob_mcse") == "MCSE of P" and column_label("ess_bulk") == "Bulk ESS"
    assert column_label("clopper-pearson95_low") == "95% clopper-pearson low"


def test_posterior_table_labels_exact_and_mcmc_rows(lad1_result):
    from bayes_trials.report.tables import posterior_table, summary_frame

    res = lad1_result["hsct_free_survival_1y"]
    frame, compact, labels = posterior_table(res)
    # both rows for every prior: the exact posterior's and the draws'
    assert frame.groupby("prior")["source"].apply(sorted).to_dict() == {
        p: ["MCMC", "exact"] for p in res.fits
    }
    exact = frame[(frame["prior"] == "uniform") & (frame["source"] == "exact")].iloc[0]
    assert exact["mean"] == "0.9091" and exact["cri"] == "0.6915 to 0.9975"  # Beta(10, 1): 10/11
    assert exact["prob"] == f"1 - {0.39**10:.2g}"
    mcmc = frame[(frame["prior"] == "uniform") & (frame["source"] == "MCMC")].iloc[0]
    row = res.fits["uniform"].row
    assert mcmc["mean"] == fmt(row["mean"])
    for name, fit in res.fits.items():  # the draws' tail probability with its MCSE, or why not
        r = fit.row
        shown = frame[(frame["prior"] == name) & (frame["source"] == "MCMC")].iloc[0]["prob"]
        assert shown == (
            f"{fmt_prob(r['prob'])} ± {fmt(r['prob_mcse'], 2)}"
            if r["prob_resolvable"]
            else "not resolved by the draws (exact value above)"
        )
    assert labels["prob"] == "P(θ > 0.39)" and set(compact) <= set(labels)
    # the summary: one row per endpoint x prior, the exact numbers, labelled
    summary, _ = summary_frame(lad1_result.endpoints, 0.95)
    assert len(summary) == sum(len(r.fits) for r in lad1_result.endpoints.values())
    assert set(summary["source"]) == {"exact"}
    binary = summary[summary["endpoint"] == "hsct_free_survival_1y"].set_index("prior")
    assert (
        binary.loc["uniform", "decision"] == "success" and binary.loc["uniform", "mean"] == "0.9091"
    )
    checks = res.checks()
    mine = checks[checks["prior"].isin(["uniform", ""]) & checks["passed"].notna()]
    assert binary.loc["uniform", "checks"] == f"{int(mine['passed'].sum())}/{len(mine)}"


def test_document_order_and_the_banner(lad1_result):
    doc = build_document(lad1_result, InlineSink(dpi=30))
    titles = [t for t, _ in doc.toc()]
    assert titles[0] == "Summary" and titles[-1] == "Appendix: all checks"
    assert titles[1] == "HSCT-free survival at 1 year after infusion (hsct_free_survival_1y)"
    first = doc.sections[0]
    subs = [b.title for b in first.blocks if hasattr(b, "blocks")]
    assert subs[:3] == ["Data and provenance", "Posterior", "Frequentist reference (recomputed)"]
    assert doc.banner is None and doc.checks_line.startswith(
        f"Checks: {len(lad1_result.checks())} in all, 0 failed"
    )
    assert "sampled with nutpie" in doc.header[1]
    numbers = [b.number for b in _figures(doc)]
    assert numbers == list(range(1, len(numbers) + 1)) and all(b.caption for b in _figures(doc))
    html = render_html(doc)
    assert html.count('<details class="part"') == len(lad1_result.endpoints)


def _figures(doc):
    from bayes_trials.report.document import Figure, _walk

    return [b for b in _walk(doc.sections) if isinstance(b, Figure)]


# --- files -------------------------------------------------------------------------------------
def test_figures_are_svg_and_300_dpi_png(tmp_path):
    from PIL import Image

    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 0
    pngs = sorted((out / "figures").glob("*.png"))
    assert {p.stem for p in pngs} == {p.stem for p in (out / "figures").glob("*.svg")}
    assert {
        "hsct_free_survival_1y",
        "oc_hsct_free_survival_1y",
        "rate_ratios_forest",
        "scenario_sweep",
    } <= {p.stem for p in pngs}
    for p in pngs:
        dpi = Image.open(p).info["dpi"]
        assert dpi == pytest.approx((300, 300), abs=0.5), p.name
    html = (out / "report.html").read_text()
    assert 'src="figures/hsct_free_survival_1y.svg"' in html
    assert "(figures/hsct_free_survival_1y.png)" in (out / "report.md").read_text()


def test_figures_rendered_in_forked_copies_are_the_same_files(lad1_result, tmp_path):
    from bayes_trials.report import write_report

    one = write_report(lad1_result, tmp_path / "one", processes=1) / "figures"
    three = write_report(lad1_result, tmp_path / "three", processes=3) / "figures"
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in three.iterdir()) and len(names) >= 8
    for name in names:  # PNGs byte for byte (an SVG's element ids are random: svg.hashsalt)
        if name.endswith(".png"):
            assert (one / name).read_bytes() == (three / name).read_bytes(), name
        else:
            assert (three / name).stat().st_size > 0


def test_reported_effects_say_nothing_was_sampled_and_draw_a_figure(tmp_path):
    from .test_reported_in_specs import SPEC

    spec = tmp_path / "andromeda.toml"
    spec.write_text(SPEC)
    out = tmp_path / "report"
    assert main(["run", str(spec), "--out", str(out)]) == 0  # method mcmc asked, nothing to sample
    md = (out / "report.md").read_text()
    assert "nothing sampled" in md and "4 chains" not in md
    assert (out / "figures" / "reported_mortality_28d.svg").stat().st_size > 0
    assert "![28-day mortality: posteriors](figures/reported_mortality_28d.png)" in md


def test_pdf_without_a_browser_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BT_CHROMIUM", str(tmp_path / "no-such-browser"))
    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact", "--pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--pdf" in err[0] and "BT_CHROMIUM" in err[0]
    assert not out.exists()


def test_closing_line_splits_the_time(tmp_path, capsys):
    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 0
    captured = capsys.readouterr()
    last = captured.out.strip().splitlines()[-1]
    assert "report written to" in last and "writing" in last
    assert "compile" not in last  # nothing compiled for an exact run
    assert captured.err == ""  # no progress display when stderr is not a terminal
    assert "From" in captured.out and "exact" in captured.out


# --- progress ----------------------------------------------------------------------------------
def test_progress_shows_the_stage_and_counts_the_outer_bar_only(monkeypatch):
    # the display keeps no times (fit.TIMINGS does, see test_cli's profile test); it shows the
    # innermost stage, restores the enclosing one, and a nested bar's steps are not counted
    from bayes_trials import progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stderr", Tty())
    monkeypatch.delenv("BT_PROGRESS", raising=False)
    with progress.bar(1, "run"):
        progress.grow(2)
        progress.describe("hsct_free_survival_1y / uniform")
        with progress.stage("sampling"):
            with progress.stage("compiling", "binary"):
                assert progress.current() == "hsct_free_survival_1y / uniform: compiling binary"
            assert progress.current() == "hsct_free_survival_1y / uniform: sampling"
        with progress.bar(5, "inner"):
            progress.advance(5)
            progress.grow(10)
        progress.advance()
        shown = progress._display["bar"]
        assert (shown.n, shown.total) == (1, 3)
    assert progress.current() == ""


def test_progress_shows_on_a_terminal_only(monkeypatch):
    from bayes_trials import progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    fake = Tty()
    monkeypatch.setattr("sys.stderr", fake)
    monkeypatch.delenv("BT_PROGRESS", raising=False)
    with progress.bar(2, "run"):
        progress.describe("hsct_free_survival_1y / uniform")
        with progress.stage("sampling"):
            pass
        progress.advance()
    assert "hsct_free_survival_1y / uniform" in fake.getvalue()
    monkeypatch.setenv("BT_PROGRESS", "0")
    quiet = Tty()
    monkeypatch.setattr("sys.stderr", quiet)
    with progress.bar(1, "run"):
        progress.describe("x")
    assert quiet.getvalue() == ""


# --- Jupyter -----------------------------------------------------------------------------------
def test_repr_html_shows_the_summary_and_the_figures(lad1_result):
    html = lad1_result._repr_html_()
    assert (
        "Summary" in html
        and "Checks: " in html
        and html.count("data:image/png;base64,") == len(lad1_result.endpoints)
    )
    one = lad1_result["hsct_free_survival_1y"]._repr_html_()
    assert "P(θ &gt; 0.39)" in one and "MCMC" in one and "data:image/png;base64," in one


def test_provenance_records_the_report_packages(tmp_path):
    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact"]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["versions"]["jinja2"] and prov["versions"]["arviz-plots"]


def test_scalar_figure_marks_an_unbounded_density():
    # Jeffreys posterior of 9/9: Beta(9.5, 0.5), a pole at 1 that no y-axis holds
    ep = bt.BinaryEndpoint("x", bt.Binary(9, 9), target=0.39)
    res = bt.analyse(ep, method="exact")
    fig = res.plot()
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "unbounded" in texts
    post_ax = fig.axes[1]
    top = post_ax.get_ylim()[1]
    x = np.linspace(0.2, 0.98, 50)
    # every curve is inside the axes away from the pole
    assert stats.beta(10, 1).pdf(x).max() < top and stats.beta(9.5, 0.5).pdf(0.98) < top
