"""The engagement kernel: detection, interceptor fly-out and feasible intercepts, in SI units.

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
   *Early-warning radars* (``warning_radars``, e.g. Russian radars under a cooperation
   scenario) search on their own. Their first detection is a warning of early-warning quality:
   it cues the fire-control radars (cued range from then on) and starts the track-and-C2 clock,
   but an interceptor is launched only once a fire-control radar holds the track:
   ``t_launch = min(t_fc + delay, max(t_warn + delay, t_fc))``. With ``warning_commits`` the
   warning track alone commits interceptors (``t_launch = min(t_fc, t_warn) + delay``). Either
   way a warning can only make a launch earlier, never later.
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

Pure numpy on plain specs: no files, no catalogue. :mod:`coverage.scenario` turns the catalogue
into these specs; :mod:`coverage.products.defended` runs the kernel over the target grid. The
engine is vectorised over targets × time samples; :func:`engage_reference` is the same
computation as plain Python loops, kept to check the vectorised code and to benchmark it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coverage.physics import radar as radar_mod
from coverage.physics.ballistics import (
    FlightProfile,
    _plane_basis,
    profiles,
    unit_vectors,
)
from coverage.physics.checks import check_range
from coverage.physics.flyout import FlyoutSpec, FlyoutTable, earliest_time_s, flyout_table
from coverage.physics.geodesy import EARTH_RADIUS_M

__all__ = [
    "EngagementAssumptions",
    "EngagementResult",
    "InterceptorSite",
    "ThreatSpec",
    "engage",
    "engage_reference",
]


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
        means no cap. With ``flyout`` it caps the ground range from the site.
    own_radar
        The co-located radar, used when launch on remote is off; ``None`` if there is none.
    flyout
        If given, the fly-out comes from this point-mass model (:mod:`coverage.physics.flyout`:
        gravity, drag, staged boost): a sample P is reachable at time τ after launch when the
        reachability table's earliest time to P's (ground range from the site, altitude) is at
        most τ, and P is at or above ``min_alt_m``; ``burnout_speed_mps``, ``burn_time_s`` and
        ``max_alt_m`` then play no part (the fan decides the highest point). ``None``: the
        gravity-free reach formula D(t) of the fact sheet (§5.4) with the band
        [``min_alt_m``, ``max_alt_m``].
    ceiling_m
        Highest altitude the kill vehicle can engage at, m, enforced by both fly-out models
        (e.g. THAAD's ~150 km: its seeker and divert work in the upper atmosphere and just
        above it, whatever height its booster could reach); ``None`` (default): no such limit.
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
    flyout: FlyoutSpec | None = None
    ceiling_m: float | None = None

    def __post_init__(self) -> None:
        check_range("InterceptorSite.lon_deg", self.lon_deg, -180.0, 180.0, " degrees")
        check_range("InterceptorSite.lat_deg", self.lat_deg, -90.0, 90.0, " degrees")
        check_range("InterceptorSite.height_m", self.height_m, -500.0, 10_000.0, " m")
        check_range(
            "InterceptorSite.burnout_speed_mps", self.burnout_speed_mps, 100.0, 11_000.0, " m/s"
        )
        check_range("InterceptorSite.burn_time_s", self.burn_time_s, 1.0, 600.0, " s")
        check_range("InterceptorSite.min_alt_m", self.min_alt_m, 0.0, 5_000_000.0, " m")
        check_range("InterceptorSite.max_alt_m", self.max_alt_m, self.min_alt_m, 5_000_000.0, " m")
        if self.max_reach_m is not None:
            check_range("InterceptorSite.max_reach_m", self.max_reach_m, 0.0, 40_000_000.0, " m")
        if self.ceiling_m is not None:
            check_range(
                "InterceptorSite.ceiling_m", self.ceiling_m, self.min_alt_m, 5_000_000.0, " m"
            )

    @property
    def top_alt_m(self) -> float:
        """Highest usable intercept altitude, m: the ceiling, else ``max_alt_m`` (formula only)."""
        if self.flyout is not None:
            return math.inf if self.ceiling_m is None else self.ceiling_m
        return self.max_alt_m if self.ceiling_m is None else min(self.max_alt_m, self.ceiling_m)

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
        check_range("ThreatSpec.max_range_m", self.max_range_m, 50_000.0, 16_000_000.0, " m")
        check_range("ThreatSpec.min_range_m", self.min_range_m, 1_000.0, self.max_range_m, " m")
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
    cue_time_s
        Arrival of the satellite launch warning after the threat's launch, s (0 to 600), or
        ``None`` (default): no cue, radars search blind. From the cue on, each radar searches a
        small window and detects out to ``cued_range_factor`` times its search range; before it,
        at its search range. The cue is a warning, never a track.
    cued_range_factor
        Cued detection range over search range (1 to 4; default 1).
    engage_on_remote
        ``True`` (default): any sensor's track guides the interceptor to the intercept, so the
        intercept point need not be seen by the site's own radar. ``False``: the site's own
        radar must see the threat at the intercept (a site without one cannot intercept).
    shoot_look_shoot
        Require two feasible intercept times at least ``sls_interval_s`` apart.
    sls_interval_s
        Kill-assessment interval between the two intercepts, s (1 to 600; default 75, inside the
        60-90 s band commonly assumed).
    warning_commits
        ``False`` (default): an early-warning radar's track cues the fire-control radars and
        starts the clock, but a fire-control radar must hold the track before launch. ``True``:
        the early-warning track alone commits interceptors (under launch on remote).
    time_step_s
        Trajectory sample spacing, s (0.5 to 30; default 4).
    radar
        Radar assumptions (target RCS, refraction, elevation mask).
    """

    delay_s: float = 60.0
    launch_on_remote: bool = True
    shoot_look_shoot: bool = False
    engage_on_remote: bool = True
    cue_time_s: float | None = None
    cued_range_factor: float = 1.0
    sls_interval_s: float = 75.0
    warning_commits: bool = False
    time_step_s: float = 4.0
    radar: radar_mod.RadarAssumptions = field(default_factory=radar_mod.RadarAssumptions)

    def __post_init__(self) -> None:
        check_range("delay_s", self.delay_s, 0.0, 1200.0, " s")
        if self.cue_time_s is not None:
            check_range("cue_time_s", self.cue_time_s, 0.0, 600.0, " s")
        check_range("cued_range_factor", self.cued_range_factor, 1.0, 4.0)
        check_range("sls_interval_s", self.sls_interval_s, 1.0, 600.0, " s")
        check_range("time_step_s", self.time_step_s, 0.5, 30.0, " s")

    def describe(self) -> str:
        """One line for labels."""
        cue = (
            "launch on remote (any radar cues every site)"
            if self.launch_on_remote
            else "launch on own radar only"
        )
        text = f"{cue}, {self.delay_s:g} s track+C2 delay"
        if not self.engage_on_remote:
            text += ", the site's own radar must see the intercept point (no engage on remote)"
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
    warning_time_s
        ``(P, N)``: first detection by any early-warning radar (``inf`` if none or never).
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
    warning_time_s: NDArray[np.float64]
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
            "warning_time_s",
            "launch_time_s",
            "first_intercept_s",
            "last_intercept_s",
            "defended_by",
            "defended",
            "in_reach",
        ):
            getattr(self, name).setflags(write=False)


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


def _cued(rg: _RadarGeom, factor: float) -> _RadarGeom:
    """The same radar searching a cued window: its range times ``factor``."""
    if factor == 1.0:
        return rg
    return replace(rg, spec=replace(rg.spec, range_m=rg.spec.range_m * factor))


def _first_time(
    mask: NDArray[np.bool_], t: NDArray[np.float64], *, last: bool = False, fill: float = np.nan
) -> NDArray[np.float64]:
    """Time of the first (or last) True sample of each row, ``fill`` where none."""
    rows = np.arange(mask.shape[0])
    idx = mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1) if last else np.argmax(mask, axis=1)
    return np.where(mask[rows, idx], t[rows, idx], fill)


_DETECT_BLOCK = 48


def _polar(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    w: NDArray[np.float64],
    c: NDArray[np.float64],
    s: NDArray[np.float64],
    r: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ground range (m) and azimuth (degrees) from a radar of samples ``c·L + s·W`` (radius ``r``).

    ``w`` holds each sample's plane normal row; the azimuth is 0 for radars without a sector.
    """
    dot = c * float(rg.unit @ launch_unit) + s * (w @ rg.unit)
    ground = np.arccos(np.clip(dot / r, -1.0, 1.0)) * EARTH_RADIUS_M
    if not rg.sector:
        return ground, np.zeros_like(ground)
    xe = c * float(rg.east @ launch_unit) + s * (w @ rg.east)
    yn = c * float(rg.north @ launch_unit) + s * (w @ rg.north)
    return ground, np.degrees(np.arctan2(xe, yn))


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
    t_min: float | NDArray[np.float64] = 0.0,
    t_max: float | NDArray[np.float64] = math.inf,
) -> NDArray[np.float64]:
    """First time in [``t_min``, ``t_max``) each trajectory is visible to one radar (``inf`` if never).

    ``t_min`` and ``t_max`` are one value or one per trajectory.

    Work is skipped, never results: trajectories whose plane and arc stay farther from the
    radar than its range are not examined, samples are examined in time blocks only until a
    trajectory is first seen, and only samples within slant range go through the radar
    module's horizon and sector tests.
    """
    n, n_k = t.shape
    first = np.full(n, np.inf)
    lo = np.broadcast_to(np.asarray(t_min, float), (n,))
    hi = np.broadcast_to(np.asarray(t_max, float), (n,))
    bounded = bool(np.any(lo > 0.0) or np.any(hi < math.inf))
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
    active = np.flatnonzero((z * z + in_plane * in_plane <= limit2) & (lo < hi))
    for k0 in range(0, n_k, _DETECT_BLOCK):
        if active.size == 0:
            break
        cols = slice(k0, min(n_k, k0 + _DETECT_BLOCK))
        cc, ss, rr = c[active, cols], s[active, cols], r[active, cols]
        dot = cc * u_l + ss * u_w[active][:, None]
        cand = np.flatnonzero((r1 * r1) + rr * rr - (2.0 * r1) * dot <= limit2)
        if cand.size == 0:
            continue
        ground_m, az = _polar(
            rg,
            launch_unit,
            w[active[cand // cc.shape[1]]],
            cc.ravel()[cand],
            ss.ravel()[cand],
            rr.ravel()[cand],
        )
        vis = np.zeros(cc.shape, bool)
        vis.ravel()[cand] = radar_mod._visible_from_polar(
            rg.spec, az, ground_m, alt[active, cols].ravel()[cand], ra
        )
        if bounded:
            tt = t[active, cols]
            vis &= (tt >= lo[active][:, None]) & (tt < hi[active][:, None])
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
    n_warn: int,
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
    geo = (launch_unit, psi, w, c, s, r, alt, t, a.radar)
    n_fc = len(radars) - n_warn
    # Early-warning radars search on their own; their first detection is the warning.
    for j in range(n_fc, len(radars)):
        det[j] = _detect(radars[j], *geo)
    warn = det[n_fc:].min(axis=0) if n_warn else np.full(idx.size, np.inf)
    cue_start = _cue_start(warn, a)
    for j in range(n_fc):
        rg = radars[j]
        if not np.isfinite(cue_start).any():
            det[j] = _detect(rg, *geo)
        else:
            before = _detect(rg, *geo, t_max=cue_start)
            after = _detect(_cued(rg, a.cued_range_factor), *geo, t_min=cue_start)
            det[j] = np.minimum(before, after)
    out["radar_detection_s"][:, idx] = det
    out["warning_time_s"][idx] = warn
    cue = det[:n_cue].min(axis=0) if n_cue else np.full(idx.size, np.inf)
    out["detection_time_s"][idx] = cue
    cued_rows = np.isfinite(cue_start)
    r2 = r * r
    cache: dict[tuple[object, ...], NDArray[np.float64]] = {}
    for k, site in enumerate(sites):
        if a.launch_on_remote:
            t_launch = _launch_time(cue, warn, a)
            cue_key: object = "remote"
        else:
            oi = own_index[k]
            own = det[oi] if oi is not None else np.full(idx.size, np.inf)
            t_launch = _launch_time(own, warn, a, may_commit=False)
            cue_key = oi
        out["launch_time_s"][k, idx] = t_launch
        if site.flyout is not None:
            feasible = _flyout_feasible(site, t - t_launch[:, None], alt, c, s, r, w, launch_unit)
            if not a.engage_on_remote:
                feasible = _own_radar_sees(
                    radars, own_index[k], feasible, c, s, r, alt, w, launch_unit, a, cued_rows
                )
            out["first_intercept_s"][k, idx] = _first_time(feasible, t)
            out["last_intercept_s"][k, idx] = _first_time(feasible, t, last=True)
            continue
        # Reach² − r² where the sample is inside the altitude band and after launch, else −inf:
        # shared by every site with the same interceptor and cue.
        key = (
            cue_key,
            site.burnout_speed_mps,
            site.burn_time_s,
            site.max_reach_m,
            site.min_alt_m,
            site.top_alt_m,
        )
        if key not in cache:
            tau = t - t_launch[:, None]
            d = site.reach_m(tau)
            ok = (tau > 0.0) & (alt >= site.min_alt_m) & (alt <= site.top_alt_m)
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
        if not a.engage_on_remote:
            feasible = _own_radar_sees(
                radars, own_index[k], feasible, c, s, r, alt, w, launch_unit, a, cued_rows
            )
        out["first_intercept_s"][k, idx] = _first_time(feasible, t)
        out["last_intercept_s"][k, idx] = _first_time(feasible, t, last=True)


def _cue_start(warn: NDArray[np.float64], a: EngagementAssumptions) -> NDArray[np.float64]:
    """When the fire-control radars start a cued search: the satellite cue or the warning."""
    sat = math.inf if a.cue_time_s is None else a.cue_time_s
    return np.minimum(warn, sat)


def _launch_time(
    fc: NDArray[np.float64],
    warn: NDArray[np.float64],
    a: EngagementAssumptions,
    *,
    may_commit: bool = True,
) -> NDArray[np.float64]:
    """Interceptor launch time from the fire-control track ``fc`` and the warning ``warn``.

    Without a warning (``inf``) this is ``fc + delay``. A warning starts the clock, but the
    launch waits for a fire-control track; with ``warning_commits`` (and ``may_commit``: launch
    on remote) the warning alone commits. Never later than without the warning.
    """
    alone = fc + a.delay_s
    if a.warning_commits and may_commit:
        return np.minimum(alone, warn + a.delay_s)
    return np.minimum(alone, np.maximum(warn + a.delay_s, fc))


def _own_radar_sees(
    radars: Sequence[_RadarGeom],
    own: int | None,
    feasible: NDArray[np.bool_],
    c: NDArray[np.float64],
    s: NDArray[np.float64],
    r: NDArray[np.float64],
    alt: NDArray[np.float64],
    w: NDArray[np.float64],
    launch_unit: NDArray[np.float64],
    a: EngagementAssumptions,
    cued_rows: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """``feasible`` kept only where the site's own radar sees the sample (no engage on remote).

    The radar holds a track by then; on rows with a cue (satellite or warning) it reaches its
    cued range.
    """
    if own is None:
        return np.zeros_like(feasible)
    out = np.zeros_like(feasible)
    for rows_cued in (False, True):
        rg = _cued(radars[own], a.cued_range_factor) if rows_cued else radars[own]
        cand = np.flatnonzero(feasible & (cued_rows == rows_cued)[:, None])
        if cand.size == 0:
            continue
        ground, az = _polar(
            rg,
            launch_unit,
            w[cand // feasible.shape[1]],
            c.ravel()[cand],
            s.ravel()[cand],
            r.ravel()[cand],
        )
        out.ravel()[cand] = radar_mod._visible_from_polar(
            rg.spec, az, ground, alt.ravel()[cand], a.radar
        )
    return out


def _flyout_reach_limit_m(site: InterceptorSite, table: FlyoutTable) -> float:
    """Farthest ground range the site's fly-out fan reaches at any altitude (with the cap), m."""
    env = table.envelope_range_m
    far = float(np.nanmax(env)) if np.isfinite(env).any() else 0.0
    return far if site.max_reach_m is None else min(far, site.max_reach_m)


def _flyout_feasible(
    site: InterceptorSite,
    tau: NDArray[np.float64],
    alt: NDArray[np.float64],
    c: NDArray[np.float64],
    s: NDArray[np.float64],
    r: NDArray[np.float64],
    w: NDArray[np.float64],
    launch_unit: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Samples a point-mass interceptor from ``site`` can be at by their time (``tau`` after launch).

    Only samples after launch, at or above the lowest intercept altitude and within the fan's
    farthest ground range (a dot-product test, no trigonometry) go through the table lookup.
    """
    assert site.flyout is not None
    table = flyout_table(site.flyout)
    su = unit_vectors(site.lon_deg, site.lat_deg)
    # P·Ŝ = r·cos(ground angle between site and the sample's subpoint).
    dot = c * float(su @ launch_unit) + s * (w @ su)[:, None]
    cos_limit = math.cos(min(_flyout_reach_limit_m(site, table) / EARTH_RADIUS_M, math.pi))
    with np.errstate(invalid="ignore"):
        ok = (tau > 0.0) & (alt >= site.min_alt_m) & (dot >= r * cos_limit)
        if site.ceiling_m is not None:
            ok &= alt <= site.ceiling_m
    feasible = np.zeros(tau.shape, bool)
    cand = np.flatnonzero(ok)
    if cand.size:
        rr = r.ravel()[cand]
        ground = np.arccos(np.clip(dot.ravel()[cand] / rr, -1.0, 1.0)) * EARTH_RADIUS_M
        when = earliest_time_s(table, ground, alt.ravel()[cand])
        with np.errstate(invalid="ignore"):
            feasible.ravel()[cand] = when <= tau.ravel()[cand]
    return feasible


def _engage_point(
    launch_unit: NDArray[np.float64],
    target_unit: NDArray[np.float64],
    radars: Sequence[_RadarGeom],
    n_cue: int,
    n_warn: int,
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
        "warning_time_s": np.full(n, np.nan),
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
            idx, rng_m, w_all, launch_unit, radars, n_cue, n_warn, own_index, sites, threat, a, out
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
    in_reach: NDArray[np.bool_] = np.asarray(reachable.any(axis=0))
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
        warning_time_s=stack["warning_time_s"],
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
    warning_radars: Sequence[radar_mod.RadarSpec] = (),
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
    # Early-warning radars come last on the radar axis (never a site's own radar).
    all_radars.extend(warning_radars)
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
    warning_radars: Sequence[radar_mod.RadarSpec] = (),
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
    warning_radars
        Early-warning radars (for example Russian radars under a cooperation scenario): their
        tracks cue the fire-control radars and start the clock, and commit interceptors only
        with ``assumptions.warning_commits``. Never a site's own radar.
    chunk_size
        Targets processed together (memory ≈ chunk_size × samples × 100 bytes). ``1`` gives a
        per-target loop vectorised only over time samples (used by the benchmark).
    workers
        Threads running chunks in parallel (numpy releases the GIL). Default 1: on a shared
        2-core machine a second thread was slower; on an idle multi-core machine 2-4 helps.

    Returns
    -------
    EngagementResult
        The radar axis R lists ``radars`` first, then any own radars of sites not in ``radars``,
        then ``warning_radars``.
    """
    if not (isinstance(chunk_size, int) and chunk_size >= 1):
        raise ValueError(f"chunk_size={chunk_size!r} must be a whole number >= 1")
    llon, llat, tlon, tlat, all_radars, own_index = _prepare(
        launch_lon_deg,
        launch_lat_deg,
        target_lon_deg,
        target_lat_deg,
        radars,
        sites,
        warning_radars,
    )
    geoms = [_radar_geom(r) for r in all_radars]
    targets = unit_vectors(tlon, tlat)
    per_point = [
        _engage_point(
            unit_vectors(lo, la),
            targets,
            geoms,
            len(radars),
            len(warning_radars),
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
    warning_radars: Sequence[radar_mod.RadarSpec] = (),
) -> EngagementResult:
    """Compute what :func:`engage` does with a straightforward loop over targets and samples.

    Same inputs, outputs and trajectory samples; every geometric test is done one sample at a
    time with the ``math`` module. Slow: for tests and the benchmark only.
    """
    llon, llat, tlon, tlat, all_radars, own_index = _prepare(
        launch_lon_deg,
        launch_lat_deg,
        target_lon_deg,
        target_lat_deg,
        radars,
        sites,
        warning_radars,
    )
    geoms = [_radar_geom(r) for r in all_radars]
    n_fc = len(geoms) - len(warning_radars)
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
            "warning_time_s": np.full(n, np.nan),
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
            det = [math.inf] * len(geoms)
            # Warning radars first (they search on their own), then the fire-control radars,
            # cued from the satellite cue or the warning, whichever comes first.
            order = [*range(n_fc, len(geoms)), *range(n_fc)]
            warn = math.inf
            for j in order:
                if j < n_fc:
                    sat = math.inf if a.cue_time_s is None else a.cue_time_s
                    cue_at = min(warn, sat)
                else:
                    cue_at = math.inf
                rg0 = geoms[j]
                rl, rw = float(rg0.unit @ lu), float(rg0.unit @ w)
                el, ew = float(rg0.east @ lu), float(rg0.east @ w)
                nl, nw = float(rg0.north @ lu), float(rg0.north @ w)
                first = math.inf
                r1 = EARTH_RADIUS_M + rg0.spec.height_m
                for tk, hk, rk, ck, sk in points:
                    cued = tk >= cue_at
                    rg = _cued(rg0, a.cued_range_factor) if cued else rg0
                    max_slant = radar_mod.scaled_range_m(
                        rg.spec.range_m, rg.spec.reference_rcs_m2, a.radar.target_rcs_m2
                    )
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
                det[j] = first
                if j >= n_fc:
                    warn = min(warn, first)
            for j, d in enumerate(det):
                out["radar_detection_s"][j, i] = d
            cue = min(det[: len(radars)], default=math.inf)
            out["detection_time_s"][i] = cue
            out["warning_time_s"][i] = warn
            sat = math.inf if a.cue_time_s is None else a.cue_time_s
            row_cued = min(warn, sat) < math.inf

            def launch_after(fc: float, may_commit: bool, warn: float = warn) -> float:
                if a.warning_commits and may_commit:
                    return min(fc + a.delay_s, warn + a.delay_s)
                return min(fc + a.delay_s, max(warn + a.delay_s, fc))

            def own_sees(
                k: int,
                ck: float,
                sk: float,
                rk: float,
                hk: float,
                lu: NDArray[np.float64] = lu,
                w: NDArray[np.float64] = w,
                row_cued: bool = row_cued,
            ) -> bool:
                if a.engage_on_remote:
                    return True
                oi = own_index[k]
                if oi is None:
                    return False
                rg = _cued(geoms[oi], a.cued_range_factor) if row_cued else geoms[oi]
                dot = ck * float(rg.unit @ lu) + sk * float(rg.unit @ w)
                ground = math.acos(min(max(dot / rk, -1.0), 1.0)) * EARTH_RADIUS_M
                az = (
                    math.degrees(
                        math.atan2(
                            ck * float(rg.east @ lu) + sk * float(rg.east @ w),
                            ck * float(rg.north @ lu) + sk * float(rg.north @ w),
                        )
                    )
                    if rg.sector
                    else 0.0
                )
                return _visible_scalar(rg.spec, az, ground, hk, a.radar)

            for k, site in enumerate(sites):
                if a.launch_on_remote:
                    t_launch = launch_after(cue, True)
                else:
                    oi = own_index[k]
                    t_launch = launch_after(det[oi] if oi is not None else math.inf, False)
                out["launch_time_s"][k, i] = t_launch
                su = unit_vectors(site.lon_deg, site.lat_deg)
                rs = EARTH_RADIUS_M + site.height_m
                sl, sw = float(su @ lu), float(su @ w)
                feasible = []
                table = None if site.flyout is None else flyout_table(site.flyout)
                for tk, hk, rk, ck, sk in points:
                    tau = tk - t_launch
                    if table is not None:
                        if not (tau > 0.0 and site.min_alt_m <= hk <= site.top_alt_m):
                            continue
                        ground = math.acos(min(max((ck * sl + sk * sw) / rk, -1.0), 1.0))
                        ground *= EARTH_RADIUS_M
                        if site.max_reach_m is not None and ground > site.max_reach_m:
                            continue
                        when = float(earliest_time_s(table, ground, hk))
                        if when <= tau and own_sees(k, ck, sk, rk, hk):
                            feasible.append(tk)
                        continue
                    if not (tau > 0.0 and site.min_alt_m <= hk <= site.top_alt_m):
                        continue
                    d = float(site.reach_m(tau))
                    rhs = rs * rs - (2.0 * rs * sl) * ck - (2.0 * rs) * sk * sw
                    if d * d - rk * rk >= rhs and own_sees(k, ck, sk, rk, hk):
                        feasible.append(tk)
                if feasible:
                    out["first_intercept_s"][k, i] = feasible[0]
                    out["last_intercept_s"][k, i] = feasible[-1]
        per_point.append(out)
    return _combine(per_point, tlon, tlat, sites, a)
