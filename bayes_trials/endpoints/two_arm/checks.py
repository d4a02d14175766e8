"""Checks of the two-arm kinds: printed numbers, Bayesian vs frequentist identities, and the
exact posterior mixture weights against quadrature.

Printed numbers (:class:`Printed`, the spec's ``[[endpoints.printed]]``) are recomputed at
the paper's precision: frequentist ones (estimate, interval ends, p-values of a measure)
from the reference record, Bayesian ones (credible-interval ends, posterior median or mean,
a posterior probability) from the exact posterior under a named prior.

Identities, each a theorem checked to 1e-9:

- two binomial arms: Fisher's one-sided exact p-value equals the posterior probability
  that the treatment is no better, :math:`P(\\theta_1 \\le \\theta_2)`, under the limiting
  priors Beta(0, 1) on the treatment and Beta(1, 0) on the control (mirrored for the other
  direction): Altham PME, J R Stat Soc B 1969;31:261-269;
- two Poisson arms: the exact conditional (Clopper-Pearson) interval of the rate ratio is the
  case-split posterior's quantiles under Beta(0, 1) / Beta(1, 0) limits; its one-sided p-value
  (RR < 1) the posterior :math:`P(\\text{RR} \\ge 1)` of the share under Beta(1, 0); the
  Jeffreys case-split interval lies inside it;
- two normal arms, standard errors known: under flat priors the posterior of the difference
  is :math:`N(\\bar y_1 - \\bar y_2, \\text{se}_1^2 + \\text{se}_2^2)`, its interval the z interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special, stats

from ..._constants import EXACT_TOL
from ...checks import KINDS, Check, pct
from ...compare import CaseSplitRatio, compare
from ...distributions import Beta, Mixture
from .priors import FlatPrior, TwoArmPrior

#: what a printed number can be: frequentist statistics of the reference, Bayesian ones of a posterior
FREQUENTIST = ("estimate", "ci_low", "ci_high", "p_value")
BAYESIAN = ("cri_low", "cri_high", "median", "mean", "prob")
RELATIONS = ("equal", "below", "above")


@dataclass(frozen=True)
class Printed:
    """A number the paper printed about a two-arm comparison, to be recomputed.

    ``measure`` is a quantity of the endpoint (``vaccine_efficacy``, ``risk_ratio``, ...);
    ``statistic`` one of :data:`FREQUENTIST` (with the interval or test ``method``) or
    :data:`BAYESIAN` (with the ``prior`` the paper used; ``prob`` is :math:`P(\\text{measure}
    > \\text{threshold})`); ``relation`` ``equal`` (at ``decimals`` decimals on ``scale``, 100
    for percentages), ``below`` or ``above`` (a printed bound such as "> 0.9999").
    """

    measure: str
    statistic: str
    value: float
    tag: str
    source: str
    method: str = ""
    prior: str = ""
    threshold: float | None = None
    relation: str = "equal"
    decimals: int = 2
    scale: float = 1.0
    note: str = ""

    def describe(self) -> str:
        what = {
            "estimate": "estimate",
            "ci_low": "CI lower end",
            "ci_high": "CI upper end",
            "p_value": "p-value",
            "cri_low": "CrI lower end",
            "cri_high": "CrI upper end",
            "median": "posterior median",
            "mean": "posterior mean",
            "prob": f"P({self.measure} > {self.threshold:g})"
            if self.threshold is not None
            else "prob",
        }
        s = f"{self.measure.replace('_', ' ')}: {what[self.statistic]}"
        if self.method:
            s += f" ({self.method})"
        if self.prior:
            s += f" [prior {self.prior}]"
        sign = {"equal": "", "below": "< ", "above": "> "}[self.relation]
        return s + f": {sign}{self.value:g}{'%' if self.scale == 100 else ''}"


def _compare_printed(endpoint: str, item: Printed, ours, prior: str = "") -> Check:
    if ours is None or (isinstance(ours, float) and not math.isfinite(ours)):
        return Check(
            endpoint,
            KINDS[0],
            item.describe(),
            None,
            item.value,
            "-",
            None,
            "not defined for these data (see the frequentist notes)",
            prior=prior,
            provenance=item.tag,
        )
    if item.relation == "equal":
        shown = round(ours * item.scale, item.decimals)
        passed = bool(np.isclose(shown, item.value, atol=0.5 * 10.0**-item.decimals * 1e-6))
        tol = f"equal when rounded to {item.decimals} decimals" + (
            " (percent)" if item.scale == 100 else ""
        )
        msg = (
            f"recomputed {ours * item.scale:.5g} rounds to {shown:g}; paper printed {item.value:g}"
        )
    else:
        val = ours * item.scale
        passed = val < item.value if item.relation == "below" else val > item.value
        tol = f"recomputed {'<' if item.relation == 'below' else '>'} {item.value:g}"
        msg = f"recomputed {val:.6g}, printed bound {'<' if item.relation == 'below' else '>'} {item.value:g}"
    if item.note:
        msg += f" ({item.note})"
    return Check(
        endpoint,
        KINDS[0],
        item.describe(),
        ours * item.scale,
        item.value,
        tol,
        bool(passed),
        msg,
        prior=prior,
        provenance=item.tag,
    )


def frequentist_printed_checks(endpoint: str, reference, printed) -> list[Check]:
    """Each printed frequentist number against the reference record."""
    out = []
    for item in printed:
        if item.statistic not in FREQUENTIST:
            continue
        if item.statistic == "estimate":
            ours = reference.estimates.get(item.measure)
        elif item.statistic == "p_value":
            ours = reference.p_values.get(item.method)
        else:
            ci = reference.interval(item.measure, item.method)
            ours = None if ci is None else ci[0 if item.statistic == "ci_low" else 1]
        out.append(_compare_printed(endpoint, item, ours))
    return out


def bayesian_printed_checks(endpoint: str, fits: dict, printed, level: float) -> list[Check]:
    """Each printed Bayesian number against the exact posterior under the prior it names."""
    out = []
    for item in printed:
        if item.statistic not in BAYESIAN:
            continue
        fit = fits.get(item.prior)
        post = None if fit is None else fit.exact.get(item.measure)
        if post is None:
            out.append(
                Check(
                    endpoint,
                    KINDS[0],
                    item.describe(),
                    None,
                    item.value,
                    "-",
                    None,
                    f"no analysis {item.prior!r} with {item.measure!r} in this run",
                    prior=item.prior,
                    provenance=item.tag,
                )
            )
            continue
        if item.statistic in ("cri_low", "cri_high"):
            ours = post.interval(level)[0 if item.statistic == "cri_low" else 1]
        elif item.statistic == "median":
            ours = float(post.ppf(0.5))
        elif item.statistic == "mean":
            ours = float(post.mean)
        else:
            ours = float(post.sf(item.threshold))
        out.append(_compare_printed(endpoint, item, float(ours), prior=item.prior))
    return out


# --- identities -------------------------------------------------------------------------------------
def _identity(endpoint, name, ours, theirs, message, prior="", tol=EXACT_TOL) -> Check:
    diff = abs(ours - theirs)
    return Check(
        endpoint,
        KINDS[2],
        name,
        ours,
        theirs,
        f"{tol:g}",
        bool(diff <= tol * max(1.0, abs(theirs))),
        f"{message}; difference {diff:.2g}",
        prior=prior,
    )


def altham_check(endpoint: str, data, reference, direction: str) -> list[Check]:
    """Fisher's one-sided p-value against :math:`P(\\theta_1 \\le \\theta_2)` (``"greater"``) or
    :math:`P(\\theta_1 \\ge \\theta_2)` (``"less"``) under Altham's limiting priors."""
    y1, n1, y2, n2 = data.treatment.events, data.treatment.n, data.control.events, data.control.n
    p = reference.p_values["fisher_one_sided"]
    if direction == "greater":
        # posteriors under Beta(0, 1) (treatment) and Beta(1, 0) (control)
        proper = y1 >= 1 and y2 < n2
        limit = (
            float(compare(Beta(y1, n1 - y1 + 1), Beta(y2 + 1, n2 - y2)).cdf(0.0)) if proper else 1.0
        )
        what = "P(theta1 <= theta2) under Beta(0, 1) / Beta(1, 0)"
    else:
        proper = y1 < n1 and y2 >= 1
        limit = (
            float(compare(Beta(y1 + 1, n1 - y1), Beta(y2, n2 - y2 + 1)).sf(0.0)) if proper else 1.0
        )
        what = "P(theta1 >= theta2) under Beta(1, 0) / Beta(0, 1)"
    name = f"Fisher's exact one-sided p vs {what} (Altham 1969)"
    if max(p, limit) < 1e-9:
        return [
            Check(
                endpoint,
                KINDS[2],
                name,
                p,
                limit,
                "1e-9",
                None,
                f"p = {p:.3g}, posterior {limit:.3g}: both below 1e-9, beyond what the quadrature's "
                "absolute accuracy can compare",
            )
        ]
    return [_identity(endpoint, name, p, limit, f"p = {p:.6g}; posterior {limit:.6g}", tol=1e-9)]


def case_split_checks(endpoint: str, data, reference, level: float) -> list[Check]:
    """The exact conditional interval and one-sided test of the rate ratio against case-split
    posteriors under limiting and Jeffreys priors (see the module docstring)."""
    y1, y2 = data.treatment.events, data.control.events
    k = data.exposure_ratio
    p = pct(level)
    tail = (1 - level) / 2
    out = []
    ci = reference.interval("rate_ratio", "exact-cond")
    if ci is not None and y1 >= 1 and y2 >= 1:
        lo = float(CaseSplitRatio(Beta(y1, y2 + 1), k).ppf(tail))
        hi = float(CaseSplitRatio(Beta(y1 + 1, y2), k).ppf(1 - tail))
        out.append(
            _identity(
                endpoint,
                f"exact conditional {p}% interval, lower end, vs case-split quantile under "
                "Beta(0, 1)",
                lo,
                ci[0],
                f"{lo:.6g} vs {ci[0]:.6g}",
            )
        )
        out.append(
            _identity(
                endpoint,
                f"exact conditional {p}% interval, upper end, vs case-split quantile under "
                "Beta(1, 0)",
                hi,
                ci[1],
                f"{hi:.6g} vs {ci[1]:.6g}",
            )
        )
        jl, jh = CaseSplitRatio(Beta(y1 + 0.5, y2 + 0.5), k).interval(level)
        inside = ci[0] <= jl + 1e-12 and jh <= ci[1] + 1e-12
        out.append(
            Check(
                endpoint,
                KINDS[2],
                f"Jeffreys case-split {p}% interval inside the exact conditional one",
                None,
                None,
                "containment",
                bool(inside),
                f"Jeffreys [{jl:.4g}, {jh:.4g}] within [{ci[0]:.4g}, {ci[1]:.4g}]",
            )
        )
    pv = reference.p_values.get("rate_ratio_exact-cond_one_sided")
    if pv is not None and "rate_ratio_exact-cond" in reference.p_values and y2 >= 1:
        # P(Bin(n, theta0) <= y1) = P(Beta(y1 + 1, y2) > theta0), theta0 the share at RR = 1
        limit = float(CaseSplitRatio(Beta(y1 + 1, y2), k).sf(1.0))
        out.append(
            _identity(
                endpoint,
                "exact conditional one-sided p (RR < 1) vs case-split P(RR >= 1) under Beta(1, 0)",
                pv,
                limit,
                f"p = {pv:.6g}; posterior {limit:.6g}",
                tol=1e-8,
            )
        )
    return out


def both_flat(prior) -> bool:
    return isinstance(prior, TwoArmPrior) and all(
        isinstance(getattr(prior, a), FlatPrior) for a in ("treatment", "control")
    )


def z_interval_check(endpoint: str, reference, fits: dict, level: float) -> list[Check]:
    """Flat priors, known standard errors: the posterior ETI of the difference is the z interval."""
    out = []
    ci = reference.interval("difference", "z")
    for name, fit in fits.items():
        prior = fit.prior
        if getattr(fit.model, "sigma", "known") != "known" or not both_flat(prior):
            continue
        lo, hi = fit.exact["difference"].interval(level)
        out.append(
            _identity(
                endpoint,
                f"flat-prior {pct(level)}% ETI of the difference vs the z interval, lower",
                lo,
                ci[0],
                f"{lo:.6g} vs {ci[0]:.6g}",
                prior=name,
            )
        )
        out.append(
            _identity(
                endpoint,
                f"flat-prior {pct(level)}% ETI of the difference vs the z interval, upper",
                hi,
                ci[1],
                f"{hi:.6g} vs {ci[1]:.6g}",
                prior=name,
            )
        )
    return out


def behrens_fisher_checks(endpoint: str, reference, fits: dict, level: float) -> list[Check]:
    """Flat priors, sigma estimated: the Behrens-Fisher posterior P(difference > 0) against
    scipy quadrature of the two t distributions, and its interval beside Welch's (reported;
    they differ by design)."""
    out = []
    for name, fit in fits.items():
        if getattr(fit.model, "sigma", "known") != "estimated" or not both_flat(fit.prior):
            continue
        t, c = fit.exact["mean_treatment"], fit.exact["mean_control"]
        quad, _ = integrate.quad(
            lambda x, c=c, t=t: (
                stats.t.pdf(x, c.df, c.loc, c.scale) * stats.t.sf(x, t.df, t.loc, t.scale)
            ),
            -np.inf,
            np.inf,
            epsabs=1e-12,
            epsrel=1e-11,
        )
        ours = float(fit.exact["difference"].sf(0.0))
        out.append(
            Check(
                endpoint,
                KINDS[4],
                "Behrens-Fisher P(difference > 0) vs scipy quadrature",
                ours,
                quad,
                "1e-8",
                bool(abs(ours - quad) <= 1e-8),
                f"{ours:.8g} vs {quad:.8g}",
                prior=name,
            )
        )
        ci = reference.interval("difference", "welch")
        if ci is not None:
            lo, hi = fit.exact["difference"].interval(level)
            out.append(
                Check(
                    endpoint,
                    KINDS[2],
                    f"Behrens-Fisher (Jeffreys) {pct(level)}% ETI beside Welch's interval",
                    None,
                    None,
                    "-",
                    None,
                    f"Bayesian [{lo:.4g}, {hi:.4g}], Welch [{ci[0]:.4g}, {ci[1]:.4g}]: not the same "
                    "procedure, shown for comparison",
                    prior=name,
                )
            )
    return out


def weight_checks(endpoint: str, arms: dict, fits: dict) -> list[Check]:
    """Each mixture arm prior's exact posterior weights against numerical integration of the
    component priors times the likelihood (``scipy.integrate.quad``; MCMC samples the
    components one by one and combines them with these weights, so they are checked here).

    ``arms`` maps an arm to ``(kind, data)`` with kind ``"binomial"`` or ``"poisson"``.
    """
    out = []
    for name, fit in fits.items():
        prior = fit.prior
        for arm, (kind, d) in arms.items():
            p = getattr(prior, arm, None)
            if not isinstance(p, Mixture):
                continue
            post = fit.exact.get(f"p_{arm}" if kind == "binomial" else f"rate_{arm}")
            if post is None:
                continue
            if kind == "binomial":
                y, n = d.events, d.n
                mode = y / n
                peak = special.xlogy(y, mode) + special.xlog1py(n - y, -mode)

                def integrand(t, c, y=y, n=n, peak=peak):
                    return float(
                        np.exp(
                            stats.beta.logpdf(t, c.a, c.b)
                            + special.xlogy(y, t)
                            + special.xlog1py(n - y, -t)
                            - peak
                        )
                    )

                lims, pts = (0.0, 1.0), lambda c, mode=mode: sorted({c.mean, mode} - {0.0, 1.0})
            else:
                y, e = d.events, d.exposure
                mode = y / e
                peak = special.xlogy(y, mode * e) - mode * e

                def integrand(t, c, y=y, e=e, peak=peak):
                    return float(
                        np.exp(
                            stats.gamma.logpdf(t, c.shape, scale=1 / c.rate)
                            + special.xlogy(y, t * e)
                            - t * e
                            - peak
                        )
                    )

                lims, pts = (0.0, np.inf), None
            ml = []
            for c in p.components:
                if pts is None:
                    hi = max(c.ppf(1 - 1e-12), (y + 40) / e * 4)
                    ml.append(
                        integrate.quad(
                            integrand,
                            0.0,
                            hi,
                            args=(c,),
                            limit=400,
                            epsabs=0,
                            epsrel=1e-11,
                            points=sorted({c.mean, max(mode, 1e-12)}),
                        )[0]
                    )
                else:
                    ml.append(
                        integrate.quad(
                            integrand,
                            *lims,
                            args=(c,),
                            limit=200,
                            epsabs=0,
                            epsrel=1e-11,
                            points=pts(c),
                        )[0]
                    )
            quad_w = np.asarray(p.weights) * np.asarray(ml)
            quad_w = quad_w / quad_w.sum()
            exact_w = np.asarray(post.weights)
            diff = float(np.max(np.abs(exact_w - quad_w)))
            out.append(
                Check(
                    endpoint,
                    KINDS[4],
                    f"posterior mixture weights of the {arm} arm (exact) vs quadrature",
                    diff,
                    0.0,
                    "1e-8",
                    bool(diff <= 1e-8),
                    f"exact {'/'.join(f'{w:.4f}' for w in exact_w)}; by quadrature "
                    f"{'/'.join(f'{w:.4f}' for w in quad_w)}",
                    prior=name,
                )
            )
    return out


__all__ = [
    "Printed",
    "FREQUENTIST",
    "BAYESIAN",
    "RELATIONS",
    "frequentist_printed_checks",
    "bayesian_printed_checks",
    "altham_check",
    "case_split_checks",
    "z_interval_check",
    "behrens_fisher_checks",
    "weight_checks",
    "both_flat",
]
