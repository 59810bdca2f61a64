"""Tests for coverage.physics.ballistics: fact-sheet known answers and invariants of Kepler arcs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from coverage.physics import ballistics as bal
from coverage.physics.geodesy import EARTH_RADIUS_M

# Fact sheet §3.3, "Derived: minimum-energy trajectories" (spherical, non-rotating, no drag,
# burnout at the surface): ground range km -> (v_bo km/s, burnout angle deg, apogee km, minutes).
FACT_SHEET_TABLE = [
    (300, 1.70, 44, 74, 4.2),
    (1_000, 3.02, 43, 240, 7.9),
    (1_300, 3.40, 42, 308, 9.1),
    (1_600, 3.73, 41, 374, 10.3),
    (2_000, 4.11, 41, 459, 11.7),
    (3_000, 4.86, 38, 655, 14.9),
    (5_500, 6.08, 33, 1_041, 21.9),
    (10_000, 7.20, 23, 1_319, 32.2),
]


def _east_of_origin(range_km: float) -> tuple[float, float, float, float]:
    """Launch at (0, 0), target due east on the equator at ``range_km``."""
    return 0.0, 0.0, math.degrees(range_km * 1000.0 / EARTH_RADIUS_M), 0.0


@pytest.mark.parametrize(
    ("range_km", "v_kmps", "gamma_deg", "apogee_km", "minutes"), FACT_SHEET_TABLE
)
def test_minimum_energy__matches_fact_sheet_table(range_km, v_kmps, gamma_deg, apogee_km, minutes):
    t = bal.trajectory(*_east_of_origin(range_km))
    # Tolerances: the table is rounded (v to 0.01 km/s, angle to 1°, apogee to 1 km, time to
    # 0.1 min) and used R = 6,371 km; allow 1 % on speed, 1° on angle, 2 % on apogee and time.
    assert t.burnout_speed_mps / 1000 == pytest.approx(v_kmps, rel=0.01)
    assert t.burnout_angle_deg == pytest.approx(gamma_deg, abs=1.0)
    assert t.apogee_m / 1000 == pytest.approx(apogee_km, rel=0.02)
    assert t.flight_time_s / 60 == pytest.approx(minutes, rel=0.02)
    assert t.ground_range_m == pytest.approx(range_km * 1000.0, rel=1e-9)


def test_minimum_energy_angle__is_the_textbook_formula():
    psi = np.linspace(0.05, 2.5, 20)
    _, gamma = bal.burnout_conditions(psi)
    assert_allclose(gamma, (np.pi - psi) / 4.0, rtol=1e-12)


def test_minimum_energy_speed__is_the_minimum_over_angles():
    psi = np.array([0.3])
    nu_min, gamma = bal.burnout_conditions(psi)
    for offset in (1.0, 5.0, 15.0):
        for shape in ("lofted", "depressed"):
            nu, _ = bal.burnout_conditions(psi, shape=shape, angle_offset_deg=offset)
            assert nu[0] > nu_min[0]


def test_trajectory__starts_at_launch_and_ends_on_target():
    t = bal.trajectory(46.29, 38.08, 2.35, 48.85)  # Tabriz -> Paris
    assert (t.lon_deg[0], t.lat_deg[0]) == pytest.approx((46.29, 38.08), abs=1e-9)
    assert (t.lon_deg[-1], t.lat_deg[-1]) == pytest.approx((2.35, 48.85), abs=1e-9)
    assert t.alt_m[0] == 0.0 and t.alt_m[-1] == 0.0
    assert np.all(t.alt_m >= 0.0)
    assert t.alt_m.max() == pytest.approx(t.apogee_m, rel=1e-3)
    assert t.time_s[-1] == pytest.approx(t.flight_time_s)
    steps = np.diff(t.time_s)
    assert np.all(steps > 0) and np.all(steps <= 2.0 + 1e-9)
    # Ground range: the fact sheet gives 3,684 km Tabriz-Paris (R = 6,371 km great circle).
    assert t.ground_range_m / 1000 == pytest.approx(3684, abs=3)


def test_trajectory__is_read_only():
    t = bal.trajectory(*_east_of_origin(1000))
    with pytest.raises(ValueError):
        t.alt_m[0] = 1.0


def test_trajectory__downrange_increases_monotonically():
    t = bal.trajectory(*_east_of_origin(3000))
    assert np.all(np.diff(t.downrange_m) > 0)


def test_lofted_and_depressed__bracket_minimum_energy():
    args = _east_of_origin(2000)
    me = bal.trajectory(*args)
    lo = bal.trajectory(*args, shape="lofted", angle_offset_deg=10)
    de = bal.trajectory(*args, shape="depressed", angle_offset_deg=10)
    assert de.apogee_m < me.apogee_m < lo.apogee_m
    assert de.flight_time_s < me.flight_time_s < lo.flight_time_s
    assert (
        lo.burnout_speed_mps > me.burnout_speed_mps and de.burnout_speed_mps > me.burnout_speed_mps
    )
    assert lo.burnout_angle_deg == pytest.approx(me.burnout_angle_deg + 10)
    assert de.burnout_angle_deg == pytest.approx(me.burnout_angle_deg - 10)
    for t in (lo, de):
        assert t.lon_deg[-1] == pytest.approx(args[2], abs=1e-9)


def test_boost_phase__adds_burn_time_and_reaches_burnout_altitude():
    boost = bal.BoostPhase(burn_time_s=100.0, burnout_alt_m=80_000.0, burnout_range_m=50_000.0)
    args = _east_of_origin(2000)
    t = bal.trajectory(*args, boost=boost, time_step_s=1.0)
    me = bal.trajectory(*args)
    i = int(np.argmin(np.abs(t.time_s - 100.0)))
    assert t.alt_m[i] == pytest.approx(80_000.0, rel=1e-6)
    assert t.downrange_m[i] == pytest.approx(50_000.0, rel=1e-6)
    assert t.flight_time_s > me.flight_time_s
    assert t.lon_deg[-1] == pytest.approx(args[2], abs=1e-9)
    assert "boost 100 s" in t.profile.describe()


def test_profiles__match_single_trajectory():
    ranges = np.array([700e3, 2000e3, 4500e3])
    p = bal.profiles(ranges, time_step_s=4.0)
    for i, rng in enumerate(ranges):
        t = bal.trajectory(*_east_of_origin(rng / 1000), time_step_s=0.5)
        n = p.n_valid[i]
        alt = np.interp(p.time_s[i, :n], t.time_s, t.alt_m)
        down = np.interp(p.time_s[i, :n], t.time_s, t.downrange_m)
        assert_allclose(p.alt_m[i, :n], alt, atol=5.0)
        assert_allclose(p.angle_rad[i, :n] * EARTH_RADIUS_M, down, atol=5.0)
        assert p.flight_time_s[i] == pytest.approx(t.flight_time_s, rel=1e-12)
        assert np.max(np.diff(p.time_s[i, :n])) <= 4.0 * 1.1
    # Padding repeats the impact (altitude zero up to rounding).
    assert np.all(p.alt_m[0, p.n_valid[0] :] < 1e-3)


def test_profiles__batch_equals_one_at_a_time():
    ranges = np.array([900e3, 3100e3])
    batch = bal.profiles(ranges)
    for i, rng in enumerate(ranges):
        one = bal.profiles(np.array([rng]))
        n = batch.n_valid[i]
        assert one.n_valid[0] == n
        assert_allclose(one.alt_m[0, :n], batch.alt_m[i, :n], rtol=1e-12, atol=1e-6)
        assert_allclose(one.time_s[0, :n], batch.time_s[i, :n], rtol=1e-12)


def test_trajectory__over_the_arctic_and_across_the_antimeridian():
    kozelsk_to_washington = bal.trajectory(35.77, 54.03, -77.01, 38.95)
    assert kozelsk_to_washington.lat_deg.max() > 60.0  # north of the direct lines on a map
    assert 7_500e3 < kozelsk_to_washington.ground_range_m < 8_100e3
    novosibirsk_to_chicago = bal.trajectory(83.0, 55.33, -87.62, 41.88)
    assert novosibirsk_to_chicago.lat_deg.max() > 80.0  # over the Arctic
    across = bal.trajectory(170.0, 60.0, -170.0, 62.0)
    assert np.all(np.abs(across.lon_deg) <= 180.0)
    assert across.ground_range_m < 1_200e3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shape": "ballistic"}, "shape"),
        ({"angle_offset_deg": 60.0}, "angle_offset_deg"),
        ({"time_step_s": 0.0}, "time_step_s"),
    ],
)
def test_trajectory__rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bal.trajectory(*_east_of_origin(1000), **kwargs)


def test_trajectory__rejects_bad_points():
    with pytest.raises(ValueError, match="launch_lat_deg"):
        bal.trajectory(0.0, 95.0, 10.0, 0.0)
    with pytest.raises(ValueError, match="ground range"):
        bal.trajectory(10.0, 10.0, 10.0, 10.0)
    with pytest.raises(ValueError, match="beyond"):
        bal.trajectory(0.0, 0.0, 179.0, 0.0)


def test_depressed_offset__too_large_for_long_range_is_rejected():
    with pytest.raises(ValueError, match="burnout angle"):
        bal.trajectory(*_east_of_origin(15_000), shape="depressed", angle_offset_deg=30)


@pytest.mark.parametrize(
    ("field", "value"),
    [("burn_time_s", 0.0), ("burnout_alt_m", -1.0), ("burnout_range_m", 2e6)],
)
def test_boost_phase__validates_fields(field, value):
    kwargs = {"burn_time_s": 60.0, "burnout_alt_m": 50e3, "burnout_range_m": 20e3, field: value}
    with pytest.raises(ValueError, match=field):
        bal.BoostPhase(**kwargs)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=50.0, max_value=15_000.0))
def test_max_range__inverts_minimum_energy_speed(range_km):
    v = bal.minimum_energy_speed_mps(range_km * 1000.0)
    assert float(bal.max_ground_range_m(v)) == pytest.approx(range_km * 1000.0, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    st.floats(min_value=-30.0, max_value=60.0),
    st.floats(min_value=-60.0, max_value=75.0),
    st.floats(min_value=0.0, max_value=360.0),
    st.floats(min_value=100.0, max_value=9_000.0),
    st.sampled_from(bal.SHAPES),
)
def test_trajectory__always_lands_on_target(lon, lat, azimuth, range_km, shape):
    from coverage.physics.geodesy import destination

    tlon, tlat = destination(lon, lat, azimuth, range_km * 1000.0)
    t = bal.trajectory(
        lon, lat, float(tlon), float(tlat), shape=shape, angle_offset_deg=5.0, time_step_s=5.0
    )
    assert t.lon_deg[-1] == pytest.approx(float(tlon), abs=1e-7)
    assert t.lat_deg[-1] == pytest.approx(float(tlat), abs=1e-7)
    assert np.all(t.alt_m >= 0.0)
    assert t.apogee_m > 0.0
    assert np.all(np.diff(t.downrange_m) > 0.0)
