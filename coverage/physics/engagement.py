"""Detection, interceptor fly-out and defended footprints: which ground is defended, by which site.

The question answered: against a threat from a given launch area, in a given year and scenario.

Method (fact sheet §5.4-5.5), for a launch point L and a ground target T:

1. **Trajectory** L→T from :mod:`coverage.physics.ballistics` (minimum energy by default), sampled every
   ``time_step_s`` (about 4 s).
2. **Detection**: the first sample at which the threat is inside a deployed radar's coverage
   (slant range against the RCS-scaled range, radar horizon on the k-factor Earth, azimuth sector;
   the limits of :mod:`coverage.physics.radar`), computed on the spherical Earth used by the ballistics.
   The interceptor launches ``delay_s`` (track and C2 delay, default 60 s) later.
   *Launch on remote* (default): any radar's track cues every site. With
   ``launch_on_remote=False`` a site launches only on its own co-located radar's track; in both
   cases the intercept point need not be seen by the site's radar (the kill vehicle's seeker and
   in-flight updates are assumed to close the loop).
3. **Reach**: with burnout speed v_bo and burn time t_b, the interceptor's reach after time t is
   D(t) = ½·v_bo·t²/t_b for t ≤ t_b and ½·v_bo·t_b + v_bo·(t − t_b) after (no drag, no gravity:
   an upper bound). A trajectory sample P(t) is a feasible intercept point for a site S when
   its altitude is within the interceptor's band [min, max] and D(t − t_launch) ≥ |S − P(t)|,
   the straight-line (3-D chord) distance.
4. **Defended**: T is defended by S when a feasible point exists (with *shoot-look-shoot*: two
   feasible intercept times at least ``sls_interval_s`` apart). Against several launch points
   (a launch area) T is defended only if it is defended against every launch point that can
   reach it. Targets farther than the threat's maximum range from every launch point are *out
   of reach*, reported apart from "defended".

Targets are a ~25 km grid of EPSG:3035 cells over European land (plus cities for the metrics).
The engine is vectorised over targets × time samples; :func:`engage_reference` is the same
computation as plain Python loops, kept to check the vectorised code and to benchmark it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from coverage.catalogue.analysis import load_threats
from coverage.catalogue.tables import Catalogue, Estimate
from coverage.physics import radar as radar_mod
from coverage.physics.ballistics import (
    SHAPES,
    FlightProfile,
    Shape,
    _plane_basis,
    lonlat_from_unit,
    profiles,
    unit_vectors,
)
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.scenario import FOOTPRINT_COLUMNS, FootprintOptions, deployed, radar_spec

__all__ = [
    "ALL_IRAN",
    "CAVEAT",
    "DefenceQuery",
    "EngagementAssumptions",
    "EngagementResult",
    "InterceptorSite",
    "TargetGrid",
    "ThreatSpec",
    "DefendedGrid",
    "cells_polygon",
    "defended_band",
    "defended_footprints",
    "defended_grid",
    "defended_layer",
    "domain_iso3",
    "engage",
    "engage_reference",
    "interceptor_sites",
    "launch_area_names",
    "radars_for",
    "resolve_launch_area",
    "resolve_threat",
    "target_grid",
    "threat_reach",
    "threat_spec",
    "threat_tracks",
]

ALL_IRAN = "all-iran"
CAVEAT = "Kinematic model from public estimates; not an assessment of operational capability."
DEFENDED_COLUMNS = [*FOOTPRINT_COLUMNS[:-1], "launch_area", "threat", "geometry"]
_TO_3035 = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
_TO_4326 = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
_DESIGN_MARGIN_M = 50_000.0


def _check(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    if not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and lo <= value <= hi
    ):
        raise ValueError(f"{name}={value!r} is outside the allowed range {lo:g}..{hi:g}{unit}")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InterceptorSite:
    """One interceptor type at one place (a deployment), with its kinematic parameters.

    Attributes
    ----------
    key
        Unique name of this site/interceptor pair (the deployment id for catalogue sites).
    lon_deg, lat_deg, height_m
        Launcher position (height above sea level, m).
    burnout_speed_mps
        Interceptor burnout velocity v_bo, m/s (100 to 11,000).
    burn_time_s
        Booster burn time t_b, s (1 to 600).
    min_alt_m, max_alt_m
        Intercept altitude band, m.
    max_reach_m
        Optional cap on the fly-out distance (e.g. the nominal engagement range); ``None``
        means no cap (fact-sheet model).
    own_radar
        The co-located radar, used when launch on remote is off; ``None`` if there is none.
    """

    key: str
    lon_deg: float
    lat_deg: float
    burnout_speed_mps: float
    burn_time_s: float
    min_alt_m: float
    max_alt_m: float
    height_m: float = 0.0
    max_reach_m: float | None = None
    own_radar: radar_mod.RadarSpec | None = None

    def __post_init__(self) -> None:
        _check("InterceptorSite.lon_deg", self.lon_deg, -180.0, 180.0, " degrees")
        _check("InterceptorSite.lat_deg", self.lat_deg, -90.0, 90.0, " degrees")
        _check("InterceptorSite.height_m", self.height_m, -500.0, 10_000.0, " m")
        _check("InterceptorSite.burnout_speed_mps", self.burnout_speed_mps, 100.0, 11_000.0, " m/s")
        _check("InterceptorSite.burn_time_s", self.burn_time_s, 1.0, 600.0, " s")
        _check("InterceptorSite.min_alt_m", self.min_alt_m, 0.0, 5_000_000.0, " m")
        _check("InterceptorSite.max_alt_m", self.max_alt_m, self.min_alt_m, 5_000_000.0, " m")
        if self.max_reach_m is not None:
            _check("InterceptorSite.max_reach_m", self.max_reach_m, 0.0, 40_000_000.0, " m")

    def reach_m(self, tau_s: ArrayLike) -> NDArray[np.float64]:
        """Fly-out distance D after ``tau_s`` seconds (0 before launch), fact sheet §5.4."""
        tau = np.maximum(np.asarray(tau_s, float), 0.0)
        v, tb = self.burnout_speed_mps, self.burn_time_s
        d = np.where(tau <= tb, 0.5 * v * tau**2 / tb, v * (tau - 0.5 * tb))
        return d if self.max_reach_m is None else np.minimum(d, self.max_reach_m)


@dataclass(frozen=True)
class ThreatSpec:
    """The threat: maximum range and how it flies.

    Attributes
    ----------
    max_range_m
        Longest ground range, m; farther targets are out of reach.
    profile
        Trajectory shape and boost assumption (flown to every target within range).
    min_range_m
        Shortest ground range considered, m (default 50 km; closer targets are out of reach).
    threat_id
        Name for labels.
    """

    max_range_m: float
    profile: FlightProfile = field(default_factory=FlightProfile)
    min_range_m: float = 50_000.0
    threat_id: str = "custom"

    def __post_init__(self) -> None:
        _check("ThreatSpec.max_range_m", self.max_range_m, 50_000.0, 16_000_000.0, " m")
        _check("ThreatSpec.min_range_m", self.min_range_m, 1_000.0, self.max_range_m, " m")
        if self.min_range_m <= self.profile.burnout_range_m:
            raise ValueError(
                f"ThreatSpec.min_range_m={self.min_range_m!r} must exceed the boost's "
                "burnout_range_m "
                f"({self.profile.burnout_range_m:g} m)"
            )


@dataclass(frozen=True)
class EngagementAssumptions:
    """Timeline and doctrine assumptions of an engagement.

    Attributes
    ----------
    delay_s
        Track, decision and launch delay after first detection, s (0 to 1,200; default 60).
    launch_on_remote
        ``True`` (default): any radar's track cues every site. ``False``: a site launches only on
        its own co-located radar's track.
    shoot_look_shoot
        Require two feasible intercept times at least ``sls_interval_s`` apart.
    sls_interval_s
        Kill-assessment interval between the two intercepts, s (1 to 600; default 75, inside the
        60-90 s band commonly assumed).
    time_step_s
        Trajectory sample spacing, s (0.5 to 30; default 4).
    radar
        Radar assumptions (target RCS, refraction, elevation mask).
    """

    delay_s: float = 60.0
    launch_on_remote: bool = True
    shoot_look_shoot: bool = False
    sls_interval_s: float = 75.0
    time_step_s: float = 4.0
    radar: radar_mod.RadarAssumptions = field(default_factory=radar_mod.RadarAssumptions)

    def __post_init__(self) -> None:
        _check("delay_s", self.delay_s, 0.0, 1200.0, " s")
        _check("sls_interval_s", self.sls_interval_s, 1.0, 600.0, " s")
        _check("time_step_s", self.time_step_s, 0.5, 30.0, " s")

    def describe(self) -> str:
        """One line for labels."""
        cue = (
            "launch on remote (any radar cues every site)"
            if self.launch_on_remote
            else "launch on own radar only"
        )
        text = f"{cue}, {self.delay_s:g} s track+C2 delay"
        if self.shoot_look_shoot:
            text += f", shoot-look-shoot ({self.sls_interval_s:g} s between intercepts)"
        return text


@dataclass(frozen=True, eq=False)
class EngagementResult:
    """Outcome for every target (arrays are read-only).

    Shapes: N targets, S sites, R radars, P launch points. Times are seconds after the threat's
    launch; ``nan`` where not applicable, ``inf`` for "never detected".

    Attributes
    ----------
    target_lon_deg, target_lat_deg
        Targets.
    site_keys
        Site keys, in the order of the S axis.
    reachable
        ``(P, N)``: within the threat's range from that launch point.
    flight_time_s
        ``(P, N)``: threat flight time.
    radar_detection_s
        ``(P, R, N)``: first detection by each radar.
    detection_time_s
        ``(P, N)``: first detection by any radar (the cue under launch on remote).
    launch_time_s
        ``(P, S, N)``: interceptor launch time of each site.
    first_intercept_s, last_intercept_s
        ``(P, S, N)``: earliest and latest feasible intercept times.
    defended_by
        ``(S, N)``: defended by that site against every launch point that reaches the target.
    defended
        ``(N,)``: defended by the sites together (the union).
    in_reach
        ``(N,)``: reachable from at least one launch point.
    """

    target_lon_deg: NDArray[np.float64]
    target_lat_deg: NDArray[np.float64]
    site_keys: tuple[str, ...]
    reachable: NDArray[np.bool_]
    flight_time_s: NDArray[np.float64]
    radar_detection_s: NDArray[np.float64]
    detection_time_s: NDArray[np.float64]
    launch_time_s: NDArray[np.float64]
    first_intercept_s: NDArray[np.float64]
    last_intercept_s: NDArray[np.float64]
    defended_by: NDArray[np.bool_]
    defended: NDArray[np.bool_]
    in_reach: NDArray[np.bool_]

    def __post_init__(self) -> None:
        for name in (
            "target_lon_deg",
            "target_lat_deg",
            "reachable",
            "flight_time_s",
            "radar_detection_s",
            "detection_time_s",
            "launch_time_s",
            "first_intercept_s",
            "last_intercept_s",
            "defended_by",
            "defended",
            "in_reach",
        ):
            getattr(self, name).setflags(write=False)


# --------------------------------------------------------------------------- vectorised engine


@dataclass(frozen=True)
class _RadarGeom:
    spec: radar_mod.RadarSpec
    unit: NDArray[np.float64]
    east: NDArray[np.float64]
    north: NDArray[np.float64]
    sector: bool


def _radar_geom(spec: radar_mod.RadarSpec) -> _RadarGeom:
    lon, lat = math.radians(spec.lon_deg), math.radians(spec.lat_deg)
    unit = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.array(
        [-math.sin(lat) * math.cos(lon), -math.sin(lat) * math.sin(lon), math.cos(lat)]
    )
    return _RadarGeom(
        spec, unit, east, north, spec.fov_deg < 360.0 and spec.boresight_deg is not None
    )


def _first_time(
    mask: NDArray[np.bool_], t: NDArray[np.float64], *, last: bool = False, fill: float = np.nan
) -> NDArray[np.float64]:
    """Time of the first (or last) True sample of each row, ``fill`` where none."""
    rows = np.arange(mask.shape[0])
    idx = mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1) if last else np.argmax(mask, axis=1)
    return np.where(mask[rows, idx], t[rows, idx], fill)


_DETECT_BLOCK = 48


def _detect(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    psi: NDArray[np.float64],
    w: NDArray[np.float64],
    c: NDArray[np.float64],
    s: NDArray[np.float64],
    r: NDArray[np.float64],
    alt: NDArray[np.float64],
    t: NDArray[np.float64],
    ra: radar_mod.RadarAssumptions,
) -> NDArray[np.float64]:
    """First time each trajectory is visible to one radar (``inf`` if never).

    Work is skipped, never results: trajectories whose plane and arc stay farther from the
    radar than its range are not examined, samples are examined in time blocks only until a
    trajectory is first seen, and only samples within slant range go through the radar
    module's horizon and sector tests.
    """
    n, n_k = t.shape
    first = np.full(n, np.inf)
    r1 = EARTH_RADIUS_M + rg.spec.height_m
    max_slant = radar_mod.scaled_range_m(
        rg.spec.range_m, rg.spec.reference_rcs_m2, ra.target_rcs_m2
    )
    limit2 = (max_slant * (1.0 + 1e-9)) ** 2
    u_l = float(rg.unit @ launch_unit)
    u_w = w @ rg.unit
    # Lower bound of the radar-to-trajectory distance: out-of-plane offset, and in-plane
    # distance to the rays at angles 0..ψ (the trajectory lies in that sector of its plane).
    z = r1 * (w @ np.cross(rg.unit, launch_unit))
    rho = r1 * np.hypot(u_l, u_w)
    phi = np.arctan2(u_w, u_l)
    outside = (phi < 0.0) | (phi > psi)
    gap = np.where(outside, np.minimum(np.abs(phi), np.abs(phi - psi)), 0.0)
    gap = np.minimum(gap, 2.0 * np.pi - np.abs(phi - psi))
    in_plane = np.where(gap >= np.pi / 2.0, rho, rho * np.sin(np.minimum(gap, np.pi / 2.0)))
    active = np.flatnonzero(z * z + in_plane * in_plane <= limit2)
    east_l, north_l = float(rg.east @ launch_unit), float(rg.north @ launch_unit)
    for k0 in range(0, n_k, _DETECT_BLOCK):
        if active.size == 0:
            break
        cols = slice(k0, min(n_k, k0 + _DETECT_BLOCK))
        cc, ss, rr = c[active, cols], s[active, cols], r[active, cols]
        dot = cc * u_l + ss * u_w[active][:, None]
        cand = np.flatnonzero((r1 * r1) + rr * rr - (2.0 * r1) * dot <= limit2)
        if cand.size == 0:
            continue
        r_c = rr.ravel()[cand]
        ground_m = np.arccos(np.clip(dot.ravel()[cand] / r_c, -1.0, 1.0)) * EARTH_RADIUS_M
        if rg.sector:
            rows = active[cand // cc.shape[1]]
            c_c, s_c = cc.ravel()[cand], ss.ravel()[cand]
            xe = c_c * east_l + s_c * (w[rows] @ rg.east)
            yn = c_c * north_l + s_c * (w[rows] @ rg.north)
            az = np.degrees(np.arctan2(xe, yn))
        else:
            az = np.zeros_like(ground_m)
        vis = np.zeros(cc.shape, bool)
        vis.ravel()[cand] = radar_mod._visible_from_polar(
            rg.spec, az, ground_m, alt[active, cols].ravel()[cand], ra
        )
        seen = vis.any(axis=1)
        if seen.any():
            hit = active[seen]
            first[hit] = t[hit, k0 + np.argmax(vis[seen], axis=1)]
            active = active[~seen]
    return first


def _engage_chunk(
    idx: NDArray[np.int64],
    rng_m: NDArray[np.float64],
    w_all: NDArray[np.float64],
    launch_unit: NDArray[np.float64],
    radars: Sequence[_RadarGeom],
    n_cue: int,
    own_index: Sequence[int | None],
    sites: Sequence[InterceptorSite],
    threat: ThreatSpec,
    a: EngagementAssumptions,
    out: dict[str, NDArray[np.float64]],
) -> None:
    """One chunk of targets: write its rows of ``out`` (chunks are independent)."""
    prof = profiles(rng_m[idx], threat.profile, time_step_s=a.time_step_s)
    t, alt, c, s = prof.time_s, prof.alt_m, prof.x_m, prof.y_m
    r = EARTH_RADIUS_M + alt
    w = w_all[idx]
    out["flight_time_s"][idx] = prof.flight_time_s
    det = np.full((len(radars), idx.size), np.inf)
    psi = rng_m[idx] / EARTH_RADIUS_M
    for j, rg in enumerate(radars):
        det[j] = _detect(rg, launch_unit, psi, w, c, s, r, alt, t, a.radar)
    out["radar_detection_s"][:, idx] = det
    cue = det[:n_cue].min(axis=0) if n_cue else np.full(idx.size, np.inf)
    out["detection_time_s"][idx] = cue
    r2 = r * r
    cache: dict[tuple[object, ...], NDArray[np.float64]] = {}
    for k, site in enumerate(sites):
        if a.launch_on_remote:
            t_launch = cue + a.delay_s
            cue_key: object = "remote"
        else:
            oi = own_index[k]
            t_launch = (det[oi] if oi is not None else np.full(idx.size, np.inf)) + a.delay_s
            cue_key = oi
        out["launch_time_s"][k, idx] = t_launch
        # Reach² − r² where the sample is inside the altitude band and after launch, else −inf:
        # shared by every site with the same interceptor and cue.
        key = (
            cue_key,
            site.burnout_speed_mps,
            site.burn_time_s,
            site.max_reach_m,
            site.min_alt_m,
            site.max_alt_m,
        )
        if key not in cache:
            tau = t - t_launch[:, None]
            d = site.reach_m(tau)
            ok = (tau > 0.0) & (alt >= site.min_alt_m) & (alt <= site.max_alt_m)
            cache[key] = np.where(ok, d * d - r2, -np.inf)
        rs = EARTH_RADIUS_M + site.height_m
        su = unit_vectors(site.lon_deg, site.lat_deg)
        # |S − P|² − r² = rs² − 2·rs·(c·(Ŝ·L) + s·(Ŝ·W)): feasible when reach² ≥ |S − P|².
        rhs = (
            (rs * rs)
            - (2.0 * rs * float(su @ launch_unit)) * c
            - s * ((2.0 * rs) * (w @ su))[:, None]
        )
        feasible = cache[key] >= rhs
        out["first_intercept_s"][k, idx] = _first_time(feasible, t)
        out["last_intercept_s"][k, idx] = _first_time(feasible, t, last=True)


def _engage_point(
    launch_unit: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    radars: Sequence[_RadarGeom],
    n_cue: int,
    own_index: Sequence[int | None],
    sites: Sequence[InterceptorSite],
    threat: ThreatSpec,
    a: EngagementAssumptions,
    chunk_size: int,
    workers: int,
) -> dict[str, NDArray[np.float64]]:
    """All targets against one launch point (vectorised over targets × samples, in chunks)."""
    n, n_s, n_r = target_unit.shape[0], len(sites), len(radars)
    psi, w_all = _plane_basis(launch_unit, target_unit)
    rng_m = psi * EARTH_RADIUS_M
    reach = (rng_m >= threat.min_range_m) & (rng_m <= threat.max_range_m)
    out = {
        "reachable": reach,
        "flight_time_s": np.full(n, np.nan),
        "radar_detection_s": np.full((n_r, n), np.nan),
        "detection_time_s": np.full(n, np.nan),
        "launch_time_s": np.full((n_s, n), np.nan),
        "first_intercept_s": np.full((n_s, n), np.nan),
        "last_intercept_s": np.full((n_s, n), np.nan),
    }
    # Sorting by range keeps trajectories of similar length (sample count) in one chunk.
    idx_all = np.flatnonzero(reach)
    idx_all = idx_all[np.argsort(rng_m[idx_all], kind="stable")]
    chunks = [idx_all[i : i + chunk_size] for i in range(0, idx_all.size, chunk_size)]

    def run(idx: NDArray[np.int64]) -> None:
        _engage_chunk(
            idx, rng_m, w_all, launch_unit, radars, n_cue, own_index, sites, threat, a, out
        )

    if workers > 1 and len(chunks) > 1:
        # numpy releases the GIL in array loops: chunks run in parallel on the cores.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, chunks))
    else:
        for idx in chunks:
            run(idx)
    return out


def _combine(
    per_point: list[dict[str, NDArray[np.float64]]],
    target_lon: NDArray[np.float64],
    target_lat: NDArray[np.float64],
    sites: Sequence[InterceptorSite],
    a: EngagementAssumptions,
) -> EngagementResult:
    stack = {k: np.stack([p[k] for p in per_point]) for k in per_point[0]}
    reachable = stack["reachable"].astype(bool)
    first, last = stack["first_intercept_s"], stack["last_intercept_s"]
    with np.errstate(invalid="ignore"):
        if a.shoot_look_shoot:
            site_ok = (last - first) >= a.sls_interval_s
            union_ok = (
                np.nanmax(last, axis=1, initial=-np.inf) - np.nanmin(first, axis=1, initial=np.inf)
            ) >= a.sls_interval_s
        else:
            site_ok = np.isfinite(first)
            union_ok = site_ok.any(axis=1)
    in_reach = reachable.any(axis=0)
    defended_by = in_reach[None, :] & np.all(~reachable[:, None, :] | site_ok, axis=0)
    defended = in_reach & np.all(~reachable | union_ok, axis=0)
    return EngagementResult(
        target_lon_deg=np.asarray(target_lon, float).copy(),
        target_lat_deg=np.asarray(target_lat, float).copy(),
        site_keys=tuple(s.key for s in sites),
        reachable=reachable,
        flight_time_s=stack["flight_time_s"],
        radar_detection_s=stack["radar_detection_s"],
        detection_time_s=stack["detection_time_s"],
        launch_time_s=stack["launch_time_s"],
        first_intercept_s=first,
        last_intercept_s=last,
        defended_by=defended_by,
        defended=defended,
        in_reach=in_reach,
    )


def _prepare(
    launch_lon_deg: ArrayLike,
    launch_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_lat_deg: ArrayLike,
    radars: Sequence[radar_mod.RadarSpec],
    sites: Sequence[InterceptorSite],
) -> tuple[
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    list[radar_mod.RadarSpec],
    list[int | None],
]:
    llon = np.atleast_1d(np.asarray(launch_lon_deg, float))
    llat = np.atleast_1d(np.asarray(launch_lat_deg, float))
    tlon = np.atleast_1d(np.asarray(target_lon_deg, float))
    tlat = np.atleast_1d(np.asarray(target_lat_deg, float))
    if llon.shape != llat.shape or llon.ndim != 1 or llon.size == 0:
        raise ValueError(
            "launch_lon_deg and launch_lat_deg must be 1-D arrays of the same, non-zero length"
        )
    if tlon.shape != tlat.shape or tlon.ndim != 1:
        raise ValueError("target_lon_deg and target_lat_deg must be 1-D arrays of the same length")
    for name, v, lim in (
        ("launch_lon_deg", llon, 180.0),
        ("launch_lat_deg", llat, 90.0),
        ("target_lon_deg", tlon, 180.0),
        ("target_lat_deg", tlat, 90.0),
    ):
        if not np.all(np.isfinite(v) & (np.abs(v) <= lim)):
            raise ValueError(
                f"{name} has values outside the allowed range -{lim:g}..{lim:g} degrees"
            )
    keys = [s.key for s in sites]
    if len(set(keys)) != len(keys):
        raise ValueError("InterceptorSite.key values must be unique")
    all_radars = list(radars)
    own_index: list[int | None] = []
    for s in sites:
        if s.own_radar is None:
            own_index.append(None)
            continue
        if s.own_radar not in all_radars:
            all_radars.append(s.own_radar)
        own_index.append(all_radars.index(s.own_radar))
    return llon, llat, tlon, tlat, all_radars, own_index


def engage(
    launch_lon_deg: ArrayLike,
    launch_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_lat_deg: ArrayLike,
    *,
    radars: Sequence[radar_mod.RadarSpec],
    sites: Sequence[InterceptorSite],
    threat: ThreatSpec,
    assumptions: EngagementAssumptions = EngagementAssumptions(),
    chunk_size: int = 512,
    workers: int = 1,
) -> EngagementResult:
    """Compute detection, intercept windows and defended flags for every target (vectorised).

    Parameters
    ----------
    launch_lon_deg, launch_lat_deg
        One or more launch points, degrees. Several points are a worst case: a target is
        defended only if it is defended against every point that can reach it.
    target_lon_deg, target_lat_deg
        Ground targets, degrees.
    radars
        Radars whose tracks can cue the sites (launch on remote), as :class:`RadarSpec`.
    sites
        Interceptor sites (one entry per site and interceptor type).
    threat
        Range and trajectory assumptions.
    assumptions
        Delay, cueing, shoot-look-shoot, sampling and radar assumptions.
    chunk_size
        Targets processed together (memory ≈ chunk_size × samples × 100 bytes). ``1`` gives a
        per-target loop vectorised only over time samples (used by the benchmark).
    workers
        Threads running chunks in parallel (numpy releases the GIL). Default 1: on a shared
        2-core machine a second thread was slower; on an idle multi-core machine 2-4 helps.

    Returns
    -------
    EngagementResult
        The radar axis R lists ``radars`` first, then any own radars of sites not in ``radars``.
    """
    if not (isinstance(chunk_size, int) and chunk_size >= 1):
        raise ValueError(f"chunk_size={chunk_size!r} must be a whole number >= 1")
    llon, llat, tlon, tlat, all_radars, own_index = _prepare(
        launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg, radars, sites
    )
    geoms = [_radar_geom(r) for r in all_radars]
    targets = unit_vectors(tlon, tlat)
    per_point = [
        _engage_point(
            unit_vectors(lo, la),
            targets,
            geoms,
            len(radars),
            own_index,
            sites,
            threat,
            assumptions,
            chunk_size,
            workers,
        )
        for lo, la in zip(llon, llat, strict=True)
    ]
    return _combine(per_point, tlon, tlat, sites, assumptions)


# --------------------------------------------------------------------------- reference loop


def _visible_scalar(
    spec: radar_mod.RadarSpec,
    az_deg: float,
    ground_m: float,
    alt_m: float,
    ra: radar_mod.RadarAssumptions,
) -> bool:
    """Scalar copy of ``radar._visible_from_polar`` (slant range, horizon, sector)."""
    theta = ground_m / EARTH_RADIUS_M
    r1 = EARTH_RADIUS_M + spec.height_m
    r2 = EARTH_RADIUS_M + alt_m
    slant = math.sqrt(max(r1 * r1 + r2 * r2 - 2.0 * r1 * r2 * math.cos(theta), 0.0))
    if slant > spec.range_m * (ra.target_rcs_m2 / spec.reference_rcs_m2) ** 0.25:
        return False
    re = ra.k_factor * EARTH_RADIUS_M
    h1 = re + max(spec.height_m, 0.0)
    h2 = re + max(alt_m, 0.0)
    dip = -math.acos(re / h1)
    elev = dip if ra.min_elevation_deg is None else max(math.radians(ra.min_elevation_deg), dip)
    horizon = (
        max(math.pi / 2.0 - elev - math.asin(min(max(h1 * math.cos(elev) / h2, -1.0), 1.0)), 0.0)
        * re
    )
    if ground_m > horizon * (1.0 + 1e-12):
        return False
    if spec.fov_deg >= 360.0 or spec.boresight_deg is None:
        return True
    off = (az_deg - spec.boresight_deg + 180.0) % 360.0 - 180.0
    return abs(off) <= spec.fov_deg / 2.0


def engage_reference(
    launch_lon_deg: ArrayLike,
    launch_lat_deg: ArrayLike,
    target_lon_deg: ArrayLike,
    target_lat_deg: ArrayLike,
    *,
    radars: Sequence[radar_mod.RadarSpec],
    sites: Sequence[InterceptorSite],
    threat: ThreatSpec,
    assumptions: EngagementAssumptions = EngagementAssumptions(),
) -> EngagementResult:
    """Compute what :func:`engage` does with a straightforward loop over targets and samples.

    Same inputs, outputs and trajectory samples; every geometric test is done one sample at a
    time with the ``math`` module. Slow: for tests and the benchmark only.
    """
    llon, llat, tlon, tlat, all_radars, own_index = _prepare(
        launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg, radars, sites
    )
    geoms = [_radar_geom(r) for r in all_radars]
    a = assumptions
    n, n_s, n_r = tlon.size, len(sites), len(geoms)
    per_point = []
    for lo, la in zip(llon, llat, strict=True):
        lu = unit_vectors(lo, la)
        out = {
            "reachable": np.zeros(n, bool),
            "flight_time_s": np.full(n, np.nan),
            "radar_detection_s": np.full((n_r, n), np.nan),
            "detection_time_s": np.full(n, np.nan),
            "launch_time_s": np.full((n_s, n), np.nan),
            "first_intercept_s": np.full((n_s, n), np.nan),
            "last_intercept_s": np.full((n_s, n), np.nan),
        }
        for i in range(n):
            tu = unit_vectors(tlon[i], tlat[i])
            psi_arr, w_arr = _plane_basis(lu, tu[None, :])
            rng_m = float(psi_arr[0]) * EARTH_RADIUS_M
            if not threat.min_range_m <= rng_m <= threat.max_range_m:
                continue
            out["reachable"][i] = True
            w = w_arr[0]
            prof = profiles(np.array([rng_m]), threat.profile, time_step_s=a.time_step_s)
            out["flight_time_s"][i] = prof.flight_time_s[0]
            points = [
                (tk, hk, EARTH_RADIUS_M + hk, ck, sk)
                for tk, hk, ck, sk in zip(
                    prof.time_s[0].tolist(),
                    prof.alt_m[0].tolist(),
                    prof.x_m[0].tolist(),
                    prof.y_m[0].tolist(),
                    strict=True,
                )
            ]
            det = []
            for rg in geoms:
                rl, rw = float(rg.unit @ lu), float(rg.unit @ w)
                el, ew = float(rg.east @ lu), float(rg.east @ w)
                nl, nw = float(rg.north @ lu), float(rg.north @ w)
                first = math.inf
                r1 = EARTH_RADIUS_M + rg.spec.height_m
                max_slant = radar_mod.scaled_range_m(
                    rg.spec.range_m, rg.spec.reference_rcs_m2, a.radar.target_rcs_m2
                )
                for tk, hk, rk, ck, sk in points:
                    dot = ck * rl + sk * rw
                    if r1 * r1 + rk * rk - 2.0 * r1 * dot > (max_slant * (1.0 + 1e-9)) ** 2:
                        continue
                    cos_g = min(max(dot / rk, -1.0), 1.0)
                    ground = math.acos(cos_g) * EARTH_RADIUS_M
                    az = (
                        math.degrees(math.atan2(ck * el + sk * ew, ck * nl + sk * nw))
                        if rg.sector
                        else 0.0
                    )
                    if _visible_scalar(rg.spec, az, ground, hk, a.radar):
                        first = tk
                        break
                det.append(first)
            for j, d in enumerate(det):
                out["radar_detection_s"][j, i] = d
            cue = min(det[: len(radars)], default=math.inf)
            out["detection_time_s"][i] = cue
            for k, site in enumerate(sites):
                if a.launch_on_remote:
                    t_launch = cue + a.delay_s
                else:
                    oi = own_index[k]
                    t_launch = (det[oi] if oi is not None else math.inf) + a.delay_s
                out["launch_time_s"][k, i] = t_launch
                su = unit_vectors(site.lon_deg, site.lat_deg)
                rs = EARTH_RADIUS_M + site.height_m
                sl, sw = float(su @ lu), float(su @ w)
                feasible = []
                for tk, hk, rk, ck, sk in points:
                    tau = tk - t_launch
                    if not (tau > 0.0 and site.min_alt_m <= hk <= site.max_alt_m):
                        continue
                    d = float(site.reach_m(tau))
                    rhs = rs * rs - (2.0 * rs * sl) * ck - (2.0 * rs) * sk * sw
                    if d * d - rk * rk >= rhs:
                        feasible.append(tk)
                if feasible:
                    out["first_intercept_s"][k, i] = feasible[0]
                    out["last_intercept_s"][k, i] = feasible[-1]
        per_point.append(out)
    return _combine(per_point, tlon, tlat, sites, a)


# --------------------------------------------------------------------------- catalogue inputs


def launch_area_names(catalogue: Catalogue) -> list[str]:
    """Names accepted as a launch area: point ids, area names and ``all-iran``."""
    lp = catalogue.launch_points
    return [*lp.point_id, *dict.fromkeys(lp.area), ALL_IRAN]


def resolve_launch_area(catalogue: Catalogue, name: str) -> pd.DataFrame:
    """Return the launch points a name stands for.

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
            f"--launch-area {name!r} is not known; allowed: "
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
        raise ValueError(f"--threat {threat!r} is not known; allowed: {', '.join(allowed)}")
    return rows.iloc[0]


@functools.lru_cache(maxsize=4)
def _nato_vertices(iso3: tuple[str, ...]) -> NDArray[np.float64]:
    from coverage.catalogue.basemap import countries

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


def threat_spec(
    catalogue: Catalogue,
    threat: str,
    launch_points: pd.DataFrame,
    *,
    profile: FlightProfile | None = None,
    range_case: Estimate = "nominal",
) -> ThreatSpec:
    """Return the :class:`ThreatSpec` for a threats.csv row and launch points.

    Fixed-range threats use ``range_km_<range_case>``. The ``design_case`` threat's range is the
    farthest NATO-Europe territory (all European members in data/nato_members.csv) from any of
    the launch points, plus 50 km, rounded up to 10 km.
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
    )


@functools.lru_cache(maxsize=32)
def _deployed(catalogue: Catalogue, options: FootprintOptions) -> pd.DataFrame:
    """``scenario.deployed`` for ``options``, cached per catalogue object (treat as read-only)."""
    return deployed(
        catalogue, options.year, options.scenario, include_occasional=options.include_occasional
    )


def radars_for(
    catalogue: Catalogue, options: FootprintOptions
) -> tuple[tuple[str, radar_mod.RadarSpec], ...]:
    """``(deployment_id, RadarSpec)`` of every radar deployed under ``options``."""
    deps = _deployed(catalogue, options)
    out = []
    for _, row in deps[deps.kind == "radar"].iterrows():
        out.append((str(row.deployment_id), radar_spec(catalogue, row, options.estimate)))
    return tuple(out)


def interceptor_sites(
    catalogue: Catalogue, options: FootprintOptions, *, cap_at_nominal_range: bool = True
) -> tuple[InterceptorSite, ...]:
    """Return an :class:`InterceptorSite` per deployed interceptor (key = deployment id).

    Parameters come from data/parameters.csv in the ``options.estimate`` case. A site's own
    radar is a radar deployed at the same site in the same year.

    With ``cap_at_nominal_range`` (default) the fly-out distance is capped at the interceptor's
    nominal engagement range (``nominal_range_km``, the figure of the nominal rings). The
    fact-sheet reach D(t) has no end point: uncapped, an SM-3 IA (3 km/s) flying for 15 minutes
    against a long-range threat would reach ~2,600 km, far beyond its commonly cited ~700 km.
    The cap compares a 3-D distance with a ground range (a small, favourable approximation).
    """
    deps = _deployed(catalogue, options)
    radars = {
        row.site_id: radar_spec(catalogue, row, options.estimate)
        for _, row in deps[deps.kind == "radar"].iterrows()
    }
    out = []
    for _, row in deps[deps.kind == "interceptor"].iterrows():
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
                own_radar=radars.get(row.site_id),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- target grid


@dataclass(frozen=True, eq=False)
class TargetGrid:
    """Square EPSG:3035 cells over European land; targets are the cell centres.

    Attributes
    ----------
    grid_m
        Cell size, m.
    ix, iy
        Cell indices: the cell spans x in [ix·grid_m, (ix+1)·grid_m), y likewise (EPSG:3035).
    lon_deg, lat_deg
        Cell centres, degrees.
    iso3
        Countries whose land the grid covers.
    """

    grid_m: float
    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    lon_deg: NDArray[np.float64]
    lat_deg: NDArray[np.float64]
    iso3: tuple[str, ...]

    def boxes(self) -> NDArray[np.object_]:
        """Cell squares in EPSG:3035."""
        g = self.grid_m
        return shapely.box(self.ix * g, self.iy * g, (self.ix + 1) * g, (self.iy + 1) * g)


def domain_iso3(catalogue: Catalogue) -> tuple[str, ...]:
    """Return the countries the grid covers.

    European countries of the basemap except Russia, plus every European NATO member.
    """
    from coverage.catalogue.basemap import countries

    base = countries("europe")
    europe = set(base.iso3[(base.continent == "Europe") & (base.iso3 != "RUS")])
    return tuple(sorted(europe | catalogue.nato_members_in(9999)))


@functools.lru_cache(maxsize=8)
def target_grid(grid_km: float = 25.0, iso3: tuple[str, ...] | None = None) -> TargetGrid:
    """Return the grid of ground targets (cached per cell size and country list).

    Parameters
    ----------
    grid_km
        Cell size, km (5 to 500).
    iso3
        Countries to cover; default: the European countries of the basemap (without Russia)
        and Türkiye.
    """
    from coverage.catalogue.basemap import countries

    _check("grid_km", grid_km, 5.0, 500.0, " km")
    base = countries("europe")
    if iso3 is None:
        iso3 = tuple(
            sorted(set(base.iso3[(base.continent == "Europe") & (base.iso3 != "RUS")]) | {"TUR"})
        )
    land = shapely.union_all(_to_3035(base.geometry.values[base.iso3.isin(iso3).to_numpy()]))
    g = grid_km * 1000.0
    minx, miny, maxx, maxy = land.bounds
    xs = np.arange(math.floor(minx / g), math.ceil(maxx / g), dtype=np.int64)
    ys = np.arange(math.floor(miny / g), math.ceil(maxy / g), dtype=np.int64)
    ix, iy = (v.ravel() for v in np.meshgrid(xs, ys))
    shapely.prepare(land)
    hit = shapely.intersects(land, shapely.box(ix * g, iy * g, (ix + 1) * g, (iy + 1) * g))
    ix, iy = ix[hit], iy[hit]
    lon, lat = _TO_4326.transform((ix + 0.5) * g, (iy + 0.5) * g)
    return TargetGrid(g, ix, iy, np.asarray(lon), np.asarray(lat), tuple(iso3))


def _to_3035(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Project lon/lat geometries to EPSG:3035 (a shared transformer: faster than ``to_crs``)."""

    def fwd(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = _TO_3035.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fwd)


def cells_polygon(
    ix: ArrayLike, iy: ArrayLike, grid_m: float, *, simplify: bool = True
) -> BaseGeometry:
    """Union of EPSG:3035 grid cells as a valid EPSG:4326 (multi)polygon.

    Squares are unioned exactly, simplified by 0.3 cell (removing the staircase, preserving
    topology), densified to one vertex per cell length so edges follow the projection, then
    transformed to lon/lat and repaired with ``make_valid``.
    """
    ix, iy = np.asarray(ix, np.int64), np.asarray(iy, np.int64)
    if ix.size == 0:
        return Polygon()
    boxes = shapely.box(ix * grid_m, iy * grid_m, (ix + 1) * grid_m, (iy + 1) * grid_m)
    merged = shapely.coverage_union_all(boxes)
    if simplify:
        merged = shapely.simplify(merged, 0.3 * grid_m, preserve_topology=True)
    merged = shapely.segmentize(merged, grid_m)

    def to_lonlat(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = _TO_4326.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    geom = shapely.make_valid(shapely.transform(merged, to_lonlat))
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


# --------------------------------------------------------------------------- catalogue-level API


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
        Cap the interceptor fly-out at its nominal engagement range (default on; see
        :func:`interceptor_sites`).
    threat_range_case
        Which range estimate of a fixed-range threat to use.
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
    cap_at_nominal_range: bool = True
    threat_range_case: Estimate = "nominal"

    def __post_init__(self) -> None:
        _check("grid_km", self.grid_km, 5.0, 500.0, " km")
        if self.shape not in SHAPES:
            raise ValueError(f"shape={self.shape!r} is not one of {', '.join(SHAPES)}")
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
            radar=radar or radar_mod.RadarAssumptions(),
        )

    def profile(self) -> FlightProfile:
        """Return the threat's :class:`FlightProfile`."""
        return FlightProfile(shape=self.shape, angle_offset_deg=self.angle_offset_deg)


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
    sites
        Interceptor sites, in the order of ``result.site_keys``.
    radar_ids
        Deployment ids of the radars, in the order of the result's radar axis.
    threat
        The threat used (its ``max_range_m`` is the computed range for ``design_case``).
    launch_points
        Launch points used.
    query, options
        What was asked.
    """

    grid: TargetGrid
    result: EngagementResult
    extra: pd.DataFrame
    sites: tuple[InterceptorSite, ...]
    radar_ids: tuple[str, ...]
    threat: ThreatSpec
    launch_points: pd.DataFrame
    query: DefenceQuery
    options: FootprintOptions

    @property
    def n_cells(self) -> int:
        """Number of grid cells (the first targets of the result)."""
        return int(self.grid.ix.size)


@functools.lru_cache(maxsize=16)
def _engage_cached(
    launch: tuple[tuple[float, float], ...],
    grid_km: float,
    grid_iso3: tuple[str, ...],
    extra: tuple[tuple[float, float], ...],
    radars: tuple[radar_mod.RadarSpec, ...],
    sites: tuple[InterceptorSite, ...],
    threat: ThreatSpec,
    assumptions: EngagementAssumptions,
) -> EngagementResult:
    grid = target_grid(grid_km, grid_iso3)
    ex = np.array(extra, float).reshape(-1, 2)
    return engage(
        [p[0] for p in launch],
        [p[1] for p in launch],
        np.concatenate([grid.lon_deg, ex[:, 0]]),
        np.concatenate([grid.lat_deg, ex[:, 1]]),
        radars=radars,
        sites=sites,
        threat=threat,
        assumptions=assumptions,
    )


@functools.lru_cache(maxsize=4)
def _cities() -> pd.DataFrame:
    from coverage.catalogue.tables import DATA_DIR

    frame = pd.read_csv(DATA_DIR / "cities.csv", dtype={"iso3": str}, keep_default_na=False)
    frame["is_capital"] = frame.is_capital.astype(str).str.lower() == "true"
    return frame


def defended_grid(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> DefendedGrid:
    """Run the engagement over the target grid and the cities of the grid's countries (cached).

    Identical inputs (radars, sites, threat, assumptions) share one cached run, so years with
    the same deployments cost nothing extra.
    """
    points = resolve_launch_area(catalogue, query.launch_area)
    threat = threat_spec(
        catalogue, query.threat, points, profile=query.profile(), range_case=query.threat_range_case
    )
    radar_items = radars_for(catalogue, options)
    sites = interceptor_sites(catalogue, options, cap_at_nominal_range=query.cap_at_nominal_range)
    iso3 = domain_iso3(catalogue)
    grid = target_grid(query.grid_km, iso3)
    cities = _cities()
    extra = cities[cities.iso3.isin(iso3)].reset_index(drop=True)
    assumptions = query.assumptions(options.radar_assumptions())
    result = _engage_cached(
        tuple(zip(points.lon_deg.astype(float), points.lat_deg.astype(float), strict=True)),
        query.grid_km,
        iso3,
        tuple(zip(extra.lon_deg.astype(float), extra.lat_deg.astype(float), strict=True)),
        tuple(r for _, r in radar_items),
        sites,
        threat,
        assumptions,
    )
    return DefendedGrid(
        grid, result, extra, sites, tuple(i for i, _ in radar_items), threat, points, query, options
    )


def _assumption_text(dg: DefendedGrid) -> str:
    q, o = dg.query, dg.options
    return (
        f"threat {dg.threat.threat_id} ({dg.threat.max_range_m / 1000:,.0f} km, "
        f"{q.profile().describe()}) from {_launch_label_points(dg.launch_points, q.launch_area)}; "
        f"{q.assumptions().describe()}; "
        f"{o.estimate} interceptor and radar parameters, target RCS {o.target_rcs_m2:g} m²; "
        f"fly-out {'capped at the nominal range' if q.cap_at_nominal_range else 'uncapped'}; "
        f"{q.grid_km:g} km grid"
    )


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
    threat: str = "design_case",
    delay_s: float = 60.0,
    launch_on_remote: bool = True,
    shoot_look_shoot: bool = False,
    grid_km: float = 25.0,
    sls_interval_s: float = 75.0,
    shape: Shape = "minimum_energy",
    angle_offset_deg: float = 10.0,
    cap_at_nominal_range: bool = True,
    threat_range_case: Estimate = "nominal",
) -> gpd.GeoDataFrame:
    """Defended areas per interceptor site and their union (``layer="defended"``).

    Parameters
    ----------
    catalogue, options
        What is deployed (year, scenario, capability case, radar assumptions).
    launch_area
        Launch point id, area name (``"NW Iran"``) or ``"all-iran"`` (worst case over all points).
    threat
        Threat id or class in data/threats.csv; default ``design_case`` (reaches all NATO Europe).
    delay_s, launch_on_remote, shoot_look_shoot, sls_interval_s
        Engagement timeline (see :class:`EngagementAssumptions`).
    grid_km
        Target grid spacing, km.
    shape, angle_offset_deg
        Threat trajectory shape.
    cap_at_nominal_range
        Cap interceptor fly-out at its nominal range (default on; ``False`` is the uncapped
        fact-sheet reach, see :func:`interceptor_sites`).
    threat_range_case
        Range estimate of a fixed-range threat.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 with ``coverage.scenario.FOOTPRINT_COLUMNS`` plus ``launch_area`` and
        ``threat``: one feature per deployed interceptor (``system`` = interceptor id), then
        the union (``site_id="all"``). Sites defending nothing get an empty geometry.
    """
    query = DefenceQuery(
        launch_area=launch_area,
        threat=threat,
        delay_s=delay_s,
        launch_on_remote=launch_on_remote,
        shoot_look_shoot=shoot_look_shoot,
        sls_interval_s=sls_interval_s,
        shape=shape,
        angle_offset_deg=angle_offset_deg,
        grid_km=grid_km,
        cap_at_nominal_range=cap_at_nominal_range,
        threat_range_case=threat_range_case,
    )
    return defended_layer(defended_grid(catalogue, options, query), catalogue)


def defended_layer(dg: DefendedGrid, catalogue: Catalogue) -> gpd.GeoDataFrame:
    """Build the defended layer of a :class:`DefendedGrid` (see :func:`defended_footprints`)."""
    o, q, res, grid = dg.options, dg.query, dg.result, dg.grid
    nc = dg.n_cells
    deps = _deployed(catalogue, o).set_index("deployment_id")
    text = _assumption_text(dg)
    reach_cells = int(res.in_reach[:nc].sum())
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
                    f"(v_bo {site.burnout_speed_mps / 1000:g} km/s, "
                    f"intercept {site.min_alt_m / 1000:g}-{site.max_alt_m / 1000:,.0f} km): "
                    f"{int(cells.sum())} of {reach_cells} reachable cells; {text}. {CAVEAT}"
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
                f"Defended by at least one site: {int(cells.sum())} of {reach_cells} "
                f"reachable cells; {text}. "
                f"{CAVEAT}"
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
                    + _assumption_text(dg)
                ),
                "geometry": cells_polygon(grid.ix[cells], grid.iy[cells], grid.grid_m),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


Status = Literal["defended", "not defended", "out of reach"]


def threat_tracks(
    catalogue: Catalogue,
    options: FootprintOptions,
    query: DefenceQuery,
    *,
    targets: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Threat tracks from each launch point to each target, with the engagement timeline.

    Parameters
    ----------
    targets
        Columns ``name, lon_deg, lat_deg`` (and optionally ``iso3``); default: the capitals of
        the European NATO members in ``options.year`` (data/cities.csv).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one LineString ground track per launch point and target, with columns
        ``launch_point, target, iso3, ground_range_km, flight_time_s, status`` (``defended``,
        ``not defended`` or ``out of reach``), ``detection_time_s``, ``detected_by``,
        ``launch_time_s``, ``intercept_window_s`` (earliest-latest feasible intercept over all
        sites), ``defended_by`` (site names), and ``label``.
    """
    points = resolve_launch_area(catalogue, query.launch_area)
    threat = threat_spec(
        catalogue, query.threat, points, profile=query.profile(), range_case=query.threat_range_case
    )
    if targets is None:
        cities = _cities()
        members = catalogue.nato_members_in(options.year)
        targets = cities[cities.is_capital & cities.iso3.isin(members)]
    targets = targets.reset_index(drop=True)
    radar_items = radars_for(catalogue, options)
    sites = interceptor_sites(catalogue, options, cap_at_nominal_range=query.cap_at_nominal_range)
    assumptions = query.assumptions(options.radar_assumptions())
    res = engage(
        points.lon_deg,
        points.lat_deg,
        targets.lon_deg,
        targets.lat_deg,
        radars=[r for _, r in radar_items],
        sites=sites,
        threat=threat,
        assumptions=assumptions,
    )
    deps = _deployed(catalogue, options)
    site_names = dict(
        zip(deps.deployment_id, deps.site_name + " (" + deps.system_name + ")", strict=True)
    )
    radar_names = [site_names.get(i, i) for i, _ in radar_items]
    rows = []
    for p, lp in enumerate(points.itertuples(index=False)):
        lu = unit_vectors(lp.lon_deg, lp.lat_deg)
        for i, tg in enumerate(targets.itertuples(index=False)):
            reach = bool(res.reachable[p, i])
            psi, w = _plane_basis(lu, unit_vectors(tg.lon_deg, tg.lat_deg)[None, :])
            ang = np.linspace(0.0, float(psi[0]), 65)
            lon, lat = lonlat_from_unit(np.cos(ang)[:, None] * lu + np.sin(ang)[:, None] * w[0])
            first = res.first_intercept_s[p, :, i]
            last = res.last_intercept_s[p, :, i]
            if assumptions.shoot_look_shoot:
                ok_sites = (last - first) >= assumptions.sls_interval_s
            else:
                ok_sites = np.isfinite(first)
            ok_sites = np.nan_to_num(ok_sites, nan=0).astype(bool)
            if not reach:
                status: Status = "out of reach"
            else:
                union_ok = bool(ok_sites.any())
                if assumptions.shoot_look_shoot and np.isfinite(first).any():
                    union_ok = bool(
                        np.nanmax(last) - np.nanmin(first) >= assumptions.sls_interval_s
                    )
                status = "defended" if union_ok else "not defended"
            det = float(res.detection_time_s[p, i])
            det_by = ""
            if reach and math.isfinite(det):
                det_by = radar_names[
                    int(np.nanargmin(res.radar_detection_s[p, : len(radar_items), i]))
                ]
            window = ""
            if np.isfinite(first).any():
                window = f"{np.nanmin(first):.0f}-{np.nanmax(last):.0f}"
            defended_by = ", ".join(
                site_names.get(sites[k].key, sites[k].key) for k in np.flatnonzero(ok_sites)
            )
            ground_km = float(psi[0]) * EARTH_RADIUS_M / 1000.0
            flight = float(res.flight_time_s[p, i])
            rows.append(
                {
                    "launch_point": lp.point_id,
                    "target": tg.name,
                    "iso3": getattr(tg, "iso3", ""),
                    "ground_range_km": round(ground_km, 1),
                    "flight_time_s": round(flight, 1) if reach else float("nan"),
                    "status": status,
                    "detection_time_s": round(det, 1)
                    if reach and math.isfinite(det)
                    else float("nan"),
                    "detected_by": det_by,
                    "launch_time_s": round(det + assumptions.delay_s, 1)
                    if reach and math.isfinite(det) and assumptions.launch_on_remote
                    else float("nan"),
                    "intercept_window_s": window,
                    "defended_by": defended_by,
                    "label": _track_label(
                        lp.name,
                        tg.name,
                        ground_km,
                        flight,
                        status,
                        det,
                        det_by,
                        window,
                        defended_by,
                        threat,
                    ),
                    "geometry": LineString(np.column_stack([lon, lat])),
                }
            )
    cols = [
        "launch_point",
        "target",
        "iso3",
        "ground_range_km",
        "flight_time_s",
        "status",
        "detection_time_s",
        "detected_by",
        "launch_time_s",
        "intercept_window_s",
        "defended_by",
        "label",
        "geometry",
    ]
    return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs="EPSG:4326")


def _track_label(
    launch: str,
    target: str,
    ground_km: float,
    flight_s: float,
    status: str,
    det: float,
    det_by: str,
    window: str,
    defended_by: str,
    threat: ThreatSpec,
) -> str:
    head = f"{launch} → {target}: {ground_km:,.0f} km"
    if status == "out of reach":
        return f"{head}, beyond the {threat.max_range_m / 1000:,.0f} km threat range (out of reach)"
    text = f"{head}, {flight_s / 60:.1f} min flight; "
    text += (
        f"first detected at {det:.0f} s by {det_by}; " if math.isfinite(det) else "never detected; "
    )
    if window:
        text += f"intercept possible {window} s after launch; "
    text += f"{status}" + (f" by {defended_by}" if defended_by else "")
    return text


def defended_band(
    catalogue: Catalogue, options: FootprintOptions, query: DefenceQuery
) -> gpd.GeoDataFrame:
    """Union defended areas for the low, nominal and high capability cases (nested footprints).

    Shows the parameter uncertainty: every estimate-dependent parameter (v_bo, altitude band,
    radar range, nominal-range cap) moves together. Returns one feature per estimate, in
    EPSG:4326, with the columns of :func:`defended_footprints` (``site_id="all"``).
    """
    frames = []
    for est in ("low", "nominal", "high"):
        layer = defended_layer(
            defended_grid(catalogue, replace(options, estimate=est), query), catalogue
        )
        union = layer[layer.site_id == "all"].copy()
        union["feature_id"] = f"defended:all:{est}"
        frames.append(union)
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
