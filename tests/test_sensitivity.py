"""Tests for coverage.products.sensitivity: one assumption at a time, the others nominal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.products.metrics import coverage_metrics
from coverage.products.sensitivity import LEVERS, sensitivity_table, variable_rows
from coverage.scenario import DefenceQuery, FootprintOptions

ROOT = Path(__file__).resolve().parent.parent
#: The state every test here asks about: 2016 as built, from Tabriz, on a coarse grid.
OPTIONS = FootprintOptions(year=2016)
QUERY = DefenceQuery(launch_area="tabriz", grid_km=100.0)


@pytest.fixture(scope="module")
def table():
    return sensitivity_table(load_catalogue(), OPTIONS, QUERY)


@pytest.fixture(scope="module")
def parameter_rows():
    return variable_rows(load_catalogue(), OPTIONS, QUERY)


def test_every_lever_once_sorted_by_swing(table, parameter_rows):
    parameters = {row["assumption"] for row in parameter_rows}
    assert sorted(table.assumption) == sorted([*(lever.name for lever in LEVERS), *parameters])
    assert table.swing.is_monotonic_decreasing
    shares = table[["area_share_low", "area_share_nominal", "area_share_high"]].to_numpy()
    assert ((shares >= 0) & (shares <= 1)).all()
    assert (table.swing >= 0).all()
    assert table.swing.to_numpy() == pytest.approx(shares.max(axis=1) - shares.min(axis=1))


def test_parameter_rows__each_sampled_parameter_alone(table, parameter_rows):
    # Each parameter of data/distributions.csv the state uses, alone at its low and its high
    # (the review of the physics issue: burnout speed, altitude limits and radar ranges had no
    # row of their own). 2016 as built: Deveselu's SM-3 IB and the Mediterranean ships' IA, each
    # site firing within its own SPY-1D's view (no engage on remote yet): the radar's range moves
    # the answer, the interceptors' burnout speed within 2.7-3.5 km/s does not.
    from coverage.products.draws import apply_draw, sweep_variables, system_map
    from coverage.scenario import resolve

    rows = table.set_index("assumption")
    spy = rows.loc["AN/SPY-1D range"]
    assert (spy.low, spy.high) == ("400 km", "1000 km")
    assert spy.area_share_low < spy.area_share_nominal < spy.area_share_high
    burnout = rows.loc["SM-3 Block IA, SM-3 Block IB burnout speed"]
    assert (burnout.low, burnout.high) == ("2.7 km/s", "3.5 km/s")
    assert "SM-3 Block IA, SM-3 Block IB lowest intercept altitude" in rows.index
    # The interceptors' burn time (unsourced: nominal ±25 %, an assumption) has its row too.
    burn = rows.loc["SM-3 Block IA, SM-3 Block IB burn time (each stage keeps its share)"]
    assert (burn.low, burn.high) == ("75 s", "45 s")
    # Not repeated: what an assumption above already moves (delay, RCS, elevation masks).
    names = {row["assumption"] for row in parameter_rows}
    assert not any("RCS" in n or "elevation mask" in n or "delay" in n for n in names), names
    # The same engine as the metrics: a parameter at its nominal value gives the nominal share.
    catalogue = load_catalogue()
    setup = resolve(catalogue, OPTIONS, QUERY)
    var = next(v for v in sweep_variables(catalogue, setup) if v.name == "spy1_range")
    assert apply_draw(setup, [var], [var.nominal], system_map(catalogue, setup)) == setup


def test_parameter_rows__every_sampled_parameter_has_words():
    from coverage.catalogue.distributions import load_distributions, parse_targets
    from coverage.products.sensitivity import _MOVED_BY_LEVERS, _PARAMETER_WORDS

    # Those an assumption row already moves have that row's words instead.
    for applies in load_distributions().applies_to:
        for target in parse_targets(applies):
            if target.table != "query" and target.parameter not in _MOVED_BY_LEVERS:
                assert target.parameter in _PARAMETER_WORDS, target


def test_nominal_column_is_the_plain_metrics(table):
    m = coverage_metrics(load_catalogue(), OPTIONS, QUERY)
    assert (table.area_share_nominal == m.nato_europe_area_share).all()


def test_one_sided_levers_keep_the_other_side_nominal(table):
    row = table.set_index("assumption").loc["Sensor cueing"]
    assert row.high == "(nominal)" and row.area_share_high == row.area_share_nominal
    # Firing only on a site's own radar can never defend more than launch on remote.
    assert row.area_share_low <= row.area_share_nominal


def test_cli_metrics_sensitivity_json():
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "metrics",
            "--year",
            "2018",
            "--launch-area",
            "tabriz",
            "--grid-km",
            "200",
            "--sensitivity",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert "point-mass" in out["nominal"]
    assert {"assumption", "low", "high", "swing"} <= set(out["rows"][0])


def test_delay_lever_and_every_case__read_the_delay_band_from_data(table):
    """The delay lever's alternatives and the every-case lever's delay come from
    data/distributions.csv (track_c2_delay), as the low/nominal/high band does."""
    from coverage.products.defended import band_delays

    delays = band_delays()
    row = table.set_index("assumption").loc["Track + C2 delay"]
    assert (row.low, row.high) == (f"{delays['low']:g} s", f"{delays['high']:g} s")
    q = DefenceQuery(launch_area="tabriz", grid_km=100.0)
    slow = coverage_metrics(
        load_catalogue(),
        FootprintOptions(year=2016),
        DefenceQuery(**{**q.__dict__, "delay_s": delays["low"]}),
    )
    assert row.area_share_low == slow.nato_europe_area_share
    every = table.set_index("assumption").loc[
        "Every parameter case together (interceptors, radars, detection, delay)"
    ]
    low_case = coverage_metrics(
        load_catalogue(),
        FootprintOptions(year=2016, estimate="low"),
        DefenceQuery(**{**q.__dict__, "delay_s": delays["low"]}),
    )
    assert every.area_share_low == low_case.nato_europe_area_share


def test_booster_lever_low_end_is_the_one_rcs_model():
    """The booster lever's low end gives the booster its warhead's RCS (as the query or the
    estimate sets it), so the one-RCS model shows in the table; the mask and boost levers
    change what the scenario module reads."""
    from coverage.scenario import detection_assumptions

    lever = next(lv for lv in LEVERS if lv.name.startswith("Booster radar cross-section"))
    for options, query in (
        (FootprintOptions(year=2024, estimate="low"), DefenceQuery(launch_area="tabriz")),
        (FootprintOptions(year=2024), DefenceQuery(launch_area="tabriz", rv_rcs_m2=0.2)),
    ):
        o, q = lever.low(options, query)
        radar = detection_assumptions(q, o).radar
        assert radar.booster_rcs_m2 == radar.target_rcs_m2
    handover = next(lv for lv in LEVERS if lv.name.startswith("A NATO radar's track begun"))
    assert handover.high is None
    assert handover.low(FootprintOptions(year=2024), DefenceQuery(launch_area="tabriz"))[1] == (
        DefenceQuery(launch_area="tabriz", boost_track_needs_warhead=True)
    )
    mask = next(lv for lv in LEVERS if lv.name == "Radar elevation masks")
    assert mask.low(FootprintOptions(year=2024), DefenceQuery(launch_area="tabriz"))[0] == (
        FootprintOptions(year=2024, min_elevation_deg=5.0)
    )
    refraction = next(lv for lv in LEVERS if lv.name.startswith("Refraction"))
    assert refraction.low is None
    assert refraction.high(FootprintOptions(year=2024), DefenceQuery(launch_area="tabriz"))[1] == (
        DefenceQuery(launch_area="tabriz", refraction=True)
    )
    boost = next(lv for lv in LEVERS if lv.name.startswith("Threat's boost"))
    assert boost.low(FootprintOptions(year=2024), DefenceQuery(launch_area="tabriz"))[1] == (
        DefenceQuery(launch_area="tabriz", boost_case="low")
    )
