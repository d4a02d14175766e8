"""Prior grids: a product of prior family x location x strength x robust-mixture weight.

Which priors a grid point stands for is the endpoint kind's business (its
:class:`~bayes_trials.endpoints.grids.PriorGrid`, ``Kind.sensitivity``); this module
validates the axes and enumerates the points.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from .. import _validate as v
from ..endpoints.registry import KINDS
from ..errors import PriorError, SpecError

#: the grid axes
AXES = ("family", "mean", "ess", "sd", "robust_weight")


def grid_hooks(endpoint):
    """The :class:`~bayes_trials.endpoints.grids.PriorGrid` of an endpoint's kind."""
    kind = KINDS.get(getattr(endpoint, "kind", None))
    if kind is None or kind.sensitivity is None:
        able = ", ".join(k for k, kd in KINDS.items() if kd.sensitivity is not None)
        raise SpecError(
            f"sensitivity analyses cover {able} endpoints, not "
            f"{getattr(endpoint, 'kind', type(endpoint).__name__)!r}",
            endpoint=getattr(endpoint, "name", None),
            field="kind",
        )
    return kind.sensitivity


def decision_threshold(threshold: float | None, spec_threshold: float | None, hooks) -> float:
    """The posterior-probability threshold of a decision: the caller's, else the spec's
    decision rule's, else the kind's default (``hooks.default_threshold``)."""
    if threshold is not None:
        return threshold
    return spec_threshold if spec_threshold is not None else hooks.default_threshold


def hooks_by_name() -> dict:
    """Grid-file table name -> PriorGrid, for every kind with grids."""
    return {k.sensitivity.name: k.sensitivity for k in KINDS.values() if k.sensitivity is not None}


@dataclass(frozen=True)
class Grid:
    """A product grid of priors: ``axes`` maps axis name -> tuple of values, in axis order.

    Build it with :func:`make_grid`, which validates every value.
    """

    hooks: object
    axes: dict

    @property
    def strength(self) -> str:
        return "ess" if "ess" in self.axes else "sd"

    @property
    def shape(self) -> tuple:
        return tuple(len(x) for x in self.axes.values())

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def points(self) -> pd.DataFrame:
        """One row per grid point, axes as columns (C order, last axis fastest)."""
        return pd.DataFrame(list(product(*self.axes.values())), columns=list(self.axes))

    def prior(self, point: dict):
        """The prior of one row of :meth:`points`."""
        s = self.strength
        return self.hooks.prior(point["family"], point["mean"], point[s], point["robust_weight"], s)


def make_grid(hooks, grid: dict | None, *, where: str = "grid", error=PriorError) -> Grid:
    """Validate a grid dict (axis -> list of values) for a kind's :class:`PriorGrid`.

    Missing axes take the kind's defaults (``family`` its first family, ``robust_weight``
    0). Raises :class:`~bayes_trials.errors.SpecError` on an empty grid or an unknown axis,
    :class:`~bayes_trials.errors.PriorError` on a strength <= 0, a mean outside the
    parameter's support or a weight outside [0, 1); the field is ``<where>.<axis>``.

    >>> from bayes_trials.endpoints.binary_grid import BetaGrid
    >>> make_grid(BetaGrid(), {"mean": [0.39], "ess": [1, 9]}).shape
    (1, 1, 2, 1)
    """
    if grid is None:
        grid = hooks.default_grid
    if not isinstance(grid, dict) or not grid:
        raise SpecError(
            "the grid is empty: give at least one axis, e.g. {'mean': [...], 'ess': [...]}",
            field=where,
        )
    unknown = sorted(set(grid) - set(AXES))
    if unknown:
        raise SpecError(
            f"unknown grid axis {unknown[0]!r}; axes are {', '.join(AXES)}",
            field=f"{where}.{unknown[0]}",
        )
    if "ess" in grid and "sd" in grid:
        raise SpecError(
            "give the prior strength as 'ess' or as 'sd', not both", field=f"{where}.sd"
        )
    axes = {}
    for axis in AXES:
        if axis not in grid:
            continue
        values = grid[axis]
        values = [values] if np.isscalar(values) or isinstance(values, str) else list(values)
        if not values:
            raise SpecError("the grid axis is empty", field=f"{where}.{axis}")
        if len(set(values)) != len(values):
            raise SpecError(f"repeated values {values}", field=f"{where}.{axis}")
        f = f"{where}.{axis}"
        if axis == "family":
            for fam in values:
                if fam not in hooks.families:
                    raise SpecError(
                        f"unknown prior family {fam!r} for a {hooks.name} endpoint; "
                        f"allowed: {', '.join(hooks.families)}",
                        field=f,
                    )
        elif axis == "mean":
            values = [v.finite_real(x, f, error) for x in values]
            hooks.check_means(values, f)
        elif axis in ("ess", "sd"):
            values = [v.finite_real(x, f, error) for x in values]
            bad = [x for x in values if x <= 0]
            if bad:
                raise error(f"a prior strength must be > 0, got {bad[0]:g}", field=f)
        else:  # robust_weight
            values = [v.finite_real(x, f, error) for x in values]
            if not all(0 <= x < 1 for x in values):
                bad = next(x for x in values if not 0 <= x < 1)
                raise error(f"a robust-mixture weight must lie in [0, 1), got {bad:g}", field=f)
        axes[axis] = tuple(values)
    if "mean" not in axes or not ({"ess", "sd"} & set(axes)):
        missing = "mean" if "mean" not in axes else "ess"
        raise SpecError(
            "a prior grid needs a location ('mean') and a strength ('ess' or 'sd')",
            field=f"{where}.{missing}",
        )
    axes.setdefault("family", (hooks.families[0],))
    axes.setdefault("robust_weight", (0.0,))
    strength = "ess" if "ess" in axes else "sd"
    axes = {k: axes[k] for k in ("family", "mean", strength, "robust_weight")}
    hooks.check_axes(axes, where)
    return Grid(hooks, axes)
