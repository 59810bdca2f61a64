"""Slide-ready static images (PNG, SVG, PDF) of one map state; the only module importing matplotlib.

Every image is drawn from a :class:`~coverage.products.mapdata.MapData`, the same object the dashboard
draws, so an exported image shows exactly the layers, features and numbers of the dashboard
map for that state. The map is drawn in an equal-area projection (EPSG:3035 for the Europe
view, a north-polar Lambert azimuthal equal-area projection, EPSG:3575, for the wide view) and
carries the elements of a briefing map: caveat banners at top and bottom, title, phase banner,
legend listing only the layers drawn, scale bar, graticule, projection note, source line, data
date, assumptions and a neatline.

Matplotlib is used through ``Figure`` and ``FigureCanvasAgg`` only (no pyplot state); it is not
thread-safe, so one module lock serialises rendering inside a multi-user Streamlit server.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from pyproj import Geod, Transformer
from shapely.geometry import LineString, box

from coverage.catalogue import basemap
from coverage.catalogue.tables import data_date
from coverage.physics.geodesy import projection
from coverage.products.compare import state_tags_words
from coverage.products.footprints import early_warning_points
from coverage.products.headline import (
    CAPITAL_STATUSES,
    MAJOR_CITY_WORDS,
    defended_list_text,
    naming_order,
)
from coverage.products.mapdata import CHOICES_HEADING
from coverage.products.sectoral import sector_title
from coverage.style import (
    BAND_SHADES,
    CAVEAT,
    CITY_DOT_SCALE,
    COMPARE_STYLES,
    LAUNCH_RING_GAP_PX,
    LAYER_ORDER,
    LAYER_STYLES,
    PROBABILITY_CLASSES,
    SECTOR_STYLES,
    STATUS_COLOURS,
    STATUS_WORDS,
    TRACK_LINESTYLES,
    TRACK_STATUS_COLOURS,
    WHATIF_SITE_COLOUR,
    LayerStyle,
    band_shade_alpha,
    blend,
    site_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Text

    from coverage.products.mapdata import MapData

__all__ = [
    "FORMATS",
    "PRINT_A4_300DPI",
    "SCREEN_1080P",
    "SOURCES_LINE",
    "hatch_colour",
    "ImageFormat",
    "ImageSize",
    "projection_note",
    "render",
    "render_array",
]

ImageFormat = Literal["png", "svg", "pdf"]
FORMATS: tuple[ImageFormat, ...] = ("png", "svg", "pdf")

SOURCES_LINE = (
    "Sources: see data/README.md — State Dept EPAA fact sheet, USCC 2016, NRC 2012, EUCOM, "
    "NavalToday, "
    "Arms Control Today, keeptrack.space; basemap Natural Earth."
)

# Basemap colours: the same as the dashboard map (coverage.render.layers), which pydeck keeps private.
_SEA = "#DCE6EE"
_LAND = "#F8F8F6"
_BORDER = "#787878"
_GRATICULE = "#B9C9D6"
_BANNER = "#3A3A3A"
_SITE_CUSTOM = WHATIF_SITE_COLOUR  # custom (what-if) sites: the dashboard's fill for them

# Layout is specified in pixels of a 1920x1080 reference slide and scaled with the image.
_REF_W_PX, _REF_H_PX = 1920.0, 1080.0
_SITE_MARKER_PX, _LAUNCH_MARKER_PX, _EARLY_WARNING_MARKER_PX = 13.0, 11.0, 10.0
#: Capital dots: filled when defended, a ring when in reach and not defended, small grey out of
#: reach (the dashboard's map draws them the same way, coverage/render/layers.py).
_CAPITAL_MARKER_PX = {"defended": 10.0, "not defended": 10.0, "out of reach": 6.0}
_LEGEND_ORDER = (
    "sites",
    "launch",
    "radar",
    "interceptor",
    "defended",
    "early_warning",
    "tracks",
    "nato",
)
_WGS84 = Geod(ellps="WGS84")
_LOCK = threading.RLock()
_RC = {
    # Names may come from users: "$...$" must print as typed, never parse as mathtext.
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "epaa-coverage",
    # TrueType (Type 42, subset), not Type 3: print shops and older viewers render Type 3 text
    # poorly (a review of the PDF export).
    "pdf.fonttype": 42,
    "hatch.linewidth": 1.0,
}


@dataclass(frozen=True)
class ImageSize:
    """Pixel size and resolution of an exported image.

    Attributes
    ----------
    width_px, height_px
        Exact size of the raster (PNG) or of the page at ``dpi`` (SVG, PDF), 200 to 20,000 px.
    dpi
        Dots per inch: sets the physical page size of SVG and PDF and the pixel size of a point.
    """

    width_px: int = 1920
    height_px: int = 1080
    dpi: float = 100.0

    def __post_init__(self) -> None:
        for name in ("width_px", "height_px"):
            value = getattr(self, name)
            if not (isinstance(value, int | np.integer) and 200 <= value <= 20_000):
                raise ValueError(f"{name}={value!r} is outside the allowed range 200..20000 px")
        if self.width_px * self.height_px > 80_000_000:
            raise ValueError(
                f"width_px x height_px = {self.width_px * self.height_px:,} px "
                "exceeds 80,000,000 px"
            )
        if not (math.isfinite(self.dpi) and 20.0 <= self.dpi <= 1200.0):
            raise ValueError(f"dpi={self.dpi!r} is outside the allowed range 20..1200")


#: A full-HD slide (16:9).
SCREEN_1080P = ImageSize(1920, 1080, 100.0)
#: A4 landscape at 300 dpi for print.
PRINT_A4_300DPI = ImageSize(3508, 2480, 300.0)


@dataclass(frozen=True)
class _ViewSpec:
    crs: str
    note: str
    # Points (lon, lat) the map must show; the extent grows to the map's aspect ratio around them.
    content_lonlat: tuple[tuple[float, float], ...]
    # Basemap clip in lon/lat (west, south, east, north), applied before projecting.
    clip_lonlat: tuple[float, float, float, float]
    graticule_lon_deg: tuple[float, float]
    graticule_lat_deg: tuple[float, float]
    # Share of any extra width (beyond the content) added on the west side.
    west_share: float = 0.5


_VIEWS: dict[str, _ViewSpec] = {
    "europe": _ViewSpec(
        crs="EPSG:3035",
        note="Lambert azimuthal equal-area, EPSG:3035",
        content_lonlat=(
            (-14.0, 37.0),
            (-11.0, 53.0),
            (-24.0, 64.5),
            (28.0, 71.2),
            (45.0, 68.5),
            (56.5, 37.0),
            (50.0, 30.5),
            (18.0, 29.5),
            (-6.0, 33.0),
        ),
        clip_lonlat=(-75.0, 0.0, 110.0, 90.0),
        graticule_lon_deg=(-70.0, 110.0),
        graticule_lat_deg=(0.0, 80.0),
        west_share=0.62,  # the Atlantic takes the slack (scale bar, year stamp); the east matters
    ),
    "wide": _ViewSpec(
        crs="EPSG:3575",
        note="Lambert azimuthal equal-area, north-polar, EPSG:3575",
        content_lonlat=(
            (-78.0, 37.0),
            (-95.0, 47.0),
            (-150.0, 70.0),
            (120.0, 68.0),
            (60.0, 25.0),
            (40.0, 26.0),
            (10.0, 28.0),
            (-15.0, 27.0),
        ),
        clip_lonlat=(-180.0, -12.0, 180.0, 90.0),
        graticule_lon_deg=(-180.0, 180.0),
        graticule_lat_deg=(0.0, 80.0),
    ),
}

# Basemap simplification tolerance: under half a pixel even on an A4 print at 300 dpi.
_SIMPLIFY_M = 800.0
# The Europe basemap is Natural Earth 1:50m clipped to this box; the 1:110m world fills in beyond.
_EUROPE_BOX_DEG = (-32.0, 24.0, 66.0, 73.0)


def projection_note(view: str) -> str:
    """Return the projection line printed on images of ``view`` (``"europe"`` or ``"wide"``)."""
    return _spec(view).note


def _spec(view: str) -> _ViewSpec:
    try:
        return _VIEWS[view]
    except KeyError:
        raise ValueError(f"view={view!r} is not one of {', '.join(_VIEWS)}") from None


def _fmt_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


# --------------------------------------------------------------------------------------------
# Geometry: projection and conversion to matplotlib paths (cached per view for the basemap)
# --------------------------------------------------------------------------------------------


def _transformer(crs: str) -> Transformer:
    return projection("EPSG:4326", crs)


def _project(geoms: Iterable[Any], crs: str, *, segment_deg: float | None = None) -> np.ndarray:
    """Project EPSG:4326 shapely geometries to ``crs``; non-finite results become empty."""
    arr = np.asarray(list(geoms), dtype=object)
    if arr.size == 0:
        return arr
    if segment_deg is not None:
        # Straight lon/lat edges (clip lines, parallels) must bend in the projection.
        arr = shapely.segmentize(arr, segment_deg)
    tr = _transformer(crs)

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out = shapely.transform(arr, fwd)
    bad = ~np.array([g is None or np.isfinite(shapely.get_coordinates(g)).all() for g in out])
    out[bad] = None
    return out


def _polygon_path(geom: Any) -> Path | None:
    """One compound :class:`Path` for a (multi)polygon, holes included (even-odd safe)."""
    if geom is None or geom.is_empty:
        return None
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            c = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return Path(np.concatenate(verts), np.concatenate(codes))


def _line_segments(geom: Any) -> list[np.ndarray]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = geom.boundary
    return [np.asarray(g.coords) for g in getattr(geom, "geoms", [geom]) if len(g.coords) >= 2]


@dataclass(frozen=True)
class _Basemap:
    view: str
    source: gpd.GeoDataFrame  # the frame it was built from (identity check on the fast path)
    land: list[Path]
    by_iso3: dict[str, list[Path]]
    borders: list[np.ndarray]
    graticule: list[np.ndarray]


_BASEMAPS: dict[tuple[Any, ...], _Basemap] = {}


def _fingerprint(frame: gpd.GeoDataFrame) -> tuple[Any, ...]:
    """Return a cheap content key of a basemap frame.

    A copy of the same basemap (Streamlit's ``cache_data`` hands out copies) must find the
    projected basemap built for the original.
    """
    bounds = tuple(np.round(frame.total_bounds, 6)) if len(frame) else ()
    return (len(frame), tuple(frame.iso3), bounds, int(frame.geometry.count_coordinates().sum()))


def _basemap(view: str, countries: gpd.GeoDataFrame) -> _Basemap:
    """Project country paths, borders and graticule for ``view`` (once per view and frame)."""
    for cached in _BASEMAPS.values():
        if cached.source is countries and cached.view == view:
            return cached
    key = (view, *_fingerprint(countries))
    if key in _BASEMAPS:
        return _BASEMAPS[key]
    spec = _spec(view)
    clip = box(*spec.clip_lonlat)
    # Edges that are cuts, not coastlines or borders: the clip box, the antimeridian and (Europe)
    # the seam between the 1:50m Europe box and the 1:110m fill-in. No outline is drawn on them.
    seams = [
        clip.boundary,
        LineString([(180.0, -90.0), (180.0, 90.0)]),
        LineString([(-180.0, -90.0), (-180.0, 90.0)]),
    ]
    frames = [countries[["iso3", "geometry"]]]
    if view == "europe":
        # Beyond the 1:50m Europe box, fill in with the 1:110m world so no land ends abruptly.
        world = basemap.countries("world")
        outside = world.geometry.difference(box(*_EUROPE_BOX_DEG))
        frames.append(gpd.GeoDataFrame({"iso3": world.iso3}, geometry=outside, crs=world.crs))
        seams.append(box(*_EUROPE_BOX_DEG).boundary)
    seam = shapely.union_all(seams).buffer(1e-4)
    land: list[Path] = []
    by_iso3: dict[str, list[Path]] = {}
    border_geoms = []
    for frame in frames:
        clipped = shapely.intersection(np.asarray(frame.geometry.values, dtype=object), clip)
        border_geoms += list(shapely.difference(shapely.boundary(clipped), seam))
        projected = shapely.simplify(
            _project(clipped, spec.crs, segment_deg=0.5), _SIMPLIFY_M, preserve_topology=True
        )
        for iso3, geom in zip(frame.iso3, projected, strict=True):
            path = _polygon_path(geom)
            if path is not None:
                land.append(path)
                by_iso3.setdefault(str(iso3), []).append(path)
    projected_borders = shapely.simplify(
        _project(border_geoms, spec.crs, segment_deg=0.5), _SIMPLIFY_M
    )
    borders = [seg for g in projected_borders for seg in _line_segments(g)]
    lines = []
    lon0, lon1 = spec.graticule_lon_deg
    lat0, lat1 = spec.graticule_lat_deg
    for lon in np.arange(lon0, lon1 + 0.1, 10.0):
        lines.append(LineString([(lon, lat0), (lon, lat1)]))
    for lat in np.arange(max(lat0, 10.0), lat1 + 0.1, 10.0):
        lines.append(LineString([(lon0, lat), (lon1, lat)]))
    graticule = [
        seg for g in _project(lines, spec.crs, segment_deg=1.0) for seg in _line_segments(g)
    ]
    built = _Basemap(view, countries, land, by_iso3, borders, graticule)
    if len(_BASEMAPS) >= 8:
        _BASEMAPS.clear()
    _BASEMAPS[key] = built
    return built


@lru_cache(maxsize=4)
def _content_box_m(view: str) -> tuple[float, float, float, float]:
    spec = _spec(view)
    lon, lat = np.array(spec.content_lonlat).T
    x, y = _transformer(spec.crs).transform(lon, lat)
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def _extent_m(
    view: str,
    aspect: float,
    drawn: tuple[float, float, float, float] | None = None,
) -> tuple[float, float, float, float]:
    """Map extent (x0, x1, y0, y1) in projected metres holding the view's content at ``aspect``.

    ``drawn`` (x0, y0, x1, y1, projected metres) is the box of the drawn layers: the extent
    grows to hold it too, so no ring or sector is cut at the neatline at any aspect ratio.
    """
    x0, y0, x1, y1 = _content_box_m(view)
    if drawn is not None and all(math.isfinite(v) for v in drawn):
        # A little room beyond the outermost line for its stroke.
        pad = 0.01 * max(drawn[2] - drawn[0], drawn[3] - drawn[1])
        x0, y0 = min(x0, drawn[0] - pad), min(y0, drawn[1] - pad)
        x1, y1 = max(x1, drawn[2] + pad), max(y1, drawn[3] + pad)
    cy = (y0 + y1) / 2.0
    w0 = (x1 - x0) * 1.02
    w, h = w0, (y1 - y0) * 1.04
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    west = x0 - (w0 - (x1 - x0)) / 2.0 - (w - w0) * _spec(view).west_share
    return west, west + w, cy - h / 2.0, cy + h / 2.0


def _inverse(crs: str) -> Transformer:
    return projection(crs, "EPSG:4326")


def _scale_m_per_map_m(crs: str, x_m: float, y_m: float) -> float:
    """Ground metres per projected metre along the map's x axis at (x_m, y_m)."""
    d = 20_000.0
    (lon_a, lon_b), (lat_a, lat_b) = _inverse(crs).transform([x_m - d / 2, x_m + d / 2], [y_m, y_m])
    _, _, ground_m = _WGS84.inv(lon_a, lat_a, lon_b, lat_b)
    return float(ground_m) / d


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sizes:
    """Pixel sizes scaled to the image; ``pt`` converts pixels to points."""

    scale: float
    font: float
    line: float
    dpi: float
    marker: float = 1.0

    def px(self, ref_px: float) -> float:
        return ref_px * self.scale

    def pt(self, ref_px: float) -> float:
        return ref_px * self.scale * 72.0 / self.dpi

    def fpt(self, ref_px: float) -> float:
        """Font size in points for a font ``ref_px`` pixels high on the reference slide."""
        return self.pt(ref_px * self.font)

    def lpt(self, ref_px: float) -> float:
        """Line width in points for a line ``ref_px`` wide on the reference slide."""
        return self.pt(ref_px * self.line)


def _rgba(colour: str, alpha: float) -> tuple[float, float, float, float]:
    r, g, b, _ = matplotlib.colors.to_rgba(colour)
    return (r, g, b, alpha)


def hatch_colour(colour: str) -> tuple[float, float, float, float]:
    """The colour hatch lines of a ``colour`` fill are drawn in: the same hue, darker.

    Drawn in the fill colour itself the hatch vanishes wherever the fill is opaque (SVG
    patterns paint their background in the fill colour), so it is darkened to 55 %.
    """
    r, g, b, _ = matplotlib.colors.to_rgba(colour)
    return (0.55 * r, 0.55 * g, 0.55 * b, 1.0)


def _polygons(
    ax: Axes,
    geoms: Sequence[Any],
    key: str,
    crs: str,
    sz: _Sizes,
    zorder: float,
    style: LayerStyle | None = None,
) -> bool:
    """Draw one polygon layer in its style; return whether anything was drawn."""
    style = style or LAYER_STYLES[key]
    paths = [p for p in (_polygon_path(g) for g in _project(geoms, crs)) if p is not None]
    if not paths:
        return False
    # A shape holding a pole or crossing the antimeridian is closed in lon/lat along the pole's
    # parallel and cut at +-180 (coverage.physics.geodesy): those edges are not its outline,
    # and projected they ran as a straight line from the ring to the pole (the Third Site's
    # 5,300 km GBI ring on a slide, new-user trial). Such shapes are filled without an edge,
    # and their outline is drawn from their boundary less those cuts.
    seamed = [g for g in geoms if _on_seam(g)]
    width = sz.lpt(_outline_px(key, style))
    coll = PathCollection(
        paths,
        facecolors=[_rgba(style.colour, style.fill_alpha)],
        edgecolors=["none" if seamed else _rgba(style.colour, 1.0)],
        linewidths=width,
        linestyles=style.line_style,
        hatch=style.hatch or None,
        zorder=zorder,
    )
    if style.hatch:
        coll.set_hatchcolor(hatch_colour(style.colour))
        coll.set_hatch_linewidth(sz.lpt(1.0))
    ax.add_collection(coll, autolim=False)
    if seamed:
        outlines = [
            shapely.difference(g.boundary, _SEAMS) if _on_seam(g) else g.boundary
            for g in geoms
            if g is not None and not g.is_empty
        ]
        segments = [seg for g in _project(outlines, crs) for seg in _line_segments(g)]
        ax.add_collection(
            LineCollection(
                segments,
                colors=[_rgba(style.colour, 1.0)],
                linewidths=width,
                linestyles=style.line_style,
                zorder=zorder,
            ),
            autolim=False,
        )
    return True


#: The lon/lat cuts of a shape that holds a pole or crosses the antimeridian (a hair wide).
_SEAMS = shapely.union_all(
    [
        LineString([(180.0, -90.0), (180.0, 90.0)]),
        LineString([(-180.0, -90.0), (-180.0, 90.0)]),
        LineString([(-180.0, 90.0), (180.0, 90.0)]),
        LineString([(-180.0, -90.0), (180.0, -90.0)]),
    ]
).buffer(1e-7)


def _on_seam(geom: Any) -> bool:
    """Whether ``geom`` (EPSG:4326) reaches the antimeridian or a pole, where it is cut."""
    if geom is None or geom.is_empty:
        return False
    x0, y0, x1, y1 = geom.bounds
    return x0 <= -180.0 + 1e-9 or x1 >= 180.0 - 1e-9 or y0 <= -90.0 + 1e-9 or y1 >= 90.0 - 1e-9


_PROBABILITY_ALPHA = 0.8


def _probability(ax: Axes, frame: gpd.GeoDataFrame, crs: str, zorder: float) -> bool:
    """Draw the "probability defended" classes, each in its colour of the sequential scale."""
    drawn = False
    for geom, colour in zip(frame.geometry, frame.colour, strict=True):
        paths = [p for p in (_polygon_path(g) for g in _project([geom], crs)) if p is not None]
        if not paths:
            continue
        ax.add_collection(
            PathCollection(
                paths,
                facecolors=[_rgba(str(colour), _PROBABILITY_ALPHA)],
                edgecolors="none",
                zorder=zorder,
            ),
            autolim=False,
        )
        drawn = True
    return drawn


def _lines(
    ax: Axes,
    geoms: Sequence[Any],
    key: str,
    crs: str,
    sz: _Sizes,
    zorder: float,
    statuses: Sequence[str] | None = None,
) -> bool:
    """Draw one line layer (tracks) in its style; return whether anything was drawn.

    With ``statuses`` (threat tracks), each line takes its status colour and line style.
    """
    style = LAYER_STYLES[key]
    keys = list(statuses) if statuses is not None else [""] * len(geoms)
    drawn = False
    for status in dict.fromkeys(keys):
        group = [g for g, k in zip(geoms, keys, strict=True) if k == status]
        segments = [seg for g in _project(group, crs, segment_deg=1.0) for seg in _line_segments(g)]
        if not segments:
            continue
        ax.add_collection(
            LineCollection(
                segments,
                colors=[TRACK_STATUS_COLOURS.get(status, style.colour)],
                linewidths=sz.lpt(style.line_width_px),
                linestyles=TRACK_LINESTYLES.get(status, style.line_style),
                zorder=zorder,
            ),
            autolim=False,
        )
        drawn = True
    return drawn


def _points_xy(frame: gpd.GeoDataFrame, crs: str) -> tuple[np.ndarray, np.ndarray]:
    if frame.empty:
        return np.empty(0), np.empty(0)
    x, y = _transformer(crs).transform(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    return np.asarray(x), np.asarray(y)


def _short(name: str) -> str:
    """A launch point's label: its first name ("Semnan / Imam Khomeini Spaceport": Semnan)."""
    return name.split(" (")[0].split(" / ")[0].strip()


@dataclass
class _Label:
    text: str
    x: float
    y: float
    size_pt: float
    weight: str
    required: bool
    marker_px: float
    #: What losing this label costs when an earlier label's position would take its last
    #: places (a capital's name 1, a major city's less).
    worth: float = 1.0


#: (offset sign x, offset sign y, horizontal anchor, vertical anchor) of the positions around
#: a point, in order of preference: right, left, above, below, the diagonals, then the first
#: four slid half a name along their side (right and left raised or lowered, above and below
#: to either side), which find room between close dots that the first eight do not.
_POSITIONS: tuple[tuple[float, float, str, str], ...] = (
    (1.0, 0.0, "left", "center"),
    (-1.0, 0.0, "right", "center"),
    (0.0, 1.0, "center", "bottom"),
    (0.0, -1.0, "center", "top"),
    (0.75, 0.75, "left", "bottom"),
    (0.75, -0.75, "left", "top"),
    (-0.75, 0.75, "right", "bottom"),
    (-0.75, -0.75, "right", "top"),
    (1.0, 0.0, "left", "bottom"),
    (1.0, 0.0, "left", "top"),
    (-1.0, 0.0, "right", "bottom"),
    (-1.0, 0.0, "right", "top"),
    (0.0, 1.0, "left", "bottom"),
    (0.0, 1.0, "right", "bottom"),
    (0.0, -1.0, "left", "top"),
    (0.0, -1.0, "right", "top"),
)
_ALIGN_X = {"left": 0.0, "center": 0.5, "right": 1.0}
_ALIGN_Y = {"bottom": 0.0, "center": 0.5, "top": 1.0}


#: A major city's name against a capital's, when an earlier name would take its last places.
_CITY_WORTH = 0.3


def _overlaps(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Overlap area of ``box`` (x0, y0, x1, y1) with each row of ``boxes`` (n x 4)."""
    w = np.minimum(box[2], boxes[..., 2]) - np.maximum(box[0], boxes[..., 0])
    h = np.minimum(box[3], boxes[..., 3]) - np.maximum(box[1], boxes[..., 1])
    return np.where((w > 0) & (h > 0), w * h, 0.0)


def _place_labels(
    ax: Axes, renderer: RendererBase, labels: list[_Label], obstacles: list[Bbox], sz: _Sizes
) -> None:
    """Place each name around its point, over no marker, panel or other name where it can.

    The positions are :data:`_POSITIONS`, the choice :func:`_choose_positions`'s.

    Required labels (sites) take their least-overlapping position when none is free; optional
    ones (launch areas, capitals, cities) are dropped instead. Each label is measured once.
    """
    if not labels:
        return
    ab = ax.get_window_extent(renderer)
    axes_box = np.array([ab.x0, ab.y0, ab.x1, ab.y1])
    texts = []
    cand = np.empty((len(labels), len(_POSITIONS), 4))
    offsets = np.empty((len(labels), len(_POSITIONS), 2))
    for i, lab in enumerate(labels):
        text = ax.annotate(
            lab.text,
            (lab.x, lab.y),
            xytext=(0.0, 0.0),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=lab.size_pt,
            fontweight=lab.weight,
            color="#141414",
            zorder=30,
            annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.15", "fc": (1, 1, 1, 0.82), "ec": "none"},
        )
        texts.append(text)
        extent = text.get_window_extent(renderer)
        tw, th = extent.width, extent.height
        pad = 0.15 * lab.size_pt * sz.dpi / 72.0 + 1.0
        xd, yd = ax.transData.transform((lab.x, lab.y))
        d = lab.marker_px / 2.0 + pad + sz.px(3.0)
        for k, (sx, sy, ha, va) in enumerate(_POSITIONS):
            ox, oy = sx * d, sy * d
            tx0 = xd + ox - _ALIGN_X[ha] * tw
            ty0 = yd + oy - _ALIGN_Y[va] * th
            cand[i, k] = (tx0 - pad, ty0 - pad, tx0 + tw + pad, ty0 + th + pad)
            offsets[i, k] = (ox, oy)
    static = np.array([[o.x0, o.y0, o.x1, o.y1] for o in obstacles]).reshape(-1, 4)
    required = np.array([lab.required for lab in labels])
    chosen = _choose_positions(
        cand,
        _overlaps(axes_box, cand),
        static,
        required,
        np.array([lab.worth for lab in labels]),
        _beside_another_site(cand, labels, ax, required),
    )
    for i, at in enumerate(chosen):
        if at is None:
            texts[i].remove()
            continue
        _, _, ha, va = _POSITIONS[at]
        ox, oy = offsets[i, at]
        texts[i].xyann = (ox * 72.0 / sz.dpi, oy * 72.0 / sz.dpi)
        texts[i].set_horizontalalignment(ha)  # type: ignore[arg-type]  # one of _ANCHORS
        texts[i].set_verticalalignment(va)  # type: ignore[arg-type]


def _beside_another_site(
    cand: np.ndarray, labels: list[_Label], ax: Axes, required: np.ndarray
) -> np.ndarray:
    """Which of a site's candidate boxes come within a name's height of another site's dot.

    There a name reads as the other site's: on the 2024 slide "Central Mediterranean / Ionian
    patrol", left of its dot, lay just under Naval Station Rota's dot and name (a new-user
    trial, session 42). Only the sites' (required) names are checked; False elsewhere.
    """
    near = np.zeros(cand.shape[:2], dtype=bool)
    sites = np.flatnonzero(required)
    if sites.size < 2:
        return near
    points = ax.transData.transform([(labels[i].x, labels[i].y) for i in sites])
    for row, i in enumerate(sites):
        height = float(np.median(cand[i, :, 3] - cand[i, :, 1]))
        for other, (px, py) in zip(sites, points, strict=True):
            if other == i or (px, py) == tuple(points[row]):
                continue
            dx = np.maximum(np.maximum(cand[i, :, 0] - px, px - cand[i, :, 2]), 0.0)
            dy = np.maximum(np.maximum(cand[i, :, 1] - py, py - cand[i, :, 3]), 0.0)
            near[i] |= np.hypot(dx, dy) < height
    return near


def _choose_positions(
    cand: np.ndarray,
    inside: np.ndarray,
    static: np.ndarray,
    required: np.ndarray,
    worth: np.ndarray,
    avoid: np.ndarray | None = None,
) -> list[int | None]:
    """Each label's position (an index into its candidate boxes) or ``None`` (dropped).

    ``cand`` holds each label's candidate boxes (labels x positions x 4: x0, y0, x1, y1, in
    order of preference), ``inside`` the area of each that lies on the map, ``static`` the
    boxes no label may cover (markers, the year stamp, the scale bar), ``avoid`` positions not
    to take while another is free (a site's name beside another site's dot). Labels are placed in
    their order (sites, launch areas, capitals, early-warning radars, cities; capitals and
    cities the defended first, each group largest first: ``naming_order``),
    greedily but one step ahead: of a label's free positions (on the map, over no static box
    and no placed label), it takes the one that takes least from the labels still to come, each
    of which counts, times its ``worth``, the share of its still-free positions the box covers
    (the order of the positions breaks ties). Before, the first free position was taken, and a
    site's name (Kürecik's, on the 2016 slide) took the only place of a capital's (Tirana's). A
    required label with no free position takes its least-overlapping one (what lies off the
    map counting four times); an optional one is dropped. A repair pass (moving placed names
    to free a dropped one's place) was tried: 5 more of ~115 dropped city names over 20 slides,
    no capital, so not kept.
    """
    n, m = cand.shape[:2]
    area = (cand[..., 2] - cand[..., 0]) * (cand[..., 3] - cand[..., 1])
    outside = area - inside
    free = outside <= 0.0  # on the map, over no static box and (as names are placed) no name
    for obstacle in static:
        free &= _overlaps(obstacle, cand) <= 0.0
    if avoid is not None:
        free &= ~avoid  # a site's name beside another site's dot (_beside_another_site)
    chosen: list[int | None] = [None] * n

    def take(i: int, k: int) -> None:
        chosen[i] = k
        free[...] &= _overlaps(cand[i, k], cand) <= 0.0

    for i in range(n):
        open_ = np.flatnonzero(free[i])
        if open_.size:
            later = slice(i + 1, None)
            n_free = free[later].sum(axis=1)
            share = np.where(n_free > 0, worth[later] / np.maximum(n_free, 1), 0.0)
            blocked = [
                float(
                    (
                        ((_overlaps(cand[i, k], cand[later]) > 0.0) & free[later]).sum(axis=1)
                        * share
                    ).sum()
                )
                for k in open_
            ]
            take(i, int(open_[int(np.argmin(blocked))]))
        elif required[i]:
            placed = [cand[j, chosen[j]] for j in range(i) if chosen[j] is not None]
            boxes = np.vstack([static, *placed]) if placed else static
            cost = [_overlaps(cand[i, k], boxes).sum() + 4.0 * outside[i, k] for k in range(m)]
            take(i, int(np.argmin(cost)))

    return chosen


def _marker_handle(
    marker: str, size_px: float, face: str, edge: str, edge_px: float, sz: _Sizes
) -> Line2D:
    return Line2D(
        [], [], ls="none", marker=marker, ms=sz.pt(size_px), mfc=face, mec=edge, mew=sz.lpt(edge_px)
    )


def _legend_entries(
    data: MapData,
    drawn: list[str],
    sz: _Sizes,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
) -> list[tuple[Any, str]]:
    """Legend handles and texts for the drawn layers only (basemap excluded)."""
    entries: list[tuple[Any, str]] = []
    year = data.state.options.year
    site_px, launch_px = _SITE_MARKER_PX * sz.marker, _LAUNCH_MARKER_PX * sz.marker
    coop = data.cooperation_words or None
    if "probability" in drawn and data.probability is not None:
        draws = f"{int(data.probability.draws.iloc[0])} draws" if len(data.probability) else ""
        for pc in PROBABILITY_CLASSES:
            entries.append(
                (
                    Patch(facecolor=_rgba(pc.colour, _PROBABILITY_ALPHA), edgecolor="#555555"),
                    f"Defended in {pc.text} of {draws}",
                )
            )
    for key, sector_style in SECTOR_STYLES.items():
        if key in drawn:
            # The sector lies on NATO-Europe ground: its patch is drawn over the members' fill,
            # as on the map (on white the General Staff's rose read pink; the map, salmon).
            nato = LAYER_STYLES["nato"]
            ground = blend(nato.colour, _LAND, nato.fill_alpha) if "nato" in drawn else None
            entries.append(
                (
                    _area_patch(key, sector_style, sz, ground=ground),
                    sector_title(key, data.sectoral_answer),
                )
            )
    for key in (k for k in _LEGEND_ORDER if k in drawn and k != "probability"):
        style = LAYER_STYLES[key]
        title = data.legend_title(key, style.title).replace("(year)", f"({year})")
        if key == "sites":
            active = data.sites.status == "active"
            tags = state_tags_words(data.sites)
            if active.any():
                entries.append(
                    (
                        _marker_handle("o", site_px, style.colour, "black", 2.0, sz),
                        f"{title} ({tags})" if tags else title,
                    )
                )
            if (~active).any():
                entries.append(
                    (
                        _marker_handle("o", site_px, "white", "black", 2.5, sz),
                        f"{title}: planned, not yet built (hollow)",
                    )
                )
            if data.sites.custom.fillna(False).astype(bool).any():
                entries.append(
                    (
                        _marker_handle("o", site_px, _SITE_CUSTOM, "black", 2.0, sz),
                        "What-if site (custom)",
                    )
                )
        elif key == "launch":
            entries.append((_marker_handle("o", launch_px, style.colour, "white", 1.5, sz), title))
            if data.launch_used:
                many = "s" if len(data.launch_used) > 1 else ""
                entries.append(
                    (
                        _marker_handle("o", _launch_ring_px(sz), "none", style.colour, 2.0, sz),
                        f"Ringed: the threat's launch point{many} ({', '.join(data.launch_used)})",
                    )
                )
        elif key == "tracks":
            present = (
                list(dict.fromkeys(data.tracks["status"]))
                if data.tracks is not None and "status" in data.tracks.columns
                else []
            )
            for status in present or [""]:
                entries.append(
                    (
                        Line2D(
                            [],
                            [],
                            color=TRACK_STATUS_COLOURS.get(status, style.colour),
                            ls=TRACK_LINESTYLES.get(status, style.line_style),
                            lw=sz.lpt(style.line_width_px),
                        ),
                        f"{title}: {status}" if status else title,
                    )
                )
        elif key == "defended" and data.difference is None and coop is not None:
            entries.append((_area_patch(key, style, sz), f"{title}, {coop}"))
        elif key == "early_warning" and coop is not None:
            entries.append((_area_patch(key, style, sz), f"{title}, used as sensors ({coop})"))
        elif key == "defended" and data.difference is None and data.state.uncertainty_band:
            # The three estimates' areas over each other: a shade per count (BAND_SHADES).
            for n, words in BAND_SHADES:
                shade = replace(style, fill_alpha=band_shade_alpha(style.fill_alpha, n))
                entries.append(
                    (_area_patch(key, shade, sz), f"{title}: {words[0].lower()}{words[1:]}")
                )
        elif key == "defended" and (diff := data.drawn_difference) is not None:
            kinds = set(diff.kind[~diff.geometry.is_empty])
            entries += [
                (_area_patch(k, s, sz), s.title) for k, s in COMPARE_STYLES.items() if k in kinds
            ]
        else:
            entries.append((_area_patch(key, style, sz), title))
    in_a = " in A" if data.difference is not None else ""  # a comparison: A's status
    if "capitals" in drawn and capitals is not None:
        for st in CAPITAL_STATUSES:
            n = int((capitals.status == st).sum())
            if not n:
                continue
            face, edge, edge_px = _capital_marker(st)
            handle = _marker_handle(
                "o", _CAPITAL_MARKER_PX[st] * sz.marker, face, edge, edge_px, sz
            )
            entries.append((handle, f"Capital {STATUS_WORDS[st]}{in_a} ({n})"))
        # Which ones, as beside the dashboard's legend (a slide named at most three, those
        # gained since the year before, in its headline).
        n_def = int((capitals.status == "defended").sum())
        if n_def < len(capitals):  # all defended: the line above says it
            entries.append(
                (
                    Line2D([], [], linestyle="none"),
                    f"Defended capitals{in_a} ({n_def} of {len(capitals)}): "
                    f"{defended_list_text(capitals)}",
                )
            )
        for kind, (n, total) in _capital_changes(data, capitals).items():
            colour = COMPARE_STYLES[kind].colour
            ring = _marker_handle("o", _change_ring_px(sz), "none", colour, 2.5, sz)
            rest = "" if n == total else f" of {total}; the rest are not on A's map"
            entries.append((ring, f"Ringed: capital {kind} in B ({n}{rest})"))
    if "cities" in drawn and cities is not None:
        # One line, as the dashboard's legend: the dot's size says "city", its marks the status,
        # the status most of them have (a green sample beside "0 of 15 defended" read as a
        # defended city, GIS trial, session 37).
        most = cities.status.mode()
        face, edge, edge_px = _capital_marker(str(most.iloc[0]) if len(most) else "defended")
        handle = _marker_handle(
            "o",
            _CAPITAL_MARKER_PX["defended"] * sz.marker * CITY_DOT_SCALE,
            face,
            edge,
            edge_px,
            sz,
        )
        n = int((cities.status == "defended").sum())
        entries.append(
            (
                handle,
                f"Smaller dots: cities {MAJOR_CITY_WORDS} ({n} of {len(cities)} defended{in_a})",
            )
        )
    return entries


def _area_patch(key: str, style: LayerStyle, sz: _Sizes, *, ground: str | None = None) -> Patch:
    """A legend patch drawn as the area is on the map: fill, outline, hatch.

    ``ground``: the opaque colour the area lies on in the map (the NATO members' fill over the
    land), under the patch's fill.
    """
    edge = "none" if style.line_width_px <= 0 else _rgba(style.colour, 1.0)
    fill = (
        _rgba(style.colour, style.fill_alpha)
        if ground is None
        else _rgba(blend(style.colour, ground, style.fill_alpha), 1.0)
    )
    return Patch(
        facecolor=fill,
        edgecolor=edge,
        linewidth=sz.lpt(_outline_px(key, style)),
        linestyle=style.line_style,
        hatch=style.hatch or None,
        hatchcolor=hatch_colour(style.colour) if style.hatch else None,
    )


def _outline_px(key: str, style: LayerStyle | None = None) -> float:
    """Outline width on the reference slide: at least 1 px, and thick for interceptor rings."""
    width = max((style or LAYER_STYLES[key]).line_width_px, 1.0)
    # "Solid thick outline" is the interceptor ring's cue that survives greyscale.
    return max(width, 3.0) if key == "interceptor" else width


# Font sizes in pixels of the reference slide (a 40 px title is about 29 px cap height).
_FONT_PX = {
    "banner": 17.0,
    "title": 40.0,
    "subtitle": 26.0,
    "headline": 20.0,
    "legend": 20.0,
    "text": 16.0,
    "footer": 15.0,
    "site": 18.0,
    "launch": 15.0,
    "capital": 14.0,
    "city": 12.0,
    "year": 52.0,
}


@dataclass(frozen=True)
class _Layout:
    """Where the parts of the slide go, in image pixels measured from the top left."""

    width_px: float
    height_px: float
    margin_px: float
    banner_h_px: float
    title_top_px: float
    subtitle_top_px: float
    map_box_px: tuple[float, float, float, float]  # left, top, right, bottom
    panel_left_px: float
    footer_top_px: float
    footer_line_px: float
    headline_top_px: float | None = None

    @classmethod
    def for_slide(
        cls, size: ImageSize, sz: _Sizes, projector: bool, *, headline_lines: int = 0
    ) -> _Layout:
        w, h = float(size.width_px), float(size.height_px)
        margin = sz.px(16.0)
        banner = sz.px(_FONT_PX["banner"] * sz.font * 1.9)
        title_top = banner + sz.px(10.0)
        sub_top = title_top + sz.px(_FONT_PX["title"] * sz.font * 1.22)
        map_top = sub_top + sz.px(_FONT_PX["subtitle"] * sz.font * 1.35) + sz.px(6.0)
        headline_top = None
        if headline_lines:  # lines between the phase banner and the map
            headline_top = map_top - sz.px(4.0)
            map_top += headline_lines * sz.px(_FONT_PX["headline"] * sz.font * 1.35)
        footer_line = sz.px(_FONT_PX["footer"] * sz.font * 1.45)
        map_bottom = h - banner - 2 * footer_line - sz.px(10.0)
        panel_w = sz.px(504.0 if projector else 450.0)
        map_right = w - panel_w - margin
        return cls(
            w,
            h,
            margin,
            banner,
            title_top,
            sub_top,
            (margin, map_top, map_right, map_bottom),
            map_right + sz.px(18.0),
            map_bottom + sz.px(6.0),
            footer_line,
            headline_top,
        )

    def fx(self, px: float) -> float:
        """Figure fraction of ``px`` from the left."""
        return px / self.width_px

    def fy(self, px: float) -> float:
        """Figure fraction of ``px`` from the top."""
        return 1.0 - px / self.height_px


def _draw(
    data: MapData,
    size: ImageSize,
    projector: bool,
    date: dt.date,
    headline: str | None = None,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    claims: tuple[str, ...] = (),
) -> Figure:
    """Build the whole slide as a matplotlib Figure (Agg canvas attached)."""
    sz = _Sizes(
        scale=min(size.width_px / _REF_W_PX, size.height_px / _REF_H_PX),
        font=1.25 if projector else 1.0,
        line=1.8 if projector else 1.0,
        dpi=size.dpi,
        marker=1.3 if projector else 1.0,
    )
    # The headline's lines (the answer, then the threat and its launch area), then the
    # comparison's.
    own = [line for line in (headline or "").split("\n") if line]
    lines = [*own, *_comparison_lines(data)]
    lay = _Layout.for_slide(size, sz, projector, headline_lines=len(lines))
    fig = Figure(
        figsize=(size.width_px / size.dpi, size.height_px / size.dpi),
        dpi=size.dpi,
        facecolor="white",
    )
    renderer = FigureCanvasAgg(fig).get_renderer()
    _draw_frame_text(fig, data, lay, sz, date, renderer)
    step = sz.px(_FONT_PX["headline"] * sz.font * 1.35)
    for i, line in enumerate(lines):
        assert lay.headline_top_px is not None
        text = fig.text(
            lay.fx(lay.margin_px),
            lay.fy(lay.headline_top_px + i * step),
            line,
            ha="left",
            va="top",
            color="#111111"
            if i == 0
            else "#333333"
            if i < len(own)
            else COMPARE_STYLES["gained"].colour,
            fontsize=sz.fpt(_FONT_PX["headline"]),
            fontweight="bold" if i == 0 or i >= len(own) else "normal",
        )
        # One line across the slide: smaller type rather than a line cut at the edge.
        _fit_width(text, renderer, lay.width_px - 2 * lay.margin_px)
    # The major cities only with the capitals (as on the dashboard, where they share a switch).
    cities = cities if capitals is not None else None
    drawn = _draw_map(fig, renderer, data, lay, sz, projector, capitals, cities)
    _draw_panel(fig, renderer, data, drawn, lay, sz, capitals, cities, claims)
    return fig


def _comparison_lines(data: MapData) -> tuple[str, ...]:
    """The gained/lost lines of a comparison (A and B, shares; capitals), or none.

    Two lines, not one: set as one, it had to shrink to ~60 % of the headline's size to fit.
    Three when the two years' members differ: what gained and lost are of goes on a line of its
    own (on one, the line of 2016 vs 2024 shrank to the smallest type of the header, and a GIS
    trial read the slide's key line last, session 37).
    """
    cmp = data.comparison
    if cmp is None:
        return ()
    territory, capitals = cmp.text_parts(max_named=4)
    capitals = f"{capitals[0].upper()}{capitals[1:]}."
    basis = cmp.basis()
    if not basis:
        return f"{territory};", capitals
    return f"{cmp.territory_text(with_basis=False)},", f"gained and lost of {basis};", capitals


def _draw_frame_text(
    fig: Figure,
    data: MapData,
    lay: _Layout,
    sz: _Sizes,
    date: dt.date,
    renderer: RendererBase | None = None,
) -> None:
    """Caveat banners (top and bottom, like a marking), title, phase banner and footer."""
    for y0 in (0.0, lay.height_px - lay.banner_h_px):
        fig.add_artist(
            Rectangle(
                (0.0, lay.fy(y0 + lay.banner_h_px)),
                1.0,
                lay.banner_h_px / lay.height_px,
                transform=fig.transFigure,
                facecolor=_BANNER,
                edgecolor="none",
                zorder=0,
            )
        )
        fig.text(
            0.5,
            lay.fy(y0 + lay.banner_h_px / 2.0),
            CAVEAT,
            ha="center",
            va="center",
            color="white",
            fontsize=sz.fpt(_FONT_PX["banner"]),
            fontweight="bold",
        )
    left = lay.fx(lay.margin_px)
    title = fig.text(
        left,
        lay.fy(lay.title_top_px),
        data.title,
        ha="left",
        va="top",
        color="#111111",
        fontsize=sz.fpt(_FONT_PX["title"]),
        fontweight="bold",
    )
    subtitle = fig.text(
        left,
        lay.fy(lay.subtitle_top_px),
        data.subtitle,
        ha="left",
        va="top",
        color="#222222",
        fontsize=sz.fpt(_FONT_PX["subtitle"]),
    )
    if renderer is not None:
        # A long title (a comparison, a cooperation scenario) is set smaller rather than cut.
        for text in (title, subtitle):
            _fit_width(text, renderer, lay.width_px - 2 * lay.margin_px)
    note = _spec(data.state.view).note
    footer = (
        SOURCES_LINE,
        f"Projection: {note}.  Data as of {_fmt_date(date)}.  "
        "Public-source research tool, not an official product.",
    )
    for i, line in enumerate(footer):
        text = fig.text(
            left,
            lay.fy(lay.footer_top_px + i * lay.footer_line_px),
            line,
            ha="left",
            va="top",
            fontsize=sz.fpt(_FONT_PX["footer"]),
            color="#222222",
        )
        if renderer is not None:
            # Under the map only: the side panel's text runs down beside it (a projector's
            # larger type put the sources line under the panel's last lines).
            _fit_width(text, renderer, lay.map_box_px[2] - lay.margin_px)


def _fit_width(text: Text, renderer: RendererBase, room_px: float) -> None:
    """Set ``text`` (one line) smaller until it is at most ``room_px`` wide, not cut at an edge.

    Measured again after each step: the width does not scale with the size (at 1280x860 the
    ICBM map's subtitle, set to 0.84 of its size for a 1,467 px line in 1,259 px, measured
    1,325 px and was cut at the right edge; session 41's trial found a projector slide's
    headline cut the same way). Not below half its size: a line still too long then ends in
    "…" where it fits (a 2,000-character line at 1 pt ran off the slide: session 41's review).
    """
    floor = float(text.get_fontsize()) / 2.0
    for _ in range(8):
        width = text.get_window_extent(renderer).width
        if width <= room_px:
            return
        text.set_fontsize(max(floor, float(text.get_fontsize()) * room_px / width * 0.98))
    whole = text.get_text()
    lo, hi = 0, len(whole)
    while lo < hi:  # the longest start of the line that fits with its "…"
        mid = (lo + hi + 1) // 2
        text.set_text(whole[:mid].rstrip() + "…")
        if text.get_window_extent(renderer).width <= room_px:
            lo = mid
        else:
            hi = mid - 1
    text.set_text(whole[:lo].rstrip() + "…")


def _draw_map(
    fig: Figure,
    renderer: RendererBase,
    data: MapData,
    lay: _Layout,
    sz: _Sizes,
    projector: bool,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
) -> list[str]:
    """Draw the map (basemap, layers, labels, year stamp, scale bar); return the layers drawn."""
    left, top, right, bottom = lay.map_box_px
    ax = fig.add_axes(
        (
            lay.fx(left),
            lay.fy(bottom),
            (right - left) / lay.width_px,
            (bottom - top) / lay.height_px,
        )
    )
    view = data.state.view
    crs = _spec(view).crs
    extent = _extent_m(view, (right - left) / (bottom - top), _drawn_box_m(data, crs))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(_SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():  # the neatline
        spine.set_linewidth(sz.lpt(1.6))
        spine.set_color("#111111")
        spine.set_zorder(40)

    base = _basemap(view, data.countries)
    ax.add_collection(
        LineCollection(base.graticule, colors=[_GRATICULE], linewidths=sz.lpt(0.8), zorder=1),
        autolim=False,
    )
    ax.add_collection(
        PathCollection(base.land, facecolors=[_LAND], edgecolors="none", zorder=2), autolim=False
    )
    ax.add_collection(
        LineCollection(
            base.borders, colors=[_BORDER], zorder=2.5, linewidths=sz.lpt(1.3 if projector else 0.8)
        ),
        autolim=False,
    )

    on = set(data.state.layers)
    z = {key: 3 + i for i, key in enumerate(LAYER_ORDER)}
    drawn: list[str] = []
    if "nato" in on:
        paths = [p for iso3 in data.nato.iso3 for p in base.by_iso3.get(str(iso3), [])]
        if paths:
            style = LAYER_STYLES["nato"]
            ax.add_collection(
                PathCollection(
                    paths,
                    facecolors=[_rgba(style.colour, style.fill_alpha)],
                    edgecolors="none",
                    zorder=z["nato"],
                ),
                autolim=False,
            )
            drawn.append("nato")
    if data.probability is not None and _probability(ax, data.probability, crs, z["nato"] + 0.5):
        drawn.append("probability")
    if data.sectoral is not None:
        # Over the defended area, which the sector cuts across, and under the interceptor rings,
        # as on the dashboard: under the defended hatch the slide's legend named a sector that
        # could not be seen (a review of the 2024 export).
        for kind, sector_style in SECTOR_STYLES.items():
            part = data.sectoral[data.sectoral.kind == kind]
            for geom, scale in zip(part.geometry, part.fill_scale, strict=True):
                row_style = replace(sector_style, fill_alpha=sector_style.fill_alpha * float(scale))
                at = z["defended"] + 0.5
                sector_drawn = _polygons(ax, [geom], kind, crs, sz, at, row_style)
                if sector_drawn and kind not in drawn:
                    drawn.append(kind)
    fp = data.footprints
    polygon_layers = {
        "early_warning": data.early_warning.geometry,
        "radar": fp.geometry[fp.layer == "radar"],
        "defended": None if data.drawn_defended is None else data.drawn_defended.geometry,
        "interceptor": fp.geometry[fp.layer == "interceptor"],
    }
    if (diff := data.drawn_difference) is not None:
        # Comparing two states: gained / lost / both take the defended area's place.
        polygon_layers["defended"] = None
        shown = [
            _polygons(ax, list(diff.geometry[diff.kind == k]), k, crs, sz, z["defended"], s)
            for k, s in COMPARE_STYLES.items()
        ]
        if any(shown):
            drawn.append("defended")
    for key, geoms in polygon_layers.items():
        if key in on and geoms is not None and _polygons(ax, list(geoms), key, crs, sz, z[key]):
            drawn.append(key)
    if (
        "tracks" in on
        and data.tracks is not None
        and _lines(
            ax,
            list(data.tracks.geometry),
            "tracks",
            crs,
            sz,
            z["tracks"],
            list(data.tracks["status"]) if "status" in data.tracks.columns else None,
        )
    ):
        drawn.append("tracks")

    labels: list[_Label] = []
    if "sites" in on and not data.sites.empty:
        labels += _draw_sites(ax, data.sites, crs, sz, z["sites"])
        drawn.append("sites")
    if "launch" in on and not data.launch_points.empty:
        labels += _draw_launch_points(ax, data.launch_points, crs, sz, z["launch"])
        _ring_launch_used(ax, data, crs, sz, z["launch"])
        drawn.append("launch")
    if capitals is not None and not capitals.empty:
        _ring_changed_capitals(ax, data, capitals, crs, sz, z["sites"] - 0.21)
        labels += _draw_capitals(ax, capitals, crs, sz, z["sites"] - 0.2)
        drawn.append("capitals")
    if "early_warning" in drawn:
        labels += _draw_early_warning_radars(ax, data.early_warning, crs, sz, z["sites"] - 0.3)
    if cities is not None and not cities.empty:
        # Under the capitals' dots; their names last, where a name fits after every other.
        labels += _draw_capitals(ax, cities, crs, sz, z["sites"] - 0.25, city=True)
        drawn.append("cities")

    # Year stamp (top left) and scale bar (bottom left) sit over the Atlantic; labels avoid them.
    cmp = data.comparison
    years = (
        (data.state.options.year,)
        if cmp is None
        else tuple(dict.fromkeys((cmp.a.year, cmp.b.year)))
    )
    stamp = ax.text(
        0.012,
        0.985,
        # Both years beside a comparison of two: "2016" alone on a 2016 vs 2024 slide read as
        # the slide's year (a journalist's export, session 38).
        " vs ".join(map(str, years)),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=sz.fpt(_FONT_PX["year"]),
        fontweight="bold",
        color="#111111",
        zorder=35,
        bbox={
            "boxstyle": "round,pad=0.2",
            "fc": (1, 1, 1, 0.85),
            "ec": "#111111",
            "lw": sz.lpt(1.0),
        },
    )
    obstacles = [stamp.get_window_extent(renderer), _scale_bar(ax, renderer, crs, extent, sz)]
    for lab in labels:
        xd, yd = ax.transData.transform((lab.x, lab.y))
        r = lab.marker_px / 2.0
        obstacles.append(Bbox.from_extents(xd - r, yd - r, xd + r, yd + r))
    _place_labels(ax, renderer, labels, obstacles, sz)
    return drawn


def _drawn_geometries(data: MapData) -> list[Any]:
    """Geometries of every drawn thematic layer (the basemap and NATO fill excepted)."""
    on = set(data.state.layers)
    fp = data.footprints
    frames = [fp[fp.layer == k] for k in ("radar", "interceptor") if k in on]
    frames += [
        data.early_warning if "early_warning" in on else None,
        data.drawn_defended if "defended" in on and data.difference is None else None,
        data.drawn_difference,
        data.tracks if "tracks" in on else None,
        data.launch_points if "launch" in on else None,
        data.sites if "sites" in on else None,
    ]
    return [g for f in frames if f is not None for g in f.geometry if g is not None]


def _drawn_box_m(data: MapData, crs: str) -> tuple[float, float, float, float] | None:
    """Projected (x0, y0, x1, y1) of the drawn layers, or ``None`` when none is drawn."""
    projected = [g for g in _project(_drawn_geometries(data), crs) if g is not None]
    boxes = np.array([g.bounds for g in projected if not g.is_empty])
    if boxes.size == 0:
        return None
    return (
        float(boxes[:, 0].min()),
        float(boxes[:, 1].min()),
        float(boxes[:, 2].max()),
        float(boxes[:, 3].max()),
    )


def _draw_sites(
    ax: Axes, sites: gpd.GeoDataFrame, crs: str, sz: _Sizes, zorder: float
) -> list[_Label]:
    """Site markers (black; hollow when planned but not built; light blue when custom) and labels."""
    x, y = _points_xy(sites, crs)
    active = (sites.status == "active").to_numpy()
    custom = sites.custom.fillna(False).astype(bool).to_numpy()
    fill = np.where(~active, "white", np.where(custom, _SITE_CUSTOM, "black"))
    size_px = _SITE_MARKER_PX * sz.marker
    for colour in ("black", _SITE_CUSTOM, "white"):
        sel = fill == colour
        if sel.any():
            ax.plot(
                x[sel],
                y[sel],
                ls="none",
                marker="o",
                ms=sz.pt(size_px),
                mfc=colour,
                mec="black",
                mew=sz.lpt(2.5 if colour == "white" else 1.5),
                zorder=zorder,
            )
    return [
        _Label(
            site_label(str(name)) + (" (custom)" if is_custom else ""),
            xi,
            yi,
            sz.fpt(_FONT_PX["site"]),
            "bold",
            True,
            sz.px(size_px),
        )
        for name, xi, yi, is_custom in zip(sites.site_name, x, y, custom, strict=True)
    ]


def _capital_marker(status: str) -> tuple[str, str, float]:
    """``(face, edge, edge width px)`` of a capital's dot: a ring when not defended."""
    colour = STATUS_COLOURS[status]
    return ("white", colour, 2.5) if status == "not defended" else (colour, "white", 1.2)


def _capital_changes(data: MapData, capitals: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Beside a comparison: how many of the capitals B gains and loses are drawn, and in all.

    Drawn: among ``capitals`` (A's); a kind with none drawn is left out.
    """
    if data.comparison is None:
        return {}
    names = set(capitals.name.astype(str))
    counts = {
        kind: (len(names.intersection(c)), len(c))
        for kind, c in data.comparison.capitals_changed.items()
    }
    return {kind: n for kind, n in counts.items() if n[0]}


def _change_ring_px(sz: _Sizes) -> float:
    """Diameter of the ring around a capital B gains or loses, px (around the largest dot)."""
    return _CAPITAL_MARKER_PX["defended"] * sz.marker + 7.0


def _ring_changed_capitals(
    ax: Axes, data: MapData, capitals: pd.DataFrame, crs: str, sz: _Sizes, zorder: float
) -> None:
    """Beside a comparison, a ring in the gained or lost colour around each changed capital.

    Around each capital B gains or loses, under its dot (which keeps A's status), as on the
    dashboard's map.
    """
    if data.comparison is None:
        return
    for kind, names in data.comparison.capitals_changed.items():
        rows = capitals[capitals.name.astype(str).isin(names)]
        if rows.empty:
            continue
        x, y = _transformer(crs).transform(
            rows.lon_deg.to_numpy(float), rows.lat_deg.to_numpy(float)
        )
        ax.plot(
            x,
            y,
            ls="none",
            marker="o",
            ms=sz.pt(_change_ring_px(sz)),
            mfc="none",
            mec=COMPARE_STYLES[kind].colour,
            mew=sz.lpt(2.5),
            zorder=zorder,
        )


def _draw_capitals(
    ax: Axes, capitals: pd.DataFrame, crs: str, sz: _Sizes, zorder: float, *, city: bool = False
) -> list[_Label]:
    """Capital dots by status (colour and shape, as on the dashboard); labels where there is room.

    ``city``: the major cities instead, as on the dashboard: smaller dots
    (:data:`~coverage.style.CITY_DOT_SCALE`), smaller type.
    """
    scale = CITY_DOT_SCALE if city else 1.0
    x, y = _transformer(crs).transform(
        capitals.lon_deg.to_numpy(float), capitals.lat_deg.to_numpy(float)
    )
    x, y = np.asarray(x), np.asarray(y)
    status = capitals.status.to_numpy()
    for st in CAPITAL_STATUSES:
        sel = status == st
        if not sel.any():
            continue
        face, edge, edge_px = _capital_marker(st)
        ax.plot(
            x[sel],
            y[sel],
            ls="none",
            marker="o",
            ms=sz.pt(_CAPITAL_MARKER_PX[st] * sz.marker * scale),
            mfc=face,
            mec=edge,
            mew=sz.lpt(edge_px * (0.8 if city else 1.0)),
            zorder=zorder,
        )
    labels = [
        _Label(
            str(name),
            xi,
            yi,
            sz.fpt(_FONT_PX["city" if city else "capital"]),
            "normal",
            False,
            sz.px(_CAPITAL_MARKER_PX[st] * sz.marker * scale),
            _CITY_WORTH if city else 1.0,
        )
        for name, xi, yi, st in zip(capitals.name, x, y, status, strict=True)
    ]
    # Named the defended first, each group largest first, as on the dashboard: where two names
    # of the same status compete for one place (Paris and Brussels), the larger place's is kept.
    return [labels[i] for i in naming_order(capitals)]


def _draw_early_warning_radars(
    ax: Axes, sectors: gpd.GeoDataFrame, crs: str, sz: _Sizes, zorder: float
) -> list[_Label]:
    """A dot at each Russian early-warning radar drawn (as on the dashboard); names where room."""
    radars = early_warning_points(sectors)
    colour = LAYER_STYLES["early_warning"].colour
    return _draw_points(
        ax, radars, crs, sz, zorder, "o", _EARLY_WARNING_MARKER_PX, colour, radars.site_name
    )


def _draw_launch_points(
    ax: Axes, points: gpd.GeoDataFrame, crs: str, sz: _Sizes, zorder: float
) -> list[_Label]:
    """Launch-area dots, round as on the dashboard; labels optional (dropped without room)."""
    colour = LAYER_STYLES["launch"].colour
    return _draw_points(ax, points, crs, sz, zorder, "o", _LAUNCH_MARKER_PX, colour, points.name)


def _launch_ring_px(sz: _Sizes) -> float:
    """The launch ring's diameter: the dot's, a gap of LAUNCH_RING_GAP_PX each side, its line."""
    return _LAUNCH_MARKER_PX * sz.marker + 2 * LAUNCH_RING_GAP_PX + 2.0


def _ring_launch_used(ax: Axes, data: MapData, crs: str, sz: _Sizes, zorder: float) -> None:
    """A ring around the launch points the map's threat flies from, as on the dashboard."""
    used = data.launch_points[data.launch_points.name.isin(data.launch_used)]
    if used.empty:
        return
    x, y = _points_xy(used, crs)
    ax.plot(
        x,
        y,
        ls="none",
        marker="o",
        ms=sz.pt(_launch_ring_px(sz)),
        mfc="none",
        mec=LAYER_STYLES["launch"].colour,
        mew=sz.lpt(2.0),
        zorder=zorder + 0.05,
    )


def _draw_points(
    ax: Axes,
    points: gpd.GeoDataFrame,
    crs: str,
    sz: _Sizes,
    zorder: float,
    marker: str,
    marker_px: float,
    colour: str,
    names: pd.Series,
) -> list[_Label]:
    """Markers outlined in white at ``points``, with optional labels (``names``, in order)."""
    x, y = _points_xy(points, crs)
    size_px = marker_px * sz.marker
    ax.plot(
        x,
        y,
        ls="none",
        marker=marker,
        ms=sz.pt(size_px),
        mfc=colour,
        mec="white",
        mew=sz.lpt(1.5),
        zorder=zorder,
    )
    return [
        _Label(
            _short(str(name)), xi, yi, sz.fpt(_FONT_PX["launch"]), "normal", False, sz.px(size_px)
        )
        for name, xi, yi in zip(names, x, y, strict=True)
    ]


def _draw_panel(
    fig: Figure,
    renderer: RendererBase,
    data: MapData,
    drawn: list[str],
    lay: _Layout,
    sz: _Sizes,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    claims: tuple[str, ...] = (),
) -> None:
    """Side panel: legend of the drawn layers, phase status, official claims, assumptions, notes."""
    x = lay.panel_left_px
    text_w_px = lay.width_px - x - lay.margin_px
    y_px = lay.map_box_px[1]
    entries = _legend_entries(data, drawn, sz, capitals, cities)
    if entries:
        legend_px = _FONT_PX["legend"] * sz.font
        legend = fig.legend(
            [h for h, _ in entries],
            [t for _, t in entries],
            loc="upper left",
            bbox_to_anchor=(lay.fx(x), lay.fy(y_px)),
            frameon=False,
            fontsize=sz.fpt(_FONT_PX["legend"]),
            title="Legend",
            title_fontproperties={"size": sz.fpt(_FONT_PX["legend"]), "weight": "bold"},
            alignment="left",
            handlelength=2.4,
            handleheight=1.1,
            borderaxespad=0.0,
            borderpad=0.0,
            labelspacing=0.55,
            handletextpad=0.6,
        )
        # Handle (2.4 em), the gap after it (0.6 em) and a little slack are not text.
        room = text_w_px - sz.px(legend_px) * 3.2
        for t in legend.get_texts():
            t.set_text(_wrap_measured(t.get_text(), renderer, t.get_fontproperties(), room))
        y_px = lay.height_px - legend.get_window_extent(renderer).y0 + sz.px(22.0)
    note = _spec(data.state.view).note
    blocks = [
        ("Status", data.phase.detail),
        # The claim made for the map's year against the map (as beside the dashboard's map).
        *((CLAIM_HEADING, claim) for claim in claims),
        # The user's choices away from the defaults before the long description of them all.
        (CHOICES_HEADING, "; ".join(data.choices)),
        ("Assumptions", data.assumptions),
        ("Map", f"{note}; graticule every 10°. Scale bar true at the map centre."),
    ]
    # The blocks end above the bottom banner: a long legend (capitals, band, sectors) makes
    # their type smaller, down to 70 %, rather than run under the banner. Where even that does
    # not fit (a projector's larger type on a 1280x720 slide), the map notes go first (the
    # footer names the projection too), then the assumptions' last clauses, said to be cut and
    # where the whole line is; the choices away from the defaults always stay.
    # The answer's blocks (status, claim) keep their full size while the fine print shrinks and
    # is cut; only where even that does not fit do they shrink with it, before the claim goes.
    bottom_px = lay.height_px - lay.banner_h_px - sz.px(4.0)
    smallest = _PANEL_TEXT_SCALES[-1]
    cuts = list(_shorter_blocks(blocks))
    tries = [(scale, 1.0, blocks) for scale in _PANEL_TEXT_SCALES]
    tries += [(smallest, 1.0, cut) for cut in cuts if _has_claim(cut) or not claims]
    tries += [(smallest, smallest, cut) for cut in cuts]
    for i, (scale, answer_scale, these) in enumerate(tries):
        drawn_texts = _panel_blocks(
            fig, renderer, these, lay, sz, x, y_px, text_w_px, scale, answer_scale
        )
        if not drawn_texts or (
            lay.height_px - drawn_texts[-1].get_window_extent(renderer).y0 <= bottom_px
        ):
            break
        if i != len(tries) - 1:
            for t in drawn_texts:
                t.remove()


#: The side panel's heading of an official claim judged on the map's year.
CLAIM_HEADING = "Official claim for this year"

#: Said where the side panel's assumptions had to be cut short (:func:`_shorter_blocks`).
ASSUMPTIONS_CUT = "… (cut here; the whole line: the dashboard, or this map's GeoJSON or KML)"


def _shorter_blocks(blocks: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """The side panel's blocks shortened step by step.

    First without the map notes, then with one clause (``; ``) fewer of the assumptions each
    time, down to the first clause; then without the official claims.
    """
    kept = [b for b in blocks if b[0] != "Map"]
    yield kept
    for i, (heading, body) in enumerate(kept):
        if heading != "Assumptions":
            continue
        clauses = body.split("; ")
        for n in range(len(clauses) - 1, 0, -1):
            cut = "; ".join(clauses[:n]).rstrip(".") + " " + ASSUMPTIONS_CUT
            kept = [*kept[:i], (heading, cut), *kept[i + 1 :]]
            yield kept
    # Last, the official claims (the dashboard gives them beside the map too).
    if _has_claim(kept):
        yield [b for b in kept if b[0] != CLAIM_HEADING]


#: Type sizes the side panel's text blocks try, largest first (see :func:`_draw_panel`).
_PANEL_TEXT_SCALES = (1.0, 0.9, 0.8, 0.7)
#: Side-panel blocks kept at full size while the fine print shrinks and is cut: the answer (a
#: new-user trial could not read the claim's verdict on a 1280x720 rollout frame, where the
#: whole panel had shrunk to 70 %, about 7 px).
_ANSWER_BLOCKS = frozenset({"Status", CLAIM_HEADING})


def _has_claim(blocks: list[tuple[str, str]]) -> bool:
    return any(heading == CLAIM_HEADING for heading, _ in blocks)


def _panel_blocks(
    fig: Figure,
    renderer: RendererBase,
    blocks: list[tuple[str, str]],
    lay: _Layout,
    sz: _Sizes,
    x: float,
    y_px: float,
    text_w_px: float,
    scale: float,
    answer_scale: float = 1.0,
) -> list[Any]:
    """Draw the panel's headed text blocks from ``y_px`` down; return the texts.

    The answer's blocks (:data:`_ANSWER_BLOCKS`: the year's status and official claim) are
    drawn at ``answer_scale``, the fine print under them (choices, assumptions, map notes) at
    ``scale``: it shrinks first, and is what is cut first (:func:`_shorter_blocks`).
    """
    texts = []
    for heading, body in blocks:
        if not body:
            continue
        this = answer_scale if heading in _ANSWER_BLOCKS else scale
        text_px = _FONT_PX["text"] * sz.font * this
        size_pt = sz.fpt(_FONT_PX["text"] * this)
        body_font = FontProperties(size=size_pt)
        texts.append(
            fig.text(
                lay.fx(x),
                lay.fy(y_px),
                heading,
                ha="left",
                va="top",
                fontsize=size_pt,
                fontweight="bold",
                color="#111111",
            )
        )
        y_px += sz.px(text_px * 1.4)
        t = fig.text(
            lay.fx(x),
            lay.fy(y_px),
            _wrap_measured(body, renderer, body_font, text_w_px),
            ha="left",
            va="top",
            fontsize=size_pt,
            color="#222222",
            linespacing=1.25,
        )
        texts.append(t)
        y_px = lay.height_px - t.get_window_extent(renderer).y0 + sz.px(12.0 * this)
    return texts


def _wrap_measured(text: str, renderer: RendererBase, font: FontProperties, width_px: float) -> str:
    """``text`` broken into lines no wider than ``width_px`` as drawn in ``font``.

    Widths are measured by the renderer (the font's real glyph widths at the image's dpi), not
    guessed from a character count, so a line of wide glyphs ("m², ×1.5") stays inside. A
    single word wider than ``width_px`` keeps a line of its own.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            width = renderer.get_text_width_height_descent(trial, font, ismath=False)[0]
            if current and width > width_px:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return "\n".join(lines)


def _scale_bar(
    ax: Axes,
    renderer: RendererBase,
    crs: str,
    extent: tuple[float, float, float, float],
    sz: _Sizes,
) -> Bbox:
    """Draw a km scale bar, true at the map centre, at the lower left; return its display box."""
    x0, x1, y0, y1 = extent
    ground_per_map = _scale_m_per_map_m(crs, (x0 + x1) / 2.0, (y0 + y1) / 2.0)
    target_km = 0.18 * (x1 - x0) * ground_per_map / 1000.0
    nice_km = [50, 100, 200, 250, 500, 1000, 1500, 2000, 2500, 5000]
    length_km = max([n for n in nice_km if n <= target_km] or [nice_km[0]])
    length_map_m = length_km * 1000.0 / ground_per_map
    to_data = ax.transData.inverted()
    ax_box = ax.get_window_extent(renderer)
    bx, by = to_data.transform((ax_box.x0 + sz.px(34.0), ax_box.y0 + sz.px(26.0)))
    bar_h = (y1 - y0) * sz.px(11.0) / ax_box.height
    parts: list[Any] = [
        ax.add_patch(
            Rectangle(
                (bx + i * length_map_m / 4, by),
                length_map_m / 4,
                bar_h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=sz.lpt(1.0),
                zorder=35,
            )
        )
        for i in range(4)
    ]
    font: dict[str, Any] = {"fontsize": sz.fpt(_FONT_PX["text"]), "zorder": 36, "color": "#111111"}
    for frac, text in ((0.0, "0"), (0.5, f"{length_km / 2:,g}"), (1.0, f"{length_km:,}")):
        parts.append(
            ax.text(
                bx + frac * length_map_m, by + bar_h * 1.5, text, ha="center", va="bottom", **font
            )
        )
    parts.append(
        ax.text(
            bx + length_map_m + (x1 - x0) * sz.px(12.0) / ax_box.width,
            by + bar_h / 2,
            "km",
            ha="left",
            va="center",
            **font,
        )
    )
    union = Bbox.union([p.get_window_extent(renderer) for p in parts])
    pad = sz.px(9.0)
    (ux0, uy0), (ux1, uy1) = to_data.transform(
        [(union.x0 - pad, union.y0 - pad), (union.x1 + pad, union.y1 + pad)]
    )
    bg = Rectangle(
        (ux0, uy0),
        ux1 - ux0,
        uy1 - uy0,
        facecolor=(1, 1, 1, 0.88),
        edgecolor="#111111",
        linewidth=sz.lpt(1.0),
        zorder=34,
    )
    ax.add_patch(bg)
    return bg.get_window_extent(renderer)


def render(
    data: MapData,
    *,
    fmt: ImageFormat = "png",
    width_px: int = 1920,
    height_px: int = 1080,
    dpi: float = 100.0,
    projector: bool = False,
    date: dt.date | None = None,
    headline: str | None = None,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    claims: Sequence[str] = (),
) -> bytes:
    """Render one map state as a slide-ready image.

    Parameters
    ----------
    data
        The map state's layers (from :func:`coverage.products.mapdata.compute_map`); only the layers in
        ``data.state.layers`` are drawn and listed in the legend (the country basemap is always
        drawn and not listed).
    fmt
        ``"png"``, ``"svg"`` (text kept as text) or ``"pdf"``.
    width_px, height_px
        Exact image size in pixels (PNG) or page size at ``dpi`` (SVG, PDF); 200 to 20,000.
        Use :data:`PRINT_A4_300DPI` for print.
    dpi
        Resolution; a 16 px font is 16 px high at any ``dpi``.
    projector
        Larger type and thicker outlines for a projector.
    date
        Data date printed on the image; defaults to :func:`data_date` (bundled catalogue).
    headline
        Printed between the phase banner and the map, a line per line break, e.g.
        :meth:`coverage.products.headline.Headline.slide_text`; none by default.
    capitals
        Capitals to draw by status (``Headline.capitals``: ``name, lon_deg, lat_deg, status``),
        listed in the legend with their counts; none by default.
    cities
        Major cities (:func:`coverage.products.headline.major_cities`, same columns), drawn
        with the capitals (only with them), smaller, named where a name fits after every other;
        one legend line with their count defended.
    claims
        The official claims judged on this map's year, in words
        (:func:`coverage.products.claims.claim_note`), each a block of the side panel under
        the phase status, as beside the dashboard's map; none by default.

    Returns
    -------
    bytes
        The encoded file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt={fmt!r} is not one of {', '.join(FORMATS)}")
    size = ImageSize(width_px, height_px, dpi)
    stamp = date or data_date()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _draw(data, size, projector, stamp, headline, capitals, cities, tuple(claims))
        buf = io.BytesIO()
        # No URL in any file: matplotlib's own creator links and the Dublin Core type are left out.
        metadata: dict[str, Any] = {"Title": data.title}
        if fmt == "pdf":
            metadata.update(
                {
                    "Subject": CAVEAT,
                    "CreationDate": None,
                    "ModDate": None,
                    "Creator": "EPAA coverage",
                    "Producer": "EPAA coverage (matplotlib)",
                }
            )
        elif fmt == "svg":
            metadata.update({"Date": None, "Description": CAVEAT, "Creator": None, "Type": None})
        else:
            metadata.update({"Description": CAVEAT, "Software": "EPAA coverage (matplotlib)"})
        extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
        fig.savefig(buf, format=fmt, dpi=size.dpi, facecolor="white", metadata=metadata, **extra)
    return buf.getvalue()


def render_array(
    data: MapData,
    *,
    width_px: int = 1280,
    height_px: int = 720,
    dpi: float = 100.0,
    projector: bool = False,
    date: dt.date | None = None,
    headline: str | None = None,
    capitals: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    claims: Sequence[str] = (),
) -> np.ndarray:
    """Render one map state to an RGB array (``height_px`` x ``width_px`` x 3, uint8).

    Same drawing as :func:`render` (``headline``, ``capitals``, ``cities`` and ``claims`` too);
    skips PNG encoding.
    """
    size = ImageSize(width_px, height_px, dpi)
    stamp = date or data_date()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _draw(data, size, projector, stamp, headline, capitals, cities, tuple(claims))
        canvas = fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        return np.array(rgba[..., :3], copy=True)
