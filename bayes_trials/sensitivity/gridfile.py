"""Grid files: prior grids and run settings for ``bayes-trials sensitivity``, in TOML.

A grid file's schema (:func:`grid_file_schema`): ``[settings]`` (:class:`GridSettings`), one
table of grid axes per kind with prior grids (``[binary]``, ``[rate_ratio]``, ...:
:class:`GridAxes`) and ``[endpoints.<id>]`` tables for one endpoint's own grid. Unknown keys
are refused with a suggestion, as in specs; the axes' values are then checked by the kind
(:func:`~bayes_trials.sensitivity.grid.make_grid`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, create_model

from .._schema import (
    Count,
    ErrorList,
    PositiveCount,
    Probability,
    Real,
    SpecModel,
    Text,
    did_you_mean,
    forms,
    json_schema,
    validate,
)
from ..errors import PriorError, SpecError
from .analysis import METHODS
from .grid import grid_hooks, hooks_by_name, make_grid

if TYPE_CHECKING:
    from ..spec import TrialSpec

# =====================================================================================
# grid files (TOML) for the command line
# =====================================================================================
SETTINGS = ("method", "threshold", "draws", "tune", "chains", "seed", "level", "scenarios")


class AxisRange(SpecModel):
    """Evenly spaced values ``{ start, stop, num, scale }``."""

    start: Real = Field(description="First value.")
    stop: Real = Field(description="Last value.")
    num: PositiveCount = Field(description="How many values.")
    scale: Literal["linear", "log"] = Field(
        "linear", description="linear, or log (geometric spacing; start and stop > 0)."
    )

    def values(self, field: str) -> list[float]:
        if self.scale == "log":
            if self.start <= 0 or self.stop <= 0:
                raise PriorError("a log-spaced range needs start and stop > 0", field=field)
            return [float(x) for x in np.geomspace(self.start, self.stop, self.num)]
        return [float(x) for x in np.linspace(self.start, self.stop, self.num)]


_AXIS = "A list of values, one value, or a range { start, stop, num, scale }."
NumberAxis = forms(number=Real, list=list[Real], table=AxisRange)


class GridAxes(SpecModel):
    """A prior grid: location x strength x robust-mixture weight (x family)."""

    family: forms(text=Text, list=list[Text]) | None = Field(
        None, description=("Prior families of the grid (default: the kind's first).")
    )
    mean: NumberAxis | None = Field(None, description="Prior means (the location). " + _AXIS)
    ess: NumberAxis | None = Field(
        None, description="Prior effective sample sizes (the strength; or sd). " + _AXIS
    )
    sd: NumberAxis | None = Field(None, description="Prior sds (the strength; or ess). " + _AXIS)
    robust_weight: NumberAxis | None = Field(
        None, description="Weights of a vague mixture component, in [0, 1) (default 0). " + _AXIS
    )

    def axes(self, where: str) -> dict:
        """Axis -> list of values (ranges expanded), for :func:`make_grid`."""
        out = {}
        for axis in type(self).model_fields:
            value = getattr(self, axis)
            if value is not None:
                out[axis] = (
                    value.values(f"{where}.{axis}") if isinstance(value, AxisRange) else value
                )
        return out


class GridSettings(SpecModel):
    """``[settings]``: how the grid is computed (all optional)."""

    method: Literal[METHODS] = Field(
        "auto", description="exact, mcmc or auto (exact where it exists)."
    )
    threshold: Probability | None = Field(
        None,
        description="Decision threshold (default: the spec's decision threshold, else the kind's).",
    )
    draws: PositiveCount | None = Field(
        None, description="MCMC draws per chain (default: the spec's)."
    )
    tune: PositiveCount | None = Field(
        None, description="MCMC warm-up draws (default: the spec's)."
    )
    chains: PositiveCount | None = Field(None, description="MCMC chains (default: the spec's).")
    seed: Count | None = Field(None, description="Run seed (default: the spec's).")
    level: Probability | None = Field(None, description="Credible level (default: the spec's).")
    scenarios: bool = Field(
        True, description="Tipping points under each assumed data scenario too."
    )


def grid_file_schema() -> type:
    """The schema of a grid file: ``[settings]``, a table per kind with grids, ``[endpoints.<id>]``."""
    kinds = {
        name: (GridAxes | None, Field(None, description=f"The grid of every {name} endpoint."))
        for name in hooks_by_name()
    }
    return create_model(
        "GridFile",
        __base__=SpecModel,
        __doc__="A grid file for bayes-trials sensitivity.",
        settings=(GridSettings, Field(GridSettings(), description="Run settings.")),
        endpoints=(
            dict[str, GridAxes],
            Field(default_factory=dict, description=("One endpoint's own grid, [endpoints.<id>].")),
        ),
        **kinds,
    )


GridFileSchema = grid_file_schema()


def grid_json_schema() -> dict:
    """The JSON Schema of grid files (for TOML editors)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **json_schema(GridFileSchema),
        "title": "bayes_trials sensitivity grid file",
    }


@dataclass(frozen=True)
class GridFile:
    """A parsed grid file: per-kind and per-endpoint grids, and run settings."""

    path: str
    kinds: dict
    endpoints: dict
    settings: dict

    def grid_for(self, endpoint):
        """The grid of an endpoint: its own, else its kind's, else the kind's default."""
        if endpoint.name in self.endpoints:
            return self.endpoints[endpoint.name]
        return self.kinds.get(grid_hooks(endpoint).name, "default")


def load_grid(path: str | os.PathLike, spec: TrialSpec | None = None) -> GridFile:
    """Read and validate a grid file (TOML); errors name the file and the field, all of them
    together.

    Format::

        [settings]                  # all optional
        method = "exact"            # "exact", "mcmc" or "auto"
        threshold = 0.975           # else the spec's decision threshold, else the defaults
        draws = 1000
        chains = 4
        seed = 1

        [binary]                    # the grid of every binary endpoint
        mean = { start = 0.1, stop = 0.9, num = 9 }
        ess = [0.5, 1, 2, 5, 10, 20, 50]
        robust_weight = [0.0, 0.2]

        [rate_ratio]                # rate-ratio endpoints: log RR location and sd
        mean = [-1.0, -0.5, 0.0, 0.5, 1.0]
        sd = { start = 0.1, stop = 5, num = 12, scale = "log" }

        [endpoints.serious_infections]   # one endpoint's own grid
        mean = [0.0]
        sd = [0.25, 0.5, 1.0]
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SpecError(f"cannot read grid file: {err.strerror}", file=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SpecError(f"TOML syntax error: {err}", file=path) from None
    errors = ErrorList(path)
    table, found = validate(GridFileSchema, doc)
    for parts, msg in found:
        if len(parts) == 1 and msg.startswith("unknown field"):
            msg = "unknown table" + did_you_mean(parts[0], list(GridFileSchema.model_fields))
        errors.add_problems([(parts, msg)])
    errors.raise_if_any()
    hooks = hooks_by_name()
    kinds, endpoints = {}, {}
    for k, h in hooks.items():
        axes = getattr(table, k)
        if axes is not None:
            with errors.catch():
                kinds[k] = make_grid(h, axes.axes(k), where=k).axes
    known = {es.endpoint.name: es.endpoint for es in spec.endpoints} if spec is not None else None
    for name, axes in table.endpoints.items():
        with errors.catch():
            if known is None:
                raise SpecError(
                    "endpoint grids need the spec they refer to", field=f"endpoints.{name}"
                )
            if name not in known:
                raise SpecError(
                    f"the spec has no endpoint {name!r}; it has {', '.join(known)}",
                    field=f"endpoints.{name}",
                )
            where = f"endpoints.{name}"
            endpoints[name] = make_grid(grid_hooks(known[name]), axes.axes(where), where=where).axes
    errors.raise_if_any()
    settings = table.settings.model_dump(exclude_unset=True)
    return GridFile(str(path), kinds, endpoints, settings)
