"""How many BLAS threads the matrix products of a training epoch get.

A second BLAS thread speeds up the large products of a quiet machine, does
nothing for small ones but synchronize, and, when another process takes a
core, makes every product wait for a thread that is not running: an epoch
then takes several times as long as with one thread. Which case holds depends
on the network, the batch, the machine and the moment, so the trainer measures
instead of guessing (:class:`BlasThreads`).

The thread count is the process's, not the calling thread's: NumPy's OpenBLAS
runs one pool of pthreads for the whole process, and its
``openblas_set_num_threads_local`` (0.3.27 and later) sets that same count
despite its name (it differs only inside the OpenMP parallel regions of an
OpenMP build) and returns the previous one. Whatever count a fit puts in
force, any other thread can read: a ``threadpool_limits`` block that starts
then records it as the count to restore, and leaves the process pinned to it
when it ends after the fit. So a fit changes the count only while its thread
is the process's only Python thread, when no other Python code can read it.
The rule is the same for every BLAS library threadpoolctl finds, also for
those whose count recent threadpoolctl sets per thread (MKL's): one rule, safe
with any of them.
"""

import contextlib
import functools
import math
import statistics
import threading
import time

from threadpoolctl import ThreadpoolController


@functools.cache
def _blas():
    """A controller of the loaded BLAS libraries (NumPy's, SciPy's), found once
    per process."""
    return ThreadpoolController().select(user_api="blas")


def _alone():
    """Whether the calling thread is the process's only Python thread: then no
    other code reads or sets the BLAS thread counts until it starts one."""
    return threading.active_count() == 1


class BlasThreads:
    """Times batches under each BLAS thread count and uses the fastest.

    The counts are tuned only while the fit's thread is the process's only
    Python thread, checked when each epoch and each batch starts. Beside any
    other thread (fits running at once in a thread pool, a notebook's kernel,
    a progress bar's monitor) the batches run under the counts in force, which
    are left as they were found: another thread could read a count of ours
    and restore it later, or be setting its own. A thread that starts during
    an epoch ends its tuning at the next batch: the counts found come back
    then. Only a thread that reads them within the batch it started in
    finds a count of ours, and while the fit's thread is alone, nothing but
    code it runs (a finalizer, a signal handler) or native code can start
    one.

    While tuning, the candidates are one thread and the count in force when
    the epoch starts, so a limit set by the user (``threadpoolctl``, or
    ``OPENBLAS_NUM_THREADS`` and the like), or by joblib in its workers, is
    never exceeded. A probe runs ``probes`` batches on one thread, then as
    many on the other count (it ends early when one count's batches take less
    than half as long as the other's, or when the fastest one-thread batch is
    too short for a second thread to pay); the one with the lower mean batch
    time is used from then on. Means, not medians: on a loaded machine most
    batches with two threads are fast, and the few that wait for a
    descheduled thread cost more than the others save.

    A new probe starts after ``period`` seconds of tuned batches, or as soon
    as the mean of the last ``window`` batches has moved ``slowdown`` times
    away from the chosen count's batches at the probe. Slower with several
    threads chosen, than their mean: another process has taken a core. Faster
    with one, than its fastest probe batch (the others may share a core with
    the spin described below): the load that the probe met has gone; a burst
    of it during the first probe kept a whole fit on one thread, at 1.26x
    scikit-learn's speed instead of 1.73x on MNIST. The choice must follow
    within a few batches, not an epoch. With one thread chosen, a slowdown is
    no reason to probe: more threads would not help, and under load each
    probe batch with them costs several. The period is a time, not a number
    of batches, because so is a probe's cost under load: its batch with
    several threads, then OpenBLAS's idle worker threads, which spin for
    about 0.1 s (2^28 clock cycles) before they sleep, competing for the
    cores with the fit and the other process. Once every ``period`` seconds,
    that costs a few percent of the training time, whatever a batch takes.
    The choice carries over from epoch to epoch, also across epochs that are
    not tuned; only a new limit starts over.

    Use :meth:`epoch` around an epoch and :meth:`batch` around each batch.
    The counts are set through threadpoolctl's ``limit``, which restores them
    when the epoch ends and then hands its control of the OpenBLAS pool back
    (recent threadpoolctl lets one thread at a time set it), so callbacks and
    prediction run under the caller's counts, and other threads can set them.

    Parameters
    ----------
    probes : int, default=3
        Batches timed under each count per probe.
    period : float, default=1.0
        Seconds of tuned batches between the end of a probe and the start of
        the next.
    slowdown : float, default=1.3
        How much slower than at the probe the batches must have become to
        start a new probe.
    window : int, default=16
        Batches whose mean is compared with the probe's.
    shortest : float, default=5e-4
        Seconds: a probe whose fastest one-thread batch is shorter ends with
        them and keeps one thread, since a second thread would save less than
        waking it costs beside a busy process (a tabular (64, 64) batch of 200
        rows takes 0.2 ms on one thread, and took 4-13 ms on two beside such
        a process; MNIST's take 1.6 ms). The fastest, because a fit's first batch is
        cold, and a loaded machine's batches are sometimes slow.

    Attributes
    ----------
    candidates : tuple of int
        The counts that the last tuned epoch compared, ``(1, limit)``; empty
        until an epoch is tuned (none is under a limit of one thread).
    chosen : int or None
        The count the last probe chose.
    n_probes : int
        Probes started so far.
    """

    def __init__(self, probes=3, period=1.0, slowdown=1.3, window=16, shortest=5e-4):
        self.probes, self.period = probes, period
        self.slowdown, self.window = slowdown, window
        self.shortest = shortest
        self.candidates = ()
        self.chosen = None
        self.n_probes = 0
        self._tuning = None  # while tuning: what restores the counts found
        # Set by the first tuned epoch: _plan, the counts of the probe batches
        # still to run; _until_probe, seconds of tuned batches until the next
        # probe; _applied, the count set. By each probe: _times, count ->
        # seconds of its probe batches. When it ends: _reference and _fastest,
        # the chosen count's mean and fastest probe batch; _recent, seconds of
        # the batches since the last check. By each batch: _count and _start.

    @contextlib.contextmanager
    def epoch(self):
        """A context that tunes the counts batch by batch, if the fit's thread
        is alone, and restores them after."""
        controller = _blas()
        ceiling = 1
        if controller.lib_controllers and _alone():
            ceiling = min(library.num_threads for library in controller.lib_controllers)
        if ceiling == 1:  # beside another thread, or one thread allowed
            yield self
            return
        candidates = (1, ceiling)
        if candidates != self.candidates:  # the first tuned epoch, or a new limit
            self.candidates, self.chosen = candidates, None
            self._plan, self._times, self._until_probe = [], {}, 0.0
        with contextlib.ExitStack() as tuning:
            tuning.enter_context(controller.limit(limits=ceiling, user_api="blas"))
            self._tuning, self._applied = tuning, ceiling
            try:
                yield self
            finally:
                self._tuning = None

    def batch(self):
        """A context that runs one batch under the count whose turn it is."""
        return self

    def __enter__(self):
        self._count = None
        if self._tuning is not None:
            if _alone():
                self._count = self._next_count()
                if self._count != self._applied:
                    for library in _blas().lib_controllers:
                        library.set_num_threads(self._count)
                    self._applied = self._count
            else:  # a thread has started: it must find the counts it would have
                self._tuning.close()
                self._tuning = None
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, *exc_info):
        if self._count is None:
            return
        if exc_type is not None:  # not timed: a probe batch is run again
            if self._count in self._times:
                self._plan.append(self._count)
            return
        seconds = time.perf_counter() - self._start
        if self._count in self._times:  # a probe batch
            self._times[self._count].append(seconds)
            if self._clear_winner() or self._too_short():
                self._plan.clear()
            if not self._plan:
                means = {c: statistics.fmean(t) for c, t in self._times.items() if t}
                self.chosen = min(means, key=means.get)
                self._reference = means[self.chosen]
                self._fastest = min(self._times[self.chosen])
                self._times, self._recent = {}, []
                self._until_probe = self.period
            return
        self._until_probe -= seconds
        self._recent.append(seconds)
        if len(self._recent) == self.window:
            mean = statistics.fmean(self._recent)
            if self.chosen > 1:
                moved = mean > self.slowdown * self._reference
            else:  # against the fastest probe batch, which no spin slowed
                moved = mean * self.slowdown < self._fastest
            if moved:
                self._until_probe = 0.0
            self._recent = []

    def _too_short(self):
        """Whether the probe's one-thread batches are done and the fastest
        took less than ``shortest``: a second thread could save half of it
        at most, less than waking it costs when another process has the
        cores (OpenBLAS's worker then spins for 0.1 s)."""
        ones = self._times[1]
        return len(ones) == self.probes and min(ones) < self.shortest

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
        if self._until_probe > 0:
            return self.chosen
        # A new probe. One thread first: its batches can show that a second
        # thread cannot pay before any runs, and under load the other count's
        # batches are the slow ones, and the probe can end after one of them.
        self.n_probes += 1
        self._times = {count: [] for count in self.candidates}
        self._plan = [c for c in reversed(self.candidates) for _ in range(self.probes)]
        return self._plan.pop()
