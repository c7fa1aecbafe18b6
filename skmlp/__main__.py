"""The demo behind ``python -m skmlp``.

Trains FromScratchMLPClassifier on scikit-learn's bundled digits and prints its
training loss every few epochs, then FromScratchMLPRegressor on the bundled
diabetes data; each is compared with scikit-learn's estimator fitted with the
same parameters (epochs, test score and fit time).
"""

import argparse
import time
import warnings

from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from . import FromScratchMLPClassifier, FromScratchMLPRegressor


def _timed_fits(estimators, X, y):
    """Fit each estimator of ``{name: estimator}``; return ``{name: seconds}``."""
    seconds = {}
    with warnings.catch_warnings():
        # the demo's budget of epochs: stopping at max_iter is expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, estimator in estimators.items():
            start = time.perf_counter()
            estimator.fit(X, y)
            seconds[name] = time.perf_counter() - start
    return seconds


def _print_table(estimators, seconds, X_test, y_test, score_name):
    """One line per estimator: its epochs, test score and fit time."""
    print(f"{'estimator':<32} {'epochs':>6} {score_name:>14} {'fit time':>9}")
    for name, estimator in estimators.items():
        score = estimator.score(X_test, y_test)
        print(
            f"{name:<32} {estimator.n_iter_:>6} {score:>14.4f} {seconds[name]:>8.2f}s"
        )


def _classify_digits(params):
    """The classifier on the 8x8 digits: the loss every tenth of the epochs,
    then the comparison."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test images of "
        f"{X.shape[1]} pixels; parameters {params}"
    )
    estimators = {
        "skmlp.FromScratchMLPClassifier": FromScratchMLPClassifier(**params),
        "sklearn MLPClassifier": MLPClassifier(**params),
    }
    seconds = _timed_fits(estimators, X_train, y_train)
    ours = estimators["skmlp.FromScratchMLPClassifier"]
    every = max(1, ours.n_iter_ // 10)
    for epoch in [*range(every, ours.n_iter_, every), ours.n_iter_]:
        print(f"epoch {epoch:>4}: training loss {ours.loss_curve_[epoch - 1]:.6f}")
    print()
    _print_table(estimators, seconds, X_test, y_test, "test accuracy")


def _regress_diabetes(params):
    """The regressor on the diabetes data, features and target standardized
    (R² is that of the original target), then the comparison."""
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    mean, deviation = y_train.mean(), y_train.std()
    y_train, y_test = (y_train - mean) / deviation, (y_test - mean) / deviation
    # 331 noisy patients: a strong L2 penalty
    params = {**params, "alpha": 10.0}
    print(
        f"diabetes: {X_train.shape[0]} training and {X_test.shape[0]} test patients "
        f"of {X.shape[1]} features, standardized; parameters {params}"
    )
    estimators = {
        "skmlp.FromScratchMLPRegressor": FromScratchMLPRegressor(**params),
        "sklearn MLPRegressor": MLPRegressor(**params),
    }
    seconds = _timed_fits(estimators, X_train, y_train)
    _print_table(estimators, seconds, X_test, y_test, "test R²")


def main(argv=None):
    """Run the demo; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(prog="python -m skmlp", description=__doc__)
    parser.add_argument("--hidden", type=int, nargs="+", default=[100])
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    params = dict(
        hidden_layer_sizes=tuple(args.hidden),
        max_iter=args.max_iter,
        random_state=args.random_state,
    )
    _classify_digits(params)
    print()
    _regress_diabetes(params)


if __name__ == "__main__":
    main()
