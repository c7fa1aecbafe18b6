"""The demo behind ``python -m skmlp``.

Trains FromScratchMLPClassifier on scikit-learn's bundled digits, then prints
its training loss every few epochs and compares its test accuracy and fit time
with scikit-learn's MLPClassifier fitted with the same parameters.
"""

import argparse
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from . import FromScratchMLPClassifier


def _timed_fit(estimator, X, y):
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def main(argv=None):
    """Run the digits demo; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(prog="python -m skmlp", description=__doc__)
    parser.add_argument("--hidden", type=int, nargs="+", default=[100])
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    params = dict(
        hidden_layer_sizes=tuple(args.hidden),
        max_iter=args.max_iter,
        random_state=args.random_state,
    )
    print(
        f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test images of "
        f"{X.shape[1]} pixels; parameters {params}"
    )
    ours = FromScratchMLPClassifier(**params)
    theirs = MLPClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seconds = {
            "skmlp.FromScratchMLPClassifier": _timed_fit(ours, X_train, y_train),
            "sklearn MLPClassifier": _timed_fit(theirs, X_train, y_train),
        }
    every = max(1, ours.n_iter_ // 10)
    for epoch in [*range(every, ours.n_iter_, every), ours.n_iter_]:
        print(f"epoch {epoch:>4}: training loss {ours.loss_curve_[epoch - 1]:.6f}")
    print(f"\n{'estimator':<32} {'epochs':>6} {'test accuracy':>14} {'fit time':>9}")
    for (name, fit_seconds), model in zip(seconds.items(), (ours, theirs)):
        accuracy = model.score(X_test, y_test)
        print(f"{name:<32} {model.n_iter_:>6} {accuracy:>14.4f} {fit_seconds:>8.2f}s")


if __name__ == "__main__":
    main()
