"""Tests of the output losses ``softmax_log_loss`` and ``logistic_log_loss``.

The returned loss is checked against the textbook weighted cross-entropy
computed independently with plain NumPy, the delta written into the logits
against ``w_i (p_i - y_i)`` and against a finite-difference gradient of the
loss, and both stay finite for logits of magnitude ``1e4``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import logsumexp

from skmlp._losses import LOSS_FUNCTIONS

N_SAMPLES, N_OUTPUTS = 6, 3


def softmax_probabilities(Z):
    """``p_ik = exp(z_ik) / sum_k exp(z_ik)`` for moderate logits."""
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)


def logistic_probabilities(Z):
    """``p_ik = 1 / (1 + exp(-z_ik))`` for moderate logits."""
    return 1.0 / (1.0 + np.exp(-Z))


def softmax_cross_entropy(P, Y):
    """Per-sample ``-sum_k y_ik log p_ik``."""
    return -(Y * np.log(P)).sum(axis=1)


def binary_cross_entropy(P, Y):
    """Per-sample ``-sum_k (y_ik log p_ik + (1 - y_ik) log(1 - p_ik))``."""
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)


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


PROBABILITIES = {"softmax": softmax_probabilities, "logistic": logistic_probabilities}
CROSS_ENTROPY = {"softmax": softmax_cross_entropy, "logistic": binary_cross_entropy}
SATURATED = {"softmax": saturated_softmax, "logistic": saturated_logistic}
STABLE_LOSS = {"softmax": stable_softmax_loss, "logistic": stable_logistic_loss}


def make_targets(out, rng):
    """One-hot rows for ``softmax``, independent 0/1 entries for ``logistic``."""
    if out == "softmax":
        return np.eye(N_OUTPUTS)[rng.randint(N_OUTPUTS, size=N_SAMPLES)]
    return rng.randint(2, size=(N_SAMPLES, N_OUTPUTS)).astype(np.float64)


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
parametrize_weighted = pytest.mark.parametrize(
    "weighted", [False, True], ids=["unweighted", "weighted"]
)


@parametrize_weighted
@parametrize_out
def test_loss_equals_textbook_weighted_cross_entropy(out, problem):
    Z, Y, sample_weight = problem
    weights = ones_if_none(sample_weight)
    expected = CROSS_ENTROPY[out](PROBABILITIES[out](Z), Y) @ weights
    loss, _ = loss_and_delta(out, Z, Y, sample_weight)
    assert isinstance(loss, float)
    assert_allclose(loss, expected, rtol=1e-12)


@parametrize_weighted
@parametrize_out
def test_delta_equals_weighted_probabilities_minus_targets(out, problem):
    Z, Y, sample_weight = problem
    expected = ones_if_none(sample_weight)[:, np.newaxis] * (PROBABILITIES[out](Z) - Y)
    _, delta = loss_and_delta(out, Z, Y, sample_weight)
    assert_allclose(delta, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@parametrize_weighted
@parametrize_out
def test_delta_equals_finite_difference_gradient(out, loss, problem):
    Z, Y, sample_weight = problem

    def value(Z):
        return loss_and_delta(out, Z, Y, sample_weight, loss)[0]

    _, delta = loss_and_delta(out, Z, Y, sample_weight, loss)
    assert_allclose(delta, numerical_gradient(value, Z), rtol=1e-6, atol=1e-8)


@parametrize_weighted
@parametrize_out
def test_squared_error_is_half_the_weighted_sum_of_squares(out, problem):
    Z, Y, sample_weight = problem
    residuals = PROBABILITIES[out](Z) - Y
    expected = 0.5 * (residuals**2).sum(axis=1) @ ones_if_none(sample_weight)
    loss, _ = loss_and_delta(out, Z, Y, sample_weight, "squared_error")
    assert_allclose(loss, expected, rtol=1e-12)


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
