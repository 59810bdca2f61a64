"""Scenario dates against the sources, and the footprint table's contract."""

from __future__ import annotations

import pytest

from coverage.catalogue.tables import Catalogue
from coverage.products.footprints import (
    FOOTPRINT_COLUMNS,
    early_warning_footprints,
    footprints,
    sites_layer,
)
from coverage.scenario import FootprintOptions, deployed, events_in, phase_status


def _sites(catalogue: Catalogue, year: int, scenario: str) -> set[str]:
    return set(deployed(catalogue, year, scenario).site_id)  # type: ignore[arg-type]


def test_deveselu__absent_2015_as_built_present_2016(catalogue: Catalogue) -> None:
    assert "deveselu" not in _sites(catalogue, 2015, "actual")
    assert "deveselu" in _sites(catalogue, 2016, "actual")
    assert "deveselu" in _sites(catalogue, 2015, "planned")


def test_redzikowo__planned_2018_but_built_only_2024(catalogue: Catalogue) -> None:
    assert "redzikowo" in _sites(catalogue, 2018, "planned")
    for year in range(2018, 2024):
        assert "redzikowo" not in _sites(catalogue, year, "actual"), year
    assert "redzikowo" in _sites(catalogue, 2024, "actual")


def test_phase4__sm3_iib_only_in_the_plan(catalogue: Catalogue) -> None:
    for year in range(2011, 2025):
        assert "sm3_iib" not in set(deployed(catalogue, year, "actual").system_id)
    assert "sm3_iib" not in set(deployed(catalogue, 2019, "planned").system_id)
    assert "sm3_iib" in set(deployed(catalogue, 2020, "planned").system_id)


def test_phase1__ship_2011_kurecik_2012_as_built(catalogue: Catalogue) -> None:
    assert _sites(catalogue, 2011, "actual") == {"med_east"}
    assert {"med_east", "kurecik", "ramstein"} <= _sites(catalogue, 2012, "actual")
    assert "rota" not in _sites(catalogue, 2013, "actual")
    assert "rota" in _sites(catalogue, 2014, "actual")


def test_occasional_black_sea__only_when_asked(catalogue: Catalogue) -> None:
    assert "black_sea" not in _sites(catalogue, 2014, "actual")
    assert "black_sea" in set(deployed(catalogue, 2014, "actual", include_occasional=True).site_id)


def test_footprints__columns_crs_and_layers(catalogue: Catalogue) -> None:
    frame = footprints(catalogue, FootprintOptions(year=2016, scenario="actual"))
    assert list(frame.columns) == FOOTPRINT_COLUMNS
    assert frame.crs.to_epsg() == 4326
    assert set(frame.layer) == {"radar", "interceptor"}
    assert frame.geometry.is_valid.all() and not frame.geometry.is_empty.any()
    dev = frame[(frame.site_id == "deveselu") & (frame.layer == "interceptor")].iloc[0]
    assert dev.system == "sm3_ib" and dev.range_km == 700 and dev.limit == "nominal ring"
    assert frame.geometry.contains(__import__("shapely").Point(0, 0)).sum() == 0


def test_footprints__estimate_changes_ranges(catalogue: Catalogue) -> None:
    ranges = {}
    for est in ("low", "nominal", "high"):
        f = footprints(catalogue, FootprintOptions(year=2024, scenario="actual", estimate=est))
        ranges[est] = f.set_index("feature_id").range_km
    assert (ranges["low"] <= ranges["nominal"]).all() and (
        ranges["nominal"] <= ranges["high"]
    ).all()
    assert (ranges["low"] < ranges["high"]).any()


def test_footprints__each_radar_contains_its_site(catalogue: Catalogue) -> None:
    from shapely.geometry import Point

    frame = footprints(catalogue, FootprintOptions(year=2024, scenario="planned"))
    for row in frame.itertuples():
        assert row.geometry.covers(Point(row.site_lon_deg, row.site_lat_deg)), (
            row.feature_id
        )  # apex of a sector


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"year": 1990}, "year"),
        ({"year": 2016, "scenario": "maybe"}, "scenario"),
        ({"year": 2016, "estimate": "best"}, "estimate"),
        ({"year": 2016, "target_alt_km": -5}, "target_alt_km"),
    ],
)
def test_footprint_options__reject_bad_values(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        FootprintOptions(**kwargs)  # type: ignore[arg-type]


def test_phase_status__banners(catalogue: Catalogue) -> None:
    assert phase_status(catalogue, 2015, "planned").banner == "Phase 2 — 2015 plan"
    assert phase_status(catalogue, 2016, "actual").banner == "Phase 2 as built — 12 May 2016"
    assert phase_status(catalogue, 2015, "actual").phase == 1
    assert "Phase 3 (planned 2018)" in phase_status(catalogue, 2020, "actual").detail
    assert "cancelled 15 Mar 2013" in phase_status(catalogue, 2020, "planned").banner
    # A planned year after its phase's says which phase is in force, and why.
    assert phase_status(catalogue, 2019, "planned").banner == (
        "Phase 3 — 2018 plan, the latest phase due by 2019"
    )
    assert phase_status(catalogue, 2018, "planned").banner == "Phase 3 — 2018 plan"
    # After the plan: the year is the title's, not repeated in the banner.
    after = phase_status(catalogue, 2024, "actual")
    assert after.banner == "Phase 3 as built — 10 Jul 2024 · after the 2011-2020 plan"
    # As built, the detail is the record's alone (the banner says the plan is over); a
    # sentence more was cut at 1280x720 in 2021-2024.
    # Phase 4 was cancelled in 2013: never "not yet built" (a new-user trial read it as due).
    assert after.detail == (
        "Redzikowo mission-ready 10 Jul 2024: about six years late; Phase 4 (2020) cancelled "
        "15 Mar 2013."
    )
    assert phase_status(catalogue, 2020, "actual").detail.endswith(
        "; not yet built: Phase 3 (planned 2018); Phase 4 (2020) cancelled 15 Mar 2013."
    )
    assert "Phase 4" not in phase_status(catalogue, 2019, "actual").detail  # not due yet
    assert "later years keep its last phase" in phase_status(catalogue, 2022, "planned").detail
    assert phase_status(catalogue, 2024, "actual").phase == 3


def test_sites_layer__redzikowo_hollow_while_late(catalogue: Catalogue) -> None:
    s = sites_layer(catalogue, 2019, "actual").set_index("site_id")
    assert s.loc["redzikowo", "status"] == "planned, not built"
    assert s.loc["deveselu", "status"] == "active"
    assert "north_sea" not in s.index  # a ship station is not "late", it was simply never manned


def test_early_warning__gabala_until_2012(catalogue: Catalogue) -> None:
    assert "gabala" in set(early_warning_footprints(catalogue, 2012).site_id)
    assert "gabala" not in set(early_warning_footprints(catalogue, 2013).site_id)
    assert "pionersky" in set(early_warning_footprints(catalogue, 2016).site_id)


def test_events_in__2016(catalogue: Catalogue) -> None:
    ev = events_in(catalogue, 2016)
    assert list(ev.date) == sorted(ev.date) and "2016-05-12" in set(ev.date)


def test_map_state__trajectory_shape_is_checked_and_used(catalogue) -> None:
    from coverage.products.mapdata import MapState, compute_map

    with pytest.raises(ValueError, match="shape='ballistic' is not one of minimum_energy, lofted"):
        MapState(FootprintOptions(year=2018), shape="ballistic")
    areas = {}
    for shape in ("minimum_energy", "lofted", "depressed"):
        state = MapState(FootprintOptions(year=2018), layers=frozenset({"defended"}), shape=shape)
        data = compute_map(catalogue, state)
        union = data.defended[data.defended.site_id == "all"]
        areas[shape] = float(union.to_crs(3035).area.sum())
        assert (shape == "minimum_energy") != (f"{shape} trajectory" in data.assumptions)
    assert len(set(areas.values())) == 3, areas  # each shape gives its own defended area


def test_exclude_sites__leaves_a_deployment_choice_out(catalogue: Catalogue) -> None:
    with_rota = deployed(catalogue, 2016, "actual")
    without = deployed(catalogue, 2016, "actual", exclude_sites=frozenset({"rota"}))
    assert "rota" in set(with_rota.site_id) and "rota" not in set(without.site_id)
    assert len(without) == len(with_rota) - (with_rota.site_id == "rota").sum()
    opts = FootprintOptions(year=2016, exclude_sites={"rota"})  # type: ignore[arg-type]
    assert opts.exclude_sites == frozenset({"rota"}) and hash(opts)
    assert "rota" not in set(footprints(catalogue, opts).site_id)
    with pytest.raises(ValueError, match="exclude_sites=\\['atlantis'\\] are not sites"):
        deployed(catalogue, 2016, "actual", exclude_sites=frozenset({"atlantis"}))


def test_describe_choices__names_every_departure_from_the_defaults(catalogue: Catalogue) -> None:
    # What a state sets away from the defaults, in words, so that a briefer sees it where the
    # assumptions line is cut short (projector). The question itself (year, threat, launch
    # area) is not a choice: the title and the headline say it.
    from dataclasses import fields

    from coverage.products.mapdata import (
        ANSWER_LAYERS,
        ENGAGEMENT_CHOICES,
        MapState,
        describe_choices,
    )

    base = MapState(FootprintOptions(year=2024), layers=ANSWER_LAYERS)
    assert describe_choices(base, catalogue) == ()
    assert describe_choices(MapState(FootprintOptions(year=2016), launch_area="shahrud")) == ()
    expected = {
        "delay_s": (180.0, "delay 180 s"),
        "launch_on_remote": (False, "own radar only (no launch on remote)"),
        "shoot_look_shoot": (True, "shoot-look-shoot"),
        "shape": ("lofted", "lofted trajectory"),
        "flyout_model": ("reach_formula", "gravity-free fly-out (reach formula)"),
        "speed_basis": ("ideal", "burnout speed read as loss-free"),
        "reach_cap": (True, "fly-out capped at the quoted range"),
        "engage_on_remote": ("off", "no engage on remote"),
        "satellite_cueing": ("on", "satellite cueing in every year"),
        "rv_rcs_m2": (0.01, "warhead RCS 0.01 m²"),
        "booster_rcs_m2": (10.0, "booster RCS 10 m²"),
        "boost_track_needs_warhead": (True, "boost track needs the warhead in view"),
        "warning_commits": (True, "an early-warning track commits interceptors"),
        "boost": (False, "threat without boost (burnout at the surface)"),
        "rotation": (False, "non-rotating Earth"),
        "boost_case": ("low", "threat boost low case"),
        "refraction": (True, "refraction credited at the elevation masks"),
    }
    question = {"options", "layers", "view", "launch_area", "threat", "uncertainty_band"}
    question |= {"cooperation", "compare", "sector", "domain"}
    # Every engagement field of MapState is either the question or a listed choice.
    assert {f.name for f in fields(MapState)} == question | set(expected)
    assert set(ENGAGEMENT_CHOICES) == set(expected)  # the export names use the same list
    for name, (value, words) in expected.items():
        state = MapState(FootprintOptions(year=2024), layers=ANSWER_LAYERS, **{name: value})
        assert describe_choices(state, catalogue) == (words,), name
        # Without the defended area or the tracks on the map, an engagement choice moves nothing.
        assert describe_choices(MapState(FootprintOptions(year=2024), **{name: value})) == ()
    options = {
        "estimate": ("low", "low estimates"),
        "target_alt_km": (100.0, "radar footprints for a target at 100 km"),
        "target_rcs_m2": (0.1, "radar footprints for RCS 0.1 m²"),
        "k_factor": (4.0 / 3.0, "k = 1.33"),
        "min_elevation_deg": (5.0, "elevation mask 5° for every radar"),
        "include_occasional": (True, "occasional Black Sea patrols counted"),
        "exclude_sites": (
            frozenset({"rota"}),
            "without Naval Station Rota (FDNF-E Aegis destroyers)",
        ),
    }
    for name, (value, words) in options.items():
        state = MapState(FootprintOptions(year=2024, **{name: value}))
        assert describe_choices(state, catalogue) == (words,), name
    assert describe_choices(
        MapState(FootprintOptions(year=2024, exclude_sites=frozenset({"rota"})))
    ) == ("without rota",)
    # Several, in a fixed order: the options' first.
    state = MapState(
        FootprintOptions(year=2024, estimate="high"),
        layers=ANSWER_LAYERS,
        rv_rcs_m2=0.01,
        boost_track_needs_warhead=True,
    )
    assert describe_choices(state) == (
        "high estimates",
        "warhead RCS 0.01 m²",
        "boost track needs the warhead in view",
    )


def test_early_warning_sectors__drawn_as_the_engine_sees_them(catalogue) -> None:
    # The sectors were drawn on the 4/3 Earth (1,948 km for a 300 km target) while the engine
    # detected with straight rays (k = 1, data/detection.csv): 240 km more on the map.
    from coverage.physics.radar import horizon_ground_range_m
    from coverage.scenario import detection_value

    k = detection_value("exo_k_factor", "nominal")
    mask = detection_value("ew_min_elevation_deg", "nominal")
    expected_km = float(horizon_ground_range_m(30.0, 300e3, k_factor=k, min_elevation_deg=mask))
    ew = early_warning_footprints(catalogue, 2024, k_factor=FootprintOptions(year=2024).k_factor)
    assert set(ew.limit) == {"horizon"}
    assert ew.range_km.tolist() == pytest.approx([expected_km / 1000.0] * len(ew), abs=0.05)
    assert 1_700 < expected_km / 1000.0 < 1_720
    wider = early_warning_footprints(catalogue, 2024, k_factor=4.0 / 3.0)
    assert (wider.range_km - ew.range_km).min() == pytest.approx(240.0, abs=5.0)
    # And the map's layer is that frame (its k the options').
    from coverage.products.mapdata import MapState, compute_map

    drawn = compute_map(catalogue, MapState(FootprintOptions(year=2024))).early_warning
    assert drawn.range_km.tolist() == ew.range_km.tolist()
    steep = compute_map(catalogue, MapState(FootprintOptions(year=2024, k_factor=4.0 / 3.0)))
    assert steep.early_warning.range_km.tolist() == wider.range_km.tolist()
    # The mask override takes every radar, these too (as in the engine).
    masked = compute_map(catalogue, MapState(FootprintOptions(year=2024, min_elevation_deg=5.0)))
    at_5 = float(horizon_ground_range_m(30.0, 300e3, k_factor=k, min_elevation_deg=5.0)) / 1000.0
    assert masked.early_warning.range_km.tolist() == pytest.approx([at_5] * len(ew), abs=0.05)


def test_refraction__a_negative_mask_override_is_refused_with_its_flag() -> None:
    # A review: --min-elevation-deg -1 with --refraction failed deep in the engine, naming a
    # parameter no user can set.
    from coverage.cli.args import flag_message
    from coverage.scenario import DefenceQuery, detection_assumptions

    with pytest.raises(ValueError, match="below 0°") as info:
        detection_assumptions(
            DefenceQuery(launch_area="tabriz", refraction=True),
            FootprintOptions(year=2024, min_elevation_deg=-1.0),
        )
    assert flag_message(str(info.value)).startswith("--min-elevation-deg -1 is below 0°")
    plain = detection_assumptions(
        DefenceQuery(launch_area="tabriz"), FootprintOptions(year=2024, min_elevation_deg=-1.0)
    )
    assert plain.radar.refraction_scale == 0.0


def test_nearest_year_in_place__the_year_itself_or_the_nearest_with_something_built(
    catalogue: Catalogue,
) -> None:
    from coverage.scenario import nearest_year_in_place

    # The CBO 2009 options come in 2018 (data/alternatives.csv), the Third Site's radar in 2012.
    assert nearest_year_in_place(catalogue, 2016, "cbo_sea") == 2018
    assert nearest_year_in_place(catalogue, 2011, "third_site") == 2012
    assert nearest_year_in_place(catalogue, 2016, "actual") == 2016
    assert nearest_year_in_place(catalogue, 2024, "cbo_land_sm3") == 2024
    # Independently: the first year deployed() finds anything, scanning every year.
    for scenario in ("cbo_land_kei", "third_site"):
        first = next(y for y in range(2011, 2027) if not deployed(catalogue, y, scenario).empty)
        assert nearest_year_in_place(catalogue, 2011, scenario) == first
