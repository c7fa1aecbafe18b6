"""Weight initialization: Glorot-uniform with scikit-learn's factors."""

import numpy as np

# Glorot & Bengio (2010): the bound is sqrt(factor / (fan_in + fan_out)), with
# factor 2 for the logistic sigmoid and 6 otherwise, as scikit-learn uses.
GLOROT_FACTORS = {"logistic": 2.0, "identity": 6.0, "tanh": 6.0, "relu": 6.0}


def glorot_uniform(layer_units, activation, random_state, dtype):
    """Draw the weights and biases of every layer from ``U(-bound, bound)``.

    ``bound = sqrt(factor / (fan_in + fan_out))``; the draws are made in
    float64, layer by layer (weights, then biases), and cast to ``dtype``, so
    a given seed gives the same network as scikit-learn's ``MLPClassifier``.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    activation : str
        The hidden activation, which selects the Glorot factor.
    random_state : numpy.random.RandomState
        The generator to draw from.
    dtype : numpy dtype
        The floating dtype of the weights.

    Returns
    -------
    coefs, intercepts : list of ndarray
        ``W_k`` of shape ``(fan_in, fan_out)`` and ``b_k`` of shape ``(fan_out,)``.
    """
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        bound = np.sqrt(GLOROT_FACTORS[activation] / (fan_in + fan_out))
        coefs.append(
            random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
        )
        intercepts.append(random_state.uniform(-bound, bound, fan_out).astype(dtype))
    return coefs, intercepts
