"""Figures of a prior-sensitivity analysis (:class:`bayes_trials.sensitivity.SensitivityResult`).

Each function returns a Matplotlib ``Figure`` (shown inline in Jupyter, saved by the CLI):

- :func:`plot_decision_curves`: the decision probability against the prior's strength, one
  curve per prior mean, with the threshold as a dashed line;
- :func:`plot_heatmap`: the decision probability over prior mean x strength, with the
  contour where it equals the threshold (the tipping boundary);
- :func:`plot_tornado`: how each prior choice moves the posterior mean away from the
  reference analysis.

Example
-------
>>> import matplotlib; matplotlib.use("Agg")
>>> import bayes_trials as bt
>>> res = bt.sensitivity(bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39), threshold=0.975)
>>> type(res.plot_heatmap()).__name__
'Figure'
"""

from __future__ import annotations

import numpy as np

from .. import _style


def _prob_label(res) -> str:
    ep = res.endpoint
    sign = ">" if ep.direction == "greater" else "<"
    return f"P({res.hooks.parameter_label} {sign} {ep.target:g} | data)"


def _slice(res, var: str, robust_weight=None, family=None):
    """The (mean x strength) slice of ``var`` at one family and robust weight."""
    if res.grid is None:
        raise ValueError("this sensitivity result has no prior grid to plot")
    ds = res.dataset
    rw = ds["robust_weight"].values[0] if robust_weight is None else robust_weight
    fam = ds["family"].values[0] if family is None else family
    return ds[var].sel(robust_weight=rw, family=fam), rw


def _strength_label(res) -> str:
    if res.grid.strength == "ess":
        return f"prior effective sample size ({res.hooks.strength_unit})"
    return "prior sd" + (
        f" ({res.hooks.mean_label.removeprefix('prior mean').strip(' ()')})"
        if res.hooks.mean_label != "prior mean"
        else ""
    )


@_style.styled
def plot_decision_curves(res, robust_weight=None, family=None, ax=None):
    """P(decision) against prior strength, one curve per prior mean; threshold dashed."""
    import matplotlib.pyplot as plt

    da, rw = _slice(res, "prob", robust_weight, family)
    strength = res.grid.strength
    fig = ax.figure if ax is not None else plt.figure(figsize=(_style.FULL_WIDTH, 3.6))
    ax = ax or fig.gca()
    means = da["mean"].values
    colours = plt.cm.viridis(np.linspace(0, 0.95, len(means)))
    for m, c in zip(means, colours):
        y = da.sel(mean=m).values
        ax.plot(da[strength].values, y, marker="o", ms=3, color=c, label=res.hooks.mean_text(m))
    ax.axhline(res.threshold, ls="--", color="k", lw=1, label=f"threshold {res.threshold:g}")
    ax.set_xscale("log")
    _style.plain_log_axis(ax, "x")
    ax.set_xlabel(_strength_label(res))
    ax.set_ylabel(_prob_label(res))
    ax.set_title(
        _style.wrap(
            f"{res.endpoint.label}: decision probability by prior"
            + (f" (robust weight {rw:g})" if rw else ""),
            70,
        ),
        loc="left",
    )
    _style.legend_right(ax, title=res.hooks.mean_label)
    fig.tight_layout()
    return fig


@_style.styled
def plot_heatmap(res, robust_weight=None, family=None, ax=None):
    """P(benefit) over prior mean x strength, with the decision-threshold contour."""
    import matplotlib.pyplot as plt

    da, rw = _slice(res, "prob", robust_weight, family)
    strength = res.grid.strength
    fig = ax.figure if ax is not None else plt.figure(figsize=(_style.FULL_WIDTH, 3.6))
    ax = ax or fig.gca()
    x = np.asarray(da[strength].values, dtype=float)
    y = np.asarray(da["mean"].values, dtype=float)
    z = np.asarray(da.transpose("mean", strength).values, dtype=float)
    mesh = ax.pcolormesh(x, y, z, shading="nearest", cmap="RdYlGn", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax, label=_prob_label(res))
    if len(x) > 1 and len(y) > 1 and np.nanmin(z) < res.threshold < np.nanmax(z):
        cs = ax.contour(x, y, z, levels=[res.threshold], colors="k", linewidths=1.5)
        ax.clabel(cs, fmt=lambda v: f"{v:g}", fontsize=8)
    ax.set_xscale("log")
    _style.plain_log_axis(ax, "x")
    ax.set_xlabel(_strength_label(res))
    ax.set_ylabel(res.hooks.mean_label)
    ax.set_title(
        _style.wrap(
            f"{res.endpoint.label}; contour: P = threshold {res.threshold:g}"
            + (f", robust weight {rw:g}" if rw else ""),
            70,
        ),
        loc="left",
    )
    fig.tight_layout()
    return fig


def tornado_table(res, reference: str | None = None):
    """The rows of :func:`plot_tornado`: low / high posterior mean per prior choice.

    Each grid axis is varied over its range with the others at their middle value; each named
    prior is one bar from the reference analysis to its own estimate. The reference is
    ``reference`` (a named prior), else the first named prior, else the grid's middle point.
    """
    import pandas as pd

    t = res.table
    named = t[t["source"] == "named"]
    if reference is not None and reference not in set(named["name"]):
        raise ValueError(f"no named prior {reference!r}; have {', '.join(named['name'])}")
    bars = []
    if res.grid is not None:
        ds = res.dataset
        mid = {d: ds[d].values[len(ds[d]) // 2] for d in res.grid.axes}
        for axis in res.grid.axes:
            if len(ds[axis]) < 2:
                continue
            sel = {d: v for d, v in mid.items() if d != axis}
            vals = ds["post_mean"].sel(sel).values
            held = ", ".join(
                f"{d.replace('_', ' ')} {_value(v)}"
                for d, v in sel.items()
                if len(ds[d]) > 1 or d != "family"
            )
            bars.append(
                {
                    "choice": f"grid: {axis.replace('_', ' ')} {_value(ds[axis].values[0])} to "
                    f"{_value(ds[axis].values[-1])} ({held} held)",
                    "low": float(np.nanmin(vals)),
                    "high": float(np.nanmax(vals)),
                }
            )
        base = float(ds["post_mean"].sel(mid).values)
        base_name = "grid centre"
    if len(named):
        ref = named[named["name"] == reference] if reference else named.iloc[:1]
        base = float(ref["post_mean"].iloc[0])
        base_name = str(ref["name"].iloc[0])
        for r in named.itertuples():
            if r.name == base_name:
                continue
            bars.append(
                {
                    "choice": f"prior: {r.name}",
                    "low": min(base, r.post_mean),
                    "high": max(base, r.post_mean),
                }
            )
    df = pd.DataFrame(bars, columns=["choice", "low", "high"])
    df["width"] = df["high"] - df["low"]
    df = df.sort_values("width").reset_index(drop=True)
    df.attrs.update(reference=base_name, reference_value=base)
    return df


def _value(v) -> str:
    """A grid coordinate for a label: numbers with :g, names as they are."""
    try:
        return f"{float(v):g}"
    except (TypeError, ValueError):
        return str(v)


@_style.styled
def plot_tornado(res, reference: str | None = None, ax=None):
    """How each prior choice moves the posterior mean, widest bar on top: each grid axis
    varied over its range with the others held at their middle values (the labels say which),
    and each named prior against the reference analysis (the vertical line)."""
    import matplotlib.pyplot as plt

    df = tornado_table(res, reference)
    base = df.attrs["reference_value"]
    fig = (
        ax.figure
        if ax is not None
        else plt.figure(figsize=(_style.FULL_WIDTH, 1.0 + 0.38 * max(len(df), 1)))
    )
    ax = ax or fig.gca()
    ax.barh(
        np.arange(len(df)),
        df["high"] - df["low"],
        left=df["low"],
        color=_style.BAYES_COLOUR,
        alpha=0.75,
    )
    ax.axvline(base, color="k", lw=1)
    ax.set_yticks(np.arange(len(df)), [_style.wrap(c, 48) for c in df["choice"]], fontsize=7)
    ax.set_xlabel(
        _style.wrap(
            f"posterior mean of {res.hooks.parameter_label} (vertical line: the reference "
            f"analysis, {df.attrs['reference']})",
            80,
        )
    )
    ax.set_title(_style.wrap(f"{res.endpoint.label}: influence of the prior", 70), loc="left")
    fig.tight_layout()
    return fig
