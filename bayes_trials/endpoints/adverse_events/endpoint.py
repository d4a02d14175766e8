"""The adverse-event endpoint: a safety table analysed event by event and as a hierarchy.

Analyses (:meth:`AdverseEventsEndpoint.analyses`), for the priors ``{name: prior}``:

- under each Beta (mixture) prior, each event on its own: an analysis ``<prior>/<term>``
  whose model is the event's binary endpoint (exact conjugate posterior; sampled with
  ``method="mcmc"`` and checked against it), quantity ``<term>``;
- the three-level hierarchical model (Berry and Berry 2004) under the endpoint's own
  ``hierarchical_prior`` (analysis ``hierarchical``) and under each
  :class:`HierarchicalAEPrior` among the priors (analysis: its name); no closed form, so
  sampled only with ``method="mcmc"``; quantities: each event's and each group's rate.

In the result table each row is ``prior`` (the prior's or hierarchical analysis's name),
``model`` (``independent`` or ``hierarchical``), ``quantity`` (the event term, or
``group_rate[<group>]``). Seeds: an event's independent fit is seeded as
``derive_seed(seed, trial, "<endpoint>/<term>", prior)``, the hierarchical one as
``derive_seed(seed, trial, endpoint, name)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..._constants import CRED_LEVEL
from ...benchmarks import compare_with_benchmarks
from ...data import AdverseEventTable, Binary
from ...distributions import REFERENCE_PRIORS, Beta, components_of
from ...errors import DataError, PriorError
from ..base import Analysis, EndpointBase
from ..binary import BinaryEndpoint
from . import report, tables
from .checks import bounds_checks, event_binary_checks, printed_percent_checks
from .exact import UNIFORM, independent_posteriors, independent_summary
from .model import EventModel, HierarchicalModel
from .priors import HierarchicalAEPrior
from .reference import AdverseEventReference, adverse_event_reference

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the model column of the result table
INDEPENDENT, HIERARCHICAL = "independent", tables.HIERARCHICAL


@dataclass(frozen=True)
class AdverseEventsEndpoint(EndpointBase):
    """Adverse-event rates: independent Beta-binomial analyses and a three-level hierarchy.

    Parameters
    ----------
    name : str
    table : AdverseEventTable
    label : str
    independent_prior : Beta
        The independent analysis the hierarchy's shrinkage is measured against, and the
        default of :meth:`independent_posteriors` (uniform).
    hierarchical_prior : HierarchicalAEPrior or None
        Hyperpriors of the analysis ``hierarchical`` (None: no such analysis).
    printed : tuple
        ``(term, (percent, decimals, tag, source))``: percentages the paper printed.
    benchmark_terms : tuple
        ``(benchmark name, term)``: the event each of the spec's benchmarks compares with.
    caveats : str
        The spec's caveats, printed with the benchmark comparisons.

    Example
    -------
    >>> import bayes_trials as bt
    >>> table = AdverseEventTable([("CRS", "immune effector", 11, 12),
    ...                            ("ICANS", "immune effector", 0, 12)])
    >>> ep = AdverseEventsEndpoint("safety", table)
    >>> ep.independent_posteriors()["CRS"]
    Beta(a=12, b=2)
    >>> [a.name for a in ep.analyses({"uniform": bt.Beta(1, 1)})]
    ['uniform/CRS', 'uniform/ICANS', 'hierarchical']
    >>> res = bt.analyse(ep, method="exact")
    >>> t = res.table().set_index(["prior", "quantity"])
    >>> round(float(t.loc[("jeffreys", "ICANS"), "exact_mean"]), 4)     # Beta(0.5, 12.5)
    0.0385
    """

    name: str
    table: AdverseEventTable
    label: str = ""
    independent_prior: Beta = UNIFORM
    hierarchical_prior: HierarchicalAEPrior | None = HierarchicalAEPrior()  # noqa: RUF009 (frozen)
    printed: tuple = ()
    benchmark_terms: tuple = ()
    caveats: str = ""

    kind = "adverse_events"
    #: the independent analysis of each event takes the spec's Beta priors
    prior_family = "beta"
    #: adverse events are harms: P(theta < benchmark) is reported
    direction = "less"
    target = None

    def __post_init__(self):
        if not isinstance(self.table, AdverseEventTable):
            raise DataError(
                f"needs an AdverseEventTable, got {type(self.table).__name__}",
                endpoint=self.name,
                field="table",
            )
        if not isinstance(self.independent_prior, Beta):
            raise PriorError(
                f"the independent prior must be a Beta, got {self.independent_prior!r}",
                endpoint=self.name,
                field="independent_prior",
            )
        if self.hierarchical_prior is not None and not isinstance(
            self.hierarchical_prior, HierarchicalAEPrior
        ):
            raise PriorError(
                f"needs a HierarchicalAEPrior, got {self.hierarchical_prior!r}",
                endpoint=self.name,
                field="hierarchical_prior",
            )
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- what the spec and the pipeline ask -------------------------------------------
    def describe_data(self) -> str:
        """E.g. ``5 events in 2 groups, n = 12``."""
        ns = sorted(set(self.table.n.tolist()))
        n_txt = f"n = {ns[0]}" if len(ns) == 1 else f"n = {ns[0]} to {ns[-1]}"
        return f"{len(self.table)} events in {len(self.table.groups)} groups, {n_txt}"

    @staticmethod
    def published_quantities() -> tuple:
        """None through ``[[endpoints.published]]``: printed percentages sit on the rows."""
        return ()

    @staticmethod
    def interval_methods() -> tuple:
        return ("clopper-pearson", "rule-of-three")

    @staticmethod
    def reference_priors() -> dict:
        """Uniform and Jeffreys Beta priors for the independent analyses."""
        return dict(REFERENCE_PRIORS)

    def check_prior(self, prior: object) -> None:
        """A Beta (mixture) prior for the independent analyses, or a :class:`HierarchicalAEPrior`."""
        if isinstance(prior, HierarchicalAEPrior):
            return
        _, comps = components_of(prior)
        if getattr(comps[0], "family", None) != "beta":
            raise PriorError(
                f"the independent analyses take Beta (or Beta mixture) priors and the "
                f"hierarchical model a HierarchicalAEPrior, got {prior!r}"
            )

    # --- the models ---------------------------------------------------------------------
    @property
    def hierarchical(self) -> HierarchicalModel:
        """The three-level model of the table."""
        return HierarchicalModel(self.table)

    def event_model(self, term: str) -> EventModel:
        """One event's independent analysis: the binary endpoint ``<name>/<term>`` of its count."""
        e = self.table.event(term)
        return EventModel(
            e.term,
            BinaryEndpoint(
                f"{self.name}/{e.term}", Binary(e.count, e.n), direction="less", label=e.term
            ),
        )

    def analyses(self, priors: dict) -> list[Analysis]:
        """Each event under each Beta prior, then each hierarchical analysis (module notes)."""
        out, hier = [], []
        if self.hierarchical_prior is not None:
            hier.append(
                Analysis(
                    HIERARCHICAL,
                    HIERARCHICAL,
                    self.hierarchical,
                    self.hierarchical_prior,
                    HIERARCHICAL,
                )
            )
        events = [self.event_model(t) for t in self.table.terms]
        for pname, prior in priors.items():
            if isinstance(prior, HierarchicalAEPrior):
                if pname == HIERARCHICAL and self.hierarchical_prior is not None:
                    raise PriorError(
                        f"{HIERARCHICAL!r} names the endpoint's own hierarchical "
                        "analysis; give this prior another name",
                        endpoint=self.name,
                        field=f"priors.{pname}",
                    )
                hier.append(Analysis(pname, pname, self.hierarchical, prior, HIERARCHICAL))
                continue
            out += [
                Analysis(
                    f"{pname}/{m.term}",
                    pname,
                    m,
                    prior,
                    INDEPENDENT,
                    seed_names=(m.binary.name, pname),
                )
                for m in events
            ]
        return out + hier

    # --- exact analysis, frequentist reference, checks ---------------------------------------
    def independent_posteriors(self, prior: Beta | None = None) -> dict[str, Beta]:
        """Term -> Beta(a + y, b + n - y), each event on its own (default the independent prior)."""
        try:
            return independent_posteriors(
                self.table, self.independent_prior if prior is None else prior
            )
        except PriorError as err:
            raise err.located(endpoint=self.name) from None

    def independent_summary(
        self, prior: Beta | None = None, level: float = CRED_LEVEL
    ) -> pd.DataFrame:
        """One row per event: exact posterior, upper bounds (see :func:`.exact.independent_summary`)."""
        return independent_summary(
            self.table, self.independent_prior if prior is None else prior, level
        )

    def reference(self, level: float = CRED_LEVEL) -> AdverseEventReference:
        """Clopper-Pearson intervals and one-sided upper bounds; rule of three for zero counts."""
        return adverse_event_reference(self.table, level)

    def published_checks(
        self, reference: AdverseEventReference, published: Any, assumed_data: bool
    ) -> list:
        """The percentages printed beside the counts, recomputed."""
        return printed_percent_checks(self.name, self.table, self.printed)

    def reference_checks(
        self, reference: AdverseEventReference, fits: dict, level: float = CRED_LEVEL
    ) -> list:
        """Per event, the binary endpoint's Jeffreys and Clopper-Pearson checks; then the
        upper bounds against their closed forms (:mod:`.checks`)."""
        by_prior = {}
        for fit in fits.values():
            if isinstance(fit.model, EventModel):
                by_prior.setdefault(fit.analysis.prior_name, {})[fit.model.term] = fit
        out = []
        for e in self.table.events:
            m = self.event_model(e.term)
            out += event_binary_checks(
                self.name, e.term, m.binary, {p: f[e.term] for p, f in by_prior.items()}, level
            )
        return out + bounds_checks(self.name, self.table, reference, by_prior, level)

    def compare_with_benchmarks(
        self, term: str, benchmarks: Any, prior: Beta | None = None, **kwargs
    ) -> pd.DataFrame:
        """P(theta_term < benchmark rate) from the independent posterior of ``term``.

        See :func:`bayes_trials.benchmarks.compare_with_benchmarks`.
        """
        self.table.event(term)
        post = self.independent_posteriors(prior)[term]
        return compare_with_benchmarks(post, benchmarks, direction="less", **kwargs)

    def hierarchical_summary(
        self, tree: Any, level: float = CRED_LEVEL, prior: Beta | None = None
    ) -> pd.DataFrame:
        """The hierarchical posterior per event beside the independent one, with the shrinkage
        (:func:`.tables.hierarchical_summary`); ``tree``: the hierarchical model's draws."""
        return tables.hierarchical_summary(
            self.hierarchical, tree, level, self.independent_prior if prior is None else prior
        )

    # --- report parts ------------------------------------------------------------------------
    def report_sections(self, result: Any) -> list:
        return report.report_sections(result)

    def sentences(self, result: Any) -> list[str]:
        return report.sentences(result)

    def figure(self, result: Any) -> Figure:
        return report.figure(result)

    def figure_caption(self, result: Any) -> str:
        return report.figure_caption(result)

    def headline(self, result: Any) -> list:
        """Each event under the primary hierarchical analysis when sampled, else under the
        first prior's independent analysis."""
        primary = tables.primary_hierarchical(result)
        if primary is not None:
            name, fit = primary
            terms = [e.term for e in self.table.events]
            return [(name, q) for q in terms if q in fit.rows]
        indep = tables.independent_fits(result)
        first = next(iter(indep.values()), {})
        return [(fit.name, term) for term, fit in first.items()]

    def benchmark_table(self, result: Any) -> pd.DataFrame:
        return tables.benchmark_table(result)
