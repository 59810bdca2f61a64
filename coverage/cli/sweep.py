"""``python -m coverage sweep``: Monte-Carlo probability of defence and sensitivity, on Dask.

Prints the sweep's summary (draws, the defended territory share's median and 5-95 % interval,
the sensitivity ranking, capitals) as JSON or text; ``--out`` writes the probability grid
(``.geojson`` / ``.gpkg``: one polygon per cell with ``p_defended``) or a slide image of the
probability map with its legend (``.png`` / ``.svg`` / ``.pdf``). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from coverage.catalogue.tables import load_catalogue
from coverage.cli.args import (
    PROTECTED_DIRS,
    CliError,
    add_defended_arguments,
    add_state_arguments,
    checked_output_path,
    number,
    options_from_args,
    query_from_args,
    write_output,
)
from coverage.products.sweep import (
    MAX_DRAWS,
    SCHEDULER_ENV,
    SweepRequest,
    cache_dir,
    probability_cells,
    probability_layer,
    run_sweep,
)
from coverage.scenario import MAP_FREE_QUERY_FIELDS, DefenceQuery

__all__ = ["register"]

_GRID_SUFFIXES = (".geojson", ".gpkg")
_IMAGE_SUFFIXES = (".png", ".svg", ".pdf")


class _Bar:
    """A text progress bar on stderr: redrawn in place on a terminal, a few lines otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        share = done / total
        step = math.floor(share * 10)
        if not self.tty and step == self.shown:
            return
        self.shown = step
        bar = "#" * round(share * 30)
        line = f"sweep [{bar:<30}] {done}/{total} tasks ({share:.0%})"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if done == total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _text(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['year']} {summary['scenario']}, {summary['threat']} from "
        f"{summary['launch_area']}, {summary['grid_km']:g} km grid: {summary['draws']} draws "
        f"({summary['sampler']}, seed {summary['seed']})",
        f"NATO-Europe territory defended: median {summary['share_median']:.1%}, "
        f"5-95 % {summary['share_p05']:.1%} to {summary['share_p95']:.1%} "
        f"(nominal {summary['share_nominal']:.1%})",
        f"population defended: median {summary['population_share_median']:.1%}, "
        f"5-95 % {summary['population_share_p05']:.1%} to "
        f"{summary['population_share_p95']:.1%}",
        f"capitals defended: median {summary['capitals_median']:g} of "
        f"{summary['capitals_total']}, 5-95 % {summary['capitals_p05']:g} to "
        f"{summary['capitals_p95']:g}",
        "sensitivity (first-order index of the territory share; rank correlation):",
    ]
    for row in summary["sensitivity"]:
        lines.append(
            f"  {row['parameter']:<26} {row['index']:6.3f}  (±{row['index_conf']:.2f}; "
            f"rho {row['rank_correlation']:+.2f})"
        )
    lines.append(f"drawn ({len(summary['drawn'])}): {', '.join(summary['drawn']) or 'none'}")
    lines.append(f"not drawn ({len(summary['not_drawn'])}):")
    for row in summary["not_drawn"]:
        lines.append(f"  {row['parameter']:<26} {row['reason']}")
    lines.append("capitals, share of draws defended:")
    for row in summary["capitals"]:
        lines.append(f"  {row['capital']:<26} {row['p_defended']:6.1%}")
    lines.append(f"method: {summary['sensitivity_method']}")
    lines.append(f"assumptions: {summary['assumptions']}")
    lines.append(summary["caveat"])
    return "\n".join(lines)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from coverage.products.mapdata import MapState, compute_map

    catalogue = load_catalogue()
    options = options_from_args(args)
    query = query_from_args(args)
    request = SweepRequest(
        options, query, draws=int(args.draws), seed=int(args.seed), sampler=args.sampler
    )
    out: Path | None = None
    if args.out:
        out = checked_output_path(args.out)
        if out.suffix.lower() not in (*_GRID_SUFFIXES, *_IMAGE_SUFFIXES):
            raise CliError(
                f"--out {args.out}: unknown extension; allowed: "
                + ", ".join((*_GRID_SUFFIXES, *_IMAGE_SUFFIXES))
            )
    cache = None
    if not args.no_cache:
        cache = Path(args.cache_dir) if args.cache_dir else cache_dir()
        for folder in PROTECTED_DIRS:
            if cache.resolve().is_relative_to(folder.resolve()):
                raise CliError(
                    f"--cache-dir {cache}: refusing to write inside {folder.name}/; "
                    "choose another folder"
                )
    result = run_sweep(
        catalogue,
        request,
        scheduler=args.scheduler,
        workers=int(args.workers) if args.workers else None,
        processes=args.processes,
        cache=cache,
        progress=_Bar(not args.quiet),
    )
    summary = result.summary()
    if out is not None:
        suffix = out.suffix.lower()
        if suffix == ".geojson":
            meta = {k: v for k, v in summary.items() if k not in ("capitals", "distributions")}
            from coverage.render.gis import grid_geojson

            write_output(grid_geojson(probability_cells(result), meta), args.out)
        elif suffix == ".gpkg":
            from coverage.render.gis import grid_geopackage

            write_output(grid_geopackage(probability_cells(result), "p_defended"), args.out)
        else:
            # The picture's map: the query's choices without the sweep's own (its grid, the
            # shoot-look-shoot interval), which the probability layer and its line carry.
            drawn = replace(query, **{n: getattr(DefenceQuery, n) for n in MAP_FREE_QUERY_FIELDS})
            state = MapState.from_query(options, drawn, layers=frozenset({"sites", "launch"}))
            data = replace(
                compute_map(catalogue, state),
                probability=probability_layer(result),
                assumptions=result.short_text() + ".",
            )
            med, p05, p95 = result.interval("area_share")
            line = (
                f"Defended in the median draw: {med:.0%} of NATO-Europe territory "
                f"(5-95 %: {p05:.0%}-{p95:.0%}, {result.draws} draws)"
            )
            from coverage.render.export import render  # matplotlib: loaded only for an image

            write_output(render(data, fmt=suffix[1:], headline=line), args.out)  # type: ignore[arg-type]
    if args.format == "json":
        write_output(json.dumps(summary, ensure_ascii=False, indent=1), None)
    else:
        write_output(_text(summary), None)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``sweep`` command."""
    sw = subparsers.add_parser(
        "sweep",
        help="Monte-Carlo probability of defence per grid cell and sensitivity, on Dask",
        description=__doc__.splitlines()[0],
    )
    add_state_arguments(sw)
    add_defended_arguments(sw)
    g = sw.add_argument_group("Monte-Carlo sweep")
    g.add_argument(
        "--draws",
        type=number("--draws", 2, MAX_DRAWS, "draws", whole=True),
        default=100,
        help=f"parameter sets drawn from data/distributions.csv, 2-{MAX_DRAWS} (default 100)",
    )
    g.add_argument(
        "--seed",
        type=number("--seed", 0, 2**32 - 1, "", whole=True),
        default=1,
        help="seed of the sampler: the same seed gives the same result (default 1)",
    )
    g.add_argument(
        "--sampler",
        choices=("lhs", "sobol"),
        default="lhs",
        help="Latin hypercube (default) or scrambled Sobol' sequence",
    )
    g.add_argument(
        "--scheduler",
        default=None,
        help=f"Dask scheduler tcp://HOST:PORT (default: ${SCHEDULER_ENV}, else a local cluster)",
    )
    g.add_argument(
        "--workers",
        type=number("--workers", 1, 256, "workers", whole=True),
        default=None,
        help="local cluster: worker processes (default: this machine's cores)",
    )
    g.add_argument(
        "--processes",
        action="store_true",
        help="local cluster: worker processes instead of threads (measured slower on this "
        "machine; see bench/bench_sweep.py)",
    )
    g.add_argument(
        "--cache-dir",
        default=None,
        help="sweep cache folder (default: $EPAA_CACHE_DIR, else ~/.cache/epaa-coverage)",
    )
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    g.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    g.add_argument("--format", choices=["json", "text"], default="text", help="summary format")
    g.add_argument(
        "--out",
        default=None,
        help="probability grid (.geojson, .gpkg: a polygon per cell with p_defended) or map "
        "image with the probability legend (.png, .svg, .pdf)",
    )
    sw.set_defaults(func=_cmd_sweep)
