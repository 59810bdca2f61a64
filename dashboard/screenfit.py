"""Frame the map for the browser's window: the "Screen size" setting chosen once, on opening.

The server frames the map (the zoom that shows every drawn layer) for a map size in pixels, and
cannot see the browser. The setting used to default to 1920x1080, so on a 1280x720 or 1024x768
window the framing cropped the layers and the labels near the map's edges until the user found
the setting. A small script (a Streamlit component without HTML) reads the window's width when
the page opens and, if another screen size fits it better, sends that choice back once; the
script then reruns with it, before the map is drawn if the first run has not got that far (a
widget change stops a running script and starts it again).

The choice is made once per session and only when the URL does not name a screen size (a
shared link or the user's own choice wins). After that the setting is the user's: nothing
changes it when the window is resized. The script sends nothing anywhere but this page's
Streamlit server.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

__all__ = ["SCREEN_PROBE_JS", "fit_screen"]

#: Runs in the page: the choice whose width is nearest the window's inner width (CSS pixels;
#: ties go to the first), sent only if it is not the current one.
SCREEN_PROBE_JS = r"""
export default function(component) {
  const { data, setTriggerValue } = component;
  if (!data || !data.ask || window.__epaaScreenProbed) return;
  window.__epaaScreenProbed = true;
  const width = window.innerWidth;
  let best = null;
  for (const [key, w] of data.choices) {
    if (best === null || Math.abs(width - w) < Math.abs(width - best[1])) best = [key, w];
  }
  if (best && best[0] !== data.current) setTriggerValue('screen', best[0]);
}
"""

#: Session flag: the window has been measured (or the URL named a screen size).
FITTED = "screen_fitted"
KEY = "screen_probe"

_probe = st.components.v2.component("epaa_screen_probe", js=SCREEN_PROBE_JS)


def fit_screen(
    choices: Mapping[str, object], *, default: str, url_names_screen: bool, widget_key: str
) -> None:
    """Mount the probe and apply its answer to the ``widget_key`` setting (before that widget).

    ``choices`` are keyed ``"<width>x<height>"``; ``default`` is the widget's own default. Call
    before the setting's widget is drawn: a choice that arrives is written to its session state,
    which the widget then shows (and, bound to the URL, puts in the link).
    """
    if url_names_screen:
        st.session_state[FITTED] = True
    ask = not st.session_state.get(FITTED, False)
    current = str(st.session_state.get(widget_key) or default)
    result = _probe(
        key=KEY,
        data={
            "ask": ask,
            "current": current,
            "choices": [[key, int(key.split("x")[0])] for key in choices],
        },
        on_screen_change=lambda: None,
    )
    chosen = getattr(result, "screen", None)
    if chosen is not None:
        st.session_state[FITTED] = True
        if chosen in choices and chosen != current:
            st.session_state[widget_key] = chosen
