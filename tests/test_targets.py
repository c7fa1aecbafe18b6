"""The target kinds: how each is checked, encoded, decoded and weighed."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils.class_weight import compute_sample_weight

from skmlp import FromScratchMLPClassifier
from skmlp._targets import (
    Binary,
    Multiclass,
    Multilabel,
    SingleClass,
    target_of,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

Z = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]])


@pytest.mark.parametrize(
    "y, classes, kind, expected_classes",
    [
        (np.array(["a", "a"]), None, SingleClass, ["a"]),
        (np.array([3, 1, 3]), None, Binary, [1, 3]),
        (np.array([0, 2, 1]), None, Multiclass, [0, 1, 2]),
        (np.array([0, 0]), [2, 0, 1, 1], Multiclass, [0, 1, 2]),
        (np.array([[0, 1], [1, 1]]), None, Multilabel, [0, 1]),
    ],
)
def test_target_of_picks_the_kind_and_sorted_classes(
    y, classes, kind, expected_classes
):
    target = target_of(y, classes)
    assert type(target) is kind
    assert_array_equal(target.classes, expected_classes)


def test_targets_are_the_same_with_the_same_kind_and_classes():
    assert Binary(np.array([0, 1])).same_as(Binary(np.array([0, 1])))
    assert not Binary(np.array([0, 1])).same_as(Binary(np.array([0, 2])))
    assert not Binary(np.array([0, 1])).same_as(Multiclass(np.array([0, 1])))
    assert not Multilabel(2).same_as(Binary(np.array([0, 1])))
    assert Multilabel(2).same_as(Multilabel(2))
    assert not Multilabel(2).same_as(Multilabel(3))


@pytest.mark.parametrize(
    "y, match",
    [
        (np.array([0.5, 1.5]), "Unknown label type: continuous"),
        (
            np.array([[0, 2], [1, 3]]),
            "Multiclass-multioutput targets are not supported",
        ),
        (np.array([[0, 2], [2, 0]]), r"0/1 indicator matrix; y has the values"),
    ],
)
def test_targets_a_classifier_cannot_learn_are_named(y, match):
    with pytest.raises(ValueError, match=match):
        target_of(y)


def test_classes_with_nan_are_named():
    with pytest.raises(ValueError, match="classes must not contain NaN"):
        target_of(np.array([0.0, 1.0]), [0.0, np.nan])


@pytest.mark.parametrize(
    "target, y, match",
    [
        (Binary(np.array([0, 1])), np.array([0, 5]), r"y has labels array\(\[5\]\)"),
        (Binary(np.array([0, 1])), np.eye(2, dtype=int), "multilabel-indicator target"),
        (Multilabel(2), np.array([0, 1]), "binary target but the model's target"),
        (Multilabel(2), np.eye(3, dtype=int), "y has 3 labels but the model has 2"),
    ],
)
def test_check_refuses_another_target(target, y, match):
    with pytest.raises(ValueError, match=match):
        target.check(y)


def test_check_of_y_val_names_it():
    with pytest.raises(ValueError, match=r"y_val has labels array\(\[7\]\), which are"):
        Multiclass(np.arange(3)).check(np.array([0, 7]), "y_val")


def test_check_accepts_a_subset_of_the_classes():
    Multiclass(np.arange(3)).check(np.array([2, 2]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_encodings(dtype):
    y = np.array(["b", "a", "c"])
    assert_array_equal(
        Multiclass(np.array(["a", "b", "c"])).encode(y, dtype),
        [[0, 1, 0], [1, 0, 0], [0, 0, 1]],
    )
    assert_array_equal(Binary(np.array(["a", "b"])).encode(y[:2], dtype), [[1], [0]])
    assert_array_equal(SingleClass(np.array(["a"])).encode(y[:2], dtype), [[1], [1]])
    Y = np.array([[0, 1], [1, 0]])
    assert_array_equal(Multilabel(2).encode(Y, dtype), Y)
    for target, labels in [
        (Multiclass(np.array(["a", "b", "c"])), y),
        (Binary(np.array(["a", "b"])), y[:2]),
        (SingleClass(np.array(["a"])), y[:1]),
        (Multilabel(2), Y),
    ]:
        assert target.encode(labels, dtype).dtype == dtype


def test_decodings():
    assert_array_equal(Multiclass(np.array([5, 6, 7])).decode(Z), [5, 7])
    assert_array_equal(Binary(np.array([5, 6])).decode(Z[:, :1]), [6, 5])
    assert_array_equal(Binary(np.array([5, 6])).decode(np.zeros((1, 1))), [5])
    assert_array_equal(SingleClass(np.array([5])).decode(Z[:, :1]), [5, 5])
    assert_array_equal(Multilabel(3).decode(Z), [[1, 0, 1], [0, 0, 1]])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize(
    "target, logits, expected",
    [
        (
            Multiclass(np.arange(3)),
            Z,
            np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True),
        ),
        (
            Binary(np.arange(2)),
            Z[:, :1],
            np.hstack([1 - sigmoid(Z[:, :1]), sigmoid(Z[:, :1])]),
        ),
        (Multilabel(3), Z, sigmoid(Z)),
        (SingleClass(np.arange(1)), Z[:, :1], np.ones((2, 1))),
    ],
    ids=["multiclass", "binary", "multilabel", "single"],
)
def test_probabilities_and_their_logs(target, logits, expected):
    assert_allclose(target.proba(logits.copy()), expected, rtol=1e-14)
    assert_allclose(target.log_proba(logits.copy()), np.log(expected), atol=1e-15)


def test_tiny_logistic_probabilities_keep_their_relative_precision():
    Z = np.array([[-700.0]])
    assert_allclose(
        Binary(np.arange(2)).proba(Z.copy())[0, 1], np.exp(-700.0), rtol=1e-14
    )
    assert_allclose(Multilabel(1).proba(Z.copy())[0, 0], np.exp(-700.0), rtol=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
def test_balanced_class_weights_equal_sklearns(weighted):
    y = np.array([0, 0, 0, 1, 2, 2])
    sample_weight = np.array([1.0, 2, 1, 3, 1, 1]) if weighted else None
    target = Multiclass(np.arange(3))
    weights = target.class_weights("balanced", y, sample_weight)
    counts = np.bincount(y, weights=sample_weight)
    assert_allclose(weights, counts.sum() / (3 * counts))
    assert_array_equal(target.per_sample(weights, y), weights[y])


def test_dict_class_weights_default_to_one():
    weights = Multiclass(np.array(["a", "b", "c"])).class_weights(
        {"b": 3.0}, np.array(["a", "b", "c"]), None
    )
    assert_array_equal(weights, [1.0, 3.0, 1.0])


@pytest.mark.parametrize(
    "target, class_weight, y, match",
    [
        (
            Binary(np.arange(2)),
            [1.0, 2.0],
            np.array([0, 1]),
            "a list is for multilabel",
        ),
        (Binary(np.arange(2)), {0: -1.0}, np.array([0, 1]), "finite and non-negative"),
        (
            Binary(np.arange(2)),
            {0: np.inf},
            np.array([0, 1]),
            "finite and non-negative",
        ),
        (
            Multiclass(np.arange(3)),
            "balanced",
            np.array([0, 1]),
            r"y lacks array\(\[2\]\)",
        ),
        (Multilabel(2), [{0: 1}], np.eye(2, dtype=int), "a list of 2 dicts"),
        (Multilabel(2), {0: 1}, np.eye(2, dtype=int), "a list of 2 dicts"),
    ],
)
def test_bad_class_weights_are_named(target, class_weight, y, match):
    with pytest.raises(ValueError, match=match):
        target.class_weights(class_weight, y, None)


def test_balanced_needs_weight_in_every_class():
    with pytest.raises(ValueError, match=r"classes array\(\[1\]\) have none"):
        Binary(np.arange(2)).class_weights(
            "balanced", np.array([0, 1]), np.array([1.0, 0.0])
        )


@pytest.mark.parametrize(
    "class_weight", ["balanced", [{0: 1.0, 1: 4.0}, {0: 2.0, 1: 0.5}]]
)
def test_multilabel_class_weights_multiply_like_sklearns(class_weight):
    Y = np.array([[0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    target = Multilabel(2)
    weights = target.class_weights(class_weight, Y, None)
    assert_allclose(
        target.per_sample(weights, Y), compute_sample_weight(class_weight, Y)
    )


def test_none_class_weight_gives_none():
    assert Binary(np.arange(2)).class_weights(None, np.array([0, 1]), None) is None
    assert Multilabel(2).class_weights(None, np.eye(2), None) is None


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_a_sparse_label_indicator_y_fits_like_the_dense_one(multilabel, container):
    X, Y = multilabel
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    dense = FromScratchMLPClassifier(**params).fit(X, Y)
    sparse = FromScratchMLPClassifier(**params).fit(X, container(Y))
    assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))
    assert_array_equal(sparse.classes_, dense.classes_)


BINARY, MULTICLASS = Binary(np.arange(2)), Multiclass(np.arange(3))

MESSAGES = [
    (
        lambda: BINARY.class_weights({0: -1.0}, np.array([0, 1]), None),
        "class_weight values must be finite and non-negative; got {0: -1.0, 1: 1.0}.",
    ),
    (
        lambda: BINARY.class_weights("balanced", np.array([0, 1]), np.array([1.0, 0])),
        "class_weight='balanced' needs every class to have a positive total sample "
        "weight; classes array([1]) have none.",
    ),
    (
        lambda: BINARY.check(np.eye(2, dtype=int)),
        "y is a multilabel-indicator target but the model's target is a binary one.",
    ),
    (
        lambda: BINARY.check(np.array([0, 5])),
        "y has labels array([5]) that are not in classes_ array([0, 1]); pass every "
        "class in `classes` on the first call to partial_fit, or refit with "
        "warm_start=False.",
    ),
    (
        lambda: MULTICLASS.check(np.array([0, 7]), "y_val"),
        "y_val has labels array([7]), which are not among the classes of y, "
        "array([0, 1, 2]).",
    ),
    (
        lambda: BINARY.class_weights([1.0, 2.0], np.array([0, 1]), None),
        "class_weight must be None, 'balanced' or a dict {class: weight} for "
        "single-label targets; a list is for multilabel.",
    ),
    (
        lambda: MULTICLASS.class_weights("balanced", np.array([0, 1]), None),
        "class_weight='balanced' needs every class in y, but y lacks array([2]). "
        "With partial_fit, compute the weights once on all the data: "
        "class_weight=dict(zip(classes, compute_class_weight('balanced', "
        "classes=classes, y=y_all))).",
    ),
    (
        lambda: Multilabel(2).check(np.array([0, 1]), "y_val"),
        "y_val is a binary target but the model's target is a multilabel-indicator "
        "one.",
    ),
    (
        lambda: Multilabel(2).check(np.eye(3, dtype=int)),
        "y has 3 labels but the model has 2; refit with warm_start=False to change "
        "them.",
    ),
    (
        lambda: Multilabel(2).class_weights({0: 1}, np.eye(2, dtype=int), None),
        "For multilabel targets, class_weight must be 'balanced' or a list of 2 "
        "dicts, one per label, like {0: 1, 1: 5}; got {0: 1}.",
    ),
    (
        lambda: target_of(np.array([[0, 2], [1, 3]])),
        "Multiclass-multioutput targets are not supported: pass one label per "
        "sample in y, or a 0/1 label-indicator matrix for multilabel targets.",
    ),
    (
        lambda: target_of(np.array([[0, 2], [2, 0]])),
        "A multilabel target must be a 0/1 indicator matrix; y has the values "
        "array([0, 2]).",
    ),
    (
        lambda: target_of(np.array([0.0, 1.0]), [0.0, np.nan]),
        "classes must not contain NaN or infinity: [ 0. nan]",
    ),
]


@pytest.mark.parametrize("call, message", MESSAGES, ids=range(len(MESSAGES)))
def test_messages_say_what_is_wrong_and_what_to_do(call, message):
    """The whole text: it is what a user reads."""
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


def test_a_logit_between_0_and_1_is_the_second_class():
    assert_array_equal(Binary(np.array([5, 6])).decode(np.array([[0.5]])), [6])


def test_multilabel_predictions_are_integers():
    assert Multilabel(3).decode(Z).dtype.kind == "i"


def test_multilabel_balanced_counts_each_label_by_sample_weight():
    Y = np.array([[0, 1], [1, 1], [0, 0], [1, 0]])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    weights = Multilabel(2).class_weights("balanced", Y, w)
    # label 0: class 0 weighs 1 + 3, class 1 weighs 2 + 4; label 1: 3 + 4 and 1 + 2
    assert_allclose(weights, [[10 / 8, 10 / 12], [10 / 14, 10 / 6]])


def test_multilabel_balanced_needs_both_classes_of_every_label():
    Y = np.array([[0, 1], [1, 1], [0, 1]])
    with pytest.raises(ValueError, match=r"classes array\(\[0\]\) have none"):
        Multilabel(2).class_weights("balanced", Y, None)


def test_a_multioutput_y_val_is_named():
    with pytest.raises(ValueError, match="one label per sample in y_val"):
        MULTICLASS.check(np.array([[0, 2], [1, 3]]), "y_val")


def test_multilabel_balanced_names_a_label_that_is_never_set():
    Y = np.array([[0, 0], [1, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"classes array\(\[1\]\) have none"):
        Multilabel(2).class_weights("balanced", Y, None)
