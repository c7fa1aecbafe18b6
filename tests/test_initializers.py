"""Tests of the Glorot-uniform weight initialization.

The draws must equal scikit-learn's ``MLPClassifier`` initialization for the
same seed (re-implemented here), in the requested dtype and inside the bound.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmlp._initializers import glorot_uniform

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def assert_all_close(actual, desired, **tolerances):
    """``assert_allclose`` over two lists of arrays."""
    assert len(actual) == len(desired)
    for a, d in zip(actual, desired):
        assert_allclose(a, d, **tolerances)


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
def test_glorot_uniform_equals_scikit_learns_draws(activation, dtype):
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
