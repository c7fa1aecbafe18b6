"""Tests of the kernel sets: every compiled kernel against its NumPy twin.

Each kernel of the numba set must give the NumPy reference's result to
rounding, at float32 and float64, on random data and on the edge values
(NaN, infinities, logits beyond exp's range) that divergence detection relies
on; the optimizer steps match bit for bit, as they run the same operations in
the same order, except that the compiled ones set subnormal results to zero.
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
]


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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss, out_activation", LOSSES)
def test_loss_and_delta(compiled, loss, out_activation, weighted, dtype, rng):
    Z = (5 * rng.standard_normal((9, 4))).astype(dtype)
    Z[0] = [800.0, -800.0, 3.0, 0.0]  # beyond exp's range in both dtypes
    if out_activation == "softmax":
        Y = np.eye(4, dtype=dtype)[rng.randint(4, size=9)]
    else:
        Y = rng.randint(2, size=(9, 4)).astype(dtype)
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


@pytest.mark.parametrize("dtype", DTYPES)
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
