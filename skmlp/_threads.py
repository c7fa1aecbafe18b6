"""How many BLAS threads the matrix products of a training epoch get.

A second BLAS thread speeds up the large products of a quiet machine, does
nothing for small ones but synchronize, and, when another process takes a
core, makes every product wait for a thread that is not running: an epoch
then takes several times as long as with one thread. Which case holds depends
on the network, the batch, the machine and the moment, so the trainer measures
instead of guessing (:class:`BlasThreads`).
"""

import contextlib
import functools
import math
import statistics
import threading
import time

from threadpoolctl import ThreadpoolController

# The BLAS thread count is the process's: of fits that run at once in threads
# (joblib's threading backend, Dask's threaded scheduler), only the first to
# start an epoch tunes it, so that none restores a count another one set.
_tuning = threading.Lock()


@functools.cache
def _blas_libraries():
    """The loaded BLAS libraries (NumPy's, SciPy's), found once per process."""
    return ThreadpoolController().select(user_api="blas").lib_controllers


class BlasThreads:
    """Times batches under each BLAS thread count and uses the fastest.

    The candidates are one thread and the count in force when the epoch
    starts, so a limit set by the user (``threadpoolctl``, or
    ``OPENBLAS_NUM_THREADS`` and the like), or by joblib in its workers, is
    never exceeded. A probe runs ``2 * probes`` batches alternating between
    the two counts (it ends early when one count's batches take less than
    half as long as the other's); the one with the lower mean batch time is
    used from then on. Means, not medians: on a loaded machine most batches
    with two threads are fast, and the few that wait for a descheduled thread
    cost more than the others save.

    A new probe starts after ``period`` batches, or, when several threads were
    chosen, as soon as the mean of the last ``window`` batches is ``slowdown``
    times the chosen count's mean at the probe: another process has taken a
    core, and the choice must follow within a few batches, not an epoch. With
    one thread chosen, a slowdown is no reason to probe: more threads would
    not help, and under load each probe batch with them costs several.

    Use :meth:`epoch` around an epoch (it restores the original counts after)
    and :meth:`batch` around each batch. While another thread of the process
    is tuning, an epoch leaves the counts alone.

    Parameters
    ----------
    probes : int, default=3
        Batches timed under each count per probe.
    period : int, default=1000
        Batches between the end of a probe and the start of the next.
    slowdown : float, default=1.3
        How much slower than at the probe the batches must have become to
        start a new probe.
    window : int, default=16
        Batches whose mean is compared with the probe's.
    """

    def __init__(self, probes=3, period=1000, slowdown=1.3, window=16):
        self.probes, self.period = probes, period
        self.slowdown, self.window = slowdown, window
        self.candidates = ()
        self.chosen = None
        self._plan = []  # the counts of the probe batches still to run
        self._times = {}  # count -> seconds of its probe batches
        self._until_probe = 0
        self._recent = []  # seconds of the batches since the last check
        self._reference = 0.0  # the chosen count's mean probe batch
        self._applied = self._count = self._start = None

    @contextlib.contextmanager
    def epoch(self):
        """A context that sets the counts batch by batch and restores them after."""
        if not _tuning.acquire(blocking=False):
            self.candidates = ()
            yield self
            return
        try:
            libraries = _blas_libraries()
            original = [library.num_threads for library in libraries]
            ceiling = min(original, default=1)
            candidates = (1, ceiling) if ceiling > 1 else ()
            if candidates != self.candidates:  # the first epoch, or a new limit
                self.candidates, self.chosen = candidates, None
                self._plan, self._until_probe = [], 0
            self._applied = None
            try:
                yield self
            finally:
                for library, count in zip(libraries, original):
                    library.set_num_threads(count)
        finally:
            _tuning.release()

    def batch(self):
        """A context that runs one batch under the count whose turn it is."""
        return self

    def __enter__(self):
        if self.candidates:
            self._count = self._next_count()
            if self._count != self._applied:
                for library in _blas_libraries():
                    library.set_num_threads(self._count)
                self._applied = self._count
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, *exc_info):
        if not self.candidates:
            return
        if exc_type is not None:  # not timed: a probe batch is run again
            if self._count in self._times:
                self._plan.append(self._count)
            return
        seconds = time.perf_counter() - self._start
        if self._count in self._times:  # a probe batch
            self._times[self._count].append(seconds)
            if self._clear_winner():
                self._plan = []
            if not self._plan:
                means = {c: statistics.fmean(t) for c, t in self._times.items()}
                self.chosen = min(means, key=means.get)
                self._reference = means[self.chosen]
                self._times, self._recent = {}, []
                self._until_probe = self.period
        elif self.chosen > 1:
            self._recent.append(seconds)
            if len(self._recent) == self.window:
                if statistics.fmean(self._recent) > self.slowdown * self._reference:
                    self._until_probe = 0
                self._recent = []

    def _clear_winner(self):
        """Whether a count is twice as fast as the others in every batch so
        far, and timed twice: a loaded machine makes the other count's batches
        wait several times as long, and the probe needs no more of them."""
        times = self._times
        best = min(times, key=lambda count: max(times[count], default=math.inf))
        return len(times[best]) >= 2 and all(
            seconds and min(seconds) > 2 * max(times[best])
            for count, seconds in times.items()
            if count != best
        )

    def _next_count(self):
        if self._plan:
            return self._plan.pop()
        if self._until_probe:
            self._until_probe -= 1
            return self.chosen
        # A new probe, alternating the counts so that both see the same load.
        self._times = {count: [] for count in self.candidates}
        self._plan = list(reversed(self.candidates)) * self.probes
        # One thread first: under load, the batches of the other count are the
        # slow ones, and the probe can end after one of them.
        return self._plan.pop()
