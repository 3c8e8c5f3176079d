"""Espacenet's results list, as CSV or as an .xlsx workbook: one row per result (per family).

The CSV starts with a seven-line preamble ("Espacenet", "Patent search", "307 results found for
<query>", "Results 1 to 307 displayed", "Query language: ...", "Sort by: ...", a blank line), then a
`;`-separated table: No, Title, Abstract (only when the user ticked it), Inventors, Applicants,
Publication number, Earliest priority, IPC, CPC, Publication date, Earliest publication, Family
number. What the real export taught us:

- Multi-value cells hold one value per line inside quotes: the publications of the result
  ("EP2031600A1", "EP2031600B1"), its inventors, applicants and codes.
- Names end in "[CC]", the country of the applicant or inventor (not always present).
- CPC codes end in the offices that gave them, "G21C3/332 (EP,KR,US)"; combination sets read
  "C07C29/1518, C07C31/04, INV (EP,US)".
- Dates are "20.05.2011" for a single publication and "2009-03-04" lines when there are several;
  the publication-date cell may list fewer dates than publications (same-day publications).
- Bytes are UTF-8, except some abstracts in Windows-1252 — sometimes both in one line.

A result is one family, and one row of the canonical table: its publication number is the first
one listed (with that publication's date), the others are its family members, the family id is
Espacenet's family number, and the grant date is the date of the first B publication when the
cell pairs numbers and dates one to one. The workbook has the same columns on a sheet "Results"
(the query on a sheet "Query"), cells holding the same line-separated values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import polars as pl

from apps.datasets.canonical import CanonicalData

from . import records, sources
from .errors import ParseError, describe
from .sources import Source
from .workbooks import CalamineWorkbook, read_sheet
from .xlsx_safety import SheetPeek

FORMAT_KEY = "espacenet_results"
FORMAT_LABEL = "Espacenet results list"
WORKBOOK_FORMAT_KEY = "espacenet_results_xlsx"
WORKBOOK_FORMAT_LABEL = "Espacenet results list (Excel)"
EXPECTS = (
    "an Espacenet results list (CSV or Excel) — a table with the columns 'Title', 'Inventors', "
    "'Applicants', 'Publication number', 'Earliest priority', 'IPC', 'CPC', 'Publication date' and "
    "'Family number', under a few lines about the search"
)
LABEL = "the Espacenet results list"

COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("Title",),
    "abstract": ("Abstract",),
    "inventors": ("Inventors",),
    "applicants": ("Applicants",),
    "publication_number": ("Publication number",),
    "priority": ("Earliest priority",),
    "ipc": ("IPC",),
    "cpc": ("CPC",),
    "publication_date": ("Publication date",),
    "earliest_publication": ("Earliest publication",),
    "family": ("Family number",),
}
# A header row is Espacenet's when it names the publication number and at least this many others.
_OTHER_COLUMNS_NEEDED = 3
# The header is at most this far down (the preamble is seven lines).
HEADER_SEARCH_LINES = 30
RESULTS_SHEET = "Results"

_RESULTS_LINE = re.compile(
    r"^\s*(?P<count>\d[\d,.\s']*?)\s+results?\s+found\s+for\s*:?\s*(?P<query>.*?)\s*$", re.I
)
_LABELLED_LINE = re.compile(r"^\s*(?P<label>query language|sort by)\s*:\s*(?P<value>.*?)\s*$", re.I)


def _is_header(cells: Sequence[Any]) -> bool:
    keys = {records.header_key(str(cell)) for cell in cells if cell is not None}
    if "publication number" not in keys:
        return False
    others = {records.header_key(names[0]) for role, names in COLUMNS.items() if role != "publication_number"}
    return len(keys & others) >= _OTHER_COLUMNS_NEEDED


def _split_line(line: str) -> tuple[str, list[str]] | None:
    """The separator and the cells of a header line, when it is Espacenet's header."""
    for separator in (";", ",", "\t"):
        if separator in line:
            cells = records.line_cells(line, separator)
            if _is_header(cells):
                return separator, cells
    return None


def sniff(head: str) -> bool:
    lines = head.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:HEADER_SEARCH_LINES]
    return any(_split_line(line) for line in lines)


def sniff_workbook(sheets: Sequence[SheetPeek]) -> bool:
    return any(_header_row(sheet) is not None for sheet in sheets)


def _header_row(sheet: SheetPeek) -> int | None:
    for index, row in enumerate(sheet.head):
        if _is_header(row):
            return index
    return None


# --- The search, from the preamble ----------------------------------------------------------------


def _search(lines: Sequence[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"results_found": None, "query": None, "query_language": None, "sort_by": None}
    for line in lines:
        if (match := _RESULTS_LINE.match(line)) and meta["results_found"] is None:
            meta["results_found"] = int(re.sub(r"\D", "", match["count"]))
            meta["query"] = match["query"] or None
        elif labelled := _LABELLED_LINE.match(line):
            key = "sort_by" if labelled["label"].casefold() == "sort by" else "query_language"
            meta[key] = labelled["value"] or None
    return meta


def _first_cells(lines: Sequence[str], separator: str) -> list[str]:
    return [next(iter(records.line_cells(line, separator)), "") for line in lines]


# --- Parsing ----------------------------------------------------------------------------------


def _find_header(lines: Sequence[str]) -> tuple[int, str] | None:
    """The index of the header line and its separator."""
    for index, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if found := _split_line(line):
            return index, found[0]
    return None


def parse(data: Source, *, filename: str = "") -> tuple[CanonicalData, list[str]]:
    head, _ = records.decode_text(sources.head(data, records.HEAD_BYTES))
    lines = head.split("\n", HEADER_SEARCH_LINES)
    header = _find_header(lines)
    if header is None:
        raise ParseError(
            f"{describe(filename)} has no header row of an Espacenet results list. "
            f"Intelli expected {EXPECTS}.",
            code="no_header",
        )
    index, separator = header
    frame, encoding = records.read_csv(
        data, separator=separator, skip_lines=index, filename=filename, what=LABEL, wanted=COLUMNS
    )
    meta = {**_search(_first_cells(lines[:index], separator)), "encoding": encoding}
    return _build(frame, meta=meta, filename=filename, source=FORMAT_KEY)


def parse_workbook(workbook: CalamineWorkbook, *, filename: str = "") -> tuple[CanonicalData, list[str]]:
    sheets = workbook.sheets
    chosen = next((sheet for sheet in sheets if _header_row(sheet) is not None), None)
    if chosen is None:  # sniffed, so this does not happen; kept for direct callers
        raise ParseError(f"{describe(filename)} has no Espacenet results sheet.", code="no_header")
    header_row = _header_row(chosen)
    lines = [str(row[0]) for row in chosen.head[:header_row] if row and row[0] is not None]
    for sheet in sheets:
        if sheet is not chosen and records.header_key(sheet.title) == "query":
            lines += [str(row[0]) for row in sheet.head if row and row[0] is not None]
    frame = read_sheet(workbook, chosen.title, header_row=header_row or 0, filename=filename)
    return _build(frame, meta=_search(lines), filename=filename, source=WORKBOOK_FORMAT_KEY)


def _build(
    frame: pl.DataFrame, *, meta: dict[str, Any], filename: str, source: str
) -> tuple[CanonicalData, list[str]]:
    warnings: list[str] = []
    found = records.find_columns(frame.columns, COLUMNS)
    if "publication_number" not in found:
        raise ParseError(
            f"{describe(filename)} has no 'Publication number' column. Intelli expected {EXPECTS}.",
            code="no_header",
        )
    listed = frame.height
    frame = records.take(frame).select(pl.col(column).alias(f"in_{role}") for role, column in found.items())
    frame = _columns(frame, found)
    frame = records.parse_dates(
        frame,
        {
            "publication_date": "_publication_date",
            "priority_date": "_priority",
            "grant_date": "_grant",
            "_earliest": "_earliest",
        },
        label="Espacenet results",
        warnings=warnings,
    )
    frame = frame.with_columns(pl.coalesce("publication_date", "_earliest").alias("publication_date"))
    frame = records.finish(frame, label=LABEL, warnings=warnings, filename=filename)
    found_count = meta.get("results_found")
    if found_count and found_count > listed:
        warnings.append(
            f"Espacenet found {found_count:,} results but the file lists {listed:,}: charts cover only the "
            "exported ones (Espacenet exports a limited number of results at a time; export the rest and "
            "add them to this dataset)."
        )
    meta = {**meta, "records": frame.height}
    return CanonicalData(source_format=source, meta=meta, publications=frame), warnings


def _columns(frame: pl.DataFrame, found: dict[str, str]) -> pl.DataFrame:
    """The canonical columns, in steps that each drop the source columns they consumed (taken from
    the caller's frame, so that nothing else keeps them: see `records.take`)."""
    frame = records.take(frame)

    def column(role: str) -> pl.Expr:
        return pl.col(f"in_{role}") if role in found else pl.lit(None, dtype=pl.String)

    def consumed(*roles: str) -> list[str]:
        return [f"in_{role}" for role in roles if role in found]

    frame = (
        frame.with_row_index("_row")
        .with_columns(
            records.split_values(column("publication_number"), "\n").alias("_numbers"),
            records.split_values(column("publication_date"), "\n").alias("_dates"),
            # Repeated names need not be dropped here: the cleaned ones are kept once each.
            records.split_values(column("inventors"), "\n", unique=False).alias("_inventors_raw"),
        )
        .drop(consumed("publication_number", "publication_date", "inventors"))
    )
    frame = records.with_applicants(
        frame, "in_applicants", lambda cell: records.split_values(cell, "\n"), countries="applicant_countries"
    ).drop(consumed("applicants"))
    frame = records.with_names(
        frame, "_inventors_raw", names="inventors", countries="inventor_countries", applicants=False
    ).drop("_inventors_raw")
    # Every number of the cell normalised (most appear once in an export: no lookup table); the
    # first is the publication's, and all of them, once each, its family members.
    number = pl.col("publication_number")
    frame = records.transform_lists(
        frame,
        "_numbers",
        lambda numbers: records.with_publication_numbers(numbers, pl.col("_numbers")),
        {
            "family_members": records.distinct(number),
            "publication_number": number.first(),
            "jurisdiction": pl.col("jurisdiction").first(),
            "kind": pl.col("kind").first(),
        },
    )
    # The grant: the first B publication, when numbers and dates pair one to one.
    grants = (
        frame.select("_row", "_numbers", "_dates")
        .filter(pl.col("_numbers").list.len() == pl.col("_dates").list.len())
        .explode("_numbers", "_dates")
        .filter(pl.col("_numbers").str.to_uppercase().str.contains(r"\dB\d?$"))
        .group_by("_row")
        .agg(pl.col("_dates").first().alias("_grant"))
    )
    # Joined on the row numbers alone: a join of the wide frame would copy every column.
    grant = (
        frame.select("_row").join(grants, on="_row", how="left", maintain_order="left").get_column("_grant")
    )
    frame = frame.with_columns(grant, pl.col("_dates").list.first().alias("_publication_date"))
    frame = frame.drop("_numbers", "_dates")
    codes = records.classification_codes
    frame = records.with_per_distinct(frame, {"cpc": (column("cpc"), codes), "ipc": (column("ipc"), codes)})
    frame = frame.drop(consumed("cpc", "ipc"))
    frame = frame.with_columns(
        records.text(column("family")).alias("family_id"),
        records.text(column("title")).alias("title"),
        records.text(column("abstract")).alias("abstract"),
        records.first_value(column("priority")).alias("_priority"),
        records.first_value(column("earliest_publication")).alias("_earliest"),
        pl.lit(FORMAT_KEY).alias("source"),
    )
    return frame.drop(name for name in frame.columns if name.startswith("in_"))
