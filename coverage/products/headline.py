"""The answer in one line: how much of NATO Europe is defended in a year, and what changed.

The dashboard shows this line above the map and image exports can print it under the title, so
both read it from :func:`headline`. Shares and capital statuses come from
:func:`coverage.products.metrics.coverage_metrics` (the engagement engine over the grid, cached),
the year before's defended capitals from :func:`coverage.products.metrics.defended_capitals`
(the engine over the capitals alone); the line names the threat and launch area in words,
never by their ids.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from coverage.catalogue.analysis import load_cities
from coverage.catalogue.tables import Catalogue
from coverage.physics.geodesy import distance_m
from coverage.products.compare import capitals_defended_in, names_change
from coverage.products.defended import defended_grid, same_engine_inputs
from coverage.products.mapdata import MapData, MapState
from coverage.products.metrics import (
    NATO_REGION,
    STATUS_NAMES,
    CoverageMetrics,
    coverage_metrics,
    defended_capitals,
    estimate_band,
    region_metrics,
    target_status,
)
from coverage.products.reasons import capital_reasons, city_reasons, place_reason
from coverage.scenario import (
    DESIGN_CASE_WORDS,
    FIRST_YEAR,
    SCENARIO_LABELS,
    engage_on_remote_words,
    launch_area_label,
    threat_label,
)
from coverage.style import share_text

__all__ = [
    "CAPITAL_COLUMNS",
    "CAPITAL_STATUSES",
    "Headline",
    "RegionFigure",
    "YearBefore",
    "capitals_by_year",
    "cities_by_year",
    "cities_with_reasons",
    "capitals_of",
    "headline",
    "headline_from_metrics",
    "launch_area_label",
    "naming_order",
    "place_why",
    "region_figure",
    "share_text",
    "threat_label",
    "with_reasons",
]

#: Capital states, in legend order.
CAPITAL_STATUSES = ("defended", "not defended", "out of reach")
#: Columns of :attr:`Headline.capitals`.
CAPITAL_COLUMNS = ["iso3", "country", "name", "lon_deg", "lat_deg", "population", "status"]
#: Names listed in the change text before "and N more".
_MAX_NAMED = 6


@dataclass(frozen=True)
class RegionFigure:
    """The defended share of a region beyond NATO Europe (the user's "whose territory")."""

    name: str
    area_share: float
    population_share: float

    def text(self) -> str:
        """``"European Russia: 4.2 % of its territory and 3.1 % of its population"``."""
        return (
            f"{self.name}: {share_text(self.area_share)} of its territory and "
            f"{share_text(self.population_share)} of its population"
        )


@dataclass(frozen=True, eq=False)
class Headline:
    """The answer-first line of one map state.

    Attributes
    ----------
    year, scenario
        The state's year and scenario id.
    area_share, population_share
        Defended share of NATO-Europe territory and (proxy) population, 0..1.
    capitals_defended, capitals_total
        Capitals of the year's European NATO members that are defended, and how many there are.
    threat, launch_area
        The threat and the launch area in words.
    previous_year
        The year compared with (``None`` in the first year of the rollout).
    gained, lost
        Capitals defended now but not in ``previous_year`` (and the reverse), sorted by name; a
        capital of a member that joined since then counts as gained when it is defended.
    capitals
        One row per capital (``CAPITAL_COLUMNS``): its position and status; from
        :func:`headline`, also ``why``: the status in words (:func:`with_reasons`).
    region
        The defended share of a region beyond NATO Europe that the user chose to measure too
        (:func:`region_figure`), said after NATO Europe's; ``None``: NATO Europe only.
    """

    year: int
    scenario: str
    area_share: float
    population_share: float
    capitals_defended: int
    capitals_total: int
    threat: str
    launch_area: str
    previous_year: int | None
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    capitals: pd.DataFrame
    region: RegionFigure | None = None
    #: Of ``gained``, the capitals of members that joined NATO since ``previous_year``: named
    #: "Podgorica (joined NATO)", since "+ Podgorica" in 2017 read as a defence gained when it
    #: was Montenegro joining (a new user, session 37).
    joined: frozenset[str] = frozenset()
    #: Engage on remote in words when in force ("with engage on remote (assumed from 10 Jul
    #: 2024)"), said with the threat: most of what a year with it defends hinges on it
    #: (:func:`coverage.scenario.engage_on_remote_words`); ``""`` when not in force.
    engage_on_remote: str = ""
    #: With :attr:`engage_on_remote` said, the share of NATO-Europe territory defended had the
    #: state none (its engine run with the setting off): 2024 as built from Tabriz, 92 % with
    #: it and 22 % without. Only a comparison said how much the assumption carries (a
    #: journalist's trial, session 42). ``None``: not in force.
    without_engage_on_remote: float | None = None
    #: With the uncertainty band drawn (the defended area on, no comparison), the band's low and
    #: high cases' shares of territory and of population, each case with its own delay as the
    #: band is drawn (``((area_low, area_high), (population_low, population_high))``): the map
    #: shaded the band while the line gave the nominal figure alone (session 43's new-user
    #: trial). ``None``: no band drawn.
    band: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def defended_capitals(self) -> list[str]:
        """Names of the defended capitals, sorted."""
        caps = self.capitals
        return sorted(caps.name[caps.status == "defended"])

    def defended_list_text(self) -> str:
        """The defended capitals as the shorter list (:func:`defended_list_text`)."""
        return defended_list_text(self.capitals)

    def shares_text(self) -> str:
        """``"40 % of NATO-Europe territory and 41 % of its population defended"``."""
        area, population = share_text(self.area_share), share_text(self.population_share)
        if self.band is not None:
            # "16 % of NATO-Europe territory (low estimates 0 %, high 40 %)": each estimate's
            # own figure, not a range (the estimates' areas nest as a rule, not by law).
            (a_low, a_high), (p_low, p_high) = self.band
            area += (
                f" of NATO-Europe territory (low estimates {share_text(a_low)}, "
                f"high {share_text(a_high)})"
            )
            population += f" of its population (low {share_text(p_low)}, high {share_text(p_high)})"
            text = f"{area} and {population} defended"
        else:
            text = f"{area} of NATO-Europe territory and {population} of its population defended"
        return text if self.region is None else f"{text}; {self.region.text()}"

    def capitals_text(self) -> str:
        """``"12 of 26 capitals defended"`` (and how many the threat cannot reach, if any)."""
        text = f"{self.capitals_defended} of {self.capitals_total} capitals defended"
        out = int((self.capitals.status == "out of reach").sum())
        return text + (f" ({out} out of the threat's reach)" if out else "")

    def capitals_named_text(self, *, max_named: int = 6) -> str:
        """:meth:`capitals_text` and which ones, when the shorter list is at most ``max_named``.

        ``"6 of 26 capitals defended: Bucharest, Budapest, Lisbon, Sofia, Tirana, Zagreb"``,
        ``"28 of 30 capitals defended: all but Ankara, Reykjavík"``; no names for all, none, or
        longer lists (the legend lists them).
        """
        text = self.capitals_text()
        prefix, names = _shorter_list(self.capitals)
        if not names or len(names) > max_named:
            return text
        return f"{text}: {prefix}{', '.join(names)}"

    def threat_text(self, *, short: bool = False) -> str:
        """``"against <threat> launched from <area>"``, and engage on remote when in force.

        ``short``: the design-case threat without its computed range (a smaller screen's line).
        """
        threat = self.threat
        if short and threat.startswith(f"{DESIGN_CASE_WORDS} ("):
            threat = DESIGN_CASE_WORDS
        eor = f", {self.engage_on_remote}" if self.engage_on_remote else ""
        if eor.endswith(")") and self.without_engage_on_remote is not None:
            # "(assumed from 10 Jul 2024; 22 % without it)": how much the assumption carries.
            without = share_text(self.without_engage_on_remote)
            eor = f"{eor[:-1]}; {without} {'' if short else 'of the territory '}without it)"
        return f"against {threat} launched from {self.launch_area}{eor}"

    def change_text(self, *, max_named: int = _MAX_NAMED) -> str:
        """What changed since the previous year, in capitals gained (+) and lost (−).

        At most ``max_named`` names per sign, then "and N more".
        """
        if self.previous_year is None:
            return "first year of the rollout"
        gained = tuple(f"{n} (joined NATO)" if n in self.joined else n for n in self.gained)
        parts = [
            f"{sign} {_names(names, max_named)}"
            for sign, names in (("+", gained), ("−", self.lost))
            if names
        ]
        if not parts:
            return f"no capital changed since {self.previous_year}"
        return f"since {self.previous_year}: " + "; ".join(parts)

    def short_text(self) -> str:
        """One line for an image under its title (the image states year, threat and assumptions).

        The change names up to five capitals each way, else three and how many more: "since
        2015: + Bucharest, Budapest, Sofia and 2 more" on the slide beside the dashboard's
        five names read as a different answer (GIS trial, session 37), and five names are
        about as long as three and "and 2 more".
        """
        most = max(len(self.gained), len(self.lost))
        change = self.change_text(max_named=most if most <= 5 else 3)
        return f"{self.shares_text()}; {self.capitals_text()}; {change}."

    def slide_text(self) -> str:
        """Two lines for a slide under its title: :meth:`short_text`, then the threat's.

        The threat and where it is launched from, as on the dashboard: a slide said it only in
        its small assumptions text, and a launch point looked like any other candidate.
        """
        return f"{self.short_text()}\n{_first_upper(self.threat_text())}."

    def text(self) -> str:
        """The whole line, plain text (dashboard alt text, image exports)."""
        return (
            f"{self.year}, {SCENARIO_LABELS.get(self.scenario, self.scenario)}: "
            f"{self.shares_text()}; {self.capitals_text()}; {self.threat_text()}; "
            f"{self.change_text()}."
        )


def _shorter_list(capitals: pd.DataFrame) -> tuple[str, list[str]]:
    """``("", defended)`` or, when more are defended than not, ``("all but ", others)``."""
    defended = sorted(capitals.name[capitals.status == "defended"])
    others = sorted(capitals.name[capitals.status != "defended"])
    return ("", defended) if len(defended) <= len(others) else ("all but ", others)


def defended_list_text(capitals: pd.DataFrame) -> str:
    """The defended capitals (``name``, ``status``) as the shorter list: names, or "all but".

    ``"Bucharest, Sofia"``, ``"all but Ankara, Reykjavík"``, ``"all"`` or ``"none"``: a legend
    lists at most half of the capitals (30 names fit no projector's side column).
    """
    prefix, names = _shorter_list(capitals)
    if not names:
        return "all" if prefix else "none"
    return prefix + ", ".join(names)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(names: tuple[str, ...], max_named: int) -> str:
    if len(names) <= max_named:
        return ", ".join(names)
    return ", ".join(names[:max_named]) + f" and {len(names) - max_named} more"


@functools.lru_cache(maxsize=1)
def _capital_positions() -> dict[tuple[str, str], tuple[float, float, int]]:
    """``(lon, lat, population)`` of every capital in data/cities.csv, by ``(iso3, name)``."""
    cities = load_cities()
    caps = cities[cities.is_capital]
    return {
        (code, name): (float(lon), float(lat), int(pop))
        for code, name, lon, lat, pop in zip(
            caps.iso3, caps.name, caps.lon_deg, caps.lat_deg, caps.population, strict=True
        )
    }


def _capitals(m: CoverageMetrics) -> pd.DataFrame:
    """The capitals of a metrics' country table with their positions (CAPITAL_COLUMNS), by name."""
    table = m.countries
    where = _capital_positions()
    nowhere = (float("nan"),) * 3  # as a left merge left it (never: the same file)
    rows = [
        (code, country, name, *where.get((code, name), nowhere), status)
        for code, country, name, status in zip(
            table.iso3, table.name, table.capital, table.capital_status, strict=True
        )
        if name != ""
    ]
    frame = pd.DataFrame(sorted(rows, key=lambda r: r[2]), columns=CAPITAL_COLUMNS)
    if frame.empty:  # the types a table with rows gets
        frame = frame.astype({"lon_deg": float, "lat_deg": float, "population": "int64"})
    return frame


def capitals_of(catalogue: Catalogue, state: MapState) -> pd.DataFrame:
    """The capitals of ``state`` by status (:data:`CAPITAL_COLUMNS` and ``why``), as its headline has them.

    One engagement run (cached by the engine), not the headline's two: no year-before change.
    """
    return with_reasons(
        _capitals(coverage_metrics(catalogue, state.options, state.query())), catalogue, state
    )


#: A major city: a city of data/cities.csv with at least this many inhabitants (GeoNames'
#: city population, not the metropolitan area; an assumption of this tool).
MAJOR_CITY_POPULATION = 1_000_000
#: Its short words on the map, the legend and the switch.
MAJOR_CITY_WORDS = f"{MAJOR_CITY_POPULATION // 1_000_000} M+"
#: A city this close to a capital or to a larger major city is part of it (Istanbul's districts,
#: "Pest" beside Budapest, Çankaya in Ankara), km.
MAJOR_CITY_SEPARATION_KM = 50.0


def major_cities(catalogue: Catalogue, state: MapState) -> pd.DataFrame:
    """The year's NATO members' major cities on the map's grid, by status.

    Cities of :data:`MAJOR_CITY_POPULATION` inhabitants or more that are not capitals, a city
    within :data:`MAJOR_CITY_SEPARATION_KM` of a capital or of a larger one left out; each with
    the status its own point has in the state's run (the grid's run takes every city of the
    domain as a target of its own: no second run). Columns :data:`CAPITAL_COLUMNS`, largest
    first.
    """
    dg = defended_grid(catalogue, state.options, state.query())
    extra = dg.extra
    members = catalogue.nato_members_in(state.options.year)
    capitals = extra[extra.is_capital.astype(bool)]
    big = extra[
        (extra.population >= MAJOR_CITY_POPULATION)
        & ~extra.is_capital.astype(bool)
        & extra.iso3.isin(members)
    ].sort_values("population", ascending=False, kind="stable")
    anchors_lon = capitals.lon_deg.astype(float).tolist()
    anchors_lat = capitals.lat_deg.astype(float).tolist()
    nato = catalogue.nato_members
    names = dict(zip(nato.iso3, nato.name, strict=True))
    status = target_status(dg.result.defended[dg.n_cells :], dg.result.in_reach[dg.n_cells :])
    rows = []
    for i, row in zip(big.index, big.itertuples(index=False), strict=True):
        lon, lat = float(row.lon_deg), float(row.lat_deg)
        apart_m = distance_m(lon, lat, anchors_lon, anchors_lat)
        if (apart_m < MAJOR_CITY_SEPARATION_KM * 1000.0).any():
            continue
        anchors_lon.append(lon)
        anchors_lat.append(lat)
        rows.append(
            (
                row.iso3,
                names.get(row.iso3, row.iso3),
                row.name,
                lon,
                lat,
                int(row.population),
                STATUS_NAMES[int(status[i])],
            )
        )
    return pd.DataFrame(rows, columns=CAPITAL_COLUMNS).astype(
        {"lon_deg": float, "lat_deg": float, "population": "int64"}
    )


def with_reasons(capitals: pd.DataFrame, catalogue: Catalogue, state: MapState) -> pd.DataFrame:
    """``capitals`` with a ``why`` column: each status in words, from the run that decided it.

    :func:`coverage.products.reasons.capital_reasons` over the state's (cached) engagement run:
    which sites have an intercept window and when, or which part of the timeline fails.
    """
    dg = defended_grid(catalogue, state.options, state.query())
    return _with_why(capitals, capital_reasons(dg, catalogue))


def _with_why(places: pd.DataFrame, reasons: Mapping[tuple[str, str], str]) -> pd.DataFrame:
    """``places`` with ``why``: each one's reason by ``(iso3, name)``, ``""`` where none."""
    keys = [(str(c), str(n)) for c, n in zip(places.iso3, places.name, strict=True)]
    why = [reasons.get(key, "") for key in keys]
    return places.assign(why=pd.Series(why, index=places.index, dtype=object))


def cities_with_reasons(
    cities: pd.DataFrame, catalogue: Catalogue, state: MapState
) -> pd.DataFrame:
    """``cities`` (:func:`major_cities`) with the ``why`` column :func:`with_reasons` gives capitals.

    For the GIS files (a city's status said without its reason there, session 38's note); the
    map asks one city's reason on its click (:func:`place_why`).
    """
    dg = defended_grid(catalogue, state.options, state.query())
    keys = [(str(c), str(n)) for c, n in zip(cities.iso3, cities.name, strict=True)]
    return _with_why(cities, city_reasons(dg, catalogue, keys))


def place_why(catalogue: Catalogue, state: MapState, iso3: str, name: str) -> str:
    """Why the extra point ``(iso3, name)`` of ``state`` (a major city) has its status, in words.

    :func:`with_reasons`' words for one place, from the same (cached) run; ``""`` for a place
    the run does not hold.
    """
    dg = defended_grid(catalogue, state.options, state.query())
    return place_reason(dg, catalogue, iso3, name)


def capitals_by_year(catalogue: Catalogue, series: Iterable[MapData]) -> dict[int, pd.DataFrame]:
    """Each map's capitals by status, by its year (for the KML/KMZ rollout)."""
    return {d.state.options.year: capitals_of(catalogue, d.state) for d in series}


def cities_by_year(catalogue: Catalogue, series: Iterable[MapData]) -> dict[int, pd.DataFrame]:
    """Each map's major cities by status, with ``why``, by its year (for the KML/KMZ rollout).

    With their reasons, as :func:`capitals_by_year`'s capitals have theirs.
    """
    return {
        d.state.options.year: cities_with_reasons(
            major_cities(catalogue, d.state), catalogue, d.state
        )
        for d in series
    }


@dataclass(frozen=True)
class YearBefore:
    """What a headline is compared with: a year and the capitals defended in it.

    Attributes
    ----------
    year
        The year compared with.
    defended
        Names of the capitals of that year's members that were defended.
    """

    year: int
    defended: frozenset[str]

    @classmethod
    def of(cls, m: CoverageMetrics) -> YearBefore:
        """The year and defended capitals of full metrics."""
        return cls(m.year, capitals_defended_in(m))


def headline_from_metrics(
    current: CoverageMetrics,
    previous: YearBefore | None,
    *,
    threat: str,
    launch_area: str,
) -> Headline:
    """The headline of ``current`` compared with ``previous`` (pure; ``None`` = no comparison).

    ``threat`` and ``launch_area`` are the words to print (see :func:`threat_label` and
    :func:`launch_area_label`).
    """
    caps = _capitals(current)
    gained: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    if previous is not None:
        gained, lost = names_change(previous.defended, capitals_defended_in(current))
    return Headline(
        year=current.year,
        scenario=current.scenario,
        area_share=current.nato_europe_area_share,
        population_share=current.nato_europe_population_share,
        capitals_defended=current.capitals_defended,
        capitals_total=current.capitals_defended
        + current.capitals_not_defended
        + current.capitals_out_of_reach,
        threat=threat,
        launch_area=launch_area,
        previous_year=None if previous is None else previous.year,
        gained=gained,
        lost=lost,
        capitals=caps,
    )


def headline(catalogue: Catalogue, state: MapState) -> Headline:
    """The headline of a map state, compared with the year before.

    Defended shares and capitals for the state, and the capitals gained or lost since the
    previous year (same scenario, estimate, threat and assumptions).

    The defended layer need not be drawn: the numbers always refer to the state's threat and
    launch area. Costs the state's engagement run over the grid and, when the year before
    asks the engine another question (other deployments), one over that year's capitals
    alone (:func:`defended_capitals`: the change names capitals only), both cached; where
    engage on remote is in force, one more over the grid with it off (the share without it).
    """
    query = state.query()
    options = state.options
    current = coverage_metrics(catalogue, options, query)
    previous = None
    if options.year > FIRST_YEAR:
        # A map of one day (``on_date``) is compared with the whole year before.
        before = replace(options, year=options.year - 1, on_date=None)
        if same_engine_inputs(catalogue, options, before, query):
            # The same question (the same deployments): the year's own answer, for the year
            # before's members (membership only grows).
            defended = capitals_defended_in(current, catalogue.nato_members_in(before.year))
        else:
            defended = defended_capitals(catalogue, before, query)
        previous = YearBefore(before.year, defended)
    line = headline_from_metrics(
        current,
        previous,
        threat=threat_label(state.threat, current.threat_range_km),
        launch_area=launch_area_label(catalogue, state.launch_area),
    )
    joined: frozenset[str] = frozenset()
    if previous is not None and line.gained:
        members_before = catalogue.nato_members_in(previous.year)
        caps = line.capitals
        joined = frozenset(caps.name[~caps.iso3.isin(members_before)].astype(str)) & set(
            line.gained
        )
    eor = engage_on_remote_words(query, options)
    without = None
    if eor:
        # One more cached engine run, only where the assumption is in force.
        off = replace(query, engage_on_remote="off")
        without = coverage_metrics(catalogue, options, off).nato_europe_area_share
    band = None
    if state.uncertainty_band and "defended" in state.layers and state.compare is None:
        # Where the band is drawn: its low and high cases, each with its own delay as the
        # band's drawing has them (metrics.estimate_band; the same cached engine runs).
        rows = estimate_band(catalogue, options, query).set_index("estimate")
        area, population = rows.nato_europe_area_share, rows.nato_europe_population_share
        band = (
            (float(area["low"]), float(area["high"])),
            (float(population["low"]), float(population["high"])),
        )
    return replace(
        line,
        capitals=with_reasons(line.capitals, catalogue, state),
        joined=joined,
        engage_on_remote=eor,
        without_engage_on_remote=without,
        band=band,
    )


def region_figure(catalogue: Catalogue, state: MapState, region: str) -> RegionFigure | None:
    """The defended share of ``region`` (data/regions.csv) for ``state``; ``None`` for NATO Europe.

    The same engine run as the state's map when its domain is wide (a region beyond NATO
    Europe needs the wide grid; :func:`~coverage.products.metrics.region_metrics` widens it).
    """
    if region == NATO_REGION:
        return None
    r = region_metrics(catalogue, state.options, state.query(), region)
    return RegionFigure(r.region_name, r.area_share, r.population_share)


def naming_order(places: pd.DataFrame) -> np.ndarray:
    """Row positions of ``places`` (capitals or cities) in the order their names are placed.

    The defended first, each group largest first: a name placed earlier takes the room a
    later one needed, and on a crowded map the defended places are the answer (in 2016 at
    1280x720 Sofia, Tirana and Zagreb, three of the six defended capitals, were left unnamed
    while Berlin and Warsaw were named). Without a ``status`` or ``population`` column that
    key is left out.
    """
    n = len(places)
    size = places["population"].to_numpy(float) if "population" in places.columns else np.zeros(n)
    undefended = (
        (places["status"].to_numpy() != "defended") if "status" in places.columns else np.zeros(n)
    )
    return np.lexsort((-np.nan_to_num(size, nan=0.0), undefended))
