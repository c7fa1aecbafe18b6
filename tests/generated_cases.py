"""What the generated suites (test_fuzz.py, test_stateful.py) share.

Small problems for both estimators, the parameters' domains as their
docstrings state them, the values to draw for each argument, and the
invariants every call must keep: a call that fails raises a ``ValueError`` or
``TypeError`` naming what is wrong and leaves the pickled model as it was; a
call that succeeds leaves a model that predicts finite values, with a history
of ``n_iter_`` epochs in every curve, and the process's BLAS thread counts as
they were.
"""

import math
import pickle
import re
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_iris
from threadpoolctl import threadpool_info

from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor

ESTIMATORS = {
    "classifier": FromScratchMLPClassifier,
    "regressor": FromScratchMLPRegressor,
}

# Tiny networks and few epochs: each call takes milliseconds.
SMALL = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0)


def _standardized(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _problems():
    X, y = load_iris(return_X_y=True)
    X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
    return {
        # every third iris row: 50 samples, 4 features, 3 classes
        "classifier": (_standardized(X)[::3], y[::3]),
        # 60 diabetes rows, features and target standardized
        "regressor": (
            _standardized(X_diabetes[:60]),
            _standardized(y_diabetes[:60, None])[:, 0],
        ),
    }


PROBLEMS = _problems()
CLASSES = np.unique(PROBLEMS["classifier"][1])

HISTORY_CURVES = ("loss_curve_", "validation_scores_", "validation_loss_curve_")
HISTORY = (*HISTORY_CURVES, "n_iter_", "t_", "loss_", "best_loss_")
HISTORY += ("best_validation_score_",)


def state(model):
    """The model as bytes: what a failed call must leave unchanged."""
    return pickle.dumps(model)


def blas_threads():
    """The thread count of each BLAS library loaded in the process."""
    return [
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    ]


@contextmanager
def strict_numerics():
    """NumPy's RuntimeWarnings are errors: a silent NaN is not an answer.
    The warnings a short or tiny training gives by design are ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", RuntimeWarning)
        yield


def names(error, argument):
    """Whether the message of ``error`` names ``argument``."""
    return re.search(rf"\b{re.escape(argument)}\b", str(error)) is not None


def assert_whole(model, X):
    """A fitted model predicts finite values and its history is whole."""
    with strict_numerics():
        outputs = [model.predict(X)]
        if hasattr(model, "predict_proba"):
            outputs += [model.predict_proba(X), model.predict_log_proba(X)]
    for output in outputs:
        assert len(output) == len(X)
        if output.dtype.kind == "f":
            assert np.isfinite(output).all()
    assert_history_whole(model)


def assert_history_whole(model):
    """Every history attribute exists, every curve with ``n_iter_`` entries."""
    for name in HISTORY:
        assert hasattr(model, name), name
    for name in HISTORY_CURVES:
        curve = getattr(model, name)
        assert curve is None or len(curve) == model.n_iter_, (name, model.n_iter_)
    assert len(model.loss_curve_) == model.n_iter_


# The domain of each constructor parameter, as the docstrings state it.
def _number(value):
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _integer(value):
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def _within(low, high, *, low_closed=True, high_closed=True, integer=False):
    def allowed(value):
        if not (_integer(value) if integer else _number(value)) or math.isnan(value):
            return False
        above = value >= low if low_closed else value > low
        below = value <= high if high_closed else value < high
        return above and below

    return allowed


def _hidden_layer_sizes(value):
    """Positive ints; none at all makes a network without hidden layers."""
    sizes = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
    return all(_integer(size) and size > 0 for size in sizes)


def _boolean(value):
    return isinstance(value, (bool, np.bool_))


def _one_of(*options):
    return lambda value: isinstance(value, str) and value in options


DOMAINS = {
    "hidden_layer_sizes": _hidden_layer_sizes,
    "activation": _one_of("identity", "logistic", "tanh", "relu"),
    "solver": _one_of("lbfgs", "sgd", "adam"),
    "alpha": _within(0, math.inf),
    "batch_size": lambda v: v == "auto" or _within(1, math.inf, integer=True)(v),
    "learning_rate": _one_of("constant", "invscaling", "adaptive", "cosine"),
    "learning_rate_init": _within(0, math.inf, low_closed=False),
    "power_t": _within(0, math.inf),
    "max_iter": _within(1, math.inf, integer=True),
    "shuffle": _boolean,
    "random_state": lambda v: (
        v is None
        or isinstance(v, np.random.RandomState)
        or _within(0, 2**32 - 1, integer=True)(v)
    ),
    "tol": _within(0, math.inf),
    "verbose": lambda v: _boolean(v) or _within(0, math.inf, integer=True)(v),
    "warm_start": _boolean,
    "momentum": _within(0, 1),
    "nesterovs_momentum": _boolean,
    "early_stopping": _boolean,
    "validation_fraction": _within(0, 1, high_closed=False),
    "beta_1": _within(0, 1, high_closed=False),
    "beta_2": _within(0, 1, high_closed=False),
    "epsilon": _within(0, math.inf, low_closed=False),
    "n_iter_no_change": lambda v: (
        v == math.inf or _within(1, math.inf, integer=True)(v)
    ),
    "max_fun": _within(1, math.inf, integer=True),
    "dropout": _within(0, 1, high_closed=False),
    "class_weight": lambda v: (
        v is None
        or v == "balanced"
        or isinstance(v, dict)
        or (isinstance(v, list) and all(isinstance(d, dict) for d in v))
    ),
    "scoring": lambda v: v is None or callable(v) or isinstance(v, str),
}
LOSSES = {
    "classifier": _one_of("log_loss", "squared_error"),
    "regressor": _one_of("squared_error", "poisson"),
}


def allowed(kind, name, value):
    """Whether the docstring of the ``kind`` estimator allows ``name=value``."""
    return (LOSSES[kind] if name == "loss" else DOMAINS[name])(value)


def accuracy_of_one(estimator, X, y, sample_weight=None):
    """A scorer: 1 for any model."""
    return 1.0


def scorer_that_fails(estimator, X, y, sample_weight=None):
    """A scorer that raises, as a user's scorer with a bug does."""
    raise ValueError("the user's scorer failed")


def nan_scorer(estimator, X, y, sample_weight=None):
    """A scorer that returns NaN."""
    return math.nan


# Valid values to draw for each parameter: all small, so each call is quick.
VALID = {
    "hidden_layer_sizes": [(3,), (2, 2), 4],
    "activation": ["identity", "logistic", "tanh", "relu"],
    "solver": ["lbfgs", "sgd", "adam"],
    "alpha": [0.0, 1e-4, 1.0],
    "batch_size": ["auto", 7, 1000],
    "learning_rate": ["constant", "invscaling", "adaptive", "cosine"],
    "learning_rate_init": [1e-3, 0.1],
    "power_t": [0.5, 0.0],
    "max_iter": [1, 3],
    "shuffle": [True, False],
    "random_state": [0, 1],
    "tol": [1e-4, 0.0, math.inf],
    "verbose": [False],
    "warm_start": [False, True],
    "momentum": [0.9, 0.0, 1.0],
    "nesterovs_momentum": [True, False],
    "early_stopping": [False, True],
    "validation_fraction": [0.1, 0.4],
    "beta_1": [0.9, 0.5],
    "beta_2": [0.999, 0.0],
    "epsilon": [1e-8, 1.0],
    "n_iter_no_change": [10, 1, math.inf],
    "max_fun": [15000, 3],
    "dropout": [0.0, 0.3],
    "class_weight": [None, "balanced", {0: 1.0, 1: 2.0, 2: 0.5}],
    "scoring": [None, "loss", accuracy_of_one],
}
VALID_LOSSES = {
    "classifier": ["log_loss", "squared_error"],
    "regressor": ["squared_error", "poisson"],
}

# Values of the wrong type or out of range, for any parameter.
WRONG_VALUES = st.one_of(
    st.sampled_from(
        [True, False, None, "abc", "", [1], [[1, 2]], {"a": 1}, (), 0, -1, 1, 2]
    ),
    st.sampled_from([0.0, -0.5, 0.5, 1.5, math.nan, math.inf, -math.inf, 1e308]),
    st.sampled_from([10**30, -(10**30), np.int64(3), np.float32(0.5), np.nan]),
    st.integers(-3, 3),
    st.floats(-2.0, 2.0),
)


def parameter_values(kind):
    """``(name, value)`` for any parameter of the ``kind`` estimator: a valid
    value or a wrong one."""
    names = sorted(ESTIMATORS[kind]().get_params())

    def values(name):
        valid = VALID_LOSSES[kind] if name == "loss" else VALID[name]
        return st.tuples(st.just(name), st.sampled_from(valid) | WRONG_VALUES)

    return st.sampled_from(names).flatmap(values)
