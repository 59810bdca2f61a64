"""Argument parsing shared by every command: one number parser, one error type, state options.

Errors raised below the CLI name fields (``launch_area='x' is not known``); :func:`flag_message`
turns those field names into the command-line flags the user typed (``--launch-area 'x' ...``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from coverage.catalogue.tables import DATA_DIR, ESTIMATES
from coverage.physics.ballistics import SHAPES
from coverage.scenario import (
    ALTERNATIVES,
    CAPABILITY_SETTINGS,
    FLYOUT_MODELS,
    MAP_FREE_QUERY_FIELDS,
    SCENARIO_LABELS,
    SCENARIOS,
    SPEED_BASES,
    DefenceQuery,
    FootprintOptions,
)

if TYPE_CHECKING:
    from coverage.catalogue.tables import Catalogue
    from coverage.products.compare import Variation

__all__ = [
    "PROTECTED_DIRS",
    "CliError",
    "OneLineErrorParser",
    "checked_output_path",
    "add_defended_arguments",
    "add_vs_arguments",
    "variation_from_args",
    "VS_OPTIONS",
    "add_physics_arguments",
    "physics_from_args",
    "add_reach_cap_arguments",
    "add_state_arguments",
    "flag_message",
    "number",
    "on_date",
    "options_from_args",
    "query_from_args",
    "write_output",
    "year",
]


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage block only with ``--help``)."""

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse's hook
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def number(
    option: str, lo: float, hi: float, unit: str, *, whole: bool = False
) -> Callable[[str], float]:
    """An argparse ``type`` accepting a finite number from ``lo`` to ``hi`` (an int if ``whole``).

    The error names the option, the allowed range with its unit and the text given.
    """

    def parse(text: str) -> float:
        what = "a whole number" if whole else "a number"
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} must be {what} from {lo:g} to {hi:g} {unit}, got {text!r}"
            ) from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(
                f"{option} must be from {lo:g} to {hi:g} {unit}, got {text!r}"
            )
        return value

    return parse


def year(text: str) -> int:
    """An argparse ``type`` for a calendar year from 2009 to 2040."""
    # argparse names the option before the message ("argument --vs-year: must be ..."): the
    # message does not, since this type serves --year, --vs-year and others.
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole year from 2009 to 2040, got {text!r}"
        ) from None
    if not 2009 <= value <= 2040:
        raise argparse.ArgumentTypeError(f"must be from 2009 to 2040, got {text!r}")
    return value


def on_date(text: str) -> dt.date:
    """An argparse ``type`` for a day, ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--on-date must be a date YYYY-MM-DD, got {text!r}"
        ) from None


def region_arg(text: str) -> str:
    """An argparse ``type`` for a region id of data/regions.csv."""
    from coverage.catalogue.analysis import load_regions

    ids = tuple(load_regions().region_id)
    value = text.strip()
    if value not in ids:
        raise argparse.ArgumentTypeError(
            f"--region must be one of {', '.join(ids)} (data/regions.csv), got {text!r}"
        )
    return value


#: Field names used in the messages of scenario/physics/products -> the flag a user typed.
FIELD_FLAGS = {
    "cooperation": "--cooperation",
    "launch_area": "--launch-area",
    "threat": "--threat",
    "threat_range_case": "--threat-range-case",
    "delay_s": "--delay-s",
    "sls_interval_s": "--sls-interval-s",
    "grid_km": "--grid-km",
    "shape": "--shape",
    "angle_offset_deg": "--angle-offset-deg",
    "year": "--year",
    "scenario": "--scenario",
    "estimate": "--estimate",
    "on_date": "--on-date",
    "target_alt_km": "--target-alt-km",
    "target_rcs_m2": "--target-rcs-m2",
    "min_elevation_deg": "--min-elevation-deg",
    "variant": "--variant",
    "flyout_model": "--flyout-model",
    "speed_basis": "--speed-basis",
    "engage_on_remote": "--engage-on-remote",
    "satellite_cueing": "--satellite-cueing",
    "rv_rcs_m2": "--rv-rcs-m2",
    "booster_rcs_m2": "--booster-rcs-m2",
    "exclude_sites": "--exclude-sites",
    "boost_case": "--boost-case",
    "draws": "--draws",
    "seed": "--seed",
    "sampler": "--sampler",
}
_FIELD_RE = re.compile(r"\b(" + "|".join(FIELD_FLAGS) + r")=")


def flag_message(text: str) -> str:
    """Replace ``field=`` in an error message by the flag that sets the field (``--field ``)."""
    return _FIELD_RE.sub(lambda m: FIELD_FLAGS[m.group(1)] + " ", text)


def add_state_arguments(parser: argparse.ArgumentParser, *, year_required: bool = True) -> None:
    """Options shared by every command that draws one map state (same as the dashboard)."""
    parser.add_argument(
        "--year", type=year, required=year_required, help="calendar year, 2009-2040"
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="actual",
        help="'planned' (2009 plan), 'actual' (as built; default) or an alternative "
        "architecture: " + ", ".join(f"'{s}' ({SCENARIO_LABELS[s]})" for s in ALTERNATIVES),
    )
    parser.add_argument(
        "--on-date",
        type=on_date,
        default=None,
        help="one day of the as-built record (YYYY-MM-DD, in --year; outages count, e.g. "
        "Deveselu offline Apr-Aug 2019 with THAAD standing in); default: the whole year",
    )
    parser.add_argument(
        "--estimate",
        choices=ESTIMATES,
        default="nominal",
        help="capability case of every parameter; default nominal",
    )
    parser.add_argument(
        "--target-alt-km",
        type=number("--target-alt-km", 0, 5000, "km"),
        default=300.0,
        help="target altitude for radar footprints, km (default 300)",
    )
    parser.add_argument(
        "--target-rcs-m2",
        type=number("--target-rcs-m2", 1e-4, 100, "m²"),
        default=1.0,
        help="target radar cross-section, m² (default 1; ranges scale as σ^¼)",
    )
    parser.add_argument(
        "--min-elevation-deg",
        type=number("--min-elevation-deg", -5, 30, "degrees"),
        default=None,
        help="radar elevation mask for every radar, degrees (-5 to 30); default: each radar "
        "type's own from data/parameters.csv and data/detection.csv (2° nominal, 5° low, "
        "1° high; an assumption), 0 = line of sight to the horizon",
    )
    parser.add_argument(
        "--include-occasional",
        action="store_true",
        help="include occasional presence (Black Sea patrols) in the as-built scenario",
    )
    parser.add_argument(
        "--exclude-sites",
        type=site_ids,
        default=frozenset(),
        metavar="ID[,ID]",
        help="leave these sites out of the year (ids of data/sites.csv, comma-separated): a "
        "station a ship does not hold, e.g. rota (a destroyer in port) or med_central",
    )


def site_ids(text: str) -> frozenset[str]:
    """``--exclude-sites``: comma-separated site ids (checked against the catalogue later)."""
    ids = frozenset(p.strip() for p in text.split(",") if p.strip())
    if not ids:
        raise argparse.ArgumentTypeError("give at least one site id, e.g. rota")
    return ids


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
        exclude_sites=getattr(args, "exclude_sites", frozenset()),
        on_date=getattr(args, "on_date", None) if year is None else None,
    )


def add_defended_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the defended-area layer (``footprints --layer defended``) and of ``metrics``."""
    g = parser.add_argument_group("defended area (engagement model)")
    g.add_argument(
        "--launch-area",
        default="NW Iran",
        help="launch point id, area name or 'all-iran' (see 'launch-areas'); default 'NW Iran'",
    )
    g.add_argument(
        "--threat",
        default="design_case",
        help="threat id or class from data/threats.csv (SRBM, MRBM, IRBM, design_case, ...); "
        "default design_case (reaches all NATO Europe)",
    )
    g.add_argument(
        "--threat-range-case",
        choices=ESTIMATES,
        default="nominal",
        help="range estimate of a fixed-range threat; default nominal",
    )
    g.add_argument(
        "--delay-s",
        type=number("--delay-s", 0, 1200, "s"),
        default=60.0,
        help="track + C2 delay after first detection, s (default 60)",
    )
    g.add_argument(
        "--own-radar-only",
        action="store_true",
        help="a site launches only on its own radar's track (default: launch on remote)",
    )
    g.add_argument(
        "--shoot-look-shoot",
        action="store_true",
        help="require two intercept opportunities --sls-interval-s apart",
    )
    g.add_argument(
        "--sls-interval-s",
        type=number("--sls-interval-s", 1, 600, "s"),
        default=75.0,
        help="time between the two intercepts for shoot-look-shoot, s (default 75)",
    )
    g.add_argument(
        "--shape", choices=SHAPES, default="minimum_energy", help="threat trajectory shape"
    )
    g.add_argument(
        "--angle-offset-deg",
        type=number("--angle-offset-deg", 0, 45, "degrees"),
        default=10.0,
        help="burnout-angle change for lofted/depressed shapes, degrees (default 10)",
    )
    g.add_argument(
        "--grid-km",
        type=number("--grid-km", 5, 500, "km"),
        default=25.0,
        help="target grid spacing, km (default 25)",
    )
    add_physics_arguments(g)


def add_physics_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The engine's physics choices (fly-out, detection, dated capabilities), shared by commands."""
    g = parser
    add_reach_cap_arguments(g)
    g.add_argument(
        "--rv-rcs-m2",
        type=number("--rv-rcs-m2", 1e-4, 100, "m²"),
        default=None,
        help="radar cross-section the engine detects after burnout (the re-entry vehicle), m²; "
        "default: data/detection.csv for --estimate (0.05 nominal)",
    )
    g.add_argument(
        "--booster-rcs-m2",
        type=number("--booster-rcs-m2", 1e-4, 100, "m²"),
        default=None,
        help="radar cross-section the engine detects before burnout (the boosting missile), m²; "
        "default: data/detection.csv for --estimate (1 nominal, an assumption); the warhead's "
        "value gives one RCS for the whole flight",
    )
    g.add_argument(
        "--boost-track-needs-warhead",
        action="store_true",
        help="a NATO radar's track begun on the boosting missile counts only where the same "
        "radar sees the warhead at burnout (default: it is held on the warhead after burnout, "
        "an assumption about discrimination)",
    )
    g.add_argument(
        "--satellite-cueing",
        choices=CAPABILITY_SETTINGS,
        default="by_date",
        help="space-based launch warning cues the radars (cued range, not before the cue): by "
        "date (default), on or off",
    )
    g.add_argument(
        "--engage-on-remote",
        choices=CAPABILITY_SETTINGS,
        default="by_date",
        help="whether another sensor's track may guide the interceptor to the intercept: by its "
        "date in data/capabilities.csv (default; Phase 3), on, or off",
    )
    g.add_argument(
        "--cooperation",
        default="nato_alone",
        metavar="ID",
        help="Russian early-warning radars as sensors: nato_alone (default), "
        "shared_early_warning or putin_2007_radars (data/cooperation.csv)",
    )
    g.add_argument(
        "--warning-commits",
        action="store_true",
        help="let an early-warning track alone commit interceptors (default: it cues NATO's "
        "radars and starts the clock; a NATO radar must hold the track)",
    )
    g.add_argument(
        "--flyout-model",
        choices=FLYOUT_MODELS,
        default="point_mass",
        help="interceptor fly-out: point_mass (default: gravity, drag, staged boost integrated; "
        "see 'flyout') or reach_formula (the fact sheet's gravity-free D(t), an upper bound)",
    )
    g.add_argument(
        "--no-boost",
        action="store_true",
        help="the threat burns out at the surface at lift-off (default: the powered boost of "
        "its class, data/threat_boost.csv, with the thrust-termination rule for short shots)",
    )
    g.add_argument(
        "--no-rotation",
        action="store_true",
        help="the threat flies on a non-rotating Earth (default: the Earth turns under it)",
    )
    g.add_argument(
        "--refraction",
        action="store_true",
        help="read each radar's elevation mask as the beam's apparent elevation and credit the "
        "atmosphere's refraction below the target (ITU-R P.619's formula, data/detection.csv "
        "refraction_scale; default: the mask is a geometric elevation, k = 1)",
    )
    g.add_argument(
        "--boost-case",
        choices=("low", "nominal", "high"),
        default="nominal",
        help="column of data/threat_boost.csv for the threat's boost (default nominal)",
    )
    g.add_argument(
        "--speed-basis",
        choices=SPEED_BASES,
        default="achieved",
        help="point_mass only: read the quoted burnout speed as reached after gravity and drag "
        "losses (achieved, default) or as the loss-free increment (ideal, conservative)",
    )


def physics_from_args(args: argparse.Namespace) -> dict[str, object]:
    """The :class:`~coverage.scenario.DefenceQuery` physics fields of parsed arguments."""
    return {
        "cap_at_nominal_range": args.reach_cap,
        "flyout_model": args.flyout_model,
        "speed_basis": args.speed_basis,
        "engage_on_remote": args.engage_on_remote,
        "satellite_cueing": args.satellite_cueing,
        "rv_rcs_m2": args.rv_rcs_m2,
        "booster_rcs_m2": args.booster_rcs_m2,
        "boost_track_needs_warhead": args.boost_track_needs_warhead,
        "cooperation": args.cooperation,
        "warning_commits": args.warning_commits,
        "boost": not args.no_boost,
        "rotation": not args.no_rotation,
        "boost_case": args.boost_case,
        "refraction": args.refraction,
    }


def add_reach_cap_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--reach-cap`` / ``--no-reach-cap``: the nominal-range cap, an assertion, off by default."""
    parser.add_argument(
        "--reach-cap",
        dest="reach_cap",
        action="store_true",
        default=False,
        help="cap the interceptor fly-out at its quoted nominal range (an asserted limit, not "
        "physics; off by default)",
    )
    parser.add_argument(
        "--no-reach-cap",
        dest="reach_cap",
        action="store_false",
        help="no cap: the fly-out model alone decides the reach (the default)",
    )


#: State B's options (flag, argparse keywords): one list for the parser and for its errors.
_VS_ARGUMENTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--vs-year", {"type": year, "help": "B's year"}),
    ("--vs-scenario", {"choices": SCENARIOS, "help": "B's scenario"}),
    ("--vs-estimate", {"choices": ESTIMATES, "help": "B's estimate"}),
    ("--vs-launch-area", {"help": "B's launch area (see 'launch-areas')"}),
    ("--vs-threat", {"help": "B's threat id or class"}),
    (
        "--vs-engage-on-remote",
        {"choices": CAPABILITY_SETTINGS, "help": "B's engage-on-remote setting"},
    ),
)

#: The options of :func:`add_vs_arguments`, as an error lists them.
VS_OPTIONS = ", ".join(flag for flag, _ in _VS_ARGUMENTS)


def add_vs_arguments(parser: argparse.ArgumentParser, *, what: str = "") -> None:
    """The ``--vs-*`` options: state B of a comparison, A changed by each one given."""
    b = parser.add_argument_group(f"state B (each option left out is A's){what}")
    for flag, keywords in _VS_ARGUMENTS:
        b.add_argument(flag, default=None, **keywords)


def variation_from_args(
    catalogue: Catalogue, args: argparse.Namespace, *, required: bool = True
) -> Variation | None:
    """State B from the ``--vs-*`` options (None: none given and not ``required``).

    Errors name those options (``--vs-launch-area mars: ...``).
    """
    from coverage.products.compare import Variation
    from coverage.scenario import FIRST_YEAR, LAST_YEAR, resolve_launch_area, resolve_threat

    if args.vs_year is not None and not FIRST_YEAR <= args.vs_year <= LAST_YEAR:
        raise CliError(f"--vs-year {args.vs_year}: allowed {FIRST_YEAR}..{LAST_YEAR}")
    query: dict[str, object] = {}
    if args.vs_launch_area is not None:
        try:
            resolve_launch_area(catalogue, args.vs_launch_area)
        except ValueError as exc:
            raise CliError("--vs-" + str(exc).replace("launch_area=", "launch-area ")) from None
        query["launch_area"] = args.vs_launch_area
    if args.vs_threat is not None:
        try:
            resolve_threat(args.vs_threat)
        except ValueError as exc:
            raise CliError("--vs-" + str(exc).replace("threat=", "threat ")) from None
        query["threat"] = args.vs_threat
    if args.vs_engage_on_remote is not None:
        query["engage_on_remote"] = args.vs_engage_on_remote
    variation = Variation.with_query(
        year=args.vs_year,
        scenario=args.vs_scenario,
        estimate=args.vs_estimate,
        **query,
    )
    if variation != Variation():
        return variation
    if required:
        raise CliError(f"compare needs a second state: give at least one of {VS_OPTIONS}")
    return None


def query_from_args(args: argparse.Namespace) -> DefenceQuery:
    """Return the :class:`~coverage.scenario.DefenceQuery` of parsed defended-area options.

    A command without the grid's and the timeline's finer options (``export``: a map has its
    own grid) leaves them at the query's defaults.
    """
    finer = {name: getattr(args, name) for name in MAP_FREE_QUERY_FIELDS if hasattr(args, name)}
    return DefenceQuery(
        launch_area=args.launch_area,
        threat=args.threat,
        delay_s=args.delay_s,
        launch_on_remote=not args.own_radar_only,
        shoot_look_shoot=args.shoot_look_shoot,
        shape=args.shape,
        **finer,
        **physics_from_args(args),  # type: ignore[arg-type]
    )


#: Folders of the repository no command may write into (bundled data, published basemap).
PROTECTED_DIRS = (DATA_DIR, DATA_DIR.parent / "static")


def checked_output_path(out: str, *, option: str = "--out") -> Path:
    """The path to write ``out`` to, refused (``CliError``) inside data/ or static/ or if unusable."""
    path = Path(out)
    resolved = path.resolve()
    for folder in PROTECTED_DIRS:
        if resolved.is_relative_to(folder.resolve()):
            raise CliError(
                f"{option} {out}: refusing to write inside {folder.name}/ (the bundled "
                f"{'data' if folder == DATA_DIR else 'static files'}); choose another folder"
            )
    if resolved.is_dir():
        raise CliError(f"{option} {out}: is a folder; give a file name")
    if not resolved.parent.is_dir():
        raise CliError(f"{option} {out}: folder {path.parent} does not exist")
    if resolved.exists() and not resolved.is_file():
        raise CliError(f"{option} {out}: not a regular file (a device or a pipe); give a file name")
    return path


#: The mode a new file is created with before the umask (what ``open`` and a shell use).
_NEW_FILE_MODE = 0o666


def _umask() -> int:
    """The process's umask (read by setting it and setting it back: the CLI is one thread)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_output(text: str | bytes, out: str | None, *, option: str = "--out") -> None:
    """Write to ``out`` (a path) or to stdout when ``out`` is None or '-'.

    A file is written atomically: to a temporary file in the same folder, then renamed, so a
    failed write leaves no half file. Paths inside data/ or static/ are refused; every
    ``OSError`` becomes a one-line ``CliError``.
    """
    if out in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = checked_output_path(out, option=option)
    # A text file ends with a newline, as on stdout (compare's text file had none: GIS trial).
    if isinstance(text, str) and text and not text.endswith("\n"):
        text += "\n"
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private (0600); a written file gets the mode any new file
        # gets here (0644 under the usual umask), as a shell redirect's would.
        os.chmod(tmp, _NEW_FILE_MODE & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise CliError(f"{option} {out}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
