"""Bayesian vs frequentist checks of the rate endpoints: identities and bounds, with their maths.

- two rates under Jeffreys priors (:func:`two_rate_checks`): the posterior of the conditional
  proportion :math:`p = \\text{RR} E_a/(\\text{RR} E_a + E_b)` is Beta(:math:`y_a + 1/2,
  y_b + 1/2`), so the Jeffreys-prior interval of RR *is* statsmodels' Jeffreys interval of
  :math:`p` mapped to RR, and lies inside the exact conditional (Clopper-Pearson) interval;
- the log-linear model under a wide Normal prior on log RR (:func:`log_linear_checks`): the
  posterior approaches the conditional-likelihood limit Beta(:math:`y_a, y_b + a`) on
  :math:`p`, within a bound computed from the prior's variation over the likelihood's range;
- the per-patient frailty model (:func:`patient_checks`): the reference-prior posterior of
  log RR against the conditional Poisson MLE and Wald interval, in standard errors.
"""

from __future__ import annotations

import math

from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from ..._constants import N_MCSE
from ...checks import KINDS, Check, pct, quantile_check
from ...distributions import components_of
from .exact import two_rate_posterior
from .priors import WIDE_LOG_RR_SD, LogRRPrior, TwoRatePrior
from .reference import conditional_to_rr

#: a log-linear fit is checked against the conditional-likelihood limit when its prior's
#: log density varies by at most this much over the region holding all but a tiny fraction
#: of the limit posterior (:func:`limit_bounds`): the bound on its tail probabilities is
#: then within a factor e^0.5 of theirs
MAX_TILT = 0.5
#: tail masses left out of the region over which the prior's variation is measured; the
#: bound is the tightest over these
TILT_EPS = (1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3)
#: the per-patient Bayesian-vs-frequentist tolerances, in standard errors of the conditional
#: Poisson log RR (see :func:`patient_checks`)
MEDIAN_TOL_SE = 0.25
INTERVAL_TOL_SE = 0.5


# --- two rates, Jeffreys priors -------------------------------------------------------------
def two_rate_checks(endpoint: str, data, ref, fits: dict, level: float) -> list[Check]:
    """The Jeffreys-prior rate ratio against the conditional binomial analysis.

    Given the total :math:`y_a + y_b`, :math:`y_a` is binomial with
    :math:`p = \\text{RR}\\,E_a / (\\text{RR}\\,E_a + E_b)`. Under Jeffreys priors on both rates
    the posterior of :math:`p` is Beta(:math:`y_a + 1/2, y_b + 1/2`), so

    - the exact Jeffreys-prior ETI of RR equals the statsmodels Jeffreys interval of
      :math:`p` mapped to RR (identity, relative 1e-6: the Gamma(1/2, 1e-6) prior is the
      improper Gamma(1/2, 0) to a millionth of a patient-year). statsmodels sets the lower
      end to 0 when :math:`y_a = 0` (and the upper to 1 when :math:`y_b = 0`), a convention
      rather than the Beta quantile: that end is then reported, not checked;
    - the MCMC Jeffreys-prior ETI ends are within ``N_MCSE`` MCSE of it (probability scale);
    - the Jeffreys interval lies inside the exact conditional interval (a theorem:
      Beta(:math:`y_a + 1/2, y_b + 1/2`) is stochastically between the Clopper-Pearson
      Beta(:math:`y_a, y_b + 1`) and Beta(:math:`y_a + 1, y_b`)).
    """
    p = pct(level)
    ya, yb = ref.events_after, ref.events_before
    ea, eb = ref.exposure_after, ref.exposure_before
    plo, phi = proportion_confint(ya, ya + yb, alpha=1 - level, method="jeffreys")
    jl, jh = conditional_to_rr(plo, eb, ea), conditional_to_rr(phi, eb, ea)
    jeffreys = TwoRatePrior.jeffreys()
    exact = two_rate_posterior(jeffreys, data).interval(level, "eti")
    out = []
    for end, ours, theirs, convention in (
        ("lower", exact[0], jl, ya == 0),
        ("upper", exact[1], jh, yb == 0),
    ):
        name = f"Jeffreys-prior {p}% ETI of RR, {end} end (exact) vs conditional Jeffreys interval"
        if convention:
            out.append(
                Check(
                    endpoint,
                    KINDS[2],
                    name,
                    ours,
                    theirs,
                    "relative 1e-6",
                    None,
                    f"not applicable: with no events {'after' if ya == 0 else 'before'}, "
                    f"statsmodels sets this end to {theirs:g} by convention; the Beta "
                    f"quantile mapped to RR is {ours:.4g}",
                    prior="jeffreys",
                )
            )
            continue
        diff = abs(ours - theirs) / max(abs(theirs), 1e-12)
        out.append(
            Check(
                endpoint,
                KINDS[2],
                name,
                ours,
                theirs,
                "relative 1e-6",
                bool(diff <= 1e-6),
                f"relative difference {diff:.2g}",
                prior="jeffreys",
            )
        )
    jeffreys_row = next(
        (
            f.rows["rate_ratio"]
            for f in fits.values()
            if f.prior == jeffreys and f.posterior is not None
        ),
        None,
    )
    if jeffreys_row is not None:
        tail = (1 - level) / 2
        for end, prob, theirs in (("low", tail, jl), ("high", 1 - tail, jh)):
            out.append(
                quantile_check(
                    endpoint,
                    "jeffreys",
                    KINDS[2],
                    f"Jeffreys-prior {p}% ETI of RR, {'lower' if end == 'low' else 'upper'} end (MCMC) "
                    "vs conditional Jeffreys interval",
                    jeffreys_row,
                    end,
                    prob,
                    theirs,
                    level,
                )
            )
    cl, ch = ref.intervals["exact-cond"]
    inside = cl <= jl * (1 + 1e-9) and jh <= ch * (1 + 1e-9)
    out.append(
        Check(
            endpoint,
            KINDS[2],
            f"Jeffreys {p}% interval of RR inside the exact conditional interval",
            None,
            None,
            "containment",
            bool(inside),
            f"Jeffreys [{jl:.4f}, {jh:.4f}] {'within' if inside else 'not within'} exact conditional "
            f"[{cl:.4f}, {ch:.4f}]",
        )
    )
    return out


# --- the log-linear model under a wide prior -------------------------------------------------
def _single(prior, family):
    w, comps = components_of(prior)
    return comps[0] if len(comps) == 1 and comps[0].family == family else None


def limit_bounds(prior: LogRRPrior, data, theta) -> tuple:
    """Bounds on the log-linear posterior cdf of :math:`\\theta = \\log\\text{RR}` at ``theta``,
    from the conditional-likelihood limit; ``(limit cdf, lower, upper, tilt)``.

    Notes
    -----
    With a flat prior on :math:`\\theta` and the baseline prior Gamma(:math:`a`, :math:`r \\to
    0`), the posterior of :math:`\\theta` is :math:`f(\\theta) \\propto e^{\\theta y_a}
    (E_b + e^\\theta E_a)^{-(n + a)}`, i.e. :math:`p = e^\\theta E_a/(e^\\theta E_a + E_b)
    \\sim \\text{Beta}(y_a, y_b + a)` (for :math:`y_a \\ge 1`). The posterior under the
    prior :math:`N(m, s^2)` and rate :math:`r` is :math:`g \\propto f\\,w` with
    :math:`w(\\theta) = \\phi((\\theta - m)/s)\\,[(E_b + e^\\theta E_a)/(r + E_b + e^\\theta
    E_a)]^{n + a} \\le W = \\phi(0)`. On the central region :math:`B` holding all but
    :math:`\\varepsilon` of :math:`f`, :math:`w \\ge W e^{-\\delta}` with the *tilt*
    :math:`\\delta = \\max_{\\theta \\in B} (\\theta - m)^2/(2s^2) + (n + a)\\log(1 + r/E_b)`.
    Hence for any set :math:`A`

    .. math::

        e^{-\\delta}\\,(F(A) - \\varepsilon) \\le G(A) \\le e^{\\delta} F(A) / (1 - \\varepsilon),

    applied to :math:`\\{\\theta \\le t\\}` and to its complement, and intersected over
    :data:`TILT_EPS`. ``tilt`` is the smallest :math:`\\delta` over those :math:`\\varepsilon`.
    """
    normal, base = _single(prior.log_rr, "normal"), _single(prior.baseline, "gamma")
    ya, yb = data.after.events, data.before.events
    ea, eb = data.after.exposure, data.before.exposure
    a, r = base.shape, base.rate
    limit = stats.beta(ya, yb + a)
    to_theta = lambda q: math.log(q / (1 - q) * eb / ea)  # noqa: E731
    u = math.exp(theta) * ea
    F = float(limit.cdf(u / (u + eb)))
    d_rate = (ya + yb + a) * math.log1p(r / eb)
    lower, upper, tilt = 0.0, 1.0, math.inf
    for eps in TILT_EPS:
        lo_t, hi_t = to_theta(float(limit.ppf(eps / 2))), to_theta(float(limit.isf(eps / 2)))
        d = max((lo_t - normal.loc) ** 2, (hi_t - normal.loc) ** 2) / (2 * normal.scale**2) + d_rate
        tilt = min(tilt, d)
        up, down = math.exp(min(d, 700.0)), math.exp(-d)
        lower = max(lower, down * (F - eps), 1 - up * (1 - F) / (1 - eps))
        upper = min(upper, up * F / (1 - eps), 1 - down * (1 - F - eps))
    return F, lower, upper, tilt


def log_linear_checks(endpoint: str, data, ref, fits: dict, level: float) -> list[Check]:
    """Wide-prior log-linear posteriors against the conditional-likelihood limit.

    For each fit under a :class:`LogRRPrior` with one Normal component on log RR and one
    Gamma(:math:`a`, :math:`r`) component on the baseline whose tilt (:func:`limit_bounds`) is
    at most :data:`MAX_TILT` (a wide prior such as N(0, 10^2)): at each end of the limit
    interval (the ETI of Beta(:math:`y_a, y_b + a`) on :math:`p = \\text{RR} E_a/(\\text{RR} E_a
    + E_b)`, mapped to RR), the exact posterior's cdf lies within the bound of
    :func:`limit_bounds` around the tail probability (plus 1e-8 for the quadrature). The
    limit is the conditional binomial likelihood of :math:`y_a \\mid y_a + y_b` with the
    baseline's shape added to :math:`y_b`; for :math:`a = 1/2` its interval lies inside the
    exact conditional (Clopper-Pearson) one (stochastic ordering of Beta(:math:`y_a, y_b +
    1/2`) between Beta(:math:`y_a, y_b + 1`) and Beta(:math:`y_a + 1, y_b`)), but the bound
    is too loose to carry that containment over to the posterior, so it is not checked.

    With no events after the conditional likelihood is flat as RR -> 0 and has no limit
    interval: one not-applicable check says so for a wide prior (sd >= ``WIDE_LOG_RR_SD``).
    """
    p = pct(level)
    tail = (1 - level) / 2
    out = []
    for fit in fits.values():
        prior = fit.prior
        if not isinstance(prior, LogRRPrior) or "rate_ratio" not in fit.exact:
            continue
        normal, base = _single(prior.log_rr, "normal"), _single(prior.baseline, "gamma")
        if normal is None or base is None:
            continue
        prior_name = fit.analysis.prior_name
        what = f"wide-prior ({normal!r}) {p}% ETI of RR"
        if data.after.events == 0:
            if normal.scale >= WIDE_LOG_RR_SD:
                out.append(
                    Check(
                        endpoint,
                        KINDS[2],
                        f"{what} vs the conditional-likelihood limit",
                        None,
                        None,
                        "-",
                        None,
                        "not applicable: no events after, the conditional likelihood is flat "
                        "as RR -> 0 and has no limit interval; the prior bounds the left tail",
                        prior=prior_name,
                    )
                )
            continue
        post = fit.exact["rate_ratio"]
        ya, yb, a = data.after.events, data.before.events, base.shape
        limit = stats.beta(ya, yb + a)
        ea, eb = data.after.exposure, data.before.exposure
        ends = [conditional_to_rr(float(q), eb, ea) for q in limit.ppf([tail, 1 - tail])]
        bounds = [limit_bounds(prior, data, math.log(x)) for x in ends]
        tilt = min(b[3] for b in bounds)
        if tilt > MAX_TILT:
            continue
        for end, x, (F, lo_b, hi_b, d), prob in zip(
            ("lower", "upper"), ends, bounds, (tail, 1 - tail)
        ):
            g = float(post.cdf(x))
            passed = lo_b - 1e-8 <= g <= hi_b + 1e-8
            out.append(
                Check(
                    endpoint,
                    KINDS[2],
                    f"{what}, {end} end vs the conditional-likelihood limit Beta({ya}, {yb} + {a:g})",
                    g,
                    prob,
                    f"cdf within [{lo_b:.4g}, {hi_b:.4g}] (prior tilt {d:.3g})",
                    bool(passed),
                    f"exact posterior P(RR <= {x:.4g}) = {g:.4f}; the limit gives {F:g}; "
                    f"{'within' if passed else 'outside'} the bound",
                    prior=prior_name,
                )
            )
    return out


# --- per-patient counts ----------------------------------------------------------------------
def patient_checks(endpoint: str, ref, comparison, level: float, why_none: str = "") -> list[Check]:
    """The reference-prior posterior of log RR against the conditional Poisson GLM.

    ``comparison`` is the fit of the *Poisson, common-effect* frailty model under the
    reference prior (None: not available, ``why_none`` says why). The posterior median of
    :math:`\\theta = \\log\\text{RR}` must lie within ``MEDIAN_TOL_SE`` = 0.25 standard errors
    (plus 4 MCSE) of the conditional Poisson MLE, and each end of the equal-tailed interval
    within ``INTERVAL_TOL_SE`` = 0.5 SE (plus 4 MCSE) of the Wald interval's, on the log scale.

    Why these tolerances: with a flat prior on :math:`\\theta` and flat priors on the
    patients' log rates, the posterior of :math:`\\theta` *is* the normalised conditional
    likelihood (:func:`~bayes_trials.endpoints.rates.exact.conditional_log_likelihood`); the
    frailty model departs from that only through partial pooling of the patients' rates, a
    small fraction of an SE when every patient has several events. The interval ends get more
    room because the Wald interval is symmetric on the log scale while the conditional
    likelihood, with few events after, is skewed: with 5 events after, its ends move by about
    0.3 SE. With no events after (or before) in every patient the MLE is on the boundary
    (:math:`\\log \\text{RR} = -\\infty`) and the checks are "not applicable".
    """
    import arviz as az

    cp = ref.conditional_poisson
    p = pct(level)
    names = (
        "reference-prior posterior median of RR vs conditional Poisson MLE",
        f"reference-prior {p}% ETI of RR, lower end vs conditional Poisson Wald interval",
        f"reference-prior {p}% ETI of RR, upper end vs conditional Poisson Wald interval",
    )
    if comparison is None or comparison.posterior is None:
        return [Check(endpoint, KINDS[2], n, None, None, "-", None, why_none) for n in names]
    prior = comparison.analysis.prior_name
    model = f" [{comparison.analysis.model_name.removesuffix(' (comparison)')}]"
    theta = comparison.posterior["posterior"]["log_rate_ratio"]
    tail = (1 - level) / 2
    qs = (0.5, tail, 1 - tail)
    ours = [float(theta.quantile(q)) for q in qs]
    mcses = [float(az.mcse(theta, method="quantile", prob=q)) for q in qs]
    if cp is None:
        why = "; ".join(ref.notes) or "conditional Poisson not fitted"
        med, lo, hi = (math.exp(x) for x in ours)
        msg = (
            f"not applicable: {why}. The posterior stays finite: median RR {med:.3g} ({p}% CrI "
            f"{lo:.3g} to {hi:.3g}), its lower tail set by the prior"
        )
        return [
            Check(endpoint, KINDS[2], n + model, None, None, "-", None, msg, prior=prior)
            for n in names
        ]
    se, b = cp["se"], cp["log_rr"]
    wl, wh = (math.log(x) for x in cp["ci"])
    out = []
    for name, mine, mcse, theirs, k in zip(
        names, ours, mcses, (b, wl, wh), (MEDIAN_TOL_SE, INTERVAL_TOL_SE, INTERVAL_TOL_SE)
    ):
        tol = k * se + N_MCSE * mcse
        diff = abs(mine - theirs)
        passed = diff <= tol
        out.append(
            Check(
                endpoint,
                KINDS[2],
                name + model,
                math.exp(mine),
                math.exp(theirs),
                f"|log difference| <= {k:g} SE + {N_MCSE:g} MCSE = {tol:.3g}",
                bool(passed),
                f"{math.exp(mine):.4g} vs {math.exp(theirs):.4g}: log difference {diff:.3g} = "
                f"{diff / se:.2f} SE of the conditional Poisson log RR (SE {se:.3g}); "
                f"{'within' if passed else 'outside'} the tolerance",
                prior=prior,
            )
        )
    return out
