"""FromScratchMLPClassifier: scikit-learn's API over our own NumPy network.

Parameters, ``fit`` / ``partial_fit`` / ``predict*``, fitted attributes and
tags; the training itself is ``BaseMultilayerPerceptron``'s (``_base``), and
the target handling that of the target kinds (``_targets``).
"""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from ._base import BaseMultilayerPerceptron
from ._targets import read_labels


class FromScratchMLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron classifier trained by our own NumPy backprop.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, defaults, methods and fitted attributes, with these
    differences where scikit-learn's estimator is wrong:

    - ``predict_log_proba`` uses a log-softmax / log-sigmoid of the logits, so it
      is finite even for very confident networks;
    - a single-class ``y`` predicts that class and ``predict_proba`` has exactly
      ``len(classes_)`` columns;
    - with ``early_stopping=True``, data too small to split trains without a
      validation set (with a warning), and ``partial_fit`` trains on the given
      batch (early stopping applies to ``fit``);
    - training that diverges stops at once with a ``ValueError`` that names the
      cause;
    - a call that fails, before or while training, is undone entirely: a new
      model stays unfitted, a fitted one keeps its state;
    - each ``fit`` has a history of its own (every curve has ``n_iter_``
      entries), which ``partial_fit`` extends;
    - hyper-parameters changed between ``partial_fit`` calls act on the next
      call.

    It also has what scikit-learn's users have asked for: ``dropout``, a
    ``'cosine'`` learning-rate schedule for both solvers, a ``'squared_error'``
    loss, the validation loss per epoch, and scikit-learn's callbacks
    (``set_callbacks``, scikit-learn 1.9+) with one task per epoch.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The optimizer: full-batch L-BFGS (scipy.optimize's L-BFGS-B, often the
        better choice for small data sets), mini-batch stochastic gradient
        descent with momentum, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), divided by
        the sum of the sample weights of the batch when added to the loss.

    batch_size : int or 'auto', default='auto'
        Size of the mini-batches; 'auto' means ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
            default='constant'
        Learning-rate schedule: constant; divided by ``t ** power_t`` after
        each epoch (``t`` samples seen, ``solver='sgd'`` only); divided by 5
        each time ``n_iter_no_change`` epochs fail to improve by ``tol``
        (``solver='sgd'`` only); or 'cosine', for both solvers: a linear
        warm-up over the first 5% of the steps of ``max_iter`` epochs, then a
        cosine decay towards 0 (with ``partial_fit``, over ``max_iter`` calls).

    learning_rate_init : float, default=0.001
        The initial learning rate.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs.

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialization, the validation split and the shuffles.
        Pass an int for reproducible results.

    tol : float, default=1e-4
        Training stops when the loss (or the validation score with early
        stopping) fails to improve by ``tol`` for ``n_iter_no_change`` epochs.

    verbose : bool, default=False
        Whether to print one line of progress per epoch.

    warm_start : bool, default=False
        Whether ``fit`` continues from the previous solution.

    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether ``solver='sgd'`` uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether ``fit`` holds out a stratified ``validation_fraction`` of the
        data (or takes ``X_val``, ``y_val``) and stops when the validation
        score (see ``scoring``) stops improving; the weights of the best epoch
        are restored at the end.

    validation_fraction : float, default=0.1
        The fraction of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of ``solver='lbfgs'``; unused by the
        stochastic solvers.

    loss : {'log_loss', 'squared_error'}, default='log_loss'
        The training loss: the cross-entropy of the softmax (or logistic)
        outputs, or half the sum of squared differences between the output
        probabilities and the one-hot targets.

    dropout : float, default=0.0
        Probability of dropping each hidden unit during training (inverted
        dropout: the kept units are scaled by ``1 / (1 - dropout)``, and
        prediction uses the whole network). In [0, 1).

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplying ``sample_weight``: a dict
        ``{class: weight}``, or 'balanced' to weigh each class by
        ``W / (n_classes * W_c)``, with ``W_c`` the total sample weight of
        class ``c``. For multilabel targets, 'balanced' or a list of one dict
        ``{0: w0, 1: w1}`` per label; a sample's weight is the product over
        its labels.

    scoring : str, callable or None, default=None
        The validation score early stopping maximizes: None for the accuracy
        (scikit-learn's behaviour), ``'loss'`` for the negated mean validation
        loss, or any scorer name or callable accepted by
        :func:`sklearn.metrics.check_scoring`, e.g. ``'balanced_accuracy'``
        for imbalanced classes or ``'neg_log_loss'``. Scored with the
        validation sample weights (times ``class_weight``). Unused without
        early stopping.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (for multilabel targets, ``arange(n_labels)``).

    loss_ : float
        The training loss of the last epoch.

    best_loss_ : float or None
        The lowest training loss seen; None when ``fit`` used early stopping.

    loss_curve_ : list of float
        The training loss of each epoch.

    validation_scores_ : list of float or None
        The validation score (see ``scoring``) of each epoch when ``fit`` used
        early stopping, else None.

    validation_loss_curve_ : list of float or None
        The mean loss on the validation set at each epoch (without the L2
        penalty) when ``fit`` used early stopping, else None.

    best_validation_score_ : float or None
        The best validation score when ``fit`` used early stopping: that of the
        returned model, whose weights are those of the best epoch; else None.

    t_ : int
        The number of training samples seen.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        The weight matrix of each layer: views of the one parameter vector
        that training updates, column-major in float64.

    intercepts_ : list of ndarray of shape (n_fan_out,)
        The bias vector of each layer.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`; defined only when `X` has
        feature names that are all strings.

    n_iter_ : int
        The number of epochs run by the last ``fit`` (cumulative over
        ``partial_fit`` calls).

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Name of the output activation ('softmax' or 'logistic').

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The scikit-learn estimator this one
        replaces.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import FromScratchMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FromScratchMLPClassifier(max_iter=500, random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> round(clf.score(X, y), 1)
    0.9
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [StrOptions({"log_loss", "squared_error"})],
        "class_weight": [StrOptions({"balanced"}), dict, list, None],
    }

    def __init__(
        self,
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
        loss="log_loss",
        dropout=0.0,
        class_weight=None,
        scoring=None,
    ):
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
        self.loss = loss
        self.dropout = dropout
        self.class_weight = class_weight
        self.scoring = scoring

    @available_if(lambda est: est._check_stochastic_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label-indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            All the classes over all calls; required on the first call, and
            ``y`` may hold only some of them.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted classes (a 0/1 indicator matrix for multilabel).
        """
        Z = self._checked_logits(X)
        return self._target.decode(Z)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        Z = self._checked_logits(X)
        proba = self._target.proba(Z)
        # No probability of a softmax or logistic model is exactly 0: keep the
        # ones that underflow at the smallest normal float, so that
        # log(predict_proba) stays finite like predict_log_proba.
        return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)

    def predict_log_proba(self, X):
        """Log of probability estimates, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``;
            finite however confident the network is.
        """
        Z = self._checked_logits(X)
        return self._target.log_proba(Z)

    def _read_target(
        self, y, sample_weight, *, fitted_target, incremental, classes=None
    ):
        """The labels' target kind (see ``_targets.read_labels``) and the
        weight of each class, or None."""
        target = read_labels(y, classes, fitted_target, incremental=incremental)
        return target, target.class_weights(self.class_weight, y, sample_weight)

    def _set_network(self, target, network, *, new_model):
        super()._set_network(target, network, new_model=new_model)
        self.classes_ = target.classes

    def _validation_score(self, y_true, y_pred, sample_weight):
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
