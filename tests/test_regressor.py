"""Behaviour of FromScratchMLPRegressor: parity with scikit-learn's
MLPRegressor, and the places where we deliberately differ from it.

The tests of training arithmetic run once per kernel set (the
``kernel_path`` fixture): NumPy's, and the compiled one where numba is
installed. What the shared base does for both estimators (validation of the
parameters, interrupts, allocation failures, ...) is in test_classifier.py.
"""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import xlogy
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.neural_network import MLPRegressor

from skmlp import FromScratchMLPRegressor
from skmlp._kernels import get_kernels
from skmlp._network import FlatParameters
from skmlp._training import Objective

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The oldest scikit-learn supported (1.6.1) has neither MLPRegressor's loss
# nor its sample_weight.
SKLEARN_1_7 = pytest.mark.skipif(
    "loss" not in MLPRegressor().get_params(),
    reason="MLPRegressor has a loss parameter from scikit-learn 1.7",
)

# A learning rate that makes early stopping stop, past its best epoch, within
# max_iter on both datasets.
SMALL = dict(
    hidden_layer_sizes=(8,),
    max_iter=15,
    learning_rate_init=0.1,
    n_iter_no_change=3,
    random_state=0,
)


def fitted_state(estimator):
    """The model a call could change, as bytes (see test_classifier.py)."""
    return pickle.dumps(estimator)


def data_for(request, loss):
    """Standardized diabetes for the squared error, counts for Poisson."""
    return request.getfixturevalue("diabetes" if loss == "squared_error" else "counts")


@pytest.fixture(scope="module")
def three_outputs():
    """100 samples, 6 features, 3 outputs each of unit variance."""
    X, Y = make_regression(n_samples=100, n_features=6, n_targets=3, random_state=0)
    return X, Y / Y.std(axis=0)


@SKLEARN_1_7
def test_constructor_matches_sklearn():
    ours = FromScratchMLPRegressor().get_params()
    assert ours == {**MLPRegressor().get_params(), "dropout": 0.0, "scoring": None}
    assert FromScratchMLPRegressor("poisson").loss == "poisson"


@SKLEARN_1_7
@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_stochastic_training_matches_sklearn(request, loss, solver, early_stopping):
    """Same seed, same parameters: the same curves, stop and predictions (of
    the best epoch, restored, with early stopping)."""
    X, y = data_for(request, loss)
    params = dict(SMALL, loss=loss, solver=solver, early_stopping=early_stopping)
    ours = FromScratchMLPRegressor(**params).fit(X, y)
    theirs = MLPRegressor(**params).fit(X, y)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert (ours.n_iter_, ours.t_) == (theirs.n_iter_, theirs.t_)
    if early_stopping:
        assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-7)
        assert ours.best_validation_score_ == pytest.approx(
            theirs.best_validation_score_, rel=1e-7
        )
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-7)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-7, atol=1e-12)


@SKLEARN_1_7
@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_lbfgs_matches_sklearn(request, loss, early_stopping):
    """Early stopping does not apply to L-BFGS, in either library."""
    X, y = data_for(request, loss)
    params = dict(SMALL, loss=loss, solver="lbfgs", early_stopping=early_stopping)
    ours = FromScratchMLPRegressor(**params).fit(X, y)
    theirs = MLPRegressor(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == len(ours.loss_curve_)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-7)
    assert ours.loss_curve_[-1] == pytest.approx(ours.loss_, rel=1e-12)
    assert ours.validation_scores_ is None
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-7, atol=1e-12)


@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multi_output_trains_as_sklearn_and_reports_the_summed_loss(
    three_outputs, solver
):
    """scikit-learn steps along the gradient of the loss summed over the
    outputs but reports its mean: the weights are the same, our loss is k
    times scikit-learn's (no penalty, alpha=0, to compare data terms)."""
    X, Y = three_outputs
    params = dict(SMALL, solver=solver, alpha=0.0, batch_size=32, max_iter=5)
    params.pop("n_iter_no_change")
    ours = FromScratchMLPRegressor(**params).fit(X, Y)
    theirs = MLPRegressor(**params).fit(X, Y)
    for ours_W, theirs_W in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_
    ):
        assert_allclose(ours_W, theirs_W, rtol=0, atol=1e-10)
    assert_allclose(ours.loss_curve_, 3 * np.array(theirs.loss_curve_), rtol=1e-10)


@pytest.mark.usefixtures("kernel_path")
def test_lbfgs_multi_output_minimizes_the_loss_it_reports(three_outputs):
    """The objective L-BFGS minimizes on k outputs is the loss it reports, and
    the gradient it is given is that objective's (scikit-learn's differ by k)."""
    X, Y = three_outputs
    n = len(X)
    reg = FromScratchMLPRegressor(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="lbfgs",
        alpha=0.01,
        max_iter=20,
        random_state=0,
    ).fit(X, Y)
    penalty = 0.5 * reg.alpha * sum((W**2).sum() for W in reg.coefs_)
    summed = 0.5 * ((reg.predict(X) - Y) ** 2).sum()
    assert reg.loss_ == pytest.approx((summed + penalty) / n, rel=1e-10)

    network = FlatParameters.of(reg.coefs_, reg.intercepts_, copy=True)
    objective = Objective(
        *network,
        activation="tanh",
        out_activation="identity",
        loss="squared_error",
        alpha=reg.alpha,
        n_rows=n,
        kernels=get_kernels(),
    )

    def loss(params):
        network.vector[...] = params
        return objective(X, Y, None, n)

    assert loss(network.vector.copy()) == pytest.approx(reg.loss_, rel=1e-12)
    # Away from the optimum, where the gradient is not small: central
    # differences of the loss equal the gradient given with it.
    point = network.vector + 0.3 * np.random.RandomState(0).standard_normal(
        network.vector.size
    )
    loss(point)
    gradient = objective.grads.copy()
    step = 1e-6
    differences = np.empty_like(point)
    for i in range(point.size):
        shift = np.zeros_like(point)
        shift[i] = step
        differences[i] = (loss(point + shift) - loss(point - shift)) / (2 * step)
    assert_allclose(differences, gradient, rtol=1e-6, atol=1e-8)


def test_predict_is_a_vector_for_one_output(diabetes):
    X, y = diabetes
    params = dict(SMALL, max_iter=3)
    vector = FromScratchMLPRegressor(**params).fit(X, y)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = FromScratchMLPRegressor(**params).fit(X, y[:, np.newaxis])
    two = FromScratchMLPRegressor(**params).fit(X, np.c_[y, -y])
    assert vector.n_outputs_ == column.n_outputs_ == 1 and two.n_outputs_ == 2
    assert vector.predict(X).shape == column.predict(X).shape == (442,)
    assert_array_equal(column.predict(X), vector.predict(X))
    assert two.predict(X).shape == (442, 2)


@pytest.mark.usefixtures("kernel_path")
def test_poisson_predicts_the_exp_of_the_network(counts):
    X, y = counts
    reg = FromScratchMLPRegressor("poisson", **SMALL).fit(X, y)
    assert reg.out_activation_ == "exp"
    hidden = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0)
    logits = hidden @ reg.coefs_[1] + reg.intercepts_[1]
    predictions = reg.predict(X)
    assert (predictions > 0).all()
    assert_allclose(predictions, np.exp(logits[:, 0]), rtol=1e-12)


@pytest.mark.parametrize("where", ["y", "y_val"])
def test_poisson_refuses_negative_targets(counts, where):
    X, y = counts
    negative = y.copy()
    negative[7] = -0.5
    reg = FromScratchMLPRegressor("poisson", early_stopping=True, **SMALL)
    given = dict(y=negative, y_val=y) if where == "y" else dict(y=y, y_val=negative)
    with pytest.raises(ValueError, match=f"loss='poisson' needs {where} >= 0.*-0.5"):
        reg.fit(X, given["y"], X_val=X, y_val=given["y_val"])
    assert vars(reg) == vars(clone(reg))


def test_poisson_predictions_that_overflow_are_refused(counts):
    X, y = counts
    reg = FromScratchMLPRegressor("poisson", **SMALL).fit(X, y)
    before = fitted_state(reg)
    with pytest.raises(
        ValueError, match="X is too large for this network: its predictions overflow"
    ):
        reg.predict(X * 1e4)
    assert fitted_state(reg) == before


@pytest.mark.parametrize("weighted", [False, True])
def test_default_score_is_the_r2_of_the_validation_set(diabetes, weighted):
    """R² of the returned model (the best epoch's), weighted as the samples."""
    X, y = diabetes
    X_val, y_val = X[::4], y[::4]
    w = np.linspace(0.2, 2, len(y_val)) if weighted else None
    reg = FromScratchMLPRegressor(early_stopping=True, **SMALL)
    reg.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=w)
    assert reg.t_ == reg.n_iter_ * len(y)  # trained on all of X
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.best_validation_score_ == pytest.approx(
        r2_score(y_val, reg.predict(X_val), sample_weight=w), rel=1e-10
    )


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_scoring_loss_is_the_negated_validation_loss(request, loss):
    """Half the squared error, or half the Poisson deviance, of the best
    epoch's predictions, without the penalty."""
    X, y = data_for(request, loss)
    X_val, y_val = X[::2], y[::2]
    reg = FromScratchMLPRegressor(loss, early_stopping=True, scoring="loss", **SMALL)
    reg.fit(X, y, X_val=X_val, y_val=y_val)
    assert reg.validation_scores_ == [-loss for loss in reg.validation_loss_curve_]
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    pred = reg.predict(X_val)
    if loss == "squared_error":
        expected = 0.5 * np.mean((pred - y_val) ** 2)
    else:
        expected = np.mean(xlogy(y_val, y_val / pred) - y_val + pred)
    assert -reg.best_validation_score_ == pytest.approx(expected, rel=1e-10)


def test_scoring_names_a_scorer_of_the_returned_model(diabetes):
    X, y = diabetes
    X_val, y_val = X[::4], y[::4]
    w = np.linspace(0.2, 2, len(y_val))
    params = dict(SMALL, early_stopping=True, scoring="neg_mean_absolute_error")
    reg = FromScratchMLPRegressor(**params)
    reg.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=w)
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.best_validation_score_ == pytest.approx(
        -mean_absolute_error(y_val, reg.predict(X_val), sample_weight=w), rel=1e-10
    )


def test_scoring_a_callable_on_the_held_out_split(diabetes):
    X, y = diabetes
    seen = []

    def neg_max_error(estimator, X, y):
        seen.append(len(X))
        return -np.abs(estimator.predict(X) - y).max()

    params = dict(SMALL, early_stopping=True, scoring=neg_max_error)
    reg = FromScratchMLPRegressor(**params).fit(X, y)
    # validation_fraction=0.1 of 442 samples: 45 held out, one call per epoch
    assert set(seen) == {45} and len(seen) == reg.n_iter_
    assert all(score < 0 for score in reg.validation_scores_)
    assert reg.best_validation_score_ == max(reg.validation_scores_)


def test_early_stopping_restores_the_best_epoch(diabetes):
    X, y = diabetes
    params = dict(SMALL, early_stopping=True, solver="sgd")
    full = FromScratchMLPRegressor(**params).fit(X, y)
    scores = full.validation_scores_
    best_epoch = int(np.argmax(scores)) + 1
    assert len(scores) == full.n_iter_ > best_epoch
    # The same run stopped right at its best epoch ends with the same weights.
    stopped = FromScratchMLPRegressor(**{**params, "max_iter": best_epoch}).fit(X, y)
    for W_full, W_stopped in zip(full.coefs_, stopped.coefs_):
        assert_array_equal(W_full, W_stopped)


@pytest.mark.filterwarnings("ignore:Got batch_size")
def test_integer_weights_equal_repeated_samples(diabetes):
    X, y = diabetes
    weights = np.random.RandomState(0).randint(0, 4, size=len(y))
    params = dict(SMALL, batch_size=2000, shuffle=False, max_iter=5)
    weighted = FromScratchMLPRegressor(**params).fit(X, y, sample_weight=weights)
    repeated = FromScratchMLPRegressor(**params).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-10, atol=1e-12)
    unweighted = FromScratchMLPRegressor(**params).fit(X, y)
    assert not np.allclose(weighted.predict(X), unweighted.predict(X))


def test_float32_stays_float32(diabetes):
    X, y = diabetes
    reg32 = FromScratchMLPRegressor(**SMALL).fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in reg32.coefs_ + reg32.intercepts_)
    assert reg32.predict(X.astype(np.float32)).dtype == np.float32
    reg64 = FromScratchMLPRegressor(**SMALL).fit(X, y)
    assert_allclose(reg32.loss_curve_, reg64.loss_curve_, rtol=1e-4)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_array])
def test_sparse_input_matches_dense(diabetes, container):
    X, y = diabetes
    dense = FromScratchMLPRegressor(**SMALL).fit(X, y)
    sparse = FromScratchMLPRegressor(**SMALL).fit(container(X), y)
    assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)
    assert_allclose(sparse.predict(container(X)), dense.predict(X), rtol=1e-10)


def test_warm_start_continues(diabetes):
    """Each warm-started fit has a history of its own, after the samples seen."""
    X, y = diabetes
    # A rate at which Adam's restart does not undo the first fit's progress.
    params = dict(SMALL, learning_rate_init=0.01)
    reg = FromScratchMLPRegressor(warm_start=True, **params).fit(X, y)
    first_curve = list(reg.loss_curve_)
    reg.fit(X, y)
    assert reg.n_iter_ == len(reg.loss_curve_) == SMALL["max_iter"]
    assert reg.t_ == 2 * SMALL["max_iter"] * len(X)
    assert reg.loss_curve_[0] < first_curve[-1]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_continues_the_epochs_of_fit(diabetes, solver):
    """Two calls are two epochs of fit, and their history is one."""
    X, y = diabetes
    params = dict(SMALL, solver=solver, shuffle=False)
    streamed = FromScratchMLPRegressor(**params).partial_fit(X, y).partial_fit(X, y)
    fitted = FromScratchMLPRegressor(**dict(params, max_iter=2)).fit(X, y)
    assert streamed.n_iter_ == 2 and streamed.t_ == 2 * len(X)
    assert streamed.loss_curve_ == fitted.loss_curve_
    for W_streamed, W_fitted in zip(streamed.coefs_, fitted.coefs_):
        assert_array_equal(W_streamed, W_fitted)


def test_partial_fit_after_early_stopping_drops_the_validation_history(diabetes):
    X, y = diabetes
    reg = FromScratchMLPRegressor(early_stopping=True, **SMALL).fit(X, y)
    curve, n_iter, t = list(reg.loss_curve_), reg.n_iter_, reg.t_
    reg.partial_fit(X, y)
    assert reg.n_iter_ == n_iter + 1 == len(reg.loss_curve_)
    assert reg.loss_curve_[:n_iter] == curve
    assert reg.t_ == t + len(X)
    assert reg.validation_scores_ is None and reg.validation_loss_curve_ is None
    assert reg.best_validation_score_ is None
    assert reg.best_loss_ == min(reg.loss_curve_)


DIVERGING = dict(solver="sgd", learning_rate_init=1e6, momentum=0.0)


def test_a_diverging_first_fit_leaves_the_model_unfitted(diabetes):
    X, y = diabetes
    reg = FromScratchMLPRegressor(**dict(SMALL, **DIVERGING))
    with pytest.raises(
        ValueError,
        match=(
            r"Training diverged: .* The call is undone: the model is as it was "
            r"before it\. Use a smaller learning_rate_init"
        ),
    ):
        reg.fit(X * 1e100, y)
    assert vars(reg) == vars(clone(reg))


@pytest.mark.parametrize("call", ["fit", "warm_start", "partial_fit"])
def test_a_diverging_call_leaves_the_fitted_model_unchanged(diabetes, call):
    X, y = diabetes
    reg = FromScratchMLPRegressor(**dict(SMALL, solver="sgd")).fit(X, y)
    reg.set_params(**DIVERGING, warm_start=call == "warm_start")
    before = fitted_state(reg)
    with pytest.raises(ValueError, match="diverged"):
        getattr(reg, "partial_fit" if call == "partial_fit" else "fit")(X * 1e100, y)
    assert fitted_state(reg) == before


def test_dropout_is_reproducible_and_only_used_in_training(diabetes):
    X, y = diabetes
    params = dict(SMALL, dropout=0.3, n_iter_no_change=100)
    first = FromScratchMLPRegressor(**params).fit(X, y)
    second = FromScratchMLPRegressor(**params).fit(X, y)
    plain = FromScratchMLPRegressor(**dict(params, dropout=0.0)).fit(X, y)
    for W_first, W_second, W_plain in zip(first.coefs_, second.coefs_, plain.coefs_):
        assert_array_equal(W_first, W_second)
        assert not np.allclose(W_first, W_plain)
    assert_array_equal(first.predict(X), first.predict(X))
    assert first.loss_curve_[-1] < first.loss_curve_[0]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_cosine_schedule_decays_the_rate(diabetes, solver):
    params = dict(SMALL, solver=solver, learning_rate="cosine", learning_rate_init=0.01)
    reg = FromScratchMLPRegressor(**params).fit(*diabetes)
    assert reg.n_iter_ == SMALL["max_iter"]
    assert reg._optimizer.learning_rate < 0.01 * 0.01
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


@pytest.mark.parametrize(
    "change, y_of, match",
    [
        (dict(loss="poisson"), lambda y: y, "loss='poisson' an exp output"),
        (dict(), lambda y: np.c_[y, y], "y has 2 output.*the fitted model has 1"),
    ],
    ids=["loss", "outputs"],
)
@pytest.mark.parametrize("call", ["fit", "partial_fit"])
def test_warm_start_refuses_a_different_problem(counts, change, y_of, match, call):
    X, y = counts
    reg = FromScratchMLPRegressor(warm_start=True, **SMALL).fit(X, y)
    before = fitted_state(reg)
    reg.set_params(**change)
    with pytest.raises(ValueError, match=match):
        getattr(reg, call)(X, y_of(y))
    reg.set_params(loss="squared_error")
    assert fitted_state(reg) == before


@pytest.mark.parametrize("where", ["y", "y_val"])
def test_non_numeric_targets_are_refused(diabetes, where):
    X, y = diabetes
    words = np.where(y > 0, "high", "low")
    reg = FromScratchMLPRegressor(early_stopping=True, **SMALL)
    given = dict(y=words, y_val=y) if where == "y" else dict(y=y, y_val=words)
    with pytest.raises(ValueError, match=f"A regressor needs numeric {where}"):
        reg.fit(X, given["y"], X_val=X, y_val=given["y_val"])


def test_numbers_of_object_dtype_are_numbers(diabetes):
    X, y = diabetes
    expected = FromScratchMLPRegressor(**SMALL).fit(X, y).predict(X)
    reg = FromScratchMLPRegressor(**SMALL).fit(X, y.astype(object))
    assert_array_equal(reg.predict(X), expected)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("dtype, value", [(np.float64, 1e160), (np.float32, 1e20)])
def test_targets_too_large_to_square_are_refused(diabetes, dtype, value):
    """Said without a RuntimeWarning, though in float32 they overflow."""
    X, y = diabetes
    y = y.copy()
    y[5] = -value
    reg = FromScratchMLPRegressor(**SMALL)
    with pytest.raises(ValueError) as error:
        reg.fit(X.astype(dtype), y)
    assert str(error.value) == (
        f"y has values as large as {value:.3g}, too large to train with in "
        f"{np.dtype(dtype)}; rescale it, e.g. with "
        "sklearn.compose.TransformedTargetRegressor and a StandardScaler."
    )
    assert vars(reg) == vars(clone(reg))
