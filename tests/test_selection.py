"""Click to inspect: Streamlit's selection state turned into facts in words (pure)."""

from __future__ import annotations

from dashboard.selection import Inspected, inspected


def test_inspected__nothing_selected() -> None:
    assert inspected(None) is None
    assert inspected({"indices": {}, "objects": {}}) is None
    assert inspected({"indices": {"sites": []}, "objects": {"sites": []}}) is None


def test_inspected__a_site_in_plain_text() -> None:
    site = {
        "position": [24.41, 44.08],
        "name": "Aegis Ashore Romania (NSF Deveselu)",
        "label": "Deveselu, 44°04'43\"N: SM-3 Block IB & SPY-1",
        "status": "active",
        "systems": "sm3_ib, spy1d",
        "source": "EUCOM ‹fact sheet›",
        "fill": [0, 0, 0, 255],
    }
    item = inspected({"indices": {"sites": [0]}, "objects": {"sites": [site]}})
    assert item == Inspected(
        "Missile-defence site",
        "Aegis Ashore Romania (NSF Deveselu)",
        (
            ("Details", "Deveselu, 44°04'43\"N: SM-3 Block IB & SPY-1"),
            ("Status", "active"),
            ("Systems", "sm3_ib, spy1d"),
            ("Source", "EUCOM ‹fact sheet›"),
        ),
    )


def test_inspected__a_site_without_repeating_itself_and_with_its_role() -> None:
    # The panel read "Details: Aegis Ashore Romania (NSF Deveselu) (active): AN/SPY-1D, SM-3
    # Block IB", then the status, then the systems (a fresh-eyes review): a label that only
    # restates them goes; the site's role (what it holds, its phase) is shown.
    name = "Aegis Ashore Romania (NSF Deveselu)"
    site = {
        "name": name,
        "label": f"{name} (active): AN/SPY-1D, SM-3 Block IB",
        "status": "active",
        "systems": "AN/SPY-1D, SM-3 Block IB",
        "role": "SPY-1D radar and 24 SM-3 IB launchers (Phase 2)",
        "source": "fact sheet",
    }
    item = inspected({"indices": {"sites": [0]}, "objects": {"sites": [site]}})
    assert item is not None and [k for k, _ in item.facts] == [
        "Status",
        "Systems",
        "Role",
        "Source",
    ]
    assert dict(item.facts)["Role"] == "SPY-1D radar and 24 SM-3 IB launchers (Phase 2)"
    # A label that says more (a what-if site, B's systems in a comparison) stays.
    what_if = {**site, "label": f"{name} (active, WHAT-IF user site): AN/SPY-1D"}
    item = inspected({"indices": {"sites": [0]}, "objects": {"sites": [what_if]}})
    assert item is not None and item.facts[0] == ("Details", what_if["label"])


def test_inspected__a_footprint_feature_reads_its_properties() -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": []},
        "properties": {
            "name": "Kürecik Radar Station (Malatya)",
            "label": "",
            "system_name": "AN/TPY-2 (forward-based mode)",
            "range_km": 1439.5,
            "limit": "range",
            "source": "",
        },
    }
    item = inspected({"indices": {"radar": [3]}, "objects": {"radar": [feature]}})
    assert item is not None
    assert item.kind == "Radar footprint" and item.name.startswith("Kürecik")
    assert dict(item.facts) == {
        "System": "AN/TPY-2 (forward-based mode)",
        "Range (km)": "1,440",
        "Limited by": "range",
    }


def test_inspected__a_capital() -> None:
    capital = {"name": "Bucharest (Romania)", "label": "Capital: defended", "status": "defended"}
    item = inspected({"objects": {"capitals": [capital]}})
    assert item is not None and item.kind == "Capital"
    assert ("Status", "defended") in item.facts
    # With its reason, the status is said once, by the reason.
    why = "Defended: intercept window Aegis Ashore Romania (SM-3 Block IB) 723-775 s."
    item = inspected({"objects": {"capitals": [{**capital, "why": why}]}})
    assert item is not None and [t for t, _ in item.facts] == ["Why"]


def test_inspected__comparison_area_says_what_it_is() -> None:
    picked = {
        "objects": {
            "compare-lost": [
                {
                    "type": "Feature",
                    "properties": {
                        "name": "Lost in B: defended in A, not in B",
                        "label": "A = 2018, as planned (2009); B = 2018, as built. 120 cells",
                        "kind": "lost",
                    },
                }
            ]
        }
    }
    item = inspected(picked)
    assert item is not None
    assert item.kind == "Comparison: lost in B"
    assert item.name.startswith("Lost in B")
    assert ("Details", "A = 2018, as planned (2009); B = 2018, as built. 120 cells") in item.facts


_FACE = {"name": "At this point", "label": "…", "refs": "interceptor:1;radar:0"}
_FEATURES = {
    "here": [{"name": "Aegis Ashore Romania", "refs": "interceptor:0"}, _FACE],
    "radar": [
        {"name": "Kürecik Radar Station (Malatya)", "system_name": "AN/TPY-2", "source": "S1"},
    ],
    "interceptor": [
        {"name": "Aegis Ashore Romania", "system_name": "SM-3 Block IB", "range_km": 700.0},
        {"name": "Naval Station Rota", "system_name": "SM-3 Block IA", "source": "S2"},
    ],
}


def test_inspected__a_here_face_lists_each_feature_with_its_details() -> None:
    face = {"properties": dict(_FACE)}
    item = inspected({"indices": {"here": [1]}, "objects": {"here": [face]}}, _FEATURES)
    assert item is not None
    assert item.kind == "Map layers at this point" and item.name == "2 layers cover this point"
    assert item.facts == (
        ("Interceptor nominal ring", "Naval Station Rota: SM-3 Block IA"),
        ("Radar footprint", "Kürecik Radar Station (Malatya): AN/TPY-2"),
    )
    # Each feature's details and sources, folded under the short lines in the side panel.
    assert item.more == (
        ("Interceptor nominal ring", "Naval Station Rota. System: SM-3 Block IA; Source: S2"),
        ("Radar footprint", "Kürecik Radar Station (Malatya). System: AN/TPY-2; Source: S1"),
    )


def test_inspected__a_here_face_groups_its_layers_in_short_lines() -> None:
    """Eight layers at a point in 2019: a line each, grouped by layer (was ~3,300 characters)."""
    face = {"name": "At this point", "label": "…", "refs": "interceptor:1;radar:0;interceptor:0"}
    features = {**_FEATURES, "here": [face]}
    item = inspected(
        {"indices": {"here": [0]}, "objects": {"here": [{"properties": face}]}}, features
    )
    assert item is not None
    assert [k for k, _ in item.facts] == [
        "Interceptor nominal ring",
        "Interceptor nominal ring",
        "Radar footprint",
    ]
    assert item.facts[1] == (
        "Interceptor nominal ring",
        "Aegis Ashore Romania: SM-3 Block IB, 700 km",
    )
    assert all("Source" not in v for _, v in item.facts)
    assert len(item.more) == 3


def test_inspected__a_here_face_under_one_feature_is_that_feature() -> None:
    face = {"properties": {"name": "Aegis Ashore Romania", "refs": "interceptor:0"}}
    item = inspected({"indices": {"here": [0]}, "objects": {"here": [face]}}, _FEATURES)
    assert item is not None and item.kind == "Interceptor nominal ring"
    assert ("Range (km)", "700") in item.facts


def test_inspected__a_here_face_with_unknown_refs_shows_its_own_text() -> None:
    face = {"properties": {"name": "Here", "label": "• a\n• b", "refs": "gone:9;radar:x"}}
    features = {**_FEATURES, "here": [face["properties"]]}
    item = inspected({"indices": {"here": [0]}, "objects": {"here": [face]}}, features)
    assert item is not None and item.name == "Here" and ("Details", "• a\n• b") in item.facts


def test_inspected__a_face_of_an_earlier_map_shows_its_own_text() -> None:
    # A year step keeps the chart's selection: the face picked on the old map must not be
    # resolved against the new map's features (its refs would name other sites).
    old = {
        "name": "At this point",
        "label": "• old ring\n• old radar",
        "refs": "interceptor:1;radar:0",
    }
    for index in (1, 5, None):
        item = inspected(
            {"indices": {"here": [index]}, "objects": {"here": [{"properties": old}]}}, _FEATURES
        )
        assert item is not None and item.name == "At this point", index
        assert item.facts == (("Details", "• old ring\n• old radar"),)


def test_inspected__a_russian_early_warning_radar_says_what_it_is() -> None:
    radar = {
        "position": [40.98, 44.93],
        "name": "Armavir (Baronovsky)",
        "label": "Armavir (Baronovsky) (2 × Voronezh-DM (UHF)), sector 55-295°",
        "source": "keeptrack.space",
        "system": "2 × Voronezh-DM (UHF)",
        "range_km": "4200.0",
    }
    item = inspected(
        {"indices": {"early_warning-sites": [0]}, "objects": {"early_warning-sites": [radar]}}
    )
    assert item is not None
    assert item.kind == "Russian early-warning radar" and item.name == "Armavir (Baronovsky)"


def test_inspected__a_later_nato_member_is_no_member_yet() -> None:
    finland = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": []},
        "properties": {
            "name": "Finland",
            "label": "Finland: joined NATO in 2023",
            "source": "",
            "iso3": "FIN",
            "joined_year": 2023.0,
        },
    }
    picked = {"indices": {"nato": [30]}, "objects": {"nato": [finland]}}
    before = inspected(picked, year=2016)
    assert before is not None and before.kind == "Not yet a NATO member in 2016"
    assert ("Joined NATO in", "2023") in before.facts  # a year, not "2,023"
    member = inspected(picked, year=2024)
    assert member is not None and member.kind == "NATO member in 2024"
    unknown = inspected(picked)  # no year given: the layer's title
    assert unknown is not None and unknown.kind == "NATO members (year)"


def test_site__its_dates_and_its_deployments_sources_from_the_data() -> None:
    # A click on a site showed its systems but no dates and only where its position came from
    # (a review against the answer-first issue): now when each system came, to the precision
    # of data/deployments.csv, and the deployments' own sources before the position's.
    from coverage.catalogue.tables import load_catalogue
    from coverage.products.footprints import sites_layer

    catalogue = load_catalogue()
    built = sites_layer(catalogue, 2016, "actual").set_index("site_id")
    assert built.loc["deveselu", "dates"] == "AN/SPY-1D and SM-3 Block IB from 12 May 2016"
    source = built.loc["deveselu", "source"]
    assert source.startswith("Aegis Ashore Romania declared operational 12 May 2016")
    assert "position: " in source
    # The THAAD battery of 2019 has a month, not a day, for its start.
    y2019 = sites_layer(catalogue, 2019, "actual").set_index("site_id")
    assert "from Apr 2019 to 9 Aug 2019" in y2019.loc["deveselu", "dates"]
    # Not built yet in 2020: the plan's years, and the day it was built.
    late = sites_layer(catalogue, 2020, "actual").set_index("site_id")
    assert late.loc["redzikowo", "status"] == "planned, not built"
    assert "SM-3 Block IIA planned from 2018 (built 10 Jul 2024)" in late.loc["redzikowo", "dates"]
    record = {"name": "Aegis Ashore Romania", **built.loc["deveselu"].drop("geometry").to_dict()}
    item = inspected({"indices": {"sites": [0]}, "objects": {"sites": [record]}})
    assert item is not None
    assert dict(item.facts)["In service"] == "AN/SPY-1D and SM-3 Block IB from 12 May 2016"


def test_inspected__a_name_clicked_is_its_dot(catalogue) -> None:
    """A click on a capital's, a city's, a site's or a radar's name shows what a click on its
    dot shows (the names were not pickable: a click on "Bucharest" showed the defended area
    under it), and the tooltip's heading is in words, never a layer id."""
    import json

    import pandas as pd

    from coverage.products.headline import headline
    from coverage.products.mapdata import MapState, compute_map
    from coverage.render.layers import build_deck
    from coverage.scenario import FootprintOptions

    state = MapState(FootprintOptions(year=2016), layers=frozenset({"sites", "early_warning"}))
    line = headline(catalogue, state)
    cities = pd.DataFrame(
        {
            "name": ["Barcelona", "Milan", "Hamburg"],
            "country": ["Spain", "Italy", "Germany"],
            "lon_deg": [2.17, 9.19, 9.99],
            "lat_deg": [41.39, 45.46, 53.55],
            "status": ["not defended"] * 3,
        }
    )
    spec = json.loads(
        build_deck(compute_map(catalogue, state), capitals=line.capitals, cities=cities).to_json()
    )
    layers = {layer["id"]: layer for layer in spec["layers"]}
    for dots, names in (
        ("capitals", "capital-labels"),
        ("cities", "city-labels"),
        ("sites", "site-labels"),
        ("early_warning-sites", "early_warning-labels"),
    ):
        assert layers[names]["pickable"], names
        assert layers[names]["data"], names
        label = layers[names]["data"][0]
        dot = next(d for d in layers[dots]["data"] if d["name"] == label["name"])
        by_name = inspected({"indices": {names: [0]}, "objects": {names: [label]}})
        by_dot = inspected({"indices": {dots: [0]}, "objects": {dots: [dot]}})
        assert by_name == by_dot, names
        assert by_name is not None and by_name.kind[0].isupper() and by_name.kind != names
