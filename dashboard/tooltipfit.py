"""Keep the map's tooltip inside the map.

deck.gl puts its tooltip at the pointer and never moves it back into view, and the map's box
clips it: near the right or bottom edge of the map, half a tooltip was cut off (the layers'
tooltip style already centres it below the pointer and caps its width, which halved the cut).
The script below watches each tooltip element that deck.gl creates and, whenever deck.gl moves
or fills it, shifts it (the CSS ``translate`` property, which deck.gl's own ``transform``
leaves alone) so that it lies inside the map: centred below the pointer where it fits, pushed
in from a side edge, and above the pointer near the bottom. It runs once per page (a guard on
``window``) and sends nothing anywhere.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["TOOLTIP_FIT_JS", "fit_tooltips"]

#: Margin kept between the tooltip and the map's edge, and the gap from the pointer, px.
EDGE_PX = 4
GAP_PX = 18

TOOLTIP_FIT_JS = r"""
if (!window.__epaaTooltipFit) {
  window.__epaaTooltipFit = true;
  const EDGE = __EDGE__, GAP = __GAP__;
  const fit = (tip) => {
    if (tip.style.display === 'none') return;
    const chart = tip.closest('[data-testid="stDeckGlJsonChart"]');
    const origin = tip.offsetParent;
    const m = /translate\(\s*(-?[\d.]+)px,\s*(-?[\d.]+)px/.exec(tip.style.transform || '');
    if (!chart || !origin || !m) return;
    const box = chart.getBoundingClientRect();
    const o = origin.getBoundingClientRect();
    // On a large screen the page is zoomed (screenfit.ZOOM_STEPS): the boxes are in the
    // window's pixels, deck.gl's transform and the tooltip's size in the page's, z of them each.
    const z = chart.offsetWidth ? box.width / chart.offsetWidth : 1;
    // The pointer, in the window's coordinates (deck.gl's transform is relative to the origin).
    const px = o.left + z * parseFloat(m[1]), py = o.top + z * parseFloat(m[2]);
    const w = z * tip.offsetWidth, h = z * tip.offsetHeight;
    let left = Math.min(Math.max(px - w / 2, box.left + EDGE), box.right - EDGE - w);
    left = Math.max(left, box.left + EDGE);  // wider than the map: start at its left edge
    let top = py + GAP;
    if (top + h > box.bottom - EDGE) top = Math.max(box.top + EDGE, py - GAP - h);
    const value = `${Math.round((left - px) / z)}px ${Math.round((top - py) / z)}px`;
    // The browser rewrites what it is given ("10px 0px" reads back as "10px"), so the value
    // set last is kept with its read-back: unchanged only if both still match (deck.gl's own
    // updates put its style back, and this sets it again).
    const last = set.get(tip);
    if (last && last[0] === value && last[1] === tip.style.translate) return;
    tip.style.translate = value;
    set.set(tip, [value, tip.style.translate]);
  };
  const set = new WeakMap();
  const watched = new WeakSet();
  const poll = () => {
    for (const tip of document.querySelectorAll(
        '[data-testid="stDeckGlJsonChart"] .deck-tooltip')) {
      if (watched.has(tip)) continue;
      watched.add(tip);
      // deck.gl sets the style on every hover; the new translate is set in the same task,
      // before the browser paints.
      new MutationObserver(() => fit(tip)).observe(tip, {
        attributes: true, attributeFilter: ['style'], childList: true, characterData: true,
        subtree: true});
      fit(tip);
    }
    setTimeout(poll, 500);
  };
  poll();
}
""".replace("__EDGE__", str(EDGE_PX)).replace("__GAP__", str(GAP_PX))


def fit_tooltips() -> None:
    """Add the script to the page (every rerun: the element stays, the script runs once)."""
    st.html(f"<script>{TOOLTIP_FIT_JS}</script>", unsafe_allow_javascript=True)
