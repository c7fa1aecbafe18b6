"""Properties of FromScratchMLPClassifier over generated classification problems.

Hypothesis draws small problems -- 2 to 40 samples, 1 to 6 features, float32,
float64 or integer X from a bounded range, 1 to 4 classes of int, str or bool
labels (each class present), with or without positive sample weights -- and
small networks trained for a few epochs. On every such finite, bounded input
the estimator must return probability distributions, predict their most
probable class, be reproducible, keep float32 in float32, and never let a NumPy
``RuntimeWarning`` out: inside each property they are errors.

The examples are derandomized and the example database is off, so every run
checks the same problems.
"""

import warnings
from contextlib import contextmanager

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skmlp import FromScratchMLPClassifier

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)

X_BOUND = 10

# A strategy of unique labels of each kind, given how many.
LABELS = {
    "int": lambda n: st.lists(
        st.integers(-100, 100), min_size=n, max_size=n, unique=True
    ),
    "str": lambda n: st.lists(
        st.text("abcxyz", min_size=1, max_size=3), min_size=n, max_size=n, unique=True
    ),
    "bool": lambda n: st.just([False, True][:n]),
}


@st.composite
def problems(draw):
    """``(X, y, sample_weight)``: every class in y, sample_weight None or positive."""
    n_samples = draw(st.integers(2, 40))
    n_features = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    elements = (
        st.integers(-X_BOUND, X_BOUND)
        if dtype is np.int64
        else st.floats(-X_BOUND, X_BOUND, width=np.finfo(dtype).bits)
    )
    X = draw(arrays(dtype, (n_samples, n_features), elements=elements))
    kind = draw(st.sampled_from(["str", "int", "bool"]))
    # Failing examples shrink towards the first option: 3 classes, a softmax.
    n_classes = min(draw(st.sampled_from([3, 2, 4, 1])), n_samples)
    if kind == "bool":
        n_classes = min(n_classes, 2)
    labels = np.array(draw(LABELS[kind](n_classes)))
    order = np.array(draw(st.permutations(range(n_samples))))
    y = labels[order % n_classes]
    sample_weight = draw(
        st.none()
        | arrays(np.float64, n_samples, elements=st.floats(0.1, 10.0, width=64))
    )
    return X, y, sample_weight


networks = st.fixed_dictionaries(
    {
        "hidden_layer_sizes": st.sampled_from([(4,), (5, 3)]),
        "activation": st.sampled_from(["relu", "tanh", "logistic", "identity"]),
        "solver": st.sampled_from(["adam", "sgd", "lbfgs"]),
        "batch_size": st.sampled_from(["auto", 2]),
        "max_iter": st.integers(5, 10),
        "random_state": st.integers(0, 2**16),
    }
)


@contextmanager
def strict_numerics():
    """NumPy's RuntimeWarnings become errors; a short training's
    ConvergenceWarning is expected and ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def fit(estimator, problem):
    """``estimator`` fitted on the problem ``(X, y, sample_weight)``."""
    X, y, sample_weight = problem
    return estimator.fit(X, y, sample_weight=sample_weight)


def tolerance(dtype):
    """An absolute tolerance for a few roundings in ``dtype``."""
    return 16 * np.finfo(dtype).eps


@PROPERTY
@given(problem=problems(), params=networks)
def test_probabilities_are_distributions(problem, params):
    X, y, _ = problem
    with strict_numerics():
        clf = fit(FromScratchMLPClassifier(**params), problem)
        proba = clf.predict_proba(X)
    assert_array_equal(clf.classes_, np.unique(y))
    assert proba.shape == (len(X), len(clf.classes_))
    assert ((proba >= 0) & (proba <= 1)).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=tolerance(proba.dtype))


@PROPERTY
@given(problem=problems(), params=networks)
def test_predict_is_the_most_probable_class(problem, params):
    X = problem[0]
    with strict_numerics():
        clf = fit(FromScratchMLPClassifier(**params), problem)
        predicted = clf.predict(X)
        proba = clf.predict_proba(X)
    assert np.isin(predicted, clf.classes_).all()
    # classes_[argmax(proba)], but a tie may go to any of the most probable
    chosen = proba[np.arange(len(X)), np.searchsorted(clf.classes_, predicted)]
    assert_array_equal(chosen, proba.max(axis=1))


@PROPERTY
@given(problem=problems(), params=networks)
def test_log_proba_is_the_log_of_proba(problem, params):
    X = problem[0]
    with strict_numerics():
        clf = fit(FromScratchMLPClassifier(**params), problem)
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
    assert log_proba.dtype == proba.dtype
    # predict_proba floors probabilities at tiny; below it, subnormals lose digits
    normal = proba > np.finfo(proba.dtype).tiny
    assert_allclose(
        log_proba[normal],
        np.log(proba[normal]),
        rtol=tolerance(proba.dtype),
        atol=tolerance(proba.dtype),
    )


@PROPERTY
@given(problem=problems(), params=networks)
def test_refit_is_bit_identical(problem, params):
    with strict_numerics():
        clf = fit(FromScratchMLPClassifier(**params), problem)
        first = [W.copy() for W in clf.coefs_ + clf.intercepts_]
        fit(clf, problem)
    for W_first, W_again in zip(first, clf.coefs_ + clf.intercepts_):
        assert_array_equal(W_again, W_first)


@PROPERTY
@given(problem=problems(), params=networks)
def test_a_clone_fits_the_same_model(problem, params):
    X = problem[0]
    with strict_numerics():
        clf = fit(FromScratchMLPClassifier(**params), problem)
        twin = fit(clone(clf), problem)
        assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    for W_clf, W_twin in zip(
        clf.coefs_ + clf.intercepts_, twin.coefs_ + twin.intercepts_
    ):
        assert_array_equal(W_twin, W_clf)


@PROPERTY
@given(problem=problems(), params=networks)
def test_float32_stays_float32(problem, params):
    X = problem[0]
    expected = np.float32 if X.dtype == np.float32 else np.float64
    with strict_numerics():
        clf = fit(FromScratchMLPClassifier(**params), problem)
        outputs = [clf.predict_proba(X), clf.predict_log_proba(X)]
    assert all(W.dtype == expected for W in clf.coefs_ + clf.intercepts_)
    assert all(output.dtype == expected for output in outputs)


@PROPERTY
@given(
    problem=problems(),
    params=networks.filter(lambda params: params["solver"] != "lbfgs"),
)
def test_partial_fit_gives_no_runtime_warning(problem, params):
    """fit is exercised by every property above; partial_fit and score here."""
    X, y, sample_weight = problem
    with strict_numerics():
        clf = FromScratchMLPClassifier(**params)
        clf.partial_fit(X, y, classes=np.unique(y), sample_weight=sample_weight)
        clf.partial_fit(X, y, sample_weight=sample_weight)
        score = clf.score(X, y, sample_weight=sample_weight)
    assert 0.0 <= score <= 1.0
