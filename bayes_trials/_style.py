"""The figures' one style: sizes for print, a palette, line styles by prior role, files.

Every figure of the package (the kinds' figures, operating characteristics, sensitivity,
MAP forest plots) is drawn inside :func:`style` (or a function decorated with
:func:`styled`), so that fonts, line widths and colours agree across a report, and is
written by :func:`save` as SVG and as a 300-dpi PNG.

Priors are drawn by their role in the spec (``reference``, ``weakly-informative``,
``sceptical``, ``enthusiastic``, ``historical``): a role has its colour family and its line
style, so a reader tells a sceptical analysis from an enthusiastic one without the legend;
priors of one role get successive shades of its family (:func:`prior_styles`).

>>> s = prior_styles({"uniform": "reference", "sceptical_ess9": "sceptical", "hsct": "enthusiastic"})
>>> s["sceptical_ess9"]["ls"], s["uniform"]["color"]
('--', '#000000')
"""

from __future__ import annotations

import functools
import textwrap
from contextlib import contextmanager
from pathlib import Path

#: the width of a full-width figure (inches): the text width of an A4 or Letter page
FULL_WIDTH = 6.5
#: resolution of the PNG files (the SVG beside each is resolution-free)
PNG_DPI = 300

#: colour families by prior role, darkest first (colour-blind-safe hues: black, purple, blue,
#: vermillion, bluish green)
ROLE_COLOURS = {
    "reference": ["#000000", "#5a5a5a", "#8f8f8f"],
    "weakly-informative": ["#6a3d9a", "#9e7cc1", "#c5b0d5"],
    "sceptical": ["#0b3c7a", "#1f6fb8", "#4a97d6", "#7ab6e3", "#a6cfee"],
    "enthusiastic": ["#a63603", "#e6550d", "#f08a3e", "#f7b27a"],
    "historical": ["#00563a", "#009e73", "#45c29a", "#8fd9bd"],
}
#: line style by prior role
ROLE_LINESTYLES = {
    "reference": "-",
    "weakly-informative": (0, (6, 1.5, 1, 1.5)),
    "sceptical": "--",
    "enthusiastic": "-.",
    "historical": ":",
}
#: colours for what is not a prior: the observed data, frequentist results, targets, benchmarks
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#7f7f7f"]
DATA_COLOUR = "#000000"
FREQUENTIST_COLOUR = "#D55E00"
BAYES_COLOUR = "#0072B2"
TARGET_COLOUR = "#444444"

#: Matplotlib settings of every figure (print sizes: 8-9 pt text at 6.5 inches wide)
RC = {
    "figure.figsize": (FULL_WIDTH, 3.4),
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.5,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "legend.title_fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.7,
    "lines.linewidth": 1.5,
    "svg.fonttype": "path",
}


def _rc() -> dict:
    """:data:`RC` with the colour cycle of :data:`PALETTE`."""
    from cycler import cycler

    return {**RC, "axes.prop_cycle": cycler(color=PALETTE)}


@contextmanager
def style():
    """Matplotlib settings of the package's figures, for the ``with`` block."""
    import matplotlib.pyplot as plt

    with plt.rc_context(_rc()):
        yield


def styled(func):
    """Decorator: draw the figure of ``func`` inside :func:`style`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    return wrapper


def prior_styles(roles: dict) -> dict:
    """``name -> {"color", "ls", "lw"}`` for priors given as ``name -> role`` (None: no role).

    Each role takes the next shade of its colour family, in the order given; priors without
    a known role take the palette's colours with solid lines.
    """
    used: dict = {}
    out = {}
    for i, (name, role) in enumerate(roles.items()):
        if role in ROLE_COLOURS:
            k = used.get(role, 0)
            used[role] = k + 1
            family = ROLE_COLOURS[role]
            out[name] = {"color": family[k % len(family)], "ls": ROLE_LINESTYLES[role], "lw": 1.6}
        else:
            out[name] = {"color": PALETTE[i % len(PALETTE)], "ls": "-", "lw": 1.6}
    return out


def roles_of(result) -> dict:
    """``prior name -> role`` for the fits of an endpoint result (roles from its spec;
    None for priors the spec does not describe, or without a spec)."""
    specs = getattr(getattr(result, "spec", None), "prior_specs", None) or {}
    out = {}
    for fit in result.fits.values():
        name = getattr(fit.analysis, "prior_name", fit.name)
        ps = specs.get(name)
        out.setdefault(name, getattr(ps, "role", None))
    return out


def result_styles(result) -> dict:
    """:func:`prior_styles` of an endpoint result's priors (by the roles of its spec)."""
    return prior_styles(roles_of(result))


def wrap(text: str, width: int = 70) -> str:
    """Text broken into lines of at most ``width`` characters (titles and long labels)."""
    return "\n".join(textwrap.wrap(str(text), width)) if text else ""


def legend_below(ax, ncol: int | None = None, **kwargs):
    """The legend under the axes (outside them, so that it never covers data)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    ncol = ncol or min(len(labels), 3 if max(len(s) for s in labels) > 22 else 4)
    kwargs.setdefault("loc", "upper center")
    kwargs.setdefault("bbox_to_anchor", (0.5, -0.2))
    return ax.legend(handles, labels, ncol=ncol, **kwargs)


def legend_right(ax, **kwargs):
    """The legend to the right of the axes (outside them)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    kwargs.setdefault("loc", "upper left")
    kwargs.setdefault("bbox_to_anchor", (1.02, 1.0))
    return ax.legend(handles, labels, **kwargs)


def plain_log_axis(ax, axis: str = "x") -> None:
    """A log axis labelled 0.05, 0.1, 0.2, 0.5, 1, 2, ... rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    target.set_minor_formatter(NullFormatter())


def density_top(curves, margin: float = 0.02) -> float:
    """The y limit of density curves on one grid: 1.1 x the highest value away from the ends
    of the grid (``margin`` of it on each side), so that a pole at an end of the support (a
    Jeffreys density at 0 or 1) does not flatten the other curves; :func:`mark_unbounded`
    then marks it."""
    import numpy as np

    best = 0.0
    for y in curves:
        y = np.asarray(y, dtype=float)
        k = max(1, int(margin * y.size))
        inner = y[k:-k]
        inner = inner[np.isfinite(inner)]
        if inner.size:
            best = max(best, float(inner.max()))
    return 1.1 * best if best > 0 else 1.0


def mark_unbounded(ax, x, y, top: float, color, marked: set | None = None) -> bool:
    """Where the density ``y`` leaves the axes (``y > top``), an arrow in its colour, and
    once per side of the axes (``marked`` keeps track) the word "unbounded": an integrable
    pole at an end of the support, e.g. a Jeffreys density at 0 or 1. True if it did."""
    import numpy as np

    y = np.asarray(y, dtype=float)
    over = np.flatnonzero(~np.isfinite(y) | (y > top))
    if not over.size:
        return False
    half = y.size // 2
    for side, run in (("left", over[over < half]), ("right", over[over >= half])):
        if not run.size:
            continue
        i = run[0] if side == "right" else run[-1]  # where the curve leaves the axes
        text = "" if marked is not None and side in marked else "unbounded"
        if marked is not None:
            marked.add(side)
        ax.annotate(
            text,
            xy=(x[i], top),
            xytext=(x[i], top * 0.86),
            fontsize=6.5,
            color="0.25",
            ha="right" if side == "right" else "left",
            va="top",
            arrowprops={"arrowstyle": "->", "color": color, "lw": 0.8},
        )
    return True


def file_names(stem: str) -> dict:
    """``{"svg": "stem.svg", "png": "stem.png"}``: the files :func:`save` writes."""
    return {ext: f"{stem}.{ext}" for ext in ("svg", "png")}


def save(fig, folder, stem: str) -> dict:
    """Write ``stem.svg`` and ``stem.png`` (300 dpi) into ``folder`` and close the figure;
    returns ``{"svg": name, "png": name}`` (:func:`file_names`)."""
    import matplotlib.pyplot as plt

    folder = Path(folder)
    out = file_names(stem)
    with style():
        for ext, name in out.items():
            fig.savefig(folder / name, dpi=PNG_DPI, bbox_inches="tight", metadata=_metadata(ext))
    plt.close(fig)
    return out


def _metadata(ext: str) -> dict:
    # no creation date, so that a figure's file depends on its content only
    return {"Date": None} if ext == "svg" else {}
