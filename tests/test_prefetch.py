"""Background prefetching of neighbouring states: bounded, newest first, behind users' runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import coverage.products.claims as claims_module
import coverage.products.headline as headline_module
import coverage.products.mapdata as mapdata
import coverage.render.layers as layers
from dashboard import analysis, prefetch
from dashboard.prefetch import Prefetcher

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests do not wait the grace time after page runs (the gate has its own test), and
    start with no page run recorded (the module's state is the process's)."""
    monkeypatch.setattr(prefetch, "GRACE_S", 0.0)
    monkeypatch.setattr(prefetch, "_ACTIVE", {})
    monkeypatch.setattr(prefetch, "_LAST_END", [0.0])


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Prefetcher:
    """Prefetching on for the app (as served), the process's prefetcher; no GC freeze of the
    test process's objects."""
    monkeypatch.setenv(prefetch.ENV, "1")
    done = threading.Event()
    done.set()
    monkeypatch.setattr(prefetch, "_FROZEN", done)
    return prefetch.prefetcher()


def _counted(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, note: Callable[..., object]
) -> tuple[list[object], list[object]]:
    """Wrap ``module.name``; returns what ``note`` says of every call and of a page run's calls.

    A page run's: made by any thread but the prefetch thread.
    """
    every: list[object] = []
    page: list[object] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> object:
        key = note(*args, **kwargs)
        every.append(key)
        if threading.current_thread().name != prefetch.THREAD_NAME:
            page.append(key)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return every, page


def _gate(started: threading.Event, release: threading.Event) -> None:
    started.set()
    assert release.wait(10)


def test_prefetcher__runs_the_newest_job_first_and_a_waiting_key_once() -> None:
    p = Prefetcher()
    started, release = threading.Event(), threading.Event()
    done: list[str] = []
    assert p.submit("gate", lambda: _gate(started, release))
    assert started.wait(10)  # the worker is busy: the next three wait
    assert not p.submit("gate", lambda: done.append("gate again"))  # it runs now
    for key in ("a", "b", "c"):
        assert p.submit(key, lambda key=key: done.append(key))
    assert not p.submit("a", lambda: done.append("a again"))  # waiting: moves to the front
    release.set()
    assert p.wait(10)
    assert done == ["a", "c", "b"]
    assert p.counts == {"run": 4, "failed": 0, "dropped": 0}
    assert p.submit("a", lambda: done.append("a again"))  # done: may be asked again (cheap
    assert p.wait(10)  # when its answers are in the caches)
    assert done[-1] == "a again"


def test_prefetcher__drops_the_oldest_beyond_its_bound() -> None:
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


def test_prefetcher__a_job_ending_the_thread_leaves_it_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A BaseException (not a job's error) ends the worker; the next submit starts another."""
    ended: list[type[BaseException]] = []
    seen = threading.Event()

    def hook(args: threading.ExceptHookArgs) -> None:
        ended.append(args.exc_type)
        seen.set()

    monkeypatch.setattr(threading, "excepthook", hook)
    p = Prefetcher()

    def leave() -> None:
        raise SystemExit  # not caught as a job's failure: it ends the thread

    p.submit("leave", leave)
    assert seen.wait(10)
    assert ended == [SystemExit]
    assert p.wait(10)
    done = threading.Event()
    assert p.submit("next", done.set)
    assert done.wait(10)
    assert p.wait(10)


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


def test_prefetcher__a_run_whose_thread_ended_stops_holding_jobs() -> None:
    p = Prefetcher()
    ran = threading.Event()
    stuck = threading.Thread(target=prefetch.run_started)  # a run stopped by an error
    stuck.start()
    stuck.join()
    p.submit("job", ran.set)
    assert ran.wait(5)
    assert p.wait(5)


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


def test_prefetcher__a_live_run_holds_jobs_until_the_backstop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prefetch, "ACTIVE_MAX_S", 0.6)
    p = Prefetcher()
    ran = threading.Event()
    prefetch.run_started()  # this thread lives on and never says the run ended
    p.submit("job", ran.set)
    assert not ran.wait(0.3), "a job started while a live page run was under way"
    assert ran.wait(5)  # past the backstop
    assert p.wait(5)
    prefetch.run_finished()


def test_enabled__reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prefetch.ENV, "0")
    assert not prefetch.enabled()
    monkeypatch.setenv(prefetch.ENV, "1")
    assert prefetch.enabled()
    monkeypatch.delenv(prefetch.ENV)
    assert prefetch.enabled()


def test_app__a_new_estimate_or_year_after_the_page_settles_is_read_not_computed(
    monkeypatch: pytest.MonkeyPatch, worker: Prefetcher
) -> None:
    """The page's neighbours are computed in the background under the keys the page then asks.

    A state no other test draws (2013, delay 77 s), so nothing was cached before; the map's
    computation is counted: moving the estimate or the year after the prefetch has finished
    must not compute a map (a key that differed from the page's would).
    """

    def year_estimate(catalogue, state):  # type: ignore[no-untyped-def]
        return (state.options.year, state.options.estimate)

    calls, page = _counted(monkeypatch, mapdata, "compute_map", year_estimate)
    _, decks = _counted(
        monkeypatch, layers, "build_deck", lambda data, **_: data.state.options.year
    )
    _, heads = _counted(monkeypatch, headline_module, "headline", lambda *_: "headline")
    _, lines = _counted(monkeypatch, analysis, "delay_curve_for", lambda *_: "delay line")
    _, said = _counted(monkeypatch, claims_module, "claims_of_state", lambda *_: "claims")
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
    n, d, h, ln, c = len(page), len(decks), len(heads), len(lines), len(said)
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
    assert heads[h:] == [], f"headlines computed on the page, not read: {heads[h:]}"
    assert lines[ln:] == [], f"delay lines computed on the page, not read: {lines[ln:]}"
    assert said[c:] == [], "the year's official claims looked up on the page, not read"
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


def test_app__a_neighbour_equal_to_the_comparisons_b_is_prefetched_as_the_page_asks(
    monkeypatch: pytest.MonkeyPatch, worker: Prefetcher
) -> None:
    """Comparing 2025 with B (2026 nominal, the default): the next year is B itself, which the
    page draws without a comparison; the prefetch must compute that state, not 2026 vs 2026."""

    def year_compared(catalogue, state):  # type: ignore[no-untyped-def]
        return (state.options.year, state.compare is not None)

    _, page = _counted(monkeypatch, mapdata, "compute_map", year_compared)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert worker.wait(120)
    at.toggle(key="compare").set_value(True)
    at.slider(key="year").set_value(2025)
    at.run()
    assert not at.exception, at.exception
    assert page[-1] == (2025, True)
    assert at.slider(key="vs_year").value == 2026  # B's default, which this test relies on
    assert worker.wait(180)
    n = len(page)
    at.slider(key="year").set_value(2026)
    at.run()
    assert not at.exception, at.exception
    assert any("same as this map" in i.value for i in at.info)
    assert page[n:] == [], f"computed on the page, not read: {page[n:]}"
    assert worker.wait(180)


def test_run_started__forgets_runs_whose_thread_ended() -> None:
    for _ in range(3):  # runs stopped by an error: they never say they ended
        t = threading.Thread(target=prefetch.run_started)
        t.start()
        t.join()
    prefetch.run_started()
    assert list(prefetch._ACTIVE) == [threading.get_ident()]
    prefetch.run_finished()
    assert prefetch._ACTIVE == {}
