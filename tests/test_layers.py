"""The pydeck layers: offline Deck settings, flat escaped tooltips, compact JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from coverage.catalogue import Catalogue
from coverage.layers import build_deck, feature_collection
from coverage.mapdata import MapState, compute_map
from coverage.scenario import FootprintOptions, footprints
from coverage.style import LAYER_STYLES


def _spec(catalogue: Catalogue, **kwargs: object) -> dict:
    state = MapState(FootprintOptions(year=2016), **kwargs)  # type: ignore[arg-type]
    return json.loads(build_deck(compute_map(catalogue, state)).to_json())


def test_deck__has_no_basemap_provider_and_compact_json(catalogue: Catalogue) -> None:
    data = compute_map(catalogue, MapState(FootprintOptions(year=2016)))
    text = build_deck(data).to_json()
    spec = json.loads(text)
    assert spec.get("mapStyle") == "__MAP_STYLE__" and "mapProvider" not in spec
    assert "\n" not in text and len(text) < 1_500_000


def test_deck__only_visible_layers(catalogue: Catalogue) -> None:
    spec = _spec(catalogue, layers=frozenset({"radar"}))
    assert [layer["id"] for layer in spec["layers"]] == [
        "sea",
        "countries-outside",
        "countries",
        "borders",
        "radar",
    ]


def test_deck__unit_constants_are_quoted_not_accessors(catalogue: Catalogue) -> None:
    # pydeck reads bare strings as accessor expressions ('@@=pixels' is undefined in the browser).
    text = json.dumps(_spec(catalogue, layers=frozenset(LAYER_STYLES) - {"defended", "tracks"}))
    assert "@@=pixels" not in text and "@@=auto" not in text


def test_feature_collection__flat_escaped_properties(catalogue: Catalogue) -> None:
    frame = footprints(catalogue, FootprintOptions(year=2016)).head(1).copy()
    frame["name"] = "<img src=x onerror=alert(1)>"
    fc = feature_collection(frame, ["name", "label", "source", "range_km"])
    props = fc["features"][0]["properties"]
    assert props["name"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert all(not isinstance(v, dict | list) for v in props.values())


def test_tooltip__every_layer_carries_name_label_source(catalogue: Catalogue) -> None:
    spec = _spec(catalogue, layers=frozenset(LAYER_STYLES) - {"defended", "tracks"})
    for layer in spec["layers"]:
        if not layer.get("pickable"):
            continue
        data = layer["data"]
        rows = [f["properties"] for f in data["features"]] if isinstance(data, dict) else data
        for row in rows:
            assert {"name", "label", "source"} <= set(row), layer["id"]


def test_coverage_package__does_not_import_streamlit() -> None:
    code = (
        "import sys, coverage.catalogue, coverage.scenario, coverage.layers, coverage.mapdata, coverage.cli;"
        "import pkgutil, importlib, coverage;"
        "[importlib.import_module('coverage.' + m.name) for m in pkgutil.iter_modules(coverage.__path__) if m.name != '__main__'];"
        "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
