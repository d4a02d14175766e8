"""The frequentist reference of response categories: simultaneous intervals, Clopper-Pearson.

For the category proportions together, simultaneous two-sided confidence intervals for
multinomial proportions (statsmodels ``multinomial_proportions_confint``):

- Goodman (1965): :math:`\\big(\\chi^2 + 2y_k \\mp \\sqrt{\\chi^2(\\chi^2 + 4y_k(n-y_k)/n)}\\big)
  / \\big(2(n + \\chi^2)\\big)` with :math:`\\chi^2` the :math:`1 - \\alpha/K` quantile of
  :math:`\\chi^2_1` (Bonferroni over the :math:`K` categories);
- Sison and Glaz (1995): :math:`[\\hat p_k - c/n,\\; \\hat p_k + (c + 2\\gamma)/n]`, the
  constant :math:`c` and :math:`\\gamma` from the multinomial coverage (Edgeworth expansion).

For each union, the exact Clopper-Pearson interval of :math:`y_U` of :math:`n`.

References
----------
Goodman LA. On simultaneous confidence intervals for multinomial proportions.
Technometrics 1965;7:247-54. doi:10.1080/00401706.1965.10490252

Sison CP, Glaz J. Simultaneous confidence intervals and sample size determination for
multinomial proportions. J Am Stat Assoc 1995;90:366-9. doi:10.1080/01621459.1995.10476521

Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of
the binomial. Biometrika 1934;26:404-13. doi:10.1093/biomet/26.4.404

Example
-------
>>> from bayes_trials.data import Categorical
>>> ref = categorical_reference(Categorical({"CR": 4, "CRi": 5, "none": 3}),
...                             (("CR+CRi", ("CR", "CRi")),), 0.95)
>>> ref.unions["CR+CRi"]["events"], [round(x, 4) for x in ref.unions["CR+CRi"]["clopper-pearson"]]
(9, [0.4281, 0.9451])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from statsmodels.stats.proportion import (
    multinomial_proportions_confint,
    proportion_confint,
)

from ... import _validate as v
from ..._constants import CRED_LEVEL

#: simultaneous interval methods: our name -> statsmodels ``multinomial_proportions_confint`` method
SIMULTANEOUS_METHODS = {"goodman": "goodman", "sison-glaz": "sison-glaz"}


@dataclass(frozen=True)
class CategoricalReference:
    """The frequentist analysis of categorical counts, recomputed from the counts.

    Attributes
    ----------
    estimates : dict
        Category -> observed proportion.
    simultaneous : dict
        Method (``"goodman"``, ``"sison-glaz"``) -> {category: (low, high)}: simultaneous
        two-sided intervals at ``level`` for all category proportions together.
    unions : dict
        Union -> {"events", "n", "estimate", "clopper-pearson": (low, high)}, two-sided at
        ``level``.
    """

    counts: dict
    n: int
    level: float
    estimates: dict
    simultaneous: dict = field(default_factory=dict)
    unions: dict = field(default_factory=dict)
    method: str = (
        "simultaneous multinomial intervals (statsmodels "
        "multinomial_proportions_confint); Clopper-Pearson per union"
    )

    def as_dict(self) -> dict:
        pct = round(100 * self.level)
        out = {"n": self.n}
        for name, c in self.counts.items():
            out[f"{name}_count"] = c
            out[f"{name}_estimate"] = self.estimates[name]
            for method, ints in self.simultaneous.items():
                out[f"{name}_{method}{pct}_low"], out[f"{name}_{method}{pct}_high"] = ints[name]
        for label, u in self.unions.items():
            key = f"union_{label}"
            out[f"{key}_events"] = u["events"]
            out[f"{key}_estimate"] = u["estimate"]
            lo, hi = u["clopper-pearson"]
            out[f"{key}_clopper-pearson{pct}_low"] = lo
            out[f"{key}_clopper-pearson{pct}_high"] = hi
        return out


def categorical_reference(data, unions, level: float = CRED_LEVEL) -> CategoricalReference:
    """Goodman and Sison-Glaz simultaneous intervals; Clopper-Pearson per union."""
    level = v.open_unit(level, "level")
    counts = np.array(data.values)
    simultaneous = {}
    for ours, method in SIMULTANEOUS_METHODS.items():
        region = multinomial_proportions_confint(counts, alpha=1 - level, method=method)
        simultaneous[ours] = {
            name: (float(lo), float(hi)) for name, (lo, hi) in zip(data.names, region)
        }
    out_unions = {}
    for label, members in unions:
        b = data.union(members)
        lo, hi = proportion_confint(b.events, b.n, alpha=1 - level, method="beta")
        out_unions[label] = {
            "events": b.events,
            "n": b.n,
            "estimate": b.proportion,
            "clopper-pearson": (float(lo), float(hi)),
        }
    return CategoricalReference(
        counts=data.counts,
        n=data.n,
        level=level,
        estimates=data.proportions,
        simultaneous=simultaneous,
        unions=out_unions,
    )
