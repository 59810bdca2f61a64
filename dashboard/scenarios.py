"""The scenario menu: the 2009 plan, the record and the alternative architectures, by name.

A bound select box keeps the displayed name in the URL; links that carry an id
(``?scenario=planned``, ``?scenario=third_site``) are still accepted and shown by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.scenario import (
    ALTERNATIVES,
    SCENARIO_LABELS,
    SCENARIOS,
    Scenario,
    nearest_year_in_place,
)

__all__ = [
    "DEFAULT_YEAR",
    "YEAR_MOVED",
    "named_selectbox",
    "name_url_ids",
    "scenario_control",
    "scenario_labels",
    "to_year_in_place",
    "url_id",
]


def scenario_labels() -> dict[str, str]:
    """Scenario id to the name the menu shows (the URL may carry either)."""
    return {s: SCENARIO_LABELS[s] for s in _ORDER}


#: The record first, then the plan, then the alternatives of the NATO-Russia debate.
_ORDER: tuple[Scenario, ...] = ("actual", "planned", *ALTERNATIVES)
assert set(_ORDER) == set(SCENARIOS)


#: Session-state key of the ids taken from the link, by widget key, until the URL shows names.
_URL_IDS = "_url_ids"
#: Runs in the page: asks the server for one more run (a run the page starts, as a widget
#: change does: only such a run ends with its state kept, which Streamlit needs to write a
#: value set before a widget's first run to the URL; a server-side ``st.rerun`` does not).
URL_NAMES_JS = r"""
export default function(component) {
  const { data, setTriggerValue } = component;
  if (data && data.ask) setTriggerValue('again', data.ask);
}
"""

_again = st.components.v2.component("epaa_url_names", js=URL_NAMES_JS)
#: Session flag: the page was asked once for the run that names the link's ids.
_ASKED = "_url_ids_asked"


def name_url_ids() -> None:
    """At the end of a run that took ids from the link, have the page start one more run.

    :func:`url_id` assigns them again on that run, which Streamlit writes to the URL. Without
    it, a link that names its screen (no second run to fit the map) kept its setting on screen
    but lost it from the URL, so a reload or a copied link showed another answer. Asked once
    per session.
    """
    pending = bool(st.session_state.get(_URL_IDS)) and not st.session_state.get(_ASKED)
    if pending:
        st.session_state[_ASKED] = True
    _again(key="url_names", data={"ask": pending}, on_again_change=lambda: None)


def url_id(key: str, labels: Mapping[str, str]) -> bool:
    """Take an id from the link (``?cue=off``) into the bound menu ``key``, and into the URL.

    Bound select boxes keep the displayed name in the URL (``?cue=Off``); links made before the
    menus showed names carry ids, which Streamlit drops from the URL as unknown values. The id
    is put in the session state before the widget's first run. Streamlit writes such a value to
    the URL only when it is assigned again on a later run of the same widget, so it is assigned
    again (one more run, :func:`name_url_ids`) until the URL names it; without that, a
    reload or a copied link lost the setting (``?cue=off`` read 6 %, its reload 16 %).

    Returns whether the id is still being carried: the widget then gets no default of its own
    (``index=None``), the same on every run, so that it stays the same widget.
    """
    taken: dict[str, str] = st.session_state.setdefault(_URL_IDS, {})
    given = st.query_params.get(key)
    if given in labels and given not in labels.values() and key not in st.session_state:
        st.session_state[key] = given
        taken[key] = str(given)
    elif key in taken:
        value = st.session_state.get(key)
        if value != taken[key] or given == labels.get(str(value)):
            del taken[key]  # changed by the user, or named in the URL: Streamlit keeps it now
        else:
            st.session_state[key] = value  # assigned again: Streamlit writes it to the URL
    return key in taken


def named_selectbox(
    container: Any,
    label: str,
    labels: Mapping[str, str],
    *,
    key: str,
    help: str,
    disabled: bool = False,
    on_change: Callable[[], None] | None = None,
) -> Any:
    """A URL-bound select box over ``labels`` (id -> name) that shows and writes names.

    A link that carries an id (``?scenario=third_site``) is still accepted: the id is put in
    the session state and the bound widget writes the name back to the URL.
    """
    legacy = url_id(key, labels)
    first = next(iter(labels))

    def changed() -> None:
        # A menu opened from a link has no default of its own (index=None) and so offers to
        # clear it: cleared, it showed "Choose an option" while the map kept the first choice.
        if st.session_state.get(key) is None:
            st.session_state[key] = first
        if on_change is not None:
            on_change()

    return container.selectbox(
        label,
        list(labels),
        index=None if legacy else 0,
        format_func=labels.__getitem__,
        key=key,
        bind="query-params",
        help=help,
        disabled=disabled,
        on_change=changed,
    )


#: The year the dashboard opens on (the year slider's default).
DEFAULT_YEAR = 2016
#: Session key of the words that a new scenario moved the year (said once, over the page).
YEAR_MOVED = "scenario_moved_year"


def to_year_in_place(
    catalogue: Callable[[], Catalogue] | None,
    *,
    scenario_key: str,
    year_key: str,
    default_year: int,
    whose: str = "",
) -> Callable[[], None]:
    """A menu's ``on_change``: the year moved to one in which the new scenario has something.

    Reads the scenario and year of the session's ``scenario_key`` and ``year_key`` widgets; where
    nothing of the scenario is in place in that year, sets the year to the nearest one in which
    something is and puts words in :data:`YEAR_MOVED` (``whose``: "B's " for the comparison's;
    ``default_year``: the year slider's default, its value before it is first drawn). Anything
    in place counts, a radar alone too (the Third Site's radar in 2012, before its silos).
    """

    def moved() -> None:
        if catalogue is None:
            return
        scenario = st.session_state.get(scenario_key) or "actual"
        year = int(st.session_state.get(year_key, default_year))
        to = nearest_year_in_place(catalogue(), year, scenario)
        if to is not None and to != year:
            st.session_state[year_key] = to
            st.session_state[YEAR_MOVED] = (
                f"{whose + 'year' if whose else 'Year'} moved from {year} to {to}: nothing of "
                f"“{SCENARIO_LABELS[scenario]}” is in place in {year}."
            )

    return moved


def scenario_control(container: Any, catalogue: Callable[[], Catalogue] | None = None) -> Scenario:
    """Draw the scenario menu in ``container`` (the sidebar); return the chosen id.

    With ``catalogue`` (the session's, what-if sites included, asked when the menu changes), a
    scenario chosen for a year in which nothing of it is in place moves the year to the nearest
    one in which something is (a CBO 2009 option chosen in 2016 drew an empty map at 0 %; its
    elements come in 2018), and :data:`YEAR_MOVED` holds the words that say so.
    """
    year_in_place = to_year_in_place(
        catalogue, scenario_key="scenario", year_key="year", default_year=DEFAULT_YEAR
    )

    choice = named_selectbox(
        container,
        "Scenario",
        scenario_labels(),
        key="scenario",
        help="As built: dates when each element became operational. As planned: the September "
        "2009 announcement (plus the 2011 Rota decision). The alternatives (2007 third site, "
        "CBO 2009 options, Putin's 2007 offer) appear from the years their proposals or "
        "assumptions give (data/alternatives.csv); the banner says which years are assumptions. "
        "Choosing one for a year in which none of it is in place moves to the nearest year in "
        "which some is.",
        on_change=year_in_place,
    )
    return choice or "actual"
