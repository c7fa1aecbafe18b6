"""First-layer weights
===================

What does the first hidden layer look for? Each hidden unit computes a weighted
sum of the pixels, so its incoming weights have the shape of an image: shown as
one, red where a dark stroke raises the unit's input and blue where it lowers
it. Like scikit-learn's "Visualization of MLP weights on MNIST" example, this
trains a small network and draws the weights of its first hidden units.
"""

# %%
# Train a network
# ---------------
# A single hidden layer, trained by SGD with momentum. A stronger L2 penalty
# (``alpha``) than the default gives smoother, more readable weight images.

import argparse
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
    "digits": dict(batch_size=32, max_iter=50),
    "MNIST": dict(batch_size=200, max_iter=10),
}[data.name]

clf = FromScratchMLPClassifier(
    hidden_layer_sizes=(32,),
    solver="sgd",
    learning_rate_init=0.1,
    alpha=1e-3,
    **SETTINGS,
    random_state=0,
)
with warnings.catch_warnings():
    # a fixed budget of epochs: stopping at max_iter is intended
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(data.X_train, data.y_train)
print(f"test accuracy {clf.score(data.X_test, data.y_test):.2%}")

# %%
# The weights, as images
# ----------------------
# ``coefs_[0]`` has one row per pixel and one column per hidden unit. All the
# panels share one colour scale, symmetric about zero, so that white means a
# zero weight everywhere; it ends at the 99th percentile of the weights' sizes,
# so that a few large weights do not wash out all the others.

weights = clf.coefs_[0][:, :32]
vmax = np.percentile(np.abs(weights), 99)
fig, axes = plt.subplots(4, 8, figsize=(10, 5.6), layout="constrained")
for unit, ax in enumerate(axes.flat):
    image = ax.imshow(
        weights[:, unit].reshape(data.image_shape),
        cmap="RdBu_r",
        vmin=-vmax,
        vmax=vmax,
    )
    ax.set_title(f"unit {unit}", fontsize=9)
    ax.set_axis_off()
fig.colorbar(image, ax=axes, shrink=0.8, extend="both", label="weight")
fig.suptitle(f"Incoming weights of the first 32 hidden units ({data.name})")

plt.show()
