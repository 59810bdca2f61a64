"""Polygon outlines as straight segments for deck.gl's ``LineLayer``, dashed on the server.

Why not the outlines deck.gl draws itself (``GeoJsonLayer``'s ``stroked``, a ``PathLayer``)?
In a browser without a GPU, WebGL is drawn by software (SwiftShader), and the first frame of a
map waits while it compiles a pipeline for every distinct shader program: about 0.5-1.5 s each
on this machine (``ProgramExecutableVk::warmUpGraphicsPipelineCache`` in Chromium's trace). The
default map used eight programs: filled polygons, paths, dashed paths (``PathStyleExtension``),
filtered polygons (``DataFilterExtension``), lines, points, text and the labels' boxes. The
basemap already draws its borders as a ``LineLayer``; drawing every outline with that same
program, dashes included, removes two of them. Segments also draw about three times faster than
paths there (see the borders in :mod:`coverage.render.layers`).

A segment has flat (butt) ends and no joints. The rings are display-simplified (0.05°, a fraction of
a pixel at the opening zoom), so consecutive segments turn by small angles and the notches at
the joints are under a pixel; a sharp corner (a sector's apex) shows a notch of at most half the
line width.

Dashes are cut where ``PathStyleExtension`` would put them: lengths in screen pixels (``dash``
and ``gap`` in line widths, as its ``getDashArray``), measured along the line as drawn in Web
Mercator at the map's opening zoom. They keep their ground length when the map is zoomed (the
extension's keep their pixel length).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from coverage.render.kept import KeptBy

__all__ = ["MAX_LAT_DEG", "WORLD_PX_AT_ZOOM_0", "dash_pieces", "outline_segments", "rings_of"]

#: deck.gl's Web Mercator: the world is 512 px wide at zoom 0, and latitudes are clamped to
#: ±85.051129° (where the square world ends). :func:`coverage.render.layers.world_px` uses both.
WORLD_PX_AT_ZOOM_0 = 512.0
MAX_LAT_DEG = 85.051129


def rings_of(geometry: Mapping[str, Any]) -> Iterator[Sequence[Sequence[float]]]:
    """The coordinate rings (or lines) of a GeoJSON geometry, holes included."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or ()
    if kind == "Polygon":
        yield from coords
    elif kind == "MultiPolygon":
        for polygon in coords:
            yield from polygon
    elif kind == "LineString":
        yield coords
    elif kind == "MultiLineString":
        yield from coords
    elif kind == "GeometryCollection":
        for part in geometry.get("geometries") or ():
            yield from rings_of(part)


def _to_px(lonlat: np.ndarray, zoom: float) -> np.ndarray:
    size = WORLD_PX_AT_ZOOM_0 * 2.0**zoom
    lat = np.radians(np.clip(lonlat[:, 1], -MAX_LAT_DEG, MAX_LAT_DEG))
    x = (lonlat[:, 0] + 180.0) / 360.0 * size
    y = (1.0 - np.log(np.tan(np.pi / 4 + lat / 2)) / np.pi) / 2.0 * size
    return np.column_stack([x, y])


def _to_lonlat(px: np.ndarray, zoom: float) -> np.ndarray:
    size = WORLD_PX_AT_ZOOM_0 * 2.0**zoom
    lon = px[:, 0] / size * 360.0 - 180.0
    lat = np.degrees(2.0 * np.arctan(np.exp(np.pi * (1.0 - 2.0 * px[:, 1] / size))) - np.pi / 2)
    return np.column_stack([lon, lat])


def dash_pieces(
    line: np.ndarray, *, dash_px: float, gap_px: float, zoom: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The drawn pieces of a dashed ``line`` (``(n, 2)`` lon/lat) as ``(start, end)`` pairs.

    The pattern starts with a dash at the line's first point; a dash is ``dash_px`` long and is
    followed by a ``gap_px`` gap, both measured along the line in screen pixels at ``zoom``.
    A dash that runs over a vertex is split there (both parts drawn). Points are lon/lat in
    degrees; pieces are interpolated along the straight Web Mercator segments deck.gl draws.
    """
    if dash_px <= 0 or gap_px < 0 or not math.isfinite(dash_px + gap_px):
        raise ValueError(f"dash_px={dash_px}, gap_px={gap_px}: a dash > 0 and a gap >= 0")
    pts = np.asarray(line, dtype=float)
    if len(pts) < 2:
        return []
    px = _to_px(pts, zoom)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
    total = float(cum[-1])
    if total <= 0:
        return []
    period = dash_px + gap_px
    starts = np.arange(0.0, total, period)
    cuts = np.concatenate([cum, starts, starts + dash_px])
    pos = np.unique(cuts[(cuts >= 0.0) & (cuts <= total)])
    mid = (pos[:-1] + pos[1:]) / 2.0
    keep = np.flatnonzero((np.mod(mid, period) < dash_px) & (np.diff(pos) > 1e-9))
    if len(keep) == 0:
        return []
    where = np.column_stack([np.interp(pos, cum, px[:, 0]), np.interp(pos, cum, px[:, 1])])
    ends = _to_lonlat(where, zoom)
    return [(ends[i], ends[i + 1]) for i in keep]


def _segments(
    collection: Mapping[str, Any], dash: tuple[float, float] | None, zoom: float, decimals: int
) -> list[dict[str, list[float]]]:
    out: list[dict[str, list[float]]] = []
    for feature in collection.get("features") or ():
        geometry = feature.get("geometry") or {}
        for ring in rings_of(geometry):
            pts = np.asarray(ring, dtype=float)
            if pts.ndim != 2 or pts.shape[1] < 2:
                continue
            pts = pts[np.isfinite(pts[:, :2]).all(axis=1), :2]  # no NaN reaches the JSON
            if len(pts) < 2:
                continue
            if dash is None:
                starts, ends = pts[:-1], pts[1:]
            else:
                pieces = dash_pieces(pts, dash_px=dash[0], gap_px=dash[1], zoom=zoom)
                if not pieces:
                    continue
                starts = np.array([a for a, _ in pieces])
                ends = np.array([b for _, b in pieces])
            # Rounded as numpy rounds (the collections' coordinates are rounded so already).
            starts, ends = np.round(starts, decimals), np.round(ends, decimals)
            moves = np.any(starts != ends, axis=1)
            out.extend(
                {"s": a, "t": b}
                for a, b in zip(starts[moves].tolist(), ends[moves].tolist(), strict=True)
            )
    return out


#: Segments by collection (identity), dash and zoom: a shared collection (the footprints of a
#: year, kept by :func:`coverage.render.layers._shared_collection`) is cut once.
_KEPT = KeptBy(96)


def outline_segments(
    collection: Mapping[str, Any],
    *,
    dash: tuple[float, float] | None = None,
    zoom: float = 4.0,
    decimals: int = 4,
    keep: bool = True,
) -> list[dict[str, list[float]]]:
    """Every ring of a GeoJSON FeatureCollection as ``{"s": [lon, lat], "t": [lon, lat]}`` records.

    With ``dash`` (``(dash_px, gap_px)``), only the dashes (:func:`dash_pieces` at ``zoom``).
    Coordinates are rounded to ``decimals``; segments that round to a point and points that
    are not finite are left out. With ``keep`` (for a collection that maps share), the result
    is kept per collection object (held alive while kept) and must not be changed.
    """
    if not keep:
        return _segments(collection, dash, zoom, decimals)
    key = (dash, None if dash is None else round(zoom, 6), decimals)
    return _KEPT.get(collection, key, lambda: _segments(collection, dash, zoom, decimals))
