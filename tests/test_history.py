"""Tests of the history of training and of the fitted attributes that read it.

``History`` is checked verb by verb: ``start`` (everything but ``t`` starts
over), ``record`` and ``record_iteration`` (what one epoch or iteration adds,
and the best values), ``best`` (what early stopping compares to, ``-inf``
before any epoch), ``continue_without_validation`` (partial_fit after a fit
that had a validation set), and ``mark`` / ``rewind``, which must put back
exactly the history of the mark, whether the curves were extended or replaced
since, without copying them. Then ``HistoryAttribute``: absent before the
first training call, read-only after.
"""

import pickle

import numpy as np
import pytest

from skmlp import FromScratchMLPClassifier
from skmlp._history import History, HistoryAttribute

FIELDS = [
    "n_iter",
    "t",
    "loss",
    "loss_curve",
    "best_loss",
    "validation_scores",
    "validation_loss_curve",
    "best_validation_score",
]


def trained(validated):
    """A history of two epochs of 10 samples, with or without validation."""
    history = History()
    history.start(validated=validated)
    for loss, best, score in [(0.9, 0.4, 0.4), (0.7, 0.6, 0.6)]:
        history.record(
            loss,
            10,
            best=best if validated else -loss,
            no_improvement_count=0,
            validation=(score, loss + 0.1) if validated else None,
        )
    return history


def test_a_new_history_is_empty():
    history = History()
    assert (history.n_iter, history.t, history.no_improvement_count) == (0, 0, 0)
    assert history.loss_curve == []
    assert history.loss is history.best_loss is None
    assert history.validation_scores is history.validation_loss_curve is None
    assert history.best_validation_score is None
    assert not history.validated
    assert history.best() == -np.inf


@pytest.mark.parametrize("validated", [False, True])
def test_start_begins_a_new_history_and_carries_t_over(validated):
    history = trained(validated=True)
    old_curve, old_scores = history.loss_curve, history.validation_scores
    history.no_improvement_count = 3
    history.start(validated=validated)
    assert history.t == 20
    assert history.n_iter == history.no_improvement_count == 0
    assert history.loss is history.best_loss is history.best_validation_score is None
    assert history.loss_curve == [] and history.loss_curve is not old_curve
    expected = [] if validated else None
    assert history.validation_scores == history.validation_loss_curve == expected
    assert history.validated is validated
    assert history.best() == -np.inf
    # the lists of the history before are left as they were, for a rewind
    assert old_curve == [0.9, 0.7]
    assert old_scores == [0.4, 0.6]


def test_record_without_validation():
    history = History()
    history.record(0.9, 10, best=-0.9, no_improvement_count=0)
    history.record(1.2, 7, best=-0.9, no_improvement_count=1)
    assert (history.n_iter, history.t, history.loss) == (2, 17, 1.2)
    assert history.loss_curve == [0.9, 1.2]
    assert history.best_loss == 0.9
    assert history.no_improvement_count == 1
    assert history.validation_scores is history.validation_loss_curve is None
    assert history.best_validation_score is None
    assert history.best() == -0.9


def test_record_with_validation():
    history = History()
    history.start(validated=True)
    history.record(0.9, 10, best=0.5, no_improvement_count=0, validation=(0.5, 1.1))
    history.record(0.8, 10, best=0.5, no_improvement_count=1, validation=(0.3, 1.4))
    assert (history.n_iter, history.t, history.loss) == (2, 20, 0.8)
    assert history.loss_curve == [0.9, 0.8]
    assert history.validation_scores == [0.5, 0.3]
    assert history.validation_loss_curve == [1.1, 1.4]
    assert history.best_validation_score == 0.5
    assert history.best_loss is None
    assert history.best() == 0.5


@pytest.mark.parametrize("validated", [False, True])
def test_best_is_minus_infinity_before_any_epoch(validated):
    history = History()
    history.start(validated=validated)
    assert history.best() == -np.inf


def test_best_of_a_loss_of_zero_is_zero():
    history = History()
    history.record(0.0, 10, best=-0.0, no_improvement_count=0)
    assert history.best() == 0.0


def test_continue_without_validation_drops_the_validation_curves():
    history = trained(validated=True)
    history.continue_without_validation()
    assert not history.validated
    assert history.validation_scores is history.validation_loss_curve is None
    assert history.best_validation_score is None
    assert history.best_loss == 0.7  # the lowest training loss
    assert history.best() == -0.7
    assert (history.n_iter, history.t, history.loss_curve) == (2, 20, [0.9, 0.7])


def test_continue_without_validation_of_an_empty_validated_history():
    history = History()
    history.start(validated=True)
    history.continue_without_validation()
    assert history.best_loss is None
    assert history.best() == -np.inf


def test_continue_without_validation_keeps_a_history_without_it():
    history = trained(validated=False)
    history.best_loss = 0.5  # not recomputed from the curve
    before = pickle.dumps(history)
    history.continue_without_validation()
    assert pickle.dumps(history) == before


def test_record_iteration_keeps_the_lowest_loss():
    history = History()
    for loss in [3.0, 1.0, 2.0]:
        history.record_iteration(loss)
    assert (history.n_iter, history.loss, history.best_loss) == (3, 2.0, 1.0)
    assert history.loss_curve == [3.0, 1.0, 2.0]
    assert history.t == 0  # L-BFGS counts no samples


def test_record_iteration_keeps_a_best_loss_of_zero():
    history = History()
    history.record_iteration(0.0)
    assert history.best_loss == 0.0
    history.record_iteration(1.0)
    assert history.best_loss == 0.0


def test_mark_keeps_the_lists_without_copying_them():
    history = trained(validated=True)
    mark = history.mark()
    assert mark["loss_curve"][0] is history.loss_curve
    assert mark["validation_scores"][0] is history.validation_scores


@pytest.mark.parametrize("validated", [False, True])
def test_rewind_removes_the_entries_appended_since_the_mark(validated):
    history = trained(validated)
    lists = history.loss_curve, history.validation_scores
    before, mark = pickle.dumps(history), history.mark()
    history.record(
        0.5,
        10,
        best=0.9 if validated else -0.5,
        no_improvement_count=0,
        validation=(0.9, 0.6) if validated else None,
    )
    history.record_iteration(0.4)
    history.rewind(mark)
    assert pickle.dumps(history) == before
    assert (history.loss_curve, history.validation_scores) == lists
    assert history.loss_curve is lists[0]


@pytest.mark.parametrize("validated", [False, True])
def test_rewind_after_start_replaced_the_lists(validated):
    """A fit starts a new history; the one before comes back if it fails."""
    history = trained(validated=True)
    before, mark = pickle.dumps(history), history.mark()
    curve = history.loss_curve
    history.start(validated=validated)
    history.record(
        5.0,
        30,
        best=0.1 if validated else -5.0,
        no_improvement_count=0,
        validation=(0.1, 6.0) if validated else None,
    )
    history.rewind(mark)
    assert pickle.dumps(history) == before
    assert history.loss_curve is curve


def test_rewind_after_continue_without_validation():
    history = trained(validated=True)
    before, mark = pickle.dumps(history), history.mark()
    history.continue_without_validation()
    history.record(0.5, 10, best=-0.5, no_improvement_count=0)
    history.rewind(mark)
    assert pickle.dumps(history) == before


def test_rewind_to_a_new_history():
    history = History()
    before, mark = pickle.dumps(history), history.mark()
    history.start(validated=True)
    history.record(0.5, 10, best=0.2, no_improvement_count=0, validation=(0.2, 1.0))
    history.rewind(mark)
    assert pickle.dumps(history) == before


class Model:
    """A stand-in for an estimator: the attributes read ``_history``."""

    n_iter_ = HistoryAttribute()
    t_ = HistoryAttribute()
    loss_ = HistoryAttribute()
    loss_curve_ = HistoryAttribute()
    best_loss_ = HistoryAttribute()
    validation_scores_ = HistoryAttribute()
    validation_loss_curve_ = HistoryAttribute()
    best_validation_score_ = HistoryAttribute()


@pytest.mark.parametrize("field", FIELDS)
def test_each_attribute_reads_its_field_of_the_history(field):
    model = Model()
    model._history = trained(validated=True)
    assert getattr(model, f"{field}_") is getattr(model._history, field)


@pytest.mark.parametrize("field", ["n_iter", "loss_curve", "best_validation_score"])
def test_attributes_do_not_exist_before_training(field):
    model = FromScratchMLPClassifier()
    name = f"{field}_"
    with pytest.raises(AttributeError) as error:
        getattr(model, name)
    assert str(error.value) == (
        f"'FromScratchMLPClassifier' object has no attribute '{name}': it is set "
        "by fit or partial_fit."
    )
    assert not hasattr(model, name)


@pytest.mark.parametrize("trained_model", [False, True], ids=["unfitted", "fitted"])
def test_attributes_are_read_only(trained_model):
    model = Model()
    if trained_model:
        model._history = trained(validated=False)
    with pytest.raises(AttributeError) as error:
        model.n_iter_ = 5
    assert str(error.value) == (
        "n_iter_ is the history of training, set by fit and partial_fit."
    )
    assert "n_iter_" not in vars(model)
    if trained_model:
        assert model.n_iter_ == 2


def test_the_class_attribute_is_the_descriptor():
    assert isinstance(Model.loss_curve_, HistoryAttribute)
    assert isinstance(FromScratchMLPClassifier.t_, HistoryAttribute)
