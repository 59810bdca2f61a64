"""The Russian-ICBM question: can an SM-3 from a European site reach a Russian ICBM aimed at the US.

For every Russian ICBM base (data/icbm_bases.csv) and US target (data/us_targets.csv) the threat
boosts (data/threat_boost.csv, each base on its propellant's burn time) and then flies a Kepler
arc to the target (minimum energy by default; lofted or depressed) on the rotating Earth, over
the Arctic or the North Atlantic (:class:`IcbmAssumptions` switches the boost and the rotation
off). For every interceptor site of the catalogue and every SM-3 variant (IA, IB, IIA and the
cancelled IIB, whether or not that variant was ever planned there) the same kinematic test as
the defended area applies (fact sheet §5.4-5.5): a trajectory sample inside the variant's
altitude band is reachable when the interceptor's point-mass fly-out (or, as an option, the
gravity-free reach D(t − t_launch)) gets there in the time left.

Cueing (``cueing``):

* ``"perfect"`` (default): the interceptor launches ``delay_s`` after the threat's launch,
  as if space-based early warning and a forward radar handed over a fire-control track at
  once. This is **the most favourable case for the defence**: the EPAA radars mostly face
  Iran (south-east) and a Russian ICBM bound for the US flies north-west, away from them.
* ``"shared_track"``: the first track of any NATO BMD radar deployed in the year (their tracks
  shared, as under launch on remote in the defended-area engine) or of the site's own radar;
  launch ``delay_s`` later. Only for one year's deployment (``shared_radars_of`` of
  :func:`icbm_engagements`; :mod:`coverage.products.icbm_year` passes the year's radars).
* ``"own_radar"``: the site's own radar must see the threat first; launch ``delay_s`` later.
  An SM-3 is fired by an Aegis system, so its own radar is a SPY-1 at the site (catalogue
  parameters of ``spy1d``, wherever the variant stands); any other interceptor's is the radar
  the catalogue deploys with it at its site (THAAD's TPY-2 in terminal mode, Arrow 3's Super
  Green Pine, each facing its boresight), and an interceptor without one (the 2007 Third
  Site's silos: its radar was to stand in the Czech Republic) never launches on its own radar.
  The radar detects as the defended-area engine's do (data/detection.csv, the ``estimate``
  case): straight rays on the k = 1 Earth above the radar type's elevation mask, the boosting
  missile's RCS until burnout and the re-entry vehicle's after, and, from the satellites'
  launch warning on (DSP and SBIRS watch Russia's fields), the cued range.

The result is a kinematic upper bound for a single interceptor against a single warhead,
with no discrimination, decoys, salvo size or interceptor inventory considered. It says
whether geometry and speed allow an intercept at all under the stated assumptions, not
whether the system could or would be used that way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from coverage.catalogue.analysis import detection_value, load_icbm_bases, load_us_targets
from coverage.catalogue.tables import ESTIMATES, Catalogue, Estimate
from coverage.physics import radar as radar_mod
from coverage.physics.ballistics import SHAPES, Shape, _plane_basis, unit_vectors
from coverage.physics.engagement import InterceptorSite
from coverage.physics.flyout import (
    SPEED_BASES,
    SpeedBasis,
    earliest_time_s,
    flyout_table,
    reach_within_m,
)
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.physics.threat_flight import (
    BoostProgramme,
    Flights,
    concat_flights,
    earth_fixed_positions,
    fly,
)
from coverage.products.diskcache import table_store
from coverage.products.threat_flight import boost_programme
from coverage.scenario import (
    FLYOUT_MODELS,
    FlyoutModel,
    FootprintOptions,
    capability_available,
    describe_flyout,
    flyout_spec_for,
    intercept_ceiling_m,
    own_radar_row,
    radar_spec,
    radars_for,
)
from coverage.style import KINEMATIC_CAVEAT

__all__ = [
    "CUEINGS",
    "CUEING_SHORT",
    "CUEING_WORDS",
    "ICBM_COLUMNS",
    "IcbmAssumptions",
    "SM3_VARIANTS",
    "icbm_answers",
    "margin_words",
    "icbm_engagements",
    "own_radar_deployments",
    "icbm_summary",
    "site_variants_with_own",
]

SM3_VARIANTS = ("sm3_ia", "sm3_ib", "sm3_iia", "sm3_iib")
Cueing = Literal["perfect", "shared_track", "own_radar"]
CUEINGS: tuple[Cueing, ...] = ("perfect", "shared_track", "own_radar")
#: Each cueing in words, the one place they are written: ``(preposition, what the interceptor
#: launches on, detail)``, and :data:`CUEING_SHORT` below. The dashboard's year line
#: ("... reachable ... {preposition} {what} ({detail})"), its other-cueing lines ("With {what}
#: instead ({detail})"), its radio's captions and the command line's help are made from them.
CUEING_WORDS: Mapping[Cueing, tuple[str, str, str]] = {
    "perfect": (
        "with",
        "perfect cueing",
        "a fire-control track at the ICBM's launch, which no EPAA sensor provides; the case "
        "most favourable to the defence",
    ),
    "shared_track": (
        "on",
        "the first track of any of the year's NATO BMD radars",
        "their tracks shared, as under launch on remote; or the site's own radar's",
    ),
    "own_radar": (
        "with",
        "each site's own radar detecting the ICBM first",
        "an SM-3's Aegis SPY-1, or the radar deployed with another interceptor; none for the "
        "Third Site's silos, which launch on no track then; as the engine's radars detect: "
        "mask, booster and warhead RCS, satellite cue",
    ),
}
#: Each cueing in a few words, where a line gives every cueing's count (the Arctic map's
#: subtitle, ``icbm --year``: "none of 88 tracks reachable on NATO's shared radar tracks, none
#: with each site's own radar; 7 only with perfect cueing"); :data:`CUEING_WORDS` says what
#: each one means.
CUEING_SHORT: Mapping[Cueing, str] = {
    "perfect": "with perfect cueing",
    "shared_track": "on NATO's shared radar tracks",
    "own_radar": "with each site's own radar",
}
#: Whose burn time the ICBMs fly: each base's propellant, or one for all (data/icbm_bases.csv).
Propellant = Literal["by_base", "solid", "liquid"]
PROPELLANT_CHOICES: tuple[Propellant, ...] = ("by_base", "solid", "liquid")
ICBM_COLUMNS = [
    "base_id",
    "base",
    "target_id",
    "target",
    "site_id",
    "site",
    "variant",
    "variant_name",
    "variant_at_site",
    "ground_range_km",
    "flight_time_s",
    "apogee_km",
    "launch_time_s",
    "feasible",
    "margin_km",
    "margin_s",
    "intercept_time_s",
    "intercept_alt_km",
    "intercept_lon_deg",
    "intercept_lat_deg",
]


@dataclass(frozen=True)
class IcbmAssumptions:
    """Assumptions of the Russian-ICBM table.

    Attributes
    ----------
    estimate
        Capability case of the interceptor (and radar) parameters: low, nominal or high.
    delay_s
        Time from the threat's launch (``perfect``) or first detection (``shared_track``,
        ``own_radar``) to the interceptor's launch, s (0 to 1,200).
    cueing
        ``"perfect"`` (default, most favourable to the defence), ``"shared_track"`` (the year's
        NATO radars' first track) or ``"own_radar"``.
    cap_at_nominal_range
        Cap the fly-out at the variant's quoted nominal range: an asserted limit, not physics
        (default off).
    flyout_model
        ``"point_mass"`` (default: gravity, drag, staged boost) or ``"reach_formula"`` (the
        gravity-free D(t) of the fact sheet, an upper bound kept for comparison).
    speed_basis
        How ``point_mass`` reads the quoted burnout speed (see
        :class:`coverage.physics.flyout.FlyoutSpec`); default ``"achieved"``.
    boost
        Whether the ICBM boosts (default: the ICBM programme of data/threat_boost.csv, about
        4 minutes for a liquid-fuel missile, NRC 2012); ``False``: burnout at the surface.
    rotation
        Whether the Earth turns under the flight (default ``True``; sites and targets are
        Earth-fixed and positions are compared in the Earth-fixed frame).
    boost_case
        Which estimate of the boost parameters of data/threat_boost.csv (vertical rise, burned
        fraction, pitch programme, thrust termination); the burn time follows ``propellant``.
    propellant
        ``"by_base"`` (default): each base's ICBMs burn for their propellant's time
        (data/icbm_bases.csv; solid 180 s, liquid 240 s: :data:`PROPELLANT_BURN_CASE`);
        ``"solid"`` or ``"liquid"``: every ICBM so (``"liquid"`` is the model until December
        2026).
    shape
        ICBM trajectory: ``minimum_energy`` (default), ``lofted`` or ``depressed`` (10° off).
    time_step_s
        Trajectory sampling, s.
    """

    estimate: Estimate = "nominal"
    delay_s: float = 60.0
    cueing: Cueing = "perfect"
    cap_at_nominal_range: bool = False
    flyout_model: FlyoutModel = "point_mass"
    speed_basis: SpeedBasis = "achieved"
    boost: bool = True
    rotation: bool = True
    boost_case: Estimate = "nominal"
    propellant: Propellant = "by_base"
    shape: Shape = "minimum_energy"
    time_step_s: float = 4.0

    def __post_init__(self) -> None:
        if self.estimate not in ESTIMATES:
            raise ValueError(f"estimate={self.estimate!r} is not one of {', '.join(ESTIMATES)}")
        if self.flyout_model not in FLYOUT_MODELS:
            raise ValueError(
                f"flyout_model={self.flyout_model!r} is not one of {', '.join(FLYOUT_MODELS)}"
            )
        if self.speed_basis not in SPEED_BASES:
            raise ValueError(
                f"speed_basis={self.speed_basis!r} is not one of {', '.join(SPEED_BASES)}"
            )
        if self.shape not in SHAPES:
            raise ValueError(f"shape={self.shape!r} is not one of {', '.join(SHAPES)}")
        if self.boost_case not in ESTIMATES:
            raise ValueError(f"boost_case={self.boost_case!r} is not one of {', '.join(ESTIMATES)}")
        if self.propellant not in PROPELLANT_CHOICES:
            raise ValueError(
                f"propellant={self.propellant!r} is not one of {', '.join(PROPELLANT_CHOICES)}"
            )
        if self.cueing not in CUEINGS:
            raise ValueError(f"cueing={self.cueing!r} is not one of {', '.join(CUEINGS)}")
        if not (math.isfinite(self.delay_s) and 0.0 <= self.delay_s <= 1200.0):
            raise ValueError(f"delay_s={self.delay_s!r} is outside the allowed range 0..1200 s")
        if not (math.isfinite(self.time_step_s) and 0.5 <= self.time_step_s <= 30.0):
            raise ValueError(
                f"time_step_s={self.time_step_s!r} is outside the allowed range 0.5..30 s"
            )

    def describe(self) -> str:
        """Describe the assumptions in one line, for the table caption."""
        cue = (
            f"perfect external cueing: interceptor launch {self.delay_s:g} s after the ICBM's "
            "launch "
            "(most favourable case for the defence: the EPAA's long-range radar, the TPY-2 at "
            "Kürecik, faces Iran; the Aegis SPY-1s see all round but too short to track an "
            "ICBM in its boost)"
            if self.cueing == "perfect"
            else (
                "the first track of any NATO BMD radar deployed in the year (tracks shared, as "
                "under launch on remote) or of the site's own radar"
                if self.cueing == "shared_track"
                else "site's own radar must detect the ICBM (an SM-3's Aegis SPY-1; another "
                "interceptor's radar deployed with it, none for the Third Site's silos)"
            )
            + f", as the engine's radars detect in the {self.estimate} case (k = 1 Earth, "
            "elevation mask, booster and warhead RCS, cued range from the satellites' launch "
            f"warning); launch {self.delay_s:g} s after detection"
        )
        cap = f"fly-out {describe_flyout(self)}"
        arc = self.shape.replace("_", "-").capitalize()
        burn = {
            "by_base": "each base's propellant: solid {solid:g} s, liquid {liquid:g} s "
            "(data/icbm_bases.csv)",
            "solid": "every ICBM solid-fuel, {solid:g} s",
            "liquid": "every ICBM liquid-fuel, {liquid:g} s",
        }[self.propellant].format(**propellant_burn_s())
        flight = (
            f"{arc} ICBM with a {self.boost_case} boost phase, burn time by {burn} "
            "(data/threat_boost.csv)"
            if self.boost
            else f"{arc} ICBM, burnout at the surface"
        ) + ("; rotating Earth" if self.rotation else "; non-rotating Earth")
        return (
            f"{flight}; {cue}; {self.estimate} interceptor "
            f"parameters; {cap}. Single interceptor vs single warhead, no decoys. {KINEMATIC_CAVEAT}"
        )


def _interceptor_sites(catalogue: Catalogue) -> pd.DataFrame:
    """Sites that host or were planned to host an interceptor."""
    kinds = dict(zip(catalogue.systems.system_id, catalogue.systems.kind, strict=True))
    deps = catalogue.deployments
    ids = deps.site_id[deps.system_id.map(kinds) == "interceptor"].unique()
    return catalogue.sites[catalogue.sites.site_id.isin(ids)].reset_index(drop=True)


def _time_to_reach_s(site: InterceptorSite, dist_m: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fly-out time to cover ``dist_m`` (inverse of ``reach_m``); inf beyond the cap."""
    v, tb = site.burnout_speed_mps, site.burn_time_s
    d_burn = 0.5 * v * tb
    tau = np.where(
        dist_m <= d_burn, np.sqrt(2.0 * np.maximum(dist_m, 0.0) * tb / v), dist_m / v + 0.5 * tb
    )
    if site.max_reach_m is not None:
        tau = np.where(dist_m > site.max_reach_m, np.inf, tau)
    return tau


def _point_mass_margins(
    catalogue: Catalogue,
    variant: str,
    a: IcbmAssumptions,
    site: InterceptorSite,
    tau: NDArray[np.float64],
    alt: NDArray[np.float64],
    ground: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Distance and time margins of the point-mass fly-out at each sample (``-inf`` outside).

    ``margin_m`` is the farthest ground range reachable at the sample's altitude by its time
    minus the sample's ground range from the site; ``margin_t`` the time available minus the
    table's earliest arrival. ``band`` marks samples after launch and above the kill vehicle's
    lowest intercept altitude and below its enforced ceiling, if any (otherwise the fan decides
    the highest).
    """
    spec = flyout_spec_for(catalogue, variant, a.estimate, speed_basis=a.speed_basis)
    table = flyout_table(spec, store=table_store())
    with np.errstate(invalid="ignore"):
        band = (tau > 0.0) & (alt >= site.min_alt_m)
        if site.ceiling_m is not None:
            band &= alt <= site.ceiling_m
    reach = reach_within_m(table, np.where(band, alt, np.nan), np.where(band, tau, np.nan))
    if site.max_reach_m is not None:
        reach = np.minimum(reach, site.max_reach_m)
    margin_m = np.where(band, reach - ground, -np.inf)
    need = earliest_time_s(table, np.where(band, ground, np.nan), np.where(band, alt, np.nan))
    if site.max_reach_m is not None:
        need = np.where(ground > site.max_reach_m, np.nan, need)
    margin_t = np.where(band & np.isfinite(need), tau - need, -np.inf)
    return margin_m, margin_t, band


#: Which column of data/threat_boost.csv's ICBM burn time each propellant takes: its low case
#: is the solid-fuel burn, its nominal the liquid-fuel one (NRC 2012: about 4 minutes for a
#: liquid-fuel ICBM, about 1 minute less for solid fuel; fact sheet §8.2).
PROPELLANT_BURN_CASE: Mapping[str, Estimate] = {"solid": "low", "liquid": "nominal"}


def propellant_burn_s() -> dict[str, float]:
    """The ICBM burn time of each propellant, s (data/threat_boost.csv)."""
    return {
        p: boost_programme("ICBM", case).burn_time_s for p, case in PROPELLANT_BURN_CASE.items()
    }


def base_propellants(a: IcbmAssumptions, bases: pd.DataFrame) -> list[str]:
    """Each base's propellant under ``a`` (its own with ``by_base``)."""
    if a.propellant != "by_base":
        return [a.propellant] * len(bases)
    if "propellant" not in bases:
        raise ValueError(
            "propellant='by_base' needs a 'propellant' column in the bases (data/icbm_bases.csv)"
        )
    return [str(p) for p in bases.propellant]


def _fly_pairs(
    a: IcbmAssumptions,
    bases: pd.DataFrame,
    targets: pd.DataFrame,
    bi: NDArray[np.int64],
    ti: NDArray[np.int64],
) -> Flights:
    """Every base → target pair's flight, each on its base's burn time, in the pairs' order."""
    lon_b, lat_b = bases.lon_deg.to_numpy(float), bases.lat_deg.to_numpy(float)
    lon_t, lat_t = targets.lon_deg.to_numpy(float), targets.lat_deg.to_numpy(float)

    def flown(pick: NDArray[np.int64], boost: BoostProgramme | None) -> Flights:
        b, t = bi[pick], ti[pick]
        return fly(
            lon_b[b],
            lat_b[b],
            lon_t[t],
            lat_t[t],
            boost=boost,
            rotation=a.rotation,
            shape=a.shape,
            time_step_s=a.time_step_s,
        )

    if not a.boost:
        return flown(np.arange(len(bi)), None)
    shared = boost_programme("ICBM", a.boost_case)
    burn = propellant_burn_s()
    kind = np.array(base_propellants(a, bases), dtype=object)[bi]
    parts, rows = [], []
    for p in sorted(set(kind)):
        pick = np.flatnonzero(kind == p)
        parts.append(flown(pick, replace(shared, burn_time_s=burn[p])))
        rows.append(pick)
    return concat_flights(parts, order=np.argsort(np.concatenate(rows), kind="stable"))


def icbm_engagements(
    catalogue: Catalogue,
    assumptions: IcbmAssumptions = IcbmAssumptions(),
    *,
    bases: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    variants: tuple[str, ...] = SM3_VARIANTS,
    sites: pd.DataFrame | None = None,
    site_variants: Mapping[str, tuple[str, ...]] | None = None,
    own_radars: Mapping[tuple[str, str], pd.Series | None] | None = None,
    shared_radars_of: FootprintOptions | None = None,
) -> pd.DataFrame:
    """Whether any kinematically feasible intercept exists, per base, target, site and variant.

    Parameters
    ----------
    catalogue
        Sites, variants' parameters and deployments (to mark which variant was planned where).
    assumptions
        See :class:`IcbmAssumptions`.
    bases, targets
        Override data/icbm_bases.csv and data/us_targets.csv (columns ``*_id, name, lon_deg,
        lat_deg``).
    variants
        Interceptor system ids (default the four SM-3 variants; any interceptor with fly-out
        parameters works, e.g. ``gbi_2stage``).
    sites
        Override the sites (columns ``site_id, name, lon_deg, lat_deg, elevation_m``); default
        every site that hosts or was planned to host an interceptor in data/deployments.csv.
    site_variants
        Per site id, the variants to run there instead of ``variants`` (sites not listed run
        ``variants``).
    own_radars
        Under ``own_radar`` cueing, per (site id, interceptor id) other than an SM-3, the
        deployment row (:func:`coverage.scenario.deployed`) of the radar deployed with it, or
        ``None``; default: data/deployments.csv's (:func:`own_radar_deployments`). Also
        under ``shared_track`` cueing, beside ``shared_radars_of``.
    shared_radars_of
        Under ``shared_track`` cueing (required there), the year and scenario whose deployed
        NATO BMD radars' first track any site may launch on
        (:func:`coverage.scenario.radars_for`, in the assumptions' estimate).

    Returns
    -------
    DataFrame
        ``ICBM_COLUMNS``. ``margin_km`` is the best (largest) fly-out reach minus distance over
        the samples inside the altitude band after launch: positive means feasible with that
        much to spare, negative is the shortfall. ``margin_s`` is the same in time (time
        available minus fly-out time needed). ``intercept_*`` describe the best-margin point.
        ``variant_at_site`` says whether the catalogue ever plans or records that variant at
        that site (``planned``, ``built``, ``planned and built`` or ``never``).
    """
    a = assumptions
    bases = load_icbm_bases() if bases is None else bases.reset_index(drop=True)
    targets = load_us_targets() if targets is None else targets.reset_index(drop=True)
    base_id_col = "base_id" if "base_id" in bases else bases.columns[0]
    target_id_col = "target_id" if "target_id" in targets else targets.columns[0]
    sites = _interceptor_sites(catalogue) if sites is None else sites.reset_index(drop=True)
    # Tracks: every base x target, in one batch of profiles.
    pairs = [(b, t) for b in range(len(bases)) for t in range(len(targets))]
    lu = unit_vectors(bases.lon_deg.to_numpy(float), bases.lat_deg.to_numpy(float))
    tu = unit_vectors(targets.lon_deg.to_numpy(float), targets.lat_deg.to_numpy(float))
    bi = np.array([p[0] for p in pairs])
    psi = np.empty(len(pairs))
    w = np.empty((len(pairs), 3))
    for k, (b, t) in enumerate(pairs):
        p_, w_ = _plane_basis(lu[b], tu[t][None, :])
        psi[k], w[k] = p_[0], w_[0]
    ti = np.array([p[1] for p in pairs])
    flights = _fly_pairs(a, bases, targets, bi, ti)
    t_s, alt = flights.time_s, flights.alt_m
    # Earth-fixed positions: sites and targets turn with the Earth.
    lon_s, lat_s, _ = earth_fixed_positions(flights)
    pos = unit_vectors(lon_s, lat_s) * (EARTH_RADIUS_M + alt)[..., None]
    flight_time_s, apogee_m = flights.flight_time_s, flights.apogee_m
    status = _variant_status(catalogue)
    own_rows: Mapping[tuple[str, str], pd.Series | None] = {}
    if a.cueing != "perfect":
        own_rows = own_radar_deployments(catalogue) if own_radars is None else own_radars
    # Under shared_track the year's radars' first track, once for every site (inf: none).
    shared_s = np.full(len(pairs), np.inf)
    if a.cueing == "shared_track":
        if shared_radars_of is None:
            raise ValueError(
                "cueing='shared_track' needs a year whose radars share their tracks "
                "(shared_radars_of): the ICBM question under shared tracks is asked for one "
                "year's deployment"
            )
        of = replace(shared_radars_of, estimate=a.estimate)
        # Tracks are shared only where launch on remote is in force (data/capabilities.csv).
        linked = capability_available("launch_on_remote", of.scenario, of.year)
        for radar in dict.fromkeys(spec for _, spec in radars_for(catalogue, of) if linked):
            view = radar_mod.geodesic_polar(radar.lon_deg, radar.lat_deg, lon_s, lat_s)
            shared_s = np.minimum(shared_s, _first_detection_s(radar, a, flights, view))
    base_ids, base_names = bases[base_id_col].tolist(), bases.name.tolist()
    target_ids, target_names = targets[target_id_col].tolist(), targets.name.tolist()
    rows = []
    for site in sites.itertuples(index=False):
        s_vec = unit_vectors(site.lon_deg, site.lat_deg) * (
            EARTH_RADIUS_M + float(site.elevation_m)
        )
        dist = np.linalg.norm(pos - s_vec, axis=-1)
        # Ground range from the site to each sample's subpoint (the fly-out table's frame).
        cos_g = (pos @ unit_vectors(site.lon_deg, site.lat_deg)) / np.linalg.norm(pos, axis=-1)
        ground = np.arccos(np.clip(cos_g, -1.0, 1.0)) * EARTH_RADIUS_M
        launch_by_radar: dict[radar_mod.RadarSpec | None, NDArray[np.float64]] = {}
        # Azimuth and ground range from the site, solved once for all its own radars.
        polar: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        for variant in (site_variants or {}).get(site.site_id, variants):
            if a.cueing == "perfect":
                t_launch = np.full(len(pairs), a.delay_s)
            else:
                spec = _own_radar_spec(catalogue, own_rows, site, variant, a.estimate)
                if spec is None:  # no radar of its own: never launches on it
                    launch_by_radar[spec] = np.full(len(pairs), np.inf)
                elif spec not in launch_by_radar:
                    polar = polar or radar_mod.geodesic_polar(
                        spec.lon_deg, spec.lat_deg, lon_s, lat_s
                    )
                    launch_by_radar[spec] = _first_detection_s(spec, a, flights, polar) + a.delay_s
                t_launch = np.minimum(launch_by_radar[spec], shared_s + a.delay_s)
            ic = InterceptorSite(
                key=f"{site.site_id}:{variant}",
                lon_deg=float(site.lon_deg),
                lat_deg=float(site.lat_deg),
                height_m=float(site.elevation_m),
                burnout_speed_mps=catalogue.parameter(variant, "burnout_velocity_kmps", a.estimate)
                * 1000.0,
                burn_time_s=catalogue.parameter(variant, "burn_time_s", a.estimate),
                min_alt_m=catalogue.parameter(variant, "min_intercept_alt_km", a.estimate) * 1000.0,
                max_alt_m=catalogue.parameter(variant, "max_intercept_alt_km", a.estimate) * 1000.0,
                max_reach_m=(
                    catalogue.parameter(variant, "nominal_range_km", a.estimate) * 1000.0
                    if a.cap_at_nominal_range
                    else None
                ),
                ceiling_m=intercept_ceiling_m(catalogue, variant, a.estimate),
            )
            tau = t_s - t_launch[:, None]
            if a.flyout_model == "point_mass":
                margin_m, margin_t, band = _point_mass_margins(
                    catalogue, variant, a, ic, tau, alt, ground
                )
            else:
                band = (tau > 0.0) & (alt >= ic.min_alt_m) & (alt <= ic.top_alt_m)
                margin_m = np.where(band, ic.reach_m(tau) - dist, -np.inf)
                with np.errstate(invalid="ignore"):
                    margin_t = np.where(band, tau - _time_to_reach_s(ic, dist), -np.inf)
            best = np.argmax(margin_m, axis=1)
            best_t = np.max(margin_t, axis=1)
            variant_name = str(catalogue.system(variant)["name"])
            for k, (b, t) in enumerate(pairs):
                j = best[k]
                m_km = float(margin_m[k, j]) / 1000.0
                in_band = bool(band[k].any())
                rows.append(
                    {
                        "base_id": base_ids[b],
                        "base": base_names[b],
                        "target_id": target_ids[t],
                        "target": target_names[t],
                        "site_id": site.site_id,
                        "site": site.name,
                        "variant": variant,
                        "variant_name": variant_name,
                        "variant_at_site": status.get((site.site_id, variant), "never"),
                        "ground_range_km": round(psi[k] * EARTH_RADIUS_M / 1000.0, 1),
                        "flight_time_s": round(float(flight_time_s[k]), 1),
                        "apogee_km": round(float(apogee_m[k]) / 1000.0, 1),
                        "launch_time_s": float(t_launch[k])
                        if math.isfinite(t_launch[k])
                        else float("nan"),
                        "feasible": bool(in_band and m_km >= 0.0),
                        "margin_km": round(m_km, 1) if in_band else float("nan"),
                        "margin_s": round(float(best_t[k]), 1)
                        if in_band and math.isfinite(best_t[k])
                        else float("nan"),
                        "intercept_time_s": round(float(t_s[k, j]), 1) if in_band else float("nan"),
                        "intercept_alt_km": round(float(alt[k, j]) / 1000.0, 1)
                        if in_band
                        else float("nan"),
                        "intercept_lon_deg": round(float(lon_s[k, j]), 3)
                        if in_band
                        else float("nan"),
                        "intercept_lat_deg": round(float(lat_s[k, j]), 3)
                        if in_band
                        else float("nan"),
                    }
                )
    frame = pd.DataFrame(rows, columns=ICBM_COLUMNS)
    frame.attrs["assumptions"] = a.describe()
    return frame


def own_radar_deployments(
    catalogue: Catalogue, deployments: pd.DataFrame | None = None
) -> dict[tuple[str, str], pd.Series | None]:
    """Per (site, interceptor) of ``deployments``, the radar deployed with it there, or ``None``.

    ``deployments``: rows of :func:`coverage.scenario.deployed` (a year's, an alternative's);
    default data/deployments.csv, every year.
    """
    deps = catalogue.deployments if deployments is None else deployments
    if "kind" not in deps:
        deps = deps.merge(catalogue.systems[["system_id", "kind"]], on="system_id")
    radars = deps[deps.kind == "radar"]
    return {
        (str(row.site_id), str(row.system_id)): own_radar_row(radars, row)
        for _, row in deps[deps.kind == "interceptor"].iterrows()
    }


def _own_radar_spec(
    catalogue: Catalogue,
    own_rows: Mapping[tuple[str, str], pd.Series | None],
    site: Any,
    variant: str,
    estimate: Estimate,
) -> radar_mod.RadarSpec | None:
    """The radar an interceptor at ``site`` launches on under ``own_radar`` cueing (or none).

    An SM-3's is the Aegis SPY-1 that fires it, at the site; another interceptor's the radar
    the catalogue deploys with it there (``None`` where it has none, or is not there at all).
    """
    position = {
        "lon_deg": float(site.lon_deg),
        "lat_deg": float(site.lat_deg),
        "elevation_m": float(site.elevation_m),
    }
    if variant in SM3_VARIANTS:
        row = pd.Series({"system_id": "spy1d", "boresight_deg": None, **position})
    else:
        own = own_rows.get((str(site.site_id), variant))
        if own is None:
            return None
        row = pd.Series({**own.to_dict(), **position})
    return radar_spec(catalogue, row, estimate)


def _first_detection_s(
    spec: radar_mod.RadarSpec,
    a: IcbmAssumptions,
    flights: Flights,
    polar: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> NDArray[np.float64]:
    """Each flight's first detection by ``spec`` as the engine's radars detect (inf: never).

    ``polar``: azimuth and ground range of every sample from the radar's site
    (:func:`coverage.physics.radar.geodesic_polar`, what :func:`radar.visible` measures),
    shared by the site's radars and by the four RCS and range cases below.

    data/detection.csv in the ``a.estimate`` case: straight rays on the k = 1 Earth, the
    radar's own elevation mask, the boosting missile's RCS before burnout and the re-entry
    vehicle's after (the warhead's for the whole flight without a boost), and from the
    satellites' launch warning on the cued range (the engine's
    :func:`coverage.scenario.detection_assumptions` with satellite cueing, in force from
    2011 in every scenario).
    """
    t_s, alt = flights.time_s, flights.alt_m
    est = a.estimate
    rv = detection_value("rv_rcs_m2", est)
    booster = detection_value("booster_rcs_m2", est) if a.boost else rv
    k = detection_value("exo_k_factor", est)
    factor = detection_value("cued_range_factor", est)
    boosting = t_s < flights.burnout_time_s[:, None]
    cued = t_s >= detection_value("satellite_cue_s", est)
    seen = np.zeros(t_s.shape, dtype=bool)
    for rcs, in_boost in ((booster, True), (rv, False)):
        for f, is_cued in ((1.0, False), (factor, True)):
            part = (boosting == in_boost) & (cued == is_cued)
            if part.any():
                radar = replace(spec, range_m=spec.range_m * f)
                view = radar_mod.RadarAssumptions(target_rcs_m2=rcs, k_factor=k)
                seen |= part & radar_mod._visible_from_polar(radar, *polar, alt, view)
    rows = np.arange(len(t_s))
    return np.where(seen.any(axis=1), t_s[rows, np.argmax(seen, axis=1)], np.inf)


def _analogy_note(catalogue: Catalogue, variant: str, name: str) -> str:
    """Says so when the variant's burnout speed is borrowed from another missile (no source)."""
    source = str(catalogue.parameter_row(variant, "burnout_velocity_kmps").source)
    if source.startswith("Derived by analogy"):
        return f"{name}'s burnout speed is an analogy, not a published figure (data/parameters.csv)"
    return ""


def _other_interceptors(catalogue: Catalogue, rows: pd.DataFrame, nearest: Any) -> str:
    """The figures of a site's interceptors other than ``nearest``, and why it comes nearest.

    ``rows``: the site's rows of :func:`icbm_summary` in one case. Interceptors with the same
    figure are named together ("SM-3 Block IA and SM-3 Block IB short by ≥ 1,538 km": one
    booster). Where the nearest one burns for a shorter time than another that falls shorter,
    the line says so: the best points of an ICBM's track are on its climb, a minute or two
    after launch, where how soon an interceptor is up and out counts more than its burnout
    speed (THAAD's 20 s against the SM-3 IB's 60 s: at 142 km and 80 s THAAD is 10 km out,
    the SM-3 IB not yet that high).
    """

    def burn(variant: object) -> float:
        return float(catalogue.parameter_row(str(variant), "burn_time_s").nominal)

    def assumed(variant: object) -> bool:
        row = catalogue.parameter_row(str(variant), "burn_time_s")
        return str(row.confidence) == "Assumption"

    groups: dict[str, list[str]] = {}
    for r in rows.itertuples(index=False):
        if r.variant == nearest.variant:
            continue
        text = margin_words(
            int(r.feasible_tracks),
            float(r.best_margin_km),
            float(r.best_margin_s),
            int(r.launched_tracks),
        )
        if burn(nearest.variant) < burn(r.variant) and r.best_margin_km < nearest.best_margin_km:
            both = (
                " (both assumptions, data/parameters.csv)"
                if assumed(r.variant) and assumed(nearest.variant)
                else ""
            )
            text += (
                f": the {nearest.variant_name} burns {burn(nearest.variant):.0f} s, against "
                f"{burn(r.variant):.0f} s{both}, and so is out sooner along the ICBM's climb"
            )
        groups.setdefault(text, []).append(str(r.variant_name))
    return "".join(f"; {' and '.join(names)} {text}" for text, names in groups.items())


def _site_interceptors(catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
    """Per interceptor site, the interceptors planned or built there that have a fly-out model."""
    flies = set(catalogue.parameters.system_id[catalogue.parameters.parameter == "burn_time_s"])
    kinds = dict(zip(catalogue.systems.system_id, catalogue.systems.kind, strict=True))
    out: dict[str, tuple[str, ...]] = {}
    for site_id, system_id in catalogue.deployments[["site_id", "system_id"]].itertuples(
        index=False
    ):
        known = out.get(site_id, ())
        if kinds.get(system_id) == "interceptor" and system_id in flies and system_id not in known:
            out[site_id] = (*known, system_id)
    return out


def site_variants_with_own(catalogue: Catalogue) -> dict[str, tuple[str, ...]]:
    """Per interceptor site: the four SM-3 variants and the site's own other interceptors.

    For :func:`icbm_engagements`' ``site_variants``: every site with every SM-3 variant (most
    "never" there: a what-if), plus what the site has that is not an SM-3 (THAAD at Deveselu in
    2019, Arrow 3 at Holzdorf), so a table of all sites holds every interceptor the answers
    (:func:`icbm_answers`) speak of.
    """
    own = _site_interceptors(catalogue)
    return {
        site_id: tuple(dict.fromkeys((*SM3_VARIANTS, *own.get(site_id, ()))))
        for site_id in _interceptor_sites(catalogue).site_id
    }


def _variant_status(catalogue: Catalogue) -> dict[tuple[str, str], str]:
    deps = catalogue.deployments
    out: dict[tuple[str, str], str] = {}
    for row in deps.itertuples(index=False):
        planned = not pd.isna(row.planned_from_year)
        built = isinstance(row.built_from, str) and bool(row.built_from)
        key = (row.site_id, row.system_id)
        prev = out.get(key, "never")
        was_planned = planned or prev in ("planned", "planned and built")
        was_built = built or prev in ("built", "planned and built")
        out[key] = (
            "planned and built"
            if was_planned and was_built
            else "planned"
            if was_planned
            else "built"
            if was_built
            else "never"
        )
    return out


def icbm_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per site and variant: how many base→target tracks allow an intercept, and the best margin.

    Returns
    -------
    DataFrame
        ``site, variant_name, variant_at_site, tracks, feasible_tracks, best_margin_km,
        best_margin_s, launched_tracks`` sorted by site and variant (``launched_tracks``: the
        tracks on which the interceptor launches at all, which under ``own_radar`` or
        ``shared_track`` cueing needs a radar to see the ICBM).
    """
    g = table.groupby(["site_id", "site", "variant", "variant_name", "variant_at_site"], sort=True)
    out = g.agg(
        tracks=("feasible", "size"),
        feasible_tracks=("feasible", "sum"),
        best_margin_km=("margin_km", "max"),
        best_margin_s=("margin_s", "max"),
        launched_tracks=("launch_time_s", "count"),
    ).reset_index()
    out.attrs["assumptions"] = table.attrs.get("assumptions", "")
    return out


#: The alternatives :func:`icbm_answers` tries, one at a time, to say what an answer hinges on.
_LEVERS: tuple[tuple[str, dict[str, object]], ...] = (
    ("launch 300 s after lift-off (after burnout, when a track exists)", {"delay_s": 300.0}),
    ("the site's own radar must detect the ICBM first", {"cueing": "own_radar"}),
    ("the burnout speed read as the loss-free increment", {"speed_basis": "ideal"}),
    ("no boost phase (burnout at the surface at lift-off)", {"boost": False}),
    (
        "every ICBM on the longer, liquid-fuel burn",
        {"propellant": "liquid"},
    ),
    ("every ICBM on a solid-fuel burn", {"propellant": "solid"}),
    ("the gravity-free reach formula (an upper bound)", {"flyout_model": "reach_formula"}),
)


def margin_words(
    feasible: int, margin_km: float, margin_s: float, launched: int | None = None
) -> str:
    """A case's best margin in words: "best margin +229 km, +60 s" or "short by ≥ 1,150 km".

    ``margin_km`` and ``margin_s`` are the best (largest) of a set of tracks
    (:func:`icbm_summary`); where no track is feasible they are the smallest shortfall, in
    distance and, where the ICBM ever enters the fly-out fan, in time (``margin_s`` NaN: never).
    ``launched``: on how many tracks the interceptor launches at all (0: no radar it may fire
    on sees the ICBM, said so rather than "never inside its altitude band after launch").
    """
    if launched == 0:
        return "never launched: no radar it may fire on sees the ICBM"
    if feasible > 0:
        time = f", {margin_s:+,.0f} s" if math.isfinite(margin_s) else ""
        return f"best margin {margin_km:+,.0f} km{time}"
    if not math.isfinite(margin_km):
        return "never inside its altitude band after launch"
    late = f" and ≥ {-margin_s:,.0f} s" if math.isfinite(margin_s) and margin_s < -0.5 else ""
    return f"short by ≥ {-margin_km:,.0f} km{late}"


def icbm_answers(
    catalogue: Catalogue,
    assumptions: IcbmAssumptions = IcbmAssumptions(),
    *,
    shared_radars_of: FootprintOptions | None = None,
) -> pd.DataFrame:
    """One answer line per site: can its interceptors reach a Russian ICBM, and on what it hinges.

    For each site, the interceptors the catalogue plans or records there (SM-3 variants, and
    any other interceptor with a fly-out in data/parameters.csv: THAAD at Deveselu in 2019,
    Arrow 3 at Holzdorf) are run in the low, nominal and high interceptor cases; then each
    alternative of ``_LEVERS`` is applied alone to the nominal case, to show which assumption
    moves the answer. A site with none of them would run the four SM-3 variants, named as a
    hypothetical ("never deployed there").

    Returns
    -------
    DataFrame
        ``site_id, site, variants, feasible_low, feasible_nominal, feasible_high, tracks,
        best_margin_km_low, best_margin_km_nominal, best_margin_km_high, best_margin_s_low,
        best_margin_s_nominal, best_margin_s_high, answer`` (margins as in
        :func:`margin_words`); ``attrs["assumptions"]`` holds the nominal case's description.
        Under ``shared_track`` cueing, ``shared_radars_of`` is the year whose radars share
        their tracks (as for :func:`icbm_engagements`).
    """
    own = _site_interceptors(catalogue)

    def run(a: IcbmAssumptions) -> pd.DataFrame:
        of = shared_radars_of if a.cueing == "shared_track" else None
        return icbm_summary(icbm_engagements(catalogue, a, site_variants=own, shared_radars_of=of))

    runs = {est: run(replace(assumptions, estimate=est)) for est in ESTIMATES}
    levers = [(text, run(replace(assumptions, **change))) for text, change in _LEVERS]  # type: ignore[arg-type]
    nominal = runs["nominal"]
    rows = []
    for site_id, group in nominal.groupby("site_id", sort=True):
        status = dict(zip(group.variant, group.variant_at_site, strict=True))
        built = tuple(v for v, s in status.items() if s in ("built", "planned and built"))
        planned = tuple(v for v, s in status.items() if s == "planned")
        variants = built or planned or tuple(group.variant)

        def pick(
            frame: pd.DataFrame, variants: tuple[str, ...] = variants, site_id: str = site_id
        ) -> pd.DataFrame:
            return frame[(frame.site_id == site_id) & frame.variant.isin(variants)]

        per = {est: pick(runs[est]) for est in ESTIMATES}
        tracks = int(per["nominal"].tracks.max())
        feasible = {est: int(per[est].feasible_tracks.max()) for est in ESTIMATES}
        # Each case's figures are its nearest interceptor's (the best km margin), km and s from
        # that one row; with more than one interceptor at the site, the line names it.
        nearest = {
            est: per[est].sort_values("best_margin_km", ascending=False, kind="stable").iloc[0]
            for est in ESTIMATES
        }
        margin = {est: float(nearest[est].best_margin_km) for est in ESTIMATES}
        margin_s = {est: float(nearest[est].best_margin_s) for est in ESTIMATES}
        several = len(variants) > 1

        words = {
            est: margin_words(
                feasible[est], margin[est], margin_s[est], int(nearest[est].launched_tracks)
            )
            + (f", {nearest[est].variant_name}" if several else "")
            for est in ESTIMATES
        }
        if several:
            # The site's other interceptors in the nominal case too: the year's line names the
            # SM-3 alone, and a reader met two figures for one site (new-user trial).
            words["nominal"] += _other_interceptors(catalogue, per["nominal"], nearest["nominal"])

        best = nearest["nominal"]
        names = ", ".join(
            f"{n} ({status[v]})"
            for v, n in zip(group.variant, group.variant_name, strict=True)
            if v in variants
        )
        kind = "built" if built else ("planned" if planned else "never deployed there")
        site = str(group.site.iloc[0])
        listed = ", ".join(
            n for v, n in zip(group.variant, group.variant_name, strict=True) if v in variants
        )
        others = (
            f"low case {feasible['low']} ({words['low']}), "
            f"high case {feasible['high']} ({words['high']})"
        )
        if feasible["nominal"]:
            head = (
                f"{site} ({kind}: {listed}): can reach {feasible['nominal']} of "
                f"{tracks} ICBM tracks in the nominal case ({words['nominal']}); {others}"
            )
        else:
            head = (
                f"{site} ({kind}: {listed}): no intercept of any of {tracks} ICBM tracks in the "
                f"nominal case ({words['nominal']}); {others}"
            )
        flips = []
        for text, frame in levers:
            n = int(pick(frame).feasible_tracks.max())
            if (n > 0) != (feasible["nominal"] > 0):
                flips.append(f"{text} ({n} tracks)")
        hinge = (
            "; each of these, on its own, would change the answer: " + "; ".join(flips)
            if flips
            else "; no single other assumption would change the answer"
        )
        basis = _analogy_note(catalogue, str(best.variant), str(best.variant_name))
        if basis:
            hinge += f"; {basis}"
        if built and planned:
            extra = nominal[(nominal.site_id == site_id) & nominal.variant.isin(planned)]
            hinge += "; planned, never built there: " + ", ".join(
                f"{r.variant_name} {int(r.feasible_tracks)} tracks" for r in extra.itertuples()
            )
        rows.append(
            {
                "site_id": site_id,
                "site": site,
                "variants": names,
                "feasible_low": feasible["low"],
                "feasible_nominal": feasible["nominal"],
                "feasible_high": feasible["high"],
                "tracks": tracks,
                "best_margin_km_low": round(margin["low"], 1),
                "best_margin_km_nominal": round(margin["nominal"], 1),
                "best_margin_km_high": round(margin["high"], 1),
                "best_margin_s_low": round(margin_s["low"], 1),
                "best_margin_s_nominal": round(margin_s["nominal"], 1),
                "best_margin_s_high": round(margin_s["high"], 1),
                "answer": head + hinge + ".",
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["assumptions"] = assumptions.describe()
    return out
