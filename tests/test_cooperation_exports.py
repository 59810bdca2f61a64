"""The NATO-Russia cooperation scenario is named in words in every export when it is in force.

Image exports (title, legend, assumptions), the KML/KMZ document's name and description, and the
comparison labels all take their words from data/cooperation.csv (``label``, ``short_label``).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from coverage.catalogue.analysis import load_cooperation
from coverage.products.compare import Variation, state_label
from coverage.products.mapdata import ANSWER_LAYERS, MapState, compute_map
from coverage.render.export import render
from coverage.render.gis import kml_from_series
from coverage.scenario import DefenceQuery, FootprintOptions, cooperation_short_labels

OPTIONS = FootprintOptions(year=2012, scenario="actual")
LAYERS = ANSWER_LAYERS | {"early_warning"}


def _state(cooperation: str) -> MapState:
    return MapState(OPTIONS, layers=LAYERS, cooperation=cooperation, satellite_cueing="off")


@pytest.fixture(scope="module")
def maps(catalogue):
    return {c: compute_map(catalogue, _state(c)) for c in load_cooperation().cooperation_id}


def _svg_text(data) -> str:
    return html.unescape(render(data, fmt="svg").decode("utf-8"))


def test_short_labels__come_from_the_data_file():
    short = cooperation_short_labels()
    assert short["nato_alone"] == "NATO alone"
    assert short["shared_early_warning"] == "with Russian early warning shared"
    assert set(short) == set(load_cooperation().cooperation_id)


def test_map_data__title_and_assumptions_name_the_scenario(maps):
    alone = maps["nato_alone"]
    assert "cooperation" not in alone.assumptions and "Russian" not in alone.title
    shared = maps["shared_early_warning"]
    # The scenario's words, and its radar not yet in service (data/early_warning_radars.csv).
    assert shared.title.endswith(
        "2012, as built, with Russian early warning shared (Pionersky from 2014)"
    )
    assert (
        "cooperation scenario: Shared early warning (Joint Data Fusion Centre, proposed 2011-12)"
        in shared.assumptions
    )
    # The radars active in 2012, by name (not by id), and what their warning may do.
    assert "Armavir (Baronovsky)" in shared.assumptions
    assert "Gabala (Qabala)" in shared.assumptions
    assert "a NATO radar must hold the track" in shared.assumptions
    putin = maps["putin_2007_radars"]
    assert putin.title.endswith("with Gabala and Armavir data (Putin 2007)")
    assert "Putin's 2007 offer: Gabala and Armavir data" in putin.assumptions


def test_image_export__title_legend_and_assumptions(maps):
    svg = _svg_text(maps["shared_early_warning"])
    assert "2012, as built, with Russian early warning shared (Pionersky" in svg  # the title
    assert "Defended area (physics), with" in svg  # the legend entries (wrapped lines)
    assert "Russian early-warning radars, used" in svg
    assert "as sensors (with Russian early" in svg
    # The assumptions panel (its line may wrap after the colon: text elements in between).
    assert re.search(r"cooperation scenario:(\s|<[^>]*>)*Shared early warning", svg)
    alone = _svg_text(maps["nato_alone"])
    assert "cooperation scenario" not in alone and "radars, used" not in alone


def test_image_export__a_long_title_is_set_smaller_not_cut(maps):
    data = maps["putin_2007_radars"]
    longer = replace(data, title=data.title + ", and a much longer tail to push it past the edge")
    svg = _svg_text(longer)
    assert "a much longer tail to push it past the edge" in svg


def test_kml__document_names_the_scenario(catalogue, maps):
    kml = kml_from_series(catalogue, [maps["shared_early_warning"]])
    root = ET.fromstring(kml)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    doc = root.find("k:Document", ns)
    assert doc is not None
    assert doc.findtext("k:name", namespaces=ns).endswith(
        "2012, as built, with Russian early warning shared"
    )
    description = html.unescape(doc.findtext("k:description", namespaces=ns))
    assert "NATO-Russia cooperation" in description
    assert "Cooperation scenario: Shared early warning" in description
    assert "Armavir (Baronovsky)" in description
    plain = ET.fromstring(kml_from_series(catalogue, [maps["nato_alone"]]))
    plain_doc = plain.find("k:Document", ns)
    assert plain_doc is not None
    assert (
        "cooperation"
        not in html.unescape(plain_doc.findtext("k:description", namespaces=ns)).lower()
    )


def test_state_label__uses_the_short_label(catalogue):
    a = DefenceQuery(launch_area="tabriz")
    _, b = Variation.with_query(cooperation="putin_2007_radars").apply(OPTIONS, a)
    label = state_label(catalogue, OPTIONS, b, other=(OPTIONS, a))
    assert label == "2012, as built, with Gabala and Armavir data (Putin 2007)"
    # After Gabala closed, a map's title keeps the offer's name and says so (a 2016 map titled
    # "with Gabala" read as if its data were used that year).
    from coverage.scenario import cooperation_title

    query = replace(a, cooperation="putin_2007_radars")
    assert (
        cooperation_title(catalogue, replace(OPTIONS, year=2016), query)
        == "with Gabala and Armavir data (Putin 2007; Gabala closed 2012)"
    )
    assert cooperation_title(catalogue, replace(OPTIONS, year=2011), query) == (
        "with Gabala and Armavir data (Putin 2007)"
    )
    # Unless the architecture keeps it: Putin's offer (2007) uses Gabala past 2012
    # (data/scenario_early_warning.csv), so its title names no idle radar.
    putin = FootprintOptions(year=2016, scenario="putin_2007")
    assert cooperation_title(catalogue, putin, query) == (
        "with Gabala and Armavir data (Putin 2007)"
    )
