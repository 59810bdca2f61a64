"""Radar coverage: radar horizon, RCS scaling and ground footprints for a target altitude.

The footprint of a radar for a target at altitude ``h_t`` is the ground area over which such a
target is detectable. Three limits apply (fact sheet §5.1-5.2):

* sensitivity: the instrumented range against a reference target, scaled by R ∝ σ^¼;
* the radar horizon for that target altitude, on an effective Earth of radius k·R_E
  (k = 4/3 for standard refraction) with a minimum elevation angle; or, on the geometric
  Earth (k = 1), with the mask read as the beam's apparent elevation and the atmosphere's
  refraction below the target credited (:func:`mask_refraction_rad`);
* the azimuth field of view (an AN/TPY-2 faces its boresight; SPY-1 covers 360 degrees).

Elevation geometry is spherical (mean Earth radius); the footprint outline is then drawn as a
geodesic ring or sector on the WGS84 ellipsoid. The spherical-vs-ellipsoidal difference (< 0.5 %)
is far below the uncertainty of the published ranges.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from coverage.physics.geodesy import EARTH_RADIUS_M, GEOD, ring, sector

__all__ = [
    "RadarAssumptions",
    "RadarSpec",
    "footprint",
    "footprint_radius_m",
    "geodesic_polar",
    "horizon_ground_range_m",
    "mask_refraction_rad",
    "p619_bending_deg",
    "radar_horizon_m",
    "refraction_fraction",
    "range_limited_ground_range_m",
    "scaled_range_m",
    "visible",
]

STANDARD_K_FACTOR = 4.0 / 3.0
#: Scale height of the atmosphere's refractivity, m: N(h) = N₀·exp(−h/H), H = 7.35 km (the
#: ITU-R P.453 reference atmosphere).
REFRACTIVITY_SCALE_HEIGHT_M = 7_350.0


@dataclass(frozen=True)
class RadarSpec:
    """One radar at one place.

    Attributes
    ----------
    lon_deg, lat_deg
        Position (WGS84).
    height_m
        Height of the array above mean sea level (site elevation plus antenna height).
    range_m
        Instrumented range against ``reference_rcs_m2``.
    reference_rcs_m2
        Radar cross-section the range figure refers to.
    boresight_deg
        Azimuth the array faces, degrees clockwise from north; ``None`` for 360-degree radars.
    fov_deg
        Full azimuth field of view, degrees, in (0, 360].
    min_elevation_deg
        This radar type's lowest usable elevation, degrees (-5 to 30), or ``None``: no mask of
        its own. An explicit :attr:`RadarAssumptions.min_elevation_deg` overrides it.
    """

    lon_deg: float
    lat_deg: float
    height_m: float
    range_m: float
    reference_rcs_m2: float = 1.0
    boresight_deg: float | None = None
    fov_deg: float = 360.0
    min_elevation_deg: float | None = None

    def __post_init__(self) -> None:
        checks = {
            "lon_deg": (self.lon_deg, -180.0, 180.0),
            "lat_deg": (self.lat_deg, -90.0, 90.0),
            "height_m": (self.height_m, -500.0, 10_000.0),
            "range_m": (self.range_m, 0.0, 50_000_000.0),
            "fov_deg": (self.fov_deg, 1e-9, 360.0),
        }
        for name, (value, lo, hi) in checks.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
                raise ValueError(
                    f"RadarSpec.{name}={value!r} is outside the allowed range {lo:g}..{hi:g}"
                )
        if not (math.isfinite(self.reference_rcs_m2) and self.reference_rcs_m2 > 0):
            raise ValueError(f"RadarSpec.reference_rcs_m2={self.reference_rcs_m2!r} must be > 0")
        if self.fov_deg < 360.0 and (
            self.boresight_deg is None or not math.isfinite(self.boresight_deg)
        ):
            raise ValueError("RadarSpec.boresight_deg is required when fov_deg < 360")
        if self.min_elevation_deg is not None and not (
            math.isfinite(self.min_elevation_deg) and -5.0 <= self.min_elevation_deg <= 30.0
        ):
            raise ValueError(
                f"RadarSpec.min_elevation_deg={self.min_elevation_deg!r} is outside the allowed "
                "range -5..30"
            )


@dataclass(frozen=True)
class RadarAssumptions:
    """Assumptions shared by every radar footprint.

    Attributes
    ----------
    target_rcs_m2
        Radar cross-section of the target, m² (0.0001 to 100). An RV-like target is ~0.01 m².
        In the engine this is the re-entry vehicle's, seen after the threat's burnout.
    booster_rcs_m2
        Radar cross-section of the boosting missile, m² (0.0001 to 100), seen by the engine's
        radars before burnout; ``None`` (default): no booster RCS, ``target_rcs_m2`` for the
        whole flight. Footprints drawn for a target altitude use ``target_rcs_m2`` alone.
    boost_track_needs_warhead
        ``False`` (default): a fire-control radar's track begun on the boosting missile is held
        on the warhead after burnout, wherever the warhead is (the stage and the warhead fly
        together: an assumption about discrimination). ``True``: such a track carries over only
        where the same radar sees the warhead itself at burnout (the first sample at or after
        it); elsewhere the radar's track starts at its first sight of the warhead. An
        early-warning radar's sighting is a warning either way. No effect without a boost.
    k_factor
        Effective-Earth-radius factor: 4/3 for standard refraction, 1 for pure geometry.
    refraction_scale
        Atmospheric refraction credited at the elevation mask (0 to 2; only with ``k_factor``
        1, so that refraction is not counted twice). 0 (default): the mask is a geometric
        elevation. 1: the mask is the beam's apparent elevation in the ITU-R reference
        atmosphere, so a target whose straight line of sight lies up to
        :func:`mask_refraction_rad` below the mask is seen (the :func:`refraction_fraction` of the bending that the target's height
        brings into effect: nearly all of it above the atmosphere, less inside). Other values
        scale the bending (weather: surface refractivity varies by about ±20 %).
    min_elevation_deg
        Lowest elevation every radar can use, degrees (-5 to 30), overriding each radar type's
        own mask (:attr:`RadarSpec.min_elevation_deg`); ``None`` (default): each radar's own
        mask, and where it has none, line of sight down to the geometric horizon, as in the
        fact-sheet formula d ≈ 4.12·(√h_r + √h_t).
    """

    target_rcs_m2: float = 1.0
    k_factor: float = STANDARD_K_FACTOR
    min_elevation_deg: float | None = None
    booster_rcs_m2: float | None = None
    boost_track_needs_warhead: bool = False
    refraction_scale: float = 0.0

    def __post_init__(self) -> None:
        if not (
            isinstance(self.refraction_scale, int | float)
            and math.isfinite(self.refraction_scale)
            and 0.0 <= self.refraction_scale <= 2.0
        ):
            raise ValueError(
                f"refraction_scale={self.refraction_scale!r} is outside the allowed range 0..2"
            )
        if self.refraction_scale > 0.0 and self.k_factor != 1.0:
            raise ValueError(
                f"refraction_scale={self.refraction_scale!r} needs k_factor=1, not "
                f"{self.k_factor!r}: the 4/3 Earth already counts the refraction"
            )
        if not isinstance(self.boost_track_needs_warhead, bool):
            raise ValueError(
                f"boost_track_needs_warhead={self.boost_track_needs_warhead!r} must be True or False"
            )
        if not (math.isfinite(self.target_rcs_m2) and 1e-4 <= self.target_rcs_m2 <= 100.0):
            raise ValueError(
                f"target_rcs_m2={self.target_rcs_m2!r} is outside the allowed range 0.0001..100"
            )
        if self.booster_rcs_m2 is not None and not (
            math.isfinite(self.booster_rcs_m2) and 1e-4 <= self.booster_rcs_m2 <= 100.0
        ):
            raise ValueError(
                f"booster_rcs_m2={self.booster_rcs_m2!r} is outside the allowed range 0.0001..100"
            )
        if not (math.isfinite(self.k_factor) and 0.5 <= self.k_factor <= 4.0):
            raise ValueError(f"k_factor={self.k_factor!r} is outside the allowed range 0.5..4")
        if self.min_elevation_deg is not None and not (
            math.isfinite(self.min_elevation_deg) and -5.0 <= self.min_elevation_deg <= 30.0
        ):
            raise ValueError(
                f"min_elevation_deg={self.min_elevation_deg!r} is outside the allowed range -5..30"
            )


def boost_phase(assumptions: RadarAssumptions) -> RadarAssumptions | None:
    """The assumptions a radar detects the boosting missile with, or ``None`` if not distinct.

    The same refraction and mask, the booster's RCS as the target's; ``None`` without a
    booster RCS or when it equals the re-entry vehicle's (one test then covers the flight).
    """
    b = assumptions.booster_rcs_m2
    if b is None or b == assumptions.target_rcs_m2:
        return None
    return replace(assumptions, target_rcs_m2=b, booster_rcs_m2=None)


def elevation_mask_deg(radar: RadarSpec, assumptions: RadarAssumptions) -> float | None:
    """The elevation mask in force for ``radar``: the explicit override, else the radar's own."""
    if assumptions.min_elevation_deg is not None:
        return assumptions.min_elevation_deg
    return radar.min_elevation_deg


def scaled_range_m(range_m: float, reference_rcs_m2: float, target_rcs_m2: float) -> float:
    """Detection range against ``target_rcs_m2`` from the radar range equation, R ∝ σ^¼."""
    return range_m * (target_rcs_m2 / reference_rcs_m2) ** 0.25


def p619_bending_deg(free_space_elevation_deg: float, station_height_km: float) -> float:
    """Ray bending, degrees, to a target beyond the atmosphere (ITU-R P.619, Attachment B).

    τ_fs = 1 / (1.728 + 0.5411θ₀ + 0.03723θ₀² + h(0.1815 + 0.06272θ₀ + 0.01380θ₀²)
    + h²(0.01727 + 0.008288θ₀)), θ₀ the free-space (straight-line) elevation in degrees and h
    the station's height in km: the apparent elevation is θ₀ + τ_fs, in the ITU-R's reference
    atmosphere for radio waves (ITU-R P.453: refractivity 315·exp(−h/7.35 km)).
    """
    t, h = free_space_elevation_deg, station_height_km
    return 1.0 / (
        1.728
        + 0.5411 * t
        + 0.03723 * t * t
        + h * (0.1815 + 0.06272 * t + 0.01380 * t * t)
        + h * h * (0.01727 + 0.008288 * t)
    )


@functools.lru_cache(maxsize=256)  # per sample in the reference loop: solve once per radar
def mask_refraction_rad(mask_deg: float | None, radar_height_m: float, scale: float = 1.0) -> float:
    """Bending, radians, of the ray a radar sends out at apparent elevation ``mask_deg``.

    The bending to a target beyond the atmosphere for radio waves: ITU-R P.619's formula
    (:func:`p619_bending_deg`, the recommendation's conversion between free-space and apparent
    elevation), solved for the free-space elevation whose apparent elevation is the mask
    (a fixed point; the bending changes by < 0.1° per degree), times ``scale`` (the weather:
    surface refractivity varies about ±20 % around the reference atmosphere's 315). About
    0.37° at a 2° mask from sea level, 0.28° from Kürecik's 2,085 m, 0.19° at 5°; radio
    waves bend about a fifth more than light (the water vapour). Zero without a mask or with
    ``scale`` 0. A hand-written formula: the astronomy libraries' refraction models (ERFA's
    ``refco``, Bennett's) are for light, and ERFA's for elevations above ~15°.
    """
    if mask_deg is None or scale == 0.0:
        return 0.0
    if not (math.isfinite(mask_deg) and 0.0 <= mask_deg <= 90.0):
        raise ValueError(
            f"mask_deg={mask_deg!r}: refraction at the mask is credited for masks of 0..90° "
            "only; use a mask of 0° or more, or leave refraction off"
        )
    h_km = max(float(radar_height_m), 0.0) / 1000.0
    free = float(mask_deg)
    for _ in range(30):
        free = mask_deg - scale * p619_bending_deg(free, h_km)
    return math.radians(mask_deg - free)


def refraction_fraction(height_above_radar_m: ArrayLike) -> NDArray[np.float64]:
    """Share of the bending at the mask that moves a target this much above the radar into view.

    A ray through a horizontally layered atmosphere bends by the drop in refractivity along it
    times the cotangent of its elevation; a bend made at a share s/D of the way to the target
    shifts the line of sight to the target by (1 − s/D) of it. With the refractivity falling
    as exp(−z/H) (:data:`REFRACTIVITY_SCALE_HEIGHT_M`) and s/D ≈ z/Δh, the weighted share is
    1 − (1 − e⁻ˣ)/x with x = Δh/H: about x/2 just above the radar, 0.45 at 10 km, 0.85 at
    50 km, 0.98 at 300 km (the bend stays near the radar while the target draws away). 0 at or
    below the radar. Checked against rays traced through the reference atmosphere on the round
    Earth (tests): from 20 to 1,000 km the model credits up to 9 % more than the traced ray, at
    10 km up to 16 % less.
    """
    dh = np.asarray(height_above_radar_m, float)
    x = np.maximum(dh, 1e-300) / REFRACTIVITY_SCALE_HEIGHT_M
    return np.where(dh > 0.0, 1.0 + np.expm1(-x) / x, 0.0)


def horizon_ground_range_m(
    radar_height_m: ArrayLike,
    target_alt_m: ArrayLike,
    *,
    k_factor: float = STANDARD_K_FACTOR,
    min_elevation_deg: float | None = None,
    refraction_rad: float = 0.0,
) -> NDArray[np.float64]:
    """Ground distance at which a target at ``target_alt_m`` drops below the elevation mask.

    Exact spherical geometry on an Earth of radius ``k_factor * R_E``. Without a mask (``None``)
    the limit is the line of sight grazing the Earth, which reduces to
    d = √(2kR_E·h_r) + √(2kR_E·h_t) for small heights (fact sheet §5.1: Kürecik, 2,085 m, sees a
    surface target at ≈188 km). A mask below the geometric dip of the horizon at the radar has
    no effect. ``refraction_rad`` (:func:`mask_refraction_rad`, with a mask only): the mask is
    an apparent elevation, so the straight line of sight may lie below it by the
    :func:`refraction_fraction` of that bending for the target's height.
    """
    re = k_factor * EARTH_RADIUS_M
    r1 = re + np.maximum(np.asarray(radar_height_m, float), 0.0)
    r2 = re + np.maximum(np.asarray(target_alt_m, float), 0.0)
    dip = -np.arccos(re / r1)
    if min_elevation_deg is None:
        elev = dip
    else:
        mask: float | NDArray[np.float64] = math.radians(min_elevation_deg)
        if refraction_rad > 0.0:
            dh = np.asarray(target_alt_m, float) - np.asarray(radar_height_m, float)
            mask = mask - refraction_rad * refraction_fraction(dh)
        elev = np.maximum(mask, dip)
    # Law of sines in the triangle Earth centre - radar - target.
    theta = np.pi / 2.0 - elev - np.arcsin(np.clip(r1 * np.cos(elev) / r2, -1.0, 1.0))
    return np.maximum(theta, 0.0) * re


def radar_horizon_m(
    radar: RadarSpec, target_alt_m: ArrayLike, assumptions: RadarAssumptions
) -> NDArray[np.float64]:
    """:func:`horizon_ground_range_m` for ``radar`` under ``assumptions`` (mask, k, refraction)."""
    mask = elevation_mask_deg(radar, assumptions)
    return horizon_ground_range_m(
        radar.height_m,
        target_alt_m,
        k_factor=assumptions.k_factor,
        min_elevation_deg=mask,
        refraction_rad=mask_refraction_rad(mask, radar.height_m, assumptions.refraction_scale),
    )


def range_limited_ground_range_m(
    radar_height_m: ArrayLike, target_alt_m: ArrayLike, slant_range_m: ArrayLike
) -> NDArray[np.float64]:
    """Ground distance at which the slant range to a target at ``target_alt_m`` equals ``slant_range_m``.

    Zero when the target altitude is itself out of range (straight up is already too far).
    """
    r1 = EARTH_RADIUS_M + np.asarray(radar_height_m, float)
    r2 = EARTH_RADIUS_M + np.asarray(target_alt_m, float)
    s = np.asarray(slant_range_m, float)
    cos_theta = (r1**2 + r2**2 - s**2) / (2.0 * r1 * r2)
    theta = np.where(s < np.abs(r2 - r1), 0.0, np.arccos(np.clip(cos_theta, -1.0, 1.0)))
    return theta * EARTH_RADIUS_M


def footprint_radius_m(
    radar: RadarSpec, target_alt_m: float, assumptions: RadarAssumptions = RadarAssumptions()
) -> tuple[float, Literal["sensitivity", "horizon"]]:
    """Ground radius of the footprint and which limit binds it."""
    if not (math.isfinite(target_alt_m) and 0.0 <= target_alt_m <= 5_000_000.0):
        raise ValueError(f"target_alt_m={target_alt_m!r} is outside the allowed range 0..5,000,000")
    slant = scaled_range_m(radar.range_m, radar.reference_rcs_m2, assumptions.target_rcs_m2)
    by_range = float(range_limited_ground_range_m(radar.height_m, target_alt_m, slant))
    by_horizon = float(radar_horizon_m(radar, target_alt_m, assumptions))
    return (by_range, "sensitivity") if by_range <= by_horizon else (by_horizon, "horizon")


def footprint(
    radar: RadarSpec, target_alt_m: float, assumptions: RadarAssumptions = RadarAssumptions()
) -> BaseGeometry:
    """Ground footprint (EPSG:4326 polygon) where a target at ``target_alt_m`` is detectable."""
    radius_m, _ = footprint_radius_m(radar, target_alt_m, assumptions)
    if radar.fov_deg >= 360.0 or radar.boresight_deg is None:
        return ring(radar.lon_deg, radar.lat_deg, radius_m)
    return sector(
        radar.lon_deg,
        radar.lat_deg,
        radius_m,
        boresight_deg=radar.boresight_deg,
        width_deg=radar.fov_deg,
    )


def visible(
    radar: RadarSpec,
    lon_deg: ArrayLike,
    lat_deg: ArrayLike,
    alt_m: ArrayLike,
    assumptions: RadarAssumptions = RadarAssumptions(),
) -> NDArray[np.bool_]:
    """Whether targets at ``(lon, lat, alt)`` are inside the radar's coverage (vectorised).

    Applies the same three limits as :func:`footprint`, point by point: slant range against the
    RCS-scaled range, elevation above the mask on the k-factor Earth, and azimuth sector.
    """
    lon_a, lat_a, alt_a = np.broadcast_arrays(
        np.asarray(lon_deg, float), np.asarray(lat_deg, float), np.asarray(alt_m, float)
    )
    az, ground = geodesic_polar(radar.lon_deg, radar.lat_deg, lon_a, lat_a)
    return _visible_from_polar(radar, az, ground, alt_a, assumptions)


def geodesic_polar(
    lon0_deg: float, lat0_deg: float, lon_deg: ArrayLike, lat_deg: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Azimuth (degrees) and ground range (m, WGS84 geodesic) from one point to many.

    What :func:`visible` measures from a radar; computed once, it serves every radar at that
    point (``_visible_from_polar``).
    """
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon_deg, float), np.asarray(lat_deg, float))
    az, _, ground = GEOD.inv(
        np.full(lon_a.size, lon0_deg), np.full(lon_a.size, lat0_deg), lon_a.ravel(), lat_a.ravel()
    )
    return np.asarray(az).reshape(lon_a.shape), np.asarray(ground).reshape(lon_a.shape)


def _visible_from_polar(
    radar: RadarSpec,
    azimuth_deg: NDArray[np.float64],
    ground_m: NDArray[np.float64],
    alt_m: NDArray[np.float64],
    assumptions: RadarAssumptions,
) -> NDArray[np.bool_]:
    theta = ground_m / EARTH_RADIUS_M
    r1 = EARTH_RADIUS_M + radar.height_m
    r2 = EARTH_RADIUS_M + alt_m
    slant = np.sqrt(np.maximum(r1**2 + r2**2 - 2.0 * r1 * r2 * np.cos(theta), 0.0))
    max_slant = scaled_range_m(radar.range_m, radar.reference_rcs_m2, assumptions.target_rcs_m2)
    in_range = slant <= max_slant
    in_view = ground_m <= radar_horizon_m(radar, alt_m, assumptions) * (1.0 + 1e-12)
    if radar.fov_deg >= 360.0 or radar.boresight_deg is None:
        in_sector = np.ones_like(in_range)
    else:
        off = (azimuth_deg - radar.boresight_deg + 180.0) % 360.0 - 180.0
        in_sector = np.abs(off) <= radar.fov_deg / 2.0
    return in_range & in_view & in_sector
