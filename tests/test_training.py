"""The optimized epoch loop against a plain reference implementation.

The reference is the textbook algorithm written for clarity: per-batch fancy
indexing, fresh arrays everywhere, softmax/sigmoid then cross-entropy, Adam and
SGD straight from their formulas.  At float64 the optimized loop must give the
same loss and the same weights, up to rounding.  The batch objective, L2 penalty
included, is also checked against finite differences. Then the pieces around
the loop: the plateau count (the first value after a best of -inf is always a
new best), the rollback of an epoch that raises anything, the bounds and the
finiteness checks of the outputs (tighter for an exp output), and L-BFGS.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skmlp._initializers import glorot_uniform
from skmlp._kernels import NUMPY_KERNELS
from skmlp._network import pack, split
from skmlp._optimizers import SGD, Adam
from skmlp._training import (
    DivergenceError,
    EpochTrainer,
    Objective,
    Plateau,
    _draw_dropout_masks,
    batch_slices,
    fit_lbfgs,
)

# Every overflow must be expected and silenced where it happens.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

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
@pytest.mark.parametrize("n_samples", [53, 30])  # four batches of 16, and two
def test_epochs_match_the_reference(
    rng, solver, activation, n_outputs, weighted, n_samples, kernels
):
    batch_size, alpha = 16, 0.01
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
    objective = Objective(
        params,
        coefs,
        intercepts,
        activation=activation,
        out_activation="softmax" if n_outputs > 1 else "logistic",
        loss="log_loss",
        alpha=alpha,
        n_rows=batch_size,
        kernels=kernels,
    )
    trainer = EpochTrainer(objective, make_optimizer([params]))
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


def make_objective(params, alpha, dropout, kernels=NUMPY_KERNELS):
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
        kernels=kernels,
    )


@pytest.mark.parametrize("dropout", [0.0, 0.3])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_objective_gradient_matches_finite_differences(alpha, dropout, rng, kernels):
    """The full objective, with the L2 penalty that Objective adds to backward's."""
    X = rng.standard_normal((7, 4))
    Y = np.eye(3)[rng.randint(3, size=7)]
    w = rng.uniform(0.5, 2, 7)
    params = rng.standard_normal(4 * 5 + 5 * 3 + 5 + 3)

    def value(x):
        return make_objective(x, alpha, dropout)(X, Y, w, w.sum())

    objective = make_objective(params, alpha, dropout, kernels)
    objective(X, Y, w, w.sum())
    eps = 1e-6
    expected = [
        (value(params + eps * e) - value(params - eps * e)) / (2 * eps)
        for e in np.eye(params.size)
    ]
    assert_allclose(objective.grads, expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_the_l2_gradient_left_to_the_step_completes_the_gradient(alpha, rng, kernels):
    X, Y = rng.standard_normal((7, 4)), np.eye(3)[rng.randint(3, size=7)]
    w = rng.uniform(0.5, 2, 7)
    params = rng.standard_normal(4 * 5 + 5 * 3 + 5 + 3)
    full = make_objective(params, alpha, 0.0, kernels)
    loss = full(X, Y, w, w.sum())
    partial = make_objective(params, alpha, 0.0, kernels)
    assert partial(X, Y, w, w.sum(), add_l2_gradient=False) == pytest.approx(loss)
    l2 = partial.l2_gradient(w.sum())
    if not alpha:
        assert l2 is None
        assert_array_equal(partial.grads, full.grads)
        return
    assert (l2.n_weights, l2.coef) == (4 * 5 + 5 * 3, alpha / w.sum())
    completed = partial.grads.copy()
    completed[: l2.n_weights] += l2.coef * params[: l2.n_weights]
    assert_allclose(completed, full.grads, rtol=1e-14)


def test_divergence_rolls_back_the_epoch(rng):
    X = rng.standard_normal((40, 3)) * 1e150
    Y = np.eye(2)[rng.randint(2, size=40)]
    coefs, intercepts = glorot_uniform([3, 4, 2], "relu", rng, np.float64)
    params, views = pack(coefs + intercepts)
    before = params.copy()
    optimizer = SGD([params], learning_rate_init=1e3)
    trainer = make_trainer(params, views, optimizer)
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


@pytest.mark.parametrize("first", [-np.inf, -1e300, 0.0])
def test_plateau_takes_the_first_value_after_minus_inf_as_a_new_best(first):
    """An epoch scored -inf still has weights to keep: it is the best so far."""
    plateau = Plateau(tol=1e-4)
    assert plateau.update(first)
    assert (plateau.best, plateau.count) == (first, 0)
    assert plateau.update(1.0)
    assert not plateau.update(-np.inf)
    assert (plateau.best, plateau.count) == (1.0, 1)


SETTINGS = dict(
    activation="relu",
    out_activation="softmax",
    loss="log_loss",
    alpha=0.0,
    n_rows=10,
    dropout=0.0,
    kernels=NUMPY_KERNELS,
)


def make_trainer(params, views, optimizer, batch_size=10):
    """An EpochTrainer for a 3-4-2 ReLU network with a softmax output."""
    settings = dict(SETTINGS, n_rows=batch_size)
    return EpochTrainer(Objective(params, views[:2], views[2:], **settings), optimizer)


@pytest.fixture
def network(rng):
    coefs, intercepts = glorot_uniform([3, 4, 2], "relu", rng, np.float64)
    return pack(coefs + intercepts)


@pytest.mark.parametrize("make_optimizer", [SGD, Adam])
def test_rollback_restores_the_parameters_and_optimizer_of_the_epoch_start(
    network, rng, make_optimizer
):
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    optimizer = make_optimizer([params], learning_rate_init=0.1)
    trainer = make_trainer(params, views, optimizer)
    epochs = trainer.epochs(
        X, Y, None, shuffle=True, random_state=rng, dropout_rng=None
    )
    next(epochs)
    at_start = params.copy(), pickle.dumps(optimizer)
    next(epochs)
    assert not np.array_equal(params, at_start[0])
    trainer.rollback()
    assert_array_equal(params, at_start[0])
    assert pickle.dumps(optimizer) == at_start[1]


def test_interrupted_epoch_rolls_back_and_propagates(network, rng, monkeypatch):
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    optimizer = Adam([params], learning_rate_init=0.1)
    trainer = make_trainer(params, views, optimizer)
    epochs = trainer.epochs(
        X, Y, None, shuffle=True, random_state=rng, dropout_rng=None
    )
    next(epochs)
    before, calls = params.copy(), []

    def update(*args, **kwargs):
        calls.append(None)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return Adam.update(optimizer, *args, **kwargs)

    monkeypatch.setattr(optimizer, "update", update)
    with pytest.raises(KeyboardInterrupt):
        next(epochs)
    assert_array_equal(params, before)
    assert optimizer.t == 3  # the first epoch's three batches


@pytest.mark.parametrize("make_optimizer", [SGD, Adam])
def test_an_epoch_that_raises_anything_rolls_back(
    network, rng, monkeypatch, make_optimizer
):
    """Not only divergence and Ctrl-C: a failed call must leave the model as
    it was, whatever the failure."""
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    optimizer = make_optimizer([params], learning_rate_init=0.1)
    trainer = make_trainer(params, views, optimizer)
    epochs = trainer.epochs(
        X, Y, None, shuffle=True, random_state=rng, dropout_rng=None
    )
    next(epochs)
    before, state = params.copy(), pickle.dumps(optimizer)
    calls, objective = [], Objective.__call__

    def failing_objective(self, *args, **kwargs):
        calls.append(None)
        if len(calls) == 2:  # after the first batch's step
            raise RuntimeError("a bug in the objective")
        return objective(self, *args, **kwargs)

    monkeypatch.setattr(Objective, "__call__", failing_objective)
    with pytest.raises(RuntimeError, match="a bug in the objective"):
        next(epochs)
    assert_array_equal(params, before)
    assert pickle.dumps(optimizer) == state


def test_trainer_serves_only_its_own_parameters_optimizer_and_settings(network):
    params, views = network
    optimizer = SGD([params])
    trainer = make_trainer(params, views, optimizer)
    assert trainer.serves(params, optimizer, SETTINGS)
    assert not trainer.serves(params.copy(), optimizer, SETTINGS)
    assert not trainer.serves(params, SGD([params]), SETTINGS)
    for name, other in [("alpha", 1.0), ("n_rows", 5), ("loss", "squared_error")]:
        assert not trainer.serves(params, optimizer, {**SETTINGS, name: other})


def test_epoch_loss_is_the_size_weighted_mean_of_the_batch_objectives(network, rng):
    """Batches of 10, 10 and 5 rows: the 5-row batch counts half as much."""
    params, views = network
    X, Y = rng.standard_normal((25, 3)), np.eye(2)[rng.randint(2, size=25)]
    trainer = make_trainer(params, views, SGD([params], learning_rate_init=0.0))
    expected = [
        make_trainer(params, views, SGD([params]), batch_size=n).objective(
            X[rows], Y[rows], None, n
        )
        for rows, n in [(slice(0, 10), 10), (slice(10, 20), 10), (slice(20, 25), 5)]
    ]
    epochs = trainer.epochs(
        X, Y, None, shuffle=False, random_state=rng, dropout_rng=None
    )
    loss = next(epochs)
    assert loss == pytest.approx(
        (10 * expected[0] + 10 * expected[1] + 5 * expected[2]) / 25
    )


def test_epoch_skips_batches_without_weight(network, rng):
    params, views = network
    X, Y = rng.standard_normal((20, 3)), np.eye(2)[rng.randint(2, size=20)]
    w = np.r_[np.zeros(10), np.ones(10)]
    optimizer = SGD([params], learning_rate_init=0.1)
    trainer = make_trainer(params, views, optimizer)
    epochs = trainer.epochs(X, Y, w, shuffle=False, random_state=rng, dropout_rng=None)
    loss = next(epochs)
    assert optimizer.t == 1
    assert np.isfinite(loss)


LOSS_OF = {
    "softmax": "log_loss",
    "logistic": "log_loss",
    "identity": "squared_error",
    "exp": "poisson",
}


def objective_of(activation, coefs, intercepts, X, out_activation="softmax"):
    """The Objective of a network of these weights, sized for ``X``."""
    params, views = pack(coefs + intercepts)
    return Objective(
        params,
        views[: len(coefs)],
        views[len(coefs) :],
        activation=activation,
        out_activation=out_activation,
        loss=LOSS_OF[out_activation],
        alpha=0.0,
        n_rows=X.shape[0],
        kernels=NUMPY_KERNELS,
    )


def bounded(activation, coefs, intercepts, X, out_activation="softmax"):
    objective = objective_of(activation, coefs, intercepts, X, out_activation)
    return objective.outputs_are_bounded_on(X)


ONE_UNIT = [np.array([[1.0]]), np.array([[1.0]])], [np.zeros(1), np.zeros(1)]


@pytest.mark.parametrize("activation", ["relu", "identity", "tanh", "logistic"])
def test_outputs_are_bounded_by_the_weight_norms(activation):
    coefs, intercepts = ONE_UNIT  # the limit: sqrt(max float64), about 1.34e154
    assert bounded(activation, coefs, intercepts, np.array([[1e150]]))
    # x = 1e150 through W_0 = 1e5: 1e155 is past the limit at the first layer.
    huge = [np.array([[1e5]]), np.array([[1.0]])]
    assert not bounded(activation, huge, intercepts, np.array([[1e150]]))
    # A hidden value of 1e150 times 1e10 is past it, unless tanh and logistic
    # cap the hidden value at sqrt(1) = 1.
    last = [np.array([[1.0]]), np.array([[1e10]])]
    capped = activation in ("tanh", "logistic")
    assert bounded(activation, last, intercepts, np.array([[1e150]])) == capped


@pytest.mark.parametrize(
    "dtype, below, above",
    [(np.float64, 700.0, 800.0), (np.float32, 80.0, 100.0)],
)
def test_exp_outputs_are_bounded_and_finite_below_the_largest_finite_logit(
    dtype, below, above
):
    """exp overflows past log(max), about 709.8 in float64 and 88.7 in float32:
    logits beyond it are finite, their exp is not."""
    X = np.ones((2, 1), dtype)

    def network(output_weight):
        coefs = [np.ones((1, 1), dtype), np.full((1, 1), output_weight, dtype)]
        return coefs, [np.zeros(1, dtype), np.zeros(1, dtype)]

    for out_activation, finite_above in [("identity", True), ("exp", False)]:
        assert bounded("relu", *network(below), X, out_activation)
        assert bounded("relu", *network(above), X, out_activation) is finite_above
        for weight, finite in [(below, True), (above, finite_above), (-above, True)]:
            objective = objective_of("relu", *network(weight), X, out_activation)
            assert objective.is_finite_on(X) == finite, (out_activation, weight)
    # the bound is on the magnitude of the logits: exp(-800) is finite, but
    # only a forward pass tells
    assert not bounded("relu", *network(-above), X, "exp")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_weights_are_not_bounded(bad):
    coefs, intercepts = ONE_UNIT
    assert not bounded(
        "relu", [np.array([[bad]]), coefs[1]], intercepts, np.ones((1, 1))
    )
    assert not bounded("relu", coefs, [np.zeros(1), np.array([bad])], np.ones((1, 1)))


def test_bound_counts_the_intercepts_and_the_largest_row():
    coefs = [np.array([[1.0]]), np.array([[1.0]])]
    intercepts = [np.array([2e154]), np.zeros(1)]
    assert not bounded("relu", coefs, intercepts, np.ones((1, 1)))
    assert not bounded("relu", *ONE_UNIT, np.array([[1.0], [2e154]]))


def test_bound_on_sparse_input_uses_its_row_norms():
    import scipy.sparse as sp

    assert bounded("relu", *ONE_UNIT, sp.csr_matrix(np.array([[3.0], [1e150]])))
    assert not bounded("relu", *ONE_UNIT, sp.csr_matrix(np.array([[0.0], [2e154]])))


def penalty_objective(alpha, scale):
    params = np.full(4 * 2 + 2 * 2 + 2 + 2, scale)
    coefs = split(params, [(4, 2), (2, 2)])
    intercepts = split(params[12:], [(2,), (2,)])
    return Objective(
        params,
        coefs,
        intercepts,
        activation="identity",
        out_activation="softmax",
        loss="log_loss",
        alpha=alpha,
        n_rows=3,
        kernels=NUMPY_KERNELS,
    )


@pytest.mark.parametrize(
    "alpha, scale, dominates",
    [
        (0.0, 1.0, False),
        (1.0, 0.1, False),
        (1e200, 0.1, True),  # 1e200 * 0.12 / 2 against a loss of about 2
        (1e308, 1.0, True),  # the penalty overflows
        (1e-4, 1e3, False),  # a penalty of 600 beside a loss of about 2
        (1.0, 1e9, True),  # a penalty of 6e18, from the weights
    ],
)
def test_penalty_dominates_when_alpha_swamps_the_data(alpha, scale, dominates):
    X = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, -1.0, 1.0]])
    Y = np.eye(2)[[0, 1, 0]]
    objective = penalty_objective(alpha, scale)
    assert objective.penalty_dominates(X, Y, None) is dominates


def test_penalty_does_not_dominate_a_data_loss_that_is_not_a_number():
    X = np.full((3, 4), np.finfo(np.float64).max)  # logits inf - inf
    X[:, 1] *= -1
    Y = np.eye(2)[[0, 1, 0]]
    assert not penalty_objective(1e-4, 1.0).penalty_dominates(X, Y, None)
    assert penalty_objective(1e308, 1.0).penalty_dominates(X, Y, None)


def test_plateau_counts_from_a_best_value_given():
    plateau = Plateau(tol=0.5, best=1.0)
    assert not plateau.update(0.9)
    assert plateau.count == 1
    # Exactly tol better resets the count: only less than tol counts.
    assert plateau.update(1.5)
    assert plateau.count == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_masks_drop_with_the_rate_and_scale_the_rest(dtype):
    masks = [np.empty((200, 50), dtype), np.empty((200, 20), dtype)]
    _draw_dropout_masks(masks, 0.2, np.random.default_rng(0))
    for mask in masks:
        assert mask.dtype == dtype
        assert set(np.unique(mask)) == {dtype(0), dtype(1 / 0.8)}
        assert (mask == 0).mean() == pytest.approx(0.2, abs=0.03)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_objective_and_trainer_keep_the_dtype(network, dtype, rng):
    params, views = network
    params, views = pack([v.astype(dtype) for v in views])
    trainer = make_trainer(params, views, SGD([params]))
    assert trainer.objective.grads.dtype == dtype
    assert {buffer.dtype for buffer in trainer._buffers} == {np.dtype(dtype)}


def test_the_bound_fails_but_finite_outputs_train_on(rng):
    """Weights whose norms bound nothing, on rows whose products cancel."""
    coefs = [np.array([[1e60], [1e60], [0.0]]), np.array([[1.0, -1.0]])]
    params, views = pack(coefs + [np.zeros(1), np.zeros(2)])
    X = np.array([[1e100, -1e100, 0.0], [-1e100, 1e100, 1.0]])
    trainer = make_trainer(params, views, SGD([params], learning_rate_init=0.0))
    assert not trainer.objective.outputs_are_bounded_on(X)
    epochs = trainer.epochs(
        X, np.eye(2), None, shuffle=False, random_state=rng, dropout_rng=None
    )
    assert np.isfinite(next(epochs))


@pytest.mark.parametrize(
    "scale, lr, cause",
    [
        (1e308, 1.0, "the training loss became non-finite"),
        (10.0, 1e308, "the network weights became non-finite"),
        (1e100, 1e100, "the network's outputs overflow"),
    ],
)
def test_divergence_names_what_stopped_being_finite(network, rng, scale, lr, cause):
    params, views = network
    X = np.minimum(np.abs(rng.standard_normal((10, 3))), 1.5) * scale
    Y = np.eye(2)[rng.randint(2, size=10)]
    trainer = make_trainer(
        params, views, SGD([params], learning_rate_init=lr, momentum=0)
    )
    epochs = trainer.epochs(
        X, Y, None, shuffle=False, random_state=rng, dropout_rng=None
    )
    with pytest.raises(DivergenceError, match=f"^{cause}$"):
        next(epochs)


def lbfgs(params, views, X, Y, sample_weight=None, **options):
    objective = Objective(
        params,
        views[:2],
        views[2:],
        activation="relu",
        out_activation="softmax",
        loss="log_loss",
        alpha=options.pop("alpha", 1e-4),
        n_rows=len(X),
        kernels=NUMPY_KERNELS,
    )
    losses = []
    settings = dict(max_iter=100, max_fun=15000, tol=1e-4)
    result = fit_lbfgs(
        objective,
        params,
        X,
        Y,
        sample_weight,
        **{**settings, **options},
        on_iteration=losses.append,
    )
    return result, losses


def test_lbfgs_loss_is_per_unit_of_sample_weight(network, rng):
    """Weights of 2 everywhere: the same problem, the same iterations."""
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    start = params.copy()
    _, unweighted = lbfgs(params, views, X, Y, max_iter=5, alpha=0.0)
    params[...] = start
    _, weighted = lbfgs(params, views, X, Y, np.full(30, 2.0), max_iter=5, alpha=0.0)
    assert_allclose(weighted, unweighted, rtol=1e-10)


def test_lbfgs_weights_are_repeated_samples(network, rng):
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    start = params.copy()
    weights = np.r_[np.full(10, 2.0), np.ones(20)]
    result, _ = lbfgs(params, views, X, Y, weights, max_iter=5)
    params[...] = start
    repeated, _ = lbfgs(
        params, views, np.vstack([X[:10], X]), np.vstack([Y[:10], Y]), max_iter=5
    )
    assert result.fun == pytest.approx(repeated.fun, rel=1e-10)


def test_lbfgs_respects_max_fun_and_tol(network, rng):
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    start = params.copy()
    result, _ = lbfgs(params, views, X, Y, max_fun=3)
    assert result.nfev <= 4
    params[...] = start
    result, losses = lbfgs(params, views, X, Y, tol=10.0)
    assert result.nit == len(losses) == 0


def test_lbfgs_divergence_keeps_the_last_finite_iterate(network, rng):
    params, views = network
    X, Y = rng.standard_normal((30, 3)), np.eye(2)[rng.randint(2, size=30)]
    with pytest.raises(DivergenceError, match="^L-BFGS produced non-finite"):
        lbfgs(params, views, X, Y, alpha=1e200)
    assert np.isfinite(params).all()


def test_bounds_of_float32_networks_use_float32s_limit():
    """sqrt(max float32) is about 1.8e19: a row of norm 1e20 is past it."""
    coefs = [np.array([[1.0]], np.float32), np.array([[1.0]], np.float32)]
    intercepts = [np.zeros(1, np.float32), np.zeros(1, np.float32)]
    assert bounded("relu", coefs, intercepts, np.array([[1e18]], np.float32))
    assert not bounded("relu", coefs, intercepts, np.array([[1e20]], np.float32))


def test_tanh_keeps_a_small_bound_and_logistic_does_not():
    """Four hidden units of norm 2e-10 times an output layer of norm 1e154:
    2e144 for tanh, but logistic's outputs are near 1/2 whatever their inputs,
    so its bound is sqrt(4) * 1e154, past the limit of about 1.34e154."""
    coefs = [np.full((1, 4), 1e-10), np.full((4, 1), 5e153)]
    intercepts = [np.zeros(4), np.zeros(1)]
    assert bounded("tanh", coefs, intercepts, np.ones((1, 1)))
    assert not bounded("logistic", coefs, intercepts, np.ones((1, 1)))


def test_sparse_bound_takes_the_largest_row_not_the_sum():
    import scipy.sparse as sp

    X = sp.csr_matrix(np.array([[1e154], [1e154]]))  # each row below the limit
    assert bounded("relu", *ONE_UNIT, X)


def test_penalty_dominates_compares_with_the_weighted_data_loss():
    X = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, -1.0, 1.0]])
    Y = np.eye(2)[[0, 1, 0]]
    objective = penalty_objective(1e14, 1.0)  # a penalty of 6e14 beside about 2
    assert not objective.penalty_dominates(X, Y, None)
    assert objective.penalty_dominates(X, Y, np.full(3, 1e-3))


def test_penalty_dominates_with_the_precision_of_the_weights():
    """A penalty 6e8 times a data loss of about 2: beyond 1 / eps in float32
    (8.4e6), not in float64."""
    X = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, -1.0, 1.0]])
    Y = np.eye(2)[[0, 1, 0]]
    assert not penalty_objective(2e8, 1.0).penalty_dominates(X, Y, None)
    params = np.ones(16, np.float32)
    objective = Objective(
        params,
        split(params, [(4, 2), (2, 2)]),
        split(params[12:], [(2,), (2,)]),
        activation="identity",
        out_activation="softmax",
        loss="log_loss",
        alpha=2e8,
        n_rows=3,
        kernels=NUMPY_KERNELS,
    )
    assert objective.penalty_dominates(X.astype(np.float32), Y.astype(np.float32), None)


def test_float32_bounds_use_float32s_largest_value():
    """A row of norm 1e19 (below sqrt(max float32), about 1.8e19) through a
    weight of 2 is past it; float64's limit would let it pass."""
    coefs = [np.array([[2.0]], np.float32), np.array([[1.0]], np.float32)]
    intercepts = [np.zeros(1, np.float32), np.zeros(1, np.float32)]
    assert not bounded("relu", coefs, intercepts, np.array([[1e19]], np.float32))


def test_penalty_dominates_by_half_alpha_times_the_squared_norm():
    """alpha chosen so that alpha / 2 ||W||^2 eps is 0.8 times the data loss of
    3 log 2 (identity network, equal weights: equal logits)."""
    X = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, -1.0, 1.0]])
    Y = np.eye(2)[[0, 1, 0]]
    eps = np.finfo(np.float64).eps
    alpha = 0.8 * 3 * np.log(2) / (0.5 * 12 * eps)
    assert not penalty_objective(alpha, 1.0).penalty_dominates(X, Y, None)
    assert penalty_objective(1.5 * alpha, 1.0).penalty_dominates(X, Y, None)


def test_lbfgs_on_X_at_the_float_limit_diverges_silently(network):
    """Overflowing logits make the loss NaN without a NumPy warning."""
    params, views = network
    X = np.full((4, 3), np.finfo(np.float64).max) * np.array([1, -1, 1])
    with pytest.raises(DivergenceError):
        lbfgs(params, views, X, np.eye(2)[[0, 1, 0, 1]])
    assert np.isfinite(params).all()
