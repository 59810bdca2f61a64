"""The ICBM guarantee question on a wide (Arctic) map: the year's sites against Russian ICBM tracks.

Draws, above the per-variant ICBM table, one answer line per interceptor site deployed in the
map's year and scenario, and an image of every Russian ICBM base → US target track in a
north-polar equal-area projection, coloured by whether any site of the year can reach it. All
numbers come from :func:`coverage.products.icbm_year.icbm_year`; the image from the exporter.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.products.icbm import CUEING_WORDS, CUEINGS, Cueing, IcbmAssumptions
from coverage.products.icbm_year import (
    IcbmYear,
    cueing_line,
    icbm_map_data,
    icbm_year,
    other_cueings_words,
)
from coverage.scenario import SCENARIO_LABELS, FootprintOptions

__all__ = ["other_cueing_text", "year_view"]


@st.cache_resource(
    show_spinner="Flying the ICBM tracks against the year's sites...", max_entries=32
)
def _result(
    digest: str, options: FootprintOptions, assumptions: IcbmAssumptions, _catalogue: Catalogue
) -> IcbmYear:
    return icbm_year(_catalogue, options, assumptions)


@st.cache_resource(show_spinner="Drawing the Arctic view...", max_entries=16)
def _image(
    digest: str,
    options: FootprintOptions,
    assumptions: IcbmAssumptions,
    _answer: IcbmYear,
    _catalogue: Catalogue,
) -> bytes:
    """The Arctic view of ``_answer``.

    Its subtitle gives the count under every cueing: an image lifted onto a slide read "7 of
    88 reachable" alone (session 41's trial).
    """
    from coverage.render.export import render  # matplotlib: loaded on first use

    by_cueing = _other_cueings(_catalogue, options, assumptions)
    return render(
        icbm_map_data(_catalogue, _answer, by_cueing), fmt="png", width_px=1280, height_px=860
    )


#: How each cueing is named where it is the other one ("With ... instead: **none**.").
_INSTEAD = {c: f"With {what} instead ({detail})" for c, (_, what, detail) in CUEING_WORDS.items()}
#: Why a count falls under the other cueing: what the tracks above need (bold line's cueing,
#: the other one).
_NEED = {
    ("perfect", "own_radar"): "a fire-control track sooner than the site's own radar gives",
    ("perfect", "shared_track"): "a fire-control track sooner than any of the year's NATO "
    "radars gives",
    ("shared_track", "own_radar"): "another NATO radar's track (the site's own radar sees the "
    "ICBM too late, or it has none)",
}
_PERFECT_NOTE = " (perfect cueing assumes one at the ICBM's launch, which no EPAA sensor provides)"
#: What the other cueing adds, where its count is larger.
_ADDS = {"perfect": "That track at launch would add", "shared_track": "The shared tracks would add"}


def other_cueing_text(
    result: IcbmYear, other: IcbmYear, cueing: str, other_cueing: str | None = None
) -> str:
    """The same question under another cueing (``cueing`` is ``result``'s), in one sentence.

    ``other_cueing`` is ``other``'s (default: own radar beside perfect, perfect beside the
    others). The bold line's count is under one cueing; the others bound it: 2024's "7 of 88
    with perfect cueing" is none when each site's own radar must see the ICBM first, and none
    on the first track of any of the year's NATO radars, and a reader of the first alone took
    it for the answer (session 37's note).
    """
    if other_cueing is None:
        other_cueing = "own_radar" if cueing == "perfect" else "perfect"
    total = len(other.tracks)
    n, m = result.reachable_tracks, other.reachable_tracks
    counted = "none" if m == 0 else f"{m} of {total}"
    text = f"{_INSTEAD[other_cueing]}: **{counted}**."
    if m < n and (cueing, other_cueing) in _NEED:
        which = ("the one" if n == 1 else f"all {n}") if m == 0 else f"{n - m} of the {n}"
        verb = "needs" if which == "the one" or n - m == 1 and m else "need"
        note = _PERFECT_NOTE if cueing == "perfect" else ""
        text += f" So {which} above {verb} {_NEED[cueing, other_cueing]}{note}."
    elif m > n and other_cueing in _ADDS:
        text += f" {_ADDS[other_cueing]} {m - n}."
    return text


#: What a site line's margins mean, in words (a journalist's trial read "short by ≥ 1,163 km
#: and ≥ 483 s" and "best margin +229 km, +60 s" as jargon, session 42).
MARGIN_KEY = (
    "How to read a site's line: a *reachable* track is one on which an interceptor launched "
    "after its cue can meet the ICBM inside the interceptor's altitude band. *Best margin "
    "+229 km, +60 s*: at best the interceptor could reach 229 km beyond the meeting point, "
    "and at best it has 60 s to spare (the two bests may be on different tracks). *Short by "
    "≥ 1,163 km and ≥ 483 s*: even on its nearest misses it lacks at least 1,163 km of reach "
    "and 483 s of time."
)


def _other_cueings(
    catalogue: Catalogue, options: FootprintOptions, assumptions: IcbmAssumptions
) -> dict[Cueing, IcbmYear]:
    """The year's answer under every cueing but the chosen one, in :data:`CUEINGS` order."""
    return {
        c: _result(catalogue.digest, options, replace(assumptions, cueing=c), catalogue)
        for c in CUEINGS
        if c != assumptions.cueing
    }


def year_view(
    catalogue: Catalogue, options: FootprintOptions, assumptions: IcbmAssumptions
) -> IcbmYear:
    """Answer lines and the wide map for the year and scenario of ``options``.

    The bold line gives every cueing's count (:func:`cueing_line`): the chosen one first, or,
    with perfect cueing chosen (the default), the cueings NATO's sensors give first and perfect
    cueing's last ("none of 88 … on NATO's shared radar tracks, none with each site's own
    radar; 7 only with perfect cueing"): trials quoted "7 of 88" from lines that gave or led
    with the favourable count (sessions 42 and 43). Until the other cueings are computed (a
    few seconds, once per state) it gives the chosen one's count, or with perfect cueing none.
    """
    digest = catalogue.digest
    result = _result(digest, options, assumptions, catalogue)
    preposition, what, detail = CUEING_WORDS[assumptions.cueing]
    cueing = f"{preposition} {what} ({detail})"

    def subject(n: int) -> str:
        verb = "is" if n <= 1 else "are"
        return (
            f"Russian ICBM tracks toward the US {verb} reachable by an interceptor site of the year"
        )

    def bold(counts: str) -> str:
        return (
            f"**{options.year}, {SCENARIO_LABELS[options.scenario]}: {counts}** (computed; each "
            "site's line gives its low and high case, and the fold under the map what else each "
            "answer hinges on)."
        )

    line = st.empty()
    alone = {assumptions.cueing: result}
    n = result.reachable_tracks
    chosen = f"{n or 'none'} of {len(result.tracks)} {subject(n)} {cueing}"
    perfect = assumptions.cueing == "perfect"
    if perfect and not result.answers.empty:
        line.markdown(
            bold("Russian ICBM tracks toward the US reachable under each cueing: computing…")
        )
    else:
        line.markdown(bold(chosen))
    if result.answers.empty:
        st.markdown("- No interceptor is deployed in this year and scenario.")
    else:
        others = _other_cueings(catalogue, options, assumptions)
        every = {**alone, **others}
        line.markdown(
            bold(
                cueing_line(every, subject=subject, perfect=cueing)
                if perfect
                else f"{chosen}; {other_cueings_words(every)}"
            )
        )
        st.markdown(
            "\n".join(
                f"- {other_cueing_text(result, other, assumptions.cueing, c)}"
                for c, other in others.items()
            )
        )
        st.markdown("\n".join(f"- {answer}" for answer in result.answers.answer))
        st.caption(MARGIN_KEY)
    st.image(
        _image(digest, options, assumptions, result, catalogue),
        caption="Wide (Arctic) view, Lambert azimuthal equal-area north-polar (EPSG:3575). "
        "Tracks drawn as great circles from each ICBM base to each US target; colour: whether a "
        f"site of the year can reach it. {result.assumptions}",
        width="stretch",
    )
    return result
