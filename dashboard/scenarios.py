"""The scenario menu: the 2009 plan, the record and the alternative architectures, by name.

A bound select box keeps the displayed name in the URL; links that carry an id
(``?scenario=planned``, ``?scenario=third_site``) are still accepted and shown by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from coverage.scenario import ALTERNATIVES, SCENARIO_LABELS, SCENARIOS, Scenario

__all__ = ["named_selectbox", "scenario_control", "scenario_labels"]


def scenario_labels() -> dict[str, str]:
    """Scenario id to the name the menu shows (the URL may carry either)."""
    return {s: SCENARIO_LABELS[s] for s in _ORDER}


#: The record first, then the plan, then the alternatives of the NATO-Russia debate.
_ORDER: tuple[Scenario, ...] = ("actual", "planned", *ALTERNATIVES)
assert set(_ORDER) == set(SCENARIOS)


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
    given = st.query_params.get(key)
    legacy = given in labels and given not in labels.values() and key not in st.session_state
    if legacy:
        st.session_state[key] = given
    return container.selectbox(
        label,
        list(labels),
        index=None if legacy else 0,
        format_func=labels.__getitem__,
        key=key,
        bind="query-params",
        help=help,
        disabled=disabled,
        on_change=on_change,
    )


def scenario_control(container: Any) -> Scenario:
    """Draw the scenario menu in ``container`` (the sidebar); return the chosen id."""
    choice = named_selectbox(
        container,
        "Scenario",
        scenario_labels(),
        key="scenario",
        help="As built: dates when each element became operational. As planned: the September "
        "2009 announcement (plus the 2011 Rota decision). The alternatives (2007 third site, "
        "CBO 2009 options, Putin's 2007 offer) appear from the years their proposals or "
        "assumptions give (data/alternatives.csv); the banner says which years are assumptions.",
    )
    return choice or "actual"
