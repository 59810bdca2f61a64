"""Warm up the map's picking so that the first click on it counts.

deck.gl finds what is under the pointer ("picking") by drawing the pickable layers off screen;
the first time, it builds their picking shaders. In a browser without a GPU (software WebGL)
that blocks the page for 0.6-2.5 s, and deck.gl's click recogniser (in Streamlit's bundled
chart, not configurable from Python) takes a press longer than 250 ms for a long press: the
first click on a freshly loaded map was dropped whenever the pointer had not hovered the map
first (0 of 40 plain clicks in Chromium without a GPU; a person's pointer usually glides in
first, hence "2 of 4" in a user trial).

The script below hovers each new map canvas near its four corners (mostly open sea, so little
is highlighted), one point per frame, a second after it appears (unless the user's pointer is
on it already), then leaves it: deck.gl draws every pickable layer into its picking buffer
whatever the point, so the picking shaders are built before the first real press. The
tooltip is hidden meanwhile. It runs once per page (a guard on ``window``) and sends nothing
anywhere.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["PICK_WARMUP_JS", "warm_up_picking"]

#: Hovers each new map canvas 4 px inside its corners (synthetic ``mousemove``: deck.gl ignores
#: synthetic pointer events), one per animation frame, then sends ``mouseleave``; the page's
#: root element has the class ``epaa-pick-warming`` meanwhile (the tooltip is hidden).
PICK_WARMUP_JS = r"""
if (!window.__epaaPickWarm) {
  window.__epaaPickWarm = true;
  const selector = '[data-testid="stDeckGlJsonChart"] canvas';
  let seen = null;
  const sweep = (canvas) => {
    if (!canvas.isConnected || canvas.matches(':hover')) {
      window.__epaaPickWarmDone = performance.now();  // nothing to do: the user is on it
      return;
    }
    const r = canvas.getBoundingClientRect();
    const points = [];
    for (const x of [r.left + 4, r.right - 4]) for (const y of [r.top + 4, r.bottom - 4])
      points.push([x, y]);
    const root = document.documentElement;
    const done = () => {
      root.classList.remove('epaa-pick-warming');
      window.__epaaPickWarmDone = performance.now();
    };
    root.classList.add('epaa-pick-warming');
    let i = 0;
    const next = () => {
      if (canvas.matches(':hover')) return done();  // the user's pointer came in: theirs now
      if (i >= points.length) {
        canvas.dispatchEvent(new MouseEvent('mouseleave', {bubbles: true}));
        return done();
      }
      const [x, y] = points[i++];
      canvas.dispatchEvent(
        new MouseEvent('mousemove', {clientX: x, clientY: y, bubbles: true, buttons: 0}));
      requestAnimationFrame(() => setTimeout(next, 0));
    };
    next();
  };
  const poll = () => {
    const canvas = document.querySelector(selector);
    if (canvas && canvas !== seen && canvas.getBoundingClientRect().width > 0) {
      seen = canvas;
      setTimeout(() => sweep(canvas), 1000);
    }
    setTimeout(poll, 500);
  };
  poll();
}
"""


def warm_up_picking() -> None:
    """Add the warm-up script to the page (every rerun: the element stays, the script runs once)."""
    st.html(
        "<style>.epaa-pick-warming .deck-tooltip{visibility:hidden !important}</style>"
        f"<script>{PICK_WARMUP_JS}</script>",
        unsafe_allow_javascript=True,
    )
