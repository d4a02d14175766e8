"""Binary endpoints: frequentist references against closed forms; exact posterior; model inputs."""

import numpy as np
import pytest
from scipy import stats

import bayes_trials as bt
from bayes_trials.errors import DataError


@pytest.fixture
def lad1():
    return bt.BinaryEndpoint("hsct_free_survival_1y", bt.Binary(9, 9), target=0.39)


def test_lad1_published_interval_and_p_value_reproduced(lad1):
    ref = lad1.reference()
    lo, hi = ref.intervals["clopper-pearson"]
    # Clopper-Pearson for x = n: lower = (alpha/2)^(1/n), upper = 1 (closed form)
    assert lo == pytest.approx(0.025 ** (1 / 9), rel=1e-12)
    assert hi == 1.0
    # NEJM abstract: "95% CI, 66 to 100"
    assert round(100 * lo) == 66 and round(100 * hi) == 100
    # exact one-sided binomial P(X >= 9 | n = 9, p = 0.39) = 0.39^9; abstract: P < 0.001
    assert ref.p_value == pytest.approx(0.39**9, rel=1e-12)
    assert ref.p_value < 0.001


def test_wilson_and_jeffreys_against_their_formulas():
    ep = bt.BinaryEndpoint("x", bt.Binary(9, 12))
    ref = ep.reference()
    z = stats.norm.ppf(0.975)
    p, n = 9 / 12, 12
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    assert ref.intervals["wilson"] == pytest.approx((centre - half, centre + half), rel=1e-10)
    jeff = stats.beta(9.5, 3.5).ppf([0.025, 0.975])
    assert ref.intervals["jeffreys"] == pytest.approx(tuple(jeff), rel=1e-10)


def test_harm_direction_uses_the_lower_tail():
    ep = bt.BinaryEndpoint("icans", bt.Binary(0, 12), target=0.071, direction="less")
    ref = ep.reference()
    # P(X <= 0 | n = 12, p = 0.071) = 0.929^12
    assert ref.p_value == pytest.approx(0.929**12, rel=1e-12)
    post = ep.exact_posterior(bt.Beta(1, 1))
    assert ep.tail_probability(post) == pytest.approx(1 - 0.929**13, rel=1e-12)


def test_exact_posterior_tail_for_lad1(lad1):
    post = lad1.exact_posterior(bt.Beta(1, 1))
    # Beta(10, 1): P(theta > 0.39) = 1 - 0.39^10
    assert lad1.tail_probability(post) == pytest.approx(1 - 0.39**10, rel=1e-14)


def test_model_inputs_describe_the_mixture(lad1):
    prior = bt.Mixture([bt.Beta(2, 3), bt.Beta(1, 1)], [0.7, 0.3])
    from bayes_trials.endpoints.binary import INPUTS

    inputs = INPUTS.unpack(lad1.model_inputs(prior))  # the rows of the model's one pm.Data
    np.testing.assert_array_equal(inputs["counts"], [9, 9])  # n, events
    np.testing.assert_allclose(inputs["prior_w"], [0.7, 0.3])
    np.testing.assert_allclose(inputs["prior_a"], [2, 1])
    assert lad1.structure(prior) == lad1.structure(bt.Beta(1, 1))
    # a single Beta is padded with a zero-weight component
    np.testing.assert_allclose(
        INPUTS.unpack(lad1.model_inputs(bt.Beta(2, 3)))["prior_w"], [1.0, 0.0]
    )


def test_gamma_prior_refused_for_a_binary_endpoint(lad1):
    with pytest.raises(bt.PriorError, match="Beta"):
        lad1.exact_posterior(bt.Gamma(1, 1))


@pytest.mark.parametrize(
    "events,n,field",
    [
        (10, 9, "events"),
        (-1, 9, "events"),
        (2.5, 9, "events"),
        (0, 0, "n"),
        (float("nan"), 9, "events"),
    ],
)
def test_impossible_counts_refused(events, n, field):
    with pytest.raises(DataError) as err:
        bt.Binary(events, n)
    assert err.value.field == field


def test_target_outside_unit_interval_refused():
    with pytest.raises(DataError) as err:
        bt.BinaryEndpoint("x", bt.Binary(1, 2), target=1.0)
    assert err.value.field == "target"


@pytest.mark.parametrize(
    ("y", "n", "prior"),
    [
        (12, 12, bt.Beta(0.5, 0.5)),
        (0, 12, bt.Beta(0.5, 0.5)),
        (9, 9, bt.Beta(1, 1)),
        (5, 12, bt.Beta(2, 3)),
        (7, 10, bt.Mixture([bt.Beta(8, 2), bt.Beta(1, 1)], [0.7, 0.3])),
    ],
)
def test_binary_model_density_is_the_exact_posterior_on_the_sampled_scale(y, n, prior):
    """The compiled model's log density at points c of the sampled (complementary log-log)
    scale equals, up to one constant, the exact conjugate posterior's log density at
    theta(c) plus log |d theta / d c|, the latter by central finite differences of the
    model's own theta; and the sampled scale is the one whose tail toward the boundary the
    posterior piles against is doubly exponential (its density at c and c + 1 there)."""
    import pymc as pm

    ep = bt.BinaryEndpoint("x", bt.Binary(y, n))
    model = ep.build_model(ep.structure(prior))
    with model:
        pm.set_data(ep.model_inputs(prior))
    logp = model.compile_logp(jacobian=True)
    theta_fn = model.compile_fn(model["theta"], inputs=[model["cloglog_theta"]])

    def theta_of(c):
        return float(theta_fn({"cloglog_theta": c}))

    post = ep.exact_posterior(prior)
    cs = np.linspace(-3.0, 1.8, 9)
    got = np.array([logp({"cloglog_theta": c}) for c in cs])
    h = 1e-6
    dtheta = np.array([(theta_of(c + h) - theta_of(c - h)) / (2 * h) for c in cs])
    want = np.array([np.log(post.pdf(theta_of(c))) for c in cs]) + np.log(np.abs(dtheta))
    assert np.ptp(got - want) < 1e-6
    # toward the pile, the density falls by a factor of e^(B (e - 1) e^c) per unit of c
    far = logp({"cloglog_theta": 3.0}) - logp({"cloglog_theta": 2.0})
    assert far < -5.0
