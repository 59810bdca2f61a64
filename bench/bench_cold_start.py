"""Cold start to the first drawn map and a cached year step: the dashboard against the floor page.

Side by side in one run, alternating ``app.py`` and ``bench/floor_app.py`` (the same basemap only)
so that both share the machine's noise:

1. **Cold start.** Per run, a fresh Streamlit server process (headless, a free loopback port, a
   fresh empty ``EPAA_CACHE_DIR`` so the disk caches are cold: threat tracks and numba's compiled
   code; with ``--warm-disk`` one folder per page kept between its runs and filled by an
   unmeasured run first, as after a server restart) and a fresh Chromium process with one new
   context (so no shader or HTTP cache is shared between runs). Timed from ``page.goto`` until
   the map's canvas (``[data-testid="stDeckGlJsonChart"] canvas``) holds drawn pixels: the page
   copies the WebGL canvas into a 64×40 2D canvas every 30 ms and the map counts as drawn once more
   than 5 % of those pixels are not transparent (deck.gl's canvas is transparent until a layer is
   drawn; the sea polygon alone covers the whole view). The time is the page's own clock at the
   successful check, so it is late by at most one polling interval. The same run also reports when
   the WebSocket opened (the browser has loaded Streamlit's front end), when the map's element
   (the deck spec) arrived from the server, when deck.gl made its first WebGL draw call (a wrapper
   on the draw calls, installed before the page's scripts) and when the first "script finished"
   message arrived. This splits the cold start into front-end load, server time until the map,
   browser time until the first draw call (layers built, shaders compiled) and until the pixels.
   Then, "answer drawn": the legend is on the page, no run is going on, and two animation
   frames have passed; printed with its ratio to the floor's drawn map (the floor's map is its
   whole answer).
2. **Cached year step.** On the page just loaded, the year is stepped forward and back once with
   the ◀/▶ buttons (``prev_year``/``next_year``; the floor page has the same two buttons) to warm
   the caches, then stepped between those two visited years. Each step is timed from the click
   until the server's "script finished" message has been received, Streamlit's status widget is
   gone, the text after the map has changed and two animation frames have passed (deck.gl draws a
   new spec in its next frame), as in ``bench/load.py``.

Prints each time, the load average, and on the last line both ratios (medians) with their targets.

With ``--answer-floor`` a third page alternates with the two: ``bench/answer_floor_app.py``, the
dashboard's own default map (the same deck, byte for byte) on a page with nothing else. Its
ratios to the basemap floor are what drawing the answer costs by itself, the part of each ratio
no change to the rest of the page can take away; the dashboard's ratios to it are what the rest
of the page adds. ``--answer-drop TextLayer,ScatterplotLayer`` leaves those layer types out of
that page's map: what their shader programs cost the first frame (an experiment).

Usage: ``.venv/bin/python bench/bench_cold_start.py [--runs 3] [--steps 4] [--warm-disk]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402 - bench/ is not a package; its folder is put on the path above
    CHROMIUM,
    CHROMIUM_ARGS,
    DONE_JS,
    FRAMES_JS,
    MAP,
    PROBE_JS,
    VIEWPORT,
    _free_port,
    _script_finished,
)

REPO = Path(__file__).resolve().parent.parent
PAGES = {
    "app": "app.py",
    "floor": str(Path("bench") / "floor_app.py"),
    "answer": str(Path("bench") / "answer_floor_app.py"),
}
TARGET_COLD = 1.5
TARGET_STEP = 3.0
POLL_MS = 30
# Epoch milliseconds (the page's clock) once the map canvas holds drawn pixels, else false.
DRAWN_JS = f"""() => {{
  const c = document.querySelector('{MAP} canvas');
  if (!c || !c.width || !c.height) return false;
  const s = document.createElement('canvas');
  s.width = 64; s.height = 40;
  const g = s.getContext('2d', {{willReadFrequently: true}});
  g.drawImage(c, 0, 0, 64, 40);
  const d = g.getImageData(0, 0, 64, 40).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n > 0.05 * 64 * 40 ? performance.timeOrigin + performance.now() : false;
}}"""


def _frame_type(payload: Any) -> str:
    """``"finished"`` for Streamlit's "script finished" message, ``"deck"`` for the map's element."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, bytes | bytearray):
        return ""
    if _script_finished(payload):
        return "finished"
    try:
        msg = ForwardMsg.FromString(bytes(payload))
    except Exception:  # noqa: BLE001 - not a ForwardMsg
        return ""
    if (
        msg.WhichOneof("type") == "delta"
        and msg.delta.WhichOneof("type") == "new_element"
        and msg.delta.new_element.WhichOneof("type") == "deck_gl_json_chart"
    ):
        return "deck"
    return ""


# Records (page clock, epoch ms) the first WebGL draw call of the page: deck.gl has built its
# layers, compiled their shaders and starts drawing. Installed before any page script runs.
FIRST_DRAW_JS = """(() => {
  for (const proto of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!proto) continue;
    for (const name of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced']) {
      const orig = proto.prototype[name];
      if (!orig) continue;
      proto.prototype[name] = function (...a) {
        if (window.__firstDraw === undefined) window.__firstDraw = performance.timeOrigin + performance.now();
        return orig.apply(this, a);
      };
    }
  }
})();"""
IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
# The page's answer is on screen: its legend is drawn and no run is going on (a page that drew
# its basemap before its answer would pass the "map drawn" check early; this one it would not:
# the legend comes with the answer).
ANSWER_JS = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]'))
    if (el.innerText.startsWith('Legend')) return true;
  return false;
}"""


@dataclass
class Run:
    """One cold start of one page and the year steps on it."""

    page: str
    server_start_s: float = 0.0
    ws_open_s: float = float("nan")
    deck_s: float = float("nan")
    first_draw_s: float = float("nan")
    served_s: float = float("nan")
    drawn_s: float = float("nan")
    answer_s: float = float("nan")
    steps_s: list[float] = field(default_factory=list)
    steps_served_s: list[float] = field(default_factory=list)


@contextlib.contextmanager
def server(script: str, log_path: Path, cache_dir: Path) -> Iterator[tuple[str, float]]:
    """Run ``streamlit run <script>`` with a fresh cache folder; yield (URL, seconds to healthy)."""
    port = _free_port()
    env = {**os.environ, "EPAA_CACHE_DIR": str(cache_dir)}
    # As on a user's machine, the project's modules are compiled once to __pycache__ (the
    # packages both pages import were compiled at install); with the variable set, as in this
    # workplace's shell, the dashboard would compile its ~60 modules again at every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with log_path.open("wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--server.runOnSave",
                "false",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60.0
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{script} did not start; log: {log_path}")
                time.sleep(0.1)
            yield base, time.perf_counter() - t0
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


async def _step(
    page: Any, selector: str, finished: list[float], timeout_s: float
) -> tuple[float, float]:
    """Click ``selector``; seconds until the rerun was drawn, and until it was served."""
    before = await page.evaluate(PROBE_JS)
    t0 = time.perf_counter()
    await page.locator(selector).first.click(timeout=timeout_s * 1000)
    deadline = t0 + timeout_s
    while not any(t > t0 for t in finished):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no 'script finished' after clicking {selector}")
        await asyncio.sleep(0.005)
    served = next(t for t in finished if t > t0) - t0
    await page.wait_for_function(DONE_JS, arg=before, timeout=timeout_s * 1000, polling=10)
    await asyncio.wait_for(page.evaluate(FRAMES_JS), timeout=timeout_s)
    drawn = time.perf_counter() - t0
    if await page.locator('[data-testid="stException"]').count():
        raise RuntimeError("the page shows an exception")
    return drawn, served


async def one_run(pw: Any, name: str, args: argparse.Namespace, workdir: Path, i: int) -> Run:
    """Cold-start page ``name`` on a fresh server and browser, then time cached year steps."""
    run = Run(name)
    # --warm-disk: one folder per page, filled by an unmeasured first run (a server restart);
    # else a fresh, empty one per run (the machine's very first start).
    cache_dir = workdir / (f"cache_{name}" if args.warm_disk else f"cache_{name}_{i}")
    cache_dir.mkdir(exist_ok=True)
    with server(PAGES[name], workdir / f"{name}_{i}.log", cache_dir) as (base, started_s):
        run.server_start_s = started_s
        browser = await pw.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(viewport=VIEWPORT)
            await context.add_init_script(FIRST_DRAW_JS)
            page = await context.new_page()
            finished: list[float] = []
            ws_open: list[float] = []
            deck: list[float] = []

            def _on_frame(payload: Any) -> None:
                kind = _frame_type(payload)
                if kind:
                    (finished if kind == "finished" else deck).append(time.perf_counter())

            def _on_ws(ws: Any) -> None:
                ws_open.append(time.perf_counter())
                ws.on("framereceived", _on_frame)

            page.on("websocket", _on_ws)
            t0_epoch, t0 = time.time(), time.perf_counter()
            await page.goto(f"{base}/", wait_until="commit", timeout=args.timeout * 1000)
            drawn_ms = await page.wait_for_function(
                DRAWN_JS, timeout=args.timeout * 1000, polling=POLL_MS
            )
            run.drawn_s = await drawn_ms.json_value() / 1000.0 - t0_epoch
            await page.wait_for_function(ANSWER_JS, timeout=args.timeout * 1000, polling=POLL_MS)
            await asyncio.wait_for(page.evaluate(FRAMES_JS), timeout=args.timeout)
            run.answer_s = time.perf_counter() - t0
            if ws_open:
                run.ws_open_s = ws_open[0] - t0
            if finished:
                run.served_s = finished[0] - t0
            if deck:
                run.deck_s = deck[0] - t0
            first_draw = await page.evaluate("() => window.__firstDraw ?? null")
            if first_draw is not None:
                run.first_draw_s = first_draw / 1000.0 - t0_epoch
            if await page.locator('[data-testid="stException"]').count():
                raise RuntimeError(f"{name} shows an exception")
            fwd, back = ".st-key-next_year button", ".st-key-prev_year button"
            for selector in (fwd, back):  # warm: both years visited
                await _step(page, selector, finished, args.timeout)
            for k in range(args.steps):
                drawn, served = await _step(
                    page, fwd if k % 2 == 0 else back, finished, args.timeout
                )
                run.steps_s.append(drawn)
                run.steps_served_s.append(served)
        finally:
            await browser.close()
    return run


def _ms(values: list[float]) -> str:
    return ", ".join(f"{v * 1000:.0f}" for v in values)


async def main_async(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    load0 = os.getloadavg()
    print(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    if os.environ.get("EPAA_BENCH_DROP_LAYERS"):
        print(
            f"the answer floor's map without: {os.environ['EPAA_BENCH_DROP_LAYERS']} (experiment)"
        )
    names = ("app", "floor", "answer") if args.answer_floor else ("app", "floor")
    runs: dict[str, list[Run]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="bench_cold_") as tmp:
        async with async_playwright() as pw:
            if args.warm_disk:
                for name in names:  # fills the disk caches; not measured
                    await one_run(pw, name, args, Path(tmp), -1)
            for i in range(args.runs):
                for name in names if i % 2 == 0 else names[::-1]:
                    r = await one_run(pw, name, args, Path(tmp), i)
                    runs[name].append(r)
                    print(
                        f"[{name} run {i + 1}] server up {r.server_start_s:.2f} s; cold start: "
                        f"WebSocket {r.ws_open_s:.2f} s, map spec received {r.deck_s:.2f} s, "
                        f"first WebGL draw call {r.first_draw_s:.2f} s, script finished {r.served_s:.2f} s, "
                        f"map drawn {r.drawn_s:.2f} s, answer drawn {r.answer_s:.2f} s; cached year steps drawn ms: "
                        f"{_ms(r.steps_s)} (served ms: {_ms(r.steps_served_s)}); "
                        f"load {os.getloadavg()[0]:.2f}",
                        flush=True,
                    )
    med: dict[str, dict[str, float]] = {}
    for name, rs in runs.items():
        med[name] = {
            "ws": statistics.median(r.ws_open_s for r in rs),
            "served": statistics.median(r.served_s for r in rs),
            "deck": statistics.median(r.deck_s for r in rs),
            "first_draw": statistics.median(r.first_draw_s for r in rs),
            "drawn": statistics.median(r.drawn_s for r in rs),
            "answer": statistics.median(r.answer_s for r in rs),
            "step": statistics.median(s for r in rs for s in r.steps_s),
            "step_served": statistics.median(s for r in rs for s in r.steps_served_s),
        }
        m = med[name]
        print(
            f"[{name}] medians: cold start to drawn map {m['drawn']:.2f} s = front end "
            f"{m['ws']:.2f} s + server until the map spec {m['deck'] - m['ws']:.2f} s + browser "
            f"until its first draw call {m['first_draw'] - m['deck']:.2f} s + until pixels "
            f"{m['drawn'] - m['first_draw']:.2f} s (script finished at {m['served']:.2f} s); "
            f"answer drawn {m['answer']:.2f} s; "
            f"cached year step {m['step'] * 1000:.0f} ms drawn "
            f"({m['step_served'] * 1000:.0f} ms served)"
        )
    load1 = os.getloadavg()
    print(f"load average at end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    cold = med["app"]["drawn"] / med["floor"]["drawn"]
    step = med["app"]["step"] / med["floor"]["step"]
    answer = med["app"]["answer"] / med["floor"]["drawn"]
    disk = "warm disk caches" if args.warm_disk else "empty disk caches"
    print(
        f"cold start ({disk}) app/floor = {cold:.2f} (target <= {TARGET_COLD:g}); "
        f"cached year step app/floor = {step:.2f} (target <= {TARGET_STEP:g}); "
        f"answer drawn (legend, headline and every layer) app/floor map = {answer:.2f}"
    )
    if args.answer_floor:
        # The dashboard's own map alone against the basemap: what drawing the answer costs by
        # itself, whatever the rest of the page does; and what the rest of the page adds to it.
        a, f, d = med["answer"], med["floor"], med["app"]
        print(
            f"the dashboard's map alone (answer floor)/floor: cold start {a['drawn'] / f['drawn']:.2f}, "
            f"cached year step {a['step'] / f['step']:.2f}; app/answer floor: cold start "
            f"{d['drawn'] / a['drawn']:.2f}, cached year step {d['step'] / a['step']:.2f}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse options and run within the deadline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="cold starts per page (default 3)")
    parser.add_argument(
        "--steps", type=int, default=4, help="timed cached year steps per run (default 4)"
    )
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds allowed for one wait")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="deadline for the run")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", CHROMIUM))
    parser.add_argument(
        "--warm-disk",
        action="store_true",
        help="keep the disk caches (threat tracks, compiled code) between the runs of a page, "
        "filled by one unmeasured run first: a server restart rather than a first start",
    )
    parser.add_argument(
        "--answer-floor",
        action="store_true",
        help="also time bench/answer_floor_app.py (the dashboard's default map on a page with "
        "nothing else): splits each ratio into the map's own cost and the rest of the page's",
    )
    parser.add_argument(
        "--answer-drop",
        default="",
        metavar="TYPES",
        help="with --answer-floor: deck.gl layer types to leave out of that page's map, comma "
        "separated (e.g. TextLayer,ScatterplotLayer): what each shader program costs",
    )
    args = parser.parse_args(argv)
    if args.answer_drop:
        if not args.answer_floor:
            parser.error("--answer-drop needs --answer-floor")
        os.environ["EPAA_BENCH_DROP_LAYERS"] = args.answer_drop
    if not 1 <= args.runs <= 10 or not 1 <= args.steps <= 20:
        parser.error("--runs must be from 1 to 10 and --steps from 1 to 20")
    if not Path(args.chromium).exists():
        print(f"cold start app/floor = n/a (no Chromium at {args.chromium})")
        return 2
    try:
        return asyncio.run(asyncio.wait_for(main_async(args), timeout=args.max_seconds))
    except TimeoutError:
        print(f"cold start app/floor = n/a (deadline of {args.max_seconds:.0f} s reached)")
        return 3


if __name__ == "__main__":
    sys.exit(main())
