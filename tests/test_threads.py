"""Tests of ``BlasThreads``, the choice of the BLAS thread count per batch.

The first tests replace the BLAS libraries and the clock by fakes, so that
each decides how long a batch takes under each thread count: the choice must
go to the faster count, follow a change of load within a window of batches,
never exceed the limit in force, and leave that limit as it found it. The
last ones fit real models beside real threads that use ``threadpool_limits``:
the counts that threadpoolctl reports must be those found, the other threads'
limits must hold while they last and go when they end, and fits running at
once must not probe.
"""

import contextlib
import re
import subprocess
import sys
import threading

import pytest
from threadpoolctl import threadpool_limits

from skmlp import FromScratchMLPClassifier, _threads, _training
from skmlp._threads import BlasThreads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class FakeLibrary:
    """A BLAS library that records the thread counts it is given."""

    def __init__(self, num_threads):
        self.num_threads = num_threads
        self.history = []

    def set_num_threads(self, count):
        self.num_threads = count
        self.history.append(count)


class FakeController:
    """threadpoolctl's controller of fake libraries; its ``limit`` sets them
    all, then restores each count it found, as threadpoolctl's does."""

    def __init__(self, libraries):
        self.lib_controllers = libraries

    @contextlib.contextmanager
    def limit(self, *, limits, user_api):
        assert user_api == "blas"
        found = [library.num_threads for library in self.lib_controllers]
        for library in self.lib_controllers:
            library.set_num_threads(limits)
        try:
            yield self
        finally:
            for library, count in zip(self.lib_controllers, found):
                library.set_num_threads(count)


class Machine:
    """Fake BLAS libraries and a clock whose batches last ``ms[count]``
    milliseconds; ``alone`` says whether the fit's thread is the process's
    only one."""

    def __init__(self, monkeypatch, num_threads=2, n_libraries=2):
        self.libraries = [FakeLibrary(num_threads) for _ in range(n_libraries)]
        self.ms = {1: 1.0, num_threads: 1.0}
        self.now = 0.0
        self.alone = True
        controller = FakeController(self.libraries)
        monkeypatch.setattr(_threads, "_blas", lambda: controller)
        monkeypatch.setattr(_threads, "_alone", lambda: self.alone)
        monkeypatch.setattr(_threads.time, "perf_counter", lambda: self.now)

    def run(self, threads, n_batches):
        """Run ``n_batches`` batches; return the thread count of each."""
        counts = []
        for _ in range(n_batches):
            with threads.batch():
                count = self.libraries[0].num_threads
                assert {library.num_threads for library in self.libraries} == {count}
                self.now += self.ms[count] / 1000
            counts.append(count)
        return counts


def test_a_new_tuner_has_the_documented_defaults_and_has_chosen_nothing():
    threads = BlasThreads()
    documented = re.findall(
        r"^    (\w+) : \w+, default=(\S+)$", BlasThreads.__doc__, re.M
    )
    assert {name: getattr(threads, name) for name, _ in documented} == {
        name: float(value) for name, value in documented
    }
    assert (threads.candidates, threads.chosen, threads.n_probes) == ((), None, 0)


def test_the_faster_count_is_chosen_after_a_probe(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 20)
    assert sorted(counts[:6]) == [1, 1, 1, 2, 2, 2]
    assert counts[6:] == [2] * 14
    assert threads.chosen == 2 and threads.n_probes == 1


def test_one_thread_is_chosen_when_it_is_faster(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 5.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 20)
    assert counts[6:] == [1] * 14


def test_a_probe_ends_early_when_one_count_is_twice_as_fast(monkeypatch):
    """Under load, a second thread makes every batch wait: one slow batch
    beside two fast ones settles it."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 3.0, 2: 6.5}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 10)
    assert counts == [1, 1, 1, 2] + [1] * 6


def test_a_probe_runs_in_full_when_the_counts_are_close(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 3.0, 2: 5.5}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 10)
    assert counts == [1] * 3 + [2] * 3 + [1] * 4


def test_a_probe_ends_early_for_either_count(monkeypatch):
    """Here after two batches on two threads: the period before the next probe
    (two of those batches) starts then."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 6.5, 2: 3.0}
    threads = BlasThreads(probes=3, period=0.005)
    with threads.epoch():
        counts = machine.run(threads, 9)
    assert counts == [1, 1, 1, 2, 2] + [2, 2] + [1, 1]


def test_the_counts_are_set_only_when_they_change(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        machine.run(threads, 6 + 20)
    # the limit at the start, one setting per change of count, the restore
    assert machine.libraries[0].history == [2, 1, 2, 2]


def test_with_one_thread_chosen_a_slowdown_starts_no_probe(monkeypatch):
    """More threads would not help, and under load they cost several batches."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 3.0}
    threads = BlasThreads(probes=3, window=4)
    with threads.epoch():
        machine.run(threads, 6)
        machine.ms = {1: 6.0, 2: 3.0}
        assert machine.run(threads, 12) == [1] * 12


def test_a_slowdown_starts_a_new_probe_within_a_window(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3, window=4, slowdown=1.3)
    with threads.epoch():
        machine.run(threads, 6 + 8)
        assert threads.chosen == 2
        machine.ms = {1: 3.0, 2: 6.0}  # another process took a core
        counts = machine.run(threads, 4 + 6 + 5)
    assert counts[:4] == [2] * 4  # the window that sees the slowdown
    assert sorted(counts[4:10]) == [1, 1, 1, 2, 2, 2]
    assert counts[10:] == [1] * 5
    assert threads.n_probes == 2


def test_with_one_thread_chosen_a_speed_up_starts_a_new_probe(monkeypatch):
    """A burst of load during the probe chose one thread; once it has gone,
    the one-thread batches speed up and the choice follows within a window."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 6.0, 2: 9.0}
    threads = BlasThreads(probes=3, window=4, slowdown=1.3)
    with threads.epoch():
        machine.run(threads, 6)
        assert threads.chosen == 1
        machine.ms = {1: 3.0, 2: 2.0}
        counts = machine.run(threads, 4 + 6 + 5)
    assert counts[:4] == [1] * 4  # the window that sees the speed-up
    assert sorted(counts[4:10]) == [1, 1, 1, 2, 2, 2]
    assert counts[10:] == [2] * 5
    assert threads.n_probes == 2


def test_a_probe_whose_one_thread_batches_are_short_keeps_one_thread(monkeypatch):
    """A second thread cannot save what waking it costs under load: the probe
    ends before any batch runs on it."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 0.4, 2: 0.3}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        assert machine.run(threads, 10) == [1] * 10
    assert threads.chosen == 1 and threads.n_probes == 1
    machine.ms = {1: 0.6, 2: 0.3}
    other = BlasThreads(probes=3)
    with other.epoch():
        assert machine.run(other, 7) == [1] * 3 + [2] * 4
    assert other.chosen == 2


def test_the_fastest_one_thread_batch_decides_whether_they_are_short(monkeypatch):
    """A fit's first batch is slow (cold caches), and so are some batches of a
    loaded machine: one short batch is enough."""
    machine = Machine(monkeypatch)
    threads = BlasThreads(probes=3)
    with threads.epoch():
        machine.ms = {1: 0.6, 2: 0.3}
        machine.run(threads, 2)
        machine.ms = {1: 0.4, 2: 0.3}
        assert machine.run(threads, 5) == [1] * 5
    assert threads.chosen == 1 and threads.n_probes == 1


def test_with_one_thread_chosen_a_small_speed_up_keeps_the_choice(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 6.0, 2: 9.0}
    threads = BlasThreads(probes=3, window=4, slowdown=1.3)
    with threads.epoch():
        machine.run(threads, 6)
        machine.ms = {1: 5.0, 2: 2.0}
        assert machine.run(threads, 20) == [1] * 20
    assert threads.n_probes == 1


def test_a_slowdown_below_the_threshold_keeps_the_choice(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3, window=4, slowdown=1.3)
    with threads.epoch():
        machine.run(threads, 6)
        machine.ms = {1: 3.0, 2: 2.5}
        assert machine.run(threads, 20) == [2] * 20


def test_a_new_probe_follows_after_the_period(monkeypatch):
    """The period is in seconds of batches: half as long batches, twice as
    many of them."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 0.5, 2: 0.5}
    threads = BlasThreads(probes=2, period=0.005)
    with threads.epoch():
        counts = machine.run(threads, 4 + 10 + 4)
    assert len(set(counts[4:14])) == 1
    assert sorted(counts[14:]) == [1, 1, 2, 2]
    assert threads.n_probes == 2


def test_the_choice_carries_over_to_the_next_epoch(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 5.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        machine.run(threads, 6)
    with threads.epoch():
        assert machine.run(threads, 5) == [1] * 5
    assert threads.n_probes == 1


def test_the_original_counts_come_back_after_an_epoch(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 5.0}
    threads = BlasThreads()
    with pytest.raises(KeyboardInterrupt), threads.epoch():
        machine.run(threads, 10)
        raise KeyboardInterrupt
    assert [library.num_threads for library in machine.libraries] == [2, 2]


def test_the_limit_in_force_is_never_exceeded(monkeypatch):
    machine = Machine(monkeypatch, num_threads=1)
    threads = BlasThreads()
    with threads.epoch():
        assert machine.run(threads, 10) == [1] * 10
    assert all(library.history == [] for library in machine.libraries)


def test_a_lowered_limit_starts_over_with_the_new_candidates(monkeypatch):
    machine = Machine(monkeypatch, num_threads=4)
    machine.ms = {1: 9.0, 3: 1.0, 4: 2.0}
    threads = BlasThreads(probes=1)
    with threads.epoch():
        machine.run(threads, 4)
    assert threads.chosen == 4
    for library in machine.libraries:
        library.num_threads = 3  # the user lowered the limit between epochs
    with threads.epoch():
        counts = machine.run(threads, 4)
    assert sorted(counts[:2]) == [1, 3] and counts[2:] == [3, 3]


def test_a_failed_batch_is_not_timed(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 3.0}
    threads = BlasThreads(probes=1)
    with threads.epoch():
        with pytest.raises(FloatingPointError), threads.batch():
            raise FloatingPointError
        assert machine.run(threads, 2) == [1, 2]  # the failed count runs again
        assert threads.chosen == 1


def test_beside_another_thread_an_epoch_sets_nothing(monkeypatch):
    machine = Machine(monkeypatch)
    machine.alone = False
    threads = BlasThreads()
    with threads.epoch():
        assert machine.run(threads, 10) == [2] * 10
    assert all(library.history == [] for library in machine.libraries)
    assert threads.n_probes == 0


def test_the_choice_survives_an_epoch_beside_another_thread(monkeypatch):
    """A thread that comes and goes between epochs starts no new probe."""
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 5.0}
    threads = BlasThreads(probes=3)
    for alone in [True, False, True, False, True]:
        machine.alone = alone
        with threads.epoch():
            counts = machine.run(threads, 8)
        assert counts[-2:] == ([1, 1] if alone else [2, 2])
    assert threads.n_probes == 1


def test_a_thread_that_starts_during_an_epoch_ends_its_tuning(monkeypatch):
    machine = Machine(monkeypatch)
    machine.ms = {1: 2.0, 2: 5.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        assert machine.run(threads, 8) == [1, 1, 1, 2] + [1] * 4
        machine.alone = False  # the counts found come back at the next batch
        assert machine.run(threads, 4) == [2] * 4
        machine.alone = True  # and stay until the epoch ends
        assert machine.run(threads, 4) == [2] * 4
    assert machine.libraries[0].history == [2, 1, 2, 1, 2]


# Real fits, real threads, the real BLAS libraries.


def test_a_thread_is_alone_until_it_starts_another():
    """In a fresh process: the test runner's own threads would count here."""
    script = (
        "import threading; from skmlp._threads import _alone; "
        "assert _alone(); stop = threading.Event(); "
        "threading.Thread(target=stop.wait).start(); "
        "assert not _alone(); stop.set()"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


FIT = dict(hidden_layer_sizes=(16,), batch_size=20, max_iter=4, random_state=0)


@pytest.fixture
def blas(monkeypatch):
    """The real BLAS libraries, and the ``(thread, count)`` of every setting
    made through them: the fits', not those of ``threadpool_limits``, whose
    controllers are its own."""
    libraries = _threads._blas().lib_controllers
    if not libraries:
        pytest.skip("threadpoolctl finds no BLAS library")
    sets = []
    for library in libraries:

        def record(count, set_num_threads=library.set_num_threads):
            sets.append((threading.current_thread().name, count))
            return set_num_threads(count)

        monkeypatch.setattr(library, "set_num_threads", record)
    return libraries, sets


@pytest.fixture
def tunable(blas, monkeypatch):
    """A fit in this thread tunes: the threads that earlier tests left running
    (the idle listeners of scikit-learn's callbacks, Dask's executors) do not
    count as others, those that the test starts do."""
    if min(counts(blas[0])) < 2:
        pytest.skip("one BLAS thread in force: nothing to tune")
    idle = threading.active_count()
    monkeypatch.setattr(_threads, "_alone", lambda: threading.active_count() <= idle)


@pytest.fixture
def tuners(monkeypatch):
    """The ``BlasThreads`` of the trainers made during the test."""
    made = []

    class Recorded(BlasThreads):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(_training, "BlasThreads", Recorded)
    return made


def counts(libraries):
    """The thread counts in force, as threadpoolctl reports them."""
    return [library.num_threads for library in libraries]


def run_in_thread(target):
    """Run ``target`` in a new thread, wait for it, and return its result."""
    result = []
    thread = threading.Thread(target=lambda: result.append(target()))
    thread.start()
    thread.join()
    return result[0]


def test_a_fit_leaves_the_counts_and_their_control_as_found(
    iris, blas, tunable, tuners
):
    """It tunes, restores, and hands threadpoolctl's control of the pool
    back: another thread can then set the counts."""
    libraries, sets = blas
    found = counts(libraries)
    FromScratchMLPClassifier(**FIT).fit(*iris)
    assert tuners[0].n_probes >= 1 and 1 in {count for _, count in sets}
    assert counts(libraries) == found

    def limited():
        with threadpool_limits(1, user_api="blas"):
            return counts(libraries)

    assert run_in_thread(limited) == [1] * len(libraries)
    assert counts(libraries) == found


def test_a_limit_in_another_thread_holds_during_a_fit_and_goes_after(iris, blas):
    """The scenario of the issue: another thread enters and leaves
    ``threadpool_limits(1)`` again and again while the fit runs."""
    libraries, sets = blas
    found = counts(libraries)
    started, stop = threading.Event(), threading.Event()
    inside = []

    def limiting():
        while not stop.is_set():
            with threadpool_limits(1, user_api="blas"):
                inside.append(counts(libraries))
                started.set()
            stop.wait(0.001)

    thread = threading.Thread(target=limiting)
    thread.start()
    started.wait()
    FromScratchMLPClassifier(**FIT).fit(*iris)
    stop.set()
    thread.join()
    assert sets == []
    assert all(seen == [1] * len(libraries) for seen in inside)  # never undone
    assert counts(libraries) == found  # nor left pinned


def test_a_thread_started_during_an_epoch_finds_the_counts_found(
    iris, blas, tunable, monkeypatch
):
    """The fit tunes until the thread starts, then gives the counts it found
    back at the next batch: the thread's limit holds, and what it restores
    when it ends is those counts."""
    libraries, sets = blas
    found = counts(libraries)
    go, entered, stop = threading.Event(), threading.Event(), threading.Event()
    restores, during = [], []

    def limiting():
        go.wait()
        with threadpool_limits(1, user_api="blas") as limiter:
            restores.append(limiter.get_original_num_threads()["blas"])
            entered.set()
            stop.wait()

    thread = threading.Thread(target=limiting)
    n_batches = 0

    class Hooked(BlasThreads):
        def batch(self):
            nonlocal n_batches
            n_batches += 1
            if n_batches == 2:  # the first batch ran under one thread
                assert counts(libraries) == [1] * len(libraries)
                thread.start()
            elif n_batches == 3:
                go.set()
                entered.wait()
            elif n_batches > 3:
                during.append(counts(libraries))
            return super().batch()

    monkeypatch.setattr(_training, "BlasThreads", Hooked)
    try:
        FromScratchMLPClassifier(**FIT).fit(*iris)
        assert during and all(seen == [1] * len(libraries) for seen in during)
        assert counts(libraries) == [1] * len(libraries)
    finally:
        go.set()
        stop.set()
        thread.join()
    assert restores == [min(found)]
    assert counts(libraries) == found
    assert all(name == threading.current_thread().name for name, _ in sets)


def test_fits_running_at_once_in_threads_never_probe(iris, blas, tuners):
    libraries, sets = blas
    found = counts(libraries)
    barrier = threading.Barrier(3)

    def fit():
        barrier.wait()
        FromScratchMLPClassifier(**FIT).fit(*iris)

    threads = [threading.Thread(target=fit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tuners) == 3 and [tuner.n_probes for tuner in tuners] == [0, 0, 0]
    assert sets == []
    assert counts(libraries) == found


@pytest.mark.parametrize("limit", [1, 2])
def test_a_users_limit_holds_during_and_after_a_fit(iris, blas, limit):
    libraries, sets = blas
    with threadpool_limits(limit, user_api="blas"):
        FromScratchMLPClassifier(**FIT).fit(*iris)
        after = counts(libraries)
    assert {count for _, count in sets} <= {1, limit}
    assert after == [limit] * len(libraries)
