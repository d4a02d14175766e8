"""The tables of an adverse-event result: event rates, shrinkage, hyperpriors, bounds, benchmarks.

Every function reads an :class:`~bayes_trials.results.EndpointResult` of an
:class:`~bayes_trials.endpoints.adverse_events.AdverseEventsEndpoint`: its independent fits
(one per prior and event, :class:`EventModel`) and its hierarchical fits
(:class:`HierarchicalModel`, sampled only with ``method="mcmc"``).

Example
-------
>>> import bayes_trials as bt
>>> table = bt.AdverseEventTable([("CRS", "immune effector", 0, 12), ("ICANS", "immune effector", 0, 12)])
>>> res = bt.analyse(bt.AdverseEventsEndpoint("safety", table), method="exact")
>>> rates = event_rates(res)
>>> round(float(rates.loc[("uniform", "ICANS"), "exact_upper95"]), 4)    # 1 - 0.05^(1/13)
0.2058
>>> list(independent_fits(res)), hierarchical_fits(res)                  # nothing sampled
(['uniform', 'jeffreys'], {})
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._constants import CRED_LEVEL
from ...checks import pct
from ...compare import prob_difference
from ...distributions import Beta
from .exact import UNIFORM, independent_summary
from .model import EventModel, HierarchicalModel

#: the name of the endpoint's own hierarchical analysis
HIERARCHICAL = "hierarchical"


# --- the fits of a result ------------------------------------------------------------------
def independent_fits(result) -> dict:
    """Prior name -> {term: fit} of the independent analyses, in the order of the priors."""
    out: dict = {}
    for fit in result.fits.values():
        if isinstance(fit.model, EventModel):
            out.setdefault(fit.analysis.prior_name, {})[fit.model.term] = fit
    return out


def hierarchical_fits(result, sampled: bool = True) -> dict:
    """Analysis name -> fit of the hierarchical analyses (only those sampled, by default)."""
    return {
        name: fit
        for name, fit in result.fits.items()
        if isinstance(fit.model, HierarchicalModel) and (fit.posterior is not None or not sampled)
    }


def primary_hierarchical(result):
    """``(name, fit)`` of the hierarchical analysis the prose and the figure describe: the
    endpoint's own (``"hierarchical"``) if sampled, else the first sampled; None if none."""
    fits = hierarchical_fits(result)
    if not fits:
        return None
    name = HIERARCHICAL if HIERARCHICAL in fits else next(iter(fits))
    return name, fits[name]


# --- the hierarchical posterior beside the independent one ----------------------------------------
def hierarchical_summary(
    model: HierarchicalModel, tree, level: float = CRED_LEVEL, prior: Beta = UNIFORM
) -> pd.DataFrame:
    """One row per event: hierarchical posterior beside the independent one, and shrinkage.

    Columns: ``group, count, n``; ``mean, sd, mcse_mean, eti{pct}_low, eti{pct}_high,
    upper{pct}`` (hierarchical, MCMC); ``independent_mean, independent_eti{pct}_low/high``
    (exact Beta); ``group_rate_mean`` (:math:`E[\\operatorname{logit}^{-1}\\gamma_g]`);
    ``shrinkage``; ``r_hat, ess_bulk``.

    ``shrinkage`` is the fraction of the way, on the logit scale, from the independent
    posterior mean :math:`E[\\operatorname{logit}\\theta_j]` (exact,
    :math:`\\psi(a') - \\psi(b')`) to the group's mean :math:`E[\\gamma_g]` that the
    hierarchical mean :math:`E[x_j]` has moved: 0 none, 1 complete pooling (NaN when the two
    ends are within 0.05 of each other). It compares the hierarchy with the independent
    analysis under ``prior`` (default uniform). ``tree``: the sampled draws (as sampled, or
    as a result keeps them).
    """
    import arviz as az

    p = pct(level)
    tail = (1 - level) / 2
    ds = model.named(tree)
    indep = independent_summary(model.table, prior, level)
    rows = []
    for e in model.table.events:
        th = ds["theta"].sel(term=e.term)
        x_mean = float(ds["logit_theta"].sel(term=e.term).mean())
        g_mean = float(ds["group_logit"].sel(group=e.group).mean())
        i_row = indep.loc[e.term]
        denom = i_row["mean_logit"] - g_mean
        flat = np.asarray(th).ravel()
        lo, hi, up = np.quantile(flat, [tail, 1 - tail, level])
        rows.append(
            {
                "term": e.term,
                "group": e.group,
                "count": e.count,
                "n": e.n,
                "mean": float(flat.mean()),
                "sd": float(flat.std(ddof=1)),
                "mcse_mean": float(az.mcse(th, method="mean")),
                f"eti{p}_low": float(lo),
                f"eti{p}_high": float(hi),
                f"upper{p}": float(up),
                "independent_mean": i_row["mean"],
                f"independent_eti{p}_low": i_row[f"eti{p}_low"],
                f"independent_eti{p}_high": i_row[f"eti{p}_high"],
                "group_rate_mean": float(ds["group_rate"].sel(group=e.group).mean()),
                "shrinkage": (i_row["mean_logit"] - x_mean) / denom
                if abs(denom) > 0.05
                else np.nan,
                "r_hat": float(az.rhat(th)),
                "ess_bulk": float(az.ess(th, method="bulk")),
            }
        )
    return pd.DataFrame(rows).set_index("term")


def result_hierarchical_summary(result, name: str | None = None) -> pd.DataFrame | None:
    """:func:`hierarchical_summary` of a result's hierarchical fit ``name`` (default the
    primary one), against the endpoint's independent prior; None if it was not sampled."""
    if name is None:
        primary = primary_hierarchical(result)
        if primary is None:
            return None
        name = primary[0]
    fit = hierarchical_fits(result).get(name)
    if fit is None:
        return None
    return hierarchical_summary(
        fit.model, fit.posterior, result.level, result.endpoint.independent_prior
    )


# --- report tables -------------------------------------------------------------------------
def event_rates(result) -> pd.DataFrame:
    """One row per (analysis, term): mean, central CrI, upper bound; CP bound beside.

    Independent analyses (one per Beta prior): the exact posterior's mean, ETI and upper
    bound (``exact_``), and when sampled the MCMC mean with its MCSE, R-hat and ESS.
    Hierarchical analyses: the MCMC summary of :func:`hierarchical_summary` with the shrinkage.
    """
    p, level = pct(result.level), result.level
    tail = (1 - level) / 2
    ref = result.reference
    rows = []
    for pname, by_term in independent_fits(result).items():
        for e in result.endpoint.table.events:
            fit = by_term[e.term]
            post, r = fit.exact[e.term], fit.rows[e.term]
            rows.append(
                {
                    "analysis": pname,
                    "term": e.term,
                    "group": e.group,
                    "count": e.count,
                    "n": e.n,
                    "exact_mean": post.mean,
                    f"exact_eti{p}_low": float(post.ppf(tail)),
                    f"exact_eti{p}_high": float(post.ppf(1 - tail)),
                    f"exact_upper{p}": float(post.ppf(level)),
                    "mean": r.get("mean"),
                    "mcse_mean": r.get("mcse_mean"),
                    "r_hat": r.get("r_hat"),
                    "ess_bulk": r.get("ess_bulk"),
                    f"cp_upper{p}": ref.rows[e.term]["cp_upper"],
                }
            )
    for name in hierarchical_fits(result):
        h = result_hierarchical_summary(result, name)
        for term, r in h.iterrows():
            rows.append(
                {
                    "analysis": name,
                    "term": term,
                    "group": r["group"],
                    "count": r["count"],
                    "n": r["n"],
                    "mean": r["mean"],
                    "mcse_mean": r["mcse_mean"],
                    f"eti{p}_low": r[f"eti{p}_low"],
                    f"eti{p}_high": r[f"eti{p}_high"],
                    f"upper{p}": r[f"upper{p}"],
                    "shrinkage": r["shrinkage"],
                    "r_hat": r["r_hat"],
                    "ess_bulk": r["ess_bulk"],
                    f"cp_upper{p}": ref.rows[term]["cp_upper"],
                }
            )
    return pd.DataFrame(rows).set_index(["analysis", "term"]).dropna(axis=1, how="all")


def frequentist_table(result) -> pd.DataFrame:
    """Per event: count, estimate, two-sided Clopper-Pearson, one-sided bound, rule of three."""
    p = pct(result.level)
    rows = []
    for term, r in result.reference.rows.items():
        lo, hi = r["clopper-pearson"]
        rows.append(
            {
                "term": term,
                "count": r["count"],
                "n": r["n"],
                "estimate": r["estimate"],
                f"clopper-pearson{p}_low": lo,
                f"clopper-pearson{p}_high": hi,
                f"cp_upper{p} (one-sided)": r["cp_upper"],
                "rule_of_three": r["rule_of_three"],
            }
        )
    return pd.DataFrame(rows).set_index("term")


def _hyperprior_source(result, name: str, field: str) -> tuple[str, str]:
    """(tag, note) of one hyperprior of a hierarchical analysis, from the spec: the
    endpoint's ``[endpoints.hierarchical]`` table, or a named prior's tag and rationale."""
    if result.spec is None:
        return "assumed", ""
    if name == HIERARCHICAL:
        q = result.spec.provenance.get(f"model: {field}")
        return (q.tag, q.source) if q else ("assumed", "")
    ps = result.spec.prior_specs.get(name)
    return (ps.tag, ps.rationale) if ps else ("assumed", "")


def model_table(result) -> pd.DataFrame:
    """The hyperpriors of each hierarchical analysis (with their tag) and, when fitted, the
    posterior of the scales and of the group rates."""
    p = pct(result.level)
    tail = (1 - result.level) / 2
    all_fits = hierarchical_fits(result, sampled=False)
    several = len(all_fits) > 1
    rows = []

    def add(quantity, value, tag="", note=""):
        rows.append({"quantity": quantity, "value": value, "tag": tag, "note": note})

    def txt(x):
        x = np.asarray(x).ravel()
        lo, hi = np.quantile(x, [tail, 1 - tail])
        return f"{x.mean():.3f} [{lo:.3f}, {hi:.3f}]"

    for name, fit in all_fits.items():
        pre = f"{name}: " if several else ""
        for field, what in (
            ("mu", "overall mean logit rate mu"),
            ("tau", "between-group sd tau"),
            ("sigma", "within-group sd sigma_g (one per group)"),
        ):
            add(
                f"{pre}prior of {what}",
                repr(getattr(fit.prior, field)),
                *_hyperprior_source(result, name, field),
            )
        if fit.posterior is None:
            add(
                f"{pre}hierarchical model",
                "not fitted (method exact)",
                "",
                "the three-level model has no closed form",
            )
            continue
        post = fit.posterior["posterior"]
        add(f"{pre}tau: mean [{p}% CrI]", txt(post["tau"]))
        for g in post["group"].values:
            add(f"{pre}sigma[{g}]: mean [{p}% CrI]", txt(post["sigma"].sel(group=g)))
            add(f"{pre}group rate [{g}]: mean [{p}% CrI]", txt(post["group_rate"].sel(group=g)))
    if not all_fits:
        add(
            "hierarchical model",
            "not fitted (method exact)",
            "",
            "the three-level model has no closed form; only the independent Beta posteriors are exact",
        )
    single = result.endpoint.table.singleton_groups
    if single and hierarchical_fits(result):
        add(
            "groups with one event",
            ", ".join(single),
            "",
            "shrunk toward the overall mean, not toward a group",
        )
    return pd.DataFrame(rows).set_index("quantity")


def benchmark_table(result) -> pd.DataFrame:
    """P(theta_term < benchmark) per benchmark and analysis.

    ``exact_prob``: :math:`P(\\theta < r_b)`, the benchmark rate a fixed number;
    ``exact_prob_vs_uncertain``: :math:`P(\\theta < \\theta_b)` with :math:`\\theta_b \\sim`
    Beta(:math:`k_b + 1/2, n_b - k_b + 1/2`) (Jeffreys, as for binary endpoints), by
    quadrature (:func:`bayes_trials.prob_difference`). Hierarchical rows: ``prob`` the share
    of draws below :math:`r_b`; ``prob_vs_uncertain`` the mean over draws of
    :math:`P(\\theta_b > \\theta^{(s)})` (Rao-Blackwellised).
    """
    terms = dict(result.endpoint.benchmark_terms)
    indep = independent_fits(result)
    hier = hierarchical_fits(result)
    rows = []
    for bm in result.spec.benchmarks if result.spec is not None else ():
        term = terms.get(bm.name)
        if term is None:
            continue
        bench = None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
        base = {"benchmark": bm.name, "term": term}
        comparison = f"P(theta[{term}] < {bm.value:g})"
        for pname, by_term in indep.items():
            post = by_term[term].exact[term]
            row = {
                **base,
                "analysis": pname,
                "comparison": comparison,
                "tag": bm.tag,
                "exact_prob": float(post.cdf(bm.value)),
            }
            if bench is not None:
                row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                row["exact_prob_vs_uncertain"] = float(prob_difference(bench, post, 0.0))
            rows.append(row)
        for name, fit in hier.items():
            draws = np.asarray(fit.posterior["posterior"]["theta"].sel(term=term)).ravel()
            row = {
                **base,
                "analysis": name,
                "comparison": comparison,
                "tag": bm.tag,
                "prob": float((draws < bm.value).mean()),
            }
            if bench is not None:
                row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                row["prob_vs_uncertain"] = float(bench.sf(draws).mean())
            rows.append(row)
    return pd.DataFrame(rows)
