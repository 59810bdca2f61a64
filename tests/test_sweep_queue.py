"""The server's sweep queue: turns, a bounded line, shared identical requests, cancelling.

The queue is driven by hand (:meth:`SweepQueue.step`) with fake jobs that finish when a test says
so, so nothing here depends on timing; one test runs the background thread, and one submits
from many threads at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from coverage.products.budget import WorkBudgetError
from coverage.products.sweep import SweepRequest
from coverage.products.sweep_queue import QueueFullError, SweepQueue
from coverage.scenario import DefenceQuery, FootprintOptions

BASE = SweepRequest(
    FootprintOptions(year=2018, scenario="actual"),
    DefenceQuery(launch_area="tabriz", grid_km=100.0),
    draws=10,
    seed=1,
)


def _request(seed: int) -> SweepRequest:
    return replace(BASE, seed=seed)


class FakeJob:
    """A started sweep that finishes when :meth:`finish` is called."""

    def __init__(self, request: SweepRequest, fail: bool = False) -> None:
        self.request = request
        self.finished = threading.Event()
        self.cancelled = False
        self.fail = fail
        self.tasks = 4

    def finish(self) -> None:
        self.finished.set()

    def progress(self) -> tuple[int, int]:
        return (self.tasks if self.finished.is_set() else 1), self.tasks

    def done(self) -> bool:
        return self.finished.is_set() or self.cancelled

    def cancel(self) -> None:
        self.cancelled = True

    def result(self) -> Any:
        if self.fail:
            raise RuntimeError("a worker died")
        return ("result", self.request.seed)


class Harness:
    def __init__(self, catalogue, max_waiting: int = 3, cached: dict | None = None) -> None:
        self.jobs: list[FakeJob] = []
        self.cached = cached or {}
        self.fail_start: set[int] = set()
        self.fail_result: set[int] = set()
        self.catalogue = catalogue
        self.queue = SweepQueue(self._start, self._lookup, max_waiting=max_waiting)

    def _start(self, catalogue, request: SweepRequest) -> FakeJob:
        if request.seed in self.fail_start:
            raise WorkBudgetError("this request would take too long")
        job = FakeJob(request, fail=request.seed in self.fail_result)
        self.jobs.append(job)
        return job

    def _lookup(self, catalogue, request: SweepRequest) -> Any:
        return self.cached.get(request.seed)

    def submit(self, owner: str, seed: int):
        return self.queue.submit(owner, self.catalogue, _request(seed))

    def status(self, ticket):
        return self.queue.status(ticket)


@pytest.fixture
def h(catalogue) -> Harness:
    return Harness(catalogue)


def test_queue__second_user_waits_then_runs(h):
    a = h.submit("alice", 1)
    assert h.status(a).state == "queued" and h.status(a).position == 1
    h.queue.step()
    assert h.status(a).state == "running"
    assert (h.status(a).done, h.status(a).total) == (1, 4)
    assert h.status(a).text() == "Sweep running: 1 of 4 tasks"
    b = h.submit("bob", 2)
    s = h.status(b)
    assert (s.state, s.position, s.waiting, s.running) == ("queued", 1, 1, True)
    assert s.text().startswith("Waiting for its turn: number 1 in the queue (1 sweep ahead")
    h.queue.step()  # alice's sweep is not done: bob still waits
    assert h.status(b).state == "queued" and len(h.jobs) == 1
    h.jobs[0].finish()
    h.queue.step()
    assert h.status(a).state == "done" and h.status(a).result == ("result", 1)
    assert h.status(b).state == "running" and h.jobs[1].request.seed == 2


def test_queue__identical_request_joins_the_running_one(h):
    a = h.submit("alice", 1)
    h.queue.step()
    c = h.submit("carol", 1)
    assert h.status(c).state == "running" and h.status(c).sharers == 2
    assert "shared with 1 other user" in h.status(c).text()
    assert h.queue.snapshot()["waiting"] == 0 and len(h.jobs) == 1  # not queued twice
    h.jobs[0].finish()
    h.queue.step()
    assert h.status(a).result == h.status(c).result == ("result", 1)


def test_queue__identical_request_joins_the_waiting_one(h):
    h.submit("alice", 1)
    h.queue.step()
    b = h.submit("bob", 2)
    d = h.submit("dave", 2)
    assert h.queue.snapshot()["waiting"] == 1
    assert h.status(d).position == h.status(b).position == 1
    assert h.status(d).sharers == 2


def test_queue__cached_request_is_served_at_once(catalogue):
    h = Harness(catalogue, cached={5: ("cached", 5)})
    h.submit("alice", 1)
    t = h.submit("bob", 5)
    assert h.status(t).state == "done" and h.status(t).result == ("cached", 5)
    assert h.queue.snapshot()["waiting"] == 1  # only alice's
    h.queue.step()
    assert [j.request.seed for j in h.jobs] == [1]


def test_queue__bounded_with_a_message_naming_how_many_wait(catalogue):
    h = Harness(catalogue, max_waiting=2)
    h.submit("u0", 0)
    h.queue.step()  # u0 runs
    h.submit("u1", 1)
    h.submit("u2", 2)
    with pytest.raises(QueueFullError, match="2 sweeps are already waiting and one is running"):
        h.submit("u3", 3)
    assert "at most 2 may wait" in str(pytest.raises(QueueFullError, h.submit, "u3", 3).value)
    # Joining an identical request needs no place in the line.
    assert h.status(h.submit("u4", 2)).position == 2
    assert isinstance(QueueFullError("x"), WorkBudgetError)


def test_queue__one_sweep_per_user(h):
    h.submit("alice", 1)
    with pytest.raises(WorkBudgetError, match="you already have a sweep waiting; cancel it"):
        h.submit("alice", 2)
    again = h.submit("alice", 1)  # the same request again is the same ticket's sweep
    assert h.queue.snapshot()["waiting"] == 1 and h.status(again).position == 1


def test_queue__cancel_a_waiting_request(h):
    h.submit("alice", 1)
    h.queue.step()
    b = h.submit("bob", 2)
    c = h.submit("carol", 3)
    assert h.status(c).position == 2
    h.queue.cancel(b)
    assert h.status(b).state == "cancelled"
    assert h.status(c).position == 1 and h.queue.snapshot()["waiting"] == 1
    h.submit("bob", 4)  # bob may ask again
    h.jobs[0].finish()
    h.queue.step()
    assert [j.request.seed for j in h.jobs] == [1, 3]  # bob's cancelled sweep never ran


def test_queue__cancel_the_running_sweep_starts_the_next(h):
    a = h.submit("alice", 1)
    h.queue.step()
    b = h.submit("bob", 2)
    h.queue.cancel(a)
    assert h.jobs[0].cancelled and h.status(a).state == "cancelled"
    h.queue.step()
    assert h.status(b).state == "running" and h.jobs[1].request.seed == 2


def test_queue__cancel_a_shared_sweep_only_leaves_it(h):
    a = h.submit("alice", 1)
    h.queue.step()
    c = h.submit("carol", 1)
    h.queue.cancel(a)
    assert not h.jobs[0].cancelled
    assert h.status(a).state == "cancelled" and h.status(c).state == "running"
    assert h.status(c).sharers == 1
    h.jobs[0].finish()
    h.queue.step()
    assert h.status(c).state == "done"


def test_queue__failures_are_reported_and_the_line_moves_on(h):
    h.fail_start.add(1)
    h.fail_result.add(2)
    a = h.submit("alice", 1)
    b = h.submit("bob", 2)
    h.queue.step()
    assert h.status(a).state == "failed" and "too long" in h.status(a).text()
    h.queue.step()
    assert h.status(b).state == "running"
    h.jobs[0].finish()
    h.queue.step()
    assert h.status(b).state == "failed" and h.status(b).error == "a worker died"
    h.submit("alice", 3)  # a failed sweep no longer counts as alice's
    assert h.queue.snapshot() == {"waiting": 1, "running": False, "owners": 1}


def test_queue__concurrent_submits_never_queue_a_request_twice(catalogue):
    """Eight users at once, two per request, room for three waiting: the fourth request's
    two users are refused, everyone else waits in one of three entries."""
    h = Harness(catalogue, max_waiting=3)
    barrier = threading.Barrier(8)
    outcome: dict[str, Any] = {}

    def user(i: int) -> None:
        barrier.wait()
        try:
            outcome[f"u{i}"] = h.submit(f"u{i}", i % 4)
        except QueueFullError as exc:
            outcome[f"u{i}"] = exc

    threads = [threading.Thread(target=user, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [k for k, v in outcome.items() if isinstance(v, QueueFullError)]
    assert len(refused) == 2 and len({int(k[1:]) % 4 for k in refused}) == 1
    assert h.queue.snapshot()["waiting"] == 3
    tickets = [v for v in outcome.values() if not isinstance(v, QueueFullError)]
    assert sorted(h.status(t).sharers for t in tickets) == [2] * 6
    assert sorted(h.status(t).position for t in tickets) == [1, 1, 2, 2, 3, 3]


def test_queue__background_thread_runs_the_line(h):
    h.queue.run_in_background(poll_s=0.01)
    try:
        a = h.submit("alice", 1)
        b = h.submit("bob", 2)
        _wait(lambda: h.jobs)
        h.jobs[0].finish()
        _wait(lambda: len(h.jobs) == 2)
        h.jobs[1].finish()
        _wait(lambda: h.status(b).state == "done")
        assert h.status(a).result == ("result", 1) and h.status(b).result == ("result", 2)
    finally:
        h.queue.close()


def _wait(condition, limit_s: float = 30.0) -> None:
    """Wait for a condition the background thread brings about (a hang guard, not a timing)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, "the queue's thread did not move on"
        time.sleep(0.01)
