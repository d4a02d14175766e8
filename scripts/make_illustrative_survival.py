"""Make the ILLUSTRATIVE time-to-event example: simulated patients -> Kaplan-Meier curve ->
digitised points + numbers at risk, and the spec that re-analyses them.

Nothing here is published. The patients are simulated (fixed seed) to look like a CAR-T
event-free-survival curve: 75 infused patients (the size of ELIANA's infused cohort, used
only as a plausible size), event times from a Weibull with shape 0.8 (a falling hazard) and
scale 28 months (median about 18 months), uniform accrual over 24 months and a data cut at
36 months. Their Kaplan-Meier curve is "digitised" as a reader would a printed figure
(:func:`bayes_trials.ipd.digitise_km`: every corner of every step, read-off noise 0.2% of each axis) and the
numbers at risk are tabulated every 3 months, as printed below a figure.

Writes (relative to the repository root)::

    models/examples/data/illustrative_car_t_efs_patients.csv   the simulated patients (truth)
    models/examples/data/illustrative_car_t_efs_curve.csv      digitised (time, survival)
    models/examples/data/illustrative_car_t_efs_at_risk.csv    (time, n_at_risk)
    models/examples/illustrative_car_t_efs.toml                the spec (curve form)

Usage::

    .venv/bin/python scripts/make_illustrative_survival.py

Re-running it reproduces the files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from bayes_trials.data.ipd import at_risk_table, digitise_km

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "models" / "examples"
DATA = OUT / "data"
SEED = 20250101
N = 75
SHAPE, SCALE = 0.8, 28.0  # Weibull event times, months
ACCRUAL, CUTOFF = 24.0, 36.0  # uniform accrual, data cut (months)
LANDMARK = 12.0
#: points read off the curve: every corner of its steps (a careful reader of a clear figure)
N_POINTS = 200
SOURCE = "simulated, illustrative; not a published curve"

SPEC = """#:schema ../spec.schema.json
# ILLUSTRATIVE example of a time_to_event endpoint. NOTHING HERE IS PUBLISHED.
# Made by scripts/make_illustrative_survival.py (seed {seed}): simulated patients ->
# Kaplan-Meier curve -> digitised points + numbers at risk, reconstructed by the pipeline
# (Guyot et al. 2012). Every number is tagged "assumed" with the source "{source}".

[trial]
id = "illustrative_car_t_efs"
title = "ILLUSTRATIVE: event-free survival after CAR T, reconstructed from a simulated Kaplan-Meier curve (not a published curve)"
citation = "None: simulated data, illustrative; not a published curve (scripts/make_illustrative_survival.py, seed {seed})"

[sampling]
draws = 1000
tune = 1000
chains = 4
seed = 1

[priors.vague]
family = "survival"
preset = "vague"
role = "reference"
tag = "assumed"
rationale = "vague priors at the 12-month landmark: hazard Gamma(0.5, 0.001) (nearly Jeffreys), Weibull log scale Normal(log 12, 2) and log shape Normal(0, 1), piecewise first log hazard Normal(-log 12, 2) with random-walk sd HalfNormal(0.5)"

[priors.sceptical]
family = "survival"
role = "sceptical"
tag = "assumed"
rationale = "centred on the assumed target S(12) = 0.5 (hazard log(2)/12 = 0.0578 per month), worth about 4 events: illustrative"
exponential = {{ shape = 4.0, rate = 69.25 }}
weibull = {{ log_scale = {{ mean = 2.851, sd = 0.5 }}, log_shape = {{ mean = 0.0, sd = 0.5 }} }}
piecewise = {{ log_hazard = {{ mean = -2.851, sd = 0.5 }}, smoothing = 0.3 }}

[[endpoints]]
id = "efs"
kind = "time_to_event"
label = "Event-free survival (ILLUSTRATIVE, simulated)"
tag = "assumed"
source = "{source}"
time_unit = "months"
curve_csv = "data/illustrative_car_t_efs_curve.csv"
at_risk_csv = "data/illustrative_car_t_efs_at_risk.csv"
total_events = {total_events}
landmark = 12
landmarks = [6, 24]
horizon = 24
target = {{ value = 0.5, tag = "assumed", source = "{source}: an assumed target 12-month EFS of 50%" }}
models = ["exponential", "weibull", "piecewise"]
cuts = [3, 6, 12]
priors = ["vague", "sceptical"]
notes = "ILLUSTRATIVE. The 'printed' 12-month estimate below is the Kaplan-Meier estimate of the simulated patients; recomputing it from the reconstructed patients tests the reconstruction."

[[endpoints.published]]
quantity = "estimate"
value = {km12:.2f}
decimals = 2
tag = "assumed"
source = "{source}: Kaplan-Meier S(12) of the simulated patients, as a paper would print it"
"""


def simulate():
    rng = np.random.default_rng(SEED)
    t_event = SCALE * rng.weibull(SHAPE, N)
    follow_up = CUTOFF - rng.uniform(0.0, ACCRUAL, N)
    time = np.round(np.minimum(t_event, follow_up), 3)
    event = (t_event <= follow_up).astype(int)
    return time, event


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    time, event = simulate()
    patients = pd.DataFrame({"patient": np.arange(1, N + 1), "time": time, "event": event})
    curve = digitise_km(time, event, n_points=N_POINTS, noise=0.002, seed=SEED).round(4)
    at_risk = at_risk_table(time, np.arange(0.0, CUTOFF + 1e-9, 3.0))
    km12 = float(KaplanMeierFitter().fit(time, event).survival_function_at_times(LANDMARK).iloc[0])
    patients.to_csv(DATA / "illustrative_car_t_efs_patients.csv", index=False)
    curve.to_csv(DATA / "illustrative_car_t_efs_curve.csv", index=False)
    at_risk.to_csv(DATA / "illustrative_car_t_efs_at_risk.csv", index=False)
    (OUT / "illustrative_car_t_efs.toml").write_text(
        SPEC.format(seed=SEED, source=SOURCE, total_events=int(event.sum()), km12=km12)
    )
    print(
        f"{N} simulated patients, {event.sum()} events; KM S(12) = {km12:.4f}; "
        f"{len(curve)} digitised points; at risk: {at_risk.n_at_risk.tolist()}"
    )


if __name__ == "__main__":
    main()
