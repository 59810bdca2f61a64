"""Benchmark: the Monte-Carlo sweep on 1 and 2 local Dask workers, and its per-draw cost.

Run from the repository root: ``.venv/bin/python bench/bench_sweep.py [--draws 48] [--grid-km 50]``.
The same sweep (2018 as built, Tabriz, design-case threat, seed 1, no cache) runs on a local
cluster of 1 worker process, then of 2 (cluster start-up not timed; each cluster first runs a
2-draw warm-up so imports and the fly-out tables of the workers are paid outside the timing).
The floor, measured in the same run: one plain engine call (``engage``) on the nominal setup
over the same targets, warm, median of 5. Printed: the 1- and 2-worker wall times, the
speed-up and the per-draw cost of the 1-worker sweep as a ratio to the plain engine call, for
worker processes and for worker threads; the last line holds the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.catalogue.tables import load_catalogue  # noqa: E402
from coverage.products import sweep as sw  # noqa: E402
from coverage.scenario import DefenceQuery, FootprintOptions  # noqa: E402


def _timed(catalogue, request, workers: int, processes: bool = True) -> float:
    warm = sw.SweepRequest(request.options, request.query, draws=2, seed=request.seed + 1)
    with sw.dask_client(workers=workers, processes=processes) as client:
        sw.run_sweep(catalogue, warm, client=client)
        t = time.perf_counter()
        sw.run_sweep(catalogue, request, client=client)
        return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=48)
    parser.add_argument("--grid-km", type=float, default=50.0)
    args = parser.parse_args()
    catalogue = load_catalogue()
    request = sw.SweepRequest(
        FootprintOptions(year=2018, scenario="actual"),
        DefenceQuery(launch_area="tabriz", grid_km=args.grid_km),
        draws=args.draws,
        seed=1,
    )
    plan = sw._plan(catalogue, request, 1)
    sw._engage(plan.setup, plan.lon, plan.lat)  # warm: fly-out tables
    floor = []
    for _ in range(5):
        t = time.perf_counter()
        sw._engage(plan.setup, plan.lon, plan.lat)
        floor.append(time.perf_counter() - t)
    floor_s = statistics.median(floor)
    print(
        f"floor: one plain engine call, {plan.lon.size:,} targets ({args.grid_km:g} km grid + "
        f"cities), {len(plan.variables)} drawn variables: {floor_s:.3f} s (median of 5)"
    )
    times = {}
    for processes in (True, False):
        kind = "processes" if processes else "threads"
        for n in (1, 2):
            times[(kind, n)] = _timed(catalogue, request, n, processes=processes)
            print(
                f"{n} worker {kind}: {times[(kind, n)]:.2f} s for {args.draws} draws "
                f"({times[(kind, n)] / args.draws:.3f} s/draw)",
                flush=True,
            )
    load = os.getloadavg()[0]
    print(f"machine load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
    parts = []
    for kind in ("processes", "threads"):
        one, two = times[(kind, 1)], times[(kind, 2)]
        parts.append(
            f"{kind}: speed-up 1 -> 2 workers {one / two:.2f}x, per-draw cost on 1 worker "
            f"{one / args.draws / floor_s:.2f}x one plain engine call"
        )
    print("; ".join(parts) + " (aim: speed-up >= 1.8x)")


if __name__ == "__main__":
    main()
