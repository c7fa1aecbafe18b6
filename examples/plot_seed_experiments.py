"""Four classic "from scratch" experiments, reproduced
====================================================

skmlp grew out of the classic "neural network from scratch on MNIST" write-ups.
This example reproduces four of their experiments, each in a few lines, and sets
our accuracy and fit time beside the published figure: a tiny ReLU network
trained by full-batch gradient descent, the same network with tanh units, one
hidden layer of logistic units trained on mini-batches, and a large logistic
network with a squared-error cost trained one image at a time on 100 images.
It ends with how far a well-chosen configuration goes.

The published figures are MNIST ones (784 inputs). By default this example runs
on scikit-learn's 8x8 digits, where the layer sizes stay the same and only the
input shrinks to 64 pixels; run it on MNIST with
``python examples/plot_seed_experiments.py --data PATH/mnist.npz``.
"""

# %%
# The data
# --------
# The images come as float32 pixels in [0, 1]. Each data set gets its own
# budget of epochs: the 1347 training images of the 8x8 digits are quick to go
# over many times, the 60000 of MNIST are not.

import argparse
import time
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
n_train = data.X_train.shape[0]
print(f"{data.name}: {n_train} training and {data.X_test.shape[0]} test images")

SETTINGS = {
    # full-batch steps of a., mini-batch epochs of c., epochs of d. on its 100
    # images; epochs and Adam's step size of the well-chosen configuration
    "digits": dict(
        full_batch_steps=300,
        mini_batch_epochs=30,
        tiny_epochs=100,
        best_epochs=30,
        best_learning_rate=3e-3,
    ),
    "MNIST": dict(
        full_batch_steps=200,
        mini_batch_epochs=20,
        tiny_epochs=50,
        best_epochs=20,
        best_learning_rate=1e-3,
    ),
}[data.name]

results = []


def run(experiment, published, clf, X=data.X_train, y=data.y_train, on="test"):
    """Fit ``clf`` on ``X, y``, time it, and record its accuracy (in %) on ``on``."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Every experiment trains for a fixed budget, as the originals did, so
        # stopping at max_iter is intended, not a failure to converge.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    seconds = time.perf_counter() - start
    scored = (data.X_test, data.y_test) if on == "test" else (X, y)
    accuracy = 100 * clf.score(*scored)
    results.append(
        dict(
            experiment=experiment,
            published=published,
            on=on,
            accuracy=accuracy,
            seconds=seconds,
        )
    )
    print(f"{experiment}: {on} accuracy {accuracy:.2f}% in {seconds:.1f} s")


# %%
# a. 784-16-16-10 ReLU network, full-batch gradient descent
# ---------------------------------------------------------
# The original, written in Octave, reached 93.2% test accuracy after about four
# hours of plain full-batch gradient descent. We keep the network and the full
# batch (``batch_size`` is the whole training set, so one epoch is one step),
# but add momentum (0.9, Nesterov's, skmlp's default) so that a few hundred
# steps suffice: the originals used plain gradient descent. The loss bumps up
# once early on, which would trip the default stopping rule (no improvement for
# 10 epochs), so ``n_iter_no_change`` lets every step run.

steps = SETTINGS["full_batch_steps"]
clf = FromScratchMLPClassifier(
    (16, 16),
    activation="relu",
    solver="sgd",
    batch_size=n_train,
    momentum=0.9,
    learning_rate_init=0.1,
    max_iter=steps,
    n_iter_no_change=steps,
    random_state=0,
)
run("a. 16-16 ReLU, full-batch GD", 93.2, clf)

# %%
# b. 784-16-16-10 tanh network, 150 full-batch steps
# ---------------------------------------------------
# A NumPy network with tanh units reported 85.9% *training* accuracy after 150
# full-batch steps. Here the 150 steps are plain gradient descent
# (``momentum=0``), as in the original, and we report training accuracy too.

clf = FromScratchMLPClassifier(
    (16, 16),
    activation="tanh",
    solver="sgd",
    batch_size=n_train,
    momentum=0.0,
    learning_rate_init=0.5,
    max_iter=150,
    n_iter_no_change=150,
    random_state=0,
)
run("b. 16-16 tanh, 150 full-batch steps", 85.9, clf, on="training")

# %%
# c. 100 logistic units, L2 and mini-batches
# ------------------------------------------
# One hidden layer of 100 logistic (sigmoid) units, a cross-entropy cost with an
# L2 penalty, and plain stochastic gradient descent on mini-batches of 10
# images: 97.54% test accuracy on MNIST.

clf = FromScratchMLPClassifier(
    (100,),
    activation="logistic",
    solver="sgd",
    alpha=1e-4,
    batch_size=10,
    momentum=0.0,
    learning_rate_init=0.5,
    max_iter=SETTINGS["mini_batch_epochs"],
    random_state=0,
)
run("c. 100 logistic, L2, mini-batches", 97.54, clf)

# %%
# d. 784-500-200-10 logistic network, squared error, 100 images
# --------------------------------------------------------------
# A large logistic network with a squared-error cost, trained one image at a
# time (``batch_size=1``, no momentum, no L2 penalty) on the first 100 training
# images only, then scored on the whole test set: 69% on MNIST. The first 100
# images are not stratified, so some digits have few examples. The squared error
# of saturated sigmoids learns slowly at first: the loss sits at its starting
# plateau for a while before it falls, so again every epoch is run. On MNIST we
# get about 63%, short of the published 69%: trained on 100 images, the result
# hangs on details such as the output units and the initial weights (with some
# seeds, this learning rate never leaves the plateau).

epochs = SETTINGS["tiny_epochs"]
clf = FromScratchMLPClassifier(
    (500, 200),
    activation="logistic",
    loss="squared_error",
    solver="sgd",
    alpha=0.0,
    batch_size=1,
    momentum=0.0,
    learning_rate_init=2.0,
    max_iter=epochs,
    n_iter_no_change=epochs,
    random_state=0,
)
run(
    "d. 500-200 logistic, squared error, 100 images",
    69,
    clf,
    X=data.X_train[:100],
    y=data.y_train[:100],
)

# %%
# Side by side
# ------------
# The published accuracies are on MNIST; ours are on the data this example ran
# on. Only experiment a. published its training time (about four hours); the
# time axis is logarithmic so that it fits beside our seconds.

header = f"skmlp on {data.name}"
print(
    f"{'experiment':48} {'scored on':>9} {'published (MNIST)':>17} "
    f"{header:>16} {'fit seconds':>11}"
)
for r in results:
    print(
        f"{r['experiment']:48} {r['on']:>9} {r['published']:>16g}% "
        f"{r['accuracy']:>15.2f}% {r['seconds']:>11.1f}"
    )

labels = [
    "a. 16-16 ReLU\nfull-batch GD",
    "b. 16-16 tanh\n150 full-batch steps\n(training accuracy)",
    "c. 100 logistic\nL2, mini-batches",
    "d. 500-200 logistic\nsquared error\n100 training images",
]
x = np.arange(len(results))
width = 0.38
published = [r["published"] for r in results]
ours = [r["accuracy"] for r in results]
seconds = [r["seconds"] for r in results]

fig, (ax_accuracy, ax_time) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
bars = ax_accuracy.bar(
    x - width / 2, published, width, label="published (MNIST)", color="0.65"
)
ax_accuracy.bar_label(bars, labels=[f"{p:g}%" for p in published], fontsize=8)
bars = ax_accuracy.bar(
    x + width / 2, ours, width, label=f"skmlp on {data.name}", color="C0"
)
ax_accuracy.bar_label(bars, labels=[f"{a:.1f}%" for a in ours], fontsize=8)
ax_accuracy.set(
    xticks=x,
    yticks=range(0, 101, 20),
    ylim=(0, 125),
    ylabel="accuracy (%)",
    title="Accuracy (test, except b.)",
)
ax_accuracy.set_xticklabels(labels, fontsize=8)
ax_accuracy.legend(loc="upper center", ncols=2)

bars = ax_time.bar(x + width / 2, seconds, width, color="C0", label="skmlp")
ax_time.bar_label(bars, labels=[f"{s:.1f} s" for s in seconds], fontsize=8)
bars = ax_time.bar(
    [x[0] - width / 2], [4 * 3600], width, color="0.65", label="published (Octave)"
)
ax_time.bar_label(bars, labels=["about 4 h"], fontsize=8)
ax_time.set(
    xticks=x,
    yscale="log",
    ylim=(min(seconds) / 5, 10 * 4 * 3600),
    ylabel="fit time (seconds)",
    title="Fit time (only a. published one)",
)
ax_time.set_xticklabels(labels, fontsize=8)
ax_time.legend(loc="upper right")
fig.suptitle(f"The four experiments: published (MNIST) vs skmlp on {data.name}")

# %%
# How far a well-chosen configuration goes
# ----------------------------------------
# The originals used what their authors had written; with the same effort
# spent on choosing the configuration instead, one wide ReLU layer with dropout,
# trained by Adam with a cosine learning-rate schedule, does better than all four
# in a few epochs.

clf = FromScratchMLPClassifier(
    (512,),
    activation="relu",
    dropout=0.2,
    solver="adam",
    learning_rate="cosine",
    learning_rate_init=SETTINGS["best_learning_rate"],
    max_iter=SETTINGS["best_epochs"],
    random_state=0,
)
run("512 ReLU, dropout 0.2, Adam, cosine schedule", None, clf)

plt.show()
