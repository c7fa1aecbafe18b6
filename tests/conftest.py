"""Shared fixtures.

Also turns on SciPy's array API mode so that scikit-learn's array API check
runs instead of being skipped (it must be set before SciPy is imported).
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_iris, make_multilabel_classification  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


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
