"""The optimized epoch loop against a plain reference implementation.

The reference is the textbook algorithm written for clarity: per-batch fancy
indexing, fresh arrays everywhere, softmax/sigmoid then cross-entropy, Adam and
SGD straight from their formulas.  At float64 the optimized loop must give the
same loss and the same weights, up to rounding.  The batch objective, L2 penalty
included, is also checked against finite differences.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skmlp._initializers import glorot_uniform
from skmlp._network import pack, split
from skmlp._optimizers import SGD, Adam
from skmlp._training import (
    DivergenceError,
    EpochTrainer,
    Objective,
    Plateau,
    batch_slices,
)

HIDDEN = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "logistic": lambda z: 1 / (1 + np.exp(-z)),
    "identity": lambda z: z,
}
HIDDEN_DERIVATIVE = {
    "relu": lambda a: (a > 0).astype(float),
    "tanh": lambda a: 1 - a**2,
    "logistic": lambda a: a * (1 - a),
    "identity": np.ones_like,
}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference_epoch(
    coefs, intercepts, X, Y, w, order, batch_size, activation, alpha, step
):
    """One epoch of the textbook algorithm; returns the mean batch objective."""
    output = softmax if Y.shape[1] > 1 else HIDDEN["logistic"]
    total = 0.0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        Xb, Yb, wb = X[rows], Y[rows], w[rows]
        a = [Xb]
        for k, (W, b) in enumerate(zip(coefs, intercepts)):
            z = a[-1] @ W + b
            a.append(HIDDEN[activation](z) if k < len(coefs) - 1 else output(z))
        p = a[-1]
        if Y.shape[1] > 1:
            losses = -(Yb * np.log(p)).sum(axis=1)
        else:
            losses = -(Yb * np.log(p) + (1 - Yb) * np.log(1 - p)).sum(axis=1)
        l2 = sum((W**2).sum() for W in coefs)
        total += (wb @ losses + 0.5 * alpha * l2) / wb.sum() * len(rows)
        delta = (p - Yb) * wb[:, None] / wb.sum()
        coef_grads, intercept_grads = [], []
        for k in range(len(coefs) - 1, -1, -1):
            coef_grads.insert(0, a[k].T @ delta + alpha / wb.sum() * coefs[k])
            intercept_grads.insert(0, delta.sum(axis=0))
            if k:
                delta = (delta @ coefs[k].T) * HIDDEN_DERIVATIVE[activation](a[k])
        step(coefs + intercepts, coef_grads + intercept_grads)
    return total / len(order)


def reference_adam(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    state = {"t": 0, "m": None, "v": None}

    def step(params, grads):
        if state["m"] is None:
            state["m"] = [np.zeros_like(p) for p in params]
            state["v"] = [np.zeros_like(p) for p in params]
        state["t"] += 1
        t = state["t"]
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m[...] = beta_1 * m + (1 - beta_1) * g
            v[...] = beta_2 * v + (1 - beta_2) * g**2
            p -= (
                lr
                * np.sqrt(1 - beta_2**t)
                / (1 - beta_1**t)
                * m
                / (np.sqrt(v) + epsilon)
            )

    return step


def reference_sgd(lr=0.1, momentum=0.9, nesterov=True):
    velocities = {}

    def step(params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            v = velocities[i] = momentum * velocities.get(i, 0) - lr * g
            p += momentum * v - lr * g if nesterov else v

    return step


OPTIMIZERS = {
    "adam": (lambda params: Adam(params, learning_rate_init=1e-3), reference_adam),
    "sgd": (lambda params: SGD(params, learning_rate_init=0.1), reference_sgd),
}


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_epochs_match_the_reference(rng, solver, activation, n_outputs, weighted):
    n_samples, batch_size, alpha = 53, 16, 0.01
    X = rng.standard_normal((n_samples, 6))
    labels = rng.randint(max(n_outputs, 2), size=n_samples)
    Y = np.eye(n_outputs)[labels] if n_outputs > 1 else labels[:, None].astype(float)
    w = rng.uniform(0.5, 2, n_samples) if weighted else None
    layer_units = [6, 5, 4, n_outputs]
    make_optimizer, make_reference = OPTIMIZERS[solver]

    init = np.random.RandomState(1)
    coefs, intercepts = glorot_uniform(layer_units, activation, init, np.float64)
    ref_coefs, ref_intercepts = (
        [W.copy() for W in coefs],
        [b.copy() for b in intercepts],
    )
    params, views = pack(coefs + intercepts)
    coefs, intercepts = views[:3], views[3:]
    trainer = EpochTrainer(
        params,
        coefs,
        intercepts,
        make_optimizer([params]),
        activation=activation,
        out_activation="softmax" if n_outputs > 1 else "logistic",
        loss="log_loss",
        alpha=alpha,
        batch_size=batch_size,
        dropout=0.0,
    )
    epochs = trainer.epochs(
        X, Y, w, shuffle=True, random_state=np.random.RandomState(2), dropout_rng=None
    )
    shuffles = np.random.RandomState(2)
    order, step = np.arange(n_samples), make_reference()
    ones = np.ones(n_samples)
    for loss in (next(epochs) for _ in range(3)):
        shuffles.shuffle(order)
        expected = reference_epoch(
            ref_coefs,
            ref_intercepts,
            X,
            Y,
            ones if w is None else w,
            order,
            batch_size,
            activation,
            alpha,
            step,
        )
        assert loss == pytest.approx(expected, rel=1e-12)
    for ours, reference in zip(coefs + intercepts, ref_coefs + ref_intercepts):
        assert_allclose(ours, reference, rtol=1e-10, atol=1e-13)


def make_objective(params, alpha, dropout):
    """An Objective for a 4-5-3 tanh network on ``params`` (flat, float64).

    Each Objective draws the same dropout masks, so that finite differences
    compare evaluations of one function.
    """
    coefs = split(params, [(4, 5), (5, 3)])
    intercepts = split(params[coefs[0].size + coefs[1].size :], [(5,), (3,)])
    return Objective(
        params,
        coefs,
        intercepts,
        activation="tanh",
        out_activation="softmax",
        loss="log_loss",
        alpha=alpha,
        n_rows=7,
        dropout=dropout,
        dropout_rng=np.random.default_rng(0),
    )


@pytest.mark.parametrize("dropout", [0.0, 0.3])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_objective_gradient_matches_finite_differences(alpha, dropout, rng):
    """The full objective, with the L2 penalty that Objective adds to backward's."""
    X = rng.standard_normal((7, 4))
    Y = np.eye(3)[rng.randint(3, size=7)]
    w = rng.uniform(0.5, 2, 7)
    params = rng.standard_normal(4 * 5 + 5 * 3 + 5 + 3)

    def value(x):
        return make_objective(x, alpha, dropout)(X, Y, w, w.sum())

    objective = make_objective(params, alpha, dropout)
    objective(X, Y, w, w.sum())
    eps = 1e-6
    expected = [
        (value(params + eps * e) - value(params - eps * e)) / (2 * eps)
        for e in np.eye(params.size)
    ]
    assert_allclose(objective.grads, expected, rtol=1e-6, atol=1e-9)


def test_divergence_rolls_back_the_epoch(rng):
    X = rng.standard_normal((40, 3)) * 1e150
    Y = np.eye(2)[rng.randint(2, size=40)]
    coefs, intercepts = glorot_uniform([3, 4, 2], "relu", rng, np.float64)
    params, views = pack(coefs + intercepts)
    before = params.copy()
    optimizer = SGD([params], learning_rate_init=1e3)
    trainer = EpochTrainer(
        params,
        views[:2],
        views[2:],
        optimizer,
        activation="relu",
        out_activation="softmax",
        loss="log_loss",
        alpha=0.0,
        batch_size=10,
        dropout=0.0,
    )
    epochs = trainer.epochs(
        X, Y, None, shuffle=False, random_state=rng, dropout_rng=None
    )
    with pytest.raises(DivergenceError):
        next(epochs)
    np.testing.assert_array_equal(params, before)
    assert all(not v.any() for v in optimizer.velocities)


@pytest.mark.parametrize(
    "n_samples, batch_size, sizes",
    [(10, 3, [3, 3, 3, 1]), (6, 6, [6]), (5, 10, [5])],
)
def test_batch_slices(n_samples, batch_size, sizes):
    slices = batch_slices(n_samples, batch_size)
    assert [s.stop - s.start for s in slices] == sizes
    assert slices[0].start == 0 and slices[-1].stop == n_samples


def test_plateau_counts_epochs_without_improvement():
    plateau = Plateau(tol=0.5)
    # Rising by less than tol still counts as no improvement, but sets the best.
    improved = [plateau.update(value) for value in [1.0, 1.2, 2.0, 1.0]]
    assert improved == [True, True, True, False]
    assert plateau.best == 2.0
    assert plateau.count == 1
