"""CPC treemap: the largest CPC groups as rectangles sized by documents, coloured by CPC section.

A treemap shows at a glance where a portfolio's technology sits, but its areas invite the reader
to add them up, and per-group counts do not add up to documents: a document classified in three
groups counts in all three. The meta and the chart's note say so. The groups beyond the top N are
left out by default; asked for, they become one clearly labelled "Other (N groups)" rectangle.
Layout is squarify's (Bruls et al.'s squarified treemap), in inches, so rectangles are as square
on the page as the data allows.

With a window of years (record-level exports only) the groups are counted over the publications
dated in it, as the rankings do.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

import pydantic

from apps.charts.analyses.base import Analysis, ChartData, Params
from apps.charts.analyses.common import columns_of, source_meta, window_facet, window_fields, window_subtitle
from apps.charts.analyses.rankings import (
    duplicates_merged,
    merge_counts,
    rank,
    ranking_notes,
    require_entries,
)
from apps.charts.analyses.years import WindowParams
from apps.charts.labels import format_int, label
from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from apps.charts.style import Style

# The CPC's sections, in the order their colours are taken from a palette.
SECTIONS = "ABCDEFGHY"
OTHER = "Other"  # the `code` of the optional remainder row (translated when drawn)

LEVEL_FIELDS: dict[str, Field] = {"main_group": Field.CPC_MAIN_GROUP, "subgroup": Field.CPC_SUBGROUP}

COUNTS_NOTE = (
    "Counts are documents per CPC group: a document classified in several groups counts in each, "
    "so the counts add up to more than the number of documents."
)

_SPACES = re.compile(r"\s+")


class TreemapParams(WindowParams):
    top_n: int = pydantic.Field(default=20, ge=1, le=60, description="How many groups to draw.")
    level: Literal["main_group", "subgroup"] = pydantic.Field(
        default="main_group", description="CPC main groups (e.g. G01N33) or subgroups (e.g. G01N33/24)."
    )
    show_other: bool = pydantic.Field(
        default=False, description="Add one rectangle, labelled 'Other', for the groups beyond the top N."
    )


def normalise_cpc(key: str) -> str:
    """'g01n 33/24 ' and 'G01N33/24' are one group."""
    return _SPACES.sub("", str(key)).upper()


def cpc_section(code: str) -> str | None:
    """The CPC section letter a group belongs to, or None for a code that is not CPC."""
    letter = code[:1]
    return letter if letter and letter in SECTIONS else None


class CpcTreemap(Analysis):
    key = "cpc_treemap"
    # 2: a window of years (record-level exports), and its key in the meta.
    version = 2
    title = label("analysis.cpc_treemap.title", "en")
    description = label("analysis.cpc_treemap.description", "en")
    params_model = TreemapParams

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, TreemapParams)
        return window_fields(params, LEVEL_FIELDS[params.level])

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, TreemapParams)
        facet, window = window_facet(data, LEVEL_FIELDS[params.level], params)
        counts = merge_counts(facet.rows, normalise_cpc)
        require_entries(counts, facet.field)
        ranking = rank(counts, params.top_n)
        rows: list[list[Any]] = [[position, code, cpc_section(code), n] for position, code, n in ranking.rows]
        shown = {code for _, code, _ in ranking.rows}
        rest = [n for code, n in counts.items() if code not in shown]
        if params.show_other and rest:
            rows.append([None, OTHER, None, sum(rest)])
        meta = {
            "analysis": self.key,
            "version": self.version,
            "level": params.level,
            "top_n": params.top_n,
            "shown": len(ranking.rows),
            "groups": ranking.entries,
            "merged_duplicates": duplicates_merged(facet.rows, normalise_cpc, counts),
            "tied_beyond_cutoff": ranking.tied_beyond,
            "cutoff_count": ranking.rows[-1][2],
            "show_other": params.show_other and bool(rest),
            "other_groups": len(rest),
            "other_count": sum(rest),
            "counts": COUNTS_NOTE,
            "section_totals": _section_totals(ranking.rows),
            **window,
            **source_meta(data, facet),
        }
        return ChartData(columns=["rank", "code", "section", "count"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from matplotlib.patches import Patch

        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        sizes = r.TypeSizes.of(style)
        codes, sections, counts = columns_of(chart, "code", "section", "count")
        fills = [self._fill(code, section, style) for code, section in zip(codes, sections, strict=True)]
        frame = r.start_figure(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label(f"subtitle.treemap.{meta['level']}", language, top_n=meta["shown"])
            + window_subtitle(meta, language),
            notes=self._notes(meta, language),
            reserve=0.12,  # no axes: only the gap under the subtitle
        )
        legend_entries = self._legend_entries(codes, sections, style)
        legend_width = min(
            max((r.text_width(text, sizes.tick) for text, _ in legend_entries), default=0.0) + 0.45,
            0.35 * frame.free_width,
        )
        top_pad, bottom_pad = 0.1, 0.02
        ax = r.place_axes(frame, left=0.0, right=legend_width, bottom=bottom_pad, top=top_pad)
        width = frame.free_width - legend_width
        height = frame.free_height - top_pad - bottom_pad
        boxes = _layout(counts, width, height)
        ax.set_axis_off()
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.bar(
            [b[0] for b in boxes],
            [b[3] for b in boxes],
            width=[b[2] for b in boxes],
            bottom=[b[1] for b in boxes],
            align="edge",
            color=fills,
            edgecolor="white",
            linewidth=1.2,
        )
        for box, code, count, fill in zip(boxes, codes, counts, fills, strict=True):
            other = label("cpc.other", language, groups=format_int(meta["other_groups"], language))
            name = other if code == OTHER else code
            _label_box(ax, box, name, format_int(count, language), fill, sizes.value)
        handles = [Patch(color=color, linewidth=0) for _, color in legend_entries]
        texts = [r.shorten(text, sizes.tick, legend_width - 0.45) for text, _ in legend_entries]
        r.legend(
            ax,
            style,
            handles,
            texts,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            title=label("legend.cpc_section", language),
            title_fontsize=sizes.tick,
            alignment="left",
            handlelength=1.0,
        )
        return frame.fig

    @staticmethod
    def _fill(code: str, section: str | None, style: Style) -> str:
        colors = style.colors
        if code == OTHER or section is None:
            return colors.muted
        return colors.categorical[SECTIONS.index(section)]

    @staticmethod
    def _legend_entries(codes: list[str], sections: list[str | None], style: Style) -> list[tuple[str, str]]:
        """One entry per section drawn, in CPC order; unrecognised codes get their own entry."""
        language = style.language
        present = set(sections)
        entries = [
            (f"{letter} · {label(f'cpc.section.{letter}', language)}", style.colors.categorical[i])
            for i, letter in enumerate(SECTIONS)
            if letter in present
        ]
        if any(s is None and c != OTHER for c, s in zip(codes, sections, strict=True)):
            entries.append((label("cpc.section.unknown", language), style.colors.muted))
        return entries

    @staticmethod
    def _notes(meta: dict[str, Any], language: str) -> list[str]:
        notes = [label("note.cpc_counting", language)]
        if meta.get("show_other"):
            notes.append(label("note.cpc_other", language, groups=format_int(meta["other_groups"], language)))
        return [*notes, *ranking_notes(meta, language)]


def _section_totals(rows: list[tuple[int, str, int]]) -> dict[str, int]:
    """Per-group counts of the groups shown, added up per section (same double counting caveat)."""
    totals: dict[str, int] = {}
    for _, code, count in rows:
        section = cpc_section(code) or "?"
        totals[section] = totals.get(section, 0) + count
    return dict(sorted(totals.items()))


def _layout(counts: list[int], width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Squarified rectangles (x, y, w, h) in inches, in the order of `counts`, first at top left."""
    import squarify

    positive = [max(float(c), 1e-9) for c in counts]  # squarify cannot place an empty box
    rects = squarify.squarify(squarify.normalize_sizes(positive, width, height), 0, 0, width, height)
    # squarify fills from the bottom left; flip so the largest group reads first, at the top left.
    return [(r["x"], height - r["y"] - r["dy"], r["dx"], r["dy"]) for r in rects]


def _label_box(
    ax: Axes, box: tuple[float, float, float, float], name: str, count: str, fill: str, size: float
) -> None:
    """Write the name and count in a rectangle's top left corner, whatever of it fits.

    A name with spaces ("Other (89 groups)") may take two lines; a CPC code never breaks.
    """
    from apps.charts import rendering as r

    x, y, w, h = box
    pad = 0.05
    room_w, room_h = w - 2 * pad, h - 2 * pad
    for font in (size, max(size * 0.8, 5.0)):
        lines = r.wrap(name, font, room_w)
        line = r.line_height(font)
        if len(lines) > 2 or any(r.text_width(t, font) > room_w for t in lines) or len(lines) * line > room_h:
            continue
        if (len(lines) + 1) * line <= room_h and r.text_width(count, font) <= room_w:
            lines.append(count)
        ax.text(
            x + pad,
            y + h - pad,
            "\n".join(lines),
            ha="left",
            va="top",
            fontsize=font,
            color=r.text_color_on(fill),
            linespacing=1.15,
        )
        return
