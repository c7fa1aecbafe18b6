"""Scaling out: a dask cluster for model selection, chunks for big data.

:class:`skmlp.FromScratchMLPClassifier` is used the way scikit-learn's
estimators are scaled beyond one process and beyond memory:

- a grid search runs on a local dask cluster of two worker processes through
  joblib's ``"dask"`` backend, and must give exactly the results of a search
  run in the test process;
- a model trains by ``partial_fit`` on chunks streamed from a read-only
  ``np.memmap`` or from the blocks of a ``dask.array``, and must be as accurate
  as ``fit`` on the whole array in memory.

Notes
-----
Starting the cluster takes a few seconds, so one cluster serves the whole
module. Its workers are spawned processes, which inherit the ``sys.path`` of
the test process: they must import the very ``skmlp`` under test. Every model
is small and trains for a few epochs, so the resulting ``ConvergenceWarning``
is silenced.
"""

import importlib
import logging

import dask
import dask.array as da
import joblib
import numpy as np
import pytest
from dask.distributed import Client, LocalCluster, get_task_stream
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import FromScratchMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_WORKERS = 2
# Seconds a worker may take to start and a client to connect: generous, since
# spawning a process that imports NumPy and scikit-learn is slow on a busy host.
STARTUP_TIMEOUT = 60

# Rows per chunk of the streamed data; the training set holds 8 chunks.
CHUNK_ROWS = 2000
# Both ``fit`` and the streamed ``partial_fit`` passes reach about 0.93 test
# accuracy with these, within 0.004 of each other for random_state 0 to 5.
STREAM_PARAMS = dict(
    hidden_layer_sizes=(64,), learning_rate_init=3e-3, max_iter=10, random_state=0
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of a two-process cluster listening on the loopback interface only."""
    with (
        LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            death_timeout=STARTUP_TIMEOUT,
            local_directory=tmp_path_factory.mktemp("dask-scratch"),
        ) as cluster,
        Client(cluster, timeout=STARTUP_TIMEOUT) as client,
    ):
        client.wait_for_workers(N_WORKERS, timeout=STARTUP_TIMEOUT)
        # A lambda is pickled by value: the workers need not import this module.
        locations = client.run(lambda: importlib.import_module("skmlp").__file__)
        assert locations == dict.fromkeys(locations, skmlp.__file__)
        yield client


@pytest.fixture(scope="module")
def digits():
    """Standardized digits: 1797 samples, 64 features, 10 classes."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def make_search(n_jobs):
    """The grid search of the test, over 4 candidates and 3 folds."""
    return GridSearchCV(
        FromScratchMLPClassifier(
            max_iter=50,
            random_state=0,
            hidden_layer_sizes=(16,),
            learning_rate_init=0.01,
        ),
        param_grid={"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(8,), (16,)]},
        cv=3,
        n_jobs=n_jobs,
    )


@pytest.mark.parametrize("dataset", ["iris", "digits"])
def test_grid_search_on_dask_matches_local(client, request, dataset):
    X, y = request.getfixturevalue(dataset)
    local = make_search(n_jobs=1).fit(X, y)

    with joblib.parallel_backend("dask"), get_task_stream(client=client) as tasks:
        distributed = make_search(n_jobs=-1).fit(X, y)

    workers = set(client.scheduler_info()["workers"])
    assert len(workers) == N_WORKERS
    assert tasks.data, "no task ran on the cluster"
    assert {task["worker"] for task in tasks.data} <= workers
    assert distributed.best_params_ == local.best_params_
    np.testing.assert_allclose(
        distributed.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=0,
    )
    np.testing.assert_array_equal(
        distributed.best_estimator_.predict_proba(X),
        local.best_estimator_.predict_proba(X),
        strict=True,
    )


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    """A 3-class problem with its training features in a read-only float32 memmap.

    Returns ``(X_train, y_train, X_test, y_test)``: ``X_train`` is the memmap,
    16000 x 20 (8 chunks of ``CHUNK_ROWS`` rows); the other arrays are in memory.
    """
    X, y = make_classification(
        n_samples=20000,
        n_features=20,
        n_informative=10,
        n_classes=3,
        random_state=0,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=4000, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    path = tmp_path_factory.mktemp("stream") / "X_train.float32"
    written = np.memmap(path, dtype=np.float32, mode="w+", shape=X_train.shape)
    written[:] = scaler.transform(X_train)
    written.flush()
    del written
    X_train = np.memmap(path, dtype=np.float32, mode="r", shape=X_train.shape)
    return X_train, y_train, scaler.transform(X_test).astype(np.float32), y_test


def partial_fit_passes(chunks, classes):
    """A new model trained by ``partial_fit`` on ``max_iter`` passes over chunks.

    ``chunks`` is a function returning a fresh iterator over ``(X, y)`` pairs.
    """
    model = FromScratchMLPClassifier(**STREAM_PARAMS)
    for _ in range(model.max_iter):
        for X_chunk, y_chunk in chunks():
            model.partial_fit(X_chunk, y_chunk, classes=classes)
    return model


@pytest.fixture(scope="module")
def memmap_model(stream):
    """The model streamed from the memmap, ``CHUNK_ROWS`` rows at a time."""
    X_train, y_train, _, _ = stream

    def chunks():
        for start in range(0, X_train.shape[0], CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            yield X_train[start:stop], y_train[start:stop]

    return partial_fit_passes(chunks, classes=np.unique(y_train))


def test_partial_fit_on_memmap_chunks_matches_fit(stream, memmap_model):
    X_train, y_train, X_test, y_test = stream
    in_memory = FromScratchMLPClassifier(**STREAM_PARAMS).fit(
        np.array(X_train), y_train
    )

    streamed_accuracy = memmap_model.score(X_test, y_test)
    in_memory_accuracy = in_memory.score(X_test, y_test)
    assert memmap_model.coefs_[0].dtype == np.float32
    assert in_memory_accuracy > 0.9
    assert abs(streamed_accuracy - in_memory_accuracy) <= 0.01, (
        streamed_accuracy,
        in_memory_accuracy,
    )


@pytest.mark.parametrize("scheduler", ["synchronous", "threads", "distributed"])
def test_partial_fit_on_dask_blocks_matches_memmap(
    client, stream, memmap_model, scheduler
):
    # The "distributed" scheduler computes the blocks on the client's cluster,
    # shipping the memmap's data with each graph.
    X_train, y_train, _, _ = stream
    X = da.from_array(X_train, chunks=(CHUNK_ROWS, X_train.shape[1]))
    y = da.from_array(y_train, chunks=CHUNK_ROWS)
    assert X.numblocks == (8, 1)

    def chunks():
        for X_block, y_block in zip(X.blocks, y.blocks):
            yield dask.compute(X_block, y_block, scheduler=scheduler)

    model = partial_fit_passes(chunks, classes=np.unique(y_train))

    # The same data in the same order: the very same weights.
    for got, expected in zip(
        model.coefs_ + model.intercepts_,
        memmap_model.coefs_ + memmap_model.intercepts_,
    ):
        np.testing.assert_array_equal(got, expected, strict=True)
