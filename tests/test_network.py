"""Tests of the forward and backward passes, the workspace and parameter packing.

The backward pass is checked entry by entry against a central finite
difference of the batch's data term, ``sum_i w_i L_i / sum_i w_i``, built as
``_training`` builds it (``test_training`` checks the L2 penalty on top).
Then the buffers: what ``forward`` and ``backward`` leave in the ones they are
given, the layout and dtype of the ``Workspace``, and ``pack``, which copies
arrays into one vector unless they already are views of one it made.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._kernels import NUMPY_KERNELS
from skmlp._losses import LOSS_FUNCTIONS
from skmlp._network import (
    FlatParameters,
    NonFiniteInputError,
    Workspace,
    backward,
    forward,
    pack,
    weight_order,
)

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
    layers = forward(
        X,
        coefs,
        intercepts,
        activation,
        kernels=NUMPY_KERNELS,
        masks=masks,
        dropped=dropped,
    )
    value = LOSS_FUNCTIONS[loss, out](layers[-1], Y, sample_weight)
    return value / weight_sum(sample_weight)


def gradients(
    params, X, Y, sample_weight, activation, out, loss, masks, kernels=NUMPY_KERNELS
):
    """The backward pass's gradients, ``coef_grads + intercept_grads``."""
    coefs, intercepts = split(params)
    layer_units = [X.shape[1]] + [W.shape[1] for W in coefs]
    workspace = Workspace(layer_units, N_SAMPLES, coefs[0].dtype, masks is not None)
    activations, deltas, _, dropped = workspace.rows(N_SAMPLES)
    layers = forward(
        X,
        coefs,
        intercepts,
        activation,
        activations,
        kernels=kernels,
        masks=masks,
        dropped=dropped,
    )
    kernels.loss_and_delta(
        layers[-1],
        Y,
        sample_weight,
        1.0 / weight_sum(sample_weight),
        loss=loss,
        out_activation=out,
    )
    backward(
        layers,
        coefs,
        activation,
        workspace.coef_grads,
        workspace.intercept_grads,
        deltas,
        kernels=kernels,
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
    activation, kind, weighted, loss, dropout, rng, kernels
):
    out, n_outputs = TARGETS[kind]
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    Y = make_targets(kind, rng)
    sample_weight = rng.uniform(0.5, 2.0, N_SAMPLES) if weighted else None
    params = make_params(n_outputs, rng)
    masks = make_masks(rng) if dropout else None
    problem = (X, Y, sample_weight, activation, out, loss, masks)

    expected = numerical_gradients(lambda p: objective(p, *problem), params)
    actual = gradients(params, *problem, kernels=kernels)
    assert_all_close(actual, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_into_buffers_equals_forward_without(activation, rng, kernels):
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    coefs, intercepts = split(make_params(2, rng))
    workspace = Workspace(UNITS + [2], N_SAMPLES + 3, np.float64)
    activations = workspace.rows(N_SAMPLES)[0]

    layers = forward(X, coefs, intercepts, activation, activations, kernels=kernels)
    assert all(a is b for a, b in zip(layers[1:], activations))
    unbuffered = forward(X, coefs, intercepts, activation, kernels=kernels)
    assert_all_close(layers, unbuffered, rtol=1e-14)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_sparse_input_gives_dense_results(activation, container, rng, kernels):
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    X[rng.rand(*X.shape) < 0.5] = 0.0
    Y = make_targets("multiclass", rng)
    params = make_params(3, rng)
    coefs, intercepts = split(params)
    problem = (Y, None, activation, "softmax", "log_loss", None, kernels)

    logits = forward(container(X), coefs, intercepts, activation, kernels=kernels)[-1]
    assert isinstance(logits, np.ndarray)
    dense = forward(X, coefs, intercepts, activation, kernels=kernels)[-1]
    assert_allclose(logits, dense, rtol=1e-14)
    assert_all_close(
        gradients(params, container(X), *problem),
        gradients(params, X, *problem),
        rtol=1e-12,
        atol=1e-15,
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_network_stays_float32(activation, rng, kernels):
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    Y = make_targets("multilabel", rng)
    params = make_params(3, rng)
    params32 = [p.astype(np.float32) for p in params]
    problem = (Y, None, activation, "logistic", "log_loss", None, kernels)

    layers = forward(
        X.astype(np.float32), *split(params32), activation, kernels=kernels
    )
    assert [layer.dtype for layer in layers] == [np.float32] * len(layers)
    grads32 = gradients(params32, X.astype(np.float32), *problem)
    assert [grad.dtype for grad in grads32] == [np.float32] * len(grads32)
    assert_all_close(grads32, gradients(params, X, *problem), rtol=1e-4, atol=1e-6)


def test_backward_leaves_the_hidden_deltas_in_the_given_buffers(rng, kernels):
    """``deltas[k - 1]`` ends holding ``delta_k = (delta_{k+1} W_k^T) phi'(z_k)``."""
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    coefs, intercepts = split(make_params(2, rng))
    workspace = Workspace(UNITS + [2], N_SAMPLES, np.float64)
    activations, deltas, _, _ = workspace.rows(N_SAMPLES)
    layers = forward(X, coefs, intercepts, "tanh", activations, kernels=kernels)
    layers[-1][...] = rng.standard_normal(layers[-1].shape)
    delta_2 = (layers[-1] @ coefs[2].T) * (1 - layers[2] ** 2)
    delta_1 = (delta_2 @ coefs[1].T) * (1 - layers[1] ** 2)

    backward(
        layers,
        coefs,
        "tanh",
        workspace.coef_grads,
        workspace.intercept_grads,
        deltas,
        kernels=kernels,
    )
    assert_allclose(workspace.deltas[0], delta_1, rtol=1e-13)
    assert_allclose(workspace.deltas[1], delta_2, rtol=1e-13)


def test_forward_under_dropout_fills_the_dropped_buffers(rng, kernels):
    """The next layer sees ``d_k = a_k * mask_k``, kept in ``dropped[k]``.

    The activation buffers keep ``a_k`` itself, which the derivatives need.
    """
    X = rng.standard_normal((N_SAMPLES, UNITS[0]))
    coefs, intercepts = split(make_params(2, rng))
    masks = make_masks(rng)
    workspace = Workspace(UNITS + [2], N_SAMPLES, np.float64, dropout=True)
    activations, _, _, dropped = workspace.rows(N_SAMPLES)
    a_1 = np.tanh(X @ coefs[0] + intercepts[0])
    a_2 = np.tanh((a_1 * masks[0]) @ coefs[1] + intercepts[1])
    logits = (a_2 * masks[1]) @ coefs[2] + intercepts[2]

    layers = forward(
        X,
        coefs,
        intercepts,
        "tanh",
        activations,
        kernels=kernels,
        masks=masks,
        dropped=dropped,
    )
    assert all(a is b for a, b in zip(layers[1:-1], dropped))
    assert layers[-1] is activations[-1]
    assert_allclose(activations[0], a_1, rtol=1e-14)
    assert_allclose(activations[1], a_2, rtol=1e-14)
    assert_allclose(dropped[0], a_1 * masks[0], rtol=1e-14)
    assert_allclose(dropped[1], a_2 * masks[1], rtol=1e-14)
    assert_allclose(layers[-1], logits, rtol=1e-13)


def two_layers(first_weight, second_weight):
    """A 1-1-1 identity network's ``(coefs, intercepts)``."""
    coefs = [np.array([[first_weight]]), np.array([[second_weight]])]
    return coefs, [np.zeros(1), np.zeros(1)]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_finite_rejects_non_finite_inputs(bad):
    X = np.array([[1.0], [bad]])
    with pytest.raises(NonFiniteInputError):
        forward(
            X,
            *two_layers(1.0, 1.0),
            "identity",
            kernels=NUMPY_KERNELS,
            check_finite=True,
        )


def test_check_finite_rejects_a_first_layer_that_overflows():
    """Finite inputs whose first-layer outputs overflow are rejected as well."""
    X = np.array([[1.0], [1e300]])
    with np.errstate(over="ignore"), pytest.raises(NonFiniteInputError):
        forward(
            X,
            *two_layers(1e300, 1.0),
            "identity",
            kernels=NUMPY_KERNELS,
            check_finite=True,
        )


def test_forward_does_not_check_finiteness_by_default():
    """Without ``check_finite``, a NaN input simply propagates to the logits."""
    X = np.array([[1.0], [np.nan]])
    logits = forward(X, *two_layers(1.0, 1.0), "identity", kernels=NUMPY_KERNELS)[-1]
    assert_array_equal(logits, [[1.0], [np.nan]])


def test_check_finite_accepts_finite_outputs_whose_sum_overflows():
    """The sum is only a shortcut: finite outputs near the float limit pass."""
    X = np.array([[1e308], [1e308]])
    with np.errstate(over="ignore"):
        logits = forward(
            X,
            *two_layers(1.0, 1.0),
            "identity",
            kernels=NUMPY_KERNELS,
            check_finite=True,
        )
    assert_array_equal(logits[-1], X)


def test_check_finite_looks_at_the_first_layer_only():
    """Overflow past the first layer is the training's to detect, not an input."""
    X = np.array([[1.0], [2.0]])
    with np.errstate(over="ignore"):
        layers = forward(
            X,
            *two_layers(1e300, 1e300),
            "identity",
            kernels=NUMPY_KERNELS,
            check_finite=True,
        )
    assert_array_equal(layers[1], [[1e300], [2e300]])
    assert_array_equal(layers[-1], [[np.inf], [np.inf]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_workspace_buffers_have_the_layer_shapes_and_dtype(dtype):
    workspace = Workspace(UNITS + [2], N_SAMPLES, dtype)
    fan_outs = UNITS[1:] + [2]
    assert [a.shape for a in workspace.activations] == [
        (N_SAMPLES, n) for n in fan_outs
    ]
    assert [d.shape for d in workspace.deltas] == [(N_SAMPLES, n) for n in UNITS[1:]]
    assert workspace.masks is None
    assert workspace.dropped is None
    fans = list(zip(UNITS, fan_outs))
    assert [g.shape for g in workspace.coef_grads] == fans
    assert [g.shape for g in workspace.intercept_grads] == [(n,) for n in fan_outs]
    buffers = workspace.activations + workspace.deltas + [workspace.grads]
    assert {b.dtype for b in buffers} == {np.dtype(dtype)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_workspace_with_dropout_holds_masks_for_the_hidden_layers(dtype):
    workspace = Workspace(UNITS + [2], N_SAMPLES, dtype, dropout=True)
    for buffers in (workspace.masks, workspace.dropped):
        assert [b.shape for b in buffers] == [(N_SAMPLES, n) for n in UNITS[1:]]
        assert {b.dtype for b in buffers} == {np.dtype(dtype)}
    buffers = workspace.deltas + workspace.masks + workspace.dropped
    for i, first in enumerate(buffers):
        assert not any(np.shares_memory(first, other) for other in buffers[i + 1 :])


def test_workspace_gradients_are_laid_out_like_packed_parameters():
    """``grads`` is all the weight gradients then all the bias gradients."""
    workspace = Workspace(UNITS + [2], N_SAMPLES, np.float64)
    views = workspace.coef_grads + workspace.intercept_grads
    vector, same = pack(views)
    assert vector is workspace.grads
    assert all(a is b for a, b in zip(same, views))


@pytest.mark.parametrize("dropout", [False, True])
def test_workspace_rows_are_the_first_rows_of_the_buffers(dropout):
    workspace = Workspace(UNITS + [2], N_SAMPLES, np.float64, dropout=dropout)
    rows = workspace.rows(3)
    everything = (
        workspace.activations,
        workspace.deltas,
        workspace.masks,
        workspace.dropped,
    )
    assert len(rows) == 4
    for views, buffers in zip(rows, everything):
        if buffers is None:
            assert views is None
            continue
        assert len(views) == len(buffers)
        for view, buffer in zip(views, buffers):
            assert view.shape == (3, buffer.shape[1])
            assert view.__array_interface__ == buffer[:3].__array_interface__


def layer_arrays(rng, dtype=np.float64):
    """Weights then biases of a 5-4-3 network, as separate arrays."""
    coefs = [rng.standard_normal((5, 4)), rng.standard_normal((4, 3))]
    intercepts = [rng.standard_normal(4), rng.standard_normal(3)]
    return [a.astype(dtype) for a in coefs + intercepts]


@pytest.mark.parametrize(
    "dtype, layout", [(np.float64, "F_CONTIGUOUS"), (np.float32, "C_CONTIGUOUS")]
)
def test_weights_are_laid_out_for_the_faster_gradient_product(dtype, layout, rng):
    """Column-major in float64, row-major in float32 (see weight_order); the
    gradients of a workspace are laid out like the weights."""
    _, views = pack(layer_arrays(rng, dtype))
    workspace = Workspace([5, 4, 3], N_SAMPLES, dtype)
    for W, grad in zip(views[:2], workspace.coef_grads):
        assert W.flags[layout] and grad.flags[layout]  # 5 x 4: only one is set


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pack_copies_arrays_into_one_vector_in_order(dtype, rng):
    arrays = layer_arrays(rng, dtype)
    flat, views = pack(arrays)
    assert flat.dtype == dtype
    assert flat.shape == (sum(a.size for a in arrays),)
    assert_array_equal(
        flat, np.concatenate([a.ravel(order=weight_order(dtype)) for a in arrays])
    )
    assert not any(np.shares_memory(flat, a) for a in arrays)
    for view, array in zip(views, arrays):
        assert view.shape == array.shape
        assert view.dtype == dtype
        assert np.shares_memory(view, flat)
        assert_array_equal(view, array)
    views[0][0, 0] = 42.0
    assert flat[0] == 42.0, "the views write through to the vector"


def test_pack_returns_its_own_views_without_a_copy(rng):
    flat, views = pack(layer_arrays(rng))
    again, same = pack(views)
    assert again is flat
    assert len(same) == len(views)
    assert all(a is b for a, b in zip(same, views))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pack_of_a_single_array(dtype, rng):
    """One array packs, and repacks without a copy, like a list of several."""
    array = rng.standard_normal((3, 2)).astype(dtype)
    flat, views = pack([array])
    assert flat.dtype == dtype
    assert_array_equal(flat, array.ravel(order=weight_order(dtype)))
    assert not np.shares_memory(flat, array)
    again, same = pack(views)
    assert again is flat
    assert same[0] is views[0]


def test_pack_of_its_own_views_with_copy_makes_a_new_vector(rng):
    flat, views = pack(layer_arrays(rng))
    copied, copies = pack(views, copy=True)
    assert not np.shares_memory(copied, flat)
    assert_array_equal(copied, flat)
    assert not any(np.shares_memory(c, flat) for c in copies)


# Views of a packed vector, arranged in ways ``pack`` did not make them.
ARRANGEMENTS = {
    "reordered": lambda flat, views: views[::-1],
    "subset": lambda flat, views: views[:2],
    "one replaced by a copy": lambda flat, views: (
        [views[0], views[1].copy()] + views[2:]
    ),
    "interleaved": lambda flat, views: [flat[0::2], flat[1::2]],
}


@pytest.mark.parametrize("arrange", list(ARRANGEMENTS))
def test_pack_copies_views_it_did_not_make(arrange, rng):
    """Only consecutive views covering the whole vector, in order, are kept."""
    flat, views = pack(layer_arrays(rng))
    arrays = ARRANGEMENTS[arrange](flat, views)
    expected = np.concatenate([a.ravel(order="F") for a in arrays])  # float64

    packed, packed_views = pack(arrays)
    assert packed is not flat
    assert not np.shares_memory(packed, flat)
    assert_array_equal(packed, expected)
    assert all(np.shares_memory(v, packed) for v in packed_views)


@pytest.mark.parametrize("base_shape", [(2, 6), (12, 1)])
def test_pack_copies_rows_of_a_matrix(base_shape):
    """Views of a base that is not a flat vector are copied."""
    base = np.arange(12.0).reshape(base_shape).copy()
    arrays = [base[:1], base[1:]]
    packed, _ = pack(arrays)
    assert not np.shares_memory(packed, base)
    assert_array_equal(packed, np.arange(12.0))


def test_flat_parameters_of_packs_coefs_then_intercepts(rng):
    coefs, intercepts = split(layer_arrays(rng))
    packed = FlatParameters.of(coefs, intercepts)
    assert_array_equal(
        packed.vector, np.concatenate([a.ravel(order="F") for a in coefs + intercepts])
    )
    assert len(packed.coefs) == len(coefs)
    assert len(packed.intercepts) == len(intercepts)
    for views, arrays in ((packed.coefs, coefs), (packed.intercepts, intercepts)):
        for view, array in zip(views, arrays):
            assert np.shares_memory(view, packed.vector)
            assert not np.shares_memory(view, array)
            assert_array_equal(view, array)


@pytest.mark.parametrize("copy", [None, False, True], ids=["default", "False", "True"])
def test_flat_parameters_of_its_own_views_copies_only_if_asked(copy, rng):
    packed = FlatParameters.of(*split(layer_arrays(rng)))
    options = {} if copy is None else {"copy": copy}
    again = FlatParameters.of(packed.coefs, packed.intercepts, **options)
    copy = bool(copy)
    assert (again.vector is packed.vector) is not copy
    assert np.shares_memory(again.vector, packed.vector) is not copy
    assert_array_equal(again.vector, packed.vector)
