"""Misclassified digits
====================

The test images that a trained :class:`~skmlp.FromScratchMLPClassifier` gets
wrong, each titled with its true label and the network's prediction. The most
confident mistakes come first: they are the ones most worth a look, and some of
them are digits a person would misread too.
"""

# %%
# Train a network
# ---------------
# The same network as in the confusion-matrix example: one hidden layer of ReLU
# units trained by Adam.

import argparse
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_digit_images

# __doc__ is "" when sphinx-gallery runs us, None under python -OO
parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
parser.add_argument("--data", help="MNIST location (default: sklearn's digits)")
args, _ = parser.parse_known_args()  # sphinx-gallery runs us with its own argv
data = load_digit_images(args.data)

SETTINGS = {
    "digits": dict(hidden_layer_sizes=(100,), batch_size=32, max_iter=200),
    "MNIST": dict(hidden_layer_sizes=(256,), batch_size=200, max_iter=15),
}[data.name]

clf = FromScratchMLPClassifier(**SETTINGS, random_state=0)
with warnings.catch_warnings():
    # on MNIST, a fixed budget of epochs: stopping at max_iter is intended
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(data.X_train, data.y_train)

# %%
# Find the mistakes
# -----------------
# ``predict_proba`` gives the network's confidence in its prediction; the
# mistakes are sorted by it, most confident first.

proba = clf.predict_proba(data.X_test)
predicted = clf.classes_[proba.argmax(axis=1)]
wrong = np.flatnonzero(predicted != data.y_test)
wrong = wrong[np.argsort(-proba[wrong].max(axis=1), kind="stable")]
print(f"{len(wrong)} of {len(data.y_test)} test images misclassified")

# %%
# Show them
# ---------
# Up to 24 of them, six to a row; the grid shrinks when there are fewer.

n_columns, n_shown = 6, min(24, len(wrong))
n_rows = max(1, math.ceil(n_shown / n_columns))
fig, axes = plt.subplots(
    n_rows, n_columns, figsize=(1.7 * n_columns, 2 * n_rows + 0.6), squeeze=False
)
for ax in axes.flat:
    ax.set_axis_off()
for ax, index in zip(axes.flat, wrong[:n_shown]):
    ax.imshow(data.X_test[index].reshape(data.image_shape), cmap="gray_r")
    ax.set_title(
        f"true {data.y_test[index]} / pred {predicted[index]}\n"
        f"({proba[index].max():.0%} sure)",
        fontsize=9,
    )
if n_shown == 0:
    axes[0, 0].text(0, 0.5, "no misclassified test images", fontsize=12)
fig.suptitle(
    f"Misclassified {data.name} test images, the most confident mistakes first "
    f"({n_shown} of {len(wrong)} shown)"
)
fig.tight_layout()

plt.show()
