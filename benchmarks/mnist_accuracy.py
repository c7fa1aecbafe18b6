"""The best skmlp configuration we found for MNIST, trained and scored.

Fits on the 60k training images and scores the 10k test images. The last
line of output reads exactly ``accuracy=0.XXXX fit_seconds=S``.

Example::

    python benchmarks/mnist_accuracy.py --data PATH/mnist.npz
"""

import argparse
import time
import warnings

from sklearn.exceptions import ConvergenceWarning

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_digit_images

# One wide ReLU layer regularized by dropout, Adam with a warm-up and cosine
# decay over a fixed number of epochs (no early stopping: the schedule ends
# the training), float32 throughout.
CONFIG = dict(
    hidden_layer_sizes=(512,),
    dropout=0.25,
    solver="adam",
    learning_rate="cosine",
    learning_rate_init=3e-3,
    max_iter=34,
    n_iter_no_change=34,
    random_state=0,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="MNIST location (any layout)")
    args = parser.parse_args(argv)
    data = load_digit_images(args.data)
    model = FromScratchMLPClassifier(verbose=True, **CONFIG)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The schedule, not convergence, ends the training.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(data.X_train, data.y_train)
    fit_seconds = time.perf_counter() - start
    accuracy = model.score(data.X_test, data.y_test)
    print(f"configuration: {CONFIG}")
    print(f"accuracy={accuracy:.4f} fit_seconds={fit_seconds:.1f}")


if __name__ == "__main__":
    main()
