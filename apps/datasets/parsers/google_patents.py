"""Google Patents CSV exports, as downloaded and as Excel re-saves them.

As downloaded: line 1 is `search URL:,https://patents.google.com/?q=...`, line 2 the header — id,
title, assignee, inventor/author, priority date, filing/creation date, publication date, grant date,
result link, representative figure link — then one row per publication ("US-11046037-B2"), ISO
dates, and several assignees or inventors joined by ", " in one cell.

Opened and saved again in Excel (which analysts do before uploading), the file loses its URL
line, may use ";" as separator (in locales with a decimal comma), and rewrites dates in the
locale's short form: "29/06/2021" or "6/29/2021". The order is decided per file from the values
(see `records.parse_dates`).

Exports past 1,000 results repeat some ids: each publication is kept once, with a warning saying
how many rows were dropped. Assignees are split on ", " except where the comma belongs to the
name ("Gearbox, Inc.", "Ibiden Co., Ltd."); see `names.split_joined_names`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import polars as pl

from apps.datasets.canonical import CanonicalData
from apps.datasets.names import split_joined_names

from . import records, sources
from .errors import ParseError, describe
from .sources import Source

FORMAT_KEY = "google_patents"
FORMAT_LABEL = "Google Patents export"
EXPECTS = (
    "a Google Patents CSV export — a 'search URL:' line, then the columns 'id', 'title', 'assignee', "
    "'inventor/author', 'priority date', 'filing/creation date', 'publication date' and 'grant date'"
)
LABEL = "a Google Patents export"
URL_MARK = "search url:"

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title",),
    "assignee": ("assignee",),
    "inventor": ("inventor/author", "inventor"),
    "priority_date": ("priority date",),
    "application_date": ("filing/creation date", "filing date"),
    "publication_date": ("publication date",),
    "grant_date": ("grant date",),
}
_SIGNATURE = frozenset({"id", "title", "assignee", "inventor/author"})
_SEPARATORS = (",", ";", "\t")
# Repeated URL-encoding: Google's own links encode the query twice ("CPC%253dA63B59").
MAX_UNQUOTE_ROUNDS = 3


def _lines(head: str) -> list[str]:
    return head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n", 2)


def _is_url_line(line: str) -> bool:
    return line.lstrip('"').casefold().startswith(URL_MARK)


def _separator(header: str) -> str | None:
    for separator in _SEPARATORS:
        cells = records.line_cells(header, separator)
        if {records.header_key(cell) for cell in cells} >= _SIGNATURE:
            return separator
    return None


def sniff(head: str) -> bool:
    lines = _lines(head)
    if _is_url_line(lines[0]):
        return True
    return _separator(lines[0]) is not None


def _query(url: str) -> str | None:
    try:
        values = parse_qs(urlsplit(url).query).get("q")
    except ValueError:
        return None
    if not values:
        return None
    query = values[0]
    for _ in range(MAX_UNQUOTE_ROUNDS):
        if (decoded := unquote(query)) == query:
            break
        query = decoded
    return query


def parse(data: Source, *, filename: str = "") -> tuple[CanonicalData, list[str]]:
    head, _ = records.decode_text(sources.head(data, records.HEAD_BYTES))
    lines = _lines(head)
    search_url, skip = None, 0
    if _is_url_line(lines[0]):
        cells = records.line_cells(lines[0])
        search_url = next((cell.strip() for cell in cells[1:] if cell.strip()), None)
        skip = 1
    separator = _separator(lines[skip]) if len(lines) > skip else None
    if separator is None:
        raise ParseError(
            f"{describe(filename)} looks like a Google Patents export, but its header row is missing or "
            f"unusual. Intelli expected {EXPECTS}.",
            code="no_header",
        )
    frame, encoding = records.read_csv(
        data, separator=separator, skip_lines=skip, filename=filename, what=LABEL, wanted=COLUMNS
    )
    found = records.find_columns(frame.columns, COLUMNS)
    warnings: list[str] = []
    frame = frame.select(pl.col(column).alias(f"in_{role}") for role, column in found.items())

    def column(role: str) -> pl.Expr:
        return pl.col(f"in_{role}") if role in found else pl.lit(None, dtype=pl.String)

    nonempty = pl.element().filter(pl.element().str.len_chars() > 0)
    frame = records.with_applicants(
        frame,
        "in_assignee",
        lambda cell: split_joined_names(cell).list.eval(nonempty).list.unique(maintain_order=True),
    )
    frame = frame.with_columns(
        split_joined_names(column("inventor")).list.eval(nonempty).alias("_inventors_raw")
    )
    frame = records.with_names(frame, "_inventors_raw", names="inventors", countries=None, applicants=False)
    frame = records.with_publication_numbers(frame, column("id"))
    frame = frame.with_columns(
        records.text(column("title")).alias("title"), pl.lit(FORMAT_KEY).alias("source")
    )
    frame = _dates(frame, found, warnings)
    frame = records.finish(frame, label=LABEL, warnings=warnings, filename=filename)
    meta = {
        "records": frame.height,
        "search_url": search_url,
        "query": _query(search_url) if search_url else None,
        "excel_resaved": search_url is None,
        "encoding": encoding,
    }
    return CanonicalData(source_format=FORMAT_KEY, meta=meta, publications=frame), warnings


def _dates(frame: pl.DataFrame, found: dict[str, str], warnings: list[str]) -> pl.DataFrame:
    roles = ("priority_date", "application_date", "publication_date", "grant_date")
    present = {role: f"in_{role}" for role in roles if role in found}
    return records.parse_dates(frame, present, label="Google Patents export", warnings=warnings)
