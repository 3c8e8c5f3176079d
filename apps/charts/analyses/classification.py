"""IPC/CPC co-classification: how often the most frequent codes are given to the same document.

The codes of each publication are cut to the level asked for (subclass "G01N", main group
"G01N33" or subgroup "G01N33/24"); a publication counts once per code even when several of its
subgroups share a main group. The top N codes by documents become the rows and columns of a
symmetric matrix: the diagonal holds the documents carrying each code, every other cell the
documents carrying both. Strong off-diagonal cells are the technology combinations of the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import pydantic

from apps.charts.analyses.base import Analysis, Cell, ChartData, Params
from apps.charts.analyses.common import (
    classification_expr,
    columns_of,
    source_notes,
    values_per_record,
    window_subtitle,
)
from apps.charts.analyses.rankings import rank
from apps.charts.analyses.years import DATE_FIELDS, WindowParams, record_window
from apps.charts.labels import label
from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from apps.charts.style import Style

Scheme = Literal["cpc", "ipc"]
Level = Literal["subclass", "main_group", "subgroup"]

SCHEME_FIELDS: dict[tuple[str, str], Field] = {
    ("cpc", "subclass"): Field.CPC_MAIN_GROUP,
    ("cpc", "main_group"): Field.CPC_MAIN_GROUP,
    ("cpc", "subgroup"): Field.CPC_SUBGROUP,
    ("ipc", "subclass"): Field.IPC_MAIN_GROUP,
    ("ipc", "main_group"): Field.IPC_MAIN_GROUP,
    ("ipc", "subgroup"): Field.IPC_SUBGROUP,
}

# The strongest pairs named in the chart's data (for the description and the reader of the JSON).
STRONGEST_PAIRS = 5


class CoClassificationParams(WindowParams):
    scheme: Scheme = pydantic.Field(default="cpc", description="Classification scheme: CPC or IPC.")
    level: Level = pydantic.Field(
        default="subclass",
        description="Cut codes to their subclass (G01N), main group (G01N33) or subgroup (G01N33/24).",
    )
    top_n: int = pydantic.Field(default=12, ge=3, le=30, description="How many codes (rows and columns).")


class CoClassification(Analysis):
    key = "co_classification"
    version = 1
    title = label("analysis.co_classification.title", "en")
    description = label("analysis.co_classification.description", "en")
    params_model = CoClassificationParams

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, CoClassificationParams)
        field = SCHEME_FIELDS[(params.scheme, params.level)]
        if params.windowed:
            return (Field.RECORDS, DATE_FIELDS[params.date_basis], field)
        return (Field.RECORDS, field)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, CoClassificationParams)
        data.require(*self.required_fields(params))
        window_meta: dict[str, Any] | None = None
        frame = data.records()
        if params.windowed:
            window = record_window(data, params)
            frame = window.frame
            keys = ("date_basis", "first_year", "last_year", "documents_in_window", "documents_without_year")
            window_meta = {key: window.meta[key] for key in keys}
        pairs = values_per_record(frame, classification_expr(params.scheme, params.level))
        if not pairs.height:
            raise ValueError(f"No publication in the data carries {params.scheme.upper()} codes.")
        totals = pairs.group_by("value").agg(pl.len().alias("n"))
        ranking = rank(dict(totals.iter_rows()), params.top_n)
        codes = [code for _, code, _ in ranking.rows]
        shown = pairs.filter(pl.col("value").is_in(codes))
        together = (
            shown.join(shown, on="row", suffix="_b").group_by(["value", "value_b"]).agg(pl.len().alias("n"))
        )
        cells = {(a, b): int(n) for a, b, n in together.iter_rows()}
        rows: list[list[Cell]] = [[a, b, cells.get((a, b), 0)] for a in codes for b in codes]
        strongest = sorted(
            ((a, b, n) for (a, b), n in cells.items() if codes.index(a) < codes.index(b)),
            key=lambda item: (-item[2], codes.index(item[0]), codes.index(item[1])),
        )[:STRONGEST_PAIRS]
        per_document = shown.group_by("row").agg(pl.len().alias("codes"))
        meta = {
            "analysis": self.key,
            "version": self.version,
            "scheme": params.scheme,
            "level": params.level,
            "top_n": params.top_n,
            "shown": len(codes),
            "codes": ranking.entries,
            "totals": {code: count for _, code, count in ranking.rows},
            "documents_with_codes": int(pairs.get_column("row").n_unique()),
            "documents_with_shown_codes": per_document.height,
            "documents_with_two_shown_codes": int((per_document.get_column("codes") >= 2).sum()),
            "strongest_pairs": [[a, b, n] for a, b, n in strongest],
            "window": window_meta,
            "source_format": data.source_format,
            "counts": "documents per pair of codes; the diagonal holds the documents carrying each code",
        }
        return ChartData(columns=["code_a", "code_b", "documents"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import heatmaps
        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        sizes = r.TypeSizes.of(style)
        first, second, counts = columns_of(chart, "code_a", "code_b", "documents")
        codes = list(dict.fromkeys(first))
        position = {code: i for i, code in enumerate(codes)}
        matrix = [[0] * len(codes) for _ in codes]
        for a, b, n in zip(first, second, counts, strict=True):
            matrix[position[a]][position[b]] = int(n)
        scheme = meta["scheme"].upper()
        frame = r.start_figure(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label(
                "subtitle.co_classification",
                language,
                scheme=scheme,
                level=label(f"level.{meta['level']}", language),
                top_n=meta["shown"],
            )
            + window_subtitle(meta, language),
            notes=[label("note.co_classification", language), *source_notes(meta, language)],
            reserve=1.0,
        )
        # A square matrix, as large as the free height allows; code labels shrink to their row.
        rough_side = frame.free_height - 0.8
        name_size = min(sizes.tick, max(rough_side * r.POINTS_PER_INCH / len(codes) * 0.75, 4.0))
        widest = max(r.text_width(code, name_size) for code in codes) + 0.1
        side = max(min(frame.free_height - widest - 0.1, frame.free_width - widest - 0.3), 1.0)
        off_diagonal = [n for i, row in enumerate(matrix) for j, n in enumerate(row) if i != j]
        top_count = max(off_diagonal, default=0)
        write = heatmaps.counts_fit(
            style, len(codes), len(codes), side, side, max(max(row) for row in matrix)
        )
        bar_room = 0.0 if write else heatmaps.COLOUR_BAR_ROOM
        left = widest + max((frame.free_width - widest - side - bar_room) / 2 - widest / 2, 0.0)
        right = frame.free_width - left - side
        bottom = frame.free_height - side - 0.1
        ax = r.place_axes(frame, left=left, right=right, bottom=bottom, top=0.1)
        cmap = heatmaps.sequential_cmap(style)
        heatmaps.draw_grid(
            ax,
            style,
            matrix,
            cmap=cmap,
            width=side,
            height=side,
            write_counts=write,
            special=[(i, i) for i in range(len(codes))],
            special_fill=style.colors.muted,
        )
        ticks = list(range(len(codes)))
        ax.set_yticks(ticks, codes, fontsize=name_size, color=r.INK)
        ax.set_xticks(ticks, codes, fontsize=name_size, color=r.INK, rotation=90)
        ax.tick_params(length=0, pad=r.TICK_PAD)
        if not write:
            heatmaps.colour_bar(ax, style, cmap, top_count, label("legend.both_codes", language), offset=0.12)
        return frame.fig
