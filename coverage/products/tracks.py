"""Threat ground tracks from each launch point to each target, with the engagement timeline."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from coverage.catalogue.analysis import load_cities
from coverage.catalogue.tables import Catalogue
from coverage.physics import engagement as eng
from coverage.physics import radar as radar_mod
from coverage.physics.ballistics import _plane_basis, lonlat_from_unit, unit_vectors
from coverage.physics.engagement import ThreatSpec, engage
from coverage.physics.geodesy import EARTH_RADIUS_M
from coverage.scenario import DefenceQuery, FootprintOptions, deployed_for, resolve

__all__ = ["Status", "threat_tracks"]

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
        sites), ``defended_by`` (site names), ``burnout_s`` (the threat's burnout on this
        flight), ``warhead_detection_s`` (the first time any radar sees the warhead itself,
        the one-RCS model's detection: ``nan`` if never; with a booster RCS the first detection
        may be of the booster, and the track may rest on it alone), and ``label``.
    """
    setup = resolve(catalogue, options, query)
    points, threat, sites, assumptions = (
        setup.launch_frame(),
        setup.threat,
        setup.sites,
        setup.assumptions,
    )
    if targets is None:
        cities = load_cities()
        members = catalogue.nato_members_in(options.year)
        targets = cities[cities.is_capital & cities.iso3.isin(members)]
    targets = targets.reset_index(drop=True)

    def run(a: eng.EngagementAssumptions) -> eng.EngagementResult:
        return engage(
            points.lon_deg,
            points.lat_deg,
            targets.lon_deg,
            targets.lat_deg,
            radars=setup.radars,
            sites=sites,
            threat=threat,
            assumptions=a,
        )

    res = run(assumptions)
    # With a booster RCS the first detection may be of the boosting missile: when the warhead
    # itself is first seen (if ever) and each flight's burnout, for the labels.
    n_p, n_t = res.detection_time_s.shape
    warhead = res.detection_time_s
    if radar_mod.boost_phase(assumptions.radar) is not None:
        one_rcs = replace(assumptions.radar, booster_rcs_m2=None, boost_track_needs_warhead=False)
        warhead = run(replace(assumptions, radar=one_rcs)).detection_time_s
    burnout = np.full((n_p, n_t), np.nan)
    t_lon = np.asarray(targets.lon_deg, float)
    t_lat = np.asarray(targets.lat_deg, float)
    for p, (plon, plat) in enumerate(zip(points.lon_deg, points.lat_deg, strict=True)):
        order, blocks = eng.threat_tracks(
            (float(plon), float(plat)), t_lon, t_lat, threat, assumptions.time_step_s
        )
        if order.size:
            burnout[p, order] = np.concatenate([b.burnout_s for b in blocks])
    deps = deployed_for(catalogue, options)
    site_names = dict(
        zip(deps.deployment_id, deps.site_name + " (" + deps.system_name + ")", strict=True)
    )
    radar_names = [site_names.get(i, i) for i in setup.radar_ids]
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
                    int(np.nanargmin(res.radar_detection_s[p, : len(setup.radar_ids), i]))
                ]
            window = ""
            if np.isfinite(first).any():
                window = f"{np.nanmin(first):.0f}-{np.nanmax(last):.0f}"
            defended_by = ", ".join(
                site_names.get(sites[k].key, sites[k].key) for k in np.flatnonzero(ok_sites)
            )
            ground_km = float(psi[0]) * EARTH_RADIUS_M / 1000.0
            flight = float(res.flight_time_s[p, i])
            seen_rv = float(warhead[p, i]) if reach else math.nan
            bo = float(burnout[p, i]) if reach else math.nan
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
                    "burnout_s": round(bo, 1),
                    "warhead_detection_s": round(seen_rv, 1)
                    if math.isfinite(seen_rv)
                    else float("nan"),
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
                        bo,
                        seen_rv,
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
        "burnout_s",
        "warhead_detection_s",
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
    burnout: float = math.nan,
    warhead_seen: float = math.nan,
) -> str:
    head = f"{launch} → {target}: {ground_km:,.0f} km"
    if status == "out of reach":
        return f"{head}, beyond the {threat.max_range_m / 1000:,.0f} km threat range (out of reach)"
    text = f"{head}, {flight_s / 60:.1f} min flight; "
    if not math.isfinite(det):
        text += "never detected; "
    elif det < burnout and not warhead_seen <= det:
        # Seen as the boosting missile: say so, and whether the warhead is ever seen.
        rv = (
            f"the warhead first seen at {warhead_seen:.0f} s"
            if math.isfinite(warhead_seen)
            else "the warhead itself never in any radar's range"
        )
        text += (
            f"first detected at {det:.0f} s by {det_by}, in boost ({burnout - det:.0f} s before "
            f"burnout; {rv}); "
        )
    else:
        text += f"first detected at {det:.0f} s by {det_by}; "
    if window:
        text += f"intercept possible {window} s after launch; "
    text += f"{status}" + (f" by {defended_by}" if defended_by else "")
    return text
