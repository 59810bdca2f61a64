"""Known answers for the radar horizon, RCS scaling and radar footprints (fact sheet §5.1-5.2)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.physics.radar import (
    RadarAssumptions,
    RadarSpec,
    footprint,
    footprint_radius_m,
    horizon_ground_range_m,
    scaled_range_m,
    visible,
)

GEOD = Geod(ellps="WGS84")
KURECIK = RadarSpec(
    lon_deg=37.7936,
    lat_deg=38.3494,
    height_m=2085.0,
    range_m=1_500_000.0,
    boresight_deg=100.0,
    fov_deg=120.0,
)


@pytest.mark.parametrize(
    ("radar_m", "target_m", "expected_km"),
    [(30, 0, 23), (30, 10_000, 435), (2085, 0, 188), (2085, 10_000, 600), (2085, 100_000, 1490)],
)
def test_horizon__matches_fact_sheet_4_12_formula(
    radar_m: float, target_m: float, expected_km: float
) -> None:
    # Fact sheet §5.1: d ≈ 4.12·(√h_r + √h_t) km with heights in metres (4/3 Earth). The exact
    # spherical geometry and the small-height formula agree within 0.5 % up to 100 km altitude.
    d_km = float(horizon_ground_range_m(radar_m, target_m)) / 1000
    assert d_km == pytest.approx(expected_km, abs=max(0.5, 0.005 * expected_km))  # table is rounded
    assert d_km == pytest.approx(4.12 * (np.sqrt(radar_m) + np.sqrt(target_m)), rel=0.005)


@pytest.mark.parametrize(
    ("alt_km", "e_min", "slant_km"),
    [
        (100, 0, 1121),
        (100, 2, 921),
        (300, 0, 1971),
        (300, 2, 1761),
        (500, 0, 2568),
        (500, 2, 2355),
        (1000, 0, 3703),
        (1000, 2, 3488),
    ],
)
def test_horizon__exo_atmospheric_slant_ranges_from_kurecik(
    alt_km: float, e_min: float, slant_km: float
) -> None:
    # Fact sheet §5.1 table: exact geometry, k = 1, elevation mask e_min, radar at 2,085 m.
    d = float(horizon_ground_range_m(2085, alt_km * 1000, k_factor=1.0, min_elevation_deg=e_min))
    r1, r2, theta = EARTH_RADIUS_M + 2085, EARTH_RADIUS_M + alt_km * 1000, d / EARTH_RADIUS_M
    s_km = np.sqrt(r1**2 + r2**2 - 2 * r1 * r2 * np.cos(theta)) / 1000
    assert s_km == pytest.approx(slant_km, abs=1.5)


@pytest.mark.parametrize(("rcs", "km"), [(1.0, 1000), (0.1, 562), (0.01, 316), (0.001, 178)])
def test_scaled_range__fourth_root_of_rcs(rcs: float, km: float) -> None:
    # Fact sheet §5.2 table from a 1 m² / 1,000 km reference.
    assert scaled_range_m(1_000_000, 1.0, rcs) / 1000 == pytest.approx(km, abs=0.6)


def test_footprint__horizon_limits_low_targets_and_sensitivity_high_ones() -> None:
    low, low_limit = footprint_radius_m(KURECIK, 100_000)
    high, high_limit = footprint_radius_m(KURECIK, 300_000)
    assert low_limit == "horizon" and low / 1000 == pytest.approx(1485, rel=0.01)
    assert high_limit == "sensitivity" and high < 1_500_000


def test_footprint__target_higher_than_range_is_empty() -> None:
    radar = RadarSpec(lon_deg=10, lat_deg=50, height_m=0, range_m=200_000)
    radius, limit = footprint_radius_m(radar, 300_000)
    assert radius == 0.0 and limit == "sensitivity"
    assert footprint(radar, 300_000).is_empty


def test_footprint__sector_faces_boresight_and_contains_points_inside() -> None:
    geom = footprint(KURECIK, 300_000)
    assert geom.is_valid
    lon2, lat2, _ = GEOD.fwd(KURECIK.lon_deg, KURECIK.lat_deg, 100.0, 800_000)  # toward Tehran
    assert geom.contains(Point(lon2, lat2))
    lon3, lat3, _ = GEOD.fwd(KURECIK.lon_deg, KURECIK.lat_deg, 280.0, 800_000)  # toward the Aegean
    assert not geom.contains(Point(lon3, lat3))


def test_footprint__rcs_shrinks_footprint_monotonically() -> None:
    radii = [
        footprint_radius_m(KURECIK, 400_000, RadarAssumptions(target_rcs_m2=s))[0]
        for s in (10, 1, 0.1, 0.01)
    ]
    assert radii == sorted(radii, reverse=True)


def test_visible__agrees_with_footprint_edge() -> None:
    radius, _ = footprint_radius_m(KURECIK, 300_000)
    lon_in, lat_in, _ = GEOD.fwd(KURECIK.lon_deg, KURECIK.lat_deg, 100.0, radius * 0.99)
    lon_out, lat_out, _ = GEOD.fwd(KURECIK.lon_deg, KURECIK.lat_deg, 100.0, radius * 1.02)
    lon_side, lat_side, _ = GEOD.fwd(KURECIK.lon_deg, KURECIK.lat_deg, 250.0, radius * 0.5)
    vis = visible(KURECIK, [lon_in, lon_out, lon_side], [lat_in, lat_out, lat_side], 300_000)
    assert vis.tolist() == [True, False, False]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lat_deg": 95.0},
        {"range_m": -1.0},
        {"fov_deg": 0.0},
        {"fov_deg": 120.0, "boresight_deg": None},
    ],
)
def test_radar_spec__rejects_bad_values(kwargs: dict[str, object]) -> None:
    base = {"lon_deg": 10.0, "lat_deg": 50.0, "height_m": 0.0, "range_m": 1e6}
    with pytest.raises(ValueError, match="RadarSpec"):
        RadarSpec(**{**base, **kwargs})


@pytest.mark.parametrize(
    "kwargs", [{"target_rcs_m2": 0.0}, {"k_factor": 10.0}, {"min_elevation_deg": 45.0}]
)
def test_radar_assumptions__rejects_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="allowed range"):
        RadarAssumptions(**kwargs)
