"""Tests for coverage.products.delay: the defended share at every delay from one engine run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.products.defended import defended_grid
from coverage.products.delay import delay_curve, delay_curve_for, threshold_delays
from coverage.products.metrics import coverage_metrics
from coverage.scenario import DefenceQuery, FootprintOptions

GRID = 50.0  # km: the derivation is the same on any grid; 50 km keeps the runs short


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _query(**kw):
    return DefenceQuery(launch_area="tabriz", grid_km=GRID, **kw)


def test_delay_curve__equals_runs_at_those_delays(catalogue):
    # 2024 as built: the Polish site's intercepts are time-limited, so the share moves.
    options = FootprintOptions(year=2024)
    curve = delay_curve_for(catalogue, options, _query())
    t = curve.table.set_index("delay_s")
    assert curve.delay_s == 60.0 and len(t) == 31
    for delay in (0.0, 60.0, 300.0):
        m = coverage_metrics(catalogue, options, _query(delay_s=delay))
        assert t.area_share[delay] == m.nato_europe_area_share, delay
        assert t.population_share[delay] == m.nato_europe_population_share, delay
        assert t.capitals_defended[delay] == m.capitals_defended, delay
    assert t.area_share[0.0] > t.area_share[300.0]  # later launches defend less
    assert (np.diff(t.area_share.to_numpy()) <= 0).all()  # never more with a longer delay
    assert curve.lost_at_s >= 60.0 and curve.gained_at_s < 60.0
    assert "at 0 s" in curve.sentence() and "at 300 s" in curve.sentence()


@pytest.mark.parametrize("delay", [0.0, 30.0, 60.0, 150.0, 290.0])
def test_delay_curve__one_run_serves_every_delay_of_a_state(catalogue, delay):
    # delay_curve_for runs the engine at RUN_DELAY_S whatever the state's delay: the curve and
    # its limits must be those derived from a run at the state's own delay.
    options = FootprintOptions(year=2024)
    own = delay_curve(
        defended_grid(catalogue, options, _query(delay_s=delay), latest=True), catalogue
    )
    shared = delay_curve_for(catalogue, options, _query(delay_s=delay))
    assert shared.delay_s == own.delay_s == delay
    pd.testing.assert_frame_equal(shared.table, own.table)
    assert shared.lost_at_s == pytest.approx(own.lost_at_s, abs=1e-9)
    assert shared.gained_at_s == pytest.approx(own.gained_at_s, abs=1e-9)
    assert shared.brief() == own.brief() and shared.sentence() == own.sentence()
    m = coverage_metrics(catalogue, options, _query(delay_s=delay))  # the headline's figure
    row = shared.table.set_index("delay_s").loc[delay]
    assert row.area_share == m.nato_europe_area_share


def test_delay_curve__2016_is_the_same_at_every_delay_and_says_where_it_breaks(catalogue):
    # The trial's "the delay slider changes nothing in 2016": the model's answer, explained by
    # the exact delay past which the first defended place is lost, checked by running there.
    options = FootprintOptions(year=2016)
    dg = defended_grid(catalogue, options, _query(), latest=True)
    curve = delay_curve(dg, catalogue)
    assert curve.table.area_share.nunique() == 1
    assert 300.0 < curve.lost_at_s < 3_600.0
    sentence = curve.sentence()
    assert "are defended at every delay from 0 to 300 s" in sentence
    shown = math.floor(curve.lost_at_s * 10) / 10  # never later than the true limit
    # Past the slider's 300 s, said so (it read like a value of the slider; a review).
    assert f"would be lost only past {shown:,.1f} s, beyond 300 s" in sentence
    assert curve.gained_at_s == -math.inf
    assert "no launch, however early" in sentence and "time limit is elsewhere" in sentence
    brief = delay_curve_for(catalogue, options, _query(), delays=()).brief()
    assert brief == (
        "Computed for this state (a place: a 25 km cell or a city): the same places are "
        f"defended at every delay from 0 to 300 s; the first defended place would be lost only "
        f"past {shown:,.1f} s, beyond 300 s, and no launch, however early, would defend a place "
        "that is not defended now."
    )
    before = defended_grid(catalogue, options, _query(delay_s=math.floor(curve.lost_at_s) - 1.0))
    late = math.ceil(curve.lost_at_s) + 1.0
    after = defended_grid(catalogue, options, _query(delay_s=late))
    np.testing.assert_array_equal(before.result.defended, dg.result.defended)
    lost = dg.result.defended & ~after.result.defended
    assert lost.any() and not (after.result.defended & ~dg.result.defended).any()
    # The places lost are exactly those whose own limit lies below the later delay.
    limit = threshold_delays(dg)
    np.testing.assert_array_equal(lost, dg.result.defended & (limit < late))


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ({"shoot_look_shoot": True}, "shoot-look-shoot"),
        ({"cooperation": "shared_early_warning"}, "early-warning radar"),
        ({"flyout_model": "reach_formula"}, "reach formula"),
    ],
)
def test_delay_curve__says_when_it_cannot_be_derived(catalogue, query, why):
    curve = delay_curve_for(catalogue, FootprintOptions(year=2016), _query(**query))
    assert curve.table is None and why in curve.reason
    assert why in curve.brief()
    assert curve.sentence().startswith("The share at other delays is not derived here")


def test_cli_metrics_delay_curve__json_and_csv(catalogue, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    args = [sys.executable, "-m", "coverage", "metrics", "--year", "2024", "--grid-km", "50"]
    res = subprocess.run(
        [*args, "--delay-curve"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    curve = delay_curve_for(catalogue, FootprintOptions(year=2024), _query())
    assert out["delay_s"] == 60.0 and out["answer"] == curve.sentence()
    assert [r["area_share"] for r in out["rows"]] == curve.table.area_share.tolist()
    csv = tmp_path / "curve.csv"
    res = subprocess.run(
        [*args, "--delay-curve", "--format", "csv", "-o", str(csv)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert (
        csv.read_text().splitlines()[0] == "delay_s,area_share,population_share,capitals_defended"
    )
    res = subprocess.run(
        [*args, "--delay-curve", "--shoot-look-shoot"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode != 0 and "shoot-look-shoot" in res.stderr


def test_delay_sentences__never_claim_time_does_not_matter_when_it_does(catalogue):
    # 2024, low estimate with one RCS for the whole flight (the 0.01 m² warhead's: the radars
    # do not see the booster in boost): nothing defended at any slider delay, yet a launch
    # *before* detection would defend places: time is the limit, so the page must not say it
    # is not.
    options = FootprintOptions(year=2024, estimate="low")
    curve = delay_curve_for(catalogue, options, _query(booster_rcs_m2=0.01))
    assert curve.table.area_share.max() == 0.0
    assert np.isfinite(curve.gained_at_s) and curve.gained_at_s < 0.0
    sentence = curve.sentence()
    assert "before detection (impossible without earlier warning)" in sentence
    assert "however early" not in sentence and "time limit is elsewhere" not in sentence
    # Launch on remote off (60 s): nothing defended, but a shorter delay would defend some.
    off = delay_curve_for(
        catalogue, FootprintOptions(year=2024), _query(launch_on_remote=False), (0.0, 300.0)
    )
    brief = off.brief()
    assert "no place is defended" in brief and "a launch within" in brief
    assert off.table.area_share.iloc[0] > 0.0
