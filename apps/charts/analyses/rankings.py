"""Top-N rankings: applicants, inventors and countries, as horizontal bars, largest on top.

Rankings must be reproducible: the same data gives the same order, so ties are broken by name.
Keys that differ only in spacing (or, for country codes, in case) are one entity and are merged
by adding their counts before ranking, so no bar is ever drawn twice. When the source listed only
its top entries (Espacenet stops at 1,000 inventors), the chart says so.

Without a window a ranking reads the export's facet (any export). With `start_year` and/or
`end_year` it counts the publications dated in that window (by `date_basis`), which needs a
record-level export: `required_fields` then adds `Field.RECORDS` and the date field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pydantic

from apps.charts.analyses.base import Analysis, ChartData, Params
from apps.charts.analyses.common import (
    columns_of,
    source_meta,
    source_notes,
    window_facet,
    window_fields,
    window_subtitle,
)
from apps.charts.analyses.years import WindowParams
from apps.charts.labels import format_int, label
from apps.datasets.canonical import CanonicalData, Field

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from apps.charts.style import Style

# Offices that publish for several countries: a landscape by country may leave them out.
REGIONAL_OFFICES = frozenset({"WO", "EP", "EA", "AP", "OA", "GC"})

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_SPACES = re.compile(r"\s+")

HighlightStatus = Literal["shown", "outside_top_n", "absent", "excluded"]


class TopParams(WindowParams):
    top_n: int = pydantic.Field(default=10, ge=1, le=50, description="How many to show.")


class CountryParams(TopParams):
    highlight: str | None = pydantic.Field(
        default=None, description="Two-letter code drawn in the accent colour, e.g. 'ES'."
    )
    include_regional: bool = pydantic.Field(
        default=True, description="Keep regional and international offices (WO, EP, EA, AP, OA, GC)."
    )

    @pydantic.field_validator("highlight", mode="before")
    @classmethod
    def _two_letter_code(cls, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("highlight must be a two-letter code such as 'ES'")
        code = value.strip().upper()
        if not code:
            return None
        if not _COUNTRY_CODE.fullmatch(code):
            raise ValueError(f"highlight must be a two-letter code such as 'ES', not {value!r}")
        return code


def normalise_name(key: str) -> str:
    """Applicant and inventor names: one space between words, none around them."""
    return _SPACES.sub(" ", str(key)).strip()


def normalise_code(key: str) -> str:
    """Country codes: no spaces, upper case (' cn' and 'CN' are one country)."""
    return _SPACES.sub("", str(key)).upper()


def merge_counts(rows: Iterable[tuple[str, int]], normalise: Callable[[str], str]) -> dict[str, int]:
    """Add up the counts of keys that normalise to the same name (the name shown); drop empty keys
    and empty counts, which no chart can draw."""
    merged: dict[str, int] = {}
    for key, count in rows:
        name = normalise(key)
        if name and count > 0:
            merged[name] = merged.get(name, 0) + int(count)
    return merged


@dataclass(frozen=True)
class Ranking:
    rows: list[tuple[int, str, int]]  # (rank, name, count), largest first
    entries: int  # distinct names ranked
    tied_beyond: int  # names not shown with the same count as the last one shown


def rank(counts: dict[str, int], top_n: int) -> Ranking:
    """The top `top_n` by count, ties broken alphabetically; equal counts share a rank (1, 2, 2, 4)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    shown = ordered[:top_n]
    rows: list[tuple[int, str, int]] = []
    for position, (name, count) in enumerate(shown):
        tied_above = position > 0 and count == rows[-1][2]
        rows.append((rows[-1][0] if tied_above else position + 1, name, count))
    last = shown[-1][1] if shown else None
    tied_beyond = sum(1 for _, count in ordered[top_n:] if count == last)
    return Ranking(rows=rows, entries=len(ordered), tied_beyond=tied_beyond)


def duplicates_merged(
    rows: Iterable[tuple[str, int]], normalise: Callable[[str], str], merged: dict[str, int]
) -> int:
    """How many source rows were folded into another: worth saying when a source repeats itself."""
    return sum(1 for key, count in rows if normalise(key) and count > 0) - len(merged)


def ranking_meta(analysis: Analysis, ranking: Ranking, top_n: int, merged_duplicates: int) -> dict[str, Any]:
    return {
        "analysis": analysis.key,
        "version": analysis.version,
        "top_n": top_n,
        "shown": len(ranking.rows),
        "entries": ranking.entries,
        "merged_duplicates": merged_duplicates,
        "tied_beyond_cutoff": ranking.tied_beyond,
        "cutoff_count": ranking.rows[-1][2] if ranking.rows else None,
        "counts": "documents per entry; a document with several entries counts for each of them",
    }


def require_entries(counts: dict[str, int], field: Field) -> None:
    if not counts:
        raise ValueError(f"The dataset lists no {field.label}.")


def ranking_notes(meta: dict[str, Any], language: str) -> list[str]:
    """Footer lines shared by every ranking: ties at the cut-off, then the source's."""
    notes = []
    if meta.get("tied_beyond_cutoff"):
        notes.append(
            label(
                "note.ties",
                language,
                count=format_int(meta["tied_beyond_cutoff"], language),
                value=format_int(meta["cutoff_count"], language),
            )
        )
    return [*notes, *source_notes(meta, language)]


def render_bars(
    chart: ChartData,
    style: Style,
    *,
    name_column: str,
    title: str,
    subtitle: str,
    notes: list[str],
    highlight: str | None = None,
    fills: list[str] | None = None,
    value_texts: list[str] | None = None,
    value_column: str = "count",
) -> Figure:
    """Horizontal bars, first row on top, each labelled with its value (so no x axis is needed).

    `fills` colours each bar (default: the primary colour, the highlighted name in the accent);
    `value_texts` replaces the numbers written beside the bars (e.g. "12 (34%)").
    """
    from apps.charts import rendering as r

    sizes = r.TypeSizes.of(style)
    colors = style.colors
    names, counts = columns_of(chart, name_column, value_column)
    texts = value_texts or [format_int(c, style.language) for c in counts]
    top_pad, bottom_pad = 0.12, 0.1
    frame = r.start_figure(style, title=title, subtitle=subtitle, notes=notes, reserve=top_pad + bottom_pad)
    # Rows share the plot's height; with many rows the names shrink to their row, never overlap.
    row_points = (frame.free_height - top_pad - bottom_pad) * r.POINTS_PER_INCH / max(len(names), 1)
    name_size = min(sizes.tick, max(row_points * 0.72, 4.0))
    shown = [r.shorten(str(name), name_size, 0.4 * frame.free_width) for name in names]
    left = max((r.text_width(name, name_size, bold=True) for name in shown), default=0.0) + 0.08
    widest_value = max((r.text_width(text, sizes.value) for text in texts), default=0.0)
    ax = r.place_axes(frame, left=left, right=0.05, bottom=bottom_pad, top=top_pad)
    r.style_axes(ax, style, grid=None)

    positions = list(range(len(names)))
    bar_colors = fills or [colors.accent if name == highlight else colors.primary for name in names]
    ax.barh(positions, counts, height=0.7, color=bar_colors, linewidth=0)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first row on top
    ax.set_yticks(positions, shown, fontsize=name_size)
    plot_width = frame.free_width - left - 0.05
    headroom = (widest_value + 0.1) / max(plot_width, 0.5)
    ax.set_xlim(0, max(max(counts, default=1), 1) / max(1 - headroom, 0.5))
    for y, count, text in zip(positions, counts, texts, strict=True):
        ax.annotate(
            text,
            (count, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=min(sizes.value, name_size),
            color=r.SOFT_INK,
        )
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    for tick_label, name in zip(ax.get_yticklabels(), names, strict=True):
        if name == highlight:  # bold as well as coloured: survives grayscale printing
            tick_label.set_fontweight("bold")
    return frame.fig


class _TopNames(Analysis):
    """Top applicants or inventors: a ranking of names from one facet."""

    # 2: a window of years (record-level exports), and its key in the meta.
    version = 2
    params_model = TopParams
    field: Field
    name_column: str

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, TopParams)
        return window_fields(params, self.field)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, TopParams)
        facet, window = window_facet(data, self.field, params)
        counts = merge_counts(facet.rows, normalise_name)
        require_entries(counts, self.field)
        ranking = rank(counts, params.top_n)
        merged = duplicates_merged(facet.rows, normalise_name, counts)
        meta = {**ranking_meta(self, ranking, params.top_n, merged), **window, **source_meta(data, facet)}
        return ChartData(
            columns=["rank", self.name_column, "count"],
            rows=[[position, name, count] for position, name, count in ranking.rows],
            meta=meta,
        )

    def render(self, chart: ChartData, style: Style) -> Figure:
        language = style.language
        return render_bars(
            chart,
            style,
            name_column=self.name_column,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label(f"subtitle.top.{self.name_column}", language, top_n=chart.meta["shown"])
            + window_subtitle(chart.meta, language),
            notes=ranking_notes(chart.meta, language),
        )


class TopApplicants(_TopNames):
    key = "top_applicants"
    title = label("analysis.top_applicants.title", "en")
    description = label("analysis.top_applicants.description", "en")
    field = Field.APPLICANT
    name_column = "applicant"


class TopInventors(_TopNames):
    key = "top_inventors"
    title = label("analysis.top_inventors.title", "en")
    description = label("analysis.top_inventors.description", "en")
    field = Field.INVENTOR
    name_column = "inventor"


def highlight_status(
    code: str | None, ranking: Ranking, counts: dict[str, int], excluded: dict[str, int]
) -> HighlightStatus | None:
    """Whether the highlighted code is drawn and, if not, why not."""
    if code is None:
        return None
    if any(name == code for _, name, _ in ranking.rows):
        return "shown"
    if code in excluded:
        return "excluded"
    return "outside_top_n" if code in counts else "absent"


class TopCountries(Analysis):
    key = "top_countries"
    # 2: a window of years (record-level exports), and its key in the meta.
    version = 2
    title = label("analysis.top_countries.title", "en")
    description = label("analysis.top_countries.description", "en")
    params_model = CountryParams

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, CountryParams)
        return window_fields(params, Field.COUNTRY)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        assert isinstance(params, CountryParams)
        facet, window = window_facet(data, Field.COUNTRY, params)
        counts = merge_counts(facet.rows, normalise_code)
        merged = duplicates_merged(facet.rows, normalise_code, counts)
        excluded: dict[str, int] = {}
        if not params.include_regional:
            excluded = {code: counts.pop(code) for code in sorted(REGIONAL_OFFICES & counts.keys())}
        require_entries(counts, Field.COUNTRY)
        ranking = rank(counts, params.top_n)
        meta = {
            **ranking_meta(self, ranking, params.top_n, merged),
            "highlight": params.highlight,
            "highlight_status": highlight_status(params.highlight, ranking, counts, excluded),
            "include_regional": params.include_regional,
            "excluded_offices": excluded,
            **window,
            **source_meta(data, facet),
        }
        return ChartData(
            columns=["rank", "country", "count"],
            rows=[[position, code, count] for position, code, count in ranking.rows],
            meta=meta,
        )

    def render(self, chart: ChartData, style: Style) -> Figure:
        language, meta = style.language, chart.meta
        notes = []
        status, code = meta.get("highlight_status"), meta.get("highlight")
        if status == "outside_top_n":
            notes.append(label("note.highlight_outside", language, code=code, top_n=meta["shown"]))
        elif status == "absent":
            notes.append(label("note.highlight_absent", language, code=code))
        elif status == "excluded":
            notes.append(label("note.highlight_excluded", language, code=code))
        if meta.get("excluded_offices"):
            notes.append(label("note.regional_excluded", language, codes=", ".join(meta["excluded_offices"])))
        return render_bars(
            chart,
            style,
            name_column="country",
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label("subtitle.top.country", language, top_n=meta["shown"])
            + window_subtitle(meta, language),
            notes=[*notes, *ranking_notes(meta, language)],
            highlight=code if status == "shown" else None,
        )
