"""FromScratchMLPClassifier: the scikit-learn facade over the NumPy core."""

import copy
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    check_is_fitted,
    validate_data,
)

from . import __version__
from ._callbacks import CallbackSupportMixin, EpochCallbacks, NoCallbacks
from ._initializers import glorot_uniform
from ._losses import LOSS_FUNCTIONS
from ._network import NonFiniteInputError, forward, pack
from ._optimizers import OPTIMIZERS
from ._targets import (
    ENCODE,
    LOG_PROBA,
    OUT_ACTIVATION,
    PREDICT_INDEX,
    PROBA,
    class_weight_vector,
    per_label,
    target_kind,
    weighted,
)
from ._training import DivergenceError, Objective, Plateau, fit_lbfgs, train_epochs


class SkmlpVersionWarning(UserWarning):
    """A model pickled by another version of skmlp is being loaded."""


# Attributes that scikit-learn's callback machinery owns: never copied or undone.
_CALLBACK_STATE = {"_skl_callbacks", "_callback_fit_ctx", "_skl_callbacks_to_teardown"}


def _fitted_state(estimator):
    """A deep copy of everything a training call may change."""
    return {
        name: copy.deepcopy(value)
        for name, value in vars(estimator).items()
        if name not in _CALLBACK_STATE
    }


def _restore(estimator, saved):
    """Put back the attributes of :func:`_fitted_state`, dropping newer ones."""
    for name in set(vars(estimator)) - set(saved) - _CALLBACK_STATE:
        delattr(estimator, name)
    estimator.__dict__.update(saved)


def _check_weight_scale(weights, name):
    """Refuse weights too small or too large for arithmetic in their dtype.

    Sums, reciprocals and products with the losses must stay finite and
    normal, which holds while the mean positive weight is within the square
    roots of the dtype's range.
    """
    info = np.finfo(weights.dtype)
    positive = weights[weights > 0]
    with np.errstate(over="ignore"):  # an overflowing mean is too large anyway
        mean = float(np.mean(positive, dtype=np.float64)) if positive.size else 0.0
    if positive.size and not np.sqrt(info.tiny) <= mean <= np.sqrt(info.max):
        raise ValueError(
            f"{name} has a mean positive value of {mean:.3g}, too "
            f"{'small' if mean < 1 else 'large'} to train with in {weights.dtype}; "
            f"rescale it, e.g. divide it by its mean."
        )


# Early stopping needs at least this many validation samples to be meaningful.
_MIN_VALIDATION_SAMPLES = 10


class FromScratchMLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier trained by our own NumPy backprop.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, defaults, methods and fitted attributes, with these
    differences where scikit-learn's estimator is wrong:

    - ``predict_log_proba`` uses a log-softmax / log-sigmoid of the logits, so it
      is finite even for very confident networks;
    - a single-class ``y`` predicts that class and ``predict_proba`` has exactly
      ``len(classes_)`` columns;
    - with ``early_stopping=True``, data too small to split trains without a
      validation set (with a warning), and ``partial_fit`` trains on the given
      batch (early stopping applies to ``fit``);
    - training that diverges stops at once with a ``ValueError`` and keeps the
      weights of the last finite epoch;
    - a ``partial_fit`` call that fails validation leaves the model unchanged.

    It also has what scikit-learn's users have asked for: ``dropout``, a
    ``'cosine'`` learning-rate schedule for both solvers, a ``'squared_error'``
    loss, the validation loss per epoch, and scikit-learn's callbacks
    (``set_callbacks``, scikit-learn 1.9+) with one task per epoch.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The optimizer: full-batch L-BFGS (scipy.optimize's L-BFGS-B, often the
        better choice for small data sets), mini-batch stochastic gradient
        descent with momentum, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), divided by
        the sum of the sample weights of the batch when added to the loss.

    batch_size : int or 'auto', default='auto'
        Size of the mini-batches; 'auto' means ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
            default='constant'
        Learning-rate schedule: constant; divided by ``t ** power_t`` after
        each epoch (``t`` samples seen, ``solver='sgd'`` only); divided by 5
        each time ``n_iter_no_change`` epochs fail to improve by ``tol``
        (``solver='sgd'`` only); or 'cosine', for both solvers: a linear
        warm-up over the first 5% of the steps of ``max_iter`` epochs, then a
        cosine decay towards 0 (with ``partial_fit``, over ``max_iter`` calls).

    learning_rate_init : float, default=0.001
        The initial learning rate.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs.

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialization, the validation split and the shuffles.
        Pass an int for reproducible results.

    tol : float, default=1e-4
        Training stops when the loss (or the validation score with early
        stopping) fails to improve by ``tol`` for ``n_iter_no_change`` epochs.

    verbose : bool, default=False
        Whether to print one line of progress per epoch.

    warm_start : bool, default=False
        Whether ``fit`` continues from the previous solution.

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether ``solver='sgd'`` uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether ``fit`` holds out a stratified ``validation_fraction`` of the
        data and stops when the validation accuracy stops improving; the
        weights of the best epoch are restored at the end.

    validation_fraction : float, default=0.1
        The fraction of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver='lbfgs'``; unused by the
        stochastic solvers.

    loss : {'log_loss', 'squared_error'}, default='log_loss'
        The training loss: the cross-entropy of the softmax (or logistic)
        outputs, or half the sum of squared differences between the output
        probabilities and the one-hot targets.

    dropout : float, default=0.0
        Probability of dropping each hidden unit during training (inverted
        dropout: the kept units are scaled by ``1 / (1 - dropout)``, and
        prediction uses the whole network). In [0, 1).

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplying ``sample_weight``: a dict
        ``{class: weight}``, or 'balanced' to weigh each class by
        ``W / (n_classes * W_c)``, with ``W_c`` the total sample weight of
        class ``c``. For multilabel targets, 'balanced' or a list of one dict
        ``{0: w0, 1: w1}`` per label; a sample's weight is the product over
        its labels.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (for multilabel targets, ``arange(n_labels)``).

    loss_ : float
        The training loss of the last epoch.

    best_loss_ : float or None
        The lowest training loss seen; None when ``fit`` used early stopping.

    loss_curve_ : list of float
        The training loss of each epoch.

    validation_scores_ : list of float or None
        The validation accuracy of each epoch when ``fit`` used early stopping,
        else None.

    validation_loss_curve_ : list of float or None
        The mean loss on the validation set at each epoch (without the L2
        penalty) when ``fit`` used early stopping, else None.

    best_validation_score_ : float or None
        The best validation accuracy when ``fit`` used early stopping, else None.

    t_ : int
        The number of training samples seen.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        The weight matrix of each layer.

    intercepts_ : list of ndarray of shape (n_fan_out,)
        The bias vector of each layer.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`; defined only when `X` has
        feature names that are all strings.

    n_iter_ : int
        The number of epochs run by the last ``fit`` (cumulative over
        ``partial_fit`` calls).

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Name of the output activation ('softmax' or 'logistic').

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The scikit-learn estimator this one
        replaces.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import FromScratchMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FromScratchMLPClassifier(max_iter=500, random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> round(clf.score(X, y), 1)
    0.9
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, list, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        dropout=0.0,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.dropout = dropout
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to the data ``X`` and targets ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data; float32 input trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label-indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (multiplied by the ``class_weight``).
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set for early stopping, used instead of holding out
            ``validation_fraction`` of ``X``; requires ``early_stopping=True``
            and a stochastic solver.
        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            The targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Sample weights of the validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation_set = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, None, False, validation_set)

    @available_if(lambda est: est._check_stochastic_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label-indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes over all calls; required on the first call, and
            ``y`` may hold only some of them.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, classes, True, (None, None, None))

    def _check_stochastic_solver(self):
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _fit(self, X, y, sample_weight, classes, incremental, validation_set):
        # A call that fails while validating changes nothing; one that fails
        # while training a fitted model further (warm start, partial_fit) is
        # undone entirely, while a new fit keeps its last finite epoch.
        saved = _fitted_state(self)
        first_pass = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        try:
            if incremental:  # _fit_context validates partial_fit only once
                self._validate_params()
            inputs = self._validate_inputs(
                X, y, sample_weight, classes, first_pass, incremental, validation_set
            )
        except Exception:
            _restore(self, saved)
            raise
        X, y, Y, sample_weight, target_kind, all_classes, validation, sizes = inputs
        random_state = check_random_state(self.random_state)
        try:
            if first_pass:
                self.classes_ = all_classes
                self._target_kind = target_kind
                self._initialize(X, Y, sizes, random_state)
            if self.solver == "lbfgs":
                self._run_lbfgs(X, Y, sample_weight)
            else:
                self._run(X, y, Y, sample_weight, random_state, incremental, validation)
        except Exception:
            if not first_pass:
                _restore(self, saved)
            raise
        return self

    def _validate_X_y(self, X, y, dtype, reset):
        """``validate_data`` for training data; a single label column becomes 1-d."""
        with np.errstate(over="ignore", invalid="ignore"):  # NaN/inf are reported
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse="csr",
                dtype=dtype,
                multi_output=True,
                reset=reset,
            )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _validate_inputs(
        self, X, y, sample_weight, classes, first_pass, incremental, validation_set
    ):
        """Validate everything a training call gets, before anything is trained."""
        hidden_layer_sizes = self._check_hidden_layer_sizes(first_pass)
        dtype = (np.float64, np.float32) if first_pass else self.coefs_[0].dtype
        X, y = self._validate_X_y(X, y, dtype, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        target_kind, all_classes = self._check_targets(
            y, classes, first_pass, incremental
        )
        if self.dropout and self.solver == "lbfgs":
            raise ValueError(
                "dropout needs a stochastic solver: use solver='sgd' or 'adam', "
                "or dropout=0 with solver='lbfgs'."
            )
        class_weights = self._class_weights(y, target_kind, all_classes, sample_weight)
        sample_weight = weighted(sample_weight, class_weights, y, X.dtype)
        if sample_weight is not None:
            _check_weight_scale(sample_weight, "sample_weight (times class_weight)")
        validation = self._check_validation_set(
            *validation_set, (target_kind, all_classes, class_weights), X.dtype
        )
        Y = self._encode(y, target_kind, all_classes, X.dtype)
        return (
            X,
            y,
            Y,
            sample_weight,
            target_kind,
            all_classes,
            validation,
            hidden_layer_sizes,
        )

    def _class_weights(self, y, target_kind, classes, sample_weight):
        """The weight of each sample's class, as a function of the targets.

        Returns None without ``class_weight``. 'balanced' weighs class ``c`` by
        ``W / (n_classes W_c)``, with ``W_c`` the total sample weight of class
        ``c`` (its count without sample weights), so that integer sample
        weights act like repeated samples. For multilabel targets each label is
        a binary output with its own class weights (``class_weight`` a list of
        dicts, one per label, or 'balanced'), and a sample's weight is their
        product, as in :func:`sklearn.utils.class_weight.compute_sample_weight`.
        """
        if self.class_weight is None:
            return None
        if target_kind != "multilabel":
            if isinstance(self.class_weight, list):
                raise ValueError(
                    "class_weight must be None, 'balanced' or a dict {class: "
                    "weight} for single-label targets; a list is for multilabel."
                )
            if isinstance(self.class_weight, str) and np.unique(y).size < len(classes):
                raise ValueError(
                    "class_weight='balanced' needs every class in y, but y lacks "
                    f"{np.setdiff1d(classes, y)!r}. With partial_fit, compute the "
                    "weights once on all the data: class_weight=dict(zip(classes, "
                    "compute_class_weight('balanced', classes=classes, y=y_all)))."
                )
            codes = np.searchsorted(classes, y)
            per_class = class_weight_vector(
                self.class_weight, classes, y, codes, sample_weight
            )
            return lambda labels: per_class[np.searchsorted(classes, labels)]
        binary = np.array([0, 1])
        label_weights = [
            class_weight_vector(weights, binary, column, column, sample_weight)
            for column, weights in zip(y.T, per_label(self.class_weight, y.shape[1]))
        ]
        return lambda Y: np.prod(
            [weights[column] for weights, column in zip(label_weights, Y.T)], axis=0
        )

    def _check_validation_set(self, X_val, y_val, sample_weight_val, targets, dtype):
        """Validate a user-supplied validation set; None when there is none.

        ``targets`` is ``(target_kind, classes, class_weights)`` of the training
        targets; the validation samples get the same class weights.
        """
        if X_val is None and y_val is None:
            return None
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together.")
        if not self.early_stopping or self.solver == "lbfgs":
            raise ValueError(
                "X_val and y_val are used for early stopping only: set "
                "early_stopping=True with solver='sgd' or 'adam'."
            )
        X_val, y_val = self._validate_X_y(X_val, y_val, dtype, reset=False)
        target_kind, classes, class_weights = targets
        check_classification_targets(y_val)
        val_type = type_of_target(y_val, input_name="y_val")
        multilabel = target_kind == "multilabel"
        if multilabel != (val_type == "multilabel-indicator") or val_type not in (
            "binary",
            "multiclass",
            "multilabel-indicator",
        ):
            raise ValueError(
                f"y_val is a {val_type} target but y is a {target_kind} target."
            )
        labels = np.arange(y_val.shape[1]) if multilabel else np.unique(y_val)
        unknown = (
            labels.size != classes.size
            if multilabel
            else (np.setdiff1d(labels, classes).size)
        )
        if unknown:
            raise ValueError(
                f"y_val has the labels {labels!r}, which are not among the classes "
                f"of y, {classes!r}."
            )
        if sample_weight_val is not None:
            sample_weight_val = _check_sample_weight(
                sample_weight_val, X_val, dtype=dtype, ensure_non_negative=True
            )
        sample_weight_val = weighted(sample_weight_val, class_weights, y_val, dtype)
        Y_val = self._encode(y_val, target_kind, classes, dtype)
        return X_val, y_val, Y_val, sample_weight_val

    def _check_hidden_layer_sizes(self, first_pass):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=object))
        if sizes.ndim != 1 or not all(
            isinstance(size, Integral) and not isinstance(size, bool) and size > 0
            for size in sizes
        ):
            raise InvalidParameterError(
                f"The 'hidden_layer_sizes' parameter of {type(self).__name__} must "
                "be a positive int or a sequence of positive ints. Got "
                f"{self.hidden_layer_sizes!r} instead."
            )
        sizes = [int(size) for size in sizes]
        if not first_pass and sizes != [W.shape[1] for W in self.coefs_[:-1]]:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} differs from the "
                f"fitted network's {[W.shape[1] for W in self.coefs_[:-1]]}; set "
                "warm_start=False (or call fit) to train a new network."
            )
        return sizes

    def _check_targets(self, y, classes, first_pass, incremental):
        """Return the target kind and the classes, or raise before any change."""
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        if y_type == "multiclass-multioutput":
            raise ValueError(
                "Multiclass-multioutput targets are not supported: pass one label "
                "per sample, or a 0/1 label-indicator matrix for multilabel targets."
            )
        multilabel = y_type == "multilabel-indicator"
        if multilabel and np.setdiff1d(np.unique(y), [0, 1]).size:
            raise ValueError(
                "A multilabel target must be a 0/1 indicator matrix; y has the "
                f"values {np.unique(y)!r}."
            )
        if classes is not None:
            classes = np.asarray(classes)
            if classes.dtype.kind == "f" and not np.isfinite(classes).all():
                raise ValueError(f"classes must not contain NaN or infinity: {classes}")
        if first_pass and incremental and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit; "
                "e.g. classes=np.unique(y_all)."
            )
        labels = np.arange(y.shape[1]) if multilabel else np.unique(y)
        candidate = labels if multilabel or classes is None else np.unique(classes)
        all_classes = candidate if first_pass else self.classes_
        # A warm-started fit needs exactly the fitted classes, partial_fit a subset.
        must_match = multilabel or classes is not None or not incremental
        if must_match and not np.array_equal(candidate, all_classes):
            raise ValueError(
                f"The classes {candidate!r} differ from the classes_ of the fitted "
                f"model, {all_classes!r}; refit with warm_start=False to change them."
            )
        if np.setdiff1d(labels, all_classes).size:
            raise ValueError(
                f"y has labels {np.setdiff1d(labels, all_classes)!r} that are not "
                f"in classes_ {all_classes!r}; pass every class in `classes` on the "
                "first call to partial_fit."
            )
        kind = "multilabel" if multilabel else target_kind(len(all_classes))
        if not first_pass and kind != self._target_kind:
            raise ValueError(
                f"y is a {kind} target but the model was fitted on a "
                f"{self._target_kind} target; refit with warm_start=False."
            )
        return kind, all_classes

    def _encode(self, y, target_kind, classes, dtype):
        if target_kind == "multilabel":
            return y.astype(dtype)
        return ENCODE[target_kind](np.searchsorted(classes, y), len(classes), dtype)

    def _initialize(self, X, Y, hidden_layer_sizes, random_state):
        layer_units = [X.shape[1], *hidden_layer_sizes, Y.shape[1]]
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = OUT_ACTIVATION[self._target_kind]
        self.coefs_, self.intercepts_ = glorot_uniform(
            layer_units, self.activation, random_state, X.dtype
        )
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self.validation_scores_ = None
        self.best_validation_score_ = None
        self._no_improvement_count = 0

    def _make_optimizer(self, params, total_steps):
        settings = {
            "sgd": dict(
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
                power_t=self.power_t,
            ),
            "adam": dict(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon),
        }[self.solver]
        return OPTIMIZERS[self.solver](
            [params],
            learning_rate_init=self.learning_rate_init,
            learning_rate=self.learning_rate,
            total_steps=total_steps,
            **settings,
        )

    def _validation_split(self, X, y, Y, sample_weight, random_state):
        """Split off the validation set, or return None when the data is too small."""
        n_samples = X.shape[0]
        n_val = math.ceil(self.validation_fraction * n_samples)
        if self._target_kind == "multilabel":
            stratify, class_counts = None, np.array([n_samples])
        else:
            stratify, class_counts = y, np.unique(y, return_counts=True)[1]
        n_classes = class_counts.size
        if (
            n_val < max(_MIN_VALIDATION_SAMPLES, n_classes)
            or n_samples - n_val < n_classes
            or class_counts.min() < 2
        ):
            warnings.warn(
                f"early_stopping=True, but a validation_fraction of "
                f"{self.validation_fraction} of {n_samples} samples is too small "
                f"to score on (at least {_MIN_VALIDATION_SAMPLES} samples and two "
                "per class are needed); training without early stopping. Use more "
                "data or a larger validation_fraction.",
                UserWarning,
                stacklevel=6,
            )
            return None
        arrays = [X, y, Y] + ([] if sample_weight is None else [sample_weight])
        split = train_test_split(
            *arrays, test_size=n_val, random_state=random_state, stratify=stratify
        )
        train, val = split[0::2], split[1::2]
        if sample_weight is None:
            train, val = train + [None], val + [None]
        return train, val

    def _run_lbfgs(self, X, Y, sample_weight):
        """Train with full-batch L-BFGS on our loss and gradient."""
        n_layers = len(self.coefs_)
        params, views = pack(self.coefs_ + self.intercepts_)
        self.coefs_, self.intercepts_ = views[:n_layers], views[n_layers:]
        objective = Objective(
            params,
            self.coefs_,
            self.intercepts_,
            activation=self.activation,
            out_activation=self.out_activation_,
            loss=self.loss,
            alpha=self.alpha,
            n_rows=X.shape[0],
        )
        self.loss_curve_ = []

        def record(loss):
            self.loss_curve_.append(loss)
            if self.verbose:
                print(f"Iteration {len(self.loss_curve_)}, loss = {loss:.8f}")

        try:
            result = fit_lbfgs(
                objective,
                params,
                X,
                Y,
                sample_weight,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                on_iteration=record,
            )
            self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
            self.loss_ = float(result.fun)
        except KeyboardInterrupt:
            warnings.warn(
                "Training interrupted by user; the model keeps the weights of its "
                "last completed iteration.",
                stacklevel=5,
            )
            self.n_iter_ = len(self.loss_curve_)
            self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        if not (np.isfinite(params).all() and np.isfinite(self.loss_)):
            raise ValueError(
                "Training diverged: L-BFGS produced non-finite weights or loss. "
                "Scale the features, e.g. with sklearn.preprocessing.StandardScaler, "
                "or increase alpha."
            )
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)

    def __getstate__(self):
        state = super().__getstate__()
        state["_skmlp_version"] = __version__
        return state

    def __setstate__(self, state):
        version = state.pop("_skmlp_version", "unknown (before 0.1.0)")
        if version != __version__:
            warnings.warn(
                f"Trying to unpickle {type(self).__name__} from skmlp version "
                f"{version} when using version {__version__}. This might lead to "
                "breaking code or invalid results. Use at your own risk.",
                SkmlpVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the {n_samples} "
                "training samples; it is clipped to the number of samples.",
                stacklevel=6,
            )
        return min(self.batch_size, n_samples)

    def _validation_loss(self, X, Y, sample_weight):
        """Mean loss on a validation set (without the L2 penalty)."""
        loss = LOSS_FUNCTIONS[self.loss, self.out_activation_]
        total = loss(self._logits(X), Y, sample_weight)
        return total / (X.shape[0] if sample_weight is None else sample_weight.sum())

    def _run(self, X, y, Y, sample_weight, random_state, incremental, validation):
        """Train with a stochastic solver; ``validation`` is a given validation set."""
        if not self.early_stopping or incremental:
            validation = None
        elif validation is None:
            split = self._validation_split(X, y, Y, sample_weight, random_state)
            if split is not None:
                (X, _, Y, sample_weight), validation = split
        if validation is not None:
            X_val, y_val, Y_val, sample_weight_val = validation
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)

        if not incremental:
            validated = validation is not None
            self.n_iter_ = 0
            self._no_improvement_count = 0
            self.best_loss_ = None if validated else np.inf
            self.validation_scores_ = [] if validated else None
            self.validation_loss_curve_ = [] if validated else None
            self.best_validation_score_ = -np.inf if validated else None
        if validation is not None:
            plateau = Plateau(self.tol, -np.inf)
            best_params = None
        else:
            best_loss = np.inf if self.best_loss_ is None else self.best_loss_
            plateau = Plateau(self.tol, -best_loss)
        plateau.count = self._no_improvement_count

        # Train on one contiguous parameter vector; coefs_ and intercepts_ view it.
        n_layers = len(self.coefs_)
        params, views = pack(self.coefs_ + self.intercepts_)
        self.coefs_, self.intercepts_ = views[:n_layers], views[n_layers:]
        if not incremental or not hasattr(self, "_optimizer"):
            total_steps = self.max_iter * math.ceil(n_samples / batch_size)
            self._optimizer = self._make_optimizer(params, total_steps)
        dropout_rng = None
        if self.dropout:
            dropout_rng = np.random.default_rng(random_state.randint(2**31 - 1))
        epochs = train_epochs(
            params,
            self.coefs_,
            self.intercepts_,
            self._optimizer,
            X,
            Y,
            sample_weight,
            activation=self.activation,
            out_activation=self.out_activation_,
            alpha=self.alpha,
            batch_size=batch_size,
            shuffle=self.shuffle,
            random_state=random_state,
            loss=self.loss,
            dropout=self.dropout,
            dropout_rng=dropout_rng,
        )
        n_epochs = 1 if incremental else self.max_iter
        callbacks = (
            EpochCallbacks(self, X, y, sample_weight, n_epochs)
            if hasattr(self, "_init_callback_context")
            else NoCallbacks()
        )
        converged = incremental
        try:
            start = time.perf_counter()
            for _ in range(n_epochs):
                callbacks.epoch_begins()
                loss = next(epochs)
                self.n_iter_ += 1
                self.t_ += n_samples
                self.loss_ = loss
                self.loss_curve_.append(loss)
                progress = f"Iteration {self.n_iter_}, loss = {loss:.8f}"
                if validation is None:
                    plateau.update(-loss)
                    self.best_loss_ = -plateau.best
                else:
                    score = accuracy_score(
                        y_val,
                        self._labels(self._logits(X_val)),
                        sample_weight=sample_weight_val,
                    )
                    self.validation_scores_.append(score)
                    self.validation_loss_curve_.append(
                        self._validation_loss(X_val, Y_val, sample_weight_val)
                    )
                    progress += (
                        f", validation loss = {self.validation_loss_curve_[-1]:.8f}"
                        f", validation score = {score:.6f}"
                    )
                    if plateau.update(score):
                        best_params = params.copy()
                    self.best_validation_score_ = plateau.best
                self._no_improvement_count = plateau.count
                if self.verbose:
                    elapsed = time.perf_counter() - start
                    print(f"{progress} ({elapsed:.3f}s)")
                    start = time.perf_counter()
                self._optimizer.epoch_ends(self.t_)
                if callbacks.epoch_ends():
                    converged = True
                    break
                if plateau.count > self.n_iter_no_change:
                    stop = self._optimizer.on_plateau()
                    if self.verbose:
                        print(self._plateau_message(validation is not None, stop))
                    if stop and not incremental:
                        converged = True
                        break
                    plateau.count = self._no_improvement_count = 0
        except KeyboardInterrupt:
            converged = True
            warnings.warn(
                "Training interrupted by user; the model keeps the weights of its "
                "last completed epoch.",
                stacklevel=5,
            )
        except DivergenceError as exc:
            raise ValueError(
                f"Training diverged: {exc} during epoch {self.n_iter_ + 1}. A new "
                "fit keeps the weights of its last finite epoch; a warm-started fit "
                "or a partial_fit call is undone entirely. Use a smaller "
                f"learning_rate_init (now {self.learning_rate_init}) or scale the "
                "features, e.g. with sklearn.preprocessing.StandardScaler."
            ) from exc
        finally:
            if validation is not None and best_params is not None:
                np.copyto(params, best_params)
        callbacks.fit_ends()
        if not converged:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _plateau_message(self, validated, stop):
        what = "Validation score" if validated else "Training loss"
        action = (
            "Stopping."
            if stop
            else f"Setting learning rate to {self._optimizer.learning_rate:f}."
        )
        return (
            f"{what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs. {action}"
        )

    def _logits(self, X):
        return forward(X, self.coefs_, self.intercepts_, self.activation)[-1]

    def _labels(self, Z):
        """The predicted labels for the logits ``Z``."""
        if self._target_kind == "multilabel":
            return (Z > 0).astype(int)
        return self.classes_[PREDICT_INDEX[self._target_kind](Z)]

    def _checked_logits(self, X):
        """Validate ``X`` for prediction and return its logits.

        NaN and infinity are detected in the first layer's outputs, a pass over
        ``n_hidden`` instead of ``n_features`` columns; only then is ``X``
        scanned, to say what is wrong.
        """
        check_is_fitted(self)
        other = np.float32 if self.coefs_[0].dtype == np.float64 else np.float64
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(self.coefs_[0].dtype, other),
            ensure_all_finite=False,
            reset=False,
        )
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                Z = forward(
                    X, self.coefs_, self.intercepts_, self.activation, check_finite=True
                )[-1]
                finite = bool(np.isfinite(Z).all())
            except NonFiniteInputError:
                finite = False
            if not finite:
                assert_all_finite(X, input_name="X")
        if not finite:
            raise ValueError(
                f"X is too large for this network: its activations overflow {X.dtype}."
                " Scale the features, e.g. with sklearn.preprocessing.StandardScaler."
            )
        return Z

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted classes (a 0/1 indicator matrix for multilabel).
        """
        return self._labels(self._checked_logits(X))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        Z = self._checked_logits(X)
        proba = PROBA[self._target_kind](Z)
        # No probability of a softmax or logistic model is exactly 0: keep the
        # ones that underflow at the smallest normal float, so that
        # log(predict_proba) stays finite like predict_log_proba.
        return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)

    def predict_log_proba(self, X):
        """Log of probability estimates, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``;
            finite however confident the network is.
        """
        Z = self._checked_logits(X)
        return LOG_PROBA[self._target_kind](Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
