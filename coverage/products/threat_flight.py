"""What ``python -m coverage trajectory`` reports for a threat flight with boost and rotation.

Joins the sourced boost parameters (``data/threat_boost.csv``) to the physics of
:mod:`coverage.physics.threat_flight` and returns a plain dict with units in the key names and
the assumptions spelled out, so the CLI only prints it. ``rotation`` and ``boost`` switch the
two effects off to show what they change.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from coverage.catalogue.analysis import detection_value, load_threat_boost
from coverage.physics.ballistics import Shape, central_angle_rad, unit_vectors
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.physics.radar import RadarAssumptions, RadarSpec, scaled_range_m, visible
from coverage.physics.threat_flight import (
    OMEGA_EARTH_RADPS,
    earth_fixed_positions,
    fly,
)
from coverage.scenario import boost_programme, class_for_range_m, thrust_termination_words

__all__ = ["boost_programme", "class_for_range_m", "radar_view", "trajectory_summary"]


def _boost_source(threat_class: str) -> str:
    table = load_threat_boost()
    row = table[(table.threat_class == threat_class) & (table.parameter == "burn_time_s")].iloc[0]
    return f"{row.source} ({row.confidence})"


def trajectory_summary(
    launch_lon_deg: float,
    launch_lat_deg: float,
    target_lon_deg: float,
    target_lat_deg: float,
    *,
    threat_class: str | None = None,
    estimate: str = "nominal",
    shape: Shape = "minimum_energy",
    angle_offset_deg: float = 10.0,
    rotation: bool = True,
    boost: bool = True,
    time_step_s: float = 2.0,
) -> dict[str, Any]:
    """Figures and Earth-fixed samples of one threat flight, ready to print as JSON.

    Parameters
    ----------
    launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg
        End points, degrees.
    threat_class
        ``SRBM``, ``MRBM``, ``IRBM`` or ``ICBM`` for the boost parameters; ``None`` takes the
        DoD class of the ground range.
    estimate
        ``low``, ``nominal`` or ``high`` column of ``threat_boost.csv``.
    shape, angle_offset_deg
        Coast shape (minimum energy in the inertial frame, lofted or depressed).
    rotation
        Whether the Earth turns under the flight.
    boost
        Whether the missile boosts (``False``: burnout at the surface at lift-off).
    time_step_s
        Sample spacing, s.

    Returns
    -------
    dict
        ``burnout_speed_kmps`` (relative to the rotating Earth: what the missile supplies),
        ``inertial_burnout_speed_kmps``, ``burnout_angle_deg`` (inertial), ``burnout_alt_km``,
        ``burn_time_s``, ``boost_delta_v_kmps`` (thrust's velocity change, gravity loss
        included), ``flight_time_s``, ``apogee_km``, ``ground_range_km``,
        ``threat_class``, ``assumptions`` (list of strings) and ``samples`` (time, Earth-fixed
        lon/lat and altitude).
    """
    ground_m = float(
        central_angle_rad(launch_lon_deg, launch_lat_deg, target_lon_deg, target_lat_deg)
        * EARTH_RADIUS_M
    )
    cls = threat_class if threat_class is not None else class_for_range_m(ground_m)
    programme = boost_programme(cls, estimate) if boost else None
    f = fly(
        launch_lon_deg,
        launch_lat_deg,
        target_lon_deg,
        target_lat_deg,
        boost=programme,
        rotation=rotation,
        shape=shape,
        angle_offset_deg=angle_offset_deg,
        time_step_s=time_step_s,
    )
    lon, lat, alt = earth_fixed_positions(f)
    n = int(f.n_valid[0])
    assumptions = [
        f"spherical Earth (R = {EARTH_RADIUS_M / 1000:,.0f} km), inverse-square gravity, "
        "no drag, no oblateness",
    ]
    if rotation:
        surface = OMEGA_EARTH_RADPS * EARTH_RADIUS_M * math.cos(math.radians(launch_lat_deg))
        assumptions.append(
            f"Earth rotates ({OMEGA_EARTH_RADPS:.6e} rad/s): the missile lifts off with the "
            f"surface speed ({surface:.0f} m/s eastward here) and aims at where the target will "
            "be at impact; samples are Earth-fixed"
        )
    else:
        assumptions.append("non-rotating Earth (inertial and Earth-fixed frames coincide)")
    if programme is None:
        assumptions.append("no boost phase: burnout at the launch point on the surface at lift-off")
    else:
        p = programme
        assumptions.append(
            f"{cls} boost ({estimate}): {p.burn_time_s:g} s "
            f"[{_boost_source(cls)}]; point mass, thrust acceleration a0/(1 − {p.burned_fraction:g}"
            f"·t/t_b), vertical for {p.vertical_rise_s:g} s, then pitched from the vertical by "
            f"φ_b·s^{p.pitch_exponent:g}; a0, φ_b and the launch azimuth solved so the burnout "
            "velocity hits the target; burnout altitude is an outcome; "
            + thrust_termination_words(p)
        )
    shape_text = {
        "minimum_energy": "minimum-energy coast (least inertial burnout speed for the range)",
        "lofted": f"lofted coast (+{angle_offset_deg:g}° from the minimum-energy burnout angle)",
        "depressed": f"depressed coast (−{angle_offset_deg:g}° from the minimum-energy angle)",
    }[shape]
    assumptions.append(shape_text)
    samples = [
        {
            "time_s": round(float(t), 2),
            "lon_deg": round(float(x), 5),
            "lat_deg": round(float(y), 5),
            "alt_km": round(float(h) / 1000.0, 3),
        }
        for t, x, y, h in zip(f.time_s[0, :n], lon[0, :n], lat[0, :n], alt[0, :n], strict=True)
    ]
    return {
        "threat_class": cls,
        "estimate": estimate,
        "shape": shape,
        "rotation": rotation,
        "boost": boost,
        "ground_range_km": round(ground_m / 1000.0, 3),
        "burnout_speed_kmps": round(float(f.burnout_speed_mps[0]) / 1000.0, 4),
        "inertial_burnout_speed_kmps": round(float(f.inertial_burnout_speed_mps[0]) / 1000.0, 4),
        "burnout_angle_deg": round(float(f.burnout_angle_deg[0]), 3),
        "burnout_alt_km": round(float(f.burnout_alt_m[0]) / 1000.0, 3),
        "boost_delta_v_kmps": round(float(f.boost_delta_v_mps[0]) / 1000.0, 4),
        "burn_time_s": round(float(f.burnout_time_s[0]), 2),
        "flight_time_s": round(float(f.flight_time_s[0]), 2),
        "apogee_km": round(float(f.apogee_m[0]) / 1000.0, 3),
        "impact_lon_deg": round(float(f.impact_lon_deg[0]), 5),
        "impact_lat_deg": round(float(f.impact_lat_deg[0]), 5),
        "assumptions": assumptions,
        "samples": samples,
    }


def radar_view(
    radar: RadarSpec,
    radar_name: str,
    summary: dict[str, Any],
    *,
    estimate: str = "nominal",
) -> dict[str, Any]:
    """What one radar sees of a flight of :func:`trajectory_summary`: the view from the radar.

    Per sample (``summary["samples"]``, changed in place): slant range, elevation above the
    radar's horizontal (k = 1, exo-atmospheric geometry, as the engine detects), and whether
    the radar sees the sample at its cued range (the satellite cue in force, data/detection.csv)
    against the object there: the boosting missile before burnout, the warhead after. Returns
    the summary block: the ranges, the mask, the first sample seen in boost and after it.
    """
    booster = detection_value("booster_rcs_m2", estimate)
    warhead = detection_value("rv_rcs_m2", estimate)
    cued = detection_value("cued_range_factor", estimate)
    spec = replace(radar, range_m=radar.range_m * cued)
    burnout = float(summary["burn_time_s"]) if summary["boost"] else 0.0
    samples = summary["samples"]
    t = np.array([x["time_s"] for x in samples])
    lon = np.array([x["lon_deg"] for x in samples])
    lat = np.array([x["lat_deg"] for x in samples])
    alt = np.array([x["alt_km"] for x in samples]) * 1000.0
    ru = np.asarray(unit_vectors(radar.lon_deg, radar.lat_deg), float)
    pu = np.asarray(unit_vectors(lon, lat), float).reshape(-1, 3)
    r1 = (EARTH_RADIUS_M + radar.height_m) * ru
    pos = (EARTH_RADIUS_M + alt)[:, None] * pu
    los = pos - r1
    slant = np.linalg.norm(los, axis=1)
    elev = np.degrees(np.arcsin(np.clip(los @ ru / np.maximum(slant, 1.0), -1.0, 1.0)))
    in_boost = t < burnout
    seen = np.zeros(t.size, bool)
    for rcs, rows in ((booster, in_boost), (warhead, ~in_boost)):
        if rows.any():
            ra = RadarAssumptions(target_rcs_m2=rcs, k_factor=1.0)
            seen[rows] = visible(spec, lon[rows], lat[rows], alt[rows], ra)
    for k, x in enumerate(samples):
        x.update(
            {
                "slant_km": round(float(slant[k]) / 1000.0, 1),
                "elevation_deg": round(float(elev[k]), 2),
                "in_boost": bool(in_boost[k]),
                "seen": bool(seen[k]),
            }
        )

    def first(mask: Any) -> float | None:
        idx = np.flatnonzero(mask)
        return round(float(t[idx[0]]), 2) if idx.size else None

    def km(rcs: float) -> float:
        return round(scaled_range_m(spec.range_m, radar.reference_rcs_m2, rcs) / 1000.0, 1)

    return {
        "radar": radar_name,
        "cued_range_km_booster": km(booster),
        "cued_range_km_warhead": km(warhead),
        "elevation_mask_deg": radar.min_elevation_deg,
        "sector": None
        if radar.boresight_deg is None or radar.fov_deg >= 360.0
        else {"boresight_deg": radar.boresight_deg, "fov_deg": radar.fov_deg},
        "burnout_s": burnout,
        "first_seen_in_boost_s": first(seen & in_boost),
        "first_seen_warhead_s": first(seen & ~in_boost),
        # What --boost-track-needs-warhead asks of a boost track: the warhead in view at the
        # first sample at or after burnout (None: no boost phase, or no sample after it).
        "warhead_in_view_at_burnout": (
            bool(seen[np.argmax(~in_boost)]) if (~in_boost).any() and in_boost.any() else None
        ),
        "assumptions": (
            f"{estimate} case of data/detection.csv: booster {booster:g} m² before burnout, "
            f"warhead {warhead:g} m² after it, cued range ×{cued:g} (the satellite cue in force); "
            "k = 1 (exo-atmospheric geometry); elevation above the radar's horizontal"
        ),
    }
