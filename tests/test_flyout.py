"""Tests for coverage.physics.flyout: known answers, an independent solve_ivp check, invariants."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.integrate import solve_ivp

from coverage.catalogue.tables import ESTIMATES, load_catalogue
from coverage.physics import flyout as fo
from coverage.physics.ballistics import MU_EARTH_M3PS2
from coverage.physics.geodesy import EARTH_RADIUS_M

INTERCEPTORS = ("sm3_ia", "sm3_ib", "sm3_iia", "sm3_iib")
THREE_STAGES = {"stage_burn_times_s": (6.0, 30.0, 24.0), "stage_dv_fractions": (0.2, 0.4, 0.4)}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _spec_from_catalogue(catalogue, system_id: str, estimate: str) -> fo.FlyoutSpec:
    """Catalogue rows -> spec, as the CLI wiring will do it."""
    names = catalogue.parameters.parameter[catalogue.parameters.system_id == system_id]
    values = {n: catalogue.parameter(system_id, n, estimate) for n in names}
    return fo.flyout_spec_from_parameters(values)


def _spec(speed_mps: float = 4500.0, **kw) -> fo.FlyoutSpec:
    fields = {**THREE_STAGES, "ballistic_coefficient_kgpm2": 20_000.0, **kw}
    return fo.FlyoutSpec(burnout_speed_mps=speed_mps, **fields)


# ----------------------------------------------------------------- independent reference (scipy)


def _reference(spec: fo.FlyoutSpec, elevation_deg: float, t_end_s: float):
    """The same physics written independently (scalar maths) and integrated by DOP853.

    Returns a function t -> (ground range m, altitude m, radial speed m/s).
    """
    el = math.radians(elevation_deg)
    beta = spec.ballistic_coefficient_kgpm2

    def rhs(_t, s, accel):
        x, y, vx, vy = s
        r = math.hypot(x, y)
        g = -MU_EARTH_M3PS2 / r**3
        drag = 0.0
        if beta != math.inf:
            rho = 1.225 * math.exp(-(r - EARTH_RADIUS_M) / 7_200.0)
            drag = rho * math.hypot(vx, vy) / (2.0 * beta)
        return [
            vx,
            vy,
            g * x + accel * math.cos(el) - drag * vx,
            g * y + accel * math.sin(el) - drag * vy,
        ]

    phases = [
        (t, f * spec.burnout_speed_mps / t)
        for t, f in zip(spec.stage_burn_times_s, spec.stage_dv_fractions, strict=True)
    ]
    phases.append((t_end_s - spec.burn_time_s, 0.0))
    state, t0, pieces = [0.0, EARTH_RADIUS_M, 0.0, 0.0], 0.0, []
    for duration, accel in phases:
        sol = solve_ivp(
            rhs,
            (t0, t0 + duration),
            state,
            method="DOP853",
            rtol=1e-10,
            atol=1e-6,
            args=(accel,),
            dense_output=True,
        )
        pieces.append(sol)
        state, t0 = sol.y[:, -1], t0 + duration

    def at(t: float) -> tuple[float, float, float]:
        sol = next(p for p in pieces if p.t[0] <= t <= p.t[-1])
        x, y, vx, vy = sol.sol(t)
        r = math.hypot(x, y)
        return EARTH_RADIUS_M * math.atan2(x, y), r - EARTH_RADIUS_M, (x * vx + y * vy) / r

    return at


# ----------------------------------------------------------------- known answers


def test_impulsive_ceiling__formula_known_answer():
    # h = r0·v²/(2μ/r0 − v²): 3.0 km/s -> ~494 km (fact sheet's "~500 km" for SM-3 IA).
    assert fo.impulsive_vertical_ceiling_m(3_000.0) / 1000 == pytest.approx(493.8, abs=0.5)
    assert fo.impulsive_vertical_ceiling_m(11_200.0) == math.inf


@pytest.mark.parametrize("speed_mps", [2_000.0, 3_000.0, 4_500.0])
def test_vertical_shot__near_impulsive_burn_matches_energy_formula(speed_mps):
    # A 0.2 s burn without drag is nearly impulsive; tolerance 1 % (the burn's own gravity
    # loss and height are ~2 m/s and ~0.3 km).
    spec = fo.FlyoutSpec(
        burnout_speed_mps=speed_mps,
        stage_burn_times_s=(0.2,),
        stage_dv_fractions=(1.0,),
        max_time_s=1_500.0,
    )
    ceiling = float(np.nanmax(fo.trajectory(spec, 90.0).altitude_m))
    assert ceiling == pytest.approx(fo.impulsive_vertical_ceiling_m(speed_mps), rel=0.01)


def test_vertical_shot__finite_burn_and_drag_fall_short_of_impulsive():
    impulsive = fo.impulsive_vertical_ceiling_m(3_000.0)
    no_drag = _spec(3_000.0, ballistic_coefficient_kgpm2=math.inf)
    with_drag = _spec(3_000.0)
    top_no_drag = float(np.nanmax(fo.trajectory(no_drag, 90.0).altitude_m))
    top_drag = float(np.nanmax(fo.trajectory(with_drag, 90.0).altitude_m))
    assert top_drag < top_no_drag < impulsive
    # Gravity loss is computed: a vertical 60 s burn loses about g·t_b (~0.58 km/s).
    fan = fo.trajectory(no_drag, 90.0)
    loss = 3_000.0 - fan.speed_mps[0, fan.burnout_index]
    assert 0.5 * 9.5 * 60 < loss < 9.81 * 60


def test_speed_basis_achieved__reaches_the_quoted_speed_at_the_reference_elevation():
    ideal, achieved = _spec(3_000.0), _spec(3_000.0, speed_basis="achieved")
    assert fo.thrust_scale(ideal) == 1.0
    assert fo.thrust_scale(achieved) > 1.0
    fan = fo.trajectory(achieved, 45.0)
    assert fan.speed_mps[0, fan.burnout_index] == pytest.approx(3_000.0, abs=0.05)
    steep = fo.flyout_summary(replace(achieved, reference_elevation_deg=90.0))
    assert steep["achieved_burnout_speed_kmps"]["vertical"] == pytest.approx(3.0, abs=1e-4)
    assert fo.flyout_table(achieved).max_altitude_m > fo.flyout_table(ideal).max_altitude_m


def test_speed_basis_achieved__unreachable_speed_is_an_error():
    # 10 km/s after losses would need more than 15 km/s of loss-free increment with this drag.
    spec = _spec(10_000.0, ballistic_coefficient_kgpm2=500.0, speed_basis="achieved")
    with pytest.raises(ValueError, match="burnout_speed_mps=10000"):
        fo.thrust_scale(spec)


# ----------------------------------------------------------------- independent check (solve_ivp)


@pytest.mark.parametrize("elevation_deg", [20.0, 45.0, 80.0])
def test_integrator__agrees_with_solve_ivp_dop853(elevation_deg):
    # Fixed-step RK4 vs DOP853 (rtol 1e-10) on the same physics: positions within 10 m.
    spec = _spec(4_500.0)
    traj = fo.trajectory(spec, elevation_deg)
    ref = _reference(spec, elevation_deg, float(traj.time_s[-1]))
    for k in range(0, traj.time_s.size, 25):
        if not np.isfinite(traj.altitude_m[0, k]):
            break
        x, h, _ = ref(float(traj.time_s[k]))
        assert traj.ground_range_m[0, k] == pytest.approx(x, abs=10.0)
        assert traj.altitude_m[0, k] == pytest.approx(h, abs=10.0)


@pytest.mark.parametrize(
    ("speed_mps", "elevation_deg"),
    [(2_700.0, 54.3), (2_700.0, 61.7), (2_700.0, 75.2), (2_700.0, 88.1)]
    + [(4_500.0, el) for el in (33.3, 46.3, 47.7, 61.7, 75.2, 88.1)],
)
def test_table__times_agree_with_independent_trajectories(speed_mps, elevation_deg):
    """Table times against solve_ivp trajectories at angles *between* the fan's.

    Climbing points (radial speed > 1 km/s) are reached by no other fan member, so the table's
    earliest time must equal the trajectory's time: within 0.5 s. Falling points may be reached
    earlier by another angle, so the table may be earlier, but never later by more than 5 s: near
    the fold of the fan (its outer envelope, where two branches meet) the earliest time has a
    square-root profile that bilinear interpolation on the 10 km grid over-estimates (measured up
    to ~4.9 s; conservative). Slow points near the apex (|radial speed| < 1 km/s, the same kind
    of singularity) are skipped. Only usable altitudes are looked up; points within a grid cell
    of the fan's edge may be nan (the lookup needs every surrounding grid point).
    """
    spec = _spec(speed_mps)
    table = fo.flyout_table(spec)
    ref = _reference(spec, elevation_deg, spec.max_time_s)
    climbing, falling = 0, 0
    for t in np.arange(2.0, spec.max_time_s, 3.0):
        x, h, vr = ref(float(t))
        if h < 0:
            break
        te = float(fo.earliest_time_s(table, x, h))
        if h < spec.min_intercept_alt_m or abs(vr) < 1_000.0 or math.isnan(te):
            continue
        if vr > 0:
            climbing += 1
            assert te == pytest.approx(t, abs=0.5), (x, h)
        else:
            falling += 1
            assert te <= t + 5.0, (x, h)
    assert climbing + falling >= 5


# ----------------------------------------------------------------- invariants


def test_table__time_increases_with_range_at_fixed_altitude():
    spec = _spec(4_500.0)
    table = fo.flyout_table(spec)
    for j in np.flatnonzero(table.altitude_m >= spec.min_intercept_alt_m):
        row = table.time_s[j]
        reach = np.flatnonzero(np.isfinite(row))
        assert reach.size
        assert (np.diff(reach) == 1).all(), "a usable row is reachable on one interval"
        assert (np.diff(row[reach]) >= -1e-9).all()


def test_table__higher_burnout_speed_never_later_or_unreachable():
    slow, fast = fo.flyout_table(_spec(3_000.0)), fo.flyout_table(_spec(3_500.0))
    r, h = np.meshgrid(slow.ground_range_m, slow.altitude_m)
    t_slow = fo.earliest_time_s(slow, r, h)
    t_fast = fo.earliest_time_s(fast, r, h)
    reach = np.isfinite(t_slow)
    assert reach.sum() > 100
    assert np.isfinite(t_fast[reach]).all()
    # 0.5 s: bilinear interpolation on the two grids.
    assert (t_fast[reach] <= t_slow[reach] + 0.5).all()


@pytest.mark.parametrize("system_id", INTERCEPTORS)
def test_table__reachable_set_grows_from_low_to_high_estimate(catalogue, system_id):
    tables = [fo.flyout_table(_spec_from_catalogue(catalogue, system_id, e)) for e in ESTIMATES]
    r, h = np.meshgrid(tables[0].ground_range_m, tables[0].altitude_m)
    reach = [np.isfinite(fo.earliest_time_s(t, r, h)) for t in tables]
    assert reach[0].any()
    assert (reach[1] >= reach[0]).all() and (reach[2] >= reach[1]).all()
    assert reach[2].sum() > reach[0].sum()
    assert tables[0].max_altitude_m < tables[1].max_altitude_m < tables[2].max_altitude_m


def test_table__ceiling_is_the_vertical_shot_and_nothing_reaches_above():
    spec = _spec(3_000.0)
    table = fo.flyout_table(spec)
    vertical = float(np.nanmax(fo.trajectory(spec, 90.0).altitude_m))
    assert table.max_altitude_m == pytest.approx(vertical, rel=1e-9)
    assert np.isnan(fo.earliest_time_s(table, 0.0, vertical + 1_000.0))
    assert table.max_intercept_alt_m == table.max_altitude_m
    assert np.isfinite(table.time_s[table.altitude_m <= vertical - 10e3]).any(axis=1).all()


# ----------------------------------------------------------------- lookup


def test_earliest_time__nan_below_floor_outside_grid_and_keeps_shape():
    spec = _spec(3_000.0)
    table = fo.flyout_table(spec)
    r = np.array([[100e3, 100e3], [-1.0, 1e9]])
    h = np.array([[50e3, 150e3], [150e3, 150e3]])
    t = fo.earliest_time_s(table, r, h)
    assert t.shape == (2, 2)
    assert np.isnan(t[0, 0])  # below the 80 km floor
    assert 0 < t[0, 1] < 300
    assert np.isnan(t[1]).all()
    assert np.isfinite(fo.earliest_time_s(table, 100e3, 50e3, usable_only=False))


def test_earliest_time__exact_on_grid_nodes():
    table = fo.flyout_table(_spec(3_000.0))
    j, i = np.nonzero(np.isfinite(table.time_s) & (table.altitude_m[:, None] >= 80e3))
    got = fo.earliest_time_s(table, table.ground_range_m[i], table.altitude_m[j])
    assert_allclose(got, table.time_s[j, i], rtol=0, atol=1e-9)


def test_flyout_table__is_cached_per_equal_spec():
    assert fo.flyout_table(_spec(3_000.0)) is fo.flyout_table(_spec(3_000.0))


class _DictStore:
    """An in-memory stand-in for the disk store (what was saved, how often it was asked)."""

    def __init__(self) -> None:
        self.saved: dict[str, dict] = {}
        self.loads = 0
        self.saves = 0

    def load(self, key):
        self.loads += 1
        return self.saved.get(key)

    def save(self, key, arrays):
        self.saves += 1
        self.saved[key] = {k: np.array(v) for k, v in arrays.items()}


def test_flyout_table__from_a_store_is_the_built_table_and_is_not_rebuilt(monkeypatch):
    spec, store = _spec(3_100.0), _DictStore()
    fo.clear_table_cache()
    built = fo.flyout_table(spec, store=store)
    assert len(store.saved) == 1  # saved after the build
    fo.clear_table_cache()  # as in a new process

    def no_build(_spec):
        raise AssertionError("built again although the store holds it")

    monkeypatch.setattr(fo, "_build_table", no_build)
    loaded = fo.flyout_table(spec, store=store)
    assert loaded is not built
    for name in ("ground_range_m", "altitude_m", "time_s", "envelope_range_m"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(built, name))
    assert loaded.max_altitude_m == built.max_altitude_m
    assert not loaded.time_s.flags.writeable
    # Another spec (one field differs) is another key: not answered by this entry.
    monkeypatch.undo()
    fo.flyout_table(replace(spec, min_elevation_deg=3.0), store=store)
    assert len(store.saved) == 2


def test_flyout_table__kept_in_memory_is_saved_to_the_store_once():
    spec, store = _spec(3_300.0), _DictStore()
    fo.clear_table_cache()
    table = fo.flyout_table(spec)  # built without a store (e.g. by the ICBM table's caller)
    assert fo.flyout_table(spec, store=store) is table
    assert store.saves == 1 and store.loads == 0
    fo.flyout_table(spec, store=store)
    assert store.saves == 1  # known to be there: not written on every ask


def test_flyout_table__threads_asking_at_once_build_it_once(monkeypatch):
    import threading

    spec, builds = _spec(3_400.0), []
    fo.clear_table_cache()
    real = fo._build_table

    def slow_build(s):
        builds.append(s)
        return real(s)

    monkeypatch.setattr(fo, "_build_table", slow_build)
    got = []
    threads = [threading.Thread(target=lambda: got.append(fo.flyout_table(spec))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert len(got) == 6 and all(g is got[0] for g in got)


def test_flyout_table__a_damaged_store_entry_is_rebuilt():
    spec, store = _spec(3_200.0), _DictStore()
    fo.clear_table_cache()
    good = fo.flyout_table(spec, store=store)
    (key,) = store.saved
    store.saved[key]["time_s"] = np.zeros((2, 2))  # not the table's shape
    fo.clear_table_cache()
    again = fo.flyout_table(spec, store=store)
    np.testing.assert_array_equal(again.time_s, good.time_s)
    assert store.saved[key]["time_s"].shape == good.time_s.shape  # replaced by the rebuild


# ----------------------------------------------------------------- inputs and data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"burnout_speed_mps": 50.0}, "burnout_speed_mps"),
        ({"stage_burn_times_s": (6.0, 30.0)}, "stage_dv_fractions"),
        ({"stage_dv_fractions": (0.2, 0.4, 0.3)}, "stage_dv_fractions"),
        ({"stage_burn_times_s": (6.0, -1.0, 24.0)}, "stage_burn_times_s[1]"),
        ({"ballistic_coefficient_kgpm2": 1.0}, "ballistic_coefficient_kgpm2"),
        ({"min_elevation_deg": 0.0}, "min_elevation_deg"),
        ({"range_step_m": 10.0}, "range_step_m"),
    ],
)
def test_spec__rejects_impossible_values_naming_the_field(change, field):
    fields = {
        "burnout_speed_mps": 3_000.0,
        **THREE_STAGES,
        "ballistic_coefficient_kgpm2": 20_000.0,
        **change,
    }
    with pytest.raises(ValueError, match=rf"FlyoutSpec\.{re.escape(field)}="):
        fo.FlyoutSpec(**fields)


def test_flyout_spec_from_parameters__names_a_missing_parameter(catalogue):
    names = catalogue.parameters.parameter[catalogue.parameters.system_id == "sm3_ia"]
    values = {n: catalogue.parameter("sm3_ia", n) for n in names if n != "stage2_dv_fraction"}
    with pytest.raises(KeyError, match="stage2_dv_fraction"):
        fo.flyout_spec_from_parameters(values)
    with pytest.raises(ValueError, match="stage_count=7"):
        fo.flyout_spec_from_parameters({**values, "stage_count": 7.0})


def test_flyout_spec__stage_times_must_add_up_to_the_total():
    with pytest.raises(ValueError, match="total_burn_time_s=50"):
        fo.flyout_spec(
            burnout_velocity_kmps=3.0,
            ballistic_coefficient_kgpm2=2e4,
            min_intercept_alt_km=80.0,
            total_burn_time_s=50.0,
            **THREE_STAGES,
        )


@pytest.mark.parametrize("system_id", INTERCEPTORS)
@pytest.mark.parametrize("estimate", ESTIMATES)
def test_catalogue_rows__build_a_valid_spec(catalogue, system_id, estimate):
    spec = _spec_from_catalogue(catalogue, system_id, estimate)
    assert spec.burn_time_s == pytest.approx(
        catalogue.parameter(system_id, "burn_time_s", estimate)
    )
    assert len(spec.stage_burn_times_s) == int(catalogue.parameter(system_id, "stage_count"))


# ----------------------------------------------------------------- summary


def test_summary__has_required_keys_and_sane_values(catalogue):
    spec = _spec_from_catalogue(catalogue, "sm3_ia", "nominal")
    quoted = fo.QuotedFigures(ground_range_km=(600.0, 700.0), max_altitude_km=(500.0, 500.0))
    s = fo.flyout_summary(spec, quoted=quoted)
    for key in ("max_altitude_km", "max_ground_range_km", "burnout_speed_kmps", "burn_time_s"):
        assert isinstance(s[key], float)
    assert s["burnout_speed_kmps"] == 3.0 and s["burn_time_s"] == 60.0
    # Losses are computed: the speed reached is below the ideal increment, the ceiling below
    # the impulsive one.
    assert 0 < s["achieved_burnout_speed_kmps"]["vertical"] < s["burnout_speed_kmps"]
    assert s["min_intercept_altitude_km"] < s["max_altitude_km"] < s["impulsive_ceiling_km"]
    assert 100 < s["max_ground_range_km"] < 1_500
    assert s["time_to_max_ground_range_s"] > s["burn_time_s"]
    check = s["checks"]["max_ground_range_km"]
    assert check["quoted_low"] == 600.0 and check["model"] == s["max_ground_range_km"]
    assert check["within_quoted"] == (600.0 <= s["max_ground_range_km"] <= 700.0)
    env = s["envelope"]
    assert env[0]["altitude_km"] == 0.0 and env[-1]["altitude_km"] <= s["max_altitude_km"]
    floor_row = next(e for e in env if e["altitude_km"] == s["min_intercept_altitude_km"])
    assert floor_row["max_ground_range_km"] == pytest.approx(s["max_ground_range_km"], abs=0.2)
    rows = s["table"]
    assert rows and set(rows[0]) == {"ground_range_km", "altitude_km", "time_s"}
    assert all(r["altitude_km"] >= s["min_intercept_altitude_km"] for r in rows)
    assert all(0 < r["time_s"] <= spec.max_time_s for r in rows)
    # The farthest point at the floor is a real trajectory point: the table agrees nearby.
    x_m, t_s, _ = fo.floor_crossing(spec, spec.min_intercept_alt_m)
    assert x_m / 1000 == pytest.approx(s["max_ground_range_km"], abs=0.1)
    assert t_s == pytest.approx(s["time_to_max_ground_range_s"], abs=0.1)


def test_summary__is_json_serialisable(catalogue):
    spec = _spec_from_catalogue(catalogue, "sm3_iia", "high")
    json.dumps(fo.flyout_summary(spec))
