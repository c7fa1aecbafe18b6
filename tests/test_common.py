"""scikit-learn's estimator checks, over the configurations users reach for."""

import pytest
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor

# Checks train for few epochs on tiny data: both warnings are expected there.
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:early_stopping=True, but:UserWarning"),
]

# Each configuration costs several seconds of the suite: one per solver, plus
# the options that change what fit does (class weights, the early-stopping
# split scored by the loss, a deeper network).
CLASSIFIERS = [
    FromScratchMLPClassifier(max_iter=100, random_state=0),
    FromScratchMLPClassifier(
        max_iter=100, random_state=0, solver="sgd", class_weight="balanced"
    ),
    FromScratchMLPClassifier(
        max_iter=100, random_state=0, early_stopping=True, scoring="loss"
    ),
    FromScratchMLPClassifier(
        max_iter=100, random_state=0, activation="tanh", hidden_layer_sizes=(64, 32)
    ),
    FromScratchMLPClassifier(max_iter=100, random_state=0, solver="lbfgs"),
]

# The fewest epochs that reach the R² > 0.5 of check_regressors_train: Adam,
# SGD with the early-stopping split scored by R², Poisson (whose exp output
# needs a faster rate), L-BFGS. Multi-output targets reach every one of them
# through check_regressor_multioutput (see the tags test below).
REGRESSORS = [
    FromScratchMLPRegressor(max_iter=50, random_state=0),
    FromScratchMLPRegressor(
        max_iter=50, random_state=0, solver="sgd", early_stopping=True
    ),
    FromScratchMLPRegressor(
        "poisson", max_iter=50, random_state=0, learning_rate_init=0.01
    ),
    FromScratchMLPRegressor(max_iter=20, random_state=0, solver="lbfgs"),
]


def expected_failed_checks(estimator):
    """check_regressor_multioutput trains on make_regression's y as it is,
    negative values included, whatever the tags say: Poisson refuses them."""
    if getattr(estimator, "loss", None) == "poisson":
        return {"check_regressor_multioutput": "it sends negative y to Poisson"}
    return {}


@parametrize_with_checks(
    CLASSIFIERS + REGRESSORS, expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_tags_state_its_targets(loss):
    """Multi-output targets are supported, so the checks send them; Poisson
    needs y >= 0, so the checks send positive y."""
    tags = get_tags(FromScratchMLPRegressor(loss))
    assert tags.target_tags.multi_output and tags.target_tags.single_output
    assert tags.target_tags.positive_only == (loss == "poisson")
