"""GIS exports: GeoJSON/GeoPackage round trips, KML time spans and escaping, KMZ, CSV."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from PIL import Image

from coverage.catalogue.schema import DataError
from coverage.catalogue.tables import DATA_DIR, Catalogue, load_catalogue
from coverage.products.mapdata import (
    ANSWER_LAYERS,
    DEFAULT_LAYERS,
    MapData,
    MapState,
    compute_map,
    map_series,
)
from coverage.render import gis, qml
from coverage.scenario import FIRST_YEAR, LAST_YEAR, FootprintOptions
from coverage.style import LAYER_STYLES


def _kml(
    catalogue: Catalogue, state: MapState, years: list[int] | tuple[int, ...] | None = None
) -> bytes:
    """KML of ``state`` over ``years`` (default: its own year), as the CLI and dashboard build it."""
    years = [state.options.year] if years is None else years
    return gis.kml_from_series(catalogue, map_series(catalogue, state, years))


NS = {"k": gis.KML_NS}
SERIES = range(FIRST_YEAR, LAST_YEAR + 1)
FOOTPRINT_FOLDERS = (LAYER_STYLES["radar"].title, LAYER_STYLES["interceptor"].title)


@pytest.fixture(scope="module")
def data_2016(catalogue: Catalogue) -> MapData:
    return compute_map(
        catalogue, MapState(FootprintOptions(year=2016), layers=DEFAULT_LAYERS | {"early_warning"})
    )


@pytest.fixture(scope="module")
def kml_actual(catalogue: Catalogue) -> ET.Element:
    state = MapState(FootprintOptions(year=2016, scenario="actual"))
    return ET.fromstring(_kml(catalogue, state, SERIES))


def _placemarks(root: ET.Element, folder_titles: tuple[str, ...]) -> list[ET.Element]:
    out = []
    for folder in root.iter(f"{{{gis.KML_NS}}}Folder"):
        if folder.findtext("k:name", namespaces=NS) in folder_titles:
            out += folder.findall("k:Placemark", NS)
    return out


def _data(pm: ET.Element, name: str) -> str | None:
    for d in pm.iter(f"{{{gis.KML_NS}}}Data"):
        if d.get("name") == name:
            return d.findtext("k:value", namespaces=NS)
    return None


def test_feature_frames__only_drawn_thematic_layers(data_2016: MapData) -> None:
    frames = gis.feature_frames(data_2016)
    assert list(frames) == ["nato", "early_warning", "radar", "interceptor", "launch", "sites"]
    # The year's members: the shares' denominators (a GIS trial could not recompute a share).
    nato = frames["nato"]
    assert len(nato) == 26 and nato.area_km2.dtype == float and nato.iso3.is_unique
    assert nato.population.sum() > 5e8 and (nato.joined_year <= 2016).all()
    # The launch points' confidence is a field, as the footprints' is (was only in the label).
    assert set(frames["launch"].confidence) <= {"High", "Medium", "Low"}
    for key, frame in frames.items():
        assert frame.crs.to_epsg() == 4326
        assert (frame.layer == key).all() and frame.feature_id.is_unique
        assert {
            "name",
            "label",
            "source",
            "year",
            "scenario",
            "scenario_name",
            "estimate",
            "custom",
        } <= set(frame.columns)
        for col in frame.columns.drop("geometry"):
            assert not frame[col].map(lambda v: isinstance(v, list | dict | tuple)).any(), col


def test_geojson__round_trips_through_geopandas(data_2016: MapData) -> None:
    frames = gis.feature_frames(data_2016)
    back = gpd.read_file(io.BytesIO(gis.to_geojson(data_2016)))
    assert back.crs.to_epsg() == 4326
    assert len(back) == sum(len(f) for f in frames.values())
    expected = pd.concat([f.drop(columns="geometry") for f in frames.values()], ignore_index=True)
    assert set(back.columns.drop("geometry")) == set(expected.columns)
    merged = back.set_index("feature_id").loc[expected.feature_id]
    pd.testing.assert_series_equal(
        merged.range_km.reset_index(drop=True), expected.range_km.astype(float), check_names=False
    )
    assert list(merged.name) == list(expected.name)
    assert (merged.custom == expected.custom.to_numpy()).all()
    assert (back.year == 2016).all()
    # Every site-bound feature says where its site is; a site's is its own point.
    bound = back[back.layer.isin(["sites", "radar", "interceptor"])]
    assert bound.site_lon_deg.notna().all() and bound.site_lat_deg.notna().all()
    sites = back[back.layer == "sites"]
    assert np.allclose(sites.site_lon_deg, sites.geometry.x, atol=1e-5)


def test_geojson_and_geopackage__capitals_with_their_status(
    catalogue: Catalogue, data_2016: MapData, tmp_path: Path
) -> None:
    from coverage.products.headline import headline

    caps = headline(catalogue, data_2016.state).capitals
    back = gpd.read_file(io.BytesIO(gis.to_geojson(data_2016, caps)))
    got = back[back.layer == "capitals"].set_index("name")
    assert len(got) == len(caps) and got.loc["Bucharest", "status"] == "defended"
    assert got.loc["Berlin", "status"] == "not defended"
    assert got.geometry.x.loc["Bucharest"] == pytest.approx(26.1, abs=0.1)
    assert "capitals" not in set(gpd.read_file(io.BytesIO(gis.to_geojson(data_2016))).layer)
    path = tmp_path / "c.gpkg"
    path.write_bytes(gis.to_geopackage(data_2016, caps))
    table = gpd.read_file(path, layer="capitals")
    assert (table.status == "defended").sum() == (caps.status == "defended").sum()
    assert "Bucharest" in gis.features_csv(data_2016, capitals=caps).decode("utf-8-sig")


def test_geojson_and_geopackage__beside_a_comparison_each_capital_says_what_b_does(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    """2016 vs 2024: the capitals' ``change_in_b`` and the compare layer's ``capitals_changed``.

    The dashboard and the slides ring the capitals B gains or loses; the GIS files said only A's
    status (session 36's note), so a QGIS user could not tell Warsaw's gain from the files.
    """
    from coverage.products.compare import Variation
    from coverage.products.headline import headline

    data = compute_map(
        catalogue, MapState(FootprintOptions(year=2016), compare=Variation(year=2024))
    )
    assert data.comparison is not None
    gained = set(data.comparison.capitals_gained)
    assert "Warsaw" in gained and not data.comparison.capitals_lost
    caps = headline(catalogue, data.state).capitals
    path = tmp_path / "c.gpkg"
    path.write_bytes(gis.to_geopackage(data, caps))
    for back in (
        gpd.read_file(io.BytesIO(gis.to_geojson(data, caps))).query("layer == 'capitals'"),
        gpd.read_file(path, layer="capitals"),
    ):
        got = back.set_index("name")
        assert got.loc["Warsaw", "status"] == "not defended"  # A's status, as the dot
        assert got.loc["Warsaw", "change_in_b"] == "gained"
        assert got.loc["Warsaw", "label"].endswith("; gained in B")
        assert got.loc["Bucharest", "change_in_b"] == "none"  # defended in both
        assert set(got.index[got.change_in_b == "gained"]) == gained & set(caps.name)
        assert set(got.change_in_b) <= {"gained", "lost", "none"}
        assert not got.member_one_year_only.any()  # A's 26 are members in 2024 too
    compare = gpd.read_file(path, layer="compare").set_index("kind")
    assert set(compare.capitals_changed["gained"].split("; ")) == gained
    assert "lost" not in compare.index  # no ground lost: no feature
    assert compare.capitals_changed.isna()["both"]  # ground kept, not a change
    # Reversed, 2024 "loses" Helsinki: Finland was not a member in 2016 (the slide's asterisk).
    back = compute_map(
        catalogue, MapState(FootprintOptions(year=2024), compare=Variation(year=2016))
    )
    rev = gis.feature_frames(back, headline(catalogue, back.state).capitals)["capitals"]
    helsinki = rev.set_index("name").loc["Helsinki"]
    assert helsinki.change_in_b == "lost" and helsinki.member_one_year_only
    assert helsinki.label.endswith("lost in B (a NATO member in only one of the two years)")
    # The members' layer holds the members of either year, each saying in which (the compare
    # layer's shares are of these 30; it held A's 26).
    nato = gpd.read_file(path, layer="nato").set_index("name")
    assert len(nato) == data.comparison.members_either == 30
    assert set(nato.index[nato.member_in == "B only"]) == {
        "Finland",
        "Montenegro",
        "North Macedonia",
        "Sweden",
    }
    assert (nato.member_in == "A and B").sum() == data.comparison.members_a == 26
    # Every record says B's state beside A's (year, scenario, estimate): a member of B's year
    # only read 2016 in `year` with nothing beside it (session 39's note).
    written = [name for name, _ in pyogrio.list_layers(path) if name != qml.STYLE_TABLE]
    assert {"nato", "capitals", "compare", "sites"} <= set(written)
    for layer in written:
        frame = gpd.read_file(path, layer=layer)
        assert set(frame.year) == {2016} and set(frame.vs_year) == {2024}, layer
        assert set(frame.vs_scenario) == {"actual"} and set(frame.vs_estimate) == {"nominal"}
        # The scenario in the page's words beside its id (GIS trial, session 40: "actual").
        assert set(frame.scenario_name) == set(frame.vs_scenario_name) == {"as built"}
        cols = list(frame.columns)
        assert cols[cols.index("scenario") + 1] == "scenario_name"
        assert cols[cols.index("estimate") + 1 : cols.index("estimate") + 6] == [
            "vs_year",
            "vs_scenario",
            "vs_scenario_name",
            "vs_estimate",
            "vs_label",
        ]
        assert set(frame.vs_label) == {data.comparison.label_b}
    rev_nato = gis.feature_frames(back)["nato"].set_index("name")
    assert rev_nato.loc["Sweden", "member_in"] == "A only"  # A is 2024 here
    # A comparison of one year (another scenario): every member in both, said so (a review).
    same = compute_map(
        catalogue, MapState(FootprintOptions(year=2018), compare=Variation(scenario="planned"))
    )
    assert set(gis.feature_frames(same)["nato"].member_in) == {"A and B"}
    # Without a comparison, no such column.
    plain = gis.feature_frames(compute_map(catalogue, MapState(FootprintOptions(year=2016))), caps)
    assert "change_in_b" not in plain["capitals"].columns
    assert "member_in" not in plain["nato"].columns and len(plain["nato"]) == 26
    assert not {"vs_year", "vs_scenario", "vs_estimate", "vs_label"} & set(plain["nato"].columns)


def test_geojson_geopackage_csv__the_headline_numbers_on_the_defended_area(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    """The answer's shares and capitals as fields and in words, not only in a long label.

    A GIS trial (session 37) found "16 % of territory, 6 of 26 capitals" in no file.
    """
    from coverage.products.headline import headline

    state = MapState(
        FootprintOptions(year=2016), layers=DEFAULT_LAYERS | ANSWER_LAYERS, uncertainty_band=True
    )
    data, answer = compute_map(catalogue, state), headline(catalogue, state)
    fields = gis.answer_fields(answer)
    assert fields["capitals_total"] == 26 and 0.0 < fields["territory_share"] < 1.0
    payload = json.loads(gis.to_geojson(data, answer.capitals, answer=answer))
    assert payload["answer"] == fields and payload["headline"] == answer.text()
    # Counts are whole numbers in the file, wherever another feature lacks them (6.0, 9524.0
    # and 741636.0 were written: a GIS trial and a review, session 37).
    props = [f["properties"] for f in payload["features"]]
    answered = next(p for p in props if p["feature_id"] == "defended:all:nominal")
    assert type(answered["capitals_defended"]) is int and type(answered["capitals_total"]) is int
    assert all(type(p["population"]) is int for p in props if p["layer"] == "capitals")
    # The members' areas are of the polygons drawn: France without its overseas (a review).
    nato = {p["iso3"]: p["area_km2"] for p in props if p["layer"] == "nato"}
    assert nato["FRA"] == pytest.approx(547_065, rel=1e-3)
    back = gpd.read_file(io.BytesIO(gis.to_geojson(data, answer=answer)))
    defended = back[back.layer == "defended"].set_index("feature_id")
    row = defended.loc["defended:all:nominal"]
    assert row.territory_share == pytest.approx(answer.area_share, abs=1e-4)
    assert row.capitals_defended == answer.capitals_defended
    # The band's low and high areas are not the headline's; a site's own area neither.
    assert defended.drop(index="defended:all:nominal").territory_share.isna().all()
    assert defended.estimate["defended:all:low"] == "low"  # its own, not the state's
    path = tmp_path / "a.gpkg"
    path.write_bytes(gis.to_geopackage(data, answer=answer))
    table = gpd.read_file(path, layer="defended")
    nominal = table[table.feature_id == "defended:all:nominal"].iloc[0]
    assert nominal.capitals_total == 26 and nominal.population_share == fields["population_share"]
    described = pyogrio.read_info(path, layer="defended")
    assert answer.shares_text() in str(described)
    text = gis.features_csv(data, answer=answer).decode("utf-8-sig")
    assert "territory_share" in text.splitlines()[0]
    # Without an answer, no such fields.
    assert "territory_share" not in gis.feature_frames(data)["defended"].columns


def test_geojson_geopackage_csv__major_cities_with_their_status(
    catalogue: Catalogue, data_2016: MapData, tmp_path: Path
) -> None:
    from coverage.products.headline import headline, major_cities

    caps = headline(catalogue, data_2016.state).capitals
    cities = major_cities(catalogue, data_2016.state)
    back = gpd.read_file(io.BytesIO(gis.to_geojson(data_2016, caps, cities)))
    got = back[back.layer == "cities"]
    assert len(got) == len(cities) and got.feature_id.is_unique
    assert list(got.status) == list(cities.status) and list(got.name) == list(cities.name)
    path = tmp_path / "c.gpkg"
    path.write_bytes(gis.to_geopackage(data_2016, caps, cities))
    assert len(gpd.read_file(path, layer="cities")) == len(cities)
    text = gis.features_csv(data_2016, capitals=caps, cities=cities).decode("utf-8-sig")
    assert str(cities.name.iloc[0]) in text
    # Each city with its reason, as each capital (the files are written with them).
    from coverage.products.headline import cities_with_reasons

    why = cities_with_reasons(cities, catalogue, data_2016.state)
    back = gpd.read_file(io.BytesIO(gis.to_geojson(data_2016, caps, why)))
    got = back[back.layer == "cities"]
    assert list(got.why) == list(why.why) and got.why.str.len().min() > 20
    assert set(gpd.read_file(path, layer="capitals").columns) >= {"why"}


def test_geopackage__one_table_per_layer_round_trips(data_2016: MapData, tmp_path: Path) -> None:
    frames = gis.feature_frames(data_2016)
    path = tmp_path / "coverage.gpkg"
    path.write_bytes(gis.to_geopackage(data_2016))
    assert sorted(pyogrio.list_layers(path)[:, 0]) == sorted([*frames, qml.STYLE_TABLE])
    for key, frame in frames.items():
        back = gpd.read_file(path, layer=key)
        assert back.crs.to_epsg() == 4326 and len(back) == len(frame), key
        assert set(frame.columns) == set(back.columns), key
        assert list(back.feature_id) == list(frame.feature_id)
        assert back.geometry.geom_equals(frame.geometry).all(), key


def test_kml__one_timespan_per_footprint_placemark_no_duplicates(
    catalogue: Catalogue, kml_actual: ET.Element
) -> None:
    placemarks = _placemarks(kml_actual, FOOTPRINT_FOLDERS)
    state = MapState(FootprintOptions(year=2016, scenario="actual"))
    ids = set()
    for data in map_series(catalogue, state, SERIES):
        ids |= set(data.footprints.feature_id)
    assert len(placemarks) == len(ids)
    assert {_data(pm, "feature_id") for pm in placemarks} == ids
    for pm in placemarks:
        assert len(pm.findall("k:TimeSpan", NS)) == 1


def test_kml__as_built_activation_dates(kml_actual: ET.Element) -> None:
    begins = {
        _data(pm, "feature_id"): pm.findtext("k:TimeSpan/k:begin", namespaces=NS)
        for pm in _placemarks(kml_actual, FOOTPRINT_FOLDERS)
    }
    assert begins["radar:deveselu_radar"] == "2016-05-12"
    assert begins["interceptor:deveselu_sm3_ib"] == "2016-05-12"
    assert begins["radar:kurecik_radar"] == "2012-01-01"
    assert begins["radar:redzikowo_radar"] == "2024-07-10"


def test_kml__planned_years_and_end_dates(catalogue: Catalogue) -> None:
    state = MapState(FootprintOptions(year=2016, scenario="planned"))
    root = ET.fromstring(_kml(catalogue, state, SERIES))
    spans = {
        _data(pm, "feature_id"): (
            pm.findtext("k:TimeSpan/k:begin", namespaces=NS),
            pm.findtext("k:TimeSpan/k:end", namespaces=NS),
        )
        for pm in _placemarks(root, FOOTPRINT_FOLDERS)
    }
    assert spans["radar:deveselu_radar"] == ("2015", None)
    assert spans["interceptor:med_east_sm3_ia"] == ("2011", "2014-12-31")
    assert spans["interceptor:redzikowo_sm3_iib"] == ("2020", None)


def test_kml__one_year_ends_every_placemark_with_its_year(catalogue: Catalogue) -> None:
    """A file of 2016 alone: rings and sites end on 31 December 2016, as its defended area does.

    They stayed open, and past 2016 Google Earth showed rings with no defended area (GIS
    trial, session 37). A series to the data's last year stays open at its end.
    """
    state = MapState(FootprintOptions(year=2016), layers=DEFAULT_LAYERS | ANSWER_LAYERS)
    root = ET.fromstring(_kml(catalogue, state))
    titles = (*FOOTPRINT_FOLDERS, LAYER_STYLES["sites"].title, LAYER_STYLES["defended"].title)
    placemarks = _placemarks(root, titles)
    assert len(placemarks) > 10
    ends = {pm.findtext("k:TimeSpan/k:end", namespaces=NS) for pm in placemarks}
    assert ends == {"2016-12-31"}, ends
    # A series to 2013: every ring ends with it (Med East's planned end, 2014, comes after).
    planned = ET.fromstring(
        _kml(catalogue, MapState(FootprintOptions(year=2012, scenario="planned")), [2012, 2013])
    )
    assert {
        pm.findtext("k:TimeSpan/k:end", namespaces=NS)
        for pm in _placemarks(planned, FOOTPRINT_FOLDERS)
    } == {"2013-12-31"}
    rollout = ET.fromstring(_kml(catalogue, state, SERIES))
    open_ended = [
        pm
        for pm in _placemarks(rollout, FOOTPRINT_FOLDERS)
        if pm.find("k:TimeSpan/k:end", NS) is None
    ]
    assert open_ended  # still in service at the data's end


def test_kml__styles_use_the_dashboard_colours(kml_actual: ET.Element) -> None:
    styles = {s.get("id"): s for s in kml_actual.iter(f"{{{gis.KML_NS}}}Style")}
    for key in ("radar", "interceptor"):
        colour = styles[key].findtext("k:LineStyle/k:color", namespaces=NS)
        assert colour == gis.kml_colour(LAYER_STYLES[key].colour)
    assert styles["interceptor"].findtext("k:PolyStyle/k:fill", namespaces=NS) == "0"
    assert gis.kml_colour("#0072B2", 0.5) == "80b27200"


def test_kml__user_text_is_escaped(catalogue: Catalogue) -> None:
    hostile = "<script>alert(1)</script> & <b>Co</b>"
    sites = catalogue.sites.copy()
    sites.loc[sites.site_id == "deveselu", "name"] = hostile
    evil = replace(catalogue, sites=sites, custom_site_ids=frozenset({"deveselu"}))
    kml = _kml(evil, MapState(FootprintOptions(year=2016)))
    assert b"<script>" not in kml and b"<b>Co" not in kml
    root = ET.fromstring(kml)
    sites_pm = _placemarks(root, (LAYER_STYLES["sites"].title,))
    pm = next(p for p in sites_pm if _data(p, "site_id") == "deveselu")
    assert pm.findtext("k:name", namespaces=NS) == hostile + " (custom)"  # plain text element
    description = pm.findtext("k:description", namespaces=NS)
    assert description is not None
    assert (
        "<script>" not in description and "&lt;script&gt;" in description
    )  # HTML-escaped in the balloon


def test_kmz__zip_with_doc_kml(catalogue: Catalogue) -> None:
    kmz = gis.kmz_from_kml(_kml(catalogue, MapState(FootprintOptions(year=2016)), [2016, 2017]))
    with zipfile.ZipFile(io.BytesIO(kmz)) as zf:
        assert zf.namelist()[0] == "doc.kml"
        root = ET.fromstring(zf.read("doc.kml"))
    assert root.tag == f"{{{gis.KML_NS}}}kml"


def test_kml__rejects_empty_years(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="years is empty"):
        _kml(catalogue, MapState(FootprintOptions(year=2016)), [])


def test_metrics_csv__round_trip_and_formula_guard() -> None:
    table = pd.DataFrame(
        {
            "site": ["Kürecik", '=HYPERLINK("http://x")', "@cmd", "-5", "plain"],
            "area_km2": [1.5, 2.0, -3.0, 4.0, 5.0],
        }
    )
    raw = gis.metrics_csv(table)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype={"site": str})
    assert list(back.columns) == ["site", "area_km2"]
    assert list(back.site) == ["Kürecik", '\'=HYPERLINK("http://x")', "'@cmd", "-5", "plain"]
    assert list(back.area_km2) == [1.5, 2.0, -3.0, 4.0, 5.0]
    assert not gis.metrics_csv(table, excel_bom=False).startswith(b"\xef\xbb\xbf")


def test_features_csv__one_row_per_feature(data_2016: MapData) -> None:
    back = pd.read_csv(io.BytesIO(gis.features_csv(data_2016)), encoding="utf-8-sig")
    assert len(back) == sum(len(f) for f in gis.feature_frames(data_2016).values())
    assert "geometry" not in back.columns
    # Every point has lon_deg / lat_deg, so QGIS's delimited-text reader places them all
    # (sites had only site_lon_deg, launch points nothing: a GIS trial, session 42); areas none.
    frames = gis.feature_frames(data_2016)
    points = back[back.layer.isin(["sites", "launch"])]
    assert len(points) == len(frames["sites"]) + len(frames["launch"])
    assert points[["lon_deg", "lat_deg"]].notna().all().all()
    tabriz = points.set_index("name").loc["Tabriz"]
    geom = frames["launch"].set_index("name").geometry["Tabriz"]
    assert (tabriz.lon_deg, tabriz.lat_deg) == (round(geom.x, 6), round(geom.y, 6))
    deveselu = points[points.name.str.contains("Deveselu")].iloc[0]
    assert deveselu.lon_deg == pytest.approx(deveselu.site_lon_deg, abs=1e-6)
    assert back[back.layer == "radar"].lon_deg.isna().all()


# ----------------------------------------------------------------------------- issue 12 fixes


def _outside_urls(text: str) -> list[str]:
    """Every URL in ``text`` except the XML namespaces a KML file must declare."""
    allowed = {gis.KML_NS, "http://www.w3.org/2005/Atom", "http://www.google.com/kml/ext/2.2"}
    urls = re.findall(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+", text)
    return [u for u in urls if u not in allowed]


def test_kmz__icons_inside_and_no_outside_url(catalogue: Catalogue) -> None:
    state = MapState(FootprintOptions(year=2016), layers=DEFAULT_LAYERS | {"defended"})
    kmz = gis.kmz_from_kml(_kml(catalogue, state, [2015, 2016]))
    with zipfile.ZipFile(io.BytesIO(kmz)) as zf:
        names = zf.namelist()
        assert names[0] == "doc.kml" and gis.ICON_PATH in names
        icon = zf.read(gis.ICON_PATH)
        doc = zf.read("doc.kml").decode("utf-8")
    hrefs = set(re.findall(r"<href>(.*?)</href>", doc))
    assert hrefs == {gis.ICON_PATH}  # every style's icon is the one shipped in the archive
    assert _outside_urls(doc) == []
    img = Image.open(io.BytesIO(icon))
    assert img.size == (32, 32) and img.mode == "RGBA"
    alpha = np.asarray(img)[..., 3]
    assert alpha[16, 16] == 255 and alpha[0, 0] == 0  # a disc on a transparent square


def test_every_export__no_outside_url(catalogue: Catalogue) -> None:
    from coverage.render import export

    state = MapState(FootprintOptions(year=2016), layers=DEFAULT_LAYERS | {"defended"})
    data = compute_map(catalogue, state)
    small = {"width_px": 640, "height_px": 360}
    files = {
        "png": export.render(data, fmt="png", **small),
        "svg": export.render(data, fmt="svg", **small),
        "pdf": export.render(data, fmt="pdf", **small),
        "geojson": gis.to_geojson(data),
        "csv": gis.features_csv(data),
        "kml (bare)": gis.kml_from_series(catalogue, [data], icon_href=None),
        "gpkg": gis.to_geopackage(data),
    }
    # The SVG declares its XML namespaces (identifiers, never fetched).
    svg_ns = {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
        "http://purl.org/dc/elements/1.1/",
        "http://creativecommons.org/ns#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    }
    for name, payload in files.items():
        text = payload.decode("latin-1")  # binary formats too: any URL would be ASCII
        # GeoPackage names its R-tree extension by the standard's URL (an identifier).
        found = [
            u for u in _outside_urls(text) if u not in svg_ns and "geopackage.org/spec" not in u
        ]
        assert found == [], f"{name} refers to {found}"
    assert b"<href>" not in files["kml (bare)"]  # Google Earth's own pushpin, nothing fetched


def test_kml__defended_areas_begin_at_activation_dates(catalogue: Catalogue) -> None:
    state = MapState(FootprintOptions(year=2014), layers=frozenset({"defended"}))
    root = ET.fromstring(_kml(catalogue, state, [2014, 2015, 2016, 2017]))
    spans = {}
    for pm in _placemarks(root, (LAYER_STYLES["defended"].title,)):
        if _data(pm, "feature_id") == "defended:all":
            spans[pm.findtext("k:TimeSpan/k:begin", namespaces=NS)] = pm.findtext(
                "k:TimeSpan/k:end", namespaces=NS
            )
    # Deveselu (12 May 2016) adds ground in 2016: the 2016 area holds from that day, and the
    # 2015 area until then, so January 2016 shows no Deveselu coverage.
    assert spans["2016-05-12"] == "2017-01-01"
    assert spans["2015-01-01"] == "2016-05-12"
    assert spans["2014-02-11"] == "2015-01-01"  # the first Rota destroyer
    assert spans["2017-01-01"] == "2017-12-31"  # the series ends before the data does


def test_kml__rollout_names_each_years_area_and_its_assumptions_by_years(
    catalogue: Catalogue,
) -> None:
    # A 2011-2026 KMZ: the yearly defended areas were all named "All sites", and the
    # document's assumptions were 2011's ("no engage on remote yet") for every year.
    state = MapState(FootprintOptions(year=2023), layers=frozenset({"defended"}))
    root = ET.fromstring(_kml(catalogue, state, [2023, 2024]))
    names = {
        pm.findtext("k:name", namespaces=NS)
        for pm in _placemarks(root, (LAYER_STYLES["defended"].title,))
        if _data(pm, "feature_id") == "defended:all"
    }
    assert names == {"2023: All sites", "2024: All sites"}, names
    text = root.findtext("k:Document/k:description", namespaces=NS)
    assert "Assumptions, 2023" in text and "Assumptions, 2024" in text, text
    assert "no engage on remote yet" in text and "engage on remote (from 10 Jul 2024" in text
    # One year, or years that share their assumptions: one row, as before.
    one = ET.fromstring(_kml(catalogue, state, [2023]))
    assert "Assumptions, 2023" not in one.findtext("k:Document/k:description", namespaces=NS)


def test_geopackage__defended_is_one_dissolved_polygon(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    data = compute_map(
        catalogue, MapState(FootprintOptions(year=2016), layers=frozenset({"defended"}))
    )
    path = tmp_path / "defended.gpkg"
    path.write_bytes(gis.to_geopackage(data))
    union = gpd.read_file(path, layer="defended")
    assert len(union) == 1 and union.geom_type.iloc[0] == "MultiPolygon"
    assert union.site_id.iloc[0] == "all"
    sites = gpd.read_file(path, layer="defended_sites")
    assert (sites.layer == "defended_sites").all()  # the table's name, not "defended"
    assert len(sites) >= 2 and "all" not in set(sites.site_id)
    # The union covers every site's area (the per-site cells dissolved into one polygon).
    whole = union.geometry.iloc[0]
    for geom in sites.geometry:
        if geom is not None and not geom.is_empty:
            assert geom.difference(whole).area < 1e-3 * geom.area


def test_kml__capitals_by_status_each_year_timed_as_the_defended_area(
    catalogue: Catalogue,
) -> None:
    from coverage.products.headline import capitals_by_year, headline
    from coverage.style import STATUS_COLOURS

    state = MapState(FootprintOptions(year=2015), layers=frozenset({"defended"}))
    series = map_series(catalogue, state, [2015, 2016])
    caps = capitals_by_year(catalogue, series)
    # The same capitals and statuses as the year's headline.
    pd.testing.assert_frame_equal(caps[2016], headline(catalogue, series[1].state).capitals)
    root = ET.fromstring(gis.kml_from_series(catalogue, series, capitals=caps))
    marks = _placemarks(root, ("Capitals",))
    assert len(marks) == len(caps[2015]) + len(caps[2016])
    by_begin: dict[str, dict[str, str]] = {}
    for pm in marks:
        begin = pm.findtext("k:TimeSpan/k:begin", namespaces=NS)
        name, status = pm.findtext("k:name", namespaces=NS).rsplit(": ", 1)
        by_begin.setdefault(begin, {})[name] = status
        assert pm.findtext("k:styleUrl", namespaces=NS) == "#capital_" + status.replace(" ", "_")
    # Bucharest is defended from Deveselu's activation (12 May 2016), not from 1 January.
    assert by_begin["2016-05-12"]["Bucharest"] == "defended"
    assert by_begin["2015-01-01"]["Bucharest"] != "defended"
    styles = {s.get("id"): s for s in root.iter(f"{{{gis.KML_NS}}}Style")}
    colour = styles["capital_defended"].findtext("k:IconStyle/k:color", namespaces=NS)
    assert colour == gis.kml_colour(STATUS_COLOURS["defended"], 1.0)
    # Without capitals, no folder.
    assert not _placemarks(ET.fromstring(gis.kml_from_series(catalogue, series)), ("Capitals",))


def test_kml__major_cities_by_status_each_year_smaller_than_the_capitals(
    catalogue: Catalogue,
) -> None:
    from coverage.products.headline import capitals_by_year, cities_by_year

    state = MapState(FootprintOptions(year=2015), layers=frozenset({"defended"}))
    series = map_series(catalogue, state, [2015, 2016])
    caps, cities = capitals_by_year(catalogue, series), cities_by_year(catalogue, series)
    root = ET.fromstring(gis.kml_from_series(catalogue, series, capitals=caps, cities=cities))
    marks = _placemarks(root, ("Major cities (1 M+)",))
    assert len(marks) == len(cities[2015]) + len(cities[2016]) > 0
    for pm in marks:
        status = pm.findtext("k:name", namespaces=NS).rsplit(": ", 1)[1]
        assert pm.findtext("k:styleUrl", namespaces=NS) == "#city_" + status.replace(" ", "_")
        # Each city's reason, as each capital's (it was the capitals' alone).
        why = pm.find("k:ExtendedData/k:Data[@name='why']/k:value", NS)
        start = {"defended": "Defended", "not defended": "Not defended"}.get(status, "Out of")
        assert why is not None and why.text.startswith(start), (status, why)
    # The capitals' reasons too, in the data and in the balloon Google Earth shows.
    for pm in _placemarks(root, (gis._PLACE_TITLES["capitals"],)):
        why = pm.findtext("k:ExtendedData/k:Data[@name='why']/k:value", namespaces=NS)
        assert why and why[:40] in pm.findtext("k:description", namespaces=NS), why
    # Every placemark's scenario, as an id and in the page's words ("actual" is "as built").
    every = list(root.iter(f"{{{gis.KML_NS}}}Placemark"))
    assert every
    for pm in every:
        data = {
            d.get("name"): d.findtext("k:value", namespaces=NS)
            for d in pm.iterfind("k:ExtendedData/k:Data", NS)
        }
        assert (data["scenario"], data["scenario_name"]) == ("actual", "as built"), data
    styles = {s.get("id"): s for s in root.iter(f"{{{gis.KML_NS}}}Style")}

    def scale(style_id: str) -> float:
        return float(styles[style_id].findtext("k:IconStyle/k:scale", namespaces=NS))

    assert scale("city_defended") < scale("capital_defended")
    # Every placemark's style is one the document defines.
    urls = {u.text for u in root.iter(f"{{{gis.KML_NS}}}styleUrl")}
    assert urls and {u.lstrip("#") for u in urls if u} <= set(styles)


def test_map_kmz__this_maps_layers_and_capitals_for_its_year(catalogue: Catalogue) -> None:
    """The dashboard's "KMZ (this map)": one map's layers and capitals, timed in its year."""
    from coverage.products.headline import headline
    from dashboard.exports import map_kmz

    state = MapState(FootprintOptions(year=2024), layers=DEFAULT_LAYERS | {"defended"})
    capitals = headline(catalogue, state).capitals
    kmz = map_kmz(catalogue, compute_map(catalogue, state), capitals)
    with zipfile.ZipFile(io.BytesIO(kmz)) as zf:
        assert zf.namelist() == ["doc.kml", gis.ICON_PATH]
        doc = zf.read("doc.kml").decode("utf-8")
    assert _outside_urls(doc) == []
    root = ET.fromstring(doc)
    ns = {"k": gis.KML_NS}
    names = [n.text for n in root.iterfind(".//k:Placemark/k:name", ns)]
    assert "All sites" in names  # the year's defended area (one year: no year in its name)
    assert not [n for n in names if n and re.match(r"20\d\d: ", n)]
    folders = {f.findtext("k:name", namespaces=ns): f for f in root.iterfind(".//k:Folder", ns)}
    assert len(folders["Capitals"].findall("k:Placemark", ns)) == len(capitals)
    # The panel's cities (its Major cities switch on) go into the same KMZ, a folder of their own.
    from coverage.products.headline import major_cities

    cities = major_cities(catalogue, state)
    with_cities = map_kmz(catalogue, compute_map(catalogue, state), capitals, cities)
    with zipfile.ZipFile(io.BytesIO(with_cities)) as zf:
        root_c = ET.fromstring(zf.read("doc.kml"))
    folders_c = {f.findtext("k:name", namespaces=ns): f for f in root_c.iterfind(".//k:Folder", ns)}
    assert len(folders_c["Major cities (1 M+)"].findall("k:Placemark", ns)) == len(cities)
    assert "Major cities (1 M+)" not in folders
    # The defended area holds from the year's latest activation: Redzikowo, 10 Jul 2024.
    area = next(
        p
        for p in root.iterfind(".//k:Placemark", ns)
        if p.findtext("k:name", namespaces=ns) == "All sites"
    )
    assert area.findtext("k:TimeSpan/k:begin", namespaces=ns) == "2024-07-10"
    # Each site's own area overlaps the union: in a folder of its own inside the union's, off
    # (Google Earth stacked the 40 % fills into darker bands that nothing explained: a trial).
    defended = folders["Defended area (physics)"]
    assert [p.findtext("k:name", namespaces=ns) for p in defended.findall("k:Placemark", ns)] == [
        "All sites"
    ]
    assert area.findtext("k:visibility", namespaces=ns) is None  # shown
    (each,) = defended.findall("k:Folder", ns)
    assert each.findtext("k:visibility", namespaces=ns) == "0"
    own = each.findall("k:Placemark", ns)
    assert len(own) == 5 and all(p.findtext("k:visibility", namespaces=ns) == "0" for p in own)


def test_map_kmz__a_what_if_map_says_so_and_a_comparison_holds_its_ground(
    catalogue: Catalogue,
) -> None:
    """A KMZ of an edited catalogue is marked WHAT-IF, as the slides' title is (a fresh-eyes
    review: Google Earth showed it as the sourced map); a comparison's KMZ is the map on screen:
    the gained and lost ground, B's sites marked [B], the members of either year (session 41's
    trial: "KMZ (map A)" left the comparison out)."""
    from coverage.products.compare import Variation
    from dashboard.exports import map_kmz, map_kmz_name, map_kmz_words

    state = MapState(FootprintOptions(year=2016))
    edited = replace(catalogue, label="what-if: Deveselu SM-3 range edited")
    data = compute_map(edited, state)
    assert data.title.endswith("WHAT-IF (user edits)")
    with zipfile.ZipFile(io.BytesIO(map_kmz(edited, data, None))) as zf:
        root = ET.fromstring(zf.read("doc.kml"))
    name = root.findtext(f"{{{gis.KML_NS}}}Document/{{{gis.KML_NS}}}name")
    assert name is not None and name.endswith("WHAT-IF (user edits)"), name
    sourced = compute_map(catalogue, state)
    assert "WHAT-IF" not in gis.kml_from_series(catalogue, [sourced]).decode("utf-8")
    assert map_kmz_words(sourced)[0] == "KMZ (this map)"
    assert map_kmz_name(sourced) == "epaa_2016_as-built_nominal.kmz"
    compared = compute_map(
        catalogue,
        replace(
            state,
            compare=Variation(year=2024),
            sector="both",
            layers=DEFAULT_LAYERS | {"defended"},
        ),
    )
    label, help_text = map_kmz_words(compared)
    assert label == "KMZ (this map)"
    assert "gained and lost ground" in help_text and "Russia's sector" in help_text
    assert map_kmz_name(compared) == "epaa_2016_as-built_nominal_vs_2024_sector-both.kmz"
    with zipfile.ZipFile(io.BytesIO(map_kmz(catalogue, compared, None))) as zf:
        root = ET.fromstring(zf.read("doc.kml"))
    ns = {"k": gis.KML_NS}
    folders = {f.findtext("k:name", namespaces=ns): f for f in root.iterfind(".//k:Folder", ns)}

    def placemarks(folder: str) -> dict[str, ET.Element]:
        return {
            str(p.findtext("k:name", namespaces=ns)): p
            for p in folders[folder].iterfind("k:Placemark", ns)
        }

    # The comparison's ground, by kind, each in its own style (the dashboard's colours), for
    # the map's time (A's defended area's span: from Deveselu's activation, 12 May 2016).
    ground = placemarks("Comparison: A = 2016, as built, B = 2024, as built")
    styles = {p.findtext("k:styleUrl", namespaces=ns) for p in ground.values()}
    assert styles == {"#compare_gained", "#compare_both"}, styles  # nothing lost 2016 → 2024
    defined = {s.get("id"): s for s in root.iter(f"{{{gis.KML_NS}}}Style")}
    fills = {
        k: defined[k].findtext("k:PolyStyle/k:color", namespaces=ns)
        for k in ("compare_gained", "compare_lost", "compare_both", "defended")
    }
    assert len(set(fills.values())) == 4, fills
    for p in ground.values():
        assert p.findtext("k:TimeSpan/k:begin", namespaces=ns) == "2016-05-12"
        assert p.findtext("k:TimeSpan/k:end", namespaces=ns) == "2016-12-31"
    # Russia's sector, computed and pictured, each in its style.
    sector = placemarks("Russia's sectoral proposal")
    assert {p.findtext("k:styleUrl", namespaces=ns) for p in sector.values()} == {
        "#sector_computed",
        "#sector_picture",
    }
    # The comparison's ground stands for A's defended area, as on the map: A's is there, off.
    (a_area,) = placemarks("Defended area (physics)").values()
    assert a_area.findtext("k:visibility", namespaces=ns) == "0"
    # B's own Redzikowo, marked [B] as on the map, active (B's 2024 status), for the map's time.
    sites = placemarks("Missile-defence sites")
    redzikowo = next(p for n, p in sites.items() if "Redzikowo" in n)
    assert "[B]" in str(redzikowo.findtext("k:name", namespaces=ns))
    assert redzikowo.findtext("k:styleUrl", namespaces=ns) == "#site_active"
    assert redzikowo.findtext("k:TimeSpan/k:begin", namespaces=ns) == "2016-05-12"
    # The members of either year: Finland and Sweden are B's only, and say so.
    members = placemarks("NATO members in Europe, A's or B's")
    assert len(members) == 30
    assert "Finland (a member in B only)" in members and "Romania" in members
    # A site B plans and A lacks is B's too: 2012 vs 2020 as built (Redzikowo planned in 2020).
    early = compute_map(
        catalogue, MapState(FootprintOptions(year=2012), compare=Variation(year=2020))
    )
    with zipfile.ZipFile(io.BytesIO(map_kmz(catalogue, early, None))) as zf:
        early_root = ET.fromstring(zf.read("doc.kml"))
    planned = [
        p
        for p in early_root.iterfind(".//k:Placemark", ns)
        if "Redzikowo" in str(p.findtext("k:name", namespaces=ns))
    ]
    assert [p.findtext("k:styleUrl", namespaces=ns) for p in planned] == ["#site_planned"]
    frame = gis.feature_frames(early)["sites"].set_index("site_id")
    assert frame.status["redzikowo"] == "planned, not built in B only"
    frame = gis.feature_frames(compared)["sites"].set_index("site_id")
    assert frame.status["redzikowo"] == "active in B only"
    assert frame.status["deveselu"] == "active"


def test_kml__members_from_their_accession_a_rollout_without_one_maps_drawings(
    catalogue: Catalogue,
) -> None:
    """The rollout's NATO members appear on Google Earth's time slider on their day of
    accession (data/nato_members.csv's joined_date); a comparison's ground and a sector
    drawing belong to one map, so a rollout has none."""
    series = map_series(
        catalogue, MapState(FootprintOptions(year=2016), sector="both"), range(2016, 2025)
    )
    root = ET.fromstring(gis.kml_from_series(catalogue, series))
    ns = {"k": gis.KML_NS}
    folders = {f.findtext("k:name", namespaces=ns): f for f in root.iterfind(".//k:Folder", ns)}
    assert "Russia's sectoral proposal" not in folders
    members = {
        p.findtext("k:name", namespaces=ns): (
            p.findtext("k:TimeSpan/k:begin", namespaces=ns),
            p.findtext("k:TimeSpan/k:end", namespaces=ns),
        )
        for p in folders["NATO members in Europe"].iterfind("k:Placemark", ns)
    }
    assert len(members) == 30  # one placemark each, not one a year
    assert members["Finland"] == ("2023-04-04", "2024-12-31")
    assert members["Sweden"] == ("2024-03-07", "2024-12-31")
    assert members["North Macedonia"] == ("2020-03-27", "2024-12-31")
    # A member before the series from its first day: the founders' 1949 stretched Google
    # Earth's time slider over 75 years (a review).
    assert members["Belgium"] == ("2016-01-01", "2024-12-31")
    # A rollout from a comparison's page is of state A's years: the members by accession, not
    # "A's or B's" for one year, and no B site (a review: they showed in the first year only).
    from coverage.products.compare import Variation

    compared = map_series(
        catalogue,
        MapState(FootprintOptions(year=2016), compare=Variation(year=2024)),
        range(2016, 2018),
    )
    root = ET.fromstring(gis.kml_from_series(catalogue, compared))
    names = [f.findtext("k:name", namespaces=ns) for f in root.iterfind(".//k:Folder", ns)]
    assert "NATO members in Europe" in names and not any("A's or B's" in str(n) for n in names)
    assert "[B]" not in ET.tostring(root, encoding="unicode")


def test_nato_members__a_date_of_accession_outside_its_year_is_refused() -> None:
    text = (DATA_DIR / "nato_members.csv").read_text(encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_catalogue(overrides={"nato_members.csv": text.replace("2023-04-04", "2022-04-04")})
    message = str(err.value)
    assert "nato_members.csv" in message and "joined_date" in message
    assert "a date in joined_year (2023)" in message


def test_geojson__rfc7946_winding_and_six_decimals(data_2016: MapData) -> None:
    # Exterior rings ran clockwise in every file (RFC 7946's right-hand rule wants them
    # counter-clockwise, holes clockwise) and coordinates had 15-16 decimals (a fresh-eyes
    # review of the CLI's files). The shapes are the same within 1e-6 degrees.
    import shapely

    payload = json.loads(gis.to_geojson(data_2016))
    back = gpd.GeoDataFrame.from_features(payload["features"], crs="EPSG:4326")
    polygons = shapely.get_parts(back.geometry[back.geom_type.str.contains("Polygon")].values)
    assert len(polygons) > 10
    assert all(shapely.is_ccw(p.exterior) for p in polygons)
    assert all(not shapely.is_ccw(r) for p in polygons for r in p.interiors)
    text = json.dumps(payload["features"])
    assert not re.search(r"\d\.\d{7,}", text)
    assert back.geometry.is_valid.all()
    before = gis._all_features(data_2016, None)
    same = [
        a.equals_exact(shapely.orient_polygons(b, exterior_cw=False), tolerance=2e-6)
        for a, b in zip(back.geometry, before.geometry, strict=True)
        if a is not None and b is not None
    ]
    assert same and all(same)


def test_defended_labels__say_what_their_cells_are(catalogue: Catalogue) -> None:
    # "1707 of 12154 reachable cells" (14 %) read as the defended share against the headline's
    # 16.1 %: the cells cover every country of the grid, members or not, and the label says so,
    # with the area (EPSG:3035 cells are equal-area: n x 25 km x 25 km).
    data = compute_map(catalogue, MapState(FootprintOptions(year=2016), layers=ANSWER_LAYERS))
    every = data.defended[data.defended.site_id == "all"].iloc[0]
    found = re.search(r"([\d,]+) of the ([\d,]+) grid cells .*?, ([\d,]+) km²", every.label)
    assert found, every.label
    n = int(found.group(1).replace(",", ""))
    assert int(found.group(3).replace(",", "")) == n * 625
    assert "NATO member or not" in every.label and "v_bo" not in every.label


def test_tracks__named_by_the_launch_points_name(catalogue: Catalogue) -> None:
    # "tabriz → Tirana (defended)": the launch point's id; its name, as the label has it.
    state = MapState(FootprintOptions(year=2016), layers=frozenset({"tracks"}))
    names = compute_map(catalogue, state).tracks.name
    assert len(names) and all(n.startswith("Tabriz → ") for n in names), list(names)[:3]


def test_geopackage__each_table_says_what_it_is_of(data_2016: MapData, tmp_path: Path) -> None:
    # gpkg_contents had empty descriptions: a table opened in QGIS did not say its year,
    # assumptions or caveat (the GeoJSON carries them as foreign members).
    import sqlite3

    path = tmp_path / "m.gpkg"
    path.write_bytes(gis.to_geopackage(data_2016))
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT table_name, identifier, description FROM gpkg_contents"
            " WHERE data_type = 'features'"
        ).fetchall()
    assert rows
    for table, identifier, description in rows:
        assert identifier == f"{table}: {data_2016.title}"
        assert description.startswith(data_2016.title) and "Assumptions: " in description
        assert description.endswith(gis.CAVEAT)


def test_geopackage__quantities_are_numbers(catalogue: Catalogue, tmp_path: Path) -> None:
    # The defended table's range_km and target_alt_km (empty there) were stored as text.
    data = compute_map(catalogue, MapState(FootprintOptions(year=2016), layers=ANSWER_LAYERS))
    path = tmp_path / "d.gpkg"
    path.write_bytes(gis.to_geopackage(data))
    for layer in ("defended", "defended_sites", "interceptor", "radar"):
        back = gpd.read_file(path, layer=layer)
        for column in ("range_km", "target_alt_km", "site_lon_deg"):
            if column in back:
                assert back[column].dtype.kind == "f", (layer, column, back[column].dtype)


def test_feature_frames__one_attribute_rule_for_every_layer(catalogue: Catalogue) -> None:
    # A GIS user's review: sites and footprints held an ISO code in ``country`` where the
    # capitals held a name; an early-warning radar's type sat in ``system`` (an id elsewhere);
    # empty texts beside nulls; two "Aegis Ashore Poland" features (SM-3 IIA and IIB) with one
    # name; the launch layer's ids ("launch:Tabriz") did not join the defended areas' and
    # tracks' "tabriz".
    state = MapState(
        FootprintOptions(year=2020, scenario="planned"),
        layers=ANSWER_LAYERS | {"early_warning", "tracks", "launch"},
    )
    frames = gis.feature_frames(compute_map(catalogue, state))
    for key, frame in frames.items():
        for column in frame.columns.drop(["label", "source", "geometry"]):
            assert not (frame[column] == "").any(), (key, column)
        if "country" in frame:
            codes = frame.country.dropna()
            assert not codes.str.fullmatch(r"[A-Z]{3}").any(), (key, list(codes))
            assert "iso3" in frame, key
    radar = frames["radar"].set_index("site_id")
    assert radar.loc["deveselu", ["country", "iso3"]].tolist() == ["Romania", "ROU"]
    assert radar.loc["med_east", "country"] == "international waters"
    assert pd.isna(radar.loc["med_east", "iso3"])
    tracks = frames["tracks"]
    tirana = tracks[tracks.target == "Tirana"].iloc[0]
    assert (tirana.country, tirana.iso3) == ("Albania", "ALB")
    ew = frames["early_warning"]
    assert ew.system.isna().all() and ew.system_name.notna().all()
    assert "Voronezh-DM" in set(ew.system_name)
    for key in ("interceptor", "defended"):
        assert frames[key].name.is_unique, (key, list(frames[key].name))
    poland = frames["interceptor"][frames["interceptor"].site_id == "redzikowo"].name
    assert set(poland) == {
        "SM-3 Block IIA — Aegis Ashore Poland (NSF Redzikowo)",
        "SM-3 Block IIB (cancelled) — Aegis Ashore Poland (NSF Redzikowo)",
    }
    launch_ids = set(frames["launch"].point_id)
    assert set(frames["defended"].launch_area.dropna()) <= launch_ids
    assert set(tracks.launch_point) <= launch_ids
    assert "launch:tabriz" in set(frames["launch"].feature_id)


def test_file_stem__two_maps_of_one_year_get_two_names(catalogue: Catalogue) -> None:
    # A review: a comparison's or a sector map's slide downloaded as epaa_2016_actual_nominal.png,
    # the plain map's name, and overwrote it in a slides folder (or became "(1)").
    from coverage.products.compare import Variation
    from dashboard.exports import file_stem

    base = MapState(FootprintOptions(year=2016))
    states = {
        "epaa_2016_as-built_nominal": base,
        "epaa_2016_as-built_nominal_vs_2024": replace(base, compare=Variation(year=2024)),
        "epaa_2016_as-built_nominal_vs_as-planned": replace(
            base, compare=Variation(scenario="planned")
        ),
        "epaa_2016_as-built_nominal_sector-both": replace(base, sector="both"),
        "epaa_2016_as-built_nominal_shared_early_warning": replace(
            base, cooperation="shared_early_warning"
        ),
    }
    for stem, state in states.items():
        assert file_stem(state) == stem
    cue = replace(base, compare=Variation().with_query(satellite_cueing="off"))
    assert file_stem(cue) == "epaa_2016_as-built_nominal_vs_satellite_cueing-off"
    # Two slides of one year with different answers (another launch area, a choice away from
    # the defaults) had one name too (a review): the launch area and each choice are named.
    from coverage.products.mapdata import ANSWER_LAYERS

    answer = replace(base, layers=ANSWER_LAYERS)
    assert file_stem(answer) == "epaa_2016_as-built_nominal"
    chosen = replace(
        answer,
        options=FootprintOptions(year=2016, min_elevation_deg=5.0, exclude_sites={"rota"}),  # type: ignore[arg-type]
        launch_area="shahrud",
        rv_rcs_m2=0.01,
        boost_track_needs_warhead=True,
        launch_on_remote=False,
    )
    assert file_stem(chosen) == (
        "epaa_2016_as-built_nominal_shahrud_min_elevation_deg-5_exclude_sites-rota_"
        "launch_on_remote-off_rv_rcs_m2-0.01_boost_track_needs_warhead"
    )
    # The slides carry the answer line whether the defended area is drawn or not.
    assert file_stem(replace(base, launch_area="shahrud", delay_s=120.0)) == (
        "epaa_2016_as-built_nominal_shahrud_delay_s-120"
    )
    # The scenario in the page's words: a trial user looked for "as built", not "actual".
    from dashboard.exports import rollout_name

    assert file_stem(MapState(FootprintOptions(year=2018, scenario="planned"))) == (
        "epaa_2018_as-planned_nominal"
    )
    assert rollout_name("actual", "kmz") == "epaa_as-built_rollout.kmz"
    # The alternative architectures keep their codes (a review: they raised KeyError, and the
    # export panel with them).
    assert file_stem(MapState(FootprintOptions(year=2013, scenario="third_site"))) == (
        "epaa_2013_third_site_nominal"
    )
    assert file_stem(replace(base, compare=Variation(scenario="cbo_sea"))) == (
        "epaa_2016_as-built_nominal_vs_cbo_sea"
    )
    assert rollout_name("putin_2007", "gif") == "epaa_putin_2007_rollout.gif"


def test_gis__choices_away_from_the_defaults_travel_with_the_files(
    catalogue: Catalogue, data_2016: MapData, tmp_path: Path
) -> None:
    # A GIS file made with a choice that decides the answer says so where its reader looks
    # first: the GeoJSON's foreign members, the GeoPackage's table descriptions, the KML's
    # document description. Without one, the GeoJSON's list is empty and the others silent.
    import sqlite3

    state = MapState(
        FootprintOptions(year=2016), layers=frozenset({"defended"}), boost_track_needs_warhead=True
    )
    data = compute_map(catalogue, state)
    words = "boost track needs the warhead in view"
    assert json.loads(gis.to_geojson(data))["choices"] == [words]
    assert json.loads(gis.to_geojson(data_2016))["choices"] == []
    path = tmp_path / "c.gpkg"
    path.write_bytes(gis.to_geopackage(data))
    with sqlite3.connect(path) as db:
        descriptions = [
            d
            for (d,) in db.execute(
                "SELECT description FROM gpkg_contents WHERE data_type = 'features'"
            )
        ]
    assert descriptions and all(f"Changed from the defaults: {words}." in d for d in descriptions)
    text = ET.fromstring(_kml(catalogue, state)).findtext("k:Document/k:description", namespaces=NS)
    assert "Changed from the defaults" in text and words in text, text
    plain = ET.fromstring(_kml(catalogue, MapState(FootprintOptions(year=2016))))
    assert "Changed from the defaults" not in plain.findtext(
        "k:Document/k:description", namespaces=NS
    )
