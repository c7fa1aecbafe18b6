"""Tests of the stochastic optimizers ``SGD`` and ``Adam``.

Single and double steps are checked against the update formulas of the
docstrings worked out by hand; then the learning-rate schedules, the plateau
protocol, the optimizer state (plain data, picklable, dtype-preserving) and
``configure``, which changes the hyper-parameters between steps (new betas
restart Adam's moments in new arrays and leave the old ones as they were).
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_equal

from skmlp._kernels import NUMPY_KERNELS
from skmlp._optimizers import SGD, Adam

LR = 0.1
MU = 0.9
BETA_1, BETA_2, EPSILON = 0.8, 0.99, 1e-3


@pytest.fixture
def problem(rng):
    """Parameters (a matrix and a vector) and two steps' worth of gradients."""
    params = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    first = [rng.standard_normal(p.shape) for p in params]
    second = [rng.standard_normal(p.shape) for p in params]
    return params, first, second


def step(optimizer, params, grads, kernels=NUMPY_KERNELS):
    """Update copies of ``params`` with copies of ``grads``; return the result.

    ``update`` may overwrite the gradients, hence the copies.
    """
    params = [p.copy() for p in params]
    optimizer.update(params, [g.copy() for g in grads], kernels=kernels)
    return params


def assert_two_steps(optimizer, problem, by_hand, kernels):
    """Two updates of ``optimizer`` match ``by_hand(w0, g1, g2) -> (w1, w2)``."""
    params, first, second = problem
    once = step(optimizer, params, first, kernels)
    twice = step(optimizer, once, second, kernels)
    expected = [by_hand(*args) for args in zip(params, first, second)]
    assert_all_close(once, [w1 for w1, _ in expected], rtol=1e-13)
    assert_all_close(twice, [w2 for _, w2 in expected], rtol=1e-13)


def assert_all_close(actual, desired, **tolerances):
    """``assert_allclose`` over two lists of arrays."""
    assert len(actual) == len(desired)
    for a, d in zip(actual, desired):
        assert_allclose(a, d, **tolerances)


def classical_momentum_by_hand(w0, g1, g2):
    """``v <- mu v - eta g; w <- w + v`` twice, from ``v = 0``."""
    v1 = -LR * g1
    v2 = MU * v1 - LR * g2
    return w0 + v1, w0 + v1 + v2


def nesterov_by_hand(w0, g1, g2):
    """``v <- mu v - eta g; w <- w + mu v - eta g`` twice, from ``v = 0``."""
    v1 = -LR * g1
    v2 = MU * v1 - LR * g2
    w1 = w0 + MU * v1 - LR * g1
    return w1, w1 + MU * v2 - LR * g2


def adam_by_hand(w0, g1, g2):
    """Two Adam steps from ``m = v = 0``, with bias-corrected rates."""
    m1 = (1 - BETA_1) * g1
    v1 = (1 - BETA_2) * g1**2
    rate1 = LR * np.sqrt(1 - BETA_2) / (1 - BETA_1)
    w1 = w0 - rate1 * m1 / (np.sqrt(v1) + EPSILON)
    m2 = BETA_1 * m1 + (1 - BETA_1) * g2
    v2 = BETA_2 * v1 + (1 - BETA_2) * g2**2
    rate2 = LR * np.sqrt(1 - BETA_2**2) / (1 - BETA_1**2)
    return w1, w1 - rate2 * m2 / (np.sqrt(v2) + EPSILON)


def make_sgd(params):
    """Constant-rate SGD with classical momentum."""
    return SGD(params, learning_rate_init=LR, momentum=MU, nesterov=False)


def make_nesterov(params):
    """Constant-rate SGD with Nesterov's momentum."""
    return SGD(params, learning_rate_init=LR, momentum=MU, nesterov=True)


def make_adaptive(params):
    """SGD with the adaptive schedule."""
    return SGD(params, learning_rate_init=LR, learning_rate="adaptive")


def make_adam(params):
    """Adam with the test's betas and epsilon."""
    return Adam(
        params, learning_rate_init=LR, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON
    )


ALL_OPTIMIZERS = [make_sgd, make_nesterov, make_adaptive, make_adam]


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_without_momentum(nesterov, problem, kernels):
    params, grads, _ = problem
    sgd = SGD(params, learning_rate_init=LR, momentum=0.0, nesterov=nesterov)
    expected = [w - LR * g for w, g in zip(params, grads)]
    assert_all_close(step(sgd, params, grads, kernels), expected, rtol=1e-15)


@pytest.mark.parametrize(
    "make_optimizer, by_hand",
    [
        (make_sgd, classical_momentum_by_hand),
        (make_nesterov, nesterov_by_hand),
        (make_adam, adam_by_hand),
    ],
    ids=["momentum", "nesterov", "adam"],
)
def test_two_steps_match_the_formulas(make_optimizer, by_hand, problem, kernels):
    assert_two_steps(make_optimizer(problem[0]), problem, by_hand, kernels)


@pytest.mark.parametrize("power_t", [0.5, 0.25])
@pytest.mark.parametrize("n_samples_seen", [0, 10, 1000])
def test_invscaling_schedule(n_samples_seen, power_t):
    sgd = SGD(
        [np.zeros(2)],
        learning_rate_init=LR,
        learning_rate="invscaling",
        power_t=power_t,
    )
    sgd.epoch_ends(n_samples_seen // 2)
    sgd.epoch_ends(n_samples_seen)
    assert sgd.learning_rate == pytest.approx(LR / (n_samples_seen + 1) ** power_t)


@pytest.mark.parametrize("make_optimizer", [make_sgd, make_adaptive, make_adam])
def test_other_schedules_keep_the_rate_after_an_epoch(make_optimizer):
    optimizer = make_optimizer([np.zeros(2)])
    optimizer.epoch_ends(100)
    assert optimizer.learning_rate == LR


def test_adaptive_divides_the_rate_by_5_until_the_floor():
    sgd = SGD([np.zeros(2)], learning_rate_init=1e-3, learning_rate="adaptive")
    stops = [sgd.on_plateau() for _ in range(6)]
    # 1e-3 / 5**5 = 3.2e-7 is the first rate <= 1e-6.
    assert stops == [False] * 5 + [True]
    assert sgd.learning_rate == pytest.approx(1e-3 / 5**5)


def test_adaptive_stops_at_the_floor():
    sgd = SGD([np.zeros(2)], learning_rate_init=1e-6, learning_rate="adaptive")
    assert sgd.on_plateau()
    assert sgd.learning_rate == 1e-6


@pytest.mark.parametrize("make_optimizer", [make_sgd, make_nesterov, make_adam])
def test_non_adaptive_optimizers_stop_on_a_plateau(make_optimizer):
    optimizer = make_optimizer([np.zeros(2)])
    assert optimizer.on_plateau()
    assert optimizer.learning_rate == LR


def leaves(value):
    """The leaves of ``value``, descending into lists."""
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def state(optimizer):
    """The leaves of the optimizer's attributes."""
    return leaves(list(vars(optimizer).values()))


def is_plain(value):
    """A plain NumPy array of numbers, a Python number, a str, a bool or None."""
    if type(value) is np.ndarray:
        return value.dtype.kind in "biuf"
    return value is None or type(value) in (int, float, str, bool)


@pytest.mark.parametrize("make_optimizer", ALL_OPTIMIZERS)
def test_state_is_plain_data_and_survives_pickle(make_optimizer, problem):
    params, first, second = problem
    optimizer = make_optimizer(params)
    params = step(optimizer, params, first)
    assert all(is_plain(leaf) for leaf in state(optimizer))

    restored = pickle.loads(pickle.dumps(optimizer))
    assert_equal(vars(restored), vars(optimizer))
    assert_equal(step(restored, params, second), step(optimizer, params, second))


@pytest.mark.parametrize("make_optimizer", ALL_OPTIMIZERS)
def test_float32_params_keep_float32_state(make_optimizer, problem, kernels):
    params, first, _ = problem
    params = [p.astype(np.float32) for p in params]
    optimizer = make_optimizer(params)
    params = step(optimizer, params, [g.astype(np.float32) for g in first], kernels)
    arrays = [leaf for leaf in state(optimizer) if isinstance(leaf, np.ndarray)]
    assert arrays, "the optimizer keeps per-parameter state"
    assert {a.dtype for a in arrays + params} == {np.dtype(np.float32)}


@pytest.mark.parametrize("make_optimizer", [SGD, Adam])
@pytest.mark.parametrize(
    "steps, rate",
    [
        (1, LR / 5),  # warm-up: 5 steps (5% of 100), linear
        (5, LR),
        (5 + 48, LR / 2),  # half-way through the cosine
        (100, LR * 0.5 * (1 + np.cos(np.pi * 95 / 96))),
    ],
)
def test_cosine_schedule(make_optimizer, problem, steps, rate):
    params, first, _ = problem
    optimizer = make_optimizer(
        params, learning_rate_init=LR, learning_rate="cosine", total_steps=100
    )
    for _ in range(steps):
        step(optimizer, params, first)
    assert optimizer.learning_rate == pytest.approx(rate, rel=1e-12)


def test_adam_ignores_sgd_schedules(problem):
    params, first, _ = problem
    adam = Adam(params, learning_rate_init=LR, learning_rate="invscaling")
    step(adam, params, first)
    adam.epoch_ends(1000)
    assert adam.learning_rate == LR


@pytest.mark.parametrize("make_optimizer", [SGD, Adam])
def test_cosine_schedule_with_a_one_step_warm_up(make_optimizer, problem):
    """With 10 steps, 5% rounds to 0 warm-up steps, and at least one is made."""
    params, first, _ = problem
    optimizer = make_optimizer(
        params, learning_rate_init=LR, learning_rate="cosine", total_steps=10
    )
    rates = []
    for _ in range(2):
        step(optimizer, params, first)
        rates.append(optimizer.learning_rate)
    assert rates == pytest.approx([LR, LR * 0.5 * (1 + np.cos(np.pi / 10))])


@pytest.mark.parametrize("make_optimizer", [SGD, Adam])
def test_cosine_rate_stays_at_zero_past_the_total_steps(make_optimizer, problem):
    """Training longer than planned must not climb back up the cosine."""
    params, first, _ = problem
    optimizer = make_optimizer(
        params, learning_rate_init=LR, learning_rate="cosine", total_steps=20
    )
    rates = []
    for _ in range(30):
        step(optimizer, params, first)
        rates.append(optimizer.learning_rate)
    assert rates[19] > 0.0
    assert rates[20:] == [0.0] * 10


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
def test_adam_keeps_any_other_schedule_constant(schedule, problem):
    """scikit-learn's schedules apply to SGD only; Adam keeps its rate."""
    params, first, _ = problem
    adam = Adam(params, learning_rate_init=LR, learning_rate=schedule)
    assert adam.schedule == "constant"
    step(adam, params, first)
    adam.epoch_ends(1000)
    assert adam.on_plateau()
    assert adam.learning_rate == LR


def test_defaults_are_scikit_learns():
    """The defaults of scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer``."""
    sgd = SGD([np.zeros(2)])
    assert (sgd.learning_rate_init, sgd.learning_rate) == (0.1, 0.1)
    assert (sgd.schedule, sgd.momentum, sgd.nesterov) == ("constant", 0.9, True)
    assert (sgd.power_t, sgd.total_steps) == (0.5, None)
    adam = Adam([np.zeros(2)])
    assert (adam.learning_rate_init, adam.learning_rate) == (0.001, 0.001)
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.9, 0.999, 1e-8)
    assert (adam.schedule, adam.total_steps) == ("constant", None)


SGD_SETTINGS = {
    "learning_rate_init": LR,
    "learning_rate": "constant",
    "momentum": MU,
    "nesterov": False,
    "power_t": 0.5,
    "total_steps": None,
}
ADAM_SETTINGS = {
    "learning_rate_init": LR,
    "beta_1": BETA_1,
    "beta_2": BETA_2,
    "epsilon": EPSILON,
    "learning_rate": "constant",
    "total_steps": None,
}
SETTINGS = {SGD: SGD_SETTINGS, Adam: ADAM_SETTINGS}


NUMBERS = {
    SGD: ["learning_rate_init", "learning_rate", "momentum", "power_t"],
    Adam: ["learning_rate_init", "learning_rate", "beta_1", "beta_2", "epsilon"],
}


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_configure_converts_numpy_scalars_to_python_numbers(cls):
    """State stays plain Python data whatever scalars the caller passes."""
    optimizer = cls([np.zeros(2)], **SETTINGS[cls])
    settings = {
        name: np.float32(value) if isinstance(value, float) else value
        for name, value in SETTINGS[cls].items()
    }
    if cls is SGD:
        settings["nesterov"] = np.bool_(True)
    optimizer.configure(**dict(settings, total_steps=10))
    expected = dict(SETTINGS[cls], learning_rate=LR)
    for name in NUMBERS[cls]:
        assert type(getattr(optimizer, name)) is float
        assert getattr(optimizer, name) == pytest.approx(expected[name])
    assert optimizer.total_steps == 10
    if cls is SGD:
        assert optimizer.nesterov is True


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_configure_keeps_the_state_and_step_count(cls, problem):
    """Re-configuring between ``partial_fit`` calls must not reset the moments."""
    params, first, _ = problem
    optimizer = cls(params, **SETTINGS[cls])
    step(optimizer, params, first)
    before = dict(vars(optimizer))
    arrays = [leaf for leaf in state(optimizer) if isinstance(leaf, np.ndarray)]
    copies = [a.copy() for a in arrays]

    optimizer.configure(**SETTINGS[cls])
    assert_equal(vars(optimizer), before)
    after = [leaf for leaf in state(optimizer) if isinstance(leaf, np.ndarray)]
    assert all(a is b for a, b in zip(after, arrays))
    assert_equal(after, copies)
    assert optimizer.t == 1


def test_configure_keeps_a_scheduled_rate_under_the_same_schedule():
    """Re-applying the same settings does not undo the adaptive decay."""
    sgd = SGD([np.zeros(2)], **dict(SGD_SETTINGS, learning_rate="adaptive"))
    sgd.on_plateau()
    sgd.configure(**dict(SGD_SETTINGS, learning_rate="adaptive", momentum=0.5))
    assert sgd.learning_rate == pytest.approx(LR / 5)
    assert sgd.momentum == 0.5


@pytest.mark.parametrize(
    "change",
    [{"learning_rate_init": 0.3}, {"learning_rate": "constant"}],
    ids=["learning_rate_init", "schedule"],
)
def test_configure_restarts_the_rate_on_a_new_initial_rate_or_schedule(change):
    """A decayed rate belongs to the old settings: restart at the initial rate."""
    settings = dict(SGD_SETTINGS, learning_rate="adaptive")
    sgd = SGD([np.zeros(2)], **settings)
    sgd.on_plateau()
    sgd.configure(**dict(settings, **change))
    expected = change.get("learning_rate_init", LR)
    assert sgd.learning_rate == expected
    assert sgd.learning_rate_init == expected
    assert sgd.schedule == change.get("learning_rate", "adaptive")


def test_configure_sgd_to_cosine_continues_the_step_count(problem):
    """The step count is state: a schedule set later sees the steps made."""
    params, first, _ = problem
    sgd = SGD(params, **SGD_SETTINGS)
    params = step(sgd, params, first)
    sgd.configure(**dict(SGD_SETTINGS, learning_rate="cosine", total_steps=100))
    assert (sgd.schedule, sgd.total_steps) == ("cosine", 100)
    step(sgd, params, first)
    # The step count goes on: t = 2 of the 5 warm-up steps.
    assert sgd.learning_rate == pytest.approx(LR * 2 / 5)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_steps_with_the_configured_settings_and_the_kept_velocity(
    nesterov, problem
):
    """``v1 = -eta g1``; then ``v2 = mu' v1 - eta' g2`` with the new settings."""
    params, first, second = problem
    sgd = SGD(params, **SGD_SETTINGS)
    once = step(sgd, params, first)
    new_rate, new_momentum = 0.05, 0.5
    sgd.configure(
        **dict(
            SGD_SETTINGS,
            learning_rate_init=new_rate,
            momentum=new_momentum,
            nesterov=nesterov,
        )
    )
    twice = step(sgd, once, second)
    expected = []
    for w1, g1, g2 in zip(once, first, second):
        v2 = new_momentum * (-LR * g1) - new_rate * g2
        expected.append(w1 + new_momentum * v2 - new_rate * g2 if nesterov else w1 + v2)
    assert_all_close(twice, expected, rtol=1e-13)


def test_adam_steps_with_the_configured_rate_and_epsilon(problem):
    """The second step of ``adam_by_hand`` with a new ``eta`` and ``epsilon``."""
    params, first, second = problem
    adam = make_adam(params)
    once = step(adam, params, first)
    new_rate, new_epsilon = 0.05, 1e-2
    adam.configure(
        **dict(ADAM_SETTINGS, learning_rate_init=new_rate, epsilon=new_epsilon)
    )
    assert adam.learning_rate == new_rate
    twice = step(adam, once, second)
    expected = []
    for w1, g1, g2 in zip(once, first, second):
        m2 = BETA_1 * (1 - BETA_1) * g1 + (1 - BETA_1) * g2
        v2 = BETA_2 * (1 - BETA_2) * g1**2 + (1 - BETA_2) * g2**2
        rate2 = new_rate * np.sqrt(1 - BETA_2**2) / (1 - BETA_1**2)
        expected.append(w1 - rate2 * m2 / (np.sqrt(v2) + new_epsilon))
    assert_all_close(twice, expected, rtol=1e-13)


def test_configure_adam_keeps_a_cosine_rate_and_restarts_a_new_schedule(problem):
    """Adam maps other schedules to constant, which is a change from cosine."""
    params, first, _ = problem
    cosine = dict(ADAM_SETTINGS, learning_rate="cosine", total_steps=100)
    adam = Adam(params, **cosine)
    step(adam, params, first)
    adam.configure(**cosine)
    assert adam.learning_rate == pytest.approx(LR / 5)
    adam.configure(**dict(cosine, learning_rate="invscaling"))
    assert (adam.schedule, adam.learning_rate) == ("constant", LR)


@pytest.mark.parametrize("betas", [(0.5, BETA_2), (BETA_1, 0.9)])
def test_adam_configure_with_new_betas_restarts_the_moments(problem, betas):
    """After new betas, the next step is the first step of a new Adam.

    The moments restart in new arrays: the old ones keep their values, for a
    failed training call to put back (issue 19, bug 3).
    """
    params, first, second = problem
    adam = make_adam(params)
    params = step(adam, params, first)
    old = adam.ms + adam.vs
    values = [moment.copy() for moment in old]
    assert all(moment.any() for moment in values)
    adam.configure(
        learning_rate_init=LR,
        beta_1=betas[0],
        beta_2=betas[1],
        epsilon=EPSILON,
        learning_rate="constant",
        total_steps=None,
    )
    fresh = Adam(
        params, learning_rate_init=LR, beta_1=betas[0], beta_2=betas[1], epsilon=EPSILON
    )
    assert adam.t == 0
    assert_equal(old, values)
    new = adam.ms + adam.vs
    assert not any(a is b for a in new for b in old)
    for moment, previous in zip(new, old):
        assert moment.shape == previous.shape and moment.dtype == previous.dtype
        assert not moment.any()
    assert_all_close(step(adam, params, second), step(fresh, params, second), rtol=0)
    assert_equal(old, values)
