"""What the user clicked on the map, in words: a pure function of Streamlit's selection state.

``st.pydeck_chart(..., on_select="rerun")`` returns the picked object per layer id. AppTest
cannot click a canvas, so the turning of that dictionary into a titled list of facts lives here,
free of Streamlit, and is tested directly; the browser test clicks once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coverage.style import COMPARE_STYLES, LAYER_STYLES

__all__ = ["Inspected", "inspected"]

#: What each pickable layer id holds, in words (the other layers by their legend titles).
_KINDS = {
    **{k: s.title for k, s in LAYER_STYLES.items()},
    "sites": "Missile-defence site",
    "capitals": "Capital",
    "launch": "Threat launch area",
    "tracks": "Threat track",
    "defended-sites": "Defended area of one site",
    **{
        f"compare-{k}": f"Comparison: {s.title[:1].lower()}{s.title[1:]}"
        for k, s in COMPARE_STYLES.items()
    },
    "countries": "Country",
}

#: Properties shown, in order, with their names in words (others are ids or drawing data).
_FIELDS = {
    "label": "Details",
    "status": "Status",
    "systems": "Systems",
    "system_name": "System",
    "range_km": "Range (km)",
    "limit": "Limited by",
    "joined_year": "NATO member since",
    "source": "Source",
}


@dataclass(frozen=True)
class Inspected:
    """One clicked map object: what it is, its name, and its facts as (name, value) pairs.

    All text is plain, as the map's properties are (whoever displays it escapes it once).
    """

    kind: str
    name: str
    facts: tuple[tuple[str, str], ...]


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    return str(value)


def inspected(selection: Mapping[str, Any] | None) -> Inspected | None:
    """The first selected object of ``selection`` (Streamlit's ``event.selection``), in words.

    Parameters
    ----------
    selection
        ``{"indices": {layer_id: [i, ...]}, "objects": {layer_id: [object, ...]}}``; a GeoJSON
        layer's object is a Feature whose ``properties`` hold the facts, a point layer's object
        holds them itself.

    Returns
    -------
    Inspected or None
        ``None`` when nothing is selected.
    """
    objects = (selection or {}).get("objects") or {}
    for layer_id, picked in objects.items():
        if not picked:
            continue
        obj = picked[0] or {}
        props = obj.get("properties", obj) if isinstance(obj, Mapping) else {}
        name = _plain(props.get("name", "")).strip()
        facts = []
        for key, title in _FIELDS.items():
            value = props.get(key)
            if value is None or value == "":
                continue
            if key == "label" and _plain(value) == name:
                continue
            facts.append((title, _plain(value)))
        return Inspected(_KINDS.get(layer_id, layer_id), name or "(unnamed)", tuple(facts))
    return None
