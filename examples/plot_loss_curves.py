"""Loss curves
===========

Every fitted :class:`~skmlp.FromScratchMLPClassifier` records its training loss
per epoch in ``loss_curve_``; :class:`~skmlp.plotting.LossCurveDisplay` draws it.
This example compares three optimizers on the same network: Adam, stochastic
gradient descent with momentum at a constant learning rate, and the same SGD with
a cosine learning-rate schedule. It then fits one model with early stopping,
whose held-out validation loss and validation accuracy are drawn too.
"""

# %%
# The data and the settings
# -------------------------
# The settings depend on the data: the 1347 training images of the 8x8 digits
# make only a few batches of the default size (200), so there we take batches of
# 32 and more epochs; MNIST's 60000 images make 300 batches per epoch.

import argparse
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_digit_images
from skmlp.plotting import LossCurveDisplay

# __doc__ is "" when sphinx-gallery runs us, None under python -OO
parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
parser.add_argument("--data", help="MNIST location (default: sklearn's digits)")
args, _ = parser.parse_known_args()  # sphinx-gallery runs us with its own argv
data = load_digit_images(args.data)

SETTINGS = {
    "digits": dict(hidden_layer_sizes=(100,), batch_size=32, max_iter=50),
    "MNIST": dict(hidden_layer_sizes=(100,), batch_size=200, max_iter=15),
}[data.name]

# %%
# Three optimizers
# ----------------
# Each one trains for the same number of epochs from the same initial weights
# (``random_state=0``). SGD needs a much larger step size than Adam's default.
# The cosine schedule warms the step size up over the first 5% of the steps,
# then lets it decay towards zero by the last epoch; as it gets there the loss
# stops improving, and the default stopping rule (``tol``, ``n_iter_no_change``)
# may end that run an epoch or so early.

optimizers = {
    "Adam": dict(solver="adam", learning_rate_init=1e-3),
    "SGD, constant learning rate": dict(solver="sgd", learning_rate_init=0.1),
    "SGD, cosine schedule": dict(
        solver="sgd", learning_rate_init=0.1, learning_rate="cosine"
    ),
}
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for (name, params), color in zip(optimizers.items(), ["C0", "C1", "C2"]):
    clf = FromScratchMLPClassifier(**SETTINGS, **params, random_state=0)
    with warnings.catch_warnings():
        # a fixed budget of epochs: stopping at max_iter is intended
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(data.X_train, data.y_train)
    accuracy = clf.score(data.X_test, data.y_test)
    print(f"{name}: {clf.n_iter_} epochs, test accuracy {accuracy:.2%}")
    LossCurveDisplay.from_estimator(
        clf, ax=ax, loss_kw=dict(label=f"{name} ({accuracy:.1%})", color=color)
    )
ax.set_yscale("log")
ax.set_title(f"Training loss on {data.name} (test accuracy in brackets)")
ax.legend()

# %%
# With early stopping
# -------------------
# ``early_stopping=True`` holds out ``validation_fraction`` of the training
# data and scores it after every epoch; the display then draws the validation
# loss beside the training loss, and the validation accuracy on its own axis.

clf = FromScratchMLPClassifier(
    **SETTINGS, early_stopping=True, validation_fraction=0.1, random_state=0
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(data.X_train, data.y_train)
print(
    f"early stopping: {clf.n_iter_} epochs, best validation accuracy "
    f"{clf.best_validation_score_:.2%}, "
    f"test accuracy {clf.score(data.X_test, data.y_test):.2%}"
)
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
LossCurveDisplay.from_estimator(
    clf, ax=ax, name=f"Adam with early stopping on {data.name}"
)

plt.show()
