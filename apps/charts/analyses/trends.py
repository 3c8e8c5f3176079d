"""Documents over time: the yearly trend, the cumulative trend, and both on one chart.

All three read one year facet (publication or priority year, chosen by `date_basis`) and show a
window of consecutive years. Years without documents inside the window are real zeros, not
missing data, so they are filled in: a bar chart that skips 1974-1988 would hide a gap the analyst
needs to see. The cumulative value counts every document since the first year in the data, also
those before the window, because "how many documents exist by 2015" does not depend on where
the chart starts.

A `cutoff` (see `apps.charts.analyses.years`) stops the count at the last complete year: later
documents are left out of the bars and the running total, and the footer says how many. On a
record-level export the year facets are counted from the publications' dates, so the same code
serves both kinds of export.

Renderers import matplotlib lazily (inside `render`) so the web process, which only lists and
validates analyses, never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.charts.analyses.base import Analysis, Cell, ChartData, Params
from apps.charts.analyses.common import columns_of, source_meta, source_notes
from apps.charts.analyses.years import (
    DATE_FIELDS,
    CutoffParams,
    YearWindow,
    cutoff_fields,
    resolve_cutoff,
    window_notes,
    year_counts,
    year_window,
)
from apps.charts.labels import format_int, label, year_range
from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from apps.charts.style import Style


class TrendParams(CutoffParams):
    """Date basis, window and cutoff: see `apps.charts.analyses.years`."""


class YearTrendAnalysis(Analysis):
    """What the three trend analyses share: the parameters, the field and the year window."""

    # 2: the `cutoff` parameter, and its keys in the meta.
    version = 2
    params_model = TrendParams

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, TrendParams)
        return (DATE_FIELDS[params.date_basis], *cutoff_fields(params))

    def window(self, data: CanonicalData, params: TrendParams) -> tuple[YearWindow, dict[str, Any]]:
        """The year window and the meta every trend chart carries."""
        facet, counts = year_counts(data, params.date_basis)
        counts.require_years(facet.field)
        counted, cutoff, end = counts, resolve_cutoff(data, params.date_basis, params.cutoff), params.end_year
        if cutoff.year is not None:
            if params.start_year is not None and params.start_year > cutoff.year:
                raise ValueError(
                    f"No years to show: the window starts in {params.start_year}, "
                    f"after the cutoff ({cutoff.year})."
                )
            counted = counts.up_to(cutoff.year)
            if not counted.by_year:
                raise ValueError(
                    f"No years to show: every document is dated after the cutoff ({cutoff.year})."
                )
            end = None if end is None else min(end, cutoff.year)
        window = year_window(counted, params.start_year, end)
        in_window = sum(count for _, count in window.rows)
        meta = {
            "analysis": self.key,
            "version": self.version,
            "date_basis": params.date_basis,
            "first_year": window.first,
            "last_year": window.last,
            "data_first_year": min(counts.by_year),
            "data_last_year": max(counts.by_year),
            "documents_in_window": in_window,
            "documents_before_window": window.before,
            "documents_total": sum(counts.by_year.values()),
            "documents_without_year": counts.without_year,
            "years_without_documents": [year for year, count in window.rows if count == 0],
            **cutoff.meta(),
            "documents_after_cutoff": 0 if cutoff.year is None else counts.after(cutoff.year),
            **source_meta(data, facet),
        }
        return window, meta


def year_axis_label(meta: dict[str, Any], language: str) -> str:
    return label(f"axis.year.{meta['date_basis']}", language)


def documents_subtitle(meta: dict[str, Any], language: str) -> str:
    return label(
        "subtitle.documents_years",
        language,
        total=format_int(meta["documents_in_window"], language),
        years=year_range(meta["first_year"], meta["last_year"]),
    )


def cumulative_subtitle(meta: dict[str, Any], language: str) -> str:
    """Say where the running total starts when that is before the chart does."""
    if not meta["documents_before_window"]:
        return documents_subtitle(meta, language)
    return label(
        "subtitle.cumulative",
        language,
        origin=meta["data_first_year"],
        years=year_range(meta["first_year"], meta["last_year"]),
    )


def cumulative_note(meta: dict[str, Any], language: str) -> list[str]:
    before = int(meta["documents_before_window"])
    if not before:
        return []
    return [
        label(
            "note.cumulative_before",
            language,
            count=format_int(before, language),
            start=meta["first_year"],
        )
    ]


def _draw_bars(ax: Axes, years: list[int], counts: list[int], color: str) -> Any:
    return ax.bar(years, counts, width=0.75, color=color, linewidth=0, zorder=2)


def _draw_cumulative(ax: Axes, years: list[int], cumulative: list[int], color: str, *, fill: bool) -> Any:
    # Markers help read single years while there are few; beyond ~40 they turn into a smear.
    marker = "o" if len(years) <= 40 else None
    (line,) = ax.plot(years, cumulative, color=color, linewidth=2.0, marker=marker, markersize=3.5, zorder=3)
    if fill:
        ax.fill_between(years, cumulative, color=color, alpha=0.12, linewidth=0, zorder=1)
    return line


class PublicationTrend(YearTrendAnalysis):
    key = "publication_trend"
    title = label("analysis.publication_trend.title", "en")
    description = label("analysis.publication_trend.description", "en")

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, TrendParams)
        window, meta = self.window(data, params)
        rows: list[list[Cell]] = [[y, c] for y, c in window.rows]
        return ChartData(columns=["year", "count"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        years, counts = columns_of(chart, "year", "count")
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=documents_subtitle(meta, language),
            notes=[*window_notes(meta, language), *source_notes(meta, language)],
            x_label=year_axis_label(meta, language),
            y_label=label("axis.documents", language),
            y_top=r.count_axis_top(max(counts, default=0)),
        )
        _draw_bars(canvas.ax, years, counts, style.colors.primary)
        r.setup_year_axis(canvas.ax, years[0], years[-1])
        return canvas.fig


class CumulativeTrend(YearTrendAnalysis):
    key = "cumulative_trend"
    title = label("analysis.cumulative_trend.title", "en")
    description = label("analysis.cumulative_trend.description", "en")

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, TrendParams)
        window, meta = self.window(data, params)
        rows: list[list[Cell]] = [
            [y, c, total] for (y, c), total in zip(window.rows, window.cumulative, strict=True)
        ]
        return ChartData(columns=["year", "count", "cumulative"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        years, cumulative = columns_of(chart, "year", "cumulative")
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=cumulative_subtitle(meta, language),
            notes=[
                *cumulative_note(meta, language),
                *window_notes(meta, language),
                *source_notes(meta, language),
            ],
            x_label=year_axis_label(meta, language),
            y_label=label("axis.cumulative", language),
            y_top=r.count_axis_top(max(cumulative, default=0)),
        )
        _draw_cumulative(canvas.ax, years, cumulative, style.colors.primary, fill=True)
        r.setup_year_axis(canvas.ax, years[0], years[-1], pad=0.4)
        return canvas.fig


class TrendCumulative(CumulativeTrend):
    """The same data as the cumulative trend, drawn as yearly bars with the running total on a second axis."""

    key = "trend_cumulative"
    title = label("analysis.trend_cumulative.title", "en")
    description = label("analysis.trend_cumulative.description", "en")

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import rendering as r

        language, meta, colors = style.language, chart.meta, style.colors
        years, counts, cumulative = columns_of(chart, "year", "count", "cumulative")
        legend_labels = [label("legend.per_year", language), label("legend.cumulative", language)]
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=documents_subtitle(meta, language),
            notes=[
                *cumulative_note(meta, language),
                *window_notes(meta, language),
                *source_notes(meta, language),
            ],
            x_label=year_axis_label(meta, language),
            y_label=label("axis.documents_per_year", language),
            y_top=r.count_axis_top(max(counts, default=0)),
            right_label=label("axis.cumulative", language),
            right_top=r.count_axis_top(max(cumulative, default=0)),
            legend_labels=legend_labels,
        )
        assert canvas.right is not None
        bars = _draw_bars(canvas.ax, years, counts, colors.primary)
        line = _draw_cumulative(canvas.right, years, cumulative, colors.accent, fill=False)
        r.setup_year_axis(canvas.ax, years[0], years[-1])
        # Each axis title takes its series' colour: which axis belongs to which mark is the one
        # thing a dual-axis chart must not leave to guesswork.
        canvas.ax.yaxis.label.set_color(colors.primary)
        canvas.right.yaxis.label.set_color(colors.accent)
        r.legend_above(canvas.ax, style, [bars, line], legend_labels)
        return canvas.fig
