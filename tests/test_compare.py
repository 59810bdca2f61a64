"""Two states compared: variations, gained/lost/both cells, shares, capitals, layer, CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from coverage.catalogue.tables import Catalogue
from coverage.products.compare import (
    CHANGE_KINDS,
    Comparison,
    Variation,
    capitals_change,
    cell_change,
    compare_states,
    comparison_layer,
    member_cell_area_m2,
    sites_of_both,
    state_tags_words,
)
from coverage.products.defended import defended_grid
from coverage.products.footprints import sites_layer
from coverage.products.mapdata import MapState, compute_map
from coverage.products.metrics import coverage_metrics
from coverage.scenario import DefenceQuery, FootprintOptions

ROOT = Path(__file__).resolve().parent.parent
QUERY = DefenceQuery(launch_area="tabriz", grid_km=50.0)


@pytest.fixture(scope="module")
def built_2016_vs_2024(catalogue: Catalogue) -> Comparison:
    return compare_states(catalogue, FootprintOptions(year=2016), QUERY, Variation(year=2024))


@pytest.fixture(scope="module")
def planned_vs_built_2018(catalogue: Catalogue) -> Comparison:
    return compare_states(
        catalogue,
        FootprintOptions(year=2018, scenario="planned"),
        QUERY,
        Variation(scenario="actual"),
    )


# ----------------------------------------------------------------------------- Variation


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"year": 2030}, "year=2030"),
        ({"scenario": "built"}, "scenario='built'"),
        ({"estimate": "medium"}, "estimate='medium'"),
        ({"query": (("grid_km", 10.0),)}, "grid_km"),
        ({"query": (("warp_speed", 1),)}, "warp_speed"),
        ({"query": (("threat", "MRBM"), ("launch_area", "W Iran"))}, "sorted"),
    ],
)
def test_variation__refuses_what_it_cannot_vary(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Variation(**kwargs)


def test_variation__apply_sets_only_its_fields() -> None:
    options = FootprintOptions(year=2016, estimate="high", target_alt_km=150.0)
    v = Variation.with_query(year=2024, scenario="planned", engage_on_remote="on")
    o2, q2 = v.apply(options, QUERY)
    assert (o2.year, o2.scenario, o2.estimate, o2.target_alt_km) == (2024, "planned", "high", 150.0)
    assert q2 == replace(QUERY, engage_on_remote="on")
    assert Variation().apply(options, QUERY) == (options, QUERY)
    with pytest.raises(ValueError, match="engage_on_remote"):
        Variation.with_query(engage_on_remote="sometimes").apply(options, QUERY)


# ----------------------------------------------------------------------------- cells and shares


def test_cell_change__partitions_the_defended_cells(catalogue: Catalogue) -> None:
    a = defended_grid(catalogue, FootprintOptions(year=2016), QUERY)
    b = defended_grid(catalogue, FootprintOptions(year=2024), QUERY)
    ch = cell_change(a, b)
    da, db = a.result.defended[: a.n_cells], b.result.defended[: b.n_cells]
    assert not (ch.gained & ch.lost).any() and not (ch.gained & ch.both).any()
    np.testing.assert_array_equal(ch.gained | ch.both, db)
    np.testing.assert_array_equal(ch.lost | ch.both, da)
    assert ch.gained.sum() > 0  # Redzikowo and engage on remote add ground by 2024


def test_cell_change__refuses_different_grids(catalogue: Catalogue) -> None:
    a = defended_grid(catalogue, FootprintOptions(year=2016), QUERY)
    b = defended_grid(catalogue, FootprintOptions(year=2016), replace(QUERY, grid_km=100.0))
    with pytest.raises(ValueError, match="one target grid"):
        cell_change(a, b)


def test_compare__same_members_shares_add_up(planned_vs_built_2018: Comparison) -> None:
    c = planned_vs_built_2018
    # Same year, same members: B − A is exactly what is gained minus what is lost.
    assert c.share_b - c.share_a == pytest.approx(c.gained_share - c.lost_share, abs=2e-3)
    assert c.lost_share + c.both_share == pytest.approx(c.share_a, abs=2e-3)
    assert c.gained_share + c.both_share == pytest.approx(c.share_b, abs=2e-3)
    assert c.lost_share > 0.0  # the 2018 plan defends ground the 2018 build does not
    assert (c.label_a, c.label_b) == ("2018, as planned (2009)", "2018, as built")


def test_compare__2016_to_2024_gains_and_names_the_capitals(
    catalogue: Catalogue, built_2016_vs_2024: Comparison
) -> None:
    c = built_2016_vs_2024
    a = coverage_metrics(catalogue, FootprintOptions(year=2016), QUERY)
    b = coverage_metrics(catalogue, FootprintOptions(year=2024), QUERY)
    assert (c.share_a, c.share_b) == (a.nato_europe_area_share, b.nato_europe_area_share)
    assert c.gained_share > 0.5 and c.lost_share == 0.0
    ca, cb = a.countries, b.countries
    def_a = set(ca.capital[ca.capital_status == "defended"])
    def_b = set(cb.capital[cb.capital_status == "defended"])
    assert set(c.capitals_gained) == def_b - def_a and set(c.capitals_lost) == def_a - def_b
    assert "Warsaw" in c.capitals_gained
    # Finland and Sweden joined after 2016: their capitals are marked, not hidden.
    assert {"Helsinki", "Stockholm"} <= set(c.capitals_not_members)
    assert "Helsinki*" in c.text(max_named=40)
    # With fewer names shown, the starred ones left out are counted (a slide's "and 20 more"
    # sat beside the asterisk's note with no starred name, GIS trial, session 37).
    hidden = sum(n in c.capitals_not_members for n in c.capitals_gained[4:])
    assert hidden == 4 and f"and 20 more ({hidden} of them *)" in c.capitals_text(max_named=4)
    payload = c.to_dict()
    json.dumps(payload)
    assert payload["cells_gained"] == int(c.change.gained.sum())


def test_compare__says_what_the_shares_are_of(
    catalogue: Catalogue, built_2016_vs_2024: Comparison, planned_vs_built_2018: Comparison
) -> None:
    # Same members: nothing to say (B − A is gained − lost, tested above).
    assert planned_vs_built_2018.basis() == ""
    assert "either year" not in planned_vs_built_2018.text()
    # 16 % → 92 %, gained 77 %: the gain is over the 30 members of either year, A's share over
    # its own 26. Said, with the counts of the catalogue's members.
    c = built_2016_vs_2024
    n_a, n_b = len(catalogue.nato_members_in(2016)), len(catalogue.nato_members_in(2024))
    assert (c.members_a, c.members_b, c.members_either) == (n_a, n_b, n_b) and n_a < n_b
    pct = f"{100 * c.share_a:.0f} %"
    over_a = f"{100 * (c.both_share + c.lost_share):.0f} %"
    over_b = f"{100 * (c.both_share + c.gained_share):.0f} %"
    # B's share without engage on remote beside it (B has it by date, A not), on this basis.
    off_b = f" ({100 * c.without_eor_b:.0f} % without engage on remote)"
    assert c.basis() == (
        f"the territory of the {n_b} members of either year, over which A defends {over_a} and "
        f"B {over_b}{off_b}; A's {pct} is of its own {n_a}"
    )
    assert over_b == f"{100 * c.share_b:.0f} %"  # A over the 30, plus gained, minus lost
    assert f"lost 0 % of {c.basis()})" in c.text()
    assert c.basis(compact=True) == f"the {n_b} members' territory (A's own {n_a}: {pct})"
    assert tuple(f"{100 * x:.0f} %" for x in c.common_shares()) == (over_a, over_b)
    # And the statement holds: A's defended ground over the 30 members' territory is what the
    # gain is added to (B defends all that A did here: nothing lost).
    grid = defended_grid(catalogue, FootprintOptions(year=2016), QUERY)
    members = catalogue.nato_members_in(2016) | catalogue.nato_members_in(2024)
    area = member_cell_area_m2(grid, members)
    a_over_either = float(area[grid.result.defended[: grid.n_cells]].sum() / area.sum())
    assert a_over_either < c.share_a  # a larger denominator
    assert a_over_either + c.gained_share == pytest.approx(c.share_b, abs=2e-3)
    # The other way round, B is the side with its own members.
    back = compare_states(catalogue, FootprintOptions(year=2024), QUERY, Variation(year=2016))
    assert back.basis().endswith(f"B's {pct} is of its own {n_a}")


def test_compare__identical_states_change_nothing(catalogue: Catalogue) -> None:
    c = compare_states(catalogue, FootprintOptions(year=2016), QUERY, Variation(year=2016))
    assert c.gained_share == c.lost_share == 0.0
    assert c.capitals_gained == c.capitals_lost == ()
    assert c.both_share == pytest.approx(c.share_a, abs=2e-3)


def test_capitals_change__is_antisymmetric(catalogue: Catalogue) -> None:
    a = coverage_metrics(catalogue, FootprintOptions(year=2012), QUERY)
    b = coverage_metrics(catalogue, FootprintOptions(year=2020), QUERY)
    gained, lost = capitals_change(a, b)
    assert capitals_change(b, a) == (lost, gained)


def test_compare__query_variation_engage_on_remote(catalogue: Catalogue) -> None:
    c = compare_states(
        catalogue,
        FootprintOptions(year=2016),
        QUERY,
        Variation.with_query(engage_on_remote="on"),
    )
    assert c.gained_share > 0.1 and c.lost_share == 0.0  # a capability only adds ground
    assert c.label_b == "2016, as built, engage on remote on"


def test_state_label__settings_in_words_not_ids(catalogue: Catalogue) -> None:
    """B's settings as the line says them: no "by_date", no "delay s 120" (session 40's trial)."""
    from dataclasses import replace

    from coverage.products.compare import state_label

    a = replace(QUERY, engage_on_remote="off")
    b = replace(QUERY, delay_s=120.0, shoot_look_shoot=True, grid_km=25.0)
    label = state_label(
        catalogue, FootprintOptions(year=2024), b, other=(FootprintOptions(year=2016), a)
    )
    assert label == (
        "2024, as built, delay 120 s, shoot look shoot on, grid 25 km, engage on remote by its date"
    )


# ----------------------------------------------------------------------------- layer


def test_comparison_layer__three_kinds_matching_the_cells(built_2016_vs_2024: Comparison) -> None:
    layer = comparison_layer(built_2016_vs_2024)
    assert list(layer.kind) == list(CHANGE_KINDS)
    assert layer.crs.to_epsg() == 4326
    for row in layer.itertuples():
        assert row.geometry.is_empty == (row.cells == 0)
    gained = layer.geometry[layer.kind == "gained"].iloc[0]
    assert gained.contains(Point(21.01, 52.23))  # Warsaw: gained with Redzikowo
    both = layer.geometry[layer.kind == "both"].iloc[0]
    assert both.contains(Point(26.10, 44.43))  # Bucharest: defended by Deveselu in both
    assert shapely.intersection(gained, both).area < 1e-3 * gained.area
    # Its shares say what they are of: the 30 members of either year (2016's 26, 2024's 30).
    assert "77 % of the 30 members' territory (A's own 26: 16 %)" in layer.label.iloc[0]
    assert layer.capitals_changed.iloc[0] == "; ".join(built_2016_vs_2024.capitals_gained)


def test_capital_change__one_reading_of_the_gained_and_lost(
    built_2016_vs_2024: Comparison,
) -> None:
    """Each capital B gains reads "gained", each it loses "lost", any other None."""
    cmp = built_2016_vs_2024
    assert "Warsaw" in cmp.capitals_gained  # Redzikowo's
    assert cmp.capital_change("Warsaw") == "gained"
    assert cmp.capital_change("Bucharest") is None  # defended in both years
    assert cmp.capital_change("Atlantis") is None
    for kind, names in cmp.capitals_changed.items():
        assert all(cmp.capital_change(n) == kind for n in names)


def test_comparison__says_which_state_has_engage_on_remote_by_date(
    catalogue: Catalogue, built_2016_vs_2024: Comparison
) -> None:
    """2016 vs 2024: B's 92 % is mostly engage on remote (22 % without), assumed from its date.

    The comparison's line said only "From A (2016, as built) to B (2024, as built)", and a
    journalist read the gain as Redzikowo's (session 38's trial).
    """
    cmp = built_2016_vs_2024
    assert (cmp.note_a, cmp.note_b) == ("", "with engage on remote (assumed from 10 Jul 2024)")
    assert cmp.territory_text().startswith(
        "From A (2016, as built) to B (2024, as built, with engage on remote (assumed from 10 Jul "
        "2024)): territory defended"
    )
    # Both with it, or a setting that differs (the label says it): no note.
    both = compare_states(catalogue, FootprintOptions(year=2024), QUERY, Variation(year=2025))
    assert (both.note_a, both.note_b) == ("", "")
    forced = compare_states(
        catalogue,
        FootprintOptions(year=2016),
        QUERY,
        Variation.with_query(engage_on_remote="on"),
    )
    assert (forced.note_a, forced.note_b) == ("", "")
    assert "engage on remote on" in forced.label_b
    # How much B rests on it: B's share with engage on remote off, on the line's basis (the
    # members of either year), from its own engine run; none for a state without a note.
    from dataclasses import replace

    from coverage.products.defended import defended_grid
    from coverage.products.metrics import member_cell_area_m2

    off = defended_grid(
        catalogue, FootprintOptions(year=2024), replace(QUERY, engage_on_remote="off")
    )
    members = catalogue.nato_members_in(2016) | catalogue.nato_members_in(2024)
    area = member_cell_area_m2(off, members)
    expected = float(area[off.result.defended[: off.n_cells]].sum() / area.sum())
    assert cmp.without_eor_b == pytest.approx(expected, abs=1e-12)
    assert cmp.common_shares()[0] < cmp.without_eor_b < cmp.common_shares()[1] - 0.3
    assert math.isnan(cmp.without_eor_a) and math.isnan(both.without_eor_b)
    payload = cmp.to_dict()
    assert payload["share_b_without_engage_on_remote"] == cmp.without_eor_b
    assert payload["share_a_without_engage_on_remote"] is None


def test_sites_of_both__b_only_sites_drawn_and_tagged(catalogue: Catalogue) -> None:
    """2016 as built (A) vs 2018 planned (B): a new user missed B's Redzikowo on the map."""
    a = sites_layer(catalogue, 2016, "actual")
    b = sites_layer(catalogue, 2018, "planned")
    both = sites_of_both(a, b)
    assert set(both.site_id) == set(a.site_id) | set(b.site_id)
    row = both.set_index("site_id").loc["redzikowo"]
    assert row.state_only == "B" and row.status == "active"
    assert row.site_name == "Aegis Ashore Poland [B] (NSF Redzikowo)"
    assert row.label.startswith("In B only. ") and "SM-3 Block IIA" in row.label
    kept = both.set_index("site_id").loc["deveselu"]
    assert kept.state_only == "" and kept.site_name == a.set_index("site_id").site_name["deveselu"]
    rota = both.set_index("site_id").loc["rota"]
    assert rota.label.endswith("; in B: AN/SPY-1D, SM-3 Block IIA")  # B's systems differ
    assert state_tags_words(both) == "[B]: in place in B only"
    # Reversed, the same site is A's only; a state against itself tags nothing.
    rev = sites_of_both(b, a).set_index("site_id")
    assert rev.state_only["redzikowo"] == "A" and rev.site_name["redzikowo"].endswith(
        "[A] (NSF Redzikowo)"
    )
    assert state_tags_words(sites_of_both(a, a)) == ""


def test_sites_of_both__planned_in_a_in_place_in_b(catalogue: Catalogue) -> None:
    """2018 as built (A: Redzikowo planned, not built) vs 2024 as built (B: in place): B's row."""
    both = sites_of_both(
        sites_layer(catalogue, 2018, "actual"), sites_layer(catalogue, 2024, "actual")
    ).set_index("site_id")
    assert both.status["redzikowo"] == "active" and both.state_only["redzikowo"] == "B"
    assert len(both) == len(set(both.index))  # one marker per site
    # A site B plans and A lacks altogether is B's only, and the legend does not say "in place".
    early = sites_of_both(
        sites_layer(catalogue, 2012, "actual"), sites_layer(catalogue, 2020, "actual")
    )
    row = early.set_index("site_id").loc["redzikowo"]
    assert row.state_only == "B" and row.status != "active" and "[B]" in row.site_name
    assert state_tags_words(early) == "[B]: in B only"


def test_compute_map__comparison_draws_the_sites_of_both_states(catalogue: Catalogue) -> None:
    state = MapState(FootprintOptions(year=2016), compare=Variation(year=2018, scenario="planned"))
    data = compute_map(catalogue, state)
    assert "redzikowo" in set(data.sites.site_id)
    # The rings and footprints drawn are A's: the legend says so.
    assert data.legend_title("interceptor", "") == "Interceptor nominal ring (A)"
    assert data.legend_title("radar", "") == "Radar footprint (A)"
    assert "redzikowo" not in set(
        compute_map(catalogue, MapState(FootprintOptions(year=2016))).sites.site_id
    )


# ----------------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coverage", "compare", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_compare__json_matches_the_products(built_2016_vs_2024: Comparison) -> None:
    out = _cli(
        "--year", "2016", "--vs-year", "2024", "--scenario", "actual",
        "--launch-area", "tabriz", "--grid-km", "50", "--format", "json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    expected = built_2016_vs_2024.to_dict()
    for key in ("share_a", "share_b", "gained_share", "lost_share"):
        assert payload[key] == pytest.approx(expected[key], abs=1e-9), key
    assert payload["capitals_gained"] == list(built_2016_vs_2024.capitals_gained)
    assert payload["capitals_lost"] == []
    assert (payload["a"], payload["b"]) == ("2016, as built", "2024, as built")
    # Each state's own assumptions: 2016 has no engage on remote yet, 2024 has (from 10 Jul
    # 2024); only A's were printed, unlabelled (a fresh-eyes review).
    assert "no engage on remote yet" in payload["assumptions"]
    assert payload["assumptions_b"] != payload["assumptions"]
    assert "no engage on remote yet" not in payload["assumptions_b"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2016"], "compare needs a second state"),
        (["--year", "2016", "--vs-year", "2031"], "--vs-year 2031: allowed 2011..2026"),
        (["--year", "2016", "--vs-launch-area", "Atlantis"], "--vs-launch-area 'Atlantis'"),
        (["--year", "2016", "--vs-threat", "warp"], "--vs-threat 'warp'"),
    ],
)
def test_cli_compare__bad_second_state_is_one_line(args: list[str], message: str) -> None:
    out = _cli(*args)
    assert out.returncode == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_text__adds_up_in_whole_points_and_says_a_states_own_share_as_its_headline(
    catalogue: Catalogue,
) -> None:
    from coverage.style import share_text

    # 2012 → 2016: A → B and the gain in whole points, one precision on the line (a review
    # caught "0.8 % → 16 % (gained 15 %)" when every share took the headline's precision).
    cmp = compare_states(catalogue, FootprintOptions(year=2012), QUERY, Variation(year=2016))
    a, b, gained = (round(100 * x) for x in (cmp.share_a, cmp.share_b, cmp.gained_share))
    assert f"territory defended {a} % → {b} % (gained {gained} %" in cmp.text()
    # 2015 → 2018 (Montenegro joined between): A's share over its own members reads as A's
    # headline reads it, 5.5 % (session 41's trial: "(A's own 26: 5 %)" under "5.5 %").
    two = compare_states(catalogue, FootprintOptions(year=2015), QUERY, Variation(year=2018))
    own = share_text(two.share_a)
    assert own == "5.5 %", own
    assert f"A's own 26: {own}" in two.basis(compact=True)
    assert f"A's {own} is of its own 26" in two.text()
