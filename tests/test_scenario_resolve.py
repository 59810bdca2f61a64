"""Tests for coverage.scenario's resolution: launch areas, threats, sites and the frozen Setup."""

from __future__ import annotations

import dataclasses

import pytest

from coverage import scenario as scn
from coverage.catalogue.tables import ESTIMATES, load_catalogue
from coverage.scenario import FootprintOptions


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_launch_areas__resolve_names(catalogue):
    assert list(scn.resolve_launch_area(catalogue, "NW Iran").point_id) == ["tabriz"]
    assert list(scn.resolve_launch_area(catalogue, "tabriz").point_id) == ["tabriz"]
    assert len(scn.resolve_launch_area(catalogue, "W Iran")) == 2
    assert len(scn.resolve_launch_area(catalogue, "all-iran")) == len(catalogue.launch_points)
    assert "all-iran" in scn.launch_area_names(catalogue)
    with pytest.raises(ValueError, match="launch_area='Atlantis' is not known; allowed: tabriz"):
        scn.resolve_launch_area(catalogue, "Atlantis")


def test_threats__resolve_ids_and_classes(catalogue):
    assert scn.resolve_threat("MRBM").threat_id == "mrbm_sejjil"
    assert scn.resolve_threat("mrbm_shahab3").range_km_nominal == 1300
    pts = scn.resolve_launch_area(catalogue, "NW Iran")
    design = scn.threat_spec(catalogue, "design_case", pts)
    # The Azores are ~6,500 km from Tabriz: the design case must reach them.
    assert 6_300e3 < design.max_range_m < 6_800e3
    assert scn.threat_spec(catalogue, "SRBM", pts).max_range_m == 750e3
    with pytest.raises(ValueError, match="threat='ICBM-X' is not known; allowed: srbm_qiam"):
        scn.resolve_threat("ICBM-X")


def test_interceptor_sites__come_from_the_catalogue(catalogue):
    sites = scn.interceptor_sites(catalogue, FootprintOptions(year=2024, scenario="actual"))
    by_key = {s.key: s for s in sites}
    assert by_key["redzikowo_sm3_iia"].burnout_speed_mps == 4500.0
    assert by_key["redzikowo_sm3_iia"].max_reach_m == 2_500e3
    assert by_key["deveselu_sm3_ib"].own_radar is not None
    uncapped = scn.interceptor_sites(
        catalogue, FootprintOptions(year=2024), cap_at_nominal_range=False
    )
    assert all(s.max_reach_m is None for s in uncapped)


def test_deployments__kept_per_year_not_per_estimate_and_the_estimate_still_applies(catalogue):
    """A new estimate reuses the year's deployment table; each site's physics is the estimate's."""
    o = {e: FootprintOptions(year=2016, scenario="actual", estimate=e) for e in ESTIMATES}
    assert scn.deployed_for(catalogue, o["low"]) is scn.deployed_for(catalogue, o["high"])
    assert scn.deployed_for(catalogue, o["low"]) is not scn.deployed_for(
        catalogue, dataclasses.replace(o["low"], year=2015)
    )
    sites = {
        e: scn.interceptor_sites(catalogue, o[e], flyout_model="point_mass") for e in ESTIMATES
    }
    assert [s.key for s in sites["low"]] == [s.key for s in sites["high"]]
    deps = scn.deployed_for(catalogue, o["nominal"])
    system_of = dict(zip(deps.deployment_id, deps.system_id, strict=True))
    for low, nominal, high in zip(sites["low"], sites["nominal"], sites["high"], strict=True):
        assert low.burnout_speed_mps < high.burnout_speed_mps, low.key
        assert low.flyout != high.flyout
        for site, e in ((low, "low"), (nominal, "nominal"), (high, "high")):
            quoted = catalogue.parameter(system_of[site.key], "burnout_velocity_kmps", e)
            assert site.burnout_speed_mps == 1000.0 * quoted
        assert (low.own_radar is None) == (high.own_radar is None)
        if low.own_radar is not None:
            assert low.own_radar.range_m <= high.own_radar.range_m


def test_resolve__one_frozen_hashable_setup(catalogue):
    options = FootprintOptions(year=2018, scenario="planned")
    query = scn.DefenceQuery(launch_area="W Iran", threat="MRBM")
    setup = scn.resolve(catalogue, options, query)
    assert setup == scn.resolve(catalogue, options, query)
    assert hash(setup) == hash(scn.resolve(catalogue, options, query))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setup.threat = None  # type: ignore[misc]
    assert [p.point_id for p in setup.launch_points] == list(
        scn.resolve_launch_area(catalogue, "W Iran").point_id
    )
    assert setup.threat.threat_id == "mrbm_sejjil"
    assert len(setup.radar_ids) == len(setup.radars) > 0
    assert {s.key for s in setup.sites} == {
        s.key for s in scn.interceptor_sites(catalogue, options)
    }
    d = scn.detection_assumptions(query, options)
    a = setup.assumptions
    assert (a.delay_s, a.shoot_look_shoot) == (query.delay_s, query.shoot_look_shoot)
    assert a.radar == d.radar and a.radar.target_rcs_m2 == 0.05  # the re-entry vehicle, nominal
    assert a.radar.booster_rcs_m2 == 1.0  # the boosting missile, nominal (data/detection.csv)
    assert a.cue_time_s == 60.0 and a.cued_range_factor == 1.5  # satellite cueing by date
    assert a.engage_on_remote  # 2018 as planned: Phase 3
    assert list(setup.launch_frame().columns) == ["point_id", "name", "area", "lon_deg", "lat_deg"]


def test_detection__booster_rcs_by_estimate_query_and_boost():
    """The booster's RCS comes from data/detection.csv per estimate, the query, or not at all."""
    q = scn.DefenceQuery(launch_area="tabriz")
    by_case = {
        e: scn.detection_assumptions(q, FootprintOptions(year=2016, estimate=e)).radar
        for e in ("low", "nominal", "high")
    }
    assert [r.booster_rcs_m2 for r in by_case.values()] == [0.3, 1.0, 10.0]
    assert [r.target_rcs_m2 for r in by_case.values()] == [0.01, 0.05, 0.1]
    o = FootprintOptions(year=2016)
    fixed = dataclasses.replace(q, booster_rcs_m2=3.0)
    assert scn.detection_assumptions(fixed, o).radar.booster_rcs_m2 == 3.0
    no_boost = dataclasses.replace(q, boost=False)
    assert scn.detection_assumptions(no_boost, o).radar.booster_rcs_m2 is None
    words = scn.describe_detection(q, o)
    assert "booster RCS 1 m², nominal case until burnout, re-entry vehicle 0.05 m²" in words
    assert "for the whole flight (no boost phase)" in scn.describe_detection(no_boost, o)
    one = dataclasses.replace(q, booster_rcs_m2=0.05)
    assert "RCS 0.05 m² (one RCS for the whole flight)" in scn.describe_detection(one, o)
    with pytest.raises(ValueError, match="booster_rcs_m2"):
        scn.DefenceQuery(launch_area="tabriz", booster_rcs_m2=1000.0)


def test_detection__a_boost_track_held_on_the_warhead_is_said_and_can_be_required():
    """Held by default (an assumption, said); the query can ask for the warhead at burnout."""
    q = scn.DefenceQuery(launch_area="tabriz")
    o = FootprintOptions(year=2016)
    assert not scn.detection_assumptions(q, o).radar.boost_track_needs_warhead
    assert "a track begun in boost is held on the warhead, an assumption" in (
        scn.describe_detection(q, o)
    )
    strict = dataclasses.replace(q, boost_track_needs_warhead=True)
    assert scn.detection_assumptions(strict, o).radar.boost_track_needs_warhead
    words = scn.describe_detection(strict, o)
    assert (
        "a track begun in boost counts only where the same radar sees the warhead at burnout"
        in words
    )
    one = dataclasses.replace(strict, booster_rcs_m2=0.05)
    assert "(one RCS for the whole flight; a track begun in boost counts only" in (
        scn.describe_detection(one, o)
    )
    # The map state carries it to its query.
    from coverage.products.mapdata import MapState

    state = MapState(options=o, boost_track_needs_warhead=True)
    assert state.query().boost_track_needs_warhead


def test_resolve__unknown_names_name_the_field(catalogue):
    options = FootprintOptions(year=2018)
    with pytest.raises(ValueError, match="^launch_area='Atlantis' is not known"):
        scn.resolve(catalogue, options, scn.DefenceQuery(launch_area="Atlantis"))
    with pytest.raises(ValueError, match="^threat='ICBM-X' is not known"):
        scn.resolve(catalogue, options, scn.DefenceQuery(launch_area="tabriz", threat="ICBM-X"))


def test_resolve__point_mass_flyout_gives_every_site_a_flyout_spec(catalogue):
    options = FootprintOptions(year=2024)
    setup = scn.resolve(
        catalogue,
        options,
        scn.DefenceQuery(launch_area="tabriz", flyout_model="point_mass", speed_basis="achieved"),
    )
    assert setup.sites and all(s.flyout is not None for s in setup.sites)
    assert {s.flyout.speed_basis for s in setup.sites} == {"achieved"}
    plain = scn.resolve(
        catalogue, options, scn.DefenceQuery(launch_area="tabriz", flyout_model="reach_formula")
    )
    assert all(s.flyout is None for s in plain.sites)
    with pytest.raises(ValueError, match="flyout_model='magic' is not one of"):
        scn.DefenceQuery(launch_area="tabriz", flyout_model="magic")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("year", "scenario", "expected"),
    [
        (2016, "actual", False),
        (2024, "actual", True),
        (2017, "planned", False),
        (2018, "planned", True),
    ],
)
def test_engage_on_remote__by_its_date_in_the_scenario(catalogue, year, scenario, expected):
    options = FootprintOptions(year=year, scenario=scenario)
    setup = scn.resolve(catalogue, options, scn.DefenceQuery(launch_area="tabriz"))
    assert setup.assumptions.engage_on_remote is expected
    assert setup.assumptions.launch_on_remote  # launch on remote dates from 2011 in both
    forced = scn.resolve(
        catalogue, options, scn.DefenceQuery(launch_area="tabriz", engage_on_remote="on")
    )
    assert forced.assumptions.engage_on_remote
    text = scn.describe_capabilities(scn.DefenceQuery(launch_area="tabriz"), options)
    assert "data/capabilities.csv" in text and ("no engage" in text) is not expected


def test_engage_on_remote__off_never_defends_more(catalogue):
    from coverage.products.metrics import coverage_metrics

    options = FootprintOptions(year=2016)
    shares = {
        setting: coverage_metrics(
            catalogue,
            options,
            scn.DefenceQuery(launch_area="tabriz", grid_km=100.0, engage_on_remote=setting),
        ).nato_europe_area_share
        for setting in ("on", "off", "by_date")
    }
    assert shares["off"] <= shares["on"]
    assert shares["by_date"] == shares["off"]  # as built, engage on remote dates from 2024
