"""What ``python -m coverage trajectory`` reports for a threat flight with boost and rotation.

Joins the sourced boost parameters (``data/threat_boost.csv``) to the physics of
:mod:`coverage.physics.threat_flight` and returns a plain dict with units in the key names and
the assumptions spelled out, so the CLI only prints it. ``rotation`` and ``boost`` switch the
two effects off to show what they change.
"""

from __future__ import annotations

import math
from typing import Any

from coverage.catalogue.analysis import load_threat_boost
from coverage.physics.ballistics import Shape, central_angle_rad
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.physics.threat_flight import (
    OMEGA_EARTH_RADPS,
    earth_fixed_positions,
    fly,
)
from coverage.scenario import boost_programme, class_for_range_m, thrust_termination_words

__all__ = ["boost_programme", "class_for_range_m", "trajectory_summary"]


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
