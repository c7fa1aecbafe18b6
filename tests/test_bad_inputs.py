"""Bad inputs to FromScratchMLPClassifier, at every entry point they can reach.

Every bad input must end in one of two ways: the correct behaviour, or a
``ValueError`` / ``TypeError`` whose message names the problem and the way out.
Never an exception from deep inside NumPy, never a NumPy ``RuntimeWarning``
(turned into an error for the whole module) followed by NaN probabilities, and
never a model left changed by a call that failed: each failing call is checked
to leave the estimator's ``__dict__`` byte-for-byte as it was.

The training entry points are ``fit`` and the first ``partial_fit`` on a new
model, and ``partial_fit``, ``fit`` with ``warm_start=True`` and a plain refit
on a model already fitted on iris; the prediction entry points use a model
fitted on good data.
"""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import FromScratchMLPClassifier

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("error::RuntimeWarning"),
]

SMALL = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
IRIS_CLASSES = np.array([0, 1, 2])
TINY = np.finfo(np.float64).tiny
DIVERGED = "diverged.*(learning_rate_init|increase alpha)"


def state(estimator):
    """The model a call could change, as bytes: the pickled estimator, which
    leaves out only the training buffers it keeps for the next call."""
    return pickle.dumps(estimator)


class EntryPoint:
    """One way into the estimator: a method, called on a new or a fitted model.

    Parameters
    ----------
    method : str
        The method to call.
    fitted : bool
        Whether the model is first fitted on the good data.
    warm_start : bool
        The model's ``warm_start``; True makes ``fit`` continue a fitted model.
    **kwargs
        Extra arguments of the training methods.
    """

    def __init__(self, method, fitted, warm_start=True, **kwargs):
        self.method = method
        self.fitted = fitted
        self.warm_start = warm_start
        self.kwargs = kwargs

    def model(self, estimator, X, y):
        """``estimator``, fitted on ``X, y`` when this entry point needs it."""
        estimator.set_params(warm_start=self.warm_start)
        return estimator.fit(X, y) if self.fitted else estimator

    def __call__(self, estimator, X, y, **fit_params):
        method = getattr(estimator, self.method)
        if self.method.startswith("predict"):
            return method(X)
        return method(X, y, **{**self.kwargs, **fit_params})


FIT = EntryPoint("fit", fitted=False)
FIRST_PARTIAL_FIT = EntryPoint("partial_fit", fitted=False, classes=IRIS_CLASSES)
PARTIAL_FIT = EntryPoint("partial_fit", fitted=True)
WARM_FIT = EntryPoint("fit", fitted=True)
REFIT = EntryPoint("fit", fitted=True, warm_start=False)
PREDICT, PREDICT_PROBA, PREDICT_LOG_PROBA = (
    EntryPoint(method, fitted=True)
    for method in ("predict", "predict_proba", "predict_log_proba")
)

NEW_MODEL = [
    pytest.param(FIT, id="fit"),
    pytest.param(FIRST_PARTIAL_FIT, id="first-partial_fit"),
]
FITTED_TRAINING = [
    pytest.param(PARTIAL_FIT, id="partial_fit"),
    pytest.param(WARM_FIT, id="warm-start-fit"),
]
PREDICTING = [
    pytest.param(PREDICT, id="predict"),
    pytest.param(PREDICT_PROBA, id="predict_proba"),
    pytest.param(PREDICT_LOG_PROBA, id="predict_log_proba"),
]
TRAINING = [*NEW_MODEL, *FITTED_TRAINING, pytest.param(REFIT, id="refit")]


def assert_rejected(entry, estimator, X, y, match, error=ValueError, **fit_params):
    """``entry`` raises ``error`` matching ``match`` and changes nothing."""
    before = state(estimator)
    with pytest.raises(error, match=match):
        entry(estimator, X, y, **fit_params)
    assert state(estimator) == before


def call_or_explain(match, call, *args, **kwargs):
    """``call(*args, **kwargs)``, or None if it raised a ValueError matching
    ``match``; any other exception fails the test."""
    try:
        return call(*args, **kwargs)
    except ValueError as exc:
        assert re.search(match, str(exc)), str(exc)
        return None


def with_entry(value, dtype=np.float64):
    """Make a copy of X, of ``dtype``, with one entry set to ``value``."""

    def bad_X(X):
        X = X.astype(dtype)
        X[3, 1] = value
        return X

    return bad_X


BAD_X = {
    "NaN": (with_entry(np.nan), "Input X contains NaN"),
    "infinity": (with_entry(np.inf), "Input X contains infinity"),
    "-infinity": (with_entry(-np.inf), "Input X contains infinity"),
    "None-in-object-array": (with_entry(None, object), "Input X contains NaN"),
    "string": (with_entry("abc", object), "could not convert string to float: 'abc'"),
    "sparse-NaN": (lambda X: sp.csr_matrix(with_entry(np.nan)(X)), "contains NaN"),
    "complex": (lambda X: X + 1j, "Complex data not supported"),
    "ragged-rows": (lambda X: [[1.0, 2.0], [3.0]], "inhomogeneous shape"),
    "0-samples": (lambda X: X[:0], r"0 sample\(s\)"),
    "0-features": (lambda X: X[:, :0], r"0 feature\(s\)"),
    "scalar": (lambda X: 5.0, "(?s)Expected 2D array, got scalar array.*Reshape"),
    "1-D": (lambda X: X[:, 0], "(?s)Expected 2D array, got 1D array.*Reshape"),
    "3-D": (lambda X: X[:, :, np.newaxis], "Found array with dim 3.*dim <= 2"),
}


@pytest.mark.parametrize("entry", [*TRAINING, *PREDICTING])
@pytest.mark.parametrize("make_X, match", BAD_X.values(), ids=BAD_X.keys())
def test_bad_X_is_rejected(iris, entry, make_X, match):
    X, y = iris  # X is validated before y: the full y goes with every bad X
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf, make_X(X), y, match)


@pytest.mark.parametrize("entry", [*FITTED_TRAINING, *PREDICTING])
@pytest.mark.parametrize("n_features", [3, 5])
def test_wrong_number_of_features_is_rejected(iris, entry, n_features):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    X_bad = np.hstack([X, X])[:, :n_features]
    match = f"X has {n_features} features, but .* is expecting 4 features"
    assert_rejected(entry, clf, X_bad, y, match)


def test_numeric_object_array_is_converted(iris):
    X, y = iris
    as_float = FromScratchMLPClassifier(**SMALL).fit(X, y)
    as_object = FromScratchMLPClassifier(**SMALL).fit(X.astype(object), y)
    assert_array_equal(
        as_object.predict_proba(X.astype(object)), as_float.predict_proba(X)
    )


@pytest.mark.parametrize(
    "entry", [*NEW_MODEL, pytest.param(PARTIAL_FIT, id="partial_fit")]
)
def test_a_single_sample_trains(iris, entry):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    entry(clf, X[:1], y[:1])
    proba = clf.predict_proba(X[:1])
    assert proba.shape == (1, len(clf.classes_))
    assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.predict(X[:1])[0] in clf.classes_


@pytest.mark.parametrize("entry", PREDICTING)
def test_a_single_sample_predicts_like_a_batch(iris, entry):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_allclose(entry(clf, X[:1], None), entry(clf, X, None)[:1], rtol=1e-12)


# Plain fit on one class is in test_classifier.py::test_single_class.
SINGLE_CLASS_TRAINING = {
    "partial_fit-twice": lambda clf, X, y: clf.partial_fit(
        X, y, classes=y[:1]
    ).partial_fit(X, y),
    "warm-start-fit-twice": lambda clf, X, y: (
        clf.set_params(warm_start=True).fit(X, y).fit(X, y)
    ),
    "one-sample": lambda clf, X, y: clf.fit(X[:1], y[:1]),
}


@pytest.mark.parametrize("label", [7, "only", True])
@pytest.mark.parametrize(
    "train", SINGLE_CLASS_TRAINING.values(), ids=SINGLE_CLASS_TRAINING.keys()
)
def test_a_single_class_predicts_that_class(iris, train, label):
    X, _ = iris
    y = np.full(len(X), label)
    clf = train(FromScratchMLPClassifier(**SMALL), X, y)
    assert_array_equal(clf.classes_, [label])
    assert_array_equal(clf.predict(X), y)
    assert_array_equal(clf.predict_proba(X), np.ones((len(X), 1)))
    assert_array_equal(clf.predict_log_proba(X), np.zeros((len(X), 1)))


@pytest.mark.parametrize("entry", PREDICTING)
def test_unfitted_model_says_fit_first(iris, entry):
    X, y = iris
    with pytest.raises(NotFittedError, match="not fitted yet. Call 'fit'"):
        entry(FromScratchMLPClassifier(), X, y)


def test_a_failed_first_fit_leaves_the_model_unfitted(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        clf.fit(X, y + 0.5)
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_a_failed_refit_keeps_the_fitted_model(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).fit(X, y)
    expected = clf.predict_proba(X)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        clf.fit(X[:, :3], y + 0.5)
    assert_array_equal(clf.predict_proba(X), expected)


# The same y at any entry point: rejected while validating X and y together.
BAD_Y_VALUES = {
    "NaN": (lambda y: np.where(y == 2, np.nan, y), "Input y contains NaN"),
    "infinity": (lambda y: np.where(y == 2, np.inf, y), "Input y contains infinity"),
    "wrong-length": (
        lambda y: y[:-1],
        r"inconsistent numbers of samples: \[150, 149\]",
    ),
    "missing": (lambda y: None, "requires y to be passed"),
}
# Valid arrays, but not targets a classifier can learn.
BAD_Y_TARGETS = {
    "continuous": (lambda y: y + 0.5, "Unknown label type: continuous"),
    "multiclass-multioutput": (
        lambda y: np.column_stack([y, y]),
        "Multiclass-multioutput targets are not supported: pass one label",
    ),
}


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize(
    "make_y, match", BAD_Y_VALUES.values(), ids=BAD_Y_VALUES.keys()
)
def test_bad_y_values_are_rejected(iris, entry, make_y, match):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf, X, make_y(y), match)


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize(
    "make_y, match", BAD_Y_TARGETS.values(), ids=BAD_Y_TARGETS.keys()
)
def test_bad_y_targets_are_rejected(iris, entry, make_y, match):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf, X, make_y(y), match)


@pytest.mark.parametrize(
    "entry, make_y, classes, match",
    [
        pytest.param(
            PARTIAL_FIT,
            lambda y: np.where(y == 2, 5, y),
            None,
            r"labels array\(\[5\]\) that are not in classes_.*pass every class",
            id="unseen-label-partial_fit",
        ),
        pytest.param(
            WARM_FIT,
            lambda y: np.where(y == 2, 5, y),
            None,
            r"classes .* differ from the classes_ .* warm_start=False",
            id="unseen-label-warm-start-fit",
        ),
        pytest.param(
            FIRST_PARTIAL_FIT,
            lambda y: y,
            [0, 1],
            r"labels array\(\[2\]\) that are not in classes_.*pass every class",
            id="classes-missing-a-label",
        ),
        pytest.param(
            FIRST_PARTIAL_FIT,
            lambda y: y,
            ["a", "b", "c"],
            r"labels array\(\[0, 1, 2\]\) that are not in classes_",
            id="classes-of-another-type",
        ),
        pytest.param(
            FIRST_PARTIAL_FIT,
            lambda y: y,
            [0, 1, 2, np.nan],
            "NaN",
            id="classes-with-NaN",
        ),
    ],
)
def test_labels_inconsistent_with_classes_are_rejected(
    iris, entry, make_y, classes, match
):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    fit_params = {} if classes is None else {"classes": classes}
    assert_rejected(entry, clf, X, make_y(y), match, **fit_params)


BAD_SAMPLE_WEIGHT = {
    "wrong-length": (
        np.ones(149),
        r"sample_weight.shape == \(149,\), expected \(150,\)",
    ),
    "negative": (
        np.r_[-1.0, np.ones(149)],
        "Negative values in data passed to `sample_weight`",
    ),
    "NaN": (np.r_[np.nan, np.ones(149)], "Input sample_weight contains NaN"),
    "infinity": (np.r_[np.inf, np.ones(149)], "Input sample_weight contains infinity"),
    "all-zero": (np.zeros(150), "Sample weights must contain at least one non-zero"),
    "2-D": (np.ones((150, 1)), "Sample weights must be 1D array or scalar"),
    "strings": (np.full(150, "a"), "could not convert string to float"),
}


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize(
    "sample_weight, match", BAD_SAMPLE_WEIGHT.values(), ids=BAD_SAMPLE_WEIGHT.keys()
)
def test_bad_sample_weight_is_rejected(iris, entry, sample_weight, match):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf, X, y, match, sample_weight=sample_weight)


def assert_trains_or_names(match, entry, clf, X, y, **fit_params):
    """``entry`` trains to a finite loss and finite probabilities, or raises a
    ValueError matching ``match``."""
    if call_or_explain(match, entry, clf, X, y, **fit_params):
        assert np.isfinite([clf.loss_, *clf.loss_curve_]).all()
        assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize("entry", NEW_MODEL)
@pytest.mark.parametrize(
    "weight",
    [
        1e-300,
        1e306,
        pytest.param(5e-324),
        pytest.param(1e308),
    ],
)
def test_extreme_sample_weights_train_or_are_named(iris, entry, weight):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL)
    sample_weight = np.full(len(y), weight)
    assert_trains_or_names(
        "sample_weight", entry, clf, X, y, sample_weight=sample_weight
    )


@pytest.mark.parametrize(
    "weight",
    [
        pytest.param(1e-300),
        1e306,
        pytest.param(5e-324),
        pytest.param(1e308),
    ],
)
def test_extreme_sample_weights_with_lbfgs_train_or_are_named(iris, weight):
    X, y = iris
    clf = FromScratchMLPClassifier(solver="lbfgs", **SMALL)
    sample_weight = np.full(len(y), weight)
    assert_trains_or_names("sample_weight", FIT, clf, X, y, sample_weight=sample_weight)


BAD_CLASS_WEIGHT = {
    "list-for-single-label": ([1.0, 2.0, 3.0], "a list is for multilabel"),
    "no-class-of-y": ({"a": 1.0}, r"The classes, \[0, 1, 2\], are not in class_weight"),
    "all-zero": ({0: 0.0, 1: 0.0, 2: 0.0}, "class weights sum to zero"),
    "string": ({0: "x", 1: 1.0, 2: 1.0}, "could not convert string to float: 'x'"),
}


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize(
    "class_weight, match", BAD_CLASS_WEIGHT.values(), ids=BAD_CLASS_WEIGHT.keys()
)
def test_bad_class_weight_is_rejected(iris, entry, class_weight, match):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf.set_params(class_weight=class_weight), X, y, match)


@pytest.mark.parametrize("entry", [*NEW_MODEL, *FITTED_TRAINING])
@pytest.mark.parametrize(
    "class_weight",
    [
        pytest.param({0: -1.0, 1: 1.0, 2: 1.0}, id="negative"),
        pytest.param({0: np.nan, 1: 1.0, 2: 1.0}, id="NaN"),
        pytest.param({0: np.inf, 1: 1.0, 2: 1.0}, id="infinity"),
        pytest.param({0: 1e308, 1: 1e308, 2: 1e308}, id="sum-overflows"),
    ],
)
def test_class_weights_out_of_range_are_named(iris, entry, class_weight):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(
        entry, clf.set_params(class_weight=class_weight), X, y, "class_weight"
    )


# Beyond test_classifier.py::test_bad_validation_sets_are_refused.
BAD_VALIDATION_SETS = [
    pytest.param(
        lambda X, y: dict(X_val=with_entry(np.nan)(X), y_val=y),
        "Input X contains NaN",
        id="X_val-NaN",
    ),
    pytest.param(
        lambda X, y: dict(X_val=with_entry(np.inf)(X), y_val=y),
        "Input X contains infinity",
        id="X_val-infinity",
    ),
    pytest.param(
        lambda X, y: dict(X_val=with_entry("abc", object)(X), y_val=y),
        "could not convert string to float: 'abc'",
        id="X_val-string",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X[:0], y_val=y[:0]),
        r"0 sample\(s\)",
        id="X_val-0-samples",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X[:, 0], y_val=y),
        "(?s)Expected 2D array, got 1D array.*Reshape",
        id="X_val-1-D",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=np.where(y == 2, np.nan, y)),
        "Input y contains NaN",
        id="y_val-NaN",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=y + 0.5),
        "Unknown label type: continuous",
        id="y_val-continuous",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=y[:-1]),
        r"inconsistent numbers of samples: \[150, 149\]",
        id="y_val-wrong-length",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=y, sample_weight_val=np.ones(149)),
        r"sample_weight.shape == \(149,\), expected \(150,\)",
        id="sample_weight_val-wrong-length",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=y, sample_weight_val=-np.ones(150)),
        "Negative values in data passed to `sample_weight`",
        id="sample_weight_val-negative",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=y, sample_weight_val=np.zeros(150)),
        "Sample weights must contain at least one non-zero",
        id="sample_weight_val-all-zero",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=np.column_stack([y, y])),
        "(?i)multiclass-multioutput",
        id="y_val-multiclass-multioutput",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=np.eye(3, dtype=int)[y]),
        "multilabel",
        id="y_val-multilabel-for-multiclass-y",
    ),
]


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(FIT, id="fit"),
        pytest.param(WARM_FIT, id="warm-start-fit"),
    ],
)
@pytest.mark.parametrize("make_validation_set, match", BAD_VALIDATION_SETS)
def test_bad_validation_set_is_rejected(iris, entry, make_validation_set, match):
    X, y = iris
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    clf = entry.model(clf, X, y)
    assert_rejected(entry, clf, X, y, match, **make_validation_set(X, y))


BAD_PARAMS = [
    ("alpha", -1.0),
    ("alpha", np.nan),
    ("hidden_layer_sizes", "abc"),
    ("hidden_layer_sizes", 0),
    pytest.param("hidden_layer_sizes", (0,)),
    pytest.param("hidden_layer_sizes", (-3,)),
    pytest.param("hidden_layer_sizes", (2.5,)),
    ("learning_rate_init", 0.0),
    ("learning_rate_init", -1.0),
    ("max_iter", 0),
    ("max_iter", 2.5),
    ("batch_size", 0),
    ("batch_size", "big"),
    ("momentum", 2.0),
    ("validation_fraction", 1.0),
    ("beta_1", 1.0),
    ("beta_2", -0.5),
    ("epsilon", 0.0),
    ("dropout", 1.0),
    ("dropout", -0.1),
    ("n_iter_no_change", 0),
    ("tol", -1.0),
    ("power_t", -1.0),
    ("max_fun", 0),
    ("shuffle", "yes"),
    ("solver", "newton"),
    ("activation", "softplus"),
    ("learning_rate", "fast"),
    ("loss", "hinge"),
    ("class_weight", "heavy"),
]


@pytest.mark.parametrize(
    "entry",
    [
        *NEW_MODEL,
        pytest.param(PARTIAL_FIT, id="partial_fit"),
        pytest.param(WARM_FIT, id="warm-start-fit"),
    ],
)
@pytest.mark.parametrize("name, value", BAD_PARAMS, ids=str)
def test_absurd_hyperparameters_are_named(iris, entry, name, value):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y).set_params(
        **{name: value}
    )
    match = f"'{name}' parameter of FromScratchMLPClassifier must be"
    assert_rejected(entry, clf, X, y, match, error=InvalidParameterError)


@pytest.mark.parametrize(
    "solver, learning_rate_init, scale",
    [
        ("sgd", 1e6, 1e100),
        pytest.param("sgd", 1e308, 1.0),
        pytest.param("adam", 1e308, 1.0),
    ],
)
def test_exploding_fit_raises_and_keeps_a_usable_model(
    iris, solver, learning_rate_init, scale
):
    # test_classifier.py checks sgd with momentum=0.0; this is the default 0.9.
    X, y = iris
    clf = FromScratchMLPClassifier(
        solver=solver, learning_rate_init=learning_rate_init, **SMALL
    )
    with pytest.raises(ValueError, match=DIVERGED):
        clf.fit(X * scale, y)
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize(
    "solver",
    [
        pytest.param("sgd"),
        pytest.param("adam"),
    ],
)
def test_exploding_partial_fit_raises_or_keeps_a_usable_model(iris, solver):
    X, y = iris
    clf = FromScratchMLPClassifier(solver=solver, learning_rate_init=1e308, **SMALL)
    call_or_explain(DIVERGED, FIRST_PARTIAL_FIT, clf, X, y)
    assert np.isfinite(clf.predict_proba(X)).all()


def assert_trains_or_diverges_cleanly(entry, clf, X, y):
    """Training on ``X`` gives a model predicting finite probabilities on it, or
    the divergence error; the weights stay finite either way."""
    if call_or_explain(DIVERGED, entry, clf, X, y):
        assert np.isfinite(clf.predict_proba(X)).all()
    assert all(np.isfinite(W).all() for W in clf.coefs_ + clf.intercepts_)


ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "entry, dtype, solver",
    [
        pytest.param(FIT, dtype, solver, id=f"fit-{dtype.__name__}-{solver}")
        for dtype in (np.float64, np.float32)
        for solver in ("sgd", "adam", "lbfgs")
    ]
    + [
        pytest.param(FIRST_PARTIAL_FIT, np.float64, solver, id=f"partial_fit-{solver}")
        for solver in ("sgd", "adam")
    ],
)
def test_huge_finite_X_trains_or_diverges_cleanly(
    iris, entry, dtype, solver, activation
):
    """X * 1e30: never NaN (nor a RuntimeWarning: they are errors here)."""
    X, y = iris
    clf = FromScratchMLPClassifier(solver=solver, activation=activation, **SMALL)
    assert_trains_or_diverges_cleanly(entry, clf, (X * 1e30).astype(dtype), y)


@pytest.mark.parametrize(
    "solver, activation",
    [
        pytest.param(solver, activation)
        if (solver, activation) in [("sgd", "relu"), ("sgd", "identity")]
        else (solver, activation)
        for solver in ("sgd", "adam")
        for activation in ACTIVATIONS
    ],
)
def test_huge_float32_X_in_partial_fit_trains_or_diverges_cleanly(
    iris, solver, activation
):
    X, y = iris
    clf = FromScratchMLPClassifier(solver=solver, activation=activation, **SMALL)
    X_huge = (X * 1e30).astype(np.float32)
    assert_trains_or_diverges_cleanly(FIRST_PARTIAL_FIT, clf, X_huge, y)


HUGE_X = {
    "X*1e30": lambda X: X * 1e30,
    "all-1e30": lambda X: np.full_like(X, 1e30),
    "all--1e30": lambda X: np.full_like(X, -1e30),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("target", ["iris", "iris_binary", "multilabel"])
@pytest.mark.parametrize("entry", PREDICTING)
@pytest.mark.parametrize("make_X", HUGE_X.values(), ids=HUGE_X.keys())
def test_huge_finite_X_predicts_or_is_too_large(request, target, entry, make_X, dtype):
    """A normal model on X of 1e30: finite output or 'too large'; never NaN."""
    X, y = request.getfixturevalue(target)
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X.astype(dtype), y)
    X_huge = make_X(X).astype(dtype)
    output = call_or_explain("too large|overflow", entry, clf, X_huge, y)
    assert output is None or np.isfinite(output).all()


def float_limit_X(X):
    """Finite X of +-max float, with the signs of iris: scikit-learn's quick
    finiteness check, ``isfinite(X.sum())``, computes inf - inf."""
    return np.where(X > 0, 1.0, -1.0) * np.finfo(np.float64).max


@pytest.mark.parametrize("entry", [*NEW_MODEL, *FITTED_TRAINING, *PREDICTING])
def test_X_at_the_float_limit_gives_no_runtime_warning(iris, entry):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    with pytest.raises(ValueError, match=f"{DIVERGED}|too large"):
        entry(clf, float_limit_X(X), y)


@pytest.fixture
def overflowing_logits(iris):
    """A 3-class network sending x = [1e308, 0, 0, 0] to the finite logits
    [1e308, -1e308, 0]: their differences overflow float64."""
    clf = FromScratchMLPClassifier(
        hidden_layer_sizes=(1,), activation="identity", max_iter=1, random_state=0
    ).fit(*iris)
    np.copyto(clf.coefs_[0], [[1.0], [0.0], [0.0], [0.0]])
    np.copyto(clf.coefs_[1], [[1.0, -1.0, 0.0]])
    for b in clf.intercepts_:
        b[:] = 0.0
    return clf, np.array([[1e308, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    "entry, expected",
    [
        pytest.param(PREDICT, [0], id="predict"),
        pytest.param(
            PREDICT_PROBA,
            [[1.0, TINY, TINY]],  # predict_proba floors probabilities at tiny
            id="predict_proba",
        ),
        pytest.param(
            PREDICT_LOG_PROBA,
            [[0.0, -np.inf, -1e308]],  # log(exp(-2e308)) is below the float range
            id="predict_log_proba",
        ),
    ],
)
def test_logits_beyond_the_float_range(overflowing_logits, entry, expected):
    clf, X = overflowing_logits
    assert_array_equal(entry(clf, X, None), expected)


@pytest.mark.parametrize("entry", NEW_MODEL)
@pytest.mark.parametrize("low, high", [(0, 2), (-1, 1)])
def test_multilabel_indicator_not_0_1(multilabel, entry, low, high):
    X, Y = multilabel
    indicator = FromScratchMLPClassifier(**SMALL)
    entry(indicator, X, Y)
    clf = FromScratchMLPClassifier(**SMALL)
    Y_bad = np.where(Y == 1, high, low)
    if call_or_explain(r"0 and 1|0/1|\{0, 1\}", entry, clf, X, Y_bad):
        assert_allclose(clf.predict_proba(X), indicator.predict_proba(X))


def as_frame(X):
    """X as a DataFrame with string column names."""
    return pd.DataFrame(X, columns=["a", "b", "c", "d"])


FEATURE_NAME_ERRORS = {
    "reordered": (
        lambda df: df[["b", "a", "c", "d"]],
        "Feature names must be in the same order as they were in fit",
    ),
    "renamed": (
        lambda df: df.rename(columns={"a": "z"}),
        "Feature names unseen at fit time:\n- z",
    ),
}


@pytest.mark.parametrize("Estimator", [FromScratchMLPClassifier, MLPClassifier])
@pytest.mark.parametrize("entry", [*FITTED_TRAINING, *PREDICTING])
@pytest.mark.parametrize(
    "change, match", FEATURE_NAME_ERRORS.values(), ids=FEATURE_NAME_ERRORS.keys()
)
def test_other_feature_names_are_rejected_like_sklearn(
    iris, Estimator, entry, change, match
):
    """scikit-learn's own estimator is the reference: both behave alike."""
    X, y = iris
    clf = entry.model(Estimator(**SMALL), as_frame(X), y)
    assert_rejected(entry, clf, change(as_frame(X)), y, match)


FEATURE_NAME_WARNINGS = {
    "names-dropped": (
        as_frame,
        np.asarray,
        "X does not have valid feature names, but .* was fitted with feature names",
    ),
    "names-added": (
        np.asarray,
        as_frame,
        "X has feature names, but .* was fitted without feature names",
    ),
}


@pytest.mark.parametrize("Estimator", [FromScratchMLPClassifier, MLPClassifier])
@pytest.mark.parametrize("entry", [*FITTED_TRAINING, *PREDICTING])
@pytest.mark.parametrize(
    "fitted_as, called_as, match",
    FEATURE_NAME_WARNINGS.values(),
    ids=FEATURE_NAME_WARNINGS.keys(),
)
def test_feature_names_on_one_side_warn_like_sklearn(
    iris, Estimator, entry, fitted_as, called_as, match
):
    """scikit-learn's own estimator is the reference: both behave alike."""
    X, y = iris
    clf = entry.model(Estimator(**SMALL), fitted_as(X), y)
    with pytest.warns(UserWarning, match=match):
        entry(clf, called_as(X), y)
