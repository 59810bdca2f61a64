"""One map state → every layer's data: the single source for the dashboard map and the exports.

:func:`compute_map` computes one state; :func:`map_series` the same state over several years
and :func:`rollout_series` the series per scenario that an animation draws. The renderers
(:mod:`coverage.render`) only draw what these return.

The dashboard (pydeck) and the static exporter (matplotlib) both draw a :class:`MapData`, so a
PNG exported for a state shows exactly the layers, features and numbers the dashboard shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

import geopandas as gpd
import shapely
from shapely.geometry import Point

from coverage.catalogue import basemap
from coverage.catalogue.tables import Catalogue
from coverage.physics.ballistics import SHAPES
from coverage.products.compare import (
    Comparison,
    Variation,
    compare_states,
    comparison_layer,
    sites_of_both,
)
from coverage.products.cooperation import ALONE, warning_timing
from coverage.products.defended import defended_band, defended_grid, defended_layer
from coverage.products.footprints import early_warning_footprints, footprints, sites_layer
from coverage.products.sectoral import (
    SectoralAnswer,
    sector_subtitle,
    sectoral_answer,
    sectoral_layer,
)
from coverage.products.tracks import threat_tracks
from coverage.scenario import (
    BASELINES,
    MAP_FREE_QUERY_FIELDS,
    SCENARIO_LABELS,
    DefenceQuery,
    FootprintOptions,
    PhaseStatus,
    Scenario,
    cooperation_labels,
    cooperation_title,
    describe_capabilities,
    describe_cooperation,
    describe_detection,
    describe_flyout,
    describe_threat_options,
    launch_area_label,
    phase_status,
    resolve_launch_area,
    threat_label,
    warning_radars_for,
)
from coverage.style import LAYER_STYLES, SECTOR_CHOICES

__all__ = [
    "WHAT_IF_MARK",
    "what_if_mark",
    "ANSWER_LAYERS",
    "DEFAULT_LAYERS",
    "MapData",
    "MapState",
    "compute_map",
    "defended_for_state",
    "ENGAGEMENT_CHOICES",
    "describe_assumptions",
    "describe_choices",
    "describe_cooperation_state",
    "map_series",
    "rollout_series",
    "tracks_for_state",
]

#: Appended to the title (and the KML document's name) of a map drawn from an edited catalogue.
WHAT_IF_MARK = " — WHAT-IF (user edits)"


def what_if_mark(catalogue: Catalogue) -> str:
    """:data:`WHAT_IF_MARK` for a catalogue the user edited (values or sites), else ``""``."""
    return (
        WHAT_IF_MARK if catalogue.label != "sourced catalogue" or catalogue.custom_site_ids else ""
    )


_TRACK_SOURCE = "Computed here: Keplerian minimum-energy trajectory and engagement timeline (coverage/physics/engagement.py)"

DEFAULT_LAYERS = frozenset(k for k, s in LAYER_STYLES.items() if s.default_on)
#: What the dashboard opens with and the CLI exports by default: the library defaults plus the
#: physics-based defended area, so the first map answers "what is defended".
ANSWER_LAYERS = DEFAULT_LAYERS | {"defended"}


@dataclass(frozen=True)
class MapState:
    """Everything a user chose for one map (hashable: a cache key and a URL).

    Attributes
    ----------
    options
        Year, scenario, estimate and radar assumptions.
    layers
        Keys of ``coverage.style.LAYER_STYLES`` to draw.
    view
        Camera preset: ``"europe"`` or ``"wide"``.
    launch_area
        Launch point or area for the defended-area layer and the threat tracks.
    threat
        Threat class id for the defended-area layer.
    delay_s
        Detection-to-launch delay for the defended area, s (0 to 600).
    launch_on_remote
        Whether any radar's track may cue any interceptor site.
    shoot_look_shoot
        Require two time-separated intercept opportunities.
    uncertainty_band
        Draw the defended area for the low, nominal and high estimates as nested areas.
    shape
        Threat trajectory for the defended area and the tracks: ``"minimum_energy"``, or
        ``"lofted"`` / ``"depressed"`` (burnout angle 10° above / below minimum energy).
    flyout_model, speed_basis, reach_cap, engage_on_remote, satellite_cueing, rv_rcs_m2,
    booster_rcs_m2, boost_track_needs_warhead, cooperation, warning_commits, boost, rotation,
    boost_case, refraction
        The physics choices of :class:`~coverage.scenario.DefenceQuery` (``reach_cap`` is its
        ``cap_at_nominal_range``); their defaults are the query's. :meth:`from_query` carries a
        whole query over.
    compare
        A second state B to compare with (this state is A): the map then draws the ground
        gained, lost and defended in both instead of the defended area
        (:mod:`coverage.products.compare`). ``None``: no comparison.
    domain
        The target grid's domain (:class:`~coverage.scenario.DefenceQuery`): ``"europe"``
        (default) or ``"wide"`` (the defended area also over European Russia, Belarus, Ukraine,
        Moldova and the South Caucasus). NATO-Europe figures are the same on both.
    sector
        Russia's sectoral proposal on the map (:mod:`coverage.products.sectoral`): ``"none"``
        (default), ``"computed"``, ``"picture"`` (the General Staff's, May 2012) or ``"both"``.
    """

    options: FootprintOptions
    layers: frozenset[str] = field(default_factory=lambda: DEFAULT_LAYERS)
    view: str = "europe"
    launch_area: str = "tabriz"
    threat: str = "design_case"
    delay_s: float = 60.0
    launch_on_remote: bool = True
    shoot_look_shoot: bool = False
    uncertainty_band: bool = False
    shape: str = "minimum_energy"
    flyout_model: str = "point_mass"
    speed_basis: str = "achieved"
    reach_cap: bool = False
    engage_on_remote: str = "by_date"
    satellite_cueing: str = "by_date"
    rv_rcs_m2: float | None = None
    booster_rcs_m2: float | None = None
    boost_track_needs_warhead: bool = False
    cooperation: str = "nato_alone"
    warning_commits: bool = False
    boost: bool = True
    rotation: bool = True
    boost_case: str = "nominal"
    refraction: bool = False
    compare: Variation | None = None
    sector: str = "none"
    domain: str = "europe"

    def __post_init__(self) -> None:
        unknown = set(self.layers) - set(LAYER_STYLES)
        if unknown:
            raise ValueError(
                f"layers {sorted(unknown)} unknown; allowed: {', '.join(LAYER_STYLES)}"
            )
        if self.view not in ("europe", "wide"):
            raise ValueError(f"view={self.view!r} is not one of 'europe', 'wide'")
        # As the command line's --delay-s (metrics, icbm, export): the engine takes any delay.
        if not (math.isfinite(self.delay_s) and 0.0 <= self.delay_s <= 1200.0):
            raise ValueError(f"delay_s={self.delay_s!r} is outside the allowed range 0..1200")
        if self.shape not in SHAPES:
            raise ValueError(f"shape={self.shape!r} is not one of {', '.join(SHAPES)}")
        if self.sector not in SECTOR_CHOICES:
            raise ValueError(f"sector={self.sector!r} is not one of {', '.join(SECTOR_CHOICES)}")
        if self.compare is not None and not isinstance(self.compare, Variation):
            raise ValueError(f"compare={self.compare!r} is not a Variation")
        self.query()  # validates the physics choices (messages name the field)

    def query(self) -> DefenceQuery:
        """The :class:`~coverage.scenario.DefenceQuery` this map state implies."""
        return DefenceQuery(
            launch_area=self.launch_area,
            threat=self.threat,
            delay_s=self.delay_s,
            launch_on_remote=self.launch_on_remote,
            shoot_look_shoot=self.shoot_look_shoot,
            shape=self.shape,  # type: ignore[arg-type]  # checked above
            flyout_model=self.flyout_model,  # type: ignore[arg-type]  # checked by DefenceQuery
            speed_basis=self.speed_basis,  # type: ignore[arg-type]
            cap_at_nominal_range=self.reach_cap,
            engage_on_remote=self.engage_on_remote,  # type: ignore[arg-type]
            satellite_cueing=self.satellite_cueing,  # type: ignore[arg-type]
            rv_rcs_m2=self.rv_rcs_m2,
            booster_rcs_m2=self.booster_rcs_m2,
            boost_track_needs_warhead=self.boost_track_needs_warhead,
            cooperation=self.cooperation,
            warning_commits=self.warning_commits,
            domain=self.domain,
            boost=self.boost,
            rotation=self.rotation,
            boost_case=self.boost_case,  # type: ignore[arg-type]  # checked by DefenceQuery
            refraction=self.refraction,
        )

    @classmethod
    def from_query(cls, options: FootprintOptions, query: DefenceQuery, **fields: Any) -> MapState:
        """The map state of ``options`` and every choice of ``query`` that a map carries.

        ``fields`` sets the map's own fields (``layers``, ``view``, ``compare``, ...). The
        query's :data:`~coverage.scenario.MAP_FREE_QUERY_FIELDS` are not a map's (the map's grid
        and the rest are fixed); a query that sets one away from its default is refused rather
        than drawn as if it had not.
        """
        changed = sorted(
            n for n in MAP_FREE_QUERY_FIELDS if getattr(query, n) != getattr(DefenceQuery, n)
        )
        if changed:
            raise ValueError(f"a map state does not carry {', '.join(changed)}")
        carried = {
            f.name: getattr(query, f.name)
            for f in dataclasses.fields(DefenceQuery)
            if f.name not in MAP_FREE_QUERY_FIELDS and f.name != "cap_at_nominal_range"
        }
        return cls(
            options=options,
            reach_cap=query.cap_at_nominal_range,
            **carried,
            **fields,
        )


@dataclass(frozen=True)
class MapData:
    """Every layer of one map state, in EPSG:4326, plus its title lines."""

    state: MapState
    countries: gpd.GeoDataFrame
    nato: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    early_warning: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    launch_points: gpd.GeoDataFrame
    defended: gpd.GeoDataFrame | None
    tracks: gpd.GeoDataFrame | None
    phase: PhaseStatus
    title: str
    subtitle: str
    assumptions: str
    #: The choices of this state that are not the model's defaults, in short words
    #: (:func:`describe_choices`): said first under the map, so that a briefer sees them even
    #: where the assumptions line is cut short (a projector), and in the exports. Empty: none.
    choices: tuple[str, ...] = ()
    comparison: Comparison | None = None
    difference: gpd.GeoDataFrame | None = None
    #: The "probability defended" layer of a Monte-Carlo sweep
    #: (:func:`coverage.products.sweep.probability_layer`), drawn when set; none by default.
    probability: gpd.GeoDataFrame | None = None
    #: Every European NATO member in the catalogue, whenever it joined (``joined_year``): the
    #: live map draws this one layer and shows the year's members with a filter on the joining
    #: year, so its data (a published file) stays the same from year to year.
    nato_ever: gpd.GeoDataFrame | None = None
    #: Russia's sectoral proposal (:func:`coverage.products.sectoral.sectoral_layer`), drawn
    #: when ``state.sector`` asks for it; with its answer for legends and titles.
    sectoral: gpd.GeoDataFrame | None = None
    sectoral_answer: SectoralAnswer | None = None
    #: With a cooperation scenario (on the map, or as B against NATO alone): why it gains what
    #: it gains, in one clause (:meth:`~coverage.products.cooperation.WarningTiming.brief`).
    cooperation_why: str = ""
    #: The cooperation scenario in a title's words for the map's year, naming its radars not in
    #: service then (:func:`coverage.scenario.cooperation_title`); ``""`` for NATO alone.
    cooperation_words: str = ""
    #: The radar footprints and interceptor rings the map is framed on
    #: (:func:`coverage.render.layers.drawn_bounds`): this estimate's and, for another, the
    #: nominal one's too. The low estimate's lie within the nominal's, so low and nominal get
    #: the same camera and can be compared by eye; the high estimate's reach farther and widen
    #: the frame (framing the default map on the high case's extent would shrink Europe on
    #: every nominal map). Empty: framed on ``footprints`` alone.
    estimate_footprints: tuple[gpd.GeoDataFrame, ...] = ()
    #: Legend titles that differ from the palette table's for this map, by layer key: the
    #: ICBM map's "launch" layer holds Russia's ICBM bases, not candidate launch areas.
    legend_titles: Mapping[str, str] = field(default_factory=dict)
    #: Names of the launch points (of ``launch_points``) the map's threat flies from, when the
    #: defended area or the threat tracks are drawn: the map names and rings them (the other
    #: dots are candidates). Empty otherwise.
    launch_used: tuple[str, ...] = ()
    #: The subtitle with A's phase only, marked "(A)" beside a comparison of two phases: for a
    #: projector, whose layout has room for one line of it (the legend's foot went below a
    #: 1280x720 window with two). ``""``: the subtitle itself.
    subtitle_one_line: str = ""

    @property
    def phases_of_both(self) -> bool:
        """Whether the subtitle gives both states' phases ("A: Phase 2 as built — … · B: …").

        A line more on the smaller screens (:func:`coverage.render.layers.extra_rows`).
        """
        return self.subtitle_one_line not in ("", self.subtitle)

    @property
    def drawn_defended(self) -> gpd.GeoDataFrame | None:
        """The defended area as the map and the slides draw it: over the NATO members.

        The shares count the members' ground only; drawn over every country of the grid, the
        defended green lay over Serbia, Belarus and Ukraine, and a comparison's "gained in B"
        hatched Belarus under a line about "the territory of the 30 members" (session 43's
        new-user trial). With the wide domain, whose regions beyond NATO the user asked for
        (the headline names one), the whole ground is drawn. The GIS files keep the whole
        ground (``defended``: their labels count the grid's cells over every country).
        """
        return self._once(
            "drawn_defended", lambda: _on_members(self.defended, self._members_ground)
        )

    @property
    def drawn_difference(self) -> gpd.GeoDataFrame | None:
        """A comparison's gained / lost / both as drawn: over the members of either year."""
        return self._once(
            "drawn_difference", lambda: _on_members(self.difference, self._members_ground)
        )

    def _once(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept on this map after its first call.

        Not ``functools.cached_property``: on Python 3.11 it holds one lock for every instance,
        so the server's sessions would queue on each other's first cut. Two threads asking at
        once may both compute it (the same answer).
        """
        kept = self.__dict__.setdefault("_kept", {})
        if name not in kept:
            kept[name] = compute()
        return kept[name]

    @property
    def _members_ground(self) -> Any:
        """The ground the shares count (None: the whole ground, the wide domain).

        The year's members; beside a comparison, the members of either year (whose territory
        the comparison's shares are of).
        """
        if self.state.domain != "europe":
            return None
        members = self.counted_members
        return _members_union(self.state.view, tuple(sorted(members.iso3)), members)

    @property
    def counted_members(self) -> gpd.GeoDataFrame:
        """The NATO members whose territory the shares are of.

        The year's members; beside a comparison, the members of either year (whose territory
        a comparison's gained and lost shares are of), from :attr:`nato_ever` in its order.
        """
        cmp, ever = self.comparison, self.nato_ever
        if cmp is None or ever is None:
            return self.nato
        return ever[ever.joined_year.astype(float) <= max(cmp.a.year, cmp.b.year)]

    def legend_title(self, key: str, default: str) -> str:
        """The legend title of layer ``key`` on this map (``default``: the palette table's)."""
        return self.legend_titles.get(key, default)

    def choices_text(self) -> str:
        """``"Changed from the defaults: low estimates; …."``, or ``""`` when there are none."""
        return f"{CHOICES_HEADING}: {'; '.join(self.choices)}." if self.choices else ""


#: The members' ground by view and members (the basemap's geometries: the same for the same
#: members); one union each, shared by every map of those members.
_MEMBER_UNIONS: dict[tuple[str, tuple[str, ...]], Any] = {}
#: The members' ground is simplified to this before it cuts the defended area (the map's own
#: display tolerance, coverage.render.layers.DISPLAY_TOLERANCE_DEG: about 5 km, a fifth of a
#: grid cell). Cut with the full coastlines and borders, 2024's deck grew by 188 kB (+20 %;
#: its outlines and hover layer); with this, by 145 kB (+15 %), and 2016's by 18 kB (+3 %):
#: where the cells' steps meet a border the cut adds vertices that no tolerance below a cell
#: takes away.
_MEMBERS_TOLERANCE_DEG = 0.05


def _members_union(view: str, iso3: tuple[str, ...], members: gpd.GeoDataFrame) -> Any:
    """The union of ``members``' polygons (the members ``iso3`` of ``view``'s basemap), cached."""
    key = (view, iso3)
    if key not in _MEMBER_UNIONS:
        union = shapely.union_all(members.geometry.values)
        _MEMBER_UNIONS[key] = shapely.simplify(union, _MEMBERS_TOLERANCE_DEG)
    return _MEMBER_UNIONS[key]


def _on_members(frame: gpd.GeoDataFrame | None, ground: Any) -> gpd.GeoDataFrame | None:
    """``frame`` with each geometry cut to ``ground`` (None: ``frame`` as it is)."""
    if frame is None or ground is None:
        return frame
    return frame.set_geometry(shapely.intersection(frame.geometry.values, ground))


def _launch_points(catalogue: Catalogue) -> gpd.GeoDataFrame:
    lp = catalogue.launch_points
    return gpd.GeoDataFrame(
        {
            "point_id": lp.point_id,
            "name": lp.name,
            "area": lp.area,
            "label": [
                f"{n} ({a}): candidate launch area, {c} confidence"
                for n, a, c in zip(lp.name, lp.area, lp.confidence, strict=True)
            ],
            "source": lp.source,
            # A field, as the footprints have it (the GIS files had it only in the label).
            "confidence": lp.confidence,
        },
        geometry=[Point(x, y) for x, y in zip(lp.lon_deg, lp.lat_deg, strict=True)],
        crs="EPSG:4326",
    )


_SHAPE_TEXT = {
    "minimum_energy": "",
    "lofted": ", lofted trajectory (burnout angle 10° above minimum energy)",
    "depressed": ", depressed trajectory (burnout angle 10° below minimum energy)",
}


def describe_cooperation_state(state: MapState, catalogue: Catalogue | None = None) -> str | None:
    """The state's NATO-Russia cooperation scenario in words; ``None`` for NATO alone.

    With ``catalogue``, also which Russian early-warning radars act as sensors in the year (by
    name) and what their warning may do.
    """
    if state.cooperation == "nato_alone":
        return None
    text = f"cooperation scenario: {cooperation_labels()[state.cooperation]}"
    if catalogue is None:
        return text
    query = state.query()
    ids = tuple(i for i, _ in warning_radars_for(catalogue, state.options, query))
    ew = catalogue.early_warning_radars
    names = dict(zip(ew.radar_id.astype(str), ew.name.astype(str), strict=True))
    return f"{text} — {describe_cooperation(ids, query, names)}"


def describe_assumptions(state: MapState, catalogue: Catalogue | None = None) -> str:
    """One line stating the assumptions behind the drawn layers.

    With ``catalogue``, the launch area reads as words (``Tabriz (NW Iran)``), as the threat
    always does; without it, the launch area is named by its id.
    """
    o = state.options
    mask = (
        "each radar type's own elevation mask (data/parameters.csv, data/detection.csv)"
        if o.min_elevation_deg is None
        else f"elevation mask {o.min_elevation_deg:g}° for every radar"
    )
    parts = [
        f"{o.estimate} estimates",
        f"radar footprints for a target at {o.target_alt_km:g} km altitude, RCS {o.target_rcs_m2:g} m², "
        f"k = {o.k_factor:.3g}, {mask}",
        "interceptor rings are nominal ranges, not defended areas",
    ]
    if "defended" in state.layers or "tracks" in state.layers:
        q = state.query()
        area = (
            state.launch_area
            if catalogue is None
            else launch_area_label(catalogue, state.launch_area)
        )
        parts.append(
            f"defended area vs {threat_label(state.threat)} from {area}, delay {state.delay_s:g} s, "
            f"{'launch on remote' if state.launch_on_remote else 'own radar only'}"
            f"{', shoot-look-shoot' if state.shoot_look_shoot else ''}"
            f"{_SHAPE_TEXT[state.shape]}; {describe_capabilities(q, o)}; "
            f"{describe_detection(q, o)}; fly-out {describe_flyout(q)}; "
            f"{describe_threat_options(q)}"
            f"{'; nested low/nominal/high estimates' if state.uncertainty_band else ''}"
        )
    if state.domain == "wide" and ("defended" in state.layers or "tracks" in state.layers):
        parts.append(
            "defended area computed also over European Russia (west of 60°E, with Kaliningrad), "
            "Belarus, Ukraine, Moldova and the South Caucasus (data/regions.csv; NATO-Europe "
            "figures unchanged)"
        )
    if state.sector in ("computed", "both"):
        parts.append(
            "Russia's sector (computed): NATO-Europe ground whose threat track crosses Russia or "
            "Belarus before descending through the lowest intercept altitude of the year's "
            "interceptors"
        )
    if state.sector in ("picture", "both"):
        parts.append(
            "Russia's sector as the General Staff drew it (May 2012), read at country level "
            "from two public descriptions (data/sectoral_picture.csv, Low confidence)"
        )
    cooperation = describe_cooperation_state(state, catalogue)
    if cooperation is not None:
        parts.append(cooperation)
    return "; ".join(parts) + "."


#: The fields of :class:`MapState` that are engagement choices (with defaults of their own),
#: not the question: :func:`describe_choices` words each, the exports' file names name each.
ENGAGEMENT_CHOICES = (
    "delay_s",
    "launch_on_remote",
    "shoot_look_shoot",
    "shape",
    "flyout_model",
    "speed_basis",
    "reach_cap",
    "engage_on_remote",
    "satellite_cueing",
    "rv_rcs_m2",
    "booster_rcs_m2",
    "boost_track_needs_warhead",
    "warning_commits",
    "boost",
    "rotation",
    "boost_case",
    "refraction",
)

#: The heading of :meth:`MapData.choices_text` (and of the exports' block of the same name).
CHOICES_HEADING = "Changed from the defaults"

_SETTING_CHOICE = {
    "engage_on_remote": {"on": "engage on remote in every year", "off": "no engage on remote"},
    "satellite_cueing": {"on": "satellite cueing in every year", "off": "no satellite cueing"},
}


def describe_choices(state: MapState, catalogue: Catalogue | None = None) -> tuple[str, ...]:
    """What ``state`` sets away from the model's defaults, each in a few words.

    The defaults are those of :class:`~coverage.scenario.FootprintOptions` and
    :class:`MapState` themselves (the dashboard's and the command line's). The year, scenario,
    threat, launch area, cooperation scenario and comparison are the question, said in the
    title and the headline, not listed here; the engagement's choices only when the map draws
    the defended area or the threat tracks (as :func:`describe_assumptions`). With
    ``catalogue``, sites left out are named; without it, by their ids.
    """
    o, base = state.options, FootprintOptions(year=state.options.year)
    out: list[str] = []
    if o.estimate != base.estimate:
        out.append(f"{o.estimate} estimates")
    if o.target_alt_km != base.target_alt_km:
        out.append(f"radar footprints for a target at {o.target_alt_km:g} km")
    if o.target_rcs_m2 != base.target_rcs_m2:
        out.append(f"radar footprints for RCS {o.target_rcs_m2:g} m²")
    if o.k_factor != base.k_factor:
        out.append(f"k = {o.k_factor:.3g}")
    if o.min_elevation_deg is not None:
        out.append(f"elevation mask {o.min_elevation_deg:g}° for every radar")
    if o.include_occasional:
        out.append("occasional Black Sea patrols counted")
    if o.exclude_sites:
        names = (
            dict(zip(catalogue.sites.site_id, catalogue.sites.name, strict=True))
            if catalogue is not None
            else {}
        )
        out.append("without " + ", ".join(sorted(str(names.get(s, s)) for s in o.exclude_sites)))
    if not ("defended" in state.layers or "tracks" in state.layers):
        return tuple(out)
    d = MapState(options=o)
    if state.delay_s != d.delay_s:
        out.append(f"delay {state.delay_s:g} s")
    if state.launch_on_remote != d.launch_on_remote:
        out.append("own radar only (no launch on remote)")
    if state.shoot_look_shoot:
        out.append("shoot-look-shoot")
    if state.shape != d.shape:
        out.append(f"{state.shape} trajectory")
    if state.flyout_model != d.flyout_model:
        out.append("gravity-free fly-out (reach formula)")
    if state.speed_basis != d.speed_basis:
        out.append("burnout speed read as loss-free")
    if state.reach_cap:
        out.append("fly-out capped at the quoted range")
    for name, words in _SETTING_CHOICE.items():
        value = getattr(state, name)
        if value != getattr(d, name):
            out.append(words[value])
    # In the dashboard's words ("Warhead radar cross-section", "Booster radar cross-section").
    if state.rv_rcs_m2 is not None:
        out.append(f"warhead RCS {state.rv_rcs_m2:g} m²")
    if state.booster_rcs_m2 is not None:
        out.append(f"booster RCS {state.booster_rcs_m2:g} m²")
    if state.boost_track_needs_warhead:
        out.append("boost track needs the warhead in view")
    if state.warning_commits:
        out.append("an early-warning track commits interceptors")
    if not state.boost:
        out.append("threat without boost (burnout at the surface)")
    elif state.boost_case != d.boost_case:
        out.append(f"threat boost {state.boost_case} case")
    if not state.rotation:
        out.append("non-rotating Earth")
    if state.refraction:
        out.append("refraction credited at the elevation masks")
    return tuple(out)


@dataclass(frozen=True)
class _BaseLayers:
    """The layers of a map that the engagement choices (delay, threat, ...) do not change."""

    countries: gpd.GeoDataFrame
    nato: gpd.GeoDataFrame
    nato_ever: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    early_warning: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    launch_points: gpd.GeoDataFrame
    phase: PhaseStatus


@functools.lru_cache(maxsize=32)
def _base_layers(
    catalogue: Catalogue, o: FootprintOptions, view: Literal["europe", "world"]
) -> _BaseLayers:
    """The year's basemap, footprints and sites, computed once per catalogue, options and view.

    Maps that differ only in their engagement choices (a new delay, threat or launch area)
    share these frames, read-only as every :class:`MapData` is, so the renderer can also keep
    what it built from them (:mod:`coverage.render.layers`). 32 entries of about 1-2 MB each.
    """
    return _BaseLayers(
        **_estimate_free_layers(
            catalogue, o.year, o.scenario, o.include_occasional, view, o.exclude_sites, o.on_date
        ),
        footprints=_footprints(catalogue, o),
        early_warning=early_warning_footprints(
            catalogue,
            o.year,
            estimate=o.estimate,
            target_alt_km=o.target_alt_km,
            k_factor=o.k_factor,
            min_elevation_deg=o.min_elevation_deg,
        ),
    )


@functools.lru_cache(maxsize=64)  # the _base_layers' 32 states and their nominal twins
def _footprints(catalogue: Catalogue, o: FootprintOptions) -> gpd.GeoDataFrame:
    """:func:`~coverage.products.footprints.footprints`, kept (a low or high map frames both)."""
    return footprints(catalogue, o)


@functools.lru_cache(maxsize=32)  # as many as _base_layers, whose entries hold these frames
def _estimate_free_layers(
    catalogue: Catalogue,
    year: int,
    scenario: Scenario,
    include_occasional: bool,
    view: Literal["europe", "world"],
    exclude_sites: frozenset[str] = frozenset(),
    on_date: dt.date | None = None,
) -> Mapping[str, Any]:
    """The fields of :class:`_BaseLayers` that no estimate or radar assumption changes.

    Shared by the year's maps in every estimate, so a new estimate reuses these frames and
    what the renderer built from them (it keeps its work per frame object). Read-only.
    """
    return MappingProxyType(
        {
            "countries": basemap.countries(view),
            "nato": basemap.nato_countries(catalogue, year, view=view),
            "nato_ever": basemap.nato_countries(catalogue, None, view=view),
            "sites": sites_layer(
                catalogue,
                year,
                scenario,
                include_occasional=include_occasional,
                exclude_sites=exclude_sites,
                on_date=on_date,
            ),
            "launch_points": _launch_points(catalogue),
            "phase": phase_status(catalogue, year, scenario),
        }
    )


def _cooperation_why(catalogue: Catalogue, state: MapState) -> str:
    """Why the state's cooperation scenario gains what it does over NATO alone ("": none).

    The scenario is the map's own (no comparison) or B's against NATO alone (the gain map);
    both engine runs are the map's or the headline's, cached.
    """
    query = state.query()
    variation = state.compare
    if variation is None:
        if state.cooperation == ALONE:
            return ""
        alone, with_warning = replace(query, cooperation=ALONE), query
    else:
        b_coop = dict(variation.query).get("cooperation")
        if b_coop is None or b_coop == ALONE or state.cooperation != ALONE:
            return ""
        options_b, _ = variation.apply(state.options, query)
        if options_b != state.options or len(variation.query) > 1:
            return ""  # B differs in more than its cooperation: no one reason
        alone, with_warning = query, replace(query, cooperation=b_coop)
    o = state.options
    return warning_timing(
        catalogue,
        defended_grid(catalogue, o, alone),
        defended_grid(catalogue, o, with_warning),
        catalogue.nato_members_in(o.year),
    ).brief()


def compute_map(catalogue: Catalogue, state: MapState) -> MapData:
    """Compute every layer of ``state`` (layers that are off are still cheap or skipped)."""
    o = state.options
    view: Literal["europe", "world"] = "world" if state.view == "wide" else "europe"
    base = _base_layers(catalogue, o, view)
    defended = tracks = None
    if "defended" in state.layers:
        defended = defended_for_state(catalogue, state)
    if "tracks" in state.layers:
        tracks = tracks_for_state(catalogue, state)
    phase = base.phase
    when = str(o.year) if o.on_date is None else f"{o.on_date.day} {o.on_date:%b %Y}"
    title = f"European missile defence coverage — {when}, {SCENARIO_LABELS[o.scenario]}"
    coop_words = (
        "" if state.cooperation == "nato_alone" else cooperation_title(catalogue, o, state.query())
    )
    if coop_words:
        title += f", {coop_words}"
    comparison = difference = None
    sites = base.sites
    legend_titles: dict[str, str] = {}
    phase_line = phase.banner
    if state.compare is not None:
        comparison = compare_states(catalogue, o, state.query(), state.compare)
        difference = comparison_layer(comparison)
        title += f" (A) vs {comparison.label_b} (B)"
        options_b, _ = state.compare.apply(o, state.query())
        sites = _sites_of_both(catalogue, o, options_b)
        if (options_b.year, options_b.scenario) != (o.year, o.scenario):
            banner_b = phase_status(catalogue, options_b.year, options_b.scenario).banner
            if banner_b != phase.banner:
                # Both states' phases: a 2016 vs 2024 slide said only A's "Phase 2 as built"
                # (a journalist's export, session 38).
                phase_line = f"A: {phase.banner} · B: {banner_b}"
            # The rings and footprints drawn are A's; B's sites are marked [B] (sites_of_both).
            legend_titles = {
                k: f"{LAYER_STYLES[k].title} (A)" for k in ("radar", "interceptor", "early_warning")
            }
    why = _cooperation_why(catalogue, state)
    sector_frame = sector_answer = None
    if state.sector != "none":
        sector_answer = sectoral_answer(catalogue, o, state.query())
        sector_frame = sectoral_layer(sector_answer, state.sector)
    title += what_if_mark(catalogue)
    sector_part = f" · {sector_subtitle(state.sector, sector_answer)}" if sector_answer else ""
    return MapData(
        state=state,
        countries=base.countries,
        nato=base.nato,
        nato_ever=base.nato_ever,
        footprints=base.footprints,
        early_warning=base.early_warning,
        sites=sites,
        launch_points=base.launch_points,
        defended=defended,
        tracks=tracks,
        phase=phase,
        title=title,
        subtitle=phase_line + sector_part,
        subtitle_one_line=phase.banner
        + (" (A)" if phase_line != phase.banner else "")
        + sector_part,
        assumptions=describe_assumptions(state, catalogue),
        choices=describe_choices(state, catalogue),
        comparison=comparison,
        difference=difference,
        sectoral=sector_frame,
        sectoral_answer=sector_answer,
        cooperation_why=why,
        cooperation_words=coop_words,
        legend_titles=legend_titles,
        launch_used=_launch_used(catalogue, state),
        estimate_footprints=(base.footprints,)
        if o.estimate == "nominal"
        else (base.footprints, _footprints(catalogue, replace(o, estimate="nominal"))),
    )


def _launch_used(catalogue: Catalogue, state: MapState) -> tuple[str, ...]:
    """:attr:`MapData.launch_used` of ``state``: its launch area's points, when they matter."""
    if not ({"defended", "tracks"} & state.layers) or state.view == "wide":
        return ()
    return tuple(str(n) for n in resolve_launch_area(catalogue, state.launch_area).name)


@functools.lru_cache(maxsize=16)
def _sites_of_both(
    catalogue: Catalogue, a: FootprintOptions, b: FootprintOptions
) -> gpd.GeoDataFrame:
    """A comparison's site markers (:func:`~coverage.products.compare.sites_of_both`), kept.

    One frame object per pair of states, so the renderer's work per frame is kept too.
    """

    def frame(o: FootprintOptions) -> gpd.GeoDataFrame:
        return _estimate_free_layers(
            catalogue,
            o.year,
            o.scenario,
            o.include_occasional,
            "europe",
            o.exclude_sites,
            o.on_date,
        )["sites"]

    return sites_of_both(frame(a), frame(b))


def defended_for_state(catalogue: Catalogue, state: MapState) -> gpd.GeoDataFrame:
    """Defended areas per site and their union; or the low/nominal/high unions as a band."""
    query = state.query()
    if state.uncertainty_band:
        band = defended_band(catalogue, state.options, query)
        band["site_name"] = [f"All sites, {e} estimate" for e in band.estimate]
        return band
    # Per-site areas overlap the union exactly; draw the union only, keep per-site rows for tables.
    return defended_layer(defended_grid(catalogue, state.options, query), catalogue)


def tracks_for_state(catalogue: Catalogue, state: MapState) -> gpd.GeoDataFrame:
    """Threat ground tracks to the capitals of the year's European NATO members, with status."""
    tracks = threat_tracks(catalogue, state.options, state.query())
    # The launch point's name, as the track's label has it ("Tabriz → Tirana", not "tabriz").
    names = dict(zip(catalogue.launch_points.point_id, catalogue.launch_points.name, strict=True))
    tracks["name"] = [
        f"{names.get(lp, lp)} → {t} ({s})"
        for lp, t, s in zip(tracks.launch_point, tracks.target, tracks.status, strict=True)
    ]
    tracks["source"] = _TRACK_SOURCE
    return tracks


def map_series(catalogue: Catalogue, state: MapState, years: Iterable[int]) -> list[MapData]:
    """Compute the map of ``state`` in each of ``years`` (in order), every other choice kept.

    Raises
    ------
    ValueError
        When ``years`` is empty.
    """
    year_list = [int(y) for y in years]
    if not year_list:
        raise ValueError("years is empty; give at least one year")
    return [
        compute_map(catalogue, replace(state, options=replace(state.options, year=y)))
        for y in year_list
    ]


def rollout_series(
    catalogue: Catalogue,
    state: MapState,
    years: Iterable[int],
    *,
    both_scenarios: bool = False,
) -> list[list[MapData]]:
    """The maps an animation draws: one series for ``state``'s scenario, or one per scenario.

    Parameters
    ----------
    years
        Years in order; at least one.
    both_scenarios
        ``False``: ``[series]`` for ``state``'s scenario; ``True``: ``[planned, as built]``.
    """
    year_list = list(years)
    scenarios = list(BASELINES) if both_scenarios else [state.options.scenario]
    return [
        map_series(catalogue, replace(state, options=replace(state.options, scenario=s)), year_list)
        for s in scenarios
    ]
