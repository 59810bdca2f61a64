"""The "NATO–Russia" section: cooperation scenarios, Russian territory, the sectoral proposal.

The cooperation choice is part of the map state (its defended area uses the Russian radars as
sensors). "Map the gain" draws the comparison NATO alone (A) against the chosen scenario (B):
the ground gained uses the comparison layers of :mod:`coverage.products.compare`. The region
chooses whose territory the tab's figures measure (a region beyond NATO Europe puts the map's
defended area on the wide grid, :mod:`coverage.products.grid`); the sector control draws Russia's
sectoral proposal, computed and as the General Staff drew it (:mod:`coverage.products.sectoral`).
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Variation
from coverage.products.cooperation import (
    cooperation_answers,
    cooperation_series,
    region_shares,
)
from coverage.products.mapdata import MapState
from coverage.products.metrics import NATO_REGION, region_ids, region_metrics, region_name
from coverage.products.sectoral import sectoral_answer
from coverage.scenario import (
    FIRST_YEAR,
    LAST_YEAR,
    DefenceQuery,
    FootprintOptions,
    cooperation_labels,
)
from coverage.style import share_text
from dashboard.scenarios import named_selectbox
from dashboard.tables import readable

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SECTOR_LABELS",
    "chosen_region",
    "cooperation_controls",
    "cooperation_summary",
    "early_warning_note",
    "region_labels",
]

#: The sector control's choices, in words (the URL keeps the short codes or the words).
SECTOR_LABELS = {
    "none": "Not drawn",
    "computed": "Computed (threat tracks over Russia/Belarus)",
    "picture": "General Staff's picture (May 2012)",
    "both": "Both, one over the other",
}


def region_labels() -> dict[str, str]:
    """Region id to its name (data/regions.csv)."""
    return {r: region_name(r) for r in region_ids()}


_MODEL = (
    "Model: the Russian early-warning radars (data/early_warning_radars.csv; published ranges "
    "read against an assumed reference RCS, data/detection.csv) search on their own. Their "
    "first detection cues NATO's radars and starts the track-and-C2 clock; an interceptor is "
    "launched only once a NATO radar holds the track (early-warning tracks are not of "
    "fire-control quality). 'Early-warning tracks commit' is the optimistic option. The "
    "satellites' launch warning cues NATO's radars too (by default from its date in "
    "data/capabilities.csv), and under launch on remote NATO's radars share their tracks, so "
    "the first NATO track cues the others: a Russian warning adds a cue only where it comes "
    "sooner than both. 'Satellite cueing of the radars' and 'Launch on remote' under "
    "'Physics and assumptions' turn them off."
)


def _show_russian_radars() -> None:
    """A cooperation scenario just picked: its radars' footprints are turned on to be seen."""
    if st.session_state.get("coop") not in (None, "nato_alone"):
        st.session_state["show_early_warning"] = True


def cooperation_controls(state: MapState) -> MapState:
    """Sidebar controls: cooperation scenario, commit option, and the gain map (in the URL)."""
    open_ = any(st.query_params.get(k) for k in ("coop", "region", "sector"))
    with st.sidebar.expander("NATO–Russia: early warning, Russia, sectors", expanded=open_):
        coop = named_selectbox(
            st,
            "Cooperation scenario",
            cooperation_labels(),
            key="coop",
            help="Counterfactuals from the 2007-2012 debate (data/cooperation.csv): which Russian "
            "early-warning radars feed NATO's command and control.",
            on_change=_show_russian_radars,
        )
        commits = st.toggle(
            "Early-warning tracks commit interceptors",
            value=False,
            key="coop_commit",
            bind="query-params",
            help="Off (default): a NATO radar must hold the track before launch.",
        )
        gain = st.toggle(
            "Map the gain over NATO alone",
            value=False,
            key="coop_gain",
            bind="query-params",
            disabled=coop == "nato_alone",
            help="Draws NATO alone (A) against this scenario (B): gained ground in the "
            "comparison colours.",
        )
        st.caption(_MODEL)
        region = named_selectbox(
            st,
            "Whose territory the figures measure",
            region_labels(),
            key="region",
            help="NATO Europe (default), or a region beyond it (data/regions.csv): European Russia "
            "west of 60°E with Kaliningrad, Belarus, Ukraine, Moldova, the South Caucasus. A "
            "region beyond NATO Europe draws the defended area over it too (a wider grid, the "
            "same cells: NATO-Europe figures do not change).",
        )
        sector = named_selectbox(
            st,
            "Russia's sectoral proposal on the map",
            SECTOR_LABELS,
            key="sector",
            help="Lisbon 2010: Russia would intercept missiles crossing its sector toward NATO. "
            "Computed: ground whose threat track crosses Russia or Belarus before its last "
            "intercept opportunity. The General Staff's picture: as two public sources describe "
            "the May 2012 slide, at country level (Low confidence).",
        )
    coop = str(coop or "nato_alone")
    region = str(region or NATO_REGION)
    state = replace(
        state,
        cooperation=coop,
        warning_commits=bool(commits),
        sector=str(sector or "none"),
        domain="europe" if region == NATO_REGION else "wide",
    )
    if gain and coop != "nato_alone":
        state = replace(
            state,
            cooperation="nato_alone",
            compare=Variation.with_query(cooperation=coop),
        )
    return state


@st.cache_resource(show_spinner="Computing the cooperation gain...", max_entries=16)
def _answers(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> dict[str, object]:
    return cooperation_answers(_catalogue, options, query)


@st.cache_resource(show_spinner="Computing the region's figures...", max_entries=16)
def _region(
    digest: str, options: FootprintOptions, query: DefenceQuery, region: str, _catalogue: Catalogue
) -> dict[str, object]:
    return region_shares(_catalogue, options, replace(query, domain="europe"), region)


@st.cache_resource(show_spinner="Computing Russia's sector...", max_entries=16)
def _sector(
    digest: str, options: FootprintOptions, query: DefenceQuery, _catalogue: Catalogue
) -> dict[str, object]:
    return sectoral_answer(_catalogue, options, replace(query, domain="europe")).to_dict()


@st.cache_resource(show_spinner="Computing the 2011-2026 series...", max_entries=8)
def _series(
    digest: str, options: FootprintOptions, query: DefenceQuery, region: str, _catalogue: Catalogue
) -> object:
    return cooperation_series(
        _catalogue,
        options,
        replace(query, domain="europe"),  # region_metrics widens the grid when it must
        years=range(FIRST_YEAR, LAST_YEAR + 1),
        region=region,
    )


def chosen_region() -> str:
    """The region chosen under "Whose territory the figures measure" (NATO Europe by default)."""
    return str(st.session_state.get("region") or NATO_REGION)


#: The debate in plain words, for a reader without the README (a politics student found the
#: sector drawn but not what Russia proposed or why NATO refused: session 43's trial). Each
#: statement with its own source: the fact sheet's §8.1 (docs/fact-sheet.md) or the news
#: reports and statements it draws on.
DEBATE_IN_BRIEF = "\n".join(
    [
        "**The debate in brief** (each item's source in brackets; docs/fact-sheet.md §8.1)",
        "- *Lisbon, 20 November 2010*: NATO and Russia agreed to cooperate on missile defence, "
        "to revive their theatre missile-defence project and to study jointly how Russia could "
        "join the new system [Reuters, 20 Nov 2010].",
        '- *NATO\'s offer*: "two independent but coordinated systems, working back to back" '
        "[Rasmussen, January 2011, American Forces Press Service], with two joint centres and "
        "separate chains of command: one sharing early-warning data around the clock, one for "
        "plans and rules of engagement [Vershbow, fact sheet §8.1].",
        '- *Russia\'s "sectoral" proposal*: Russia would intercept missiles crossing its '
        "sector toward NATO, and NATO the reverse [Medvedev, Lisbon, fact sheet §8.1]; the "
        "General Staff's map of May 2012 gave Russia the Baltic states, parts of Poland and "
        "most of Norway [fact sheet §8.1]. Russia also asked for guarantees that the system "
        "could not intercept its ICBMs [Defence Minister Serdyukov, 2011, via Reuters].",
        '- *Why it failed*: NATO was "not ready to accept the sectoral approach" [Rasmussen, '
        "2011, Reuters]; for the US, under Article 5 NATO alone bears responsibility for "
        "defending the Alliance, so it cannot hand that defence to Russia [Frank Rose, State "
        "Department, 2012]; Russia's foreign minister: no deal on the sectoral approach "
        "[Lavrov, Sochi, 4 July 2011, fact sheet §8.1].",
        "- *Here*: below, what shared early warning adds and what Russia's sector would have "
        "covered; whether the interceptors could reach Russian ICBMs: the tab *Russian-ICBM "
        "question*.",
    ]
)


def cooperation_summary(catalogue: Catalogue, state: MapState) -> None:
    """The tab: the debate in brief, cooperation gain, the chosen region, the sector, the chart."""
    st.markdown(DEBATE_IN_BRIEF)
    _cooperation_lines(catalogue, state)
    region = chosen_region()
    if region != NATO_REGION:
        _region_lines(catalogue, state, region)
    _sector_lines(catalogue, state)
    _series_chart(catalogue, state, region)


def _region_lines(catalogue: Catalogue, state: MapState, region: str) -> None:
    entry = _region(catalogue.digest, state.options, state.query(), region, catalogue)
    labels = {"nato_alone": "NATO alone", **cooperation_labels()}
    st.markdown(f"**{entry['name']}: territory (population) defended by NATO's system**")
    lines = [
        f"- {labels.get(cid, cid)}: {v['area_share']:.1%} ({v['population_share']:.1%})"  # type: ignore[index]
        for cid, v in entry.items()
        if cid != "name"
    ]
    st.markdown("\n".join(lines))
    r = region_metrics(catalogue, state.options, state.query(), region)
    shown, config = readable(
        r.countries[
            ["name", "area_km2", "area_defended_share", "population", "population_defended_share"]
        ].rename(
            columns={
                "name": "Country",
                "area_km2": "Area (km²)",
                "area_defended_share": "Territory defended",
                "population": "Population",
                "population_defended_share": "Population defended",
            }
        ),
        percent=["Territory defended", "Population defended"],
        counts=["Area (km²)", "Population"],
    )
    st.dataframe(shown, hide_index=True, column_config=config)


def _sector_lines(catalogue: Catalogue, state: MapState) -> None:
    d = _sector(catalogue.digest, state.options, state.query(), catalogue)
    pic = d["general_staff_picture"]
    icbm = d["icbm_tracks"]
    assert isinstance(pic, dict) and isinstance(icbm, dict)
    shares = ", ".join(
        f"{c['name']} {c['share']:.0%}"
        for c in d["country_shares"]  # type: ignore[attr-defined]
    )
    st.markdown("**Russia's sectoral proposal (Lisbon 2010), two ways**")
    st.markdown(
        f"- *Computed*: {float(d['nato_europe_share_in_russian_sector']):.1%} of NATO-Europe "  # type: ignore[arg-type]
        f"territory would depend on Russia ({shares or 'none'}).\n"
        f"- *The General Staff's picture* (May 2012, Low confidence): {pic['share_nominal']:.1%} "
        f"({pic['share_low']:.1%}-{pic['share_high']:.1%}).\n"
        f"- *ICBM tracks toward the US*: {icbm['over_nato']} of {icbm['tracks']} cross NATO-Europe "
        f"territory; {icbm['over_computed']} cross the computed sector, {icbm['over_picture']} the "
        "General Staff's. Interceptor sites in the computed sector: "
        + (", ".join(icbm["sites_in_computed"]) or "none")
        + "."
    )
    definition = str(d["definition"])
    st.caption(definition[:1].upper() + definition[1:] + ". " + str(d["assumptions"]) + ".")


def _series_chart(catalogue: Catalogue, state: MapState, region: str) -> None:

    name = region_labels()[region]
    st.markdown(
        f"**{FIRST_YEAR}-{LAST_YEAR}: {name} territory defended, NATO alone and with cooperation**"
    )
    if not st.toggle(
        "Compute the series (about 16 years × 3 scenarios; cached once computed)",
        key="coop_series",
    ):
        return
    frame = _series(catalogue.digest, state.options, state.query(), region, catalogue)
    st.altair_chart(series_chart(frame, name), width="stretch", height=430)  # type: ignore[arg-type,call-overload]
    st.caption(
        "Where lines lie on one another, that cooperation adds nothing in that year (its radars "
        "see nothing NATO's do not, or see it too late to matter); each scenario has its own "
        "colour, dash and marker so that the hidden line can still be told apart at its points."
    )


def series_chart(frame: pd.DataFrame, name: str) -> object:
    """The cooperation series, one line per scenario, its legend under the chart in full.

    The scenario names are long (a proposal and its date): on the right, Vega-Lite cut them at
    160 px ("Shared early warning (Joint Data…"); under the chart, one per row, they are whole.
    Lines that coincide (no gain) stay visible: each scenario has its own colour, dash and
    marker, and is drawn thinner and with a smaller marker than the one before it, so
    coinciding lines show as nested stripes and markers rather than the last one alone.
    """
    import altair as alt

    table = frame.assign(share=frame.area_share * 100.0)
    order = list(dict.fromkeys(table.label))
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=0, title=None)
    base = alt.Chart(table).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="Territory defended (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("label:N", sort=order, legend=legend),
        strokeDash=alt.StrokeDash("label:N", sort=order, legend=legend),
        shape=alt.Shape("label:N", sort=order, legend=legend),
        tooltip=[
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("label:N", title="Scenario"),
            alt.Tooltip("share:Q", title="Territory defended (%)", format=".1f"),
        ],
    )
    widths = alt.Size("label:N", sort=order, scale=alt.Scale(range=[7, 2]), legend=None)
    areas = alt.Size("label:N", sort=order, scale=alt.Scale(range=[260, 40]), legend=None)
    lines = base.mark_line().encode(size=widths)
    points = base.mark_point(filled=True, opacity=1).encode(size=areas)
    return (
        alt.layer(lines, points)
        .resolve_scale(size="independent")
        .properties(height=280, title=f"{name}: territory defended")
    )


def early_warning_note(catalogue: Catalogue, state: MapState, *, in_tab: str) -> None:
    """Beside the legend, with the Russian radars drawn and NATO alone: what they would add.

    Each cooperation scenario's gain for this map's state (computed, the tab's figures), and
    who saw the threats first, in one short paragraph; the tab ``in_tab`` has the reasoning.
    """
    ans = _answers(
        catalogue.digest, state.options, replace(state.query(), domain="europe"), catalogue
    )
    scenarios = ans["scenarios"]
    assert isinstance(scenarios, dict)
    gains = "; ".join(
        f"{str(v['label']).split(' (')[0].split(':')[0]} {100 * v['gain_share']:+.1f} points"
        + (f" ({', '.join(v['capitals_gained'])})" if v["capitals_gained"] else "")
        for v in scenarios.values()
    )
    # The widest scenario's reason (all of Russia's radars of the year): the others' radars are
    # a subset of them, and the tab gives each its own.
    widest = max(scenarios.values(), key=lambda v: len(v["radars"]), default=None)
    seen = f" {str(widest['brief'])[0].upper()}{str(widest['brief'])[1:]}." if widest else ""
    commits = " (their tracks committing interceptors)" if state.warning_commits else ""
    st.markdown(
        f"<div style='font-size:0.85rem;line-height:1.35;margin-bottom:8px'><b>What sharing "
        f"Russia's early-warning radars with NATO would add</b>{commits}, computed for this map: "
        f"{html.escape(gains)} of NATO-Europe territory.{html.escape(seen)} Scenarios under "
        f"<i>NATO–Russia</i> in the sidebar; the reasoning in the tab "
        f"<i>{html.escape(in_tab)}</i>.</div>",
        unsafe_allow_html=True,
    )


def _satellite_cueing_off() -> None:
    """Set the sidebar's *Satellite cueing of the radars* to Off (it is bound to the link)."""
    st.session_state["cue"] = "off"
    st.session_state["cue_off_by_tab"] = True


def _satellite_cueing_back() -> None:
    """Set *Satellite cueing of the radars* back to its date (the default)."""
    st.session_state["cue"] = "by_date"
    st.session_state["cue_off_by_tab"] = False


def _cooperation_lines(catalogue: Catalogue, state: MapState) -> None:
    """One line per cooperation scenario: share, gain and capitals gained (computed)."""
    ans = _answers(
        catalogue.digest, state.options, replace(state.query(), domain="europe"), catalogue
    )
    st.markdown(
        f"**NATO alone**: {float(ans['nato_alone_share']):.1%} of NATO-Europe territory, "  # type: ignore[arg-type]
        f"{ans['nato_alone_capitals_defended']} capitals defended."
    )
    scenarios = ans["scenarios"]
    assert isinstance(scenarios, dict)
    said = ""
    for v in scenarios.values():
        gained = ", ".join(v["capitals_gained"]) or "none"
        radars = ", ".join(v["radars"]) or "none of its radars"
        off = v.get("radars_inactive") or []
        idle = f" Not in service in {state.options.year}: {', '.join(off)}." if off else ""
        st.markdown(
            f"**{v['label']}**: {v['share']:.1%} (gain {100 * v['gain_share']:+.1f} "
            "percentage points); capitals "
            f"gained: {gained}. Radars in service in {state.options.year}: {radars}.{idle}"
        )
        why = str(v["why"])
        st.markdown(f"*Why:* {'the same as above.' if why == said else why}")
        said = why
    if state.satellite_cueing != "off" and all(
        abs(float(v["gain_share"])) < 0.0005 for v in scenarios.values()
    ):
        # The debate's own question reads "+0.0" in every year with the defaults, and the
        # switch that shows what Russia's radars would add sits in another panel (a new user
        # found it only through the README, session 37).
        st.info(
            "No Russian radar adds ground here: satellite launch warning already cues NATO's "
            "radars (*Satellite cueing of the radars* under *Physics and assumptions*). What "
            "Russia's radars would add to radars searching without that cue (NATO's radars "
            "still cue one another through their shared tracks under *Launch on remote*):"
        )
        st.button(
            "Show it with satellite cueing off", key="coop_cue_off", on_click=_satellite_cueing_off
        )
    elif state.satellite_cueing == "off" and st.session_state.get("cue_off_by_tab"):
        # The button changes the whole page, not the tab alone: the map and the headline above
        # now show radars searching unaided (a journalist saw the headline drop to 6.2 % and 2
        # capitals with only "Changed from the defaults" under the map to say why, session 38).
        alone = share_text(float(ans["nato_alone_share"]))  # type: ignore[arg-type]
        st.warning(
            "Satellite cueing of the radars is **off for the whole page**: the map, the "
            "headline and every tab now show NATO's radars searching without the satellites' "
            f"cue (NATO alone now defends {alone} of NATO-Europe territory). Set under "
            "*Physics and assumptions*; the button below sets it back."
        )
        st.button(
            "Satellite cueing back to its date",
            key="coop_cue_back",
            on_click=_satellite_cueing_back,
        )
    st.caption(_MODEL)
