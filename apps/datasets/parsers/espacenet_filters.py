"""Espacenet's "Filters" export: per-facet document counts, one sheet per facet.

Espacenet's filter panel exports an .xlsx with a ``Query`` sheet ("241 results found for <query>",
"Query language: ...", "Filters: ...") and one two-column sheet per facet: A1 names the facet
("Applicants", "Earliest publication date (family)"), B1 reads "Number of documents", and each row
below is a value and its count. It is pre-aggregated, so it feeds one-dimensional analyses only.

What the real export taught us, and why the code is shaped this way:

- Sheet names are cut short (Excel allows 31 characters; Espacenet cuts at 30: "Earliest
  publication date (fam"), so a sheet is recognised by its A1 header; the sheet name is only a
  fallback for a sheet that is entirely empty.
- Lists are cut: Espacenet exports at most 1,000 inventors or applicants, ~150 subgroups and
  ~100 main groups (the real file stops at 1,000, 151 and 101 rows). Such facets are marked
  `truncated`, and a warning says rankings beyond the cut are incomplete.
- Values are trusted only after checks: counts must be whole, non-negative numbers and year keys
  plausible years (Excel round trips turn 2019 into 2019.0 or "2019"). A bad cell fails the whole
  file with its sheet and row, since a chart built on it would silently lie. Blank keys, repeated
  keys and unknown sheets are survivable and become warnings.
- A facet comes from its own sheet or not at all: an empty "Applicants" sheet leaves applicants
  absent rather than guessed from, say, "Applicants - country".

Sheets are read in streaming mode, one row at a time, and only their first two columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.workbook.workbook import Workbook

from apps.datasets.canonical import CanonicalData, Facet, Field

from .errors import ParseError, describe
from .xlsx_safety import SheetPeek, sheet_rows

FORMAT_KEY = "espacenet_filters"
FORMAT_LABEL = "Espacenet Filters (statistics) export"

# A1 headers as Espacenet writes them, and the field each sheet feeds.
FACET_HEADERS: dict[str, Field] = {
    "Countries (family)": Field.COUNTRY,
    "Languages (family)": Field.LANGUAGE,
    "Earliest publication date (family)": Field.PUBLICATION_YEAR,
    "Earliest priority date": Field.PRIORITY_YEAR,
    "IPC main groups": Field.IPC_MAIN_GROUP,
    "IPC subgroups": Field.IPC_SUBGROUP,
    "CPC main groups": Field.CPC_MAIN_GROUP,
    "CPC subgroups": Field.CPC_SUBGROUP,
    "CPC assigning offices": Field.CPC_OFFICE,
    "Applicants": Field.APPLICANT,
    "Inventors": Field.INVENTOR,
    "Applicants - country": Field.APPLICANT_COUNTRY,
    "Inventors - country": Field.INVENTOR_COUNTRY,
}
COUNT_HEADER = "Number of documents"
QUERY_SHEET_TITLE = "Query"
QUERY_SHEET_MARK = "Espacenet"  # A1 of the Query sheet

EXPECTS = (
    f"an {FORMAT_LABEL} — a '{QUERY_SHEET_TITLE}' sheet and one sheet per facet headed "
    + ", ".join(f"'{header}'" for header in FACET_HEADERS)
    + f", each with a '{COUNT_HEADER}' column"
)

YEAR_FIELDS = frozenset({Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR})
# Espacenet's earliest documents are 17th-century British patents; a year past next year is a typo.
MIN_YEAR = 1600

# The longest list Espacenet exports per facet: a sheet that reaches it has been cut.
LIST_CAPS: dict[Field, int] = {
    Field.APPLICANT: 1_000,
    Field.INVENTOR: 1_000,
    Field.CPC_SUBGROUP: 150,
    Field.IPC_SUBGROUP: 150,
    Field.CPC_MAIN_GROUP: 100,
    Field.IPC_MAIN_GROUP: 100,
}
# No facet sheet Espacenet writes comes near this; past it the file is not what it claims to be,
# and reading on would only spend the ingestion task's time limit.
MAX_ROWS_PER_SHEET = 50_000
# The Query sheet holds a handful of lines.
MAX_QUERY_ROWS = 100
# Warnings name a few offending values, not hundreds.
EXAMPLES_IN_WARNINGS = 3

_RESULTS_LINE = re.compile(
    r"^\s*(?P<count>\d[\d,.\s']*?)\s+results?\s+found\s+for\s*:?\s*(?P<query>.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_LABELLED_LINE = re.compile(r"^\s*(?P<label>query language|filters)\s*:\s*(?P<value>.*?)\s*$", re.I | re.S)
# Counts typed as text: "12", "1,234", "1 234", or "12.0" as a float prints. "1.234" is refused, not
# guessed: it is 1234 in Germany and 1.234 in England.
_WHOLE_NUMBER = re.compile(r"^\d+(?:\.0)?$|^\d{1,3}(?:[,\s']\d{3})+$")
_YEAR_TEXT = re.compile(r"^(?P<year>\d{4})(?:\.0)?$")
_DASHES = re.compile(r"\s*[-\u2010-\u2015]\s*")


def normalise_label(value: Any) -> str:
    """Headers compare case-, whitespace- and dash-blind (an en dash in 'Applicants - country' matches)."""
    if value is None:
        return ""
    text = _DASHES.sub(" - ", str(value))
    return " ".join(text.split()).casefold()


_FIELDS_BY_HEADER = {normalise_label(header): facet_field for header, facet_field in FACET_HEADERS.items()}
# A sheet name this long may be a header cut short; shorter ones must match a header exactly.
_CUT_TITLE_MIN_LENGTH = 25


def field_for_header(value: Any) -> Field | None:
    return _FIELDS_BY_HEADER.get(normalise_label(value))


def field_for_sheet_title(title: str) -> Field | None:
    """A sheet name matched to its header, also when it is the header cut short."""
    wanted = normalise_label(title)
    if wanted in _FIELDS_BY_HEADER:
        return _FIELDS_BY_HEADER[wanted]
    if len(wanted) < _CUT_TITLE_MIN_LENGTH:
        return None
    matches = [facet_field for header, facet_field in _FIELDS_BY_HEADER.items() if header.startswith(wanted)]
    return matches[0] if len(matches) == 1 else None


def _is_query_title(title: str) -> bool:
    return normalise_label(title) == normalise_label(QUERY_SHEET_TITLE)


def is_count_header(value: Any) -> bool:
    return normalise_label(value) == normalise_label(COUNT_HEADER)


def sniff(sheets: Sequence[SheetPeek]) -> bool:
    """Ours if some sheet is shaped like a facet sheet: [facet, 'Number of documents'].

    A known A1 header alone is enough when B1 is blank; a known A1 above another column header is
    not (a record-level workbook may well have an 'Applicants' column).
    """
    for sheet in sheets:
        first, second = sheet.cell(1, 1), sheet.cell(1, 2)
        if is_count_header(second) or (field_for_header(first) is not None and second is None):
            return True
    return False


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class _Query:
    records: int | None = None
    query: str | None = None
    query_language: str | None = None
    filters: str | None = None
    found: bool = False  # the workbook has a Query sheet


@dataclass
class _Reading:
    """What the sheets gave so far, in workbook order."""

    facets: dict[Field, Facet] = field(default_factory=dict)
    sheet_of: dict[Field, str] = field(default_factory=dict)  # including facets whose sheet is empty
    unknown: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    query: _Query = field(default_factory=_Query)


def parse(workbook: Workbook, *, filename: str = "") -> tuple[CanonicalData, list[str]]:
    """Read every sheet of an Espacenet Filters workbook; return the canonical data and warnings.

    `workbook` is opened read-only (`xlsx_safety.open_workbook`): sheets stream from the zip.
    """
    reading = _Reading()
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()  # read to the last row present, whatever the <dimension> tag claims
        rows = sheet_rows(sheet.iter_rows(min_row=1, max_col=2, values_only=True), filename=filename)
        _read_sheet(sheet.title, rows, reading)
    _check_found_data(reading, filename=filename)
    if reading.unknown:
        names = ", ".join(f"'{title}'" for title in reading.unknown)
        reading.warnings.append(f"Ignored sheets that are not Espacenet facets: {names}.")
    records = _records(reading)
    meta = {
        "records": records,
        "query": reading.query.query,
        "query_language": reading.query.query_language,
        "filters": reading.query.filters,
    }
    canonical = CanonicalData(source_format=FORMAT_KEY, facets=reading.facets, meta=meta)
    return canonical, reading.warnings


def _read_sheet(title: str, rows: Iterator[tuple[Any, ...]], reading: _Reading) -> None:
    header = next(rows, ())
    first = header[0] if header else None
    facet_field = field_for_header(first) if not _blank(first) else field_for_sheet_title(title)
    if facet_field is None:
        if normalise_label(first) == normalise_label(QUERY_SHEET_MARK) or _is_query_title(title):
            reading.query = _read_query(first, rows)
        else:
            reading.unknown.append(title)
        return
    source = f"sheet '{title}'"
    if facet_field in reading.sheet_of:
        reading.warnings.append(
            f"Sheet '{title}' repeats the {facet_field.label} of sheet '{reading.sheet_of[facet_field]}' "
            "and was ignored."
        )
        return
    reading.sheet_of[facet_field] = title
    facet = _read_facet(rows, facet_field=facet_field, sheet=title, source=source, warnings=reading.warnings)
    if facet is None:
        reading.warnings.append(
            f"Sheet '{title}' has no data, so {facet_field.label} are not available for this dataset."
        )
    else:
        reading.facets[facet_field] = facet


def _read_query(first: Any, rows: Iterable[tuple[Any, ...]]) -> _Query:
    query = _Query(found=True)
    lines = [first, *(row[0] if row else None for _, row in zip(range(MAX_QUERY_ROWS), rows, strict=False))]
    for line in lines:
        if not isinstance(line, str):
            continue
        if (match := _RESULTS_LINE.match(line)) and query.records is None:
            query.records = int(re.sub(r"\D", "", match["count"]))
            query.query = match["query"] or None
        elif labelled := _LABELLED_LINE.match(line):
            value = labelled["value"] or None
            if labelled["label"].casefold() == "filters":
                query.filters = value
            else:
                query.query_language = value
    return query


@dataclass
class _FacetCounts:
    counts: dict[str, int] = field(default_factory=dict)
    listed: int = 0  # rows with a value, before repeated values are merged
    blank_keys: int = 0
    repeated: list[str] = field(default_factory=list)


def _read_facet(
    rows: Iterator[tuple[Any, ...]], *, facet_field: Field, sheet: str, source: str, warnings: list[str]
) -> Facet | None:
    tally = _FacetCounts()
    for row_number, row in enumerate(rows, start=2):
        key_cell, count_cell = (*row, None, None)[:2]
        if _blank(key_cell) and _blank(count_cell):
            continue  # padding rows left by Excel formatting
        if row_number > MAX_ROWS_PER_SHEET:
            raise ParseError(
                f"Sheet '{sheet}' has more than {MAX_ROWS_PER_SHEET:,} rows; an Espacenet Filters export "
                "lists at most a few thousand values per facet. Is this the export as Espacenet wrote it?",
                code="too_many_rows",
            )
        if _blank(key_cell):
            tally.blank_keys += 1
            continue
        key = _year_key(key_cell, sheet, row_number) if facet_field in YEAR_FIELDS else _text_key(key_cell)
        count = _count(count_cell, sheet, row_number)
        tally.listed += 1
        if key in tally.counts:
            tally.repeated.append(key)
        tally.counts[key] = tally.counts.get(key, 0) + count
    if not tally.counts:
        return None
    cap = LIST_CAPS.get(facet_field)
    truncated = cap is not None and tally.listed >= cap
    warnings.extend(_facet_warnings(tally, facet_field=facet_field, sheet=sheet, truncated=truncated))
    rows_sorted = tuple(sorted(tally.counts.items(), key=lambda item: (-item[1], item[0])))
    return Facet(field=facet_field, rows=rows_sorted, truncated=truncated, source=source)


def _facet_warnings(tally: _FacetCounts, *, facet_field: Field, sheet: str, truncated: bool) -> list[str]:
    warnings = []
    if tally.blank_keys:
        rows = "row" if tally.blank_keys == 1 else "rows"
        warnings.append(f"Sheet '{sheet}': skipped {tally.blank_keys} {rows} with a count but no value.")
    if tally.repeated:
        distinct = list(dict.fromkeys(tally.repeated))
        examples = ", ".join(f"'{key}'" for key in distinct[:EXAMPLES_IN_WARNINGS])
        hidden = len(distinct) - EXAMPLES_IN_WARNINGS
        more = f" and {hidden} more" if hidden > 0 else ""
        warnings.append(
            f"Sheet '{sheet}' lists {examples}{more} more than once (spellings that differ only in spacing "
            "count as one); their counts were added together."
        )
    if truncated:
        warnings.append(
            f"Sheet '{sheet}' stops at {tally.listed:,} rows, the most Espacenet exports for "
            f"{facet_field.label}: the list is cut, so rankings and totals of {facet_field.label} beyond "
            "these are incomplete."
        )
    return warnings


def _check_found_data(reading: _Reading, *, filename: str) -> None:
    subject = describe(filename)
    if not reading.sheet_of:
        found = ", ".join(f"'{title}'" for title in reading.unknown) or "none"
        expected = ", ".join(f"'{header}'" for header in FACET_HEADERS)
        raise ParseError(
            f"{subject} has none of the facet sheets of an Espacenet Filters export (sheets found: {found}). "
            f"Expected sheets headed {expected} in cell A1, with '{COUNT_HEADER}' in B1. Export the "
            "filter statistics from Espacenet again and upload that file.",
            code="no_facets",
        )
    if not reading.facets:
        sheets = ", ".join(f"'{title}'" for title in reading.sheet_of.values())
        raise ParseError(
            f"{subject} has the sheets of an Espacenet Filters export ({sheets}) but none of them holds any "
            "counts. Export the filter statistics from Espacenet again and upload that file.",
            code="no_data",
        )


def _records(reading: _Reading) -> int | None:
    """Documents covered: Espacenet's own count, else the year counts (one earliest date each)."""
    if reading.query.records is not None:
        return reading.query.records
    where = "has no Query sheet" if not reading.query.found else "does not say how many results were found"
    for facet_field in (Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR):
        if facet := reading.facets.get(facet_field):
            reading.warnings.append(
                f"The workbook {where}; the number of documents ({facet.total:,}) was taken from the "
                f"{facet_field.label}."
            )
            return facet.total
    reading.warnings.append(f"The workbook {where}, so the number of documents is unknown.")
    return None


# --- Cells ------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _year_key(value: Any, sheet: str, row: int) -> str:
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str) and (match := _YEAR_TEXT.match(value.strip())):
        year = int(match["year"])
    elif isinstance(value, dt.date):  # a year cell Excel turned into a date
        year = value.year
    if year is None or not MIN_YEAR <= year <= dt.date.today().year + 1:
        raise ParseError(
            f"Sheet '{sheet}', row {row}: '{value}' is not a year. This sheet lists years such as 2019 in "
            "column A; fix the cell or export the file from Espacenet again.",
            code="bad_year",
        )
    return f"{year:04d}"


def _count(value: Any, sheet: str, row: int) -> int:
    count: int | None = None
    if isinstance(value, bool):
        count = None
    elif isinstance(value, int):
        count = value
    elif isinstance(value, float) and value.is_integer():
        count = int(value)
    elif isinstance(value, str):
        count = _whole_number(value)
    where = f"Sheet '{sheet}', row {row}"
    if value is None:
        raise ParseError(
            f"{where}: the number of documents is missing. Column B must hold a whole number on every row.",
            code="bad_count",
        )
    if count is None:
        raise ParseError(
            f"{where}: '{value}' is not a number of documents. Column B must hold whole numbers, as "
            "Espacenet exports them; fix the cell or export the file again.",
            code="bad_count",
        )
    if count < 0:
        raise ParseError(
            f"{where}: {count} is negative, and a number of documents cannot be. Fix the cell or export the "
            "file from Espacenet again.",
            code="bad_count",
        )
    return count


def _whole_number(text: str) -> int | None:
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.removeprefix("-").strip()
    if not _WHOLE_NUMBER.match(digits):
        return None
    return sign * int(re.sub(r"\D", "", digits.removesuffix(".0")))
