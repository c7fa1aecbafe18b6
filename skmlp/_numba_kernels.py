"""Compiled twins of the element-wise kernels, each fused into one pass (numba).

Only :func:`skmlp._kernels.get_kernels` imports this module, and only when the
``performance`` extra is installed, so ``import skmlp`` never loads the
compiler. Each public function has the signature and the result, to rounding,
of its NumPy twin (named in its docstring); the tests compare every pair at
float32 and float64.

Three choices keep the loops as fast as the hardware allows:

- the kernels stay in the arrays' dtype: constants are made with
  ``Z.dtype.type`` and scalars arrive cast to it, since a float64 constant
  would promote every float32 operation and halve the vector width;
- ``error_model="numpy"``: a division follows IEEE rules instead of checking
  for zero, a check that would stop LLVM from vectorizing the loop;
- no ``fastmath``, which would let the compiler drop the NaN and infinity
  checks that divergence detection relies on; only the sum of squares in
  :func:`add_l2_gradient` may be reassociated, so that it vectorizes.

Numba's ``tanh`` and ``exp`` are the scalar ``libm`` functions, NumPy's are
vectorized: where they dominate a pass (tanh and logistic hidden layers), the
NumPy twin runs instead.

The machine code is cached on disk (``cache=True``): only the first fit after
an installation or upgrade compiles it.
"""

import numba
import numpy as np

from . import _activations

_jit = numba.njit(cache=True, error_model="numpy", nogil=True)

LOGISTIC, TANH, RELU = range(3)
_DERIVATIVE_CODES = {"logistic": LOGISTIC, "tanh": TANH, "relu": RELU}

(
    SOFTMAX_LOG_LOSS,
    LOGISTIC_LOG_LOSS,
    SOFTMAX_SQUARED,
    LOGISTIC_SQUARED,
    IDENTITY_SQUARED,
    EXP_POISSON,
) = range(6)
_LOSS_CODES = {
    ("log_loss", "softmax"): SOFTMAX_LOG_LOSS,
    ("log_loss", "logistic"): LOGISTIC_LOG_LOSS,
    ("squared_error", "softmax"): SOFTMAX_SQUARED,
    ("squared_error", "logistic"): LOGISTIC_SQUARED,
    ("squared_error", "identity"): IDENTITY_SQUARED,
    ("poisson", "exp"): EXP_POISSON,
}


@_jit
def _bias_relu(Z, b):
    zero = Z.dtype.type(0)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            v = Z[i, j] + b[j]
            Z[i, j] = zero if v < zero else v  # NaN stays NaN, as in np.maximum


@_jit
def _add_bias(Z, b):
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] += b[j]


def bias_activation(Z, b, activation):
    """``Z <- phi(Z + b)`` in place; twin of
    :func:`skmlp._activations.bias_activation`.

    Fused for ReLU and the identity. Tanh and the logistic function run NumPy's
    twin: its ``tanh`` is vectorized, numba's calls the scalar ``libm`` one
    and was 5 to 20 times slower (200 x 512 values).
    """
    if activation == "relu":
        _bias_relu(Z, b)
    elif activation == "identity":
        _add_bias(Z, b)
    else:
        _activations.bias_activation(Z, b, activation)
    return Z


@_jit
def _activation_derivative(A, delta, kind):
    one, zero = A.dtype.type(1), A.dtype.type(0)
    n, m = A.shape
    if kind == RELU:
        for i in range(n):
            for j in range(m):
                # times 0 or 1, not a select: a NaN or infinite delta stays NaN
                delta[i, j] *= one if A[i, j] > zero else zero
    elif kind == LOGISTIC:
        for i in range(n):
            for j in range(m):
                delta[i, j] = delta[i, j] * A[i, j] * (one - A[i, j])
    elif kind == TANH:
        for i in range(n):
            for j in range(m):
                delta[i, j] *= one - A[i, j] * A[i, j]


def activation_derivative(A, delta, activation):
    """``delta <- delta * phi'(z)`` from ``A = phi(z)``; twin of
    :func:`skmlp._activations.activation_derivative`."""
    if activation != "identity":
        _activation_derivative(A, delta, _DERIVATIVE_CODES[activation])


@_jit
def _loss_and_delta(Z, Y, sample_weight, scale, kind):
    half, one, zero = Z.dtype.type(0.5), Z.dtype.type(1), Z.dtype.type(0)
    n, m = Z.shape
    weighted = sample_weight.shape[0] > 0
    total = 0.0
    for i in range(n):
        w = sample_weight[i] if weighted else one
        factor = w * scale
        row_loss = zero
        if kind == SOFTMAX_LOG_LOSS or kind == SOFTMAX_SQUARED:
            largest = Z[i, 0]
            for j in range(1, m):
                largest = max(largest, Z[i, j])
            normalizer = zero
            for j in range(m):
                z = Z[i, j] - largest
                if kind == SOFTMAX_LOG_LOSS:
                    row_loss -= Y[i, j] * z
                Z[i, j] = np.exp(z)
                normalizer += Z[i, j]
            if kind == SOFTMAX_LOG_LOSS:  # log(sum exp z) - <y, z>; delta = p - y
                row_loss += np.log(normalizer)
                for j in range(m):
                    Z[i, j] = (Z[i, j] / normalizer - Y[i, j]) * factor
            else:  # 1/2 ||p - y||^2; delta = p * ((p - y) - <p, p - y>)
                inner = zero
                for j in range(m):
                    p = Z[i, j] / normalizer
                    residual = p - Y[i, j]
                    row_loss += half * residual * residual
                    inner += p * residual
                    Z[i, j] = p
                for j in range(m):
                    p = Z[i, j]
                    Z[i, j] = p * ((p - Y[i, j]) - inner) * factor
        elif kind == IDENTITY_SQUARED:  # 1/2 ||z - y||^2; delta = z - y
            for j in range(m):
                residual = Z[i, j] - Y[i, j]
                row_loss += half * residual * residual
                Z[i, j] = residual * factor
        elif kind == EXP_POISSON:  # mu - y z + y log y - y; delta = mu - y
            for j in range(m):
                y, z = Y[i, j], Z[i, j]
                mu = np.exp(z)
                row_loss += mu - y * z - y
                if y > zero:
                    row_loss += y * np.log(y)
                Z[i, j] = (mu - y) * factor
        else:  # logistic
            for j in range(m):
                z = Z[i, j]
                p = (np.tanh(z * half) + one) * half
                residual = p - Y[i, j]
                if kind == LOGISTIC_LOG_LOSS:  # log(1 + exp z) - y z; delta = p - y
                    row_loss += np.logaddexp(zero, z) - Y[i, j] * z
                    Z[i, j] = residual * factor
                else:  # 1/2 (p - y)^2; delta = (p - y) p (1 - p)
                    row_loss += half * residual * residual
                    Z[i, j] = residual * p * (one - p) * factor
        total += w * row_loss
    return total


_NO_WEIGHTS = {dtype: np.empty(0, dtype) for dtype in (np.float32, np.float64)}


def loss_and_delta(Z, Y, sample_weight, scale, *, loss, out_activation):
    """The loss of the logits ``Z``; ``Z <- scale * delta``. Twin of
    :func:`skmlp._losses.loss_and_delta`."""
    weights = _NO_WEIGHTS[Z.dtype.type] if sample_weight is None else sample_weight
    code = _LOSS_CODES[loss, out_activation]
    return float(_loss_and_delta(Z, Y, weights, Z.dtype.type(scale), code))


@_jit
def column_sums(delta, out):
    """``out <- sum_i delta_i``; twin of :func:`skmlp._network.column_sums`."""
    out[:] = 0
    # Row by row: the inner loop runs along a row, so it vectorizes.
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            out[j] += delta[i, j]
    return out


@numba.njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc"})
def _add_l2_gradient(weights, weight_grads, coef):
    squares = weights.dtype.type(0)
    for i in range(weights.shape[0]):
        w = weights[i]
        squares += w * w
        weight_grads[i] += w * coef
    return squares


def add_l2_gradient(weights, weight_grads, coef, scratch):
    """``||W||^2``, and ``grad <- grad + coef W``, in one pass; twin of
    :func:`skmlp._losses.add_l2_gradient` (``scratch`` goes unused)."""
    return float(_add_l2_gradient(weights, weight_grads, weights.dtype.type(coef)))


def _flat_views(*arrays):
    """Flat views of arrays that are contiguous in one memory order, element
    by element alike.

    The steps update their arrays in place: a flattened copy of one that is
    not contiguous would take the update and be thrown away. (Training
    passes the flat parameter vector and its state, which always are.)
    """
    for order in "CF":
        if all(array.flags[f"{order}_CONTIGUOUS"] for array in arrays):
            return [array.reshape(-1, order=order) for array in arrays]
    raise ValueError(
        "The compiled optimizer steps update their arrays in place and need "
        "them contiguous in one memory order (C or Fortran); pass "
        "np.ascontiguousarray copies and copy the result back."
    )


@_jit
def _normal(x, tiny):
    """``x``, or 0 where it is subnormal (NaN stays NaN)."""
    return x - x if abs(x) < tiny else x  # x - x: a zero of x's type


@_jit
def _adam_loop(params, grads, ms, vs, beta_1, beta_2, epsilon, step, coef):
    """Adam on the gradient ``grads + coef * params``, or ``grads`` if ``coef``
    is None (numba then compiles a loop without the term)."""
    tiny = np.finfo(params.dtype).tiny
    for i in range(params.shape[0]):
        g = grads[i] if coef is None else grads[i] + coef * params[i]
        m = _normal(ms[i] * beta_1 + g, tiny)
        v = _normal(vs[i] * beta_2 + g * g, tiny)
        ms[i], vs[i] = m, v
        params[i] = _normal(params[i] - m / (np.sqrt(v) + epsilon) * step, tiny)


@_jit
def _adam_step(params, grads, ms, vs, beta_1, beta_2, epsilon, step, n_weights, coef):
    # The weights with the L2 term, then the biases without (0 * b would turn
    # an infinite bias into NaN). Slices, not ranges from n_weights: LLVM did
    # not vectorize a loop that starts past 0 (twice as slow).
    w, b = slice(0, n_weights), slice(n_weights, params.shape[0])
    settings = (beta_1, beta_2, epsilon, step)
    _adam_loop(params[w], grads[w], ms[w], vs[w], *settings, coef)
    _adam_loop(params[b], grads[b], ms[b], vs[b], *settings, None)


def adam_step(params, grads, ms, vs, *, beta_1, beta_2, epsilon, step, l2=None):
    """One Adam step in one pass, the L2 term included; twin of
    :func:`skmlp._optimizers.adam_step`, with subnormal results set to zero
    (see :func:`sgd_step`).

    The arrays must be contiguous in one memory order (see
    :func:`_flat_views`).
    """
    cast = params.dtype.type
    n_weights, coef = (0, 0.0) if l2 is None else (l2.n_weights, l2.coef)
    _adam_step(
        *_flat_views(params, grads, ms, vs),
        cast(beta_1),
        cast(beta_2),
        cast(epsilon),
        cast(step),
        n_weights,
        cast(coef),
    )


@_jit
def _sgd_loop(params, grads, velocities, rate, momentum, nesterov, coef):
    """SGD on the gradient ``grads + coef * params``, or ``grads`` if ``coef``
    is None."""
    tiny = np.finfo(params.dtype).tiny
    for i in range(params.shape[0]):
        g = grads[i] if coef is None else grads[i] + coef * params[i]
        g *= rate
        velocity = _normal(velocities[i] * momentum - g, tiny)
        velocities[i] = velocity
        if nesterov:
            params[i] = _normal((params[i] - g) + velocity * momentum, tiny)
        else:
            params[i] = _normal(params[i] + velocity, tiny)


@_jit
def _sgd_step(params, grads, velocities, rate, momentum, nesterov, n_weights, coef):
    w, b = slice(0, n_weights), slice(n_weights, params.shape[0])  # as in Adam
    settings = (rate, momentum, nesterov)
    _sgd_loop(params[w], grads[w], velocities[w], *settings, coef)
    _sgd_loop(params[b], grads[b], velocities[b], *settings, None)


def sgd_step(params, grads, velocities, *, rate, momentum, nesterov, l2=None):
    """One SGD step in one pass, the L2 term included; twin of
    :func:`skmlp._optimizers.sgd_step`, with subnormal results set to zero.

    Weights that only the L2 penalty moves (those of an always-zero input,
    such as MNIST's border pixels) decay geometrically, through the subnormal
    numbers, with their moments; arithmetic on subnormals takes a slow path
    in the CPU, and made Adam's pass 4.7 times slower after 8 epochs of
    MNIST in float32. Values below ``np.finfo(dtype).tiny`` (1.2e-38 in
    float32, 2.2e-308 in float64) change no result that matters.

    The arrays must be contiguous in one memory order (see
    :func:`_flat_views`).
    """
    cast = params.dtype.type
    n_weights, coef = (0, 0.0) if l2 is None else (l2.n_weights, l2.coef)
    _sgd_step(
        *_flat_views(params, grads, velocities),
        cast(rate),
        cast(momentum),
        bool(nesterov),
        n_weights,
        cast(coef),
    )
