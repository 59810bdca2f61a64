"""Benchmark: warm 1920x1080 slide export (PNG, SVG, PDF) against the 2 s target.

Run from the repository root: ``.venv/bin/python bench/bench_export.py [--runs 7]``. The map
data is computed once (the dashboard caches it), one render warms the basemap cache and the
fonts, then each format is timed ``--runs`` times and the median is reported. The last line is
the PNG ratio to the target (below 1 passes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.catalogue.tables import load_catalogue  # noqa: E402
from coverage.products.mapdata import MapState, compute_map  # noqa: E402
from coverage.render import export  # noqa: E402
from coverage.scenario import FootprintOptions  # noqa: E402

TARGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    catalogue = load_catalogue()
    data = compute_map(catalogue, MapState(FootprintOptions(year=2016, scenario="actual")))
    t0 = time.perf_counter()
    export.render(data, fmt="png")
    print(f"cold first render (basemap projection, fonts): {time.perf_counter() - t0:.3f} s")
    medians: dict[str, float] = {}
    for fmt in export.FORMATS:
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            payload = export.render(data, fmt=fmt, width_px=1920, height_px=1080)
            times.append(time.perf_counter() - t)
        medians[fmt] = statistics.median(times)
        print(
            f"{fmt}: median {medians[fmt]:.3f} s over {args.runs} runs (min {min(times):.3f} s, "
            f"max {max(times):.3f} s), {len(payload) / 1e6:.2f} MB"
        )
    t = time.perf_counter()
    export.render(data, fmt="png", projector=True)
    print(f"png projector: {time.perf_counter() - t:.3f} s")
    size = export.PRINT_A4_300DPI
    t = time.perf_counter()
    export.render(data, fmt="png", width_px=size.width_px, height_px=size.height_px, dpi=size.dpi)
    print(f"png A4 300 dpi: {time.perf_counter() - t:.3f} s")
    worst = max(medians.values())
    print(
        f"warm 1920x1080 PNG {medians['png']:.3f} s = "
        f"{medians['png'] / TARGET_S:.2f} x the {TARGET_S:g} s target "
        f"(slowest format {worst / TARGET_S:.2f} x)"
    )


if __name__ == "__main__":
    main()
