"""Shared fixtures.

Also turns on SciPy's array API mode so that scikit-learn's array API check
runs instead of being skipped (it must be set before SciPy is imported).
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_diabetes,
    load_iris,
    make_multilabel_classification,
    make_regression,
)
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skmlp._kernels import NUMPY_KERNELS, compiled_kernels  # noqa: E402


@pytest.fixture(params=["numpy", "numba"])
def kernels(request):
    """Each kernel set in turn: NumPy's, then numba's (skipped without numba)."""
    if request.param == "numpy":
        return NUMPY_KERNELS
    pytest.importorskip("numba")
    return compiled_kernels()


@pytest.fixture(params=["numpy", "numba"])
def kernel_path(request):
    """Fits in this test run each kernel set in turn, chosen as users choose it.

    Its own monkeypatch: a test's ``monkeypatch.undo()`` keeps the choice.
    """
    if request.param == "numba":
        pytest.importorskip("numba")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SKMLP_KERNELS", request.param)
        yield request.param


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator."""
    return np.random.RandomState(0)


@pytest.fixture(scope="session")
def raw_iris():
    """Unscaled iris: 150 samples, 4 features, 3 classes."""
    return load_iris(return_X_y=True)


@pytest.fixture(scope="session")
def iris(raw_iris):
    """Standardized iris: 150 samples, 4 features, 3 classes."""
    X, y = raw_iris
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def iris_binary(iris):
    """The first two iris classes: 100 samples, labels 0 and 1."""
    X, y = iris
    return X[y < 2], y[y < 2]


@pytest.fixture(scope="session")
def multilabel():
    """A 100 x 10 multilabel problem with 3 labels (indicator y)."""
    return make_multilabel_classification(
        n_samples=100, n_features=10, n_classes=3, random_state=0
    )


@pytest.fixture(scope="session")
def raw_diabetes():
    """Diabetes as loaded: 442 samples, 10 features, y from 25 to 346."""
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="session")
def diabetes(raw_diabetes):
    """Standardized diabetes: 442 samples, 10 features, y standardized too."""
    X, y = raw_diabetes
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture(scope="session")
def counts():
    """Poisson counts of a log-linear model: 200 samples, 5 standard normal
    features, y in 0..11 (mean 1.3), as float."""
    X, z = make_regression(n_samples=200, n_features=5, n_informative=3, random_state=0)
    y = np.random.RandomState(0).poisson(np.exp(z / z.std()))
    return X, y.astype(float)
