"""Plotting of a fitted MLP's training history, in scikit-learn's Display style.

matplotlib is optional: it is imported only when something is drawn.
"""

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._plotting import _validate_style_kwargs
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


class LossCurveDisplay:
    """Loss curve visualization: the training history of an MLP, epoch by epoch.

    Draws the training loss and, when available, the validation loss on one
    y-axis, and the validation score on a twin y-axis, since its scale
    differs. The score is the estimator's: by default the accuracy of a
    classifier and the R² of a regressor, or what its ``scoring`` names. Each
    curve is drawn against its own epochs ``1, ..., len(curve)``.

    Use :meth:`from_estimator` to create one from a fitted
    :class:`~skmlp.FromScratchMLPClassifier` or
    :class:`~skmlp.FromScratchMLPRegressor`, or from scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier` or
    :class:`~sklearn.neural_network.MLPRegressor`. All parameters are stored
    as attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training loss of each epoch.

    validation_loss_curve : array-like of shape (n_epochs,), default=None
        The validation loss of each epoch; None draws no validation loss.

    validation_scores : array-like of shape (n_epochs,), default=None
        The validation score of each epoch (e.g. the accuracy or R²); None
        draws no score and no twin axes.

    estimator_name : str, default=None
        Name of the estimator, used as the title; None draws no title.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss curve.

    validation_loss_line_ : matplotlib Line2D or None
        The validation loss curve, or None when there is no validation loss.

    score_line_ : matplotlib Line2D or None
        The validation score curve, or None when there are no validation scores.

    ax_ : matplotlib Axes
        Axes with the loss curves.

    score_ax_ : matplotlib Axes or None
        Twin axes (sharing the x-axis of `ax_`) with the validation score
        curve, or None when there are no validation scores.

    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    LossCurveDisplay.from_estimator : Plot the loss curve of a fitted estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import FromScratchMLPClassifier
    >>> from skmlp.plotting import LossCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FromScratchMLPClassifier(
    ...     hidden_layer_sizes=(10,), max_iter=5, early_stopping=True,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> display.line_.get_xdata()
    array([1, 2, 3, 4, 5])
    >>> display.score_ax_.get_ylabel()
    'Validation score'
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, loss_kw=None, validation_loss_kw=None, score_kw=None):
        """Plot the visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw the losses on; the validation score goes on a twin of
            it. None creates a new figure and axes.

        loss_kw : dict, default=None
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot` for
            the training loss curve.

        validation_loss_kw : dict, default=None
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot` for
            the validation loss curve.

        score_kw : dict, default=None
            Keyword arguments passed to :meth:`matplotlib.axes.Axes.plot` for
            the validation score curve.

        Returns
        -------
        display : :class:`~skmlp.plotting.LossCurveDisplay`
            The display, with the matplotlib objects stored as attributes.
        """
        check_matplotlib_support(f"{self.__class__.__name__}.plot")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots()

        def draw(axes, curve, default_kw, user_kw):
            """Draw ``curve`` against epochs 1..n on ``axes``; None if no curve."""
            if curve is None:
                return None
            values = np.asarray(curve, dtype=float)
            epochs = np.arange(1, values.shape[0] + 1)
            kwargs = _validate_style_kwargs(default_kw, user_kw or {})
            return axes.plot(epochs, values, **kwargs)[0]

        self.line_ = draw(
            ax, self.loss_curve, {"label": "Training loss", "color": "C0"}, loss_kw
        )
        self.validation_loss_line_ = draw(
            ax,
            self.validation_loss_curve,
            {"label": "Validation loss", "color": "C1"},
            validation_loss_kw,
        )
        ax.set(xlabel="Epoch", ylabel="Loss")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)

        if self.validation_scores is None:
            self.score_ax_, self.score_line_ = None, None
            legend_ax = ax
        else:
            self.score_ax_ = legend_ax = ax.twinx()
            self.score_line_ = draw(
                self.score_ax_,
                self.validation_scores,
                {"label": "Validation score", "color": "C2", "linestyle": "--"},
                score_kw,
            )
            self.score_ax_.set_ylabel("Validation score")

        # One legend for the lines of both axes, on the twin, which is drawn on top.
        # matplotlib's "best" location would avoid only the twin's own line; a
        # falling loss and a rising score usually leave the middle right free.
        lines = [
            line
            for line in (self.line_, self.validation_loss_line_, self.score_line_)
            if line is not None
        ]
        legend_ax.legend(
            handles=lines, loc="best" if legend_ax is ax else "center right"
        )

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the loss curve of a fitted estimator.

        Reads ``loss_curve_``, ``validation_loss_curve_`` (when the estimator
        has it) and ``validation_scores_``.

        Parameters
        ----------
        estimator : estimator instance
            A fitted estimator with a ``loss_curve_`` attribute, such as
            :class:`~skmlp.FromScratchMLPClassifier`,
            :class:`~skmlp.FromScratchMLPRegressor`, or scikit-learn's
            :class:`~sklearn.neural_network.MLPClassifier` or
            :class:`~sklearn.neural_network.MLPRegressor` with a stochastic
            solver ('sgd' or 'adam'). The validation curves (the validation
            loss, and the score: accuracy, R² or what ``scoring`` names) are
            drawn when it was fitted with ``early_stopping=True``.

        ax : matplotlib Axes, default=None
            Axes to draw the losses on. None creates a new figure and axes.

        name : str, default=None
            Name used as the title; None uses the estimator's class name.

        **kwargs : dict
            Keyword arguments passed to :meth:`plot`: ``loss_kw``,
            ``validation_loss_kw`` and ``score_kw``.

        Returns
        -------
        display : :class:`~skmlp.plotting.LossCurveDisplay`
            The display, with the matplotlib objects stored as attributes.

        Raises
        ------
        NotFittedError
            If the estimator is not fitted.

        ValueError
            If the fitted estimator has no ``loss_curve_``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_iris
        >>> from skmlp import FromScratchMLPClassifier
        >>> from skmlp.plotting import LossCurveDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = FromScratchMLPClassifier(
        ...     hidden_layer_sizes=(10,), max_iter=5, early_stopping=True,
        ...     random_state=0,
        ... ).fit(X, y)
        >>> display = LossCurveDisplay.from_estimator(clf)
        >>> len(display.line_.get_xdata())
        5
        >>> display.score_line_.get_label()
        'Validation score'
        >>> display.ax_.get_title()
        'FromScratchMLPClassifier'

        A regressor's validation score is its R²:

        >>> from sklearn.datasets import load_diabetes
        >>> from skmlp import FromScratchMLPRegressor
        >>> X, y = load_diabetes(return_X_y=True)
        >>> reg = FromScratchMLPRegressor(
        ...     max_iter=3, early_stopping=True, random_state=0
        ... ).fit(X, y)
        >>> display = LossCurveDisplay.from_estimator(reg)
        >>> len(display.score_line_.get_ydata()) == reg.n_iter_
        True
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if getattr(estimator, "loss_curve_", None) is None:
            raise ValueError(
                f"{estimator.__class__.__name__} has no loss_curve_: "
                f"{cls.__name__} needs an estimator that records its training loss "
                "per epoch, such as FromScratchMLPClassifier or "
                "FromScratchMLPRegressor, or scikit-learn's MLPClassifier or "
                "MLPRegressor with solver='sgd' or 'adam' (solver='lbfgs' records "
                "none)."
            )
        display = cls(
            loss_curve=estimator.loss_curve_,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            validation_scores=getattr(estimator, "validation_scores_", None),
            estimator_name=estimator.__class__.__name__ if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)
