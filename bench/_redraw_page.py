"""The page of ``bench/bench_map_redraw.py``: two fixed deck specs, redrawn on each button press.

Reads the two specs (JSON files named by ``$EPAA_REDRAW_SPECS``, separated by ``os.pathsep``)
and shows one of them; each press of ◀/▶ (``prev_year``/``next_year``, as on the dashboard)
shows the other, so deck.gl redraws the whole map once (the sea's opacity also changes by 1/255,
so that two identical specs, the basemap alone, are redrawn too). The query parameter ``drop`` (layer ids,
comma-separated) leaves those layers out of both specs. Nothing is computed here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pydeck as pdk
import streamlit as st

st.set_page_config(page_title="Bench: map redraw", layout="wide")
SPECS = [json.loads(Path(p).read_text()) for p in os.environ["EPAA_REDRAW_SPECS"].split(os.pathsep)]
DROP = {d for d in st.query_params.get("drop", "").split(",") if d}


class _Spec(pdk.Deck):
    """A Deck whose JSON is a given spec (the dashboard's, as sent to the browser)."""

    def __init__(self, spec: dict[str, object]) -> None:
        super().__init__()
        self._text = json.dumps(spec, separators=(",", ":"))

    def to_json(self) -> str:  # noqa: D102 - pydeck's contract
        return self._text


def _step() -> None:
    st.session_state["shown"] = 1 - int(st.session_state.get("shown", 0))


prev_col, next_col = st.columns(2)
prev_col.button("◀", key="prev_year", on_click=_step)
next_col.button("▶", key="next_year", on_click=_step)
shown = int(st.session_state.get("shown", 0))
spec = dict(SPECS[shown])
layers = [dict(layer) for layer in spec["layers"] if layer["id"] not in DROP]  # type: ignore[attr-defined]
for layer in layers:
    if layer["id"] == "sea":  # a change in every swap, so that even identical specs are redrawn
        layer["getFillColor"] = [*layer["getFillColor"][:3], 255 - shown]
spec["layers"] = layers
st.pydeck_chart(
    _Spec(spec), height=640, key="map", on_select="rerun", selection_mode="single-object"
)
st.markdown(f"Spec {shown}, without: {', '.join(sorted(DROP)) or 'nothing'}")
