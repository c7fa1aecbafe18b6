"""The target kinds: how each is checked, encoded, decoded and weighed.

The classifier's kinds (single-class, binary, multiclass, multilabel) and the
regressor's ``Continuous`` values, then how a training call reads its target:
``read_labels`` for a classifier (the estimator-level refusals are in
test_validation.py and test_bad_inputs.py), ``values_of`` and ``read_values``
for a regressor.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils.class_weight import compute_sample_weight

from skmlp import FromScratchMLPClassifier
from skmlp._targets import (
    Binary,
    Continuous,
    Multiclass,
    Multilabel,
    SingleClass,
    read_labels,
    read_values,
    target_of,
    values_of,
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
    assert Continuous(2, "exp").same_as(Continuous(2, "exp"))
    assert not Continuous(2, "exp").same_as(Continuous(1, "exp"))
    assert not Continuous(2, "exp").same_as(Continuous(2, "identity"))
    assert not Continuous(1, "identity").same_as(Binary(np.array([0, 1])))
    assert not Binary(np.array([0, 1])).same_as(Continuous(1, "identity"))
    assert not Multilabel(1).same_as(Continuous(1, "identity"))


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
    values = np.array([1.5, -2.0, 3.0])
    assert_array_equal(
        Continuous(1, "identity").encode(values, dtype), [[1.5], [-2.0], [3.0]]
    )
    columns = np.array([[1.5, 0.0], [2.0, 1.0], [3.0, 2.0]])
    assert_array_equal(Continuous(2, "exp").encode(columns, dtype), columns)
    for target, labels in [
        (Multiclass(np.array(["a", "b", "c"])), y),
        (Binary(np.array(["a", "b"])), y[:2]),
        (SingleClass(np.array(["a"])), y[:1]),
        (Multilabel(2), Y),
        (Continuous(1, "identity"), values),
        (Continuous(2, "exp"), columns),
        (Continuous(1, "identity"), np.array([True, False])),
    ]:
        assert target.encode(labels, dtype).dtype == dtype


def test_decodings():
    assert_array_equal(Multiclass(np.array([5, 6, 7])).decode(Z), [5, 7])
    assert_array_equal(Binary(np.array([5, 6])).decode(Z[:, :1]), [6, 5])
    assert_array_equal(Binary(np.array([5, 6])).decode(np.zeros((1, 1))), [5])
    assert_array_equal(SingleClass(np.array([5])).decode(Z[:, :1]), [5, 5])
    assert_array_equal(Multilabel(3).decode(Z), [[1, 0, 1], [0, 0, 1]])
    assert_array_equal(Continuous(3, "identity").decode(Z), Z)
    assert_allclose(Continuous(3, "exp").decode(Z), np.exp(Z), rtol=1e-15)


@pytest.mark.parametrize(
    "link, inverse", [("identity", lambda z: z), ("exp", np.exp)], ids=["id", "exp"]
)
def test_continuous_decodes_one_output_to_a_vector(link, inverse):
    predictions = Continuous(1, link).decode(Z[:, 1:2])
    assert predictions.shape == (2,)
    assert_allclose(predictions, inverse(Z[:, 1]), rtol=1e-15)


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("link", ["identity", "exp"])
def test_continuous_decode_leaves_the_logits_unchanged(link, n_outputs):
    logits = Z[:, :n_outputs].copy()
    Continuous(n_outputs, link).decode(logits)
    assert_array_equal(logits, Z[:, :n_outputs])


@pytest.mark.parametrize(
    "target, y",
    [
        (Continuous(1, "identity"), np.array([-3.0, 0.0, 2.5])),
        (Continuous(1, "exp"), np.array([0.0, 0.0, 2.5])),
        (Continuous(2, "exp"), np.array([[0.0, 1.0], [4.0, 0.0]])),
        (Continuous(2, "exp"), np.empty((0, 2))),
    ],
    ids=["negative-identity", "zeros-exp", "two-outputs-exp", "empty-exp"],
)
def test_continuous_check_accepts_values_of_its_kind(target, y):
    target.check(y)
    target.check(y, "y_val")


@pytest.mark.parametrize(
    "target, y, name, match",
    [
        (Continuous(1, "identity"), np.ones((3, 2)), "y", r"y has 2 output\(s\) but"),
        (
            Continuous(2, "identity"),
            np.ones(3),
            "y_val",
            r"y_val has 1 output\(s\) but the model has 2",
        ),
        (Continuous(2, "exp"), np.ones((3, 3)), "y", r"y has 3 output\(s\) but"),
        (
            Continuous(2, "exp"),
            np.array([[0.0, 1.0], [2.0, -1e-300]]),
            "y_val",
            "loss='poisson' needs y_val >= 0 .* y_val has negative values down to "
            "-1e-300",
        ),
    ],
)
def test_continuous_check_refuses_other_values(target, y, name, match):
    with pytest.raises(ValueError, match=match):
        target.check(y, name)


@pytest.mark.parametrize(
    "target, stratified",
    [
        (SingleClass(np.array([7])), True),
        (Binary(np.array([0, 7])), True),
        (Multiclass(np.array([0, 7, 9])), True),
        (Multilabel(2), False),
        (Continuous(1, "identity"), False),
        (Continuous(1, "exp"), False),
    ],
    ids=["single", "binary", "multiclass", "multilabel", "identity", "exp"],
)
def test_strata_are_the_labels_of_single_label_kinds_only(target, stratified):
    y = np.array([7, 0, 7, 7])
    assert target.strata(y) is (y if stratified else None)


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
    (
        lambda: Continuous(1, "identity").check(np.ones((3, 2))),
        "y has 2 output(s) but the model has 1; refit with warm_start=False to "
        "change them.",
    ),
    (
        lambda: Continuous(1, "exp").check(np.array([3.0, -0.5, -0.25])),
        "loss='poisson' needs y >= 0 (counts, rates or other non-negative "
        "amounts), but y has negative values down to -0.5. Use "
        "loss='squared_error' for targets that can be negative.",
    ),
    (
        lambda: read_values(np.array(["a", "b"]), "squared_error", None),
        "A regressor needs numeric y; y has dtype <U1. Encode the values as "
        "numbers, or use FromScratchMLPClassifier for labels.",
    ),
    (
        lambda: read_values(np.ones((4, 2)), "poisson", Continuous(1, "identity")),
        "y has 2 outputs and loss='poisson' an exp output, but the fitted model has "
        "1 and an identity output; refit with warm_start=False to change them.",
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


@pytest.mark.parametrize(
    "y, loss, n_outputs, link",
    [
        (np.array([0.5, -1.0]), "squared_error", 1, "identity"),
        (np.array([1, 3], dtype=np.int8), "poisson", 1, "exp"),
        (np.array([1, 3], dtype=np.uint16), "squared_error", 1, "identity"),
        (np.array([True, False]), "poisson", 1, "exp"),
        (np.ones((2, 3), dtype=np.float32), "poisson", 3, "exp"),
        (np.ones((2, 1)), "squared_error", 1, "identity"),
    ],
)
def test_values_of_numbers_are_continuous(y, loss, n_outputs, link):
    target = values_of(y, loss)
    assert type(target) is Continuous
    assert (target.n_outputs, target.out_activation) == (n_outputs, link)


@pytest.mark.parametrize(
    "y",
    [
        np.array(["1.5", "2"]),
        np.array([1.5, "a"], dtype=object),
        np.array([1.5, 2.0], dtype=object),
        np.array([1 + 1j, 2]),
    ],
    ids=["str", "mixed-object", "float-object", "complex"],
)
def test_a_regressor_refuses_values_that_are_not_numbers(y):
    with pytest.raises(ValueError, match="A regressor needs numeric y; y has dtype"):
        read_values(y, "squared_error", None)


def test_read_values_of_a_new_model_is_the_kind_of_y():
    target = read_values(np.ones((4, 2)), "poisson", None)
    assert target.same_as(Continuous(2, "exp"))


@pytest.mark.parametrize(
    "loss, link", [("squared_error", "identity"), ("poisson", "exp")]
)
def test_read_values_continues_the_fitted_target(loss, link):
    fitted = Continuous(2, link)
    assert read_values(np.ones((4, 2)), loss, fitted) is fitted


@pytest.mark.parametrize("fitted", [None, Continuous(1, "exp")], ids=["new", "fitted"])
def test_read_values_checks_y(fitted):
    with pytest.raises(ValueError, match="loss='poisson' needs y >= 0"):
        read_values(np.array([1.0, -2.0]), "poisson", fitted)


@pytest.mark.parametrize(
    "y, loss, fitted",
    [
        (np.ones((4, 2)), "squared_error", Continuous(1, "identity")),
        (np.ones(4), "poisson", Continuous(1, "identity")),
        (np.ones(4), "squared_error", Continuous(1, "exp")),
    ],
    ids=["outputs", "identity-to-exp", "exp-to-identity"],
)
def test_read_values_refuses_a_y_or_loss_the_fitted_model_cannot_continue(
    y, loss, fitted
):
    with pytest.raises(ValueError, match="refit with warm_start=False to change them"):
        read_values(y, loss, fitted)


@pytest.mark.parametrize(
    "y, kind, classes",
    [
        (np.array([2, 2]), SingleClass, [2]),
        (np.array(["b", "a"]), Binary, ["a", "b"]),
        (np.array([2, 0, 1]), Multiclass, [0, 1, 2]),
        (np.eye(3, dtype=int), Multilabel, [0, 1, 2]),
    ],
)
def test_read_labels_of_a_new_fit_is_the_kind_of_y(y, kind, classes):
    target = read_labels(y, None, None, incremental=False)
    assert type(target) is kind
    assert_array_equal(target.classes, classes)


def test_read_labels_of_a_first_partial_fit_takes_the_classes_given():
    target = read_labels(np.array([1, 1]), [2, 0, 1], None, incremental=True)
    assert type(target) is Multiclass
    assert_array_equal(target.classes, [0, 1, 2])


@pytest.mark.parametrize(
    "y, classes, incremental",
    [
        (np.array([1, 1]), None, True),  # partial_fit may see some of the classes
        (np.array([1, 1]), [2, 1, 0], True),  # the same classes, in any order
        (np.array([2, 0, 1, 1]), None, False),  # a warm-started fit sees them all
    ],
    ids=["partial_fit", "partial_fit-classes", "warm-fit"],
)
def test_read_labels_continues_the_fitted_target(y, classes, incremental):
    fitted = Multiclass(np.arange(3))
    assert read_labels(y, classes, fitted, incremental=incremental) is fitted


def test_read_labels_of_a_warm_fit_needs_every_class():
    """Only partial_fit may see some of the classes: a fit sees them all."""
    with pytest.raises(
        ValueError,
        match=r"classes array\(\[0, 1\]\) differ from the classes_ of the fitted "
        r"model, array\(\[0, 1, 2\]\); refit with warm_start=False",
    ):
        read_labels(
            np.array([0, 1, 1]), None, Multiclass(np.arange(3)), incremental=False
        )
