"""Exact posteriors of each event on its own, with the upper bounds a safety table needs.

.. math::

    \\theta_j \\sim \\text{Beta}(a, b), \\qquad y_j \\sim \\text{Binomial}(n_j, \\theta_j)
    \\quad\\Rightarrow\\quad \\theta_j \\mid y_j \\sim \\text{Beta}(a + y_j, b + n_j - y_j),

with the one-sided upper credible bound :math:`F^{-1}(\\text{level})` beside the
frequentist one-sided Clopper-Pearson bound :math:`B^{-1}(\\text{level}; y + 1, n - y)` and,
for zero events, the rule of three :math:`3/n` (Hanley and Lippman-Hand 1983), which
approximates the one-sided 95% bound :math:`1 - 0.05^{1/n}`.

References
----------
Hanley JA, Lippman-Hand A. If nothing goes wrong, is everything all right? Interpreting
zero numerators. JAMA 1983;249:1743-5. doi:10.1001/jama.1983.03330370053031

Example
-------
>>> from bayes_trials.data import AdverseEventTable
>>> table = AdverseEventTable([("neutropenia grade>=3", "haematological", 12, 12),
...                            ("ICANS", "immune effector", 0, 12)])
>>> row = independent_summary(table).loc["ICANS"]
>>> [round(float(row[c]), 4) for c in ("upper95", "cp_upper95", "rule_of_three")]
[0.2058, 0.2209, 0.25]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...checks import pct
from ...distributions import Beta
from ...errors import PriorError

#: the prior of each event's rate when none is given (Bayes-Laplace uniform)
UNIFORM = Beta(1.0, 1.0)


def cp_upper(k: int, n: int, level: float) -> float:
    """One-sided Clopper-Pearson upper bound: the ``level`` quantile of Beta(k + 1, n - k)."""
    return 1.0 if k == n else float(stats.beta.ppf(level, k + 1, n - k))


def rule_of_three(k: int, n: int) -> float | None:
    """:math:`3/n` for zero events (None otherwise)."""
    return 3 / n if k == 0 else None


def independent_posteriors(table, prior: Beta = UNIFORM) -> dict[str, Beta]:
    """Term -> Beta(a + y, b + n - y), each event on its own."""
    if not isinstance(prior, Beta):
        raise PriorError(f"needs a Beta prior, got {prior!r}", field="prior")
    return {e.term: Beta(prior.a + e.count, prior.b + e.n - e.count) for e in table.events}


def independent_summary(table, prior: Beta = UNIFORM, level: float = CRED_LEVEL) -> pd.DataFrame:
    """One row per event: exact posterior summary beside the frequentist upper bounds.

    Columns: ``group, count, n, mean, sd, eti{pct}_low, eti{pct}_high`` (central credible
    interval), ``upper{pct}`` (one-sided upper credible bound, the ``level`` quantile),
    ``cp_upper{pct}`` (one-sided Clopper-Pearson upper bound), ``rule_of_three`` (:math:`3/n`,
    zero counts only), ``mean_logit`` (:math:`E[\\operatorname{logit}\\theta] = \\psi(a') -
    \\psi(b')`, used for shrinkage).
    """
    level = v.open_unit(level, "level")
    p = pct(level)
    tail = (1 - level) / 2
    rows = []
    for e, (term, post) in zip(table.events, independent_posteriors(table, prior).items()):
        r3 = rule_of_three(e.count, e.n)
        rows.append(
            {
                "term": term,
                "group": e.group,
                "count": e.count,
                "n": e.n,
                "mean": post.mean,
                "sd": post.sd,
                f"eti{p}_low": float(post.ppf(tail)),
                f"eti{p}_high": float(post.ppf(1 - tail)),
                f"upper{p}": float(post.ppf(level)),
                f"cp_upper{p}": cp_upper(e.count, e.n, level),
                "rule_of_three": np.nan if r3 is None else r3,
                "mean_logit": float(special.digamma(post.a) - special.digamma(post.b)),
            }
        )
    return pd.DataFrame(rows).set_index("term")
