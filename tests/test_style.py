"""The palette table: themes, contrast ratios, and one table behind map and legend."""

from __future__ import annotations

import pytest

from coverage.style import (
    COMPARE_STYLES,
    LAYER_STYLES,
    THEMES,
    blend,
    contrast_ratio,
)

#: Lines a reader must find on the map: rings, footprints, defended and comparison outlines,
#: tracks, sites and capitals (by status).
KEY_LINES = ("radar", "interceptor", "defended", "tracks", "sites")


def test_contrast_ratio__known_answers() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # WCAG's grey
    assert contrast_ratio("#0072B2", "#FFFFFF") == contrast_ratio("#FFFFFF", "#0072B2")
    assert blend("#FFFFFF", "#000000", 0.5) in ("#808080", "#7F7F7F")


@pytest.mark.parametrize("key", list(THEMES))
def test_theme__text_is_legible_on_a_projector(key: str) -> None:
    t = THEMES[key]
    assert contrast_ratio(t.text, t.page) >= 7.0  # WCAG AAA body text
    assert contrast_ratio(t.text, t.panel) >= 7.0
    assert contrast_ratio(t.muted, t.page) >= 4.5
    assert contrast_ratio(t.accent, t.page) >= 4.5
    assert contrast_ratio(t.caveat_text, t.caveat_bg) >= 7.0
    assert contrast_ratio(t.label_text, t.label_halo) >= 7.0
    assert contrast_ratio(t.border, t.land) >= 3.0


@pytest.mark.parametrize("key", list(THEMES))
def test_theme__comparison_outlines_stand_out_on_the_nato_fill(key: str) -> None:
    t = THEMES[key]
    for kind, style in t.compare_styles.items():
        for ground in (t.land, t.sea, t.nato_fill):
            assert contrast_ratio(style.colour, ground) >= 3.0, (kind, style.colour, ground)


def test_dark_theme__every_key_line_and_status_colour_is_legible() -> None:
    t = THEMES["dark"]
    styles = t.layer_styles
    colours = {k: styles[k].colour for k in KEY_LINES} | t.track_status_colours
    for name, colour in colours.items():
        assert contrast_ratio(colour, t.land) >= 4.5, (name, colour)
        assert contrast_ratio(colour, t.sea) >= 4.5, (name, colour)
        assert contrast_ratio(colour, t.nato_fill) >= 3.0, (name, colour)


def test_light_theme__is_the_palette_table_itself() -> None:
    t = THEMES["light"]
    assert t.layer_styles == LAYER_STYLES and t.compare_styles == COMPARE_STYLES
    # The dark theme changes colours only: titles, line styles and hatches stay.
    dark = THEMES["dark"]
    for key, style in LAYER_STYLES.items():
        d = dark.layer_styles[key]
        assert (d.title, d.line_style, d.hatch) == (style.title, style.line_style, style.hatch)


def test_theme__the_deck_uses_the_theme_table(catalogue) -> None:
    import json

    from coverage.products.mapdata import ANSWER_LAYERS, MapState, compute_map
    from coverage.render.layers import build_deck
    from coverage.scenario import FootprintOptions
    from coverage.style import hex_to_rgba

    data = compute_map(catalogue, MapState(FootprintOptions(year=2016), layers=ANSWER_LAYERS))
    dark = THEMES["dark"]
    layers = {la["id"]: la for la in json.loads(build_deck(data, theme="dark").to_json())["layers"]}
    assert layers["sea"]["getFillColor"] == hex_to_rgba(dark.sea)
    assert layers["countries"]["getFillColor"] == hex_to_rgba(dark.land)
    assert layers["radar-outline"]["getColor"] == hex_to_rgba(dark.layer_styles["radar"].colour)
    assert layers["site-labels"]["getColor"] == hex_to_rgba(dark.label_text)
    assert layers["site-labels"]["outlineColor"][:3] == hex_to_rgba(dark.label_halo)[:3]
    with pytest.raises(ValueError, match="theme"):
        build_deck(data, theme="sepia")


@pytest.mark.parametrize("key", list(THEMES))
def test_theme__early_warning_outline_is_legible_on_the_nato_fill(key: str) -> None:
    # Issue 12: the Russian sectors were "faint beige on yellow NATO fill" (orange: 1.9:1).
    t = THEMES[key]
    colour = t.layer_styles["early_warning"].colour
    for ground in (t.land, t.sea, t.nato_fill):
        assert contrast_ratio(colour, ground) >= 3.0, (colour, ground)
    # Not the interceptor rings' colour (both are drawn in warm hues).
    assert colour != t.layer_styles["interceptor"].colour


@pytest.mark.parametrize("key", list(THEMES))
def test_theme__defended_in_both_reads_as_defended_not_as_lost(key: str) -> None:
    # Session 35's new-user trial: "defended in both" was a grey that turned khaki over the
    # yellow NATO fill and was taken for "lost". It is now the defended area's hue.
    import colorsys

    def hue(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return colorsys.rgb_to_hsv(r, g, b)[0] * 360

    t = THEMES[key]
    both, lost = t.compare_styles["both"], t.compare_styles["lost"]
    defended = t.layer_styles["defended"].colour
    assert abs(hue(both.colour) - hue(defended)) < 10, (both.colour, defended)
    # Drawn over the NATO fill, "both" and "lost" are at least 60° of hue apart.
    over = {
        k: blend(t.nato_fill, s.colour, s.fill_alpha) for k, s in (("both", both), ("lost", lost))
    }
    gap = abs(hue(over["both"]) - hue(over["lost"]))
    assert min(gap, 360 - gap) >= 60, over
