"""What the documents are worth and where they hold: family sizes, legal status, most-cited
patents and jurisdictions of protection by family.

All read record-level exports (Lens.org carries every field used here; Espacenet results carry
families but no legal status or citations) and may be limited to a window of years, as the
rankings are.

- Family size: each family counts once (documents of one family share its id; a document
  without one is a family of its own), with the largest size any of its documents reports.
  Sizes from `max_size` up share one bar.
- Legal status: documents per status of the canonical vocabulary (`LEGAL_STATUSES`); a document
  whose export gives none is "unknown".
- Most cited: documents by forward citations (`cited_by_count`), ties by publication number.
- Jurisdictions: a family counts once in each jurisdiction where any of its members is published:
  the jurisdiction of each document in the export, and the office prefix of each family member it
  lists (members outside the search results count too: that is where protection is sought).
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

import pydantic

from apps.charts.analyses.base import Analysis, Cell, ChartData, Params
from apps.charts.analyses.common import columns_of, source_notes, window_subtitle
from apps.charts.analyses.rankings import REGIONAL_OFFICES, rank, ranking_notes, render_bars
from apps.charts.analyses.years import DATE_FIELDS, WindowParams, record_window
from apps.charts.labels import format_int, format_number, format_percent, label
from apps.datasets.canonical import LEGAL_STATUSES, CanonicalData, Field

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure

    from apps.charts.style import Style

WINDOW_KEYS = ("date_basis", "first_year", "last_year", "documents_in_window", "documents_without_year")


def records_in_window(
    data: CanonicalData, params: WindowParams
) -> tuple[pl.DataFrame, dict[str, Any] | None]:
    """The publications a portfolio chart counts: all of them, or those dated in the window."""
    if not params.windowed:
        return data.records(), None
    window = record_window(data, params)
    return window.frame, {key: window.meta[key] for key in WINDOW_KEYS}


class _Portfolio(Analysis):
    """Record-level analyses of one field, optionally over a window of years."""

    version = 1
    fields: tuple[Field, ...]

    def required_fields(self, params: Params) -> tuple[Field, ...]:
        assert isinstance(params, WindowParams)
        if params.windowed:
            return (Field.RECORDS, DATE_FIELDS[params.date_basis], *self.fields)
        return (Field.RECORDS, *self.fields)

    def frame(self, data: CanonicalData, params: WindowParams) -> tuple[pl.DataFrame, dict[str, Any]]:
        data.require(*self.required_fields(params))
        frame, window = records_in_window(data, params)
        return frame, {
            "analysis": self.key,
            "version": self.version,
            "window": window,
            "source_format": data.source_format,
        }


def family_key() -> pl.Expr:
    """A family's identity: its id, or the document's own number when it has none."""
    import polars as pl

    return pl.coalesce(pl.col("family_id"), "P:" + pl.col("publication_number"))


# --- Family sizes ---------------------------------------------------------------------------------


# Without `max_size`, sizes up to this get a bar each and larger ones share the last bar.
AUTO_MAX_SIZE = 30


class FamilySizeParams(WindowParams):
    max_size: int | None = pydantic.Field(
        default=None,
        ge=2,
        le=100,
        description="Families with this many members or more share one bar (default: one bar per size "
        f"up to {AUTO_MAX_SIZE}).",
    )


class FamilySizeDistribution(_Portfolio):
    key = "family_size_distribution"
    title = label("analysis.family_size_distribution.title", "en")
    description = label("analysis.family_size_distribution.description", "en")
    params_model = FamilySizeParams
    fields = (Field.FAMILY_SIZE,)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, FamilySizeParams)
        frame, meta = self.frame(data, params)
        sized = frame.filter(pl.col("family_size") > 0)
        if not sized.height:
            raise ValueError("No publication in the data reports the size of its family.")
        families = sized.group_by(family_key().alias("family")).agg(pl.col("family_size").max())
        sizes = sorted(int(size) for size in families.get_column("family_size"))
        cap = params.max_size or min(sizes[-1], AUTO_MAX_SIZE)
        counts: dict[int, int] = {}
        for size in sizes:
            counts[min(size, cap)] = counts.get(min(size, cap), 0) + 1
        total = len(sizes)
        rows: list[list[Cell]] = [
            [
                size,
                f"{size}+" if size == cap < sizes[-1] else str(size),
                counts.get(size, 0),
                counts.get(size, 0) / total,
            ]
            for size in range(1, max(counts) + 1)
        ]
        with_ids = int(frame.get_column("family_id").is_not_null().sum())
        meta |= {
            "families": total,
            "median_size": float(statistics.median(sizes)),
            "mean_size": round(sum(sizes) / total, 2),
            "largest_size": sizes[-1],
            "single_member_families": counts.get(1, 0),
            "max_size": cap,
            "families_above_max": sum(1 for size in sizes if size > cap),
            "families_in_last_bar": counts.get(cap, 0) if sizes[-1] > cap else 0,
            "documents_with_family_id": with_ids,
            "unit": "families" if with_ids else "publications",
        }
        return ChartData(columns=["family_size", "label", "families", "share"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        from apps.charts import rendering as r

        language, meta = style.language, chart.meta
        sizes, labels_, families = columns_of(chart, "family_size", "label", "families")
        notes = [
            label(
                "note.family_unit" if meta["unit"] == "families" else "note.family_unit_publications",
                language,
            )
        ]
        if meta["families_in_last_bar"]:
            notes.append(
                label(
                    "note.family_larger",
                    language,
                    size=meta["max_size"],
                    count=format_int(meta["families_in_last_bar"], language),
                    largest=format_int(meta["largest_size"], language),
                )
            )
        canvas = r.cartesian_chart(
            style,
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label(
                "subtitle.family_sizes",
                language,
                families=format_int(meta["families"], language),
                median=format_number(meta["median_size"], language),
            )
            + window_subtitle(meta, language),
            notes=[*notes, *source_notes(meta, language)],
            x_label=label("axis.family_size", language),
            y_label=label("axis.families", language),
            y_top=r.count_axis_top(max(families)),
        )
        ax = canvas.ax
        open_bar = meta["families_in_last_bar"] > 0
        colors = [
            style.colors.accent if open_bar and size == meta["max_size"] else style.colors.primary
            for size in sizes
        ]
        ax.bar(sizes, families, width=0.75, color=colors, linewidth=0, zorder=2)
        ax.set_xlim(0.4, len(sizes) + 0.6)
        step = 1 if len(sizes) <= 20 else 2
        ticks = sizes[::step]
        ticks[-1] = sizes[-1]  # the last bar (perhaps "30+") always named, never crowded by its neighbour
        ax.set_xticks(ticks, [labels_[size - 1] for size in ticks])
        median = meta["median_size"]
        if median < meta["max_size"]:  # a median inside the open bar would point at the wrong size
            ax.axvline(median, color=r.SOFT_INK, linewidth=0.9, linestyle=(0, (3, 2)), zorder=3)
            ax.annotate(
                label("family.median", language, median=format_number(median, language)),
                (median, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(4, -2),
                textcoords="offset points",
                va="top",
                fontsize=r.TypeSizes.of(style).note,
                color=r.SOFT_INK,
            )
        return canvas.fig


# --- Legal status ---------------------------------------------------------------------------------


class LegalStatusParams(WindowParams):
    """An optional window of years: see `apps.charts.analyses.years`."""


class LegalStatusBreakdown(_Portfolio):
    key = "legal_status"
    title = label("analysis.legal_status.title", "en")
    description = label("analysis.legal_status.description", "en")
    params_model = LegalStatusParams
    fields = (Field.LEGAL_STATUS,)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, LegalStatusParams)
        frame, meta = self.frame(data, params)
        if not frame.height:
            raise ValueError("No publication falls in the window of years.")
        status = (
            pl.when(pl.col("legal_status").is_in(LEGAL_STATUSES))
            .then(pl.col("legal_status"))
            .otherwise(pl.lit("unknown"))
        )
        counts = dict(frame.group_by(status.alias("status")).agg(pl.len()).iter_rows())
        total = frame.height
        rows: list[list[Cell]] = [
            [name, int(counts[name]), int(counts[name]) / total]
            for name in LEGAL_STATUSES
            if counts.get(name)
        ]
        meta |= {
            "documents": total,
            "unknown": int(counts.get("unknown", 0)),
            "counts": "documents per status",
        }
        return ChartData(columns=["status", "count", "share"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        language, meta, colors = style.language, chart.meta, style.colors
        statuses, counts, shares = columns_of(chart, "status", "count", "share")
        palette = colors.categorical
        fill = {
            "active": palette[2],
            "pending": colors.primary,
            "discontinued": palette[3],
            "expired": palette[8],
            "inactive": palette[5],
            "unknown": colors.muted,
        }
        shown = ChartData(
            columns=["status", "count"],
            rows=[[label(f"status.{s}", language), c] for s, c in zip(statuses, counts, strict=True)],
            meta=meta,
        )
        notes = []
        if meta.get("unknown"):
            notes.append(label("note.legal_unknown", language, count=format_int(meta["unknown"], language)))
        return render_bars(
            shown,
            style,
            name_column="status",
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label("subtitle.legal_status", language, total=format_int(meta["documents"], language))
            + window_subtitle(meta, language),
            notes=[*notes, *source_notes(meta, language)],
            fills=[fill[s] for s in statuses],
            value_texts=[
                f"{format_int(c, language)} ({format_percent(s, language)})"
                for c, s in zip(counts, shares, strict=True)
            ],
        )


# --- Most cited -----------------------------------------------------------------------------------


class MostCitedParams(WindowParams):
    top_n: int = pydantic.Field(default=10, ge=1, le=50, description="How many documents to show.")


class MostCited(_Portfolio):
    key = "most_cited"
    title = label("analysis.most_cited.title", "en")
    description = label("analysis.most_cited.description", "en")
    params_model = MostCitedParams
    fields = (Field.CITATIONS,)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, MostCitedParams)
        frame, meta = self.frame(data, params)
        counted = frame.filter(pl.col("cited_by_count").is_not_null())
        cited = counted.filter(pl.col("cited_by_count") > 0)
        if not cited.height:
            raise ValueError("No publication in the data has been cited by a later one.")
        top = cited.sort(["cited_by_count", "publication_number"], descending=[True, False]).head(
            params.top_n
        )
        ranks = rank(dict(top.select("publication_number", "cited_by_count").iter_rows()), params.top_n)
        position = {number: place for place, number, _ in ranks.rows}
        rows: list[list[Cell]] = []
        for number, title, applicants, published, count in top.select(
            "publication_number", "title", "applicants", "publication_date", "cited_by_count"
        ).iter_rows():
            rows.append(
                [
                    position[number],
                    number,
                    title or "",
                    applicants[0] if applicants else "",
                    published.year if published else None,
                    int(count),
                ]
            )
        citations = counted.get_column("cited_by_count")
        meta |= {
            "top_n": params.top_n,
            "shown": len(rows),
            "documents_with_counts": counted.height,
            "documents_cited": cited.height,
            "citations_total": int(citations.sum()),
            "tied_beyond_cutoff": int((cited.get_column("cited_by_count") == rows[-1][-1]).sum())
            - sum(1 for row in rows if row[-1] == rows[-1][-1]),
            "cutoff_count": rows[-1][-1],
            "counts": "forward citations per document, as counted by the source",
        }
        return ChartData(
            columns=["rank", "publication_number", "title", "applicant", "year", "cited_by"],
            rows=rows,
            meta=meta,
        )

    def render(self, chart: ChartData, style: Style) -> Figure:
        language, meta = style.language, chart.meta
        numbers, applicants, years, counts = columns_of(
            chart, "publication_number", "applicant", "year", "cited_by"
        )
        names = []
        for number, applicant, year in zip(numbers, applicants, years, strict=True):
            details = " · ".join(part for part in (str(year) if year else "", applicant) if part)
            names.append(f"{number}  {details}" if details else number)
        shown = ChartData(
            columns=["document", "count"],
            rows=[list(pair) for pair in zip(names, counts, strict=True)],
            meta=meta,
        )
        return render_bars(
            shown,
            style,
            name_column="document",
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label("subtitle.most_cited", language, top_n=meta["shown"])
            + window_subtitle(meta, language),
            notes=[label("note.citations", language), *ranking_notes(meta, language)],
        )


# --- Jurisdictions of protection ------------------------------------------------------------------


class JurisdictionParams(WindowParams):
    top_n: int = pydantic.Field(default=15, ge=1, le=50, description="How many jurisdictions to show.")
    include_regional: bool = pydantic.Field(
        default=True, description="Keep regional and international offices (WO, EP, EA, AP, OA, GC)."
    )


class JurisdictionsByFamily(_Portfolio):
    key = "jurisdictions_by_family"
    title = label("analysis.jurisdictions_by_family.title", "en")
    description = label("analysis.jurisdictions_by_family.description", "en")
    params_model = JurisdictionParams
    fields = (Field.FAMILY, Field.COUNTRY)

    def compute(self, data: CanonicalData, params: Params) -> ChartData:
        import polars as pl

        assert isinstance(params, JurisdictionParams)
        frame, meta = self.frame(data, params)
        if not frame.height:
            raise ValueError("No publication falls in the window of years.")
        # Each document's own office and its family members' (the first two letters of their
        # numbers), once per document, then distinct families per office.
        offices = (
            pl.concat_list(pl.col("jurisdiction"), pl.col("family_members").fill_null([]))
            .list.eval(pl.element().str.slice(0, 2).str.to_uppercase())
            .list.unique()
        )
        per_office = (
            frame.select(family_key().alias("family"), offices.alias("office"))
            .explode("office")
            .filter(pl.col("office").str.contains(r"^[A-Z]{2}$"))
            .group_by("office")
            .agg(pl.col("family").n_unique())
        )
        families = int(frame.select(family_key().n_unique()).item())
        counts = {office: int(n) for office, n in per_office.iter_rows()}
        excluded: dict[str, int] = {}
        if not params.include_regional:
            excluded = {code: counts.pop(code) for code in sorted(REGIONAL_OFFICES & counts.keys())}
        if not counts:
            raise ValueError("No publication in the data names the office that published it.")
        ranking = rank(counts, params.top_n)
        rows: list[list[Cell]] = [[place, code, n, n / families] for place, code, n in ranking.rows]
        meta |= {
            "top_n": params.top_n,
            "shown": len(rows),
            "entries": ranking.entries,
            "families": families,
            "documents_without_family_id": int(frame.get_column("family_id").is_null().sum()),
            "include_regional": params.include_regional,
            "excluded_offices": excluded,
            "tied_beyond_cutoff": ranking.tied_beyond,
            "cutoff_count": ranking.rows[-1][2],
            "counts": "families with at least one member published in the jurisdiction",
        }
        return ChartData(columns=["rank", "jurisdiction", "families", "share"], rows=rows, meta=meta)

    def render(self, chart: ChartData, style: Style) -> Figure:
        language, meta = style.language, chart.meta
        families, shares = columns_of(chart, "families", "share")
        notes = [label("note.jurisdictions", language)]
        if meta.get("documents_without_family_id"):
            notes.append(
                label(
                    "note.jurisdictions_no_family",
                    language,
                    count=format_int(meta["documents_without_family_id"], language),
                )
            )
        if meta.get("excluded_offices"):
            notes.append(label("note.regional_excluded", language, codes=", ".join(meta["excluded_offices"])))
        return render_bars(
            chart,
            style,
            name_column="jurisdiction",
            value_column="families",
            title=label(f"analysis.{self.key}.title", language),
            subtitle=label(
                "subtitle.jurisdictions",
                language,
                families=format_int(meta["families"], language),
                top_n=meta["shown"],
            )
            + window_subtitle(meta, language),
            notes=[*notes, *ranking_notes(meta, language)],
            value_texts=[
                f"{format_int(n, language)} ({format_percent(s, language)})"
                for n, s in zip(families, shares, strict=True)
            ],
        )
