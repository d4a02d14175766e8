"""The two-arm endpoints: a randomised comparison of a treatment arm with a control arm.

=============================  ===========================  ==========================================
endpoint (spec ``kind``)        data                          quantities (exact posterior)
=============================  ===========================  ==========================================
:class:`TwoArmBinaryEndpoint`  events of n per arm           risks per arm (Beta), risk difference,
(``"two_arm_binary"``)                                       risk ratio, odds ratio, vaccine efficacy
                                                             (quadrature, :func:`bayes_trials.compare`)
:class:`TwoArmRateEndpoint`    events over exposure per arm  rates per arm (Gamma), rate ratio (scaled
(``"two_arm_rate"``)                                         beta-prime), rate difference (quadrature),
                                                             vaccine efficacy; or the case-split /
                                                             log-linear models' rate ratio
:class:`TwoArmNormalEndpoint`  mean and se (or sd, n) per    means per arm (Normal, t, or quadrature),
(``"two_arm_normal"``)         arm; sigma known or estimated difference (closed form or quadrature)
=============================  ===========================  ==========================================

Contrasts are treatment minus (or over) control. ``direction`` is the direction of benefit:
``"greater"`` when more events (a higher mean) in the treatment arm is better, ``"less"``
when fewer is (infections, deaths). Each contrast is reported with :math:`P(\\text{contrast}
\\text{ beyond its margin in that direction})`, the margins defaulting to no effect (0 for a
difference, 1 for a ratio); vaccine efficacy :math:`1 - \\text{RR}` with :math:`P(\\text{VE} >
\\text{margin})`.

Priors: a :class:`~bayes_trials.endpoints.two_arm.priors.TwoArmPrior` (one prior per arm, e.g.
a robust MAP prior on the control), or a single distribution for both arms; ``pairings``
(the spec's ``[[endpoints.analyses]]``) build the analyses from named arm priors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import _validate as v
from ..._constants import CRED_LEVEL, DEFAULT_TARGET_ACCEPT, DIRECTIONS
from ...compare import NULL, OneMinus
from ...conjugate import update
from ...data import Binary
from ...distributions import Beta, Distribution, Mixture
from ...errors import DataError, PriorError
from ...ess import ess
from ...predictive import prior_data_conflict
from ...quantity import Quantity
from ..base import Analysis, EndpointBase
from ..binary import INPUTS as BINARY_INPUTS
from ..binary import BinaryEndpoint, input_rows
from ..rates.model import AGGREGATE, aggregate_inputs, build_aggregate_model, tidy_aggregate
from ..rates.priors import LogRRPrior, TwoRatePrior
from . import checks as chk
from . import exact as ex
from . import model as mdl
from . import result as rep
from .data import TwoArmBinary, TwoArmNormal, TwoArmRates
from .design import design_of
from .priors import (
    FLAT,
    CaseSplitPrior,
    FlatPrior,
    TwoArmPrior,
    check_arm_prior,
    family_of,
    jeffreys_rate,
)
from .reference import TwoArmReference, binary_reference, normal_reference, rates_reference

#: NUTS target acceptance when an arm has no events (a long tail on the sampled scale)
ZERO_EVENTS_TARGET_ACCEPT = 0.95
SIGMA_MODES = ("known", "estimated")


class TwoArmEndpoint(EndpointBase):
    """What the three two-arm kinds share: validation, analyses from named arm priors, the
    quantities and their margins, prior summaries per arm, checks and report parts."""

    arm_family: str = ""
    #: the contrasts a kind can report, and its default ones
    contrast_names: tuple = ()
    default_measures: tuple = ()
    arm_quantities: tuple = ()

    def _validate(self):
        v.one_of(self.direction, DIRECTIONS, "direction", DataError)
        measures = tuple(self.measures) if self.measures else self.default_measures
        for m in measures:
            v.one_of(m, self.contrast_names, "measures", DataError)
        if "vaccine_efficacy" in measures and self.direction != "less":
            raise DataError(
                "vaccine efficacy (1 - ratio) is a benefit when the treatment arm has fewer "
                "events: direction must be 'less'",
                field="measures",
            )
        object.__setattr__(self, "measures", measures)
        margins = dict(self.margins) if self.margins else {}
        for m, val in margins.items():
            v.one_of(m, measures, "margins", DataError)
            val = v.finite_real(val, f"margins.{m}", DataError)
            measure = ex.CONTRASTS[m][0]
            if measure != "difference" and not ex.CONTRASTS[m][1] and val <= 0:
                raise DataError(f"a ratio margin must be > 0, got {val:g}", field=f"margins.{m}")
            margins[m] = val
        object.__setattr__(self, "margins", tuple(margins.items()))
        pairs = []
        for item in self.pairings or ():
            if len(item) != 3 or not all(isinstance(x, str) and x for x in item):
                raise DataError(
                    f"each pairing is (name, treatment prior, control prior), got {item!r}",
                    field="analyses",
                )
            pairs.append(tuple(item))
        object.__setattr__(self, "pairings", tuple(pairs))
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- description ---------------------------------------------------------------------------
    def describe_data(self) -> str:
        return self.data.describe()

    @property
    def arms(self) -> tuple[str, str]:
        return (self.treatment_label or "treatment", self.control_label or "control")

    @staticmethod
    def published_quantities() -> tuple:
        """None through ``[[endpoints.published]]``: a two-arm endpoint states its printed
        numbers in ``[[endpoints.printed]]``, with the measure each is about."""
        return ()

    @staticmethod
    def interval_methods() -> tuple:
        return ()

    def margin(self, name: str) -> float | None:
        """The margin of a contrast (default: no effect), None for an arm's parameter."""
        if name not in ex.CONTRASTS:
            return None
        measure, one_minus = ex.CONTRASTS[name]
        return dict(self.margins).get(name, 0.0 if one_minus else NULL[measure])

    def quantity_direction(self, name: str) -> str:
        """Vaccine efficacy is a benefit when large; every other contrast in the endpoint's
        direction of benefit."""
        return "greater" if name == "vaccine_efficacy" else self.direction

    def _quantity(self, name: str, exact_label: str = "") -> Quantity:
        return Quantity(
            name,
            target=self.margin(name),
            direction=self.quantity_direction(name),
            exact_label=exact_label,
            in_check_names=True,
        )

    # --- priors and analyses -------------------------------------------------------------------
    def as_analysis_prior(self, prior: TwoArmPrior | Distribution) -> TwoArmPrior:
        """A single arm distribution is used for both arms; analysis priors pass unchanged."""
        if family_of(prior) is not None:
            return TwoArmPrior(prior, prior)
        return prior

    def check_prior(self, prior) -> None:
        if isinstance(prior, TwoArmPrior):
            for arm in ("treatment", "control"):
                check_arm_prior(getattr(prior, arm), self.arm_family, arm)
            return
        if family_of(prior) is not None:
            check_arm_prior(prior, self.arm_family)
            return
        self.check_model_prior(prior)

    def check_model_prior(self, prior: TwoArmPrior | Distribution) -> None:
        raise PriorError(
            f"a {self.kind} endpoint takes a TwoArmPrior or a {self.arm_family} prior for both "
            f"arms, got {prior!r}",
            endpoint=self.name,
            field="prior",
        )

    def analyses(self, priors: dict) -> list[Analysis]:
        """One analysis per pairing (named arm priors) and per whole-analysis prior; without
        pairings, one per prior (an arm prior on both arms)."""
        out = []
        for name, t, c in self.pairings:
            missing = [x for x in (t, c) if x not in priors]
            if missing:
                raise PriorError(
                    f"analysis {name!r} names prior(s) {missing}, which are not among this "
                    f"endpoint's priors {list(priors)}",
                    endpoint=self.name,
                    field="analyses",
                )
            out.append(Analysis(name, name, self, TwoArmPrior(priors[t], priors[c])))
        for name, prior in priors.items():
            if self.pairings and family_of(prior) is not None:
                continue  # an arm prior is material for the pairings
            out.append(Analysis(name, name, self, self.as_analysis_prior(prior)))
        return out

    def target_accept(self, prior) -> float:
        zero = any(
            getattr(getattr(self.data, a), "events", 1) == 0 for a in ("treatment", "control")
        )
        return ZERO_EVENTS_TARGET_ACCEPT if zero else DEFAULT_TARGET_ACCEPT

    def strata(self, prior: TwoArmPrior | Distribution) -> list | None:
        """Mixture arm priors: every pair of components with its exact posterior weight
        (independent arms: the product of the arms' weights)."""
        if not isinstance(prior, TwoArmPrior) or not self._weights_known(prior):
            return None
        parts_t, parts_c = (
            self._posterior_parts(prior.treatment, "treatment"),
            self._posterior_parts(prior.control, "control"),
        )
        if len(parts_t) * len(parts_c) < 2:
            return None
        return [(wt * wc, TwoArmPrior(ct, cc)) for wt, ct in parts_t for wc, cc in parts_c]

    def _weights_known(self, prior) -> bool:
        return True

    def _posterior_parts(self, arm_prior, arm: str) -> list:
        if not isinstance(arm_prior, Mixture):
            return [(1.0, arm_prior)]
        post = update(arm_prior, self.arm_data(arm))
        return list(zip(post.weights, arm_prior.components))

    def arm_data(self, arm: str) -> Any:
        return getattr(self.data, arm)

    def prior_summary(self, prior, exact: dict) -> dict:
        """The analysis prior, and per arm its prior, effective sample size (ELIR, or moments
        where the ELIR is undefined), Box's prior-data conflict p-value (for priors worth at
        least a thousandth of the arm's data) and, for mixtures, the posterior component weights."""
        out = {
            "prior_distribution": repr(prior),
            "prior_mean": None,
            "prior_ess": None,
            "prior_ess_method": None,
        }
        if isinstance(prior, TwoArmPrior):
            for arm in ("treatment", "control"):
                out.update(self._arm_summary(getattr(prior, arm), arm))
        elif isinstance(prior, CaseSplitPrior):
            total = self.data.treatment.events + self.data.control.events
            out.update(_ess_columns(prior.share, "share"))
            if total:
                out["conflict_p_share"] = float(
                    prior_data_conflict(
                        prior.share, Binary(self.data.treatment.events, total), warn=False
                    ).p_value
                )
        return out

    def _arm_summary(self, p, arm: str) -> dict:
        out = {f"prior_{arm}": repr(p)}
        if isinstance(p, FlatPrior):
            return {**out, f"prior_ess_{arm}": 0.0}
        out.update(_ess_columns(p, arm, sigma=self._ess_sigma(arm)))
        data = self.conflict_data(arm)
        ess_arm = out.get(f"prior_ess_{arm}")
        # a prior worth less than a thousandth of the arm's data cannot conflict with them (and its
        # prior predictive, spread over millions of counts, is not worth enumerating)
        if data is not None and ess_arm is not None and ess_arm >= 1e-3 * self.arm_size(arm):
            out[f"conflict_p_{arm}"] = float(prior_data_conflict(p, data, warn=False).p_value)
        if isinstance(p, Mixture) and self._weights_known(None):
            out[f"posterior_weights_{arm}"] = "/".join(f"{w:.3f}" for w in update(p, data).weights)
        return out

    def _ess_sigma(self, arm):
        return None

    def arm_size(self, arm: str) -> float:
        """The arm's information in the ESS's unit: patients, exposure, or observations."""
        d = getattr(self.data, arm)
        return float(getattr(d, "n", None) or getattr(d, "exposure", None) or 1.0)

    def conflict_data(self, arm: str):
        return self.arm_data(arm)

    # --- the model protocol: draws -------------------------------------------------------------------
    def draws(self, tree: Any) -> dict:
        post = tree["posterior"]
        return {name: post[name] for name in post.data_vars if name in self._all_quantity_names()}

    def _all_quantity_names(self) -> set:
        return set(self.arm_quantities) | set(self.contrast_names) | {"case_split"}

    # --- checks ------------------------------------------------------------------------------------------
    def published_checks(self, reference, published, assumed_data: bool) -> list:
        """Each printed frequentist number against the recomputed reference."""
        return chk.frequentist_printed_checks(self.name, reference, self.printed)

    def reference_checks(
        self, reference: TwoArmReference, fits: dict, level: float = CRED_LEVEL
    ) -> list:
        return chk.bayesian_printed_checks(
            self.name, fits, self.printed, level
        ) + self.identity_checks(reference, fits, level)

    def identity_checks(self, reference: TwoArmReference, fits: dict, level: float) -> list:
        return []

    # --- report parts ----------------------------------------------------------------------------------
    def summary_table(self, result):
        return rep.summary_table(self, result)

    def design(self, result: Any) -> Any:
        """The spec's two-sample rule (``[endpoints.decision_2s]``) with its exact boundary,
        operating characteristics and calibration (a
        :class:`~bayes_trials.endpoints.two_arm.design.Design2S`), or None without one."""
        return design_of(self, result)

    def report_sections(self, result) -> list:
        return rep.report_sections(self, result)

    def sentences(self, result) -> list[str]:
        return rep.sentences(self, result)

    def figure(self, result):
        return rep.figure(self, result)


def _ess_columns(p, arm: str, sigma=None) -> dict:
    try:
        val, method = ess(p, method="elir", sigma=sigma), "elir"
    except (PriorError, DataError):
        try:
            val, method = ess(p, method="moment", sigma=sigma), "moment"
        except (PriorError, DataError):
            return {f"prior_ess_{arm}": None}
    return {f"prior_ess_{arm}": float(val), f"prior_ess_method_{arm}": method}


# =====================================================================================
# two binomial arms
# =====================================================================================
@dataclass(frozen=True)
class TwoArmBinaryEndpoint(TwoArmEndpoint):
    """Events of n patients in a treatment and a control arm (a 2x2 table).

    Parameters
    ----------
    name : str
    data : TwoArmBinary
    direction : {"greater", "less"}
        The direction of benefit: ``"greater"`` for responses, ``"less"`` for harms.
    measures : sequence of str
        Contrasts to report: ``risk_difference``, ``risk_ratio``, ``odds_ratio`` (default all
        three) and ``vaccine_efficacy`` (1 - risk ratio; needs ``direction="less"``).
    margins : mapping
        Contrast -> margin of :math:`P(\\text{contrast beyond margin})` (default: no effect).
    label, treatment_label, control_label : str
    pairings : sequence of (name, treatment prior name, control prior name)
    printed : sequence of :class:`~bayes_trials.endpoints.two_arm.checks.Printed`
    decision : Decision2SSpec, optional

    Notes
    -----
    .. math::

        \\theta_k &\\sim \\textstyle\\sum_j w_{kj}\\,\\text{Beta}(a_{kj}, b_{kj}), \\qquad
        y_k \\sim \\text{Bin}(n_k, \\theta_k), \\quad k = 1 \\text{ (treatment)}, 2 \\text{ (control)},\\\\
        \\text{RD} &= \\theta_1 - \\theta_2, \\quad \\text{RR} = \\theta_1/\\theta_2, \\quad
        \\text{OR} = \\frac{\\theta_1/(1-\\theta_1)}{\\theta_2/(1-\\theta_2)}, \\quad \\text{VE} = 1 - \\text{RR}.

    The arms' posteriors are conjugate, the contrasts' by quadrature; the PyMC model samples
    the two logits. Frequentist reference: :func:`~bayes_trials.endpoints.two_arm.reference.binary_reference`.

    Example
    -------
    >>> import bayes_trials as bt
    >>> from bayes_trials.endpoints.two_arm import TwoArmBinary
    >>> ep = TwoArmBinaryEndpoint("response", TwoArmBinary(bt.Binary(12, 20), bt.Binary(5, 20)))
    >>> post = ep.exact(ep.as_analysis_prior(bt.Beta(1, 1)))
    >>> round(float(post["risk_difference"].sf(0.0)), 4)     # P(theta1 > theta2)
    0.9861
    """

    name: str
    data: TwoArmBinary
    direction: str = "greater"
    measures: tuple = ()
    margins: tuple = ()
    label: str = ""
    treatment_label: str = ""
    control_label: str = ""
    pairings: tuple = ()
    printed: tuple = ()
    decision: object = None

    kind = "two_arm_binary"
    arm_family = "beta"
    prior_family = "beta"
    contrast_names = ("risk_difference", "risk_ratio", "odds_ratio", "vaccine_efficacy")
    default_measures = ("risk_difference", "risk_ratio", "odds_ratio")
    arm_quantities = ("p_treatment", "p_control")

    def __post_init__(self):
        if not isinstance(self.data, TwoArmBinary):
            raise DataError(
                f"needs TwoArmBinary data, got {type(self.data).__name__}", field="data"
            )
        self._validate()

    @staticmethod
    def reference_priors() -> dict:
        return {
            "jeffreys": TwoArmPrior(Beta(0.5, 0.5), Beta(0.5, 0.5)),
            "uniform": TwoArmPrior(Beta(1.0, 1.0), Beta(1.0, 1.0)),
        }

    def quantities(self, prior: TwoArmPrior | Distribution) -> tuple:
        return tuple(
            self._quantity(n, "Beta posterior" if n in self.arm_quantities else "quadrature")
            for n in (*self.arm_quantities, *self.measures)
        )

    def exact(self, prior: TwoArmPrior | Distribution) -> dict:
        prior = self.as_analysis_prior(prior)
        self.check_prior(prior)
        post_t, post_c = ex.arm_posteriors(prior, self.data)
        return {
            "p_treatment": post_t,
            "p_control": post_c,
            **ex.contrasts(post_t, post_c, self.measures),
        }

    def structure(self, prior: TwoArmPrior | Distribution) -> tuple:
        return (mdl.BINARY,)

    @staticmethod
    def build_model(structure: tuple):
        return mdl.build_binary_model(structure)

    def model_inputs(self, prior: TwoArmPrior | Distribution) -> dict:
        prior = self.as_analysis_prior(prior)
        self.check_prior(prior)
        return mdl.binary_inputs(self.data, prior)

    def reference(self, level: float = CRED_LEVEL) -> TwoArmReference:
        return binary_reference(self.data, level, self.direction)

    def identity_checks(self, reference: TwoArmReference, fits: dict, level: float) -> list:
        arms = {a: ("binomial", getattr(self.data, a)) for a in ("treatment", "control")}
        return chk.altham_check(
            self.name, self.data, reference, self.direction
        ) + chk.weight_checks(self.name, arms, fits)


# =====================================================================================
# two Poisson arms
# =====================================================================================
@dataclass(frozen=True)
class TwoArmRateEndpoint(TwoArmEndpoint):
    """Events over exposure (person-time) in a treatment and a control arm.

    Parameters are as for :class:`TwoArmBinaryEndpoint`; ``measures`` from ``rate_ratio``,
    ``rate_difference`` (default both) and ``vaccine_efficacy``; ``unit`` names the exposure
    unit (``"1000 person-years"``). Priors: a TwoArmPrior of Gamma (mixtures), a
    :class:`~bayes_trials.endpoints.two_arm.priors.CaseSplitPrior` or a
    :class:`~bayes_trials.LogRRPrior` (the control rate as its baseline).

    Notes
    -----
    Independent rates: :math:`\\lambda_k \\sim` Gamma (mixture), :math:`y_k \\sim
    \\text{Poisson}(\\lambda_k E_k)`; RR :math:`= \\lambda_1/\\lambda_2` a scaled beta-prime, the
    rate difference by quadrature. Case split: given :math:`n = y_1 + y_2`,
    :math:`y_1 \\sim \\text{Bin}(n, \\theta)`, :math:`\\theta \\sim` Beta (mixture),
    :math:`\\text{RR} = (E_2/E_1)\\,\\theta/(1-\\theta)` (the rates themselves are not
    identified; no rate difference). Log-linear: :math:`\\log \\text{RR} \\sim` Normal (mixture),
    the control rate Gamma, :math:`y_1 \\sim \\text{Poisson}(\\lambda_2 \\text{RR} E_1)`; the
    marginal posterior of log RR by quadrature.

    Example
    -------
    >>> import bayes_trials as bt
    >>> from bayes_trials.endpoints.two_arm import TwoArmRates, CaseSplitPrior
    >>> ep = TwoArmRateEndpoint("covid19", TwoArmRates(bt.Rate(8, 2.214), bt.Rate(162, 2.222)),
    ...                         direction="less", measures=("rate_ratio", "vaccine_efficacy"),
    ...                         margins={"vaccine_efficacy": 0.3})
    >>> ve = ep.exact(CaseSplitPrior(bt.Beta(0.700102, 1)))["vaccine_efficacy"]
    >>> [round(100 * x, 1) for x in ve.interval(0.95)]          # Polack et al. 2020: 90.3 to 97.6
    [90.3, 97.6]
    """

    name: str
    data: TwoArmRates
    direction: str = "less"
    measures: tuple = ()
    margins: tuple = ()
    label: str = ""
    treatment_label: str = ""
    control_label: str = ""
    pairings: tuple = ()
    printed: tuple = ()
    decision: object = None
    unit: str = ""

    kind = "two_arm_rate"
    arm_family = "gamma"
    prior_family = "gamma"
    contrast_names = ("rate_ratio", "rate_difference", "vaccine_efficacy")
    default_measures = ("rate_ratio", "rate_difference")
    arm_quantities = ("rate_treatment", "rate_control")

    def __post_init__(self):
        if not isinstance(self.data, TwoArmRates):
            raise DataError(f"needs TwoArmRates data, got {type(self.data).__name__}", field="data")
        self._validate()

    @staticmethod
    def reference_priors() -> dict:
        g = jeffreys_rate()
        return {"jeffreys": TwoArmPrior(g, g)}

    def check_model_prior(self, prior: TwoArmPrior | Distribution) -> None:
        if isinstance(prior, (CaseSplitPrior, LogRRPrior)):
            return
        extra = (
            " (a TwoRatePrior is for rates before and after treatment in one group)"
            if isinstance(prior, TwoRatePrior)
            else ""
        )
        raise PriorError(
            f"a two_arm_rate endpoint takes a TwoArmPrior of Gamma priors, a Gamma prior for both "
            f"arms, a CaseSplitPrior or a LogRRPrior, got {prior!r}{extra}",
            endpoint=self.name,
            field="prior",
        )

    def quantities(self, prior: TwoArmPrior | Distribution) -> tuple:
        prior = self.as_analysis_prior(prior)
        if isinstance(prior, CaseSplitPrior):
            names = ("case_split", *(m for m in self.measures if m != "rate_difference"))
            return tuple(self._quantity(n, "case-split Beta posterior") for n in names)
        if isinstance(prior, LogRRPrior):
            return tuple(
                self._quantity(n, "log-linear quadrature")
                for n in self.measures
                if n != "rate_difference"
            )
        return tuple(
            self._quantity(n, "Gamma posterior" if n in self.arm_quantities else "")
            for n in (*self.arm_quantities, *self.measures)
        )

    def exact(self, prior: TwoArmPrior | Distribution) -> dict:
        prior = self.as_analysis_prior(prior)
        self.check_prior(prior)
        if isinstance(prior, CaseSplitPrior):
            share = ex.case_split_share(prior, self.data)
            rr = ex.case_split_ratio(prior, self.data)
            out = {"case_split": share, "rate_ratio": rr}
        elif isinstance(prior, LogRRPrior):
            rr = ex.log_linear_ratio(prior, self.data, label=f"{self.name}, {prior.log_rr!r}")
            out = {"rate_ratio": rr}
        else:
            post_t, post_c = ex.arm_posteriors(prior, self.data)
            return {
                "rate_treatment": post_t,
                "rate_control": post_c,
                **ex.contrasts(post_t, post_c, self.measures),
            }
        if "vaccine_efficacy" in self.measures:
            out["vaccine_efficacy"] = OneMinus(rr)
        return {k: d for k, d in out.items() if k == "case_split" or k in self.measures}

    def structure(self, prior: TwoArmPrior | Distribution) -> tuple:
        """The compile keys of the rates kinds (one aggregate model for independent rate
        priors and the log-linear model) and of the binary kind (the case split): one compiled
        model each, shared with those kinds."""
        prior = self.as_analysis_prior(prior)
        if isinstance(prior, CaseSplitPrior):
            return ("binary",)
        return (AGGREGATE,)

    @staticmethod
    def build_model(structure: tuple):
        if structure[0] == "binary":
            return BinaryEndpoint.build_model(structure)
        return build_aggregate_model(structure)

    def model_inputs(self, prior: TwoArmPrior | Distribution) -> dict:
        prior = self.as_analysis_prior(prior)
        self.check_prior(prior)
        d = self.data
        if isinstance(prior, CaseSplitPrior):
            # the binary kind's model of y_t | y_t + y_c ~ Bin(y_t + y_c, theta)
            total = d.treatment.events + d.control.events
            share = ex.case_split_share(prior, d)
            return BINARY_INPUTS.pack(
                **input_rows(prior.share, total, d.treatment.events, share.mean)
            )
        if not isinstance(prior, LogRRPrior):
            prior = TwoRatePrior(before=prior.control, after=prior.treatment)
        return aggregate_inputs(ex.as_pre_post(d), prior)

    def tidy_posterior(self, tree: Any) -> Any:
        """The draws a result keeps: the aggregate model's named deterministics without its
        internal parameter (the case-split model's tree as sampled)."""
        if "theta" in tree["posterior"]:  # the case split (the binary kind's model)
            return tree
        return tidy_aggregate(tree)

    def draws(self, tree: Any) -> dict:
        post = tree["posterior"]
        if "theta" in post:  # the case split
            rr = self.data.exposure_ratio * post["theta"] / (1 - post["theta"])
            out = {"case_split": post["theta"], "rate_ratio": rr}
        else:
            rr = post["rate_ratio"]
            out = {"rate_ratio": rr}
            # both rates are sampled under either prior family; the quantities of the
            # analysis (:meth:`quantities`) pick what is compared with the exact answer
            out.update(
                rate_treatment=post["rate_after"],
                rate_control=post["rate_before"],
                rate_difference=post["rate_after"] - post["rate_before"],
            )
        out["vaccine_efficacy"] = 1 - rr
        return out

    def strata(self, prior: TwoArmPrior | Distribution) -> list | None:
        prior = self.as_analysis_prior(prior)
        if isinstance(prior, CaseSplitPrior):
            if not isinstance(prior.share, Mixture):
                return None
            total = self.data.treatment.events + self.data.control.events
            post = ex.case_split_share(prior, self.data) if total else prior.share
            return [(w, CaseSplitPrior(c)) for w, c in zip(post.weights, prior.share.components)]
        return super().strata(prior)

    def reference(self, level: float = CRED_LEVEL) -> TwoArmReference:
        return rates_reference(self.data, level, self.direction)

    def identity_checks(self, reference: TwoArmReference, fits: dict, level: float) -> list:
        arms = {a: ("poisson", getattr(self.data, a)) for a in ("treatment", "control")}
        return chk.case_split_checks(self.name, self.data, reference, level) + chk.weight_checks(
            self.name, arms, fits
        )


# =====================================================================================
# two normal arms
# =====================================================================================
@dataclass(frozen=True)
class TwoArmNormalEndpoint(TwoArmEndpoint):
    """A mean in a treatment and a control arm; the difference of the means.

    Parameters are as for :class:`TwoArmBinaryEndpoint`; ``measures`` is ``("difference",)``;
    ``sigma`` is ``"known"`` (each arm's standard error taken as known) or ``"estimated"``
    (each arm's sample sd and n: the Jeffreys prior :math:`1/\\sigma_k` per arm, integrated out).

    Notes
    -----
    Known: :math:`\\bar y_k \\sim N(\\mu_k, \\text{se}_k^2)`, :math:`\\mu_k \\sim` Normal (mixture) or
    flat; conjugate posteriors, the difference a Normal (mixture). Estimated:
    :math:`\\bar y_k \\sim N(\\mu_k, \\sigma_k^2/n_k)`, :math:`(n_k-1)s_k^2/\\sigma_k^2 \\sim
    \\chi^2_{n_k-1}`, :math:`p(\\sigma_k) \\propto 1/\\sigma_k`: under flat priors each mean is a
    t posterior and the difference the Behrens-Fisher distribution (quadrature).

    Example
    -------
    >>> from bayes_trials.endpoints.two_arm import NormalArm, TwoArmNormal
    >>> data = TwoArmNormal(NormalArm(-8.2, sd=11.0, n=40), NormalArm(-2.1, sd=10.0, n=38))
    >>> ep = TwoArmNormalEndpoint("bp_change", data, direction="less", sigma="estimated")
    >>> round(float(ep.exact(ep.reference_priors()["flat"])["difference"].cdf(0.0)), 4)   # P(mu1 < mu2)
    0.9932
    """

    name: str
    data: TwoArmNormal
    direction: str = "greater"
    measures: tuple = ()
    margins: tuple = ()
    label: str = ""
    treatment_label: str = ""
    control_label: str = ""
    pairings: tuple = ()
    printed: tuple = ()
    decision: object = None
    sigma: str = "known"

    kind = "two_arm_normal"
    arm_family = "normal"
    prior_family = "normal"
    contrast_names = ("difference",)
    default_measures = ("difference",)
    arm_quantities = ("mean_treatment", "mean_control")

    def __post_init__(self):
        if not isinstance(self.data, TwoArmNormal):
            raise DataError(
                f"needs TwoArmNormal data, got {type(self.data).__name__}", field="data"
            )
        v.one_of(self.sigma, SIGMA_MODES, "sigma", DataError)
        if self.sigma == "estimated" and not self.data.has_sd:
            raise DataError("sigma 'estimated' needs each arm's sd and n", field="sigma")
        self._validate()

    @staticmethod
    def reference_priors() -> dict:
        return {"flat": TwoArmPrior(FLAT, FLAT)}

    def as_analysis_prior(self, prior: TwoArmPrior | Distribution) -> TwoArmPrior:
        if isinstance(prior, FlatPrior):
            return TwoArmPrior(prior, prior)
        return super().as_analysis_prior(prior)

    def quantities(self, prior: TwoArmPrior | Distribution) -> tuple:
        return tuple(self._quantity(n) for n in (*self.arm_quantities, *self.measures))

    def exact(self, prior: TwoArmPrior | Distribution) -> dict:
        prior = self.as_analysis_prior(prior)
        self.check_prior(prior)
        post_t = ex.normal_arm_posterior(prior.treatment, self.data.treatment, self.sigma)
        post_c = ex.normal_arm_posterior(prior.control, self.data.control, self.sigma)
        return {
            "mean_treatment": post_t,
            "mean_control": post_c,
            **ex.contrasts(post_t, post_c, self.measures),
        }

    def structure(self, prior: TwoArmPrior | Distribution) -> tuple:
        return (mdl.NORMAL, self.sigma)

    @staticmethod
    def build_model(structure: tuple):
        return mdl.build_normal_model(structure)

    def model_inputs(self, prior: TwoArmPrior | Distribution) -> dict:
        prior = self.as_analysis_prior(prior)
        self.check_prior(prior)
        return mdl.normal_inputs(self.data, prior, self.sigma)

    def _weights_known(self, prior) -> bool:
        return self.sigma == "known"

    def arm_data(self, arm: str) -> Any:
        return getattr(self.data, arm).as_normal_data()

    def _ess_sigma(self, arm):
        a = getattr(self.data, arm)
        return a.sd if a.sd is not None else a.standard_error

    def reference(self, level: float = CRED_LEVEL) -> TwoArmReference:
        return normal_reference(self.data, level, self.direction)

    def identity_checks(self, reference: TwoArmReference, fits: dict, level: float) -> list:
        return chk.z_interval_check(self.name, reference, fits, level) + chk.behrens_fisher_checks(
            self.name, reference, fits, level
        )


__all__ = [
    "TwoArmEndpoint",
    "TwoArmBinaryEndpoint",
    "TwoArmRateEndpoint",
    "TwoArmNormalEndpoint",
    "ZERO_EVENTS_TARGET_ACCEPT",
    "SIGMA_MODES",
]
