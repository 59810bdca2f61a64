"""QGIS layer styles for the GeoPackage: each table opens in QGIS drawn as on the map.

QGIS keeps a GeoPackage's styles in a table of its own, ``layer_styles`` (one row per style of a
table, the columns QGIS writes with *Save as default*); when a table is added to a project, the
row marked ``useAsDefault`` is applied. Each style here is a QML document, QGIS's own style
format, built from the one palette (:mod:`coverage.style`): the same colours, fills, line styles,
hatches and markers as the dashboard's map, the slides and the KML, with the sites', capitals',
cities' and launch points' names as labels.

Written with :mod:`xml.etree.ElementTree`: no library outside QGIS writes QML (PyQGIS is not on
PyPI, and QGIS itself is no dependency of this tool). The documents use QGIS 3's ``Option``
property maps, which QGIS reads from 3.10 on; ``scripts/check_qgis_styles.py`` opens an exported
GeoPackage in QGIS (Debian's ``python3-qgis``) and checks that every table takes its style
(checked with QGIS 3.22).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pyogrio

from coverage.style import (
    CAPITAL_STYLE,
    CITY_DOT_SCALE,
    COMPARE_STYLES,
    LAYER_STYLES,
    PROBABILITY_ALPHA,
    PROBABILITY_CLASSES,
    SECTOR_STYLES,
    STATUS_COLOURS,
    STATUS_WORDS,
    TRACK_LINESTYLES,
    TRACK_STATUS_COLOURS,
    WHATIF_SITE_COLOUR,
    LayerStyle,
    hex_to_rgba,
    sector_map_alpha,
)

__all__ = ["STYLE_TABLE", "layer_qml", "layer_styles_frame", "write_styles"]

#: The table QGIS reads a GeoPackage's styles from.
STYLE_TABLE = "layer_styles"
#: A screen pixel in typographic points (96 px to 72 pt to the inch): sizes are given in points,
#: which QGIS scales for print layouts as it does its own.
_PT_PER_PX = 0.75
#: The images' line styles (matplotlib) as QGIS pen styles.
_PEN = {"solid": "solid", "dashed": "dash", "dotted": "dot", "dashdot": "dash dot"}
#: The images' hatches as QGIS brush styles (the second cue that survives greyscale).
_BRUSH = {"///": "b_diagonal", "\\\\": "f_diagonal", "xx": "diagonal_x", "...": "dense6"}
#: A site's dot radius on the dashboard map (coverage.render.layers: 6 px) and a launch point's.
_SITE_RADIUS_PX = 6.0
_LAUNCH_RADIUS_PX = 7.0
#: A site's name as on the map: without its parenthesis ("Aegis Ashore Romania").
_SHORT_NAME = "trim(regexp_replace(\"name\", '\\\\(.*\\\\)', ''))"


def _rgba(colour: str, alpha: float = 1.0) -> str:
    """A QGIS colour, ``r,g,b,a`` (0-255)."""
    return ",".join(str(v) for v in hex_to_rgba(colour, alpha))


def _pt(px: float) -> str:
    return f"{px * _PT_PER_PX:.3g}"


def _symbol_layer(cls: str, props: Mapping[str, str]) -> ET.Element:
    el = ET.Element("layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    opts = ET.SubElement(el, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(opts, "Option", type="QString", name=key, value=value)
    return el


def _symbol(kind: str, layers: Sequence[ET.Element]) -> ET.Element:
    """A QGIS symbol (``fill``, ``line`` or ``marker``) of ``layers``, bottom first."""
    el = ET.Element(
        "symbol",
        {"type": kind, "name": "", "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"},
    )
    el.extend(layers)
    return el


def _area(style: LayerStyle, *, fill_alpha: float | None = None, hatch: bool = True) -> ET.Element:
    """An area as drawn: the fill, the hatch over it (if the style has one), the outline."""
    alpha = style.fill_alpha if fill_alpha is None else fill_alpha
    outline = {
        "outline_color": _rgba(style.colour),
        "outline_style": _PEN[style.line_style] if style.line_width_px > 0 else "no",
        "outline_width": _pt(max(style.line_width_px, 0.0)),
        "outline_width_unit": "Point",
        "joinstyle": "round",
    }
    fill = _symbol_layer(
        "SimpleFill",
        {
            "color": _rgba(style.colour, alpha),
            "style": "solid" if alpha > 0 else "no",
            **outline,
        },
    )
    layers = [fill]
    if hatch and style.hatch in _BRUSH:
        layers.insert(
            1,
            _symbol_layer(
                "SimpleFill",
                {
                    "color": _rgba(style.colour, min(1.0, 0.25 + style.fill_alpha)),
                    "style": _BRUSH[style.hatch],
                    "outline_style": "no",
                },
            ),
        )
    return _symbol("fill", layers)


def _line(colour: str, width_px: float, line_style: str) -> ET.Element:
    return _symbol(
        "line",
        [
            _symbol_layer(
                "SimpleLine",
                {
                    "line_color": _rgba(colour),
                    "line_style": _PEN[line_style],
                    "line_width": _pt(width_px),
                    "line_width_unit": "Point",
                    "capstyle": "round",
                    "joinstyle": "round",
                },
            )
        ],
    )


def _dot(fill: str | None, outline: str, radius_px: float, outline_px: float = 1.5) -> ET.Element:
    """A round marker; ``fill`` None: hollow (a ring)."""
    return _symbol(
        "marker",
        [
            _symbol_layer(
                "SimpleMarker",
                {
                    "name": "circle",
                    "color": _rgba(fill) if fill else "0,0,0,0",
                    "outline_color": _rgba(outline),
                    "outline_style": "solid",
                    "outline_width": _pt(outline_px),
                    "outline_width_unit": "Point",
                    "size": _pt(2 * radius_px),
                    "size_unit": "Point",
                },
            )
        ],
    )


@dataclass(frozen=True)
class _Class:
    """One class of a layer's features: which (a QGIS expression), its legend words, its symbol."""

    where: str
    label: str
    symbol: ET.Element


def _quoted(text: str) -> str:
    """A QGIS expression's text literal."""
    return "'" + text.replace("'", "''") + "'"


def _renderer(classes: Sequence[_Class]) -> ET.Element:
    """A single-symbol renderer for one class without condition, else a rule-based one."""
    symbols = ET.Element("symbols")
    for i, cls in enumerate(classes):
        cls.symbol.set("name", str(i))
        symbols.append(cls.symbol)
    if len(classes) == 1 and not classes[0].where:
        el = ET.Element("renderer-v2", {"type": "singleSymbol", "symbollevels": "0"})
        el.append(symbols)
        return el
    el = ET.Element("renderer-v2", {"type": "RuleRenderer", "symbollevels": "0"})
    rules = ET.SubElement(el, "rules", key="{root}")
    for i, cls in enumerate(classes):
        rule = ET.SubElement(rules, "rule", key=f"{{rule-{i}}}", symbol=str(i), label=cls.label)
        if cls.where:
            rule.set("filter", cls.where)
    el.append(symbols)
    return el


def _labels(expression: str, size_px: float, *, bold: bool = False) -> ET.Element:
    """Names beside the points, dark on a white halo, as on the map."""
    el = ET.Element("labeling", type="simple")
    settings = ET.SubElement(el, "settings", calloutType="simple")
    text = ET.SubElement(
        settings,
        "text-style",
        {
            "fieldName": expression,
            "isExpression": "1",
            "fontSize": _pt(size_px),
            "fontSizeUnit": "Point",
            "fontWeight": "75" if bold else "50",
            "textColor": "0,0,0,255",
            "textOpacity": "1",
        },
    )
    ET.SubElement(
        text,
        "text-buffer",
        {
            "bufferDraw": "1",
            "bufferSize": "1",
            "bufferSizeUnits": "Point",
            "bufferColor": "255,255,255,255",
            "bufferOpacity": "0.85",
            "bufferJoinStyle": "128",
        },
    )
    # Around the point (cartographic placement), clear of its dot.
    ET.SubElement(
        settings,
        "placement",
        {"placement": "6", "dist": _pt(4.0), "distUnits": "Point", "priority": "5"},
    )
    ET.SubElement(settings, "rendering", {"obstacle": "1", "displayAll": "0"})
    return el


def _status_classes(radius_px: float) -> list[_Class]:
    """Capitals' or cities' dots by status: defended filled, in reach a ring, out of reach small."""
    out = []
    for status, colour in STATUS_COLOURS.items():
        if status == "defended":
            symbol = _dot(colour, colour, radius_px)
        elif status == "not defended":
            symbol = _dot(None, colour, radius_px - 1.0, outline_px=CAPITAL_STYLE.ring_width_px)
        else:
            symbol = _dot(colour, colour, radius_px * 0.6)
        out.append(_Class(f'"status" = {_quoted(status)}', STATUS_WORDS[status], symbol))
    return out


def _classes(key: str) -> tuple[list[_Class], ET.Element | None] | None:
    """The classes of table ``key`` and its labels; None for a table without a style here."""
    if key == "compare":
        return [
            _Class(f'"kind" = {_quoted(k)}', s.title, _area(s)) for k, s in COMPARE_STYLES.items()
        ], None
    if key == "sectoral":
        return [
            _Class(f'"kind" = {_quoted(k)}', s.title, _area(s, fill_alpha=sector_map_alpha(s)))
            for k, s in SECTOR_STYLES.items()
        ], None
    if key == "p_defended":
        # A sweep's cells by their class of probability defended (the engine's own ``p_class``).
        return [
            _Class(
                f'"p_class" = {_quoted(pc.text)}',
                f"Defended in {pc.text} of draws",
                _symbol(
                    "fill",
                    [
                        _symbol_layer(
                            "SimpleFill",
                            {"color": _rgba(pc.colour, PROBABILITY_ALPHA), "outline_style": "no"},
                        )
                    ],
                ),
            )
            for pc in PROBABILITY_CLASSES
        ], None
    if key == "defended_sites":
        # Each site's own area: its outline only (the union, in ``defended``, is the fill; the
        # KML keeps these off for the same reason: their stacked fills drew darker bands).
        style = LAYER_STYLES["defended"]
        return [_Class("", "Defended area of one site", _area(style, fill_alpha=0.0))], None
    if key == "tracks":
        style = LAYER_STYLES["tracks"]
        return [
            _Class(
                f'"status" = {_quoted(status)}',
                STATUS_WORDS.get(status, status),
                _line(colour, style.line_width_px, TRACK_LINESTYLES.get(status, style.line_style)),
            )
            for status, colour in TRACK_STATUS_COLOURS.items()
        ], None
    if key == "sites":
        colour = LAYER_STYLES["sites"].colour
        in_place = "\"status\" LIKE 'active%'"
        return [
            _Class(
                f'{in_place} AND coalesce("custom", 0)',
                "What-if site",
                _dot(WHATIF_SITE_COLOUR, colour, _SITE_RADIUS_PX),
            ),
            _Class(
                f'{in_place} AND NOT coalesce("custom", 0)',
                "Missile-defence site",
                _dot(colour, colour, _SITE_RADIUS_PX),
            ),
            _Class(
                f"NOT ({in_place})",
                "Planned, not yet built (hollow)",
                _dot("#FFFFFF", colour, _SITE_RADIUS_PX),
            ),
        ], _labels(_SHORT_NAME, 12.0, bold=True)
    if key == "launch":
        colour = LAYER_STYLES["launch"].colour
        return [
            _Class("", LAYER_STYLES["launch"].title, _dot(colour, "#FFFFFF", _LAUNCH_RADIUS_PX))
        ], _labels('"name"', 11.0)
    if key == "capitals":
        return _status_classes(CAPITAL_STYLE.radius_px), _labels('"name"', 11.0)
    if key == "cities":
        return _status_classes(CAPITAL_STYLE.radius_px * CITY_DOT_SCALE), _labels('"name"', 9.0)
    if key not in LAYER_STYLES:
        return None
    return [_Class("", LAYER_STYLES[key].title, _area(LAYER_STYLES[key]))], None


def layer_qml(key: str) -> str | None:
    """The QML style of GeoPackage table ``key`` (a layer key of :mod:`coverage.render.gis`).

    None for a table this module has no style for (QGIS then draws it in its own default).
    """
    found = _classes(key)
    if found is None:
        return None
    classes, labels = found
    root = ET.Element(
        "qgis",
        {
            "version": "3.22.0",
            "styleCategories": "Symbology|Labeling",
            "labelsEnabled": "1" if labels is not None else "0",
        },
    )
    root.append(_renderer(classes))
    if labels is not None:
        root.append(labels)
    # Without the DOCTYPE QGIS writes (its DTD's URL, never fetched: no URL in any export).
    return ET.tostring(root, encoding="unicode") + "\n"


def layer_styles_frame(tables: Iterable[str], geometry_column: str = "geom") -> pd.DataFrame:
    """The ``layer_styles`` rows for ``tables``: one default style per table with a style.

    Columns as QGIS writes them (``f_table_catalog`` and ``f_table_schema`` empty for a
    GeoPackage; ``f_geometry_column`` the tables' geometry column, GDAL's ``geom``).
    """
    rows = []
    for table in tables:
        qml = layer_qml(table)
        if qml is None:
            continue
        rows.append(
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": table,
                "f_geometry_column": geometry_column,
                "styleName": table,
                "styleQML": qml,
                "styleSLD": "",
                "useAsDefault": True,
                "description": "As on the dashboard's map (coverage.style's palette)",
                "owner": "",
                "ui": "",
                # No time: the file's content is the same for the same map (QGIS needs none).
                "update_time": pd.NaT,
            }
        )
    return pd.DataFrame(rows)


def write_styles(path: Path, tables: Iterable[str]) -> None:
    """QGIS's styles of ``tables`` into the GeoPackage at ``path``, each the table's default.

    One row per table with a style, in QGIS's ``layer_styles`` table (an attributes table of
    the GeoPackage, as QGIS makes it); nothing is written when no table has one.
    """
    styles = layer_styles_frame(tables)
    if not styles.empty:
        pyogrio.write_dataframe(styles, path, layer=STYLE_TABLE, driver="GPKG")
