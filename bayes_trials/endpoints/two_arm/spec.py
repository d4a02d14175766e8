"""The spec parsers of the two-arm kinds: ``two_arm_binary``, ``two_arm_rate``, ``two_arm_normal``.

A two-arm endpoint table::

    [[endpoints]]
    id = "covid19"
    kind = "two_arm_rate"                  # or two_arm_binary, two_arm_normal
    label = "..."
    treatment_label = "BNT162b2"
    control_label = "placebo"
    direction = "less"                     # the direction of benefit (default: binary/normal
                                           # "greater", rates "less")
    measures = ["rate_ratio", "vaccine_efficacy"]
    margins = { vaccine_efficacy = { value = 0.3, tag = "published", source = "..." } }
    priors = ["pfizer", "jeffreys_rate"]   # the named priors this endpoint uses
    events_treatment = { value = 8, tag = "published", source = "..." }
    exposure_treatment = ...               # rates; n_treatment for binary; mean_treatment and
    events_control = ...                   # se_treatment (or sd_treatment, n_treatment) for means
    exposure_control = ...
    unit = "1000 person-years"             # rates only
    sigma = "known"                        # means only: or "estimated" (needs sd and n)

    [[endpoints.analyses]]                 # optional: one prior per arm, by name
    name = "robust_map"
    treatment = "uniform"
    control = "robust_map_control"

    [[endpoints.printed]]                  # what the paper printed, recomputed at its precision
    measure = "vaccine_efficacy"
    statistic = "cri_low"                  # estimate, ci_low, ci_high, p_value (with method), or
    prior = "pfizer"                       # cri_low, cri_high, median, mean, prob (with prior)
    value = 90.3
    scale = 100
    decimals = 1
    tag = "published"
    source = "..."

    [endpoints.decision_2s]                # optional: see bayes_trials.endpoints.two_arm.design

The tables are pydantic schemas (:mod:`.schema`): unknown fields are errors (with the nearest
known field suggested), so a misspelt field never falls back silently to a default analysis.
Each builder takes the validated table and returns ``(endpoint, provenance)``; what depends on
the kind beyond the keys (a printed method of its measure, a prior naming an analysis) is
checked here, with errors naming the field.
"""

from __future__ import annotations

from ...data import Binary, Rate
from ...errors import BayesTrialsError, SpecError
from ...provenance import Defaults
from .checks import BAYESIAN, Printed
from .data import NormalArm, TwoArmBinary, TwoArmNormal, TwoArmRates, arm_data
from .design import parse_decision_2s
from .endpoint import TwoArmBinaryEndpoint, TwoArmNormalEndpoint, TwoArmRateEndpoint
from .reference import BINARY_METHODS, NORMAL_METHODS, RATE_METHODS
from .schema import TwoArmBinaryTable, TwoArmNormalTable, TwoArmRateTable

#: the tests whose p-values a paper may print, per kind (the reference record's names)
TESTS = {
    "two_arm_binary": ("score", "fisher_two_sided", "fisher_one_sided"),
    "two_arm_rate": (
        "rate_ratio_exact-cond",
        "rate_ratio_score",
        "rate_ratio_exact-cond_one_sided",
        "rate_ratio_score_one_sided",
        "rate_difference_score",
    ),
    "two_arm_normal": ("z", "z_one_sided", "welch", "welch_one_sided"),
}
METHODS = {
    "two_arm_binary": {**BINARY_METHODS, "vaccine_efficacy": BINARY_METHODS["risk_ratio"]},
    "two_arm_rate": {**RATE_METHODS, "vaccine_efficacy": RATE_METHODS["rate_ratio"]},
    "two_arm_normal": NORMAL_METHODS,
}
ARMS = {
    "two_arm_binary": ("p_treatment", "p_control"),
    "two_arm_rate": ("rate_treatment", "rate_control", "case_split"),
    "two_arm_normal": ("mean_treatment", "mean_control"),
}


def _one_of(value, allowed, field: str):
    if value not in allowed:
        raise SpecError(
            f"must be one of {', '.join(map(repr, allowed))}, got {value!r}", field=field
        )
    return value


def _arm(table, defaults: Defaults, cls, fields: dict, arm: str):
    """Sourced numbers of one arm -> its data record and provenance."""
    prov, values = {}, {}
    for name, (key, required) in fields.items():
        q = defaults.sourced(getattr(table, key), key, required=required)
        if q is not None:
            prov[key] = q
            values[name] = q.value
    try:
        return arm_data(cls, arm, **values), prov
    except BayesTrialsError as err:
        raise SpecError(err.reason, field=err.field) from None


def _common(
    table, defaults: Defaults, kind: str, contrasts: tuple, default_direction: str
) -> tuple[dict, dict]:
    """Direction, measures, margins (with provenance), labels, pairings and printed numbers."""
    direction = table.direction or default_direction
    margins, prov = {}, {}
    for m, number in table.margins.items():
        q = defaults.sourced(number, f"margins.{m}")
        margins[m], prov[f"margin[{m}]"] = q.value, q
    pairings = tuple((a.name, a.treatment, a.control) for a in table.analyses)
    names = [p[0] for p in pairings]
    if len(set(names)) != len(names):
        raise SpecError(f"analysis names repeat: {names}", field="analyses")
    listed = table.priors
    if listed is not None:
        for i, (_, t, c) in enumerate(pairings):
            missing = [x for x in (t, c) if x not in listed]
            if missing:
                raise SpecError(
                    f"names prior(s) {missing} that are not in this endpoint's priors {listed}",
                    field=f"analyses[{i}]",
                )
    printed = tuple(
        _printed(p, i, kind, tuple(contrasts), names + list(listed or []))
        for i, p in enumerate(table.printed)
    )
    return dict(
        direction=direction,
        measures=tuple(table.measures),
        margins=tuple(margins.items()),
        pairings=pairings,
        printed=printed,
        treatment_label=table.treatment_label,
        control_label=table.control_label,
    ), prov


def _printed(p, i: int, kind: str, measures: tuple, analyses: list) -> Printed:
    where = f"printed[{i}]"
    measure = _one_of(p.measure, measures + ARMS[kind], f"{where}.measure")
    if p.statistic in ("ci_low", "ci_high"):
        _one_of(p.method, METHODS[kind].get(measure, ()), f"{where}.method")
    elif p.statistic == "p_value":
        _one_of(p.method, TESTS[kind], f"{where}.method")
    if p.statistic in BAYESIAN:
        if not p.prior:
            raise SpecError(
                "a posterior statistic needs the 'prior' (analysis) the paper used",
                field=f"{where}.prior",
            )
        if analyses and p.prior not in analyses:
            raise SpecError(
                f"unknown analysis {p.prior!r}; this endpoint has {analyses}",
                field=f"{where}.prior",
            )
    if p.statistic == "prob" and p.threshold is None:
        raise SpecError("a posterior probability needs its 'threshold'", field=f"{where}.threshold")
    return Printed(
        measure=measure,
        statistic=p.statistic,
        value=p.value,
        tag=p.tag,
        source=p.source,
        method=p.method,
        prior=p.prior,
        threshold=p.threshold if p.statistic == "prob" else None,
        relation=p.relation,
        decimals=p.decimals,
        scale=float(p.scale),
        note=p.note,
    )


def _decision(table, direction, sizes, arm_kind):
    if table.decision_2s is None:
        return None
    return parse_decision_2s(table.decision_2s, direction, sizes, arm_kind)


def two_arm_binary_from_spec(
    table: TwoArmBinaryTable, defaults: Defaults, name: str, base_dir=None
):
    """A validated ``kind = "two_arm_binary"`` table: ``events_treatment``, ``n_treatment``,
    ``events_control``, ``n_control`` and the common fields (see the module docstring).

    >>> t = TwoArmBinaryTable.model_validate({"id": "response", "kind": "two_arm_binary",
    ...     "events_treatment": 12, "n_treatment": 20, "events_control": 5, "n_control": 20})
    >>> ep, prov = two_arm_binary_from_spec(t, Defaults("assumed", "an example"), "response")
    >>> ep.describe_data(), sorted(prov)
    ('12/20 vs 5/20', ['events_control', 'events_treatment', 'n_control', 'n_treatment'])
    """
    arms, prov = {}, {}
    for arm in ("treatment", "control"):
        arms[arm], p = _arm(
            table,
            defaults,
            Binary,
            {"events": (f"events_{arm}", True), "n": (f"n_{arm}", True)},
            arm,
        )
        prov.update(p)
    common, mprov = _common(
        table, defaults, "two_arm_binary", TwoArmBinaryEndpoint.contrast_names, "greater"
    )
    sizes = (arms["treatment"].n, arms["control"].n)
    decision = _decision(table, common["direction"], sizes, "binomial")
    return _build(TwoArmBinaryEndpoint, name, table, TwoArmBinary(**arms), common, decision), {
        **prov,
        **mprov,
    }


def two_arm_rate_from_spec(table: TwoArmRateTable, defaults: Defaults, name: str, base_dir=None):
    """A validated ``kind = "two_arm_rate"`` table: ``events_treatment``, ``exposure_treatment``,
    ``events_control``, ``exposure_control``, ``unit`` and the common fields.

    >>> t = TwoArmRateTable.model_validate({"id": "covid19", "kind": "two_arm_rate",
    ...     "events_treatment": 8, "exposure_treatment": 2.214, "events_control": 162,
    ...     "exposure_control": 2.222, "measures": ["rate_ratio", "vaccine_efficacy"]})
    >>> ep, _ = two_arm_rate_from_spec(t, Defaults("published", "Polack et al. 2020, Table 2"), "covid19")
    >>> ep.direction, ep.measures
    ('less', ('rate_ratio', 'vaccine_efficacy'))
    """
    arms, prov = {}, {}
    for arm in ("treatment", "control"):
        arms[arm], p = _arm(
            table,
            defaults,
            Rate,
            {"events": (f"events_{arm}", True), "exposure": (f"exposure_{arm}", True)},
            arm,
        )
        prov.update(p)
    common, mprov = _common(
        table, defaults, "two_arm_rate", TwoArmRateEndpoint.contrast_names, "less"
    )
    sizes = (arms["treatment"].exposure, arms["control"].exposure)
    decision = _decision(table, common["direction"], sizes, "poisson")
    endpoint = _build(
        TwoArmRateEndpoint, name, table, TwoArmRates(**arms), common, decision, unit=table.unit
    )
    return endpoint, {**prov, **mprov}


def two_arm_normal_from_spec(
    table: TwoArmNormalTable, defaults: Defaults, name: str, base_dir=None
):
    """A validated ``kind = "two_arm_normal"`` table: per arm ``mean_<arm>`` with ``se_<arm>``, or
    with ``sd_<arm>`` and ``n_<arm>``; ``sigma`` (``"known"``, default, or ``"estimated"``) and
    the common fields.

    >>> t = TwoArmNormalTable.model_validate({"id": "m", "kind": "two_arm_normal", "mean_treatment": 1.0,
    ...     "se_treatment": 0.3, "mean_control": 0.2, "se_control": 0.4})
    >>> ep, prov = two_arm_normal_from_spec(t, Defaults("assumed", "an example"), "m")
    >>> sorted(prov)
    ['mean_control', 'mean_treatment', 'se_control', 'se_treatment']
    """
    arms, prov = {}, {}
    for arm in ("treatment", "control"):
        fields = {
            "mean": (f"mean_{arm}", True),
            "se": (f"se_{arm}", False),
            "sd": (f"sd_{arm}", False),
            "n": (f"n_{arm}", False),
        }
        arms[arm], p = _arm(table, defaults, NormalArm, fields, arm)
        prov.update(p)
    common, mprov = _common(
        table, defaults, "two_arm_normal", TwoArmNormalEndpoint.contrast_names, "greater"
    )
    sizes = tuple(float(getattr(arms[a], "n", None) or 1) for a in ("treatment", "control"))
    decision = _decision(table, common["direction"], sizes, "normal")
    endpoint = _build(
        TwoArmNormalEndpoint, name, table, TwoArmNormal(**arms), common, decision, sigma=table.sigma
    )
    return endpoint, {**prov, **mprov}


def _build(cls, name, table, data, common, decision, **extra):
    try:
        return cls(
            name=name, data=data, label=table.label or name, decision=decision, **common, **extra
        )
    except BayesTrialsError as err:
        raise SpecError(err.reason, field=err.field) from None


__all__ = [
    "two_arm_binary_from_spec",
    "two_arm_rate_from_spec",
    "two_arm_normal_from_spec",
    "TESTS",
    "METHODS",
]
