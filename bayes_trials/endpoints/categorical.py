"""Response categories: ``Categorical`` counts in ordered categories (CR > CRi > MLFS > none).

Model
-----
.. math::

    \\mathbf p = (p_1, \\ldots, p_K) &\\sim \\text{Dirichlet}(\\alpha_1, \\ldots, \\alpha_K)\\\\
    (y_1, \\ldots, y_K) &\\sim \\text{Multinomial}(n, \\mathbf p)\\\\
    p_U &= \\textstyle\\sum_{k \\in U} p_k \\quad\\text{for each union } U \\text{ of categories}

Estimands: the posterior of each category's probability and of unions of categories
(CR + CRi, any response), their credible intervals and :math:`P(p_U > \\text{target})`.

Priors: the reference Dirichlet with :math:`\\alpha_k = 1/2` (Jeffreys) or 1 (uniform) per
category, or an informative Dirichlet from a benchmark's category split discounted to a
stated effective sample size (:meth:`bayes_trials.dirichlet.Dirichlet.from_mean_ess`). A
benchmark that reports fewer categories than the trial (FELIX reports CR and overall
remission, no MLFS) needs an assumed split of the rest: say so wherever it is used.

Exact posterior: Dirichlet-multinomial conjugacy (:func:`bayes_trials.dirichlet.update_dirichlet`);
the union :math:`p_U` is :math:`\\text{Beta}(\\sum_{k\\in U} \\alpha_k + y_k,
\\sum_{k\\notin U} \\alpha_k + y_k)`, the same posterior a binary analysis of the union gives
under the prior :math:`\\text{Beta}(\\sum_{k\\in U}\\alpha_k, \\sum_{k\\notin U}\\alpha_k)`.
Frequentist reference: simultaneous multinomial confidence intervals (Goodman 1965;
Sison and Glaz 1995; statsmodels ``multinomial_proportions_confint``) and Clopper-Pearson
intervals per union.

References
----------
Goodman LA. On simultaneous confidence intervals for multinomial proportions.
Technometrics 1965;7:247-54. doi:10.1080/00401706.1965.10490252

Sison CP, Glaz J. Simultaneous confidence intervals and sample size determination for
multinomial proportions. J Am Stat Assoc 1995;90:366-9. doi:10.1080/01621459.1995.10476521

Example
-------
>>> from bayes_trials.dirichlet import Categorical, Dirichlet
>>> ep = CategoricalEndpoint("response_1m", Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0}),
...                          unions={"CR+CRi": ["CR", "CRi"]}, targets={"CR+CRi": 0.4})
>>> post = ep.union_posterior(Dirichlet.reference(ep.data.names, 0.5), "CR+CRi")
>>> post, round(float(post.sf(0.4)), 4)
(Beta(a=10, b=4), 0.9922)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

from .. import _validate as v
from .._registry import register_prior_family
from ..dirichlet import Categorical, Dirichlet, check_categories, update_dirichlet
from ..errors import DataError, PriorError
from ..priors import CRED_LEVEL

#: simultaneous interval methods: our name -> statsmodels ``multinomial_proportions_confint`` method
SIMULTANEOUS_METHODS = {"goodman": "goodman", "sison-glaz": "sison-glaz"}


def cumulative_unions(names) -> dict[str, tuple[str, ...]]:
    """For ordered categories (best first): "this category or better", for all but the last.

    >>> cumulative_unions(["CR", "CRi", "MLFS", "none"])
    {'CR': ('CR',), 'CR+CRi': ('CR', 'CRi'), 'CR+CRi+MLFS': ('CR', 'CRi', 'MLFS')}
    """
    names = list(names)
    return {"+".join(names[: i + 1]): tuple(names[: i + 1]) for i in range(len(names) - 1)}


@dataclass(frozen=True)
class CategoricalReference:
    """The frequentist analysis of categorical counts, recomputed from the counts.

    Attributes
    ----------
    estimates : dict
        Category -> observed proportion.
    simultaneous : dict
        Method (``"goodman"``, ``"sison-glaz"``) -> {category: (low, high)}: simultaneous
        two-sided intervals at ``level`` for all category proportions together.
    unions : dict
        Union -> {"events", "n", "estimate", "clopper-pearson": (low, high)}, two-sided at
        ``level``.
    """

    counts: dict
    n: int
    level: float
    estimates: dict
    simultaneous: dict = field(default_factory=dict)
    unions: dict = field(default_factory=dict)
    method: str = ("simultaneous multinomial intervals (statsmodels "
                   "multinomial_proportions_confint); Clopper-Pearson per union")

    def as_dict(self) -> dict:
        pct = round(100 * self.level)
        out = {"n": self.n}
        for name, c in self.counts.items():
            out[f"{name}_count"] = c
            out[f"{name}_estimate"] = self.estimates[name]
            for method, ints in self.simultaneous.items():
                out[f"{name}_{method}{pct}_low"], out[f"{name}_{method}{pct}_high"] = ints[name]
        for label, u in self.unions.items():
            key = f"union_{label}"
            out[f"{key}_events"] = u["events"]
            out[f"{key}_estimate"] = u["estimate"]
            lo, hi = u["clopper-pearson"]
            out[f"{key}_clopper-pearson{pct}_low"] = lo
            out[f"{key}_clopper-pearson{pct}_high"] = hi
        return out


@dataclass(frozen=True)
class CategoricalEndpoint:
    """An endpoint reported as counts in ordered categories, with unions of interest.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"response_1m"``.
    data : Categorical
        Categories in their order, best first.
    unions : mapping of str to sequence of str, optional
        Union label -> its categories, e.g. ``{"CR+CRi": ["CR", "CRi"]}``. Default: the
        cumulative unions "this category or better" (:func:`cumulative_unions`).
    targets : mapping of str to float, optional
        Union (or category) label -> null or benchmark rate; :math:`P(p_U > \\text{target})`
        is reported for each.
    label : str

    Example
    -------
    >>> from bayes_trials.dirichlet import Categorical, Dirichlet
    >>> ep = CategoricalEndpoint("resp", Categorical({"CR": 4, "CRi": 5, "MLFS": 3, "none": 0}))
    >>> [u for u, _ in ep.unions]
    ['CR', 'CR+CRi', 'CR+CRi+MLFS']
    >>> ep.exact_posterior(Dirichlet.reference(ep.data.names, 1.0))
    Dirichlet(CR=5, CRi=6, MLFS=4, none=1)
    """

    name: str
    data: Categorical
    unions: tuple = ()
    targets: tuple = ()
    label: str = ""
    #: (category, (printed percent, decimals, tag, source)): percentages the paper printed
    printed: tuple = ()
    #: (benchmark name, union or category it compares with), from the spec
    benchmark_unions: tuple = ()

    kind = "categorical"
    parameter = "p"
    prior_family = "dirichlet"
    direction = "greater"
    #: the endpoint has no single target; each union may have one (``targets``)
    target = None

    def __post_init__(self):
        if not isinstance(self.data, Categorical):
            raise DataError(f"needs Categorical data, got {type(self.data).__name__}",
                            endpoint=self.name, field="data")
        if self.data.k < 2:
            raise DataError("needs at least 2 categories", endpoint=self.name, field="data")
        unions = self.unions
        if not unions:
            unions = cumulative_unions(self.data.names)
        if hasattr(unions, "items"):
            unions = tuple(unions.items())
        normalised = []
        for label, members in unions:
            members = (members,) if isinstance(members, str) else tuple(members)
            try:
                self.data.union(members)
            except DataError as err:
                raise DataError(err.reason, endpoint=self.name,
                                field=f"unions[{label!r}]") from None
            normalised.append((str(label), members))
        object.__setattr__(self, "unions", tuple(normalised))
        targets = self.targets
        if hasattr(targets, "items"):
            targets = tuple(targets.items())
        known = {u for u, _ in normalised} | set(self.data.names)
        checked = []
        for label, value in targets:
            if label not in known:
                raise DataError(f"target for unknown union or category {label!r}; known: "
                                f"{sorted(known)}", endpoint=self.name, field="targets")
            checked.append((label, v.open_unit(value, f"targets[{label!r}]")))
        object.__setattr__(self, "targets", tuple(checked))
        if not self.label:
            object.__setattr__(self, "label", self.name)

    # --- the pipeline's interface ------------------------------------------------------
    @staticmethod
    def from_spec(raw, defaults, name, base_dir=None):
        """Parse a ``kind = "categorical"`` spec table (see :func:`categorical_from_spec`);
        ``base_dir`` (the spec's folder) is unused: the counts sit in the spec."""
        return categorical_from_spec(raw, defaults, name)

    def describe_data(self) -> str:
        """E.g. ``CR 4, CRi 5, MLFS 3, no response 0 of 12``."""
        return ", ".join(f"{k} {c}" for k, c in self.data.counts.items()) + f" of {self.data.n}"

    @staticmethod
    def published_quantities() -> tuple:
        """None through ``[[endpoints.published]]``: printed percentages sit on the categories."""
        return ()

    @staticmethod
    def interval_methods() -> tuple:
        return (*SIMULTANEOUS_METHODS, "clopper-pearson")

    def analyse(self, priors: dict, **settings):
        """Fit every prior, run the checks: a :class:`CategoricalResult` (see :func:`analyse_categorical`)."""
        return analyse_categorical(self, priors, **settings)

    # --- unions -----------------------------------------------------------------------
    def members(self, union) -> tuple[str, ...]:
        """The categories of a union given by its label, a category name or a list."""
        if isinstance(union, str):
            for label, members in self.unions:
                if label == union:
                    return members
            if union in self.data.names:
                return (union,)
            raise DataError(f"unknown union or category {union!r}", endpoint=self.name,
                            field="union")
        return tuple(union)

    # --- priors -----------------------------------------------------------------------
    def check_prior(self, prior) -> None:
        if not isinstance(prior, Dirichlet):
            raise PriorError(f"a categorical endpoint takes a Dirichlet prior, got {prior!r}",
                             endpoint=self.name, field="prior")
        try:
            check_categories(prior, self.data)
        except PriorError as err:
            raise err.located(endpoint=self.name) from None

    def reference_priors(self) -> dict:
        """Jeffreys (1/2 per category) and uniform (1 per category) Dirichlet priors."""
        return {"jeffreys": Dirichlet.reference(self.data.names, 0.5),
                "uniform": Dirichlet.reference(self.data.names, 1.0)}

    # --- PyMC model ---------------------------------------------------------------------
    def structure(self, prior) -> tuple:
        """The compile key: the numbers of categories and of unions (free-parameter shapes)."""
        return (self.kind, self.data.k, len(self.unions))

    @staticmethod
    def build_model(structure: tuple):
        """Dirichlet-multinomial model; counts, concentrations and union memberships are ``pm.Data``.

        ``p`` has PyMC's simplex transform; the unions are the deterministic
        ``p_union = M @ p`` with ``M`` the 0/1 membership matrix (unions x categories).
        """
        import pymc as pm

        _, k, n_unions = structure
        with pm.Model() as model:
            alpha = pm.Data("prior_alpha", np.ones(k))
            counts = pm.Data("counts", np.ones(k, dtype="int64"))
            membership = pm.Data("membership", np.zeros((n_unions, k)))
            p = pm.Dirichlet("p", a=alpha)
            pm.Deterministic("p_union", pm.math.dot(membership, p))
            pm.Multinomial("y", n=counts.sum(), p=p, observed=counts)
        return model

    def membership(self) -> np.ndarray:
        """0/1 matrix, unions x categories (in the data's order)."""
        m = np.zeros((len(self.unions), self.data.k))
        for i, (_, members) in enumerate(self.unions):
            for name in members:
                m[i, self.data.names.index(name)] = 1.0
        return m

    def model_inputs(self, prior) -> dict:
        """Values of the model's ``pm.Data`` (the prior's alphas put in the data's order)."""
        self.check_prior(prior)
        conc = prior.concentrations
        return {
            "prior_alpha": np.array([conc[name] for name in self.data.names], dtype=float),
            "counts": np.array(self.data.values, dtype="int64"),
            "membership": self.membership(),
        }

    def draws(self, tree):
        """The posterior draws with named coordinates: ``p`` by category, ``p_union`` by union.

        Returns an ``xarray.Dataset`` (dims chain, draw, category / union).
        """
        import xarray as xr

        post = tree["posterior"]
        p = post["p"]
        pu = post["p_union"]
        p = xr.DataArray(np.asarray(p), dims=("chain", "draw", "category"),
                         coords={"category": list(self.data.names)})
        pu = xr.DataArray(np.asarray(pu), dims=("chain", "draw", "union"),
                          coords={"union": [u for u, _ in self.unions]})
        return xr.Dataset({"p": p, "p_union": pu})

    # --- exact and frequentist --------------------------------------------------------
    def exact_posterior(self, prior) -> Dirichlet:
        """Dirichlet-multinomial conjugate posterior."""
        self.check_prior(prior)
        return update_dirichlet(prior, self.data)

    def union_posterior(self, prior, union):
        """Exact Beta posterior of a union (label, category name or list of categories)."""
        return self.exact_posterior(prior).marginal(self.members(union))

    def tail_probabilities(self, prior) -> dict[str, float]:
        """:math:`P(p_U > \\text{target})` for each target, exact."""
        post = self.exact_posterior(prior)
        return {label: float(post.marginal(self.members(label)).sf(t))
                for label, t in self.targets}

    def compare_with_benchmarks(self, prior, union, benchmarks, **kwargs):
        """P(p_union > benchmark rate) for each benchmark (see :mod:`bayes_trials.benchmarks`)."""
        from ..benchmarks import compare_with_benchmarks

        kwargs.setdefault("direction", "greater")
        return compare_with_benchmarks(self.union_posterior(prior, union), benchmarks, **kwargs)

    def frequentist(self, level: float = CRED_LEVEL) -> CategoricalReference:
        """Goodman and Sison-Glaz simultaneous intervals; Clopper-Pearson per union."""
        level = v.open_unit(level, "level")
        counts = np.array(self.data.values)
        simultaneous = {}
        for ours, method in SIMULTANEOUS_METHODS.items():
            region = multinomial_proportions_confint(counts, alpha=1 - level, method=method)
            simultaneous[ours] = {name: (float(lo), float(hi))
                                  for name, (lo, hi) in zip(self.data.names, region)}
        unions = {}
        for label, members in self.unions:
            b = self.data.union(members)
            lo, hi = proportion_confint(b.events, b.n, alpha=1 - level, method="beta")
            unions[label] = {"events": b.events, "n": b.n, "estimate": b.proportion,
                             "clopper-pearson": (float(lo), float(hi))}
        return CategoricalReference(
            counts=self.data.counts, n=self.data.n, level=level,
            estimates=self.data.proportions, simultaneous=simultaneous, unions=unions,
        )

    # --- MCMC vs exact ----------------------------------------------------------------
    def compare_with_exact(self, tree, prior, level: float = CRED_LEVEL):
        """One row per category and union: MCMC mean, its MCSE and the exact Beta marginal.

        Columns ``mean``, ``mcse_mean``, ``exact_mean``, ``z`` (= (mean - exact) / MCSE),
        ``eti{pct}_low/high`` (MCMC quantiles), ``exact_eti{pct}_low/high``, ``r_hat``,
        ``ess_bulk``.
        """
        import arviz as az
        import pandas as pd

        post = self.exact_posterior(prior)
        ds = self.draws(tree)
        pct = round(100 * level)
        tail = (1 - level) / 2
        rows = []
        items = [("category", name, (name,), ds["p"].sel(category=name))
                 for name in self.data.names]
        items += [("union", label, members, ds["p_union"].sel(union=label))
                  for label, members in self.unions]
        for what, label, members, x in items:
            exact = post.marginal(list(members))
            mean = float(x.mean())
            mcse = float(az.mcse(x, method="mean"))
            lo, hi = np.quantile(np.asarray(x).ravel(), [tail, 1 - tail])
            elo, ehi = exact.interval(level)
            rows.append({"kind": what, "name": label, "mean": mean, "mcse_mean": mcse,
                         "exact_mean": exact.mean, "z": (mean - exact.mean) / mcse,
                         f"eti{pct}_low": float(lo), f"eti{pct}_high": float(hi),
                         f"exact_eti{pct}_low": elo, f"exact_eti{pct}_high": ehi,
                         "r_hat": float(az.rhat(x)), "ess_bulk": float(az.ess(x, method="bulk"))})
        return pd.DataFrame(rows).set_index("name")

    # --- figure -----------------------------------------------------------------------
    def plot(self, prior, ax=None, level: float = CRED_LEVEL):
        """Stacked bar of posterior mean category probabilities beside the observed split."""
        import matplotlib.pyplot as plt

        post = self.exact_posterior(prior)
        ax = ax or plt.figure(figsize=(6, 2.8)).gca()
        bars = {"observed": self.data.proportions, "posterior mean": post.mean}
        left = dict.fromkeys(bars, 0.0)
        for name in self.data.names:
            for row, (label, values) in enumerate(bars.items()):
                ax.barh(row, values[name], left=left[label], label=name if row == 0 else None,
                        edgecolor="white")
                left[label] += values[name]
        ax.set_yticks(range(len(bars)), list(bars))
        ax.set_xlim(0, 1)
        ax.set_xlabel("proportion of patients")
        ax.set_title(f"{self.label}: categories (prior {prior!r})", fontsize=9)
        ax.legend(ncol=self.data.k, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25))
        return ax


__all__ = ["CategoricalEndpoint", "CategoricalReference", "cumulative_unions",
           "SIMULTANEOUS_METHODS"]


# ======================================================================================
# the spec format and the pipeline
#
# A spec declares a categorical endpoint as
#
#     [[endpoints]]
#     id = "response_categories_1m"
#     kind = "categorical"
#     priors = ["dirichlet_jeffreys", "dirichlet_uniform"]
#     n = { value = 12, tag = "published", source = "..." }       # optional stated total
#
#     [[endpoints.categories]]                 # in order, best first; one table per category
#     name = "CR"
#     count = 4
#     percent = 33                             # optional: the printed percentage, recomputed
#     tag = "published"
#     source = "..."
#
#     [[endpoints.unions]]                     # optional; default: "this category or better"
#     name = "CR+CRi"
#     categories = ["CR", "CRi"]
#     target = { value = 0.40, tag = "published", source = "..." }   # optional
#
#     [[endpoints.benchmarks]]                 # the usual benchmark table, plus the union
#     name = "ZUMA-3 phase 2 CR/CRi"
#     union = "CR+CRi"
#     value = 0.709
#     events = 39
#     n = 55
#     tag = "published"
#     source = "..."
#
# and a Dirichlet prior as ``[priors.<name>]`` with ``family = "dirichlet"`` and one of
# ``alpha = 0.5`` (the same concentration for every category), ``alpha = { CR = .., ... }``,
# ``mean = { CR = .., ... }`` with ``ess``, or ``counts = { CR = .., ... }`` with ``ess``
# (a benchmark's category split, normalised, discounted to ``ess`` patients).
# ======================================================================================

#: keys a ``[priors.<name>]`` table with ``family = "dirichlet"`` may hold
_DIRICHLET_KEYS = {"family", "role", "tag", "rationale", "source", "alpha", "mean", "counts", "ess"}


#: fields of a ``[[endpoints.categories]]`` table
_CATEGORY_KEYS = {"name", "count", "percent", "decimals", "tag", "source", "target"}


def _spec_error(msg, field):
    from ..errors import SpecError

    return SpecError(msg, field=field)


def _category_map(raw, where, check):
    if not isinstance(raw, dict) or not raw:
        raise _spec_error("must be a table { category = number, ... }", where)
    return {str(k): check(x, f"{where}.{k}") for k, x in raw.items()}


def parse_dirichlet_prior(raw: dict, where: str) -> dict:
    """Validate a ``[priors.<name>]`` table with ``family = "dirichlet"``.

    Forms: ``alpha = a`` (symmetric: ``a`` per category; 1/2 Jeffreys, 1 uniform);
    ``alpha = {CR = a1, ...}``; ``mean = {CR = m1, ...}`` with ``ess`` (:math:`\\alpha_k =
    \\text{ess}\\, m_k`, means summing to 1); ``counts = {CR = y1, ...}`` with ``ess``
    (:math:`\\alpha_k = \\text{ess}\\, y_k / \\sum_j y_j`: a benchmark's category split
    discounted to ``ess`` patients). Raises :class:`~bayes_trials.errors.SpecError` naming
    ``where.<field>``.
    """
    from ..errors import SpecError

    unknown = sorted(set(raw) - _DIRICHLET_KEYS)
    if unknown:
        raise SpecError(f"unknown setting(s) {unknown} for a dirichlet prior; use alpha, "
                        "mean + ess or counts + ess", field=where)
    forms = [k for k in ("alpha", "mean", "counts") if k in raw]
    if len(forms) != 1:
        raise SpecError("a dirichlet prior needs exactly one of alpha, mean (+ ess) or counts (+ ess)"
                        + (f"; got {forms}" if forms else ""), field=where)
    form = forms[0]
    if form == "alpha":
        if "ess" in raw:
            raise SpecError("ess goes with mean or counts, not with alpha", field=f"{where}.ess")
        alpha = raw["alpha"]
        if isinstance(alpha, dict):
            return {"alpha": _category_map(alpha, f"{where}.alpha",
                                           lambda x, f: v.positive(x, f, SpecError))}
        return {"alpha": v.positive(alpha, f"{where}.alpha", SpecError)}
    ess = v.positive(raw.get("ess"), f"{where}.ess", SpecError)
    if form == "mean":
        mean = _category_map(raw["mean"], f"{where}.mean", lambda x, f: v.open_unit(x, f, SpecError))
        total = sum(mean.values())
        if abs(total - 1) > 1e-8:
            raise SpecError(f"category means must sum to 1, they sum to {total:.6g}",
                            field=f"{where}.mean")
        return {"mean": mean, "ess": ess}
    counts = _category_map(raw["counts"], f"{where}.counts",
                           lambda x, f: v.positive(x, f, SpecError))
    total = sum(counts.values())
    return {"mean": {k: c / total for k, c in counts.items()}, "ess": ess, "counts": counts}


def resolve_dirichlet_prior(params: dict, endpoint) -> Dirichlet:
    """The Dirichlet of a parsed prior for ``endpoint``'s categories (in the data's order)."""
    names = list(endpoint.data.names)
    if "alpha" in params and not isinstance(params["alpha"], dict):
        return Dirichlet.reference(names, params["alpha"])
    given = params.get("alpha") or params["mean"]
    key = "alpha" if "alpha" in params else ("counts" if "counts" in params else "mean")
    if set(given) != set(names):
        raise PriorError(f"names categories {sorted(given)}; the endpoint has {names}", field=key)
    if "alpha" in params:
        return Dirichlet({k: given[k] for k in names})
    return Dirichlet({k: params["ess"] * given[k] for k in names})


def _quantity_of(raw, key, defaults, where, required=True):
    """spec._quantity, with the field prefixed by ``where`` (e.g. ``categories[2]``)."""
    from .. import spec as spec_mod
    from ..errors import SpecError

    try:
        return spec_mod._quantity(raw, key, defaults, required=required)
    except SpecError as err:
        raise SpecError(err.reason, field=f"{where}.{err.field}" if where else err.field) from None


def _published_percent(raw, where):
    """Optional ``percent`` (printed percentage) and ``decimals`` of a row."""
    from ..errors import SpecError

    if "percent" not in raw:
        return None
    pctv = v.finite_real(raw["percent"], f"{where}.percent", SpecError)
    if not 0 <= pctv <= 100:
        raise SpecError(f"must lie between 0 and 100, got {pctv:g}", field=f"{where}.percent")
    decimals = raw.get("decimals", 0)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise SpecError(f"must be a whole number >= 0, got {decimals!r}", field=f"{where}.decimals")
    return (pctv, decimals)


def categorical_from_spec(raw: dict, defaults: dict, name: str):
    """Parse a ``kind = "categorical"`` endpoint table: ``(endpoint, provenance)``.

    Fields: ``[[endpoints.categories]]`` (name, count, optional percent/decimals, tag,
    source; at least two, in order best first), optional stated total ``n``, optional
    ``[[endpoints.unions]]`` (name, categories, optional target), ``label``, and on each
    ``[[endpoints.benchmarks]]`` the ``union`` (or category) it compares with.
    Provenance keys: ``count[<category>]``, ``n``, ``target[<union>]``.

    Raises
    ------
    SpecError
        With ``field`` naming the row, e.g. ``categories[2].count``: an empty category list,
        a missing or duplicate name, a negative or fractional count, a count above ``n``,
        counts that do not sum to ``n``, a union naming an unknown category, a target
        outside (0, 1), a benchmark without a known ``union``.
    """
    from ..errors import SpecError

    if "published" in raw:
        raise SpecError("a categorical endpoint states the printed percentages on its "
                        "categories (categories[i].percent), not in [[endpoints.published]]",
                        field="published")
    rows = raw.get("categories")
    if not isinstance(rows, list) or not rows:
        raise SpecError("needs a non-empty list of [[endpoints.categories]] tables "
                        "(name, count, tag, source), best first", field="categories")
    if len(rows) < 2:
        raise SpecError("needs at least 2 categories", field="categories")
    provenance, counts, printed, seen, cat_targets = {}, {}, {}, {}, []
    n_q = _quantity_of(raw, "n", defaults, "", required=False)
    stated = None
    if n_q is not None:
        stated = v.count(n_q.value, "n", SpecError)
        if stated == 0:
            raise SpecError("must be at least 1 patient, got 0", field="n")
    for i, row in enumerate(rows):
        where = f"categories[{i}]"
        if not isinstance(row, dict):
            raise SpecError("must be a table (name, count, tag, source)", field=where)
        unknown = sorted(set(row) - _CATEGORY_KEYS)
        if unknown:
            raise SpecError(f"unknown field(s) {unknown}; a category has "
                            f"{', '.join(sorted(_CATEGORY_KEYS))}", field=where)
        cname = row.get("name")
        if not isinstance(cname, str) or not cname.strip():
            raise SpecError(f"a category needs a non-empty name, got {cname!r}", field=f"{where}.name")
        cname = cname.strip()
        if cname in seen:
            raise SpecError(f"category {cname!r} repeats categories[{seen[cname]}]",
                            field=f"{where}.name")
        seen[cname] = i
        q = _quantity_of(row, "count", {"tag": row.get("tag", defaults.get("tag")),
                                        "source": row.get("source", defaults.get("source"))}, where)
        try:
            count = v.count(q.value, f"{where}.count", SpecError)
        except SpecError as err:
            raise SpecError(f"category {cname!r}: {err.reason}", field=err.field) from None
        if stated is not None and count > stated:
            raise SpecError(f"category {cname!r}: must not exceed n = {stated}, got {count}",
                            field=f"{where}.count")
        counts[cname] = count
        provenance[f"count[{cname}]"] = q
        pp = _published_percent(row, where)
        if pp is not None:
            printed[cname] = (*pp, q.tag, q.source)
        tq = _quantity_of(row, "target", defaults, where, required=False)
        if tq is not None:
            cat_targets.append((cname, v.open_unit(tq.value, f"{where}.target", SpecError)))
            provenance[f"target[{cname}]"] = tq
    if n_q is not None:
        provenance["n"] = n_q
    try:
        data = Categorical(counts, n=stated)
    except DataError as err:
        field_name = "n" if err.field == "n" else "categories"
        raise SpecError(err.reason, field=field_name) from None
    unions, targets = [], list(cat_targets)
    raw_unions = raw.get("unions", [])
    if not isinstance(raw_unions, list):
        raise SpecError("must be a list of [[endpoints.unions]] tables", field="unions")
    for i, u in enumerate(raw_unions):
        where = f"unions[{i}]"
        if not isinstance(u, dict):
            raise SpecError("must be a table (name, categories)", field=where)
        unknown = sorted(set(u) - {"name", "categories", "target"})
        if unknown:
            raise SpecError(f"unknown field(s) {unknown}; a union has name, categories, target",
                            field=where)
        label = u.get("name")
        if not isinstance(label, str) or not label.strip():
            raise SpecError("a union needs a non-empty name", field=f"{where}.name")
        members = u.get("categories")
        if not isinstance(members, list) or not members:
            raise SpecError("needs a non-empty list of category names", field=f"{where}.categories")
        unknown = [m for m in members if m not in data.names]
        if unknown:
            raise SpecError(f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {unknown}; "
                            f"the endpoint has {list(data.names)}", field=f"{where}.categories")
        if len(set(members)) != len(members):
            raise SpecError("a category appears twice", field=f"{where}.categories")
        if len(members) == data.k:
            raise SpecError("the union of all categories has probability 1; leave it out",
                            field=f"{where}.categories")
        if label in [lab for lab, _ in unions] or label in data.names:
            raise SpecError(f"union name {label!r} is already used by a union or category",
                            field=f"{where}.name")
        unions.append((label, tuple(members)))
        tq = _quantity_of(u, "target", defaults, where, required=False)
        if tq is not None:
            targets.append((label, v.open_unit(tq.value, f"{where}.target", SpecError)))
            provenance[f"target[{label}]"] = tq
    known = {lab for lab, _ in unions} | set(data.names)
    benchmark_unions = []
    for i, b in enumerate(raw.get("benchmarks", []) or []):
        if not isinstance(b, dict):
            continue  # the generic benchmark parser names this error
        union = b.get("union")
        if union not in known:
            raise SpecError(f"a benchmark of a categorical endpoint names the union (or category) "
                            f"it compares with; known: {sorted(known)}, got {union!r}",
                            field=f"benchmarks[{i}].union")
        benchmark_unions.append((b.get("name"), union))
    direction = raw.get("direction", "greater")
    if direction != "greater":
        raise SpecError("response categories are benefits: direction must be 'greater'",
                        field="direction")
    endpoint = CategoricalEndpoint(name=name, data=data, unions=tuple(unions) or (),
                                   targets=tuple(targets), label=raw.get("label", name),
                                   printed=tuple(printed.items()),
                                   benchmark_unions=tuple(benchmark_unions))
    return endpoint, provenance


# --- analysis -----------------------------------------------------------------------------
#: refits tried when the sampler diagnostics fail: (target_accept, draws multiplier), as in
#: :data:`bayes_trials.analysis.RETRIES`; each reuses the compiled model
RETRIES = ((0.95, 2), (0.95, 4))


def _items(endpoint):
    """(kind, label, members) for each category and each union, in display order."""
    out = [("category", name, (name,)) for name in endpoint.data.names]
    return out + [("union", label, members) for label, members in endpoint.unions]


def _aggregated_prior(prior: Dirichlet, members) -> "Beta":
    """The Beta prior a binary analysis of the union uses: (sum inside, sum outside) alphas."""
    from ..priors import Beta

    conc = prior.concentrations
    inside = float(sum(conc[m] for m in members))
    return Beta(inside, prior.ess - inside)


def _binary_posterior(endpoint, prior, members):
    """The binary analysis of a union: conjugate update of the aggregated Beta prior by the
    union's counts (:func:`bayes_trials.conjugate.update`), a code path independent of
    :meth:`Dirichlet.marginal`."""
    from ..conjugate import update

    return update(_aggregated_prior(prior, members), endpoint.data.union(members))


def _named_tree(endpoint, tree):
    """The draws with category / union coordinates, and the sampler statistics."""
    import xarray as xr

    groups = {"/posterior": endpoint.draws(tree)}
    if "sample_stats" in tree.children:
        stats_ds = tree["sample_stats"].to_dataset()
        groups["/sample_stats"] = stats_ds[[k for k in ("diverging", "step_size", "n_steps", "energy")
                                            if k in stats_ds]]
    return xr.DataTree.from_dict(groups)


def _diagnose(ds, tree) -> dict:
    """Worst R-hat and bulk ESS over the category probabilities, and the divergences."""
    import arviz as az

    p = ds["p"]
    rhat = [float(az.rhat(p.sel(category=c))) for c in p["category"].values]
    ess = [float(az.ess(p.sel(category=c), method="bulk")) for c in p["category"].values]
    div = int(tree["sample_stats"]["diverging"].sum()) if "sample_stats" in tree.children else 0
    return {"r_hat": max(rhat), "ess_bulk": min(ess), "divergences": div,
            "draws": int(p.sizes["chain"] * p.sizes["draw"])}


def _diag_ok(d) -> bool:
    from ..checks import MAX_RHAT, MIN_ESS

    return d["r_hat"] < MAX_RHAT and d["ess_bulk"] >= MIN_ESS and d["divergences"] == 0


def _mcmc_rows(endpoint, prior_name, prior, ds, level):
    """Per category and union: MCMC summary beside the exact Beta, and the checks.

    Categories are checked against the Dirichlet's Beta marginal; unions against the binary
    analysis of the union (:func:`_binary_posterior`), so the check also tests that the
    Dirichlet's union marginal is that Beta. Mean within ``N_MCSE`` MCSE; interval ends on
    the probability scale (:func:`bayes_trials.checks.quantile_check`); P(p_U > target)
    within ``N_MCSE`` MCSE when the draws resolve it.
    """
    import arviz as az

    from .. import checks as chk
    from ..summaries import MIN_TAIL_DRAWS

    post = endpoint.exact_posterior(prior)
    p = round(100 * level)
    tail = (1 - level) / 2
    targets = dict(endpoint.targets)
    rows, checks = {}, []
    for what, label, members in _items(endpoint):
        if what == "category":
            x = ds["p"].sel(category=label)
            exact = post.marginal([label])
            against = "Dirichlet marginal"
        else:
            x = ds["p_union"].sel(union=label)
            exact = _binary_posterior(endpoint, prior, members)
            b = endpoint.data.union(members)
            against = f"binary analysis of {b.events}/{b.n} under {_aggregated_prior(prior, members)!r}"
        flat = np.asarray(x).ravel()
        lo, hi = np.quantile(flat, [tail, 1 - tail])
        mcse = float(az.mcse(x, method="mean"))
        ess_bulk = float(az.ess(x, method="bulk"))
        row = {"mean": float(flat.mean()), "mcse_mean": mcse, f"eti{p}_low": float(lo),
               f"eti{p}_high": float(hi), f"eti{p}_low_cdf": float(exact.cdf(lo)),
               f"eti{p}_high_cdf": float(exact.cdf(hi)),
               f"ess_eti{p}_low": float(az.ess(x, method="quantile", prob=tail)),
               f"ess_eti{p}_high": float(az.ess(x, method="quantile", prob=1 - tail)),
               "r_hat": float(az.rhat(x)), "ess_bulk": ess_bulk}
        name = f"{label}: posterior mean vs {against}"
        ok = abs(row["mean"] - exact.mean) <= chk.N_MCSE * mcse
        checks.append(chk.Check(
            endpoint.name, chk.KINDS[1], name, row["mean"], exact.mean,
            f"{chk.N_MCSE:g} MCSE = {chk.N_MCSE * mcse:.2g}", bool(ok),
            f"MCMC {row['mean']:.4f} vs exact {exact.mean:.4f}: difference "
            f"{abs(row['mean'] - exact.mean):.2g} {'within' if ok else 'outside'} {chk.N_MCSE:g} MCSE",
            prior=prior_name))
        elo, ehi = exact.interval(level)
        for end, prob, ref in (("low", tail, elo), ("high", 1 - tail, ehi)):
            checks.append(chk.quantile_check(
                endpoint, prior_name, chk.KINDS[1],
                f"{label}: {p}% ETI {'lower' if end == 'low' else 'upper'} end vs {against}",
                row, end, prob, ref, level))
        if label in targets:
            t = targets[label]
            ind = (x > t).astype(float)
            prob = float(ind.mean())
            ref = float(exact.sf(t))
            floor = float(np.sqrt(ref * (1 - ref) / ess_bulk))
            mc = float(az.mcse(ind, method="mean")) if 0 < prob < 1 else 0.0
            mc = max(mc, floor)
            row.update(prob=prob, prob_mcse=mc)
            cname = f"P({label} > {t:g}) vs exact"
            if min(ref, 1 - ref) * ess_bulk < MIN_TAIL_DRAWS:
                checks.append(chk.Check(endpoint.name, chk.KINDS[1], cname, prob, ref,
                                        f"{chk.N_MCSE:g} MCSE", None,
                                        f"beyond what the draws resolve (ESS {ess_bulk:.0f}); exact "
                                        f"value {ref:.3g} reported", prior=prior_name))
            else:
                ok = abs(prob - ref) <= chk.N_MCSE * mc
                checks.append(chk.Check(
                    endpoint.name, chk.KINDS[1], cname, prob, ref,
                    f"{chk.N_MCSE:g} MCSE = {chk.N_MCSE * mc:.2g}", bool(ok),
                    f"MCMC {prob:.4f} vs exact {ref:.4f} {'within' if ok else 'outside'} "
                    f"{chk.N_MCSE:g} MCSE", prior=prior_name))
        rows[label] = row
    return rows, checks


def _published_checks(endpoint) -> list:
    """Each printed category percentage against 100 count / n, rounded as printed."""
    from .. import checks as chk

    out = []
    for cat, (printed, decimals, tag, source) in endpoint.printed:
        ours = 100 * endpoint.data.counts[cat] / endpoint.data.n
        shown = round(ours, decimals)
        ok = bool(np.isclose(shown, printed))
        out.append(chk.Check(
            endpoint.name, chk.KINDS[0], f"{cat}: percentage", ours, printed,
            f"equal when rounded to {decimals} decimals (percent)", ok,
            f"recomputed {endpoint.data.counts[cat]}/{endpoint.data.n} = {ours:.4f}% rounds to "
            f"{shown:g}; paper printed {printed:g}", provenance=tag))
    return out


def _bayes_vs_frequentist(endpoint, reference, priors: dict, level) -> list:
    """Each union's Clopper-Pearson interval as limiting Beta posteriors, and containment.

    - The Clopper-Pearson bounds of :math:`y_U` of :math:`n` are the :math:`\\alpha/2`
      quantile of Beta(:math:`y_U, n - y_U + 1`) (the posterior under the limiting prior
      Beta(0, 1)) and the :math:`1 - \\alpha/2` quantile of Beta(:math:`y_U + 1, n - y_U`)
      (under Beta(1, 0)): statsmodels' interval against scipy's quantiles, tolerance 1e-9.
    - When a prior's aggregated Beta(:math:`a, b`) of a union has :math:`a \\le 1` and
      :math:`b \\le 1` (e.g. CR+CRi under the Jeffreys Dirichlet of 4 categories: Beta(1, 1)),
      the posterior Beta(:math:`y + a, n - y + b`) is stochastically between the two
      limiting Betas, so its central interval lies inside the Clopper-Pearson interval.
    """
    from scipy import stats as st

    from .. import checks as chk

    p = round(100 * level)
    alpha = 1 - level
    out = []
    n = endpoint.data.n
    for label, members in endpoint.unions:
        y = endpoint.data.union(members).events
        cl, ch = reference.unions[label]["clopper-pearson"]
        lo = 0.0 if y == 0 else float(st.beta.ppf(alpha / 2, y, n - y + 1))
        hi = 1.0 if y == n else float(st.beta.ppf(1 - alpha / 2, y + 1, n - y))
        diff = max(abs(lo - cl), abs(hi - ch))
        out.append(chk.Check(
            endpoint.name, chk.KINDS[2],
            f"{label}: Clopper-Pearson {p}% CI = limiting Beta posteriors' quantiles", diff, 0.0,
            f"{chk.EXACT_TOL:g}", bool(diff <= chk.EXACT_TOL),
            f"statsmodels [{cl:.6f}, {ch:.6f}] vs Beta quantiles [{lo:.6f}, {hi:.6f}]"))
        for pname, prior in priors.items():
            agg = _aggregated_prior(prior, members)
            if agg.a <= 1 and agg.b <= 1:
                elo, ehi = endpoint.union_posterior(prior, label).interval(level)
                inside = cl <= elo + 1e-12 and ehi <= ch + 1e-12
                out.append(chk.Check(
                    endpoint.name, chk.KINDS[2],
                    f"{label}: {p}% ETI inside Clopper-Pearson (aggregated prior {agg!r})",
                    None, None, "containment (stochastic ordering)", bool(inside),
                    f"ETI [{elo:.4f}, {ehi:.4f}] {'within' if inside else 'not within'} "
                    f"Clopper-Pearson [{cl:.4f}, {ch:.4f}]", prior=pname))
    return out


def analyse_categorical(endpoint, priors: dict, *, method: str = "mcmc", draws: int = 1000,
                        tune: int = 1000, chains: int = 4, seed: int = 0,
                        level: float = CRED_LEVEL, spec=None, trial_id: str = ""):
    """Fit a categorical endpoint under each Dirichlet prior and run every check that applies.

    The exact posterior :math:`\\text{Dirichlet}(\\alpha + y)` is always computed; with
    ``method="mcmc"`` each prior is also sampled (one compile per number of categories and
    unions, :data:`bayes_trials.fit.CACHE`; seed ``derive_seed(seed, trial_id, endpoint,
    prior)``) and every category and union checked against the exact Beta marginals, the
    unions against the binary analysis of the same union.

    Returns
    -------
    CategoricalResult
    """
    from .. import checks as chk
    from ..analysis import PriorFit, check_analysis_inputs
    from ..fit import DEFAULT_TARGET_ACCEPT, derive_seed, sample

    level = check_analysis_inputs(endpoint.name, priors, method, level)
    for name, prior in priors.items():
        try:
            endpoint.check_prior(prior)
        except PriorError as err:
            raise err.located(field=f"priors.{name}") from None
    fits, checks = {}, []
    for name, prior in priors.items():
        exact = endpoint.exact_posterior(prior)
        row = {"prior": repr(prior), "prior_ess": prior.ess}
        named, fit_seed = None, None
        if method == "mcmc":
            fit_seed = derive_seed(seed, trial_id, endpoint.name, name)
            for attempt, (ta, mult) in enumerate(((DEFAULT_TARGET_ACCEPT, 1), *RETRIES), start=1):
                tree = sample(endpoint, prior, draws=draws * mult, tune=tune, chains=chains,
                              seed=fit_seed + attempt - 1, target_accept=ta)
                named = _named_tree(endpoint, tree)
                diag = _diagnose(named["posterior"].to_dataset(), named)
                if _diag_ok(diag):
                    break
            row.update(diag, seed=fit_seed, attempts=attempt, target_accept=ta)
            items, item_checks = _mcmc_rows(endpoint, name, prior, named["posterior"].to_dataset(), level)
            row["items"] = items
            checks += item_checks
            checks.append(chk.Check(
                endpoint.name, chk.KINDS[3], "R-hat, bulk ESS, divergences (all categories)",
                diag["r_hat"], chk.MAX_RHAT,
                f"R-hat < {chk.MAX_RHAT}, ESS >= {chk.MIN_ESS}, 0 divergences", _diag_ok(diag),
                f"worst R-hat {diag['r_hat']:.3f}, smallest bulk ESS {diag['ess_bulk']:.0f}, "
                f"{diag['divergences']} divergences in {diag['draws']} draws", prior=name))
        fits[name] = PriorFit(name, prior, exact, row, named, fit_seed)
    reference = endpoint.frequentist(level)
    checks = (_published_checks(endpoint) + checks
              + _bayes_vs_frequentist(endpoint, reference, priors, level))
    return CategoricalResult(endpoint, fits, reference, spec=spec, level=level, method=method,
                             _checks=checks)


from ..analysis import ModelResult as _ModelResult  # noqa: E402  (analysis imports no endpoint)


class CategoricalResult(_ModelResult):
    """The re-analysis of response categories: per prior, every category and union.

    ``summary()``: one row per (prior, category or union) with the exact Beta marginal
    (``exact_*``), the MCMC numbers beside it when sampled, and :math:`P(p_U >
    \\text{target})`; ``benchmarks()``: :math:`P(p_U > \\text{benchmark})`;
    ``report_blocks()``, ``sentences()``, ``plot()`` (stacked bars and union intervals).
    """

    def summary(self):
        import pandas as pd

        p = round(100 * self.level)
        ep = self.endpoint
        targets = dict(ep.targets)
        rows = []
        for pname, fit in self.fits.items():
            for what, label, members in _items(ep):
                b = ep.data.union(members)
                marg = fit.exact.marginal(list(members))
                lo, hi = marg.interval(self.level)
                row = {"prior_name": pname, "quantity": label, "kind": what,
                       "count": b.events, "n": b.n, "observed": b.proportion,
                       "exact_mean": marg.mean, "exact_sd": marg.sd,
                       f"exact_eti{p}_low": lo, f"exact_eti{p}_high": hi,
                       "target": targets.get(label),
                       "exact_prob": float(marg.sf(targets[label])) if label in targets else None}
                mc = fit.row.get("items", {}).get(label)
                if mc is not None:
                    row.update({k: mc[k] for k in ("mean", "mcse_mean", f"eti{p}_low",
                                                   f"eti{p}_high", "r_hat", "ess_bulk")})
                    if "prob" in mc:
                        row.update(prob=mc["prob"], prob_mcse=mc["prob_mcse"])
                rows.append(row)
        return pd.DataFrame(rows).set_index(["prior_name", "quantity"])

    def benchmarks(self):
        """P(p_U > benchmark) per benchmark and prior (exact), with the benchmark's uncertainty.

        ``exact_prob``: the benchmark's rate as a fixed number, :math:`P(p_U > r_b)`;
        ``exact_prob_vs_uncertain`` (benchmarks with counts): :math:`P(p_U > \\theta_b)`
        with :math:`\\theta_b \\sim` Beta(:math:`k_b + 1/2, n_b - k_b + 1/2`) (Jeffreys),
        independent, by quadrature (:func:`bayes_trials.prob_difference`); ``prob``: from
        the MCMC draws of :math:`p_U` when sampled.
        """
        import pandas as pd

        from ..predictive import prob_difference
        from ..priors import Beta

        rows = []
        unions = dict(self.endpoint.benchmark_unions)
        for bm in (self.spec.benchmarks if self.spec is not None else ()):
            union = unions.get(bm.name)
            if union is None:
                continue
            members = self.endpoint.members(union)
            bench = None if bm.events is None else Beta(bm.events + 0.5, bm.n - bm.events + 0.5)
            for pname, fit in self.fits.items():
                marg = fit.exact.marginal(list(members))
                row = {"benchmark": bm.name, "union": union, "prior_name": pname,
                       "comparison": f"P(p[{union}] > {bm.value:g})", "tag": bm.tag,
                       "exact_prob": float(marg.sf(bm.value))}
                if fit.posterior is not None:
                    post = fit.posterior["posterior"]
                    x = (post["p_union"].sel(union=union) if union in post["p_union"]["union"]
                         else post["p"].sel(category=union))
                    row["prob"] = float((x > bm.value).mean())
                if bench is not None:
                    row["benchmark_counts"] = f"{bm.events}/{bm.n}"
                    row["exact_prob_vs_uncertain"] = float(prob_difference(marg, bench, 0.0))
                rows.append(row)
        return pd.DataFrame(rows)

    def priors_table(self):
        import pandas as pd

        rows = []
        for pname, fit in self.fits.items():
            r = {"prior_name": pname, **{f"alpha[{k}]": a for k, a in fit.prior.concentrations.items()},
                 "ess": fit.prior.ess}
            if self.spec is not None and pname in self.spec.prior_specs:
                ps = self.spec.prior_specs[pname]
                r.update(role=ps.role, tag=ps.tag, rationale=ps.rationale)
            rows.append(r)
        return pd.DataFrame(rows).set_index("prior_name")

    def frequentist_table(self):
        import pandas as pd

        ref = self.reference
        p = round(100 * self.level)
        rows = []
        for cat in self.endpoint.data.names:
            r = {"quantity": cat, "count": ref.counts[cat], "n": ref.n,
                 "estimate": ref.estimates[cat]}
            for method, ints in ref.simultaneous.items():
                r[f"{method}{p}_low"], r[f"{method}{p}_high"] = ints[cat]
            rows.append(r)
        for label, u in ref.unions.items():
            lo, hi = u["clopper-pearson"]
            rows.append({"quantity": label, "count": u["events"], "n": u["n"],
                         "estimate": u["estimate"], f"clopper-pearson{p}_low": lo,
                         f"clopper-pearson{p}_high": hi})
        return pd.DataFrame(rows).set_index("quantity")

    def report_blocks(self):
        blocks = [("Priors (Dirichlet concentrations per category)", self.priors_table()),
                  ("Posterior of each category and union, per prior (exact Dirichlet / Beta "
                   "marginals; MCMC beside when sampled)", self.summary()),
                  ("Frequentist reference (recomputed): simultaneous multinomial intervals "
                   "(Goodman; Sison-Glaz) per category, Clopper-Pearson per union",
                   self.frequentist_table())]
        bench = self.benchmarks()
        if len(bench):
            blocks.append(("Benchmarks (external trials: higher doses, other populations and "
                           "definitions; see the caveats)",
                           bench.set_index(["benchmark", "prior_name"])))
        return blocks

    def sentences(self):
        from ..report import fmt_prob

        ep = self.endpoint
        p = round(100 * self.level)
        out = [f"Observed {ep.describe_data()}."]
        if self.method == "exact":
            out.append("Exact Dirichlet-multinomial posteriors only (method exact: nothing sampled).")
        targets = dict(ep.targets)
        for pname, fit in self.fits.items():
            parts = []
            for label, members in ep.unions:
                marg = fit.exact.marginal(list(members))
                lo, hi = marg.interval(self.level)
                s = f"{label} {marg.mean:.3f} ({p}% CrI {lo:.3f} to {hi:.3f})"
                if label in targets:
                    s += f", P({label} > {targets[label]:g}) = {fmt_prob(float(marg.sf(targets[label])))}"
                parts.append(s)
            for label in ep.data.names:
                if label in targets:
                    marg = fit.exact.marginal([label])
                    parts.append(f"P({label} > {targets[label]:g}) = "
                                 f"{fmt_prob(float(marg.sf(targets[label])))}")
            out.append(f"Under the {pname} prior {fit.prior!r} (ESS {fit.prior.ess:.3g}): "
                       + "; ".join(parts) + ".")
        bench = self.benchmarks()
        if len(bench) and "exact_prob_vs_uncertain" in bench:
            for (bname, union), g in bench.groupby(["benchmark", "union"], sort=False):
                vals = ", ".join(f"{r.prior_name} {fmt_prob(r.exact_prob_vs_uncertain)}"
                                 for r in g.itertuples() if r.exact_prob_vs_uncertain == r.exact_prob_vs_uncertain)
                if vals:
                    out.append(f"P({union} of META > {bname}, its own uncertainty included): {vals}.")
            out.append("These comparisons set a 12-patient trial at 5-30 times lower doses "
                       "against large trials with other populations and response definitions: "
                       "they describe the counts, not a randomised contrast.")
        out.append(self.checks_sentence())
        return out

    def plot(self, ax=None):
        """Stacked bars (observed split, posterior mean split per prior) and union CrIs."""
        import matplotlib.pyplot as plt

        ep = self.endpoint
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.5 * len(self.fits) + 2.6),
                                     gridspec_kw={"width_ratios": [1.2, 1]})
        bars = {"observed": ep.data.proportions}
        bars.update({f"{n} (posterior mean)": f.exact.mean for n, f in self.fits.items()})
        left = dict.fromkeys(bars, 0.0)
        for j, cat in enumerate(ep.data.names):
            for row, (label, values) in enumerate(bars.items()):
                a1.barh(row, values[cat], left=left[label], color=f"C{j}", edgecolor="white",
                        label=cat if row == 0 else None)
                left[label] += values[cat]
        a1.set_yticks(range(len(bars)), list(bars), fontsize=8)
        a1.invert_yaxis()
        a1.set_xlim(0, 1)
        a1.set_xlabel("proportion of patients")
        a1.set_title(f"{ep.label}\n{ep.describe_data()}", fontsize=9)
        a1.legend(ncol=ep.data.k, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2))
        y = 0
        ticks = []
        for label, members in ep.unions:
            for i, (pname, fit) in enumerate(self.fits.items()):
                marg = fit.exact.marginal(list(members))
                lo, hi = marg.interval(self.level)
                a2.plot([lo, hi], [y, y], color=f"C{i}")
                a2.plot(marg.mean, y, "o", color=f"C{i}", label=pname if label == ep.unions[0][0] else None)
                ticks.append((y, f"{label} / {pname}"))
                y += 1
            y += 0.5
        unions = dict(ep.benchmark_unions)
        for k, bm in enumerate(self.spec.benchmarks if self.spec is not None else ()):
            if bm.name in unions:
                a2.axvline(bm.value, color="0.4", ls=(0, (1 + k, 2)), lw=1,
                           label=f"{bm.name[:30]} ({unions[bm.name]}) {bm.value:g}")
        a2.set_yticks([t for t, _ in ticks], [s for _, s in ticks], fontsize=7)
        a2.invert_yaxis()
        a2.set_xlim(0, 1)
        a2.set_xlabel(f"union probability (exact mean, {round(100 * self.level)}% CrI)")
        a2.set_title("Unions of categories; lines: benchmark rates", fontsize=9)
        a2.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        fig.tight_layout()
        return fig


# ``family = "dirichlet"`` in a spec's [priors.<name>] tables
register_prior_family("dirichlet", parse_dirichlet_prior, resolve_dirichlet_prior)

__all__ += ["CategoricalResult", "analyse_categorical", "parse_dirichlet_prior",
            "resolve_dirichlet_prior", "categorical_from_spec"]
