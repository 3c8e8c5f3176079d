"""Years: which year a document counts in, which years a chart shows, and where counting stops.

Every analysis that has a time axis shares three parameters, with one meaning everywhere:

- `date_basis`: a publication counts in the year of its publication date ("publication") or of its
  earliest priority date ("priority"). Pre-aggregated exports carry one facet per basis; record-level
  exports carry the dates.
- `start_year` / `end_year`: the first and last year shown (default: the first and last year in the
  data). Years without documents inside the window are real zeros and are shown as such.
- `cutoff` (trends, forecast and the record-level analyses over time): the last year *counted*.
  Documents dated after it are left out of the chart, its totals and any fit, because the latest
  years of a patent search are incomplete: a year is not over yet, and an application is published
  about 18 months after its priority date. `cutoff` is a year, `"auto"` or null (count every year):

  `"auto"` is the last complete year seen from a reference date, the latest publication date in the
  data (a record-level export is a snapshot taken shortly after that day):

  * by publication year: the last year that ended before the reference date, i.e. its year - 1;
  * by priority year: the last year whose every priority date is at least 18 months before the
    reference date, i.e. year Y is complete when the reference date is on or after 1 July of Y + 2
    (a reference date in 2024 gives 2022 from July on, 2021 before July).

  A pre-aggregated export (Espacenet "Filters") has no dates, only the latest publication *year* P;
  its reference date is taken as 1 January of P, the earliest it can be, so "auto" gives P - 1 by
  publication year and P - 3 by priority year: it may drop one complete year, never keep an
  incomplete one. By priority year that needs the publication-year facet too (`required_fields`).

  When `end_year` is later than the cutoff, the window ends at the cutoff: those years are not
  zeros, they are unknown.

A window on a ranking (top applicants from 2015 to 2020) needs one row per publication, because a
pre-aggregated export counts each facet over every year at once: such analyses add `Field.RECORDS`
to their required fields only when a window is asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pydantic

from apps.charts.analyses.base import Params
from apps.datasets.canonical import CanonicalData, Facet, Field, MissingFieldError

if TYPE_CHECKING:
    import polars as pl

# Patent documents start in the 1790s; the upper bound only catches typos such as 20230.
MIN_YEAR = 1780
MAX_YEAR = 2200

DateBasis = Literal["publication", "priority"]

DATE_FIELDS: dict[str, Field] = {
    "publication": Field.PUBLICATION_YEAR,
    "priority": Field.PRIORITY_YEAR,
}
DATE_COLUMNS: dict[str, str] = {"publication": "publication_date", "priority": "priority_date"}

# Months from the end of a year until every document dated in it has been published: none for a
# publication year, 18 for a priority year (applications are published 18 months after priority).
PUBLICATION_LAG_MONTHS: dict[str, int] = {"publication": 0, "priority": 18}

Year = Annotated[int, pydantic.Field(ge=MIN_YEAR, le=MAX_YEAR)]

DATE_BASIS_DESCRIPTION = "Count documents by their earliest publication year or their earliest priority year."
CUTOFF_DESCRIPTION = (
    "Last year counted: later documents are left out as incomplete. A year, 'auto' (the last "
    "complete year: the year before the latest publication by publication year; by priority year, "
    "the last year at least 18 months before the latest publication), or null to count every year."
)


def parse_year(key: str) -> int | None:
    """The year a facet key names, or None when it names none ("", "unknown", "n/a").

    Keys are strings such as "2019"; a spreadsheet may have turned one into "2019.0".
    """
    text = str(key).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if len(text) == 4 and text.isdigit():
        return int(text)
    return None


@dataclass(frozen=True)
class YearCounts:
    """A year facet as integers: documents per year (years with documents only)."""

    by_year: dict[int, int]
    without_year: int  # documents whose key was not a year

    @classmethod
    def of(cls, facet: Facet) -> YearCounts:
        by_year: dict[int, int] = {}
        without_year = 0
        for key, count in facet.rows:
            year = parse_year(key)
            if year is None:
                without_year += int(count)
            elif count > 0:
                # The same year may appear twice ("2019" and "2019.0"): one year, one bar.
                by_year[year] = by_year.get(year, 0) + int(count)
        return cls(by_year=by_year, without_year=without_year)

    def require_years(self, field: Field) -> None:
        if not self.by_year:
            raise ValueError(f"The dataset's {field.label} list no documents with a readable year.")

    def filled(self, first: int, last: int) -> list[tuple[int, int]]:
        """(year, documents) for every year from `first` to `last`, zeros where none."""
        return [(year, self.by_year.get(year, 0)) for year in range(first, last + 1)]

    def before(self, year: int) -> int:
        return sum(count for y, count in self.by_year.items() if y < year)

    def after(self, year: int) -> int:
        return sum(count for y, count in self.by_year.items() if y > year)

    def up_to(self, year: int) -> YearCounts:
        """The counts of the years up to `year` (a cutoff): later years left out."""
        kept = {y: count for y, count in self.by_year.items() if y <= year}
        return YearCounts(by_year=kept, without_year=self.without_year)


def year_counts(data: CanonicalData, basis: str) -> tuple[Facet, YearCounts]:
    """The year facet of `basis` and its counts. A facet counted from the publications leaves out
    those without a date; they are added to `without_year`, as a pre-aggregated export's
    "unknown" row would be."""
    facet = data.counts(DATE_FIELDS[basis])
    counts = YearCounts.of(facet)
    if facet.field not in data.facets and data.publications is not None:
        undated = data.publications.get_column(DATE_COLUMNS[basis]).null_count()
        counts = YearCounts(by_year=counts.by_year, without_year=counts.without_year + undated)
    return facet, counts


@dataclass(frozen=True)
class YearWindow:
    """The consecutive years a trend chart shows, with what falls outside them."""

    rows: list[tuple[int, int]]  # (year, documents), gaps filled with 0
    before: int  # documents in years before the window

    @property
    def first(self) -> int:
        return self.rows[0][0]

    @property
    def last(self) -> int:
        return self.rows[-1][0]

    @property
    def cumulative(self) -> list[int]:
        """Running total at each year of the window, counting every year before it."""
        return list(accumulate((count for _, count in self.rows), initial=self.before))[1:]


def year_window(counts: YearCounts, start: int | None, end: int | None) -> YearWindow:
    """The window asked for, defaulting each open end to the data's first or last year."""
    data_first, data_last = min(counts.by_year), max(counts.by_year)
    first = data_first if start is None else start
    last = data_last if end is None else end
    if first > last:
        # Only one end was given (both given in the wrong order is a params error).
        raise ValueError(
            f"No years to show: the window starts in {first}, after the last year in the data ({last})."
            if start is not None
            else f"No years to show: the window ends in {last}, before the first year in the data ({first})."
        )
    return YearWindow(rows=counts.filled(first, last), before=counts.before(first))


class WindowParams(Params):
    """A date basis and an optional window of years."""

    date_basis: DateBasis = pydantic.Field(default="publication", description=DATE_BASIS_DESCRIPTION)
    start_year: Year | None = pydantic.Field(
        default=None, description="First year of the window (default: the first year in the data)."
    )
    end_year: Year | None = pydantic.Field(
        default=None, description="Last year of the window (default: the last year in the data)."
    )

    @pydantic.model_validator(mode="after")
    def _window_in_order(self) -> WindowParams:
        if self.start_year is not None and self.end_year is not None and self.start_year > self.end_year:
            raise ValueError(f"start_year ({self.start_year}) is after end_year ({self.end_year})")
        return self

    @property
    def windowed(self) -> bool:
        return self.start_year is not None or self.end_year is not None


class CutoffParams(WindowParams):
    """A window of years and the last year counted."""

    cutoff: Year | Literal["auto"] | None = pydantic.Field(default=None, description=CUTOFF_DESCRIPTION)

    @pydantic.model_validator(mode="after")
    def _cutoff_after_start(self) -> CutoffParams:
        if isinstance(self.cutoff, int) and self.start_year is not None and self.cutoff < self.start_year:
            raise ValueError(f"cutoff ({self.cutoff}) is before start_year ({self.start_year})")
        return self


def cutoff_fields(params: CutoffParams) -> tuple[Field, ...]:
    """What "auto" needs beyond the date basis's own field: the latest publication year."""
    if params.cutoff == "auto" and params.date_basis != "publication":
        return (Field.PUBLICATION_YEAR,)
    return ()


def last_complete_year(reference: dt.date, basis: str) -> int:
    """The last year all of whose documents are published by `reference` (see the module doc)."""
    lag = PUBLICATION_LAG_MONTHS[basis]
    years, months = divmod(lag, 12)
    candidate = reference.year - 1 - years
    # Year Y is complete on the first day of Y + 1, plus the lag.
    if reference < dt.date(candidate + 1 + years, 1 + months, 1):
        candidate -= 1
    return candidate


@dataclass(frozen=True)
class Cutoff:
    """The cutoff asked for, resolved to a year (or None: count every year)."""

    requested: int | str | None
    year: int | None
    reference: dt.date | None = None  # the date "auto" counted from
    reference_exact: bool = True  # False: 1 January of the latest publication year (no dates known)

    def meta(self) -> dict[str, Any]:
        return {
            "cutoff": self.requested,
            "cutoff_year": self.year,
            "cutoff_reference_date": self.reference.isoformat() if self.reference else None,
            "cutoff_reference": None
            if self.reference is None
            else ("latest_publication_date" if self.reference_exact else "start_of_latest_publication_year"),
        }


def latest_publication(data: CanonicalData) -> tuple[dt.date, bool]:
    """The latest publication date (exact) or, from a year facet, 1 January of the latest year."""
    frame = data.publications
    if frame is not None and "publication_date" in frame.columns:
        latest = frame.get_column("publication_date").max()
        if latest is not None:
            return latest, True  # type: ignore[return-value]
    counts = YearCounts.of(data.counts(Field.PUBLICATION_YEAR))
    if not counts.by_year:
        raise MissingFieldError(Field.PUBLICATION_YEAR)
    return dt.date(max(counts.by_year), 1, 1), False


def resolve_cutoff(data: CanonicalData, basis: str, cutoff: int | str | None) -> Cutoff:
    if cutoff is None:
        return Cutoff(requested=None, year=None)
    if isinstance(cutoff, int):
        return Cutoff(requested=cutoff, year=cutoff)
    reference, exact = latest_publication(data)
    return Cutoff(
        requested=cutoff,
        year=last_complete_year(reference, basis),
        reference=reference,
        reference_exact=exact,
    )


def year_expr(basis: str) -> pl.Expr:
    import polars as pl

    return pl.col(DATE_COLUMNS[basis]).dt.year()


@dataclass(frozen=True)
class RecordWindow:
    """The publications a chart over time counts: those dated inside its window of years."""

    frame: pl.DataFrame  # the publications in the window, with an Int32 "year" column
    first: int
    last: int
    meta: dict[str, Any]

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def record_window(data: CanonicalData, params: WindowParams) -> RecordWindow:
    """Publications in the window of `params` (with its cutoff, if it has one), and the window's meta.

    The window defaults to the data's first year and its last counted year (the cutoff, when the
    data goes beyond it); an explicit `start_year`/`end_year` may reach past the data (zeros).
    """
    import polars as pl

    field = DATE_FIELDS[params.date_basis]
    frame = data.records().with_columns(year_expr(params.date_basis).alias("year"))
    years = frame.get_column("year")
    dated = len(years) - years.null_count()
    if not dated:
        raise MissingFieldError(field)
    data_first, data_last = int(years.min()), int(years.max())  # type: ignore[arg-type]
    cutoff = resolve_cutoff(data, params.date_basis, getattr(params, "cutoff", None))
    counted_last = data_last if cutoff.year is None else min(data_last, cutoff.year)
    first = data_first if params.start_year is None else params.start_year
    last = counted_last if params.end_year is None else params.end_year
    if cutoff.year is not None:
        last = min(last, cutoff.year)
    if first > last:
        if cutoff.year is not None and first > cutoff.year:
            raise ValueError(
                f"No years to show: the window starts in {first}, after the cutoff ({cutoff.year})."
            )
        raise ValueError(
            f"No years to show: the window starts in {first}, after the last year in the data ({last})."
            if params.start_year is not None
            else f"No years to show: the window ends in {last}, before the first year in the data ({first})."
        )
    inside = frame.filter(pl.col("year").is_between(first, last))
    after_cutoff = int((years > cutoff.year).sum()) if cutoff.year is not None else 0
    meta = {
        "date_basis": params.date_basis,
        "first_year": first,
        "last_year": last,
        "data_first_year": data_first,
        "data_last_year": data_last,
        "documents_in_window": inside.height,
        "documents_before_window": int((years < first).sum()),
        "documents_after_window": int((years > last).sum()),
        "documents_without_year": len(years) - dated,
        "documents_after_cutoff": after_cutoff,
        **cutoff.meta(),
    }
    return RecordWindow(frame=inside, first=first, last=last, meta=meta)


def window_notes(meta: dict[str, Any], language: str) -> list[str]:
    """The footer line saying what a cutoff left out, if anything."""
    from apps.charts.labels import format_int, label

    after = int(meta.get("documents_after_cutoff") or 0)
    if meta.get("cutoff_year") is None or not after:
        return []
    key = "note.cutoff_auto" if meta.get("cutoff") == "auto" else "note.cutoff"
    return [label(key, language, year=meta["cutoff_year"], count=format_int(after, language))]
