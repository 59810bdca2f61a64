"""The GeoPackage's QGIS styles (coverage.render.qml): in the file as QGIS reads them, and in QGIS.

The first tests read a file's ``layer_styles`` table and its QML with Python alone. The last open
GeoPackages in QGIS itself (Debian's ``python3-qgis``, installed by ``make test``) through
``scripts/check_qgis_styles.py`` run by ``/usr/bin/python3``; when QGIS is missing they fail if
the environment variable ``CI`` is set and are skipped, with the reason, otherwise.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import Point, box

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import Variation
from coverage.products.headline import headline, major_cities
from coverage.products.mapdata import DEFAULT_LAYERS, MapData, MapState, compute_map
from coverage.render import gis, qml
from coverage.scenario import FootprintOptions
from coverage.style import (
    COMPARE_STYLES,
    LAYER_STYLES,
    PROBABILITY_CLASSES,
    SECTOR_STYLES,
    STATUS_COLOURS,
    STATUS_WORDS,
    WHATIF_SITE_COLOUR,
    hex_to_rgba,
)

REPO = Path(__file__).resolve().parent.parent
CHECK = REPO / "scripts" / "check_qgis_styles.py"
SYSTEM_PYTHON = "/usr/bin/python3"
#: Tables whose features are told apart by one column's value, and that column.
CATEGORY_COLUMN = {
    "capitals": "status",
    "cities": "status",
    "tracks": "status",
    "compare": "kind",
    "sectoral": "kind",
    "p_defended": "p_class",
}
LABELLED = {"sites", "launch", "capitals", "cities"}


@pytest.fixture(scope="module")
def compared(catalogue: Catalogue) -> tuple[MapData, bytes]:
    """2016 as built beside 2024, with Russia's sector, tracks, capitals and cities: every table."""
    state = MapState(
        FootprintOptions(year=2016),
        layers=DEFAULT_LAYERS | {"defended", "tracks", "early_warning"},
        compare=Variation(year=2024),
        sector="both",
    )
    answer = headline(catalogue, state)
    data = compute_map(catalogue, state)
    cities = major_cities(catalogue, state)
    return data, gis.to_geopackage(data, answer.capitals, cities, answer=answer)


@pytest.fixture(scope="module")
def planned_band(catalogue: Catalogue) -> bytes:
    """2018 as built (Redzikowo planned, not built: a hollow site) with the uncertainty band."""
    state = MapState(
        FootprintOptions(year=2018, scenario="actual"),
        layers=DEFAULT_LAYERS | {"defended"},
        uncertainty_band=True,
    )
    answer = headline(catalogue, state)
    return gis.to_geopackage(compute_map(catalogue, state), answer.capitals, answer=answer)


def _write(tmp_path: Path, name: str, payload: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(payload)
    return path


def _styles(path: Path) -> dict[str, tuple[str, str, str, str, int]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT f_table_name, f_table_catalog, f_table_schema, f_geometry_column, styleQML,"
            " useAsDefault FROM layer_styles"
        ).fetchall()
    assert len(rows) == len({r[0] for r in rows}), "one style per table"
    return {r[0]: r[1:] for r in rows}


def _feature_tables(path: Path) -> dict[str, str]:
    """Each feature table of the file and its geometry column."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))


def _symbol_colours(qml_text: str) -> dict[str, list[str]]:
    """Each rule's (or the single symbol's) label and its symbol layers' colours."""
    root = ET.fromstring(qml_text)
    symbols = {s.get("name"): s for s in root.iter("symbol")}

    def colours(symbol: ET.Element) -> list[str]:
        return [
            o.get("value", "")
            for o in symbol.iter("Option")
            if o.get("name") in ("color", "line_color")
        ]

    rules = list(root.iter("rule"))
    if not rules:
        return {"": colours(symbols["0"])}
    return {r.get("label", ""): colours(symbols[r.get("symbol")]) for r in rules}


def _qgis_colour(colour: str, alpha: float = 1.0) -> str:
    return ",".join(str(v) for v in hex_to_rgba(colour, alpha))


def test_every_table_has_its_default_style_where_qgis_looks(
    compared: tuple[MapData, bytes], tmp_path: Path
) -> None:
    path = _write(tmp_path, "c.gpkg", compared[1])
    tables = _feature_tables(path)
    assert {"nato", "defended", "compare", "sectoral", "tracks", "capitals", "cities"} <= set(
        tables
    )
    styles = _styles(path)
    assert set(styles) == set(tables)
    for table, (catalog, schema, geometry_column, text, default) in styles.items():
        # As QGIS writes a GeoPackage's styles: no catalogue or schema, the geometry column
        # GDAL named, the default style of its table.
        assert (catalog, schema, default) == ("", "", 1), table
        assert geometry_column == tables[table], table
        assert ET.fromstring(text).tag == "qgis", table
        assert "http" not in text, table  # no URL in any export (QGIS's DTD left out)
    # The style table is an attributes table of the GeoPackage, as QGIS makes it.
    with sqlite3.connect(path) as db:
        kind = db.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    assert kind == ("attributes",)


def test_tables_in_the_maps_drawing_order(compared: tuple[MapData, bytes], tmp_path: Path) -> None:
    # QGIS adds a file's tables in its order, each above the last: the comparison's ground was
    # last and covered the sites and capitals.
    path = _write(tmp_path, "c.gpkg", compared[1])
    with sqlite3.connect(path) as db:
        order = [t for (t,) in db.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]
    order.remove(qml.STYLE_TABLE)
    assert order.index("compare") < order.index("interceptor") < order.index("sites")
    assert order.index("sectoral") < order.index("sites") < order.index("capitals")
    assert order.index("nato") == 0 and order.index("defended") < order.index("compare")


def test_styles_take_the_palette(compared: tuple[MapData, bytes], tmp_path: Path) -> None:
    styles = _styles(_write(tmp_path, "c.gpkg", compared[1]))
    capitals = _symbol_colours(styles["capitals"][3])
    assert capitals["defended"] == [_qgis_colour(STATUS_COLOURS["defended"])]
    # In reach and not defended: a ring (transparent fill) in the status colour.
    ring = ET.fromstring(styles["capitals"][3])
    outline = [o.get("value") for o in ring.iter("Option") if o.get("name") == "outline_color"]
    assert _qgis_colour(STATUS_COLOURS["not defended"]) in outline
    compare = _symbol_colours(styles["compare"][3])
    for style in COMPARE_STYLES.values():
        assert _qgis_colour(style.colour, style.fill_alpha) in compare[style.title]
    sector = _symbol_colours(styles["sectoral"][3])
    assert set(sector) == {s.title for s in SECTOR_STYLES.values()}
    nato = _symbol_colours(styles["nato"][3])[""]
    assert nato == [_qgis_colour(LAYER_STYLES["nato"].colour, LAYER_STYLES["nato"].fill_alpha)]
    # The radar footprints' dashed outline, the interceptor rings' unfilled one.
    assert "'dash'" in _options(styles["radar"][3], "outline_style")
    assert _options(styles["interceptor"][3], "style") == "['no']"


def _options(text: str, name: str) -> str:
    return repr(
        [o.get("value") for o in ET.fromstring(text).iter("Option") if o.get("name") == name]
    )


def test_rules_name_every_value_the_data_holds(
    compared: tuple[MapData, bytes], planned_band: bytes, tmp_path: Path
) -> None:
    # A status or kind without a rule would be drawn by no rule: left off the map in QGIS.
    for name, payload in (("c.gpkg", compared[1]), ("p.gpkg", planned_band)):
        path = _write(tmp_path, name, payload)
        styles = _styles(path)
        for table, column in CATEGORY_COLUMN.items():
            if table not in styles:
                continue
            filters = " ".join(
                r.get("filter", "") for r in ET.fromstring(styles[table][3]).iter("rule")
            )
            named = set(re.findall(rf"\"{column}\" = '([^']*)'", filters))
            values = set(gpd.read_file(path, layer=table)[column].dropna())
            assert values and values <= named, (name, table, values - named)


def _need_qgis() -> None:
    """Fail under CI, skip elsewhere, when QGIS's Python (Debian's python3-qgis) is missing."""
    found = Path(SYSTEM_PYTHON).exists() and (
        subprocess.run(
            [SYSTEM_PYTHON, "-c", "import qgis.core"],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not found:
        message = "QGIS style tests need Debian's python3-qgis (make qgis)"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(message)


def _in_qgis(path: Path, png: Path | None = None) -> dict[str, dict[str, object]]:
    """What QGIS makes of each table of ``path`` (scripts/check_qgis_styles.py)."""
    _need_qgis()
    command = [SYSTEM_PYTHON, str(CHECK), str(path)]
    if png is not None:
        command += ["--png", str(png)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(path.parent)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines[-1]["qgis"].startswith("3.")
    return {line["table"]: line for line in lines[:-1]}


def test_qgis_opens_every_table_in_its_style(
    compared: tuple[MapData, bytes], planned_band: bytes, tmp_path: Path
) -> None:
    for name, payload in (("c.gpkg", compared[1]), ("p.gpkg", planned_band)):
        path = _write(tmp_path, name, payload)
        png = tmp_path / f"{name}.png"
        found = _in_qgis(path, png)
        assert set(found) == set(_feature_tables(path)), name
        for table, seen in found.items():
            assert seen["valid"] and seen["style_loaded"], (name, table, seen)
            # Every feature drawn, once (no status without a rule, no two rules at once).
            assert set(seen["symbols_per_feature"]) == {1}, (name, table, seen)
            assert seen["labels"] == (table in LABELLED), (name, table)
        assert found["capitals"]["colours"][0] == "#ff" + STATUS_COLOURS["defended"][1:].lower()
        # Each capital by the rule of its own status (the rules' legend words).
        statuses = list(gpd.read_file(path, layer="capitals").status)
        words = [[STATUS_WORDS[s]] for s in statuses]
        assert found["capitals"]["drawn_by"] == words, name
        # The drawing has the map's layers on it, not an empty sea.
        with Image.open(png) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 500, name


def test_qgis_draws_what_if_planned_and_b_only_sites_and_a_sweeps_classes(
    tmp_path: Path,
) -> None:
    # Sites as a comparison and a what-if edit make them: a sourced site in place, a what-if
    # one (its own colour), one planned (hollow) and one in place in B only (filled, as the map
    # and the KML draw B's own sites beside a comparison).
    sites = gpd.GeoDataFrame(
        {
            "name": ["Deveselu (NSF)", "What-if A", "Redzikowo (NSF)", "B site"],
            "status": ["active", "active", "planned, not built", "active in B only"],
            "custom": [False, True, False, False],
        },
        geometry=[Point(24.4, 44.1), Point(10, 50), Point(16.9, 54.5), Point(20, 40)],
        crs="EPSG:4326",
    )
    cells = gpd.GeoDataFrame(
        {"p_defended": [0.05, 0.3, 0.7, 0.95], "p_class": [pc.text for pc in PROBABILITY_CLASSES]},
        geometry=[box(20 + i, 45, 21 + i, 46) for i in range(4)],
        crs="EPSG:4326",
    )
    path = tmp_path / "s.gpkg"
    sites.to_file(path, layer="sites", driver="GPKG", engine="pyogrio")
    qml.write_styles(path, ["sites"])
    found = _in_qgis(path)
    # A sweep's file (python -m coverage sweep --out p.gpkg): its cells by class.
    grid = _in_qgis(_write(tmp_path, "p.gpkg", gis.grid_geopackage(cells, "p_defended")))
    assert set(grid["p_defended"]["symbols_per_feature"]) == {1}
    assert grid["p_defended"]["colours"] == [
        "#b8" + pc.colour[1:].lower() for pc in PROBABILITY_CLASSES
    ]
    assert set(found["sites"]["symbols_per_feature"]) == {1}
    assert found["sites"]["drawn_by"] == [
        ["Missile-defence site"],
        ["What-if site"],
        ["Planned, not yet built (hollow)"],
        ["Missile-defence site"],
    ]
    legend = found["sites"]["legend"]
    assert legend == ["What-if site", "Missile-defence site", "Planned, not yet built (hollow)"]
    assert found["sites"]["colours"][0] == "#ff" + WHATIF_SITE_COLOUR[1:].lower()
