"""Trial-level report parts of the rate-ratio endpoints of a spec (:attr:`Kind.trial_report`).

- a forest plot (arviz-plots) of the rate ratio's exact posterior median and equal-tailed
  intervals across endpoints and priors;
- for endpoints whose counts are an assumed scenario (the spec's ``[endpoints.scenarios]``
  grid) and whose reduction is published: the scenario sweep (:func:`scenario_sweep`), as a
  table and a figure of :math:`P(\\text{reduction} > r)` against the assumed events before,
  with :math:`r` the endpoint's own target (:math:`100(1 - \\text{target})`).
"""

from __future__ import annotations

import pandas as pd

from ... import _style
from ...checks import pct
from ..base import Part
from .scenarios import scenario_sweep


def _assumed(result) -> bool:
    return bool(result.assumed_fields())


def _reduction(endpoint) -> float | None:
    """The percent reduction a rate-ratio endpoint's target stands for (``direction="less"``)."""
    if endpoint.target is None or endpoint.direction != "less" or endpoint.target >= 1:
        return None
    return round(100.0 * (1.0 - endpoint.target), 10)


def _forest_data(results, level):
    """The exact posteriors as arviz-plots wants them: the point (median), the 50% and the
    ``level`` equal-tailed intervals over (endpoint, prior)."""
    import numpy as np
    import xarray as xr

    endpoints = [r.name for r in results]
    priors = list(
        dict.fromkeys(
            name for r in results for name, f in r.fits.items() if "rate_ratio" in f.exact
        )
    )
    shape = (len(endpoints), len(priors))
    med = np.full(shape, np.nan)
    inner = np.full(shape + (2,), np.nan)
    outer = np.full(shape + (2,), np.nan)
    for i, res in enumerate(results):
        for j, name in enumerate(priors):
            fit = res.fits.get(name)
            if fit is None or "rate_ratio" not in fit.exact:
                continue
            post = fit.exact["rate_ratio"]
            med[i, j] = float(post.median)
            inner[i, j] = post.interval(0.5, "eti")
            outer[i, j] = post.interval(level, "eti")
    coords = {"endpoint": endpoints, "prior": priors}
    dims = ("endpoint", "prior")

    def ds(values, extra=()):
        return xr.Dataset({"rate_ratio": (dims + extra, values)}, coords=coords)

    bounds = {"ci_bound": ["lower", "upper"]}
    return (
        ds(med[..., None, None], ("chain", "draw")),
        ds(med),
        ds(inner, ("ci_bound",)).assign_coords(bounds),
        ds(outer, ("ci_bound",)).assign_coords(bounds),
    )


@_style.styled
def plot_rate_forest(results, level: float | None = None):
    """Forest plot (arviz-plots) of the rate ratio's exact posterior across endpoints and
    priors: median (circle), 50% (thick) and ``level`` (thin) equal-tailed intervals, on a log
    axis labelled in ratios; colour by the prior's role; the target(s) dashed and no change (1)
    dotted."""
    import arviz_plots as azp
    import numpy as np
    import xarray as xr

    results = list(results)
    level = results[0].level if level is None else level
    dist, med, inner, outer = _forest_data(results, level)
    roles = {}
    for r in results:
        roles.update({k: v for k, v in _style.roles_of(r).items() if k not in roles})
    styles = _style.prior_styles({p: roles.get(p) for p in dist["prior"].values})
    labels = {r.name: _style.wrap(r.endpoint.label.split(":")[0], 20) for r in results}
    dist = dist.assign_coords(endpoint=[labels[e] for e in dist["endpoint"].values])
    med, inner, outer = (d.assign_coords(endpoint=dist["endpoint"]) for d in (med, inner, outer))
    n_rows = dist.sizes["endpoint"] * dist.sizes["prior"]
    pc = azp.plot_forest(
        xr.DataTree.from_dict({"/posterior": dist}),
        combined=True,
        backend="matplotlib",
        labels=["endpoint", "prior"],
        shade_label="endpoint",
        aes={"color": ["prior"]},
        color=[styles[p]["color"] for p in dist["prior"].values],
        stats={"twig": outer, "trunk": inner, "point_estimate": med},
        alpha=[0, 0.1],
        figure_kwargs={
            "figsize": (_style.FULL_WIDTH, 0.24 * n_rows + 1.0),
            "figsize_units": "inches",
            "width_ratios": [1.7, 2],
        },
    )
    fig = pc.viz.ds["figure"].item()
    ax = pc.viz.ds["plot"].sel(column="forest").item()
    lab = pc.viz.ds["plot"].sel(column="labels").item()
    finite = np.concatenate([outer["rate_ratio"].values.ravel(), [1.0]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    ax.set_xscale("log")
    ax.set_xlim(finite.min() / 1.3, finite.max() * 1.3)
    _style.plain_log_axis(ax, "x")
    ax.axvline(1.0, color=_style.TARGET_COLOUR, ls=":", lw=1)
    targets = sorted({r.endpoint.target for r in results if r.endpoint.target not in (None, 1.0)})
    for t in targets:
        ax.axvline(t, color=_style.TARGET_COLOUR, ls="--", lw=1)
    ax.set_xlabel(
        _style.wrap(
            f"rate ratio after / before (exact posterior median, 50% and {pct(level)}% "
            "equal-tailed CrI; log scale)",
            70,
        )
    )
    lab.set_xticks([])
    lab.spines["bottom"].set_visible(False)
    for text in lab.texts:
        text.set_fontsize(7)
    return fig


def rate_forest_caption(results, level: float | None = None) -> str:
    results = list(results)
    level = results[0].level if level is None else level
    targets = sorted({r.endpoint.target for r in results if r.endpoint.target not in (None, 1.0)})
    tgt = "" if not targets else "; dashed: the target " + ", ".join(f"{t:g}" for t in targets)
    assumed = (
        " The counts of the endpoints marked ASSUMED in their sections are an assumed scenario."
        if any(_assumed(r) for r in results)
        else ""
    )
    return (
        f"The rate ratio (after / before) of every rate endpoint under each prior: exact posterior median "
        f"(circle), 50% (thick) and {pct(level)}% (thin) equal-tailed credible intervals, drawn with "
        f"arviz-plots; colour by the prior's role (black/grey reference, blue sceptical, vermillion "
        f"enthusiastic); dotted: no change{tgt}.{assumed}"
    )


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
        frames.append(
            scenario_sweep(
                {res.name: red},
                grid.events_before,
                grid.exposure_before,
                grid.exposure_after,
                reduction=50.0 if threshold is None else threshold,
                level=level,
            )
        )
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


@_style.styled
def plot_scenario_sweep(sweep: pd.DataFrame):
    """:math:`P(\text{reduction} > r)` against the assumed events before, one line per
    endpoint and exposure before (one panel per threshold :math:`r`)."""
    import matplotlib.pyplot as plt

    prob_cols = [c for c in sweep.columns if c.startswith("prob_reduction_gt_")]
    fig, axes = plt.subplots(
        1,
        len(prob_cols),
        figsize=(_style.FULL_WIDTH * (0.6 + 0.4 * len(prob_cols)), 3.2),
        squeeze=False,
    )
    for ax, col in zip(axes[0], prob_cols):
        part = sweep[sweep[col].notna()]
        for i, (name, grp) in enumerate(part.groupby("endpoint", sort=False)):
            for j, (eb, g) in enumerate(grp.groupby("exposure_before")):
                ax.plot(
                    g["events_before"],
                    g[col],
                    marker="os^"[j % 3],
                    ms=3.5,
                    lw=1.3,
                    color=_style.PALETTE[i % len(_style.PALETTE)],
                    ls=("-", "--", ":")[j % 3],
                    label=f"{name.replace('_', ' ')}, {eb:g} patient-years before",
                )
        ax.set_xlabel("total events before infusion (ASSUMED; not published)")
        ax.set_ylabel(f"P(reduction > {col.removeprefix('prob_reduction_gt_')}%)")
        ax.set_ylim(0, 1.02)
        _style.legend_below(ax, ncol=2, bbox_to_anchor=(0.5, -0.2))
    return fig


def trial_report(results) -> list:
    """The parts across the rate-ratio endpoints (:class:`~bayes_trials.endpoints.base.Part`):
    the forest plot and, where the spec states scenario grids, the scenario sweep's table and
    figure."""
    results = list(results.values()) if isinstance(results, dict) else list(results)
    if not results:
        return []
    out = [
        Part(
            "Rate ratios across endpoints and priors",
            plot_rate_forest(results),
            caption=rate_forest_caption(results),
            stem="rate_ratios_forest",
        )
    ]
    sweep = scenario_sweep_table(results)
    if sweep is not None:
        p = pct(results[0].level)
        head = "Scenario sweep: what the unpublished counts would have to be"
        about = (
            "Every row's assumed counts reproduce the published reduction exactly; the exact posterior "
            "(Jeffreys priors on both rates) depends on how many events and patient-years lie behind it. "
        )
        prob = next(c for c in sweep.columns if c.startswith("prob_reduction_gt_"))
        out += [
            Part(
                head,
                sweep,
                stem="scenario_sweep",
                caption=about
                + (
                    f"Per endpoint and assumed scenario: the counts, the posterior probability of a reduction "
                    f"above the endpoint's threshold, the rate ratio's median and {p}% CrI, and the exact "
                    f"conditional {p}% CI."
                ),
                compact=(
                    "endpoint",
                    "events_before",
                    "events_after",
                    "exposure_before",
                    "exposure_after",
                    prob,
                    "rr_median",
                    f"rr_eti{p}_low",
                    f"rr_eti{p}_high",
                ),
            ),
            Part(
                head,
                plot_scenario_sweep(sweep),
                stem="scenario_sweep",
                caption=about
                + (
                    "The posterior probability of a reduction above the threshold against the assumed total events "
                    "before infusion, one line per endpoint and assumed exposure before."
                ),
            ),
        ]
    return out
