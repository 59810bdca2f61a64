"""Panels beside the map: phase banner, legend, timeline, footprint table and caveats."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from coverage.catalogue.tables import Catalogue, DataError
from coverage.products.mapdata import MapData
from coverage.scenario import events_in
from coverage.style import CAVEAT, LAYER_ORDER, LAYER_STYLES

__all__ = ["banner", "caveat", "data_error", "footprint_table", "legend", "timeline"]

_CSS_DASH = {"solid": "solid", "dashed": "dashed", "dotted": "dotted", "dashdot": "dashed"}


def banner(data: MapData, *, projector: bool = False) -> None:
    """Title, phase banner and assumptions line."""
    size = "2.4rem" if projector else "1.6rem"
    st.markdown(
        f"<div class='epaa-banner'><div style='font-size:{size};font-weight:700;line-height:1.2'>"
        f"{html.escape(data.title)}</div>"
        f"<div style='font-size:{'1.6rem' if projector else '1.15rem'};font-weight:600;color:#0072B2'>"
        f"{html.escape(data.subtitle)}</div>"
        f"<div style='font-size:{'1.1rem' if projector else '0.9rem'};color:#333'>{html.escape(data.phase.detail)}</div>"
        "</div>",
        unsafe_allow_html=True,
    )


def caveat(data: MapData, *, projector: bool = False) -> None:
    """The caveat banner and the assumptions behind the drawn layers."""
    size = "1.05rem" if projector else "0.85rem"
    st.markdown(
        f"<div class='epaa-caveat' style='background:#1b1b1b;color:#fff;padding:4px 10px;font-size:{size};"
        f"border-radius:3px'>{html.escape(CAVEAT)}</div>"
        f"<div style='font-size:{size};color:#333;margin-top:4px'>Assumptions: {html.escape(data.assumptions)}</div>",
        unsafe_allow_html=True,
    )


def legend(data: MapData, *, projector: bool = False) -> None:
    """Legend of the drawn layers, with the map's exact colours."""
    rows = []
    font = "1.25rem" if projector else "0.92rem"
    for key in reversed(LAYER_ORDER):
        if key not in data.state.layers:
            continue
        s = LAYER_STYLES[key]
        if key in ("sites", "launch"):
            swatch = (
                f"<span style='display:inline-block;width:14px;height:14px;border-radius:50%;"
                f"background:{s.colour};border:2px solid #000;margin:0 9px 0 4px'></span>"
            )
        elif key == "tracks":
            swatch = f"<span style='display:inline-block;width:22px;border-top:3px dashed {s.colour};margin:0 4px 4px 0'></span>"
        else:
            alpha = max(s.fill_alpha, 0.0)
            fill = s.colour + format(round(alpha * 255), "02x")
            border = (
                f"{max(2, round(s.line_width_px))}px {_CSS_DASH[s.line_style]} {s.colour}"
                if s.line_width_px
                else "1px solid #999"
            )
            swatch = (
                f"<span style='display:inline-block;width:22px;height:16px;background:{fill};"
                f"border:{border};margin-right:4px;vertical-align:middle'></span>"
            )
        rows.append(
            f"<div class='epaa-legend-item' style='font-size:{font};margin:4px 0' title='{html.escape(s.description)}'>"
            f"{swatch}<b>{html.escape(s.title)}</b>"
            + (
                ""
                if projector
                else f"<br/><span style='font-size:0.78rem;color:#444'>{html.escape(s.description)}</span>"
            )
            + "</div>"
        )
    if "tracks" in data.state.layers:
        rows.append(
            f"<div style='font-size:{'1rem' if projector else '0.78rem'};color:#444'>Tracks: "
            "<span style='color:#009E73;font-weight:700'>green</span> defended, "
            "<span style='color:#D55E00;font-weight:700'>vermillion</span> not defended, "
            "<span style='color:#777;font-weight:700'>grey</span> out of the threat's reach.</div>"
        )
    if "sites" in data.state.layers:
        rows.append(
            f"<div style='font-size:{'1rem' if projector else '0.78rem'};color:#444'>"
            "Filled dot: in place; hollow dot: planned, not yet built; pink: custom what-if site.</div>"
        )
    st.markdown("<div class='epaa-legend'>" + "".join(rows) + "</div>", unsafe_allow_html=True)


def timeline(catalogue: Catalogue, year: int) -> None:
    """Events of the selected year from data/events.csv."""
    ev = events_in(catalogue, year)
    if ev.empty:
        st.caption(f"No dated events in {year} in data/events.csv.")
        return
    items = "".join(
        f"<li><b>{html.escape(r.date)}</b> — {html.escape(r.title)} "
        f"<span style='color:#666'>({html.escape(r.source)})</span></li>"
        for r in ev.itertuples()
    )
    st.markdown(
        f"<ul class='epaa-timeline' style='font-size:0.85rem;padding-left:1.1rem'>{items}</ul>",
        unsafe_allow_html=True,
    )


def footprint_table(data: MapData) -> None:
    """Numbers behind the drawn footprints."""
    fp = data.footprints
    if fp.empty:
        st.info("No radar or interceptor is deployed in this year and scenario.")
        return
    table = pd.DataFrame(
        {
            "Site": fp.site_name,
            "Layer": fp.layer,
            "System": fp.system_name,
            "Radius (km)": fp.range_km,
            "Limited by": fp.limit,
            "Phase": fp.phase,
            "Confidence": fp.confidence,
            "Source": fp.source,
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="footprint_table")


def data_error(exc: DataError) -> None:
    """Show a data problem instead of a traceback."""
    st.error(
        "The data files could not be loaded. Nothing was changed; fix the file named below and reload."
    )
    st.code(str(exc), language=None)
