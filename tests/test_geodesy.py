"""Known answers for geodesic rings, sectors and distances (checked against pyproj's inverse)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose
from pyproj import Geod, Transformer
from shapely.geometry import Point

from coverage.physics.geodesy import (
    MAX_RADIUS_M,
    destination,
    distance_m,
    geodesic_area_m2,
    great_circle_track,
    projection,
    ring,
    sector,
)
from tests.conftest import ZOO_POINTS

GEOD = Geod(ellps="WGS84")


def _boundary_points(
    geom: shapely.Geometry, exclude_centre: tuple[float, float] | None = None
) -> np.ndarray:
    """Vertices and edge midpoints of every exterior ring (midpoints test the straight segments)."""
    pts = []
    for poly in getattr(geom, "geoms", [geom]):
        xy = np.asarray(poly.exterior.coords)
        pts.append(xy)
        pts.append((xy[:-1] + xy[1:]) / 2.0)
    out = np.vstack(pts)
    if exclude_centre is not None:
        out = out[np.hypot(out[:, 0] - exclude_centre[0], out[:, 1] - exclude_centre[1]) > 1e-9]
    return out


@pytest.mark.parametrize("radius_km", [100, 700, 1500, 2500, 3611])
@pytest.mark.parametrize("site", ["deveselu", "redzikowo", "kurecik", "rota"])
def test_ring__vertices_and_edges_within_0p1_percent(site: str, radius_km: float) -> None:
    lon, lat = ZOO_POINTS[site]
    geom = ring(lon, lat, radius_km * 1000)
    assert geom.is_valid and geom.geom_type == "Polygon"
    pts = _boundary_points(geom)
    _, _, d = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])
    # Vertices lie exactly on the ellipsoidal circle; straight lon/lat edges sag inwards a little.
    assert_allclose(d, radius_km * 1000, rtol=1e-3)
    assert geom.contains(Point(lon, lat))


def test_ring__area_matches_spherical_cap() -> None:
    # Spherical cap area 2πR²(1 - cos(r/R)); the ellipsoid differs by well under 1 %.
    r_m, big_r = 1_000_000.0, 6_371_008.8
    expected = 2 * np.pi * big_r**2 * (1 - np.cos(r_m / big_r))
    assert geodesic_area_m2(ring(24.4134, 44.0787, r_m)) == pytest.approx(expected, rel=0.01)


def test_ring__zero_radius_is_empty() -> None:
    assert ring(10.0, 50.0, 0.0).is_empty


@pytest.mark.parametrize(
    ("lon", "lat", "radius"),
    [(0, 91, 1e5), (181, 0, 1e5), (0, 0, -1.0), (0, 0, MAX_RADIUS_M * 2), (0, 0, float("nan"))],
)
def test_ring__invalid_input_raises_value_error_naming_field(
    lon: float, lat: float, radius: float
) -> None:
    with pytest.raises(ValueError, match="allowed range"):
        ring(lon, lat, radius)


def test_ring__around_north_pole_is_closed_through_the_pole() -> None:
    geom = ring(*ZOO_POINTS["near_north_pole"], 1_000_000)
    assert geom.is_valid
    assert geom.contains(Point(0.0, 89.99)) or geom.covers(Point(0.0, 90.0))
    assert geom.bounds[0] == pytest.approx(-180.0) and geom.bounds[2] == pytest.approx(180.0)
    # The cap reaches about 80.5 N everywhere, so it covers 85 N at every longitude.
    for lon in (-170.0, -90.0, 0.0, 90.0, 170.0):
        assert geom.contains(Point(lon, 85.0))


def test_ring__crossing_antimeridian_is_split_into_valid_parts() -> None:
    geom = ring(*ZOO_POINTS["antimeridian_east"], 500_000)
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.bounds[0] == pytest.approx(-180.0) and geom.bounds[2] == pytest.approx(180.0)
    assert geom.contains(Point(-179.0, 65.0)) and geom.contains(Point(179.0, 65.0))
    assert not geom.contains(Point(0.0, 65.0))


def test_sector__bearings_of_edges_match_boresight_and_width() -> None:
    lon, lat = ZOO_POINTS["kurecik"]
    geom = sector(lon, lat, 1_500_000, boresight_deg=100.0, width_deg=120.0)
    pts = _boundary_points(geom, exclude_centre=(lon, lat))
    az, _, d = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])
    az = np.mod(az, 360.0)
    # Edge midpoints of straight lon/lat segments stray up to ~0.06° from the geodesic bearing.
    assert az.min() == pytest.approx(40.0, abs=0.1)
    assert az.max() == pytest.approx(160.0, abs=0.1)
    assert d.max() == pytest.approx(1_500_000, rel=1e-3)
    # Due west of the radar lies outside a sector facing east.
    assert not geom.contains(Point(lon - 5.0, lat))
    assert geom.contains(Point(lon + 5.0, lat))


def test_sector__wraps_north() -> None:
    lon, lat = ZOO_POINTS["deveselu"]
    geom = sector(lon, lat, 800_000, boresight_deg=350.0, width_deg=60.0)
    assert geom.is_valid
    n_lon, n_lat = destination(lon, lat, 0.0, 400_000)
    assert geom.contains(Point(float(n_lon), float(n_lat)))
    e_lon, e_lat = destination(lon, lat, 30.0, 400_000)
    assert not geom.contains(Point(float(e_lon), float(e_lat)))
    w_lon, w_lat = destination(lon, lat, 330.0, 400_000)
    assert geom.contains(Point(float(w_lon), float(w_lat)))


def test_sector__full_width_is_ring() -> None:
    a = sector(10.0, 50.0, 300_000, boresight_deg=0.0, width_deg=360.0)
    b = ring(10.0, 50.0, 300_000)
    assert a.equals(b)


@pytest.mark.parametrize("width", [0.0, -10.0, 361.0])
def test_sector__invalid_width_raises(width: float) -> None:
    with pytest.raises(ValueError, match="width_deg"):
        sector(10.0, 50.0, 300_000, boresight_deg=0.0, width_deg=width)


def test_distance__matches_fact_sheet_derived_table() -> None:
    # Fact sheet §2.5 (great circle, R = 6,371 km): Tabriz → Deveselu 1,944 km, → Redzikowo 2,855 km,
    # → Kürecik 743 km. The ellipsoid differs from the sphere by up to ~0.5 %.
    tabriz = (46.29, 38.08)
    for site, km in (("deveselu", 1944), ("redzikowo", 2855), ("kurecik", 743), ("rota", 4591)):
        d = float(distance_m(*tabriz, *ZOO_POINTS[site])) / 1000
        assert d == pytest.approx(km, rel=0.006), site


def test_destination__round_trips_with_inverse() -> None:
    lon2, lat2 = destination(24.4134, 44.0787, [0, 90, 180, 270], 1_234_567.0)
    d = distance_m(24.4134, 44.0787, lon2, lat2)
    assert_allclose(d, 1_234_567.0, rtol=1e-9)


def test_great_circle_track__ends_and_spacing() -> None:
    track = great_circle_track(46.29, 38.08, 21.01, 52.23, n_points=50)
    assert track.shape == (50, 2)
    assert tuple(track[0]) == (46.29, 38.08) and tuple(track[-1]) == (21.01, 52.23)
    steps = distance_m(track[:-1, 0], track[:-1, 1], track[1:, 0], track[1:, 1])
    assert_allclose(steps, steps.mean(), rtol=1e-6)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("EPSG:4326", "EPSG:3035"),
        ("EPSG:3035", "EPSG:4326"),
        ("EPSG:4326", "EPSG:3575"),
        ("EPSG:3575", "EPSG:4326"),
    ],
)
def test_projection__same_as_from_crs_on_any_thread(source, target):
    """The pipeline-built transformer gives what pyproj's from_crs does (to 1 mm / 1e-9°).

    Also on a new thread, where pyproj makes the transformer's PROJ object again (the reason it
    is built from its pipeline: Streamlit runs each rerun on a new thread).
    """
    lon, lat = np.meshgrid(np.linspace(-30, 60, 10), np.linspace(30, 75, 8))
    reference = Transformer.from_crs(
        "EPSG:4326", "EPSG:3035" if "3035" in source + target else "EPSG:3575", always_xy=True
    )
    x, y = reference.transform(lon.ravel(), lat.ravel())
    points = (lon.ravel(), lat.ravel()) if source == "EPSG:4326" else (x, y)
    expected = Transformer.from_crs(source, target, always_xy=True).transform(*points)
    tol = 1e-3 if target != "EPSG:4326" else 1e-9
    out: list[tuple[np.ndarray, np.ndarray]] = []
    worker = threading.Thread(
        target=lambda: out.append(projection(source, target).transform(*points))
    )
    worker.start()
    worker.join()
    for got in (projection(source, target).transform(*points), out[0]):
        assert_allclose(got[0], expected[0], rtol=0, atol=tol)
        assert_allclose(got[1], expected[1], rtol=0, atol=tol)
    assert projection(source, target) is projection(source, target)
    assert "pipeline" in projection(source, target).definition


def test_projection__area_dependent_operations_fall_back_to_from_crs():
    """Where PROJ knows several operations (the British grid's datum shifts), none is fixed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PROJ's note that the best grid is not installed
        british = projection("EPSG:4326", "EPSG:27700")
        lon, lat = np.array([-3.0, 20.0]), np.array([54.0, 40.0])  # in and far outside the UK
        got = british.transform(lon, lat)
        expected = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(
            lon, lat
        )
    assert not british.definition.startswith("proj=pipeline")
    assert_allclose(got, expected, rtol=0, atol=1e-6)
