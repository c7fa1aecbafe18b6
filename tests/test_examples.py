"""Run every example of the gallery (examples/plot_*.py) on the 8x8 digits.

Each runs in its own Python process with matplotlib's non-interactive Agg
backend, in a temporary folder, through a small wrapper that saves the figures
left open at the end; the test checks that the script succeeds and draws
something.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# Run the script as __main__ (its sys.argv is just its own path, so it uses the
# digits), then save every open figure as a PNG in the output folder.
WRAPPER = """
import runpy
import sys
from pathlib import Path

import matplotlib.pyplot as plt

script, out = sys.argv[1], Path(sys.argv[2])
sys.argv = [script]
runpy.run_path(script, run_name="__main__")
for number in plt.get_fignums():
    plt.figure(number).savefig(out / f"{number}.png")
"""


def test_examples_found():
    assert len(EXAMPLES) >= 6, EXAMPLES


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script, tmp_path):
    # PYTHONPATH: the examples import this checkout's skmlp, installed or not.
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": path.rstrip(os.pathsep)}
    # The digits' matrices are too small for BLAS threads to help; on a busy
    # machine their spinning slows these runs down many times over.
    env.update(dict.fromkeys(BLAS_THREADS, "1"))
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(script), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"{script.name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    figures = sorted(tmp_path.glob("*.png"))
    assert figures, f"{script.name} drew no figure:\n{result.stdout[-3000:]}"
