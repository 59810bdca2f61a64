"""The target grid: square EPSG:3035 cells over European land, and cells back to polygons.

Two domains share one lattice (cells are multiples of the cell size in EPSG:3035, wherever the
domain's bounds fall), so a cell of the default domain is the same cell in the wider one and
every figure over NATO Europe is the same on both:

* ``europe`` (default): the European countries of the basemap except Russia, and Türkiye;
* ``wide``: also the regions of data/regions.csv (European Russia west of its east limit, with
  Kaliningrad; Belarus, Ukraine, Moldova; Georgia, Armenia, Azerbaijan).
"""

from __future__ import annotations

import functools
import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from coverage.catalogue.analysis import NATO_REGION_CODE, load_cities, load_regions
from coverage.catalogue.basemap import countries
from coverage.catalogue.tables import Catalogue
from coverage.physics.checks import check_range
from coverage.physics.geodesy import projection
from coverage.products.diskcache import grid_store, load_columns, source_version
from coverage.scenario import GRID_DOMAINS

__all__ = [
    "to_3035",
    "to_4326",
    "DOMAINS",
    "TargetGrid",
    "cells_polygon",
    "domain_cities",
    "domain_iso3",
    "grid_countries",
    "project_to_3035",
    "target_grid",
]

DOMAINS: tuple[str, ...] = GRID_DOMAINS


def to_3035() -> Transformer:
    """lon/lat → EPSG:3035, made on first use (:func:`coverage.physics.geodesy.projection`)."""
    return projection("EPSG:4326", "EPSG:3035")


def to_4326() -> Transformer:
    """EPSG:3035 → lon/lat, made on first use."""
    return projection("EPSG:3035", "EPSG:4326")


@dataclass(frozen=True, eq=False)
class TargetGrid:
    """Square EPSG:3035 cells over European land; targets are the cell centres.

    Attributes
    ----------
    grid_m
        Cell size, m.
    ix, iy
        Cell indices: the cell spans x in [ix·grid_m, (ix+1)·grid_m), y likewise (EPSG:3035).
    lon_deg, lat_deg
        Cell centres, degrees.
    iso3
        Countries whose land the grid covers.
    """

    grid_m: float
    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    lon_deg: NDArray[np.float64]
    lat_deg: NDArray[np.float64]
    iso3: tuple[str, ...]

    def boxes(self) -> NDArray[np.object_]:
        """Cell squares in EPSG:3035."""
        g = self.grid_m
        return shapely.box(self.ix * g, self.iy * g, (self.ix + 1) * g, (self.iy + 1) * g)


@functools.lru_cache(maxsize=64)
def domain_iso3(catalogue: Catalogue, domain: str = "europe") -> tuple[str, ...]:
    """Return the countries the grid covers.

    ``europe``: the European countries of the basemap except Russia, plus every European NATO
    member. ``wide``: those and every country of a region of data/regions.csv.
    """
    if domain not in DOMAINS:
        raise ValueError(f"domain={domain!r} is not one of {', '.join(DOMAINS)}")
    base = countries("europe")
    europe = set(base.iso3[(base.continent == "Europe") & (base.iso3 != "RUS")])
    out = europe | catalogue.nato_members_in(9999)
    if domain == "wide":
        for codes in load_regions().iso3:
            if codes != NATO_REGION_CODE:
                out |= set(str(codes).split())
    return tuple(sorted(out))


@functools.lru_cache(maxsize=4)
def _region_limits() -> dict[str, tuple[float | None, float | None]]:
    """Per country of a one-country region: (east limit, population), each ``None`` if unset."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for r in load_regions().itertuples(index=False):
        codes = str(r.iso3).split()
        if codes == [NATO_REGION_CODE]:
            continue
        for c in codes:
            east = None if pd.isna(r.east_limit_deg) else float(r.east_limit_deg)
            pop = None if pd.isna(r.population) else float(r.population)
            out[c] = (east, pop)
    return out


@functools.lru_cache(maxsize=8)
def grid_countries(iso3: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The basemap countries ``iso3`` as the grid sees them (lon/lat; cached and shared: read only).

    A country with an east limit in data/regions.csv (Russia: 60°E) is cut there and takes the
    region's population; the others are the basemap's (Natural Earth) polygons and populations.
    Columns: ``iso3, name, population, geometry``.
    """
    base = countries("europe")
    sel = base[base.iso3.isin(iso3)].reset_index(drop=True)[
        ["iso3", "name", "population", "geometry"]
    ]
    limits = _region_limits()
    geoms = list(sel.geometry.values)
    pops = sel.population.astype(float).tolist()
    for i, code in enumerate(sel.iso3):
        east, pop = limits.get(code, (None, None))
        if east is not None:
            geoms[i] = shapely.intersection(geoms[i], shapely.box(-180.0, -90.0, east, 90.0))
        if pop is not None:
            pops[i] = pop
    return gpd.GeoDataFrame(
        {"iso3": sel.iso3, "name": sel.name, "population": pops}, geometry=geoms, crs=sel.crs
    )


@functools.lru_cache(maxsize=8)
def domain_cities(iso3: tuple[str, ...]) -> pd.DataFrame:
    """The cities of data/cities.csv inside the countries ``iso3`` (cut at a region's east limit).

    Rows keep the order of the file; the index runs from 0. Kept per country list (an engine
    run's extra points): read-only.
    """
    cities = load_cities()
    keep = cities.iso3.isin(iso3).to_numpy().copy()
    for code, (east, _) in _region_limits().items():
        if east is not None and code in iso3:
            keep &= ~((cities.iso3 == code).to_numpy() & (cities.lon_deg.to_numpy(float) > east))
    return cities[keep].reset_index(drop=True)


@functools.lru_cache(maxsize=8)
def target_grid(grid_km: float = 25.0, iso3: tuple[str, ...] | None = None) -> TargetGrid:
    """Return the grid of ground targets (cached per cell size and country list).

    Parameters
    ----------
    grid_km
        Cell size, km (5 to 500).
    iso3
        Countries to cover (as :func:`grid_countries` cuts them); default: the European
        countries of the basemap (without Russia) and Türkiye.
    """
    check_range("grid_km", grid_km, 5.0, 500.0, " km")
    base = countries("europe")
    if iso3 is None:
        iso3 = tuple(
            sorted(set(base.iso3[(base.continent == "Europe") & (base.iso3 != "RUS")]) | {"TUR"})
        )
    # Kept on disk too (data version and this file's code in the key): a fresh process loads
    # the cells instead of cutting them from the land again (~0.3 s at 25 km).
    store = grid_store()
    key = f"grid\n{float(grid_km)!r}\n{iso3!r}\n{source_version(Path(__file__))}"
    saved = load_columns(store, key, {"ix": np.int64, "iy": np.int64, "lon": float, "lat": float})
    if saved is not None:
        return TargetGrid(
            grid_km * 1000.0, saved["ix"], saved["iy"], saved["lon"], saved["lat"], tuple(iso3)
        )
    grid = _build_grid(grid_km, tuple(iso3))
    if store is not None:
        store.save(key, {"ix": grid.ix, "iy": grid.iy, "lon": grid.lon_deg, "lat": grid.lat_deg})
    return grid


def _build_grid(grid_km: float, iso3: tuple[str, ...]) -> TargetGrid:
    """The cells of :func:`target_grid` that touch the countries' land, cut from the land."""
    land = shapely.union_all(project_to_3035(grid_countries(iso3).geometry.values))
    g = grid_km * 1000.0
    minx, miny, maxx, maxy = land.bounds
    xs = np.arange(math.floor(minx / g), math.ceil(maxx / g), dtype=np.int64)
    ys = np.arange(math.floor(miny / g), math.ceil(maxy / g), dtype=np.int64)
    ix, iy = (v.ravel() for v in np.meshgrid(xs, ys))
    shapely.prepare(land)
    hit = shapely.intersects(land, shapely.box(ix * g, iy * g, (ix + 1) * g, (iy + 1) * g))
    ix, iy = ix[hit], iy[hit]
    lon, lat = to_4326().transform((ix + 0.5) * g, (iy + 0.5) * g)
    return TargetGrid(g, ix, iy, np.asarray(lon), np.asarray(lat), tuple(iso3))


def project_to_3035(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Project lon/lat geometries to EPSG:3035 (a shared transformer: faster than ``to_crs``)."""

    def fwd(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = to_3035().transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fwd)


def cells_polygon(
    ix: ArrayLike, iy: ArrayLike, grid_m: float, *, simplify: bool = True
) -> BaseGeometry:
    """Union of EPSG:3035 grid cells as a valid EPSG:4326 (multi)polygon.

    Squares are unioned exactly, simplified by 0.3 cell (removing the staircase, preserving
    topology), densified to one vertex per cell length so edges follow the projection, then
    transformed to lon/lat and repaired with ``make_valid``.
    """
    ix, iy = np.asarray(ix, np.int64), np.asarray(iy, np.int64)
    if ix.size == 0:
        return Polygon()
    # Kept by the cells' content: states often share a site's cells (another delay, a year
    # without changes at that site). Geometries are immutable, so the result is shared.
    h = hashlib.blake2b(digest_size=16)
    h.update(ix.tobytes())
    h.update(iy.tobytes())
    return _cells_polygon(h.hexdigest(), float(grid_m), bool(simplify), ix, iy)


#: Polygons by (cells digest, cell size, simplified), oldest dropped first; ~256 × 50 kB at most.
_POLYGONS: dict[tuple[str, float, bool], BaseGeometry] = {}
_POLYGONS_MAX = 256
_POLYGONS_LOCK = threading.Lock()


def _cells_polygon(
    digest: str, grid_m: float, simplify: bool, ix: NDArray[np.int64], iy: NDArray[np.int64]
) -> BaseGeometry:
    key = (digest, grid_m, simplify)
    hit = _POLYGONS.get(key)
    if hit is None:
        hit = _build_cells_polygon(ix, iy, grid_m, simplify)
        with _POLYGONS_LOCK:
            while len(_POLYGONS) >= _POLYGONS_MAX:
                del _POLYGONS[next(iter(_POLYGONS))]  # the oldest entry
            _POLYGONS[key] = hit
    return hit


def _build_cells_polygon(
    ix: NDArray[np.int64], iy: NDArray[np.int64], grid_m: float, simplify: bool
) -> BaseGeometry:
    boxes = shapely.box(ix * grid_m, iy * grid_m, (ix + 1) * grid_m, (iy + 1) * grid_m)
    merged = shapely.coverage_union_all(boxes)
    if simplify:
        merged = shapely.simplify(merged, 0.3 * grid_m, preserve_topology=True)
    merged = shapely.segmentize(merged, grid_m)

    def to_lonlat(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = to_4326().transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    geom = shapely.make_valid(shapely.transform(merged, to_lonlat))
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
