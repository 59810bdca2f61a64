"""Benchmark the fly-out reachability tables: build time of each variant x estimate.

Run from the repository root::

    .venv/bin/python bench/bench_flyout.py [--repeat N]

The machine is shared and noisy, so times are printed as ratios against two floors measured
in the same run: ``solve_ivp`` (DOP853, rtol 1e-9) of *one* vertical trajectory of SM-3 IA
nominal (boost and coast, same physics), and a numpy no-op baseline. A table build integrates a
fan of ~180 trajectories and fills a grid; each figure is the best of ``--repeat`` cold builds
(the lru caches are cleared before each). It also times :func:`earliest_time_s` on 2 million
random points against an elementwise numpy expression on the same arrays.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from coverage.catalogue.tables import ESTIMATES, load_catalogue  # noqa: E402
from coverage.physics import flyout as fo  # noqa: E402
from coverage.physics.ballistics import MU_EARTH_M3PS2  # noqa: E402
from coverage.physics.geodesy import EARTH_RADIUS_M  # noqa: E402


def best_of(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def one_ivp(spec: fo.FlyoutSpec) -> None:
    """One vertical trajectory with scipy, stage by stage, to max_time_s."""
    beta = spec.ballistic_coefficient_kgpm2

    def rhs(_t, s, accel):
        x, y, vx, vy = s
        r = math.hypot(x, y)
        g = -MU_EARTH_M3PS2 / r**3
        k = 1.225 * math.exp(-(r - EARTH_RADIUS_M) / 7_200.0) * math.hypot(vx, vy) / (2 * beta)
        return [vx, vy, g * x - k * vx, g * y + accel - k * vy]

    phases = [
        (t, f * spec.burnout_speed_mps / t)
        for t, f in zip(spec.stage_burn_times_s, spec.stage_dv_fractions, strict=True)
    ] + [(spec.max_time_s - spec.burn_time_s, 0.0)]
    state, t0 = [0.0, EARTH_RADIUS_M, 0.0, 0.0], 0.0
    for duration, accel in phases:
        sol = solve_ivp(rhs, (t0, t0 + duration), state, method="DOP853", rtol=1e-9, args=(accel,))
        state, t0 = sol.y[:, -1], t0 + duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="builds per table (best of)")
    args = parser.parse_args()
    cat = load_catalogue()
    ids = sorted(set(cat.systems.system_id[cat.systems.kind == "interceptor"]))

    def spec_for(system_id: str, estimate: str) -> fo.FlyoutSpec:
        names = cat.parameters.parameter[cat.parameters.system_id == system_id]
        return fo.flyout_spec_from_parameters(
            {n: cat.parameter(system_id, n, estimate) for n in names}
        )

    ref = spec_for("sm3_ia", "nominal")
    floor_ivp = best_of(lambda: one_ivp(ref), args.repeat)
    a = np.ones(1000)
    floor_noop = best_of(lambda: a + 0.0, 1000)
    print(
        f"floor: one solve_ivp trajectory {floor_ivp * 1e3:.1f} ms; numpy no-op "
        f"{floor_noop * 1e6:.1f} us"
    )

    def cold(spec: fo.FlyoutSpec) -> None:
        fo.clear_table_cache()
        fo.flyout_table(spec)

    worst = 0.0
    print(f"{'system':<9} {'estimate':<8} {'build ms':>9} {'x ivp':>6} {'grid':>10}")
    for system_id in ids:
        for estimate in ESTIMATES:
            spec = spec_for(system_id, estimate)
            t = best_of(lambda spec=spec: cold(spec), args.repeat)
            shape = fo.flyout_table(spec).time_s.shape
            worst = max(worst, t)
            print(
                f"{system_id:<9} {estimate:<8} {t * 1e3:9.1f} {t / floor_ivp:6.1f} "
                f"{shape[0]:>4}x{shape[1]:<5}"
            )
    table = fo.flyout_table(spec_for("sm3_iia", "nominal"))
    rng = np.random.default_rng(0)
    r = rng.uniform(0.0, 2.0e6, 2_000_000)
    h = rng.uniform(0.0, 1.0e6, 2_000_000)
    t_lookup = best_of(lambda: fo.earliest_time_s(table, r, h), args.repeat)
    t_axpy = best_of(lambda: r * 2.0 + h, args.repeat)
    print(
        f"lookup of 2e6 random points (sm3_iia nominal): {t_lookup * 1e3:.0f} ms "
        f"({t_lookup / 2e6 * 1e9:.0f} ns/point) = {t_lookup / t_axpy:.0f} x r*2+h on the same arrays"
    )
    print(
        f"slowest table build {worst * 1e3:.0f} ms = {worst / floor_ivp:.1f} x one solve_ivp "
        f"trajectory = {worst / floor_noop:.0f} x a numpy no-op"
    )


if __name__ == "__main__":
    main()
