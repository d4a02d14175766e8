"""The endpoint protocol: every method the pipeline calls, with the maths each must state.

An *endpoint* is one outcome of a trial (HSCT-free survival at one year, the response
categories, the infection rate before and after treatment) with its data. The pipeline
(:func:`bayes_trials.analyse`) knows endpoints only through this protocol:

1. :meth:`Endpoint.analyses` turns the named priors into *analyses*: one fit each, a model
   and a prior. For most kinds the model is the endpoint itself and there is one analysis
   per prior; a kind with several models (survival: exponential, Weibull, piecewise) or
   several parts (adverse events: independent Beta posteriors and a hierarchical model)
   returns more.
2. Each analysis's model (:class:`Model`) states its scalar :class:`Quantity` s (what is
   summarised and checked), its exact posterior of each quantity where one exists
   (:meth:`Model.exact`: conjugate updating or quadrature) and, for sampling, its PyMC
   model: :meth:`Model.structure` is the compile key (same key, same compiled model),
   :meth:`Model.build_model` builds it with data and hyperparameters as ``pm.Data``,
   :meth:`Model.model_inputs` gives the values a refit swaps in, :meth:`Model.draws` maps
   the posterior draws to the quantities.
3. :meth:`Endpoint.reference` recomputes the frequentist analysis (scipy, statsmodels,
   lifelines) as a frozen record; :meth:`Endpoint.published_checks` compares it with what
   the paper printed; :meth:`Endpoint.reference_checks` states the kind's Bayesian vs
   frequentist identities and bounds.
4. Reports ask the endpoint for its figure and its caption, its own report parts (:class:`Part`
   records) and sentences (:meth:`Endpoint.figure`, :meth:`Endpoint.figure_caption`,
   :meth:`Endpoint.report_sections`, :meth:`Endpoint.sentences`), and which quantities head the
   summary (:meth:`Endpoint.headline`).

:class:`EndpointBase` gives the defaults (one analysis per prior, no extra checks, no
extra sections), so a kind states only what is its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import pandas as pd

from .._constants import DEFAULT_TARGET_ACCEPT
from ..checks import published_checks
from ..quantity import Quantity
from ..summaries import prior_columns


@dataclass(frozen=True)
class Analysis:
    """One fit of an endpoint: a model under a prior.

    ``name`` keys the fit in results (the prior's name, or ``"<prior>/<model>"`` when an
    endpoint fits several models per prior); ``prior_name`` and ``model_name`` fill the
    ``prior`` and ``model`` columns of the result table. ``seed_names``, when given, are
    the names the fit's seed derives from after the run seed and the trial id (default:
    the endpoint's name and ``name``), so that a kind can keep the seeds of fits it used to
    name otherwise.
    """

    name: str
    prior_name: str
    model: Any
    prior: Any
    model_name: str = ""
    seed_names: tuple = ()


@dataclass(frozen=True)
class Part:
    """One part of an endpoint's report (:meth:`Endpoint.report_sections`): a table, a text or
    a figure, with its heading and caption.

    ``place`` says where the report puts it: ``"data"`` (after the data and provenance),
    ``"posterior"`` (after the posterior table and figure), ``"reference"`` (the frequentist
    reference) or ``"more"`` (decisions, benchmarks, diagnostics: after the reference).
    ``compact`` names the columns of a table's compact view (the one a printed page holds;
    the wide view keeps every column); ``stem`` names the part's files (trial-level parts);
    ``kind`` ``"warning"`` sets a text off (caveats).

    A part unpacks as the ``(heading, content)`` pair it replaces:

    >>> import pandas as pd
    >>> heading, table = Part("Frequentist reference", pd.DataFrame({"p": [0.01]}), place="reference")
    >>> heading
    'Frequentist reference'
    """

    heading: str
    content: Any
    caption: str = ""
    place: str = "more"
    compact: tuple | None = None
    stem: str = ""
    kind: str = "text"

    def __iter__(self):
        yield self.heading
        yield self.content

    def __getitem__(self, i):
        return (self.heading, self.content)[i]


@runtime_checkable
class Model(Protocol):
    """What one fit needs: quantities, exact posteriors and the PyMC model."""

    def quantities(self, prior) -> Sequence[Quantity]:
        """The scalars summarised and checked under ``prior``."""

    def exact(self, prior) -> dict[str, Any]:
        """Quantity name -> exact posterior distribution (conjugate or quadrature); the
        quantities without one are left out (an empty dict when there is none)."""

    def structure(self, prior) -> Hashable:
        """The compile key: two priors with the same key share one compiled model."""

    def build_model(self, structure):
        """The PyMC model of ``structure``, data and hyperparameters as ``pm.Data``."""

    def model_inputs(self, prior) -> dict:
        """The values of the model's ``pm.Data`` for this prior and these data."""

    def draws(self, tree) -> dict:
        """Quantity name -> posterior draws (an ``xarray.DataArray`` over chain and draw)."""

    def target_accept(self, prior) -> float:
        """NUTS target acceptance for this prior (:data:`DEFAULT_TARGET_ACCEPT` unless the
        posterior has long tails on the sampled scale)."""

    def samples(self, prior) -> bool:
        """Whether ``method="mcmc"`` samples this analysis (False for exact-only parts)."""

    def prior_summary(self, prior, exact: dict) -> dict:
        """Columns about the prior shared by every quantity's row: its mean and ESS and, for
        one conjugate prior, the prior-data conflict and the posterior mixture weights."""

    def diagnostics_label(self, prior) -> str:
        """What the sampler-diagnostics check covers, when not the single quantity."""

    def uninformative(self) -> str | None:
        """A sentence when the data carry no information on the quantities (no events in
        either period, say): every result then restates the prior, the report and the
        summary table say so, and the MCMC-vs-exact comparisons (of heavy-tailed posteriors
        with no finite mean) give way to that statement. None for informative data."""

    def strata(self, prior) -> list | None:
        """For a mixture prior whose exact posterior weights are known, ``[(posterior
        weight, component prior), ...]``: the pipeline then samples each component's
        posterior on its own and combines them with these weights
        (:func:`bayes_trials.fit.sample_strata`), because NUTS cannot move between the
        separated modes such a posterior may have. None: sample the prior as it is."""

    # optional: ``tidy_posterior(tree)``, the draws a result keeps (e.g. padding removed,
    # named coordinates); without it the result keeps the tree as sampled
    # optional: ``batch(prior)``, the :class:`BatchedModel` that samples this model under
    # ``prior`` as one point of many (prior grids, scenario sweeps); None or absent: alone


@runtime_checkable
class BatchedModel(Protocol):
    """Many small posteriors as independent dimensions of one PyMC model.

    A kind whose posteriors are small (one or two parameters) states a batched form of its
    model: ``size`` points, each with its own data and prior, whose joint density is the
    product of the points' posteriors, so one compile and one NUTS run sample them all
    (:func:`bayes_trials.fit.sample_points`). Instances are small frozen dataclasses: equal
    batches share chunks, and pickle to Dask workers; batches that differ only in fields
    outside :meth:`structure` (a heavy-tailed group, say) are chunked apart on one compile.
    """

    size: int

    def structure(self) -> Hashable:
        """The compile key (including ``size``)."""

    def build_model(self, structure):
        """The PyMC model of ``size`` points, data and hyperparameters in one ``pm.Data``."""

    def model_inputs(self, points: list) -> dict:
        """The ``pm.Data`` values for ``points`` (``[(model, prior), ...]``, at most ``size``;
        the rest padded with a harmless point)."""

    def draws(self, tree, n: int) -> dict:
        """Quantity name -> draws over ``chain, draw, point`` of the first ``n`` points."""


@runtime_checkable
class Endpoint(Protocol):
    """An endpoint kind: data, analyses, frequentist reference, checks and report parts."""

    kind: ClassVar[str]
    name: str
    label: str

    def describe_data(self) -> str:
        """The data in a few words (``"9/9"``)."""

    def reference_priors(self) -> dict:
        """Name -> prior used when the user gives none (uniform and Jeffreys, ...)."""

    def check_prior(self, prior) -> None:
        """Raise :class:`~bayes_trials.errors.PriorError` for a prior this kind cannot use."""

    def analyses(self, priors: dict) -> list[Analysis]:
        """The fits of these named priors (see the module docstring)."""

    def reference(self, level: float):
        """The frequentist analysis recomputed from the data: a frozen record with
        ``as_dict()`` (and ``estimate``, ``intervals``, ``p_value`` where they apply)."""

    def published_checks(self, reference, published, assumed_data: bool) -> list:
        """Each number the paper printed against the recomputed one."""

    def reference_checks(self, reference, fits: dict, level: float) -> list:
        """The kind's Bayesian vs frequentist identities and bounds."""

    def figure(self, result):
        """The endpoint's figure (matplotlib, in the style of :mod:`bayes_trials._style`), or None."""

    def figure_caption(self, result) -> str:
        """The caption of :meth:`figure`: what is drawn, with which lines, on which scale."""

    def report_sections(self, result) -> list:
        """The kind's own parts of the report: :class:`Part` records (or ``(heading,
        DataFrame or text)`` pairs), placed by ``Part.place``."""

    def headline(self, result) -> list | None:
        """``[(fit name, quantity name), ...]`` for the report's summary table, or None for
        the default: every fit's quantities that have a target (all when none has)."""

    def sentences(self, result) -> list[str]:
        """The report's prose about this endpoint's result."""

    def benchmark_table(self, result):
        """The posterior against external benchmark rates (an empty DataFrame if none)."""

    def summary_table(self, result):
        """The posterior summary as a reader sees it (key columns; the CSV has them all)."""

    def design(self, result):
        """The endpoint's decision rule with its boundaries and exact OCs, or None."""


class ModelBase:
    """Defaults for the optional parts of the :class:`Model` protocol: the default target
    acceptance, sampled under ``method="mcmc"``, the prior's mean and ESS as its summary, no
    diagnostics label, informative data, no strata. Model objects inherit them."""

    def target_accept(self, prior) -> float:
        return DEFAULT_TARGET_ACCEPT

    def samples(self, prior) -> bool:
        return True

    def prior_summary(self, prior, exact: dict) -> dict:
        return prior_columns(prior)

    def diagnostics_label(self, prior) -> str:
        return ""

    def uninformative(self) -> str | None:
        return None

    def strata(self, prior) -> list | None:
        return None


class EndpointBase(ModelBase):
    """Defaults for the protocol: one analysis per prior with the endpoint as its model,
    the generic published-vs-recomputed comparison, no kind-specific checks or sections."""

    label: str = ""

    def analyses(self, priors: dict) -> list[Analysis]:
        return [Analysis(name, name, self, prior) for name, prior in priors.items()]

    def published_checks(self, reference, published, assumed_data: bool) -> list:
        return published_checks(self.name, reference, published, assumed_data=assumed_data)

    def reference_checks(self, reference, fits: dict, level: float) -> list:
        return []

    def benchmark_table(self, result):
        return pd.DataFrame()

    def summary_table(self, result):
        return result.table()

    def design(self, result):
        return None

    def figure(self, result):
        return None

    def figure_caption(self, result) -> str:
        return f"{self.label}."

    def report_sections(self, result) -> list:
        return []

    def headline(self, result) -> list | None:
        return None

    def sentences(self, result) -> list[str]:
        return []
