"""A two-arm endpoint's decision rule: the decision on the data, the exact decision boundary,
the operating characteristics over pairs of true values and, optionally, the threshold
calibrated to a one-sided type I error (:mod:`bayes_trials.decisions.two_sample`).

The spec's ``[endpoints.decision_2s]`` table (:class:`~.schema.Decision2STable`)::

    threshold = 0.95                 # or a list: all criteria must hold
    target = 0.0                     # the margin (0 for a difference, 1 for a ratio); or a list
    measure = "difference"           # "ratio", "odds_ratio"; or a list
    direction = "greater"            # default: the endpoint's direction of benefit
    n_treatment = 24                 # the design's sizes (default: the data's)
    n_control = 6
    truths_control = [0.15, 0.25]    # the OC grid: every pair of these with ...
    truths_treatment = [0.2, 0.4, 0.6]
    alpha = 0.05                     # optional: calibrate the threshold (one criterion)
    null_control = [0.1, 0.2, 0.3]   # the nulls of the calibration (default: truths_control)
    sigma = 1.0                      # normal arms: the sampling sd of one observation
    tag = "assumed"
    rationale = "..."

Every analysis with one prior per arm (not the case-split or log-linear models) gets its
boundary, OCs and calibration; exact throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import _style
from ... import _validate as v
from ...decisions.calibration import calibrate_threshold_2s
from ...decisions.two_sample import decision_2s, decision_boundary_2s
from ...decisions.two_sample_oc import operating_characteristics_2s
from ...errors import BayesTrialsError, SpecError
from .priors import FlatPrior, TwoArmPrior


@dataclass(frozen=True)
class Decision2SSpec:
    """The decision rule of a two-arm endpoint and the design it is evaluated for."""

    threshold: tuple
    target: tuple
    measure: tuple
    direction: tuple
    n_treatment: float
    n_control: float
    truths_control: tuple
    truths_treatment: tuple
    alpha: float | None = None
    null_control: tuple = ()
    sigma: float | None = None
    tag: str = "assumed"
    rationale: str = ""
    source: str = ""

    @property
    def rule(self):
        return decision_2s(
            list(self.threshold), list(self.target), list(self.direction), list(self.measure)
        )


def _many(value) -> tuple:
    return tuple(value) if isinstance(value, list) else (value,)


def parse_decision_2s(table, endpoint_direction: str, sizes: tuple, kind: str) -> Decision2SSpec:
    """The validated ``[endpoints.decision_2s]`` table (:class:`~.schema.Decision2STable`) as a
    :class:`Decision2SSpec` for arms of ``kind`` (``"binomial"``, ``"poisson"``, ``"normal"``)
    whose data have ``sizes`` (treatment, control); errors name ``decision_2s.<field>``."""
    count = (
        (lambda x, f: v.count(x, f, SpecError))
        if kind == "binomial"
        else (lambda x, f: v.positive(x, f, SpecError))
    )
    n_t = count(
        sizes[0] if table.n_treatment is None else table.n_treatment, "decision_2s.n_treatment"
    )
    n_c = count(sizes[1] if table.n_control is None else table.n_control, "decision_2s.n_control")
    if kind == "normal" and table.sigma is None:
        raise SpecError(
            "normal arms need the sampling sd of one observation", field="decision_2s.sigma"
        )
    thresholds = _many(table.threshold)
    truths_control = _many(table.truths_control)
    out = Decision2SSpec(
        threshold=thresholds,
        target=_many(table.target),
        measure=_many(table.measure),
        direction=_many(endpoint_direction if table.direction is None else table.direction),
        truths_control=truths_control,
        truths_treatment=_many(table.truths_treatment),
        n_treatment=n_t,
        n_control=n_c,
        alpha=table.alpha,
        null_control=truths_control if table.null_control is None else _many(table.null_control),
        sigma=table.sigma,
        tag=table.tag,
        rationale=table.rationale,
        source=table.source,
    )
    try:
        _ = out.rule  # validates lengths, directions, measures, targets
    except BayesTrialsError as err:
        raise SpecError(err.reason, field=f"decision_2s.{err.field or ''}".rstrip(".")) from None
    if table.alpha is not None and len(thresholds) > 1:
        raise SpecError(
            "calibration (alpha) needs a rule with one criterion", field="decision_2s.alpha"
        )
    return out


def _design_priors(result) -> dict:
    return {
        name: fit.prior
        for name, fit in result.fits.items()
        if isinstance(fit.prior, TwoArmPrior)
        and not any(isinstance(getattr(fit.prior, a), FlatPrior) for a in ("treatment", "control"))
    }


def design_tables(endpoint, result) -> dict:
    """``{"decisions", "boundary", "oc", "calibration"}`` DataFrames for the spec's rule (computed
    once per result: :attr:`EndpointResult.design` keeps the :class:`Design2S` built from them)."""
    ds = endpoint.decision
    rule = ds.rule
    sizes = (ds.n_treatment, ds.n_control)
    decisions, bounds, ocs, cals = [], [], [], []
    t1 = np.repeat(ds.truths_treatment, len(ds.truths_control))
    t2 = np.tile(ds.truths_control, len(ds.truths_treatment))
    for name, prior in _design_priors(result).items():
        fit = result.fits[name]
        arm_t = {"two_arm_binary": "p", "two_arm_rate": "rate", "two_arm_normal": "mean"}[
            endpoint.kind
        ]
        post_t, post_c = fit.exact[f"{arm_t}_treatment"], fit.exact[f"{arm_t}_control"]
        probs = rule.probabilities(post_t, post_c)
        decisions.append(
            {
                "prior_name": name,
                **probs,
                "decision": "success" if rule(post_t, post_c) else "no success",
            }
        )
        if endpoint.kind != "two_arm_normal":
            b = decision_boundary_2s(prior.treatment, prior.control, *sizes, rule)
            top = (
                int(ds.n_control)
                if endpoint.kind == "two_arm_binary"
                else int(max(3 * ds.n_control * max(t2), 10))
            )
            tab = b.table(np.arange(top + 1) if endpoint.kind != "two_arm_binary" else None)
            bounds.append(tab.assign(prior_name=name))
        oc = operating_characteristics_2s(
            prior.treatment, prior.control, *sizes, rule, t1, t2, sigma=ds.sigma
        )
        ocs.append(oc.assign(prior_name=name))
        if ds.alpha is not None:
            c = rule.criteria[0]
            cal = calibrate_threshold_2s(
                prior.treatment,
                prior.control,
                *sizes,
                c.target,
                ds.alpha,
                null_control=list(ds.null_control),
                direction=c.direction,
                measure=c.measure,
                sigma=ds.sigma,
            )
            cals.append(
                {
                    "prior_name": name,
                    "threshold": cal.threshold,
                    "type1_error": cal.type1_error,
                    "worst_null_control": cal.worst_null,
                }
            )
    out = {
        "decisions": pd.DataFrame(decisions).set_index("prior_name")
        if decisions
        else pd.DataFrame(),
        "boundary": pd.concat(bounds, ignore_index=True) if bounds else pd.DataFrame(),
        "oc": pd.concat(ocs, ignore_index=True) if ocs else pd.DataFrame(),
        "calibration": pd.DataFrame(cals).set_index("prior_name") if cals else pd.DataFrame(),
    }
    for df in out.values():
        df.attrs = {}
    return out


@dataclass
class Design2S:
    """The design results of one two-arm endpoint (all exact): the spec's rule
    (:class:`Decision2SSpec`) and :func:`design_tables`' tables, with the methods
    ``bayes-trials design`` and the report use (``summary``, ``files``, ``sections``, ``plot``)."""

    spec: Decision2SSpec
    decisions: pd.DataFrame
    boundary: pd.DataFrame
    oc: pd.DataFrame
    calibration: pd.DataFrame

    @property
    def rule(self) -> str:
        return repr(self.spec.rule)

    @property
    def provenance(self) -> str:
        return f"{self.spec.tag}: {self.spec.rationale}"

    def summary(self) -> pd.DataFrame:
        """Per analysis: each criterion's posterior probability and the decision, with the
        calibrated threshold and its type I error when the spec asks for one."""
        return self.decisions.join(self.calibration) if len(self.calibration) else self.decisions

    def files(self) -> dict[str, pd.DataFrame]:
        return {
            "decisions": self.decisions,
            "boundaries": self.boundary,
            "oc": self.oc,
            "calibration": self.calibration,
        }

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        """Decision, boundary (one column per analysis), operating characteristics (one
        column per analysis) and calibration."""
        ds = self.spec
        out = [("Decision on the observed data", self.decisions)]
        if len(self.boundary):
            wide = self.boundary.pivot(
                index="control", columns="prior_name", values="treatment_lower"
            )
            out.append(
                (
                    f"Decision boundary, {ds.n_treatment:g} treatment vs {ds.n_control:g} control: "
                    "the fewest treatment events for success after each control count (exact)",
                    wide,
                )
            )
        if len(self.oc):
            wide = self.oc.pivot_table(
                index=["theta1", "theta2"], columns="prior_name", values="prob_success"
            )
            out.append(
                (
                    "Operating characteristics: P(success) at true (treatment, control) values "
                    "(exact)",
                    wide,
                )
            )
        if len(self.calibration):
            out.append(
                (
                    f"Threshold calibrated to a one-sided type I error of {ds.alpha:g} over "
                    f"control rates {', '.join(f'{x:g}' for x in ds.null_control)}",
                    self.calibration,
                )
            )
        return out

    def caption(self) -> str:
        """The caption of :meth:`plot`."""
        return (
            f"Operating characteristics of the rule '{self.rule}' with {self.spec.n_treatment:g} "
            f"treatment and {self.spec.n_control:g} control: the exact probability of success "
            "against the true control value, one line per analysis (line style) and true "
            "treatment value (darker: larger)."
        )

    @_style.styled
    def plot(self, ax=None, title: str = "", roles: dict | None = None, xlabel: str = ""):
        """P(success) against the true control value, one line per analysis and true
        treatment value: the analysis by line style and colour family (``roles``), the
        treatment value by shade (lighter = smaller)."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(_style.FULL_WIDTH, 3.4))
        else:
            fig = ax.figure
        names = list(dict.fromkeys(self.oc["prior_name"]))
        styles = _style.prior_styles({n: (roles or {}).get(n) for n in names})
        dashes = ["-", (0, (4, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2))]
        truths = sorted(set(self.oc["theta1"]))
        for i, name in enumerate(names):
            sub = self.oc[self.oc["prior_name"] == name]
            for j, t1 in enumerate(truths):
                line = sub[sub["theta1"] == t1].sort_values("theta2")
                ax.plot(
                    line["theta2"],
                    line["prob_success"],
                    color=styles[name]["color"],
                    ls=dashes[i % len(dashes)],
                    lw=1.4,
                    alpha=0.35 + 0.65 * (j + 1) / len(truths),
                    label=f"{name}, treatment {t1:g}",
                )
        ax.set_xlabel("true control value")
        ax.set_ylabel("P(success)")
        ax.set_ylim(0, 1)
        if title:
            ax.set_title(_style.wrap(title, 90), loc="left", pad=14)
        _style.legend_below(ax, ncol=2, bbox_to_anchor=(0.5, -0.22))
        return fig


def design_of(endpoint, result) -> Design2S | None:
    """The endpoint's :class:`Design2S` (None without a ``decision_2s`` rule)."""
    if endpoint.decision is None:
        return None
    return Design2S(endpoint.decision, **design_tables(endpoint, result))


def design_sections(endpoint, result) -> list:
    """The report sections of the rule: its heading names the rule and its provenance."""
    design = result.design
    head = f"Decision rule: {design.rule} ({design.provenance})"
    parts = design.sections()
    return [(head, parts[0][1]), *parts[1:]]


__all__ = [
    "Decision2SSpec",
    "Design2S",
    "parse_decision_2s",
    "design_tables",
    "design_of",
    "design_sections",
]
