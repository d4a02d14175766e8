"""Reconstruction of patient data from digitised Kaplan-Meier curves (Guyot et al. 2012).

The bar: Guyot P, Ades AE, Ouwens MJNM, Welton NJ, BMC Med Res Methodol 2012;12:9,
doi:10.1186/1471-2288-12-9, validated their algorithm on published trials digitised by
several observers and report (abstract, Results) "no material systematic error", accuracy
"excellent for survival probabilities and medians", and "reasonable" accuracy for hazard
ratios only when numbers at risk or the total number of events are reported. Our round
trip uses both, and holds the reconstruction to explicit tolerances:

- survival at the landmarks 6, 12, 24 months: absolute error <= 0.03;
- mean absolute error of the Kaplan-Meier curve over [0, 42] months <= 0.02;
- median: relative error <= 5%;
- Cox hazard ratio: relative error <= 10%.

Every comparison is against the original simulated data, recomputed with lifelines.
"""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter

from bayes_trials.data.ipd import at_risk_table, digitise_km, reconstruct_ipd
from bayes_trials.errors import DataError

RISK_TIMES = np.arange(0.0, 49.0, 6.0)
LANDMARKS = [6.0, 12.0, 24.0]


def simulate_arm(n, scale, shape, rng, accrual=24.0, cutoff=48.0):
    """Weibull event times, uniform accrual over 24 months, data cut at 48, some dropout."""
    t = scale * rng.weibull(shape, n)
    follow_up = cutoff - rng.uniform(0, accrual, n)
    censor = np.minimum(follow_up, rng.exponential(60.0, n))
    return np.minimum(t, censor), (t <= censor).astype(int)


@pytest.fixture(scope="module")
def round_trip():
    rng = np.random.default_rng(20120201)
    arms = {
        "control": simulate_arm(150, 20.0, 1.2, rng),
        "treated": simulate_arm(150, 32.0, 1.2, rng),
    }
    rows, recon = [], {}
    for seed, (arm, (t, e)) in enumerate(arms.items()):
        curve = digitise_km(t, e, n_points=80, noise=0.002, seed=seed)
        ipd = reconstruct_ipd(curve, at_risk_table(t, RISK_TIMES), total_events=int(e.sum()))
        recon[arm] = ipd
        km_o = KaplanMeierFitter().fit(t, e)
        km_r = KaplanMeierFitter().fit(ipd.time, ipd.event)
        grid = np.linspace(0, 42, 841)
        diff = np.abs(
            km_o.survival_function_at_times(grid).to_numpy()
            - km_r.survival_function_at_times(grid).to_numpy()
        )
        row = {
            "arm": arm,
            "n_points": len(curve),
            "curve_mae": diff.mean(),
            "curve_max": diff.max(),
        }
        for lm in LANDMARKS:
            row[f"S({lm:g})_error"] = abs(
                float(km_o.survival_function_at_times(lm).iloc[0])
                - float(km_r.survival_function_at_times(lm).iloc[0])
            )
        row["median_original"] = km_o.median_survival_time_
        row["median_reconstructed"] = km_r.median_survival_time_
        row["median_rel_error"] = abs(row["median_reconstructed"] / row["median_original"] - 1)
        row["events_original"], row["events_reconstructed"] = int(e.sum()), int(ipd.event.sum())
        rows.append(row)

    def cox_hr(control, treated):
        frame = pd.DataFrame(
            {
                "time": np.r_[control[0], treated[0]],
                "event": np.r_[control[1], treated[1]],
                "x": np.r_[np.zeros(len(control[0])), np.ones(len(treated[0]))],
            }
        )
        return float(CoxPHFitter().fit(frame, "time", "event").hazard_ratios_["x"])

    hr_o = cox_hr(arms["control"], arms["treated"])
    hr_r = cox_hr(
        (recon["control"].time, recon["control"].event),
        (recon["treated"].time, recon["treated"].event),
    )
    table = pd.DataFrame(rows).set_index("arm")
    print("\nround-trip errors (reconstructed vs original patient data)\n", table.round(4).T)
    print(f"Cox HR original {hr_o:.4f}, reconstructed {hr_r:.4f}")
    return table, hr_o, hr_r, arms, recon


def test_round_trip_survival_at_landmarks(round_trip):
    table = round_trip[0]
    for lm in LANDMARKS:
        assert (table[f"S({lm:g})_error"] <= 0.03).all(), table[f"S({lm:g})_error"]


def test_round_trip_whole_curve(round_trip):
    assert (round_trip[0]["curve_mae"] <= 0.02).all()


def test_round_trip_median(round_trip):
    assert (round_trip[0]["median_rel_error"] <= 0.05).all()


def test_round_trip_hazard_ratio(round_trip):
    _, hr_o, hr_r, *_ = round_trip
    assert abs(hr_r / hr_o - 1) <= 0.10


def test_round_trip_patients_and_events(round_trip):
    table, _, _, arms, recon = round_trip
    for arm, (t, _e) in arms.items():
        assert len(recon[arm]) == len(t)  # one row per patient at risk at time 0
    # with total_events given, the events add up to it
    assert (table["events_reconstructed"] == table["events_original"]).all()


def test_round_trip_numbers_at_risk_match_the_table(round_trip):
    """Reconstructed numbers at risk within 2 of the published ones (censorings sit at
    midpoints between digitised points, which may fall just past an at-risk time)."""
    _, _, _, arms, recon = round_trip
    for arm, (t, _) in arms.items():
        published = at_risk_table(t, RISK_TIMES[:-1]).n_at_risk.to_numpy()
        rebuilt = at_risk_table(recon[arm].time, RISK_TIMES[:-1]).n_at_risk.to_numpy()
        assert np.abs(published - rebuilt).max() <= 2


def test_no_censoring_exact_curve_is_recovered_exactly():
    """Without censoring and with every step digitised, inverting KM is exact."""
    t = np.array([1.0, 2, 2, 3, 5, 5, 5, 8, 9, 12])
    e = np.ones(10, dtype=int)
    curve = digitise_km(t, e, n_points=1000, noise=0.0)
    ipd = reconstruct_ipd(curve, at_risk_table(t, [0, 4, 8]), total_events=10)
    np.testing.assert_array_equal(np.sort(ipd.time.to_numpy()), np.sort(t))
    assert ipd.event.sum() == 10


def test_docstring_example_counts():
    curve = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, 0.9, 0.9, 0.8, 0.8]})
    ipd = reconstruct_ipd(curve, pd.DataFrame({"time": [0, 4], "n_at_risk": [10, 9]}))
    # S drops 1 -> 0.9 with 10 at risk: 1 event; 0.9 -> 0.8 with 9 at risk: 1 event (9 * 1/9)
    assert list(ipd.loc[ipd.event == 1, "time"]) == [2.0, 5.0]
    assert len(ipd) == 10


GOOD_CURVE = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, 0.9, 0.9, 0.8, 0.8]})
GOOD_RISK = pd.DataFrame({"time": [0, 4], "n_at_risk": [10, 9]})


@pytest.mark.parametrize(
    "curve,risk,field,match",
    [
        (
            GOOD_CURVE.assign(survival=[1, 1, 0.9, 0.95, 0.8, 0.8]),
            GOOD_RISK,
            "curve.survival",
            "row 3: the curve increases",
        ),
        (
            GOOD_CURVE.assign(time=[0, 2, 2, 1, 5, 8]),
            GOOD_RISK,
            "curve.time",
            "row 3: digitised times out of order",
        ),
        (
            GOOD_CURVE.assign(survival=[1, 1, 0.9, 0.9, 0.8, 1.2]),
            GOOD_RISK,
            "curve.survival",
            "row 5",
        ),
        (
            GOOD_CURVE.assign(time=[0, 2, 2, 5, 5, np.nan]),
            GOOD_RISK,
            "curve.time",
            "row 5: must be a finite",
        ),
        (
            GOOD_CURVE,
            pd.DataFrame({"time": [0, 4, 6], "n_at_risk": [10, 8, 9]}),
            "at_risk.n_at_risk",
            "row 2: numbers at risk increase",
        ),
        (
            GOOD_CURVE,
            pd.DataFrame({"time": [0, 4], "n_at_risk": [10, 12]}),
            "at_risk.n_at_risk",
            "exceeds the starting total",
        ),
        (
            GOOD_CURVE,
            pd.DataFrame({"time": [0, 6, 4], "n_at_risk": [10, 9, 9]}),
            "at_risk.time",
            "must increase",
        ),
        (
            GOOD_CURVE,
            pd.DataFrame({"time": [1, 4], "n_at_risk": [10, 9]}),
            "at_risk.time",
            "must be 0",
        ),
        (
            GOOD_CURVE,
            pd.DataFrame({"time": [0, 4], "n_at_risk": [10, 8.5]}),
            "at_risk.n_at_risk",
            "whole number",
        ),
        (
            GOOD_CURVE.rename(columns={"survival": "s"}),
            GOOD_RISK,
            "curve.survival",
            "needs a column",
        ),
    ],
)
def test_bad_input_refused(curve, risk, field, match):
    with pytest.raises(DataError, match=match) as err:
        reconstruct_ipd(curve, risk)
    assert err.value.field == field


def test_total_events_above_patients_refused():
    with pytest.raises(DataError) as err:
        reconstruct_ipd(GOOD_CURVE, GOOD_RISK, total_events=11)
    assert err.value.field == "total_events"


def test_flat_stretch_without_digitised_point_is_read_off_the_step():
    """No point between at-risk times 3 and 6: the curve is flat there (a step function)."""
    curve = pd.DataFrame({"time": [0, 1, 1, 9, 9, 10], "survival": [1, 1, 0.9, 0.9, 0.8, 0.8]})
    risk = pd.DataFrame({"time": [0, 3, 6], "n_at_risk": [10, 9, 9]})
    ipd = reconstruct_ipd(curve, risk)
    km = KaplanMeierFitter().fit(ipd.time, ipd.event)
    assert list(ipd.loc[ipd.event == 1, "time"]) == [1.0, 9.0]
    assert float(km.survival_function_at_times(9.5).iloc[0]) == pytest.approx(0.8)
