"""Forward and backward passes of a fully connected network of any depth.

Layer ``k`` (``k = 0 .. n_layers - 1``) maps ``a_k`` of shape ``(n, fan_in)``
to ``a_{k+1} = phi(a_k W_k + b_k)`` of shape ``(n, fan_out)``.  The last layer
is left as logits ``z_L``: the loss (``_losses``) or the output activation
(``_activations``) finishes it.  The backward pass turns the output delta
into gradients::

    coef_grads[k]      = a_k^T delta_{k+1}
    intercept_grads[k] = sum_i delta_{k+1, i}
    delta_k            = (delta_{k+1} W_k^T) * phi'(z_k)

where the deltas already carry the ``1 / n`` (or ``1 / sum(w)``) factor. The
L2 penalty's gradient is the caller's to add (``_training`` adds it to all the
weights at once, in the objective or in the optimizer step). The element-wise
work (bias and activation, derivative, column sums) goes through a kernel set
(``skmlp._kernels``), NumPy's or a compiled one; the matrix products are
NumPy's (BLAS).
Nothing here knows about estimators; ``a_0`` may be a SciPy sparse matrix.
"""

from typing import NamedTuple

import numpy as np

from ._activations import ACTIVATIONS


def matmul(A, B, out=None):
    """``A @ B`` into ``out`` when given; ``A`` may be a sparse matrix."""
    if isinstance(A, np.ndarray):
        return np.matmul(A, B, out=out)
    if out is None:
        return np.asarray(A @ B)
    out[...] = A @ B
    return out


def weight_order(dtype):
    """The memory order of the weight matrices in a network of ``dtype``.

    :func:`backward` writes each weight gradient in the orientation that is
    contiguous: ``a_k^T delta`` into a row-major ``W_k`` ("C"), or
    ``delta^T a_k`` into the C-contiguous ``W_k^T`` of a column-major one
    ("F"). OpenBLAS (SkylakeX kernels) runs the second faster in float64, 319
    against 391 µs per batch of MNIST's first layer, the forward product
    being as fast either way; in float32 it runs the first, and the forward
    product on a row-major ``W_k``, faster: 143 + 155 against 167 + 178 µs.
    """
    return "F" if np.dtype(dtype) == np.float64 else "C"


def split(flat, shapes):
    """Views of consecutive pieces of the 1-d array ``flat``, one per shape;
    the matrices in :func:`weight_order`."""
    order = weight_order(flat.dtype)
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape, order=order))
        start += size
    return views


def pack(arrays, *, copy=False):
    """One flat vector holding ``arrays``, and views of it shaped like them.

    Training keeps all weights then all biases in one contiguous vector, so the
    optimizer updates every parameter with a handful of whole-vector operations.
    Arrays that already are consecutive views of one such vector (those this
    function returned before) are returned as they are, unless ``copy``.
    """
    flat, size = arrays[0].base, sum(array.size for array in arrays)
    if not copy and isinstance(flat, np.ndarray) and flat.shape == (size,):
        views = split(flat, [array.shape for array in arrays])
        if all(
            view.__array_interface__ == array.__array_interface__
            for view, array in zip(views, arrays)
        ):
            return flat, list(arrays)
    flat = np.empty(size, dtype=arrays[0].dtype)
    views = split(flat, [array.shape for array in arrays])
    for view, array in zip(views, arrays):
        view[...] = array
    return flat, views


class FlatParameters(NamedTuple):
    """A network's parameters: one vector, and views of it for each layer."""

    vector: np.ndarray
    """All the weights, then all the biases."""
    coefs: list
    """``W_k`` of shape ``(fan_in, fan_out)``, views of ``vector``."""
    intercepts: list
    """``b_k`` of shape ``(fan_out,)``, views of ``vector``."""

    @classmethod
    def of(cls, coefs, intercepts, *, copy=False):
        """The parameters ``coefs`` and ``intercepts``, packed (see :func:`pack`)."""
        vector, views = pack(coefs + intercepts, copy=copy)
        return cls(vector, views[: len(coefs)], views[len(coefs) :])


class Workspace:
    """Preallocated per-batch buffers, reused across batches and epochs.

    The gradients live in one flat vector, ``grads``, laid out like the
    parameters packed by :func:`pack` (all weights, then all biases);
    ``coef_grads`` and ``intercept_grads`` are views of it.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    n_rows : int
        The largest batch the buffers must hold.
    dtype : numpy dtype
        The floating dtype of the network.
    dropout : bool, default=False
        Whether to also hold dropout masks and dropped activations.
    """

    def __init__(self, layer_units, n_rows, dtype, dropout=False):
        fans = list(zip(layer_units[:-1], layer_units[1:]))
        self.activations = [np.empty((n_rows, fan_out), dtype) for _, fan_out in fans]
        shapes = fans + [(fan_out,) for _, fan_out in fans]
        self.grads = np.empty(sum(int(np.prod(shape)) for shape in shapes), dtype)
        views = split(self.grads, shapes)
        self.coef_grads, self.intercept_grads = views[: len(fans)], views[len(fans) :]
        hidden = [np.empty((n_rows, fan_out), dtype) for _, fan_out in fans[:-1]]
        self.deltas = hidden
        self.masks = [np.empty_like(buffer) for buffer in hidden] if dropout else None
        self.dropped = [np.empty_like(buffer) for buffer in hidden] if dropout else None
        self._rows = {}  # n_samples -> the views rows() returns

    def rows(self, n_samples):
        """Views of the buffers for a batch of ``n_samples``, made once per size.

        Returns
        -------
        activations, deltas, masks, dropped : list of ndarray
            ``masks`` and ``dropped`` are None without dropout.
        """
        if n_samples not in self._rows:
            self._rows[n_samples] = tuple(
                None if buffers is None else [buffer[:n_samples] for buffer in buffers]
                for buffers in (self.activations, self.deltas, self.masks, self.dropped)
            )
        return self._rows[n_samples]


def column_sums(delta, out):
    """``out <- sum_i delta_i``, the column sums, as one BLAS call."""
    # (n,) @ (n, fan_out) -> (fan_out,)
    return np.matmul(np.ones(delta.shape[0], delta.dtype), delta, out=out)


class NonFiniteInputError(ValueError):
    """Raised by :func:`forward` when the first layer's outputs are not finite."""


def forward(
    X,
    coefs,
    intercepts,
    activation,
    activations=None,
    *,
    kernels,
    check_finite=False,
    masks=None,
    dropped=None,
):
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
    kernels : Kernels
        The element-wise kernels (see ``skmlp._kernels``).
    check_finite : bool, default=False
        Raise :class:`NonFiniteInputError` if the first layer's affine outputs
        ``X W_0 + b_0`` are not all finite. With finite weights this catches
        every NaN or infinity in ``X`` (and overflow), at the cost of a pass
        over ``(n_samples, fan_out)`` values instead of over ``X`` itself.
    masks : list of ndarray or None
        Inverted dropout: one array per hidden layer, of 0 (dropped unit) or
        ``1 / (1 - p)`` (kept unit). The next layer then sees
        ``d_k = a_k * mask_k``, stored in ``dropped``, while ``activations``
        keep ``a_k`` for the derivatives.
    dropped : list of ndarray or None
        Buffers for ``d_k``, required with ``masks``.

    Returns
    -------
    layers : list of ndarray
        ``[a_0, a_1, ..., a_{L-1}, z_L]``: the inputs of each layer (the
        dropped activations ``d_k`` under dropout) and the output logits.
    """
    layers = [X]
    last = len(coefs) - 1
    for k, (W, b) in enumerate(zip(coefs, intercepts)):
        out = None if activations is None else activations[k]
        # (n, fan_in) @ (fan_in, fan_out) -> (n, fan_out)
        Z = matmul(layers[-1], W, out=out)
        layer_activation = activation if k < last else "identity"
        if check_finite and not k:
            # The check needs the affine outputs, before an activation such as
            # ReLU maps -inf to 0, so this layer is not fused.
            Z += b
            # A sum is finite exactly when every term is, unless it overflows.
            if not np.isfinite(Z.sum()) and not np.isfinite(Z).all():
                raise NonFiniteInputError("the first layer's outputs are not finite")
            ACTIVATIONS[layer_activation](Z)
        else:
            kernels.bias_activation(Z, b, layer_activation)
        if k < last and masks is not None:
            Z = np.multiply(Z, masks[k], out=dropped[k])
        layers.append(Z)
    return layers


def backward(
    layers,
    coefs,
    activation,
    coef_grads,
    intercept_grads,
    deltas,
    *,
    kernels,
    masks=None,
    hidden=None,
):
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
    coef_grads, intercept_grads : list of ndarray
        Filled with ``dL/dW_k`` (of the data term) and ``dL/db_k``.
    deltas : list of ndarray
        Buffers of shape ``(n_samples, fan_out)`` for the hidden deltas.
    kernels : Kernels
        The element-wise kernels (see ``skmlp._kernels``).
    masks : list of ndarray or None
        The dropout masks used by :func:`forward`; the hidden deltas are
        multiplied by them: ``delta_k = (delta_{k+1} W_k^T) * mask_k * phi'(z_k)``.
    hidden : list of ndarray or None
        The hidden activations ``a_k`` before dropout, required with ``masks``.
    """
    delta = layers[-1]
    for k in range(len(coefs) - 1, -1, -1):
        # The column sums first, while delta is still in cache: after the
        # product below they took several times as long (MNIST, (100,)).
        kernels.column_sums(delta, intercept_grads[k])
        if coef_grads[k].flags.c_contiguous or not isinstance(layers[k], np.ndarray):
            # (fan_in, n) @ (n, fan_out) -> (fan_in, fan_out); a_0 may be sparse
            matmul(layers[k].T, delta, out=coef_grads[k])
        else:
            # (fan_out, n) @ (n, fan_in) -> (fan_out, fan_in), into the
            # C-contiguous W_k^T of a column-major W_k (see weight_order)
            np.matmul(delta.T, layers[k], out=coef_grads[k].T)
        if k:
            # (n, fan_out) @ (fan_out, fan_in) -> (n, fan_in)
            delta = np.matmul(delta, coefs[k].T, out=deltas[k - 1])
            if masks is None:
                kernels.activation_derivative(layers[k], delta, activation)
            else:
                delta *= masks[k - 1]
                kernels.activation_derivative(hidden[k - 1], delta, activation)
