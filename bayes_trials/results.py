"""Results: one shape for every endpoint kind, a long tidy table and the objects around it.

Every analysis (a model under a prior) is a :class:`Fit`; every endpoint's result is an
:class:`EndpointResult` holding its fits, its frequentist reference and its checks; a whole
spec's result is a :class:`TrialResult`. Their ``table()`` is the same long, tidy table for
every kind: one row per endpoint x prior x model x quantity, with the columns

``endpoint, prior, model, quantity`` then the statistics: the prior's mean and ESS, the
exact posterior's (``exact_mean``, ``exact_eti95_low``, ..., ``exact_prob``), the MCMC
summary's (``mean``, ``eti95_low``, ..., ``prob``, ``prob_mcse``) and its diagnostics.

The report renders from this table and from the endpoint's own report parts
(:meth:`~bayes_trials.endpoints.base.Endpoint.report_sections`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from . import checks as chk
from ._constants import CRED_LEVEL

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

KEYS = ["endpoint", "prior", "model", "quantity"]


@dataclass
class Fit:
    """One analysis: the exact posteriors, the summary rows, and the draws when sampled.

    ``rows`` maps quantity name -> summary dict (prior, exact and MCMC columns); ``exact``
    quantity name -> exact posterior; ``posterior`` the ``xarray.DataTree`` of the draws;
    ``diagnostics`` the fit's worst R-hat, smallest ESS, divergences and draws.
    """

    analysis: object
    exact: dict
    rows: dict
    posterior: object = None
    seed: int | None = None
    attempts: int | None = None
    diagnostics: dict | None = None

    @property
    def name(self) -> str:
        return self.analysis.name

    @property
    def prior(self):
        return self.analysis.prior

    @property
    def model(self):
        return self.analysis.model

    @property
    def row(self) -> dict:
        """The summary of the fit's only quantity (kinds with one scalar parameter)."""
        if len(self.rows) != 1:
            raise KeyError(f"fit {self.name!r} has {len(self.rows)} quantities; use .rows[name]")
        return next(iter(self.rows.values()))


@dataclass
class EndpointResult:
    """Everything about one endpoint: its fits under each prior, frequentist reference, checks.

    ``table()`` (alias ``summary()``) is the tidy table; ``checks()`` the checks table;
    ``plot()`` the endpoint's figure; ``posterior`` a DataTree with one child per fit.
    """

    endpoint: object
    fits: dict
    reference: object
    spec: object = None
    level: float = CRED_LEVEL
    method: str = "mcmc"
    _checks: list = field(default_factory=list)
    #: the tolerance, in MCSEs, at which the run judged its MCMC comparisons (family-wise)
    family_z: float | None = None

    @property
    def name(self) -> str:
        return self.endpoint.name

    def table(self) -> pd.DataFrame:
        """The tidy table: one row per prior x model x quantity."""
        rows = []
        for fit in self.fits.values():
            a = fit.analysis
            for quantity, row in fit.rows.items():
                rows.append(
                    {
                        "endpoint": self.name,
                        "prior": a.prior_name,
                        "model": a.model_name,
                        "quantity": quantity,
                        **row,
                    }
                )
        return pd.DataFrame(rows, columns=None if rows else KEYS)

    summary = table

    def checks(self) -> pd.DataFrame:
        return chk.to_frame(self._checks)

    def assumed_fields(self) -> list:
        """The spec fields of this endpoint tagged ``assumed`` (the report flags every one)."""
        if self.spec is None:
            return []
        return [k for k, q in self.spec.provenance.items() if q.tag == "assumed"]

    def assumed_sentences(self) -> list:
        """The report's warning that results rest on assumed numbers (none if nothing is)."""
        assumed = self.assumed_fields()
        if not assumed:
            return []
        return [
            f"ASSUMED numbers ({', '.join(assumed)}): every result below depends on them; "
            "see the provenance table for their sources."
        ]

    def checks_sentence(self) -> str:
        """'Checks: k passed, f failed, m not applicable.'"""
        c = self.checks()
        n_fail = int((c["passed"] == False).sum())  # noqa: E712
        n_na = int(c["passed"].isna().sum())
        return f"Checks: {len(c) - n_fail - n_na} passed, {n_fail} failed, {n_na} not applicable."

    def benchmarks(self) -> pd.DataFrame:
        """Comparisons with benchmark trials (the endpoint's, empty if it has none)."""
        return self.endpoint.benchmark_table(self)

    @property
    def design(self):
        """The endpoint's decision rule, boundaries and exact OCs (None without a rule)."""
        if "_design" not in self.__dict__:
            self.__dict__["_design"] = self.endpoint.design(self)
        return self.__dict__["_design"]

    def plot(self) -> Figure:
        """The endpoint's figure."""
        return self.endpoint.figure(self)

    @property
    def posterior(self):
        """A DataTree with one child per sampled fit (posterior and sample_stats groups)."""
        import xarray as xr

        children = {
            name: fit.posterior for name, fit in self.fits.items() if fit.posterior is not None
        }
        return (
            xr.DataTree.from_dict({f"/{k}": slim(t) for k, t in children.items()})
            if children
            else None
        )

    @property
    def all_passed(self) -> bool:
        return all(c.passed is not False for c in self._checks)

    def __repr__(self) -> str:
        failed = sum(c.passed is False for c in self._checks)
        return (
            f"<EndpointResult {self.name}: {self.endpoint.describe_data()}, {len(self.fits)} "
            f"fits, method={self.method}, {len(self._checks)} checks, {failed} failed>"
        )

    def _repr_html_(self) -> str:
        """Jupyter: the endpoint's rows of the report's summary table, its posterior table
        and its figure (:func:`bayes_trials.report.result_html`)."""
        from .report import result_html

        return result_html(self)


@dataclass
class TrialResult:
    """The re-analysis of a whole spec: one :class:`EndpointResult` per endpoint."""

    spec: object
    endpoints: dict  # name -> EndpointResult
    settings: dict
    reported: dict = field(default_factory=dict)  # id -> DataFrame (reanalyse_reported)
    reported_checks: list = field(default_factory=list)

    def __getitem__(self, name) -> EndpointResult:
        return self.endpoints[name]

    def table(self) -> pd.DataFrame:
        """Every endpoint's tidy table, one below the other (same columns, no mixed index)."""
        frames = [f for f in (r.table() for r in self.endpoints.values()) if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KEYS)

    summary = table

    def to_dataset(self) -> xr.Dataset:
        """The numeric columns of :meth:`table` as an ``xarray.Dataset`` over
        (endpoint, prior, model, quantity)."""
        t = self.table()
        numeric = [c for c in t.columns if c not in KEYS and pd.api.types.is_numeric_dtype(t[c])]
        return t.set_index(KEYS)[numeric].to_xarray()

    def checks(self) -> pd.DataFrame:
        frames = [r.checks() for r in self.endpoints.values()]
        frames.append(chk.to_frame(self.reported_checks))
        return pd.concat([f for f in frames if len(f)] or frames, ignore_index=True)

    @property
    def posterior(self):
        import xarray as xr

        tree = {}
        for name, res in self.endpoints.items():
            for fit_name, fit in res.fits.items():
                if fit.posterior is not None:
                    tree[f"/{name}/{fit_name}"] = slim(fit.posterior)
        return xr.DataTree.from_dict(tree) if tree else None

    @property
    def all_passed(self) -> bool:
        return all(r.all_passed for r in self.endpoints.values()) and all(
            c.passed is not False for c in self.reported_checks
        )

    def plot(self) -> dict[str, Figure]:
        return {name: res.plot() for name, res in self.endpoints.items()}

    def __repr__(self) -> str:
        c = self.checks()
        failed = (c["passed"] == False).sum()  # noqa: E712 (None: not applicable)
        return (
            f"<TrialResult {self.spec.name}: {len(self.endpoints)} endpoints, "
            f"{len(c)} checks, {failed} failed>"
        )

    def _repr_html_(self) -> str:
        """Jupyter: the report's header, failure banner and summary table, and each endpoint's
        figure (:func:`bayes_trials.report.result_html`)."""
        from .report import result_html

        return result_html(self)


def slim(tree):
    """Posterior and the scalar sampler statistics worth keeping (drops object columns)."""
    import xarray as xr

    keep = {"/posterior": tree["posterior"].to_dataset()}
    if "sample_stats" in tree.children:
        stats = tree["sample_stats"].to_dataset()
        wanted = [
            v
            for v in ("diverging", "step_size", "depth", "energy", "n_steps", "logp")
            if v in stats
        ]
        keep["/sample_stats"] = stats[wanted]
    return xr.DataTree.from_dict(keep)
