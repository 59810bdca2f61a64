"""Command line: ``python -m coverage <command>`` for batch use and reproducible outputs.

Commands: ``footprints`` (GeoJSON of radar and interceptor footprints), ``validate`` (check the
data files), the analysis commands of :mod:`coverage.cli.analysis` and ``export``
(:mod:`coverage.cli.export`). Bad options
print one clear line to stderr naming the option, the value and what is allowed, and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from coverage.catalogue.analysis import ANALYSIS_SCHEMAS
from coverage.catalogue.tables import DATA_DIR, DataError, load_catalogue
from coverage.catalogue.validate import COUNTRY_FILES, validate_data
from coverage.cli import analysis, export, sweep
from coverage.cli.args import (
    CliError,
    OneLineErrorParser,
    add_defended_arguments,
    add_state_arguments,
    flag_message,
    options_from_args,
    query_from_args,
    write_output,
)
from coverage.products.defended import defended_grid, defended_layer
from coverage.products.footprints import footprints
from coverage.textsafe import csv_text

__all__ = ["build_parser", "main"]


def _cmd_footprints(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    options = options_from_args(args)
    layers = set(args.layer or ["radar", "interceptor"])
    frame = footprints(catalogue, options)
    frame = frame[frame.layer.isin(layers)]
    if "defended" in layers:
        defended = defended_layer(
            defended_grid(catalogue, options, query_from_args(args)), catalogue
        )
        frame = pd.concat([frame, defended], ignore_index=True)
    from coverage.render.gis import country_columns, rfc7946_geometries

    frame = country_columns(frame)  # "Romania" and "ROU", as the export's files have them
    if args.format == "geojson":
        frame = frame.set_geometry(rfc7946_geometries(frame.geometry.values))
        payload = json.loads(frame.to_json(drop_id=True, na="null"))
        payload["properties"] = {
            "title": "EPAA coverage footprints",
            "caveat": "Public sources, nominal parameters; not an assessment of operational capability.",
        }
        write_output(json.dumps(payload, ensure_ascii=False), args.out)
    else:
        write_output(csv_text(pd.DataFrame(frame.drop(columns="geometry"))), args.out)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else DATA_DIR
    if not data_dir.is_dir():
        raise CliError(f"--data-dir {args.data_dir}: not a folder")
    problems = validate_data(data_dir)
    if problems:
        raise DataError(problems)
    catalogue = load_catalogue(data_dir)
    shown = "data/" if data_dir == DATA_DIR else f"{data_dir}/"
    print(
        f"{shown} is valid: {len(catalogue.sites)} sites, {len(catalogue.deployments)} deployments, "
        f"{len(catalogue.parameters)} parameter rows; {len(COUNTRY_FILES)} country files and "
        f"{len(ANALYSIS_SCHEMAS)} analysis tables checked"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    parser = OneLineErrorParser(prog="python -m coverage", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fp = sub.add_parser(
        "footprints", help="radar footprints and interceptor rings as GeoJSON (EPSG:4326)"
    )
    add_state_arguments(fp)
    fp.add_argument(
        "--layer",
        action="append",
        choices=["radar", "interceptor", "defended"],
        help="layer to include (repeatable); default radar and interceptor",
    )
    fp.add_argument("--format", choices=["geojson", "csv"], default="geojson")
    fp.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    fp.set_defaults(func=_cmd_footprints)
    add_defended_arguments(fp)
    analysis.register(sub)
    export.register(sub)
    sweep.register(sub)
    va = sub.add_parser("validate", help="validate every file in data/")
    va.add_argument(
        "--data-dir", default=None, help="folder to check instead of the bundled data/ (a copy)"
    )
    va.set_defaults(func=_cmd_validate)
    return parser


#: The default target grid, km; a finer one multiplies the engine's targets by its square.
_DEFAULT_GRID_KM = 25.0


def _say_if_fine_grid(args: argparse.Namespace) -> None:
    """A note on stderr before a run on a grid finer than the default: it may take minutes.

    A 5 km grid has 25 times the targets of the 25 km default (its flights, detections and
    intercept windows alike); it is within the work budget, and it printed nothing for minutes.
    """
    grid_km = getattr(args, "grid_km", None)
    if args.command == "sweep" or grid_km is None or grid_km >= _DEFAULT_GRID_KM:
        return  # a sweep checks its own grid and draws a progress bar
    times = (_DEFAULT_GRID_KM / grid_km) ** 2
    print(
        f"note: --grid-km {grid_km:g} has {times:.0f} times the targets of the default "
        f"{_DEFAULT_GRID_KM:g} km grid; this run may take minutes (a 25 km run of one year "
        "takes seconds)",
        file=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _say_if_fine_grid(args)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader (e.g. ``| head``) closed the pipe: stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed stream for exit
        return 0
    except DataError as exc:
        print(f"error: invalid data:\n{exc}", file=sys.stderr)
        return 2
    except (CliError, ValueError, KeyError) as exc:
        print(f"error: {flag_message(str(exc))}", file=sys.stderr)
        return 2
