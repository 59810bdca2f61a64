"""The engine against one fused kernel doing the same arithmetic (numba), side by side.

Run from the repository root::

    .venv/bin/python bench/bench_engine_kernel.py [--repeats 3]

Inputs as the issue measured them: 2018 as planned (6 interceptor sites, 7 radars), the design-
case threat from Tabriz, 25 km grid (14,148 targets), launch on remote, engage on remote, the
satellite cue by date, 60 s delay. The threat tracks are built once and shared: both sides start
from the same samples, as the engine does on every run after the first (the tracks depend only
on the launch point, the targets and the threat).

* **engine**: ``engage()`` with the tracks' memo emptied before each run, so it recomputes the
  first detections (numpy, blocks of samples, work skipped where a flight stays out of a
  radar's range) and the intercept windows (the compiled loop of ``coverage.physics.kernels``).
* **fused kernel**: one numba loop per flight (this file) doing the same arithmetic in one
  pass: for each fire-control radar the first visible sample (slant range, horizon with the
  elevation mask, sector; before the cue the search range, from the cue the cued range; the
  cue the satellites' or, the tracks being shared, another radar's first detection), the
  earliest track, the launch time, and each site's first and last feasible sample. It calls
  the same compiled per-sample tests and scans as the engine (``kernels._visible``,
  ``kernels._scan``) and the engine's skip of flights that stay out of a radar's range (the
  same bound), with no numpy temporaries and no Python between the steps.

Both are checked to give identical detection times, intercept windows and defended flags before
the times are reported; each is the best of ``--repeats`` runs after a warm-up (the fused
kernel's compile time is excluded: it is a floor, not a product). The last line prints the
ratio against the issue's target (engine within 2x of the fused kernel).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from coverage import scenario as scn  # noqa: E402
from coverage.catalogue.tables import load_catalogue  # noqa: E402
from coverage.physics import engagement as eng  # noqa: E402
from coverage.physics import kernels  # noqa: E402
from coverage.physics import radar as rad  # noqa: E402
from coverage.products import grid as grd  # noqa: E402
from coverage.scenario import DefenceQuery, FootprintOptions  # noqa: E402

TARGET = 2.0
_R1, _LIMIT2 = kernels.RADAR_COLUMNS.index("r1_m"), kernels.RADAR_COLUMNS.index("limit2_m2")
_UX, _UY, _UZ = (kernels.RADAR_COLUMNS.index(c) for c in ("ux", "uy", "uz"))
_near = None  # the compiled _near_py, set before the fused loop is compiled
_first = None  # the compiled _first_py, likewise


def _near_py(normal, w, dev, lo, hi, launch_unit, rd):  # pragma: no cover - compiled
    """``engagement._near_rows`` for one flight and radar (a lower bound of their distance)."""
    r1 = rd[_R1]
    z = max(abs(r1 * (normal[0] * rd[_UX] + normal[1] * rd[_UY] + normal[2] * rd[_UZ])) - dev, 0.0)
    u_l = rd[_UX] * launch_unit[0] + rd[_UY] * launch_unit[1] + rd[_UZ] * launch_unit[2]
    u_w = w[0] * rd[_UX] + w[1] * rd[_UY] + w[2] * rd[_UZ]
    rho = r1 * math.hypot(u_l, u_w)
    phi = math.atan2(u_w, u_l)
    gap = 0.0
    if phi < lo or phi > hi:
        d_lo, d_hi = abs(phi - lo), abs(phi - hi)
        gap = min(min(d_lo, 2.0 * math.pi - d_lo), min(d_hi, 2.0 * math.pi - d_hi))
    in_plane = rho if gap >= math.pi / 2.0 else rho * math.sin(min(gap, math.pi / 2.0))
    return z * z + in_plane * in_plane <= rd[_LIMIT2]


def _first_py(
    t, px, py, pz, alt, r, normal, w, dev, phi_lo, phi_hi, burnout, launch_unit, rows, rows_b, cue
):  # pragma: no cover - compiled
    """One radar's first sight of one flight: search before ``cue``, the cued range from it.

    The engine's two bounded scans, each against the booster before the flight's burnout and
    the warhead after it (``rows_b``, ``rows``: the radar's search and cued constants).
    """
    det = np.inf
    for mode in range(2):
        lo = 0.0 if mode == 0 else cue
        hi = cue if mode == 0 else np.inf
        if mode == 1 and (det < np.inf or not math.isfinite(cue)):
            break  # seen before the cue, or no cue: no cued search
        for phase in range(2):
            rd = rows_b[mode] if phase == 0 else rows[mode]
            p_lo = lo if phase == 0 else max(lo, burnout)
            p_hi = min(hi, burnout) if phase == 0 else hi
            if phase == 1 and det < np.inf:
                break  # seen in boost: earlier than any sample after burnout
            if not p_lo < p_hi:
                continue
            if not _near(normal, w, dev, phi_lo, phi_hi, launch_unit, rd):
                continue  # the flight stays out of range (the engine's skip, same bound)
            for k in range(t.shape[0]):
                tk = t[k]
                if not (tk >= p_lo and tk < p_hi):
                    continue
                if not kernels._visible(px[k], py[k], pz[k], r[k], alt[k], rd):
                    continue
                det = min(det, tk)
                break
    return det


def _fused_py(
    t,
    px,
    py,
    pz,
    alt,
    r,
    normal,
    w,
    dev,
    phi_lo,
    phi_hi,
    burnout,
    launch_unit,
    radars,
    radars_b,
    n_cue,
    cue_time,
    delay,
    site_unit,
    min_alt,
    ceiling,
    cos_limit,
    tables,
    table_of,
    table_shape,
    steps,
    min_intercept_alt,
    det_out,
    first,
    last,
):  # pragma: no cover - compiled
    n, n_k = t.shape
    n_r = radars.shape[0]
    n_s = site_unit.shape[0]
    no_bits = np.zeros(0, np.uint8)  # every sample may count (engage on remote)
    cues, dets, new = np.empty(n_r), np.empty(n_r), np.empty(n_r)
    for i in range(n):
        for j in range(n_r):
            cues[j] = cue_time
            dets[j] = _first(
                t[i], px[i], py[i], pz[i], alt[i], r[i], normal[i], w[i], dev[i], phi_lo[i],
                phi_hi[i], burnout[i], launch_unit, radars[j], radars_b[j], cue_time,
            )  # fmt: skip
        # The radars share their tracks (launch on remote): each one's cued search starts at
        # another's first detection too, round after round until no cue comes sooner (the
        # engine's rounds: every new cue from the last round's detections, then those radars).
        for _ in range(64):
            for j in range(n_r):
                c = cue_time
                for m in range(n_cue):
                    if m != j and dets[m] < c:
                        c = dets[m]
                new[j] = c
            changed = False
            for j in range(n_r):
                if new[j] < cues[j]:
                    cues[j] = new[j]
                    changed = True
                    dets[j] = _first(
                        t[i], px[i], py[i], pz[i], alt[i], r[i], normal[i], w[i], dev[i],
                        phi_lo[i], phi_hi[i], burnout[i], launch_unit, radars[j], radars_b[j],
                        cues[j],
                    )  # fmt: skip
            if not changed:
                break
        cue = np.inf
        for j in range(n_r):
            det_out[j, i] = dets[j]
            if j < n_cue:
                cue = min(cue, dets[j])
        launch = cue + delay
        for s in range(n_s):
            first[s, i] = np.nan
            last[s, i] = np.nan
            tab, na, nr = tables[table_of[s]], table_shape[s, 0], table_shape[s, 1]
            k_first = kernels._scan(
                0, n_k, 1, launch, t[i], px[i], py[i], pz[i], alt[i], r[i], site_unit[s, 0],
                site_unit[s, 1], site_unit[s, 2], min_alt[s], ceiling[s], cos_limit[s], tab,
                steps[s, 0], steps[s, 1], min_intercept_alt[s], na, nr, no_bits,
            )  # fmt: skip
            if k_first < 0:
                continue
            first[s, i] = t[i, k_first]
            k_last = kernels._scan(
                n_k - 1, k_first - 1, -1, launch, t[i], px[i], py[i], pz[i], alt[i], r[i],
                site_unit[s, 0], site_unit[s, 1], site_unit[s, 2], min_alt[s], ceiling[s],
                cos_limit[s], tab, steps[s, 0], steps[s, 1], min_intercept_alt[s], na, nr,
                no_bits,
            )  # fmt: skip
            last[s, i] = t[i, k_last]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of each (best is kept)")
    ap.add_argument("--year", type=int, default=2018, help="the year (default: the issue's 2018)")
    ap.add_argument(
        "--scenario", default="planned", help="planned (the issue's) or actual (as built)"
    )
    ap.add_argument(
        "--estimate",
        default="nominal",
        choices=scn.ESTIMATES,
        help="the parameter estimate (a new one is what the dashboard's estimate switch asks)",
    )
    args = ap.parse_args()
    repeats = max(1, args.repeats)

    cat = load_catalogue()
    options = FootprintOptions(year=args.year, scenario=args.scenario, estimate=args.estimate)
    setup = scn.resolve(cat, options, DefenceQuery(launch_area="tabriz"))
    a = setup.assumptions
    assert a.launch_on_remote and a.engage_on_remote and not setup.warning_radars
    assert all(s.flyout is not None for s in setup.sites)
    assert not a.warning_commits and not a.shoot_look_shoot
    lon, lat = setup.launch_lonlat[0]
    grid = grd.target_grid(25.0, grd.domain_iso3(cat))
    common = dict(radars=list(setup.radars), sites=setup.sites, threat=setup.threat, assumptions=a)

    def engine() -> eng.EngagementResult:
        return eng.engage(lon, lat, grid.lon_deg, grid.lat_deg, **common)

    engine()  # builds the tracks (shared by both sides) and compiles the window loop
    order, blocks = eng.threat_tracks(
        (float(lon), float(lat)), grid.lon_deg, grid.lat_deg, setup.threat, a.time_step_s
    )
    n_samples = sum(b.t.size for b in blocks)

    def timed_engine() -> tuple[float, eng.EngagementResult]:
        for b in blocks:
            b.memo.clear()  # first detections recomputed, as on any new year or radar set
        t0 = time.perf_counter()
        res = engine()
        return time.perf_counter() - t0, res

    # The fused kernel's inputs, built with the engine's own helpers.
    llon, llat, tlon, tlat, all_radars, own_index = eng._prepare(
        lon, lat, grid.lon_deg, grid.lat_deg, common["radars"], setup.sites
    )
    assert all_radars == list(setup.radars)  # no site brings a radar of its own here
    geoms = [eng._radar_geom(rs) for rs in all_radars]
    radars = np.stack([eng.radar_rows(g.spec, a.radar, a.cued_range_factor) for g in geoms])
    # The booster's rows (its RCS before burnout); the warhead's again without a booster RCS.
    boost_ra = rad.boost_phase(a.radar) or a.radar
    radars_b = np.stack([eng.radar_rows(g.spec, boost_ra, a.cued_range_factor) for g in geoms])
    ws = [eng._window_site(s) for s in setup.sites]
    tables = tuple(dict.fromkeys(w.table for w in ws))
    numba = kernels._numba()
    kernels._helpers(numba)  # the loops' compiled per-sample tests and scans, shared
    global _near, _first
    _near = numba.njit(nogil=True, inline="always")(_near_py)
    _first = numba.njit(nogil=True)(_first_py)
    fused = numba.njit(nogil=True)(_fused_py)
    launch_unit = eng.unit_vectors(float(lon), float(lat))
    site_args = (
        np.array([w.unit for w in ws]),
        np.array([w.min_alt_m for w in ws]),
        np.array([math.inf if w.ceiling_m is None else w.ceiling_m for w in ws]),
        np.array([w.cos_limit for w in ws]),
        kernels._stacked(tables),
        np.array([tables.index(w.table) for w in ws], np.int64),
        np.array([w.table.time_s.shape for w in ws], np.int64),
        np.array([(w.table.spec.range_step_m, w.table.spec.altitude_step_m) for w in ws]),
        np.array([w.table.min_intercept_alt_m for w in ws]),
    )
    cue_time = math.inf if a.cue_time_s is None else float(a.cue_time_s)
    n_t, n_r, n_s = grid.lon_deg.size, len(geoms), len(ws)

    def timed_fused() -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        det = np.full((n_r, n_t), np.nan)
        first = np.full((n_s, n_t), np.nan)
        last = np.full((n_s, n_t), np.nan)
        t0 = time.perf_counter()
        for b, tr in enumerate(blocks):
            rows = order[b * eng._FLY_BLOCK : b * eng._FLY_BLOCK + tr.t.shape[0]]
            d = np.empty((n_r, rows.size))
            f = np.empty((n_s, rows.size))
            lst = np.empty((n_s, rows.size))
            fused(
                tr.t,
                tr.px,
                tr.py,
                tr.pz,
                tr.alt,
                tr.r,
                tr.normal,
                tr.w,
                tr.dev,
                tr.phi_lo,
                tr.phi_hi,
                tr.burnout_s,
                launch_unit,
                radars,
                radars_b,
                len(setup.radars),
                cue_time,
                a.delay_s,
                *site_args,
                d,
                f,
                lst,
            )
            det[:, rows], first[:, rows], last[:, rows] = d, f, lst
        return time.perf_counter() - t0, det, first, last

    timed_fused()  # compile
    t_engine, res = min((timed_engine() for _ in range(repeats)), key=lambda x: x[0])
    t_fused, det, first, last = min((timed_fused() for _ in range(repeats)), key=lambda x: x[0])

    same = {
        "detections": np.array_equal(res.radar_detection_s[0], det, equal_nan=True),
        "first intercept": np.array_equal(res.first_intercept_s[0], first, equal_nan=True),
        "last intercept": np.array_equal(res.last_intercept_s[0], last, equal_nan=True),
        "defended": np.array_equal(res.defended, res.in_reach & np.isfinite(first).any(axis=0)),
    }
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    case = f"{args.year} {'as planned' if args.scenario == 'planned' else 'as built'}"
    print(f"inputs: {case}, {args.estimate} estimate, Tabriz, 25 km grid: {n_t} targets, ", end="")
    print(f"{n_samples:,} samples")
    print(f"        {n_r} radars, {n_s} sites; load: {load.split('load average:')[-1].strip()}")
    print("identical results: " + ", ".join(f"{k} {v}" for k, v in same.items()))
    if not all(same.values()):
        raise SystemExit("results differ: the benchmark is not comparing like with like")
    print(f"engine loops: {kernels.backend()}")
    print(f"engine (detections recomputed)  {t_engine * 1e3:7.0f} ms")
    print(f"fused kernel (same arithmetic)  {t_fused * 1e3:7.0f} ms")
    ratio = t_engine / t_fused
    verdict = "met" if ratio <= TARGET else "not met"
    print(
        f"summary: engine {t_engine * 1e3:.0f} ms = {ratio:.2f}x one fused kernel "
        f"({t_fused * 1e3:.0f} ms) on {n_t} targets, identical results "
        f"(target <= {TARGET:g}x: {verdict})"
    )


if __name__ == "__main__":
    main()
