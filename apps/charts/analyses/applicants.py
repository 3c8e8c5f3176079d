"""Who is active when: applicant x year heatmap, top applicants over time, technology life cycle
and new entrants per year.

All four count publications dated in a window of years (by publication or priority year, with a
cutoff; see `apps.charts.analyses.years`) and need one row per publication with its applicants, so
they read record-level exports only. A publication naming several applicants counts once for each;
one naming an applicant twice counts once.

- The heatmap and the small multiples rank applicants by their documents in the window (ties by
  name, as the rankings do) and show each one's documents per year, zeros included.
- The life cycle (Ernst's technology life cycle) plots, year by year, the number of distinct
  applicants against the number of documents: growth moves up and right, maturity slows, decline
  turns back towards the origin.
- A new entrant of year Y is an applicant whose first document in the data (the whole export, not
  only the window, up to the cutoff) is dated in Y. In the export's first year every applicant is
  new by definition; the chart says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pydantic

from apps.charts.analyses.base import Analysis, Cell, ChartData, Params
from apps.charts.analyses.common import columns_of, source_notes
from apps.charts.analyses.rankings import Ranking, rank, ranking_notes
from apps.charts.analyses.years import (
    DATE_FIELDS,
    CutoffParams,
    RecordWindow,
    cutoff_fields,
    record_window,
    window_notes,
    year_expr,
)
from apps.charts.labels import format_int, label, year_range
from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure

    from apps.charts.style import Style


class HeatmapParams(CutoffParams):
    top_n: int = pydantic.Field(default=15, ge=2, le=40, description="How many applicants (rows) to show.")


class SmallMultiplesParams(CutoffParams):
    top_n: int = pydantic.Field(default=6, ge=2, le=12, description="How many applicants (panels) to show.")


class LifeCycleParams(CutoffParams):
    """Date basis, window and cutoff: see `apps.charts.analyses.years`."""


class NewEntrantsParams(CutoffParams):
    """Date basis, window and cutoff: see `apps.charts.analyses.years`."""


def applicant_pairs(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per publication and distinct applicant: columns `row`, `year`, `applicant`."""
    import polars as pl

    return (
        frame.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            pl.col("year"),
            pl.col("applicants").alias("applicant"),
        )
        .explode("applicant")
        .filter(pl.col("applicant").is_not_null() & (pl.col("applicant") != ""))
        .unique(["row", "applicant"])
    )


def window_meta(analysis: Analysis, data: CanonicalData, window: RecordWindow) -> dict[str, Any]:
    return {
        "analysis": analysis.key,
        "version": analysis.version,
        **window.meta,
        "source_format": data.source_format,
        "source": f"publications {year_range(window.first, window.last)}",
    }


class _RecordsOverTime(Analysis):
    """Analyses of applicants per year: records, a date and applicants, and the cutoff's needs."""

    version = 1

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, CutoffParams)
        return (Field.RECORDS, DATE_FIELDS[params.date_basis], Field.APPLICANT, *cutoff_fields(params))

    def pairs(self, data: CanonicalData, params: CutoffParams) -> tuple[RecordWindow, pl.DataFrame]:
        data.require(*self.required_fields(params))
        window = record_window(data, params)
        pairs = applicant_pairs(window.frame)
        if not pairs.height:
            raise ValueError(
                f"No publication dated {year_range(window.first, window.last)} names an applicant."
            )
        return window, pairs


@dataclass(frozen=True)
class ApplicantYears:
    ranking: Ranking
    years: list[int]
    rows: list[list[Cell]]  # [applicant, year, count] for each applicant shown and every year


def applicant_years(window: RecordWindow, pairs: pl.DataFrame, top_n: int) -> ApplicantYears:
    """The top `top_n` applicants of the window and their documents in each of its years."""
    import polars as pl

    totals = pairs.group_by("applicant").agg(pl.len().alias("total"))
    ranking = rank(dict(totals.iter_rows()), top_n)
    shown = [name for _, name, _ in ranking.rows]
    counted = (
        pairs.filter(pl.col("applicant").is_in(shown))
        .group_by(["applicant", "year"])
        .agg(pl.len().alias("n"))
    )
    by_key = {(name, int(year)): int(n) for name, year, n in counted.iter_rows()}
    rows: list[list[Cell]] = [
        [name, year, by_key.get((name, year), 0)] for name in shown for year in window.years
    ]
    return ApplicantYears(ranking=ranking, years=window.years, rows=rows)


def ranking_keys(ranking: Ranking, top_n: int) -> dict[str, Any]:
    return {
        "top_n": top_n,
        "shown": len(ranking.rows),
        "entries": ranking.entries,
        "tied_beyond_cutoff": ranking.tied_beyond,
        "cutoff_count": ranking.rows[-1][2] if ranking.rows else None,
        "totals": {name: count for _, name, count in ranking.rows},
        "counts": "documents per applicant and year; a document with several applicants counts for each",
    }


def by_applicant(chart: ChartData) -> tuple[list[str], list[int], list[list[int]]]:
    """Applicants in rank order, the years, and each applicant's counts per year."""
    names, years, counts = columns_of(chart, "applicant", "year", "count")
    order = list(dict.fromkeys(names))
    all_years = sorted(set(years))
    index = {year: i for i, year in enumerate(all_years)}
    grid = [[0] * len(all_years) for _ in order]
    position = {name: i for i, name in enumerate(order)}
    for name, year, count in zip(names, years, counts, strict=True):
        grid[position[name]][index[year]] = int(count)
    return order, all_years, grid


def subtitle_years(meta: dict[str, Any], language: str, key: str, **values: Any) -> str:
    return label(key, language, years=year_range(meta["first_year"], meta["last_year"]), **values)


class _TopApplicantYears(_RecordsOverTime):
    """The top applicants' documents in each year of the window (a heatmap, or small multiples)."""

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, HeatmapParams | SmallMultiplesParams)
        window, pairs = self.pairs(data, params)
        table = applicant_years(window, pairs, params.top_n)
        meta = {**window_meta(self, data, window), **ranking_keys(table.ranking, params.top_n)}
        return ChartData(columns=["applicant", "year", "count"], rows=table.rows, meta=meta)


class ApplicantYearHeatmap(_TopApplicantYears):
    key = "applicant_year_heatmap"
    title = label("analysis.applicant_year_heatmap.title", "en")
    description = label("analysis.applicant_year_heatmap.description", "en")
    params_model = HeatmapParams

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import heatmaps
        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        sizes = r.TypeSizes.of(style)
        names, years, grid = by_applicant(chart)
        totals = [sum(row) for row in grid]
        x_title = r.fit_axis_label(
            label(f"axis.year.{meta['date_basis']}", language), sizes.label, style.width
        )
        bottom = r.x_axis_height(style, x_title)
        frame = r.start_figure(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=subtitle_years(meta, language, "subtitle.heatmap", top_n=meta["shown"]),
            notes=[*window_notes(meta, language), *ranking_notes(meta, language)],
            reserve=bottom + 0.3,
        )
        row_points = (frame.free_height - bottom - 0.3) * r.POINTS_PER_INCH / max(len(names), 1)
        name_size = min(sizes.tick, max(row_points * 0.7, 4.0))
        shown = [r.shorten(name, name_size, 0.32 * frame.free_width) for name in names]
        left = max(r.text_width(name, name_size) for name in shown) + 0.1
        total_texts = [format_int(total, language) for total in totals]
        totals_width = max(r.text_width(text, sizes.value, bold=True) for text in total_texts) + 0.15
        top_count = max(max(row) for row in grid)
        height = frame.free_height - bottom - 0.3
        write = heatmaps.counts_fit(
            style, len(names), len(years), frame.free_width - left - totals_width, height, top_count
        )
        right = totals_width + (0 if write else heatmaps.COLOUR_BAR_ROOM)
        ax = r.place_axes(frame, left=left, right=right, bottom=bottom, top=0.3)
        box = ax.get_position()
        width, height = box.width * frame.size[0], box.height * frame.size[1]
        cmap = heatmaps.sequential_cmap(style)
        heatmaps.draw_grid(ax, style, grid, cmap=cmap, width=width, height=height, write_counts=write)
        ax.set_yticks(range(len(names)), shown, fontsize=name_size, color=r.INK)
        ax.tick_params(axis="y", length=0, pad=r.TICK_PAD)
        ax.tick_params(axis="x", labelsize=sizes.tick, length=0, colors=r.INK)
        # Every year if the labels fit side by side, else every 2nd, 5th... (round steps).
        needed = len(years) * (r.text_width("2020", sizes.tick) + 0.12) / max(width, 0.1)
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if s >= needed)
        ax.set_xticks(range(0, len(years), step), [str(y) for y in years[::step]])
        r.set_axis_label(ax, x_title, axis="x")
        for row, text in enumerate(total_texts):
            ax.annotate(
                text,
                (len(years) - 0.5, row),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=min(sizes.value, name_size),
                fontweight="bold",
                color=r.SOFT_INK,
                annotation_clip=False,
            )
        ax.annotate(
            label("heatmap.total", language),
            (len(years) - 0.5, -0.5),
            xytext=(6, 4),
            textcoords="offset points",
            va="bottom",
            fontsize=sizes.note,
            color=r.SOFT_INK,
            annotation_clip=False,
        )
        if not write:
            heatmaps.colour_bar(
                ax, style, cmap, top_count, label("axis.documents", language), offset=totals_width
            )
        return frame.fig


class TopApplicantsOverTime(_TopApplicantYears):
    key = "top_applicants_over_time"
    title = label("analysis.top_applicants_over_time.title", "en")
    description = label("analysis.top_applicants_over_time.description", "en")
    params_model = SmallMultiplesParams

    def render(self, chart: ChartData, style: Style) -> Figure:
        from matplotlib.ticker import MaxNLocator

        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        sizes = r.TypeSizes.of(style)
        names, years, grid = by_applicant(chart)
        panels = len(names)
        columns = 2 if panels <= 4 else 3 if panels <= 9 else 4
        rows = -(-panels // columns)
        x_title = r.fit_axis_label(
            label(f"axis.year.{meta['date_basis']}", language), sizes.label, style.width
        )
        bottom = r.x_axis_height(style, x_title)
        frame = r.start_figure(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=subtitle_years(meta, language, "subtitle.small_multiples", top_n=meta["shown"]),
            notes=[*window_notes(meta, language), *ranking_notes(meta, language)],
            reserve=bottom + 0.2 * rows,
        )
        top_value = r.count_axis_top(max((max(row) for row in grid), default=1))
        left = r.y_axis_width(style, r.count_tick_texts(top_value, language), None)
        panel_title = r.line_height(sizes.tick) + 0.04
        gap_x, gap_y = 0.25, panel_title + 0.18
        plot_w = frame.free_width - left - 0.05
        plot_h = frame.free_height - bottom - 0.1
        cell_w = (plot_w - gap_x * (columns - 1)) / columns
        cell_h = (plot_h - gap_y * (rows - 1) - panel_title) / rows
        fig_w, fig_h = frame.size
        first, last = years[0], years[-1]
        for index, (name, counts) in enumerate(zip(names, grid, strict=True)):
            row, column = divmod(index, columns)
            x0 = r.PAD + left + column * (cell_w + gap_x)
            y_top = frame.header + 0.1 + panel_title + row * (cell_h + gap_y)
            ax = frame.fig.add_axes(
                (x0 / fig_w, 1 - (y_top + cell_h) / fig_h, cell_w / fig_w, cell_h / fig_h)
            )
            r.style_axes(ax, style, grid="y")
            ax.bar(years, counts, width=0.8, color=style.colors.primary, linewidth=0, zorder=2)
            r.setup_count_axis(ax, top_value, language)
            r.setup_year_axis(ax, first, last, pad=0.6)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10], integer=True))
            total = format_int(sum(counts), language)
            # Measured in regular weight, drawn bold (~10% wider): leave that much room.
            heading = r.shorten(name, sizes.tick, 0.88 * (cell_w - r.text_width(f"   {total}", sizes.tick)))
            # Panel headings as plain texts above the axes: `set_title` would measure every panel's
            # tick labels at each draw to dodge them (a third of this chart's time), for nothing.
            heading_y = 1 + 3 / (cell_h * r.POINTS_PER_INCH)
            for text, x, ha, ink, weight in (
                (heading, 0, "left", r.INK, "bold"),
                (total, 1, "right", r.SOFT_INK, "normal"),
            ):
                ax.text(
                    x,
                    heading_y,
                    text,
                    transform=ax.transAxes,
                    ha=ha,
                    va="bottom",
                    fontsize=sizes.tick,
                    color=ink,
                    fontweight=weight,
                )
            if column:
                ax.tick_params(axis="y", labelleft=False)
            if index + columns < panels:  # a panel below shares this one's years
                ax.tick_params(axis="x", labelbottom=False)
            else:
                ax.set_xlabel("")
        frame.fig.text(
            (r.PAD + left + plot_w / 2) / fig_w,
            (frame.footer + 0.02) / fig_h,
            x_title.text,
            ha="center",
            va="bottom",
            fontsize=x_title.size,
            color=r.INK,
        )
        return frame.fig


class TechnologyLifeCycle(_RecordsOverTime):
    key = "technology_life_cycle"
    title = label("analysis.technology_life_cycle.title", "en")
    description = label("analysis.technology_life_cycle.description", "en")
    params_model = LifeCycleParams

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, LifeCycleParams)
        window, pairs = self.pairs(data, params)
        documents = dict(window.frame.group_by("year").agg(pl.len()).iter_rows())
        applicants = dict(pairs.group_by("year").agg(pl.col("applicant").n_unique()).iter_rows())
        rows: list[list[Cell]] = [
            [year, int(documents.get(year, 0)), int(applicants.get(year, 0))] for year in window.years
        ]
        meta = {
            **window_meta(self, data, window),
            "applicants_total": int(pairs.get_column("applicant").n_unique()),
            "counts": "documents dated in each year, and the distinct applicants named on them",
        }
        return ChartData(columns=["year", "documents", "applicants"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from matplotlib.colors import LinearSegmentedColormap

        from apps.charts import rendering as r

        language, meta, colors = style.language, chart.meta, style.colors
        sizes = r.TypeSizes.of(style)
        years, documents, applicants = columns_of(chart, "year", "documents", "applicants")
        x_top, y_top = r.count_axis_top(max(documents)), r.count_axis_top(max(applicants))
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=subtitle_years(meta, language, "subtitle.life_cycle"),
            notes=[
                label("note.life_cycle", language),
                *window_notes(meta, language),
                *source_notes(meta, language),
            ],
            x_label=label("axis.documents_per_year", language),
            y_label=label("axis.applicants_per_year", language),
            y_top=y_top,
        )
        ax = canvas.ax
        ax.grid(axis="x", color=r.GRID, linewidth=0.8)
        ax.set_xlim(0, x_top)
        ax.xaxis.set_major_locator(r.count_locator())
        ax.xaxis.set_major_formatter(r.count_formatter(language))
        ax.plot(documents, applicants, color=colors.muted, linewidth=1.3, zorder=2)
        # Early years light, recent years dark: the direction of travel without arrows.
        shade = LinearSegmentedColormap.from_list("years", [colors.muted, colors.primary])
        steps = [i / max(len(years) - 1, 1) for i in range(len(years))]
        ax.scatter(documents, applicants, c=[shade(s) for s in steps], s=22, zorder=3, linewidths=0)
        for index in _labelled_points(documents, applicants, x_top, y_top):
            ax.annotate(
                str(years[index]),
                (documents[index], applicants[index]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=sizes.note,
                color=r.INK if index in (0, len(years) - 1) else r.SOFT_INK,
                fontweight="bold" if index in (0, len(years) - 1) else "normal",
            )
        return canvas.fig


def _labelled_points(xs: list[int], ys: list[int], x_top: float, y_top: float) -> list[int]:
    """Which points get their year written: first and last always, then others far enough from
    every labelled one (a crowded corner of the path keeps only a few labels)."""
    chosen = [0, len(xs) - 1] if len(xs) > 1 else [0]
    for index in range(1, len(xs) - 1):
        if all(
            abs(xs[index] - xs[other]) / x_top > 0.06 or abs(ys[index] - ys[other]) / y_top > 0.06
            for other in chosen
        ):
            chosen.append(index)
    return sorted(chosen)


class NewEntrants(_RecordsOverTime):
    key = "new_entrants"
    title = label("analysis.new_entrants.title", "en")
    description = label("analysis.new_entrants.description", "en")
    params_model = NewEntrantsParams

    # How many of each year's new entrants the chart's data names (largest first).
    NAMED_PER_YEAR = 5

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, NewEntrantsParams)
        window, pairs = self.pairs(data, params)
        # First years over every dated publication up to the window's end (and the cutoff): an
        # applicant active before the window is not new in it.
        dated = data.records().with_columns(year_expr(params.date_basis).alias("year"))
        all_pairs = applicant_pairs(dated.filter(pl.col("year") <= window.last))
        first_years = all_pairs.group_by("applicant").agg(pl.col("year").min().alias("first_year"))
        active = pairs.group_by("year").agg(pl.col("applicant").n_unique().alias("active"))
        entrants = (
            pairs.join(first_years, on="applicant")
            .filter(pl.col("year") == pl.col("first_year"))
            .group_by(["year", "applicant"])
            .agg(pl.len().alias("documents"))
        )
        new_by_year = dict(entrants.group_by("year").agg(pl.len()).iter_rows())
        active_by_year = dict(active.iter_rows())
        rows: list[list[Cell]] = []
        for year in window.years:
            new, active_count = int(new_by_year.get(year, 0)), int(active_by_year.get(year, 0))
            rows.append([year, new, active_count - new, active_count])
        named = (
            entrants.sort(["year", "documents", "applicant"], descending=[False, True, False])
            .group_by("year", maintain_order=True)
            .head(self.NAMED_PER_YEAR)
        )
        leaders: dict[str, list[list[Any]]] = {}
        for year, name, count in named.select("year", "applicant", "documents").iter_rows():
            leaders.setdefault(str(year), []).append([name, int(count)])
        data_first = int(first_years.get_column("first_year").min())  # type: ignore[arg-type]
        meta = {
            **window_meta(self, data, window),
            "first_data_year": data_first,
            "new_entrants_total": sum(int(row[1]) for row in rows),  # type: ignore[misc]
            "largest_new_entrants": leaders,
            "counts": "applicants whose first document in the data is dated in the year, and those "
            "active in the year that appeared earlier",
        }
        return ChartData(
            columns=["year", "new_entrants", "returning", "active_applicants"], rows=rows, meta=meta
        )

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import rendering as r

        language, meta, colors = style.language, chart.meta, style.colors
        years, new, returning, active = columns_of(
            chart, "year", "new_entrants", "returning", "active_applicants"
        )
        legend_labels = [label("legend.new_entrants", language), label("legend.returning", language)]
        notes = []
        if meta["first_data_year"] >= meta["first_year"]:
            notes.append(label("note.first_year_all_new", language, year=meta["first_data_year"]))
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=subtitle_years(
                meta,
                language,
                "subtitle.new_entrants",
                total=format_int(meta["new_entrants_total"], language),
            ),
            notes=[*notes, *window_notes(meta, language), *source_notes(meta, language)],
            x_label=label(f"axis.year.{meta['date_basis']}", language),
            y_label=label("axis.applicants", language),
            y_top=r.count_axis_top(max(active, default=0)),
            legend_labels=legend_labels,
        )
        ax = canvas.ax
        bars_new = ax.bar(years, new, width=0.75, color=colors.accent, linewidth=0, zorder=2)
        bars_old = ax.bar(
            years, returning, bottom=new, width=0.75, color=colors.primary, alpha=0.35, linewidth=0, zorder=2
        )
        r.setup_year_axis(ax, years[0], years[-1])
        r.legend_above(ax, style, [bars_new, bars_old], legend_labels)
        return canvas.fig
