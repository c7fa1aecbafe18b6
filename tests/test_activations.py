"""Tests of the activation functions, their derivatives and the output links.

Every hidden activation is checked against its textbook formula, every
derivative against a central finite difference of its activation, and the
output links (softmax and the log-links) for normalization and for staying
finite on huge logits. The exp output of a log link is checked against the
exponential, and ``outputs_are_finite`` against it at the exact edge of its
range: ``largest_finite_logit`` is ``log`` of the largest float for it.
"""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    largest_finite_logit,
    log_logistic,
    log_softmax,
    logistic,
    outputs_are_finite,
    softmax,
)

HIDDEN = ["identity", "logistic", "tanh", "relu"]
LOG_ACTIVATIONS = {"softmax": log_softmax, "logistic": log_logistic}


def textbook_identity(z):
    """``phi(z) = z``."""
    return z


def textbook_logistic(z):
    """``phi(z) = 1 / (1 + exp(-z))``."""
    return 1.0 / (1.0 + np.exp(-z))


def textbook_tanh(z):
    """``phi(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z))``."""
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))


def textbook_relu(z):
    """``phi(z) = z if z > 0 else 0``."""
    return np.where(z > 0, z, 0.0)


def textbook_softmax(z):
    """``p_k = exp(z_k) / sum_j exp(z_j)``, row-wise, for moderate logits."""
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


TEXTBOOK = {
    "identity": textbook_identity,
    "logistic": textbook_logistic,
    "tanh": textbook_tanh,
    "relu": textbook_relu,
}

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-13}


def apply(function, Z):
    """Apply the in-place ``function`` to a copy of ``Z`` and return the result."""
    return function(Z.copy())


def away_from_zero(rng, shape, margin=0.1):
    """Standard-normal draws pushed at least ``margin`` away from 0."""
    z = rng.standard_normal(shape)
    return np.sign(z) * (np.abs(z) + margin)


@pytest.fixture
def no_warnings():
    """Turn warnings and floating-point errors into errors.

    Underflow is left alone: ``exp(-1e4) == 0`` is the right answer.
    """
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", HIDDEN)
def test_hidden_activation_matches_textbook_formula(name, dtype, rng):
    Z = rng.uniform(-5, 5, (6, 4)).astype(dtype)
    expected = TEXTBOOK[name](Z.astype(np.float64))
    A = apply(ACTIVATIONS[name], Z)
    assert A.dtype == dtype
    assert_allclose(A, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("name", HIDDEN)
def test_hidden_activation_works_in_place(name, rng):
    Z = rng.standard_normal((3, 2))
    assert ACTIVATIONS[name](Z) is Z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_saturates_without_overflow(dtype, no_warnings):
    Z = np.array([[-1000.0, -100.0, 0.0, 100.0, 1000.0]], dtype=dtype)
    A = logistic(Z)
    assert A.dtype == dtype
    assert_array_equal(A, [[0.0, 0.0, 0.5, 1.0, 1.0]])


@pytest.mark.parametrize("name", HIDDEN)
def test_derivative_matches_finite_difference(name, rng):
    eps = 1e-6
    activation = ACTIVATIONS[name]
    Z = away_from_zero(rng, (5, 3))
    delta = rng.standard_normal(Z.shape)
    slope = (apply(activation, Z + eps) - apply(activation, Z - eps)) / (2 * eps)
    result = delta.copy()
    DERIVATIVES[name](apply(activation, Z), result)
    assert_allclose(result, delta * slope, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_matches_textbook_and_rows_sum_to_one(dtype, rng):
    Z = rng.uniform(-5, 5, (6, 4)).astype(dtype)
    P = apply(softmax, Z)
    assert P.dtype == dtype
    assert_allclose(P, textbook_softmax(Z.astype(np.float64)), rtol=1e-5)
    assert_allclose(P.sum(axis=1), 1.0, rtol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_logits(dtype, no_warnings):
    Z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype)
    P = softmax(Z)
    expected = [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]]
    assert_allclose(P, expected, rtol=TOLERANCE[dtype])


def log_of_softmax(Z):
    """``log(softmax(z))`` by the textbook formula."""
    return np.log(textbook_softmax(Z))


def log_of_sigmoid(Z):
    """``log(sigmoid(z))`` by the textbook formula."""
    return np.log(textbook_logistic(Z))


@pytest.mark.parametrize(
    "name, reference",
    [("softmax", log_of_softmax), ("logistic", log_of_sigmoid)],
)
def test_log_activation_equals_log_of_activation(name, reference, rng):
    Z = rng.uniform(-10, 10, (6, 4))
    assert_allclose(apply(LOG_ACTIVATIONS[name], Z), reference(Z), rtol=1e-12)


@pytest.mark.parametrize(
    "log_function, logits, expected",
    [
        (
            log_softmax,
            [[1e4, 0.0, -1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]],
            [
                [0.0, -1e4, -2e4],
                [-np.log(2), -np.log(2), -2e4 - np.log(2)],
                [-np.log(3), -np.log(3), -np.log(3)],
            ],
        ),
        (
            log_logistic,
            [[1e4, -1e4, -2e4], [-1e4, 0.0, 1e4]],
            [[0.0, -1e4, -2e4], [-1e4, -np.log(2), 0.0]],
        ),
    ],
)
def test_log_activation_stays_finite_for_huge_logits(
    log_function, logits, expected, no_warnings
):
    result = log_function(np.array(logits))
    assert np.isfinite(result).all()
    assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "link, expected",
    [(softmax, [1.0, 0.0]), (log_softmax, [0.0, -np.inf])],
    ids=["softmax", "log_softmax"],
)
def test_softmax_of_logits_at_the_float_limits_is_silent(
    link, expected, dtype, no_warnings
):
    """A spread of ``2 * max`` overflows to -inf, which is exact after ``exp``.

    The overflow of the subtraction is expected and must not warn.
    """
    limit = np.finfo(dtype).max
    result = link(np.array([[limit, -limit]], dtype=dtype))
    assert result.dtype == dtype
    assert_array_equal(result, [expected])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["softmax", "logistic"])
def test_log_activation_works_in_place(name, dtype, rng):
    """The log-links overwrite their input with the result and return it."""
    Z = rng.uniform(-10, 10, (6, 4)).astype(dtype)
    expected = apply(LOG_ACTIVATIONS[name], Z)
    result = LOG_ACTIVATIONS[name](Z)
    assert result is Z
    assert result.dtype == dtype
    assert_array_equal(Z, expected)
    assert (Z <= 0).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_output_is_the_exponential_in_place(dtype, rng):
    Z = rng.uniform(-20, 20, (6, 4)).astype(dtype)
    expected = [[math.exp(z) for z in row] for row in Z.astype(np.float64)]
    A = ACTIVATIONS["exp"](Z)
    assert A is Z
    assert A.dtype == dtype
    assert_allclose(A, expected, rtol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("out_activation", ["identity", "logistic", "softmax", "exp"])
def test_largest_finite_logit(out_activation, dtype):
    largest = float(np.finfo(dtype).max)
    expected = math.log(largest) if out_activation == "exp" else largest
    assert largest_finite_logit(out_activation, dtype) == expected
    assert largest_finite_logit(out_activation, np.dtype(dtype)) == expected


def largest_logit_of_finite_exp(dtype):
    """The largest ``z`` of ``dtype`` whose ``exp(z)`` is finite in ``dtype``."""
    z = dtype(math.log(float(np.finfo(dtype).max)))
    with np.errstate(over="ignore"):
        while not np.isfinite(np.exp(z)):
            z = np.nextafter(z, dtype(0))
        while np.isfinite(np.exp(np.nextafter(z, dtype(np.inf)))):
            z = np.nextafter(z, dtype(np.inf))
    return z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_outputs_are_finite_up_to_the_last_logit_whose_exp_is(dtype):
    """About 709.78 in float64, 88.72 in float32: the next float up overflows."""
    z = largest_logit_of_finite_exp(dtype)
    above = np.nextafter(z, dtype(np.inf))
    assert outputs_are_finite(np.array([[-1.0, z]], dtype), "exp")
    assert not outputs_are_finite(np.array([[-1.0, above]], dtype), "exp")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "logit, out_activation, finite",
    [
        (800.0, "identity", True),
        (800.0, "exp", False),
        (-1e30, "exp", True),  # exp underflows to 0
        (3e38, "identity", True),
        (3e38, "logistic", True),
        (3e38, "softmax", True),
        (np.inf, "identity", False),
        (-np.inf, "identity", False),
        (-np.inf, "exp", False),
        (np.nan, "softmax", False),
        (np.nan, "exp", False),
    ],
)
def test_outputs_are_finite(logit, out_activation, finite, dtype):
    Z = np.array([[0.5, -2.0], [1.0, 0.0]], dtype)
    Z[1, 0] = logit
    assert outputs_are_finite(Z, out_activation) == finite
