"""Slide-ready static images (PNG, SVG, PDF) of one map state; the only module importing matplotlib.

Every image is drawn from a :class:`~coverage.mapdata.MapData`, the same object the dashboard
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
import textwrap
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.transforms import Bbox
from pyproj import Geod, Transformer
from shapely.geometry import LineString, box

from coverage import basemap
from coverage.catalogue import read_table
from coverage.style import CAVEAT, LAYER_ORDER, LAYER_STYLES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase

    from coverage.mapdata import MapData

__all__ = [
    "FORMATS",
    "PRINT_A4_300DPI",
    "SCREEN_1080P",
    "SOURCES_LINE",
    "ImageFormat",
    "ImageSize",
    "data_date",
    "projection_note",
    "render",
    "render_array",
]

ImageFormat = Literal["png", "svg", "pdf"]
FORMATS: tuple[ImageFormat, ...] = ("png", "svg", "pdf")

SOURCES_LINE = (
    "Sources: see data/README.md — State Dept EPAA fact sheet, USCC 2016, NRC 2012, EUCOM, NavalToday, "
    "Arms Control Today, keeptrack.space; basemap Natural Earth."
)

# Basemap colours: the same as the dashboard map (coverage.layers), which pydeck keeps private.
_SEA = "#DCE6EE"
_LAND = "#F8F8F6"
_BORDER = "#787878"
_GRATICULE = "#B9C9D6"
_BANNER = "#3A3A3A"
_SITE_CUSTOM = "#CC79A7"  # custom (what-if) sites: the dashboard's fill for them

# Layout is specified in pixels of a 1920x1080 reference slide and scaled with the image.
_REF_W_PX, _REF_H_PX = 1920.0, 1080.0
_LEGEND_ORDER = ("sites", "launch", "radar", "interceptor", "defended", "early_warning", "tracks", "nato")
_WGS84 = Geod(ellps="WGS84")
_LOCK = threading.RLock()
_RC = {"svg.fonttype": "none", "svg.hashsalt": "epaa-coverage", "pdf.fonttype": 42, "hatch.linewidth": 1.0}


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
                f"width_px x height_px = {self.width_px * self.height_px:,} px exceeds 80,000,000 px"
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


_VIEWS: dict[str, _ViewSpec] = {
    "europe": _ViewSpec(
        crs="EPSG:3035",
        note="Lambert azimuthal equal-area, EPSG:3035",
        content_lonlat=((-11.0, 36.0), (-11.0, 53.0), (-24.0, 64.5), (28.0, 71.2), (45.0, 68.5),
                        (56.5, 37.0), (50.0, 30.5), (18.0, 29.5), (-6.0, 33.0)),
        clip_lonlat=(-75.0, 0.0, 110.0, 85.0),
        graticule_lon_deg=(-70.0, 110.0),
        graticule_lat_deg=(0.0, 80.0),
    ),
    "wide": _ViewSpec(
        crs="EPSG:3575",
        note="Lambert azimuthal equal-area, north-polar, EPSG:3575",
        content_lonlat=((-78.0, 37.0), (-95.0, 47.0), (-150.0, 70.0), (120.0, 68.0), (60.0, 25.0),
                        (40.0, 26.0), (10.0, 28.0), (-15.0, 27.0)),
        clip_lonlat=(-180.0, -12.0, 180.0, 90.0),
        graticule_lon_deg=(-180.0, 180.0),
        graticule_lat_deg=(0.0, 80.0),
    ),
}

# The Europe basemap is Natural Earth 1:50m clipped to this box; beyond it the 1:110m world fills in.
_EUROPE_BOX_DEG = (-32.0, 24.0, 66.0, 73.0)


def projection_note(view: str) -> str:
    """The projection line printed on images of ``view`` (``"europe"`` or ``"wide"``)."""
    return _spec(view).note


def _spec(view: str) -> _ViewSpec:
    try:
        return _VIEWS[view]
    except KeyError:
        raise ValueError(f"view={view!r} is not one of {', '.join(_VIEWS)}") from None


@lru_cache(maxsize=1)
def data_date() -> dt.date:
    """Latest date in the bundled catalogue (events, deployments and phases): the images' data date."""
    dates: list[str] = []
    for name, cols in (("events.csv", ("date",)), ("deployments.csv", ("built_from", "built_until")),
                       ("phases.csv", ("built_date",))):
        frame, _ = read_table(name)
        for col in cols:
            if col in frame.columns:
                dates += [v for v in frame[col] if isinstance(v, str) and v]
    from coverage._schema import parse_date

    parsed = [parse_date(v) for v in dates]
    if not parsed:
        raise ValueError("no dates found in data/events.csv, deployments.csv or phases.csv")
    return max(parsed)


def _fmt_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


# --------------------------------------------------------------------------------------------
# Geometry: projection and conversion to matplotlib paths (cached per view for the basemap)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


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
    source: gpd.GeoDataFrame  # kept alive so that id() keys stay valid
    land: list[Path]
    by_iso3: dict[str, list[Path]]
    borders: list[np.ndarray]
    graticule: list[np.ndarray]


_BASEMAPS: dict[tuple[str, int], _Basemap] = {}


def _basemap(view: str, countries: gpd.GeoDataFrame) -> _Basemap:
    """Projected country paths, borders and graticule for ``view`` (built once per view and frame)."""
    key = (view, id(countries))
    cached = _BASEMAPS.get(key)
    if cached is not None and cached.source is countries:
        return cached
    spec = _spec(view)
    clip = box(*spec.clip_lonlat)
    # Edges that are cuts, not coastlines or borders: the clip box, the antimeridian and (Europe)
    # the seam between the 1:50m Europe box and the 1:110m fill-in. No outline is drawn on them.
    seams = [clip.boundary, LineString([(180.0, -90.0), (180.0, 90.0)]), LineString([(-180.0, -90.0), (-180.0, 90.0)])]
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
        projected = _project(clipped, spec.crs, segment_deg=0.5)
        for iso3, geom in zip(frame.iso3, projected, strict=True):
            path = _polygon_path(geom)
            if path is not None:
                land.append(path)
                by_iso3.setdefault(str(iso3), []).append(path)
    borders = [seg for g in _project(border_geoms, spec.crs, segment_deg=0.5) for seg in _line_segments(g)]
    lines = []
    lon0, lon1 = spec.graticule_lon_deg
    lat0, lat1 = spec.graticule_lat_deg
    for lon in np.arange(lon0, lon1 + 0.1, 10.0):
        lines.append(LineString([(lon, lat0), (lon, lat1)]))
    for lat in np.arange(max(lat0, 10.0), lat1 + 0.1, 10.0):
        lines.append(LineString([(lon0, lat), (lon1, lat)]))
    graticule = [seg for g in _project(lines, spec.crs, segment_deg=1.0) for seg in _line_segments(g)]
    built = _Basemap(countries, land, by_iso3, borders, graticule)
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


def _extent_m(view: str, aspect: float) -> tuple[float, float, float, float]:
    """Map extent (x0, x1, y0, y1) in projected metres holding the view's content at ``aspect``."""
    x0, y0, x1, y1 = _content_box_m(view)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    w, h = (x1 - x0) * 1.02, (y1 - y0) * 1.04
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2.0, cx + w / 2.0, cy - h / 2.0, cy + h / 2.0


@lru_cache(maxsize=4)
def _inverse(crs: str) -> Transformer:
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


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


def _polygons(ax: Axes, geoms: Sequence[Any], key: str, crs: str, sz: _Sizes, zorder: float) -> bool:
    style = LAYER_STYLES[key]
    paths = [p for p in (_polygon_path(g) for g in _project(geoms, crs)) if p is not None]
    if not paths:
        return False
    lw_px = max(style.line_width_px, 1.0)
    if key == "interceptor":
        lw_px = max(lw_px, 3.0)  # "solid thick outline": the cue that survives greyscale
    coll = PathCollection(
        paths,
        facecolors=[_rgba(style.colour, style.fill_alpha)],
        edgecolors=[_rgba(style.colour, 1.0)],
        linewidths=sz.lpt(lw_px),
        linestyles=style.line_style,
        hatch=style.hatch or None,
        zorder=zorder,
    )
    if style.hatch:
        coll.set_hatchcolor(_rgba(style.colour, 0.9))
        coll.set_hatch_linewidth(sz.lpt(1.0))
    ax.add_collection(coll, autolim=False)
    return True


def _lines(ax: Axes, geoms: Sequence[Any], key: str, crs: str, sz: _Sizes, zorder: float) -> bool:
    style = LAYER_STYLES[key]
    segments = [seg for g in _project(geoms, crs, segment_deg=1.0) for seg in _line_segments(g)]
    if not segments:
        return False
    ax.add_collection(LineCollection(segments, colors=[style.colour], linewidths=sz.lpt(style.line_width_px),
                                     linestyles=style.line_style, zorder=zorder), autolim=False)
    return True


def _points_xy(frame: gpd.GeoDataFrame, crs: str) -> tuple[np.ndarray, np.ndarray]:
    if frame.empty:
        return np.empty(0), np.empty(0)
    x, y = _transformer(crs).transform(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    return np.asarray(x), np.asarray(y)


def _short(name: str) -> str:
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


def _place_labels(ax: Axes, renderer: RendererBase, labels: list[_Label], obstacles: list[Bbox],
                  sz: _Sizes) -> None:
    """Greedy placement: the first of eight positions that overlaps no marker, label or panel.

    Required labels (sites) take their least-overlapping position when none is free; optional
    ones (launch areas) are dropped instead.
    """
    axes_box = ax.get_window_extent(renderer)
    taken = list(obstacles)
    for lab in labels:
        dx = lab.marker_px / 2.0 + sz.px(5.0)
        candidates = [
            ((dx, 0.0), "left", "center"), ((-dx, 0.0), "right", "center"),
            ((0.0, dx), "center", "bottom"), ((0.0, -dx), "center", "top"),
            ((dx * 0.8, dx * 0.8), "left", "bottom"), ((dx * 0.8, -dx * 0.8), "left", "top"),
            ((-dx * 0.8, dx * 0.8), "right", "bottom"), ((-dx * 0.8, -dx * 0.8), "right", "top"),
        ]
        best: tuple[float, Any] | None = None
        for (ox, oy), ha, va in candidates:
            text = ax.annotate(
                lab.text, (lab.x, lab.y), xytext=(ox * 72.0 / sz.dpi, oy * 72.0 / sz.dpi),
                textcoords="offset points", ha=ha, va=va, fontsize=lab.size_pt, fontweight=lab.weight,
                color="#141414", zorder=30, annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.15", "fc": (1, 1, 1, 0.82), "ec": "none"},
            )
            bb = text.get_window_extent(renderer).expanded(1.04, 1.1)
            overlap = sum(_overlap_area(bb, o) for o in taken)
            outside = bb.width * bb.height - _overlap_area(bb, axes_box)
            cost = overlap + 4.0 * outside
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, text)
            else:
                text.remove()
            if cost <= 0.0:
                break
        assert best is not None
        cost, text = best
        if cost > 0.0 and not lab.required:
            text.remove()
            continue
        taken.append(text.get_window_extent(renderer))


def _overlap_area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _legend_handles(data: MapData, drawn: list[str], sz: _Sizes) -> tuple[list[Any], list[str]]:
    handles: list[Any] = []
    labels: list[str] = []
    year = data.state.options.year
    for key in _LEGEND_ORDER:
        if key not in drawn:
            continue
        style = LAYER_STYLES[key]
        title = style.title.replace("(year)", f"({year})")
        if key == "sites":
            status = data.sites.get("status", pd.Series(dtype=str))
            custom = data.sites.get("custom", pd.Series(dtype=bool)).fillna(False).astype(bool)
            if (status == "active").any() or data.sites.empty:
                handles.append(Line2D([], [], ls="none", marker="o", ms=sz.pt(13), mfc=style.colour,
                                      mec="black", mew=sz.lpt(2.0)))
                labels.append(title)
            if (status != "active").any():
                handles.append(Line2D([], [], ls="none", marker="o", ms=sz.pt(13), mfc="white",
                                      mec="black", mew=sz.lpt(2.5)))
                labels.append(f"{title}: planned, not yet built (hollow)")
            if custom.any():
                handles.append(Line2D([], [], ls="none", marker="o", ms=sz.pt(13), mfc=_SITE_CUSTOM,
                                      mec="black", mew=sz.lpt(2.0)))
                labels.append("What-if site (custom)")
        elif key == "launch":
            handles.append(Line2D([], [], ls="none", marker="D", ms=sz.pt(11), mfc=style.colour,
                                  mec="white", mew=sz.lpt(1.5)))
            labels.append(title)
        elif key == "tracks":
            handles.append(Line2D([], [], color=style.colour, ls=style.line_style, lw=sz.lpt(style.line_width_px)))
            labels.append(title)
        else:
            lw_px = max(style.line_width_px, 1.0)
            if key == "interceptor":
                lw_px = max(lw_px, 3.0)
            handles.append(Patch(
                facecolor=_rgba(style.colour, style.fill_alpha if key != "nato" else style.fill_alpha),
                edgecolor=_rgba(style.colour, 1.0) if key != "nato" else "none",
                linewidth=sz.lpt(lw_px), linestyle=style.line_style, hatch=style.hatch or None,
            ))
            labels.append(title)
    return handles, labels


def _draw(data: MapData, size: ImageSize, projector: bool, date: dt.date) -> Figure:
    """Build the whole slide as a matplotlib Figure (Agg canvas attached)."""
    w_px, h_px = size.width_px, size.height_px
    scale = min(w_px / _REF_W_PX, h_px / _REF_H_PX)
    sz = _Sizes(scale=scale, font=1.25 if projector else 1.0, line=1.8 if projector else 1.0, dpi=size.dpi)
    fig = Figure(figsize=(w_px / size.dpi, h_px / size.dpi), dpi=size.dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    view = data.state.view
    spec = _spec(view)

    def fx(px: float) -> float:
        return px / w_px

    def fy(px: float) -> float:
        """Figure fraction for ``px`` measured from the top."""
        return 1.0 - px / h_px

    # Fonts (reference px)
    f_banner, f_title, f_sub, f_legend, f_text, f_small = 17.0, 40.0, 26.0, 20.0, 16.0, 15.0
    f_label, f_launch, f_year = 18.0, 15.0, 52.0

    # Vertical layout (image px from the top)
    margin = sz.px(16.0)
    banner_h = sz.px(f_banner * sz.font * 1.9)
    title_top = banner_h + sz.px(10.0)
    sub_top = title_top + sz.px(f_title * sz.font * 1.22)
    header_bottom = sub_top + sz.px(f_sub * sz.font * 1.35) + sz.px(6.0)
    footer_line = sz.px(f_small * sz.font * 1.45)
    footer_h = banner_h + 2 * footer_line + sz.px(10.0)
    map_top, map_bottom = header_bottom, h_px - footer_h
    panel_w = sz.px(450.0 * (1.12 if projector else 1.0))
    map_left, map_right = margin, w_px - panel_w - margin

    # Banners (the caveat as a marking, top and bottom)
    for y0 in (h_px - banner_h, 0.0):
        fig.add_artist(Rectangle((0, y0 / h_px), 1, banner_h / h_px, transform=fig.transFigure,
                                 facecolor=_BANNER, edgecolor="none", zorder=0))
        fig.text(0.5, (y0 + banner_h / 2) / h_px, CAVEAT, ha="center", va="center", color="white",
                 fontsize=sz.fpt(f_banner), fontweight="bold")

    # Header
    fig.text(fx(margin), fy(title_top), data.title, ha="left", va="top", fontsize=sz.fpt(f_title),
             fontweight="bold", color="#111111")
    fig.text(fx(margin), fy(sub_top), data.subtitle, ha="left", va="top", fontsize=sz.fpt(f_sub), color="#222222")

    # Map axes
    ax = fig.add_axes((fx(map_left), 1.0 - map_bottom / h_px, (map_right - map_left) / w_px,
                       (map_bottom - map_top) / h_px))
    aspect = (map_right - map_left) / (map_bottom - map_top)
    x0, x1, y0, y1 = _extent_m(view, aspect)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(_SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():  # the neatline
        spine.set_linewidth(sz.lpt(1.6))
        spine.set_color("#111111")
        spine.set_zorder(40)

    base = _basemap(view, data.countries)
    ax.add_collection(LineCollection(base.graticule, colors=[_GRATICULE], linewidths=sz.lpt(0.8), zorder=1),
                      autolim=False)
    ax.add_collection(PathCollection(base.land, facecolors=[_LAND], edgecolors="none", zorder=2), autolim=False)
    ax.add_collection(LineCollection(base.borders, colors=[_BORDER], linewidths=sz.lpt(1.3 if projector else 0.8),
                                     zorder=2.5), autolim=False)

    on = set(data.state.layers)
    drawn: list[str] = []
    crs = spec.crs
    fp = data.footprints
    z = {key: 3 + i for i, key in enumerate(LAYER_ORDER)}
    if "nato" in on and not data.nato.empty:
        paths = [p for iso3 in data.nato.iso3 for p in base.by_iso3.get(str(iso3), [])]
        style = LAYER_STYLES["nato"]
        if paths:
            ax.add_collection(PathCollection(paths, facecolors=[_rgba(style.colour, style.fill_alpha)],
                                             edgecolors="none", zorder=z["nato"]), autolim=False)
            drawn.append("nato")
    polygon_layers = {
        "early_warning": data.early_warning.geometry,
        "radar": fp.geometry[fp.layer == "radar"],
        "defended": None if data.defended is None else data.defended.geometry,
        "interceptor": fp.geometry[fp.layer == "interceptor"],
    }
    for key, geoms in polygon_layers.items():
        if key in on and geoms is not None and len(geoms) and _polygons(ax, list(geoms), key, crs, sz, z[key]):
            drawn.append(key)
    if "tracks" in on and data.tracks is not None and not data.tracks.empty and _lines(
            ax, list(data.tracks.geometry), "tracks", crs, sz, z["tracks"]):
        drawn.append("tracks")

    labels: list[_Label] = []
    obstacles: list[Bbox] = []
    site_ms_px = 13.0 * (1.3 if projector else 1.0)
    launch_ms_px = 11.0 * (1.3 if projector else 1.0)
    if "launch" in on and not data.launch_points.empty:
        style = LAYER_STYLES["launch"]
        lx, ly = _points_xy(data.launch_points, crs)
        ax.plot(lx, ly, ls="none", marker="D", ms=sz.pt(launch_ms_px), mfc=style.colour, mec="white",
                mew=sz.lpt(1.5), zorder=z["launch"])
        drawn.append("launch")
        for name, x, y in zip(data.launch_points["name"], lx, ly, strict=True):
            labels.append(_Label(_short(str(name)), x, y, sz.fpt(f_launch), "normal", False, sz.px(launch_ms_px)))
    site_labels: list[_Label] = []
    if "sites" in on and not data.sites.empty:
        sx, sy = _points_xy(data.sites, crs)
        active = (data.sites.status == "active").to_numpy()
        custom = data.sites.custom.fillna(False).astype(bool).to_numpy()
        fill = np.where(~active, "white", np.where(custom, _SITE_CUSTOM, "black"))
        for colour in ("black", _SITE_CUSTOM, "white"):
            sel = fill == colour
            if sel.any():
                ax.plot(sx[sel], sy[sel], ls="none", marker="o", ms=sz.pt(site_ms_px), mfc=colour,
                        mec="black", mew=sz.lpt(2.5 if colour == "white" else 1.5), zorder=z["sites"])
        drawn.append("sites")
        for name, x, y, is_custom in zip(data.sites.site_name, sx, sy, custom, strict=True):
            text = _short(str(name)) + (" (custom)" if is_custom else "")
            site_labels.append(_Label(text, x, y, sz.fpt(f_label), "bold", True, sz.px(site_ms_px)))

    # Year stamp (top left of the map) and scale bar (bottom left): placed before labels so
    # labels avoid them.
    year_text = ax.text(0.012, 0.985, str(data.state.options.year), transform=ax.transAxes, ha="left", va="top",
                        fontsize=sz.fpt(f_year), fontweight="bold", color="#111111", zorder=35,
                        bbox={"boxstyle": "round,pad=0.2", "fc": (1, 1, 1, 0.85), "ec": "#111111",
                              "lw": sz.lpt(1.0)})
    obstacles.append(year_text.get_window_extent(renderer))
    obstacles.append(_scale_bar(ax, renderer, crs, (x0, x1, y0, y1), sz, f_text))
    for lab in [*site_labels, *labels]:
        xd, yd = ax.transData.transform((lab.x, lab.y))
        r = lab.marker_px / 2.0
        obstacles.append(Bbox.from_extents(xd - r, yd - r, xd + r, yd + r))
    _place_labels(ax, renderer, site_labels + labels, obstacles, sz)

    # Side panel: legend, status, assumptions, projection
    panel_x = map_right + sz.px(18.0)
    text_w_px = w_px - panel_x - margin
    handles, names = _legend_handles(data, drawn, sz)
    y_cursor = map_top
    if handles:
        legend = fig.legend(
            handles, names, loc="upper left", bbox_to_anchor=(fx(panel_x), fy(map_top)), frameon=False,
            fontsize=sz.fpt(f_legend), title="Legend", title_fontproperties={"size": sz.fpt(f_legend),
                                                                          "weight": "bold"},
            alignment="left", handlelength=2.4, handleheight=1.1, borderaxespad=0.0, borderpad=0.0,
            labelspacing=0.55, handletextpad=0.6,
        )
        # Wrap long legend entries to the panel width.
        max_chars = max(12, int((text_w_px - sz.px(70.0)) / (0.56 * sz.px(f_legend * sz.font))))
        for t in legend.get_texts():
            t.set_text("\n".join(textwrap.wrap(t.get_text(), max_chars)))
        y_cursor = h_px - legend.get_window_extent(renderer).y0 + sz.px(22.0)
    status = data.phase.detail
    blocks = [("Status", status), ("Assumptions", data.assumptions)]
    blocks.append(("Map", f"{spec.note}; graticule every 10°. Scale bar true at the map centre."))
    chars = max(16, int(text_w_px / (0.55 * sz.px(f_text * sz.font))))
    for heading, body in blocks:
        if not body:
            continue
        fig.text(fx(panel_x), fy(y_cursor), heading, ha="left", va="top", fontsize=sz.fpt(f_text),
                 fontweight="bold", color="#111111")
        y_cursor += sz.px(f_text * sz.font * 1.4)
        wrapped = "\n".join(textwrap.wrap(body, chars))
        t = fig.text(fx(panel_x), fy(y_cursor), wrapped, ha="left", va="top", fontsize=sz.fpt(f_text),
                     color="#222222", linespacing=1.25)
        y_cursor = h_px - t.get_window_extent(renderer).y0 + sz.px(12.0)

    # Footer: sources, projection and data date
    foot_top = map_bottom + sz.px(6.0)
    fig.text(fx(margin), fy(foot_top), SOURCES_LINE, ha="left", va="top", fontsize=sz.fpt(f_small), color="#222222")
    fig.text(fx(margin), fy(foot_top + footer_line),
             f"Projection: {spec.note}.  Data as of {_fmt_date(date)}.  "
             "Public-source research tool, not an official product.",
             ha="left", va="top", fontsize=sz.fpt(f_small), color="#222222")
    return fig


def _scale_bar(ax: Axes, renderer: RendererBase, crs: str, extent: tuple[float, float, float, float],
               sz: _Sizes, font_px: float) -> Bbox:
    """Draw a km scale bar (true at the map centre) at the lower left; return its display box."""
    x0, x1, y0, y1 = extent
    ground_per_map = _scale_m_per_map_m(crs, (x0 + x1) / 2.0, (y0 + y1) / 2.0)
    target_km = 0.18 * (x1 - x0) * ground_per_map / 1000.0
    nice = [50, 100, 200, 250, 500, 1000, 1500, 2000, 2500, 5000]
    length_km = max([n for n in nice if n <= target_km] or [nice[0]])
    length_map_m = length_km * 1000.0 / ground_per_map
    to_data = ax.transData.inverted()
    ax_box = ax.get_window_extent(renderer)
    bx, by = to_data.transform((ax_box.x0 + sz.px(34.0), ax_box.y0 + sz.px(26.0)))
    bar_h = (y1 - y0) * sz.px(11.0) / ax_box.height
    parts = []
    for i in range(4):
        parts.append(ax.add_patch(Rectangle(
            (bx + i * length_map_m / 4, by), length_map_m / 4, bar_h, facecolor="black" if i % 2 == 0 else "white",
            edgecolor="black", linewidth=sz.lpt(1.0), zorder=35)))
    fs = sz.fpt(font_px)
    for frac, text in ((0.0, "0"), (0.5, f"{length_km / 2:,g}"), (1.0, f"{length_km:,}")):
        parts.append(ax.text(bx + frac * length_map_m, by + bar_h * 1.5, text, ha="center", va="bottom",
                             fontsize=fs, zorder=36, color="#111111"))
    parts.append(ax.text(bx + length_map_m + (x1 - x0) * sz.px(12.0) / ax_box.width, by + bar_h / 2, "km",
                         ha="left", va="center", fontsize=fs, zorder=36, color="#111111"))
    union = Bbox.union([p.get_window_extent(renderer) for p in parts])
    pad = sz.px(9.0)
    (ux0, uy0), (ux1, uy1) = to_data.transform([(union.x0 - pad, union.y0 - pad), (union.x1 + pad, union.y1 + pad)])
    bg = Rectangle((ux0, uy0), ux1 - ux0, uy1 - uy0, facecolor=(1, 1, 1, 0.88), edgecolor="#111111",
                   linewidth=sz.lpt(1.0), zorder=34)
    ax.add_patch(bg)
    return bg.get_window_extent(renderer)


def _validate(fmt: str, size: ImageSize) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"fmt={fmt!r} is not one of {', '.join(FORMATS)}")


def render(
    data: MapData,
    *,
    fmt: ImageFormat = "png",
    width_px: int = 1920,
    height_px: int = 1080,
    dpi: float = 100.0,
    projector: bool = False,
    date: dt.date | None = None,
) -> bytes:
    """Render one map state as a slide-ready image.

    Parameters
    ----------
    data
        The map state's layers (from :func:`coverage.mapdata.compute_map`); only the layers in
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

    Returns
    -------
    bytes
        The encoded file.
    """
    size = ImageSize(width_px, height_px, dpi)
    _validate(fmt, size)
    stamp = date or data_date()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _draw(data, size, projector, stamp)
        buf = io.BytesIO()
        metadata: dict[str, Any] = {"Title": data.title}
        if fmt == "pdf":
            metadata.update({"Subject": CAVEAT, "CreationDate": None, "ModDate": None})
        elif fmt == "svg":
            metadata.update({"Date": None, "Description": CAVEAT})
        else:
            metadata.update({"Description": CAVEAT})
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
) -> np.ndarray:
    """Render one map state to an RGB array (``height_px`` x ``width_px`` x 3, uint8), e.g. for animations.

    Same drawing as :func:`render`; skips PNG encoding.
    """
    size = ImageSize(width_px, height_px, dpi)
    stamp = date or data_date()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _draw(data, size, projector, stamp)
        canvas = fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        return np.array(rgba[..., :3], copy=True)

