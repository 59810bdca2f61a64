"""Load test: N concurrent browser sessions drive the dashboard, then the framework's floor page.

Starts ``streamlit run app.py`` on a free loopback port, opens ``--sessions`` Playwright contexts,
spread over ``--browsers`` headless Chromium processes (Debian's ``/usr/bin/chromium``; each has its
own GPU process, as each user has their own machine) and, for ``--rounds`` rounds, has every
session at once step the year (the ▶/◀ buttons ``next_year``/``prev_year``) and toggle the radar
layer (checkbox ``show_radar``). Each input is timed until the map has been updated: the text that
the script writes *after* the map (events of the year, legend) has changed, Streamlit's status
widget says the run is over and two animation frames have passed (deck.gl draws in them). The same is then done against ``bench/floor_app.py``, a minimal page
that draws only the same basemap, and the ratio of the median latencies is printed on the last line.

Reports p50/p95 latency, errors (timeouts, exceptions shown, requests leaving loopback) and the
server's resident memory before, after opening the sessions and after each round. Two latencies
are reported per input: *drawn* (until the map has been updated in the browser, as above) and
*served* (until the browser has received the server's "script finished" message, read from the
WebSocket). On this machine the browsers share the server's two cores and render WebGL in software
(SwiftShader), so *drawn* includes N browsers' rendering work. *Served* leaves out the drawing,
but the click and the message still pass through those busy browsers, so it is inflated too; the
server's CPU per input is the figure that does not depend on where the browsers run. Every wait has a
timeout and the whole run a deadline (``--max-seconds``); both servers are stopped at the end.

Usage: ``.venv/bin/python bench/load.py [--sessions 20] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
VIEWPORT = {"width": 1280, "height": 800}
MAP = '[data-testid="stDeckGlJsonChart"]'
# Text of every Markdown element after the map, in document order: it changes when a rerun has
# delivered everything from the map onwards (year: "Events in <year>"; layers: the legend).
PROBE_JS = """() => {
  const map = document.querySelector('[data-testid="stDeckGlJsonChart"]');
  if (!map) return null;
  const parts = [];
  for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
    if (map.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) parts.push(el.innerText);
  }
  return parts.join('|');
}"""
DONE_JS = f"""(before) => {{
  const now = ({PROBE_JS})();
  return now !== null && now !== before && !document.querySelector('[data-testid="stStatusWidget"]');
}}"""
#: Two animation frames (deck.gl draws a new spec in its next frame), then one more task: the
#: frame that reads the software-rendered WebGL canvas back blocks the page's main thread after
#: the second frame's callbacks, and the task runs only once that is done (without it a
#: redraw that rebuilds the map was reported seconds early).
FRAMES_JS = (
    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
    "() => setTimeout(() => r(true), 0))))"
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Result:
    """Measurements against one app."""

    name: str
    latencies_s: list[float] = field(default_factory=list)
    served_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_mb: list[tuple[str, float]] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    sessions_open: int = 0
    rounds_wall_s: float = 0.0
    rounds_server_cpu_s: float = 0.0
    rounds_machine_cpu_s: float = 0.0

    def pct(self, q: float, *, served: bool = False) -> float:
        """Latency percentile ``q`` (0-100), seconds (drawn, or ``served``); NaN without data."""
        data = sorted(self.served_s if served else self.latencies_s)
        if not data:
            return float("nan")
        k = (len(data) - 1) * q / 100.0
        lo, hi = int(k), min(int(k) + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (k - lo)


# --- Server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid``."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu_s() -> float:
    """Busy CPU seconds of the whole machine so far (all cores)."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    try:
        import psutil  # type: ignore[import-not-found]

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        pass
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


@contextlib.contextmanager
def streamlit_server(script: str, log_path: Path) -> Any:
    """Run ``streamlit run <script>`` on loopback; yield (base URL, pid); stop it by its pid."""
    port = _free_port()
    log = log_path.open("wb")
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
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90.0
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script} did not start; log: {log_path}")
            time.sleep(0.3)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


# --- Sessions ----------------------------------------------------------------------------------


def _script_finished(payload: Any) -> bool:
    """Whether a WebSocket frame from the server is Streamlit's "script finished" message."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, bytes | bytearray):
        return False
    try:
        return ForwardMsg.FromString(bytes(payload)).WhichOneof("type") == "script_finished"
    except Exception:  # noqa: BLE001 - not a ForwardMsg: not the frame we wait for
        return False


#: perf_counter() times at which each page received "script finished", by page.
_FINISHED: dict[int, list[float]] = {}


async def _open_session(
    browser: Any, url: str, sem: asyncio.Semaphore, result: Result, timeout_s: float
) -> Any:
    async with sem:
        context = await browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()

        def _track(request: Any) -> None:
            parts = urlsplit(request.url)
            if parts.scheme not in ("data", "blob", "about") and parts.hostname not in LOOPBACK:
                result.outside_requests.append(request.url)

        page.on("request", _track)
        finished = _FINISHED.setdefault(id(page), [])

        def _on_ws(ws: Any) -> None:
            ws.on(
                "framereceived",
                lambda payload: (
                    finished.append(time.perf_counter()) if _script_finished(payload) else None
                ),
            )

        page.on("websocket", _on_ws)
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
        await page.locator(f"{MAP} canvas").first.wait_for(
            state="visible", timeout=timeout_s * 1000
        )
        await page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=timeout_s * 1000,
        )
        return page


async def _input(page: Any, selector: str, timeout_s: float) -> tuple[float, float]:
    """Click ``selector``; return the seconds until the map was drawn and until the run was served."""
    before = await page.evaluate(PROBE_JS)
    finished = _FINISHED.setdefault(id(page), [])
    t0 = time.perf_counter()
    await page.locator(selector).first.click(timeout=timeout_s * 1000)
    await page.wait_for_function(DONE_JS, arg=before, timeout=timeout_s * 1000, polling=20)
    # deck.gl applies a new spec in its animation frame: two frames later the map is drawn.
    await asyncio.wait_for(page.evaluate(FRAMES_JS), timeout=timeout_s)
    elapsed = time.perf_counter() - t0
    if await page.locator('[data-testid="stException"]').count():
        raise RuntimeError("the app shows an exception")
    served = next((t - t0 for t in finished if t > t0), elapsed)
    return elapsed, min(served, elapsed)


def _round_inputs(r: int) -> list[str]:
    """Round ``r``: a year step (forward on even rounds, back on odd) and the radar toggle."""
    year_button = ".st-key-next_year button" if r % 2 == 0 else ".st-key-prev_year button"
    return [year_button, ".st-key-show_radar label"]


async def _round(page: Any, r: int, timeout_s: float) -> list[tuple[float, float]]:
    return [await _input(page, selector, timeout_s) for selector in _round_inputs(r)]


def _record(result: Result, r: int, out: Any) -> None:
    if isinstance(out, BaseException):
        result.errors.append(f"round {r + 1}: {type(out).__name__}: {str(out)[:120]}")
    else:
        result.latencies_s += [drawn for drawn, _ in out]
        result.served_s += [served for _, served in out]


async def _paced_session(page: Any, args: argparse.Namespace, seed: float, result: Result) -> None:
    """One user: ``--rounds`` rounds, each input after a think time of 0.5-1.5 × ``--think-s``."""
    rng = random.Random(seed)
    for r in range(args.rounds):
        out: Any
        try:
            out = []
            for selector in _round_inputs(r):
                await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think_s)
                out.append(await _input(page, selector, args.timeout))
        except Exception as exc:  # noqa: BLE001 - recorded as an error of this run
            out = exc
        _record(result, r, out)


async def drive(name: str, script: str, args: argparse.Namespace, workdir: Path) -> Result:
    """Open the sessions against one app, run the rounds, measure."""
    from playwright.async_api import async_playwright

    result = Result(name)
    with streamlit_server(script, workdir / f"{name}.log") as (base, pid):
        result.rss_mb.append(("start", _rss_mb(pid)))
        async with async_playwright() as pw:
            browsers = [
                await pw.chromium.launch(
                    executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
                )
                for _ in range(min(args.browsers, args.sessions))
            ]
            try:
                sem = asyncio.Semaphore(args.open_concurrency)
                opened = await asyncio.gather(
                    *(
                        _open_session(
                            browsers[i % len(browsers)], f"{base}/", sem, result, args.open_timeout
                        )
                        for i in range(args.sessions)
                    ),
                    return_exceptions=True,
                )
                pages = [p for p in opened if not isinstance(p, BaseException)]
                result.errors += [
                    f"open: {type(e).__name__}: {str(e)[:120]}"
                    for e in opened
                    if isinstance(e, BaseException)
                ]
                result.sessions_open = len(pages)
                result.rss_mb.append(("sessions open", _rss_mb(pid)))
                wall0, server0, machine0 = time.perf_counter(), _server_cpu_s(pid), _machine_cpu_s()
                if args.think_s > 0:
                    # Paced: each session on its own clock, a think time before every input.
                    rng = random.Random(1)
                    await asyncio.gather(
                        *(_paced_session(p, args, rng.random(), result) for p in pages)
                    )
                    result.rss_mb.append((f"{args.rounds} rounds", _rss_mb(pid)))
                else:
                    # Lock-step: every session inputs at once, round after round.
                    for r in range(args.rounds):
                        outcomes = await asyncio.gather(
                            *(_round(p, r, args.timeout) for p in pages), return_exceptions=True
                        )
                        for out in outcomes:
                            _record(result, r, out)
                        result.rss_mb.append((f"round {r + 1}", _rss_mb(pid)))
                result.rounds_wall_s = time.perf_counter() - wall0
                result.rounds_server_cpu_s = _server_cpu_s(pid) - server0
                result.rounds_machine_cpu_s = _machine_cpu_s() - machine0
            finally:
                for browser in browsers:
                    await browser.close()
    return result


def _server_ms_per_input(res: Result) -> float:
    n = len(res.latencies_s)
    return 1000.0 * res.rounds_server_cpu_s / n if n else float("nan")


def _report(res: Result, args: argparse.Namespace) -> None:
    print(
        f"[{res.name}] sessions={res.sessions_open}/{args.sessions} rounds={args.rounds} inputs={len(res.latencies_s)} "
        f"errors={len(res.errors)} drawn: p50={res.pct(50) * 1000:.0f} ms p95={res.pct(95) * 1000:.0f} ms "
        f"max={max(res.latencies_s, default=float('nan')) * 1000:.0f} ms; served: "
        f"p50={res.pct(50, served=True) * 1000:.0f} ms p95={res.pct(95, served=True) * 1000:.0f} ms"
    )
    series = " → ".join(f"{label} {mb:.0f}" for label, mb in res.rss_mb)
    grow = res.rss_mb[-1][1] - res.rss_mb[1][1] if len(res.rss_mb) > 2 else float("nan")
    print(f"[{res.name}] server RSS MB: {series} (rounds added {grow:+.0f} MB)")
    print(
        f"[{res.name}] during the rounds: {res.rounds_wall_s:.0f} s wall; CPU "
        f"{res.rounds_server_cpu_s:.0f} s in the Streamlit server, "
        f"{res.rounds_machine_cpu_s - res.rounds_server_cpu_s:.0f} s elsewhere (browsers) "
        f"of {res.rounds_wall_s * (os.cpu_count() or 1):.0f} s available"
    )
    print(
        f"[{res.name}] server CPU per input: {_server_ms_per_input(res):.0f} ms "
        f"(what each rerun costs the shared server, whoever's browser draws it)"
    )
    print(f"[{res.name}] requests outside loopback: {len(res.outside_requests)}")
    for err in res.errors[:5]:
        print(f"[{res.name}] error: {err}")


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        workdir = Path(tmp)
        dashboard = await drive("dashboard", "app.py", args, workdir)
        _report(dashboard, args)
        floor = await drive("floor", str(Path("bench") / "floor_app.py"), args, workdir)
        _report(floor, args)
    print(
        f"server CPU per input ratio dashboard/floor = "
        f"{_server_ms_per_input(dashboard) / _server_ms_per_input(floor):.2f} "
        f"({_server_ms_per_input(dashboard):.0f} ms / {_server_ms_per_input(floor):.0f} ms)"
    )
    served50 = dashboard.pct(50, served=True) / floor.pct(50, served=True)
    print(
        f"served (server) latency ratio dashboard/floor = {served50:.2f} "
        f"(p50 {dashboard.pct(50, served=True) * 1000:.0f} ms / {floor.pct(50, served=True) * 1000:.0f} ms; "
        f"p95 {dashboard.pct(95, served=True) * 1000:.0f} ms / {floor.pct(95, served=True) * 1000:.0f} ms)"
    )
    ratio50 = dashboard.pct(50) / floor.pct(50)
    ratio95 = dashboard.pct(95) / floor.pct(95)
    print(
        f"rerun latency ratio dashboard/floor = {ratio50:.2f} (p50 {dashboard.pct(50) * 1000:.0f} ms / "
        f"{floor.pct(50) * 1000:.0f} ms; p95 {dashboard.pct(95) * 1000:.0f} ms / {floor.pct(95) * 1000:.0f} ms, "
        f"ratio {ratio95:.2f}; N={args.sessions}, "
        f"{'lockstep' if args.think_s <= 0 else f'think {args.think_s:g} s'}, "
        f"errors {len(dashboard.errors)}/{len(floor.errors)})"
    )
    failed = (
        dashboard.errors or floor.errors or dashboard.outside_requests or floor.outside_requests
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the load test within its deadline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sessions", type=int, default=20, help="concurrent browser sessions (default 20)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of inputs per session (default 5)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for one input")
    parser.add_argument(
        "--open-timeout", type=float, default=180.0, help="seconds allowed to open one session"
    )
    parser.add_argument(
        "--think-s",
        type=float,
        default=0.0,
        help="0 (default): every session inputs at the same moment, round after round (worst "
        "case); > 0: each session waits a random 0.5-1.5 × this many seconds before each input",
    )
    parser.add_argument(
        "--browsers",
        type=int,
        default=4,
        help="Chromium processes the sessions are spread over (default 4)",
    )
    parser.add_argument(
        "--open-concurrency", type=int, default=4, help="pages opened at once (default 4)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=1800.0, help="deadline for the whole run"
    )
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", CHROMIUM))
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 100 or not 1 <= args.rounds <= 100:
        parser.error("--sessions and --rounds must be from 1 to 100")
    if not 0 <= args.think_s <= 120:
        parser.error("--think-s must be from 0 to 120")
    if not 1 <= args.browsers <= 20:
        parser.error("--browsers must be from 1 to 20")
    if not Path(args.chromium).exists():
        print(f"rerun latency ratio dashboard/floor = n/a (no Chromium at {args.chromium})")
        return 2
    try:
        return asyncio.run(asyncio.wait_for(main_async(args), timeout=args.max_seconds))
    except TimeoutError:
        print(
            f"rerun latency ratio dashboard/floor = n/a (deadline of {args.max_seconds:.0f} s reached)"
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
