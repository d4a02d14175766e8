"""Response categories: counts in ordered categories (CR > CRi > MLFS > none), with unions.

Model
-----
.. math::

    \\mathbf p = (p_1, \\ldots, p_K) &\\sim \\text{Dirichlet}(\\alpha_1, \\ldots, \\alpha_K)\\\\
    (y_1, \\ldots, y_K) &\\sim \\text{Multinomial}(n, \\mathbf p)\\\\
    p_U &= \\textstyle\\sum_{k \\in U} p_k \\quad\\text{for each union } U \\text{ of categories}

Estimands (the :class:`~bayes_trials.quantity.Quantity` s of every analysis): the posterior
of each category's probability and of each union of categories (CR + CRi, any response),
their credible intervals and :math:`P(p_U > \\text{target})` where a target is given.

Priors: the reference Dirichlet with :math:`\\alpha_k = 1/2` (Jeffreys) or 1 (uniform) per
category, or an informative Dirichlet from a benchmark's category split discounted to a
stated effective sample size (:meth:`bayes_trials.Dirichlet.from_mean_ess`).

Exact posterior: Dirichlet-multinomial conjugacy; every category and union has a Beta
marginal, the union's equal to the binary analysis of the union under the aggregated prior
(:mod:`.exact`). Frequentist reference: simultaneous multinomial intervals (Goodman;
Sison-Glaz) and Clopper-Pearson per union (:mod:`.reference`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...benchmarks import compare_with_benchmarks
from ...conjugate import update
from ...data import Categorical
from ...distributions import Beta, Dirichlet
from ...errors import DataError, PriorError
from ...quantity import Quantity
from ..base import EndpointBase
from . import exact as ex
from . import model as mdl
from . import result as rep
from .checks import percentage_checks, union_reference_checks
from .reference import SIMULTANEOUS_METHODS, CategoricalReference, categorical_reference

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def cumulative_unions(names) -> dict[str, tuple[str, ...]]:
    """For ordered categories (best first): "this category or better", for all but the last.

    >>> cumulative_unions(["CR", "CRi", "MLFS", "none"])
    {'CR': ('CR',), 'CR+CRi': ('CR', 'CRi'), 'CR+CRi+MLFS': ('CR', 'CRi', 'MLFS')}
    """
    names = list(names)
    return {"+".join(names[: i + 1]): tuple(names[: i + 1]) for i in range(len(names) - 1)}


@dataclass(frozen=True)
class CategoricalEndpoint(EndpointBase):
    """An endpoint reported as counts in ordered categories, with unions of interest.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"response_1m"``.
    data : Categorical
        Categories in their order, best first.
    unions : mapping of str to sequence of str, optional
        Union label -> its categories, e.g. ``{"CR+CRi": ["CR", "CRi"]}``. Default: the
        cumulative unions "this category or better" (:func:`cumulative_unions`).
    targets : mapping of str to float, optional
        Union (or category) label -> null or benchmark rate; :math:`P(p_U > \\text{target})`
        is reported for each.
    label : str
    printed : tuple
        ``(category, (percent, decimals, tag, source))``: percentages the paper printed,
        checked against the counts.
    benchmark_unions : tuple
        ``(benchmark name, union or category it compares with)``, from the spec.
    caveats : str
        What every comparison with a benchmark must be read with (from the spec).

    Example
    -------
    >>> import bayes_trials as bt
    >>> ep = bt.CategoricalEndpoint("response_1m", bt.Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0}),
    ...                             unions={"CR+CRi": ["CR", "CRi"]}, targets={"CR+CRi": 0.4})
    >>> post = ep.union_posterior(bt.Dirichlet.reference(ep.data.names, 0.5), "CR+CRi")
    >>> post, round(float(post.sf(0.4)), 4)
    (Beta(a=10, b=4), 0.9922)
    >>> [q.name for q in ep.quantities(ep.reference_priors()["jeffreys"])]
    ['CR', 'CRi', 'MLFS', 'none', 'CR+CRi']
    """

    name: str
    data: Categorical
    unions: tuple = ()
    targets: tuple = ()
    label: str = ""
    printed: tuple = ()
    benchmark_unions: tuple = ()
    caveats: str = ""

    kind = "categorical"
    parameter = "p"
    prior_family = "dirichlet"
    direction = "greater"
    #: the endpoint has no single target; each union or category may have one (``targets``)
    target = None

    def __post_init__(self):
        if not isinstance(self.data, Categorical):
            raise DataError(
                f"needs Categorical data, got {type(self.data).__name__}",
                endpoint=self.name,
                field="data",
            )
        if self.data.k < 2:
            raise DataError("needs at least 2 categories", endpoint=self.name, field="data")
        unions = self.unions or cumulative_unions(self.data.names)
        if hasattr(unions, "items"):
            unions = tuple(unions.items())
        normalised = []
        for label, members in unions:
            members = (members,) if isinstance(members, str) else tuple(members)
            try:
                self.data.union(members)
            except DataError as err:
                raise DataError(
                    err.reason, endpoint=self.name, field=f"unions[{label!r}]"
                ) from None
            normalised.append((str(label), members))
        object.__setattr__(self, "unions", tuple(normalised))
        targets = self.targets
        if hasattr(targets, "items"):
            targets = tuple(targets.items())
        known = {u for u, _ in normalised} | set(self.data.names)
        checked = []
        for label, value in targets:
            if label not in known:
                raise DataError(
                    f"target for unknown union or category {label!r}; known: {sorted(known)}",
                    endpoint=self.name,
                    field="targets",
                )
            checked.append((label, v.open_unit(value, f"targets[{label!r}]")))
        object.__setattr__(self, "targets", tuple(checked))
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- description ----------------------------------------------------------------------
    def describe_data(self) -> str:
        """E.g. ``CR 4, CRi 5, MLFS 3, none 0 of 12``."""
        return ", ".join(f"{k} {c}" for k, c in self.data.counts.items()) + f" of {self.data.n}"

    @staticmethod
    def published_quantities() -> tuple:
        """None through ``[[endpoints.published]]``: printed percentages sit on the categories."""
        return ()

    @staticmethod
    def interval_methods() -> tuple:
        return (*SIMULTANEOUS_METHODS, "clopper-pearson")

    def members(self, union: str | Sequence[str]) -> tuple[str, ...]:
        """The categories of a union given by its label, a category name or a list."""
        if isinstance(union, str):
            for label, members in self.unions:
                if label == union:
                    return members
            if union in self.data.names:
                return (union,)
            raise DataError(
                f"unknown union or category {union!r}", endpoint=self.name, field="union"
            )
        return tuple(union)

    def items(self) -> list[tuple[str, str, tuple]]:
        """``(kind, label, members)`` for each category, then each union: the quantities' order."""
        out = [("category", name, (name,)) for name in self.data.names]
        return out + [("union", label, members) for label, members in self.unions]

    # --- priors -------------------------------------------------------------------------
    def check_prior(self, prior: object) -> None:
        if not isinstance(prior, Dirichlet):
            raise PriorError(
                f"a categorical endpoint takes a Dirichlet prior, got {prior!r}",
                endpoint=self.name,
                field="prior",
            )
        if set(prior.names) != set(self.data.names):
            missing = [n for n in self.data.names if n not in prior.names]
            extra = [n for n in prior.names if n not in self.data.names]
            raise PriorError(
                f"the prior's categories {list(prior.names)} differ from the data's "
                f"{list(self.data.names)} (missing from the prior: {missing}; not in the data: "
                f"{extra})",
                endpoint=self.name,
                field="prior",
            )

    def reference_priors(self) -> dict:
        """Jeffreys (1/2 per category) and uniform (1 per category) Dirichlet priors."""
        return {
            "jeffreys": Dirichlet.reference(self.data.names, 0.5),
            "uniform": Dirichlet.reference(self.data.names, 1.0),
        }

    # --- the Model protocol ---------------------------------------------------------------
    def quantities(self, prior: Dirichlet) -> tuple[Quantity, ...]:
        """Every category (checked against its Dirichlet marginal) and every union (against
        the binary analysis of the union), each with its target where one is given."""
        targets = dict(self.targets)
        out = []
        for what, label, members in self.items():
            against = (
                ex.CATEGORY_LABEL
                if what == "category"
                else ex.union_label(self.data, prior, members)
            )
            out.append(
                Quantity(
                    label,
                    target=targets.get(label),
                    direction="greater",
                    exact_label=against,
                    in_check_names=True,
                )
            )
        return tuple(out)

    def exact(self, prior: Dirichlet) -> dict:
        self.check_prior(prior)
        return ex.exact_posteriors(self.data, self.unions, prior)

    def prior_summary(self, prior: Dirichlet, exact: dict) -> dict:
        """The prior and its effective sample size :math:`\\alpha_0 = \\sum_k \\alpha_k`."""
        return {
            "prior_distribution": repr(prior),
            "prior_mean": None,
            "prior_ess": prior.ess,
            "prior_ess_method": "sum of concentrations",
        }

    def structure(self, prior: Dirichlet) -> tuple:
        """The compile key: the numbers of categories and of unions (free-parameter shapes)."""
        return mdl.structure(self.data, self.unions)

    @staticmethod
    def build_model(structure: tuple):
        return mdl.build_model(structure)

    def model_inputs(self, prior: Dirichlet) -> dict:
        self.check_prior(prior)
        return mdl.model_inputs(self.data, self.unions, prior)

    def draws(self, tree: Any) -> dict:
        return mdl.draws(self.data, self.unions, tree)

    def diagnostics_label(self, prior: Dirichlet) -> str:
        return "all categories and unions"

    # --- exact posteriors -------------------------------------------------------------------
    def exact_posterior(self, prior: Dirichlet) -> Dirichlet:
        """Dirichlet-multinomial conjugate posterior :math:`\\text{Dirichlet}(\\alpha + y)`."""
        self.check_prior(prior)
        return update(prior, self.data)

    def union_posterior(self, prior: Dirichlet, union: str | Sequence[str]) -> Beta:
        """Exact Beta posterior of a union (label, category name or list of categories)."""
        return self.exact_posterior(prior).marginal(self.members(union))

    def tail_probabilities(self, prior: Dirichlet) -> dict[str, float]:
        """:math:`P(p_U > \\text{target})` for each target, exact."""
        post = self.exact_posterior(prior)
        return {label: float(post.marginal(self.members(label)).sf(t)) for label, t in self.targets}

    def compare_with_benchmarks(
        self, prior: Dirichlet, union: str | Sequence[str], benchmarks: Any, **kwargs
    ) -> pd.DataFrame:
        """:math:`P(p_U > \\theta_b)` for each :class:`~bayes_trials.benchmarks.BenchmarkRate`,
        its uncertainty included (:func:`bayes_trials.benchmarks.compare_with_benchmarks`,
        ``direction="greater"`` unless given)."""
        kwargs.setdefault("direction", "greater")
        return compare_with_benchmarks(self.union_posterior(prior, union), benchmarks, **kwargs)

    # --- frequentist reference and checks ---------------------------------------------------
    def reference(self, level: float = CRED_LEVEL) -> CategoricalReference:
        """Goodman and Sison-Glaz simultaneous intervals; Clopper-Pearson per union."""
        return categorical_reference(self.data, self.unions, level)

    def published_checks(
        self, reference: CategoricalReference, published: Any, assumed_data: bool
    ) -> list:
        """Each printed category percentage against the counts (``published`` is empty: a
        categorical endpoint states its percentages on its categories)."""
        return percentage_checks(self.name, self.data, self.printed)

    def reference_checks(
        self, reference: CategoricalReference, fits: dict, level: float = CRED_LEVEL
    ) -> list:
        priors = {name: fit.prior for name, fit in fits.items()}
        return union_reference_checks(self.name, self.data, self.unions, reference, priors, level)

    # --- report parts (:mod:`.result`) ------------------------------------------------------
    def benchmark_table(self, result: Any) -> pd.DataFrame:
        return rep.benchmark_table(self, result)

    def report_sections(self, result: Any) -> list:
        return rep.report_sections(self, result)

    def sentences(self, result: Any) -> list[str]:
        return rep.sentences(self, result)

    def figure(self, result: Any) -> Figure:
        return rep.figure(self, result)

    def figure_caption(self, result: Any) -> str:
        return rep.figure_caption(self, result)
