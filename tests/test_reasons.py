"""Why a capital is defended or not: the words read back from the run that decided its status."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from coverage.catalogue.tables import Catalogue
from coverage.products.defended import defended_grid
from coverage.products.headline import capitals_of, headline
from coverage.products.mapdata import MapState
from coverage.products.reasons import capital_reasons, deployment_name
from coverage.render.layers import build_deck
from coverage.scenario import DefenceQuery, FootprintOptions
from dashboard.selection import inspected

_START = {
    "defended": ("Defended", "Launched from"),
    "not defended": ("Not defended", "Launched from"),
    "out of reach": ("Out of the threat's reach",),
}


def _state(year: int, **query: object) -> MapState:
    return MapState(FootprintOptions(year=year), **query)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("year", "query"),
    [
        (2012, {}),
        (2016, {}),
        (2024, {}),
        (2016, {"launch_area": "all-iran"}),
        (2016, {"shoot_look_shoot": True}),
        (2024, {"shoot_look_shoot": True}),
        (2024, {"shoot_look_shoot": True, "launch_area": "all-iran"}),
        (2024, {"threat": "mrbm"}),
    ],
)
def test_capital_reasons__agree_with_every_status(
    catalogue: Catalogue, year: int, query: dict[str, object]
) -> None:
    caps = capitals_of(catalogue, _state(year, **query))
    assert len(caps) > 20 and caps.why.str.len().min() > 20
    for row in caps.itertuples():
        assert row.why.startswith(_START[row.status]), (row.name, row.status, row.why)
        if row.status == "defended":
            assert " not defended" not in row.why
        if row.status == "not defended":
            assert ": defended" not in row.why


def test_capital_reasons__bucharest_2016_window_inside_the_flight(catalogue: Catalogue) -> None:
    """The window is the engine's: Deveselu's first and last intercept, before impact."""
    dg = defended_grid(catalogue, FootprintOptions(year=2016), DefenceQuery("tabriz"))
    why = capital_reasons(dg, catalogue)[("ROU", "Bucharest")]
    m = re.fullmatch(
        r"Defended: intercept window Aegis Ashore Romania \(SM-3 Block IB\) (\d+)-(\d+) s\. "
        r"Seconds after the threat's launch: first detected at (\d+) s by Kürecik Radar Station, "
        r"in boost \((\d+) s before burnout\); interceptors could launch from "
        r"(\d+) s; it lands at (\d+) s\.",
        why,
    )
    assert m, why
    first, last, seen, before_burnout, launch, lands = map(int, m.groups())
    assert seen < launch < first < last < lands
    assert launch - seen == 60  # the track-and-C2 delay
    k = dg.n_cells + list(zip(dg.extra.iso3, dg.extra.name, strict=True)).index(
        ("ROU", "Bucharest")
    )
    # Seen as the boosting missile: the engine's burnout for this flight is after the sighting.
    assert abs(dg.result.burnout_s[0, k] - dg.result.detection_time_s[0, k] - before_burnout) <= 1
    s = dg.result.site_keys.index("deveselu_sm3_ib")
    assert first == round(dg.result.first_intercept_s[0, s, k])
    assert last == round(dg.result.last_intercept_s[0, s, k])


def test_capital_reasons__say_which_part_of_the_timeline_fails(catalogue: Catalogue) -> None:
    warsaw_2016 = capitals_of(catalogue, _state(2016)).set_index("name").why["Warsaw"]
    assert warsaw_2016.startswith(
        "Not defended: no point of the threat's path is within an interceptor's reach after "
        "its launch and in view of the firing site's own radar (no engage on remote)."
    )
    # The change that decides, asked too: engage on remote (as built only from July 2024).
    assert warsaw_2016.endswith(
        "With engage on remote (another radar's track guiding the interceptor to the "
        "intercept) it would be defended: Aegis Ashore Romania (SM-3 Block IB) 810-934 s."
    )
    # Where engage on remote gives no window either, the own radar's view is not the cause,
    # and is not named as one (a journalist read it so for Amsterdam, session 40).
    why_2012 = capitals_of(catalogue, _state(2012)).set_index("name").why
    for name in ("Warsaw", "Amsterdam"):
        assert why_2012[name].startswith(
            "Not defended: no point of the threat's path is within an interceptor's reach after "
            "its launch. Seconds after"
        ), why_2012[name]
        assert why_2012[name].endswith(
            "Engage on remote would not change that: on another radar's track too, no "
            "interceptor reaches the threat's path in time."
        )
    amsterdam_2016 = capitals_of(catalogue, _state(2016)).set_index("name").why["Amsterdam"]
    assert "(no engage on remote)" not in amsterdam_2016
    sls = capitals_of(catalogue, _state(2016, shoot_look_shoot=True)).set_index("name").why
    assert "shorter than the 75 s shoot-look-shoot needs" in sls["Bucharest"]
    several = capitals_of(catalogue, _state(2016, launch_area="all-iran")).set_index("name").why
    assert several["Warsaw"].startswith("Launched from ")


def test_capital_reasons__a_boost_track_is_said_and_can_be_required(catalogue: Catalogue) -> None:
    """From Shahrud (2024) Oslo is defended on a track of the boosting missile alone, said so;
    required to see the warhead at burnout, no radar ever tracks it."""
    held = capitals_of(catalogue, _state(2024, launch_area="shahrud")).set_index("name").why
    m = re.search(r"first detected at (\d+) s by Kürecik Radar Station, in boost \((\d+) s before "
                  r"burnout\)", held["Oslo"])  # fmt: skip
    assert held["Oslo"].startswith("Defended") and m, held["Oslo"]
    assert 0 < int(m.group(2)) < 30  # the last seconds of the boost, above the 2° mask
    strict = _state(2024, launch_area="shahrud", boost_track_needs_warhead=True)
    why = capitals_of(catalogue, strict).set_index("name").why
    assert why["Oslo"].startswith("Not defended: no interceptor launches.")
    assert "never detected by the radars in place" in why["Oslo"]
    assert "in boost" not in why["Bucharest"]  # seen as the warhead: said as before


def test_deployment_name(catalogue: Catalogue) -> None:
    assert deployment_name(catalogue, "kurecik_radar") == "Kürecik Radar Station"
    assert (
        deployment_name(catalogue, "deveselu_sm3_ib", system=True)
        == "Aegis Ashore Romania (SM-3 Block IB)"
    )
    assert deployment_name(catalogue, "no_such_thing") == "no_such_thing"


def test_capital_click__the_panel_says_why(catalogue: Catalogue) -> None:
    """The capitals' dots carry the reason; a click shows it (not the hover tooltip)."""
    state = _state(2016)
    from coverage.products.mapdata import compute_map

    line = headline(catalogue, state)
    deck = build_deck(compute_map(catalogue, state), capitals=line.capitals)
    layer = next(layer for layer in deck.layers if layer.id == "capitals")
    record = next(r for r in layer.data if r["short"] == "Lisbon")
    assert record["why"].startswith("Defended: intercept window Naval Station Rota")
    item = inspected({"objects": {"capitals": [record]}})
    assert item is not None and dict(item.facts)["Why"] == record["why"]
    assert "{why}" not in str(deck.to_json())  # the tooltip template does not show it


def test_target_reason__shoot_look_shoot_across_sites(catalogue: Catalogue) -> None:
    """Two sites with 50 s windows 60 s apart: neither alone allows a second shot 75 s after the
    first, together they do, and the engine counts the target defended (the union rule)."""
    from coverage.physics.engagement import EngagementResult
    from coverage.products.defended import DefendedGrid
    from coverage.products.reasons import target_reason

    dg = defended_grid(
        catalogue, FootprintOptions(year=2024), DefenceQuery("tabriz", shoot_look_shoot=True)
    )
    k = dg.n_cells + list(zip(dg.extra.iso3, dg.extra.name, strict=True)).index(
        ("ROU", "Bucharest")
    )
    arrays = dg.result.to_arrays()
    first, last = arrays["first_intercept_s"].copy(), arrays["last_intercept_s"].copy()
    first[0, :, k], last[0, :, k] = np.nan, np.nan
    first[0, :2, k], last[0, :2, k] = (600.0, 660.0), (650.0, 710.0)
    arrays.update(first_intercept_s=first, last_intercept_s=last)
    fake = DefendedGrid(dg.grid, EngagementResult.from_arrays(arrays), dg.extra, dg.setup)
    why = target_reason(fake, k, catalogue)
    assert why.startswith(
        "Defended by the sites together (shoot-look-shoot across sites): intercept windows "
    ), why
    assert "600-650 s" in why and "660-710 s" in why
    # One site alone with a 50 s window: not defended, and said why.
    first[0, 1, k] = last[0, 1, k] = np.nan
    arrays.update(first_intercept_s=first, last_intercept_s=last)
    alone = DefendedGrid(dg.grid, EngagementResult.from_arrays(arrays), dg.extra, dg.setup)
    assert "is shorter than the 75 s shoot-look-shoot needs" in target_reason(alone, k, catalogue)


@pytest.mark.parametrize("year", [2016, 2024])
def test_place_why__every_major_city_agrees_with_its_status(
    catalogue: Catalogue, year: int
) -> None:
    """A major city's reason (asked on its click) starts with its status, as a capital's does."""
    from coverage.products.headline import major_cities, place_why

    state = _state(year)
    cities = major_cities(catalogue, state)
    assert len(cities) >= 10
    for row in cities.itertuples():
        why = place_why(catalogue, state, row.iso3, row.name)
        assert why.startswith(_START[row.status]), (row.name, row.status, why)
    # The one code path of the capitals' words: the same words for a capital asked alone.
    caps = capitals_of(catalogue, state).set_index("name")
    for iso3, name in (("ROU", "Bucharest"), ("POL", "Warsaw")):  # 2016: defended, not defended
        assert place_why(catalogue, state, iso3, name) == caps.loc[name, "why"], name
    assert place_why(catalogue, state, "XXX", "Atlantis") == ""
    # All cities' reasons at once (the GIS files): the words of each city's click, in order.
    from coverage.products.headline import cities_with_reasons

    every = cities_with_reasons(cities, catalogue, state)
    assert list(every.name) == list(cities.name) and list(every.status) == list(cities.status)
    assert list(every.why) == [
        place_why(catalogue, state, r.iso3, r.name) for r in cities.itertuples()
    ]


def test_city_click__the_panel_says_why(catalogue: Catalogue) -> None:
    """A click on a major city's dot shows why (computed on the click), as a capital's does."""
    from coverage.products.headline import major_cities, place_why
    from coverage.products.mapdata import compute_map
    from dashboard.selection import with_place_reason

    state = _state(2016)
    cities = major_cities(catalogue, state)
    deck = build_deck(compute_map(catalogue, state), cities=cities)
    layer = next(layer for layer in deck.layers if layer.id == "cities")
    record = next(r for r in layer.data if r["short"] == "Istanbul")
    assert not record["why"]  # not computed with the map
    asked: list[tuple[str, str]] = []

    def why(iso3: str, name: str) -> str:
        asked.append((iso3, name))
        return place_why(catalogue, state, iso3, name)

    drawn = layer.data
    at = drawn.index(record)
    click = {"indices": {"cities": [at]}, "objects": {"cities": [record]}}
    item = inspected(with_place_reason(click, drawn, cities, why))
    assert asked == [("TUR", "Istanbul")]
    assert item is not None and dict(item.facts)["Why"].startswith("Not defended: ")
    # Not defended for want of engage on remote: the reason says what that would change.
    assert "With engage on remote" in dict(item.facts)["Why"]
    # Nothing is asked for: a capital (its reason came with the map), an empty click, a click
    # kept from an earlier map (its record is not the one drawn now: another year's status), a
    # city the frame lacks, and the cities layer off (an empty frame).
    capital = {"objects": {"capitals": [{"short": "Lisbon", "why": "Defended: ..."}]}}
    assert with_place_reason(capital, drawn, cities, why) is capital
    assert with_place_reason(None, drawn, cities, why) is None
    stale = {"indices": {"cities": [at]}, "objects": {"cities": [{**record, "status": "x"}]}}
    assert with_place_reason(stale, drawn, cities, why) is stale
    unknown = cities[cities.name != "Istanbul"]
    assert with_place_reason(click, drawn, unknown, why) is click
    assert with_place_reason(click, drawn, pd.DataFrame(), why) is click
    assert with_place_reason(click, [], cities, why) is click
    assert asked == [("TUR", "Istanbul")]
