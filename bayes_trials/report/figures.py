"""Figures the report draws itself: the posteriors of effects reported as an estimate with a CI."""

from __future__ import annotations

import numpy as np

from .. import _style


@_style.styled
def plot_reported(rs, table):
    """The likelihood of a reported effect and its exact normal-normal posterior under each
    prior: normal densities on the analysis scale (a ratio: the log ratio, drawn on a log axis
    labelled in ratios).

    ``rs``: the spec's reported effect; ``table``: :func:`bayes_trials.reanalyse_reported`'s
    table (``post_mean`` and ``post_sd`` on the analysis scale: log for ratios).
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    ratio = rs.scale == "ratio"
    lik_mean = table.attrs["likelihood_mean"]
    lik_se = table.attrs["likelihood_se"]
    means = np.r_[table["post_mean"].to_numpy(float), lik_mean]
    sds = np.r_[table["post_sd"].to_numpy(float), lik_se]
    lo = float(np.min(means - 4 * sds))
    hi = float(np.max(means + 4 * sds))
    z = np.linspace(lo, hi, 600)
    x = np.exp(z) if ratio else z
    fig, ax = plt.subplots(figsize=(_style.FULL_WIDTH, 3.2))
    roles = {}
    for name in table["prior"]:
        roles[name] = {
            "flat": "reference",
            "sceptical": "sceptical",
            "enthusiastic": "enthusiastic",
        }.get(str(name).split("-")[0], None)
    styles = _style.prior_styles(roles)

    def density(m, s):
        # on a log axis, the density of the log ratio: the normal curve the analysis uses
        return stats.norm.pdf(z, m, s)

    ax.plot(
        x,
        density(lik_mean, lik_se),
        color=_style.DATA_COLOUR,
        ls=(0, (2, 2)),
        lw=1.2,
        label=f"likelihood: {rs.measure} {rs.estimate.value:g} ({rs.ci_low.value:g} to {rs.ci_high.value:g})",
    )
    for r in table.itertuples():
        st = styles[r.prior]
        ax.plot(
            x,
            density(r.post_mean, r.post_sd),
            color=st["color"],
            ls=st["ls"],
            lw=st["lw"],
            label=f"posterior, {r.prior} prior",
        )
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color=_style.TARGET_COLOUR, ls=":", lw=1)
    if rs.mcid is not None:
        ax.axvline(rs.mcid.value, color=_style.TARGET_COLOUR, ls="-.", lw=1)
    if ratio:
        ax.set_xscale("log")
        _style.plain_log_axis(ax, "x")
    ax.set_xlabel(f"{rs.label}: {rs.measure}" + (" (log scale)" if ratio else ""))
    ax.set_ylabel(f"density of the log {rs.measure}" if ratio else "density")
    ax.set_ylim(bottom=0)
    _style.legend_below(ax, ncol=2)
    return fig
