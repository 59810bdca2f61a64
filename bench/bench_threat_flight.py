"""Benchmark threat flights with boost and rotation against the Kepler floor of the same run.

Run from the repository root::

    .venv/bin/python bench/bench_threat_flight.py [--pairs N]

Inputs: N launch/target pairs (default 2,000), launch points around NW and W Iran, targets
spread over Europe (about 700 to 4,000 km), samples every 2 s. The same pairs go to:

* the floor: ``ballistics.profiles`` (vectorised Kepler arcs over ground ranges, non-rotating,
  no boost, in-plane coordinates only), and a per-pair loop of ``ballistics.trajectory``;
* ``threat_flight.fly`` without boost (rotating Earth: aim-point iteration, 3-D positions);
* ``threat_flight.fly`` with the MRBM nominal boost of ``data/threat_boost.csv`` (RK4 boost,
  Newton on the programme, rotating Earth).

Costs are printed as ratios to the ``profiles`` floor measured in this run (best of 3), so the
numbers travel between machines. The last line is the summary.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from coverage.physics import ballistics as bal  # noqa: E402
from coverage.physics import threat_flight as tf  # noqa: E402
from coverage.products.threat_flight import boost_programme  # noqa: E402


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=2000, help="launch/target pairs (default 2000)")
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    n = args.pairs
    lon0, lat0 = rng.uniform(45.0, 48.5, n), rng.uniform(33.0, 38.5, n)
    lon1, lat1 = rng.uniform(-10.0, 30.0, n), rng.uniform(36.0, 60.0, n)
    ranges = bal.central_angle_rad(lon0, lat0, lon1, lat1) * bal.EARTH_RADIUS_M
    step = 2.0
    print(f"{n} pairs, ground range {ranges.min() / 1e3:,.0f}-{ranges.max() / 1e3:,.0f} km")

    t_floor, prof = best_of(lambda: bal.profiles(ranges, time_step_s=step))
    samples_floor = int(prof.n_valid.sum())
    loop_n = min(n, 500)
    t_loop, _ = best_of(
        lambda: [
            bal.trajectory(lon0[i], lat0[i], lon1[i], lat1[i], time_step_s=step)
            for i in range(loop_n)
        ],
        repeat=1,
    )
    t_loop *= n / loop_n
    print(f"floor  profiles (Kepler, vectorised): {t_floor:.3f} s, {samples_floor:,} samples")
    print(f"       trajectory loop ({loop_n} pairs, scaled): {t_loop:.3f} s")

    boost = boost_programme("MRBM", "nominal")
    rows = []
    for label, kw in (
        ("fly, no boost, no rotation", {"rotation": False}),
        ("fly, no boost, rotating", {}),
        ("fly, MRBM boost, rotating", {"boost": boost}),
    ):
        t, f = best_of(lambda kw=kw: tf.fly(lon0, lat0, lon1, lat1, time_step_s=step, **kw))
        samples = int(f.n_valid.sum())
        rows.append((label, t / t_floor))
        print(
            f"{label:<30} {t:.3f} s, {samples:,} samples, {t / samples * 1e9:,.0f} ns/sample, "
            f"{t / t_floor:,.1f}x profiles floor, {t / t_loop:,.2f}x trajectory loop"
        )
    print("summary: " + "; ".join(f"{label} {ratio:,.1f}x floor" for label, ratio in rows))


if __name__ == "__main__":
    main()
