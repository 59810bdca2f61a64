"""The sourced catalogue: sites, systems, parameter estimates, deployments and context layers.

``load_catalogue()`` reads every file in ``data/``, validates it against the schemas below and
cross-checks the references between files. Anything wrong raises :class:`DataError`, whose
message names the file, line, column, value and what is allowed. The same schemas validate
user uploads (what-if sites), so bundled data and user data obey one set of rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd

from coverage.catalogue.cachedir import DATA_DIR
from coverage.catalogue.schema import (
    Column,
    DataError,
    DataProblem,
    parse_date,
    read_validated,
)

__all__ = [
    "ALTERNATIVE_SCENARIOS",
    "BASELINE_SCENARIOS",
    "CONFIDENCES",
    "DATA_DIR",
    "SCENARIO_IDS",
    "ESTIMATES",
    "Catalogue",
    "DataError",
    "DataProblem",
    "Estimate",
    "SCHEMAS",
    "data_date",
    "load_catalogue",
    "read_table",
]


Estimate = Literal["low", "nominal", "high"]
ESTIMATES: tuple[Estimate, ...] = ("low", "nominal", "high")
CONFIDENCES = ("High", "Medium", "Low-Medium", "Low", "Derived", "Assumption", "User")
SITE_KINDS = ("land", "port", "ship_station", "c2")
SYSTEM_KINDS = ("radar", "interceptor", "c2")
PRESENCES = ("permanent", "patrol", "occasional", "temporary")
#: The two scenarios of deployments.csv: the September 2009 plan and what was built.
BASELINE_SCENARIOS = ("planned", "actual")
#: Alternative architectures of the NATO-Russia debate (scenarios.csv, alternatives.csv).
ALTERNATIVE_SCENARIOS = (
    "third_site",
    "cbo_sea",
    "cbo_land_sm3",
    "cbo_land_kei",
    "putin_2007",
)
SCENARIO_IDS = BASELINE_SCENARIOS + ALTERNATIVE_SCENARIOS

#: Parameters each system kind must carry in parameters.csv, with their allowed range.
REQUIRED_PARAMETERS: Mapping[str, Mapping[str, tuple[str, float, float]]] = {
    "radar": {
        "range_km": ("km", 1.0, 50_000.0),
        "reference_rcs_m2": ("m2", 1e-4, 100.0),
        "azimuth_fov_deg": ("deg", 1.0, 360.0),
        "antenna_height_m": ("m", 0.0, 500.0),
        "min_elevation_deg": ("deg", -5.0, 30.0),
    },
    "interceptor": {
        "burnout_velocity_kmps": ("km/s", 0.5, 11.0),
        "burn_time_s": ("s", 1.0, 600.0),
        "nominal_range_km": ("km", 1.0, 20_000.0),
        "max_intercept_alt_km": ("km", 10.0, 5_000.0),
        "min_intercept_alt_km": ("km", 0.0, 1_000.0),
    },
    "c2": {},
}

_TEXT = 400
SCHEMAS: Mapping[str, tuple[Column, ...]] = {
    "sites.csv": (
        Column("site_id", "id", description="Identifier"),
        Column("name", "str", max_length=120, description="Display name"),
        Column(
            "country_iso3",
            "str",
            required=False,
            max_length=3,
            description="ISO 3166-1 alpha-3 host country; empty at sea",
        ),
        Column("kind", "choice", choices=SITE_KINDS, description="land, port, ship_station or c2"),
        Column(
            "lon_deg",
            "float",
            minimum=-180,
            maximum=180,
            description="Longitude, degrees east (WGS84)",
        ),
        Column(
            "lat_deg",
            "float",
            minimum=-90,
            maximum=90,
            description="Latitude, degrees north (WGS84)",
        ),
        Column(
            "elevation_m",
            "float",
            minimum=-500,
            maximum=9000,
            description="Ground or sea elevation, m",
        ),
        Column("role", "str", max_length=_TEXT),
        Column("coord_source", "str", max_length=_TEXT),
        Column("coord_confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "systems.csv": (
        Column("system_id", "id"),
        Column("kind", "choice", choices=SYSTEM_KINDS),
        Column("name", "str", max_length=80),
        Column("description", "str", max_length=_TEXT),
        Column("source", "str", max_length=_TEXT),
    ),
    "parameters.csv": (
        Column("system_id", "id"),
        Column("parameter", "id"),
        Column("unit", "str", max_length=12),
        Column(
            "low", "float", minimum=0, maximum=1e6, description="Value in the low-capability case"
        ),
        Column("nominal", "float", minimum=0, maximum=1e6),
        Column(
            "high", "float", minimum=0, maximum=1e6, description="Value in the high-capability case"
        ),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("note", "str", required=False, max_length=_TEXT),
    ),
    "deployments.csv": (
        Column("deployment_id", "id"),
        Column("site_id", "id"),
        Column("system_id", "id"),
        Column(
            "phase",
            "int",
            required=False,
            minimum=1,
            maximum=4,
            description="EPAA phase 1-4; empty if none",
        ),
        Column("planned_from_year", "int", required=False, minimum=2009, maximum=2040),
        Column("planned_until_year", "int", required=False, minimum=2009, maximum=2040),
        Column("built_from", "date", required=False, minimum=1950, maximum=2040),
        Column("built_until", "date", required=False, minimum=1950, maximum=2040),
        Column("boresight_deg", "float", required=False, minimum=0, maximum=360),
        Column("interceptor_count", "int", required=False, minimum=0, maximum=1000),
        Column("presence", "choice", choices=PRESENCES),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "events.csv": (
        Column("date", "date", minimum=1950, maximum=2040),
        Column("title", "str", max_length=_TEXT),
        Column("phase", "int", required=False, minimum=1, maximum=4),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
    ),
    "early_warning_radars.csv": (
        Column("radar_id", "id"),
        Column("name", "str", max_length=120),
        Column("country_iso3", "str", max_length=3),
        Column("radar_type", "str", max_length=80),
        Column("lon_deg", "float", minimum=-180, maximum=180),
        Column("lat_deg", "float", minimum=-90, maximum=90),
        Column(
            "az_min_deg",
            "float",
            minimum=0,
            maximum=360,
            description="Sector start, degrees clockwise from north",
        ),
        Column(
            "az_max_deg",
            "float",
            minimum=0,
            maximum=360,
            description="Sector end (clockwise from az_min_deg)",
        ),
        Column("range_km_low", "float", minimum=1, maximum=20_000),
        Column("range_km_nominal", "float", minimum=1, maximum=20_000),
        Column("range_km_high", "float", minimum=1, maximum=20_000),
        Column("active_from_year", "int", minimum=1950, maximum=2040),
        Column("active_until_year", "int", required=False, minimum=1950, maximum=2040),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "launch_points.csv": (
        Column("point_id", "id"),
        Column("name", "str", max_length=120),
        Column("area", "str", max_length=60),
        Column("lon_deg", "float", minimum=-180, maximum=180),
        Column("lat_deg", "float", minimum=-90, maximum=90),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "phases.csv": (
        Column("phase", "int", minimum=1, maximum=4),
        Column("planned_year", "int", minimum=2009, maximum=2040),
        Column("planned_content", "str", max_length=_TEXT),
        Column("planned_interceptor", "str", max_length=40),
        Column("threat_class", "str", max_length=40),
        Column("built_date", "date", required=False, minimum=2009, maximum=2040),
        Column("built_note", "str", max_length=_TEXT),
        Column("cancelled_date", "date", required=False, minimum=2009, maximum=2040),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
    ),
    "scenarios.csv": (
        Column("scenario_id", "choice", choices=ALTERNATIVE_SCENARIOS),
        Column("label", "str", max_length=60, description="Readable name shown in menus"),
        Column("basis", "str", max_length=120, description="Who proposed it, when"),
        Column("description", "str", max_length=_TEXT),
        Column("years_basis", "str", max_length=_TEXT, description="Why these years"),
        Column("years_confidence", "choice", choices=CONFIDENCES),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "alternatives.csv": (
        Column("deployment_id", "id"),
        Column("scenario_id", "choice", choices=ALTERNATIVE_SCENARIOS),
        Column("site_id", "id"),
        Column("system_id", "id"),
        Column(
            "from_year",
            "int",
            minimum=2009,
            maximum=2040,
            description="First year the element would have been operational (hypothetical)",
        ),
        Column("until_year", "int", required=False, minimum=2009, maximum=2040),
        Column("boresight_deg", "float", required=False, minimum=0, maximum=360),
        Column("interceptor_count", "int", required=False, minimum=0, maximum=1000),
        Column("presence", "choice", choices=PRESENCES),
        Column("years_source", "str", max_length=_TEXT),
        Column("years_confidence", "choice", choices=CONFIDENCES),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
        Column(
            "site_name",
            "str",
            required=False,
            max_length=120,
            description="The site's name in this scenario where sites.csv's belongs to another "
            "system (Redzikowo's 2007 silo field is not Aegis Ashore); empty: sites.csv's",
        ),
    ),
    "scenario_early_warning.csv": (
        Column("scenario_id", "choice", choices=ALTERNATIVE_SCENARIOS),
        Column("radar_id", "id", description="An early_warning_radars.csv radar"),
        Column("role", "str", max_length=_TEXT, description="What the scenario uses it for"),
        Column("from_year", "int", minimum=2007, maximum=2040),
        Column("until_year", "int", required=False, minimum=2007, maximum=2040),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
        Column("notes", "str", required=False, max_length=_TEXT),
    ),
    "outages.csv": (
        Column("deployment_id", "id", description="A deployments.csv row taken offline"),
        Column("offline_from", "date", minimum=2009, maximum=2040),
        Column(
            "offline_until",
            "date",
            minimum=2009,
            maximum=2040,
            description="Back in service on this date",
        ),
        Column("stand_in", "str", required=False, max_length=_TEXT),
        Column("reason", "str", max_length=_TEXT),
        Column("source", "str", max_length=_TEXT),
        Column("confidence", "choice", choices=CONFIDENCES),
    ),
    "nato_members.csv": (
        Column("iso3", "str", max_length=3),
        Column("name", "str", max_length=80),
        Column("joined_year", "int", minimum=1949, maximum=2040),
        Column(
            "joined_date",
            "date",
            required=False,
            minimum=1949,
            maximum=2040,
            description="Date of accession, in joined_year (Google Earth's time slider)",
        ),
        Column("in_europe", "bool"),
        Column("source", "str", max_length=_TEXT),
    ),
}
#: Key of each table: one column, or columns that are unique together.
_UNIQUE: dict[str, str | tuple[str, ...]] = {
    "parameters.csv": ("system_id", "parameter"),
    "sites.csv": "site_id",
    "systems.csv": "system_id",
    "deployments.csv": "deployment_id",
    "early_warning_radars.csv": "radar_id",
    "launch_points.csv": "point_id",
    "nato_members.csv": "iso3",
    "phases.csv": "phase",
    "events.csv": ("date", "title"),
    "scenarios.csv": "scenario_id",
    "alternatives.csv": "deployment_id",
    "scenario_early_warning.csv": ("scenario_id", "radar_id"),
    "outages.csv": ("deployment_id", "offline_from"),
}


def read_table(
    name: str, *, text: str | None = None, data_dir: Path = DATA_DIR, source: str | None = None
) -> tuple[pd.DataFrame, list[DataProblem]]:
    """Read and validate one table by its file name.

    Parameters
    ----------
    name
        File name, a key of ``SCHEMAS`` (e.g. ``"sites.csv"``).
    text
        CSV text to validate instead of the bundled file (user uploads).
    data_dir
        Folder holding the bundled files.
    source
        Name used in messages; defaults to ``data/<name>``.
    """
    label = source or f"data/{name}"
    return read_validated(
        label,
        SCHEMAS[name],
        path=data_dir / name,
        text=text,
        unique=_UNIQUE.get(name),
        min_rows=1,
    )


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Validated, cross-checked tables. Treat as read-only: it may be shared between users."""

    sites: pd.DataFrame
    systems: pd.DataFrame
    parameters: pd.DataFrame
    deployments: pd.DataFrame
    events: pd.DataFrame
    early_warning_radars: pd.DataFrame
    launch_points: pd.DataFrame
    nato_members: pd.DataFrame
    phases: pd.DataFrame
    label: str = "sourced catalogue"
    custom_site_ids: frozenset[str] = field(default_factory=frozenset)
    scenarios: pd.DataFrame = field(default_factory=pd.DataFrame)
    alternatives: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario_early_warning: pd.DataFrame = field(default_factory=pd.DataFrame)
    outages: pd.DataFrame = field(default_factory=pd.DataFrame)

    @cached_property
    def digest(self) -> str:
        """Content hash, used as a cache key by the dashboard."""
        h = hashlib.sha256()
        for frame in (
            self.sites,
            self.systems,
            self.parameters,
            self.deployments,
            self.alternatives,
            self.outages,
        ):
            h.update(frame.to_csv(index=False).encode())
        h.update(",".join(sorted(self.custom_site_ids)).encode())
        return h.hexdigest()[:16]

    @cached_property
    def _parameter_values(self) -> dict[tuple[str, str, str], float]:
        p = self.parameters
        return {
            (s, n, e): float(v)
            for e in ESTIMATES
            for s, n, v in zip(p.system_id, p.parameter, p[e], strict=True)
        }

    def parameter(self, system_id: str, name: str, estimate: Estimate = "nominal") -> float:
        """Value of one parameter for a system in the given capability case."""
        if estimate not in ESTIMATES:
            raise ValueError(f"estimate={estimate!r} is not one of {ESTIMATES}")
        try:
            return self._parameter_values[(system_id, name, estimate)]
        except KeyError:
            raise KeyError(
                f"no parameter {name!r} for system {system_id!r} in data/parameters.csv"
            ) from None

    @cached_property
    def _parameter_rows(self) -> dict[tuple[str, str], int]:
        p = self.parameters
        first: dict[tuple[str, str], int] = {}
        for i, key in enumerate(zip(p.system_id, p.parameter, strict=True)):
            first.setdefault(key, i)
        return first

    def parameter_row(self, system_id: str, name: str) -> pd.Series:
        """The full parameters.csv row (low, nominal, high, source, confidence, note)."""
        i = self._parameter_rows.get((system_id, name))
        if i is None:
            raise KeyError(f"no parameter {name!r} for system {system_id!r} in data/parameters.csv")
        return self.parameters.iloc[i]

    def system(self, system_id: str) -> pd.Series:
        """The systems.csv row of one system."""
        return self.systems.set_index("system_id").loc[system_id]

    def nato_members_in(self, year: int | None, *, europe_only: bool = True) -> frozenset[str]:
        """ISO3 codes of NATO members at the end of ``year`` (``None``: every member listed).

        Kept per catalogue, year and ``europe_only`` (a map, its headline and its metrics ask
        several times per state).
        """
        return _members_in(self, year, europe_only)


@lru_cache(maxsize=256)
def _members_in(catalogue: Catalogue, year: int | None, europe_only: bool) -> frozenset[str]:
    m = catalogue.nato_members
    if year is not None:
        m = m[m.joined_year <= year]
    if europe_only:
        m = m[m.in_europe]
    return frozenset(m.iso3)


def cross_check(tables: Mapping[str, pd.DataFrame], label: str = "data") -> list[DataProblem]:
    """Problems in the references between tables (unknown ids, missing parameters, bad ranges)."""
    problems: list[DataProblem] = []
    sites, systems = tables["sites.csv"], tables["systems.csv"]
    params, deps = tables["parameters.csv"], tables["deployments.csv"]
    site_ids = set(sites.site_id)
    kinds = dict(zip(systems.system_id, systems.kind, strict=True))
    p_src = f"{label}/parameters.csv"
    # itertuples renames fields that start with '_', so the line number is read as ``line``.
    for row in params.rename(columns={"_line": "line"}).itertuples():
        if row.system_id not in kinds:
            problems.append(
                DataProblem(
                    p_src,
                    row.line,
                    "system_id",
                    row.system_id,
                    "unknown system id; known: " + ", ".join(sorted(kinds)),
                )
            )
            continue
        lo, nom, hi = row.low, row.nominal, row.high
        if not (lo <= nom <= hi or lo >= nom >= hi):
            problems.append(
                DataProblem(
                    p_src,
                    row.line,
                    "nominal",
                    str(nom),
                    f"must lie between low ({lo:g}) and high ({hi:g})",
                )
            )
        spec = REQUIRED_PARAMETERS[kinds[row.system_id]].get(row.parameter)
        if spec is not None:
            unit, vmin, vmax = spec
            for case in ("low", "nominal", "high"):
                v = getattr(row, case)
                if not vmin <= v <= vmax:
                    problems.append(
                        DataProblem(
                            p_src,
                            row.line,
                            case,
                            f"{v:g}",
                            f"{row.parameter} must be from {vmin:g} to {vmax:g} {unit}",
                        )
                    )
    have = set(zip(params.system_id, params.parameter, strict=True))
    for sid, kind in kinds.items():
        for pname in REQUIRED_PARAMETERS[kind]:
            if (sid, pname) not in have:
                problems.append(
                    DataProblem(
                        p_src,
                        None,
                        "parameter",
                        pname,
                        f"required for {kind} system {sid!r} but missing",
                    )
                )
    d_src = f"{label}/deployments.csv"
    # Each radar's nominal field of view, its first row if several (one lookup, not a filter
    # of the whole table per deployment).
    fov_nominal: dict[str, float] = {}
    for sid, pname, nominal in zip(params.system_id, params.parameter, params.nominal, strict=True):
        if pname == "azimuth_fov_deg":
            fov_nominal.setdefault(sid, float(nominal))
    for row in deps.rename(columns={"_line": "line"}).itertuples():
        if row.site_id not in site_ids:
            problems.append(
                DataProblem(
                    d_src,
                    row.line,
                    "site_id",
                    row.site_id,
                    "unknown site id; known: " + ", ".join(sorted(site_ids)),
                )
            )
        if row.system_id not in kinds:
            problems.append(
                DataProblem(
                    d_src,
                    row.line,
                    "system_id",
                    row.system_id,
                    "unknown system id; known: " + ", ".join(sorted(kinds)),
                )
            )
        elif kinds[row.system_id] == "radar":
            fov = fov_nominal.get(row.system_id)
            if fov is not None and fov < 360 and pd.isna(row.boresight_deg):
                problems.append(
                    DataProblem(
                        d_src,
                        row.line,
                        "boresight_deg",
                        "",
                        "required for a sector radar (field of view < 360°): 0 to 360",
                    )
                )
        if pd.isna(row.planned_from_year) and (row.built_from is None or pd.isna(row.built_from)):
            problems.append(
                DataProblem(
                    d_src,
                    row.line,
                    "planned_from_year",
                    "",
                    "a deployment needs planned_from_year, built_from or both",
                )
            )
        if (
            not pd.isna(row.planned_until_year)
            and not pd.isna(row.planned_from_year)
            and row.planned_until_year < row.planned_from_year
        ):
            problems.append(
                DataProblem(
                    d_src,
                    row.line,
                    "planned_until_year",
                    str(row.planned_until_year),
                    f"must not be before planned_from_year ({row.planned_from_year})",
                )
            )
        if row.built_until and row.built_from and str(row.built_until) < str(row.built_from):
            problems.append(
                DataProblem(
                    d_src,
                    row.line,
                    "built_until",
                    str(row.built_until),
                    f"must not be before built_from ({row.built_from})",
                )
            )
    problems += _check_alternatives(tables, label, site_ids, kinds)
    problems += _check_accessions(tables, label)
    return problems


def _check_alternatives(
    tables: Mapping[str, pd.DataFrame], label: str, site_ids: set[str], kinds: Mapping[str, str]
) -> list[DataProblem]:
    """References of the alternative scenarios and outages (absent tables are skipped)."""
    problems: list[DataProblem] = []
    alts = tables.get("alternatives.csv")
    deps = tables["deployments.csv"]
    if alts is not None:
        a_src = f"{label}/alternatives.csv"
        taken = set(deps.deployment_id)
        for row in alts.rename(columns={"_line": "line"}).itertuples():
            for col, value, known in (
                ("site_id", row.site_id, site_ids),
                ("system_id", row.system_id, set(kinds)),
            ):
                if value not in known:
                    problems.append(
                        DataProblem(
                            a_src,
                            row.line,
                            col,
                            value,
                            "unknown id; known: " + ", ".join(sorted(known)),
                        )
                    )
            if row.deployment_id in taken:
                problems.append(
                    DataProblem(
                        a_src,
                        row.line,
                        "deployment_id",
                        row.deployment_id,
                        "already used in deployments.csv: ids are unique across both files",
                    )
                )
            if not pd.isna(row.until_year) and row.until_year < row.from_year:
                problems.append(
                    DataProblem(
                        a_src,
                        row.line,
                        "until_year",
                        str(row.until_year),
                        f"must not be before from_year ({row.from_year})",
                    )
                )
        scen = tables.get("scenarios.csv")
        if scen is not None:
            for sid in sorted(set(ALTERNATIVE_SCENARIOS) - set(scen.scenario_id)):
                problems.append(
                    DataProblem(
                        f"{label}/scenarios.csv", None, "scenario_id", sid, "a row is required"
                    )
                )
            for sid in sorted(set(ALTERNATIVE_SCENARIOS) - set(alts.scenario_id)):
                problems.append(
                    DataProblem(a_src, None, "scenario_id", sid, "needs at least one deployment")
                )
    ew = tables.get("scenario_early_warning.csv")
    radars = tables.get("early_warning_radars.csv")
    if ew is not None and radars is not None:
        known = set(radars.radar_id)
        for row in ew.rename(columns={"_line": "line"}).itertuples():
            if row.radar_id not in known:
                problems.append(
                    DataProblem(
                        f"{label}/scenario_early_warning.csv",
                        row.line,
                        "radar_id",
                        row.radar_id,
                        "unknown early-warning radar; known: " + ", ".join(sorted(known)),
                    )
                )
    outages = tables.get("outages.csv")
    if outages is not None:
        o_src = f"{label}/outages.csv"
        dep_ids = set(deps.deployment_id)
        for row in outages.rename(columns={"_line": "line"}).itertuples():
            if row.deployment_id not in dep_ids:
                problems.append(
                    DataProblem(
                        o_src, row.line, "deployment_id", row.deployment_id, "unknown deployment id"
                    )
                )
            if parse_date(str(row.offline_until)) <= parse_date(str(row.offline_from)):
                problems.append(
                    DataProblem(
                        o_src,
                        row.line,
                        "offline_until",
                        str(row.offline_until),
                        f"must be after offline_from ({row.offline_from})",
                    )
                )
    return problems


def _check_accessions(tables: Mapping[str, pd.DataFrame], label: str) -> list[DataProblem]:
    """Each NATO member's date of accession (optional) lies in its ``joined_year``."""
    problems: list[DataProblem] = []
    members = tables.get("nato_members.csv")
    if members is not None and "joined_date" in members.columns:
        for row in members.rename(columns={"_line": "line"}).itertuples():
            date = row.joined_date
            if isinstance(date, str) and date and parse_date(date).year != int(row.joined_year):
                problems.append(
                    DataProblem(
                        f"{label}/nato_members.csv",
                        row.line,
                        "joined_date",
                        date,
                        f"a date in joined_year ({row.joined_year})",
                    )
                )
    return problems


def load_catalogue(
    data_dir: Path = DATA_DIR, *, overrides: Mapping[str, str] | None = None
) -> Catalogue:
    """Load, validate and cross-check every table.

    Parameters
    ----------
    data_dir
        Folder with the CSV files.
    overrides
        File name to CSV text, replacing that bundled table (used for what-if edits; the files
        on disk are never written).

    Raises
    ------
    DataError
        With every problem found, each naming file, line, column, value and what is allowed.
    """
    tables: dict[str, pd.DataFrame] = {}
    problems: list[DataProblem] = []
    for name in SCHEMAS:
        text = None if overrides is None else overrides.get(name)
        frame, found = read_table(name, text=text, data_dir=data_dir)
        tables[name] = frame
        problems += found
    if problems:
        raise DataError(problems)
    problems = cross_check(tables, label="data")
    if problems:
        raise DataError(problems)
    # Typed columns for the optional integers (pandas would otherwise hold floats and None).
    deps = tables["deployments.csv"].copy()
    for col in ("phase", "planned_from_year", "planned_until_year", "interceptor_count"):
        deps[col] = pd.array(deps[col], dtype="Int64")
    deps["boresight_deg"] = pd.to_numeric(deps["boresight_deg"])
    ew = tables["early_warning_radars.csv"].copy()
    ew["active_until_year"] = pd.array(ew["active_until_year"], dtype="Int64")
    alts = tables["alternatives.csv"].copy()
    for col in ("until_year", "interceptor_count"):
        alts[col] = pd.array(alts[col], dtype="Int64")
    alts["boresight_deg"] = pd.to_numeric(alts["boresight_deg"])
    sew = tables["scenario_early_warning.csv"].copy()
    sew["until_year"] = pd.array(sew["until_year"], dtype="Int64")
    return Catalogue(
        sites=tables["sites.csv"],
        systems=tables["systems.csv"],
        parameters=tables["parameters.csv"],
        deployments=deps,
        events=tables["events.csv"],
        early_warning_radars=ew,
        launch_points=tables["launch_points.csv"],
        nato_members=tables["nato_members.csv"],
        phases=tables["phases.csv"],
        scenarios=tables["scenarios.csv"],
        alternatives=alts,
        scenario_early_warning=sew,
        outages=tables["outages.csv"],
    )


@lru_cache(maxsize=1)
def data_date(data_dir: Path = DATA_DIR) -> dt.date:
    """Latest date in the bundled catalogue (events, deployments, phases): the images' data date."""
    dates: list[str] = []
    for name, cols in (
        ("events.csv", ("date",)),
        ("deployments.csv", ("built_from", "built_until")),
        ("phases.csv", ("built_date",)),
    ):
        frame, _ = read_table(name, data_dir=data_dir)
        for col in cols:
            if col in frame.columns:
                dates += [v for v in frame[col] if isinstance(v, str) and v]
    parsed = [parse_date(v) for v in dates]
    if not parsed:
        raise ValueError("no dates found in data/events.csv, deployments.csv or phases.csv")
    return max(parsed)
