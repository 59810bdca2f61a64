"""Sidebar widgets, each with a key and bound to the URL so a view can be shared by link."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Variation
from coverage.products.headline import MAJOR_CITY_WORDS
from coverage.products.mapdata import ANSWER_LAYERS, MapState
from coverage.render.layers import DEFAULT_SCREEN, MAP_SIZE_PX
from coverage.scenario import FIRST_YEAR, LAST_YEAR, FootprintOptions, cooperation_labels
from coverage.style import CAPITAL_STYLE, LAYER_STYLES, THEMES
from dashboard import analysis, exports, scenarios, screenfit

if TYPE_CHECKING:
    from collections.abc import Callable

    from streamlit.delta_generator import DeltaGenerator

__all__ = [
    "DASHBOARD_LAYERS",
    "EOR_NAMES",
    "ViewChoice",
    "b_equals_a",
    "compare_controls",
    "sidebar_state",
]

#: Layers on when the dashboard opens: the library defaults plus the physics-based defended
#: area, so the first page answers "what is defended" (the rings stay one click away).
DASHBOARD_LAYERS = ANSWER_LAYERS

_RCS_CHOICES = (0.001, 0.01, 0.1, 1.0, 10.0)
_MASK_CHOICES = ("none", "0", "2", "5")


#: The major cities' checkbox and legend line.
CITY_TITLE = f"Major cities ({MAJOR_CITY_WORDS})"


class ViewChoice(NamedTuple):
    """How the map is shown, apart from what it shows."""

    capitals: bool
    projector: bool
    screen: str
    theme: str = "light"
    #: The major cities (1 M+ inhabitants) with the capitals, smaller (only with the capitals).
    cities: bool = True


def _russian_radars_for_a_linked_scenario() -> None:
    """A link that picks a cooperation scenario shows its radars, as picking it in the menu does.

    (:func:`dashboard.russia.cooperation_controls` turns the layer on when the menu changes; a
    link's scenario never changes the menu, so ``?coop=shared_early_warning`` named Russia's
    radars in the title and the "why" line without drawing them.) Only on the session's first
    run, and not when the link sets the layer itself.
    """
    given = st.query_params.get("coop")
    if not given or "show_early_warning" in st.session_state:
        return
    if "show_early_warning" in st.query_params:
        return
    labels = cooperation_labels()
    known = given in labels or given in labels.values()
    if known and given not in ("nato_alone", labels["nato_alone"]):
        st.session_state["show_early_warning"] = True


def sidebar_state(
    catalogue: Callable[[], Catalogue] | None = None,
) -> tuple[MapState, ViewChoice]:
    """Draw the sidebar; return the map state and how the map is shown.

    ``catalogue``: the session's catalogue, asked when the scenario changes (whether anything
    of it is in place in the year: :func:`dashboard.scenarios.scenario_control`).
    """
    sb = st.sidebar
    sb.markdown("### EPAA coverage map")
    sb.caption("EPAA: the European Phased Adaptive Approach (US plan, 2009)")
    exports.goto_button(sb)
    year = sb.slider(
        "Year",
        FIRST_YEAR,
        LAST_YEAR,
        scenarios.DEFAULT_YEAR,
        key="year",
        bind="query-params",
        help="Assets in place at any time in the year (as built: by 31 December).",
    )
    scenario = scenarios.scenario_control(sb, catalogue)
    estimate = sb.segmented_control(
        "Parameter estimate",
        ["low", "nominal", "high"],
        default="nominal",
        key="estimate",
        bind="query-params",
        help="Capability case of every sourced parameter (data/parameters.csv): low = conservative, "
        "high = generous. The detection-to-launch delay stays the slider's in every case; the "
        "low/nominal/high band (below) also moves the delay with the case (low: the longest).",
    )
    estimate = estimate or "nominal"

    sb.markdown("**Layers**")
    _russian_radars_for_a_linked_scenario()
    layers = set()
    for key, style in LAYER_STYLES.items():
        if key == "countries":
            continue
        if sb.checkbox(
            style.title,
            value=key in DASHBOARD_LAYERS,
            key=f"show_{key}",
            bind="query-params",
            help=style.description,
        ):
            layers.add(key)
    capitals = sb.checkbox(
        CAPITAL_STYLE.title,
        value=True,
        key="show_capitals",
        bind="query-params",
        help=CAPITAL_STYLE.description,
    )
    cities = sb.checkbox(
        CITY_TITLE,
        value=True,
        key="show_cities",
        bind="query-params",
        disabled=not capitals,
        help="The members' cities of a million inhabitants or more (data/cities.csv, GeoNames "
        "city population; a district within 50 km of a capital or a larger city is left out), "
        "smaller dots in the same status colours and marks as the capitals.",
    )

    with sb.expander("Radar assumptions", expanded=False):
        alt_km = st.slider(
            "Target altitude (km)",
            0,
            1500,
            300,
            step=25,
            key="alt_km",
            bind="query-params",
            help="Radar footprints show where a target at this altitude is detectable, with "
            "straight rays on the round Earth (k = 1), as the engine detects: right above the "
            "atmosphere; for a target inside it (below ~20 km) refraction carries the horizon "
            "somewhat farther than drawn.",
        )
        rcs = st.select_slider(
            "Target RCS (m²)",
            options=list(_RCS_CHOICES),
            value=1.0,
            key="rcs",
            bind="query-params",
            help="Published ranges refer to 1 m²; range scales as RCS^¼ (an RV is ~0.01 m²).",
        )
        mask = st.select_slider(
            "Elevation mask (degrees)",
            options=list(_MASK_CHOICES),
            value="none",
            key="mask",
            bind="query-params",
            help="Lowest usable elevation for every radar. 'none': each radar type's own "
            "mask (2° nominal, an assumption: data/parameters.csv, data/detection.csv).",
        )
        occasional = st.checkbox(
            "Include occasional Black Sea patrols (as built)",
            value=False,
            key="occasional",
            bind="query-params",
        )
    projector = sb.toggle(
        "Projector mode",
        value=False,
        key="projector",
        bind="query-params",
        help="Full-screen briefing view: large type, thick lines, controls hidden.",
    )
    theme = sb.segmented_control(
        "Theme",
        list(THEMES),
        default="light",
        key="theme",
        bind="query-params",
        help="Dark: high contrast for dim rooms and projectors (page, map, legend). Exported "
        "images stay light.",
    )
    # Widest first, so the default (the widest) is the first option: Streamlit then sees no
    # default to warn about when the window's measure (dashboard/screenfit.py) sets the value.
    screens = sorted(MAP_SIZE_PX, key=lambda s: int(s.split("x")[0]), reverse=True)
    screen = sb.selectbox(
        "Screen size",
        screens,
        index=screens.index(DEFAULT_SCREEN),
        key="screen",
        bind="query-params",
        on_change=screenfit.chosen_by_user,
        help="The map is framed to show every drawn layer on this screen. Set from your "
        "browser window's width when the page opens (unless the link names one); pick the "
        "projector's resolution before a briefing.",
    )
    options = FootprintOptions(
        year=int(year),
        scenario=scenario,
        estimate=estimate,
        target_alt_km=float(alt_km),
        target_rcs_m2=float(rcs),
        min_elevation_deg=None if mask == "none" else float(mask),
        include_occasional=bool(occasional),
    )
    view = ViewChoice(
        bool(capitals),
        bool(projector),
        str(screen or DEFAULT_SCREEN),
        str(theme) if theme in THEMES else "light",
        bool(capitals and cities),
    )
    return MapState(options=options, layers=frozenset(layers)), view


#: Names of B's engage-on-remote choices (the URL may carry the ids).
EOR_NAMES = {
    "same": "Same as A",
    "by_date": "By its date (Phase 3)",
    "on": "Always on",
    "off": "Off",
}


#: The choice that leaves a field of B as it is in A.
_SAME = "same"


def _same_or(labels: dict[str, str]) -> dict[str, str]:
    return {_SAME: "Same as A", **labels}


def b_equals_a(state: MapState, variation: Variation) -> bool:
    """Whether B (``variation``) asks the same as ``state`` (A): then no comparison is drawn."""
    o = state.options
    same_query = all(getattr(state.query(), k) == v for k, v in variation.query)
    return (variation.year, variation.scenario, variation.estimate) == (
        o.year,
        o.scenario,
        o.estimate,
    ) and same_query


def compare_controls(
    catalogue: Catalogue, state: MapState, *, area: DeltaGenerator | None = None
) -> MapState:
    """Sidebar controls for a second state B; returns ``state`` comparing with B when on.

    ``area``: where in the sidebar they go (a container made earlier; default: next).

    B is a full state of its own (year, scenario or alternative architecture, estimate, launch
    area, threat, and one engagement choice), so stepping A through the years keeps B fixed.
    Menus show names; a link may carry ids (``?vs_scenario=third_site``). B equal to A is said
    so and draws no comparison.
    """
    menus = analysis.menu_labels(catalogue)
    with (area or st.sidebar).expander(
        "Compare with a second state (B)", expanded=bool(st.session_state.get("compare"))
    ):
        on = st.toggle(
            "Compare this map (A) with B",
            value=False,
            key="compare",
            bind="query-params",
            help="Draw the ground B gains and loses against A (this map), and list the "
            "capitals gained and lost.",
        )
        year = st.slider(
            "B: year",
            FIRST_YEAR,
            LAST_YEAR,
            LAST_YEAR,
            key="vs_year",
            bind="query-params",
            disabled=not on,
        )
        scenario = scenarios.named_selectbox(
            st,
            "B: scenario or alternative architecture",
            scenarios.scenario_labels(),
            key="vs_scenario",
            disabled=not on,
            help="As built, as planned (Sept 2009), or an alternative architecture of the "
            "debate: the 2007 Third Site, the CBO 2009 options, Putin's 2007 offer "
            "(data/scenarios.csv, data/alternatives.csv). Chosen for a B year in which none of "
            "it is in place, B's year moves to the nearest one in which some is.",
            on_change=scenarios.to_year_in_place(
                lambda: catalogue,
                scenario_key="vs_scenario",
                year_key="vs_year",
                default_year=LAST_YEAR,
                whose="B's ",
            ),
        )
        estimate = st.segmented_control(
            "B: parameter estimate",
            ["low", "nominal", "high"],
            default="nominal",
            key="vs_estimate",
            bind="query-params",
            disabled=not on,
        )
        launch_area = scenarios.named_selectbox(
            st,
            "B: launch area",
            _same_or(analysis.launch_area_menu(catalogue)),
            key="vs_launch_area",
            disabled=not on,
            help="Where B's threat is launched from (A's is under Threat and engagement).",
        )
        threat = scenarios.named_selectbox(
            st,
            "B: threat",
            _same_or(menus["threat"]),
            key="vs_threat",
            disabled=not on,
            help="B's threat class (data/threats.csv); A's is under Threat and engagement.",
        )
        eor = scenarios.named_selectbox(
            st,
            "B: engage on remote",
            EOR_NAMES,
            key="vs_eor",
            disabled=not on,
            help="Another sensor's track guides the intercept: a choice of the engagement "
            "model B may change (A's is under Physics and assumptions).",
        )
        if not on:
            return state
        query = {} if eor in (None, _SAME) else {"engage_on_remote": str(eor)}
        if launch_area not in (None, _SAME):
            query["launch_area"] = str(launch_area)
        if threat not in (None, _SAME):
            query["threat"] = str(threat)
        variation = Variation.with_query(
            year=int(year),
            scenario=str(scenario or "actual"),
            estimate=str(estimate or "nominal"),
            **query,
        )
        if b_equals_a(state, variation):
            st.info(
                "B is the same as this map (A): change B's year, scenario, estimate, launch "
                "area or threat."
            )
            return state
    return replace(state, compare=variation)
