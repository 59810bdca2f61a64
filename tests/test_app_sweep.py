"""AppTest: the "Probability (Monte-Carlo)" section runs a tiny sweep in the background.

The dashboard's Dask client connects to a module-scoped local cluster through
``EPAA_DASK_SCHEDULER``; the sweep cache goes to a temporary folder (``EPAA_CACHE_DIR``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

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
