"""Threat and engagement controls, and the analyst tabs: metrics, coverage over time, tracks, ICBMs."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from coverage.catalogue.analysis import load_threats
from coverage.catalogue.tables import Catalogue
from coverage.physics.ballistics import SHAPES
from coverage.products import claims, icbm, metrics
from coverage.products.defended import band_delays
from coverage.products.delay import DELAYS_S, DelayCurve, delay_curve_for
from coverage.products.headline import launch_area_label, share_text
from coverage.products.mapdata import MapData, MapState, tracks_for_state
from coverage.products.sensitivity import sensitivity_table
from coverage.scenario import (
    FIRST_YEAR,
    LAST_YEAR,
    PLAN_LAST_YEAR,
    SCENARIO_LABELS,
    DefenceQuery,
    FootprintOptions,
    launch_area_names,
)
from coverage.style import MEASURE_DASHES, SCENARIO_CHART_COLOURS
from dashboard import icbm_view, russia
from dashboard.exports import scenario_file_word
from dashboard.scenarios import url_id
from dashboard.tables import readable
from dashboard.urlcheck import ICBM_TAB

if TYPE_CHECKING:
    import altair as alt
    from streamlit.delta_generator import DeltaGenerator

__all__ = [
    "TAB_NAMES",
    "analysis_tabs",
    "coverage_series_chart",
    "delay_note",
    "engagement_controls",
    "menu_labels",
    "warm_delay_note",
]


@st.cache_resource(show_spinner=False)
def _threats() -> pd.DataFrame:
    return load_threats()


_SHAPE_NAMES = {
    "minimum_energy": "Minimum energy (longest range)",
    "lofted": "Lofted (10° above minimum energy)",
    "depressed": "Depressed (10° below minimum energy)",
}
#: The Russian-ICBM tab's cueing and burn-time choices, as its radios name them (URL-bound).
_ICBM_CUEING_NAMES = {
    "perfect": "Perfect",
    "shared_track": "NATO's shared tracks",
    "own_radar": "Own radar only",
}
_ICBM_PROPELLANT_NAMES = {
    "by_base": "Each base's propellant",
    "solid": "All solid",
    "liquid": "All liquid",
}


_FLYOUT_NAMES = {
    "point_mass": "Point mass (gravity, drag, boost)",
    "reach_formula": "Reach formula (no gravity)",
}
_BASIS_NAMES = {"achieved": "Speed reached at burnout", "ideal": "Loss-free increment"}
_SETTING_NAMES = {"by_date": "By its date ({what})", "on": "Always on", "off": "Off"}
#: The threat's boost (data/threat_boost.csv's cases) or none: ``MapState.boost_case``/``boost``.
_BOOST_NAMES = {
    "nominal": "Powered boost, nominal case",
    "low": "Powered boost, low case (shorter burn)",
    "high": "Powered boost, high case (longer burn)",
    "none": "No boost (burnout at the surface)",
}

#: The URL parameters of the "Physics and assumptions" panel's widgets.
_PHYSICS_KEYS = (
    "flyout",
    "basis",
    "cap",
    "eor",
    "cue",
    "rv_rcs",
    "booster_rcs",
    "handover",
    "boost",
    "rotation",
    "refraction",
    "rota_in_port",
    "north_sea",
)
#: The deployment choices the panel switches (data/sites.csv ids): ships on patrol vs in port.
_IN_PORT_SITE, _NORTH_SEA_SITE = "rota", "north_sea"


def _setting_names(what: str) -> dict[str, str]:
    """The by-date / on / off menu's names, its date said (``"By its date (Phase 3)"``)."""
    return {k: v.format(what=what) for k, v in _SETTING_NAMES.items()}


def menu_labels(catalogue: Catalogue) -> dict[str, dict[str, str]]:
    """Option id to displayed name for every URL-bound menu of the engagement controls."""
    threats = _threats()
    return {
        "threat": dict(zip(threats.threat_id, threats.name, strict=True)),
        "launch_area": {a: launch_area_label(catalogue, a) for a in launch_area_names(catalogue)},
        "shape": dict(_SHAPE_NAMES),
        "flyout": dict(_FLYOUT_NAMES),
        "basis": dict(_BASIS_NAMES),
        "eor": _setting_names("Phase 3"),
        "cue": _setting_names("2011"),
        "boost": dict(_BOOST_NAMES),
        "icbm_cueing": dict(_ICBM_CUEING_NAMES),
        "icbm_propellant": dict(_ICBM_PROPELLANT_NAMES),
        "icbm_shape": dict(_SHAPE_NAMES),
    }


def launch_area_menu(catalogue: Catalogue) -> dict[str, str]:
    """Launch points and areas by id, with their names, as the menus list them.

    A point that is an area's only point ("tabriz", "NW Iran") is listed once, as the point.
    """
    areas = {a: launch_area_label(catalogue, a) for a in launch_area_names(catalogue)}
    return {
        a: label
        for a, label in areas.items()
        if label not in list(areas.values())[: list(areas).index(a)]
    }


def engagement_controls(catalogue: Catalogue, state: MapState) -> tuple[MapState, DeltaGenerator]:
    """Sidebar controls for the defended-area layer and the tracks.

    Returns the updated state and the place under the delay slider for :func:`delay_note`.
    """
    threats = _threats()
    names = dict(zip(threats.threat_id, threats.name, strict=True))
    areas = launch_area_menu(catalogue)
    legacy = {
        key: url_id(key, table)
        for key, table in (
            ("launch_area", areas),
            ("threat", names),
            ("shape", _SHAPE_NAMES),
            ("flyout", _FLYOUT_NAMES),
            ("basis", _BASIS_NAMES),
            ("eor", _setting_names("Phase 3")),
            ("cue", _setting_names("2011")),
            ("boost", _BOOST_NAMES),
        )
    }
    with st.sidebar.expander("Threat and engagement", expanded="defended" in state.layers):
        launch_area = st.selectbox(
            "Launch area",
            list(areas),
            index=None if legacy["launch_area"] else 0,
            format_func=areas.__getitem__,
            key="launch_area",
            bind="query-params",
            help="Launch point or area (data/launch_points.csv). An area is the worst case over its points.",
        )
        threat = st.selectbox(
            "Threat",
            list(threats.threat_id),
            index=None if legacy["threat"] else list(threats.threat_id).index("design_case"),
            format_func=names.__getitem__,
            key="threat",
            bind="query-params",
            help="Threat classes from data/threats.csv. Targets the threat cannot reach are "
            "'out of reach', never 'defended'.",
        )
        shape = st.selectbox(
            "Trajectory",
            list(SHAPES),
            index=None if legacy["shape"] else 0,
            format_func=lambda s: _SHAPE_NAMES.get(s, s),
            key="shape",
            bind="query-params",
            help="Minimum energy: the longest-range trajectory. Lofted / depressed: burnout angle "
            "10° above / below it (higher and slower / lower and faster). Changes the defended "
            "area and the tracks through detection time, flight time and the interceptors' "
            "altitude band.",
        )
        delay_s = st.slider(
            "Detection-to-launch delay (s)",
            0,
            300,
            60,
            step=10,
            key="delay_s",
            bind="query-params",
            help="Track firm-up plus command and control; 30-120 s in open analyses. The line "
            "under the slider says, for the state on the map, how far the delay can move before "
            "the defended places change (computed from the same run; the curve is in the "
            "Coverage metrics tab).",
        )
        note = st.empty()  # filled once the state is computed (delay_note)
        remote = st.toggle(
            "Launch on remote",
            value=True,
            key="remote",
            bind="query-params",
            help="Any radar's track may launch any interceptor site, and cues the other "
            "radars' search; off: each site waits for its own radar, and no radar cues another.",
        )
        sls = st.toggle(
            "Shoot-look-shoot",
            value=False,
            key="sls",
            bind="query-params",
            help="Require two intercept opportunities at least 75 s apart.",
        )
        band = st.toggle(
            "Show low/nominal/high band",
            value=False,
            key="band",
            bind="query-params",
            help="Defended area for the three capability cases as nested areas. Each case "
            "also takes its own track + C2 delay (data/distributions.csv: "
            + ", ".join(f"{k} {v:g} s" for k, v in band_delays().items())
            + ") while the slider is at the nominal delay; another delay is kept in every case.",
        )
    # Open when a link sets one of its choices, so that a non-default choice is in view.
    linked = any(st.query_params.get(k) for k in _PHYSICS_KEYS)
    with st.sidebar.expander("Physics and assumptions", expanded=linked):
        st.caption(
            "Defaults are the model (point-mass fly-out, a warhead-sized target, satellite "
            "cueing and engage on remote by their dates). Each choice is printed under the map."
        )
        flyout = st.selectbox(
            "Interceptor fly-out",
            list(_FLYOUT_NAMES),
            format_func=_FLYOUT_NAMES.__getitem__,
            index=None if legacy["flyout"] else 0,
            key="flyout",
            bind="query-params",
            help="Point mass: gravity, drag and a staged boost integrated (python -m coverage "
            "flyout). Reach formula: the fact sheet's gravity-free D(t), an upper bound.",
        )
        basis = st.selectbox(
            "Quoted burnout speed read as",
            list(_BASIS_NAMES),
            format_func=_BASIS_NAMES.__getitem__,
            index=None if legacy["basis"] else 0,
            key="basis",
            bind="query-params",
            help="A quoted 'burnout velocity' is the speed reached; 'loss-free' is a conservative "
            "reading that subtracts gravity and drag losses from it.",
        )
        cap = st.toggle(
            "Cap fly-out at the quoted range",
            value=False,
            key="cap",
            bind="query-params",
            help="An asserted limit (700 km IA/IB, 2,500 km IIA), not physics; off by default.",
        )
        eor = st.selectbox(
            "Engage on remote",
            list(_SETTING_NAMES),
            format_func=_setting_names("Phase 3").__getitem__,
            index=None if legacy["eor"] else 0,
            key="eor",
            bind="query-params",
            help="Another sensor's track guides the intercept (from Phase 3, data/capabilities.csv); "
            "without it the site's own radar must see the intercept point.",
        )
        cue = st.selectbox(
            "Satellite cueing of the radars",
            list(_SETTING_NAMES),
            format_func=_setting_names("2011").__getitem__,
            index=None if legacy["cue"] else 0,
            key="cue",
            bind="query-params",
            help="Launch warning from early-warning satellites cues the radars (a cue, not a "
            "track): from it on they search a small window and reach farther.",
        )
        rcs = st.select_slider(
            "Warhead radar cross-section (m²)",
            options=[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0],
            value=0.05,
            key="rv_rcs",
            bind="query-params",
            help="What the radars must detect after burnout: a re-entry vehicle, 0.01-0.1 m² "
            "(data/detection.csv); 1 m² is a booster-sized target.",
        )
        booster = st.select_slider(
            "Booster radar cross-section (m²)",
            options=[0.1, 0.3, 1.0, 3.0, 10.0],
            value=1.0,
            key="booster_rcs",
            bind="query-params",
            help="What the radars must detect before burnout: the boosting missile (an "
            "assumption, no public figure: 0.3-10 m², data/detection.csv). Set it to the "
            "warhead's value for one RCS over the whole flight.",
        )
        handover = st.toggle(
            "Boost track needs the warhead in view",
            value=False,
            key="handover",
            bind="query-params",
            help="Off (an assumption): a radar's track begun on the boosting missile is held on "
            "the warhead after burnout, wherever the warhead is. On: it counts only where the "
            "same radar sees the warhead at burnout; elsewhere the track starts when a radar "
            "first sees the warhead itself.",
        )
        boost = st.selectbox(
            "Threat's boost",
            list(_BOOST_NAMES),
            format_func=_BOOST_NAMES.__getitem__,
            index=None if legacy["boost"] else 0,
            key="boost",
            bind="query-params",
            help="The threat's powered flight before burnout (data/threat_boost.csv: burn time, "
            "rise, pitch programme per missile class; the low case burns shorter, e.g. an ICBM "
            "180 s solid against 240 s liquid, NRC 2012). No boost: the warhead starts its "
            "ballistic flight at the surface at lift-off, the textbook simplification.",
        )
        rotation = st.toggle(
            "Earth rotates under the threat",
            value=True,
            key="rotation",
            bind="query-params",
            help="On (the model): the launch site's eastward surface speed is in the threat's "
            "velocity and targets and radars turn with the Earth. Off: a non-rotating Earth, "
            "to see what the rotation changes.",
        )
        refraction = st.toggle(
            "Refraction at the radars' elevation masks",
            value=False,
            key="refraction",
            bind="query-params",
            help="The air bends a radar's beam slightly downward, so a radar sees a little "
            "lower and farther than a straight line: about 0.37° at its lowest usable angle "
            "(its elevation mask, 2° nominal; ITU-R P.619, data/detection.csv). Off (the "
            "default, as for every figure in the README): the mask is a straight-line angle. "
            "On: the bending is credited. It moves the answer only where a radar first sees "
            "the threat near its mask (from eastern Iran with a 3° mask or a short boost: up "
            "to about 4 points); the drawn radar footprints keep straight lines.",
        )
        st.caption("Ships on patrol or in port (deployment choices that move the answer)")
        in_port = st.toggle(
            "Destroyers in port at Rota count as a BMD site",
            value=True,
            key="rota_in_port",
            bind="query-params",
            help="On: the Rota-based destroyers count at their home port too (data/sites.csv "
            "'rota'), as well as on their patrol stations. Off: ships count only on station "
            "(a ship in port may not be on BMD watch).",
        )
        north_sea = st.toggle(
            "North Sea station (2009 plan)",
            value=True,
            key="north_sea",
            bind="query-params",
            help="The 2009 plan's standing Aegis patrol in the North Sea (as planned only: it "
            "was never kept as built). Off: the plan without it.",
        )
    excluded = {
        site for site, on in ((_IN_PORT_SITE, in_port), (_NORTH_SEA_SITE, north_sea)) if not on
    }
    excluded &= set(catalogue.sites.site_id)  # a what-if catalogue may have removed one
    excluded |= set(state.options.exclude_sites)
    boost_choice = str(boost or "nominal")
    return replace(
        state,
        options=replace(state.options, exclude_sites=frozenset(excluded)),
        launch_area=launch_area,
        threat=threat,
        delay_s=float(delay_s),
        launch_on_remote=bool(remote),
        shoot_look_shoot=bool(sls),
        uncertainty_band=bool(band),
        shape=str(shape),
        flyout_model=str(flyout),
        speed_basis=str(basis),
        reach_cap=bool(cap),
        engage_on_remote=str(eor),
        satellite_cueing=str(cue),
        rv_rcs_m2=None if float(rcs) == 0.05 else float(rcs),
        booster_rcs_m2=None if float(booster) == 1.0 else float(booster),
        boost_track_needs_warhead=bool(handover),
        boost=boost_choice != "none",
        boost_case="nominal" if boost_choice == "none" else boost_choice,
        rotation=bool(rotation),
        refraction=bool(refraction),
    ), note


@st.cache_resource(show_spinner="Computing coverage metrics...", max_entries=32)
def _metrics(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> metrics.CoverageMetrics:
    return metrics.coverage_metrics(_catalogue, options, query)


@st.cache_resource(show_spinner=False, max_entries=96)
def _delay_curve(
    digest: str,
    options: FootprintOptions,
    query: DefenceQuery,
    brief: bool,
    _catalogue: Catalogue,
) -> DelayCurve:
    # A run of its own with the latest launch times (cached apart from the map's: the
    # engine's tracks, detections and bounds are reused), then the shares from its flags.
    return delay_curve_for(
        _catalogue, options, query, (DELAYS_S[0], DELAYS_S[-1]) if brief else DELAYS_S
    )


def _delay_section(catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery) -> None:
    """The defended share at every delay of the slider, from the state's one run."""
    import altair as alt  # loaded with the tabs, after the map (as analysis_tabs)

    st.markdown("**How much time does the defence have?** The share at every delay of the slider")
    curve = _delay_curve(catalogue.digest, options, query, False, catalogue)
    st.caption(
        curve.sentence()
        + " Derived from this state's one engine run: each place's latest interceptor launch "
        "that still intercepts, against launch = detection + delay."
    )
    if curve.table is None:
        return
    table = curve.table.assign(
        territory=curve.table.area_share * 100.0, population=curve.table.population_share * 100.0
    ).melt(
        id_vars=["delay_s", "capitals_defended"],
        value_vars=["territory", "population"],
        var_name="measure",
        value_name="share",
    )
    # Line swatches in the legend (the line's dash, not a marker), at the top right.
    legend = alt.Legend(orient="top-right", symbolType="stroke", symbolStrokeWidth=2.5)
    lines = (
        alt.Chart(table)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("delay_s:Q", title="Detection-to-launch delay (s)"),
            # Not from zero: the change with the delay is a few points (the axis says where).
            y=alt.Y("share:Q", title="Defended (%)", scale=alt.Scale(zero=False, nice=True)),
            # The state's scenario's colour and the measure's dash, as in the 2011-2026 chart.
            color=alt.value(
                SCENARIO_CHART_COLOURS[
                    "as built" if options.scenario == "actual" else "as planned (2009)"
                ]
                if options.scenario in ("actual", "planned")
                else "#555555"
            ),
            strokeDash=alt.StrokeDash(
                "measure:N",
                title=None,
                legend=legend,
                scale=alt.Scale(domain=list(MEASURE_DASHES), range=list(MEASURE_DASHES.values())),
            ),
            tooltip=[
                alt.Tooltip("delay_s:Q", title="Delay (s)"),
                alt.Tooltip("measure:N", title="Share of"),
                alt.Tooltip("share:Q", title="Defended (%)", format=".1f"),
                alt.Tooltip("capitals_defended:Q", title="Capitals defended"),
            ],
        )
    )
    marker = pd.DataFrame({"delay_s": [curve.delay_s], "text": [f"this map: {curve.delay_s:g} s"]})
    here = alt.Chart(marker).encode(x="delay_s:Q")
    rule = here.mark_rule(strokeDash=[4, 3], color="#555555")
    label = here.mark_text(align="left", dx=4, dy=-6, color="#333333", baseline="bottom").encode(
        text="text:N", y=alt.value(0)
    )
    st.altair_chart(
        (lines + rule + label).properties(height=240),
        width="stretch",
        height=300,
        key="delay_chart",
    )


def warm_delay_note(catalogue: Catalogue, state: MapState) -> DelayCurve:
    """The curve behind the delay line of ``state`` (cached), without drawing it (prefetching)."""
    return _delay_curve(catalogue.digest, state.options, state.query(), True, catalogue)


def delay_note(catalogue: Catalogue, state: MapState, note: DeltaGenerator) -> None:
    """Under the delay slider: how far the delay can move before the defended places change."""
    note.caption(warm_delay_note(catalogue, state).brief())


@st.cache_resource(
    show_spinner=f"Computing coverage {FIRST_YEAR}-{LAST_YEAR} (about 15 s the first time)...",
    max_entries=8,
)
def _series(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> pd.DataFrame:
    return metrics.coverage_time_series(_catalogue, replace(query, grid_km=50.0), options=options)


@st.cache_resource(show_spinner=False, max_entries=16)
def _claims(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> list[claims.ClaimCheck]:
    return claims.claim_checks(_catalogue, options, query)


@st.cache_resource(show_spinner=False, max_entries=8)
def _claim_needs(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> list[claims.ClaimNeed]:
    return claims.claim_needs(
        _catalogue, options, query, _claims(digest, options, query, _catalogue)
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _state_claims(
    digest: str, state: MapState, _catalogue: Catalogue, *, short: bool
) -> tuple[str, ...]:
    # ``short`` has no default: Streamlit keys a call by the arguments given, so a call that
    # left it out and one that gave ``short=False`` would be two entries (the prefetcher's
    # warm-up missed the page's, caught by tests/test_prefetch.py).
    return claims.claim_notes(_catalogue, state, short=short)


def warm_claim_note(catalogue: Catalogue, state: MapState, *, projector: bool = False) -> None:
    """Compute :func:`claim_note`'s words for ``state`` into its cache (the prefetcher's)."""
    _state_claims(catalogue.digest, state, catalogue, short=projector)


def claim_note(catalogue: Catalogue, state: MapState, *, projector: bool = False) -> None:
    """Beside the legend, in a year an official claim is judged on: the claim against this map.

    The claim's words, who said them and when, this map's share of the territory they speak
    of and the verdict under the reading of data/claims.csv (an assumption, said so); what
    would make it hold is in the tab with the claims' table. Nothing in other years. With
    ``projector``, the slides' short form in the projector's type, without the pointer to a
    tab (projector mode has none).
    """
    for note in _state_claims(catalogue.digest, state, catalogue, short=projector):
        judged = (
            ""
            if projector or note.endswith(claims.NOT_JUDGED)
            else (f" What it would need (50 km grid): the tab <i>{html.escape(TAB_NAMES[2])}</i>.")
        )
        size = "1rem" if projector else "0.85rem"
        st.markdown(
            f"<div class='epaa-claim' style='font-size:{size};line-height:1.35;margin-bottom:8px'>"
            f"<b>The official claim for {state.options.year} "
            f"{html.escape(SCENARIO_LABELS[state.options.scenario])}</b>: {html.escape(note)}"
            f"{judged}</div>",
            unsafe_allow_html=True,
        )


#: The claims table's headers in words (shares shown as percentages).
_CLAIM_HEADERS = {
    "phase": "Phase",
    "judged_on": "Judged on",
    "area_share": "Defended",
    "needed": "Read as at least",
    "verdict": "Verdict",
    "words": "Words",
    "territory": "Territory",
    "in_reach_share": "In the threat's reach",
    "population_share": "Population defended",
    "capitals": "Capitals defended",
    "said": "Said",
    "reading": "How the words are read (an assumption)",
}
_NEED_HEADERS = {
    "phase": "Phase",
    "judged_on": "Judged on",
    "verdict": "Verdict",
    "warhead_rcs": "Warhead radar cross-section where the verdict flips",
    "engage_on_remote": "With engage on remote",
}


def _claims_section(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery, state: MapState
) -> None:
    """The official claims against the model, and (on demand) what each needs.

    ``state``: the map's (its year's claim is also given on the map's own grid).
    """
    st.markdown(
        "**The official claims against the model.** Each claim judged on the year it speaks "
        "of, under the map's launch area, threat and assumptions (50 km grid); shares of the "
        "claim's territory in the threat's reach."
    )
    query = replace(query, grid_km=50.0)
    checks = _claims(catalogue.digest, options, query, catalogue)
    table, config = readable(
        claims.claims_frame(checks).rename(columns=_CLAIM_HEADERS)[list(_CLAIM_HEADERS.values())],
        percent=[
            _CLAIM_HEADERS[k]
            for k in ("area_share", "needed", "in_reach_share", "population_share")
        ],
    )
    st.dataframe(table, hide_index=True, width="stretch", key="claims_table", column_config=config)
    mine = _state_claims(catalogue.digest, state, catalogue, short=False)
    if mine:
        # The map's own year, as the note beside the map gives it (its grid): a new user met
        # 29.5 % there and 29.9 % here and took them for two answers.
        st.caption(
            f"The claim of the map's year ({options.year}) on the map's own grid, as beside "
            f"the map: {mine[0]} The table's 50 km grid moves a share by a few tenths."
        )
    st.caption(
        "A claim's words set no figure: the share each is read to need is an assumption "
        "(data/claims.csv), shown beside the share the model defends so that another reading "
        "can be applied. Southern NATO Europe (also an assumption): the members of the year "
        "in southern Europe (UN M49), with Türkiye, Bulgaria and Romania; southern France left "
        "out, Türkiye about a third of its area."
    )
    if st.toggle(
        "Find what each claim needs (about 30 engine runs, 50 km grid)",
        value=False,
        key="claim_needs",
        bind="query-params",
    ):
        with st.spinner("Searching the warhead RCS where each verdict flips..."):
            needs = _claim_needs(catalogue.digest, options, query, catalogue)
        st.dataframe(
            claims.needs_frame(checks, needs).rename(columns=_NEED_HEADERS)[
                list(_NEED_HEADERS.values())
            ],
            hide_index=True,
            width="stretch",
            key="claim_needs_table",
        )
        st.caption(
            "One change at a time from the map's assumptions. The warhead's RCS is searched "
            f"from {claims.RCS_SEARCH_M2[0]:g} to {claims.RCS_SEARCH_M2[1]:g} m² by bisection "
            f"(to a factor {claims.RCS_STEP:g}); every radar's range against the warhead goes as "
            "its fourth root, so the same change reads as that factor on every radar's range "
            "against the warhead (its fourth power in power-aperture; the booster's detection "
            "and the horizon unchanged). A claim that holds down to the search's end "
            "rests on the boosting missile's own track, carried over to the warhead (an "
            "assumption: 'Boost track needs the warhead in view' under Physics and assumptions "
            "tests it). Engage on remote: another sensor's track guides the interceptor to the "
            "intercept point."
        )


@st.cache_resource(show_spinner="Computing the ICBM table...", max_entries=8)
def _icbm(
    digest: str,
    assumptions: icbm.IcbmAssumptions,
    shared_radars_of: FootprintOptions | None,
    _catalogue: Catalogue,
) -> pd.DataFrame:
    # Every SM-3 variant at every site, and each site's own other interceptors (the answers
    # above the table speak of THAAD at Deveselu and Arrow 3 at Holzdorf).
    return icbm.icbm_engagements(
        _catalogue,
        assumptions,
        site_variants=icbm.site_variants_with_own(_catalogue),
        shared_radars_of=shared_radars_of,
    )


@st.cache_resource(
    show_spinner="Answering per site (low, nominal, high, and what flips it)...", max_entries=8
)
def _icbm_answers(
    digest: str,
    assumptions: icbm.IcbmAssumptions,
    shared_radars_of: FootprintOptions | None,
    _catalogue: Catalogue,
) -> pd.DataFrame:
    return icbm.icbm_answers(_catalogue, assumptions, shared_radars_of=shared_radars_of)


@st.cache_resource(show_spinner="Computing the sensitivity table...", max_entries=8)
def _sensitivity(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> pd.DataFrame:
    return sensitivity_table(_catalogue, options, query)


#: Sensitivity table headers in words (shares shown as percentages).
_SENSITIVITY_HEADERS = {
    "assumption": "Assumption",
    "low": "Low",
    "high": "High",
    "area_share_low": "Territory defended, low",
    "area_share_nominal": "Territory defended, nominal",
    "area_share_high": "Territory defended, high",
    "swing": "Swing",
}


def _share(x: float) -> str:
    return share_text(x)


#: Column names of the per-country metrics table, in words.
_COUNTRY_HEADERS = {
    "name": "Country",
    "capital": "Capital",
    "capital_status": "Capital status",
    "area_km2": "Area (km²)",
    "area_defended_share": "Territory defended",
    "area_not_defended_share": "Territory in reach, not defended",
    "area_out_of_reach_share": "Territory out of reach",
    "population": "Population",
    "population_defended": "People defended",
    "population_defended_share": "Population defended",
    "population_out_of_reach_share": "Population out of reach",
    "population_proxy": "Population measured by",
}
_SERIES_HEADERS = {
    "year": "Year",
    "scenario": "Scenario",
    "phase": "Phase",
    "nato_europe_area_share": "Territory defended",
    "nato_europe_population_share": "Population defended",
    "nato_europe_area_out_of_reach_share": "Territory out of reach",
    "nato_europe_population_out_of_reach_share": "Population out of reach",
    "capitals_defended": "Capitals defended",
    "capitals_total": "Capitals",
    "interceptor_sites": "Interceptor sites",
}


#: Columns of the model's tables that count things (km², people): shown grouped.
_COUNT_COLUMNS = ("area_km2", "population", "population_defended")


def _readable(frame: pd.DataFrame, headers: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` (columns in words) with its shares as percentages and its counts grouped.

    The CSV download keeps the model's 0..1 table.
    """
    return readable(
        frame,
        percent=[name for col, name in headers.items() if col.endswith("_share")],
        counts=[headers[col] for col in _COUNT_COLUMNS if col in headers],
    )


_TRACK_HEADERS = {
    "launch_point": "Launch point",
    "target": "Target",
    "ground_range_km": "Ground range (km)",
    "flight_time_s": "Flight time (s)",
    "status": "Status",
    "detection_time_s": "Detected at (s)",
    "detected_by": "Detected by",
    "burnout_s": "Threat burnout at (s)",
    "warhead_detection_s": "Warhead first seen at (s)",
    "launch_time_s": "Interceptor launch at (s)",
    "intercept_window_s": "Intercept window (s)",
    "defended_by": "Defended by",
}
_ICBM_HEADERS = {
    "site": "Site",
    "variant_name": "Interceptor",
    "variant_at_site": "Variant at this site",
    "tracks": "Tracks",
    "launched_tracks": "Tracks it launches on",
    "feasible_tracks": "Tracks it could reach",
    "best_margin_km": "Best margin (km)",
    "best_margin_s": "Best margin (s)",
}


def _icbm_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The ICBM summary in words, margins signed and "—" where the physics gives none.

    A missing margin is not a number to show as "None": in seconds it means no sample of any
    track lies inside the fly-out fan (no time to compare), in kilometres that no sample is in
    the intercept altitude band after launch.
    """
    out = summary.copy()
    for column in ("best_margin_km", "best_margin_s"):
        out[column] = [f"{v:+,.0f}" if pd.notna(v) else "—" for v in out[column]]
    return _in_words(out, _ICBM_HEADERS)


def _in_words(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The columns of ``headers`` that ``frame`` has, renamed to their words (ids dropped)."""
    return frame[[c for c in headers if c in frame.columns]].rename(columns=headers)


def _country_table(countries: pd.DataFrame) -> pd.DataFrame:
    table = countries[[c for c in _COUNTRY_HEADERS if c in countries.columns]].rename(
        columns=_COUNTRY_HEADERS
    )
    table["Population measured by"] = table["Population measured by"].map(
        {"cities": "city populations", "area": "area share"}
    )
    return table


#: The analyst tabs under the map, in order (the URL's ``tab`` carries one of them).
TAB_NAMES = (
    "Footprints",
    "Coverage metrics",
    f"Coverage {FIRST_YEAR}–{LAST_YEAR}",
    "Threat tracks",
    ICBM_TAB,
    "NATO-Russia early warning",
)


def analysis_tabs(catalogue: Catalogue, data: MapData, footprint_table: object) -> None:
    """Tabs under the map; only the open tab computes (the tabs are bound to the URL)."""
    # Altair (coverage_series_chart) and the GIS writers load when the tabs are drawn, after
    # the map.
    from coverage.render import gis

    tabs = st.tabs(
        list(TAB_NAMES),
        key="tab",
        bind="query-params",
    )
    state, options = data.state, data.state.options
    query = state.query()
    digest = catalogue.digest
    with tabs[5]:
        if tabs[5].open:
            russia.cooperation_summary(catalogue, replace(state, compare=None))
    with tabs[0]:
        if tabs[0].open:
            footprint_table(data)  # type: ignore[operator]
    with tabs[1]:
        if tabs[1].open:
            m = _metrics(digest, options, query, catalogue)
            c1, c2, c3, c4 = st.columns(4)
            c1.metric("NATO-Europe territory defended", _share(m.nato_europe_area_share))
            c2.metric("NATO-Europe population defended", _share(m.nato_europe_population_share))
            c3.metric(
                "Territory out of the threat's reach", _share(m.nato_europe_area_out_of_reach_share)
            )
            total = m.capitals_defended + m.capitals_not_defended + m.capitals_out_of_reach
            c4.metric("Capitals defended", f"{m.capitals_defended} of {total}")
            st.caption(
                f"Threat range {m.threat_range_km:,.0f} km. Assumptions: {m.assumptions} "
                "(GeoNames cities of 50,000 or more)."
            )
            table, config = _readable(_country_table(m.countries), _COUNTRY_HEADERS)
            st.dataframe(
                table, hide_index=True, width="stretch", key="metrics_table", column_config=config
            )
            st.download_button(
                "Metrics CSV",
                data=lambda: gis.metrics_csv(m.countries),
                file_name=f"epaa_metrics_{options.year}_{scenario_file_word(options.scenario)}.csv",
                mime="text/csv",
                key="download_metrics",
                on_click="ignore",
            )
            _delay_section(catalogue, options, query)
            st.markdown(
                "**Which assumption decides it?** Each one set low and high, the others nominal; "
                "then each sampled parameter of data/distributions.csv alone (a radar's range, "
                "an interceptor's burnout speed, burn time, lowest intercept altitude, drag)."
            )
            if st.toggle(
                "Sensitivity table: on computes it (about 40 engine runs, 50 km grid)",
                value=False,
                key="sensitivity",
                bind="query-params",
            ):
                sens = _sensitivity(digest, options, replace(query, grid_km=50.0), catalogue)
                shown = sens.rename(columns=_SENSITIVITY_HEADERS)[
                    list(_SENSITIVITY_HEADERS.values())
                ]
                shown, config = readable(
                    shown,
                    percent=[
                        name
                        for key, name in _SENSITIVITY_HEADERS.items()
                        if key.startswith("area_share") or key == "swing"
                    ],
                )
                st.dataframe(
                    shown,
                    hide_index=True,
                    width="stretch",
                    key="sensitivity_table",
                    column_config=config,
                )
                st.caption(
                    "Low = the alternative expected to be worse for the defence; the physics may "
                    "disagree (a depressed arc can pass through the intercept band; with the "
                    "burnout speed read as reached, a faster interceptor boost arrives sooner but "
                    "burns out lower, with less energy, so its fan's far edge is shorter). Sorted "
                    "by the swing: largest minus smallest of the three shares of territory."
                )
    with tabs[2]:
        if tabs[2].open:
            series = _series(digest, options, query, catalogue)
            chart = coverage_series_chart(series)
            st.altair_chart(chart, width="stretch", key="series_chart")
            st.caption(
                "50 km grid for the series (the map uses 25 km). The gap between the lines is the "
                "delay of Redzikowo (planned 2018, built 2024) and the cancelled Phase 4; years "
                f"after {PLAN_LAST_YEAR} are after the plan (built: Arrow 3 in Germany from Dec 2025). "
                f"Assumptions: {data.assumptions}"
            )
            shown = series.rename(columns=_SERIES_HEADERS)
            shown["Scenario"] = shown["Scenario"].map(
                {"planned": "as planned (2009)", "actual": "as built"}
            )
            shown, config = _readable(shown, _SERIES_HEADERS)
            st.dataframe(
                shown, hide_index=True, width="stretch", key="series_table", column_config=config
            )
            _claims_section(catalogue, options, query, state)
    with tabs[3]:
        if tabs[3].open:
            tracks = data.tracks
            if tracks is None:
                tracks = tracks_for_state(catalogue, state)
            table = pd.DataFrame(tracks.drop(columns="geometry"))
            lp = catalogue.launch_points
            names = dict(zip(lp.point_id, lp.name, strict=True))
            table["launch_point"] = table.launch_point.map(lambda p: names.get(p, p))
            if "warhead_detection_s" in table:
                # Within reach and never seen as a warhead: the track rests on the booster alone.
                never = table.warhead_detection_s.isna() & (table.status != "out of reach")
                table["warhead_detection_s"] = [
                    "never" if n else ("" if pd.isna(v) else f"{v:g}")
                    for n, v in zip(never, table.warhead_detection_s, strict=True)
                ]
            st.dataframe(
                _in_words(table, _TRACK_HEADERS),
                hide_index=True,
                width="stretch",
                key="tracks_table",
            )
            st.caption(
                "Times in seconds after the threat's launch. Detected before the threat's burnout: "
                "the boosting missile was seen; 'Warhead first seen' is when any radar has the "
                "warhead itself in range ('never': the launch and the intercept rest on the "
                "boost-phase track alone). Turn on 'Threat tracks' to draw them."
            )
    with tabs[4]:
        if tabs[4].open:
            cue_col, fuel_col = st.columns(2)
            cueing = cue_col.radio(
                "Cueing",
                list(icbm.CUEINGS),
                horizontal=True,
                format_func=_ICBM_CUEING_NAMES.__getitem__,
                key="icbm_cueing",
                bind="query-params",
                # What each launches on, unless the choice's name says it ("Perfect").
                captions=[
                    d if w.lower().startswith(_ICBM_CUEING_NAMES[c].lower()) else f"{w}: {d}"
                    for c in icbm.CUEINGS
                    for _, w, d in [icbm.CUEING_WORDS[c]]
                ],
            )
            burn = icbm.propellant_burn_s()
            propellant = fuel_col.radio(
                "ICBM burn time",
                list(icbm.PROPELLANT_CHOICES),
                horizontal=True,
                format_func=_ICBM_PROPELLANT_NAMES.__getitem__,
                key="icbm_propellant",
                bind="query-params",
                captions=[
                    f"Yars and Topol-M solid ({burn['solid']:g} s), SS-18 and Avangard's "
                    f"carrier liquid ({burn['liquid']:g} s)",
                    f"{burn['solid']:g} s",
                    f"{burn['liquid']:g} s (every ICBM on the longer burn)",
                ],
            )
            # The ICBM's own flight (the command line's icbm --shape, --no-boost, --no-rotation).
            shape_col, boost_col, turn_col = st.columns([2, 1, 1])
            icbm_shape = shape_col.selectbox(
                "ICBM trajectory",
                list(_SHAPE_NAMES),
                format_func=_SHAPE_NAMES.__getitem__,
                key="icbm_shape",
                bind="query-params",
                help="Minimum energy: the longest-range arc. Lofted / depressed: the burnout "
                "angle 10° above / below it (higher and slower / lower and faster).",
            )
            icbm_boost = boost_col.toggle(
                "Boost phase",
                value=True,
                key="icbm_boost",
                bind="query-params",
                help="On (the model): the ICBM burns for its propellant's time before its "
                "warhead coasts. Off: burnout at the surface, the textbook simplification that "
                "made the early 'yes' answers (issue 10).",
            )
            icbm_rotation = turn_col.toggle(
                "Earth rotates",
                value=True,
                key="icbm_rotation",
                bind="query-params",
                help="On (the model): the Earth turns under the flight (~250 km in 450 s at "
                "these latitudes). Off: a non-rotating Earth.",
            )
            assumptions = icbm.IcbmAssumptions(
                estimate=options.estimate,
                delay_s=state.delay_s,
                cueing=cueing,
                propellant=propellant,
                shape=str(icbm_shape or "minimum_energy"),
                boost=bool(icbm_boost),
                rotation=bool(icbm_rotation),
            )
            icbm_view.year_view(catalogue, options, assumptions)
            # Under NATO's shared tracks, the map year's radars share them (every site too).
            shared_of = replace(options, estimate="nominal") if cueing == "shared_track" else None
            table = _icbm(digest, assumptions, shared_of, catalogue)
            # The year's answer and its map come first; every site ever planned, what each
            # answer hinges on and every variant's table fold under them (the tab read as two
            # lists of the same sites, the year's and every site's, session 37's note).
            with st.expander(
                "Every site that ever hosted or was planned to host an interceptor: what each "
                "answer hinges on, and every SM-3 variant at every site"
            ):
                st.markdown(
                    "Could an interceptor at a European site reach a Russian ICBM flying to the United States? "
                    "Each row is one site and interceptor against every base-to-target track; the test is the "
                    "same kinematic reach test as the defended area. It says whether geometry and speed permit an "
                    "intercept under the stated assumptions — not whether the system could or would be used so. "
                    "The lines below take every site that ever hosted or was planned to host an interceptor "
                    "(whatever the year chosen), each judged on the interceptors planned or built there; the "
                    "table tries every SM-3 variant at every site, and each site's own other "
                    "interceptors (THAAD, Arrow 3)."
                )
                if shared_of is not None:
                    st.markdown(
                        f"NATO's shared tracks: those of the radars deployed in {options.year} "
                        f"({SCENARIO_LABELS[options.scenario]}), for every site below."
                    )
                answers = _icbm_answers(digest, assumptions, shared_of, catalogue)
                st.markdown("\n".join(f"- {line}" for line in answers.answer))
                st.dataframe(
                    _icbm_table(icbm.icbm_summary(table)),
                    hide_index=True,
                    width="stretch",
                    key="icbm_summary",
                )
                st.caption(
                    "Best margin: at the track's best point, reach to spare (km) and time to spare "
                    "(s); negative is the shortfall. “—” in seconds: no point of any track lies "
                    "inside the interceptor's fly-out fan, so no time can be compared (the "
                    "kilometres say how far short); “—” in kilometres: no track is inside the "
                    "intercept altitude band after the interceptor could launch. "
                    + table.attrs.get("assumptions", assumptions.describe())
                )


def coverage_series_chart(series: pd.DataFrame) -> alt.LayerChart:
    """The 2011-2026 chart: territory and population defended by year, both scenarios.

    Colour is the scenario, the dash the measure; the measure's legend shows line swatches
    with their dash (with points on the lines it showed two identical dots, new-user trial).
    """
    import altair as alt

    long = series.melt(
        id_vars=["year", "scenario"],
        value_vars=["nato_europe_area_share", "nato_europe_population_share"],
        var_name="measure",
        value_name="share",
    )
    long["measure"] = long.measure.map(
        {
            "nato_europe_area_share": "territory",
            "nato_europe_population_share": "population",
        }
    )
    long["scenario"] = long.scenario.map({"planned": "as planned (2009)", "actual": "as built"})
    x = alt.X("year:O", title="Year")
    y = alt.Y(
        "share:Q",
        title="Share of NATO Europe defended",
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[0, 1]),
    )
    color = alt.Color(
        "scenario:N",
        scale=alt.Scale(
            domain=list(SCENARIO_CHART_COLOURS), range=list(SCENARIO_CHART_COLOURS.values())
        ),
        title="Scenario",
    )
    tooltip = [
        alt.Tooltip("year:O", title="Year"),
        alt.Tooltip("scenario:N", title="Scenario"),
        alt.Tooltip("measure:N", title="Share of"),
        alt.Tooltip("share:Q", title="Defended", format=".1%"),
    ]
    # The lines carry the measure's dash and its legend; the points are a layer of their own,
    # without it: with the points on the line mark (point=True) the measure's legend drew
    # its swatches as invisible points and showed the words alone (a review).
    lines = (
        alt.Chart(long)
        .mark_line(strokeWidth=3)
        .encode(
            x=x,
            y=y,
            color=color,
            strokeDash=alt.StrokeDash(
                "measure:N",
                title="Measure",
                scale=alt.Scale(domain=list(MEASURE_DASHES), range=list(MEASURE_DASHES.values())),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400),
            ),
            tooltip=tooltip,
        )
    )
    points = (
        alt.Chart(long)
        .mark_point(filled=True, size=40)
        .encode(x=x, y=y, color=color, detail="measure:N", tooltip=tooltip)
    )
    chart = alt.layer(lines, points).properties(height=320)
    return chart
