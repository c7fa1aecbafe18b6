"""Activation functions, their derivatives and the output link functions.

Every function works in place on a float array and knows nothing of estimators.
Hidden-layer derivatives are written in terms of the activation ``A = phi(Z)``,
not of ``Z``, so the forward pass can overwrite ``Z`` with ``A`` and the
backward pass still has everything it needs.
"""

import math

import numpy as np


def identity(Z):
    """Identity activation ``phi(z) = z``; leaves ``Z`` unchanged."""
    return Z


def logistic(Z):
    """Logistic sigmoid ``phi(z) = 1 / (1 + exp(-z))``, in place.

    Computed as ``(1 + tanh(z / 2)) / 2``: one pass, no overflow, and an
    absolute error of at most about ``1e-16``, which is what hidden layers and
    the output delta need (values below ``1e-17`` round to 0; the estimator
    reports probabilities as ``exp(log_logistic(z))`` for full relative
    precision).
    """
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z += 1.0
    Z *= 0.5
    return Z


def tanh(Z):
    """Hyperbolic tangent ``phi(z) = tanh(z)``, in place."""
    return np.tanh(Z, out=Z)


def relu(Z):
    """Rectified linear unit ``phi(z) = max(z, 0)``, in place."""
    return np.maximum(Z, 0, out=Z)


def exp(Z):
    """Exponential ``phi(z) = exp(z)``, in place: the inverse of the log link of
    a Poisson output. Overflows to infinity past ``log`` of the dtype's largest
    value (about 709 in float64, 88 in float32)."""
    return np.exp(Z, out=Z)


def softmax(Z):
    """Row-wise softmax ``p_k = exp(z_k) / sum_j exp(z_j)``, in place.

    The row maximum is subtracted first so that no exponential overflows (the
    subtraction itself may reach -inf for logits near the float limits, which is
    exact after the exponential).
    """
    with np.errstate(over="ignore"):
        Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def log_softmax(Z):
    """Row-wise ``log softmax(z)_k = z_k - logsumexp(z)``, in place.

    Finite for any finite logits whose spread within a row is representable.
    """
    with np.errstate(over="ignore"):
        Z -= Z.max(axis=1, keepdims=True)
    Z -= np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return Z


def log_logistic(Z):
    """``log(sigmoid(z)) = -log(1 + exp(-z))``, in place; always finite."""
    return np.negative(np.logaddexp(0, -Z, out=Z), out=Z)


def inplace_identity_derivative(A, delta):
    """Identity: ``phi'(z) = 1``, so ``delta`` is left unchanged."""


def inplace_logistic_derivative(A, delta):
    """Logistic: ``phi'(z) = a (1 - a)``; multiplies ``delta`` by it in place."""
    delta *= A
    delta *= 1.0 - A


def inplace_tanh_derivative(A, delta):
    """Tanh: ``phi'(z) = 1 - a^2``; multiplies ``delta`` by it in place."""
    delta *= 1.0 - A**2


def inplace_relu_derivative(A, delta):
    """ReLU: ``phi'(z) = 1 if a > 0 else 0``; zeroes ``delta`` where ``a == 0``."""
    delta *= A > 0


ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
    "exp": exp,
}

DERIVATIVES = {
    "identity": inplace_identity_derivative,
    "logistic": inplace_logistic_derivative,
    "tanh": inplace_tanh_derivative,
    "relu": inplace_relu_derivative,
}


def bias_activation(Z, b, activation):
    """``Z <- phi(Z + b)``, in place, for the activation named ``activation``."""
    Z += b
    return ACTIVATIONS[activation](Z)


def activation_derivative(A, delta, activation):
    """``delta <- delta * phi'(z)``, in place, from ``A = phi(z)``."""
    DERIVATIVES[activation](A, delta)


def largest_finite_logit(out_activation, dtype):
    """The largest logit whose output is finite: ``log`` of the dtype's largest
    value for an exp output (which overflows long before its logits look
    large), the largest value itself for the others."""
    largest = float(np.finfo(dtype).max)
    return math.log(largest) if out_activation == "exp" else largest


def outputs_are_finite(Z, out_activation):
    """Whether the logits ``Z`` and the outputs ``phi(Z)`` are all finite."""
    # In float64: NumPy rounds a Python float limit to Z's float32, above it.
    return bool(np.isfinite(Z).all()) and float(Z.max()) <= largest_finite_logit(
        out_activation, Z.dtype
    )
