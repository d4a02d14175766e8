"""Priors of the rate endpoints, and the prior families they add to the spec format.

A "prior" of a rate endpoint bundles the priors of its model's parameters in a small frozen
dataclass:

- :class:`TwoRatePrior` (``before``, ``after``: Gamma or Gamma mixtures), independent priors on
  the two rates (:class:`~bayes_trials.RateRatioEndpoint`);
- :class:`LogRRPrior` (``log_rr``: Normal or Normal mixture; ``baseline``: Gamma or Gamma
  mixture), the log-linear model where the treatment effect itself has the prior;
- :class:`PatientRatePrior`, the hyperpriors of the per-patient frailty model.

Spec families (``[priors.<name>]`` tables): ``family = "rates"`` (``before``, ``after`` as
``{ shape, rate }``), ``family = "log_rr"`` (``log_rr`` explicit or a Spiegelhalter preset,
``baseline``), ``family = "patient_rates"`` and the reference ``reference = "jeffreys_rates"``.

References
----------
Spiegelhalter DJ, Freedman LS, Parmar MKB. Bayesian approaches to randomized trials.
J R Stat Soc A 1994;157:357-416. doi:10.2307/2983527
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy import stats

from ... import _validate as v
from ...distributions import Gamma, HalfNormal, Mixture, Normal, components_of
from ...errors import PriorError, SpecError

#: rate of the "Jeffreys" Gamma(1/2, VAGUE_RATE) prior on a Poisson rate: the improper
#: Gamma(1/2, 0) to within a millionth of a patient-year of prior exposure
VAGUE_RATE = 1e-6
#: sd of the wide (reference) Normal prior on the log rate ratio
REFERENCE_LOG_RR_SD = 10.0
#: a Normal prior on log RR at least this wide is flat over any plausible rate ratio (e^±10
#: within one sd): the reference-prior checks apply to it
WIDE_LOG_RR_SD = 5.0
#: the Spiegelhalter presets of a log-RR prior in a spec
LOG_RR_PRESETS = ("reference", "sceptical", "enthusiastic")
#: the fields every ``[priors.<name>]`` table has besides its family's own
_COMMON_FIELDS = {"family", "role", "tag", "rationale"}


def check_family(prior, family: str, field_name: str):
    """``prior`` if it is a distribution (or mixture) of ``family``, else a PriorError."""
    if isinstance(prior, Mixture) or getattr(prior, "family", None) == family:
        _, comps = components_of(prior)
        if comps[0].family == family:
            return prior
    names = {"gamma": "Gamma", "normal": "Normal", "halfnormal": "HalfNormal"}
    raise PriorError(f"must be a {names[family]}{' (mixture)' if family != 'halfnormal' else ''}, "
                     f"got {prior!r}", field=field_name)


@dataclass(frozen=True)
class TwoRatePrior:
    """Independent priors on the event rate before and after treatment.

    Parameters
    ----------
    before, after : Gamma or Mixture of Gamma
        Priors of :math:`\\lambda_b` and :math:`\\lambda_a` (events per patient-year). A
        Gamma(s, r) carries the information of ``r`` patient-years with ``s`` events.

    Notes
    -----
    Independent rate priors cannot express scepticism about the *ratio*; use
    :class:`LogRRPrior` for sceptical and enthusiastic analyses.

    Example
    -------
    >>> TwoRatePrior.jeffreys()
    TwoRatePrior(before=Gamma(shape=0.5, rate=1e-06), after=Gamma(shape=0.5, rate=1e-06))
    """

    before: object
    after: object

    def __post_init__(self):
        check_family(self.before, "gamma", "before")
        check_family(self.after, "gamma", "after")

    @classmethod
    def jeffreys(cls) -> "TwoRatePrior":
        """Gamma(1/2, 1e-6) on each rate: the Jeffreys prior :math:`\\lambda^{-1/2}`, made proper."""
        g = Gamma(0.5, VAGUE_RATE)
        return cls(g, g)


@dataclass(frozen=True)
class LogRRPrior:
    """Priors of the log-linear model: the log rate ratio and the baseline (before) rate.

    Parameters
    ----------
    log_rr : Normal or Mixture of Normal
        Prior of :math:`\\theta = \\log \\text{RR}`; see :func:`log_rr_priors` for the
        reference, sceptical and enthusiastic choices.
    baseline : Gamma or Mixture of Gamma
        Prior of the rate before treatment :math:`\\lambda_b`; by default the Jeffreys-like
        Gamma(1/2, 1e-6).

    Example
    -------
    >>> LogRRPrior(Normal(0, 10)).baseline
    Gamma(shape=0.5, rate=1e-06)
    """

    log_rr: object
    baseline: object = field(default_factory=lambda: Gamma(0.5, VAGUE_RATE))

    def __post_init__(self):
        check_family(self.log_rr, "normal", "log_rr")
        check_family(self.baseline, "gamma", "baseline")


def log_rr_priors(rr_alt: float = 0.5, tail: float = 0.05, reference_sd: float = REFERENCE_LOG_RR_SD,
                  baseline=None) -> dict:
    """Reference, sceptical and enthusiastic priors for the log rate ratio.

    Parameters
    ----------
    rr_alt : float in (0, 1)
        The rate ratio of the hoped-for effect (0.5: the rate halves).
    tail : float in (0, 1)
        Sceptical prior: probability of an effect at least as large as ``rr_alt``;
        enthusiastic prior: probability of no benefit (RR > 1).
    reference_sd : float
        sd of the wide reference prior (default 10: RR from about 3e-9 to 3e8 with 95%).
    baseline : Gamma, optional
        Prior of the baseline rate (default Gamma(1/2, 1e-6)).

    Returns
    -------
    dict
        ``{"reference": ..., "sceptical": ..., "enthusiastic": ...}`` of :class:`LogRRPrior`.

    Notes
    -----
    With :math:`\\delta = \\log \\text{rr}_{alt}` and :math:`z = \\Phi^{-1}(1 - \\text{tail})`:
    sceptical :math:`\\theta \\sim N(0, (\\delta/z)^2)`, so
    :math:`P(\\text{RR} < \\text{rr}_{alt}) = \\text{tail}`; enthusiastic
    :math:`\\theta \\sim N(\\delta, (\\delta/z)^2)`, so :math:`P(\\text{RR} > 1) = \\text{tail}`
    (Spiegelhalter, Freedman and Parmar 1994, doi:10.2307/2983527). With the defaults the
    sd is :math:`\\log 2 / 1.645 = 0.421`: the sceptic gives a halving of the rate a 5%
    chance, the enthusiast gives no benefit a 5% chance.

    Example
    -------
    >>> p = log_rr_priors()
    >>> p["sceptical"].log_rr
    Normal(mean=0, sd=0.4214)
    >>> round(float(p["sceptical"].log_rr.cdf(math.log(0.5))), 6)
    0.05
    """
    rr_alt = v.open_unit(rr_alt, "rr_alt", PriorError)
    tail = v.open_unit(tail, "tail", PriorError)
    delta = math.log(rr_alt)
    sd = abs(delta) / float(stats.norm.isf(tail))
    base = {} if baseline is None else {"baseline": baseline}
    return {
        "reference": LogRRPrior(Normal(0.0, v.positive(reference_sd, "reference_sd", PriorError)), **base),
        "sceptical": LogRRPrior(Normal(0.0, sd), **base),
        "enthusiastic": LogRRPrior(Normal(delta, sd), **base),
    }


@dataclass(frozen=True)
class PatientRatePrior:
    """Priors of the per-patient hierarchical model (:class:`~bayes_trials.PatientRateRatioEndpoint`).

    Parameters
    ----------
    log_rr : Normal or Mixture of Normal
        Common (median-patient) log rate ratio :math:`\\theta`.
    mean_log_rate : Normal
        Mean :math:`\\mu` of the patients' log rates before treatment (default N(0, 2.5^2):
        rates from e^-5 to e^5 per patient-year).
    frailty_sd : HalfNormal
        sd :math:`\\sigma` of the patients' log rates (log-normal frailty).
    effect_sd : HalfNormal
        sd :math:`\\tau` of the patient-specific log rate ratios (used only with
        ``varying_effect=True``).
    overdispersion : HalfNormal
        :math:`\\phi`, the squared coefficient of variation of the extra-Poisson (gamma)
        variation of each count: :math:`\\text{Var}(y) = \\mu + \\phi \\mu^2` (used only with
        ``overdispersion=True``).

    Example
    -------
    >>> PatientRatePrior().frailty_sd
    HalfNormal(scale=1)
    """

    log_rr: object = field(default_factory=lambda: Normal(0.0, REFERENCE_LOG_RR_SD))
    mean_log_rate: object = field(default_factory=lambda: Normal(0.0, 2.5))
    frailty_sd: object = field(default_factory=lambda: HalfNormal(1.0))
    effect_sd: object = field(default_factory=lambda: HalfNormal(0.5))
    overdispersion: object = field(default_factory=lambda: HalfNormal(1.0))

    def __post_init__(self):
        check_family(self.log_rr, "normal", "log_rr")
        if not isinstance(self.mean_log_rate, Normal):
            raise PriorError(f"must be a Normal, got {self.mean_log_rate!r}", field="mean_log_rate")
        for name in ("frailty_sd", "effect_sd", "overdispersion"):
            if not isinstance(getattr(self, name), HalfNormal):
                raise PriorError(f"must be a HalfNormal, got {getattr(self, name)!r}", field=name)


# =====================================================================================
# spec prior families
# =====================================================================================
def _unknown_fields(raw: dict, own: tuple, where: str, family: str) -> None:
    unknown = sorted(set(raw) - _COMMON_FIELDS - set(own))
    if unknown:
        raise SpecError(f"unknown field(s) {unknown}; a {family} prior takes {list(own)}",
                        field=f"{where}.{unknown[0]}")


def _gamma_params(raw, key: str, where: str, default=None) -> dict:
    g = raw.get(key, default)
    if not isinstance(g, dict):
        raise SpecError("needs { shape = ..., rate = ... } (a Gamma prior on the rate)",
                        field=f"{where}.{key}")
    return {k: v.positive(g.get(k), f"{where}.{key}.{k}", SpecError) for k in ("shape", "rate")}


RATES_FIELDS = ("before", "after")


def parse_rates_prior(raw: dict, where: str) -> dict:
    """``family = "rates"``: independent Gamma priors ``before = { shape, rate }`` and
    ``after = { shape, rate }`` on the two rates (:class:`TwoRatePrior`).

    >>> parse_rates_prior({"before": {"shape": 3, "rate": 2}, "after": {"shape": 3, "rate": 2}}, "priors.s")
    {'before': {'shape': 3.0, 'rate': 2.0}, 'after': {'shape': 3.0, 'rate': 2.0}}
    """
    _unknown_fields(raw, RATES_FIELDS, where, "rates")
    return {period: _gamma_params(raw, period, where) for period in RATES_FIELDS}


def resolve_rates_prior(params: dict, endpoint=None) -> TwoRatePrior:
    """The :class:`TwoRatePrior` of a parsed ``rates`` prior (the same for every endpoint)."""
    return TwoRatePrior(before=Gamma(**params["before"]), after=Gamma(**params["after"]))


LOG_RR_FIELDS = ("log_rr", "rr_alt", "tail", "baseline")


def parse_log_rr(raw: dict, where: str) -> dict:
    """The ``log_rr`` field of a spec prior, as ``{"mean": m, "sd": s}``.

    Either explicit, ``log_rr = { mean = 0, sd = 0.42 }``, or Spiegelhalter's
    ``log_rr = "sceptical" | "enthusiastic" | "reference"`` with ``rr_alt`` (default 0.5) and
    ``tail`` (default 0.05), as :func:`log_rr_priors` defines them.

    >>> p = parse_log_rr({"log_rr": "sceptical"}, "priors.s")
    >>> p["mean"], round(p["sd"], 4)
    (0.0, 0.4214)
    """
    spec = raw.get("log_rr")
    if isinstance(spec, str):
        v.one_of(spec, LOG_RR_PRESETS, f"{where}.log_rr", SpecError)
        rr_alt = v.open_unit(raw.get("rr_alt", 0.5), f"{where}.rr_alt", SpecError)
        tail = v.open_unit(raw.get("tail", 0.05), f"{where}.tail", SpecError)
        normal = log_rr_priors(rr_alt=rr_alt, tail=tail)[spec].log_rr
        return {"mean": float(normal.loc), "sd": float(normal.scale)}
    if isinstance(spec, dict):
        return {"mean": v.finite_real(spec.get("mean"), f"{where}.log_rr.mean", SpecError),
                "sd": v.positive(spec.get("sd"), f"{where}.log_rr.sd", SpecError)}
    raise SpecError("needs { mean = ..., sd = ... } or one of 'reference', 'sceptical', "
                    "'enthusiastic'", field=f"{where}.log_rr")


def parse_log_rr_prior(raw: dict, where: str) -> dict:
    """``family = "log_rr"``: a Normal prior on log RR (the log-linear rate model).

    ``log_rr`` as :func:`parse_log_rr`; ``baseline = { shape, rate }`` is the Gamma prior of
    the rate before (default Gamma(1/2, 1e-6)).

    >>> parse_log_rr_prior({"log_rr": {"mean": 0.0, "sd": 10.0}}, "priors.r")
    {'log_rr': {'mean': 0.0, 'sd': 10.0}, 'baseline': {'shape': 0.5, 'rate': 1e-06}}
    """
    _unknown_fields(raw, LOG_RR_FIELDS, where, "log_rr")
    return {"log_rr": parse_log_rr(raw, where),
            "baseline": _gamma_params(raw, "baseline", where, {"shape": 0.5, "rate": VAGUE_RATE})}


def resolve_log_rr_prior(params: dict, endpoint=None) -> LogRRPrior:
    """The :class:`LogRRPrior` of a parsed ``log_rr`` prior (the same for every endpoint)."""
    return LogRRPrior(Normal(**params["log_rr"]), Gamma(**params["baseline"]))


#: the fields of a ``[priors.<name>]`` table with ``family = "patient_rates"``
PATIENT_PRIOR_FIELDS = ("log_rr", "rr_alt", "tail", "mean_log_rate", "frailty_sd", "effect_sd",
                        "overdispersion")


def parse_patient_rates_prior(raw: dict, where: str) -> dict:
    """Validate a ``[priors.<name>]`` table with ``family = "patient_rates"``.

    Fields (all but ``log_rr`` optional, defaults those of :class:`PatientRatePrior`):

    - ``log_rr``: ``{ mean, sd }`` or ``"reference"`` / ``"sceptical"`` / ``"enthusiastic"``
      with ``rr_alt`` (default 0.5) and ``tail`` (default 0.05), parsed exactly as for
      ``family = "log_rr"`` (:func:`parse_log_rr`, Spiegelhalter et al. 1994);
    - ``mean_log_rate = { mean, sd }``: Normal prior of the mean log rate before (default 0, 2.5);
    - ``frailty_sd``, ``effect_sd``, ``overdispersion``: HalfNormal scales (defaults 1, 0.5, 1).

    Example
    -------
    >>> p = parse_patient_rates_prior({"log_rr": "sceptical", "frailty_sd": 0.8}, "priors.s")
    >>> p["log_rr"]["mean"], round(p["log_rr"]["sd"], 4), p["frailty_sd"], p["effect_sd"]
    (0.0, 0.4214, 0.8, 0.5)
    """
    _unknown_fields(raw, PATIENT_PRIOR_FIELDS, where, "patient_rates")
    if "log_rr" not in raw:
        raise SpecError("missing field: { mean = ..., sd = ... } or 'reference', 'sceptical', "
                        "'enthusiastic'", field=f"{where}.log_rr")
    out = {"log_rr": parse_log_rr(raw, where)}
    mlr = raw.get("mean_log_rate", {"mean": 0.0, "sd": 2.5})
    if not isinstance(mlr, dict):
        raise SpecError("needs { mean = ..., sd = ... }", field=f"{where}.mean_log_rate")
    out["mean_log_rate"] = {"mean": v.finite_real(mlr.get("mean"), f"{where}.mean_log_rate.mean", SpecError),
                            "sd": v.positive(mlr.get("sd"), f"{where}.mean_log_rate.sd", SpecError)}
    for key, default in (("frailty_sd", 1.0), ("effect_sd", 0.5), ("overdispersion", 1.0)):
        out[key] = v.positive(raw.get(key, default), f"{where}.{key}", SpecError)
    return out


def resolve_patient_rates_prior(params: dict, endpoint=None) -> PatientRatePrior:
    """The :class:`PatientRatePrior` of a parsed ``patient_rates`` prior (same for every endpoint)."""
    return PatientRatePrior(log_rr=Normal(params["log_rr"]["mean"], params["log_rr"]["sd"]),
                            mean_log_rate=Normal(**params["mean_log_rate"]),
                            frailty_sd=HalfNormal(params["frailty_sd"]),
                            effect_sd=HalfNormal(params["effect_sd"]),
                            overdispersion=HalfNormal(params["overdispersion"]))
