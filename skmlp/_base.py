"""The training side of the estimators, shared by every multilayer perceptron.

``BaseMultilayerPerceptron`` holds what the classifier and the regressor have
in common: the parameters' constraints, and a training call that flows down
once. ``_validation`` checks every input and returns one bundle, with the
target kind that the subclass reads from ``y`` (``_read_target``); the network
is initialized (or the fitted one reused), the early-stopping split drawn, and
the kernels, the scorer and the training buffers made; only then are the
fitted attributes set, and ``_fit_stochastic`` or ``_fit_lbfgs`` trains,
recording each epoch in the model's :class:`~skmlp._history.History`. A call
that fails, before or while training, is undone entirely. A subclass supplies
the public methods, ``_read_target`` and ``_validation_score``, and knows its
targets through the protocol of ``_targets``.
"""

import functools
import math
import time
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from . import __version__
from ._activations import outputs_are_finite
from ._callbacks import CallbackSupportMixin, EpochCallbacks, NoCallbacks
from ._history import History, HistoryAttribute
from ._initializers import glorot_uniform
from ._kernels import NUMPY_KERNELS, get_kernels
from ._network import FlatParameters, forward
from ._optimizers import OPTIMIZERS
from ._training import DivergenceError, EpochTrainer, Objective, Plateau, fit_lbfgs
from ._validation import (
    checked_logits,
    mean_loss,
    split_for_early_stopping,
    validate_training_call,
    warn_caller,
)


class SkmlpVersionWarning(UserWarning):
    """A model pickled by another version of skmlp is being loaded."""


# What scikit-learn's callback machinery sets during a fit and deletes after
# it, in its own teardown: left to it.
_CALLBACK_STATE = {"_callback_fit_ctx", "_skl_callbacks_to_teardown"}


class _Undo:
    """What a training call may change, to put back if it fails: no deep copy.

    The attributes are kept by reference, the history by its
    :meth:`~skmlp._history.History.mark`, and the optimizer's attributes: its
    numbers, and its lists of state arrays (which it replaces rather than
    overwrite when its settings change). The arrays are not copied: a new or
    warm-started fit trains new ones, and the one epoch of ``partial_fit``,
    which trains the fitted vector in place, rolls back on failure.
    """

    def __init__(self, estimator):
        self.attributes = {
            name: value
            for name, value in vars(estimator).items()
            if name not in _CALLBACK_STATE
        }
        history = self.attributes.get("_history")
        self.history = None if history is None else history.mark()
        optimizer = self.attributes.get("_optimizer")
        self.optimizer = None if optimizer is None else dict(vars(optimizer))

    def restore(self, estimator):
        for name in set(vars(estimator)) - _CALLBACK_STATE:
            delattr(estimator, name)
        estimator.__dict__.update(self.attributes)
        if self.history is not None:
            estimator._history.rewind(self.history)
        if self.optimizer is not None:
            vars(estimator._optimizer).update(self.optimizer)


class _Run(NamedTuple):
    """A training call, ready to train: checked, split and allocated."""

    inputs: object
    """The :class:`~skmlp._validation.TrainingInputs` of the call."""
    network: FlatParameters
    train: object
    validation: object
    """The validation :class:`~skmlp._validation.Samples`, or None."""
    trainer: object
    """The :class:`~skmlp._training.EpochTrainer` of a stochastic solver, or
    the :class:`~skmlp._training.Objective` of L-BFGS."""
    epochs: object
    """The trainer's generator of epochs (None for L-BFGS)."""
    scorer: object
    """``scoring``'s scorer, or None for the default score and ``'loss'``."""
    new_model: bool
    """Whether the call trains a new model (not a warm start or partial_fit)."""


class BaseMultilayerPerceptron(CallbackSupportMixin, BaseEstimator):
    """Training for the multilayer perceptrons of skmlp; not to be used directly.

    Subclasses define ``__init__`` with the parameters constrained here and
    their own (``loss`` among them), the public methods,
    ``_read_target(y, sample_weight, *, fitted_target, incremental, ...)``,
    which returns the target kind of a training call and the weight of each
    class (or None), and ``_validation_score(y_true, y_pred, sample_weight)``,
    the score early stopping maximizes by default.
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
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "scoring": [StrOptions({"loss"}), str, callable, None],
    }

    n_iter_ = HistoryAttribute()
    t_ = HistoryAttribute()
    loss_ = HistoryAttribute()
    loss_curve_ = HistoryAttribute()
    best_loss_ = HistoryAttribute()
    validation_scores_ = HistoryAttribute()
    validation_loss_curve_ = HistoryAttribute()
    best_validation_score_ = HistoryAttribute()

    def _validate_params(self):
        """scikit-learn's validation of the parameters, but a bool is no number:
        its ``Interval`` constraints take ``True`` for 1."""
        for name, value in self.get_params(deep=False).items():
            constraints = self._parameter_constraints[name]
            numeric = "random_state" in constraints or any(
                isinstance(constraint, Interval) for constraint in constraints
            )
            if numeric and isinstance(value, (bool, np.bool_)):
                raise InvalidParameterError(
                    f"The {name!r} parameter of {type(self).__name__} takes "
                    f"numbers, not bools. Got {value!r} instead."
                )
        super()._validate_params()

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
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            A classifier's class labels, or a label-indicator matrix for
            multilabel targets; a regressor's target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (multiplied by a classifier's
            ``class_weight``).
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set for early stopping, used instead of holding out
            ``validation_fraction`` of ``X``; requires ``early_stopping=True``
            and a stochastic solver. In a Pipeline, pass
            ``transform_input=["X_val"]`` so that it is transformed like ``X``.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
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
        validation_set=(None, None, None),
        incremental=False,
        **target_args,
    ):
        """Train on ``X, y``; ``target_args`` go to the subclass's
        ``_read_target``. A call that fails changes nothing."""
        undo = _Undo(self)
        try:
            run = self._prepare(
                X,
                y,
                sample_weight,
                validation_set=validation_set,
                incremental=incremental,
                target_args=target_args,
            )
            self._set_network(run.inputs.target, run.network, new_model=run.new_model)
            if self.solver == "lbfgs":
                self._fit_lbfgs(run)
            else:
                self._fit_stochastic(run, incremental=incremental)
        except BaseException:
            undo.restore(self)
            raise
        return self

    def _prepare(
        self, X, y, sample_weight, *, validation_set, incremental, target_args
    ):
        """Everything a training call needs, checked and allocated before the
        model changes: the inputs, the network, the split, the kernels, the
        scorer and the training buffers."""
        if incremental:  # _fit_context validates partial_fit only once
            self._validate_params()
        continues = hasattr(self, "coefs_") and (self.warm_start or incremental)
        read_target = functools.partial(
            self._read_target,
            fitted_target=self._target if continues else None,
            incremental=incremental,
            **target_args,
        )
        inputs = validate_training_call(
            self,
            X,
            y,
            sample_weight,
            read_target=read_target,
            validation_set=validation_set,
            new_model=not continues,
        )
        scorer = self._scorer()
        kernels = get_kernels()
        random_state = check_random_state(self.random_state)
        network = self._network(
            inputs, random_state, continues=continues, incremental=incremental
        )
        train, validation = self._training_sets(
            inputs, random_state, incremental=incremental
        )
        if inputs.validation is not None:
            self._check_X_val(inputs, network)
        settings = dict(out_activation=inputs.target.out_activation, kernels=kernels)
        try:
            if self.solver == "lbfgs":
                settings.update(n_rows=train.X.shape[0], dropout=0.0)
                trainer = Objective(*network, **self._objective_settings(**settings))
                epochs = None
            else:
                trainer, epochs = self._start_epochs(
                    network,
                    train,
                    random_state,
                    settings,
                    samples_seen=self._history.t if continues else 0,
                    incremental=incremental,
                )
        except MemoryError as exc:
            raise ValueError(
                "The training buffers of a batch cannot be allocated "
                f"({exc}); use a smaller batch_size or hidden_layer_sizes."
            ) from exc
        return _Run(
            inputs, network, train, validation, trainer, epochs, scorer, not continues
        )

    def _check_X_val(self, inputs, network):
        """Refuse an ``X_val`` too large for the network as it starts: the
        features' fault, said before training. Past this, outputs or a loss on
        the validation set that overflow are divergence."""
        out_activation = inputs.target.out_activation
        Z = checked_logits(
            inputs.validation.X,
            network.coefs,
            network.intercepts,
            self.activation,
            out_activation,
            "X_val",
        )
        if not math.isfinite(
            mean_loss(Z, inputs.validation, self.loss, out_activation)
        ):
            raise ValueError(
                "X_val is too large for this network: its loss overflows "
                f"{Z.dtype}. Scale the features, e.g. with "
                "sklearn.preprocessing.StandardScaler."
            )

    def _scorer(self):
        """``scoring``'s scorer, or None for the default score and ``'loss'``;
        an unknown scorer name is refused before anything changes."""
        if self.scoring is None or self.scoring == "loss":
            return None
        try:
            return check_scoring(self, self.scoring)
        except ValueError as exc:
            raise InvalidParameterError(
                f"The 'scoring' parameter of {type(self).__name__} must be None, "
                "'loss', a callable or a name in "
                f"sklearn.metrics.get_scorer_names(). Got {self.scoring!r} instead."
            ) from exc

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

    def _set_network(self, target, network, *, new_model):
        """Set the fitted attributes of the network once it exists; a new
        model starts a new history."""
        if new_model:
            self._history = History()
        self._target = target
        # What prediction runs: the activation trained with, whatever
        # set_params changes before the next training call.
        self._activation = self.activation
        self.coefs_, self.intercepts_ = network.coefs, network.intercepts
        self.n_outputs_ = network.coefs[-1].shape[1]
        self.n_layers_ = len(network.coefs) + 1
        self.out_activation_ = target.out_activation

    def _fit_lbfgs(self, run):
        """Train with full-batch L-BFGS on our loss and gradient."""
        history = self._history
        history.start(validated=False)
        self._optimizer = self._trainer = None  # L-BFGS keeps no state between fits

        def record(loss):
            history.record_iteration(loss)
            if self.verbose:
                print(f"Iteration {history.n_iter}, loss = {loss:.8f}")

        train = run.train
        try:
            result = fit_lbfgs(
                run.trainer,
                run.network.vector,
                train.X,
                train.Y,
                train.sample_weight,
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                on_iteration=record,
            )
            history.loss = float(result.fun)
            if result.status:
                warn_caller(
                    f"lbfgs failed to converge after {history.n_iter} iterations: "
                    f"{result.message}. Increase max_iter (or max_fun), or scale "
                    "the data, e.g. with sklearn.preprocessing.StandardScaler.",
                    ConvergenceWarning,
                )
        except BaseException as exc:
            self._training_failed(exc, run.trainer, train, "iteration")

    def _objective_settings(self, *, n_rows, dropout, out_activation, kernels):
        """The settings of the batch objective of both solvers."""
        return dict(
            activation=self.activation,
            out_activation=out_activation,
            loss=self.loss,
            alpha=self.alpha,
            n_rows=n_rows,
            dropout=dropout,
            kernels=kernels,
        )

    def _training_failed(self, exc, objective, train, step):
        """The one failure path of every solver, once the parameters are back.

        Ctrl-C keeps the model of the last complete ``step`` with a warning;
        divergence becomes a ValueError that names its cause; anything else
        propagates as it is. Either error undoes the call (see ``_fit``).
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
                "Scale the features X, e.g. with sklearn.preprocessing.StandardScaler, "
                "or increase alpha."
            )
        else:
            advice = (
                f"Use a smaller learning_rate_init (now {self.learning_rate_init}) or "
                "scale the features X, e.g. with sklearn.preprocessing.StandardScaler."
            )
        raise ValueError(
            f"Training diverged: {exc} during {step} {self._history.n_iter + 1}. "
            f"The call is undone: the model is as it was before it. {advice}"
        ) from exc

    def _fit_stochastic(self, run, *, incremental):
        """Train with SGD or Adam: one epoch per call of partial_fit, else up to
        ``max_iter``, recording each and stopping when the optimizer says so."""
        history, validation, trainer = self._history, run.validation, run.trainer
        if incremental:
            history.continue_without_validation()
        else:
            history.start(validated=validation is not None)
        plateau = Plateau(self.tol, history.best())
        plateau.count = history.no_improvement_count
        best = None if validation is None else np.empty_like(run.network.vector)
        n_epochs = 1 if incremental else self.max_iter
        train = run.train
        callbacks = (
            EpochCallbacks(self, train.X, train.y, train.sample_weight, n_epochs)
            if hasattr(self, "_init_callback_context")
            else NoCallbacks()
        )
        stopped, trained = incremental, 0
        try:
            for _ in range(n_epochs):
                mark, start, epoch_trained = history.mark(), time.perf_counter(), False
                try:
                    callbacks.epoch_begins()
                    loss = next(run.epochs)  # rolls itself back if it fails
                    trained, epoch_trained = trained + 1, True
                    improved = self._record_epoch(loss, run, plateau, start)
                    stopped = self._epoch_ends(plateau, callbacks, incremental)
                    if improved:  # last: an interrupt before it undoes the epoch
                        np.copyto(best, run.network.vector)
                except BaseException as exc:
                    if epoch_trained:
                        trainer.rollback()
                        trained -= 1
                    history.rewind(mark)
                    self._training_failed(exc, trainer.objective, train, "epoch")
                    stopped = True
                if stopped:
                    break
            if best is not None and history.n_iter:
                np.copyto(run.network.vector, best)
            callbacks.fit_ends()
        except BaseException:
            # partial_fit trains the fitted vector in place: back to where its
            # one epoch began (a fit trains new arrays, which are dropped)
            if incremental and trained:
                trainer.rollback()
            raise
        if not stopped:
            warn_caller(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    def _start_epochs(
        self, network, train, random_state, settings, *, samples_seen, incremental
    ):
        """The trainer of this call and the generator of its epochs."""
        n_samples = train.X.shape[0]
        batch_size = self._batch_size(n_samples)
        optimizer = self._stochastic_optimizer(
            network.vector,
            total_steps=self.max_iter * math.ceil(n_samples / batch_size),
            incremental=incremental,
        )
        trainer = self._epoch_trainer(
            network,
            optimizer,
            self._objective_settings(
                n_rows=batch_size, dropout=self.dropout, **settings
            ),
            incremental=incremental,
        )
        dropout_rng = None
        if self.dropout:
            # random_state is drawn anew by each call: with the samples seen
            # before it, each partial_fit call of a seeded model draws new masks.
            seed = random_state.randint(2**31 - 1)
            dropout_rng = np.random.default_rng([seed, samples_seen])
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

    def _epoch_trainer(self, network, optimizer, settings, *, incremental):
        """The trainer; partial_fit keeps it for the next call while it fits the
        network and settings.

        Its buffers (gradients, batches, the checkpoint: about five times the
        weights with Adam) are what a stream of partial_fit calls would
        otherwise allocate on every call; after fit they are let go.
        """
        trainer = getattr(self, "_trainer", None)
        if trainer is None or not trainer.serves(network.vector, optimizer, settings):
            trainer = EpochTrainer(Objective(*network, **settings), optimizer)
        self._trainer = trainer if incremental else None
        return trainer

    def _record_epoch(self, loss, run, plateau, start):
        """Record a trained epoch; return whether it has the best validation score.

        Every value is computed before the history changes, so that it stays
        consistent with ``n_iter_`` whenever an interrupt comes.
        """
        history = self._history
        progress = f"Iteration {history.n_iter + 1}, loss = {loss:.8f}"
        if run.validation is None:
            scores = None
            improved = plateau.update(-loss)
        else:
            scores = self._score_validation(run.validation, run.scorer)
            improved = plateau.update(scores[0])
            progress += (
                f", validation loss = {scores[1]:.8f}"
                f", validation score = {scores[0]:.6f}"
            )
        history.record(
            loss,
            run.train.X.shape[0],
            best=plateau.best,
            no_improvement_count=plateau.count,
            validation=scores,
        )
        if self.verbose:
            print(f"{progress} ({time.perf_counter() - start:.3f}s)")
        return run.validation is not None and improved

    def _score_validation(self, validation, scorer):
        """The score early stopping maximizes and the mean loss (without the L2
        penalty) on ``validation``.

        The score is ``scoring``'s: by default ``_validation_score`` of the
        predictions; ``"loss"``, the negated mean loss; else ``scorer``'s. The
        validation samples are finite (checked with the training data), so
        outputs that are not come from weights grown too large: divergence.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            Z = forward(
                validation.X,
                self.coefs_,
                self.intercepts_,
                self.activation,
                kernels=NUMPY_KERNELS,
            )[-1]
        if not outputs_are_finite(Z, self.out_activation_):
            raise DivergenceError(
                "the network's outputs on the validation set overflow"
            )
        if self.scoring is None:
            with np.errstate(over="ignore", invalid="ignore"):  # a score of -inf
                score = self._validation_score(
                    validation.y, self._target.decode(Z), validation.sample_weight
                )
        loss = mean_loss(Z, validation, self.loss, self.out_activation_)
        if not math.isfinite(loss):
            raise DivergenceError("the loss on the validation set overflows")
        if self.scoring == "loss":
            score = -loss
        elif scorer is not None:
            score = self._scorer_score(scorer, validation)
        if math.isnan(score):
            raise ValueError(
                f"The validation score of epoch {self._history.n_iter + 1} is NaN "
                f"(scoring={self._scoring_name()}): early stopping needs a number to "
                "compare. Use a scorer that returns one on the validation set."
            )
        return score, loss

    def _scoring_name(self):
        """``scoring`` as messages show it: a function by its name."""
        return getattr(self.scoring, "__qualname__", None) or repr(self.scoring)

    def _scorer_score(self, scorer, validation):
        """``scorer`` on the validation samples, with their weights, as a float."""
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
            score = scorer(self, validation.X, validation.y, **weights)
        try:
            return float(score)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"scoring={self._scoring_name()} returned {score!r}: a scorer must "
                "return a number."
            ) from exc

    def _epoch_ends(self, plateau, callbacks, incremental):
        """Move the schedule on; return whether training should stop."""
        history = self._history
        self._optimizer.epoch_ends(history.t)
        if callbacks.epoch_ends():
            return True
        if plateau.count <= self.n_iter_no_change:
            return incremental
        stop = self._optimizer.on_plateau()
        if self.verbose:
            what = "Validation score" if history.validated else "Training loss"
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
        plateau.count = history.no_improvement_count = 0
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
        # A copy: on Python 3.11+ scikit-learn hands over the live __dict__,
        # and pickling must not change the model.
        state = dict(super().__getstate__())
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
        return checked_logits(
            X, self.coefs_, self.intercepts_, self._activation, self.out_activation_
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
