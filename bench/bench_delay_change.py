"""Server time of a new delay on the dashboard (25 km grid), and what it rebuilds.

Run from the repository root::

    .venv/bin/python bench/bench_delay_change.py [--repeats 3]

One fresh process runs ``app.py`` with Streamlit's AppTest (the default page: 2016 as built,
Tabriz, design-case threat, 25 km grid), makes one new delay timed apart, then, for each of
``--repeats`` new delays, moves the delay slider and reruns: the server time of what a delay
change recomputes (the engine over the grid with its cached threat tracks and reachability
tables, the defended layer, the metrics, the deck). The engine's answers go to an empty
folder, so every delay is computed, not read from the disk store of results (which would
answer a delay any earlier process asked); the tracks (the grid's and the capitals'), grids,
compiled code, validated tables and reachability tables come from the usual disk cache
(``--fresh-tables``: not the reachability tables, so a new estimate builds its own, as on a
machine's first ask). Next to
it, the same rerun with nothing changed (the framework's rerun floor). Last, a new parameter
estimate (low, then high: each a fresh engine run) is timed the same way. The process counts how often threat tracks are built
(``engagement._fly_tracks``, disk loads included as builds would be) and reachability tables
are built (``flyout._build_table``) during the delay changes: both must stay 0. Load
(``uptime``) is printed; the last line is the summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coverage.catalogue.cachedir import cache_folder  # noqa: E402

PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
from coverage.physics import engagement, flyout
counts = {{"tracks": 0, "tables": 0}}
_fly, _build, _load = engagement._fly_tracks, flyout._build_table, engagement._unpack_tracks
def fly(*a, **k):
    counts["tracks"] += 1
    return _fly(*a, **k)
def build(*a, **k):
    counts["tables"] += 1
    return _build(*a, **k)
def load(*a, **k):
    counts["tracks"] += 1
    return _load(*a, **k)
engagement._fly_tracks, flyout._build_table, engagement._unpack_tracks = fly, build, load
from streamlit.testing.v1 import AppTest
from dashboard import prefetch
PREFETCH = {prefetch!r}
def settle():
    # With prefetching: the user reads the page before the next click (the background work
    # the page started has finished); without: nothing runs between runs anyway.
    if PREFETCH:
        assert prefetch.prefetcher().wait(300)
at = AppTest.from_file({app!r}, default_timeout=300)
t0 = time.perf_counter()
at.run()
first = time.perf_counter() - t0
assert not at.exception, at.exception
settle()
# The first new delay after the first page, timed apart, once.
at.slider(key="delay_s").set_value(65)
t0 = time.perf_counter()
at.run()
first_change = time.perf_counter() - t0
assert not at.exception, at.exception
floor, change = [], []
for delay in {delays!r}:
    settle()
    t0 = time.perf_counter()
    at.run()
    floor.append(time.perf_counter() - t0)
    before = dict(counts)
    at.slider(key="delay_s").set_value(delay)
    t0 = time.perf_counter()
    at.run()
    change.append(time.perf_counter() - t0)
    assert not at.exception, at.exception
    rebuilt = {{k: counts[k] - before[k] for k in counts}}
# A new estimate (the issue's other case): low, then high, each asked for the first time in
# this process (without prefetching: a fresh engine run, new radar specs, fly-out tables and
# footprints); then a new year (the year buttons, play).
estimate = {{}}
for case in ("low", "high", "next year"):
    settle()
    if case == "next year":
        at.slider(key="year").set_value(at.slider(key="year").value + 1)
    else:
        at.segmented_control(key="estimate").set_value(case)
    t0 = time.perf_counter()
    at.run()
    estimate[case] = time.perf_counter() - t0
    assert not at.exception, at.exception
settle()
# An impatient user: a new delay 0.15 s after the prefetch of a new page's neighbours has
# started (GRACE_S after the run; the page: a year not asked before): what the background
# work costs the user's own rerun (without prefetching: the same sequence, nothing behind it).
impatient = []
for i, year in enumerate((2012, 2013, 2014)):
    settle()
    at.slider(key="year").set_value(year)
    at.run()
    assert not at.exception, at.exception
    time.sleep(prefetch.GRACE_S + 0.15)
    at.slider(key="delay_s").set_value(140 + 10 * i)
    t0 = time.perf_counter()
    at.run()
    impatient.append(time.perf_counter() - t0)
    assert not at.exception, at.exception
settle()
print(json.dumps({{"first_s": first, "first_change_s": first_change, "floor_s": floor, "change_s": change, "rebuilt": rebuilt,
                   "counts": counts, "estimate_s": estimate, "impatient_s": impatient}}))
"""


def _probe(prefetch: bool, fresh_tables: bool, delays: list[int]) -> dict:
    """Run the probe in a fresh process; its measurements."""
    code = PROBE.format(root=str(ROOT), app=str(ROOT / "app.py"), delays=delays, prefetch=prefetch)
    # New delays, not answers another process stored: the engine's results go to an empty
    # folder; the tracks (grids' and points'), grids, compiled code (numba's and the
    # ahead-of-time module), validated tables and (unless --fresh-tables) the reachability
    # tables come from the usual cache (linked).
    source = cache_folder("results").parent
    with tempfile.TemporaryDirectory() as tmp:
        linked = ["tracks", "tracks-points", "grids", "numba", "compiled", "tables", "checked"]
        if not fresh_tables:
            linked.append("flyout")
        for name in linked:
            (source / name).mkdir(parents=True, exist_ok=True)
            os.symlink(source / name, Path(tmp) / name)
        env = dict(os.environ, EPAA_CACHE_DIR=tmp, EPAA_PREFETCH="1" if prefetch else "0")
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _verdict(x: float) -> str:
    return "met" if x < 0.150 else "not met"


def _report(res: dict, title: str, fresh_tables: bool) -> tuple[float, float, dict]:
    floor, change = statistics.median(res["floor_s"]), statistics.median(res["change_s"])
    print(f"-- {title}")
    print(
        f"first page (fresh process, the engine's answers computed): {res['first_s']:.2f} s; "
        f"the first new delay after it: {res['first_change_s'] * 1e3:.0f} ms"
    )
    print(
        f"rerun, nothing changed (floor): median {floor * 1e3:.0f} ms "
        f"({', '.join(f'{x * 1e3:.0f}' for x in res['floor_s'])})"
    )
    print(
        f"rerun after a new delay: median {change * 1e3:.0f} ms "
        f"({', '.join(f'{x * 1e3:.0f}' for x in res['change_s'])}); "
        f"what it recomputes: {(change - floor) * 1e3:.0f} ms over the floor"
    )
    print(
        f"during the last delay change: {res['rebuilt']['tracks']} threat-track builds, "
        f"{res['rebuilt']['tables']} reachability-table builds (whole run: {res['counts']})"
    )
    est = res["estimate_s"]
    tables = "reachability tables built" if fresh_tables else "reachability tables from disk"
    print(
        f"a new estimate or year ({tables}): "
        + ", ".join(
            f"{case} {t * 1e3:.0f} ms ({(t - floor) * 1e3:.0f} ms over the floor, "
            f"{t / floor:.1f}x the floor's rerun)"
            for case, t in est.items()
        )
    )
    imp = res["impatient_s"]
    print(
        "a new delay just after a new page's prefetch started: "
        + ", ".join(f"{t * 1e3:.0f}" for t in imp)
        + f" ms (median {statistics.median(imp) * 1e3:.0f} ms)"
    )
    return floor, change, est


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="delay changes (default 3)")
    ap.add_argument(
        "--fresh-tables",
        action="store_true",
        help="leave out the disk store of reachability tables: a new estimate then builds its "
        "tables (a machine's first ask of that estimate)",
    )
    args = ap.parse_args()
    delays = [70, 80, 90, 100, 110, 120, 130][: max(1, args.repeats)]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print("load before:", load)
    computed = _probe(False, args.fresh_tables, delays)
    prefetched = _probe(True, args.fresh_tables, delays)
    floor, change, est = _report(
        computed, "computed on the click (EPAA_PREFETCH=0: the engine's cost)", args.fresh_tables
    )
    p_floor, _, p_est = _report(
        prefetched,
        "prefetched (the default: the page's neighbours computed while the user reads it)",
        args.fresh_tables,
    )
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    over = change - floor
    worst = max(est, key=lambda k: est[k])
    p_worst = max(p_est, key=lambda k: p_est[k])
    print(
        f"summary: new delay {change * 1e3:.0f} ms server time for the whole rerun "
        f"({_verdict(change)}), {over * 1e3:.0f} ms over the {floor * 1e3:.0f} ms rerun floor "
        f"({_verdict(over)}; target < 150 ms); tracks rebuilt {computed['rebuilt']['tracks']}, "
        f"tables rebuilt {computed['rebuilt']['tables']}; a new estimate or year computed on the "
        f"click {est[worst] * 1e3:.0f} ms at most ({worst}; {_verdict(est[worst] - floor)} over "
        f"the floor), prefetched {p_est[p_worst] * 1e3:.0f} ms at most ({p_worst}; "
        f"{(p_est[p_worst] - p_floor) * 1e3:.0f} ms over the {p_floor * 1e3:.0f} ms floor: "
        f"{_verdict(p_est[p_worst] - p_floor)}); a new delay just after a new page's prefetch started "
        f"{statistics.median(computed['impatient_s']) * 1e3:.0f} ms without prefetching, "
        f"{statistics.median(prefetched['impatient_s']) * 1e3:.0f} ms with it (the cost of the "
        "background work to a user who does not wait)"
    )


if __name__ == "__main__":
    main()
