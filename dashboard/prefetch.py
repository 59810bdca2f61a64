"""Compute the states a user is likely to ask for next while they read the one on screen.

A state not computed before costs 0.3-1.5 s of server time (threat flights, radar tracks,
intercept windows: the engine), most of it in the engine's compiled loops. The controls a user
moves most are few and discrete: the year (the year buttons, play) and the parameter estimate
(low / nominal / high). So once a page is drawn, one background thread computes the states one
step away on those controls (next year, the other two estimates, the previous year) into the
same caches the page reads; when the user then asks for one, the rerun reads it (or waits for
the computation already under way instead of starting a second).

Bounds, so that speculation never starves anyone: one thread per server process, whatever the
number of users; at most :data:`MAX_PENDING` states wait (the oldest asks are dropped first,
and the newest page's neighbours are computed first); a state waiting or being computed is not
queued twice (one already in the caches costs a job its lookups, a few ms); a failed
computation (a work budget, bad what-if input) is dropped silently: the page that asks for that
state meets the error itself. The engine's loops release the interpreter lock, and a job starts
only when no page run is under way in the process and the last ended :data:`GRACE_S` ago
(:data:`FIRST_PAGE_HOLD_S` more after a session's first page; the app says when its runs start
and end: :func:`run_started`, :func:`run_finished`): so users' reruns come first; a job already
started runs on (0.2-0.8 s).

Off with the environment variable ``EPAA_PREFETCH=0`` (the test suite sets it, so that its
timings and cache counts do not depend on a thread that outlives the run that started it).

Also here: :func:`freeze_long_lived`, run once by the prefetch thread before its first job
(when no page runs): it moves the objects alive then (modules, catalogue, caches: ~250 k) out
of the cyclic garbage collector's reach, whose oldest-generation passes over them took
130-140 ms of a rerun now and then (measured in a new-estimate rerun, 2016, 25 km). Objects
made later are collected as usual; the frozen ones are freed by reference counting when let
go, unless they are in a cycle (then they stay: a bounded cost, the set frozen once).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = [
    "ENV",
    "FIRST_PAGE_HOLD_S",
    "GRACE_S",
    "MAX_PENDING",
    "Prefetcher",
    "THREAD_NAME",
    "enabled",
    "freeze_long_lived",
    "prefetcher",
    "run_finished",
    "run_started",
]

#: The environment variable that turns prefetching off (``0``); on otherwise.
ENV = "EPAA_PREFETCH"

#: The prefetch thread's name (what it computes can be told from a page's work by it).
THREAD_NAME = "epaa-prefetch"

#: States waiting to be computed, at most (a page asks for four).
MAX_PENDING = 8

#: A job starts only when no page run is under way and the last one ended this long ago (s):
#: a user stepping through years or delays faster than this is not slowed by prefetching.
GRACE_S = 1.0

#: After a session's first page, jobs wait this long more (s): its browser is still fetching
#: the basemap and building the map's layers, and a screen-size rerun may follow.
FIRST_PAGE_HOLD_S = 2.0

#: A page run not said to have finished counts as under way while its thread lives (a run
#: stopped by an error ends its thread), and for this long at most (s): a backstop.
ACTIVE_MAX_S = 120.0

_log = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether pages prefetch their neighbours (``EPAA_PREFETCH`` is not ``0``)."""
    return os.environ.get(ENV, "1").strip() != "0"


class Prefetcher:
    """One background thread computing the jobs it is given, newest first.

    Parameters
    ----------
    max_pending
        Jobs waiting at most; a new job beyond it drops the oldest waiting one.
    freeze
        Before its first job, run :func:`freeze_long_lived` (in this thread, when no page runs:
        its full collection, 0.15-0.3 s, then delays no page).
    """

    def __init__(self, max_pending: int = MAX_PENDING, *, freeze: bool = False):
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self._max_pending = max_pending
        self._freeze = freeze
        self._lock = threading.Lock()
        self._pending: OrderedDict[Hashable, Callable[[], object]] = OrderedDict()
        self._running: Hashable | None = None
        self._worker: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        #: Jobs run, failed and dropped unrun (for tests and the bench).
        self.counts = {"run": 0, "failed": 0, "dropped": 0}

    def submit(self, key: Hashable, job: Callable[[], object]) -> bool:
        """Queue ``job`` under ``key`` unless that key waits or runs now; True if queued.

        A key that waits already moves to the front (the newest ask).
        """
        with self._lock:
            if key == self._running:
                return False
            if key in self._pending:
                self._pending.move_to_end(key)
                return False
            self._pending[key] = job
            while len(self._pending) > self._max_pending:
                self._pending.popitem(last=False)
                self.counts["dropped"] += 1
            self._idle.clear()
            if self._worker is None:
                self._start_worker()
        return True

    def _start_worker(self) -> None:
        """Start the worker thread (the caller holds ``self._lock``)."""
        self._worker = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._worker.start()

    def _run(self) -> None:
        try:
            while True:
                _wait_quiet()
                if self._freeze and freeze_long_lived():
                    continue  # the collection took a while: look for page runs again
                with self._lock:
                    self._running = None
                    if not self._pending:
                        return
                    self._running, job = self._pending.popitem(last=True)  # newest first
                try:
                    job()
                except Exception:  # the page asking for this state meets the error itself
                    _log.debug("prefetch job failed", exc_info=True)
                    self.counts["failed"] += 1
                else:
                    self.counts["run"] += 1
        finally:  # however the loop ends, a later submit starts a new worker
            with self._lock:
                self._running = None
                self._worker = None
                if self._pending:  # ended by an error other than a job's: start again
                    self._start_worker()
                else:
                    self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running (or ``timeout`` s); True if idle."""
        return self._idle.wait(timeout)


_ACTIVITY_LOCK = threading.Lock()
#: Page runs under way: thread id -> (thread, start time in monotonic s).
_ACTIVE: dict[int, tuple[threading.Thread, float]] = {}
_LAST_END = [0.0]


def run_started() -> None:
    """A page run starts (in this thread): jobs wait until it ends."""
    now = time.monotonic()
    with _ACTIVITY_LOCK:
        _forget_ended_runs(now)  # runs stopped by an error do not pile up
        _ACTIVE[threading.get_ident()] = (threading.current_thread(), now)


def run_finished(*, first_page: bool = False) -> None:
    """The page run of this thread has ended (``first_page``: its session's first whole page)."""
    end = time.monotonic() + (FIRST_PAGE_HOLD_S if first_page else 0.0)
    with _ACTIVITY_LOCK:
        _ACTIVE.pop(threading.get_ident(), None)
        _LAST_END[0] = max(_LAST_END[0], end)


def _forget_ended_runs(now: float) -> None:
    """Drop the runs that never said they ended: thread gone, or past the backstop (lock held)."""
    for ident, (thread, started) in list(_ACTIVE.items()):
        if not thread.is_alive() or now - started > ACTIVE_MAX_S:
            del _ACTIVE[ident]


def _quiet_for() -> float:
    """Seconds to wait before a job may start (0: start now)."""
    now = time.monotonic()
    with _ACTIVITY_LOCK:
        _forget_ended_runs(now)
        if _ACTIVE:
            return max(GRACE_S, 0.05)  # at least a run's grace time from now
        return max(0.0, _LAST_END[0] + GRACE_S - now)


def _wait_quiet() -> None:
    while (wait := _quiet_for()) > 0:
        time.sleep(min(wait, 0.05))


_PREFETCHER: Prefetcher | None = None
_PREFETCHER_LOCK = threading.Lock()


def prefetcher() -> Prefetcher:
    """The process's one prefetcher (made on first use)."""
    global _PREFETCHER
    with _PREFETCHER_LOCK:
        if _PREFETCHER is None:
            _PREFETCHER = Prefetcher(freeze=True)
        return _PREFETCHER


_FROZEN = threading.Event()


def freeze_long_lived() -> bool:
    """Once per process: keep the objects alive now out of the cyclic GC's passes (True: done now)."""
    if _FROZEN.is_set():
        return False
    _FROZEN.set()
    gc.collect()  # what is garbage now is freed, not frozen
    gc.freeze()
    return True
