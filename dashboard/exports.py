"""Download buttons: slide images, GIS files and the rollout animation, generated only on click.

The panel sits under the map, below the side column's legend, capitals and events: a screen
and more down at 1920x1080 (a fresh-eyes review did not find it). An "Export…" button at the top of
the sidebar opens it and brings it into view (a small script, as :mod:`dashboard.focus`'s;
beside the map it pushed the legend below the fold at 1280x720 and 1024x768).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from coverage.catalogue.tables import Catalogue
from coverage.products.claims import claim_notes
from coverage.products.headline import (
    Headline,
    capitals_by_year,
    cities_by_year,
    cities_with_reasons,
)
from coverage.products.mapdata import (
    ENGAGEMENT_CHOICES,
    MapData,
    MapState,
    map_series,
    rollout_series,
)
from coverage.scenario import FIRST_YEAR, LAST_YEAR, FootprintOptions

if TYPE_CHECKING:
    import pandas as pd
    from streamlit.delta_generator import DeltaGenerator

__all__ = [
    "projector_slide_button",
    "GOTO_KEY",
    "OPEN_KEY",
    "SCROLL_JS",
    "export_panel",
    "goto_button",
    "map_kmz",
    "map_kmz_name",
    "map_kmz_words",
    "show_panel",
]

#: The panel's expander key (its open state), and the "Export…" button's.
OPEN_KEY = "exports_open"
GOTO_KEY = "goto_exports"
#: The scroll script's element key (hidden by the page's CSS).
SCROLL_KEY = "exports_shown"
_ASKED = "exports_asked"

#: Runs in the page: each time the button was pressed (a new count), bring the panel into view
#: once it is drawn (it is drawn after the side column; up to 10 s).
SCROLL_JS = r"""
export default function(component) {
  const { data } = component;
  const asked = (data && data.asked) || 0;
  if (!asked || window.__epaaExportsAsked === asked) return;
  window.__epaaExportsAsked = asked;
  let tries = 0;
  const look = () => {
    const panel = document.querySelector('.st-key-__OPEN__');
    if (panel) { panel.scrollIntoView({ block: 'start', behavior: 'smooth' }); return; }
    if (++tries < 40) setTimeout(look, 250);
  };
  look();
}
""".replace("__OPEN__", OPEN_KEY)

_scroll = st.components.v2.component("epaa_show_exports", js=SCROLL_JS)


def _ask() -> None:
    st.session_state[OPEN_KEY] = True
    st.session_state[_ASKED] = st.session_state.get(_ASKED, 0) + 1


def goto_button(where: DeltaGenerator) -> None:
    """The "Export…" button (in ``where``): opens the export panel and brings it into view."""
    where.button(
        "⤓ Export…",
        key=GOTO_KEY,
        on_click=_ask,
        # No hover help: the pointer stays on the button while the page scrolls to the panel,
        # and the help's box then lay over the panel's first row (the panel's title says it).
        width="stretch",
    )


def show_panel() -> None:
    """Mount the script that scrolls to the panel after the button was pressed."""
    _scroll(key=SCROLL_KEY, data={"asked": int(st.session_state.get(_ASKED, 0))})


def _kmz(
    catalogue: Catalogue, state: MapState, years: range, *, capitals: bool, cities: bool = False
) -> bytes:
    """The rollout KMZ: every year's layers, with its capitals and major cities when the map has them."""
    from coverage.render import gis

    # A rollout is of the page's state A: a comparison and a sector drawing belong to one map
    # (the KML writer leaves them out of a rollout; computing them each year cost for nothing).
    series = map_series(catalogue, replace(state, compare=None, sector="none"), years)
    caps = capitals_by_year(catalogue, series) if capitals else None
    towns = cities_by_year(catalogue, series) if capitals and cities else None
    return gis.kmz_from_kml(gis.kml_from_series(catalogue, series, capitals=caps, cities=towns))


def map_kmz(
    catalogue: Catalogue,
    data: MapData,
    capitals: pd.DataFrame | None,
    cities: pd.DataFrame | None = None,
) -> bytes:
    """KMZ of one map: its layers and, when given, its capitals by status, for its year.

    The rollout's KML writer with a series of one map: footprints keep their activation dates,
    the year's defended area and capitals hold from the latest activation in the year. Beside a
    comparison it holds the comparison's ground (gained / lost / defended in both), B's own
    sites marked [B] and what B does to each capital; with Russia's sector, its drawing.
    """
    from coverage.render import gis

    year = data.state.options.year
    caps = None if capitals is None else {year: capitals}
    towns = None if cities is None or capitals is None else {year: cities}
    return gis.kmz_from_kml(gis.kml_from_series(catalogue, [data], capitals=caps, cities=towns))


def map_kmz_name(data: MapData) -> str:
    """The file name of :func:`map_kmz`: the map's, as its other files' (``…_vs_2024.kmz``)."""
    return f"{file_stem(data.state)}.kmz"


def map_kmz_words(data: MapData) -> tuple[str, str]:
    """The label and help of :func:`map_kmz`'s button: what the file holds of the map on screen."""
    held = [
        words
        for words, drawn in (
            (
                "the comparison's gained and lost ground, B's sites marked [B]",
                data.comparison is not None,
            ),
            ("Russia's sector", data.sectoral is not None and not data.sectoral.empty),
        )
        if drawn
    ]
    help_text = "Google Earth: this map's layers, NATO members and capitals, for its year"
    if held:
        help_text += f", with {' and '.join(held)}"
    return "KMZ (this map)", help_text


#: A scenario in file names, as the page says it ("as built", "as planned"), not its link code;
#: the alternative architectures (``third_site``, ``cbo_sea``, ...) keep their codes.
SCENARIO_FILE_WORDS = {"actual": "as-built", "planned": "as-planned"}


def scenario_file_word(scenario: str) -> str:
    """``actual`` -> ``as-built``, ``planned`` -> ``as-planned``; any other scenario as it is."""
    return SCENARIO_FILE_WORDS.get(scenario, scenario)


def rollout_name(scenario: str, suffix: str) -> str:
    """A rollout's file name: ``epaa_as-built_rollout.kmz``."""
    return f"epaa_{scenario_file_word(scenario)}_rollout.{suffix}"


def file_stem(s: MapState) -> str:
    """The exported files' common name for map state ``s``.

    The year, scenario and estimate, then what else the map shows (a cooperation scenario,
    state B of a comparison, Russia's sector, a region beyond NATO Europe), so that two
    different maps of one year do not download under one name.

    ``epaa_2016_as-built_nominal``, ``epaa_2016_as-built_nominal_vs_2024``,
    ``epaa_2024_as-built_nominal_sector-both``: the scenario in the page's words
    (:data:`SCENARIO_FILE_WORDS`; a trial user looked for "as built" and found ``actual``, the
    link's code). Also the launch area and threat when not the
    default ones and every choice away from its default, by its field's name
    (``epaa_2024_as-built_nominal_shahrud_rv_rcs_m2-0.01_boost_track_needs_warhead``): two
    slides of one year with different answers had one name. (The slides carry the headline,
    the answer to the state's threat, whether the defended area is drawn or not.)
    """
    o = s.options
    parts = [f"epaa_{o.year}_{scenario_file_word(o.scenario)}_{o.estimate}"]
    default = MapState(options=FootprintOptions(year=o.year))
    for name in ("launch_area", "threat"):
        if getattr(s, name) != getattr(default, name):
            parts.append(str(getattr(s, name)))
    options = [(f.name, getattr(o, f.name), getattr(default.options, f.name)) for f in fields(o)]
    engagement = [
        (f.name, getattr(s, f.name), getattr(default, f.name))
        for f in fields(s)
        if f.name in ENGAGEMENT_CHOICES
    ]
    for name, value, was in [*options, *engagement]:
        if name in ("year", "scenario", "estimate") or value == was:
            continue
        if isinstance(value, bool):
            parts.append(name if value else f"{name}-off")
        elif isinstance(value, frozenset):
            parts.append(f"{name}-{'-'.join(sorted(value))}")
        elif isinstance(value, float):
            parts.append(f"{name}-{value:g}")
        else:
            parts.append(f"{name}-{value}")
    if s.cooperation != "nato_alone":
        parts.append(s.cooperation)
    if s.compare is not None:
        v = s.compare
        scenario = None if v.scenario is None else scenario_file_word(v.scenario)
        b = [str(x) for x in (v.year, scenario, v.estimate) if x is not None]
        b += [f"{k}-{value}" for k, value in v.query]
        parts.append("_".join(["vs", *b]))
    if s.sector != "none":
        parts.append(f"sector-{s.sector}")
    if s.domain != "europe":
        parts.append(f"{s.domain}-grid")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "_".join(parts))


def _drawn_places(
    line: Headline | None, capitals: bool, cities: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The capitals (by status) and major cities the map draws, for its files and slides.

    The headline's capitals when the map shows them; the cities only with the capitals.
    """
    caps = line.capitals if line is not None and capitals else None
    return caps, cities if caps is not None else None


def _slide_maker(
    catalogue: Catalogue,
    data: MapData,
    *,
    line: Headline | None,
    capitals: bool,
    cities: pd.DataFrame | None,
) -> Callable[..., bytes]:
    """The slide images' drawing, as on the map: headline, capitals, cities, the year's claim.

    The returned function takes :func:`coverage.render.export.render`'s format and size
    arguments and draws when called (on a button's press).
    """
    caps, towns = _drawn_places(line, capitals, cities)

    def slide(**size: Any) -> bytes:
        from coverage.render import export  # matplotlib: loaded on first use

        return export.render(
            data,
            headline=None if line is None else line.slide_text(),
            capitals=caps,
            cities=towns,
            claims=claim_notes(catalogue, data.state, short=True),
            **size,
        )

    return slide


def projector_slide_button(
    catalogue: Catalogue,
    data: MapData,
    *,
    screen: str,
    line: Headline | None,
    capitals: bool,
    cities: pd.DataFrame | None = None,
) -> None:
    """In projector mode, one download: this slide at the screen's size, in projector type.

    The briefer had no export without leaving projector mode (the sidebar is folded away),
    and no slide at 1280x720 (a trial, session 42). The image is made when pressed.
    """
    width, height = (int(v) for v in screen.split("x"))  # a key of layers.MAP_SIZE_PX
    slide = _slide_maker(catalogue, data, line=line, capitals=capitals, cities=cities)
    st.download_button(
        f"⤓ Slide PNG {width}×{height}",
        data=lambda: slide(fmt="png", width_px=width, height_px=height, projector=True),
        file_name=f"{file_stem(data.state)}_{width}x{height}.png",
        mime="image/png",
        key="download_projector_slide",
        on_click="ignore",
        help="This map as a slide for this screen, in the projector's type",
        width="stretch",
    )


def export_panel(
    catalogue: Catalogue,
    data: MapData,
    *,
    projector: bool,
    line: Headline | None = None,
    capitals: bool = False,
    cities: pd.DataFrame | None = None,
) -> None:
    """A row of download buttons for the current map state (same layers and colours as the map).

    With ``line``, the slide images carry the headline under their title, and with ``capitals``
    its capitals, by status, as on the map; ``cities`` (the map's major cities by status) go
    with the capitals into the images and the single map's GIS files and KMZ.
    """
    # Matplotlib and the GIS writers load on first use, not with the first page.
    from coverage.render import animation, gis

    stem = file_stem(data.state)
    caps, towns = _drawn_places(line, capitals, cities)

    def towns_why() -> pd.DataFrame | None:
        # The GIS files give each city's reason, as each capital's (made on the button's
        # press, not with every rerun of the open panel).
        return None if towns is None else cities_with_reasons(towns, catalogue, data.state)

    # The five slide images: one drawing, as on the map (headline, capitals, cities, and the
    # official claim of the map's year, as beside it), each made when its button is pressed.
    draw = _slide_maker(catalogue, data, line=line, capitals=capitals, cities=cities)

    def slide(*, projector: bool = projector, **size: Any) -> bytes:
        return draw(projector=projector, **size)

    years = range(FIRST_YEAR, LAST_YEAR + 1)
    kmz_label, kmz_help = map_kmz_words(data)
    items: list[tuple[str, str, str, str, Callable[[], bytes], str]] = [
        (
            "png",
            "PNG 1920×1080",
            f"{stem}.png",
            "image/png",
            lambda: slide(fmt="png"),
            "Slide image, 16:9",
        ),
        (
            "png_4x3",
            "PNG 1024×768",
            f"{stem}_1024x768.png",
            "image/png",
            lambda: slide(fmt="png", width_px=1024, height_px=768, projector=True),
            "Slide for a 4:3 projector, in the projector's larger type (the 16:9 image shrunk "
            "to 1024 px wide has names of 5-6 px)",
        ),
        (
            "png_a4",
            "PNG A4 300 dpi",
            f"{stem}_a4.png",
            "image/png",
            lambda: slide(fmt="png", width_px=3508, height_px=2480, dpi=300),
            "Print size, A4 landscape",
        ),
        (
            "svg",
            "SVG",
            f"{stem}.svg",
            "image/svg+xml",
            lambda: slide(fmt="svg"),
            "Vector image for editing",
        ),
        (
            "pdf",
            "PDF",
            f"{stem}.pdf",
            "application/pdf",
            lambda: slide(fmt="pdf"),
            "Vector PDF",
        ),
        (
            "geojson",
            "GeoJSON",
            f"{stem}.geojson",
            "application/geo+json",
            lambda: gis.to_geojson(data, caps, towns_why(), answer=line),
            "Every drawn feature, EPSG:4326",
        ),
        (
            "gpkg",
            "GeoPackage",
            f"{stem}.gpkg",
            "application/geopackage+sqlite3",
            lambda: gis.to_geopackage(data, caps, towns_why(), answer=line),
            "One table per layer, for QGIS: each opens styled as on this map",
        ),
        (
            "kmz_map",
            kmz_label,
            map_kmz_name(data),
            "application/vnd.google-earth.kmz",
            lambda: map_kmz(catalogue, data, caps, towns_why()),
            kmz_help,
        ),
        (
            "kmz_rollout",
            f"KMZ ({FIRST_YEAR}–{LAST_YEAR})",
            rollout_name(data.state.options.scenario, "kmz"),
            "application/vnd.google-earth.kmz",
            lambda: _kmz(
                catalogue,
                data.state,
                years,
                capitals=caps is not None,
                cities=towns is not None,
            ),
            "Google Earth: each footprint has a TimeSpan, so the time slider replays the rollout",
        ),
        (
            "features_csv",
            "Features CSV",
            f"{stem}_features.csv",
            "text/csv",
            lambda: gis.features_csv(data, capitals=caps, cities=towns_why(), answer=line),
            "Attribute table of the drawn features",
        ),
        (
            "rollout_gif",
            "Rollout GIF",
            rollout_name(data.state.options.scenario, "gif"),
            "image/gif",
            lambda: animation.rollout_gif(
                rollout_series(catalogue, data.state, years),
                answer=None
                if line is None
                else animation.rollout_answer(
                    catalogue, capitals=caps is not None, cities=towns is not None
                ),
            ),
            f"One slide per year {FIRST_YEAR}–{LAST_YEAR}, each with its answer line "
            "(takes about 20 s)",
        ),
    ]
    # Four a row: at 1024x768 five cut "KMZ (2011–2026)" to "KMZ (2011–2…" (session 41's trial).
    cols = st.columns(4)
    for i, (slug, label, name, mime, make, help_text) in enumerate(items):
        cols[i % 4].download_button(
            label,
            data=make,
            file_name=name,
            mime=mime,
            key=f"download_{slug}",
            on_click="ignore",
            help=help_text,
            width="stretch",
        )
