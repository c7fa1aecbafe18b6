"""Doctests of modules whose optional extra is not installed are not collected."""

from importlib.util import find_spec

collect_ignore = [] if find_spec("skl2onnx") else ["skmlp/onnx.py"]
