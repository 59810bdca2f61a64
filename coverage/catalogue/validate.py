"""Validate every file in ``data/``: tables, analysis tables, distributions, country GeoJSONs.

:func:`validate_data` is what ``python -m coverage validate`` and the dashboard's start-up run.
It collects every problem (file, line or feature, column or property, value, what is allowed)
instead of stopping at the first, and never raises for bad data.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from coverage.catalogue import schema
from coverage.catalogue.analysis import ANALYSIS_SCHEMAS, read_analysis_table
from coverage.catalogue.cachedir import checked_clean, mark_clean, source_version
from coverage.catalogue.distributions import read_distributions
from coverage.catalogue.schema import DataError, DataProblem, invisible_characters
from coverage.catalogue.tables import DATA_DIR, load_catalogue

__all__ = ["COUNTRY_FILES", "check_countries", "validate_data"]

COUNTRY_FILES = ("countries_europe.geojson", "countries_world.geojson")
CONTINENTS = (
    "Africa",
    "Antarctica",
    "Asia",
    "Europe",
    "North America",
    "Oceania",
    "South America",
    "Seven seas (open ocean)",
)
_ISO3_RE = re.compile(r"^[A-Z]{3}$")
_MAX_BYTES = 50_000_000


def _number(value: Any, lo: float, hi: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and lo <= value <= hi
    )


def _text(value: Any, max_length: int) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value.strip()) <= max_length
        and not invisible_characters(value)
    )


def check_countries(name: str, data_dir: Path = DATA_DIR) -> list[DataProblem]:
    """Problems of one country GeoJSON (structure, properties, geometry type, validity, ranges)."""
    label = f"data/{name}"
    path = data_dir / name
    try:
        if path.stat().st_size > _MAX_BYTES:
            return [DataProblem(label, None, None, None, f"larger than {_MAX_BYTES // 10**6} MB")]
        raw = path.read_bytes()
    except FileNotFoundError:
        return [DataProblem(label, None, None, None, "file not found")]
    except OSError as exc:
        return [DataProblem(label, None, None, None, f"not readable ({exc})")]
    # The geometry checks take ~0.1 s a file: a file checked clean before (same bytes, same
    # checking code) is not checked again in a later process.
    key = hashlib.sha256(
        b"countries\n" + label.encode() + b"\n" + raw + _source_digest().encode()
    ).hexdigest()[:32]
    if checked_clean(key):
        return []
    problems = list(_check_countries_bytes(label, raw))
    if not problems:
        mark_clean(key)
    return problems


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """The checking code: this module, the schema's text checks, shapely and GEOS."""
    code = source_version(Path(__file__), Path(schema.__file__))
    return f"{code} shapely {shapely.__version__} {shapely.geos_version_string}"


@functools.lru_cache(maxsize=8)
def _check_countries_bytes(label: str, raw: bytes) -> tuple[DataProblem, ...]:
    """The checks of :func:`check_countries` on a file's bytes (cached: validity tests are slow)."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return (DataProblem(label, None, None, None, f"not a readable UTF-8 JSON file ({exc})"),)
    return tuple(_check_feature_collection(label, doc))


def _check_feature_collection(label: str, doc: Any) -> list[DataProblem]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return [DataProblem(label, None, "type", None, "must be a GeoJSON FeatureCollection")]
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        return [DataProblem(label, None, "features", None, "needs at least one feature")]
    problems: list[DataProblem] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            problems.append(
                DataProblem(f"{label}, feature {i}", None, "properties", None, "missing")
            )
            continue
        where = f"{label}, feature {i}"
        if isinstance(props.get("name"), str):
            where += f" ({props['name'][:40]})"
        checks = (
            (
                "iso3",
                isinstance(props.get("iso3"), str) and bool(_ISO3_RE.match(props["iso3"])),
                "three capital letters (ISO 3166-1 alpha-3)",
            ),
            ("name", _text(props.get("name"), 120), "a name of 1-120 visible characters"),
            ("population", _number(props.get("population"), 0, 2e9), "a number from 0 to 2e9"),
            ("area_km2", _number(props.get("area_km2"), 0, 2e7), "a number from 0 to 2e7 km²"),
            ("continent", props.get("continent") in CONTINENTS, "one of " + ", ".join(CONTINENTS)),
        )
        for key, ok, allowed in checks:
            if not ok:
                value = props.get(key)
                problems.append(
                    DataProblem(where, None, key, None if value is None else str(value), allowed)
                )
        iso3 = props.get("iso3")
        if isinstance(iso3, str):
            if iso3 in seen:
                problems.append(
                    DataProblem(
                        where, None, "iso3", iso3, f"must be unique; also feature {seen[iso3]}"
                    )
                )
            seen.setdefault(iso3, i)
        problems += _check_geometry(feature.get("geometry"), where)
    return problems


def _check_geometry(geometry: Any, where: str) -> list[DataProblem]:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return [
            DataProblem(
                where,
                None,
                "geometry",
                None if kind is None else str(kind),
                "a Polygon or MultiPolygon",
            )
        ]
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return [DataProblem(where, None, "geometry", None, f"unreadable coordinates ({exc})")]
    coords = shapely.get_coordinates(geom)
    if coords.size == 0 or geom.is_empty:
        return [DataProblem(where, None, "geometry", None, "empty geometry")]
    problems = []
    lon, lat = coords[:, 0], coords[:, 1]
    bad = ~((lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90))
    if bad.any():
        x, y = coords[bad][0]
        problems.append(
            DataProblem(
                where,
                None,
                "geometry",
                f"{x:g},{y:g}",
                "coordinates within -180..180 (lon) and -90..90 (lat) degrees",
            )
        )
    elif not geom.is_valid:
        problems.append(
            DataProblem(where, None, "geometry", shapely.is_valid_reason(geom), "a valid polygon")
        )
    return problems


def validate_data(data_dir: Path = DATA_DIR) -> list[DataProblem]:
    """Every problem in every file of ``data_dir`` (empty when all is valid).

    A folder found clean is stamped on disk (:func:`~coverage.catalogue.cachedir.mark_clean`),
    keyed on every file's name and bytes and on the catalogue's code (``coverage/catalogue``,
    shapely, GEOS, pandas and numpy): a dashboard restarted on the same files skips the checks (~0.4 s). Any
    edited, added or removed file, or changed checking code, is checked again; problems are
    never stamped.
    """
    key = _folder_key(data_dir)
    if key is not None and checked_clean(key):
        return []
    problems = _validate(data_dir)
    # Stamped only if the files are still those keyed (one edited during the checks is not).
    if key is not None and not problems and _folder_key(data_dir) == key:
        mark_clean(key)
    return problems


def _folder_key(data_dir: Path) -> str | None:
    """The clean stamp's key of ``data_dir``: its files' names and bytes, and the checking code."""
    h = hashlib.sha256(b"data folder\n" + _catalogue_code().encode())
    try:
        for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
            h.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return None  # an unreadable file: checked (and reported) the long way
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _catalogue_code() -> str:
    """Every module of the catalogue (the tables' schemas and checks), its readers' versions."""
    import numpy
    import pandas

    here = Path(__file__).resolve().parent
    code = source_version(*sorted(here.glob("*.py")))
    return (
        f"{code} shapely {shapely.__version__} {shapely.geos_version_string} "
        f"pandas {pandas.__version__} numpy {numpy.__version__}"
    )


def _validate(data_dir: Path) -> list[DataProblem]:
    problems: list[DataProblem] = []
    catalogue = None
    try:
        catalogue = load_catalogue(data_dir)
    except DataError as exc:
        problems += exc.problems
    for name in ANALYSIS_SCHEMAS:
        problems += read_analysis_table(name, data_dir=data_dir)[1]
    problems += read_distributions(data_dir=data_dir)[1]
    known: set[str] = set()
    for name in COUNTRY_FILES:
        found = check_countries(name, data_dir)
        problems += found
        if not found:
            doc = json.loads((data_dir / name).read_text(encoding="utf-8"))
            known |= {f["properties"]["iso3"] for f in doc["features"]}
    if not known:
        return problems  # the cross-check below needs the country files
    if catalogue is not None:
        members = catalogue.nato_members
        for iso3 in members.iso3[members.in_europe & ~members.iso3.isin(known)]:
            problems.append(
                DataProblem(
                    "data/nato_members.csv", None, "iso3", str(iso3), "a country of the basemap"
                )
            )
    return problems
