"""What-if edits: form, moves, removals, CSV and GeoJSON uploads, limits, escaping, data/ kept."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from coverage.catalogue import whatif
from coverage.catalogue.tables import DATA_DIR, Catalogue, load_catalogue
from coverage.products.mapdata import DEFAULT_LAYERS, MapState, compute_map
from coverage.render.layers import build_deck
from coverage.scenario import FootprintOptions
from coverage.style import LAYER_STYLES

XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('x')</script>"
SITE_HEADER = ",".join(whatif.SITE_COLUMNS)
DEP_HEADER = ",".join(whatif.DEPLOYMENT_COLUMNS)

ALL_LAYERS = frozenset(k for k in LAYER_STYLES if k != "countries")


@pytest.fixture(scope="module")
def sourced() -> Catalogue:
    return load_catalogue()


def _snapshot(catalogue: Catalogue) -> tuple[str, str, frozenset[str]]:
    return (catalogue.sites.to_csv(), catalogue.deployments.to_csv(), catalogue.custom_site_ids)


def _gabala(**extra: object) -> dict[str, object]:
    site: dict[str, object] = {
        "name": "Gabala radar (2007 proposal)",
        "kind": "land",
        "lon_deg": 47.8027,
        "lat_deg": 40.8707,
        "elevation_m": 300,
        "system_id": "an_tpy2_fbm",
        "boresight_deg": 162,
        "year": 2012,
    }
    site.update(extra)
    return site


def _csv(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _site_row(
    site_id: str, name: str, lon: str = "20.0", lat: str = "50.0", kind: str = "land"
) -> str:
    return f"{site_id},{name},POL,{kind},{lon},{lat},100,What-if radar,CBO 2009 option,User,"


def _dep_row(dep_id: str, site_id: str, system_id: str = "spy1d", boresight: str = "") -> str:
    return f"{dep_id},{site_id},{system_id},,2012,,2012,,{boresight},,permanent,CBO 2009,User,"


def _all_data_hashes() -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(DATA_DIR.iterdir())
        if p.is_file()
    }


# --- Form, move, remove --------------------------------------------------------------------------


def test_add_site__form_adds_a_custom_site_with_user_confidence(sourced: Catalogue) -> None:
    before = _snapshot(sourced)
    result = whatif.add_site(sourced, _gabala())
    assert not result.refused and result.accepted == 1 and result.rejected == []
    cat = result.catalogue
    (new_id,) = cat.custom_site_ids
    site = cat.sites[cat.sites.site_id == new_id].iloc[0]
    assert site["name"] == "Gabala radar (2007 proposal)"
    assert site.coord_confidence == "User"
    assert site.coord_source.startswith(whatif.USER_SOURCE_PREFIX)
    deps = cat.deployments[cat.deployments.site_id == new_id]
    assert list(deps.system_id) == ["an_tpy2_fbm"]
    assert deps.confidence.tolist() == ["User"] and deps.boresight_deg.tolist() == [162.0]
    assert str(deps.planned_from_year.dtype) == "Int64"
    assert cat.digest != sourced.digest
    assert _snapshot(sourced) == before, "the sourced catalogue must never be mutated"


def test_add_site__custom_everywhere_on_the_map(sourced: Catalogue) -> None:
    cat = whatif.add_site(sourced, _gabala(system_id="spy1d,sm3_iia")).catalogue
    data = compute_map(cat, MapState(options=FootprintOptions(year=2016), layers=DEFAULT_LAYERS))
    (new_id,) = cat.custom_site_ids
    assert data.sites.set_index("site_id").loc[new_id, "custom"]
    mine = data.footprints[data.footprints.site_id == new_id]
    assert set(mine.layer) == {"radar", "interceptor"} and mine.custom.all()
    assert not data.footprints[data.footprints.site_id != new_id].custom.any()
    assert mine.source.str.startswith(whatif.USER_SOURCE_PREFIX).all()
    assert mine.confidence.eq("User").all()


def test_add_site__a_hue_of_its_own_on_the_map_and_in_images(sourced: Catalogue) -> None:
    # Issue 12 and a fresh-eyes review: what-if sites were the launch areas' pink.
    import json

    from coverage.render import export
    from coverage.render.layers import build_deck
    from coverage.style import LAYER_STYLES, STATUS_COLOURS, WHATIF_SITE_COLOUR, hex_to_rgba

    taken = {s.colour.upper() for s in LAYER_STYLES.values()}
    assert WHATIF_SITE_COLOUR.upper() not in taken | {c.upper() for c in STATUS_COLOURS.values()}
    assert export._SITE_CUSTOM == WHATIF_SITE_COLOUR
    cat = whatif.add_site(sourced, _gabala(system_id="spy1d,sm3_iia")).catalogue
    data = compute_map(cat, MapState(options=FootprintOptions(year=2016), layers=DEFAULT_LAYERS))
    spec = json.loads(build_deck(data).to_json())
    layers = {layer["id"]: layer for layer in spec["layers"]}
    fills = {d["name"]: d["fill"] for d in layers["sites"]["data"]}
    mine = next(v for k, v in fills.items() if k.startswith("Gabala"))
    assert mine == hex_to_rgba(WHATIF_SITE_COLOUR)
    assert mine[:3] != layers["launch"]["getFillColor"][:3]


def test_add_site__identical_adds_give_the_same_digest(sourced: Catalogue) -> None:
    a = whatif.add_site(sourced, _gabala()).catalogue
    b = whatif.add_site(sourced, _gabala()).catalogue
    assert a.digest == b.digest  # users with the same edits share the map cache


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("lat_deg", 95, "a number from -90 to 90"),
        ("lon_deg", -181, "a number from -180 to 180"),
        ("elevation_m", 12_000, "a number from -500 to 9000"),
        ("kind", "submarine", "one of 'land', 'port', 'ship_station', 'c2'"),
        ("system_id", "patriot_pac3", "unknown system id"),
        ("boresight_deg", 400, "a number from 0 to 360"),
        ("year", 1990, "a whole number from 2009 to 2040"),
        ("name", "x" * 121, "text of at most 120 characters"),
        ("name", "", "a value is required"),
    ],
)
def test_add_site__bad_value_is_refused_naming_field_value_and_allowed(
    sourced: Catalogue, field: str, value: object, allowed: str
) -> None:
    result = whatif.add_site(sourced, _gabala(**{field: value}))
    assert result.refused and result.accepted == 0
    assert result.catalogue is sourced
    problem = next(p for p in result.rejected if p.column == field)
    assert problem.source == "form"
    assert problem.value == str(value)
    assert allowed in problem.allowed
    assert "Nothing was changed" in result.message


def test_add_site__sector_radar_without_boresight_is_refused(sourced: Catalogue) -> None:
    site = _gabala()
    del site["boresight_deg"]
    result = whatif.add_site(sourced, site)
    assert result.refused
    assert [p.column for p in result.rejected] == ["boresight_deg"]
    assert "sector radar" in result.rejected[0].allowed


def test_move_site__sourced_site_becomes_custom_and_keeps_its_deployments(
    sourced: Catalogue,
) -> None:
    result = whatif.move_site(sourced, "deveselu", lon_deg=26.0, lat_deg=45.5)
    assert not result.refused and result.accepted == 1
    cat = result.catalogue
    site = cat.sites.set_index("site_id").loc["deveselu"]
    assert (site.lon_deg, site.lat_deg) == (26.0, 45.5)
    assert site.coord_confidence == "User" and "24.4134" in site.notes
    assert "deveselu" in cat.custom_site_ids
    deps = cat.deployments[cat.deployments.site_id == "deveselu"]
    assert len(deps) == 4 and deps.confidence.eq("User").all()  # Aegis Ashore and THAAD 2019
    fp = compute_map(cat, MapState(options=FootprintOptions(year=2020))).footprints
    moved = fp[fp.site_id == "deveselu"]
    assert moved.custom.all() and (moved.site_lon_deg == 26.0).all()
    assert sourced.sites.set_index("site_id").loc["deveselu", "lon_deg"] == 24.4134


def test_far_sites__accepted_with_a_note(sourced: Catalogue) -> None:
    """A site at the pole is allowed (lat -90..90) but the map then zooms out to hold it: the
    result says so, naming the site, where it is and the region the dashboard is about."""
    near = whatif.add_site(sourced, _gabala())
    assert near.note == ""  # Gabala (Azerbaijan) is inside the region
    far = whatif.add_site(sourced, _gabala(lat_deg=89.5, lon_deg=0.0))
    assert not far.refused and far.accepted == 1
    (new_id,) = far.catalogue.custom_site_ids
    assert far.note == (
        f"{new_id} (89.5°N 0°E) lies outside Europe and the Middle East (10°N 45°W to "
        "85°N 75°E): the map zooms out to show it, and the figures still count NATO Europe only."
    )
    moved = whatif.move_site(sourced, "rota", lon_deg=-120.0, lat_deg=35.0)
    assert not moved.refused and moved.note.startswith("rota (35°N 120°W) lies outside")


def test_move_site__out_of_range_or_unknown_is_refused(sourced: Catalogue) -> None:
    result = whatif.move_site(sourced, "deveselu", lon_deg=26.0, lat_deg=95.0)
    assert result.refused and result.catalogue is sourced
    assert [(p.column, p.value) for p in result.rejected] == [("lat_deg", "95")]
    unknown = whatif.move_site(sourced, "atlantis", lon_deg=0.0, lat_deg=0.0)
    assert unknown.refused and unknown.rejected[0].column == "site_id"


def test_remove_site__custom_and_sourced(sourced: Catalogue) -> None:
    added = whatif.add_site(sourced, _gabala()).catalogue
    (new_id,) = added.custom_site_ids
    back = whatif.remove_site(added, new_id).catalogue
    assert back.custom_site_ids == frozenset()
    assert back.digest == sourced.digest
    no_kurecik = whatif.remove_site(sourced, "kurecik").catalogue
    assert "kurecik" not in set(no_kurecik.sites.site_id)
    assert "kurecik" not in set(no_kurecik.deployments.site_id)
    fp = compute_map(no_kurecik, MapState(options=FootprintOptions(year=2016))).footprints
    assert "kurecik" not in set(fp.site_id)
    assert whatif.remove_site(sourced, "atlantis").refused


# --- CSV uploads ---------------------------------------------------------------------------------


def test_csv_upload__keeps_good_rows_and_reports_each_bad_one(sourced: Catalogue) -> None:
    sites = _csv(
        SITE_HEADER,
        _site_row("cbo_qatar", "Qatar radar (CBO option)", "51.2", "25.3"),  # line 2
        _site_row("cbo_bad_lat", "Bad latitude", "20.0", "95"),  # line 3
        _site_row("cbo_germany", "Germany interceptors (CBO option)", "10.0", "51.0"),  # line 4
        _site_row("cbo_bad_kind", "Bad kind", kind="moon"),  # line 5
    )
    deps = _csv(
        DEP_HEADER,
        _dep_row("qatar_radar", "cbo_qatar", "an_tpy2_fbm", "330"),  # line 2
        _dep_row("germany_sm3", "cbo_germany", "sm3_iia"),  # line 3
        _dep_row("germany_bad", "cbo_germany", "patriot_pac3"),  # line 4
        _dep_row("deveselu_extra", "deveselu", "sm3_iia"),  # line 5: a sourced site
    )
    result = whatif.sites_from_csv(
        sourced, sites, name="cbo.csv", deployments=deps, deployments_name="cbo_deps.csv"
    )
    assert not result.refused
    assert result.accepted == 4  # two sites, two deployment rows
    cat = result.catalogue
    assert {"cbo_qatar", "cbo_germany"} == set(cat.custom_site_ids)
    assert set(
        cat.deployments[cat.deployments.site_id.isin(cat.custom_site_ids)].deployment_id
    ) == {
        "qatar_radar",
        "germany_sm3",
    }
    where = {(p.source, p.line, p.column, p.value) for p in result.rejected}
    assert ("cbo.csv", 3, "lat_deg", "95") in where
    assert ("cbo.csv", 5, "kind", "moon") in where
    assert ("cbo_deps.csv", 4, "system_id", "patriot_pac3") in where
    assert ("cbo_deps.csv", 5, "site_id", "deveselu") in where
    for p in result.rejected:
        assert p.allowed and str(p).startswith(p.source)
    assert "4 rows left out" in result.message and "the rest kept" in result.message


def test_csv_upload__id_collision_is_renamed_and_stated(sourced: Catalogue) -> None:
    sites = _csv(SITE_HEADER, _site_row("deveselu", "Second Deveselu", "25.0", "45.0"))
    deps = _csv(DEP_HEADER, _dep_row("deveselu_radar", "deveselu", "spy1d"))
    result = whatif.sites_from_csv(sourced, sites, name="s.csv", deployments=deps)
    assert not result.refused
    assert result.renamed == {"deveselu": "deveselu_user"}
    assert "deveselu → deveselu_user" in result.message
    cat = result.catalogue
    assert cat.custom_site_ids == {"deveselu_user"}
    assert cat.sites.set_index("site_id").loc["deveselu", "coord_confidence"] == "High"  # untouched
    user_deps = cat.deployments[cat.deployments.site_id == "deveselu_user"]
    assert len(user_deps) == 1 and user_deps.deployment_id.iloc[0] != "deveselu_radar"
    assert cat.deployments.deployment_id.is_unique


def test_csv_upload__shortcut_columns_create_deployments(sourced: Catalogue) -> None:
    text = _csv(
        "name,kind,lon_deg,lat_deg,elevation_m,system_id,year,boresight_deg",
        '"Incirlik option",land,35.43,37.0,50,"spy1d,sm3_iia",2015,',
        "Bad system,land,35.43,37.0,50,patriot_pac3,2015,",
    )
    result = whatif.sites_from_csv(sourced, text, name="short.csv")
    assert result.accepted == 1 and len(result.rejected) == 1
    assert (result.rejected[0].line, result.rejected[0].column) == (3, "system_id")
    (new_id,) = result.catalogue.custom_site_ids
    deps = result.catalogue.deployments
    assert sorted(deps[deps.site_id == new_id].system_id) == ["sm3_iia", "spy1d"]


def test_csv_upload__export_round_trip(sourced: Catalogue) -> None:
    edited = whatif.move_site(
        whatif.add_site(sourced, _gabala()).catalogue, "rota", lon_deg=-6.0, lat_deg=36.0
    ).catalogue
    sites, deps = whatif.export_sites_csv(edited), whatif.export_deployments_csv(edited)
    again = whatif.sites_from_csv(
        edited, sites.encode(), name="sites_whatif.csv", deployments=deps.encode()
    )
    assert not again.refused and again.accepted == 0 and again.rejected == []
    assert again.catalogue is edited and "Nothing changed" in again.message
    fresh = whatif.sites_from_csv(
        sourced, sites.encode(), name="sites_whatif.csv", deployments=deps.encode()
    )
    assert fresh.renamed == {"rota": "rota_user"}  # the moved sourced site comes back as a copy
    added = set(fresh.catalogue.custom_site_ids)
    assert added == {*(edited.custom_site_ids - {"rota"}), "rota_user"}
    assert len(fresh.catalogue.deployments) == len(sourced.deployments) + 1 + 4


def test_export__csv_matches_schema_and_neutralises_formulas(sourced: Catalogue) -> None:
    cat = whatif.add_site(sourced, _gabala(name='=HYPERLINK("http://x","y")')).catalogue
    text = whatif.export_sites_csv(cat)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(whatif.SITE_COLUMNS)
    assert len(frame) == len(cat.sites)
    custom = frame[frame.site_id.isin(cat.custom_site_ids)].iloc[0]
    assert custom["name"].startswith("'=")
    assert custom.coord_confidence == "User"
    sourced_rows = frame[~frame.site_id.isin(cat.custom_site_ids)]
    assert sourced_rows.lon_deg.astype(float).tolist() == sourced.sites.lon_deg.tolist()


# --- GeoJSON uploads -----------------------------------------------------------------------------


def _feature(lon: object, lat: object, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def test_geojson_upload__good_and_bad_features(sourced: Catalogue) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            _feature(
                47.8,
                40.87,
                name="Gabala",
                kind="land",
                elevation_m=300,
                system_id="an_tpy2_fbm",
                boresight_deg=162,
                built_from="2012-06",
                planned_from_year=2012,
            ),
            _feature(40.98, 95, name="Bad latitude", kind="land", elevation_m=0),
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                "properties": {},
            },
            _feature(
                41.0,
                44.9,
                name="Armavir",
                kind="land",
                elevation_m=100,
                system_id="voronezh",
                year=2012,
            ),
            _feature(
                18.0,
                37.0,
                name="Ionian ship",
                kind="ship_station",
                elevation_m=0,
                system_id=["spy1d", "sm3_ia"],
                year=2011,
            ),
        ],
    }
    result = whatif.sites_from_geojson(sourced, json.dumps(doc).encode(), name="russia.geojson")
    assert not result.refused and result.accepted == 2
    where = {(p.source, p.column, p.value) for p in result.rejected}
    assert ("russia.geojson, feature 2", "lat_deg", "95") in where
    assert any(s == "russia.geojson, feature 3" and c == "geometry" for s, c, _ in where)
    assert ("russia.geojson, feature 4", "system_id", "voronezh") in where
    cat = result.catalogue
    assert len(cat.custom_site_ids) == 2
    deps = cat.deployments[cat.deployments.site_id.isin(cat.custom_site_ids)]
    assert sorted(deps.system_id) == ["an_tpy2_fbm", "sm3_ia", "spy1d"]
    gabala = deps[deps.system_id == "an_tpy2_fbm"].iloc[0]
    assert gabala.built_from == "2012-06" and gabala.planned_from_year == 2012


def test_geojson_upload__properties_must_agree_with_the_point(sourced: Catalogue) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            _feature(10.0, 50.0, name="A", kind="land", elevation_m=0, lat_deg=51.0),
            _feature(10.0, 50.0, name="B", kind="land", elevation_m=0, lat_deg=50.0),
        ],
    }
    result = whatif.sites_from_geojson(sourced, json.dumps(doc), name="p.geojson")
    assert result.accepted == 1
    assert [(p.source, p.column) for p in result.rejected] == [("p.geojson, feature 1", "lat_deg")]


# --- Refusals: size, garbage, limits -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"x" * (whatif.MAX_UPLOAD_BYTES + 1), "big.csv", "the limit is 1 MB"),
        (b"x" * (whatif.MAX_UPLOAD_BYTES + 1), "big.geojson", "the limit is 1 MB"),
        (b"", "empty.csv", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.csv", "binary file"),
        (b"\xff\xfe\xfd garbage", "latin.csv", "not UTF-8"),
        (b"hello,world\n1,2\n", "other.csv", "lacks required columns"),
        (b'a,b\n1,2,3,4\n"unterminated', "broken.csv", "not a readable CSV"),
        (b"{not json", "bad.geojson", "not readable JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "deep.json", "not readable JSON"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            b'{"type": "Point", "coordinates": [NaN, 1]}, "properties": {}}]}',
            "nan.geojson",
            "not readable JSON",
        ),
        (b'{"type": "Polygon", "coordinates": []}', "poly.geojson", "not a GeoJSON Feature"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}',
            "none.geojson",
            "no usable Point feature",
        ),
        (SITE_HEADER.encode() + b"\n", "header_only.csv", "has no rows"),
    ],
)
def test_upload__unreadable_or_oversize_is_refused_whole(
    sourced: Catalogue, data: bytes, name: str, reason: str
) -> None:
    result = whatif.apply_upload(sourced, data, name=name)
    assert result.refused and result.accepted == 0
    assert result.catalogue is sourced
    assert reason in result.message, result.message
    assert "Nothing was changed" in result.message


def test_upload__too_many_rows_or_columns_is_refused(sourced: Catalogue) -> None:
    rows = [_site_row(f"s{i}", f"Site {i}") for i in range(whatif.MAX_ROWS + 1)]
    result = whatif.sites_from_csv(sourced, _csv(SITE_HEADER, *rows), name="many.csv")
    assert result.refused and f"the limit is {whatif.MAX_ROWS}" in result.message
    wide = ",".join(f"c{i}" for i in range(whatif.MAX_COLUMNS + 1))
    result = whatif.sites_from_csv(
        sourced, _csv(wide, ",".join(["1"] * (whatif.MAX_COLUMNS + 1))), name="wide.csv"
    )
    assert result.refused and "columns" in result.message
    features = [_feature(0, 0, name=f"n{i}") for i in range(whatif.MAX_ROWS + 1)]
    doc = json.dumps({"type": "FeatureCollection", "features": features})
    assert whatif.sites_from_geojson(sourced, doc, name="many.geojson").refused


def test_upload__no_valid_row_is_refused_with_every_problem(sourced: Catalogue) -> None:
    text = _csv(SITE_HEADER, _site_row("a", "A", lat="91"), _site_row("b", "B", lon="x"))
    result = whatif.sites_from_csv(sourced, text, name="bad.csv")
    assert result.refused and "no valid row" in result.message
    assert [(p.line, p.column) for p in result.rejected] == [(2, "lat_deg"), (3, "lon_deg")]


def test_upload__custom_site_limit(sourced: Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whatif, "MAX_CUSTOM_SITES", 2)
    text = _csv(SITE_HEADER, *(_site_row(f"s{i}", f"Site {i}") for i in range(3)))
    result = whatif.sites_from_csv(sourced, text, name="three.csv")
    assert result.accepted == 2 and len(result.catalogue.custom_site_ids) == 2
    assert [(p.line, p.column) for p in result.rejected] == [(4, "site_id")]
    assert "at most 2 custom sites" in result.rejected[0].allowed


def test_upload__file_name_is_cleaned(sourced: Catalogue) -> None:
    result = whatif.apply_upload(sourced, b"", name="../../etc/\x1b[31mpasswd.csv")
    assert "passwd.csv" in result.message and "/" not in result.message.split(" is empty")[0]
    assert "\x1b" not in result.message


# --- Untrusted text never reaches the browser as markup ------------------------------------------


def test_xss__user_text_is_escaped_in_the_deck_json(sourced: Catalogue) -> None:
    site = _gabala(
        name=XSS,
        role=SCRIPT,
        coord_source=f"<a href='javascript:alert(1)'>{XSS}</a>",
        notes=XSS,
        system_id="spy1d,sm3_iia",
        year=2011,
    )
    cat = whatif.add_site(sourced, site, source=f"{XSS}.csv").catalogue
    doc = {
        "type": "FeatureCollection",
        "features": [
            _feature(
                30.0, 45.0, name=SCRIPT, kind="land", elevation_m=0, system_id="spy1d", year=2011
            )
        ],
    }
    cat = whatif.sites_from_geojson(cat, json.dumps(doc), name=f"{SCRIPT}.geojson").catalogue
    assert len(cat.custom_site_ids) == 2
    for scenario in ("actual", "planned"):
        for projector in (False, True):
            state = MapState(
                options=FootprintOptions(year=2016, scenario=scenario), layers=ALL_LAYERS
            )
            deck = build_deck(compute_map(cat, state), projector=projector)
            payload = deck.to_json()
            for raw in ("<img", "<script", "<a href", "javascript:alert(1)'>"):
                assert raw not in payload, (
                    f"unescaped {raw!r} in the deck JSON ({scenario}, projector={projector})"
                )
            # The custom sites are drawn, their angle brackets replaced by look-alikes (Streamlit's
            # tooltip escapes the values it shows; see coverage/render/layers.py).
            shown = json.loads(payload)  # (the JSON itself writes ‹ as \u2039)
            texts = json.dumps(shown, ensure_ascii=False)
            assert "\u2039img src=x onerror=alert(1)\u203a" in texts
            assert "\u2039script\u203a" in texts
    # Streamlit sends the tooltip beside the Deck JSON; {name} etc. come from tag-free properties.
    tooltip = deck._tooltip["html"]  # what st.pydeck_chart reads
    assert "{name}" in tooltip and "<img" not in tooltip


def test_xss__problems_carry_values_as_data_only(sourced: Catalogue) -> None:
    result = whatif.add_site(sourced, _gabala(lat_deg=f"{XSS}"))
    assert (
        result.refused and result.rejected[0].value == XSS
    )  # shown by the panel in a dataframe, not markup


# --- data/ is never written ----------------------------------------------------------------------


def test_data_files_unchanged_after_edits(sourced: Catalogue, tmp_path: Path) -> None:
    before = _all_data_hashes()
    cat = whatif.add_site(sourced, _gabala()).catalogue
    cat = whatif.move_site(cat, "deveselu", lon_deg=25.0, lat_deg=45.0).catalogue
    cat = whatif.remove_site(cat, "kurecik").catalogue
    cat = whatif.sites_from_csv(
        cat, _csv(SITE_HEADER, _site_row("x1", "X")), name="sites.csv"
    ).catalogue
    (tmp_path / "sites.csv").write_text(whatif.export_sites_csv(cat))
    (tmp_path / "deployments.csv").write_text(whatif.export_deployments_csv(cat))
    compute_map(cat, MapState(options=FootprintOptions(year=2016)))
    assert _all_data_hashes() == before
    assert _snapshot(load_catalogue()) == _snapshot(sourced)


# --- The Streamlit panel (AppTest) ---------------------------------------------------------------


def _panel_script() -> None:
    import streamlit as st

    from coverage.catalogue.tables import load_catalogue
    from dashboard.whatif import whatif_panel

    @st.cache_resource
    def sourced() -> object:
        return load_catalogue()

    cat = whatif_panel(sourced())
    st.text(f"custom={','.join(sorted(cat.custom_site_ids))};sites={len(cat.sites)}")


def _probe(at: object) -> str:
    return next(t.value for t in at.text if str(t.value).startswith("custom="))  # type: ignore[attr-defined]


def test_panel__add_move_remove_reset() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_panel_script, default_timeout=60).run()
    assert not at.exception
    assert _probe(at) == "custom=;sites=14"
    # Closed, the panel draws nothing but its header (its content costs every rerun).
    assert not at.get("text_input")
    at.session_state["whatif_expander"] = True
    at.run()
    # What the coordinates take is on the page (a value outside is refused by the browser
    # before the page sees it; the fields' help alone went unread in the new-user trial).
    assert any("Longitude −180 to 180" in str(c.value) for c in at.caption)
    at.text_input(key="whatif_name").set_value(XSS)
    at.number_input(key="whatif_lon").set_value(47.8)
    at.number_input(key="whatif_lat").set_value(40.87)
    at.multiselect(key="whatif_systems").set_value(["an_tpy2_fbm"])
    at.number_input(key="whatif_boresight").set_value(160.0)
    at.button(key="whatif_add").click().run()
    assert not at.exception
    assert _probe(at) == "custom=user_img_src_x_onerror_alert_1;sites=15"
    assert any(XSS in str(t.value) for t in at.text)  # plain text element
    for md in (*at.markdown, *at.success, *at.warning, *at.error, *at.caption):
        assert "<img" not in str(md.value)
    # The site selector reads names, not ids.
    assert (
        "Naval Station Rota (FDNF-E Aegis destroyers)"
        in at.selectbox(key="whatif_edit_site").options
    )
    at.selectbox(key="whatif_edit_site").set_value("rota").run()
    assert at.number_input(key="whatif_move_lon").value == pytest.approx(-6.3316)
    at.number_input(key="whatif_move_lat").set_value(36.0)
    at.button(key="whatif_move").click().run()
    assert _probe(at) == "custom=rota,user_img_src_x_onerror_alert_1;sites=15"
    assert not at.warning  # near: no note
    at.number_input(key="whatif_move_lat").set_value(89.0)
    at.button(key="whatif_move").click().run()
    assert any(
        "rota" in w.value and "89°N" in w.value and "lies outside Europe" in w.value
        for w in at.warning
    )
    at.number_input(key="whatif_move_lat").set_value(36.0)
    at.button(key="whatif_move").click().run()
    at.button(key="whatif_remove_user_img_src_x_onerror_alert_1").click().run()
    assert _probe(at) == "custom=rota;sites=14"
    at.text_input(key="whatif_name").set_value("")
    at.button(key="whatif_add").click().run()
    assert at.error and at.dataframe  # the refusal and its problems table
    at.selectbox(key="whatif_edit_site").set_value("deveselu").run()
    at.button(key="whatif_remove_selected").click().run()
    assert any("Sourced sites removed: Aegis Ashore Romania" in str(t.value) for t in at.text)
    at.button(key="whatif_reset").click().run()
    assert _probe(at) == "custom=;sites=14"
    assert not at.exception
