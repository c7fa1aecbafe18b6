"""Training: the batch objective, the epochs of the stochastic solvers, L-BFGS.

:class:`EpochTrainer` trains one epoch per ``next`` of its :meth:`epochs`
generator and yields that epoch's mean training loss, so the caller keeps the
bookkeeping (convergence, early stopping, progress) and decides when to stop.
If an epoch fails (it diverges, is interrupted, or raises anything else), the
parameters and optimizer state are rolled back to where that epoch began
before the exception propagates; the
caller rolls back the same way when its own bookkeeping fails. The trainer
keeps its buffers (gradients, batches, the checkpoint), so a stream of
``partial_fit`` calls allocates almost nothing per call. :func:`fit_lbfgs` fails the
same two ways, :class:`DivergenceError` and ``KeyboardInterrupt``, keeping the
last completed iteration.
"""

import math
from typing import NamedTuple

import numpy as np
import scipy.optimize

from ._activations import largest_finite_logit, outputs_are_finite
from ._losses import LOSS_FUNCTIONS
from ._network import Workspace, backward, forward
from ._optimizers import L2Gradient
from ._threads import BlasThreads


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
        self._unset = best == -np.inf  # no value seen yet

    def update(self, value):
        """Record ``value``; return True if it is a new best.

        The first value after a best of -inf is one, however low: an epoch
        whose score is -inf still has weights to keep.
        """
        self.count = self.count + 1 if value < self.best + self.tol else 0
        improved = value > self.best or self._unset
        self._unset = False
        if improved:
            self.best = value
        return improved


def batch_slices(n_samples, batch_size):
    """Consecutive slices of at most ``batch_size`` covering ``range(n_samples)``."""
    return [
        slice(start, min(start + batch_size, n_samples))
        for start in range(0, n_samples, batch_size)
    ]


class Batch(NamedTuple):
    """Inputs, encoded targets and sample weights (or None) of the same rows."""

    X: object
    Y: object
    sample_weight: object


def _batch(array, rows, sample_idx, buffer):
    """The rows ``sample_idx[rows]`` of ``array``; a slice when ``buffer`` is None."""
    if array is None:
        return None
    if buffer is None:
        return array[rows]
    idx = sample_idx[rows]
    if isinstance(array, np.ndarray):
        # mode="clip" skips the bounds check that makes np.take buffer ``out``;
        # the indices are a permutation of the rows, so always in bounds.
        # The method, not np.take: its wrapper cost 1.4% of an MNIST epoch.
        return array.take(idx, axis=0, out=buffer[: len(idx)], mode="clip")
    return array[idx]


def _max_row_norm(X):
    """The largest Euclidean norm of a row of ``X`` (dense or sparse)."""
    if isinstance(X, np.ndarray):
        squares = np.einsum("ij,ij->i", X, X)
    else:
        squares = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    return math.sqrt(float(squares.max()))


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
    kernels : Kernels
        The element-wise kernels (see ``skmlp._kernels``).
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
        kernels,
    ):
        self.settings = dict(
            activation=activation,
            out_activation=out_activation,
            loss=loss,
            alpha=alpha,
            n_rows=n_rows,
            dropout=dropout,
            kernels=kernels,
        )
        layer_units = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        self.workspace = Workspace(
            layer_units, n_rows, params.dtype, dropout=dropout > 0
        )
        self.params, self.grads = params, self.workspace.grads
        self.coefs, self.intercepts = coefs, intercepts
        n_weights = sum(W.size for W in coefs)  # the W_k are packed first
        self.weights, self.weight_grads = params[:n_weights], self.grads[:n_weights]
        self._penalty_scratch = np.empty_like(self.weights)
        self.activation = activation
        self.loss, self.out_activation = loss, out_activation
        self.alpha = alpha
        self.dropout, self.dropout_rng = dropout, dropout_rng
        self.kernels = kernels

    def __call__(self, X, Y, sample_weight, weight_sum, *, add_l2_gradient=True):
        """The batch objective; ``weight_sum`` is ``sum_i w_i`` (or ``n``), > 0.

        With ``add_l2_gradient=False``, ``grads`` is left without the L2
        penalty's gradient, for the optimizer step to add from
        :meth:`l2_gradient` in the pass it makes over the parameters anyway.
        """
        activations, deltas, masks, dropped = self.workspace.rows(X.shape[0])
        if masks is not None:
            _draw_dropout_masks(masks, self.dropout, self.dropout_rng)
        layers = forward(
            X,
            self.coefs,
            self.intercepts,
            self.activation,
            activations,
            kernels=self.kernels,
            masks=masks,
            dropped=dropped,
        )
        loss = self.kernels.loss_and_delta(
            layers[-1],
            Y,
            sample_weight,
            1.0 / weight_sum,
            loss=self.loss,
            out_activation=self.out_activation,
        )
        backward(
            layers,
            self.coefs,
            self.activation,
            self.workspace.coef_grads,
            self.workspace.intercept_grads,
            deltas,
            kernels=self.kernels,
            masks=masks,
            hidden=activations,
        )
        if self.alpha:
            # the penalty alpha / 2 ||W||^2 and its gradient alpha W, divided by
            # sum(w) like the data term, on all the weights at once
            if add_l2_gradient:
                squares = self.kernels.add_l2_gradient(
                    self.weights,
                    self.weight_grads,
                    self.alpha / weight_sum,
                    self._penalty_scratch,
                )
            else:
                squares = float(np.dot(self.weights, self.weights))
            loss += 0.5 * self.alpha * squares
        return loss / weight_sum

    def l2_gradient(self, weight_sum):
        """The L2 penalty's gradient left out by ``add_l2_gradient=False``,
        as an :class:`~skmlp._optimizers.L2Gradient`, or None if ``alpha`` is 0."""
        if not self.alpha:
            return None
        return L2Gradient(
            self.weights.size, self.alpha / weight_sum, self._penalty_scratch
        )

    def penalty_dominates(self, X, Y, sample_weight):
        """Whether the L2 penalty swamps the data term at the current parameters.

        True when ``alpha / 2 ||W||^2`` is not finite, or exceeds by more
        than ``1 / eps`` a data loss ``sum_i w_i L_i`` on ``X`` that is a
        number: the data then cannot move the weights, and ``alpha``, not the
        step size, is what makes training fail.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            penalty = 0.5 * self.alpha * float(np.dot(self.weights, self.weights))
            logits = forward(
                X, self.coefs, self.intercepts, self.activation, kernels=self.kernels
            )[-1]
            data = LOSS_FUNCTIONS[self.loss, self.out_activation](
                logits, Y, sample_weight
            )
        eps = float(np.finfo(self.weights.dtype).eps)
        # A data loss that is not a number (X at the float limit) says nothing
        # against alpha: only an overflowing or overwhelming penalty does.
        return bool(self.alpha) and (not math.isfinite(penalty) or penalty * eps > data)

    def outputs_are_bounded_on(self, X):
        """Whether every value of a forward pass on ``X`` is surely finite.

        With ``r_0`` the largest row norm of ``X``, each layer's values are
        bounded by ``r_{k+1} = r_k ||W_k||_F + ||b_k||``, which the hidden
        activations keep (ReLU and identity) or cap at ``sqrt(fan_out)``
        (logistic; tanh at the smaller of the two). True when every bound is
        finite and below the square root of the dtype's largest value (for
        the logits of an exp output, below the largest finite logit, about
        709 in float64): then every parameter is finite too. One pass over
        the parameters, in BLAS dot products, instead of a forward pass.
        """
        dtype = self.weights.dtype
        limit = math.sqrt(float(np.finfo(dtype).max))
        last = len(self.coefs) - 1
        output_limit = min(limit, largest_finite_logit(self.out_activation, dtype))
        with np.errstate(over="ignore"):  # an overflow is past the limit anyway
            bound = _max_row_norm(X)
            for k, (W, b) in enumerate(zip(self.coefs, self.intercepts)):
                # in memory order: a view of W in either layout, not a copy
                W, fan_out = W.ravel(order="K"), b.shape[0]
                bound = bound * math.sqrt(np.dot(W, W)) + math.sqrt(np.dot(b, b))
                if not bound < (output_limit if k == last else limit):  # NaN too
                    return False
                if k < last and self.activation in ("logistic", "tanh"):
                    cap = math.sqrt(fan_out)
                    bound = cap if self.activation == "logistic" else min(bound, cap)
        return True

    def is_finite_on(self, X):
        """Whether the network's logits and outputs on the batch ``X`` are all
        finite."""
        activations = self.workspace.rows(X.shape[0])[0]
        with np.errstate(over="ignore", invalid="ignore"):
            layers = forward(
                X,
                self.coefs,
                self.intercepts,
                self.activation,
                activations,
                kernels=self.kernels,
            )
        return outputs_are_finite(layers[-1], self.out_activation)


class Checkpoint:
    """A copy of the parameters and of the optimizer's state, to roll back to.

    The copies live in buffers allocated once and reused by every :meth:`save`:
    O(n_params) copying per save, no allocation.
    """

    def __init__(self, params, optimizer):
        self.params, self.optimizer = params, optimizer
        self._params = np.empty_like(params)
        self._state = {
            name: [np.empty_like(array) for array in value]
            for name, value in vars(optimizer).items()
            if isinstance(value, list)
        }

    def save(self):
        """Copy the current parameters and optimizer state."""
        np.copyto(self._params, self.params)
        for name, value in vars(self.optimizer).items():
            if isinstance(value, list):
                for saved, array in zip(self._state[name], value):
                    np.copyto(saved, array)
            else:
                self._state[name] = value

    def restore(self):
        """Put the saved parameters and optimizer state back, in place."""
        np.copyto(self.params, self._params)
        for name, value in self._state.items():
            if isinstance(value, list):
                for array, saved in zip(getattr(self.optimizer, name), value):
                    np.copyto(array, saved)
            else:
                setattr(self.optimizer, name, value)


class EpochTrainer:
    """Mini-batch epochs of a stochastic solver, over buffers kept between calls.

    The loss of an epoch is the size-weighted mean of the batch objectives
    ``(sum_i w_i L_i + alpha / 2 ||W||^2) / sum_i w_i``, as scikit-learn
    reports it; batches whose weights are all zero carry no data and are
    skipped. While the fit's thread is the process's only Python thread, the
    batches run under the BLAS thread count that
    :class:`~skmlp._threads.BlasThreads` measures fastest, and the caller's
    count is back in force between epochs; beside other threads, under the
    caller's count. Each epoch first saves a
    :class:`Checkpoint`; an epoch that fails is rolled back to it before the
    exception propagates, and :meth:`rollback` does the same for the caller.

    Parameters
    ----------
    objective : Objective
        The batch objective over the parameters to train; its ``n_rows`` is
        the batch size.
    optimizer : SGD or Adam
        Updates the parameters; its state is rolled back with them.
    """

    def __init__(self, objective, optimizer):
        self.objective, self.optimizer = objective, optimizer
        self.params = objective.params
        self.checkpoint = Checkpoint(self.params, optimizer)
        self.threads = BlasThreads()
        batch_size = objective.settings["n_rows"]
        n_features = objective.coefs[0].shape[0]
        n_outputs = objective.coefs[-1].shape[1]
        self._buffers = Batch(
            np.empty((batch_size, n_features), self.params.dtype),
            np.empty((batch_size, n_outputs), self.params.dtype),
            np.empty(batch_size, self.params.dtype),
        )

    def serves(self, params, optimizer, settings):
        """Whether this trainer trains ``params`` with ``optimizer`` and an
        objective of ``settings``."""
        return (
            params is self.params
            and optimizer is self.optimizer
            and settings == self.objective.settings
        )

    def epochs(self, X, Y, sample_weight, *, shuffle, random_state, dropout_rng):
        """Train epoch after epoch, yielding each epoch's mean training loss.

        Parameters
        ----------
        X : {ndarray, sparse CSR matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
            Encoded targets, of the dtype of the parameters.
        sample_weight : ndarray of shape (n_samples,) or None
        shuffle : bool
            Whether to visit the samples in a new random order each epoch.
        random_state : numpy.random.RandomState
            The generator for the shuffles.
        dropout_rng : numpy.random.Generator or None
            The generator for the dropout masks; required with dropout.

        Yields
        ------
        loss : float
            The mean training loss of the epoch just completed.

        Raises
        ------
        DivergenceError
            If the loss or the parameters become non-finite. Whatever an
            epoch raises, the parameters and the optimizer are those from
            before it.
        """
        self.objective.dropout_rng = dropout_rng
        sample_idx = np.arange(X.shape[0])
        slices = batch_slices(X.shape[0], self.objective.settings["n_rows"])
        # A single batch holds every sample whatever the order: nothing to gather
        # (the shuffle still runs, so the random stream is the same).
        buffers = (
            self._buffers if shuffle and len(slices) > 1 else Batch(None, None, None)
        )
        data = Batch(X, Y, sample_weight)
        while True:
            self.checkpoint.save()
            if shuffle:
                random_state.shuffle(sample_idx)
            try:
                with np.errstate(over="ignore", invalid="ignore"), self.threads.epoch():
                    loss = self._epoch(data, sample_idx, slices, buffers)
            except BaseException:
                self.rollback()
                raise
            yield loss

    def _epoch(self, data, sample_idx, slices, buffers):
        total_loss = n_counted = 0.0
        for rows in slices:
            X, Y, w = (
                _batch(array, rows, sample_idx, buffer)
                for array, buffer in zip(data, buffers)
            )
            n_batch = X.shape[0]
            weight_sum = n_batch if w is None else float(w.sum())
            if not weight_sum:
                continue  # a batch of zero-weight samples carries no data
            with self.threads.batch():
                # The step adds the L2 gradient as it passes over the weights.
                batch_loss = self.objective(X, Y, w, weight_sum, add_l2_gradient=False)
                if not math.isfinite(batch_loss):
                    raise DivergenceError("the training loss became non-finite")
                self.optimizer.update(
                    [self.params],
                    [self.objective.grads],
                    kernels=self.objective.kernels,
                    l2=self.objective.l2_gradient(weight_sum),
                )
            total_loss += batch_loss * n_batch
            n_counted += n_batch
        # Finite but huge weights overflow at the next forward pass. A bound on
        # the outputs, from the norms of the weights, settles it without one;
        # only past the bound is the last batch run through the network again.
        if not self.objective.outputs_are_bounded_on(X):
            if not np.isfinite(self.params).all():
                raise DivergenceError("the network weights became non-finite")
            if not self.objective.is_finite_on(X):
                raise DivergenceError("the network's outputs overflow")
        return float(total_loss / n_counted)

    def rollback(self):
        """Put back the parameters and optimizer state of the last epoch's start."""
        self.checkpoint.restore()


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
    DivergenceError
        If the solution or its loss is not finite.
    KeyboardInterrupt
        If interrupted.
    Either way ``params`` then holds the last completed iterate (the starting
    point before the first).
    """
    weight_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    last = params.astype(np.float64)

    def loss_and_gradient(x):
        params[...] = x
        with np.errstate(over="ignore", invalid="ignore"):
            loss = objective(X, Y, sample_weight, weight_sum)
        return loss, objective.grads.astype(np.float64)

    def callback(intermediate_result):
        np.copyto(last, intermediate_result.x)
        on_iteration(float(intermediate_result.fun))

    try:
        result = scipy.optimize.minimize(
            loss_and_gradient,
            last.copy(),
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        )
    except KeyboardInterrupt:
        params[...] = last
        raise
    if not (np.isfinite(result.x).all() and np.isfinite(result.fun)):
        params[...] = last
        raise DivergenceError("L-BFGS produced non-finite weights or loss")
    params[...] = result.x
    return result
