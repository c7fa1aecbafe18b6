"""Any sequence of training calls, for both estimators and both kernel sets.

A hypothesis state machine drives one model through ``fit``, warm-started
``fit``, ``partial_fit`` (on a part of the data, with or without sample
weights, with or without a validation set), ``set_params`` of any parameter
to a valid or a wrong value, calls that must fail (a NaN in X, a NaN or an
unknown label in y, a negative weight, a scorer that raises or returns NaN,
training that diverges, a callback that raises), a callback that interrupts
training, and pickle round trips. After every step:

- a call that failed raised a ValueError or TypeError and left
  ``pickle.dumps(model)`` as it was;
- a call that succeeded left a model that predicts finite values;
- every history attribute exists, each curve of ``n_iter_`` entries;
- the process's BLAS thread counts are those before the call.

``pytest --slow`` runs many more and longer sequences (root conftest.py).
"""

import math
import pickle

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from generated_cases import (
    CLASSES,
    ESTIMATORS,
    PROBLEMS,
    SMALL,
    assert_history_whole,
    assert_whole,
    blas_threads,
    nan_scorer,
    parameter_values,
    scorer_that_fails,
    state,
    strict_numerics,
)

pytest.importorskip("sklearn.callback")


class Raising:
    """A fit callback that raises ``error`` (a class: an instance's pickle
    changes once its ``__dict__`` is looked at) at the end of the first epoch."""

    def __init__(self, error):
        self.error = error

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            raise self.error("from a callback")


def float_limit(X):
    """Finite X of +-max float: every network's loss overflows on it."""
    return np.where(X >= 0, 1.0, -1.0) * np.finfo(np.float64).max


class TrainingCalls(RuleBasedStateMachine):
    """One model of ``kind`` through any sequence of calls."""

    kind = "classifier"

    def __init__(self):
        super().__init__()
        self.model = ESTIMATORS[self.kind](**SMALL)
        self.X, self.y = PROBLEMS[self.kind]
        self.threads = blas_threads()

    @property
    def fitted(self):
        return hasattr(self.model, "coefs_")

    def call(self, method, *args, must_fail=False, errors=(), **kwargs):
        """Call ``method`` of the model; a failure must be a ValueError, a
        TypeError or one of ``errors``, and leave the model as it was."""
        before = state(self.model)
        try:
            with strict_numerics():
                getattr(self.model, method)(*args, **kwargs)
        except (ValueError, TypeError, *errors):
            assert state(self.model) == before, "a failed call changed the model"
            return False
        assert not must_fail, f"{method} should have failed"
        assert_whole(self.model, self.X)
        return True

    def stochastic(self):
        return self.model.get_params()["solver"] in ("sgd", "adam")

    def training_arguments(self, rows, weighted):
        """X, y and keyword arguments for a call on the ``rows`` drawn."""
        X, y = self.X[rows], self.y[rows]
        kwargs = {}
        if weighted:
            kwargs["sample_weight"] = np.linspace(0.5, 2.0, len(y))
        return X, y, kwargs

    rows = st.lists(st.integers(0, 59), min_size=1, max_size=60, unique=True)

    @rule(weighted=st.booleans(), validation=st.booleans())
    def fit(self, weighted, validation):
        X, y, kwargs = self.training_arguments(slice(None), weighted)
        if validation:
            kwargs.update(X_val=self.X[::2], y_val=self.y[::2])
        self.call("fit", X, y, **kwargs)

    @precondition(lambda self: self.fitted)
    @rule(weighted=st.booleans())
    def warm_fit(self, weighted):
        self.model.set_params(warm_start=True)
        X, y, kwargs = self.training_arguments(slice(None), weighted)
        self.call("fit", X, y, **kwargs)

    @rule(rows=rows, weighted=st.booleans(), with_classes=st.booleans())
    def partial_fit(self, rows, weighted, with_classes):
        if not hasattr(self.model, "partial_fit"):
            return  # solver='lbfgs'
        rows = [row % len(self.y) for row in rows]
        X, y, kwargs = self.training_arguments(rows, weighted)
        if self.kind == "classifier" and (with_classes or not self.fitted):
            kwargs["classes"] = CLASSES
        self.call("partial_fit", X, y, **kwargs)

    @rule(data=st.data())
    def set_param(self, data):
        name, value = data.draw(parameter_values(self.kind))
        self.model.set_params(**{name: value})

    @rule(
        entry=st.sampled_from(["fit", "partial_fit"]),
        bad=st.sampled_from(["X", "y", "sample_weight", "label"]),
    )
    def bad_input(self, entry, bad):
        """A NaN in X or y, a negative weight, or (classifier) a label outside
        the classes: every training call refuses it."""
        if not hasattr(self.model, entry):
            return
        X, y, kwargs = self.training_arguments(slice(None), False)
        X, y = X.copy(), y.astype(float)
        if bad == "X":
            X[3, 1] = math.nan
        elif bad == "y":
            y[3] = math.nan
        elif bad == "sample_weight":
            kwargs["sample_weight"] = np.r_[-1.0, np.ones(len(y) - 1)]
        elif self.kind == "classifier":
            y[3] = 7.0
            if entry == "partial_fit":
                kwargs["classes"] = CLASSES
        else:
            return  # a regressor has no labels
        if entry == "partial_fit" and self.kind == "classifier":
            kwargs.setdefault("classes", None if self.fitted else CLASSES)
        must_fail = bad != "label" or entry == "partial_fit"
        self.call(entry, X, y, must_fail=must_fail, **kwargs)

    @rule(scorer=st.sampled_from([scorer_that_fails, nan_scorer]))
    def failing_scorer(self, scorer):
        """Early stopping on a scorer that raises or returns NaN."""
        params = self.model.get_params()
        self.model.set_params(scoring=scorer, early_stopping=True)
        must_fail = self.stochastic()
        self.call(
            "fit", self.X, self.y, X_val=self.X, y_val=self.y, must_fail=must_fail
        )
        self.model.set_params(
            scoring=params["scoring"], early_stopping=params["early_stopping"]
        )

    @rule(entry=st.sampled_from(["fit", "partial_fit"]))
    def diverging(self, entry):
        """X at the float limit: training through unbounded hidden units
        diverges (tanh and logistic ones saturate, and may train)."""
        if not hasattr(self.model, entry):
            return
        kwargs = {}
        if entry == "partial_fit" and self.kind == "classifier" and not self.fitted:
            kwargs["classes"] = CLASSES
        must_fail = self.model.get_params()["activation"] in ("relu", "identity")
        self.call(entry, float_limit(self.X), self.y, must_fail=must_fail, **kwargs)

    @rule(error=st.sampled_from([RuntimeError, KeyboardInterrupt]))
    def callback(self, error):
        """A callback that raises fails the call; one that interrupts stops
        training with the epochs completed before."""
        self.model.set_callbacks(Raising(error))
        try:
            if error is RuntimeError:
                must_fail = self.stochastic()  # L-BFGS runs no epochs
                self.call("fit", self.X, self.y, must_fail=must_fail, errors=[error])
            else:
                self.call("fit", self.X, self.y)
        finally:
            self.model.set_callbacks()

    @rule()
    def pickle_round_trip(self):
        twin = pickle.loads(pickle.dumps(self.model))
        if self.fitted:
            with strict_numerics():
                np.testing.assert_array_equal(
                    twin.predict(self.X), self.model.predict(self.X)
                )
        self.model = twin

    @invariant()
    def history_is_whole(self):
        if self.fitted:
            assert_history_whole(self.model)

    @invariant()
    def blas_threads_are_as_they_were(self):
        assert blas_threads() == self.threads


class RegressionCalls(TrainingCalls):
    kind = "regressor"


@pytest.mark.parametrize("machine", [TrainingCalls, RegressionCalls])
def test_any_sequence_of_calls_keeps_the_model_whole(machine, kernel_path):
    run_state_machine_as_test(machine)
