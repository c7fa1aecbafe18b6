"""skmlp: a from-scratch NumPy multilayer perceptron, drop-in for scikit-learn's."""

from ._classifier import FromScratchMLPClassifier

__version__ = "0.1.0"
__all__ = ["FromScratchMLPClassifier", "__version__"]
