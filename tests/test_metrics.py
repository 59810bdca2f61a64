"""Tests for coverage.products.metrics: shares, per-country table, out of reach and the time series."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from coverage.catalogue.basemap import countries
from coverage.catalogue.tables import load_catalogue
from coverage.products import metrics as met
from coverage.scenario import DefenceQuery, FootprintOptions

GRID_KM = 100.0  # coarse grid: the metrics logic is the same, tests stay fast


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def design_2018(catalogue):
    return met.coverage_metrics(
        catalogue,
        FootprintOptions(year=2018, scenario="planned"),
        DefenceQuery(launch_area="NW Iran", grid_km=GRID_KM),
    )


@pytest.fixture(scope="module")
def sejjil_2016(catalogue):
    return met.coverage_metrics(
        catalogue,
        FootprintOptions(year=2016, scenario="actual"),
        DefenceQuery(launch_area="NW Iran", threat="mrbm_sejjil", grid_km=GRID_KM),
    )


def test_shares__are_fractions_that_add_up(design_2018, sejjil_2016):
    for m in (design_2018, sejjil_2016):
        for v in (
            m.nato_europe_area_share,
            m.nato_europe_population_share,
            m.nato_europe_area_out_of_reach_share,
            m.nato_europe_population_out_of_reach_share,
        ):
            assert 0.0 <= v <= 1.0
        assert m.nato_europe_area_share + m.nato_europe_area_out_of_reach_share <= 1.0 + 1e-9
        c = m.countries
        total = c.area_defended_share + c.area_not_defended_share + c.area_out_of_reach_share
        assert total.to_numpy() == pytest.approx(1.0)
        assert (c.population_defended_share + c.population_out_of_reach_share <= 1.0 + 1e-9).all()


def test_design_case__reaches_everything(design_2018):
    assert design_2018.nato_europe_area_out_of_reach_share == 0.0
    assert design_2018.capitals_out_of_reach == 0
    assert design_2018.nato_europe_area_share > 0.5


def test_sejjil__out_of_reach_is_not_defended(sejjil_2016):
    c = sejjil_2016.countries.set_index("iso3")
    # 2,000 km from Tabriz reaches Türkiye, Greece, Bulgaria and Romania, not Warsaw or London.
    assert c.loc["GBR", "area_out_of_reach_share"] == 1.0
    assert c.loc["GBR", "capital_status"] == "out of reach"
    assert c.loc["GBR", "area_defended_share"] == 0.0
    assert c.loc["TUR", "area_out_of_reach_share"] < 0.1
    assert c.loc["POL", "capital_status"] == "out of reach"
    assert sejjil_2016.nato_europe_area_out_of_reach_share > 0.6
    assert sejjil_2016.capitals_defended + sejjil_2016.capitals_not_defended <= 5


def test_country_table__areas_match_the_basemap(design_2018):
    c = design_2018.countries.set_index("iso3")
    base = countries("europe").set_index("iso3")
    for iso in ("DEU", "POL", "ROU", "ITA", "CZE"):
        assert c.loc[iso, "area_km2"] == pytest.approx(base.loc[iso, "area_km2"], rel=0.01)
    assert list(design_2018.countries.columns) == met.COUNTRY_COLUMNS
    assert (c.population_proxy == "cities").all()


def test_members__follow_the_year(catalogue):
    q = DefenceQuery(launch_area="NW Iran", threat="SRBM", grid_km=GRID_KM)
    before = met.coverage_metrics(catalogue, FootprintOptions(year=2022), q).countries.iso3
    after = met.coverage_metrics(catalogue, FootprintOptions(year=2023), q).countries.iso3
    assert "FIN" not in set(before) and "FIN" in set(after)
    assert len(after) == len(catalogue.nato_members_in(2023))


def test_to_dict__is_strict_json(design_2018):
    payload = design_2018.to_dict()
    text = json.dumps(payload, allow_nan=False)
    back = json.loads(text)
    assert {"nato_europe_area_share", "nato_europe_population_share", "countries"} <= set(back)
    assert back["capitals_total"] == len(design_2018.countries)
    assert "not an assessment" in back["caveat"]


def test_time_series__planned_versus_built(catalogue):
    q = DefenceQuery(launch_area="NW Iran", grid_km=GRID_KM)
    ts = met.coverage_time_series(catalogue, q, years=[2016, 2018, 2023, 2024])
    assert len(ts) == 8 and set(ts.scenario) == {"planned", "actual"}
    s = ts.set_index(["scenario", "year"]).nato_europe_area_share
    assert s["planned", 2018] > s["actual", 2018]  # Redzikowo late
    assert s["actual", 2024] > s["actual", 2023]  # Redzikowo mission-ready July 2024
    assert ts.phase.str.len().min() > 0


def test_estimate_band__is_ordered(catalogue):
    band = met.estimate_band(
        catalogue,
        FootprintOptions(year=2016, scenario="actual"),
        DefenceQuery(launch_area="NW Iran", threat="MRBM", grid_km=GRID_KM),
    )
    share = band.set_index("estimate").nato_europe_area_share
    assert share["low"] <= share["nominal"] <= share["high"]


def test_band__moves_the_delay_from_data_unless_the_user_chose_one():
    """The low/nominal/high band takes the track + C2 delay of data/distributions.csv."""
    from coverage.catalogue.distributions import load_distributions
    from coverage.products.defended import band_delays, band_query

    row = load_distributions().set_index("variable").loc["track_c2_delay"]
    delays = band_delays()
    assert delays == {"low": row["low"], "nominal": row["nominal"], "high": row["high"]}
    assert delays["low"] > delays["nominal"] > delays["high"]  # low: the longer delay
    q = DefenceQuery(launch_area="NW Iran")
    assert q.delay_s == delays["nominal"]  # the query's default is the data's nominal
    assert [band_query(q, e).delay_s for e in ("low", "nominal", "high")] == [
        delays["low"],
        delays["nominal"],
        delays["high"],
    ]
    own = DefenceQuery(launch_area="NW Iran", delay_s=90.0)
    assert {band_query(own, e).delay_s for e in ("low", "nominal", "high")} == {90.0}


def test_estimate_band__reports_and_uses_each_cases_delay(catalogue):
    options = FootprintOptions(year=2018, scenario="planned")
    q = DefenceQuery(launch_area="NW Iran", threat="MRBM", grid_km=GRID_KM)
    band = met.estimate_band(catalogue, options, q).set_index("estimate")
    assert list(band.delay_s) == [120.0, 60.0, 30.0]
    # The low row is the low parameter case at the low case's delay, not at the query's.
    low = met.coverage_metrics(
        catalogue, replace(options, estimate="low"), replace(q, delay_s=120.0)
    )
    assert band.loc["low", "nato_europe_area_share"] == low.nato_europe_area_share
    assert "120 s" in low.assumptions
    # The user's own delay is kept in every case.
    own = met.estimate_band(catalogue, options, replace(q, delay_s=90.0))
    assert set(own.delay_s) == {90.0}


def test_grid_and_cell_areas__from_the_disk_cache_equal_a_fresh_build(tmp_path, monkeypatch):
    """A fresh process loads the grid and the cell areas from disk: the same arrays as built."""
    from coverage.products import grid as grid_module
    from coverage.products import metrics as metrics_module

    monkeypatch.setenv("EPAA_CACHE_DIR", str(tmp_path))
    iso3 = ("DEU", "POL", "TUR")
    built = []
    for _ in range(2):  # first: built and saved; second: loaded (the memory caches emptied)
        grid_module.target_grid.cache_clear()
        metrics_module._cell_areas.cache_clear()
        built.append(
            (grid_module.target_grid(100.0, iso3), metrics_module._cell_areas(100.0, iso3))
        )
    grid_module.target_grid.cache_clear()
    metrics_module._cell_areas.cache_clear()
    assert len(list((tmp_path / "grids").glob("*.npz"))) == 2
    (g1, a1), (g2, a2) = built
    for field in ("ix", "iy", "lon_deg", "lat_deg"):
        np.testing.assert_array_equal(getattr(g1, field), getattr(g2, field))
    assert g1.iso3 == g2.iso3 and g1.grid_m == g2.grid_m and g1.ix.size > 50
    for x, y in zip(a1[:3], a2[:3], strict=True):
        np.testing.assert_array_equal(x, y)
    assert a1[3] == a2[3]
    # A damaged file is ignored and rebuilt.
    for path in (tmp_path / "grids").glob("*.npz"):
        path.write_bytes(b"not an npz")
    again = grid_module.target_grid(100.0, iso3)
    grid_module.target_grid.cache_clear()
    np.testing.assert_array_equal(again.ix, g1.ix)


@pytest.mark.parametrize("view", ["europe", "world"])
def test_countries__read_as_json__are_the_polygons_gdal_reads(view):
    """The basemap is parsed as JSON (no GDAL): the same polygons and values as ``read_file``."""
    import geopandas as gpd

    from coverage.catalogue.tables import DATA_DIR

    ours = countries(view)
    gdal = gpd.read_file(DATA_DIR / f"countries_{view}.geojson")
    assert list(ours.columns) == list(gdal.columns) and ours.crs == "EPSG:4326"
    for col in ("iso3", "name", "population", "area_km2", "continent"):
        assert ours[col].tolist() == gdal[col].tolist(), col
    assert all(a.equals_exact(b, 0.0) for a, b in zip(ours.geometry, gdal.geometry, strict=True))


@pytest.mark.parametrize("view", ["europe", "world"])
def test_country_codes__are_the_basemap_polygons_codes(view):
    """The codes the table checks read without the polygons are those of the polygons."""
    from coverage.catalogue.basemap import country_codes

    assert country_codes(view) == set(countries(view).iso3)
    assert "POL" in country_codes(view) and len(country_codes(view)) > 40
