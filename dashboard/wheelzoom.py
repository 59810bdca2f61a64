"""The mouse wheel over the map scrolls the page; with Ctrl (or ⌘) held it zooms the map.

deck.gl's controller zooms on every wheel event over the map and stops the page from
scrolling, so a reader scrolling down the dashboard got stuck zooming the map as soon as the
pointer passed over it (the map is most of the first screen), and deck.gl has no option to
zoom only with a modifier key. The script below listens to wheel events on the page in the
capture phase, before deck.gl sees them: over a map and without Ctrl or ⌘, it keeps the event
from deck.gl (without cancelling it, so the page scrolls as anywhere else) and shows a short
hint at the top of the map; with Ctrl or ⌘ it lets deck.gl zoom (deck.gl then cancels the event, so
the browser's own page zoom does not happen). A trackpad's pinch arrives as a wheel event with
Ctrl set, so pinching still zooms the map. Dragging, the keyboard, double-click and "Fit map to
layers" move the camera as before. It runs once per page (a guard on ``window``) and sends
nothing anywhere.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["HINT_CLASS", "HINT_MS", "WHEEL_ZOOM_JS", "guard_wheel_zoom"]

#: How long the hint stays over the map after the last plain wheel event, ms.
HINT_MS = 1500
#: The hint element's class (one per page, moved over the map the wheel was over).
HINT_CLASS = "epaa-wheel-hint"

WHEEL_ZOOM_JS = r"""
if (!window.__epaaWheelZoom) {
  window.__epaaWheelZoom = true;
  const MAP = '[data-testid="stDeckGlJsonChart"]';
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent || '');
  let hint = null, timer = null;
  const show = (chart) => {
    if (!hint) {
      hint = document.createElement('div');
      hint.className = '__HINT__';
      hint.setAttribute('role', 'status');
      hint.textContent = (mac ? 'Hold \u2318' : 'Hold Ctrl') + ' and scroll to zoom the map';
      Object.assign(hint.style, {
        position: 'fixed', zIndex: 1000, pointerEvents: 'none', padding: '0.5em 0.9em',
        borderRadius: '6px', background: 'rgba(27,27,27,0.82)', color: '#fff',
        font: '600 15px/1.3 "Source Sans Pro", sans-serif', transform: 'translate(-50%, -50%)',
        transition: 'opacity 0.25s', opacity: '0'});
      document.body.appendChild(hint);
    }
    const box = chart.getBoundingClientRect();
    // The hint's position is in the page's pixels, z of the window's on a zoomed large screen
    // (screenfit.ZOOM_STEPS); the map's box is in the window's.
    const z = chart.offsetWidth ? box.width / chart.offsetWidth : 1;
    hint.style.left = `${(box.left + box.width / 2) / z}px`;
    // Near the top of the map's visible part: the map's tooltip opens below the pointer.
    hint.style.top = `${Math.min(Math.max(box.top, 0) + 48 * z, box.bottom - 24 * z) / z}px`;
    hint.style.opacity = '1';
    clearTimeout(timer);
    timer = setTimeout(() => { hint.style.opacity = '0'; }, __HINT_MS__);
  };
  window.addEventListener('wheel', (event) => {
    if (event.ctrlKey || event.metaKey) return;  // deck.gl zooms the map
    const chart = event.target && event.target.closest && event.target.closest(MAP);
    if (!chart) return;
    event.stopPropagation();  // deck.gl never sees it; the page scrolls
    show(chart);
  }, { capture: true, passive: true });
}
""".replace("__HINT__", HINT_CLASS).replace("__HINT_MS__", str(HINT_MS))


def guard_wheel_zoom() -> None:
    """Add the script to the page (every rerun: the element stays, the script runs once)."""
    st.html(f"<script>{WHEEL_ZOOM_JS}</script>", unsafe_allow_javascript=True)
