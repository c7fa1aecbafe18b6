"""Output losses: each turns the output logits into the loss and the output delta.

``LOSS_FUNCTIONS[loss, out_activation]`` picks the function for a loss name
and an output activation: "log_loss" or "squared_error" of a "softmax" or
"logistic" output (classification), "squared_error" of an "identity" output
or "poisson" of an "exp" one (regression).

A loss function takes the logits ``Z`` of the output layer (shape
``(n_samples, n_outputs)``), the encoded targets ``Y`` of the same shape and
optional per-sample weights ``w``.  It returns the weighted *sum* of the
per-sample losses and overwrites ``Z`` with the output delta
``dL/dz_i``, times ``w_i``; for the log-loss this is ``w_i (p_i - y_i)``,
where ``p_i`` is the output activation.
Working from the logits rather than from probabilities keeps the loss finite
and exact however confident the network is.
"""

import numpy as np

from ._activations import logistic, softmax


def _weighted_sum(per_sample, sample_weight, delta):
    """Sum the per-sample losses with weights ``w`` and scale ``delta`` by ``w``."""
    if sample_weight is None:
        return float(per_sample.sum())
    delta *= sample_weight[:, np.newaxis]
    return float(per_sample @ sample_weight)


def softmax_log_loss(Z, Y, sample_weight=None):
    """Multinomial log-loss of a softmax output.

    ``L = sum_i w_i (logsumexp(z_i) - sum_k y_ik z_ik)`` and, for one-hot rows
    of ``Y``, ``dL/dz_i = w_i (softmax(z_i) - y_i)``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Output logits; overwritten with the output delta.
    Y : ndarray of shape (n_samples, n_classes)
        One-hot encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights ``w``; ``None`` means all ones.

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses.
    """
    Z -= Z.max(axis=1, keepdims=True)
    target_logit = np.einsum("ij,ij->i", Y, Z)
    np.exp(Z, out=Z)
    normalizer = Z.sum(axis=1, keepdims=True)
    Z /= normalizer
    per_sample = np.log(normalizer[:, 0]) - target_logit
    Z -= Y
    return _weighted_sum(per_sample, sample_weight, Z)


def logistic_log_loss(Z, Y, sample_weight=None):
    """Binary log-loss of independent logistic outputs (binary and multilabel).

    ``L = sum_i w_i sum_k (log(1 + exp(z_ik)) - y_ik z_ik)`` and
    ``dL/dz_i = w_i (sigmoid(z_i) - y_i)``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Output logits; overwritten with the output delta.
    Y : ndarray of shape (n_samples, n_outputs)
        Binary targets in {0, 1}.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights ``w``; ``None`` means all ones.

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses.
    """
    per_sample = (np.logaddexp(0, Z) - Y * Z).sum(axis=1)
    logistic(Z)
    Z -= Y
    return _weighted_sum(per_sample, sample_weight, Z)


def softmax_squared_error(Z, Y, sample_weight=None):
    """Sum-of-squares cost of a softmax output.

    ``L = sum_i w_i / 2 ||p_i - y_i||^2`` with ``p_i = softmax(z_i)``, and
    ``dL/dz_i = w_i J_i^T (p_i - y_i)`` with the softmax Jacobian
    ``J_i = diag(p_i) - p_i p_i^T``, that is
    ``w_i p_i * ((p_i - y_i) - <p_i, p_i - y_i>)``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Output logits; overwritten with the output delta.
    Y : ndarray of shape (n_samples, n_classes)
        One-hot encoded targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights ``w``; ``None`` means all ones.

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses.
    """
    P = softmax(Z).copy()
    Z -= Y  # p - y
    per_sample = 0.5 * np.einsum("ij,ij->i", Z, Z)
    Z -= np.einsum("ij,ij->i", P, Z)[:, np.newaxis]
    Z *= P
    return _weighted_sum(per_sample, sample_weight, Z)


def logistic_squared_error(Z, Y, sample_weight=None):
    """Sum-of-squares cost of independent logistic outputs.

    ``L = sum_i w_i / 2 ||p_i - y_i||^2`` with ``p_i = sigmoid(z_i)``, and
    ``dL/dz_i = w_i (p_i - y_i) p_i (1 - p_i)``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Output logits; overwritten with the output delta.
    Y : ndarray of shape (n_samples, n_outputs)
        Binary targets in {0, 1}.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights ``w``; ``None`` means all ones.

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses.
    """
    P = logistic(Z).copy()
    Z -= Y  # p - y
    per_sample = 0.5 * np.einsum("ij,ij->i", Z, Z)
    Z *= P
    Z *= 1.0 - P
    return _weighted_sum(per_sample, sample_weight, Z)


def identity_squared_error(Z, Y, sample_weight=None):
    """Half squared error of an identity output (regression).

    ``L = sum_i w_i / 2 ||z_i - y_i||^2``, summed over the outputs, and
    ``dL/dz_i = w_i (z_i - y_i)``. (scikit-learn's MLPRegressor reports the
    mean over the ``k`` outputs but follows this gradient, ``k`` times the
    gradient of what it reports.)

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Output logits, the predictions; overwritten with the output delta.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights ``w``; ``None`` means all ones.

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses.
    """
    Z -= Y
    per_sample = 0.5 * np.einsum("ij,ij->i", Z, Z)
    return _weighted_sum(per_sample, sample_weight, Z)


def exp_poisson_deviance(Z, Y, sample_weight=None):
    """Half Poisson deviance of an exp output (the log link of a count model).

    With ``mu = exp(z)``, ``L = sum_i w_i sum_k (y log(y / mu) - y + mu)``, that
    is ``mu - y z + y log y - y`` (``y log y = 0`` at ``y = 0``), and
    ``dL/dz_i = w_i (mu_i - y_i)``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Output logits ``log mu``; overwritten with the output delta.
    Y : ndarray of shape (n_samples, n_outputs)
        Non-negative targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights ``w``; ``None`` means all ones.

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses (infinite once ``mu``
        overflows).
    """
    # y log y - y, with log 1 = 0 standing in where y = 0
    constant = Y * np.log(np.where(Y > 0, Y, 1)) - Y
    constant -= Y * Z
    np.exp(Z, out=Z)
    per_sample = (constant + Z).sum(axis=1)
    Z -= Y
    return _weighted_sum(per_sample, sample_weight, Z)


LOSS_FUNCTIONS = {
    ("log_loss", "softmax"): softmax_log_loss,
    ("log_loss", "logistic"): logistic_log_loss,
    ("squared_error", "softmax"): softmax_squared_error,
    ("squared_error", "logistic"): logistic_squared_error,
    ("squared_error", "identity"): identity_squared_error,
    ("poisson", "exp"): exp_poisson_deviance,
}


def loss_and_delta(Z, Y, sample_weight, scale, *, loss, out_activation):
    """The weighted loss of the logits ``Z``; ``Z <- scale * dL/dz``.

    Runs ``LOSS_FUNCTIONS[loss, out_activation]`` and multiplies the output
    delta it leaves in ``Z`` by ``scale`` (``1 / sum_i w_i`` in training).

    Returns
    -------
    loss : float
        The weighted sum of the per-sample losses, not scaled.
    """
    value = LOSS_FUNCTIONS[loss, out_activation](Z, Y, sample_weight)
    Z *= scale
    return value


def add_l2_gradient(weights, weight_grads, coef, scratch):
    """``||W||^2``, and ``weight_grads <- weight_grads + coef W`` in place.

    The L2 penalty ``alpha / 2 ||W||^2`` has the gradient ``alpha W``; the
    caller passes ``coef = alpha / sum_i w_i``.

    Parameters
    ----------
    weights, weight_grads : ndarray of shape (n_weights,)
        All the weights and their gradients, of one dtype.
    coef : float
        The factor of ``W`` in the gradient.
    scratch : ndarray of shape (n_weights,)
        Overwritten with ``coef W``, so that nothing is allocated. (SciPy's
        BLAS ``axpy`` would need no scratch, but its threads are not NumPy's:
        called between NumPy's matrix products, the two pools fight for the
        cores.)

    Returns
    -------
    squares : float
        ``||W||^2``.
    """
    np.multiply(weights, coef, out=scratch)
    weight_grads += scratch
    return float(np.dot(weights, weights))
