"""Doctests of modules whose optional extra is not installed are not collected."""

from importlib.util import find_spec

EXTRA_MODULES = {"skl2onnx": "skmlp/onnx.py", "numba": "skmlp/_numba_kernels.py"}

collect_ignore = [
    path for module, path in EXTRA_MODULES.items() if not find_spec(module)
]
