"""pydeck map layers from the engine's GeoDataFrames (the only module that imports pydeck).

Every feature carries the same flat properties (``name``, ``label``, ``source``) so one tooltip
template serves all layers. Text is escaped exactly once, by Streamlit's tooltip (it escapes
``& < > " '`` in every value it puts into the template); here angle brackets are replaced by
look-alike guillemets (‹ ›), so no text from data or users reaches the browser as markup even
where nothing escapes it. The
Deck has no map provider: the bundled country polygons are the basemap and the browser fetches
nothing from outside.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import numpy as np
import pydeck as pdk
import shapely
from numpy.typing import NDArray
from pydeck.bindings.json_tools import default_serialize

from coverage.catalogue.basemap import border_lines, outer_countries
from coverage.products.footprints import early_warning_points
from coverage.products.headline import MAJOR_CITY_WORDS, naming_order
from coverage.render.kept import KeptBy
from coverage.render.outlines import MAX_LAT_DEG, WORLD_PX_AT_ZOOM_0, outline_segments
from coverage.style import (
    CAPITAL_STYLE,
    CITY_DOT_SCALE,
    LAUNCH_RING_GAP_PX,
    LAYER_ORDER,
    MAP_LAYER_KINDS,
    PROBABILITY_ALPHA,
    SECTOR_STYLES,
    THEMES,
    WHATIF_SITE_COLOUR,
    LayerStyle,
    Theme,
    hex_to_rgba,
    sector_map_alpha,
    site_label,
)
from coverage.textsafe import deck_text

if TYPE_CHECKING:
    import pandas as pd

    from coverage.catalogue.tables import Catalogue
    from coverage.products.compare import Comparison
    from coverage.products.mapdata import MapData

__all__ = [
    "DEFAULT_SCREEN",
    "EUROPE_FRAME",
    "RING_FRAME",
    "MAP_SIZE_PX",
    "PROJECTOR_CUT_PX",
    "VIEWS",
    "dashboard_map_size",
    "extra_rows",
    "projector_map_size",
    "CompactDeck",
    "StaticFiles",
    "build_deck",
    "drawn_bounds",
    "feature_collection",
    "fit_view",
    "HERE_LAYER_IDS",
    "here_faces",
    "layer_properties",
    "outside_map",
    "SITE_LABEL_PLACES",
    "site_label_places",
    "three_lines",
    "two_lines",
    "text_box",
    "world_px",
    "probability_deck_layer",
    "sector_deck_layers",
    "write_basemap_files",
]

#: What the Europe view shows when nothing but the basemap is drawn, ``(west, south, east,
#: north)`` in degrees; otherwise it frames the drawn layers (:func:`drawn_bounds`).
EUROPE_FRAME = (-25.0, 30.0, 50.0, 72.0)
#: How far radar footprints and interceptor rings push the framing, ``(west, south, east,
#: north)`` degrees: Europe, its Atlantic approaches and the Middle East's launch areas. Beyond
#: it a ring runs off the map's edge. The 2,500 km SM-3 IIA ring of Redzikowo reaches ~78°N,
#: where Mercator stretches it: framed whole, it left Europe a quarter of a projector's map
#: and its capitals an unlabelled clump (the new-user trial, 2024).
RING_FRAME = (-32.0, 27.0, 62.0, 72.0)
#: Screens the dashboard frames its map for, and the map's size in CSS pixels on each
#: ``(normal page with the sidebar open, projector mode)``, measured in Chromium. The server
#: cannot see the browser's screen, so the dashboard asks (``?screen=``): a map larger than
#: assumed shows more margin around the drawn layers, a smaller one crops them.
#: Projector heights are those of a year's map (2016); the map takes what the text around it
#: leaves: with rows above it (a comparison's line, ...) it is shorter and framed for that
#: (:data:`PROJECTOR_CUT_PX`). On the normal page the map's height is set from the screen
#: too: on the two smaller screens the map starts 220-340 px down (title, banner, headline:
#: 2024's banner takes three lines), so a 640 px map put the Mediterranean below the window's
#: bottom; at these heights a year's map and the caveat under it end inside a 1280x720 or
#: 1024x768 window (the banner's detail takes two lines at most there, ``panels.banner``; the
#: caveat ended 37-60 px below a 1280x720 window with maps of 446 px, measured in Chromium).
#: A comparison's extra line shortens the map (:data:`MAP_CUT_PX`).
MAP_SIZE_PX: Mapping[str, Mapping[bool, tuple[int, int]]] = {
    "1024x768": {False: (519, 410), True: (780, 448)},
    "1280x720": {False: (615, 412), True: (985, 439)},
    "1920x1080": {False: (1100, 640), True: (1497, 774)},
}
DEFAULT_SCREEN = "1920x1080"
#: How much shorter the dashboard's map is drawn with 0, 1 or 2 rows between the headline and
#: the map that only some states have (a comparison's line, the cooperation's "why"), px, so
#: that the caveat under the map still ends inside the window. Measured in Chromium over the
#: tallest such states (2016 vs 2024 and back, 2018 planned vs built, the cooperation gain in
#: 2016 and 2024 with and without a comparison), with the banner's detail at one line and the
#: capitals counted, not named, in those states (``panels.banner``, ``panels.headline``): at
#: 1280x720 the caveat ended 17 px below the window with one row (cut 22 px) and 7-30 px below
#: with two; now 5-7 px inside; at 1024x768 6-23 px inside. The map is framed for the height
#: it is drawn at. At 1920x1080 the room under the map (~247 px) takes both rows. A region
#: beyond NATO Europe measured in the headline is a third such row (:func:`extra_rows`): with
#: a comparison and the cooperation's "why" as well, the caveat ended 14 px below a 1280x720
#: window at the two rows' cut (2016, Belarus, the gain of shared early warning); 20 px more
#: there, and none at 1024x768, where it ended 25 px inside.
MAP_CUT_PX: Mapping[str, tuple[int, int, int, int]] = {
    "1024x768": (0, 25, 89, 89),
    "1280x720": (0, 46, 100, 120),
    "1920x1080": (0, 0, 0, 0),
}
#: How much shorter the projector's map is, px, with 0-3 of those rows above it: there the map
#: takes the height the text leaves (CSS), and was framed for a year's map whatever the rows,
#: so a cooperation gain at 1280x720 (two rows: a 313 px map framed for 439 px) cut off the
#: Mediterranean sites, Türkiye and the launch points. Measured in Chromium (2024 vs 2016;
#: 2012's cooperation gain; the same with Belarus measured too): 1920x1080 774 -> 665/660 px,
#: 1280x720 439 -> 360/315/289 px, 1024x768 448 -> 339/368/344 px. The map is framed for
#: that height; a year whose banner is longer than 2016's still loses a little at the edges.
PROJECTOR_CUT_PX: Mapping[str, tuple[int, int, int, int]] = {
    "1024x768": (0, 110, 110, 110),
    "1280x720": (0, 80, 125, 150),
    "1920x1080": (0, 110, 115, 115),
}
#: The map size the framing is computed for, by projector mode, on the default screen.
FRAME_SIZE_PX = MAP_SIZE_PX[DEFAULT_SCREEN]


def dashboard_map_size(screen: str, extra_rows: int = 0) -> tuple[int, int]:
    """The dashboard map's size on ``screen`` with ``extra_rows`` rows above it, px.

    See :data:`MAP_CUT_PX`; the projector's map takes whatever height is left (CSS).
    """
    w, h = MAP_SIZE_PX[screen][False]
    cuts = MAP_CUT_PX[screen]
    return w, h - cuts[min(max(extra_rows, 0), len(cuts) - 1)]


def projector_map_size(screen: str, extra_rows: int = 0) -> tuple[int, int]:
    """The projector's map size on ``screen`` with ``extra_rows`` rows above it, px."""
    w, h = MAP_SIZE_PX[screen][True]
    cuts = PROJECTOR_CUT_PX[screen]
    return w, h - cuts[min(max(extra_rows, 0), len(cuts) - 1)]


def extra_rows(data: MapData, *, projector: bool = False) -> int:
    """The rows the dashboard draws above ``data``'s map beyond the headline's own (0-4).

    A comparison's line, the cooperation's "why", and a region beyond NATO Europe measured too
    (a wide domain: the headline says its share after NATO Europe's, a line more on the
    smaller screens; the caveat ended 9 px below a 1280x720 window with it).
    """
    rows = (
        data.comparison is not None,
        bool(data.cooperation_why),
        data.state.domain == "wide",
        # Both states' phases in the subtitle (2016 vs 2024: the caveat ended 10 px below a
        # 1024x768 window, 2018 as built vs planned 49 px; measured in Chromium); a projector
        # shows A's alone (MapData.subtitle_one_line).
        data.phases_of_both and not projector,
    )
    return sum(rows)


def fit_view(
    bounds: tuple[float, float, float, float],
    *,
    width_px: float,
    height_px: float,
    padding_px: float = 16.0,
) -> dict[str, float]:
    """Camera centre and zoom that show ``bounds`` in a Web Mercator map of the given size.

    Parameters
    ----------
    bounds
        ``(west, south, east, north)`` in degrees; latitudes are clamped to ±85°.
    width_px, height_px
        Map size in CSS pixels.
    padding_px
        Margin kept on every side.

    Returns
    -------
    dict
        ``longitude``, ``latitude`` (degrees) and ``zoom`` (deck.gl's 512-pixel tiles).
    """
    west, south, east, north = bounds
    south, north = max(south, -85.0), min(north, 85.0)

    def merc_y(lat_deg: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat_deg) / 2))

    span_x = max(math.radians(east - west), 1e-6)  # radians of longitude
    span_y = max(merc_y(north) - merc_y(south), 1e-6)
    usable_w = max(width_px - 2 * padding_px, 1.0)
    usable_h = max(height_px - 2 * padding_px, 1.0)
    # At zoom z the world is 512 * 2**z pixels wide, i.e. 512 * 2**z / (2 pi) pixels per radian.
    scale = min(usable_w / span_x, usable_h / span_y) * 2 * math.pi / 512
    centre_y = (merc_y(north) + merc_y(south)) / 2
    return {
        "longitude": round((west + east) / 2, 3),
        "latitude": round(math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2), 3),
        "zoom": round(math.log2(scale), 3),
    }


#: Camera presets: Europe (the default, fitted to ``EUROPE_FRAME``) and the Arctic view for
#: ICBM tracks.
VIEWS: Mapping[str, dict[str, float]] = {
    "europe": {
        **fit_view(
            EUROPE_FRAME, width_px=FRAME_SIZE_PX[False][0], height_px=FRAME_SIZE_PX[False][1]
        ),
        "min_zoom": 1.0,
        "max_zoom": 9,
    },
    "wide": {"longitude": 10.0, "latitude": 55.0, "zoom": 1.8, "min_zoom": 1.0, "max_zoom": 9},
}
_TEXT_FIELDS = ("name", "label", "source")
#: Dash patterns (dash, gap) in line widths for ``LayerStyle.line_style``. Checked in Chromium
#: screenshots: deck.gl drew longer dashes ([6, 3.5] or [6, 4] at 2.5 px, [4, 2.5] at 4.5 px)
#: as solid lines, so dashes stay about 10 px long.
_DASH_ARRAYS: dict[str, list[float]] = {"dashed": [4, 2.5], "dotted": [1, 2], "dashdot": [5, 2]}


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation (pydeck indents, tripling the payload)."""

    def to_json(self) -> str:  # noqa: D102 - same contract as pydeck.Deck.to_json
        cached = self.__dict__.get("_compact_json")
        if cached is None:
            # Serialised once: a built deck is never changed, and the dashboard reuses it.
            cached = json.dumps(
                self, sort_keys=True, default=default_serialize, separators=(",", ":")
            )
            self.__dict__["_compact_json"] = cached
        return cached


@dataclass(frozen=True)
class StaticFiles:
    """A folder the web server publishes, and the URL it is published under.

    The basemap (countries, borders, NATO members) is most of a map's payload and rarely changes.
    Written here as content-addressed JSON files (:func:`write_basemap_files`), a layer's ``data``
    becomes a URL: the browser fetches each file once, and deck.gl, which compares a URL by value
    but inline data by identity, does not rebuild those layers on every rerun. A file that is not
    there (an unpublished change to ``data/``) falls back to inline data, so the map is never
    missing its basemap.

    ``url`` is relative to the page (Streamlit serves ``./static`` at ``app/static``), so it also
    works under a ``server.baseUrlPath``.
    """

    directory: Path
    url: str = "app/static"
    subdir: str = "basemap"

    def url_for(self, name: str, payload: str) -> str | None:
        """The URL of ``payload`` if it has been published, else ``None``."""
        fname = _file_name(name, payload)
        if (self.directory / self.subdir / fname).is_file():
            return f"{self.url}/{self.subdir}/{fname}"
        return None


def _file_name(name: str, payload: str) -> str:
    """Content-addressed file name of a layer's JSON ``payload``."""
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
    return f"{name}-{digest}.json"


def _payload(collection: Any) -> str:
    return json.dumps(collection, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _round_coords(geoms: np.ndarray, decimals: int) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


#: Angle brackets become look-alikes (no tags). An opening brace is followed by an invisible
#: word joiner (U+2060): Streamlit fills the tooltip's ``{name}``/``{label}``/``{source}`` one
#: after another, each replacing the first match in the text so far, so a name holding
#: "{source}" would otherwise take the source's place. (Full-width look-alike braces were tried:
#: fonts without CJK glyphs, as on this Debian machine, drew them as boxes.)
_JOINER = "\u2060"
_NO_TAGS = str.maketrans({"<": "\u2039", ">": "\u203a", "{": "{" + _JOINER})


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        # Not HTML-escaped: Streamlit escapes tooltip values itself (escaping here showed
        # "38°20&#x27;58&quot;N" in tooltips). No "@@" reaches deck.gl's JSON converter.
        return deck_text(value.translate(_NO_TAGS))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def feature_collection(
    frame: gpd.GeoDataFrame,
    properties: Iterable[str],
    *,
    decimals: int = 4,
    simplify_deg: float | None = None,
) -> dict[str, Any]:
    """A compact GeoJSON FeatureCollection for deck.gl.

    Coordinates are rounded to ``decimals`` (4 ≈ 10 m); text properties carry no angle brackets
    (see the module docstring). With ``simplify_deg``, shapes are first simplified to that
    tolerance (topology kept), for display only.
    """
    props = [p for p in properties if p in frame.columns]
    shapes = np.asarray(frame.geometry.values)
    if simplify_deg is not None:
        shapes = shapely.simplify(shapes, simplify_deg)
    geoms = _round_coords(shapes, decimals)
    features = []
    # Column by column: selecting the columns as a frame costs more than the rest here.
    rows = zip(*(frame[p].tolist() for p in props), strict=True) if props else ((),) * len(geoms)
    for geom, row in zip(geoms, rows, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {k: _clean(v) for k, v in zip(props, row, strict=True)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


_T = TypeVar("_T")

#: The shared frames' GeoJSON collections (a few MB: ~10 a year and view).
_KEPT_COLLECTIONS = KeptBy(96)
#: What else is built from shared frames (small): point records, bounds, the tooltip faces'
#: parsed rings. Apart, so that these never push a collection out (each one converted again
#: would also be cut into outlines again: :func:`outline_segments` keys on the collection).
_KEPT_DERIVED = KeptBy(480)


def _shared_collection(source: object, key: tuple[object, ...], build: Callable[[], _T]) -> _T:
    """``build()``, a GeoJSON collection of a shared frame, kept (:class:`~coverage.render.kept.KeptBy`).

    Only frames that maps share belong here: another would only take a place.
    """
    return _KEPT_COLLECTIONS.get(source, key, build)


def _shared_derived(source: object, key: tuple[object, ...], build: Callable[[], _T]) -> _T:
    """``build()``, something small made from a shared frame or collection, kept apart."""
    return _KEPT_DERIVED.get(source, key, build)


def _is_shared(collection: object) -> bool:
    """Whether ``collection`` is one that :func:`_shared_collection` keeps (maps reuse it)."""
    return _KEPT_COLLECTIONS.holds(collection)


def _with_text(frame: gpd.GeoDataFrame, name_col: str) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["name"] = out[name_col].astype(str)
    for col in ("label", "source"):
        if col not in out.columns:
            out[col] = ""
    return out


def _polygon_layer(
    layer_key: str,
    frame: gpd.GeoDataFrame,
    name_col: str,
    extra: Iterable[str] = (),
    *,
    projector: bool = False,
    fill: list[int] | str | None = None,
    pickable: bool = True,
    prepared: dict[str, Any] | str | None = None,
    style: LayerStyle | None = None,
    theme: Theme = THEMES["light"],
    shared_from: object | None = None,
) -> pdk.Layer:
    """A GeoJSON polygon layer of ``frame``.

    ``shared_from``: the shared frame that ``frame`` was selected from (by ``layer_key``), when
    its collection may be kept (:func:`_shared_collection`).
    """
    style = style or theme.layer_styles[layer_key]
    data: dict[str, Any] | str
    if prepared is not None:
        data = prepared  # a published file's URL, or its collection when it is not published
    else:
        fields = (*_TEXT_FIELDS, *extra)

        def build() -> dict[str, Any]:
            # Display-simplified as the basemap is: software WebGL (browsers without a GPU)
            # draws outlines segment by segment, and geodesic rings carry ~5x more points than
            # a quarter pixel needs; a redraw of the default map took 200 ms before, 137 after.
            return feature_collection(
                _with_text(frame, name_col), fields, simplify_deg=DISPLAY_TOLERANCE_DEG
            )

        data = (
            build()
            if shared_from is None
            else _shared_collection(shared_from, (layer_key, name_col, fields), build)
        )
    scale = 1.8 if projector else 1.0
    width = style.line_width_px * scale
    dash = _DASH_ARRAYS.get(style.line_style)
    extra_kwargs: dict[str, Any] = {}
    if dash is not None:
        # Thicker projector lines keep the same dash lengths in pixels (see _DASH_ARRAYS).
        dash = [round(d / scale, 2) for d in dash]
        # The same second cue as the images (dashed radar, dotted early warning), so layers stay
        # distinct in greyscale; deck.gl's PathStyleExtension, which Streamlit registers.
        extra_kwargs = {
            "extensions": [{"@@type": "PathStyleExtension", "dash": True}],
            "get_dash_array": dash,
            "dash_justified": False,
        }
    return pdk.Layer(
        "GeoJsonLayer",
        data=data,
        id=layer_key,
        stroked=width > 0,
        filled=True,
        get_fill_color=fill or hex_to_rgba(style.colour, style.fill_alpha),
        get_line_color=hex_to_rgba(style.colour, 1.0),
        line_width_units="'pixels'",
        get_line_width=width,
        line_width_min_pixels=width,
        pickable=pickable,
        auto_highlight=pickable,
        highlight_color=_highlight(theme),
        **extra_kwargs,
    )


def _outlines_as_lines(layers: list[pdk.Layer], *, zoom: float) -> list[pdk.Layer]:
    """Each inline GeoJSON layer's outline drawn by a ``LineLayer`` just above it.

    One shader program for every outline, the borders' (see :mod:`coverage.render.outlines`):
    a dashed outline (``PathStyleExtension``) is cut into its dashes here, at the opening
    ``zoom``. The GeoJSON layer keeps its data (its features are what a pick refers to) and its
    fill; a fill that draws nothing (transparent, not picked, no pattern) is turned off, so the
    layer draws nothing at all. Layers whose data is a URL or whose line colour is an accessor
    keep their own outline.
    """
    out: list[pdk.Layer] = []
    for layer in layers:
        out.append(layer)
        colour = getattr(layer, "get_line_color", None)
        width_value = getattr(layer, "get_line_width", 1.0)
        if (
            layer.type != "GeoJsonLayer"
            or not getattr(layer, "stroked", False)
            or not isinstance(layer.data, dict)
            or not isinstance(colour, list)
            or not isinstance(width_value, int | float)
            or not isinstance(getattr(layer, "get_dash_array", []), list)
        ):
            continue  # accessors (not constants): deck.gl draws that outline itself
        width = float(width_value)
        extensions = list(getattr(layer, "extensions", []) or [])
        dashed = [e for e in extensions if e.get("@@type") == "PathStyleExtension"]
        dash: tuple[float, float] | None = None
        if dashed:
            on, off = (float(v) for v in layer.get_dash_array)
            dash = (on * width, off * width)
            for name in ("get_dash_array", "dash_justified"):
                layer.__dict__.pop(name, None)
            extensions = [e for e in extensions if e not in dashed]
            if extensions:
                layer.extensions = extensions
            else:
                layer.__dict__.pop("extensions", None)
        for name in (
            "get_line_color",
            "get_line_width",
            "line_width_min_pixels",
            "line_width_units",
        ):
            layer.__dict__.pop(name, None)
        layer.stroked = False
        fill = getattr(layer, "get_fill_color", None)
        clear = isinstance(fill, list) and len(fill) == 4 and fill[3] == 0
        patterned = any(e.get("@@type") == "FillStyleExtension" for e in extensions)
        if clear and not getattr(layer, "pickable", False) and not patterned:
            layer.filled = False
        out.append(
            pdk.Layer(
                "LineLayer",
                data=outline_segments(
                    layer.data, dash=dash, zoom=zoom, keep=_is_shared(layer.data)
                ),
                id=f"{layer.id}-outline",
                get_source_position="s",
                get_target_position="t",
                get_color=colour,
                width_units="'pixels'",
                get_width=width,
                pickable=False,
            )
        )
    return out


def _highlight(theme: Theme) -> list[int]:
    """Hover highlight: darken on light ground, lighten on dark."""
    return [0, 0, 0, 40] if theme.key == "light" else [255, 255, 255, 50]


def build_deck(
    data: MapData,
    *,
    projector: bool = False,
    static: StaticFiles | None = None,
    capitals: pd.DataFrame | None = None,
    screen: str = DEFAULT_SCREEN,
    theme: str = "light",
    cities: pd.DataFrame | None = None,
) -> CompactDeck:
    """Assemble the map of one :class:`~coverage.products.mapdata.MapData`.

    Only layers in ``data.state.layers`` are drawn; the basemap (sea and countries) always is.
    ``projector`` draws thicker lines and larger labels. The map zooms on the wheel in both
    modes; the dashboard's page script (``dashboard/wheelzoom.py``) keeps a wheel event without
    Ctrl or ⌘ from reaching deck.gl, so that it scrolls the page instead. With ``static``, the
    basemap and NATO layers refer to their published files by URL instead of carrying their data
    (see :class:`StaticFiles`).

    ``capitals`` (columns ``name, country, lon_deg, lat_deg, status``, as
    :attr:`coverage.products.headline.Headline.capitals`) adds a dot per capital coloured by
    status and its name. The Europe view frames every drawn layer (:func:`drawn_bounds`: the
    Kürecik radar sector, the Iranian launch points, the 2,500 km SM-3 IIA rings) in the map size
    of ``screen`` (a key of :data:`MAP_SIZE_PX`), so the camera only moves between years when
    the drawn extent changes.

    ``theme`` (a key of :data:`coverage.style.THEMES`) colours the basemap, the layers and the
    labels: ``"dark"`` for dim rooms.
    """
    if theme not in THEMES:
        raise ValueError(f"theme={theme!r} is not one of {', '.join(THEMES)}")
    th = THEMES[theme]
    on = set(data.state.layers)
    view = data.state.view
    layers: list[pdk.Layer] = [
        pdk.Layer(
            "PolygonLayer",
            data=[{"polygon": [[-180, -85], [180, -85], [180, 85], [-180, 85]]}],
            id="sea",
            get_polygon="polygon",
            get_fill_color=hex_to_rgba(th.sea),
            stroked=False,
            pickable=False,
        ),
        *(
            []
            if view == "wide"
            else [
                pdk.Layer(
                    "GeoJsonLayer",
                    data=_layer_data("countries-outside", _outer_collection(), static),
                    id="countries-outside",
                    stroked=False,
                    filled=True,
                    get_fill_color=hex_to_rgba(th.land),
                    pickable=False,
                )
            ]
        ),
        pdk.Layer(
            "GeoJsonLayer",
            data=_layer_data(
                f"countries-{_basemap_view(view)}", _countries_collection(data.countries), static
            ),
            id="countries",
            stroked=False,
            filled=True,
            get_fill_color=hex_to_rgba(th.land),
            pickable="countries" in on,
            auto_highlight="countries" in on,
            highlight_color=_highlight(th)[:3] + [25],
        ),
        # Straight segments (LineLayer), not paths: at under 1.5 px the joints are invisible, and
        # software-rendered WebGL (browsers without a GPU) draws them about three times faster.
        pdk.Layer(
            "LineLayer",
            data=_layer_data(
                f"borders-{_basemap_view(view)}", _border_segments(_basemap_view(view)), static
            ),
            id="borders",
            get_source_position="s",
            get_target_position="t",
            get_color=hex_to_rgba(th.border),
            width_units="'pixels'",
            get_width=1.2 if projector else 0.7,
            pickable=False,
        ),
    ]
    fp = data.footprints
    # Set below, before any builder runs: the camera and where the site names go.
    camera: dict[str, float]
    places: list[tuple[int, str] | None]
    builders: dict[str, Any] = {
        "nato": lambda: _nato_layer(data, static, projector=projector, theme=th),
        "early_warning": lambda: _polygon_layer(
            "early_warning",
            data.early_warning,
            "site_name",
            ["system", "range_km"],
            projector=projector,
            theme=th,
            shared_from=data.early_warning,
        ),
        "radar": lambda: _polygon_layer(
            "radar",
            fp[fp.layer == "radar"],
            "site_name",
            ["system", "system_name", "range_km", "limit", "layer"],
            projector=projector,
            theme=th,
            shared_from=fp,
        ),
        "interceptor": lambda: _polygon_layer(
            "interceptor",
            fp[fp.layer == "interceptor"],
            "site_name",
            ["system", "system_name", "range_km", "limit", "layer"],
            projector=projector,
            theme=th,
            shared_from=fp,
        ),
        "launch": lambda: _points_layer(
            "launch", data.launch_points, "name", projector=projector, theme=th
        ),
    }
    if data.difference is not None:
        # Comparing two states: gained / lost / both take the defended area's place (over the
        # members of either year: MapData.drawn_difference).
        difference = data.drawn_difference
        builders["defended"] = lambda: _difference_layers(
            difference,
            projector=projector,
            theme=th,
            zoom=camera["zoom"],
            latitude_deg=camera["latitude"],
        )
        on.add("defended")
    elif data.defended is not None:
        builders["defended"] = lambda: _defended_layers(
            data.drawn_defended, projector=projector, theme=th
        )
    if data.probability is not None and not data.probability.empty:
        # Under every footprint: the probability classes are the ground truth the rest outlines.
        at = next((i for i, layer in enumerate(layers) if layer.id == "borders"), len(layers))
        layers.insert(at, probability_deck_layer(data.probability))
    if data.tracks is not None:
        builders["tracks"] = lambda: _path_layer(
            "tracks", data.tracks, projector=projector, theme=th
        )
    camera = dict(VIEWS[data.state.view])
    # Beyond the map's edges, where no name may go (the Europe view, whose size is known).
    edges: list[tuple[float, float, float, float]] = []
    capital_edges: list[tuple[float, float, float, float]] = []
    if data.state.view == "europe":
        if screen not in MAP_SIZE_PX:
            raise ValueError(f"screen={screen!r} is not one of {', '.join(MAP_SIZE_PX)}")
        rows = extra_rows(data, projector=projector)
        w, h = projector_map_size(screen, rows) if projector else dashboard_map_size(screen, rows)
        # Room above the northernmost point for its label (a capital's name goes above its
        # dot where it can: the dot's radius, a gap and a line of text; 8 px of margin).
        size, radius = _capital_label_size(projector)
        padding = max(28.0, radius + 8.0 + 1.2 * size + 4.0)
        camera.update(
            fit_view(drawn_bounds(data, capitals), width_px=w, height_px=h, padding_px=padding)
        )
        edges = outside_map(camera, width_px=w, height_px=h)
        capital_edges = outside_map(camera, width_px=w, height_px=h, slack_px=6.0)
    # Capital names that would overlap a site's name or a name placed before (the defended
    # first, then the larger) at the opening zoom are left out (the dot and its tooltip stay).
    sites_on = "sites" in on and not data.sites.empty
    site_names = _site_records(data.sites) if sites_on else []
    site_size, site_dot = _site_label_size(projector)
    ew_size = _early_warning_label_size(projector)
    zoom = camera["zoom"]
    ew_on = "early_warning" in on and not data.early_warning.empty
    ew_names = _early_warning_records(data.early_warning) if ew_on else []
    # Site names avoid each other, the other sites' dots (Rota and the Mediterranean patrols),
    # the Russian early-warning radars' dots and the capitals' dots ("Naval Station Rota" hid
    # Lisbon's); the radars' names then go around the sites' names and dots, and the capitals'
    # names around both.
    _, capital_dot = _capital_label_size(projector)
    capital_records, city_records = (
        [
            (float(r.lon_deg), float(r.lat_deg), str(r.name))
            for r in frame.itertuples(index=False)
            if math.isfinite(r.lon_deg) and math.isfinite(r.lat_deg)
        ]
        if frame is not None
        else []
        for frame in (capitals, cities)
    )
    # The launch points the map's threat flies from are ringed and named (the other dots are
    # candidates): around the sites' and radars' names and dots, the other launch dots and
    # the capitals' dots; the capitals' names then go around them too.
    launch_dot = LAUNCH_DOT_PX[projector]
    launch_all = (
        [
            (float(g.x), float(g.y), _clean(str(n)))
            for g, n in zip(data.launch_points.geometry, data.launch_points.name, strict=True)
        ]
        if "launch" in on
        else []
    )
    used = {_clean(n) for n in data.launch_used}
    launch_names = [r for r in launch_all if r[2] in used]
    # The threat's launch ring is drawn above the sites' names; a name under it loses a
    # letter or three ("Kürecik Rad● Station" beside Tabriz at 1920x1080). Where a site's name
    # overlaps the ring, the names are placed again with the ring kept clear, and that placing
    # is taken unless it costs a name (see ``flaws`` below: a name moved below its dot pushed
    # capitals' names out, 1280x720 2024 named 10 capitals instead of 11).
    rings = _dot_boxes(launch_names, zoom=zoom, dot_px=launch_dot + LAUNCH_RING_GAP_PX + 1.5)

    def launch_name_places(blocked: list[tuple[float, float, float, float]]) -> _Places:
        """Where the launch points' names go, around ``blocked`` and the other launch dots.

        Also around the capitals' dots; a name cut by the map's edge is left out (its ring, dot
        and tooltip stay).
        """
        found = site_label_places(
            launch_names,
            zoom=zoom,
            size_px=site_size,
            dot_px=launch_dot,
            blocked=[
                *blocked,
                *_dot_boxes(
                    [r for r in launch_all if r[2] not in used], zoom=zoom, dot_px=launch_dot
                ),
                *_dot_boxes(capital_records, zoom=zoom, dot_px=capital_dot),
            ],
            avoid=edges,
        )
        cut = set(_cut_names(launch_names, found, zoom, site_size, edges))
        return [None if i in cut else p for i, p in enumerate(found)]

    town_dots = _dot_boxes([*capital_records, *city_records], zoom=zoom, dot_px=capital_dot)

    def around_towns(
        names: list[tuple[float, float, str]],
        size_px: float,
        blocked: list[tuple[float, float, float, float]],
        shy: bool = False,
    ) -> _Places:
        """Places for ``names`` around ``blocked`` and the capitals' and cities' dots.

        A site's or radar's name matters more than a town's dot: where keeping clear of the
        dots leaves a name out (2024 at 1024 px), every one of ``names`` is placed again
        around ``blocked`` alone, and that placing is taken if it leaves fewer out; ``shy``:
        each covering the towns' dots as little as it can (:func:`site_label_places`).
        """
        places = site_label_places(
            names,
            zoom=zoom,
            size_px=size_px,
            dot_px=site_dot,
            blocked=[*blocked, *town_dots],
            avoid=edges,
        )
        if town_dots and any(p is None for p in places):
            anyway = site_label_places(
                names,
                zoom=zoom,
                size_px=size_px,
                dot_px=site_dot,
                blocked=blocked,
                avoid=edges,
                shy=town_dots if shy else (),
            )
            if sum(p is None for p in anyway) < sum(p is None for p in places):
                places = anyway
        return places

    def place_names(
        ring_clear: bool, launch_first: bool = False, shy: bool = False
    ) -> tuple[_Places, _Places, _Places, dict[str, int] | None]:
        """Site, early-warning and launch names' places, and the capitals named."""
        clear_of = _dot_boxes(ew_names, zoom=zoom, dot_px=site_dot)
        if ring_clear:
            clear_of += rings
        early: _Places | None = None
        if launch_first:
            # Before any other name, around the sites' and radars' dots only; the ring and the
            # name then block the sites' names (on a projector's smaller map Tabriz had no room
            # left once Kürecik's name was placed, and the ring covered that name).
            early = launch_name_places(
                [
                    *_dot_boxes(site_names, zoom=zoom, dot_px=site_dot),
                    *_dot_boxes(ew_names, zoom=zoom, dot_px=site_dot),
                ]
            )
            clear_of += _site_label_boxes(launch_names, early, zoom=zoom, size_px=site_size)
        # Not over a major city's dot either ("Kürecik Radar Station" over Konya's); the launch
        # point's name may be (Tabriz named in 20 of 30 maps rather than 25).
        places = around_towns(site_names, site_size, clear_of, shy)
        site_boxes = _site_label_boxes(site_names, places, zoom=zoom, size_px=site_size)
        site_boxes += _dot_boxes(site_names, zoom=zoom, dot_px=site_dot)
        # The radars' names go around the capitals' and cities' dots too ("Pionersky" over
        # Berlin's, "Baranovichi node" over Warsaw's, on the zoomed-out 1280x720 map).
        ew_places = around_towns(ew_names, ew_size, site_boxes, shy)
        site_boxes += _site_label_boxes(ew_names, ew_places, zoom=zoom, size_px=ew_size)
        site_boxes += _dot_boxes(ew_names, zoom=zoom, dot_px=site_dot)
        launch_places = early if early is not None else launch_name_places(site_boxes)
        site_boxes += _site_label_boxes(launch_names, launch_places, zoom=zoom, size_px=site_size)
        dot_centres = [world_px(lon, lat, zoom) for lon, lat, _ in (*site_names, *ew_names)]
        kept_capitals = (
            _capital_label_places(
                capitals,
                [*site_boxes, *capital_edges],
                dot_centres,
                zoom=camera["zoom"],
                projector=projector,
            )
            if capitals is not None
            else None
        )
        return places, ew_places, launch_places, kept_capitals

    def flaws(
        found: tuple[_Places, _Places, _Places, dict[str, int] | None],
    ) -> tuple[int, int, int]:
        """Names left out (sites', radars', launch points'), on a leader, capitals' unnamed."""
        sites_placed = found[0]
        return (
            sum(p is None for p in (*sites_placed, *found[1], *found[2])),
            sum(p is not None and p[0] >= len(SITE_LABEL_PLACES) for p in sites_placed),
            -len(found[3] or {}),
        )

    places, ew_places, launch_places, kept_capitals = place_names(False)
    chosen = (False, False)
    names_at = _site_label_boxes(site_names, places, zoom=zoom, size_px=site_size)
    if any(_overlaps(box, ring) for box in names_at for ring in rings) or any(
        p is None for p in launch_places
    ):
        # Two other placings: the sites' names kept clear of the ring, and the launch point's
        # name placed first (a projector's smaller map had no room left for it). One is taken
        # only if it costs nothing: no name left out (a site's, a radar's or a launch
        # point's), no site's name sent out on a leader (one read as another site's at
        # 1280x720 in 2024), no capital's name; the launch-first one may instead name the
        # launch point at the price of capitals' names, since the headline and the legend
        # point to it.
        before = flaws((places, ew_places, launch_places, kept_capitals))
        for args in ((True, False), (True, True)):
            candidate = place_names(*args)
            after = flaws(candidate)
            names_more = after[0] < before[0] and after[1] <= before[1]
            if names_more or all(a <= b for a, b in zip(after, before, strict=True)):
                places, ew_places, launch_places, kept_capitals = candidate
                before, chosen = after, args

    def capitals_hidden(found: _Places) -> int:
        """Capitals whose dot's centre is under a site's name (its status unseen)."""
        boxes = _site_label_boxes(site_names, found, zoom=zoom, size_px=site_size)
        centres = [world_px(lon, lat, zoom) for lon, lat, _ in capital_records]
        return sum(any(b[0] < x < b[2] and b[1] < y < b[3] for b in boxes) for x, y in centres)

    def place_cities(
        found: tuple[_Places, _Places, _Places, dict[str, int] | None],
    ) -> dict[str, int] | None:
        """The major cities named, last (a smaller type), clear of ``found``'s names and dots.

        A city with no room keeps its dot and tooltip.
        """
        if cities is None or cities.empty:
            return None
        sites_at, ew_at, launch_at, capitals_at = found
        taken = [
            *_site_label_boxes(site_names, sites_at, zoom=zoom, size_px=site_size),
            *_dot_boxes(site_names, zoom=zoom, dot_px=site_dot),
            *_site_label_boxes(ew_names, ew_at, zoom=zoom, size_px=ew_size),
            *_dot_boxes(ew_names, zoom=zoom, dot_px=site_dot),
            *_site_label_boxes(launch_names, launch_at, zoom=zoom, size_px=site_size),
            *_dot_boxes(launch_all, zoom=zoom, dot_px=launch_dot),
            *_capital_label_boxes(capitals, capitals_at, zoom=zoom, projector=projector),
            *capital_edges,
        ]
        dots = [world_px(lon, lat, zoom) for lon, lat, _ in (*site_names, *capital_records)]
        return _capital_label_places(cities, taken, dots, zoom=zoom, projector=projector, city=True)

    # Where a site's name hides a capital's dot (on a projector at 1280x720 in 2016 four,
    # "Aegis Ashore Romania" over Bucharest's green dot: every place near Deveselu covers some
    # town's dot, and the first was taken), the names are placed again covering the towns'
    # dots as little as each can. That placing is taken if more capitals are then both seen
    # and named (named less hidden: a hidden dot hides the answer, an unnamed one keeps it
    # and its tooltip), with no site's, radar's or launch point's name left out or on a
    # leader and no city's name fewer (taken regardless, it named 24 towns where there were
    # 29 on the 2025 map, and hid Prague's dot: session 41's review).
    current = (places, ew_places, launch_places, kept_capitals)
    kept_cities = place_cities(current)
    hidden = capitals_hidden(places) if town_dots else 0
    if hidden:
        candidate = place_names(*chosen, shy=True)
        cities_then = place_cities(candidate)
        (out_then, leaders_then, unnamed_then), (out_now, leaders_now, unnamed_now) = (
            flaws(candidate),
            flaws(current),
        )
        hidden_then = capitals_hidden(candidate[0])
        if (
            out_then <= out_now
            and leaders_then <= leaders_now
            and len(cities_then or {}) >= len(kept_cities or {})
            and hidden_then < hidden
            and -unnamed_then - hidden_then > -unnamed_now - hidden
        ):
            places, ew_places, launch_places, kept_capitals = candidate
            kept_cities = cities_then
    builders["sites"] = lambda: _sites_layers(
        data.sites, places, zoom=zoom, projector=projector, theme=th
    )

    def places_layers() -> list[pdk.Layer]:
        """The capitals (and, under them, the major cities): dots by status and names."""
        out = []
        if cities is not None and not cities.empty:
            out += _capital_layers(cities, kept_cities, projector=projector, theme=th, city=True)
        if capitals is not None:
            if data.comparison is not None:
                out.append(
                    _capital_change_rings(capitals, data.comparison, projector=projector, theme=th)
                )
            out += _capital_layers(capitals, kept_capitals, projector=projector, theme=th)
        return out

    for key in LAYER_ORDER:
        if key in on and key in builders:
            built = builders[key]()
            layers.extend(built if isinstance(built, list) else [built])
            if key == "launch":
                # Capitals above the footprints and launch points, below the sites' labels.
                layers.extend(places_layers())
    if "launch" not in on:
        at = next((i for i, layer in enumerate(layers) if layer.id == "sites"), len(layers))
        layers[at:at] = places_layers()
    if ew_on:
        # The radars themselves, under the NATO sites' dots and above every area (the "here"
        # layer goes above the areas, so a radar's dot keeps its own tooltip and click).
        at = next((i for i, layer in enumerate(layers) if layer.id == "sites"), len(layers))
        layers[at:at] = _early_warning_sites_layers(
            data.early_warning, ew_places, zoom=zoom, projector=projector, theme=th
        )
    if data.sectoral is not None and not data.sectoral.empty:
        # Over the NATO fill and the defended area (which the sector cuts across), under the
        # footprints' outlines: which ground the proposal gives Russia.
        below = ("nato", "defended", "compare-both", "compare-lost", "compare-gained")
        at = max((i + 1 for i, layer in enumerate(layers) if layer.id in below), default=0)
        layers[at:at] = sector_deck_layers(data.sectoral, projector=projector)
    # The threat's launch ring, leader and name go on top, above the sites' names: those are
    # placed first, and one may cover the launch point (Kürecik's name over Tabriz on a
    # 1024x768 map), whose ring the headline and the legend point to.
    layers += _launch_used_layers(
        launch_names, launch_places, zoom=zoom, projector=projector, theme=th
    )
    _add_here_layer(layers, theme=th)
    layers = _outlines_as_lines(layers, zoom=camera["zoom"])
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**camera, pitch=0, bearing=0),
        # map_provider=None with pydeck's default map_style serialises the '__MAP_STYLE__' sentinel,
        # which Streamlit treats as "no basemap"; map_style=None would make it fetch a Carto style.
        map_provider=None,
        tooltip={
            "html": "<b>{name}</b><br/>{label}<br/><span style='opacity:.75'>Source: {source}</span>",
            "style": {
                "backgroundColor": "#1b1b1b",
                "color": "#ffffff",
                "fontSize": "15px" if projector else "13px",
                # The "here" layer lists one covering layer a line.
                "whiteSpace": "pre-line",
                # deck.gl puts the tooltip's top-left corner at the pointer and never flips it,
                # and the map's box clips it (letting it overflow broke the map's drawing in
                # Chromium): centred below the pointer and at most ~half the map wide, it is
                # cut only within a quarter of the map's width from either edge, and then by
                # less than half (it was cut anywhere in the right three quarters of a small
                # map). A click shows the same in the side panel.
                "maxWidth": "min(460px, 52%)",
                "translate": "-50% 18px",
            },
        },
        views=[
            pdk.View(
                type="MapView",
                controller={"scrollZoom": {"speed": SCROLL_ZOOM_SPEED}},
                repeat=False,
            )
        ],
    )


def _bounds(frame: gpd.GeoDataFrame | None) -> NDArray[Any] | None:
    """A frame's ``total_bounds``; ``None`` for no frame or an empty one."""
    return None if frame is None or frame.empty else np.asarray(frame.total_bounds)


def _layer_rows(frame: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """The rows of a footprint frame for one layer (``"radar"`` or ``"interceptor"``)."""
    return frame[frame.layer == key]


def drawn_bounds(
    data: MapData, capitals: pd.DataFrame | None = None
) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of every drawn layer except the basemap and NATO members.

    Footprints and rings count by their extent in this estimate and the nominal one
    (``data.estimate_footprints`` when set), so low and nominal maps share their framing, and
    only within :data:`RING_FRAME` (a larger ring runs off the map's edge).

    The Russian early-warning layer counts by its radars and the parts of its sectors inside
    :data:`EUROPE_FRAME`: whole sectors reach ~2,000 km (a target at 300 km altitude) into the
    Arctic and Asia, and framing them pushed Europe into a corner (the cooperation gain map).
    Falls back to :data:`EUROPE_FRAME` when nothing else is drawn.
    """
    on = set(data.state.layers)
    fp, ew = data.footprints, data.early_warning

    def kept(frame: gpd.GeoDataFrame, key: str, part: Callable[[], Any]) -> NDArray[Any] | None:
        # The year's frames are shared by maps that differ in engagement choices only.
        return _shared_derived(frame, ("bounds", key), lambda: _bounds(part()))

    boxes: list[NDArray[Any] | None] = []
    # Footprints and rings by this estimate's extent and the nominal one's
    # (MapData.estimate_footprints): low and nominal then share the camera. Only their parts
    # within RING_FRAME count.
    for frame in data.estimate_footprints or (fp,):
        for key in ("radar", "interceptor"):
            if key in on:
                box = kept(frame, key, functools.partial(_layer_rows, frame, key))
                boxes.append(_within(box, RING_FRAME))
    if "early_warning" in on and not ew.empty:
        boxes.append(kept(ew, "radars", lambda: early_warning_points(ew)))
        boxes.append(kept(ew, "in frame", lambda: ew.clip(EUROPE_FRAME)))
    if "defended" in on and data.difference is None:
        boxes.append(_bounds(data.drawn_defended))
    boxes.append(_bounds(data.drawn_difference))
    if data.sectoral is not None and not data.sectoral.empty:
        # Russia's sector is NATO-Europe ground (Iceland's north coast, 66.5°N, was cut off).
        boxes.append(_within(_bounds(data.sectoral), RING_FRAME))
    if "tracks" in on:
        boxes.append(_bounds(data.tracks))
    if "launch" in on:
        boxes.append(kept(data.launch_points, "all", lambda: data.launch_points))
    if "sites" in on:
        boxes.append(kept(data.sites, "all", lambda: data.sites))
    if capitals is not None and not capitals.empty:
        boxes.append(
            np.array(
                [
                    capitals.lon_deg.min(),
                    capitals.lat_deg.min(),
                    capitals.lon_deg.max(),
                    capitals.lat_deg.max(),
                ]
            )
        )
    found = [b for b in boxes if b is not None and np.all(np.isfinite(b))]
    if not found:
        return EUROPE_FRAME
    stack = np.vstack(found)
    return (
        float(stack[:, 0].min()),
        float(stack[:, 1].min()),
        float(stack[:, 2].max()),
        float(stack[:, 3].max()),
    )


def _within(
    box: NDArray[Any] | None, frame: tuple[float, float, float, float]
) -> NDArray[Any] | None:
    """The part of ``box`` (west, south, east, north) inside ``frame``; ``None`` if none."""
    if box is None or not np.all(np.isfinite(box)):
        return box
    out = np.array(
        [max(box[0], frame[0]), max(box[1], frame[1]), min(box[2], frame[2]), min(box[3], frame[3])]
    )
    return out if out[0] < out[2] and out[1] < out[3] else None


def world_px(lon_deg: float, lat_deg: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel position at ``zoom`` (deck.gl's 512-pixel world; y grows south).

    One point in plain floats (label placement asks point by point); the outlines' dashes use
    the same projection on arrays (:mod:`coverage.render.outlines`).
    """
    size = WORLD_PX_AT_ZOOM_0 * 2.0**zoom
    lat = max(min(lat_deg, MAX_LAT_DEG), -MAX_LAT_DEG)
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon_deg + 180.0) / 360.0 * size, (1.0 - y / math.pi) / 2.0 * size


def lonlat_at_px(x_px: float, y_px: float, zoom: float) -> tuple[float, float]:
    """The inverse of :func:`world_px`: longitude and latitude of a pixel at ``zoom``."""
    size = WORLD_PX_AT_ZOOM_0 * 2.0**zoom
    lon = x_px / size * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y_px / size))))
    return lon, lat


def outside_map(
    camera: Mapping[str, float], *, width_px: float, height_px: float, slack_px: float = 0.0
) -> list[tuple[float, float, float, float]]:
    """Four boxes around a map of ``width_px`` × ``height_px`` centred on ``camera``.

    Screen pixels at the camera's zoom (as :func:`world_px`), each reaching far beyond the
    map, ``slack_px`` beyond its edge: given as blocked boxes, they keep names from being
    placed where the map's edge would cut them. (A label's box is estimated from an average
    glyph width, with padding: a slack of a few pixels keeps a name that only the estimate
    puts over the edge.)
    """
    cx, cy = world_px(camera["longitude"], camera["latitude"], camera["zoom"])
    x0, y0 = cx - width_px / 2.0 - slack_px, cy - height_px / 2.0 - slack_px
    x1, y1 = cx + width_px / 2.0 + slack_px, cy + height_px / 2.0 + slack_px
    far = 1.0e9
    return [
        (x0 - far, y0 - far, x0, y1 + far),  # west
        (x1, y0 - far, x1 + far, y1 + far),  # east
        (x0 - far, y0 - far, x1 + far, y0),  # north
        (x0 - far, y1, x1 + far, y1 + far),  # south
    ]


def text_box(
    x_px: float,
    y_px: float,
    text: str,
    size_px: float,
    *,
    anchor: str,
    offset_px: tuple[float, float] = (0.0, 0.0),
) -> tuple[float, float, float, float]:
    """Screen box ``(x0, y0, x1, y1)`` of a label, from an average glyph width of 0.6 em.

    ``text`` may hold line breaks: the box is as wide as the longest line.

    ``anchor`` is ``"start"`` (text right of the point, centred vertically, as site names),
    ``"end"`` (left of the point), ``"above"`` (centred above the point, as capital names),
    ``"below"``, or a corner: ``"above_start"`` (above the point, running right),
    ``"above_end"``, ``"below_start"``, ``"below_end"``; a little padding is included.
    """
    lines = text.split("\n")
    w, h = 0.6 * size_px * max(len(t) for t in lines) + 4.0, 1.2 * size_px * len(lines)
    x, y = x_px + offset_px[0], y_px + offset_px[1]
    if anchor == "start":
        return (x, y - h / 2, x + w, y + h / 2)
    if anchor == "end":
        return (x - w, y - h / 2, x, y + h / 2)
    if anchor == "above":
        return (x - w / 2, y - h, x + w / 2, y)
    if anchor == "below":
        return (x - w / 2, y, x + w / 2, y + h)
    corners = {
        "above_start": (x, y - h, x + w, y),
        "above_end": (x - w, y - h, x, y),
        "below_start": (x, y, x + w, y + h),
        "below_end": (x - w, y, x, y + h),
    }
    if anchor in corners:
        return corners[anchor]
    raise ValueError(
        f"anchor={anchor!r} is not one of 'start', 'end', 'above', 'below', "
        f"{', '.join(repr(c) for c in corners)}"
    )


def _site_records(sites: gpd.GeoDataFrame) -> list[tuple[float, float, str]]:
    """``(lon, lat, short name)`` of each site label, as :func:`_sites_layers` writes it."""
    return [
        (float(g.x), float(g.y), _short_site_name(_clean(str(n))))
        for g, n in zip(sites.geometry, sites.site_name, strict=True)
    ]


def _short_site_name(cleaned: str) -> str:
    """A site's label text from its escaped name: without the parenthesis, brackets dropped.

    The input is already :func:`_clean` (escaped once for the deck), so labels placed by
    :func:`site_label_places` carry the same safe text as the dots' tooltips.
    """
    return site_label(cleaned).translate(_LABEL_DROPS)


#: What map labels leave out of a cleaned name: the tag look-alikes and the word joiner.
_LABEL_DROPS = str.maketrans({"\u2039": None, "\u203a": None, _JOINER: None})


#: Where a site's name may go, in order of preference: right of the dot (the default), left,
#: the four corners, above, below. ``(anchor, TextLayer text anchor, baseline, pixel offset)``;
#: offsets clear the dot (radius 6-8 px).
SITE_LABEL_PLACES: tuple[tuple[str, str, str, tuple[float, float]], ...] = (
    ("start", "start", "center", (10.0, 0.0)),
    ("end", "end", "center", (-10.0, 0.0)),
    ("above_start", "start", "bottom", (6.0, -6.0)),
    ("below_start", "start", "top", (6.0, 6.0)),
    ("above_end", "end", "bottom", (-6.0, -6.0)),
    ("below_end", "end", "top", (-6.0, 6.0)),
    ("above", "middle", "bottom", (0.0, -10.0)),
    ("below", "middle", "top", (0.0, 10.0)),
)


def _leader_places(
    reach_px: float,
) -> tuple[tuple[tuple[str, str, str, tuple[float, float]], tuple[float, float]], ...]:
    """Places ``reach_px`` from the dot, each with its leader's end.

    Below, above, the four diagonals, right, left; the name starts :data:`LEADER_GAP_PX` beyond
    the leader's end.
    """
    d, g = reach_px, LEADER_GAP_PX
    c = d / math.sqrt(2.0)
    return (
        (("below", "middle", "top", (0.0, d + g)), (0.0, d)),
        (("above", "middle", "bottom", (0.0, -d - g)), (0.0, -d)),
        (("below_start", "start", "top", (c + g, c + g)), (c, c)),
        (("below_end", "end", "top", (-c - g, c + g)), (-c, c)),
        (("above_start", "start", "bottom", (c + g, -c - g)), (c, -c)),
        (("above_end", "end", "bottom", (-c - g, -c - g)), (-c, -c)),
        (("start", "start", "center", (d + g, 0.0)), (d, 0.0)),
        (("end", "end", "center", (-d - g, 0.0)), (-d, 0.0)),
    )


#: Gap between a leader's end and its name, px.
LEADER_GAP_PX = 3.0
#: Places farther out, each joined to its dot by a thin leader line: a name that would sit
#: beside another site's dot in every place of :data:`SITE_LABEL_PLACES` (the Mediterranean
#: patrols beside Rota and each other at 1280 px) goes out where it reads as its own. Places
#: ``len(SITE_LABEL_PLACES) + i`` of :func:`site_label_places`; the offset is the name's from
#: the dot, the second pair the leader's end.
LEADER_LABEL_PLACES = _leader_places(30.0) + _leader_places(48.0)
#: Every place a name may take, by the index :func:`site_label_places` returns.
LABEL_PLACES: tuple[tuple[str, str, str, tuple[float, float]], ...] = SITE_LABEL_PLACES + tuple(
    place for place, _ in LEADER_LABEL_PLACES
)


def leader_end(place: int) -> tuple[float, float] | None:
    """Pixel offset of the leader's end from the dot for ``place``; None for a name beside it."""
    k = place - len(SITE_LABEL_PLACES)
    return LEADER_LABEL_PLACES[k][1] if k >= 0 else None


def two_lines(name: str) -> str:
    """``name`` broken at the space nearest its middle."""
    spaces = [i for i, c in enumerate(name) if c == " "]
    if not spaces:
        return name
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "\n" + name[cut + 1 :]


def three_lines(name: str) -> str:
    """``name`` in three lines at the spaces that make the longest line shortest.

    Fewer lines when it has fewer than two spaces; ties go to the earlier breaks.
    """
    words = name.split()
    if len(words) < 3:
        return two_lines(" ".join(words))
    best: list[str] = []
    for i in range(1, len(words) - 1):
        for j in range(i + 1, len(words)):
            lines = [" ".join(words[:i]), " ".join(words[i:j]), " ".join(words[j:])]
            if not best or max(map(len, lines)) < max(map(len, best)):
                best = lines
    return "\n".join(best)


def site_label_places(
    sites: list[tuple[float, float, str]],
    *,
    zoom: float,
    size_px: float,
    dot_px: float,
    blocked: Iterable[tuple[float, float, float, float]] = (),
    avoid: Iterable[tuple[float, float, float, float]] = (),
    shy: Iterable[tuple[float, float, float, float]] = (),
) -> list[tuple[int, str] | None]:
    """Where each site's name goes at ``zoom``, and its text; None where it has no room.

    Greedy in the order given: each name takes the first place of :data:`SITE_LABEL_PLACES`
    whose box overlaps no name already placed, no ``blocked`` box (screen pixels at ``zoom``:
    labels and dots of another layer placed first) and no other site's dot, and where it can
    keeps clear of other sites' dots (no nearer to one than to its own plus two dot radii, and
    three radii at least: so it is not read as theirs); failing that, the
    name in two lines (:func:`two_lines`), then in three (:func:`three_lines`: narrow maps, as
    at 1024 px beside the side bar) tries the places again. A name with no free place is
    left out (its dot and tooltip stay). Returns ``(index into SITE_LABEL_PLACES, text)`` per
    site.

    Places that overlap an ``avoid`` box (beyond the map's edges: :func:`outside_map`) are
    taken only when a name has no other: names go inside the map where they can. If keeping
    names inside would leave out more names than placing them regardless would leave out or
    cut (an earlier name taking, inside, the only place of a later one), they are placed
    regardless: a name cut by the edge counts as badly as a name left out (whose dot and
    tooltip stay), and of two placements as flawed the one with fewer cut names is taken.
    When names are left out or cut inside, the placement is tried once more with those names
    first.

    ``shy`` boxes (towns' dots a name may cover where it has no other room) are covered as
    little as can be: of the places a name may take at one level, the one whose box overlaps
    them least (in px², the first of equals in order of preference).
    """
    soft = list(avoid)
    few = list(shy)
    anywhere = _place_labels(sites, zoom, size_px, dot_px, list(blocked), [], few)
    if not soft:
        return anywhere
    inside = _place_labels(sites, zoom, size_px, dot_px, list(blocked), soft, few)
    tries = [inside]
    first = [i for i, p in enumerate(inside) if p is None]
    first += _cut_names(sites, inside, zoom, size_px, soft)
    if first:
        # The names left out or cut choose first (an earlier name may have taken their only
        # place inside the map).
        order = first + [i for i in range(len(sites)) if i not in first]
        again = _place_labels(
            [sites[i] for i in order], zoom, size_px, dot_px, list(blocked), soft, few
        )
        back: list[tuple[int, str] | None] = [None] * len(sites)
        for i, place in zip(order, again, strict=True):
            back[i] = place
        tries.append(back)

    def flaws(places: list[tuple[int, str] | None]) -> tuple[int, int]:
        """(names left out or cut by the map's edge, names cut)."""
        cut = len(_cut_names(sites, places, zoom, size_px, soft))
        return sum(p is None for p in places) + cut, cut

    return min([*tries, anywhere], key=flaws)  # the first of equals: inside, in order


def _cut_names(
    sites: list[tuple[float, float, str]],
    places: list[tuple[int, str] | None],
    zoom: float,
    size_px: float,
    soft: list[tuple[float, float, float, float]],
) -> list[int]:
    """Indices of the names placed over an ``avoid`` box (cut by the map's edge)."""
    out = []
    for i, ((lon, lat, _), place) in enumerate(zip(sites, places, strict=True)):
        if place is not None:
            anchor, _, _, offset = LABEL_PLACES[place[0]]
            x, y = world_px(lon, lat, zoom)
            box = text_box(x, y, place[1], size_px, anchor=anchor, offset_px=offset)
            if any(_overlaps(box, b) for b in soft):
                out.append(i)
    return out


def _place_labels(
    sites: list[tuple[float, float, str]],
    zoom: float,
    size_px: float,
    dot_px: float,
    blocked: list[tuple[float, float, float, float]],
    soft: list[tuple[float, float, float, float]],
    shy: list[tuple[float, float, float, float]] | None = None,
) -> list[tuple[int, str] | None]:
    """The greedy placement of :func:`site_label_places`.

    ``soft`` and ``shy``: its ``avoid`` and ``shy`` boxes.
    """
    xy = [world_px(lon, lat, zoom) for lon, lat, _ in sites]
    dots = _dot_boxes(sites, zoom=zoom, dot_px=dot_px)
    kept = list(blocked)
    out: list[tuple[int, str] | None] = []
    near = list(enumerate(SITE_LABEL_PLACES))
    far = [(len(near) + k, place) for k, (place, _) in enumerate(LEADER_LABEL_PLACES)]
    for i, ((x, y), (_, _, name)) in enumerate(zip(xy, sites, strict=True)):
        others = [d for k, d in enumerate(dots) if k != i and xy[k] != (x, y)]
        centres = [xy[k] for k in range(len(xy)) if k != i and xy[k] != (x, y)]
        choice: tuple[int, str] | None = None
        # In order: inside the map, a name beside its dot and clear of other sites' dots (near
        # another dot it reads as that site's: "Central Mediterranean" above Rota's dot); then
        # out on a leader, clear of other dots and names; then beside its dot regardless; the
        # same again over the map's edges.
        levels = [(tuple(soft), mode) for mode in ("clear", "leader", "near")]
        levels += [((), mode) for mode in ("clear", "leader", "near")]
        for shunned, mode in dict.fromkeys(levels):
            fits = []
            for text in dict.fromkeys((name, two_lines(name), three_lines(name))):
                for j, (anchor, _, _, offset) in far if mode == "leader" else near:
                    box = text_box(x, y, text, size_px, anchor=anchor, offset_px=offset)
                    if any(_overlaps(box, b) for b in (*kept, *others, *shunned)):
                        continue
                    if mode == "clear" and _nearer_another(box, (x, y), centres, dot_px):
                        continue
                    if mode == "leader" and not _leader_clear(
                        box, (x, y), leader_end(j), centres, kept, dot_px
                    ):
                        continue
                    fits.append((j, text, box))
                    if mode != "leader" and not shy:
                        break  # beside the dot: the first place in order of preference
                if fits and mode != "leader" and not shy:
                    break
            if fits and shy and mode != "leader":
                # The first place of those that cover the towns' dots least.
                fits = [min(fits, key=lambda f: _overlap_area(f[2], shy))]
            if fits:
                # On a leader: the place whose name's middle is farthest from every other dot,
                # for its distance from its own (the first of equals), so it reads as its own
                # (a long name running from its leader towards another dot reads as that one's).
                j, text, box = max(fits, key=lambda f: _own_margin(f[2], (x, y), centres))
                choice = (j, text)
                kept.append(box)
                kept.extend(_leader_boxes((x, y), leader_end(j)))
                break
        out.append(choice)
    return out


def _own_margin(
    box: tuple[float, float, float, float],
    own: tuple[float, float],
    others: list[tuple[float, float]],
) -> float:
    """How much nearer a name's middle is to its own dot than to the nearest other dot, px."""
    middle = ((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)
    nearest = min((math.dist(middle, c) for c in others), default=math.inf)
    return nearest - math.dist(middle, own)


def _leader_clear(
    box: tuple[float, float, float, float],
    own: tuple[float, float],
    end: tuple[float, float] | None,
    others: list[tuple[float, float]],
    kept: list[tuple[float, float, float, float]],
    dot_px: float,
) -> bool:
    """Whether a name out on a leader reads as its own.

    The name three dot radii at least from every other dot, the line a dot radius and 3 px from
    them, crossing no name placed.
    """
    assert end is not None
    a, b = own, (own[0] + end[0], own[1] + end[1])
    if any(_box_distance(box, c) < 3.0 * dot_px for c in others):
        return False
    if any(_segment_distance(c, a, b) < dot_px + 3.0 for c in others):
        return False
    return not any(_overlaps(seg, k) for seg in _leader_boxes(own, end) for k in kept)


def _segment_distance(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    """Distance in pixels from ``p`` to the segment ``a``-``b``."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1])


def _leader_boxes(
    own: tuple[float, float], end: tuple[float, float] | None
) -> list[tuple[float, float, float, float]]:
    """Small boxes along a leader beyond its dot, for names placed later to go around.

    None for a name beside its dot (``end`` None).
    """
    if end is None:
        return []
    steps = 6
    out = []
    for k in range(2, steps + 1):  # from a third of the way: the dot itself is boxed already
        x, y = own[0] + end[0] * k / steps, own[1] + end[1] * k / steps
        out.append((x - 2.0, y - 2.0, x + 2.0, y + 2.0))
    return out


def _box_distance(box: tuple[float, float, float, float], point: tuple[float, float]) -> float:
    """Distance in pixels from a point to the nearest point of a box (0 inside)."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def _nearer_another(
    box: tuple[float, float, float, float],
    own: tuple[float, float],
    others: list[tuple[float, float]],
    dot_px: float,
    *,
    margin: float = 2.0,
) -> bool:
    """Whether a name's box would read as another site's: too near that site's dot.

    Too near: closer to it than to its own dot plus ``margin`` dot radii, or within
    ``margin + 1`` radii.
    """
    limit = max((margin + 1.0) * dot_px, _box_distance(box, own) + margin * dot_px)
    return any(_box_distance(box, c) < limit for c in others)


def _overlap_area(
    box: tuple[float, float, float, float], others: list[tuple[float, float, float, float]]
) -> float:
    """How much of ``others`` (summed, px²) ``box`` covers."""
    return sum(
        max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
        * max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
        for b in others
    )


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _dot_boxes(
    points: list[tuple[float, float, str]], *, zoom: float, dot_px: float
) -> list[tuple[float, float, float, float]]:
    """Screen boxes of dots of radius ``dot_px`` at ``points`` (for labels to go around)."""
    boxes = []
    for lon, lat, _ in points:
        x, y = world_px(lon, lat, zoom)
        boxes.append((x - dot_px, y - dot_px, x + dot_px, y + dot_px))
    return boxes


def _site_label_boxes(
    sites: list[tuple[float, float, str]],
    places: list[tuple[int, str] | None],
    *,
    zoom: float,
    size_px: float,
) -> list[tuple[float, float, float, float]]:
    """Screen boxes of the site names drawn and their leaders (for labels placed after them)."""
    boxes = []
    for (lon, lat, _), place in zip(sites, places, strict=True):
        if place is None:
            continue
        anchor, _, _, offset = LABEL_PLACES[place[0]]
        x, y = world_px(lon, lat, zoom)
        boxes.append(text_box(x, y, place[1], size_px, anchor=anchor, offset_px=offset))
        boxes += _leader_boxes((x, y), leader_end(place[0]))
    return boxes


def _capital_label_size(projector: bool, *, city: bool = False) -> tuple[float, float]:
    """Capital label font size and dot radius, px (a major city's: a size smaller, a smaller dot)."""
    scale = 1.35 if projector else 1.0
    if city:
        return (13.0 if projector else 10.0), CAPITAL_STYLE.radius_px * scale * CITY_DOT_SCALE
    return (15.0 if projector else 11.0), CAPITAL_STYLE.radius_px * scale


def _site_label_size(projector: bool) -> tuple[float, float]:
    """Site label font size and dot radius, px."""
    return (16.0, 8.0) if projector else (12.0, 6.0)


def _early_warning_label_size(projector: bool) -> float:
    """Font size of a Russian early-warning radar's name, px: a little under a site's."""
    return _site_label_size(projector)[0] - 2.0


def capital_label_places(radius_px: float) -> tuple[tuple[str, str, str, tuple[float, float]], ...]:
    """Where a capital's name may go, in order of preference, for a dot of ``radius_px``.

    Above the dot (the map's convention), right, left, below, the four corners, then the
    first four slid half a name along their side; each
    ``(anchor, TextLayer text anchor, baseline, pixel offset)`` as :data:`SITE_LABEL_PLACES`,
    3 px clear of the dot.
    """
    g = radius_px + 3.0
    c = 0.7 * radius_px + 2.0
    return (
        ("above", "middle", "bottom", (0.0, -g)),
        ("start", "start", "center", (g, 0.0)),
        ("end", "end", "center", (-g, 0.0)),
        ("below", "middle", "top", (0.0, g)),
        ("above_start", "start", "bottom", (c, -c)),
        ("above_end", "end", "bottom", (-c, -c)),
        ("below_start", "start", "top", (c, c)),
        ("below_end", "end", "top", (-c, c)),
        # The first four slid half a name along their side: right and left raised or
        # lowered, above and below to either side; they find room between close dots.
        ("above_start", "start", "bottom", (g, 0.0)),
        ("below_start", "start", "top", (g, 0.0)),
        ("above_end", "end", "bottom", (-g, 0.0)),
        ("below_end", "end", "top", (-g, 0.0)),
        ("above_start", "start", "bottom", (0.0, -g)),
        ("above_end", "end", "bottom", (0.0, -g)),
        ("below_start", "start", "top", (0.0, g)),
        ("below_end", "end", "top", (0.0, g)),
    )


#: How much farther than its own dot another dot must be from a capital's name, in dot
#: radii (:func:`_nearer_another`): 1 names 1,608 of the 2,640 capitals over the dashboard's
#: 96 year x screen x projector states, 1.5 names 1,446 and 2 (the sites' margin) 1,345; the
#: old placer (every name above its dot, 8 px up, clear of names only) named 1,480, and 841 of
#: them had another dot about as near as their own. With the name 3 px from its own dot, one
#: radius more is another dot's edge 2.5 times as far as its own (looked at on the maps).
CAPITAL_NAME_MARGIN = 1.0


def _capital_label_places(
    capitals: pd.DataFrame,
    blocked: list[tuple[float, float, float, float]],
    dots: list[tuple[float, float]],
    *,
    zoom: float,
    projector: bool,
    city: bool = False,
) -> dict[str, int]:
    """Where each capital's name goes at ``zoom`` (index into :func:`capital_label_places`).

    The defended first, each group largest first (:func:`~coverage.products.headline.naming_order`),
    each name takes the first place that overlaps no ``blocked`` box
    (site names and dots, the map's edges), no name placed before and no other capital's dot,
    and that keeps clear of every other dot (capitals' and ``dots``: the sites', screen
    pixels), as :func:`_nearer_another` says for site names: a name above its own dot and just
    under another's read as the other's ("Athens" beside Tirana's dot, the new-user trial).
    A capital with no such place is left out (its dot and tooltip stay). ``city``: the major
    cities' names, smaller (placed after the capitals', around them).
    """
    size, radius = _capital_label_size(projector, city=city)
    places = capital_label_places(radius)
    order = capitals.iloc[naming_order(capitals)]
    rows = [
        (str(row.name), world_px(row.lon_deg, row.lat_deg, zoom))
        for row in order.itertuples(index=False)
        if math.isfinite(row.lon_deg) and math.isfinite(row.lat_deg)
    ]
    centres = [xy for _, xy in rows]
    kept = list(blocked)
    out: dict[str, int] = {}
    for i, (name, (x, y)) in enumerate(rows):
        others = [c for k, c in enumerate(centres) if k != i and c != (x, y)]
        dot_boxes = [(cx - radius, cy - radius, cx + radius, cy + radius) for cx, cy in others]
        near = [*others, *(d for d in dots if d != (x, y))]
        for j, (anchor, _, _, offset) in enumerate(places):
            box = text_box(x, y, name, size, anchor=anchor, offset_px=offset)
            if any(_overlaps(box, b) for b in (*kept, *dot_boxes)):
                continue
            if _nearer_another(box, (x, y), near, radius, margin=CAPITAL_NAME_MARGIN):
                continue
            out[name] = j
            kept.append(box)
            break
    return out


#: The glyph atlas of the map's names (deck.gl's ``fontSettings``): a signed distance field,
#: so a halo can be drawn around each glyph. 48 px glyphs with a 14 px buffer and a 20 px
#: radius (chosen from Chromium screenshots of eight settings: deck.gl's defaults give a halo
#: under a pixel, and cut the descender of the "j" in "Reykjavík").
_LABEL_FONT = {"sdf": True, "fontSize": 48, "buffer": 14, "radius": 20}
#: The halo's width in atlas pixels. deck.gl draws the halo out to the distance
#: ``max(smoothing, 0.75 * (1 - width / radius))`` of the field, so at 18 of 20 it reaches the
#: field's edge (the smoothing): the halo is then set by the radius and buffer, about 3 px
#: around 12 px text; any width above ~17.4 draws the same.
_HALO_WIDTH = 18


def _halo(theme: Theme, *, alpha: float) -> dict[str, Any]:
    """A text layer's halo in the page colour (``alpha``: its opacity), drawn by the glyphs' shader.

    Not deck.gl's label boxes (``background``): those are a second shader program, and in a
    browser without a GPU every program costs the first frame about a second to compile (see
    :mod:`coverage.render.outlines`).
    """
    return {
        "font_settings": _LABEL_FONT,
        "outline_width": _HALO_WIDTH,
        "outline_color": hex_to_rgba(theme.label_halo, alpha),
    }


def _capital_label_boxes(
    capitals: pd.DataFrame | None,
    labelled: Mapping[str, int] | None,
    *,
    zoom: float,
    projector: bool,
) -> list[tuple[float, float, float, float]]:
    """Screen boxes of the capitals' names placed and of their dots (for the cities' names)."""
    if capitals is None:
        return []
    size, radius = _capital_label_size(projector)
    places = capital_label_places(radius)
    boxes = []
    for row in capitals.itertuples(index=False):
        if not (math.isfinite(row.lon_deg) and math.isfinite(row.lat_deg)):
            continue
        x, y = world_px(row.lon_deg, row.lat_deg, zoom)
        boxes.append((x - radius, y - radius, x + radius, y + radius))
        place = None if labelled is None else labelled.get(str(row.name))
        if place is not None:
            anchor, _, _, offset = places[place]
            boxes.append(text_box(x, y, str(row.name), size, anchor=anchor, offset_px=offset))
    return boxes


def _capital_layers(
    capitals: pd.DataFrame,
    labelled: Mapping[str, int] | None = None,
    *,
    projector: bool,
    theme: Theme = THEMES["light"],
    city: bool = False,
) -> list[pdk.Layer]:
    """Capitals as dots coloured by status (filled, ring or small dot) with their names.

    ``labelled`` maps the capitals whose name is drawn to its place (an index into
    :func:`capital_label_places`, from :func:`_capital_label_places`); ``None``: every name,
    above its dot.
    """
    size, radius = _capital_label_size(projector, city=city)
    scale = (1.35 if projector else 1.0) * (CITY_DOT_SCALE if city else 1.0)
    status_colours = theme.status_colours
    kind = f"Major city ({MAJOR_CITY_WORDS} inhabitants)" if city else "Capital"
    data = []
    for row in capitals.itertuples(index=False):
        if not (math.isfinite(row.lon_deg) and math.isfinite(row.lat_deg)):
            continue
        colour = status_colours.get(row.status, status_colours["out of reach"])
        defended = row.status == "defended"
        ring = row.status == "not defended"
        data.append(
            {
                "position": [round(float(row.lon_deg), 4), round(float(row.lat_deg), 4)],
                "name": _clean(f"{row.name} ({row.country})"),
                "label": _clean(f"{kind}: {row.status}"),
                "source": "Computed by this tool's engagement model from the sourced data",
                # TextLayer draws glyphs, not HTML: the plain name, with no angle brackets.
                "short": str(row.name).replace("<", "").replace(">", ""),
                "fill": hex_to_rgba(theme.site_hollow if ring else colour),
                "line": hex_to_rgba(colour if ring else theme.page),
                "radius": radius if (defended or ring) else radius * 0.7,
                "status": row.status,
                # Why, for the click panel (not the hover tooltip): from the deciding run.
                "why": _clean(str(getattr(row, "why", "") or "")),
            }
        )
    places = capital_label_places(radius)
    labels = []
    for d in data:
        place = 0 if labelled is None else labelled.get(d["short"])
        if place is not None:
            _, text_anchor, baseline, offset = places[place]
            labels.append({**d, "anchor": text_anchor, "baseline": baseline, "offset": offset})
    return [
        pdk.Layer(
            "ScatterplotLayer",
            data=data,
            id="cities" if city else "capitals",
            get_position="position",
            get_radius="radius",
            radius_units="'pixels'",
            get_fill_color="fill",
            get_line_color="line",
            stroked=True,
            line_width_units="'pixels'",
            get_line_width=CAPITAL_STYLE.ring_width_px * scale,
            pickable=True,
        ),
        _site_labels_layer(
            "city-labels" if city else "capital-labels",
            labels,
            size,
            theme,
            weight=400 if city else 500,
            halo_alpha=0.85,
        ),
    ]


def _capital_change_rings(
    capitals: pd.DataFrame, comparison: Comparison, *, projector: bool, theme: Theme
) -> pdk.Layer:
    """Beside a comparison: a ring in the gained or lost colour around each changed capital.

    Around each capital B gains or loses, under its dot (whose colour stays A's status, this
    map's). A new user saw Berlin and Warsaw as "not defended" rings on ground B gains and found the
    gained capitals only in the list beside the legend (session 36's trial).
    """
    _, radius = _capital_label_size(projector)
    scale = 1.35 if projector else 1.0
    rows = capitals.itertuples(index=False)
    changes = ((row, comparison.capital_change(str(row.name))) for row in rows)
    data = [
        {
            "position": [round(float(row.lon_deg), 4), round(float(row.lat_deg), 4)],
            "line": hex_to_rgba(theme.compare_styles[kind].colour),
        }
        for row, kind in changes
        if kind is not None and math.isfinite(row.lon_deg) and math.isfinite(row.lat_deg)
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        data=data,
        id="capital-changes",
        get_position="position",
        get_radius=radius + 3.5 * scale,
        radius_units="'pixels'",
        filled=False,
        stroked=True,
        get_line_color="line",
        line_width_units="'pixels'",
        get_line_width=2.5 * scale,
        pickable=False,
    )


def _basemap_view(view: str) -> str:
    """The basemap a camera view draws: the world one for the wide view, else Europe's."""
    return "world" if view == "wide" else "europe"


#: Simplification of the map's basemap and NATO layers, degrees (display only: exports and every
#: computation use the full data). About 5 km: a quarter of a screen pixel at the default zoom,
#: two pixels when zoomed to a single country (zoom 6).
DISPLAY_TOLERANCE_DEG = 0.05

#: Converted basemap layers, by kind and the identity of their (shared, never freed) source frame.
_COLLECTIONS: dict[tuple[str, int], tuple[Any, Any]] = {}
#: JSON of those layers, by the converted object's identity (they are never freed either).
_PAYLOADS: dict[int, str] = {}


def _converted(kind: str, frame: gpd.GeoDataFrame, convert: Any) -> Any:
    key = (kind, id(frame))
    if key not in _COLLECTIONS:
        converted = convert(frame)
        _COLLECTIONS[key] = (frame, converted)  # the frame is kept so its id stays unique
        _PAYLOADS[id(converted)] = _payload(converted)
    return _COLLECTIONS[key][1]


def _countries_collection(countries: gpd.GeoDataFrame) -> dict[str, Any]:
    """Basemap FeatureCollection, converted once per basemap frame (the frames are shared)."""

    def convert(countries: gpd.GeoDataFrame) -> dict[str, Any]:
        # Fills only: the borders are drawn from their own line layer on top.
        frame = _with_text(countries, "name").assign(
            label=countries.get("iso3", ""), source="Natural Earth 4.1 via world-atlas"
        )
        # The source is on a 0.01° grid: two decimals lose nothing.
        return feature_collection(
            frame, [*_TEXT_FIELDS, "iso3"], decimals=2, simplify_deg=DISPLAY_TOLERANCE_DEG
        )

    return _converted("countries", countries, convert)


def _outer_collection() -> dict[str, Any]:
    return _countries_collection(outer_countries())


def _border_segments(view: str) -> list[dict[str, list[float]]]:
    """Borders and coasts as straight segments ``{"s": [lon, lat], "t": [lon, lat]}``."""

    def convert(frame: gpd.GeoDataFrame) -> list[dict[str, list[float]]]:
        lines = shapely.simplify(frame.geometry.values, DISPLAY_TOLERANCE_DEG)
        segments: list[dict[str, list[float]]] = []
        for part in shapely.get_parts(lines):
            xy = np.round(shapely.get_coordinates(part), 2)
            keep = np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]  # drop repeats after rounding
            pts = xy[keep].tolist()
            segments += [{"s": a, "t": b} for a, b in zip(pts[:-1], pts[1:], strict=True)]
        return segments

    return _converted("segments", border_lines(view), convert)


def _nato_collection(nato: gpd.GeoDataFrame, view: str) -> dict[str, Any]:
    """The NATO members layer's features: display-simplified, as the basemap is.

    Converted once per basemap view and membership (members and their joining years decide the
    frame: its shapes are the basemap's), then shared like the basemap's collections.
    """
    key = ("nato", view, tuple(nato.iso3), tuple(int(y) for y in nato.joined_year))
    hit = _NATO_COLLECTIONS.get(key)
    if hit is None:
        hit = _convert_nato(nato)
        if len(_NATO_COLLECTIONS) >= 64:
            for old in _NATO_COLLECTIONS.values():
                _PAYLOADS.pop(id(old), None)  # ids of dropped objects may be reused
            _NATO_COLLECTIONS.clear()
        _NATO_COLLECTIONS[key] = hit
        _PAYLOADS[id(hit)] = _payload(hit)
    return hit


def _nato_layer(
    data: MapData, static: StaticFiles | None, *, projector: bool, theme: Theme
) -> pdk.Layer:
    """The NATO members of the map's year.

    With :attr:`MapData.nato_ever`, the layer holds every member whenever it joined, and its
    fill colour is transparent for those that joined after the year (an expression on
    ``joined_year``; ``updateTriggers`` makes deck.gl recompute the colours when the year
    changes). Its data, a published file, is then the same in every year: a new URL would make
    deck.gl fetch it after the year's first frame and draw the whole map a second time (about
    0.2 s a year step in a browser without a GPU, measured on 2016 to 2017, when Montenegro
    joined). A later member is still picked: its tooltip says when it joined ("Finland: joined
    NATO in 2023"), true in every year. deck.gl's ``DataFilterExtension`` would hide it from the
    pointer too, but it is a shader program of its own, about a second of the first frame in a
    browser without a GPU (see :mod:`coverage.render.outlines`).
    """
    view = _basemap_view(data.state.view)
    members = data.nato if data.nato_ever is None else data.nato_ever
    layer = _polygon_layer(
        "nato",
        members,
        "name",
        projector=projector,
        theme=theme,
        prepared=_layer_data(f"nato-{view}", _nato_collection(members, view), static),
    )
    if data.nato_ever is not None:
        year = int(data.state.options.year)
        fill = layer.get_fill_color
        layer.get_fill_color = f"@@=properties.joined_year <= {year} ? {fill} : [0, 0, 0, 0]"
        layer.update_triggers = {"getFillColor": year}
    return layer


#: NATO-member collections by (view, members, joining years): a handful of memberships exist.
_NATO_COLLECTIONS: dict[tuple[object, ...], dict[str, Any]] = {}


def _convert_nato(nato: gpd.GeoDataFrame) -> dict[str, Any]:
    return feature_collection(
        _with_text(nato, "name"),
        [*_TEXT_FIELDS, "iso3", "joined_year"],
        decimals=2,
        simplify_deg=DISPLAY_TOLERANCE_DEG,
    )


def _json_of(collection: Any) -> str:
    """The file content of a collection (serialised once for the shared basemap ones)."""
    cached = _PAYLOADS.get(id(collection))
    return cached if cached is not None else _payload(collection)


def _layer_data(name: str, collection: Any, static: StaticFiles | None) -> Any:
    """The collection's published URL when there is one, else the collection itself."""
    if static is None:
        return collection
    return static.url_for(name, _json_of(collection)) or collection


def basemap_payloads(catalogue: Catalogue) -> dict[str, tuple[str, str]]:
    """Every basemap and NATO layer the dashboard can draw: ``{file stem: (name, JSON)}``.

    Covers both basemaps (Europe, world) and, for each, the NATO members: every member ever,
    filtered by year on the map (see :func:`_nato_layer`). A map built without
    :attr:`MapData.nato_ever` carries its year's members inline.
    """
    from coverage.catalogue.basemap import countries, nato_countries

    out: dict[str, tuple[str, str]] = {}

    def add(name: str, collection: Any) -> None:
        payload = _json_of(collection)
        out[_file_name(name, payload)] = (name, payload)

    add("countries-outside", _outer_collection())
    for view in ("europe", "world"):
        add(f"countries-{view}", _countries_collection(countries(view)))
        add(f"borders-{view}", _border_segments(view))
        add(f"nato-{view}", _nato_collection(nato_countries(catalogue, None, view=view), view))
    return out


def write_basemap_files(static: StaticFiles, catalogue: Catalogue) -> list[Path]:
    """Publish :func:`basemap_payloads` into ``static``; remove files no longer produced.

    Returns the files now in the folder. Only ``*.json`` files in ``static.subdir`` are touched.
    """
    folder = static.directory / static.subdir
    folder.mkdir(parents=True, exist_ok=True)
    payloads = basemap_payloads(catalogue)
    for stale in folder.glob("*.json"):
        if stale.name not in payloads:
            stale.unlink()
    written = []
    for fname, (_, payload) in sorted(payloads.items()):
        path = folder / fname
        if not path.is_file() or path.read_text(encoding="utf-8") != payload:
            path.write_text(payload, encoding="utf-8")
        written.append(path)
    return written


def _defended_layers(
    frame: gpd.GeoDataFrame, *, projector: bool, theme: Theme = THEMES["light"]
) -> list[pdk.Layer]:
    """The union (or the estimate band) filled; each site's own area as a thin outline on top."""
    cols = ["system", "layer", "range_km"]
    union = frame[frame.site_id == "all"]
    per_site = frame[frame.site_id != "all"]
    layers = [
        _polygon_layer("defended", union, "site_name", cols, projector=projector, theme=theme)
    ]
    if not per_site.empty:
        style = theme.layer_styles["defended"]
        layers.append(
            _polygon_layer(
                "defended",
                per_site,
                "site_name",
                cols,
                projector=projector,
                fill=hex_to_rgba(style.colour, 0.0),
                theme=theme,
            )
        )
        layers[-1].id = "defended-sites"
        layers[-1].get_line_width = 1.2
        layers[-1].line_width_min_pixels = 1.2
    return layers


#: Hatch tiles of the comparison areas (``LayerStyle.hatch``), in screen pixels: period 8 px.
_HATCH_TILE_PX = 16


def _hatch_tile(hatch: str) -> np.ndarray:
    """A ``_HATCH_TILE_PX`` square mask (True: ink) for a matplotlib-style hatch string."""
    n = _HATCH_TILE_PX
    y, x = np.mgrid[0:n, 0:n]
    if hatch.startswith("/"):
        return ((x + y) % 8) < 2  # lines rising to the right (y grows downwards)
    if hatch.startswith("\\"):
        return ((x - y) % 8) < 2
    if hatch.startswith("."):
        return ((x % 8) < 3) & ((y % 8) < 3)
    return np.zeros((n, n), dtype=bool)


@functools.lru_cache(maxsize=4)
def hatch_atlas(theme_key: str = "light") -> tuple[str, dict[str, dict[str, Any]]]:
    """The comparison areas' hatch patterns as one PNG atlas (a ``data:`` URI) and its mapping.

    deck.gl's ``FillStyleExtension`` masks the fill colour with the atlas's alpha: the ink of a
    hatch is drawn at the full ``_HATCH_INK_ALPHA`` of the colour, the ground between at the
    style's own fill opacity. The image travels inside the map's JSON (no file, no URL), so the
    browser fetches nothing for it.
    """
    from PIL import Image  # only here: the rest of the module has no use for it

    styles = THEMES[theme_key].compare_styles
    n = _HATCH_TILE_PX
    alpha = np.zeros((n, n * len(styles)), dtype=np.uint8)
    mapping: dict[str, dict[str, Any]] = {}
    for i, (kind, style) in enumerate(styles.items()):
        # The ground between the ink at 60 % of the style's fill opacity, so the hatch reads.
        ground = round(255 * min(0.6 * style.fill_alpha / _HATCH_INK_ALPHA, 1.0))
        alpha[:, i * n : (i + 1) * n] = np.where(_hatch_tile(style.hatch), 255, ground)
        mapping[kind] = {"x": i * n, "y": 0, "width": n, "height": n, "mask": True}
    rgba = np.zeros((*alpha.shape, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = alpha
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), mapping


#: Length of the equator, m (WGS 84), for the metres per screen pixel of deck.gl's Web Mercator.
_EQUATOR_M = 40_075_016.7
#: Opacity of a hatch's ink in the comparison areas (the ground between is the style's own).
_HATCH_INK_ALPHA = 0.85


def _difference_layers(
    frame: gpd.GeoDataFrame,
    *,
    projector: bool,
    theme: Theme = THEMES["light"],
    zoom: float = 4.0,
    latitude_deg: float = 50.0,
) -> list[pdk.Layer]:
    """Gained, lost and both (``kind``): colour, outline dash and hatch of :data:`COMPARE_STYLES`.

    The hatches are those of the image exports (gained: rising diagonals, lost: falling ones,
    both: dots), drawn with deck.gl's ``FillStyleExtension`` from an atlas carried inline
    (:func:`hatch_atlas`). deck.gl sizes a pattern in metres (scale 1: one metre per atlas
    pixel), so the scale is the ground size of a screen pixel at the opening ``zoom`` and
    ``latitude_deg``: the hatch is 8 px apart there and grows or shrinks as the map is zoomed.
    """
    atlas, mapping = hatch_atlas(theme.key)
    metres_per_px = _EQUATOR_M * math.cos(math.radians(latitude_deg)) / (512.0 * 2.0**zoom)
    layers = []
    for kind in ("both", "lost", "gained"):  # the changes on top of the unchanged ground
        part = frame[frame.kind == kind]
        if part.empty or part.geometry.is_empty.all():
            continue
        style = theme.compare_styles[kind]
        layer = _polygon_layer(
            "defended",
            part.assign(pattern=kind),
            "name",
            ["kind", "layer", "pattern"],
            projector=projector,
            style=style,
            theme=theme,
            fill=hex_to_rgba(style.colour, _HATCH_INK_ALPHA),
        )
        layer.id = f"compare-{kind}"
        layer.extensions = [
            *getattr(layer, "extensions", []),
            {"@@type": "FillStyleExtension", "pattern": True},
        ]
        layer.fill_pattern_atlas = atlas
        layer.fill_pattern_mapping = mapping
        layer.fill_pattern_mask = True
        layer.get_fill_pattern = "@@=properties.pattern"
        layer.get_fill_pattern_scale = round(metres_per_px, 1)
        layer.get_fill_pattern_offset = [0, 0]
        layers.append(layer)
    return layers


def sector_deck_layers(frame: gpd.GeoDataFrame, *, projector: bool) -> list[pdk.Layer]:
    """Russia's sector: the General Staff's picture (fill by its share) under the computed one.

    Each drawing in its :data:`~coverage.style.SECTOR_STYLES` colour and dash; the picture's
    partial countries ("parts", "most") are filled lighter in proportion to their nominal share.
    """
    layers = []
    for kind in ("sector_picture", "sector_computed"):
        part = frame[frame.kind == kind]
        if part.empty:
            continue
        style = SECTOR_STYLES[kind]
        part = part.copy()
        alpha = sector_map_alpha(style)
        part["fill"] = [hex_to_rgba(style.colour, alpha * float(f)) for f in part.fill_scale]
        layer = _polygon_layer(
            kind,
            part,
            "name",
            ["kind", "fill"],
            projector=projector,
            style=style,
            fill="properties.fill",
        )
        layer.id = kind
        layers.append(layer)
    return layers


def probability_deck_layer(frame: gpd.GeoDataFrame) -> pdk.Layer:
    """The "probability defended" classes (``coverage.products.sweep.probability_layer``).

    Each class is filled with its colour of the sequential scale (``colour`` column); no outline,
    so the classes read as one surface.
    """
    out = frame.copy()
    out["fill"] = [hex_to_rgba(str(c), PROBABILITY_ALPHA) for c in out.colour]
    return pdk.Layer(
        "GeoJsonLayer",
        data=feature_collection(_with_text(out, "name"), [*_TEXT_FIELDS, "fill", "p_class"]),
        id="probability",
        stroked=False,
        filled=True,
        get_fill_color="properties.fill",
        pickable=True,
        auto_highlight=True,
        highlight_color=[0, 0, 0, 40],
    )


def _path_layer(
    key: str, frame: gpd.GeoDataFrame, *, projector: bool, theme: Theme = THEMES["light"]
) -> pdk.Layer:
    style = theme.layer_styles[key]
    track_colours = theme.track_status_colours
    data = []
    cols = [c for c in ("label", "source") if c in frame.columns]
    statuses = frame["status"] if "status" in frame.columns else [""] * len(frame)
    for geom, name, status, row in zip(
        frame.geometry, frame["name"], statuses, frame[cols].itertuples(index=False), strict=True
    ):
        lines = getattr(geom, "geoms", [geom])
        for line in lines:
            rec = {
                "path": [[round(x, 3), round(y, 3)] for x, y in line.coords],
                "name": _clean(str(name)),
            }
            rec.update({k: _clean(v) for k, v in zip(cols, row, strict=True)})
            rec.setdefault("label", "")
            rec.setdefault("source", "")
            rec["colour"] = hex_to_rgba(track_colours.get(status, style.colour), 0.9)
            data.append(rec)
    return pdk.Layer(
        "PathLayer",
        data=data,
        id=key,
        get_path="path",
        get_color="colour",
        width_units="'pixels'",
        get_width=style.line_width_px * (1.8 if projector else 1.0),
        pickable=True,
    )


def _points_frame(
    frame: gpd.GeoDataFrame, name_col: str, extra: Iterable[str], *, shared: bool = False
) -> list[dict[str, Any]]:
    """One record per point of ``frame``: position, name, label, source and ``extra``.

    ``shared``: ``frame`` is one that maps share (sites, launch points), so its records are
    kept (:func:`_shared_collection`); each call gets its own copies to add to.
    """
    cols = tuple(extra)
    if not shared:
        return _point_records(frame, name_col, cols)
    kept = _shared_derived(
        frame, ("points", name_col, cols), lambda: _point_records(frame, name_col, cols)
    )
    return [dict(rec) for rec in kept]


def _point_records(
    frame: gpd.GeoDataFrame, name_col: str, extra: tuple[str, ...]
) -> list[dict[str, Any]]:
    out = []
    cols = [c for c in ("label", "source", *extra) if c in frame.columns]
    for geom, name, row in zip(
        frame.geometry, frame[name_col], frame[cols].itertuples(index=False), strict=True
    ):
        rec = {"position": [round(geom.x, 4), round(geom.y, 4)], "name": _clean(str(name))}
        rec.update({k: _clean(v) for k, v in zip(cols, row, strict=True)})
        rec.setdefault("label", "")
        rec.setdefault("source", "")
        out.append(rec)
    return out


#: The wheel's zoom speed (deck.gl's other camera controls as they are): about half as fast
#: as deck.gl's default, 0.01, which went from Europe to Czechia in four wheel steps (a
#: fresh-eyes review); a step of 100 px is now about a third of a zoom level. The wheel zooms
#: only with Ctrl or ⌘ held (``dashboard/wheelzoom.py``).
SCROLL_ZOOM_SPEED = 0.005

#: Radius of a launch point's dot, px, by projector mode (its white outline outside it).
LAUNCH_DOT_PX = {False: 7.0, True: 9.0}
#: Where each name of a list goes (index into :data:`LABEL_PLACES`, text), None: left out.
_Places = list[tuple[int, str] | None]


def _launch_used_layers(
    names: list[tuple[float, float, str]],
    places: list[tuple[int, str] | None],
    *,
    zoom: float,
    projector: bool,
    theme: Theme = THEMES["light"],
) -> list[pdk.Layer]:
    """A ring around each launch point the map's threat flies from, and its name.

    The ring is the launch style's colour outside the dot's white outline; the name goes where
    ``places`` (:func:`site_label_places`) puts it, on a leader if placed out. None without
    ``names`` (the launch layer off, or no launch point the map's).
    """
    if not names:
        return []
    style = theme.layer_styles["launch"]
    data = [{"position": [lon, lat], "name": name, "short": name} for lon, lat, name in names]
    labels, leaders = _placed_labels(data, places, zoom)
    size = _site_label_size(projector)[0]
    return [
        *_leaders_layers("launch-leaders", leaders, theme, projector=projector),
        # The point's own dot again, so that it shows inside its ring above the sites' names
        # (a ring around a name's white halo read as a capital not defended); not pickable: the
        # launch layer's dot below keeps the tooltip and the click.
        pdk.Layer(
            "ScatterplotLayer",
            data=[{"position": d["position"]} for d in data],
            id="launch-used-dot",
            **_dot_paint(style.colour, projector=projector),
            pickable=False,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=[{"position": d["position"]} for d in data],
            id="launch-used",
            get_position="position",
            get_radius=LAUNCH_DOT_PX[projector] + LAUNCH_RING_GAP_PX,
            radius_units="'pixels'",
            filled=False,
            stroked=True,
            get_line_color=hex_to_rgba(style.colour),
            line_width_units="'pixels'",
            get_line_width=2.5 if projector else 2.0,
            pickable=False,
        ),
        _site_labels_layer("launch-labels", labels, size, theme, weight=600, pickable=False),
    ]


def _points_layer(
    key: str,
    frame: gpd.GeoDataFrame,
    name_col: str,
    *,
    projector: bool,
    theme: Theme = THEMES["light"],
) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        data=_points_frame(frame, name_col, [], shared=True),
        id=key,
        **_dot_paint(theme.layer_styles[key].colour, projector=projector),
        pickable=True,
    )


def _dot_paint(colour: str, *, projector: bool) -> dict[str, Any]:
    """A launch point's dot: ``colour`` with a white outline (the launch layer and its ring's)."""
    return {
        "get_position": "position",
        "get_radius": LAUNCH_DOT_PX[projector],
        "radius_units": "'pixels'",
        "get_fill_color": hex_to_rgba(colour),
        "get_line_color": [255, 255, 255, 255],
        "stroked": True,
        "line_width_units": "'pixels'",
        "get_line_width": 1.5,
    }


def _early_warning_records(sectors: gpd.GeoDataFrame) -> list[tuple[float, float, str]]:
    """``(lon, lat, short name)`` of each early-warning radar's label."""
    return _site_records(early_warning_points(sectors))


def _early_warning_sites_layers(
    sectors: gpd.GeoDataFrame,
    places: list[tuple[int, str] | None],
    *,
    zoom: float,
    projector: bool,
    theme: Theme = THEMES["light"],
) -> list[pdk.Layer]:
    """A dot and a name (where ``places`` puts it at ``zoom``) for each early-warning radar."""
    data = _points_frame(early_warning_points(sectors), "site_name", ["system", "range_km"])
    dot = _site_label_size(projector)[1]
    labels, leaders = _placed_labels(data, places, zoom)
    drawn = _leaders_layers("early_warning-leaders", leaders, theme, projector=projector)
    return [
        *drawn,
        pdk.Layer(
            "ScatterplotLayer",
            data=data,
            id="early_warning-sites",
            get_position="position",
            get_radius=dot - 1,
            radius_units="'pixels'",
            get_fill_color=hex_to_rgba(theme.layer_styles["early_warning"].colour),
            get_line_color=hex_to_rgba(theme.label_halo),
            stroked=True,
            line_width_units="'pixels'",
            get_line_width=1.5,
            pickable=True,
        ),
        _site_labels_layer(
            "early_warning-labels",
            labels,
            _early_warning_label_size(projector),
            theme,
            weight=400,
        ),
    ]


def _placed_labels(
    data: list[dict[str, Any]], places: list[tuple[int, str] | None], zoom: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Label records of ``data`` where ``places`` (:func:`site_label_places`) puts each name.

    Also the leaders of the names placed out on one (``source``, ``target``: from the dot to
    the leader's end). A name on a leader is positioned at the leader's end on the ground (at
    the opening ``zoom``), so zooming in lengthens the leader and keeps the name at its end.
    """
    labels, leaders = [], []
    for rec, place in zip(data, places, strict=True):
        if place is None:
            continue
        _, text_anchor, baseline, offset = LABEL_PLACES[place[0]]
        position = rec["position"]
        end = leader_end(place[0])
        if end is not None:
            x, y = world_px(position[0], position[1], zoom)
            position = list(lonlat_at_px(x + end[0], y + end[1], zoom))
            offset = (offset[0] - end[0], offset[1] - end[1])
            leaders.append({"source": rec["position"], "target": position})
        labels.append(
            {
                **rec,
                "position": position,
                "short": place[1],
                "anchor": text_anchor,
                "baseline": baseline,
                "offset": list(offset),
            }
        )
    return labels, leaders


def _leaders_layers(
    layer_id: str, leaders: list[dict[str, Any]], theme: Theme, *, projector: bool
) -> list[pdk.Layer]:
    """Lines from dots to their names placed out, over a halo as the names have.

    Thicker on a projector. ``LineLayer`` s, the borders' shader program: no new one to compile;
    none without leaders.
    """
    if not leaders:
        return []
    width = 2.0 if projector else 1.3
    halo = hex_to_rgba(theme.label_halo, theme.label_halo_alpha)
    return [
        pdk.Layer(
            "LineLayer",
            data=leaders,
            id=line_id,
            get_source_position="source",
            get_target_position="target",
            get_color=colour,
            width_units="'pixels'",
            get_width=line_width,
            pickable=False,
        )
        for line_id, colour, line_width in (
            (f"{layer_id}-halo", halo, width + 3.0),
            (layer_id, hex_to_rgba(theme.label_text), width),
        )
    ]


def _site_labels_layer(
    layer_id: str,
    labels: list[dict[str, Any]],
    size: float,
    theme: Theme,
    *,
    weight: int,
    halo_alpha: float = 0.92,
    pickable: bool = True,
) -> pdk.Layer:
    """Names with a halo, each at its record's anchor, baseline and offset.

    Pickable (default) where each record holds its dot's facts, so that a name hovered or
    clicked says what its dot says rather than what lies under it.
    """
    return pdk.Layer(
        "TextLayer",
        data=labels,
        id=layer_id,
        get_position="position",
        get_text="short",
        get_size=size,
        get_color=hex_to_rgba(theme.label_text),
        get_pixel_offset="offset",
        get_text_anchor="anchor",
        get_alignment_baseline="baseline",
        pickable=pickable,
        character_set="'auto'",
        font_family="'Helvetica Neue, Arial, sans-serif'",
        font_weight=weight,
        **_halo(theme, alpha=halo_alpha),
    )


def _sites_layers(
    frame: gpd.GeoDataFrame,
    places: list[tuple[int, str] | None] | None = None,
    *,
    zoom: float,
    projector: bool,
    theme: Theme = THEMES["light"],
) -> list[pdk.Layer]:
    """Site dots and their names, each where ``places`` puts it (:func:`site_label_places`).

    At ``zoom``, the opening one; a leader under the dots for a name placed out.
    """
    data = _points_frame(
        frame, "site_name", ["status", "systems", "role", "dates", "custom"], shared=True
    )
    custom = hex_to_rgba(WHATIF_SITE_COLOUR)
    for rec in data:
        hollow = rec.get("status") != "active"
        rec["fill"] = (
            hex_to_rgba(theme.site_hollow)
            if hollow
            else (custom if rec.get("custom") else hex_to_rgba(theme.site_fill))
        )
        # TextLayer draws glyphs, not HTML: the name without its parenthesis, brackets dropped.
        rec["short"] = _short_site_name(rec["name"])
    if places is None:
        places = [(0, rec["short"]) for rec in data]
    labels, leaders = _placed_labels(data, places, zoom)
    size, dot = _site_label_size(projector)
    drawn = _leaders_layers("site-leaders", leaders, theme, projector=projector)
    return [
        *drawn,
        pdk.Layer(
            "ScatterplotLayer",
            data=data,
            id="sites",
            get_position="position",
            get_radius=dot,
            radius_units="'pixels'",
            get_fill_color="fill",
            get_line_color=hex_to_rgba(theme.layer_styles["sites"].colour),
            stroked=True,
            line_width_units="'pixels'",
            get_line_width=2.5,
            pickable=True,
        ),
        _site_labels_layer("site-labels", labels, size, theme, weight=600),
    ]


# --- what is under the pointer: the area layers cut into faces ----------------------------------

#: Area layers that the tooltip lists together where they overlap: their drawing is unchanged,
#: but the pointer picks the "here" layer on top of them, whose faces each know every feature
#: covering them. The basemap, the NATO members, the points and tracks keep their own picking,
#: and so does the sweep's probability layer (drawn under the NATO fill, which it would hide).
HERE_LAYER_IDS = frozenset(
    {
        "early_warning",
        "radar",
        "defended",
        "defended-sites",
        "compare-both",
        "compare-lost",
        "compare-gained",
        "sector_picture",
        "sector_computed",
        "interceptor",
    }
)
#: Tolerance of the faces' outlines, degrees. The cut itself is exact on the drawn shapes
#: snapped to a grid of a tenth of this; the faces are then simplified together (as a coverage:
#: shared edges stay shared) to this tolerance: about one screen pixel at the Europe view's
#: opening zoom (~0.12° of longitude a pixel at zoom 3.5), ~9 px at zoom 6.
HERE_TOLERANCE_DEG = 0.1
#: The most faces a map carries (a bound on its payload; checked after the cut). Beyond it the
#: area layers keep their own picking (the tooltip names the topmost feature only).
HERE_MAX_FACES = 800


def _short(props: Mapping[str, Any]) -> str:
    """A site's name for a tooltip line: without the parenthesis, as cleaned (tags, braces)."""
    return str(props.get("name", "")).split(" (")[0]


def _here_lines(members: list[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The features covering one face in words, a line each, the defended area first.

    The others follow top first, as drawn.

    The defended area of all sites and of each site become one line ("Defended (physics) by
    A, B"); with the uncertainty band, the line names the estimates whose area covers the
    face. A ring or footprint names its system, its site's short name and its range.
    """
    lines: list[str] = []
    members = sorted(members, key=lambda m: m[0] not in ("defended", "defended-sites"))
    defended_by = [_short(p) for lid, p in members if lid == "defended-sites"]
    unions = [str(p.get("name", "")) for lid, p in members if lid == "defended"]
    defended_said = False
    for layer_id, props in members:
        system = props.get("system_name") or ""
        reach = props.get("range_km")
        km = f" ({reach:,.0f} km)" if isinstance(reach, int | float) and reach > 0 else ""
        if layer_id in ("defended", "defended-sites"):
            if not defended_said:
                by = f" by {', '.join(defended_by)}" if defended_by else ""
                cases = f": {'; '.join(unions)}" if len(unions) > 1 else ""
                lines.append(f"Defended (physics){by}{cases}")
                defended_said = True
        elif layer_id == "interceptor":
            lines.append(f"{system} nominal ring, {_short(props)}{km}")
        elif layer_id == "radar":
            lines.append(f"{system} radar footprint, {_short(props)}")
        elif layer_id == "early_warning":
            lines.append(f"Russian early-warning radar, {_short(props)}")
        elif layer_id.startswith(("compare-", "sector_")):
            lines.append(MAP_LAYER_KINDS.get(layer_id, layer_id))
        else:
            lines.append(f"{MAP_LAYER_KINDS.get(layer_id, layer_id)}: {props.get('name', '')}")
    return lines


def _polygonal(geom: Any) -> Any:
    """The polygons of ``geom`` (``make_valid`` can return a collection with lines in it)."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _here_shapes(collection: Mapping[str, Any], grid: float) -> tuple[list[int], NDArray[Any]]:
    """The indices of a collection's features with a geometry, and their polygons on ``grid``.

    Parsed by GEOS (shapely's GeoJSON reader in Python took as long as the cut itself); the
    shapes are the drawn ones, made valid and snapped to the grid that the noding uses.
    """
    index: list[int] = []
    shapes: list[str] = []
    for i, feature in enumerate(collection.get("features", ())):
        geometry = feature.get("geometry")
        if geometry:
            index.append(i)
            shapes.append(json.dumps(geometry))
    if not shapes:
        return index, np.empty(0, dtype=object)
    geoms = shapely.set_precision(shapely.make_valid(shapely.from_geojson(shapes)), grid)
    return index, np.asarray([_polygonal(g) for g in geoms], dtype=object)


def here_faces(
    areas: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    tolerance_deg: float = HERE_TOLERANCE_DEG,
    max_faces: int = HERE_MAX_FACES,
) -> dict[str, Any] | None:
    """The drawn area layers cut into faces, each listing every feature that covers it.

    Parameters
    ----------
    areas
        ``(deck layer id, GeoJSON FeatureCollection)`` per area layer, bottom to top as drawn.
    tolerance_deg
        The faces' outlines are simplified to this tolerance after the cut; the cut is made on
        the shapes snapped to a grid of a tenth of it (see :data:`HERE_TOLERANCE_DEG`).
    max_faces
        More faces than this: ``None`` (the caller keeps each layer's own picking).

    Returns
    -------
    dict or None
        A FeatureCollection, one feature per set of covering features: every face under the
        same features is merged into it, adjacent or not (so the pointer's highlight shows
        everywhere that combination holds). Properties: ``name``, ``label``, ``source`` as
        every layer's (a face under one feature carries that feature's; under several,
        ``label`` lists them, a line each), ``count`` and ``refs`` (``"layer:index;..."``, top
        first as drawn: the features by their index in their layer's collection). ``None`` if
        no area is drawn or there are more than ``max_faces``.

    Notes
    -----
    The cut is the planar arrangement of the shapes' boundaries: their union noded on the grid
    (``shapely.union_all(..., grid_size=)``), then ``shapely.polygonize``. Faces smaller than
    a grid cell are dropped; each other face's features are found from a point inside it
    (STRtree, ``within``). The faces of each set are merged by a coverage union
    (``shapely.coverage_union_all``), and the merged faces are simplified together with
    ``shapely.coverage_simplify``, so neighbours keep their common edge (no gap, no overlap).
    GEOS does the geometry; nothing here loops over vertices in Python.
    """
    grid = tolerance_deg / 10
    parts: list[NDArray[Any]] = []
    owners: list[tuple[str, int, Mapping[str, Any], int]] = []
    for level, (layer_id, collection) in enumerate(areas):
        # A year's rings are shared by maps that differ in engagement choices: parsed once.
        index, shapes = (
            _shared_derived(
                collection, ("here", grid), functools.partial(_here_shapes, collection, grid)
            )
            if _is_shared(collection)
            else _here_shapes(collection, grid)
        )
        features = collection.get("features", ())
        owners += [(layer_id, i, features[i].get("properties") or {}, level) for i in index]
        parts.append(shapes)
    if not owners:
        return None
    geoms = np.concatenate(parts)
    kept = np.flatnonzero(~shapely.is_empty(geoms))
    if len(kept) == 0:
        return None
    edges = shapely.union_all(shapely.boundary(geoms[kept]), grid_size=grid)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    faces = faces[shapely.area(faces) >= grid * grid]
    if len(faces) == 0:
        return None
    inside = shapely.point_on_surface(faces)
    face_i, tree_i = shapely.STRtree(geoms[kept]).query(inside, predicate="within")
    members: dict[int, list[int]] = {}
    for f, t in zip(face_i.tolist(), tree_i.tolist(), strict=True):
        members.setdefault(f, []).append(int(kept[t]))
    groups: dict[tuple[int, ...], list[int]] = {}
    for f, gs in members.items():
        top_first = tuple(sorted(gs, key=lambda g: (-owners[g][3], -owners[g][1])))
        groups.setdefault(top_first, []).append(f)
    if len(groups) > max_faces:
        return None
    keys = list(groups)
    # The faces of a polygonized arrangement form a coverage (no overlaps, shared edges
    # vertex for vertex, already on the grid): GEOS's coverage union merges each group without
    # the overlay a general union runs (about 3x faster here), to the same shapes.
    merged = np.asarray(
        [shapely.coverage_union_all(faces[groups[key]]) for key in keys], dtype=object
    )
    merged = shapely.coverage_simplify(merged, tolerance_deg)
    merged = _round_coords(merged, max(0, round(-math.log10(grid))))  # the grid's digits
    features = []
    for key, shape in zip(keys, merged, strict=True):
        if shapely.is_empty(shape):
            continue
        refs = ";".join(f"{owners[g][0]}:{owners[g][1]}" for g in key)  # top first
        if len(key) == 1:
            props = owners[key[0]][2]
            text = {k: props.get(k, "") for k in _TEXT_FIELDS}
        else:
            lines = _here_lines([(owners[g][0], owners[g][2]) for g in key])
            text = {
                "name": "At this point",
                "label": "\n".join(f"• {line}" for line in lines),
                "source": "click for each layer's details and sources",
            }
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(shape)),
                "properties": {**text, "count": len(key), "refs": refs},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _add_here_layer(layers: list[pdk.Layer], *, theme: Theme) -> None:
    """Put the "here" layer above the area layers of ``layers`` (which then stop picking).

    Only layers whose features are inline take part (a published file's URL has none here).
    """
    at = [
        i
        for i, layer in enumerate(layers)
        if layer.id in HERE_LAYER_IDS and isinstance(layer.data, dict)
    ]
    areas = [(layers[i].id, layers[i].data) for i in at]
    try:
        faces = here_faces(areas) if areas else None
    except shapely.errors.GEOSException:  # the layers keep their own picking; the map is drawn
        faces = None
    if faces is None:
        return
    for i in at:
        layers[i].pickable = False
        layers[i].auto_highlight = False
    layers.insert(
        at[-1] + 1,
        pdk.Layer(
            "GeoJsonLayer",
            data=faces,
            id="here",
            stroked=False,
            filled=True,
            # Invisible: it is there to be picked (and to highlight the face under the pointer).
            pickable=True,
            auto_highlight=True,
            **_here_paint(theme),
        ),
    )


def _here_paint(theme: Theme) -> dict[str, Any]:
    """Fill, highlight and blending of the "here" layer: invisible, a tint under the pointer.

    Streamlit draws a clicked (selected) object in its fill colour made opaque, and a face's
    fill was transparent black: a click painted the face solid black over the map. The faces
    are blended so that their colour can only darken (multiply: light theme) or lighten
    (screen: dark theme) what is under them, with a fill that changes nothing either way
    (white, black), so a clicked face leaves the map as drawn; the pointer's highlight, grey,
    tints the face under it as before. deck.gl's picking pass sets its own blending, so the
    faces are picked as before.
    """
    light = theme.key == "light"
    # The grey that darkens (multiply) or lightens (screen) as much as the other layers' hover
    # highlight does with its alpha.
    alpha = _highlight(theme)[3]
    grey = 255 - alpha if light else alpha
    return {
        "get_fill_color": [255, 255, 255, 0] if light else [0, 0, 0, 0],
        "highlight_color": [grey, grey, grey, 255],
        "parameters": {
            "blend": True,
            "blendColorOperation": "add",
            "blendColorSrcFactor": "zero" if light else "one-minus-dst",
            "blendColorDstFactor": "src" if light else "one",
            "blendAlphaOperation": "add",
            "blendAlphaSrcFactor": "zero",
            "blendAlphaDstFactor": "one",
        },
    }


def layer_properties(deck: pdk.Deck) -> dict[str, list[Mapping[str, Any]]]:
    """The properties of every inline feature of ``deck``, by layer id (what a pick refers to)."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for layer in deck.layers:
        data = getattr(layer, "data", None)
        if isinstance(data, dict):
            out[layer.id] = [f.get("properties") or {} for f in data.get("features", ())]
    return out
