"""One palette and one set of layer names for every output (dashboard, images, KML).

Colours are the Okabe-Ito colour-blind-safe set, except the Russian early-warning radars' dark
brown (the Okabe-Ito orange was too faint on the NATO fill; the brown is far darker than the
vermillion interceptor rings, and dotted). Each layer also has a second cue that survives
greyscale (line style and fill), used by the static exporter; the dashboard map uses fill
versus outline-only to the same end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

__all__ = [
    "sector_map_alpha",
    "BAND_SHADES",
    "MEASURE_DASHES",
    "SCENARIO_CHART_COLOURS",
    "band_shade_alpha",
    "LAUNCH_RING_GAP_PX",
    "CAPITAL_STYLE",
    "CITY_DOT_SCALE",
    "CAVEAT",
    "COMPARE_STYLES",
    "EARLY_WARNING_BROWN",
    "KINEMATIC_CAVEAT",
    "LAYER_ORDER",
    "LAYER_STYLES",
    "MAP_LAYER_KINDS",
    "OKABE_ITO",
    "PROBABILITY_ALPHA",
    "PROBABILITY_CLASSES",
    "ProbabilityClass",
    "SECTOR_CHOICES",
    "SECTOR_STYLES",
    "STATUS_COLOURS",
    "STATUS_WORDS",
    "ICBM_REACHABLE",
    "ICBM_UNREACHABLE",
    "TRACK_LINESTYLES",
    "TRACK_STATUS_COLOURS",
    "WHATIF_SITE_COLOUR",
    "LayerStyle",
    "THEMES",
    "Theme",
    "blend",
    "contrast_ratio",
    "hex_to_rgba",
    "share_text",
    "site_label",
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

#: What-if (custom) sites' fill, with the sites' black outline: a hue of its own (they were
#: the launch areas' reddish purple, which issue 12 and a fresh-eyes review both read as one
#: layer), light enough that the black outline marks them as sites.
WHATIF_SITE_COLOUR = OKABE_ITO["sky_blue"]

#: The Russian early-warning radars' colour (light theme): not one of the Okabe-Ito hues,
#: which the other layers take, and legible on the land, the sea and the NATO fill.
EARLY_WARNING_BROWN = "#8C510A"

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
            "Ground defended against the chosen threat and launch area under the stated "
            "assumptions; drawn over NATO members (the shares' ground) or the wider grid",
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
            "Sector of each Russian early-warning radar (dot: the radar) for a target at the "
            "chosen altitude",
            # Dark brown, not Okabe-Ito orange: the orange's dotted outline was faint on the
            # NATO fill (1.9:1); this holds 5.5:1 (the dark theme keeps the orange, 4.0:1).
            EARLY_WARNING_BROWN,
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
#: defended area when comparing. Paul Tol's indigo and ochre for the changes (blue against
#: yellow, the axis all colour-vision deficiencies keep) and, for "defended in both", the
#: defended area's own bluish green, a shade darker (#008C66: its dotted outline keeps 3.7:1 on
#: the yellow NATO fill and 3.4:1 on the sea, where the defended layer's #009E73 has 2.96:1 and
#: 2.7:1; the dark theme's defended colour is light enough as it is), so that what stays
#: defended reads as defended on both maps. A grey was used before: drawn at 30 % over the
#: yellow NATO fill it turned khaki and was taken for "lost" (session 35's new-user trial).
#: Three line styles with three hatches keep the kinds apart in greyscale.
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
            "#008C66",
            0.30,
            "dotted",
            "...",
            2.0,
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
#: Threat tracks' line style by engagement status on the slides and in QGIS (matplotlib's
#: names): the colours plus a cue for greyscale. The ICBM tracks take the layer's own.
TRACK_LINESTYLES = {"defended": "solid", "not defended": "dashdot", "out of reach": "dotted"}
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
#: A major city's dot against a capital's, on the map, the slides and in Google Earth.
CITY_DOT_SCALE = 0.65
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

#: The dashboard's charts: colour is the scenario (as planned orange, as built blue, as in
#: every chart), the line's dash the measure (territory solid, population dashed).
SCENARIO_CHART_COLOURS = {"as planned (2009)": OKABE_ITO["orange"], "as built": OKABE_ITO["blue"]}
MEASURE_DASHES = {"territory": [1, 0], "population": [6, 3]}

#: The uncertainty band's shades, darkest first: the low, nominal and high estimates' defended
#: areas are drawn over each other in the defended area's colour, so ground inside all three is
#: the darkest. As a rule the areas nest (low inside nominal inside high); the words say "as a
#: rule" because the physics need not nest them.
BAND_SHADES = (
    (3, "Inside all three estimates' areas (defended even in the low case)"),
    (2, "Inside two (as a rule the nominal and the high)"),
    (1, "Inside one (as a rule the high estimate's only)"),
)


def band_shade_alpha(fill_alpha: float, layers: int) -> float:
    """The opacity of ``layers`` fills of ``fill_alpha`` drawn over each other."""
    return 1.0 - (1.0 - fill_alpha) ** layers


PROBABILITY_CLASSES: tuple[ProbabilityClass, ...] = (
    ProbabilityClass("p_lt_10", 0.0, 0.1, "< 10 %", "#eff3ff"),
    ProbabilityClass("p_10_50", 0.1, 0.5, "10-50 %", "#bdd7e7"),
    ProbabilityClass("p_50_90", 0.5, 0.9, "50-90 %", "#6baed6"),
    ProbabilityClass("p_gt_90", 0.9, 1.0, "> 90 %", "#2171b5"),
)


#: Russia's sectoral proposal (coverage.products.sectoral), two drawings on one map. Computed:
#: Paul Tol's purple, outline and cross hatch over a faint fill, so the picture shows through;
#: the General Staff's picture: Tol's rose fill with a thick dashed outline, lighter where the
#: words say "parts" or "most" (the share range is in the label). Rose, not Tol's teal: teal
#: could not be told from the defended area's bluish green on the map (looked at). Both differ
#: in hue from the NATO yellow and the defended green; the rose area differs from the vermillion
#: interceptor rings (solid outlines, no fill) by its fill and dashed outline, and the hatch and
#: dash survive greyscale.
SECTOR_STYLES: dict[str, LayerStyle] = {
    s.key: s
    for s in (
        LayerStyle(
            "sector_computed",
            "Russia's sector (computed)",
            "NATO-Europe ground whose threat track crosses Russia or Belarus before its last "
            "intercept opportunity: under the sectoral proposal Russia would engage it",
            "#AA4499",
            0.12,
            "solid",
            "xx",
            2.0,
        ),
        LayerStyle(
            "sector_picture",
            "Russia's sector (General Staff, May 2012)",
            "The Russian General Staff's picture as public sources describe it, country level; "
            "lighter where it says 'parts' or 'most' (Low confidence)",
            "#CC6677",
            0.45,
            "dashed",
            "",
            3.0,
        ),
    )
}


def sector_map_alpha(style: LayerStyle) -> float:
    """A sector drawing's fill opacity where no hatch can be drawn (the browser map, the KML).

    The computed sector's fill is faint under the images' cross hatch; without the hatch it is
    2.5 times as opaque, so that it still reads over the defended area. The dashboard's legend
    swatch takes the same opacity.
    """
    return style.fill_alpha * (2.5 if style.hatch else 1.0)


#: Drawings of the sector a map state can ask for (``MapState.sector``).
SECTOR_CHOICES = ("none", "computed", "picture", "both")

#: What each pickable layer of the dashboard map holds, in words, by deck layer id: the
#: tooltip's lines and the click inspector's heading.
MAP_LAYER_KINDS: dict[str, str] = {
    **{k: s.title for k, s in LAYER_STYLES.items()},
    **{k: s.title for k, s in SECTOR_STYLES.items()},
    "sites": "Missile-defence site",
    "early_warning-sites": "Russian early-warning radar",
    "capitals": "Capital",
    "cities": "Major city",
    # The names are picked as their dots are (a click on a capital's name showed the defended
    # area under it).
    "site-labels": "Missile-defence site",
    "early_warning-labels": "Russian early-warning radar",
    "capital-labels": "Capital",
    "city-labels": "Major city",
    "launch": "Threat launch area",
    "tracks": "Threat track",
    "defended-sites": "Defended area of one site",
    **{
        f"compare-{k}": f"Comparison: {s.title[:1].lower()}{s.title[1:]}"
        for k, s in COMPARE_STYLES.items()
    },
    "probability": "Probability defended",
    "countries": "Country",
    "here": "Map layers at this point",
}


def _srgb_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``"#RRGGBB"`` (0 black .. 1 white)."""
    r, g, b, _ = hex_to_rgba(colour)
    lin = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (r / 255, g / 255, b / 255)
    ]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``"#RRGGBB"`` colours, 1 (none) .. 21 (black on white)."""
    la, lb = sorted((_srgb_luminance(a), _srgb_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(colour: str, under: str, alpha: float) -> str:
    """``colour`` drawn at opacity ``alpha`` over ``under``, as ``"#RRGGBB"``."""
    top, bottom = hex_to_rgba(colour)[:3], hex_to_rgba(under)[:3]
    mixed = (round(alpha * t + (1 - alpha) * u) for t, u in zip(top, bottom, strict=True))
    return "#" + "".join(f"{c:02X}" for c in mixed)


@dataclass(frozen=True)
class Theme:
    """Page and map colours of one theme, and its changes to the layer colours.

    The light theme is the table above unchanged. The dark theme (for dim rooms and
    projectors) keeps every hue and line style and lightens the colours that would be dark on
    dark ground; ``colours`` and ``fill_alphas`` override :data:`LAYER_STYLES` and
    :data:`COMPARE_STYLES` by key, and the status colours by status. The contrasts the themes
    are held to (WCAG 2 ratios, checked in ``tests/test_style.py``): body text 7:1 or more on
    the page, secondary text 4.5:1, and every key line (rings, footprints, defended and
    comparison outlines, tracks, capitals, sites) 3:1 or more against the land, the sea and the
    NATO fill, and 4.5:1 against the land in the dark theme.

    Attributes
    ----------
    key, name
        URL value (``?theme=dark``) and the name in menus.
    page, panel, text, muted, accent, rule
        Page background, sidebar and panel background, body text, secondary text, the
        subtitle's colour, and thin rules (borders of boxes).
    sea, land, border
        Map basemap: sea, land, country borders and coasts.
    label_text, label_halo, label_halo_alpha
        Map labels: glyphs and the box behind them (with its opacity 0..1).
    caveat_bg, caveat_text
        The caveat banner.
    site_fill, site_hollow
        Fill of a site in place and of a planned (hollow) one; its outline is the sites colour.
    colours, fill_alphas
        Overrides by layer key or status word.
    """

    key: str
    name: str
    page: str
    panel: str
    text: str
    muted: str
    accent: str
    rule: str
    sea: str
    land: str
    border: str
    label_text: str
    label_halo: str
    label_halo_alpha: float
    caveat_bg: str
    caveat_text: str
    site_fill: str
    site_hollow: str
    colours: Mapping[str, str] = field(default_factory=dict)
    fill_alphas: Mapping[str, float] = field(default_factory=dict)

    def _restyle(self, style: LayerStyle) -> LayerStyle:
        return replace(
            style,
            colour=self.colours.get(style.key, style.colour),
            fill_alpha=self.fill_alphas.get(style.key, style.fill_alpha),
        )

    @property
    def layer_styles(self) -> dict[str, LayerStyle]:
        """:data:`LAYER_STYLES` in this theme's colours."""
        return {k: self._restyle(s) for k, s in LAYER_STYLES.items()}

    @property
    def compare_styles(self) -> dict[str, LayerStyle]:
        """:data:`COMPARE_STYLES` in this theme's colours."""
        return {k: self._restyle(s) for k, s in COMPARE_STYLES.items()}

    @property
    def status_colours(self) -> dict[str, str]:
        """:data:`STATUS_COLOURS` in this theme's colours."""
        return {k: self.colours.get(k, c) for k, c in STATUS_COLOURS.items()}

    @property
    def track_status_colours(self) -> dict[str, str]:
        """:data:`TRACK_STATUS_COLOURS` in this theme's colours."""
        return {k: self.colours.get(k, c) for k, c in TRACK_STATUS_COLOURS.items()}

    @property
    def nato_fill(self) -> str:
        """The NATO members' fill as drawn over the land (for contrast checks)."""
        nato = self.layer_styles["nato"]
        return blend(nato.colour, self.land, nato.fill_alpha)


THEMES: dict[str, Theme] = {
    t.key: t
    for t in (
        Theme(
            key="light",
            name="Light",
            page="#FFFFFF",
            panel="#F2F4F6",
            text="#111111",
            muted="#444444",
            accent="#0072B2",
            rule="#CCCCCC",
            sea="#DCE6EE",
            land="#F8F8F6",
            border="#787878",
            label_text="#1E1E1E",
            label_halo="#FFFFFF",
            label_halo_alpha=0.78,
            caveat_bg="#1B1B1B",
            caveat_text="#FFFFFF",
            site_fill=OKABE_ITO["black"],
            site_hollow="#FFFFFF",
        ),
        # High contrast for dim rooms: near-black page, light text, a dark navy sea and dark
        # grey land; Okabe-Ito hues kept where they are light enough (sky blue for the radars,
        # orange for early warning), lightened otherwise (Paul Tol's light blue for "gained").
        Theme(
            key="dark",
            name="Dark (dim rooms)",
            page="#121417",
            panel="#1E2227",
            text="#F2F2F2",
            muted="#B8BEC6",
            accent="#56B4E9",
            rule="#5A616B",
            sea="#0E1926",
            land="#25282E",
            border="#9AA3AD",
            label_text="#F2F2F2",
            label_halo="#121417",
            label_halo_alpha=0.82,
            caveat_bg="#E8E8E8",
            caveat_text="#111111",
            site_fill="#FFFFFF",
            site_hollow="#25282E",
            colours={
                "radar": OKABE_ITO["sky_blue"],
                "interceptor": "#FF9466",
                "defended": "#33CC99",
                "tracks": "#F2F2F2",
                "sites": "#FFFFFF",
                "early_warning": OKABE_ITO["orange"],
                "gained": "#99BBFF",
                "lost": "#DDAA33",
                "both": "#33CC99",
                "not defended": "#FF88AA",
                "out of reach": "#AAAAAA",
                ICBM_REACHABLE: "#FF9466",
                ICBM_UNREACHABLE: "#AAAAAA",
            },
            fill_alphas={"nato": 0.26, "both": 0.35},
        ),
    )
}


#: The threat's launch ring: its radius beyond the launch point's dot, px (its line is 2-2.5 px
#: wide), on the dashboard's map and the slides alike.
LAUNCH_RING_GAP_PX = 4.0


def site_label(name: str) -> str:
    """A site's name on a map, the dashboard's and the slides': without its parenthesis.

    "Central Mediterranean / Ionian patrol (illustrative point)" reads "Central Mediterranean
    / Ionian patrol": the slides cut it at the slash too, as a launch point's name, and read
    "Central Mediterranean", a sea rather than a ship's station (session 41's trial).
    """
    return name.split(" (")[0].strip()


def share_text(share: float) -> str:
    """A 0..1 share as a percentage, as the metrics tab would read it.

    Whole from 10 % up (``0.396`` → ``"40 %"``), one decimal below (``0.008`` → ``"0.8 %"``, not
    ``"1 %"``); a share that is not 0 or 1 never reads as either (``"under 0.1 %"``,
    ``"over 99 %"``).
    """
    pct = 100.0 * share
    if pct <= 0.0 or pct >= 100.0:
        return f"{pct:.0f} %"
    if pct < 0.05:
        return "under 0.1 %"
    if pct >= 99.5:
        return "over 99 %"
    return f"{pct:.1f} %" if pct < 9.95 else f"{pct:.0f} %"
