"""Known answers for geodesic rings and sectors that hold, touch or pass near a pole.

Independent references: the polar cap of the WGS84 ellipsoid (a disc centred on a pole is bounded
by a parallel), the area of the boundary loop computed by pyproj's geodesic polygon algorithm
(Karney), and membership of a global lattice measured with ``Geod.inv``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from coverage.physics.geodesy import (
    MAX_RADIUS_M,
    destination,
    geodesic_area_m2,
    ring,
    sector,
    vertex_count,
)

GEOD = Geod(ellps="WGS84")
_E2 = GEOD.es
_E = math.sqrt(_E2)
#: Area of the WGS84 ellipsoid, m².
EARTH_AREA_M2 = 2.0 * math.pi * GEOD.a**2 * (1.0 + (1.0 - _E2) / _E * math.atanh(_E))
#: Pole to pole along a meridian, m.
HALF_MERIDIAN_M = float(GEOD.inv(0.0, 90.0, 0.0, -90.0)[2])


def _lattice(n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(n) + 0.5
    lat = np.degrees(np.arcsin(1.0 - 2.0 * i / n))
    lon = (np.degrees(np.pi * (1.0 + 5.0**0.5) * i) + 180.0) % 360.0 - 180.0
    cap_lon, cap_lat = np.meshgrid(
        np.arange(-177.5, 180.0, 5.0), [89.99, 89.95, 89.8, 89.5, -89.5, -89.8, -89.95, -89.99]
    )
    return np.r_[lon, cap_lon.ravel()], np.r_[lat, cap_lat.ravel()]


LAT_LON, LAT_LAT = _lattice()


def _right_of_loop_area(lon: np.ndarray, lat: np.ndarray) -> float:
    """Area to the right of a clockwise geodesic loop (pyproj, Karney), m²."""
    signed, _ = GEOD.polygon_area_perimeter(lon, lat)
    return (-signed) % EARTH_AREA_M2


def _assert_is_shape(
    geom: shapely.Geometry,
    lon: float,
    lat: float,
    radius_m: float,
    boresight: float = 0.0,
    width: float = 360.0,
) -> None:
    assert geom.is_valid, shapely.is_valid_reason(geom)
    assert geom.geom_type in ("Polygon", "MultiPolygon") and not geom.is_empty
    minx, miny, maxx, maxy = geom.bounds
    assert minx >= -180.0 and maxx <= 180.0 and miny >= -90.0 and maxy <= 90.0
    xy = shapely.get_coordinates(geom)
    _, _, dist = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    assert (dist <= radius_m * 1.001 + 1e-6).all()
    az, _, d = GEOD.inv(np.full(LAT_LON.size, lon), np.full(LAT_LON.size, lat), LAT_LON, LAT_LAT)
    off = np.abs((az - boresight + 180.0) % 360.0 - 180.0)
    truth = d <= radius_m
    band = np.abs(d - radius_m) <= 0.002 * radius_m + 1.0
    if width < 360.0:
        truth &= off <= width / 2.0
        band |= (np.abs(off - width / 2.0) <= 0.5) | (d <= 0.002 * radius_m + 1.0)
    band |= d >= 19_990_000.0
    inside = shapely.contains_xy(geom, LAT_LON, LAT_LAT)
    wrong = (inside != truth) & ~band
    assert not wrong.any(), (LAT_LON[wrong][:5], LAT_LAT[wrong][:5], inside[wrong][:5])


# --- Discs and wedges centred on a pole: bounded by a parallel -----------------------------------


@pytest.mark.parametrize(
    "radius_m", [200_000.0, 700_000.0, 5_000_000.0, 10_001_965.7, 15_000_000.0]
)
def test_pole_centred_rings__north_and_south_caps_tile_the_ellipsoid(radius_m: float) -> None:
    north = ring(12.0, 90.0, radius_m)
    south = ring(-70.0, -90.0, HALF_MERIDIAN_M - radius_m)
    assert north.is_valid and south.is_valid
    total = geodesic_area_m2(north) + geodesic_area_m2(south)
    assert total == pytest.approx(EARTH_AREA_M2, rel=2e-6)
    # They meet along the same parallel without overlapping.
    assert north.intersection(south).area < 1e-9 * 360.0 * 180.0
    assert north.covers(shapely.Point(33.0, 90.0)) and south.covers(shapely.Point(-33.0, -90.0))


@pytest.mark.parametrize(
    ("pole_lat", "boresight", "width"),
    [(90.0, 0.0, 90.0), (-90.0, 45.0, 30.0), (90.0, 170.0, 359.0), (-90.0, -100.0, 200.0)],
)
def test_pole_centred_sector__is_its_share_of_the_cap(
    pole_lat: float, boresight: float, width: float
) -> None:
    radius_m = 2_000_000.0
    wedge = sector(90.0, pole_lat, radius_m, boresight_deg=boresight, width_deg=width)
    cap = ring(90.0, pole_lat, radius_m)
    assert geodesic_area_m2(wedge) == pytest.approx(width / 360.0 * geodesic_area_m2(cap), rel=1e-4)
    _assert_is_shape(wedge, 90.0, pole_lat, radius_m, boresight, width)


# --- Shapes holding one or both poles: the area of the loop, and lattice membership --------------

POLE_SHAPES = [
    # lon, lat, radius, boresight, width (360 = ring)
    (10.0, -80.0, 15_000_000.0, 0.0, 360.0),
    (-171.49, -2.67, 9_957_000.0, 0.0, 360.0),
    (120.0, 50.0, 6_000_000.0, 0.0, 360.0),
    (0.0, 0.0, 12_000_000.0, 0.0, 360.0),
    (179.9, 0.0, 12_000_000.0, 0.0, 360.0),
    (179.99999999999997, -2.0, 10_000_000.0, 0.0, 360.0),  # first vertex a hair off +180
    (-45.0, -30.0, MAX_RADIUS_M, 0.0, 360.0),
    (24.41, 70.37, 3_611_000.0, 0.0, 360.0),  # a European radius from the far north holds the pole
    (0.0, 42.65, 13_985_567.0, 0.0, 45.8),
    (0.0, 0.0, 12_337_558.0, 349.9, 228.0),
    (0.0, 0.0, 15_000_000.0, 90.0, 200.0),  # both poles in the wedge
    (150.0, 89.99, 700_000.0, 200.0, 340.0),  # apex 1 km from the pole
    (0.0, 85.0, 700_000.0, 0.0, 1.0),
    (-179.0, -85.0, 1_500_000.0, 180.0, 10.0),  # over the south pole and across the antimeridian
]


@pytest.mark.parametrize(("lon", "lat", "radius_m", "boresight", "width"), POLE_SHAPES)
def test_pole_shapes__area_and_membership(
    lon: float, lat: float, radius_m: float, boresight: float, width: float
) -> None:
    geom = sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width)
    _assert_is_shape(geom, lon, lat, radius_m, boresight, width)
    # Reference loop: dense geodesic boundary, clockwise, measured on the ellipsoid.
    az = np.linspace(boresight - width / 2.0, boresight + width / 2.0, 20_001)
    if width >= 360.0:
        loop_lon, loop_lat = destination(lon, lat, az[:-1], radius_m)
    else:
        arc_lon, arc_lat = destination(lon, lat, az, radius_m)
        loop_lon, loop_lat = np.r_[lon, arc_lon], np.r_[lat, arc_lat]
    expected = _right_of_loop_area(loop_lon, loop_lat)
    assert geodesic_area_m2(geom) == pytest.approx(expected, rel=1e-3)


def test_ring_through_both_poles__is_valid_and_holds_half_the_earth() -> None:
    quarter = float(GEOD.inv(0.0, 0.0, 0.0, 90.0)[2])
    az = np.linspace(0.0, 360.0, 360, endpoint=False)
    lon, lat = destination(0.0, 0.0, az, quarter)
    assert np.abs(lat).max() == pytest.approx(90.0, abs=1e-9)  # vertices land on both poles
    geom = ring(0.0, 0.0, quarter, n_vertices=360)
    assert geom.is_valid and geom.geom_type == "Polygon"
    # Not exactly a hemisphere: the equator is longer than a meridian.
    assert geodesic_area_m2(geom) == pytest.approx(_right_of_loop_area(lon, lat), rel=1e-6)
    assert geodesic_area_m2(geom) == pytest.approx(EARTH_AREA_M2 / 2.0, rel=3e-3)
    assert geom.contains(shapely.Point(0.0, 89.9)) and geom.contains(shapely.Point(0.0, -89.9))
    assert not geom.contains(shapely.Point(180.0, 0.0))
    assert not geom.contains(shapely.Point(-120.0, 89.9))


@pytest.mark.parametrize("miss_m", [-100.0, -1.0, 1.0, 100.0])
def test_ring_passing_just_by_a_pole__holds_it_only_when_it_should(miss_m: float) -> None:
    lon, lat = 30.0, 60.0
    radius_m = float(GEOD.inv(lon, lat, lon, 90.0)[2]) + miss_m
    geom = ring(lon, lat, radius_m)
    assert geom.is_valid
    # Points 1 km from the pole on the far side are inside only if the ring holds the pole.
    far_lon = np.arange(-180.0, 180.0, 10.0)
    far_lat = np.full(far_lon.size, 90.0 - 1_000.0 / 111_000.0)
    _, _, d = GEOD.inv(np.full(far_lon.size, lon), np.full(far_lon.size, lat), far_lon, far_lat)
    clear = np.abs(d - radius_m) > 0.002 * radius_m
    inside = shapely.contains_xy(geom, far_lon, far_lat)
    assert (inside[clear] == (d[clear] <= radius_m)).all()
    assert geodesic_area_m2(geom) == pytest.approx(
        _right_of_loop_area(*destination(lon, lat, np.linspace(0, 360, 20_000, False), radius_m)),
        rel=1e-4,
    )


def test_polar_edges_get_extra_vertices_only_where_needed() -> None:
    # Thin wedge over the north pole: its radial edges pass about 5 km from the pole.
    geom = sector(0.0, 85.0, 700_000.0, boresight_deg=0.0, width_deg=1.0)
    xy = shapely.get_coordinates(geom)
    assert xy[:, 1].max() == 90.0  # closed along the pole line
    assert len(xy) < 2_000


# --- Ordinary shapes are unchanged: the vertices are the geodesic points, no more ----------------


@pytest.mark.parametrize(
    ("lon", "lat", "radius_m"),
    [(24.41, 44.08, 100_000.0), (16.9, 54.5, 700_000.0), (37.79, 38.35, 3_611_000.0)],
)
def test_european_rings__vertices_are_exactly_the_geodesic_points(
    lon: float, lat: float, radius_m: float
) -> None:
    geom = ring(lon, lat, radius_m)
    assert geom.geom_type == "Polygon"
    n = vertex_count(radius_m)
    exp_lon, exp_lat = destination(lon, lat, np.linspace(0.0, 360.0, n, endpoint=False), radius_m)
    xy = np.asarray(geom.exterior.coords)[:-1]
    assert len(xy) == n
    np.testing.assert_allclose(xy, np.column_stack([exp_lon, exp_lat]), atol=1e-9)


def test_antimeridian_ring__has_the_area_of_the_same_ring_elsewhere() -> None:
    split = ring(179.9, 65.0, 500_000.0)
    whole = ring(0.0, 65.0, 500_000.0)
    assert split.geom_type == "MultiPolygon" and whole.geom_type == "Polygon"
    assert geodesic_area_m2(split) == pytest.approx(geodesic_area_m2(whole), rel=1e-6)


# --- Edge cases found by property testing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "radius_m", "boresight", "width"),
    [
        (179.99999999999997, 0.0, 1.0, 1.0, 1.0),  # wedge from just west of the antimeridian, east
        (-179.99999999999997, 0.0, 1.0, -91.0, 1.0),
        (180.0, 45.0, 3_000_000.0, 90.0, 10.0),
        (180.0, 0.0, 1_281.0, 217.0, 4.0),  # first radial point 3e-14 degrees west of +180
        (179.99999999999997, 0.0, 700_000.0, 3.0, 1.5),
        (179.99999999999997, 26.0, 1_000.0, 27.0, 1.0),  # west of +180 only by a hairline
        (179.99999999999997, 88.0, 1.0, 9.0, 1.0),
        (180.0, 0.0, 12_000_000.0, 90.0, 228.0),  # apex on the antimeridian, both poles inside
        (-180.0, 0.0, 12_000_000.0, 270.0, 228.0),
        (180.0, 45.0, 3_000_000.0, 270.0, 10.0),  # apex on it, wedge on one side
        (180.0, 88.0, 700_000.0, 90.0, 359.0),  # apex on the antimeridian, the gap along it
        (-180.0, -88.0, 700_000.0, 270.0, 359.0),
        (-180.0, 45.0, 3_000_000.0, 270.0, 10.0),
    ],
)
def test_sector_on_the_antimeridian__keeps_its_apex(
    lon: float, lat: float, radius_m: float, boresight: float, width: float
) -> None:
    geom = sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width)
    _assert_is_shape(geom, lon, lat, radius_m, boresight, width)
    mirrored = shapely.Point(-lon, lat) if abs(lon) == 180.0 else shapely.Point(lon, lat)
    assert min(geom.distance(shapely.Point(lon, lat)), geom.distance(mirrored)) < 1e-9


@pytest.mark.parametrize("radius_m", [5.960464477539063e-08, 1e-3, 1.0])
def test_tiny_shapes_on_the_antimeridian__are_valid(radius_m: float) -> None:
    for lon in (180.0, -180.0, 179.99999999999997):
        assert ring(lon, 0.0, radius_m).is_valid
        assert sector(lon, 0.0, radius_m, boresight_deg=217.0, width_deg=4.0).is_valid


@pytest.mark.parametrize("gap_deg", [0.016, 1e-6, 1e-12])
def test_sector_with_a_hairline_gap_towards_a_pole__holds_both_poles(gap_deg: float) -> None:
    # The gap points due north, so both radial edges run (almost) through the north pole.
    geom = sector(0.0, 0.0, MAX_RADIUS_M, boresight_deg=180.0, width_deg=360.0 - gap_deg)
    _assert_is_shape(geom, 0.0, 0.0, MAX_RADIUS_M, 180.0, 360.0 - gap_deg)
    whole = ring(0.0, 0.0, MAX_RADIUS_M)
    assert geodesic_area_m2(geom) == pytest.approx(geodesic_area_m2(whole), rel=1e-4)
