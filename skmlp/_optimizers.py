"""Stochastic optimizers: SGD with momentum / Nesterov and Adam.

Each optimizer has one verb, ``update(params, grads, kernels=...)``, which
changes the parameters in place with the step kernel of ``kernels`` (see
``skmlp._kernels``; :func:`sgd_step` and :func:`adam_step` here are the NumPy
ones).  ``grads`` may be used as scratch space and holds no useful values
afterwards, so an update allocates nothing.  All state is plain NumPy
arrays and Python numbers, so pickles and skops files store it as data.
"""

import math
from typing import NamedTuple

import numpy as np

# The fraction of the steps that ``cosine`` spends warming up.
COSINE_WARMUP = 0.05


def _keep(optimizer, *args):
    return optimizer.learning_rate


def _inverse_scaling(optimizer, n_samples_seen):
    return optimizer.learning_rate_init / (n_samples_seen + 1) ** optimizer.power_t


def _cosine(optimizer):
    """Linear warm-up over the first steps, then cosine decay towards 0.

    With ``T = total_steps`` and ``w = max(1, round(COSINE_WARMUP * T))``, step
    ``t`` (from 1) uses ``eta_0 t / w`` for ``t <= w``, then
    ``eta_0 (1 + cos(pi (t - w) / (T - w + 1))) / 2``.
    """
    t, total = optimizer.t, optimizer.total_steps
    warmup = max(1, round(COSINE_WARMUP * total))
    if t <= warmup:
        return optimizer.learning_rate_init * t / warmup
    progress = min(1.0, (t - warmup) / (total - warmup + 1))
    return optimizer.learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * progress))


# Learning rate after an epoch, as a function of the samples seen so far.
EPOCH_SCHEDULES = {
    "constant": _keep,
    "adaptive": _keep,
    "invscaling": _inverse_scaling,
    "cosine": _keep,
}
# Learning rate before each step; ``cosine`` is the only per-step schedule.
STEP_SCHEDULES = {
    "constant": _keep,
    "adaptive": _keep,
    "invscaling": _keep,
    "cosine": _cosine,
}

# ``adaptive`` divides the rate by this on a plateau, until it is below the floor.
ADAPTIVE_DIVISOR = 5.0
ADAPTIVE_FLOOR = 1e-6


def _set_rate(optimizer, learning_rate_init, schedule, total_steps):
    """Set the rate's hyper-parameters; a new initial rate or schedule restarts it."""
    learning_rate_init = float(learning_rate_init)
    if (learning_rate_init, schedule) != (
        optimizer.learning_rate_init,
        optimizer.schedule,
    ):
        optimizer.learning_rate = learning_rate_init
    optimizer.learning_rate_init = learning_rate_init
    optimizer.schedule = schedule
    optimizer.total_steps = total_steps


class L2Gradient(NamedTuple):
    """The L2 penalty's gradient ``coef * w`` on the first ``n_weights``
    parameters (the weights; the biases follow them), for a step to add to
    ``grads``: the step reads the parameters anyway, so the compiled kernels
    add it in the same pass."""

    n_weights: int
    coef: float
    """``alpha / sum_i w_i``."""
    scratch: np.ndarray
    """Of shape ``(n_weights,)``: the NumPy steps compute ``coef * w`` in it."""


def _add_l2_gradient(params, grads, l2):
    """``grads[:n] += coef * params[:n]`` for an :class:`L2Gradient`, or nothing."""
    if l2 is not None:
        np.multiply(params[: l2.n_weights], l2.coef, out=l2.scratch)
        grads[: l2.n_weights] += l2.scratch


def sgd_step(params, grads, velocities, *, rate, momentum, nesterov, l2=None):
    """One SGD step, in place: the velocity, then the parameters.

    ``v <- momentum v - rate g``, then ``w <- w + v``, or with Nesterov's
    momentum ``w <- w - rate g + momentum v``, where ``g`` is ``grads`` plus
    the :class:`L2Gradient` ``l2`` if given; ``grads`` is overwritten.
    """
    _add_l2_gradient(params, grads, l2)
    grads *= rate
    velocities *= momentum
    velocities -= grads
    if nesterov:
        params -= grads
        np.multiply(velocities, momentum, out=grads)
        params += grads
    else:
        params += velocities


def adam_step(params, grads, ms, vs, *, beta_1, beta_2, epsilon, step, l2=None):
    """One Adam step on the rescaled moments, in place; ``grads`` is overwritten.

    ``ms <- beta_1 ms + g``, ``vs <- beta_2 vs + g^2``, then
    ``w <- w - step * ms / (sqrt(vs) + epsilon)``, where ``g`` is ``grads`` plus
    the :class:`L2Gradient` ``l2`` if given: ten whole-array passes, the fewest
    NumPy ufuncs can do it in (two more for ``l2``).
    """
    _add_l2_gradient(params, grads, l2)
    ms *= beta_1
    ms += grads
    np.square(grads, out=grads)
    vs *= beta_2
    vs += grads
    np.sqrt(vs, out=grads)
    grads += epsilon
    np.divide(ms, grads, out=grads)
    grads *= step
    params -= grads


class SGD:
    """Mini-batch stochastic gradient descent with momentum.

    With velocity ``v`` and rate ``eta``::

        v <- momentum * v - eta * g
        w <- w + v                        (classical momentum)
        w <- w + momentum * v - eta * g   (Nesterov's momentum)

    Parameters
    ----------
    params : list of ndarray
        The parameters to optimize; only their shapes and dtypes are used here.
    learning_rate_init : float
        The initial rate ``eta``.
    learning_rate : {"constant", "invscaling", "adaptive", "cosine"}
        The schedule: ``invscaling`` sets ``eta = eta_0 / (t + 1) ** power_t``
        after each epoch (``t`` samples seen); ``adaptive`` divides ``eta`` by 5
        each time training reaches a plateau; ``cosine`` warms up linearly and
        then decays along a cosine over ``total_steps`` steps.
    momentum : float
        The momentum coefficient in [0, 1].
    nesterov : bool
        Whether to use Nesterov's momentum.
    power_t : float
        Exponent of the ``invscaling`` schedule.
    total_steps : int or None
        The number of steps the ``cosine`` schedule spans.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp._kernels import NUMPY_KERNELS
    >>> from skmlp._optimizers import SGD
    >>> w = np.array([1.0])
    >>> sgd = SGD([w], learning_rate_init=0.1, momentum=0.0)
    >>> sgd.update([w], [np.array([2.0])], kernels=NUMPY_KERNELS)
    >>> w
    array([0.8])
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.1,
        learning_rate="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
        total_steps=None,
    ):
        self.learning_rate_init = self.learning_rate = self.schedule = None
        self.configure(
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            momentum=momentum,
            nesterov=nesterov,
            power_t=power_t,
            total_steps=total_steps,
        )
        self.t = 0
        self.velocities = [np.zeros_like(param) for param in params]

    def configure(
        self,
        *,
        learning_rate_init,
        learning_rate,
        momentum,
        nesterov,
        power_t,
        total_steps,
    ):
        """Set the hyper-parameters, keeping the velocities and the step count.

        A new ``learning_rate_init`` or schedule restarts the rate at
        ``learning_rate_init``; the others act from the next step on.
        """
        _set_rate(self, learning_rate_init, learning_rate, total_steps)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.power_t = float(power_t)

    def update(self, params, grads, *, kernels, l2=None):
        """Apply one step to ``params`` in place; ``grads`` may be overwritten.

        ``l2``, an :class:`L2Gradient` of the first of ``params``, is added
        to its gradient.
        """
        self.t += 1
        self.learning_rate = STEP_SCHEDULES[self.schedule](self)
        terms = [l2] + [None] * (len(params) - 1)
        for param, velocity, grad, term in zip(params, self.velocities, grads, terms):
            kernels.sgd_step(
                param,
                grad,
                velocity,
                rate=self.learning_rate,
                momentum=self.momentum,
                nesterov=self.nesterov,
                l2=term,
            )

    def epoch_ends(self, n_samples_seen):
        """Move the learning rate along its schedule after an epoch."""
        self.learning_rate = EPOCH_SCHEDULES[self.schedule](self, n_samples_seen)

    def on_plateau(self):
        """React to a plateau: return True to stop, or lower the rate (adaptive)."""
        if self.schedule != "adaptive" or self.learning_rate <= ADAPTIVE_FLOOR:
            return True
        self.learning_rate /= ADAPTIVE_DIVISOR
        return False


class Adam:
    """Adam (Kingma & Ba, 2014).

    With step count ``t`` and gradient ``g``::

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g^2
        w <- w - eta sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

    To save two passes over the parameters per step, the state holds the
    moments without their ``(1 - beta)`` factors: ``ms = m / (1 - beta_1)``
    and ``vs = v / (1 - beta_2)``, so that ``ms <- beta_1 ms + g`` and
    ``vs <- beta_2 vs + g^2``; the constants move into the step.

    Parameters
    ----------
    params : list of ndarray
        The parameters to optimize; only their shapes and dtypes are used here.
    learning_rate_init : float
        The rate ``eta``.
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float
        Added to ``sqrt(v)`` for numerical stability.
    learning_rate : str, default="constant"
        ``"cosine"`` schedules ``eta`` as :class:`SGD` does; any other value
        keeps it constant (scikit-learn's schedules apply to SGD only).
    total_steps : int or None
        The number of steps the ``cosine`` schedule spans.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp._kernels import NUMPY_KERNELS
    >>> from skmlp._optimizers import Adam
    >>> w = np.array([1.0])
    >>> adam = Adam([w], learning_rate_init=0.1)
    >>> adam.update([w], [np.array([2.0])], kernels=NUMPY_KERNELS)
    >>> w
    array([0.9])
    """

    def __init__(
        self,
        params,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        learning_rate="constant",
        total_steps=None,
    ):
        self.learning_rate_init = self.learning_rate = self.schedule = None
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.t = 0
        self.ms = [np.zeros_like(param) for param in params]
        self.vs = [np.zeros_like(param) for param in params]
        self.configure(
            learning_rate_init=learning_rate_init,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            learning_rate=learning_rate,
            total_steps=total_steps,
        )

    def configure(
        self, *, learning_rate_init, beta_1, beta_2, epsilon, learning_rate, total_steps
    ):
        """Set the hyper-parameters, keeping the moments and the step count.

        A new ``learning_rate_init`` or schedule restarts the rate at
        ``learning_rate_init``; ``epsilon`` acts from the next step on. A new
        ``beta_1`` or ``beta_2`` restarts the moments and the step count: the
        moments and their bias correction are averages under the old decay
        rates, which no rescaling turns into averages under the new ones.
        """
        schedule = learning_rate if learning_rate == "cosine" else "constant"
        _set_rate(self, learning_rate_init, schedule, total_steps)
        if (float(beta_1), float(beta_2)) != (self.beta_1, self.beta_2):
            # New arrays, not the old ones zeroed: a training call that fails
            # puts the old ones back.
            self.t = 0
            self.ms = [np.zeros_like(moment) for moment in self.ms]
            self.vs = [np.zeros_like(moment) for moment in self.vs]
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def update(self, params, grads, *, kernels, l2=None):
        """Apply one step to ``params`` in place; ``grads`` may be overwritten.

        ``l2``, an :class:`L2Gradient` of the first of ``params``, is added
        to its gradient.
        """
        self.t += 1
        self.learning_rate = STEP_SCHEDULES[self.schedule](self)
        # m / (sqrt(v) + eps) = c * ms / (sqrt(vs) + eps / sqrt(1 - beta_2)) with
        # c = (1 - beta_1) / sqrt(1 - beta_2). Python floats throughout: a NumPy
        # float64 scalar would upcast float32 updates.
        root = math.sqrt(1.0 - self.beta_2)
        step = (
            self.learning_rate
            * math.sqrt(1.0 - self.beta_2**self.t)
            / (1.0 - self.beta_1**self.t)
            * (1.0 - self.beta_1)
            / root
        )
        terms = [l2] + [None] * (len(params) - 1)
        for param, m, v, grad, term in zip(params, self.ms, self.vs, grads, terms):
            kernels.adam_step(
                param,
                grad,
                m,
                v,
                beta_1=self.beta_1,
                beta_2=self.beta_2,
                epsilon=self.epsilon / root,
                step=step,
                l2=term,
            )

    def epoch_ends(self, n_samples_seen):
        """Adam keeps its rate from epoch to epoch."""

    def on_plateau(self):
        """Adam stops on a plateau."""
        return True


OPTIMIZERS = {"sgd": SGD, "adam": Adam}
