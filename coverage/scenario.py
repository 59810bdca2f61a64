"""Year + scenario + estimate (+ query) -> physics inputs: what is deployed when, resolved once.

A scenario is ``"planned"`` (the September 2009 plan, with the 2011 Rota decision), ``"actual"``
(as built) or one of the alternative architectures of the NATO-Russia debate
(:data:`ALTERNATIVES`: the 2007 third site, the CBO 2009 options, Putin's 2007 offer), whose
elements count from the hypothetical year data/alternatives.csv gives them. An asset counts in a
year when it was in place at any time in that year (for ``actual``: built on or before 31
December and not withdrawn before 1 January); ``FootprintOptions.on_date`` asks for one day of
the as-built record instead (outages in data/outages.csv then count).

:func:`resolve` is the one place that turns catalogue rows into the specs of
:mod:`coverage.physics` (launch points, threat, radars, interceptor sites, assumptions); the
result, a :class:`Setup`, is frozen and hashable, so the engine's caches key on it.
Errors name fields (``launch_area=...``), never command-line flags.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from coverage.catalogue.analysis import (
    boost_values,
    detection_value,
    load_capabilities,
    load_cooperation,
    load_threats,
)
from coverage.catalogue.basemap import countries
from coverage.catalogue.memo import shared_result
from coverage.catalogue.schema import parse_date
from coverage.catalogue.tables import (
    ALTERNATIVE_SCENARIOS,
    BASELINE_SCENARIOS,
    ESTIMATES,
    SCENARIO_IDS,
    Catalogue,
    Estimate,
)
from coverage.physics import radar as radar_mod
from coverage.physics.ballistics import SHAPES, FlightProfile, Shape, unit_vectors
from coverage.physics.checks import check_range
from coverage.physics.engagement import EngagementAssumptions, InterceptorSite, ThreatSpec
from coverage.physics.flyout import (
    SPEED_BASES,
    FlyoutSpec,
    QuotedFigures,
    SpeedBasis,
    flyout_spec_from_parameters,
)
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.physics.threat_flight import BoostProgramme

__all__ = [
    "MAP_FREE_QUERY_FIELDS",
    "DESIGN_CASE_WORDS",
    "ALL_IRAN",
    "GRID_DOMAINS",
    "ALTERNATIVES",
    "BASELINES",
    "PLAN_LAST_YEAR",
    "alternative_info",
    "scenario_early_warning",
    "FIRST_YEAR",
    "FLYOUT_MODELS",
    "SPEED_BASES",
    "CAPABILITY_SETTINGS",
    "capability_available",
    "capability_date",
    "describe_capabilities",
    "describe_cooperation",
    "early_warning_active",
    "early_warning_spec",
    "engage_on_remote_words",
    "cooperation_labels",
    "cooperation_radar_ids",
    "cooperation_short_labels",
    "cooperation_idle_radars",
    "cooperation_title",
    "cue_sources",
    "shares_tracks",
    "warning_radars_for",
    "describe_detection",
    "describe_flyout",
    "describe_threat_flight",
    "describe_elevation_masks",
    "describe_threat_options",
    "boost_programme",
    "class_for_range_m",
    "thrust_termination_words",
    "threat_boost_class",
    "detection_assumptions",
    "DetectionAssumptions",
    "LAST_YEAR",
    "SCENARIOS",
    "SCENARIO_LABELS",
    "DefenceQuery",
    "FootprintOptions",
    "LaunchPoint",
    "PhaseStatus",
    "Scenario",
    "Setup",
    "deployed",
    "nearest_year_in_place",
    "deployed_for",
    "events_in",
    "flyout_spec_for",
    "intercept_ceiling_m",
    "interceptor_ids",
    "quoted_flyout_figures",
    "interceptor_sites",
    "launch_area_label",
    "launch_area_names",
    "own_radar_row",
    "phase_status",
    "radar_spec",
    "radars_for",
    "resolve",
    "resolve_launch_area",
    "resolve_threat",
    "threat_label",
    "threat_spec",
]

Scenario = Literal[
    "planned", "actual", "third_site", "cbo_sea", "cbo_land_sm3", "cbo_land_kei", "putin_2007"
]
#: Interceptor fly-out: the fact sheet's gravity-free reach D(t), or the point-mass integration.
FlyoutModel = Literal["reach_formula", "point_mass"]
FLYOUT_MODELS: tuple[FlyoutModel, ...] = ("reach_formula", "point_mass")
#: A dated capability: by its date in data/capabilities.csv, or forced on or off.
Capability = Literal["by_date", "on", "off"]
CAPABILITY_SETTINGS: tuple[Capability, ...] = ("by_date", "on", "off")

SCENARIOS: tuple[Scenario, ...] = SCENARIO_IDS  # type: ignore[assignment]
#: The 2009 plan and the record: the two scenarios of data/deployments.csv.
BASELINES: tuple[Scenario, ...] = BASELINE_SCENARIOS  # type: ignore[assignment]
#: Alternative architectures (data/scenarios.csv, data/alternatives.csv).
ALTERNATIVES: tuple[Scenario, ...] = ALTERNATIVE_SCENARIOS  # type: ignore[assignment]

#: Readable names (menus, titles, exports); data/scenarios.csv describes the alternatives.
SCENARIO_LABELS = {
    "planned": "as planned (2009)",
    "actual": "as built",
    "third_site": "Third Site (Bush plan 2007)",
    "cbo_sea": "CBO 2009: SM-3 on Aegis ships",
    "cbo_land_sm3": "CBO 2009: land SM-3 in Germany and Türkiye",
    "cbo_land_kei": "CBO 2009: land KEI in Germany and Türkiye",
    "putin_2007": "Putin's offer (2007)",
}
#: The years the dashboard and the series cover: the plan's 2011-2020 frame and what came after.
FIRST_YEAR, LAST_YEAR = 2011, 2026
#: Last year of the 2009 plan (Phase 4, 2020); later years are "after the plan".
PLAN_LAST_YEAR = 2020
ALL_IRAN = "all-iran"

_DESIGN_MARGIN_M = 50_000.0


@dataclass(frozen=True)
class FootprintOptions:
    """Everything that decides the footprints of one map state.

    Attributes
    ----------
    year
        Calendar year, 2009 to 2040.
    scenario
        ``"planned"`` (2009 plan) or ``"actual"`` (as built).
    estimate
        Capability case of every parameter: ``"low"``, ``"nominal"`` or ``"high"``.
    target_alt_km
        Target altitude for radar footprints, km (0 to 5,000).
    target_rcs_m2
        Target radar cross-section, m²; ranges scale as σ^¼ from the 1 m² reference.
    k_factor
        Effective-Earth factor for the radar footprints' horizon: 1 (default), straight rays on
        the round Earth, as the engine detects (data/detection.csv ``exo_k_factor``): right for
        the default 300 km target, whose ray leaves the refracting layer near the radar; 4/3
        (standard refraction) describes a ray that stays low, to a target inside the atmosphere.
    min_elevation_deg
        Elevation mask for every radar, degrees (an override); ``None``: each radar type's own
        mask (data/parameters.csv, data/detection.csv).
    include_occasional
        Include occasional presence (Black Sea patrols) in ``actual``.
    exclude_sites
        Site ids left out of the year's deployments: a deployment choice made visible (for
        example ``north_sea``, the 2009 plan's station, or ``rota``, destroyers in port).
    on_date
        One day of the as-built record instead of the whole year (``None``, default: anything
        in place at any time in ``year``). Must fall in ``year``; only with ``"actual"``. On a
        date, outages count (data/outages.csv: Deveselu Apr-Aug 2019, with THAAD standing in).
    """

    year: int
    scenario: Scenario = "actual"
    estimate: Estimate = "nominal"
    target_alt_km: float = 300.0
    target_rcs_m2: float = 1.0
    k_factor: float = 1.0
    min_elevation_deg: float | None = None
    include_occasional: bool = False
    exclude_sites: frozenset[str] = frozenset()
    on_date: dt.date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.exclude_sites, frozenset):
            object.__setattr__(self, "exclude_sites", frozenset(self.exclude_sites))
        if not (isinstance(self.year, int) and 2009 <= self.year <= 2040):
            raise ValueError(f"year={self.year!r} is outside the allowed range 2009..2040")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario={self.scenario!r} is not one of {', '.join(SCENARIOS)}")
        if self.on_date is not None:
            if not isinstance(self.on_date, dt.date) or self.on_date.year != self.year:
                shown = (
                    self.on_date.isoformat() if isinstance(self.on_date, dt.date) else self.on_date
                )
                raise ValueError(f"on_date={shown!r} must be a date in the year {self.year}")
            if self.scenario != "actual":
                raise ValueError(
                    f"on_date={self.on_date.isoformat()!r} applies to the as-built record only "
                    f"(scenario='actual'), not scenario={self.scenario!r}"
                )
        if self.estimate not in ESTIMATES:
            raise ValueError(f"estimate={self.estimate!r} is not one of {', '.join(ESTIMATES)}")
        if not (math.isfinite(self.target_alt_km) and 0.0 <= self.target_alt_km <= 5000.0):
            raise ValueError(
                f"target_alt_km={self.target_alt_km!r} is outside the allowed range 0..5000"
            )
        self.radar_assumptions()  # validates RCS, k-factor and mask

    def radar_assumptions(self) -> radar_mod.RadarAssumptions:
        """The radar assumptions these options imply."""
        return radar_mod.RadarAssumptions(
            target_rcs_m2=self.target_rcs_m2,
            k_factor=self.k_factor,
            min_elevation_deg=self.min_elevation_deg,
        )


def _year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def deployed(
    catalogue: Catalogue,
    year: int,
    scenario: Scenario,
    *,
    include_occasional: bool = False,
    exclude_sites: frozenset[str] = frozenset(),
    on_date: dt.date | None = None,
) -> pd.DataFrame:
    """Deployments in place in ``year`` under ``scenario``, joined with their site and system.

    Returns one row per deployment with the site's position and the system's kind and name.
    Sites in ``exclude_sites`` are left out (a deployment choice: e.g. the 2009 plan's North
    Sea station, or destroyers in port at Rota counted as a standing BMD site).

    An alternative scenario takes its rows from data/alternatives.csv (``from_year`` to
    ``until_year``) plus the user's what-if sites (by their planned year), so the what-if
    panel can start from any scenario. With ``on_date`` (as built only) a deployment counts
    when it was in service on that day: built, not withdrawn and not offline
    (data/outages.csv).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario={scenario!r} is not one of {', '.join(SCENARIOS)}")
    unknown = sorted(set(exclude_sites) - set(catalogue.sites.site_id))
    if unknown:
        raise ValueError(
            f"exclude_sites={unknown!r} are not sites; known: {', '.join(catalogue.sites.site_id)}"
        )
    d = catalogue.deployments
    if scenario in ALTERNATIVES:
        d = _alternative_rows(catalogue, scenario)
    d = d[~d.site_id.isin(exclude_sites)]
    if scenario != "actual":
        start = d.planned_from_year
        mask = start.notna() & (start.fillna(9999) <= year)
        mask &= d.planned_until_year.isna() | (d.planned_until_year.fillna(0) >= year)
    else:
        built = d.built_from.map(lambda s: parse_date(s) if isinstance(s, str) else None)
        until = d.built_until.map(lambda s: parse_date(s) if isinstance(s, str) else None)
        if on_date is None:
            mask = built.map(lambda b: b is not None and b <= _year_end(year))
            mask &= until.map(lambda u: u is None or u.year >= year)
        else:
            mask = built.map(lambda b: b is not None and b <= on_date)
            mask &= until.map(lambda u: u is None or u >= on_date)
            mask &= ~d.deployment_id.isin(_offline_on(catalogue, on_date))
        if not include_occasional:
            mask &= d.presence != "occasional"
    rows = d[mask.astype(bool)]
    sites = catalogue.sites.drop(columns=["_line", "notes"]).rename(
        columns={"name": "site_name", "kind": "site_kind"}
    )
    systems = catalogue.systems[["system_id", "kind", "name"]].rename(
        columns={"name": "system_name"}
    )
    out = rows.merge(sites, on="site_id", how="left").merge(systems, on="system_id", how="left")
    if "site_name_here" in out.columns:
        here = out.pop("site_name_here")
        out["site_name"] = here.fillna(out.site_name)
    return out.reset_index(drop=True)


def _alternative_rows(catalogue: Catalogue, scenario: Scenario) -> pd.DataFrame:
    """An alternative's rows in the layout of deployments.csv (years as planned years)."""
    alt = catalogue.alternatives
    if alt.empty:
        raise ValueError(
            f"scenario={scenario!r}: this catalogue has no alternative architectures "
            "(data/alternatives.csv)"
        )
    alt = alt[alt.scenario_id == scenario]
    rows = pd.DataFrame(
        {
            "deployment_id": alt.deployment_id,
            "site_id": alt.site_id,
            "system_id": alt.system_id,
            "phase": pd.array([None] * len(alt), dtype="Int64"),
            "planned_from_year": pd.array(alt.from_year, dtype="Int64"),
            "planned_until_year": alt.until_year,
            "built_from": None,
            "built_until": None,
            "boresight_deg": alt.boresight_deg,
            "interceptor_count": alt.interceptor_count,
            "presence": alt.presence,
            "source": alt.source,
            "confidence": alt.confidence,
            "notes": [
                f"{n + '. ' if isinstance(n, str) and n else ''}Year: {y} ({c})"
                for n, y, c in zip(alt.notes, alt.years_source, alt.years_confidence, strict=True)
            ],
            # The site's name in this scenario, where sites.csv's is another system's.
            "site_name_here": alt.site_name if "site_name" in alt.columns else None,
        }
    )
    custom = catalogue.deployments[catalogue.deployments.site_id.isin(catalogue.custom_site_ids)]
    return pd.concat([rows, custom[[c for c in rows.columns if c in custom.columns]]]).reset_index(
        drop=True
    )


def _offline_on(catalogue: Catalogue, on_date: dt.date) -> set[str]:
    """Deployment ids offline on ``on_date`` (from ``offline_from`` up to ``offline_until``)."""
    out = catalogue.outages
    if out.empty:
        return set()
    return {
        str(did)
        for did, a, b in zip(out.deployment_id, out.offline_from, out.offline_until, strict=True)
        if parse_date(str(a)) <= on_date < parse_date(str(b))
    }


def alternative_info(catalogue: Catalogue, scenario: Scenario) -> pd.Series | None:
    """The data/scenarios.csv row of an alternative (``None`` for the plan and the record)."""
    if scenario not in ALTERNATIVES or catalogue.scenarios.empty:
        return None
    rows = catalogue.scenarios[catalogue.scenarios.scenario_id == scenario]
    return None if rows.empty else rows.iloc[0]


@shared_result(maxsize=32)
def scenario_early_warning(catalogue: Catalogue, scenario: Scenario, year: int) -> pd.DataFrame:
    """Russian early-warning radars a scenario uses as sensors in ``year`` (data, for the engine).

    Rows of data/scenario_early_warning.csv joined with data/early_warning_radars.csv
    (position, sector, ranges). :func:`warning_radars_for` makes them the engine's
    early-warning sensors.
    """
    sew = catalogue.scenario_early_warning
    if sew.empty:
        return sew
    rows = sew[(sew.scenario_id == scenario) & (sew.from_year <= year)]
    rows = rows[rows.until_year.isna() | (rows.until_year.fillna(0) >= year)]
    radars = catalogue.early_warning_radars.drop(columns=["_line", "source", "confidence", "notes"])
    return rows.drop(columns=["_line"]).merge(radars, on="radar_id", how="left")


@functools.lru_cache(maxsize=1)
def _cooperation_columns() -> dict[str, tuple[str, ...]]:
    """data/cooperation.csv's ids, labels and short labels, read once (every query checks ids)."""
    table = load_cooperation()
    return {c: tuple(str(v) for v in table[c]) for c in ("cooperation_id", "label", "short_label")}


def cooperation_labels() -> dict[str, str]:
    """Cooperation scenario id -> label (data/cooperation.csv), ``nato_alone`` first."""
    table = _cooperation_columns()
    return dict(zip(table["cooperation_id"], table["label"], strict=True))


def cooperation_short_labels() -> dict[str, str]:
    """Cooperation scenario id -> short words for titles and legends (data/cooperation.csv)."""
    table = _cooperation_columns()
    return dict(zip(table["cooperation_id"], table["short_label"], strict=True))


def cooperation_idle_radars(
    catalogue: Catalogue, cooperation_id: str, in_use: Collection[str]
) -> pd.DataFrame:
    """Rows of data/early_warning_radars.csv a cooperation scenario names but a state leaves idle.

    ``in_use``: the state's early-warning sensors (:func:`warning_radars_for`'s ids). A named
    radar is idle when it is not in service that year, unless the architecture itself keeps it
    (Gabala past 2012 in Putin's offer, data/scenario_early_warning.csv).
    """
    ew = catalogue.early_warning_radars.set_index("radar_id")
    ids = [r for r in cooperation_radar_ids(cooperation_id) if r not in in_use and r in ew.index]
    return ew.loc[ids].reset_index()  # in the scenario's order


def cooperation_title(catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery) -> str:
    """The state's cooperation scenario in a title's words, saying which of its radars are idle.

    E.g. ``"with Gabala and Armavir data (Putin 2007; Gabala closed 2012)"`` for 2016 as built:
    the offer's name stays (it is the scenario's), but a map of 2016 titled "with Gabala" read
    as if Gabala's data were used that year (a new user). Radars not yet in service say "from".
    """
    words = cooperation_short_labels()[query.cooperation]
    in_use = {i for i, _ in warning_radars_for(catalogue, options, query)}
    idle = [
        f"{str(r.name).split(' (')[0]} "
        + (
            f"from {int(r.active_from_year)}"
            if r.active_from_year > options.year
            else f"closed {int(r.active_until_year)}"
        )
        for r in cooperation_idle_radars(catalogue, query.cooperation, in_use).itertuples()
    ]
    if not idle:
        return words
    note = ", ".join(idle)
    return f"{words[:-1]}; {note})" if words.endswith(")") else f"{words} ({note})"


def cooperation_radar_ids(cooperation_id: str) -> list[str]:
    """The early-warning radar ids a cooperation scenario names (data/cooperation.csv)."""
    radars = load_cooperation().set_index("cooperation_id").at[cooperation_id, "radars"]
    return str(radars).split() if isinstance(radars, str) else []


def early_warning_active(ew: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of early_warning_radars.csv active at any time in ``year``."""
    return ew[
        (ew.active_from_year <= year)
        & (ew.active_until_year.isna() | (ew.active_until_year.fillna(0) >= year))
    ]


def warning_radars_for(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> tuple[tuple[str, radar_mod.RadarSpec], ...]:
    """``(radar_id, RadarSpec)`` of the early-warning radars that act as sensors in this state.

    Those of the scenario itself (data/scenario_early_warning.csv, e.g. Putin's 2007 offer) and
    those of the query's cooperation scenario (data/cooperation.csv) that are active in the
    year (data/early_warning_radars.csv). The published ranges refer to
    ``ew_reference_rcs_m2`` and the arrays stand ``ew_array_height_m`` high (data/detection.csv,
    both assumptions).
    """
    ew = catalogue.early_warning_radars
    ids = list(scenario_early_warning(catalogue, options.scenario, options.year).radar_id)
    named = cooperation_radar_ids(query.cooperation)
    unknown = sorted(set(named) - set(ew.radar_id))
    if unknown:
        raise ValueError(
            f"data/cooperation.csv, row {query.cooperation!r}, field 'radars': {unknown} are "
            f"not radars of data/early_warning_radars.csv; allowed: {', '.join(ew.radar_id)}"
        )
    active = set(early_warning_active(ew, options.year).radar_id)
    ids += [r for r in named if r in active and r not in ids]
    est = options.estimate
    rows = ew.set_index("radar_id").loc[ids].reset_index().itertuples(index=False)
    return tuple(
        (
            str(r.radar_id),
            early_warning_spec(
                r,
                est,
                height_m=detection_value("ew_array_height_m", est),
                reference_rcs_m2=detection_value("ew_reference_rcs_m2", est),
                min_elevation_deg=detection_value("ew_min_elevation_deg", est),
            ),
        )
        for r in rows
    )


def early_warning_spec(
    row: Any,
    estimate: Estimate,
    *,
    height_m: float,
    reference_rcs_m2: float = 1.0,
    min_elevation_deg: float | None = None,
) -> radar_mod.RadarSpec:
    """The :class:`RadarSpec` of one early_warning_radars.csv row (a named tuple).

    The sector runs clockwise from ``az_min_deg`` to ``az_max_deg``; the range is the
    ``estimate`` case's published range, against ``reference_rcs_m2``.
    """
    width = (row.az_max_deg - row.az_min_deg) % 360.0 or 360.0
    return radar_mod.RadarSpec(
        lon_deg=float(row.lon_deg),
        lat_deg=float(row.lat_deg),
        height_m=height_m,
        range_m=float(getattr(row, f"range_km_{estimate}")) * 1000.0,
        reference_rcs_m2=reference_rcs_m2,
        boresight_deg=(row.az_min_deg + width / 2.0) % 360.0,
        fov_deg=width,
        min_elevation_deg=min_elevation_deg,
    )


def describe_cooperation(
    setup_ids: tuple[str, ...], query: DefenceQuery, names: Mapping[str, str] | None = None
) -> str:
    """Words for the early-warning sensors in force (empty for NATO alone without any).

    ``names`` (radar id -> name, data/early_warning_radars.csv) names the radars in words;
    without it they are named by id.
    """
    if not setup_ids:
        return (
            "NATO sensors only"
            if query.cooperation == "nato_alone"
            else f"{cooperation_labels()[query.cooperation]}: no listed radar active this year"
        )
    role = (
        "their tracks alone commit interceptors (an option)"
        if query.warning_commits
        else "they cue NATO's radars and start the clock; a NATO radar must hold the track "
        "before launch"
    )
    radars = ", ".join((names or {}).get(i, i) for i in setup_ids)
    return f"Russian early-warning radars as sensors ({radars}): {role}"


def radar_spec(catalogue: Catalogue, row: pd.Series, estimate: Estimate) -> radar_mod.RadarSpec:
    """The :class:`RadarSpec` of one deployed radar (a row of :func:`deployed`)."""
    sid = row["system_id"]
    fov = catalogue.parameter(sid, "azimuth_fov_deg", estimate)
    boresight = row.get("boresight_deg")
    return radar_mod.RadarSpec(
        lon_deg=float(row["lon_deg"]),
        lat_deg=float(row["lat_deg"]),
        height_m=float(row["elevation_m"]) + catalogue.parameter(sid, "antenna_height_m", estimate),
        range_m=catalogue.parameter(sid, "range_km", estimate) * 1000.0,
        reference_rcs_m2=catalogue.parameter(sid, "reference_rcs_m2", estimate),
        boresight_deg=None if boresight is None or pd.isna(boresight) else float(boresight),
        fov_deg=fov,
        min_elevation_deg=catalogue.parameter(sid, "min_elevation_deg", estimate),
    )


@dataclass(frozen=True)
class PhaseStatus:
    """Which EPAA phase a year falls in, and a banner text for it."""

    phase: int | None
    banner: str
    detail: str


def phase_status(catalogue: Catalogue, year: int, scenario: Scenario) -> PhaseStatus:
    """Phase banner for a year: "Phase 2 — 2015 plan" or "Phase 2 as built — ... 12 May 2016".

    The year itself is the title's (the banner does not repeat it); a planned year after its
    phase's says which phase it is ("Phase 3 — 2018 plan, the latest phase due by 2019").
    """
    if scenario in ALTERNATIVES:
        return _alternative_status(catalogue, year, scenario)
    status = _baseline_status(catalogue, year, scenario)
    if year > PLAN_LAST_YEAR:
        return replace(
            status,
            banner=f"{status.banner} · after the 2011-{PLAN_LAST_YEAR} plan",
            # As built, the banner's "after the 2011-2020 plan" says it: the detail is the
            # record's alone. At 1280x720 the detail has two lines, and a sentence after it
            # ("The 2009 plan was to end with Phase 4 in 2020; the years after it show what
            # was built since.") was cut in 2021-2024 (session 35's note).
            detail=status.detail
            if scenario != "planned"
            else f"{status.detail} The 2009 plan ended in {PLAN_LAST_YEAR}; "
            "later years keep its last phase.",
        )
    return status


def _alternative_status(catalogue: Catalogue, year: int, scenario: Scenario) -> PhaseStatus:
    """Banner of an alternative: what is in place and why these years.

    Its name and the year are the title's ("... — 2014, Third Site (Bush plan 2007)"), as a
    phase's year is: the banner does not repeat them.
    """
    info = alternative_info(catalogue, scenario)
    if info is None:
        return PhaseStatus(
            None, "Alternative architecture", "No description in data/scenarios.csv."
        )
    deps = deployed(catalogue, year, scenario)
    first = catalogue.alternatives[catalogue.alternatives.scenario_id == scenario].from_year.min()
    state = (
        f"Not yet in place (from {int(first)}, hypothetical)"
        if deps.empty
        else f"Hypothetical, as if built ({len(deps)} element{'s' if len(deps) != 1 else ''} "
        "in place)"
    )
    assumed = (
        " Years are an ASSUMPTION (Low confidence): "
        if info.years_confidence == "Assumption"
        else f" Years ({info.years_confidence} confidence): "
    )
    return PhaseStatus(
        None,
        state,
        f"{info.description} ({info.basis}).{assumed}{info.years_basis}.",
    )


def _baseline_status(catalogue: Catalogue, year: int, scenario: Scenario) -> PhaseStatus:
    ph = catalogue.phases.sort_values("phase")
    if scenario == "planned":
        reached = ph[ph.planned_year <= year]
        if reached.empty:
            return PhaseStatus(None, "Before Phase 1 (2009 plan)", "Phase 1 was planned for 2011.")
        p = reached.iloc[-1]
        note = (
            f" (cancelled {_fmt_date(p.cancelled_date)}; shown as planned)"
            if isinstance(p.cancelled_date, str)
            else ""
        )
        # A year after the phase's own: the phase in force, the latest one due by then.
        due = (
            f", the latest phase due by {year}"
            if int(p.planned_year) < year <= PLAN_LAST_YEAR
            else ""
        )
        return PhaseStatus(
            int(p.phase),
            f"Phase {int(p.phase)} — {int(p.planned_year)} plan{note}{due}",
            f"{p.planned_content}; interceptor {p.planned_interceptor}; against {p.threat_class}.",
        )
    done = ph[ph.built_date.map(lambda s: isinstance(s, str) and parse_date(s) <= _year_end(year))]
    nxt = ph[~ph.phase.isin(done.phase)]
    # A phase due by the year and not built is late, unless it was cancelled by then: Phase 4
    # (2020) was cancelled on 15 Mar 2013 and read "not yet built" in 2020-2026 (a trial).
    due_by = [row for row in nxt.to_dict("records") if row["planned_year"] <= year]
    cancelled = [
        row
        for row in due_by
        if isinstance(row["cancelled_date"], str)
        and parse_date(row["cancelled_date"]) <= _year_end(year)
    ]
    late = [
        f"Phase {int(row['phase'])} (planned {int(row['planned_year'])})"
        for row in due_by
        if row not in cancelled
    ]
    late_txt = ("; not yet built: " + ", ".join(late)) if late else ""
    late_txt += "".join(
        f"; Phase {int(row['phase'])} ({int(row['planned_year'])}) cancelled "
        f"{_fmt_date(row['cancelled_date'])}"
        for row in cancelled
    )
    if done.empty:
        return PhaseStatus(
            None,
            "As built: Phase 1 elements arriving",
            f"Phase 1 declared {_fmt_date(ph.iloc[0].built_date)}{late_txt}.",
        )
    p = done.iloc[-1]
    return PhaseStatus(
        int(p.phase),
        f"Phase {int(p.phase)} as built — {_fmt_date(p.built_date)}",
        f"{p.built_note}{late_txt}.",
    )


def _fmt_date(text: str | None) -> str:
    if not isinstance(text, str) or not text:
        return ""
    parts = text.split("-")
    d = parse_date(text)
    if len(parts) == 3:
        return f"{d.day} {d:%b %Y}"
    return f"{d:%b %Y}" if len(parts) == 2 else f"{d.year}"


def events_in(catalogue: Catalogue, year: int) -> pd.DataFrame:
    """Timeline events dated in ``year`` (date, title, phase, source), oldest first."""
    ev = catalogue.events
    mask = ev.date.map(lambda s: parse_date(s).year == year)
    return (
        ev[mask][["date", "title", "phase", "source", "confidence"]]
        .sort_values("date")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- launch area and threat


def launch_area_names(catalogue: Catalogue) -> list[str]:
    """Names accepted as a launch area: point ids, area names and ``all-iran``."""
    lp = catalogue.launch_points
    return [*lp.point_id, *dict.fromkeys(lp.area), ALL_IRAN]


@shared_result(maxsize=128)
def resolve_launch_area(catalogue: Catalogue, name: str) -> pd.DataFrame:
    """Return the launch points a name stands for (kept per catalogue and name).

    A name is a point id or name (``tabriz``), an area (``NW Iran``) or ``all-iran``.

    Matching ignores case and surrounding spaces.

    Raises
    ------
    ValueError
        For an unknown name, listing the accepted names.
    """
    lp = catalogue.launch_points
    key = str(name).strip().casefold()
    if key in (ALL_IRAN, "all iran", "all"):
        rows = lp
    else:
        rows = lp[lp.point_id.str.casefold() == key]
        if rows.empty:
            rows = lp[lp.name.str.casefold() == key]
        if rows.empty:
            rows = lp[lp.area.str.casefold() == key]
    if rows.empty:
        raise ValueError(
            f"launch_area={name!r} is not known; allowed: "
            + ", ".join(launch_area_names(catalogue))
        )
    return rows.reset_index(drop=True)


def resolve_threat(threat: str) -> pd.Series:
    """Return the threats.csv row for a threat id (``mrbm_sejjil``) or class (``MRBM``)."""
    table = load_threats()
    key = str(threat).strip()
    rows = table[table.threat_id.str.casefold() == key.casefold()]
    if rows.empty:
        rows = table[
            (table.threat_class.str.casefold() == key.casefold()) & table.class_default.astype(bool)
        ]
    if rows.empty:
        classes = table[table.class_default.astype(bool)].threat_class
        allowed = list(dict.fromkeys([*table.threat_id, *classes]))
        raise ValueError(f"threat={threat!r} is not known; allowed: {', '.join(allowed)}")
    return rows.iloc[0]


@functools.lru_cache(maxsize=1)
def _threat_names() -> dict[str, str]:
    table = load_threats()
    return dict(zip(table.threat_id, table.name, strict=True))


#: The design-case threat in words, before its reach (:func:`threat_label`).
DESIGN_CASE_WORDS = "the design-case threat"


def threat_label(threat_id: str, range_km: float | None = None) -> str:
    """A threat in words: its name from data/threats.csv (the id itself if it has none).

    The design case has no fixed range (it is computed to reach all of NATO Europe from the
    launch area); ``range_km`` adds that computed range.
    """
    if threat_id == "design_case":
        reach = "reaches all of NATO Europe"
        if range_km is not None:
            reach += f", {range_km:,.0f} km"
        return f"{DESIGN_CASE_WORDS} ({reach})"
    names = _threat_names()
    if threat_id in names:
        return names[threat_id]
    try:  # a class (``MRBM``) stands for its default threat
        return str(resolve_threat(threat_id)["name"])
    except ValueError:
        return threat_id


@shared_result(maxsize=128)
def launch_area_label(catalogue: Catalogue, name: str) -> str:
    """A launch point, area or ``all-iran`` in words.

    ``tabriz`` → ``"Tabriz (NW Iran)"``; ``"W Iran"`` → ``"W Iran (Kermanshah, Khorramabad)"``;
    ``all-iran`` → ``"anywhere in Iran (worst of 6 points)"``.
    """
    points = resolve_launch_area(catalogue, name)
    if len(points) == 1:
        return f"{points.name.iloc[0]} ({points.area.iloc[0]})"
    if len(points) == len(catalogue.launch_points):
        return f"anywhere in Iran (worst of {len(points)} points)"
    return f"{name} ({', '.join(points.name)})"


@functools.lru_cache(maxsize=4)
def _nato_vertices(iso3: tuple[str, ...]) -> NDArray[np.float64]:
    geoms = countries("europe")
    parts = shapely.get_parts(geoms.geometry.values[geoms.iso3.isin(iso3).to_numpy()])
    # The farthest point of a part from a distant launch point lies on its boundary; the convex
    # hull's vertices (in lon/lat, parts are small) are enough and ten times fewer.
    coords = shapely.get_coordinates(shapely.convex_hull(parts))
    return unit_vectors(coords[:, 0], coords[:, 1])


def _design_range_m(catalogue: Catalogue, points: pd.DataFrame) -> float:
    iso3 = tuple(sorted(catalogue.nato_members_in(9999)))
    verts = _nato_vertices(iso3)
    far = 0.0
    for lo, la in zip(points.lon_deg, points.lat_deg, strict=True):
        cosang = np.clip(verts @ unit_vectors(lo, la), -1.0, 1.0)
        far = max(far, float(np.arccos(cosang.min())) * EARTH_RADIUS_M)
    return math.ceil((far + _DESIGN_MARGIN_M) / 10_000.0) * 10_000.0


#: US DoD range classes (fact sheet §3.3): upper bound of each class, m.
_CLASS_BOUNDS_M = (("SRBM", 1_000_000.0), ("MRBM", 3_000_000.0), ("IRBM", 5_500_000.0))


def class_for_range_m(ground_range_m: float) -> str:
    """US DoD class of a missile by ground range (fact sheet §3.3).

    SRBM below 1,000 km, MRBM below 3,000 km, IRBM below 5,500 km, ICBM beyond.
    """
    for name, bound in _CLASS_BOUNDS_M:
        if ground_range_m < bound:
            return name
    return "ICBM"


def boost_programme(threat_class: str, estimate: str = "nominal") -> BoostProgramme:
    """The boost programme of a missile class from ``data/threat_boost.csv``."""
    v = boost_values(threat_class, estimate)
    return BoostProgramme(
        burn_time_s=v["burn_time_s"],
        vertical_rise_s=v["vertical_rise_s"],
        burned_fraction=v["burned_fraction"],
        pitch_exponent=v["pitch_exponent"],
        min_thrust_to_weight=v["min_thrust_to_weight"],
    )


def thrust_termination_words(programme: BoostProgramme) -> str:
    """The thrust-termination rule of a programme, in words."""
    if programme.min_thrust_to_weight is None:
        return "no thrust-termination rule (short shots on long burns are refused)"
    return (
        f"a shot whose full burn would need a lift-off thrust-to-weight below "
        f"{programme.min_thrust_to_weight:g} cuts its thrust off early on a motor of that "
        "thrust-to-weight (thrust-termination rule, an assumption in data/threat_boost.csv)"
    )


def threat_spec(
    catalogue: Catalogue,
    threat: str,
    launch_points: pd.DataFrame,
    *,
    profile: FlightProfile | None = None,
    range_case: Estimate = "nominal",
    boost: bool = False,
    rotation: bool = False,
    boost_case: Estimate = "nominal",
) -> ThreatSpec:
    """Return the :class:`ThreatSpec` for a threats.csv row and launch points.

    Fixed-range threats use ``range_km_<range_case>``. The ``design_case`` threat's range is the
    farthest NATO-Europe territory (all European members in data/nato_members.csv) from any of
    the launch points, plus 50 km, rounded up to 10 km.

    With ``boost`` the threat flies the powered boost of its class (data/threat_boost.csv,
    ``boost_case`` column; the design case takes the DoD class of its computed range); with
    ``rotation`` it flies on the rotating Earth.
    """
    row = resolve_threat(threat)
    profile = profile or FlightProfile()
    if row.range_rule == "reach_nato_europe":
        range_m = _design_range_m(catalogue, launch_points)
    else:
        if range_case not in ("low", "nominal", "high"):
            raise ValueError(f"range_case={range_case!r} is not one of low, nominal, high")
        range_m = float(row[f"range_km_{range_case}"]) * 1000.0
    min_range = max(50_000.0, profile.burnout_range_m + 10_000.0)
    return ThreatSpec(
        max_range_m=range_m,
        profile=profile,
        min_range_m=min(min_range, range_m),
        threat_id=row.threat_id,
        boost=boost_programme(threat_boost_class(row, range_m), boost_case) if boost else None,
        rotation=rotation,
    )


def threat_boost_class(row: pd.Series, range_m: float) -> str:
    """The missile class whose boost a threats.csv row flies (the design case: by its range)."""
    cls = str(row.threat_class)
    return cls if cls in ("SRBM", "MRBM", "IRBM", "ICBM") else class_for_range_m(range_m)


def describe_threat_options(query: DefenceQuery) -> str:
    """Short words for the threat's boost and rotation choices (no catalogue needed)."""
    boost = (
        f"powered boost of its class ({query.boost_case}; thrust cut off early for short shots)"
        if query.boost
        else "no boost (burnout at the surface)"
    )
    return f"threat with {boost}, {'rotating' if query.rotation else 'non-rotating'} Earth"


def describe_threat_flight(setup_threat: ThreatSpec, query: DefenceQuery) -> str:
    """Words for how the threat flies in the engine: boost (class, case, rule) and rotation."""
    b = setup_threat.boost
    if b is None:
        boost = "no boost phase (burnout at the surface at lift-off)"
    else:
        boost = (
            f"powered boost of {b.burn_time_s:g} s ({query.boost_case} case), programme solved "
            f"per target; {thrust_termination_words(b)}"
        )
    earth = (
        "rotating Earth (targets and sensors Earth-fixed)"
        if setup_threat.rotation
        else "non-rotating Earth"
    )
    return f"{boost}; {earth}"


# --------------------------------------------------------------------------- deployed sensors and sites


def nearest_year_in_place(catalogue: Catalogue, year: int, scenario: Scenario) -> int | None:
    """The year of FIRST_YEAR-LAST_YEAR nearest ``year`` with anything of ``scenario`` in place.

    ``year`` itself when something is; the later of two equally near; None when the scenario
    has nothing in place in any year (the user's what-if sites count, by their planned year).
    A CBO 2009 option asked for 2016 has nothing before 2018 and would draw an empty map at
    0 % (session 40's trial: "choosing a scenario keeps the year").
    """
    order = sorted(range(FIRST_YEAR, LAST_YEAR + 1), key=lambda y: (abs(y - year), -y))
    return next((y for y in order if not deployed(catalogue, y, scenario).empty), None)


def deployed_for(catalogue: Catalogue, options: FootprintOptions) -> pd.DataFrame:
    """:func:`deployed` for ``options``, cached per catalogue object (treat as read-only).

    Kept per what decides the deployments (year, scenario, occasional presence, excluded
    sites, date), so a new estimate or radar assumption reuses the year's table.
    """
    return _deployed_cached(catalogue, *_deployment_key(options))


def _deployment_key(
    options: FootprintOptions,
) -> tuple[int, Scenario, bool, frozenset[str], dt.date | None]:
    """The fields of ``options`` that :func:`deployed` reads."""
    o = options
    return (o.year, o.scenario, o.include_occasional, o.exclude_sites, o.on_date)


@functools.lru_cache(maxsize=32)
def _deployed_cached(
    catalogue: Catalogue,
    year: int,
    scenario: Scenario,
    include_occasional: bool,
    exclude_sites: frozenset[str],
    on_date: dt.date | None,
) -> pd.DataFrame:
    return deployed(
        catalogue,
        year,
        scenario,
        include_occasional=include_occasional,
        exclude_sites=exclude_sites,
        on_date=on_date,
    )


def radars_for(
    catalogue: Catalogue, options: FootprintOptions
) -> tuple[tuple[str, radar_mod.RadarSpec], ...]:
    """``(deployment_id, RadarSpec)`` of every radar deployed under ``options``."""
    deps = deployed_for(catalogue, options)
    out = []
    for _, row in deps[deps.kind == "radar"].iterrows():
        out.append((str(row.deployment_id), radar_spec(catalogue, row, options.estimate)))
    return tuple(out)


def interceptor_sites(
    catalogue: Catalogue,
    options: FootprintOptions,
    *,
    cap_at_nominal_range: bool = True,
    flyout_model: FlyoutModel = "reach_formula",
    speed_basis: SpeedBasis = "ideal",
) -> tuple[InterceptorSite, ...]:
    """Return an :class:`InterceptorSite` per deployed interceptor (key = deployment id).

    Parameters come from data/parameters.csv in the ``options.estimate`` case. A site's own
    radar is a radar deployed at the same site in the same year.

    With ``cap_at_nominal_range`` (default) the fly-out distance is capped at the interceptor's
    nominal engagement range (``nominal_range_km``, the figure of the nominal rings). The
    fact-sheet reach D(t) has no end point: uncapped, an SM-3 IA (3 km/s) flying for 15 minutes
    against a long-range threat would reach ~2,600 km, far beyond its commonly cited ~700 km.
    The cap compares a 3-D distance with a ground range (a small, favourable approximation).

    ``flyout_model="point_mass"`` gives each site the point-mass fly-out of
    :mod:`coverage.physics.flyout` (gravity, drag, staged boost; ``speed_basis`` says how the
    quoted burnout speed is read) instead of the gravity-free reach formula.
    """
    if flyout_model not in FLYOUT_MODELS:
        raise ValueError(f"flyout_model={flyout_model!r} is not one of {', '.join(FLYOUT_MODELS)}")
    own_rows = _own_radar_rows(catalogue, *_deployment_key(options))
    out = []
    for row, own in own_rows:
        sid, est = row.system_id, options.estimate
        out.append(
            InterceptorSite(
                key=str(row.deployment_id),
                lon_deg=float(row.lon_deg),
                lat_deg=float(row.lat_deg),
                height_m=float(row.elevation_m),
                burnout_speed_mps=catalogue.parameter(sid, "burnout_velocity_kmps", est) * 1000.0,
                burn_time_s=catalogue.parameter(sid, "burn_time_s", est),
                min_alt_m=catalogue.parameter(sid, "min_intercept_alt_km", est) * 1000.0,
                max_alt_m=catalogue.parameter(sid, "max_intercept_alt_km", est) * 1000.0,
                max_reach_m=catalogue.parameter(sid, "nominal_range_km", est) * 1000.0
                if cap_at_nominal_range
                else None,
                own_radar=None if own is None else radar_spec(catalogue, own, options.estimate),
                flyout=flyout_spec_for(catalogue, sid, est, speed_basis=speed_basis)
                if flyout_model == "point_mass"
                else None,
                ceiling_m=intercept_ceiling_m(catalogue, sid, est),
            )
        )
    return tuple(out)


@functools.lru_cache(maxsize=32)
def _own_radar_rows(
    catalogue: Catalogue, *key: Any
) -> tuple[tuple[pd.Series, pd.Series | None], ...]:
    """Each deployed interceptor's row with its own radar's row (:func:`own_radar_row`).

    Kept per deployment (``key`` from :func:`_deployment_key`): the estimate does not change it.
    """
    deps = _deployed_cached(catalogue, *key)
    radar_rows = deps[deps.kind == "radar"]
    return tuple(
        (row, own_radar_row(radar_rows, row))
        for _, row in deps[deps.kind == "interceptor"].iterrows()
    )


def own_radar_row(radars: pd.DataFrame, interceptor: pd.Series) -> pd.Series | None:
    """The radar deployed with an interceptor: at its site, preferably in service with it.

    A site may hold two systems in one year (Deveselu 2019: Aegis Ashore's SPY-1 and, while it
    was offline, the THAAD battery's TPY-2): the radar with the interceptor's own dates
    (built and planned) is its fire-control radar; otherwise any radar at the site.
    """
    here = radars[radars.site_id == interceptor.site_id]
    if here.empty:
        return None
    for col in ("built_from", "built_until", "planned_from_year", "planned_until_year"):
        same = here[[str(_blank(v)) == str(_blank(interceptor[col])) for v in here[col]]]
        if not same.empty:
            here = same
    return here.iloc[0]


def _blank(value: object) -> object:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def intercept_ceiling_m(catalogue: Catalogue, system_id: str, estimate: Estimate) -> float | None:
    """The kill vehicle's enforced ceiling (``intercept_ceiling_km``), m; ``None`` if it has none.

    Only interceptors whose sources give an engagement ceiling set by the kill vehicle (THAAD,
    ~150 km) carry it; for the others the fly-out fan decides the highest point.
    """
    try:
        return catalogue.parameter(system_id, "intercept_ceiling_km", estimate) * 1000.0
    except KeyError:
        return None


# --------------------------------------------------------------------------- the query and its resolution


#: Target-grid domains of :class:`DefenceQuery` (see :mod:`coverage.products.grid`).
GRID_DOMAINS = ("europe", "wide")

#: The :class:`DefenceQuery` fields a map state does not carry (the map's grid and timeline are
#: fixed): ``MapState.from_query`` refuses them away from their defaults, the sweep's picture
#: resets them, and a command without their options leaves them at their defaults.
MAP_FREE_QUERY_FIELDS = ("sls_interval_s", "angle_offset_deg", "grid_km", "threat_range_case")


@dataclass(frozen=True)
class DefenceQuery:
    """What the defended layer is computed against (hashable: a cache key).

    Attributes
    ----------
    launch_area
        Launch point id, area name or ``all-iran`` (see :func:`launch_area_names`).
    threat
        Threat id or class from data/threats.csv (default ``design_case``).
    delay_s, launch_on_remote, shoot_look_shoot, sls_interval_s
        See :class:`EngagementAssumptions`.
    shape, angle_offset_deg
        Trajectory shape of the threat (see :class:`coverage.physics.ballistics.FlightProfile`).
    grid_km
        Target grid spacing, km (5 to 500; default 25).
    cap_at_nominal_range
        Cap the interceptor fly-out at its nominal engagement range: an asserted limit, not
        physics (default off; see :func:`interceptor_sites`).
    threat_range_case
        Which range estimate of a fixed-range threat to use.
    flyout_model
        ``"point_mass"`` (default: gravity, drag and staged boost integrated; see
        :mod:`coverage.physics.flyout`) or ``"reach_formula"`` (the fact sheet's gravity-free
        D(t), an upper bound kept for comparison).
    satellite_cueing
        ``"by_date"`` (default), ``"on"`` or ``"off"``: whether space-based launch warning cues
        the BMD radars. Cued, a radar searches a small window and reaches ``cued_range_factor``
        times farther (data/detection.csv), but not before the cue arrives
        (``satellite_cue_s``). The satellites give a cue, never a track.
    cooperation
        ``"nato_alone"`` (default) or a cooperation scenario of data/cooperation.csv: the
        Russian early-warning radars it names (those active in the year) act as sensors. Their
        tracks cue NATO's radars and start the clock; a NATO radar must hold the track before
        launch unless ``warning_commits``.
    warning_commits
        Let an early-warning track alone commit interceptors (default off: early-warning
        tracks are not of fire-control quality).
    domain
        The target grid's countries: ``"europe"`` (default: Europe without Russia, and
        Türkiye) or ``"wide"`` (also European Russia with Kaliningrad, Belarus, Ukraine,
        Moldova and the South Caucasus, data/regions.csv). One lattice: figures over NATO
        Europe are the same on both.
    rv_rcs_m2
        Radar cross-section the engine detects, m² (0.0001 to 100); ``None`` (default): the
        re-entry vehicle's value in data/detection.csv for the options' estimate. The map's
        radar footprints keep their own ``FootprintOptions.target_rcs_m2``.
    booster_rcs_m2
        Radar cross-section of the boosting missile, m² (0.0001 to 100), detected before
        burnout (with ``boost``); ``None`` (default): data/detection.csv's value for the
        options' estimate. Equal to the re-entry vehicle's: one RCS for the whole flight.
    boost_track_needs_warhead
        ``False`` (default, an assumption): a NATO radar's track begun on the boosting missile
        is held on the warhead after burnout. ``True``: it carries over only where the same
        radar sees the warhead at burnout; elsewhere the track starts at the radar's first
        sight of the warhead (:class:`coverage.physics.radar.RadarAssumptions`).
    refraction
        ``False`` (default): each radar's elevation mask is a geometric elevation. ``True``: it
        is the beam's apparent elevation and the atmosphere's refraction below the target is
        credited (data/detection.csv ``refraction_scale`` for the options' estimate;
        :func:`coverage.physics.radar.mask_refraction_rad`).
    engage_on_remote
        ``"by_date"`` (default: from its date in data/capabilities.csv for the scenario, Phase 3),
        ``"on"`` or ``"off"``: whether another sensor's track may guide an interceptor to the
        intercept (otherwise the site's own radar must see the intercept point).
    speed_basis
        With ``point_mass``: the quoted burnout speed read as the speed reached at burnout after
        gravity and drag losses (``"achieved"``, default: what a quoted burnout velocity is) or
        as the loss-free increment (``"ideal"``, a conservative reading).
    boost
        The threat flies a powered boost (default; :mod:`coverage.physics.threat_flight`, class
        parameters from data/threat_boost.csv). ``False``: burnout at the surface at lift-off.
    rotation
        The threat flies on the rotating Earth (default). ``False``: a non-rotating Earth.
    boost_case
        Column of data/threat_boost.csv used for the boost (default nominal).
    """

    launch_area: str
    threat: str = "design_case"
    delay_s: float = 60.0
    launch_on_remote: bool = True
    shoot_look_shoot: bool = False
    sls_interval_s: float = 75.0
    shape: Shape = "minimum_energy"
    angle_offset_deg: float = 10.0
    grid_km: float = 25.0
    cap_at_nominal_range: bool = False
    threat_range_case: Estimate = "nominal"
    flyout_model: FlyoutModel = "point_mass"
    speed_basis: SpeedBasis = "achieved"
    engage_on_remote: Capability = "by_date"
    satellite_cueing: Capability = "by_date"
    rv_rcs_m2: float | None = None
    cooperation: str = "nato_alone"
    warning_commits: bool = False
    domain: str = "europe"
    boost: bool = True
    rotation: bool = True
    boost_case: Estimate = "nominal"
    booster_rcs_m2: float | None = None
    boost_track_needs_warhead: bool = False
    refraction: bool = False

    def __post_init__(self) -> None:
        check_range("grid_km", self.grid_km, 5.0, 500.0, " km")
        if not isinstance(self.refraction, bool):
            raise ValueError(f"refraction={self.refraction!r} must be True or False")
        if self.boost_case not in ("low", "nominal", "high"):
            raise ValueError(f"boost_case={self.boost_case!r} is not one of low, nominal, high")
        allowed = _cooperation_columns()["cooperation_id"]
        if self.cooperation not in allowed:
            raise ValueError(
                f"cooperation={self.cooperation!r} is not known; allowed: {', '.join(allowed)}"
            )
        if self.domain not in GRID_DOMAINS:
            raise ValueError(f"domain={self.domain!r} is not one of {', '.join(GRID_DOMAINS)}")
        if self.shape not in SHAPES:
            raise ValueError(f"shape={self.shape!r} is not one of {', '.join(SHAPES)}")
        if self.flyout_model not in FLYOUT_MODELS:
            raise ValueError(
                f"flyout_model={self.flyout_model!r} is not one of {', '.join(FLYOUT_MODELS)}"
            )
        if self.rv_rcs_m2 is not None:
            check_range("rv_rcs_m2", self.rv_rcs_m2, 1e-4, 100.0, " m²")
        if self.booster_rcs_m2 is not None:
            check_range("booster_rcs_m2", self.booster_rcs_m2, 1e-4, 100.0, " m²")
        if self.satellite_cueing not in CAPABILITY_SETTINGS:
            raise ValueError(
                f"satellite_cueing={self.satellite_cueing!r} is not one of "
                f"{', '.join(CAPABILITY_SETTINGS)}"
            )
        if self.engage_on_remote not in CAPABILITY_SETTINGS:
            raise ValueError(
                f"engage_on_remote={self.engage_on_remote!r} is not one of "
                f"{', '.join(CAPABILITY_SETTINGS)}"
            )
        if self.speed_basis not in SPEED_BASES:
            raise ValueError(
                f"speed_basis={self.speed_basis!r} is not one of {', '.join(SPEED_BASES)}"
            )
        if self.threat_range_case not in ("low", "nominal", "high"):
            raise ValueError(
                f"threat_range_case={self.threat_range_case!r} is not one of low, nominal, high"
            )
        self.assumptions()
        self.profile()

    def assumptions(self, radar: radar_mod.RadarAssumptions | None = None) -> EngagementAssumptions:
        """Return the :class:`EngagementAssumptions` of this query."""
        return EngagementAssumptions(
            delay_s=self.delay_s,
            launch_on_remote=self.launch_on_remote,
            shoot_look_shoot=self.shoot_look_shoot,
            sls_interval_s=self.sls_interval_s,
            warning_commits=self.warning_commits,
            radar=radar or radar_mod.RadarAssumptions(),
        )

    def profile(self) -> FlightProfile:
        """Return the threat's :class:`FlightProfile`."""
        return FlightProfile(shape=self.shape, angle_offset_deg=self.angle_offset_deg)


@dataclass(frozen=True)
class LaunchPoint:
    """One candidate launch point (a row of data/launch_points.csv)."""

    point_id: str
    name: str
    area: str
    lon_deg: float
    lat_deg: float


@dataclass(frozen=True)
class Setup:
    """The physics inputs of one state, resolved once from the catalogue (hashable: a cache key).

    Attributes
    ----------
    options, query
        What was asked.
    launch_points
        The launch points ``query.launch_area`` stands for.
    threat
        The threat (its ``max_range_m`` is the computed range for ``design_case``).
    radar_ids, radars
        Deployment ids and specs of the radars deployed under ``options``, in the same order.
    sites
        Interceptor sites deployed under ``options`` (key = deployment id).
    assumptions
        Engagement timeline and radar assumptions.
    mask_words
        The elevation masks in force, in words (:func:`describe_elevation_masks`).
    """

    options: FootprintOptions
    query: DefenceQuery
    launch_points: tuple[LaunchPoint, ...]
    threat: ThreatSpec
    radar_ids: tuple[str, ...]
    radars: tuple[radar_mod.RadarSpec, ...]
    sites: tuple[InterceptorSite, ...]
    assumptions: EngagementAssumptions
    warning_ids: tuple[str, ...] = ()
    warning_radars: tuple[radar_mod.RadarSpec, ...] = ()
    warning_names: tuple[str, ...] = ()
    mask_words: str = field(default="", compare=False)

    @property
    def shares_tracks(self) -> bool:
        """Whether the BMD radars share their tracks (launch on remote, more than one radar)."""
        return shares_tracks(self.assumptions.launch_on_remote, len(self.radars))

    @property
    def cue_sources(self) -> tuple[str, ...]:
        """What can cue the BMD radars' search in this state, in words (empty: nothing can)."""
        return cue_sources(
            self.assumptions.cue_time_s is not None,
            bool(self.warning_radars),
            self.assumptions.launch_on_remote,
            len(self.radars),
        )

    def launch_frame(self) -> pd.DataFrame:
        """The launch points as a table (``point_id, name, area, lon_deg, lat_deg``)."""
        return pd.DataFrame(
            [vars(p) for p in self.launch_points],
            columns=["point_id", "name", "area", "lon_deg", "lat_deg"],
        )

    @property
    def launch_lonlat(self) -> tuple[tuple[float, float], ...]:
        """``(lon_deg, lat_deg)`` of each launch point."""
        return tuple((p.lon_deg, p.lat_deg) for p in self.launch_points)


def shares_tracks(launch_on_remote: bool, n_radars: int) -> bool:
    """Whether one BMD radar's track cues the others: launch on remote, with another radar."""
    return launch_on_remote and n_radars > 1


def _launch_on_remote(query: DefenceQuery, options: FootprintOptions) -> bool:
    """Launch on remote as asked and in force in the options' year (data/capabilities.csv)."""
    return query.launch_on_remote and capability_available(
        "launch_on_remote", options.scenario, options.year
    )


def cue_sources(
    satellites: bool, warning_radars: bool, launch_on_remote: bool, n_radars: int
) -> tuple[str, ...]:
    """What can cue the BMD radars' search, in words (empty: nothing; the cued range is moot).

    The satellites' launch warning, an early-warning radar's warning, or, under launch on
    remote (whose link shares every radar's track), another BMD radar's track.
    """
    return tuple(
        words
        for on, words in (
            (satellites, "the satellites' launch warning"),
            (warning_radars, "an early-warning radar's warning"),
            (shares_tracks(launch_on_remote, n_radars), "another BMD radar's shared track"),
        )
        if on
    )


def resolve(catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery) -> Setup:
    """Turn a state into the physics inputs of the engagement kernel (the one place that does).

    Kept per catalogue and inputs; the delay is left out of the key (it only sets the
    assumptions' ``delay_s``), so a new delay does not look the catalogue up again.

    Raises
    ------
    ValueError
        For an unknown launch area or threat, naming the field and the allowed values.
    """
    base = _resolve(catalogue, options, replace(query, delay_s=_KEY_DELAY_S))
    return replace(base, query=query, assumptions=replace(base.assumptions, delay_s=query.delay_s))


#: The delay every cached :func:`_resolve` is computed with (any allowed value would do).
_KEY_DELAY_S = 60.0


@shared_result(maxsize=64)
def _resolve(catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery) -> Setup:
    points = resolve_launch_area(catalogue, query.launch_area)
    threat = threat_spec(
        catalogue,
        query.threat,
        points,
        profile=query.profile(),
        range_case=query.threat_range_case,
        boost=query.boost,
        rotation=query.rotation,
        boost_case=query.boost_case,
    )
    radar_items = radars_for(catalogue, options)
    warning_items = warning_radars_for(catalogue, options, query)
    detection = detection_assumptions(query, options)
    # A cued search needs a cue (cue_sources): without the satellites' there may still be one.
    launch_on_remote = _launch_on_remote(query, options)
    factor = detection.range_factor
    if not detection.cued and cue_sources(
        False, bool(warning_items), launch_on_remote, len(radar_items)
    ):
        factor = detection_value("cued_range_factor", options.estimate)
    sites = interceptor_sites(
        catalogue,
        options,
        cap_at_nominal_range=query.cap_at_nominal_range,
        flyout_model=query.flyout_model,
        speed_basis=query.speed_basis,
    )
    ew_names = dict(
        zip(
            catalogue.early_warning_radars.radar_id,
            catalogue.early_warning_radars.name,
            strict=True,
        )
    )
    return Setup(
        options=options,
        query=query,
        launch_points=tuple(
            LaunchPoint(
                str(r.point_id), str(r.name), str(r.area), float(r.lon_deg), float(r.lat_deg)
            )
            for r in points.itertuples(index=False)
        ),
        threat=threat,
        radar_ids=tuple(i for i, _ in radar_items),
        radars=tuple(r for _, r in radar_items),
        sites=sites,
        warning_ids=tuple(i for i, _ in warning_items),
        warning_radars=tuple(r for _, r in warning_items),
        warning_names=tuple(str(ew_names.get(i, i)) for i, _ in warning_items),
        mask_words=describe_elevation_masks(catalogue, options),
        assumptions=replace(
            query.assumptions(detection.radar),
            cue_time_s=detection.cue_time_s,
            cued_range_factor=factor,
            launch_on_remote=launch_on_remote,
            engage_on_remote=_setting(
                query.engage_on_remote, "engage_on_remote", options.scenario, options.year
            ),
        ),
    )


# --------------------------------------------------------------------------- interceptor fly-out


@functools.lru_cache(maxsize=64)
def flyout_spec_for(
    catalogue: Catalogue, system_id: str, estimate: Estimate = "nominal", **options: Any
) -> FlyoutSpec:
    """The :class:`~coverage.physics.flyout.FlyoutSpec` of one interceptor in one estimate.

    Parameters come from data/parameters.csv; ``options`` (e.g. ``speed_basis``) go to the spec.
    Kept per catalogue and arguments (a spec is immutable).

    Raises
    ------
    ValueError
        For a system that is not an interceptor with fly-out parameters, naming the allowed ids.
    """
    allowed = interceptor_ids(catalogue)
    if system_id not in allowed:
        raise ValueError(f"variant={system_id!r} is not known; allowed: {', '.join(allowed)}")
    params = catalogue.parameters[catalogue.parameters.system_id == system_id]
    values = dict(zip(params.parameter, params[estimate].astype(float), strict=True))
    return flyout_spec_from_parameters(values, **options)


@functools.lru_cache(maxsize=8)
def interceptor_ids(catalogue: Catalogue) -> tuple[str, ...]:
    """System ids of the interceptors that carry fly-out parameters (``stage_count``; kept)."""
    params = catalogue.parameters
    with_stages = set(params.system_id[params.parameter == "stage_count"])
    systems = catalogue.systems
    return tuple(s for s in systems.system_id[systems.kind == "interceptor"] if s in with_stages)


def quoted_flyout_figures(catalogue: Catalogue, system_id: str) -> QuotedFigures:
    """The sources' range and intercept-altitude figures (low-high), as checks of the model."""

    def pair(name: str) -> tuple[float, float] | None:
        try:
            row = catalogue.parameter_row(system_id, name)
        except KeyError:
            return None
        values = (float(row["low"]), float(row["high"]))
        return (min(values), max(values))

    return QuotedFigures(
        ground_range_km=pair("nominal_range_km"), max_altitude_km=pair("max_intercept_alt_km")
    )


# --------------------------------------------------------------------------- dated capabilities


@functools.lru_cache(maxsize=64)
def capability_date(capability: str, scenario: Scenario) -> dt.date:
    """The date a fire-control capability became (or was planned to become) available.

    Looked up once per capability and scenario (data/capabilities.csv is read once too).
    """
    table = load_capabilities()
    rows = table[(table.capability == capability) & (table.scenario == scenario)]
    if rows.empty:
        raise ValueError(
            f"capability={capability!r} has no {scenario} row in data/capabilities.csv; "
            f"known: {', '.join(dict.fromkeys(table.capability))}"
        )
    return parse_date(str(rows.available_from.iloc[0]))


def capability_available(capability: str, scenario: Scenario, year: int) -> bool:
    """Whether ``capability`` existed at any time in ``year`` (same rule as deployments)."""
    return capability_date(capability, scenario) <= _year_end(year)


def _setting(setting: Capability, capability: str, scenario: Scenario, year: int) -> bool:
    if setting == "by_date":
        return capability_available(capability, scenario, year)
    return setting == "on"


def _engage_on_remote_when(options: FootprintOptions) -> str:
    """Engage on remote's date in the scenario, in words: ``"10 Jul 2024"``, ``"2018"``."""
    date = capability_date("engage_on_remote", options.scenario)
    return f"{date.day} {date:%b %Y}" if date.month != 1 or date.day != 1 else f"{date.year}"


def engage_on_remote_words(query: DefenceQuery, options: FootprintOptions) -> str:
    """``"with engage on remote (assumed from 10 Jul 2024)"`` when in force, else ``""``.

    For beside the answer: whether another sensor's track may guide the intercept decides most
    of what a year with it defends (2024 as built from Tabriz: 92 % with it, 22 % without), and
    its date is an assumption tied to the phase (data/capabilities.csv). A journalist read
    2024's gain as Redzikowo's (session 38's trial); the words were only in the assumptions.
    """
    if not _setting(query.engage_on_remote, "engage_on_remote", options.scenario, options.year):
        return ""
    if query.engage_on_remote == "on":
        return "with engage on remote (forced on)"
    return f"with engage on remote (assumed from {_engage_on_remote_when(options)})"


def describe_capabilities(query: DefenceQuery, options: FootprintOptions) -> str:
    """Words for the dated capabilities in force: what, from when, and whether by date or forced."""
    when = _engage_on_remote_when(options)
    on = _setting(query.engage_on_remote, "engage_on_remote", options.scenario, options.year)
    if query.engage_on_remote == "by_date":
        state = "engage on remote" if on else "no engage on remote yet"
        return f"{state} (from {when}, {SCENARIO_LABELS[options.scenario]}, data/capabilities.csv)"
    return f"engage on remote forced {'on' if on else 'off'} (by date: from {when})"


@dataclass(frozen=True)
class DetectionAssumptions:
    """What the engine's radars detect and when (from data/detection.csv and the query)."""

    radar: radar_mod.RadarAssumptions
    cued: bool
    range_factor: float
    cue_time_s: float | None


def detection_assumptions(query: DefenceQuery, options: FootprintOptions) -> DetectionAssumptions:
    """The re-entry vehicle's RCS, exo-atmospheric refraction and satellite cueing in force."""
    est = options.estimate
    rcs = query.rv_rcs_m2 if query.rv_rcs_m2 is not None else detection_value("rv_rcs_m2", est)
    booster = (
        query.booster_rcs_m2
        if query.booster_rcs_m2 is not None
        else detection_value("booster_rcs_m2", est)
    )
    cued = _setting(query.satellite_cueing, "satellite_cueing", options.scenario, options.year)
    if query.refraction and options.min_elevation_deg is not None and options.min_elevation_deg < 0:
        raise ValueError(
            f"min_elevation_deg={options.min_elevation_deg:g} is below 0°: refraction at the "
            "mask is credited for masks of 0° or more; use a mask of 0° or more, or leave "
            "refraction off"
        )
    return DetectionAssumptions(
        radar=replace(
            options.radar_assumptions(),
            target_rcs_m2=rcs,
            k_factor=detection_value("exo_k_factor", est),
            # Without a boost phase the flight is the warhead's from lift-off.
            booster_rcs_m2=booster if query.boost else None,
            boost_track_needs_warhead=query.boost_track_needs_warhead,
            refraction_scale=detection_value("refraction_scale", est) if query.refraction else 0.0,
        ),
        cued=cued,
        range_factor=detection_value("cued_range_factor", est) if cued else 1.0,
        cue_time_s=detection_value("satellite_cue_s", est) if cued else None,
    )


def describe_elevation_masks(catalogue: Catalogue, options: FootprintOptions) -> str:
    """Words for the elevation masks in force: the override, or each radar type's own."""
    if options.min_elevation_deg is not None:
        return f"elevation mask {options.min_elevation_deg:g}° for every radar (an override)"
    est = options.estimate
    systems = catalogue.systems[catalogue.systems.kind == "radar"]
    by_mask: dict[float, list[str]] = {}
    for sid, name in zip(systems.system_id, systems.name, strict=True):
        by_mask.setdefault(catalogue.parameter(sid, "min_elevation_deg", est), []).append(
            str(name).split(" (")[0]
        )
    words = "; ".join(
        f"{mask:g}° ({', '.join(dict.fromkeys(names))})" for mask, names in sorted(by_mask.items())
    )
    ew = detection_value("ew_min_elevation_deg", est)
    return (
        f"elevation masks by radar type, {est} case: {words}; early-warning radars {ew:g}° "
        "(assumptions, data/parameters.csv and data/detection.csv)"
    )


def describe_detection(query: DefenceQuery, options: FootprintOptions) -> str:
    """Words for the engine's detection assumptions (RCS, cueing, refraction)."""
    d = detection_assumptions(query, options)
    rcs = d.radar.target_rcs_m2
    source = "" if query.rv_rcs_m2 is not None else f", {options.estimate} case"
    booster = d.radar.booster_rcs_m2
    if booster is None:
        text = f"re-entry vehicle RCS {rcs:g} m²{source}, for the whole flight (no boost phase)"
    elif booster == rcs:
        text = f"booster and re-entry vehicle RCS {rcs:g} m² (one RCS for the whole flight"
        text += f"; {_handover_words(d.radar)})" if d.radar.boost_track_needs_warhead else ")"
    else:
        b_source = "" if query.booster_rcs_m2 is not None else f", {options.estimate} case"
        text = (
            f"booster RCS {booster:g} m²{b_source} until burnout, "
            f"re-entry vehicle {rcs:g} m²{source} after it ({_handover_words(d.radar)})"
        )
    if d.cued:
        text += (
            f"; radars cued by satellite launch warning from {d.cue_time_s:g} s "
            f"(a cue, not a track), cued range ×{d.range_factor:g}"
        )
    else:
        text += "; no satellite cueing: radars search blind"
        others = [
            words
            for on, words in (
                (
                    _launch_on_remote(query, options),
                    "another radar's shared track (launch on remote)",
                ),
                (query.cooperation != "nato_alone", "an early-warning radar's warning"),
            )
            if on
        ]
        if others:
            factor = detection_value("cued_range_factor", options.estimate)
            text += f" until {' or '.join(others)} cues them (cued range ×{factor:g})"
    return text + "; " + describe_refraction(d.radar)


def describe_refraction(ra: radar_mod.RadarAssumptions) -> str:
    """Words for how the engine's radars treat refraction (the k-factor, the refracted mask)."""
    if ra.refraction_scale > 0.0:
        bend = math.degrees(radar_mod.mask_refraction_rad(2.0, 0.0, ra.refraction_scale))
        return (
            f"k = {ra.k_factor:g} for exo-atmospheric targets, elevation masks read as apparent "
            f"elevations: refraction credited (×{ra.refraction_scale:g} the ITU-R reference "
            f"atmosphere, {bend:.2f}° at a 2° mask at sea level; ITU-R P.619)"
        )
    return (
        f"k = {ra.k_factor:g} for exo-atmospheric targets, elevation masks read as geometric "
        "elevations (no refraction credited)"
    )


def _handover_words(ra: radar_mod.RadarAssumptions) -> str:
    """Whether a NATO radar's track begun on the booster is held on the warhead, in words."""
    if ra.boost_track_needs_warhead:
        return (
            "a track begun in boost counts only where the same radar sees the warhead at "
            "burnout, by choice"
        )
    return "a track begun in boost is held on the warhead, an assumption"


class FlyoutChoice(Protocol):
    """The fly-out fields a :class:`DefenceQuery` and the ICBM assumptions share."""

    @property
    def flyout_model(self) -> FlyoutModel: ...
    @property
    def speed_basis(self) -> SpeedBasis: ...
    @property
    def cap_at_nominal_range(self) -> bool: ...


def describe_flyout(query: FlyoutChoice) -> str:
    """Words for the fly-out model in force (model, how the burnout speed is read, the cap)."""
    model = (
        "by point-mass integration (gravity, drag, staged boost; burnout speed read as "
        f"{'reached after losses' if query.speed_basis == 'achieved' else 'loss-free increment'})"
        if query.flyout_model == "point_mass"
        else "by the gravity-free reach formula"
    )
    cap = (
        "capped at the quoted nominal range (an assertion)"
        if query.cap_at_nominal_range
        else "uncapped"
    )
    return f"{model}, {cap}"
