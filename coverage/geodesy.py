"""Geodesic rings, sectors and distances on the WGS84 ellipsoid (pyproj.Geod).

Every footprint in this project is drawn here: vertices come from the direct geodesic
problem on the ellipsoid, so the distance from the site to every vertex is exact, and the
vertex spacing keeps the straight lon/lat segments between them within 0.1 % of the radius.
Polygons that enclose a pole or cross the antimeridian are closed through the pole and split
at +-180 degrees, so they stay valid in EPSG:4326.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EARTH_RADIUS_M",
    "GEOD",
    "MAX_RADIUS_M",
    "destination",
    "distance_m",
    "geodesic_area_m2",
    "great_circle_track",
    "ring",
    "sector",
    "vertex_count",
]

GEOD = Geod(ellps="WGS84")
#: Mean Earth radius (IUGG), used by the spherical models in radar and ballistics.
EARTH_RADIUS_M = 6_371_008.8
#: Largest radius accepted: just under half the meridian circumference, beyond which a "ring"
#: would wrap around the far side of the Earth.
MAX_RADIUS_M = 19_900_000.0
#: Target spacing between ring vertices along the arc.
_VERTEX_SPACING_M = 15_000.0
_MIN_VERTICES = 96
_MAX_VERTICES = 1440


def _check_point(lon_deg: float, lat_deg: float) -> None:
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 180.0):
        raise ValueError(f"lon_deg={lon_deg!r} is outside the allowed range -180..180")
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise ValueError(f"lat_deg={lat_deg!r} is outside the allowed range -90..90")


def _check_radius(radius_m: float) -> None:
    if not (math.isfinite(radius_m) and 0.0 <= radius_m <= MAX_RADIUS_M):
        raise ValueError(
            f"radius_m={radius_m!r} is outside the allowed range 0..{MAX_RADIUS_M:.0f}"
        )


def vertex_count(radius_m: float, arc_deg: float = 360.0) -> int:
    """Number of arc vertices for a ring or sector of this radius.

    Spacing is about 15 km along the arc, between 96 and 1440 vertices for a full circle
    (scaled by ``arc_deg / 360`` for sectors). With that spacing the mid-point of every
    straight lon/lat edge stays within 0.1 % of the radius (see ``tests/test_geodesy.py``).
    """
    circumference_m = (
        2.0 * math.pi * EARTH_RADIUS_M * math.sin(min(radius_m / EARTH_RADIUS_M, math.pi / 2))
    )
    n_full = int(
        np.clip(math.ceil(circumference_m / _VERTEX_SPACING_M), _MIN_VERTICES, _MAX_VERTICES)
    )
    return max(8, math.ceil(n_full * arc_deg / 360.0))


def destination(
    lon_deg: ArrayLike, lat_deg: ArrayLike, azimuth_deg: ArrayLike, distance_m: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points reached from ``(lon, lat)`` along ``azimuth`` (clockwise from north) after ``distance``."""
    lon_a, lat_a, az_a, d_a = np.broadcast_arrays(
        np.asarray(lon_deg, float),
        np.asarray(lat_deg, float),
        np.asarray(azimuth_deg, float),
        np.asarray(distance_m, float),
    )
    lon2, lat2, _ = GEOD.fwd(lon_a.ravel(), lat_a.ravel(), az_a.ravel(), d_a.ravel())
    return np.asarray(lon2).reshape(lon_a.shape), np.asarray(lat2).reshape(lon_a.shape)


def distance_m(
    lon1_deg: ArrayLike, lat1_deg: ArrayLike, lon2_deg: ArrayLike, lat2_deg: ArrayLike
) -> NDArray[np.float64]:
    """Geodesic distance on WGS84 (pyproj inverse solution), metres."""
    a = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg))
    )
    _, _, dist = GEOD.inv(*(v.ravel() for v in a))
    return np.asarray(dist).reshape(a[0].shape)


def great_circle_track(
    lon1_deg: float, lat1_deg: float, lon2_deg: float, lat2_deg: float, n_points: int = 64
) -> NDArray[np.float64]:
    """``(n_points, 2)`` array of lon/lat points along the geodesic, end points included."""
    if n_points < 2:
        raise ValueError(f"n_points={n_points} must be at least 2")
    inner = GEOD.npts(lon1_deg, lat1_deg, lon2_deg, lat2_deg, n_points - 2) if n_points > 2 else []
    return np.array([(lon1_deg, lat1_deg), *inner, (lon2_deg, lat2_deg)], dtype=float)


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid of a lon/lat (EPSG:4326) polygon or multipolygon, m²."""
    if geometry.is_empty:
        return 0.0
    area, _ = GEOD.geometry_area_perimeter(geometry)
    return abs(float(area))


def ring(
    lon_deg: float, lat_deg: float, radius_m: float, *, n_vertices: int | None = None
) -> BaseGeometry:
    """Geodesic disc of ``radius_m`` around a point, as a lon/lat polygon.

    Parameters
    ----------
    lon_deg, lat_deg
        Centre, degrees (WGS84).
    radius_m
        Geodesic radius, metres, 0 to ``MAX_RADIUS_M``. Zero gives an empty polygon.
    n_vertices
        Override the automatic vertex count.

    Returns
    -------
    Polygon or MultiPolygon
        Valid geometry in EPSG:4326; a MultiPolygon when the disc crosses the antimeridian.
    """
    _check_point(lon_deg, lat_deg)
    _check_radius(radius_m)
    if radius_m == 0.0:
        return Polygon()
    n = n_vertices or vertex_count(radius_m)
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lon, lat = destination(lon_deg, lat_deg, az, radius_m)
    return _to_lonlat_polygon(lon, lat, lat_deg)


def sector(
    lon_deg: float,
    lat_deg: float,
    radius_m: float,
    *,
    boresight_deg: float,
    width_deg: float,
    n_vertices: int | None = None,
) -> BaseGeometry:
    """Geodesic sector (pie wedge) of ``radius_m`` centred on ``boresight_deg``.

    Parameters
    ----------
    boresight_deg
        Centre azimuth, degrees clockwise from true north; any value, taken modulo 360.
    width_deg
        Full angular width, degrees, in (0, 360]. 360 gives the full ``ring``.

    Notes
    -----
    Sectors that cross north (e.g. boresight 350 degrees, width 60 degrees) are handled by
    building the arc with increasing azimuth through 360.
    """
    _check_point(lon_deg, lat_deg)
    _check_radius(radius_m)
    if not (math.isfinite(width_deg) and 0.0 < width_deg <= 360.0):
        raise ValueError(f"width_deg={width_deg!r} is outside the allowed range (0, 360]")
    if not math.isfinite(boresight_deg):
        raise ValueError(f"boresight_deg={boresight_deg!r} must be a finite number")
    if width_deg >= 360.0:
        return ring(lon_deg, lat_deg, radius_m, n_vertices=n_vertices)
    if radius_m == 0.0:
        return Polygon()
    n = n_vertices or vertex_count(radius_m, width_deg)
    start = boresight_deg - width_deg / 2.0
    az = np.linspace(start, start + width_deg, n + 1)
    lon_arc, lat_arc = destination(lon_deg, lat_deg, az, radius_m)
    # Radial edges are geodesics too: densify them so long sides stay on the great circle.
    n_radial = max(2, math.ceil(radius_m / 50_000.0))
    fractions = np.linspace(0.0, 1.0, n_radial + 1)[1:-1]
    lon_out, lat_out = destination(
        lon_deg, lat_deg, np.full_like(fractions, az[0]), fractions * radius_m
    )
    lon_in, lat_in = destination(
        lon_deg, lat_deg, np.full_like(fractions, az[-1]), fractions[::-1] * radius_m
    )
    lon = np.concatenate([[lon_deg], lon_out, lon_arc, lon_in])
    lat = np.concatenate([[lat_deg], lat_out, lat_arc, lat_in])
    return _to_lonlat_polygon(lon, lat, lat_deg)


def _to_lonlat_polygon(
    lon: NDArray[np.float64], lat: NDArray[np.float64], centre_lat_deg: float
) -> BaseGeometry:
    """Close a lon/lat vertex loop into a valid EPSG:4326 (multi)polygon.

    Longitudes are unwrapped so consecutive vertices differ by less than 180 degrees; a loop
    whose longitudes advance by a full turn encloses a pole and is closed along that pole;
    the result is cut into [-180, 180] windows and shifted back.
    """
    lon_u = np.degrees(np.unwrap(np.radians(lon)))
    closing = lon_u[0] - lon_u[-1]
    closing = (closing + 180.0) % 360.0 - 180.0
    turn = lon_u[-1] + closing - lon_u[0]
    coords = list(zip(lon_u, lat, strict=True))
    if abs(turn) > 180.0:
        # The loop winds around a pole: pick the one it encloses (the pole on the centre's side).
        pole_lat = 90.0 if centre_lat_deg >= 0.0 else -90.0
        end_lon = lon_u[-1] + closing
        coords += [(end_lon, pole_lat), (lon_u[0], pole_lat)]
    poly = shapely.make_valid(Polygon(coords))
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        part = poly.intersection(window)
        if not part.is_empty:
            pieces.append(affinity.translate(part, xoff=shift))
    merged = shapely.union_all(pieces) if pieces else Polygon()
    polys = [
        g for g in getattr(merged, "geoms", [merged]) if isinstance(g, Polygon) and not g.is_empty
    ]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
