"""Checks on the generated basemap files in ``data/`` (built by ``scripts/build_basemap.py``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

DATA_DIR = Path(__file__).parent.parent / "data"
EUROPE_PATH = DATA_DIR / "countries_europe.geojson"
WORLD_PATH = DATA_DIR / "countries_world.geojson"
CITIES_PATH = DATA_DIR / "cities.csv"

EUROPE_MAX_BYTES = 700 * 1024
WORLD_MAX_BYTES = 350 * 1024
EUROPE_BOX_DEG = (-32.0, 24.0, 66.0, 73.0)

EUROPEAN_NATO_ISO3 = [
    "BEL",
    "DNK",
    "FRA",
    "ISL",
    "ITA",
    "LUX",
    "NLD",
    "NOR",
    "PRT",
    "GBR",
    "GRC",
    "TUR",
    "DEU",
    "ESP",
    "CZE",
    "HUN",
    "POL",
    "BGR",
    "EST",
    "LVA",
    "LTU",
    "ROU",
    "SVK",
    "SVN",
    "ALB",
    "HRV",
    "MNE",
    "MKD",
    "FIN",
    "SWE",
]

#: (place, lon_deg, lat_deg, iso3 it lies in)
KNOWN_PLACES = [
    ("Simferopol", 34.10, 44.95, "UKR"),
    ("Sevastopol", 33.52, 44.60, "UKR"),
    ("Krasnodar", 38.98, 45.04, "RUS"),
    ("Taman", 36.72, 45.21, "RUS"),
    ("Deveselu", 24.4134, 44.0787, "ROU"),
    ("Redzikowo", 17.108, 54.479, "POL"),
    ("Kürecik", 37.7936, 38.3494, "TUR"),
    ("Tabriz", 46.29, 38.08, "IRN"),
    ("Reykjavik", -21.9, 64.1, "ISL"),
]

PROPERTIES = ["iso3", "name", "population", "area_km2", "continent"]


@pytest.fixture(scope="module", params=["europe", "world"])
def countries(request: pytest.FixtureRequest) -> gpd.GeoDataFrame:
    path = EUROPE_PATH if request.param == "europe" else WORLD_PATH
    return gpd.read_file(path)


@pytest.fixture(scope="module")
def europe() -> gpd.GeoDataFrame:
    return gpd.read_file(EUROPE_PATH)


@pytest.fixture(scope="module")
def world() -> gpd.GeoDataFrame:
    return gpd.read_file(WORLD_PATH)


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return pd.read_csv(CITIES_PATH, keep_default_na=False)


def _geometry_of(frame: gpd.GeoDataFrame, iso3: str) -> shapely.Geometry:
    rows = frame.loc[frame["iso3"] == iso3, "geometry"]
    assert len(rows) == 1, f"{iso3} should have exactly one row"
    return rows.iloc[0]


# --- countries: structure -------------------------------------------------------------------
def test_countries__columns_and_crs(countries: gpd.GeoDataFrame) -> None:
    assert list(countries.columns) == [*PROPERTIES, "geometry"]
    assert countries.crs is not None and countries.crs.to_epsg() == 4326


def test_countries__geometries_valid_and_non_empty(countries: gpd.GeoDataFrame) -> None:
    geoms = countries.geometry.values
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon


def test_countries__iso3_unique_three_letters(countries: gpd.GeoDataFrame) -> None:
    assert countries["iso3"].is_unique
    assert countries["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert (countries["iso3"].tolist()) == sorted(countries["iso3"])


def test_countries__within_lon_lat_range(countries: gpd.GeoDataFrame) -> None:
    west, south, east, north = countries.total_bounds
    assert west >= -180.0 and east <= 180.0 and south >= -90.0 and north <= 90.0


def test_countries__no_overlaps_between_neighbours(europe: gpd.GeoDataFrame) -> None:
    # coverage_simplify keeps shared borders shared; the clipped Europe file is a clean coverage.
    assert shapely.coverage_is_valid(europe.geometry.values)


def test_europe__inside_clip_box(europe: gpd.GeoDataFrame) -> None:
    np.testing.assert_allclose(europe.total_bounds, EUROPE_BOX_DEG, atol=0.011)


@pytest.mark.parametrize(
    ("path", "max_bytes"), [(EUROPE_PATH, EUROPE_MAX_BYTES), (WORLD_PATH, WORLD_MAX_BYTES)]
)
def test_countries__file_size_under_limit(path: Path, max_bytes: int) -> None:
    assert path.stat().st_size <= max_bytes


# --- countries: known places ----------------------------------------------------------------
@pytest.mark.parametrize(("place", "lon_deg", "lat_deg", "iso3"), KNOWN_PLACES)
def test_europe__known_place_in_country(
    europe: gpd.GeoDataFrame, place: str, lon_deg: float, lat_deg: float, iso3: str
) -> None:
    inside = shapely.contains_xy(europe.geometry.values, lon_deg, lat_deg)
    assert europe.loc[inside, "iso3"].tolist() == [iso3], place


@pytest.mark.parametrize(("place", "lon_deg", "lat_deg", "iso3"), KNOWN_PLACES)
def test_world__known_place_in_nearest_country(
    world: gpd.GeoDataFrame, place: str, lon_deg: float, lat_deg: float, iso3: str
) -> None:
    # 1:110m coastlines are coarse (Sevastopol may fall just offshore): take the nearest country.
    distance_deg = shapely.distance(world.geometry.values, shapely.Point(lon_deg, lat_deg))
    assert distance_deg.min() < 0.25, place
    assert world["iso3"].iloc[int(np.argmin(distance_deg))] == iso3, place


@pytest.mark.parametrize("place", ["Simferopol", "Sevastopol"])
def test_crimea__in_ukraine_not_russia(countries: gpd.GeoDataFrame, place: str) -> None:
    _, lon_deg, lat_deg, _ = next(p for p in KNOWN_PLACES if p[0] == place)
    assert not shapely.contains_xy(_geometry_of(countries, "RUS"), lon_deg, lat_deg)
    assert shapely.intersects(
        _geometry_of(countries, "UKR").buffer(0.1), shapely.Point(lon_deg, lat_deg)
    )


def test_crimea__whole_peninsula_is_ukrainian(europe: gpd.GeoDataFrame) -> None:
    crimea_box = shapely.box(32.4, 44.3, 36.62, 46.0)
    assert _geometry_of(europe, "RUS").intersection(crimea_box).area == pytest.approx(0.0)
    assert _geometry_of(europe, "UKR").intersection(crimea_box).area > 2.5  # deg2, about 26,000 km2


# --- countries: attributes ------------------------------------------------------------------
@pytest.mark.parametrize("iso3", EUROPEAN_NATO_ISO3)
def test_countries__european_nato_members_present(countries: gpd.GeoDataFrame, iso3: str) -> None:
    row = countries.loc[countries["iso3"] == iso3]
    assert len(row) == 1
    assert int(row["population"].iloc[0]) > 0
    assert float(row["area_km2"].iloc[0]) > 0


def test_countries__population_of_germany(countries: gpd.GeoDataFrame) -> None:
    population = int(countries.loc[countries["iso3"] == "DEU", "population"].iloc[0])
    assert 70_000_000 < population < 95_000_000


def test_countries__area_is_of_whole_country(
    europe: gpd.GeoDataFrame, world: gpd.GeoDataFrame
) -> None:
    area = dict(zip(world["iso3"], world["area_km2"], strict=True))
    assert area["FRA"] > 500_000
    assert 16_000_000 < area["RUS"] < 17_500_000  # whole Russia although Europe is clipped at 66E
    assert 590_000 < area["UKR"] < 620_000  # includes Crimea (about 27,000 km2)
    assert 350_000 < area["DEU"] < 362_000
    for iso3, area_km2 in zip(europe["iso3"], europe["area_km2"], strict=True):
        if iso3 in area:  # microstates (AND, MCO, VAT, ...) exist only at 1:50m
            assert area_km2 == area[iso3], iso3


def test_countries__continent_names(countries: gpd.GeoDataFrame) -> None:
    allowed = {
        "Africa",
        "Antarctica",
        "Asia",
        "Europe",
        "North America",
        "Oceania",
        "South America",
    }
    assert set(countries["continent"]) <= allowed
    assert countries.loc[countries["iso3"] == "DEU", "continent"].iloc[0] == "Europe"


def test_countries__no_id_features_coded(europe: gpd.GeoDataFrame) -> None:
    iso3 = set(europe["iso3"])
    assert "XKX" in iso3  # Kosovo
    # Northern Cyprus is merged into Cyprus: the whole island is one row.
    assert shapely.contains_xy(_geometry_of(europe, "CYP"), 33.9, 35.3)


# --- antimeridian ---------------------------------------------------------------------------
def test_world__russia_split_at_antimeridian(world: gpd.GeoDataFrame) -> None:
    russia = _geometry_of(world, "RUS")
    widths = [p.bounds[2] - p.bounds[0] for p in shapely.get_parts(russia)]
    assert max(widths) <= 180.0
    # Chukotka east of 180 is kept, on the western side of the map.
    assert russia.bounds[0] == pytest.approx(-180.0) and russia.bounds[2] == pytest.approx(180.0)


def test_world__no_polygon_spans_antimeridian_except_antarctica(world: gpd.GeoDataFrame) -> None:
    for iso3, geom in zip(world["iso3"], world.geometry, strict=True):
        if iso3 == "ATA":
            continue
        for part in shapely.get_parts(geom):
            assert part.bounds[2] - part.bounds[0] <= 180.0, iso3


# --- cities ---------------------------------------------------------------------------------
def test_cities__columns_and_types(cities: pd.DataFrame) -> None:
    assert list(cities.columns) == [
        "city_id",
        "name",
        "iso3",
        "lon_deg",
        "lat_deg",
        "population",
        "is_capital",
    ]
    assert cities["city_id"].is_unique
    assert cities["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert (cities["name"].str.len() > 0).all()
    assert cities["is_capital"].dtype == bool


def test_cities__ranges(cities: pd.DataFrame) -> None:
    west, south, east, north = EUROPE_BOX_DEG
    assert cities["lon_deg"].between(west, east).all()
    assert cities["lat_deg"].between(south, north).all()
    assert (cities["population"] > 0).all()
    assert (cities.loc[~cities["is_capital"], "population"] >= 50_000).all()
    assert len(cities) > 1000


@pytest.mark.parametrize("iso3", EUROPEAN_NATO_ISO3)
def test_cities__nato_capital_present(cities: pd.DataFrame, iso3: str) -> None:
    capitals = cities[(cities["iso3"] == iso3) & cities["is_capital"]]
    assert len(capitals) == 1, iso3


@pytest.mark.parametrize(
    ("iso3", "capital"),
    [
        ("DEU", "Berlin"),
        ("FRA", "Paris"),
        ("GBR", "London"),
        ("ISL", "Reykjavík"),
        ("UKR", "Kyiv"),
        ("RUS", "Moscow"),
    ],
)
def test_cities__known_capital_names(cities: pd.DataFrame, iso3: str, capital: str) -> None:
    row = cities[(cities["iso3"] == iso3) & cities["is_capital"]]
    assert row["name"].tolist() == [capital]


def test_cities__crimea_is_ukraine(cities: pd.DataFrame) -> None:
    lon_deg, lat_deg = cities["lon_deg"], cities["lat_deg"]
    in_crimea = cities[lon_deg.between(32.4, 36.62) & lat_deg.between(44.3, 46.0)]
    assert {"Simferopol", "Sevastopol", "Kerch"} <= set(in_crimea["name"])
    assert set(in_crimea["iso3"]) == {"UKR"}


def test_cities__mostly_inside_their_country(
    cities: pd.DataFrame, europe: gpd.GeoDataFrame
) -> None:
    geometry = dict(zip(europe["iso3"], europe.geometry, strict=True))
    known = cities[cities["iso3"].isin(geometry)]
    inside = [
        geometry[iso3].distance(shapely.Point(lon, lat)) < 0.2
        for iso3, lon, lat in zip(known["iso3"], known["lon_deg"], known["lat_deg"], strict=True)
    ]
    assert np.mean(inside) > 0.99
