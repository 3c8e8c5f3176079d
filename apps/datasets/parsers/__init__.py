"""Turn the bytes of an uploaded export into canonical data: detect the format, then parse.

The format is told from the content, never from the file name: analysts rename files, Excel
re-saves CSVs, and a ".xlsx" may be an old .xls or a password-protected workbook. The name only
makes messages friendlier. Detection goes in two steps:

1. The container, from the first bytes: a zip (an .xlsx, checked for damage and zip bombs before
   anything inflates it), an OLE2 file (an .xls or an encrypted workbook: refused with what to
   do), text (CSV), or anything else (refused).
2. The format within the container: each registered format *sniffs* a cheap preview (the first
   rows of every sheet, or the first lines of the text) and the first that recognises it parses.

Formats are entries of the registries below: Espacenet's results list as an .xlsx sits in
`WORKBOOK_FORMATS` before the Filters parser (it is the more specific shape), and the record-level
CSVs (Lens.org, Google Patents, Espacenet results) in `TEXT_FORMATS`. Exports that look like ours
but are not patent exports (a Lens.org *scholarly* export) are refused by `TEXT_REFUSALS` with
their own message. Workbooks are read by one of two engines: openpyxl for the tiny Filters
workbook, calamine (`fastexcel`) for record-level sheets that may hold 100,000 rows; both only
after `xlsx_safety.check_zip`.

A parser is pure — bytes or an open workbook in, `(CanonicalData, warnings)` out, no database —
and raises `ParseError` with a message for the analyst when the file cannot be used. Anything else
a parser raises is a bug: it is logged with a reference and the analyst gets a ParseError saying
so (code "parser_error"), never a traceback. The summary every dataset shows (records, year range,
facet sizes, field coverage, warnings) is built here, the same for all (`build_summary`).
"""

from __future__ import annotations

import codecs
import logging
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from django.conf import settings

from apps.datasets.canonical import CanonicalData, Field

from . import espacenet_filters, espacenet_results, google_patents, lens, records, sources
from .errors import ParseError, describe
from .sources import Source
from .workbooks import open_calamine
from .xlsx_safety import (
    MIB,
    SHEET_READ_ERRORS,
    SheetPeek,
    check_zip,
    explain_ole2,
    is_ole2,
    is_zip,
    open_workbook,
    peek_workbook,
)

__all__ = [
    "FORMAT_LABELS",
    "MIXED_FORMAT",
    "ParseError",
    "ParseResult",
    "build_summary",
    "detect_format",
    "parse_export",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 50 * MIB
# How much of a file is looked at to tell text from binary and to let text formats sniff.
TEXT_HEAD_BYTES = 64 * 1024
# Latin-1 text has few control characters; binary data has many (random bytes: ~12%).
MAX_CONTROL_CHARACTER_SHARE = 0.01

Parsed = tuple[CanonicalData, list[str]]  # the data, and warnings for the analyst


class WorkbookParser(Protocol):
    def __call__(self, workbook: Any, *, filename: str = "") -> Parsed: ...


class TextParser(Protocol):
    def __call__(self, data: Source, *, filename: str = "") -> Parsed: ...


@dataclass(frozen=True)
class WorkbookFormat:
    """An export that comes as an .xlsx workbook."""

    key: str
    label: str
    expects: str  # completes "Intelli expected ..." in messages
    sniff: Callable[[Sequence[SheetPeek]], bool]  # the first rows of every sheet
    parse: WorkbookParser  # given an openpyxl Workbook, or a CalamineWorkbook
    engine: Literal["openpyxl", "calamine"] = "openpyxl"


@dataclass(frozen=True)
class TextFormat:
    """An export that comes as text (CSV)."""

    key: str
    label: str
    expects: str
    sniff: Callable[[str], bool]  # the first TEXT_HEAD_BYTES, decoded
    parse: TextParser


WORKBOOK_FORMATS: tuple[WorkbookFormat, ...] = (
    WorkbookFormat(
        key=espacenet_results.WORKBOOK_FORMAT_KEY,
        label=espacenet_results.WORKBOOK_FORMAT_LABEL,
        expects=espacenet_results.EXPECTS,
        sniff=espacenet_results.sniff_workbook,
        parse=espacenet_results.parse_workbook,
        engine="calamine",
    ),
    WorkbookFormat(
        key=espacenet_filters.FORMAT_KEY,
        label=espacenet_filters.FORMAT_LABEL,
        expects=espacenet_filters.EXPECTS,
        sniff=espacenet_filters.sniff,
        parse=espacenet_filters.parse,
    ),
)
TEXT_FORMATS: tuple[TextFormat, ...] = (
    TextFormat(
        key=lens.FORMAT_KEY, label=lens.FORMAT_LABEL, expects=lens.EXPECTS, sniff=lens.sniff, parse=lens.parse
    ),
    TextFormat(
        key=google_patents.FORMAT_KEY,
        label=google_patents.FORMAT_LABEL,
        expects=google_patents.EXPECTS,
        sniff=google_patents.sniff,
        parse=google_patents.parse,
    ),
    TextFormat(
        key=espacenet_results.FORMAT_KEY,
        label=espacenet_results.FORMAT_LABEL,
        expects=espacenet_results.EXPECTS,
        sniff=espacenet_results.sniff,
        parse=espacenet_results.parse,
    ),
)
# Text that looks like an export but must be refused with its own message: (head, filename) -> error.
TEXT_REFUSALS: tuple[Callable[[str, str], ParseError | None], ...] = (lens.refuse_scholarly,)

# A dataset made of several exports of different formats.
MIXED_FORMAT = "mixed"
FORMAT_LABELS: dict[str, str] = {
    **{fmt.key: fmt.label for fmt in (*WORKBOOK_FORMATS, *TEXT_FORMATS)},
    MIXED_FORMAT: "Several exports combined",
}

_OTHER_FILE_TYPES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


@dataclass(frozen=True)
class ParseResult:
    canonical: CanonicalData
    summary: dict[str, Any]  # JSON-serialisable; stored on the dataset and shown in the UI
    warnings: tuple[str, ...] = ()


def detect_format(data: Source, *, filename: str = "") -> str:
    """The key of the format `data` is in (see `FORMAT_LABELS`); ParseError when there is none."""
    _check_size(data, filename=filename)
    head = sources.head(data, TEXT_HEAD_BYTES)
    if is_zip(head):
        workbook_format, _ = _workbook(data, filename=filename, parse=False)
        return workbook_format.key
    return _text_format(data, head, filename=filename).key


def parse_export(data: Source, *, filename: str = "") -> ParseResult:
    """Detect the format of `data` (bytes, or the path of a local file) by its content and parse it;
    ParseError says why not. A worker passes the path of the stored upload (see `sources`)."""
    _check_size(data, filename=filename)
    head = sources.head(data, TEXT_HEAD_BYTES)
    if is_zip(head):
        workbook_format, parsed = _workbook(data, filename=filename, parse=True)
        key, label = workbook_format.key, workbook_format.label
    else:
        text_format = _text_format(data, head, filename=filename)
        parsed = _guarded(text_format.parse, data, filename=filename)
        key, label = text_format.key, text_format.label
    assert parsed is not None  # parse=True always parses
    canonical, warnings = parsed
    summary = build_summary(canonical, key, label, warnings)
    return ParseResult(canonical=canonical, summary=summary, warnings=tuple(warnings))


def _guarded(
    parse: Callable[..., Parsed], source: Any, *, filename: str, passthrough: tuple[type[Exception], ...] = ()
) -> Parsed:
    """Run a parser; anything but a ParseError is a bug, logged, and told to the analyst as such.

    `passthrough` errors are not the parser's: the caller turns them into a message (a workbook's
    sheet that turns out damaged while it is read).
    """
    try:
        return parse(source, filename=filename)
    except (ParseError, *passthrough):
        raise
    except Exception as exc:
        reference = uuid.uuid4().hex[:8]
        where = getattr(parse, "__module__", repr(parse))
        logger.exception("Parser %s failed on %r (reference %s)", where, filename, reference)
        raise ParseError(
            f"Intelli recognised {describe(filename)} but could not read it: this is a fault in Intelli, not "
            f"in your file (reference {reference}; it has been logged). Try exporting again, or contact "
            "whoever runs this Intelli.",
            code="parser_error",
        ) from exc


def _workbook(data: Source, *, filename: str, parse: bool) -> tuple[WorkbookFormat, Parsed | None]:
    """Pick the workbook format (in registry order), and parse with its engine when asked."""
    check_zip(data, filename=filename)
    with ExitStack() as stack:
        opened: dict[str, tuple[Any, tuple[SheetPeek, ...]] | None] = {}

        def source(engine: str) -> tuple[Any, tuple[SheetPeek, ...]] | None:
            if engine not in opened:
                if engine == "calamine":
                    calamine = open_calamine(data)  # None: calamine cannot read it; openpyxl will say why
                    opened[engine] = (calamine, calamine.sheets) if calamine is not None else None
                else:
                    workbook = stack.enter_context(open_workbook(data, filename=filename))
                    opened[engine] = (workbook, peek_workbook(workbook))
            return opened[engine]

        for workbook_format in WORKBOOK_FORMATS:
            found = source(workbook_format.engine)
            if found is None or not workbook_format.sniff(found[1]):
                continue
            if not parse:
                return workbook_format, None
            passthrough = SHEET_READ_ERRORS if workbook_format.engine == "openpyxl" else ()
            return workbook_format, _guarded(
                workbook_format.parse, found[0], filename=filename, passthrough=passthrough
            )
        peeks = next((found[1] for found in opened.values() if found is not None), ())
        sheets = ", ".join(f"'{peek.title}'" for peek in peeks)
        raise ParseError(
            f"{describe(filename)} is an Excel workbook, but not an export Intelli recognises (its sheets: "
            f"{sheets}). Intelli expected {_expectations(WORKBOOK_FORMATS)}.",
            code="unrecognised",
        )


# --- Detection --------------------------------------------------------------------------------


def _check_size(data: Source, *, filename: str) -> None:
    subject = describe(filename)
    size = sources.size(data)
    if not size:
        raise ParseError(
            f"{subject} is empty (0 bytes). Export the search again from the patent database and upload "
            "the downloaded file.",
            code="empty",
        )
    limit = int(getattr(settings, "INTELLI_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))
    if size > limit:
        raise ParseError(
            f"{subject} is {size / MIB:,.1f} MB, more than the {limit / MIB:,.0f} MB Intelli accepts. "
            "Narrow the search, or split it (by years, for example) into several exports.",
            code="too_large",
        )


def _text_format(data: Source, start: bytes, *, filename: str) -> TextFormat:
    """The format of anything that is not a zip (`start`: its first TEXT_HEAD_BYTES): refuse OLE2
    and binary files, sniff text."""
    subject = describe(filename)
    if is_ole2(start):
        raise explain_ole2(sources.whole(data), filename=filename)
    head = _decoded_head(start)
    if head is None:
        what = next((name for magic, name in _OTHER_FILE_TYPES.items() if start.startswith(magic)), None)
        prefix = f"{subject} is {what}, not" if what else f"{subject} is not"
        raise ParseError(
            f"{prefix} an Excel workbook (.xlsx) or a CSV export. Intelli reads exports from Espacenet, "
            "Lens.org and Google Patents.",
            code="not_an_export",
        )
    for refuse in TEXT_REFUSALS:
        if (refusal := refuse(head, filename)) is not None:
            raise refusal
    for text_format in TEXT_FORMATS:
        if text_format.sniff(head):
            return text_format
    readable = _expectations((*WORKBOOK_FORMATS, *TEXT_FORMATS))
    raise ParseError(
        f"{subject} is a text (CSV) file, but not an export Intelli recognises. Intelli expected {readable}.",
        code="unrecognised",
    )


def _decoded_head(head: bytes) -> str | None:
    """The start of the file as text, or None when it is binary."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in head:
        return None
    try:
        # Not final: the head may end halfway through a multi-byte character.
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    controls = sum(1 for byte in head if byte < 0x09 or 0x0D < byte < 0x20 or byte == 0x7F)
    if controls > len(head) * MAX_CONTROL_CHARACTER_SHARE:
        return None
    return head.decode("cp1252", errors="replace")


def _expectations(formats: Sequence[WorkbookFormat | TextFormat]) -> str:
    return "; or ".join(dict.fromkeys(fmt.expects for fmt in formats))  # once each, in order


# --- Summary ----------------------------------------------------------------------------------


def build_summary(canonical: CanonicalData, key: str, label: str, warnings: Sequence[str]) -> dict[str, Any]:
    """What a dataset shows about its data: JSON-serialisable, the same shape for every format.

    `records` is the number of documents; `coverage` (record-level data only) the share of them
    carrying each canonical field, so the UI can say "abstracts: 0 %, legal status: 100 %".
    """
    publications = canonical.publications
    has_records = publications is not None and publications.height > 0
    return {
        "format": key,
        "format_label": label,
        "records": canonical.meta.get("records", publications.height if has_records else None),
        "record_level": has_records,
        "query": canonical.meta.get("query"),
        "year_range": _year_range(canonical),
        "facets": {
            facet_field.value: {
                "rows": len(facet.rows),
                "total": facet.total,
                "truncated": facet.truncated,
                "source": facet.source,
            }
            for facet_field, facet in canonical.facets.items()
        },
        "coverage": records.coverage(publications) if has_records else {},
        "warnings": list(warnings),
    }


def _year_range(canonical: CanonicalData) -> list[int] | None:
    for facet_field in (Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR):
        facet = canonical.facets.get(facet_field)
        if facet and facet.rows:
            years = [int(key) for key, _ in facet.rows]
            return [min(years), max(years)]
    frame = canonical.publications
    if frame is not None and frame.height:
        for column in ("publication_date", "priority_date"):
            years = frame.get_column(column).dt.year().drop_nulls()
            if len(years):
                return [int(years.min()), int(years.max())]
    return None
