"""AppTest: the "Probability (Monte-Carlo)" section runs a tiny sweep in the background.

The dashboard's Dask client connects to a module-scoped local cluster through
``EPAA_DASK_SCHEDULER``; the sweep cache goes to a temporary folder (``EPAA_CACHE_DIR``).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from coverage.products.sweep import dask_client

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def scheduler():
    with dask_client(workers=2) as client:
        yield client.scheduler.address


def _layer_ids(at: AppTest) -> list[str]:
    charts = at.get("deck_gl_json_chart")
    return [layer["id"] for layer in json.loads(charts[0].proto.json)["layers"]]


def test_sweep_section__runs_in_the_background_and_adds_the_layer(scheduler, tmp_path, monkeypatch):
    monkeypatch.setenv("EPAA_DASK_SCHEDULER", scheduler)
    monkeypatch.setenv("EPAA_CACHE_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["year"] = "2018"
    at.run()
    assert not at.exception, at.exception
    assert "probability" not in _layer_ids(at)
    at.number_input(key="sweep_draws").set_value(10)
    at.selectbox(key="sweep_grid_km").set_value(100.0)
    at.button(key="sweep_run").click().run()
    assert not at.exception, at.exception
    # The page returned while the sweep runs: poll as the fragment does.
    deadline = time.monotonic() + 240
    while not any(m.label == "NATO-Europe territory defended" for m in at.metric):
        assert time.monotonic() < deadline, "the sweep did not finish in 240 s"
        assert not at.exception, at.exception
        time.sleep(1.0)
        at.run()
    labels = {m.label for m in at.metric}
    assert {"Population defended", "Capitals defended"} <= labels
    captions = " ".join(c.value for c in at.caption)
    assert "5-95 %:" in captions and "RBD-FAST" in captions
    assert len(at.get("arrow_vega_lite_chart")) >= 1 or len(at.get("vega_lite_chart")) >= 1
    assert "probability" in _layer_ids(at), _layer_ids(at)
    assert list(tmp_path.glob("sweeps/*.npz")), "the result is cached on disk"
    # Hiding the layer takes it off the map.
    at.checkbox(key="sweep_show").uncheck().run()
    assert "probability" not in _layer_ids(at)


class _Gated:
    """A real sweep on the cluster that the queue sees as finished only once the test says so."""

    def __init__(self, job: Any, gate: threading.Event) -> None:
        self.job, self.gate = job, gate

    def progress(self) -> tuple[int, int]:
        return self.job.progress()

    def done(self) -> bool:
        return self.gate.is_set() and self.job.done()

    def cancel(self) -> None:
        self.job.cancel()

    def result(self) -> Any:
        return self.job.result()


def _user(seed: int) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["year"] = "2018"
    at.run()
    assert not at.exception, at.exception
    at.number_input(key="sweep_draws").set_value(10)
    at.selectbox(key="sweep_grid_km").set_value(100.0)
    at.number_input(key="sweep_seed").set_value(seed)
    at.button(key="sweep_run").click().run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(
        [e.value for e in at.info]
        + [e.value for e in at.warning]
        + [str(p.proto.text) for p in at.get("progress")]
    )


def test_sweep_section__second_user_queues_identical_joins_and_cancel(
    scheduler, tmp_path, monkeypatch
):
    """Three users: alice's sweep runs, bob's waits (his place shown) and he cancels it, carol
    asks for alice's sweep and shares it, dave finds the line full; alice and carol get the
    result. The queue is stepped by hand, so the order of events is the test's."""
    from distributed import Client

    from coverage.products.sweep import load_cached, submit_sweep
    from coverage.products.sweep_queue import SweepQueue
    from dashboard import sweep as sweep_panel

    monkeypatch.setenv("EPAA_CACHE_DIR", str(tmp_path))
    gate = threading.Event()
    client = Client(scheduler)
    cache = tmp_path / "sweeps"
    queue = SweepQueue(
        lambda cat, req: _Gated(submit_sweep(cat, req, client, cache=cache), gate),
        lambda cat, req: load_cached(cat, req, cache),
        max_waiting=1,
    )
    monkeypatch.setattr(sweep_panel, "_queue", lambda: queue)
    try:
        alice = _user(seed=11)
        assert "number 1 in the queue" in _texts(alice)
        queue.step()  # alice's sweep starts on the cluster
        alice.run()
        assert "Sweep running:" in _texts(alice), _texts(alice)
        assert alice.button(key="sweep_run").disabled

        bob = _user(seed=12)
        assert "number 1 in the queue (1 sweep ahead" in _texts(bob), _texts(bob)
        assert bob.get("deck_gl_json_chart"), "bob's map is drawn while alice's sweep runs"

        carol = _user(seed=11)
        assert "shared with 1 other user" in _texts(carol), _texts(carol)
        assert queue.snapshot()["waiting"] == 1  # carol joined alice's: not queued twice

        dave = _user(seed=13)
        assert "1 sweep is already waiting and one is running" in _texts(dave), _texts(dave)
        assert "sweep_ticket" not in dave.session_state

        bob.button(key="sweep_cancel").click().run()
        assert not bob.exception, bob.exception
        assert "Sweep cancelled." in _texts(bob)
        assert not bob.button(key="sweep_run").disabled
        assert queue.snapshot()["waiting"] == 0

        gate.set()
        ticket = alice.session_state["sweep_ticket"]
        deadline = time.monotonic() + 240
        while queue.status(ticket).state != "done":
            assert queue.status(ticket).state == "running", queue.status(ticket)
            assert time.monotonic() < deadline, "the sweep did not finish in 240 s"
            time.sleep(0.5)
            queue.step()
        for at in (alice, carol):
            at.run()
            assert not at.exception, at.exception
            assert any(m.label == "NATO-Europe territory defended" for m in at.metric)
            assert "probability" in _layer_ids(at)
    finally:
        client.close()
