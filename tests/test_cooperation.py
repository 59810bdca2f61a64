"""NATO–Russia early-warning cooperation: Russian radars as sensors, the gain and its invariants."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.products.cooperation import (
    SHARED_TRACKS_WORDS,
    WarningTiming,
    cooperation_answers,
    cooperation_comparison,
    warning_timing,
)
from coverage.products.defended import defended_grid
from coverage.scenario import DefenceQuery, FootprintOptions, cooperation_labels, resolve


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _q(**kw):
    return DefenceQuery(launch_area="tabriz", grid_km=100.0, **kw)


def test_nato_alone__has_no_warning_radars_and_is_the_default(catalogue):
    setup = resolve(catalogue, FootprintOptions(year=2016), _q())
    assert setup.query.cooperation == "nato_alone"
    assert setup.warning_radars == () and setup.warning_ids == ()


def test_shared_early_warning__uses_the_radars_active_in_the_year(catalogue):
    ids_2012 = resolve(
        catalogue, FootprintOptions(year=2012), _q(cooperation="shared_early_warning")
    )
    ids_2016 = resolve(
        catalogue, FootprintOptions(year=2016), _q(cooperation="shared_early_warning")
    )
    assert "gabala" in ids_2012.warning_ids and "gabala" not in ids_2016.warning_ids  # closed 2012
    assert "pionersky" in ids_2016.warning_ids and "pionersky" not in ids_2012.warning_ids  # 2014
    putin = resolve(catalogue, FootprintOptions(year=2012), _q(cooperation="putin_2007_radars"))
    assert set(putin.warning_ids) == {"gabala", "armavir"}


def test_putin_offer_scenario__brings_its_own_radars(catalogue):
    setup = resolve(catalogue, FootprintOptions(year=2013, scenario="putin_2007"), _q())
    assert {"gabala", "armavir"} <= set(setup.warning_ids)


@pytest.mark.parametrize("year", [2012, 2016, 2024])
@pytest.mark.parametrize("cueing", ["by_date", "off"])
def test_gain__is_never_negative(catalogue, year, cueing):
    for cid in ("shared_early_warning", "putin_2007_radars"):
        cmp = cooperation_comparison(
            catalogue, FootprintOptions(year=year), _q(satellite_cueing=cueing), cid
        )
        assert not cmp.change.lost.any()
        assert (
            cmp.gained_share >= 0.0 and cmp.b.nato_europe_area_share >= cmp.a.nato_europe_area_share
        )


def test_gain__without_satellites_only_a_warning_before_any_nato_track_adds_ground(catalogue):
    """2016 as built, no satellite cue: nothing added, since Kürecik's shared track cues NATO's
    other radars (until session 39 the engine let no NATO track cue another, and Armavir's
    warning stood in for it: +9.9 points). 2024, no satellite cue, a boost track that must be
    held on the warhead: Armavir's warning comes before any NATO track on over half the
    undefended ground, and gains it; with the satellites' cue (by date) no more."""
    off = cooperation_answers(catalogue, FootprintOptions(year=2016), _q(satellite_cueing="off"))
    on = cooperation_answers(catalogue, FootprintOptions(year=2016), _q())
    assert off["scenarios"]["shared_early_warning"]["gain_share"] == 0.0
    assert off["nato_alone_share"] == pytest.approx(on["nato_alone_share"])
    held = {"satellite_cueing": "off", "boost_track_needs_warhead": True}
    strict = cooperation_answers(catalogue, FootprintOptions(year=2024), _q(**held))
    gain = strict["scenarios"]["shared_early_warning"]["gain_share"]
    assert gain > 0.05
    assert (
        0.0
        <= strict["nato_alone_share"]
        <= strict["scenarios"]["shared_early_warning"]["share"]
        <= 1.0
    )
    cued = cooperation_answers(
        catalogue, FootprintOptions(year=2024), _q(boost_track_needs_warhead=True)
    )
    assert cued["scenarios"]["shared_early_warning"]["gain_share"] <= gain
    # Putin's 2007 offer named Gabala and Armavir; Gabala closed in 2012 and is said to be out.
    putin = on["scenarios"]["putin_2007_radars"]
    assert [r for r in putin["radars"] if "Armavir" in r]
    assert putin["radars_inactive"] == ["Gabala (Qabala) (in service 1985-2012)"]


def test_nato_alone_metrics__unchanged_by_the_cooperation_machinery(catalogue):
    """The NATO-alone grid is the very same engine run as before the feature (cache key)."""
    a = defended_grid(catalogue, FootprintOptions(year=2016), _q())
    b = defended_grid(catalogue, FootprintOptions(year=2016), _q(cooperation="nato_alone"))
    np.testing.assert_array_equal(a.result.defended, b.result.defended)
    assert np.all(np.isinf(a.result.warning_time_s[a.result.reachable]))


def _timing(catalogue, year, **kw):
    opts = FootprintOptions(year=year)
    alone = defended_grid(catalogue, opts, _q(**kw))
    shared = defended_grid(catalogue, opts, _q(cooperation="shared_early_warning", **kw))
    return warning_timing(catalogue, alone, shared, catalogue.nato_members_in(year))


def test_why__2016_nothing_added_because_kurecik_and_the_satellites_came_first(catalogue):
    """The new user's "+0.0 %": the page now says why. 2016 as built, satellites by date: the
    TPY-2 at Kürecik sees the threat from Tabriz before any Russian radar, and the satellites
    have cued NATO's radars (60 s) before Russia's radars see it."""
    t = _timing(catalogue, 2016)
    assert t.gain_share == 0.0 and t.warning_first_share == 0.0
    assert t.nato_first_share > 0.95 and t.nato_first_radar == "Kürecik Radar Station"
    assert t.satellite_cue_s == 60.0 and t.before_satellites_share == 0.0
    assert t.sooner_share == 0.0 and t.advance_share == 0.0
    text = t.text()
    assert "NATO's own radars saw 99 % first (mostly Kürecik Radar Station)" in text
    # The shares split the tracks, and the words say the last one is the rest.
    assert "; Russia's radars never saw the other 1 %." in text
    assert "had already cued NATO's radars at 60 s, before Russia's radars saw any" in text
    assert text.endswith("A warning only helps when it comes first: here it adds nothing.")


@pytest.mark.parametrize("year", [2011, 2012, 2016, 2024])
@pytest.mark.parametrize("cueing", ["by_date", "off"])
def test_why__shares_partition_the_tracks_and_a_gain_has_a_mechanism(catalogue, year, cueing):
    t = _timing(catalogue, year, satellite_cueing=cueing)
    assert t.tracks > 0
    assert t.unseen_share + t.nato_first_share + t.warning_first_share == pytest.approx(1.0)
    for name in ("sooner_share", "advance_share", "gain_share", "before_satellites_share"):
        assert 0.0 <= getattr(t, name) <= 1.0, name
    # Ground is gained only through a sooner NATO track, an earlier launch, or the warning's
    # cue alone (a site's own radar sees the intercept point farther out); the first two need
    # a warning before NATO's own first detection.
    if t.gain_share > 0:
        assert t.sooner_share > 0 or t.advance_share > 0 or t.cue_only_share > 0
    if t.sooner_share > 0 or t.advance_share > 0:
        assert t.warning_first_share > 0
    # Without a cue of its own (satellites on by date, no sooner track), the warning moves a
    # launch at most the track-and-C2 delay: t_launch = min(t_fc + d, max(t_warn + d, t_fc)).
    if t.sooner_share == 0 and t.advance_share > 0 and not t.warning_commits:
        assert t.advance_s_median <= t.delay_s + 1e-9


@pytest.mark.parametrize("year", [2011, 2012])
def test_why__a_committing_warning_advances_the_launch_by_its_lead(catalogue, year):
    """Known answer: with the warning committing, t_launch = min(t_fc, t_warn) + delay, so on a
    warning-first track the launch moves exactly the warning's lead."""
    t = _timing(catalogue, year, warning_commits=True)
    assert t.warning_first_share == pytest.approx(1.0) and t.sooner_share == 0.0
    assert t.advance_s_median == pytest.approx(t.lead_s_median, abs=1e-6)
    assert "Interceptor launches came earlier on all" in t.text()
    assert "(The warning itself moves" not in t.text()  # no delay cap when it commits


def test_why__without_satellites_nato_s_shared_track_is_the_cue_and_russia_adds_nothing(catalogue):
    """2016, no satellites: Kürecik sees the boosting missile first, and its track, shared
    under launch on remote, cues the Aegis sites' own SPY-1s: the Russian warning adds no cue.

    Until session 39 the engine let no NATO track cue another radar, and counted a +9.9-point
    gain for Russia's warning here (a journalist read "NATO saw 99 % first, yet Russia's
    warning cued NATO's radars" as a contradiction; it was the model's).
    """
    t = _timing(catalogue, 2016, satellite_cueing="off")
    assert math.isnan(t.satellite_cue_s) and t.shared_tracks
    assert t.nato_first_share > 0.95 and t.nato_first_radar == "Kürecik Radar Station"
    assert t.gain_share == 0.0 and t.cue_only_share == 0.0
    assert SHARED_TRACKS_WORDS in t.text()
    assert t.text().endswith("A warning only helps when it comes first: here it adds nothing.")
    assert t.brief() == (
        "NATO's own radars saw the threats to the undefended ground no later than Russia's, "
        "and their shared tracks cue one another: a warning adds nothing"
    )


def test_why__each_site_on_its_own_radar_the_warning_is_the_cue_after_nato_saw_first(catalogue):
    """The same without launch on remote: no NATO track cues another radar, and the Russian
    warning, the only cue, lets the Aegis sites' own SPY-1s see the intercept point farther
    out (a site launches on its own radar's track, which the cue brings no sooner)."""
    t = _timing(catalogue, 2016, satellite_cueing="off", launch_on_remote=False)
    assert not t.shared_tracks and t.nato_first_share > 0.95
    assert t.gain_share > 0.0 and t.cue_only_share > 0.0
    assert SHARED_TRACKS_WORDS not in t.text()
    assert "Russia's warning was the cue of NATO's radars (no satellite cue in force)" in t.text()
    assert "no NATO track cues another radar here" in t.brief()


@pytest.mark.parametrize(
    "kw", [{"booster_rcs_m2": 0.05}, {"boost_track_needs_warhead": True}], ids=["one_rcs", "held"]
)
def test_why__without_satellites_russia_s_warning_still_counts_where_it_comes_first(catalogue, kw):
    """2024, no satellites, no track of the boosting missile that counts (one RCS for the whole
    flight, or a boost track that must be held on the warhead): on over half the tracks to the
    ground NATO alone leaves undefended Armavir sees the warhead first, before any NATO radar
    holds a track, and its cue lets NATO's radars track it at all. NATO's shared tracks cue
    nothing there: there is no NATO track yet."""
    t = _timing(catalogue, 2024, satellite_cueing="off", **kw)
    assert math.isnan(t.satellite_cue_s) and t.shared_tracks
    assert t.warning_first_share > 0.5 and "Armavir" in t.warning_first_radar
    assert t.gain_share == pytest.approx(t.warning_first_share)
    assert t.sooner_share == pytest.approx(t.warning_first_share) == t.track_only_share
    text = t.text()
    assert "Cued by the Russian warning, NATO's radars held a track sooner" in text
    assert "satellites' launch warning" not in text and SHARED_TRACKS_WORDS in text
    assert f"Result: {t.gain_share:.0%}".replace("%", " %") in text
    assert "(The warning itself moves a launch at most the 60 s track-and-C2 delay" in text


def test_why__nothing_to_explain_when_nato_alone_defends_everything():
    nan = float("nan")
    t = WarningTiming(0, 0.0, 0.0, "", 0.0, "", nan, 60.0, 0.0, 0.0, nan, 0.0, 0.0, nan, 0.0,
                      0.0, False, 60.0)  # fmt: skip
    assert t.text() == "NATO alone already defends all the ground within the threat's reach."
    assert t.to_dict()["lead_s_median"] is None  # JSON-ready


def test_cli_cooperation__json_keys():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "cooperation",
            "--year",
            "2012",
            "--scenario",
            "actual",
            "--launch-area",
            "tabriz",
            "--grid-km",
            "100",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    ans = json.loads(out.stdout)
    assert 0.0 <= ans["nato_alone_share"] <= 1.0
    for cid in ("shared_early_warning", "putin_2007_radars"):
        v = ans["scenarios"][cid]
        assert 0.0 <= v["gain_share"] <= 1.0 and v["share"] >= ans["nato_alone_share"]
        assert isinstance(v["capitals_gained"], list)
        assert v["why"].startswith("Of the threat tracks to ground NATO alone leaves undefended")
        assert v["timing"]["tracks"] > 0 and v["timing"]["satellite_cue_s"] == 60.0


def test_cli_cooperation__text_says_whose_assumptions_it_lists():
    # The text ended "Assumptions: ... NATO sensors only" under rows that use Russia's radars.
    out = subprocess.run(
        [sys.executable, "-m", "coverage", "cooperation", "--year", "2016"]
        + ["--launch-area", "tabriz", "--grid-km", "100", "--format", "text"],
        capture_output=True,
        text=True,
        check=True,
    )
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("Assumptions (NATO alone; each scenario above adds only the sensors")


def test_cli_cooperation__unknown_scenario_is_one_line():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "cooperation",
            "--year",
            "2012",
            "--launch-area",
            "tabriz",
            "--cooperation",
            "bogus",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "error: --cooperation 'bogus' is not known; allowed: nato_alone, shared_early_warning, "
        "putin_2007_radars"
    )


def test_app__cooperation_gain_on_the_map_and_the_tab():
    """2024, no satellite cue, a boost track that must be held on the warhead: Armavir's
    warning comes before any NATO track on half the undefended ground and gains it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=240)
    at.query_params.update(
        {
            "year": "2024",
            "cue": "off",
            "handover": "true",
            "coop": "shared_early_warning",
            "coop_gain": "true",
            "tab": "NATO-Russia early warning",
        }
    )
    at.run()
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in deck["layers"]]
    assert "compare-gained" in ids  # the gain over NATO alone, in the comparison colours
    text = " ".join(m.value for m in at.markdown)
    assert "Shared early warning (Joint Data Fusion Centre" in text and "gain +" in text
    # Each scenario says why it gains what it gains (here: Russia's warning comes before any
    # NATO track and cues NATO's radars onto the warhead); a second identical reason is not
    # repeated.
    whys = [m.value for m in at.markdown if m.value.startswith("*Why:*")]
    assert len(whys) == 2 and "Cued by the Russian warning, NATO's radars held a track" in whys[0]
    assert not [w for w in at.warning if "coop" in w.value]
    # And by the map, under the headline, in one clause (it was only in the tab far below).
    line = next(m.value for m in at.markdown if "epaa-cooperation-why" in m.value)
    assert "Russia&#x27;s radars saw 55 % of the threats to the undefended ground first" in line
    assert (
        "of that undefended ground gained" in line
        and "in the tab NATO-Russia early warning" in line
    ), line
    # With the satellites' cue (by date): nothing to gain.
    at.selectbox(key="cue").set_value("by_date").run()
    assert not at.exception
    line = next(m.value for m in at.markdown if "epaa-cooperation-why" in m.value)
    assert "a warning adds nothing" in line or "not enough to reach more ground" in line, line


def test_app__no_gain_with_the_satellites_cue_points_to_the_switch_that_shows_one():
    """2016, defaults: every scenario gains +0.0, and the tab offers satellite cueing off.

    The switch sat in another panel, and a new user found it only through the README (the
    debate trial, session 37); one click sets it, and the answer (still nothing) says why.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=240)
    at.query_params.update({"year": "2016", "tab": "NATO-Russia early warning"})
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "(gain +0.0 percentage points)" in text
    assert any("already cues NATO's radars" in i.value for i in at.info)
    at.button(key="coop_cue_off").click().run()
    assert not at.exception
    assert at.selectbox(key="cue").value == "off"
    text = " ".join(m.value for m in at.markdown)
    gains = [float(g) for g in re.findall(r"gain ([+-]\d+\.\d) percentage points", text)]
    # 2016: even without the satellites, Kürecik's shared track cues NATO's other radars, so
    # Russia's radars add nothing (the tab says why; before session 39 the engine let no NATO
    # track cue another radar and counted +9.9 points).
    assert gains and max(gains) == 0.0, gains
    assert "its own first track had already cued its other radars" in text
    assert not any("already cues NATO's radars" in i.value for i in at.info)
    assert "coop_cue_off" not in [b.key for b in at.button]
    # It says the whole page changed (the headline dropped with no word why, session 38), and
    # one click sets it back.
    warned = " ".join(w.value for w in at.warning)
    assert "off for the whole page" in warned and "NATO alone now defends 16 %" in warned
    at.button(key="coop_cue_back").click().run()
    assert not at.exception
    assert at.selectbox(key="cue").value == "by_date"
    assert any("already cues NATO's radars" in i.value for i in at.info)
    assert "coop_cue_back" not in [b.key for b in at.button]


def test_app__picking_a_cooperation_scenario_shows_the_russian_radars():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=240)
    at.query_params.update({"year": "2016"})
    at.run()
    assert at.checkbox(key="show_early_warning").value is False  # off by default
    at.selectbox(key="coop").set_value("shared_early_warning").run()
    assert not at.exception
    # The scenario's radars are what it adds: their footprints are turned on to be seen.
    assert at.checkbox(key="show_early_warning").value is True
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "early_warning" in [layer["id"] for layer in deck["layers"]]
    # The panel points to the switches that decide whether a warning can add anything (the
    # satellites' cue, NATO's shared tracks), by the names the sidebar gives them (session
    # 37's debate trial).
    model = next(c.value for c in at.sidebar.caption if "fire-control quality" in c.value)
    assert (
        "'Satellite cueing of the radars' and 'Launch on remote' under 'Physics and "
        "assumptions'" in model
    )
    assert at.selectbox(key="cue").label == "Satellite cueing of the radars"
    assert at.toggle(key="remote").label == "Launch on remote"
    assert any(e.label == "Physics and assumptions" for e in at.sidebar.expander)
    # Turned off again by hand, it stays off while the scenario stays.
    at.checkbox(key="show_early_warning").uncheck().run()
    at.slider(key="year").set_value(2017).run()
    assert at.checkbox(key="show_early_warning").value is False


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"coop": "shared_early_warning"}, True),  # an id, as a hand-made link has it
        ({"coop": "nato_alone"}, False),
        ({"coop": "shared_early_warning", "show_early_warning": "false"}, False),
    ],
)
def test_app__a_linked_cooperation_scenario_shows_the_russian_radars(query, shown):
    # A review: ?coop=shared_early_warning named Russia's radars in the title and the "why"
    # line but left their layer off (the menu turns it on; a link never changes the menu).
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=240)
    at.query_params.update({"year": "2016", **query})
    at.run()
    assert not at.exception
    assert at.checkbox(key="show_early_warning").value is shown
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert ("early_warning" in [layer["id"] for layer in deck["layers"]]) is shown


def test_cooperation_chart__legend_whole_under_the_chart_with_dash_and_marker():
    # The scenario names are long; a legend on the right cut them at 160 px. Colour, dash and
    # marker follow the scenario, so coinciding lines (no gain) are still told apart.
    import pandas as pd

    from dashboard.russia import series_chart

    labels = list(cooperation_labels().values())
    frame = pd.DataFrame(
        [
            {"year": y, "label": label, "area_share": 0.2 if y < 2016 else 0.4}
            for y in (2015, 2016)
            for label in labels
        ]
    )
    spec = series_chart(frame, "NATO Europe").to_dict()
    lines, points = spec["layer"]
    assert lines["mark"]["type"] == "line" and points["mark"]["type"] == "point"
    enc = spec.get("encoding") or lines["encoding"]
    for channel in ("color", "strokeDash", "shape"):
        assert enc[channel]["field"] == "label" and enc[channel]["sort"] == labels
        legend = enc[channel]["legend"]
        assert legend["orient"] == "bottom" and legend["labelLimit"] == 0, legend
    # Each scenario thinner (and its marker smaller) than the one before: coinciding lines nest.
    assert lines["encoding"]["size"]["scale"]["range"] == [7, 2]
    assert (
        points["encoding"]["size"]["scale"]["range"][0]
        > points["encoding"]["size"]["scale"]["range"][1]
    )
    rows = spec["datasets"][next(iter(spec["datasets"]))]
    assert {row["share"] for row in rows} == {20.0, 40.0}


def test_coverage_series_chart__measure_legend_shows_the_dash() -> None:
    # Territory and population differ only by their dash; with points on the lines the legend
    # showed two identical black dots (new-user trial). Its swatches are now line strokes.
    import pandas as pd

    from dashboard.analysis import coverage_series_chart

    series = pd.DataFrame(
        [
            {
                "year": y,
                "scenario": s,
                "nato_europe_area_share": 0.1,
                "nato_europe_population_share": 0.2,
            }
            for y in (2015, 2016)
            for s in ("planned", "actual")
        ]
    )
    spec = coverage_series_chart(series).to_dict()
    lines, points = spec["layer"]
    dash = lines["encoding"]["strokeDash"]
    assert dash["field"] == "measure" and dash["legend"]["symbolType"] == "stroke", dash
    # The lines alone carry the dash's legend: with points on the line mark its swatches were
    # invisible points and the legend showed bare words (a review).
    assert lines["mark"]["type"] == "line" and "point" not in lines["mark"], lines["mark"]
    assert "strokeDash" not in points["encoding"] and points["mark"]["type"] == "point"
    rows = spec["datasets"][next(iter(spec["datasets"]))]
    assert {r["measure"] for r in rows} == {"territory", "population"}
    assert {r["scenario"] for r in rows} == {"as planned (2009)", "as built"}


def test_charts__one_palette_one_meaning_and_tooltips_in_words() -> None:
    # Orange and blue meant the measure in the delay chart and the scenario in the 2011-2026
    # chart, each from hexes of its own; the series' tooltips read "year", "scenario",
    # "measure", "share" (a review). Both now read coverage.style's table: colour = scenario,
    # dash = measure, in both.
    import pandas as pd

    from coverage.style import MEASURE_DASHES, SCENARIO_CHART_COLOURS
    from dashboard.analysis import coverage_series_chart

    series = pd.DataFrame(
        [
            {"year": y, "scenario": s, "nato_europe_area_share": 0.1,
             "nato_europe_population_share": 0.2}
            for y in (2015, 2016)
            for s in ("planned", "actual")
        ]
    )  # fmt: skip
    lines, _ = coverage_series_chart(series).to_dict()["layer"]
    enc = lines["encoding"]
    assert enc["color"]["scale"]["range"] == list(SCENARIO_CHART_COLOURS.values())
    assert enc["strokeDash"]["scale"]["range"] == list(MEASURE_DASHES.values())
    assert [t["title"] for t in enc["tooltip"]] == ["Year", "Scenario", "Share of", "Defended"]
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "dashboard" / "analysis.py").read_text(
        encoding="utf-8"
    )
    assert "#0072B2" not in source and "#E69F00" not in source  # no chart's own hexes
