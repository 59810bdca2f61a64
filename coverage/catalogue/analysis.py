"""Schemas and loaders for the analysis tables: threats, threat boost, ICBM bases, US targets, cities.

The same rules as ``coverage.catalogue.tables`` apply (``coverage.catalogue.schema``): every value is checked,
every problem is collected, and a :class:`~coverage.catalogue.schema.DataError` names the file, line,
column, value and what is allowed. Loaded tables are cached per process and returned as copies.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from coverage.catalogue import basemap, schema, tables
from coverage.catalogue.basemap import country_codes
from coverage.catalogue.cachedir import checked_clean, mark_clean, source_version
from coverage.catalogue.schema import Column, DataError, DataProblem, read_validated
from coverage.catalogue.tables import (
    BASELINE_SCENARIOS,
    CONFIDENCES,
    DATA_DIR,
    SCENARIO_IDS,
)

__all__ = [
    "ANALYSIS_SCHEMAS",
    "BOOST_PARAMETERS",
    "THREAT_CLASSES",
    "boost_values",
    "detection_value",
    "load_capabilities",
    "load_claims",
    "load_cooperation",
    "load_regions",
    "load_sectoral_picture",
    "load_cities",
    "load_icbm_bases",
    "load_threat_boost",
    "load_threats",
    "load_us_targets",
    "read_analysis_table",
]

THREAT_CLASSES = ("SRBM", "MRBM", "IRBM", "ICBM", "design_case")
#: Fire-control capabilities with a date in capabilities.csv (launch / engage on remote).
CAPABILITIES = ("launch_on_remote", "engage_on_remote", "satellite_cueing")
#: Detection parameters in detection.csv: unit and allowed range.
DETECTION_PARAMETERS: Mapping[str, tuple[str, float, float]] = {
    "rv_rcs_m2": ("m2", 1e-4, 100.0),
    "booster_rcs_m2": ("m2", 1e-4, 100.0),
    "cued_range_factor": ("", 1.0, 4.0),
    "satellite_cue_s": ("s", 0.0, 600.0),
    "exo_k_factor": ("", 0.5, 4.0),
    "refraction_scale": ("", 0.0, 2.0),
    "ew_reference_rcs_m2": ("m2", 1e-3, 100.0),
    "ew_array_height_m": ("m", 0.0, 200.0),
    "ew_min_elevation_deg": ("deg", -5.0, 30.0),
}
RANGE_RULES = ("fixed", "reach_nato_europe")
#: How much of a country the General Staff's sectoral picture puts in Russia's sector, in words.
SECTOR_EXTENTS = ("whole", "most", "large_parts", "parts")
#: The iso3 value of regions.csv that stands for the NATO members of the year.
NATO_REGION_CODE = "NATO"
#: Boost parameters every missile class carries in threat_boost.csv: unit and allowed range
#: (the ranges of ``coverage.physics.threat_flight.BoostProgramme``).
BOOST_PARAMETERS: Mapping[str, tuple[str, float, float]] = {
    "burn_time_s": ("s", 10.0, 600.0),
    "vertical_rise_s": ("s", 0.0, 300.0),
    "burned_fraction": ("", 0.0, 0.95),
    "pitch_exponent": ("", 0.25, 4.0),
    "min_thrust_to_weight": ("", 1.05, 5.0),
}
_BOOST_CLASSES = ("SRBM", "MRBM", "IRBM", "ICBM")
#: An ICBM base's propellant (icbm_bases.csv): solid motors burn out sooner (fact sheet §8.2).
PROPELLANTS = ("solid", "liquid")
_ESTIMATES = ("low", "nominal", "high")
_TEXT = 400
#: The years a claim can be judged on: coverage.scenario's FIRST_YEAR..LAST_YEAR (which imports
#: this module; a test checks they agree).
CLAIM_YEARS = (2011, 2026)

ANALYSIS_SCHEMAS: Mapping[str, tuple[Column, ...]] = {
    "threats.csv": (
        Column("threat_id", "id", description="Identifier used by --threat"),
        Column("name", "str", max_length=120),
        Column("threat_class", "choice", choices=THREAT_CLASSES, description="US DoD range class"),
        Column("range_km_low", "float", required=False, minimum=50, maximum=16_000),
        Column("range_km_nominal", "float", required=False, minimum=50, maximum=16_000),
        Column("range_km_high", "float", required=False, minimum=50, maximum=16_000),
        Column(
            "range_rule",
            "choice",
            choices=RANGE_RULES,
            description="fixed: the range columns; reach_nato_europe: computed per launch area",
        ),
        Column("class_default", "bool", description="Used when --threat names the class"),
        Column("examples", "str", max_length=_TEXT),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "threat_boost.csv": (
        Column("threat_class", "choice", choices=_BOOST_CLASSES, description="US DoD range class"),
        Column("parameter", "choice", choices=tuple(BOOST_PARAMETERS)),
        Column("unit", "str", required=False, max_length=12, description="Empty if dimensionless"),
        Column("low", "float", minimum=0, maximum=600),
        Column("nominal", "float", minimum=0, maximum=600),
        Column("high", "float", minimum=0, maximum=600),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=_TEXT),
    ),
    "icbm_bases.csv": (
        Column("base_id", "id"),
        Column("name", "str", max_length=120),
        Column("division", "str", max_length=120),
        Column("basing", "choice", choices=("silo", "road-mobile")),
        Column("missile", "str", max_length=120, description="ICBM type(s) fielded there"),
        Column(
            "propellant",
            "choice",
            choices=PROPELLANTS,
            description="Sets the burn time of the base's ICBMs (data/threat_boost.csv)",
        ),
        Column("missile_source", "str", max_length=_TEXT),
        Column("lon_deg", "float", minimum=-180, maximum=180),
        Column("lat_deg", "float", minimum=-90, maximum=90),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "us_targets.csv": (
        Column("target_id", "id"),
        Column("name", "str", max_length=120),
        Column("kind", "choice", choices=("city", "icbm_base", "gmd_site")),
        Column("lon_deg", "float", minimum=-180, maximum=180),
        Column("lat_deg", "float", minimum=-90, maximum=90),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "detection.csv": (
        Column("parameter", "choice", choices=tuple(DETECTION_PARAMETERS)),
        Column("unit", "str", required=False, max_length=12),
        Column("low", "float", minimum=0, maximum=600),
        Column("nominal", "float", minimum=0, maximum=600),
        Column("high", "float", minimum=0, maximum=600),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=_TEXT),
    ),
    "cooperation.csv": (
        Column("cooperation_id", "id", description="Identifier used by --cooperation"),
        Column("label", "str", max_length=120),
        Column(
            "short_label",
            "str",
            max_length=60,
            description="Short words for titles and legends, e.g. 'with Russian early warning "
            "shared'",
        ),
        Column("radars", "str", required=False, max_length=200),
        Column("proposed", "date", required=False, minimum=2000, maximum=2040),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=_TEXT),
    ),
    "capabilities.csv": (
        Column("capability", "choice", choices=CAPABILITIES),
        Column("scenario", "choice", choices=SCENARIO_IDS),
        Column("available_from", "date", minimum=2009, maximum=2040),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=_TEXT),
    ),
    "regions.csv": (
        Column("region_id", "id", description="Identifier used by --region"),
        Column("name", "str", max_length=120),
        Column(
            "iso3",
            "str",
            max_length=200,
            description="ISO3 codes separated by spaces, or NATO for the members of the year",
        ),
        Column("east_limit_deg", "float", required=False, minimum=-180, maximum=180),
        Column("population", "int", required=False, minimum=1, maximum=2e9),
        Column("source", "str", max_length=800),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=800),
    ),
    "claims.csv": (
        Column("claim_id", "id", description="Identifier used by the claims table"),
        Column("phase", "int", minimum=1, maximum=4, description="EPAA phase the words speak of"),
        Column("said", "date", minimum=2009, maximum=2040),
        Column("said_by", "str", max_length=200),
        Column("words", "str", max_length=200, description="The claim's own words, quoted"),
        Column(
            "year", "int", minimum=CLAIM_YEARS[0], maximum=CLAIM_YEARS[1], description="Year judged"
        ),
        Column("scenario", "choice", choices=BASELINE_SCENARIOS),
        Column("territory", "str", max_length=80, description="The territory's name in words"),
        Column(
            "iso3",
            "str",
            max_length=200,
            description="ISO3 codes separated by spaces (counted while NATO members), or NATO",
        ),
        Column(
            "area_share_needed",
            "float",
            minimum=0.001,
            maximum=1,
            description="Share of that territory the words are read to need (an assumption)",
        ),
        Column("reading", "str", max_length=_TEXT, description="How the words are read"),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=_TEXT),
    ),
    "sectoral_picture.csv": (
        Column("iso3", "str", max_length=3, description="ISO 3166-1 alpha-3 country code"),
        Column("extent", "choice", choices=SECTOR_EXTENTS),
        Column("share_low", "float", minimum=0, maximum=1),
        Column("share_nominal", "float", minimum=0, maximum=1),
        Column("share_high", "float", minimum=0, maximum=1),
        Column("words", "str", max_length=_TEXT),
        Column("source", "str", max_length=800),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=800),
    ),
    "cities.csv": (
        Column("city_id", "int", minimum=0, maximum=1e12, description="GeoNames id"),
        Column("name", "str", max_length=120),
        Column("iso3", "str", max_length=3, description="ISO 3166-1 alpha-3 country code"),
        Column("lon_deg", "float", minimum=-180, maximum=180),
        Column("lat_deg", "float", minimum=-90, maximum=90),
        Column("population", "int", minimum=0, maximum=1e9),
        Column("is_capital", "bool"),
    ),
}
_UNIQUE: dict[str, str | tuple[str, ...]] = {
    "threats.csv": "threat_id",
    "threat_boost.csv": (),  # class + parameter pairs: checked in _check_threat_boost
    "icbm_bases.csv": "base_id",
    "us_targets.csv": "target_id",
    "cities.csv": "city_id",
    "capabilities.csv": ("capability", "scenario"),
    "detection.csv": "parameter",
    "cooperation.csv": "cooperation_id",
    "regions.csv": "region_id",
    "claims.csv": "claim_id",
    "sectoral_picture.csv": "iso3",
}


def read_analysis_table(
    name: str, *, text: str | None = None, data_dir: Path = DATA_DIR, source: str | None = None
) -> tuple[pd.DataFrame, list[DataProblem]]:
    """Read and validate one analysis table; returns the table and every problem found.

    Parameters
    ----------
    name
        File name, a key of ``ANALYSIS_SCHEMAS``.
    text
        CSV text to validate instead of the bundled file.
    data_dir
        Folder holding the bundled files.
    source
        Name used in messages; defaults to ``data/<name>``.
    """
    if name not in ANALYSIS_SCHEMAS:
        raise KeyError(f"unknown analysis table {name!r}; known: {', '.join(ANALYSIS_SCHEMAS)}")
    label = source or f"data/{name}"
    frame, problems = read_validated(
        label,
        ANALYSIS_SCHEMAS[name],
        path=data_dir / name,
        text=text,
        unique=_UNIQUE[name],
        min_rows=1,
    )
    # The checks across rows and files (ISO codes against the basemap, class defaults, ...)
    # found clean before for these bytes, this code and the basemap's codes are not run again.
    key = None if text is not None or problems else _checks_key(name, data_dir)
    if key is not None and checked_clean(key):
        return frame, problems
    found = _table_checks(name, frame, label)
    if key is not None and not found:
        mark_clean(key)
    return frame, problems + found


def _checks_key(name: str, data_dir: Path) -> str | None:
    """The clean stamp's key of a table's own checks: its bytes, the basemap's, this code."""
    try:
        h = hashlib.sha256(b"analysis checks\n" + name.encode() + b"\n")
        h.update((data_dir / name).read_bytes())
        h.update(_checks_code().encode())
    except OSError:
        return None
    return h.hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _checks_code() -> str:
    """What every table's checks depend on beyond its bytes: the basemap's codes, this code.

    Read once per process (the bundled basemap and the modules do not change under it), not
    once per table.
    """
    modules = (__file__, schema.__file__, tables.__file__, basemap.__file__)
    return source_version(DATA_DIR / "countries_europe.geojson", *map(Path, map(str, modules)))


def _table_checks(name: str, frame: pd.DataFrame, label: str) -> list[DataProblem]:
    """The checks of one table beyond its columns' (which ``read_validated`` made)."""
    found: list[DataProblem] = []
    if name == "threats.csv" and not frame.empty:
        found += _check_threats(frame, label)
    if name == "capabilities.csv" and not frame.empty:
        have = set(zip(frame.capability, frame.scenario, strict=True))
        for cap in CAPABILITIES:
            for scenario in SCENARIO_IDS:
                if (cap, scenario) not in have:
                    found.append(
                        DataProblem(label, None, "capability", cap, f"needs a {scenario} row")
                    )
    if name == "detection.csv" and not frame.empty:
        for line, param, *values in zip(
            frame["_line"], frame.parameter, frame.low, frame.nominal, frame.high, strict=True
        ):
            unit, lo, hi = DETECTION_PARAMETERS[param]
            for col, value in zip(("low", "nominal", "high"), values, strict=True):
                if not lo <= value <= hi:
                    found.append(
                        DataProblem(label, int(line), col, f"{value:g}", f"{lo:g}..{hi:g} {unit}")
                    )
        for missing in sorted(set(DETECTION_PARAMETERS) - set(frame.parameter)):
            found.append(DataProblem(label, None, "parameter", missing, "a row is required"))
    if name == "threat_boost.csv" and not frame.empty:
        found += _check_threat_boost(frame, label)
    if name == "regions.csv" and not frame.empty:
        found += _check_regions(frame, label)
    if name == "sectoral_picture.csv" and not frame.empty:
        found += _check_sectoral(frame, label)
    if name == "claims.csv" and not frame.empty:
        for line, codes in zip(frame["_line"], frame.iso3, strict=True):
            if str(codes).split() != [NATO_REGION_CODE]:
                found += _iso3_problems(label, int(line), str(codes).split())
    return found


def _iso3_problems(label: str, line: int, codes: list[str]) -> list[DataProblem]:
    known = country_codes("europe")
    return [
        DataProblem(label, line, "iso3", c, "an ISO3 code of a country on the basemap")
        for c in codes
        if c not in known
    ]


def _check_regions(frame: pd.DataFrame, label: str) -> list[DataProblem]:
    problems: list[DataProblem] = []
    if NATO_REGION_CODE not in set(frame.iso3):
        problems.append(
            DataProblem(label, None, "iso3", NATO_REGION_CODE, "one region must be NATO")
        )
    claimed: dict[str, str] = {}
    for row in (SimpleNamespace(**r) for r in frame.to_dict(orient="records")):
        codes = str(row.iso3).split()
        if codes == [NATO_REGION_CODE]:
            if not pd.isna(row.east_limit_deg) or not pd.isna(row.population):
                problems.append(
                    DataProblem(
                        label,
                        row._line,
                        "iso3",
                        row.iso3,
                        "the NATO region takes no east limit and no population",
                    )
                )
            continue
        problems += _iso3_problems(label, row._line, codes)
        for c in codes:
            if c in claimed:
                problems.append(
                    DataProblem(label, row._line, "iso3", c, f"already in region {claimed[c]!r}")
                )
            claimed[c] = row.region_id
        if not pd.isna(row.population) and len(codes) != 1:
            problems.append(
                DataProblem(
                    label,
                    row._line,
                    "population",
                    f"{row.population:g}",
                    "a population is allowed only for a region of one country",
                )
            )
    return problems


def _check_sectoral(frame: pd.DataFrame, label: str) -> list[DataProblem]:
    problems: list[DataProblem] = []
    for row in (SimpleNamespace(**r) for r in frame.to_dict(orient="records")):
        problems += _iso3_problems(label, row._line, [row.iso3])
        if not row.share_low <= row.share_nominal <= row.share_high:
            problems.append(
                DataProblem(
                    label,
                    row._line,
                    "share_nominal",
                    f"{row.share_nominal:g}",
                    f"must lie between share_low ({row.share_low:g}) and share_high "
                    f"({row.share_high:g})",
                )
            )
    return problems


def _check_threat_boost(frame: pd.DataFrame, label: str) -> list[DataProblem]:
    problems: list[DataProblem] = []
    seen: set[tuple[str, str]] = set()
    for row in (SimpleNamespace(**r) for r in frame.to_dict(orient="records")):
        key = (row.threat_class, row.parameter)
        if key in seen:
            problems.append(
                DataProblem(
                    label,
                    row._line,
                    "parameter",
                    row.parameter,
                    f"duplicate: {row.threat_class} already has a {row.parameter} row",
                )
            )
        seen.add(key)
        unit, lo, hi = BOOST_PARAMETERS[row.parameter]
        given = row.unit if isinstance(row.unit, str) else ""
        if given != unit:
            need = f"unit {unit!r}" if unit else "an empty unit (dimensionless)"
            problems.append(
                DataProblem(label, row._line, "unit", given, f"{row.parameter} needs {need}")
            )
        values = [getattr(row, case) for case in _ESTIMATES]
        for case, v in zip(_ESTIMATES, values, strict=True):
            if not lo <= v <= hi:
                problems.append(
                    DataProblem(
                        label,
                        row._line,
                        case,
                        f"{v:g}",
                        f"{row.parameter} must be {lo:g} to {hi:g}",
                    )
                )
        if not values[0] <= values[1] <= values[2]:
            problems.append(
                DataProblem(
                    label,
                    row._line,
                    "nominal",
                    f"{values[1]:g}",
                    f"must lie between low ({values[0]:g}) and high ({values[2]:g})",
                )
            )
    for cls in _BOOST_CLASSES:
        for pname in BOOST_PARAMETERS:
            if (cls, pname) not in seen:
                problems.append(
                    DataProblem(label, None, "parameter", pname, f"required for {cls} but missing")
                )
    by_key = {(r.threat_class, r.parameter): r for r in frame.itertuples()}
    for cls in _BOOST_CLASSES:
        burn, rise = by_key.get((cls, "burn_time_s")), by_key.get((cls, "vertical_rise_s"))
        if burn is None or rise is None:
            continue
        for case in _ESTIMATES:
            if getattr(rise, case) > 0.5 * getattr(burn, case):
                problems.append(
                    DataProblem(
                        label,
                        None,
                        case,
                        f"{getattr(rise, case):g}",
                        f"{cls} vertical_rise_s must be at most half its burn_time_s "
                        f"({getattr(burn, case):g} s)",
                    )
                )
    return problems


def _check_threats(frame: pd.DataFrame, label: str) -> list[DataProblem]:
    problems: list[DataProblem] = []
    # Not itertuples: it renames the "_line" column (leading underscore) to a positional name.
    for row in (SimpleNamespace(**r) for r in frame.to_dict(orient="records")):
        values = (row.range_km_low, row.range_km_nominal, row.range_km_high)
        if row.range_rule == "fixed":
            for col, v in zip(
                ("range_km_low", "range_km_nominal", "range_km_high"), values, strict=True
            ):
                if v is None or pd.isna(v):
                    problems.append(
                        DataProblem(
                            label,
                            row._line,
                            col,
                            "",
                            "required when range_rule is 'fixed': 50 to 16000 km",
                        )
                    )
            if (
                all(v is not None and not pd.isna(v) for v in values)
                and not values[0] <= values[1] <= values[2]
            ):
                problems.append(
                    DataProblem(
                        label,
                        row._line,
                        "range_km_nominal",
                        f"{values[1]:g}",
                        f"must lie between low ({values[0]:g}) and high ({values[2]:g})",
                    )
                )
        elif any(v is not None and not pd.isna(v) for v in values):
            problems.append(
                DataProblem(
                    label,
                    row._line,
                    "range_rule",
                    row.range_rule,
                    "a computed range must leave range_km_low/nominal/high empty",
                )
            )
    defaults = frame[frame.class_default.astype(bool)]
    for cls, group in defaults.groupby("threat_class"):
        if len(group) > 1:
            problems.append(
                DataProblem(
                    label,
                    int(group["_line"].iloc[1]),
                    "class_default",
                    "true",
                    f"only one threat per class may be the default; {cls} already has "
                    f"{group.threat_id.iloc[0]!r}",
                )
            )
    return problems


@functools.lru_cache(maxsize=8)
def _load(name: str, data_dir: Path) -> pd.DataFrame:
    frame, problems = read_analysis_table(name, data_dir=data_dir)
    if problems:
        raise DataError(problems)
    return frame.drop(columns="_line")


def load_threats(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``threats.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("threats.csv", data_dir).copy()


def load_threat_boost(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``threat_boost.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("threat_boost.csv", data_dir).copy()


def boost_values(
    threat_class: str, estimate: str = "nominal", data_dir: Path = DATA_DIR
) -> dict[str, float]:
    """Boost parameters of a missile class for one estimate, keyed by parameter name.

    Parameters
    ----------
    threat_class
        ``SRBM``, ``MRBM``, ``IRBM`` or ``ICBM``.
    estimate
        ``low``, ``nominal`` or ``high`` column of ``threat_boost.csv``.
    """
    if threat_class not in _BOOST_CLASSES:
        raise ValueError(
            f"threat_class={threat_class!r} has no boost data; allowed: {', '.join(_BOOST_CLASSES)}"
        )
    if estimate not in _ESTIMATES:
        raise ValueError(f"estimate={estimate!r} is not one of {', '.join(_ESTIMATES)}")
    table = load_threat_boost(data_dir)
    rows = table[table.threat_class == threat_class]
    return {str(p): float(v) for p, v in zip(rows.parameter, rows[estimate], strict=True)}


def load_icbm_bases(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``icbm_bases.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("icbm_bases.csv", data_dir).copy()


def load_us_targets(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``us_targets.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("us_targets.csv", data_dir).copy()


def load_cities(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``cities.csv`` (a copy); ``DataError`` lists all problems.

    ``is_capital`` is a bool column, ``population`` an int column.
    """
    frame = _load("cities.csv", data_dir).copy()
    frame["is_capital"] = frame.is_capital.astype(bool)
    return frame


def load_cooperation(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``cooperation.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("cooperation.csv", data_dir).copy()


def load_claims(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``claims.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("claims.csv", data_dir).copy()


def load_regions(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``regions.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("regions.csv", data_dir).copy()


def load_sectoral_picture(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``sectoral_picture.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("sectoral_picture.csv", data_dir).copy()


def load_capabilities(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Return the validated ``capabilities.csv`` (a copy); ``DataError`` lists all problems."""
    return _load("capabilities.csv", data_dir).copy()


@functools.lru_cache(maxsize=256)
def detection_value(parameter: str, estimate: str = "nominal", data_dir: Path = DATA_DIR) -> float:
    """One detection parameter of ``detection.csv`` in the ``estimate`` case (looked up once)."""
    table = _load("detection.csv", data_dir)
    rows = table[table.parameter == parameter]
    if rows.empty:
        raise KeyError(f"no parameter {parameter!r} in data/detection.csv")
    return float(rows[estimate].iloc[0])
