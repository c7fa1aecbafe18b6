"""Persistence beyond joblib: skops files that load without trusting code, and
pickles from another skmlp version."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skmlp
from skmlp import FromScratchMLPClassifier, SkmlpVersionWarning

sio = pytest.importorskip("skops.io")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(params=["adam", "sgd", "lbfgs"])
def fitted(request, iris):
    X, y = iris
    return FromScratchMLPClassifier(
        solver=request.param, hidden_layer_sizes=(8,), max_iter=20, random_state=0
    ).fit(X, np.array(["setosa", "versicolor", "virginica"])[y])


def test_skops_trusts_everything_but_our_own_classes(fitted, iris, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(name.startswith("skmlp.") for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(iris[0]), fitted.predict_proba(iris[0]))


def test_partial_fit_continues_after_skops(iris, tmp_path):
    X, y = iris
    classes = np.unique(y)
    model = FromScratchMLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    model.partial_fit(X, y, classes=classes)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    for estimator in (model, loaded):
        estimator.partial_fit(X, y)
    for W_model, W_loaded in zip(model.coefs_, loaded.coefs_):
        assert_array_equal(W_model, W_loaded)


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
