"""Trial-level report parts of the rate-ratio endpoints of a spec (:attr:`Kind.trial_report`).

- a forest plot of the rate ratio's exact posterior median and equal-tailed interval across
  endpoints, priors and models;
- for endpoints whose counts are an assumed scenario (the spec's ``[endpoints.scenarios]``
  grid) and whose reduction is published: the scenario sweep (:func:`scenario_sweep`), as a
  table and a figure of :math:`P(\\text{reduction} > r)` against the assumed events before,
  with :math:`r` the endpoint's own target (:math:`100(1 - \\text{target})`).
"""

from __future__ import annotations

import pandas as pd

from ...checks import pct
from .scenarios import scenario_sweep


def _assumed(result) -> bool:
    return bool(result.assumed_fields())


def _reduction(endpoint) -> float | None:
    """The percent reduction a rate-ratio endpoint's target stands for (``direction="less"``)."""
    if endpoint.target is None or endpoint.direction != "less" or endpoint.target >= 1:
        return None
    return round(100.0 * (1.0 - endpoint.target), 10)


def plot_rate_forest(results, level: float | None = None):
    """Rate ratio posterior medians and equal-tailed CrIs across endpoints and priors (exact)."""
    import matplotlib.pyplot as plt

    results = list(results)
    level = results[0].level if level is None else level
    rows = [(res.name, name, fit.exact["rate_ratio"]) for res in results
            for name, fit in res.fits.items() if "rate_ratio" in fit.exact]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1.2))
    for k, (_, _, post) in enumerate(rows):
        y = len(rows) - k
        lo, hi = post.interval(level, "eti")
        ax.plot([lo, hi], [y, y], color="C0")
        ax.plot(post.median, y, "o", color="C0")
    ax.set_yticks(range(len(rows), 0, -1), [f"{ep} / {prior}" for ep, prior, _ in rows], fontsize=7)
    ax.axvline(1.0, color="0.5", ls=":", lw=1)
    targets = sorted({r.endpoint.target for r in results if r.endpoint.target not in (None, 1.0)})
    for t in targets:
        ax.axvline(t, color="0.5", ls="--", lw=1)
    ax.set_xscale("log")
    dashed = "" if not targets else "; dashed: target " + ", ".join(f"{t:g}" for t in targets)
    ax.set_xlabel(f"rate ratio after / before (median, {pct(level)}% CrI{dashed})")
    assumed = " [ASSUMED scenario data]" if any(_assumed(r) for r in results) else ""
    ax.set_title(f"Rate ratios across endpoints, priors and models (exact posteriors){assumed}", fontsize=9)
    return fig


def scenario_sweep_table(results, level: float | None = None) -> pd.DataFrame | None:
    """The exact sweep over the spec's assumed numbers, for each rate endpoint with a scenario
    grid and a published percent reduction (None if there is none).

    Endpoints are swept in groups sharing a grid and a reduction threshold (their target);
    the column ``prob_reduction_gt_<r>`` names the threshold.
    """
    results = list(results)
    level = results[0].level if level is None and results else level
    frames = []
    for res in results:
        grid = getattr(res.endpoint, "scenarios", None)
        published = res.spec.published if res.spec is not None else ()
        red = next((item.value for item in published if item.quantity == "percent_reduction"), None)
        if grid is None or red is None:
            continue
        threshold = _reduction(res.endpoint)
        frames.append(scenario_sweep({res.name: red}, grid.events_before, grid.exposure_before,
                                     grid.exposure_after, reduction=50.0 if threshold is None else threshold,
                                     level=level))
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


def plot_scenario_sweep(sweep: pd.DataFrame):
    """:math:`P(\\text{reduction} > r)` against the assumed events before, one line per
    endpoint and exposure before (one panel per threshold :math:`r`)."""
    import matplotlib.pyplot as plt

    prob_cols = [c for c in sweep.columns if c.startswith("prob_reduction_gt_")]
    fig, axes = plt.subplots(1, len(prob_cols), figsize=(7 * len(prob_cols), 4), squeeze=False)
    for ax, col in zip(axes[0], prob_cols):
        part = sweep[sweep[col].notna()]
        for i, (name, grp) in enumerate(part.groupby("endpoint", sort=False)):
            for j, (eb, g) in enumerate(grp.groupby("exposure_before")):
                ax.plot(g["events_before"], g[col], marker="o", ms=3, color=f"C{i}",
                        ls=("-", "--", ":")[j % 3], label=f"{name}, {eb:g} patient-years before")
        ax.set_xlabel("total events before (ASSUMED; not published)")
        ax.set_ylabel(f"P(reduction > {col.removeprefix('prob_reduction_gt_')}%)")
        ax.set_ylim(0, 1.02)
        ax.set_title("Scenario sweep: every count reproduces the published reduction (Jeffreys priors)",
                     fontsize=9)
        ax.legend(fontsize=6, frameon=False)
    return fig


def trial_report(results) -> list:
    """``[(heading, DataFrame or Figure, file stem)]``: the forest plot across the rate-ratio
    endpoints and, where the spec states scenario grids, the scenario sweep's table and figure."""
    results = list(results.values()) if isinstance(results, dict) else list(results)
    if not results:
        return []
    out = [("Rate ratios across endpoints and priors", plot_rate_forest(results), "rate_ratios_forest")]
    sweep = scenario_sweep_table(results)
    if sweep is not None:
        head = ("Scenario sweep: what the unpublished counts would have to be. Every row reproduces "
                "the published reduction exactly; the posterior (Jeffreys priors, exact) depends on how "
                "many events and patient-years lie behind it")
        out += [(head, sweep, "scenario_sweep"), (head, plot_scenario_sweep(sweep), "scenario_sweep")]
    return out
