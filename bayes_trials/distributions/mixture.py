"""Finite mixtures of one family, robust mixtures, and the reference priors.

A mixture prior :math:`\\sum_k w_k p_k(\\theta)` is how RBesT states historical borrowing
with a safety net: an informative part and a vague part (:func:`robustify`). Updating a
mixture by conjugate data gives a mixture of the updated components with reweighted
components (:func:`bayes_trials.update`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from .. import _validate as v
from ..errors import PriorError
from .base import Distribution
from .families import Beta, Gamma, Normal


@dataclass(frozen=True, repr=False)
class Mixture(Distribution):
    """A finite mixture of distributions of one family.

    Density :math:`p(\\theta) = \\sum_k w_k\\, p_k(\\theta)`. Updating a Beta (Gamma,
    Normal) mixture with binomial (Poisson, normal) data gives a mixture of the same
    family with reweighted components (see :func:`bayes_trials.update`).

    Parameters
    ----------
    components : sequence of Beta, Gamma or Normal
        At least one, all of the same family.
    weights : sequence of float
        Non-negative and summing to 1 (within 1e-8). They are refused, not silently
        normalised, when they do not: a typo in a weight changes a conclusion.

    Example
    -------
    >>> m = Mixture([Beta(3.51, 5.49), Beta(1, 1)], [0.8, 0.2])
    >>> round(m.mean, 4)
    0.412
    """

    components: tuple
    weights: tuple
    support: tuple = field(init=False)

    def __init__(self, components, weights):
        components = tuple(components)
        if not components:
            raise PriorError("a mixture needs at least one component", field="components")
        families = {getattr(c, "family", None) for c in components}
        if len(families) != 1 or isinstance(components[0], Mixture) or None in families:
            raise PriorError(
                f"mixture components must all be Beta, all Gamma or all Normal; got "
                f"{', '.join(type(c).__name__ for c in components)}",
                field="components",
            )
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(components),):
            raise PriorError(
                f"need one weight per component ({len(components)}), got {w.size}",
                field="weights",
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise PriorError(f"weights must be finite and >= 0, got {w.tolist()}", field="weights")
        if abs(w.sum() - 1.0) > 1e-8:
            raise PriorError(f"weights must sum to 1, they sum to {w.sum():.6g}", field="weights")
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "weights", tuple(float(x) for x in w))
        object.__setattr__(self, "support", components[0].support)

    @property
    def family(self) -> str:  # type: ignore[override]
        return self.components[0].family

    @property
    def w(self) -> np.ndarray:
        return np.asarray(self.weights)

    @property
    def mean(self) -> float:
        return float(np.dot(self.w, [c.mean for c in self.components]))

    @property
    def sd(self) -> float:
        second = np.dot(self.w, [c.sd**2 + c.mean**2 for c in self.components])
        return float(np.sqrt(max(second - self.mean**2, 0.0)))

    def _weighted(self, method: str, x):
        x = np.asarray(x, dtype=float)
        return sum(w * getattr(c, method)(x) for w, c in zip(self.weights, self.components))

    def pdf(self, x: ArrayLike) -> float | np.ndarray:
        return self._weighted("pdf", x)

    def logpdf(self, x: ArrayLike) -> float | np.ndarray:
        comp = np.stack([c.logpdf(np.asarray(x, dtype=float)) for c in self.components])
        with np.errstate(divide="ignore"):
            logw = np.log(self.w).reshape((-1,) + (1,) * (comp.ndim - 1))
        from scipy.special import logsumexp

        return logsumexp(comp + logw, axis=0)

    def cdf(self, x: ArrayLike) -> float | np.ndarray:
        return self._weighted("cdf", x)

    def sf(self, x: ArrayLike) -> float | np.ndarray:
        return self._weighted("sf", x)

    def ppf(self, q: ArrayLike) -> float | np.ndarray:
        """Quantiles by root finding on the mixture cdf, bracketed by the components'."""
        q = np.asarray(q, dtype=float)
        out = np.empty_like(q)
        for idx, qi in np.ndenumerate(q):
            if qi <= 0 or qi >= 1:
                out[idx] = self.support[0] if qi <= 0 else self.support[1]
                if not 0 <= qi <= 1:
                    out[idx] = np.nan
                continue
            lo = min(float(c.ppf(qi)) for c in self.components)
            hi = max(float(c.ppf(qi)) for c in self.components)
            if lo == hi:
                out[idx] = lo
            else:
                out[idx] = optimize.brentq(
                    lambda x: self.cdf(x) - qi,  # noqa: B023 (solved in this iteration)
                    lo,
                    hi,
                    xtol=1e-14,
                    rtol=1e-12,
                )
        return out if out.ndim else float(out)

    def rvs(
        self,
        size: int | tuple[int, ...] | None = None,
        seed: int | np.random.Generator | None = None,
        **deprecated,
    ) -> float | np.ndarray:
        rng = np.random.default_rng(v.renamed(deprecated, "random_state", "seed", seed))
        n = 1 if size is None else int(np.prod(size))
        which = rng.choice(len(self.components), size=n, p=self.w)
        draws = np.empty(n)
        for k, comp in enumerate(self.components):
            sel = which == k
            if sel.any():
                draws[sel] = comp.rvs(size=int(sel.sum()), seed=rng)
        return draws[0] if size is None else draws.reshape(size)

    def __repr__(self) -> str:
        parts = ", ".join(f"{w:.3g}*{c!r}" for w, c in zip(self.weights, self.components))
        return f"Mixture({parts})"


def components_of(dist) -> tuple[np.ndarray, tuple]:
    """Weights and components of a distribution, a single one counting as a 1-mixture."""
    if isinstance(dist, Mixture):
        return dist.w, dist.components
    return np.ones(1), (dist,)


def robustify(
    prior: Distribution, weight: float, mean: float | None = None, sigma: float | None = None
) -> Mixture:
    """Add a weakly informative component of the given weight (a robust mixture prior).

    The result is :math:`(1-w)\\,p(\\theta) + w\\, p_v(\\theta)`, where the vague
    component :math:`p_v` carries about one observation's information (as RBesT's
    ``robustify``):

    - Beta prior: the Beta with mean ``mean`` (default 1/2) and ESS 2, i.e.
      Beta(2 mean, 2 (1 - mean)); at the default mean this is the uniform Beta(1, 1). RBesT
      uses one observation plus one (n + 1 = 2) for the same reason: Beta(1, 1) rather
      than Beta(1/2, 1/2), whose ELIR effective sample size would be undefined;
    - Gamma prior (Poisson rate): Gamma(mean, 1), one unit of exposure with ``mean`` events;
    - Normal prior: Normal(mean, sigma), one observation of sampling sd ``sigma`` (required).

    Parameters
    ----------
    prior : Beta, Gamma, Normal or Mixture
    weight : float in (0, 1)
        Prior probability that the informative part does not apply.
    mean : float, optional
        Centre of the vague component; defaults to 1/2 (Beta) or the prior mean.
    sigma : float, optional
        Sampling sd of one observation; needed for Normal priors only.

    Example
    -------
    >>> robustify(Beta(3.51, 5.49), 0.2)
    Mixture(0.8*Beta(a=3.51, b=5.49), 0.2*Beta(a=1, b=1))
    """
    weight = v.open_unit(weight, "weight", PriorError)
    w, comps = components_of(prior)
    family = comps[0].family
    if family == "beta":
        vague = Beta(1, 1) if mean is None else Beta.from_mean_ess(mean, 2.0)
    elif family == "gamma":
        centre = prior.mean if mean is None else v.positive(mean, "mean", PriorError)
        vague = Gamma(centre, 1.0)
    elif family == "normal":
        if sigma is None:
            raise PriorError(
                "a Normal prior is robustified with a unit-information component: "
                "give sigma, the sampling sd of one observation",
                field="sigma",
            )
        centre = prior.mean if mean is None else v.finite_real(mean, "mean", PriorError)
        vague = Normal(centre, v.positive(sigma, "sigma", PriorError))
    else:
        raise PriorError(f"cannot robustify a {family} prior", field="prior")
    return Mixture((*comps, vague), (*(w * (1 - weight)), weight))


#: Named reference priors for a probability.
REFERENCE_PRIORS = {"uniform": Beta(1.0, 1.0), "jeffreys": Beta(0.5, 0.5)}
