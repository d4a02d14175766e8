"""The posterior over a grid of priors: :func:`sensitivity` and its result.

A Bayesian re-analysis stands or falls on how its conclusion moves with the prior. For every
endpoint kind with prior grids (binary and rate-ratio endpoints), :func:`sensitivity` gives
the exact posterior (or MCMC refits checked against it) under each prior of a grid and under
named priors, with the decision it supports.

Models and grid priors are the kind's (:class:`~bayes_trials.endpoints.grids.PriorGrid`):
binary, :math:`\\theta \\sim (1 - w)\\,\\text{Beta}(m e, (1 - m) e) + w\\,\\text{Beta}(1, 1)`;
rate ratios, :math:`\\log\\text{RR} \\sim (1 - w)\\, N(\\mu, s^2) + w\\, N(\\mu, 2)` in the
log-linear model. A decision is *met* when the posterior probability exceeds the threshold:
the spec's ``decision.threshold`` where it states one, else ``threshold=`` or the kind's
default (0.975 binary, the counterpart of a one-sided 2.5% test; 0.9 for rate ratios).

MCMC (``method="mcmc"``) samples the grid in batches: the kind's batched model
(:class:`~bayes_trials.endpoints.base.BatchedModel`) holds :data:`~bayes_trials._constants.BATCH_SIZE`
grid points as independent dimensions of one PyMC model, so one compile and one NUTS run
serve 64 points (:func:`bayes_trials.fit.sample_points`); a point that fails its diagnostics
is sampled again alone. Each chunk has a seed spawned from ``seed``, so a cluster run equals
the local one.

What batching does to NUTS: one step size and one tree depth serve every point of a chunk.
The diagonal mass matrix adapts to each point's own posterior scale, but the step size is
tuned to the joint acceptance, which the hardest point (a posterior piled against 0 or 1,
with a long tail on the logit scale) and the number of dimensions both lower, so trajectories
take more, smaller leapfrog steps than a single fit's (``benchmarks/bench_sensitivity.py``
prints both). Points whose posterior has a heavy tail on the sampled scale (the kind's
``batch(prior)`` says so: e.g. a Beta posterior parameter below 1) go to chunks of their own,
on the same compiled model, so they do not shrink the step size of every other point. Each point keeps its own checks: R-hat, bulk ESS and the z-scores against its
exact posterior, and a chunk's divergences count against all of its points, which are then
refitted alone.

Example
-------
>>> import bayes_trials as bt
>>> ep = bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)
>>> res = bt.sensitivity(ep, grid={"mean": [0.39], "ess": [2, 50]}, threshold=0.975)
>>> print(res.table[["mean_prior", "ess", "prob", "decision_met"]].round(4).to_string(index=False))
 mean_prior  ess   prob  decision_met
       0.39  2.0 0.9998          True
       0.39 50.0 0.9251         False

References
----------
Spiegelhalter DJ, Abrams KR, Myles JP. Bayesian Approaches to Clinical Trials and Health-Care
Evaluation. Wiley 2004. doi:10.1002/0470092602

Schmidli H et al. Robust meta-analytic-predictive priors in clinical trials with historical
control information. Biometrics 2014;70:1023-1032. doi:10.1111/biom.12242
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _validate as v
from .. import scale
from .._constants import CRED_LEVEL
from ..errors import BayesTrialsError, SpecError
from ..fit import sample, sample_points
from ..quantity import Quantity
from ..spec import EndpointSpec, TrialSpec
from ..summaries import tail_probability
from .grid import Grid, decision_threshold, grid_hooks, make_grid

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..endpoints.base import Endpoint

METHODS = ("exact", "mcmc", "auto")


def spec_threshold(es) -> float | None:
    """The decision threshold an endpoint's spec states, or None."""
    d = getattr(es, "decision", None)
    return None if d is None else float(d.threshold)


@dataclass(frozen=True)
class LeanSummaries:
    """The lean summary of each sampled grid point, from a chunk's draws (the ``summarise`` of
    :func:`bayes_trials.fit.sample_points`).

    Called with ``points`` (``(model, prior)`` pairs), ``draws`` (the models' parameter ->
    draws over ``chain, draw, point``), the chunk's divergences and the level. Per point: the
    posterior mean and its MCSE, the ETI from the draws, P(beyond target) and the kind's extra
    probabilities (``extra``: column -> value compared with, :meth:`PriorGrid.extra_targets`)
    with their MCSE (the rule of :func:`bayes_trials.summaries.tail_probability`: ArviZ's MCSE
    of the indicator's mean, floored by the binomial value at the estimate), R-hat, bulk and
    tail ESS, and the divergences. A module-level dataclass, so Dask can ship it.
    """

    extra: tuple = ()

    def __call__(self, points: list, draws: dict, divergences: int, level: float) -> list[dict]:
        return lean_summaries(points, draws, divergences, level, dict(self.extra))


def lean_summaries(
    points: list, draws: dict, divergences: int, level: float, extra: dict
) -> list[dict]:
    """See :class:`LeanSummaries`."""
    import arviz as az

    model = points[0][0]
    post = draws[model.parameter]
    tail = (1 - level) / 2
    x = post.transpose("chain", "draw", "point").values.reshape(-1, post.sizes["point"])
    ess_bulk = np.atleast_1d(az.ess(post, method="bulk").values)
    out = [
        {
            "post_mean": float(x[:, i].mean()),
            "eti_low": float(np.quantile(x[:, i], tail)),
            "eti_high": float(np.quantile(x[:, i], 1 - tail)),
            "ess_bulk": float(ess_bulk[i]),
            "divergences": int(divergences),
        }
        for i in range(x.shape[1])
    ]
    for key, values in (
        ("mcse_mean", az.mcse(post, method="mean")),
        ("r_hat", az.rhat(post)),
        ("ess_tail", az.ess(post, method="tail")),
    ):
        for row, val in zip(out, np.atleast_1d(values.values)):
            row[key] = float(val)
    for key in ("prob", *extra):
        for i, (m, _) in enumerate(points):
            t = m.target if key == "prob" else extra[key]
            p, mcse, _ = tail_probability(
                post.isel(point=i),
                Quantity(m.parameter, target=t, direction=m.direction),
                out[i]["ess_bulk"],
            )
            out[i][key], out[i][f"{key}_mcse"] = p, mcse
    return out


def mcmc_point(
    endpoint, prior, draws: int, tune: int, chains: int, seed: int, level: float
) -> dict:
    """Refit one grid point alone, on the compiled model of its structure; lean summary.

    Returns what :func:`lean_summaries` gives a point, and ``seed``. Module-level, so Dask
    can ship it.
    """
    hooks = grid_hooks(endpoint)
    ep = hooks.sampled(endpoint, prior)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tree = sample(ep, prior, draws=draws, tune=tune, chains=chains, seed=seed)
    post = {ep.parameter: tree["posterior"][ep.parameter].expand_dims(point=1, axis=-1)}
    div = int(tree["sample_stats"]["diverging"].sum())
    row = lean_summaries([(ep, prior)], post, div, level, hooks.extra_targets(endpoint))[0]
    return {**row, "seed": int(seed)}


def progress_bar(total: int, desc: str, enabled):
    """A tqdm bar on stderr, silent when stderr is not a terminal (``enabled=None``)."""
    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc=desc, disable=disable, leave=False, file=sys.stderr)


def iter_progress(items, desc, progress):
    bar = progress_bar(len(items), desc, progress)
    try:
        for x in items:
            yield x
            bar.update(1)
    finally:
        bar.close()


def z_score(estimate, exact, se):
    """(estimate - exact) / se, with 0 where both agree exactly (e.g. every draw beyond the
    target and an exact probability that rounds to 1) and +-inf where se = 0 but they differ."""
    diff = np.asarray(estimate, dtype=float) - np.asarray(exact, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(diff == 0, 0.0, diff / se)
    return z


@dataclass
class SensitivityResult:
    """The posterior over a prior grid (and named priors) for one endpoint.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy, one row per prior: ``source`` (``grid`` / ``named``), ``prior`` (its repr),
        ``name``, the grid axes (``family``, ``mean_prior``, ``ess`` or ``sd``,
        ``robust_weight``), ``post_mean``, ``eti95_low``, ``eti95_high``, ``prob`` (P beyond
        the target), the kind's extra probabilities (rates: ``prob_null``, P(RR < 1)),
        ``decision_met``; with MCMC also ``mcse_mean``, ``prob_mcse``, ``exact_*`` and
        ``z_mean``, ``z_prob``, diagnostics.
    dataset : xarray.Dataset
        The grid rows with one dimension per grid axis (``family``, ``mean``, ``ess`` or
        ``sd``, ``robust_weight``).
    """

    endpoint: object
    grid: Grid | None
    table: pd.DataFrame
    threshold: float
    method: str
    level: float
    settings: dict = field(default_factory=dict)

    @property
    def hooks(self):
        return grid_hooks(self.endpoint)

    @property
    def named(self) -> pd.DataFrame:
        return self.table[self.table["source"] != "grid"].reset_index(drop=True)

    @property
    def dataset(self):
        import xarray as xr

        if self.grid is None:
            return xr.Dataset()
        rows = self.table[self.table["source"] == "grid"]
        dims = list(self.grid.axes)
        coords = {d: list(vals) for d, vals in self.grid.axes.items()}
        skip = {
            "source",
            "prior",
            "name",
            "family",
            "mean_prior",
            self.grid.strength,
            "robust_weight",
        }
        # grid rows are in C order of the product (last axis fastest): reshape, no reindexing
        data = {
            c: (dims, rows[c].to_numpy().reshape(self.grid.shape))
            for c in rows.columns
            if c not in skip
            and (pd.api.types.is_numeric_dtype(rows[c]) or pd.api.types.is_bool_dtype(rows[c]))
        }
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update(
            endpoint=self.endpoint.name,
            threshold=self.threshold,
            method=self.method,
            level=self.level,
            target=self.endpoint.target,
            direction=self.endpoint.direction,
        )
        return ds

    def __repr__(self) -> str:
        met = int(self.table["decision_met"].sum())
        return (
            f"SensitivityResult({self.endpoint.name}: {len(self.table)} priors, method "
            f"{self.method}, decision met under {met}; threshold {self.threshold:g})"
        )

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.table.head(50).to_html(index=False, float_format="%.4g")

    def plot_decision_curves(self, **kw) -> Figure:
        from .plots import plot_decision_curves

        return plot_decision_curves(self, **kw)

    def plot_heatmap(self, **kw) -> Figure:
        from .plots import plot_heatmap

        return plot_heatmap(self, **kw)

    def plot_tornado(self, **kw) -> Figure:
        from .plots import plot_tornado

        return plot_tornado(self, **kw)


def _targets(spec_or_endpoint):
    """(endpoint, named priors, spec threshold) for each endpoint analysed; and whether many."""
    if isinstance(spec_or_endpoint, TrialSpec):
        out = []
        for es in spec_or_endpoint.endpoints:
            try:
                grid_hooks(es.endpoint)
            except SpecError:
                continue
            if es.endpoint.target is not None:
                out.append((es.endpoint, es.priors, spec_threshold(es)))
        return out, True
    if isinstance(spec_or_endpoint, EndpointSpec):
        return [
            (spec_or_endpoint.endpoint, spec_or_endpoint.priors, spec_threshold(spec_or_endpoint))
        ], False
    grid_hooks(spec_or_endpoint)
    return [(spec_or_endpoint, {}, None)], False


def sensitivity(
    spec_or_endpoint: TrialSpec | Endpoint,
    grid: dict | None = "default",
    priors: dict | None = None,
    *,
    method: str = "auto",
    threshold: float | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    level: float = CRED_LEVEL,
    client: Any = None,
    workers: int = 1,
    batched: bool = True,
    progress: Any = None,
    **deprecated,
) -> SensitivityResult | dict[str, SensitivityResult]:
    """The posterior of an endpoint over a grid of priors, plus named or explicit priors.

    Parameters
    ----------
    spec_or_endpoint : an endpoint (binary, rate ratio), an EndpointSpec or a TrialSpec
        A spec contributes its named priors and its decision threshold; a whole
        :class:`~bayes_trials.spec.TrialSpec` gives one result per endpoint with grids.
    grid : dict axis -> values, ``"default"`` or None
        Axes ``family``, ``mean`` (prior mean; log RR for rates), ``ess`` or ``sd``
        (strength) and ``robust_weight``; ``"default"`` is the kind's default grid
        (binary: 9 means x 7 ESS x 3 weights); None: no grid, only ``priors``.
    priors : list or dict of priors, optional
        Explicit priors (Beta / Beta mixtures; for rates LogRRPrior, TwoRatePrior or a
        Normal on log RR), reported with ``source="named"`` beside the spec's.
    method : {"auto", "exact", "mcmc"}
        ``auto`` and ``exact`` use the exact posterior (it exists for every prior here);
        ``mcmc`` refits every prior and reports the exact answer and the z-scores beside it.
    threshold : float, optional
        Decision threshold on the posterior probability (default: the spec's, else the
        kind's default).
    draws, tune, chains, seed : MCMC settings; chunk ``j`` of the batched points (point ``j``
        with ``batched=False``) uses the ``j``-th seed of ``numpy.random.SeedSequence(seed).spawn``
        (``random_seed=`` is the old name).
    level : float
        Credible level of the equal-tailed intervals.
    client : dask.distributed.Client or scheduler address, optional
        Run the MCMC chunks there (:func:`bayes_trials.fit.sample_points`).
    workers : int
        Without ``client``: run the chunks on a LocalCluster of this many processes (when
        there is more than one chunk; 1, the default: here).
    batched : bool
        MCMC in batches of :data:`~bayes_trials._constants.BATCH_SIZE` points per model (the
        default), or each point on its own model (the way before batching, for comparison).
    progress : bool or None
        Progress bar on stderr; None: only when stderr is a terminal.

    Returns
    -------
    SensitivityResult, or dict endpoint name -> SensitivityResult for a TrialSpec.

    Raises
    ------
    SpecError, PriorError
        An empty grid, an unknown axis or family, a strength <= 0, a mean outside the
        support, no priors at all, an unknown method.
    ClusterError
        When ``client`` is an address where no scheduler answers (within the timeout).

    Notes
    -----
    The exact binary path evaluates the whole grid in a few vectorised ``betainc`` calls: a
    10,000-point grid costs milliseconds.

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.BinaryEndpoint("hsct", bt.Binary(9, 9), target=0.39)
    >>> res = bt.sensitivity(ep, grid={"mean": [0.2, 0.39], "ess": [1, 10, 100]}, threshold=0.975)
    >>> res.dataset["prob"].sel(family="beta", robust_weight=0.0).round(3).values.tolist()
    [[1.0, 0.952, 0.003], [1.0, 0.995, 0.856]]
    """
    seed = v.renamed(deprecated, "random_seed", "seed", seed)
    v.one_of(method, METHODS, "method", SpecError)
    level = v.open_unit(level, "level", SpecError)
    if threshold is not None:
        threshold = v.open_unit(threshold, "threshold", SpecError)
    targets, many = _targets(spec_or_endpoint)
    if client is not None:  # fail fast (ClusterError within the timeout), before any work
        client = scale.connect(client, timeout=scale.CONNECT_TIMEOUT)
    if not targets:
        raise SpecError("the spec has no endpoint with prior grids and a target", field="endpoints")
    results = {}
    for endpoint, named, spec_thr in targets:
        if endpoint.target is None:
            raise SpecError(
                "the endpoint has no target to take posterior probabilities against",
                endpoint=endpoint.name,
                field="target",
            )
        hooks = grid_hooks(endpoint)
        thr = decision_threshold(threshold, spec_thr, hooks)
        try:
            g = None if grid is None else make_grid(hooks, None if grid == "default" else grid)
        except BayesTrialsError as err:
            raise err.located(endpoint=endpoint.name) from None
        explicit = dict(named)
        if priors is not None:
            items = priors.items() if isinstance(priors, dict) else ((repr(p), p) for p in priors)
            explicit.update({name: hooks.as_prior(endpoint, p) for name, p in items})
        if g is None and not explicit:
            raise SpecError(
                "nothing to analyse: give a grid or priors", endpoint=endpoint.name, field="grid"
            )
        results[endpoint.name] = _sensitivity_one(
            endpoint,
            g,
            explicit,
            method=method,
            threshold=thr,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            level=level,
            client=client,
            workers=workers,
            batched=batched,
            progress=progress,
        )
    return results if many else next(iter(results.values()))


def _label(prior) -> str:
    return repr(prior.log_rr) if hasattr(prior, "log_rr") else repr(prior)


def _sensitivity_one(
    endpoint,
    g,
    explicit,
    *,
    method,
    threshold,
    draws,
    tune,
    chains,
    seed,
    level,
    client,
    workers,
    batched,
    progress,
) -> SensitivityResult:
    hooks = grid_hooks(endpoint)
    pct = f"{round(100 * level)}"
    rows, grid_priors, exact_parts = [], [], []
    if g is not None:
        pts = g.points()
        rows += [
            {"source": "grid", "name": "", **m}
            for m in pts.rename(columns={"mean": "mean_prior"}).to_dict("records")
        ]
        fast = None if method == "mcmc" else hooks.exact_grid(endpoint, pts, g.strength, level)
        if fast is not None:
            for r, lab in zip(rows, fast.pop("prior")):
                r["prior"] = lab
            exact_parts.append(fast)
        else:
            grid_priors = [g.prior(p) for p in pts.to_dict("records")]
            for r, p in zip(rows, grid_priors):
                r["prior"] = _label(p)
    for name, p in explicit.items():
        hooks.sampled(endpoint, p).check_prior(p)
        rows.append({"source": "named", "name": name, "prior": _label(p)})
    all_priors = grid_priors + list(explicit.values())
    # exact answers (the oracle, and the result itself unless method == "mcmc")
    exact_parts.append(
        pd.DataFrame(
            [
                hooks.exact_summary(endpoint, p, level)
                for p in iter_progress(all_priors, "exact posteriors", progress)
            ]
        )
    )
    exact = pd.concat([e for e in exact_parts if len(e)] or exact_parts, ignore_index=True)
    table = pd.DataFrame(rows)
    if method in ("exact", "auto"):
        table = pd.concat([table, exact], axis=1)
    else:
        points = [(hooks.sampled(endpoint, p), p) for p in all_priors]
        bar = progress_bar(len(points), "MCMC points", progress)
        try:
            summarise = LeanSummaries(tuple(hooks.extra_targets(endpoint).items()))
            mc = pd.DataFrame(
                sample_points(
                    points,
                    summarise,
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    seed=seed,
                    level=level,
                    client=client,
                    workers=workers,
                    batched=batched,
                    on_done=bar.update,
                )
            )
        finally:
            bar.close()
        table = pd.concat([table, mc, exact.add_prefix("exact_")], axis=1)
        table["z_mean"] = z_score(table["post_mean"], table["exact_post_mean"], table["mcse_mean"])
        # tail probability: MCSE floored at the exact probability's binomial value
        floor = np.sqrt(table["exact_prob"] * (1 - table["exact_prob"]) / table["ess_bulk"])
        table["z_prob"] = z_score(
            table["prob"], table["exact_prob"], np.maximum(table["prob_mcse"], floor)
        )
    table["decision_met"] = table["prob"] > threshold
    table = table.rename(
        columns={
            "eti_low": f"eti{pct}_low",
            "eti_high": f"eti{pct}_high",
            "exact_eti_low": f"exact_eti{pct}_low",
            "exact_eti_high": f"exact_eti{pct}_high",
        }
    )
    settings = (
        {"seed": seed, "draws": draws, "tune": tune, "chains": chains, "batched": batched}
        if method == "mcmc"
        else {}
    )
    return SensitivityResult(
        endpoint, g, table, threshold, "mcmc" if method == "mcmc" else "exact", level, settings
    )
