"""Shaded grids of counts (applicant x year, code x code), drawn the same way by every analysis.

Cells are vector quads (`pcolormesh`), so the SVG stays sharp when a report scales it; the shade
runs from near-white to a dark version of the palette's primary colour, and a cell with nothing
stays white, so gaps read as gaps. Counts are written in the cells when they fit in the cell at a
readable size; otherwise the chart gets a colour bar instead.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apps.charts import rendering as r
from apps.charts.labels import format_int

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap

    from apps.charts.style import Style

EMPTY_CELL = "#ffffff"
LIGHTEST = "#eef2f6"
CELL_GAP = 0.6  # points of white between cells
MIN_CELL_TEXT = 5.5  # points: below this the numbers go and a colour bar explains the shades


def sequential_cmap(style: Style) -> Colormap:
    """Near-white to the primary colour to a darker shade of it: more is darker, in every palette."""
    from matplotlib.colors import LinearSegmentedColormap, to_rgb

    primary = to_rgb(style.colors.primary)
    darker = tuple(channel * 0.55 for channel in primary)
    return LinearSegmentedColormap.from_list("intelli_sequential", [LIGHTEST, primary, darker])


@dataclass(frozen=True)
class Grid:
    """Where a grid's cells sit on the page, to size the numbers written in them."""

    cell_width: float  # inches
    cell_height: float

    def text_size(self, widest: str, wanted: float) -> float:
        """The largest size up to `wanted` at which `widest` fits a cell (0: it does not)."""
        by_height = self.cell_height * r.POINTS_PER_INCH * 0.62
        size = min(wanted, by_height)
        while size >= MIN_CELL_TEXT and r.text_width(widest, size) > self.cell_width * 0.9:
            size -= 0.5
        return size if size >= MIN_CELL_TEXT else 0.0


def counts_fit(style: Style, rows: int, columns: int, width: float, height: float, top: int) -> bool:
    """Whether the numbers of a `rows` x `columns` grid of `width` x `height` inches fit its cells."""
    grid = Grid(cell_width=width / max(columns, 1), cell_height=height / max(rows, 1))
    return bool(grid.text_size(format_int(top, style.language), r.TypeSizes.of(style).value))


# Room to the right of a grid for a vertical colour bar and its tick labels, in inches.
COLOUR_BAR_ROOM = 0.75


def draw_grid(
    ax: Axes,
    style: Style,
    values: Sequence[Sequence[int]],
    *,
    cmap: Colormap,
    width: float,
    height: float,
    write_counts: bool = True,
    special: Sequence[tuple[int, int]] = (),
    special_fill: str | None = None,
) -> bool:
    """Draw `values` (rows top to bottom) as shaded cells; return whether counts were written.

    `width`/`height` are the axes' size in inches. `special` cells (e.g. a matrix's diagonal) are
    filled with `special_fill` instead of the shade and their count written in bold.
    """
    import numpy as np
    from matplotlib.colors import Normalize

    matrix = np.array(values, dtype=float)
    rows, columns = matrix.shape
    top = max(float(matrix.max(initial=0)), 1.0)
    special_set = set(special)
    if special_set:
        # The special cells are not on the shade's scale: an off-diagonal maximum sets it.
        shaded = [matrix[i, j] for i in range(rows) for j in range(columns) if (i, j) not in special_set]
        top = max(max(shaded, default=1.0), 1.0)
    norm = Normalize(vmin=0, vmax=top)
    colours = cmap(norm(matrix))
    colours[matrix <= 0] = (1.0, 1.0, 1.0, 1.0)
    if special_fill is not None:
        from matplotlib.colors import to_rgba

        for i, j in special_set:
            colours[i, j] = to_rgba(special_fill)
    # One QuadMesh with white edges: every cell a vector rectangle, one artist for all of them.
    ax.pcolormesh(
        np.arange(columns + 1) - 0.5,
        np.arange(rows + 1) - 0.5,
        colours,
        edgecolors="white",
        linewidth=CELL_GAP,
    )
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)  # first row on top
    for spine in ax.spines.values():
        spine.set_visible(False)
    if not write_counts:
        return False
    grid = Grid(cell_width=width / max(columns, 1), cell_height=height / max(rows, 1))
    widest = format_int(int(matrix.max(initial=0)), style.language)
    size = grid.text_size(widest, r.TypeSizes.of(style).value)
    if not size:
        return False
    # One text per column and ink colour (numbers on dark cells are white), its lines spaced
    # exactly one cell apart, instead of one text per cell: a 15 x 20 grid draws 40 texts, not
    # 300, which is most of the time such a chart takes in PNG and SVG.
    spacing = (height / rows) * r.POINTS_PER_INCH / (line_height_ratio() * size)
    for j in range(columns):
        lines: dict[tuple[str, str], list[str]] = {}
        for i in range(rows):
            value = int(matrix[i, j])
            if value <= 0:
                continue
            ink = r.text_color_on(tuple(colours[i, j][:3]))
            weight = "bold" if (i, j) in special_set else "normal"
            lines.setdefault((ink, weight), [""] * rows)[i] = format_int(value, style.language)
        for (ink, weight), column in lines.items():
            ax.text(
                j,
                (rows - 1) / 2,
                "\n".join(column),
                ha="center",
                va="center",
                multialignment="center",
                linespacing=spacing,
                fontsize=size,
                fontweight=weight,
                color=ink,
                gid="cell-counts",
            )
    return True


@functools.lru_cache(maxsize=1)
def line_height_ratio() -> float:
    """Height of one line of text per point of font size, at `linespacing=1`.

    With a numeric line spacing matplotlib makes every line of a text exactly `linespacing`
    times the font's typographic ascent plus descent (its OS/2 table, else hhea), so the lines of
    a column text land one per cell when the spacing is the cell's height over this.
    """
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    font = FT2Font(findfont(FontProperties()))
    units = font.get_sfnt_table("head")["unitsPerEm"]
    for table, ascent, descent in (
        ("OS/2", "sTypoAscender", "sTypoDescender"),
        ("hhea", "ascent", "descent"),
    ):
        metrics = font.get_sfnt_table(table)
        if metrics is not None:
            return (metrics[ascent] - metrics[descent]) / units
    return 1.2  # matplotlib's own fallback measures "lp"; DejaVu Sans always has the tables


def colour_bar(ax: Axes, style: Style, cmap: Colormap, top: int, title: str, *, offset: float) -> None:
    """A slim vertical colour bar `offset` inches right of a grid that could not hold its numbers,
    aligned with the grid's top (the caller leaves `COLOUR_BAR_ROOM` for it)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    sizes = r.TypeSizes.of(style)
    fig = ax.get_figure()
    assert fig is not None
    width, height = (float(v) for v in fig.get_size_inches())
    box = ax.get_position()
    title_room = r.line_height(sizes.note) / height
    bar_height = max(box.height * 0.45, 0.8 / height)
    bar = fig.add_axes(
        (box.x1 + offset / width, box.y1 - title_room - bar_height, 0.1 / width, bar_height - 0.02 / height)
    )
    mappable = ScalarMappable(norm=Normalize(vmin=0, vmax=max(top, 1)), cmap=cmap)
    colourbar = fig.colorbar(mappable, cax=bar, orientation="vertical")
    colourbar.outline.set_visible(False)  # type: ignore[union-attr]
    bar.tick_params(labelsize=sizes.note, length=2, colors=r.SOFT_INK, labelcolor=r.SOFT_INK, pad=2)
    bar.yaxis.set_major_locator(r.count_locator())
    bar.yaxis.set_major_formatter(r.count_formatter(style.language))
    fig.text(
        box.x1 + offset / width, box.y1, title, fontsize=sizes.note, color=r.SOFT_INK, va="top", ha="left"
    )
