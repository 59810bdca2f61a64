"""Tests for coverage.physics.engagement: reach, detection, defended footprints and their invariants."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from coverage.catalogue.tables import load_catalogue
from coverage.physics import ballistics as bal
from coverage.physics import engagement as eng
from coverage.physics import flyout as fly
from coverage.physics import radar as rad
from coverage.physics.geodesy import EARTH_RADIUS_M, destination

TABRIZ = (46.29, 38.08)
SHAHRUD = (55.0, 36.4)
KURECIK_TPY2 = rad.RadarSpec(
    lon_deg=37.79,
    lat_deg=38.35,
    height_m=2090.0,
    range_m=1_500e3,
    boresight_deg=100.0,
    fov_deg=120.0,
)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _site(
    key="s", lon=24.41, lat=44.08, v_kmps=3.0, min_km=80.0, max_km=500.0, **kw
) -> eng.InterceptorSite:
    return eng.InterceptorSite(
        key=key,
        lon_deg=lon,
        lat_deg=lat,
        burnout_speed_mps=v_kmps * 1000.0,
        burn_time_s=60.0,
        min_alt_m=min_km * 1000.0,
        max_alt_m=max_km * 1000.0,
        **kw,
    )


def _omni(lon, lat, range_km=50_000.0) -> rad.RadarSpec:
    return rad.RadarSpec(lon_deg=lon, lat_deg=lat, height_m=30.0, range_m=range_km * 1000.0)


def _ring_targets(lon, lat, n=60, seed=0):
    """Targets scattered 300-3,500 km west of a point (a small, fast stand-in for the grid)."""
    rng = np.random.default_rng(seed)
    az = rng.uniform(230.0, 340.0, n)
    dist = rng.uniform(300e3, 3_500e3, n)
    return destination(np.full(n, lon), np.full(n, lat), az, dist)


# ----------------------------------------------------------------------------- reach


@pytest.mark.parametrize(
    ("v_kmps", "t_s", "reach_km"),
    # Fact sheet §5.4 table (t_b = 60 s): 3.0 km/s 120 s ~270 km; 4.5 km/s 300 s ~1,215 km;
    # 5.5 km/s 240 s ~1,155 km; 3.0 km/s 180 s ~450 km.
    [(3.0, 120, 270), (3.0, 180, 450), (4.5, 300, 1215), (5.5, 240, 1155), (4.5, 120, 405)],
)
def test_reach__matches_fact_sheet_table(v_kmps, t_s, reach_km):
    assert float(_site(v_kmps=v_kmps).reach_m(t_s)) / 1000 == pytest.approx(reach_km, rel=1e-9)


def test_reach__is_quadratic_during_burn_and_zero_before_launch():
    s = _site(v_kmps=3.0)
    assert float(s.reach_m(30.0)) == pytest.approx(0.5 * 3000 * 30**2 / 60)
    assert float(s.reach_m(-5.0)) == 0.0
    assert float(_site(max_reach_m=700e3).reach_m(1000.0)) == 700e3


@pytest.mark.parametrize(
    ("field", "value"),
    [("burnout_speed_mps", 50.0), ("burn_time_s", 0.0), ("max_alt_m", 1.0), ("lat_deg", 91.0)],
)
def test_interceptor_site__validates(field, value):
    kwargs = dict(
        key="x",
        lon_deg=0.0,
        lat_deg=0.0,
        burnout_speed_mps=3000.0,
        burn_time_s=60.0,
        min_alt_m=80e3,
        max_alt_m=500e3,
    )
    kwargs[field] = value
    with pytest.raises(ValueError, match=field):
        eng.InterceptorSite(**kwargs)


def test_assumptions__validate():
    with pytest.raises(ValueError, match="delay_s"):
        eng.EngagementAssumptions(delay_s=-1.0)
    with pytest.raises(ValueError, match="sls_interval_s"):
        eng.EngagementAssumptions(sls_interval_s=0.0)
    with pytest.raises(ValueError, match="max_range_m"):
        eng.ThreatSpec(max_range_m=10.0)


# ----------------------------------------------------------------------------- intercept geometry


def test_earliest_intercept__matches_an_independent_brute_force():
    """Same question answered from a ballistics.Trajectory with 3-D vectors (0.5 s samples)."""
    target = (2.35, 48.85)  # Paris
    site = _site(lon=24.41, lat=44.08, v_kmps=4.5, max_km=1000.0)
    radar = _omni(*TABRIZ, range_km=1500.0)
    threat = eng.ThreatSpec(max_range_m=6_000e3)
    res = eng.engage(*TABRIZ, [target[0]], [target[1]], radars=[radar], sites=[site], threat=threat)
    t_det = float(res.detection_time_s[0, 0])
    traj = bal.trajectory(*TABRIZ, *target, time_step_s=0.5)
    # Detection: the omni radar at the launch point sees the missile once it clears the horizon.
    visible = rad.visible(radar, traj.lon_deg, traj.lat_deg, traj.alt_m)
    assert t_det == pytest.approx(traj.time_s[np.argmax(visible)], abs=5.0)
    pos = bal.unit_vectors(traj.lon_deg, traj.lat_deg) * (EARTH_RADIUS_M + traj.alt_m)[:, None]
    s_pos = bal.unit_vectors(site.lon_deg, site.lat_deg) * (EARTH_RADIUS_M + site.height_m)
    dist = np.linalg.norm(pos - s_pos, axis=1)
    tau = traj.time_s - (t_det + 60.0)
    ok = (
        (tau > 0)
        & (traj.alt_m >= site.min_alt_m)
        & (traj.alt_m <= site.max_alt_m)
        & (site.reach_m(tau) >= dist)
    )
    assert ok.any()
    assert float(res.first_intercept_s[0, 0, 0]) == pytest.approx(traj.time_s[ok][0], abs=5.0)
    assert float(res.last_intercept_s[0, 0, 0]) == pytest.approx(traj.time_s[ok][-1], abs=5.0)
    assert bool(res.defended[0])


def test_spherical_detection__agrees_with_radar_visible():
    """The engine's fast spherical visibility test against the radar module (WGS84 geodesics)."""
    kurecik = KURECIK_TPY2
    threat = eng.ThreatSpec(max_range_m=6_000e3)
    lon, lat = _ring_targets(*TABRIZ, n=25, seed=3)
    res = eng.engage(*TABRIZ, lon, lat, radars=[kurecik], sites=[], threat=threat)
    for i in range(lon.size):
        traj = bal.trajectory(*TABRIZ, lon[i], lat[i], time_step_s=1.0)
        vis = rad.visible(kurecik, traj.lon_deg, traj.lat_deg, traj.alt_m)
        det = float(res.detection_time_s[0, i])
        if vis.any():
            # Spherical vs ellipsoidal ground distance (< 0.5 %) and 4 s vs 1 s sampling.
            assert det == pytest.approx(traj.time_s[np.argmax(vis)], abs=12.0)
        else:
            assert math.isinf(det)


def test_target_at_site__defended_when_threat_descends_through_band_over_it():
    site_lon, site_lat = 24.41, 44.08
    res = eng.engage(
        *TABRIZ,
        [site_lon],
        [site_lat],
        radars=[_omni(*TABRIZ)],
        sites=[_site(lon=site_lon, lat=site_lat)],
        threat=eng.ThreatSpec(max_range_m=3_000e3),
    )
    assert bool(res.defended[0])
    # Band above the apogee (~450 km for this 1,900 km track): nothing to intercept.
    high = _site(lon=site_lon, lat=site_lat, min_km=600.0, max_km=900.0)
    res = eng.engage(
        *TABRIZ,
        [site_lon],
        [site_lat],
        radars=[_omni(*TABRIZ)],
        sites=[high],
        threat=eng.ThreatSpec(max_range_m=3_000e3),
    )
    assert not bool(res.defended[0]) and bool(res.in_reach[0])


@settings(max_examples=25, deadline=None)
@given(
    azimuth=st.floats(min_value=0.0, max_value=360.0),
    range_km=st.floats(min_value=700.0, max_value=4_000.0),
    v_kmps=st.floats(min_value=2.0, max_value=6.0),
    delay_s=st.floats(min_value=0.0, max_value=60.0),
    min_km=st.floats(min_value=70.0, max_value=100.0),
)
def test_target_at_site__defended_if_threat_passes_overhead_in_band(
    azimuth, range_km, v_kmps, delay_s, min_km
):
    """A site defends its own ground whenever the threat descends through the band above it.

    Minimum-energy arcs of 700 km or more climb above 140 km, so they cross the 70-100 km floor
    right above the target; the interceptor then needs to climb ~100-200 km in the last
    1-2 minutes of a flight of at least 8 minutes, with immediate cueing.
    """
    lon, lat = (float(v) for v in destination(TABRIZ[0], TABRIZ[1], azimuth, range_km * 1000.0))
    site = _site(lon=lon, lat=lat, v_kmps=v_kmps, min_km=min_km, max_km=1000.0)
    res = eng.engage(
        *TABRIZ,
        [lon],
        [lat],
        radars=[_omni(*TABRIZ)],
        sites=[site],
        threat=eng.ThreatSpec(max_range_m=5_000e3),
        assumptions=eng.EngagementAssumptions(delay_s=delay_s),
    )
    assert bool(res.defended[0])


# ----------------------------------------------------------------------------- vectorised == loop


@pytest.mark.parametrize(
    ("launch_on_remote", "shoot_look_shoot", "points"),
    [
        (True, False, [TABRIZ]),
        (False, True, [TABRIZ, (51.39, 35.69)]),
        (True, True, [(47.07, 34.31)]),
    ],
)
def test_vectorised__equals_reference_loop(launch_on_remote, shoot_look_shoot, points):
    kurecik = KURECIK_TPY2
    deveselu_radar = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=600e3)
    sites = [
        _site("deveselu", 24.41, 44.08, 3.0, own_radar=deveselu_radar),
        _site("ship", 27.0, 34.5, 4.5, max_km=1000.0, max_reach_m=2_500e3),
        _site("redzikowo", 17.11, 54.48, 4.5, max_km=1000.0),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=1)
    lon, lat = np.append(lon, -20.0), np.append(lat, 64.0)  # Iceland: out of reach of 4,000 km
    kwargs = dict(
        radars=[kurecik],
        sites=sites,
        threat=eng.ThreatSpec(max_range_m=4_000e3),
        assumptions=eng.EngagementAssumptions(
            launch_on_remote=launch_on_remote, shoot_look_shoot=shoot_look_shoot
        ),
    )
    llon, llat = zip(*points, strict=True)
    fast = eng.engage(llon, llat, lon, lat, chunk_size=16, latest=True, **kwargs)
    slow = eng.engage_reference(llon, llat, lon, lat, **kwargs)
    for name in ("reachable", "in_reach", "defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    for name in (
        "flight_time_s",
        "radar_detection_s",
        "detection_time_s",
        "launch_time_s",
        "first_intercept_s",
        "last_intercept_s",
        "latest_launch_s",
    ):
        assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-6, err_msg=name)
    assert not fast.in_reach[-1] and not fast.defended[-1]
    assert fast.defended.any() or not launch_on_remote


def test_chunk_size_and_threads__do_not_change_results():
    lon, lat = _ring_targets(*TABRIZ, n=50, seed=2)
    kwargs = dict(
        radars=[_omni(*TABRIZ, 1_500.0)],
        sites=[_site(), _site("b", 17.11, 54.48, 4.5)],
        threat=eng.ThreatSpec(max_range_m=4_000e3),
    )
    a = eng.engage(*TABRIZ, lon, lat, chunk_size=7, workers=2, **kwargs)
    b = eng.engage(*TABRIZ, lon, lat, chunk_size=512, **kwargs)
    np.testing.assert_array_equal(a.defended_by, b.defended_by)
    assert_allclose(a.first_intercept_s, b.first_intercept_s, atol=1e-6)


# ----------------------------------------------------------------------------- invariants


_GRID_LON, _GRID_LAT = _ring_targets(*TABRIZ, n=50, seed=5)


def _defended(v_kmps: float, delay_s: float, sls: bool) -> np.ndarray:
    sites = [_site("a", 24.41, 44.08, v_kmps), _site("b", 27.0, 34.5, v_kmps * 1.2, max_km=1000.0)]
    res = eng.engage(
        *TABRIZ,
        _GRID_LON,
        _GRID_LAT,
        radars=[_omni(37.79, 38.35, 1_500.0)],
        sites=sites,
        threat=eng.ThreatSpec(max_range_m=3_000e3),
        assumptions=eng.EngagementAssumptions(delay_s=delay_s, shoot_look_shoot=sls),
    )
    return np.vstack([res.defended_by, res.defended[None, :]])


@settings(max_examples=20, deadline=None)
@given(
    v1=st.floats(min_value=1.5, max_value=6.0),
    dv=st.floats(min_value=0.0, max_value=2.0),
    delay=st.floats(min_value=0.0, max_value=180.0),
    sls=st.booleans(),
)
def test_defended_area__never_shrinks_when_v_bo_grows(v1, dv, delay, sls):
    slow, fast = _defended(v1, delay, sls), _defended(v1 + dv, delay, sls)
    assert np.all(fast | ~slow)  # every target defended by the slower interceptor stays defended


@settings(max_examples=20, deadline=None)
@given(
    v=st.floats(min_value=1.5, max_value=6.0),
    d1=st.floats(min_value=0.0, max_value=180.0),
    dd=st.floats(min_value=0.0, max_value=120.0),
    sls=st.booleans(),
)
def test_defended_area__never_shrinks_when_delay_shrinks(v, d1, dd, sls):
    late, early = _defended(v, d1 + dd, sls), _defended(v, d1, sls)
    assert np.all(early | ~late)


def test_shoot_look_shoot__shrinks_the_footprint():
    single, sls = _defended(3.0, 60.0, False), _defended(3.0, 60.0, True)
    assert np.all(single | ~sls)
    assert sls[-1].sum() < single[-1].sum()


def test_worst_case_over_points__is_within_each_point(catalogue):
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=7)
    kwargs = dict(
        radars=[_omni(37.79, 38.35, 1_500.0)],
        sites=[_site(v_kmps=4.5, max_km=1000.0)],
        threat=eng.ThreatSpec(max_range_m=3_000e3),
    )
    both = eng.engage([46.29, 51.39], [38.08, 35.69], lon, lat, **kwargs)
    for p, (plon, plat) in enumerate([(46.29, 38.08), (51.39, 35.69)]):
        one = eng.engage(plon, plat, lon, lat, **kwargs)
        assert np.all(one.defended | ~(both.defended & both.reachable[p]))
    assert np.array_equal(both.in_reach, both.reachable.any(axis=0))


def test_launch_on_own_radar__is_within_launch_on_remote():
    own = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=600e3)
    sites = [_site(own_radar=own)]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=8)
    kw = dict(
        radars=[_omni(37.79, 38.35, 1_500.0)],
        sites=sites,
        threat=eng.ThreatSpec(max_range_m=3_000e3),
    )
    remote = eng.engage(*TABRIZ, lon, lat, **kw)
    local = eng.engage(
        *TABRIZ, lon, lat, assumptions=eng.EngagementAssumptions(launch_on_remote=False), **kw
    )
    assert np.all(remote.defended | ~local.defended)
    assert (
        np.all(local.launch_time_s >= remote.launch_time_s - 1e-9)
        or np.isinf(local.launch_time_s).any()
    )


def test_out_of_reach__is_never_defended():
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=9)
    res = eng.engage(
        *TABRIZ,
        lon,
        lat,
        radars=[_omni(*TABRIZ)],
        sites=[_site(v_kmps=6.0, max_km=1500.0)],
        threat=eng.ThreatSpec(max_range_m=1_500e3),
    )
    rng = bal.central_angle_rad(TABRIZ[0], TABRIZ[1], lon, lat) * EARTH_RADIUS_M
    assert np.array_equal(res.in_reach, rng <= 1_500e3)
    assert not np.any(res.defended & ~res.in_reach)


# ------------------------------------------------------------------- point-mass fly-out in the kernel


def _pm(v_kmps: float, basis: str = "ideal") -> fly.FlyoutSpec:
    return fly.flyout_spec(
        burnout_velocity_kmps=v_kmps,
        stage_burn_times_s=(6.0, 30.0, 24.0),
        stage_dv_fractions=(0.2, 0.4, 0.4),
        ballistic_coefficient_kgpm2=20_000.0,
        min_intercept_alt_km=80.0,
        speed_basis=basis,
    )


@pytest.mark.parametrize("launch_on_remote", [True, False])
def test_point_mass_flyout__vectorised_equals_reference_loop(launch_on_remote):
    deveselu_radar = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=900e3)
    sites = [
        _site("deveselu", 24.41, 44.08, 3.0, own_radar=deveselu_radar, flyout=_pm(3.0, "achieved")),
        _site("ship", 27.0, 34.5, 4.5, max_reach_m=1_200e3, flyout=_pm(4.5)),
        _site("redzikowo", 17.11, 54.48, 4.5, flyout=_pm(4.5, "achieved")),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=3)
    kwargs = dict(
        radars=[_omni(37.79, 38.35, 1_500.0)],
        sites=sites,
        threat=eng.ThreatSpec(max_range_m=4_000e3),
        assumptions=eng.EngagementAssumptions(launch_on_remote=launch_on_remote),
    )
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=16, latest=True, **kwargs)
    slow = eng.engage_reference(*TABRIZ, lon, lat, **kwargs)
    for name in ("defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    for name in ("first_intercept_s", "last_intercept_s", "latest_launch_s"):
        assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-6, err_msg=name)
    assert fast.defended.any()


def test_point_mass_flyout__first_intercept_is_no_earlier_than_the_table_allows():
    """Launch + the table's earliest time to the intercept point <= the first intercept time."""
    site = _site("s", 35.0, 36.5, 4.5, flyout=_pm(4.5, "achieved"))
    table = fly.flyout_table(site.flyout)
    lon, lat = _ring_targets(*TABRIZ, n=30, seed=4)
    threat = eng.ThreatSpec(max_range_m=4_000e3)
    res = eng.engage(*TABRIZ, lon, lat, radars=[_omni(*TABRIZ)], sites=[site], threat=threat)
    ok = np.isfinite(res.first_intercept_s[0, 0])
    assert ok.sum() >= 5
    for i in np.flatnonzero(ok):
        # Rebuild the threat sample at the first intercept time and look it up independently.
        psi, w = bal._plane_basis(bal.unit_vectors(*TABRIZ), bal.unit_vectors(lon[i], lat[i])[None])
        prof = bal.profiles(psi * EARTH_RADIUS_M, threat.profile, time_step_s=4.0)
        k = int(np.flatnonzero(prof.time_s[0] == res.first_intercept_s[0, 0, i])[0])
        p = prof.x_m[0, k] * bal.unit_vectors(*TABRIZ) + prof.y_m[0, k] * w[0]
        su = bal.unit_vectors(site.lon_deg, site.lat_deg)
        ground = math.acos(float(np.clip(p @ su / np.linalg.norm(p), -1, 1))) * EARTH_RADIUS_M
        when = float(fly.earliest_time_s(table, ground, prof.alt_m[0, k]))
        assert res.launch_time_s[0, 0, i] + when <= res.first_intercept_s[0, 0, i] + 1e-6
        assert prof.alt_m[0, k] >= site.min_alt_m
        if k > 0:  # the sample before was not yet reachable (or before launch / below the floor)
            q = prof.x_m[0, k - 1] * bal.unit_vectors(*TABRIZ) + prof.y_m[0, k - 1] * w[0]
            g0 = math.acos(float(np.clip(q @ su / np.linalg.norm(q), -1, 1))) * EARTH_RADIUS_M
            t0 = float(fly.earliest_time_s(table, g0, prof.alt_m[0, k - 1]))
            tau0 = prof.time_s[0, k - 1] - res.launch_time_s[0, 0, i]
            assert not (tau0 > 0 and prof.alt_m[0, k - 1] >= site.min_alt_m and t0 <= tau0)


@settings(max_examples=15, deadline=None)
@given(v=st.floats(2.5, 5.0), dv=st.floats(0.1, 1.5))
def test_point_mass_flyout__faster_interceptor_never_defends_less(v, dv):
    lon, lat = _ring_targets(*TABRIZ, n=25, seed=5)
    common = dict(radars=[_omni(*TABRIZ, 3_000.0)], threat=eng.ThreatSpec(max_range_m=4_000e3))
    slow = eng.engage(*TABRIZ, lon, lat, sites=[_site(flyout=_pm(v))], **common)
    fast = eng.engage(*TABRIZ, lon, lat, sites=[_site(flyout=_pm(v + dv))], **common)
    assert np.all(fast.defended | ~slow.defended)


@pytest.mark.parametrize("flyout", [False, True])
def test_no_engage_on_remote__vectorised_equals_reference_and_never_defends_more(flyout):
    kurecik = KURECIK_TPY2
    spy = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=900e3)
    ship_spy = rad.RadarSpec(lon_deg=27.0, lat_deg=34.5, height_m=20.0, range_m=600e3)
    extra = {"flyout": _pm(4.5, "achieved")} if flyout else {"max_km": 1000.0}
    sites = [
        _site("deveselu", 24.41, 44.08, 4.5, own_radar=spy, **extra),
        _site("ship", 27.0, 34.5, 4.5, own_radar=ship_spy, **extra),
        _site("no_radar", 17.11, 54.48, 4.5, **extra),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=6)
    common = dict(radars=[kurecik], sites=sites, threat=eng.ThreatSpec(max_range_m=4_000e3))
    eor = eng.engage(*TABRIZ, lon, lat, **common)
    no_eor = eng.EngagementAssumptions(engage_on_remote=False)
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=16, assumptions=no_eor, latest=True, **common)
    slow = eng.engage_reference(*TABRIZ, lon, lat, assumptions=no_eor, **common)
    for name in ("defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    assert_allclose(fast.first_intercept_s, slow.first_intercept_s, rtol=0, atol=1e-6)
    assert_allclose(fast.latest_launch_s, slow.latest_launch_s, rtol=0, atol=1e-6)
    assert np.all(eor.defended | ~fast.defended)  # needing the own radar never helps
    assert not fast.defended_by[2].any()  # a site without a radar of its own intercepts nothing
    assert eor.defended.sum() > fast.defended.sum()


@pytest.mark.parametrize("engage_on_remote", [True, False])
def test_satellite_cue__vectorised_equals_reference_and_never_hurts(engage_on_remote):
    kurecik = rad.RadarSpec(
        lon_deg=37.79,
        lat_deg=38.35,
        height_m=2090.0,
        range_m=700e3,
        boresight_deg=100.0,
        fov_deg=120.0,
    )
    spy = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=500e3)
    sites = [
        _site("deveselu", 24.41, 44.08, 4.5, own_radar=spy, flyout=_pm(4.5, "achieved")),
        _site("ship", 35.0, 34.5, 3.0, max_km=500.0),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=8)
    common = dict(radars=[kurecik], sites=sites, threat=eng.ThreatSpec(max_range_m=4_000e3))
    radar = rad.RadarAssumptions(target_rcs_m2=0.05, k_factor=1.0)
    blind = eng.EngagementAssumptions(engage_on_remote=engage_on_remote, radar=radar)
    cued = eng.EngagementAssumptions(
        engage_on_remote=engage_on_remote, radar=radar, cue_time_s=60.0, cued_range_factor=1.5
    )
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=16, assumptions=cued, **common)
    slow = eng.engage_reference(*TABRIZ, lon, lat, assumptions=cued, **common)
    for name in ("defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    assert_allclose(fast.radar_detection_s, slow.radar_detection_s, rtol=0, atol=1e-6)
    off = eng.engage(*TABRIZ, lon, lat, assumptions=blind, **common)
    # A cue only adds range after it arrives: detection never later, defence never smaller.
    det_on, det_off = fast.detection_time_s, off.detection_time_s
    both = np.isfinite(det_off)
    assert np.all(det_on[both] <= det_off[both]) and np.isfinite(det_on[both]).all()
    assert np.all(fast.defended | ~off.defended)
    assert fast.defended.sum() > off.defended.sum()


@pytest.mark.parametrize("flyout", [False, True])
def test_shared_track__cues_the_other_radars_and_equals_reference(flyout):
    """Under launch on remote one radar's track cues the others (no satellites, no warning).

    Deveselu's own radar, which must see the intercept point (no engage on remote), reaches
    its cued range on the flights Kürecik tracks; its first detections come no later, and
    where they come sooner they follow Kürecik's (the cue).
    """
    kurecik = KURECIK_TPY2
    spy = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=900e3)
    extra = {"flyout": _pm(4.5, "achieved")} if flyout else {"max_km": 1000.0}
    ship = rad.RadarSpec(lon_deg=27.0, lat_deg=34.5, height_m=20.0, range_m=600e3)
    sites = [
        _site("deveselu", 24.41, 44.08, 4.5, own_radar=spy, **extra),
        _site("ship", 27.0, 34.5, 4.5, own_radar=ship, **extra),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=6)
    radars = [kurecik, spy, ship]
    common = dict(radars=radars, sites=sites, threat=eng.ThreatSpec(max_range_m=4_000e3))
    radar = rad.RadarAssumptions(target_rcs_m2=0.05, k_factor=1.0)
    shared = eng.EngagementAssumptions(engage_on_remote=False, radar=radar, cued_range_factor=1.5)
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=16, assumptions=shared, **common)
    slow = eng.engage_reference(*TABRIZ, lon, lat, assumptions=shared, **common)
    for name in ("defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    assert_allclose(fast.radar_detection_s, slow.radar_detection_s, rtol=0, atol=1e-6)
    # The same radars with no cue at all (a cued range of 1: a cue changes nothing).
    blind = eng.engage(
        *TABRIZ, lon, lat, assumptions=replace(shared, cued_range_factor=1.0), **common
    )
    k_det, s_det, s_blind = (
        fast.radar_detection_s[0, 0],
        fast.radar_detection_s[0, 1],
        blind.radar_detection_s[0, 1],
    )
    assert np.all((s_det <= s_blind) | np.isnan(s_blind))
    sooner = s_det < np.where(np.isnan(s_blind), np.inf, s_blind)
    assert sooner.any() and np.all(s_det[sooner] >= k_det[sooner])
    assert np.all(fast.defended | ~blind.defended)
    assert fast.defended.sum() > blind.defended.sum()
    # On its own radar's track alone a site shares nothing: no radar cues another.
    own = eng.engage(
        *TABRIZ, lon, lat, assumptions=replace(shared, launch_on_remote=False), **common
    )
    own_blind = eng.engage(
        *TABRIZ,
        lon,
        lat,
        assumptions=replace(shared, launch_on_remote=False, cued_range_factor=1.0),
        **common,
    )
    # (the cued range then moves no first detection; it still serves a radar's own track)
    assert_allclose(own.radar_detection_s, own_blind.radar_detection_s, rtol=0, atol=0)


@pytest.mark.parametrize("strict", [False, True], ids=["held", "needs_warhead"])
def test_shared_track__equals_reference_with_a_warning_radar(strict):
    """Shared tracks, a Russian warning radar and a boosting threat (booster 1 m², warhead
    0.05 m²), with and without a boost track that must have the warhead in view at burnout:
    the vectorised engine and the loop reference agree on every detection and intercept."""
    spy = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=900e3)
    ship = rad.RadarSpec(lon_deg=27.0, lat_deg=34.5, height_m=20.0, range_m=600e3)
    sites = [
        _site("deveselu", 24.41, 44.08, 4.5, own_radar=spy, flyout=_pm(4.5, "achieved")),
        _site("ship", 27.0, 34.5, 4.5, own_radar=ship, max_km=1000.0),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=30, seed=11)
    radar = rad.RadarAssumptions(
        target_rcs_m2=0.05, k_factor=1.0, booster_rcs_m2=1.0, boost_track_needs_warhead=strict
    )
    common = dict(
        radars=[KURECIK_TPY2, spy, ship],
        sites=sites,
        threat=eng.ThreatSpec(max_range_m=4_000e3),
        warning_radars=[_ARMAVIR],
        assumptions=eng.EngagementAssumptions(
            engage_on_remote=False, radar=radar, cued_range_factor=1.5
        ),
    )
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=8, **common)
    slow = eng.engage_reference(*TABRIZ, lon, lat, **common)
    for name in ("defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    assert_allclose(fast.radar_detection_s, slow.radar_detection_s, rtol=0, atol=1e-6)
    assert_allclose(fast.first_intercept_s, slow.first_intercept_s, rtol=0, atol=1e-6)
    assert fast.defended.any()


# ----------------------------------------------------------------------------- early-warning radars

# Armavir (Voronezh-DM) as a warning radar: close to NW Iran, facing it.
_ARMAVIR = rad.RadarSpec(
    lon_deg=40.98, lat_deg=44.93, height_m=30.0, range_m=4_200e3, boresight_deg=175.0, fov_deg=240.0
)


@pytest.mark.parametrize(
    ("commits", "launch_on_remote", "cue_time_s"),
    [(False, True, None), (True, True, None), (False, False, None), (False, True, 60.0)],
)
def test_warning_radars__vectorised_equals_reference_loop(commits, launch_on_remote, cue_time_s):
    deveselu_radar = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=500e3)
    sites = [
        _site("deveselu", 24.41, 44.08, 3.0, own_radar=deveselu_radar, flyout=_pm(3.0)),
        _site("ship", 27.0, 34.5, 4.5, flyout=_pm(4.5)),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=40, seed=5)
    kwargs = dict(
        radars=[_omni(37.79, 38.35, 600.0)],
        sites=sites,
        threat=eng.ThreatSpec(max_range_m=4_000e3),
        assumptions=eng.EngagementAssumptions(
            warning_commits=commits,
            launch_on_remote=launch_on_remote,
            engage_on_remote=launch_on_remote,
            cue_time_s=cue_time_s,
            cued_range_factor=1.5,
            radar=rad.RadarAssumptions(target_rcs_m2=0.05),
        ),
        warning_radars=[_ARMAVIR],
    )
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=16, latest=True, **kwargs)
    slow = eng.engage_reference(*TABRIZ, lon, lat, **kwargs)
    for name in ("defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    for name in ("radar_detection_s", "warning_time_s", "launch_time_s", "first_intercept_s"):
        assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-6, err_msg=name)
    # The warning radar is the last on the radar axis and sees every launch from Tabriz early.
    assert fast.radar_detection_s.shape[1] == 3
    assert np.all(fast.warning_time_s[fast.reachable] < 120.0)


@pytest.mark.parametrize("commits", [False, True])
def test_warning_radars__only_ever_add(commits):
    """A warning makes launches earlier, never later: cooperation can only gain ground."""
    lon, lat = _ring_targets(*TABRIZ, n=60, seed=6)
    # Kürecik-like radar: 1,500 km against 1 m², ~470 km against the 0.01 m² warhead.
    base = dict(
        radars=[_omni(37.79, 38.35, 1_500.0)],
        sites=[_site("ship", 27.0, 34.5, 4.5, flyout=_pm(4.5))],
        threat=eng.ThreatSpec(max_range_m=4_000e3),
        assumptions=eng.EngagementAssumptions(
            warning_commits=commits, cued_range_factor=1.5, radar=rad.RadarAssumptions(0.01)
        ),
    )
    alone = eng.engage(*TABRIZ, lon, lat, **base)
    shared = eng.engage(*TABRIZ, lon, lat, warning_radars=[_ARMAVIR], **base)
    assert not np.any(alone.defended & ~shared.defended)
    with np.errstate(invalid="ignore"):
        later = shared.launch_time_s > alone.launch_time_s
    assert not later.any()
    assert shared.defended.sum() > alone.defended.sum()  # and here it adds ground


# ----------------------------------------------------------------------------- boosted, rotating


def _boosted_threat(max_range_m=4_000e3, rotation=True) -> eng.ThreatSpec:
    from coverage.scenario import boost_programme

    return eng.ThreatSpec(max_range_m=max_range_m, boost=boost_programme("MRBM"), rotation=rotation)


@pytest.mark.parametrize(
    ("launch_on_remote", "engage_on_remote", "flyout"),
    [(True, True, False), (True, False, True), (False, True, True)],
)
def test_boosted_rotating__vectorised_equals_reference_loop(
    launch_on_remote, engage_on_remote, flyout
):
    kurecik = KURECIK_TPY2
    deveselu_radar = rad.RadarSpec(lon_deg=24.41, lat_deg=44.08, height_m=118.0, range_m=600e3)
    extra = {"flyout": _pm(4.5)} if flyout else {}
    sites = [
        _site("deveselu", 24.41, 44.08, 3.0, own_radar=deveselu_radar),
        _site("ship", 27.0, 34.5, 4.5, max_km=1000.0, **extra),
    ]
    lon, lat = _ring_targets(*TABRIZ, n=30, seed=7)
    # Short shots (thrust cut off early) and Iceland (out of reach).
    near_lon, near_lat = destination(
        np.full(3, TABRIZ[0]), np.full(3, TABRIZ[1]), 270.0, [80e3, 200e3, 400e3]
    )
    lon, lat = np.concatenate([lon, near_lon, [-20.0]]), np.concatenate([lat, near_lat, [64.0]])
    kwargs = dict(
        radars=[kurecik],
        sites=sites,
        threat=_boosted_threat(),
        assumptions=eng.EngagementAssumptions(
            launch_on_remote=launch_on_remote,
            engage_on_remote=engage_on_remote,
            cue_time_s=60.0,
            cued_range_factor=1.5,
        ),
    )
    fast = eng.engage(*TABRIZ, lon, lat, chunk_size=8, **kwargs)
    slow = eng.engage_reference(*TABRIZ, lon, lat, **kwargs)
    for name in ("reachable", "in_reach", "defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    for name in ("flight_time_s", "radar_detection_s", "launch_time_s", "first_intercept_s"):
        assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-6, err_msg=name)
    assert not fast.in_reach[-1]
    assert np.isfinite(fast.radar_detection_s[0, 0, :-1]).any()


def test_boosted_rotating__tracks_match_a_direct_solve_ivp():
    """The engine's Earth-fixed threat samples for grid targets against DOP853 (rotating Earth)."""
    from test_threat_flight import _ivp_flight

    from coverage.physics import threat_flight as tf

    threat = _boosted_threat()
    lon = np.array([24.41, 35.0, 44.0, 12.5])  # Deveselu, eastern Med., 200 km west, Rome
    lat = np.array([44.08, 36.5, 38.3, 41.9])
    order, blocks = eng.threat_tracks(TABRIZ, lon, lat, threat, 4.0)
    tr = blocks[0]
    cut = set()
    for row, i in enumerate(order):
        single = tf.fly(*TABRIZ, lon[i], lat[i], boost=threat.boost, time_step_s=4.0)
        if single.burnout_time_s[0] < threat.boost.burn_time_s:
            cut.add(int(i))
        _, earth_fixed = _ivp_flight(
            TABRIZ,
            (lon[i], lat[i]),
            threat.boost,
            single.programme[0],
            t_cut=float(single.burnout_time_s[0]),
        )
        k_end = int(np.argmax(tr.t[row] >= tr.flight_time_s[row])) + 1
        for k in range(0, k_end, 3):
            ref = earth_fixed(float(tr.t[row, k]))
            got = np.array([tr.px[row, k], tr.py[row, k], tr.pz[row, k]])
            # Stated tolerance: 20 m (found: under a few metres, boost and coast).
            assert np.linalg.norm(ref - got) < 20.0, (i, k)
    # The short shot (about 200 km) cut its thrust off early; the others burn in full.
    assert cut == {2}


def test_boost_and_rotation__move_the_footprint_and_are_off_by_default():
    lon, lat = _ring_targets(*TABRIZ, n=30, seed=8)
    common = dict(
        radars=[_omni(37.79, 38.35, 1_500.0)], sites=[_site(), _site("b", 27.0, 34.5, 4.5)]
    )
    plain = eng.engage(*TABRIZ, lon, lat, threat=eng.ThreatSpec(max_range_m=4_000e3), **common)
    boosted = eng.engage(*TABRIZ, lon, lat, threat=_boosted_threat(), **common)
    # The boost adds its burn to the flight time; rotation moves the flight time by seconds.
    ok = plain.reachable[0]
    assert np.all(boosted.flight_time_s[0, ok] > plain.flight_time_s[0, ok] + 30.0)
    assert eng.ThreatSpec(max_range_m=1e6).boost is None
    assert eng.ThreatSpec(max_range_m=1e6).rotation is False


# ----------------------------------------------------------------------------- booster RCS


def _long_boost() -> eng.ThreatSpec:
    """The design case's boost (a 6,560 km threat: 240 s nominal), high before burnout."""
    from coverage.scenario import boost_programme, class_for_range_m

    return eng.ThreatSpec(
        max_range_m=6_560e3, boost=boost_programme(class_for_range_m(6_560e3)), rotation=True
    )


def _booster_case(booster, *, threat=None, seed=21, n=30):
    """Launches from Shahrud, 1,600 km east of the Kürecik TPY-2: beyond a warhead's range."""
    lon, lat = _ring_targets(*SHAHRUD, n=n, seed=seed)
    return dict(
        launch_lon_deg=SHAHRUD[0],
        launch_lat_deg=SHAHRUD[1],
        target_lon_deg=lon,
        target_lat_deg=lat,
        radars=[KURECIK_TPY2],
        sites=[_site("ship", 27.0, 34.5, 4.5, max_km=1000.0, flyout=_pm(4.5))],
        threat=threat or _long_boost(),
        assumptions=eng.EngagementAssumptions(
            cue_time_s=60.0,
            cued_range_factor=1.5,
            radar=rad.RadarAssumptions(target_rcs_m2=0.05, k_factor=1.0, booster_rcs_m2=booster),
        ),
    )


def test_booster_rcs__vectorised_equals_reference_loop():
    kwargs = _booster_case(10.0, n=16)
    # And two SPY-1s: one the boost of some flights rises above (eastern Mediterranean), one
    # whose horizon every boost stays below (Rota: skipped by the boost-extent bound).
    ship = rad.RadarSpec(lon_deg=27.0, lat_deg=34.5, height_m=20.0, range_m=600e3)
    rota = rad.RadarSpec(lon_deg=-6.33, lat_deg=36.62, height_m=20.0, range_m=600e3)
    kwargs["radars"] = [KURECIK_TPY2, ship, rota]
    fast = eng.engage(chunk_size=8, **kwargs)
    slow = eng.engage_reference(**kwargs)
    for name in ("reachable", "in_reach", "defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    for name in ("radar_detection_s", "launch_time_s", "first_intercept_s"):
        assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-6, err_msg=name)
    # The bound: Rota is ~5,500 km from Shahrud, beyond the horizon of any boost sample.
    order, blocks = eng.threat_tracks(
        SHAHRUD, kwargs["target_lon_deg"], kwargs["target_lat_deg"], kwargs["threat"], 4.0
    )
    lu = np.asarray(eng.unit_vectors(*SHAHRUD))
    alt_max, phi_max = eng._boost_extent(blocks[0], lu)
    assert np.all(alt_max > 40e3) and np.all(phi_max < 0.1)  # risen, and near the launch point
    gamma = math.acos(float(np.dot(eng._radar_geom(rota).unit, lu)))
    horizon = rad.horizon_ground_range_m(20.0, alt_max, k_factor=1.0)
    assert np.all((gamma - phi_max) * EARTH_RADIUS_M > horizon)


def test_booster_rcs__a_booster_is_seen_in_boost_where_its_warhead_is_not():
    """Known answer: detection before burnout, inside the booster's σ^¼-scaled range only.

    From Shahrud the warhead (0.05 m²: 1,500 km x 0.05^¼ x 1.5 cued = 1,064 km) is out of the
    TPY-2's range at burnout; a 1 m² booster (2,250 km cued) is seen as soon as it clears the
    2° mask, before burnout. Each such first detection is checked sample by sample here: before
    the flight's burnout, within the booster's range and not within the warhead's.
    """
    none = eng.engage(**_booster_case(None))
    same = eng.engage(**_booster_case(0.05))  # the warhead's value: the one-RCS model
    big = eng.engage(**_booster_case(1.0))
    for name in ("radar_detection_s", "first_intercept_s", "defended"):
        np.testing.assert_array_equal(getattr(same, name), getattr(none, name), err_msg=name)
    det_none, det_big = none.radar_detection_s[0, 0], big.radar_detection_s[0, 0]
    seen = np.isfinite(det_big)
    assert seen.sum() > np.isfinite(det_none).sum()  # 23 flights against 16 (found)
    assert np.all(det_big[seen] <= det_none[seen])  # a larger target is never seen later
    earlier = seen & ~(det_big >= det_none)
    assert earlier.sum() >= 15  # most flights: seen in boost, at ~180 s instead of ~400 s
    order, blocks = eng.threat_tracks(SHAHRUD, *_ring_targets(*SHAHRUD, n=30, seed=21),
                                      _long_boost(), 4.0)  # fmt: skip
    tr = blocks[0]
    r1 = EARTH_RADIUS_M + KURECIK_TPY2.height_m
    ru = np.asarray(eng.unit_vectors(KURECIK_TPY2.lon_deg, KURECIK_TPY2.lat_deg))
    for row, i in enumerate(order):
        if not earlier[i]:
            continue
        k = int(np.flatnonzero(tr.t[row] == det_big[i])[0])
        assert tr.t[row, k] < tr.burnout_s[row]
        p = np.array([tr.px[row, k], tr.py[row, k], tr.pz[row, k]])
        slant = np.linalg.norm(p - r1 * ru)
        assert 1_064e3 < slant <= 2_250e3 * (1 + 1e-9), (i, slant)
    # Earlier detection can only add defended ground (the launch comes earlier).
    assert np.all(big.defended[none.defended])


def test_booster_rcs__has_no_effect_without_a_boost_phase():
    kepler = eng.ThreatSpec(max_range_m=4_000e3)
    a = eng.engage(**_booster_case(None, threat=kepler))
    b = eng.engage(**_booster_case(10.0, threat=kepler))
    np.testing.assert_array_equal(a.radar_detection_s, b.radar_detection_s)
    with pytest.raises(ValueError, match="booster_rcs_m2"):
        rad.RadarAssumptions(booster_rcs_m2=0.0)
    assert rad.boost_phase(rad.RadarAssumptions(target_rcs_m2=0.05)) is None
    assert rad.boost_phase(
        rad.RadarAssumptions(target_rcs_m2=0.05, booster_rcs_m2=1.0)
    ) == rad.RadarAssumptions(target_rcs_m2=1.0)


def _needs_warhead(kwargs: dict) -> dict:
    """The same case with a boost track counted only where the warhead is in view at burnout."""
    a = kwargs["assumptions"]
    radar = replace(a.radar, boost_track_needs_warhead=True)
    return {**kwargs, "assumptions": replace(a, radar=radar)}


def _assert_engine_equals_reference(kwargs) -> eng.EngagementResult:
    """The vectorised engine's flags and times against the reference loop's; the engine's."""
    fast = eng.engage(chunk_size=8, **kwargs)
    slow = eng.engage_reference(**kwargs)
    for name in ("reachable", "in_reach", "defended", "defended_by"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
    for name in ("radar_detection_s", "warning_time_s", "launch_time_s", "first_intercept_s"):
        assert_allclose(getattr(fast, name), getattr(slow, name), rtol=0, atol=1e-6, err_msg=name)
    return fast


@pytest.mark.parametrize("booster", [10.0, 0.05])
def test_boost_track_needs_warhead__vectorised_equals_reference_loop(booster):
    """Both the booster's own RCS and one RCS (the stack seen in boost as its warhead), with a
    satellite cue inside the boost, three radars and an early-warning radar."""
    kwargs = _needs_warhead(_booster_case(booster, n=16))
    ship = rad.RadarSpec(lon_deg=27.0, lat_deg=34.5, height_m=20.0, range_m=600e3)
    kwargs["radars"] = [KURECIK_TPY2, ship]
    kwargs["warning_radars"] = [_ARMAVIR]
    _assert_engine_equals_reference(kwargs)


def test_boost_track_needs_warhead__from_shahrud_the_boost_track_is_dropped():
    """Known answer. From Shahrud (1,550 km) the Kürecik TPY-2 sees a 1 m² booster before
    burnout but never has the 0.05 m² warhead in view at burnout (its cued range against it is
    1,064 km): with the warhead required every radar time is its first sight of the warhead,
    the one-RCS model's times and defended ground exactly, and never sooner than with the
    track held; an early-warning radar's sighting (a warning) is the same either way."""
    held_kw = _booster_case(1.0)
    held_kw["warning_radars"] = [_ARMAVIR]
    held = eng.engage(**held_kw)
    strict = eng.engage(**_needs_warhead(held_kw))
    one_kw = _booster_case(0.05)
    one_kw["warning_radars"] = [_ARMAVIR]
    one = eng.engage(**one_kw)
    seen_in_boost = np.isfinite(held.radar_detection_s[0]) & ~np.isfinite(one.radar_detection_s[0])
    assert seen_in_boost.sum() >= 5  # flights tracked on the booster alone when it is held
    assert np.all(~np.isfinite(strict.radar_detection_s[0, seen_in_boost]))
    np.testing.assert_array_equal(strict.radar_detection_s[0], one.radar_detection_s[0])
    np.testing.assert_array_equal(strict.defended, one.defended)
    assert np.all(strict.radar_detection_s[0] >= held.radar_detection_s[0])
    assert np.all(held.defended[strict.defended]) and held.defended.sum() > strict.defended.sum()
    np.testing.assert_array_equal(strict.warning_time_s, held.warning_time_s)


def test_boost_track_needs_warhead__from_tabriz_the_track_passes_at_burnout():
    """Known answer. From Tabriz, 743 km from the Kürecik TPY-2 and flying toward it, the radar
    has the warhead in view at burnout on the flights it saw in boost: the requirement changes
    no detection there. Without a boost phase it changes nothing at all."""
    kwargs = _booster_case(1.0)
    lon, lat = _ring_targets(*TABRIZ, n=30, seed=5)
    kwargs.update(launch_lon_deg=TABRIZ[0], launch_lat_deg=TABRIZ[1])
    kwargs.update(target_lon_deg=lon, target_lat_deg=lat)
    held = eng.engage(**kwargs)
    strict = eng.engage(**_needs_warhead(kwargs))
    assert np.isfinite(held.radar_detection_s).sum() >= 20
    np.testing.assert_array_equal(strict.radar_detection_s, held.radar_detection_s)
    np.testing.assert_array_equal(strict.defended, held.defended)
    kepler = {**kwargs, "threat": eng.ThreatSpec(max_range_m=4_000e3)}
    a, b = eng.engage(**kepler), eng.engage(**_needs_warhead(kepler))
    np.testing.assert_array_equal(a.radar_detection_s, b.radar_detection_s)
    with pytest.raises(ValueError, match="boost_track_needs_warhead"):
        rad.RadarAssumptions(boost_track_needs_warhead="yes")  # type: ignore[arg-type]


@settings(max_examples=8, deadline=None)
@given(m1=st.floats(-1.0, 10.0), dm=st.floats(0.5, 15.0))
def test_raising_a_radar_types_elevation_mask__never_adds_defended_ground(m1, dm):
    """Per-radar masks (RadarSpec.min_elevation_deg) reach the engine and the reference loop."""

    def run(mask, reference=False):
        radar = rad.RadarSpec(
            lon_deg=37.79, lat_deg=38.35, height_m=2090.0, range_m=1_500e3, min_elevation_deg=mask
        )
        kw = dict(
            radars=[radar],
            sites=[_site(own_radar=radar), _site("b", 27.0, 34.5, 4.5, own_radar=radar)],
            threat=eng.ThreatSpec(max_range_m=3_000e3),
            assumptions=eng.EngagementAssumptions(engage_on_remote=False),
        )
        fn = eng.engage_reference if reference else eng.engage
        return fn(*TABRIZ, _GRID_LON[:25], _GRID_LAT[:25], **kw)

    low, high = run(m1), run(m1 + dm)
    assert not np.any(high.defended & ~low.defended)
    reach = low.reachable
    assert np.all(high.detection_time_s[reach] >= low.detection_time_s[reach])
    np.testing.assert_array_equal(high.defended, run(m1 + dm, reference=True).defended)


def test_explicit_elevation_mask__overrides_the_radar_types_own():
    spec = rad.RadarSpec(
        lon_deg=0.0, lat_deg=0.0, height_m=10.0, range_m=5_000e3, min_elevation_deg=10.0
    )
    own = rad.footprint_radius_m(spec, 300e3, rad.RadarAssumptions(k_factor=1.0))
    override = rad.footprint_radius_m(
        spec, 300e3, rad.RadarAssumptions(k_factor=1.0, min_elevation_deg=0.0)
    )
    assert own[1] == "horizon" and own[0] < override[0]


def test_track_disk_store__gives_exactly_the_fresh_tracks(tmp_path):
    """A stored track set equals a fresh build array for array; the engine's answer is the same.

    The store is written atomically under the folder given (never data/), a damaged file is
    rebuilt, and a store that cannot write only loses the cache.
    """
    from coverage.products.diskcache import TrackDiskStore

    threat = _boosted_threat()
    lon, lat = _ring_targets(*TABRIZ, n=90, seed=11)
    common = dict(radars=[_omni(37.79, 38.35, 1_500.0)], sites=[_site()], threat=threat)
    eng.clear_track_caches()
    fresh = eng.engage(*TABRIZ, lon, lat, **common)
    fresh_order, fresh_blocks = eng.threat_tracks(TABRIZ, lon, lat, threat, 2.0)
    store = TrackDiskStore(tmp_path / "tracks", mapped=True)  # as diskcache.track_store()
    eng.clear_track_caches()
    eng.threat_tracks(TABRIZ, lon, lat, threat, 2.0, store=store)  # built and saved
    files = list((tmp_path / "tracks").glob("*.npz"))
    assert len(files) == 1 and not list((tmp_path / "tracks").glob("*.part"))
    eng.clear_track_caches()
    order, blocks = eng.threat_tracks(TABRIZ, lon, lat, threat, 2.0, store=store)  # loaded
    np.testing.assert_array_equal(order, fresh_order)
    for got, want in zip(blocks, fresh_blocks, strict=True):
        fields = ("t", "px", "py", "pz", "alt", "r", "flight_time_s", "dev", "phi_lo", "burnout_s")
        for name in fields:
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert not blocks[0].px.flags.writeable  # mapped from the file, not read into memory
    eng.clear_track_caches()
    warm = eng.engage(*TABRIZ, lon, lat, track_store=store, **common)
    for name in ("defended", "defended_by", "first_intercept_s", "flight_time_s"):
        np.testing.assert_array_equal(getattr(warm, name), getattr(fresh, name), err_msg=name)
    # A damaged file is ignored and rebuilt; an unwritable store only loses the cache.
    whole = files[0].read_bytes()
    files[0].write_bytes(whole[: len(whole) // 2])  # cut short: its members end past the file
    eng.clear_track_caches()
    again = eng.threat_tracks(TABRIZ, lon, lat, threat, 2.0, store=store)
    np.testing.assert_array_equal(again[1][0].px, fresh_blocks[0].px)
    files[0].write_bytes(b"not an npz")
    eng.clear_track_caches()
    again = eng.threat_tracks(TABRIZ, lon, lat, threat, 2.0, store=store)
    np.testing.assert_array_equal(again[1][0].px, fresh_blocks[0].px)
    blocked = TrackDiskStore(files[0] / "not-a-folder")
    eng.clear_track_caches()
    eng.threat_tracks(TABRIZ, lon, lat, threat, 2.0, store=blocked)
    assert blocked.load("anything") is None


def test_new_delay__reuses_detections_and_gives_the_fresh_answer():
    """Detections kept in a track block's memo for the next delay give exactly a fresh run."""
    threat = _boosted_threat()
    lon, lat = _ring_targets(*TABRIZ, n=80, seed=12)
    common = dict(
        radars=[_omni(37.79, 38.35, 1_500.0)],
        sites=[_site(), _site("b", 27.0, 34.5, 4.5)],
        threat=threat,
        chunk_size=16,
    )
    slow, fast = eng.EngagementAssumptions(delay_s=120.0), eng.EngagementAssumptions(delay_s=30.0)
    eng.clear_track_caches()
    eng.engage(*TABRIZ, lon, lat, assumptions=slow, **common)
    _, blocks = eng.threat_tracks(TABRIZ, lon, lat, threat, slow.time_step_s)
    assert any(key[0] == "detections" for key in blocks[0].memo)
    calls = []
    original = eng._detections

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    eng._detections = counting
    try:
        reused = eng.engage(*TABRIZ, lon, lat, assumptions=fast, **common)
    finally:
        eng._detections = original
    assert not calls  # the delay changed, the detections were not recomputed
    eng.clear_track_caches()
    fresh = eng.engage(*TABRIZ, lon, lat, assumptions=fast, **common)
    for name in ("defended", "defended_by", "first_intercept_s", "launch_time_s"):
        np.testing.assert_array_equal(getattr(reused, name), getattr(fresh, name), err_msg=name)
    assert not np.array_equal(
        reused.launch_time_s,
        eng.engage(*TABRIZ, lon, lat, assumptions=slow, **common).launch_time_s,
    )


def test_latest_launch__one_run_gives_the_defended_targets_at_every_delay():
    # A site intercepts exactly when its launch (detection + delay) is no later than the
    # latest launch time, which the engine computes once: the defended targets at another
    # delay follow from one run, equal to a run at that delay (no shoot-look-shoot, no
    # early-warning radars: the launch moves with the delay one for one).
    lon, lat = _ring_targets(*TABRIZ, n=60, seed=9)
    kwargs = dict(
        radars=[_omni(*TABRIZ, 1_500.0)],
        sites=[
            _site("pm", 24.41, 44.08, 3.0, flyout=_pm(3.0, "achieved")),
            _site("b", 17.11, 54.48, 4.5, flyout=_pm(4.5, "achieved")),
        ],
        threat=eng.ThreatSpec(max_range_m=4_000e3),
    )
    base = eng.engage(
        *TABRIZ,
        lon,
        lat,
        assumptions=eng.EngagementAssumptions(delay_s=60.0),
        latest=True,
        **kwargs,
    )
    assert np.isfinite(base.latest_launch_s[base.reachable[:, None, :].repeat(2, 1)]).any()
    changed = 0
    for delay in (0.0, 150.0, 300.0, 600.0):
        run = eng.engage(
            *TABRIZ,
            lon,
            lat,
            assumptions=eng.EngagementAssumptions(delay_s=delay),
            latest=True,
            **kwargs,
        )
        np.testing.assert_array_equal(run.latest_launch_s, base.latest_launch_s)  # delay-free
        launch = base.launch_time_s + (delay - 60.0)
        with np.errstate(invalid="ignore"):
            site_ok = launch <= base.latest_launch_s
        np.testing.assert_array_equal(site_ok, np.isfinite(run.first_intercept_s))
        derived = base.in_reach & np.all(~base.reachable | site_ok.any(axis=1), axis=0)
        np.testing.assert_array_equal(derived, run.defended)
        changed += int((run.defended != base.defended).sum())
    assert changed > 0  # the delays chosen do move the answer: the test is not vacuous
    # Not asked: not computed (nan), and nothing else changes.
    plain = eng.engage(
        *TABRIZ, lon, lat, assumptions=eng.EngagementAssumptions(delay_s=60.0), **kwargs
    )
    assert np.isnan(plain.latest_launch_s).all()
    np.testing.assert_array_equal(plain.defended, base.defended)
    np.testing.assert_array_equal(plain.first_intercept_s, base.first_intercept_s)


@pytest.mark.parametrize(
    ("booster", "boresight"), [(10.0, 100.0), (0.05, 100.0), (10.0, 220.0), (10.0, 280.0)]
)
def test_refraction__vectorised_equals_reference_loop_and_never_sees_later(booster, boresight):
    """The refracted mask (a per-sample elevation threshold in the compiled loops, numpy's in
    the engine's other tests, ``math``'s in the reference loop) gives the same answers; and it
    only lowers the threshold, so no radar sees a flight later and no ground is lost. With the
    TPY-2 turned away (220°, 280°) too: the flights then lie outside its sector, which the
    compiled loop had ignored with refraction on."""
    masked = [
        replace(KURECIK_TPY2, min_elevation_deg=2.0, boresight_deg=boresight),
        rad.RadarSpec(
            lon_deg=27.0, lat_deg=34.5, height_m=20.0, range_m=600e3, min_elevation_deg=1.0
        ),
    ]
    ew = replace(_ARMAVIR, min_elevation_deg=2.0)
    plain = dict(_booster_case(booster, n=16), radars=masked, warning_radars=[ew])
    a = plain["assumptions"]
    refracted = {**plain, "assumptions": replace(a, radar=replace(a.radar, refraction_scale=1.0))}
    fast = _assert_engine_equals_reference(refracted)
    base = eng.engage(chunk_size=8, **plain)
    for name in ("radar_detection_s", "warning_time_s"):
        now, before = getattr(fast, name), getattr(base, name)
        assert np.all(now <= before), name  # inf where never seen: never later, never lost
    assert np.all(fast.defended[base.defended])
    # And it matters here: some radar sees some flight sooner (the booster rising at the mask).
    if boresight == 100.0:
        assert np.any(fast.radar_detection_s < base.radar_detection_s) or np.any(
            fast.warning_time_s < base.warning_time_s
        )


@pytest.mark.parametrize("refraction", [0.0, 1.0])
def test_compiled_visibility__equals_numpys_at_every_azimuth(refraction):
    """The compiled loops' per-sample test against ``radar.visible``, all round a sector radar.

    A review found the refraction's local variable had overwritten the sample's x coordinate
    that the sector test reads: with refraction on, the TPY-2 saw behind its face (38 of 72
    azimuths wrong). Every flight of the engine tests lay inside the sector, so none caught it.
    """
    from coverage.physics import kernels

    spec = replace(KURECIK_TPY2, min_elevation_deg=2.0)
    ra = rad.RadarAssumptions(target_rcs_m2=1.0, k_factor=1.0, refraction_scale=refraction)
    rd = eng.radar_rows(spec, ra, 1.0)[0]
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    checked = 0
    for az in np.arange(2.5, 360.0, 5.0):  # off the sector's edges (40° and 160°)
        for dist_km, alt_km in ((600.0, 300.0), (1_000.0, 120.0), (1_400.0, 600.0), (300.0, 20.0)):
            lon, lat, _ = geod.fwd(spec.lon_deg, spec.lat_deg, az, dist_km * 1e3)
            alt = alt_km * 1e3
            p = np.asarray(eng.unit_vectors(lon, lat)) * (EARTH_RADIUS_M + alt)
            rr = float(np.linalg.norm(p))
            fast = kernels._visible_py(float(p[0]), float(p[1]), float(p[2]), rr, alt, rd)
            slow = bool(rad.visible(spec, lon, lat, alt, ra))
            assert fast == slow, (az, dist_km, alt_km)
            checked += slow
    assert checked > 20  # some samples seen, inside the 120° sector
