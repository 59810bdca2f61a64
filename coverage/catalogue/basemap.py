"""Bundled offline basemap: country polygons with ISO codes and population, and NATO members by year."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry import box

from coverage.catalogue.tables import DATA_DIR, Catalogue

__all__ = [
    "EUROPE_BOX",
    "border_lines",
    "countries",
    "country_codes",
    "nato_countries",
    "outer_countries",
]

#: Extent of the detailed Europe basemap (lon_min, lat_min, lon_max, lat_max), degrees.
EUROPE_BOX = (-32.0, 24.0, 66.0, 73.0)

View = Literal["europe", "world"]


_COUNTRY_COLUMNS = ["iso3", "name", "population", "area_km2", "continent"]


@lru_cache(maxsize=2)
def _country_file(view: View) -> tuple[tuple[dict[str, object], ...], NDArray[np.object_]]:
    """The features' properties (JSON) and geometries (GEOS's GeoJSON reader), in file order.

    Not ``geopandas.read_file``: GDAL's reader (pyogrio) costs a fresh process ~25 ms to load
    and ~20 ms to read, and a command that draws no map needs only the codes.
    """
    if view not in ("europe", "world"):
        raise ValueError(f"view={view!r} is not one of 'europe', 'world'")
    raw = (DATA_DIR / f"countries_{view}.geojson").read_bytes()
    props = tuple(f["properties"] for f in json.loads(raw)["features"])
    geoms = shapely.get_parts(shapely.from_geojson(raw))  # a FeatureCollection's, in order
    if len(geoms) != len(props):
        raise ValueError(f"countries_{view}.geojson: {len(props)} features, {len(geoms)} shapes")
    return props, geoms


@lru_cache(maxsize=2)
def countries(view: View = "europe") -> gpd.GeoDataFrame:
    """Country polygons (EPSG:4326): ``iso3, name, population, area_km2, continent, geometry``.

    ``"europe"`` is Natural Earth 1:50m clipped to 32°W-66°E, 24-73°N; ``"world"`` is 1:110m.
    The frame is shared: copy it before changing it.
    """
    props, geoms = _country_file(view)
    table = pd.DataFrame(list(props), columns=_COUNTRY_COLUMNS)
    return gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4326")


@lru_cache(maxsize=2)
def country_codes(view: View = "europe") -> frozenset[str]:
    """The ISO3 codes of :func:`countries` (for the table checks that need only the codes)."""
    return frozenset(str(p["iso3"]) for p in _country_file(view)[0])


def nato_countries(
    catalogue: Catalogue, year: int | None, *, view: View = "europe"
) -> gpd.GeoDataFrame:
    """The European NATO members at the end of ``year`` (geometry from :func:`countries`).

    ``year=None``: every European member in the catalogue, whenever it joined (column
    ``joined_year`` tells when), for a map that shows the members of a year by filtering.
    """
    members = catalogue.nato_members_in(year, europe_only=True)
    base = countries(view)
    joined = catalogue.nato_members.set_index("iso3").joined_year
    out = base[base.iso3.isin(members)].copy()
    out["joined_year"] = out.iso3.map(joined).astype(int)
    if "joined_date" in catalogue.nato_members.columns:
        # The day of accession where the file gives it (Google Earth's time slider), else None.
        dates = catalogue.nato_members.set_index("iso3").joined_date
        out["joined_date"] = [d if isinstance(d, str) and d else None for d in out.iso3.map(dates)]
    out["label"] = [
        f"{n}: joined NATO in {y}" for n, y in zip(out.name, out.joined_year, strict=True)
    ]
    sources = catalogue.nato_members.set_index("iso3").source
    out["source"] = [f"{sources[i]}; outline: Natural Earth 4.1" for i in out.iso3]
    return out.reset_index(drop=True)


@lru_cache(maxsize=1)
def outer_countries() -> gpd.GeoDataFrame:
    """Coarse (1:110m) land outside ``EUROPE_BOX`` so the detailed map has no visible cut edge."""
    world = countries("world")
    frame = world[["iso3", "name", "geometry"]].copy()
    frame["geometry"] = frame.geometry.intersection(box(-75.0, 0.0, 120.0, 85.0)).difference(
        box(*EUROPE_BOX)
    )
    frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    return frame


@lru_cache(maxsize=2)
def border_lines(view: View = "europe") -> gpd.GeoDataFrame:
    """Country borders and coasts as lines, without the artificial edges of the clip box."""
    if view == "world":
        lines = shapely.union_all(countries("world").boundary.values)
    else:
        inner = shapely.union_all(countries("europe").boundary.values)
        cut_edge = box(*EUROPE_BOX).exterior.buffer(0.015)
        outer = shapely.union_all(outer_countries().boundary.values)
        lines = shapely.union_all([inner.difference(cut_edge), outer.difference(cut_edge)])
    # The source is on a 0.01° grid; 0.02° simplification halves the payload with no visible change
    # at the dashboard's zoom levels (one screen pixel is about 0.05° at zoom 3).
    lines = shapely.simplify(shapely.line_merge(lines), 0.02)
    return gpd.GeoDataFrame({"name": ["borders"]}, geometry=[lines], crs="EPSG:4326")
