"""The engine over a few points gives each point the answer it has in the grid's run.

The headline's year before asks only for its capitals (:func:`defended_capitals`): that is right
only if a target's answer depends on its own position and the state's physics alone, never on
which other targets share the run. Checked on states that differ in every input the engine
reads: year and scenario, delay, several launch points, early-warning cooperation, shoot-look-
shoot and a capped fly-out.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import capitals_defended_in, names_change
from coverage.products.defended import defended_grid, engage_points
from coverage.products.headline import YearBefore, headline, headline_from_metrics
from coverage.products.mapdata import MapState
from coverage.products.metrics import coverage_metrics, defended_capitals
from coverage.scenario import DefenceQuery, FootprintOptions

STATES = [
    (FootprintOptions(year=2016), DefenceQuery(launch_area="tabriz", grid_km=100.0)),
    (
        FootprintOptions(year=2020, scenario="planned"),
        DefenceQuery(launch_area="tabriz", grid_km=100.0, delay_s=150.0),
    ),
    (
        FootprintOptions(year=2024),
        DefenceQuery(launch_area="W Iran", grid_km=100.0, shoot_look_shoot=True),
    ),
    (
        FootprintOptions(year=2013),
        DefenceQuery(launch_area="tabriz", grid_km=100.0, cooperation="shared_early_warning"),
    ),
    (
        FootprintOptions(year=2018, scenario="planned"),
        DefenceQuery(launch_area="tabriz", grid_km=100.0, cap_at_nominal_range=True),
    ),
]


@pytest.mark.parametrize(("options", "query"), STATES)
def test_engage_points__each_city_as_in_the_grid_run(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> None:
    dg = defended_grid(catalogue, options, query)
    nc = dg.n_cells
    lon, lat = dg.extra.lon_deg.astype(float), dg.extra.lat_deg.astype(float)
    cities = tuple(zip(lon, lat, strict=True))
    alone = engage_points(catalogue, options, query, cities)
    assert np.array_equal(alone.defended, dg.result.defended[nc:])
    assert np.array_equal(alone.in_reach, dg.result.in_reach[nc:])
    # Not vacuous: each state defends some cities and not others.
    assert 0 < alone.defended.sum() < alone.defended.size


@pytest.mark.parametrize(("options", "query"), STATES)
def test_defended_capitals__the_metrics_capitals_from_a_run_over_them_alone(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> None:
    from_grid = capitals_defended_in(coverage_metrics(catalogue, options, query))
    assert defended_capitals(catalogue, options, query) == from_grid
    assert from_grid or options.year == 2013  # 2013 defends 8 cities, no capital


@pytest.mark.parametrize("year", [2012, 2015, 2016, 2017, 2024])
def test_headline__on_the_dashboards_grid_the_change_full_metrics_give(
    catalogue: Catalogue, year: int
) -> None:
    # The dashboard's 25 km grid, default state: the year before from its capitals alone (or,
    # with the same deployments, from the year's own run) names the same capitals as full
    # metrics of the year before.
    state = MapState(FootprintOptions(year=year))
    line = headline(catalogue, state)
    before = coverage_metrics(catalogue, replace(state.options, year=year - 1), state.query())
    now = coverage_metrics(catalogue, state.options, state.query())
    assert (line.gained, line.lost) == names_change(
        capitals_defended_in(before), capitals_defended_in(now)
    )


def test_headline__the_change_as_full_metrics_of_the_year_before_give_it(
    catalogue: Catalogue,
) -> None:
    state = MapState(FootprintOptions(year=2016))
    line = headline(catalogue, state)
    query = state.query()
    before = coverage_metrics(catalogue, replace(state.options, year=2015), query)
    full = headline_from_metrics(
        coverage_metrics(catalogue, state.options, query),
        YearBefore.of(before),
        threat=line.threat,
        launch_area=line.launch_area,
    )
    assert (line.gained, line.lost) == (full.gained, full.lost)
    assert line.gained  # Deveselu's first year: something to compare


def test_engage_points__no_points(catalogue: Catalogue) -> None:
    options, query = STATES[0]
    result = engage_points(catalogue, options, query, ())
    assert result.defended.shape == (0,)
