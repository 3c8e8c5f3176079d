"""How a job's charts look: palette, type size, resolution, size, language and file formats.

A `Style` is validated when the job is created (bad values are the user's error, reported before
anything is queued) and then passed unchanged to every renderer of the job, so all charts of one
pack share one look. Sizes are in inches because that is what a report layout asks for; the pixel
size of a PNG is `width * dpi` by `height * dpi`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PaletteName = Literal["intelli", "colorblind", "viridis", "grayscale"]
Language = Literal["en", "es"]
ImageFormat = Literal["png", "svg"]

# A raster canvas costs 4 bytes per pixel while it is drawn: 36 MP is ~144 MB in a charts_cpu
# worker, about the most two concurrent renders should hold (e.g. 10 x 6 in at 600 dpi).
MAX_PIXELS = 36_000_000


@dataclass(frozen=True)
class Palette:
    """The colours a renderer may use, by role rather than by position.

    `categorical` has at least nine distinct colours because the CPC treemap colours its
    rectangles by CPC section (A-H and Y) and two sections must never share a colour.
    """

    name: str
    primary: str  # the single series of a chart (bars, observed line)
    accent: str  # a second series, a forecast or a highlighted bar
    muted: str  # de-emphasised marks: "Other", unknown categories
    categorical: tuple[str, ...]


PALETTES: dict[str, Palette] = {
    # Calm blue with a warm accent; the rest chosen to stay apart in hue and lightness.
    "intelli": Palette(
        name="intelli",
        primary="#2b5c8a",
        accent="#e3793b",
        muted="#c4c9ce",
        categorical=(
            "#2b5c8a",
            "#e3793b",
            "#3f9e8f",
            "#c9504f",
            "#8a6bb0",
            "#d4a72c",
            "#6f9e3f",
            "#b5648e",
            "#7a8a99",
        ),
    ),
    # Okabe & Ito (2008), "Color Universal Design"; grey added as the customary ninth colour.
    "colorblind": Palette(
        name="colorblind",
        primary="#0072B2",
        accent="#D55E00",
        muted="#c8c8c8",
        categorical=(
            "#0072B2",
            "#E69F00",
            "#009E73",
            "#D55E00",
            "#56B4E9",
            "#CC79A7",
            "#F0E442",
            "#000000",
            "#999999",
        ),
    ),
    # Matplotlib's viridis sampled at nine evenly spaced points (stopping before the palest
    # yellow, which vanishes on white).
    "viridis": Palette(
        name="viridis",
        primary="#2f6b8e",
        accent="#3fbc73",
        muted="#c8c8c8",
        categorical=(
            "#440154",
            "#482979",
            "#3e4c8a",
            "#2f6b8e",
            "#24868e",
            "#1fa287",
            "#3fbc73",
            "#7fd34e",
            "#cae11f",
        ),
    ),
    # For print in black and white: the accent is the darkest tone so a highlight survives.
    "grayscale": Palette(
        name="grayscale",
        primary="#737373",
        accent="#1a1a1a",
        muted="#d9d9d9",
        categorical=(
            "#252525",
            "#404040",
            "#595959",
            "#737373",
            "#8c8c8c",
            "#a6a6a6",
            "#bdbdbd",
            "#d0d0d0",
            "#e3e3e3",
        ),
    ),
}


def get_palette(name: str) -> Palette:
    """The palette called `name` (raises `KeyError` for a name `Style` would have refused)."""
    return PALETTES[name]


def palette_colors(name: str) -> tuple[str, ...]:
    """The categorical colours of a palette, as hex strings, for legends and the UI preview."""
    return get_palette(name).categorical


class Style(BaseModel):
    """The look of every chart in a job. Immutable: renderers may share one instance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    palette: PaletteName = "intelli"
    font_size: int = Field(default=10, ge=6, le=24, description="Base font size in points.")
    dpi: int = Field(default=150, ge=72, le=600, description="Resolution of the PNG.")
    width: float = Field(default=8.0, ge=3.0, le=20.0, description="Width in inches.")
    height: float = Field(default=5.0, ge=2.0, le=15.0, description="Height in inches.")
    language: Language = "en"
    # A tuple, not a list, so the frozen model really is immutable; JSON input is a list.
    formats: Annotated[tuple[ImageFormat, ...], Field(min_length=1)] = ("png", "svg")

    @field_validator("formats")
    @classmethod
    def _no_duplicate_formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each format may be listed only once")
        return value

    @model_validator(mode="after")
    def _bounded_canvas(self) -> Style:
        width_px, height_px = self.pixel_size
        if width_px * height_px > MAX_PIXELS:
            raise ValueError(
                f"{width_px} x {height_px} pixels is too large; reduce the size or the dpi "
                f"(at most {MAX_PIXELS // 1_000_000} megapixels)"
            )
        return self

    @property
    def colors(self) -> Palette:
        return get_palette(self.palette)

    @property
    def pixel_size(self) -> tuple[int, int]:
        """The PNG's size in pixels: the figure size times the dpi, rounded."""
        return round(self.width * self.dpi), round(self.height * self.dpi)
