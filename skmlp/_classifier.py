"""FromScratchMLPClassifier: the scikit-learn side of the network.

It speaks scikit-learn's API: parameters, ``fit`` / ``partial_fit`` /
``predict*``, fitted attributes and tags. A training call flows down once:
``_validation`` checks every input and returns one bundle; the network is
initialized (or the fitted one reused) and the early-stopping split drawn;
only then are the fitted attributes set; ``_fit_stochastic`` or
``_fit_lbfgs`` trains, recording each epoch in small named steps.
"""

import math
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import check_is_fitted, validate_data

from . import __version__
from ._callbacks import CallbackSupportMixin, EpochCallbacks, NoCallbacks
from ._initializers import glorot_uniform
from ._losses import LOSS_FUNCTIONS
from ._network import FlatParameters
from ._optimizers import OPTIMIZERS
from ._training import DivergenceError, EpochTrainer, Objective, Plateau, fit_lbfgs
from ._validation import (
    checked_logits,
    split_for_early_stopping,
    validate_training_call,
    warn_caller,
)


class SkmlpVersionWarning(UserWarning):
    """A model pickled by another version of skmlp is being loaded."""


# Attributes that scikit-learn's callback machinery owns: never undone.
_CALLBACK_STATE = {"_skl_callbacks", "_callback_fit_ctx", "_skl_callbacks_to_teardown"}

# The history of a fit: reset by ``_reset_history``, extended each epoch.
_HISTORY = (
    "n_iter_",
    "t_",
    "loss_",
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "validation_loss_curve_",
    "best_validation_score_",
    "_no_improvement_count",
)


class _Undo:
    """What a training call may change, to put back if it fails: no deep copy.

    The attributes are kept by reference, the lengths of the history lists
    (training only appends to them) and the optimizer's numbers. The arrays
    are not copied: a failed epoch rolls its parameters and optimizer state
    back itself, and a warm-started fit trains copies of them.
    """

    def __init__(self, estimator):
        self.attributes = {
            name: value
            for name, value in vars(estimator).items()
            if name not in _CALLBACK_STATE
        }
        self.history = _history_mark(estimator)
        optimizer = self.attributes.get("_optimizer")
        self.optimizer = None if optimizer is None else dict(vars(optimizer))

    def restore(self, estimator):
        for name in set(vars(estimator)) - _CALLBACK_STATE:
            delattr(estimator, name)
        estimator.__dict__.update(self.attributes)
        _rewind_history(estimator, self.history)
        if self.optimizer is not None:
            vars(estimator._optimizer).update(self.optimizer)


def _history_mark(estimator):
    """The history attributes now, with the lengths of the lists among them."""
    return {
        name: (value, len(value) if isinstance(value, list) else None)
        for name, value in vars(estimator).items()
        if name in _HISTORY
    }


def _rewind_history(estimator, mark):
    """Put the history back as it was at ``mark``."""
    for name, (value, length) in mark.items():
        if length is not None:
            del value[length:]
        setattr(estimator, name, value)


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
        return self._fit(X, y, sample_weight, validation_set=validation_set)

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
        return self._fit(X, y, sample_weight, classes=classes, incremental=True)

    def _check_stochastic_solver(self):
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _fit(
        self,
        X,
        y,
        sample_weight,
        *,
        classes=None,
        validation_set=(None, None, None),
        incremental=False,
    ):
        # A call that fails before training changes nothing; one that fails
        # while training a fitted model further (warm start, partial_fit) is
        # undone entirely, while a new fit keeps its last finite epoch.
        undo = _Undo(self)
        continues = hasattr(self, "coefs_") and (self.warm_start or incremental)
        try:
            if incremental:  # _fit_context validates partial_fit only once
                self._validate_params()
            inputs = validate_training_call(
                self,
                X,
                y,
                sample_weight,
                classes=classes,
                validation_set=validation_set,
                fitted_target=self._target if continues else None,
                incremental=incremental,
            )
            random_state = check_random_state(self.random_state)
            network = self._network(inputs, random_state, continues, incremental)
            train, validation = self._training_sets(inputs, random_state, incremental)
        except BaseException:
            undo.restore(self)
            raise
        self._set_network(inputs.target, network)
        try:
            if self.solver == "lbfgs":
                self._fit_lbfgs(network, train)
            else:
                if not continues:
                    self._reset_history(new_model=True, validated=False)
                self._fit_stochastic(
                    network, train, validation, random_state, incremental=incremental
                )
        except BaseException:
            if continues:
                undo.restore(self)
            raise
        return self

    def _network(self, inputs, random_state, continues, incremental):
        """The parameters to train: new ones, or the fitted ones packed.

        A warm-started fit trains a copy, so that a failure leaves the fitted
        model as it was; ``partial_fit`` trains the fitted vector in place (its
        epoch rolls back on failure).
        """
        if continues:
            return FlatParameters.of(
                self.coefs_, self.intercepts_, copy=not incremental
            )
        layer_units = [
            inputs.train.X.shape[1],
            *inputs.hidden_layer_sizes,
            inputs.train.Y.shape[1],
        ]
        try:
            coefs, intercepts = glorot_uniform(
                layer_units, self.activation, random_state, inputs.train.X.dtype
            )
            return FlatParameters.of(coefs, intercepts)
        except (MemoryError, ValueError) as exc:
            raise ValueError(
                f"A network of layer sizes {layer_units} cannot be allocated "
                f"({exc}); use smaller hidden_layer_sizes."
            ) from exc

    def _training_sets(self, inputs, random_state, incremental):
        """The training samples and the validation samples (or None)."""
        if not self.early_stopping or incremental or self.solver == "lbfgs":
            return inputs.train, None
        if inputs.validation is not None:
            return inputs.train, inputs.validation
        split = split_for_early_stopping(
            inputs.train, self.validation_fraction, inputs.target, random_state
        )
        return (inputs.train, None) if split is None else split

    def _set_network(self, target, network):
        """Set the fitted attributes of the network once it exists."""
        self._target = target
        self.classes_ = target.classes
        self.coefs_, self.intercepts_ = network.coefs, network.intercepts
        self.n_outputs_ = network.coefs[-1].shape[1]
        self.n_layers_ = len(network.coefs) + 1
        self.out_activation_ = target.out_activation

    def _reset_history(self, *, new_model, validated):
        """Start the history of a fit; every attribute exists in every mode.

        A warm-started stochastic fit keeps counting ``t_`` and extending
        ``loss_curve_``, as scikit-learn's does.
        """
        if new_model:
            self.t_ = 0
            self.loss_ = None
            self.loss_curve_ = []
        self.n_iter_ = 0
        self._no_improvement_count = 0
        self.best_loss_ = None if validated else np.inf
        self.validation_scores_ = [] if validated else None
        self.validation_loss_curve_ = [] if validated else None
        self.best_validation_score_ = -np.inf if validated else None

    def _fit_lbfgs(self, network, train):
        """Train with full-batch L-BFGS on our loss and gradient."""
        self._reset_history(new_model=True, validated=False)
        objective = self._objective(network, n_rows=train.X.shape[0])

        def record(loss):
            self.loss_curve_.append(loss)
            self.n_iter_ = len(self.loss_curve_)
            self.loss_ = loss
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")

        try:
            result = fit_lbfgs(
                objective,
                network.vector,
                train.X,
                train.Y,
                train.sample_weight,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                on_iteration=record,
            )
            self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
            self.loss_ = float(result.fun)
        except BaseException as exc:
            del self.loss_curve_[self.n_iter_ :]
            self._training_failed(exc, objective, train, "iteration")
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)

    def _objective(self, network, n_rows, dropout=0.0):
        return Objective(
            network.vector,
            network.coefs,
            network.intercepts,
            activation=self.activation,
            out_activation=self.out_activation_,
            loss=self.loss,
            alpha=self.alpha,
            n_rows=n_rows,
            dropout=dropout,
        )

    def _training_failed(self, exc, objective, train, step):
        """The one failure path of every solver, once the parameters are back.

        Ctrl-C keeps the model of the last complete ``step`` with a warning;
        divergence becomes a ValueError that names its cause; anything else
        propagates as it is.
        """
        if isinstance(exc, KeyboardInterrupt):
            warn_caller(
                "Training interrupted by user; the model keeps the weights of its "
                f"last completed {step}.",
                UserWarning,
            )
            return
        if not isinstance(exc, DivergenceError):
            raise exc
        if objective.penalty_dominates(train.X, train.Y, train.sample_weight):
            advice = (
                f"alpha={self.alpha} is too large: the L2 penalty swamps the data "
                "loss. Use a smaller alpha."
            )
        elif self.solver == "lbfgs":
            advice = (
                "Scale the features, e.g. with sklearn.preprocessing.StandardScaler, "
                "or increase alpha."
            )
        else:
            advice = (
                f"Use a smaller learning_rate_init (now {self.learning_rate_init}) or "
                "scale the features, e.g. with sklearn.preprocessing.StandardScaler."
            )
        raise ValueError(
            f"Training diverged: {exc} during {step} {self.n_iter_ + 1}. A new fit "
            f"keeps the weights of its last finite {step}; a warm-started fit or a "
            f"partial_fit call is undone entirely. {advice}"
        ) from exc

    def _fit_stochastic(self, network, train, validation, random_state, *, incremental):
        """Train with SGD or Adam: one epoch per call of partial_fit, else up to
        ``max_iter``, recording each and stopping when the optimizer says so."""
        n_samples = train.X.shape[0]
        batch_size = self._batch_size(n_samples)
        optimizer = self._stochastic_optimizer(
            network.vector,
            total_steps=self.max_iter * math.ceil(n_samples / batch_size),
            incremental=incremental,
        )
        trainer = self._epoch_trainer(network, optimizer, batch_size)
        dropout_rng = None
        if self.dropout:
            dropout_rng = np.random.default_rng(random_state.randint(2**31 - 1))
        epochs = trainer.epochs(
            train.X,
            train.Y,
            train.sample_weight,
            shuffle=self.shuffle,
            random_state=random_state,
            dropout_rng=dropout_rng,
        )
        if not incremental:
            self._reset_history(new_model=False, validated=validation is not None)
        plateau = self._plateau(validation)
        best = np.empty_like(network.vector) if validation is not None else None
        n_epochs = 1 if incremental else self.max_iter
        callbacks = (
            EpochCallbacks(self, train.X, train.y, train.sample_weight, n_epochs)
            if hasattr(self, "_init_callback_context")
            else NoCallbacks()
        )
        stopped = incremental
        try:
            start = time.perf_counter()
            for _ in range(n_epochs):
                callbacks.epoch_begins()
                mark = _history_mark(self)
                try:
                    loss = next(epochs)
                    if self._record_epoch(loss, n_samples, validation, plateau, start):
                        np.copyto(best, network.vector)
                    stopped = self._epoch_ends(plateau, callbacks, incremental)
                except BaseException as exc:
                    trainer.rollback()
                    _rewind_history(self, mark)
                    self._training_failed(exc, trainer.objective, train, "epoch")
                    stopped = True
                start = time.perf_counter()
                if stopped:
                    break
        finally:
            if validation is not None and self.validation_scores_:
                np.copyto(network.vector, best)
        callbacks.fit_ends()
        if not stopped:
            warn_caller(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    def _stochastic_optimizer(self, params, *, total_steps, incremental):
        """The optimizer: new for each fit; for partial_fit, the fitted one with
        the current hyper-parameters (or a new one if the solver changed)."""
        settings = dict(
            learning_rate_init=self.learning_rate_init,
            learning_rate=self.learning_rate,
            total_steps=total_steps,
        )
        if self.solver == "sgd":
            settings.update(
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
                power_t=self.power_t,
            )
        else:
            settings.update(
                beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon
            )
        optimizer = getattr(self, "_optimizer", None)
        if incremental and type(optimizer) is OPTIMIZERS[self.solver]:
            optimizer.configure(**settings)
        else:
            optimizer = OPTIMIZERS[self.solver]([params], **settings)
        self._optimizer = optimizer
        return optimizer

    def _epoch_trainer(self, network, optimizer, batch_size):
        """The trainer, kept between calls while it fits the network and settings.

        Its buffers (gradients, batches, the checkpoint) are what a stream of
        partial_fit calls would otherwise allocate on every call.
        """
        settings = dict(
            activation=self.activation,
            out_activation=self.out_activation_,
            loss=self.loss,
            alpha=self.alpha,
            batch_size=batch_size,
            dropout=self.dropout,
        )
        trainer = getattr(self, "_trainer", None)
        if trainer is None or not trainer.fits(network.vector, optimizer, **settings):
            trainer = EpochTrainer(
                network.vector, network.coefs, network.intercepts, optimizer, **settings
            )
        self._trainer = trainer
        return trainer

    def _plateau(self, validation):
        """The stopping rule's counter, continuing the fitted model's count."""
        if validation is not None:
            plateau = Plateau(self.tol)
        else:
            plateau = Plateau(self.tol, -self.best_loss_)
        plateau.count = self._no_improvement_count
        return plateau

    def _record_epoch(self, loss, n_samples, validation, plateau, start):
        """Record a trained epoch; return whether it has the best validation score.

        Every value is computed before any attribute changes, so the history
        stays consistent with ``n_iter_`` whenever an interrupt comes.
        """
        progress = f"Iteration {self.n_iter_ + 1}, loss = {loss:.8f}"
        if validation is None:
            improved = plateau.update(-loss)
        else:
            score, validation_loss = self._score_validation(validation)
            improved = plateau.update(score)
            progress += (
                f", validation loss = {validation_loss:.8f}"
                f", validation score = {score:.6f}"
            )
        self.n_iter_ += 1
        self.t_ += n_samples
        self.loss_ = loss
        self.loss_curve_.append(loss)
        if validation is None:
            self.best_loss_ = -plateau.best
        else:
            self.validation_scores_.append(score)
            self.validation_loss_curve_.append(validation_loss)
            self.best_validation_score_ = plateau.best
        self._no_improvement_count = plateau.count
        if self.verbose:
            print(f"{progress} ({time.perf_counter() - start:.3f}s)")
        return validation is not None and improved

    def _score_validation(self, validation):
        """The accuracy and the mean loss (without the L2 penalty) on ``validation``."""
        Z = checked_logits(
            validation.X, self.coefs_, self.intercepts_, self.activation, "X_val"
        )
        score = accuracy_score(
            validation.y,
            self._target.decode(Z),
            sample_weight=validation.sample_weight,
        )
        weights = validation.sample_weight
        loss = LOSS_FUNCTIONS[self.loss, self.out_activation_](Z, validation.Y, weights)
        return score, loss / (Z.shape[0] if weights is None else weights.sum())

    def _epoch_ends(self, plateau, callbacks, incremental):
        """Move the schedule on; return whether training should stop."""
        self._optimizer.epoch_ends(self.t_)
        if callbacks.epoch_ends():
            return True
        if plateau.count <= self.n_iter_no_change:
            return incremental
        stop = self._optimizer.on_plateau()
        if self.verbose:
            what = "Validation score" if self.validation_scores_ else "Training loss"
            action = (
                "Stopping."
                if stop
                else f"Setting learning rate to {self._optimizer.learning_rate:f}."
            )
            print(
                f"{what} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs. {action}"
            )
        if stop and not incremental:
            return True
        plateau.count = self._no_improvement_count = 0
        return incremental

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warn_caller(
                f"Got batch_size={self.batch_size} larger than the {n_samples} "
                "training samples; it is clipped to the number of samples.",
                UserWarning,
            )
        return min(self.batch_size, n_samples)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_trainer", None)  # buffers, rebuilt by the next training call
        state["_skmlp_version"] = __version__
        return state

    def __setstate__(self, state):
        version = state.pop("_skmlp_version", "unknown (before 0.1.0)")
        if version != __version__:
            warn_caller(
                f"Trying to unpickle {type(self).__name__} from skmlp version "
                f"{version} when using version {__version__}. This might lead to "
                "breaking code or invalid results. Use at your own risk.",
                SkmlpVersionWarning,
            )
        super().__setstate__(state)

    def _checked_logits(self, X):
        """Validate ``X`` for prediction and return its logits."""
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
        return checked_logits(X, self.coefs_, self.intercepts_, self.activation)

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
        Z = self._checked_logits(X)
        return self._target.decode(Z)

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
        proba = self._target.proba(Z)
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
        return self._target.log_proba(Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
