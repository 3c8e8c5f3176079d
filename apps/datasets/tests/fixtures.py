"""Generated test inputs: Espacenet Filters workbooks with known counts, and hostile files.

The real exports in ../shared/data are not part of the project, so the suite builds its own. The
default `build_filters_xlsx()` is a small but complete Espacenet Filters export, shaped like the
real one (a Query sheet, the 13 facet sheets in Espacenet's order, the publication-date sheet's
name cut at 30 characters, years in ascending order, other lists largest first) with the counts
below, so tests assert against these constants rather than against numbers copied by hand. It
feeds every one-dimensional analysis: the publication years span 13 years with gaps (2010, 2012,
2016), and applicants and CPC subgroups have ties, to exercise ordering.

Knobs build the broken variants (dropped, empty or renamed sheets, bad cells, duplicates, extra
sheets). The other builders craft files that must be refused: OLE2 compound files (an .xls, a
password-protected workbook), plain zips and a zip bomb.
"""

from __future__ import annotations

import io
import math
import struct
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from apps.datasets.canonical import Field

MIB = 1024 * 1024

# --- The default export's facts -----------------------------------------------------------------

RECORDS = 57
QUERY = 'ctxt all "graphene" AND (cpc any "H01M" OR cpc any "C01B32")'
QUERY_LANGUAGE = "en / de / fr"
QUERY_LINES: tuple[str | None, ...] = (
    "Espacenet",
    "Patent search",
    f"{RECORDS} results found for {QUERY}",
    None,
    f"Query language: {QUERY_LANGUAGE}",
    "Filters: ",
    'Open the "Results" sheet (select tab below) to view the results.',
)

# Every document has one earliest publication and one earliest priority date: both sum to RECORDS.
PUBLICATION_YEARS: dict[int, int] = {
    2009: 1,
    2011: 2,
    2013: 3,
    2014: 4,
    2015: 5,
    2017: 6,
    2018: 7,
    2019: 8,
    2020: 9,
    2021: 12,
}
PUBLICATION_YEAR_GAPS = (2010, 2012, 2016)
PRIORITY_YEARS: dict[int, int] = {
    2008: 2,
    2010: 3,
    2012: 4,
    2013: 5,
    2015: 6,
    2016: 7,
    2017: 8,
    2018: 9,
    2019: 6,
    2020: 7,
}
COUNTRIES = {"CN": 30, "US": 18, "WO": 12, "EP": 9, "KR": 7, "JP": 5, "DE": 2}
LANGUAGES = {"en": 40, "zh": 30, "ko": 7, "ja": 5, "de": 2}
IPC_MAIN_GROUPS = {"H01M4": 38, "H01M10": 24, "C01B32": 19, "H01G11": 6, "B82Y30": 4}
IPC_SUBGROUPS = {"H01M4/583": 16, "H01M4/62": 14, "H01M10/0525": 12, "C01B32/184": 9, "H01G11/36": 4}
CPC_MAIN_GROUPS = {"H01M4": 40, "Y02E60": 22, "H01M10": 25, "C01B32": 18, "H01G11": 6, "B82Y30": 5}
# Ties: C01B32/184 and C01B32/194 (9 each) come out in key order.
CPC_SUBGROUPS = {
    "Y02E60/10": 22,
    "H01M4/625": 20,
    "H01M4/583": 15,
    "H01M10/0525": 14,
    "C01B32/194": 9,
    "C01B32/184": 9,
    "H01G11/36": 4,
    "B82Y30/00": 3,
}
CPC_OFFICES = {"CN": 31, "EP": 14, "US": 12, "KR": 6}
APPLICANTS = {
    "UNIV TSINGHUA": 6,
    "SAMSUNG SDI CO LTD": 5,
    "LG CHEMICAL LTD": 4,
    "CONTEMPORARY AMPEREX TECH CO LTD": 4,
    "UNIV ZHEJIANG": 3,
    "BASF SE": 2,
    "TOYOTA MOTOR CO LTD": 2,
    "NANOTEK INSTR INC": 1,
    "UNIV RICE WILLIAM M": 1,
}
TOP_APPLICANT = ("UNIV TSINGHUA", 6)
INVENTORS = {
    "ZHANG WEI": 4,
    "LI JING": 3,
    "KIM JONG-HO": 3,
    "WANG LEI": 2,
    "TOUR JAMES M": 2,
    "PARK SOO-JIN": 1,
    "MÜLLER ANNA": 1,
    "CHEN XIAO": 1,
}
APPLICANT_COUNTRIES = {"CN": 21, "KR": 12, "US": 6, "JP": 2, "DE": 2}
INVENTOR_COUNTRIES = {"CN": 24, "KR": 13, "US": 7, "JP": 3, "DE": 2}

# The sheets of the default export, in Espacenet's order: A1 header, field, and its counts.
FACET_SHEETS: tuple[tuple[str, Field, Mapping[Any, int]], ...] = (
    ("Countries (family)", Field.COUNTRY, COUNTRIES),
    ("Languages (family)", Field.LANGUAGE, LANGUAGES),
    ("Earliest publication date (family)", Field.PUBLICATION_YEAR, PUBLICATION_YEARS),
    ("Earliest priority date", Field.PRIORITY_YEAR, PRIORITY_YEARS),
    ("IPC main groups", Field.IPC_MAIN_GROUP, IPC_MAIN_GROUPS),
    ("IPC subgroups", Field.IPC_SUBGROUP, IPC_SUBGROUPS),
    ("CPC main groups", Field.CPC_MAIN_GROUP, CPC_MAIN_GROUPS),
    ("CPC subgroups", Field.CPC_SUBGROUP, CPC_SUBGROUPS),
    ("CPC assigning offices", Field.CPC_OFFICE, CPC_OFFICES),
    ("Applicants", Field.APPLICANT, APPLICANTS),
    ("Inventors", Field.INVENTOR, INVENTORS),
    ("Applicants - country", Field.APPLICANT_COUNTRY, APPLICANT_COUNTRIES),
    ("Inventors - country", Field.INVENTOR_COUNTRY, INVENTOR_COUNTRIES),
)
# Espacenet cuts sheet names at 30 characters: "Earliest publication date (fam".
SHEET_TITLE_LENGTH = 30
HEADERS: dict[Field, str] = {facet_field: header for header, facet_field, _ in FACET_SHEETS}
SHEET_TITLES: dict[Field, str] = {
    facet_field: header[:SHEET_TITLE_LENGTH] for header, facet_field, _ in FACET_SHEETS
}
COUNT_HEADER = "Number of documents"
YEAR_FIELDS = frozenset({Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR})


def expected_rows(facet_field: Field) -> tuple[tuple[str, int], ...]:
    """The canonical rows the default export gives for a field: string keys, largest first."""
    counts = next(counts for _, f, counts in FACET_SHEETS if f is facet_field)
    return tuple(sorted(((str(key), count) for key, count in counts.items()), key=lambda kv: (-kv[1], kv[0])))


TOTALS: dict[Field, int] = {facet_field: sum(counts.values()) for _, facet_field, counts in FACET_SHEETS}
YEAR_RANGE = [min(PUBLICATION_YEARS), max(PUBLICATION_YEARS)]


# --- Builders -----------------------------------------------------------------------------------

Row = Sequence[Any]


def build_filters_xlsx(
    *,
    drop: Iterable[Field] = (),
    rows: Mapping[Field, Sequence[Row]] | None = None,
    extra_rows: Mapping[Field, Sequence[Row]] | None = None,
    headers: Mapping[Field, Any] | None = None,
    titles: Mapping[Field, str] | None = None,
    blank_sheets: Iterable[Field] = (),
    extra_sheets: Mapping[str, Sequence[Row]] | None = None,
    query_lines: Sequence[Any] | None = QUERY_LINES,
) -> bytes:
    """An Espacenet Filters workbook; with no arguments, the default export described above.

    - `drop`: facets whose sheet is left out.
    - `rows`: facets whose data rows (below the header) are replaced; `[]` leaves the header only.
    - `extra_rows`: rows appended below a facet's data (bad cells, duplicates, blank keys...).
    - `headers`: facets whose A1 header is replaced; `titles`: facets whose sheet name is.
    - `blank_sheets`: facets whose sheet keeps its name but has no cell at all.
    - `extra_sheets`: more sheets, name to all their rows, added after the facets.
    - `query_lines`: column A of the Query sheet; None leaves the Query sheet out.
    """
    dropped, blank = set(drop), set(blank_sheets)
    rows, extra_rows, headers, titles = rows or {}, extra_rows or {}, headers or {}, titles or {}
    sheets: dict[str, list[Row]] = {}
    if query_lines is not None:
        sheets["Query"] = [(line,) for line in query_lines]
    for header, facet_field, counts in FACET_SHEETS:
        if facet_field in dropped:
            continue
        title = titles.get(facet_field, SHEET_TITLES[facet_field])
        if facet_field in blank:
            sheets[title] = []
            continue
        data = rows[facet_field] if facet_field in rows else _default_rows(facet_field, counts)
        sheets[title] = [
            (headers.get(facet_field, header), COUNT_HEADER),
            *data,
            *extra_rows.get(facet_field, ()),
        ]
    sheets.update(extra_sheets or {})
    return write_workbook(sheets)


def _default_rows(facet_field: Field, counts: Mapping[Any, int]) -> list[Row]:
    if facet_field in YEAR_FIELDS:  # Espacenet lists years in order, as numbers
        return sorted(counts.items())
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def write_workbook(sheets: Mapping[str, Sequence[Row]]) -> bytes:
    """An .xlsx with these sheets (name to rows), written in memory."""
    workbook = Workbook(write_only=True)
    for title, sheet_rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in sheet_rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def inventors_rows(count: int) -> list[Row]:
    """`count` distinct inventors, one document each: a list as long as Espacenet's cut."""
    return [(f"INVENTOR {number:04d}", 1) for number in range(count)]


def build_zip(members: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


WORKBOOK_SKELETON = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
}


def build_zip_bomb(*, inflated_bytes: int = 500 * MIB, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A workbook-shaped zip with one member of `inflated_bytes` zeros, streamed into the archive.

    Deflate at level 1 runs at ~1 GB/s on zeros and gives a ~230:1 ratio: 500 MB makes a 2.3 MB file
    in about half a second, without ever holding the zeros in memory.
    """
    buffer = io.BytesIO()
    chunk = bytes(4 * MIB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in WORKBOOK_SKELETON.items():
            archive.writestr(name, content)
        with archive.open(member, "w", force_zip64=True) as stream:
            remaining = inflated_bytes
            while remaining > 0:
                stream.write(chunk[: min(remaining, len(chunk))])
                remaining -= len(chunk)
    return buffer.getvalue()


# --- OLE2 / Compound File Binary ----------------------------------------------------------------

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_SECTOR = 512
_FREESECT, _ENDOFCHAIN, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_ENTRY_TYPES = {"storage": 1, "stream": 2, "root": 5}


def build_cfb(*stream_names: str, payload: bytes = b"") -> bytes:
    """A minimal well-formed Compound File (version 3, 512-byte sectors) with these streams.

    Excel 97-2003 files hold a "Workbook" stream; password-protected .xlsx files "EncryptionInfo"
    and "EncryptedPackage". `payload` becomes the first stream's content, so a test can put the
    text of a stream name *inside* a stream and check that detection reads the directory, not text.
    Layout: header, one FAT sector (sector 0), directory sectors, payload sectors.
    """
    entries = [("Root Entry", "root"), *((name, "stream") for name in stream_names)]
    directory_sectors = math.ceil(len(entries) / 4)
    payload = payload.ljust(4096, b"\x00") if payload else b""  # below 4,096 bytes it would be a mini stream
    payload_sectors = len(payload) // _SECTOR + (1 if len(payload) % _SECTOR else 0)
    fat = [_FATSECT, *_chain(1, directory_sectors), *_chain(1 + directory_sectors, payload_sectors)]
    fat += [_FREESECT] * (_SECTOR // 4 - len(fat))

    header = bytearray(_SECTOR)
    header[0:8] = OLE2_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x003E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<9I", header, 40, 0, 1, 1, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
    struct.pack_into("<109I", header, 76, 0, *([_FREESECT] * 108))

    directory = bytearray(directory_sectors * _SECTOR)
    for index, (name, kind) in enumerate(entries):
        sibling = index + 1 if 0 < index < len(entries) - 1 else _NOSTREAM
        child = 1 if kind == "root" and len(entries) > 1 else _NOSTREAM
        start, size = _ENDOFCHAIN, 0
        if index == 1 and payload:
            start, size = 1 + directory_sectors, len(payload)
        _pack_entry(
            directory, index, name, _ENTRY_TYPES[kind], right=sibling, child=child, start=start, size=size
        )
    for index in range(len(entries), directory_sectors * 4):
        struct.pack_into("<III", directory, index * 128 + 68, _NOSTREAM, _NOSTREAM, _NOSTREAM)

    fat_sector = struct.pack(f"<{len(fat)}I", *fat)
    return bytes(header) + fat_sector + bytes(directory) + payload.ljust(payload_sectors * _SECTOR, b"\x00")


def _chain(first: int, length: int) -> list[int]:
    return [*range(first + 1, first + length), _ENDOFCHAIN] if length else []


def _pack_entry(
    directory: bytearray, index: int, name: str, kind: int, *, right: int, child: int, start: int, size: int
) -> None:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    offset = index * 128
    directory[offset : offset + len(encoded)] = encoded
    struct.pack_into("<HBB", directory, offset + 64, len(encoded), kind, 1)
    struct.pack_into("<III", directory, offset + 68, _NOSTREAM, right, child)
    struct.pack_into("<IQ", directory, offset + 116, start, size)
