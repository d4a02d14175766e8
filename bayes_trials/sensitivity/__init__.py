"""Sensitivity analyses: prior grids, tipping points and data fragility, exact or by refits.

- :func:`sensitivity`: the posterior over a *grid* of priors (family x location x strength
  x robust-mixture weight), plus the spec's named priors or an explicit list; a tidy table
  and an ``xarray.Dataset`` with one dimension per grid axis, and figures.
- :func:`tipping_point`, :func:`tipping_points`: the strength of a sceptical prior centred on
  the null (or its weight in a mixture) at which the decision would change.
- :func:`fragility`: the posterior had one responder fewer (one event more) been observed.
- :func:`load_grid`: grid files (TOML) for the command line.

Each endpoint kind with prior grids states its grid priors and exact summaries in its
:class:`~bayes_trials.endpoints.grids.PriorGrid`; nothing here asks which kind it has.
"""

from .analysis import SensitivityResult, mcmc_point, sensitivity, z_score
from .fragility import fragility
from .grid import AXES, Grid, grid_hooks, make_grid
from .gridfile import GridFile, load_grid
from .tipping import TippingPoint, tipping_point, tipping_points

__all__ = [
    "sensitivity",
    "SensitivityResult",
    "tipping_point",
    "tipping_points",
    "TippingPoint",
    "fragility",
    "load_grid",
    "GridFile",
    "make_grid",
    "Grid",
    "AXES",
    "grid_hooks",
    "mcmc_point",
    "z_score",
]
