"""Tests for coverage.physics.threat_flight: boost, rotating Earth, known answers, solve_ivp check."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from coverage.catalogue import analysis
from coverage.physics import ballistics as bal
from coverage.physics import threat_flight as tf
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.products.threat_flight import (
    boost_programme,
    class_for_range_m,
    trajectory_summary,
)

R = EARTH_RADIUS_M
OMEGA = tf.OMEGA_EARTH_RADPS
TABRIZ = (46.29, 38.08)
DEVESELU = (24.4134, 44.0787)
TEHRAN = (51.39, 35.69)
WASHINGTON = (-77.04, 38.91)
ICBM_LIQUID = tf.BoostProgramme(burn_time_s=240.0)  # NRC 2012: ~4 min for a liquid ICBM


def _central_angle(lon1, lat1, lon2, lat2):
    return float(bal.central_angle_rad(lon1, lat1, lon2, lat2))


def _crossing_time_s(f: tf.Flights, alt_m: float) -> float:
    """First time the altitude reaches ``alt_m`` (linear interpolation between samples)."""
    n = int(f.n_valid[0])
    t, a = f.time_s[0, :n], f.alt_m[0, :n]
    i = int(np.argmax(a >= alt_m))
    assert i > 0, "never reaches the altitude"
    return float(np.interp(alt_m, [a[i - 1], a[i]], [t[i - 1], t[i]]))


# --------------------------------------------------------------------------- reduction to Kepler


@pytest.mark.parametrize(
    ("launch", "target"),
    [
        ((0.0, 0.0), (18.0, 0.0)),
        (TABRIZ, DEVESELU),
        (TEHRAN, WASHINGTON),
        ((10.0, 60.0), (-80, 20)),
    ],
)
def test_no_rotation_no_boost__is_the_kepler_trajectory(launch, target):
    f = tf.fly(*launch, *target, rotation=False, time_step_s=2.0)
    t = bal.trajectory(*launch, *target, time_step_s=2.0)
    assert f.burnout_speed_mps[0] == pytest.approx(t.burnout_speed_mps, rel=1e-10)
    assert f.inertial_burnout_speed_mps[0] == pytest.approx(t.burnout_speed_mps, rel=1e-10)
    assert f.flight_time_s[0] == pytest.approx(t.flight_time_s, rel=1e-10)
    assert f.apogee_m[0] == pytest.approx(t.apogee_m, rel=1e-10)
    assert f.burnout_angle_deg[0] == pytest.approx(t.burnout_angle_deg, rel=1e-10)
    lon, lat, alt = tf.earth_fixed_positions(f)
    n = int(f.n_valid[0])
    assert n == t.time_s.size
    assert_allclose(f.time_s[0, :n], t.time_s, atol=1e-9)
    assert_allclose(alt[0, :n], t.alt_m, atol=1e-3)
    assert_allclose(lat[0, :n], t.lat_deg, atol=1e-9)
    assert_allclose(np.cos(np.radians(lon[0, :n] - t.lon_deg)), 1.0, atol=1e-15)


# --------------------------------------------------------------------------- rotation: east vs west


def _independent_equator_shot(range_m: float, east: bool) -> float:
    """Earth-relative burnout speed of a minimum-energy equatorial shot, computed by hand.

    The inertial arc is the non-rotating minimum-energy arc (ballistics.trajectory, checked
    against the fact-sheet table) over the inertial central angle Ψ, which differs from the
    ground angle by how far the target turns during the flight: Ψ = Ψ0 ± ω·T(Ψ). At burnout the
    inertial velocity is (v·sinγ up, ±v·cosγ along the track); the surface moves eastward at
    ω·R, which is subtracted.
    """
    psi0 = range_m / R
    sign = 1.0 if east else -1.0

    def arc(psi):
        return bal.trajectory(0.0, 0.0, math.degrees(psi), 0.0)

    psi = brentq(lambda p: p - psi0 - sign * OMEGA * arc(p).flight_time_s, 0.5 * psi0, 2 * psi0)
    t = arc(psi)
    v, g = t.burnout_speed_mps, math.radians(t.burnout_angle_deg)
    up, along = v * math.sin(g), v * math.cos(g)
    # Along-track axis points along the flight: the surface moves with it (east) or against it.
    return math.hypot(up, along - sign * OMEGA * R)


def test_equator_2000km__eastward_needs_less_than_westward_by_the_hand_margin():
    d = math.degrees(2_000_000.0 / R)
    east = tf.fly(0.0, 0.0, d, 0.0)
    west = tf.fly(0.0, 0.0, -d, 0.0)
    v_east = _independent_equator_shot(2_000_000.0, east=True)
    v_west = _independent_equator_shot(2_000_000.0, east=False)
    assert east.burnout_speed_mps[0] == pytest.approx(v_east, abs=0.01)
    assert west.burnout_speed_mps[0] == pytest.approx(v_west, abs=0.01)
    margin = west.burnout_speed_mps[0] - east.burnout_speed_mps[0]
    assert margin == pytest.approx(v_west - v_east, abs=0.02)
    # About 132 m/s: far less than 2·ω·R·cosγ ≈ 700 m/s, because the eastward target runs away
    # (longer inertial arc) and the westward one comes to meet the missile.
    assert 100.0 < margin < 170.0
    assert east.impact_lon_deg[0] == pytest.approx(d, abs=1e-8)  # 1 mm
    assert west.impact_lon_deg[0] == pytest.approx(-d, abs=1e-8)


def test_equator_2000km__rotation_off__eastward_and_westward_are_equal():
    d = math.degrees(2_000_000.0 / R)
    east = tf.fly(0.0, 0.0, d, 0.0, rotation=False)
    west = tf.fly(0.0, 0.0, -d, 0.0, rotation=False)
    assert east.burnout_speed_mps[0] == pytest.approx(west.burnout_speed_mps[0], rel=1e-12)
    assert east.flight_time_s[0] == pytest.approx(west.flight_time_s[0], rel=1e-12)
    assert east.burnout_speed_mps[0] == east.inertial_burnout_speed_mps[0]


def test_no_boost__relative_speed_is_inertial_minus_surface_velocity():
    f = tf.fly(*TABRIZ, *DEVESELU)
    v_in = f.inertial_burnout_speed_mps[0]
    surface = OMEGA * R * math.cos(math.radians(TABRIZ[1]))
    # |v − u| lies between the two speeds' difference and sum (triangle inequality), and a
    # westward shot loses speed: the relative speed exceeds the inertial one.
    assert v_in - surface < f.burnout_speed_mps[0] < v_in + surface
    assert f.burnout_speed_mps[0] > v_in


# --------------------------------------------------------------------------- Earth-fixed frame


def test_earth_fixed_shift__is_omega_r_cos_lat_t():
    f = tf.fly(*TEHRAN, *WASHINGTON, boost=ICBM_LIQUID, time_step_s=1.0)
    lon, lat, _ = tf.earth_fixed_positions(f)
    lon_in, lat_in = bal.lonlat_from_unit(f.inertial_m)
    assert_allclose(lat, lat_in, atol=1e-12)
    n = int(f.n_valid[0])
    t = f.time_s[0, :n]
    shift_m = R * bal.central_angle_rad(lon_in[0, :n], lat_in[0, :n], lon[0, :n], lat[0, :n])
    exact = 2.0 * R * np.arcsin(np.cos(np.radians(lat[0, :n])) * np.sin(OMEGA * t / 2.0))
    assert_allclose(shift_m, exact, rtol=1e-9, atol=1e-6)
    k = int(np.argmin(np.abs(t - 450.0)))
    approx = OMEGA * R * math.cos(math.radians(lat[0, k])) * t[k]
    assert shift_m[k] == pytest.approx(approx, rel=1e-3)
    # At 450 s this shot is near 45°N: about 148 km (ω·R·t = 209 km on the equator).
    assert 120e3 < shift_m[k] < 180e3


def test_earth_fixed_m__agrees_with_lon_lat_alt():
    f = tf.fly(*TABRIZ, *DEVESELU, boost=tf.BoostProgramme(burn_time_s=100.0))
    xyz = tf.earth_fixed_m(f)
    lon, lat, alt = tf.earth_fixed_positions(f)
    r = np.linalg.norm(xyz, axis=-1)
    assert_allclose(r - R, alt, atol=1e-6)
    assert_allclose(xyz / r[..., None], bal.unit_vectors(lon, lat), atol=1e-12)
    assert_allclose(xyz[0, 0], R * bal.unit_vectors(*TABRIZ), atol=1e-6)
    last = int(f.n_valid[0]) - 1
    assert np.linalg.norm(xyz[0, last] - R * bal.unit_vectors(*DEVESELU)) < 1.0


def test_lift_off__starts_at_rest_on_the_rotating_surface():
    f = tf.fly(*TABRIZ, *DEVESELU, boost=tf.BoostProgramme(burn_time_s=100.0), time_step_s=1.0)
    lon, lat, alt = tf.earth_fixed_positions(f)
    assert lon[0, 0] == pytest.approx(TABRIZ[0], abs=1e-12)
    assert lat[0, 0] == pytest.approx(TABRIZ[1], abs=1e-12)
    # During the vertical rise the missile climbs but hardly moves over the ground (Coriolis
    # drift only, a few metres): it did not start with an extra 366 m/s of eastward speed.
    k = int(np.searchsorted(f.time_s[0], 10.0))
    drift_m = R * float(bal.central_angle_rad(lon[0, k], lat[0, k], *TABRIZ))
    assert alt[0, k] > 500.0
    assert drift_m < 5.0


@pytest.mark.parametrize("shape", bal.SHAPES)
def test_impact__is_the_earth_fixed_target(shape):
    rng = np.random.default_rng(7)
    n = 12
    lon0, lat0 = rng.uniform(-180, 180, n), rng.uniform(-60, 60, n)
    az, dist = rng.uniform(0, 360, n), rng.uniform(800e3, 4000e3, n)
    from coverage.physics.geodesy import GEOD

    lon1, lat1, _ = GEOD.fwd(lon0, lat0, az, dist)
    f = tf.fly(lon0, lat0, lon1, lat1, boost=tf.BoostProgramme(burn_time_s=100.0), shape=shape)
    miss_m = R * bal.central_angle_rad(f.impact_lon_deg, f.impact_lat_deg, lon1, lat1)
    assert np.max(miss_m) < 1.0
    lon, lat, alt = tf.earth_fixed_positions(f)
    last = f.n_valid - 1
    rows = np.arange(n)
    assert_allclose(alt[rows, last], 0.0, atol=1e-6)
    assert_allclose(
        R * bal.central_angle_rad(lon[rows, last], lat[rows, last], lon1, lat1), 0, atol=1
    )


def test_batch__equals_one_at_a_time():
    pairs = [(TABRIZ, DEVESELU), (TEHRAN, (17.108, 54.479)), ((53.92, 35.23), (-6.33, 36.62))]
    boost = tf.BoostProgramme(burn_time_s=100.0)
    arr = np.array([[*a, *b] for a, b in pairs])
    batch = tf.fly(*arr.T, boost=boost)
    for i, (a, b) in enumerate(pairs):
        one = tf.fly(*a, *b, boost=boost)
        n = int(one.n_valid[0])
        assert batch.n_valid[i] == n
        assert_allclose(batch.flight_time_s[i], one.flight_time_s[0], rtol=1e-9)
        assert_allclose(batch.inertial_m[i, :n], one.inertial_m[0, :n], atol=0.01)


# --------------------------------------------------------------------------- boost


def test_icbm_boost__crosses_994km_later_than_without_boost():
    no_boost = tf.fly(*TEHRAN, *WASHINGTON, time_step_s=0.5)
    boost = tf.fly(*TEHRAN, *WASHINGTON, boost=ICBM_LIQUID, time_step_s=0.5)
    t0, t1 = _crossing_time_s(no_boost, 994e3), _crossing_time_s(boost, 994e3)
    # About 476 s without and 552 s with the 240-s boost: the boost delays the climb by a
    # large part of the burn time, never by more than all of it.
    assert t0 + 0.2 * ICBM_LIQUID.burn_time_s < t1 < t0 + ICBM_LIQUID.burn_time_s
    assert boost.flight_time_s[0] > no_boost.flight_time_s[0]


def test_boost__burnout_state_continues_into_the_coast():
    b = tf.BoostProgramme(burn_time_s=100.0)
    f = tf.fly(*TABRIZ, *DEVESELU, boost=b, time_step_s=1.0)
    t = f.time_s[0]
    k = int(np.searchsorted(t, b.burn_time_s))
    assert t[k] == pytest.approx(b.burn_time_s)
    assert f.alt_m[0, k] == pytest.approx(f.burnout_alt_m[0], abs=1e-3)
    assert np.all(np.diff(f.alt_m[0, : k + 1]) > 0.0)  # climbs all through the boost
    # The thrust supplies the Earth-relative burnout speed plus gravity and steering losses:
    # gravity alone takes g·t_b·(mean sine of the climb angle), the steering a few per cent.
    g = bal.MU_EARTH_M3PS2 / R**2
    loss = f.boost_delta_v_mps[0] - f.burnout_speed_mps[0]
    assert 0.3 * g * b.burn_time_s < loss < 1.5 * g * b.burn_time_s
    # Samples are about one time step apart across the boost/coast seam (no jump).
    step = np.linalg.norm(np.diff(f.inertial_m[0, k - 2 : k + 2], axis=0), axis=-1)
    assert np.max(step) < 1.2 * np.min(step) + 1.0


def _ivp_flight(launch, target, boost: tf.BoostProgramme, programme, t_cut=None):
    """Integrate the stated boost programme and the coast with DOP853 (inertial frame).

    ``t_cut``: thrust cut-off time (default the burn time); the motor's mass flow is the full
    burn's, the pitch programme spread over [t_v, t_cut].
    """
    mu = bal.MU_EARTH_M3PS2
    a0, phi_b, p, psi = programme
    lon0, lat0 = np.radians(launch)
    up0 = np.array(
        [math.cos(lat0) * math.cos(lon0), math.cos(lat0) * math.sin(lon0), math.sin(lat0)]
    )
    east = np.array([-math.sin(lon0), math.cos(lon0), 0.0])
    north = np.cross(up0, east)
    normal = np.cross(up0, math.sin(psi) * east + math.cos(psi) * north)
    t_full, tv, frac = boost.burn_time_s, boost.vertical_rise_s, boost.burned_fraction
    tb = t_full if t_cut is None else float(t_cut)

    def rhs(t, y):
        r = y[:3]
        rn = np.linalg.norm(r)
        acc = -mu * r / rn**3
        if t < tb:
            up = r / rn
            thrust = a0 / (1.0 - frac * t / t_full)
            if t <= tv:
                d = up
            else:
                phi = phi_b * ((t - tv) / (tb - tv)) ** p
                h = np.cross(normal, up)
                d = math.cos(phi) * up + math.sin(phi) * h / np.linalg.norm(h)
            acc = acc + thrust * d
        return np.concatenate([y[3:], acc])

    def ground(t, y):
        return np.linalg.norm(y[:3]) - R

    ground.terminal, ground.direction = True, -1
    r0 = R * up0
    y = np.concatenate([r0, OMEGA * np.array([-r0[1], r0[0], 0.0])])
    opts = {"method": "DOP853", "rtol": 1e-9, "atol": 1e-6, "dense_output": True}
    legs = [solve_ivp(rhs, (0.0, tv), y, **opts)]
    legs.append(solve_ivp(rhs, (tv, tb), legs[-1].y[:, -1], **opts))
    legs.append(solve_ivp(rhs, (tb, 1e5), legs[-1].y[:, -1], events=ground, **opts))
    t_impact = float(legs[-1].t_events[0][0])

    def earth_fixed(t):
        # The impact sample may lie a fraction of a millisecond past the event: last leg.
        leg = next((s for s in legs if s.t[0] <= t <= s.t[-1]), legs[-1])
        r = leg.sol(min(t, leg.t[-1]))[:3]
        c, s = math.cos(-OMEGA * t), math.sin(-OMEGA * t)
        return np.array([c * r[0] - s * r[1], s * r[0] + c * r[1], r[2]])

    return t_impact, earth_fixed


@pytest.mark.parametrize(
    ("launch", "target", "boost"),
    [
        (TABRIZ, DEVESELU, tf.BoostProgramme(burn_time_s=100.0)),
        (TABRIZ, DEVESELU, tf.BoostProgramme(burn_time_s=60.0, pitch_exponent=1.5)),
        (TEHRAN, WASHINGTON, ICBM_LIQUID),
    ],
)
def test_solve_ivp__boosting_threat_on_rotating_earth_agrees(launch, target, boost):
    f = tf.fly(*launch, *target, boost=boost, time_step_s=10.0)
    t_impact, earth_fixed = _ivp_flight(launch, target, boost, f.programme[0])
    # Stated tolerances: 1 s and 1 km; the agreement found is about 10 µs and under 1 m.
    assert t_impact == pytest.approx(f.flight_time_s[0], abs=1e-3)
    impact = earth_fixed(t_impact)
    lon, lat = bal.lonlat_from_unit(impact)
    assert R * _central_angle(float(lon), float(lat), *target) < 10.0
    assert np.linalg.norm(impact) == pytest.approx(R, abs=1e-3)
    # The whole Earth-fixed track agrees, boost and coast.
    lon_p, lat_p, alt_p = tf.earth_fixed_positions(f)
    for k in range(0, int(f.n_valid[0]), 7):
        r = earth_fixed(float(f.time_s[0, k]))
        lo, la = bal.lonlat_from_unit(r)
        assert R * _central_angle(float(lo), float(la), lon_p[0, k], lat_p[0, k]) < 10.0
        assert np.linalg.norm(r) - R == pytest.approx(alt_p[0, k], abs=10.0)


@pytest.mark.parametrize(("cls", "range_km"), [("SRBM", 120.0), ("MRBM", 300.0), ("ICBM", 1500.0)])
def test_solve_ivp__thrust_termination_short_shot_agrees(cls, range_km):
    """A short shot on a long burn cuts its thrust off early; DOP853 flies the same programme."""
    from coverage.physics.geodesy import GEOD

    boost = boost_programme(cls)
    target = GEOD.fwd(*TABRIZ, 280.0, range_km * 1e3)[:2]
    f = tf.fly(*TABRIZ, *target, boost=boost, time_step_s=4.0)
    t_cut = float(f.burnout_time_s[0])
    assert t_cut < boost.burn_time_s  # the rule is in force for these shots
    g0 = bal.MU_EARTH_M3PS2 / R**2
    assert f.programme[0, 0] == pytest.approx(boost.min_thrust_to_weight * g0, rel=1e-12)
    t_impact, earth_fixed = _ivp_flight(TABRIZ, target, boost, f.programme[0], t_cut=t_cut)
    # Stated tolerances: 1 ms on the flight time, 10 m on every Earth-fixed sample.
    assert t_impact == pytest.approx(f.flight_time_s[0], abs=1e-3)
    lon_p, lat_p, alt_p = tf.earth_fixed_positions(f)
    for k in range(int(f.n_valid[0])):
        r = earth_fixed(float(f.time_s[0, k]))
        lo, la = bal.lonlat_from_unit(r)
        assert R * _central_angle(float(lo), float(la), lon_p[0, k], lat_p[0, k]) < 10.0
        assert np.linalg.norm(r) - R == pytest.approx(alt_p[0, k], abs=10.0)


def test_thrust_termination__applies_only_below_the_minimum_thrust_to_weight():
    """Full burns keep a0 ≥ the rule's minimum; cut-off shots sit exactly at it, shorter first."""
    from coverage.physics.geodesy import GEOD

    boost = boost_programme("MRBM")
    g0 = bal.MU_EARTH_M3PS2 / R**2
    ranges = np.array([80.0, 200.0, 400.0, 800.0, 1500.0, 2500.0]) * 1e3
    lon1, lat1, _ = GEOD.fwd(
        np.full(6, TABRIZ[0]), np.full(6, TABRIZ[1]), np.full(6, 290.0), ranges
    )
    f = tf.fly(*TABRIZ, lon1, lat1, boost=boost)
    cut = f.burnout_time_s < boost.burn_time_s
    assert cut[0] and not cut[-1]
    assert np.all(np.diff(f.burnout_time_s) >= 0.0)  # longer shots burn no shorter
    assert_allclose(f.programme[cut, 0], boost.min_thrust_to_weight * g0, rtol=1e-12)
    assert np.all(f.programme[~cut, 0] >= boost.min_thrust_to_weight * g0 * (1 - 1e-9))
    # Without the rule the shortest shot is refused (thrust below weight), as stated.
    bare = tf.BoostProgramme(
        burn_time_s=boost.burn_time_s,
        vertical_rise_s=boost.vertical_rise_s,
        burned_fraction=boost.burned_fraction,
        pitch_exponent=boost.pitch_exponent,
    )
    with pytest.raises(ValueError, match="thrust below weight|no boost programme"):
        tf.fly(*TABRIZ, lon1[:1], lat1[:1], boost=bare)


# --------------------------------------------------------------------------- validation


def test_boost_programme__rejects_values_out_of_range():
    with pytest.raises(ValueError, match=r"BoostProgramme.burn_time_s=5 is outside .*10\.\.600"):
        tf.BoostProgramme(burn_time_s=5)
    with pytest.raises(ValueError, match="vertical_rise_s=80"):
        tf.BoostProgramme(burn_time_s=100, vertical_rise_s=80)
    with pytest.raises(ValueError, match="burned_fraction=1"):
        tf.BoostProgramme(burn_time_s=100, burned_fraction=1.0)
    with pytest.raises(ValueError, match="pitch_exponent=0"):
        tf.BoostProgramme(burn_time_s=100, pitch_exponent=0)


def test_fly__rejects_bad_points_and_ranges():
    with pytest.raises(ValueError, match="launch_lat_deg"):
        tf.fly(0.0, 91.0, 10.0, 0.0)
    with pytest.raises(ValueError, match="ground range"):
        tf.fly(10.0, 10.0, 10.0, 10.0)
    with pytest.raises(ValueError, match="time_step_s"):
        tf.fly(0.0, 0.0, 10.0, 0.0, time_step_s=0.0)
    with pytest.raises(ValueError, match="shape"):
        tf.fly(0.0, 0.0, 10.0, 0.0, shape="flat")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- data and summary


def test_threat_boost_table__is_valid_and_complete():
    frame, problems = analysis.read_analysis_table("threat_boost.csv")
    assert problems == []
    assert set(frame.threat_class) == {"SRBM", "MRBM", "IRBM", "ICBM"}
    assert analysis.boost_values("ICBM", "nominal")["burn_time_s"] == 240.0  # NRC 2012
    assert analysis.boost_values("ICBM", "low")["burn_time_s"] == 180.0  # a minute less, solid


def test_threat_boost_table__reports_bad_rows():
    text = (
        "threat_class,parameter,unit,low,nominal,high,source,confidence,note\n"
        "ICBM,burn_time_s,s,300,240,250,x,Low,\n"
        "ICBM,burn_time_s,min,180,240,240,x,Low,\n"
    )
    _, problems = analysis.read_analysis_table("threat_boost.csv", text=text, source="up.csv")
    messages = [str(p) for p in problems]
    assert any("nominal" in m and "between low (300) and high (250)" in m for m in messages)
    assert any("duplicate" in m for m in messages)
    assert any("needs unit 's'" in m for m in messages)
    assert any("required for SRBM but missing" in m for m in messages)


@pytest.mark.parametrize("cls", ["SRBM", "MRBM", "IRBM", "ICBM"])
@pytest.mark.parametrize("estimate", ["low", "nominal", "high"])
def test_every_class_and_estimate__flies_to_its_target(cls, estimate):
    range_m = {"SRBM": 750e3, "MRBM": 2000e3, "IRBM": 4000e3, "ICBM": 10_000e3}[cls]
    from coverage.physics.geodesy import GEOD

    lon1, lat1, _ = GEOD.fwd(*TABRIZ, 300.0, range_m)
    f = tf.fly(*TABRIZ, lon1, lat1, boost=boost_programme(cls, estimate))
    assert R * _central_angle(f.impact_lon_deg[0], f.impact_lat_deg[0], lon1, lat1) < 1.0
    assert 0.0 < f.burnout_alt_m[0] < f.apogee_m[0]


def test_class_for_range__dod_bounds():
    assert [class_for_range_m(x * 1e3) for x in (750, 1000, 2999, 3000, 5500)] == [
        "SRBM",
        "MRBM",
        "MRBM",
        "IRBM",
        "ICBM",
    ]


def test_trajectory_summary__reports_the_switches():
    full = trajectory_summary(*TABRIZ, *DEVESELU)
    still = trajectory_summary(*TABRIZ, *DEVESELU, rotation=False)
    bare = trajectory_summary(*TABRIZ, *DEVESELU, rotation=False, boost=False)
    assert full["threat_class"] == "MRBM"  # 1,944 km
    assert full["burn_time_s"] == 100.0 and bare["burn_time_s"] == 0.0
    assert full["burnout_speed_kmps"] > full["inertial_burnout_speed_kmps"]  # westward shot
    assert still["burnout_speed_kmps"] == still["inertial_burnout_speed_kmps"]
    t = bal.trajectory(*TABRIZ, *DEVESELU)
    assert bare["burnout_speed_kmps"] == pytest.approx(t.burnout_speed_mps / 1000, abs=1e-4)
    assert bare["flight_time_s"] == pytest.approx(t.flight_time_s, abs=0.01)
    assert all(isinstance(a, str) for a in full["assumptions"])
    assert any("rotates" in a for a in full["assumptions"])
    assert any("non-rotating" in a for a in still["assumptions"])
    last = full["samples"][-1]
    assert (last["lon_deg"], last["lat_deg"]) == pytest.approx(DEVESELU, abs=1e-5)
    assert last["time_s"] == full["flight_time_s"]


def test_boost__too_long_for_a_short_shot__is_refused_not_clamped():
    # A 240-s ICBM boost for a 300-km shot needs less thrust than weight: the solved missile
    # would sink into the ground before climbing, so the physics refuses it.
    d = math.degrees(300e3 / R)
    with pytest.raises(ValueError, match=r"burn_time_s=240 s would sink below the surface"):
        tf.fly(0.0, 0.0, d, 0.0, boost=ICBM_LIQUID)


def test_boost__newton_that_does_not_converge__says_so(monkeypatch):
    monkeypatch.setattr(tf, "_NEWTON_MAX_ITER", 1)
    with pytest.raises(ValueError, match=r"no boost programme with burn_time_s=100 s .* 1 of 1"):
        tf.fly(*TABRIZ, *DEVESELU, boost=tf.BoostProgramme(burn_time_s=100.0))


# --------------------------------------------------------------------------- lattice start


def test_lattice_start__agrees_with_the_per_shot_newton_solve():
    """The fast path (lattice start, one batch) finds the per-shot Newton solution.

    Sample of targets over Europe from Tabriz with the design-case ICBM boost (all shots under
    the thrust-termination rule) and an MRBM boost (full burns). Stated tolerances: 5 cm on
    every Earth-fixed sample, 1e-5 s on the flight and cut-off times; found: under 1 mm.
    """
    rng = np.random.default_rng(10)
    lon1, lat1 = rng.uniform(-10.0, 30.0, 150), rng.uniform(36.0, 60.0, 150)
    icbm = boost_programme("ICBM")
    mrbm = boost_programme("MRBM")
    for boost, keep in ((icbm, slice(None)), (mrbm, slice(0, 80))):
        args = (*TABRIZ, lon1[keep], lat1[keep])
        assert lon1[keep].size >= tf._LATTICE_MIN_SHOTS  # the lattice is in use
        fast_prog = tf.solve_programmes(*args, boost=boost)
        fast = tf.fly(*args, boost=boost, programmes=fast_prog)
        exact = tf.fly(*args, boost=boost, lattice_start=False)
        assert_allclose(fast.flight_time_s, exact.flight_time_s, atol=1e-5)
        assert_allclose(fast.burnout_time_s, exact.burnout_time_s, atol=1e-5)
        assert np.array_equal(fast.n_valid, exact.n_valid)
        gap = np.linalg.norm(tf.earth_fixed_m(fast) - tf.earth_fixed_m(exact), axis=-1)
        assert np.max(gap) < 0.05
        # Straight from fly (lattice inside fly) gives the same.
        again = tf.fly(*args, boost=boost)
        assert_allclose(again.inertial_m, fast.inertial_m, atol=0.05)


def test_fly__rejects_programmes_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"programmes must be a finite \(1, 5\) array"):
        tf.fly(*TABRIZ, *DEVESELU, boost=ICBM_LIQUID, programmes=np.zeros((2, 5)))


def test_concat_flights__pads_with_the_impact_sample_and_restores_the_order():
    """Two batches on different burns joined, then put back in the shots' order."""
    a = tf.fly(*TEHRAN, *WASHINGTON, boost=tf.BoostProgramme(burn_time_s=180.0), time_step_s=8.0)
    b = tf.fly(
        [51.4, 45.0],
        [35.7, 38.0],
        [-77.0, -71.0],
        [38.9, 42.4],
        boost=ICBM_LIQUID,
        time_step_s=4.0,
    )
    joined = tf.concat_flights([a, b], order=[1, 0, 2])
    assert joined.time_s.shape == (3, max(a.time_s.shape[1], b.time_s.shape[1]))
    # Row 1 is a's only flight: its samples, then its impact sample repeated.
    n = a.time_s.shape[1]
    assert_allclose(joined.time_s[1, :n], a.time_s[0])
    assert (joined.time_s[1, n:] == a.time_s[0, -1]).all()
    assert_allclose(
        joined.inertial_m[1, n:],
        np.broadcast_to(a.inertial_m[0, -1], (len(joined.time_s[1]) - n, 3)),
    )
    assert_allclose(joined.time_s[0, : b.time_s.shape[1]], b.time_s[0])
    assert list(joined.burnout_time_s) == [240.0, 180.0, 240.0]
    assert list(joined.n_valid) == [b.n_valid[0], a.n_valid[0], b.n_valid[1]]
    with pytest.raises(ValueError, match="rotation rates"):
        tf.concat_flights([a, tf.fly(*TEHRAN, *WASHINGTON, boost=ICBM_LIQUID, rotation=False)])
