"""Output losses: each turns the output logits into the loss and the output delta.

A loss function takes the logits ``Z`` of the output layer (shape
``(n_samples, n_outputs)``), the encoded targets ``Y`` of the same shape and
optional per-sample weights ``w``.  It returns the weighted *sum* of the
per-sample losses and overwrites ``Z`` with the output delta
``dL/dz_i = w_i (p_i - y_i)``, where ``p_i`` is the output activation.
Working from the logits rather than from probabilities keeps the loss finite
and exact however confident the network is.
"""

import numpy as np

from ._activations import logistic


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


LOSS_FUNCTIONS = {"softmax": softmax_log_loss, "logistic": logistic_log_loss}
