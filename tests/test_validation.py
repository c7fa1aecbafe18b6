"""The checks of a training call: weights, validation sets, the early-stopping
split and the overflow check shared with prediction.

Every failing call is checked to leave the estimator as it was (in
``test_bad_inputs.py`` for the inputs scikit-learn's own checks do not cover).
"""

import os
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor
from skmlp._targets import Binary, Multiclass, Multilabel
from skmlp._validation import (
    MIN_VALIDATION_SAMPLES,
    Samples,
    check_weights,
    checked_logits,
    split_for_early_stopping,
    warn_caller,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("error::RuntimeWarning"),
]

SMALL = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)


def assert_refused(clf, match, X, y, **fit_params):
    """``clf.fit`` raises a ValueError matching ``match`` and changes nothing."""
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, **fit_params)
    assert pickle.dumps(clf) == before


# check_weights


def test_weights_are_the_product_of_sample_and_class_weights():
    weights = check_weights(
        np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.5, 1.0]), np.float32, "w"
    )
    assert weights.dtype == np.float32
    assert_array_equal(weights, [2.0, 1.0, 3.0])


@pytest.mark.parametrize("class_weight", [None, np.array([1.0, 2.0])])
def test_weights_are_none_or_class_weights_alone(class_weight):
    weights = check_weights(None, class_weight, np.float64, "w")
    assert weights is None if class_weight is None else (weights == class_weight).all()


@pytest.mark.parametrize(
    "sample_weight, class_weight, dtype, match",
    [
        ([1e308, 1e308], None, np.float64, "w times the class weights overflow"),
        ([1.0, 1.0], [1e308, 1e308], np.float64, "overflow: rescale class_weight or w"),
        ([0.0, 1.0], [1.0, 0.0], np.float64, "w times the class weights sum to zero"),
        ([1e39, 1e39], None, np.float32, "mean positive value of 1e\\+39, too large"),
        ([1e-30, 0.0], None, np.float32, "mean positive value of 1e-30, too small"),
        ([1e155, 1e155], None, np.float64, "too large to train with in float64"),
        ([1e-155, 0.0], None, np.float64, "too small to train with in float64"),
    ],
)
def test_weights_out_of_range_are_named(sample_weight, class_weight, dtype, match):
    with pytest.raises(ValueError, match=match):
        check_weights(
            np.array(sample_weight),
            None if class_weight is None else np.array(class_weight),
            dtype,
            "w",
        )


@pytest.mark.parametrize("dtype, mean", [(np.float32, 1e19), (np.float64, 1e-150)])
def test_weights_within_the_square_roots_of_the_range_pass(dtype, mean):
    weights = check_weights(np.full(3, mean), None, dtype, "w")
    assert weights.dtype == dtype and np.isfinite(weights).all()


def test_float32_sample_weight_beyond_float32_is_refused_without_a_warning(iris):
    """1e39 overflows float32: the error says so, no cast warning comes first."""
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL)
    assert_refused(
        clf,
        "sample_weight.*too large to train with in float32",
        X.astype(np.float32),
        y,
        sample_weight=np.full(len(y), 1e39),
    )


# the given validation set


@pytest.mark.parametrize(
    "sample_weight_val, match",
    [
        (1e308, "sample_weight_val times the class weights overflow"),
        (1e200, "sample_weight_val.*too large to train with in float64"),
        (1e-200, "sample_weight_val.*too small to train with in float64"),
    ],
)
def test_sample_weight_val_gets_the_scale_checks_of_sample_weight(
    iris, sample_weight_val, match
):
    X, y = iris
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    weights = np.full(len(y), sample_weight_val)
    assert_refused(clf, match, X, y, X_val=X, y_val=y, sample_weight_val=weights)


def test_X_val_too_large_for_the_network_is_named(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    with pytest.raises(ValueError, match="X_val is too large for this network"):
        clf.fit(X, y, X_val=np.full_like(X, 1e308), y_val=y)
    assert not hasattr(clf, "coefs_")


def test_validation_loss_and_score_match_the_given_set(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    weights = np.where(y == 0, 2.0, 1.0)
    clf.fit(X, y, X_val=X[::2], y_val=y[::2], sample_weight_val=weights[::2])
    assert clf.best_validation_score_ == clf.score(
        X[::2], y[::2], sample_weight=weights[::2]
    )
    # The model returned is that of the best epoch (the first to reach it).
    best = int(np.argmax(clf.validation_scores_))
    log_proba = clf.predict_log_proba(X[::2])[np.arange(75), y[::2]]
    expected = -(weights[::2] * log_proba).sum() / weights[::2].sum()
    assert clf.validation_loss_curve_[best] == pytest.approx(expected, rel=1e-10)
    assert clf.best_validation_score_ == clf.validation_scores_[best]


@pytest.mark.parametrize(
    "make_y_val, match",
    [
        (lambda Y: 2 * Y, "0/1 indicator matrix; y_val has the values"),
        (
            lambda Y: Y + np.eye(*Y.shape, dtype=Y.dtype),
            "(?i)multiclass-multioutput.*y_val",
        ),
    ],
    ids=["0-2", "0-1-2"],
)
def test_multilabel_y_val_must_be_0_1(multilabel, make_y_val, match):
    X, Y = multilabel
    clf = FromScratchMLPClassifier(
        early_stopping=True, class_weight="balanced", **SMALL
    )
    assert_refused(clf, match, X, Y, X_val=X, y_val=make_y_val(Y))


@pytest.mark.parametrize(
    "y_val, match",
    [
        (lambda Y: Y[:, :2], "y_val has 2 labels but the model has 3"),
        (
            lambda Y: Y[:, 0],
            "y_val is a binary target but the model's target is a "
            "multilabel-indicator one",
        ),
    ],
)
def test_multilabel_y_val_must_have_the_labels_of_y(multilabel, y_val, match):
    X, Y = multilabel
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    assert_refused(clf, match, X, Y, X_val=X, y_val=y_val(Y))


# the early-stopping split


def samples(n, weights=None, n_classes=2):
    X = np.arange(2.0 * n).reshape(n, 2)
    y = np.arange(n) % n_classes
    Y = y[:, None].astype(float)
    return Samples(X, y, Y, weights)


def test_split_is_stratified_and_keeps_rows_together():
    data = samples(40, weights=np.arange(40.0) + 1)
    train, val = split_for_early_stopping(data, 0.25, Binary(np.array([0, 1])), 0)
    assert len(val.X) == 10 and len(train.X) == 30
    assert np.bincount(val.y).tolist() == [5, 5]
    for part in (train, val):
        rows = part.X[:, 0].astype(int) // 2
        assert_array_equal(part.y, rows % 2)
        assert_array_equal(part.Y[:, 0], rows % 2)
        assert_array_equal(part.sample_weight, rows + 1)


def test_binary_split_is_scikit_learns(iris_binary):
    """Stratified like scikit-learn's for one output: the same validation scores."""
    X, y = iris_binary
    params = dict(SMALL, early_stopping=True, max_iter=15)
    ours = FromScratchMLPClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.validation_scores_ == theirs.validation_scores_


def test_split_of_a_multilabel_target_is_not_stratified():
    data = samples(40)
    target = Multilabel(1)
    train, val = split_for_early_stopping(data, 0.25, target, 3)
    idx = np.arange(40)
    _, expected = train_test_split(idx, test_size=10, random_state=3)
    assert_array_equal(val.X[:, 0] // 2, expected)


@pytest.mark.parametrize(
    "n, fraction, n_classes",
    [
        (MIN_VALIDATION_SAMPLES * 9 - 1, 0.1, 2),  # 9 held out
        (40, 0.25, 11),  # fewer validation samples than classes
        (20, 0.9, 3),  # fewer training samples than classes
    ],
)
def test_split_too_small_to_score_trains_without_it(n, fraction, n_classes):
    data = samples(n, n_classes=n_classes)
    target = Multiclass(np.arange(n_classes)) if n_classes > 2 else Binary(np.arange(2))
    with pytest.warns(UserWarning, match="too small to score on"):
        assert split_for_early_stopping(data, fraction, target, 0) is None


def test_split_with_a_class_of_one_sample_trains_without_it():
    data = samples(40)
    data = data._replace(y=np.r_[2, data.y[1:]])
    with pytest.warns(UserWarning, match="two per class"):
        assert split_for_early_stopping(data, 0.25, Multiclass(np.arange(3)), 0) is None


@pytest.mark.parametrize("part", ["training", "validation"])
def test_split_part_without_weight_is_refused_before_training(iris, part):
    X, y = iris
    # The split draws after the initial weights: reproduce that stream.
    clf = FromScratchMLPClassifier(
        early_stopping=True, random_state=0, hidden_layer_sizes=(5,), max_iter=5
    )
    rng = np.random.RandomState(0)
    rng.uniform(size=4 * 5 + 5 + 5 * 3 + 3)
    _, val_idx = train_test_split(
        np.arange(150), test_size=15, random_state=rng, stratify=y
    )
    in_val = np.isin(np.arange(150), val_idx)
    weights = (in_val if part == "training" else ~in_val).astype(float)
    assert_refused(
        clf,
        f"The {part} part of the early-stopping split has no sample weight",
        X,
        y,
        sample_weight=weights,
    )


# the overflow check of prediction and validation


def test_checked_logits_are_the_forward_pass():
    coefs = [np.array([[1.0, -1.0]]), np.array([[2.0], [1.0]])]
    intercepts = [np.array([0.5, 0.0]), np.array([-1.0])]
    Z = checked_logits(np.array([[1.0], [-2.0]]), coefs, intercepts, "relu", "identity")
    assert_array_equal(Z, [[2 * 1.5 + 0 - 1.0], [0 + 2.0 - 1.0]])


@pytest.mark.parametrize(
    "X, match",
    [
        ([[np.nan]], "Input X contains NaN"),
        ([[np.inf]], "Input X contains infinity"),
        ([[1e308]], "X is too large for this network: its activations overflow"),
    ],
)
def test_checked_logits_name_what_is_wrong(X, match):
    coefs, intercepts = [np.array([[10.0]])], [np.array([0.0])]
    with pytest.raises(ValueError, match=match):
        checked_logits(np.array(X), coefs, intercepts, "relu", "identity")


@pytest.mark.parametrize(
    "Estimator", [FromScratchMLPClassifier, FromScratchMLPRegressor]
)
def test_a_missing_target_is_named(iris, Estimator):
    X, _ = iris
    with pytest.raises(ValueError) as error:
        Estimator(**SMALL).fit(X, None)
    assert str(error.value) == (
        f"This {Estimator.__name__} estimator requires y to be passed, but the "
        "target y is None."
    )


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="mutmut's trampolines add frames"
)
def test_warn_caller_points_at_the_callers_file():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_caller("hello", UserWarning)
    assert caught[0].filename == __file__


# what the bundle holds


def test_balanced_class_weights_count_the_sample_weights(iris):
    X, y = iris
    w = np.linspace(0.5, 2.0, 150)
    totals = np.bincount(y, weights=w)
    balanced = (w.sum() / (3 * totals))[y]
    params = dict(SMALL, class_weight="balanced")
    ours = FromScratchMLPClassifier(**params).fit(X, y, sample_weight=w)
    by_hand = FromScratchMLPClassifier(**SMALL).fit(X, y, sample_weight=w * balanced)
    assert_array_equal(ours.predict_proba(X), by_hand.predict_proba(X))


def test_validation_samples_get_the_class_weights_of_y(iris):
    X, y = iris
    class_weight = {0: 5.0, 1: 1.0, 2: 1.0}
    params = dict(SMALL, early_stopping=True, class_weight=class_weight)
    ours = FromScratchMLPClassifier(**params).fit(X, y, X_val=X, y_val=y)
    by_hand = FromScratchMLPClassifier(**dict(params, class_weight=None))
    weights = np.where(y == 0, 5.0, 1.0)
    by_hand.fit(
        X, y, sample_weight=weights, X_val=X, y_val=y, sample_weight_val=weights
    )
    assert ours.validation_scores_ == by_hand.validation_scores_
    assert ours.validation_loss_curve_ == by_hand.validation_loss_curve_


def test_integer_X_trains_in_float64(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).fit((X * 10).astype(int), y)
    assert all(W.dtype == np.float64 for W in clf.coefs_ + clf.intercepts_)


@pytest.mark.parametrize("method", ["partial_fit", "warm-start-fit"])
def test_a_float32_model_keeps_float32_on_float64_data(iris, method):
    """In batches of 32, gathered into float32 buffers."""
    X, y = iris
    clf = FromScratchMLPClassifier(warm_start=True, **dict(SMALL, batch_size=32))
    clf.partial_fit(X.astype(np.float32), y, classes=[0, 1, 2])
    if method == "partial_fit":
        clf.partial_fit(X, y)
    else:
        clf.fit(X, y)
    assert all(W.dtype == np.float32 for W in clf.coefs_ + clf.intercepts_)
    assert clf._trainer is None or clf._trainer.params.dtype == np.float32


def test_a_column_of_labels_is_a_vector_with_a_warning(iris):
    from sklearn.exceptions import DataConversionWarning

    X, y = iris
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = FromScratchMLPClassifier(**SMALL).fit(X, y[:, None])
    vector = FromScratchMLPClassifier(**SMALL).fit(X, y)
    assert_array_equal(column.predict_proba(X), vector.predict_proba(X))
    assert column.n_outputs_ == 3


def test_a_hidden_layer_of_one_unit_is_allowed(iris):
    clf = FromScratchMLPClassifier(**dict(SMALL, hidden_layer_sizes=(1, 1))).fit(*iris)
    assert [W.shape for W in clf.coefs_] == [(4, 1), (1, 1), (1, 3)]


def test_a_warm_start_checks_every_hidden_layer(iris):
    clf = FromScratchMLPClassifier(**dict(SMALL, hidden_layer_sizes=(5, 3)))
    clf.fit(*iris).set_params(warm_start=True, hidden_layer_sizes=(5, 4))
    assert_refused(clf, r"differs from the fitted network's \[5, 3\]", *iris)


def test_a_class_of_two_samples_can_be_split():
    data = samples(40)
    data = data._replace(y=np.r_[2, 2, data.y[2:]])
    train, val = split_for_early_stopping(data, 0.25, Multiclass(np.arange(3)), 0)
    assert len(val.X) == 10
    assert (train.y == 2).sum() + (val.y == 2).sum() == 2


def test_a_split_leaving_one_training_sample_per_class_is_kept():
    data = samples(20)
    train, val = split_for_early_stopping(data, 0.9, Binary(np.arange(2)), 0)
    assert len(train.X) == 2 and len(val.X) == 18


def test_small_weights_in_both_parts_of_the_split_are_kept():
    data = samples(40, weights=np.full(40, 0.01))
    train, val = split_for_early_stopping(data, 0.25, Binary(np.arange(2)), 0)
    assert val.sample_weight.sum() == pytest.approx(0.1)


def fit_error(params, *args, **kwargs):
    """Fitting iris-like data with ``params`` raises; return the call."""

    def call(iris):
        X, y = iris
        arrays = {"X": X, "y": y, "X*0": np.full_like(X, 1e308), "y2": y[:, None]}
        given = [arrays[name] for name in args]
        given_kwargs = {key: arrays.get(value, value) for key, value in kwargs.items()}
        FromScratchMLPClassifier(**{**SMALL, **params}).fit(*given, **given_kwargs)

    return call


VALIDATION_MESSAGES = [
    (
        fit_error(dict(solver="lbfgs", dropout=0.5), "X", "y"),
        "dropout needs a stochastic solver: use solver='sgd' or 'adam', or "
        "dropout=0 with solver='lbfgs'.",
    ),
    (
        fit_error(dict(hidden_layer_sizes=(5, 0)), "X", "y"),
        "The 'hidden_layer_sizes' parameter of FromScratchMLPClassifier must be a "
        "positive int or a sequence of positive ints. Got (5, 0) instead.",
    ),
    (
        fit_error({}, "X", "y", X_val="X"),
        "X_val and y_val must be given together.",
    ),
    (
        fit_error({}, "X", "y", X_val="X", y_val="y"),
        "X_val and y_val are used for early stopping only: set early_stopping=True "
        "with solver='sgd' or 'adam'.",
    ),
    (
        fit_error(dict(early_stopping=True), "X", "y", X_val="X*0", y_val="y"),
        "X_val is too large for this network: its activations overflow float64. "
        "Scale the features, e.g. with sklearn.preprocessing.StandardScaler.",
    ),
]


@pytest.mark.parametrize(
    "call, message", VALIDATION_MESSAGES, ids=range(len(VALIDATION_MESSAGES))
)
def test_messages_say_what_is_wrong_and_what_to_do(iris, call, message):
    """The whole text: it is what a user reads."""
    with pytest.raises(ValueError) as error:
        call(iris)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "sample_weight, class_weight, dtype, message",
    [
        (
            [1e308, 1e308],
            None,
            np.float64,
            "The w times the class weights overflow: rescale class_weight or w.",
        ),
        (
            [0.0, 1.0],
            [1.0, 0.0],
            np.float64,
            "The w times the class weights sum to zero: give some class present in "
            "y a positive weight.",
        ),
        (
            [1e39, 1e39],
            None,
            np.float32,
            "w (times class_weight) has a mean positive value of 1e+39, too large "
            "to train with in float32; rescale it, e.g. divide it by its mean.",
        ),
        (
            [1e-30, 0.0],
            None,
            np.float32,
            "w (times class_weight) has a mean positive value of 1e-30, too small "
            "to train with in float32; rescale it, e.g. divide it by its mean.",
        ),
        (
            [1.5, 0.5],
            [1e-200, 1e-200],
            np.float64,
            "w (times class_weight) has a mean positive value of 1e-200, too small "
            "to train with in float64; rescale it, e.g. divide it by its mean.",
        ),
    ],
)
def test_weight_messages(sample_weight, class_weight, dtype, message):
    with pytest.raises(ValueError) as error:
        check_weights(
            np.array(sample_weight),
            None if class_weight is None else np.array(class_weight),
            dtype,
            "w",
        )
    assert str(error.value) == message


def test_messages_of_the_split(iris):
    data = samples(40, weights=np.r_[np.zeros(39), 1.0])
    with pytest.raises(ValueError) as error:
        split_for_early_stopping(data, 0.25, Binary(np.arange(2)), 0)
    part = "validation" if "validation part" in str(error.value) else "training"
    assert str(error.value) == (
        f"The {part} part of the early-stopping split has no sample weight: pass a "
        "validation set (X_val, y_val), change random_state or "
        "validation_fraction, or give more samples a positive weight."
    )
    with pytest.warns(UserWarning) as record:
        split_for_early_stopping(samples(20), 0.1, Binary(np.arange(2)), 0)
    assert str(record[0].message) == (
        "early_stopping=True, but a validation_fraction of 0.1 of 20 samples is too "
        "small to score on (at least 10 samples, and two per class for a "
        "classifier, are needed); training without early stopping. Use more data "
        "or a larger validation_fraction."
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda clf, X, y: clf.partial_fit(X, y, classes=[0, 1]),
            "classes array([0, 1]) differ from the classes_ of the fitted model, "
            "array([0, 1, 2]); refit with warm_start=False to change them.",
        ),
        (
            lambda clf, X, y: clf.set_params(hidden_layer_sizes=(4,)).partial_fit(X, y),
            "hidden_layer_sizes=(4,) differs from the fitted network's [5]; set "
            "warm_start=False (or call fit) to train a new network.",
        ),
        (
            lambda clf, X, y: FromScratchMLPClassifier().partial_fit(X, y),
            "classes must be passed on the first call to partial_fit; e.g. "
            "classes=np.unique(y_all).",
        ),
    ],
    ids=["classes", "hidden_layer_sizes", "first-call"],
)
def test_messages_of_continued_training(iris, call, message):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError) as error:
        call(clf, X, y)
    assert str(error.value) == message


def test_weights_overflowing_their_product_are_named():
    with pytest.raises(ValueError, match="w times the class weights overflow"):
        check_weights(np.full(2, 1e200), np.full(2, 1e200), np.float64, "w")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bound", ["tiny", "max"])
def test_weights_at_the_square_roots_of_the_range_pass(dtype, bound):
    mean = float(np.sqrt(np.float64(getattr(np.finfo(dtype), bound))))
    weights = check_weights(np.full(2, mean), None, dtype, "w")
    assert weights is not None


def test_a_float32_model_names_float64_data_beyond_float32(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).partial_fit(
        X.astype(np.float32), y, classes=[0, 1, 2]
    )
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        clf.partial_fit(X * 1e300, y)
    assert pickle.dumps(clf) == before


@pytest.mark.parametrize("sizes", [(5, True), (5, 2.0), (True,)])
def test_hidden_layer_sizes_must_be_ints_not_bools_or_floats(iris, sizes):
    clf = FromScratchMLPClassifier(**dict(SMALL, hidden_layer_sizes=sizes))
    with pytest.raises(ValueError, match="must be a positive int or a sequence"):
        clf.fit(*iris)


def test_lbfgs_refuses_a_validation_set(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**dict(SMALL, solver="lbfgs", early_stopping=True))
    assert_refused(clf, "used for early stopping only", X, y, X_val=X, y_val=y)
