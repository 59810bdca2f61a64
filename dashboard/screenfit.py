"""Frame the map for the browser's window: the "Screen size" setting chosen once, on opening.

The server frames the map (the zoom that shows every drawn layer) for a map size in pixels, and
cannot see the browser. The setting used to default to 1920x1080, so on a 1280x720 or 1024x768
window the framing cropped the layers and the labels near the map's edges until the user found
the setting. A small script (a Streamlit component without HTML) reads the window's width when
the page opens and, if another screen size fits it better, sends that choice back once; the
script then reruns with it, before the map is drawn if the first run has not got that far (a
widget change stops a running script and starts it again).

The choice is made once per session and only when the URL does not name a screen size (a
link with the user's own choice wins; a size the setting does not offer, ``screen=800x600``,
is measured like none, and the page's URL notice says which size it used). A size set this way
is marked in the link (``screen_auto=true``), so a shared or reloaded link is measured again in
the window that opens it; a size the user picks drops the mark. After that the setting is the user's:
nothing changes it when the window is resized. The script sends nothing anywhere but this page's
Streamlit server.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

__all__ = [
    "AUTO",
    "SCREEN_PROBE_JS",
    "ZOOM_STEPS",
    "chosen_by_user",
    "fit_screen",
    "large_screen_css",
    "narrower_notice",
]

#: ``(zoom, least window width, least window height)``, CSS pixels. A window at least this
#: large draws the page laid out for its size divided by the zoom (1920x960 or more) at that
#: zoom, the largest that fits: a 4K screen at 100 % scaling (3840x2160; at 200 % the browser
#: reports 1920x1080 itself) drew the page in its own layout, the map framed for 1,497 px in a
#: 3,000 px box (Europe a quarter of it, the basemap's edges in view) and the text a third of a
#: projector's legible size. CSS ``zoom`` scales the layout, the text and the map's box alike;
#: deck.gl reads the pointer through it (hover and click tested at 3840x2160). The map is drawn
#: at the layout's pixel count and shown larger, so a redraw costs what it costs at 1920x1080.
ZOOM_STEPS: tuple[tuple[float, int, int], ...] = (
    (1.25, 2400, 1200),
    (1.5, 2880, 1440),
    (2.0, 3840, 1920),
)


def large_screen_css(*, projector: bool) -> str:
    """The style of :data:`ZOOM_STEPS`: ``zoom`` on the page, viewport units made up for.

    ``zoom`` leaves viewport units unscaled, so the boxes sized by ``vh`` (Streamlit's main
    area; in projector mode the page, one viewport high) are divided by the zoom: at 2 the
    main area was twice the window's height and the dashboard's lower half out of reach.
    """
    rules = []
    for zoom, width, height in ZOOM_STEPS:
        vh = f"{100.0 / zoom:.4g}vh"
        inner = f"html{{zoom:{zoom:g}}}[data-testid='stMain']{{height:{vh} !important}}"
        if projector:
            inner += f".block-container{{height:max({vh}, 620px)}}"
        rules.append(f"@media (min-width:{width}px) and (min-height:{height}px){{{inner}}}")
    return "<style>\n" + "\n".join(rules) + "\n</style>"


#: Runs in the page: the widest choice whose width fits the window's inner width (CSS pixels),
#: else the narrowest; sent only if it is not the current one. (The nearest width would give
#: a 1700 px window the 1920x1080 framing, for a map ~170 px wider than it has.)
SCREEN_PROBE_JS = r"""
export default function(component) {
  const { data, setTriggerValue } = component;
  if (!data) return;
  // The width the page is laid out at: a large window scales the page up (ZOOM_STEPS).
  let zoom = 1;
  for (const [z, w, h] of data.zooms || [])
    if (window.innerWidth >= w && window.innerHeight >= h) zoom = z;
  const width = window.innerWidth / zoom;
  const sorted = [...data.choices].sort((a, b) => a[1] - b[1]);
  let best = sorted[0];
  for (const choice of sorted) if (choice[1] <= width) best = choice;
  if (!best) return;
  if (data.ask) {
    if (window.__epaaScreenProbed) return;
    window.__epaaScreenProbed = true;
    if (best[0] !== data.current) setTriggerValue('screen', best[0]);
    return;
  }
  // A size the link named is kept; say so once when this window is narrower than it.
  const current = data.choices.find((c) => c[0] === data.current);
  if (window.__epaaScreenWarned || !current || best[1] >= current[1]) return;
  window.__epaaScreenWarned = true;
  setTriggerValue('narrower', best[0]);
}
"""

#: Session flag: the window has been measured (or the URL named a screen size).
FITTED = "screen_fitted"
KEY = "screen_probe"
#: Session state: the size that fits the window, when a link named a wider one.
NARROWER = "screen_narrower"
#: URL marker of a screen size set from the window, not chosen: a link carrying it (shared,
#: or the page reloaded) is measured again in the window that opens it.
AUTO = "screen_auto"

_probe = st.components.v2.component("epaa_screen_probe", js=SCREEN_PROBE_JS)


def fit_screen(
    choices: Mapping[str, object],
    *,
    default: str,
    url_value: str | None,
    url_auto: bool,
    widget_key: str,
) -> None:
    """Mount the probe and apply its answer to the ``widget_key`` setting (before that widget).

    ``choices`` are keyed ``"<width>x<height>"``; ``default`` is the widget's own default;
    ``url_value`` the size the URL names (``None``: none) and ``url_auto`` whether the URL marks
    it as set from a window (:data:`AUTO`). Call before the setting's widget is drawn: a choice
    that arrives is written to its session state, which the widget then shows (and, bound to
    the URL, puts in the link).
    """
    if url_value in choices and not url_auto:
        st.session_state[FITTED] = True  # a size the link names (one it offers) is kept
    ask = not st.session_state.get(FITTED, False)
    # What the widget shows: its state once drawn, before that the URL's value or its default.
    current = str(
        st.session_state.get(widget_key) or (url_value if url_value in choices else None) or default
    )
    result = _probe(
        key=KEY,
        data={
            "ask": ask,
            "current": current,
            "choices": [[key, _width(key)] for key in choices],
            "zooms": [list(step) for step in ZOOM_STEPS],
        },
        on_screen_change=lambda: None,
        on_narrower_change=lambda: None,
    )
    narrower = getattr(result, "narrower", None)
    if narrower in choices:
        st.session_state[NARROWER] = narrower
    chosen = getattr(result, "screen", None)
    if chosen is not None:
        st.session_state[FITTED] = True
        if chosen in choices and chosen != current:
            st.session_state[widget_key] = chosen
            st.query_params[AUTO] = "true"


def _width(screen: str) -> int:
    """The width of a screen size key, ``"1280x720"`` -> 1280."""
    return int(screen.split("x")[0])


def narrower_notice(current: str | None) -> str | None:
    """What to tell a user whose link named a screen size wider than their window, or None.

    A link's size is kept (it is the sharer's choice), and the map framed for it may fall
    partly outside a smaller window: the Mediterranean, Türkiye and Tabriz below a 1280x720
    window for a 1920x1080 link (a review), with nothing said.
    """
    fits = st.session_state.get(NARROWER)
    if not fits or not current or fits == current:
        return None
    if _width(str(fits)) >= _width(current):
        return None
    return (
        f"This link frames the map for a {current} screen, wider than this window: part of the "
        f"map may fall outside it. Choose {fits} under Screen size in the sidebar."
    )


def chosen_by_user() -> None:
    """The setting's ``on_change``: a size the user picks is theirs, in the link too."""
    st.session_state[FITTED] = True
    if AUTO in st.query_params:
        del st.query_params[AUTO]
