"""Training: the epoch loop of the stochastic solvers, and full-batch L-BFGS.

:func:`train_epochs` is a generator: it trains one epoch per ``next`` and
yields that epoch's mean training loss, so the caller keeps the bookkeeping
(convergence, early stopping, progress) and decides when to stop.  If an epoch
diverges or is interrupted, the parameters and optimizer state are rolled back
to where that epoch began before the exception propagates.
"""

import copy
import math

import numpy as np
import scipy.optimize

from ._losses import LOSS_FUNCTIONS
from ._network import Workspace, backward, forward


class DivergenceError(FloatingPointError):
    """Raised when the training loss or the parameters stop being finite."""


class Plateau:
    """Count the epochs in a row without an improvement of at least ``tol``.

    Values are "higher is better" (pass ``-loss`` for a loss).  An epoch counts
    as no improvement when ``value < best + tol``; ``best`` is the highest value
    seen so far.

    Parameters
    ----------
    tol : float
        The improvement that resets the count.
    best : float, default=-inf
        The best value seen before.
    """

    def __init__(self, tol, best=-np.inf):
        self.tol = tol
        self.best = best
        self.count = 0

    def update(self, value):
        """Record ``value``; return True if it is a new best."""
        self.count = self.count + 1 if value < self.best + self.tol else 0
        improved = value > self.best
        if improved:
            self.best = value
        return improved


def batch_slices(n_samples, batch_size):
    """Consecutive slices of at most ``batch_size`` covering ``range(n_samples)``."""
    return [
        slice(start, min(start + batch_size, n_samples))
        for start in range(0, n_samples, batch_size)
    ]


def _gather(array, idx, buffer):
    """Rows ``idx`` of ``array``, copied into ``buffer`` when it is dense."""
    if isinstance(array, np.ndarray):
        # mode="clip" skips the bounds check that makes np.take buffer ``out``;
        # the indices are a permutation of the rows, so always in bounds.
        return np.take(array, idx, axis=0, out=buffer[: len(idx)], mode="clip")
    return array[idx]


def _draw_dropout_masks(masks, dropout, rng):
    """Fill each mask with 0 (probability ``dropout``) or ``1 / (1 - dropout)``."""
    for mask in masks:
        rng.random(out=mask, dtype=mask.dtype)
        np.greater_equal(mask, dropout, out=mask)
        mask *= 1.0 / (1.0 - dropout)


class Objective:
    """The regularized loss of a batch and its gradient, over reusable buffers.

    Calling it on a batch returns ``(sum_i w_i L_i + alpha / 2 ||W||^2) / sum_i w_i``
    and leaves the gradient with respect to ``params`` in ``grads``.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        All the parameters in one vector (see :func:`~skmlp._network.pack`).
    coefs, intercepts : list of ndarray
        The weights and biases: views of ``params``.
    activation, out_activation : str
        Names of the hidden and output activations.
    loss : {"log_loss", "squared_error"}
        The loss, with ``out_activation`` a key of ``LOSS_FUNCTIONS``.
    alpha : float
        The L2 penalty.
    n_rows : int
        The largest batch.
    dropout : float, default=0.0
        Probability of dropping each hidden unit (inverted dropout).
    dropout_rng : numpy.random.Generator or None
        The generator for the dropout masks; required when ``dropout > 0``.
    """

    def __init__(
        self,
        params,
        coefs,
        intercepts,
        *,
        activation,
        out_activation,
        loss,
        alpha,
        n_rows,
        dropout=0.0,
        dropout_rng=None,
    ):
        layer_units = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        self.workspace = Workspace(
            layer_units, n_rows, params.dtype, dropout=dropout > 0
        )
        self.grads = self.workspace.grads
        self.coefs, self.intercepts = coefs, intercepts
        n_weights = sum(W.size for W in coefs)  # the W_k are packed first
        self.weights, self.weight_grads = params[:n_weights], self.grads[:n_weights]
        self._penalty_grads = np.empty_like(self.weights)
        self.activation = activation
        self.loss_function = LOSS_FUNCTIONS[loss, out_activation]
        self.alpha = alpha
        self.dropout, self.dropout_rng = dropout, dropout_rng

    def __call__(self, X, Y, sample_weight, weight_sum):
        """The batch objective; ``weight_sum`` is ``sum_i w_i`` (or ``n``), > 0."""
        activations, deltas, masks, dropped = self.workspace.rows(X.shape[0])
        if masks is not None:
            _draw_dropout_masks(masks, self.dropout, self.dropout_rng)
        layers = forward(
            X,
            self.coefs,
            self.intercepts,
            self.activation,
            activations,
            masks=masks,
            dropped=dropped,
        )
        loss = self.loss_function(layers[-1], Y, sample_weight)
        layers[-1] *= 1.0 / weight_sum
        backward(
            layers,
            self.coefs,
            self.activation,
            self.workspace.coef_grads,
            self.workspace.intercept_grads,
            deltas,
            masks=masks,
            hidden=activations,
        )
        if self.alpha:
            # the penalty alpha / 2 ||W||^2 and its gradient alpha W, divided by
            # sum(w) like the data term, on all the weights at once
            loss += 0.5 * self.alpha * float(np.dot(self.weights, self.weights))
            np.multiply(self.weights, self.alpha / weight_sum, out=self._penalty_grads)
            self.weight_grads += self._penalty_grads
        return loss / weight_sum

    def is_finite_on(self, X):
        """Whether the network's logits on the batch ``X`` are all finite."""
        activations = self.workspace.rows(X.shape[0])[0]
        with np.errstate(over="ignore", invalid="ignore"):
            layers = forward(
                X, self.coefs, self.intercepts, self.activation, activations
            )
        return bool(np.isfinite(layers[-1]).all())


def train_epochs(
    params,
    coefs,
    intercepts,
    optimizer,
    X,
    Y,
    sample_weight,
    *,
    activation,
    out_activation,
    alpha,
    batch_size,
    shuffle,
    random_state,
    loss="log_loss",
    dropout=0.0,
    dropout_rng=None,
):
    """Train the network epoch after epoch, yielding each epoch's mean loss.

    The loss of an epoch is the size-weighted mean of the batch objectives
    ``(sum_i w_i L_i + alpha / 2 ||W||^2) / sum_i w_i``, as scikit-learn
    reports it; batches whose weights are all zero carry no data and are
    skipped.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        All the parameters in one vector, updated in place (see
        :func:`~skmlp._network.pack`).
    coefs, intercepts : list of ndarray
        The weights and biases: views of ``params``.
    optimizer : object
        Has ``update([params], [grads])``; its state is rolled back with the
        parameters when an epoch fails.
    X : {ndarray, sparse CSR matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets, of the dtype of the parameters.
    sample_weight : ndarray of shape (n_samples,) or None
    activation, out_activation : str
        Names of the hidden and output activations.
    alpha : float
        The L2 penalty.
    batch_size : int
        Number of samples per mini-batch.
    shuffle : bool
        Whether to visit the samples in a new random order each epoch.
    random_state : numpy.random.RandomState
        The generator for the shuffles.
    loss : {"log_loss", "squared_error"}, default="log_loss"
        The loss, with ``out_activation`` a key of ``LOSS_FUNCTIONS``.
    dropout : float, default=0.0
        Probability of dropping each hidden unit in each training batch
        (inverted dropout: kept units are scaled by ``1 / (1 - dropout)``).
    dropout_rng : numpy.random.Generator or None
        The generator for the dropout masks; required when ``dropout > 0``.

    Yields
    ------
    loss : float
        The mean training loss of the epoch just completed.

    Raises
    ------
    DivergenceError
        If the loss or the parameters become non-finite; the parameters are
        those from before the failing epoch.
    """
    n_samples, n_features = X.shape
    dtype = params.dtype
    objective = Objective(
        params,
        coefs,
        intercepts,
        activation=activation,
        out_activation=out_activation,
        loss=loss,
        alpha=alpha,
        n_rows=batch_size,
        dropout=dropout,
        dropout_rng=dropout_rng,
    )
    sample_idx = np.arange(n_samples)
    slices = batch_slices(n_samples, batch_size)
    # A single batch holds every sample whatever the order: nothing to gather
    # (the shuffle still runs, so the random stream is the same).
    gather = shuffle and len(slices) > 1
    buffers = {
        "X": np.empty((batch_size, n_features), dtype) if gather else None,
        "Y": np.empty((batch_size, Y.shape[1]), dtype) if gather else None,
        "sample_weight": np.empty(batch_size, dtype) if gather else None,
    }

    def batch(array, name, rows):
        if array is None or not gather:
            return None if array is None else array[rows]
        return _gather(array, sample_idx[rows], buffers[name])

    while True:
        saved_params = params.copy()
        saved_optimizer = copy.deepcopy(optimizer.__dict__)
        if shuffle:
            random_state.shuffle(sample_idx)
        total_loss = n_counted = 0.0
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                for rows in slices:
                    X_batch = batch(X, "X", rows)
                    Y_batch = batch(Y, "Y", rows)
                    w_batch = batch(sample_weight, "sample_weight", rows)
                    n_batch = X_batch.shape[0]
                    weight_sum = n_batch if w_batch is None else float(w_batch.sum())
                    if not weight_sum:
                        continue  # a batch of zero-weight samples carries no data
                    batch_loss = objective(X_batch, Y_batch, w_batch, weight_sum)
                    if not math.isfinite(batch_loss):
                        raise DivergenceError("the training loss became non-finite")
                    optimizer.update([params], [objective.grads])
                    total_loss += batch_loss * n_batch
                    n_counted += n_batch
            if not np.isfinite(params).all():
                raise DivergenceError("the network weights became non-finite")
            # Finite but huge weights overflow at the next forward pass: check
            # the last batch again now.
            if not objective.is_finite_on(X_batch):
                raise DivergenceError("the network's outputs overflow")
        except (DivergenceError, KeyboardInterrupt):
            np.copyto(params, saved_params)
            optimizer.__dict__.update(saved_optimizer)
            raise
        yield float(total_loss / n_counted)


def fit_lbfgs(
    objective, params, X, Y, sample_weight, *, max_iter, max_fun, tol, on_iteration
):
    """Minimize the full-batch objective with SciPy's L-BFGS-B, in place.

    Parameters
    ----------
    objective : Objective
        Sized for all of ``X`` (``n_rows = n_samples``) and viewing ``params``.
    params : ndarray of shape (n_params,)
        The starting point; holds the solution on return.
    X, Y, sample_weight : arrays
        The whole training set, encoded targets and weights (or None).
    max_iter, max_fun : int
        The limits on iterations and on evaluations of the objective.
    tol : float
        The projected-gradient tolerance (``gtol``).
    on_iteration : callable
        Called with the objective after each iteration.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        SciPy's report (``nit``, ``fun``, ``status``, ``message``).

    Raises
    ------
    KeyboardInterrupt
        Re-raised after putting the last completed iterate into ``params``.
    """
    weight_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    last = {"x": params.astype(np.float64)}

    def loss_and_gradient(x):
        params[...] = x
        with np.errstate(over="ignore", invalid="ignore"):
            loss = objective(X, Y, sample_weight, weight_sum)
        return loss, objective.grads.astype(np.float64)

    def callback(intermediate_result):
        last["x"] = intermediate_result.x.copy()
        on_iteration(float(intermediate_result.fun))

    try:
        result = scipy.optimize.minimize(
            loss_and_gradient,
            last["x"],
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        )
    except KeyboardInterrupt:
        params[...] = last["x"]
        raise
    params[...] = result.x
    return result
