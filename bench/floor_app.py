"""The framework's floor: a minimal Streamlit + pydeck page that draws only the dashboard's basemap.

``bench/load.py`` drives it exactly like the dashboard (the ◀/▶ buttons ``prev_year``/``next_year``
and the ``show_radar`` checkbox), so the ratio of the two rerun latencies is what the dashboard
adds on top of Streamlit itself. The Deck is built once per server and sent on every rerun, as the
dashboard's cached deck is; the text after the map changes with every input so the load script
can tell when a rerun has reached the browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.catalogue.tables import load_catalogue  # noqa: E402 - after the path set-up above
from coverage.products.mapdata import MapState, compute_map  # noqa: E402
from coverage.render.layers import CompactDeck, StaticFiles, build_deck  # noqa: E402
from coverage.scenario import FootprintOptions  # noqa: E402

st.set_page_config(page_title="Floor: Streamlit + pydeck basemap", layout="wide")


@st.cache_resource(show_spinner=False)
def basemap_deck() -> CompactDeck:
    """The dashboard's own basemap (sea, countries, borders) with every other layer off.

    Published files are used the same way as by the dashboard (``bench/static`` links to the
    repository's ``static``, since Streamlit serves the folder next to the running script).
    """
    data = compute_map(
        load_catalogue(), MapState(options=FootprintOptions(year=2016), layers=frozenset())
    )
    static = None
    if st.get_option("server.enableStaticServing"):
        static = StaticFiles(Path(__file__).resolve().parent / "static")
    return build_deck(data, static=static)


def _step(delta: int) -> None:
    st.session_state["year"] = min(2026, max(2011, int(st.session_state.get("year", 2016)) + delta))


year = st.sidebar.slider("Year", 2011, 2026, 2016, key="year")
radar = st.sidebar.checkbox("Radar footprint", value=True, key="show_radar")
prev_col, next_col = st.columns(2)
prev_col.button("◀", key="prev_year", on_click=_step, args=(-1,))
next_col.button("▶", key="next_year", on_click=_step, args=(1,))
map_col, side_col = st.columns([3.2, 1])
with map_col:
    st.pydeck_chart(basemap_deck(), height=640, key="map")
with side_col:
    st.markdown(f"**Events in {year}**")
    st.markdown(f"Legend: radar {'on' if radar else 'off'}")
