"""Prior (and exact posterior) distributions: Beta, Gamma, Normal, HalfNormal and mixtures.

Every distribution is an immutable value with the same small vocabulary: ``mean``, ``sd``,
``pdf``, ``cdf``, ``sf``, ``ppf``, ``rvs``, ``interval`` and ``summary``; all vectorised over
NumPy arrays and free of PyMC, so exact results cost microseconds. The same objects serve
as priors for PyMC models (see :mod:`bayes_trials.endpoints`) and as the exact conjugate
posteriors that MCMC is checked against (see :func:`bayes_trials.update`).

Example
-------
>>> import bayes_trials as bt
>>> prior = bt.Beta.from_mean_ess(0.39, 9)
>>> prior
Beta(a=3.51, b=5.49)
>>> round(prior.mean, 2), round(float(prior.sf(0.39)), 2)    # right-skewed: mean > median
(0.39, 0.48)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import optimize, stats

from . import _validate as v
from .errors import PriorError

#: The default credible level of every interval the toolkit reports.
CRED_LEVEL = 0.95


def _fmt(x: float) -> str:
    return f"{x:.4g}"


class Distribution:
    """Shared behaviour of the one-dimensional distributions below."""

    family: str = ""
    #: the support, for plotting and numerical inversion
    support: tuple[float, float] = (-np.inf, np.inf)

    # subclasses provide the frozen scipy distribution
    @cached_property
    def _frozen(self):  # pragma: no cover - every subclass overrides
        raise TypeError("abstract distribution")

    @property
    def mean(self) -> float:
        return float(self._frozen.mean())

    @property
    def sd(self) -> float:
        return float(self._frozen.std())

    @property
    def median(self) -> float:
        return float(self.ppf(0.5))

    def pdf(self, x):
        return self._frozen.pdf(x)

    def logpdf(self, x):
        return self._frozen.logpdf(x)

    def cdf(self, x):
        return self._frozen.cdf(x)

    def sf(self, x):
        return self._frozen.sf(x)

    def ppf(self, q):
        return self._frozen.ppf(q)

    def rvs(self, size=None, random_state=None):
        """Random draws; ``random_state`` is a seed or a ``numpy.random.Generator``."""
        return self._frozen.rvs(size=size, random_state=np.random.default_rng(random_state))

    def interval(self, prob: float = CRED_LEVEL, kind: str = "eti") -> tuple[float, float]:
        """Central credible interval (``kind="eti"``) or highest-density interval (``"hdi"``).

        The HDI is the shortest interval of probability ``prob``,
        :math:`\\min_p\\, F^{-1}(p + \\text{prob}) - F^{-1}(p)` over :math:`p \\in [0, 1-\\text{prob}]`,
        which is the highest-density region for a unimodal density (including J-shaped
        ones whose mode sits on the boundary of the support).
        """
        v.one_of(kind, ("eti", "hdi"), "kind", PriorError)
        prob = v.open_unit(prob, "prob", PriorError)
        if kind == "eti":
            tail = (1 - prob) / 2
            return float(self.ppf(tail)), float(self.ppf(1 - tail))
        width = lambda p: float(self.ppf(p + prob) - self.ppf(p))  # noqa: E731
        res = optimize.minimize_scalar(
            width, bounds=(0.0, 1.0 - prob), method="bounded", options={"xatol": 1e-10}
        )
        p = float(res.x)
        # the optimum may sit on a bound of the search range (J-shaped densities)
        for edge in (0.0, 1.0 - prob):
            if width(edge) < width(p):
                p = edge
        return float(self.ppf(p)), float(self.ppf(p + prob))

    def summary(self, prob: float = CRED_LEVEL) -> dict[str, float]:
        """Mean, sd, median and the central ``prob`` interval, as a dict of floats."""
        lo, hi = self.interval(prob)
        pct = round(100 * prob)
        return {
            "mean": self.mean,
            "sd": self.sd,
            "median": self.median,
            f"q{(100 - pct) / 2:g}": lo,
            f"q{100 - (100 - pct) / 2:g}": hi,
        }

    def plot(self, ax=None, **kwargs):
        """Draw the density on a Matplotlib axis (created when not given); returns the axis."""
        import matplotlib.pyplot as plt

        ax = ax or plt.figure(figsize=(5, 3)).gca()
        lo, hi = self.ppf(1e-4), self.ppf(1 - 1e-4)
        lo = max(lo, self.support[0])
        hi = min(hi, self.support[1])
        x = np.linspace(lo, hi, 400)
        ax.plot(x, self.pdf(x), label=kwargs.pop("label", repr(self)), **kwargs)
        return ax


@dataclass(frozen=True, repr=False)
class Beta(Distribution):
    """Beta(a, b) distribution for a probability (response, survival, adverse-event rate).

    Density :math:`p(\\theta) = \\theta^{a-1}(1-\\theta)^{b-1} / B(a, b)` on (0, 1);
    mean :math:`a/(a+b)`; effective sample size :math:`a + b` (conjugate, ELIR and
    moment definitions agree for a single Beta).

    Parameters
    ----------
    a, b : float
        Shape parameters, both > 0. ``Beta(1, 1)`` is the uniform prior and
        ``Beta(0.5, 0.5)`` the Jeffreys prior.

    Raises
    ------
    PriorError
        If ``a`` or ``b`` is not a finite positive number.
    """

    a: float
    b: float
    family = "beta"
    support = (0.0, 1.0)

    def __post_init__(self):
        object.__setattr__(self, "a", v.positive(self.a, "a", PriorError))
        object.__setattr__(self, "b", v.positive(self.b, "b", PriorError))

    @classmethod
    def from_mean_ess(cls, mean: float, ess: float) -> "Beta":
        """The Beta with the given mean and effective sample size: a = mean·ess, b = (1-mean)·ess.

        A Beta(a, b) prior carries the information of ``a + b`` patients, ``a`` of them
        with the event. Sceptical priors are centred on the null; enthusiastic ones on the
        hoped-for rate.

        >>> Beta.from_mean_ess(0.39, 2)
        Beta(a=0.78, b=1.22)
        """
        mean = v.open_unit(mean, "mean", PriorError)
        ess = v.positive(ess, "ess", PriorError)
        return cls(mean * ess, (1 - mean) * ess)

    @cached_property
    def _frozen(self):
        return stats.beta(self.a, self.b)

    @property
    def params(self) -> dict[str, float]:
        return {"a": self.a, "b": self.b}

    def __repr__(self) -> str:
        return f"Beta(a={_fmt(self.a)}, b={_fmt(self.b)})"


@dataclass(frozen=True, repr=False)
class Gamma(Distribution):
    """Gamma(shape, rate) distribution for a Poisson event rate or an exponential hazard.

    Density :math:`p(\\lambda) = r^s \\lambda^{s-1} e^{-r\\lambda} / \\Gamma(s)`;
    mean :math:`s/r`. With Poisson data it carries the information of ``rate`` units of
    exposure with ``shape`` events.

    >>> Gamma(2, 4).mean
    0.5
    """

    shape: float
    rate: float
    family = "gamma"
    support = (0.0, np.inf)

    def __post_init__(self):
        object.__setattr__(self, "shape", v.positive(self.shape, "shape", PriorError))
        object.__setattr__(self, "rate", v.positive(self.rate, "rate", PriorError))

    @cached_property
    def _frozen(self):
        return stats.gamma(self.shape, scale=1.0 / self.rate)

    @property
    def params(self) -> dict[str, float]:
        return {"shape": self.shape, "rate": self.rate}

    def __repr__(self) -> str:
        return f"Gamma(shape={_fmt(self.shape)}, rate={_fmt(self.rate)})"


@dataclass(frozen=True, repr=False)
class Normal(Distribution):
    """Normal(mean, sd) distribution, e.g. for a log-odds or a log rate ratio.

    >>> Normal(0, 1).cdf(1.959963984540054).round(4)
    np.float64(0.975)
    """

    loc: float
    scale: float
    family = "normal"

    def __init__(self, mean: float, sd: float):
        object.__setattr__(self, "loc", v.finite_real(mean, "mean", PriorError))
        object.__setattr__(self, "scale", v.positive(sd, "sd", PriorError))

    @cached_property
    def _frozen(self):
        return stats.norm(self.loc, self.scale)

    @property
    def params(self) -> dict[str, float]:
        return {"mean": self.loc, "sd": self.scale}

    def __repr__(self) -> str:
        return f"Normal(mean={_fmt(self.loc)}, sd={_fmt(self.scale)})"


@dataclass(frozen=True, repr=False)
class HalfNormal(Distribution):
    """Half-normal(scale) distribution, a heterogeneity (between-study sd) prior.

    >>> round(HalfNormal(1.0).median, 4)
    0.6745
    """

    scale: float
    family = "halfnormal"
    support = (0.0, np.inf)

    def __post_init__(self):
        object.__setattr__(self, "scale", v.positive(self.scale, "scale", PriorError))

    @cached_property
    def _frozen(self):
        return stats.halfnorm(scale=self.scale)

    @property
    def params(self) -> dict[str, float]:
        return {"scale": self.scale}

    def __repr__(self) -> str:
        return f"HalfNormal(scale={_fmt(self.scale)})"


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

    def pdf(self, x):
        return self._weighted("pdf", x)

    def logpdf(self, x):
        comp = np.stack([c.logpdf(np.asarray(x, dtype=float)) for c in self.components])
        with np.errstate(divide="ignore"):
            logw = np.log(self.w).reshape((-1,) + (1,) * (comp.ndim - 1))
        from scipy.special import logsumexp

        return logsumexp(comp + logw, axis=0)

    def cdf(self, x):
        return self._weighted("cdf", x)

    def sf(self, x):
        return self._weighted("sf", x)

    def ppf(self, q):
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
                    lambda x: self.cdf(x) - qi, lo, hi, xtol=1e-14, rtol=1e-12
                )
        return out if out.ndim else float(out)

    def rvs(self, size=None, random_state=None):
        rng = np.random.default_rng(random_state)
        n = 1 if size is None else int(np.prod(size))
        which = rng.choice(len(self.components), size=n, p=self.w)
        draws = np.empty(n)
        for k, comp in enumerate(self.components):
            sel = which == k
            if sel.any():
                draws[sel] = comp.rvs(size=int(sel.sum()), random_state=rng)
        return draws[0] if size is None else draws.reshape(size)

    def __repr__(self) -> str:
        parts = ", ".join(f"{w:.3g}*{c!r}" for w, c in zip(self.weights, self.components))
        return f"Mixture({parts})"


def components_of(dist) -> tuple[np.ndarray, tuple]:
    """Weights and components of a distribution, a single one counting as a 1-mixture."""
    if isinstance(dist, Mixture):
        return dist.w, dist.components
    return np.ones(1), (dist,)


def robustify(prior, weight: float, mean: float | None = None, sigma: float | None = None) -> Mixture:
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


@dataclass(frozen=True, repr=False)
class HalfCauchy(Distribution):
    """Half-Cauchy(scale) distribution, a heavy-tailed heterogeneity (between-study sd) prior.

    Density :math:`p(\\tau) = 2 / (\\pi s (1 + (\\tau/s)^2))` on :math:`\\tau > 0`; median
    :math:`s`; mean and sd are infinite. Gelman (2006, doi:10.1214/06-BA117A) recommends it
    for hierarchical scales when there are few groups.

    >>> round(HalfCauchy(0.5).median, 6)
    0.5
    """

    scale: float
    family = "halfcauchy"
    support = (0.0, np.inf)

    def __post_init__(self):
        object.__setattr__(self, "scale", v.positive(self.scale, "scale", PriorError))

    @cached_property
    def _frozen(self):
        return stats.halfcauchy(scale=self.scale)

    @property
    def params(self) -> dict[str, float]:
        return {"scale": self.scale}

    def __repr__(self) -> str:
        return f"HalfCauchy(scale={_fmt(self.scale)})"
