"""Tests of the output losses, every ``(loss, out_activation)`` of ``LOSS_FUNCTIONS``.

Each loss is checked against its textbook formula computed independently with
plain NumPy: the weighted cross-entropy of softmax and logistic outputs, half
the squared error of their probabilities or of an identity output, and half
the Poisson deviance of an exp output. The regression losses are also checked
against scikit-learn's ``squared_loss`` and ``poisson_loss``, which average
over the samples where ours is the weighted sum; for several outputs ours sums
the squared error over them where scikit-learn's averages. The delta written
into the logits is checked against ``w_i (phi(z_i) - y_i)`` for each loss of
a canonical link and against a finite-difference gradient of every loss.
Edge values: the log-losses stay finite for logits of magnitude ``1e4``; the
Poisson deviance takes ``y log y = 0`` at ``y = 0``; non-finite logits give a
non-finite regression loss; an exp that overflows gives an infinite loss,
without a warning under ``np.errstate(over="ignore")`` as in training.
"""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import logsumexp
from sklearn.neural_network import _base as sklearn_mlp

from skmlp._losses import LOSS_FUNCTIONS

N_SAMPLES, N_OUTPUTS = 6, 3


def softmax_probabilities(Z):
    """``p_ik = exp(z_ik) / sum_k exp(z_ik)`` for moderate logits."""
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)


def logistic_probabilities(Z):
    """``p_ik = 1 / (1 + exp(-z_ik))`` for moderate logits."""
    return 1.0 / (1.0 + np.exp(-Z))


def identity_predictions(Z):
    """``mu_ik = z_ik``."""
    return Z


def exp_predictions(Z):
    """``mu_ik = exp(z_ik)``, the inverse of the log link."""
    return np.exp(Z)


def softmax_cross_entropy(P, Y):
    """Per-sample ``-sum_k y_ik log p_ik``."""
    return -(Y * np.log(P)).sum(axis=1)


def binary_cross_entropy(P, Y):
    """Per-sample ``-sum_k (y_ik log p_ik + (1 - y_ik) log(1 - p_ik))``."""
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)


def half_squared_error(P, Y):
    """Per-sample ``1/2 sum_k (p_ik - y_ik)^2``."""
    return 0.5 * ((P - Y) ** 2).sum(axis=1)


def half_poisson_deviance(M, Y):
    """Per-sample ``sum_k (y_ik log(y_ik / mu_ik) - y_ik + mu_ik)``, whose first
    term is 0 where ``y_ik = 0`` (its limit)."""
    positive = Y > 0
    log_ratio = np.zeros_like(Y)
    log_ratio[positive] = Y[positive] * np.log(Y[positive] / M[positive])
    return (log_ratio - Y + M).sum(axis=1)


def saturated_softmax(Z):
    """Softmax of logits so far apart that it splits 1 among the row maxima."""
    is_max = Z == Z.max(axis=1, keepdims=True)
    return is_max / is_max.sum(axis=1, keepdims=True)


def saturated_logistic(Z):
    """Sigmoid of logits so large that it is 0 or 1."""
    return (Z > 0).astype(np.float64)


def stable_softmax_loss(Z, Y):
    """Per-sample ``logsumexp(z_i) - sum_k y_ik z_ik``, valid for any logits."""
    return logsumexp(Z, axis=1) - (Y * Z).sum(axis=1)


def stable_logistic_loss(Z, Y):
    """Per-sample ``sum_k log(1 + exp(z_ik)) - y_ik z_ik``, valid for any logits."""
    return (np.logaddexp(0, Z) - Y * Z).sum(axis=1)


OUTPUTS = {
    "softmax": softmax_probabilities,
    "logistic": logistic_probabilities,
    "identity": identity_predictions,
    "exp": exp_predictions,
}
# The loss of each output's canonical link, whose delta is w (phi(z) - y).
CANONICAL_LOSS = {
    "softmax": "log_loss",
    "logistic": "log_loss",
    "identity": "squared_error",
    "exp": "poisson",
}
TEXTBOOK_LOSS = {
    "softmax": softmax_cross_entropy,
    "logistic": binary_cross_entropy,
    "identity": half_squared_error,
    "exp": half_poisson_deviance,
}


def sklearn_loss(out):
    """scikit-learn's loss of the output ``out``, with sample weights: 1.7+."""
    if not hasattr(sklearn_mlp, "poisson_loss"):
        pytest.skip("scikit-learn < 1.7 has no Poisson loss nor sample weights")
    return {"identity": sklearn_mlp.squared_loss, "exp": sklearn_mlp.poisson_loss}[out]


SATURATED = {"softmax": saturated_softmax, "logistic": saturated_logistic}
STABLE_LOSS = {"softmax": stable_softmax_loss, "logistic": stable_logistic_loss}


def make_targets(out, rng):
    """One-hot rows for ``softmax``, independent 0/1 entries for ``logistic``,
    real values for ``identity``, and for ``exp`` non-negative amounts: halves
    of Poisson counts, with a first row of zeros."""
    if out == "softmax":
        return np.eye(N_OUTPUTS)[rng.randint(N_OUTPUTS, size=N_SAMPLES)]
    if out == "logistic":
        return rng.randint(2, size=(N_SAMPLES, N_OUTPUTS)).astype(np.float64)
    if out == "identity":
        return rng.uniform(-4, 4, (N_SAMPLES, N_OUTPUTS))
    Y = rng.poisson(3.0, (N_SAMPLES, N_OUTPUTS)) / 2.0
    Y[0] = 0.0
    return Y


def make_weights(weighted, rng):
    """Positive random per-sample weights, or None."""
    return rng.uniform(0.5, 2.0, N_SAMPLES) if weighted else None


def ones_if_none(sample_weight):
    """The weights as an array; ``None`` means all ones."""
    return np.ones(N_SAMPLES) if sample_weight is None else sample_weight


def loss_and_delta(out, Z, Y, sample_weight, loss="log_loss"):
    """Call the loss on a copy of ``Z``; return the loss and the delta."""
    delta = Z.copy()
    value = LOSS_FUNCTIONS[loss, out](delta, Y, sample_weight)
    return value, delta


def numerical_gradient(f, Z, eps=1e-6):
    """Central finite-difference gradient of the scalar ``f`` at ``Z``."""
    gradient = np.empty_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = eps
        gradient[index] = (f(Z + step) - f(Z - step)) / (2 * eps)
    return gradient


@pytest.fixture
def problem(out, weighted, rng):
    """Moderate logits, targets for ``out`` and optional weights."""
    Z = rng.uniform(-4, 4, (N_SAMPLES, N_OUTPUTS))
    return Z, make_targets(out, rng), make_weights(weighted, rng)


parametrize_out = pytest.mark.parametrize("out", ["softmax", "logistic"])
parametrize_canonical = pytest.mark.parametrize(
    "out", ["softmax", "logistic", "identity", "exp"]
)
parametrize_regression = pytest.mark.parametrize("out", ["identity", "exp"])
parametrize_weighted = pytest.mark.parametrize(
    "weighted", [False, True], ids=["unweighted", "weighted"]
)


@parametrize_weighted
@parametrize_canonical
def test_loss_equals_the_textbook_weighted_loss(out, problem):
    Z, Y, sample_weight = problem
    weights = ones_if_none(sample_weight)
    expected = TEXTBOOK_LOSS[out](OUTPUTS[out](Z), Y) @ weights
    loss, _ = loss_and_delta(out, Z, Y, sample_weight, CANONICAL_LOSS[out])
    assert isinstance(loss, float)
    assert_allclose(loss, expected, rtol=1e-12)


@parametrize_weighted
@parametrize_canonical
def test_delta_equals_weighted_outputs_minus_targets(out, problem):
    Z, Y, sample_weight = problem
    expected = ones_if_none(sample_weight)[:, np.newaxis] * (OUTPUTS[out](Z) - Y)
    _, delta = loss_and_delta(out, Z, Y, sample_weight, CANONICAL_LOSS[out])
    assert_allclose(delta, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss, out", list(LOSS_FUNCTIONS))
@parametrize_weighted
def test_delta_equals_finite_difference_gradient(out, loss, problem):
    Z, Y, sample_weight = problem

    def value(Z):
        return loss_and_delta(out, Z, Y, sample_weight, loss)[0]

    _, delta = loss_and_delta(out, Z, Y, sample_weight, loss)
    assert_allclose(delta, numerical_gradient(value, Z), rtol=1e-6, atol=1e-8)


@parametrize_weighted
@pytest.mark.parametrize("out", ["softmax", "logistic", "identity"])
def test_squared_error_is_half_the_weighted_sum_of_squares(out, problem):
    Z, Y, sample_weight = problem
    residuals = OUTPUTS[out](Z) - Y
    expected = 0.5 * (residuals**2).sum(axis=1) @ ones_if_none(sample_weight)
    loss, _ = loss_and_delta(out, Z, Y, sample_weight, "squared_error")
    assert_allclose(loss, expected, rtol=1e-12)


@parametrize_weighted
@parametrize_regression
def test_one_output_loss_is_sklearns_times_the_weight_sum(out, problem):
    """scikit-learn's losses are weighted means over the samples."""
    Z, Y, sample_weight = problem
    Z, Y = Z[:, :1], Y[:, :1]
    loss, _ = loss_and_delta(out, Z, Y, sample_weight, CANONICAL_LOSS[out])
    expected = sklearn_loss(out)(Y, OUTPUTS[out](Z), sample_weight)
    assert_allclose(loss, ones_if_none(sample_weight).sum() * expected, rtol=1e-12)


@parametrize_weighted
@pytest.mark.parametrize(
    "out, sklearn_factor",
    [("identity", N_OUTPUTS), ("exp", 1)],
    ids=["squared_error", "poisson"],
)
def test_several_outputs_sum_their_losses(out, sklearn_factor, problem):
    """Ours is the sum of the outputs' losses; scikit-learn's squared loss is
    their mean (k times less, though its gradient is the sum's), its Poisson
    loss their sum."""
    Z, Y, sample_weight = problem
    loss_name = CANONICAL_LOSS[out]
    loss, _ = loss_and_delta(out, Z, Y, sample_weight, loss_name)
    per_output = [
        loss_and_delta(out, Z[:, [k]], Y[:, [k]], sample_weight, loss_name)[0]
        for k in range(N_OUTPUTS)
    ]
    assert_allclose(loss, sum(per_output), rtol=1e-13)
    expected = sklearn_loss(out)(Y, OUTPUTS[out](Z), sample_weight)
    weight_sum = ones_if_none(sample_weight).sum()
    assert_allclose(loss, sklearn_factor * weight_sum * expected, rtol=1e-12)


@parametrize_weighted
def test_poisson_deviance_of_zero_counts_is_the_weighted_prediction(weighted, rng):
    """``y log y = 0`` at ``y = 0``: no log of 0, the loss is ``sum w mu``."""
    Z = rng.uniform(-4, 4, (N_SAMPLES, N_OUTPUTS))
    Y = np.zeros_like(Z)
    sample_weight = make_weights(weighted, rng)
    weights = ones_if_none(sample_weight)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        loss, delta = loss_and_delta("exp", Z, Y, sample_weight, "poisson")
    assert_allclose(loss, np.exp(Z).sum(axis=1) @ weights, rtol=1e-13)
    assert_allclose(delta, weights[:, np.newaxis] * np.exp(Z), rtol=1e-13)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@parametrize_regression
def test_non_finite_logits_give_a_non_finite_loss(out, bad, rng):
    Z = rng.uniform(-4, 4, (N_SAMPLES, N_OUTPUTS))
    Z[0, 0] = bad
    Y = make_targets(out, rng)
    for y in (0.0, 2.0):  # y z is 0 * inf for a zero count
        Y[0, 0] = y
        with np.errstate(over="ignore", invalid="ignore"):
            loss, _ = loss_and_delta(out, Z, Y, None, CANONICAL_LOSS[out])
        assert not math.isfinite(loss)


@parametrize_weighted
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_poisson_overflow_gives_an_infinite_loss_silently(dtype, weighted, rng):
    """Past ``log`` of the largest float, ``exp(z)`` is infinite, and so is the
    loss, without a warning where training silences overflows."""
    Z = rng.uniform(-4, 4, (N_SAMPLES, N_OUTPUTS)).astype(dtype)
    Z[0, 0] = np.log(np.finfo(dtype).max) + 1
    Y = make_targets("exp", rng).astype(dtype)
    Y[0, 0] = 2.0
    sample_weight = make_weights(weighted, rng)
    weights = ones_if_none(sample_weight)
    with warnings.catch_warnings(), np.errstate(over="ignore"):
        warnings.simplefilter("error")
        loss, delta = loss_and_delta("exp", Z, Y, sample_weight, "poisson")
    assert loss == np.inf
    assert delta[0, 0] == np.inf
    finite = np.ones(Z.shape, bool)
    finite[0, 0] = False
    in_range = np.where(finite, Z, 0).astype(np.float64)
    expected = weights[:, np.newaxis] * (np.exp(in_range) - Y)
    assert_allclose(delta[finite], expected[finite], rtol=1e-5)


@parametrize_weighted
@parametrize_out
def test_loss_and_delta_are_finite_for_huge_logits(out, weighted, rng):
    Z = 1e4 * rng.choice([-1.0, 1.0], (N_SAMPLES, N_OUTPUTS))
    Y = make_targets(out, rng)
    sample_weight = make_weights(weighted, rng)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        loss, delta = loss_and_delta(out, Z, Y, sample_weight)
    weights = ones_if_none(sample_weight)
    assert_allclose(loss, STABLE_LOSS[out](Z, Y) @ weights, rtol=1e-12)
    expected_delta = weights[:, np.newaxis] * (SATURATED[out](Z) - Y)
    assert_allclose(delta, expected_delta, rtol=1e-12)
