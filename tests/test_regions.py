"""Regions beyond NATO Europe: the wide grid (European Russia, Belarus, Ukraine, Moldova, the South
Caucasus), metrics per region, and the invariant that NATO-Europe figures do not change."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.products.cooperation import cooperation_answers
from coverage.products.defended import defended_grid
from coverage.products.grid import domain_cities, domain_iso3, grid_countries, target_grid
from coverage.products.metrics import (
    coverage_metrics,
    region_ids,
    region_metrics,
    region_metrics_from_grid,
)
from coverage.scenario import DefenceQuery, FootprintOptions


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _q(**kw):
    return DefenceQuery(launch_area="tabriz", grid_km=50.0, **kw)


def test_wide_domain__adds_russia_and_the_caucasus_to_the_europe_domain(catalogue):
    europe, wide = domain_iso3(catalogue), domain_iso3(catalogue, "wide")
    assert "RUS" not in europe and set(europe) < set(wide)
    assert {"RUS", "BLR", "UKR", "MDA", "GEO", "ARM", "AZE"} <= set(wide)
    with pytest.raises(ValueError, match="domain='x' is not one of europe, wide"):
        domain_iso3(catalogue, "x")


def test_wide_grid__keeps_every_cell_of_the_europe_grid(catalogue):
    """One lattice: the cells of the default grid are cells of the wide grid, same squares."""
    a = target_grid(50.0, domain_iso3(catalogue))
    b = target_grid(50.0, domain_iso3(catalogue, "wide"))
    cells_a = set(zip(a.ix.tolist(), a.iy.tolist(), strict=True))
    cells_b = set(zip(b.ix.tolist(), b.iy.tolist(), strict=True))
    assert cells_a < cells_b
    assert len(cells_b) - len(cells_a) > 1000  # European Russia is large


def test_european_russia__cut_at_60e_with_kaliningrad(catalogue):
    rus = grid_countries(("RUS",)).iloc[0]
    minx, miny, maxx, maxy = rus.geometry.bounds
    assert maxx <= 60.0 + 1e-9 and minx < 20.0  # Kaliningrad reaches west of 20°E
    assert rus.geometry.contains(__import__("shapely").Point(20.5, 54.7))  # Kaliningrad city
    assert rus.population == 107_500_000  # data/regions.csv, not the basemap's all-Russia figure
    cities = domain_cities(("RUS",))
    assert (cities.lon_deg <= 60.0).all() and "Moscow" in set(cities.name)
    assert "Kaliningrad" in set(cities.name)
    assert "Novosibirsk" not in set(cities.name)


@pytest.mark.parametrize("year,scenario", [(2016, "actual"), (2024, "actual"), (2018, "planned")])
def test_nato_europe_figures__do_not_change_with_the_wider_grid(catalogue, year, scenario):
    o = FootprintOptions(year=year, scenario=scenario)
    a = coverage_metrics(catalogue, o, _q())
    b = coverage_metrics(catalogue, o, _q(domain="wide"))
    assert b.nato_europe_area_share == pytest.approx(a.nato_europe_area_share, abs=1e-12)
    assert b.nato_europe_population_share == pytest.approx(
        a.nato_europe_population_share, abs=1e-12
    )
    assert (b.capitals_defended, b.capitals_not_defended, b.capitals_out_of_reach) == (
        a.capitals_defended,
        a.capitals_not_defended,
        a.capitals_out_of_reach,
    )
    assert a.countries.equals(b.countries)


def test_the_same_cells__are_defended_on_both_grids(catalogue):
    o = FootprintOptions(year=2024, scenario="actual")
    a = defended_grid(catalogue, o, _q())
    b = defended_grid(catalogue, o, _q(domain="wide"))
    key_b = {c: i for i, c in enumerate(zip(b.grid.ix.tolist(), b.grid.iy.tolist(), strict=True))}
    idx = np.array([key_b[c] for c in zip(a.grid.ix.tolist(), a.grid.iy.tolist(), strict=True)])
    assert np.array_equal(a.result.defended[: a.n_cells], b.result.defended[idx])


@pytest.mark.parametrize("region", ["russia", "belarus", "ukraine", "moldova", "south_caucasus"])
def test_region_metrics__shares_add_up_and_stay_in_bounds(catalogue, region):
    r = region_metrics(catalogue, FootprintOptions(year=2024, scenario="actual"), _q(), region)
    assert 0.0 <= r.area_share <= 1.0 and 0.0 <= r.population_share <= 1.0
    assert 0.0 <= r.area_share + r.area_out_of_reach_share <= 1.0 + 1e-12
    assert r.area_km2 > 0 and r.population > 0
    assert set(r.countries.iso3) == set(
        {
            "russia": ["RUS"],
            "belarus": ["BLR"],
            "ukraine": ["UKR"],
            "moldova": ["MDA"],
            "south_caucasus": ["GEO", "ARM", "AZE"],
        }[region]
    )


def test_european_russia__area_is_that_of_russia_west_of_60e(catalogue):
    r = region_metrics(catalogue, FootprintOptions(year=2016), _q(), "russia")
    # European Russia is about 3.95 million km² to the Urals; the 60°E cut gives a little less.
    assert 3.6e6 < r.area_km2 < 4.1e6


def test_region_metrics__needs_a_grid_that_covers_the_region(catalogue):
    dg = defended_grid(catalogue, FootprintOptions(year=2016), _q())
    with pytest.raises(ValueError, match="does not cover RUS"):
        region_metrics_from_grid(dg, catalogue, "russia")
    with pytest.raises(ValueError, match="region='mars' is not known"):
        region_metrics(catalogue, FootprintOptions(year=2016), _q(), "mars")
    assert region_ids()[0] == "nato_europe"


def test_nato_europe_region__equals_the_nato_metrics(catalogue):
    o = FootprintOptions(year=2016, scenario="actual")
    r = region_metrics(catalogue, o, _q(), "nato_europe")
    m = coverage_metrics(catalogue, o, _q())
    assert r.area_share == m.nato_europe_area_share
    assert r.population_share == m.nato_europe_population_share
    d = m.to_dict()
    assert d["area_share"] == d["nato_europe_area_share"] and d["region"] == "nato_europe"


def test_cooperation__reports_russia_alone_and_with_shared_warning(catalogue):
    ans = cooperation_answers(
        catalogue, FootprintOptions(year=2024, scenario="actual"), _q(), regions=["russia"]
    )
    rus = ans["regions"]["russia"]
    assert rus["name"].startswith("European Russia")
    for cid in ("shared_early_warning", "putin_2007_radars"):
        # Cooperation only adds sensors: Russia's defended share can only grow.
        assert rus[cid]["area_share"] >= rus["nato_alone"]["area_share"] - 1e-12


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "coverage", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_metrics_region__same_keys_for_russia_and_nato():
    common = ["metrics", "--year", "2024", "--scenario", "actual", "--launch-area", "tabriz"]
    common += ["--grid-km", "100"]
    rus = _cli(*common, "--region", "russia")
    nato = _cli(*common)
    assert rus.returncode == 0 and nato.returncode == 0, rus.stderr + nato.stderr
    a, b = json.loads(rus.stdout), json.loads(nato.stdout)
    for key in ("region", "area_share", "population_share", "area_out_of_reach_share"):
        assert key in a and key in b
    assert a["region"] == "russia" and b["region"] == "nato_europe"
    assert [c["iso3"] for c in a["countries"]] == ["RUS"]
    bad = _cli(*common, "--region", "mars")
    assert bad.returncode == 2
    assert "--region must be one of nato_europe, russia" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_wide_query__is_a_different_cache_key_but_same_setup(catalogue):
    q = _q()
    assert replace(q, domain="wide") != q
    with pytest.raises(ValueError, match="domain='x'"):
        _q(domain="x")


def test_cli_cooperation_series__years_by_scenario_for_a_region():
    series = (
        "cooperation",
        "--series",
        "--from-year",
        "2023",
        "--to-year",
        "2024",
        "--launch-area",
        "tabriz",
        "--grid-km",
        "100",
        "--region",
        "russia",
    )
    run = _cli(*series)
    assert run.returncode == 0, run.stderr
    d = json.loads(run.stdout)
    assert d["region"] == "russia"
    rows = d["series"]
    assert {(r["year"], r["cooperation"]) for r in rows} == {
        (y, c)
        for y in (2023, 2024)
        for c in ("nato_alone", "shared_early_warning", "putin_2007_radars")
    }
    by = {(r["year"], r["cooperation"]): r["area_share"] for r in rows}
    for y in (2023, 2024):  # cooperation only adds sensors
        assert by[(y, "shared_early_warning")] >= by[(y, "nato_alone")] - 1e-12
    # The CSV names its region on every row (Russia's shares and NATO Europe's have the same
    # column names; a fresh-eyes review read 0.734 and 0.918 under identical headers).
    csv = _cli(*series, "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    table = pd.read_csv(io.StringIO(csv.stdout))
    assert list(table.columns)[0] == "region" and set(table.region) == {"russia"}
    one = _cli("cooperation", "--launch-area", "tabriz")
    assert one.returncode == 2 and "--year is required" in one.stderr
