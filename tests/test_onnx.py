"""ONNX export (the ``onnx`` extra): onnxruntime predicts what skmlp predicts.

For every hidden activation and every kind of target, the model alone and as
the last step of a Pipeline: onnxruntime's labels equal ``predict`` and its
probabilities are within 1e-4 of ``predict_proba`` on float32 input; a
regressor's predictions are within 1e-4 (relative, for Poisson) in float32
and 1e-12 in float64. skl2onnx's classifier options act as they do for
scikit-learn's classifiers, and the converters read public attributes only.
"""

import copy

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
import skmlp.onnx  # noqa: E402, F401  (registers the converters)

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


TARGETS = ["multiclass", "binary", "string-labels", "single-class", "multilabel"]


@pytest.mark.parametrize("target", TARGETS)
def test_float64_input_computes_in_float64(iris, multilabel, target):
    X, y = targets(iris, multilabel)[target]
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    labels, proba = run(clf, X, zipmap=False)
    assert proba.dtype == np.float64
    assert_array_equal(labels, clf.predict(X))
    assert_allclose(proba, clf.predict_proba(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("scale", [-100, -1000], ids=["tiny", "underflowing"])
def test_binary_probabilities_are_those_of_predict_proba_however_small(
    iris_binary, scale
):
    # [sigmoid(-z), sigmoid(z)] to full relative precision (onnxruntime's
    # Sigmoid and 1 - sigmoid(z) give 0), floored at the smallest normal float
    X, y = iris_binary
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    for params in [clf.coefs_[-1], clf.intercepts_[-1]]:
        params *= scale  # a confident network, whichever its class
    expected = clf.predict_proba(X)
    assert expected.min() < 1e-60
    _, proba = run(clf, X, zipmap=False)
    assert_allclose(proba, expected, rtol=1e-12, atol=0)


def test_float64_probability_maps_hold_them_rounded_to_float32(iris):
    # ONNX's ZipMap takes float32 only: skl2onnx's graph for float64 input
    # and the default zipmap is invalid; ours casts the probabilities for it
    X, y = iris
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    labels, proba = run(clf, X)
    assert_array_equal(labels, clf.predict(X))
    maps = np.array([[row[c] for c in clf.classes_] for row in proba])
    expected = clf.predict_proba(X).astype(np.float32)
    assert_allclose(maps, expected, rtol=np.finfo(np.float32).eps, atol=0)


def test_float64_probability_columns_stay_float64(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    labels, *columns = run(clf, X, zipmap="columns")
    assert_array_equal(labels, clf.predict(X))
    assert [column.dtype for column in columns] == [np.float64] * 3
    assert_allclose(
        np.column_stack(columns), clf.predict_proba(X), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(
    "target", ["multiclass", "binary", "string-labels", "single-class"]
)
def test_nocl_labels_are_the_indices_of_the_classes(iris, multilabel, target):
    X, y = targets(iris, multilabel)[target]
    X = X.astype(np.float32)
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    indices = np.searchsorted(clf.classes_, clf.predict(X))
    labels, proba = run(clf, X, nocl=True, zipmap=False)
    assert labels.dtype == np.int64
    assert_array_equal(labels, indices)
    assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-4)
    labels, maps = run(clf, X, nocl=True)
    assert_array_equal(labels, indices)
    assert [list(row) for row in maps] == [list(range(len(clf.classes_)))] * len(X)


def without_private_attributes(model):
    """A copy of the fitted ``model`` keeping only its public attributes."""
    public = copy.copy(model)
    for name in [name for name in vars(public) if name.startswith("_")]:
        delattr(public, name)
    return public


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning")
@pytest.mark.parametrize("target", [*TARGETS, "binary-column", "single-class-column"])
def test_the_classifier_converter_reads_public_attributes_only(
    iris, multilabel, target
):
    # A one-column indicator y is fitted as a vector of labels, as in
    # scikit-learn: a single logistic output is binary or single-class
    X, y = targets(iris, multilabel)[target.removesuffix("-column")]
    if target.endswith("-column"):
        y = y[:, np.newaxis]
    X = X.astype(np.float32)
    clf = FromScratchMLPClassifier(**PARAMS).fit(X, y)
    labels, proba = run(without_private_attributes(clf), X, zipmap=False)
    assert_array_equal(labels, clf.predict(X))
    assert_allclose(proba, clf.predict_proba(X), rtol=0, atol=1e-4)


def regression(diabetes, counts, loss, n_outputs):
    """Standardized diabetes for squared error, counts for Poisson; further
    outputs of the same scale."""
    X, y = diabetes if loss == "squared_error" else counts
    Y = np.column_stack([y, y[::-1], 2 * y][:n_outputs])
    return X, y if n_outputs == 1 else Y


def assert_regressor_parity(model, X, loss, converted=None):
    """onnxruntime's ``variable`` (of ``converted``, by default ``model``) is
    ``model.predict`` as an (n, n_outputs) matrix: within 1e-4 in float32
    (relative for Poisson's positive predictions, absolute for the unit-scale
    ones of squared error) and 1e-12 in float64."""
    expected = model.predict(X).reshape(len(X), -1)
    for dtype, tol in [(np.float32, 1e-4), (np.float64, 1e-12)]:
        onx = skl2onnx.to_onnx(converted or model, X[:1].astype(dtype))
        session = ort.InferenceSession(onx.SerializeToString())
        (output,) = session.get_outputs()
        assert (output.name, output.shape) == ("variable", [None, expected.shape[1]])
        (predictions,) = session.run(None, {"X": X.astype(dtype)})
        assert predictions.dtype == dtype
        assert predictions.shape == expected.shape
        atol = tol if loss == "squared_error" else 0
        assert_allclose(predictions, expected, rtol=tol, atol=atol)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_onnxruntime_predicts_like_the_regressor(
    diabetes, counts, activation, loss, n_outputs
):
    X, y = regression(diabetes, counts, loss, n_outputs)
    reg = FromScratchMLPRegressor(loss, activation=activation, **PARAMS).fit(X, y)
    assert_regressor_parity(reg, X, loss)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_the_regressor_converts_as_the_last_step_of_a_pipeline(
    diabetes, counts, loss, n_outputs
):
    X, y = regression(diabetes, counts, loss, n_outputs)
    pipe = make_pipeline(StandardScaler(), FromScratchMLPRegressor(loss, **PARAMS))
    assert_regressor_parity(pipe.fit(X, y), X, loss)


def test_the_regressor_converter_reads_public_attributes_only(counts):
    X, y = counts
    reg = FromScratchMLPRegressor("poisson", **PARAMS).fit(X, y)
    assert_regressor_parity(reg, X, "poisson", without_private_attributes(reg))
