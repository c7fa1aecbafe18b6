"""Seconds per training epoch of a regressor: skmlp against scikit-learn.

Fits ``FromScratchMLPRegressor`` (``skmlp``, its compiled kernels where numba
is installed), scikit-learn's ``MLPRegressor`` (``sklearn``) and the same
skmlp fit with ``SKMLP_KERNELS=numpy`` (``skmlp-numpy``, its NumPy reference
kernels) with the same parameters: hidden (100,), ReLU, Adam, batch 200,
float64, ``random_state=0``, shuffled, ``tol=0`` and ``n_iter_no_change``
past ``--epochs``, so that every fit runs exactly ``--epochs`` epochs. They run
in alternating rounds in one process (the contender that goes first rotates
from round to round), after one untimed warm-up fit each on the first 1000
rows (imports, numba's cache). The timing helpers are ``bench_epoch.py``'s.

The data: 60k rows of :func:`sklearn.datasets.make_regression` (100
features, 10 of them informative, ``noise=NOISE``, ``random_state=0``), the
first 50k for training and the last 10k held out for the test scores;
``--max-samples N`` keeps the first N training rows, for a smoke run.

- ``--loss squared_error``: y is make_regression's, standardized with the
  training rows' mean and standard deviation.
- ``--loss poisson``: counts ``y ~ Poisson(exp(log(MEAN_COUNT) - s**2 / 2 +
  s z))``, where ``z`` is make_regression's noiseless signal ``X @ coef``
  standardized on the training rows and ``s = SIGNAL_SCALE``, so that the
  mean count is ``MEAN_COUNT`` (drawn with ``numpy.random.default_rng(0)``).

It prints, per contender, the median seconds per epoch with the range over
rounds; the speed-up over scikit-learn paired by round (the median over
rounds of the ratio within a round, with its range); the test R² (squared
error) or the test mean Poisson deviance and D² (poisson) of the last round's
model, with the difference from scikit-learn's; and the largest relative
difference between its ``loss_curve_`` and scikit-learn's (with the same seed
the trajectories should be the same up to rounding). Then the peak memory
``fit`` adds (NumPy allocations, traced in separate untimed fits) and the
targets of the issue, met or not: at least 1.7x scikit-learn with squared
error and 1.5x with the Poisson loss, and the test R² (Poisson: D²) within
0.005 of scikit-learn's.

Examples::

    python benchmarks/bench_regression.py --loss both
    python benchmarks/bench_regression.py --loss poisson --rounds 9
    python benchmarks/bench_regression.py --max-samples 2000 --rounds 2
"""

import argparse
import statistics
import warnings

import numpy as np
from bench_epoch import (
    WARM_UP_ROWS,
    peak_fit_memory,
    print_ratio,
    print_target,
    timed_fit,
    with_kernels,
)
from sklearn.datasets import make_regression
from sklearn.metrics import d2_tweedie_score, mean_poisson_deviance, r2_score
from sklearn.neural_network import MLPRegressor

from skmlp import FromScratchMLPRegressor
from skmlp._kernels import get_kernels

TARGET_SPEED_UP = {"squared_error": 1.7, "poisson": 1.5}
TARGET_SCORE_DIFFERENCE = 0.005  # the largest |ΔR²| (Poisson: |ΔD²|) from sklearn's
HIDDEN = (100,)
N_TRAIN, N_TEST, N_FEATURES, N_INFORMATIVE = 50000, 10000, 100, 10
NOISE = 60.0  # make_regression's noise: the best test R² is about 0.87
MEAN_COUNT = 3.0  # Poisson: the mean of the counts
SIGNAL_SCALE = 0.5  # Poisson: the standard deviation of the log of the mean


def make_data(loss):
    """The training and test rows and targets of one loss.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}
        Standardized make_regression targets, or Poisson counts whose log
        mean is linear in X (see the module's docstring).

    Returns
    -------
    X_train, y_train, X_test, y_test : tuple of ndarray
        ``N_TRAIN`` and ``N_TEST`` rows of ``N_FEATURES`` float64 features,
        and float64 targets of shape (n,).
    """
    X, y, coef = make_regression(
        n_samples=N_TRAIN + N_TEST,
        n_features=N_FEATURES,
        n_informative=N_INFORMATIVE,
        noise=NOISE,
        coef=True,
        random_state=0,
    )
    if loss == "squared_error":
        train = y[:N_TRAIN]
        y = (y - train.mean()) / train.std()
    else:
        signal = X @ coef  # (n, 100) @ (100,) -> (n,)
        train = signal[:N_TRAIN]
        z = (signal - train.mean()) / train.std()
        log_mean = np.log(MEAN_COUNT) - SIGNAL_SCALE**2 / 2 + SIGNAL_SCALE * z
        y = np.random.default_rng(0).poisson(np.exp(log_mean)).astype(np.float64)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def regressor_fit(cls, loss, epochs, batch_size):
    """A fit function for a regressor with scikit-learn's MLP parameters.

    Parameters
    ----------
    cls : type
        ``MLPRegressor`` or ``FromScratchMLPRegressor``.
    loss : {"squared_error", "poisson"}
        The loss.
    epochs : int
        ``max_iter``; with ``tol=0`` and ``n_iter_no_change=epochs + 1`` every
        fit runs that many epochs. The convergence warning is silenced.
    batch_size : int
        Rows per batch.

    Returns
    -------
    callable
        ``fit(X, y)``, returning the fitted estimator.
    """

    def fit(X, y):
        model = cls(
            loss=loss,
            hidden_layer_sizes=HIDDEN,
            solver="adam",
            batch_size=batch_size,
            max_iter=epochs,
            shuffle=True,
            random_state=0,
            tol=0.0,
            n_iter_no_change=epochs + 1,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(X, y)

    return fit


def held_out_scores(loss, model, X_test, y_test):
    """The test scores of a fitted model, by name.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}
        Which scores: R², or the mean Poisson deviance and D² (the fraction
        of the deviance of the test mean that the model explains).
    model : object
        A fitted regressor.
    X_test, y_test : ndarray
        The held-out rows and their targets.

    Returns
    -------
    dict of str to float
        ``{"R²": ...}`` or ``{"deviance": ..., "D²": ...}``; the last entry is
        the one the target compares.
    """
    predicted = model.predict(X_test)
    if loss == "squared_error":
        return {"R²": r2_score(y_test, predicted)}
    return {
        "deviance": mean_poisson_deviance(y_test, predicted),
        "D²": d2_tweedie_score(y_test, predicted, power=1),
    }


def bench(loss, args):
    """Time and score the contenders on one loss; print figures and targets.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}
        The loss.
    args : argparse.Namespace
        The command line: ``epochs``, ``rounds``, ``batch_size``,
        ``max_samples``.
    """
    X, y, X_test, y_test = make_data(loss)
    X, y = X[: args.max_samples], y[: args.max_samples]
    skmlp_fit = regressor_fit(
        FromScratchMLPRegressor, loss, args.epochs, args.batch_size
    )
    fits = {
        "skmlp": skmlp_fit,
        "sklearn": regressor_fit(MLPRegressor, loss, args.epochs, args.batch_size),
        "skmlp-numpy": with_kernels(skmlp_fit, "numpy"),
    }
    print(
        f"\n{loss}: make_regression {X.shape[0]} x {X.shape[1]} (test {len(y_test)}, "
        f"mean y {y.mean():.3f}, std {y.std():.3f}), hidden={HIDDEN}, float64, Adam, "
        f"batch {args.batch_size}; skmlp runs the {get_kernels().name} kernels; "
        f"medians of {args.rounds} alternating rounds of {args.epochs} epochs"
    )
    for fit in fits.values():
        fit(X[:WARM_UP_ROWS], y[:WARM_UP_ROWS])

    names = list(fits)
    seconds = {name: [] for name in names}
    models = {}
    for round_ in range(args.rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            time_per_epoch, models[name] = timed_fit(fits[name], X, y, args.epochs)
            if models[name].n_iter_ != args.epochs:
                raise RuntimeError(
                    f"{name} ran {models[name].n_iter_} epochs, not {args.epochs}: "
                    "the comparison per epoch and of the scores needs equal epochs"
                )
            seconds[name].append(time_per_epoch)

    scores = {
        name: held_out_scores(loss, models[name], X_test, y_test) for name in names
    }
    reference = models["sklearn"].loss_curve_
    print(f"{'':12} {'s/epoch (range)':>24}  test scores, curve vs sklearn")
    for name in names:
        times = seconds[name]
        shown = ", ".join(f"{key} {value:.5f}" for key, value in scores[name].items())
        if name == "sklearn":
            against = ""
        else:
            gap = max(
                abs(a - b) / abs(b) for a, b in zip(models[name].loss_curve_, reference)
            )
            key, value = list(scores[name].items())[-1]
            delta = value - scores["sklearn"][key]
            against = f", Δ{key} {delta:+.2e}, loss_curve_ max rel. diff. {gap:.1e}"
        print(
            f"{name:12} {statistics.median(times):8.4f} "
            f"({min(times):.4f}-{max(times):.4f})  {shown}{against}"
        )
    speed_up = print_ratio("speed-up vs sklearn", seconds["sklearn"], seconds["skmlp"])
    print_ratio(
        "speed-up of the compiled kernels vs skmlp-numpy",
        seconds["skmlp-numpy"],
        seconds["skmlp"],
    )
    print_ratio(
        "skmlp-numpy speed-up vs sklearn", seconds["sklearn"], seconds["skmlp-numpy"]
    )
    for name in ("skmlp", "sklearn"):
        added = peak_fit_memory(fits[name], X, y)
        print(
            f"peak memory added by {name} fit: {added / 2**20:.1f} MiB "
            f"({added / X.nbytes:.2f}x the size of X)"
        )
    least = TARGET_SPEED_UP[loss]
    print_target(f"{loss}: speed-up vs sklearn >= {least:.1f}x", speed_up >= least)
    key, value = list(scores["skmlp"].items())[-1]
    print_target(
        f"{loss}: |test {key} - sklearn's| <= {TARGET_SCORE_DIFFERENCE}",
        abs(value - scores["sklearn"][key]) <= TARGET_SCORE_DIFFERENCE,
    )


def main(argv=None):
    """Run the benchmark and print its results.

    Parameters
    ----------
    argv : list of str, default=None
        The command-line arguments; None reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--loss", choices=["squared_error", "poisson", "both"], default="both"
    )
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument(
        "--max-samples",
        type=int,
        metavar="N",
        help="keep the first N training rows (default: all), for smoke runs",
    )
    args = parser.parse_args(argv)
    for name in ("epochs", "rounds", "batch_size", "max_samples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    losses = ["squared_error", "poisson"] if args.loss == "both" else [args.loss]
    for loss in losses:
        bench(loss, args)


if __name__ == "__main__":
    main()
