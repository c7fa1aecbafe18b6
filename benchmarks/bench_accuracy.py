"""Test accuracy after N epochs on MNIST: skmlp against scikit-learn.

Both estimators get identical parameters and seed; since skmlp draws the same
initial weights and visits the batches in the same order, the two should agree
to rounding. Prints both accuracies, their difference in points, and the
largest relative difference between the two loss curves.

Example::

    python benchmarks/bench_accuracy.py --data PATH/mnist.npz --epochs 10
"""

import argparse
import warnings

import numpy as np
from sklearn.neural_network import MLPClassifier

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_mnist


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="MNIST location (any layout)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, nargs="+", default=[100])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args(argv)

    X_train, y_train, X_test, y_test = load_mnist(args.data)
    scale = np.asarray(255, dtype=args.dtype)
    X_train = X_train.astype(args.dtype) / scale
    X_test = X_test.astype(args.dtype) / scale
    params = dict(
        hidden_layer_sizes=tuple(args.hidden), max_iter=args.epochs, random_state=0
    )
    models = {
        "skmlp": FromScratchMLPClassifier(**params),
        "sklearn": MLPClassifier(**params),
    }
    accuracy = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model in models.items():
            model.fit(X_train, y_train)
            accuracy[name] = model.score(X_test, y_test)
            epochs = model.n_iter_
            print(f"{name:8} test accuracy after {epochs} epochs: {accuracy[name]:.4f}")
    curves = [np.asarray(model.loss_curve_) for model in models.values()]
    print(f"difference: {100 * (accuracy['skmlp'] - accuracy['sklearn']):+.2f} points")
    largest = np.max(np.abs(curves[0] / curves[1] - 1))
    print(f"largest relative loss-curve difference: {largest:.2e}")


if __name__ == "__main__":
    main()
