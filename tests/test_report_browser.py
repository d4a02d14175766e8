"""The reports as a reader sees them: rendered by a real headless browser (Chromium + selenium).

Both seed specs' reports (the session's MCMC results, written once) are opened at 1,280 px:
no visible element is wider than the viewport, every image loads, the HTML and the Markdown
carry the same headings and the same numbers; a spec made to fail one check shows the
failure banner and the count of checks. ``bayes-trials run --pdf`` prints the PDF. With
``BT_WRITE_SCREENSHOTS=1`` the first screen of each seed report is saved under ``docs/``
(the README shows them).

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); selenium
is pointed at them, so nothing is downloaded at run time.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from .conftest import LAD1, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1280, 1000

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must not download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from bayes_trials.report.pdf import HEADLESS_FLAGS

    profile = tempfile.mkdtemp(prefix="bt-selenium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def seed_reports(lad1_result, meta_result, tmp_path_factory):
    """The two seed specs' reports, from the session's MCMC results (no recompiling)."""
    from bayes_trials.report import write_report

    root = tmp_path_factory.mktemp("reports")
    return {
        "lad1": write_report(lad1_result, root / "lad1"),
        "meta10_19": write_report(meta_result, root / "meta"),
    }


@pytest.fixture(scope="module")
def failing_report(tmp_path_factory):
    """LAD-I with the paper's 95% CI lower bound misprinted as 67 (it is 66.4): the
    published-vs-recomputed check of that number fails."""
    import bayes_trials as bt
    from bayes_trials.report import write_report

    root = tmp_path_factory.mktemp("failing")
    text = LAD1.read_text()
    assert text.count("value = 66\n") == 1
    spec = root / "lad1_misprint.toml"
    spec.write_text(text.replace("value = 66\n", "value = 67\n"))
    result = bt.analyse(spec, method="exact")
    return write_report(result, root / "report"), result


def _open(browser, folder: Path):
    browser.get((folder / "report.html").resolve().as_uri())
    browser.set_window_size(WIDTH, HEIGHT)
    return browser


#: every visible element's right edge beyond the viewport, with what it is
OVERFLOW_JS = """
const vw = document.documentElement.clientWidth, out = [];
for (const e of document.querySelectorAll('body *')) {
  if (!e.checkVisibility()) continue;
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > vw + 0.5) out.push(e.tagName + ' ' + Math.round(r.right) + ': ' +
                                                 (e.textContent || '').trim().slice(0, 60));
}
return [vw, document.documentElement.scrollWidth, out.slice(0, 5)];
"""

#: the page's text nodes joined with spaces (table cells must not run together), hidden ones too
TEXT_JS = """
const w = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT), out = [];
let n; while ((n = w.nextNode())) out.push(n.nodeValue);
return out.join(' ');
"""

NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _markdown_text(md: str) -> str:
    """The Markdown's text as a reader sees it: no image syntax, link text without its
    target, no ``<details>`` tags, no escapes."""
    md = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", md)
    md = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", md)
    md = re.sub(r"</?(details|summary)>", " ", md)
    return md.replace("\\", "")


@pytest.mark.parametrize("name", ["lad1", "meta10_19"])
def test_report_fits_the_viewport_and_every_image_loads(browser, seed_reports, name):
    folder = seed_reports[name]
    b = _open(browser, folder)
    viewport, scroll_width, over = b.execute_script(OVERFLOW_JS)
    assert viewport >= WIDTH - 20 and not over and scroll_width <= viewport, over
    images = b.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), "
        "i.complete && i.naturalWidth > 0])"
    )
    md_figures = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", (folder / "report.md").read_text())
    assert len(images) == len(md_figures) >= 3
    assert all(ok for _, ok in images), [src for src, ok in images if not ok]
    assert all(
        (folder / src).with_suffix(".png").is_file() for src, _ in images
    )  # PNG beside each SVG
    if os.environ.get("BT_WRITE_SCREENSHOTS") == "1":
        b.save_screenshot(str(ROOT / "docs" / f"{name}_report.png"))


@pytest.mark.parametrize("name", ["lad1", "meta10_19"])
def test_html_and_markdown_carry_the_same_headings_and_numbers(browser, seed_reports, name):
    folder = seed_reports[name]
    b = _open(browser, folder)
    md = (folder / "report.md").read_text()
    html_heads = b.execute_script(
        "return Array.from(document.querySelectorAll('h1,h2,h3,h4')).map(h => h.textContent.trim())"
    )
    md_heads = [
        re.sub(r"^#+\s*", "", line).replace("\\", "")
        for line in md.splitlines()
        if line.startswith("#")
    ]
    assert html_heads == md_heads
    for head in ("Contents", "Summary", "Appendix: all checks"):
        assert head in html_heads
    html_numbers = collections.Counter(NUMBER.findall(b.execute_script(TEXT_JS)))
    md_numbers = collections.Counter(NUMBER.findall(_markdown_text(md)))
    assert html_numbers == md_numbers and sum(md_numbers.values()) > 500, (
        (html_numbers - md_numbers).most_common(5),
        (md_numbers - html_numbers).most_common(5),
    )


def test_a_failed_check_shows_the_banner_and_the_count(browser, failing_report):
    folder, result = failing_report
    checks = result.checks()
    failed = checks[checks["passed"] == False]  # noqa: E712
    assert len(failed) == 1 and failed.iloc[0]["kind"] == "published vs recomputed"
    b = _open(browser, folder)
    line = b.execute_script("return document.querySelector('.checks-line').textContent")
    assert line.startswith(f"Checks: {len(checks)} in all, 1 failed")
    banner = b.execute_script(
        "const e = document.querySelector('.banner'); "
        "return e && e.checkVisibility() ? [e.textContent, e.getBoundingClientRect().top] : null"
    )
    assert banner is not None and banner[1] < HEIGHT, "the banner is on the first screen"
    assert "1 of" in banner[0] and failed.iloc[0]["name"] in banner[0]
    # the failure is listed first in its endpoint's appendix table, which is open
    first = b.execute_script(
        "const d = Array.from(document.querySelectorAll('details.part'))"
        ".find(x => x.open); return d && d.querySelector('tbody tr').textContent"
    )
    assert first is not None and "FAIL" in first and failed.iloc[0]["name"] in first
    md = (folder / "report.md").read_text()
    assert f"**Checks: {len(checks)} in all, 1 failed.**" in md and "> **1 of" in md


def test_run_prints_the_pdf(tmp_path):
    from bayes_trials.cli import main

    out = tmp_path / "lad1"
    assert main(["run", str(LAD1), "--out", str(out), "--method", "exact", "--pdf"]) == 0
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 5
    assert not list(out.glob(".report_print*")), "the print copy of the HTML is not left behind"
