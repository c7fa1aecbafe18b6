"""Tests of ``load_mnist``.

Small MNIST look-alikes (5 training and 3 test images of random pixels) are
written in each layout ``load_mnist`` reads: IDX files (plain, gzipped or
mixed, under the original and the mirror names), a CSV pair with and without
header and an ``.npz`` archive. Each must load back to the very arrays
written, as uint8. Damaged files must raise a ``ValueError`` naming the file
and the problem, and the OpenML download is replaced by a fake.
"""

import gzip
import io
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from skmlp import datasets
from skmlp.datasets import load_digit_images, load_mnist

RNG = np.random.default_rng(0)
X_TRAIN = RNG.integers(0, 256, size=(5, 784), dtype=np.uint8)
Y_TRAIN = RNG.integers(0, 10, size=5, dtype=np.uint8)
X_TEST = RNG.integers(0, 256, size=(3, 784), dtype=np.uint8)
Y_TEST = RNG.integers(0, 10, size=3, dtype=np.uint8)
MNIST = (X_TRAIN, Y_TRAIN, X_TEST, Y_TEST)

IMAGES_MAGIC, LABELS_MAGIC = 0x803, 0x801
ORIGINAL_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
MIRROR_NAMES = (
    "train-images.idx3-ubyte",
    "train-labels.idx1-ubyte",
    "t10k-images.idx3-ubyte",
    "t10k-labels.idx1-ubyte",
)
CSV_HEADER = "label," + ",".join(f"{i}x{j}" for i in range(1, 29) for j in range(1, 29))


def idx_bytes(array, magic):
    """An IDX file: big-endian magic number and dimensions, then the bytes."""
    return np.array([magic, *array.shape], dtype=">u4").tobytes() + array.tobytes()


def idx_files(names=ORIGINAL_NAMES, gzipped=(False,) * 4):
    """File name -> content of the IDX layout of ``MNIST``."""
    contents = [
        idx_bytes(X_TRAIN.reshape(-1, 28, 28), IMAGES_MAGIC),
        idx_bytes(Y_TRAIN, LABELS_MAGIC),
        idx_bytes(X_TEST.reshape(-1, 28, 28), IMAGES_MAGIC),
        idx_bytes(Y_TEST, LABELS_MAGIC),
    ]
    return {
        name + ".gz" if gz else name: gzip.compress(content) if gz else content
        for name, content, gz in zip(names, contents, gzipped)
    }


def csv_bytes(X, y, header=None):
    """A CSV file of lines "label,pixel,...", after ``header`` if given."""
    lines = [",".join(map(str, row)) for row in np.column_stack([y, X])]
    return "\n".join([header, *lines] if header else lines).encode() + b"\n"


def csv_files(header=None):
    """File name -> content of the CSV layout of ``MNIST``."""
    return {
        "mnist_train.csv": csv_bytes(X_TRAIN, Y_TRAIN, header),
        "mnist_test.csv": csv_bytes(X_TEST, Y_TEST, header),
    }


def npz_bytes(**arrays):
    """An npz archive of ``arrays``."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


NPZ_ARRAYS = dict(X_train=X_TRAIN, y_train=Y_TRAIN, X_test=X_TEST, y_test=Y_TEST)
NPZ_FILES = {"mnist.npz": npz_bytes(**NPZ_ARRAYS)}


def write_files(folder, files):
    """Write each ``name: content`` of ``files`` into ``folder``."""
    for name, content in files.items():
        (folder / name).write_bytes(content)


def assert_loaded(loaded):
    """Check ``loaded`` is ``MNIST``, with the same shapes and dtype uint8."""
    assert len(loaded) == 4
    for got, expected in zip(loaded, MNIST):
        assert_array_equal(got, expected, strict=True)


@pytest.mark.parametrize(
    "names", [ORIGINAL_NAMES, MIRROR_NAMES], ids=["original", "mirror"]
)
@pytest.mark.parametrize(
    "gzipped",
    [(False,) * 4, (True,) * 4, (True, False, False, True)],
    ids=["plain", "gzip", "mixed"],
)
def test_reads_idx_folder(tmp_path, names, gzipped):
    write_files(tmp_path, idx_files(names, gzipped))
    assert_loaded(load_mnist(tmp_path))


@pytest.mark.parametrize("header", [None, CSV_HEADER], ids=["no header", "header"])
def test_reads_csv_folder(tmp_path, header):
    write_files(tmp_path, csv_files(header))
    assert_loaded(load_mnist(tmp_path))


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float64])
def test_reads_npz_file_as_uint8(tmp_path, dtype):
    arrays = {key: array.astype(dtype) for key, array in NPZ_ARRAYS.items()}
    np.savez(tmp_path / "mnist.npz", **arrays)
    assert_loaded(load_mnist(tmp_path / "mnist.npz"))


def test_path_may_be_a_string_starting_with_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_files(tmp_path, NPZ_FILES)
    assert_loaded(load_mnist("~/mnist.npz"))


def test_as_frame_returns_uint8_frames_and_series(tmp_path):
    write_files(tmp_path, NPZ_FILES)
    loaded = load_mnist(tmp_path / "mnist.npz", as_frame=True)
    for X in loaded[::2]:
        assert isinstance(X, pd.DataFrame)
        assert list(X.columns) == [f"pixel{i}" for i in range(1, 785)]
        assert (X.dtypes == np.uint8).all()
    for y in loaded[1::2]:
        assert isinstance(y, pd.Series)
        assert y.name == "class"
        assert y.dtype == np.uint8
    assert_loaded([frame.to_numpy() for frame in loaded])


def test_as_frame_without_pandas_fails_before_reading(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="as_frame=True requires pandas"):
        load_mnist(tmp_path / "nowhere", as_frame=True)


@pytest.mark.parametrize("pandas_installed", [True, False])
def test_downloads_from_openml_without_path(monkeypatch, pandas_installed):
    if not pandas_installed:
        monkeypatch.setitem(sys.modules, "pandas", None)
    calls = []

    def fake_fetch_openml(name, **kwargs):
        calls.append((name, kwargs))
        X = np.concatenate([X_TRAIN, X_TEST]).astype(np.float64)
        y = np.concatenate([Y_TRAIN, Y_TEST]).astype(str).astype(object)
        return X, y

    monkeypatch.setattr(datasets, "fetch_openml", fake_fetch_openml)
    monkeypatch.setattr(datasets, "_OPENML_N_TRAIN", len(X_TRAIN))
    assert_loaded(load_mnist())
    parser = "auto" if pandas_installed else "liac-arff"
    kwargs = dict(version=1, as_frame=False, parser=parser, return_X_y=True)
    assert calls == [("mnist_784", kwargs)]


IMAGES_28_BY_27 = idx_bytes(X_TRAIN[:, :756].reshape(5, 28, 27), IMAGES_MAGIC)
GZIP_LABELS = gzip.compress(idx_bytes(Y_TRAIN, LABELS_MAGIC))
FLIPPED_GZIP_LABELS = GZIP_LABELS[:12] + bytes(b ^ 0xFF for b in GZIP_LABELS[12:])
CSV_TRAIN = csv_bytes(X_TRAIN, Y_TRAIN)


def idx_files_with(name, content):
    """The plain IDX layout with the file ``name`` holding ``content``."""
    files = idx_files()
    files.pop(name.removesuffix(".gz"))
    return {**files, name: content}


def csv_train_with(value, line, column):
    """``CSV_TRAIN`` with ``value`` at ``line``, ``column`` (counted from 1)."""
    rows = [row.split(b",") for row in CSV_TRAIN.splitlines()]
    rows[line - 1][column - 1] = value
    return b"\n".join(b",".join(row) for row in rows) + b"\n"


def csv_files_with(name, content):
    """The CSV layout with the file ``name`` holding ``content``."""
    return {**csv_files(), name: content}


def npz_files_with(**arrays):
    """The npz layout holding ``arrays``."""
    return {"mnist.npz": npz_bytes(**arrays)}


# path given to load_mnist, files written, path named by the error, problem
ERROR_CASES = {
    "missing folder": ("nowhere", {}, "nowhere", ["no such file or folder"]),
    "nothing recognizable": (
        "",
        {"readme.txt": b"MNIST"},
        "",
        ["train-images-idx3-ubyte or train-images.idx3-ubyte", "mnist_train.csv"],
    ),
    "bad magic number": (
        "",
        idx_files_with(
            "train-images-idx3-ubyte",
            idx_bytes(X_TRAIN.reshape(5, 28, 28), 0x802),
        ),
        "train-images-idx3-ubyte",
        ["bad magic number 0x00000802, expected 0x00000803 for IDX images"],
    ),
    "truncated header": (
        "",
        idx_files_with("t10k-labels-idx1-ubyte", b"\0\0\x08\x01\0\0"),
        "t10k-labels-idx1-ubyte",
        ["6 bytes, too short for the 8-byte header of IDX labels"],
    ),
    "truncated images": (
        "",
        idx_files_with(
            "train-images-idx3-ubyte",
            idx_bytes(X_TRAIN.reshape(5, 28, 28), IMAGES_MAGIC)[:-10],
        ),
        "train-images-idx3-ubyte",
        ["3910 bytes of data after the header, expected 3920", "5 x 28 x 28"],
    ),
    "fewer labels than images": (
        "",
        idx_files_with("t10k-labels-idx1-ubyte", idx_bytes(Y_TEST[:2], LABELS_MAGIC)),
        "t10k-labels-idx1-ubyte",
        ["2 labels, expected one for each of the 3 images"],
    ),
    "28 x 27 images": (
        "",
        idx_files_with("train-images-idx3-ubyte", IMAGES_28_BY_27),
        "train-images-idx3-ubyte",
        ["images of 28 x 27 pixels, expected 28 x 28 = 784"],
    ),
    "not gzip": (
        "",
        idx_files_with("train-labels-idx1-ubyte.gz", b"not gzip"),
        "train-labels-idx1-ubyte.gz",
        ["cannot read it as a gzipped IDX file"],
    ),
    "truncated gzip": (
        "",
        idx_files_with("train-labels-idx1-ubyte.gz", GZIP_LABELS[:-12]),
        "train-labels-idx1-ubyte.gz",
        ["cannot read it as a gzipped IDX file"],
    ),
    "corrupt gzip": (
        "",
        idx_files_with("train-labels-idx1-ubyte.gz", FLIPPED_GZIP_LABELS),
        "train-labels-idx1-ubyte.gz",
        ["cannot read it as a gzipped IDX file"],
    ),
    "CSV of 784 columns": (
        "",
        csv_files_with("mnist_train.csv", csv_bytes(X_TRAIN[:, 1:], Y_TRAIN)),
        "mnist_train.csv",
        ["784 values on each line, expected 785"],
    ),
    "CSV line of 784 columns": (
        "",
        csv_files_with("mnist_test.csv", csv_bytes(X_TEST, Y_TEST) + b"1,2\n"),
        "mnist_test.csv",
        ["line 4 has 2 values, expected 785"],
    ),
    "CSV non-numeric value": (
        "",
        csv_files_with("mnist_train.csv", csv_train_with(b"abc", 2, 2)),
        "mnist_train.csv",
        ["line 2, column 2: 'abc' is not an integer in 0..255"],
    ),
    "CSV value 300": (
        "",
        csv_files_with("mnist_train.csv", csv_train_with(b"300", 1, 1)),
        "mnist_train.csv",
        ["line 1, column 1: '300' is not an integer in 0..255"],
    ),
    "CSV without data": (
        "",
        csv_files_with("mnist_test.csv", CSV_HEADER.encode()),
        "mnist_test.csv",
        ["no data lines"],
    ),
    "npz missing key": (
        "mnist.npz",
        npz_files_with(X_train=X_TRAIN, y_train=Y_TRAIN, X_test=X_TEST),
        "mnist.npz",
        ["no y_test; expected the keys X_train, y_train, X_test, y_test"],
    ),
    "npz of 783 columns": (
        "mnist.npz",
        npz_files_with(**{**NPZ_ARRAYS, "X_train": X_TRAIN[:, 1:]}),
        "mnist.npz",
        ["X_train has shape (5, 783), expected (n_samples, 784)"],
    ),
    "npz label count": (
        "mnist.npz",
        npz_files_with(**{**NPZ_ARRAYS, "y_test": Y_TEST[:2]}),
        "mnist.npz",
        ["y_test has shape (2,), expected (3,)"],
    ),
    "npz value -1": (
        "mnist.npz",
        npz_files_with(**{**NPZ_ARRAYS, "y_train": np.array([-1, *Y_TRAIN[1:]])}),
        "mnist.npz",
        ["y_train[0] = -1 is not an integer in 0..255"],
    ),
    "npz half pixel": (
        "mnist.npz",
        npz_files_with(**{**NPZ_ARRAYS, "X_test": np.r_[X_TEST[:2], X_TEST[2:] / 2]}),
        "mnist.npz",
        ["X_test[2, ", "is not an integer in 0..255"],
    ),
    "npz of strings": (
        "mnist.npz",
        npz_files_with(**{**NPZ_ARRAYS, "y_train": Y_TRAIN.astype("U1")}),
        "mnist.npz",
        ["y_train has dtype <U1, expected integers in 0..255"],
    ),
    "not npz": (
        "mnist.npz",
        {"mnist.npz": b"not a zip archive"},
        "mnist.npz",
        ["cannot read it as an .npz archive (not a zip file)"],
    ),
}


@pytest.mark.parametrize(
    "path, files, culprit, problems", ERROR_CASES.values(), ids=ERROR_CASES.keys()
)
def test_bad_data_raises_value_error_naming_file_and_problem(
    tmp_path, path, files, culprit, problems
):
    write_files(tmp_path, files)
    with pytest.raises(ValueError) as excinfo:
        load_mnist(tmp_path / path)
    message = str(excinfo.value)
    assert message.startswith(f"{tmp_path / culprit}: ")
    for problem in problems:
        assert problem in message


def test_load_digit_images_defaults_to_sklearn_digits():
    data = load_digit_images()
    assert data.image_shape == (8, 8)
    assert data.X_train.dtype == np.float32
    assert 0 <= data.X_train.min() and data.X_train.max() == 1
    assert len(data.X_train) + len(data.X_test) == 1797


def test_load_digit_images_reads_mnist(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mnist.npz"
    arrays = dict(
        X_train=rng.integers(0, 256, (4, 784), dtype=np.uint8),
        y_train=np.arange(4, dtype=np.uint8),
        X_test=rng.integers(0, 256, (2, 784), dtype=np.uint8),
        y_test=np.arange(2, dtype=np.uint8),
    )
    np.savez(path, **arrays)
    data = load_digit_images(path)
    assert data.image_shape == (28, 28) and data.name == "MNIST"
    np.testing.assert_allclose(data.X_test, arrays["X_test"] / 255, rtol=1e-6)
    np.testing.assert_array_equal(data.y_train, arrays["y_train"])
