"""Streaming partial_fit per call on a large network: skmlp against scikit-learn.

Both estimators get the same parameters and seed (a 784-2000-2000-10 network,
Adam, float64 and ``batch_size="auto"`` by default) and then the same stream of
200-row chunks, one ``partial_fit`` call per chunk, so one batch per call. The
first call of each (``classes=...``, which initializes the network) is not
timed. Then come alternating rounds: in each, skmlp and then scikit-learn (the
other way round every second round) make ``--calls`` calls each on their next
chunks, and the round's time per call is the median of those calls.

Reported: each estimator's median over rounds of its time per call, and the
speed-up, the median over rounds of ``sklearn / skmlp`` within a round (the
calls of one round are seconds apart and share the machine's load), with its
range over rounds; then the peak memory one call allocates (NumPy allocations,
traced with tracemalloc on a few untimed calls right after the first call), in
MB and as a multiple of the size of the weights (``coefs_`` and
``intercepts_``); then the targets of the issue, met or not.

With ``--data``, the chunks are MNIST's training images scaled to [0, 1]
(any layout :func:`skmlp.datasets.load_mnist` reads); without it, generated
data of the same shape (784 features, 10 classes), so that it runs anywhere.

Example::

    python benchmarks/bench_partial_fit.py --data PATH/mnist.npz
"""

import argparse
import gc
import itertools
import statistics
import time
import tracemalloc

import numpy as np
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_mnist

MEMORY_CALLS = 3  # traced partial_fit calls per estimator
TARGET_SPEED_UP = 1.5  # skmlp at least this much faster than scikit-learn per call
TARGET_ALLOCATED = 2.5  # at most this many times the weights' size per call


def load_data(path, dtype):
    """Training rows and labels: MNIST from ``path``, or generated if None.

    Parameters
    ----------
    path : str or None
        Where MNIST is, in any layout ``load_mnist`` reads; None generates
        4000 rows of 784 features in 10 classes instead.
    dtype : {"float32", "float64"}
        The dtype of the returned rows.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        The rows, MNIST's pixels scaled to [0, 1].
    y : ndarray of shape (n_samples,)
        The labels, integers in 0..9.
    name : str
        What the data is, for the printed header.
    """
    if path is None:
        X, y = make_classification(
            n_samples=4000,
            n_features=784,
            n_informative=50,
            n_classes=10,
            random_state=0,
        )
        return X.astype(dtype), y, "generated data"
    X, y, _, _ = load_mnist(path)
    return X.astype(dtype) / np.asarray(255, dtype=dtype), y.astype(np.int64), "MNIST"


def chunk_stream(X, y, size):
    """Consecutive ``size``-row chunks of ``(X, y)``, cycling without end.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows.
    y : ndarray of shape (n_samples,)
        The labels.
    size : int
        Rows per chunk; a last partial chunk is dropped.

    Yields
    ------
    X_chunk, y_chunk : tuple of ndarray
        The next chunk's rows and labels.
    """
    starts = range(0, X.shape[0] - size + 1, size)
    for start in itertools.cycle(starts):
        yield X[start : start + size], y[start : start + size]


def timed_calls(model, stream, n_calls):
    """Median seconds of ``n_calls`` ``partial_fit`` calls on the next chunks.

    Parameters
    ----------
    model : estimator
        A classifier already initialized by a first ``partial_fit`` call.
    stream : iterator of (ndarray, ndarray)
        Where the chunks come from.
    n_calls : int
        How many calls to time.

    Returns
    -------
    float
        The median over the calls of the seconds each took.
    """
    gc.collect()
    seconds = []
    for X_chunk, y_chunk in itertools.islice(stream, n_calls):
        start = time.perf_counter()
        model.partial_fit(X_chunk, y_chunk)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def allocated_per_call(model, stream, n_calls):
    """Median peak bytes that one ``partial_fit`` call allocates, traced.

    Parameters
    ----------
    model : estimator
        A classifier already initialized by a first ``partial_fit`` call.
    stream : iterator of (ndarray, ndarray)
        Where the chunks come from.
    n_calls : int
        How many calls to trace.

    Returns
    -------
    float
        The median over the calls of the peak traced memory during the call
        less the traced memory just before it, in bytes.
    """
    peaks = []
    tracemalloc.start()
    try:
        for X_chunk, y_chunk in itertools.islice(stream, n_calls):
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            model.partial_fit(X_chunk, y_chunk)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    return statistics.median(peaks)


def weights_nbytes(model):
    """Bytes of a fitted model's ``coefs_`` and ``intercepts_``.

    Parameters
    ----------
    model : estimator
        A fitted MLP classifier.

    Returns
    -------
    int
        The sum of the arrays' ``nbytes``.
    """
    return sum(a.nbytes for a in model.coefs_ + model.intercepts_)


def main(argv=None):
    """Run the benchmark and print its results.

    Parameters
    ----------
    argv : list of str, default=None
        The command-line arguments; None reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help="MNIST location (any layout); generated data if omitted"
    )
    parser.add_argument("--hidden", type=int, nargs="+", default=[2000, 2000])
    parser.add_argument("--solver", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--chunk", type=int, default=200, help="rows per call")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=10, help="timed calls per round")
    args = parser.parse_args(argv)

    X, y, data_name = load_data(args.data, args.dtype)
    classes = np.unique(y)
    params = dict(
        hidden_layer_sizes=tuple(args.hidden),
        solver=args.solver,
        batch_size="auto",
        random_state=0,
    )
    models = {
        "skmlp": FromScratchMLPClassifier(**params),
        "sklearn": MLPClassifier(**params),
    }
    # Each estimator reads its own copy of the same stream of chunks.
    streams = {name: chunk_stream(X, y, args.chunk) for name in models}
    for name, model in models.items():
        X_chunk, y_chunk = next(streams[name])
        model.partial_fit(X_chunk, y_chunk, classes=classes)  # initializes; untimed

    allocated = {
        name: allocated_per_call(model, streams[name], MEMORY_CALLS)
        for name, model in models.items()
    }
    weights = {name: weights_nbytes(model) for name, model in models.items()}

    seconds = {name: [] for name in models}
    for round_ in range(args.rounds):
        order = list(models) if round_ % 2 == 0 else list(models)[::-1]
        for name in order:
            seconds[name].append(timed_calls(models[name], streams[name], args.calls))

    units = [X.shape[1], *args.hidden, len(classes)]
    print(
        f"{data_name} {X.shape[0]} x {X.shape[1]}, network "
        f"{'-'.join(map(str, units))}, {args.solver}, {args.dtype}, chunks of "
        f"{args.chunk} rows (batch_size='auto': one batch per call); medians of "
        f"{args.rounds} alternating rounds of {args.calls} calls; weights "
        f"{weights['skmlp'] / 1e6:.1f} MB"
    )
    ours, theirs = seconds["skmlp"], seconds["sklearn"]
    ratios = [sk / us for sk, us in zip(theirs, ours)]
    speed_up = statistics.median(ratios)
    print(
        f"partial_fit per call   skmlp {statistics.median(ours):.3f} s   "
        f"sklearn {statistics.median(theirs):.3f} s   speed-up {speed_up:.2f}x "
        f"({min(ratios):.2f}x-{max(ratios):.2f}x)"
    )
    multiple = {name: allocated[name] / weights[name] for name in models}
    print(
        "allocated per call     "
        + "   ".join(
            f"{name} {allocated[name] / 1e6:.1f} MB ({multiple[name]:.2f}x weights)"
            for name in models
        )
    )
    for label, met in (
        (f"speed-up >= {TARGET_SPEED_UP:.1f}x", speed_up >= TARGET_SPEED_UP),
        (
            f"skmlp allocates <= {TARGET_ALLOCATED}x weights per call",
            multiple["skmlp"] <= TARGET_ALLOCATED,
        ),
    ):
        print(f"target: {label}: {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
