"""Where the page's attention goes: the keyboard's focus, and a link's tab.

The year shortcuts (PageUp / PageDown) work as soon as projector mode is on.

Switching projector mode on from the sidebar leaves the keyboard's focus on the sidebar's
toggle, which projector mode hides; Streamlit ignores button shortcuts while focus is in a
form control, so a presenter's clicker did nothing until the page was clicked. A small script
(a Streamlit component without HTML, as :mod:`dashboard.screenfit`) moves the focus off a
control inside the hidden sidebar when projector mode is drawn; after "Exit projector" it
opens the sidebar that projector mode folded away. It sends nothing back.

A link that names a tab (``?tab=NATO-Russia early warning``) opened that tab, a screen and a
half below the map, and the page looked like the default one. Another small script scrolls
the tabs into view once, when the page opened with such a link.
"""

from __future__ import annotations

import streamlit as st

__all__ = [
    "KEY",
    "LEFT_KEY",
    "RELEASE_JS",
    "SCROLL_KEY",
    "TABS_JS",
    "left_projector",
    "release_sidebar_focus",
    "show_tabs",
]

#: Runs in the page: blur the focused element if it sits in the sidebar (hidden in projector
#: mode), so that the page's keyboard shortcuts apply again.
RELEASE_JS = r"""
export default function(component) {
  const { data } = component;
  if (!data) return;
  if (data.left && window.__epaaLeftProjector !== data.left) {
    // "Exit projector" was pressed (data.left counts the presses): open the sidebar that
    // projector mode folded away, once per press, as soon as its button is drawn.
    window.__epaaLeftProjector = data.left;
    let tries = 0;
    const open = () => {
      const button = document.querySelector('[data-testid="stExpandSidebarButton"]');
      if (button) { button.click(); return; }
      if (document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]')) return;
      if (++tries < 40) setTimeout(open, 100);
    };
    open();
  }
  if (!data.projector) return;
  const active = document.activeElement;
  if (active && active.closest && active.closest('[data-testid="stSidebar"]')) active.blur();
}
"""

#: The component's element key (hidden by the page's CSS).
KEY = "focus_release"

_release = st.components.v2.component("epaa_focus_release", js=RELEASE_JS)


#: Session key counting the presses of "Exit projector" (:func:`left_projector`).
LEFT_KEY = "projector_left"


def left_projector() -> None:
    """Count a press of "Exit projector": the next run's script opens the sidebar again.

    Projector mode opens with the sidebar folded away (a new user who left it found the
    dashboard without its controls, only the » in the corner to bring them back).
    """
    st.session_state[LEFT_KEY] = st.session_state.get(LEFT_KEY, 0) + 1


def release_sidebar_focus(*, projector: bool) -> None:
    """Mount the script: the focus out of the hidden sidebar, the sidebar open after an exit.

    In projector mode it moves the focus out of the hidden sidebar; after "Exit projector"
    (:func:`left_projector`) it opens the sidebar.
    """
    left = 0 if projector else int(st.session_state.get(LEFT_KEY, 0))
    _release(key=KEY, data={"projector": projector, "left": left})


#: Runs in the page: once, bring the analyst tabs into view. They are drawn after the map, so
#: the script waits for them (up to 20 s), and the page may still be laid out or rerun after
#: they first appear (a fresh-clone CI run saw the tabs scrolled to, then out of view again):
#: for 10 s after they appear it brings them back whenever their top leaves the window's upper
#: half, unless the reader has scrolled or pressed a key meanwhile (the page is then theirs).
TABS_JS = r"""
export default function(component) {
  const { data } = component;
  if (!data || !data.show || window.__epaaTabsShown) return;
  window.__epaaTabsShown = true;
  let tries = 0, since = null, reader = false;
  const mine = () => { reader = true; };
  for (const kind of ['wheel', 'touchstart', 'keydown', 'mousedown']) {
    window.addEventListener(kind, mine, { once: true, passive: true, capture: true });
  }
  const look = () => {
    if (reader) return;
    const tabs = document.querySelector('[data-testid="stTabs"]');
    if (tabs) {
      if (since === null) since = Date.now();
      const top = tabs.getBoundingClientRect().top;
      if (top < -1 || top >= window.innerHeight / 2) tabs.scrollIntoView({ block: 'start' });
      if (Date.now() - since < 10000) setTimeout(look, 250);
      return;
    }
    if (++tries < 80) setTimeout(look, 250);
  };
  look();
}
"""

#: The tab script's element key (hidden by the page's CSS).
SCROLL_KEY = "tabs_shown"

_show_tabs = st.components.v2.component("epaa_show_tabs", js=TABS_JS)


def show_tabs(*, opened_with_tab: bool) -> None:
    """Mount the script; on the page's first run from a link naming a tab, it scrolls to the tabs."""
    first = not st.session_state.get(SCROLL_KEY + "_done", False)
    st.session_state[SCROLL_KEY + "_done"] = True
    _show_tabs(key=SCROLL_KEY, data={"show": bool(opened_with_tab and first)})
