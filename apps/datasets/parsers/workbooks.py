"""Reading record-level workbooks with calamine (through `fastexcel`), after the zip checks.

openpyxl needs about ten seconds to read a 100,000-row sheet on a small machine; calamine, a Rust
reader, needs half a second. The Espacenet Filters workbook (a few hundred cells) stays on
openpyxl; the results workbook, which can be large, is read here. Both only ever see bytes that
`xlsx_safety.check_zip` accepted: a zip bomb or a damaged archive never reaches a reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from .errors import ParseError, describe
from .xlsx_safety import SheetPeek

if TYPE_CHECKING:
    import fastexcel

# Record-level sheets may start with a few lines about the search before their header row.
PEEK_ROWS = 12
PEEK_COLUMNS = 24

_READ_ERRORS: tuple[type[BaseException], ...] = (
    pl.exceptions.PolarsError,
    pl.exceptions.PanicException,
    ValueError,
    TypeError,
    OverflowError,
    OSError,
)


def _fastexcel_errors() -> tuple[type[BaseException], ...]:
    import fastexcel

    return (fastexcel.FastExcelError, *_READ_ERRORS)


@dataclass(frozen=True)
class CalamineWorkbook:
    """An open calamine reader and the first rows of each of its sheets."""

    reader: fastexcel.ExcelReader
    sheets: tuple[SheetPeek, ...]


def open_calamine(data: bytes) -> CalamineWorkbook | None:
    """Calamine over checked workbook bytes, or None when calamine cannot read them.

    None is not an error: the caller falls back to openpyxl, whose failure gives the message.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
    except _fastexcel_errors():
        return None
    return CalamineWorkbook(reader=reader, sheets=peek(reader))


def peek(reader: fastexcel.ExcelReader) -> tuple[SheetPeek, ...]:
    """The first rows of every sheet, every cell as text (None when empty)."""
    peeks = []
    for name in reader.sheet_names:
        try:
            sheet = reader.load_sheet(name, header_row=None, n_rows=PEEK_ROWS, dtypes="string")
            frame = sheet.to_polars()
        except _fastexcel_errors():
            frame = pl.DataFrame()
        rows = tuple(tuple(row[:PEEK_COLUMNS]) for row in frame.rows())
        peeks.append(SheetPeek(title=name, head=rows))
    return tuple(peeks)


def read_sheet(reader: fastexcel.ExcelReader, name: str, *, header_row: int, filename: str) -> pl.DataFrame:
    """A whole sheet below its header row, every column as text."""
    try:
        return reader.load_sheet(name, header_row=header_row, dtypes="string").to_polars()
    except _fastexcel_errors() as exc:
        raise ParseError(
            f"{describe(filename)}: the sheet '{name}' cannot be read; the workbook may be damaged. "
            "Download the export again and upload the new file.",
            code="damaged",
        ) from exc
