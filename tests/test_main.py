"""The demo behind ``python -m skmlp``: the classifier on the digits, then the
regressor on the diabetes data, each compared with scikit-learn's."""

import contextlib
import io

import pytest

from skmlp.__main__ import main


@pytest.fixture(scope="module")
def demo():
    """The demo's lines on a small budget, split at the regressor's header:
    (the classifier's lines, the regressor's)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--max-iter", "30", "--hidden", "16"])
    lines = out.getvalue().splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("diabetes:")]
    assert len(headers) == 1, lines
    assert lines[headers[0] - 1] == "", lines  # a blank line between the two
    return lines[: headers[0] - 1], lines[headers[0] :]


def test_classifier_prints_its_loss_then_the_comparison(demo):
    lines, _ = demo
    assert lines[0].startswith("digits: 1347 training and 450 test images")
    epochs = [line for line in lines if line.startswith("epoch")]
    assert [line.split(":")[0] for line in epochs] == [
        f"epoch {n:>4}" for n in (3, 6, 9, 12, 15, 18, 21, 24, 27, 30)
    ]
    assert lines[-3].split()[2:4] == ["test", "accuracy"]
    assert lines[-2].startswith("skmlp.FromScratchMLPClassifier ")
    assert lines[-1].startswith("sklearn MLPClassifier ")
    ours, theirs = (line.split() for line in lines[-2:])
    # the same seed, the same training: the same epochs and test accuracy
    assert ours[-3:-1] == theirs[-3:-1] == ["30", ours[-2]]
    assert 0 < float(ours[-2]) <= 1


def test_regressor_prints_the_comparison(demo):
    _, lines = demo
    assert lines[0].startswith("diabetes: 331 training and 111 test patients")
    assert "'alpha': 10.0" in lines[0]
    assert len(lines) == 4, lines  # the header, then a three-line table
    assert lines[1].split()[2:4] == ["test", "R²"]
    assert lines[2].startswith("skmlp.FromScratchMLPRegressor ")
    assert lines[3].startswith("sklearn MLPRegressor ")
    ours, theirs = (line.split() for line in lines[2:])
    # the same seed, the same training: the same epochs and test R²
    assert ours[-3:-1] == theirs[-3:-1] == ["30", ours[-2]]
    assert -1 < float(ours[-2]) < 1


@pytest.mark.parametrize("argv", [["--hidden"], ["--max-iter", "zero"]])
def test_demo_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        main(argv)
