"""Bad inputs to FromScratchMLPClassifier, at every entry point they can reach.

Each case pins one outcome: the correct behaviour, or a ``ValueError`` whose
message names the problem and the way out. Never an exception from deep inside
NumPy, never a NumPy ``RuntimeWarning`` (turned into an error for the whole
module) followed by NaN probabilities, and never a model left changed by a call
that failed: each failing call is checked to leave the pickled estimator
byte-for-byte as it was.

Most bad X, y and sample weights are named by scikit-learn's own validation
(``validate_data``, ``_check_sample_weight``), which ``check_estimator`` in
test_common.py sends to ``fit`` and ``predict``: here one input of each kind
(X, y, sample_weight, a parameter) goes to every entry point that takes it, for
the unchanged-model check. The checks skmlp makes itself are here in full:
hidden_layer_sizes, the parameters each ``partial_fit`` validates again,
multilabel 0/1 indicators, the classes given to ``partial_fit``,
class_weight, the scale of the weights, validation sets, warm-start
consistency, divergence, X too large for the network (non-finite X at
prediction included) and logits beyond the float range.

The training entry points are ``fit`` and the first ``partial_fit`` on a new
model, and ``partial_fit``, ``fit`` with ``warm_start=True`` and a plain refit
on a model already fitted on iris; the prediction entry points use a model
fitted on good data.
"""

import pickle

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
TOO_LARGE = "X is too large for this network: its activations overflow"


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


def with_entry(value, dtype=np.float64):
    """Make a copy of X, of ``dtype``, with one entry set to ``value``."""

    def bad_X(X):
        X = X.astype(dtype)
        X[3, 1] = value
        return X

    return bad_X


# One bad X for every entry point: scikit-learn's validate_data names the others
# (infinity, strings, complex, empty, 1-D, ...), and check_estimator sends them
# to fit and predict.
BAD_X = {
    "NaN": (with_entry(np.nan), "Input X contains NaN"),
}


@pytest.mark.parametrize("entry", [*TRAINING, *PREDICTING])
@pytest.mark.parametrize("make_X, match", BAD_X.values(), ids=BAD_X.keys())
def test_bad_X_is_rejected(iris, entry, make_X, match):
    X, y = iris  # X is validated before y: the full y goes with every bad X
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf, make_X(X), y, match)


@pytest.mark.parametrize("entry", PREDICTING)
def test_sparse_X_with_NaN_is_rejected_by_prediction(iris, entry):
    """Prediction checks X for NaN and infinity itself, in the first layer's
    outputs (validate_data is told not to): a sparse X takes a path of its own."""
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    X_bad = sp.csr_matrix(with_entry(np.nan)(X))
    assert_rejected(entry, clf, X_bad, y, "Input X contains NaN")


# check_estimator sends the wrong number of features to predict and partial_fit
# (check_n_features_in_after_fitting); here for the unchanged-model check, and
# for a warm-started fit.
@pytest.mark.parametrize("entry", FITTED_TRAINING)
def test_wrong_number_of_features_is_rejected(iris, entry):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    X_bad = X[:, :3]
    match = "X has 3 features, but .* is expecting 4 features"
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


# One bad y for every entry point, rejected while validating X and y together;
# check_estimator sends the others (infinity, y=None, continuous, ...) to fit.
BAD_Y_VALUES = {
    "NaN": (lambda y: np.where(y == 2, np.nan, y), "Input y contains NaN"),
}
# A valid array, but not a target a classifier can learn: skmlp names it.
BAD_Y_TARGETS = {
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


# One bad sample_weight for every entry point; check_estimator sends those of
# the wrong shape and all-zero ones to fit.
BAD_SAMPLE_WEIGHT = {
    "negative": (
        np.r_[-1.0, np.ones(149)],
        "Negative values in data passed to `sample_weight`",
    ),
}


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize(
    "sample_weight, match", BAD_SAMPLE_WEIGHT.values(), ids=BAD_SAMPLE_WEIGHT.keys()
)
def test_bad_sample_weight_is_rejected(iris, entry, sample_weight, match):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    assert_rejected(entry, clf, X, y, match, sample_weight=sample_weight)


# Weights whose mean is outside the square roots of float64's range, or whose
# sum overflows: skmlp's scale check names each before training.
EXTREME_SAMPLE_WEIGHTS = [
    pytest.param(1e-300, "value of 1e-300, too small to train with", id="1e-300"),
    pytest.param(
        5e-324, "value of 4.94e-324, too small to train with", id="5e-324-subnormal"
    ),
    pytest.param(1e306, r"value of 1e\+306, too large to train with", id="1e306"),
    pytest.param(
        1e308, "The sample_weight times the class weights overflow", id="1e308"
    ),
]


@pytest.mark.parametrize("entry", NEW_MODEL)
@pytest.mark.parametrize("weight, match", EXTREME_SAMPLE_WEIGHTS)
def test_extreme_sample_weights_are_named(iris, entry, weight, match):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    sample_weight = np.full(len(y), weight)
    assert_rejected(entry, clf, X, y, match, sample_weight=sample_weight)


@pytest.mark.parametrize("weight, match", EXTREME_SAMPLE_WEIGHTS)
def test_extreme_sample_weights_with_lbfgs_are_named(iris, weight, match):
    X, y = iris
    clf = FromScratchMLPClassifier(solver="lbfgs", **SMALL)
    sample_weight = np.full(len(y), weight)
    assert_rejected(FIT, clf, X, y, match, sample_weight=sample_weight)


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


# Beyond test_classifier.py::test_bad_validation_sets_are_refused: one bad X_val,
# y_val and sample_weight_val (validate_data and _check_sample_weight name the
# others), and the y_val targets skmlp names.
BAD_VALIDATION_SETS = [
    pytest.param(
        lambda X, y: dict(X_val=with_entry(np.nan)(X), y_val=y),
        "Input X contains NaN",
        id="X_val-NaN",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=np.where(y == 2, np.nan, y)),
        "Input y_val contains NaN",
        id="y_val-NaN",
    ),
    pytest.param(
        lambda X, y: dict(X_val=X, y_val=y, sample_weight_val=-np.ones(150)),
        "Negative values in data passed to `sample_weight`",
        id="sample_weight_val-negative",
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


# At every entry point: one value scikit-learn's _validate_params refuses, and
# the hidden_layer_sizes that skmlp's own check refuses (the constraint
# "array-like" lets any sequence through).
BAD_PARAMS = [
    ("alpha", -1.0),
    ("hidden_layer_sizes", (0,)),
    ("hidden_layer_sizes", (-3,)),
    ("hidden_layer_sizes", (2.5,)),
]
# The other constraints, for a partial_fit continuing a model: scikit-learn's
# _fit_context validates partial_fit on its first call only, so only the
# validation skmlp makes again on each call finds these there.
OTHER_BAD_PARAMS = [
    ("alpha", np.nan),
    ("hidden_layer_sizes", "abc"),
    ("hidden_layer_sizes", 0),
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


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize("name, value", BAD_PARAMS, ids=str)
def test_absurd_hyperparameters_are_named(iris, entry, name, value):
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y).set_params(
        **{name: value}
    )
    match = f"'{name}' parameter of FromScratchMLPClassifier must be"
    assert_rejected(entry, clf, X, y, match, error=InvalidParameterError)


@pytest.mark.parametrize("name, value", OTHER_BAD_PARAMS, ids=str)
def test_partial_fit_validates_the_parameters_on_each_call(iris, name, value):
    X, y = iris
    clf = PARTIAL_FIT.model(FromScratchMLPClassifier(**SMALL), X, y)
    clf.set_params(**{name: value})
    match = f"'{name}' parameter of FromScratchMLPClassifier must be"
    assert_rejected(PARTIAL_FIT, clf, X, y, match, error=InvalidParameterError)


@pytest.mark.parametrize(
    "solver, learning_rate_init, scale",
    [
        ("sgd", 1e6, 1e100),
        pytest.param("sgd", 1e308, 1.0),
        pytest.param("adam", 1e308, 1.0),
    ],
)
def test_exploding_fit_raises_and_changes_nothing(
    iris, solver, learning_rate_init, scale
):
    # test_classifier.py checks sgd with momentum=0.0; this is the default 0.9.
    X, y = iris
    clf = FromScratchMLPClassifier(
        solver=solver, learning_rate_init=learning_rate_init, **SMALL
    )
    assert_rejected(FIT, clf, X * scale, y, DIVERGED)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_exploding_first_partial_fit_raises_and_changes_nothing(iris, solver):
    X, y = iris
    clf = FromScratchMLPClassifier(solver=solver, learning_rate_init=1e308, **SMALL)
    assert_rejected(FIRST_PARTIAL_FIT, clf, X, y, DIVERGED)


ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]


HUGE_X_TRAINING = [
    (entry, dtype, solver, activation)
    for entry, solvers in [
        (FIT, ("sgd", "adam", "lbfgs")),
        (FIRST_PARTIAL_FIT, ("sgd", "adam")),
    ]
    for dtype in (np.float64, np.float32)
    for solver in solvers
    for activation in ACTIVATIONS
]


def huge_X_training(diverges):
    """The trainings on X * 1e30 that diverge, or those that train.

    With float32 X, SGD through unbounded hidden units (relu, identity)
    overflows in its first epoch; every other case trains (float64 has the
    range, Adam's steps are bounded by learning_rate_init, tanh and logistic
    units saturate).
    """
    return [
        pytest.param(
            entry,
            dtype,
            solver,
            activation,
            id=f"{entry.method}-{dtype.__name__}-{solver}-{activation}",
        )
        for entry, dtype, solver, activation in HUGE_X_TRAINING
        if diverges
        == (
            dtype is np.float32
            and solver == "sgd"
            and activation in ("relu", "identity")
        )
    ]


@pytest.mark.parametrize("entry, dtype, solver, activation", huge_X_training(False))
def test_huge_finite_X_trains(iris, entry, dtype, solver, activation):
    """X * 1e30: a finite loss and finite probabilities, never NaN (nor a
    RuntimeWarning: they are errors here)."""
    X, y = iris
    X_huge = (X * 1e30).astype(dtype)
    clf = FromScratchMLPClassifier(solver=solver, activation=activation, **SMALL)
    entry(clf, X_huge, y)
    assert np.isfinite([clf.loss_, *clf.loss_curve_]).all()
    assert np.isfinite(clf.predict_proba(X_huge)).all()


@pytest.mark.parametrize("entry, dtype, solver, activation", huge_X_training(True))
def test_huge_finite_X_diverges_cleanly(iris, entry, dtype, solver, activation):
    """X * 1e30 in float32 with SGD and unbounded units: the divergence error,
    and the model is left unfitted."""
    X, y = iris
    X_huge = (X * 1e30).astype(dtype)
    clf = FromScratchMLPClassifier(solver=solver, activation=activation, **SMALL)
    assert_rejected(entry, clf, X_huge, y, DIVERGED)


HUGE_X = {
    "X*1e30": lambda X: X * 1e30,
    "all-1e30": lambda X: np.full_like(X, 1e30),
    "all--1e30": lambda X: np.full_like(X, -1e30),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("target", ["iris", "iris_binary", "multilabel"])
@pytest.mark.parametrize("entry", PREDICTING)
@pytest.mark.parametrize("make_X", HUGE_X.values(), ids=HUGE_X.keys())
def test_huge_finite_X_predicts_finite_output(request, target, entry, make_X, dtype):
    """A normal model on X of 1e30 predicts: its logits stay finite, even in
    float32, and the output is finite, never NaN."""
    X, y = request.getfixturevalue(target)
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X.astype(dtype), y)
    output = entry(clf, make_X(X).astype(dtype), y)
    assert output.shape == entry(clf, X.astype(dtype), y).shape
    assert np.isfinite(output).all()


# The data loss is NaN: the advice is the learning rate's, not alpha's.
NON_FINITE_LOSS = (
    "Training diverged: the training loss became non-finite.*smaller learning_rate_init"
)


def float_limit_X(X):
    """Finite X of +-max float, with the signs of iris: scikit-learn's quick
    finiteness check, ``isfinite(X.sum())``, computes inf - inf."""
    return np.where(X > 0, 1.0, -1.0) * np.finfo(np.float64).max


@pytest.mark.parametrize(
    "entry, match",
    [
        pytest.param(FIT, NON_FINITE_LOSS, id="fit"),
        pytest.param(FIRST_PARTIAL_FIT, NON_FINITE_LOSS, id="first-partial_fit"),
        pytest.param(PARTIAL_FIT, NON_FINITE_LOSS, id="partial_fit"),
        pytest.param(WARM_FIT, NON_FINITE_LOSS, id="warm-start-fit"),
        pytest.param(PREDICT, TOO_LARGE, id="predict"),
        pytest.param(PREDICT_PROBA, TOO_LARGE, id="predict_proba"),
        pytest.param(PREDICT_LOG_PROBA, TOO_LARGE, id="predict_log_proba"),
    ],
)
def test_X_at_the_float_limit_gives_no_runtime_warning(iris, entry, match):
    """Training diverges (its loss is not finite), prediction finds X too large."""
    X, y = iris
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, y)
    with pytest.raises(ValueError, match=match):
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


@pytest.mark.parametrize("entry", TRAINING)
@pytest.mark.parametrize("low, high", [(0, 2), (-1, 1)])
def test_multilabel_indicator_not_0_1_is_rejected(multilabel, entry, low, high):
    """Two values per label make a multilabel-indicator target for scikit-learn;
    skmlp trains on 0/1 only, and says so at every training entry point."""
    X, Y = multilabel
    clf = entry.model(FromScratchMLPClassifier(**SMALL), X, Y)
    Y_bad = np.where(Y == 1, high, low)
    match = "A multilabel target must be a 0/1 indicator matrix; y has the values"
    assert_rejected(entry, clf, X, Y_bad, match)


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
