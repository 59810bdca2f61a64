"""Property-based robustness of the geometry engine: valid polygons or a clear ValueError, never a wrong shape.

Every check measures on the ellipsoid with ``pyproj.Geod.inv``, independently of the code under
test: vertices lie at the radius (within 0.1 %), and points of a fixed global lattice (plus points
at half and one and a half radii) are inside the lon/lat polygon exactly when their geodesic
distance (and azimuth, for sectors) says they should be, away from a thin band at the boundary.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from coverage.physics import geodesy
from coverage.physics.geodesy import MAX_RADIUS_M, ring, sector, vertex_count
from coverage.physics.radar import RadarAssumptions, RadarSpec, footprint, footprint_radius_m

GEOD = Geod(ellps="WGS84")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


lons = st.floats(-180.0, 180.0)
lats = st.floats(-90.0, 90.0)
radii = st.one_of(
    st.sampled_from([1.0, 1_000.0, 700_000.0, 2_500_000.0, 10_000_000.0, MAX_RADIUS_M]),
    st.floats(1.0, MAX_RADIUS_M),
)
azimuths = st.floats(-720.0, 720.0)
widths = st.one_of(
    st.sampled_from([1.0, 90.0, 120.0, 180.0, 240.0, 359.0, 360.0]), st.floats(1.0, 360.0)
)


def _fibonacci_lattice(n: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(n) + 0.5
    lat = np.degrees(np.arcsin(1.0 - 2.0 * i / n))
    lon = (np.degrees(np.pi * (1.0 + 5.0**0.5) * i) + 180.0) % 360.0 - 180.0
    # Plus rings of points around both poles, where lon/lat drawing is hardest.
    cap_lon, cap_lat = np.meshgrid(
        np.arange(-172.5, 180.0, 15.0), [89.9, 89.7, 89.0, -89.0, -89.7, -89.9]
    )
    return np.r_[lon, cap_lon.ravel(), 0.123], np.r_[lat, cap_lat.ravel(), 89.999]


LATTICE_LON, LATTICE_LAT = _fibonacci_lattice(6000)


def _check_shape(
    geom: BaseGeometry,
    lon: float,
    lat: float,
    radius_m: float,
    boresight: float = 0.0,
    width: float = 360.0,
) -> None:
    """Assert that ``geom`` is the geodesic disc or sector it claims to be."""
    assert geom.is_valid, shapely.is_valid_reason(geom)
    assert not geom.is_empty
    assert geom.geom_type in ("Polygon", "MultiPolygon")
    minx, miny, maxx, maxy = geom.bounds
    assert minx >= -180.0 and maxx <= 180.0 and miny >= -90.0 and maxy <= 90.0

    # Vertices: none beyond the radius; on a ring, all at it (apart from antimeridian cuts and pole
    # closures); on a sector, at least its arc at it.
    xy = shapely.get_coordinates(geom)
    _, _, dist = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    assert (dist <= radius_m * 1.001 + 1e-6).all(), dist.max() / radius_m
    real = (np.abs(xy[:, 0]) < 180.0) & (np.abs(xy[:, 1]) < 90.0)
    on_arc = np.abs(dist / radius_m - 1.0) <= 1e-3
    if width >= 360.0:
        assert on_arc[real].all(), (dist[real & ~on_arc] / radius_m)[:5]
    assert on_arc.sum() >= 0.9 * vertex_count(radius_m, width) - 4

    # Membership, measured on the ellipsoid: a global lattice and points near the centre.
    azs = (
        np.linspace(0.0, 360.0, 8, endpoint=False)
        if width >= 360.0
        else np.array([boresight, boresight + 180.0])
    )
    near_lon, near_lat = geodesy.destination(
        lon,
        lat,
        np.r_[azs, azs],
        np.r_[np.full(azs.size, 0.5 * radius_m), np.full(azs.size, 1.5 * radius_m)],
    )
    px = np.r_[LATTICE_LON, near_lon, lon]
    py = np.r_[LATTICE_LAT, near_lat, lat]
    az, _, d = GEOD.inv(np.full(px.size, lon), np.full(px.size, lat), px, py)
    off = np.abs((az - boresight + 180.0) % 360.0 - 180.0)
    truth = d <= radius_m
    band = np.abs(d - radius_m) <= 0.002 * radius_m + 1.0
    if width < 360.0:
        truth &= off <= width / 2.0
        band |= (np.abs(off - width / 2.0) <= 0.5) | (d <= 0.002 * radius_m + 1.0)
    band |= np.abs(py) >= 89.99999  # the pole is a line in lon/lat
    # Points on a seam (antimeridian, a closure meridian) or on the outline count either way.
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS on degenerate pieces
        band |= shapely.distance(geom.boundary, shapely.points(px, py)) < 1e-7
    band |= d >= 19_990_000.0  # the antipode has no azimuth
    inside = shapely.contains_xy(geom, px, py)
    wrong = (inside != truth) & ~band
    assert not wrong.any(), (
        f"{int(wrong.sum())} points misplaced, e.g. lon/lat {px[wrong][:3]}, {py[wrong][:3]} "
        f"at {d[wrong][:3] / radius_m} radii (inside={inside[wrong][:3]})"
    )
    # The centre belongs to every disc and sector (as a vertex or an interior point); at a pole
    # every longitude is the centre.
    centre = shapely.Point(lon, lat)
    mirrored = shapely.Point(-lon, lat) if abs(lon) == 180.0 else centre
    at_pole = abs(lat) > 89.999999
    assert at_pole or min(geom.distance(centre), geom.distance(mirrored)) < 1e-9


# --- ring ----------------------------------------------------------------------------------------


@SETTINGS
@given(lons, lats, radii)
@example(179.99, 0.0, 1_000_000.0)  # across the antimeridian
@example(-180.0, 45.0, 3_000_000.0)
@example(0.0, 0.0, 1.0)
@example(0.0, 88.0, 200_000.0)  # close to the pole without containing it
def test_ring__is_the_geodesic_disc(lon: float, lat: float, radius_m: float) -> None:
    _check_shape(ring(lon, lat, radius_m), lon, lat, radius_m)


@SETTINGS
@given(lons, lats)
def test_ring__zero_radius_is_empty_and_valid(lon: float, lat: float) -> None:
    geom = ring(lon, lat, 0.0)
    assert geom.is_empty and geom.is_valid


@SETTINGS
@given(lons, lats, st.floats(1e-9, 1.0))
def test_ring__sub_metre_radius_is_valid(lon: float, lat: float, radius_m: float) -> None:
    geom = ring(lon, lat, radius_m)
    assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")


@SETTINGS
@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_ring__any_input_gives_a_polygon_or_a_clear_value_error(
    lon: float, lat: float, radius_m: float
) -> None:
    valid_input = all(math.isfinite(v) for v in (lon, lat, radius_m)) and (
        -180 <= lon <= 180 and -90 <= lat <= 90 and 0 <= radius_m <= MAX_RADIUS_M
    )
    if not valid_input:
        with pytest.raises(
            ValueError, match=r"(lon_deg|lat_deg|radius_m)=.* outside the allowed range"
        ):
            ring(lon, lat, radius_m)
        return
    assert ring(lon, lat, radius_m).is_valid


# --- sector --------------------------------------------------------------------------------------


@SETTINGS
@given(lons, lats, radii, azimuths, widths)
@example(100.0, 30.0, 2_000_000.0, 350.0, 60.0)  # crosses north
@example(179.5, -10.0, 1_500_000.0, 90.0, 120.0)  # crosses the antimeridian
@example(37.79, 38.35, 1_500_000.0, 100.0, 120.0)  # Kürecik
@example(0.0, 0.0, 5_000_000.0, 0.0, 359.9)
# The apex on the antimeridian a hair off the equator, the wedge to its west: the loop touches
# the antimeridian only at the apex; an interpolated crossing a few ulps off gave the globe.
@example(180.0, 3.471231110440705e-116, 10_000_000.0, -1.0, 1.0)
@example(180.0, 3.471231110440705e-116, 1.0, -1.0, 1.0)
@example(-180.0, -1e-10, 1_000.0, -179.0, 1.0)
def test_sector__is_the_geodesic_wedge(
    lon: float, lat: float, radius_m: float, boresight: float, width: float
) -> None:
    geom = sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width)
    _check_shape(geom, lon, lat, radius_m, boresight, width)


@SETTINGS
@given(
    lons, st.floats(-80.0, 80.0), st.floats(1_000.0, 3_000_000.0), azimuths, st.floats(1.0, 359.0)
)
def test_sector__is_inside_its_ring(
    lon: float, lat: float, radius_m: float, boresight: float, width: float
) -> None:
    wedge = sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width)
    disc = ring(lon, lat, radius_m)
    # The wedge's arc vertices lie on the circle, so they may poke past the ring's chords.
    assert wedge.difference(disc).area <= 2e-3 * disc.area + 1e-15


@SETTINGS
@given(lons, lats, radii, azimuths, st.floats(allow_nan=True, allow_infinity=True))
def test_sector__bad_width_or_boresight_is_a_clear_value_error(
    lon: float, lat: float, radius_m: float, boresight: float, width: float
) -> None:
    if math.isfinite(width) and 0.0 < width <= 360.0:
        assert sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width).is_valid
    else:
        with pytest.raises(ValueError, match=r"width_deg=.* outside the allowed range"):
            sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width)
    with pytest.raises(ValueError, match="boresight_deg"):
        sector(lon, lat, radius_m, boresight_deg=math.nan, width_deg=90.0)


def test_sector__full_width_is_the_ring() -> None:
    assert sector(20.0, 50.0, 1e6, boresight_deg=33.0, width_deg=360.0).equals(
        ring(20.0, 50.0, 1e6)
    )


# --- radar.footprint -----------------------------------------------------------------------------


radar_specs = st.builds(
    RadarSpec,
    lon_deg=lons,
    lat_deg=lats,
    height_m=st.floats(-500.0, 10_000.0),
    range_m=st.one_of(st.just(0.0), st.floats(0.0, 50_000_000.0)),
    reference_rcs_m2=st.floats(1e-4, 100.0),
    boresight_deg=azimuths,
    fov_deg=st.one_of(st.just(360.0), st.floats(1.0, 360.0)),
)
assumption_sets = st.builds(
    RadarAssumptions,
    target_rcs_m2=st.floats(1e-4, 100.0),
    k_factor=st.floats(0.5, 4.0),
    min_elevation_deg=st.one_of(st.none(), st.floats(-5.0, 30.0)),
)


@SETTINGS
@given(radar_specs, st.floats(0.0, 5_000_000.0), assumption_sets)
def test_footprint__valid_shape_of_the_stated_radius(
    spec: RadarSpec, alt_m: float, how: RadarAssumptions
) -> None:
    radius_m, limit = footprint_radius_m(spec, alt_m, how)
    assert limit in ("sensitivity", "horizon")
    assert 0.0 <= radius_m <= MAX_RADIUS_M
    geom = footprint(spec, alt_m, how)
    assert geom.is_valid
    if radius_m < 1.0:
        assert geom.area < 1e-8
        return
    _check_shape(
        geom,
        spec.lon_deg,
        spec.lat_deg,
        radius_m,
        spec.boresight_deg or 0.0,
        360.0 if spec.fov_deg >= 360.0 else spec.fov_deg,
    )


@SETTINGS
@given(radar_specs, st.floats(0.0, 5_000_000.0))
def test_footprint__radius_never_grows_with_a_higher_mask_or_smaller_target(
    spec: RadarSpec, alt_m: float
) -> None:
    wide, _ = footprint_radius_m(
        spec, alt_m, RadarAssumptions(target_rcs_m2=1.0, min_elevation_deg=None)
    )
    masked, _ = footprint_radius_m(
        spec, alt_m, RadarAssumptions(target_rcs_m2=1.0, min_elevation_deg=10.0)
    )
    small, _ = footprint_radius_m(
        spec, alt_m, RadarAssumptions(target_rcs_m2=0.01, min_elevation_deg=None)
    )
    assert masked <= wide + 1e-6 and small <= wide + 1e-6


@SETTINGS
@given(
    st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)
)
def test_footprint__bad_inputs_are_clear_value_errors(value: float, alt_m: float) -> None:
    for field in ("lon_deg", "lat_deg", "height_m", "range_m", "fov_deg"):
        kwargs = {
            "lon_deg": 10.0,
            "lat_deg": 50.0,
            "height_m": 30.0,
            "range_m": 1e6,
            "boresight_deg": 0.0,
        }
        kwargs[field] = value
        try:
            spec = RadarSpec(**kwargs)
        except ValueError as exc:
            assert field in str(exc)
            continue
        try:
            geom = footprint(spec, alt_m)
        except ValueError as exc:
            assert "target_alt_m" in str(exc)
            continue
        assert geom.is_valid


# --- Shapes at, around and near the poles (regressions) ------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "radius_m"),
    [
        (10.0, -80.0, 15_000_000.0),  # holds the south pole: a wedge north of the centre is missing
        (-171.49, -2.67, 9_957_000.0),  # 2.7 % of the disc missing along the centre's meridian
        (120.0, 50.0, 6_000_000.0),  # holds the north pole
        (99.56, -90.0, 4_903_788.0),  # centred on the south pole
    ],
)
def test_ring__around_one_pole(lon: float, lat: float, radius_m: float) -> None:
    _check_shape(ring(lon, lat, radius_m), lon, lat, radius_m)


@pytest.mark.parametrize(
    ("lon", "lat", "radius_m"),
    [
        (0.0, 0.0, 12_000_000.0),
        (179.9, 0.0, 12_000_000.0),
        (0.0, 0.0, MAX_RADIUS_M),
        (20.0, 45.0, 16_000_000.0),
    ],
)
def test_ring__around_both_poles(lon: float, lat: float, radius_m: float) -> None:
    _check_shape(ring(lon, lat, radius_m), lon, lat, radius_m)


@pytest.mark.parametrize(
    ("lon", "lat", "radius_m", "boresight", "width"),
    [
        (90.0, 90.0, 2_000_000.0, 0.0, 90.0),  # centred on the north pole
        (0.0, -90.0, 300_000.0, 45.0, 30.0),  # centred on the south pole
        (0.0, 42.65, 13_985_567.0, 0.0, 45.8),  # over the north pole
        (0.0, 0.0, 12_337_558.0, 349.9, 228.0),  # over both poles
    ],
)
def test_sector__holding_a_pole(
    lon: float, lat: float, radius_m: float, boresight: float, width: float
) -> None:
    geom = sector(lon, lat, radius_m, boresight_deg=boresight, width_deg=width)
    _check_shape(geom, lon, lat, radius_m, boresight, width)


def test_sector__apex_next_to_a_pole() -> None:
    geom = sector(0.0, -89.75, 700_000.0, boresight_deg=0.0, width_deg=90.0)
    _check_shape(geom, 0.0, -89.75, 700_000.0, 0.0, 90.0)


def test_sector__thin_wedge_through_a_pole() -> None:
    geom = sector(0.0, 85.0, 700_000.0, boresight_deg=0.0, width_deg=1.0)
    _check_shape(geom, 0.0, 85.0, 700_000.0, 0.0, 1.0)
