"""ONNX export (the ``onnx`` extra): onnxruntime predicts what skmlp predicts.

For every hidden activation and every kind of target, the model alone and as
the last step of a Pipeline: onnxruntime's labels equal ``predict`` and its
probabilities are within 1e-4 of ``predict_proba`` on float32 input.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import FromScratchMLPClassifier

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
import skmlp.onnx  # noqa: E402, F401  (registers the converter)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PARAMS = dict(hidden_layer_sizes=(8, 4), max_iter=30, random_state=0)


def targets(iris, multilabel):
    X, y = iris
    return {
        "multiclass": (X, y),
        "binary": (X, y == 1),
        "string-labels": (X, np.array(["setosa", "versicolor", "virginica"])[y]),
        "single-class": (X, np.full(len(y), 7)),
        "multilabel": multilabel,
    }


def run(model, X, **options):
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    session = ort.InferenceSession(onx.SerializeToString())
    return session.run(None, {"X": X})


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize(
    "target", ["multiclass", "binary", "string-labels", "single-class", "multilabel"]
)
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
def test_onnxruntime_predicts_like_the_model(
    iris, multilabel, activation, target, in_pipeline
):
    X, y = targets(iris, multilabel)[target]
    X = X.astype(np.float32)
    model = FromScratchMLPClassifier(activation=activation, **PARAMS)
    if in_pipeline:
        model = make_pipeline(StandardScaler(), model)
    model.fit(X, y)
    labels, proba = run(model, X, zipmap=False)
    assert_array_equal(labels, model.predict(X))
    assert proba.shape == (len(X), len(model.classes_))
    assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-4)


def test_probabilities_are_maps_of_the_classes_by_default(iris):
    X, y = iris
    X = X.astype(np.float32)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, labels)
    _, proba = run(clf, X[:3])
    assert [set(row) for row in proba] == [set(clf.classes_)] * 3
    expected = clf.predict_proba(X[:3])
    for row, probabilities in zip(proba, expected):
        assert_allclose([row[c] for c in clf.classes_], probabilities, atol=1e-4)


def test_float64_input_computes_in_float64(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    labels, proba = run(clf, X, zipmap=False)
    assert proba.dtype == np.float64
    assert_array_equal(labels, clf.predict(X))
    assert_allclose(proba, clf.predict_proba(X), rtol=1e-12, atol=1e-15)
