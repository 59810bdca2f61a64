"""Another user's wait while one user runs the heaviest allowed request (ratio to idle).

In one server process (as Streamlit runs every session): a light, uncached engagement run
(one launch area, 50 km grid, a delay not computed before) is timed idle, then while a thread
runs the heaviest request the work budget allows near its limit (all of Iran, a 15 km grid).
Prints the median light-run time idle and busy and their ratio; the machine is shared and noisy,
so read the ratio, not the seconds.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coverage.catalogue.tables import load_catalogue  # noqa: E402
from coverage.products.budget import MAX_ENGAGEMENT_WORK, engagement_work  # noqa: E402
from coverage.products.defended import defended_grid  # noqa: E402
from coverage.products.grid import domain_iso3, target_grid  # noqa: E402
from coverage.scenario import DefenceQuery, FootprintOptions, resolve  # noqa: E402


def main() -> None:
    cat = load_catalogue()

    def light(delay_s: float) -> float:
        # A new delay is a new engine run (the delay is part of the cache key), same cost.
        t0 = time.perf_counter()
        defended_grid(
            cat,
            FootprintOptions(year=2016),
            DefenceQuery(launch_area="tabriz", grid_km=50.0, delay_s=delay_s),
        )
        return time.perf_counter() - t0

    light(50.0)  # warm imports, tables and fly-out tables
    idle = [light(d) for d in (60.0, 70.0, 80.0, 90.0, 100.0)]
    heavy_opts = FootprintOptions(year=2024)
    heavy_query = DefenceQuery(launch_area="all-iran", grid_km=15.0)
    setup = resolve(cat, heavy_opts, heavy_query)
    n = int(target_grid(15.0, domain_iso3(cat)).ix.size) + 3500
    work = engagement_work(setup, n)
    heavy = threading.Thread(target=lambda: defended_grid(cat, heavy_opts, heavy_query))
    t0 = time.perf_counter()
    heavy.start()
    time.sleep(0.5)
    busy = [light(d) for d in (110.0, 120.0, 130.0, 140.0, 150.0)]
    heavy.join()
    heavy_s = time.perf_counter() - t0
    ratio = statistics.median(busy) / statistics.median(idle)
    print(
        f"heavy request: {work:.2g} sample evaluations ({work / MAX_ENGAGEMENT_WORK:.0%} of the "
        f"budget), {heavy_s:.1f} s"
    )
    print(
        f"another user's uncached year step: idle median {statistics.median(idle):.2f} s, "
        f"during the heavy request {statistics.median(busy):.2f} s, ratio {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
