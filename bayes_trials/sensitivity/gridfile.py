"""Grid files: prior grids and run settings for ``bayes-trials sensitivity``, in TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _validate as v
from ..errors import BayesTrialsError, PriorError, SpecError
from .analysis import METHODS
from .grid import grid_hooks, hooks_by_name, make_grid

# =====================================================================================
# grid files (TOML) for the command line
# =====================================================================================
SETTINGS = ("method", "threshold", "draws", "tune", "chains", "seed", "level", "scenarios")


def _axis_values(raw, field_name: str, path):
    """A list, a scalar, or ``{start, stop, num, scale = "linear" | "log"}``."""
    if isinstance(raw, dict):
        unknown = set(raw) - {"start", "stop", "num", "scale"}
        if unknown or not {"start", "stop", "num"} <= set(raw):
            raise SpecError("a range needs start, stop and num (and optionally scale = 'linear' or 'log')",
                            file=path, field=field_name)
        num = v.count(raw["num"], field_name + ".num", SpecError)
        if num < 1:
            raise SpecError("num must be at least 1", file=path, field=field_name + ".num")
        start = v.finite_real(raw["start"], field_name + ".start", SpecError)
        stop = v.finite_real(raw["stop"], field_name + ".stop", SpecError)
        scale = raw.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise SpecError(f"scale must be 'linear' or 'log', got {scale!r}", file=path, field=field_name + ".scale")
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise PriorError("a log-spaced range needs start and stop > 0", file=path, field=field_name)
            return [float(x) for x in np.geomspace(start, stop, num)]
        return [float(x) for x in np.linspace(start, stop, num)]
    return raw


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


def load_grid(path, spec=None) -> GridFile:
    """Read and validate a grid file (TOML); errors name the file and the field.

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
    hooks = hooks_by_name()
    unknown = sorted(set(doc) - {"settings", "endpoints", *hooks})
    if unknown:
        tables = ", ".join(f"[{k}]" for k in hooks)
        raise SpecError(f"unknown table [{unknown[0]}]; a grid file has [settings], {tables} "
                        "and [endpoints.<id>]", file=path, field=unknown[0])
    settings = dict(doc.get("settings", {}))
    bad = sorted(set(settings) - set(SETTINGS))
    if bad:
        raise SpecError(f"unknown setting {bad[0]!r}; known: {', '.join(SETTINGS)}", file=path,
                        field=f"settings.{bad[0]}")
    try:
        if "method" in settings:
            v.one_of(settings["method"], METHODS, "settings.method", SpecError)
        if "threshold" in settings:
            v.open_unit(settings["threshold"], "settings.threshold", SpecError)
        if "level" in settings:
            v.open_unit(settings["level"], "settings.level", SpecError)
        for key in ("draws", "tune", "chains", "seed"):
            if key in settings:
                n = v.count(settings[key], f"settings.{key}", SpecError)
                if key != "seed" and n < 1:
                    raise SpecError("must be at least 1", field=f"settings.{key}")

        def parse(raw, kind_hooks, where):
            if not isinstance(raw, dict):
                raise SpecError("must be a table of grid axes", field=where)
            vals = {k: _axis_values(x, f"{where}.{k}", path) for k, x in raw.items()}
            return make_grid(kind_hooks, vals, where=where).axes

        kinds = {k: parse(doc[k], h, k) for k, h in hooks.items() if k in doc}
        endpoints = {}
        raw_eps = doc.get("endpoints", {})
        if not isinstance(raw_eps, dict):
            raise SpecError("must be tables [endpoints.<id>]", field="endpoints")
        known = {es.endpoint.name: es.endpoint for es in spec.endpoints} if spec is not None else None
        for name, raw in raw_eps.items():
            if known is not None and name not in known:
                raise SpecError(f"the spec has no endpoint {name!r}; it has {', '.join(known)}",
                                field=f"endpoints.{name}")
            if known is None:
                raise SpecError("endpoint grids need the spec they refer to", field=f"endpoints.{name}")
            endpoints[name] = parse(raw, grid_hooks(known[name]), f"endpoints.{name}")
    except BayesTrialsError as err:
        raise err.located(file=path) from None
    return GridFile(str(path), kinds, endpoints, settings)
