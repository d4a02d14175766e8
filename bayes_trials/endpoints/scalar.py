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

from .._format import fmt_prob
from ..checks import pct
from ..summaries import evidence_columns, prior_columns
from .base import EndpointBase, Quantity

#: the posterior summary columns a report shows, in order ({p}: the credible level in %)
SUMMARY_COLUMNS = ["prior_distribution", "prior_ess", "conflict_p", "posterior_weights", "mean", "sd", "median",
                   "eti{p}_low", "eti{p}_high", "hdi{p}_low", "hdi{p}_high", "prob", "prob_mcse",
                   "exact_prob", "exact_mean", "exact_eti{p}_low", "exact_eti{p}_high", "ess_bulk",
                   "r_hat", "divergences", "note"]


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
    def frequentist_table(self, result) -> pd.DataFrame:
        """The frequentist reference as (quantity, value) rows."""
        rows = [{"quantity": k, "value": v} for k, v in result.reference.as_dict().items()
                if v not in (None, "")]
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
        sections = [("Frequentist reference (recomputed)", self.frequentist_table(result)),
                    ("Posterior summary", self.summary_table(result))]
        bench = result.benchmarks()
        if len(bench):
            sections.append(("Benchmarks (external rates; see the caveats in the spec)",
                             bench.set_index(["benchmark", "prior_name"]).drop(columns=["endpoint"])))
        return sections

    def observed_sentences(self, result) -> list[str]:
        """What was observed, and the frequentist test (the first sentences of the prose)."""
        return [f"Observed {self.describe_data()}: {self.parameter} {result.reference.estimate:.4g}."]

    def sentences(self, result) -> list[str]:
        """The report's prose, written from the same numbers as the tables."""
        p = pct(result.level)
        out = self.observed_sentences(result)
        if self.uninformative():
            out.append(f"UNINFORMATIVE data: {self.uninformative()}.")
        if result.spec is not None and any(q.tag == "assumed" for q in result.spec.provenance.values()):
            assumed = [k for k, q in result.spec.provenance.items() if q.tag == "assumed"]
            out.append(f"ASSUMED data ({', '.join(assumed)}): every number below depends on this scenario.")
        for name, fit in result.fits.items():
            r = fit.row
            lo, hi = r[f"exact_eti{p}_low"], r[f"exact_eti{p}_high"]
            ess_txt = "" if r.get("prior_ess") is None else f" (ESS {r['prior_ess']:.3g})"
            s = (f"Under the {name} prior {fit.prior!r}{ess_txt}, the posterior mean of {self.parameter} is "
                 f"{r['exact_mean']:.3f} ({p}% equal-tailed CrI {lo:.3f} to {hi:.3f})")
            if r.get("exact_prob") is not None:
                s += f"; {self.describe_target()} = {fmt_prob(r['exact_prob'])}"
                if r.get("prob_resolvable") is False:
                    s += " (exact; beyond what the draws resolve)"
            out.append(s + ".")
        out.append(result.checks_sentence())
        return out

    def plot_range(self, result) -> tuple[float, float]:
        """The x range of the density figure."""
        hi = max(float(f.exact[self.parameter].ppf(0.995)) for f in result.fits.values())
        if self.target is not None:
            hi = max(hi, 1.1 * self.target)
        return 0.0, hi

    def figure(self, result, ax=None):
        """Prior (dashed, where it is one distribution) and exact posterior (solid) densities
        for each prior; the target marked."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4)) if ax is None else (ax.figure, ax)
        lo_x, hi_x = self.plot_range(result)
        x = np.linspace(lo_x + 1e-4 * (hi_x - lo_x), hi_x - 1e-4 * (hi_x - lo_x), 600)
        top = 0.0
        priors_drawn = False
        for i, (name, fit) in enumerate(result.fits.items()):
            color = f"C{i}"
            post = fit.exact[self.parameter].pdf(x)
            ax.plot(x, post, color=color, lw=1.8, label=f"{name}: posterior")
            if hasattr(fit.prior, "pdf"):
                ax.plot(x, fit.prior.pdf(x), color=color, lw=1, ls="--", alpha=0.8)
                priors_drawn = True
            top = max(top, float(np.nanpercentile(post, 99)))
        if self.target is not None:
            ax.axvline(self.target, color="k", lw=1, ls=":", label=f"target {self.target:g}")
        ax.set_ylim(0, top * 1.1 if top > 0 else None)
        ax.set_xlim(lo_x, hi_x)
        ax.set_xlabel(self.parameter)
        ax.set_ylabel("density")
        assumed = result.spec is not None and any(q.tag == "assumed" for q in result.spec.provenance.values())
        ax.set_title(f"{self.label}: {self.describe_data()}" + (" [ASSUMED data]" if assumed else "")
                     + ("\n(dashed: prior, solid: exact posterior)" if priors_drawn
                        else "\n(exact posteriors)"), fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        return fig
