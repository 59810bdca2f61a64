"""GIS exports of map states: GeoJSON, GeoPackage, KML/KMZ with time spans, and CSV tables.

Every export is built from :class:`~coverage.products.mapdata.MapData` (the same object the dashboard
and the image exporter draw), so a file holds exactly the features of the map it was exported
from. Only thematic layers are exported (the year's NATO members, radar and interceptor
footprints, early-warning sectors, defended areas, threat tracks, launch areas and sites, and a
comparison's or a sector's drawing); the country basemap is not. Geometries are EPSG:4326
(lon, lat).

KML is written with :mod:`xml.etree.ElementTree`: text from data files and users is escaped by
the serialiser, and balloon HTML is itself built as an element tree, never by concatenating
strings, so nothing in a site name can inject markup into Google Earth.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import math
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon

from coverage.catalogue import basemap
from coverage.physics.geodesy import geodesic_area_m2
from coverage.products.headline import MAJOR_CITY_WORDS
from coverage.products.mapdata import (
    CHOICES_HEADING,
    MapData,
    MapState,
    describe_cooperation_state,
    what_if_mark,
)
from coverage.render import qml
from coverage.scenario import LAST_YEAR, SCENARIO_LABELS, cooperation_short_labels
from coverage.style import (
    CAPITAL_STYLE,
    CAVEAT,
    CITY_DOT_SCALE,
    COMPARE_STYLES,
    LAYER_ORDER,
    LAYER_STYLES,
    SECTOR_STYLES,
    STATUS_COLOURS,
    WHATIF_SITE_COLOUR,
    LayerStyle,
    sector_map_alpha,
)
from coverage.textsafe import csv_text

if TYPE_CHECKING:
    from coverage.catalogue.tables import Catalogue
    from coverage.products.compare import Comparison
    from coverage.products.headline import Headline

__all__ = [
    "answer_fields",
    "country_columns",
    "grid_geojson",
    "grid_geopackage",
    "EXPORTED_LAYERS",
    "ICON_PATH",
    "KML_NS",
    "circle_icon_png",
    "feature_frames",
    "features_csv",
    "kml_colour",
    "kml_from_series",
    "kmz_from_kml",
    "metrics_csv",
    "rfc7946_geometries",
    "to_geojson",
    "to_geopackage",
]

KML_NS = "http://www.opengis.net/kml/2.2"
#: The point icon inside a KMZ (written by :func:`kmz_from_kml`).
ICON_PATH = "files/circle.png"
#: Layers written to GIS files, bottom to top. The year's NATO members are (the shares'
#: territory and population: a GIS trial could not recompute a share without them); the
#: countries' basemap is not.
EXPORTED_LAYERS = tuple(k for k in LAYER_ORDER if k != "countries")
_COORD_DECIMALS = 5  # about 1 m
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ISO3_RE = re.compile(r"^[A-Z]{3}$")
# Cells a spreadsheet would run as a formula (CSV injection); such text gets a leading quote.

ET.register_namespace("", KML_NS)


# --------------------------------------------------------------------------------------------
# Flat feature tables
# --------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Convert to a value GIS drivers store as-is: number, bool, text or None (no NaN)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


_FIRST_COLUMNS = (
    "layer",
    "feature_id",
    "name",
    "label",
    "source",
    "year",
    "scenario",
    "scenario_name",
    "estimate",
    "custom",
)


def _scenario_name(scenario: str) -> str:
    """A scenario id in the page's words: "actual" is "as built" (GIS trial, session 40)."""
    return SCENARIO_LABELS.get(scenario, scenario)


def _scenario_fields(scenario: str) -> dict[str, str]:
    """A KML placemark's scenario: its id (as in the URL) and its name in words, in this order."""
    return {"scenario": scenario, "scenario_name": _scenario_name(scenario)}


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Country names by ISO 3166-1 alpha-3 code, from the bundled basemap (Natural Earth)."""
    names: dict[str, str] = {}
    for view in ("world", "europe"):  # the Europe file's names win where both have a code
        frame = basemap.countries(view)
        names.update(zip(frame.iso3, frame.name, strict=True))
    return names


def _country_fields(rec: dict[str, Any]) -> None:
    """Give ``rec`` a country's name in ``country`` and its code in ``iso3``, in every layer.

    Sites, footprints and early-warning sectors carry a code in ``country`` (data/sites.csv's
    ``country_iso3``), the capitals a name and the threat tracks a code in ``iso3`` only: one
    rule for every layer lets a GIS user join or filter on either column.
    """
    code, country = rec.get("iso3"), rec.get("country")
    if isinstance(country, str) and _ISO3_RE.match(country) and not code:
        code = country
    if isinstance(code, str) and _ISO3_RE.match(code):
        rec["iso3"] = code
        if not country or country == code:
            rec["country"] = _country_names().get(code, code)


def country_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with a country's name in ``country`` and its code in a new ``iso3`` beside it.

    The rule of :func:`feature_frames`, for tables that carry ``country`` as data/sites.csv
    has it (an ISO 3166-1 alpha-3 code, "international waters" or empty): the command line's
    ``footprints``.
    """
    out = frame.copy()
    recs = [{"country": c} for c in out.country]
    for rec in recs:
        if rec["country"] == "":
            rec["country"] = None
        _country_fields(rec)
    out["country"] = [r["country"] for r in recs]
    out.insert(int(out.columns.get_loc("country")) + 1, "iso3", [r.get("iso3") for r in recs])
    return out


def _records(
    frame: gpd.GeoDataFrame, key: str, state: MapState
) -> tuple[list[dict[str, Any]], list[Any]]:
    """One layer as flat records sharing ``_FIRST_COLUMNS``, and its geometries.

    Attributes are normalised across layers: an empty text is None, a country has its name and
    its code (:func:`_country_fields`), an early-warning radar's type is its ``system_name``
    (it has no id in data/systems.csv), and a footprint's or defended area's ``name`` leads
    with its system ("SM-3 Block IIA — Aegis Ashore Poland (NSF Redzikowo)": a site with two
    interceptors has two features).
    """
    geom_col = frame.geometry.name
    cols = [c for c in frame.columns if c != geom_col]
    o = state.options
    rows = zip(*(frame[c].tolist() for c in cols), strict=True) if cols else [()] * len(frame)
    records = []
    seen: dict[str, int] = {}
    for i, values in enumerate(rows):
        raw = {c: _plain(v) for c, v in zip(cols, values, strict=True)}
        raw = {c: (None if v == "" and c not in ("label", "source") else v) for c, v in raw.items()}
        if key == "early_warning" and raw.get("system") and not raw.get("system_name"):
            raw["system_name"], raw["system"] = raw["system"], None
        name = raw.get("site_name") or raw.get("name") or f"{key} {i + 1}"
        site = raw.get("site_id")
        if key in ("radar", "interceptor", "defended") and site not in (None, "all"):
            name = f"{raw['system_name']} — {name}" if raw.get("system_name") else name
        ident = site or raw.get("point_id") or name
        rec: dict[str, Any] = {
            "layer": key,
            "feature_id": raw.get("feature_id") or f"{key}:{ident}",
            "name": str(name),
            "label": raw.get("label") or "",
            "source": raw.get("source") or "",
            "year": o.year,
            "scenario": o.scenario,
            # The scenario in the page's words ("as built" where the id reads "actual").
            "scenario_name": _scenario_name(o.scenario),
            # A feature's own estimate where it has one (the band's low and high defended
            # areas were written "nominal", the state's, beside "defended:all:low").
            "estimate": raw.get("estimate") or o.estimate,
            "custom": bool(raw.get("custom") or False),
        }
        rec.update({c: v for c, v in raw.items() if c not in rec})
        _country_fields(rec)
        geom = frame.geometry.iloc[i]
        if key == "sites" and rec.get("state_only"):
            # Beside a comparison, a site in place in one state only: its status says so, so a
            # filter on "active" does not put B's Redzikowo into A's 2016 (GIS trial, session 37).
            rec["status"] = f"{rec['status']} in {rec['state_only']} only"
        if key == "sites" and rec.get("site_lon_deg") is None and geom.geom_type == "Point":
            # A site's own position, as the footprints of its systems carry it.
            rec["site_lon_deg"], rec["site_lat_deg"] = round(geom.x, 6), round(geom.y, 6)
        fid = str(rec["feature_id"])
        seen[fid] = seen.get(fid, 0) + 1
        if seen[fid] > 1:  # keep ids unique within a layer (e.g. several defended patches)
            rec["feature_id"] = f"{fid}#{seen[fid]}"
        records.append(rec)
    return records, list(frame.geometry.values)


def _places_frame(places: pd.DataFrame, key: str) -> gpd.GeoDataFrame:
    """Capitals or major cities by status (``CAPITAL_COLUMNS``) as points, named as on the map."""
    if key == "cities":  # a country has several: the id names the city too
        ids = [f"{key}:{i}:{n}" for i, n in zip(places.iso3, places.name, strict=True)]
    else:
        ids = [f"{key}:{i}" for i in places.iso3]
    return gpd.GeoDataFrame(
        places.assign(
            feature_id=ids,
            label=[f"{c}: {s}" for c, s in zip(places.country, places.status, strict=True)],
            source="position: data/cities.csv; status: this tool's defended-area engine",
        ),
        geometry=gpd.points_from_xy(places.lon_deg, places.lat_deg),
        crs="EPSG:4326",
    )


#: The headline's numbers as fields (:func:`answer_fields`).
_ANSWER_FIELDS = ("territory_share", "population_share", "capitals_defended", "capitals_total")


def answer_fields(answer: Headline) -> dict[str, Any]:
    """The headline's numbers as fields (shares 0..1 of the year's NATO-Europe members)."""
    values = (
        round(answer.area_share, 4),
        round(answer.population_share, 4),
        int(answer.capitals_defended),
        int(answer.capitals_total),
    )
    return dict(zip(_ANSWER_FIELDS, values, strict=True))


def _put_answer(records: list[dict[str, Any]], answer: Headline, estimate: str) -> None:
    """The headline's numbers on the defended area of all sites (the state's own estimate).

    A GIS trial found "16 % of territory, 6 of 26 capitals" in no file (session 37); the
    numbers were in a ~2,000-character label at best. With the band on, the low and high
    estimates' areas are not the headline's, and keep none.
    """
    for rec in records:
        if rec.get("site_id") == "all" and rec.get("estimate") in (estimate, None):
            rec.update(answer_fields(answer))


def _with_change_in_b(places: gpd.GeoDataFrame, comparison: Comparison) -> gpd.GeoDataFrame:
    """Capitals (A's, by A's ``status``) with ``change_in_b``: ``gained``, ``lost`` or ``none``.

    And ``member_one_year_only``: the country is a NATO member in one of the two years only.

    What the comparison's B does to each capital, as the rings around the changed ones say on
    the dashboard and the slides; the label says it in words ("Germany: not defended; gained
    in B"). A GIS file beside a comparison lacked it (session 36's note).
    """
    change = [comparison.capital_change(str(n)) or "none" for n in places.name]
    # A capital whose country is a member in one of the two years only (the slide's asterisk):
    # 2024 vs 2016 "loses" Helsinki because Finland was not a member in 2016 (a review).
    once = [str(n) in comparison.capitals_not_members for n in places.name]
    words = {"gained": "; gained in B", "lost": "; lost in B", "none": "; the same in B"}
    member = " (a NATO member in only one of the two years)"
    return places.assign(
        change_in_b=change,
        member_one_year_only=once,
        label=[
            f"{label}{words[c]}{member if o else ''}"
            for label, c, o in zip(places.label, change, once, strict=True)
        ],
    )


#: Folder names of the places' layers (the map's other layers take LAYER_STYLES' titles).
_PLACE_TITLES = {"capitals": CAPITAL_STYLE.title, "cities": f"Major cities ({MAJOR_CITY_WORDS})"}


def _members_of_either(data: MapData) -> gpd.GeoDataFrame:
    """The NATO members of the map's year; beside a comparison, of either year, with ``member_in``.

    ``member_in``: ``"A and B"``, ``"A only"`` or ``"B only"``. The compare layer's gained and
    lost shares are of the members of either year; the layer held A's alone (session 37's
    note: 2016 vs 2024 wrote 26 members beside shares of 30).
    """
    members = data.counted_members
    cmp = data.comparison
    if cmp is None or data.nato_ever is None:
        return members
    joined = members.joined_year.astype(float).to_numpy()
    in_a, in_b = joined <= cmp.a.year, joined <= cmp.b.year
    return members.assign(
        member_in=np.where(in_a & in_b, "A and B", np.where(in_a, "A only", "B only"))
    )


def _layer_records(
    data: MapData,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    *,
    answer: Headline | None = None,
    skip: tuple[str, ...] = (),
    member_areas: bool = True,
) -> dict[str, tuple[list[dict[str, Any]], list[Any]]]:
    """Each drawn layer's records and geometries, by key (see :func:`feature_frames`).

    ``skip``: layer keys left out. ``member_areas``: measure each member's geodesic area
    (``area_km2``); the KML, which writes none, skips it (~11 ms a year of a rollout).
    """
    on = set(data.state.layers) - set(skip)
    fp = data.footprints
    nato = _members_of_either(data) if "nato" in on else data.nato
    sources: dict[str, gpd.GeoDataFrame | None] = {
        # Each member's area as drawn (France without its overseas, Norway without Svalbard:
        # the ground the shares are of), not the basemap's whole-country figure (a review).
        # Measured only when written (~11 ms for 26 members).
        "nato": nato.assign(
            feature_id=[f"nato:{i}" for i in nato.iso3],
            area_km2=[
                round(geodesic_area_m2(g) / 1e6, 1) if member_areas else None for g in nato.geometry
            ],
        )
        if "nato" in on
        else None,
        "early_warning": data.early_warning,
        "radar": fp[fp.layer == "radar"],
        "defended": data.defended,
        "interceptor": fp[fp.layer == "interceptor"],
        "tracks": data.tracks,
        "launch": data.launch_points,
        "sites": data.sites,
    }
    out = {}
    for key in EXPORTED_LAYERS:
        frame = sources.get(key)
        if key in on and frame is not None and not frame.empty:
            out[key] = _records(frame, key, data.state)
    if answer is not None and "defended" in out:
        _put_answer(out["defended"][0], answer, data.state.options.estimate)
    diff = data.difference
    if diff is not None and not diff.geometry.is_empty.all():
        # The comparison's gained / lost / both areas (A = this state, B in their labels).
        out["compare"] = _records(diff[~diff.geometry.is_empty], "compare", data.state)
    sector = data.sectoral
    if sector is not None and not sector.empty:
        # Russia's sectoral proposal: computed and the General Staff's picture (``kind``).
        out["sectoral"] = _records(sector, "sectoral", data.state)
    if capitals is not None and not capitals.empty:
        # The headline's capitals by status (Headline.capitals), named as on the map; beside a
        # comparison, with what B does to each (the rings of the dashboard and the slides).
        places = _places_frame(capitals, "capitals")
        if data.comparison is not None:
            places = _with_change_in_b(places, data.comparison)
        out["capitals"] = _records(places, "capitals", data.state)
    if cities is not None and not cities.empty:
        # The major cities by status (headline.major_cities), under the capitals as on the map.
        out["cities"] = _records(_places_frame(cities, "cities"), "cities", data.state)
    return out


def feature_frames(
    data: MapData,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    *,
    answer: Headline | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the drawn thematic layers of ``data`` as flat EPSG:4326 tables, keyed by layer.

    With ``capitals`` (``Headline.capitals``), a ``capitals`` layer of points with their
    ``status`` (defended / not defended / out of reach) comes after the map's layers, and with
    ``cities`` (:func:`coverage.products.headline.major_cities`) a ``cities`` layer after it.
    With ``answer`` (the state's :class:`~coverage.products.headline.Headline`), the defended
    area of all sites carries its numbers (:func:`answer_fields`). The year's NATO members
    (``nato``, with ``population`` and ``area_km2``: the shares' denominators) come first.

    Only layers in ``data.state.layers`` that hold at least one feature are returned, in
    drawing order. Every table starts with ``layer, feature_id, name, label, source, year,
    scenario, scenario_name, estimate, custom``; the other columns are the layer's own (``range_km``,
    ``status``, ...). Values are plain numbers, booleans or text; missing ones are None
    (NaN in a column of quantities, which is float: ``range_km``, ``*_deg``, ...). Beside a
    comparison, ``vs_year, vs_scenario, vs_scenario_name, vs_estimate, vs_label`` (B's) follow
    ``estimate``.
    """
    layers = _layer_records(data, capitals, cities, answer=answer)
    if data.comparison is not None:
        layers = {
            key: (_with_state_b(records, data.comparison), geoms)
            for key, (records, geoms) in layers.items()
        }
    return {
        key: gpd.GeoDataFrame(
            _numbers_typed(pd.DataFrame.from_records(records), records),
            geometry=geoms,
            crs="EPSG:4326",
        )
        for key, (records, geoms) in layers.items()
    }


def _with_state_b(records: list[dict[str, Any]], comparison: Comparison) -> list[dict[str, Any]]:
    """Beside a comparison, each record with B's state: ``vs_year`` ... ``vs_label``.

    After ``estimate``: ``year``, ``scenario`` and ``estimate`` are state A's (the map's), and
    a record of either state says so (a member of B's year only, ``member_in`` "B only", read
    2016 in ``year`` with nothing beside it: session 39's note). The names are the URL's and
    the command line's for B (``vs_year``, ``--vs-year``).
    """
    b = comparison.b
    fields = {
        "vs_year": int(b.year),
        "vs_scenario": str(b.scenario),
        "vs_scenario_name": _scenario_name(str(b.scenario)),
        "vs_estimate": str(b.estimate),
        # Whatever else B changes (launch area, threat, engage on remote...), in words: two
        # launch areas in one year read as B the same as A in the three fields above.
        "vs_label": str(comparison.label_b),
    }
    out = []
    for rec in records:
        items = list(rec.items())
        at = next(i for i, (k, _) in enumerate(items) if k == "estimate") + 1
        out.append(dict(items[:at] + list(fields.items()) + items[at:]))
    return out


#: Column name endings of quantities (km, degrees, seconds, m², km², km/s).
_QUANTITY_ENDINGS = ("_km", "_deg", "_s", "_m2", "_km2", "_kmps")


def _numbers_typed(frame: pd.DataFrame, records: Sequence[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """``frame`` with its quantity columns as floats, missing values NaN, its counts whole.

    A column of quantities that a layer leaves empty (the defended area's ``range_km``) or
    fills only in part held Python objects, and the GeoPackage stored it as text. A column
    whose values in ``records`` (the frame's rows) are all whole numbers or missing is a
    nullable integer: the answer's ``capitals_defended``, given on one feature of a layer,
    came out 6.0 (a review, session 37).
    """
    for column in frame.columns:
        values = [r.get(column) for r in records]
        given = [v for v in values if v is not None]
        if given and all(isinstance(v, int) and not isinstance(v, bool) for v in given):
            frame[column] = pd.array(values, dtype="Int64")
            continue
        if frame[column].dtype == object and column.endswith(_QUANTITY_ENDINGS):
            values = frame[column].dropna()
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _all_features(
    data: MapData,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    *,
    answer: Headline | None = None,
) -> gpd.GeoDataFrame:
    frames = list(feature_frames(data, capitals, cities, answer=answer).values())
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in _FIRST_COLUMNS}, geometry=[], crs="EPSG:4326")
    merged = pd.concat(frames, ignore_index=True)
    # A count stays a whole number where another layer lacks it (the concatenation made it
    # float: a GIS trial read 9524.0 cells and 741636.0 people in the GeoJSON, session 37).
    counts = {c for f in frames for c in f.columns if f[c].dtype.kind in "iu"}
    for column in counts:
        if all(f[column].dtype.kind in "iu" for f in frames if column in f.columns):
            merged[column] = merged[column].astype("Int64")
    return gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")


def to_geojson(
    data: MapData,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    *,
    answer: Headline | None = None,
) -> bytes:
    """Every drawn thematic feature of ``data`` as one GeoJSON FeatureCollection (UTF-8).

    ``capitals``, ``cities``, ``answer``: see :func:`feature_frames`.

    Properties are flat (missing values are ``null``). The collection also carries the map's
    ``title``, ``subtitle``, ``assumptions`` and ``caveat`` as foreign members, and with
    ``answer`` the ``headline`` in words and its numbers (``answer``: :func:`answer_fields`).
    """
    frame = _all_features(data, capitals, cities, answer=answer)
    frame = frame.set_geometry(rfc7946_geometries(frame.geometry.values))
    payload = json.loads(frame.to_json(drop_id=True, na="null"))
    payload.update(
        {
            "name": data.title,
            "title": data.title,
            "subtitle": data.subtitle,
            "assumptions": data.assumptions,
            "choices": list(data.choices),
            "caveat": CAVEAT,
        }
    )
    if answer is not None:
        payload.update({"headline": answer.text(), "answer": answer_fields(answer)})
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


#: Decimals of a GeoJSON coordinate: 1e-6 degrees is ~0.1 m (RFC 7946 §11.2 suggests 6); the
#: data are on a 0.01-degree grid, and 15-16 decimals made the files several times larger.
_GEOJSON_DECIMALS = 6


def rfc7946_geometries(geoms: Any) -> Any:
    """Geometries as RFC 7946 writes them: exterior rings counter-clockwise, holes clockwise.

    Coordinates are rounded to :data:`_GEOJSON_DECIMALS`; a geometry that rounding would make
    invalid (never seen, checked anyway) keeps its full precision.
    """
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    rounded = shapely.transform(oriented, lambda xy: np.round(xy, _GEOJSON_DECIMALS))
    keep = shapely.is_valid(rounded) | ~shapely.is_valid(oriented) | shapely.is_missing(oriented)
    return np.where(keep, rounded, oriented)


def _multi(geom: Any) -> Any:
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


#: The GeoPackage's tables, bottom first: the map's drawing order (LAYER_ORDER), with each
#: site's own defended area, a comparison's ground and a sector drawing over the defended area.
_TABLE_ORDER = tuple(
    part
    for key in EXPORTED_LAYERS
    for part in ((key, "defended_sites", "compare", "sectoral") if key == "defended" else (key,))
) + ("capitals", "cities")


def to_geopackage(
    data: MapData,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    *,
    answer: Headline | None = None,
) -> bytes:
    """Write a GeoPackage with one table per drawn thematic layer (named by its key), EPSG:4326.

    The ``defended`` table holds one dissolved polygon per state: the ground defended by any
    site (one per estimate with the low/nominal/high band); each site's own area goes to
    ``defended_sites``. A comparison adds ``compare`` (gained, lost, both). Polygon layers are
    written as MultiPolygon so each table has one geometry type. Layers without features are
    left out. ``capitals``, ``cities``, ``answer``: see :func:`feature_frames`; each table's
    description starts with the answer's headline.
    """
    frames = feature_frames(data, capitals, cities, answer=answer)
    if "defended" in frames:
        defended = frames["defended"]
        union = defended[defended.site_id == "all"]
        # Each feature's layer names its table (GIS trial: defended_sites rows said "defended").
        per_site = defended[defended.site_id != "all"].assign(layer="defended_sites")
        # The answer is the union's (all sites); a site's own area has none (empty columns).
        per_site = per_site.drop(columns=[c for c in _ANSWER_FIELDS if c in per_site.columns])
        frames.update(defended=union, defended_sites=per_site)
    # The tables in the map's drawing order, bottom first (QGIS adds a file's tables in its
    # order, each above the last): the defended area, a comparison's ground and a sector
    # where the map draws the defended area, under the rings, capitals and sites.
    frames = {k: frames[k] for k in sorted(frames, key=_TABLE_ORDER.index) if not frames[k].empty}
    with tempfile.TemporaryDirectory(prefix="epaa-gpkg-") as tmp:
        path = Path(tmp) / "coverage.gpkg"
        if not frames:
            empty = gpd.GeoDataFrame(
                {"layer": pd.Series([], dtype=str)}, geometry=[], crs="EPSG:4326"
            )
            empty.to_file(path, layer="empty", driver="GPKG", engine="pyogrio")
        # Each table says what it is of (gpkg_contents: identifier and description, which QGIS
        # shows as the layer's title and abstract), as the GeoJSON's foreign members do.
        choices = f" {data.choices_text()}" if data.choices else ""
        said = "" if answer is None else f" {answer.text()}"
        about = (
            f"{data.title}. {data.subtitle}.{said}{choices} Assumptions: {data.assumptions} "
            f"{CAVEAT}"
        )
        for key, frame in frames.items():
            out = frame.copy()
            if out.geom_type.isin(["Polygon", "MultiPolygon"]).all():
                out["geometry"] = [_multi(g) for g in out.geometry]
            out.to_file(
                path,
                layer=key,
                driver="GPKG",
                engine="pyogrio",
                layer_options={"IDENTIFIER": f"{key}: {data.title}", "DESCRIPTION": about},
            )
        qml.write_styles(path, frames)
        return path.read_bytes()


def metrics_csv(table: pd.DataFrame, *, excel_bom: bool = True) -> bytes:
    """Serialise a metrics table (any DataFrame) to CSV bytes.

    Text cells that a spreadsheet would evaluate as a formula (starting with ``=``, ``+``,
    ``-``, ``@``) are prefixed with a quote, since site names may come from users.

    Parameters
    ----------
    table
        The table to write; the index is written only when it is named.
    excel_bom
        Start with a UTF-8 byte-order mark so spreadsheet programs read accents and units
        (``Kürecik``, ``m²``) correctly.
    """
    keep_index = any(n is not None for n in table.index.names)
    text = csv_text(table, index=keep_index)
    return text.encode("utf-8-sig" if excel_bom else "utf-8")


def features_csv(
    data: MapData,
    *,
    excel_bom: bool = True,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    answer: Headline | None = None,
) -> bytes:
    """Serialise the attribute table of every drawn thematic feature as CSV.

    Areas and lines have no geometry here (the GeoJSON and GeoPackage carry them; a polygon's
    text would pass a spreadsheet cell's 32,767 characters); every point (a site, a launch
    point, a capital, a city) has ``lon_deg`` and ``lat_deg``, so that QGIS's delimited-text
    reader places them all (sites had only ``site_lon_deg``, launch points nothing: a GIS
    trial, session 42). ``capitals``, ``cities``, ``answer``: see :func:`feature_frames`.
    """
    frame = _all_features(data, capitals, cities, answer=answer)
    points = frame.geom_type == "Point"
    xy = shapely.get_coordinates(frame.geometry[points].values).round(6)
    for column, values in (("lon_deg", xy[:, 0]), ("lat_deg", xy[:, 1])):
        at_point = pd.Series(values, index=frame.index[points], dtype=float)
        given = frame[column].astype(float) if column in frame.columns else None
        # A layer's own coordinates (the capitals') first; the point's where it has none.
        frame[column] = at_point.reindex(frame.index) if given is None else given.fillna(at_point)
    return metrics_csv(pd.DataFrame(frame.drop(columns="geometry")), excel_bom=excel_bom)


# --------------------------------------------------------------------------------------------
# KML / KMZ with time spans
# --------------------------------------------------------------------------------------------


def kml_colour(colour: str, alpha: float = 1.0) -> str:
    """``"#RRGGBB"`` and an opacity 0..1 to KML's ``aabbggrr`` hex.

    >>> kml_colour("#0072B2", 0.5)
    '80b27200'
    """
    c = colour.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"colour={colour!r} is not #RRGGBB")
    a = round(255 * min(max(alpha, 0.0), 1.0))
    return f"{a:02x}{c[4:6]}{c[2:4]}{c[0:2]}".lower()


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, _k(tag))
    if text is not None:
        el.text = text
    return el


def _balloon_html(title: str, rows: Sequence[tuple[str, Any]], lead: str | None = None) -> str:
    """Balloon HTML built as an element tree: every value is escaped by the serialiser."""
    div = ET.Element("div")
    ET.SubElement(div, "b").text = title
    if lead:
        ET.SubElement(div, "p").text = lead
    table = ET.SubElement(div, "table")
    for key, value in rows:
        if value is None or (isinstance(value, float) and not math.isfinite(value)) or value == "":
            continue
        tr = ET.SubElement(table, "tr")
        ET.SubElement(tr, "td").text = str(key)
        ET.SubElement(tr, "td").text = str(value)
    note = ET.SubElement(div, "p")
    ET.SubElement(note, "i").text = CAVEAT
    return ET.tostring(div, encoding="unicode", method="html")


def _coords(xy: Iterable[tuple[float, ...]]) -> str:
    return " ".join(
        f"{round(x, _COORD_DECIMALS):g},{round(y, _COORD_DECIMALS):g}" for x, y, *_ in xy
    )


def _add_geometry(parent: ET.Element, geom: Any) -> None:
    """``geom`` as KML under ``parent``; nothing for an empty geometry.

    A site that defends nothing keeps its Placemark (its name, balloon and "0 of N reachable
    cells"), without a geometry: KML allows that, while an empty ``<coordinates/>`` ring is
    invalid (a LinearRing needs four points).
    """
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind in ("MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection"):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _add_geometry(multi, part)
    elif kind == "Polygon":
        poly = _sub(parent, "Polygon")
        _sub(poly, "tessellate", "1")
        outer = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coords(geom.exterior.coords))
        for ring in geom.interiors:
            inner = _sub(_sub(poly, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _coords(ring.coords))
    elif kind == "LineString":
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coords(geom.coords))
    elif kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coords(geom.coords))


def _folder_title(key: str, data: MapData, *, one_map: bool) -> str:
    """A KML folder's name: the layer's legend title; a comparison's says what A and B are."""
    compared = data.comparison if one_map else None
    if key == "compare" and compared is not None:
        return f"Comparison: A = {compared.label_a}, B = {compared.label_b}"
    if key == "sectoral":
        return "Russia's sectoral proposal"
    if key == "nato":
        # Timed from each accession, or beside a comparison the members of either year.
        either = compared is not None
        return "NATO members in Europe, A's or B's" if either else "NATO members in Europe"
    return _PLACE_TITLES.get(key) or LAYER_STYLES[key].title


def _add_styles(doc: ET.Element, icon_href: str | None) -> None:
    areas = [(k, LAYER_STYLES[k]) for k in EXPORTED_LAYERS if k not in ("sites", "launch")]
    for key, style in [*areas, *_KIND_STYLES.items()]:  # point styles below
        el = _sub(doc, "Style")
        el.set("id", key)
        line = _sub(el, "LineStyle")
        _sub(line, "color", kml_colour(style.colour, 1.0))
        _sub(
            line,
            "width",
            f"{max(style.line_width_px, 1.0) + (1.0 if key == 'interceptor' else 0.0):g}",
        )
        poly = _sub(el, "PolyStyle")
        _sub(poly, "color", kml_colour(style.colour, style.fill_alpha))
        _sub(poly, "fill", "1" if style.fill_alpha > 0 else "0")
        _sub(poly, "outline", "1")
        _sub(_sub(el, "BalloonStyle"), "text", "$[description]")
    for sid, colour, scale in (
        ("site_active", "#000000", 1.2),
        ("site_planned", "#FFFFFF", 1.2),
        ("site_custom", WHATIF_SITE_COLOUR, 1.2),
        ("launch", LAYER_STYLES["launch"].colour, 1.0),
        *((_capital_style_id(st), c, 0.8) for st, c in STATUS_COLOURS.items()),
        *(
            (_capital_style_id(st, city=True), c, 0.8 * CITY_DOT_SCALE)
            for st, c in STATUS_COLOURS.items()
        ),
    ):
        el = _sub(doc, "Style")
        el.set("id", sid)
        icon_style = _sub(el, "IconStyle")
        _sub(icon_style, "color", kml_colour(colour, 1.0))
        _sub(icon_style, "scale", f"{scale:g}")
        if icon_href is not None:
            _sub(_sub(icon_style, "Icon"), "href", icon_href)
        _sub(_sub(el, "LabelStyle"), "scale", "0.9")
        _sub(_sub(el, "BalloonStyle"), "text", "$[description]")


def _kml_date(text: Any) -> str | None:
    """Pass a catalogue date (YYYY, YYYY-MM or YYYY-MM-DD) on as a KML time (same forms)."""
    if isinstance(text, str) and _DATE_RE.match(text.strip()):
        return text.strip()
    return None


def _year_end(year: Any) -> str | None:
    if year is None or pd.isna(year):
        return None
    return f"{int(year):04d}-12-31"


class _Spans:
    """Activation spans of deployments and early-warning radars, looked up by id."""

    def __init__(self, catalogue: Catalogue, scenario: str) -> None:
        self.deployment: dict[str, tuple[str | None, str | None]] = {}
        self.site_begin: dict[str, str] = {}
        for row in catalogue.deployments.itertuples(index=False):
            if scenario == "actual":
                span = (_kml_date(row.built_from), _kml_date(row.built_until))
            else:
                begin = (
                    None if pd.isna(row.planned_from_year) else f"{int(row.planned_from_year):04d}"
                )
                span = (begin, _year_end(row.planned_until_year))
            self.deployment[str(row.deployment_id)] = span
            if span[0] is not None:
                current = self.site_begin.get(str(row.site_id))
                self.site_begin[str(row.site_id)] = (
                    span[0] if current is None else min(current, span[0])
                )
        self.early_warning = {
            str(r.radar_id): (f"{int(r.active_from_year):04d}", _year_end(r.active_until_year))
            for r in catalogue.early_warning_radars.itertuples(index=False)
        }


def _full_date(text: str) -> str:
    """A KML date padded to a day (``2016`` → ``2016-01-01``, ``2016-05`` → ``2016-05-01``)."""
    return (text + "-01-01")[:10] if len(text) == 4 else (text + "-01")[:10]


#: The folder key of each site's own defended area, under the union's folder, off.
_EACH_SITE = "defended-each-site"
#: Layers only a one-map KML holds: a comparison's ground (gained / lost / both) and a sector
#: drawing belong to one state, not to a rollout's years.
_ONE_MAP_LAYERS = ("compare", "sectoral")
#: KML styles of the kinds of those layers (``kind`` of each record), by style id.
_KIND_STYLES: dict[str, LayerStyle] = {
    **{f"compare_{k}": s for k, s in COMPARE_STYLES.items()},
    # No hatch in KML: the computed sector at the browser map's opacity (sector_map_alpha).
    **{
        s.key: dataclasses.replace(s, fill_alpha=sector_map_alpha(s))
        for s in SECTOR_STYLES.values()
    },
}


def _series_end(year: int) -> str | None:
    """When a series ending in ``year`` ends: open at the data's last year, else 31 December.

    The one rule for every placemark of a KML: the computed layers (:func:`_state_spans`), the
    footprints and the sites (:func:`_ended`).
    """
    return None if year >= LAST_YEAR else f"{year:04d}-12-31"


def _ended(span: tuple[str | None, str | None], last_year: int) -> tuple[str | None, str | None]:
    """``span`` ending by the end of a series that stops before the data's last year.

    A file of 2016 alone kept its rings open after 2016 while its defended area and capitals
    ended on 31 December (GIS trial, session 37): past 2016 Google Earth showed rings with no
    defended area. As :func:`_state_spans` ends the computed layers, so the footprints and
    sites end, unless they end earlier.
    """
    begin, end = span
    if end is not None and end[:4] <= f"{last_year:04d}":
        return begin, end
    return begin, _series_end(last_year) or end


def _state_spans(
    spans: _Spans, series: Sequence[MapData]
) -> dict[int, tuple[str | None, str | None]]:
    """When each year's computed layers (defended areas, tracks) hold, by activation dates.

    A year's map counts every asset in place at any time in that year, so it holds from the
    latest activation within the year (Deveselu: 12 May 2016) until the next year's map takes
    over; before that the previous year's map still holds. Google Earth therefore never shows
    an area defended before the asset that defends it was active. The last year of the series
    stays open at its end when it is the last year of the data, else it ends on 31 December.
    """
    years = [d.state.options.year for d in series]
    begins: dict[int, str] = {}
    for data, year in zip(series, years, strict=True):
        ids = data.footprints["deployment_id"].dropna().astype(str)
        starts = [
            _full_date(b)
            for b in (spans.deployment.get(i, (None, None))[0] for i in ids)
            if b is not None and b[:4] == f"{year:04d}"
        ]
        begins[year] = max(starts, default=f"{year:04d}-01-01")
    out: dict[int, tuple[str | None, str | None]] = {}
    for i, year in enumerate(years):
        if i + 1 < len(years) and years[i + 1] == year + 1:
            end: str | None = begins[year + 1]
        else:
            end = _series_end(year)
        out[year] = (begins[year], end)
    return out


def _add_timespan(placemark: ET.Element, begin: str | None, end: str | None) -> None:
    if begin is None and end is None:
        return
    span = _sub(placemark, "TimeSpan")
    if begin is not None:
        _sub(span, "begin", begin)
    if end is not None:
        _sub(span, "end", end)


def _placemark(
    folder: ET.Element,
    *,
    name: str,
    style_id: str,
    geom: Any,
    rows: Sequence[tuple[str, Any]],
    title: str,
    label: str | None,
    span: tuple[str | None, str | None],
    extended: dict[str, Any],
    visible: bool = True,
) -> None:
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    if not visible:
        _sub(pm, "visibility", "0")
    _sub(pm, "description", _balloon_html(title, rows, lead=label))
    _add_timespan(pm, *span)
    _sub(pm, "styleUrl", f"#{style_id}")
    ext = _sub(pm, "ExtendedData")
    for key, value in extended.items():
        value = _plain(value)
        if value is None:
            continue
        data_el = _sub(ext, "Data")
        data_el.set("name", key)
        _sub(data_el, "value", str(value))
    _add_geometry(pm, geom)


_ROW_FIELDS = (
    ("System", "system_name"),
    ("Type", "system"),
    ("Range, km", "range_km"),
    ("Limited by", "limit"),
    ("Target altitude, km", "target_alt_km"),
    ("Phase", "phase"),
    ("Status", "status"),
    ("Systems", "systems"),
    ("Country", "country"),
    ("Confidence", "confidence"),
    # A capital's or major city's status in words: the run's intercept windows or what fails.
    ("Why", "why"),
    ("Source", "source"),
)
_EXTENDED_FIELDS = (
    "layer",
    "feature_id",
    "site_id",
    "deployment_id",
    "system",
    "range_km",
    "limit",
    "target_alt_km",
    "phase",
    "status",
    "country",
    "confidence",
    "why",
    "custom",
    "source",
    "scenario",
    "scenario_name",
    "estimate",
)


def _record_rows(rec: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(title, rec.get(col)) for title, col in _ROW_FIELDS]


def _capital_style_id(status: str, *, city: bool = False) -> str:
    return ("city_" if city else "capital_") + status.replace(" ", "_")


def _kml_tree(
    catalogue: Catalogue,
    series: Sequence[MapData],
    icon_href: str | None = ICON_PATH,
    capitals: Mapping[int, pd.DataFrame] | None = None,
    cities: Mapping[int, pd.DataFrame] | None = None,
) -> ET.Element:
    """Build the KML document for one or more years of a state (one placemark per deployment).

    ``capitals``: each year's capitals by status (:func:`coverage.products.headline.capitals_of`),
    one placemark per capital and year, timed as the year's defended area is; ``cities`` the
    same for the major cities (:func:`coverage.products.headline.major_cities`).
    """
    scenario = series[0].state.options.scenario
    last_year = series[-1].state.options.year
    years = [d.state.options.year for d in series]
    root = ET.Element(_k("kml"))
    doc = _sub(root, "Document")
    span_txt = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    state = series[0].state
    coop = (
        ""
        if state.cooperation == "nato_alone"
        else f", {cooperation_short_labels()[state.cooperation]}"
    )
    _sub(
        doc,
        "name",
        f"European missile defence coverage — {span_txt}, {SCENARIO_LABELS[scenario]}{coop}"
        f"{what_if_mark(catalogue)}",
    )
    _sub(doc, "open", "1")
    cooperation = describe_cooperation_state(state, catalogue)
    _sub(
        doc,
        "description",
        _balloon_html(
            f"EPAA coverage, {SCENARIO_LABELS[scenario]}, {span_txt}{coop}{what_if_mark(catalogue)}",
            [
                *(
                    []
                    if cooperation is None
                    else [("NATO-Russia cooperation", cooperation[0].upper() + cooperation[1:])]
                ),
                *(
                    [(CHOICES_HEADING, "; ".join(series[0].choices))]
                    if series and series[0].choices
                    else []
                ),
                *_assumptions_by_years(series),
                (
                    "Time",
                    "Each footprint is shown from its activation date "
                    "(use Google Earth's time slider)",
                ),
            ],
        ),
    )
    _add_styles(doc, icon_href)
    folders: dict[str, ET.Element] = {}

    def folder(key: str) -> ET.Element:
        if key not in folders:
            if key == _EACH_SITE:
                # Inside the defended area's folder and off: each site's own area overlaps
                # the union ("All sites"), and stacked 40 % fills drew darker bands that
                # nothing explained (a Google Earth user's trial). The dashboard draws the union.
                f = _sub(folder("defended"), "Folder")
                _sub(f, "name", "Each site's own defended area (off: they overlap All sites)")
                _sub(f, "visibility", "0")
            else:
                f = _sub(doc, "Folder")
                _sub(f, "name", _folder_title(key, series[0], one_map=one_map))
            folders[key] = f
        return folders[key]

    spans = _Spans(catalogue, scenario)
    state_spans = _state_spans(spans, series)
    end_of_series = _series_end(last_year)
    seen: set[str] = set()
    site_years: dict[tuple[str, str], list[int]] = {}
    site_records: dict[tuple[str, str], tuple[dict[str, Any], Any]] = {}
    # A rollout's years share one folder per layer; a comparison's ground and a sector drawing
    # belong to one map, so only a one-map KML (the dashboard's "KMZ (this map)") holds them.
    one_map = len(series) == 1
    skip = () if one_map else _ONE_MAP_LAYERS
    first_begin = f"{years[0]:04d}-01-01"  # a member before the series: from its first day
    for data in series:
        year = data.state.options.year
        # Beside a comparison (one map only: a rollout is of state A's years), B's sites and the
        # members of either year are the comparison's, and its ground stands for the defended area.
        compared = one_map and data.comparison is not None
        year_capitals = None if capitals is None else capitals.get(year)
        year_cities = None if cities is None else cities.get(year)
        records_by_key = _layer_records(
            data, year_capitals, year_cities, skip=skip, member_areas=False
        )
        for key, (records, geoms) in records_by_key.items():
            if key in skip:
                continue
            for rec, geom in zip(records, geoms, strict=True):
                style_id = key
                if key == "sites" and rec.get("state_only") == "B":
                    if not compared:
                        continue  # a rollout's maps are A's
                    # B's own site on a comparison's map, marked [B] as there ("active in B
                    # only"), for the map's time: B's sites have no span in A's year.
                    uid, span = f"{rec['feature_id']}@B", state_spans[year]
                    active = str(rec.get("status")).startswith("active")
                    style_id = _site_style(active=active, custom=rec.get("custom") is True)
                elif key == "sites":
                    k = (str(rec["site_id"]), str(rec.get("status")).removesuffix(" in A only"))
                    site_years.setdefault(k, []).append(year)
                    site_records.setdefault(k, (rec, geom))
                    continue
                elif key == "nato" and not compared:
                    # A member from its accession (Finland 4 Apr 2023, Sweden 7 Mar 2024) to
                    # the series' end, for Google Earth's time slider; a member before the
                    # series' first year from that year's start (the founders' 1949 stretched
                    # the slider over 75 years); without a date, from the first year of the
                    # series it is a member in.
                    joined = _kml_date(rec.get("joined_date"))
                    begin = (
                        state_spans[year][0]
                        if joined is None
                        else max(_full_date(joined), first_begin)
                    )
                    uid, span = str(rec["feature_id"]), (begin, end_of_series)
                elif key == "nato":
                    # Beside a comparison, the members of either year (``member_in``) for the
                    # map's time, as its other computed layers.
                    uid, span = str(rec["feature_id"]), state_spans[year]
                elif key in ("compare", "sectoral"):
                    uid, span = f"{rec['feature_id']}@{year}", state_spans[year]
                    kind = str(rec.get("kind"))  # gained / lost / both; sector_computed, ...
                    style_id = f"compare_{kind}" if key == "compare" else kind
                elif key in ("radar", "interceptor"):
                    uid = str(rec["feature_id"])
                    span = _ended(
                        spans.deployment.get(str(rec.get("deployment_id")), (None, None)),
                        last_year,
                    )
                elif key == "early_warning":
                    uid = str(rec["feature_id"])
                    span = _ended(
                        spans.early_warning.get(str(rec.get("site_id")), (None, None)), last_year
                    )
                elif key == "launch":
                    uid, span = str(rec["feature_id"]), (None, None)
                else:  # defended, tracks, capitals, cities: recomputed each year from all assets
                    uid = f"{rec['feature_id']}@{year}"
                    span = state_spans[year]
                if uid in seen:
                    continue
                seen.add(uid)
                name = str(rec.get("name"))
                if key in ("defended", "tracks") and len(series) > 1:
                    name = f"{year}: {name}"  # one per year: "All sites" alone named none
                if rec.get("custom") is True:
                    name += " (custom)"
                extended = {k: rec.get(k) for k in _EXTENDED_FIELDS if k in rec}
                extended.pop("scenario", None)
                extended.pop("scenario_name", None)
                extended.update(_scenario_fields(scenario) | {"begin": span[0], "end": span[1]})
                if key == "sites" and style_id == "site_planned":
                    name += _PLANNED_WORDS
                if key == "nato" and rec.get("member_in") not in (None, "A and B"):
                    name += f" (a member in {str(rec['member_in']).removesuffix(' only')} only)"
                each_site = key == "defended" and rec.get("site_id") not in (None, "all")
                # Beside a comparison its ground (gained / lost / both) stands for A's defended
                # area, as on the map and the slides: A's area is in the file, off (shown, the
                # two stacked their fills into bands).
                hidden = each_site or (compared and key == "defended")
                _placemark(
                    folder(_EACH_SITE if each_site else key),
                    name=f"{name}: {rec['status']}" if key in _PLACE_TITLES else name,
                    style_id=_capital_style_id(str(rec["status"]), city=key == "cities")
                    if key in _PLACE_TITLES
                    else style_id,
                    geom=geom,
                    rows=_record_rows(rec),
                    title=name,
                    label=rec.get("label"),
                    span=span,
                    extended=extended,
                    visible=not hidden,
                )
    _add_sites(spans, folder, site_years, site_records, scenario, last_year)
    return root


#: After a site's name where it is planned, not yet built (the legend's words).
_PLANNED_WORDS = " (planned, not yet built)"


def _site_style(*, active: bool, custom: bool) -> str:
    """A site's point style: hollow white while planned; a what-if site in its own colour."""
    if not active:
        return "site_planned"
    return "site_custom" if custom else "site_active"


def _add_sites(
    spans: _Spans,
    folder: Any,
    site_years: dict[tuple[str, str], list[int]],
    site_records: dict[tuple[str, str], tuple[dict[str, Any], Any]],
    scenario: str,
    last_year: int,
) -> None:
    """Site placemarks, one per site and status, spanning the years the site had that status."""
    for (site_id, status), years in site_years.items():
        rec, geom = site_records[(site_id, status)]
        active_begin = spans.site_begin.get(site_id)
        if status == "active":
            # From its activation, as its footprints are, when that comes before the first
            # year exported (a 2016 file began Kürecik's point in 2016, its radar in 2012).
            begin = (
                active_begin
                if active_begin and active_begin[:4] <= f"{min(years):04d}"
                else f"{min(years):04d}"
            )
            end = _series_end(last_year) if max(years) == last_year else _year_end(max(years))
        else:
            begin = f"{min(years):04d}"
            becomes_active = (site_id, "active") in site_years
            end = (
                active_begin
                if becomes_active and active_begin
                else (_series_end(last_year) if max(years) == last_year else _year_end(max(years)))
            )
        style_id = _site_style(active=status == "active", custom=rec.get("custom") is True)
        name = str(rec.get("name")) + (" (custom)" if rec.get("custom") is True else "")
        if status != "active":
            name += _PLANNED_WORDS
        extended = {k: rec.get(k) for k in _EXTENDED_FIELDS if k in rec}
        extended.update(_scenario_fields(scenario) | {"begin": begin, "end": end})
        _placemark(
            folder("sites"),
            name=name,
            style_id=style_id,
            geom=geom,
            rows=_record_rows(rec),
            title=name,
            label=rec.get("label"),
            span=(begin, end),
            extended=extended,
        )


def _assumptions_by_years(series: Sequence[MapData]) -> list[tuple[str, str]]:
    """The rollout's assumptions, one row per run of years that share them.

    A capability that comes by date (engage on remote from 10 Jul 2024 as built) changes the
    text: the first year's alone said "no engage on remote yet" of the whole rollout.
    """
    runs: list[tuple[int, int, str]] = []
    for data in series:
        year, text = data.state.options.year, data.assumptions
        if runs and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], year, text)
        else:
            runs.append((year, year, text))
    if len(runs) == 1:
        return [("Assumptions", runs[0][2])]
    return [
        (f"Assumptions, {a}" if a == b else f"Assumptions, {a}-{b}", text) for a, b, text in runs
    ]


def kml_from_series(
    catalogue: Catalogue,
    series: Sequence[MapData],
    *,
    icon_href: str | None = ICON_PATH,
    capitals: Mapping[int, pd.DataFrame] | None = None,
    cities: Mapping[int, pd.DataFrame] | None = None,
) -> bytes:
    """KML for Google Earth whose time slider replays the rollout.

    Parameters
    ----------
    catalogue
        The catalogue the maps were computed from (it holds the activation dates).
    series
        The maps of one scenario for the years to include
        (:func:`coverage.products.mapdata.map_series`). Each deployment footprint appears once,
        as one Placemark whose ``TimeSpan`` begins at its activation (``built_from`` as built,
        ``planned_from_year`` as planned) and ends at ``built_until``/the end of
        ``planned_until_year`` when set. Defended areas and tracks, recomputed every year, get
        one Placemark per year, from the latest activation within that year until the next
        year's takes over (see :func:`_state_spans`). Sites get one Placemark per status.

    icon_href
        The point icon, relative to the KML: :data:`ICON_PATH` (shipped inside the KMZ by
        :func:`kmz_from_kml`), or ``None`` for Google Earth's own pushpin (a bare .kml file, which
        has no folder to carry the icon). No export refers to an outside URL.
    capitals
        Optional: each year's capitals by status (:func:`coverage.products.headline.capitals_of`),
        one Placemark per capital and year, timed as that year's defended area, coloured by
        status as on the map.
    cities
        Optional: each year's major cities by status
        (:func:`coverage.products.headline.major_cities`), as the capitals, smaller.

    Returns
    -------
    bytes
        UTF-8 KML 2.2, styled with the dashboard's colours.
    """
    if not series:
        raise ValueError("series is empty; give at least one MapData")
    scenarios = {d.state.options.scenario for d in series}
    if len(scenarios) != 1:
        raise ValueError(f"series mixes scenarios {sorted(scenarios)}; export one scenario per KML")
    if len(series) > 1:
        # A rollout is of state A's years: a comparison belongs to one map (its members of
        # either year and B's sites would be timed as one year's; a review).
        series = [dataclasses.replace(d, comparison=None, difference=None) for d in series]
    root = _kml_tree(
        catalogue, sorted(series, key=lambda d: d.state.options.year), icon_href, capitals, cities
    )
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def kmz_from_kml(kml: bytes) -> bytes:
    """Wrap KML bytes in a KMZ archive: ``doc.kml`` first, then the point icon it refers to.

    Everything the document needs is inside the archive (:data:`ICON_PATH`), so Google Earth
    draws the sites offline.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in (("doc.kml", kml), (ICON_PATH, circle_icon_png())):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, payload)
    return buf.getvalue()


def circle_icon_png(size_px: int = 32) -> bytes:
    """A white disc with a dark rim on a transparent square, as PNG (no image library needed).

    Google Earth multiplies an icon by its ``IconStyle`` colour, so one white icon serves every
    point style (black sites, white planned sites, light blue what-if sites, pink launch areas).
    """
    centre = (size_px - 1) / 2.0
    radius = size_px / 2.0 - 1.5
    rows = []
    for y in range(size_px):
        row = bytearray([0])  # filter type: none
        for x in range(size_px):
            d = math.hypot(x - centre, y - centre)
            alpha = max(0.0, min(1.0, radius + 0.5 - d))  # anti-aliased edge
            grey = 255 if d < radius - 2.0 else 70  # the rim survives a white tint
            row += bytes([grey, grey, grey, round(255 * alpha)])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size_px, size_px, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def grid_geojson(cells: gpd.GeoDataFrame, properties: dict[str, Any]) -> bytes:
    """A grid of cells (e.g. a sweep's ``p_defended`` cells) as GeoJSON, EPSG:4326, UTF-8.

    ``properties`` (a sweep's summary, say) are added as foreign members with the caveat.
    """
    payload = json.loads(cells.to_json(drop_id=True, na="null"))
    payload.update({**properties, "caveat": CAVEAT})
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def grid_geopackage(cells: gpd.GeoDataFrame, layer: str) -> bytes:
    """A grid of cells as one GeoPackage table named ``layer`` (EPSG:4326, polygons).

    A sweep's ``p_defended`` table carries QGIS's style of its probability classes.
    """
    with tempfile.TemporaryDirectory(prefix="epaa-gpkg-") as tmp:
        path = Path(tmp) / "grid.gpkg"
        cells.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        qml.write_styles(path, [layer])
        return path.read_bytes()
