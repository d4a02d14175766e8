"""Designs: an endpoint's decision rule, its exact operating characteristics and an interim look.

For each prior of an endpoint that states a decision rule, :func:`design_endpoint` gives

- the decision on the observed data (``rule(posterior)``);
- the decision boundary, the fewest events for success (the most, for harms), exactly;
- the operating characteristics: P(success | true rate) over a grid of truths, summed
  exactly over the binomial sampling distribution, beside those of the exact one-sided
  binomial test at the same alpha;
- the threshold calibrated to hold the type I error at ``alpha`` at the target, and the
  power that leaves at the alternative;
- with an interim look, the operating characteristics of a predictive-probability futility
  rule (Lee and Liu 2008).

All exact (no simulation noise): see :mod:`bayes_trials.decisions` for the maths.

Example
-------
>>> import bayes_trials as bt
>>> from bayes_trials.design import DecisionSpec, design_endpoint
>>> ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
>>> d = design_endpoint(ep, {"uniform": bt.Beta(1, 1)}, DecisionSpec(threshold=0.975, alternative=0.8))
>>> d.boundaries.loc["uniform", "boundary"], d.boundaries.loc["exact binomial test", "boundary"]
(np.int64(7), np.int64(7))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import _style
from . import _validate as v
from ._kernels.counts import first_true, last_true
from .decisions import (
    calibrate_threshold,
    decision,
    decision_boundary,
    interim_futility_oc,
    operating_characteristics,
)
from .errors import SpecError

TEST_NAME = "exact binomial test"


@dataclass(frozen=True)
class DecisionSpec:
    """The decision rule of an endpoint: success if P(theta beyond target) > threshold.

    ``target`` and ``direction`` default to the endpoint's. ``alternative`` is the rate the
    design should detect (marked on OC plots, where the power is read); ``alpha`` the type I
    error the threshold is calibrated to; ``interim`` the patients at an interim look with
    the predictive-probability ``futility`` cut-off.
    """

    threshold: float
    target: float | None = None
    alternative: float | None = None
    alpha: float = 0.025
    truths: tuple = ()
    interim: int | None = None
    futility: float = 0.1
    tag: str = "assumed"
    rationale: str = ""
    sources: dict = field(default_factory=dict)

    def __post_init__(self):
        v.open_unit(self.threshold, "decision.threshold", SpecError)
        v.open_unit(self.alpha, "decision.alpha", SpecError)
        v.open_unit(self.futility, "decision.futility", SpecError)
        for name in ("target", "alternative"):
            if getattr(self, name) is not None:
                v.open_unit(getattr(self, name), f"decision.{name}", SpecError)
        for t in self.truths:
            v.open_unit(t, "decision.truths", SpecError)


@dataclass
class Design:
    """The design results of one endpoint (all exact)."""

    rule: str
    decisions: pd.DataFrame  # prior -> decision on the observed data, P(criterion)
    boundaries: pd.DataFrame  # prior (and the exact test) -> boundary, type I error, power
    oc: pd.DataFrame  # truth x (priors, exact test) -> P(success)
    calibration: pd.DataFrame  # prior -> calibrated threshold, its type I error and power
    futility: pd.DataFrame | None  # truth x prior -> futility OCs, or None
    target: float
    alternative: float | None
    direction: str
    spec: DecisionSpec  # the spec's decision table (its tag, rationale, alpha, interim look)
    n: int  # the endpoint's number of patients

    def caption(self) -> str:
        """The caption of :meth:`plot`."""
        alt = (
            "" if self.alternative is None else f", the alternative {self.alternative:g} (dash-dot)"
        )
        return (
            f"Operating characteristics of the rule '{self.rule}' with n = {self.n}: the exact "
            "probability of success against the true rate, for each prior and for the exact "
            "one-sided binomial test (black, dashed); priors with the same decision boundary share "
            f"one line, labelled with it. The target {self.target:g} (dotted){alt} are marked."
        )

    @property
    def provenance(self) -> str:
        """Where the rule comes from: the spec's tag and rationale."""
        return f"{self.spec.tag}: {self.spec.rationale}"

    def summary(self) -> pd.DataFrame:
        """What ``bayes-trials design`` prints: per prior (and the exact test) the decision,
        the boundary, the type I error and the power."""
        return self.table()[["decision", "boundary", "type1_error", "power"]]

    def files(self) -> dict[str, pd.DataFrame]:
        """The tables ``bayes-trials design`` writes, by file stem."""
        return {"oc": self.oc, "boundaries": self.table(), "calibration": self.calibration}

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        """The design document's ``(heading, table)`` parts."""
        out = [
            ("Decision, boundary, type I error and power", self.table()),
            (f"Threshold calibrated to a type I error of {self.spec.alpha:g}", self.calibration),
        ]
        if self.futility is not None:
            out.append(
                (
                    f"Interim look after {self.spec.interim} patients (futility if predictive "
                    f"probability < {self.spec.futility:g})",
                    self.futility.set_index(["prior_name", "truth"]),
                )
            )
        return out

    def table(self) -> pd.DataFrame:
        """Per prior: the decision on the data, the boundary, type I error and power; the
        exact test last."""
        table = self.decisions.join(self.boundaries)
        return pd.concat([table, self.boundaries.loc[[TEST_NAME]]])

    def oc_groups(self) -> list[tuple[list, object]]:
        """The OC columns that coincide (same boundary, same curve), grouped:
        ``[(names, boundary), ...]`` in the order of the columns."""
        groups: dict = {}
        for col in self.oc.columns:
            key = tuple(np.round(self.oc[col].to_numpy(float), 12))
            groups.setdefault(key, []).append(col)
        return [(names, self.boundaries.loc[names[0], "boundary"]) for names in groups.values()]

    @_style.styled
    def plot(self, ax=None, title: str = "", roles: dict | None = None, xlabel: str = ""):
        """OC curves: P(success) against the true rate, one line per distinct curve (priors
        with the same boundary share it, and say so), line style by prior role (``roles``:
        prior name -> role); the exact test black and dashed; target and alternative marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(_style.FULL_WIDTH, 3.2))
        else:
            fig = ax.figure
        names = [c for c in self.oc.columns if c != TEST_NAME]
        styles = _style.prior_styles({c: (roles or {}).get(c) for c in names})
        sign = ">=" if self.direction == "greater" else "<="
        for group, boundary in self.oc_groups():
            col = group[0]
            if TEST_NAME in group:
                style = {"color": "k", "ls": (0, (4, 2)), "lw": 1.8}
            else:
                style = styles[col]
            who = ", ".join(
                ([TEST_NAME] if TEST_NAME in group else []) + [g for g in group if g != TEST_NAME]
            )
            bound = (
                "never"
                if boundary is None or pd.isna(boundary)
                else f"success if events {sign} {int(boundary)}"
            )
            ax.plot(self.oc.index, self.oc[col], label=_style.wrap(f"{who} ({bound})", 60), **style)
        ax.axvline(self.target, color=_style.TARGET_COLOUR, ls=":", lw=1)
        ax.text(
            self.target,
            1.01,
            f" target {self.target:g}",
            fontsize=7,
            va="bottom",
            ha="left",
            transform=ax.get_xaxis_transform(),
        )
        if self.alternative is not None:
            ax.axvline(self.alternative, color=_style.TARGET_COLOUR, ls="-.", lw=1)
            ax.text(
                self.alternative,
                1.01,
                f" alternative {self.alternative:g}",
                fontsize=7,
                va="bottom",
                ha="left",
                transform=ax.get_xaxis_transform(),
            )
        ax.set_xlabel(xlabel or "true rate")
        ax.set_ylabel("P(success)")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        if title:
            ax.set_title(_style.wrap(title, 90), loc="left", pad=14)
        _style.legend_below(ax, ncol=1, bbox_to_anchor=(0.5, -0.22))
        return fig


def _test_boundary(n: int, target: float, alpha: float, direction: str) -> int | None:
    """The exact one-sided binomial test's rejection boundary at level alpha.

    ``"greater"``: the smallest k with :math:`P(X \\ge k) \\le \\alpha`; ``"less"``: the
    largest k with :math:`P(X \\le k) \\le \\alpha`; found by bisection (the tail
    probabilities are monotone in k), so the cost does not grow with ``n``.
    """
    if direction == "greater":
        k = first_true(lambda j: stats.binom.sf(j - 1, n, target) <= alpha, 0, n)
        return k if k <= n else None
    k = last_true(lambda j: stats.binom.cdf(j, n, target) <= alpha, 0, n)
    return k if k >= 0 else None


def _test_oc(n, boundary, truths, direction):
    if boundary is None:
        return np.zeros(len(truths))
    if direction == "greater":
        return stats.binom.sf(boundary - 1, n, truths)
    return stats.binom.cdf(boundary, n, truths)


def design_endpoint(endpoint, priors: dict, spec: DecisionSpec) -> Design:
    """Decisions, boundaries, exact OCs, calibration and futility OCs for a binary endpoint."""
    target = spec.target if spec.target is not None else endpoint.target
    if target is None:
        raise SpecError(
            "a decision rule needs a target (the endpoint has none)",
            endpoint=endpoint.name,
            field="decision.target",
        )
    direction = endpoint.direction
    n = endpoint.data.n
    rule = decision(spec.threshold, target, direction)
    truths = np.array(
        sorted(
            set(spec.truths)
            | set(np.round(np.linspace(0.02, 0.98, 49), 4))
            | {target}
            | ({spec.alternative} if spec.alternative else set())
        )
    )
    dec_rows, bound_rows, cal_rows, oc, fut = [], [], [], {}, []
    for name, prior in priors.items():
        post = endpoint.exact_posterior(prior)
        crit = rule.criteria[0]
        dec_rows.append(
            {
                "prior_name": name,
                "criterion": repr(crit),
                "probability": float(crit.prob(post)),
                "decision": "success" if rule(post) else "no success",
            }
        )
        boundary = decision_boundary(prior, n=n, rule=rule)
        table = operating_characteristics(prior, n=n, rule=rule, truths=truths)
        oc[name] = table["prob_success"].to_numpy()
        at = dict(zip(table["truth"], table["prob_success"]))
        bound_rows.append(
            {
                "prior_name": name,
                "boundary": boundary,
                "type1_error": at[target],
                "power": at.get(spec.alternative, np.nan),
            }
        )
        cal = calibrate_threshold(
            prior,
            n=n,
            target=target,
            alpha=spec.alpha,
            direction=direction,
            alternatives=None if spec.alternative is None else [spec.alternative],
        )
        cal_rows.append(
            {
                "prior_name": name,
                "threshold": cal.threshold,
                "boundary": cal.boundary,
                "type1_error": cal.type1_error,
                "power": float(cal.power["prob_success"].iloc[0]) if len(cal.power) else np.nan,
            }
        )
        if spec.interim is not None:
            f = interim_futility_oc(
                prior,
                spec.interim,
                n,
                spec.threshold,
                target,
                spec.futility,
                truths=[target] + ([spec.alternative] if spec.alternative else []),
                direction=direction,
            )
            f = f.assign(prior_name=name)
            f.attrs = {}  # per-prior metadata (arrays) would make pandas' concat compare them
            fut.append(f)
    tb = _test_boundary(n, target, spec.alpha, direction)
    oc[TEST_NAME] = _test_oc(n, tb, truths, direction)
    test_at = dict(zip(truths, oc[TEST_NAME]))
    bound_rows.append(
        {
            "prior_name": TEST_NAME,
            "boundary": tb,
            "type1_error": test_at[target],
            "power": test_at.get(spec.alternative, np.nan),
        }
    )
    return Design(
        rule=repr(rule),
        decisions=pd.DataFrame(dec_rows).set_index("prior_name"),
        boundaries=pd.DataFrame(bound_rows).set_index("prior_name"),
        oc=pd.DataFrame(oc, index=pd.Index(truths, name="truth")),
        calibration=pd.DataFrame(cal_rows).set_index("prior_name"),
        futility=pd.concat(fut, ignore_index=True) if fut else None,
        target=target,
        alternative=spec.alternative,
        direction=direction,
        spec=spec,
        n=n,
    )
