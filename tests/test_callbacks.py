"""Reporting training to scikit-learn's callbacks (``sklearn.callback``, 1.9+)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmlp import FromScratchMLPClassifier

callback = pytest.importorskip("sklearn.callback")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0)


def test_scoring_monitor_scores_every_epoch(iris):
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = FromScratchMLPClassifier(**SMALL).set_callbacks(monitor).fit(*iris)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == clf.n_iter_
    assert epochs[-1]["accuracy"] == clf.score(*iris)


def test_progress_bar_shows_the_epochs(iris, capsys):
    clf = FromScratchMLPClassifier(**SMALL).set_callbacks(callback.ProgressBar())
    assert clf.fit(*iris).n_iter_ == SMALL["max_iter"]
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


def test_a_callback_can_stop_training(iris):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = FromScratchMLPClassifier(**SMALL).set_callbacks(StopAfter(3)).fit(*iris)
    assert clf.n_iter_ == 3


@pytest.mark.parametrize(
    "fit_params",
    [{}, {"sample_weight": np.linspace(0.5, 1.5, 150)}],
    ids=["unweighted", "weighted"],
)
def test_scoring_monitor_scores_the_training_part_of_a_split(iris, fit_params):
    """With early stopping the callbacks see the training part, X and y alike."""
    X, y = iris

    def n_scored(estimator, X, y, sample_weight=None):
        assert len(X) == len(y)
        return {"n_scored": len(X)}

    monitor = callback.ScoringMonitor(scoring=n_scored)
    clf = FromScratchMLPClassifier(early_stopping=True, **SMALL)
    clf.set_callbacks(monitor).fit(X, y, **fit_params)
    epochs = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(epochs) == clf.n_iter_ == len(clf.validation_scores_)
    # validation_fraction=0.1 of 150 samples: 15 held out, 135 trained on
    assert {row["n_scored"] for row in epochs} == {135}
