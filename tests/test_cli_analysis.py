"""Tests for the analysis commands: metrics, trajectory, launch-areas, icbm, defended layer."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coverage.cli import analysis as cli_a
from coverage.cli import args as cli_args

ROOT = Path(__file__).resolve().parent.parent
HAS_MAIN = (ROOT / "coverage" / "__main__.py").exists()
needs_main = pytest.mark.skipif(
    not HAS_MAIN, reason="coverage/__main__.py (the lead's CLI) is not there yet"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coverage", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ----------------------------------------------------------------------------- in process


@pytest.fixture(scope="module")
def parser():
    p = argparse.ArgumentParser(prog="coverage")
    cli_a.register(p.add_subparsers(dest="command", required=True))
    return p


def test_register__adds_the_commands(parser):
    args = parser.parse_args(
        ["metrics", "--year", "2018", "--launch-area", "W Iran", "--threat", "MRBM"]
    )
    q = cli_args.query_from_args(args)
    assert (q.launch_area, q.threat, q.delay_s, q.launch_on_remote) == (
        "W Iran",
        "MRBM",
        60.0,
        True,
    )
    args = parser.parse_args(
        ["trajectory", "--from", "tabriz", "--to", "2.35,48.85", "--boost", "100,80,50"]
    )
    assert args.boost.burn_time_s == 100.0 and args.boost.burnout_alt_m == 80_000.0
    args = parser.parse_args(["metrics", "--year", "2018", "--boost-track-needs-warhead"])
    assert cli_args.query_from_args(args).boost_track_needs_warhead
    assert not cli_args.query_from_args(
        parser.parse_args(["metrics", "--year", "2018"])
    ).boost_track_needs_warhead
    assert parser.parse_args(["launch-areas"]).func is not None
    assert parser.parse_args(["icbm", "--summary"]).summary


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["metrics", "--year", "2018", "--delay-s", "-5"], "--delay-s must be from 0 to 1200 s"),
        (["metrics", "--year", "2018", "--grid-km", "abc"], "--grid-km must be a number"),
        (
            ["trajectory", "--from", "a", "--to", "b", "--boost", "1,2"],
            "--boost must be BURN_S,ALT_KM,RANGE_KM",
        ),
        (["icbm", "--cueing", "telepathy"], "invalid choice"),
    ],
)
def test_register__rejects_impossible_values(parser, argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_resolve_place__names_and_coordinates():
    from coverage.catalogue.tables import load_catalogue

    cat = load_catalogue()
    assert cli_a.resolve_place(cat, "Tabriz", "--from")[1:] == (46.29, 38.08)
    assert cli_a.resolve_place(cat, "kozelsk", "--from")[0].startswith("Kozelsk")
    assert cli_a.resolve_place(cat, "washington", "--to")[0] == "Washington, DC"
    assert cli_a.resolve_place(cat, "-77.0,38.9", "--to")[1:] == (-77.0, 38.9)
    assert cli_a.resolve_place(cat, "Paris", "--to")[0] == "Paris (FRA)"
    with pytest.raises(ValueError, match="--to 'Atlantis' is not a known place"):
        cli_a.resolve_place(cat, "Atlantis", "--to")


# ----------------------------------------------------------------------------- python -m coverage


@needs_main
def test_metrics__json():
    res = run(
        "metrics",
        "--year",
        "2018",
        "--scenario",
        "planned",
        "--launch-area",
        "NW Iran",
        "--threat",
        "MRBM",
        "--grid-km",
        "100",
        "--format",
        "json",
    )
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert 0.0 <= data["nato_europe_area_share"] <= 1.0
    assert 0.0 <= data["nato_europe_population_share"] <= 1.0
    assert data["nato_europe_area_out_of_reach_share"] > 0.5  # a 2,000 km Sejjil from Tabriz
    assert (
        data["threat"] == "mrbm_sejjil" and data["year"] == 2018 and data["scenario"] == "planned"
    )
    iso = {c["iso3"] for c in data["countries"]}
    assert {"POL", "ROU", "TUR"} <= iso and "FIN" not in iso
    for c in data["countries"]:
        assert c["capital_status"] in ("defended", "not defended", "out of reach")


@needs_main
def test_metrics__csv_has_a_total_row():
    res = run(
        "metrics",
        "--year",
        "2024",
        "--launch-area",
        "tabriz",
        "--grid-km",
        "100",
        "--format",
        "csv",
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(io.StringIO(res.stdout))
    assert table.iso3.iloc[-1] == "NATO_EUROPE"
    assert table.area_defended_share.between(0, 1).all()


@needs_main
def test_trajectory__json_known_answer():
    res = run("trajectory", "--from", "tabriz", "--to", "Paris", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["ground_range_km"] == pytest.approx(3684, abs=3)  # fact sheet §2.5
    assert 700 < data["apogee_km"] < 850
    assert data["flight_time_s"] == pytest.approx(data["samples"][-1]["time_s"])
    assert data["samples"][0]["alt_km"] == 0.0 and data["samples"][-1]["alt_km"] == 0.0
    assert {"time_s", "lon_deg", "lat_deg", "alt_km"} <= set(data["samples"][0])


@needs_main
def test_launch_areas__lists_every_accepted_name():
    res = run("launch-areas", "--format", "json")
    assert res.returncode == 0, res.stderr
    names = [r["name"] for r in json.loads(res.stdout)]
    assert {"tabriz", "NW Iran", "W Iran", "all-iran"} <= set(names)


@needs_main
def test_icbm__summary_csv():
    res = run("icbm", "--summary", "--format", "csv")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(io.StringIO(res.stdout))
    # Every SM-3 variant at every site, and the sites' own other interceptors (Arrow 3 and
    # THAAD were in the answers but not in the table: a fresh-eyes review).
    assert set(table.variant) == {"sm3_ia", "sm3_ib", "sm3_iia", "sm3_iib", "arrow3", "thaad"}
    assert {"redzikowo", "deveselu", "north_sea"} <= set(table.site_id)
    own = table[~table.variant.str.startswith("sm3_")]
    assert (own.variant_at_site != "never").all()
    assert set(own.variant + "@" + own.site_id) >= {"thaad@deveselu"}
    assert own[own.variant == "arrow3"].site.str.contains("Holzdorf").all()
    assert (table.feasible_tracks <= table.tracks).all()


@needs_main
def test_icbm__answers_text_says_its_assumptions_first():
    # The text answers ("can reach 14 of 88 ICBM tracks") were printed without the perfect
    # cueing they assume (only the JSON had it): a line could be quoted without its caveat.
    res = run("icbm", "--answers", "--format", "text")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Assumptions: ") and "perfect external cueing" in lines[0]
    assert "most favourable case for the defence" in lines[0]
    assert lines[1].startswith("Low and high cases:")
    assert any(line.startswith("Aegis Ashore Poland") for line in lines[3:])


@needs_main
def test_icbm__shared_track_names_the_year_its_radars_come_from():
    # Under NATO's shared tracks the radars are one year's: without it, a clear error naming
    # the flag; with it, the third site's radars of 2013 are not the as-built year's.
    res = run("icbm", "--cueing", "shared_track", "--summary", "--format", "csv")
    assert res.returncode != 0
    assert "--cueing shared_track needs --radars-year YEAR" in res.stderr
    res = run("icbm", "--radars-year", "2024", "--summary", "--format", "csv")
    assert res.returncode != 0 and "--radars-year is for --cueing shared_track" in res.stderr
    res = run("icbm", "--cueing", "shared_track", "--radars-year", "1999")
    assert res.returncode != 0 and "2009 to 2040" in res.stderr
    res = run(
        "icbm", "--cueing", "shared_track", "--radars-year", "2024", "--summary", "--format", "csv"
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(io.StringIO(res.stdout))
    assert (table.feasible_tracks <= table.tracks).all()
    # The 2007 plan's radars (the X-band radar at Brdy, the forward radar) as the shared
    # tracks for every site of the table: the Brdy radar sees some of these ICBMs, and sites
    # launch on its track (the Third Site's own silos: the year's answer, icbm --year).
    res = run(
        "icbm",
        "--cueing",
        "shared_track",
        "--radars-year",
        "2013",
        "--radars-scenario",
        "third_site",
        "--format",
        "json",
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert "Shared tracks: the NATO BMD radars deployed in 2013 (Third Site" in out["assumptions"]
    assert any(r["launch_time_s"] is not None for r in out["rows"])


def test_icbm_year__the_year_answer_as_the_dashboard_tab_gives_it(catalogue):
    """``icbm --year``: the Third Site's silos of 2013 (answered in the year view only before)."""
    from coverage.products.icbm import IcbmAssumptions
    from coverage.products.icbm_year import icbm_year
    from coverage.scenario import FootprintOptions

    res = run(
        "icbm", "--year", "2013", "--scenario", "third_site", "--cueing", "shared_track",
        "--format", "json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    expected = icbm_year(
        catalogue,
        FootprintOptions(year=2013, scenario="third_site"),
        IcbmAssumptions(cueing="shared_track"),
    )
    assert out["reachable_tracks"] == expected.reachable_tracks
    assert out["tracks_total"] == len(expected.tracks) == len(out["tracks"])
    assert sum(t["reachable"] for t in out["tracks"]) == out["reachable_tracks"]
    assert [s["answer"] for s in out["sites"]] == list(expected.answers.answer)
    assert (
        "GBI" in out["sites"][0]["variant_name"]
        or "Ground-Based" in out["sites"][0]["variant_name"]
    )
    assert "Shared tracks: the NATO BMD radars deployed in 2013 (Third Site" in out["assumptions"]
    assert out["answer"].startswith(
        f"2013, Third Site (Bush plan 2007): {out['reachable_tracks']} of "
    )
    # The other cueings' counts beside the one asked (session 41's trial: "7 of 88" alone
    # read as the answer where it rests on perfect cueing).
    counts = out["reachable_tracks_by_cueing"]
    assert out["cueing"] == "shared_track" and counts["shared_track"] == out["reachable_tracks"]
    assert set(counts) == {"perfect", "shared_track", "own_radar"} and counts["own_radar"] == 0
    assert out["answer"].endswith(
        f"on NATO's shared radar tracks, in the nominal case; {counts['perfect']} with perfect "
        "cueing, none with each site's own radar."
    )
    # The text gives the same line and a line per site; a year with no interceptor says so.
    res = run("icbm", "--year", "2010", "--format", "text")
    assert res.returncode == 0, res.stderr
    assert "0 of 88 Russian ICBM tracks" in res.stdout
    assert "No interceptor is deployed in this year and scenario." in res.stdout
    # Flags that do not go with --year are named.
    res = run("icbm", "--year", "2016", "--summary")
    assert res.returncode != 0 and "--answers and --summary are for every site" in res.stderr
    res = run("icbm", "--year", "2016", "--cueing", "shared_track", "--radars-year", "2024")
    assert res.returncode != 0 and "--radars-year and --radars-scenario are not taken" in res.stderr
    res = run("icbm", "--year", "2013", "--radars-scenario", "third_site")
    assert res.returncode != 0 and "--radars-year and --radars-scenario are not taken" in res.stderr
    res = run("icbm", "--radars-scenario", "third_site", "--summary")
    assert res.returncode != 0 and "--radars-scenario is for --cueing shared_track" in res.stderr
    res = run("icbm", "--scenario", "planned", "--summary")
    assert res.returncode != 0 and "--scenario is for --year" in res.stderr


def test_fine_grid__a_note_before_a_run_that_may_take_minutes(capsys):
    # --grid-km 5 is within the work budget (25 times the default's targets) and printed
    # nothing for minutes; the note comes before any work. The default grid says nothing.
    from coverage.cli.main import _say_if_fine_grid, build_parser

    parser = build_parser()
    _say_if_fine_grid(parser.parse_args(["metrics", "--year", "2016", "--grid-km", "5"]))
    note = capsys.readouterr().err
    assert note.startswith("note: --grid-km 5 has 25 times the targets") and "minutes" in note
    _say_if_fine_grid(parser.parse_args(["metrics", "--year", "2016"]))
    assert capsys.readouterr().err == ""


@needs_main
def test_footprints__geojson_follows_rfc7946():
    # Exterior rings counter-clockwise and six decimals, as the export's GeoJSON.
    import shapely

    res = run("footprints", "--year", "2016", "--format", "geojson")
    assert res.returncode == 0, res.stderr
    features = json.loads(res.stdout)["features"]
    rings = [shapely.geometry.shape(f["geometry"]) for f in features]
    assert rings and all(shapely.is_ccw(p.exterior) for g in rings for p in shapely.get_parts(g))
    assert not re.search(r"\d\.\d{7,}", json.dumps(features))


@needs_main
def test_metrics__text_for_a_reader():
    # A journalist's question on the command line printed 12 KB of JSON with 16-digit
    # fractions: --format text gives the answer, the capitals, each country and the assumptions.
    res = run("metrics", "--year", "2016", "--launch-area", "tabriz", "--format", "text")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    as_json = json.loads(run("metrics", "--year", "2016", "--launch-area", "tabriz").stdout)
    assert lines[0].startswith("2016, as built, nominal estimate: the design-case threat")
    assert lines[0].endswith("launched from Tabriz (NW Iran)")
    assert lines[1].startswith(f"Defended: {as_json['nato_europe_area_share']:.1%} of NATO-Europe")
    caps = as_json["capitals_defended"]
    assert lines[3].startswith(f"Capitals: {caps} of ") and "Bucharest" in lines[3]
    assert any(line.strip().startswith("Romania ") for line in lines)
    assert lines[-2].startswith("Assumptions: ")
    res = run("metrics", "--series", "--format", "text")
    assert res.returncode == 2 and "--format text is for one year" in res.stderr


@needs_main
def test_footprints__defended_layer():
    res = run(
        "footprints",
        "--year",
        "2016",
        "--layer",
        "defended",
        "--launch-area",
        "NW Iran",
        "--threat",
        "MRBM",
        "--grid-km",
        "100",
    )
    assert res.returncode == 0, res.stderr
    features = json.loads(res.stdout)["features"]
    props = [f["properties"] for f in features]
    assert {p["layer"] for p in props} == {"defended"}
    assert props[-1]["site_id"] == "all" and props[-1]["launch_area"] == "NW Iran"
    assert {p["threat"] for p in props} == {"mrbm_sejjil"}


@needs_main
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["metrics", "--year", "2018", "--launch-area", "Atlantis"],
            "--launch-area 'Atlantis' is not known",
        ),
        (["metrics", "--year", "2018", "--threat", "ICBM-X"], "--threat 'ICBM-X' is not known"),
        (
            ["trajectory", "--from", "tabriz", "--to", "Nowhere"],
            "--to 'Nowhere' is not a known place",
        ),
        (["trajectory", "--from", "tabriz", "--to", "10,95"], "-90..90"),
        (["metrics", "--year", "1990"], "--year: must be from 2009 to 2040"),
        # The option given, not another ("argument --vs-year: --year must be ...").
        (["compare", "--year", "2016", "--vs-year", "2050"], "--vs-year: must be from 2009"),
        (
            ["trajectory", "--from", "tabriz", "--to", "tabriz"],
            "--from tabriz and --to tabriz are the same place",
        ),
        # The years given that are out of range, not the first of them alone ("got 2041").
        (["export", "--years", "2035-2045", "--out", "x.kml"], "; 2041-2045 are not"),
        (
            ["metrics", "--year", "2016", "--exclude-sites", "rotta", "--grid-km", "200"],
            "--exclude-sites ['rotta'] are not sites; known: deveselu,",
        ),
    ],
)
def test_errors__name_the_option_and_exit_2(argv, needle):
    res = run(*argv)
    assert res.returncode == 2
    assert needle in res.stderr
    assert res.stdout == ""


def test_flyout__prints_the_model_and_the_quoted_checks():
    res = run("flyout", "--variant", "sm3_iia", "--estimate", "nominal", "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for key in ("max_altitude_km", "max_ground_range_km", "burnout_speed_kmps", "burn_time_s"):
        assert isinstance(out[key], float), key
    assert out["burnout_speed_kmps"] == 4.5 and out["burn_time_s"] == 60.0
    row = out["table"][0]
    assert set(row) == {"ground_range_km", "altitude_km", "time_s"}
    # Quoted figures are checks next to the model, never inputs.
    assert out["checks"]["max_ground_range_km"]["quoted_high"] == 2500.0
    assert out["checks"]["max_ground_range_km"]["model"] == out["max_ground_range_km"]
    # The summary alone: the same figures without the ~2 MB table, its size said.
    res = run("flyout", "--variant", "sm3_iia", "--no-table")
    assert res.returncode == 0, res.stderr
    brief = json.loads(res.stdout)
    assert "table" not in brief and brief["table_points"] == len(out["table"])
    assert {k: v for k, v in out.items() if k != "table"} == {
        k: v for k, v in brief.items() if k != "table_points"
    }
    assert len(res.stdout) < 50_000  # the envelope stays (~10 KB); the table was ~2 MB


def test_flyout__unknown_variant_is_one_line_naming_the_flag():
    res = run("flyout", "--variant", "patriot_pac3")
    assert res.returncode == 2
    assert "--variant 'patriot_pac3' is not known; allowed: sm3_ia" in res.stderr
    assert "Traceback" not in res.stderr and "usage" not in res.stderr


def test_trajectory__eastward_needs_less_earth_relative_speed_on_a_rotating_earth():
    """Equator, 2,000 km, minimum energy: the margin is what the physics test derives (132 m/s)."""

    def speed(frm: str, to: str, *extra: str) -> dict:
        res = run("trajectory", "--from", frm, "--to", to, "--no-boost", *extra)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    east, west = speed("0,0", "17.99,0"), speed("17.99,0", "0,0")
    margin = west["burnout_speed_kmps"] - east["burnout_speed_kmps"]
    assert margin == pytest.approx(0.132, abs=0.003)
    assert east["inertial_burnout_speed_kmps"] > west["inertial_burnout_speed_kmps"]
    still_e, still_w = (
        speed("0,0", "17.99,0", "--no-rotation"),
        speed("17.99,0", "0,0", "--no-rotation"),
    )
    assert still_e["burnout_speed_kmps"] == pytest.approx(still_w["burnout_speed_kmps"], abs=1e-4)
    assert any("rotat" in a for a in east["assumptions"])


def test_metrics__exclude_sites_leaves_a_station_out_and_says_so():
    # A ship counts as on station all year (three at once as built from 2014): the reader can
    # leave one out, and the answer's assumptions say which.
    args = ["metrics", "--year", "2016", "--launch-area", "tabriz", "--grid-km", "100"]
    both = [run(*args), run(*args, "--exclude-sites", "rota")]
    assert all(r.returncode == 0 for r in both), [r.stderr for r in both]
    with_rota, without = (json.loads(r.stdout) for r in both)
    assert without["nato_europe_area_share"] < with_rota["nato_europe_area_share"]
    assert "sites left out by choice: rota" in without["assumptions"]
    assert "left out" not in with_rota["assumptions"]


def test_trajectory__radar_view_shows_a_booster_seen_only_at_the_mask():
    """From Shahrud on the design case's ICBM-class boost, the Kürecik TPY-2 sees the booster
    only in the last seconds before burnout, above its 2° mask, and never the warhead (the
    engine's answer for Oslo, tests/test_defended.py); each sample's flag follows from its
    slant range, elevation and the object's cued range."""
    res = run(
        "trajectory", "--from", "shahrud", "--to", "Oslo", "--threat-class", "ICBM",
        "--radar", "kurecik", "--format", "json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    view = d["radar_view"]
    assert view["cued_range_km_booster"] == 2250.0 and view["cued_range_km_warhead"] == 1064.0
    assert view["first_seen_warhead_s"] is None
    assert view["warhead_in_view_at_burnout"] is False  # the boost track would be dropped
    assert view["burnout_s"] - 15.0 < view["first_seen_in_boost_s"] < view["burnout_s"]
    for x in d["samples"]:
        reach = view["cued_range_km_booster" if x["in_boost"] else "cued_range_km_warhead"]
        if x["seen"]:
            assert x["elevation_deg"] >= view["elevation_mask_deg"] - 0.05
            assert x["slant_km"] <= reach + 0.1
        elif x["slant_km"] <= reach - 1.0 and x["elevation_deg"] >= 2.1:
            pytest.fail(f"in range and above the mask, yet not seen (sector?): {x}")
    bad = run("trajectory", "--from", "shahrud", "--to", "Oslo", "--radar", "atlantis")
    assert bad.returncode == 2 and "--radar 'atlantis' is not a radar site; allowed:" in bad.stderr
