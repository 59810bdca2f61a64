"""The map's own floor: the dashboard's default map (its answer) on a page with nothing else.

``bench/floor_app.py`` draws the basemap alone; this page draws, per year, the very deck the
dashboard draws on its default page (the defended area, footprints, sites, launch points,
capitals and major cities coloured by status and their names: ``compute_map`` + ``headline`` +
``major_cities`` + ``build_deck``, at
the dashboard's default screen and map height), with the floor page's controls and nothing
else: no banner, headline, legend, timeline, sidebar or tabs. ``bench/bench_cold_start.py
--answer-floor`` times it beside the two others, so the dashboard's cold start and year step
split into what drawing its map costs by itself (this page against the basemap floor) and what
the rest of the page adds (the dashboard against this page).

With ``EPAA_BENCH_DROP_LAYERS`` set to deck.gl layer types (``TextLayer,ScatterplotLayer``;
``bench/bench_cold_start.py --answer-drop`` sets it), those layers are left out of the deck: what
each shader program the map adds to the basemap's costs its first frame in a browser without a
GPU. An experiment, not the dashboard's map; the page says so.

Each year's deck is computed once per server (``st.cache_resource``) before its first run is
timed, as the dashboard's caches hold a visited year; the bench's warm-up steps visit both
years first.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# After the path set-up above:
from coverage.catalogue.tables import load_catalogue  # noqa: E402
from coverage.products.headline import headline, major_cities  # noqa: E402
from coverage.products.mapdata import ANSWER_LAYERS, MapState, compute_map  # noqa: E402
from coverage.render.layers import (  # noqa: E402
    DEFAULT_SCREEN,
    CompactDeck,
    StaticFiles,
    build_deck,
    dashboard_map_size,
)
from coverage.scenario import FootprintOptions  # noqa: E402

st.set_page_config(page_title="Floor: the dashboard's map alone", layout="wide")

#: The dashboard's opening year (its sidebar slider's default).
DEFAULT_YEAR = 2016
#: The dashboard's opening layers: its sidebar has no checkbox for the countries' tooltip layer.
_LAYERS = ANSWER_LAYERS - {"countries"}
#: deck.gl layer types left out of the deck (an experiment: ``--answer-drop`` of the bench).
DROPPED = frozenset(filter(None, os.environ.get("EPAA_BENCH_DROP_LAYERS", "").split(",")))


@st.cache_resource(show_spinner=False)
def answer_deck(year: int) -> CompactDeck:
    """The dashboard's default map of ``year`` (its default state, capitals on), built as it is."""
    catalogue = load_catalogue()
    state = MapState(options=FootprintOptions(year=year), layers=_LAYERS)
    static = None
    if st.get_option("server.enableStaticServing"):
        static = StaticFiles(Path(__file__).resolve().parent / "static")
    deck = build_deck(
        compute_map(catalogue, state),
        static=static,
        capitals=headline(catalogue, state).capitals,
        screen=DEFAULT_SCREEN,
        cities=major_cities(catalogue, state),
    )
    if DROPPED:
        unknown = DROPPED - {layer.type for layer in deck.layers}
        if unknown:  # a misspelt type would drop nothing, and the page would still say so
            raise ValueError(
                f"EPAA_BENCH_DROP_LAYERS: no {', '.join(sorted(unknown))} in the map; its layer "
                f"types are {', '.join(sorted({layer.type for layer in deck.layers}))}"
            )
        deck.layers = [layer for layer in deck.layers if layer.type not in DROPPED]
    return deck


def _step(delta: int) -> None:
    st.session_state["year"] = min(2026, max(2011, int(st.session_state.get("year", 2016)) + delta))


year = int(st.session_state.setdefault("year", DEFAULT_YEAR))
prev_col, next_col = st.columns(2)
prev_col.button("◀", key="prev_year", on_click=_step, args=(-1,))
next_col.button("▶", key="next_year", on_click=_step, args=(1,))
map_col, side_col = st.columns([3.2, 1])
with map_col:
    st.pydeck_chart(answer_deck(year), height=dashboard_map_size(DEFAULT_SCREEN, 0)[1], key="map")
with side_col:
    st.markdown(f"**Legend** (none here: the map's floor), {year}")
    if DROPPED:
        st.caption(f"Experiment: without {', '.join(sorted(DROPPED))}")
