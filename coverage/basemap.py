"""Bundled offline basemap: country polygons with ISO codes and population, and NATO members by year."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import geopandas as gpd

from coverage.catalogue import DATA_DIR, Catalogue

__all__ = ["countries", "nato_countries"]

View = Literal["europe", "world"]


@lru_cache(maxsize=2)
def countries(view: View = "europe") -> gpd.GeoDataFrame:
    """Country polygons (EPSG:4326): ``iso3, name, population, area_km2, continent, geometry``.

    ``"europe"`` is Natural Earth 1:50m clipped to 32°W-66°E, 24-73°N; ``"world"`` is 1:110m.
    The frame is shared: copy it before changing it.
    """
    if view not in ("europe", "world"):
        raise ValueError(f"view={view!r} is not one of 'europe', 'world'")
    frame = gpd.read_file(DATA_DIR / f"countries_{view}.geojson")
    return frame.set_crs("EPSG:4326", allow_override=True)


def nato_countries(catalogue: Catalogue, year: int, *, view: View = "europe") -> gpd.GeoDataFrame:
    """The European NATO members at the end of ``year`` (geometry from :func:`countries`)."""
    members = catalogue.nato_members_in(year, europe_only=True)
    base = countries(view)
    joined = catalogue.nato_members.set_index("iso3").joined_year
    out = base[base.iso3.isin(members)].copy()
    out["joined_year"] = out.iso3.map(joined).astype(int)
    out["label"] = [f"{n}: NATO member since {y}" for n, y in zip(out.name, out.joined_year, strict=True)]
    return out.reset_index(drop=True)
