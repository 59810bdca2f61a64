"""The engagement kernel: detection, interceptor fly-out and feasible intercepts, in SI units.

The question answered: against a threat from a given launch area, in a given year and scenario.

Method (fact sheet §5.4-5.5), for a launch point L and a ground target T:

1. **Trajectory** L→T from :mod:`coverage.physics.ballistics` (minimum energy by default), sampled every
   ``time_step_s`` (about 4 s).
2. **Detection**: the first sample at which the threat is inside a deployed radar's coverage
   (slant range against the RCS-scaled range, radar horizon on the k-factor Earth, azimuth sector;
   the limits of :mod:`coverage.physics.radar`), computed on the spherical Earth used by the ballistics.
   The interceptor launches ``delay_s`` (track and C2 delay, default 60 s) later.
   *Launch on remote* (default): any radar's track cues every site, and the link that shares
   it cues the other radars' search too (from the first detection on they search a small
   window, ``cued_range_factor`` farther, as a satellite cue would let them; sourced in
   data/capabilities.csv: FTM-15's launch on a forward TPY-2's track, Kürecik cueing a US
   destroyer in 2026). With
   ``launch_on_remote=False`` a site launches only on its own co-located radar's track, and no
   radar cues another; in both
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

import functools
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from coverage.physics import kernels
from coverage.physics import radar as radar_mod
from coverage.physics.arraystore import ArrayStore
from coverage.physics.ballistics import (
    FlightProfile,
    _plane_basis,
    profiles,
    unit_vectors,
)
from coverage.physics.checks import check_range
from coverage.physics.flyout import (
    FlyoutSpec,
    FlyoutTable,
    earliest_time_s,
    flyout_table,
)
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.physics.threat_flight import BoostProgramme, solve_programmes
from coverage.physics.threat_flight import fly as fly_threat

__all__ = [
    "EngagementAssumptions",
    "EngagementResult",
    "InterceptorSite",
    "ThreatSpec",
    "clear_track_caches",
    "engage",
    "engage_reference",
    "threat_tracks",
    "TrackStore",
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
    boost
        Powered boost of :mod:`coverage.physics.threat_flight` (RK4 point mass, programme solved
        per shot, thrust-termination rule for short shots), or ``None``: burnout at the surface
        at lift-off (or ``profile.boost``, the older fixed boost of the Kepler model).
    rotation
        Fly on the rotating Earth (lift-off with the surface speed, aim at where the target
        will be; samples turned into Earth-fixed coordinates, where radars, sites and targets
        are). ``False`` (this class's default, the Kepler model of
        :mod:`coverage.physics.ballistics`): a non-rotating Earth.
    """

    max_range_m: float
    profile: FlightProfile = field(default_factory=FlightProfile)
    min_range_m: float = 50_000.0
    threat_id: str = "custom"
    boost: BoostProgramme | None = None
    rotation: bool = False

    def __post_init__(self) -> None:
        if self.boost is not None and self.profile.boost is not None:
            raise ValueError(
                "ThreatSpec: give either boost (the powered boost programme) or profile.boost "
                "(the fixed boost of the Kepler model), not both"
            )
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
        ``True`` (default): any radar's track cues every site, and cues the other radars'
        search (cued range from its first detection on). ``False``: a site launches only on its
        own co-located radar's track, and no radar cues another.
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
            "launch on remote (any radar's track cues every site and the other radars)"
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
    burnout_s
        ``(P, N)``: the threat's burnout, s after launch (``0`` without a boost phase): a radar
        detection before it is of the boosting missile.
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
    latest_launch_s
        ``(P, S, N)``: the latest launch time from which the site can still intercept (a
        point-mass fly-out site: an intercept is feasible exactly when its launch time is no
        later; ``-inf`` where no point is reachable at any launch time); ``nan`` for sites on
        the reach formula, and everywhere unless :func:`engage` was asked (``latest=True``).
        It does not depend on the delay, so the defended area at every delay follows from one
        run (:mod:`coverage.products.delay`).
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
    burnout_s: NDArray[np.float64]
    radar_detection_s: NDArray[np.float64]
    detection_time_s: NDArray[np.float64]
    warning_time_s: NDArray[np.float64]
    launch_time_s: NDArray[np.float64]
    first_intercept_s: NDArray[np.float64]
    last_intercept_s: NDArray[np.float64]
    latest_launch_s: NDArray[np.float64]
    defended_by: NDArray[np.bool_]
    defended: NDArray[np.bool_]
    in_reach: NDArray[np.bool_]

    def __post_init__(self) -> None:
        for name in _RESULT_ARRAYS:
            getattr(self, name).setflags(write=False)

    def to_arrays(self) -> dict[str, NDArray[np.generic]]:
        """Every field as a plain array (the site keys as text), for a disk cache."""
        arrays: dict[str, NDArray[np.generic]] = {
            name: np.asarray(getattr(self, name)) for name in _RESULT_ARRAYS
        }
        arrays["site_keys"] = np.array(self.site_keys, dtype=str)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[np.generic]]) -> EngagementResult:
        """The result :meth:`to_arrays` gave; ``ValueError`` when the arrays are not one.

        Checked: every field present, the types and the shapes agree with one another, so a
        damaged or foreign cache entry is refused (and rebuilt), never used.
        """
        try:
            keys = tuple(str(k) for k in np.asarray(arrays["site_keys"], dtype=str).ravel())
            got = {n: np.asarray(arrays[n]) for n in _RESULT_ARRAYS}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an engagement result: {exc}") from exc
        n = got["target_lon_deg"].shape
        if len(n) != 1 or got["target_lat_deg"].shape != n:
            raise ValueError("not an engagement result: target arrays")
        p = got["reachable"].shape[:1]
        s = (len(keys),)
        shapes = {
            "reachable": p + n,
            "flight_time_s": p + n,
            "burnout_s": p + n,
            "detection_time_s": p + n,
            "warning_time_s": p + n,
            "launch_time_s": p + s + n,
            "first_intercept_s": p + s + n,
            "last_intercept_s": p + s + n,
            "latest_launch_s": p + s + n,
            "defended_by": s + n,
            "defended": n,
            "in_reach": n,
        }
        rd = got["radar_detection_s"].shape
        if len(rd) != 3 or rd[:1] != p or rd[2:] != n:
            raise ValueError("not an engagement result: radar_detection_s")
        for name, shape in shapes.items():
            if got[name].shape != shape:
                raise ValueError(f"not an engagement result: {name} {got[name].shape}")
        fields: dict[str, Any] = {}
        for name, a in got.items():
            want = np.bool_ if name in _RESULT_FLAGS else np.float64
            if a.dtype != want:
                raise ValueError(f"not an engagement result: {name} is {a.dtype}")
            fields[name] = np.array(a)  # owned, so that it can be made read-only
        return cls(site_keys=keys, **fields)


#: The array fields of :class:`EngagementResult`, and which of them are flags.
_RESULT_ARRAYS = (
    "target_lon_deg",
    "target_lat_deg",
    "reachable",
    "flight_time_s",
    "burnout_s",
    "radar_detection_s",
    "detection_time_s",
    "warning_time_s",
    "launch_time_s",
    "first_intercept_s",
    "last_intercept_s",
    "latest_launch_s",
    "defended_by",
    "defended",
    "in_reach",
)
_RESULT_FLAGS = frozenset({"reachable", "defended_by", "defended", "in_reach"})


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


@functools.lru_cache(maxsize=128)
def radar_rows(
    spec: radar_mod.RadarSpec, ra: radar_mod.RadarAssumptions, cued_range_factor: float
) -> NDArray[np.float64]:
    """A radar's constants for the compiled loops: ``(2, len(kernels.RADAR_COLUMNS))``.

    Row 0 searches at the radar's range, row 1 at the cued range (``cued_range_factor``). Every
    value is computed as the numpy test computes it (:func:`_detect`, :func:`_polar`,
    ``radar._visible_from_polar``, ``radar.horizon_ground_range_m``), so both give the same
    answer sample for sample. Read-only.
    """
    rg0 = _radar_geom(spec)
    out = np.zeros((2, len(kernels.RADAR_COLUMNS)))
    for mode, rg in enumerate((rg0, _cued(rg0, cued_range_factor))):
        sp = rg.spec
        max_slant = radar_mod.scaled_range_m(sp.range_m, sp.reference_rcs_m2, ra.target_rcs_m2)
        mask = radar_mod.elevation_mask_deg(sp, ra)
        refr = radar_mod.mask_refraction_rad(mask, sp.height_m, ra.refraction_scale)
        re = ra.k_factor * EARTH_RADIUS_M
        r1h = re + np.maximum(np.asarray(sp.height_m, float), 0.0)
        dip = -np.arccos(re / r1h)
        mask_rad = dip if mask is None else math.radians(mask)
        # With refraction the loops recompute the elevation per sample from the mask, the dip
        # and the bending (radar.horizon_ground_range_m); these two columns are then unused.
        elev = dip if mask is None else np.maximum(mask_rad, dip)
        values = {
            "sector": float(rg.sector),
            "boresight_deg": sp.boresight_deg if sp.boresight_deg is not None else 0.0,
            "fov_deg": sp.fov_deg,
            "r1_m": EARTH_RADIUS_M + sp.height_m,
            "limit2_m2": (max_slant * (1.0 + 1e-9)) ** 2,
            "max_slant_m": max_slant,
            "re_m": re,
            "half_pi_minus_elev": np.pi / 2.0 - elev,
            "r1h_cos_elev": r1h * np.cos(elev),
            "mask_rad": float(mask_rad),
            "dip_rad": float(dip),
            "refraction_rad": refr,
            "r1h_m": float(r1h),
            "height_m": float(sp.height_m),
        }
        for name, vec in (("u", rg.unit), ("e", rg.east), ("n", rg.north)):
            for axis, v in zip("xyz", vec, strict=True):
                values[name + axis] = float(v)
        out[mode] = [float(values[c]) for c in kernels.RADAR_COLUMNS]
    out.flags.writeable = False
    return out


def _first_time(
    mask: NDArray[np.bool_], t: NDArray[np.float64], *, last: bool = False, fill: float = np.nan
) -> NDArray[np.float64]:
    """Time of the first (or last) True sample of each row, ``fill`` where none."""
    rows = np.arange(mask.shape[0])
    idx = mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1) if last else np.argmax(mask, axis=1)
    return np.where(mask[rows, idx], t[rows, idx], fill)


_DETECT_BLOCK = 48
#: At most this many rounds of radars cueing one another (a guard: cues only move earlier).
_CUE_ROUNDS = 64
#: Entries a track block's memo keeps before it is emptied: first detections per chunk and
#: sensor set (radars × chunk × 8 bytes, ~40 kB), own-radar sight bits per chunk and site
#: (chunk × samples / 8 bytes, ~10 kB), sample bounds per chunk and site set (sites × chunk ×
#: 16 bytes, ~30 kB) and row views (no copy): at most about 10 MB a block.
_MEMO_ENTRIES = 256
#: Targets flown together by :func:`threat_flight.fly` (one Newton batch) when tracks are built.
_FLY_BLOCK = 2048
#: Track sets kept in memory (per launch point, target set, threat and sampling).
_TRACK_CACHE_SIZE = 4
#: Track sets to at most this many targets (the headline's capitals) are kept apart, in an LRU
#: of their own, so that they never push a grid's tracks (seconds to fly) out of the one above.
_FEW_TARGETS = 256
_FEW_TRACK_CACHE_SIZE = 32


@dataclass(frozen=True, eq=False)
class _Tracks:
    """Threat samples of a batch of flights in Earth-fixed coordinates (arrays ``(n, k)``).

    A row holds its flight's distinct samples, then repeats the impact sample. ``w`` and
    ``normal`` are the in-plane unit vector toward the target and the normal of the launch
    point's great circle through the target; ``dev`` is the largest distance of the row's
    samples from that plane (0 on a non-rotating Earth) and ``phi_lo``/``phi_hi`` bound the
    in-plane angle of its samples from the launch point: together they bound how close the
    flight comes to any point (used only to skip work).
    """

    t: NDArray[np.float64]
    px: NDArray[np.float64]
    py: NDArray[np.float64]
    pz: NDArray[np.float64]
    alt: NDArray[np.float64]
    r: NDArray[np.float64]
    flight_time_s: NDArray[np.float64]
    w: NDArray[np.float64]
    normal: NDArray[np.float64]
    dev: NDArray[np.float64]
    phi_lo: NDArray[np.float64]
    phi_hi: NDArray[np.float64]
    #: Lift-off to burnout per flight, s (0 without a boost phase): before it a radar sees the
    #: boosting missile (:attr:`radar.RadarAssumptions.booster_rcs_m2`), after it the warhead.
    burnout_s: NDArray[np.float64]
    #: Results that depend only on these samples and the sensors, kept for the next run with
    #: another delay or another set of interceptor sites: first detections per chunk and the
    #: chunks' row views.
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def rows(self, sl: slice) -> _Tracks:
        """A contiguous block of rows, trimmed to its longest row (views, no copy)."""
        k = int(np.max(np.argmax(self.t[sl] >= self.flight_time_s[sl][:, None], axis=1))) + 1
        return _Tracks(
            t=self.t[sl, :k],
            px=self.px[sl, :k],
            py=self.py[sl, :k],
            pz=self.pz[sl, :k],
            alt=self.alt[sl, :k],
            r=self.r[sl, :k],
            flight_time_s=self.flight_time_s[sl],
            w=self.w[sl],
            normal=self.normal[sl],
            dev=self.dev[sl],
            phi_lo=self.phi_lo[sl],
            phi_hi=self.phi_hi[sl],
            burnout_s=self.burnout_s[sl],
        )

    def dot(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """P·u for every sample (u a unit vector)."""
        return self.px * u[0] + self.py * u[1] + self.pz * u[2]

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in ("t", "px", "py", "pz", "alt", "r"))


def _fly_tracks(
    launch_lonlat: tuple[float, float],
    target_lon: NDArray[np.float64],
    target_lat: NDArray[np.float64],
    threat: ThreatSpec,
    time_step_s: float,
    programmes: NDArray[np.float64] | None = None,
) -> _Tracks:
    """Fly the threat to every target (one batch) and return Earth-fixed samples.

    Boosted or rotating: :func:`coverage.physics.threat_flight.fly` (inertial RK4 boost and
    Kepler coast, turned back into Earth-fixed axes sample by sample). Neither: the Kepler arcs
    of :func:`coverage.physics.ballistics.profiles` (which also carry the older fixed
    :class:`~coverage.physics.ballistics.BoostPhase`), in the plane of the great circle.
    """
    lu = unit_vectors(*launch_lonlat)
    tu = unit_vectors(target_lon, target_lat)
    psi, w = _plane_basis(lu, tu)
    normal = np.cross(lu, w)
    if threat.boost is None and not threat.rotation:
        prof = profiles(psi * EARTH_RADIUS_M, threat.profile, time_step_s=time_step_s)
        t = prof.time_s
        xyz = [prof.x_m * lu[k] + prof.y_m * w[:, k : k + 1] for k in range(3)]
        flight = prof.flight_time_s
        burnout = np.full(np.shape(flight), threat.profile.burn_time_s)
    else:
        f = fly_threat(
            launch_lonlat[0],
            launch_lonlat[1],
            target_lon,
            target_lat,
            boost=threat.boost,
            rotation=threat.rotation,
            shape=threat.profile.shape,
            angle_offset_deg=threat.profile.angle_offset_deg,
            time_step_s=time_step_s,
            programmes=programmes,
        )
        t, flight, burnout = f.time_s, f.flight_time_s, f.burnout_time_s
        # Earth-fixed axes: each sample turned back by the Earth's rotation angle at its time
        # (as earth_fixed_m, component by component).
        c, s = np.cos(-f.omega_radps * t), np.sin(-f.omega_radps * t)
        xi, yi = f.inertial_m[..., 0], f.inertial_m[..., 1]
        xyz = [c * xi - s * yi, s * xi + c * yi, f.inertial_m[..., 2]]
    # Positions are kept at float32 precision (0.5 m at the Earth's radius, far below the
    # engine's scales) so a track set stored on disk (:class:`TrackStore`) gives exactly what a
    # fresh build gives; altitudes follow from the stored positions.
    px, py, pz = (v.astype(np.float32).astype(np.float64) for v in xyz)
    alt = np.maximum(np.sqrt(px * px + py * py + pz * pz) - EARTH_RADIUS_M, 0.0)
    dev = np.max(np.abs(px * normal[:, :1] + py * normal[:, 1:2] + pz * normal[:, 2:]), axis=1)
    phi = np.arctan2(
        px * w[:, :1] + py * w[:, 1:2] + pz * w[:, 2:], px * lu[0] + py * lu[1] + pz * lu[2]
    )
    return _Tracks(
        t=np.ascontiguousarray(t),
        px=px,
        py=py,
        pz=pz,
        alt=np.ascontiguousarray(alt),
        r=EARTH_RADIUS_M + alt,
        flight_time_s=np.asarray(flight, float),
        w=w,
        normal=normal,
        dev=dev,
        phi_lo=phi.min(axis=1),
        phi_hi=phi.max(axis=1),
        burnout_s=np.asarray(burnout, float),
    )


#: Somewhere to keep built threat tracks between processes (a disk cache, in products). Keys
#: are made by :func:`threat_tracks` from everything the tracks depend on (launch point,
#: targets, threat, sampling, and the source of the modules that compute them).
TrackStore = ArrayStore


#: Per-row arrays of a track block and its per-sample ones, saved as the engine uses them.
_ROW_FIELDS = ("flight_time_s", "w", "normal", "dev", "phi_lo", "phi_hi", "burnout_s")
_SAMPLE_FIELDS = ("t", "px", "py", "pz", "alt", "r")
_TRACK_FORMAT = 3


def _code_version() -> str:
    """Hash of the source of the modules that build tracks: any edit is a new store key."""
    from coverage.physics import ballistics, geodesy, threat_flight

    h = hashlib.sha256(f"tracks-{_TRACK_FORMAT}".encode())
    for mod in (ballistics, geodesy, threat_flight):
        h.update(Path(str(mod.__file__)).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


def _pack_tracks(order: NDArray[np.int64], blocks: list[_Tracks]) -> dict[str, NDArray[np.generic]]:
    """The arrays to store: every per-sample array in float64, as the engine reads them.

    48 bytes a sample (196 MB for Tabriz on the 25 km grid), 2.4x the float32 positions alone,
    so that a stored set is mapped, not read and widened: the store maps the file
    (:func:`coverage.products.diskcache.mapped_npz`) and the engine pages in only the samples
    it examines (a fresh process: ~10 ms instead of ~0.2 s).
    """
    arrays: dict[str, NDArray[np.generic]] = {"order": order}
    for i, b in enumerate(blocks):
        for name in _SAMPLE_FIELDS + _ROW_FIELDS:
            arrays[f"{i}_{name}"] = np.asarray(getattr(b, name), np.float64)
    return arrays


def _unpack_tracks(
    arrays: dict[str, NDArray[np.generic]],
) -> tuple[NDArray[np.int64], list[_Tracks]]:
    """The blocks of a stored set (the arrays as they are: no copy when float64, as stored)."""
    blocks = []
    i = 0
    while f"{i}_t" in arrays:
        f = {k: np.asarray(arrays[f"{i}_{k}"], np.float64) for k in _SAMPLE_FIELDS + _ROW_FIELDS}
        if any(f[k].shape != f["t"].shape for k in _SAMPLE_FIELDS):
            raise ValueError(f"block {i}: per-sample arrays of different shapes")
        blocks.append(
            _Tracks(
                t=f["t"], px=f["px"], py=f["py"], pz=f["pz"], alt=f["alt"], r=f["r"],
                flight_time_s=f["flight_time_s"], w=f["w"], normal=f["normal"], dev=f["dev"],
                phi_lo=f["phi_lo"], phi_hi=f["phi_hi"], burnout_s=f["burnout_s"],
            )
        )  # fmt: skip
        i += 1
    return np.asarray(arrays["order"], np.int64), blocks


_track_cache: OrderedDict[tuple[object, ...], tuple[NDArray[np.int64], list[_Tracks]]] = (
    OrderedDict()
)
_few_track_cache: OrderedDict[tuple[object, ...], tuple[NDArray[np.int64], list[_Tracks]]] = (
    OrderedDict()
)
_track_lock = threading.Lock()


def _keep_tracks(
    cache: OrderedDict[tuple[object, ...], tuple[NDArray[np.int64], list[_Tracks]]],
    size: int,
    key: tuple[object, ...],
    tracks: tuple[NDArray[np.int64], list[_Tracks]],
) -> None:
    """Put a track set in one of the in-memory LRUs, dropping its oldest beyond ``size``."""
    with _track_lock:
        cache[key] = tracks
        while len(cache) > size:
            cache.popitem(last=False)


def clear_track_caches() -> None:
    """Forget every track set kept in memory (both LRUs; the disk store is not touched)."""
    with _track_lock:
        _track_cache.clear()
        _few_track_cache.clear()


def threat_tracks(
    launch_lonlat: tuple[float, float],
    target_lon: NDArray[np.float64],
    target_lat: NDArray[np.float64],
    threat: ThreatSpec,
    time_step_s: float,
    store: TrackStore | None = None,
) -> tuple[NDArray[np.int64], list[_Tracks]]:
    """Threat samples to every reachable target from one launch point, computed once.

    Returns the reachable targets' indices sorted by range and their tracks in blocks of
    ``_FLY_BLOCK`` rows (in that order). The tracks depend only on the launch point, the
    targets, the threat and the sampling, so they are cached (an LRU of ``_TRACK_CACHE_SIZE``
    entries keyed on those; 48 bytes per sample: at most about 230 MB for the design case from
    Tabriz on the 25 km grid; sets to at most ``_FEW_TARGETS`` targets in an LRU of their own)
    and reused by every delay, radar, site and year. With a
    ``store`` they are also looked up there before being built, and saved there after (positions
    at float32 precision, as the fresh build keeps them: a stored set is identical to a fresh
    one; about 20 bytes a sample, 82 MB for that case).
    """
    key = (
        launch_lonlat,
        hashlib.sha1(np.ascontiguousarray(target_lon).tobytes()).hexdigest(),
        hashlib.sha1(np.ascontiguousarray(target_lat).tobytes()).hexdigest(),
        threat,
        time_step_s,
    )
    cache, size = (
        (_few_track_cache, _FEW_TRACK_CACHE_SIZE)
        if target_lon.size <= _FEW_TARGETS
        else (_track_cache, _TRACK_CACHE_SIZE)
    )
    with _track_lock:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit
    store_key = ""
    if store is not None:
        store_key = hashlib.sha256(f"{key!r}\n{_code_version()}".encode()).hexdigest()[:32]
        saved = store.load(store_key)
        if saved is not None:
            try:
                found = _unpack_tracks(saved)
            except (KeyError, ValueError, TypeError):
                found = None  # a damaged or foreign entry is rebuilt
            if found is not None:
                _keep_tracks(cache, size, key, found)
                return found
    lu = unit_vectors(*launch_lonlat)
    psi, _ = _plane_basis(lu, unit_vectors(target_lon, target_lat))
    rng_m = psi * EARTH_RADIUS_M
    reach = (rng_m >= threat.min_range_m) & (rng_m <= threat.max_range_m)
    order = np.flatnonzero(reach)
    order = order[np.argsort(rng_m[order], kind="stable")]
    # The boost programmes of all targets in one batch (small: five numbers a shot), then the
    # samples block by block (large).
    programmes = None
    if threat.boost is not None and order.size:
        programmes = solve_programmes(
            launch_lonlat[0],
            launch_lonlat[1],
            target_lon[order],
            target_lat[order],
            boost=threat.boost,
            rotation=threat.rotation,
            shape=threat.profile.shape,
            angle_offset_deg=threat.profile.angle_offset_deg,
            time_step_s=time_step_s,
        )
    blocks = [
        _fly_tracks(
            launch_lonlat,
            target_lon[order[i : i + _FLY_BLOCK]],
            target_lat[order[i : i + _FLY_BLOCK]],
            threat,
            time_step_s,
            None if programmes is None else programmes[i : i + _FLY_BLOCK],
        )
        for i in range(0, order.size, _FLY_BLOCK)
    ]
    _keep_tracks(cache, size, key, (order, blocks))
    if store is not None:
        store.save(store_key, _pack_tracks(order, blocks))
    return order, blocks


def _polar(
    rg: _RadarGeom,
    px: NDArray[np.float64],
    py: NDArray[np.float64],
    pz: NDArray[np.float64],
    r: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ground range (m) and azimuth (degrees) from a radar of Earth-fixed samples (radius ``r``).

    The azimuth is 0 for radars without a sector.
    """
    u = rg.unit
    dot = px * u[0] + py * u[1] + pz * u[2]
    ground = np.arccos(np.clip(dot / r, -1.0, 1.0)) * EARTH_RADIUS_M
    if not rg.sector:
        return ground, np.zeros_like(ground)
    e, nn = rg.east, rg.north
    xe = px * e[0] + py * e[1] + pz * e[2]
    yn = px * nn[0] + py * nn[1] + pz * nn[2]
    return ground, np.degrees(np.arctan2(xe, yn))


def _near_rows(
    rg: _RadarGeom, launch_unit: NDArray[np.float64], tr: _Tracks, limit2: float
) -> NDArray[np.bool_]:
    """Rows whose flight may come within ``sqrt(limit2)`` of the radar (a lower bound test).

    Distance² ≥ (out-of-plane gap)² + (in-plane gap)²: the radar's offset from the flight's
    great-circle plane less the flight's own offset ``dev``, and its in-plane distance to the
    rays at the flight's in-plane angles [``phi_lo``, ``phi_hi``].
    """
    r1 = EARTH_RADIUS_M + rg.spec.height_m
    z = np.maximum(np.abs(r1 * (tr.normal @ rg.unit)) - tr.dev, 0.0)
    u_l = float(rg.unit @ launch_unit)
    u_w = tr.w @ rg.unit
    rho = r1 * np.hypot(u_l, u_w)
    phi = np.arctan2(u_w, u_l)
    lo, hi = tr.phi_lo, tr.phi_hi
    outside = (phi < lo) | (phi > hi)
    d_lo, d_hi = np.abs(phi - lo), np.abs(phi - hi)
    d_lo, d_hi = np.minimum(d_lo, 2.0 * np.pi - d_lo), np.minimum(d_hi, 2.0 * np.pi - d_hi)
    gap = np.where(outside, np.minimum(d_lo, d_hi), 0.0)
    in_plane = np.where(gap >= np.pi / 2.0, rho, rho * np.sin(np.minimum(gap, np.pi / 2.0)))
    return z * z + in_plane * in_plane <= limit2


def _detect_rows(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    tr: _Tracks,
    ra: radar_mod.RadarAssumptions,
    t_min: float | NDArray[np.float64],
    t_max: float | NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, NDArray[np.int64]]:
    """A detection's time window per flight, squared range limit and the flights to examine.

    The limit carries a 1e-9 margin; the flights examined are those that may come within
    range and have a non-empty window.
    """
    n = tr.t.shape[0]
    lo = np.broadcast_to(np.asarray(t_min, float), (n,))
    hi = np.broadcast_to(np.asarray(t_max, float), (n,))
    max_slant = radar_mod.scaled_range_m(
        rg.spec.range_m, rg.spec.reference_rcs_m2, ra.target_rcs_m2
    )
    limit2 = (max_slant * (1.0 + 1e-9)) ** 2
    rows = np.flatnonzero(_near_rows(rg, launch_unit, tr, limit2) & (lo < hi))
    return lo, hi, limit2, rows


def _detect(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    tr: _Tracks,
    ra: radar_mod.RadarAssumptions,
    t_min: float | NDArray[np.float64] = 0.0,
    t_max: float | NDArray[np.float64] = math.inf,
) -> NDArray[np.float64]:
    """First time in [``t_min``, ``t_max``) each flight is visible to one radar (``inf`` if never).

    ``t_min`` and ``t_max`` are one value or one per flight. Flights that stay farther from the
    radar than its range are not examined (:func:`_near_rows`); the others go through the
    compiled loop (:func:`coverage.physics.kernels.first_seen`), which stops at the first
    sample seen. :func:`_detect_numpy` is the same test in numpy.
    """
    lo, hi, _, rows = _detect_rows(rg, launch_unit, tr, ra, t_min, t_max)
    # One search mode: rg is already the cued geometry when the search is cued.
    constants = radar_rows(rg.spec, ra, 1.0)[0]
    return kernels.first_seen(tr.t, tr.px, tr.py, tr.pz, tr.alt, tr.r, rows, constants, lo, hi)


def _detect_flight(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    tr: _Tracks,
    ra: radar_mod.RadarAssumptions,
    t_min: float | NDArray[np.float64] = 0.0,
    t_max: float | NDArray[np.float64] = math.inf,
) -> NDArray[np.float64]:
    """:func:`_detect` with the booster's RCS before each flight's burnout, the warhead's after.

    Without a distinct booster RCS (:func:`radar.boost_phase`) one test covers the flight.
    Otherwise two windows, [t_min, burnout) against the booster and [burnout, t_max) against
    the re-entry vehicle; the first detection is the earlier of the two.
    """
    before, after = _detect_split(rg, launch_unit, tr, ra, t_min, t_max)
    return np.minimum(before, after)


def _detect_split(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    tr: _Tracks,
    ra: radar_mod.RadarAssumptions,
    t_min: float | NDArray[np.float64] = 0.0,
    t_max: float | NDArray[np.float64] = math.inf,
    *,
    every_flight: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """First sight of each flight in [t_min, t_max): in boost (booster RCS), and after burnout.

    ``every_flight``: the warhead is looked for after burnout even on flights seen in boost,
    and the boost is scanned even with one RCS (what :func:`_handover` needs); otherwise a
    flight seen in boost is seen before any sample after burnout and is not scanned again, and
    with one RCS the whole window is one scan (returned as the first part).
    """
    boost = radar_mod.boost_phase(ra)
    if boost is None:
        if not every_flight:
            whole = _detect(rg, launch_unit, tr, ra, t_min, t_max)
            return whole, np.full(whole.shape, np.inf)
        boost = ra
    # Flights whose whole boost stays below the radar's horizon are not scanned against the
    # booster: no sample of theirs could pass the horizon test (work skipped, never results).
    alt_max, phi_max = _boost_extent(tr, launch_unit)
    gamma = math.acos(min(max(float(np.dot(rg.unit, launch_unit)), -1.0), 1.0))
    horizon = radar_mod.radar_horizon_m(rg.spec, alt_max, boost)
    below = (gamma - phi_max) * EARTH_RADIUS_M > horizon * (1.0 + 1e-9) + 1.0
    boost_end = np.where(below, -np.inf, np.minimum(t_max, tr.burnout_s))
    before = _detect(rg, launch_unit, tr, boost, t_min, boost_end)
    after_min = np.maximum(t_min, tr.burnout_s)
    if not every_flight:
        after_min = np.where(np.isfinite(before), np.inf, after_min)
    return before, _detect(rg, launch_unit, tr, ra, after_min, t_max)


def _burnout_sample_s(tr: _Tracks) -> NDArray[np.float64]:
    """Per flight, the time of its first sample at or after burnout (kept in the block's memo)."""
    key = ("burnout-sample",)
    hit = tr.memo.get(key)
    if hit is not None:
        return hit
    k = np.minimum(np.sum(tr.t < tr.burnout_s[:, None], axis=1), tr.t.shape[1] - 1)
    out = tr.t[np.arange(tr.t.shape[0]), k]
    _memo_put(tr.memo, key, out)
    return out


def _handover(
    tr: _Tracks, before: NDArray[np.float64], after: NDArray[np.float64]
) -> NDArray[np.float64]:
    """A fire-control radar's track when a boost track needs the warhead in view at burnout.

    ``before``: the radar's first sight of the boosting missile; ``after``: of the warhead,
    after burnout (every flight scanned). The boost sighting counts where the warhead is seen
    at the first sample at or after burnout (the track passes from stage to warhead at
    separation); elsewhere the track starts at the warhead's own first sighting (``inf``:
    never, however early the booster was seen).
    """
    return np.where(np.isfinite(before) & (after <= _burnout_sample_s(tr)), before, after)


def _boost_extent(
    tr: _Tracks, launch_unit: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per flight, the highest altitude and the widest angle from the launch point in boost.

    Both ``0`` without a boost; kept in the block's memo. A radar sees no boost sample of a
    flight whose angular distance from it, less this angle, is beyond the horizon at this
    altitude (the horizon grows with altitude; angles on the sphere obey the triangle
    inequality).
    """
    key = ("boost-extent", tuple(launch_unit.tolist()))
    hit = tr.memo.get(key)
    if hit is not None:
        return hit
    n = tr.t.shape[0]
    alt_max, phi_max = np.zeros(n), np.zeros(n)
    boosting = tr.t < tr.burnout_s[:, None]
    cols = int(np.max(np.sum(boosting, axis=1), initial=0))
    if cols:
        b = boosting[:, :cols]
        cos = (
            tr.px[:, :cols] * launch_unit[0]
            + tr.py[:, :cols] * launch_unit[1]
            + tr.pz[:, :cols] * launch_unit[2]
        ) / tr.r[:, :cols]
        alt_max = np.max(np.where(b, tr.alt[:, :cols], 0.0), axis=1)
        phi_max = np.arccos(np.clip(np.min(np.where(b, cos, 1.0), axis=1), -1.0, 1.0))
        phi_max = phi_max + 1e-9  # rounding of the angles compared
    _memo_put(tr.memo, key, (alt_max, phi_max))
    return alt_max, phi_max


def _detect_numpy(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    tr: _Tracks,
    ra: radar_mod.RadarAssumptions,
    t_min: float | NDArray[np.float64] = 0.0,
    t_max: float | NDArray[np.float64] = math.inf,
) -> NDArray[np.float64]:
    """:func:`_detect` in numpy (blocks of samples): the reference the compiled loop is checked on.

    First time in [``t_min``, ``t_max``) each flight is visible to one radar (``inf`` if never).

    ``t_min`` and ``t_max`` are one value or one per flight.

    Work is skipped, never results: flights that stay farther from the radar than its range
    are not examined, samples are examined in time blocks only until a flight is first seen,
    and only samples within slant range go through the radar module's horizon, elevation and
    sector tests.
    """
    t = tr.t
    n, n_k = t.shape
    first = np.full(n, np.inf)
    lo, hi, limit2, active = _detect_rows(rg, launch_unit, tr, ra, t_min, t_max)
    bounded = bool(np.any(lo > 0.0) or np.any(hi < math.inf))
    r1 = EARTH_RADIUS_M + rg.spec.height_m
    u = rg.unit
    for k0 in range(0, n_k, _DETECT_BLOCK):
        if active.size == 0:
            break
        cols = slice(k0, min(n_k, k0 + _DETECT_BLOCK))
        xx, yy, zz, rr = (
            tr.px[active, cols],
            tr.py[active, cols],
            tr.pz[active, cols],
            tr.r[active, cols],
        )
        dot = xx * u[0] + yy * u[1] + zz * u[2]
        cand = np.flatnonzero((r1 * r1) + rr * rr - (2.0 * r1) * dot <= limit2)
        if cand.size == 0:
            continue
        ground_m, az = _polar(
            rg, xx.ravel()[cand], yy.ravel()[cand], zz.ravel()[cand], rr.ravel()[cand]
        )
        vis = np.zeros(xx.shape, bool)
        vis.ravel()[cand] = radar_mod._visible_from_polar(
            rg.spec, az, ground_m, tr.alt[active, cols].ravel()[cand], ra
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
    tr: _Tracks,
    launch_unit: NDArray[np.float64],
    radars: Sequence[_RadarGeom],
    n_cue: int,
    n_warn: int,
    own_index: Sequence[int | None],
    sites: Sequence[InterceptorSite],
    a: EngagementAssumptions,
    out: dict[str, NDArray[np.float64]],
    *,
    memo: tuple[Any, int, int] | None = None,
    latest: bool = False,
) -> None:
    """One chunk of targets (rows of ``tr``): write its rows of ``out`` (chunks are independent).

    ``memo``: (the parent block's memo, first and end row of the chunk in the block). The first
    detections do not depend on the delay or the sites: they are kept there and reused.
    """
    t, alt, r = tr.t, tr.alt, tr.r
    out["flight_time_s"][idx] = tr.flight_time_s
    out["burnout_s"][idx] = tr.burnout_s
    det_key = (
        "detections",
        None if memo is None else memo[1:],
        tuple(rg.spec for rg in radars),
        n_cue,
        n_warn,
        a.radar,
        a.cue_time_s,
        a.cued_range_factor,
        a.launch_on_remote,
        tuple(launch_unit.tolist()),
    )
    hit = None if memo is None else memo[0].get(det_key)
    if hit is not None:
        det, warn, cue_at = hit
    else:
        det, warn, cue_at = _detections(tr, launch_unit, radars, n_warn, a, n_cue)
        if memo is not None:
            _memo_put(memo[0], det_key, (det, warn, cue_at))
    out["radar_detection_s"][:, idx] = det
    out["warning_time_s"][idx] = warn
    cue = det[:n_cue].min(axis=0) if n_cue else np.full(idx.size, np.inf)
    out["detection_time_s"][idx] = cue
    # Rows on which each fire-control radar sees at its cued range: a cue reached it, or it
    # holds a track of its own (a track is the smallest search window).
    cued_rows = np.isfinite(cue_at) | np.isfinite(det[: cue_at.shape[0]])
    launch_times = []
    for k in range(len(sites)):
        if a.launch_on_remote:
            t_launch = _launch_time(cue, warn, a)
        else:
            oi = own_index[k]
            own = det[oi] if oi is not None else np.full(idx.size, np.inf)
            t_launch = _launch_time(own, warn, a, may_commit=False)
        out["launch_time_s"][k, idx] = t_launch
        launch_times.append(t_launch)
    # Point-mass fly-out: the compiled loop, all such sites at once, stopping at the first and
    # last feasible sample of each flight.
    fly = [k for k, site in enumerate(sites) if site.flyout is not None]
    if fly:
        first, last, latest_s = _windows(
            tr,
            np.stack([launch_times[k] for k in fly]),
            [sites[k] for k in fly],
            [own_index[k] for k in fly],
            radars,
            a,
            cued_rows,
            None if memo is None else (memo[0], det_key),
            latest=latest,
        )
        at = np.ix_(np.asarray(fly, np.int64), idx)
        out["first_intercept_s"][at] = first
        out["last_intercept_s"][at] = last
        out["latest_launch_s"][at] = latest_s
    # The nominal-range cap (an option): reach² − r² where the sample is inside the altitude
    # band and after launch, else −inf, shared by every site with the same interceptor and cue.
    cache: dict[tuple[object, ...], NDArray[np.float64]] = {}
    for k, site in enumerate(sites):
        if site.flyout is not None:
            continue
        t_launch = launch_times[k]
        key = (
            "remote" if a.launch_on_remote else own_index[k],
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
            cache[key] = np.where(ok, d * d - r * r, -np.inf)
        rs = EARTH_RADIUS_M + site.height_m
        su = unit_vectors(site.lon_deg, site.lat_deg)
        # |S − P|² − r² = rs² − 2·rs·(P·Ŝ): feasible when reach² ≥ |S − P|².
        rhs = (rs * rs) - (2.0 * rs) * tr.dot(su)
        feasible = cache[key] >= rhs
        if not a.engage_on_remote:
            feasible = _own_radar_sees(radars, own_index[k], feasible, tr, a, cued_rows)
        out["first_intercept_s"][k, idx] = _first_time(feasible, t)
        out["last_intercept_s"][k, idx] = _first_time(feasible, t, last=True)


def _windows(
    tr: _Tracks,
    t_launch: NDArray[np.float64],
    sites: Sequence[InterceptorSite],
    own_index: Sequence[int | None],
    radars: Sequence[_RadarGeom],
    a: EngagementAssumptions,
    cued_rows: NDArray[np.bool_],
    memo: tuple[dict[tuple[object, ...], Any], tuple[object, ...]] | None = None,
    *,
    latest: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """First, last intercept and latest launch time ``(S, n)`` of point-mass fly-out sites.

    The compiled loops.

    Without engage on remote the site's own radar (``own_index``) must see the intercept point,
    at its cued range on the rows where a cue reached it (``cued_rows``, per fire-control radar
    and row): where it does is computed once per chunk, site and
    sensor state (``memo``: the block's memo and the key of its detections) and kept, since it
    does not depend on the delay. :func:`_windows_numpy` is the same test in numpy.
    """
    windows = [_window_site(s) for s in sites]
    sees: list[NDArray[np.uint8] | None] | None = None
    if not a.engage_on_remote:
        sees = []
        for site, ws, oi in zip(sites, windows, own_index, strict=True):
            spec = None if oi is None else radars[oi].spec
            key = ("sees", site, spec, *(() if memo is None else memo[1]))
            bits = None if memo is None else memo[0].get(key)
            if bits is None:
                rows = None if spec is None else radar_rows(spec, a.radar, a.cued_range_factor)
                cued = np.zeros(tr.t.shape[0], bool) if oi is None else cued_rows[oi]
                bits = kernels.sight_bits(tr.px, tr.py, tr.pz, tr.alt, tr.r, rows, cued, ws)
                if memo is not None:
                    _memo_put(memo[0], key, bits)
            sees.append(bits)
    # Which samples each site could reach at all does not depend on the delay either: kept,
    # so a new delay scans only between those bounds.
    specs = tuple(None if oi is None else radars[oi].spec for oi in own_index)
    key = ("bounds", tuple(sites), specs, a.engage_on_remote, *(() if memo is None else memo[1]))
    bounds = None if memo is None else memo[0].get(key)
    if bounds is None:
        bounds = kernels.sample_bounds(tr.t, tr.px, tr.py, tr.pz, tr.alt, tr.r, windows, sees)
        if memo is not None:
            _memo_put(memo[0], key, bounds)
    # The latest launch time does not depend on the delay either (kept likewise), when asked.
    times: NDArray[np.float64] | None = None
    if latest:
        latest_key = ("latest", *key)
        times = None if memo is None else memo[0].get(latest_key)
        if times is None:
            times = kernels.latest_launch_times(
                tr.t, tr.px, tr.py, tr.pz, tr.alt, tr.r, windows, sees, bounds
            )
            if memo is not None:
                _memo_put(memo[0], latest_key, times)
    first, last = kernels.flyout_windows(
        tr.t, tr.px, tr.py, tr.pz, tr.alt, tr.r, t_launch, windows, sees, bounds
    )
    return first, last, np.full(t_launch.shape, np.nan) if times is None else times


def _windows_numpy(
    tr: _Tracks,
    t_launch: NDArray[np.float64],
    sites: Sequence[InterceptorSite],
    own_index: Sequence[int | None],
    radars: Sequence[_RadarGeom],
    a: EngagementAssumptions,
    cued_rows: NDArray[np.bool_],
    memo: object = None,
    *,
    latest: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_windows` in numpy (whole arrays, no early exit): the reference it is checked on."""
    first, last = [], []
    times = np.full(t_launch.shape, np.nan)
    for s, (site, launch, oi) in enumerate(zip(sites, t_launch, own_index, strict=True)):
        when = _flyout_when(_window_site(site), tr)
        tau = tr.t - launch[:, None]
        with np.errstate(invalid="ignore"):
            feasible = (tau > 0.0) & (when <= tau)  # as _flyout_feasible, ``when`` kept
        reachable = np.isfinite(when)
        if not a.engage_on_remote:
            feasible = _own_radar_sees(radars, oi, feasible, tr, a, cued_rows)
            if latest:
                reachable = _own_radar_sees(radars, oi, reachable, tr, a, cued_rows)
        first.append(_first_time(feasible, tr.t))
        last.append(_first_time(feasible, tr.t, last=True))
        if latest:
            times[s] = np.where(reachable, tr.t - when, -np.inf).max(axis=1, initial=-np.inf)
    return np.array(first), np.array(last), times


def _chunk_rows(tr: _Tracks, start: int, end: int) -> _Tracks:
    """``tr.rows(start:end)``, kept in the block's memo (views: no memory beyond the memo)."""
    key = ("rows", start, end)
    hit: _Tracks | None = tr.memo.get(key)
    if hit is None:
        hit = tr.rows(slice(start, end))
        _memo_put(tr.memo, key, hit)
    return hit


def _memo_put(memo: dict[tuple[object, ...], Any], key: tuple[object, ...], value: Any) -> None:
    """Keep ``value`` in a block's memo, emptying the memo first when it is full."""
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()
    memo[key] = value


def _detections(
    tr: _Tracks,
    launch_unit: NDArray[np.float64],
    radars: Sequence[_RadarGeom],
    n_warn: int,
    a: EngagementAssumptions,
    n_cue: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """First detection of each flight by each radar, the warning, each fire-control radar's cue.

    ``inf``: none. Returns ``(det, warn, cue_at)``: ``det`` ``(R, n)``; ``warn`` ``(n,)``; ``cue_at``
    ``(R − n_warn, n)``, when each fire-control radar starts its cued search. Under launch on
    remote the first ``n_cue`` radars' tracks are shared (the link that lets any radar's track
    launch every site): a track by one cues the others, so ``cue_at`` is the earliest of the
    satellite cue, the warning and another cueing radar's first detection. A cue can make a
    detection earlier, which can cue another radar in turn: repeated until nothing changes (a
    cue never moves later). The link's latency is not modelled: the cue arrives with the
    track.
    """
    n = tr.t.shape[0]
    det = np.full((len(radars), n), np.inf)
    n_fc = len(radars) - n_warn
    # Early-warning radars search on their own; their first detection is the warning.
    for j in range(n_fc, len(radars)):
        det[j] = _detect_flight(radars[j], launch_unit, tr, a.radar)
    warn = det[n_fc:].min(axis=0) if n_warn else np.full(n, np.inf)
    base = _cue_start(warn, a)
    cue_at = np.broadcast_to(base, (n_fc, n)).copy()
    for j in range(n_fc):
        det[j] = _detect_cued(radars[j], launch_unit, tr, a, cue_at[j])
    shared = min(n_cue, n_fc) if a.launch_on_remote else 0
    # Cues only move earlier, onto sample times: this ends (the bound is a guard, never met).
    for _ in range(_CUE_ROUNDS if shared else 0):
        new = np.minimum(base, _first_of_others(det[:shared], n_fc))
        changed = [j for j in range(n_fc) if (new[j] < cue_at[j]).any()]
        if not changed:
            break
        cue_at = np.minimum(cue_at, new)
        for j in changed:
            det[j] = _detect_cued(radars[j], launch_unit, tr, a, cue_at[j])
    return det, warn, cue_at


def _first_of_others(det: NDArray[np.float64], n_fc: int) -> NDArray[np.float64]:
    """``(n_fc, n)``: for each radar, the earliest first detection by another cueing radar.

    ``det``: the cueing radars' detections, ``(m, n)``, the first ``m`` of the ``n_fc``.
    """
    m, n = det.shape
    out = np.full((n_fc, n), np.inf)
    if m == 0:
        return out
    order = np.argsort(det, axis=0, kind="stable")
    first = np.take_along_axis(det, order[:1], axis=0)[0]
    second = np.take_along_axis(det, order[1:2], axis=0)[0] if m > 1 else np.full(n, np.inf)
    out[:] = first
    for j in range(m):
        out[j] = np.where(order[0] == j, second, first)
    return out


def _detect_cued(
    rg: _RadarGeom,
    launch_unit: NDArray[np.float64],
    tr: _Tracks,
    a: EngagementAssumptions,
    cue_start: NDArray[np.float64],
) -> NDArray[np.float64]:
    """A fire-control radar's first detection: uncued before ``cue_start``, cued after."""
    strict = a.radar.boost_track_needs_warhead
    # The booster's and the warhead's first sightings, uncued before the cue, cued after.
    if not np.isfinite(cue_start).any():
        boost, war = _detect_split(rg, launch_unit, tr, a.radar, every_flight=strict)
    else:
        b0, w0 = _detect_split(rg, launch_unit, tr, a.radar, t_max=cue_start, every_flight=strict)
        b1, w1 = _detect_split(
            _cued(rg, a.cued_range_factor),
            launch_unit,
            tr,
            a.radar,
            t_min=cue_start,
            every_flight=strict,
        )
        boost, war = np.minimum(b0, b1), np.minimum(w0, w1)
    return _handover(tr, boost, war) if strict else np.minimum(boost, war)


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
    tr: _Tracks,
    a: EngagementAssumptions,
    cued_rows: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """``feasible`` kept only where the site's own radar sees the sample (no engage on remote).

    The radar holds a track by then; on rows where a cue reached it or it tracks the threat
    itself (``cued_rows[own]``: the satellites', a warning, another radar's shared track, or
    its own track) it reaches its cued range.
    """
    if own is None:
        return np.zeros_like(feasible)
    out = np.zeros_like(feasible)
    for rows_cued in (False, True):
        rg = _cued(radars[own], a.cued_range_factor) if rows_cued else radars[own]
        cand = np.flatnonzero(feasible & (cued_rows[own] == rows_cued)[:, None])
        if cand.size == 0:
            continue
        ground, az = _polar(
            rg, tr.px.ravel()[cand], tr.py.ravel()[cand], tr.pz.ravel()[cand], tr.r.ravel()[cand]
        )
        out.ravel()[cand] = radar_mod._visible_from_polar(
            rg.spec, az, ground, tr.alt.ravel()[cand], a.radar
        )
    return out


def _flyout_reach_limit_m(site: InterceptorSite, table: FlyoutTable) -> float:
    """Farthest ground range the site's fly-out fan reaches at any altitude (with the cap), m."""
    env = table.envelope_range_m
    far = float(np.nanmax(env)) if np.isfinite(env).any() else 0.0
    return far if site.max_reach_m is None else min(far, site.max_reach_m)


@functools.lru_cache(maxsize=256)
def _window_site(site: InterceptorSite) -> kernels.WindowSite:
    """The site as the compiled window loop needs it (a point-mass fly-out site).

    The loop applies the test of :func:`_flyout_feasible` (the numpy form, kept as the
    reference the loop is checked against in ``tests/test_kernels.py``).
    """
    assert site.flyout is not None
    table = flyout_table(site.flyout)
    u = unit_vectors(site.lon_deg, site.lat_deg)
    return kernels.WindowSite(
        unit=(float(u[0]), float(u[1]), float(u[2])),
        min_alt_m=site.min_alt_m,
        ceiling_m=site.ceiling_m,
        cos_limit=_flyout_cos_limit(site, table),
        table=table,
    )


def _flyout_cos_limit(site: InterceptorSite, table: FlyoutTable) -> float:
    """Cos of the fan's farthest ground angle: P·Ŝ ≥ r·cos_limit within it."""
    return math.cos(min(_flyout_reach_limit_m(site, table) / EARTH_RADIUS_M, math.pi))


def _flyout_feasible(
    ws: kernels.WindowSite, tau: NDArray[np.float64], tr: _Tracks
) -> NDArray[np.bool_]:
    """Samples a point-mass interceptor from a site can be at by their time (``tau`` after launch).

    Only samples after launch, at or above the lowest intercept altitude and within the fan's
    farthest ground range (a dot-product test, no trigonometry) go through the table lookup.
    The numpy form of the test: the engine runs the compiled
    :func:`coverage.physics.kernels.flyout_windows`, and ``tests/test_kernels.py`` checks the
    two agree on whole grids.
    """
    with np.errstate(invalid="ignore"):
        return (tau > 0.0) & (_flyout_when(ws, tr) <= tau)


def _flyout_when(ws: kernels.WindowSite, tr: _Tracks) -> NDArray[np.float64]:
    """The earliest time after launch the interceptor can be at each sample (``inf``: never).

    Only samples at or above the lowest intercept altitude and within the fan's farthest ground
    range (a dot-product test, no trigonometry) go through the table lookup; an unreachable
    table corner gives ``inf`` too. The numpy form of the compiled ``_when``.
    """
    # P·Ŝ = r·cos(ground angle between site and the sample's subpoint).
    dot = tr.dot(np.array(ws.unit))
    r, alt = tr.r, tr.alt
    with np.errstate(invalid="ignore"):
        ok = (alt >= ws.min_alt_m) & (dot >= r * ws.cos_limit)
        if ws.ceiling_m is not None:
            ok &= alt <= ws.ceiling_m
    when = np.full(r.shape, np.inf)
    cand = np.flatnonzero(ok)
    if cand.size:
        rr = r.ravel()[cand]
        ground = np.arccos(np.clip(dot.ravel()[cand] / rr, -1.0, 1.0)) * EARTH_RADIUS_M
        found = earliest_time_s(ws.table, ground, alt.ravel()[cand])
        when.ravel()[cand] = np.where(np.isnan(found), np.inf, found)
    return when


def _engage_point(
    launch_lonlat: tuple[float, float],
    target_lon: NDArray[np.float64],
    target_lat: NDArray[np.float64],
    radars: Sequence[_RadarGeom],
    n_cue: int,
    n_warn: int,
    own_index: Sequence[int | None],
    sites: Sequence[InterceptorSite],
    threat: ThreatSpec,
    a: EngagementAssumptions,
    chunk_size: int,
    workers: int,
    track_store: TrackStore | None = None,
    latest: bool = False,
) -> dict[str, NDArray[np.float64]]:
    """All targets against one launch point (vectorised over targets × samples, in chunks)."""
    n, n_s, n_r = target_lon.size, len(sites), len(radars)
    order, blocks = threat_tracks(
        launch_lonlat, target_lon, target_lat, threat, a.time_step_s, store=track_store
    )
    reach = np.zeros(n, bool)
    reach[order] = True
    out = {
        "reachable": reach,
        "flight_time_s": np.full(n, np.nan),
        "burnout_s": np.full(n, np.nan),
        "radar_detection_s": np.full((n_r, n), np.nan),
        "detection_time_s": np.full(n, np.nan),
        "warning_time_s": np.full(n, np.nan),
        "launch_time_s": np.full((n_s, n), np.nan),
        "first_intercept_s": np.full((n_s, n), np.nan),
        "last_intercept_s": np.full((n_s, n), np.nan),
        "latest_launch_s": np.full((n_s, n), np.nan),
    }
    launch_unit = unit_vectors(*launch_lonlat)
    # Targets are sorted by range, so a chunk holds flights of similar length (sample count).
    chunks = [
        (
            order[b * _FLY_BLOCK + i : b * _FLY_BLOCK + min(i + chunk_size, tr.t.shape[0])],
            _chunk_rows(tr, i, min(i + chunk_size, tr.t.shape[0])),
            (tr.memo, i, min(i + chunk_size, tr.t.shape[0])),
        )
        for b, tr in enumerate(blocks)
        for i in range(0, tr.t.shape[0], chunk_size)
    ]

    def run(item: tuple[NDArray[np.int64], _Tracks, tuple[Any, int, int]]) -> None:
        _engage_chunk(
            item[0],
            item[1],
            launch_unit,
            radars,
            n_cue,
            n_warn,
            own_index,
            sites,
            a,
            out,
            memo=item[2],
            latest=latest,
        )

    if workers > 1 and len(chunks) > 1:
        # numpy releases the GIL in array loops: chunks run in parallel on the cores.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, chunks))
    else:
        for item in chunks:
            run(item)
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
        burnout_s=stack["burnout_s"],
        radar_detection_s=stack["radar_detection_s"],
        detection_time_s=stack["detection_time_s"],
        warning_time_s=stack["warning_time_s"],
        launch_time_s=stack["launch_time_s"],
        first_intercept_s=first,
        last_intercept_s=last,
        latest_launch_s=stack["latest_launch_s"],
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
    track_store: TrackStore | None = None,
    latest: bool = False,
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
    track_store
        Where built threat tracks are kept between processes (:class:`TrackStore`); ``None``:
        only in this process's memory.
    latest
        Also compute each site's latest launch time (``latest_launch_s``; else ``nan``): a scan
        of every sample a site could reach, about as long again as the rest of a fresh run,
        asked for only by what needs it (:mod:`coverage.products.delay`).

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
    per_point = [
        _engage_point(
            (float(lo), float(la)),
            tlon,
            tlat,
            geoms,
            len(radars),
            len(warning_radars),
            own_index,
            sites,
            threat,
            assumptions,
            chunk_size,
            workers,
            track_store,
            latest,
        )
        for lo, la in zip(llon, llat, strict=True)
    ]
    return _combine(per_point, tlon, tlat, sites, assumptions)


def _dot3(p: tuple[float, float, float], u: NDArray[np.float64]) -> float:
    """P·u for one sample, in the engine's order of operations."""
    return p[0] * float(u[0]) + p[1] * float(u[1]) + p[2] * float(u[2])


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
    mask = radar_mod.elevation_mask_deg(spec, ra)
    refr = radar_mod.mask_refraction_rad(mask, spec.height_m, ra.refraction_scale)
    if mask is None:
        elev = dip
    else:
        part = float(radar_mod.refraction_fraction(alt_m - spec.height_m)) if refr > 0.0 else 0.0
        elev = max(math.radians(mask) - refr * part, dip)
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
    boost_ra = radar_mod.boost_phase(a.radar)  # the booster's detection, before burnout
    n, n_s, n_r = tlon.size, len(sites), len(geoms)
    per_point = []
    for lo, la in zip(llon, llat, strict=True):
        out = {
            "reachable": np.zeros(n, bool),
            "flight_time_s": np.full(n, np.nan),
            "burnout_s": np.full(n, np.nan),
            "radar_detection_s": np.full((n_r, n), np.nan),
            "detection_time_s": np.full(n, np.nan),
            "warning_time_s": np.full(n, np.nan),
            "launch_time_s": np.full((n_s, n), np.nan),
            "first_intercept_s": np.full((n_s, n), np.nan),
            "last_intercept_s": np.full((n_s, n), np.nan),
            "latest_launch_s": np.full((n_s, n), np.nan),
        }
        # The threat's samples are the engine's input (built once by threat_tracks, checked
        # against solve_ivp in the tests); everything after them is recomputed here.
        tr_order, tr_blocks = threat_tracks(
            (float(lo), float(la)), tlon, tlat, threat, a.time_step_s
        )
        where = {int(t): divmod(j, _FLY_BLOCK) for j, t in enumerate(tr_order)}
        for i in range(n):
            if i not in where:
                continue
            out["reachable"][i] = True
            b, row = where[i]
            tr = tr_blocks[b]
            out["flight_time_s"][i] = tr.flight_time_s[row]
            out["burnout_s"][i] = tr.burnout_s[row]
            k_end = int(np.argmax(tr.t[row] >= tr.flight_time_s[row])) + 1
            points = [
                (tk, hk, EARTH_RADIUS_M + hk, (xk, yk, zk))
                for tk, hk, xk, yk, zk in zip(
                    tr.t[row, :k_end].tolist(),
                    tr.alt[row, :k_end].tolist(),
                    tr.px[row, :k_end].tolist(),
                    tr.py[row, :k_end].tolist(),
                    tr.pz[row, :k_end].tolist(),
                    strict=True,
                )
            ]
            burnout = float(tr.burnout_s[row])

            def first_sight(
                j: int, cue_at: float, points: list[Any] = points, burnout: float = burnout
            ) -> float:
                """Radar ``j``'s first sight of this flight, cued from ``cue_at`` on."""
                rg0 = geoms[j]
                first = math.inf
                # A fire-control radar whose boost track needs the warhead at burnout: every
                # sample is looked at, the first sight in boost and after burnout kept apart.
                strict = j < n_fc and a.radar.boost_track_needs_warhead
                first_boost = first_war = t_burnout = math.inf
                r1 = EARTH_RADIUS_M + rg0.spec.height_m
                for tk, hk, rk, pk in points:
                    if tk >= burnout:
                        t_burnout = min(t_burnout, tk)
                    cued = tk >= cue_at
                    rg = _cued(rg0, a.cued_range_factor) if cued else rg0
                    # The boosting missile before burnout, the warhead after.
                    ra_k = boost_ra if boost_ra is not None and tk < burnout else a.radar
                    max_slant = radar_mod.scaled_range_m(
                        rg.spec.range_m, rg.spec.reference_rcs_m2, ra_k.target_rcs_m2
                    )
                    dot = _dot3(pk, rg0.unit)
                    if r1 * r1 + rk * rk - 2.0 * r1 * dot > (max_slant * (1.0 + 1e-9)) ** 2:
                        continue
                    cos_g = min(max(dot / rk, -1.0), 1.0)
                    ground = math.acos(cos_g) * EARTH_RADIUS_M
                    az = (
                        math.degrees(math.atan2(_dot3(pk, rg0.east), _dot3(pk, rg0.north)))
                        if rg.sector
                        else 0.0
                    )
                    if not _visible_scalar(rg.spec, az, ground, hk, ra_k):
                        continue
                    if not strict:
                        return tk
                    if tk < burnout:
                        first_boost = min(first_boost, tk)
                    else:
                        first_war = tk
                        break
                if strict:
                    held = math.isfinite(first_boost) and first_war == t_burnout
                    first = first_boost if held else first_war
                return first

            # Warning radars first (they search on their own), then the fire-control radars,
            # cued from the satellite cue or the warning, whichever comes first.
            det = [math.inf] * len(geoms)
            for j in range(n_fc, len(geoms)):
                det[j] = first_sight(j, math.inf)
            warn = min(det[n_fc:], default=math.inf)
            base = min(warn, math.inf if a.cue_time_s is None else a.cue_time_s)
            cue_at = [base] * n_fc
            for j in range(n_fc):
                det[j] = first_sight(j, base)
            # Under launch on remote a cueing radar's first track cues the others (any chain of
            # such cues, one radar at a time, until none comes sooner).
            shared = min(len(radars), n_fc) if a.launch_on_remote else 0
            for _ in range(_CUE_ROUNDS if shared else 0):
                new = [min([base, *(det[m] for m in range(shared) if m != j)]) for j in range(n_fc)]
                changed = [j for j in range(n_fc) if new[j] < cue_at[j]]
                if not changed:
                    break
                cue_at = [min(c, x) for c, x in zip(cue_at, new, strict=True)]
                for j in changed:
                    det[j] = first_sight(j, cue_at[j])
            for j, d in enumerate(det):
                out["radar_detection_s"][j, i] = d
            cue = min(det[: len(radars)], default=math.inf)
            out["detection_time_s"][i] = cue
            out["warning_time_s"][i] = warn

            def launch_after(fc: float, may_commit: bool, warn: float = warn) -> float:
                if a.warning_commits and may_commit:
                    return min(fc + a.delay_s, warn + a.delay_s)
                return min(fc + a.delay_s, max(warn + a.delay_s, fc))

            def own_sees(
                k: int,
                pk: tuple[float, float, float],
                rk: float,
                hk: float,
                cue_at: list[float] = cue_at,
                det: list[float] = det,
            ) -> bool:
                if a.engage_on_remote:
                    return True
                oi = own_index[k]
                if oi is None:
                    return False
                row_cued = min(cue_at[oi], det[oi]) < math.inf  # a cue, or its own track
                rg = _cued(geoms[oi], a.cued_range_factor) if row_cued else geoms[oi]
                dot = _dot3(pk, rg.unit)
                ground = math.acos(min(max(dot / rk, -1.0), 1.0)) * EARTH_RADIUS_M
                az = (
                    math.degrees(math.atan2(_dot3(pk, rg.east), _dot3(pk, rg.north)))
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
                feasible = []
                table = None if site.flyout is None else flyout_table(site.flyout)
                latest = -math.inf
                for tk, hk, rk, pk in points:
                    sdot = _dot3(pk, su)
                    tau = tk - t_launch
                    if table is not None:
                        if not site.min_alt_m <= hk <= site.top_alt_m:
                            continue
                        ground = math.acos(min(max(sdot / rk, -1.0), 1.0))
                        ground *= EARTH_RADIUS_M
                        if site.max_reach_m is not None and ground > site.max_reach_m:
                            continue
                        when = float(earliest_time_s(table, ground, hk))
                        if math.isnan(when) or not own_sees(k, pk, rk, hk):
                            continue
                        latest = max(latest, tk - when)  # any launch up to tk − when reaches it
                        if tau > 0.0 and when <= tau:
                            feasible.append(tk)
                        continue
                    if not (tau > 0.0 and site.min_alt_m <= hk <= site.top_alt_m):
                        continue
                    d = float(site.reach_m(tau))
                    rhs = rs * rs - (2.0 * rs) * sdot
                    if d * d - rk * rk >= rhs and own_sees(k, pk, rk, hk):
                        feasible.append(tk)
                if table is not None:
                    out["latest_launch_s"][k, i] = latest
                if feasible:
                    out["first_intercept_s"][k, i] = feasible[0]
                    out["last_intercept_s"][k, i] = feasible[-1]
        per_point.append(out)
    return _combine(per_point, tlon, tlat, sites, a)
