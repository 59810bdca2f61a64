"""Tests for coverage.products.sensitivity: one assumption at a time, the others nominal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coverage.catalogue.tables import load_catalogue
from coverage.products.metrics import coverage_metrics
from coverage.products.sensitivity import LEVERS, sensitivity_table
from coverage.scenario import DefenceQuery, FootprintOptions

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def table():
    return sensitivity_table(
        load_catalogue(),
        FootprintOptions(year=2016),
        DefenceQuery(launch_area="tabriz", grid_km=100.0),
    )


def test_every_lever_once_sorted_by_swing(table):
    assert sorted(table.assumption) == sorted(lever.name for lever in LEVERS)
    assert table.swing.is_monotonic_decreasing
    shares = table[["area_share_low", "area_share_nominal", "area_share_high"]].to_numpy()
    assert ((shares >= 0) & (shares <= 1)).all()
    assert (table.swing >= 0).all()
    assert table.swing.to_numpy() == pytest.approx(shares.max(axis=1) - shares.min(axis=1))


def test_nominal_column_is_the_plain_metrics(table):
    m = coverage_metrics(
        load_catalogue(),
        FootprintOptions(year=2016),
        DefenceQuery(launch_area="tabriz", grid_km=100.0),
    )
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
