"""Radar footprints, nominal interceptor rings, site markers and early-warning sectors of a year.

Each is an EPSG:4326 GeoDataFrame with labels and sources, computed from what
:func:`coverage.scenario.deployed` says is in place and the geodesic shapes of
:mod:`coverage.physics.geodesy` and :mod:`coverage.physics.radar`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from coverage.catalogue.analysis import detection_value
from coverage.catalogue.memo import shared_result
from coverage.catalogue.tables import Catalogue, Estimate
from coverage.physics import radar as radar_mod
from coverage.physics.geodesy import ring, sector
from coverage.scenario import (
    FootprintOptions,
    Scenario,
    deployed,
    deployed_for,
    early_warning_active,
    early_warning_spec,
    radar_spec,
)

__all__ = [
    "FOOTPRINT_COLUMNS",
    "early_warning_footprints",
    "early_warning_points",
    "footprints",
    "sites_layer",
]

FOOTPRINT_COLUMNS = [
    "feature_id",
    "site_id",
    "site_name",
    "country",
    "site_lon_deg",
    "site_lat_deg",
    "layer",
    "system",
    "system_name",
    "range_km",
    "limit",
    "target_alt_km",
    "year",
    "scenario",
    "estimate",
    "phase",
    "deployment_id",
    "source",
    "confidence",
    "range_confidence",
    "custom",
    "label",
    "geometry",
]


def _country(row: pd.Series) -> str:
    iso = row.get("country_iso3")
    return iso if isinstance(iso, str) and iso else "international waters"


@shared_result()
def footprints(catalogue: Catalogue, options: FootprintOptions) -> gpd.GeoDataFrame:
    """Radar footprints and nominal interceptor rings of every asset deployed under ``options``.

    Radar features (``layer="radar"``) are the ground area where a target at
    ``options.target_alt_km`` is detectable (sensitivity, horizon and azimuth limits; the
    binding one is in ``limit``). Interceptor features (``layer="interceptor"``) are nominal
    engagement-range rings (``limit="nominal ring"``), not defended areas.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, columns ``FOOTPRINT_COLUMNS``; radar rows first, ordered by site.
    """
    deps = deployed_for(catalogue, options)
    assumptions = options.radar_assumptions()
    records: list[dict[str, object]] = []
    for row in deps.itertuples(index=False):
        row_s = pd.Series(row._asdict())
        common = {
            "site_id": row.site_id,
            "site_name": row.site_name,
            "country": _country(row_s),
            "site_lon_deg": float(row.lon_deg),
            "site_lat_deg": float(row.lat_deg),
            "system": row.system_id,
            "system_name": row.system_name,
            "year": options.year,
            "scenario": options.scenario,
            "estimate": options.estimate,
            "phase": "" if pd.isna(row.phase) else str(int(row.phase)),
            "deployment_id": row.deployment_id,
            "confidence": row.confidence,
            "custom": row.site_id in catalogue.custom_site_ids,
        }
        if row.kind == "radar":
            spec = radar_spec(catalogue, row_s, options.estimate)
            radius_m, limit = radar_mod.footprint_radius_m(
                spec, options.target_alt_km * 1000.0, assumptions
            )
            if spec.fov_deg >= 360.0 or spec.boresight_deg is None:
                geom = ring(spec.lon_deg, spec.lat_deg, radius_m)
            else:
                geom = sector(
                    spec.lon_deg,
                    spec.lat_deg,
                    radius_m,
                    boresight_deg=spec.boresight_deg,
                    width_deg=spec.fov_deg,
                )
            p = catalogue.parameter_row(row.system_id, "range_km")
            records.append(
                {
                    **common,
                    "layer": "radar",
                    "range_km": round(radius_m / 1000.0, 1),
                    "limit": limit,
                    "target_alt_km": options.target_alt_km,
                    "source": f"{row.source} | range: {p.source}",
                    # ``confidence`` is the deployment's (where and when); the range's own is
                    # the parameter's (data/parameters.csv): Low for most published ranges.
                    "range_confidence": p.confidence,
                    "label": (
                        f"{row.system_name} at {row.site_name}: target at {options.target_alt_km:g} km altitude "
                        f"detectable to {radius_m / 1000:,.0f} km ground range ({limit}-limited)"
                    ),
                    "geometry": geom,
                }
            )
        elif row.kind == "interceptor":
            range_km = catalogue.parameter(row.system_id, "nominal_range_km", options.estimate)
            p = catalogue.parameter_row(row.system_id, "nominal_range_km")
            records.append(
                {
                    **common,
                    "layer": "interceptor",
                    "range_km": round(range_km, 1),
                    "limit": "nominal ring",
                    "target_alt_km": float("nan"),
                    "source": f"{row.source} | range: {p.source}",
                    "range_confidence": p.confidence,
                    "label": f"{row.system_name} at {row.site_name}: nominal engagement-range ring {range_km:,.0f} km (not a defended area)",
                    "geometry": ring(float(row.lon_deg), float(row.lat_deg), range_km * 1000.0),
                }
            )
    for rec in records:
        if rec["custom"]:
            rec["label"] = "WHAT-IF user site — " + str(rec["label"])
    frame = gpd.GeoDataFrame(
        records, columns=FOOTPRINT_COLUMNS, geometry="geometry", crs="EPSG:4326"
    )
    frame["feature_id"] = [f"{r.layer}:{r.deployment_id}" for r in frame.itertuples()]
    order = frame.layer.map({"radar": 0, "interceptor": 1})
    return (
        frame.assign(_o=order)
        .sort_values(["_o", "site_id", "system"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


@shared_result()
def sites_layer(
    catalogue: Catalogue,
    year: int,
    scenario: Scenario,
    *,
    include_occasional: bool = False,
    exclude_sites: frozenset[str] = frozenset(),
    on_date: dt.date | None = None,
) -> gpd.GeoDataFrame:
    """Site markers for the year: what is active, and (as built) what was planned but is late.

    Columns: ``site_id, site_name, country, kind, status, systems, role, source, confidence,
    custom, label, geometry``. ``status`` is ``active`` or ``planned, not built``. Sites in
    ``exclude_sites`` are left out; with ``on_date`` (as built) a site is active when it was in
    service that day (:func:`~coverage.scenario.deployed`).
    """
    active = deployed(
        catalogue,
        year,
        scenario,
        include_occasional=include_occasional,
        exclude_sites=exclude_sites,
        on_date=on_date,
    )
    planned = deployed(catalogue, year, "planned")
    records = []
    for site in catalogue.sites.itertuples(index=False):
        if site.site_id in exclude_sites:
            continue
        here = active[active.site_id == site.site_id]
        if not here.empty:
            status = "active"
            systems = ", ".join(dict.fromkeys(here.system_name))
            rows = here
        elif (
            scenario == "actual"
            and (planned.site_id == site.site_id).any()
            and site.kind != "ship_station"
        ):
            status = "planned, not built"
            rows = planned[planned.site_id == site.site_id]
            systems = ", ".join(dict.fromkeys(rows.system_name))
        else:
            continue
        dates = _deployment_dates(rows, built=scenario == "actual" and status == "active")
        # The deployments' own sources (what is there, and since when), then the position's.
        sources = [*dict.fromkeys(str(x) for x in rows.source if isinstance(x, str) and x)]
        sources.append(f"position: {site.coord_source}")
        country = (
            site.country_iso3
            if isinstance(site.country_iso3, str) and site.country_iso3
            else "international waters"
        )
        records.append(
            {
                "site_id": site.site_id,
                # The scenario's own name for the site where it has one (data/alternatives.csv:
                # the Third Site's silo field at Redzikowo is not Aegis Ashore).
                "site_name": str(rows.site_name.iloc[0]),
                "country": country,
                "kind": site.kind,
                "status": status,
                "systems": systems,
                "role": site.role,
                "dates": dates,
                "source": "; ".join(sources),
                "confidence": site.coord_confidence,
                "custom": site.site_id in catalogue.custom_site_ids,
                "label": f"{site.name} ({status}{', WHAT-IF user site' if site.site_id in catalogue.custom_site_ids else ''}): {systems}",
                "geometry": Point(float(site.lon_deg), float(site.lat_deg)),
            }
        )
    cols = [
        "site_id",
        "site_name",
        "country",
        "kind",
        "status",
        "systems",
        "role",
        "dates",
        "source",
        "confidence",
        "custom",
        "label",
        "geometry",
    ]
    return gpd.GeoDataFrame(records, columns=cols, geometry="geometry", crs="EPSG:4326")


def _day(text: object) -> str:
    """A date of data/deployments.csv in words, to its precision.

    ``2016-05-12`` → ``12 May 2016``, ``2019-04`` → ``Apr 2019``, ``2019`` → ``2019``.
    """
    parts = str(text).strip().split("-")
    if len(parts) == 1:
        return parts[0]
    month = dt.date(int(parts[0]), int(parts[1]), 1)
    return f"{month:%b %Y}" if len(parts) == 2 else f"{int(parts[2])} {month:%b %Y}"


def _deployment_dates(rows: pd.DataFrame, *, built: bool) -> str:
    """When each system at a site came (and went), in words.

    As built, its days in service (data/deployments.csv ``built_from``/``built_until``); else
    the plan's years.
    """
    by_when: dict[str, list[str]] = {}  # systems that came together are named together
    for row in rows.itertuples(index=False):
        if built and isinstance(row.built_from, str) and row.built_from:
            when = f"from {_day(row.built_from)}"
            if isinstance(row.built_until, str) and row.built_until:
                when += f" to {_day(row.built_until)}"
        elif pd.notna(row.planned_from_year):
            when = f"planned from {int(row.planned_from_year)}"
            if pd.notna(row.planned_until_year):
                when += f" to {int(row.planned_until_year)}"
            if isinstance(row.built_from, str) and row.built_from:
                when += f" (built {_day(row.built_from)})"
        else:  # a what-if site's deployment: no plan, no record
            continue
        names = by_when.setdefault(when, [])
        if row.system_name not in names:
            names.append(str(row.system_name))
    return "; ".join(f"{' and '.join(names)} {when}" for when, names in by_when.items())


@shared_result()
def early_warning_footprints(
    catalogue: Catalogue,
    year: int,
    *,
    estimate: Estimate = "nominal",
    target_alt_km: float = 300.0,
    radar_height_m: float = 30.0,
    k_factor: float = 1.0,
    min_elevation_deg: float | None = None,
) -> gpd.GeoDataFrame:
    """Sector footprints of the Russian early-warning radars active in ``year``.

    The published ranges are used as instrumented ranges (no RCS scaling), clipped by the
    horizon for ``target_alt_km`` with an assumed 30 m array height, on an Earth of
    ``k_factor`` times its radius (1: straight rays, as the engine detects with these radars),
    above ``min_elevation_deg`` where given (the override every radar takes, as in the engine)
    or these radars' own mask (data/detection.csv). The map passes its
    :class:`~coverage.scenario.FootprintOptions`' values.
    """
    ew = catalogue.early_warning_radars
    active = early_warning_active(ew, year)
    assumptions = radar_mod.RadarAssumptions(k_factor=k_factor, min_elevation_deg=min_elevation_deg)
    records = []
    for r in active.itertuples(index=False):
        spec = early_warning_spec(
            r,
            estimate,
            height_m=radar_height_m,
            min_elevation_deg=detection_value("ew_min_elevation_deg", estimate),
        )
        radius_m, limit = radar_mod.footprint_radius_m(spec, target_alt_km * 1000.0, assumptions)
        records.append(
            {
                "site_id": r.radar_id,
                "site_name": r.name,
                "country": r.country_iso3,
                "site_lon_deg": r.lon_deg,
                "site_lat_deg": r.lat_deg,
                "layer": "early_warning",
                "system": r.radar_type,
                "range_km": round(radius_m / 1000.0, 1),
                "limit": limit,
                "target_alt_km": target_alt_km,
                "year": year,
                "source": r.source,
                "confidence": r.confidence,
                "label": (
                    f"{r.name} ({r.radar_type}), sector {r.az_min_deg:g}-{r.az_max_deg:g}°: target at "
                    f"{target_alt_km:g} km visible to {radius_m / 1000:,.0f} km ({limit}-limited)"
                ),
                "geometry": sector(
                    r.lon_deg,
                    r.lat_deg,
                    radius_m,
                    boresight_deg=spec.boresight_deg or 0.0,
                    width_deg=spec.fov_deg,
                ),
            }
        )
    cols = [
        "site_id",
        "site_name",
        "country",
        "site_lon_deg",
        "site_lat_deg",
        "layer",
        "system",
        "range_km",
        "limit",
        "target_alt_km",
        "year",
        "source",
        "confidence",
        "label",
        "geometry",
    ]
    return gpd.GeoDataFrame(records, columns=cols, geometry="geometry", crs="EPSG:4326")


def early_warning_points(sectors: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The radars of :func:`early_warning_footprints` as points (their sectors' apexes)."""
    return gpd.GeoDataFrame(
        sectors.drop(columns="geometry"),
        geometry=gpd.points_from_xy(sectors.site_lon_deg, sectors.site_lat_deg),
        crs=sectors.crs,
    )
