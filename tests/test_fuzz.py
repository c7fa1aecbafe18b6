"""A fuzz of every parameter and every training argument of both estimators.

Hypothesis draws one thing to get wrong -- a constructor parameter, or one of
``X``, ``y``, ``sample_weight``, ``X_val``, ``y_val``, ``sample_weight_val``
and ``classes`` -- the call that receives it (``fit``, a first ``partial_fit``,
``partial_fit`` or a warm-started ``fit`` of a fitted model), and a value: of
the wrong type (a bool for a number, a string, None, a list, a nested list, a
dict, a set, a generator), out of range (0, negative, NaN, infinity, huge),
a pandas nullable column holding NA, or a malformed container (ragged, 3-d,
empty, of the wrong length, of strings, of None), entries set at a drawn
position. The outcome must be correct training -- a model that predicts finite
values with a whole history -- or a ``ValueError`` or ``TypeError`` whose
message names what was wrong, with the model left as it was; never another
exception (NumPy's, SciPy's, Python's), never a RuntimeWarning, and never the
silent acceptance of a value the docstring does not allow.

Each test runs for both estimators and both kernel sets; ``pytest --slow``
draws many more examples (root conftest.py).
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generated_cases import (
    CLASSES,
    ESTIMATORS,
    PROBLEMS,
    SMALL,
    allowed,
    assert_whole,
    names,
    parameter_values,
    state,
    strict_numerics,
)

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
KINDS = pytest.mark.parametrize("kind", ["classifier", "regressor"])


def outcome(model, call):
    """Run ``call``; return the ValueError or TypeError it raised (the model
    left as it was), or None after checking the model it trained."""
    before = state(model)
    try:
        with strict_numerics():
            call()
    except (ValueError, TypeError) as error:
        assert state(model) == before, "a failed call changed the model"
        return error
    return None


def prepared(kind, *, entry, **params):
    """A model of ``kind`` ready for ``entry``: fitted first unless ``fit`` or
    a first ``partial_fit`` is to be called."""
    model = ESTIMATORS[kind](**SMALL).set_params(**params)
    if entry in ("partial_fit", "warm fit"):
        X, y = PROBLEMS[kind]
        model.fit(X, y)
        model.set_params(warm_start=entry == "warm fit")
    return model


def call(model, kind, entry, X, y, **arguments):
    """``entry`` of ``model`` on ``X, y``: the classes go to partial_fit."""
    if entry == "fit" or entry == "warm fit":
        return model.fit(X, y, **arguments)
    if kind == "classifier" and entry == "first partial_fit":
        arguments.setdefault("classes", CLASSES)
    return model.partial_fit(X, y, **arguments)


ENTRIES = ["fit", "first partial_fit", "partial_fit", "warm fit"]


@KINDS
@FUZZ
@given(data=st.data())
def test_a_parameter_value_trains_or_is_named(kind, kernel_path, data):
    name, value = data.draw(parameter_values(kind), label="parameter")
    entry = data.draw(st.sampled_from(ENTRIES), label="entry")
    model = prepared(kind, entry=entry)
    model.set_params(**{name: value})
    if entry.endswith("partial_fit") and not hasattr(model, "partial_fit"):
        return  # solver='lbfgs': no partial_fit to call
    X, y = PROBLEMS[kind]
    error = outcome(model, lambda: call(model, kind, entry, X, y))
    if error is None:
        assert allowed(kind, name, value), f"{name}={value!r} was accepted"
        assert_whole(model, X)
    else:
        assert names(error, name), error


def _at(position, value):
    """Set the entry at the drawn ``position`` (a fraction) to ``value``."""

    def change(a):
        a = np.array(a, dtype=float)
        a.flat[int(position * (a.size - 1))] = value
        return a

    return change


def _nullable(position, dtype):
    """A pandas column (or frame) of a nullable dtype, NA at ``position``."""

    def change(a):
        a = np.asarray(a, dtype=float)
        values = a.round() if dtype == "Int64" else a
        frame = pd.DataFrame(values.reshape(len(a), -1)).astype(dtype)
        frame.iloc[int(position * (len(a) - 1)), 0] = pd.NA
        return frame.iloc[:, 0] if a.ndim == 1 else frame

    return change


# For each bad value: how to make it from the good value, and whether each
# argument's docstring allows it: True, False, or None where that depends on
# the call (a label unseen by partial_fit's classes, a weight's scale).
def bad_values(position):
    bad = {
        "True": (lambda a: True, {}),
        "string": (lambda a: "abc", {}),
        "None": (
            lambda a: None,
            {"sample_weight": True, "sample_weight_val": True, "classes": None},
        ),
        "number": (lambda a: 0.5, {}),
        "list of one": (lambda a: [1.0], {}),
        "nested list": (lambda a: [[1.0, 2.0]], {}),
        "ragged": (lambda a: [[1.0, 2.0], [3.0]], {}),
        "dict": (lambda a: {"a": 1}, {}),
        "set": (lambda a: {1.0, 2.0}, {}),
        "generator": (lambda a: (value for value in np.asarray(a).ravel()), {}),
        "NaN entry": (_at(position, math.nan), {}),
        "infinite entry": (_at(position, math.inf), {}),
        "-infinite entry": (_at(position, -math.inf), {}),
        "huge entry": (
            _at(position, 1e308),
            {"X": None, "X_val": None, "y": None, "sample_weight": None},
        ),
        "negative entry": (
            _at(position, -1.0),
            {"X": True, "X_val": True, "y": None, "y_val": None, "classes": None},
        ),
        "zero entry": (
            _at(position, 0.0),
            {
                "X": True,
                "X_val": True,
                "y": True,
                "y_val": True,
                "sample_weight": True,
                "sample_weight_val": True,
                "classes": None,
            },
        ),
        "all zero": (
            lambda a: np.zeros_like(np.asarray(a, dtype=float)),
            {"X": True, "X_val": True, "y": True, "y_val": True, "classes": None},
        ),
        "one short": (lambda a: np.asarray(a)[:-1], {"classes": None}),
        "empty": (lambda a: np.asarray(a)[:0], {}),
        "3-d": (lambda a: np.asarray(a).reshape(len(a), -1, 1, 1), {}),
        "strings": (
            # numbers as strings: NumPy converts them, as in scikit-learn
            lambda a: np.asarray(a).astype(str),
            dict.fromkeys(ARGS),
        ),
        "Nones": (lambda a: np.full(np.shape(a), None, dtype=object), {}),
        "as a list": (lambda a: np.asarray(a).tolist(), dict.fromkeys(ARGS, True)),
        "float32": (
            lambda a: np.asarray(a, dtype=np.float32),
            {**dict.fromkeys(ARGS, True), "y": None, "classes": None},
        ),
        "Float64 with NA": (_nullable(position, "Float64"), {}),
        "Int64 with NA": (_nullable(position, "Int64"), {}),
    }
    return bad


ARGS = ["X", "y", "sample_weight", "X_val", "y_val", "sample_weight_val", "classes"]


def good_arguments(kind):
    X, y = PROBLEMS[kind]
    good = dict(X=X, y=y, sample_weight=np.ones(len(y)), X_val=X, y_val=y)
    good["sample_weight_val"] = np.ones(len(y))
    if kind == "classifier":
        good["classes"] = CLASSES
    return good


@KINDS
@FUZZ
@given(data=st.data())
def test_a_training_argument_trains_or_is_named(kind, kernel_path, data):
    good = good_arguments(kind)
    argument = data.draw(st.sampled_from(sorted(good)), label="argument")
    validation = argument.endswith("_val")
    entries = ["fit", "warm fit"] if validation else ENTRIES
    if argument == "classes":
        entries = ["first partial_fit", "partial_fit"]
    entry = data.draw(st.sampled_from(entries), label="entry")
    position = data.draw(st.floats(0, 1), label="position")
    label = data.draw(st.sampled_from(sorted(bad_values(position))), label="value")
    make, verdicts = bad_values(position)[label]
    value = make(good[argument])
    model = prepared(kind, entry=entry, early_stopping=validation)
    arguments = {"X": good["X"], "y": good["y"]}
    if validation:
        arguments.update(X_val=good["X_val"], y_val=good["y_val"])
    arguments[argument] = value
    if argument == "classes":
        arguments["classes"] = value
    error = outcome(model, lambda: call(model, kind, entry, **arguments))
    if error is None:
        assert verdicts.get(argument, False) is not False, f"{argument} {label}"
        assert_whole(model, good["X"])
    else:
        suffix = "_val" if validation else ""
        pair = f"X{suffix} and y{suffix}"  # the two lengths differ
        assert names(error, argument) or names(error, pair), error
