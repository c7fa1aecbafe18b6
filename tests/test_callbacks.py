"""Reporting training to scikit-learn's callbacks (``sklearn.callback``, 1.9+)."""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor

callback = pytest.importorskip("sklearn.callback")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)

# Each estimator, its data and the name of its default score.
PROBLEMS = {
    "classifier": (FromScratchMLPClassifier, "iris", "accuracy"),
    "regressor": (FromScratchMLPRegressor, "diabetes", "r2"),
}


@pytest.fixture(params=PROBLEMS)
def problem(request):
    """An estimator class, its data (X, y) and the name of its score."""
    Estimator, data, score = PROBLEMS[request.param]
    return Estimator, request.getfixturevalue(data), score


def test_scoring_monitor_scores_every_epoch(problem):
    Estimator, (X, y), score = problem
    monitor = callback.ScoringMonitor(scoring=score)
    estimator = Estimator(**SMALL).set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == estimator.n_iter_
    assert epochs[-1][score] == estimator.score(X, y)


def test_progress_bar_shows_the_epochs(problem, capsys):
    Estimator, (X, y), _ = problem
    estimator = Estimator(**SMALL).set_callbacks(callback.ProgressBar())
    assert estimator.fit(X, y).n_iter_ == SMALL["max_iter"]
    assert "100%" in capsys.readouterr().out


class StopAfter:
    """A fit callback that asks to stop after a given number of epochs."""

    def __init__(self, n_epochs):
        self.n_epochs = n_epochs

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        return context.task_name == "epoch" and context.task_id + 1 == self.n_epochs


def test_a_callback_can_stop_training(problem):
    Estimator, (X, y), _ = problem
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator = Estimator(**SMALL).set_callbacks(StopAfter(3)).fit(X, y)
    assert estimator.n_iter_ == 3


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_scoring_monitor_scores_the_training_part_of_a_split(problem, weighted):
    """With early stopping the callbacks see the training part, X and y alike."""
    Estimator, (X, y), _ = problem
    fit_params = {"sample_weight": np.linspace(0.5, 1.5, len(y))} if weighted else {}

    def n_scored(estimator, X, y, sample_weight=None):
        assert len(X) == len(y)
        return {"n_scored": len(X)}

    monitor = callback.ScoringMonitor(scoring=n_scored)
    estimator = Estimator(early_stopping=True, **SMALL)
    estimator.set_callbacks(monitor).fit(X, y, **fit_params)
    epochs = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(epochs) == estimator.n_iter_ == len(estimator.validation_scores_)
    # validation_fraction=0.1 held out: 15 of iris's 150, 45 of diabetes's 442
    assert {row["n_scored"] for row in epochs} == {len(y) - math.ceil(0.1 * len(y))}
