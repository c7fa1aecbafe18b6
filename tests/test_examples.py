"""Run every example of the gallery (examples/plot_*.py) on bundled data.

The digit examples run on scikit-learn's 8x8 digits (no ``--data``), the
regression example on its diabetes data and generated data.

Each runs as ``__main__`` in this process, as sphinx-gallery runs them, with
matplotlib's non-interactive Agg backend, in a temporary folder; the test
checks that the script succeeds and draws something.
"""

import runpy
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


def test_examples_found():
    assert len(EXAMPLES) >= 7, EXAMPLES
    assert ROOT / "examples" / "plot_regression.py" in EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    plt = pytest.importorskip("matplotlib.pyplot")
    plt.close("all")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script)])  # no --data: bundled data
    # The digits' matrices are too small for BLAS threads to help; on a busy
    # machine their spinning slows these runs down many times over.
    with threadpool_limits(limits=1, user_api="blas"):
        runpy.run_path(str(script), run_name="__main__")
    assert plt.get_fignums(), f"{script.name} drew no figure"
    plt.close("all")
