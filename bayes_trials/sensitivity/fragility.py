"""Data fragility: the posterior had the data moved one patient (or event) at a time against
the conclusion, the Bayesian counterpart of a fragility index."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from .. import _validate as v
from .._constants import CRED_LEVEL
from ..errors import SpecError
from ..spec import EndpointSpec
from .analysis import spec_threshold
from .grid import decision_threshold, grid_hooks

if TYPE_CHECKING:
    from ..endpoints.base import Endpoint
    from ..spec import TrialSpec


def fragility(
    spec_or_endpoint: TrialSpec | Endpoint,
    priors: dict | None = None,
    *,
    threshold: float | None = None,
    max_changes: int | None = None,
    level: float = CRED_LEVEL,
) -> pd.DataFrame:
    """Posterior had 1, 2, ... fewer responders (binary) or more events after (rates) been seen.

    For each prior, the data are moved against the conclusion one patient (event) at a time
    until the decision flips or ``max_changes`` (default: n for binary, 20 for rates) is
    reached; the *Bayesian fragility index* is the number of changes at which the decision
    first differs from the observed data's (NaN when it never does).

    Parameters
    ----------
    spec_or_endpoint : endpoint or EndpointSpec (then its named priors and decision threshold)
    priors : dict name -> prior, optional (default: the spec's, or the reference priors)

    Returns
    -------
    pandas.DataFrame
        One row per prior and change: ``prior``, ``changes``, ``data``, ``post_mean``,
        ``eti95_low``, ``eti95_high``, ``prob``, ``decision_met``, ``fragility_index``.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
    >>> df = bt.fragility(ep, {"uniform": bt.Beta(1, 1)}, threshold=0.975)
    >>> df[["changes", "data", "decision_met"]].to_string(index=False).split("\\n")[-1].split()
    ['3', '6/9', 'False']
    """
    spec_thr = None
    endpoint = spec_or_endpoint
    if isinstance(endpoint, EndpointSpec):
        spec_thr = spec_threshold(endpoint)
        priors = endpoint.priors if priors is None else priors
        endpoint = endpoint.endpoint
    hooks = grid_hooks(endpoint)
    if priors is None:
        priors = endpoint.reference_priors()
    thr = decision_threshold(threshold, spec_thr, hooks)
    thr = v.open_unit(thr, "threshold", SpecError)
    max_changes = hooks.max_changes(endpoint) if max_changes is None else int(max_changes)
    pct = f"{round(100 * level)}"
    rows = []
    for name, prior in priors.items():
        prior = hooks.as_prior(endpoint, prior)
        base_met = None
        prior_rows = []
        index = math.nan
        for j in range(max_changes + 1):
            data = hooks.shifted(endpoint, j)
            if data is None:
                break
            s = hooks.exact_summary(endpoint, prior, level, data=data)
            met = s["prob"] > thr
            base_met = met if j == 0 else base_met
            prior_rows.append(
                {
                    "prior": name,
                    "changes": j,
                    "data": hooks.describe(data),
                    "post_mean": s["post_mean"],
                    f"eti{pct}_low": s["eti_low"],
                    f"eti{pct}_high": s["eti_high"],
                    "prob": s["prob"],
                    "decision_met": bool(met),
                }
            )
            if j > 0 and met != base_met:
                index = j
                break
        for r in prior_rows:
            r["fragility_index"] = index
        rows += prior_rows
    return pd.DataFrame(rows)
