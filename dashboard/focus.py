"""The year shortcuts (PageUp / PageDown) work as soon as projector mode is on.

Switching projector mode on from the sidebar leaves the keyboard's focus on the sidebar's
toggle, which projector mode hides; Streamlit ignores button shortcuts while focus is in a
form control, so a presenter's clicker did nothing until the page was clicked. A small script
(a Streamlit component without HTML, as :mod:`dashboard.screenfit`) moves the focus off a
control inside the hidden sidebar when projector mode is drawn. It sends nothing back.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["KEY", "RELEASE_JS", "release_sidebar_focus"]

#: Runs in the page: blur the focused element if it sits in the sidebar (hidden in projector
#: mode), so that the page's keyboard shortcuts apply again.
RELEASE_JS = r"""
export default function(component) {
  const { data } = component;
  if (!data || !data.projector) return;
  const active = document.activeElement;
  if (active && active.closest && active.closest('[data-testid="stSidebar"]')) active.blur();
}
"""

#: The component's element key (hidden by the page's CSS).
KEY = "focus_release"

_release = st.components.v2.component("epaa_focus_release", js=RELEASE_JS)


def release_sidebar_focus(*, projector: bool) -> None:
    """Mount the script; in projector mode it moves the focus out of the hidden sidebar."""
    _release(key=KEY, data={"projector": projector})
