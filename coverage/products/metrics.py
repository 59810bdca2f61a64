"""Coverage metrics: how much NATO-Europe territory and population is defended, per year.

Territory is measured in EPSG:3035 (equal area) from the overlap of every target-grid cell with
every country of the basemap (Natural Earth 1:50m clipped to 32°W-66°E, 24-73°N, so
Svalbard is outside). A cell counts as defended, not defended or out of reach as a whole.

Population uses a proxy, because no gridded population is bundled: the cities of
data/cities.csv (GeoNames, 50,000+ inhabitants plus every capital) are engagement targets
themselves, and a country's defended population share is the share of its *city* population
that is defended; it is applied to the country's whole population. Rural and small-town
populations are thereby assumed to be spread like the large cities. A country without any
listed city falls back to its defended area share.

"Out of reach" (beyond the threat's range from every launch point) is reported apart from
"defended" and "not defended"; the shares of the three add up to one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from coverage.catalogue.analysis import NATO_REGION_CODE, load_regions
from coverage.catalogue.tables import ESTIMATES, Catalogue
from coverage.products import grid as grid_module
from coverage.products.defended import (
    DefendedGrid,
    assumption_text,
    band_query,
    defended_grid,
    engage_points,
)
from coverage.products.diskcache import grid_store, load_columns, source_version
from coverage.products.grid import (
    domain_cities,
    domain_iso3,
    grid_countries,
    project_to_3035,
    target_grid,
)
from coverage.scenario import (
    BASELINES,
    FIRST_YEAR,
    LAST_YEAR,
    DefenceQuery,
    FootprintOptions,
    Scenario,
    phase_status,
)
from coverage.style import KINEMATIC_CAVEAT

__all__ = [
    "COUNTRY_COLUMNS",
    "NATO_REGION",
    "CoverageMetrics",
    "MetricWeights",
    "RegionMetrics",
    "coverage_metrics",
    "coverage_time_series",
    "defended_capitals",
    "estimate_band",
    "member_cell_area_m2",
    "metric_weights",
    "region_countries",
    "region_ids",
    "country_totals",
    "region_metrics",
    "region_metrics_from_grid",
    "region_name",
    "region_query",
    "STATUS_NAMES",
    "target_status",
]

COUNTRY_COLUMNS = [
    "iso3",
    "name",
    "area_km2",
    "area_defended_share",
    "area_not_defended_share",
    "area_out_of_reach_share",
    "population",
    "population_defended",
    "population_defended_share",
    "population_out_of_reach_share",
    "population_proxy",
    "capital",
    "capital_status",
]


@dataclass(frozen=True, eq=False)
class CoverageMetrics:
    """Coverage of NATO Europe for one year, scenario, estimate, launch area and threat.

    Attributes
    ----------
    nato_europe_area_share, nato_europe_population_share
        Defended share of the territory and population of the European NATO members of the year
        (0..1).
    nato_europe_area_out_of_reach_share, nato_europe_population_out_of_reach_share
        Share the threat cannot reach (0..1); never counted as defended.
    capitals_defended, capitals_not_defended, capitals_out_of_reach
        Numbers of capitals of those members in each state.
    countries
        One row per member (``COUNTRY_COLUMNS``).
    assumptions
        The assumptions in words (for labels and exports).
    """

    year: int
    scenario: str
    estimate: str
    launch_area: str
    threat: str
    threat_range_km: float
    nato_europe_area_km2: float
    nato_europe_area_share: float
    nato_europe_area_out_of_reach_share: float
    nato_europe_population: float
    nato_europe_population_share: float
    nato_europe_population_out_of_reach_share: float
    capitals_defended: int
    capitals_not_defended: int
    capitals_out_of_reach: int
    countries: pd.DataFrame
    assumptions: str

    @property
    def capitals_total(self) -> int:
        """Capitals of the year's NATO members: defended, not defended or out of reach."""
        return self.capitals_defended + self.capitals_not_defended + self.capitals_out_of_reach

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (the CLI ``metrics --format json`` payload)."""
        out: dict[str, Any] = {
            k: getattr(self, k)
            for k in (
                "year",
                "scenario",
                "estimate",
                "launch_area",
                "threat",
                "threat_range_km",
                "nato_europe_area_km2",
                "nato_europe_area_share",
                "nato_europe_area_out_of_reach_share",
                "nato_europe_population",
                "nato_europe_population_share",
                "nato_europe_population_out_of_reach_share",
                "capitals_defended",
                "capitals_not_defended",
                "capitals_out_of_reach",
            )
        }
        out["capitals_total"] = self.capitals_total
        # The region-neutral keys every `metrics --region` answer has (RegionMetrics).
        out["region"] = NATO_REGION
        out["region_name"] = region_name(NATO_REGION)
        out["area_share"] = self.nato_europe_area_share
        out["population_share"] = self.nato_europe_population_share
        out["area_out_of_reach_share"] = self.nato_europe_area_out_of_reach_share
        out["population_out_of_reach_share"] = self.nato_europe_population_out_of_reach_share
        return _with_countries(out, self.countries, self.assumptions)


#: The region id of data/regions.csv that stands for the NATO members of the year.
NATO_REGION = "nato_europe"


@functools.lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    return load_regions().set_index("region_id")


def region_ids() -> tuple[str, ...]:
    """The region ids of data/regions.csv (``nato_europe`` first)."""
    return tuple(_regions().index)


def region_name(region: str) -> str:
    """The region's name in words (data/regions.csv)."""
    return str(_regions().loc[_check_region(region), "name"])


def _check_region(region: str) -> str:
    if region not in _regions().index:
        raise ValueError(f"region={region!r} is not known; allowed: {', '.join(region_ids())}")
    return region


def region_countries(catalogue: Catalogue, region: str, year: int) -> tuple[str, ...]:
    """ISO3 codes of a region in ``year`` (the NATO region: the European members of the year)."""
    codes = str(_regions().loc[_check_region(region), "iso3"])
    if codes == NATO_REGION_CODE:
        return tuple(sorted(catalogue.nato_members_in(year)))
    return tuple(codes.split())


@dataclass(frozen=True, eq=False)
class RegionMetrics:
    """Coverage of one region of data/regions.csv (NATO Europe, European Russia, ...).

    The same definitions as :class:`CoverageMetrics` (area in EPSG:3035, the city population
    proxy, out of reach apart), for any region; shares are 0..1.
    """

    region: str
    region_name: str
    year: int
    scenario: str
    estimate: str
    launch_area: str
    threat: str
    cooperation: str
    area_km2: float
    area_share: float
    area_out_of_reach_share: float
    population: float
    population_share: float
    population_out_of_reach_share: float
    capitals_defended: int
    capitals_not_defended: int
    capitals_out_of_reach: int
    countries: pd.DataFrame
    assumptions: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (the CLI ``metrics --region`` payload)."""
        out: dict[str, Any] = {
            k: getattr(self, k)
            for k in (
                "region",
                "region_name",
                "year",
                "scenario",
                "estimate",
                "launch_area",
                "threat",
                "cooperation",
                "area_km2",
                "area_share",
                "area_out_of_reach_share",
                "population",
                "population_share",
                "population_out_of_reach_share",
                "capitals_defended",
                "capitals_not_defended",
                "capitals_out_of_reach",
            )
        }
        return _with_countries(out, self.countries, self.assumptions)


def region_query(query: DefenceQuery, region: str) -> DefenceQuery:
    """The query whose grid covers ``region``: the wide domain for any region but NATO Europe."""
    if _check_region(region) == NATO_REGION:
        return query
    return replace(query, domain="wide")


def region_metrics(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery, region: str
) -> RegionMetrics:
    """Defended share of a region's territory and population for one map state.

    Regions other than NATO Europe need the wide grid (:func:`region_query`); the figures of
    NATO Europe do not depend on the domain (one lattice; tested).
    """
    dg = defended_grid(catalogue, options, region_query(query, region))
    return region_metrics_from_grid(dg, catalogue, region)


def region_metrics_from_grid(dg: DefendedGrid, catalogue: Catalogue, region: str) -> RegionMetrics:
    """:class:`RegionMetrics` of a computed grid (which must cover the region)."""
    codes = region_countries(catalogue, region, dg.options.year)
    missing = sorted(set(codes) - set(dg.grid.iso3))
    if missing:
        raise ValueError(
            f"region={region!r}: the grid does not cover {', '.join(missing)}; "
            "use the wide domain (DefenceQuery.domain='wide')"
        )
    table = _country_table(dg, codes)
    t = country_totals(table)
    o, q = dg.options, dg.query
    return RegionMetrics(
        region=region,
        region_name=region_name(region),
        year=o.year,
        scenario=o.scenario,
        estimate=o.estimate,
        launch_area=q.launch_area,
        threat=dg.threat.threat_id,
        cooperation=q.cooperation,
        area_km2=t["area_km2"],
        area_share=t["area_share"],
        area_out_of_reach_share=t["area_out_of_reach_share"],
        population=t["population"],
        population_share=t["population_share"],
        population_out_of_reach_share=t["population_out_of_reach_share"],
        capitals_defended=t["capitals_defended"],
        capitals_not_defended=t["capitals_not_defended"],
        capitals_out_of_reach=t["capitals_out_of_reach"],
        countries=table,
        assumptions=_describe(dg),
    )


def _with_countries(
    out: dict[str, Any], countries: pd.DataFrame, assumptions: str
) -> dict[str, Any]:
    """``out`` with the assumptions, the caveat and the country rows (NaN as None), JSON-ready."""
    out["assumptions"] = assumptions
    out["caveat"] = KINEMATIC_CAVEAT
    out["countries"] = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in countries.to_dict(orient="records")
    ]
    return _plain(out)


def _plain(value: Any) -> Any:
    """Numpy scalars to Python numbers, recursively (for ``json.dumps``)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@functools.lru_cache(maxsize=8)
def _cell_areas(
    grid_km: float, grid_iso3: tuple[str, ...]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], tuple[str, ...]]:
    """Overlap of every grid cell with every country (m², EPSG:3035): cell, country, area, iso3.

    Countries as the grid sees them (:func:`coverage.products.grid.grid_countries`: Russia cut
    at its region's east limit).
    """
    grid = target_grid(grid_km, grid_iso3)
    sel = grid_countries(grid_iso3)
    # Kept on disk too (data version and the code of this file and the grid's in the key).
    store = grid_store()
    key = (
        f"cell areas\n{float(grid_km)!r}\n{grid_iso3!r}\n"
        f"{source_version(Path(__file__), Path(grid_module.__file__))}"
    )
    saved = load_columns(store, key, {"cell_i": np.int64, "geom_i": np.int64, "area": float})
    if saved is not None:
        return saved["cell_i"], saved["geom_i"], saved["area"], tuple(sel.iso3)
    geoms = project_to_3035(sel.geometry.values)
    cells = grid.boxes()
    cell_i, geom_i = shapely.STRtree(geoms).query(cells, predicate="intersects")
    shapely.prepare(geoms)
    inside = shapely.contains_properly(geoms[geom_i], cells[cell_i])
    area = np.full(cell_i.size, grid.grid_m**2)
    edge = ~inside
    area[edge] = shapely.area(shapely.intersection(cells[cell_i[edge]], geoms[geom_i[edge]]))
    if store is not None:
        store.save(key, {"cell_i": cell_i, "geom_i": geom_i, "area": area})
    return cell_i, geom_i, area, tuple(sel.iso3)


def member_cell_area_m2(dg: DefendedGrid, members: Iterable[str]) -> NDArray[np.float64]:
    """Area of every grid cell of ``dg`` that lies in the countries ``members``, m² (EPSG:3035).

    Cells on a border count only their part inside ``members``; cells outside them are 0. The
    defended area share of :func:`coverage_metrics` is the defended cells' sum over the total.
    """
    cell_i, geom_i, area, iso3 = _cell_areas(dg.query.grid_km, dg.grid.iso3)
    wanted = np.isin(np.asarray(iso3, dtype=object), list(set(members)))
    keep = wanted[geom_i]
    out = np.zeros(dg.n_cells)
    np.add.at(out, cell_i[keep], area[keep])
    return out


def target_status(defended: NDArray[np.bool_], in_reach: NDArray[np.bool_]) -> NDArray[np.int8]:
    """0 defended, 1 not defended (in reach), 2 out of reach."""
    return np.where(defended, 0, np.where(in_reach, 1, 2)).astype(np.int8)


STATUS_NAMES = ("defended", "not defended", "out of reach")


def _first_capitals(iso3: Sequence[str], is_capital: Sequence[bool]) -> dict[str, int]:
    """Each country's capital: the position of its first capital row in a list of cities."""
    first: dict[str, int] = {}
    for i, (code, capital) in enumerate(zip(iso3, is_capital, strict=True)):
        if capital:
            first.setdefault(code, i)
    return first


def defended_capitals(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> frozenset[str]:
    """The capitals of ``options.year``'s NATO members on the grid that the state defends.

    The names that :func:`coverage_metrics` gives status "defended" in its country table, from
    one engine run over the capitals alone (:func:`engage_points`): what the headline needs of
    the year before, without that year's grid.
    """
    iso3 = domain_iso3(catalogue, query.domain)
    members = catalogue.nato_members_in(options.year)
    capitals, points = _domain_capitals(iso3)
    result = engage_points(catalogue, options, query, points)
    return frozenset(
        name
        for (code, name), defended in zip(capitals, result.defended.tolist(), strict=True)
        if defended and code in members
    )


@functools.lru_cache(maxsize=8)
def _domain_capitals(
    iso3: tuple[str, ...],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[float, float], ...]]:
    """Every country's capital on the grid's domain: ``(iso3, name)`` and ``(lon, lat)`` each.

    Every capital, whichever countries are members in a year: one set of engine targets per
    domain, so the same physics in another year is the same question.
    """
    cities = domain_cities(iso3)
    rows = list(_first_capitals(cities.iso3.tolist(), cities.is_capital.tolist()).values())
    code, name, lon, lat = (
        cities[c].to_numpy()[rows].tolist() for c in ("iso3", "name", "lon_deg", "lat_deg")
    )
    return (
        tuple(zip(code, name, strict=True)),
        tuple(zip(map(float, lon), map(float, lat), strict=True)),
    )


def _country_table(dg: DefendedGrid, codes: Iterable[str]) -> pd.DataFrame:
    """One ``COUNTRY_COLUMNS`` row per country of ``codes`` on the grid, sorted by name."""
    q, res = dg.query, dg.result
    nc = dg.n_cells
    wanted = set(codes)
    cell_i, geom_i, area, iso3 = _cell_areas(q.grid_km, dg.grid.iso3)
    status_cell = target_status(res.defended[:nc], res.in_reach[:nc])[cell_i]
    area_by = np.zeros((3, len(iso3)))
    np.add.at(area_by, (status_cell, geom_i), area)
    extra = dg.extra
    status_city = target_status(res.defended[nc:], res.in_reach[nc:])
    base = grid_countries(dg.grid.iso3)
    base_name = dict(zip(base.iso3, base.name, strict=True))
    base_pop = dict(zip(base.iso3, base.population.astype(float), strict=True))
    # Cities grouped by country once (a stable sort keeps each country's cities in order).
    city_iso3 = extra.iso3.to_numpy(dtype=object)
    city_pop = extra.population.to_numpy(float)
    city_name = extra.name.to_numpy(dtype=object)
    order = np.argsort(city_iso3, kind="stable")
    sorted_iso3 = city_iso3[order]
    capital_of = _first_capitals(city_iso3.tolist(), extra.is_capital.tolist())
    rows = []
    for k, code in enumerate(iso3):
        if code not in wanted:
            continue
        total_area = area_by[:, k].sum()
        here = order[
            np.searchsorted(sorted_iso3, code, side="left") : np.searchsorted(
                sorted_iso3, code, side="right"
            )
        ]
        pop = city_pop[here]
        st = status_city[here]
        area_share = area_by[:, k] / total_area if total_area > 0 else np.full(3, np.nan)
        if pop.sum() > 0:
            pop_share = np.array([pop[st == s].sum() for s in range(3)]) / pop.sum()
            proxy = "cities"
        else:
            pop_share, proxy = area_share, "area"
        cap = capital_of.get(code)
        cap_status = STATUS_NAMES[int(status_city[cap])] if cap is not None else "no capital listed"
        population = base_pop[code]
        rows.append(
            {
                "iso3": code,
                "name": str(base_name[code]),
                "area_km2": round(total_area / 1e6, 1),
                "area_defended_share": float(area_share[0]),
                "area_not_defended_share": float(area_share[1]),
                "area_out_of_reach_share": float(area_share[2]),
                "population": population,
                "population_defended": round(population * float(pop_share[0])),
                "population_defended_share": float(pop_share[0]),
                "population_out_of_reach_share": float(pop_share[2]),
                "population_proxy": proxy,
                "capital": str(city_name[cap]) if cap is not None else "",
                "capital_status": cap_status,
            }
        )
    return pd.DataFrame(rows, columns=COUNTRY_COLUMNS).sort_values("name").reset_index(drop=True)


def country_totals(table: pd.DataFrame) -> dict[str, Any]:
    """Area- and population-weighted shares and capital counts of a country table."""
    column = {c: table[c].to_numpy() for c in table.columns}
    area_total = np.nansum(column["area_km2"].astype(float))
    pop_total = np.nansum(column["population"].astype(float))
    status = column["capital_status"].tolist()
    caps = {s: status.count(s) for s in STATUS_NAMES}

    def weighted(col: str, by: str, total: float) -> float:
        # NaN-skipping, as pandas' sum was (a country without grid area has no shares).
        num = np.nansum(column[col].astype(float) * column[by].astype(float))
        return float(num / total) if total > 0 else float("nan")

    return {
        "area_km2": float(area_total),
        "area_share": weighted("area_defended_share", "area_km2", area_total),
        "area_out_of_reach_share": weighted("area_out_of_reach_share", "area_km2", area_total),
        "population": float(pop_total),
        "population_share": weighted("population_defended_share", "population", pop_total),
        "population_out_of_reach_share": weighted(
            "population_out_of_reach_share", "population", pop_total
        ),
        "capitals_defended": int(caps.get("defended", 0)),
        "capitals_not_defended": int(caps.get("not defended", 0)),
        "capitals_out_of_reach": int(caps.get("out of reach", 0)),
    }


def _metrics_from_grid(dg: DefendedGrid, catalogue: Catalogue) -> CoverageMetrics:
    o, q = dg.options, dg.query
    table = _country_table(dg, catalogue.nato_members_in(o.year))
    t = country_totals(table)
    return CoverageMetrics(
        year=o.year,
        scenario=o.scenario,
        estimate=o.estimate,
        launch_area=q.launch_area,
        threat=dg.threat.threat_id,
        threat_range_km=dg.threat.max_range_m / 1000.0,
        nato_europe_area_km2=t["area_km2"],
        nato_europe_area_share=t["area_share"],
        nato_europe_area_out_of_reach_share=t["area_out_of_reach_share"],
        nato_europe_population=t["population"],
        nato_europe_population_share=t["population_share"],
        nato_europe_population_out_of_reach_share=t["population_out_of_reach_share"],
        capitals_defended=t["capitals_defended"],
        capitals_not_defended=t["capitals_not_defended"],
        capitals_out_of_reach=t["capitals_out_of_reach"],
        countries=table,
        assumptions=_describe(dg),
    )


def _describe(dg: DefendedGrid) -> str:
    return (
        f"{assumption_text(dg)}. Population proxy: city populations (data/cities.csv) within the "
        "defended area, scaled to each country's population"
    )


def coverage_metrics(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> CoverageMetrics:
    """Defended share of NATO-Europe territory and population for one map state.

    Parameters
    ----------
    catalogue
        The sourced catalogue.
    options
        Year, scenario, capability case and radar assumptions (as for the map).
    query
        Launch area, threat and engagement assumptions.

    Returns
    -------
    CoverageMetrics
        Shares in 0..1, the per-country table and capitals. Members are those of ``options.year``.
    """
    return _metrics_from_grid(defended_grid(catalogue, options, query), catalogue)


def coverage_time_series(
    catalogue: Catalogue,
    query: DefenceQuery,
    *,
    years: Iterable[int] = range(FIRST_YEAR, LAST_YEAR + 1),
    scenarios: Sequence[Scenario] = BASELINES,
    options: FootprintOptions | None = None,
) -> pd.DataFrame:
    """Coverage per year, planned versus as built (for the 2011-2026 chart).

    Years with identical deployments share one cached engagement run, so a full series costs
    a handful of runs, not 28.

    Parameters
    ----------
    query
        Launch area, threat and engagement assumptions, as for :func:`coverage_metrics`.
    years, scenarios
        What to compute (default FIRST_YEAR..LAST_YEAR, planned and actual; any scenario of
        :data:`~coverage.scenario.SCENARIOS` may be listed).
    options
        Template for the other map options (estimate, RCS, ...); ``year`` and ``scenario`` are
        replaced.

    Returns
    -------
    DataFrame
        Columns ``year, scenario, phase, nato_europe_area_share, nato_europe_population_share,
        nato_europe_area_out_of_reach_share, nato_europe_population_out_of_reach_share,
        capitals_defended, capitals_total, interceptor_sites``; one row per year and scenario.
    """
    base = options or FootprintOptions(year=FIRST_YEAR)
    rows = []
    for scenario in scenarios:
        for year in years:
            opts = replace(base, year=int(year), scenario=scenario)
            dg = defended_grid(catalogue, opts, query)
            m = _metrics_from_grid(dg, catalogue)
            rows.append(
                {
                    "year": int(year),
                    "scenario": scenario,
                    "phase": phase_status(catalogue, int(year), scenario).banner,
                    "nato_europe_area_share": m.nato_europe_area_share,
                    "nato_europe_population_share": m.nato_europe_population_share,
                    "nato_europe_area_out_of_reach_share": m.nato_europe_area_out_of_reach_share,
                    "nato_europe_population_out_of_reach_share": (
                        m.nato_europe_population_out_of_reach_share
                    ),
                    "capitals_defended": m.capitals_defended,
                    "capitals_total": m.capitals_defended
                    + m.capitals_not_defended
                    + m.capitals_out_of_reach,
                    "interceptor_sites": len(dg.sites),
                }
            )
    return pd.DataFrame(rows)


def estimate_band(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> pd.DataFrame:
    """Headline metrics for the low, nominal and high capability cases (the uncertainty band).

    Every estimate-dependent parameter and the track + C2 delay move together
    (:func:`coverage.products.defended.band_query`: the delay of data/distributions.csv's
    ``track_c2_delay`` row, unless the query holds the user's own delay).

    Returns
    -------
    DataFrame
        One row per estimate: ``estimate, delay_s, nato_europe_area_share,
        nato_europe_population_share, capitals_defended``.
    """
    rows = []
    for est in ESTIMATES:
        q = band_query(query, est)
        m = coverage_metrics(catalogue, replace(options, estimate=est), q)
        rows.append(
            {
                "estimate": est,
                "delay_s": q.delay_s,
                "nato_europe_area_share": m.nato_europe_area_share,
                "nato_europe_population_share": m.nato_europe_population_share,
                "capitals_defended": m.capitals_defended,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class MetricWeights:
    """The headline metrics as weights over targets: each is a dot product with a defended flag.

    For a defended vector ``d`` over the targets of a :class:`DefendedGrid` (cells, then extra
    points), ``area @ d`` is the defended share of NATO-Europe territory, ``population @ d`` the
    defended population share and ``capitals @ d`` the number of capitals defended, exactly as
    :func:`coverage_metrics` computes them. Because the metrics are linear in the flags, a sweep
    can sum them block by block over the grid.

    Attributes
    ----------
    area, population, capitals
        One weight per target (``capitals`` is 1 at each member's capital, else 0).
    capital_index, capital_names
        Target index and ``"City (ISO3)"`` of each member's capital, by country name.
    """

    area: NDArray[np.float64]
    population: NDArray[np.float64]
    capitals: NDArray[np.float64]
    capital_index: NDArray[np.int64]
    capital_names: tuple[str, ...]

    def stacked(self) -> NDArray[np.float64]:
        """``3 × n_targets``: area, population and capitals weights."""
        return np.vstack([self.area, self.population, self.capitals])


def metric_weights(
    catalogue: Catalogue, year: int, grid_km: float, grid_iso3: tuple[str, ...], extra: pd.DataFrame
) -> MetricWeights:
    """The weights of :class:`MetricWeights` for a grid and its extra points, members of ``year``.

    ``grid_km`` and ``grid_iso3`` give the target grid (:func:`coverage.products.grid.target_grid`);
    ``extra`` are the city targets after the cells (as :attr:`DefendedGrid.extra`).
    """
    nc = int(target_grid(grid_km, grid_iso3).ix.size)
    n = nc + len(extra)
    members = catalogue.nato_members_in(year)
    cell_i, geom_i, area, iso3 = _cell_areas(grid_km, grid_iso3)
    base = grid_countries(grid_iso3).set_index("iso3")
    city_pop = extra.population.to_numpy(float)
    rows = []
    for k, code in enumerate(iso3):
        if code not in members:
            continue
        in_k = geom_i == k
        total = float(area[in_k].sum())
        rows.append((k, code, total, round(total / 1e6, 1), float(base.loc[code, "population"])))
    area_total = sum(r[3] for r in rows)
    pop_total = sum(r[4] for r in rows)
    w_area, w_pop, w_cap = np.zeros(n), np.zeros(n), np.zeros(n)
    caps: list[tuple[str, int, str]] = []
    for k, code, total, area_km2, population in rows:
        if total <= 0:
            continue
        in_k = geom_i == k
        cell_share = np.zeros(n)
        np.add.at(cell_share, cell_i[in_k], area[in_k] / total)
        w_area += cell_share * area_km2 / area_total
        in_country = (extra.iso3 == code).to_numpy()
        city_total = city_pop[in_country].sum()
        if city_total > 0:
            w_pop[nc:][in_country] += city_pop[in_country] / city_total * population / pop_total
        else:
            w_pop += cell_share * population / pop_total
        cap = extra[in_country & extra.is_capital.to_numpy()]
        if len(cap):
            w_cap[nc + int(cap.index[0])] = 1.0
            caps.append((str(base.loc[code, "name"]), nc + int(cap.index[0]), code))
    caps.sort()
    return MetricWeights(
        area=w_area,
        population=w_pop,
        capitals=w_cap,
        capital_index=np.array([c[1] for c in caps], np.int64),
        capital_names=tuple(f"{extra.name.iloc[i - nc]} ({code})" for _, i, code in caps),
    )
