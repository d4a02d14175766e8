"""Make the ILLUSTRATIVE per-patient event-rate example: simulated counts before and after
treatment for 9 patients, and the spec that re-analyses them (kind ``rate_ratio_patients``).

NOTHING HERE IS PUBLISHED. The LAD-I paper (Kohn et al. 2025, doi:10.1056/NEJMoa2407376)
prints percentage reductions only; no per-patient counts or patient-years. The numbers below
are simulated, with a fixed seed, in the spirit of that trial only:

- 9 patients (the trial treated 9 children);
- the period before infusion is each patient's age at infusion, drawn uniformly between
  5 months and 9 years (the range printed for age at enrolment, used here as an assumption);
- the period after runs from 90 days after engraftment (assumed 30 days after infusion) to
  24 months: 24 - 4 = 20 months = 1.6667 patient-years for every patient;
- each patient's rate before is ``BASE_RATE`` times a gamma frailty with mean 1 and shape
  ``FRAILTY_SHAPE`` (coefficient of variation 1/sqrt(shape) = 0.71);
- the true rate ratio is ``TRUE_RR`` = 0.25 for every patient (a 75% reduction, close to the
  printed 74.45% for infection-related hospitalizations, but not derived from it);
- counts are Poisson given the patient's rate and exposure.

Writes (relative to the repository root)::

    models/examples/data/illustrative_patient_rates.csv    patient, period, events, exposure, age_years
    models/examples/illustrative_patient_rates.toml        the spec

Usage::

    .venv/bin/python scripts/make_illustrative_patient_rates.py

Re-running it reproduces both files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "models" / "examples"
DATA = OUT / "data"
CSV = DATA / "illustrative_patient_rates.csv"
SPEC_PATH = OUT / "illustrative_patient_rates.toml"

SEED = 20250417
N_PATIENTS = 9
AGE_MIN, AGE_MAX = 5 / 12, 9.0  # years: the printed range of ages at enrolment
AFTER_YEARS = round(20 / 12, 4)  # 90 days after engraftment (~ month 4) to month 24
BASE_RATE = 1.2  # infection-related hospitalizations per patient-year
FRAILTY_SHAPE = 2.0  # gamma frailty, mean 1, CV 0.71
TRUE_RR = 0.25
SOURCE = "simulated, illustrative; not published"


def simulate(seed: int = SEED) -> pd.DataFrame:
    """The simulated per-patient table (two rows per patient)."""
    rng = np.random.default_rng(seed)
    ages = np.round(rng.uniform(AGE_MIN, AGE_MAX, N_PATIENTS), 4)
    frailty = rng.gamma(FRAILTY_SHAPE, 1.0 / FRAILTY_SHAPE, N_PATIENTS)
    rows = []
    for i in range(N_PATIENTS):
        rate = BASE_RATE * frailty[i]
        pid = f"P{i + 1:02d}"
        for period, exposure, rr in (("before", ages[i], 1.0), ("after", AFTER_YEARS, TRUE_RR)):
            rows.append(
                {
                    "patient": pid,
                    "period": period,
                    "events": int(rng.poisson(rate * rr * exposure)),
                    "exposure": float(exposure),
                    "age_years": float(ages[i]),
                }
            )
    return pd.DataFrame(rows)


SPEC = """#:schema ../spec.schema.json
# ILLUSTRATIVE example of a per-patient event-rate endpoint (kind "rate_ratio_patients").
# NOTHING HERE IS PUBLISHED: the LAD-I paper prints only percentage reductions, no per-patient
# counts. Made by scripts/make_illustrative_patient_rates.py (seed {seed}): 9 simulated patients,
# exposure before = age at infusion (uniform 5 months to 9 years, assumed), after = {after:g}
# patient-years each (90 days after engraftment to 24 months, assumed), gamma frailty (shape
# {shape:g}), base rate {base:g} per patient-year, true rate ratio {rr:g}, Poisson counts.
# Every number is tagged "assumed" with the source "{source}".

[trial]
id = "illustrative_patient_rates"
title = "ILLUSTRATIVE: infection-related hospitalizations before and after gene therapy, 9 simulated patients (not published data)"
citation = "None: simulated data, illustrative; not published (scripts/make_illustrative_patient_rates.py, seed {seed}); design in the spirit of Kohn DB et al. N Engl J Med 2025;392:1698-1709, doi:10.1056/NEJMoa2407376"

[sampling]
draws = 1000
tune = 1000
chains = 4
seed = 1

[priors.reference]
family = "patient_rates"
log_rr = "reference"
role = "reference"
tag = "assumed"
rationale = "wide Normal(0, 10^2) on the log rate ratio; mean log rate Normal(0, 2.5^2); frailty sd HalfNormal(1); patient-varying effect sd HalfNormal(0.5)"

[priors.sceptical]
family = "patient_rates"
log_rr = "sceptical"
rr_alt = 0.5
tail = 0.05
role = "sceptical"
tag = "assumed"
rationale = "Spiegelhalter sceptical prior: log RR ~ Normal(0, 0.421^2), P(RR < 0.5) = 5%; other parts as the reference prior"

[[endpoints]]
id = "infection_hospitalizations_patients"
kind = "rate_ratio_patients"
label = "Infection-related hospitalizations, per patient (ILLUSTRATIVE, simulated)"
tag = "assumed"
source = "{source}"
patients_csv = "data/illustrative_patient_rates.csv"
incomplete = "drop"
varying_effect = true
overdispersion = false
target = {{ value = 0.5, tag = "assumed", source = "{source}: a halving of the rate, as a clinically relevant reduction" }}
direction = "less"
priors = ["reference", "sceptical"]
notes = "ILLUSTRATIVE. Simulated with a true rate ratio of {rr:g} and gamma (not log-normal) frailty, so the hierarchical model is fitted to data it did not generate."
"""


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    df = simulate()
    df.to_csv(CSV, index=False, float_format="%.4f", lineterminator="\n")
    SPEC_PATH.write_text(
        SPEC.format(
            seed=SEED,
            after=AFTER_YEARS,
            shape=FRAILTY_SHAPE,
            base=BASE_RATE,
            rr=TRUE_RR,
            source=SOURCE,
        )
    )
    before = df[df["period"] == "before"]
    after = df[df["period"] == "after"]
    print(df.to_string(index=False))
    print(
        f"totals: {before['events'].sum()} events / {before['exposure'].sum():.2f} py before, "
        f"{after['events'].sum()} / {after['exposure'].sum():.2f} py after"
    )


if __name__ == "__main__":
    main()
