"""The command line: GeoJSON output contract and clear errors for bad options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "site_id",
    "site_name",
    "country",
    "site_lon_deg",
    "site_lat_deg",
    "layer",
    "system",
    "range_km",
    "year",
    "scenario",
    "estimate",
    "source",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coverage", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_footprints__geojson_feature_collection_with_required_properties() -> None:
    out = _run(
        "footprints",
        "--year",
        "2016",
        "--scenario",
        "actual",
        "--estimate",
        "nominal",
        "--format",
        "geojson",
    )
    assert out.returncode == 0, out.stderr
    fc = json.loads(out.stdout)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) > 0
    for feature in fc["features"]:
        assert set(feature["properties"]) >= REQUIRED
        assert feature["properties"]["layer"] in ("radar", "interceptor")
        assert feature["properties"]["year"] == 2016
    sites = {f["properties"]["site_id"] for f in fc["features"]}
    assert "deveselu" in sites and "redzikowo" not in sites
    # The country's name and its code, as the export's files have them (it held "ROU" alone).
    places = {
        (p["site_id"], p["country"], p["iso3"]) for f in fc["features"] for p in [f["properties"]]
    }
    assert ("deveselu", "Romania", "ROU") in places
    assert ("med_east", "international waters", None) in places


def test_footprints__writes_file_that_geopandas_reads(tmp_path: Path) -> None:
    path = tmp_path / "fp.geojson"
    out = _run(
        "footprints",
        "--year",
        "2024",
        "--scenario",
        "actual",
        "--target-alt-km",
        "150",
        "-o",
        str(path),
    )
    assert out.returncode == 0, out.stderr
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 4326 and (frame.target_alt_km.dropna() == 150).all()
    assert "redzikowo" in set(frame.site_id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1990"], "--year: must be from 2009 to 2040"),
        (["--year", "2016", "--scenario", "maybe"], "invalid choice: 'maybe'"),
        (["--year", "2016", "--target-alt-km", "-3"], "--target-alt-km must be from 0 to 5000"),
        (["--year", "2016", "--estimate", "best"], "invalid choice: 'best'"),
    ],
)
def test_footprints__bad_options_exit_2_with_message(args: list[str], message: str) -> None:
    out = _run("footprints", *args)
    assert out.returncode == 2
    assert message in out.stderr


def test_validate__bundled_data_is_valid() -> None:
    out = _run("validate")
    assert out.returncode == 0 and "data/ is valid" in out.stdout
