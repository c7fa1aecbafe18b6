"""Integration with the scikit-learn ecosystem.

These tests use :class:`skmlp.FromScratchMLPClassifier` and
:class:`skmlp.FromScratchMLPRegressor` the way users of scikit-learn's
multilayer perceptrons do: as the last step of a pipeline, inside model
selection tools, cloned, and persisted with joblib and pickle (also across
Python processes).

Notes
-----
Every model is small and trained for a few epochs only, so the whole module
runs in a few seconds; the resulting ``ConvergenceWarning`` is silenced.
"""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Small and fast, yet accurate on iris (about 0.95 in 5-fold cross-validation),
# and on diabetes (an R² of 0.27 to 0.53 in 5-fold cross-validation).
FAST_PARAMS = dict(
    hidden_layer_sizes=(16,), max_iter=50, learning_rate_init=0.05, random_state=0
)

FITTED_ATTRIBUTES = [
    "coefs_",
    "intercepts_",
    "loss_curve_",
    "n_iter_",
    "t_",
    "out_activation_",
]


def fitted_attributes(estimator):
    """The fitted attributes compared between copies of ``estimator``."""
    return FITTED_ATTRIBUTES + (["classes_"] if is_classifier(estimator) else [])


def outputs(estimator, X):
    """What users read from a fitted model: probabilities, or predictions."""
    if is_classifier(estimator):
        return estimator.predict_proba(X)
    return estimator.predict(X)


def assert_same_values(expected, got):
    """Assert that two attributes are equal, element by element and in dtype.

    Lists (``coefs_``, ``intercepts_``, ``loss_curve_``) are compared item by
    item, since their arrays may differ in shape.
    """
    expected_items = expected if isinstance(expected, list) else [expected]
    got_items = got if isinstance(got, list) else [got]
    assert type(got) is type(expected)
    assert len(got_items) == len(expected_items)
    for expected_item, got_item in zip(expected_items, got_items):
        np.testing.assert_array_equal(got_item, expected_item, strict=True)


@pytest.fixture
def clf():
    """A fresh, unfitted, fast classifier."""
    return FromScratchMLPClassifier(**FAST_PARAMS)


@pytest.fixture
def pipeline(clf):
    """Scaling followed by the classifier, its step named ``clf``."""
    return Pipeline([("scale", StandardScaler()), ("clf", clf)])


@pytest.fixture(params=["adam", "sgd", "regressor"])
def fitted(request, data):
    """A classifier fitted on the standardized iris with each solver, and a
    regressor on the standardized diabetes."""
    if request.param == "regressor":
        return FromScratchMLPRegressor(**FAST_PARAMS).fit(*data)
    model = FromScratchMLPClassifier(solver=request.param, **FAST_PARAMS)
    return model.fit(*data)


@pytest.fixture
def data(request):
    """The data ``fitted`` is fitted on: diabetes for the regressor, else iris."""
    name = (
        "diabetes" if request.node.callspec.params["fitted"] == "regressor" else "iris"
    )
    return request.getfixturevalue(name)


@pytest.fixture(params=["classifier", "regressor"])
def unscaled(request):
    """An estimator class, features for a pipeline to scale, targets, and
    sample weights that favour some of them: iris, or diabetes (whose targets
    are standardized)."""
    if request.param == "classifier":
        X, y = request.getfixturevalue("raw_iris")
        return FromScratchMLPClassifier, X, y, np.where(y == 2, 5.0, 1.0)
    X = request.getfixturevalue("raw_diabetes")[0]
    y = request.getfixturevalue("diabetes")[1]
    return FromScratchMLPRegressor, X, y, np.where(y > 0, 5.0, 1.0)


@pytest.fixture
def dumped(fitted, tmp_path):
    """The path of ``fitted`` dumped with joblib."""
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    return path


def test_is_classifier(clf):
    assert is_classifier(clf)
    assert is_classifier(make_pipeline(StandardScaler(), clf))


def test_last_step_of_pipeline(pipeline, raw_iris):
    X, y = raw_iris
    pipeline.fit(X, y)

    y_pred = pipeline.predict(X)
    assert y_pred.shape == y.shape
    assert set(np.unique(y_pred)) <= set(np.unique(y))

    proba = pipeline.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), y_pred)

    assert pipeline.score(X, y) > 0.9
    np.testing.assert_array_equal(pipeline.classes_, [0, 1, 2])


@pytest.mark.parametrize("label_dtype", [str, object])
def test_make_pipeline_with_string_labels(clf, raw_iris, label_dtype):
    X, y = raw_iris
    names = load_iris().target_names.astype(label_dtype)[y]
    pipe = make_pipeline(StandardScaler(), clf).fit(X, names)

    np.testing.assert_array_equal(pipe.classes_, ["setosa", "versicolor", "virginica"])
    y_pred = pipe.predict(X)
    assert y_pred.dtype == names.dtype
    assert set(y_pred) <= {"setosa", "versicolor", "virginica"}
    assert pipe.score(X, names) > 0.9


def test_grid_search_finds_best_params_and_refits(pipeline, raw_iris):
    X, y = raw_iris
    grid = {"clf__hidden_layer_sizes": [(8,), (16,)], "clf__alpha": [1e-4, 1e-1]}
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=1).fit(X, y)

    assert set(search.best_params_) == set(grid)
    for name, value in search.best_params_.items():
        assert value in grid[name]
    assert search.best_score_ > 0.8
    assert len(search.cv_results_["params"]) == 4

    check_is_fitted(search.best_estimator_)
    refitted = clone(pipeline).set_params(**search.best_params_).fit(X, y)
    np.testing.assert_array_equal(
        search.predict_proba(X), refitted.predict_proba(X), strict=True
    )


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_cross_val_score(pipeline, raw_iris, solver):
    pipeline.set_params(clf__solver=solver)
    scores = cross_val_score(pipeline, *raw_iris, cv=5, n_jobs=1)
    assert scores.shape == (5,)
    assert np.all(scores > 0.8), scores


def test_clone_is_unfitted_with_same_params(fitted):
    cloned = clone(fitted)
    assert cloned is not fitted
    assert cloned.get_params() == fitted.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)


def test_clone_then_fit_equals_fit(fitted, data):
    refitted = clone(fitted).fit(*data)
    for attribute in fitted_attributes(fitted):
        assert_same_values(getattr(fitted, attribute), getattr(refitted, attribute))


def test_joblib_round_trip_outputs(fitted, dumped, data):
    loaded = joblib.load(dumped)
    X, _ = data
    np.testing.assert_array_equal(outputs(loaded, X), outputs(fitted, X), strict=True)


def test_joblib_round_trip_fitted_attributes(fitted, dumped):
    loaded = joblib.load(dumped)
    for attribute in fitted_attributes(fitted):
        assert_same_values(getattr(fitted, attribute), getattr(loaded, attribute))


def test_partial_fit_continues_after_joblib_load(fitted, dumped, data):
    X, y = data
    loaded = joblib.load(dumped)
    coefs_before = [W.copy() for W in loaded.coefs_]
    t_before = loaded.t_

    # ``fitted`` never went through joblib: it is the reference.
    fitted.partial_fit(X[::2], y[::2])
    loaded.partial_fit(X[::2], y[::2])

    assert loaded.t_ == t_before + len(y[::2])
    assert loaded.n_iter_ == fitted.n_iter_
    for before, after in zip(coefs_before, loaded.coefs_):
        assert not np.array_equal(before, after)
    for attribute in fitted_attributes(fitted):
        assert_same_values(getattr(fitted, attribute), getattr(loaded, attribute))


# A new process costs a second: the classifiers stand for both estimators.
@pytest.mark.parametrize("fitted", ["adam", "sgd"], indirect=True)
def test_joblib_round_trip_in_fresh_process(fitted, dumped, data, tmp_path):
    X, _ = data
    X_path, proba_path = tmp_path / "X.npy", tmp_path / "proba.npy"
    np.save(X_path, X)
    code = textwrap.dedent(
        """
        import sys

        import joblib
        import numpy as np

        model_path, X_path, proba_path = sys.argv[1:]
        model = joblib.load(model_path)
        np.save(proba_path, model.predict_proba(np.load(X_path)))
        """
    )

    result = subprocess.run(
        [sys.executable, "-c", code, str(dumped), str(X_path), str(proba_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(
        np.load(proba_path), fitted.predict_proba(X), strict=True
    )


@pytest.mark.parametrize("dataset", ["iris", "iris_binary", "multilabel"])
def test_pickle_keeps_float32(clf, request, dataset):
    X, y = request.getfixturevalue(dataset)
    X = X.astype(np.float32)
    clf.fit(X, y)

    loaded = pickle.loads(pickle.dumps(clf))

    for param in loaded.coefs_ + loaded.intercepts_:
        assert param.dtype == np.float32
    proba = loaded.predict_proba(X)
    assert proba.dtype == np.float32
    np.testing.assert_array_equal(proba, clf.predict_proba(X), strict=True)


def test_multilabel_pipeline_fit_predict_score(pipeline, multilabel):
    X, Y = multilabel
    pipeline.fit(X, Y)

    Y_pred = pipeline.predict(X)
    assert Y_pred.shape == Y.shape
    assert set(np.unique(Y_pred)) <= {0, 1}
    proba = pipeline.predict_proba(X)
    assert proba.shape == Y.shape
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_array_equal(proba > 0.5, Y_pred == 1)
    assert pipeline.score(X, Y) > 0.5


def test_multilabel_cross_val_score_beats_dummy(pipeline, multilabel):
    X, Y = multilabel
    cv = KFold(n_splits=5)
    scores = cross_val_score(pipeline, X, Y, cv=cv, n_jobs=1)
    baseline = cross_val_score(DummyClassifier(), X, Y, cv=cv, n_jobs=1)
    assert np.all(scores > baseline), (scores, baseline)


def test_sample_weight_is_routed_through_a_pipeline_in_a_grid_search(unscaled):
    """Metadata routing: sample_weight reaches fit and score inside GridSearchCV."""
    Estimator, X, y, weights = unscaled
    grid = {f"{Estimator.__name__.lower()}__alpha": [1e-4, 1e-2]}
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = (
            Estimator(**FAST_PARAMS)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False), estimator
        ).set_score_request(sample_weight=True)
        search = GridSearchCV(pipe, grid, cv=3)
        search.fit(X, y, sample_weight=weights)
        unweighted = GridSearchCV(
            make_pipeline(StandardScaler(), Estimator(**FAST_PARAMS)), grid, cv=3
        ).fit(X, y)
    assert not np.allclose(
        search.cv_results_["mean_test_score"], unweighted.cv_results_["mean_test_score"]
    )
    refit = search.best_estimator_[-1]
    (alpha,) = search.best_params_.values()
    direct = Estimator(**FAST_PARAMS, alpha=alpha).fit(
        StandardScaler().fit_transform(X), y, sample_weight=weights
    )
    np.testing.assert_array_equal(refit.coefs_[0], direct.coefs_[0])


def test_partial_fit_request_routes_sample_weight():
    with sklearn.config_context(enable_metadata_routing=True):
        clf = FromScratchMLPClassifier().set_partial_fit_request(sample_weight=True)
        assert clf.get_metadata_routing().partial_fit.requests["sample_weight"] is True


def test_dataframe_feature_names(unscaled):
    pd = pytest.importorskip("pandas")
    Estimator, X, y, _ = unscaled
    names = [f"x{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    estimator = Estimator(**FAST_PARAMS).fit(frame, y)
    np.testing.assert_array_equal(estimator.feature_names_in_, names)
    with pytest.raises(ValueError, match="feature names"):
        estimator.predict(frame[names[1::-1] + names[2:]])


def test_a_validation_set_is_transformed_by_the_pipeline(unscaled):
    """transform_input=["X_val"]: the final step scores on X_val transformed by
    the steps before it, as if fitted on transformed data directly."""
    Estimator, X, y, _ = unscaled
    X_val, y_val = X[::3], y[::3]
    params = dict(FAST_PARAMS, early_stopping=True)
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = Estimator(**params).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("mlp", estimator)], transform_input=["X_val"]
        )
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X)
    direct = Estimator(**params).fit(
        scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
    )
    assert pipe[-1].validation_scores_ == direct.validation_scores_
    assert pipe[-1].validation_loss_curve_ == direct.validation_loss_curve_


def test_is_regressor():
    reg = FromScratchMLPRegressor(**FAST_PARAMS)
    assert is_regressor(reg)
    assert is_regressor(make_pipeline(StandardScaler(), reg))


def test_regressor_of_unscaled_data_in_a_pipeline(raw_diabetes, diabetes):
    """The pipeline scales X, TransformedTargetRegressor scales y: the model is
    the one trained on both scaled."""
    X, y = raw_diabetes
    model = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), FromScratchMLPRegressor(**FAST_PARAMS)),
        transformer=StandardScaler(),
    ).fit(X, y)
    direct = FromScratchMLPRegressor(**FAST_PARAMS).fit(*diabetes)
    np.testing.assert_allclose(
        model.predict(X), direct.predict(diabetes[0]) * y.std() + y.mean(), rtol=1e-9
    )
    assert model.score(X, y) > 0.5


def test_grid_search_of_a_regressor_refits_the_best(raw_diabetes, diabetes):
    X, y = raw_diabetes[0], diabetes[1]
    pipe = make_pipeline(StandardScaler(), FromScratchMLPRegressor(**FAST_PARAMS))
    grid = {"fromscratchmlpregressor__alpha": [1e-4, 10.0]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert search.best_score_ > 0.3
    refitted = clone(pipe).set_params(**search.best_params_).fit(X, y)
    np.testing.assert_array_equal(search.predict(X), refitted.predict(X), strict=True)


def test_regressor_cross_val_score_beats_dummy(raw_diabetes, diabetes):
    X, y = raw_diabetes[0], diabetes[1]
    pipe = make_pipeline(StandardScaler(), FromScratchMLPRegressor(**FAST_PARAMS))
    scores = cross_val_score(pipe, X, y, cv=5)
    baseline = cross_val_score(DummyRegressor(), X, y, cv=5)
    assert np.all(scores > baseline + 0.2), (scores, baseline)
