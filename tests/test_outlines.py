"""Outlines as LineLayer segments, dashed on the server (coverage/render/outlines.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coverage.render.outlines import _to_lonlat, _to_px, dash_pieces, outline_segments, rings_of


def _px_length(a: np.ndarray, b: np.ndarray, zoom: float) -> float:
    p = _to_px(np.asarray([a, b], dtype=float), zoom)
    return float(np.hypot(*(p[1] - p[0])))


def _runs(pieces: list[tuple[np.ndarray, np.ndarray]], zoom: float) -> list[float]:
    """Lengths (px) of the drawn dashes: touching pieces (split at a vertex) joined."""
    runs: list[float] = []
    last_end: np.ndarray | None = None
    for a, b in pieces:
        length = _px_length(a, b, zoom)
        if last_end is not None and np.allclose(a, last_end, atol=1e-9):
            runs[-1] += length
        else:
            runs.append(length)
        last_end = b
    return runs


def test_mercator__round_trip_and_known_answers() -> None:
    # deck.gl's world is 512 px wide at zoom 0: lon 0 is its middle, the equator its half height.
    assert _to_px(np.asarray([[0.0, 0.0]]), 0.0)[0] == pytest.approx([256.0, 256.0])
    assert _to_px(np.asarray([[180.0, 0.0]]), 1.0)[0][0] == pytest.approx(1024.0)
    pts = np.asarray([[-25.0, 30.0], [16.6, 48.5], [49.9, 71.9]])
    for zoom in (0.0, 2.84, 7.5):
        assert _to_lonlat(_to_px(pts, zoom), zoom) == pytest.approx(pts, abs=1e-9)


def test_dash_pieces__along_the_equator_known_answer() -> None:
    # 0..10° of longitude at zoom 3: 10 / 360 * 4096 = 113.78 px; 10 px dashes, 5 px gaps.
    zoom = 3.0
    total = 10.0 / 360.0 * 512.0 * 2**zoom
    pieces = dash_pieces(np.asarray([[0.0, 0.0], [10.0, 0.0]]), dash_px=10.0, gap_px=5.0, zoom=zoom)
    starts = [_px_length(np.asarray([0.0, 0.0]), a, zoom) for a, _ in pieces]
    lengths = [_px_length(a, b, zoom) for a, b in pieces]
    n_full = math.floor(total / 15.0)  # 7 whole periods, then 8.78 px: part of an 8th dash
    assert len(pieces) == n_full + 1
    assert starts == pytest.approx([15.0 * k for k in range(n_full + 1)], abs=1e-6)
    assert lengths[:-1] == pytest.approx([10.0] * n_full, abs=1e-6)
    assert lengths[-1] == pytest.approx(total - 15.0 * n_full, abs=1e-6)
    assert all(abs(a[1]) < 1e-12 and abs(b[1]) < 1e-12 for a, b in pieces)  # on the line


def test_dash_pieces__a_dash_over_a_vertex_is_split_there_and_keeps_its_length() -> None:
    zoom = 4.0
    # An L: 3° east then 3° north near 50°N; the dashes run on around the corner. The first leg
    # is 3 / 360 * 8192 = 68.27 px: 3 periods of 22 px, then 2.27 px into the 4th dash.
    line = np.asarray([[10.0, 50.0], [13.0, 50.0], [13.0, 53.0]])
    pieces = dash_pieces(line, dash_px=16.0, gap_px=6.0, zoom=zoom)
    corner = line[1]
    assert any(np.allclose(b, corner) for _, b in pieces)  # a piece ends on the vertex...
    assert any(np.allclose(a, corner) for a, _ in pieces)  # ...and the next one starts there
    runs = _runs(pieces, zoom)
    assert runs[:-1] == pytest.approx([16.0] * (len(runs) - 1), abs=1e-6)
    drawn = sum(runs)
    total = _px_length(line[0], line[1], zoom) + _px_length(line[1], line[2], zoom)
    assert drawn == pytest.approx(total * 16.0 / 22.0, abs=16.0)  # up to one dash off


def test_dash_pieces__refuses_a_pattern_that_draws_nothing() -> None:
    line = np.asarray([[0.0, 0.0], [1.0, 0.0]])
    for dash, gap in ((0.0, 2.0), (-1.0, 2.0), (2.0, -1.0), (math.nan, 1.0)):
        with pytest.raises(ValueError, match="dash"):
            dash_pieces(line, dash_px=dash, gap_px=gap, zoom=3.0)
    assert dash_pieces(line[:1], dash_px=2.0, gap_px=1.0, zoom=3.0) == []
    assert dash_pieces(line, dash_px=2.0, gap_px=0.0, zoom=3.0)  # no gap: one solid run


def test_outline_segments__every_ring_and_hole_as_segments() -> None:
    square = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]]
    hole = [[0.5, 0.5], [1.0, 0.5], [1.0, 1.0], [0.5, 0.5]]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square, hole]}},
            {
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": [[square], [hole]]},
            },
            {"type": "Feature", "geometry": None},
        ],
    }
    segments = outline_segments(collection)
    assert len(segments) == 2 * (4 + 3)
    assert segments[0] == {"s": [0.0, 0.0], "t": [2.0, 0.0]}
    # Consecutive segments of a ring meet: what is drawn is the closed outline.
    for a, b in zip(segments[:3], segments[1:4], strict=True):
        assert a["t"] == b["s"]
    assert outline_segments(collection) is segments  # kept for the same collection
    dashed = outline_segments(collection, dash=(6.0, 4.0), zoom=6.0)
    assert dashed is not segments and len(dashed) > len(segments)


def test_rings_of__every_geojson_shape() -> None:
    line = [[0.0, 0.0], [1.0, 1.0]]
    assert list(rings_of({"type": "LineString", "coordinates": line})) == [line]
    assert list(rings_of({"type": "MultiLineString", "coordinates": [line, line]})) == [line, line]
    nested = {
        "type": "GeometryCollection",
        "geometries": [{"type": "LineString", "coordinates": line}, {"type": "Point"}],
    }
    assert list(rings_of(nested)) == [line]
    assert list(rings_of({"type": "Point", "coordinates": [0.0, 0.0]})) == []


def test_outline_segments__non_finite_points_are_left_out_and_unshared_ones_not_kept() -> None:
    ring = [[0.0, 0.0], [1.0, math.nan], [2.0, 0.0], [2.0, 2.0], [0.0, 0.0]]
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}],
    }
    for dash in (None, (6.0, 4.0)):
        segments = outline_segments(collection, dash=dash, zoom=5.0, keep=False)
        assert segments and all(
            math.isfinite(v) for seg in segments for end in (seg["s"], seg["t"]) for v in end
        )
    # Not kept: a collection built for one map only is cut again, not cached.
    assert outline_segments(collection, keep=False) is not outline_segments(collection, keep=False)
