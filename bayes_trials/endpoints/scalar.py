"""Endpoints with one scalar parameter: what binary and aggregate-rate kinds share.

A scalar endpoint has one quantity, its ``parameter`` (``theta`` for a probability,
``rate_ratio`` for rates before and after treatment), with a target and a direction; its
exact posterior is a one-dimensional distribution (:meth:`exact_posterior`) and its PyMC
model has a variable of that name. This module states the protocol methods once for all of
them, with their report parts: the posterior summary per prior, the frequentist reference,
the prose and the figure of prior and posterior densities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _style
from .._format import fmt_prob
from ..checks import pct
from ..summaries import evidence_columns, prior_columns
from .base import EndpointBase, Part, Quantity

#: the posterior summary columns a report shows, in order ({p}: the credible level in %)
SUMMARY_COLUMNS = [
    "prior_distribution",
    "prior_ess",
    "conflict_p",
    "posterior_weights",
    "mean",
    "sd",
    "median",
    "eti{p}_low",
    "eti{p}_high",
    "hdi{p}_low",
    "hdi{p}_high",
    "prob",
    "prob_mcse",
    "exact_prob",
    "exact_mean",
    "exact_eti{p}_low",
    "exact_eti{p}_high",
    "ess_bulk",
    "r_hat",
    "divergences",
    "note",
]


class ScalarEndpoint(EndpointBase):
    """Protocol methods of a one-parameter endpoint (subclasses set ``parameter`` and give
    ``data``, ``target``, ``direction``, ``exact_posterior``, ``reference``)."""

    parameter: str = "theta"

    def quantity(self) -> Quantity:
        return Quantity(self.parameter, target=self.target, direction=self.direction)

    def quantities(self, prior) -> tuple[Quantity, ...]:
        return (self.quantity(),)

    def exact(self, prior) -> dict:
        return {self.parameter: self.exact_posterior(prior)}

    def draws(self, tree) -> dict:
        return {self.parameter: tree["posterior"][self.parameter]}

    def prior_summary(self, prior, exact: dict) -> dict:
        return {**prior_columns(prior), **evidence_columns(prior, self.data, exact[self.parameter])}

    def tail_probability(self, dist) -> float | None:
        """P(parameter > target) (or < for ``direction="less"``) under ``dist``."""
        return self.quantity().tail_probability(dist)

    def describe_target(self) -> str:
        return self.quantity().describe_target()

    # --- report parts ----------------------------------------------------------------
    #: the parameter in words, for axis labels and captions (``"probability θ"``)
    parameter_description: str = "parameter"
    #: the parameter's short name in tables and criteria (``"θ"``)
    parameter_symbol: str = ""

    def axis_label(self) -> str:
        """The figure's x-axis: the endpoint's label and what its parameter is."""
        return _style.wrap(f"{self.label}: {self.parameter_description}", 80)

    def frequentist_table(self, result) -> pd.DataFrame:
        """The frequentist reference as (quantity, value) rows."""
        rows = [
            {"quantity": k, "value": v}
            for k, v in result.reference.as_dict().items()
            if v not in (None, "")
        ]
        return pd.DataFrame(rows).set_index("quantity")

    def summary_table(self, result) -> pd.DataFrame:
        """The summary table as a statistician reads it: one row per prior, key columns."""
        p = pct(result.level)
        df = result.table().set_index("prior")
        df.index.name = "prior_name"
        cols = [c.format(p=p) for c in SUMMARY_COLUMNS if c.format(p=p) in df.columns]
        out = df[cols].copy()
        if self.target is None:
            out = out.drop(columns=[c for c in ("prob", "prob_mcse", "exact_prob") if c in out])
        elif "prob_resolvable" in df:
            # a tail probability beyond what the draws resolve is shown by its exact value only
            mask = df["prob_resolvable"] == False  # noqa: E712
            out["prob"] = out["prob"].astype(object)
            out.loc[mask, "prob"] = "unresolved"
        return out

    def report_sections(self, result) -> list:
        """The frequentist reference and the benchmark comparisons (the posterior table and
        figure are the report's own)."""
        p = pct(result.level)
        sections = [
            Part(
                "Frequentist reference (recomputed)",
                self.frequentist_table(result),
                place="reference",
                caption=(
                    f"The frequentist analysis recomputed from the data ({p}% confidence "
                    "intervals); the published-vs-recomputed checks compare it with the paper."
                ),
            )
        ]
        bench = result.benchmarks()
        if len(bench):
            sections.append(
                Part(
                    "Benchmarks",
                    bench.set_index(["benchmark", "prior_name"]).drop(columns=["endpoint"]),
                    caption=(
                        "The posterior against external benchmark rates (read with the caveats in the spec): "
                        "the probability that the parameter lies beyond each benchmark taken as a fixed "
                        "number (exact, and MCMC when sampled) and, where the benchmark's counts are "
                        "given, with the benchmark's own uncertainty."
                    ),
                    compact=(
                        "benchmark",
                        "prior_name",
                        "comparison",
                        "exact_prob",
                        "exact_prob_vs_uncertain",
                    ),
                )
            )
        return sections

    def observed_sentences(self, result) -> list[str]:
        """What was observed, and the frequentist test (the first sentences of the prose)."""
        return [
            f"Observed {self.describe_data()}: {self.parameter} {result.reference.estimate:.4g}."
        ]

    def sentences(self, result) -> list[str]:
        """The report's prose, written from the same numbers as the tables (exact posteriors;
        the MCMC estimates are in the posterior table, checked against them)."""
        p = pct(result.level)
        out = self.observed_sentences(result)
        if self.uninformative():
            out.append(f"UNINFORMATIVE data: {self.uninformative()}.")
        if result.spec is not None and any(
            q.tag == "assumed" for q in result.spec.provenance.values()
        ):
            assumed = [k for k, q in result.spec.provenance.items() if q.tag == "assumed"]
            out.append(
                f"ASSUMED data ({', '.join(assumed)}): every number below depends on this scenario."
            )
        q = self.quantity()
        for name, fit in result.fits.items():
            r = fit.row
            lo, hi = r[f"exact_eti{p}_low"], r[f"exact_eti{p}_high"]
            ess_txt = "" if r.get("prior_ess") is None else f" (ESS {r['prior_ess']:.3g})"
            s = (
                f"Under the {name} prior {fit.prior!r}{ess_txt}, the exact posterior mean of "
                f"{self.parameter_symbol or self.parameter} is "
                f"{r['exact_mean']:.3f} ({p}% equal-tailed CrI {lo:.3f} to {hi:.3f})"
            )
            if r.get("exact_prob") is not None:
                post = fit.exact[self.parameter]
                other = post.cdf(self.target) if q.direction == "greater" else post.sf(self.target)
                s += f"; exact {q.describe_target(self.parameter_symbol or None)} = {fmt_prob(r['exact_prob'], float(other))}"
                if r.get("prob_resolvable") is False:
                    s += " (beyond what the draws resolve)"
            out.append(s + ".")
        if any(f.posterior is not None for f in result.fits.values()):
            out.append(
                "The MCMC estimates of the same quantities are in the posterior table, each beside its "
                "exact value and checked against it."
            )
        out.append(result.checks_sentence())
        return out

    def plot_range(self, result) -> tuple[float, float]:
        """The x range of the density figure."""
        hi = max(float(f.exact[self.parameter].ppf(0.995)) for f in result.fits.values())
        if self.target is not None:
            hi = max(hi, 1.1 * self.target)
        return 0.0, hi

    def _priors_drawn(self, result) -> bool:
        return all(hasattr(f.prior, "pdf") for f in result.fits.values())

    @_style.styled
    def figure(self, result, ax=None):
        """Densities under each prior, line style by the prior's role: the priors (left, when
        every prior is a distribution of the parameter itself) and the exact posteriors
        (right); the target marked; a density with a pole at an end of the support (a
        Jeffreys posterior) is marked as unbounded where it leaves the axes."""
        import matplotlib.pyplot as plt

        with_priors = ax is None and self._priors_drawn(result)
        if ax is not None:
            fig, axes = ax.figure, [ax]
        elif with_priors:
            fig, axes = plt.subplots(1, 2, figsize=(_style.FULL_WIDTH, 2.9), sharex=True)
        else:
            fig, axes = plt.subplots(figsize=(_style.FULL_WIDTH, 3.0))
            axes = [axes]
        lo_x, hi_x = self.plot_range(result)
        x = np.linspace(lo_x + 1e-4 * (hi_x - lo_x), hi_x - 1e-4 * (hi_x - lo_x), 800)
        styles = _style.result_styles(result)
        panels = (
            [("prior", axes[0]), ("posterior", axes[1])]
            if with_priors
            else [("posterior", axes[0])]
        )
        for what, a in panels:
            curves = []
            for name, fit in result.fits.items():
                dist = fit.prior if what == "prior" else fit.exact[self.parameter]
                curves.append((name, dist.pdf(x)))
            top = _style.density_top([y for _, y in curves])
            marked: set = set()
            for name, y in curves:
                st = styles[fit_prior_name(result, name)]
                a.plot(
                    x,
                    y,
                    color=st["color"],
                    ls=st["ls"],
                    lw=st["lw"],
                    label=f"{name}" if what == "posterior" else None,
                )
                _style.mark_unbounded(a, x, y, top, st["color"], marked)
            if self.target is not None:
                a.axvline(self.target, color=_style.TARGET_COLOUR, lw=0.9, ls=":")
            a.set_ylim(0, top)
            a.set_xlim(lo_x, hi_x)
            a.set_ylabel(f"{what} density")
            a.set_title(
                f"{'Priors' if what == 'prior' else 'Exact posteriors'}", fontsize=8.5, loc="left"
            )
        if len(axes) > 1:
            fig.supxlabel(self.axis_label(), fontsize=8.5, y=0.02)
        else:
            axes[0].set_xlabel(self.axis_label())
        if self.target is not None:
            axes[-1].plot(
                [], [], color=_style.TARGET_COLOUR, lw=0.9, ls=":", label=f"target {self.target:g}"
            )
        handles, labels = axes[-1].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(4, len(labels)),
            frameon=False,
        )
        fig.tight_layout()
        return fig

    def figure_caption(self, result) -> str:
        assumed = " The data are an ASSUMED scenario." if result.assumed_fields() else ""
        target = "" if self.target is None else f" Dotted line: the target {self.target:g}."
        left = (
            "Left: the prior densities; right: the exact posterior densities"
            if self._priors_drawn(result)
            else "The exact posterior densities"
        )
        return (
            f"{self.label} ({self.describe_data()}), {self.parameter_description}. {left} under each "
            f"prior (conjugate updating or quadrature, not draws). Line style by the prior's role in the "
            "spec: solid reference, dashed sceptical, dash-dot enthusiastic, dotted historical, dash-dot-dot "
            f"weakly informative; shades tell priors of one role apart.{target}{assumed}"
        )


def fit_prior_name(result, fit_name: str) -> str:
    """The prior name of a fit (its analysis's), the key of the figure styles."""
    return result.fits[fit_name].analysis.prior_name
