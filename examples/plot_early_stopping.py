"""Early stopping
==============

With ``early_stopping=True``, :class:`~skmlp.FromScratchMLPClassifier` holds out
``validation_fraction`` of the training data, scores it after every epoch, and
stops once the validation accuracy has not improved by ``tol`` for
``n_iter_no_change`` epochs; it then restores the weights of the best epoch.
This example plots the training loss, the validation loss and the validation
accuracy per epoch and marks the best epoch.
"""

# %%
# Train with early stopping
# -------------------------
# ``max_iter`` is only an upper bound here: training stops well before it.

import argparse

import matplotlib.pyplot as plt
import numpy as np

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_digit_images
from skmlp.plotting import LossCurveDisplay

# __doc__ is "" when sphinx-gallery runs us, None under python -OO
parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
parser.add_argument("--data", help="MNIST location (default: sklearn's digits)")
args, _ = parser.parse_known_args()  # sphinx-gallery runs us with its own argv
data = load_digit_images(args.data)

SETTINGS = {
    "digits": dict(hidden_layer_sizes=(100,), batch_size=32, n_iter_no_change=10),
    "MNIST": dict(hidden_layer_sizes=(256,), batch_size=200, n_iter_no_change=5),
}[data.name]

clf = FromScratchMLPClassifier(
    **SETTINGS,
    early_stopping=True,
    validation_fraction=0.2,
    max_iter=200,
    random_state=0,
)
clf.fit(data.X_train, data.y_train)
best_epoch = int(np.argmax(clf.validation_scores_)) + 1  # epochs count from 1
print(f"n_iter_: {clf.n_iter_} epochs")
print(f"best epoch: {best_epoch}")
print(f"best_validation_score_: {clf.best_validation_score_:.4f}")
print(f"test accuracy: {clf.score(data.X_test, data.y_test):.4f}")

# %%
# The training history
# --------------------
# The losses share the left axis, the validation accuracy has its own on the
# right. Training went on past the best epoch until more than
# ``n_iter_no_change`` epochs in a row had brought no improvement of at least
# ``tol``; the fitted model keeps the weights of the best epoch, the first with
# the highest validation score.

fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
display = LossCurveDisplay.from_estimator(
    clf, ax=ax, name=f"Early stopping on {data.name}"
)
best_line = ax.axvline(
    best_epoch,
    color="0.3",
    linestyle=":",
    label=f"Best epoch ({best_epoch}), validation score "
    f"{clf.best_validation_score_:.2%}",
)
# One legend for the display's three lines and ours, below the axes, where it
# hides no curve.
display.score_ax_.get_legend().remove()
fig.legend(
    handles=[
        display.line_,
        display.validation_loss_line_,
        display.score_line_,
        best_line,
    ],
    loc="outside lower center",
    ncols=2,
)

plt.show()
