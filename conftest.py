"""Doctests of modules whose optional extra is not installed are not collected,
and the generated suites' hypothesis profiles: ``ci`` by default, ``slow``
with ``pytest --slow``."""

from importlib.util import find_spec

from hypothesis import HealthCheck, settings

EXTRA_MODULES = {"skl2onnx": "skmlp/onnx.py", "numba": "skmlp/_numba_kernels.py"}

collect_ignore = [
    path for module, path in EXTRA_MODULES.items() if not find_spec(module)
]

# Derandomized, without an example database: every run checks the same cases.
settings.register_profile(
    "ci",
    max_examples=40,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "slow", settings.get_profile("ci"), max_examples=1000, stateful_step_count=30
)


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="run the generated suites (test_fuzz.py, test_stateful.py) with many "
        "more examples",
    )


def pytest_configure(config):
    settings.load_profile("slow" if config.getoption("--slow") else "ci")
