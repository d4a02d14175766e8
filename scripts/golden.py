"""Golden comparison: do two report folders of the same spec hold the same numbers?

Written for the package's restructuring (issue 13): the summary tables of reports written
before it (one CSV layout per endpoint kind) against the tidy tables written after it
(``endpoint, prior, model, quantity`` then the statistics). Every number of a before-table
whose column exists after (under the renames below) must be equal to a relative 1e-9 (HDI ends 1e-7, see HDI_RTOL),
MCMC numbers included: the same seeds and the same compiled models give the same draws.

usage: python scripts/golden.py BEFORE_DIR AFTER_DIR [BEFORE_DIR AFTER_DIR ...]

Exit 0 when every compared number agrees, 1 otherwise (the differences are listed).
Layouts before (by their key columns) and how their rows are found after:

- ``endpoint, prior, model, quantity`` (the tidy layout itself): the same keys;

- ``prior_name`` (one scalar per prior): ``prior == prior_name``, the only quantity;
- ``prior_name, quantity`` (response categories): ``prior, quantity``;
- ``analysis, term`` (adverse events): ``prior == analysis, quantity == term``;
- ``quantity, group, model, prior`` (survival): ``prior, model, quantity == "<quantity>[<group>]"``,
  with ``cri95_*`` renamed ``eti95_*``; the ``mean`` and ``exact_mean`` of the old
  ``prob_survival_above_benchmark`` rows are the ``prob`` and ``exact_prob`` of the ``survival`` row;
- ``model, prior_name`` (per-patient rates): ``prior == prior_name, model``. A fit summarised
  as several quantities after (the rate ratio, then the hyperparameters) is one row before:
  its ``<quantity>_<stat>`` columns (``frailty_sd_median``) are the quantity's row's ``<stat>``,
  ``r_hat`` / ``ess_bulk`` / ``ess_tail`` the fit's worst over its rows, every other column
  its first row's; an exact-only fit before showed its exact numbers in the MCMC columns
  (``mean``), after in ``exact_mean``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

RTOL, ATOL = 1e-9, 1e-12
#: Highest-density interval ends are compared to a relative 1e-7: an HDI is the minimum of a
#: width that is flat at its optimum, so the bounded optimiser places it to about the square
#: root of machine epsilon in probability and the ends carry ~1e-8 relative noise that any
#: change in the order of floating-point operations moves (measured: 5e-9 after the
#: ``interval(level)`` vocabulary change, on a posterior whose mean agreed to the last bit).
HDI_RTOL = 1e-7
RENAMES = {
    "cri95_low": "eti95_low",
    "cri95_high": "eti95_high",
    "exact_cri95_low": "exact_eti95_low",
    "exact_cri95_high": "exact_eti95_high",
}


def _keys(before: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The before-table with the after-table's key columns added."""
    b = before.copy()
    cols = list(b.columns)
    if cols[:4] == ["endpoint", "prior", "model", "quantity"]:  # the tidy layout, after vs after
        for k in ("prior", "model", "quantity"):
            b[f"k_{k}"] = b[k].fillna("")
        return b, ["prior", "model", "quantity"]
    if cols[:2] == ["analysis", "term"]:
        b["k_prior"], b["k_quantity"] = b["analysis"], b["term"]
        return b, ["prior", "quantity"]
    if cols[:4] == ["quantity", "group", "model", "prior"]:
        # P(S(landmark) > target) was a row of its own; it is the survival row's tail probability
        prob = b["quantity"] == "prob_survival_above_benchmark"
        if prob.any():
            keys = ["group", "model", "prior"]
            moved = {c: c.replace("mean", "prob") for c in ("mean", "exact_mean") if c in b.columns}
            tail = b.loc[prob, keys + list(moved)].rename(columns=moved)
            b = b.loc[~prob].merge(
                tail.assign(quantity="survival"), on=["quantity", *keys], how="left"
            )
        b["k_prior"], b["k_model"] = b["prior"], b["model"]
        b["k_quantity"] = b["quantity"] + "[" + b["group"].astype(str) + "]"
        return b.rename(columns=RENAMES), ["prior", "model", "quantity"]
    if cols[:2] == ["model", "prior_name"]:
        b["k_prior"], b["k_model"] = b["prior_name"], b["model"]
        return b, ["prior", "model"]
    if cols[:2] == ["prior_name", "quantity"]:
        b["k_prior"], b["k_quantity"] = b["prior_name"], b["quantity"]
        return b, ["prior", "quantity"]
    if cols[0] == "prior_name":
        b["k_prior"] = b["prior_name"]
        return b, ["prior"]
    raise ValueError(f"unknown layout: {cols[:4]}")


WORST = {"r_hat": "max", "ess_bulk": "min", "ess_tail": "min"}


def _grouped_value(match: pd.DataFrame, col: str):
    """The after-value of a before-column for a fit with one row per quantity (see the
    module docstring), or None when the after-table has no counterpart."""
    for q in match["quantity"]:
        if col.startswith(f"{q}_") and col.removeprefix(f"{q}_") in match.columns:
            return match.loc[match["quantity"] == q, col.removeprefix(f"{q}_")].iloc[0]
    first = match.iloc[0]
    if pd.isna(first.get("mean", np.nan)) and pd.notna(
        first.get("exact_mean", np.nan)
    ):  # exact-only
        return first[f"exact_{col}"] if f"exact_{col}" in match.columns else None
    if col in WORST and col in match.columns:
        return getattr(match[col], WORST[col])()
    return first[col] if col in match.columns else None


def compare_tables(before: pd.DataFrame, after: pd.DataFrame, where: str) -> tuple[int, list[str]]:
    """Compare every shared numeric column; returns (numbers compared, differences)."""
    b, keys = _keys(before)
    problems, n = [], 0
    for _, row in b.iterrows():
        mask = np.ones(len(after), bool)
        for k in keys:
            mask &= (after[k].fillna("").astype(str) == str(row[f"k_{k}"])).to_numpy()
        match = after[mask]
        label = "/".join(str(row[f"k_{k}"]) for k in keys)
        grouped = keys == ["prior", "model"] and "quantity" in after.columns
        if len(match) != 1 and not (grouped and len(match)):
            problems.append(f"{where} {label}: {len(match)} matching rows after")
            continue
        new = match.iloc[0]
        for col in b.columns:
            if col.startswith("k_"):
                continue
            new_v = (
                _grouped_value(match, col)
                if grouped
                else (new[col] if col in after.columns else None)
            )
            if new_v is None:
                continue
            old_v = row[col]
            try:
                old_f, new_f = float(old_v), float(new_v)
            except (TypeError, ValueError):
                continue
            if np.isnan(old_f) and np.isnan(new_f):
                continue
            n += 1
            rtol = HDI_RTOL if "hdi" in col else RTOL
            if not np.isclose(old_f, new_f, rtol=rtol, atol=ATOL):
                problems.append(f"{where} {label} {col}: before {old_f!r}, after {new_f!r}")
    return n, problems


def compare_folders(before: Path, after: Path) -> tuple[int, list[str]]:
    total, problems = 0, []
    for old in sorted(before.glob("summary_*.csv")):
        new = after / old.name
        if not new.exists():
            problems.append(f"{old.name}: missing after")
            continue
        n, p = compare_tables(pd.read_csv(old), pd.read_csv(new), f"{before.name}/{old.name}")
        total += n
        problems += p
    return total, problems


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    failed = 0
    for before, after in zip(argv[::2], argv[1::2]):
        n, problems = compare_folders(Path(before), Path(after))
        print(f"{before} vs {after}: {n} numbers compared, {len(problems)} differences")
        for p in problems[:50]:
            print("  " + p)
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
