"""Every file in data/ is validated: corrupt each one several ways, expect a clear message.

The bundled files are copied to a temporary folder first; nothing here touches data/.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coverage.catalogue.analysis import ANALYSIS_SCHEMAS
from coverage.catalogue.schema import Column, DataError, invisible_characters, validate_frame
from coverage.catalogue.tables import DATA_DIR, SCHEMAS, load_catalogue
from coverage.catalogue.validate import COUNTRY_FILES, validate_data

REPO = Path(__file__).resolve().parent.parent
TABLES = {**SCHEMAS, **ANALYSIS_SCHEMAS}


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _header_only(rows: list[list[str]], name: str) -> list[list[str]]:
    return rows[:1]


def _blank_key(rows: list[list[str]], name: str) -> list[list[str]]:
    return [rows[0], ["", *rows[1][1:]], *rows[2:]]


def _duplicate_row(rows: list[list[str]], name: str) -> list[list[str]]:
    return [*rows, rows[1]]


def _direction_override(rows: list[list[str]], name: str) -> list[list[str]]:
    col = next(i for i, c in enumerate(TABLES[name]) if c.kind == "str")
    row = list(rows[1])
    row[col] = "evil\u202etxt.exe"
    return [rows[0], row, *rows[2:]]


def _unknown_column(rows: list[list[str]], name: str) -> list[list[str]]:
    return [[*rows[0], "surprise"], *[[*r, "x"] for r in rows[1:]]]


CSV_CORRUPTIONS = {
    "header only": (_header_only, "data rows; at least 1 needed"),
    "blank key": (_blank_key, "a value is required"),
    "duplicated row": (_duplicate_row, "must be unique"),
    "direction override": (_direction_override, "U+202E"),
    "unknown column": (_unknown_column, "unknown column"),
}


@pytest.mark.parametrize("corruption", sorted(CSV_CORRUPTIONS))
@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_csv__each_corruption_is_reported_by_file_and_kind(data_copy, name, corruption):
    change, needle = CSV_CORRUPTIONS[corruption]
    path = data_copy / name
    _write(path, change(_rows(path), name))
    problems = validate_data(data_copy)
    text = "\n".join(str(p) for p in problems)
    assert problems, f"{corruption} in {name} passed validation"
    if name == "threat_boost.csv" and corruption == "duplicated row":
        needle = "duplicate: "  # class + parameter pairs are checked by the table's own rule
    assert f"data/{name}" in text and needle in text, text


GEOJSON_CORRUPTIONS = {
    "not json": (lambda doc: "{not json", "not a readable UTF-8 JSON file"),
    "point geometry": (
        lambda doc: doc["features"][0].update(geometry={"type": "Point", "coordinates": [1, 2]}),
        "a Polygon or MultiPolygon",
    ),
    "longitude out of range": (
        lambda doc: doc["features"][0].update(
            geometry={"type": "Polygon", "coordinates": [[[200, 0], [201, 0], [201, 1], [200, 0]]]}
        ),
        "coordinates within -180..180",
    ),
    "self-intersecting": (
        lambda doc: doc["features"][0].update(
            geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
        ),
        "a valid polygon",
    ),
    "missing iso3": (lambda doc: doc["features"][0]["properties"].pop("iso3") and None, "iso3"),
    "negative population": (
        lambda doc: doc["features"][0]["properties"].update(population=-5),
        "population",
    ),
    "no features": (lambda doc: doc.update(features=[]), "needs at least one feature"),
}


@pytest.mark.parametrize("corruption", sorted(GEOJSON_CORRUPTIONS))
@pytest.mark.parametrize("name", COUNTRY_FILES)
def test_country_files__each_corruption_is_reported(data_copy, name, corruption):
    change, needle = GEOJSON_CORRUPTIONS[corruption]
    path = data_copy / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    result = change(doc)
    path.write_text(result if isinstance(result, str) else json.dumps(doc), encoding="utf-8")
    text = "\n".join(str(p) for p in validate_data(data_copy))
    assert f"data/{name}" in text and needle in text, text


def test_bundled_data__is_valid():
    assert validate_data() == []


def test_clean_folder__stamped_then_any_change_is_checked_again(data_copy, monkeypatch, tmp_path):
    # A clean folder is stamped on disk and not checked again; an edit, a new file or a removed
    # one is a new key, so its problem is found; problems are never stamped. A cache folder of
    # its own: no other test's stamp is found.
    from coverage.catalogue import validate as validate_module

    monkeypatch.setenv("EPAA_CACHE_DIR", str(tmp_path / "cache"))

    calls: list[Path] = []
    real = validate_module._validate

    def counting(folder: Path):
        calls.append(folder)
        return real(folder)

    monkeypatch.setattr(validate_module, "_validate", counting)
    assert validate_data(data_copy) == [] and len(calls) == 1
    assert validate_data(data_copy) == [] and len(calls) == 1  # the stamp: no second check
    sites = data_copy / "sites.csv"
    clean = sites.read_bytes()
    rows = _rows(sites)
    rows[1][rows[0].index("lat_deg")] = "95"
    _write(sites, rows)
    for _ in range(2):  # a problem is reported each time, never stamped away
        problems = validate_data(data_copy)
        assert [(p.source.endswith("sites.csv"), p.column) for p in problems] == [
            (True, "lat_deg")
        ], problems
    assert len(calls) == 3
    sites.write_bytes(clean)
    assert validate_data(data_copy) == [] and len(calls) == 3  # the same bytes: the same stamp
    (data_copy / "extra.txt").write_text("a new file", encoding="utf-8")
    assert validate_data(data_copy) == [] and len(calls) == 4  # a new file: checked again
    (data_copy / "extra.txt").unlink()
    (data_copy / "events.csv").unlink()
    assert validate_data(data_copy) and len(calls) == 5  # a removed file: checked, reported
    monkeypatch.setenv("EPAA_TRACK_CACHE", "off")  # the switch turns the stamp off too
    (data_copy / "events.csv").write_bytes((DATA_DIR / "events.csv").read_bytes())
    validate_data(data_copy)
    validate_data(data_copy)
    assert len(calls) == 7


def test_duplicated_parameter_row__no_longer_wins_silently(data_copy):
    path = data_copy / "parameters.csv"
    rows = _rows(path)
    twin = list(rows[1])
    twin[4] = "9999"  # a second, different nominal for the same system and parameter
    _write(path, [*rows, twin])
    with pytest.raises(DataError, match="system_id \\+ parameter must be unique"):
        load_catalogue(data_copy)


def test_negative_city_population__is_refused(data_copy):
    path = data_copy / "cities.csv"
    rows = _rows(path)
    rows[1][5] = "-1000"
    _write(path, rows)
    text = "\n".join(str(p) for p in validate_data(data_copy))
    assert "data/cities.csv, line 2, column 'population'" in text


@pytest.mark.parametrize(
    ("cell", "needle"),
    [
        ("esc\x1b[31mred", "U+001B"),  # ASCII: caught by the fast check
        ("del\x7fete", "U+007F"),
        ("zero\u200bwidth", "U+200B"),  # not ASCII: checked per character
        ("caf\u00e9 ok", None),  # not ASCII and allowed
        ("tab\tok", None),
    ],
)
def test_validate_frame__refuses_every_control_character(cell: str, needle: str | None) -> None:
    cols = [Column("name", "str")]
    table, problems = validate_frame(pd.DataFrame({"name": [cell]}), cols, "data/x.csv")
    if needle is None:
        assert not problems and table.name.tolist() == [cell.strip()]
    else:
        assert len(problems) == 1 and needle in str(problems[0]) and table.empty


def test_invisible_characters__names_them():
    assert invisible_characters("plain text\twith tab") == []
    found = invisible_characters("a\u202eb\u200bc\x1b")
    assert [f.split()[0] for f in found] == ["U+202E", "U+200B", "U+001B"]


@pytest.mark.parametrize(
    ("name", "change", "needle"),
    [
        ("threats.csv", _direction_override, "U+202E"),
        ("countries_europe.geojson", None, "not a readable UTF-8 JSON file"),
        ("sites.csv", _header_only, "at least 1 needed"),
    ],
)
def test_cli_validate__one_clear_message_no_traceback(data_copy, name, change, needle):
    path = data_copy / name
    if change is None:
        path.write_text("{oops", encoding="utf-8")
    else:
        _write(path, change(_rows(path), name))
    res = subprocess.run(
        [sys.executable, "-m", "coverage", "validate", "--data-dir", str(data_copy)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert res.returncode == 2
    assert needle in res.stderr and f"data/{name}" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("name", "change", "needle"),
    [
        (
            "cities.csv",
            lambda rows, name: [rows[0], [*rows[1][:5], "-7", rows[1][6]], *rows[2:]],
            "population",
        ),
        ("threats.csv", _unknown_column, "unknown column"),
    ],
)
def test_app_start__a_bad_data_file_is_a_message_not_a_traceback(
    data_copy, monkeypatch, name, change, needle
):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from coverage.catalogue import validate

    path = data_copy / name
    _write(path, change(_rows(path), name))
    real = validate.validate_data
    monkeypatch.setattr(validate, "validate_data", lambda data_dir=None: real(data_copy))
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        assert any("could not be loaded" in e.value for e in at.error)
        shown = "\n".join(c.value for c in at.code)
        assert f"data/{name}" in shown and needle in shown, shown
    finally:
        st.cache_resource.clear()  # the next app test loads the bundled data again


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        ("data/sites.csv", "refusing to write inside data/"),
        ("static/x.json", "refusing to write inside static/"),
        ("/tmp", "is a folder"),
        ("/dev/null", "not a regular file"),
        ("/nonexistent-folder/x.json", "does not exist"),
    ],
)
def test_cli_outputs__bad_paths_are_one_line_and_data_is_untouched(out, needle):
    before = (REPO / "data" / "sites.csv").read_bytes()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "footprints",
            "--year",
            "2016",
            "--format",
            "csv",
            "-o",
            out,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert res.returncode == 2 and needle in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert (REPO / "data" / "sites.csv").read_bytes() == before


def test_cli_outputs__written_atomically(tmp_path):
    out = tmp_path / "fp.json"
    res = subprocess.run(
        [sys.executable, "-m", "coverage", "footprints", "--year", "2016", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())["type"] == "FeatureCollection"
    assert [p.name for p in tmp_path.iterdir()] == ["fp.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("value", "needle"),
    [("", "a value is required"), ("with " + "x" * 60, "at most 60 characters")],
)
def test_cooperation_short_label__missing_or_too_long_is_named(data_copy, value, needle):
    """The words titles and legends use for a cooperation scenario are checked like the rest."""
    path = data_copy / "cooperation.csv"
    rows = _rows(path)
    col = rows[0].index("short_label")
    rows[2][col] = value
    _write(path, rows)
    text = "\n".join(str(p) for p in validate_data(data_copy))
    assert "data/cooperation.csv, line 3" in text and "short_label" in text, text
    assert needle in text, text
