"""What is deployed when, and the footprints it casts: year + scenario + estimate → GeoDataFrames.

A scenario is either ``"planned"`` (the September 2009 plan, with the 2011 Rota decision) or
``"actual"`` (as built). An asset counts in a year when it was in place at any time in that year
(for ``actual``: built on or before 31 December and not withdrawn before 1 January).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from coverage.catalogue.schema import parse_date
from coverage.catalogue.tables import ESTIMATES, Catalogue, Estimate
from coverage.physics import radar as radar_mod
from coverage.physics.geodesy import ring, sector

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "SCENARIOS",
    "FootprintOptions",
    "Scenario",
    "deployed",
    "early_warning_footprints",
    "events_in",
    "footprints",
    "phase_status",
    "sites_layer",
]

Scenario = Literal["planned", "actual"]
SCENARIOS: tuple[Scenario, ...] = ("planned", "actual")
SCENARIO_LABELS = {"planned": "as planned (2009)", "actual": "as built"}
FIRST_YEAR, LAST_YEAR = 2011, 2024
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
    "custom",
    "label",
    "geometry",
]


@dataclass(frozen=True)
class FootprintOptions:
    """Everything that decides the footprints of one map state.

    Attributes
    ----------
    year
        Calendar year, 2009 to 2040.
    scenario
        ``"planned"`` (2009 plan) or ``"actual"`` (as built).
    estimate
        Capability case of every parameter: ``"low"``, ``"nominal"`` or ``"high"``.
    target_alt_km
        Target altitude for radar footprints, km (0 to 5,000).
    target_rcs_m2
        Target radar cross-section, m²; ranges scale as σ^¼ from the 1 m² reference.
    k_factor
        Effective-Earth factor for the radar horizon (4/3 = standard refraction).
    min_elevation_deg
        Radar elevation mask, degrees; ``None`` means line of sight to the geometric horizon.
    include_occasional
        Include occasional presence (Black Sea patrols) in ``actual``.
    """

    year: int
    scenario: Scenario = "actual"
    estimate: Estimate = "nominal"
    target_alt_km: float = 300.0
    target_rcs_m2: float = 1.0
    k_factor: float = radar_mod.STANDARD_K_FACTOR
    min_elevation_deg: float | None = None
    include_occasional: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.year, int) and 2009 <= self.year <= 2040):
            raise ValueError(f"year={self.year!r} is outside the allowed range 2009..2040")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario={self.scenario!r} is not one of {', '.join(SCENARIOS)}")
        if self.estimate not in ESTIMATES:
            raise ValueError(f"estimate={self.estimate!r} is not one of {', '.join(ESTIMATES)}")
        if not (math.isfinite(self.target_alt_km) and 0.0 <= self.target_alt_km <= 5000.0):
            raise ValueError(
                f"target_alt_km={self.target_alt_km!r} is outside the allowed range 0..5000"
            )
        self.radar_assumptions()  # validates RCS, k-factor and mask

    def radar_assumptions(self) -> radar_mod.RadarAssumptions:
        """The radar assumptions these options imply."""
        return radar_mod.RadarAssumptions(
            target_rcs_m2=self.target_rcs_m2,
            k_factor=self.k_factor,
            min_elevation_deg=self.min_elevation_deg,
        )


def _year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def deployed(
    catalogue: Catalogue, year: int, scenario: Scenario, *, include_occasional: bool = False
) -> pd.DataFrame:
    """Deployments in place in ``year`` under ``scenario``, joined with their site and system.

    Returns one row per deployment with the site's position and the system's kind and name.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario={scenario!r} is not one of {', '.join(SCENARIOS)}")
    d = catalogue.deployments
    if scenario == "planned":
        start = d.planned_from_year
        mask = start.notna() & (start.fillna(9999) <= year)
        mask &= d.planned_until_year.isna() | (d.planned_until_year.fillna(0) >= year)
    else:
        built = d.built_from.map(lambda s: parse_date(s) if isinstance(s, str) else None)
        until = d.built_until.map(lambda s: parse_date(s) if isinstance(s, str) else None)
        mask = built.map(lambda b: b is not None and b <= _year_end(year))
        mask &= until.map(lambda u: u is None or u.year >= year)
        if not include_occasional:
            mask &= d.presence != "occasional"
    rows = d[mask.astype(bool)]
    sites = catalogue.sites.drop(columns=["_line", "notes"]).rename(
        columns={"name": "site_name", "kind": "site_kind"}
    )
    systems = catalogue.systems[["system_id", "kind", "name"]].rename(
        columns={"name": "system_name"}
    )
    out = rows.merge(sites, on="site_id", how="left").merge(systems, on="system_id", how="left")
    return out.reset_index(drop=True)


def _country(row: pd.Series) -> str:
    iso = row.get("country_iso3")
    return iso if isinstance(iso, str) and iso else "international waters"


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
    deps = deployed(
        catalogue, options.year, options.scenario, include_occasional=options.include_occasional
    )
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


def radar_spec(catalogue: Catalogue, row: pd.Series, estimate: Estimate) -> radar_mod.RadarSpec:
    """The :class:`RadarSpec` of one deployed radar (a row of :func:`deployed`)."""
    sid = row["system_id"]
    fov = catalogue.parameter(sid, "azimuth_fov_deg", estimate)
    boresight = row.get("boresight_deg")
    return radar_mod.RadarSpec(
        lon_deg=float(row["lon_deg"]),
        lat_deg=float(row["lat_deg"]),
        height_m=float(row["elevation_m"]) + catalogue.parameter(sid, "antenna_height_m", estimate),
        range_m=catalogue.parameter(sid, "range_km", estimate) * 1000.0,
        reference_rcs_m2=catalogue.parameter(sid, "reference_rcs_m2", estimate),
        boresight_deg=None if boresight is None or pd.isna(boresight) else float(boresight),
        fov_deg=fov,
    )


def sites_layer(
    catalogue: Catalogue, year: int, scenario: Scenario, *, include_occasional: bool = False
) -> gpd.GeoDataFrame:
    """Site markers for the year: what is active, and (as built) what was planned but is late.

    Columns: ``site_id, site_name, country, kind, status, systems, role, source, confidence,
    custom, label, geometry``. ``status`` is ``active`` or ``planned, not built``.
    """
    active = deployed(catalogue, year, scenario, include_occasional=include_occasional)
    planned = deployed(catalogue, year, "planned")
    records = []
    for site in catalogue.sites.itertuples(index=False):
        here = active[active.site_id == site.site_id]
        if not here.empty:
            status = "active"
            systems = ", ".join(dict.fromkeys(here.system_name))
        elif (
            scenario == "actual"
            and (planned.site_id == site.site_id).any()
            and site.kind != "ship_station"
        ):
            status = "planned, not built"
            systems = ", ".join(dict.fromkeys(planned[planned.site_id == site.site_id].system_name))
        else:
            continue
        country = (
            site.country_iso3
            if isinstance(site.country_iso3, str) and site.country_iso3
            else "international waters"
        )
        records.append(
            {
                "site_id": site.site_id,
                "site_name": site.name,
                "country": country,
                "kind": site.kind,
                "status": status,
                "systems": systems,
                "role": site.role,
                "source": site.coord_source,
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
        "source",
        "confidence",
        "custom",
        "label",
        "geometry",
    ]
    return gpd.GeoDataFrame(records, columns=cols, geometry="geometry", crs="EPSG:4326")


def early_warning_footprints(
    catalogue: Catalogue,
    year: int,
    *,
    estimate: Estimate = "nominal",
    target_alt_km: float = 300.0,
    radar_height_m: float = 30.0,
) -> gpd.GeoDataFrame:
    """Sector footprints of the Russian early-warning radars active in ``year``.

    The published ranges are used as instrumented ranges (no RCS scaling), clipped by the
    horizon for ``target_alt_km`` with an assumed 30 m array height.
    """
    ew = catalogue.early_warning_radars
    active = ew[
        (ew.active_from_year <= year)
        & (ew.active_until_year.isna() | (ew.active_until_year.fillna(0) >= year))
    ]
    assumptions = radar_mod.RadarAssumptions()
    records = []
    for r in active.itertuples(index=False):
        width = (r.az_max_deg - r.az_min_deg) % 360.0 or 360.0
        spec = radar_mod.RadarSpec(
            lon_deg=r.lon_deg,
            lat_deg=r.lat_deg,
            height_m=radar_height_m,
            range_m=getattr(r, f"range_km_{estimate}") * 1000.0,
            boresight_deg=(r.az_min_deg + width / 2.0) % 360.0,
            fov_deg=width,
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
                    width_deg=width,
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


@dataclass(frozen=True)
class PhaseStatus:
    """Which EPAA phase a year falls in, and a banner text for it."""

    phase: int | None
    banner: str
    detail: str


def phase_status(catalogue: Catalogue, year: int, scenario: Scenario) -> PhaseStatus:
    """Phase banner for a year: "Phase 2 — 2015 plan" or "Phase 2 as built — ... 12 May 2016"."""
    ph = catalogue.phases.sort_values("phase")
    if scenario == "planned":
        reached = ph[ph.planned_year <= year]
        if reached.empty:
            return PhaseStatus(
                None, f"Before Phase 1 — {year} (2009 plan)", "Phase 1 was planned for 2011."
            )
        p = reached.iloc[-1]
        note = (
            f" (cancelled {_fmt_date(p.cancelled_date)}; shown as planned)"
            if isinstance(p.cancelled_date, str)
            else ""
        )
        return PhaseStatus(
            int(p.phase),
            f"Phase {int(p.phase)} — {int(p.planned_year)} plan{note}",
            f"{p.planned_content}; interceptor {p.planned_interceptor}; against {p.threat_class}.",
        )
    done = ph[ph.built_date.map(lambda s: isinstance(s, str) and parse_date(s) <= _year_end(year))]
    nxt = ph[~ph.phase.isin(done.phase)]
    late = [
        f"Phase {int(p.phase)} (planned {int(p.planned_year)})"
        for p in nxt.itertuples()
        if p.planned_year <= year
    ]
    late_txt = ("; not yet built: " + ", ".join(late)) if late else ""
    if done.empty:
        return PhaseStatus(
            None,
            f"As built, {year}: Phase 1 elements arriving",
            f"Phase 1 declared {_fmt_date(ph.iloc[0].built_date)}{late_txt}.",
        )
    p = done.iloc[-1]
    return PhaseStatus(
        int(p.phase),
        f"Phase {int(p.phase)} as built — {_fmt_date(p.built_date)}",
        f"{p.built_note}{late_txt}.",
    )


def _fmt_date(text: str | None) -> str:
    if not isinstance(text, str) or not text:
        return ""
    parts = text.split("-")
    d = parse_date(text)
    if len(parts) == 3:
        return f"{d.day} {d:%b %Y}"
    return f"{d:%b %Y}" if len(parts) == 2 else f"{d.year}"


def events_in(catalogue: Catalogue, year: int) -> pd.DataFrame:
    """Timeline events dated in ``year`` (date, title, phase, source), oldest first."""
    ev = catalogue.events
    mask = ev.date.map(lambda s: parse_date(s).year == year)
    return (
        ev[mask][["date", "title", "phase", "source", "confidence"]]
        .sort_values("date")
        .reset_index(drop=True)
    )
