"""The checks of response categories that are the kind's own.

- **published vs recomputed**: each percentage the paper printed for a category against
  :math:`100\\, y_k / n`, rounded as printed (:func:`percentage_checks`);
- **Bayesian vs frequentist**: each union's Clopper-Pearson interval as the quantiles of the
  limiting Beta posteriors, and the containment of reference-prior posterior intervals in
  it (:func:`union_reference_checks`).

The MCMC-vs-exact checks of every category and union, and the sampler diagnostics, are the
generic ones of :mod:`bayes_trials.checks` (the pipeline runs them).

>>> from bayes_trials.data import Categorical
>>> from bayes_trials.distributions import Dirichlet
>>> from bayes_trials.endpoints.categorical.reference import categorical_reference
>>> data = Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0})
>>> unions = (("CR+CRi", ("CR", "CRi")),)
>>> ref = categorical_reference(data, unions, 0.95)
>>> checks = union_reference_checks("resp", data, unions, ref,
...                                 {"jeffreys": Dirichlet.reference(data.names, 0.5)}, 0.95)
>>> for c in checks:
...     print(c.name, c.passed)
CR+CRi: Clopper-Pearson 95% CI = limiting Beta posteriors' quantiles True
CR+CRi: 95% ETI inside Clopper-Pearson (aggregated prior Beta(a=1, b=1)) True
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ...checks import BY_CONSTRUCTION, EXACT_TOL, KINDS, Check, pct
from .exact import aggregated_prior, binary_posterior


def percentage_checks(endpoint_name: str, data, printed) -> list[Check]:
    """Each printed category percentage against :math:`100\\, y_k / n`, rounded as printed.

    ``printed``: ``(category, (percent, decimals, tag, source))`` pairs. A count tagged
    ``assumed`` makes the check hold by construction, and the check says so.
    """
    out = []
    for cat, (value, decimals, tag, _source) in printed:
        ours = 100 * data.counts[cat] / data.n
        shown = round(ours, decimals)
        ok = bool(np.isclose(shown, value))
        tol = f"equal when rounded to {decimals} decimals (percent)"
        msg = (
            f"recomputed {data.counts[cat]}/{data.n} = {ours:.4f}% rounds to {shown:g}; "
            f"paper printed {value:g}"
        )
        if tag == "assumed":
            tol += " (by construction)"
            msg += f"; {BY_CONSTRUCTION}"
        out.append(
            Check(
                endpoint_name,
                KINDS[0],
                f"{cat}: percentage",
                ours,
                value,
                tol,
                ok,
                msg,
                provenance=tag,
            )
        )
    return out


def union_reference_checks(
    endpoint_name: str, data, unions, reference, priors: dict, level: float
) -> list[Check]:
    """Each union's Clopper-Pearson interval as limiting Beta posteriors, and containment.

    - The Clopper-Pearson bounds of :math:`y_U` of :math:`n` are the :math:`\\alpha/2`
      quantile of Beta(:math:`y_U, n - y_U + 1`) (the posterior under the limiting prior
      Beta(0, 1)) and the :math:`1 - \\alpha/2` quantile of Beta(:math:`y_U + 1, n - y_U`)
      (under Beta(1, 0)): statsmodels' interval against scipy's quantiles, tolerance
      ``EXACT_TOL``.
    - When a prior's aggregated Beta(:math:`a, b`) of a union has :math:`a \\le 1` and
      :math:`b \\le 1` (e.g. CR+CRi under the Jeffreys Dirichlet of 4 categories: Beta(1, 1)),
      the posterior Beta(:math:`y + a, n - y + b`) is stochastically between the two
      limiting Betas, so its central interval lies inside the Clopper-Pearson interval.

    ``priors``: analysis name -> Dirichlet prior.
    """
    p = pct(level)
    alpha = 1 - level
    n = data.n
    out = []
    for label, members in unions:
        y = data.union(members).events
        cl, ch = reference.unions[label]["clopper-pearson"]
        lo = 0.0 if y == 0 else float(stats.beta.ppf(alpha / 2, y, n - y + 1))
        hi = 1.0 if y == n else float(stats.beta.ppf(1 - alpha / 2, y + 1, n - y))
        diff = max(abs(lo - cl), abs(hi - ch))
        out.append(
            Check(
                endpoint_name,
                KINDS[2],
                f"{label}: Clopper-Pearson {p}% CI = limiting Beta posteriors' quantiles",
                diff,
                0.0,
                f"{EXACT_TOL:g}",
                bool(diff <= EXACT_TOL),
                f"statsmodels [{cl:.6f}, {ch:.6f}] vs Beta quantiles [{lo:.6f}, {hi:.6f}]",
            )
        )
        for pname, prior in priors.items():
            agg = aggregated_prior(prior, members)
            if agg.a <= 1 and agg.b <= 1:
                elo, ehi = binary_posterior(data, prior, members).interval(level)
                inside = cl <= elo + 1e-12 and ehi <= ch + 1e-12
                out.append(
                    Check(
                        endpoint_name,
                        KINDS[2],
                        f"{label}: {p}% ETI inside Clopper-Pearson (aggregated prior {agg!r})",
                        None,
                        None,
                        "containment (stochastic ordering)",
                        bool(inside),
                        f"ETI [{elo:.4f}, {ehi:.4f}] {'within' if inside else 'not within'} "
                        f"Clopper-Pearson [{cl:.4f}, {ch:.4f}]",
                        prior=pname,
                    )
                )
    return out
