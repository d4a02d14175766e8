"""The report's tables, built from the tidy result table and the results' records.

Rounding happens at display (:mod:`bayes_trials._format`); probabilities near 0 or 1 are
shown so that they never read as 0 or 1 (:func:`~bayes_trials._format.fmt_prob`), from the
exact complement where the exact posterior gives one. Every posterior number says where it
comes from: ``exact`` (conjugate updating or quadrature) or ``MCMC`` (the draws).
"""

from __future__ import annotations

import pandas as pd

from .._format import PROB_COLUMNS, fmt, fmt_interval, fmt_prob
from ..checks import pct


def render_table(df: pd.DataFrame, style: str) -> str:
    """A DataFrame as a Markdown (``"md"``) or HTML table, numbers rounded for display (the
    ``summary_<endpoint>.md`` files and the design report)."""
    if isinstance(df.index, pd.MultiIndex):
        df = df.copy()
        df.index = pd.Index(
            [" / ".join(map(str, i)) for i in df.index], name=" / ".join(df.index.names)
        )
    shown = df.map(fmt)
    for col in PROB_COLUMNS:
        if col in df.columns:
            shown[col] = [v if isinstance(v, str) else fmt_prob(v) for v in df[col]]
    if style == "html":
        return shown.to_html(escape=True, border=0, classes="bt-table")
    header = "| " + " | ".join([df.index.name or ""] + [str(c) for c in shown.columns]) + " |"
    sep = "|" + "---|" * (len(shown.columns) + 1)
    cell = lambda x: str(x).replace("|", "\\|")  # noqa: E731  (a pipe would end the cell)
    rows = [
        "| " + " | ".join([cell(i)] + [cell(x) for x in r]) + " |"
        for i, r in zip(shown.index, shown.values)
    ]
    return "\n".join([header, sep, *rows])


# --- where the numbers come from ------------------------------------------------------------
def prior_role(result, prior_name: str) -> str:
    """The role the spec gives a prior (reference, sceptical, ...), or ``""``."""
    specs = getattr(result.spec, "prior_specs", None) or {}
    ps = specs.get(prior_name)
    return getattr(ps, "role", "") or ""


def quantity_label(endpoint, quantity) -> str:
    """How a table names a quantity: a scalar endpoint's parameter symbol (``"θ"``,
    ``"RR"``), else the quantity's label."""
    symbol = getattr(endpoint, "parameter_symbol", "")
    if symbol and quantity.name == getattr(endpoint, "parameter", None):
        return symbol
    return quantity.label


def _quantities(fit) -> list:
    a = fit.analysis
    return [q for q in a.model.quantities(a.prior) if q.name in fit.rows]


def exact_complement(fit, quantity) -> float | None:
    """The exact :math:`1 - P(\\text{beyond target})`, computed as the other tail (so that
    a probability within 1e-16 of 1 is still shown with its tail), or None."""
    dist = fit.exact.get(quantity.name)
    if dist is None or quantity.target is None:
        return None
    try:
        return float(
            dist.cdf(quantity.target)
            if quantity.direction == "greater"
            else dist.sf(quantity.target)
        )
    except (AttributeError, TypeError, ValueError):
        return None


def mcmc_prob_text(row) -> str:
    """The MCMC tail probability with its MCSE, or why the draws do not give it."""
    prob = row.get("prob")
    if prob is None or pd.isna(prob):
        return "-"
    if row.get("prob_resolvable") is False:
        return "not resolved by the draws (exact value above)"
    mcse = row.get("prob_mcse")
    return fmt_prob(prob) + ("" if mcse is None or pd.isna(mcse) else f" ± {fmt(float(mcse), 2)}")


def _has(row, key) -> bool:
    v = row.get(key)
    return v is not None and not (isinstance(v, float) and pd.isna(v))


def posterior_records(result) -> list[dict]:
    """One record per fit x quantity x source (``exact``, ``MCMC``): the numbers of the
    posterior table and of the summary, formatted, with their keys (fit, prior, model,
    quantity) and the criterion of the tail probability."""
    p = pct(result.level)
    out = []
    for fit in result.fits.values():
        a = fit.analysis
        role = prior_role(result, a.prior_name)
        for q in _quantities(fit):
            row = fit.rows[q.name]
            base = {
                "fit": fit.name,
                "prior": a.prior_name,
                "role": role,
                "model": a.model_name,
                "quantity": quantity_label(result.endpoint, q),
                "quantity_name": q.name,
                "criterion": q.describe_target(quantity_label(result.endpoint, q))
                if q.target is not None
                else "",
                "has_target": q.target is not None,
                "note": str(row.get("note") or ""),
            }
            prior_cols = {
                "prior_distribution": str(row.get("prior_distribution", "") or ""),
                "prior_ess": fmt(row.get("prior_ess"), 3),
                "conflict_p": fmt_prob(row.get("conflict_p")),
                "posterior_weights": str(row.get("posterior_weights") or "-"),
            }
            if _has(row, "exact_mean"):
                out.append(
                    {
                        **base,
                        **prior_cols,
                        "source": "exact",
                        "mean": fmt(row["exact_mean"]),
                        "sd": fmt(row.get("exact_sd")),
                        "median": fmt(row.get("exact_median")),
                        "cri": fmt_interval(
                            row.get(f"exact_eti{p}_low"), row.get(f"exact_eti{p}_high")
                        ),
                        "hdi": fmt_interval(
                            row.get(f"exact_hdi{p}_low"), row.get(f"exact_hdi{p}_high")
                        ),
                        "prob": fmt_prob(row.get("exact_prob"), exact_complement(fit, q)),
                        "mcse_mean": "-",
                        "ess_bulk": "-",
                        "r_hat": "-",
                        "divergences": "-",
                        "draws": "-",
                    }
                )
            if fit.posterior is not None and _has(row, "mean"):
                first = not _has(row, "exact_mean")
                out.append(
                    {
                        **base,
                        **(prior_cols if first else dict.fromkeys(prior_cols, "")),
                        "source": "MCMC",
                        "mean": fmt(row["mean"]),
                        "sd": fmt(row.get("sd")),
                        "median": fmt(row.get("median")),
                        "cri": fmt_interval(row.get(f"eti{p}_low"), row.get(f"eti{p}_high")),
                        "hdi": fmt_interval(row.get(f"hdi{p}_low"), row.get(f"hdi{p}_high")),
                        "prob": mcmc_prob_text(row),
                        "mcse_mean": fmt(row.get("mcse_mean"), 2),
                        "ess_bulk": fmt(
                            float(row["ess_bulk"]) if _has(row, "ess_bulk") else None, 3
                        ),
                        "r_hat": fmt(row.get("r_hat")),
                        "divergences": fmt(row.get("divergences")),
                        "draws": fmt(row.get("draws")),
                    }
                )
    return out


def _criterion_header(records) -> str | None:
    """The tail probability's heading when every quantity with a target shares one criterion."""
    crit = {r["criterion"] for r in records if r["has_target"]}
    return next(iter(crit)) if len(crit) == 1 else None


def posterior_table(result):
    """The posterior table of an endpoint: ``(frame, compact columns, labels)``.

    One row per prior x model x quantity x source: the exact posterior's row, then the MCMC
    draws' row where the fit was sampled; mean, sd, median, equal-tailed and highest-density
    credible intervals, the tail probability (MCMC: with its Monte Carlo SE) and, in the wide
    view, the prior's distribution, ESS and prior-data conflict and the sampler diagnostics.
    """
    p = pct(result.level)
    records = posterior_records(result)
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame, [], {}
    single = _criterion_header(records)
    cols = ["prior", "role", "prior_distribution", "prior_ess", "conflict_p", "posterior_weights"]
    if frame["model"].astype(bool).any():
        cols.append("model")
    if frame["quantity"].nunique() > 1:
        cols.append("quantity")
    cols += ["source", "mean", "sd", "median", "cri", "hdi"]
    if frame["has_target"].any():
        if single is None:
            cols.append("criterion")
        cols.append("prob")
    cols += ["mcse_mean", "ess_bulk", "r_hat", "divergences", "draws"]
    if (frame["source"] == "exact").all():
        cols = [
            c for c in cols if c not in ("mcse_mean", "ess_bulk", "r_hat", "divergences", "draws")
        ]
    if (frame["posterior_weights"].isin(["-", ""])).all():
        cols.remove("posterior_weights")
    if (frame["conflict_p"].isin(["-", ""])).all():
        cols.remove("conflict_p")
    if frame["note"].astype(bool).any():  # data with no information on a quantity say so
        cols.append("note")
    labels = {
        "prior": "Prior",
        "role": "Role",
        "prior_distribution": "Prior distribution",
        "prior_ess": "Prior ESS",
        "conflict_p": "Prior-data conflict p",
        "posterior_weights": "Posterior mixture weights",
        "model": "Model",
        "quantity": "Quantity",
        "source": "From",
        "mean": "Mean",
        "sd": "SD",
        "median": "Median",
        "cri": f"{p}% CrI (equal-tailed)",
        "hdi": f"{p}% CrI (HDI)",
        "criterion": "Criterion",
        "prob": single or "P(criterion)",
        "mcse_mean": "MCSE of mean",
        "ess_bulk": "Bulk ESS",
        "r_hat": "R-hat",
        "divergences": "Divergences",
        "draws": "Draws",
        "note": "Note",
    }
    compact = ["prior", "model", "quantity", "source", "mean", "cri", "criterion", "prob", "note"]
    return frame[cols], compact, labels


def headline_records(result) -> list[dict]:
    """The rows of the summary for one endpoint: its headline quantities
    (:meth:`Endpoint.headline`, default: those with a target, else all), one row per fit
    and quantity, the exact posterior's numbers where there are, else the draws'."""
    records = posterior_records(result)
    chosen = None
    hook = getattr(result.endpoint, "headline", None)
    if callable(hook):
        chosen = hook(result)
    if chosen is None:
        targeted = [r for r in records if r["has_target"]]
        records = targeted or records
    else:
        keys = set(chosen)
        records = [r for r in records if (r["fit"], r["quantity_name"]) in keys]
    seen, out = set(), []
    for r in records:
        key = (r["fit"], r["quantity_name"])
        if key not in seen:  # the exact row comes first: one number per quantity
            seen.add(key)
            out.append(r)
    return out


def fit_checks(checks: pd.DataFrame, fit) -> tuple[int, int]:
    """``(passed, applicable)`` over the checks of this fit (by its name or its prior) and
    the endpoint's checks that concern no prior."""
    names = {fit.name, fit.analysis.prior_name}
    mine = checks[checks["prior"].isin(names) | (checks["prior"].fillna("") == "")]
    applicable = mine[mine["passed"].notna()]
    return int((applicable["passed"] == True).sum()), len(applicable)  # noqa: E712


def summary_frame(results: dict, level: float) -> tuple[pd.DataFrame, dict]:
    """The summary up front: one row per endpoint x prior (x model) x headline quantity, for
    ``results`` (endpoint name -> :class:`~bayes_trials.results.EndpointResult`)."""
    rows = []
    for name, res in results.items():
        checks = res.checks()
        design = res.design
        decisions = {}
        if design is not None:
            d = design.decisions
            d = d.set_index("prior_name") if "prior_name" in d.columns else d
            decisions = d["decision"].to_dict()
        fits = res.fits
        for r in headline_records(res):
            passed, n = fit_checks(checks, fits[r["fit"]])
            prior = r["prior"] + (f" ({r['model']})" if r["model"] else "")
            rows.append(
                {
                    "endpoint": name,
                    "prior": prior,
                    "role": r["role"],
                    "quantity": r["quantity"],
                    "mean": r["mean"],
                    "cri": r["cri"],
                    "criterion": r["criterion"] or "-",
                    "prob": r["prob"] if r["has_target"] else "-",
                    "source": r["source"],
                    "decision": decisions.get(r["prior"], "-"),
                    "checks": f"{passed}/{n}",
                    "note": r["note"],
                }
            )
    frame = pd.DataFrame(rows)
    p = pct(level)
    labels = {
        "endpoint": "Endpoint",
        "prior": "Prior (model)",
        "role": "Role",
        "quantity": "Quantity",
        "mean": "Posterior mean",
        "cri": f"{p}% CrI (equal-tailed)",
        "criterion": "Criterion",
        "prob": "P(criterion)",
        "source": "From",
        "decision": "Decision",
        "checks": "Checks passed",
        "note": "Note",
    }
    if len(frame):
        drop = [
            c for c in ("decision", "note") if not (frame[c].astype(bool) & (frame[c] != "-")).any()
        ]
        frame = frame.drop(columns=drop)
        if not any(
            fit.analysis.model_name for res in results.values() for fit in res.fits.values()
        ):
            labels["prior"] = "Prior"
    return frame, labels


def provenance_table(result) -> pd.DataFrame:
    """Every input number of the endpoint with its tag and source, benchmarks, and the
    priors with their roles and rationales."""
    rows = []
    es = result.spec
    if es is None:
        return pd.DataFrame(columns=["field", "value", "tag", "source"]).set_index("field")
    for fld, q in es.provenance.items():
        rows.append({"field": fld, "value": q.value, "tag": q.tag, "source": q.source})
    for bm in es.benchmarks:
        rows.append(
            {
                "field": f"benchmark: {bm.name}",
                "value": bm.value,
                "tag": bm.tag,
                "source": bm.source,
            }
        )
    for name, ps in es.prior_specs.items():
        rows.append(
            {
                "field": f"prior: {name}",
                "value": repr(es.priors[name]),
                "tag": ps.tag,
                "source": f"{ps.role}: {ps.rationale}",
            }
        )
    return pd.DataFrame(rows).set_index("field")


def map_priors_used(result) -> list:
    """(name, prior spec, MAPPrior) for every MAP prior this endpoint used, directly or robustified."""
    es = result.spec
    if es is None:
        return []
    out, seen = [], set()
    for ps in es.prior_specs.values():
        while ps is not None and ps.params["kind"] == "robustify":
            ps = es.registry[ps.params["prior"]]
        if ps is not None and ps.params["kind"] == "map" and ps.name not in seen:
            fitted = ps.map_result(es.seed)
            if fitted is not None:
                out.append((ps.name, ps, fitted))
                seen.add(ps.name)
    return out


def map_tables(name, ps, fitted) -> list[tuple[str, pd.DataFrame]]:
    """The MAP prior's studies (with provenance), heterogeneity and mixture, as tables."""
    studies = ps.params["table"].set_index("study")
    shrink = fitted.studies.set_index("study")[
        ["observed", "shrunken_mean", "cri95_low", "cri95_high"]
    ]
    studies = studies.join(shrink)
    t = fitted.tau
    d = fitted.diagnostics
    summary = pd.DataFrame(
        [
            {"quantity": "heterogeneity prior", "value": repr(ps.params["tau_prior"])},
            {
                "quantity": "tau (between-study sd, logit scale): mean [95% CrI]",
                "value": f"{t['mean']:.3f} [{t['cri95_low']:.3f}, {t['cri95_high']:.3f}]",
            },
            {
                "quantity": "MAP prior (EM mixture of the predictive draws)",
                "value": repr(fitted.mixture),
            },
            {"quantity": "ESS (ELIR)", "value": f"{fitted.ess():.1f}"},
            {
                "quantity": "largest cdf difference, mixture vs draws (Kolmogorov-Smirnov)",
                "value": f"{fitted.mixture_fit.max_cdf_diff:.4f}",
            },
            {
                "quantity": "sampler: max R-hat, min bulk ESS, divergences",
                "value": f"{max(d['r_hat'].values()):.3f}, {min(d['ess_bulk'].values()):.0f}, {d['divergences']}",
            },
        ]
    ).set_index("quantity")
    return [
        (f"Prior from evidence: {name}, historical studies", studies),
        (f"Prior from evidence: {name}, fit", summary),
    ]


#: the order of check results in the appendix: failures first, then not applicable, then passes
_ORDER = {False: 0, None: 1, True: 2}


def checks_table(checks: pd.DataFrame) -> pd.DataFrame:
    """Checks for display: failures first, then those that do not apply, then passes."""
    c = checks.copy()
    c["_order"] = [_ORDER.get(None if pd.isna(v) else bool(v), 1) for v in c["passed"]]
    c = c.sort_values("_order", kind="stable")
    c["passed"] = [
        "FAIL" if v is False else ("pass" if v is True else "n/a")
        for v in (None if pd.isna(x) else bool(x) for x in c["passed"])
    ]
    return c[["passed", "kind", "name", "prior", "value", "reference", "tolerance", "message"]]
