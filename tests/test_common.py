"""scikit-learn's estimator checks, over the configurations users reach for."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmlp import FromScratchMLPClassifier

# Checks train for few epochs on tiny data: both warnings are expected there.
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:early_stopping=True, but:UserWarning"),
]

# Each configuration costs several seconds of the suite: one per solver, plus
# the options that change what fit does (class weights, the early-stopping
# split scored by the loss, a deeper network).
ESTIMATORS = [
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


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
