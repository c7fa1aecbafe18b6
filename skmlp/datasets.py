"""Load MNIST from IDX files, a CSV pair, an ``.npz`` archive or OpenML.

`load_mnist` returns the original split (60000 training and 10000 test
images) as uint8 pixel rows of length 784 and uint8 labels, exactly as stored.
Each on-disk layout has one small private reader, picked through the
``_LAYOUTS`` table; every problem with a file is reported as a ``ValueError``
that names the file, says what is wrong and what was expected.
"""

import contextlib
import gzip
import math
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import fetch_openml, load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

__all__ = ["load_digit_images", "load_mnist"]

_N_PIXELS = 784  # 28 x 28
_OPENML_N_TRAIN = 60000  # openml's mnist_784 lists the training images first

# IDX magic number (0x08: unsigned bytes, then the number of dimensions),
# number of dimensions, and a name for messages.
_IDX_IMAGES = (0x00000803, 3, "IDX images")
_IDX_LABELS = (0x00000801, 1, "IDX labels")

# The accepted names of the four IDX files: the original site's, then the
# common mirror variant with a "." for the last "-". Either may end in ".gz".
_IDX_FILES = {
    ("train", "images"): ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_CSV_FILES = ("mnist_train.csv", "mnist_test.csv")
_NPZ_KEYS = ("X_train", "y_train", "X_test", "y_test")

# What can go wrong while reading a file, short of its content being invalid.
_READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile)


@contextlib.contextmanager
def _reading(file, expected, errors=_READ_ERRORS):
    """Re-raise ``errors`` met while reading ``file`` as a ValueError naming it."""
    try:
        yield
    except errors as exc:
        raise ValueError(f"{file}: cannot read it as {expected} ({exc})") from exc


def _read_bytes(file):
    """The content of ``file``, decompressed if its name ends in ``.gz``."""
    gzipped = file.suffix == ".gz"
    with _reading(file, "a gzipped IDX file" if gzipped else "an IDX file"):
        with (gzip.open if gzipped else open)(file, "rb") as f:
            return f.read()


def _read_idx(file, magic, ndim, kind):
    """Check an IDX file's header against its size; return its dims and values."""
    data = _read_bytes(file)
    header_size = 4 * (1 + ndim)
    if len(data) < header_size:
        raise ValueError(
            f"{file}: {len(data)} bytes, too short for the {header_size}-byte "
            f"header of {kind}"
        )
    found, *dims = np.frombuffer(data, dtype=">u4", count=1 + ndim).tolist()
    if found != magic:
        raise ValueError(
            f"{file}: bad magic number 0x{found:08x}, expected 0x{magic:08x} for {kind}"
        )
    if len(data) - header_size != math.prod(dims):
        shape = " x ".join(map(str, dims))
        raise ValueError(
            f"{file}: {len(data) - header_size} bytes of data after the header, "
            f"expected {math.prod(dims)} for {kind} of shape {shape}"
        )
    return dims, np.frombuffer(data, dtype=np.uint8)[header_size:].copy()


def _read_idx_split(images_file, labels_file):
    """Read one split's IDX images and labels; return (X, y)."""
    (n_images, rows, cols), pixels = _read_idx(images_file, *_IDX_IMAGES)
    if rows * cols != _N_PIXELS:
        raise ValueError(
            f"{images_file}: images of {rows} x {cols} pixels, "
            f"expected 28 x 28 = {_N_PIXELS}"
        )
    _, labels = _read_idx(labels_file, *_IDX_LABELS)
    if len(labels) != n_images:
        raise ValueError(
            f"{labels_file}: {len(labels)} labels, expected one for each of the "
            f"{n_images} images in {images_file}"
        )
    return pixels.reshape(n_images, _N_PIXELS), labels


def _locate_idx(path):
    """The four IDX files in folder ``path`` by (split, kind), or None."""
    files = {}
    for role, names in _IDX_FILES.items():
        candidates = [path / (name + gz) for name in names for gz in ("", ".gz")]
        files[role] = next((file for file in candidates if file.is_file()), None)
    return None if None in files.values() else files


def _read_idx_folder(files):
    """Read the IDX files found by `_locate_idx`."""
    train = _read_idx_split(files["train", "images"], files["train", "labels"])
    test = _read_idx_split(files["test", "images"], files["test", "labels"])
    return (*train, *test)


def _is_number(text):
    """Whether ``text`` parses as a number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_byte(text):
    """Whether ``text`` is an integer in 0..255."""
    try:
        return 0 <= int(text) <= 255
    except ValueError:
        return False


def _csv_problem(file, n_skipped):
    """Describe the first data line of ``file`` not of 785 bytes 0..255, or None."""
    with open(file, encoding="utf-8-sig", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if number <= n_skipped or not line.strip():
                continue
            values = line.rstrip("\n").split(",")
            if len(values) != 1 + _N_PIXELS:
                return (
                    f"line {number} has {len(values)} values, expected "
                    f"{1 + _N_PIXELS} (a label, then {_N_PIXELS} pixels)"
                )
            for column, value in enumerate(values, start=1):
                if not _is_byte(value):
                    return (
                        f"line {number}, column {column}: {value!r} is not an "
                        "integer in 0..255"
                    )
    return None


def _read_csv_file(file):
    """Read a "label, then 784 pixels" CSV file, with or without header; (X, y)."""
    with _reading(file, "a CSV file"):
        with open(file, encoding="utf-8-sig", errors="replace") as f:
            n_header = 0 if any(map(_is_number, f.readline().split(","))) else 1
        try:
            with warnings.catch_warnings():
                # an empty file is reported below, not as "input contained no data"
                warnings.simplefilter("ignore", UserWarning)
                # int32, then a range check: NumPy < 2 wraps 300 into uint8
                rows = np.loadtxt(
                    file,
                    dtype=np.int32,
                    delimiter=",",
                    comments=None,
                    skiprows=n_header,
                    ndmin=2,
                    encoding="utf-8-sig",
                )
            if rows.size and not 0 <= rows.min() <= rows.max() <= 255:
                raise ValueError("a value outside 0..255")
        except ValueError as exc:
            raise ValueError(f"{file}: {_csv_problem(file, n_header) or exc}") from exc
        rows = rows.astype(np.uint8)
    if len(rows) == 0:
        raise ValueError(
            f"{file}: no data lines, expected lines of a label then {_N_PIXELS} pixels"
        )
    if rows.shape[1] != 1 + _N_PIXELS:
        raise ValueError(
            f"{file}: {rows.shape[1]} values on each line, expected "
            f"{1 + _N_PIXELS} (a label, then {_N_PIXELS} pixels)"
        )
    return np.ascontiguousarray(rows[:, 1:]), rows[:, 0].copy()


def _locate_csv(path):
    """The training and test CSV files in folder ``path``, or None."""
    files = [path / name for name in _CSV_FILES]
    return files if all(file.is_file() for file in files) else None


def _read_csv_folder(files):
    """Read the CSV files found by `_locate_csv`."""
    train_file, test_file = files
    return (*_read_csv_file(train_file), *_read_csv_file(test_file))


def _npz_as_uint8(file, key, array):
    """``array`` as uint8, if all its values are integers in 0..255."""
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind not in "iuf":
        raise ValueError(
            f"{file}: {key} has dtype {array.dtype}, expected integers in 0..255"
        )
    invalid = (array < 0) | (array > 255) | (array != np.round(array))
    if invalid.any():
        index = tuple(np.argwhere(invalid)[0])
        raise ValueError(
            f"{file}: {key}[{', '.join(map(str, index))}] = {array[index]} is not "
            "an integer in 0..255"
        )
    return array.astype(np.uint8)


def _check_npz_split(file, arrays, X_key, y_key):
    """Check the shapes of one split read from an npz archive; return it as uint8."""
    X, y = arrays[X_key], arrays[y_key]
    if X.ndim != 2 or X.shape[1] != _N_PIXELS:
        raise ValueError(
            f"{file}: {X_key} has shape {X.shape}, expected (n_samples, {_N_PIXELS})"
        )
    if y.shape != (len(X),):
        raise ValueError(
            f"{file}: {y_key} has shape {y.shape}, expected ({len(X)},) to match "
            f"the {len(X)} images in {X_key}"
        )
    return _npz_as_uint8(file, X_key, X), _npz_as_uint8(file, y_key, y)


def _locate_npz(path):
    """``path`` if it is an ``.npz`` file, else None."""
    return path if path.is_file() and path.suffix.lower() == ".npz" else None


def _read_npz(file):
    """Read an npz archive with the arrays X_train, y_train, X_test, y_test."""
    with _reading(file, "an .npz archive", _READ_ERRORS + (ValueError,)):
        if not zipfile.is_zipfile(file):
            raise ValueError("not a zip file")
        with np.load(file) as archive:
            found = archive.files
            arrays = {key: archive[key] for key in _NPZ_KEYS if key in found}
    missing = [key for key in _NPZ_KEYS if key not in arrays]
    if missing:
        raise ValueError(
            f"{file}: no {', '.join(missing)}; expected the keys "
            f"{', '.join(_NPZ_KEYS)}, found {', '.join(found) or 'none'}"
        )
    return (
        *_check_npz_split(file, arrays, "X_train", "y_train"),
        *_check_npz_split(file, arrays, "X_test", "y_test"),
    )


def _describe_idx_layout():
    """The IDX layout in words, from ``_IDX_FILES``."""
    names = ", ".join(" or ".join(names) for names in _IDX_FILES.values())
    return f"a folder with the files {names}, each optionally gzipped with a .gz suffix"


# Each on-disk layout: a function returning its files under a path (or None if
# the path is not laid out so), the reader of those files, and a description.
_LAYOUTS = {
    "IDX": (_locate_idx, _read_idx_folder, _describe_idx_layout()),
    "CSV": (_locate_csv, _read_csv_folder, f"a folder with {' and '.join(_CSV_FILES)}"),
    "npz": (
        _locate_npz,
        _read_npz,
        f"an .npz file with the arrays {', '.join(_NPZ_KEYS)}",
    ),
}


def _read_path(path):
    """Read MNIST from whichever layout ``path`` has."""
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    for locate, read, _ in _LAYOUTS.values():
        files = locate(path)
        if files is not None:
            return read(files)
    looked_for = "; ".join(
        f"{name}: {description}" for name, (*_, description) in _LAYOUTS.items()
    )
    raise ValueError(f"{path}: no MNIST data found; looked for {looked_for}")


def _openml_parser():
    """sklearn's fast pandas ARFF parser if pandas is installed, else liac-arff."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        return "liac-arff"
    return "auto"


def _fetch_openml():
    """Download (or read from sklearn's cache) openml's mnist_784 and split it."""
    X, y = fetch_openml(
        "mnist_784",
        version=1,
        as_frame=False,
        parser=_openml_parser(),
        return_X_y=True,
    )
    X, y = X.astype(np.uint8), y.astype(np.uint8)
    n_train = _OPENML_N_TRAIN
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _import_pandas():
    """pandas, or an ImportError saying that as_frame=True needs it."""
    try:
        import pandas
    except ImportError as exc:
        raise ImportError("as_frame=True requires pandas: pip install pandas") from exc
    return pandas


def load_mnist(path=None, *, as_frame=False):
    """Load the MNIST digits in their original training/test split.

    Parameters
    ----------
    path : str, path-like or None, default=None
        Where the data is; ``~`` is expanded. One of

        - a folder with the four IDX files ``train-images-idx3-ubyte``,
          ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
          ``t10k-labels-idx1-ubyte``, or the mirror variants with a ``.``
          for the last ``-`` (``train-images.idx3-ubyte`` ...); each may be
          gzipped with a ``.gz`` suffix. If both a plain and a gzipped copy
          exist, the plain one is read;
        - a folder with ``mnist_train.csv`` and ``mnist_test.csv``, each line
          a label then 784 pixel values, all integers in 0..255. A first line
          with no number in it is taken as a header and skipped;
        - an ``.npz`` file with the arrays ``X_train``, ``y_train``,
          ``X_test`` and ``y_test``; integer or float arrays whose values are
          all integers in 0..255 are converted to uint8.

        The IDX layout is tried first, then the CSV one. ``None`` downloads
        openml's ``mnist_784`` with :func:`sklearn.datasets.fetch_openml`
        (cached in scikit-learn's data home) and takes its first 60000 rows
        for training, the other 10000 for testing.
    as_frame : bool, default=False
        Return pandas objects: the images as DataFrames with the columns
        ``pixel1`` ... ``pixel784`` (openml's names) and the labels as Series
        named ``class``, all of dtype uint8.

    Returns
    -------
    X_train : ndarray of shape (n_train, 784) or DataFrame
        Training images, one row of 28 x 28 uint8 pixels each, unscaled.
    y_train : ndarray of shape (n_train,) or Series
        Training labels 0..9 as uint8.
    X_test : ndarray of shape (n_test, 784) or DataFrame
        Test images.
    y_test : ndarray of shape (n_test,) or Series
        Test labels.

    Raises
    ------
    ValueError
        If ``path`` does not exist, is none of the layouts above, or one of its
        files cannot be read or is invalid (bad IDX magic number, size not
        matching the header, images not 28 x 28, as many labels as images
        not given, a CSV line not of 785 integers in 0..255, an npz key
        missing or of the wrong shape). The message names the file.
    ImportError
        If ``as_frame=True`` and pandas is not installed.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import numpy as np
    >>> from skmlp.datasets import load_mnist
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "mnist.npz")
    ...     np.savez(
    ...         path,
    ...         X_train=rng.integers(0, 256, size=(5, 784), dtype=np.uint8),
    ...         y_train=np.array([5, 0, 4, 1, 9], dtype=np.uint8),
    ...         X_test=rng.integers(0, 256, size=(3, 784), dtype=np.uint8),
    ...         y_test=np.array([7, 2, 1], dtype=np.uint8),
    ...     )
    ...     X_train, y_train, X_test, y_test = load_mnist(path)
    >>> X_train.shape, y_train.shape, X_test.shape, y_test.shape
    ((5, 784), (5,), (3, 784), (3,))
    >>> X_train.dtype, y_train
    (dtype('uint8'), array([5, 0, 4, 1, 9], dtype=uint8))

    Scale the pixels before fitting:

    >>> X_train, y_train, X_test, y_test = load_mnist("~/data/mnist")  # doctest: +SKIP
    >>> X_train = X_train / np.float32(255)  # doctest: +SKIP
    """
    pandas = _import_pandas() if as_frame else None
    arrays = _fetch_openml() if path is None else _read_path(Path(path).expanduser())
    if pandas is None:
        return arrays
    X_train, y_train, X_test, y_test = arrays
    columns = [f"pixel{i}" for i in range(1, _N_PIXELS + 1)]
    return (
        pandas.DataFrame(X_train, columns=columns),
        pandas.Series(y_train, name="class"),
        pandas.DataFrame(X_test, columns=columns),
        pandas.Series(y_test, name="class"),
    )


def load_digit_images(path=None):
    """Handwritten digits, scaled to [0, 1]: MNIST from ``path``, else sklearn's.

    The data of skmlp's examples: they run on scikit-learn's bundled 8 x 8
    digits by default, and on MNIST when given its location.

    Parameters
    ----------
    path : str, path-like or None, default=None
        Where MNIST is, in any layout :func:`load_mnist` reads; ``None`` uses
        :func:`sklearn.datasets.load_digits`, split 75% / 25% (stratified,
        ``random_state=0``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X_train``, ``X_test`` (float32 in [0, 1]), ``y_train``, ``y_test``,
        ``image_shape`` (``(8, 8)`` or ``(28, 28)``) and ``name``.

    Examples
    --------
    >>> from skmlp.datasets import load_digit_images
    >>> data = load_digit_images()
    >>> data.name, data.image_shape, data.X_train.shape, data.X_test.shape
    ('digits', (8, 8), (1347, 64), (450, 64))
    """
    if path is None:
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0
        )
        scale, image_shape, name = 16, (8, 8), "digits"
    else:
        X_train, y_train, X_test, y_test = load_mnist(path)
        scale, image_shape, name = 255, (28, 28), "MNIST"
    return Bunch(
        X_train=X_train.astype(np.float32) / np.float32(scale),
        y_train=y_train,
        X_test=X_test.astype(np.float32) / np.float32(scale),
        y_test=y_test,
        image_shape=image_shape,
        name=name,
    )
