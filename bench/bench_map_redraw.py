"""What one redraw of the dashboard's map costs a browser without a GPU, layer by layer.

A year step redraws the whole map once; in Chromium without a GPU (software WebGL: ANGLE on
SwiftShader) that redraw is rasterised when the compositor reads the canvas back, and the page's
main thread waits for it. This bench measures that read-back wait per redraw, from Chromium's
own trace (``ContextVk::finishImpl`` events), for the default dashboard map of 2016 and 2017
(``DASHBOARD_LAYERS``, capitals, as sent to the browser), and again with each layer left out.

Side by side in one run, on one server and one browser (``bench/_redraw_page.py`` shows the two
fixed specs and swaps them on each ◀/▶ press, so the server does no work): per variant a fresh
page, two unmeasured swaps, then ``--steps`` measured swaps (median). Each swap must draw exactly
one frame (counted by wrapping the WebGL draw calls); a second frame would be reported.

Prints per variant the median redraw, the layer's saving and its share of the whole redraw (one
small layer's saving is within the noise, about ±20 ms for 6 swaps); the
last line gives the whole redraw as a ratio to the basemap-only redraw (sea, land, borders: the
floor page's map) and the layer that costs most.

Usage: ``.venv/bin/python bench/bench_map_redraw.py [--steps 6] [--layers borders,radar]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
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
    streamlit_server,
)

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BASEMAP = ("sea", "countries-outside", "countries", "borders")
#: Counts deck.gl's draw calls (one frame of the default map is ~20).
DRAWS_JS = """
(() => {
  window.__draws = 0;
  for (const C of [WebGLRenderingContext, WebGL2RenderingContext]) {
    for (const n of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced']) {
      const f = C.prototype[n];
      if (f) C.prototype[n] = function (...a) { window.__draws++; return f.apply(this, a); };
    }
  }
})();
"""


def _specs(folder: Path) -> list[Path]:
    """The default dashboard map of 2016 and 2017 as the browser receives it."""
    from coverage.catalogue.tables import load_catalogue
    from coverage.products.headline import headline
    from coverage.products.mapdata import MapState, compute_map
    from coverage.render.layers import StaticFiles, build_deck
    from coverage.scenario import FootprintOptions
    from dashboard.controls import DASHBOARD_LAYERS

    catalogue = load_catalogue()
    paths = []
    for year in (2016, 2017):
        state = MapState(FootprintOptions(year=year), layers=DASHBOARD_LAYERS)
        deck = build_deck(
            compute_map(catalogue, state),
            static=StaticFiles(REPO / "bench" / "static"),
            capitals=headline(catalogue, state).capitals,
        )
        path = folder / f"deck_{year}.json"
        path.write_text(deck.to_json(), encoding="utf-8")
        paths.append(path)
    return paths


async def _variant(browser: Any, base: str, drop: tuple[str, ...], steps: int) -> list[float]:
    """Median-ready redraw waits (ms) of ``steps`` swaps with ``drop`` left out."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(DRAWS_JS)
    page = await context.new_page()
    try:
        await page.goto(f"{base}/?drop={','.join(drop)}", timeout=120_000)
        await page.wait_for_selector(f"{MAP} canvas", timeout=120_000)
        await page.wait_for_function(DONE_JS, arg=None, timeout=120_000)
        await page.wait_for_timeout(2000)
        waits: list[float] = []
        for i in range(steps + 2):
            button = "next_year" if i % 2 == 0 else "prev_year"
            before = await page.evaluate(PROBE_JS)
            await page.evaluate("window.__draws = 0")
            await browser.start_tracing(page=page, categories=["gpu", "gpu.angle"])
            await page.locator(f".st-key-{button} button").first.click()
            await page.wait_for_function(DONE_JS, arg=before, timeout=60_000)
            await page.evaluate(FRAMES_JS)
            await page.wait_for_timeout(600)  # a second frame, if any, would come by now
            trace = json.loads(await browser.stop_tracing())
            draws = await page.evaluate("window.__draws")
            finish = [
                e["dur"] / 1000.0
                for e in trace["traceEvents"]
                if e.get("ph") == "X" and e.get("name") == "ContextVk::finishImpl"
            ]
            if i >= 2:
                waits.append(sum(d for d in finish if d > 1.0))
                if draws == 0 or len([d for d in finish if d > 1.0]) > 1:
                    print(
                        f"  note: {drop or 'all layers'} swap {i}: {draws} draw calls, "
                        f"read-backs {[round(d) for d in finish if d > 1.0]} ms"
                    )
        return waits
    finally:
        await context.close()


async def main_async(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs = _specs(folder)
        ids = [layer["id"] for layer in json.loads(specs[0].read_text())["layers"]]
        wanted = args.layers.split(",") if args.layers else [i for i in ids if i != "sea"]
        os.environ["EPAA_REDRAW_SPECS"] = os.pathsep.join(str(p) for p in specs)
        print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        log = folder / "server.log"
        with streamlit_server(str(Path("bench") / "_redraw_page.py"), log) as (base, _pid):
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    whole = statistics.median(await _variant(browser, base, (), args.steps))
                    floor_drop = tuple(i for i in ids if i not in BASEMAP)
                    floor = statistics.median(await _variant(browser, base, floor_drop, args.steps))
                    print(f"whole map: {whole:.0f} ms a redraw ({len(ids)} layers)")
                    print(f"basemap only (sea, land, borders): {floor:.0f} ms")
                    costs: dict[str, float] = {}
                    for layer in wanted:
                        if layer not in ids:
                            print(f"  {layer}: not in the map")
                            continue
                        without = statistics.median(
                            await _variant(browser, base, (layer,), args.steps)
                        )
                        costs[layer] = whole - without
                        print(
                            f"  without {layer:18s} {without:5.0f} ms: saves "
                            f"{whole - without:4.0f} ms ({(whole - without) / whole:5.1%})"
                        )
                finally:
                    await browser.close()
    top = max(costs, key=lambda k: costs[k]) if costs else "-"
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"redraw whole/basemap = {whole / floor:.2f} ({whole:.0f} vs {floor:.0f} ms); "
        f"costliest layer: {top} ({costs.get(top, float('nan')) / whole:.0%} of a redraw)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="measured swaps per variant")
    parser.add_argument("--layers", default="", help="layer ids to leave out one at a time")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
