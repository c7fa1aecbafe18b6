"""Forward and backward passes of a fully connected network of any depth.

Layer ``k`` (``k = 0 .. n_layers - 1``) maps ``a_k`` of shape ``(n, fan_in)``
to ``a_{k+1} = phi(a_k W_k + b_k)`` of shape ``(n, fan_out)``.  The last layer
is left as logits ``z_L``: the loss (``_losses``) or the output activation
(``_activations``) finishes it.  The backward pass turns the output delta
into gradients::

    coef_grads[k]      = a_k^T delta_{k+1} + (alpha / n) W_k
    intercept_grads[k] = sum_i delta_{k+1, i}
    delta_k            = (delta_{k+1} W_k^T) * phi'(z_k)

where the deltas already carry the ``1 / n`` (or ``1 / sum(w)``) factor.
Nothing here knows about estimators; ``a_0`` may be a SciPy sparse matrix.
"""

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES


def matmul(A, B, out=None):
    """``A @ B`` into ``out`` when given; ``A`` may be a sparse matrix."""
    if isinstance(A, np.ndarray):
        return np.matmul(A, B, out=out)
    if out is None:
        return np.asarray(A @ B)
    out[...] = A @ B
    return out


class Workspace:
    """Preallocated per-batch buffers, reused across batches and epochs.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    n_rows : int
        The largest batch the buffers must hold.
    dtype : numpy dtype
        The floating dtype of the network.
    """

    def __init__(self, layer_units, n_rows, dtype):
        fans = list(zip(layer_units[:-1], layer_units[1:]))
        self.n_rows = n_rows
        self.activations = [np.empty((n_rows, fan_out), dtype) for _, fan_out in fans]
        self.coef_grads = [np.empty(fan, dtype) for fan in fans]
        self.intercept_grads = [np.empty(fan_out, dtype) for _, fan_out in fans]
        self.deltas = [np.empty((n_rows, fan_out), dtype) for _, fan_out in fans[:-1]]

    def rows(self, n_samples):
        """Views of the activation and delta buffers for a batch of ``n_samples``."""
        return (
            [buffer[:n_samples] for buffer in self.activations],
            [buffer[:n_samples] for buffer in self.deltas],
        )


def forward(X, coefs, intercepts, activation, activations=None):
    """Run the network on ``X`` up to the output logits.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The input ``a_0``.
    coefs, intercepts : list of ndarray
        ``W_k`` of shape ``(fan_in, fan_out)`` and ``b_k`` of shape ``(fan_out,)``.
    activation : str
        Name of the hidden activation in ``ACTIVATIONS``.
    activations : list of ndarray or None
        Buffers of shape ``(n_samples, fan_out)`` to fill; allocated when None.

    Returns
    -------
    layers : list of ndarray
        ``[a_0, a_1, ..., a_{L-1}, z_L]``: the hidden activations and the
        output logits.
    """
    hidden_activation = ACTIVATIONS[activation]
    layers = [X]
    last = len(coefs) - 1
    for k, (W, b) in enumerate(zip(coefs, intercepts)):
        out = None if activations is None else activations[k]
        # (n, fan_in) @ (fan_in, fan_out) -> (n, fan_out)
        Z = matmul(layers[-1], W, out=out)
        Z += b
        if k < last:
            hidden_activation(Z)
        layers.append(Z)
    return layers


def backward(layers, coefs, activation, l2, coef_grads, intercept_grads, deltas):
    """Back-propagate the output delta into the gradients, in place.

    Parameters
    ----------
    layers : list of ndarray
        The output of :func:`forward`, whose last entry has been overwritten
        with the output delta ``dL/dz_L`` (already divided by ``n``).
    coefs : list of ndarray
        The weights ``W_k``.
    activation : str
        Name of the hidden activation in ``DERIVATIVES``.
    l2 : float
        The L2 factor ``alpha / n`` added to the weight gradients.
    coef_grads, intercept_grads : list of ndarray
        Filled with ``dL/dW_k`` and ``dL/db_k``.
    deltas : list of ndarray
        Buffers of shape ``(n_samples, fan_out)`` for the hidden deltas.
    """
    derivative = DERIVATIVES[activation]
    delta = layers[-1]
    for k in range(len(coefs) - 1, -1, -1):
        # (fan_in, n) @ (n, fan_out) -> (fan_in, fan_out)
        matmul(layers[k].T, delta, out=coef_grads[k])
        coef_grads[k] += l2 * coefs[k]
        np.sum(delta, axis=0, out=intercept_grads[k])
        if k:
            # (n, fan_out) @ (fan_out, fan_in) -> (n, fan_in)
            delta = np.matmul(delta, coefs[k].T, out=deltas[k - 1])
            derivative(layers[k], delta)
