"""EPAA coverage dashboard: Streamlit page composing the pure engine in ``coverage/``.

Run with ``make run`` (or ``streamlit run app.py``). Every widget has a key and is bound to the
URL, so a view can be shared by link. Nothing here computes geometry: it calls ``coverage``
through cached functions and lays out the results.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from coverage.catalogue.tables import Catalogue, DataError, load_catalogue
from coverage.catalogue.validate import validate_data
from coverage.products.budget import WorkBudgetError
from coverage.products.headline import (
    Headline,
    RegionFigure,
    headline,
    major_cities,
    place_why,
    region_figure,
)
from coverage.products.mapdata import MapData, MapState, compute_map
from coverage.products.metrics import NATO_REGION
from coverage.render.layers import (
    DEFAULT_SCREEN,
    MAP_SIZE_PX,
    CompactDeck,
    StaticFiles,
    build_deck,
    dashboard_map_size,
    extra_rows,
    layer_properties,
)
from coverage.scenario import FIRST_YEAR, LAST_YEAR, cooperation_labels
from coverage.style import THEMES, Theme
from dashboard import (
    analysis,
    controls,
    exports,
    focus,
    panels,
    pickwarm,
    player,
    prefetch,
    russia,
    scenarios,
    screenfit,
    selection,
    sweep,
    tooltipfit,
    urlcheck,
    whatif,
    wheelzoom,
)

prefetch.run_started()  # background prefetching waits while a page runs
_projector_url = st.query_params.get("projector", "false").lower() == "true"
#: The URL as opened, before the widgets read and rewrite it (for url_notices).
_url_given = {key: st.query_params.get_all(key) for key in st.query_params}
#: The same on the session's first run, kept: the screen probe's answer may stop that run before
#: the notices are made, and the next run sees the URL the widgets have already rewritten.
_url_opened: dict[str, list[str]] = st.session_state.setdefault("url_opened", _url_given)
st.set_page_config(
    page_title="EPAA coverage — European missile defence",
    layout="wide",
    initial_sidebar_state="collapsed" if _projector_url else "expanded",
)
# First on the page, so that its answer can stop the first run before the map is drawn.
screenfit.fit_screen(
    MAP_SIZE_PX,
    default=DEFAULT_SCREEN,
    url_value=_url_given.get("screen", [None])[0],
    url_auto=screenfit.AUTO in _url_given,
    widget_key="screen",
)
# Projector mode switched on from the sidebar: the keyboard's focus leaves the hidden sidebar.
focus.release_sidebar_focus(projector=bool(st.session_state.get("projector", _projector_url)))


@st.cache_resource(show_spinner=False)
def sourced_catalogue() -> Catalogue:
    """The bundled catalogue, loaded once per server after every file in data/ passed validation."""
    problems = validate_data()
    if problems:
        raise DataError(problems)
    return load_catalogue()


@st.cache_resource(show_spinner=False, max_entries=96)
def map_for(digest: str, state: MapState, _catalogue: Catalogue) -> MapData:
    """Every layer of a map state (shared between users; never mutated)."""
    return compute_map(_catalogue, state)


@st.cache_resource(show_spinner=False, max_entries=96)
def headline_for(digest: str, state: MapState, _catalogue: Catalogue) -> Headline:
    """The answer-first line of a state (shares, capitals, change since the year before)."""
    return headline(_catalogue, state)


@st.cache_resource(show_spinner=False, max_entries=32)
def region_for(
    digest: str, state: MapState, region: str, _catalogue: Catalogue
) -> RegionFigure | None:
    """The chosen region's defended share ("Whose territory"), said in the headline too."""
    return region_figure(_catalogue, state, region)


@st.cache_resource(show_spinner=False, max_entries=96)
def cities_for(digest: str, state: MapState, _catalogue: Catalogue) -> pd.DataFrame:
    """The major cities of a state by status (read off the state's own engine run)."""
    return major_cities(_catalogue, state)


@st.cache_resource(show_spinner="Why this city...", max_entries=64)
def city_why_for(digest: str, state: MapState, iso3: str, name: str, _catalogue: Catalogue) -> str:
    """Why a major city of a state has its status (asked on its click, not with the map)."""
    return place_why(_catalogue, state, iso3, name)


@st.cache_resource(show_spinner=False, max_entries=96)
def deck_for(
    digest: str,
    state: MapState,
    view: controls.ViewChoice,
    resets: int,
    _data: MapData,
    _line: Headline,
    _catalogue: Catalogue,
) -> CompactDeck:
    """The pydeck map of a state; cached so reruns send identical JSON (no camera reset).

    ``resets`` counts presses of "Fit map to layers": each press moves the initial view by a
    hair (alternately), because the chart moves its camera only when the Deck's initial view
    changes, and it then goes back to the framing of the drawn layers.
    """
    deck = build_deck(
        _data,
        projector=view.projector,
        static=_static_files(),
        capitals=_line.capitals if view.capitals else None,
        screen=view.screen,
        theme=view.theme,
        cities=cities_for(digest, state, _catalogue) if view.cities else None,
    )
    view = deck.initial_view_state
    nudge = 1e-6 * (resets % 2)  # every field changes, so the whole camera is reset
    view.longitude, view.latitude, view.zoom = (
        view.longitude + nudge,
        view.latitude + nudge,
        view.zoom + nudge,
    )
    return deck


def _reframe() -> None:
    st.session_state["view_resets"] = st.session_state.get("view_resets", 0) + 1


def _fit_button() -> None:
    st.button(
        "Fit map to layers",
        key="reset_view",
        on_click=_reframe,
        help="Reset the camera to the opening view: everything drawn, except the parts of "
        "interceptor rings and radar footprints beyond Europe, its Atlantic approaches and the "
        "Middle East (a 2,500 km or 5,300 km ring runs off the map's edge; zoom out to see it)",
        width="stretch",
    )


def _leave_projector() -> None:
    st.session_state["projector"] = False
    focus.left_projector()  # the sidebar opens again


def _static_files() -> StaticFiles | None:
    """Where the basemap is published, when Streamlit serves ``./static`` (see config.toml)."""
    if not st.get_option("server.enableStaticServing"):
        return None  # e.g. started from another folder without our config: basemap sent inline
    return StaticFiles(Path(__file__).resolve().parent / "static")


def _busy_text(state: MapState) -> str:
    o = state.options
    cases = (
        "low, nominal and high estimates" if state.uncertainty_band else f"{o.estimate} estimate"
    )
    return f"Computing {o.year}, {cases}: threat flights, radar tracks and intercept windows…"


def _neighbours(state: MapState, *, comparing: bool) -> list[MapState]:
    """The states one step away on the year and estimate controls, most likely asked first.

    As the page would ask them: a neighbour equal to the comparison's B compares with nothing
    (``controls.compare_controls``). With the comparison on and B equal to this state, B is
    not in ``state``, so its neighbours are not known here: none.
    """
    if comparing and state.compare is None:
        return []
    o = state.options
    out = []
    if o.year < LAST_YEAR:
        out.append(replace(state, options=replace(o, year=o.year + 1)))
    out += [
        replace(state, options=replace(o, estimate=e))
        for e in ("high", "low", "nominal")
        if e != o.estimate
    ]
    if o.year > FIRST_YEAR:
        out.append(replace(state, options=replace(o, year=o.year - 1)))
    return [
        replace(s, compare=None)
        if s.compare is not None and controls.b_equals_a(s, s.compare)
        else s
        for s in out
    ]


def _prefetch_neighbours(
    catalogue: Catalogue, state: MapState, view: controls.ViewChoice, resets: int
) -> None:
    """Compute, in the background, what the page would draw for each neighbouring state.

    The same cached functions as the page's, with the same arguments, so that the page's next
    run reads them (dashboard/prefetch.py: one thread per server, bounded, newest first).
    """
    worker = prefetch.prefetcher()

    def job(s: MapState) -> None:
        data = map_for(catalogue.digest, s, catalogue)
        line = headline_for(catalogue.digest, s, catalogue)
        deck_for(catalogue.digest, s, view, resets, data, line, catalogue)
        if not view.projector:
            analysis.warm_delay_note(catalogue, s)
        if not view.projector or view.screen == DEFAULT_SCREEN:
            # The side column's claim of the year (on a projector, its short form).
            analysis.warm_claim_note(catalogue, s, projector=view.projector)

    # Submitted least likely first: the worker takes the newest first.
    comparing = bool(st.session_state.get("compare"))
    for s in reversed(_neighbours(state, comparing=comparing)):
        worker.submit((catalogue.digest, s, view, resets), lambda s=s: job(s))


def _step_year(delta: int) -> None:
    st.session_state["year"] = min(
        LAST_YEAR,
        max(FIRST_YEAR, int(st.session_state.get("year", scenarios.DEFAULT_YEAR)) + delta),
    )


def _url_bound() -> dict[str, object]:
    """The values of the URL-bound settings now (for url_notices, and to see them change)."""
    bound = {k: st.session_state[k] for k in urlcheck.ALLOWED if k in st.session_state}
    bound.update({k: st.session_state[k] for k in st.session_state if k in _url_opened})
    return bound


def _without_screen(bound: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in bound.items() if k != "screen"}


#: The box that says a new state is computing (app's ``busy_area``): fixed over the window's
#: top, out of the page's flow. While it shows, the previous state's answer (headline,
#: comparison, map, legend, capitals) fades, so its numbers are not read as the new state's.
#: The map's own toolbar (clear the selection, full screen) goes inside its top-right corner,
#: not over the headline's last line above it.
_BUSY_CSS = """[data-testid='stLayoutWrapper']:has(> .st-key-busy){position:fixed;top:0;left:0;width:0;height:0;z-index:1001}
.st-key-busy{position:fixed;top:0.6rem;left:50%;transform:translateX(-50%);z-index:1001;width:auto !important}
.st-key-busy [data-testid='stSpinner']{background:#ffffff !important;border:1px solid #8a8a8a;border-radius:6px;
padding:0.35rem 0.8rem;box-shadow:0 2px 8px rgba(0,0,0,0.25)}
body:has(.st-key-busy [data-testid='stSpinner']) :is(.epaa-headline, .epaa-comparison,
.epaa-legend, .epaa-capitals, [data-testid='stDeckGlJsonChart']){opacity:0.35;transition:opacity 0.2s}
[data-testid='stDeckGlJsonChart'] > [data-testid='stElementToolbar']{top:6px !important;right:6px !important}
"""

#: A menu's list is as wide as its longest option (up to 36 rem), not as its box: in the
#: sidebar's 206-px box the cooperation scenarios read "Shared early warning (Joint Data…" and
#: the trajectories "Minimum energy (longest r…" (new-user trial). Streamlit's list (react-aria)
#: is a fixed box sized by an inline width; it opens over the page.
_MENU_CSS = """div:has(> [role='listbox']){width:max-content !important;
min-width:var(--trigger-width, 0px);max-width:min(36rem, calc(100vw - 2rem)) !important}
[role='listbox'] [role='option'] > div{white-space:normal !important;overflow:visible !important;
text-overflow:clip !important}
"""

#: Projector mode: the page is one viewport high and the map takes what the blocks above it
#: (banner, headline, comparison line) and below it (caveat, assumptions) leave, however many
#: lines their text wraps onto: every block holding the map grows (flex), the others keep their
#: height. (A fixed ``calc(100vh - N px)`` per width cut the assumptions off at 1920x1080 when a
#: comparison's title took two lines.) The legend's column scrolls on its own if it is longer.
#: The page is 620 px high at least (it scrolls on a shorter window), so the map keeps ~300 px.
#: No focus frame on the main area: a click on the page then a clicker's PageDown (a key)
#: drew Streamlit's keyboard-focus frame, a grey box from 60 px down, over the slide (a trial).
_PROJECTOR_CSS = (
    """
<style>
"""
    + _BUSY_CSS
    + _MENU_CSS
    + """
.st-key-screen_probe, .st-key-focus_release, .st-key-url_names, .st-key-tabs_shown,
.st-key-exports_shown{display:none}
header[data-testid='stHeader']{display:none}
footer{display:none}
[data-testid='stMain']:focus-visible::before{content:none}
.block-container{padding:0.5rem 1.2rem 1.4rem 1.2rem !important;max-width:100% !important;
height:max(100vh, 620px);flex:none;box-sizing:border-box;display:flex;flex-direction:column}
.block-container > [data-testid='stVerticalBlock'],
[data-testid='stLayoutWrapper']:has(.st-key-mapbox),
[data-testid='stVerticalBlock']:has(.st-key-mapbox),
[data-testid='stHorizontalBlock']:has(.st-key-mapbox),
.st-key-mapbox{flex:1 1 0 !important;min-height:0 !important}
[data-testid='stLayoutWrapper']:has(.st-key-mapbox),
[data-testid='stVerticalBlock']:has(.st-key-mapbox){display:flex;flex-direction:column}
[data-testid='stHorizontalBlock']:has(.st-key-mapbox){align-items:stretch !important}
[data-testid='stHorizontalBlock']:has(.st-key-mapbox) > [data-testid='stColumn']
{display:flex;flex-direction:column;min-height:0;overflow-y:auto;overflow-x:hidden;
align-self:stretch !important;height:auto !important;max-height:100%}
[data-testid='stHorizontalBlock']:has(.st-key-mapbox) > [data-testid='stColumn']:has(.st-key-mapbox)
{overflow:visible}
.st-key-mapbox{height:auto !important}
[data-testid='stVerticalBlock']:has(.st-key-mapbox) > :not(:has(.st-key-mapbox)):not(.st-key-mapbox)
{flex:none !important}
.st-key-mapbox [data-testid='stElementContainer']{flex:1 1 0 !important;min-height:0}
.st-key-prev_year button p,.st-key-next_year button p{font-size:clamp(1rem,1.3vw,1.2rem);font-weight:600;white-space:nowrap}
</style>
"""
)


#: With the sidebar open, the year buttons are too narrow for their shortcut hints below 1500 px
#: (the hints stay in the buttons' tooltips). Streamlit's header band (60 px, opaque once the
#: sidebar is closed, as after leaving projector mode) would cover the title: it stays
#: transparent and lets clicks through, except on its own buttons.
_DASHBOARD_CSS = (
    """
<style>
"""
    + _BUSY_CSS
    + _MENU_CSS
    + """
.st-key-screen_probe, .st-key-focus_release, .st-key-url_names, .st-key-tabs_shown,
.st-key-exports_shown{display:none}
.block-container{padding-top:1.2rem}
@media (max-height:800px){.block-container{padding-top:0.5rem}}
header[data-testid='stHeader']{background:transparent !important}
header[data-testid='stHeader'], header[data-testid='stHeader'] *{pointer-events:none !important}
header[data-testid='stHeader'] button, header[data-testid='stHeader'] button *{pointer-events:auto !important}
@media (max-width:1500px){.st-key-prev_year kbd,.st-key-next_year kbd{display:none}}
@media (max-width:1100px){.block-container{padding-left:1rem !important;padding-right:1rem !important}}
</style>
"""
)


#: The least height of the block holding the banner and the headline on the dashboard, px, by
#: screen (measured in Chromium), so that the map starts at the same place from year to year
#: and its caveat ends inside the window. 1280x720: the tallest block over the years and
#: scenarios (2016, its headline three lines). 1024x768: the block of every as-built year whose
#: banner detail takes its two lines (2013, 2019, 2021-2026; 2011 and 2016 took 19 px less, so
#: the map moved by 19 px between years, 29 more in 2021-2023 whose phase line wrapped before
#: its font was made a touch smaller); the planned 2020-2026 whose phase line wraps ("Phase 4 —
#: 2020 plan (cancelled ...)") still take 28 px more. The tallest block there would push the
#: capitals' key, beside the map, below the window.
_TOP_BLOCK_MIN_PX: dict[str, int] = {"1280x720": 190, "1024x768": 209}


def _dark_css(theme: Theme) -> str:
    """The page in the dark theme: Streamlit's own theme is fixed per server, so CSS recolours it.

    Covers what the dashboard draws: page, sidebar, text, captions, buttons, menus, inputs,
    expanders, tabs and tables' frames. Contrast ratios are in :class:`coverage.style.Theme`.
    """
    t = theme
    return f"""
<style>
.stApp, [data-testid='stAppViewContainer'], [data-testid='stMain']
{{background:{t.page};color:{t.text}}}
[data-testid='stSidebar'], [data-testid='stSidebarContent']{{background:{t.panel};color:{t.text}}}
header[data-testid='stHeader'] button, header[data-testid='stHeader'] button span{{color:{t.muted} !important}}
.stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp p, .stApp li, .stApp label,
[data-testid='stWidgetLabel'], [data-testid='stMarkdownContainer']{{color:{t.text}}}
[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p{{color:{t.muted}}}
[data-testid='stBaseButton-secondary'], [data-testid='stButtonGroup'] button
{{background:{t.panel};color:{t.text};border-color:{t.rule}}}
[data-testid='stBaseButton-secondary'] p, [data-testid='stBaseButton-secondary'] kbd,
[data-testid='stButtonGroup'] button p{{color:{t.text}}}
[data-testid='stButtonGroup'] button[aria-checked='true'], [data-testid='stButtonGroup']
button[aria-pressed='true']{{border-color:{t.accent};box-shadow:inset 0 0 0 1px {t.accent}}}
[data-baseweb='select'] > div, [data-baseweb='input'], .stApp input, .stApp textarea
{{background:{t.page};color:{t.text};border-color:{t.rule}}}
[data-testid='stSelectbox'] [data-baseweb='select'] div{{background-color:{t.page}}}
div:has(> [role='listbox']){{background:{t.panel} !important;border:1px solid {t.rule}}}
[role='listbox'] [role='option']{{color:{t.text} !important;background:transparent !important}}
[role='listbox'] [role='option'][data-focused='true'], [role='listbox']
[role='option'][data-selected='true']{{background:{t.page} !important}}
[data-testid='stExpander'] details{{background:{t.panel};border-color:{t.rule}}}
[data-testid='stExpander'] summary{{background:transparent;color:{t.text}}}
[data-testid='stExpander'] summary p{{color:{t.text}}}
[data-baseweb='tab'] p{{color:{t.text}}}
[data-testid='stSliderTickBarMin'], [data-testid='stSliderTickBarMax'],
[data-testid='stSliderThumbValue']{{color:{t.muted}}}
.st-key-busy [data-testid='stSpinner']{{background:{t.panel} !important;color:{t.text};border-color:{t.rule}}}
.stApp svg.icon{{stroke:{t.muted} !important}}
.stApp [data-testid='stIconMaterial']{{color:{t.muted} !important}}
[data-testid='stCheckbox'] label:has(input:not(:checked)) > div:not([data-testid]):has(> div){{background:{t.rule} !important}}
</style>
"""


def _layout(
    catalogue: Catalogue,
    data: MapData,
    deck: CompactDeck,
    line: Headline,
    state: MapState,
    view: controls.ViewChoice,
) -> None:
    """Banner, headline, year stepper, map, legend, caveat, exports and analyst tabs."""
    projector = view.projector
    theme = THEMES[view.theme]
    # One style element whatever the mode, and a container for the comparison line even when
    # there is none: the blocks above the map keep their places, so the map is not rebuilt.
    css = _dark_css(theme) if theme.key == "dark" else ""
    if projector:
        css += _PROJECTOR_CSS
    else:
        css += _DASHBOARD_CSS
    css += screenfit.large_screen_css(projector=projector)
    # On the smaller screens the year buttons sit at the top of their row, not in its middle,
    # so they stay under the pointer while the years are stepped (they moved by 25 px at
    # 1024x768 with the lines the banner's text wraps onto); at 1280x720 the banner and the
    # headline are one block that keeps its height (_TOP_BLOCK_MIN_PX), so the map stays put.
    compact = view.screen != DEFAULT_SCREEN
    steady = compact and not projector
    # A comparison's line or the cooperation's "why" above the map: on the smaller screens the
    # banner's detail takes one line and, with a comparison, the headline counts the capitals
    # without naming them (the comparison's line and the legend name them), so that the caveat
    # stays in the window.
    extra = extra_rows(data) if steady else 0
    if steady and view.screen in _TOP_BLOCK_MIN_PX:
        css += (
            f"<style>.st-key-pagetop{{min-height:{_TOP_BLOCK_MIN_PX[view.screen]}px;"
            "justify-content:space-between}</style>"
        )
    st.markdown(css, unsafe_allow_html=True)
    with st.container(key="pagetop"):
        head, steps = st.columns([4.4, 2.4], vertical_alignment="top" if steady else "center")
        with head:
            panels.banner(
                data, projector=projector, theme=theme, compact=compact, lines=2 - bool(extra)
            )
        with steps:
            prev_col, next_col = st.columns(2)
            prev_col.button(
                "◀ Year",
                key="prev_year",
                on_click=_step_year,
                args=(-1,),
                shortcut="PageUp",
                disabled=state.options.year <= FIRST_YEAR,
                # On a projector the label shows the key; a tooltip stayed up after each
                # click and covered "Fit map", "Play" and "Exit projector" under it (1024x768).
                help=None if projector else "Previous year (PageUp)",
                width="stretch",
            )
            next_col.button(
                "Year ▶",
                key="next_year",
                on_click=_step_year,
                args=(1,),
                shortcut="PageDown",
                disabled=state.options.year >= LAST_YEAR,
                help=None if projector else "Next year (PageDown)",
                width="stretch",
            )
            if projector:  # under the year buttons, where the banner leaves room
                fit_col, play_col, exit_col = st.columns([1.25, 0.75, 1.05])
                with fit_col:
                    _fit_button()
                with play_col:
                    player.play_button()
                exit_col.button(
                    "Exit projector",
                    key="exit_projector",
                    on_click=_leave_projector,
                    help="Back to the full dashboard with its controls",
                    width="stretch",
                    type="primary",
                )
            elif steady:
                # Below 1920x1080 under the year buttons too, in the room the banner leaves
                # there: beside the map they pushed the legend's capitals key below the window
                # (1280x720: it ended at 820 px; a fresh-eyes review).
                fit_col, play_col = st.columns([1.35, 0.9])
                with fit_col:
                    _fit_button()
                with play_col:
                    player.play_button()

        panels.headline(
            line,
            projector=projector,
            theme=theme,
            named=not (steady and extra and data.comparison is not None),
            compact=steady,
        )
    with st.container():
        if data.comparison is not None:
            panels.comparison_line(
                data.comparison,
                projector=projector,
                theme=theme,
                wide=view.screen == DEFAULT_SCREEN,
            )
        if data.cooperation_why:
            panels.cooperation_why(
                data.cooperation_why,
                projector=projector,
                theme=theme,
                in_tabs="" if projector else analysis.TAB_NAMES[-1],
            )

    map_col, side_col = st.columns([3.2, 1] if not projector else [4, 1])
    with map_col:
        alt = f"{data.title}. {data.subtitle}. {line.text()}"
        # A key of its own on a projector: a capital clicked before entering projector mode
        # would carry its dimmed map and its "why" (which pushed the legend's capitals out of
        # the window) onto the slide; a click on the projector's map still works.
        key = "map_projector" if projector else "map"
        chart = dict(key=key, alt=alt, on_select="rerun", selection_mode="single-object")
        if projector:
            with st.container(key="mapbox"):
                event = st.pydeck_chart(deck, height="stretch", **chart)
        else:
            height = dashboard_map_size(view.screen, extra_rows(data))[1]
            event = st.pydeck_chart(deck, height=height, **chart)
        panels.caveat(data, projector=projector, theme=theme)
    with side_col:
        if not projector and not steady:  # at 1920x1080 beside the map, over the legend
            _fit_button()
            player.play_button()
        picked = selection.with_place_reason(
            event.selection,
            next((layer.data for layer in deck.layers if layer.id == "cities"), []),
            cities_for(catalogue.digest, state, catalogue) if view.cities else pd.DataFrame(),
            lambda iso3, name: city_why_for(catalogue.digest, state, iso3, name, catalogue),
        )
        panels.inspector(
            selection.inspected(picked, layer_properties(deck), year=data.state.options.year),
            projector=projector,
            theme=theme,
            compact=compact,
        )
        st.markdown("**Legend**")
        panels.legend(data, projector=projector, theme=theme, compact=compact)
        if data.comparison is not None:
            panels.comparison_capitals(data.comparison, projector=projector, theme=theme)
        if view.capitals:
            # On a projector a comparison's gained and lost capitals stand for the list.
            panels.capitals_legend(
                line,
                projector=projector,
                theme=theme,
                listed=not (projector and data.comparison is not None),
                compared=data.comparison is not None,
                # Not on a projector beside a comparison: its gained and lost capitals take the
                # column's room (the key ran 30-45 px under the window at 1280x720, 1024x768).
                cities=cities_for(catalogue.digest, state, catalogue)
                if view.cities and not (projector and data.comparison is not None)
                else None,
            )

        if projector:
            # The briefer's export, without leaving the slide: this screen's size (session 42).
            exports.projector_slide_button(
                catalogue,
                data,
                screen=view.screen,
                line=line,
                capitals=view.capitals,
                cities=cities_for(catalogue.digest, state, catalogue)
                if view.capitals and view.cities
                else None,
            )
        if (
            not projector
            and "early_warning" in state.layers
            and state.cooperation == "nato_alone"
            and data.comparison is None
        ):
            # The layer draws Russia's radars; what sharing them would add is computed (the
            # question a new user could not answer from the map alone). Under the capitals'
            # key, which must stay in the window at 1280x720.
            russia.early_warning_note(catalogue, state, in_tab=analysis.TAB_NAMES[-1])
        if not projector or view.screen == DEFAULT_SCREEN:
            # In a year an official claim is judged on (2012, 2016, 2020, 2024 as built; 2018
            # as planned): the claim against this map, under the capitals' key too (none beside
            # a comparison: claims.claim_notes). On a projector in the slides' short form, on
            # screens of 1920x1080 and up only: under the capitals' key at 1280x720 and
            # 1024x768 there are 120-140 px, and the claims take 4-8 lines there.
            analysis.claim_note(catalogue, state, projector=projector)
        if not projector:
            # The record's events (data/events.csv), whatever the scenario: beside the Third
            # Site's map, "Aegis Ashore Romania operational" read as part of it (new-user trial).
            record = "" if state.options.scenario == "actual" else " (what happened, the record)"
            st.markdown(f"**Events in {state.options.year}**{record}")
            panels.timeline(catalogue, state.options.year, theme=theme)
        # Last in the side column, where its empty block moves nothing: the first click on
        # the map counts in browsers without a GPU too (dashboard/pickwarm.py).
        pickwarm.warm_up_picking()
        tooltipfit.fit_tooltips()  # the tooltip stays inside the map near its edges
        wheelzoom.guard_wheel_zoom()  # the wheel scrolls the page; with Ctrl or ⌘ it zooms

    if not projector:
        # Its content is drawn only while it is open: its download buttons cost every rerun
        # ~160 ms on the server and ~100 ms in the browser (bench/bench_cold_start.py).
        panel = st.expander(
            "Export this map: slide images, GIS files, rollout animation",
            expanded=False,
            key=exports.OPEN_KEY,
            on_change="rerun",
        )
        with panel:
            if panel.open:
                exports.export_panel(
                    catalogue,
                    data,
                    projector=projector,
                    line=line,
                    capitals=view.capitals,
                    cities=cities_for(catalogue.digest, state, catalogue)
                    if view.capitals and view.cities
                    else None,
                )
        exports.show_panel()  # after "Export…": the panel into view

    if not projector:
        analysis.analysis_tabs(catalogue, data, panels.footprint_table)
        focus.show_tabs(opened_with_tab=_url_opened.get("tab", [""])[0] in analysis.TAB_NAMES)
        st.caption(
            "Sources and confidence for every number: data/README.md and data/parameters.csv. "
            "Low/nominal/high are capability cases of the published estimates, not measurements."
        )


try:
    sourced = sourced_catalogue()
except DataError as exc:
    panels.data_error(exc)
    prefetch.run_finished()
    st.stop()

player.advance()  # a due play step moves the year before the slider is drawn
state, view = controls.sidebar_state(lambda: whatif.edited_catalogue(sourced))
projector = view.projector
if moved := st.session_state.pop(scenarios.YEAR_MOVED, None):
    st.toast(moved, icon=":material/event:", duration="long")
# Containers fix the page order; the what-if panel (drawn low on the page) runs first because
# its edits decide the catalogue every other part uses.
busy_area = st.container(key="busy")
top_area, sweep_area, whatif_area = st.container(), st.container(), st.container()
if projector:
    catalogue = whatif.edited_catalogue(sourced)
else:
    with whatif_area:
        catalogue = whatif.whatif_panel(sourced)
# The comparison's controls above the engagement's in the sidebar (a new user scrolled past
# the open "Threat and engagement" to find them), drawn after them: B copies A's choices.
compare_area = st.sidebar.container()
state, delay_note_area = analysis.engagement_controls(catalogue, state)
state = controls.compare_controls(catalogue, state, area=compare_area)
state = russia.cooperation_controls(state)
try:
    # A state not computed before (a new estimate, threat or launch area: 0.3-1.5 s) says so in a
    # corner of the window, over the page rather than in it (nothing moves); Streamlit shows a
    # spinner only after half a second, so a cached state shows none.
    with busy_area, st.spinner(_busy_text(state), show_time=True):
        data = map_for(catalogue.digest, state, catalogue)
        line = headline_for(catalogue.digest, state, catalogue)
        # A region beyond NATO Europe chosen under "Whose territory" is measured in the
        # headline too (the map already draws the defended area over it: the same run).
        region = russia.chosen_region()
        if region != NATO_REGION:
            line = replace(line, region=region_for(catalogue.digest, state, region, catalogue))
        if not projector:  # the sidebar, where the line goes, is hidden on a projector
            analysis.delay_note(catalogue, state, delay_note_area)
except WorkBudgetError as exc:
    st.error(f"The defended area was not computed: {exc}.")
    prefetch.run_finished()
    st.stop()
if not projector:
    with sweep_area:
        data = sweep.sweep_panel(catalogue, state, data)
resets = int(st.session_state.get("view_resets", 0))
deck = sweep.with_probability(
    deck_for(catalogue.digest, state, view, resets, data, line, catalogue), data
)
with top_area:
    # The notices have a container of their own, present on every run even when empty: a notice
    # that comes or goes then never moves the map's block (Streamlit would rebuild the map, a
    # new WebGL context, seconds in a browser without a GPU).
    notice_area = st.container()
    _layout(catalogue, data, deck, line, state, view)
if "url_notices" not in st.session_state:
    # The URL as opened is checked once per session: later runs start from the URL of the run
    # before, which a callback (the year buttons, play) has already moved on.
    _bound = _url_bound()
    # What the notices are shown for (the screen size, which the page may set from the window
    # on opening, aside).
    st.session_state["url_notices_for"] = _without_screen(_bound)
    if "tab" not in _bound and _url_opened.get("tab", [""])[0] in analysis.TAB_NAMES:
        _bound["tab"] = _url_opened["tab"][0]  # the tabs are drawn below this notice
    _labels = {
        **analysis.menu_labels(catalogue),
        "scenario": scenarios.scenario_labels(),
        "coop": cooperation_labels(),
        "region": russia.region_labels(),
        "sector": russia.SECTOR_LABELS,
        "vs_scenario": scenarios.scenario_labels(),
        "vs_launch_area": analysis.menu_labels(catalogue)["launch_area"],
        "vs_threat": analysis.menu_labels(catalogue)["threat"],
        "vs_eor": controls.EOR_NAMES,
    }
    st.session_state["url_notices"] = (_bound, _labels)
# Shown on every run until the user changes a setting: the page still shows what the link was
# turned into. The screen size as it is now: the page may have measured the window since (a
# size the setting does not offer, ?screen=800x600, was said to be the default's).
if _without_screen(_url_bound()) == st.session_state["url_notices_for"]:
    _bound, _labels = st.session_state["url_notices"]
    if "screen" in st.session_state:
        _bound = {**_bound, "screen": st.session_state["screen"]}
    notices = urlcheck.url_notices(_url_opened, _bound, labels=_labels)
    narrower = screenfit.narrower_notice(st.session_state.get("screen"))
    if narrower:
        notices = [*notices, narrower]
    if not projector:
        with notice_area:
            for notice in notices:
                st.warning(notice, icon="⚠️")
    elif notices and not st.session_state.get("url_notices_toasted"):
        # On a projector the page fits the screen: a notice in its flow took the map's top
        # 90 px until the first key press. Over the page, once, for 10 s instead.
        st.session_state["url_notices_toasted"] = True
        for notice in notices:
            st.toast(notice, icon="⚠️", duration="long")
if prefetch.enabled():
    # After the page is sent: the next year and the other estimates, while the user reads.
    _prefetch_neighbours(catalogue, state, view, resets)
prefetch.run_finished(first_page=not st.session_state.get("page_drawn", False))
st.session_state["page_drawn"] = True
scenarios.name_url_ids()  # a link with ids (?cue=off): one more run puts their names in the URL
player.schedule_next()  # while playing: hold this year on screen, then step
