"""``python -m coverage export``: each format from the extension, series, clear errors (exit 2)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import imageio.v3 as iio
import pandas as pd
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SMALL = ("--width-px", "400", "--height-px", "225")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coverage", "export", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_png__requested_size(tmp_path: Path) -> None:
    out = tmp_path / "phase2.png"
    res = _run(
        "--year",
        "2016",
        "--scenario",
        "actual",
        "--out",
        str(out),
        "--width-px",
        "1920",
        "--height-px",
        "1080",
    )
    assert res.returncode == 0, res.stderr
    assert Image.open(out).size == (1920, 1080)
    assert f"wrote {out}" in res.stdout


def test_years__one_image_per_year_with_year_in_name(tmp_path: Path) -> None:
    res = _run(
        "--years",
        "2015-2016",
        "--out",
        str(tmp_path / "phase.svg"),
        "--layers",
        "radar,sites",
        *SMALL,
    )
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phase_2015.svg", "phase_2016.svg"]
    assert "2016" in (tmp_path / "phase_2016.svg").read_text(encoding="utf-8")


def test_pdf_geojson_gpkg_csv(tmp_path: Path) -> None:
    for ext in ("pdf", "geojson", "gpkg", "csv"):
        res = _run("--year", "2016", "--out", str(tmp_path / f"m.{ext}"), *SMALL)
        assert res.returncode == 0, (ext, res.stderr)
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")
    fc = json.loads((tmp_path / "m.geojson").read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and fc["features"]
    assert len(gpd.read_file(tmp_path / "m.geojson")) == len(fc["features"])
    assert len(gpd.read_file(tmp_path / "m.gpkg", layer="radar")) > 0
    table = pd.read_csv(tmp_path / "m.csv", encoding="utf-8-sig")
    assert len(table) == len(fc["features"])


def test_kml_kmz_series(tmp_path: Path) -> None:
    res = _run(
        "--years", "2011-2024", "--scenario", "actual", "--out", str(tmp_path / "rollout.kml")
    )
    assert res.returncode == 0, res.stderr
    root = ET.parse(tmp_path / "rollout.kml").getroot()
    begins = [e.text for e in root.iter("{http://www.opengis.net/kml/2.2}begin")]
    assert "2016-05-12" in begins
    res = _run("--out", str(tmp_path / "rollout.kmz"))  # series formats default to 2011-2024
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(tmp_path / "rollout.kmz") as zf:
        assert zf.namelist() == ["doc.kml", "files/circle.png"]  # the icon travels with it


def test_gif__one_frame_per_year(tmp_path: Path) -> None:
    out = tmp_path / "rollout.gif"
    res = _run("--years", "2015-2017", "--scenario", "planned", "--out", str(out), *SMALL)
    assert res.returncode == 0, res.stderr
    assert iio.imread(io.BytesIO(out.read_bytes()), index=None).shape[:3] == (3, 225, 400)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--year", "2016", "--out", "x.jpg"), "'.jpg' is not a known format"),
        (("--year", "2016", "--out", "x.png", "--layers", "radar,lasers"), "--layers"),
        (("--years", "2020-2011", "--out", "x.png"), "--years"),
        (("--years", "1999-2001", "--out", "x.png"), "--years"),
        (("--year", "2016", "--out", "x.png", "--width-px", "10"), "--width-px"),
        (
            ("--year", "2016", "--out", "x.png", "--launch-area", "atlantis"),
            "--launch-area 'atlantis'",
        ),
        (("--year", "2016", "--years", "2011-2012", "--out", "x.png"), "not both"),
        (("--year", "2016", "--out", "x.png", "--compare", "alternate"), "--compare"),
        (("--year", "2016", "--out", "x.gif"), "--year 2016"),
        (("--out", "x.png"), "--year is required"),
        (("--year", "2016", "--out", "x.png", "--print-a4", "--dpi", "150"), "--print-a4"),
        (("--year", "2016", "--out", "no_such_folder/x.png"), "does not exist"),
        (("--year", "2016", "--vs-year", "2024", "--out", "x.kmz"), "not a .kmz"),
        (("--years", "2016-2017", "--vs-year", "2024", "--out", "x.png"), "not --years"),
        (
            ("--year", "2016", "--vs-launch-area", "mars", "--out", "x.png"),
            "--vs-launch-area 'mars' is not known",
        ),
    ],
)
def test_bad_options__exit_2_naming_the_option(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    args = tuple(str(tmp_path / a) if a.startswith(("x.", "no_such")) else a for a in args)
    res = _run(*args)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr
    assert "Traceback" not in res.stderr
    assert not any(tmp_path.iterdir())


def test_defended__png_with_defended_layer_and_bad_launch_area(tmp_path: Path) -> None:
    out = tmp_path / "d.png"
    res = _run(
        "--year",
        "2016",
        "--out",
        str(out),
        "--layers",
        "radar,defended,sites",
        "--width-px",
        "640",
        "--height-px",
        "360",
    )
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = _run(
        "--year",
        "2016",
        "--out",
        str(tmp_path / "e.png"),
        "--layers",
        "defended",
        "--launch-area",
        "atlantis",
    )
    assert bad.returncode == 2
    assert "atlantis" in bad.stderr and "Traceback" not in bad.stderr


def test_defended__geojson_labels_name_the_trajectory_shape(tmp_path: Path) -> None:
    import json

    out = tmp_path / "d.geojson"
    res = _run(
        "--year", "2018", "--out", str(out), "--layers", "defended", "--shape", "depressed"
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    defended = [f for f in features if f["properties"].get("layer") == "defended"]
    assert defended and all("depressed" in f["properties"]["label"] for f in defended)
    bad = _run("--year", "2018", "--out", str(tmp_path / "e.geojson"), "--shape", "ballistic")
    assert bad.returncode == 2 and "ballistic" in bad.stderr and "Traceback" not in bad.stderr


def test_export__oversized_animation_refused_before_computing(tmp_path: Path) -> None:
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "export",
            "--years",
            "2011-2024",
            "--compare",
            "alternate",
            "--width-px",
            "4000",
            "--height-px",
            "3000",
            "--out",
            str(tmp_path / "a.gif"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "million pixels" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "a.gif").exists()


def test_export__refuses_to_write_into_data(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "coverage", "export", "--year", "2016", "--out", "data/x.png"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "refusing to write inside data/" in res.stderr


def test_default_layers__include_the_defended_area_and_its_headline(tmp_path: Path) -> None:
    out = tmp_path / "phase2.geojson"
    res = _run("--year", "2016", "--out", str(out))
    assert res.returncode == 0, res.stderr
    back = gpd.read_file(out)
    layers = set(back.layer)
    assert {"defended", "radar", "interceptor", "sites"} <= layers
    # Each city's reason, as each capital's ("Not defended: ...", from the engine's run).
    city_why = back[back.layer == "cities"].why
    assert len(city_why) >= 10
    assert city_why.str.match(r"^(Defended|Not defended|Out of the threat's reach)").all()
    svg = tmp_path / "phase2.svg"
    res = _run("--year", "2016", "--out", str(svg), *SMALL)
    assert res.returncode == 0, res.stderr
    text = svg.read_text(encoding="utf-8")
    assert "Defended area (physics)" in text
    assert "of NATO-Europe territory" in text and "capitals defended" in text  # the headline
    assert "design_case" not in text  # names, not ids
    # The capitals and the major cities by status, in the file and on the slide (issue 12).
    assert {"capitals", "cities"} <= layers
    assert "Smaller dots: cities 1 M+" in text
    res = _run("--year", "2016", "--no-cities", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "cities" not in set(gpd.read_file(out).layer)


def test_kml__a_site_that_defends_nothing_keeps_its_placemark_without_an_empty_ring(
    tmp_path: Path,
) -> None:
    # 2011: two defended-area features cover nothing ("0 of N reachable cells"); they were
    # written as <LinearRing><coordinates/></LinearRing>, invalid KML (a ring needs 4 points).
    out = tmp_path / "y2011.kml"
    res = _run("--year", "2011", "--scenario", "actual", "--out", str(out))
    assert res.returncode == 0, res.stderr
    ns = "{http://www.opengis.net/kml/2.2}"
    root = ET.parse(out).getroot()
    for coords in root.iter(f"{ns}coordinates"):
        assert (coords.text or "").strip(), "an empty <coordinates/>"
    for ring in root.iter(f"{ns}LinearRing"):
        assert len(ring.find(f"{ns}coordinates").text.split()) >= 4
    kinds = ("Polygon", "MultiGeometry", "LineString", "Point")
    bare = [
        pm.find(f"{ns}name").text
        for pm in root.iter(f"{ns}Placemark")
        if not any(pm.find(f"{ns}{k}") is not None for k in kinds)
    ]
    assert bare, "the sites that defend nothing keep their Placemarks"


def test_written_files__the_mode_a_new_file_gets(tmp_path: Path) -> None:
    # Files came out 0600 (the temporary file's mode) whatever the umask: a GIS file could not
    # be shared with a group or a web server without a chmod.
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    out = tmp_path / "m.geojson"
    res = _run("--year", "2016", "--out", str(out), *SMALL)
    assert res.returncode == 0, res.stderr
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_delay__the_same_range_as_metrics(tmp_path: Path) -> None:
    # export took 0-600 s while metrics and icbm take 0-1200 s (a fresh-eyes review).
    res = _run("--year", "2016", "--delay-s", "900", "--out", str(tmp_path / "d.png"), *SMALL)
    assert res.returncode == 0, res.stderr
    res = _run("--year", "2016", "--delay-s", "1300", "--out", str(tmp_path / "e.png"), *SMALL)
    assert res.returncode == 2 and "--delay-s must be from 0 to 1200 s" in res.stderr


def test_kml__one_year_sites_begin_with_their_footprints(tmp_path: Path) -> None:
    # A 2016 file began Kürecik's site point in 2016 and its radar footprint on 2012-01-01: on
    # Google Earth's time slider the footprint showed without its site (fresh-eyes review).
    out = tmp_path / "y2016.kml"
    res = _run("--year", "2016", "--scenario", "actual", "--out", str(out))
    assert res.returncode == 0, res.stderr
    ns = "{http://www.opengis.net/kml/2.2}"
    begins: dict[str, str] = {}
    for pm in ET.parse(out).getroot().iter(f"{ns}Placemark"):
        begin = pm.find(f"{ns}TimeSpan/{ns}begin")
        if begin is not None:
            begins[pm.find(f"{ns}name").text] = begin.text
    sites = {n: b for n, b in begins.items() if " — " not in n and ":" not in n}
    footprints = {n.split(" — ", 1)[1]: b for n, b in begins.items() if " — " in n}
    checked = [n for n in sites if n in footprints]
    assert "Kürecik Radar Station (Malatya)" in checked
    for name in checked:
        assert sites[name] <= footprints[name], (name, sites[name], footprints[name])


def test_map_state_from_query__carries_every_choice_of_the_query() -> None:
    """``MapState.from_query`` round-trips a query whose every field a map carries is not its
    default: a new physics choice cannot be left out of the exports' maps again."""
    import dataclasses

    from coverage.products.mapdata import MapState
    from coverage.scenario import DefenceQuery, FootprintOptions

    query = DefenceQuery(
        launch_area="shahrud",
        threat="srbm_qiam",
        delay_s=90.0,
        launch_on_remote=False,
        shoot_look_shoot=True,
        shape="lofted",
        cap_at_nominal_range=True,
        flyout_model="reach_formula",
        speed_basis="ideal",
        engage_on_remote="on",
        satellite_cueing="off",
        rv_rcs_m2=0.01,
        cooperation="shared_early_warning",
        warning_commits=True,
        domain="wide",
        boost=False,
        rotation=False,
        boost_case="low",
        booster_rcs_m2=3.0,
        boost_track_needs_warhead=True,
        refraction=True,
    )
    default = DefenceQuery(launch_area="tabriz")
    map_fields = {f.name for f in dataclasses.fields(DefenceQuery)} - {
        "sls_interval_s",
        "angle_offset_deg",
        "grid_km",
        "threat_range_case",
    }
    assert all(getattr(query, n) != getattr(default, n) for n in map_fields)  # all moved
    state = MapState.from_query(FootprintOptions(year=2018), query, view="wide")
    assert state.query() == query and state.view == "wide"
    with pytest.raises(ValueError, match="grid_km"):
        MapState.from_query(FootprintOptions(year=2018), dataclasses.replace(query, grid_km=50.0))


def test_export__threat_flight_and_day_choices_reach_the_file(tmp_path: Path) -> None:
    """--no-rotation, --boost-case, --cooperation and --on-date change what is written (they
    were once taken and dropped); --on-date needs the one --year it falls in."""
    out = tmp_path / "day.geojson"
    res = _run(
        "--year", "2016", "--on-date", "2016-03-01", "--no-rotation", "--boost-case", "low",
        "--cooperation", "shared_early_warning", "--layers", "sites,defended", "--out", str(out),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "1 Mar 2016" in doc["title"]
    assert {"threat boost low case", "non-rotating Earth"} <= set(doc["choices"])
    assert "non-rotating Earth" in doc["assumptions"]
    status = {
        f["properties"]["site_id"]: f["properties"]["status"]
        for f in doc["features"]
        if f["properties"].get("layer") == "sites"
    }
    # Deveselu was declared operational on 12 May 2016 (data/deployments.csv).
    assert status["deveselu"] == "planned, not built" and status["kurecik"] == "active"
    series = _run("--years", "2016-2017", "--on-date", "2016-03-01", "--out", str(out))
    assert series.returncode == 2 and "--on-date 2016-03-01 needs --year 2016" in series.stderr


def test_svg__the_official_claim_of_the_year_in_the_side_panel(tmp_path: Path) -> None:
    # As the dashboard's slides: in a year a claim is judged on, the panel quotes it against
    # the map (2016: NATO's Warsaw communiqué); not in a year no claim is judged on.
    texts = {}
    for year in ("2016", "2015"):
        out = tmp_path / f"y{year}.svg"
        res = _run("--year", year, "--out", str(out))
        assert res.returncode == 0, res.stderr
        texts[year] = " ".join(out.read_text(encoding="utf-8").split())
    assert "Official claim for this year" in texts["2016"]
    assert "across southern NATO Europe" in texts["2016"]
    assert "Official claim for this year" not in texts["2015"]


def test_export__a_comparison_as_the_dashboard_exports_it(tmp_path: Path) -> None:
    """``--vs-year`` draws A against B: the compare layer and each capital's change, and the
    slide's lines. The GIS trial (session 37) found no way to export a comparison from the CLI."""
    out = tmp_path / "c.gpkg"
    res = _run("--year", "2016", "--vs-year", "2024", "--out", str(out))
    assert res.returncode == 0, res.stderr
    compare = gpd.read_file(out, layer="compare").set_index("kind")
    assert set(compare.index) == {"gained", "both"}  # nothing lost
    assert "Warsaw" in compare.capitals_changed["gained"]
    capitals = gpd.read_file(out, layer="capitals").set_index("name")
    assert capitals.change_in_b["Warsaw"] == "gained"
    svg = tmp_path / "c.svg"
    assert _run("--year", "2016", "--vs-year", "2024", "--out", str(svg)).returncode == 0
    text = svg.read_text(encoding="utf-8")
    assert "From A (2016, as built) to B (2024, as built, with engage on remote" in text
    assert "Gained in B" in text


def test_write_output__a_text_file_ends_with_a_newline_as_stdout_does(tmp_path: Path) -> None:
    """``compare --format text -o f`` wrote no final newline (the GIS trial, session 37)."""
    from coverage.cli.args import write_output

    write_output("A vs B", str(tmp_path / "t.txt"))
    write_output("done\n", str(tmp_path / "u.txt"))
    write_output(b"\x89PNG", str(tmp_path / "b.png"))
    assert (tmp_path / "t.txt").read_bytes() == b"A vs B\n"
    assert (tmp_path / "u.txt").read_bytes() == b"done\n"  # not doubled
    assert (tmp_path / "b.png").read_bytes() == b"\x89PNG"  # bytes as given
