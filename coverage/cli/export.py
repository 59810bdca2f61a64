"""The ``export`` command: slide images, GIS files and rollout animations from the command line.

``python -m coverage export --year 2016 --scenario actual --out phase2.png`` picks the format
from the extension of ``--out`` (png, svg, pdf, geojson, gpkg, kml, kmz, gif, mp4, csv).
``--years 2011-2020`` exports a series: one file per year for images and tables (the year is
inserted before the extension: ``phase2_2011.png``), one file for KML/KMZ (time slider) and
for GIF/MP4 (one frame per year).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coverage.catalogue.tables import Catalogue, load_catalogue
from coverage.cli.args import (
    CliError,
    add_physics_arguments,
    add_state_arguments,
    add_vs_arguments,
    checked_output_path,
    number,
    options_from_args,
    query_from_args,
    variation_from_args,
    write_output,
)
from coverage.physics.ballistics import SHAPES
from coverage.scenario import FIRST_YEAR, LAST_YEAR, resolve_launch_area
from coverage.style import LAYER_STYLES

if TYPE_CHECKING:
    from coverage.products.mapdata import MapState

# The map, headline and GIS code is imported by the commands that draw (not here), so that
# another command (``metrics``) does not load it.

__all__ = ["FORMATS", "parse_layers", "parse_years", "register"]

IMAGE_FORMATS = ("png", "svg", "pdf")
TABLE_FORMATS = ("geojson", "gpkg", "csv")
SERIES_FORMATS = ("kml", "kmz", "gif", "mp4")
FORMATS = (*IMAGE_FORMATS, *TABLE_FORMATS, *SERIES_FORMATS)


def parse_layers(text: str) -> frozenset[str]:
    """Parse ``"radar,interceptor,sites"`` to layer keys; ``ArgumentTypeError`` names bad ones."""
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise argparse.ArgumentTypeError(f"needs at least one of {', '.join(LAYER_STYLES)}")
    unknown = [k for k in keys if k not in LAYER_STYLES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown layer {', '.join(repr(k) for k in unknown)}; "
            f"allowed: {', '.join(LAYER_STYLES)}"
        )
    return frozenset(keys)


def parse_years(text: str) -> tuple[int, ...]:
    """``"2011-2020"``, ``"2016"`` or ``"2011,2016,2024"`` to sorted years within 2009..2040."""
    years: set[int] = set()
    try:
        for part in (p.strip() for p in text.split(",")):
            if "-" in part:
                a, b = (int(v) for v in part.split("-", 1))
                if a > b:
                    raise argparse.ArgumentTypeError(
                        f"{text!r}: range start {a} is after its end {b}"
                    )
                years.update(range(a, b + 1))
            else:
                years.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a range like 2011-2020 or a list like 2011,2016, got {text!r}"
        ) from None
    bad = sorted(y for y in years if not 2009 <= y <= 2040)
    if bad:
        # A run of years as a range ("2041-2045"), else each ("2043, 2050"; one alone: "2041").
        run = len(bad) > 1 and bad[-1] - bad[0] == len(bad) - 1
        outside = f"{bad[0]}-{bad[-1]}" if run else ", ".join(map(str, bad))
        raise argparse.ArgumentTypeError(
            f"{text!r}: years must be from 2009 to 2040; {outside} "
            f"{'is' if len(bad) == 1 else 'are'} not"
        )
    return tuple(sorted(years))


def register(subparsers: Any) -> None:
    """Add the ``export`` command to the ``python -m coverage`` parser."""
    p = subparsers.add_parser(
        "export",
        help="slide images (png, svg, pdf), GIS files (geojson, gpkg, kml, kmz, csv), gif, mp4",
        description=__doc__.splitlines()[0],
    )
    p.add_argument(
        "-o",
        "--out",
        required=True,
        help=f"output file; the extension picks the format: {', '.join(FORMATS)}",
    )
    add_state_arguments(p, year_required=False)
    p.add_argument(
        "--years",
        type=parse_years,
        default=None,
        help=f"series of years, e.g. {FIRST_YEAR}-2020 (default for kml/kmz/gif/mp4 "
        "without --year: "
        f"{FIRST_YEAR}-{LAST_YEAR})",
    )
    p.add_argument(
        "--layers",
        type=parse_layers,
        default=None,
        help=f"comma-separated layers to draw, from: {', '.join(LAYER_STYLES)} "
        "(default: the dashboard's, with the defended area)",
    )
    p.add_argument(
        "--view",
        choices=("europe", "wide"),
        default="europe",
        help="map extent: europe (EPSG:3035) or wide (north-polar, EPSG:3575)",
    )
    p.add_argument(
        "--launch-area",
        default="tabriz",
        help="launch point or area for the defended layer and tracks",
    )
    p.add_argument(
        "--threat", default="design_case", help="threat id or class for the defended layer"
    )
    p.add_argument(
        "--delay-s",
        type=number("--delay-s", 0, 1200, "s"),
        default=60.0,
        help="detection-to-launch delay for the defended layer, s (0-1200 as in metrics, "
        "default 60)",
    )
    p.add_argument(
        "--own-radar-only",
        action="store_true",
        help="defended layer: interceptors fire only on their own site's radar track",
    )
    p.add_argument(
        "--shoot-look-shoot",
        action="store_true",
        help="defended layer: require two time-separated intercept opportunities",
    )
    p.add_argument(
        "--shape",
        choices=SHAPES,
        default="minimum_energy",
        help="threat trajectory for the defended layer and tracks (default minimum_energy)",
    )
    add_physics_arguments(p.add_argument_group("defended layer physics"))
    p.add_argument(
        "--projector", action="store_true", help="bigger type and thicker lines for a projector"
    )
    p.add_argument(
        "--no-cities",
        action="store_true",
        help="leave the major cities (1 M+ inhabitants) off; by default they are drawn and "
        "listed with the capitals, by status, wherever the defended area is",
    )
    p.add_argument(
        "--width-px",
        type=number("--width-px", 200, 20_000, "px", whole=True),
        default=None,
        help="image width, px (default 1920; 1280 for gif/mp4)",
    )
    p.add_argument(
        "--height-px",
        type=number("--height-px", 200, 20_000, "px", whole=True),
        default=None,
        help="image height, px (default 1080; 720 for gif/mp4)",
    )
    p.add_argument(
        "--dpi",
        type=number("--dpi", 20, 1200, "dpi"),
        default=None,
        help="resolution (default 100); sets the page size of svg/pdf",
    )
    p.add_argument(
        "--print-a4", action="store_true", help="A4 landscape at 300 dpi (3508x2480 px) for print"
    )
    p.add_argument(
        "--compare",
        choices=("alternate", "side-by-side"),
        default=None,
        help="gif/mp4: show planned and as built for each year, alternating or side by side",
    )
    add_vs_arguments(
        p,
        what="; a comparison, for one map (--year) as an image, GeoJSON, GeoPackage or CSV, "
        "as the dashboard's exports beside a comparison",
    )
    p.add_argument(
        "--frame-s",
        type=number("--frame-s", 0.05, 60, "s"),
        default=1.5,
        help="gif/mp4: seconds per frame (default 1.5)",
    )
    p.set_defaults(func=_cmd_export)


def _format(out: str) -> str:
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise CliError(
            f"--out {out}: {shown} is not a known format; "
            f"use one of: {', '.join('.' + f for f in FORMATS)}"
        )
    return suffix


def _year_path(out: str, year: int) -> str:
    path = Path(out)
    return str(path.with_name(f"{path.stem}_{year}{path.suffix}"))


def _size(args: argparse.Namespace, fmt: str) -> tuple[int, int, float]:
    from coverage.render.export import PRINT_A4_300DPI

    if args.print_a4:
        given = [
            n
            for n, v in (
                ("--width-px", args.width_px),
                ("--height-px", args.height_px),
                ("--dpi", args.dpi),
            )
            if v is not None
        ]
        if given:
            raise CliError(
                f"--print-a4 sets the size (3508x2480 px at 300 dpi); drop {', '.join(given)}"
            )
        return PRINT_A4_300DPI.width_px, PRINT_A4_300DPI.height_px, PRINT_A4_300DPI.dpi
    animated = fmt in ("gif", "mp4")
    width = args.width_px or (1280 if animated else 1920)
    height = args.height_px or (720 if animated else 1080)
    return width, height, args.dpi or 100.0


def _cmd_export(args: argparse.Namespace) -> int:
    from coverage.products.mapdata import ANSWER_LAYERS, MapState

    fmt = _format(args.out)
    checked_output_path(args.out)  # refuse data/, static/, folders and devices before computing
    if args.year is not None and args.years is not None:
        raise CliError("give either --year (one map) or --years (a series), not both")
    if args.compare is not None and fmt not in ("gif", "mp4"):
        raise CliError(f"--compare {args.compare}: only for .gif or .mp4 output, not .{fmt}")
    if args.years is not None:
        years: tuple[int, ...] = args.years
    elif args.year is not None:
        if fmt in ("gif", "mp4"):
            raise CliError(
                f"--year {args.year}: a .{fmt} animation needs --years "
                f"(e.g. {FIRST_YEAR}-{LAST_YEAR}); "
                "leave both out for the default"
            )
        years = (args.year,)
    elif fmt in SERIES_FORMATS:
        years = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
    else:
        raise CliError(
            f"--year is required for .{fmt} output (or --years A-B for one file per year)"
        )

    if args.on_date is not None and args.year is None:
        raise CliError(
            f"--on-date {args.on_date.isoformat()} needs --year {args.on_date.year} "
            "(one map on that day); a series (--years) draws whole years"
        )

    layers = args.layers if args.layers is not None else ANSWER_LAYERS
    width, height, dpi = _size(args, fmt)
    catalogue = load_catalogue()
    resolve_launch_area(catalogue, args.launch_area)
    variation = variation_from_args(catalogue, args, required=False)
    if variation is not None and fmt in SERIES_FORMATS:
        raise CliError(
            f"the --vs-* options compare one map as a .png, .svg, .pdf, .geojson, .gpkg or "
            f".csv, not a .{fmt} (a KML/KMZ or an animation draws a year's layers, not a "
            "comparison)"
        )
    if variation is not None and args.year is None:
        raise CliError("the --vs-* options compare one map: give --year, not --years")
    # Every choice the command takes reaches the map (MapState.from_query carries the whole
    # query; the boost, rotation, cooperation and --on-date choices were once dropped here).
    options = options_from_args(args) if args.year is not None else None
    state = MapState.from_query(
        options or options_from_args(args, year=years[0]),
        query_from_args(args),
        layers=layers,
        view=args.view,
        compare=variation,
    )
    written: list[str] = []
    if fmt in SERIES_FORMATS:
        written.append(_write_series(catalogue, state, years, fmt, args, (width, height, dpi)))
    else:
        for year in years:
            path = (
                args.out
                if len(years) == 1 and args.year is not None
                else _year_path(args.out, year)
            )
            year_state = replace(state, options=replace(state.options, year=year))
            write_output(_single(catalogue, year_state, fmt, args, (width, height, dpi)), path)
            written.append(path)
    for path in written:
        print(f"wrote {path}")
    return 0


def _single(
    catalogue: Catalogue,
    state: MapState,
    fmt: str,
    args: argparse.Namespace,
    size: tuple[int, int, float],
) -> bytes:
    from coverage.products.claims import claim_notes
    from coverage.products.headline import headline, major_cities
    from coverage.products.mapdata import compute_map
    from coverage.render import gis

    data = compute_map(catalogue, state)
    # The answer under the title and the capitals by status, as on the dashboard's slides and
    # files, when the defended area is drawn.
    answer = headline(catalogue, state) if "defended" in state.layers else None
    capitals = None if answer is None else answer.capitals
    cities = None if answer is None or args.no_cities else major_cities(catalogue, state)
    if fmt in IMAGE_FORMATS:
        from coverage.render import export  # matplotlib: loaded only for an image

        width, height, dpi = size
        return export.render(
            data,
            fmt=fmt,  # type: ignore[arg-type]  # one of IMAGE_FORMATS here
            width_px=width,
            height_px=height,
            dpi=dpi,
            projector=args.projector,
            headline=None if answer is None else answer.slide_text(),
            capitals=capitals,
            cities=cities,
            claims=claim_notes(catalogue, state, short=True),
        )
    if cities is not None:
        # Each city's reason, as each capital's (the GIS files only: the images draw none).
        from coverage.products.headline import cities_with_reasons

        cities = cities_with_reasons(cities, catalogue, state)
    if fmt == "geojson":
        return gis.to_geojson(data, capitals, cities, answer=answer)
    if fmt == "gpkg":
        return gis.to_geopackage(data, capitals, cities, answer=answer)
    return gis.features_csv(data, capitals=capitals, cities=cities, answer=answer)


def _write_series(
    catalogue: Catalogue,
    state: MapState,
    years: tuple[int, ...],
    fmt: str,
    args: argparse.Namespace,
    size: tuple[int, int, float],
) -> str:
    from coverage.products.headline import capitals_by_year, cities_by_year
    from coverage.products.mapdata import map_series, rollout_series
    from coverage.render import (
        animation,  # imageio: loaded only for an animation
        gis,
    )

    if fmt in ("kml", "kmz"):
        series = map_series(catalogue, state, years)
        # Each year's capitals by status, as the single-state files have them, when the
        # defended area is drawn.
        caps = capitals_by_year(catalogue, series) if "defended" in state.layers else None
        cities = None if caps is None or args.no_cities else cities_by_year(catalogue, series)
        if fmt == "kml":  # a bare file carries no icon: Google Earth's own pushpin
            kml = gis.kml_from_series(
                catalogue, series, icon_href=None, capitals=caps, cities=cities
            )
            write_output(kml, args.out)
        else:
            kml = gis.kml_from_series(catalogue, series, capitals=caps, cities=cities)
            write_output(gis.kmz_from_kml(kml), args.out)
        return str(args.out)
    if fmt == "mp4" and not animation.mp4_available():
        raise CliError(
            f"--out {args.out}: MP4 needs the ffmpeg binary of the imageio-ffmpeg package, "
            "which is not "
            "installed; use .gif"
        )
    width, height, _ = size
    compare = None if args.compare is None else args.compare.replace("-", "_")
    # Checked before any map is computed: frames × size, both scenarios when comparing.
    animation.check_animation_size(len(years) * (1 if compare is None else 2), width, height)
    frames = animation.rollout_frames(
        rollout_series(catalogue, state, years, both_scenarios=compare is not None),
        compare=compare,
        width_px=width,
        height_px=height,
        projector=args.projector,
        # Each year's answer line and capitals, as a slide image has them (with the defended
        # area drawn; frames without it get none).
        answer=animation.rollout_answer(catalogue, cities=not args.no_cities),
    )
    encode = animation.to_gif if fmt == "gif" else animation.to_mp4
    write_output(encode(frames, frame_s=args.frame_s), args.out)
    return str(args.out)
