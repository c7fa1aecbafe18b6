"""Tests of the kernel sets: every compiled kernel against its NumPy twin.

Each kernel of the numba set must give the NumPy reference's result to
rounding, at float32 and float64, on random data and on the edge values
(NaN, infinities, logits beyond exp's range) that divergence detection relies
on; the optimizer steps match bit for bit, as they run the same operations in
the same order, except that the compiled ones set subnormal results to zero.
The compiled steps update arrays contiguous in either memory order in place,
and refuse others, whose flattened copy would take the update and lose it.
Then :func:`get_kernels`, which picks the set from ``SKMLP_KERNELS``, and
``import skmlp``, which must not load the compiler.
"""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp import _kernels
from skmlp._kernels import NUMPY_KERNELS, get_kernels
from skmlp._optimizers import L2Gradient

DTYPES = [np.float32, np.float64]
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
LOSSES = [
    ("log_loss", "softmax"),
    ("log_loss", "logistic"),
    ("squared_error", "softmax"),
    ("squared_error", "logistic"),
    ("squared_error", "identity"),
    ("poisson", "exp"),
]
# A row of logits beyond exp's range in both dtypes; for the exp output, whose
# loss is then infinite, one whose exp underflows (see the overflow test).
EDGE_LOGITS = {"exp": [-800.0, -80.0, 3.0, 0.0]}


@pytest.fixture(scope="module")
def compiled():
    pytest.importorskip("numba")
    return _kernels.compiled_kernels()


def tolerance(dtype):
    """Relative tolerance between two roundings of one formula."""
    return 1e-5 if dtype == np.float32 else 1e-13


def twins(compiled, name, *args, **kwargs):
    """Run kernel ``name`` of both sets, each on its own copy of the arrays.

    Returns ``(result, arrays)`` of the NumPy set, then of the compiled one.
    """
    outcomes = []
    for kernels in (NUMPY_KERNELS, compiled):
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        outcomes.append((getattr(kernels, name)(*copies, **kwargs), copies))
    return outcomes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_bias_activation(compiled, activation, dtype, rng):
    Z = (3 * rng.standard_normal((7, 5))).astype(dtype)
    Z[0, :3] = [np.nan, np.inf, -np.inf]
    b = rng.standard_normal(5).astype(dtype)
    (_, (expected, _, _)), (_, (actual, _, _)) = twins(
        compiled, "bias_activation", Z, b, activation
    )
    assert actual.dtype == dtype
    assert_allclose(actual, expected, rtol=tolerance(dtype), atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_derivative(compiled, activation, dtype, rng):
    A = rng.uniform(-1, 1, (7, 5)).astype(dtype)
    if activation in ("relu", "logistic"):
        A = (np.abs(A) * (rng.rand(7, 5) > 0.3)).astype(dtype)
    delta = rng.standard_normal((7, 5)).astype(dtype)
    A[0, :2] = 0
    delta[0, :2] = [np.nan, np.inf]  # stay non-finite where phi'(z) is 0
    with np.errstate(invalid="ignore"):
        (_, (_, expected, _)), (_, (_, actual, _)) = twins(
            compiled, "activation_derivative", A, delta, activation
        )
    assert_allclose(actual, expected, rtol=tolerance(dtype))


def targets(out_activation, rng, dtype, shape=(9, 4)):
    """One-hot rows (softmax), 0/1 entries (logistic), real values (identity),
    or halves of Poisson counts, zeros among them (exp)."""
    if out_activation == "softmax":
        return np.eye(shape[1], dtype=dtype)[rng.randint(shape[1], size=shape[0])]
    if out_activation == "logistic":
        return rng.randint(2, size=shape).astype(dtype)
    if out_activation == "identity":
        return (5 * rng.standard_normal(shape)).astype(dtype)
    return (rng.poisson(2.0, shape) / 2).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss, out_activation", LOSSES)
def test_loss_and_delta(compiled, loss, out_activation, weighted, dtype, rng):
    Z = (5 * rng.standard_normal((9, 4))).astype(dtype)
    Z[0] = EDGE_LOGITS.get(out_activation, [800.0, -800.0, 3.0, 0.0])
    Y = targets(out_activation, rng, dtype)
    w = rng.uniform(0.5, 2, 9).astype(dtype) if weighted else None
    (expected, (delta, *_)), (actual, (compiled_delta, *_)) = twins(
        compiled,
        "loss_and_delta",
        Z,
        Y,
        w,
        0.25,
        loss=loss,
        out_activation=out_activation,
    )
    assert isinstance(actual, float)
    assert actual == pytest.approx(expected, rel=tolerance(dtype))
    assert compiled_delta.dtype == dtype
    assert_allclose(compiled_delta, delta, rtol=tolerance(dtype), atol=1e-7)


@pytest.mark.parametrize("loss, out_activation", LOSSES)
def test_loss_of_non_finite_logits_is_not_finite(compiled, loss, out_activation):
    Z = np.array([[np.nan, 0.0], [np.inf, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    for kernels in (NUMPY_KERNELS, compiled):
        with np.errstate(invalid="ignore"):
            value = kernels.loss_and_delta(
                Z.copy(), Y, None, 1.0, loss=loss, out_activation=out_activation
            )
        assert np.isnan(value)


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_overflow_gives_an_infinite_loss_in_both_sets(compiled, dtype, rng):
    Z = rng.standard_normal((3, 2)).astype(dtype)
    Z[0, 0] = 800.0  # exp overflows in both dtypes
    Y = targets("exp", rng, dtype, (3, 2))
    Y[0, 0] = 1.5
    with np.errstate(over="ignore"):  # as in training
        (expected, (delta, *_)), (actual, (compiled_delta, *_)) = twins(
            compiled,
            "loss_and_delta",
            Z,
            Y,
            None,
            0.5,
            loss="poisson",
            out_activation="exp",
        )
    assert expected == actual == np.inf
    assert delta[0, 0] == compiled_delta[0, 0] == np.inf
    assert_allclose(compiled_delta, delta, rtol=tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_column_sums(compiled, dtype, rng):
    delta = rng.standard_normal((13, 6)).astype(dtype)
    out = np.full(6, np.nan, dtype)
    (_, (_, expected)), (_, (_, actual)) = twins(compiled, "column_sums", delta, out)
    assert_allclose(actual, expected, rtol=tolerance(dtype) * 10)
    assert_allclose(actual, delta.sum(axis=0), rtol=tolerance(dtype) * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_l2_gradient(compiled, dtype, rng):
    weights = rng.standard_normal(1001).astype(dtype)
    grads = rng.standard_normal(1001).astype(dtype)
    (expected, (_, grads_numpy, *_)), (actual, (_, grads_compiled, *_)) = twins(
        compiled, "add_l2_gradient", weights, grads, 0.3, np.empty_like(weights)
    )
    assert actual == pytest.approx(float(np.sum(weights.astype(float) ** 2)), rel=1e-5)
    assert actual == pytest.approx(expected, rel=tolerance(dtype) * 10)
    assert_allclose(grads_compiled, grads_numpy, rtol=tolerance(dtype))
    assert_allclose(grads_compiled, grads + 0.3 * weights, rtol=tolerance(dtype))


def l2_term(with_l2, dtype):
    """An L2 term on the first 30 of 50 parameters, or None."""
    return L2Gradient(30, 0.3, np.empty(30, dtype)) if with_l2 else None


def with_l2_gradient(params, grads, l2):
    """``grads`` with the L2 term added by hand."""
    grads = grads.copy()
    if l2 is not None:
        grads[: l2.n_weights] += l2.coef * params[: l2.n_weights]
    return grads


@pytest.mark.parametrize("with_l2", [False, True], ids=["", "l2"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_step_is_bit_identical(compiled, dtype, with_l2, rng):
    params, grads, ms = (rng.standard_normal(50).astype(dtype) for _ in range(3))
    vs = rng.uniform(0, 1, 50).astype(dtype)
    settings = dict(beta_1=0.8, beta_2=0.99, epsilon=1e-3, step=0.01)
    l2 = l2_term(with_l2, dtype)
    (_, expected), (_, actual) = twins(
        compiled, "adam_step", params, grads, ms, vs, **settings, l2=l2
    )
    (_, by_hand), _ = twins(
        compiled,
        "adam_step",
        params,
        with_l2_gradient(params, grads, l2),
        ms,
        vs,
        **settings,
    )
    for name, a, e, h in zip(
        ["params", "grads", "ms", "vs"], actual, expected, by_hand
    ):
        if name != "grads":  # scratch space for NumPy, untouched when compiled
            assert_array_equal(a, e, err_msg=name)
            assert_array_equal(a, h, err_msg=name)
            assert a.dtype == dtype


@pytest.mark.parametrize("with_l2", [False, True], ids=["", "l2"])
@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_step_is_bit_identical(compiled, dtype, nesterov, with_l2, rng):
    params, grads, velocities = (
        rng.standard_normal(50).astype(dtype) for _ in range(3)
    )
    settings = dict(rate=0.1, momentum=0.9, nesterov=nesterov)
    l2 = l2_term(with_l2, dtype)
    (_, expected), (_, actual) = twins(
        compiled, "sgd_step", params, grads, velocities, **settings, l2=l2
    )
    (_, by_hand), _ = twins(
        compiled,
        "sgd_step",
        params,
        with_l2_gradient(params, grads, l2),
        velocities,
        **settings,
    )
    for index in (0, 2):  # the parameters and the velocities
        assert_array_equal(actual[index], expected[index])
        assert_array_equal(actual[index], by_hand[index])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("step", ["adam_step", "sgd_step"])
def test_steps_set_subnormal_results_to_zero(compiled, step, dtype):
    """An L2-only weight decays through the subnormals: they become 0, a NaN
    stays NaN, and normal values are left alone."""
    tiny = np.finfo(dtype).tiny
    params = np.array([tiny / 4, -tiny / 4, np.nan, 1.0, tiny], dtype)
    state = np.array([tiny / 8, 0.0, 0.0, 0.0, 0.0], dtype)
    grads = np.zeros(5, dtype)
    if step == "adam_step":
        settings = dict(beta_1=0.9, beta_2=0.999, epsilon=1e-8, step=1e-3)
        compiled.adam_step(params, grads, state, np.ones(5, dtype), **settings)
    else:
        settings = dict(rate=0.1, momentum=0.5, nesterov=True)
        compiled.sgd_step(params, grads, state, **settings)
    assert_array_equal(params, np.array([0.0, 0.0, np.nan, 1.0, tiny], dtype))
    assert_array_equal(state, np.zeros(5, dtype))


STEPS = {
    "adam_step": (4, dict(beta_1=0.8, beta_2=0.99, epsilon=1e-3, step=0.01)),
    "sgd_step": (3, dict(rate=0.1, momentum=0.9, nesterov=True)),
}


def step_arrays(step, rng, order="C"):
    """The arrays of ``step`` (parameters, gradients, state), 5 x 4 in ``order``;
    positive, as Adam's second moments must be."""
    return [
        np.asarray(rng.uniform(0.1, 1.0, (5, 4)), order=order)
        for _ in range(STEPS[step][0])
    ]


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("step", list(STEPS))
def test_steps_update_matrices_of_either_order_in_place(compiled, step, order, rng):
    """A Fortran-ordered matrix is flattened into a view too, not a copy that
    would take the update and be thrown away (issue 19, bug 9)."""
    arrays = step_arrays(step, rng, order)
    settings = STEPS[step][1]
    before = [a.copy(order="K") for a in arrays]
    expected = [a.copy(order="K") for a in arrays]
    getattr(NUMPY_KERNELS, step)(*expected, **settings)
    getattr(compiled, step)(*arrays, **settings)
    assert not np.array_equal(expected[0], before[0])
    # grads (index 1) is scratch space for NumPy, untouched when compiled
    for index in [0] + list(range(2, len(arrays))):
        assert_array_equal(arrays[index], expected[index], err_msg=str(index))
        assert arrays[index].flags[f"{order}_CONTIGUOUS"]


NOT_CONTIGUOUS_IN_ONE_ORDER = {
    "column-slice": lambda arrays: [np.hstack([a, a])[:, 2:6] for a in arrays],
    "strided-vector": lambda arrays: [np.repeat(a.ravel(), 2)[::2] for a in arrays],
    "C-and-F-mix": lambda arrays: (
        arrays[:1] + [np.asfortranarray(a) for a in arrays[1:]]
    ),
}


@pytest.mark.parametrize(
    "layout", NOT_CONTIGUOUS_IN_ONE_ORDER.values(), ids=NOT_CONTIGUOUS_IN_ONE_ORDER
)
@pytest.mark.parametrize("step", list(STEPS))
def test_steps_refuse_arrays_not_contiguous_in_one_order(compiled, step, layout, rng):
    arrays = layout(step_arrays(step, rng))
    before = [a.copy() for a in arrays]
    with pytest.raises(ValueError, match="contiguous in one memory order"):
        getattr(compiled, step)(*arrays, **STEPS[step][1])
    for array, copy in zip(arrays, before):
        assert_array_equal(array, copy)


@pytest.mark.parametrize("value", ["", "auto", " Numba "])
def test_numba_is_the_default_where_installed(compiled, monkeypatch, value):
    monkeypatch.setenv("SKMLP_KERNELS", value)
    assert get_kernels() is compiled


def test_numpy_can_be_forced(monkeypatch):
    monkeypatch.setenv("SKMLP_KERNELS", "numpy")
    assert get_kernels() is NUMPY_KERNELS


def test_an_unknown_kernel_set_is_refused(monkeypatch):
    monkeypatch.setenv("SKMLP_KERNELS", "fortran")
    with pytest.raises(ValueError, match="SKMLP_KERNELS='fortran'.*'numpy'"):
        get_kernels()


def failing_import():
    raise ImportError("No module named 'numba'")


def test_without_numba_auto_falls_back_to_numpy(monkeypatch):
    monkeypatch.setattr(_kernels, "compiled_kernels", failing_import)
    monkeypatch.delenv("SKMLP_KERNELS", raising=False)
    assert get_kernels() is NUMPY_KERNELS


def test_without_numba_asking_for_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(_kernels, "compiled_kernels", failing_import)
    monkeypatch.setenv("SKMLP_KERNELS", "numba")
    with pytest.raises(ValueError, match=r"skmlp\[performance\]"):
        get_kernels()


def test_importing_skmlp_does_not_load_the_compiler():
    code = "import sys, skmlp; print('numba' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
