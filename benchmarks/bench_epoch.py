"""Seconds per training epoch: skmlp against scikit-learn (and PyTorch on CPU).

Fits each contender on MNIST's 60k training images with the same
architecture, Adam and batch size, in alternating rounds in one process, and
reports medians: seconds per epoch, GFLOP/s (an epoch counts as
``6 * n_samples * sum(fan_in * fan_out)`` FLOPs), the in-process NumPy GEMM
throughput as the roofline (measured after every round; the share of it is
paired by round too), the speed-up ratios, the peak memory that ``fit`` adds
(NumPy allocations, traced separately from the timed runs), and the time of
``predict_proba`` on the 10k test images (best of three calls per round).

The ``floor`` contender does only the work that a dense NumPy implementation of
the same training cannot skip (see :func:`numpy_floor`), so ``sklearn / floor``
bounds the speed-up over scikit-learn that pure NumPy can show on this machine.

A speed-up is the median over rounds of the ratio of the two contenders'
times in that round: runs of one round are seconds apart, so they share the
machine's load, and pairing them cancels most of its drift on a shared
machine. The range over rounds is printed next to it.

Example::

    python benchmarks/bench_epoch.py --data PATH/mnist.npz --hidden 100 --dtype float32
"""

import argparse
import gc
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.neural_network import MLPClassifier

from skmlp import FromScratchMLPClassifier
from skmlp.datasets import load_mnist


def load(path, dtype):
    X_train, y_train, X_test, y_test = load_mnist(path)
    scale = np.asarray(255, dtype=dtype)
    return (
        X_train.astype(dtype) / scale,
        y_train.astype(np.int64),
        X_test.astype(dtype) / scale,
        y_test.astype(np.int64),
    )


def gemm_gflops(dtype, n=2048, repeats=5):
    """Best-of-``repeats`` throughput of a large square NumPy matrix product."""
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


def sklearn_like(cls, hidden, epochs, batch_size):
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


def torch_mlp(hidden, epochs, batch_size, dtype):
    """A PyTorch CPU MLP of the same shape, loss and optimizer, or None."""
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
    products of one forward and one backward pass (``a_k W_k``, ``a_k^T delta``
    and ``delta W_k^T``) into reused outputs, and Adam's step in the ten
    whole-vector ufunc passes its formula takes without fused kernels. No
    biases, activations, loss or penalty; the values never matter, and the
    weights are scaled so that nothing overflows. Its ``predict_proba`` is the
    products alone.
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
            [flat[a:b].reshape(fan) for a, b, fan in zip(offsets, offsets[1:], fans)]
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
                    np.matmul(layers[k].T, delta, out=coef_grads[k])
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


def print_speed_up(label, peer_seconds, seconds):
    """Median and range over rounds of ``peer / seconds``, paired by round."""
    ratios = [peer / ours for peer, ours in zip(peer_seconds, seconds)]
    print(
        f"{label}: {statistics.median(ratios):.2f}x "
        f"(rounds: {min(ratios):.2f}x-{max(ratios):.2f}x)"
    )


def peak_fit_memory(fit, X, y):
    """Peak bytes NumPy allocates during ``fit`` beyond what existed before."""
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - baseline


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="MNIST location (any layout)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[100])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args(argv)

    dtype = np.dtype(args.dtype).type
    hidden = tuple(args.hidden)
    X, y, X_test, _ = load(args.data, dtype)
    units = [X.shape[1], *hidden, 10]
    flops = 6 * X.shape[0] * sum(a * b for a, b in zip(units[:-1], units[1:]))

    fits = {
        "skmlp": sklearn_like(
            FromScratchMLPClassifier, hidden, args.epochs, args.batch_size
        ),
        "sklearn": sklearn_like(MLPClassifier, hidden, args.epochs, args.batch_size),
    }
    torch_fit = torch_mlp(hidden, args.epochs, args.batch_size, dtype)
    if torch_fit is not None:
        fits["torch"] = torch_fit
    fits["floor"] = numpy_floor(hidden, args.epochs, args.batch_size)

    epoch_seconds = {name: [] for name in fits}
    predict_seconds = {name: [] for name in fits}
    rooflines = []
    for _ in range(args.rounds):
        for name, fit in fits.items():
            gc.collect()
            start = time.perf_counter()
            model = fit(X, y)
            epoch_seconds[name].append((time.perf_counter() - start) / args.epochs)
            predict_seconds[name].append(min(_seconds(model, X_test) for _ in range(3)))
        rooflines.append(gemm_gflops(dtype))

    roofline = statistics.median(rooflines)
    print(
        f"MNIST {X.shape[0]} x {X.shape[1]}, hidden={hidden}, {args.dtype}, Adam, "
        f"batch {args.batch_size}; medians of {args.rounds} alternating rounds of "
        f"{args.epochs} epochs"
    )
    print(f"NumPy GEMM roofline: {roofline:.1f} GFLOP/s")
    print(f"{'':8} {'s/epoch':>8} {'GFLOP/s':>8} {'% roof':>7} {'predict_proba s':>16}")
    median = {name: statistics.median(times) for name, times in epoch_seconds.items()}
    for name, seconds in median.items():
        gflops = flops / seconds / 1e9
        # the share of the roofline, paired by round like the speed-ups
        share = statistics.median(
            flops / t / 1e9 / roof for t, roof in zip(epoch_seconds[name], rooflines)
        )
        predict = statistics.median(predict_seconds[name])
        print(
            f"{name:8} {seconds:8.3f} {gflops:8.1f} {100 * share:6.1f}% {predict:16.4f}"
        )
    ours, floor = epoch_seconds["skmlp"], epoch_seconds["floor"]
    for name in fits:
        if name not in ("skmlp", "floor"):
            print_speed_up(f"speed-up vs {name}", epoch_seconds[name], ours)
    print_speed_up("largest possible vs sklearn", epoch_seconds["sklearn"], floor)
    print_speed_up(
        "predict_proba speed-up vs sklearn",
        predict_seconds["sklearn"],
        predict_seconds["skmlp"],
    )
    print_speed_up(
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


if __name__ == "__main__":
    main()
