"""skmlp: a from-scratch NumPy multilayer perceptron, drop-in for scikit-learn's."""

__version__ = "0.2.0"

from ._base import SkmlpVersionWarning  # noqa: E402
from ._classifier import FromScratchMLPClassifier  # noqa: E402

__all__ = ["FromScratchMLPClassifier", "SkmlpVersionWarning", "__version__"]
