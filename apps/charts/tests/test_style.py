"""The job style: validated once at job creation, with bounds that keep workers safe."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_rgb
from pydantic import ValidationError

from apps.charts.style import PALETTES, Style, get_palette, palette_colors


def test_defaults():
    style = Style()
    assert (style.palette, style.font_size, style.dpi, style.language) == ("intelli", 10, 150, "en")
    assert (style.width, style.height) == (8.0, 5.0)
    assert style.formats == ("png", "svg")
    assert style.pixel_size == (1200, 750)


def test_validates_from_json_input():
    style = Style.model_validate(
        {"palette": "colorblind", "font_size": 12, "dpi": 300, "width": 6.5, "height": 4, "formats": ["svg"]}
    )
    assert style.formats == ("svg",)
    assert style.model_dump(mode="json")["formats"] == ["svg"]
    assert style.colors.name == "colorblind"


@pytest.mark.parametrize(
    "raw",
    [
        {"palette": "rainbow"},
        {"font_size": 5},
        {"font_size": 25},
        {"dpi": 71},
        {"dpi": 601},
        {"width": 2.9},
        {"height": 15.1},
        {"language": "fr"},
        {"formats": []},
        {"formats": ["png", "png"]},
        {"formats": ["pdf"]},
        {"colour": "red"},
        {"width": 20, "height": 15, "dpi": 600},  # 108 megapixels
    ],
)
def test_bad_styles_are_refused(raw):
    with pytest.raises(ValidationError):
        Style.model_validate(raw)


def test_style_is_immutable():
    style = Style()
    with pytest.raises(ValidationError):
        style.dpi = 300


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_palettes_have_nine_distinct_valid_colours(name):
    palette = get_palette(name)
    colours = palette_colors(name)
    assert len(colours) >= 9
    assert len({to_rgb(c) for c in colours}) == len(colours)
    for colour in (palette.primary, palette.accent, palette.muted, *colours):
        to_rgb(colour)  # raises for anything matplotlib cannot draw
    assert to_rgb(palette.primary) != to_rgb(palette.accent)


def test_every_palette_a_style_accepts_exists():
    for name in Style.model_json_schema()["properties"]["palette"]["enum"]:
        assert get_palette(name)
