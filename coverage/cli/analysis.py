"""Analysis commands of ``python -m coverage``: metrics, trajectory, flyout, launch-areas, icbm.

``register(subparsers)`` adds the commands. Unknown names and impossible
values raise ``ValueError`` (or argparse errors) whose message names the option, the value and
what is allowed; the CLI prints it as one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from coverage.catalogue.analysis import load_cities, load_icbm_bases, load_us_targets
from coverage.catalogue.tables import ESTIMATES, Catalogue, Estimate, load_catalogue
from coverage.cli.args import (
    CliError,
    add_defended_arguments,
    add_reach_cap_arguments,
    add_state_arguments,
    add_vs_arguments,
    number,
    options_from_args,
    query_from_args,
    region_arg,
    variation_from_args,
    write_output,
    year,
)
from coverage.physics.ballistics import SHAPES, BoostPhase, trajectory
from coverage.physics.flyout import flyout_summary
from coverage.physics.radar import RadarSpec
from coverage.products.icbm import CUEING_WORDS, CUEINGS
from coverage.products.metrics import (
    NATO_REGION,
    CoverageMetrics,
    coverage_metrics,
    coverage_time_series,
    region_ids,
    region_metrics,
)
from coverage.scenario import (
    FIRST_YEAR,
    FLYOUT_MODELS,
    LAST_YEAR,
    SCENARIO_LABELS,
    SCENARIOS,
    SPEED_BASES,
    FootprintOptions,
    flyout_spec_for,
    quoted_flyout_figures,
    resolve_launch_area,
    resolve_threat,
)
from coverage.textsafe import csv_text

# The products a single command needs are imported by that command (not here): a `metrics`
# run then loads none of the comparison, cooperation, ICBM, sector or sensitivity code.

__all__ = ["register", "resolve_place"]


#: ``icbm --propellant`` choices: coverage.products.icbm.PROPELLANT_CHOICES (not imported here:
#: each command imports its own products when it runs; a test checks they agree).
ICBM_PROPELLANTS = ("by_base", "solid", "liquid")


def _boost(text: str) -> BoostPhase:
    try:
        burn, alt_km, rng_km = (float(v) for v in text.split(","))
        return BoostPhase(
            burn_time_s=burn, burnout_alt_m=alt_km * 1000.0, burnout_range_m=rng_km * 1000.0
        )
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            "--boost must be BURN_S,ALT_KM,RANGE_KM (e.g. 100,80,50; burn 1-600 s, "
            f"altitude 0-500 km, "
            f"range 0-1000 km), got {text!r} ({exc})"
        ) from None


def _json(payload: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return json.dumps(clean(payload), ensure_ascii=False, indent=1)


def _csv(frame: pd.DataFrame) -> str:
    return csv_text(frame)


def _check_names(catalogue: Catalogue, args: argparse.Namespace) -> None:
    """Fail early, before a long series, on an unknown launch area or threat."""
    resolve_launch_area(catalogue, args.launch_area)
    resolve_threat(args.threat)


# --------------------------------------------------------------------------- places


def resolve_place(catalogue: Catalogue, text: str, option: str) -> tuple[str, float, float]:
    """``(name, lon_deg, lat_deg)`` for ``LON,LAT`` or a known name.

    Names are searched in launch points, sites, ICBM bases, US targets, then cities of
    data/cities.csv (a capital or the most populous city of that name wins); case is ignored.
    """
    raw = str(text).strip()
    parts = raw.split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if not (
                math.isfinite(lon)
                and math.isfinite(lat)
                and -180 <= lon <= 180
                and -90 <= lat <= 90
            ):
                raise ValueError(
                    f"{option} {raw!r}: LON,LAT must be within -180..180, -90..90 degrees"
                )
            return f"{lon:g},{lat:g}", lon, lat
    key = raw.casefold()
    tables = [
        (catalogue.launch_points, ("point_id", "name")),
        (catalogue.sites, ("site_id", "name")),
        (load_icbm_bases(), ("base_id", "name")),
        (load_us_targets(), ("target_id", "name")),
    ]
    for table, cols in tables:
        for col in cols:
            hit = table[table[col].astype(str).str.casefold() == key]
            if not hit.empty:
                row = hit.iloc[0]
                return str(row["name"]), float(row.lon_deg), float(row.lat_deg)
    cities = load_cities()
    hit = cities[cities.name.str.casefold() == key]
    if not hit.empty:
        row = hit.sort_values(["is_capital", "population"], ascending=False).iloc[0]
        return f"{row['name']} ({row.iso3})", float(row.lon_deg), float(row.lat_deg)
    raise ValueError(
        f"{option} {raw!r} is not a known place; give LON,LAT (e.g. 46.29,38.08) or a launch point "
        f"({', '.join(catalogue.launch_points.point_id)}), a site, an ICBM base, a US target "
        "or a city "
        "in data/cities.csv"
    )


# --------------------------------------------------------------------------- commands


def _cmd_metrics(args: argparse.Namespace) -> int:
    from coverage.products.delay import delay_curve_for
    from coverage.products.sensitivity import sensitivity_table

    catalogue = load_catalogue()
    _check_names(catalogue, args)
    query = query_from_args(args)
    region_ids()  # the regions table is valid before anything is computed
    if args.series and args.region != NATO_REGION:
        raise ValueError("--series covers NATO Europe; for a region give one --year at a time")
    if args.format == "text" and (
        args.series or args.region != NATO_REGION or args.delay_curve or args.sensitivity
    ):
        raise ValueError("--format text is for one year of NATO Europe; use json or csv")
    if args.series:
        years = _series_years(args)
        template = options_from_args(args, year=args.from_year)
        table = coverage_time_series(catalogue, query, years=years, options=template)
        if args.format == "json":
            write_output(_json({"series": table.to_dict(orient="records")}), args.out)
        else:
            write_output(_csv(table), args.out)
        return 0
    if args.year is None:
        raise ValueError("--year is required (2009-2040) unless --series is given")
    if args.region != NATO_REGION:
        if args.sensitivity or args.delay_curve:
            raise ValueError(
                "--sensitivity and --delay-curve are for NATO Europe only; leave out --region"
            )
        r = region_metrics(catalogue, options_from_args(args), query, args.region)
        if args.format == "json":
            write_output(_json(r.to_dict()), args.out)
        else:
            shares = (r.area_km2, r.area_share, r.area_out_of_reach_share)
            people = (r.population, r.population_share, r.population_out_of_reach_share)
            total = _total_row(args.region.upper(), r.region_name, shares, people)
            write_output(_csv(pd.concat([r.countries, total], ignore_index=True)), args.out)
        return 0
    if args.delay_curve:
        curve = delay_curve_for(catalogue, options_from_args(args), query)
        if curve.table is None:
            raise ValueError(f"--delay-curve: {curve.reason}")
        if args.format == "json":
            payload = {
                "delay_s": curve.delay_s,
                "lost_at_s": round(curve.lost_at_s, 1),
                "gained_at_s": round(curve.gained_at_s, 1)
                if np.isfinite(curve.gained_at_s)
                else None,
                "answer": curve.sentence(),
                "rows": curve.table.to_dict(orient="records"),
            }
            write_output(_json(payload), args.out)
        else:
            write_output(_csv(curve.table), args.out)
        return 0
    if args.sensitivity:
        table = sensitivity_table(catalogue, options_from_args(args), query)
        if args.format == "json":
            payload = {"nominal": table.attrs["nominal"], "rows": table.to_dict(orient="records")}
            write_output(_json(payload), args.out)
        else:
            write_output(_csv(table), args.out)
        return 0
    m = coverage_metrics(catalogue, options_from_args(args), query)
    if args.format == "json":
        write_output(_json(m.to_dict()), args.out)
    elif args.format == "text":
        write_output(_metrics_text(catalogue, m), args.out)
    else:
        shares = (
            m.nato_europe_area_km2,
            m.nato_europe_area_share,
            m.nato_europe_area_out_of_reach_share,
        )
        people = (
            m.nato_europe_population,
            m.nato_europe_population_share,
            m.nato_europe_population_out_of_reach_share,
        )
        total = _total_row("NATO_EUROPE", "European NATO members", shares, people)
        write_output(_csv(pd.concat([m.countries, total], ignore_index=True)), args.out)
    return 0


def _metrics_text(catalogue: Catalogue, m: CoverageMetrics) -> str:
    """One year's metrics for a reader: the answer, the capitals, each country, the assumptions."""
    from coverage.scenario import SCENARIO_LABELS, launch_area_label, threat_label

    caps = m.countries[m.countries.capital != ""]
    defended = sorted(caps.capital[caps.capital_status == "defended"])
    lines = [
        f"{m.year}, {SCENARIO_LABELS[m.scenario]}, {m.estimate} estimate: "
        f"{threat_label(m.threat, m.threat_range_km)} launched from "
        f"{launch_area_label(catalogue, m.launch_area)}",
        f"Defended: {m.nato_europe_area_share:.1%} of NATO-Europe territory "
        f"({m.nato_europe_area_km2:,.0f} km²) and {m.nato_europe_population_share:.1%} of its "
        "population",
        f"Out of the threat's reach ({m.threat_range_km:,.0f} km): "
        f"{m.nato_europe_area_out_of_reach_share:.1%} of the territory, "
        f"{m.nato_europe_population_out_of_reach_share:.1%} of the population",
        f"Capitals: {m.capitals_defended} of {m.capitals_total} defended"
        + (f" ({', '.join(defended)})" if defended else "")
        + f"; {m.capitals_not_defended} in the threat's reach, not defended; "
        f"{m.capitals_out_of_reach} out of its reach",
        "",
        "Share defended, by country (territory / population):",
    ]
    width = max(len(str(n)) for n in m.countries.name) if len(m.countries) else 0
    for row in m.countries.itertuples(index=False):
        lines.append(
            f"  {row.name:<{width}}  {row.area_defended_share:6.1%}  "
            f"{row.population_defended_share:6.1%}"
        )
    lines += [
        "",
        f"Assumptions: {m.assumptions}",
        "Population is a proxy: the defended share of each country's listed cities "
        "(GeoNames ≥ 50,000) applied to its population.",
    ]
    return "\n".join(lines) + "\n"


def _total_row(
    iso3: str,
    name: str,
    area: tuple[float, float, float],
    population: tuple[float, float, float],
) -> pd.DataFrame:
    """The region's total under its country rows: (km², defended, out of reach) per measure."""
    return pd.DataFrame(
        [
            {
                "iso3": iso3,
                "name": name,
                "area_km2": area[0],
                "area_defended_share": area[1],
                "area_out_of_reach_share": area[2],
                "population": population[0],
                "population_defended_share": population[1],
                "population_out_of_reach_share": population[2],
            }
        ]
    )


def _cmd_trajectory(args: argparse.Namespace) -> int:
    from coverage.products.threat_flight import trajectory_summary

    catalogue = load_catalogue()
    a_name, a_lon, a_lat = resolve_place(catalogue, args.from_, "--from")
    b_name, b_lon, b_lat = resolve_place(catalogue, args.to, "--to")
    if math.isclose(a_lon, b_lon, abs_tol=1e-5) and math.isclose(a_lat, b_lat, abs_tol=1e-5):
        raise CliError(
            f"--from {args.from_} and --to {args.to} are the same place; give a target away "
            "from the launch point"
        )
    ends = {
        "from": {"name": a_name, "lon_deg": a_lon, "lat_deg": a_lat},
        "to": {"name": b_name, "lon_deg": b_lon, "lat_deg": b_lat},
        "shape": args.shape,
    }
    if args.boost is not None:
        # The fixed boost phase of the engagement engine's detection timing (Kepler, no rotation).
        t = trajectory(
            a_lon,
            a_lat,
            b_lon,
            b_lat,
            shape=args.shape,
            angle_offset_deg=args.angle_offset_deg,
            boost=args.boost,
            time_step_s=args.time_step_s,
        )
        samples = pd.DataFrame(
            {
                "time_s": np.round(t.time_s, 2),
                "lon_deg": np.round(t.lon_deg, 5),
                "lat_deg": np.round(t.lat_deg, 5),
                "alt_km": np.round(t.alt_m / 1000.0, 3),
                "downrange_km": np.round(t.downrange_m / 1000.0, 3),
            }
        ).to_dict(orient="records")
        payload = {
            **ends,
            "assumptions": [
                t.profile.describe(),
                "spherical non-rotating Earth, no drag (the engine's detection-timing model)",
            ],
            "ground_range_km": round(t.ground_range_m / 1000.0, 3),
            "apogee_km": round(t.apogee_m / 1000.0, 3),
            "flight_time_s": round(t.flight_time_s, 2),
            "burnout_speed_kmps": round(t.burnout_speed_mps / 1000.0, 4),
            "inertial_burnout_speed_kmps": round(t.burnout_speed_mps / 1000.0, 4),
            "burnout_angle_deg": round(t.burnout_angle_deg, 3),
            "samples": samples,
        }
    else:
        payload = {
            **ends,
            **trajectory_summary(
                a_lon,
                a_lat,
                b_lon,
                b_lat,
                threat_class=args.threat_class,
                estimate=args.estimate,
                shape=args.shape,
                angle_offset_deg=args.angle_offset_deg,
                rotation=not args.no_rotation,
                boost=not args.no_boost,
                time_step_s=args.time_step_s,
            ),
        }
    if args.radar is not None:
        if args.boost is not None:
            raise CliError("--radar works with the boosted flight, not with --boost")
        from coverage.products.threat_flight import radar_view

        name, spec = _radar_by_name(catalogue, args.radar, args.estimate)
        payload["radar_view"] = radar_view(spec, name, payload, estimate=args.estimate)
    if args.format == "csv":
        write_output(_csv(pd.DataFrame(payload["samples"])), args.out)
    else:
        write_output(_json(payload), args.out)
    return 0


def _radar_by_name(catalogue: Catalogue, text: str, estimate: Estimate) -> tuple[str, RadarSpec]:
    """A BMD radar of the catalogue by its site id or deployment id (as built or planned)."""
    from coverage.scenario import deployed, radar_spec

    rows = pd.concat([deployed(catalogue, 2026, "actual"), deployed(catalogue, 2020, "planned")])
    rows = rows[rows.kind == "radar"].drop_duplicates("deployment_id")
    key = text.strip().lower()
    hit = rows[(rows.site_id.str.lower() == key) | (rows.deployment_id.str.lower() == key)]
    if hit.empty:
        allowed = ", ".join(sorted(rows.site_id.unique()))
        raise CliError(f"--radar {text!r} is not a radar site; allowed: {allowed}")
    row = hit.iloc[0]
    return f"{row.site_name} ({row.system_name})", radar_spec(catalogue, row, estimate)


def _cmd_flyout(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    spec = flyout_spec_for(
        catalogue, args.variant, args.estimate, speed_basis=args.speed_basis.replace("-", "_")
    )
    summary = flyout_summary(spec, quoted=quoted_flyout_figures(catalogue, args.variant))
    summary = {"variant": args.variant, "estimate": args.estimate, **summary}
    if args.no_table:
        if args.format == "csv":
            raise ValueError("--no-table leaves only the summary: use --format json")
        table = summary.pop("table")
        summary["table_points"] = len(table)
    if args.format == "csv":
        write_output(_csv(pd.DataFrame(summary["table"])), args.out)
    else:
        write_output(_json(summary), args.out)
    return 0


def _launch_area_table(catalogue: Catalogue) -> pd.DataFrame:
    lp = catalogue.launch_points
    rows = [
        {
            "name": r.point_id,
            "kind": "point",
            "points": r.point_id,
            "description": f"{r.name} ({r.area})",
        }
        for r in lp.itertuples(index=False)
    ]
    for area, group in lp.groupby("area", sort=False):
        rows.append(
            {
                "name": area,
                "kind": "area",
                "points": ",".join(group.point_id),
                "description": f"{area}: "
                + ", ".join(group.name)
                + (" (worst case over the points)" if len(group) > 1 else ""),
            }
        )
    rows.append(
        {
            "name": "all-iran",
            "kind": "all",
            "points": ",".join(lp.point_id),
            "description": "every launch point (worst case)",
        }
    )
    return pd.DataFrame(rows)


def _cmd_launch_areas(args: argparse.Namespace) -> int:
    table = _launch_area_table(load_catalogue())
    if args.format == "json":
        write_output(_json(table.to_dict(orient="records")), args.out)
    elif args.format == "csv":
        write_output(_csv(table), args.out)
    else:
        width = max(len(n) for n in table.name)
        write_output(
            "\n".join(f"{r.name:<{width}}  {r.description}" for r in table.itertuples()), args.out
        )
    return 0


def _cmd_icbm(args: argparse.Namespace) -> int:
    from coverage.products.icbm import (
        IcbmAssumptions,
        icbm_answers,
        icbm_engagements,
        icbm_summary,
        site_variants_with_own,
    )

    assumptions = IcbmAssumptions(
        estimate=args.estimate,
        delay_s=args.delay_s,
        cueing=args.cueing,
        cap_at_nominal_range=args.reach_cap,
        flyout_model=args.flyout_model,
        speed_basis=args.speed_basis,
        boost=not args.no_boost,
        rotation=not args.no_rotation,
        boost_case=args.boost_case,
        propellant=args.propellant,
        shape=args.shape,
    )
    if args.year is not None:
        return _icbm_year(args, assumptions)
    if args.scenario is not None:
        raise ValueError("--scenario is for --year (the interceptors deployed in that year)")
    shared_of = None
    if args.cueing == "shared_track":
        if args.radars_year is None:
            raise ValueError(
                "--cueing shared_track needs --radars-year YEAR (the year whose NATO BMD "
                "radars share their tracks)"
            )
        shared_of = FootprintOptions(
            year=args.radars_year, scenario=args.radars_scenario or "actual"
        )
    elif args.radars_year is not None:
        raise ValueError("--radars-year is for --cueing shared_track only")
    elif args.radars_scenario is not None:
        raise ValueError("--radars-scenario is for --cueing shared_track with --radars-year")
    # Under shared tracks, whose radars they are: said with the assumptions (text and JSON).
    shared_words = (
        ""
        if shared_of is None
        else f"Shared tracks: the NATO BMD radars deployed in {shared_of.year} "
        f"({SCENARIO_LABELS[shared_of.scenario]})."
    )
    if args.answers:
        table = icbm_answers(load_catalogue(), assumptions, shared_radars_of=shared_of)
        if args.format == "text":
            # The answers hold only under their assumptions (perfect cueing, the most favourable
            # case for the defence): they come first, as in the JSON, so no line is read alone.
            head = [
                f"Assumptions: {assumptions.describe()}",
                *([shared_words] if shared_words else []),
                "Low and high cases: the same question with the parameters at their low or high "
                "estimates (data/parameters.csv; the high case gives the interceptors the most "
                "reach).",
                "",
            ]
            write_output("\n".join([*head, *table.answer]), args.out)
            return 0
    else:
        catalogue = load_catalogue()
        # Every SM-3 variant at every site, and each site's own other interceptors (THAAD,
        # Arrow 3), which the answers name: the table holds all of them.
        table = icbm_engagements(
            catalogue,
            assumptions,
            site_variants=site_variants_with_own(catalogue),
            shared_radars_of=shared_of,
        )
        if args.summary:
            table = icbm_summary(table)
    if args.format == "text":
        raise ValueError("--format text is for --answers; use json or csv")
    if args.format == "json":
        write_output(
            _json(
                {
                    "assumptions": " ".join(filter(None, (assumptions.describe(), shared_words))),
                    "rows": table.to_dict(orient="records"),
                }
            ),
            args.out,
        )
    else:
        write_output(_csv(table), args.out)
    return 0


def _icbm_year(args: argparse.Namespace, assumptions: Any) -> int:
    """``icbm --year``: the year's answer, as the dashboard's Russian-ICBM tab gives it.

    The answer line gives the count under the other cueings too: "7 of 88 ... in the nominal
    case" alone read as the answer, where it rests on perfect cueing (session 41's trial).
    """
    from coverage.products.icbm import CUEING_SHORT
    from coverage.products.icbm_year import icbm_year_by_cueing, other_cueings_words

    if args.answers or args.summary:
        raise ValueError(
            "--year gives the year's answer; --answers and --summary are for every site ever "
            "planned (leave out --year)"
        )
    if args.radars_year is not None or args.radars_scenario is not None:
        raise ValueError(
            "--radars-year and --radars-scenario are not taken with --year: under --cueing "
            "shared_track the NATO BMD radars deployed in --year under --scenario share their "
            "tracks"
        )
    options = FootprintOptions(
        year=args.year, scenario=args.scenario or "actual", estimate=args.estimate
    )
    catalogue = load_catalogue()
    by_cueing = icbm_year_by_cueing(catalogue, options, assumptions)
    result = by_cueing[assumptions.cueing]
    label = SCENARIO_LABELS[options.scenario]
    total, reached = len(result.tracks), result.reachable_tracks
    shared = (
        f" Shared tracks: the NATO BMD radars deployed in {options.year} ({label})."
        if args.cueing == "shared_track"
        else ""
    )
    line = (
        f"{options.year}, {label}: {reached} of {total} Russian ICBM tracks toward the US are "
        "reachable by at least one interceptor site of the year "
        f"{CUEING_SHORT[assumptions.cueing]}, in the {options.estimate} case; "
        f"{other_cueings_words(by_cueing)}."
    )
    if args.format == "text":
        sites = [f"- {a}" for a in result.answers.answer] or [
            "- No interceptor is deployed in this year and scenario."
        ]
        head = f"Assumptions: {result.assumptions}{shared}"
        write_output("\n".join([head, "", line, *sites]), args.out)
    elif args.format == "json":
        tracks = pd.DataFrame(result.tracks.drop(columns="geometry"))
        write_output(
            _json(
                {
                    "year": options.year,
                    "scenario": options.scenario,
                    "estimate": options.estimate,
                    "assumptions": result.assumptions + shared,
                    "answer": line,
                    "reachable_tracks": reached,
                    "cueing": assumptions.cueing,
                    "reachable_tracks_by_cueing": {
                        c: r.reachable_tracks for c, r in by_cueing.items()
                    },
                    "tracks_total": total,
                    "sites": result.answers.to_dict(orient="records"),
                    "tracks": tracks.to_dict(orient="records"),
                }
            ),
            args.out,
        )
    else:
        write_output(_csv(result.answers), args.out)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from coverage.products.compare import compare_states

    catalogue = load_catalogue()
    _check_names(catalogue, args)
    variation = variation_from_args(catalogue, args)
    assert variation is not None  # required: an error names the options otherwise
    cmp = compare_states(catalogue, options_from_args(args), query_from_args(args), variation)
    if args.format == "json":
        write_output(_json(cmp.to_dict()), args.out)
    elif args.format == "text":
        write_output(cmp.text(max_named=100), args.out)
    else:
        row = {k: ("; ".join(v) if isinstance(v, list) else v) for k, v in cmp.to_dict().items()}
        write_output(_csv(pd.DataFrame([row])), args.out)
    return 0


def _cmd_cooperation(args: argparse.Namespace) -> int:
    from coverage.products.cooperation import cooperation_answers, cooperation_series

    catalogue = load_catalogue()
    _check_names(catalogue, args)
    regions = [r for r in args.region if r != NATO_REGION]
    if args.series:
        years = _series_years(args)
        if len(regions) > 1:
            raise ValueError("--series takes at most one --region")
        region = regions[0] if regions else NATO_REGION
        table = cooperation_series(
            catalogue,
            options_from_args(args, year=args.from_year),
            query_from_args(args),  # region_metrics widens the grid for a region beyond NATO
            years=years,
            region=region,
        )
        if args.format == "json":
            write_output(
                _json({"region": region, "series": table.to_dict(orient="records")}), args.out
            )
        else:
            # The region on every row: the shares of Russia and of NATO Europe have the same
            # column names, and a CSV travels without the command that made it.
            write_output(_csv(table.assign(region=region)[["region", *table.columns]]), args.out)
        return 0
    if args.year is None:
        raise ValueError("--year is required (2009-2040) unless --series is given")
    if args.format == "csv":
        raise ValueError("--format csv is for --series; one year prints json or text")
    ans = cooperation_answers(
        catalogue, options_from_args(args), query_from_args(args), regions=regions
    )
    if args.format == "json":
        write_output(_json(ans), args.out)
        return 0
    lines = [
        f"{args.year}, {ans['scenario']}, from {ans['launch_area']}: NATO alone defends "
        f"{ans['nato_alone_share']:.1%} of NATO-Europe territory "
        f"({ans['nato_alone_capitals_defended']} capitals)"
    ]
    labels = {"nato_alone": "NATO alone", **{k: v["label"] for k, v in ans["scenarios"].items()}}
    for v in ans["scenarios"].values():
        gained = ", ".join(v["capitals_gained"]) or "none"
        lines.append(
            f"  {v['label']}: {v['share']:.1%} (+{v['gain_share']:.1%}); capitals gained: "
            f"{gained}; {v['sensors']}"
        )
        lines.append(f"    Why: {v['why']}")
    for entry in ans.get("regions", {}).values():
        parts = [
            f"{labels.get(cid, cid)} {v['area_share']:.1%} (population {v['population_share']:.1%})"
            for cid, v in entry.items()
            if cid != "name"
        ]
        lines.append(f"  {entry['name']}: " + "; ".join(parts))
    lines.append(
        "Assumptions (NATO alone; each scenario above adds only the sensors its line names): "
        f"{ans['assumptions']}"
    )
    write_output("\n".join(lines) + "\n", args.out)
    return 0


#: The year ``sectoral`` answers by default: the General Staff showed its picture in May 2012.
SECTORAL_YEAR = 2012


def _cmd_sectoral(args: argparse.Namespace) -> int:
    from coverage.products.sectoral import sectoral_answer

    catalogue = load_catalogue()
    _check_names(catalogue, args)
    year_ = args.year if args.year is not None else SECTORAL_YEAR
    ans = sectoral_answer(catalogue, options_from_args(args, year=year_), query_from_args(args))
    d = ans.to_dict()
    if args.format == "json":
        write_output(_json(d), args.out)
        return 0
    pic = d["general_staff_picture"]
    icbm = d["icbm_tracks"]
    shares = ", ".join(f"{c['name']} {c['share']:.0%}" for c in d["country_shares"]) or "none"
    lines = [
        f"{year_}, {d['scenario']}, from {d['launch_area']}: Russia's sector as computed holds "
        f"{d['nato_europe_share_in_russian_sector']:.1%} of NATO-Europe territory ({shares})",
        f"  Definition: {d['definition']}",
        f"  The General Staff's picture (May 2012, Low confidence): {pic['share_nominal']:.1%} "
        f"({pic['share_low']:.1%}-{pic['share_high']:.1%}) of NATO-Europe territory: "
        + ", ".join(
            f"{c['name']} ({c['extent'].replace('_', ' ')}"
            + ("" if c["nato_member"] else f", not a member in {year_}")
            + ")"
            for c in pic["countries"]
        ),
        f"  ICBM tracks toward the US: {icbm['over_nato']} of {icbm['tracks']} cross NATO-Europe "
        f"territory; {icbm['over_computed']} cross the computed sector, {icbm['over_picture']} "
        "the General Staff's",
        "  Interceptor sites in the computed sector: "
        + (", ".join(icbm["sites_in_computed"]) or "none")
        + "; in the picture: "
        + (", ".join(icbm["sites_in_picture"]) or "none"),
        f"Assumptions: {d['assumptions']}",
    ]
    write_output("\n".join(lines) + "\n", args.out)
    return 0


def _cmd_claims(args: argparse.Namespace) -> int:
    from coverage.products import claims

    # Each claim sets its own year and scenario; the rest of the state is the caller's. A year,
    # scenario or date asked for would be silently replaced: refused instead.
    if args.year is not None or args.on_date is not None or args.scenario != "actual":
        raise CliError(
            "claims: each claim is judged on its own year and scenario (data/claims.csv); "
            "--year, --scenario and --on-date are not taken"
        )
    catalogue = load_catalogue()
    _check_names(catalogue, args)
    options, query = options_from_args(args, year=FIRST_YEAR), query_from_args(args)
    checks = claims.claim_checks(catalogue, options, query)
    needs = claims.claim_needs(catalogue, options, query, checks) if args.needs else None
    if args.format == "json":
        write_output(_json(claims.claims_json(checks, needs)), args.out)
        return 0
    by_id = {n.claim_id: n for n in needs or ()}
    lines = []
    for c in checks:
        lines += [
            f"Phase {c.phase}, {c.said} ({c.said_by}): \u201c{c.words}\u201d",
            f"  judged on {c.judged_on} against {c.threat}: {claims.percent_text(c.area_share)} of "
            f"{c.territory}{claims.reach_words(c)} defended (population "
            f"{claims.percent_text(c.population_share)}; capitals {c.capitals_defended} of "
            f"{c.capitals_total}); read as at least {100 * c.area_share_needed:.0f} % (an "
            "assumption): " + claims.verdict_text(c.holds).upper(),
        ]
        if c.claim_id in by_id:
            n = by_id[c.claim_id]
            lines.append(
                f"  warhead RCS {n.rcs_m2:g} m² in force; {claims.need_text(n)}; with engage on "
                f"remote {claims.percent_text(n.engage_on_remote_share)}"
            )
    lines.append(
        "How the words are read: data/claims.csv (assumptions). Assumptions of the first "
        f"claim's state (each claim's own in --format json): {checks[0].assumptions}"
    )
    write_output("\n".join(lines) + "\n", args.out)
    return 0


def _add_series_arguments(parser: argparse.ArgumentParser, help_series: str) -> None:
    """``--series`` with its ``--from-year`` and ``--to-year`` (``metrics``, ``cooperation``)."""
    parser.add_argument("--series", action="store_true", help=help_series)
    for flag, default, which in (
        ("--from-year", FIRST_YEAR, "first"),
        ("--to-year", LAST_YEAR, "last"),
    ):
        parser.add_argument(
            flag,
            type=int,
            choices=range(2009, 2041),
            default=default,
            metavar="YEAR",
            help=f"{which} year of --series (default {default})",
        )


def _series_years(args: argparse.Namespace) -> range:
    """The years of ``--series``; a first year after the last is an error naming both flags."""
    if args.from_year > args.to_year:
        raise ValueError(f"--from-year {args.from_year} is after --to-year {args.to_year}")
    return range(args.from_year, args.to_year + 1)


def register(subparsers: Any) -> None:
    """Add ``metrics``, ``trajectory``, ``launch-areas`` and ``icbm`` to argparse subparsers."""
    me = subparsers.add_parser(
        "metrics", help="share of NATO-Europe territory and population defended"
    )
    add_state_arguments(me, year_required=False)
    add_defended_arguments(me)
    _add_series_arguments(
        me,
        "every year from --from-year to --to-year, planned and as built (ignores --year/--scenario)",
    )
    me.add_argument(
        "--sensitivity",
        action="store_true",
        help="which single assumption moves the defended share most (each set low and high, "
        "the others nominal)",
    )
    me.add_argument(
        "--delay-curve",
        action="store_true",
        help="the defended share at every delay from 0 to 300 s (10 s steps), derived from the "
        "state's one engine run, and the delays where the first place is lost or gained",
    )
    me.add_argument(
        "--region",
        type=region_arg,
        default=NATO_REGION,
        metavar="REGION",
        help="whose territory the shares measure (data/regions.csv): nato_europe (default: the "
        "European members of the year), russia (European Russia with Kaliningrad), belarus, "
        "ukraine, moldova, south_caucasus; any region but NATO Europe uses the wide grid",
    )
    me.add_argument(
        "--format",
        choices=["json", "csv", "text"],
        default="json",
        help="json (default), csv (a row per country and the total) or text (one year, to read)",
    )
    me.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    me.set_defaults(func=_cmd_metrics)

    co = subparsers.add_parser(
        "compare",
        help="two states compared: territory and capitals gained and lost (A = the state "
        "options, B = A changed by the --vs-* options)",
    )
    add_state_arguments(co)
    add_defended_arguments(co)
    add_vs_arguments(co)
    co.add_argument("--format", choices=["json", "text", "csv"], default="json")
    co.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    co.set_defaults(func=_cmd_compare)

    cp = subparsers.add_parser(
        "cooperation",
        help="NATO alone against each NATO-Russia early-warning cooperation scenario: shares "
        "of NATO Europe defended, the gain and the capitals gained",
    )
    add_state_arguments(cp, year_required=False)
    add_defended_arguments(cp)
    _add_series_arguments(
        cp,
        "every year from --from-year to --to-year: NATO alone and each scenario (shares of "
        "NATO Europe, or of one --region)",
    )
    cp.add_argument(
        "--region",
        type=region_arg,
        action="append",
        default=[],
        metavar="REGION",
        help="also report the shares of this region of data/regions.csv (e.g. russia: "
        "European Russia), NATO alone and per scenario; repeatable",
    )
    cp.add_argument("--format", choices=["json", "text", "csv"], default="json")
    cp.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    cp.set_defaults(func=_cmd_cooperation)

    se = subparsers.add_parser(
        "sectoral",
        help="Russia's sectoral proposal: the share of NATO Europe whose defence would depend "
        "on Russia, computed from the threat's ground track and as the General Staff drew it",
    )
    add_state_arguments(se, year_required=False)
    add_defended_arguments(se)
    se.add_argument("--format", choices=["json", "text"], default="json")
    se.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    se.set_defaults(func=_cmd_sectoral)

    cl = subparsers.add_parser(
        "claims",
        help="the official coverage claims of data/claims.csv against the model: each claim's "
        "share of its territory defended in the year it is judged on (its own year and "
        "scenario: --year, --scenario and --on-date are refused), and (--needs) the warhead "
        "RCS where the verdict flips and the share with engage on remote",
    )
    add_state_arguments(cl, year_required=False)
    add_defended_arguments(cl)
    cl.add_argument(
        "--needs",
        action="store_true",
        help="also find what each claim needs (about 6-9 engine runs per claim)",
    )
    cl.add_argument("--format", choices=["json", "text"], default="json")
    cl.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    cl.set_defaults(func=_cmd_claims)

    tr = subparsers.add_parser(
        "trajectory", help="ballistic trajectory between two places (JSON or CSV samples)"
    )
    tr.add_argument(
        "--from",
        dest="from_",
        required=True,
        metavar="NAME|LON,LAT",
        help="launch place: launch point, site, ICBM base, US target, city, or LON,LAT",
    )
    tr.add_argument(
        "--to",
        required=True,
        metavar="NAME|LON,LAT",
        help="target place (same forms as --from; write --to=-77,38.9 for a negative longitude)",
    )
    tr.add_argument("--shape", choices=SHAPES, default="minimum_energy")
    tr.add_argument(
        "--angle-offset-deg",
        type=number("--angle-offset-deg", 0, 45, "degrees"),
        default=10.0,
        help="burnout-angle change for lofted/depressed, degrees (default 10)",
    )
    tr.add_argument(
        "--threat-class",
        choices=("SRBM", "MRBM", "IRBM", "ICBM"),
        default=None,
        help="boost parameters of this class (data/threat_boost.csv); default: the class of the "
        "ground range (the defended-area engine's design case flies the class of its own "
        "6,560 km range, ICBM: give --threat-class ICBM to see its flight)",
    )
    tr.add_argument("--estimate", choices=ESTIMATES, default="nominal", help="boost parameter case")
    tr.add_argument(
        "--no-rotation",
        action="store_true",
        help="non-rotating Earth (default: the Earth turns under the flight)",
    )
    tr.add_argument(
        "--no-boost",
        action="store_true",
        help="burnout at the surface at lift-off (default: a powered boost phase by class)",
    )
    tr.add_argument(
        "--boost",
        type=_boost,
        default=None,
        metavar="BURN_S,ALT_KM,RANGE_KM",
        help="instead: a fixed boost phase on the non-rotating Kepler model (the engagement "
        "engine's detection-timing assumption)",
    )
    tr.add_argument(
        "--time-step-s",
        type=number("--time-step-s", 0.1, 60, "s"),
        default=5.0,
        help="sample spacing, s (default 5)",
    )
    tr.add_argument(
        "--radar",
        default=None,
        metavar="NAME",
        help="the flight as one radar sees it (a radar's site id or deployment id, e.g. "
        "kurecik): slant range, elevation, and whether it sees the booster before burnout and "
        "the warhead after it at its cued range, per sample and first times",
    )
    tr.add_argument("--format", choices=["json", "csv"], default="json")
    tr.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    tr.set_defaults(func=_cmd_trajectory)

    fo = subparsers.add_parser(
        "flyout",
        help="interceptor fly-out from a point-mass integration: ceiling, reach, reachability table",
    )
    fo.add_argument(
        "--variant",
        required=True,
        help="interceptor system id from data/systems.csv (sm3_ia, sm3_ib, sm3_iia, sm3_iib)",
    )
    fo.add_argument("--estimate", choices=ESTIMATES, default="nominal")
    fo.add_argument(
        "--speed-basis",
        choices=("ideal", "achieved"),
        default="achieved",
        help="read the burnout speed as the speed reached at burnout after gravity and drag "
        "losses (achieved, default: the engine's default) or as the loss-free increment "
        "(ideal, conservative)",
    )
    fo.add_argument(
        "--format", choices=["json", "csv"], default="json", help="csv: the reachability table"
    )
    fo.add_argument(
        "--no-table",
        action="store_true",
        help="JSON without the reachability table (its ~20,000 points are ~2 MB): the ceiling, "
        "reach, burn and the quoted figures, and the table's point count",
    )
    fo.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    fo.set_defaults(func=_cmd_flyout)

    la = subparsers.add_parser("launch-areas", help="launch-area names accepted by --launch-area")
    la.add_argument("--format", choices=["text", "json", "csv"], default="text")
    la.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    la.set_defaults(func=_cmd_launch_areas)

    ic = subparsers.add_parser(
        "icbm", help="the Russian-ICBM question: feasible SM-3 intercepts per site and variant"
    )
    ic.add_argument(
        "--estimate",
        choices=ESTIMATES,
        default="nominal",
        help="capability case of the interceptors",
    )
    ic.add_argument(
        "--delay-s",
        type=number("--delay-s", 0, 1200, "s"),
        default=60.0,
        help="interceptor launch delay after the ICBM's launch (perfect cueing) or detection, s",
    )
    ic.add_argument(
        "--cueing",
        choices=list(CUEINGS),
        default="perfect",
        help="; ".join(f"{c}: {w} ({d})" for c, (_, w, d) in CUEING_WORDS.items())
        + ". Default perfect. Under shared_track, the year's radars are those of --radars-year "
        "(or of --year); the Third Site's silos have no radar of their own",
    )
    ic.add_argument(
        "--radars-year",
        type=year,
        default=None,
        metavar="YEAR",
        help="with --cueing shared_track: the year whose deployed NATO BMD radars share their "
        "tracks, 2009-2040",
    )
    ic.add_argument(
        "--radars-scenario",
        choices=SCENARIOS,
        default=None,
        help="with --cueing shared_track: whose radars of --radars-year (default actual, as "
        "built; third_site: the 2007 plan's X-band radar at Brdy and its forward radar)",
    )
    add_reach_cap_arguments(ic)
    ic.add_argument(
        "--flyout-model",
        choices=FLYOUT_MODELS,
        default="point_mass",
        help="point_mass (default: gravity, drag, staged boost) or reach_formula (gravity-free)",
    )
    ic.add_argument(
        "--speed-basis",
        choices=SPEED_BASES,
        default="achieved",
        help="point_mass: burnout speed as reached after losses (default) or loss-free (ideal)",
    )
    ic.add_argument(
        "--year",
        type=year,
        default=None,
        help="the year's answer, as the dashboard's Russian-ICBM tab: the interceptors "
        "deployed in YEAR (2009-2040) under --scenario, low/nominal/high per site, and the "
        "tracks at least one of them reaches (csv: one row per site)",
    )
    ic.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default=None,
        help="with --year: actual (default, as built), planned or an alternative architecture "
        "(third_site: the 2007 plan's GBIs in Poland)",
    )
    ic.add_argument("--summary", action="store_true", help="one row per site and variant")
    ic.add_argument(
        "--answers",
        action="store_true",
        help="one answer line per site: low/nominal/high and the assumption it hinges on",
    )
    ic.add_argument(
        "--shape", choices=SHAPES, default="minimum_energy", help="ICBM trajectory shape"
    )
    ic.add_argument(
        "--no-boost", action="store_true", help="no boost phase: burnout at the surface (old model)"
    )
    ic.add_argument("--no-rotation", action="store_true", help="non-rotating Earth")
    ic.add_argument(
        "--boost-case",
        choices=ESTIMATES,
        default="nominal",
        help="ICBM boost parameters other than the burn time (vertical rise, burned fraction, "
        "pitch programme, thrust termination); default nominal",
    )
    ic.add_argument(
        "--propellant",
        choices=ICBM_PROPELLANTS,
        default="by_base",
        help="whose burn time the ICBMs fly: by_base (default: each base's propellant in "
        "data/icbm_bases.csv, solid 180 s, liquid 240 s), or solid or liquid for every ICBM "
        "(liquid: the model until December 2026)",
    )
    ic.add_argument("--format", choices=["json", "csv", "text"], default="json")
    ic.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    ic.set_defaults(func=_cmd_icbm)
