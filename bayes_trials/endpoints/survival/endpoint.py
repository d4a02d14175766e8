"""The ``time_to_event`` endpoint: one set of patients, several survival models per prior.

Each named prior is a :class:`~bayes_trials.endpoints.survival.SurvivalPrior` (one part per
model); :meth:`TimeToEventEndpoint.analyses` returns one analysis per (model, prior), named
``"<model>-<prior>"`` (the fit's seed derives from that name), whose model is the
:class:`~bayes_trials.ExponentialSurvival`, :class:`~bayes_trials.WeibullSurvival` or
:class:`~bayes_trials.PiecewiseExponentialSurvival` built on the endpoint's data.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ... import _validate as v
from ..._constants import CRED_LEVEL
from ...checks import KINDS, Check, pct, published_checks
from ...data import TimeToEvent
from ...distributions import Gamma
from ...errors import DataError, PriorError
from ..base import Analysis, EndpointBase
from . import report
from .model import ExponentialSurvival, group_name, renamed_keywords
from .piecewise import PiecewiseExponentialSurvival
from .priors import MODELS, SurvivalPrior
from .reference import PublishedRecord, SurvivalReference, km_fit
from .weibull import WeibullSurvival

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TIME_UNITS = ("days", "weeks", "months", "years")

#: the largest excess of the digitised curve over the reconstructed Kaplan-Meier, beyond one
#: patient's step 1/n(t), that is put down to read-off error
READ_OFF_TOL = 0.01

ASSUMED_PRINTED = (
    "the 'printed' number is itself assumed (simulated): this tests the curve "
    "reconstruction, not a paper"
)


@renamed_keywords(benchmark="target", reference="reference_group")
@dataclass(frozen=True, eq=False)
class TimeToEventEndpoint(EndpointBase):
    """A time-to-event endpoint fitted with several survival models (the spec kind ``time_to_event``).

    Parameters
    ----------
    name : str
    data : TimeToEvent
        Patient data, or data reconstructed from a digitised Kaplan-Meier curve
        (:func:`bayes_trials.reconstruct_ipd`; then ``reconstruction`` holds the curve and
        the at-risk table).
    landmark : float
        Primary landmark :math:`t^*` (in ``time_unit``): survival :math:`S(t^*)`, compared
        with Kaplan-Meier and with ``target``.
    landmarks : tuple of float
        Further landmarks reported (survival per model and Kaplan-Meier).
    horizon : float, optional
        RMST horizon :math:`\\tau`; defaults to the landmark.
    target : float in (0, 1), optional
        Target survival at the landmark (the null): :math:`P(S(t^*) > s_0)` is reported.
        (``benchmark=`` is the deprecated name.)
    models : tuple of {"exponential", "weibull", "piecewise"}
    cuts : tuple of float, optional
        Interior cut points of the piecewise model; else ``n_pieces`` quantile cuts.
    n_pieces : int
    reference_group : label, optional
        Reference group for two groups (hazard ratio other / reference). (``reference=`` is
        the deprecated name.)
    time_unit : str
    label : str
    reconstruction : dict, optional
        ``curve`` and ``at_risk`` tables (and the reconstructed ``ipd``) of a digitised curve.

    Notes
    -----
    Each model is one of :class:`~bayes_trials.ExponentialSurvival`,
    :class:`~bayes_trials.WeibullSurvival`, :class:`~bayes_trials.PiecewiseExponentialSurvival`
    (see their Notes for the likelihoods and priors), built on the same data and landmark; a
    prior is a :class:`SurvivalPrior` holding one part per model. The exponential model's
    posterior is exact (:math:`\\text{Gamma}(s + D, r + E)`) and checks its MCMC fit.

    Example
    -------
    >>> import math
    >>> import bayes_trials as bt
    >>> data = bt.TimeToEvent([2.0, 5.0, 7.0, 11.0, 14.0, 20.0], [1, 1, 0, 1, 0, 0])
    >>> ep = bt.TimeToEventEndpoint("efs", data, landmark=12.0, target=0.3, models=("exponential",))
    >>> [a.name for a in ep.analyses(ep.reference_priors())]
    ['exponential-vague']
    >>> res = bt.analyse(ep, method="exact")
    >>> row = res.table().set_index("quantity").loc["survival[all]"]
    >>> post = bt.Gamma(0.5 + 3, 1e-3 + 59.0)                 # Gamma(s + D, r + E)
    >>> bool(abs(row["exact_prob"] - post.cdf(-math.log(0.3) / 12)) < 1e-12)
    True
    """

    name: str
    data: TimeToEvent
    landmark: float
    landmarks: tuple = ()
    horizon: float | None = None
    target: float | None = None
    models: tuple = MODELS
    cuts: tuple | None = None
    n_pieces: int = 4
    reference_group: object = None
    time_unit: str = "months"
    label: str = ""
    reconstruction: dict | None = field(default=None, repr=False)

    kind: ClassVar[str] = "time_to_event"
    prior_family: ClassVar[str] = "survival"
    parameter: ClassVar[str] = "survival_landmark"
    direction: ClassVar[str] = "greater"

    def __post_init__(self):
        if not isinstance(self.data, TimeToEvent):
            raise DataError(f"needs TimeToEvent data, got {type(self.data).__name__}", field="data")
        models = tuple(self.models)
        if not models:
            raise DataError("needs at least one model", field="models")
        for m in models:
            v.one_of(m, MODELS, "models", DataError)
        if len(set(models)) != len(models):
            raise DataError(f"a model is listed twice: {list(models)}", field="models")
        object.__setattr__(self, "models", tuple(m for m in MODELS if m in models))
        v.one_of(self.time_unit, TIME_UNITS, "time_unit", DataError)
        object.__setattr__(self, "landmark", v.positive(self.landmark, "landmark"))
        marks = [v.positive(t, f"landmarks[{i}]") for i, t in enumerate(self.landmarks)]
        object.__setattr__(self, "landmarks", tuple(sorted(set(marks) | {self.landmark})))
        last = float(self.data.time.max())
        for fld, t in [("landmark", self.landmark), *(("landmarks", t) for t in self.landmarks)] + (
            [("horizon", self.horizon)] if self.horizon is not None else []
        ):
            if t > last:
                raise DataError(
                    f"{t:g} {self.time_unit} is beyond the last follow-up time {last:g}; "
                    "the Kaplan-Meier reference is undefined there",
                    field=fld,
                )
        if not self.label:
            object.__setattr__(self, "label", self.name)
        # the models are built now: their validation (cuts, groups, target) runs here
        common = dict(
            name=self.name,
            data=self.data,
            landmark=self.landmark,
            target=self.target,
            horizon=self.horizon,
            reference_group=self.reference_group,
            label=self.label,
        )
        build = {
            "exponential": lambda: ExponentialSurvival(**common),
            "weibull": lambda: WeibullSurvival(**common),
            "piecewise": lambda: PiecewiseExponentialSurvival(
                **common, cuts=self.cuts, n_pieces=self.n_pieces
            ),
        }
        subs = {m: build[m]() for m in self.models}
        object.__setattr__(self, "_subs", subs)
        object.__setattr__(self, "horizon", next(iter(subs.values())).horizon)

    @property
    def benchmark(self):
        """Deprecated name of :attr:`target`."""
        warnings.warn("'benchmark' is deprecated; use 'target'", DeprecationWarning, stacklevel=2)
        return self.target

    @property
    def submodels(self) -> dict:
        """Model name -> the model (ExponentialSurvival, WeibullSurvival, ...)."""
        return dict(self._subs)

    @property
    def groups(self) -> tuple:
        return next(iter(self._subs.values())).groups

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    def describe_target(self) -> str:
        return (
            f"P(S({self.landmark:g}) > {self.target:g})"
            if self.target is not None
            else f"S({self.landmark:g})"
        )

    def describe_data(self) -> str:
        d = self.data
        g = "" if d.group is None else f", groups {list(self.groups)}"
        how = ", reconstructed from a digitised Kaplan-Meier curve" if self.reconstruction else ""
        return (
            f"{d.n} patients, {d.events} events, {d.exposure:.4g} patient-{self.time_unit} at risk"
            f"{g}{how}"
        )

    # --- priors and analyses ------------------------------------------------------------
    def check_prior(self, prior: object) -> None:
        if not isinstance(prior, SurvivalPrior):
            raise PriorError(
                f"a time_to_event endpoint takes a SurvivalPrior, got {prior!r}", field="prior"
            )

    def reference_priors(self) -> dict:
        return {"vague": SurvivalPrior.vague(self.landmark)}

    def analyses(self, priors: dict) -> list[Analysis]:
        """One analysis per (model, prior), model by model, named ``"<model>-<prior>"``: the
        name the per-fit seed has always been derived from."""
        return [
            Analysis(f"{m}-{pname}", pname, sub, prior, m)
            for m, sub in self._subs.items()
            for pname, prior in priors.items()
        ]

    # --- frequentist reference and checks ------------------------------------------------
    def published_quantities(self) -> tuple:
        """One group: the Kaplan-Meier S(landmark) and its interval; two: the Cox hazard
        ratio, its Wald interval and the log-rank p-value."""
        return ("estimate", "ci_low", "ci_high") + (("p_value",) if self.n_groups == 2 else ())

    def interval_methods(self) -> tuple:
        return ("greenwood", "loglog") if self.n_groups == 1 else ("cox-wald",)

    def reference(self, level: float = CRED_LEVEL) -> SurvivalReference:
        """Kaplan-Meier (Greenwood, log-log), exponential and Weibull fits; Cox, log-rank and
        Weibull AFT for two groups (lifelines)."""
        return next(iter(self._subs.values())).reference(level)

    def frequentist(self, level: float = CRED_LEVEL) -> SurvivalReference:
        """Deprecated name of :meth:`reference`."""
        warnings.warn(
            "frequentist() is deprecated; use reference()", DeprecationWarning, stacklevel=2
        )
        return self.reference(level)

    def published_checks(
        self, reference: SurvivalReference, published: Any, assumed_data: bool = False
    ) -> list[Check]:
        """Printed numbers against the recomputed Kaplan-Meier (one group) or Cox / log-rank
        (two groups) and, for a digitised curve, the reconstruction against the printed curve
        and numbers at risk.

        The data are patients (or patients reconstructed from a curve), never a scenario of
        counts chosen to reproduce a printed number, so ``assumed_data`` does not turn these
        checks into checks "by construction"; a printed number that is itself assumed
        (an illustrative curve's) is said to test the reconstruction, not a paper.
        """
        out = []
        for c in published_checks(self.name, PublishedRecord.of(reference), published):
            if c.provenance == "assumed":
                c = dataclasses.replace(c, message=f"{c.message}; {ASSUMED_PRINTED}")
            out.append(c)
        if self.reconstruction:
            out += self.reconstruction_checks(reference.level)
        return out

    def reconstruction_table(self) -> pd.DataFrame | None:
        """Printed numbers at risk against those of the reconstructed patients (None for patient data)."""
        rec = self.reconstruction
        if not rec:
            return None
        at = rec["at_risk"]
        t = self.data.time
        last = float(rec["curve"]["time"].max())
        rows = [
            {
                "time": float(a),
                "n_at_risk_printed": int(n),
                "n_at_risk_reconstructed": int((t >= a).sum()) if a <= last else None,
            }
            for a, n in zip(at["time"], at["n_at_risk"])
        ]
        return pd.DataFrame(rows).set_index("time")

    def reconstruction_fit(self, level: float = CRED_LEVEL) -> tuple[float, float, float]:
        """Largest :math:`|\\hat S_\\text{rec}(T_k) - S_k|` over the digitised points, and the
        largest excess over one patient's step :math:`1/n(T_k)` with the time it occurs at
        (a point on the vertical of a step may be read at either corner)."""
        rec = self.reconstruction
        kmf = km_fit(self.data, level)
        tk = rec["curve"]["time"].to_numpy(float)
        sk = rec["curve"]["survival"].to_numpy(float)
        s_rec = kmf.survival_function_at_times(tk).to_numpy(float)
        s_left = kmf.survival_function_at_times(np.maximum(tk - 1e-9, 0)).to_numpy(float)
        diff = np.minimum(np.abs(s_rec - sk), np.abs(s_left - sk))
        n_at = np.array([max(int((self.data.time >= x).sum()), 1) for x in tk])
        excess = diff - 1.0 / n_at
        i = int(np.argmax(excess))
        return float(diff.max()), float(excess[i]), float(tk[i])

    def reconstruction_checks(self, level: float = CRED_LEVEL) -> list[Check]:
        """Numbers at risk equal at every printed time within the curve; the digitised curve
        within one patient's step plus :data:`READ_OFF_TOL` of the reconstructed Kaplan-Meier."""
        shown = self.reconstruction_table().dropna()
        same = bool((shown["n_at_risk_printed"] == shown["n_at_risk_reconstructed"]).all())
        worst, excess, at = self.reconstruction_fit(level)
        ok = excess <= READ_OFF_TOL
        return [
            Check(
                self.name,
                KINDS[0],
                "numbers at risk: printed vs reconstructed patients",
                None,
                None,
                "equal at every at-risk time within the curve",
                same,
                f"{len(shown)} at-risk times, {'all equal' if same else 'some differ'}: "
                + ", ".join(
                    f"t={t:g}: {int(r.n_at_risk_printed)} vs {int(r.n_at_risk_reconstructed)}"
                    for t, r in shown.iterrows()
                ),
            ),
            Check(
                self.name,
                KINDS[0],
                "digitised curve vs Kaplan-Meier of the reconstructed patients",
                worst,
                None,
                f"|difference| <= one patient's step 1/n(t) + {READ_OFF_TOL:g} read-off error",
                ok,
                f"largest difference {worst:.4f}; beyond one step by at most {max(excess, 0):.4f} "
                f"(at t={at:g})",
            ),
        ]

    def reference_checks(
        self, ref: SurvivalReference, fits: dict, level: float = CRED_LEVEL
    ) -> list[Check]:
        """Each model under the vague preset against the frequentist reference.

        - :math:`S(t^*)`: the Kaplan-Meier estimate inside the posterior's equal-tailed
          credible interval, and the posterior median inside the Greenwood interval (a model
          that fails does not describe the data at the landmark);
        - exponential hazard: the exact vague-prior ETI, of Gamma(D + 1/2, E + 0.001), inside
          the exact Poisson (Garwood) interval, whose ends are quantiles of Gamma(D, E) and
          Gamma(D + 1, E) (a containment that holds up to the prior's 0.001);
        - two groups: the Cox hazard ratio inside the posterior hazard ratio's interval.
        """
        p = pct(level)
        L = self.landmark
        out = []
        for name, fit in fits.items():
            if getattr(fit.prior, "preset", "") != "vague":
                continue
            model, sub = fit.analysis.model_name, fit.model
            src = "" if fit.posterior is not None else "exact_"
            for g in self.groups:
                row = fit.rows[f"survival[{group_name(g)}]"]
                lo, med, hi = row[f"{src}eti{p}_low"], row[f"{src}median"], row[f"{src}eti{p}_high"]
                km_s = ref.km_survival[g]
                glo, ghi = ref.km_greenwood[g]
                ok = bool(lo <= km_s <= hi and glo <= med <= ghi)
                gl = "" if g is None else f" [{g}]"
                out.append(
                    Check(
                        self.name,
                        KINDS[2],
                        f"S({L:g}){gl}, {model} under the vague prior vs Kaplan-Meier (Greenwood)",
                        float(med),
                        km_s,
                        f"KM inside the {p}% CrI and posterior median inside the {p}% Greenwood CI",
                        ok,
                        f"posterior median {med:.3f} ({p}% CrI {lo:.3f} to {hi:.3f}); Kaplan-Meier {km_s:.3f} "
                        f"(Greenwood {glo:.3f} to {ghi:.3f})"
                        + (
                            ""
                            if ok
                            else f": the {model} model does not describe the data at the landmark"
                        ),
                        prior=name,
                    )
                )
                if model == "exponential":
                    post = sub.hazard_posteriors(fit.prior)[g]
                    if not isinstance(post, Gamma):
                        continue
                    elo, ehi = post.interval(level, "eti")
                    flo, fhi = ref.exp_hazard_ci[g]
                    inside = bool(flo <= elo and ehi <= fhi)
                    out.append(
                        Check(
                            self.name,
                            KINDS[2],
                            f"hazard{gl}: exact {p}% ETI under the vague prior inside the "
                            "exact Poisson (Garwood) interval",
                            None,
                            None,
                            "containment",
                            inside,
                            f"Bayes [{elo:.4g}, {ehi:.4g}] {'within' if inside else 'not within'} Garwood "
                            f"[{flo:.4g}, {fhi:.4g}] (Gamma(D + 1/2, E) lies between Gamma(D, E) and "
                            "Gamma(D + 1, E), the Garwood ends)",
                            prior=name,
                        )
                    )
            if self.n_groups == 2 and fit.posterior is not None and ref.cox_hr is not None:
                row = fit.rows[f"hazard_ratio[{sub.hr_name()}]"]
                lo, med, hi = row[f"eti{p}_low"], row["median"], row[f"eti{p}_high"]
                ok = bool(lo <= ref.cox_hr <= hi)
                out.append(
                    Check(
                        self.name,
                        KINDS[2],
                        f"hazard ratio, {model} under the vague prior vs Cox",
                        float(med),
                        ref.cox_hr,
                        f"Cox HR inside the {p}% CrI",
                        ok,
                        f"posterior median {med:.3f} ({p}% CrI {lo:.3f} to {hi:.3f}); Cox {ref.cox_hr:.3f}",
                        prior=name,
                    )
                )
        return out

    # --- report parts ---------------------------------------------------------------------
    def report_sections(self, result: Any) -> list:
        return report.report_sections(result)

    def sentences(self, result: Any) -> list[str]:
        return report.sentences(result)

    def figure(self, result: Any) -> Figure:
        return report.figure(result)

    def figure_caption(self, result: Any) -> str:
        return report.figure_caption(result)

    def benchmark_table(self, result: Any) -> pd.DataFrame:
        return report.benchmark_table(result)
