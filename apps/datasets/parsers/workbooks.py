"""Reading record-level workbooks with calamine (through `fastexcel`), after the zip checks.

openpyxl needs about ten seconds to read a 100,000-row sheet on a small machine; calamine, a Rust
reader, needs half a second. The Espacenet Filters workbook (a few hundred cells) stays on
openpyxl; the results workbook, which can be large, is read here. Both only ever see bytes that
`xlsx_safety.check_zip` accepted: a zip bomb or a damaged archive never reaches a reader.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from . import sources
from .errors import ParseError, describe
from .sources import Source
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


@dataclass
class CalamineWorkbook:
    """A workbook read by calamine: the first rows of each sheet, and the sheets not yet taken.

    calamine parses a whole sheet's XML whenever it loads the sheet, even for its first rows, so
    each sheet is loaded once (every cell as text, no header) and kept until a parser takes it
    with `read_sheet`: a 100,000-row sheet is read in one pass, not two.
    """

    sheets: tuple[SheetPeek, ...]
    frames: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)


def open_calamine(data: Source) -> CalamineWorkbook | None:
    """Calamine over checked workbook bytes, or None when calamine cannot read them.

    None is not an error: the caller falls back to openpyxl, whose failure gives the message.
    """
    import fastexcel

    try:
        # Bytes, not a path: calamine tells a workbook's kind from a path's extension.
        reader = fastexcel.read_excel(sources.whole(data))
    except _fastexcel_errors():
        return None
    frames = {name: _load(reader, name) for name in reader.sheet_names}
    del reader  # its shared strings, and calamine's cells, are no longer needed
    release_freed_memory()
    peeks = tuple(
        SheetPeek(title=name, head=tuple(tuple(row[:PEEK_COLUMNS]) for row in frame.head(PEEK_ROWS).rows()))
        for name, frame in frames.items()
    )
    return CalamineWorkbook(sheets=peeks, frames=frames)


def release_freed_memory() -> None:
    """Hand the memory calamine has just freed back to the system.

    Loading a 100,000-row sheet allocates ~250 MB through the C allocator (calamine's cells, then
    the Arrow copy); freed, glibc keeps it in its arenas, where polars (which allocates through its
    own jemalloc) never reuses it, so the worker's peak RSS would carry it to the end of the task.
    `malloc_trim` is glibc's; elsewhere (macOS, musl) there is nothing to do.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _load(reader: fastexcel.ExcelReader, name: str) -> pl.DataFrame:
    """A whole sheet, every cell as text; an empty frame when calamine cannot read it."""
    try:
        return reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
    except _fastexcel_errors():
        return pl.DataFrame()


def read_sheet(workbook: CalamineWorkbook, name: str, *, header_row: int, filename: str) -> pl.DataFrame:
    """A whole sheet below its header row, columns named by that row, every column as text."""
    frame = workbook.frames.pop(name, None)
    if frame is None or header_row >= frame.height:
        raise ParseError(
            f"{describe(filename)}: the sheet '{name}' cannot be read; the workbook may be damaged. "
            "Download the export again and upload the new file.",
            code="damaged",
        )
    names: list[str] = []
    for index, cell in enumerate(frame.row(header_row)):
        label = str(cell).strip() if cell is not None and str(cell).strip() else f"column {index + 1}"
        while label in names:  # two columns with one header: both kept, the second renamed
            label += " (2)"
        names.append(label)
    return frame.slice(header_row + 1).rename(dict(zip(frame.columns, names, strict=True)))
