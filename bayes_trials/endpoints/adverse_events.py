"""Adverse events: a table of event counts out of ``n``, grouped by body system.

Independent analysis (exact)
----------------------------
.. math::

    \\theta_j \\sim \\text{Beta}(a, b), \\qquad y_j \\sim \\text{Binomial}(n_j, \\theta_j)
    \\quad\\Rightarrow\\quad \\theta_j \\mid y_j \\sim \\text{Beta}(a + y_j, b + n_j - y_j),

with the one-sided upper credible bound :math:`F^{-1}(0.95)` beside the frequentist
Clopper-Pearson one-sided upper bound and, for zero events, the rule of three :math:`3/n`.

Hierarchical model (Berry and Berry 2004, three levels, non-centred)
-------------------------------------------------------------------
For event :math:`j` of group (body system) :math:`g[j]`:

.. math::

    y_j &\\sim \\text{Binomial}(n_j, \\operatorname{logit}^{-1} x_j), &
    x_j &= \\gamma_{g[j]} + \\sigma_{g[j]}\\, z_j, & z_j &\\sim N(0, 1)\\\\
    \\gamma_g &= \\mu + \\tau\\, u_g, & u_g &\\sim N(0, 1), &
    \\mu &\\sim N(m_0, s_0^2)\\\\
    \\sigma_g &\\sim \\text{Half-Normal}(c_\\sigma) \\text{ or Half-Cauchy}(c_\\sigma), &
    \\tau &\\sim \\text{Half-Normal}(c_\\tau) \\text{ or Half-Cauchy}(c_\\tau) &&

so :math:`x_j \\mid \\gamma, \\sigma \\sim N(\\gamma_{g[j]}, \\sigma_{g[j]}^2)` (events
of a group resemble each other) and :math:`\\gamma_g \\sim N(\\mu, \\tau^2)` (groups resemble
each other). Either scale may instead be fixed at a value, which gives the limiting cases:
:math:`\\sigma \\to 0` pools the events of a group, :math:`\\sigma \\to \\infty` analyses them
independently. Estimands: each event's rate :math:`\\theta_j = \\operatorname{logit}^{-1} x_j`,
the group rates :math:`\\operatorname{logit}^{-1}\\gamma_g`, and the shrinkage of each event
toward its group (:meth:`AdverseEventsEndpoint.hierarchical_summary`).

Berry and Berry use a within-group variance per body system with a common inverse-gamma
prior; here each group has its own :math:`\\sigma_g` under a common half-normal or
half-Cauchy prior (Gelman 2006). **A group with one event** is allowed: its
:math:`\\sigma_g` is then informed by its prior alone, and the event's logit is, marginally,
:math:`N(\\mu, \\tau^2 + \\sigma_g^2)`: it is shrunk toward the overall mean :math:`\\mu`
(learnt from the other groups) by an amount the two scale priors set, not toward
other events of its own group. A table with a single group is allowed too; :math:`\\mu`
and :math:`\\tau` then add prior variance only.

Compiling: the number of events and groups fix the number of free parameters, so the model
is padded to size classes (8, 16, 32, ... events; 4, 8, 16, ... groups); padded events have
:math:`n = 0` and padded groups no events, so they sample their priors and are dropped from
every output. One compile serves every table of a size class and every prior (the
hyperparameters, the scale families and the fixed values are all ``pm.Data``).

References
----------
Berry SM, Berry DA. Accounting for multiplicities in assessing drug safety: a three-level
hierarchical mixture model. Biometrics 2004;60:418-26. doi:10.1111/j.0006-341X.2004.00186.x

Gelman A. Prior distributions for variance parameters in hierarchical models. Bayesian
Analysis 2006;1:515-34. doi:10.1214/06-BA117A

Hanley JA, Lippman-Hand A. If nothing goes wrong, is everything all right? Interpreting
zero numerators. JAMA 1983;249:1743-5. doi:10.1001/jama.1983.03330370053031

Example
-------
>>> table = AdverseEventTable([
...     ("neutropenia grade>=3", "haematological", 12, 12),
...     ("ICANS", "immune effector", 0, 12),
... ])
>>> ep = AdverseEventsEndpoint("safety", table)
>>> row = ep.independent_summary().loc["ICANS"]
>>> [round(float(row[c]), 4) for c in ("upper95", "cp_upper95", "rule_of_three")]
[0.2058, 0.2209, 0.25]
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import special, stats
from statsmodels.stats.proportion import proportion_confint

from .. import _validate as v
from ..errors import DataError, PriorError
from ..priors import CRED_LEVEL, Beta, HalfCauchy, HalfNormal, Normal

COLUMNS = ("term", "group", "count", "n")
#: smallest padded sizes of the hierarchical model (events, groups)
MIN_EVENTS, MIN_GROUPS = 8, 4


# --------------------------------------------------------------------------------------
# the table


@dataclass(frozen=True)
class AdverseEvent:
    """One row: ``count`` of ``n`` patients had the event ``term`` (of body system ``group``)."""

    term: str
    group: str
    count: int
    n: int

    @property
    def proportion(self) -> float:
        return self.count / self.n


def _row_error(msg, i, term, column, source, endpoint):
    where = f"row {i}" + (f" (term {term!r})" if isinstance(term, str) and term else "")
    return DataError(f"{where}: {msg}", file=source, endpoint=endpoint, field=column)


@dataclass(frozen=True, init=False)
class AdverseEventTable:
    """Adverse-event counts: one row per event term, with its group (body system).

    Parameters
    ----------
    rows : iterable
        Each row a mapping with keys ``term``, ``group``, ``count``, ``n`` or a tuple in
        that order; or a ``pandas.DataFrame`` with those columns.
    source : str or Path, optional
        The file the rows come from, named in errors.
    endpoint : str, optional
        The endpoint the table belongs to, named in errors.

    Raises
    ------
    DataError
        An empty table, a missing column, an empty term or group, a count or ``n`` that is
        negative, fractional or NaN, ``n = 0``, a count above ``n``, or a term that repeats
        an earlier one (compared ignoring case and surrounding spaces). The message starts
        with the (1-based) row and its term; ``field`` is the column.

    Notes
    -----
    A group with only one event is allowed (see the module notes for how the hierarchical
    model treats it); :attr:`singleton_groups` lists them. Rows may have different ``n``.

    Example
    -------
    >>> AdverseEventTable([("CRS", "immune effector", 13, 12)])
    Traceback (most recent call last):
    ...
    bayes_trials.errors.DataError: field 'count': row 1 (term 'CRS'): must not exceed n = 12, got 13
    """

    events: tuple
    source: str | None = None

    def __init__(self, rows, source=None, endpoint=None):
        source = None if source is None else str(source)
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
            missing = [c for c in COLUMNS if c not in rows.columns]
            if missing:
                raise DataError(f"missing column(s) {missing}; the table needs {list(COLUMNS)}",
                                file=source, endpoint=endpoint, field=missing[0])
            rows = rows[list(COLUMNS)].to_dict("records")
        rows = list(rows)
        if not rows:
            raise DataError("the adverse-event table has no rows", file=source,
                            endpoint=endpoint, field="rows")
        events, seen = [], {}
        for i, row in enumerate(rows, start=1):
            if hasattr(row, "items"):
                missing = [c for c in COLUMNS if c not in row]
                if missing:
                    raise _row_error(f"missing {missing}", i, row.get("term"), missing[0],
                                     source, endpoint)
                term, group, count, n = (row[c] for c in COLUMNS)
            else:
                row = tuple(row)
                if len(row) != 4:
                    raise _row_error(f"needs 4 values {list(COLUMNS)}, got {len(row)}", i,
                                     row[0] if row else None, "rows", source, endpoint)
                term, group, count, n = row
            for col, text in (("term", term), ("group", group)):
                if not isinstance(text, str) or not text.strip():
                    raise _row_error(f"{col} must be a non-empty string, got {text!r}", i,
                                     term, col, source, endpoint)
            term, group = term.strip(), group.strip()
            try:
                n = v.count(n, "n")
                count = v.count(count, "count")
            except DataError as err:
                raise _row_error(err.reason, i, term, err.field, source, endpoint) from None
            if n == 0:
                raise _row_error("must be at least 1 patient, got 0", i, term, "n", source,
                                 endpoint)
            if count > n:
                raise _row_error(f"must not exceed n = {n}, got {count}", i, term, "count",
                                 source, endpoint)
            key = term.casefold()
            if key in seen:
                raise _row_error(f"duplicate of row {seen[key]}: each event term appears once",
                                 i, term, "term", source, endpoint)
            seen[key] = i
            events.append(AdverseEvent(term, group, count, n))
        object.__setattr__(self, "events", tuple(events))
        object.__setattr__(self, "source", source)

    @classmethod
    def from_csv(cls, path, endpoint=None) -> "AdverseEventTable":
        """Read a CSV with a header ``term,group,count,n`` (more columns are ignored)."""
        path = Path(path)
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"missing column(s) {missing}; the header needs {list(COLUMNS)}",
                                file=path, endpoint=endpoint, field=missing[0])
            rows = []
            for r in reader:
                row = {"term": r["term"], "group": r["group"]}
                for col in ("count", "n"):
                    text = (r[col] or "").strip()
                    try:
                        row[col] = float(text)
                    except ValueError:
                        row[col] = text   # refused with its row number below
                rows.append(row)
        return cls(rows, source=path, endpoint=endpoint)

    # --- views ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.events)

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(e.term for e in self.events)

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups, in order of first appearance."""
        return tuple(dict.fromkeys(e.group for e in self.events))

    @property
    def group_index(self) -> np.ndarray:
        """Index of each event's group in :attr:`groups`."""
        groups = self.groups
        return np.array([groups.index(e.group) for e in self.events], dtype="int64")

    @property
    def counts(self) -> np.ndarray:
        return np.array([e.count for e in self.events], dtype="int64")

    @property
    def n(self) -> np.ndarray:
        return np.array([e.n for e in self.events], dtype="int64")

    @property
    def singleton_groups(self) -> tuple[str, ...]:
        """Groups with a single event (allowed; see the module notes)."""
        idx = self.group_index
        return tuple(g for k, g in enumerate(self.groups) if (idx == k).sum() == 1)

    def event(self, term: str) -> AdverseEvent:
        for e in self.events:
            if e.term == term:
                return e
        raise DataError(f"no event term {term!r}; terms: {list(self.terms)}", field="term")

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([e.__dict__ for e in self.events], columns=list(COLUMNS))


# --------------------------------------------------------------------------------------
# priors of the hierarchical model


def _scale_code(value, name: str) -> tuple[float, float, float, float]:
    """(is_cauchy, prior scale, is_fixed, fixed value) of a scale prior."""
    if isinstance(value, HalfNormal):
        return 0.0, value.scale, 0.0, 1.0
    if isinstance(value, HalfCauchy):
        return 1.0, value.scale, 0.0, 1.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0.0, 1.0, 1.0, v.positive(value, name, PriorError)
    raise PriorError(f"must be HalfNormal, HalfCauchy or a fixed positive number, got {value!r}",
                     field=name)


@dataclass(frozen=True)
class HierarchicalAEPrior:
    """Hyperpriors of the three-level adverse-event model (logit scale).

    Parameters
    ----------
    mu : Normal
        Overall mean logit rate :math:`\\mu`. Default ``Normal(0, 2)``: weakly informative,
        95% of its mass on rates 0.02 to 0.98.
    tau : HalfNormal, HalfCauchy or float
        Between-group sd :math:`\\tau`; a float fixes it. Default ``HalfNormal(1)``.
    sigma : HalfNormal, HalfCauchy or float
        Within-group sd :math:`\\sigma_g` (one per group, common prior); a float fixes
        them all. Default ``HalfNormal(1)``: events of a body system within a factor of
        about :math:`e^2` in odds of each other a priori.

    These defaults are assumptions of the analysis, to be varied in a sensitivity analysis
    (half-Cauchy scales as Gelman 2006 suggests for few groups).

    >>> HierarchicalAEPrior(sigma=1e-3)            # events of a group pooled
    HierarchicalAEPrior(mu=Normal(mean=0, sd=2), tau=HalfNormal(scale=1), sigma=0.001)
    """

    mu: Normal = Normal(0.0, 2.0)
    tau: object = HalfNormal(1.0)
    sigma: object = HalfNormal(1.0)

    def __post_init__(self):
        if not isinstance(self.mu, Normal):
            raise PriorError(f"mu must be a Normal prior, got {self.mu!r}", field="mu")
        _scale_code(self.tau, "tau")
        _scale_code(self.sigma, "sigma")


# --------------------------------------------------------------------------------------
# the frequentist reference


@dataclass(frozen=True)
class AdverseEventReference:
    """Frequentist bounds of each event's rate, recomputed from the counts.

    ``rows`` maps term -> {count, n, estimate, clopper-pearson (two-sided at ``level``),
    cp_upper (one-sided upper bound at ``level``), rule_of_three (3/n, zero counts only)}.
    """

    level: float
    rows: dict = field(default_factory=dict)
    method: str = ("Clopper-Pearson (statsmodels proportion_confint, method='beta'); "
                   "one-sided upper bound = Beta(k + 1, n - k) quantile; rule of three 3/n")

    def as_dict(self) -> dict:
        pct = round(100 * self.level)
        out = {}
        for term, r in self.rows.items():
            out[f"{term}_count"] = r["count"]
            out[f"{term}_n"] = r["n"]
            out[f"{term}_estimate"] = r["estimate"]
            out[f"{term}_clopper-pearson{pct}_low"], out[f"{term}_clopper-pearson{pct}_high"] = (
                r["clopper-pearson"])
            out[f"{term}_cp_upper{pct}"] = r["cp_upper"]
            out[f"{term}_rule_of_three"] = r["rule_of_three"]
        return out


def _size_class(k: int, minimum: int) -> int:
    return max(minimum, 1 << max(0, math.ceil(math.log2(max(k, 1)))))


def _scale_logp(pt, log_s, is_cauchy, scale):
    """Log density of log(s) for s ~ half-normal / half-Cauchy(scale) (Jacobian included)."""
    s = pt.exp(log_s)
    lp_normal = 0.5 * np.log(2 / np.pi) - pt.log(scale) - 0.5 * (s / scale) ** 2
    lp_cauchy = np.log(2 / np.pi) - pt.log(scale) - pt.log1p((s / scale) ** 2)
    return pt.switch(pt.gt(is_cauchy, 0.5), lp_cauchy, lp_normal) + log_s


# --------------------------------------------------------------------------------------
# the endpoint


@dataclass(frozen=True)
class AdverseEventsEndpoint:
    """Adverse-event rates: independent Beta-binomial analyses and a three-level hierarchy.

    Parameters
    ----------
    name : str
    table : AdverseEventTable
    label : str
    independent_prior : Beta
        Prior of each event's rate in the independent analysis (default uniform).

    Notes
    -----
    ``prior`` in :meth:`structure`, :meth:`model_inputs` and
    :func:`bayes_trials.fit.sample` is a :class:`HierarchicalAEPrior`; the hierarchical
    posterior has no closed form (:meth:`exact_posterior` returns None), and it is
    checked by simulation (``scripts/ae_coverage.py``) and by its limiting cases (tests).

    Example
    -------
    >>> table = AdverseEventTable([("CRS", "immune effector", 11, 12),
    ...                            ("ICANS", "immune effector", 0, 12)])
    >>> ep = AdverseEventsEndpoint("safety", table)
    >>> ep.independent_posteriors()["CRS"]
    Beta(a=12, b=2)
    >>> ep.structure(HierarchicalAEPrior())
    ('adverse_events', 8, 4)
    """

    name: str
    table: AdverseEventTable
    label: str = ""
    independent_prior: Beta = Beta(1.0, 1.0)
    #: hyperpriors of the three-level model (the pipeline fits it under these)
    hierarchical_prior: HierarchicalAEPrior = HierarchicalAEPrior()
    #: (term, (printed percent, decimals, tag, source)): percentages the paper printed
    printed: tuple = ()
    #: (benchmark name, term it compares with), from the spec
    benchmark_terms: tuple = ()

    kind = "adverse_events"
    parameter = "theta"
    #: the independent analysis of each event takes the spec's Beta priors
    prior_family = "beta"
    #: adverse events are harms: P(theta < benchmark) is reported
    direction = "less"
    target = None

    # --- the pipeline's interface ------------------------------------------------------
    @classmethod
    def from_spec(cls, raw, defaults, name, base_dir=None):
        """Parse a ``kind = "adverse_events"`` spec table (see :func:`adverse_events_from_spec`)."""
        return adverse_events_from_spec(raw, defaults, name, base_dir=base_dir)

    def describe_data(self) -> str:
        """E.g. ``5 events in 2 groups, n = 12``."""
        ns = sorted(set(self.table.n.tolist()))
        n_txt = f"n = {ns[0]}" if len(ns) == 1 else f"n = {ns[0]} to {ns[-1]}"
        return f"{len(self.table)} events in {len(self.table.groups)} groups, {n_txt}"

    @staticmethod
    def published_quantities() -> tuple:
        """None through ``[[endpoints.published]]``: printed percentages sit on the rows."""
        return ()

    @staticmethod
    def interval_methods() -> tuple:
        return ("clopper-pearson", "rule-of-three")

    def analyse(self, priors: dict, **settings):
        """Independent and hierarchical analyses with their checks (:func:`analyse_adverse_events`)."""
        return analyse_adverse_events(self, priors, **settings)

    def __post_init__(self):
        if not isinstance(self.table, AdverseEventTable):
            raise DataError(f"needs an AdverseEventTable, got {type(self.table).__name__}",
                            endpoint=self.name, field="table")
        if not isinstance(self.independent_prior, Beta):
            raise PriorError(f"the independent prior must be a Beta, got "
                             f"{self.independent_prior!r}", endpoint=self.name,
                             field="independent_prior")
        if not isinstance(self.hierarchical_prior, HierarchicalAEPrior):
            raise PriorError(f"needs a HierarchicalAEPrior, got {self.hierarchical_prior!r}",
                             endpoint=self.name, field="hierarchical_prior")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- independent analysis (exact) -------------------------------------------------
    def independent_posteriors(self, prior: Beta | None = None) -> dict[str, Beta]:
        """Term -> Beta(a + y, b + n - y), each event on its own."""
        prior = self.independent_prior if prior is None else prior
        if not isinstance(prior, Beta):
            raise PriorError(f"needs a Beta prior, got {prior!r}", endpoint=self.name,
                             field="prior")
        return {e.term: Beta(prior.a + e.count, prior.b + e.n - e.count)
                for e in self.table.events}

    def independent_summary(self, prior: Beta | None = None, level: float = CRED_LEVEL):
        """One row per event: exact posterior summary beside the frequentist upper bounds.

        Columns: ``group, count, n, mean, sd, eti{pct}_low, eti{pct}_high`` (central
        credible interval), ``upper{pct}`` (one-sided upper credible bound, the ``level``
        quantile), ``cp_upper{pct}`` (one-sided Clopper-Pearson upper bound,
        :math:`B^{-1}(\\text{level}; y + 1, n - y)`), ``rule_of_three`` (:math:`3/n`, zero
        counts only; approximates the one-sided 95% bound :math:`1 - 0.05^{1/n}`),
        ``mean_logit`` (:math:`\\psi(a') - \\psi(b')`, used for shrinkage).
        """
        import pandas as pd

        level = v.open_unit(level, "level")
        pct = round(100 * level)
        tail = (1 - level) / 2
        rows = []
        for e, (term, post) in zip(self.table.events, self.independent_posteriors(prior).items()):
            rows.append({
                "term": term, "group": e.group, "count": e.count, "n": e.n,
                "mean": post.mean, "sd": post.sd,
                f"eti{pct}_low": float(post.ppf(tail)), f"eti{pct}_high": float(post.ppf(1 - tail)),
                f"upper{pct}": float(post.ppf(level)),
                f"cp_upper{pct}": _cp_upper(e.count, e.n, level),
                "rule_of_three": 3 / e.n if e.count == 0 else np.nan,
                "mean_logit": float(special.digamma(post.a) - special.digamma(post.b)),
            })
        return pd.DataFrame(rows).set_index("term")

    def exact_posterior(self, prior):
        """None: the hierarchical posterior has no closed form (see :meth:`independent_posteriors`)."""
        return None

    def frequentist(self, level: float = CRED_LEVEL) -> AdverseEventReference:
        """Clopper-Pearson intervals and one-sided upper bounds; rule of three for zero counts."""
        level = v.open_unit(level, "level")
        rows = {}
        for e in self.table.events:
            lo, hi = proportion_confint(e.count, e.n, alpha=1 - level, method="beta")
            rows[e.term] = {"count": e.count, "n": e.n, "estimate": e.proportion,
                            "clopper-pearson": (float(lo), float(hi)),
                            "cp_upper": _cp_upper(e.count, e.n, level),
                            "rule_of_three": 3 / e.n if e.count == 0 else None}
        return AdverseEventReference(level=level, rows=rows)

    def compare_with_benchmarks(self, term: str, benchmarks, prior: Beta | None = None,
                                **kwargs):
        """P(theta_term < benchmark rate) from the independent posterior of ``term``.

        See :func:`bayes_trials.benchmarks.compare_with_benchmarks`.
        """
        from ..benchmarks import compare_with_benchmarks

        self.table.event(term)
        post = self.independent_posteriors(prior)[term]
        return compare_with_benchmarks(post, benchmarks, direction="less", **kwargs)

    # --- PyMC model ---------------------------------------------------------------------
    def check_prior(self, prior) -> None:
        if not isinstance(prior, HierarchicalAEPrior):
            raise PriorError(f"the hierarchical model takes a HierarchicalAEPrior, got {prior!r}",
                             endpoint=self.name, field="prior")

    def structure(self, prior) -> tuple:
        """The compile key: the padded numbers of events and groups (size classes)."""
        return (self.kind, _size_class(len(self.table), MIN_EVENTS),
                _size_class(len(self.table.groups), MIN_GROUPS))

    @staticmethod
    def build_model(structure: tuple):
        """The non-centred three-level model, padded to ``structure``'s sizes.

        The scales are sampled on the log scale with their log densities (half-normal or
        half-Cauchy, chosen by a ``pm.Data`` switch) added as potentials; a scale marked
        fixed takes its fixed value and its sampled twin is left to its prior, unused.
        """
        import pymc as pm
        import pytensor.tensor as pt

        _, n_events, n_groups = structure
        with pm.Model() as model:
            y = pm.Data("y", np.zeros(n_events, dtype="int64"))
            n = pm.Data("n", np.zeros(n_events, dtype="int64"))
            group = pm.Data("group", np.zeros(n_events, dtype="int64"))
            mu_mean = pm.Data("mu_mean", 0.0)
            mu_sd = pm.Data("mu_sd", 2.0)
            tau_cauchy = pm.Data("tau_cauchy", 0.0)
            tau_scale = pm.Data("tau_scale", 1.0)
            tau_fixed = pm.Data("tau_fixed", 0.0)
            tau_value = pm.Data("tau_value", 1.0)
            sigma_cauchy = pm.Data("sigma_cauchy", 0.0)
            sigma_scale = pm.Data("sigma_scale", 1.0)
            sigma_fixed = pm.Data("sigma_fixed", 0.0)
            sigma_value = pm.Data("sigma_value", 1.0)

            mu_z = pm.Normal("mu_z", 0.0, 1.0)
            mu = pm.Deterministic("mu", mu_mean + mu_sd * mu_z)
            log_tau = pm.Flat("log_tau")
            pm.Potential("tau_prior", _scale_logp(pt, log_tau, tau_cauchy, tau_scale))
            tau = pm.Deterministic("tau", pt.switch(pt.gt(tau_fixed, 0.5), tau_value,
                                                    pt.exp(log_tau)))
            u = pm.Normal("group_z", 0.0, 1.0, shape=n_groups)
            gamma = pm.Deterministic("group_logit", mu + tau * u)
            log_sigma = pm.Flat("log_sigma", shape=n_groups)
            pm.Potential("sigma_prior",
                         _scale_logp(pt, log_sigma, sigma_cauchy, sigma_scale).sum())
            sigma = pm.Deterministic("sigma", pt.switch(pt.gt(sigma_fixed, 0.5), sigma_value,
                                                        pt.exp(log_sigma)))
            z = pm.Normal("event_z", 0.0, 1.0, shape=n_events)
            x = pm.Deterministic("logit_theta", gamma[group] + sigma[group] * z)
            pm.Deterministic("theta", pt.sigmoid(x))
            pm.Deterministic("group_rate", pt.sigmoid(gamma))
            pm.Deterministic("overall_rate", pt.sigmoid(mu))
            pm.Binomial("events", n=n, logit_p=x, observed=y)
        return model

    def model_inputs(self, prior) -> dict:
        """Values of the model's ``pm.Data``, padded to the size class."""
        self.check_prior(prior)
        _, n_events, _ = self.structure(prior)
        k = len(self.table)
        pad = lambda a: np.concatenate([a, np.zeros(n_events - k, dtype=a.dtype)])  # noqa: E731
        tc, ts, tf, tv = _scale_code(prior.tau, "tau")
        sc, ss, sf, sv = _scale_code(prior.sigma, "sigma")
        return {
            "y": pad(self.table.counts), "n": pad(self.table.n),
            "group": pad(self.table.group_index),
            "mu_mean": float(prior.mu.mean), "mu_sd": float(prior.mu.sd),
            "tau_cauchy": tc, "tau_scale": ts, "tau_fixed": tf, "tau_value": tv,
            "sigma_cauchy": sc, "sigma_scale": ss, "sigma_fixed": sf, "sigma_value": sv,
        }

    def draws(self, tree):
        """Posterior draws without padding, with named coordinates (an ``xarray.Dataset``).

        Variables: ``theta`` and ``logit_theta`` (dim ``term``), ``group_rate``,
        ``group_logit`` and ``sigma`` (dim ``group``), ``overall_rate``, ``mu``, ``tau``.
        """
        import xarray as xr

        post = tree["posterior"]
        k, g = len(self.table), len(self.table.groups)
        out = {}
        for var, dim, size, coords in (("theta", "term", k, self.table.terms),
                                       ("logit_theta", "term", k, self.table.terms),
                                       ("group_rate", "group", g, self.table.groups),
                                       ("group_logit", "group", g, self.table.groups),
                                       ("sigma", "group", g, self.table.groups)):
            arr = np.asarray(post[var])[..., :size]
            out[var] = xr.DataArray(arr, dims=("chain", "draw", dim), coords={dim: list(coords)})
        for var in ("overall_rate", "mu", "tau"):
            out[var] = xr.DataArray(np.asarray(post[var]), dims=("chain", "draw"))
        return xr.Dataset(out)

    def hierarchical_summary(self, tree, level: float = CRED_LEVEL, prior: Beta | None = None):
        """One row per event: hierarchical posterior beside the independent one, and shrinkage.

        Columns: ``group, count, n``; ``mean, sd, mcse_mean, eti{pct}_low, eti{pct}_high,
        upper{pct}`` (hierarchical, MCMC); ``independent_mean, independent_eti{pct}_low/high``
        (exact Beta); ``group_rate_mean`` (:math:`E[\\operatorname{logit}^{-1}\\gamma_g]`);
        ``shrinkage``; ``r_hat, ess_bulk``.

        ``shrinkage`` is the fraction of the way, on the logit scale, from the independent
        posterior mean :math:`E[\\operatorname{logit}\\theta_j]` (exact,
        :math:`\\psi(a') - \\psi(b')`) to the group's mean :math:`E[\\gamma_g]` that the
        hierarchical mean :math:`E[x_j]` has moved: 0 none, 1 complete pooling (NaN when
        the two ends are within 0.05 of each other). It compares the hierarchy with the
        independent analysis under ``prior`` (default the endpoint's independent prior).
        """
        import arviz as az
        import pandas as pd

        level = v.open_unit(level, "level")
        pct = round(100 * level)
        tail = (1 - level) / 2
        ds = self.draws(tree)
        indep = self.independent_summary(prior, level)
        rows = []
        for e in self.table.events:
            th = ds["theta"].sel(term=e.term)
            x_mean = float(ds["logit_theta"].sel(term=e.term).mean())
            g_mean = float(ds["group_logit"].sel(group=e.group).mean())
            i_row = indep.loc[e.term]
            denom = i_row["mean_logit"] - g_mean
            flat = np.asarray(th).ravel()
            lo, hi, up = np.quantile(flat, [tail, 1 - tail, level])
            rows.append({
                "term": e.term, "group": e.group, "count": e.count, "n": e.n,
                "mean": float(flat.mean()), "sd": float(flat.std(ddof=1)),
                "mcse_mean": float(az.mcse(th, method="mean")),
                f"eti{pct}_low": float(lo), f"eti{pct}_high": float(hi), f"upper{pct}": float(up),
                "independent_mean": i_row["mean"],
                f"independent_eti{pct}_low": i_row[f"eti{pct}_low"],
                f"independent_eti{pct}_high": i_row[f"eti{pct}_high"],
                "group_rate_mean": float(ds["group_rate"].sel(group=e.group).mean()),
                "shrinkage": (i_row["mean_logit"] - x_mean) / denom if abs(denom) > 0.05
                else np.nan,
                "r_hat": float(az.rhat(th)), "ess_bulk": float(az.ess(th, method="bulk")),
            })
        return pd.DataFrame(rows).set_index("term")


def _cp_upper(k: int, n: int, level: float) -> float:
    """One-sided Clopper-Pearson upper bound: the ``level`` quantile of Beta(k + 1, n - k)."""
    return 1.0 if k == n else float(stats.beta.ppf(level, k + 1, n - k))


# --------------------------------------------------------------------------------------
# figure


def forest_plot(summary, ax=None, level: float = CRED_LEVEL, title: str | None = None):
    """Forest plot of independent (open) and hierarchical (filled) estimates per event.

    Parameters
    ----------
    summary : pandas.DataFrame
        The output of :meth:`AdverseEventsEndpoint.hierarchical_summary`.
    ax : matplotlib axis, optional
    level : float
        The credible level the summary was computed at.

    Returns
    -------
    matplotlib axis
        Events grouped by body system; each group's posterior mean rate is a dotted
        vertical segment, so the shrinkage toward it shows as the filled marker sitting
        nearer to it than the open one.
    """
    import matplotlib.pyplot as plt

    pct = round(100 * level)
    terms = list(summary.index)
    ax = ax or plt.figure(figsize=(6.5, 0.55 * len(terms) + 1.2)).gca()
    ypos, labels, y = {}, [], 0.0
    for group in dict.fromkeys(summary["group"]):
        members = [t for t in terms if summary.loc[t, "group"] == group]
        top = y
        for t in members:
            ypos[t] = y
            labels.append((y, f"{t} ({summary.loc[t, 'count']}/{summary.loc[t, 'n']})"))
            y += 1.0
        g_rate = summary.loc[members[0], "group_rate_mean"]
        ax.plot([g_rate, g_rate], [top - 0.4, y - 0.6], ls=":", color="grey")
        ax.text(g_rate, top - 0.5, group, fontsize=8, color="grey", ha="center", va="bottom")
        y += 0.6
    for t, yy in ypos.items():
        r = summary.loc[t]
        ax.errorbar(r["independent_mean"], yy - 0.15,
                    xerr=[[r["independent_mean"] - r[f"independent_eti{pct}_low"]],
                          [r[f"independent_eti{pct}_high"] - r["independent_mean"]]],
                    fmt="o", mfc="white", color="tab:grey", capsize=2,
                    label="independent" if yy == 0 else None)
        ax.errorbar(r["mean"], yy + 0.15,
                    xerr=[[r["mean"] - r[f"eti{pct}_low"]], [r[f"eti{pct}_high"] - r["mean"]]],
                    fmt="o", color="tab:blue", capsize=2,
                    label="hierarchical" if yy == 0 else None)
    ax.set_yticks([p for p, _ in labels], [lab for _, lab in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"event rate (posterior mean, {pct}% central CrI)")
    ax.set_title(title or "Adverse events: independent vs hierarchical", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    return ax


__all__ = ["AdverseEvent", "AdverseEventTable", "AdverseEventsEndpoint", "HierarchicalAEPrior",
           "AdverseEventReference", "forest_plot"]


# ======================================================================================
# the spec format and the pipeline
#
#     [[endpoints]]
#     id = "adverse_events_grade3"
#     kind = "adverse_events"
#     priors = ["uniform", "jeffreys"]         # Beta priors of the independent analyses
#
#     [[endpoints.events]]                     # one table per event term (or: events_csv)
#     term = "neutropenia"
#     group = "haematological"
#     count = 12
#     n = 12
#     percent = 100                            # optional: the printed percentage, recomputed
#     tag = "published"
#     source = "..."
#
#     events_csv = "data/trial_ae.csv"         # instead of [[endpoints.events]]: columns
#                                              # term,group,count,n,tag,source[,percent];
#                                              # the path is relative to the spec file
#
#     [endpoints.hierarchical]                 # hyperpriors of the three-level model
#     mu = { mean = 0, sd = 2 }
#     tau = { family = "halfcauchy", scale = 1 }     # or a number: tau fixed
#     sigma = { family = "halfnormal", scale = 1 }
#     tag = "assumed"
#     rationale = "..."
#
#     [[endpoints.benchmarks]]                 # the usual benchmark table, plus the term
#     name = "FELIX grade >= 3 ICANS"
#     term = "ICANS"
#     ...
# ======================================================================================

_ROW_KEYS = {"term", "group", "count", "n", "percent", "decimals", "tag", "source"}
_HIER_KEYS = {"mu", "tau", "sigma", "tag", "rationale", "source"}


def _check_row(i, term, group, count, n, where, file=None):
    """Validate one row through :class:`AdverseEventTable`; SpecError naming the row's field."""
    from ..errors import SpecError

    try:
        AdverseEventTable([(term, group, count, n)])
    except DataError as err:
        reason = err.reason.split(": ", 1)[1] if err.reason.startswith("row 1") else err.reason
        label = f"term {term!r}: " if isinstance(term, str) and term.strip() else ""
        raise SpecError(f"{label}{reason}", file=file, field=f"{where}.{err.field}") from None


def _parse_scale(raw, where):
    from ..errors import SpecError

    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return v.positive(raw, where, SpecError)
    if not isinstance(raw, dict):
        raise SpecError("must be { family = 'halfnormal' | 'halfcauchy', scale = ... } or a "
                        "fixed positive number", field=where)
    fam = v.one_of(raw.get("family"), ("halfnormal", "halfcauchy"), f"{where}.family", SpecError)
    scale = v.positive(raw.get("scale"), f"{where}.scale", SpecError)
    return HalfNormal(scale) if fam == "halfnormal" else HalfCauchy(scale)


def _parse_hierarchical(raw):
    """``[endpoints.hierarchical]`` -> (HierarchicalAEPrior, tag, rationale)."""
    from .. import spec as spec_mod
    from ..errors import SpecError

    if raw is None:
        return HierarchicalAEPrior(), "assumed", ("default hyperpriors of HierarchicalAEPrior: "
                                                  "mu ~ Normal(0, 2), tau, sigma ~ HalfNormal(1)")
    if not isinstance(raw, dict):
        raise SpecError("must be a table (mu, tau, sigma, tag, rationale)", field="hierarchical")
    unknown = sorted(set(raw) - _HIER_KEYS)
    if unknown:
        raise SpecError(f"unknown setting(s) {unknown}", field="hierarchical")
    tag = spec_mod._tag(raw.get("tag"), "hierarchical.tag")
    rationale = raw.get("rationale")
    if not isinstance(rationale, str) or not rationale.strip():
        raise SpecError("the hierarchical model's hyperpriors need a 'rationale'",
                        field="hierarchical.rationale")
    kwargs = {}
    if "mu" in raw:
        mu = raw["mu"]
        if not isinstance(mu, dict):
            raise SpecError("must be { mean = ..., sd = ... }", field="hierarchical.mu")
        kwargs["mu"] = Normal(v.finite_real(mu.get("mean"), "hierarchical.mu.mean", SpecError),
                              v.positive(mu.get("sd"), "hierarchical.mu.sd", SpecError))
    for key in ("tau", "sigma"):
        if key in raw:
            kwargs[key] = _parse_scale(raw[key], f"hierarchical.{key}")
    return HierarchicalAEPrior(**kwargs), tag, rationale


def _read_csv_rows(path: Path):
    from ..errors import SpecError

    try:
        fh = path.open(newline="")
    except OSError as err:
        raise SpecError(f"cannot read the adverse-event table {str(path)!r}: {err.strerror}",
                        field="events_csv") from None
    with fh:
        reader = csv.DictReader(fh)
        need = ("term", "group", "count", "n", "tag", "source")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise SpecError(f"missing column(s) {missing}; the header needs {list(need)} "
                            "(and optionally percent, decimals)", file=path, field="events_csv")
        rows = []
        for r in reader:
            row = {k: (r.get(k) or "").strip() for k in reader.fieldnames if k in _ROW_KEYS}
            for col in ("count", "n", "percent", "decimals"):
                if col in row:
                    if col in ("percent", "decimals") and row[col] == "":
                        del row[col]
                        continue
                    try:
                        num = float(row[col])
                        row[col] = int(num) if col == "decimals" and num == int(num) else num
                    except ValueError:
                        pass  # refused with its line below
            rows.append(row)
    if not rows:
        raise SpecError("the adverse-event table has no rows", file=path, field="events_csv")
    return rows


def adverse_events_from_spec(raw: dict, defaults: dict, name: str, base_dir=None):
    """Parse a ``kind = "adverse_events"`` endpoint table: ``(endpoint, provenance)``.

    The table is given inline (``[[endpoints.events]]``: term, group, count, n, optional
    percent/decimals, tag, source) or as ``events_csv``, a CSV with those columns whose path
    is relative to ``base_dir``, the spec file's folder (which the spec parser passes; the
    working directory when it is None). ``[endpoints.hierarchical]`` states the hyperpriors of the
    three-level model; each ``[[endpoints.benchmarks]]`` names the ``term`` it compares with.
    Provenance keys: ``<term>: count``, ``<term>: n`` and ``model: mu / tau / sigma``.

    Raises
    ------
    SpecError
        Naming the row as ``events[2].count`` (CSV: ``events_csv[2].count``, the file being
        the CSV, the message giving its line): no rows, a missing term or group, a negative,
        fractional or NaN count, n = 0, a count above n, a duplicate term, a missing tag or
        source, an unknown benchmark term, bad hyperpriors.
    """
    from .. import spec as spec_mod
    from ..errors import SpecError
    from .categorical import _published_percent

    if "published" in raw:
        raise SpecError("an adverse-event endpoint states the printed percentages on its rows "
                        "(events[i].percent), not in [[endpoints.published]]", field="published")
    if ("events" in raw) == ("events_csv" in raw):
        raise SpecError("give the adverse-event table either inline ([[endpoints.events]]) or "
                        "as events_csv = 'path relative to the spec'", field="events")
    file = None
    if "events_csv" in raw:
        rel = raw["events_csv"]
        if not isinstance(rel, str) or not rel.strip():
            raise SpecError("must be a path (relative to the spec file)", field="events_csv")
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        file = (base / rel).resolve()
        rows, prefix = _read_csv_rows(file), "events_csv"
    else:
        rows, prefix = raw["events"], "events"
        if not isinstance(rows, list) or not rows:
            raise SpecError("needs a non-empty list of [[endpoints.events]] tables "
                            "(term, group, count, n, tag, source)", field="events")
    provenance, table_rows, printed, seen = {}, [], {}, {}
    for i, row in enumerate(rows):
        where = f"{prefix}[{i}]"
        try:
            if not isinstance(row, dict):
                raise SpecError("must be a table (term, group, count, n, tag, source)", field=where)
            unknown = sorted(set(row) - _ROW_KEYS)
            if unknown:
                raise SpecError(f"unknown column(s) {unknown}", field=where)
            term = row.get("term")
            row_defaults = {"tag": row.get("tag") or defaults.get("tag"),
                            "source": row.get("source") or defaults.get("source")}
            q = {}
            for key in ("count", "n"):
                val = row.get(key)
                if isinstance(val, str):
                    raise SpecError(f"term {term!r}: must be a number, got {val!r}", field=f"{where}.{key}")
                try:
                    q[key] = spec_mod._quantity(row, key, row_defaults)
                except SpecError as err:
                    raise SpecError(f"term {term!r}: {err.reason}", field=f"{where}.{err.field}") from None
            _check_row(i, term, row.get("group"), q["count"].value, q["n"].value, where)
            term = term.strip()
            key = term.casefold()
            if key in seen:
                raise SpecError(f"term {term!r} repeats {prefix}[{seen[key]}]: each event term "
                                "appears once", field=f"{where}.term")
            seen[key] = i
            pp = _published_percent(row, where)
        except SpecError as err:
            if file is not None:
                raise SpecError(f"line {i + 2}: {err.reason}", file=file, field=err.field) from None
            raise
        if pp is not None:
            printed[term] = (*pp, q["count"].tag, q["count"].source)
        provenance[f"{term}: count"] = q["count"]
        provenance[f"{term}: n"] = q["n"]
        table_rows.append((term, row["group"].strip(), q["count"].value, q["n"].value))
    table = AdverseEventTable(table_rows, source=file, endpoint=name)
    hprior, htag, hrat = _parse_hierarchical(raw.get("hierarchical"))
    for key in ("mu", "tau", "sigma"):
        provenance[f"model: {key}"] = spec_mod.Quantity(value=repr(getattr(hprior, key)), tag=htag,
                                                        source=hrat)
    terms = {t.casefold(): t for t in table.terms}
    benchmark_terms = []
    for i, b in enumerate(raw.get("benchmarks", []) or []):
        if not isinstance(b, dict):
            continue  # the generic benchmark parser names this error
        term = b.get("term")
        if not isinstance(term, str) or term.strip().casefold() not in terms:
            raise SpecError(f"a benchmark of an adverse-event endpoint names the event term it "
                            f"compares with; terms: {list(table.terms)}, got {term!r}",
                            field=f"benchmarks[{i}].term")
        benchmark_terms.append((b.get("name"), terms[term.strip().casefold()]))
    if raw.get("direction", "less") != "less":
        raise SpecError("adverse events are harms: direction must be 'less'", field="direction")
    endpoint = AdverseEventsEndpoint(name=name, table=table, label=raw.get("label", name),
                                     hierarchical_prior=hprior, printed=tuple(printed.items()),
                                     benchmark_terms=tuple(benchmark_terms))
    return endpoint, provenance


# --- analysis -----------------------------------------------------------------------------
#: refits of the hierarchical model when its diagnostics fail: (target_accept, draws multiplier)
HIER_RETRIES = ((0.95, 2), (0.99, 2))


def _event_endpoint(endpoint, e):
    from .binary import BinaryEndpoint
    from ..data import Binary

    return BinaryEndpoint(f"{endpoint.name}/{e.term}", Binary(e.count, e.n), direction="less",
                          label=e.term)


def _hier_diagnostics(ds, tree) -> dict:
    """Worst R-hat and bulk ESS over the event and group rates; divergences."""
    import arviz as az

    rh, es = [], []
    for var, dim in (("theta", "term"), ("group_rate", "group")):
        for c in ds[var][dim].values:
            x = ds[var].sel({dim: c})
            rh.append(float(az.rhat(x)))
            es.append(float(az.ess(x, method="bulk")))
    div = int(tree["sample_stats"]["diverging"].sum()) if "sample_stats" in tree.children else 0
    return {"r_hat": max(rh), "ess_bulk": min(es), "divergences": div,
            "draws": int(ds.sizes["chain"] * ds.sizes["draw"])}


def analyse_adverse_events(endpoint, priors: dict, *, method: str = "mcmc", draws: int = 1000,
                           tune: int = 1000, chains: int = 4, seed: int = 0,
                           level: float = CRED_LEVEL, spec=None, trial_id: str = ""):
    """Independent Beta-binomial analyses of each event under each prior, and the hierarchy.

    Independent: each event is a :class:`~bayes_trials.endpoints.binary.BinaryEndpoint`
    ``<endpoint>/<term>`` analysed by :func:`bayes_trials.analysis.analyse_endpoint` (exact
    posterior; with ``method="mcmc"`` sampled and checked against it, with the Bayesian vs
    frequentist checks of a binary endpoint). Hierarchical (``method="mcmc"`` only: it has
    no closed form): the three-level model under ``endpoint.hierarchical_prior``, seed
    ``derive_seed(seed, trial_id, endpoint, "hierarchical")``, refitted with
    :data:`HIER_RETRIES` when R-hat, ESS or divergences fail.

    Returns
    -------
    AdverseEventsResult
    """
    import dataclasses

    import xarray as xr

    from .. import checks as chk
    from ..analysis import PriorFit, analyse_endpoint, check_analysis_inputs
    from ..fit import DEFAULT_TARGET_ACCEPT, derive_seed, sample
    from ..priors import Mixture

    level = check_analysis_inputs(endpoint.name, priors, method, level)
    for pname, prior in priors.items():
        if not isinstance(prior, (Beta, Mixture)):
            raise PriorError(f"the independent analyses take Beta (or Beta mixture) priors, got "
                             f"{prior!r}", endpoint=endpoint.name, field=f"priors.{pname}")
    per_event = {}
    checks = []
    for e in endpoint.table.events:
        res = analyse_endpoint(_event_endpoint(endpoint, e), priors, method=method, draws=draws,
                               tune=tune, chains=chains, seed=seed, level=level,
                               trial_id=trial_id)
        per_event[e.term] = res
        checks += [dataclasses.replace(c, endpoint=endpoint.name, name=f"{e.term}: {c.name}")
                   for c in res._checks]
    fits = {}
    for pname, prior in priors.items():
        exact = {t: r.fits[pname].exact for t, r in per_event.items()}
        rows = {t: r.fits[pname].row for t, r in per_event.items()}
        fits[pname] = PriorFit(pname, prior, exact, {"events": rows, "prior": repr(prior)}, None, None)
    if method == "mcmc":
        hprior = endpoint.hierarchical_prior
        fit_seed = derive_seed(seed, trial_id, endpoint.name, "hierarchical")
        for attempt, (ta, mult) in enumerate(((DEFAULT_TARGET_ACCEPT, 1), *HIER_RETRIES), start=1):
            tree = sample(endpoint, hprior, draws=draws * mult, tune=tune, chains=chains,
                          seed=fit_seed + attempt - 1, target_accept=ta)
            ds = endpoint.draws(tree)
            diag = _hier_diagnostics(ds, tree)
            ok = diag["r_hat"] < chk.MAX_RHAT and diag["ess_bulk"] >= chk.MIN_ESS and diag["divergences"] == 0
            if ok:
                break
        groups = {"/posterior": ds}
        if "sample_stats" in tree.children:
            st = tree["sample_stats"].to_dataset()
            groups["/sample_stats"] = st[[k for k in ("diverging", "step_size", "n_steps", "energy")
                                          if k in st]]
        named = xr.DataTree.from_dict(groups)
        hsum = endpoint.hierarchical_summary(tree, level)
        fits["hierarchical"] = PriorFit("hierarchical", hprior, None,
                                        {**diag, "seed": fit_seed, "attempts": attempt,
                                         "target_accept": ta, "summary": hsum}, named, fit_seed)
        checks.append(chk.Check(
            endpoint.name, chk.KINDS[3], "R-hat, bulk ESS, divergences (event and group rates)",
            diag["r_hat"], chk.MAX_RHAT, f"R-hat < {chk.MAX_RHAT}, ESS >= {chk.MIN_ESS}, 0 divergences",
            bool(ok), f"worst R-hat {diag['r_hat']:.3f}, smallest bulk ESS {diag['ess_bulk']:.0f}, "
            f"{diag['divergences']} divergences in {diag['draws']} draws (attempt {attempt}, "
            f"target_accept {ta})", prior="hierarchical"))
    reference = endpoint.frequentist(level)
    checks = _published_checks(endpoint) + checks + _bounds_checks(endpoint, fits, reference, level)
    return AdverseEventsResult(endpoint, fits, reference, spec=spec, level=level, method=method,
                               _checks=checks)


def _published_checks(endpoint) -> list:
    from .. import checks as chk

    out = []
    counts = {e.term: e for e in endpoint.table.events}
    for term, (printed, decimals, tag, source) in endpoint.printed:
        e = counts[term]
        ours = 100 * e.count / e.n
        shown = round(ours, decimals)
        ok = bool(np.isclose(shown, printed))
        out.append(chk.Check(
            endpoint.name, chk.KINDS[0], f"{term}: percentage", ours, printed,
            f"equal when rounded to {decimals} decimals (percent)", ok,
            f"recomputed {e.count}/{e.n} = {ours:.4f}% rounds to {shown:g}; paper printed {printed:g}",
            provenance=tag))
    return out


def _bounds_checks(endpoint, fits, reference, level) -> list:
    """Upper bounds: Bayesian against frequentist, each by a closed form.

    - zero events: the one-sided Clopper-Pearson bound, the ``level`` quantile of
      Beta(1, n) (the posterior under the limiting prior Beta(1, 0)), equals
      :math:`1 - (1 - \\text{level})^{1/n}`, and the rule of three :math:`3/n` lies above it
      (:math:`-\\log 0.05 = 2.996 < 3` and :math:`1 - e^{-x} < x`);
    - every event, under each Beta(a, b) prior with :math:`a \\le 1`: the posterior
      Beta(:math:`y + a, n - y + b`) is stochastically smaller than Beta(:math:`y + 1, n - y`),
      so its upper credible bound is at most the one-sided Clopper-Pearson bound.
    """
    from .. import checks as chk

    p = round(100 * level)
    out = []
    for e in endpoint.table.events:
        cp = reference.rows[e.term]["cp_upper"]
        if e.count == 0:
            closed = 1 - (1 - level) ** (1 / e.n)
            out.append(chk.Check(
                endpoint.name, chk.KINDS[2], f"{e.term}: one-sided CP {p}% bound = 1 - (1 - {level:g})^(1/n)",
                cp, closed, f"{chk.EXACT_TOL:g}", bool(abs(cp - closed) <= chk.EXACT_TOL),
                f"Beta(1, {e.n}) quantile {cp:.6f} vs closed form {closed:.6f}; rule of three "
                f"{3 / e.n:.4f}"))
            out.append(chk.Check(
                endpoint.name, chk.KINDS[2], f"{e.term}: rule of three above the exact bound",
                3 / e.n, cp, "3/n >= CP bound", bool(3 / e.n >= cp),
                f"3/{e.n} = {3 / e.n:.4f} vs one-sided CP {cp:.4f}"))
        for pname, fit in fits.items():
            prior = fit.prior
            if fit.exact is None or not isinstance(prior, Beta) or prior.a > 1:
                continue
            up = float(fit.exact[e.term].ppf(level))
            ok = up <= cp + 1e-12
            out.append(chk.Check(
                endpoint.name, chk.KINDS[2], f"{e.term}: {p}% upper credible bound <= one-sided CP bound",
                up, cp, "stochastic ordering (prior a <= 1)", bool(ok),
                f"{pname}: {up:.4f} {'<=' if ok else '>'} Clopper-Pearson {cp:.4f}", prior=pname))
    return out


from ..analysis import ModelResult as _ModelResult  # noqa: E402  (analysis imports no endpoint)


class AdverseEventsResult(_ModelResult):
    """Adverse events re-analysed: independent exact posteriors per prior and the hierarchy.

    ``fits``: one :class:`~bayes_trials.analysis.PriorFit` per Beta prior (``exact`` a dict
    term -> Beta posterior, nothing kept of the draws) and, when sampled, ``"hierarchical"``
    (``posterior`` the draws with term / group coordinates, ``row["summary"]`` the
    :meth:`AdverseEventsEndpoint.hierarchical_summary`).
    """

    @property
    def hierarchical(self):
        fit = self.fits.get("hierarchical")
        return None if fit is None else fit.row["summary"]

    def _independent(self):
        return {n: f for n, f in self.fits.items() if n != "hierarchical"}

    def summary(self):
        """One row per (analysis, term): mean, central CrI, upper bound; CP bound beside."""
        import pandas as pd

        p = round(100 * self.level)
        tail = (1 - self.level) / 2
        rows = []
        for pname, fit in self._independent().items():
            for e in self.endpoint.table.events:
                post = fit.exact[e.term]
                r = fit.row["events"][e.term]
                rows.append({"analysis": pname, "term": e.term, "group": e.group, "count": e.count,
                             "n": e.n, "exact_mean": post.mean,
                             f"exact_eti{p}_low": float(post.ppf(tail)),
                             f"exact_eti{p}_high": float(post.ppf(1 - tail)),
                             f"exact_upper{p}": float(post.ppf(self.level)),
                             "mean": r.get("mean"), "mcse_mean": r.get("mcse_mean"),
                             "r_hat": r.get("r_hat"), "ess_bulk": r.get("ess_bulk"),
                             f"cp_upper{p}": self.reference.rows[e.term]["cp_upper"]})
        h = self.hierarchical
        if h is not None:
            for term, r in h.iterrows():
                rows.append({"analysis": "hierarchical", "term": term, "group": r["group"],
                             "count": r["count"], "n": r["n"], "mean": r["mean"],
                             "mcse_mean": r["mcse_mean"], f"eti{p}_low": r[f"eti{p}_low"],
                             f"eti{p}_high": r[f"eti{p}_high"], f"upper{p}": r[f"upper{p}"],
                             "shrinkage": r["shrinkage"], "r_hat": r["r_hat"],
                             "ess_bulk": r["ess_bulk"],
                             f"cp_upper{p}": self.reference.rows[term]["cp_upper"]})
        return pd.DataFrame(rows).set_index(["analysis", "term"]).dropna(axis=1, how="all")

    def benchmarks(self):
        """P(theta_term < benchmark) per benchmark and analysis.

        ``exact_prob``: :math:`P(\\theta < r_b)`, the benchmark rate a fixed number;
        ``exact_prob_vs_uncertain``: :math:`P(\\theta < \\theta_b)` with :math:`\\theta_b \\sim`
        Beta(:math:`k_b + 1/2, n_b - k_b + 1/2`) (Jeffreys, as for binary endpoints), by
        quadrature (:func:`bayes_trials.prob_difference`). Hierarchical rows: ``prob`` the
        share of draws below :math:`r_b`; ``prob_vs_uncertain`` the mean over draws of
        :math:`P(\\theta_b > \\theta^{(s)})` (Rao-Blackwellised).
        """
        import pandas as pd

        from ..predictive import prob_difference

        terms = dict(self.endpoint.benchmark_terms)
        rows = []
        for bm in (self.spec.benchmarks if self.spec is not None else ()):
            term = terms.get(bm.name)
            if term is None:
                continue
            bench = None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
            for pname, fit in self._independent().items():
                post = fit.exact[term]
                row = {"benchmark": bm.name, "term": term, "analysis": pname,
                       "comparison": f"P(theta[{term}] < {bm.value:g})", "tag": bm.tag,
                       "exact_prob": float(post.cdf(bm.value))}
                if bench is not None:
                    row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                    row["exact_prob_vs_uncertain"] = float(prob_difference(bench, post, 0.0))
                rows.append(row)
            hfit = self.fits.get("hierarchical")
            if hfit is not None:
                draws = np.asarray(hfit.posterior["posterior"]["theta"].sel(term=term)).ravel()
                row = {"benchmark": bm.name, "term": term, "analysis": "hierarchical",
                       "comparison": f"P(theta[{term}] < {bm.value:g})", "tag": bm.tag,
                       "prob": float((draws < bm.value).mean())}
                if bench is not None:
                    row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                    row["prob_vs_uncertain"] = float(bench.sf(draws).mean())
                rows.append(row)
        return pd.DataFrame(rows)

    def frequentist_table(self):
        import pandas as pd

        p = round(100 * self.level)
        rows = []
        for term, r in self.reference.rows.items():
            lo, hi = r["clopper-pearson"]
            rows.append({"term": term, "count": r["count"], "n": r["n"], "estimate": r["estimate"],
                         f"clopper-pearson{p}_low": lo, f"clopper-pearson{p}_high": hi,
                         f"cp_upper{p} (one-sided)": r["cp_upper"],
                         "rule_of_three": r["rule_of_three"]})
        return pd.DataFrame(rows).set_index("term")

    def model_table(self):
        """The hyperpriors (with their tag) and, when fitted, the posterior of the scales."""
        import pandas as pd

        hp = self.endpoint.hierarchical_prior
        prov = self.spec.provenance if self.spec is not None else {}
        rows = []
        for key, what in (("mu", "overall mean logit rate mu"), ("tau", "between-group sd tau"),
                          ("sigma", "within-group sd sigma_g (one per group)")):
            q = prov.get(f"model: {key}")
            rows.append({"quantity": f"prior of {what}", "value": repr(getattr(hp, key)),
                         "tag": q.tag if q else "assumed", "note": q.source if q else ""})
        hfit = self.fits.get("hierarchical")
        if hfit is None:
            rows.append({"quantity": "hierarchical model", "value": "not fitted (method exact)",
                         "tag": "", "note": "the three-level model has no closed form"})
        else:
            post = hfit.posterior["posterior"]
            p = round(100 * self.level)
            tail = (1 - self.level) / 2

            def _txt(x):
                x = np.asarray(x).ravel()
                lo, hi = np.quantile(x, [tail, 1 - tail])
                return f"{x.mean():.3f} [{lo:.3f}, {hi:.3f}]"

            rows.append({"quantity": f"tau: mean [{p}% CrI]", "value": _txt(post["tau"]), "tag": "", "note": ""})
            for g in post["group"].values:
                rows.append({"quantity": f"sigma[{g}]: mean [{p}% CrI]",
                             "value": _txt(post["sigma"].sel(group=g)), "tag": "", "note": ""})
                rows.append({"quantity": f"group rate [{g}]: mean [{p}% CrI]",
                             "value": _txt(post["group_rate"].sel(group=g)), "tag": "", "note": ""})
            single = self.endpoint.table.singleton_groups
            if single:
                rows.append({"quantity": "groups with one event", "value": ", ".join(single),
                             "tag": "", "note": "shrunk toward the overall mean, not toward a group"})
        return pd.DataFrame(rows).set_index("quantity")

    def report_blocks(self):
        blocks = [("Hierarchical model (Berry and Berry 2004, three levels): hyperpriors and "
                   "scales", self.model_table()),
                  ("Event rates: independent exact Beta posteriors per prior; hierarchical "
                   "posterior (MCMC) with its shrinkage toward the group", self.summary()),
                  ("Frequentist reference (recomputed): Clopper-Pearson, one-sided upper "
                   "bound, rule of three", self.frequentist_table())]
        bench = self.benchmarks()
        if len(bench):
            blocks.append(("Benchmarks (external trials at 5-30 times higher doses; grade "
                           "definitions and populations differ)",
                           bench.set_index(["benchmark", "analysis"])))
        return blocks

    def sentences(self):
        from ..report import fmt_prob

        p = round(100 * self.level)
        ep = self.endpoint
        out = [f"Observed {ep.describe_data()}: " + "; ".join(
            f"{e.term} {e.count}/{e.n}" for e in ep.table.events) + "."]
        for e in ep.table.events:
            if e.count:
                continue
            r = self.reference.rows[e.term]
            bounds = ", ".join(f"{n} {float(f.exact[e.term].ppf(self.level)):.3f}"
                               for n, f in self._independent().items())
            s = (f"{e.term} 0/{e.n}: one-sided {p}% upper bounds: Bayesian ({bounds}); "
                 f"Clopper-Pearson {r['cp_upper']:.3f}; rule of three {r['rule_of_three']:.3f}")
            if self.hierarchical is not None:
                s += f"; hierarchical {self.hierarchical.loc[e.term, f'upper{p}']:.3f}"
            out.append(s + ".")
        h = self.hierarchical
        if h is None:
            out.append("The hierarchical model was not fitted (method exact: it has no closed form).")
        else:
            sh = h["shrinkage"].dropna()
            out.append("Hierarchical model (shrinkage relative to the independent analysis under "
                       "the uniform prior): each event's logit mean moved "
                       + ", ".join(f"{t} {100 * s:.0f}%" for t, s in sh.items())
                       + " of the way from its independent estimate toward its group's mean "
                       "(about 100%: pooled with its group).")
            zero = [e.term for e in ep.table.events if e.count == 0]
            if zero:
                out.append("The hierarchical bounds of events without any case borrow from the "
                           "other events of their group: they hold only as far as those events "
                           "are exchangeable and the (assumed) hyperpriors are right; the "
                           "independent bounds do not depend on either.")
        bench = self.benchmarks()
        for (bname, term), g in (bench.groupby(["benchmark", "term"], sort=False) if len(bench) else ()):
            vals = []
            for r in g.itertuples():
                val = getattr(r, "exact_prob_vs_uncertain", None)
                if val is None or val != val:
                    val = getattr(r, "prob_vs_uncertain", None)
                if val is not None and val == val:
                    vals.append(f"{r.analysis} {fmt_prob(val)}")
            if vals:
                out.append(f"P({term} rate of META < {bname}, its own uncertainty included): "
                           + ", ".join(vals) + ".")
        if len(bench):
            out.append("Caveat: 12 patients at 5-30 times lower doses against large trials; "
                       "grading systems, follow-up and populations differ, so these probabilities "
                       "describe the counts, not a randomised comparison.")
        out.append(self.checks_sentence())
        return out

    def plot(self, ax=None):
        """The shrinkage forest plot (independent vs hierarchical); independent only if not fitted."""
        import matplotlib.pyplot as plt

        h = self.hierarchical
        if h is not None:
            ax = forest_plot(h, ax=ax, level=self.level,
                             title=f"{self.endpoint.label}: independent (uniform prior) vs hierarchical")
            return ax.figure
        p = round(100 * self.level)
        indep = self.endpoint.independent_summary(level=self.level)
        ax = ax or plt.figure(figsize=(6.5, 0.5 * len(indep) + 1.2)).gca()
        for k, (term, r) in enumerate(indep.iterrows()):
            ax.errorbar(r["mean"], k, xerr=[[r["mean"] - r[f"eti{p}_low"]], [r[f"eti{p}_high"] - r["mean"]]],
                        fmt="o", mfc="white", color="tab:grey", capsize=2)
        ax.set_yticks(range(len(indep)), [f"{t} ({r['count']}/{r['n']})" for t, r in indep.iterrows()])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"event rate (independent, uniform prior; {p}% CrI)")
        ax.set_title(f"{self.endpoint.label} (hierarchical model not fitted)", fontsize=9)
        return ax.figure


__all__ += ["AdverseEventsResult", "analyse_adverse_events", "adverse_events_from_spec"]
