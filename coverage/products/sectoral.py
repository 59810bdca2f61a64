"""Russia's "sectoral" missile-defence proposal, drawn two ways, and what it would have meant.

At Lisbon (Nov 2010) Russia proposed a sectoral defence: Russia would intercept missiles crossing
its sector toward NATO, NATO those crossing its own (fact sheet §8.1). Two drawings, each
labelled, on one map (one over the other, told apart by hatch and outline):

* **Computed** (this module's physics): a NATO-Europe target falls in Russia's sector when the
  threat's flight from the launch area passes over Russian or Belarusian territory (its
  Earth-fixed ground track, Kaliningrad included) before its last intercept opportunity. The
  last opportunity is taken from the flight itself: the moment the threat descends through the
  lowest intercept altitude of the interceptors deployed in the state (SM-3: 80 km nominal;
  THAAD 40 km), after which no interceptor of the year could engage it. The flight is a Kepler
  arc on the rotating Earth from burnout at the launch point (the boost phase, the first one to
  three minutes over the launch country, is left out of the ground track).
* **The Russian General Staff's own picture** (slide at the Moscow missile-defence conference
  of 3-4 May 2012, as two public sources describe it; data/sectoral_picture.csv): country level,
  with a share range for words such as "parts of Poland" or "most of Norway". Low confidence.

The stated purpose of the proposal was to keep Russian ICBMs out of reach of NATO's interceptors;
:func:`sectoral_answer` relates both drawings to the ICBM tracks toward the United States
(data/icbm_bases.csv × data/us_targets.csv): how many of those tracks pass over the part of NATO
Europe each drawing gives to Russia, and which interceptor sites of the year stand in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from coverage.catalogue.analysis import (
    load_icbm_bases,
    load_sectoral_picture,
    load_us_targets,
)
from coverage.catalogue.basemap import countries
from coverage.catalogue.tables import Catalogue
from coverage.physics.threat_flight import earth_fixed_positions, fly
from coverage.products.defended import DefendedGrid, defended_grid
from coverage.products.grid import cells_polygon
from coverage.products.metrics import member_cell_area_m2
from coverage.scenario import DefenceQuery, FootprintOptions, launch_area_label
from coverage.style import KINEMATIC_CAVEAT, SECTOR_STYLES, share_text

__all__ = [
    "SECTOR_COUNTRIES",
    "SectoralAnswer",
    "icbm_track_lines",
    "sector_cells",
    "sector_subtitle",
    "sector_title",
    "sectoral_answer",
    "sectoral_layer",
]

#: Whose territory a ground track must cross to put a target in Russia's sector.
SECTOR_COUNTRIES = ("RUS", "BLR")
_GEOD = Geod(ellps="WGS84")
_TIME_STEP_S = 10.0
#: Fallback floor when a state deploys no interceptor: the SM-3 family's nominal lowest
#: intercept altitude (data/parameters.csv, min_intercept_alt_km).
_FALLBACK_SYSTEM = "sm3_ia"


@dataclass(frozen=True, eq=False)
class SectoralAnswer:
    """Both drawings of the sectoral proposal for one state, with their metrics.

    Attributes
    ----------
    in_sector
        Per grid cell of ``grid``: in Russia's sector under the computed definition.
    share
        Computed: share of NATO-Europe territory (members of the year) in Russia's sector, 0..1.
    countries
        Computed, per member with any territory in the sector: ``iso3, name, share`` (share of
        the country's territory), sorted by share (largest first).
    picture
        The General Staff's picture, one row per country (data/sectoral_picture.csv) with
        ``member`` (a NATO member in the year) and its geometry.
    picture_share
        ``low, nominal, high``: share of NATO-Europe territory the picture gives to Russia.
    floor_m
        The lowest intercept altitude used for the last intercept opportunity, m.
    icbm
        ICBM tracks toward the US: ``tracks`` (total), ``over_nato`` (passing over NATO-Europe
        territory of the year), ``over_computed`` and ``over_picture`` (over the part each
        drawing gives to Russia), and ``sites_in_computed`` / ``sites_in_picture`` (names of
        the state's interceptor sites standing in each).
    sector_land
        The computed sector as one (multi)polygon, lon/lat: its cells cut to the members' land.
    launch_label
        The launch area in words.
    """

    grid: DefendedGrid
    in_sector: NDArray[np.bool_]
    share: float
    countries: pd.DataFrame
    picture: gpd.GeoDataFrame
    picture_share: dict[str, float]
    floor_m: float
    icbm: dict[str, Any]
    sector_land: BaseGeometry
    launch_label: str = ""

    def sector_polygon(self) -> BaseGeometry:
        """The computed sector as one (multi)polygon, lon/lat: its cells, cut to members' land."""
        return self.sector_land

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready answer (the CLI ``sectoral --format json`` payload)."""
        o, q = self.grid.options, self.grid.query
        return {
            "year": o.year,
            "scenario": o.scenario,
            "estimate": o.estimate,
            "launch_area": q.launch_area,
            "threat": self.grid.threat.threat_id,
            "nato_europe_share_in_russian_sector": float(self.share),
            "countries": list(self.countries.iso3),
            "country_shares": [
                {"iso3": r.iso3, "name": r.name, "share": float(r.share)}
                for r in self.countries.itertuples(index=False)
            ],
            "definition": (
                "computed: a NATO-Europe target is in Russia's sector when the threat's "
                "Earth-fixed ground track from the launch area crosses Russian or Belarusian "
                "territory (Kaliningrad included) before the threat descends through "
                f"{self.floor_m / 1000:g} km, the lowest intercept altitude of the year's "
                "interceptors (its last intercept opportunity)"
            ),
            "general_staff_picture": {
                "share_low": self.picture_share["low"],
                "share_nominal": self.picture_share["nominal"],
                "share_high": self.picture_share["high"],
                "countries": [
                    {
                        "iso3": r.iso3,
                        "name": r.name,
                        "extent": r.extent,
                        "share_low": float(r.share_low),
                        "share_nominal": float(r.share_nominal),
                        "share_high": float(r.share_high),
                        "nato_member": bool(r.member),
                    }
                    for r in self.picture.itertuples(index=False)
                ],
                "source": str(self.picture.source.iloc[0]) if len(self.picture) else "",
                "confidence": "Low",
            },
            "icbm_tracks": self.icbm,
            "assumptions": (
                f"launch area {self.launch_label or q.launch_area}; Kepler arcs on the rotating "
                "Earth from burnout at the launch point (boost phase left out of the ground "
                f"track); track sampled every {_TIME_STEP_S:g} s; {self.grid.query.grid_km:g} km "
                "grid; borders of the basemap (Natural Earth 1:50m)"
            ),
            "caveat": KINEMATIC_CAVEAT,
        }


def _floor_m(catalogue: Catalogue, dg: DefendedGrid) -> float:
    floors = [s.min_alt_m for s in dg.setup.sites]
    if floors:
        return float(min(floors))
    return catalogue.parameter(_FALLBACK_SYSTEM, "min_intercept_alt_km", dg.options.estimate) * 1e3


def _extent_words(extent: str) -> str:
    """``whole`` → ``all of``; ``large_parts`` → ``large parts of`` (the picture's words)."""
    return "all of" if extent == "whole" else extent.replace("_", " ") + " of"


def _land(iso3: Iterable[str]) -> BaseGeometry:
    """The basemap land of the countries ``iso3`` as one prepared (multi)polygon, lon/lat."""
    base = countries("europe")
    geom = shapely.union_all(base.geometry.values[base.iso3.isin(list(iso3)).to_numpy()])
    shapely.prepare(geom)
    return geom


def sector_cells(
    lon_deg: NDArray[np.float64],
    lat_deg: NDArray[np.float64],
    launch: tuple[tuple[float, float], ...],
    floor_m: float,
    *,
    shape: str = "minimum_energy",
    angle_offset_deg: float = 10.0,
    reachable: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """Which targets' threat tracks cross Russia or Belarus before descending through ``floor_m``.

    Parameters
    ----------
    lon_deg, lat_deg
        Targets, degrees.
    launch
        Launch points ``(lon, lat)``; a target is in the sector if the flight from any launch
        point that reaches it crosses (the worst case for the split of responsibility).
    floor_m
        Lowest intercept altitude, m: the track counts up to the last sample at or above it.
    reachable
        ``(P, N)``: which launch points reach which targets (default: all).
    """
    lon = np.asarray(lon_deg, float)
    lat = np.asarray(lat_deg, float)
    out = np.zeros(lon.size, bool)
    region = _land(SECTOR_COUNTRIES)
    for p, (llon, llat) in enumerate(launch):
        use = np.ones(lon.size, bool) if reachable is None else np.asarray(reachable[p], bool)
        # Targets too close to the launch point for a Kepler arc never overfly anything.
        d = _GEOD.inv(np.full(lon.size, llon), np.full(lon.size, llat), lon, lat)[2]
        use &= d > 20_000.0
        idx = np.flatnonzero(use)
        if idx.size == 0:
            continue
        flights = fly(
            llon,
            llat,
            lon[idx],
            lat[idx],
            rotation=True,
            shape=shape,  # type: ignore[arg-type]
            angle_offset_deg=angle_offset_deg,
            time_step_s=_TIME_STEP_S,
        )
        tlon, tlat, alt = earth_fixed_positions(flights)
        n = tlon.shape[1]
        col = np.arange(n)[None, :]
        above = (alt >= floor_m) & (col < flights.n_valid[:, None])
        # The last sample at or above the floor; the track runs from lift-off to there.
        last = np.where(above.any(axis=1), n - 1 - np.argmax(above[:, ::-1], axis=1), 0)
        last = np.maximum(last, 1)  # a line needs two points: lift-off and the next sample
        keep = col <= last[:, None]
        coords = np.column_stack([tlon[keep], tlat[keep]])
        owner = np.repeat(np.arange(idx.size), keep.sum(axis=1))
        lines = shapely.linestrings(coords, indices=owner)
        out[idx] |= shapely.intersects(region, lines)
    return out


def icbm_track_lines(points: int = 120) -> gpd.GeoDataFrame:
    """The ICBM tracks toward the US as geodesic lines (base × target), lon/lat."""
    bases, targets = load_icbm_bases(), load_us_targets()
    rows, geoms = [], []
    for b in bases.itertuples(index=False):
        for t in targets.itertuples(index=False):
            pts = _GEOD.npts(b.lon_deg, b.lat_deg, t.lon_deg, t.lat_deg, points)
            geoms.append(shapely.LineString([(b.lon_deg, b.lat_deg), *pts, (t.lon_deg, t.lat_deg)]))
            rows.append({"base": b.name, "target": t.name})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def _picture(catalogue: Catalogue, year: int) -> gpd.GeoDataFrame:
    pic = load_sectoral_picture()
    base = countries("europe").set_index("iso3")
    members = catalogue.nato_members_in(year)
    pic["name"] = [str(base.loc[c, "name"]) for c in pic.iso3]
    pic["member"] = [c in members for c in pic.iso3]
    return gpd.GeoDataFrame(
        pic, geometry=[base.loc[c, "geometry"] for c in pic.iso3], crs="EPSG:4326"
    )


def sectoral_answer(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> SectoralAnswer:
    """Both drawings of the sectoral proposal for a state, their metrics and the ICBM relation."""
    dg = defended_grid(catalogue, options, query)
    members = catalogue.nato_members_in(options.year)
    area = member_cell_area_m2(dg, members)
    cells = np.flatnonzero(area > 0)
    floor = _floor_m(catalogue, dg)
    nc = dg.n_cells
    in_sector = np.zeros(nc, bool)
    in_sector[cells] = sector_cells(
        dg.grid.lon_deg[cells],
        dg.grid.lat_deg[cells],
        dg.setup.launch_lonlat,
        floor,
        shape=query.shape,
        angle_offset_deg=query.angle_offset_deg,
        reachable=dg.result.reachable[:, :nc][:, cells],
    )
    total = float(area.sum())
    share = float(area[in_sector].sum() / total) if total > 0 else 0.0
    by_country = {code: member_cell_area_m2(dg, [code]) for code in sorted(members)}
    rows = []
    for code, a in by_country.items():
        if a.sum() <= 0:
            continue
        s = float(a[in_sector].sum() / a.sum())
        if s > 1e-9:
            rows.append({"iso3": code, "share": min(1.0, round(s, 9))})
    names = countries("europe").set_index("iso3").name
    table = pd.DataFrame(rows, columns=["iso3", "share"])
    table.insert(1, "name", [str(names.get(c, c)) for c in table.iso3])
    table = table.sort_values(["share", "iso3"], ascending=[False, True]).reset_index(drop=True)

    picture = _picture(catalogue, options.year)
    pshare = {}
    for case in ("low", "nominal", "high"):
        got = sum(
            float(by_country[r.iso3].sum()) * getattr(r, f"share_{case}")
            for r in picture.itertuples(index=False)
            if r.member
        )
        pshare[case] = float(got / total) if total > 0 else 0.0

    nato_geom = _land(members)
    # Only land of the year's members: the cell squares reach out over the sea.
    cells_geom = cells_polygon(dg.grid.ix[in_sector], dg.grid.iy[in_sector], dg.grid.grid_m)
    sector_land = (
        cells_geom
        if cells_geom.is_empty
        else shapely.make_valid(shapely.intersection(cells_geom, nato_geom))
    )
    pic_geom = shapely.union_all(picture.geometry.values[picture.member.to_numpy(bool)])
    tracks = icbm_track_lines()
    lines = tracks.geometry.values
    sites = [(s.key, s.lon_deg, s.lat_deg) for s in dg.setup.sites]
    place = dict(zip(catalogue.sites.site_id, catalogue.sites.name, strict=True))
    site_names = {
        d.deployment_id: place.get(d.site_id, d.site_id)
        for d in catalogue.deployments.itertuples(index=False)
    }

    def sites_in(geom: BaseGeometry) -> list[str]:
        inside = {
            site_names.get(key, key)
            for key, lon, lat in sites
            if shapely.contains_xy(geom, lon, lat)
        }
        return sorted(inside)

    def sites_in_picture() -> list[str]:
        out = set()
        for r in picture[picture.member].itertuples(index=False):
            for name in sites_in(r.geometry):
                out.add(f"{name} (the picture gives {_extent_words(r.extent)} {r.name} to Russia)")
        return sorted(out)

    icbm = {
        "tracks": len(tracks),
        "over_nato": int(shapely.intersects(nato_geom, lines).sum()),
        "over_computed": int(shapely.intersects(sector_land, lines).sum()),
        "over_picture": int(shapely.intersects(pic_geom, lines).sum()) if len(picture) else 0,
        "sites_in_computed": sites_in(sector_land),
        "sites_in_picture": sites_in_picture(),
        "note": "ICBM tracks drawn as geodesics from each base to each US target (as in the "
        "ICBM view); 'over' means the ground path crosses that territory",
    }
    label = launch_area_label(catalogue, query.launch_area)
    return SectoralAnswer(
        dg, in_sector, share, table, picture, pshare, floor, icbm, sector_land, label
    )


def sectoral_layer(answer: SectoralAnswer, which: str = "both") -> gpd.GeoDataFrame:
    """The drawings of ``answer`` as map features (lon/lat), for the map and the exports.

    ``which``: ``computed``, ``picture`` or ``both``. Columns: ``kind`` (``sector_computed`` or
    ``sector_picture``), ``name`` (the label shown), ``share_text``, ``fill_scale`` (1 for
    whole countries and the computed sector, lower for partial countries), ``source`` and the
    geometry. The picture shows the year's NATO members only.
    """
    if which not in ("computed", "picture", "both"):
        raise ValueError(f"which={which!r} is not one of computed, picture, both")
    rows: list[dict[str, Any]] = []
    geoms: list[BaseGeometry] = []
    if which in ("computed", "both"):
        geom = answer.sector_polygon()
        if not geom.is_empty:
            listed = ", ".join(
                f"{r.name} {share_text(r.share)}" for r in answer.countries.itertuples(index=False)
            )
            rows.append(
                {
                    "kind": "sector_computed",
                    "name": f"Russia's sector, computed: {share_text(answer.share)} of NATO Europe "
                    f"({listed})",
                    "share_text": share_text(answer.share),
                    "fill_scale": 1.0,
                    "source": "Computed here (coverage/products/sectoral.py): threat ground "
                    "track over Russia or Belarus before the last intercept opportunity",
                }
            )
            geoms.append(geom)
    if which in ("picture", "both"):
        for r in answer.picture[answer.picture.member].itertuples(index=False):
            extent = _extent_words(r.extent)
            span = (
                ""
                if r.extent == "whole"
                else f" (read as {_share_range(r.share_low, r.share_high)} of its area)"
            )
            rows.append(
                {
                    "kind": "sector_picture",
                    "name": f"General Staff's picture (May 2012): {extent} {r.name}{span}",
                    "share_text": share_text(r.share_nominal),
                    "fill_scale": float(r.share_nominal),
                    "source": str(r.source),
                }
            )
            geoms.append(r.geometry)
    return gpd.GeoDataFrame(
        rows,
        columns=["kind", "name", "share_text", "fill_scale", "source"],
        geometry=geoms,
        crs="EPSG:4326",
    )


def _share_range(low: float, high: float) -> str:
    """Two shares as one range, written as the headline writes a share: ``"8.6-14 %"``."""
    return f"{share_text(low).removesuffix(' %')}-{share_text(high)}"


def _picture_share(answer: SectoralAnswer) -> str:
    """The picture's share of NATO Europe with its reading's range: ``"11 % (8.6-14 %)"``."""
    p = answer.picture_share
    return f"{share_text(p['nominal'])} ({_share_range(p['low'], p['high'])})"


def sector_title(kind: str, answer: SectoralAnswer | None) -> str:
    """Legend text of one drawing, with its share of NATO Europe when the answer is known."""
    title = SECTOR_STYLES[kind].title
    if answer is None:
        return title
    if kind == "sector_computed":
        return f"{title}: {share_text(answer.share)} of NATO Europe"
    return f"{title}: {_picture_share(answer)} of NATO Europe"


def sector_subtitle(sector: str, answer: SectoralAnswer) -> str:
    """The map's subtitle part for Russia's sector on it (``sector``: computed/picture/both).

    With its share of NATO Europe, as the legend gives it: "Russia's sector, of NATO Europe:
    computed 15 % · General Staff (May 2012) 11 % (8.6-14 %)". The subtitle had said only
    "Russia's sector: computed", and the answer stood in the legend's small type (session 37's
    trial).
    """
    computed = f"computed {share_text(answer.share)}"
    picture = f"General Staff (May 2012) {_picture_share(answer)}"
    parts = {"computed": [computed], "picture": [picture], "both": [computed, picture]}[sector]
    return f"Russia's sector, of NATO Europe: {' · '.join(parts)}"
