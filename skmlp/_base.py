"""The training side of the estimator, shared by any multilayer perceptron.

``BaseMultilayerPerceptron`` holds what a classifier and a future regressor
have in common: the parameters' constraints, and a training call that flows
down once. ``_validation`` checks every input and returns one bundle; the
network is initialized (or the fitted one reused) and the early-stopping
split drawn; only then are the fitted attributes set; ``_fit_stochastic`` or
``_fit_lbfgs`` trains, recording each epoch in small named steps. A subclass
supplies the public methods, and its target handling through the target
kinds of ``_targets`` and ``_validation_score``.
"""

import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import __version__
from ._callbacks import CallbackSupportMixin, EpochCallbacks, NoCallbacks
from ._initializers import glorot_uniform
from ._kernels import get_kernels
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


class BaseMultilayerPerceptron(CallbackSupportMixin, BaseEstimator):
    """Training for the multilayer perceptrons of skmlp; not to be used directly.

    Subclasses define ``__init__`` with the parameters constrained here, the
    public methods, and ``_validation_score(y_true, y_pred, sample_weight)``,
    the score early stopping maximizes.
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
        "scoring": [StrOptions({"loss"}), str, callable, None],
    }

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
            network = self._network(
                inputs, random_state, continues=continues, incremental=incremental
            )
            train, validation = self._training_sets(
                inputs, random_state, incremental=incremental
            )
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

    def _network(self, inputs, random_state, *, continues, incremental):
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

    def _training_sets(self, inputs, random_state, *, incremental):
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
        self._optimizer = self._trainer = None  # L-BFGS keeps no state between fits
        settings = self._objective_settings(n_rows=train.X.shape[0], dropout=0.0)
        objective = Objective(*network, **settings)

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
            self.n_iter_ = min(result.nit, self.max_iter)
            self.loss_ = float(result.fun)
            if result.status:
                warn_caller(
                    f"lbfgs failed to converge after {self.n_iter_} iterations: "
                    f"{result.message}. Increase max_iter (or max_fun), or scale "
                    "the data, e.g. with sklearn.preprocessing.StandardScaler.",
                    ConvergenceWarning,
                )
        except BaseException as exc:
            del self.loss_curve_[self.n_iter_ :]
            self._training_failed(exc, objective, train, "iteration")
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)

    def _objective_settings(self, *, n_rows, dropout):
        """The settings of the batch objective of both solvers."""
        return dict(
            activation=self.activation,
            out_activation=self.out_activation_,
            loss=self.loss,
            alpha=self.alpha,
            n_rows=n_rows,
            dropout=dropout,
            kernels=get_kernels(),
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
        trainer, epochs = self._start_epochs(
            network, train, random_state, incremental=incremental
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
            for _ in range(n_epochs):
                callbacks.epoch_begins()
                mark, start = _history_mark(self), time.perf_counter()
                try:
                    loss = next(epochs)
                    improved = self._record_epoch(
                        loss, train.X.shape[0], validation, plateau, start
                    )
                    stopped = self._epoch_ends(plateau, callbacks, incremental)
                    if improved:  # last: an interrupt before it undoes the epoch
                        np.copyto(best, network.vector)
                except BaseException as exc:
                    trainer.rollback()
                    _rewind_history(self, mark)
                    self._training_failed(exc, trainer.objective, train, "epoch")
                    stopped = True
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

    def _start_epochs(self, network, train, random_state, *, incremental):
        """The trainer of this call and the generator of its epochs."""
        n_samples = train.X.shape[0]
        batch_size = self._batch_size(n_samples)
        optimizer = self._stochastic_optimizer(
            network.vector,
            total_steps=self.max_iter * math.ceil(n_samples / batch_size),
            incremental=incremental,
        )
        trainer = self._epoch_trainer(
            network, optimizer, batch_size, incremental=incremental
        )
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
        return trainer, epochs

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

    def _epoch_trainer(self, network, optimizer, batch_size, *, incremental):
        """The trainer; partial_fit keeps it for the next call while it fits the
        network and settings.

        Its buffers (gradients, batches, the checkpoint: about five times the
        weights with Adam) are what a stream of partial_fit calls would
        otherwise allocate on every call; after fit they are let go.
        """
        settings = self._objective_settings(n_rows=batch_size, dropout=self.dropout)
        trainer = getattr(self, "_trainer", None)
        if trainer is None or not trainer.serves(network.vector, optimizer, settings):
            trainer = EpochTrainer(Objective(*network, **settings), optimizer)
        self._trainer = trainer if incremental else None
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
        """The score early stopping maximizes and the mean loss (without the L2
        penalty) on ``validation``.

        The score is ``scoring``'s: by default ``_validation_score`` of the
        predictions; ``"loss"``, the negated mean loss; else a scorer's.
        """
        Z = checked_logits(
            validation.X, self.coefs_, self.intercepts_, self.activation, "X_val"
        )
        weights = validation.sample_weight
        if self.scoring is None:
            score = self._validation_score(
                validation.y, self._target.decode(Z), weights
            )
        loss = LOSS_FUNCTIONS[self.loss, self.out_activation_](Z, validation.Y, weights)
        loss /= Z.shape[0] if weights is None else weights.sum()
        if self.scoring == "loss":
            score = -loss
        elif self.scoring is not None:
            score = self._scorer_score(validation)
        return score, loss

    def _scorer_score(self, validation):
        """``scoring``'s scorer on the validation samples, with their weights."""
        scorer = check_scoring(self, self.scoring)
        weights = (
            {}
            if validation.sample_weight is None
            else {"sample_weight": validation.sample_weight}
        )
        with warnings.catch_warnings():
            # X_val was validated with the training data, feature names
            # included; the scorer sees the array it became.
            warnings.filterwarnings(
                "ignore", "X does not have valid feature names", UserWarning
            )
            return float(scorer(self, validation.X, validation.y, **weights))

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
