"""Defended areas: the engagement kernel run over the target grid, as maps and cells.

:func:`defended_grid` resolves a state once (:func:`coverage.scenario.resolve`), runs
:func:`coverage.physics.engagement.engage` over the grid cells and the cities of the grid's
countries (cached per identical physics inputs), and :func:`defended_layer` turns the result into
labelled EPSG:4326 polygons per interceptor site and their union.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from coverage.catalogue.distributions import load_distributions
from coverage.catalogue.tables import Catalogue
from coverage.physics import radar as radar_mod
from coverage.physics.engagement import (
    EngagementAssumptions,
    EngagementResult,
    InterceptorSite,
    ThreatSpec,
    engage,
)
from coverage.physics.flyout import flyout_table
from coverage.products.budget import check_engagement_work, engine_threads, large_job_slot
from coverage.products.diskcache import (
    TrackDiskStore,
    point_result_store,
    point_track_store,
    result_store,
    source_version,
    table_store,
    track_store,
)
from coverage.products.footprints import FOOTPRINT_COLUMNS
from coverage.products.grid import (
    TargetGrid,
    cells_polygon,
    domain_cities,
    domain_iso3,
    target_grid,
)
from coverage.scenario import (
    DefenceQuery,
    FootprintOptions,
    Setup,
    deployed_for,
    describe_capabilities,
    describe_cooperation,
    describe_detection,
    describe_flyout,
    describe_threat_flight,
    resolve,
    threat_label,
)
from coverage.style import KINEMATIC_CAVEAT

__all__ = [
    "DEFENDED_COLUMNS",
    "DefendedGrid",
    "assumption_text",
    "defended_band",
    "defended_footprints",
    "defended_grid",
    "defended_layer",
    "engage_points",
    "same_engine_inputs",
    "setup_text",
    "threat_reach",
]

DEFENDED_COLUMNS = [*FOOTPRINT_COLUMNS[:-1], "launch_area", "threat", "geometry"]


@dataclass(frozen=True, eq=False)
class DefendedGrid:
    """A defended-area computation over the target grid plus extra points (cities).

    Attributes
    ----------
    grid
        The target grid; the first ``grid.ix.size`` targets of ``result`` are its cells.
    result
        The engagement result for cells followed by ``extra`` points.
    extra
        Extra point targets (columns ``lon_deg, lat_deg`` at least), in result order.
    setup
        The resolved physics inputs (launch points, threat, radars, sites, assumptions).
    """

    grid: TargetGrid
    result: EngagementResult
    extra: pd.DataFrame
    setup: Setup

    @property
    def n_cells(self) -> int:
        """Number of grid cells (the first targets of the result)."""
        return int(self.grid.ix.size)

    @property
    def sites(self) -> tuple[InterceptorSite, ...]:
        """Interceptor sites, in the order of ``result.site_keys``."""
        return self.setup.sites

    @property
    def radar_ids(self) -> tuple[str, ...]:
        """Deployment ids of the radars, in the order of the result's radar axis."""
        return self.setup.radar_ids

    @property
    def threat(self) -> ThreatSpec:
        """The threat used (its ``max_range_m`` is the computed range for ``design_case``)."""
        return self.setup.threat

    @property
    def launch_points(self) -> pd.DataFrame:
        """Launch points used, as a table."""
        return self.setup.launch_frame()

    @property
    def query(self) -> DefenceQuery:
        """What the defended area was asked against."""
        return self.setup.query

    @property
    def options(self) -> FootprintOptions:
        """Year, scenario, estimate and radar assumptions."""
        return self.setup.options


@functools.lru_cache(maxsize=1)
def _engine_source_version() -> str:
    """Hash of the code an engine result over a grid depends on (the physics, the grid, this)."""
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "physics").glob("*.py"))
    code = source_version(*files, root / "products" / "grid.py", Path(__file__))
    # The libraries whose arithmetic the answer depends on (read without importing them).
    libraries = []
    for name in ("numpy", "numba", "scipy", "shapely", "pyproj", "geopandas"):
        try:
            libraries.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            libraries.append(f"{name} -")
    return f"{code} {'; '.join(libraries)}"


def _result_key(kind: str, *args: object) -> str:
    """Disk key of an engine run: its kind, its inputs' full text and the engine's source.

    The inputs are frozen dataclasses, tuples, strings and numbers, whose ``repr`` shows every
    field that takes part in their equality (floats to the last bit), so two runs share a key
    only when :func:`_engage_cached` (kind ``engage-grid``) or :func:`_engage_points_cached`
    (``engage-points``) would take them for the same call.
    """
    text = repr(args)
    return hashlib.sha256(f"{kind}\n{text}\n{_engine_source_version()}".encode()).hexdigest()


@functools.lru_cache(maxsize=32)  # 16 states, each with its run for the delay curve
def _engage_cached(
    launch: tuple[tuple[float, float], ...],
    grid_km: float,
    grid_iso3: tuple[str, ...],
    extra: tuple[tuple[float, float], ...],
    radars: tuple[radar_mod.RadarSpec, ...],
    sites: tuple[InterceptorSite, ...],
    threat: ThreatSpec,
    assumptions: EngagementAssumptions,
    warning_radars: tuple[radar_mod.RadarSpec, ...] = (),
    work: float = 0.0,
    latest: bool = False,
) -> EngagementResult:
    """The kernel over the grid and extra points; only a cache miss computes (and may queue).

    A miss first asks the disk store of results (:func:`result_store`: another process, or
    this one before a restart, may have asked the same question); a computed result is saved
    there.
    """
    args = (launch, grid_km, grid_iso3, extra, radars, sites, threat, assumptions, warning_radars)
    return _stored_or_computed(
        "engage-grid-latest" if latest else "engage-grid",
        args,
        lambda: _targets(grid_km, grid_iso3, extra),
        work,
        store=result_store(),
        tracks=track_store(),
        latest=latest,
    )


@functools.lru_cache(maxsize=32)
def _engage_points_cached(
    launch: tuple[tuple[float, float], ...],
    points: tuple[tuple[float, float], ...],
    radars: tuple[radar_mod.RadarSpec, ...],
    sites: tuple[InterceptorSite, ...],
    threat: ThreatSpec,
    assumptions: EngagementAssumptions,
    warning_radars: tuple[radar_mod.RadarSpec, ...] = (),
    work: float = 0.0,
) -> EngagementResult:
    """The kernel over a few points only (no grid).

    The answer is stored on disk in a store of its own (:func:`point_result_store`), and the
    threat's tracks to the points in another (:func:`point_track_store`), not in the track
    store, whose places are for the grids' tracks (each several seconds to fly).
    """
    args = (launch, points, radars, sites, threat, assumptions, warning_radars)

    def targets() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        pts = np.array(points, float).reshape(-1, 2)
        return pts[:, 0].copy(), pts[:, 1].copy()

    return _stored_or_computed(
        "engage-points",
        args,
        targets,
        work,
        store=point_result_store(),
        tracks=point_track_store(),
    )


def _stored_or_computed(
    kind: str,
    args: tuple[Any, ...],
    targets: Callable[[], tuple[NDArray[np.float64], NDArray[np.float64]]],
    work: float,
    *,
    store: TrackDiskStore | None,
    tracks: TrackDiskStore | None,
    latest: bool = False,
) -> EngagementResult:
    """An engine run from a disk store of results, or computed (and then stored).

    ``args`` are the run's inputs as :func:`_engage_cached` or :func:`_engage_points_cached`
    take them; ``targets`` gives their target positions (lon, lat degrees). A stored result is
    used only if made for exactly these sites and targets. ``tracks``: the disk store the
    threat's tracks are looked up in and kept in (``None``: this process's memory only).
    """
    # Both kinds of run list the launch points first and the physics last.
    launch, *_, radars, sites, threat, assumptions, warning_radars = args
    key = ""
    if store is not None:
        key = _result_key(kind, *args)
        saved = store.load(key)
        if saved is not None:
            try:
                found = EngagementResult.from_arrays(saved)
            except ValueError:
                found = None  # a damaged or foreign entry: computed again and replaced
            # Paired with these targets and sites only if made for them (the grid is rebuilt
            # apart, from its own store).
            if found is not None and found.site_keys == tuple(s.key for s in sites):
                lon, lat = targets()
                if np.array_equal(found.target_lon_deg, lon) and np.array_equal(
                    found.target_lat_deg, lat
                ):
                    return found
    with large_job_slot(work):
        lon, lat = targets()
        _load_tables(sites)
        result = engage(
            [p[0] for p in launch],
            [p[1] for p in launch],
            lon,
            lat,
            radars=radars,
            sites=sites,
            threat=threat,
            assumptions=assumptions,
            warning_radars=warning_radars,
            track_store=tracks,
            latest=latest,
            workers=engine_threads(),
        )
    if store is not None:
        store.save(key, result.to_arrays())
    return result


def _load_tables(sites: tuple[InterceptorSite, ...]) -> None:
    """The sites' reachability tables, from the disk store or built and stored there.

    The engine asks :func:`~coverage.physics.flyout.flyout_table` for them; once here, they are
    in its memory. A table is a pure function of its spec (0.1-0.3 s to build): built once per
    machine, not once per process.
    """
    store = table_store()
    for spec in dict.fromkeys(s.flyout for s in sites if s.flyout is not None):
        flyout_table(spec, store=store)


def _targets(
    grid_km: float, grid_iso3: tuple[str, ...], extra: tuple[tuple[float, float], ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The engine's targets: the grid's cells, then the extra points (lon, lat degrees)."""
    grid = target_grid(grid_km, grid_iso3)
    ex = np.array(extra, float).reshape(-1, 2)
    return np.concatenate([grid.lon_deg, ex[:, 0]]), np.concatenate([grid.lat_deg, ex[:, 1]])


def _engine_args(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> tuple[Setup, tuple[Any, ...], float, TargetGrid, pd.DataFrame]:
    """The resolved state, :func:`_engage_cached`'s inputs and work estimate, grid, cities."""
    setup = resolve(catalogue, options, query)
    iso3 = domain_iso3(catalogue, query.domain)
    grid = target_grid(query.grid_km, iso3)
    extra = domain_cities(iso3)
    work = check_engagement_work(setup, int(grid.ix.size) + len(extra))
    args = (
        setup.launch_lonlat,
        query.grid_km,
        iso3,
        _city_points(iso3),
        setup.radars,
        setup.sites,
        setup.threat,
        setup.assumptions,
        setup.warning_radars,
    )
    return setup, args, work, grid, extra


@functools.lru_cache(maxsize=8)
def _city_points(iso3: tuple[str, ...]) -> tuple[tuple[float, float], ...]:
    """``(lon, lat)`` of :func:`domain_cities` (the engine's extra points), kept per domain."""
    cities = domain_cities(iso3)
    lon, lat = cities.lon_deg.astype(float).tolist(), cities.lat_deg.astype(float).tolist()
    return tuple(zip(lon, lat, strict=True))


def defended_grid(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery, *, latest: bool = False
) -> DefendedGrid:
    """Run the engagement over the target grid and the cities of the grid's countries (cached).

    Identical inputs (radars, sites, threat, assumptions) share one cached run, so years with
    the same deployments cost nothing extra. ``latest``: with each site's latest launch time
    (:func:`~coverage.physics.engagement.engage`'s ``latest``; a run of its own, cached apart).
    """
    setup, args, work, grid, extra = _engine_args(catalogue, options, query)
    return DefendedGrid(grid, _engage_cached(*args, work=work, latest=latest), extra, setup)


def same_engine_inputs(
    catalogue: Catalogue, a: FootprintOptions, b: FootprintOptions, query: DefenceQuery
) -> bool:
    """Whether two states ask the engine the same question: e.g. two years with one deployment.

    The same launch points, radars, sites, threat, assumptions and early-warning radars.
    """

    def inputs(options: FootprintOptions) -> tuple[object, ...]:
        s = resolve(catalogue, options, query)
        return (s.launch_lonlat, s.radars, s.sites, s.threat, s.assumptions, s.warning_radars)

    return inputs(a) == inputs(b)


def engage_points(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    points: tuple[tuple[float, float], ...],
) -> EngagementResult:
    """Run the engagement of a state over ``points`` (lon, lat degrees) only, without the grid.

    A target's answer depends only on its own position and the state's physics (launch points,
    threat, radars, sites, assumptions), so each point gets the flags it has in
    :func:`defended_grid`'s run, at a fraction of the cost when the points are few (the
    headline's year before asks for the capitals only). To the threat solver's tolerance:
    the boost programmes of 64 targets or more are solved from a lattice of solved shots, of
    fewer from scratch, both to 1e-6 m/s (``threat_flight``), so a target exactly on the edge
    of an intercept window could come out either way (the tests find no such city on six
    states). Cached in memory and on disk (:func:`point_result_store`).
    """
    setup = resolve(catalogue, options, query)
    work = check_engagement_work(setup, len(points))
    return _engage_points_cached(
        setup.launch_lonlat,
        tuple((float(lon), float(lat)) for lon, lat in points),
        setup.radars,
        setup.sites,
        setup.threat,
        setup.assumptions,
        setup.warning_radars,
        work=work,
    )


def assumption_text(dg: DefendedGrid) -> str:
    """One line stating the threat, launch area, timeline and parameter case of a defended grid."""
    return setup_text(dg.setup)


def setup_text(setup: Setup, *, parameters: str | None = None) -> str:
    """:func:`assumption_text` of a resolved setup; ``parameters`` replaces the parameter case.

    Kept per setup (a map, its metrics and its headline each state their assumptions).
    """
    # The mask's words are not part of a setup's equality: they are part of this key.
    return _setup_text(setup, setup.mask_words, parameters)


@functools.lru_cache(maxsize=256)
def _setup_text(setup: Setup, mask_words: str, parameters: str | None) -> str:
    q, o = setup.query, setup.options
    case = parameters or f"{o.estimate} interceptor and radar parameters"
    return (
        f"threat: {_threat_words(setup)} ({_shape_words(q)}; "
        f"{describe_threat_flight(setup.threat, q)}) from "
        f"{_launch_label_points(setup.launch_frame(), q.launch_area)}; "
        f"{setup.assumptions.describe()}; {describe_capabilities(q, o)}; "
        f"{case}; {describe_detection(q, o)}; "
        f"{mask_words}; "
        f"fly-out {describe_flyout(q)}; "
        f"{describe_cooperation(setup.warning_names, q)}; "
        f"{q.grid_km:g} km grid"
        + (
            f"; sites left out by choice: {', '.join(sorted(o.exclude_sites))}"
            if o.exclude_sites
            else ""
        )
        + (
            f"; as built on {o.on_date:%d %b %Y} (outages in data/outages.csv count)"
            if o.on_date is not None
            else ""
        )
    )


def _shape_words(q: DefenceQuery) -> str:
    """The coast shape (the engine's boost is described apart)."""
    return q.profile().describe().split(", burnout at the surface")[0]


def _threat_words(setup: Setup) -> str:
    """The threat's name with its range (the design case's range is computed)."""
    range_km = setup.threat.max_range_m / 1000.0
    words = threat_label(setup.threat.threat_id, range_km)
    return words if f"{range_km:,.0f} km" in words else f"{words}, {range_km:,.0f} km"


def _launch_label_points(points: pd.DataFrame, name: str) -> str:
    names = ", ".join(points.name)
    if len(points) == 1:
        return f"{points.area.iloc[0]} ({names})"
    return f"{name} ({names}; worst case over the points)"


def defended_footprints(
    catalogue: Catalogue,
    options: FootprintOptions,
    *,
    launch_area: str,
    **query_options: Any,
) -> gpd.GeoDataFrame:
    """Defended areas per interceptor site and their union (``layer="defended"``).

    Parameters
    ----------
    catalogue, options
        What is deployed (year, scenario, capability case, radar assumptions).
    launch_area
        Launch point id, area name (``"NW Iran"``) or ``"all-iran"`` (worst case over all points).
    **query_options
        Any other field of :class:`~coverage.scenario.DefenceQuery` (threat, delay_s,
        launch_on_remote, shoot_look_shoot, sls_interval_s, shape, angle_offset_deg, grid_km,
        cap_at_nominal_range, threat_range_case), with its default when left out.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 with ``coverage.products.footprints.FOOTPRINT_COLUMNS`` plus ``launch_area`` and
        ``threat``: one feature per deployed interceptor (``system`` = interceptor id), then
        the union (``site_id="all"``). Sites defending nothing get an empty geometry.
    """
    query = DefenceQuery(launch_area=launch_area, **query_options)
    return defended_layer(defended_grid(catalogue, options, query), catalogue)


def defended_layer(dg: DefendedGrid, catalogue: Catalogue) -> gpd.GeoDataFrame:
    """Build the defended layer of a :class:`DefendedGrid` (see :func:`defended_footprints`)."""
    o, q, res, grid = dg.options, dg.query, dg.result, dg.grid
    nc = dg.n_cells
    deps = deployed_for(catalogue, o).set_index("deployment_id")
    text = assumption_text(dg)
    reach_cells = int(res.in_reach[:nc].sum())
    cell_km2 = (grid.grid_m / 1000.0) ** 2  # EPSG:3035 is equal-area: every cell the same

    def cells_text(n: int) -> str:
        # The grid covers every country of its domain, members or not: the headline's shares
        # count NATO members' land only, so a feature's share of these cells is not the
        # headline's (a fresh-eyes review read 14 % here against 16.1 % in the headline).
        return (
            f"{n:,} of the {reach_cells:,} grid cells in the threat's reach "
            f"({grid.grid_m / 1000:g} km cells, {n * cell_km2:,.0f} km², over every country "
            "of the grid, NATO member or not)"
        )

    records = []
    for k, site in enumerate(dg.sites):
        row = deps.loc[site.key]
        cells = res.defended_by[k, :nc]
        p = catalogue.parameter_row(row.system_id, "burnout_velocity_kmps")
        records.append(
            {
                "feature_id": f"defended:{site.key}",
                "site_id": row.site_id,
                "site_name": row.site_name,
                "country": row.country_iso3
                if isinstance(row.country_iso3, str) and row.country_iso3
                else "international waters",
                "site_lon_deg": site.lon_deg,
                "site_lat_deg": site.lat_deg,
                "layer": "defended",
                "system": row.system_id,
                "system_name": row.system_name,
                "range_km": float("nan"),
                "limit": "defended (kinematic)",
                "target_alt_km": float("nan"),
                "year": o.year,
                "scenario": o.scenario,
                "estimate": o.estimate,
                "phase": "" if pd.isna(row.phase) else str(int(row.phase)),
                "deployment_id": site.key,
                "source": f"{row.source} | v_bo: {p.source}",
                "confidence": "Derived",
                "custom": row.site_id in catalogue.custom_site_ids,
                "label": (
                    f"Defended by {row.system_name} at {row.site_name} "
                    f"(burnout speed {site.burnout_speed_mps / 1000:g} km/s, "
                    f"intercept {site.min_alt_m / 1000:g}-{site.max_alt_m / 1000:,.0f} km): "
                    f"{cells_text(int(cells.sum()))}; {text}. {KINEMATIC_CAVEAT}"
                ),
                "geometry": cells_polygon(grid.ix[cells], grid.iy[cells], grid.grid_m),
                "launch_area": q.launch_area,
                "threat": dg.threat.threat_id,
            }
        )
    cells = res.defended[:nc]
    records.append(
        {
            "feature_id": "defended:all",
            "site_id": "all",
            "site_name": "All sites",
            "country": "",
            "site_lon_deg": float("nan"),
            "site_lat_deg": float("nan"),
            "layer": "defended",
            "system": "all",
            "system_name": "All interceptor sites",
            "range_km": float("nan"),
            "limit": "defended (kinematic)",
            "target_alt_km": float("nan"),
            "year": o.year,
            "scenario": o.scenario,
            "estimate": o.estimate,
            "phase": "",
            "deployment_id": "",
            "confidence": "Derived",
            "custom": False,
            "source": (
                "Engagement model of fact sheet §5.4-5.5; parameters from data/parameters.csv; "
                "threat from data/threats.csv"
            ),
            "label": (
                f"Defended by at least one site: {cells_text(int(cells.sum()))}; {text}. "
                f"{KINEMATIC_CAVEAT}"
            ),
            "geometry": cells_polygon(grid.ix[cells], grid.iy[cells], grid.grid_m),
            "launch_area": q.launch_area,
            "threat": dg.threat.threat_id,
        }
    )
    return gpd.GeoDataFrame(records, columns=DEFENDED_COLUMNS, geometry="geometry", crs="EPSG:4326")


def threat_reach(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> gpd.GeoDataFrame:
    """Ground the threat can reach (``layer="threat_reach"``), and the part not defended.

    Two features: ``reach`` (cells within range of at least one launch point) and
    ``undefended`` (reachable but not defended by any site). EPSG:4326.
    """
    dg = defended_grid(catalogue, options, query)
    nc, res, grid = dg.n_cells, dg.result, dg.grid
    rows = []
    for kind, cells in (
        ("reach", res.in_reach[:nc]),
        ("undefended", res.in_reach[:nc] & ~res.defended[:nc]),
    ):
        rows.append(
            {
                "feature_id": f"threat_reach:{kind}",
                "kind": kind,
                "layer": "threat_reach",
                "launch_area": query.launch_area,
                "threat": dg.threat.threat_id,
                "range_km": dg.threat.max_range_m / 1000.0,
                "year": options.year,
                "scenario": options.scenario,
                "label": (
                    (
                        "Within reach of "
                        if kind == "reach"
                        else "Within reach, not defended against "
                    )
                    + assumption_text(dg)
                ),
                "geometry": cells_polygon(grid.ix[cells], grid.iy[cells], grid.grid_m),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


#: The variable of data/distributions.csv whose low, nominal and high values are the track +
#: C2 (detection-to-launch) delays of the low, nominal and high cases.
DELAY_VARIABLE = "track_c2_delay"


def band_delays() -> dict[str, float]:
    """Track + C2 delay of each case, s (data/distributions.csv, ``track_c2_delay``)."""
    table = load_distributions()
    rows = table[table.variable == DELAY_VARIABLE]
    if rows.empty:
        raise KeyError(f"no variable {DELAY_VARIABLE!r} in data/distributions.csv")
    row = rows.iloc[0]
    return {est: float(row[est]) for est in ("low", "nominal", "high")}


def band_query(query: DefenceQuery, estimate: str) -> DefenceQuery:
    """The query of one case of the low/nominal/high band: the delay moves with the case.

    The delay is the case's value of :func:`band_delays` (low: the longest) while the query
    holds the nominal delay; a query with another delay is the user's own choice and is kept
    in every case. (A query cannot tell a chosen nominal delay from the default: choosing
    exactly the nominal delay lets the band move it.)
    """
    delays = band_delays()
    if query.delay_s != delays["nominal"]:
        return query
    return replace(query, delay_s=delays[estimate])


def defended_band(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> gpd.GeoDataFrame:
    """Union defended areas for the low, nominal and high capability cases (nested footprints).

    Shows the parameter uncertainty: every estimate-dependent parameter (v_bo, altitude band,
    radar range, detection, nominal-range cap) and the track + C2 delay (:func:`band_query`)
    move together. Returns one feature per estimate, in EPSG:4326, with the columns of
    :func:`defended_footprints` (``site_id="all"``).
    """
    frames = []
    for est in ("low", "nominal", "high"):
        layer = defended_layer(
            defended_grid(catalogue, replace(options, estimate=est), band_query(query, est)),
            catalogue,
        )
        union = layer[layer.site_id == "all"].copy()
        union["feature_id"] = f"defended:all:{est}"
        frames.append(union)
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
