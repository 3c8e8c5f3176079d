"""Helpers every analysis shares: where the numbers came from, and reading a chart table back.

Renderers receive only the `ChartData` (possibly reloaded from the JSON stored with the chart),
so everything a footer says is first written into the chart's meta by `compute`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.charts.analyses.base import ChartData
from apps.charts.analyses.years import DATE_FIELDS, WindowParams, record_window
from apps.charts.labels import format_int, label
from apps.datasets.canonical import CanonicalData, Facet, Field, MissingFieldError

if TYPE_CHECKING:
    import polars as pl


def source_meta(data: CanonicalData, facet: Facet) -> dict[str, Any]:
    """Where the numbers came from, for the chart's footer and for whoever reads the JSON."""
    return {
        "field": facet.field.value,
        "source_format": data.source_format,
        "source": facet.source,
        "truncated": facet.truncated,
        "listed": len(facet.rows),
    }


def source_notes(meta: dict[str, Any], language: str) -> list[str]:
    """The last footer lines of every chart: a warning if the source was a top list, the source."""
    from apps.charts.rendering import source_note  # matplotlib: only when a chart is drawn

    notes = []
    if meta.get("truncated"):
        notes.append(label("note.truncated", language, listed=format_int(meta["listed"], language)))
    notes.append(source_note(meta, language))
    return notes


def columns_of(chart: ChartData, *names: str) -> list[list[Any]]:
    """Columns of the chart table by name, so renderers do not depend on column order."""
    index = [chart.columns.index(name) for name in names]
    return [[row[i] for row in chart.rows] for i in index]


# --- Record-level data --------------------------------------------------------------------------
# The canonical layer counts facets from the publications table; analyses that count within a
# window of years, or across two dimensions, need the same values per publication. These
# expressions mirror `apps.datasets.canonical._DERIVED`, vectorised (no Python call per value).


def _main_group(column: str) -> pl.Expr:
    """CPC/IPC main groups of a list of codes: "G01N33/24" -> "G01N33"."""
    import polars as pl

    return pl.col(column).list.eval(pl.element().str.replace(r"/.*$", ""))


def _subclass(column: str) -> pl.Expr:
    """CPC/IPC subclasses of a list of codes: "G01N33/24" -> "G01N"."""
    import polars as pl

    return pl.col(column).list.eval(pl.element().str.slice(0, 4))


def record_expr(field: Field) -> pl.Expr:
    """The values of `field` on each publication (a list or a single value per row)."""
    import polars as pl

    columns = {
        Field.APPLICANT: "applicants",
        Field.INVENTOR: "inventors",
        Field.COUNTRY: "jurisdiction",
        Field.APPLICANT_COUNTRY: "applicant_countries",
        Field.INVENTOR_COUNTRY: "inventor_countries",
        Field.CPC_SUBGROUP: "cpc",
        Field.IPC_SUBGROUP: "ipc",
        Field.FAMILY: "family_id",
        Field.LEGAL_STATUS: "legal_status",
    }
    if field in columns:
        return pl.col(columns[field])
    if field == Field.CPC_MAIN_GROUP:
        return _main_group("cpc")
    if field == Field.IPC_MAIN_GROUP:
        return _main_group("ipc")
    raise MissingFieldError(field)


def classification_expr(scheme: str, level: str) -> pl.Expr:
    """CPC or IPC codes of each publication at "subclass", "main_group" or "subgroup" level."""
    import polars as pl

    column = scheme  # "cpc" or "ipc"
    if level == "subclass":
        return _subclass(column)
    if level == "main_group":
        return _main_group(column)
    return pl.col(column)


def values_per_record(frame: pl.DataFrame, expr: pl.Expr) -> pl.DataFrame:
    """One row per publication and distinct non-empty value: columns `row` (position) and `value`.

    A publication listing one value twice (or two subgroups of one main group) counts once for it.
    """
    import polars as pl

    pairs = frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"), expr.alias("value"))
    if isinstance(pairs.schema["value"], pl.List):
        pairs = pairs.explode("value")
    return pairs.filter(pl.col("value").is_not_null() & (pl.col("value") != "")).unique(
        ["row", "value"], maintain_order=True
    )


def counted_facet(frame: pl.DataFrame, field: Field, source: str) -> Facet:
    """Publications per value of `field` in `frame`, as a facet (largest first, then by value)."""
    import polars as pl

    counted = (
        values_per_record(frame, record_expr(field))
        .group_by("value")
        .agg(pl.len().alias("count"))
        .sort(["count", "value"], descending=[True, False])
    )
    if not counted.height:
        raise ValueError(f"No publication in the window of years lists {field.label}.")
    rows = tuple((str(value), int(count)) for value, count in counted.iter_rows())
    return Facet(field=field, rows=rows, truncated=False, source=source)


def window_facet(data: CanonicalData, field: Field, params: WindowParams) -> tuple[Facet, dict[str, Any]]:
    """The facet of `field`, counted over the publications in the window of `params` when it has
    one (a ranking over some years needs records), else the export's own facet."""
    if not params.windowed:
        return data.counts(field), {"window": None}
    window = record_window(data, params)
    facet = counted_facet(window.frame, field, source=f"publications {window.first}-{window.last}")
    keys = ("date_basis", "first_year", "last_year", "documents_in_window", "documents_without_year")
    return facet, {"window": {key: window.meta[key] for key in keys}}


def window_fields(params: WindowParams, *fields: Field) -> tuple[Field, ...]:
    """The fields a ranking needs: its own, plus records and a date when a window is asked for."""
    if not params.windowed:
        return fields
    return (Field.RECORDS, DATE_FIELDS[params.date_basis], *fields)


def window_subtitle(meta: dict[str, Any], language: str) -> str:
    """ " · 2015-2020" when the chart counts a window of years, else nothing."""
    from apps.charts.labels import year_range

    window = meta.get("window")
    if not window:
        return ""
    return f" · {year_range(window['first_year'], window['last_year'])}"
