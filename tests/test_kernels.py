"""The compiled loops (first detections, intercept windows) against numpy forms of the same tests."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.physics import engagement as eng
from coverage.physics import flyout as fly
from coverage.physics import kernels
from coverage.physics import radar as rad
from coverage.physics.ballistics import unit_vectors
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.products import defended
from coverage.scenario import DefenceQuery, FootprintOptions


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _forget_engine_runs() -> None:
    """As a new process would start: no engine answer and no first detections kept in memory."""
    defended._engage_cached.cache_clear()
    for _, blocks in eng._track_cache.values():
        for block in blocks:
            block.memo.clear()


@pytest.fixture(autouse=True)
def engine_runs(monkeypatch):
    """Every ``defended_grid`` here runs the engine: no answer from the disk store of results."""
    monkeypatch.setattr(defended, "result_store", lambda: None)


@pytest.mark.parametrize(
    ("year", "scenario", "extra"),
    [
        (2016, "actual", {}),  # no engage on remote yet: the site's own radar must see
        (2018, "planned", {}),  # engage on remote from Phase 3
        (2024, "actual", {"engage_on_remote": "off"}),
        (2026, "planned", {"engage_on_remote": "on"}),
        # Russian early warning, no satellites: the warning starts the cued searches.
        (2016, "actual", {"cooperation": "shared_early_warning", "satellite_cueing": "off"}),
    ],
)
def test_compiled_window__equals_the_numpy_test_on_the_whole_grid(
    catalogue, monkeypatch, year, scenario, extra
):
    """Every target's detections, intercept window and defended flag, bit for bit (50 km grid).

    The numpy side recomputes the detections (the tracks' memo is emptied between the sides).
    """
    options = FootprintOptions(year=year, scenario=scenario)
    query = DefenceQuery(launch_area="tabriz", grid_km=50.0, **extra)
    results = {}
    for name, window, detect in (
        ("compiled", eng._windows, eng._detect),
        ("numpy", eng._windows_numpy, eng._detect_numpy),
    ):
        monkeypatch.setattr(eng, "_windows", window)
        monkeypatch.setattr(eng, "_detect", detect)
        _forget_engine_runs()
        results[name] = defended.defended_grid(catalogue, options, query, latest=True).result
    defended._engage_cached.cache_clear()
    a, b = results["compiled"], results["numpy"]
    for field in ("radar_detection_s", "warning_time_s", "first_intercept_s", "last_intercept_s"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    # The latest launch time is arithmetic (t − when), not a chosen sample: equal to rounding
    # (numba may contract a multiply-add where numpy rounds twice).
    np.testing.assert_allclose(a.latest_launch_s, b.latest_launch_s, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(a.defended, b.defended)
    # Not a vacuous comparison: some targets are defended and some are not.
    assert a.defended.any() and not a.defended.all()


def _overhead_samples(lon, lat, alt_m, times):
    """One flight hovering at ``alt_m`` over (lon, lat): samples at ``times`` (a known answer)."""
    u = unit_vectors(lon, lat)
    r = EARTH_RADIUS_M + alt_m
    k = times.size
    t = times[None, :].astype(float)
    return (
        t,
        np.full((1, k), r * u[0]),
        np.full((1, k), r * u[1]),
        np.full((1, k), r * u[2]),
        np.full((1, k), alt_m),
        np.full((1, k), r),
    )


def _table():
    spec = fly.flyout_spec(
        burnout_velocity_kmps=3.0,
        stage_burn_times_s=(6.0, 30.0, 24.0),
        stage_dv_fractions=(0.2, 0.4, 0.4),
        ballistic_coefficient_kgpm2=20_000.0,
        min_intercept_alt_km=80.0,
    )
    return fly.flyout_table(spec)


def _window(samples, launch, table, radar=None):
    site = kernels.WindowSite(
        unit=tuple(unit_vectors(20.0, 50.0)),
        min_alt_m=80e3,
        ceiling_m=None,
        cos_limit=-1.0,
        table=table,
    )
    sees = None
    if radar is not None:  # only what this radar sees counts
        sees = [kernels.sight_bits(*samples[1:], radar, np.zeros(1, bool), site)]
    first, last = kernels.flyout_windows(*samples, np.array([[launch]]), [site], sees)
    return first[0], last[0]


def test_compiled_window__a_point_overhead_is_reached_after_the_tables_time():
    """Straight above the site at 200 km: first = first sample >= launch + table time; last = end."""
    table = _table()
    climb = float(fly.earliest_time_s(table, 0.0, 200e3))
    assert 60.0 < climb < 300.0  # a 3 km/s interceptor climbs 200 km in minutes, not seconds
    times = np.arange(0.0, 901.0, 10.0)
    samples = _overhead_samples(20.0, 50.0, 200e3, times)
    first, last = _window(samples, 100.0, table)
    assert first[0] == times[times - 100.0 >= climb][0]
    assert last[0] == 900.0
    # Launched too late to climb before the flight ends: no window.
    first, last = _window(samples, 900.0 - climb + 5.0, table)
    assert np.isnan(first[0]) and np.isnan(last[0])


@pytest.mark.parametrize(
    ("radar", "sees"),
    [
        (dict(range_m=1_000e3), True),  # straight overhead, 200 km up: in range
        (dict(range_m=150e3), False),  # slant range 200 km beyond 150 km
        # 300 km north of the point, facing south: the point is in its sector.
        (dict(range_m=2_000e3, lat_deg=52.7, boresight_deg=180.0, fov_deg=120.0), True),
        # 600 km south of the point, facing south: the point is behind it.
        (dict(range_m=2_000e3, lat_deg=44.6, boresight_deg=180.0, fov_deg=120.0), False),
    ],
)
def test_compiled_window__own_radar_must_see_the_point_without_engage_on_remote(radar, sees):
    """The own-radar test of the loop against the radar module's own answer for the same point."""
    table = _table()
    times = np.arange(0.0, 901.0, 10.0)
    samples = _overhead_samples(20.0, 50.0, 200e3, times)
    spec = rad.RadarSpec(**{"lon_deg": 20.0, "lat_deg": 50.0, "height_m": 100.0, **radar})
    ra = rad.RadarAssumptions()
    assert bool(rad.visible(spec, 20.0, 50.0, 200e3, ra)) == sees  # the radar module agrees
    first, last = _window(samples, 100.0, table, eng.radar_rows(spec, ra, 1.0))
    assert np.isfinite(first[0]) == sees and np.isfinite(last[0]) == sees


def test_compiled_window__below_the_lowest_intercept_altitude_nothing_counts():
    table = _table()
    samples = _overhead_samples(20.0, 50.0, 60e3, np.arange(0.0, 901.0, 10.0))
    first, last = _window(samples, 0.0, table)
    assert np.isnan(first[0]) and np.isnan(last[0])


def test_sample_bounds__hold_every_feasible_sample_whatever_the_launch_time():
    """The bounds (every test but the time) contain each launch time's window, and nothing is
    feasible where they are empty; passing them gives the same windows as computing them."""
    table = _table()
    times = np.arange(0.0, 901.0, 10.0)
    # A flight at 200 km that is over the site only between 300 and 600 s (elsewhere far away).
    t, px, py, pz, alt, r = _overhead_samples(20.0, 50.0, 200e3, times)
    away = (times < 300.0) | (times > 600.0)
    far = unit_vectors(-60.0, -10.0) * r[0, 0]
    px[0, away], py[0, away], pz[0, away] = far
    samples = (t, px, py, pz, alt, r)
    site = kernels.WindowSite(
        unit=tuple(unit_vectors(20.0, 50.0)),
        min_alt_m=80e3,
        ceiling_m=None,
        cos_limit=float(np.cos(1_000e3 / EARTH_RADIUS_M)),
        table=table,
    )
    lo, hi = kernels.sample_bounds(*samples, [site])
    assert (times[lo[0, 0]], times[hi[0, 0]]) == (300.0, 600.0)
    # The reference scans every sample (bounds 0 .. last).
    every = (np.zeros_like(lo), np.full_like(hi, times.size - 1))
    windows = 0
    for launch in (-500.0, 0.0, 150.0, 300.0, 400.0, 590.0, 700.0):
        first, last = kernels.flyout_windows(*samples, np.array([[launch]]), [site], bounds=every)
        again = kernels.flyout_windows(*samples, np.array([[launch]]), [site], bounds=(lo, hi))
        np.testing.assert_array_equal(first, again[0])
        np.testing.assert_array_equal(last, again[1])
        windows += int(np.isfinite(first[0, 0]))
    assert 0 < windows < 7  # some launch times give a window, some are too late
    # Far away all the time: empty bounds, no window.
    px[0, :], py[0, :], pz[0, :] = far
    lo, hi = kernels.sample_bounds(*samples, [site])
    assert (lo[0, 0], hi[0, 0]) == (-1, -1)
    assert np.isnan(kernels.flyout_windows(*samples, np.array([[0.0]]), [site])[0][0, 0])
    with pytest.raises(ValueError, match="bounds of shape"):
        kernels.flyout_windows(*samples, np.array([[0.0]]), [site, site], bounds=(lo, hi))
    with pytest.raises(ValueError, match="outside the samples"):
        kernels.flyout_windows(
            *samples, np.array([[0.0]]), [site], bounds=(np.zeros_like(lo), np.full_like(hi, 91))
        )


def test_new_delay__reuses_the_sample_bounds_and_gives_the_fresh_answer(catalogue, monkeypatch):
    """A new delay on the same tracks and sites computes no bounds and matches a fresh run."""
    options = FootprintOptions(year=2016)  # own-radar sight required (no engage on remote)
    first_q = DefenceQuery(launch_area="tabriz", grid_km=50.0, delay_s=60.0)
    second_q = DefenceQuery(launch_area="tabriz", grid_km=50.0, delay_s=200.0)
    defended._engage_cached.cache_clear()
    defended.defended_grid(catalogue, options, first_q)
    calls = []
    original = kernels.sample_bounds

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(kernels, "sample_bounds", counting)
    reused = defended.defended_grid(catalogue, options, second_q).result
    assert not calls
    _forget_engine_runs()
    fresh = defended.defended_grid(catalogue, options, second_q).result
    assert calls  # the fresh run computed them
    defended._engage_cached.cache_clear()
    for field in ("first_intercept_s", "last_intercept_s", "defended"):
        np.testing.assert_array_equal(getattr(reused, field), getattr(fresh, field), err_msg=field)
    assert reused.defended.any() and not reused.defended.all()


def test_numba_import__leaves_this_package_importable_and_numba_blind_to_it():
    """numba's coverage.py probe must not find this package, and the package stays in place."""
    kernels._numba()
    import coverage

    assert sys.modules["coverage"] is coverage and hasattr(coverage, "__path__")
    assert sys.modules["numba.misc.coverage_support"].coverage_available is False


# --- How the loops are loaded: the ahead-of-time module, else numba's JIT -----------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("year", "scenario", "extra"),
    [
        (2016, "actual", {}),  # the own radar's sight bits and the first detections
        (2018, "planned", {"satellite_cueing": "off"}),  # engage on remote, uncued searches
    ],
)
def test_ahead_of_time_loops__equal_the_jit_loops_bit_for_bit(
    catalogue, monkeypatch, year, scenario, extra
):
    """The module the engine loads (no numba import) gives what numba's JIT gives, bit for bit."""
    assert kernels.backend().startswith("ahead-of-time"), kernels.backend()
    aot = kernels._compiled()
    jit = kernels.jit_loops()
    assert type(aot[0]) is not type(jit[0])  # really two implementations
    options = FootprintOptions(year=year, scenario=scenario)
    query = DefenceQuery(launch_area="tabriz", grid_km=50.0, **extra)
    results = {}
    for name, loops in (("aot", aot), ("jit", jit)):
        monkeypatch.setattr(kernels, "_KERNELS", loops)
        _forget_engine_runs()
        results[name] = defended.defended_grid(catalogue, options, query, latest=True).result
    defended._engage_cached.cache_clear()
    a, b = results["aot"], results["jit"]
    for field in (
        "radar_detection_s",
        "warning_time_s",
        "first_intercept_s",
        "last_intercept_s",
        "latest_launch_s",
        "defended",
    ):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.defended.any() and not a.defended.all()


@pytest.mark.slow
def test_engine_in_a_fresh_process__runs_without_importing_numba():
    """Once the module is built, a process that runs the engine never imports numba (~0.6 s)."""
    import subprocess

    kernels.backend()  # built (or found) in this session's cache folder
    code = (
        "import sys\n"
        "from coverage.catalogue.tables import load_catalogue\n"
        "from coverage.physics import kernels\n"
        "from coverage.products import defended\n"
        "from coverage.scenario import DefenceQuery, FootprintOptions\n"
        "defended.result_store = lambda: None\n"
        "r = defended.defended_grid(load_catalogue(), FootprintOptions(year=2016,"
        " scenario='actual'), DefenceQuery(launch_area='tabriz', grid_km=100.0)).result\n"
        "print(int(r.defended.sum()), 'numba' in sys.modules, kernels.backend())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    ).stdout.split()
    assert int(out[0]) > 0  # the engine ran and defended something
    assert out[1] == "False", "numba was imported"
    assert out[2] == "ahead-of-time"


def test_ahead_of_time_loop__releases_the_interpreter_lock():
    """Like ``nogil=True`` for the JIT loops: another thread runs while a loop scans.

    A first-detection scan over 6·10⁷ samples that no radar sees (broadcast arrays: no memory)
    takes a few tenths of a second; a thread counting meanwhile must get through many rounds
    inside that span. With the lock held it would get none (it could only run before and after).
    """
    import threading
    import time

    assert kernels.backend().startswith("ahead-of-time"), kernels.backend()
    n, k = 2_000, 30_000
    t = np.broadcast_to(np.arange(k, dtype=float)[None, :], (n, k))
    zero = np.broadcast_to(np.zeros(1), (n, k))
    r = np.broadcast_to(np.full(1, EARTH_RADIUS_M), (n, k))
    radar = np.zeros(len(kernels.RADAR_COLUMNS))
    radar[list(kernels.RADAR_COLUMNS).index("limit2_m2")] = -1.0  # out of range: never seen
    out = np.empty(n)
    span: list[float] = []

    def scan() -> None:
        span.append(time.perf_counter())
        kernels._compiled()[1](
            t, zero, zero, zero, zero, r, np.arange(n), radar, np.zeros(n), np.full(n, np.inf), out
        )
        span.append(time.perf_counter())

    ticks: list[float] = []
    worker = threading.Thread(target=scan)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    start, end = span
    assert end - start > 0.05, f"the scan took {end - start:.3f} s: too short to tell"
    inside = [x for x in ticks if start + 0.2 * (end - start) < x < end - 0.2 * (end - start)]
    assert len(inside) >= 5, f"{len(inside)} ticks during a {end - start:.3f} s scan"
    assert np.isinf(out).all()


def test_failed_build__falls_back_to_the_jit_loops_and_says_why(monkeypatch, tmp_path, caplog):
    """No C compiler (or no pycc): the engine still runs, on numba's JIT, and says why."""

    def no_compiler(folder, name):
        raise RuntimeError("no C compiler here")

    monkeypatch.setattr(kernels, "compiled_folder", lambda: tmp_path / "compiled")
    monkeypatch.setattr(kernels, "build_ahead_of_time", no_compiler)
    monkeypatch.setattr(kernels, "_KERNELS", None)
    monkeypatch.setattr(kernels, "_BACKEND", None)
    with caplog.at_level("WARNING", logger="coverage.physics.kernels"):
        assert kernels.backend() == "jit (RuntimeError: no C compiler here)"
    assert "no C compiler here" in caplog.text
    times = kernels.first_seen(*_overhead_samples(20.0, 50.0, 300e3, np.array([0.0, 10.0])),
                               np.array([0]), np.zeros(len(kernels.RADAR_COLUMNS)),
                               np.zeros(1), np.full(1, np.inf))  # fmt: skip
    assert times.shape == (1,)


def test_jit_switch__skips_the_module(monkeypatch):
    monkeypatch.setenv(kernels.KERNELS_ENV, "jit")
    monkeypatch.setattr(kernels, "_KERNELS", None)
    monkeypatch.setattr(kernels, "_BACKEND", None)
    assert kernels.backend() == f"jit ({kernels.KERNELS_ENV}=jit)"


def test_module_name__changes_with_what_the_loops_are_compiled_from(monkeypatch):
    """A new name (so a rebuild) when a constant baked into the machine code changes."""
    before = kernels.module_name()
    assert before == kernels.module_name()  # stable
    monkeypatch.setattr(kernels, "EARTH_RADIUS_M", EARTH_RADIUS_M + 1.0)
    assert kernels.module_name() != before
