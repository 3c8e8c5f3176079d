"""From a figure to PNG and SVG bytes, and the shared publication look of every chart.

Renderers run in long-lived charts_cpu worker processes, so this module never touches pyplot: each
chart is one `matplotlib.figure.Figure` with its own Agg canvas, nothing is registered globally,
and the figure is cleared once its bytes are out. Global `rcParams` are never changed either; every
size and colour is passed explicitly, from the job's `Style`.

The layout is computed, not searched: margins come from the style's font size and from measured
label widths. Constrained or tight layout would do the same job by drawing the figure an extra
time, which costs about a third of the 150 ms a chart may take.
"""

from __future__ import annotations

import functools
import gc
import importlib
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from apps.charts.labels import format_int, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from apps.charts.analyses.base import Analysis, ChartData
    from apps.charts.style import Style

# Ink for everything that is not data: dark enough to read, light enough not to compete.
INK = "#222222"
SOFT_INK = "#555555"
NOTE_INK = "#6b6b6b"
GRID = "#e4e4e4"
SPINE = "#a0a0a0"

POINTS_PER_INCH = 72.0
PAD = 0.15  # inches of white space around the figure's content
LINE = 1.25  # line height as a multiple of the font size
TICK_PAD = 4.0  # points between tick labels and the axis
LABEL_PAD = 5.0  # points between an axis label and its tick labels
MIN_AXES_FRACTION = 0.25  # never squeeze the plot below this share of the figure
# Notes may take this share of the height at most, and never the room the plot needs (at least
# MIN_PLOT_FRACTION of the height); notes that do not fit are left out, last first (callers list
# them most important first), so big type on a small figure still leaves a readable plot.
FOOTER_MAX_FRACTION = 0.3
MIN_PLOT_FRACTION = 0.3
AXES_TOP_ROOM = 0.12  # inches between the subtitle (or legend) and the plot
LEGEND_GAP = 0.08  # inches between a legend above the plot and the plot
# Legend geometry in multiples of its font size (matplotlib's units), used to size it beforehand.
HANDLE_LENGTH = 1.6
HANDLE_PAD = 0.6
COLUMN_SPACING = 1.8
LABEL_SPACING = 0.4

# Data sources by the prefix of `CanonicalData.source_format`; unknown formats print as they are.
_SOURCE_NAMES = (("espacenet", "Espacenet"), ("lens", "Lens.org"), ("google", "Google Patents"))


@dataclass(frozen=True)
class TypeSizes:
    """Point sizes of each kind of text, all derived from the style's one base size."""

    title: float
    subtitle: float
    label: float
    tick: float
    note: float
    value: float  # numbers written on bars

    @classmethod
    def of(cls, style: Style) -> TypeSizes:
        base = float(style.font_size)
        return cls(
            title=base * 1.3,
            subtitle=base * 0.95,
            label=base,
            tick=base * 0.9,
            note=max(base * 0.78, 6.0),
            value=base * 0.85,
        )


def _inches(points: float) -> float:
    return points / POINTS_PER_INCH


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of one line of text in inches, measured with the real font (no drawing needed)."""
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return _inches(width)


def line_height(size: float) -> float:
    """Height of one line of text of `size` points, in inches."""
    return _inches(size * LINE)


def wrap(text: str, size: float, width_in: float, *, bold: bool = False) -> list[str]:
    """Break `text` at spaces into lines that fit `width_in` inches, measured with the font.

    A single word wider than the line keeps a line of its own rather than being cut.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > width_in:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def shorten(text: str, size: float, width_in: float) -> str:
    """`text` cut with an ellipsis so it fits `width_in` inches; the data keeps the full text."""
    if text_width(text, size) <= width_in:
        return text
    cut = len(text)
    while cut > 1 and text_width(text[:cut].rstrip() + "…", size) > width_in:
        cut -= max(1, (cut // 10))
    return text[:cut].rstrip() + "…"


def _relative_luminance(color: str) -> float:
    from matplotlib.colors import to_rgb

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in to_rgb(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_color_on(fill: Any) -> str:
    """Black or white, whichever contrasts more with `fill` (WCAG's luminance crossover)."""
    return "#1a1a1a" if _relative_luminance(fill) > 0.179 else "white"


def new_figure(style: Style) -> Figure:
    """An empty white figure of the style's size, with its own Agg canvas (never pyplot's)."""
    width_px, height_px = style.pixel_size
    # Agg truncates width * dpi to an int; a hair over the exact size keeps e.g. 5.3 in at 150
    # dpi at 795 px instead of 794.
    size = ((width_px + 1e-3) / style.dpi, (height_px + 1e-3) / style.dpi)
    fig = Figure(figsize=size, dpi=style.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _text_block(fig: Figure, top: float, lines: list[str], size: float, **kwargs: Any) -> float:
    """Draw left-aligned lines whose top is `top` inches below the figure's top; return their height."""
    width, height = fig.get_size_inches()
    fig.text(
        PAD / width,
        1 - top / height,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=size,
        linespacing=LINE,
        **kwargs,
    )
    return len(lines) * line_height(size)


def add_header(fig: Figure, style: Style, title: str, subtitle: str = "") -> float:
    """Draw the left-aligned title and grey subtitle; return the height they take, in inches."""
    sizes = TypeSizes.of(style)
    room = float(fig.get_size_inches()[0]) - 2 * PAD
    top = PAD
    title_lines = wrap(title, sizes.title, room, bold=True)
    top += _text_block(fig, top, title_lines, sizes.title, fontweight="bold", color=INK, gid="title")
    if subtitle:
        top += 0.03
        top += _text_block(
            fig, top, wrap(subtitle, sizes.subtitle, room), sizes.subtitle, color=SOFT_INK, gid="subtitle"
        )
    return top


def add_footer(fig: Figure, style: Style, notes: Sequence[str], budget: float | None = None) -> float:
    """Draw the notes at the bottom left, most important first; return their height, in inches.

    The notes that do not fit in `budget` inches (at most `FOOTER_MAX_FRACTION` of the height)
    are left out; the chart's data keeps everything they would have said.
    """
    sizes = TypeSizes.of(style)
    width, height = (float(v) for v in fig.get_size_inches())
    budget = min(FOOTER_MAX_FRACTION * height, height if budget is None else budget)
    lines: list[str] = []
    for note in (n for n in notes if n):
        wrapped = wrap(note, sizes.note, width - 2 * PAD)
        if (len(lines) + len(wrapped)) * line_height(sizes.note) > budget:
            break
        lines += wrapped
    if not lines:
        return PAD
    fig.text(
        PAD / width,
        PAD / height,
        "\n".join(lines),
        ha="left",
        va="bottom",
        fontsize=sizes.note,
        color=NOTE_INK,
        linespacing=LINE,
        gid="notes",
    )
    return PAD + len(lines) * line_height(sizes.note) + 0.04


@dataclass(frozen=True)
class AxisLabel:
    """An axis title fitted to the length of its axis."""

    text: str
    size: float
    lines: int = 1

    @property
    def depth(self) -> float:
        """Inches it takes across the axis, with its padding."""
        return self.lines * line_height(self.size) + _inches(LABEL_PAD)


def fit_axis_label(text: str, size: float, length: float) -> AxisLabel:
    """The label in its size if it fits along `length` inches, else a little smaller, else on
    two lines: a label longer than its axis runs into the title or the notes."""
    smaller = max(size * 0.85, 6.0)
    for candidate in (size, smaller):
        if text_width(text, candidate) <= length:
            return AxisLabel(text, candidate)
    lines = wrap(text, smaller, length)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return AxisLabel("\n".join(lines), smaller, len(lines))


def x_axis_height(style: Style, label: AxisLabel | None) -> float:
    """Room below the plot for tick labels and the axis label, in inches."""
    sizes = TypeSizes.of(style)
    room = 0.08 + line_height(sizes.tick) + _inches(TICK_PAD + 3)
    return room + (label.depth if label else 0.0)


def y_axis_width(style: Style, tick_texts: Iterable[str], label: AxisLabel | None) -> float:
    """Room beside the plot for the widest tick label and the rotated axis label, in inches."""
    sizes = TypeSizes.of(style)
    widest = max((text_width(t, sizes.tick) for t in tick_texts), default=0.0)
    return widest + _inches(TICK_PAD + 2) + (label.depth if label else 0.0)


@dataclass(frozen=True)
class Frame:
    """A figure with its header and footer drawn, and the inches they took."""

    fig: Figure
    header: float  # inches used at the top
    footer: float  # inches used at the bottom

    @property
    def size(self) -> tuple[float, float]:
        width, height = self.fig.get_size_inches()
        return float(width), float(height)

    @property
    def free_width(self) -> float:
        """Inches across for the plot and its axis decorations."""
        return self.size[0] - 2 * PAD

    @property
    def free_height(self) -> float:
        """Inches between header and footer for the plot and its axis decorations."""
        return self.size[1] - self.header - self.footer


def start_figure(
    style: Style, *, title: str, subtitle: str, notes: Sequence[str], reserve: float = AXES_TOP_ROOM
) -> Frame:
    """A new figure with title, subtitle and notes drawn: the frame every chart sits in.

    `reserve` is the inches the chart needs for its own decorations (axis labels, a legend); the
    notes get what is left once the plot has its minimum height.
    """
    fig = new_figure(style)
    header = add_header(fig, style, title, subtitle)
    height = float(fig.get_size_inches()[1])
    budget = height - header - reserve - MIN_PLOT_FRACTION * height - PAD
    return Frame(fig=fig, header=header, footer=add_footer(fig, style, notes, budget))


def place_axes(frame: Frame, *, left: float, right: float, bottom: float, top: float = AXES_TOP_ROOM) -> Axes:
    """Add the plot's axes inside `frame`, leaving the inches its decorations need.

    `left`, `right` and `bottom` are the room for tick labels and axis labels; `top` is breathing
    room under the subtitle (and for the half of a top tick label that sticks out).
    """
    width, height = frame.size
    x0 = (PAD + left) / width
    x1 = 1 - (PAD + right) / width
    y0 = (frame.footer + bottom) / height
    y1 = 1 - (frame.header + top) / height
    x1 = max(x1, x0 + MIN_AXES_FRACTION)
    y1 = max(y1, y0 + MIN_AXES_FRACTION)
    return frame.fig.add_axes((x0, y0, x1 - x0, y1 - y0))


def style_axes(ax: Axes, style: Style, *, grid: Literal["x", "y"] | None = "y") -> None:
    """The publication look: no box, light grid behind the data, quiet ticks."""
    sizes = TypeSizes.of(style)
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SPINE)
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(labelsize=sizes.tick, colors=SOFT_INK, labelcolor=INK, pad=TICK_PAD)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", length=3, width=0.8)
    ax.set_axisbelow(True)
    if grid:
        ax.grid(axis=grid, color=GRID, linewidth=0.8)
    if grid == "y":
        ax.spines["left"].set_visible(False)
    elif grid == "x":
        ax.spines["bottom"].set_visible(False)


def set_axis_label(ax: Axes, label: AxisLabel, *, axis: str, color: str = INK) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_label_text(label.text, fontsize=label.size, color=color, linespacing=1.1)
    target.labelpad = LABEL_PAD


def count_formatter(language: str) -> FuncFormatter:
    """Tick labels for document counts, grouped the way the reader's language groups digits."""
    return FuncFormatter(lambda value, _pos: format_int(round(value), language))


def year_formatter() -> FuncFormatter:
    """Years are never digit-grouped: 2019, not 2,019."""
    return FuncFormatter(lambda value, _pos: str(round(value)))


def count_axis_top(max_value: float) -> float:
    """Upper limit of a count axis: the largest value plus headroom, at least 1."""
    return max(float(max_value) * 1.08, 1.0)


def count_locator() -> MaxNLocator:
    """At most ~6 round ticks (steps of 1, 2, 5 or 10 times a power of ten): enough to read a
    value, few enough that the grid stays quiet. Fewer tick labels also draw faster."""
    return MaxNLocator(nbins=5, steps=[1, 2, 5, 10], integer=True)


def year_locator() -> MaxNLocator:
    """Years at round steps (1, 2, 5, 10...), never at fractions of a year."""
    return MaxNLocator(nbins=8, steps=[1, 2, 5, 10], integer=True, min_n_ticks=3)


def count_tick_texts(top: float, language: str) -> list[str]:
    """The tick labels a count axis up to `top` will draw, to size the margin before drawing."""
    ticks = count_locator().tick_values(0, top)
    return [format_int(round(t), language) for t in ticks if 0 <= t <= top]


def setup_year_axis(ax: Axes, first: int, last: int, *, pad: float = 0.6) -> None:
    """Integer year ticks at round steps and a little room at both ends."""
    ax.set_xlim(first - pad, last + pad)
    ax.xaxis.set_major_locator(year_locator())
    ax.xaxis.set_major_formatter(year_formatter())


def setup_count_axis(ax: Axes, top: float, language: str) -> None:
    ax.set_ylim(0, top)
    ax.yaxis.set_major_locator(count_locator())
    ax.yaxis.set_major_formatter(count_formatter(language))


def _legend_columns(style: Style, labels: Sequence[str], width: float) -> tuple[int, float]:
    """Columns and height (inches) of a legend: as many columns as fit across `width`.

    Matplotlib fills a legend column by column, so a layout of `c` columns puts entries
    [0, rows), [rows, 2 rows)... in each; its width is the sum of the widest entry per column.
    """
    size = TypeSizes.of(style).tick
    em = _inches(size)
    entries = [text_width(text, size) + (HANDLE_LENGTH + HANDLE_PAD) * em for text in labels]
    columns = 1
    for candidate in range(len(entries), 1, -1):
        rows = math.ceil(len(entries) / candidate)
        widths = [max(entries[i : i + rows]) for i in range(0, len(entries), rows)]
        if sum(widths) + COLUMN_SPACING * em * (len(widths) - 1) <= width:
            columns = candidate
            break
    rows = math.ceil(len(entries) / columns)
    return columns, (rows * LINE + (rows - 1) * LABEL_SPACING) * em


def legend_above(ax: Axes, style: Style, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """A frameless legend between the subtitle and the plot, aligned with the title.

    Above the plot it can never hide data, whatever the shape of the series.
    """
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    width, height = (float(v) for v in fig.get_size_inches())
    columns, _ = _legend_columns(style, labels, width - 2 * PAD)
    fig.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(PAD / width, ax.get_position().y1 + LEGEND_GAP / height),
        bbox_transform=fig.transFigure,
        ncol=columns,
        frameon=False,
        fontsize=TypeSizes.of(style).tick,
        labelcolor=INK,
        borderpad=0,
        borderaxespad=0,
        handlelength=HANDLE_LENGTH,
        handletextpad=HANDLE_PAD,
        columnspacing=COLUMN_SPACING,
        labelspacing=LABEL_SPACING,
    )


def legend(ax: Axes, style: Style, handles: Sequence[Any], labels: Sequence[str], **kwargs: Any) -> None:
    """A frameless legend in the style's type size, placed by the caller."""
    options = {
        "frameon": False,
        "fontsize": TypeSizes.of(style).tick,
        "labelcolor": INK,
        "handlelength": HANDLE_LENGTH,
        "borderaxespad": 0.2,
        **kwargs,
    }
    ax.legend(handles, labels, **options)


@dataclass(frozen=True)
class Cartesian:
    """A chart with a year axis and one or two count axes, ready to draw on."""

    fig: Figure
    ax: Axes
    right: Axes | None  # the second count axis of a dual-axis chart


def cartesian_chart(
    style: Style,
    *,
    title: str,
    subtitle: str,
    notes: Sequence[str],
    x_label: str,
    y_label: str,
    y_top: float,
    right_label: str = "",
    right_top: float | None = None,
    legend_labels: Sequence[str] = (),
) -> Cartesian:
    """Header, footer, room for a legend above the plot, and the count axes with fitted labels."""
    sizes, language = TypeSizes.of(style), style.language
    top = AXES_TOP_ROOM
    if legend_labels:
        top += _legend_columns(style, legend_labels, style.width - 2 * PAD)[1] + LEGEND_GAP
    x_title = fit_axis_label(x_label, sizes.label, style.width - 2 * PAD)
    bottom = x_axis_height(style, x_title)
    frame = start_figure(style, title=title, subtitle=subtitle, notes=notes, reserve=top + bottom)
    length = frame.free_height - top - bottom
    y_title = fit_axis_label(y_label, sizes.label, length)
    left = y_axis_width(style, count_tick_texts(y_top, language), y_title)
    right_title = fit_axis_label(right_label, sizes.label, length) if right_top is not None else None
    right = (
        0.1 if right_top is None else y_axis_width(style, count_tick_texts(right_top, language), right_title)
    )

    ax = place_axes(frame, left=left, right=right, bottom=bottom, top=top)
    style_axes(ax, style, grid="y")
    setup_count_axis(ax, y_top, language)
    set_axis_label(ax, x_title, axis="x")
    set_axis_label(ax, y_title, axis="y")
    twin = None
    if right_top is not None and right_title is not None:
        twin = ax.twinx()
        twin.xaxis.set_visible(False)  # shares the year axis; drawing its ticks twice costs ~10 ms
        style_axes(twin, style, grid=None)
        twin.spines["right"].set_visible(False)
        twin.spines["left"].set_visible(False)
        setup_count_axis(twin, right_top, language)
        set_axis_label(twin, right_title, axis="y")
    return Cartesian(fig=frame.fig, ax=ax, right=twin)


def source_name(source_format: str) -> str:
    """A readable name for the export the data came from ("espacenet_filters" -> "Espacenet")."""
    lowered = source_format.lower()
    for prefix, name in _SOURCE_NAMES:
        if lowered.startswith(prefix):
            return name
    return source_format.replace("_", " ")


def source_note(meta: dict[str, Any], language: str) -> str:
    """The "Source: ..." line, or nothing when the data did not say where it came from."""
    source_format = str(meta.get("source_format") or "")
    return label("note.source", language, source=source_name(source_format)) if source_format else ""


def _metadata(fmt: str, title: str) -> dict[str, Any]:
    # No date in the SVG: the same chart data and style give the same file.
    if fmt == "svg":
        return {"Title": title, "Date": None}
    return {"Title": title}


def _figure_title(fig: Figure) -> str:
    """The chart's title as one line (it may have been wrapped to fit the figure)."""
    for text in fig.texts:
        if text.get_gid() == "title":
            return " ".join(str(text.get_text()).split())
    return ""


def figure_bytes(fig: Figure, style: Style) -> dict[str, bytes]:
    """Save `fig` once per requested format. The title goes into each file's metadata, so an SVG
    names its chart in `<dc:title>` even though its glyphs are drawn as paths."""
    title = _figure_title(fig)
    files: dict[str, bytes] = {}
    for fmt in style.formats:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=style.dpi, facecolor="white", metadata=_metadata(fmt, title))
        files[fmt] = buffer.getvalue()
    return files


def render_chart(analysis: Analysis, chart: ChartData, style: Style) -> dict[str, bytes]:
    """Render `chart` with `analysis`'s renderer into the style's formats: {"png": b"...", ...}."""
    fig = analysis.render(chart, style)
    try:
        return figure_bytes(fig, style)
    finally:
        # Break the figure's reference cycles now instead of waiting for the garbage collector:
        # a worker renders thousands of charts.
        fig.clear()


def warm_up(*, freeze_gc: bool = True) -> None:
    """Pay a fresh worker's one-off costs before its first task instead of during it.

    Loading the font cache, the regular and bold faces (for drawing and for measuring), the PNG
    and SVG backends, and the libraries the forecast (scipy.stats) and treemap (squarify) import
    lazily takes about a second once per process; the charts_cpu worker calls this when its
    process starts. It draws a tiny chart with the same helpers the real ones use.

    With `freeze_gc`, everything alive afterwards (Django, matplotlib, scipy: ~230,000 objects,
    all of them living as long as the process) is moved out of the garbage collector's sight
    with `gc.freeze()`. Otherwise every full collection walks them all, about 140 ms on a 2-core
    machine, and lands on whichever chart happens to allocate at that moment: measured, one
    chart in ~25 went from ~100 ms to ~250 ms. Frozen, a full collection takes ~15 ms.
    """
    from apps.charts.style import Style

    style = Style(width=3, height=2, dpi=72)
    canvas = cartesian_chart(
        style,
        title="Intelli",
        subtitle="0123456789",
        notes=["Intelli"],
        x_label="Intelli",
        y_label="Intelli",
        y_top=10,
        legend_labels=["Intelli"],
    )
    try:
        bars = canvas.ax.bar([2000, 2001], [4, 8])
        setup_year_axis(canvas.ax, 2000, 2001)
        legend_above(canvas.ax, style, [bars], ["Intelli"])
        figure_bytes(canvas.fig, style)
    finally:
        canvas.fig.clear()
    for module in ("scipy.stats", "squarify"):
        importlib.import_module(module)
    if freeze_gc:
        gc.collect()  # what is garbage now must not be frozen with the rest
        gc.freeze()
