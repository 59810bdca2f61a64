"""Command line: ``python -m coverage <command>`` for batch use and reproducible outputs.

Commands: ``footprints`` (GeoJSON of radar and interceptor footprints), ``validate`` (check the
data files), plus the analysis and export commands registered by their own modules. Bad options
print one clear line to stderr naming the option, the value and what is allowed, and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coverage.catalogue.tables import ESTIMATES, DataError, load_catalogue
from coverage.scenario import SCENARIOS, FootprintOptions, footprints

__all__ = ["main", "add_state_arguments", "options_from_args", "write_output"]

# Modules that add sub-commands with a ``register(subparsers)`` function; optional so that the
# core CLI keeps working while a module is being developed.
_EXTENSIONS = ("coverage.cli.analysis", "coverage.cli.export")


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


def _float_range(name: str, lo: float, hi: float, unit: str) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a number from {lo:g} to {hi:g} {unit}, got {text!r}"
            ) from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{name} must be from {lo:g} to {hi:g} {unit}, got {text!r}"
            )
        return value

    return parse


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--year must be a whole year from 2009 to 2040, got {text!r}"
        ) from None
    if not 2009 <= value <= 2040:
        raise argparse.ArgumentTypeError(f"--year must be from 2009 to 2040, got {text!r}")
    return value


def add_state_arguments(parser: argparse.ArgumentParser, *, year_required: bool = True) -> None:
    """Options shared by every command that draws one map state (same as the dashboard)."""
    parser.add_argument(
        "--year", type=_year, required=year_required, help="calendar year, 2009-2040"
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="actual",
        help="'planned' (2009 plan) or 'actual' (as built); default actual",
    )
    parser.add_argument(
        "--estimate",
        choices=ESTIMATES,
        default="nominal",
        help="capability case of every parameter; default nominal",
    )
    parser.add_argument(
        "--target-alt-km",
        type=_float_range("--target-alt-km", 0, 5000, "km"),
        default=300.0,
        help="target altitude for radar footprints, km (default 300)",
    )
    parser.add_argument(
        "--target-rcs-m2",
        type=_float_range("--target-rcs-m2", 1e-4, 100, "m²"),
        default=1.0,
        help="target radar cross-section, m² (default 1; ranges scale as σ^¼)",
    )
    parser.add_argument(
        "--min-elevation-deg",
        type=_float_range("--min-elevation-deg", -5, 30, "degrees"),
        default=None,
        help="radar elevation mask; default: line of sight to the horizon",
    )
    parser.add_argument(
        "--include-occasional",
        action="store_true",
        help="include occasional presence (Black Sea patrols) in the as-built scenario",
    )


def options_from_args(args: argparse.Namespace, year: int | None = None) -> FootprintOptions:
    """The :class:`FootprintOptions` for parsed state arguments."""
    return FootprintOptions(
        year=year if year is not None else args.year,
        scenario=args.scenario,
        estimate=args.estimate,
        target_alt_km=args.target_alt_km,
        target_rcs_m2=args.target_rcs_m2,
        min_elevation_deg=args.min_elevation_deg,
        include_occasional=args.include_occasional,
    )


def write_output(text: str | bytes, out: str | None) -> None:
    """Write to ``out`` (a path) or to stdout when ``out`` is None or '-'."""
    if out in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = Path(out)
    if not path.parent.exists():
        raise CliError(f"-o {out}: folder {path.parent} does not exist")
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def _cmd_footprints(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    options = options_from_args(args)
    layers = set(args.layer or ["radar", "interceptor"])
    frame = footprints(catalogue, options)
    frame = frame[frame.layer.isin(layers)]
    if "defended" in layers:
        try:
            analysis = importlib.import_module("coverage.cli.analysis")
        except ImportError as exc:  # pragma: no cover - during development only
            raise CliError("--layer defended is not available in this build") from exc
        import pandas as pd

        defended = analysis.defended_from_args(catalogue, options, args)
        frame = pd.concat([frame, defended], ignore_index=True)
    if args.format == "geojson":
        payload = json.loads(frame.to_json(drop_id=True, na="null"))
        payload["properties"] = {
            "title": "EPAA coverage footprints",
            "caveat": "Public sources, nominal parameters; not an assessment of operational capability.",
        }
        write_output(json.dumps(payload, ensure_ascii=False), args.out)
    else:
        write_output(frame.drop(columns="geometry").to_csv(index=False), args.out)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    print(
        f"data/ is valid: {len(catalogue.sites)} sites, {len(catalogue.deployments)} deployments, "
        f"{len(catalogue.parameters)} parameter rows"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    parser = argparse.ArgumentParser(prog="python -m coverage", description=__doc__.splitlines()[0])
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
    for name in _EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
        if hasattr(module, "add_defended_arguments"):
            module.add_defended_arguments(fp)
    va = sub.add_parser("validate", help="validate every file in data/")
    va.set_defaults(func=_cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DataError as exc:
        print(f"error: invalid data:\n{exc}", file=sys.stderr)
        return 2
    except (CliError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
