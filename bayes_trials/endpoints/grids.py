"""What prior-sensitivity analyses need from an endpoint kind: :class:`PriorGrid`.

:mod:`bayes_trials.sensitivity` sweeps a grid of priors (family x location x strength x
robust-mixture weight), finds tipping points and measures fragility for any kind whose
registry entry carries a :class:`PriorGrid` (``Kind.sensitivity``). The kind states here how
a grid point becomes a prior, how its exact posterior is summarised, how a sceptical prior
is built for a tipping-point search, and how its data move against the conclusion; the
sensitivity package holds the rest, once, without asking which kind it has.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class PriorGrid(ABC):
    """The prior-grid hooks of one endpoint kind; subclasses state the abstract methods.

    Class attributes: ``name`` (the table of a grid file, e.g. ``"binary"``), ``families``
    (the grid's prior families), ``default_grid`` (axis -> values), ``default_threshold``
    (the decision threshold used when neither spec nor caller gives one), ``default_over``
    (the tipping-point dimension, ``"ess"`` or ``"sd"``), ``overs`` (the dimensions allowed),
    ``parameter_label`` and ``strength_unit`` (figure labels).
    """

    name: str = ""
    families: tuple = ()
    default_grid: dict = {}
    default_threshold: float = 0.975
    default_over: str = "ess"
    overs: tuple = ("ess", "sd", "weight")
    parameter_label: str = "theta"
    strength_unit: str = ""
    mean_label: str = "prior mean"

    def mean_text(self, mean: float) -> str:
        """A grid mean as a figure legend shows it."""
        return f"{mean:g}"

    @abstractmethod
    def check_means(self, means, field: str) -> None:
        """Raise a located error for a prior mean outside the parameter's support."""

    @abstractmethod
    def check_axes(self, axes: dict, where: str) -> None:
        """Raise a located error for an impossible combination of axis values."""

    @abstractmethod
    def prior(
        self,
        family: str,
        mean: float,
        strength: float,
        robust_weight: float = 0.0,
        strength_axis: str = "ess",
    ):
        """The prior of one grid point."""

    def as_prior(self, endpoint, prior):
        """A prior given by the user in a shorthand (a bare Normal on log RR, say) as the
        object the endpoint takes; the prior itself when no shorthand applies."""
        return prior

    @abstractmethod
    def exact_summary(self, endpoint, prior, level: float, data=None) -> dict:
        """``post_mean``, ``eti_low``, ``eti_high``, ``prob`` (P beyond the target) and any
        extra probabilities (:meth:`extra_targets`), exactly; ``data`` replaces the
        endpoint's data (fragility)."""

    def exact_grid(self, endpoint, points, strength: str, level: float):
        """The exact summaries of a whole grid at once (a DataFrame, one row per point in
        the order of ``points``, with the prior's repr in ``prior``), or None to go point by
        point through :meth:`exact_summary`."""
        return None

    def sampled(self, endpoint, prior):
        """The model object that samples ``prior`` (an endpoint of the protocol)."""
        return endpoint

    def extra_targets(self, endpoint) -> dict:
        """Further tail probabilities every summary reports: column -> value the parameter
        is compared with, in the endpoint's direction (e.g. ``{"prob_null": 1.0}``)."""
        return {}

    @abstractmethod
    def tipping_defaults(self, endpoint) -> dict:
        """``centre`` (of the sceptical prior) and ``sceptic_strength`` (of the sceptical
        component in a weight search) for :func:`bayes_trials.sensitivity.tipping_point`."""

    @abstractmethod
    def sceptic(self, over: str, x: float, centre: float, sceptic_strength: float):
        """The sceptical prior at position ``x`` along ``over`` (``"weight"``: a mixture of
        the sceptic of strength ``sceptic_strength`` with weight ``x`` and a vague prior)."""

    def tipping_cases(self, endpoint_spec, settings: dict | None = None) -> list:
        """``(label, endpoint)`` pairs beyond the spec's own data to find tipping points on
        (scenarios of unpublished numbers, the spec's own or changed by ``settings``); none by
        default."""
        return []

    def tipping_extras(self, endpoint, tipping_point) -> dict:
        """Extra columns of a tipping-point row (an equivalent ESS, a prior probability)."""
        return {}

    @abstractmethod
    def shifted(self, endpoint, changes: int):
        """The data moved ``changes`` patients or events against the conclusion, or None
        when they cannot move further."""

    @abstractmethod
    def max_changes(self, endpoint) -> int:
        """How far fragility moves the data by default."""

    @abstractmethod
    def describe(self, data) -> str:
        """Data in a few words for a fragility row."""
