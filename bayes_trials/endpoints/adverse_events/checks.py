"""Checks of an adverse-event analysis: printed percentages, and Bayesian vs frequentist bounds.

- **published vs recomputed**: each percentage the paper printed beside an event's count,
  recomputed from the count and rounded as printed (:func:`printed_percent_checks`);
- **Bayesian vs frequentist**, per event: the binary endpoint's identities (the Jeffreys-prior
  interval is the Jeffreys interval, and inside Clopper-Pearson; :func:`event_binary_checks`),
  and the upper bounds (:func:`bounds_checks`).

Example
-------
>>> from bayes_trials.data import AdverseEventTable
>>> table = AdverseEventTable([("anaemia", "haematological", 10, 12)])
>>> c = printed_percent_checks("safety", table, [("anaemia", (83, 0, "published", "abstract"))])
>>> c[0].passed, c[0].message
(True, 'recomputed 10/12 = 83.3333% rounds to 83; paper printed 83')
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..._constants import EXACT_TOL
from ...checks import KINDS, Check, pct
from ...distributions import Beta


def printed_percent_checks(name: str, table, printed) -> list[Check]:
    """Each printed percentage against ``100 count / n`` rounded to its printed decimals.

    ``printed``: ``(term, (percent, decimals, tag, source))`` pairs.
    """
    out = []
    counts = {e.term: e for e in table.events}
    for term, (value, decimals, tag, _source) in printed:
        e = counts[term]
        ours = 100 * e.count / e.n
        shown = round(ours, decimals)
        ok = bool(np.isclose(shown, value))
        out.append(
            Check(
                name,
                KINDS[0],
                f"{term}: percentage",
                ours,
                value,
                f"equal when rounded to {decimals} decimals (percent)",
                ok,
                f"recomputed {e.count}/{e.n} = {ours:.4f}% rounds to {shown:g}; paper printed {value:g}",
                provenance=tag,
            )
        )
    return out


def event_binary_checks(name: str, term: str, binary, fits: dict, level: float) -> list[Check]:
    """The binary endpoint's Bayesian vs frequentist checks of one event, named ``<term>: ...``.

    ``binary`` is the event's :class:`~bayes_trials.endpoints.binary.BinaryEndpoint`,
    ``fits`` its independent fits (prior name -> fit); see
    :meth:`BinaryEndpoint.reference_checks` for the identities.
    """
    checks = binary.reference_checks(binary.reference(level), fits, level)
    return [dataclasses.replace(c, endpoint=name, name=f"{term}: {c.name}") for c in checks]


def bounds_checks(name: str, table, reference, independent: dict, level: float) -> list[Check]:
    """Upper bounds: Bayesian against frequentist, each by a closed form.

    - zero events: the one-sided Clopper-Pearson bound, the ``level`` quantile of
      Beta(1, n) (the posterior under the limiting prior Beta(1, 0)), equals
      :math:`1 - (1 - \\text{level})^{1/n}`, and the rule of three :math:`3/n` lies above it
      (:math:`-\\log 0.05 = 2.996 < 3` and :math:`1 - e^{-x} < x`);
    - every event, under each Beta(a, b) prior with :math:`a \\le 1`: the posterior
      Beta(:math:`y + a, n - y + b`) is stochastically smaller than Beta(:math:`y + 1, n - y`),
      so its upper credible bound is at most the one-sided Clopper-Pearson bound.

    ``independent``: prior name -> {term: fit} of the independent analyses.
    """
    p = pct(level)
    out = []
    for e in table.events:
        cp = reference.rows[e.term]["cp_upper"]
        if e.count == 0:
            closed = 1 - (1 - level) ** (1 / e.n)
            out.append(
                Check(
                    name,
                    KINDS[2],
                    f"{e.term}: one-sided CP {p}% bound = 1 - (1 - {level:g})^(1/n)",
                    cp,
                    closed,
                    f"{EXACT_TOL:g}",
                    bool(abs(cp - closed) <= EXACT_TOL),
                    f"Beta(1, {e.n}) quantile {cp:.6f} vs closed form {closed:.6f}; rule of three "
                    f"{3 / e.n:.4f}",
                )
            )
            out.append(
                Check(
                    name,
                    KINDS[2],
                    f"{e.term}: rule of three above the exact bound",
                    3 / e.n,
                    cp,
                    "3/n >= CP bound",
                    bool(3 / e.n >= cp),
                    f"3/{e.n} = {3 / e.n:.4f} vs one-sided CP {cp:.4f}",
                )
            )
        for pname, by_term in independent.items():
            fit = by_term[e.term]
            if not isinstance(fit.prior, Beta) or fit.prior.a > 1:
                continue
            up = float(fit.exact[e.term].ppf(level))
            ok = up <= cp + 1e-12
            out.append(
                Check(
                    name,
                    KINDS[2],
                    f"{e.term}: {p}% upper credible bound <= one-sided CP bound",
                    up,
                    cp,
                    "stochastic ordering (prior a <= 1)",
                    bool(ok),
                    f"{pname}: {up:.4f} {'<=' if ok else '>'} Clopper-Pearson {cp:.4f}",
                    prior=pname,
                )
            )
    return out
