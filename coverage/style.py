"""One palette and one set of layer names for every output (dashboard, images, KML).

Colours are the Okabe-Ito colour-blind-safe set. Each layer also has a second cue that survives
greyscale (line style and fill), used by the static exporter; the dashboard map uses fill
versus outline-only to the same end.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAPITAL_STYLE",
    "CAVEAT",
    "COMPARE_STYLES",
    "KINEMATIC_CAVEAT",
    "LAYER_ORDER",
    "LAYER_STYLES",
    "OKABE_ITO",
    "PROBABILITY_ALPHA",
    "PROBABILITY_CLASSES",
    "ProbabilityClass",
    "STATUS_COLOURS",
    "STATUS_WORDS",
    "ICBM_REACHABLE",
    "ICBM_UNREACHABLE",
    "TRACK_STATUS_COLOURS",
    "LayerStyle",
    "hex_to_rgba",
]

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}

KINEMATIC_CAVEAT = (
    "Kinematic model from public estimates; not an assessment of operational capability."
)
CAVEAT = (
    "UNCLASSIFIED — PUBLIC SOURCES — NOTIONAL / ILLUSTRATIVE. Nominal parameters from open sources; "
    "not an assessment of operational capability."
)


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn everywhere.

    Attributes
    ----------
    key
        Layer id used in URLs, CLI options and feature properties.
    title
        Legend entry.
    description
        What the layer is, in one sentence (legend tooltip and image legend).
    colour
        Hex colour.
    fill_alpha
        Fill opacity 0..1 (0 = outline only).
    line_style
        Matplotlib dash style for images: ``"solid"``, ``"dashed"``, ``"dotted"`` or ``"dashdot"``.
    hatch
        Matplotlib hatch for images ('' for none).
    line_width_px
        Outline width on the dashboard map.
    default_on
        Shown when the dashboard opens.
    """

    key: str
    title: str
    description: str
    colour: str
    fill_alpha: float
    line_style: str
    hatch: str
    line_width_px: float
    default_on: bool = True


LAYER_STYLES: dict[str, LayerStyle] = {
    s.key: s
    for s in (
        LayerStyle(
            "countries",
            "Countries",
            "Natural Earth 1:50m country outlines (Crimea in Ukraine)",
            "#FFFFFF",
            1.0,
            "solid",
            "",
            0.6,
        ),
        LayerStyle(
            "nato",
            "NATO members (year)",
            "NATO member states in Europe at the end of the selected year",
            OKABE_ITO["yellow"],
            0.35,
            "solid",
            "",
            0.0,
        ),
        LayerStyle(
            "radar",
            "Radar footprint",
            "Ground area where a target at the chosen altitude is detectable "
            "(range, horizon and azimuth limits)",
            OKABE_ITO["blue"],
            0.10,
            "dashed",
            "",
            2.5,
        ),
        LayerStyle(
            "interceptor",
            "Interceptor nominal ring",
            "Nominal engagement-range ring of each interceptor (not a defended area)",
            OKABE_ITO["vermillion"],
            0.0,
            "solid",
            "",
            2.5,
        ),
        LayerStyle(
            "defended",
            "Defended area (physics)",
            "Ground defended against the chosen threat and launch "
            "area under the stated assumptions",
            OKABE_ITO["bluish_green"],
            0.40,
            "solid",
            "///",
            1.5,
            False,
        ),
        LayerStyle(
            "early_warning",
            "Russian early-warning radars",
            "Sector of each Russian early-warning radar for a target at the chosen altitude",
            OKABE_ITO["orange"],
            0.06,
            "dotted",
            "",
            2.0,
            False,
        ),
        LayerStyle(
            "launch",
            "Threat launch areas",
            "Candidate launch points (city or area level)",
            OKABE_ITO["reddish_purple"],
            1.0,
            "solid",
            "",
            1.0,
        ),
        LayerStyle(
            "tracks",
            "Threat tracks",
            "Great-circle ground tracks from the launch area to reference cities",
            OKABE_ITO["black"],
            0.0,
            "dashdot",
            "",
            2.0,
            False,
        ),
        LayerStyle(
            "sites",
            "Missile-defence sites",
            "Sites in place in the selected year (hollow: planned, not yet built)",
            OKABE_ITO["black"],
            1.0,
            "solid",
            "",
            1.5,
        ),
    )
}
#: The difference between two states (gained / lost / defended in both), drawn instead of the
#: defended area when comparing. Three hues apart from every layer above and from each other for
#: every colour-vision type: Paul Tol's indigo and ochre (blue against yellow, the axis all
#: colour-vision deficiencies keep) and a neutral grey for "no change"; also three lightnesses
#: (dark, middle, light) and three line styles with two hatches, so they survive greyscale.
COMPARE_STYLES: dict[str, LayerStyle] = {
    s.key: s
    for s in (
        LayerStyle(
            "gained",
            "Gained in B",
            "Defended in state B, not in state A",
            "#332288",
            0.45,
            "solid",
            "///",
            2.5,
        ),
        LayerStyle(
            "lost",
            "Lost in B",
            "Defended in state A, not in state B",
            "#997700",
            0.55,
            "dashed",
            "\\\\",
            2.5,
        ),
        LayerStyle(
            "both",
            "Defended in both",
            "Defended in state A and in state B",
            "#BBBBBB",
            0.55,
            "dotted",
            "",
            1.5,
        ),
    )
}
#: Colour of a target's engagement status, for capitals and threat tracks on the map, in the
#: legend and in images. "Not defended" is Paul Tol's wine, a different hue from the vermillion
#: interceptor rings it is drawn beside (and darker, so the two also differ in greyscale).
STATUS_COLOURS = {
    "defended": OKABE_ITO["bluish_green"],
    "not defended": "#882255",
    "out of reach": OKABE_ITO["grey"],
}
#: How each status is described in legends.
STATUS_WORDS = {
    "defended": "defended",
    "not defended": "in the threat's reach, not defended",
    "out of reach": "out of the threat's reach",
}
#: Status words of the Russian-ICBM tracks on the wide map (coverage.products.icbm_year).
ICBM_REACHABLE = "reachable by a site of the year"
ICBM_UNREACHABLE = "not reachable by any site of the year"
#: Threat-track colour by engagement status (the same table as the capitals), plus the ICBM
#: tracks: vermillion when an interceptor of the year can reach them, grey when none can.
TRACK_STATUS_COLOURS = {
    **STATUS_COLOURS,
    ICBM_REACHABLE: OKABE_ITO["vermillion"],
    ICBM_UNREACHABLE: OKABE_ITO["grey"],
}


@dataclass(frozen=True)
class CapitalStyle:
    """How capitals are drawn: a dot per capital coloured by status, with its name beside it.

    The second cue besides colour is the marker: a filled dot when defended, a ring (hollow)
    when in reach and not defended, a small dot when out of reach.

    Attributes
    ----------
    title
        Legend entry.
    description
        What the layer shows.
    radius_px, ring_width_px
        Dot radius and the ring's line width on the dashboard map (projector mode scales them).
    """

    title: str = "Capitals"
    description: str = (
        "Capitals of the year's European NATO members, by status against the chosen threat"
    )
    radius_px: float = 5.5
    ring_width_px: float = 2.5


CAPITAL_STYLE = CapitalStyle()
#: Bottom-to-top drawing order.
LAYER_ORDER = (
    "countries",
    "nato",
    "early_warning",
    "radar",
    "defended",
    "interceptor",
    "tracks",
    "launch",
    "sites",
)


def hex_to_rgba(colour: str, alpha: float = 1.0) -> list[int]:
    """``"#RRGGBB"`` and an opacity 0..1 to deck.gl's ``[r, g, b, a]`` with 0..255 channels."""
    c = colour.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"colour={colour!r} is not #RRGGBB")
    return [
        int(c[0:2], 16),
        int(c[2:4], 16),
        int(c[4:6], 16),
        round(255 * min(max(alpha, 0.0), 1.0)),
    ]


@dataclass(frozen=True)
class ProbabilityClass:
    """One class of the "probability defended" layer, its legend text and its colour.

    A cell is in the class when ``lower <= p < upper``, except that the 50-90 % class includes
    90 % and the top class holds every ``p`` above 90 % (see
    :func:`coverage.products.sweep.probability_class`).
    """

    key: str
    lower: float
    upper: float
    text: str
    colour: str


#: Share of Monte-Carlo draws in which a cell is defended, in four classes. A sequential,
#: colour-blind-safe blue scale (ColorBrewer "Blues", 4 classes: light = rarely defended), so
#: darker always means more likely; it also reads in greyscale.
#: Opacity of the probability classes' fill on the dashboard map.
PROBABILITY_ALPHA = 0.72
PROBABILITY_CLASSES: tuple[ProbabilityClass, ...] = (
    ProbabilityClass("p_lt_10", 0.0, 0.1, "< 10 %", "#eff3ff"),
    ProbabilityClass("p_10_50", 0.1, 0.5, "10-50 %", "#bdd7e7"),
    ProbabilityClass("p_50_90", 0.5, 0.9, "50-90 %", "#6baed6"),
    ProbabilityClass("p_gt_90", 0.9, 1.0, "> 90 %", "#2171b5"),
)
