"""Shared fixtures; also turns on SciPy's array API mode so that scikit-learn's
array API check runs instead of being skipped (it must be set before SciPy is
imported)."""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
