"""FromScratchMLPRegressor: scikit-learn's API over our own NumPy network.

Parameters, ``fit`` / ``partial_fit`` / ``predict`` and tags; the training is
``BaseMultilayerPerceptron``'s (``_base``), the targets the ``Continuous``
kind's (``_targets``).
"""

from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from ._base import BaseMultilayerPerceptron
from ._targets import read_values


class FromScratchMLPRegressor(RegressorMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron regressor trained by our own NumPy backprop.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`,
    with the parameters, methods and differences of
    :class:`~skmlp.FromScratchMLPClassifier` that apply to regression, and:

    - the squared error of ``k`` outputs is summed over them, as its gradient
      is in both libraries (scikit-learn reports the mean, ``1 / k`` of what
      it trains on, which L-BFGS then fails to minimize);
    - ``loss='poisson'`` refuses a negative ``y``, and outputs ``exp(z)`` too
      large for the dtype are reported, in training and prediction.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Half the squared error of an identity output, or half the Poisson
        deviance of an exp output (a log link; needs ``y >= 0``).
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        Full-batch L-BFGS, mini-batch SGD with momentum, or Adam.
    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights, divided by the sum of the
        sample weights of the batch.
    batch_size : int or 'auto', default='auto'
        Size of the mini-batches; 'auto' means ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
            default='constant'
        Learning-rate schedule, as in :class:`~skmlp.FromScratchMLPClassifier`.
    learning_rate_init : float, default=0.001
        The initial learning rate.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs (L-BFGS: iterations).
    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the validation split, the shuffles and dropout.
    tol : float, default=1e-4
        The improvement of the loss (or validation score) that counts.
    verbose : bool, default=False
        Whether to print one line of progress per epoch.
    warm_start : bool, default=False
        Whether ``fit`` continues from the previous solution.
    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1].
    nesterovs_momentum : bool, default=True
        Whether ``solver='sgd'`` uses Nesterov's momentum.
    early_stopping : bool, default=False
        Whether ``fit`` holds out ``validation_fraction`` of the data (or takes
        ``X_val``, ``y_val``) and stops when the validation score stops
        improving, keeping the weights of the best epoch.
    validation_fraction : float, default=0.1
        The fraction of the training data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of the moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical stability constant.
    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver='lbfgs'``.
    dropout : float, default=0.0
        Probability of dropping each hidden unit in training (inverted
        dropout), in [0, 1).
    scoring : str, callable or None, default=None
        The validation score early stopping maximizes: None for R² (as
        scikit-learn), ``'loss'`` for the negated validation loss, or any
        scorer accepted by :func:`sklearn.metrics.check_scoring`.

    Attributes
    ----------
    loss_, best_loss_, loss_curve_, validation_scores_, \
validation_loss_curve_, best_validation_score_, t_, n_iter_
        The history of training, as in
        :class:`~skmlp.FromScratchMLPClassifier`; each curve has ``n_iter_``
        entries.
    coefs_, intercepts_ : list of ndarray
        The weight matrix and bias vector of each layer.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when they are all strings.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs (columns of ``y``).
    out_activation_ : str
        'identity' (squared error) or 'exp' (Poisson).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The estimator this one replaces.
    FromScratchMLPClassifier : Its classifier twin.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skmlp import FromScratchMLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=10, random_state=1)
    >>> reg = FromScratchMLPRegressor(max_iter=2000, tol=0.1, random_state=1)
    >>> reg.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> round(reg.score(X, y), 2)
    1.0
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        scoring=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.scoring = scoring

    @available_if(lambda est: est._check_stochastic_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict the targets of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values; a vector for a model of one output.
        """
        Z = self._checked_logits(X)
        return self._target.decode(Z)

    def _read_target(self, y, sample_weight, *, fitted_target, incremental):
        """The values' target kind (see ``_targets.read_values``); no class
        weights."""
        return read_values(y, self.loss, fitted_target), None

    def _validation_score(self, y_true, y_pred, sample_weight):
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
