"""What the user clicked on the map, in words: a pure function of Streamlit's selection state.

``st.pydeck_chart(..., on_select="rerun")`` returns the picked object per layer id. AppTest
cannot click a canvas, so the turning of that dictionary into a titled list of facts lives here,
free of Streamlit, and is tested directly; the browser test clicks once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coverage.style import MAP_LAYER_KINDS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Inspected", "inspected", "with_place_reason"]

#: Properties shown, in order, with their names in words (others are ids or drawing data).
_FIELDS = {
    "label": "Details",
    "status": "Status",
    "why": "Why",
    "systems": "Systems",
    "role": "Role",
    "dates": "In service",
    "system_name": "System",
    "range_km": "Range (km)",
    "limit": "Limited by",
    "joined_year": "Joined NATO in",
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
    #: Longer facts shown folded under the short ones (a point under several layers: each
    #: layer's details and sources, which made the side panel up to ~3,000 px tall unfolded).
    more: tuple[tuple[str, str], ...] = ()


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    return str(value)


def _restated(props: Mapping[str, Any], name: str) -> set[str]:
    """Labels that only restate the name, status and systems listed apart (a site's)."""
    status, systems = _plain(props.get("status", "")), _plain(props.get("systems", ""))
    return {name, f"{name} ({status}): {systems}"}


def _facts(props: Mapping[str, Any], name: str) -> list[tuple[str, str]]:
    facts = []
    # A reason says the status first: the status line and a label that only restates it go.
    why = bool(props.get("why"))
    for key, title in _FIELDS.items():
        value = props.get(key)
        if value is None or value == "":
            continue
        if key == "label" and _plain(value) in _restated(props, name):
            continue
        if why and key in ("label", "status"):
            continue
        if key == "joined_year" and isinstance(value, float) and value.is_integer():
            value = int(value)  # a year, not a quantity ("2023", never "2,023")
        facts.append((title, _plain(value)))
    return facts


def _gist(props: Mapping[str, Any], name: str) -> str:
    """One short line for a feature among several: its name, system, range and limit."""
    system = _plain(props.get("system_name") or props.get("systems") or props.get("status") or "")
    range_km = props.get("range_km")
    reach = f"{_plain(range_km)} km" if isinstance(range_km, int | float) else ""
    limit = _plain(props.get("limit") or "")
    limit = "" if limit == "nominal ring" else limit  # the layer's own name says it
    parts = [p for p in (system, reach, f"limited by {limit}" if limit else "") if p]
    return f"{name}: {', '.join(parts)}" if parts and name else name or ", ".join(parts)


def _members(
    refs: str, features: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[tuple[str, Mapping[str, Any]]]:
    """``"layer:index;..."`` (a "here" face's ``refs``) to the features' properties."""
    out = []
    for ref in refs.split(";"):
        layer_id, _, index = ref.rpartition(":")
        rows = features.get(layer_id, ())
        if index.isdigit() and int(index) < len(rows):
            out.append((layer_id, rows[int(index)]))
    return out


def _current(
    selection: Mapping[str, Any],
    props: Mapping[str, Any],
    features: Mapping[str, Sequence[Mapping[str, Any]]],
) -> bool:
    """Whether a picked "here" face is the face of the map drawn now.

    A selection can outlive its map (a year step keeps the chart and its selection): its refs
    would then name the new map's features. Only a face equal to the current one at its index
    is resolved; an older one shows its own text.
    """
    index = ((selection.get("indices") or {}).get("here") or [None])[0]
    faces = features.get("here", ())
    if not isinstance(index, int) or not 0 <= index < len(faces):
        return False
    now = faces[index]
    return now.get("refs") == props.get("refs") and now.get("label") == props.get("label")


def _kind(layer_id: str, props: Mapping[str, Any], year: int | None) -> str:
    """What a picked object is, in words.

    The NATO layer holds every member whenever it joined (its fill hides the later ones): a
    country that joined after the map's ``year`` is said to be no member yet.
    """
    joined = props.get("joined_year")
    if layer_id == "nato" and year is not None and isinstance(joined, int | float):
        return f"NATO member in {year}" if joined <= year else f"Not yet a NATO member in {year}"
    return MAP_LAYER_KINDS.get(layer_id, layer_id)


def with_place_reason(
    selection: Mapping[str, Any] | None,
    drawn: Sequence[Mapping[str, Any]],
    places: pd.DataFrame,
    why: Callable[[str, str], str],
    *,
    layer_id: str = "cities",
) -> Mapping[str, Any] | None:
    """``selection`` with a clicked place of ``layer_id`` given its ``why``, asked on the click.

    ``drawn``: the layer's records as the map draws them now; a place picked on an earlier map
    (a year step keeps the selection) is left as it was picked, without a reason of another
    year. ``places`` (columns ``iso3, name``) finds the dot's country; ``why(iso3, name)`` gives
    the words. A major city's reason is not computed with the map: for all of them the first
    page would wait 1.5 s more (2016: the engage-on-remote question over 15 cities). Any other
    selection is returned as it is.
    """
    objects = (selection or {}).get("objects") or {}
    place = (objects.get(layer_id) or [None])[0]
    if not isinstance(place, Mapping) or place.get("why") or "name" not in places.columns:
        return selection
    index = (((selection or {}).get("indices") or {}).get(layer_id) or [None])[0]
    now = drawn[index] if isinstance(index, int) and 0 <= index < len(drawn) else None
    if now is None or any(now.get(k) != v for k, v in place.items() if k != "why"):
        return selection
    row = places[places.name.astype(str) == str(place.get("short", ""))]
    if row.empty:
        return selection
    words = why(str(row.iso3.iloc[0]), str(row.name.iloc[0]))
    return {**(selection or {}), "objects": {**objects, layer_id: [{**place, "why": words}]}}


def inspected(
    selection: Mapping[str, Any] | None,
    features: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    *,
    year: int | None = None,
) -> Inspected | None:
    """The first selected object of ``selection`` (Streamlit's ``event.selection``), in words.

    Parameters
    ----------
    selection
        ``{"indices": {layer_id: [i, ...]}, "objects": {layer_id: [object, ...]}}``; a GeoJSON
        layer's object is a Feature whose ``properties`` hold the facts, a point layer's object
        holds them itself.
    features
        The map's inline features by layer id (:func:`coverage.render.layers.layer_properties`):
        a click on the "here" layer (the area layers cut where they overlap) is shown as the
        features it refers to, each with its details and source.
    year
        The map's year: a NATO country that joined later is shown as no member yet.

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
        if layer_id == "here" and features is not None and _current(selection, props, features):
            members = _members(str(props.get("refs", "")), features)
            if len(members) == 1:
                layer_id, props = members[0]
            elif members:
                # One short line a feature, grouped by layer; each one's details and sources
                # folded under them.
                first = {layer: i for i, (layer, _) in reversed(list(enumerate(members)))}
                members = sorted(members, key=lambda m: first[m[0]])  # top layer first
                facts, more = [], []
                for member_id, member in members:
                    title = MAP_LAYER_KINDS.get(member_id, member_id)
                    name = _plain(member.get("name", "")).strip()
                    facts.append((title, _gist(member, name)))
                    details = "; ".join(f"{k}: {v}" for k, v in _facts(member, name))
                    more.append((title, f"{name}. {details}" if details else name))
                return Inspected(
                    MAP_LAYER_KINDS["here"],
                    f"{len(members)} layers cover this point",
                    tuple(facts),
                    tuple(more),
                )
        name = _plain(props.get("name", "")).strip()
        facts = _facts(props, name)
        return Inspected(_kind(layer_id, props, year), name or "(unnamed)", tuple(facts))
    return None
