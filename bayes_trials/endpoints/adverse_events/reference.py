"""The frequentist reference of an adverse-event table: Clopper-Pearson bounds, rule of three.

For each event, recomputed from its count: the two-sided Clopper-Pearson interval at the
level (statsmodels ``proportion_confint``, ``method="beta"``), the one-sided upper bound
:math:`B^{-1}(\\text{level}; y + 1, n - y)` and, for zero events, the rule of three
:math:`3/n`.

>>> from bayes_trials.data import AdverseEventTable
>>> ref = adverse_event_reference(AdverseEventTable([("ICANS", "immune effector", 0, 12)]))
>>> round(ref.rows["ICANS"]["cp_upper"], 6), ref.rows["ICANS"]["rule_of_three"]
(0.220922, 0.25)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statsmodels.stats.proportion import proportion_confint

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...checks import pct
from .exact import cp_upper, rule_of_three


@dataclass(frozen=True)
class AdverseEventReference:
    """Frequentist bounds of each event's rate, recomputed from the counts.

    ``rows`` maps term -> {count, n, estimate, clopper-pearson (two-sided at ``level``),
    cp_upper (one-sided upper bound at ``level``), rule_of_three (3/n, zero counts only)}.
    """

    level: float
    rows: dict = field(default_factory=dict)
    method: str = (
        "Clopper-Pearson (statsmodels proportion_confint, method='beta'); "
        "one-sided upper bound = Beta(k + 1, n - k) quantile; rule of three 3/n"
    )

    def as_dict(self) -> dict:
        p = pct(self.level)
        out = {}
        for term, r in self.rows.items():
            out[f"{term}_count"] = r["count"]
            out[f"{term}_n"] = r["n"]
            out[f"{term}_estimate"] = r["estimate"]
            out[f"{term}_clopper-pearson{p}_low"], out[f"{term}_clopper-pearson{p}_high"] = r[
                "clopper-pearson"
            ]
            out[f"{term}_cp_upper{p}"] = r["cp_upper"]
            out[f"{term}_rule_of_three"] = r["rule_of_three"]
        return out


def adverse_event_reference(table, level: float = CRED_LEVEL) -> AdverseEventReference:
    """Clopper-Pearson intervals and one-sided upper bounds; rule of three for zero counts."""
    level = v.open_unit(level, "level")
    rows = {}
    for e in table.events:
        lo, hi = proportion_confint(e.count, e.n, alpha=1 - level, method="beta")
        rows[e.term] = {
            "count": e.count,
            "n": e.n,
            "estimate": e.proportion,
            "clopper-pearson": (float(lo), float(hi)),
            "cp_upper": cp_upper(e.count, e.n, level),
            "rule_of_three": rule_of_three(e.count, e.n),
        }
    return AdverseEventReference(level=level, rows=rows)
