"""Targets: one object per kind, which checks, encodes, decodes and weighs it.

The kinds of a classifier, chosen by :func:`target_of`:

- :class:`SingleClass`: one class; one logistic output that training drives
  towards 1, and every prediction is that class;
- :class:`Binary`: two classes, one logistic output for the second;
- :class:`Multiclass`: three or more classes, a softmax over them;
- :class:`Multilabel`: a 0/1 indicator matrix, one logistic output per label.

Each holds its ``classes`` (``arange(n_labels)`` for multilabel targets) and
checks any later ``y``, ``y_val`` or ``classes`` against them. A regressor's
kind, chosen by :func:`values_of`, is :class:`Continuous`: real values, one
column per output, through an identity output or the exp of a log link.

The estimators' shared training code knows a kind only through this protocol:
``out_activation``; ``check(y, name)``, which raises unless ``y`` fits the
kind; ``encode(y, dtype)``, the targets of the network's outputs, and
``decode(Z)``, the predictions of its logits; ``strata(y)``, what an
early-stopping split is stratified by (or None); ``same_as(other)``; and
``per_sample(class_weights, y)``, for the kinds that have class weights.
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

    def __init__(self, classes):
        self.classes = classes

    def same_as(self, other):
        """Whether ``other`` is of the same kind, with the same classes."""
        return type(other) is type(self) and np.array_equal(other.classes, self.classes)

    def strata(self, y):
        """The labels themselves: an early-stopping split keeps their shares."""
        return y

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
    out_activation = "logistic"

    def __init__(self, n_labels):
        self.classes = np.arange(n_labels)

    def same_as(self, other):
        """Whether ``other`` is an indicator matrix of as many labels."""
        return type(other) is Multilabel and len(other.classes) == len(self.classes)

    def strata(self, Y):
        """None: a split of rows of several labels is not stratified."""
        return None

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
    # type_of_target casts float labels to int to see whether they are whole:
    # one beyond the int range is not, and its cast warns
    with np.errstate(invalid="ignore"):
        try:
            check_classification_targets(y)
        except ValueError as exc:  # "Unknown label type: ...", which names no y
            raise ValueError(f"{name}: {exc}") from exc
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


def _checked_classes(classes):
    """``partial_fit``'s classes, sorted; an error naming them if they are not
    a vector of finite labels of one sortable type."""
    try:
        classes = np.asarray(classes)
    except ValueError as exc:  # a ragged nesting
        raise ValueError(f"classes must be a vector of labels: {exc}") from exc
    if classes.ndim != 1 or not classes.size:
        raise ValueError(
            "classes must be an array-like of shape (n_classes,), e.g. "
            f"np.unique(y_all); got {classes!r:.80}."
        )
    if classes.dtype.kind == "f" and not np.isfinite(classes).all():
        raise ValueError(f"classes must not contain NaN or infinity: {classes}")
    try:
        return np.unique(classes)
    except TypeError as exc:
        raise TypeError(
            f"classes must be labels of one type that can be sorted, like those of "
            f"y; got {classes!r:.80}."
        ) from exc


def target_of(y, classes=None):
    """The target kind of the labels ``y`` among ``classes`` (default: y's own).

    Raises a ValueError for targets a classifier cannot learn; whether ``y``'s
    labels are among ``classes`` is for the target's :meth:`check` to say.
    """
    if _is_multilabel(y, "y"):
        return Multilabel(y.shape[1])
    classes = np.unique(y) if classes is None else _checked_classes(classes)
    kinds = {1: SingleClass, 2: Binary}
    return kinds.get(len(classes), Multiclass)(classes)


def read_labels(y, classes, fitted_target, *, incremental):
    """The target kind of a classifier's training call: new, or the fitted one.

    Parameters
    ----------
    y : ndarray
        The validated labels (or indicator matrix) of the call.
    classes : array-like or None
        ``partial_fit``'s classes.
    fitted_target : target kind or None
        The kind of the model the call continues, or None for a new model.
    incremental : bool
        Whether the call is ``partial_fit``, whose ``y`` may hold only some of
        the classes.

    ``y``'s labels are checked against the classes only where they may differ:
    ``classes`` given, or a ``partial_fit`` that may see some of them; a
    target drawn from ``y`` alone holds them by construction.
    """
    target = fitted_target
    if fitted_target is None:
        if incremental and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit; "
                "e.g. classes=np.unique(y_all)."
            )
        target = target_of(y, classes)
    elif classes is not None or not incremental:
        # partial_fit may see some of the classes; a warm-started fit needs all
        given = target_of(y, classes)
        if not given.same_as(fitted_target):
            source = "y's classes" if classes is None else "classes"
            raise ValueError(
                f"{source} {given.classes!r} differ from the classes_ of the fitted "
                f"model, {fitted_target.classes!r}; refit with warm_start=False to "
                "change them."
            )
    if classes is not None or incremental:
        target.check(y)
    return target


# The output activation of each regression loss: its inverse link.
LINKS = {"squared_error": "identity", "poisson": "exp"}


class Continuous:
    """Real values, one column per output, predicted through an output link.

    The ``identity`` output predicts the logits themselves (squared error);
    ``exp`` predicts ``exp(z)``, the inverse of a log link (Poisson), and
    needs targets ``y >= 0``.

    Parameters
    ----------
    n_outputs : int
        The number of columns of ``y`` (1 for a vector).
    out_activation : {"identity", "exp"}
    """

    kind = "continuous"

    def __init__(self, n_outputs, out_activation):
        self.n_outputs = n_outputs
        self.out_activation = out_activation

    def same_as(self, other):
        """Whether ``other`` has as many outputs and the same link."""
        return (
            type(other) is Continuous
            and other.n_outputs == self.n_outputs
            and other.out_activation == self.out_activation
        )

    def check(self, y, name="y"):
        """Raise unless ``y`` is numeric with the outputs of this kind, and for
        the exp output has no negative value."""
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"A regressor needs numeric {name}; {name} has dtype {y.dtype}. "
                "Encode the values as numbers, or use FromScratchMLPClassifier for "
                "labels."
            )
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs:
            raise ValueError(
                f"{name} has {n_outputs} output(s) but the model has "
                f"{self.n_outputs}; refit with warm_start=False to change them."
            )
        if self.out_activation == "exp" and y.size and y.min() < 0:
            raise ValueError(
                f"loss='poisson' needs {name} >= 0 (counts, rates or other "
                f"non-negative amounts), but {name} has negative values down to "
                f"{y.min():.6g}. Use loss='squared_error' for targets that can be "
                "negative."
            )

    def encode(self, y, dtype):
        """``y`` as a matrix of shape (n_samples, n_outputs), of ``dtype``."""
        return y.reshape(len(y), -1).astype(dtype)

    def decode(self, Z):
        """The predictions: ``Z`` through the link (``Z`` itself is left as it
        is); a vector for one output."""
        if self.out_activation == "exp":
            Z = np.exp(Z)
        return Z[:, 0] if self.n_outputs == 1 else Z

    def strata(self, y):
        """None: real values are split at random."""
        return None


def values_of(y, loss):
    """The target kind of a regressor's ``y`` under ``loss`` (not checked)."""
    return Continuous(1 if y.ndim == 1 else y.shape[1], LINKS[loss])


def read_values(y, loss, fitted_target):
    """The target kind of a regressor's training call: new, or the fitted one.

    A model continues only with as many outputs and the link of its loss.
    """
    target = values_of(y, loss)
    target.check(y)
    if fitted_target is not None:
        if not target.same_as(fitted_target):
            raise ValueError(
                f"y has {target.n_outputs} outputs and loss={loss!r} an "
                f"{target.out_activation} output, but the fitted model has "
                f"{fitted_target.n_outputs} and an {fitted_target.out_activation} "
                "output; refit with warm_start=False to change them."
            )
        target = fitted_target
    return target
