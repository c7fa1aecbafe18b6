"""Regression: squared error, several outputs, Poisson counts
==========================================================

:class:`~skmlp.FromScratchMLPRegressor` replaces scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor`. This example fits it on
scikit-learn's diabetes data next to scikit-learn's estimator, then on three
outputs at once, then on counts with ``loss="poisson"``. Everything runs on data
that ships with scikit-learn (``load_diabetes``, ``make_regression``), in a few
seconds.
"""

# %%
# Squared error on the diabetes data
# ----------------------------------
# 442 patients, 10 features, and a measure of disease progression one year later
# (from 25 to 346). Both the features and the target are standardized with the
# training part's mean and deviation: a network trained by Adam at its default
# step size would need thousands of epochs to reach targets in the hundreds.
# R² does not change when the target is scaled, so the test R² is that of the
# original target. The data are small and noisy, hence the strong L2 penalty.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import d2_tweedie_score, mean_poisson_deviance, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from skmlp import FromScratchMLPRegressor
from skmlp.plotting import LossCurveDisplay

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0
)
scale_X = StandardScaler().fit(X_train)
X_train, X_test = scale_X.transform(X_train), scale_X.transform(X_test)
mean, deviation = y_train.mean(), y_train.std()
y_train, y_test = (y_train - mean) / deviation, (y_test - mean) / deviation

params = dict(hidden_layer_sizes=(16,), alpha=3.0, max_iter=200, random_state=0)
ours = FromScratchMLPRegressor(**params)
theirs = MLPRegressor(**params)
with warnings.catch_warnings():
    # a fixed budget of epochs: stopping at max_iter is intended
    warnings.simplefilter("ignore", ConvergenceWarning)
    ours.fit(X_train, y_train)
    theirs.fit(X_train, y_train)
linear = LinearRegression().fit(X_train, y_train)
gap = np.max(np.abs(np.subtract(ours.loss_curve_, theirs.loss_curve_)))
print(f"test R², FromScratchMLPRegressor: {ours.score(X_test, y_test):.4f}")
print(f"test R², sklearn MLPRegressor:    {theirs.score(X_test, y_test):.4f}")
print(f"test R², LinearRegression:        {linear.score(X_test, y_test):.4f}")
print(f"largest difference between the loss curves: {gap:.1e}")

# %%
# With the same ``random_state`` both draw the same initial weights and visit
# the batches in the same order, so their loss curves agree to rounding: the two
# lines below coincide. (On these data a linear model does as well as either
# network: the relation is close to linear.)

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
LossCurveDisplay.from_estimator(
    ours, ax=ax, loss_kw=dict(label="skmlp FromScratchMLPRegressor", linewidth=3)
)
ax.plot(
    np.arange(1, theirs.n_iter_ + 1),
    theirs.loss_curve_,
    color="C3",
    linestyle="--",
    label="sklearn MLPRegressor",
)
ax.set_yscale("log")
ax.set_title("Half squared error on the standardized diabetes target")
ax.legend()

# %%
# Early stopping scores R²
# ------------------------
# With ``early_stopping=True`` the regressor holds out ``validation_fraction``
# of the training data (a random split: real values have no classes to
# stratify by), scores it after every epoch (R² by default, or what
# ``scoring`` names) and returns the model of the best epoch.
# :class:`~skmlp.plotting.LossCurveDisplay` draws the validation R² on its own
# axis.

early = FromScratchMLPRegressor(
    hidden_layer_sizes=(100,),
    early_stopping=True,
    validation_fraction=0.2,
    random_state=0,
).fit(X_train, y_train)
print(
    f"early stopping: {early.n_iter_} epochs, best validation R² "
    f"{early.best_validation_score_:.4f}, test R² {early.score(X_test, y_test):.4f}"
)
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
display = LossCurveDisplay.from_estimator(
    early, ax=ax, name="Early stopping on diabetes"
)
display.score_ax_.set_ylabel("Validation R²")

# %%
# Several outputs
# ---------------
# A two-dimensional ``y`` trains one output per column, and ``predict`` returns
# one column per output. The squared error of ``k`` outputs is *summed* over
# them. scikit-learn reports the mean over the outputs, but its gradient is that
# of the sum: its loss and its gradient disagree by a factor ``k``, which breaks
# the contract of L-BFGS (the gradient must be that of the function
# minimized). skmlp keeps the gradient and reports the loss that matches it:
# with Adam or SGD it trains exactly the same weights as scikit-learn and
# reports ``k`` times its loss (the L2 penalty aside, which is not multiplied).

X, Y = make_regression(
    n_samples=600,
    n_features=10,
    n_informative=6,
    n_targets=3,
    noise=10,
    random_state=0,
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
scale_Y = StandardScaler().fit(Y_train)
Y_train, Y_test = scale_Y.transform(Y_train), scale_Y.transform(Y_test)

params = dict(hidden_layer_sizes=(32,), max_iter=100, random_state=0)
ours = FromScratchMLPRegressor(**params)
theirs = MLPRegressor(**params)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    ours.fit(X_train, Y_train)
    theirs.fit(X_train, Y_train)
Y_pred = ours.predict(X_test)
weight_gap = max(np.max(np.abs(a - b)) for a, b in zip(ours.coefs_, theirs.coefs_))
print(f"predict: shape {Y_pred.shape}")
print(f"test R² per output: {r2_score(Y_test, Y_pred, multioutput='raw_values')}")
print(f"largest difference between the two libraries' weights: {weight_gap:.1e}")
print(f"loss_, ours / scikit-learn's: {ours.loss_ / theirs.loss_:.4f}")

# %%
# Counts: ``loss="poisson"``
# --------------------------
# ``loss="poisson"`` gives the network an ``exp`` output (a log link): it
# predicts ``exp(z)``, always positive, and trains on half the Poisson deviance,
# whose gradient with respect to ``z`` is simply ``exp(z) - y``. The counts here
# are drawn from a Poisson distribution whose log-mean is a linear signal made
# by ``make_regression``; the true means let us score an oracle too. A negative
# ``y`` is refused with ``loss="poisson"``.

X, signal = make_regression(
    n_samples=2000, n_features=10, n_informative=5, random_state=0
)
true_mean = np.exp(signal / signal.std())
y = np.random.default_rng(0).poisson(true_mean)
X_train, X_test, y_train, y_test, _, mean_test = train_test_split(
    X, y, true_mean, random_state=0
)
print(f"counts from 0 to {y.max()}, mean {y.mean():.2f}, {np.mean(y == 0):.0%} zeros")

predictions = {}
for loss in ["poisson", "squared_error"]:
    model = FromScratchMLPRegressor(
        loss=loss, hidden_layer_sizes=(32,), max_iter=100, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    predictions[loss] = model.predict(X_test)

# %%
# The Poisson deviance needs positive predictions: the squared-error network
# predicts some negative counts, clipped here to 0.001 to be scored at all.
# D² is the fraction of the deviance of a constant prediction (the mean count)
# that a model explains, 1 at best.

scored = {**predictions, "true mean (oracle)": mean_test}
for name, prediction in scored.items():
    positive = np.clip(prediction, 1e-3, None)
    print(
        f"{name:>20}: mean Poisson deviance "
        f"{mean_poisson_deviance(y_test, positive):.3f}, "
        f"D² {d2_tweedie_score(y_test, positive, power=1):.3f}, "
        f"{np.mean(prediction <= 0):.1%} of the predictions <= 0"
    )

# %%
# The Poisson network's predictions follow the true means. The squared-error
# network predicts negative counts where the mean is small, and falls short of
# the largest means: with an identity output, a mean that grows exponentially
# with the signal is a curve it must bend its hidden units into, where the exp
# output of the Poisson network gets it for free.

fig, axes = plt.subplots(
    1, 2, figsize=(9, 4.2), sharex=True, sharey=True, layout="constrained"
)
for ax, (loss, prediction) in zip(axes, predictions.items()):
    ax.scatter(mean_test, prediction, s=8, alpha=0.5)
    ax.axline((0, 0), slope=1, color="0.3", linestyle=":", label="prediction = mean")
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set(title=f'loss="{loss}"', xlabel="true mean count")
    ax.legend(loc="upper left")
axes[0].set_ylabel("predicted count")

plt.show()
