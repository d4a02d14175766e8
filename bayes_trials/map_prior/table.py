"""The table of historical studies a MAP prior is built from, and its link scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from .. import _validate as v
from ..errors import DataError, PriorError

FAMILIES = ("binomial", "poisson", "normal")


CRITERIA = ("aic", "bic")


#: the columns each family needs (``study`` is optional: studies are numbered without it)
REQUIRED_COLUMNS = {
    "binomial": ("n", "events"),
    "poisson": ("events", "exposure"),
    "normal": ("mean", "se"),
}


#: mixture family of the MAP prior for each likelihood
MIXTURE_FAMILY = {"binomial": "beta", "poisson": "gamma", "normal": "normal"}


LINKS = {"binomial": "logit", "poisson": "log", "normal": "identity"}


def validate_table(table, family: str) -> pd.DataFrame:
    """The historical-studies table, checked and normalised (``study`` + numeric columns).

    Raises
    ------
    DataError
        Empty table, a missing column, a non-numeric / NaN / negative / non-integer
        count, events > n, zero or negative exposure or se; the message names the column
        and the study (row).
    """
    v.one_of(family, FAMILIES, "family", PriorError)
    try:
        df = pd.DataFrame(table).copy()
    except (ValueError, TypeError) as exc:
        raise DataError(f"cannot read the table of studies: {exc}", field="table") from None
    if df.empty or len(df) == 0:
        raise DataError("the table of historical studies is empty", field="table")
    need = REQUIRED_COLUMNS[family]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(
            f"a {family} MAP table needs columns {', '.join(need)} (and optionally study); "
            f"missing: {', '.join(missing)}; got {', '.join(map(str, df.columns))}",
            field="table",
        )
    if "study" not in df.columns:
        df.insert(0, "study", [f"study {i + 1}" for i in range(len(df))])
    df["study"] = df["study"].astype(str)
    if df["study"].duplicated().any():
        dup = df.loc[df["study"].duplicated(), "study"].iloc[0]
        raise DataError(f"study {dup!r} appears twice; count each study once", field="study")
    out = {"study": list(df["study"])}
    for col in need:
        vals = []
        for study, raw in zip(df["study"], df[col]):
            where = f"{col}, study {study!r}"
            raw = raw.item() if hasattr(raw, "item") else raw
            if col in ("n", "events"):
                vals.append(v.count(raw, where))
            elif col in ("exposure", "se"):
                vals.append(v.positive(raw, where))
            else:
                vals.append(v.finite_real(raw, where))
        out[col] = vals
    clean = pd.DataFrame(out)
    if family == "binomial":
        for study, n, k in zip(clean["study"], clean["n"], clean["events"]):
            if n == 0:
                raise DataError("must be at least 1 patient, got 0", field=f"n, study {study!r}")
            if k > n:
                raise DataError(
                    f"must not exceed n = {n}, got {k}", field=f"events, study {study!r}"
                )
    extra = [c for c in df.columns if c not in clean.columns]
    for c in extra:
        clean[c] = list(df[c])
    return clean


def inverse_link(family, eta):
    if family == "binomial":
        return special.expit(eta)
    if family == "poisson":
        return np.exp(eta)
    return eta


def observed_summary(row, family, level):
    """Observed estimate of one study with an exact (binomial/Poisson) or Wald interval."""
    alpha = 1 - level
    if family == "binomial":
        k, n = int(row["events"]), int(row["n"])
        lo = 0.0 if k == 0 else stats.beta.ppf(alpha / 2, k, n - k + 1)
        hi = 1.0 if k == n else stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
        return k / n, lo, hi
    if family == "poisson":
        k, e = int(row["events"]), float(row["exposure"])
        lo = 0.0 if k == 0 else stats.gamma.ppf(alpha / 2, k) / e
        hi = stats.gamma.ppf(1 - alpha / 2, k + 1) / e
        return k / e, lo, hi
    m, se = float(row["mean"]), float(row["se"])
    z = stats.norm.ppf(1 - alpha / 2)
    return m, m - z * se, m + z * se
