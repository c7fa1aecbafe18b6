"""Seconds per training epoch: skmlp against scikit-learn (and PyTorch on CPU).

Fits each contender on the same training data with the same architecture,
Adam and batch size, in alternating rounds in one process, and reports
medians: seconds per epoch, GFLOP/s (an epoch counts as
``6 * n_samples * sum(fan_in * fan_out)`` FLOPs, from the data's number of
features and classes), the in-process NumPy GEMM throughput as the roofline
(measured after every round; the share of it is paired by round too), the
speed-up ratios, the peak memory that ``fit`` adds (NumPy allocations, traced
separately from the timed runs), and the time of ``predict_proba`` on the test
rows (best of three calls per round). Last come the targets of the speed issue
for the configuration, met or not, where it has any.

The data (``--dataset``): ``mnist``, MNIST's 60k training images scaled to
[0, 1], with the 10k test images for ``predict_proba`` (``--data`` says where,
in any layout :func:`skmlp.datasets.load_mnist` reads); or ``tabular``, 60k
rows of :func:`sklearn.datasets.make_classification` (20 features, 10 of them
informative, 3 classes, ``random_state=0``), the first 50k for training and
the last 10k standing in for the test images. ``--max-samples N`` keeps the
first N training rows, for a smoke run that takes seconds.

The contenders: ``skmlp`` (its compiled kernels where numba is installed),
``sklearn``, ``torch`` (if PyTorch is installed), ``skmlp-numpy`` (the same
skmlp fit with ``SKMLP_KERNELS=numpy`` in the environment, so its NumPy
reference kernels; ``--no-numpy-twin`` leaves it out) and ``floor``, which
does only the work that a dense NumPy implementation of the same training
cannot skip (see :func:`numpy_floor`), so that ``sklearn / floor`` bounds the
speed-up over scikit-learn that pure NumPy can show on this machine.

Before the rounds, each contender is fitted once, untimed, on the first
1000 training rows, so that no round pays for lazy imports or for compiling
kernels (numba's, PyTorch's).

A speed-up is the median over rounds of the ratio of the two contenders'
times in that round: runs of one round are seconds apart, so they share the
machine's load, and pairing them cancels most of its drift on a shared
machine. The range over rounds is printed next to it.

With ``--under-load`` only skmlp and scikit-learn run, and each round times
them twice: first on a quiet machine, then while one CPU-bound process (a
pure-Python busy loop in a new interpreter that the benchmark starts just
before and stops just after) takes a core, as another user's job would. Which
of the two goes first alternates every round. It reports each one's median
seconds per epoch quiet and loaded, the slowdown ``loaded / quiet`` paired by
round, and the speed-up over scikit-learn paired by round, quiet and under
load, then the targets of the issue: skmlp slowed down by at most 1.5x, and at
least 2.0x faster than scikit-learn under load.

Examples::

    python benchmarks/bench_epoch.py --data PATH/mnist.npz --hidden 100 --dtype float32
    python benchmarks/bench_epoch.py --dataset tabular --hidden 64 64 --dtype float64
    python benchmarks/bench_epoch.py --data PATH/mnist.npz --under-load
"""

import argparse
import contextlib
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from skmlp import FromScratchMLPClassifier
from skmlp._network import weight_order
from skmlp.datasets import load_mnist

# The speed issue's targets: the least speed-up over each contender, by
# (dataset, hidden layer sizes, dtype).
TARGETS = {
    ("mnist", (100,), "float64"): {"sklearn": 1.7, "torch": 1.0},
    ("mnist", (100,), "float32"): {"sklearn": 2.0, "torch": 1.0},
    ("mnist", (512, 256), "float32"): {"sklearn": 1.5, "torch": 1.0},
    ("tabular", (64, 64), "float64"): {"sklearn": 2.5},
}
TARGET_SLOWDOWN = 1.5  # under load: skmlp at most this much slower than quiet
TARGET_LOADED_SPEED_UP = 2.0  # under load: skmlp at least this much faster
LOAD_SETTLE_SECONDS = 0.2  # the load runs this long before the timing starts
WARM_UP_ROWS = 1000  # the untimed first fit of each contender


def load(path, dtype):
    """MNIST's training and test images scaled to [0, 1], and their labels.

    Parameters
    ----------
    path : str
        Where MNIST is, in any layout ``load_mnist`` reads.
    dtype : type
        The floating-point type of the returned images.

    Returns
    -------
    X_train, y_train, X_test, y_test : tuple of ndarray
        The images, of shape (n, 784), and their labels as int64.
    """
    X_train, y_train, X_test, y_test = load_mnist(path)
    scale = np.asarray(255, dtype=dtype)
    return (
        X_train.astype(dtype) / scale,
        y_train.astype(np.int64),
        X_test.astype(dtype) / scale,
        y_test.astype(np.int64),
    )


def load_tabular(dtype):
    """Generated tabular data: 50k training rows and 10k test rows.

    Parameters
    ----------
    dtype : type
        The floating-point type of the returned rows.

    Returns
    -------
    X_train, y_train, X_test, y_test : tuple of ndarray
        The first 50000 and the last 10000 of 60000 rows of 20 features
        (10 informative) in 3 classes, and their labels.
    """
    X, y = make_classification(
        n_samples=60000,
        n_features=20,
        n_informative=10,
        n_classes=3,
        random_state=0,
    )
    X = X.astype(dtype)
    return X[:50000], y[:50000], X[50000:], y[50000:]


def gemm_gflops(dtype, n=2048, repeats=5):
    """Best-of-``repeats`` throughput of a large square NumPy matrix product.

    Parameters
    ----------
    dtype : type
        The floating-point type of the matrices.
    n : int, default=2048
        Their size.
    repeats : int, default=5
        How many products to time.

    Returns
    -------
    float
        GFLOP/s of the fastest product.
    """
    rng = np.random.default_rng(0)
    A, B = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    C = np.empty((n, n), dtype)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(A, B, out=C)
        seconds.append(time.perf_counter() - start)
    return 2 * n**3 / min(seconds) / 1e9


def _seconds(model, X):
    """Seconds taken by one ``model.predict_proba(X)``."""
    start = time.perf_counter()
    model.predict_proba(X)
    return time.perf_counter() - start


def timed_fit(fit, X, y, epochs):
    """Fit once and time it.

    Parameters
    ----------
    fit : callable
        ``fit(X, y)`` trains a contender for ``epochs`` epochs and returns it.
    X : ndarray of shape (n_samples, n_features)
        The training rows.
    y : ndarray of shape (n_samples,)
        Their labels.
    epochs : int
        The epochs ``fit`` runs.

    Returns
    -------
    seconds : float
        Seconds per epoch.
    model : object
        What ``fit`` returned.
    """
    gc.collect()
    start = time.perf_counter()
    model = fit(X, y)
    return (time.perf_counter() - start) / epochs, model


def sklearn_like(cls, hidden, epochs, batch_size):
    """A fit function for an estimator with scikit-learn's MLP parameters.

    Parameters
    ----------
    cls : type
        ``MLPClassifier`` or ``FromScratchMLPClassifier``.
    hidden : tuple of int
        The hidden layer sizes.
    epochs : int
        ``max_iter``; the convergence warning is silenced.
    batch_size : int
        Rows per batch.

    Returns
    -------
    callable
        ``fit(X, y)``, returning the fitted estimator.
    """

    def fit(X, y):
        model = cls(
            hidden_layer_sizes=hidden,
            max_iter=epochs,
            batch_size=batch_size,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(X, y)

    return fit


def with_kernels(fit, kernels):
    """``fit`` run with ``SKMLP_KERNELS`` set to ``kernels`` while it runs.

    Parameters
    ----------
    fit : callable
        ``fit(X, y)``, as from :func:`sklearn_like`.
    kernels : {"auto", "numpy", "numba"}
        The kernel path skmlp is to take.

    Returns
    -------
    callable
        ``fit(X, y)`` with the variable set; its previous value (or its
        absence) is restored afterwards, even if the fit fails.
    """

    def fit_with_kernels(X, y):
        previous = os.environ.get("SKMLP_KERNELS")
        os.environ["SKMLP_KERNELS"] = kernels
        try:
            return fit(X, y)
        finally:
            if previous is None:
                del os.environ["SKMLP_KERNELS"]
            else:
                os.environ["SKMLP_KERNELS"] = previous

    return fit_with_kernels


def torch_mlp(hidden, epochs, batch_size, dtype):
    """A PyTorch CPU MLP of the same shape, loss and optimizer, or None.

    Parameters
    ----------
    hidden : tuple of int
        The hidden layer sizes.
    epochs : int
        The epochs to train.
    batch_size : int
        Rows per batch.
    dtype : type
        ``np.float32`` or ``np.float64``.

    Returns
    -------
    callable or None
        ``fit(X, y)``, returning an object with ``predict_proba``; None if
        PyTorch is not installed.
    """
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]

    class Fitted:
        def __init__(self, network):
            self.network = network

        def predict_proba(self, X):
            with torch.no_grad():
                logits = self.network(torch.from_numpy(X))
                return torch.softmax(logits, dim=1).numpy()

    def fit(X, y):
        torch.manual_seed(0)
        units = [X.shape[1], *hidden, int(y.max()) + 1]
        layers = []
        for fan_in, fan_out in zip(units[:-1], units[1:]):
            layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
        network = torch.nn.Sequential(*layers[:-1]).to(torch_dtype)
        optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
        loss_function = torch.nn.CrossEntropyLoss()
        X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
        for _ in range(epochs):
            order = torch.randperm(X_t.shape[0])
            for start in range(0, X_t.shape[0], batch_size):
                rows = order[start : start + batch_size]
                optimizer.zero_grad()
                loss = loss_function(network(X_t[rows]), y_t[rows])
                loss.backward()
                optimizer.step()
        return Fitted(network)

    return fit


def numpy_floor(hidden, epochs, batch_size):
    """The work a dense NumPy epoch cannot skip: a lower bound on its time.

    Per batch: gather the shuffled rows into a reused buffer, the matrix
    products of one forward and one backward pass (``a_k W_k``, the weight
    gradient and ``delta W_k^T``) into reused outputs, with the weights laid
    out as skmlp lays them out (``skmlp._network.weight_order``: the faster
    product for the weight gradient), and Adam's step in the ten whole-vector
    ufunc passes its formula takes without fused kernels. No biases,
    activations, loss or penalty; the values never matter, and the weights are
    scaled so that nothing overflows. Its ``predict_proba`` is the products
    alone.

    Parameters
    ----------
    hidden : tuple of int
        The hidden layer sizes.
    epochs : int
        The epochs to run.
    batch_size : int
        Rows per batch.

    Returns
    -------
    callable
        ``fit(X, y)``, returning an object with ``predict_proba``.
    """

    class Fitted:
        def __init__(self, coefs):
            self.coefs = coefs

        def predict_proba(self, X):
            for W in self.coefs:
                X = X @ W
            return X

    def fit(X, y):
        rng = np.random.default_rng(0)
        dtype = X.dtype
        units = [X.shape[1], *hidden, int(y.max()) + 1]
        fans = list(zip(units[:-1], units[1:]))
        sizes = [fan_in * fan_out for fan_in, fan_out in fans]
        params = rng.uniform(-0.01, 0.01, sum(sizes) + sum(units[1:])).astype(dtype)
        grads = np.zeros_like(params)
        m, v = np.zeros_like(params), np.zeros_like(params)
        offsets = np.cumsum([0, *sizes])
        coefs, coef_grads = (
            [
                flat[a:b].reshape(fan, order=weight_order(dtype))
                for a, b, fan in zip(offsets, offsets[1:], fans)
            ]
            for flat in (params, grads)
        )
        X_batch = np.empty((batch_size, X.shape[1]), dtype)
        outputs = [np.empty((batch_size, fan_out), dtype) for _, fan_out in fans]
        deltas = {
            k: np.empty((batch_size, units[k]), dtype) for k in range(1, len(fans))
        }
        order = np.arange(X.shape[0])
        for _ in range(epochs):
            rng.shuffle(order)
            for start in range(0, X.shape[0], batch_size):
                rows = order[start : start + batch_size]
                n = len(rows)
                layers = [np.take(X, rows, axis=0, out=X_batch[:n], mode="clip")]
                for W, out in zip(coefs, outputs):
                    layers.append(np.matmul(layers[-1], W, out=out[:n]))
                delta = layers[-1]
                for k in range(len(coefs) - 1, -1, -1):
                    if coef_grads[k].flags.c_contiguous:
                        np.matmul(layers[k].T, delta, out=coef_grads[k])
                    else:
                        np.matmul(delta.T, layers[k], out=coef_grads[k].T)
                    if k:
                        delta = np.matmul(delta, coefs[k].T, out=deltas[k][:n])
                m *= 0.9
                m += grads
                np.square(grads, out=grads)
                v *= 0.999
                v += grads
                np.sqrt(v, out=grads)
                grads += 1e-8
                np.divide(m, grads, out=grads)
                grads *= 1e-3
                params -= grads
        return Fitted(coefs)

    return fit


def print_ratio(label, numerators, denominators):
    """Print and return the median over rounds of a ratio paired by round.

    Parameters
    ----------
    label : str
        What the ratio is.
    numerators, denominators : list of float
        One time per round each; the ratio of round ``i`` is
        ``numerators[i] / denominators[i]``.

    Returns
    -------
    float
        The median of the ratios; their range is printed beside it.
    """
    ratios = [a / b for a, b in zip(numerators, denominators)]
    median = statistics.median(ratios)
    print(f"{label}: {median:.2f}x (rounds: {min(ratios):.2f}x-{max(ratios):.2f}x)")
    return median


def print_target(label, met):
    """Print whether a target of the issue is met.

    Parameters
    ----------
    label : str
        The target.
    met : bool or None
        Whether it is met; None if it was not measured.
    """
    verdict = "not measured" if met is None else "met" if met else "not met"
    print(f"target: {label}: {verdict}")


def peak_fit_memory(fit, X, y):
    """Peak bytes NumPy allocates during ``fit`` beyond what existed before.

    Parameters
    ----------
    fit : callable
        ``fit(X, y)``.
    X, y : ndarray
        Its arguments.

    Returns
    -------
    int
        The traced peak less the traced memory before the call.
    """
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - baseline


# A new interpreter, not a fork of this one: a forked child shares this
# process's memory copy-on-write, and the fit that runs first after the fork
# paid for copying the pages it wrote (tabular's 0.1 s fit ran 1.6x slower),
# which no other program on the machine would cost it.
BUSY_LOOP = "print('started', flush=True)\nwhile True:\n    pass"


@contextlib.contextmanager
def cpu_load():
    """One CPU-bound process, running throughout the ``with`` block.

    The block starts once the process runs its loop and has run for
    ``LOAD_SETTLE_SECONDS``; the process is killed when the block ends,
    however it ends.

    Yields
    ------
    None
    """
    process = subprocess.Popen(
        [sys.executable, "-c", BUSY_LOOP], stdout=subprocess.PIPE, text=True
    )
    try:
        if process.stdout.readline() != "started\n":
            raise RuntimeError("the load process did not start")
        time.sleep(LOAD_SETTLE_SECONDS)
        yield
    finally:
        process.kill()
        process.wait()
        process.stdout.close()


def compare(fits, X, y, X_test, epochs, rounds, flops, targets):
    """Time every contender in alternating rounds; print the figures and targets.

    Parameters
    ----------
    fits : dict of str to callable
        The contenders' ``fit(X, y)``, with at least ``skmlp``, ``sklearn``
        and ``floor``, timed in this order in every round.
    X : ndarray of shape (n_samples, n_features)
        The training rows.
    y : ndarray of shape (n_samples,)
        Their labels.
    X_test : ndarray of shape (n_test, n_features)
        The rows ``predict_proba`` is timed on.
    epochs : int
        The epochs each fit runs.
    rounds : int
        How many rounds.
    flops : int
        The floating-point operations of one epoch.
    targets : dict of str to float
        The least speed-up of skmlp over each named contender; may be empty.
    """
    epoch_seconds = {name: [] for name in fits}
    predict_seconds = {name: [] for name in fits}
    rooflines = []
    for _ in range(rounds):
        for name, fit in fits.items():
            seconds, model = timed_fit(fit, X, y, epochs)
            epoch_seconds[name].append(seconds)
            predict_seconds[name].append(min(_seconds(model, X_test) for _ in range(3)))
        rooflines.append(gemm_gflops(X.dtype))

    roofline = statistics.median(rooflines)
    print(f"NumPy GEMM roofline: {roofline:.1f} GFLOP/s")
    print(
        f"{'':11} {'s/epoch':>8} {'GFLOP/s':>8} {'% roof':>7} {'predict_proba s':>16}"
    )
    median = {name: statistics.median(times) for name, times in epoch_seconds.items()}
    for name, seconds in median.items():
        gflops = flops / seconds / 1e9
        # the share of the roofline, paired by round like the speed-ups
        share = statistics.median(
            flops / t / 1e9 / roof for t, roof in zip(epoch_seconds[name], rooflines)
        )
        predict = statistics.median(predict_seconds[name])
        print(
            f"{name:11} {seconds:8.3f} {gflops:8.1f} {100 * share:6.1f}% "
            f"{predict:16.4f}"
        )
    ours, floor = epoch_seconds["skmlp"], epoch_seconds["floor"]
    speed_ups = {
        name: print_ratio(f"speed-up vs {name}", epoch_seconds[name], ours)
        for name in fits
        if name not in ("skmlp", "skmlp-numpy", "floor")
    }
    if "skmlp-numpy" in fits:
        twin = epoch_seconds["skmlp-numpy"]
        print_ratio("speed-up of the compiled kernels vs skmlp-numpy", twin, ours)
        print_ratio("skmlp-numpy speed-up vs sklearn", epoch_seconds["sklearn"], twin)
    print_ratio("largest possible vs sklearn", epoch_seconds["sklearn"], floor)
    print_ratio(
        "predict_proba speed-up vs sklearn",
        predict_seconds["sklearn"],
        predict_seconds["skmlp"],
    )
    print_ratio(
        "largest possible predict_proba speed-up vs sklearn",
        predict_seconds["sklearn"],
        predict_seconds["floor"],
    )
    for name in ("skmlp", "sklearn"):
        added = peak_fit_memory(fits[name], X, y)
        print(
            f"peak memory added by {name} fit: {added / 2**20:.1f} MiB "
            f"({added / X.nbytes:.2f}x the size of X)"
        )
    for name, least in targets.items():
        met = speed_ups[name] >= least if name in speed_ups else None
        print_target(f"speed-up vs {name} >= {least:.1f}x", met)


def compare_under_load(fits, X, y, epochs, rounds):
    """Time skmlp and sklearn quiet, then under load; print figures and targets.

    Parameters
    ----------
    fits : dict of str to callable
        ``fit(X, y)`` of ``skmlp`` and ``sklearn``. In every round both are
        timed quiet, then both again while :func:`cpu_load` runs; which goes
        first alternates from round to round.
    X : ndarray of shape (n_samples, n_features)
        The training rows.
    y : ndarray of shape (n_samples,)
        Their labels.
    epochs : int
        The epochs each fit runs.
    rounds : int
        How many rounds.
    """
    quiet = {name: [] for name in fits}
    loaded = {name: [] for name in fits}
    for round_ in range(rounds):
        order = list(fits) if round_ % 2 == 0 else list(fits)[::-1]
        for name in order:
            quiet[name].append(timed_fit(fits[name], X, y, epochs)[0])
        with cpu_load():
            for name in order:
                loaded[name].append(timed_fit(fits[name], X, y, epochs)[0])

    print(f"{'':11} {'quiet s/epoch':>14} {'loaded s/epoch':>15}")
    for name in fits:
        print(
            f"{name:11} {statistics.median(quiet[name]):14.3f} "
            f"{statistics.median(loaded[name]):15.3f}"
        )
    slowdowns = {
        name: print_ratio(f"{name} slowdown under load", loaded[name], quiet[name])
        for name in fits
    }
    print_ratio("speed-up vs sklearn, quiet", quiet["sklearn"], quiet["skmlp"])
    speed_up = print_ratio(
        "speed-up vs sklearn under load", loaded["sklearn"], loaded["skmlp"]
    )
    print_target(
        f"skmlp slowdown under load <= {TARGET_SLOWDOWN:.1f}x",
        slowdowns["skmlp"] <= TARGET_SLOWDOWN,
    )
    print_target(
        f"speed-up vs sklearn under load >= {TARGET_LOADED_SPEED_UP:.1f}x",
        speed_up >= TARGET_LOADED_SPEED_UP,
    )


def main(argv=None):
    """Run the benchmark and print its results.

    Parameters
    ----------
    argv : list of str, default=None
        The command-line arguments; None reads ``sys.argv``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["mnist", "tabular"], default="mnist")
    parser.add_argument(
        "--data", help="MNIST location (any layout); required with --dataset mnist"
    )
    parser.add_argument("--hidden", type=int, nargs="+", default=[100])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument(
        "--max-samples",
        type=int,
        metavar="N",
        help="keep the first N training rows (default: all), for smoke runs",
    )
    parser.add_argument(
        "--no-numpy-twin",
        action="store_true",
        help="leave out skmlp-numpy, skmlp with SKMLP_KERNELS=numpy",
    )
    parser.add_argument(
        "--under-load",
        action="store_true",
        help="time skmlp and sklearn quiet and beside one CPU-bound process",
    )
    args = parser.parse_args(argv)
    if args.dataset == "mnist" and args.data is None:
        parser.error("--data PATH is required with --dataset mnist")
    if args.dataset == "tabular" and args.data is not None:
        parser.error("--data applies to --dataset mnist only")
    if args.max_samples is not None and args.max_samples < 1:
        parser.error("--max-samples must be at least 1")

    dtype = np.dtype(args.dtype).type
    hidden = tuple(args.hidden)
    if args.dataset == "mnist":
        X, y, X_test, _ = load(args.data, dtype)
    else:
        X, y, X_test, _ = load_tabular(dtype)
    X, y = X[: args.max_samples], y[: args.max_samples]
    n_classes = np.unique(y).size
    units = [X.shape[1], *hidden, n_classes]
    flops = 6 * X.shape[0] * sum(a * b for a, b in zip(units[:-1], units[1:]))

    skmlp_fit = sklearn_like(
        FromScratchMLPClassifier, hidden, args.epochs, args.batch_size
    )
    fits = {
        "skmlp": skmlp_fit,
        "sklearn": sklearn_like(MLPClassifier, hidden, args.epochs, args.batch_size),
    }
    print(
        f"{args.dataset} {X.shape[0]} x {X.shape[1]}, {n_classes} classes, "
        f"hidden={hidden}, {args.dtype}, Adam, batch {args.batch_size}; medians of "
        f"{args.rounds} alternating rounds of {args.epochs} epochs"
        + (", quiet and under load" if args.under_load else "")
    )
    if not args.under_load:
        torch_fit = torch_mlp(hidden, args.epochs, args.batch_size, dtype)
        if torch_fit is not None:
            fits["torch"] = torch_fit
        if not args.no_numpy_twin:
            fits["skmlp-numpy"] = with_kernels(skmlp_fit, "numpy")
        fits["floor"] = numpy_floor(hidden, args.epochs, args.batch_size)
    # One untimed fit of each on a few batches, so that no timed round pays
    # for lazy imports or JIT compilation (numba's, PyTorch's).
    for fit in fits.values():
        fit(X[:WARM_UP_ROWS], y[:WARM_UP_ROWS])
    if args.under_load:
        compare_under_load(fits, X, y, args.epochs, args.rounds)
    else:
        targets = TARGETS.get((args.dataset, hidden, args.dtype), {})
        compare(fits, X, y, X_test, args.epochs, args.rounds, flops, targets)


if __name__ == "__main__":
    main()
