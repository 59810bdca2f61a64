"""Benchmark building the threat flights of the defended-area grid, and ``metrics`` for a year.

Run from the repository root::

    .venv/bin/python bench/bench_flights_build.py [--per-shot]

Measured side by side in one run (the machine may be shared: ``uptime`` load is printed, and
CPU time next to wall time):

* the import floor: a fresh ``python -c "import geopandas, shapely, pyproj"`` (best of 3);
* ``python -m coverage metrics --year 2016 --scenario actual --launch-area tabriz`` in a fresh
  process, as a ratio to the floor: cold (an empty disk cache), warm (the same question again:
  the engine's answer, the threat tracks, the grid and the validated tables on disk from the
  cold run; best of 3) and a new question on a warm disk (a delay not asked before, so the
  engine runs: its compiled loops are loaded, the tracks mapped from disk, the first
  detections computed), five times, each run right after a run of the floor so that both
  share the machine's noise: the median of the five ratios is the figure (and best against
  best);
* in-process, the flights the engine needs for that case (``engagement.threat_tracks``: the
  design-case threat with its boost on the rotating Earth from Tabriz to every 25-km grid
  cell and city), cold (track cache emptied), best of 2; with ``--per-shot`` also the per-shot
  Newton start (``lattice_start=False``, the solver before the lattice start) for the ratio.

Child processes run with ``PYTHONDONTWRITEBYTECODE`` unset, as on a user's machine: the
project's modules are then compiled once to ``__pycache__`` (site-packages, the floor's code,
are compiled at install). With it set, as in this workplace's shell, every run compiles the
project's ~50 modules again (~0.2 s), which the floor never pays.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from coverage import scenario as scn  # noqa: E402
from coverage.catalogue.tables import load_catalogue  # noqa: E402
from coverage.physics import engagement as eng  # noqa: E402
from coverage.physics import threat_flight as tf  # noqa: E402
from coverage.products import grid as grd  # noqa: E402
from coverage.scenario import DefenceQuery, FootprintOptions  # noqa: E402

FLOOR = [sys.executable, "-c", "import geopandas, shapely, pyproj"]
METRICS = [
    sys.executable,
    "-m",
    "coverage",
    "metrics",
    "--year",
    "2016",
    "--scenario",
    "actual",
    "--launch-area",
    "tabriz",
]


#: New questions timed, each right after a run of the floor (side by side).
PAIRS = 5


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run_best(
    cmd: list[str], repeat: int, *, vary: list[list[str]] | None = None, **extra: str
) -> tuple[float, float]:
    """Best wall time and its child CPU time (user + system) of a fresh process.

    ``vary``: arguments added to the command, one list per run (a new question each run).
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    best = (float("inf"), 0.0)
    for i in range(repeat):
        before = os.times()
        t0 = time.perf_counter()
        args = cmd + (vary[i] if vary else [])
        subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        best = min(best, (wall, cpu))
    return best


def build(setup: scn.Setup, lon: np.ndarray, lat: np.ndarray, per_shot: bool) -> tuple:
    eng.clear_track_caches()
    fly = tf.fly
    if per_shot:

        def slow(*a, **k):  # the per-shot start, as before the lattice start
            k.pop("programmes", None)
            return fly(*a, lattice_start=False, **k)

        eng.fly_threat = slow  # type: ignore[assignment]
        solve, eng.solve_programmes = eng.solve_programmes, lambda *a, **k: None  # type: ignore
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        order, blocks = eng.threat_tracks(
            setup.launch_lonlat[0], lon, lat, setup.threat, setup.assumptions.time_step_s
        )
        return time.perf_counter() - t0, time.process_time() - c0, order, blocks
    finally:
        if per_shot:
            eng.fly_threat = fly  # type: ignore[assignment]
            eng.solve_programmes = solve  # type: ignore[assignment]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-shot", action="store_true", help="also time the per-shot start")
    args = ap.parse_args()
    print("load before:", load())
    cat = load_catalogue()
    q = DefenceQuery(launch_area="tabriz")
    setup = scn.resolve(cat, FootprintOptions(year=2016, scenario="actual"), q)
    iso3 = grd.domain_iso3(cat, q.domain)
    g = grd.target_grid(q.grid_km, iso3)
    extra = grd.domain_cities(iso3)
    lon = np.concatenate([g.lon_deg, extra.lon_deg.to_numpy(float)])
    lat = np.concatenate([g.lat_deg, extra.lat_deg.to_numpy(float)])

    run_best(METRICS[:3] + ["--help"], 1)  # the project's bytecode, as a user's first run
    floor, floor_cpu = run_best(FLOOR, 3)
    runs = [build(setup, lon, lat, False) for _ in range(2)]
    wall, cpu, order, blocks = min(runs, key=lambda r: r[0])
    samples = sum(int(b.t.size) for b in blocks)
    mbytes = sum(b.nbytes for b in blocks) / 1e6
    with tempfile.TemporaryDirectory() as cache:
        cold, cold_cpu = run_best(METRICS, 1, EPAA_CACHE_DIR=cache)
        metrics, metrics_cpu = run_best(METRICS, 3, EPAA_CACHE_DIR=cache)
        # A new question and the floor in alternation, so each pair shares the machine's noise.
        pairs = []
        for i in range(PAIRS):
            pair_floor = run_best(FLOOR, 1)
            pair_new = run_best(METRICS, 1, vary=[["--delay-s", f"{61 + i}"]], EPAA_CACHE_DIR=cache)
            pairs.append((pair_floor, pair_new))
    floor, floor_cpu = min((floor, floor_cpu), *(f for f, _ in pairs))
    new, new_cpu = min(n for _, n in pairs)
    pair_ratios = sorted(n[0] / f[0] for f, n in pairs)
    median_ratio = statistics.median(pair_ratios)
    print(f"import floor: {floor:.2f} s wall ({floor_cpu:.2f} s CPU)")
    print(
        f"flights, 25 km grid, cold: {order.size} targets, {samples:,} samples ({mbytes:.0f} MB): "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU = {wall / floor:.1f}x floor"
    )
    if args.per_shot:
        w2, c2, _, _ = build(setup, lon, lat, True)
        print(
            f"flights, per-shot Newton start: {w2:.2f} s wall, {c2:.2f} s CPU; "
            f"lattice start {c2 / cpu:.1f}x less CPU"
        )
    print(
        f"metrics 2016 (one year, fresh process), cold: {cold:.2f} s wall, {cold_cpu:.2f} s CPU"
        f" = {cold / floor:.1f}x floor wall, {cold_cpu / floor_cpu:.1f}x floor CPU"
    )
    print(
        f"metrics 2016, warm disk cache (the same question again): {metrics:.2f} s wall, "
        f"{metrics_cpu:.2f} s CPU = {metrics / floor:.2f}x floor wall, "
        f"{metrics_cpu / floor_cpu:.2f}x floor CPU"
    )
    print(
        f"metrics 2016, warm disk cache, a new delay (the engine runs): best {new:.2f} s wall, "
        f"{new_cpu:.2f} s CPU = {new / floor:.2f}x the best floor wall, "
        f"{new_cpu / floor_cpu:.2f}x floor CPU; alternating with the floor, {PAIRS} pairs: "
        f"ratios {', '.join(f'{r:.2f}' for r in pair_ratios)}, median {median_ratio:.2f}x"
    )
    print("load after:", load())
    verdict = "met" if median_ratio <= 1.8 else "not met"
    print(
        f"summary: flights (25 km, cold) {cpu:.2f} s CPU / {wall:.2f} s wall; metrics one year "
        f"cold {cold / floor:.1f}x, warm {metrics / floor:.2f}x, a new delay {median_ratio:.2f}x "
        f"(median of {PAIRS} pairs; best/best {new / floor:.2f}x) the import floor (wall; "
        f"targets 4x and 1.8x: a new question {verdict})"
    )


if __name__ == "__main__":
    main()
