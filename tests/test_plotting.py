"""Tests of skmlp.plotting.LossCurveDisplay.

The figures are drawn with matplotlib's non-interactive Agg backend and closed
after each test.
"""

import copy
import importlib
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

import skmlp
from skmlp import FromScratchMLPClassifier, FromScratchMLPRegressor
from skmlp.plotting import LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=15, random_state=0)

# Three curves of different lengths, so that each one's epochs are checked.
CURVES = dict(
    loss_curve=[2.0, 1.5, 1.2, 1.0, 0.9],
    validation_loss_curve=[2.1, 1.7, 1.4, 1.3],
    validation_scores=[0.3, 0.6, 0.7],
)


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits():
    """Digits scaled to [0, 1]: 1797 samples, 64 features, 10 classes."""
    X, y = load_digits(return_X_y=True)
    return X / 16, y


@pytest.fixture(scope="module")
def fitted(request, digits):
    """A FromScratchMLPClassifier (or, given "regressor", a
    FromScratchMLPRegressor on diabetes) fitted without early stopping."""
    return fit(request, digits)


@pytest.fixture(scope="module")
def fitted_early_stopping(request, digits):
    """As ``fitted``, with early stopping."""
    return fit(request, digits, early_stopping=True)


def fit(request, digits, **params):
    """The estimator that ``request.param`` names (default: the classifier)."""
    if getattr(request, "param", "classifier") == "regressor":
        return FromScratchMLPRegressor(**SMALL, **params).fit(
            *request.getfixturevalue("diabetes")
        )
    return FromScratchMLPClassifier(**SMALL, **params).fit(*digits)


BOTH_ESTIMATORS = ["classifier", "regressor"]


def legend_labels(display):
    """The texts of the display's legend, which is on its topmost axes."""
    legend_ax = display.ax_ if display.score_ax_ is None else display.score_ax_
    return [text.get_text() for text in legend_ax.get_legend().get_texts()]


@pytest.mark.parametrize("fitted", BOTH_ESTIMATORS, indirect=True)
def test_from_estimator_without_early_stopping(fitted):
    display = LossCurveDisplay.from_estimator(fitted)

    assert_array_equal(display.line_.get_xdata(), np.arange(1, fitted.n_iter_ + 1))
    assert_allclose(display.line_.get_ydata(), fitted.loss_curve_)
    assert display.validation_loss_line_ is None
    assert display.score_line_ is None
    assert display.score_ax_ is None
    assert display.line_.axes is display.ax_
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_ylabel() == "Loss"
    assert display.ax_.get_title() == type(fitted).__name__
    assert legend_labels(display) == ["Training loss"]


@pytest.mark.parametrize("fitted_early_stopping", BOTH_ESTIMATORS, indirect=True)
def test_from_estimator_with_early_stopping(fitted_early_stopping):
    clf = fitted_early_stopping
    assert len(clf.validation_scores_) == clf.n_iter_

    display = LossCurveDisplay.from_estimator(clf)

    assert_allclose(display.line_.get_ydata(), clf.loss_curve_)
    assert display.score_ax_ is not display.ax_
    assert display.score_line_.axes is display.score_ax_
    assert_array_equal(display.score_line_.get_xdata(), np.arange(1, clf.n_iter_ + 1))
    assert_allclose(display.score_line_.get_ydata(), clf.validation_scores_)
    assert display.score_ax_.get_ylabel() == "Validation score"
    assert display.score_ax_.get_shared_x_axes().joined(display.ax_, display.score_ax_)
    assert "Validation score" in legend_labels(display)


def test_from_estimator_reads_the_validation_loss_curve(fitted_early_stopping):
    clf = copy.deepcopy(fitted_early_stopping)
    clf._history.validation_loss_curve = [loss + 0.1 for loss in clf.loss_curve_]

    display = LossCurveDisplay.from_estimator(clf)

    assert display.validation_loss_line_.axes is display.ax_
    assert_allclose(
        display.validation_loss_line_.get_ydata(), clf.validation_loss_curve_
    )


def test_constructor_draws_every_curve_against_its_own_epochs():
    display = LossCurveDisplay(**CURVES, estimator_name="my MLP").plot()

    lines = [display.line_, display.validation_loss_line_, display.score_line_]
    for line, curve in zip(lines, CURVES.values()):
        assert_array_equal(line.get_xdata(), np.arange(1, len(curve) + 1))
        assert_allclose(line.get_ydata(), curve)
    assert display.validation_loss_line_.axes is display.ax_
    assert display.score_line_.axes is display.score_ax_
    assert display.ax_.get_title() == "my MLP"
    assert legend_labels(display) == [
        "Training loss",
        "Validation loss",
        "Validation score",
    ]


def test_no_title_without_a_name():
    display = LossCurveDisplay(loss_curve=CURVES["loss_curve"]).plot()
    assert display.ax_.get_title() == ""


def test_name_sets_the_title(fitted):
    display = LossCurveDisplay.from_estimator(fitted, name="digits MLP")
    assert display.ax_.get_title() == "digits MLP"


def test_plots_on_the_given_axes(fitted):
    fig, ax = plt.subplots()

    display = LossCurveDisplay.from_estimator(fitted, ax=ax)

    assert display.ax_ is ax
    assert display.figure_ is fig
    assert display.line_ in ax.get_lines()


@pytest.mark.parametrize("color_key", ["color", "c"])
@pytest.mark.parametrize(
    "kw_name, line_name",
    [
        ("loss_kw", "line_"),
        ("validation_loss_kw", "validation_loss_line_"),
        ("score_kw", "score_line_"),
    ],
)
def test_plot_forwards_line_kwargs(kw_name, line_name, color_key):
    display = LossCurveDisplay(**CURVES).plot(
        **{kw_name: {color_key: "red", "linewidth": 3}}
    )

    line = getattr(display, line_name)
    assert line.get_color() == "red"
    assert line.get_linewidth() == 3


def test_from_estimator_forwards_plot_kwargs(fitted):
    display = LossCurveDisplay.from_estimator(
        fitted, loss_kw={"color": "red", "label": "train"}
    )

    assert display.line_.get_color() == "red"
    assert legend_labels(display) == ["train"]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_works_with_sklearn_mlp(digits, early_stopping):
    clf = MLPClassifier(**SMALL, early_stopping=early_stopping).fit(*digits)

    display = LossCurveDisplay.from_estimator(clf)

    assert_allclose(display.line_.get_ydata(), clf.loss_curve_)
    assert display.validation_loss_line_ is None
    assert (display.score_line_ is not None) == early_stopping
    assert display.ax_.get_title() == "MLPClassifier"


def test_works_with_sklearn_mlp_regressor(diabetes):
    reg = MLPRegressor(**SMALL, early_stopping=True).fit(*diabetes)

    display = LossCurveDisplay.from_estimator(reg)

    assert_allclose(display.line_.get_ydata(), reg.loss_curve_)
    assert_allclose(display.score_line_.get_ydata(), reg.validation_scores_)
    assert display.ax_.get_title() == "MLPRegressor"


@pytest.mark.parametrize(
    "estimator",
    [
        FromScratchMLPClassifier(),
        FromScratchMLPRegressor(),
        MLPClassifier(),
        MLPRegressor(),
    ],
)
def test_unfitted_estimator_raises(estimator):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(solver="lbfgs", hidden_layer_sizes=(8,), max_iter=5),
        DummyClassifier(),
    ],
)
def test_estimator_without_loss_curve_raises(digits, estimator):
    estimator.fit(*digits)
    name = type(estimator).__name__
    with pytest.raises(ValueError, match=f"{name} has no loss_curve_"):
        LossCurveDisplay.from_estimator(estimator)


def test_figure_saves_as_png(fitted_early_stopping, tmp_path):
    path = tmp_path / "loss_curve.png"

    LossCurveDisplay.from_estimator(fitted_early_stopping).figure_.savefig(path)

    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 1000


def test_import_without_matplotlib(monkeypatch):
    """The module imports without matplotlib; drawing says it is needed."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "skmlp.plotting")
    monkeypatch.delattr(skmlp, "plotting")

    plotting = importlib.import_module("skmlp.plotting")

    with pytest.raises(ImportError, match="LossCurveDisplay.plot requires matplotlib"):
        plotting.LossCurveDisplay(loss_curve=CURVES["loss_curve"]).plot()
