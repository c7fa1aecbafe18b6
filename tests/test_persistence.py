"""Persistence beyond joblib: skops files that load without trusting code, and
pickles from another skmlp version."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skmlp
from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor, SkmlpVersionWarning

sio = pytest.importorskip("skops.io")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)


@pytest.fixture(
    params=[
        ("classifier", "adam"),
        ("classifier", "sgd"),
        ("classifier", "lbfgs"),
        ("squared_error", "adam"),
        ("poisson", "lbfgs"),
    ],
    ids="-".join,
)
def problem(request):
    """An unfitted estimator, its training data and the outputs of a fitted
    one: the classifier on iris (string labels) with each solver, and the
    regressor of each loss on its data."""
    kind, solver = request.param
    if kind == "classifier":
        X, y = request.getfixturevalue("iris")
        names = np.array(["setosa", "versicolor", "virginica"])[y]
        return FromScratchMLPClassifier(solver=solver, **SMALL), X, names
    X, y = request.getfixturevalue("diabetes" if kind == "squared_error" else "counts")
    return FromScratchMLPRegressor(kind, solver=solver, **SMALL), X, y


@pytest.fixture
def fitted(problem):
    estimator, X, y = problem
    return estimator.fit(X, y)


def outputs(estimator, X):
    """What users read from a fitted model: probabilities, or predictions."""
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)
    return estimator.predict(X)


def test_skops_trusts_everything_but_our_own_classes(fitted, problem, tmp_path):
    X = problem[1]
    path = tmp_path / "model.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(name.startswith("skmlp.") for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(outputs(loaded, X), outputs(fitted, X))


@pytest.mark.parametrize(
    "Estimator, data, first_call",
    [
        (FromScratchMLPClassifier, "iris", dict(classes=[0, 1, 2])),
        (FromScratchMLPRegressor, "diabetes", {}),
    ],
)
def test_partial_fit_continues_after_skops(
    request, tmp_path, Estimator, data, first_call
):
    X, y = request.getfixturevalue(data)
    model = Estimator(hidden_layer_sizes=(8,), random_state=0)
    model.partial_fit(X, y, **first_call)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    for estimator in (model, loaded):
        estimator.partial_fit(X, y)
    for W_model, W_loaded in zip(model.coefs_, loaded.coefs_):
        assert_array_equal(W_model, W_loaded)
    assert loaded.n_iter_ == model.n_iter_ == 2


def test_unpickling_another_version_warns(fitted, monkeypatch):
    monkeypatch.setattr(skmlp._base, "__version__", "0.0.1")
    old_pickle = pickle.dumps(fitted)
    monkeypatch.undo()
    with pytest.warns(SkmlpVersionWarning, match="version 0.0.1 when using version"):
        pickle.loads(old_pickle)


def test_unpickling_the_same_version_is_silent(fitted, recwarn):
    pickle.loads(pickle.dumps(fitted))
    assert not [w for w in recwarn if issubclass(w.category, SkmlpVersionWarning)]


def test_an_lbfgs_refit_keeps_no_stochastic_optimizer(iris, tmp_path):
    X, y = iris
    clf = FromScratchMLPClassifier(hidden_layer_sizes=(8,), max_iter=20).fit(X, y)
    clf.set_params(solver="lbfgs").fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    assert not any("_optimizers" in name for name in sio.get_untrusted_types(file=path))
