"""Text that reaches a sink as code is neutralised: CSV formulas, deck.gl @@, mathtext $...$."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coverage.catalogue import whatif
from coverage.catalogue.tables import load_catalogue
from coverage.products.mapdata import MapState, compute_map
from coverage.render import export
from coverage.scenario import FootprintOptions
from coverage.textsafe import FORMULA_START, csv_text, deck_text, spreadsheet_safe


@given(st.text())
def test_spreadsheet_safe__no_cell_starts_a_formula(text):
    out = spreadsheet_safe(text)
    if out.startswith(FORMULA_START):
        float(out)  # only plain numbers such as "-12.5" may start with a sign


def test_csv_text__escapes_text_cells_only():
    table = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "Rota", "-3"], "value": [-1.5, 2.0, 3.0]})
    rows = pd.read_csv(io.StringIO(csv_text(table)), dtype=str)
    assert list(rows.name) == ["'=cmd|' /C calc'!A0", "Rota", "-3"]
    assert list(rows.value) == ["-1.5", "2.0", "3.0"]


@given(st.text())
def test_deck_text__never_starts_with_double_at(text):
    assert not str(deck_text(text)).startswith("@@")


def test_deck_text__keeps_plain_names():
    assert deck_text("Aegis Ashore Romania") == "Aegis Ashore Romania"
    assert deck_text(3.5) == 3.5


@pytest.mark.parametrize("name", ["cost $5$ bn", r"$\frac{a}{", "price $ unbalanced"])
def test_export__dollar_names_print_literally(name):
    result = whatif.add_site(
        load_catalogue(),
        {
            "name": name,
            "kind": "land",
            "lon_deg": 47.8,
            "lat_deg": 40.87,
            "elevation_m": 300,
            "system_id": "an_tpy2_fbm",
            "boresight_deg": 162,
            "year": 2012,
        },
    )
    assert result.catalogue.custom_site_ids, result.message
    data = compute_map(result.catalogue, MapState(FootprintOptions(year=2016)))
    svg = export.render(data, fmt="svg", width_px=800, height_px=450).decode("utf-8")
    assert name.split("$")[0].strip() in svg


def test_deck__a_site_named_like_a_deck_expression_stays_text():
    import json

    from coverage.render.layers import build_deck

    result = whatif.add_site(
        load_catalogue(),
        {
            "name": "@@=console.log(1)",
            "kind": "land",
            "lon_deg": 47.8,
            "lat_deg": 40.87,
            "elevation_m": 300,
            "system_id": "an_tpy2_fbm",
            "boresight_deg": 162,
            "year": 2012,
        },
    )
    assert result.catalogue.custom_site_ids
    data = compute_map(result.catalogue, MapState(FootprintOptions(year=2016)))
    spec = json.loads(build_deck(data).to_json())

    def strings(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
        elif isinstance(node, str):
            yield node

    texts = [s for layer in spec["layers"] for s in strings(layer.get("data", {}))]
    assert any("console.log(1)" in s for s in texts)
    assert not any(s.startswith("@@") for s in texts)
