"""Every check of a training call's inputs, made before anything changes.

:func:`validate_training_call` checks the data, the targets, the weights, the
validation set, the classes and the hyper-parameters that only the data can
judge, and returns them as one :class:`TrainingInputs`. The weight checks live
in :func:`check_weights`, for ``sample_weight`` and ``sample_weight_val`` alike.
"""

import contextlib
import math
import os
import re
import sys
import warnings
from numbers import Integral, Number
from typing import NamedTuple

import numpy as np
import sklearn
from sklearn.base import is_regressor
from sklearn.model_selection import train_test_split
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    check_array,
    check_consistent_length,
    validate_data,
)

from ._activations import outputs_are_finite
from ._kernels import NUMPY_KERNELS
from ._losses import LOSS_FUNCTIONS
from ._network import NonFiniteInputError, forward
from ._targets import dense_target

# Early stopping needs at least this many validation samples to be meaningful.
MIN_VALIDATION_SAMPLES = 10


class Samples(NamedTuple):
    """Training or validation samples, ready for the network."""

    X: object
    """{ndarray, sparse matrix} of shape (n_samples, n_features)"""
    y: np.ndarray
    """The labels (or indicator matrix) as given."""
    Y: np.ndarray
    """The encoded targets, of shape (n_samples, n_outputs)."""
    sample_weight: np.ndarray | None
    """The sample weights times the class weights, or None."""


class TrainingInputs(NamedTuple):
    """What :func:`validate_training_call` hands to the estimator."""

    train: Samples
    validation: Samples | None
    """The given validation set (``X_val``, ``y_val``, ...), or None."""
    target: object
    """The target kind (see :mod:`skmlp._targets`)."""
    hidden_layer_sizes: list


def validate_training_call(
    estimator,
    X,
    y,
    sample_weight,
    *,
    read_target,
    validation_set,
    new_model,
):
    """Check everything a call to ``fit`` or ``partial_fit`` gets.

    Parameters
    ----------
    estimator : BaseMultilayerPerceptron
        The estimator, for its hyper-parameters; ``validate_data`` records the
        number and names of the features on it for a new model.
    X, y, sample_weight
        The training data, as passed.
    read_target : callable
        ``read_target(y, sample_weight)`` returns the target kind of the
        validated ``y`` (see :mod:`skmlp._targets`) and the weight of each
        class (or None), raising for a ``y`` the model cannot learn.
    validation_set : tuple
        ``(X_val, y_val, sample_weight_val)`` as passed to ``fit``.
    new_model : bool
        Whether the call trains a new model, rather than continue the fitted
        one (warm start or ``partial_fit``).

    Returns
    -------
    TrainingInputs
    """
    sizes = check_hidden_layer_sizes(estimator, new_model=new_model)
    if estimator.dropout and estimator.solver == "lbfgs":
        raise ValueError(
            "dropout needs a stochastic solver: use solver='sgd' or 'adam', "
            "or dropout=0 with solver='lbfgs'."
        )
    dtype = (np.float64, np.float32) if new_model else estimator.coefs_[0].dtype
    X, y = _validate_X_y(estimator, X, y, dtype, reset=new_model, suffix="")
    sample_weight = _sample_weight(sample_weight, X, "sample_weight")
    target, class_weights = read_target(y, sample_weight)
    train = _samples(X, y, sample_weight, target, class_weights, "")
    validation = _check_validation_set(
        estimator,
        *validation_set,
        target=target,
        class_weights=class_weights,
        dtype=X.dtype,
    )
    return TrainingInputs(train, validation, target, sizes)


def _sample_weight(sample_weight, X, name):
    """``sample_weight`` checked as float64 (so no cast overflows), or None."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, Number):  # scikit-learn would broadcast it
        raise ValueError(
            f"{name} must be an array-like of shape (n_samples,) or None; got "
            f"the number {sample_weight!r}."
        )
    with _naming(name):
        return _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )


@contextlib.contextmanager
def _naming(name):
    """Name the argument in what its checks raise: scikit-learn's validation
    often does not ("Expected 2D array, got scalar array instead")."""
    try:
        yield
    except (TypeError, ValueError) as exc:
        if re.search(rf"\b{re.escape(name)}\b", str(exc)):
            raise
        error = TypeError if isinstance(exc, TypeError) else ValueError
        raise error(f"{name}: {exc}") from exc


def _samples(X, y, sample_weight, target, class_weights, suffix):
    """:class:`Samples` of ``X`` and ``y{suffix}``, the targets encoded, the
    weights checked (see :func:`check_weights`)."""
    weights = check_weights(
        sample_weight,
        None if class_weights is None else target.per_sample(class_weights, y),
        X.dtype,
        f"sample_weight{suffix}",
    )
    with np.errstate(over="ignore"):  # a value beyond the dtype is named below
        Y = target.encode(y, X.dtype)
    # Squares of the targets (a squared error, y log y) must not overflow.
    limit = math.sqrt(float(np.finfo(X.dtype).max))
    largest = float(np.abs(Y).max(initial=0.0))
    if not largest < limit:
        raise ValueError(
            f"y{suffix} has values as large as {np.abs(y).max():.3g}, too large "
            f"to train with in {X.dtype}; rescale it, e.g. with "
            "sklearn.compose.TransformedTargetRegressor and a StandardScaler."
        )
    return Samples(X, y, Y, weights)


def check_weights(sample_weight, class_weight, dtype, name):
    """The weights to train with: ``sample_weight`` times ``class_weight``.

    Both are float64 (or None). The product must be finite with a positive
    sum, and its mean positive value within the square roots of ``dtype``'s
    range, so that sums, reciprocals and products with the losses stay finite
    and normal in ``dtype``.

    Returns
    -------
    ndarray of ``dtype`` or None
        None when both are None.
    """
    weights = sample_weight
    if class_weight is not None:
        with np.errstate(over="ignore"):  # overflow is reported below
            weights = class_weight if weights is None else weights * class_weight
    if weights is None:
        return None
    with np.errstate(over="ignore"):
        total = weights.sum()
    if not np.isfinite(total):
        raise ValueError(
            f"The {name} times the class weights overflow: rescale class_weight "
            f"or {name}."
        )
    if not total > 0:
        raise ValueError(
            f"The {name} times the class weights sum to zero: give some class "
            "present in y a positive weight."
        )
    info = np.finfo(dtype)
    mean = float(np.mean(weights[weights > 0]))
    if not math.sqrt(info.tiny) <= mean <= math.sqrt(info.max):
        raise ValueError(
            f"{name} (times class_weight) has a mean positive value of {mean:.3g}, "
            f"too {'small' if mean < 1 else 'large'} to train with in "
            f"{np.dtype(dtype)}; rescale it, e.g. divide it by its mean."
        )
    return weights.astype(dtype)


def _validate_X_y(estimator, X, y, dtype, *, reset, suffix):
    """``X{suffix}`` and ``y{suffix}`` validated, each error naming which;
    a single column of y becomes 1-d."""
    x_name, y_name = f"X{suffix}", f"y{suffix}"
    with np.errstate(over="ignore", invalid="ignore"), _naming(x_name):
        # NaN and infinity are reported
        X = validate_data(estimator, X, accept_sparse="csr", dtype=dtype, reset=reset)
    if y is None:
        raise ValueError(
            f"This {type(estimator).__name__} estimator requires {y_name} to be "
            f"passed, but the target {y_name} is None."
        )
    with _naming(y_name):
        y = check_array(
            y,
            accept_sparse="csr",
            ensure_2d=False,
            dtype=None,
            input_name=y_name,
            estimator=estimator,
        )
        if is_regressor(estimator) and y.dtype.kind == "O":
            y = y.astype(np.float64)
    with _naming(f"{x_name} and {y_name}"):
        check_consistent_length(X, y)
    y = dense_target(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return X, y


def check_hidden_layer_sizes(estimator, *, new_model):
    """``hidden_layer_sizes`` as a list of ints, the fitted ones when continuing."""
    sizes = np.atleast_1d(np.asarray(estimator.hidden_layer_sizes, dtype=object))
    if sizes.ndim != 1 or not all(
        isinstance(size, Integral) and not isinstance(size, bool) and size > 0
        for size in sizes
    ):
        raise InvalidParameterError(
            f"The 'hidden_layer_sizes' parameter of {type(estimator).__name__} must "
            "be a positive int or a sequence of positive ints. Got "
            f"{estimator.hidden_layer_sizes!r} instead."
        )
    sizes = [int(size) for size in sizes]
    fitted = None if new_model else [W.shape[1] for W in estimator.coefs_[:-1]]
    if fitted is not None and sizes != fitted:
        raise ValueError(
            f"hidden_layer_sizes={estimator.hidden_layer_sizes!r} differs from the "
            f"fitted network's {fitted}; set warm_start=False (or call fit) to "
            "train a new network."
        )
    return sizes


def _check_validation_set(
    estimator, X_val, y_val, sample_weight_val, *, target, class_weights, dtype
):
    """The given validation set as :class:`Samples`, or None when there is none.

    The validation samples get the class weights of the training targets.
    """
    if X_val is None and y_val is None:
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val must be given together.")
    if not estimator.early_stopping or estimator.solver == "lbfgs":
        raise ValueError(
            "X_val and y_val are used for early stopping only: set "
            "early_stopping=True with solver='sgd' or 'adam'."
        )
    X_val, y_val = _validate_X_y(
        estimator, X_val, y_val, dtype, reset=False, suffix="_val"
    )
    target.check(y_val, "y_val")
    return _samples(
        X_val,
        y_val,
        _sample_weight(sample_weight_val, X_val, "sample_weight_val"),
        target,
        class_weights,
        "_val",
    )


def split_for_early_stopping(train, fraction, target, random_state):
    """Hold out ``fraction`` of the samples for scoring, stratified by the
    target's strata (the classes of single-label targets).

    Returns
    -------
    (Samples, Samples) or None
        The training and validation parts; None (with a warning) when the data
        is too small to score on.
    """
    n_samples = train.X.shape[0]
    n_val = math.ceil(fraction * n_samples)
    stratify = target.strata(train.y)
    if stratify is None:
        class_counts = np.array([n_samples])
    else:
        class_counts = np.unique(stratify, return_counts=True)[1]
    n_classes = class_counts.size
    if (
        n_val < max(MIN_VALIDATION_SAMPLES, n_classes)
        or n_samples - n_val < n_classes
        or class_counts.min() < 2
    ):
        warn_caller(
            f"early_stopping=True, but a validation_fraction of {fraction} of "
            f"{n_samples} samples is too small to score on (at least "
            f"{MIN_VALIDATION_SAMPLES} samples, and two per class for a "
            "classifier, are needed); training without early stopping. Use more "
            "data or a larger validation_fraction.",
            UserWarning,
        )
        return None
    arrays = [array for array in train if array is not None]
    parts = train_test_split(
        *arrays, test_size=n_val, random_state=random_state, stratify=stratify
    )
    if train.sample_weight is None:
        parts += [None, None]
    fit_part, val_part = Samples(*parts[0::2]), Samples(*parts[1::2])
    for part, name in [(fit_part, "training"), (val_part, "validation")]:
        if part.sample_weight is not None and not part.sample_weight.sum() > 0:
            raise ValueError(
                f"The {name} part of the early-stopping split has no sample weight: "
                "pass a validation set (X_val, y_val), change random_state or "
                "validation_fraction, or give more samples a positive weight."
            )
    return fit_part, val_part


def checked_logits(X, coefs, intercepts, activation, out_activation, name="X"):
    """The network's logits on ``X``, or a ValueError saying ``X`` is too large.

    NaN and infinity are detected in the first layer's outputs, a pass over
    ``n_hidden`` instead of ``n_features`` columns; only then is ``X`` scanned,
    to say what is wrong. Logits are too large when they, or the outputs of an
    exp output, are not finite. Prediction runs the NumPy kernels: a model
    loaded in a fresh process answers its first request without loading a
    compiler.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            Z = forward(
                X,
                coefs,
                intercepts,
                activation,
                kernels=NUMPY_KERNELS,
                check_finite=True,
            )[-1]
            finite = outputs_are_finite(Z, out_activation)
        except NonFiniteInputError:
            finite = False
        if not finite:
            assert_all_finite(X, input_name=name)
    if not finite:
        raise ValueError(
            f"{name} is too large for this network: its "
            f"{'predictions' if out_activation == 'exp' else 'activations'} "
            f"overflow {X.dtype}. Scale the features, e.g. with "
            "sklearn.preprocessing.StandardScaler."
        )
    return Z


def mean_loss(Z, samples, loss, out_activation):
    """The mean ``loss`` of the logits ``Z`` (overwritten) on ``samples``,
    without the L2 penalty; infinite where it overflows."""
    weights = samples.sample_weight
    with np.errstate(over="ignore", invalid="ignore"):
        total = LOSS_FUNCTIONS[loss, out_activation](Z, samples.Y, weights)
    return total / (Z.shape[0] if weights is None else float(weights.sum()))


def warn_caller(message, category):
    """Warn, pointing at the first caller outside skmlp and scikit-learn.

    That is the user's code however deep the call came from (a method, a
    Pipeline, a search), without counting frames by hand.
    """
    frame, stacklevel = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, category, stacklevel=stacklevel)


_LIBRARY_DIRS = tuple(
    os.path.dirname(path) + os.sep for path in (sklearn.__file__, __file__)
)
