"""Targets: one object per kind, which checks, encodes, decodes and weighs it.

The kinds, chosen by :func:`target_of`:

- :class:`SingleClass`: one class; one logistic output that training drives
  towards 1, and every prediction is that class;
- :class:`Binary`: two classes, one logistic output for the second;
- :class:`Multiclass`: three or more classes, a softmax over them;
- :class:`Multilabel`: a 0/1 indicator matrix, one logistic output per label.

Each holds its ``classes`` (``arange(n_labels)`` for multilabel targets) and
checks any later ``y``, ``y_val`` or ``classes`` against them.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._activations import log_logistic, log_softmax, softmax


def _exp(values):
    """``exp`` in place: probabilities from log-probabilities, with full relative
    precision for tiny logistic probabilities."""
    return np.exp(values, out=values)


def _checked_class_weights(weights, classes):
    if not (np.isfinite(weights) & (weights >= 0)).all():
        raise ValueError(
            "class_weight values must be finite and non-negative; got "
            f"{dict(zip(classes.tolist(), weights.tolist()))}."
        )
    return weights


def _class_weights_of(class_weight, classes, codes, sample_weight):
    """The weight of each class: 'balanced' (by total sample weight) or a dict.

    'balanced' weighs class ``c`` by ``W / (n_classes W_c)``, with ``W_c`` the
    total sample weight of class ``c`` (its count without sample weights), so
    that integer sample weights act like repeated samples.
    """
    if isinstance(class_weight, dict):
        weights = compute_class_weight(class_weight, classes=classes, y=classes[codes])
        return _checked_class_weights(weights, classes)
    totals = np.bincount(codes, weights=sample_weight, minlength=len(classes))
    if not totals.all():
        raise ValueError(
            "class_weight='balanced' needs every class to have a positive total "
            f"sample weight; classes {classes[totals == 0]!r} have none."
        )
    return totals.sum() / (len(classes) * totals)


class _Labels:
    """A target of one label per sample, among ``classes`` (sorted)."""

    multilabel = False

    def __init__(self, classes):
        self.classes = classes

    def check(self, y, name="y"):
        """Raise unless ``y`` is a target of this kind with known labels."""
        if _is_multilabel(y, name):
            raise ValueError(
                f"{name} is a multilabel-indicator target but the model's target "
                f"is a {self.kind} one."
            )
        unknown = np.setdiff1d(np.unique(y), self.classes)
        if unknown.size and name == "y":
            raise ValueError(
                f"y has labels {unknown!r} that are not in classes_ "
                f"{self.classes!r}; pass every class in `classes` on the first call "
                "to partial_fit, or refit with warm_start=False."
            )
        if unknown.size:
            raise ValueError(
                f"{name} has labels {unknown!r}, which are not among the classes of "
                f"y, {self.classes!r}."
            )

    def codes(self, y):
        """The index of each label of ``y`` in ``classes``."""
        return np.searchsorted(self.classes, y)

    def class_weights(self, class_weight, y, sample_weight):
        """The weight of each class, as an array of shape (n_classes,), or None.

        Parameters
        ----------
        class_weight : dict, 'balanced' or None
            The estimator's parameter.
        y : ndarray of shape (n_samples,)
            The training labels ('balanced' needs every class among them).
        sample_weight : ndarray of shape (n_samples,) or None
            The sample weights 'balanced' counts the classes by.
        """
        if class_weight is None:
            return None
        if isinstance(class_weight, list):
            raise ValueError(
                "class_weight must be None, 'balanced' or a dict {class: weight} "
                "for single-label targets; a list is for multilabel."
            )
        if isinstance(class_weight, str) and np.unique(y).size < len(self.classes):
            raise ValueError(
                "class_weight='balanced' needs every class in y, but y lacks "
                f"{np.setdiff1d(self.classes, y)!r}. With partial_fit, compute the "
                "weights once on all the data: class_weight=dict(zip(classes, "
                "compute_class_weight('balanced', classes=classes, y=y_all)))."
            )
        return _class_weights_of(
            class_weight, self.classes, self.codes(y), sample_weight
        )

    def per_sample(self, class_weights, y):
        """The class weight of each sample of ``y``."""
        return class_weights[self.codes(y)]


class SingleClass(_Labels):
    """One class: the network learns a constant, and predicts that class."""

    kind = "single-class"
    out_activation = "logistic"

    def encode(self, y, dtype):
        """One output, always 1."""
        return np.ones((len(y), 1), dtype=dtype)

    def decode(self, Z):
        """The class, for every row of the logits ``Z``."""
        return np.repeat(self.classes, Z.shape[0])

    def log_proba(self, Z):
        """``log 1 = 0`` for the one class."""
        return np.zeros_like(Z)

    def proba(self, Z):
        """Probability 1 for the one class."""
        return np.ones_like(Z)


class Binary(_Labels):
    """Two classes: one logistic output ``p = sigmoid(z)`` for the second."""

    kind = "binary"
    out_activation = "logistic"

    def encode(self, y, dtype):
        """``[[y_i == classes[1]]]``, of shape (n_samples, 1)."""
        return (y == self.classes[1]).astype(dtype)[:, np.newaxis]

    def decode(self, Z):
        """The second class where ``z > 0``, the first elsewhere."""
        return self.classes[(Z[:, 0] > 0).astype(np.intp)]

    def log_proba(self, Z):
        """``[log sigmoid(-z), log sigmoid(z)]``: finite for any finite ``z``."""
        return np.hstack([log_logistic(-Z), log_logistic(Z.copy())])

    def proba(self, Z):
        """``[1 - p, p]``, each computed as the exp of its log."""
        return _exp(self.log_proba(Z))


class Multiclass(_Labels):
    """Three classes or more: a softmax output over them."""

    kind = "multiclass"
    out_activation = "softmax"

    def encode(self, y, dtype):
        """One-hot rows, of shape (n_samples, n_classes)."""
        Y = np.zeros((len(y), len(self.classes)), dtype=dtype)
        Y[np.arange(len(y)), self.codes(y)] = 1
        return Y

    def decode(self, Z):
        """The class of the largest logit."""
        return self.classes[Z.argmax(axis=1)]

    def log_proba(self, Z):
        """``log softmax(z)``."""
        return log_softmax(Z)

    def proba(self, Z):
        """``softmax(z)``."""
        return softmax(Z)


class Multilabel:
    """A 0/1 indicator matrix: one logistic output per label."""

    kind = "multilabel-indicator"
    multilabel = True
    out_activation = "logistic"

    def __init__(self, n_labels):
        self.classes = np.arange(n_labels)

    def check(self, Y, name="y"):
        """Raise unless ``Y`` is a 0/1 indicator matrix of as many labels."""
        if not _is_multilabel(Y, name):
            raise ValueError(
                f"{name} is a {type_of_target(Y)} target but the model's target is "
                "a multilabel-indicator one."
            )
        if Y.shape[1] != len(self.classes):
            raise ValueError(
                f"{name} has {Y.shape[1]} labels but the model has "
                f"{len(self.classes)}; refit with warm_start=False to change them."
            )

    def encode(self, Y, dtype):
        """The indicator matrix itself, as ``dtype``."""
        return Y.astype(dtype)

    def decode(self, Z):
        """1 where ``z > 0``."""
        return (Z > 0).astype(int)

    def log_proba(self, Z):
        """``log sigmoid(z)`` of each label."""
        return log_logistic(Z)

    def proba(self, Z):
        """``sigmoid(z)`` of each label, as the exp of its log."""
        return _exp(log_logistic(Z))

    def class_weights(self, class_weight, Y, sample_weight):
        """The weights of the classes 0 and 1 of each label, or None.

        Returns an array of shape (n_labels, 2): each label is a binary output
        with its own class weights (``class_weight`` one dict per label, or
        'balanced'); a sample's weight is their product over its labels, as
        in :func:`sklearn.utils.class_weight.compute_sample_weight`.
        """
        if class_weight is None:
            return None
        n_labels = len(self.classes)
        if isinstance(class_weight, str):
            class_weight = [class_weight] * n_labels
        elif not (isinstance(class_weight, list) and len(class_weight) == n_labels):
            raise ValueError(
                "For multilabel targets, class_weight must be 'balanced' or a list "
                f"of {n_labels} dicts, one per label, like {{0: 1, 1: 5}}; got "
                f"{class_weight!r}."
            )
        binary = np.array([0, 1])
        return np.array(
            [
                _class_weights_of(weights, binary, column, sample_weight)
                for weights, column in zip(class_weight, Y.T.astype(np.intp))
            ]
        )

    def per_sample(self, class_weights, Y):
        """The product over its labels of each sample's class weights."""
        labels = np.arange(len(self.classes))
        return class_weights[labels, Y.astype(np.intp)].prod(axis=1)


def _is_multilabel(y, name):
    """Whether ``y`` is a 0/1 indicator matrix; raise for targets we cannot learn."""
    check_classification_targets(y)
    y_type = type_of_target(y, input_name=name)
    if y_type == "multiclass-multioutput":
        raise ValueError(
            f"Multiclass-multioutput targets are not supported: pass one label per "
            f"sample in {name}, or a 0/1 label-indicator matrix for multilabel "
            "targets."
        )
    if y_type != "multilabel-indicator":
        return False
    values = np.unique(y)
    if np.setdiff1d(values, [0, 1]).size:
        raise ValueError(
            f"A multilabel target must be a 0/1 indicator matrix; {name} has the "
            f"values {values!r}."
        )
    return True


def dense_target(y):
    """``y`` as an array: a sparse label-indicator matrix becomes dense."""
    return y.toarray() if sp.issparse(y) else y


def target_of(y, classes=None):
    """The target kind of the labels ``y`` among ``classes`` (default: y's own).

    Raises a ValueError for targets a classifier cannot learn; whether ``y``'s
    labels are among ``classes`` is for the target's :meth:`check` to say.
    """
    if _is_multilabel(y, "y"):
        return Multilabel(y.shape[1])
    if classes is None:
        classes = np.unique(y)
    else:
        classes = np.asarray(classes)
        if classes.dtype.kind == "f" and not np.isfinite(classes).all():
            raise ValueError(f"classes must not contain NaN or infinity: {classes}")
        classes = np.unique(classes)
    kinds = {1: SingleClass, 2: Binary}
    return kinds.get(len(classes), Multiclass)(classes)


def same_target(a, b):
    """Whether two targets are of the same kind with the same classes."""
    return type(a) is type(b) and np.array_equal(a.classes, b.classes)
