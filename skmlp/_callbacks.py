"""Reporting training to scikit-learn's callbacks (``sklearn.callback``, 1.9+)."""

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9 has no callback API

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callbacks to support."""


class EpochCallbacks:
    """Report the fit and each epoch to scikit-learn's callbacks (1.9+).

    Each epoch is a subtask of the fit; at its end the callbacks may ask for a
    ``fitted_estimator`` (a copy with the weights of that epoch) and may ask to
    stop training.
    """

    def __init__(self, estimator, X, y, sample_weight, n_epochs):
        self._estimator = estimator
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        self._hook_kwargs = dict(estimator=estimator, X=X, y=y, metadata=metadata)
        self._fit = estimator._init_callback_context(max_subtasks=n_epochs)
        self._fit.call_on_fit_task_begin(**self._hook_kwargs)
        self._epoch = None

    def _weights(self):
        return {
            "coefs_": [W.copy() for W in self._estimator.coefs_],
            "intercepts_": [b.copy() for b in self._estimator.intercepts_],
        }

    def epoch_begins(self):
        self._epoch = self._fit.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(
            **self._hook_kwargs, reconstruction_attributes=self._weights
        )

    def epoch_ends(self):
        """Return True if a callback asks to stop."""
        return self._epoch.call_on_fit_task_end(
            **self._hook_kwargs, reconstruction_attributes=self._weights
        )

    def fit_ends(self):
        self._fit.call_on_fit_task_end(
            **self._hook_kwargs, reconstruction_attributes=self._weights
        )


class NoCallbacks:
    """What training reports to when scikit-learn has no callback API."""

    def epoch_begins(self):
        pass

    def epoch_ends(self):
        return False

    def fit_ends(self):
        pass
