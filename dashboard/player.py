"""Play through the years: a Play / Stop button that steps the year slider to the last year.

While playing, each script run ends by waiting :data:`PAUSE_S` (the map of the year stays on
screen; the wait sleeps, so it costs no CPU and other users' sessions, which run in their own
threads, are not held up) and asking for a rerun; the next run advances the year before the
slider is drawn. Every step reads the cached map of its year, so a second play costs no
engine run. Stop (or any other control) ends it: a click during the wait is folded into the
rerun, and its callback clears the flag before the year would move.
"""

from __future__ import annotations

import time

import streamlit as st

from coverage.scenario import FIRST_YEAR, LAST_YEAR

__all__ = ["PAUSE_S", "advance", "next_step", "play_button", "schedule_next"]

#: Seconds each year stays on screen while playing.
PAUSE_S = 1.5

_PLAYING, _DUE, _YEAR = "playing", "play_due", "year"


def next_step(year: int, *, playing: bool, due: bool) -> tuple[int, bool]:
    """The year to show and whether play continues, at the start of a run (pure).

    A due step moves one year on; the last year ends the play.
    """
    if not (playing and due):
        return year, playing
    year = min(LAST_YEAR, year + 1)
    return year, year < LAST_YEAR


def _start() -> None:
    st.session_state[_PLAYING] = True
    st.session_state[_DUE] = False
    if int(st.session_state.get(_YEAR, FIRST_YEAR)) >= LAST_YEAR:
        st.session_state[_YEAR] = FIRST_YEAR  # from the start again


def _stop() -> None:
    st.session_state[_PLAYING] = False
    st.session_state[_DUE] = False


def advance() -> None:
    """Move the year on when a step is due; call before the year slider is drawn."""
    playing = bool(st.session_state.get(_PLAYING, False))
    due = bool(st.session_state.pop(_DUE, False))
    year = int(st.session_state.get(_YEAR, 2016))
    new_year, still = next_step(year, playing=playing, due=due)
    if new_year != year:
        st.session_state[_YEAR] = new_year
    st.session_state[_PLAYING] = still


def play_button() -> None:
    """Play (from this year to the last; from the first when at the last) or Stop.

    With its word on a projector too: a symbol alone read as the next-year button's "▶".
    """
    if st.session_state.get(_PLAYING):
        st.button(
            "■ Stop",
            key="stop_play",
            on_click=_stop,
            help="Stop stepping through the years",
            width="stretch",
            type="primary",
        )
    else:
        st.button(
            "▶ Play",
            key="play",
            on_click=_start,
            help=f"Step through the years to {LAST_YEAR}, {PAUSE_S:g} s each",
            width="stretch",
        )


def schedule_next() -> None:
    """At the end of a run: while playing, keep this year on screen, then rerun for the next."""
    if not st.session_state.get(_PLAYING):
        return
    time.sleep(PAUSE_S)
    st.session_state[_DUE] = True
    st.rerun()
