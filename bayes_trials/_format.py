"""Numbers and column names for display: rounding happens here, and only here.

>>> fmt(0.123456), fmt(12345678.0), fmt(None)
('0.1235', '1.23e+07', '-')
>>> fmt_prob(0.99998), fmt_prob(0.0001234), fmt_prob(1 - 1.5e-30), fmt_prob(0.0)
('1 - 2e-05', '0.00012', '> 1 - 1e-15', '< 1e-15')

A probability whose complement is known more precisely than ``1 - p`` (an upper tail taken
with ``sf``) is shown from that complement, however small:

>>> fmt_prob(1.0, complement=1.5e-30)
'1 - 1.5e-30'
>>> column_label("exact_eti95_low"), column_label("prob_mcse"), column_label("r_hat")
('95% ETI low (exact)', 'MCSE of P', 'R-hat')
"""

from __future__ import annotations

import math
import re

import numpy as np

#: columns holding probabilities, shown with :func:`fmt_prob`
PROB_COLUMNS = ("prob", "exact_prob", "exact_prob_vs_uncertain", "conflict_p", "prob_vs_uncertain")

#: the smallest tail a double prints as itself next to 1 (``1 - 1e-16`` is already 1.0): smaller
#: tails are shown as ``< 1e-15`` (or ``> 1 - 1e-15``) unless their complement is known
TINY = 1e-15


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(isinstance(x, (float, np.floating)) and math.isnan(x))
    except TypeError:
        return False


def fmt(x, digits: int = 4) -> str:
    """A number for a table cell: 4 significant digits, scientific beyond 1e-3 and 1e5."""
    if _missing(x):
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "pass" if x else "FAIL"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
            return f"{x:.3g}"
        return (
            f"{x:.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}f}".rstrip("0").rstrip(".") or "0"
        )
    return str(x)


def fmt_prob(p, complement=None) -> str:
    """A probability for display, so that no tail reads as 0 or 1.

    Near 1 as ``1 - 2.1e-05`` (from ``complement``, the tail ``1 - p`` computed directly,
    when given); tails below :data:`TINY` that are not known more precisely as ``< 1e-15``
    and ``> 1 - 1e-15``; never ``1 - 0``.
    """
    if _missing(p):
        return "-"
    p = float(p)
    if p > 0.9995:
        tail = 1.0 - p if _missing(complement) else float(complement)
        if tail <= 0 or (tail < TINY and _missing(complement)):
            return f"> 1 - {TINY:g}"
        return f"1 - {tail:.2g}"
    if p < TINY:
        return f"< {TINY:g}"
    if p < 0.0005:
        return f"{p:.2g}"
    return f"{p:.4f}"


def fmt_interval(lo, hi, digits: int = 4) -> str:
    """``"0.6915 to 0.9975"``; ``"-"`` when either end is missing."""
    if _missing(lo) or _missing(hi):
        return "-"
    return f"{fmt(lo, digits)} to {fmt(hi, digits)}"


#: words for the tokens of the tidy table's column names
_WORDS = {
    "prior_distribution": "Prior",
    "prior_ess": "Prior ESS",
    "prior_mean": "Prior mean",
    "prior_ess_method": "ESS method",
    "conflict_p": "Prior-data conflict p",
    "prior_weights": "Prior weights",
    "posterior_weights": "Posterior weights",
    "mean": "Mean",
    "sd": "SD",
    "median": "Median",
    "prob": "P",
    "prob_mcse": "MCSE of P",
    "mcse_mean": "MCSE of mean",
    "ess_bulk": "Bulk ESS",
    "ess_tail": "Tail ESS",
    "r_hat": "R-hat",
    "divergences": "Divergences",
    "draws": "Draws",
    "target_accept": "Target acceptance",
    "seed": "Seed",
    "attempts": "Attempts",
    "prior_name": "Prior",
    "prior": "Prior",
    "quantity": "Quantity",
    "model": "Model",
    "endpoint": "Endpoint",
    "prob_resolvable": "P resolved by draws",
    "estimate": "Estimate",
    "value": "Value",
    "tag": "Tag",
    "source": "Source",
    "field": "Field",
    "p_value": "p-value",
    "count": "Count",
    "n": "n",
    "observed": "Observed",
    "target": "Target",
    "benchmark": "Benchmark",
    "comparison": "Comparison",
    "benchmark_counts": "Benchmark counts",
    "exact_prob_vs_uncertain": "P with the benchmark's uncertainty (exact)",
    "prob_vs_uncertain": "P with the benchmark's uncertainty (MCMC)",
    "kind": "Kind",
    "name": "Check",
    "reference": "Reference",
    "tolerance": "Tolerance",
    "passed": "Result",
    "message": "Detail",
    "criterion": "Criterion",
    "probability": "Probability",
    "decision": "Decision",
    "boundary": "Boundary",
    "type1_error": "Type I error",
    "power": "Power",
    "threshold": "Threshold",
    "prob_stop_futility": "P(stop for futility)",
    "prob_success": "P(success)",
    "prob_fail_final": "P(fail at the end)",
    "expected_n": "Expected n",
    "truth": "True rate",
}
_INTERVAL = re.compile(
    r"^(exact_)?(eti|hdi|cri|ci|int|low|high|clopper-pearson|wilson|jeffreys|goodman|sison-glaz)"
    r"(\d+(?:_\d+)?)?_?(low|high)?$"
)


def column_label(name: str) -> str:
    """The heading a reader sees for a column of the tidy table (``exact_eti95_low`` ->
    ``95% ETI low (exact)``); other names with their underscores as spaces."""
    name = str(name)
    if name in _WORDS:
        return _WORDS[name]
    exact = name.startswith("exact_")
    base = name.removeprefix("exact_")
    m = _INTERVAL.match(name)
    if m and m.group(3) and (m.group(4) or m.group(2) in ("low", "high")):
        kind = m.group(2)
        level = m.group(3).replace("_", ".")
        kind_word = {"eti": "ETI", "hdi": "HDI", "cri": "CrI", "ci": "CI", "int": "interval"}.get(
            kind, kind
        )
        end = m.group(4) or kind
        label = f"{level}% {kind_word} {end}" if kind not in ("low", "high") else f"{level}% {end}"
        return label + (" (exact)" if exact else "")
    if exact and base in _WORDS:
        return f"{_WORDS[base]} (exact)"
    return name.replace("_", " ")
