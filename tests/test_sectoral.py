"""Russia's sectoral proposal: the computed sector, the General Staff's picture, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from coverage.catalogue.analysis import load_sectoral_picture
from coverage.catalogue.tables import load_catalogue
from coverage.products.sectoral import sector_cells, sectoral_answer
from coverage.scenario import DefenceQuery, FootprintOptions

TABRIZ = ((46.2919, 38.0800),)
# Tallinn, Riga, Vilnius; Ankara, Athens, Rome.
BALTIC = (np.array([24.75, 24.11, 25.28]), np.array([59.44, 56.95, 54.69]))
SOUTH = (np.array([32.85, 23.73, 12.50]), np.array([39.93, 37.98, 41.90]))


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_baltic_capitals__are_in_russias_sector_from_nw_iran():
    """Why the Baltic states fall in Russia's sector under the computed definition: a missile
    from Tabriz to Tallinn, Riga or Vilnius flies over Russia or Belarus while still high
    enough to be intercepted, so under the proposal Russia, not NATO, would engage it."""
    assert sector_cells(*BALTIC, TABRIZ, 80_000.0).all()


def test_southern_capitals__are_not():
    assert not sector_cells(*SOUTH, TABRIZ, 80_000.0).any()


def test_a_higher_floor__never_adds_to_the_sector():
    """The track counts until the threat descends through the floor: a higher floor ends it
    sooner, so it can only remove targets from the sector."""
    lon = np.linspace(5.0, 30.0, 40)
    lat = np.linspace(45.0, 65.0, 40)
    lon, lat = (a.ravel() for a in np.meshgrid(lon, lat))
    low = sector_cells(lon, lat, TABRIZ, 40_000.0)
    mid = sector_cells(lon, lat, TABRIZ, 150_000.0)
    high = sector_cells(lon, lat, TABRIZ, 2_000_000.0)
    assert (mid <= low).all() and (high <= mid).all()
    assert low.sum() > high.sum()


def test_unreachable_targets__are_never_in_the_sector():
    reach = np.zeros((1, 3), bool)
    assert not sector_cells(*BALTIC, TABRIZ, 80_000.0, reachable=reach).any()


@pytest.mark.parametrize("launch_area", ["tabriz", "semnan"])
def test_sectoral_answer__shares_in_bounds_and_countries_sorted(catalogue, launch_area):
    ans = sectoral_answer(
        catalogue,
        FootprintOptions(year=2016, scenario="actual"),
        DefenceQuery(launch_area=launch_area, grid_km=50.0),
    )
    d = ans.to_dict()
    assert 0.0 < d["nato_europe_share_in_russian_sector"] < 1.0
    shares = [c["share"] for c in d["country_shares"]]
    assert shares == sorted(shares, reverse=True) and all(0 < s <= 1 for s in shares)
    assert {"EST", "LVA", "LTU"} <= set(d["countries"])
    assert "TUR" not in d["countries"] and "ITA" not in d["countries"]
    pic = d["general_staff_picture"]
    assert 0.0 <= pic["share_low"] <= pic["share_nominal"] <= pic["share_high"] <= 1.0
    assert pic["confidence"] == "Low"
    icbm = d["icbm_tracks"]
    assert icbm["tracks"] == 88 and 0 <= icbm["over_computed"] <= icbm["over_nato"] <= 88


def test_picture__counts_members_of_the_year_only(catalogue):
    """Finland and Sweden are in the General Staff's picture but joined NATO in 2023-24."""
    q = DefenceQuery(launch_area="tabriz", grid_km=50.0)
    a = sectoral_answer(catalogue, FootprintOptions(year=2016), q).to_dict()
    b = sectoral_answer(catalogue, FootprintOptions(year=2024), q).to_dict()
    members = {c["iso3"]: c["nato_member"] for c in a["general_staff_picture"]["countries"]}
    assert members["FIN"] is False and members["SWE"] is False and members["EST"] is True
    assert all(c["nato_member"] for c in b["general_staff_picture"]["countries"])
    # Adding most of Finland and Sweden raises the share in Russia's sector.
    assert b["general_staff_picture"]["share_nominal"] > a["general_staff_picture"]["share_nominal"]


def test_picture_data__carries_its_sources_and_low_confidence():
    pic = load_sectoral_picture()
    assert set(pic.iso3) >= {"EST", "LVA", "LTU", "POL", "NOR"}
    assert (pic.confidence == "Low").all()
    assert pic.source.str.contains("russianforces.org").all()


def _sectoral_cli(*extra: str) -> subprocess.CompletedProcess[str]:
    args = ["sectoral", "--launch-area", "tabriz", "--grid-km", "100", *extra]
    return subprocess.run(
        [sys.executable, "-m", "coverage", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_sectoral__json_keys_and_text():
    run = _sectoral_cli()
    assert run.returncode == 0, run.stderr
    d = json.loads(run.stdout)
    assert d["year"] == 2012  # the General Staff showed its picture in May 2012
    assert 0.0 <= d["nato_europe_share_in_russian_sector"] <= 1.0
    assert isinstance(d["countries"], list) and all(len(c) == 3 for c in d["countries"])
    text = _sectoral_cli("--format", "text")
    assert "General Staff" in text.stdout and "Estonia" in text.stdout


def test_app__region_and_sector_in_the_url_map_and_tab():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=300)
    at.query_params.update(
        {
            "year": "2024",
            "region": "russia",
            "sector": "both",
            "tab": "NATO-Russia early warning",
        }
    )
    at.run()
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in deck["layers"]]
    assert "sector_computed" in ids and "sector_picture" in ids
    text = " ".join(m.value for m in at.markdown)
    assert "European Russia (with Kaliningrad): territory (population) defended" in text
    assert "Russia's sectoral proposal" in text and "General Staff" in text
    # Legend rows name both drawings with their shares.
    assert "sector (computed): " in text and "of NATO Europe" in text
    assert not [w for w in at.warning if "region" in w.value or "sector" in w.value]
    assert at.selectbox(key="sector").value == "both"
    assert at.selectbox(key="region").value == "russia"


def test_exports__carry_both_drawings_with_legend_and_title(catalogue):
    from coverage.products.mapdata import MapState, compute_map
    from coverage.render.export import render
    from coverage.render.gis import feature_frames, to_geojson
    from coverage.style import share_text

    state = MapState(
        FootprintOptions(year=2016),
        sector="both",
        layers=frozenset({"nato", "sites"}),
        launch_area="tabriz",
    )
    data = compute_map(catalogue, state)
    assert "General Staff" in data.assumptions
    # The subtitle gives both drawings' shares, as the legend does (it named only the drawing),
    # written as the headline writes a share.
    assert data.subtitle.endswith(
        " · Russia's sector, of NATO Europe: computed 15 % · General Staff (May 2012) 11 % "
        "(8.6-14 %)"
    ), data.subtitle
    share = share_text(data.sectoral_answer.share)
    p = data.sectoral_answer.picture_share
    assert f"computed {share} · " in data.subtitle and share_text(p["nominal"]) == "11 %"
    frames = feature_frames(data)
    assert set(frames["sectoral"].kind) == {"sector_computed", "sector_picture"}
    payload = json.loads(to_geojson(data))
    kinds = {f["properties"].get("kind") for f in payload["features"]}
    assert {"sector_computed", "sector_picture"} <= kinds
    svg = render(data, fmt="svg").decode("utf-8")
    assert "sector (computed): 15 %" in svg.replace("Russia&#x27;s ", "").replace("Russia's ", "")
    assert "General Staff" in svg
