"""Tests of the forward and backward passes and of the weight initialization.

The backward pass is checked entry by entry against a central finite
difference of the batch's data term, ``sum_i w_i L_i / sum_i w_i``, built as
``_training`` builds it (``test_training`` checks the L2 penalty on top).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from skmlp._initializers import glorot_uniform
from skmlp._losses import LOSS_FUNCTIONS
from skmlp._network import Workspace, backward, forward

N_SAMPLES = 8
# ``layer_units`` without the outputs: 5 features, then hidden layers of 4 and 3.
UNITS = [5, 4, 3]
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
# Target kind -> (output loss, number of outputs).
TARGETS = {
    "binary": ("logistic", 1),
    "multiclass": ("softmax", 3),
    "multilabel": ("logistic", 3),
}


def make_targets(kind, rng):
    """Encoded targets of ``N_SAMPLES`` rows for a target kind."""
    if kind == "binary":
        return (np.arange(N_SAMPLES) % 2).astype(np.float64)[:, np.newaxis]
    if kind == "multiclass":
        return np.eye(3)[np.arange(N_SAMPLES) % 3]
    return rng.randint(2, size=(N_SAMPLES, 3)).astype(np.float64)


def make_params(n_outputs, rng):
    """Random weights then biases, ``[W_0, W_1, W_2, b_0, b_1, b_2]``, in float64."""
    fans = list(zip(UNITS, UNITS[1:] + [n_outputs]))
    coefs = [rng.standard_normal(fan) for fan in fans]
    intercepts = [rng.standard_normal(fan_out) for _, fan_out in fans]
    return coefs + intercepts


def split(params):
    """``(coefs, intercepts)`` from ``coefs + intercepts``."""
    half = len(params) // 2
    return params[:half], params[half:]


def weight_sum(sample_weight):
    """``sum(w)``, or the number of samples when ``w`` is None."""
    return N_SAMPLES if sample_weight is None else float(sample_weight.sum())


def objective(params, X, Y, sample_weight, activation, out, loss, masks):
    """The batch's data term ``sum_i w_i L_i / sum(w)``."""
    coefs, intercepts = split(params)
    dropped = None if masks is None else [np.empty_like(mask) for mask in masks]
    layers = forward(X, coefs, intercepts, activation, masks=masks, dropped=dropped)
    value = LOSS_FUNCTIONS[loss, out](layers[-1], Y, sample_weight)
    return value / weight_sum(sample_weight)


def gradients(params, X, Y, sample_weight, activation, out, loss, masks):
    """The backward pass's gradients, ``coef_grads + intercept_grads``."""
    coefs, intercepts = split(params)
    layer_units = [X.shape[1]] + [W.shape[1] for W in coefs]
    workspace = Workspace(layer_units, N_SAMPLES, coefs[0].dtype, masks is not None)
    activations, deltas, _, dropped = workspace.rows(N_SAMPLES)
    layers = forward(
        X, coefs, intercepts, activation, activations, masks=masks, dropped=dropped
    )
    LOSS_FUNCTIONS[loss, out](layers[-1], Y, sample_weight)
    scale = weight_sum(sample_weight)
    layers[-1] *= 1.0 / scale
    backward(
        layers,
        coefs,
        activation,
        workspace.coef_grads,
        workspace.intercept_grads,
        deltas,
        masks=masks,
        hidden=activations,
    )
    return workspace.coef_grads + workspace.intercept_grads


def numerical_gradients(f, params, eps=1e-6):
    """Central finite differences of ``f(params)``, one entry at a time."""
    result = []
    for k, param in enumerate(params):
        gradient = np.empty_like(param)
        for index in np.ndindex(param.shape):
            shifted = [p.copy() for p in params]
            shifted[k][index] = param[index] + eps
            plus = f(shifted)
            shifted[k][index] = param[index] - eps
            gradient[index] = (plus - f(shifted)) / (2 * eps)
        result.append(gradient)
    return result


def assert_all_close(actual, desired, **tolerances):
    """``assert_allclose`` over two lists of arrays."""
    assert len(actual) == len(desired)
    for a, d in zip(actual, desired):
        assert_allclose(a, d, **tolerances)


def make_masks(rng, p=0.3):
    """Inverted-dropout masks for the hidden layers: 0 or ``1 / (1 - p)``."""
    return [(rng.uniform(size=(N_SAMPLES, n)) >= p) / (1 - p) for n in UNITS[1:]]


@pytest.mark.parametrize("dropout", [False, True], ids=["", "dropout"])
@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind", list(TARGETS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_finite_differences(
    activation, kind, weighted, loss, dropout, rng
):
    out, n_outputs = TARGETS[kind]
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    Y = make_targets(kind, rng)
    sample_weight = rng.uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    params = make_params(n_outputs, rng)
    masks = make_masks(rng) if dropout else None
    problem = (X, Y, sample_weight, activation, out, loss, masks)

    expected = numerical_gradients(lambda p: objective(p, *problem), params)
    assert_all_close(gradients(params, *problem), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_into_buffers_equals_forward_without(activation, rng):
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    coefs, intercepts = split(make_params(2, rng))
    workspace = Workspace(UNITS + [2], N_SAMPLES + 3, np.float64)
    activations = workspace.rows(N_SAMPLES)[0]

    layers = forward(X, coefs, intercepts, activation, activations)
    assert all(a is b for a, b in zip(layers[1:], activations))
    assert_all_close(layers, forward(X, coefs, intercepts, activation), rtol=1e-14)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_sparse_input_gives_dense_results(activation, container, rng):
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    X[rng.rand(*X.shape) < 0.5] = 0.0
    Y = make_targets("multiclass", rng)
    params = make_params(3, rng)
    coefs, intercepts = split(params)
    problem = (Y, None, activation, "softmax", "log_loss", None)

    logits = forward(container(X), coefs, intercepts, activation)[-1]
    assert isinstance(logits, np.ndarray)
    assert_allclose(logits, forward(X, coefs, intercepts, activation)[-1], rtol=1e-14)
    assert_all_close(
        gradients(params, container(X), *problem),
        gradients(params, X, *problem),
        rtol=1e-12,
        atol=1e-15,
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_network_stays_float32(activation, rng):
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    Y = make_targets("multilabel", rng)
    params = make_params(3, rng)
    params32 = [p.astype(np.float32) for p in params]
    problem = (Y, None, activation, "logistic", "log_loss", None)

    layers = forward(X.astype(np.float32), *split(params32), activation)
    assert [layer.dtype for layer in layers] == [np.float32] * len(layers)
    grads32 = gradients(params32, X.astype(np.float32), *problem)
    assert [grad.dtype for grad in grads32] == [np.float32] * len(grads32)
    assert_all_close(grads32, gradients(params, X, *problem), rtol=1e-4, atol=1e-6)


def sklearn_glorot(layer_units, activation):
    """scikit-learn's ``MLPClassifier`` initialization, re-implemented."""
    rng = np.random.RandomState(0)
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    return coefs, intercepts


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_glorot_uniform(activation, dtype):
    layer_units = [5, 4, 3, 2]
    coefs, intercepts = glorot_uniform(
        layer_units, activation, np.random.RandomState(0), dtype
    )
    factor = 2.0 if activation == "logistic" else 6.0
    fans = list(zip(layer_units[:-1], layer_units[1:]))
    assert [W.shape for W in coefs] == fans
    assert [b.shape for b in intercepts] == [(fan_out,) for _, fan_out in fans]
    for (fan_in, fan_out), W, b in zip(fans, coefs, intercepts):
        bound = dtype(np.sqrt(factor / (fan_in + fan_out)))
        assert W.dtype == b.dtype == dtype
        assert np.abs(W).max() <= bound
        assert np.abs(b).max() <= bound

    expected_coefs, expected_intercepts = sklearn_glorot(layer_units, activation)
    expected = [p.astype(dtype) for p in expected_coefs + expected_intercepts]
    assert_all_close(coefs + intercepts, expected, rtol=0)
