"""A quantity: the scalar the pipeline summarises and checks, with its target and direction.

>>> from bayes_trials.quantity import Quantity
>>> from bayes_trials.distributions import Beta
>>> q = Quantity("theta", target=0.39)
>>> q.describe_target(), round(q.tail_probability(Beta(10, 1)), 6)
('P(theta > 0.39)', 0.999919)
"""

from __future__ import annotations

from dataclasses import dataclass

from ._constants import DIRECTIONS


@dataclass(frozen=True)
class Quantity:
    """A scalar the pipeline summarises and checks: its name, label, target and direction.

    Parameters
    ----------
    name : str
        Key of the quantity in :meth:`Model.draws` and :meth:`Model.exact`, and its value in
        the ``quantity`` column of the result table (``"theta"``, ``"rate_ratio"``,
        ``"CR+CRi"``, ``"survival[treated]"``).
    label : str
        How reports name it (defaults to ``name``).
    target : float, optional
        The value the posterior probability is taken against:
        :math:`P(q > \\text{target})` for ``direction="greater"``, :math:`P(q < \\text{target})`
        for ``"less"``.
    direction : {"greater", "less"}
    exact_label : str
        What the exact posterior is (named in the MCMC-vs-exact checks), e.g.
        ``"Dirichlet marginal"``; empty for the conjugate posterior itself.
    in_check_names : bool
        Prefix check names with the label (kinds with several quantities).
    """

    name: str
    label: str = ""
    target: float | None = None
    direction: str = "greater"
    exact_label: str = ""
    in_check_names: bool = False

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def describe_target(self, parameter: str | None = None) -> str:
        """``"P(theta > 0.39)"``, or ``""`` without a target."""
        if self.target is None:
            return ""
        sign = ">" if self.direction == "greater" else "<"
        return f"P({parameter or self.label} {sign} {self.target:g})"

    def tail_probability(self, dist) -> float | None:
        """:math:`P(q > \\text{target})` (or ``<``) under a distribution; None without a target."""
        if self.target is None:
            return None
        return float(dist.sf(self.target) if self.direction == "greater" else dist.cdf(self.target))
