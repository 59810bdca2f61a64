"""A server's queue of Monte-Carlo sweeps: one runs, a few wait, identical requests are shared.

The dashboard serves several users from one process and one Dask cluster. A sweep occupies the
cluster's workers for seconds to minutes, so sweeps take turns: :class:`SweepQueue` runs one at
a time and keeps at most ``max_waiting`` requests waiting (beyond that a request is refused with
a message naming how many wait). A request identical to one waiting or running (same state,
draws, seed, sampler and catalogue: the cache key) joins it instead of queueing twice, and one
already computed is served from the disk cache at once. Each user may cancel their own request:
it is dropped from the queue, or the running sweep's tasks are cancelled, unless another user
shares it (then only the canceller leaves it).

The queue never computes in a caller's thread: :meth:`SweepQueue.step` starts the next sweep on
the cluster and collects a finished one; :meth:`SweepQueue.run_in_background` calls it from a
daemon thread, tests call it directly. Interactive map requests never pass through the queue,
so they are not held up by it (the budget rules of :mod:`coverage.products.budget`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from coverage.catalogue.tables import Catalogue
from coverage.products.budget import WorkBudgetError
from coverage.products.sweep import SweepRequest, SweepResult

__all__ = [
    "MAX_WAITING",
    "QueueFullError",
    "SweepQueue",
    "SweepStatus",
    "SweepTicket",
    "TicketState",
]

#: Sweeps that may wait behind the running one on a server (a few: each may take minutes).
MAX_WAITING = 3

TicketState = Literal["queued", "running", "done", "failed", "cancelled"]
_LOG = logging.getLogger(__name__)


class JobLike(Protocol):
    """What the queue needs of a started sweep (:class:`coverage.products.sweep.SweepJob`)."""

    def progress(self) -> tuple[int, int]: ...
    def done(self) -> bool: ...
    def cancel(self) -> None: ...
    def result(self) -> SweepResult: ...


class QueueFullError(WorkBudgetError):
    """The queue already holds :data:`MAX_WAITING` waiting sweeps; the message says how many."""


@dataclass(eq=False)
class _Entry:
    key: str
    catalogue: Catalogue
    request: SweepRequest
    owners: set[str]
    state: TicketState = "queued"
    job: JobLike | None = None
    result: SweepResult | None = None
    error: str | None = None


@dataclass(frozen=True, eq=False)
class SweepTicket:
    """One user's claim on a sweep (keep it to ask for the status; it holds the result)."""

    owner: str
    _entry: _Entry = field(repr=False)

    @property
    def request(self) -> SweepRequest:
        """The request this ticket is for."""
        return self._entry.request


@dataclass(frozen=True)
class SweepStatus:
    """Where a ticket's sweep stands.

    Attributes
    ----------
    state
        ``queued``, ``running``, ``done``, ``failed`` or ``cancelled`` (for this user).
    position
        While queued: place in the line (1 = next to run); else 0.
    waiting, running
        Sweeps waiting, and whether one is running, on the server now.
    done, total
        Tasks finished and in all (while running; ``total`` is 0 before the sweep starts).
    sharers
        Users sharing this sweep (1 = only this user).
    result, error
        The result (``done``) or what went wrong (``failed``).
    """

    state: TicketState
    position: int = 0
    waiting: int = 0
    running: bool = False
    done: int = 0
    total: int = 0
    sharers: int = 1
    result: SweepResult | None = None
    error: str | None = None

    @property
    def active(self) -> bool:
        """Still waiting or running."""
        return self.state in ("queued", "running")

    def text(self) -> str:
        """The status in one line for the user."""
        shared = (
            f"; shared with {self.sharers - 1} other user{'s' if self.sharers > 2 else ''} "
            "who asked for the same sweep"
            if self.sharers > 1
            else ""
        )
        if self.state == "queued":
            ahead = self.position - 1 + (1 if self.running else 0)
            return (
                f"Waiting for its turn: number {self.position} in the queue "
                f"({ahead} sweep{'s' if ahead != 1 else ''} ahead; one sweep runs at a time "
                f"on this server){shared}"
            )
        if self.state == "running":
            if self.total == 0:
                return f"Sweep starting{shared}"
            return f"Sweep running: {self.done} of {self.total} tasks{shared}"
        if self.state == "done":
            return "Sweep done" + (
                " (from the cache)" if self.result and self.result.from_cache else ""
            )
        if self.state == "failed":
            return f"The sweep failed: {self.error}"
        return "Sweep cancelled"


class SweepQueue:
    """One running sweep and a bounded line of waiting ones, shared by every user of a server.

    Parameters
    ----------
    start
        Starts a sweep on the cluster and returns at once (e.g. ``submit_sweep`` with a client
        and the cache folder); may raise ``ValueError`` / ``WorkBudgetError``.
    lookup
        The cached result of a request, or ``None`` (e.g. ``load_cached`` with the folder).
    max_waiting
        Requests that may wait behind the running one.
    """

    def __init__(
        self,
        start: Callable[[Catalogue, SweepRequest], JobLike],
        lookup: Callable[[Catalogue, SweepRequest], SweepResult | None],
        *,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        if max_waiting < 0:
            raise ValueError(f"max_waiting={max_waiting!r} must be 0 or more")
        self._start = start
        self._lookup = lookup
        self.max_waiting = max_waiting
        self._lock = threading.Lock()
        self._waiting: list[_Entry] = []
        self._running: _Entry | None = None
        self._by_owner: dict[str, _Entry] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ asking

    def _active(self, key: str) -> _Entry | None:
        if self._running is not None and self._running.key == key:
            return self._running
        return next((e for e in self._waiting if e.key == key), None)

    def _join(self, owner: str, key: str) -> SweepTicket | None:
        """Under the lock: this owner's ticket for ``key`` if it is waiting or running."""
        mine = self._by_owner.get(owner)
        if mine is not None and mine.key != key:
            raise WorkBudgetError(
                "you already have a sweep "
                f"{'running' if mine.state == 'running' else 'waiting'}; cancel it first "
                "(one sweep per user at a time)"
            )
        entry = self._active(key)
        if entry is None:
            return None
        entry.owners.add(owner)
        self._by_owner[owner] = entry
        return SweepTicket(owner, entry)

    def submit(self, owner: str, catalogue: Catalogue, request: SweepRequest) -> SweepTicket:
        """Ask for a sweep: served from the cache, joined to an identical one, or queued.

        Raises
        ------
        QueueFullError
            When :attr:`max_waiting` sweeps already wait (the message says how many).
        WorkBudgetError
            When ``owner`` already has another sweep waiting or running.
        """
        key = request.key(catalogue)
        with self._lock:
            joined = self._join(owner, key)
        if joined is not None:
            return joined
        hit = self._lookup(catalogue, request)  # a disk read: outside the lock
        if hit is not None:
            return SweepTicket(owner, _Entry(key, catalogue, request, {owner}, "done", result=hit))
        with self._lock:
            joined = self._join(owner, key)  # someone may have asked for it meanwhile
            if joined is not None:
                return joined
            if len(self._waiting) >= self.max_waiting:
                n = len(self._waiting)
                raise QueueFullError(
                    f"{n} sweep{' is' if n == 1 else 's are'} already waiting"
                    f"{' and one is running' if self._running is not None else ''} on this "
                    f"server (at most {self.max_waiting} may wait); try again when one has "
                    "finished, or run it from the command line (python -m coverage sweep) on "
                    "your own Dask cluster"
                )
            entry = _Entry(key, catalogue, request, {owner})
            self._waiting.append(entry)
            self._by_owner[owner] = entry
        self._wake.set()
        return SweepTicket(owner, entry)

    def status(self, ticket: SweepTicket) -> SweepStatus:
        """Where ``ticket``'s sweep stands (never waits for the cluster's answer)."""
        entry, owner = ticket._entry, ticket.owner
        with self._lock:
            state = entry.state
            if owner not in entry.owners and state in ("queued", "running"):
                state = "cancelled"  # this user left a sweep others still share
            position = (
                self._waiting.index(entry) + 1
                if state == "queued" and entry in self._waiting
                else 0
            )
            job = entry.job
            waiting, running = len(self._waiting), self._running is not None
            sharers, result, error = max(1, len(entry.owners)), entry.result, entry.error
        done = total = 0
        if state == "running" and job is not None:
            done, total = job.progress()
        return SweepStatus(
            state,
            position,
            waiting=waiting,
            running=running,
            done=done,
            total=total,
            sharers=sharers,
            result=result,
            error=error,
        )

    def cancel(self, ticket: SweepTicket) -> None:
        """Withdraw ``ticket``: the sweep stops when nobody else shares it (else it goes on)."""
        entry, owner = ticket._entry, ticket.owner
        job = None
        with self._lock:
            entry.owners.discard(owner)
            if self._by_owner.get(owner) is entry:
                del self._by_owner[owner]
            if entry.owners or entry.state not in ("queued", "running"):
                return
            if entry in self._waiting:
                self._waiting.remove(entry)
            if self._running is entry:
                self._running = None
                job = entry.job
            entry.state = "cancelled"
        if job is not None:
            job.cancel()
        self._wake.set()

    # ------------------------------------------------------------------ working

    def step(self) -> None:
        """Collect the running sweep if it has finished, then start the next one waiting."""
        with self._lock:
            running = self._running
            job = None if running is None else running.job
        if running is not None:
            if job is None or not job.done():
                return
            result: SweepResult | None = None
            error = None
            try:
                result = job.result()  # the tasks are done: this gathers and caches
            except Exception as exc:  # noqa: BLE001 - a failed sweep is reported, not raised
                error = str(exc) or type(exc).__name__
            with self._lock:
                if self._running is running:
                    self._running = None
                    running.result, running.error = result, error
                    running.state = "done" if error is None else "failed"
                    self._release(running)
        with self._lock:
            if self._running is not None or not self._waiting:
                return
            entry = self._waiting.pop(0)
            entry.state = "running"
            self._running = entry
        try:
            started = self._start(entry.catalogue, entry.request)
        except Exception as exc:  # noqa: BLE001 - e.g. a request above the work budget
            with self._lock:
                entry.state, entry.error = "failed", str(exc) or type(exc).__name__
                if self._running is entry:
                    self._running = None
                self._release(entry)
            self._wake.set()
            return
        with self._lock:
            if self._running is entry:
                entry.job = started
                return
        started.cancel()  # cancelled while it was being started

    def _release(self, entry: _Entry) -> None:
        for owner in entry.owners:
            if self._by_owner.get(owner) is entry:
                del self._by_owner[owner]

    def snapshot(self) -> dict[str, Any]:
        """Counts for display and tests: ``waiting``, ``running`` (bool), ``owners``."""
        with self._lock:
            return {
                "waiting": len(self._waiting),
                "running": self._running is not None,
                "owners": len(self._by_owner),
            }

    def run_in_background(self, poll_s: float = 0.5) -> None:
        """Call :meth:`step` from a daemon thread every ``poll_s`` s (and on every request)."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.step()
                except Exception:  # noqa: BLE001 - the dispatcher must survive anything
                    _LOG.exception("sweep queue step failed")
                self._wake.wait(poll_s)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="sweep-queue", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the background thread (sweeps already on the cluster are left to finish)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
