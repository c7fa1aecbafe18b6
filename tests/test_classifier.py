"""Behaviour of FromScratchMLPClassifier: parity with scikit-learn, and the
places where we deliberately differ from it.

Every test runs once per kernel set (the ``kernel_path`` fixture): NumPy's,
and the compiled one where numba is installed.
"""

import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

import skmlp._training
from skmlp import FromScratchMLPClassifier
from skmlp._network import FlatParameters

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.usefixtures("kernel_path"),
]

SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)


def fitted_state(estimator):
    """The model a call could change, as bytes: the pickled estimator, which
    leaves out only the training buffers it keeps for the next call."""
    return pickle.dumps(estimator)


# Parameters scikit-learn's MLPClassifier does not have, with their defaults.
EXTENSIONS = {
    "loss": "log_loss",
    "dropout": 0.0,
    "class_weight": None,
    "scoring": None,
}


def test_constructor_matches_sklearn():
    ours = FromScratchMLPClassifier().get_params()
    assert ours == {**MLPClassifier().get_params(), **EXTENSIONS}


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam"),
        dict(solver="sgd", nesterovs_momentum=True),
        dict(solver="sgd", nesterovs_momentum=False, learning_rate="invscaling"),
        dict(activation="tanh", hidden_layer_sizes=(6, 5), alpha=0.01),
        dict(activation="logistic", batch_size=32, shuffle=False),
    ],
)
def test_training_matches_sklearn(iris, params):
    """Same seed, same parameters: the same loss curve and probabilities."""
    X, y = iris
    settings = {**SMALL, **params}
    ours = FromScratchMLPClassifier(**settings).fit(X, y)
    theirs = MLPClassifier(**settings).fit(X, y)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_lbfgs_matches_sklearn(iris, activation):
    X, y = iris
    params = dict(solver="lbfgs", activation=activation, **SMALL)
    ours = FromScratchMLPClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)
    assert len(ours.loss_curve_) == ours.n_iter_
    assert ours.loss_curve_[-1] == pytest.approx(ours.loss_)


def test_lbfgs_has_no_partial_fit():
    assert not hasattr(FromScratchMLPClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit") as error:
        _ = FromScratchMLPClassifier(solver="lbfgs").partial_fit
    assert "lbfgs is not stochastic" in str(error.value.__cause__)


def test_lbfgs_refuses_dropout(iris):
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        FromScratchMLPClassifier(solver="lbfgs", dropout=0.2).fit(*iris)


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(alpha=-1.0), "alpha"),
        (dict(activation="softplus"), "activation"),
        (dict(batch_size=0), "batch_size"),
        (dict(learning_rate_init=0.0), "learning_rate_init"),
        (dict(momentum=1.5), "momentum"),
        (dict(validation_fraction=1.0), "validation_fraction"),
        (dict(beta_2=1.0), "beta_2"),
        (dict(n_iter_no_change=0), "n_iter_no_change"),
    ],
)
def test_invalid_parameters_name_the_parameter(iris, params, name):
    with pytest.raises(InvalidParameterError, match=name):
        FromScratchMLPClassifier(**params).fit(*iris)


@pytest.mark.parametrize("sizes", [(10, 0), (5, -1), (2.5,), [[3, 4]]])
def test_invalid_hidden_layer_sizes(iris, sizes):
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        FromScratchMLPClassifier(hidden_layer_sizes=sizes).fit(*iris)


def test_refit_is_bit_identical(iris):
    X, y = iris
    first = FromScratchMLPClassifier(**SMALL).fit(X, y)
    second = FromScratchMLPClassifier(**SMALL).fit(X, y)
    coefs = [W.copy() for W in first.coefs_]
    first.fit(X, y)
    for W_first, W_second, W_before in zip(first.coefs_, second.coefs_, coefs):
        assert_array_equal(W_first, W_second)
        assert_array_equal(W_first, W_before)


def confident(estimator, X, y, scale=1e3):
    """A fitted network whose logits are scaled up until probabilities saturate."""
    estimator.fit(X, y)
    estimator.coefs_[-1] *= scale
    estimator.intercepts_[-1] *= scale
    return estimator


@pytest.mark.parametrize("target", ["iris", "iris_binary", "multilabel"])
def test_predict_log_proba_is_finite_when_confident(request, target):
    X, y = request.getfixturevalue(target)
    ours = confident(FromScratchMLPClassifier(**SMALL), X, y)
    theirs = confident(MLPClassifier(**SMALL), X, y)
    log_proba = ours.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    with np.errstate(divide="ignore"):
        assert not np.isfinite(theirs.predict_log_proba(X)).all()
    proba = ours.predict_proba(X)
    normal = proba > np.finfo(proba.dtype).tiny  # subnormals lose digits
    assert_allclose(log_proba[normal], np.log(proba[normal]), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("label", [7, "only"])
def test_single_class(rng, label):
    X = rng.uniform(size=(12, 3))
    y = np.full(12, label, dtype=object if isinstance(label, str) else int)
    clf = FromScratchMLPClassifier(**SMALL).fit(X, y)
    assert_array_equal(clf.classes_, [label])
    assert_array_equal(clf.predict(X), y)
    assert_array_equal(clf.predict_proba(X), np.ones((12, 1)))
    assert_array_equal(clf.predict_log_proba(X), np.zeros((12, 1)))


def test_early_stopping_falls_back_on_tiny_data(iris_binary):
    X, y = iris_binary
    with pytest.warns(UserWarning, match="too small"):
        clf = FromScratchMLPClassifier(early_stopping=True, **SMALL).fit(X[:30], y[:30])
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_early_stopping_restores_the_best_epoch(iris):
    X, y = iris
    params = dict(
        early_stopping=True,
        validation_fraction=0.2,
        hidden_layer_sizes=(8,),
        learning_rate_init=0.05,
        n_iter_no_change=5,
        max_iter=200,
        random_state=0,
    )
    full = FromScratchMLPClassifier(**params).fit(X, y)
    scores = full.validation_scores_
    best_epoch = int(np.argmax(scores)) + 1
    assert len(scores) == full.n_iter_ > best_epoch
    assert full.best_validation_score_ == max(scores)
    assert full.best_loss_ is None
    # The same run stopped right at its best epoch ends with the same weights.
    stopped = FromScratchMLPClassifier(**{**params, "max_iter": best_epoch}).fit(X, y)
    for W_full, W_stopped in zip(full.coefs_, stopped.coefs_):
        assert_array_equal(W_full, W_stopped)


def test_partial_fit_with_early_stopping_trains(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    for n_iter in (1, 2):
        clf.partial_fit(X, y, classes=np.unique(y))
        assert clf.n_iter_ == n_iter
    assert clf.t_ == 2 * X.shape[0]
    assert len(clf.loss_curve_) == 2


def test_partial_fit_allocates_less_than_a_weight_matrix_per_call():
    """A stream of calls reuses the buffers of the first: no copy of the
    (column-major) weights is made, not even to bound the outputs."""
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 300)), rng.integers(0, 3, 200)
    clf = FromScratchMLPClassifier(hidden_layer_sizes=(300,), random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    tracemalloc.start()
    try:
        clf.partial_fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < clf.coefs_[0].nbytes / 4


def test_partial_fit_needs_classes_first(iris):
    with pytest.raises(ValueError, match="classes must be passed"):
        FromScratchMLPClassifier().partial_fit(*iris)


def test_partial_fit_accepts_a_subset_of_classes(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).partial_fit(
        X[y < 2], y[y < 2], classes=[0, 1, 2]
    )
    assert clf.predict_proba(X).shape == (150, 3)


@pytest.mark.parametrize(
    "bad_call, match",
    [
        (
            lambda clf, X, y: clf.partial_fit(X, np.where(y == 2, 5, y)),
            "not in classes_",
        ),
        (lambda clf, X, y: clf.partial_fit(X[:, :3], y), "features"),
        (lambda clf, X, y: clf.partial_fit(X, y, classes=[0, 1]), "differ"),
        (lambda clf, X, y: clf.partial_fit(X, np.eye(3)[y]), "multilabel"),
    ],
)
def test_failed_partial_fit_leaves_the_model_unchanged(iris, bad_call, match):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).partial_fit(X, y, classes=np.unique(y))
    before = fitted_state(clf)
    with pytest.raises(ValueError, match=match):
        bad_call(clf, X, y)
    assert fitted_state(clf) == before


def test_a_diverging_fit_is_undone(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(
        solver="sgd", learning_rate_init=1e6, momentum=0.0, **SMALL
    )
    with pytest.raises(ValueError, match="diverged.*undone.*learning_rate_init"):
        clf.fit(X * 1e100, y)
    assert vars(clf) == vars(clone(clf))
    clf.set_params(learning_rate_init=0.001).fit(X, y)
    clf.set_params(learning_rate_init=1e6)
    before = fitted_state(clf)
    with pytest.raises(ValueError, match="diverged"):
        clf.fit(X * 1e100, y)
    assert fitted_state(clf) == before


def test_diverging_partial_fit_leaves_the_model_unchanged(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(solver="sgd", batch_size=10, **SMALL)
    clf.partial_fit(X, y, classes=np.unique(y))
    before = fitted_state(clf)
    with pytest.raises(ValueError, match="diverged"):
        clf.partial_fit(X * 1e100, y)
    assert fitted_state(clf) == before


def test_keyboard_interrupt_keeps_the_last_complete_epoch(iris, monkeypatch):
    X, y = iris
    backward, calls = skmlp._training.backward, []

    def interrupted_backward(*args, **kwargs):
        calls.append(None)
        if len(calls) == 2 * 3 + 1:  # second batch of the fourth epoch
            raise KeyboardInterrupt
        return backward(*args, **kwargs)

    monkeypatch.setattr(skmlp._training, "backward", interrupted_backward)
    params = {**SMALL, "batch_size": 75}
    with pytest.warns(UserWarning, match="interrupted"):
        clf = FromScratchMLPClassifier(**params).fit(X, y)
    monkeypatch.undo()
    three_epochs = FromScratchMLPClassifier(**{**params, "max_iter": 3}).fit(X, y)
    assert clf.n_iter_ == 3
    for W_interrupted, W_three in zip(clf.coefs_, three_epochs.coefs_):
        assert_array_equal(W_interrupted, W_three)


def test_convergence_warning_at_max_iter(iris):
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        FromScratchMLPClassifier(max_iter=3).fit(*iris)


def test_converges_before_max_iter(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = FromScratchMLPClassifier(tol=1.0, n_iter_no_change=2, max_iter=50).fit(
            X, y
        )
    # One epoch sets the best loss, then n_iter_no_change + 1 fail to beat it.
    assert clf.n_iter_ == 4


def test_infinite_patience_runs_max_iter(iris):
    clf = FromScratchMLPClassifier(n_iter_no_change=np.inf, tol=1.0, **SMALL)
    assert clf.fit(*iris).n_iter_ == SMALL["max_iter"]


def test_adaptive_learning_rate_shrinks(iris, capsys):
    clf = FromScratchMLPClassifier(
        solver="sgd",
        learning_rate="adaptive",
        tol=1.0,
        n_iter_no_change=1,
        max_iter=6,
        verbose=True,
        random_state=0,
    ).fit(*iris)
    assert clf._optimizer.learning_rate == pytest.approx(0.001 / 5**2)
    assert "Setting learning rate to 0.000200" in capsys.readouterr().out


def test_verbose_prints_one_line_per_epoch(iris, capsys):
    FromScratchMLPClassifier(verbose=True, **SMALL).fit(*iris)
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == SMALL["max_iter"]
    assert all(line.startswith("Iteration ") and "loss = " in line for line in lines)


@pytest.mark.filterwarnings("ignore:Got batch_size")
def test_integer_weights_equal_repeated_samples(iris):
    X, y = iris
    weights = np.random.RandomState(0).randint(0, 4, size=len(y))
    params = {**SMALL, "batch_size": 1000, "shuffle": False}
    weighted = FromScratchMLPClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = FromScratchMLPClassifier(**params).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-6)
    unweighted = FromScratchMLPClassifier(**params).fit(X, y)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X))


def test_negative_sample_weight_is_rejected(iris):
    X, y = iris
    with pytest.raises(ValueError, match="[Nn]egative"):
        FromScratchMLPClassifier().fit(X, y, sample_weight=-np.ones(len(y)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_kept(iris, dtype):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).fit(X.astype(dtype), y)
    assert all(W.dtype == dtype for W in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(dtype)).dtype == dtype


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_sparse_input_matches_dense(iris, container):
    X, y = iris
    dense = FromScratchMLPClassifier(**SMALL).fit(X, y)
    sparse = FromScratchMLPClassifier(**SMALL).fit(container(X), y)
    assert_allclose(
        sparse.predict_proba(container(X)), dense.predict_proba(X), rtol=1e-7
    )


def test_multilabel(multilabel):
    X, Y = multilabel
    clf = FromScratchMLPClassifier(**SMALL).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict(X).shape == Y.shape
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))


def test_string_labels(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = FromScratchMLPClassifier(**SMALL).fit(X, names)
    assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert set(clf.predict(X)) <= set(names)
    assert clf.out_activation_ == "softmax"


def test_warm_start_continues(iris):
    """Each warm-started fit has a history of its own, after the samples seen."""
    X, y = iris
    clf = FromScratchMLPClassifier(warm_start=True, **SMALL).fit(X, y)
    first_curve = list(clf.loss_curve_)
    clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == SMALL["max_iter"]
    assert clf.t_ == 2 * SMALL["max_iter"] * len(X)
    assert clf.loss_curve_[0] < first_curve[-1]


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(hidden_layer_sizes=(9,)), "hidden_layer_sizes"),
        (dict(), "classes"),
    ],
)
def test_warm_start_refuses_a_different_problem(iris, change, match):
    X, y = iris
    clf = FromScratchMLPClassifier(warm_start=True, **SMALL).fit(X, y)
    before = fitted_state(clf)
    clf.set_params(**change)
    with pytest.raises(ValueError, match=match):
        clf.fit(X[y < 2], y[y < 2])
    clf.set_params(**SMALL)
    assert fitted_state(clf) == before


def test_batch_size_larger_than_data_warns(iris):
    with pytest.warns(UserWarning, match="batch_size=1000"):
        FromScratchMLPClassifier(batch_size=1000, **SMALL).fit(*iris)


def test_partial_fit_uses_sample_weight(iris):
    X, y = iris
    weights = np.where(y == 0, 0.0, 1.0)
    classes = np.unique(y)
    weighted = FromScratchMLPClassifier(**SMALL)
    weighted.partial_fit(X, y, sample_weight=weights, classes=classes)
    # Zero-weight samples contribute nothing: dropping them changes nothing
    # but the batch boundaries, so train on one full batch to compare.
    params = {**SMALL, "shuffle": False}
    full_batch = FromScratchMLPClassifier(**params)
    full_batch.partial_fit(X, y, sample_weight=weights, classes=classes)
    dropped = FromScratchMLPClassifier(**params)
    dropped.partial_fit(X[y > 0], y[y > 0], classes=classes)
    assert_allclose(full_batch.predict_proba(X), dropped.predict_proba(X), rtol=1e-10)
    unweighted = FromScratchMLPClassifier(**SMALL).partial_fit(X, y, classes=classes)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_cosine_schedule_decays_the_rate(iris, solver):
    clf = FromScratchMLPClassifier(
        solver=solver, learning_rate="cosine", learning_rate_init=0.01, **SMALL
    ).fit(*iris)
    assert clf._optimizer.learning_rate < 0.01 * 0.01
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_dropout_is_reproducible_and_only_used_in_training(iris):
    X, y = iris
    params = {**SMALL, "dropout": 0.3}
    first = FromScratchMLPClassifier(**params).fit(X, y)
    second = FromScratchMLPClassifier(**params).fit(X, y)
    plain = FromScratchMLPClassifier(**SMALL).fit(X, y)
    for W_first, W_second, W_plain in zip(first.coefs_, second.coefs_, plain.coefs_):
        assert_array_equal(W_first, W_second)
        assert not np.allclose(W_first, W_plain)
    assert_array_equal(first.predict_proba(X), first.predict_proba(X))


def test_dropout_regularizes(iris):
    """Dropout keeps a big network further from fitting the training set."""
    X, y = iris
    params = dict(hidden_layer_sizes=(64,), max_iter=50, random_state=0)
    plain = FromScratchMLPClassifier(**params).fit(X, y)
    dropped = FromScratchMLPClassifier(dropout=0.5, **params).fit(X, y)
    assert dropped.loss_curve_[-1] > plain.loss_curve_[-1]
    assert dropped.score(X, y) > 0.8


def test_squared_error_loss(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(
        loss="squared_error", learning_rate_init=0.05, **SMALL
    ).fit(X, y)
    # Half the squared distance between a probability vector and a one-hot
    # vector is at most 1, and the first epoch starts near 1/3 for 3 classes.
    assert all(0 < loss <= 1 for loss in clf.loss_curve_)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > 0.8


def test_validation_loss_curve(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL).fit(X, y)
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    assert all(loss > 0 for loss in clf.validation_loss_curve_)
    assert FromScratchMLPClassifier(**SMALL).fit(X, y).validation_loss_curve_ is None


def test_batches_of_zero_weight_are_skipped(iris):
    X, y = iris  # sorted by class: the first two batches of 50 weigh nothing
    weights = (y == 2).astype(float)
    clf = FromScratchMLPClassifier(
        batch_size=50, shuffle=False, learning_rate_init=0.01, **SMALL
    )
    clf.fit(X, y, sample_weight=weights)
    assert np.isfinite(clf.loss_curve_).all()
    assert_array_equal(clf.predict(X[y == 2]), np.full(50, 2))


def test_balanced_class_weight_equals_inverse_frequency_weights(iris):
    X, y = iris
    keep = np.r_[0:50, 50:70, 100:150]  # 50, 20 and 50 samples
    X, y = X[keep], y[keep]
    counts = np.bincount(y)
    weights = (len(y) / (3 * counts))[y]
    params = {**SMALL, "shuffle": False}
    balanced = FromScratchMLPClassifier(class_weight="balanced", **params).fit(X, y)
    weighted = FromScratchMLPClassifier(**params).fit(X, y, sample_weight=weights)
    assert_allclose(balanced.predict_proba(X), weighted.predict_proba(X), rtol=1e-6)


def test_class_weight_dict_multiplies_sample_weight(iris):
    X, y = iris
    sample_weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    params = {**SMALL, "shuffle": False}
    ours = FromScratchMLPClassifier(class_weight=class_weight, **params)
    ours.fit(X, y, sample_weight=sample_weight)
    product = sample_weight * np.array([1.0, 3.0, 0.5])[y]
    manual = FromScratchMLPClassifier(**params).fit(X, y, sample_weight=product)
    assert_allclose(ours.predict_proba(X), manual.predict_proba(X), rtol=1e-6)


def test_balanced_class_weight_for_multilabel(multilabel):
    X, Y = multilabel
    clf = FromScratchMLPClassifier(class_weight="balanced", **SMALL).fit(X, Y)
    assert clf.predict(X).shape == Y.shape
    with pytest.raises(ValueError, match="list of 3 dicts"):
        FromScratchMLPClassifier(class_weight={0: 1, 1: 2}, **SMALL).fit(X, Y)


def test_partial_fit_balanced_needs_every_class(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(class_weight="balanced", **SMALL)
    with pytest.raises(ValueError, match="compute_class_weight"):
        clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert not hasattr(clf, "coefs_")


def test_given_validation_set_replaces_the_split(iris):
    X, y = iris
    X_val, y_val = X[::3], y[::3]
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.t_ == SMALL["max_iter"] * len(y)  # trained on all of X
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.validation_scores_[-1] == pytest.approx(
        FromScratchMLPClassifier(**SMALL).fit(X, y).score(X_val, y_val), abs=0.2
    )
    weights = np.where(y_val == 0, 0.0, 1.0)
    weighted = FromScratchMLPClassifier(early_stopping=True, **SMALL).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=weights
    )
    assert weighted.validation_scores_ != clf.validation_scores_


@pytest.mark.parametrize(
    "params, fit_kwargs, match",
    [
        (dict(), dict(X_val="X", y_val="y"), "early_stopping=True"),
        (dict(early_stopping=True), dict(X_val="X"), "together"),
        (dict(early_stopping=True), dict(X_val="X", y_val="y7"), "not among"),
        (dict(early_stopping=True), dict(X_val="X3", y_val="y"), "features"),
    ],
)
def test_bad_validation_sets_are_refused(iris, params, fit_kwargs, match):
    X, y = iris
    values = {"X": X, "y": y, "y7": np.where(y == 2, 7, y), "X3": X[:, :3]}
    clf = FromScratchMLPClassifier(**params, **SMALL)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, **{key: values[name] for key, name in fit_kwargs.items()})


def test_diverging_warm_start_fit_is_undone(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(
        solver="sgd", batch_size=10, warm_start=True, **SMALL
    ).fit(X, y)
    before = fitted_state(clf)
    with pytest.raises(ValueError, match="The call is undone"):
        clf.fit(X * 1e100, y)
    assert fitted_state(clf) == before


def test_a_refit_that_cannot_allocate_its_network_keeps_the_fitted_model(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).fit(X, y)
    before = fitted_state(clf)
    clf.set_params(hidden_layer_sizes=(2**62,))
    with pytest.raises(ValueError, match="cannot be allocated.*smaller hidden_layer"):
        clf.fit(X[:, :3], y == 1)
    clf.set_params(hidden_layer_sizes=SMALL["hidden_layer_sizes"])
    assert fitted_state(clf) == before
    assert clf.predict_proba(X).shape == (150, 3)


def test_a_first_fit_that_cannot_allocate_its_network_stays_unfitted(iris):
    clf = FromScratchMLPClassifier(hidden_layer_sizes=(2**62,))
    with pytest.raises(ValueError, match="cannot be allocated"):
        clf.fit(*iris)
    assert vars(clf) == vars(FromScratchMLPClassifier(hidden_layer_sizes=(2**62,)))


def interrupt_on_call(monkeypatch, module, name, call):
    """Make ``module.name`` raise KeyboardInterrupt on its ``call``-th call."""
    function, calls = getattr(module, name), []

    def interrupted(*args, **kwargs):
        calls.append(None)
        if len(calls) == call:
            raise KeyboardInterrupt
        return function(*args, **kwargs)

    monkeypatch.setattr(module, name, interrupted)


@pytest.mark.parametrize("call", [1, 4])
def test_keyboard_interrupt_in_lbfgs_keeps_the_last_iteration(iris, monkeypatch, call):
    X, y = iris
    interrupt_on_call(monkeypatch, skmlp._training, "backward", call)
    clf = FromScratchMLPClassifier(solver="lbfgs", **SMALL)
    with pytest.warns(UserWarning, match="interrupted.*last completed iteration"):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) < call
    assert clf.loss_ == (clf.loss_curve_[-1] if clf.loss_curve_ else None)
    assert np.isfinite(clf.predict_proba(X)).all()


def test_keyboard_interrupt_while_scoring_an_epoch_keeps_the_history_whole(
    iris, monkeypatch
):
    """Ctrl-C after the third epoch trained, while it is being scored."""
    X, y = iris
    params = dict(SMALL, early_stopping=True, n_iter_no_change=100)
    interrupt_on_call(monkeypatch, skmlp._classifier, "accuracy_score", 3)
    with pytest.warns(UserWarning, match="interrupted"):
        clf = FromScratchMLPClassifier(**params).fit(X, y)
    monkeypatch.undo()
    two_epochs = FromScratchMLPClassifier(**dict(params, max_iter=2)).fit(X, y)
    assert clf.n_iter_ == 2
    assert clf.validation_scores_ == two_epochs.validation_scores_
    assert clf.validation_loss_curve_ == two_epochs.validation_loss_curve_
    assert clf.loss_curve_ == two_epochs.loss_curve_
    assert clf.t_ == two_epochs.t_
    for W_interrupted, W_two in zip(clf.coefs_, two_epochs.coefs_):
        assert_array_equal(W_interrupted, W_two)


@pytest.mark.parametrize(
    "solver, alpha", [("sgd", 1e308), ("adam", 1e308), ("lbfgs", 1e200)]
)
def test_divergence_from_a_huge_alpha_says_to_lower_alpha(iris, solver, alpha):
    clf = FromScratchMLPClassifier(solver=solver, alpha=alpha, **SMALL)
    with pytest.raises(ValueError, match="diverged") as error:
        clf.fit(*iris)
    message = str(error.value)
    assert f"alpha={alpha} is too large" in message
    assert "learning_rate_init" not in message and "increase alpha" not in message


def flat(clf):
    """A copy of the parameter vector of ``clf``, laid out as the optimizer's."""
    return FlatParameters.of(clf.coefs_, clf.intercepts_, copy=True).vector


def test_set_params_between_partial_fit_calls_takes_effect(iris):
    """Lowering the rate and the momentum mid-stream changes the next step to
    exactly Nesterov's step with the new values and the kept velocity."""
    X, y = iris
    params = dict(SMALL, solver="sgd", learning_rate_init=0.1, shuffle=False)
    clf = FromScratchMLPClassifier(**params).partial_fit(X, y, classes=[0, 1, 2])
    w1, v1 = flat(clf), clf._optimizer.velocities[0].copy()
    # The gradient at w1: one plain step of rate 1 from w1.
    probe = pickle.loads(pickle.dumps(clf))
    gradient = w1 - flat(
        probe.set_params(learning_rate_init=1.0, momentum=0.0).partial_fit(X, y)
    )

    clf.set_params(learning_rate_init=0.01, momentum=0.5).partial_fit(X, y)
    v2 = 0.5 * v1 - 0.01 * gradient
    assert_allclose(flat(clf), w1 + 0.5 * v2 - 0.01 * gradient, rtol=1e-12)

    clf.set_params(solver="adam").partial_fit(X, y)
    assert type(clf._optimizer).__name__ == "Adam"
    assert clf._optimizer.t == 1


@pytest.mark.parametrize(
    "change",
    [
        dict(alpha=10.0),
        dict(activation="tanh"),
        dict(loss="squared_error"),
        dict(batch_size=10),
        dict(learning_rate="invscaling", power_t=0.9),
    ],
    ids=str,
)
def test_each_changed_parameter_acts_on_the_next_partial_fit(iris, change):
    X, y = iris
    params = dict(SMALL, solver="sgd", learning_rate_init=0.1, shuffle=False)
    changed = FromScratchMLPClassifier(**params).partial_fit(X, y, classes=[0, 1, 2])
    same = FromScratchMLPClassifier(**params).partial_fit(X, y, classes=[0, 1, 2])
    changed.set_params(**change).partial_fit(X, y)
    same.partial_fit(X, y)
    changed.partial_fit(X, y)
    same.partial_fit(X, y)
    assert not np.allclose(changed.coefs_[0], same.coefs_[0], rtol=1e-6, atol=0)


def test_partial_fit_keeps_its_training_buffers_and_fit_lets_them_go(iris):
    X, y = iris
    clf = FromScratchMLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1, 2])
    trainer = clf._trainer
    assert clf.partial_fit(X, y)._trainer is trainer
    assert clf.set_params(alpha=0.5).partial_fit(X, y)._trainer is not trainer
    assert clf.fit(X, y)._trainer is None
    assert "_trainer" not in pickle.loads(pickle.dumps(clf.partial_fit(X, y))).__dict__


def test_scoring_loss_stops_on_the_validation_loss(iris):
    X, y = iris
    params = dict(SMALL, early_stopping=True, scoring="loss", max_iter=40)
    clf = FromScratchMLPClassifier(**params).fit(X, y, X_val=X[::2], y_val=y[::2])
    assert clf.validation_scores_ == [-loss for loss in clf.validation_loss_curve_]
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    proba = clf.predict_proba(X[::2])[np.arange(75), y[::2]]
    assert -np.log(proba).mean() == pytest.approx(-clf.best_validation_score_)


@pytest.mark.parametrize(
    "scoring, metric",
    [
        (
            "balanced_accuracy",
            lambda clf, X, y, w: balanced_accuracy_score(
                y, clf.predict(X), sample_weight=w
            ),
        ),
        (
            "neg_log_loss",
            lambda clf, X, y, w: -log_loss(y, clf.predict_proba(X), sample_weight=w),
        ),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_scoring_names_a_scorer_of_the_returned_model(iris, scoring, metric, weighted):
    X, y = iris
    keep = np.r_[np.arange(50), np.arange(50, 150, 4)]  # 50, 13, 12: imbalanced
    X, y = X[keep], y[keep]
    w = np.linspace(0.5, 1.5, len(y)) if weighted else None
    params = dict(SMALL, early_stopping=True, scoring=scoring, max_iter=30)
    clf = FromScratchMLPClassifier(**params).fit(
        X, y, X_val=X, y_val=y, sample_weight_val=w
    )
    assert clf.best_validation_score_ == pytest.approx(metric(clf, X, y, w))
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_scoring_a_callable_on_the_held_out_split(iris):
    X, y = iris
    seen = []

    def n_wrong(estimator, X, y):
        seen.append(len(X))
        return -float((estimator.predict(X) != y).sum())

    params = dict(SMALL, early_stopping=True, scoring=n_wrong)
    clf = FromScratchMLPClassifier(**params).fit(X, y)
    assert set(seen) == {15} and len(seen) == clf.n_iter_
    assert all(score <= 0 and score.is_integer() for score in clf.validation_scores_)


def test_scoring_with_feature_names_warns_nothing(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    params = dict(SMALL, early_stopping=True, scoring="balanced_accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FromScratchMLPClassifier(**dict(params, max_iter=200)).fit(frame, y)


def test_lbfgs_warns_when_it_stops_at_max_iter(iris):
    params = dict(SMALL, solver="lbfgs", max_iter=3)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 3"):
        clf = FromScratchMLPClassifier(**params).fit(*iris)
    assert clf.n_iter_ == len(clf.loss_curve_) == 3


def test_lbfgs_is_silent_when_it_converges(iris):
    params = dict(SMALL, solver="lbfgs", max_iter=2000, tol=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = FromScratchMLPClassifier(**params).fit(*iris)
    assert clf.n_iter_ < 2000
