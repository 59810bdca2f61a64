"""Tests for coverage.products (defended areas, tracks, grid): the kernel over the target grid."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from coverage.catalogue.tables import load_catalogue
from coverage.products import defended as dfd
from coverage.products import grid as grd
from coverage.products.footprints import FOOTPRINT_COLUMNS
from coverage.products.tracks import threat_tracks
from coverage.scenario import DefenceQuery, FootprintOptions


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_cells_polygon__keeps_area_and_is_valid():
    ix, iy = np.meshgrid(np.arange(100, 110), np.arange(80, 86))
    geom = grd.cells_polygon(ix.ravel(), iy.ravel(), 25_000.0)
    assert geom.is_valid and geom.geom_type == "Polygon"
    area = shapely.area(grd.project_to_3035(np.array([geom]))[0])
    assert area == pytest.approx(60 * 25_000.0**2, rel=0.01)
    assert grd.cells_polygon([], [], 25_000.0).is_empty


@pytest.fixture(scope="module")
def layer_2018(catalogue):
    return dfd.defended_footprints(
        catalogue,
        FootprintOptions(year=2018, scenario="planned"),
        launch_area="NW Iran",
        threat="design_case",
        grid_km=100.0,
    )


def test_defended_footprints__columns_and_features(layer_2018, catalogue):
    fp = layer_2018
    assert list(fp.columns) == [*FOOTPRINT_COLUMNS[:-1], "launch_area", "threat", "geometry"]
    assert set(FOOTPRINT_COLUMNS) <= set(fp.columns)
    assert fp.crs.to_epsg() == 4326
    assert (fp.layer == "defended").all()
    assert fp.site_id.iloc[-1] == "all" and fp.feature_id.iloc[-1] == "defended:all"
    assert set(fp.system[:-1]) == {"sm3_iia", "sm3_ib"}
    assert fp.geometry.is_valid.all()
    assert (fp.threat == "design_case").all() and (fp.launch_area == "NW Iran").all()
    assert "launch on remote" in fp.label.iloc[-1] and "not an assessment" in fp.label.iloc[-1]


def test_defended_footprints__union_covers_every_site(layer_2018):
    union = layer_2018.geometry.iloc[-1]
    for geom in layer_2018.geometry.iloc[:-1]:
        if not geom.is_empty:
            assert geom.difference(union).area < 0.01 * max(geom.area, 1e-9)


def test_defended_footprints__planned_2018_beats_as_built_2018(catalogue):
    kw = dict(launch_area="NW Iran", threat="design_case", grid_km=100.0)
    planned = dfd.defended_grid(
        catalogue, FootprintOptions(year=2018, scenario="planned"), DefenceQuery(**kw)
    )
    actual = dfd.defended_grid(
        catalogue, FootprintOptions(year=2018, scenario="actual"), DefenceQuery(**kw)
    )
    assert planned.result.defended.sum() > actual.result.defended.sum()


def test_threat_tracks__statuses(catalogue):
    tracks = threat_tracks(
        catalogue,
        FootprintOptions(year=2016, scenario="actual"),
        DefenceQuery(launch_area="NW Iran", threat="mrbm_sejjil"),
    )
    assert set(tracks.status) <= {"defended", "not defended", "out of reach"}
    by_target = tracks.set_index("target")
    assert by_target.loc["London", "status"] == "out of reach"
    assert by_target.loc["Ankara", "status"] in ("defended", "not defended")
    assert by_target.loc["Ankara", "detection_time_s"] > 0
    assert tracks.crs.to_epsg() == 4326 and tracks.geometry.is_valid.all()


def test_defended_band__low_within_nominal_within_high(catalogue):
    band = dfd.defended_band(
        catalogue,
        FootprintOptions(year=2016, scenario="actual"),
        DefenceQuery(launch_area="NW Iran", threat="MRBM", grid_km=100.0),
    )
    assert list(band.estimate) == ["low", "nominal", "high"]
    low, nominal, high = band.geometry
    assert low.difference(nominal).area < 0.02 * max(low.area, 1e-9)
    assert nominal.difference(high).area < 0.02 * max(nominal.area, 1e-9)


def test_march_2026_case__kurecik_cues_an_eastern_mediterranean_intercept(catalogue):
    """Fact sheet §1.2/§8.3: Iranian missiles toward Türkiye, intercepted from the eastern
    Mediterranean with Kürecik cueing a US destroyer. The model must find that feasible."""
    from coverage.catalogue.analysis import load_cities

    cities = load_cities()
    ankara = cities[(cities.iso3 == "TUR") & (cities.name == "Ankara")]
    tracks = threat_tracks(
        catalogue,
        FootprintOptions(year=2026),
        DefenceQuery(launch_area="kermanshah", threat="MRBM"),
        targets=ankara,
    )
    row = tracks.iloc[0]
    assert row.status == "defended"
    assert row.detected_by.startswith("Kürecik")
    assert "Eastern Mediterranean patrol" in row.defended_by


def test_tracks__say_when_a_defence_rests_on_the_booster_alone(catalogue):
    """From Shahrud (2024) Kürecik sees the design case only in the last seconds of its boost;
    the label says so, and whether any radar ever has the warhead itself in range."""
    from coverage.catalogue.analysis import load_cities

    cities = load_cities()
    pick = cities[cities.is_capital & cities.name.isin(["Oslo", "Rome"])]
    tracks = threat_tracks(
        catalogue, FootprintOptions(year=2024), DefenceQuery(launch_area="shahrud"), targets=pick
    ).set_index("target")
    for name in ("Oslo", "Rome"):
        row = tracks.loc[name]
        assert row.status == "defended"
        assert row.detection_time_s < row.burnout_s < row.detection_time_s + 15.0
        assert ", in boost (" in row.label
    assert np.isnan(tracks.loc["Oslo"].warhead_detection_s)
    assert "the warhead itself never in any radar's range" in tracks.loc["Oslo"].label
    rome = tracks.loc["Rome"]
    assert rome.warhead_detection_s > rome.burnout_s
    assert f"the warhead first seen at {rome.warhead_detection_s:.0f} s" in rome.label
    # From Tabriz the warhead would be seen as early as the booster: no such words.
    near = threat_tracks(
        catalogue, FootprintOptions(year=2024), DefenceQuery(launch_area="tabriz"), targets=pick
    )
    assert not near.label.str.contains("in boost").any()
