"""The training call that both estimators share (``_base.py``).

Each test pins a defect of the list in issue 19 (bugs 1 to 5 and 8) for the
classifier and the regressor; each failed on the tree before that issue. The
generated suites (test_stateful.py, test_fuzz.py) cover these paths among
all the others; here each one is named.
"""

import math
import os
import pickle
import re
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import make_scorer
from sklearn.utils import get_tags

import skmlp
import skmlp._training
from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)


@pytest.fixture(params=["classifier", "regressor"])
def problem(request):
    """An estimator class and its data: iris for the classifier, diabetes
    (standardized) for the regressor."""
    if request.param == "classifier":
        return FromScratchMLPClassifier, *request.getfixturevalue("iris")
    return FromScratchMLPRegressor, *request.getfixturevalue("diabetes")


def float_limit(X):
    """Finite X of +-max float: training through ReLU units diverges on it."""
    return np.where(X >= 0, 1.0, -1.0) * np.finfo(np.float64).max


def first_call_interrupted(monkeypatch, function):
    """Make the first call of ``skmlp._training.<function>`` raise Ctrl-C."""
    original = getattr(skmlp._training, function)
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(None)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(skmlp._training, function, interrupted)


# Bug 1: partial_fit negated best_loss_ = None.


def test_partial_fit_continues_a_fit_with_early_stopping(problem):
    Estimator, X, y = problem
    model = Estimator(early_stopping=True, **SMALL).fit(X, y)
    model.partial_fit(X, y)
    assert model.n_iter_ == len(model.loss_curve_) == SMALL["max_iter"] + 1
    assert model.validation_scores_ is None
    assert model.best_validation_score_ is None
    assert model.best_loss_ == min(model.loss_curve_)


def test_partial_fit_continues_an_lbfgs_fit_interrupted_at_once(problem, monkeypatch):
    Estimator, X, y = problem
    first_call_interrupted(monkeypatch, "backward")
    with pytest.warns(UserWarning, match="interrupted"):
        model = Estimator(solver="lbfgs", **SMALL).fit(X, y)
    assert model.n_iter_ == 0 and model.best_loss_ is None
    model.set_params(solver="adam").partial_fit(X, y)
    assert model.n_iter_ == 1 and model.best_loss_ == model.loss_curve_[0]


# Bug 2: with no epoch improving the validation score, the weights were
# np.empty_like's.


def nan_score(estimator, X, y, sample_weight=None):
    return math.nan


def minus_infinity(estimator, X, y, sample_weight=None):
    return -math.inf


def test_a_validation_score_of_nan_fails_the_call_and_changes_nothing(problem):
    Estimator, X, y = problem
    model = Estimator(early_stopping=True, scoring=nan_score, **SMALL)
    before = pickle.dumps(model)
    with pytest.raises(ValueError, match="validation score of epoch 1 is NaN"):
        model.fit(X, y, X_val=X, y_val=y)
    assert pickle.dumps(model) == before


def test_scores_of_minus_infinity_keep_the_first_epoch(problem):
    """No epoch improves on the first: the model is the first epoch's."""
    Estimator, X, y = problem
    params = dict(SMALL, early_stopping=True, scoring=minus_infinity)
    model = Estimator(**params).fit(X, y, X_val=X, y_val=y)
    first = Estimator(**{**params, "max_iter": 1}).fit(X, y, X_val=X, y_val=y)
    assert model.n_iter_ == SMALL["max_iter"]
    for W, W_first in zip(model.coefs_ + model.intercepts_, first.coefs_):
        np.testing.assert_array_equal(W, W_first)


# Bug 3: a failed partial_fit after new betas left Adam's moments zeroed.


def test_a_failed_partial_fit_gives_adam_its_moments_back(problem):
    Estimator, X, y = problem
    model = Estimator(**SMALL).fit(X, y)
    model.partial_fit(X, y)
    moments = [m.copy() for m in model._optimizer.ms + model._optimizer.vs]
    model.set_params(beta_1=0.5, beta_2=0.9)
    before = pickle.dumps(model)
    with pytest.raises(ValueError, match="Training diverged"):
        model.partial_fit(float_limit(X), y)
    assert pickle.dumps(model) == before
    for moment, kept in zip(model._optimizer.ms + model._optimizer.vs, moments):
        np.testing.assert_array_equal(moment, kept)
    assert moments[0].any()


# Bug 4: a fit that failed after the network was set left a "fitted" model.


def bogus_kernels(monkeypatch):
    monkeypatch.setenv("SKMLP_KERNELS", "bogus")
    return {}, "SKMLP_KERNELS='bogus' is not a kernel set"


def unknown_scorer(monkeypatch):
    params = dict(early_stopping=True, scoring="no_such_scorer")
    return params, (
        r"^The 'scoring' parameter of FromScratchMLP(Classifier|Regressor) must be "
        r"None, 'loss', a callable or a name in "
        r"sklearn\.metrics\.get_scorer_names\(\)\. Got 'no_such_scorer' instead\.$"
    )


def buffers_out_of_memory(monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate")

    monkeypatch.setattr(skmlp._training, "Workspace", no_memory)
    return {}, (
        r"^The training buffers of a batch cannot be allocated \(Unable to "
        r"allocate\); use a smaller batch_size or hidden_layer_sizes\.$"
    )


@pytest.mark.parametrize(
    "cause", [bogus_kernels, unknown_scorer, buffers_out_of_memory]
)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_fit_that_fails_before_training_leaves_the_model_unfitted(
    problem, monkeypatch, cause, solver
):
    Estimator, X, y = problem
    params, match = cause(monkeypatch)
    model = Estimator(solver=solver, **SMALL, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "coefs_") and not hasattr(model, "n_iter_")


# Bug 5: each partial_fit call of a seeded model drew the same dropout masks.


def test_each_partial_fit_call_draws_new_dropout_masks(problem, monkeypatch):
    Estimator, X, y = problem
    draw, masks = skmlp._training._draw_dropout_masks, []

    def recorded(batch_masks, dropout, rng):
        draw(batch_masks, dropout, rng)
        masks.append(batch_masks[0].copy())

    monkeypatch.setattr(skmlp._training, "_draw_dropout_masks", recorded)
    model = Estimator(dropout=0.5, batch_size=len(X), shuffle=False, **SMALL)
    model.fit(X, y).partial_fit(X, y)
    model.partial_fit(X, y)
    assert not np.array_equal(masks[-1], masks[-2])
    assert not np.array_equal(masks[-2], masks[-3])


# Bug 8: validation outputs that overflowed while training were reported as
# features to scale.


def test_validation_outputs_that_overflow_while_training_are_divergence(
    problem, monkeypatch
):
    """Training's own check is switched off, and one batch of SGD with a huge
    rate takes the weights past what X_val's outputs hold, though X_val
    itself is fine for the network as it starts."""
    Estimator, X, y = problem
    monkeypatch.setattr(
        skmlp._training.Objective, "outputs_are_bounded_on", lambda self, X: True
    )
    model = Estimator(
        solver="sgd",
        learning_rate_init=1e300,
        momentum=0.0,
        early_stopping=True,
        batch_size=len(X),
        **SMALL,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError) as error:
            model.fit(X, y, X_val=X, y_val=y)
    message = str(error.value)
    assert "Training diverged: the network's outputs on the validation set" in message
    assert "X_val is too large" not in message
    assert not hasattr(model, "coefs_")


# What a user reads: the whole text of each message of the training call.


def test_an_interrupt_warns_that_the_model_keeps_its_last_epoch(problem, monkeypatch):
    Estimator, X, y = problem
    first_call_interrupted(monkeypatch, "backward")
    with pytest.warns(UserWarning) as record:
        Estimator(**SMALL).fit(X, y)
    assert [str(warning.message) for warning in record] == [
        "Training interrupted by user; the model keeps the weights of its last "
        "completed epoch."
    ]


@pytest.mark.parametrize(
    "params, make_X, advice",
    [
        (
            dict(solver="sgd", alpha=1e308),
            lambda X: X,
            "alpha=1e+308 is too large: the L2 penalty swamps the data loss. Use a "
            "smaller alpha.",
        ),
        (
            dict(solver="lbfgs"),
            float_limit,
            "Scale the features X, e.g. with sklearn.preprocessing.StandardScaler, "
            "or increase alpha.",
        ),
        (
            dict(solver="adam"),
            float_limit,
            "Use a smaller learning_rate_init (now 0.001) or scale the features X, "
            "e.g. with sklearn.preprocessing.StandardScaler.",
        ),
    ],
    ids=["alpha", "lbfgs", "stochastic"],
)
def test_divergence_names_its_cause_and_what_to_do(problem, params, make_X, advice):
    Estimator, X, y = problem
    with pytest.raises(ValueError) as error:
        Estimator(**{**SMALL, **params}).fit(make_X(X), y)
    step = "iteration" if params["solver"] == "lbfgs" else "epoch"
    assert str(error.value).startswith("Training diverged: ")
    assert str(error.value).endswith(
        f"during {step} 1. The call is undone: the model is as it was before it. "
        + advice
    )


def test_messages_of_validation_scores(problem):
    Estimator, X, y = problem
    model = Estimator(early_stopping=True, scoring=nan_score, **SMALL)
    with pytest.raises(ValueError) as error:
        model.fit(X, y, X_val=X, y_val=y)
    assert str(error.value) == (
        "The validation score of epoch 1 is NaN (scoring=nan_score): early "
        "stopping needs a number to compare. Use a scorer that returns one on the "
        "validation set."
    )
    model.set_params(scoring=lambda estimator, X, y: "good")
    with pytest.raises(TypeError) as error:
        model.fit(X, y, X_val=X, y_val=y)
    assert str(error.value).endswith(" returned 'good': a scorer must return a number.")


def test_partial_fit_of_lbfgs_is_absent_and_says_why(problem):
    Estimator = problem[0]
    with pytest.raises(AttributeError) as error:
        _ = Estimator(solver="lbfgs").partial_fit
    assert str(error.value.__cause__) == (
        "partial_fit is only available for stochastic optimizers. lbfgs is not "
        "stochastic."
    )


def test_an_X_val_whose_loss_overflows_at_the_start_is_too_large(diabetes):
    """Its outputs are finite, their squared error is not: said before
    training, without a RuntimeWarning."""
    X, y = diabetes
    X_val = X.copy()
    X_val[0] = 1e300
    model = FromScratchMLPRegressor(early_stopping=True, activation="identity", **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError) as error:
            model.fit(X, y, X_val=X_val, y_val=y)
    assert str(error.value) == (
        "X_val is too large for this network: its loss overflows float64. Scale "
        "the features, e.g. with sklearn.preprocessing.StandardScaler."
    )


def test_validation_losses_that_overflow_while_training_are_divergence(diabetes):
    """Finite predictions whose squared error overflows: the weights of a
    fitted model scaled up, then scored as training would."""
    X, y = diabetes
    model = FromScratchMLPRegressor(activation="identity", **SMALL).fit(X, y)
    model.coefs_[-1] *= 1e170 / np.abs(model.predict(X)).max()
    assert np.isfinite(model.predict(X)).all()
    validation = skmlp._validation.Samples(X, y, y[:, None], None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(skmlp._training.DivergenceError) as error:
            model._score_validation(validation, None)
    assert str(error.value) == "the loss on the validation set overflows"


def test_verbose_prints_each_epoch_and_each_plateau(problem, capsys):
    """With a tolerance no epoch meets, every other epoch is a plateau: the
    rate is cut until it is too small, then training stops. The times printed
    are each epoch's, within the call's."""
    Estimator, X, y = problem
    for early_stopping in (True, False):
        model = Estimator(
            **{**SMALL, "max_iter": 50},
            solver="sgd",
            learning_rate="adaptive",
            early_stopping=early_stopping,
            n_iter_no_change=1,
            tol=1e9,
            verbose=True,
        )
        started = time.perf_counter()
        model.fit(X, y)
        elapsed = time.perf_counter() - started
        printed = capsys.readouterr().out.splitlines()
        times = [float(t) for line in printed for t in re.findall(r" \((.*)s\)$", line)]
        assert all(0 <= t <= elapsed for t in times)
        epochs = [re.sub(r" \(.*s\)$", "", line) for line in printed]
        what = "Validation score" if early_stopping else "Training loss"
        expected, rate = [], model.learning_rate_init
        for epoch, loss in enumerate(model.loss_curve_, start=1):
            line = f"Iteration {epoch}, loss = {loss:.8f}"
            if early_stopping:
                line += (
                    f", validation loss = {model.validation_loss_curve_[epoch - 1]:.8f}"
                    f", validation score = {model.validation_scores_[epoch - 1]:.6f}"
                )
            expected.append(line)
            if epoch % 2 and epoch > 1:  # scikit-learn's rule: stop at 1e-6
                action = "Stopping."
                if rate > 1e-6:
                    rate /= 5
                    action = f"Setting learning rate to {rate:f}."
                expected.append(
                    f"{what} did not improve more than tol={model.tol:f} for 1 "
                    f"consecutive epochs. {action}"
                )
        assert epochs == expected
        assert len(times) == model.n_iter_ == 13


def test_verbose_lbfgs_prints_each_iteration(problem, capsys):
    Estimator, X, y = problem
    model = Estimator(solver="lbfgs", verbose=True, **SMALL).fit(X, y)
    assert capsys.readouterr().out.splitlines() == [
        f"Iteration {i}, loss = {loss:.8f}"
        for i, loss in enumerate(model.loss_curve_, start=1)
    ]


def all_warnings(call, *args, **kwargs):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call(*args, **kwargs)
    return record


def test_warnings_name_the_limit_reached(problem):
    Estimator, X, y = problem
    (warning,) = all_warnings(Estimator(solver="lbfgs", **SMALL).fit, X, y)
    ours = re.fullmatch(
        r"lbfgs failed to converge after 5 iterations: (.*)\. Increase max_iter "
        r"\(or max_fun\), or scale the data, e\.g\. with "
        r"sklearn\.preprocessing\.StandardScaler\.",
        str(warning.message),
    )
    assert ours is not None, str(warning.message)
    # SciPy's own reason, whose case changed between SciPy versions.
    assert ours[1].upper() == "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
    (warning,) = all_warnings(Estimator(**SMALL).fit, X, y)
    assert str(warning.message) == (
        "Stochastic Optimizer: Maximum iterations (5) reached and the "
        "optimization hasn't converged yet."
    )
    model = Estimator(batch_size=len(X), **SMALL)
    assert [w.category for w in all_warnings(model.fit, X, y)] == [ConvergenceWarning]
    model.set_params(batch_size=len(X) + 1)
    warning = all_warnings(model.fit, X, y)[0]
    assert str(warning.message) == (
        f"Got batch_size={len(X) + 1} larger than the {len(X)} training samples; "
        "it is clipped to the number of samples."
    )


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="mutmut's trampolines add frames"
)
def test_warnings_point_at_the_caller(problem):
    Estimator, X, y = problem
    for params in [{}, {"batch_size": len(X) + 1}]:
        record = all_warnings(Estimator(**SMALL, **params).fit, X, y)
        assert [warning.filename for warning in record] == [__file__] * (
            1 + len(params)
        )


def test_a_pickle_without_a_version_warns_that_it_is_unknown(problem):
    Estimator, X, y = problem
    state = Estimator(**SMALL).fit(X, y).__getstate__()
    del state["_skmlp_version"]
    (warning,) = all_warnings(Estimator().__setstate__, state)
    assert warning.category is skmlp.SkmlpVersionWarning
    assert str(warning.message) == (
        f"Trying to unpickle {Estimator.__name__} from skmlp version unknown "
        f"(before 0.1.0) when using version {skmlp.__version__}. This might lead "
        "to breaking code or invalid results. Use at your own risk."
    )


def test_a_scorer_without_a_name_is_shown_by_its_repr(problem):
    Estimator, X, y = problem
    scorer = make_scorer(lambda y_true, y_pred: math.nan)
    model = Estimator(early_stopping=True, scoring=scorer, **SMALL)
    with pytest.raises(ValueError, match=re.escape(f"(scoring={scorer!r})")):
        model.fit(X, y)


def later_epochs_fail(estimator, X, y, sample_weight=None):
    """A scorer that fails from the second epoch of a warm fit on."""
    if estimator.n_iter_ >= 1:
        raise RuntimeError("scorer failed")
    return 0.0


def test_a_warm_fit_failing_after_an_epoch_leaves_the_model_as_it_was(problem):
    Estimator, X, y = problem
    model = Estimator(warm_start=True, early_stopping=True, **SMALL).fit(X, y)
    model.set_params(scoring=later_epochs_fail)
    before = pickle.dumps(model)
    with pytest.raises(RuntimeError, match="scorer failed"):
        model.fit(X, y)
    assert pickle.dumps(model) == before


def test_network_attributes(problem):
    Estimator, X, y = problem
    Y = np.column_stack([y, y]) if Estimator is FromScratchMLPRegressor else y
    model = Estimator(hidden_layer_sizes=(4, 3), max_iter=2).fit(X, Y)
    assert model.n_layers_ == 4
    assert model.n_outputs_ == (2 if Estimator is FromScratchMLPRegressor else 3)
    assert get_tags(model).input_tags.sparse
