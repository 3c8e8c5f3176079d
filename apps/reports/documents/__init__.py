"""The three ways a report is written: a ZIP pack, a PDF and a PPTX, from one `ReportContent`."""

import struct


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from the PNG header (no decoding)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return width, height
