"""A PDF of the report for a paper's supplement: the HTML printed by headless Chromium.

No LaTeX: Chromium's print-to-PDF lays out the HTML report (its ``@media print`` rules: A4,
compact tables, every collapsed part open) with the SVG figures as vectors. The browser is
looked for as ``BT_CHROMIUM`` (a path), then ``chromium``, ``chromium-browser``,
``google-chrome`` on the ``PATH``; :func:`find_chromium` raises a one-line
:class:`~bayes_trials.errors.SpecError` naming ``--pdf`` when there is none, so the command
line refuses before any analysis.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import SpecError

#: executables tried, in order, after ``$BT_CHROMIUM``
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: seconds a print may take before it is abandoned
TIMEOUT = 180

#: flags for a headless browser that downloads nothing and leaves no profile behind
HEADLESS_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
)


def find_chromium() -> str:
    """The path of a Chromium (or Chrome) executable; SpecError when there is none."""
    own = os.environ.get("BT_CHROMIUM")
    if own:
        if Path(own).is_file() and os.access(own, os.X_OK):
            return own
        raise SpecError(f"BT_CHROMIUM={own} is not an executable file", field="--pdf")
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise SpecError(
        "needs Chromium to print the PDF (apt-get install chromium, or set BT_CHROMIUM "
        "to a Chrome or Chromium executable); nothing was written",
        field="--pdf",
    )


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print the HTML file ``html`` to ``pdf`` with headless Chromium; returns ``pdf``."""
    browser = find_chromium()
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    with tempfile.TemporaryDirectory(prefix="bt-chromium-") as profile:
        cmd = [
            browser,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"Chromium did not print {pdf.name} (exit {proc.returncode}): {tail[0]}")
    return pdf
