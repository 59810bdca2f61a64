"""Background prefetching of neighbouring states: bounded, newest first, behind users' runs."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import coverage.products.mapdata as mapdata
import coverage.render.layers as layers
from dashboard import prefetch
from dashboard.prefetch import Prefetcher

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests do not wait the grace time after page runs (the gate has its own test)."""
    monkeypatch.setattr(prefetch, "GRACE_S", 0.0)


def _gate(started: threading.Event, release: threading.Event) -> None:
    started.set()
    assert release.wait(10)


def test_prefetcher__runs_the_newest_job_first_and_each_key_once() -> None:
    p = Prefetcher()
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    assert p.submit("gate", lambda: _gate(started, release))
    assert started.wait(10)  # the worker is busy: the next three wait
    for key in ("a", "b", "c"):
        assert p.submit(key, lambda key=key: done.append(key))
    assert not p.submit("b", lambda: done.append("b again"))  # asked for already
    release.set()
    assert p.wait(10)
    assert done == ["c", "b", "a"]
    assert p.counts == {"run": 4, "failed": 0, "dropped": 0}
    assert not p.submit("a", lambda: done.append("a again"))  # remembered after it ran


def test_prefetcher__drops_the_oldest_beyond_its_bound_and_forgets_it() -> None:
    p = Prefetcher(max_pending=2)
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    p.submit("gate", lambda: _gate(started, release))
    assert started.wait(10)
    for key in ("a", "b", "c"):
        p.submit(key, lambda key=key: done.append(key))
    release.set()
    assert p.wait(10)
    assert done == ["c", "b"]
    assert p.counts["dropped"] == 1
    assert p.submit("a", lambda: done.append("a"))  # dropped unrun: it may be asked again
    assert p.wait(10)
    assert done[-1] == "a"


def test_prefetcher__a_failing_job_is_counted_and_the_next_still_runs() -> None:
    p = Prefetcher()
    done: list[int] = []

    def boom() -> None:
        raise RuntimeError("bad what-if input")

    started, release = threading.Event(), threading.Event()
    p.submit("gate", lambda: _gate(started, release))
    assert started.wait(10)
    p.submit("ok", lambda: done.append(1))
    p.submit("boom", boom)  # newest: runs first, fails
    release.set()
    assert p.wait(10)
    assert done == [1]
    assert p.counts == {"run": 2, "failed": 1, "dropped": 0}


def test_prefetcher__rejects_bounds_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Prefetcher(max_pending=0)


def test_prefetcher__waits_while_a_page_runs_and_for_the_grace_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "GRACE_S", 0.2)
    p = Prefetcher()
    ran = threading.Event()
    prefetch.run_started()
    try:
        p.submit("job", ran.set)
        assert not ran.wait(0.5), "a job started while a page run was under way"
    finally:
        prefetch.run_finished()
    ended = time.monotonic()
    assert ran.wait(5)
    assert time.monotonic() - ended >= 0.15  # the grace time after the run's end (less a tick)
    assert p.wait(5)


def test_prefetcher__a_run_that_never_ends_stops_holding_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "ACTIVE_MAX_S", 0.3)
    p = Prefetcher()
    ran = threading.Event()
    stuck = threading.Thread(target=prefetch.run_started)  # a run stopped by an error
    stuck.start()
    stuck.join()
    p.submit("job", ran.set)
    assert ran.wait(5)
    assert p.wait(5)


def test_enabled__reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefetch.ENV, "0")
    assert not prefetch.enabled()
    monkeypatch.setenv(prefetch.ENV, "1")
    assert prefetch.enabled()
    monkeypatch.delenv(prefetch.ENV)
    assert prefetch.enabled()


def test_app__a_new_estimate_or_year_after_the_page_settles_is_read_not_computed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page's neighbours are computed in the background under the keys the page then asks.

    A state no other test draws (2013, delay 77 s), so nothing was cached before; the map's
    computation is counted: moving the estimate or the year after the prefetch has finished
    must not compute a map (a key that differed from the page's would).
    """
    monkeypatch.setenv(prefetch.ENV, "1")
    done = threading.Event()
    done.set()
    monkeypatch.setattr(prefetch, "_FROZEN", done)  # not the test process's objects
    calls: list[tuple[int, str]] = []  # every map computed
    page: list[tuple[int, str]] = []  # those computed by a page run (not the prefetch thread)
    real = mapdata.compute_map

    def counted(catalogue, state):  # type: ignore[no-untyped-def]
        key = (state.options.year, state.options.estimate)
        calls.append(key)
        if threading.current_thread().name != "epaa-prefetch":
            page.append(key)
        return real(catalogue, state)

    monkeypatch.setattr(mapdata, "compute_map", counted)
    decks: list[int] = []  # decks built by a page run
    real_deck = layers.build_deck

    def counted_deck(data, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread().name != "epaa-prefetch":
            decks.append(data.state.options.year)
        return real_deck(data, **kwargs)

    monkeypatch.setattr(layers, "build_deck", counted_deck)
    worker = prefetch.prefetcher()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert worker.wait(120)
    at.slider(key="year").set_value(2013)
    at.slider(key="delay_s").set_value(77)
    before = dict(worker.counts)
    at.run()
    assert not at.exception, at.exception
    assert page[-1] == (2013, "nominal")
    assert worker.wait(180)
    assert worker.counts["run"] - before["run"] >= 4  # 2014, high, low, 2012
    assert worker.counts["failed"] == before["failed"]
    prefetched = set(calls)
    assert {(2014, "nominal"), (2013, "high"), (2013, "low"), (2012, "nominal")} <= prefetched
    n, d = len(page), len(decks)
    at.segmented_control(key="estimate").set_value("high")
    at.run()
    assert not at.exception, at.exception
    assert page[n:] == [], f"computed on the page, not read: {page[n:]}"
    assert worker.wait(180)  # now the neighbours of 2013 high
    assert (2014, "high") in calls
    at.slider(key="year").set_value(2014)
    at.run()
    assert not at.exception, at.exception
    assert page[n:] == [], f"computed on the page, not read: {page[n:]}"
    assert decks[d:] == [], f"decks built on the page, not read: {decks[d:]}"
    assert worker.wait(180)


def test_freeze_long_lived__once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(prefetch.gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(prefetch, "_FROZEN", threading.Event())
    assert prefetch.freeze_long_lived()
    assert not prefetch.freeze_long_lived()
    assert frozen == [1]
    p = Prefetcher(freeze=True)  # the server's prefetcher freezes before its first job
    monkeypatch.setattr(prefetch, "_FROZEN", threading.Event())
    p.submit("job", lambda: None)
    assert p.wait(10)
    assert frozen == [1, 1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_prefetcher__runs_its_jobs_at_a_lower_priority() -> None:
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []
    p = Prefetcher()
    p.submit("job", lambda: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    assert p.wait(10)
    assert seen == [min(19, mine + prefetch.NICE_INCREMENT)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # this thread's kept


def test_prefetcher__holds_longer_after_a_sessions_first_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "FIRST_PAGE_HOLD_S", 0.6)
    p = Prefetcher()
    ran = threading.Event()
    prefetch.run_started()
    prefetch.run_finished(first_page=True)
    ended = time.monotonic()
    prefetch.run_started()  # a second run (a screen-size rerun) ends sooner: the hold stays
    prefetch.run_finished()
    p.submit("job", ran.set)
    assert not ran.wait(0.3), "a job started during the first page's hold"
    assert ran.wait(5)
    assert time.monotonic() - ended >= 0.55
    assert p.wait(5)
