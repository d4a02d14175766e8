"""Effective sample size of a prior: how many patients' (or exposure units') worth it carries.

Three definitions, as in RBesT's ``ess``: the expected local information ratio (ELIR,
the default and the only predictively consistent one), moment matching, and the
Morita-Thall-Mueller curvature at the prior mode. All are plain NumPy/SciPy.

>>> from bayes_trials.distributions import Beta, Mixture
>>> bmix = Mixture([Beta(1, 1), Beta(10, 2)], [0.2, 0.8])
>>> [round(ess(bmix, m), 3) for m in ("elir", "moment", "morita")]
[7.652, 3.161, 8.488]
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy import integrate, optimize
from scipy.special import logsumexp

from . import _validate as v
from .distributions import Mixture, components_of
from .errors import PriorError, StatisticalWarning

if TYPE_CHECKING:
    from .distributions import Distribution

METHODS = ("elir", "moment", "morita")

#: default flattening factor of the Morita "epsilon-information" prior (RBesT's ``s``)
MORITA_S = 100.0


def _fisher_unit(family: str, theta, sigma: float | None):
    """Fisher information of one observation: binomial, Poisson (unit exposure), normal."""
    if family == "beta":
        return 1.0 / (theta * (1.0 - theta))
    if family == "gamma":
        return 1.0 / theta
    return np.full_like(np.asarray(theta, dtype=float), 1.0 / sigma**2)


def _neg_d2_logpdf(comp, theta):
    """Minus the second derivative of one component's log density (its local information)."""
    if comp.family == "beta":
        return (comp.a - 1) / theta**2 + (comp.b - 1) / (1 - theta) ** 2
    if comp.family == "gamma":
        return (comp.shape - 1) / theta**2
    return np.full_like(np.asarray(theta, dtype=float), 1.0 / comp.sd**2)


def _d_logpdf(comp, theta):
    """First derivative of one component's log density."""
    if comp.family == "beta":
        return (comp.a - 1) / theta - (comp.b - 1) / (1 - theta)
    if comp.family == "gamma":
        return (comp.shape - 1) / theta - comp.rate
    return -(theta - comp.mean) / comp.sd**2


def _active(prior) -> tuple[np.ndarray, tuple]:
    """Weights and components with weight > 0 (a zero-weight component changes nothing)."""
    w, comps = components_of(prior)
    keep = [k for k in range(len(comps)) if w[k] > 0]
    w = w[keep]
    return w / w.sum(), tuple(comps[k] for k in keep)


def _mixture_info(prior, theta):
    """Local information :math:`-\\frac{d^2}{d\\theta^2}\\log p(\\theta)` of a mixture.

    With responsibilities :math:`r_k(\\theta) = w_k p_k(\\theta) / p(\\theta)`, component
    scores :math:`l_k'` and informations :math:`i_k = -l_k''`,

    .. math:: i_p(\\theta) = \\sum_k r_k i_k - \\sum_k r_k \\big(l_k' - \\bar l'\\big)^2,
              \\qquad \\bar l' = \\sum_k r_k l_k'.

    The responsibilities are computed on the log scale and the second term as a
    (non-negative) weighted variance, so that very concentrated components neither
    underflow nor cancel catastrophically.
    """
    w, comps = _active(prior)
    theta = np.asarray(theta, dtype=float)
    logd = np.stack([np.log(wk) + c.logpdf(theta) for wk, c in zip(w, comps)])
    norm = logsumexp(logd, axis=0)
    with np.errstate(invalid="ignore"):
        r = np.exp(logd - norm)
    r = np.where(np.isfinite(r), r, 0.0)
    d1 = np.stack([np.broadcast_to(_d_logpdf(c, theta), theta.shape) for c in comps])
    info = np.stack([np.broadcast_to(_neg_d2_logpdf(c, theta), theta.shape) for c in comps])
    mean_d1 = (r * d1).sum(axis=0)
    return (r * info).sum(axis=0) - (r * (d1 - mean_d1) ** 2).sum(axis=0)


def _mixture_logpdf(w, comps, x):
    x = np.asarray(x, dtype=float)
    return logsumexp(np.stack([np.log(wk) + c.logpdf(x) for wk, c in zip(w, comps)]), axis=0)


def mixture_mode(prior) -> tuple[float, int]:
    """Global mode of a (mixture) density and the number of local modes found.

    The log density is scanned on a grid of each component's quantiles (plus the
    component modes), every local maximum of the grid is refined by bounded Brent
    minimisation between its neighbours, and the highest is returned.

    Raises
    ------
    PriorError
        If the density is unbounded at, or peaks on, the boundary of its support (a Beta
        component with a < 1 or b < 1, a Gamma one with shape < 1, Beta(1, b)...): the
        mode is then not an interior point and its curvature is undefined.
    """
    w, comps = _active(prior)
    family = comps[0].family
    unbounded = (family == "beta" and any(c.a < 1 or c.b < 1 for c in comps)) or (
        family == "gamma" and any(c.shape < 1 for c in comps)
    )
    if not unbounded:
        probs = np.concatenate(
            [[1e-9, 1e-6, 1e-4], np.linspace(0.001, 0.999, 251), [1 - 1e-4, 1 - 1e-6, 1 - 1e-9]]
        )
        pts = [np.asarray(c.ppf(probs), dtype=float) for c in comps]
        for c in comps:
            if family == "beta" and c.a > 1 and c.b > 1:
                pts.append(np.array([(c.a - 1) / (c.a + c.b - 2)]))
            elif family == "gamma" and c.shape > 1:
                pts.append(np.array([(c.shape - 1) / c.rate]))
            elif family == "normal":
                pts.append(np.array([c.mean]))
        grid = np.unique(np.concatenate(pts))
        edge = 1e-12
        if family == "beta":
            inner = grid[(grid > edge) & (grid < 1 - edge)]
            grid = np.unique(np.concatenate([[edge], inner, [1 - edge]]))
        elif family == "gamma":
            grid = np.unique(np.concatenate([[edge], grid[grid > edge]]))
        lp = _mixture_logpdf(w, comps, grid)
        best = int(np.argmax(lp))
        on_edge = family != "normal" and (best == 0 or (family == "beta" and best == grid.size - 1))
    if unbounded or on_edge:
        raise PriorError(
            f"the density of {prior!r} peaks on the boundary of its support, so its mode "
            "has no curvature and the Morita ESS is undefined; use method='elir' or 'moment'",
            field="prior",
        )
    # a peak rises strictly (beyond rounding) above its left neighbour; flat stretches,
    # such as where only a uniform component has mass, are not peaks
    tol = 1e-10
    peaks = [i for i in range(1, grid.size - 1) if lp[i] > lp[i - 1] + tol and lp[i] >= lp[i + 1]]
    if best not in peaks and 0 < best < grid.size - 1:
        peaks.append(best)
    modes = []
    for i in peaks:
        a, b = grid[i - 1], grid[i + 1]
        res = optimize.minimize_scalar(
            lambda x: -float(_mixture_logpdf(w, comps, x)),
            bounds=(a, b),
            method="bounded",
            options={"xatol": 1e-12 * max(1.0, abs(grid[i]))},
        )
        x = float(res.x) if -res.fun >= lp[i] else float(grid[i])
        if i != best and not float(_mixture_info(Mixture(comps, w), x)) > 0:
            continue  # not a strict local maximum
        modes.append((float(_mixture_logpdf(w, comps, x)), x))
    modes.sort(reverse=True)
    distinct = []
    scale = prior.sd if prior.sd > 0 else 1.0
    for lpx, x in modes:
        if all(abs(x - y) > 1e-6 * scale for _, y in distinct):
            distinct.append((lpx, x))
    return distinct[0][1], len(distinct)


def _morita(prior, family: str, sigma: float | None, s: float) -> float:
    """Morita, Thall and Mueller ESS at the prior mode, in RBesT's form (see :func:`ess`)."""
    w, comps = _active(prior)
    mode, n_modes = mixture_mode(prior)
    if n_modes > 1:
        warnings.warn(
            f"{prior!r} has {n_modes} modes; the Morita ESS is taken at the highest one, "
            "but the concept is ill-defined for multimodal priors",
            StatisticalWarning,
            stacklevel=3,
        )
    info_prior = float(_mixture_info(prior, mode))
    if family == "beta":
        a0, b0 = mode / s, (1 - mode) / s
        info_flat = (a0 - 1) / mode**2 + (b0 - 1) / (1 - mode) ** 2
        mu = prior.mean  # predictive P(Y1 = 1)
        expected_info = mu / mode**2 + (1 - mu) / (1 - mode) ** 2
    elif family == "gamma":
        info_flat = (mode / s - 1) / mode**2
        expected_info = prior.mean / mode**2  # E[Y1] / lambda^2 for one unit of exposure
    else:
        info_flat = 0.0 if math.isinf(s) else 1.0 / (s * max(c.sd**2 for c in comps))
        expected_info = 1.0 / sigma**2
    return float((info_prior - info_flat) / expected_info)


def ess(
    prior: Distribution, method: str = "elir", sigma: float | None = None, *, s: float = MORITA_S
) -> float:
    """Effective sample size of a Beta, Gamma or Normal (mixture) prior.

    Parameters
    ----------
    prior : Beta, Gamma, Normal or Mixture
        Beta priors are read against binomial data (ESS in patients), Gamma priors
        against Poisson data (ESS in units of exposure), Normal priors against normal
        data of sampling sd ``sigma`` (ESS in observations).
    method : {"elir", "moment", "morita"}
        See Notes. ``"elir"`` is the default and the only predictively consistent one;
        ``"moment"`` is conservative and ``"morita"`` liberal for mixtures.
    sigma : float, optional
        Sampling sd of one observation (Normal priors only; required for them).
    s : float, default 100
        Morita method only: the flattening factor of the epsilon-information prior
        (``numpy.inf`` allowed).

    Returns
    -------
    float

    Raises
    ------
    PriorError
        Unknown method; a Normal prior without ``sigma``; an ELIR of a Beta (Gamma)
        mixture with a component of parameter below 1, whose defining integral diverges;
        a Morita ESS of a density whose mode lies on the boundary of the support.

    Warns
    -----
    StatisticalWarning
        A negative ELIR (unstable integration), or a multimodal prior for ``"morita"``.

    Notes
    -----
    Write :math:`i_p(\\theta) = -\\frac{d^2}{d\\theta^2}\\log p(\\theta)` for the local
    information of the prior and :math:`i_F(\\theta)` for the Fisher information of one
    observation: :math:`1/(\\theta(1-\\theta))` (binomial), :math:`1/\\lambda` (Poisson,
    one unit of exposure), :math:`1/\\sigma^2` (normal).

    **ELIR** (Neuenschwander et al. 2020):

    .. math:: \\text{ESS}_\\text{ELIR} = \\int p(\\theta)\\, \\frac{i_p(\\theta)}{i_F(\\theta)}\\, d\\theta,

    computed as :math:`\\sum_k w_k \\int p_k(\\theta)\\, i_p(\\theta)/i_F(\\theta)\\, d\\theta`
    by adaptive quadrature over each component's central :math:`1 - 2\\cdot10^{-12}`
    mass. For one component it has the closed forms :math:`a + b` (Beta), the rate
    (Gamma) and :math:`\\sigma^2/s^2` (Normal(m, s)), which are used directly (also for a
    mixture with a single component of positive weight). The integral diverges for a Beta
    (Gamma) mixture with a component :math:`a < 1` or :math:`b < 1` (shape < 1).

    **Moment**: the ESS of the conjugate distribution with the mixture's mean :math:`m`
    and sd :math:`s`: :math:`m(1-m)/s^2 - 1` (Beta), :math:`m/s^2` (Gamma, the rate),
    :math:`\\sigma^2/s^2` (Normal).

    **Morita** (Morita, Thall and Mueller 2008, in the form of Neuenschwander et al. 2020,
    eq. 9, as RBesT computes it): at the prior mode :math:`\\hat\\theta`, compare the prior's
    curvature with that of a flattened "epsilon-information" prior :math:`p_0` and divide
    by the expected information of one observation,

    .. math:: \\text{ESS}_\\text{Morita} = \\frac{i_p(\\hat\\theta) - i_{p_0}(\\hat\\theta)}
              {E_{Y_1}\\left[-\\frac{\\partial^2}{\\partial\\theta^2}\\log f(Y_1\\mid\\theta)\\right]_{\\theta=\\hat\\theta}},

    with :math:`p_0` = Beta(:math:`\\hat\\theta/s, (1-\\hat\\theta)/s`),
    Gamma(:math:`\\hat\\lambda/s, 1/s`) or Normal(:math:`\\hat\\theta, s\\max_k s_k^2`), and
    :math:`Y_1` one observation from the prior predictive: the denominator is
    :math:`\\mu/\\hat\\theta^2 + (1-\\mu)/(1-\\hat\\theta)^2` (binomial, :math:`\\mu` the prior
    mean), :math:`E[\\lambda]/\\hat\\lambda^2` (Poisson; RBesT sums the predictive pmf
    between its :math:`10^{-4}/2` quantiles instead of using the exact mean, a relative
    difference of order :math:`10^{-4}`) and :math:`1/\\sigma^2` (normal). The mode is
    found numerically; for a multimodal prior the highest mode is used, with a warning.

    References
    ----------
    Neuenschwander B, Weber S, Schmidli H, O'Hagan A. Predictively consistent prior
    effective sample sizes. Biometrics 2020;76:578-587. doi:10.1111/biom.13252

    Morita S, Thall PF, Mueller P. Determining the effective sample size of a parametric
    prior. Biometrics 2008;64:595-602. doi:10.1111/j.1541-0420.2007.00888.x

    Example
    -------
    >>> from bayes_trials import Beta, Normal, Mixture
    >>> round(ess(Beta(3.51, 5.49)), 6)
    9.0
    >>> round(ess(Beta(5, 15), "morita"), 2)  # RBesT: round(ess(prior, "morita")) == a + b
    19.99
    >>> nmix = Mixture([Normal(0, 2), Normal(3, 4)], [0.5, 0.5])
    >>> round(ess(nmix, sigma=10), 3)  # RBesT ?ess: 10.82796
    10.828
    """
    v.one_of(method, METHODS, "method", PriorError)
    w, comps = _active(prior)
    family = comps[0].family
    if family not in ("beta", "gamma", "normal"):
        raise PriorError(f"no ESS for a {family} prior", field="prior")
    if family == "normal":
        if sigma is None:
            raise PriorError(
                "the ESS of a Normal prior needs sigma, the sampling sd", field="sigma"
            )
        sigma = v.positive(sigma, "sigma", PriorError)
    if method == "moment":
        m, sd = prior.mean, prior.sd
        if family == "beta":
            return float(m * (1 - m) / sd**2 - 1)
        if family == "gamma":
            return float(m / sd**2)
        return float(sigma**2 / sd**2)
    if method == "morita":
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not s > 0:
            raise PriorError(f"must be > 0 (inf allowed), got {s!r}", field="s")
        return _morita(prior, family, sigma, float(s))
    if len(comps) == 1:
        # closed forms of the ELIR for a single conjugate component
        c = comps[0]
        if family == "beta":
            return float(c.a + c.b)
        if family == "gamma":
            return float(c.rate)
        return float(sigma**2 / c.sd**2)
    if (family == "beta" and any(c.a < 1 or c.b < 1 for c in comps)) or (
        family == "gamma" and any(c.shape < 1 for c in comps)
    ):
        raise PriorError(
            f"a component of {prior!r} has a parameter below 1, so the ELIR integral "
            "diverges at the boundary; use method='moment', or components with parameters >= 1",
            field="prior",
        )
    lo, hi = comps[0].support
    active = Mixture(comps, w)
    total = 0.0
    for wk, comp in zip(w, comps):
        integrand = lambda t, c=comp: float(  # noqa: E731
            c.pdf(t) * _mixture_info(active, t) / _fisher_unit(family, t, sigma)
        )
        qlo, qhi = max(float(comp.ppf(1e-12)), lo), min(float(comp.ppf(1 - 1e-12)), hi)
        points = [float(comp.ppf(p)) for p in (0.01, 0.5, 0.99)]
        val, _ = integrate.quad(
            integrand, qlo, qhi, points=points, limit=400, epsabs=1e-11, epsrel=1e-10
        )
        total += wk * val
    if total < 0:
        warnings.warn(
            f"negative ELIR ({total:.4g}) for {prior!r}: the integration is unstable",
            StatisticalWarning,
            stacklevel=2,
        )
    return float(total)


__all__ = ["ess", "mixture_mode", "METHODS"]
