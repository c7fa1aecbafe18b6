"""Confusion matrix
================

Which digits does the network confuse? This example trains a
:class:`~skmlp.FromScratchMLPClassifier` and draws the confusion matrix of its
test-set predictions with scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay`, which works with it as with any
scikit-learn classifier.
"""

# %%
# Train a network
# ---------------
# One hidden layer of ReLU units trained by Adam; MNIST gets a wider layer and a
# fixed number of epochs, the small 8x8 digits train until the loss stops
# improving.

import argparse
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import ConfusionMatrixDisplay

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
accuracy = clf.score(data.X_test, data.y_test)
print(f"{clf.n_iter_} epochs, test accuracy {accuracy:.2%}")

# %%
# The confusion matrix
# --------------------
# Row ``i``, column ``j`` counts the test images of digit ``i`` that the network
# predicted as ``j``: the diagonal holds the correct predictions, everything off
# it is a mistake.

fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
ConfusionMatrixDisplay.from_estimator(
    clf, data.X_test, data.y_test, ax=ax, cmap="Blues", colorbar=True
)
ax.set_title(
    f"Confusion matrix on the {data.name} test set\n"
    f"{len(data.y_test)} images, {accuracy:.1%} accuracy"
)

plt.show()
