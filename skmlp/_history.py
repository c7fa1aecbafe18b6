"""The history of a model's training: one record per epoch (L-BFGS: iteration).

:class:`History` holds what the fitted attributes ``n_iter_``, ``t_``,
``loss_``, ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
``validation_loss_curve_`` and ``best_validation_score_`` report; the
estimator reads them through :class:`HistoryAttribute`. Each curve has one
entry per epoch of the history, ``n_iter`` of them.
"""

import numpy as np


class History:
    """The record of training, epoch by epoch.

    A ``fit`` starts a history of its own (:meth:`start`), and ``partial_fit``
    extends the one it finds (:meth:`continue_without_validation`). Training
    only appends to the curves, so :meth:`mark` and :meth:`rewind` put a
    history back as it was without copying them.

    Attributes
    ----------
    n_iter : int
        The epochs recorded.
    t : int
        The training samples seen, over every call that trained the model.
    loss : float or None
        The training loss of the last epoch.
    loss_curve : list of float
        The training loss of each epoch.
    best_loss : float or None
        The lowest training loss; None with a validation set, or before the
        first epoch.
    validation_scores, validation_loss_curve : list of float or None
        The validation score and loss of each epoch; None without a
        validation set.
    best_validation_score : float or None
        The best validation score; None without a validation set, or before
        the first epoch.
    no_improvement_count : int
        The epochs in a row without an improvement of at least ``tol``.
    """

    def __init__(self):
        self.t = 0
        self.start(validated=False)

    def start(self, *, validated):
        """Start the history of a fit: ``t`` carries on, all else starts over."""
        self.n_iter = 0
        self.loss = self.best_loss = self.best_validation_score = None
        self.loss_curve = []
        self.validation_scores = [] if validated else None
        self.validation_loss_curve = [] if validated else None
        self.no_improvement_count = 0

    @property
    def validated(self):
        """Whether the epochs are scored on a validation set."""
        return self.validation_scores is not None

    def continue_without_validation(self):
        """Continue the history with epochs scored on the training loss only.

        The validation curves of a fit before no longer describe the model
        that ``partial_fit`` trains further: they are dropped, and the best
        loss is that of the training curve.
        """
        if self.validated:
            self.validation_scores = self.validation_loss_curve = None
            self.best_validation_score = None
            self.best_loss = min(self.loss_curve, default=None)

    def best(self):
        """The best value so far of what stopping watches, "higher is better":
        the validation score, else the negated training loss (-inf before any)."""
        if self.validated:
            best = self.best_validation_score
        else:
            best = None if self.best_loss is None else -self.best_loss
        return -np.inf if best is None else best

    def record(self, loss, n_samples, *, best, no_improvement_count, validation=None):
        """Record an epoch of ``n_samples`` samples.

        Parameters
        ----------
        loss : float
            The training loss of the epoch.
        n_samples : int
            The training samples of the epoch.
        best : float
            The best value so far of what stopping watches (see :meth:`best`).
        no_improvement_count : int
            The epochs in a row without improvement, this one included.
        validation : (float, float) or None
            The epoch's validation score and validation loss, with a
            validation set.
        """
        self.n_iter += 1
        self.t += n_samples
        self.loss = loss
        self.loss_curve.append(loss)
        self.no_improvement_count = no_improvement_count
        if validation is None:
            self.best_loss = -best
        else:
            score, validation_loss = validation
            self.validation_scores.append(score)
            self.validation_loss_curve.append(validation_loss)
            self.best_validation_score = best

    def record_iteration(self, loss):
        """Record an L-BFGS iteration of loss ``loss``."""
        self.n_iter += 1
        self.loss = loss
        self.loss_curve.append(loss)
        self.best_loss = loss if self.best_loss is None else min(self.best_loss, loss)

    def mark(self):
        """This history's values, to :meth:`rewind` it to."""
        return {
            name: (value, len(value) if isinstance(value, list) else None)
            for name, value in vars(self).items()
        }

    def rewind(self, mark):
        """Put the history back as it was at ``mark``."""
        for name, (value, length) in mark.items():
            if length is not None:
                del value[length:]
            setattr(self, name, value)


class HistoryAttribute:
    """A fitted attribute of the estimator, read from its :class:`History`.

    ``n_iter_`` reads the history's ``n_iter``, and so on; before the first
    training call the attribute does not exist, as scikit-learn's fitted
    attributes do not.
    """

    def __set_name__(self, owner, name):
        self.name, self.field = name, name.removesuffix("_")

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self
        history = vars(estimator).get("_history")
        if history is None:
            raise AttributeError(
                f"{type(estimator).__name__!r} object has no attribute "
                f"{self.name!r}: it is set by fit or partial_fit."
            )
        return getattr(history, self.field)

    def __set__(self, estimator, value):
        raise AttributeError(
            f"{self.name} is the history of training, set by fit and partial_fit."
        )
