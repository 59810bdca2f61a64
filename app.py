"""EPAA coverage dashboard: Streamlit page composing the pure engine in ``coverage/``.

Run with ``make run`` (or ``streamlit run app.py``). Every widget has a key and is bound to the
URL, so a view can be shared by link. Nothing here computes geometry: it calls ``coverage``
through cached functions and lays out the results.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from coverage.catalogue.tables import Catalogue, DataError, load_catalogue
from coverage.products.mapdata import MapData, MapState, compute_map
from coverage.render.layers import CompactDeck, StaticFiles, build_deck
from coverage.scenario import FIRST_YEAR, LAST_YEAR
from dashboard import analysis, controls, exports, panels, whatif

_projector_url = st.query_params.get("projector", "false").lower() == "true"
st.set_page_config(
    page_title="EPAA coverage — European missile defence",
    layout="wide",
    initial_sidebar_state="collapsed" if _projector_url else "expanded",
)


@st.cache_resource(show_spinner=False)
def sourced_catalogue() -> Catalogue:
    """The bundled catalogue, loaded and validated once per server (read-only, shared)."""
    return load_catalogue()


@st.cache_resource(show_spinner=False, max_entries=96)
def map_for(digest: str, state: MapState, _catalogue: Catalogue) -> MapData:
    """Every layer of a map state (shared between users; never mutated)."""
    return compute_map(_catalogue, state)


@st.cache_resource(show_spinner=False, max_entries=96)
def deck_for(digest: str, state: MapState, projector: bool, _data: MapData) -> CompactDeck:
    """The pydeck map of a state; cached so reruns send identical JSON (no camera reset)."""
    return build_deck(_data, projector=projector, static=_static_files())


def _static_files() -> StaticFiles | None:
    """Where the basemap is published, when Streamlit serves ``./static`` (see config.toml)."""
    if not st.get_option("server.enableStaticServing"):
        return None  # e.g. started from another folder without our config: basemap sent inline
    return StaticFiles(Path(__file__).resolve().parent / "static")


def _step_year(delta: int) -> None:
    st.session_state["year"] = min(
        LAST_YEAR, max(FIRST_YEAR, int(st.session_state.get("year", 2016)) + delta)
    )


def _layout(
    catalogue: Catalogue, data: MapData, deck: CompactDeck, state: MapState, projector: bool
) -> None:
    """Banner, year stepper, map, legend, caveat, exports and analyst tabs."""
    if projector:
        st.markdown(
            "<style>header[data-testid='stHeader']{display:none} .block-container{padding-top:0.6rem;"
            "padding-bottom:0;max-width:100%} footer{display:none}</style>",
            unsafe_allow_html=True,
        )

    st.markdown("<style>.block-container{padding-top:1.2rem}</style>", unsafe_allow_html=True)
    head, steps = st.columns([5.4, 1.9], vertical_alignment="center")
    with head:
        panels.banner(data, projector=projector)
    with steps:
        prev_col, next_col = st.columns(2)
        prev_col.button(
            "◀ Year",
            key="prev_year",
            on_click=_step_year,
            args=(-1,),
            shortcut="PageUp",
            disabled=state.options.year <= FIRST_YEAR,
            help="Previous year (PageUp)",
            width="stretch",
        )
        next_col.button(
            "Year ▶",
            key="next_year",
            on_click=_step_year,
            args=(1,),
            shortcut="PageDown",
            disabled=state.options.year >= LAST_YEAR,
            help="Next year (PageDown)",
            width="stretch",
        )

    map_col, side_col = st.columns([3.2, 1] if not projector else [4, 1])
    with map_col:
        st.pydeck_chart(
            deck,
            height=780 if projector else 640,
            key="map",
            alt=f"{data.title}. {data.subtitle}. {len(data.footprints)} footprints drawn.",
        )
        panels.caveat(data, projector=projector)
    with side_col:
        st.markdown("**Legend**")
        panels.legend(data, projector=projector)
        if not projector:
            st.markdown(f"**Events in {state.options.year}**")
            panels.timeline(catalogue, state.options.year)

    if not projector:
        with st.expander(
            "Export this map: slide images, GIS files, rollout animation", expanded=False
        ):
            exports.export_panel(catalogue, data, projector=projector)

    if not projector:
        analysis.analysis_tabs(catalogue, data, panels.footprint_table)
        st.caption(
            "Sources and confidence for every number: data/README.md and data/parameters.csv. "
            "Low/nominal/high are capability cases of the published estimates, not measurements."
        )


try:
    sourced = sourced_catalogue()
except DataError as exc:
    panels.data_error(exc)
    st.stop()

state, projector = controls.sidebar_state()
# Containers fix the page order; the what-if panel (drawn low on the page) runs first because
# its edits decide the catalogue every other part uses.
top_area, whatif_area = st.container(), st.container()
if projector:
    catalogue = whatif.edited_catalogue(sourced)
else:
    with whatif_area:
        catalogue = whatif.whatif_panel(sourced)
state = analysis.engagement_controls(catalogue, state)
data = map_for(catalogue.digest, state, catalogue)
deck = deck_for(catalogue.digest, state, projector, data)
with top_area:
    _layout(catalogue, data, deck, state, projector)
