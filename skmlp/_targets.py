"""Targets: how each kind is encoded for training, decoded from the logits,
and weighted by class.

The kinds: "single" (one class), "binary" (two classes, one logistic output),
"multiclass" (softmax over the classes) and "multilabel" (an indicator matrix,
one logistic output per label).
"""

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from ._activations import ACTIVATIONS, LOG_ACTIVATIONS


def _one_hot(class_idx, n_classes, dtype):
    Y = np.zeros((class_idx.shape[0], n_classes), dtype=dtype)
    Y[np.arange(class_idx.shape[0]), class_idx] = 1
    return Y


ENCODE = {
    "single": lambda idx, n, dtype: np.ones((idx.shape[0], 1), dtype=dtype),
    "binary": lambda idx, n, dtype: (idx == 1).astype(dtype)[:, np.newaxis],
    "multiclass": _one_hot,
}

PREDICT_INDEX = {
    "single": lambda Z: np.zeros(Z.shape[0], dtype=np.intp),
    "binary": lambda Z: (Z[:, 0] > 0).astype(np.intp),
    "multiclass": lambda Z: Z.argmax(axis=1),
}


def _binary_columns(Z, function):
    """``[f(-z), f(z)]``: the two classes of a single logistic output."""
    return np.hstack([function(-Z), function(Z)])


def _exp(function):
    """``Z -> exp(function(Z))``."""

    def exp_of(Z):
        values = function(Z)
        return np.exp(values, out=values)

    return exp_of


LOG_PROBA = {
    "single": np.zeros_like,
    "binary": lambda Z: _binary_columns(Z, LOG_ACTIVATIONS["logistic"]),
    "multiclass": LOG_ACTIVATIONS["softmax"],
    "multilabel": LOG_ACTIVATIONS["logistic"],
}

# Probabilities: exp of the log-probabilities keeps full relative precision for
# tiny logistic probabilities; softmax is exact as it is.
PROBA = {
    "single": np.ones_like,
    "binary": _exp(LOG_PROBA["binary"]),
    "multiclass": ACTIVATIONS["softmax"],
    "multilabel": _exp(LOG_PROBA["multilabel"]),
}


OUT_ACTIVATION = {
    "single": "logistic",
    "binary": "logistic",
    "multiclass": "softmax",
    "multilabel": "logistic",
}


def target_kind(n_classes):
    """The kind of a target with ``n_classes`` classes (not multilabel)."""
    return {1: "single", 2: "binary"}.get(n_classes, "multiclass")


def class_weight_vector(class_weight, classes, y, codes, sample_weight):
    """The weight of each class: 'balanced' (by total sample weight) or a dict."""
    if isinstance(class_weight, dict):
        weights = compute_class_weight(class_weight, classes=classes, y=y)
        if not (np.isfinite(weights) & (weights >= 0)).all():
            raise ValueError(
                "class_weight values must be finite and non-negative; got "
                f"{dict(zip(classes.tolist(), weights.tolist()))}."
            )
        return weights
    totals = np.bincount(codes, weights=sample_weight, minlength=len(classes))
    if not totals.all():
        raise ValueError(
            "class_weight='balanced' needs every class to have a positive total "
            f"sample weight; classes {classes[totals == 0]!r} have none."
        )
    return totals.sum() / (len(classes) * totals)


def per_label(class_weight, n_labels):
    """``class_weight`` for multilabel targets: 'balanced' or one dict per label."""
    if isinstance(class_weight, str):
        return [class_weight] * n_labels
    if isinstance(class_weight, list) and len(class_weight) == n_labels:
        return class_weight
    raise ValueError(
        "For multilabel targets, class_weight must be 'balanced' or a list of "
        f"{n_labels} dicts, one per label, like {{0: 1, 1: 5}}; got {class_weight!r}."
    )


def weighted(sample_weight, class_weights, y, dtype):
    """``sample_weight`` times the class weights ``class_weights(y)``, as ``dtype``.

    None stays None without class weights; the product must not sum to zero.
    """
    if class_weights is None:
        return sample_weight
    with np.errstate(over="ignore"):  # overflow is reported below
        weights = class_weights(y).astype(dtype)
        if sample_weight is not None:
            weights *= sample_weight
        total = weights.sum(dtype=np.float64)
    if not np.isfinite(weights).all() or not np.isfinite(total):
        raise ValueError(
            "The sample weights times the class weights overflow "
            f"{np.dtype(dtype)}: rescale class_weight or sample_weight."
        )
    if not total > 0:
        raise ValueError(
            "The sample weights times the class weights sum to zero: give some "
            "class present in y a positive weight."
        )
    return weights
