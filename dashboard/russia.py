"""The "NATO–Russia" section: early-warning cooperation scenarios and the ground they gain.

The cooperation choice is part of the map state (its defended area uses the Russian radars as
sensors). "Map the gain" draws the comparison NATO alone (A) against the chosen scenario (B):
the ground gained uses the comparison layers of :mod:`coverage.products.compare`.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Variation
from coverage.products.cooperation import cooperation_answers
from coverage.products.mapdata import MapState
from coverage.scenario import DefenceQuery, FootprintOptions, cooperation_labels
from dashboard.scenarios import named_selectbox

__all__ = ["cooperation_controls", "cooperation_summary"]

_MODEL = (
    "Model: the Russian early-warning radars (data/early_warning_radars.csv; published ranges "
    "read against an assumed reference RCS, data/detection.csv) search on their own. Their "
    "first detection cues NATO's radars and starts the track-and-C2 clock; an interceptor is "
    "launched only once a NATO radar holds the track (early-warning tracks are not of "
    "fire-control quality). 'Early-warning tracks commit' is the optimistic option."
)


def cooperation_controls(state: MapState) -> MapState:
    """Sidebar controls: cooperation scenario, commit option, and the gain map (in the URL)."""
    given = st.query_params.get("coop")
    with st.sidebar.expander("NATO–Russia: shared early warning", expanded=bool(given)):
        coop = named_selectbox(
            st,
            "Cooperation scenario",
            cooperation_labels(),
            key="coop",
            help="Counterfactuals from the 2007-2012 debate (data/cooperation.csv): which Russian "
            "early-warning radars feed NATO's command and control.",
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
    coop = str(coop or "nato_alone")
    state = replace(state, cooperation=coop, warning_commits=bool(commits))
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


def cooperation_summary(catalogue: Catalogue, state: MapState) -> None:
    """One line per cooperation scenario: share, gain and capitals gained (computed)."""
    ans = _answers(catalogue.digest, state.options, state.query(), catalogue)
    st.markdown(
        f"**NATO alone**: {float(ans['nato_alone_share']):.1%} of NATO-Europe territory, "  # type: ignore[arg-type]
        f"{ans['nato_alone_capitals_defended']} capitals defended."
    )
    scenarios = ans["scenarios"]
    assert isinstance(scenarios, dict)
    for v in scenarios.values():
        gained = ", ".join(v["capitals_gained"]) or "none"
        radars = ", ".join(v["radars"]) or "no listed radar active this year"
        st.markdown(
            f"**{v['label']}**: {v['share']:.1%} (gain {v['gain_share']:+.1%}); capitals "
            f"gained: {gained}. Radars: {radars}."
        )
    st.caption(_MODEL)
