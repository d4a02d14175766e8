"""Reports: the re-analysis as a folder of Markdown, HTML, CSV tables, figures and posteriors.

:func:`write_report` writes a spec's :class:`~bayes_trials.results.TrialResult`;
:func:`write_design` its decision rules and operating characteristics.
"""

from .document import endpoint_tables, trial_html, trial_markdown
from .files import environment_lock, provenance, versions, write_design, write_report

__all__ = ["write_report", "write_design", "provenance", "versions", "environment_lock",
           "endpoint_tables", "trial_markdown", "trial_html"]
