"""Tests of ``BlasThreads``, the choice of the BLAS thread count per batch.

The BLAS libraries and the clock are replaced by fakes, so that each test
decides how long a batch takes under each thread count: the choice must go to
the faster count, follow a change of load within a window of batches, never
exceed the limit in force, and leave that limit as it found it.
"""

import pytest
from threadpoolctl import threadpool_limits

from skmlp import FromScratchMLPClassifier, _threads
from skmlp._threads import BlasThreads


class FakeLibrary:
    """A BLAS library that records the thread counts it is given."""

    def __init__(self, num_threads):
        self.num_threads = num_threads
        self.history = []

    def set_num_threads(self, count):
        self.num_threads = count
        self.history.append(count)


class Machine:
    """Fake BLAS libraries and a clock whose batches last ``seconds[count]``."""

    def __init__(self, monkeypatch, num_threads=2, n_libraries=2):
        self.libraries = [FakeLibrary(num_threads) for _ in range(n_libraries)]
        self.seconds = {1: 1.0, num_threads: 1.0}
        self.now = 0.0
        monkeypatch.setattr(_threads, "_blas_libraries", lambda: self.libraries)
        monkeypatch.setattr(_threads.time, "perf_counter", lambda: self.now)

    def run(self, threads, n_batches):
        """Run ``n_batches`` batches; return the thread count of each."""
        counts = []
        for _ in range(n_batches):
            with threads.batch():
                count = self.libraries[0].num_threads
                assert {library.num_threads for library in self.libraries} == {count}
                self.now += self.seconds[count]
            counts.append(count)
        return counts


def test_the_faster_count_is_chosen_after_a_probe(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 20)
    assert sorted(counts[:6]) == [1, 1, 1, 2, 2, 2]
    assert counts[6:] == [2] * 14
    assert threads.chosen == 2


def test_one_thread_is_chosen_when_it_is_faster(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 2.0, 2: 5.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 20)
    assert counts[6:] == [1] * 14


def test_a_probe_ends_early_when_one_count_is_twice_as_fast(monkeypatch):
    """Under load, a second thread makes every batch wait: one slow batch
    beside two fast ones settles it."""
    machine = Machine(monkeypatch)
    machine.seconds = {1: 3.0, 2: 6.5}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 10)
    assert counts == [1, 2, 1] + [1] * 7


def test_a_probe_runs_in_full_when_the_counts_are_close(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 3.0, 2: 5.5}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 10)
    assert counts == [1, 2] * 3 + [1] * 4


def test_a_probe_ends_early_for_either_count(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 6.5, 2: 3.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        counts = machine.run(threads, 8)
    assert counts == [1, 2, 1, 2] + [2] * 4


def test_the_counts_are_set_only_when_they_change(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        machine.run(threads, 6 + 20)
    # one setting per probe batch, then none, then the restore
    assert machine.libraries[0].history == [1, 2, 1, 2, 1, 2, 2]


def test_with_one_thread_chosen_a_slowdown_starts_no_probe(monkeypatch):
    """More threads would not help, and under load they cost several batches."""
    machine = Machine(monkeypatch)
    machine.seconds = {1: 2.0, 2: 3.0}
    threads = BlasThreads(probes=3, window=4)
    with threads.epoch():
        machine.run(threads, 6)
        machine.seconds = {1: 6.0, 2: 3.0}
        assert machine.run(threads, 12) == [1] * 12


def test_a_slowdown_starts_a_new_probe_within_a_window(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3, window=4, slowdown=1.3)
    with threads.epoch():
        machine.run(threads, 6 + 8)
        assert threads.chosen == 2
        machine.seconds = {1: 3.0, 2: 6.0}  # another process took a core
        counts = machine.run(threads, 4 + 6 + 5)
    assert counts[:4] == [2] * 4  # the window that sees the slowdown
    assert sorted(counts[4:10]) == [1, 1, 1, 2, 2, 2]
    assert counts[10:] == [1] * 5


def test_a_slowdown_below_the_threshold_keeps_the_choice(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=3, window=4, slowdown=1.3)
    with threads.epoch():
        machine.run(threads, 6)
        machine.seconds = {1: 3.0, 2: 2.5}
        assert machine.run(threads, 20) == [2] * 20


def test_a_new_probe_follows_after_the_period(monkeypatch):
    machine = Machine(monkeypatch)
    threads = BlasThreads(probes=2, period=5)
    with threads.epoch():
        counts = machine.run(threads, 4 + 5 + 4)
    assert sorted(counts[9:]) == [1, 1, 2, 2]


def test_the_choice_carries_over_to_the_next_epoch(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 2.0, 2: 5.0}
    threads = BlasThreads(probes=3)
    with threads.epoch():
        machine.run(threads, 6)
    with threads.epoch():
        assert machine.run(threads, 5) == [1] * 5


def test_the_original_counts_come_back_after_an_epoch(monkeypatch):
    machine = Machine(monkeypatch)
    machine.seconds = {1: 2.0, 2: 5.0}
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
    assert all(library.history == [1] for library in machine.libraries)


def test_a_lowered_limit_starts_over_with_the_new_candidates(monkeypatch):
    machine = Machine(monkeypatch, num_threads=4)
    machine.seconds = {1: 9.0, 3: 1.0, 4: 2.0}
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
    machine.seconds = {1: 3.0, 2: 2.0}
    threads = BlasThreads(probes=1)
    with threads.epoch():
        with pytest.raises(FloatingPointError), threads.batch():
            raise FloatingPointError
        assert machine.run(threads, 2)  # the probe is still waiting for both
        assert threads.chosen == 2


def test_an_epoch_leaves_the_counts_alone_while_another_one_tunes(monkeypatch):
    """Fits running at once in threads share the process's BLAS: only the
    first tunes it, and the other restores nothing it did not set."""
    machine = Machine(monkeypatch)
    first, second = BlasThreads(), BlasThreads()
    with first.epoch():
        machine.run(first, 2)
        with second.epoch():
            assert second.candidates == ()
            machine.run(second, 3)
        assert machine.libraries[0].num_threads == first._applied
    assert [library.num_threads for library in machine.libraries] == [2, 2]
    with second.epoch():  # its turn, once the first has finished
        assert second.candidates == (1, 2)


@pytest.fixture
def real_libraries(monkeypatch):
    """The real BLAS libraries, recording the counts training sets."""
    libraries = _threads._blas_libraries()
    if not libraries:
        pytest.skip("threadpoolctl finds no BLAS library")
    seen = []
    for library in libraries:

        def record(count, set_num_threads=library.set_num_threads):
            seen.append(count)
            set_num_threads(count)

        monkeypatch.setattr(library, "set_num_threads", record)
    return libraries, seen


@pytest.mark.parametrize("limit", [1, 2])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_users_limit_holds_during_and_after_a_fit(iris, real_libraries, limit):
    libraries, seen = real_libraries
    with threadpool_limits(limit, user_api="blas"):
        FromScratchMLPClassifier(max_iter=3, batch_size=20).fit(*iris)
        after = [library.num_threads for library in libraries]
    assert set(seen) == ({limit} if limit == 1 else {1, 2})
    assert after == [limit] * len(libraries)
