"""Numbers for display: rounding happens here, and only here.

>>> fmt(0.123456), fmt(12345678.0), fmt(None)
('0.1235', '1.23e+07', '-')
>>> fmt_prob(0.99998), fmt_prob(0.0001234)
('1 - 2e-05', '0.00012')
"""

from __future__ import annotations

import numpy as np

#: columns holding probabilities, shown with :func:`fmt_prob`
PROB_COLUMNS = ("prob", "exact_prob", "exact_prob_vs_uncertain", "conflict_p")


def fmt(x, digits: int = 4) -> str:
    """A number for a table cell: 4 significant digits, scientific beyond 1e-3 and 1e5."""
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
