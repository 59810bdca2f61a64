"""Cost of the answer-first page: the first script run and a warm rerun, now versus a baseline.

Run from the repository root::

    .venv/bin/python bench/bench_first_page.py [--baseline 29cfd35] [--repeats 3]

Each measurement is a fresh Python process that runs ``app.py`` once with Streamlit's AppTest
(imports, catalogue, map, engine, deck: everything the server does for a new visitor's first
page; the browser's drawing is not included) and then once more in the same process (a warm
rerun, as when a second visitor opens the page). The baseline is the same measurement on an
older revision exported with ``git archive`` into a temporary folder (it shares ``data/``'s
content at that revision). The last line prints the ratios now / baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=300)
at.run()
t1 = time.perf_counter()
assert not at.exception, at.exception
again = AppTest.from_file({app!r}, default_timeout=300)
again.run()
t2 = time.perf_counter()
layers = [l["id"] for l in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]]
print(json.dumps({{"first_s": t1 - t0, "warm_s": t2 - t1, "layers": layers}}))
"""


def measure(root: Path, repeats: int) -> dict[str, float | list[str]]:
    """Median first-run and warm-rerun seconds of ``root/app.py`` over ``repeats`` processes."""
    runs = []
    for _ in range(repeats):
        code = PROBE.format(root=str(root), app=str(root / "app.py"))
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "first_s": statistics.median(r["first_s"] for r in runs),
        "warm_s": statistics.median(r["warm_s"] for r in runs),
        "layers": runs[-1]["layers"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="29cfd35", help="git revision to compare with")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    now = measure(ROOT, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        base = measure(Path(tmp), args.repeats)
    for name, m in (("baseline " + args.baseline, base), ("now", now)):
        print(
            f"{name:>18}: first page {m['first_s']:.2f} s, warm rerun {m['warm_s']:.2f} s, "
            f"layers {', '.join(m['layers'][4:])}"
        )
    print(
        f"ratio now/baseline: first page {now['first_s'] / base['first_s']:.2f}, "
        f"warm rerun {now['warm_s'] / base['warm_s']:.2f}"
    )


if __name__ == "__main__":
    main()
