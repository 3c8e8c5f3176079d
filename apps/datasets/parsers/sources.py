"""Where an export's bytes are: in memory (`bytes`), or in a local file (`Path`).

A worker reads a stored upload from its path: polars and calamine read the file themselves (polars
maps it, and lets it go once the table is read), so a 60 MB export is not also held as a Python
`bytes` object, beside the table, for the whole parse. Uploads checked in a request, tests and
stores without local paths hand over bytes. Detection and the parsers look at the start of the
file (`head`); only rare cases (an OLE2 file to explain, text that is not UTF-8) read it whole.
"""

from __future__ import annotations

from pathlib import Path

Source = bytes | Path


def size(source: Source) -> int:
    return source.stat().st_size if isinstance(source, Path) else len(source)


def head(source: Source, length: int) -> bytes:
    """The first `length` bytes (fewer when the export is shorter)."""
    if isinstance(source, Path):
        with source.open("rb") as fh:
            return fh.read(length)
    return source[:length]


def whole(source: Source) -> bytes:
    return source.read_bytes() if isinstance(source, Path) else source
