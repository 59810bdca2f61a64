"""Panels beside the map: phase banner, legend, timeline, footprint table and caveats."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pandas as pd
import streamlit as st

from coverage.catalogue.tables import Catalogue, DataError
from coverage.products.compare import Comparison, state_tags_words, without_words
from coverage.products.headline import CAPITAL_STATUSES, MAJOR_CITY_WORDS, Headline, share_text
from coverage.products.mapdata import MapData
from coverage.products.sectoral import sector_title
from coverage.scenario import events_in
from coverage.style import (
    BAND_SHADES,
    CAPITAL_STYLE,
    CAVEAT,
    LAYER_ORDER,
    LAYER_STYLES,
    PROBABILITY_ALPHA,
    PROBABILITY_CLASSES,
    SECTOR_STYLES,
    STATUS_WORDS,
    THEMES,
    LayerStyle,
    Theme,
    band_shade_alpha,
    sector_map_alpha,
)
from dashboard.selection import Inspected

__all__ = [
    "banner",
    "capitals_legend",
    "caveat",
    "comparison_capitals",
    "comparison_line",
    "data_error",
    "footprint_table",
    "headline",
    "inspector",
    "legend",
    "timeline",
]

LIGHT = THEMES["light"]
_CSS_DASH = {"solid": "solid", "dashed": "dashed", "dotted": "dotted", "dashdot": "dashed"}


def banner(
    data: MapData,
    *,
    projector: bool = False,
    theme: Theme = LIGHT,
    compact: bool = False,
    lines: int = 2,
) -> None:
    """Title, phase banner and the phase's detail line.

    ``compact`` (the dashboard below 1920x1080): the detail takes ``lines`` lines at most, the
    whole text on hover, so that the caveat under the map stays in the window (2024's detail
    took three lines at 1280x720 and pushed the caveat 60 px below it).
    """
    size = "clamp(1.5rem, 2.3vw, 2.4rem)" if projector else "1.6rem"
    detail = html.escape(data.phase.detail)
    clip = compact and not projector
    two_lines = (
        f";line-height:1.45;display:-webkit-box;-webkit-line-clamp:{lines};"
        "-webkit-box-orient:vertical;overflow:hidden"
        if clip
        else ""
    )
    hover = f" title='{detail}'" if clip else ""
    subtitle = data.subtitle_one_line or data.subtitle if projector else data.subtitle
    # Below 1920x1080 a touch smaller: "Phase 2 as built — 12 May 2016 · after the 2011-2020
    # plan" then keeps one line at 1024x768 (it wrapped by a few pixels in 2021-2023, moving
    # the map down 29 px from one year to the next).
    phase_size = (
        "clamp(1.15rem, 1.6vw, 1.6rem)" if projector else "1.1rem" if compact else "1.15rem"
    )
    st.markdown(
        f"<div class='epaa-banner'><div style='font-size:{size};font-weight:700;line-height:1.2'>"
        f"{html.escape(data.title)}</div>"
        f"<div style='font-size:{phase_size};font-weight:600;color:{theme.accent}'>"
        f"{_unbroken_years(html.escape(subtitle))}</div>"
        f"<div class='epaa-phase-detail'{hover} style='font-size:{'1.1rem' if projector else '0.9rem'};"
        f"color:{theme.muted}{two_lines}'>{detail}</div>"
        "</div>",
        unsafe_allow_html=True,
    )


def _unbroken_years(text: str) -> str:
    """``text`` with each span of years ("2011-2020") and each date ("10 Jul 2024") on one line.

    It broke after the dash; "· after the 2011-2020 plan" is kept whole (else "plan" took a line
    of its own, or the dot ended the line above).
    """
    kept = re.sub(
        r"(?:· )?(?:after the )?\b\d{4}[-–]\d{4}\b(?: plan)?",
        lambda m: f"<span style='white-space:nowrap'>{m.group(0)}</span>",
        text,
    )
    # A date too: at 1024x768 a comparison's phase line broke inside one ("— 10 / Jul 2024",
    # session 41's trial).
    return re.sub(r"\b(\d{1,2}) ([A-Z][a-z]{2,8}) (\d{4})\b", "\\1&nbsp;\\2&nbsp;\\3", kept)


def headline(
    line: Headline,
    *,
    projector: bool = False,
    theme: Theme = LIGHT,
    named: bool = True,
    compact: bool = False,
) -> None:
    """The answer first: defended shares, capitals, threat and launch area, change since last year.

    ``named``: the defended capitals are named when few (the dashboard's; a comparison on a
    smaller screen counts them only: its own line says which were gained and lost).
    ``compact`` (the dashboard below 1920x1080): the threat without its range (the legend and
    the assumptions give it), so that 2024's line, which says engage on remote, keeps two
    rows at 1024x768 and the map its place (it moved 19 px).
    """
    size = "clamp(1.15rem, 1.6vw, 1.45rem)" if projector else "1.1rem"
    small = "clamp(0.95rem, 1.2vw, 1.15rem)" if projector else "0.92rem"
    status = theme.status_colours
    green = status["defended"]
    change = html.escape(line.change_text())
    # Which capitals, when few (the legend's list is below the fold on the dashboard; on a
    # projector it is in view, and the line's room goes to the map).
    capitals = line.capitals_named_text() if named and not projector else line.capitals_text()
    for sign, colour in (("+", green), ("−", status["not defended"])):
        change = change.replace(f"{sign} ", f"<b style='color:{colour}'>{sign}</b>&nbsp;", 1)
    st.markdown(
        f"<div class='epaa-headline' style='font-size:{size};line-height:1.3;"
        f"border-left:6px solid {green};padding:2px 0 2px 10px;margin:2px 0 4px 0'>"
        f"<b>{html.escape(line.shares_text())}</b> · "
        f"<b>{html.escape(capitals)}</b>"
        f"<div style='font-size:{small};color:{theme.muted}'>"
        f"{html.escape(_first_upper(line.threat_text(short=compact)))}"
        f" · {change}</div></div>",
        unsafe_allow_html=True,
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def caveat(data: MapData, *, projector: bool = False, theme: Theme = LIGHT) -> None:
    """The caveat banner and the assumptions behind the drawn layers (threat and area in words)."""
    assumptions = data.assumptions
    size = "clamp(0.85rem, 1.05vw, 1.05rem)" if projector else "0.85rem"
    detail = "clamp(0.75rem, 0.9vw, 0.95rem)" if projector else "0.85rem"
    # On a projector the assumptions take two lines at most (the whole text on hover, and in
    # the dashboard), so that they fit under the map on a 1024x768 screen.
    clamp = (
        "display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;"
        if projector
        else ""
    )
    # What the user set away from the defaults comes first, in the caveat banner's colours (a
    # review found it easy to miss as plain bold at a projector's 12 px): on a projector the
    # two lines' room goes to it before the defaults' long description.
    choices = data.choices_text()
    lead = (
        f"<b class='epaa-choices' style='background:{theme.caveat_bg};color:{theme.caveat_text};"
        f"padding:0 4px;border-radius:3px;box-decoration-break:clone;"
        f"-webkit-box-decoration-break:clone'>{html.escape(choices)}</b> "
        if choices
        else ""
    )
    whole = f"{choices} Assumptions: {assumptions}" if choices else assumptions
    st.markdown(
        f"<div class='epaa-caveat' style='background:{theme.caveat_bg};color:{theme.caveat_text};padding:4px 10px;font-size:{size};"
        f"border-radius:3px'>{html.escape(CAVEAT)}</div>"
        f"<div class='epaa-assumptions' title='{html.escape(whole)}' style='font-size:{detail};line-height:1.35;"
        f"color:{theme.muted};margin-top:4px;{clamp}'>{lead}Assumptions: {html.escape(assumptions)}</div>",
        unsafe_allow_html=True,
    )


#: Vertical margin of a legend row: tighter on a projector, where one column holds the layers'
#: legend, a comparison's capitals and the capitals' key without scrolling (1280x720, 1024x768).
_ITEM_MARGIN = {False: "4px 0", True: "2px 0"}


def _track_statuses(data: MapData) -> list[str]:
    """The statuses of the threat tracks drawn (in the legend's order), or all of them."""
    tracks = data.tracks
    drawn = (
        list(dict.fromkeys(str(s) for s in tracks["status"]))
        if tracks is not None and "status" in tracks.columns
        else []
    )
    ordered = [s for s in CAPITAL_STATUSES if s in drawn] + [
        s for s in drawn if s not in CAPITAL_STATUSES
    ]
    return ordered or list(CAPITAL_STATUSES)


def _track_colours(data: MapData, theme: Theme) -> list[tuple[str, str]]:
    """``(status, colour)`` of the drawn tracks' statuses, coloured as on the map."""
    colours = theme.track_status_colours
    return [(s, colours.get(s, theme.text)) for s in _track_statuses(data)]


#: The legend's first rows: the answer (the defended area, or a comparison's gained and lost
#: ground) before the layers that explain it, drawn top first. On the smaller screens the
#: legend column starts beside the map's middle, and "Defended area" came sixth, below the fold.
_LEGEND_FIRST = ("defended",)


def legend(
    data: MapData, *, projector: bool = False, theme: Theme = LIGHT, compact: bool = False
) -> None:
    """Legend of the drawn layers, with the map's exact colours: the answer first.

    ``compact`` (the dashboard on a screen smaller than 1920x1080) and ``projector`` leave each
    layer's one-line description to its hover text, so the whole legend and the capitals' key
    stay beside the map.
    """
    rows = []
    font = "clamp(0.95rem, 1.25vw, 1.25rem)" if projector else "0.92rem"
    styles = theme.layer_styles
    short = projector or compact
    order = [*_LEGEND_FIRST, *(k for k in reversed(LAYER_ORDER) if k not in _LEGEND_FIRST)]
    for key in order:
        if key == "defended" and data.difference is not None:
            rows += [_area_row(s, font, short, theme) for s in theme.compare_styles.values()]
            continue
        if key not in data.state.layers:
            continue
        s = styles[key]
        if key in ("sites", "launch"):
            swatch = (
                f"<span style='display:inline-block;width:14px;height:14px;border-radius:50%;"
                f"background:{s.colour};border:2px solid {theme.text};margin:0 9px 0 4px'></span>"
            )
        elif key == "tracks":
            # Drawn solid, coloured by status (one swatch per status on the map, below).
            colours = [c for _, c in _track_colours(data, theme)[:3]]
            swatch = (
                "<span style='display:inline-block;width:22px;margin:0 6px 4px 0'>"
                + "".join(
                    f"<span style='display:inline-block;width:{22 // len(colours)}px;"
                    f"border-top:3px solid {c}'></span>"
                    for c in colours
                )
                + "</span>"
            )
        else:
            alpha = max(s.fill_alpha, 0.0)
            fill = _rgba(s.colour, alpha)
            border = (
                f"{max(2, round(s.line_width_px))}px {_CSS_DASH[s.line_style]} {s.colour}"
                if s.line_width_px
                else f"1px solid {theme.rule}"
            )
            swatch = (
                f"<span style='display:inline-block;width:22px;height:16px;background:{fill};"
                f"border:{border};margin-right:4px;vertical-align:middle'></span>"
            )
        rows.append(
            f"<div class='epaa-legend-item' style='font-size:{font};margin:{_ITEM_MARGIN[short]}' title='{html.escape(s.description)}'>"
            f"{swatch}<b>{html.escape(data.legend_title(key, s.title))}</b>"
            + (
                ""
                if short
                else f"<br/><span style='font-size:0.78rem;color:{theme.muted}'>{html.escape(s.description)}</span>"
            )
            + "</div>"
        )
    if data.state.uncertainty_band and data.difference is None and "defended" in data.state.layers:
        rows.append(_band_rows(theme, projector))
    if data.sectoral is not None and not data.sectoral.empty:
        kinds = set(data.sectoral.kind)
        # The sector is NATO-Europe ground, drawn over the members' yellow: its swatch is too,
        # and where the defended area is drawn, its right half over that green as well (on
        # white the rose read pink where the map showed salmon, and the computed sector's
        # purple over the green reads grey: a trial, session 42).
        layers_on = data.state.layers
        nato, defended = styles["nato"], styles["defended"]
        ground = theme.land
        if "nato" in layers_on:
            nato_fill = _rgba(nato.colour, nato.fill_alpha)
            ground = f"linear-gradient({nato_fill},{nato_fill}),{ground}"
        if "defended" in layers_on and data.difference is None:
            green = _rgba(defended.colour, defended.fill_alpha)
            ground = f"linear-gradient(90deg,transparent 50%,{green} 50%),{ground}"
        rows += [
            _area_row(
                replace(
                    s,
                    title=sector_title(k, data.sectoral_answer),
                    fill_alpha=sector_map_alpha(s),
                ),
                font,
                short,
                theme,
                ground=ground,
            )
            for k, s in SECTOR_STYLES.items()
            if k in kinds
        ]
    if data.probability is not None and len(data.probability):
        rows.append(_probability_rows(data, font, projector))
    if "tracks" in data.state.layers:
        words = "".join(
            f"<div style='margin-left:4px'><span style='display:inline-block;width:22px;"
            f"border-top:3px solid {colour};margin:0 6px 4px 0'></span>"
            f"<span style='color:{theme.text}'>{html.escape(status)}</span></div>"
            for status, colour in _track_colours(data, theme)
        )
        rows.append(
            f"<div style='font-size:{'1rem' if projector else '0.78rem'};color:{theme.muted}'>"
            f"Tracks by status:{words}</div>"
        )
    if "sites" in data.state.layers:
        # Shorter on a projector, where the legend column must hold the capitals' key too; the
        # what-if sites' colour is said only when the map has one.
        custom = "custom" in data.sites.columns and bool(data.sites.custom.astype(bool).any())
        note = (
            "Hollow: planned, not yet built" + ("; light blue: what-if." if custom else ".")
            if short
            else "Filled dot: in place; hollow dot: planned, not yet built"
            + ("; light blue: custom what-if site." if custom else ".")
        )
        tags = state_tags_words(data.sites)
        if tags:
            note += f" {tags[:1].upper()}{tags[1:]}."
        rows.append(
            f"<div style='font-size:{'clamp(0.8rem, 1vw, 1rem)' if projector else '0.78rem'};color:{theme.muted}'>"
            f"{note}</div>"
        )
    if "launch" in data.state.layers and data.launch_used and not projector:
        # Not on a projector, whose column must hold the capitals' key (the line pushed it below
        # a 1280x720 or 1024x768 window in a comparison); its headline names the launch point.
        names = ", ".join(data.launch_used)
        rows.append(
            f"<div class='epaa-launch-used' style='font-size:0.78rem;color:{theme.muted}'>"
            f"Ringed: the threat's launch point{'s' if len(data.launch_used) > 1 else ''} "
            f"({html.escape(names)}).</div>"
        )
    st.markdown("<div class='epaa-legend'>" + "".join(rows) + "</div>", unsafe_allow_html=True)


def _probability_rows(data: MapData, font: str, projector: bool) -> str:
    """Legend rows of the Monte-Carlo layer: one swatch per class, as drawn on the map."""
    assert data.probability is not None
    draws = int(data.probability.draws.iloc[0])
    head = (
        f"<div class='epaa-legend-item' style='font-size:{font};margin:{_ITEM_MARGIN[projector]}'>"
        f"<b>Probability defended</b> (share of {draws} Monte-Carlo draws)</div>"
    )
    items = "".join(
        f"<span style='display:inline-block;margin:0 10px 2px 0;white-space:nowrap'>"
        f"<span style='display:inline-block;width:18px;height:14px;"
        f"background:{_rgba(pc.colour, PROBABILITY_ALPHA)};border:1px solid #777;"
        f"margin-right:4px;vertical-align:middle'></span>{html.escape(pc.text)}</span>"
        for pc in PROBABILITY_CLASSES
    )
    size = font if projector else "0.85rem"
    return head + f"<div class='epaa-legend-probability' style='font-size:{size}'>{items}</div>"


def _band_rows(theme: Theme, projector: bool) -> str:
    """The uncertainty band's three shades, as drawn (the estimates' areas over each other)."""
    s = theme.layer_styles["defended"]
    rows = "".join(
        f"<div style='margin-left:4px'><span style='display:inline-block;width:22px;height:12px;"
        f"background:{_rgba(s.colour, band_shade_alpha(s.fill_alpha, n))};"
        f"margin:0 6px 0 0;vertical-align:middle'></span>"
        f"<span style='color:{theme.text}'>{html.escape(words)}</span></div>"
        for n, words in BAND_SHADES
    )
    return (
        f"<div style='font-size:{'1rem' if projector else '0.78rem'};color:{theme.muted}'>"
        f"Low / nominal / high band, by shade:{rows}</div>"
    )


def _rgba(colour: str, alpha: float) -> str:
    """``#RRGGBB`` and an opacity as CSS ``#RRGGBBAA``."""
    return colour + format(round(alpha * 255), "02x")


def _area_row(
    s: LayerStyle, font: str, short: bool, theme: Theme = LIGHT, *, ground: str | None = None
) -> str:
    """A legend row for an area style: its fill and outline as on the map.

    ``short``: without the description line (kept as the row's hover text). ``ground``: a CSS
    background the area is drawn over on the map (the NATO members' fill), under the swatch's.
    """
    fill = _rgba(s.colour, s.fill_alpha)
    if ground is not None:
        fill = f"linear-gradient({fill},{fill}),{ground}"
    border = f"{max(2, round(s.line_width_px))}px {_CSS_DASH[s.line_style]} {s.colour}"
    swatch = (
        f"<span style='display:inline-block;width:22px;height:16px;background:{fill};"
        f"border:{border};margin-right:4px;vertical-align:middle'></span>"
    )
    return (
        f"<div class='epaa-legend-item' style='font-size:{font};margin:{_ITEM_MARGIN[short]}' "
        f"title='{html.escape(s.description)}'>{swatch}<b>{html.escape(s.title)}</b>"
        + (
            ""
            if short
            else f"<br/><span style='font-size:0.78rem;color:{theme.muted}'>{html.escape(s.description)}</span>"
        )
        + "</div>"
    )


def comparison_line(
    cmp: Comparison, *, projector: bool = False, theme: Theme = LIGHT, wide: bool = False
) -> None:
    """Under the headline: A and B in words, the territory of each, gained and lost.

    Every share over one territory, said in the short form (one row below 1920x1080: the map's
    height counts on it, layers.MAP_CUT_PX); slides and the CLI give the long form. ``wide``:
    the screen is 1920x1080, where a projector's line has room for the engage-on-remote note.
    """
    size = "clamp(1.0rem, 1.4vw, 1.3rem)" if projector else "1.0rem"
    compare = theme.compare_styles
    gained, lost = compare["gained"].colour, compare["lost"].colour
    # Every share on the line over one territory: where the two years' members differ, A's and
    # B's over the members of either year (the gain's basis), and A's over its own in brackets,
    # said first: at its end a new user took A's 14.4 % for a second figure beside the
    # headline's 16 % (session 36's trial).
    basis = cmp.basis(compact=True)
    share_a, share_b = cmp.common_shares() if basis else (cmp.share_a, cmp.share_b)
    a_text, b_text, gained_text, lost_text = _adding_shares(
        share_a, share_b, cmp.gained_share, cmp.lost_share
    )

    def line(notes: bool) -> str:
        # On a projector the assumption is named with the share without it, in one clause.
        say = notes and not projector
        note_a, note_b = (_eor_note(cmp.note_a), _eor_note(cmp.note_b)) if say else ("", "")
        # How much the assumption carries: the state's share without it, on the line's basis.
        off_a, off_b = (
            (
                without_words(cmp.without_eor_a, tenths=True, named=projector),
                without_words(cmp.without_eor_b, tenths=True, named=projector),
            )
            if notes
            else ("", "")
        )
        return (
            f"<div class='epaa-comparison' style='font-size:{size};line-height:1.3;"
            f"border-left:6px solid {gained};padding:2px 0 2px 10px;margin:0 0 4px 0'>"
            + (f"Over {html.escape(basis)}: " if basis else "")
            + f"<b>A</b> = {html.escape(cmp.label_a)}{note_a}: {a_text} defended{off_a} · "
            f"<b>B</b> = {html.escape(cmp.label_b)}{note_b}: {b_text}{off_b} · "
            f"<b style='color:{gained}'>gained {gained_text}</b>, "
            f"<b style='color:{lost}'>lost {lost_text}</b>"
            + ("" if basis else " of NATO-Europe territory")
            + "; "
            f"capitals {cmp.a.capitals_defended} of {cmp.a.capitals_total} → "
            f"{cmp.b.capitals_defended} of {cmp.b.capitals_total}</div>"
        )

    # Beside the state that has engage on remote by date, with its share without it. Not on a
    # projector's smaller screens: its line has room for one row at 1280x720 (the legend's
    # foot went 23 px below the window with the note); the slides say it there. At 1920x1080
    # where the line stays one row (PROJECTOR_WIDE_LINE_CHARS).
    text = line(notes=True)
    if projector and (not wide or len(_plain(text)) > PROJECTOR_WIDE_LINE_CHARS):
        text = line(notes=False)
    st.markdown(text, unsafe_allow_html=True)


#: Characters the projector's comparison line holds in one row at 1920x1080 (measured: 2016
#: vs 2024 with "(21.9 % without engage on remote)", 206 characters, ended ~160 px short of the
#: map's right edge at the line's 20.8 px type, about 15 characters more; a few kept in hand).
PROJECTOR_WIDE_LINE_CHARS = 210


def _plain(markup: str) -> str:
    """The text of a line of HTML, as read (tags out, entities back)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _eor_note(note: str) -> str:
    """``", engage on remote assumed"`` for a state that has it by date and the other not.

    The comparison's short line (:attr:`Comparison.note_b`'s long words are the slide's): 2016
    vs 2024 read as Redzikowo's gain, most of which is engage on remote (session 38's trial).
    """
    return ", engage on remote assumed" if note else ""


def _adding_shares(a: float, b: float, gained: float, lost: float) -> tuple[str, str, str, str]:
    """A, B, gained and lost as the line shows them: so that A − lost + gained reads as B.

    As :func:`share_text` where its figures add up; else each to a tenth of a point (a new user
    read "A 14 % · B 92 % · gained 77 %" as a sum that did not add up: 14.3 + 77.5 = 91.8).
    """
    shares = (a, b, gained, lost)
    texts = [share_text(x) for x in shares]
    try:
        ta, tb, tg, tl = (float(t.removesuffix(" %")) for t in texts)
    except ValueError:  # "under 0.1 %", "over 99 %": not a figure to add
        ta = tb = tg = tl = 0.0
    if abs(ta - tl + tg - tb) >= 1e-9:
        texts = [f"{100.0 * x:.1f} %" for x in shares]
    return texts[0], texts[1], texts[2], texts[3]


def cooperation_why(
    text: str, *, projector: bool = False, theme: Theme = LIGHT, in_tabs: str = ""
) -> None:
    """Under the headline: why the cooperation scenario gains what it does, in one clause.

    The full reasoning is in the analysis tab ``in_tabs`` (named when given: not on a projector).
    """
    size = "clamp(0.95rem, 1.25vw, 1.2rem)" if projector else "0.92rem"
    # Two lines at most at 1024x768 (the map's height counts on it: layers.MAP_CUT_PX).
    more = f" More in the tab {html.escape(in_tabs)}." if in_tabs else ""
    st.markdown(
        f"<div class='epaa-cooperation-why' style='font-size:{size};line-height:1.3;"
        f"color:{theme.text};border-left:6px solid {theme.rule};padding:2px 0 2px 10px;"
        f"margin:0 0 4px 0'><b>Why (against NATO alone):</b> {html.escape(text)}.{more}</div>",
        unsafe_allow_html=True,
    )


#: Names a projector lists per line of gained or lost capitals (see :func:`comparison_capitals`).
_PROJECTOR_NAMES = 5


def comparison_capitals(cmp: Comparison, *, projector: bool = False, theme: Theme = LIGHT) -> None:
    """The capitals B gains and loses against A: in full, or on a projector the first few.

    A projector's side column holds about five names under the legend on a 1024x768 screen
    (the dashboard lists them all).
    """
    small = "clamp(0.85rem, 1.05vw, 1.05rem)" if projector else "0.85rem"
    # The map rings them in the same colour (layers._capital_change_rings); said off a
    # projector, whose column has no room for more words (the colours match there too).
    ringed = "" if projector else "; ringed on the map"
    rows = []
    marked = set(cmp.capitals_not_members)
    starred = False
    for kind, names in cmp.capitals_changed.items():
        colour = theme.compare_styles[kind].colour
        shown = names[:_PROJECTOR_NAMES] if projector else names
        listed = (
            ", ".join(html.escape(n) + ("*" if n in marked else "") for n in shown)
            if names
            else "none"
        )
        if len(shown) < len(names):
            listed += f" and {len(names) - len(shown)} more"
        starred |= bool(marked.intersection(shown))
        rows.append(
            f"<div class='epaa-capitals-{kind}' style='font-size:{small};margin:3px 0'>"
            f"<b style='color:{colour}'>Capitals {kind} in B ({len(names)}{ringed}):</b> "
            f"{listed}</div>"
        )
    if starred:
        rows.append(
            f"<div style='font-size:{small};color:{theme.muted}'>* NATO member in only one of the two "
            "years.</div>"
        )
    st.markdown("<div class='epaa-legend'>" + "".join(rows) + "</div>", unsafe_allow_html=True)


def inspector(
    item: Inspected | None,
    *,
    projector: bool = False,
    theme: Theme = LIGHT,
    compact: bool = False,
) -> None:
    """Details of the object clicked on the map, or how to get them.

    ``compact`` (the dashboard below 1920x1080): the hint takes one line of the narrow side
    column, not two, so that the capitals' key below the legend stays in the window.
    """
    small = "clamp(0.85rem, 1.05vw, 1.05rem)" if projector else "0.85rem"
    if item is None:
        if not projector:
            st.caption(
                "Click the map for details."
                if compact
                else "Click a site, capital or area on the map for its details."
            )
        return
    more = (
        f"<details style='margin-top:4px'><summary style='color:{theme.muted}'>Details and "
        f"sources</summary>{_fact_rows(item.more, theme)}</details>"
        if item.more
        else ""
    )
    st.markdown(
        f"<div class='epaa-inspector' style='font-size:{small};border:1px solid {theme.rule};"
        f"border-radius:4px;padding:6px 8px;margin-bottom:6px'>"
        f"<div style='color:{theme.muted}'>{html.escape(item.kind)}</div>"
        f"<div style='font-weight:700'>{html.escape(item.name)}</div>"
        f"{_fact_rows(item.facts, theme)}{more}</div>",
        unsafe_allow_html=True,
    )


def _fact_rows(facts: tuple[tuple[str, str], ...], theme: Theme) -> str:
    """``name: value`` a line; a name shared by several facts in a row heads them once."""
    rows = []
    for i, (k, v) in enumerate(facts):
        shared = sum(1 for name, _ in facts if name == k) > 1
        if shared and (i == 0 or facts[i - 1][0] != k):
            rows.append(f"<div style='color:{theme.muted}'>{html.escape(k)}:</div>")
        if shared:
            rows.append(f"<div style='padding-left:0.8em'>· {html.escape(v)}</div>")
        else:
            rows.append(
                f"<div><span style='color:{theme.muted}'>{html.escape(k)}:</span> "
                f"{html.escape(v)}</div>"
            )
    return "".join(rows)


def _capital_swatch(status: str, theme: Theme = LIGHT) -> str:
    colour = theme.status_colours[status]
    if status == "not defended":  # a ring, as on the map
        return (
            f"<span style='display:inline-block;width:12px;height:12px;border-radius:50%;"
            f"background:{theme.site_hollow};border:3px solid {colour};margin:0 8px 0 4px'></span>"
        )
    size = 14 if status == "defended" else 10
    return (
        f"<span style='display:inline-block;width:{size}px;height:{size}px;border-radius:50%;"
        f"background:{colour};border:1.5px solid {theme.page};outline:1px solid {theme.rule};"
        f"margin:0 {8 + (14 - size) // 2}px 0 {4 + (14 - size) // 2}px'></span>"
    )


def capitals_legend(
    line: Headline,
    *,
    projector: bool = False,
    theme: Theme = LIGHT,
    listed: bool = True,
    compared: bool = False,
    cities: pd.DataFrame | None = None,
) -> None:
    """Capital symbols by status (the map's colours) and, if ``listed``, the defended ones.

    ``compared``: the map compares two states; the dots show state A's status, and say so.
    ``cities``: the major cities drawn (smaller dots, same marks): one line says how many of
    them are defended.
    """
    font = "clamp(0.95rem, 1.25vw, 1.25rem)" if projector else "0.92rem"
    small = "clamp(0.85rem, 1.05vw, 1.05rem)" if projector else "0.8rem"
    caps = line.capitals
    rows = [
        f"<div class='epaa-legend-item' style='font-size:{font};margin:{_ITEM_MARGIN[projector]}' "
        f"title='{html.escape(CAPITAL_STYLE.description)}'><b>{CAPITAL_STYLE.title}"
        f"{' (A)' if compared else ''}</b></div>"
    ]
    for status in CAPITAL_STATUSES:
        n = int((caps.status == status).sum())
        if n == 0:  # a key lists what the map draws (as the slides' legend)
            continue
        # On a projector the short words, one line each ("not defended": in the threat's
        # reach, as the map's tooltips and the dashboard's key say in full).
        words = status if projector else STATUS_WORDS[status]
        rows.append(
            f"<div style='font-size:{small};margin:2px 0' title='{html.escape(STATUS_WORDS[status])}'>"
            f"{_capital_swatch(status, theme)}{html.escape(words)} ({n})</div>"
        )
    if listed:
        rows.append(
            f"<div class='epaa-capitals' style='font-size:{small};color:{theme.text};"
            f"margin-top:4px'><b>Defended capitals ({line.capitals_defended} of "
            f"{line.capitals_total}):</b> {html.escape(line.defended_list_text())}</div>"
        )
    if cities is not None and not cities.empty:
        # Last: the capitals' key stays whole beside the map on the smaller screens.
        n = int((cities.status == "defended").sum())
        rows.append(
            f"<div style='font-size:{small};margin:2px 0;color:{theme.muted}' "
            f"title='Cities of a million inhabitants or more (data/cities.csv), not capitals'>"
            f"Smaller dots: cities {MAJOR_CITY_WORDS} ({n} of {len(cities)} defended)</div>"
        )
    st.markdown(
        "<div class='epaa-legend epaa-capitals-key'>" + "".join(rows) + "</div>",
        unsafe_allow_html=True,
    )


def timeline(catalogue: Catalogue, year: int, *, theme: Theme = LIGHT) -> None:
    """Events of the selected year from data/events.csv."""
    ev = events_in(catalogue, year)
    if ev.empty:
        st.caption(f"No dated events in {year} in data/events.csv.")
        return
    items = "".join(
        f"<li><b>{html.escape(r.date)}</b> — {html.escape(r.title)} "
        f"<span style='color:{theme.muted}'>({html.escape(r.source)})</span></li>"
        for r in ev.itertuples()
    )
    st.markdown(
        f"<ul class='epaa-timeline' style='font-size:0.85rem;padding-left:1.1rem'>{items}</ul>",
        unsafe_allow_html=True,
    )


#: The footprint table's row (three lines of text) and header heights, px.
_TABLE_ROW_PX = 72
_TABLE_HEADER_PX = 40


def footprint_table(data: MapData) -> None:
    """Numbers behind the drawn footprints."""
    fp = data.footprints
    if fp.empty:
        st.info("No radar or interceptor is deployed in this year and scenario.")
        return
    table = pd.DataFrame(
        {
            "Site": fp.site_name,
            "Layer": fp.layer.map(lambda k: LAYER_STYLES[k].title if k in LAYER_STYLES else k),
            "System": fp.system_name,
            "Radius (km)": fp.range_km,
            "Limited by": fp.limit,
            "Phase": fp.phase,
            # The deployment's confidence (where and when) and the range's own (its parameter's,
            # data/parameters.csv): the one "Confidence" read High beside a Low-rated 700 km
            # (session 43's new-user trial).
            "Deployment confidence": fp.confidence,
            "Range confidence": fp.range_confidence,
            "Source": fp.source,
        }
    )
    # Rows of three lines, so that text wraps instead of being cut (the grid wraps only in rows
    # taller than 4rem); the site stays in view while the sources scroll (a new user found the
    # cells cut, session 36). Widths in px: the source widest, the short fields narrow.
    text = st.column_config.TextColumn
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=_TABLE_HEADER_PX + _TABLE_ROW_PX * min(len(table), 8),
        row_height=_TABLE_ROW_PX,
        key="footprint_table",
        column_config={
            "Site": text(width=190, pinned=True),
            "Layer": text(width=120),
            "System": text(width=120),
            # Whole kilometres, as the map's tooltips give them (the grid showed 507.9 beside 508).
            "Radius (km)": st.column_config.NumberColumn(format="%.0f", width=80),
            "Limited by": text(width=100),
            "Phase": text(width=60),
            "Deployment confidence": text(width=105),
            "Range confidence": text(width=95),
            "Source": text(width=560),
        },
    )
    st.caption(
        "Deployment confidence: where and when the system is; range confidence: the range's own "
        '(data/parameters.csv). "Fact sheet §3.2" in a source is that section of the project\'s '
        "fact sheet, docs/fact-sheet.md in the repository, whose §7 lists the public sources."
    )


def data_error(exc: DataError) -> None:
    """Show a data problem instead of a traceback."""
    st.error(
        "The data files could not be loaded. Nothing was changed; fix the file named below and reload."
    )
    st.code(str(exc), language=None)
