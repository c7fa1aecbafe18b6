"""skmlp: from-scratch NumPy multilayer perceptrons, drop-in for scikit-learn's."""

__version__ = "0.3.0"

from ._base import SkmlpVersionWarning  # noqa: E402
from ._classifier import FromScratchMLPClassifier  # noqa: E402
from ._regressor import FromScratchMLPRegressor  # noqa: E402

__all__ = [
    "FromScratchMLPClassifier",
    "FromScratchMLPRegressor",
    "SkmlpVersionWarning",
    "__version__",
]
