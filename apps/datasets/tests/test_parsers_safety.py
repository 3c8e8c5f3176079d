"""Hostile and mistaken uploads: each is refused before it can hurt, with a message that helps."""

from __future__ import annotations

import codecs
import io
import random
import struct
import zipfile
import zlib

import pytest

from apps.datasets.parsers import ParseError, detect_format, parse_export
from apps.datasets.parsers import xlsx_safety as safety
from apps.datasets.tests import fixtures as fx

ZIP_CENTRAL_HEADER = b"PK\x01\x02"


def refusal(data: bytes, filename: str = "") -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_export(data, filename=filename)
    # Detection alone refuses the same way: it runs the same checks.
    with pytest.raises(ParseError) as detected:
        detect_format(data)
    assert detected.value.code == caught.value.code
    return caught.value


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return fx.build_zip_bomb(inflated_bytes=500 * fx.MIB)


@pytest.fixture
def no_inflating(monkeypatch):
    """Fail the test if any zip member is decompressed."""

    def refuse(*args, **kwargs):
        raise AssertionError("a zip member was inflated")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", refuse)
    monkeypatch.setattr(zipfile.ZipExtFile, "read1", refuse)
    monkeypatch.setattr(safety, "_member_intact", refuse)


# --- Not a workbook at all ------------------------------------------------------------------------


def test_empty_file():
    error = refusal(b"", filename="export.xlsx")

    assert error.code == "empty"
    assert str(error).startswith("'export.xlsx' is empty (0 bytes).")


def test_file_over_the_upload_cap(settings):
    data = fx.build_filters_xlsx()
    settings.INTELLI_MAX_UPLOAD_BYTES = len(data) - 1

    error = refusal(data)

    assert error.code == "too_large"
    assert "more than the" in str(error)


def test_random_bytes():
    data = random.Random(1).randbytes(4096)

    error = refusal(data, filename="export.xlsx")

    assert error.code == "not_an_export"
    assert str(error) == (
        "'export.xlsx' is not an Excel workbook (.xlsx) or a CSV export. Intelli reads exports from "
        "Espacenet, Lens.org and Google Patents."
    )


def test_pdf_is_named_for_what_it_is():
    error = refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02")

    assert error.code == "not_an_export"
    assert str(error).startswith("This file is a PDF document, not an Excel workbook (.xlsx)")


@pytest.mark.parametrize(
    "data",
    [
        b"Dear colleague,\nplease find the landscape attached.\n",
        b"name,age,city\nalice,31,Madrid\nbob,45,Lyon\n",
        "título;año\nCaf\xe9;2020\n".encode("cp1252"),
        codecs.BOM_UTF16_LE + "name\tvalue\r\nx\t1\r\n".encode("utf-16-le"),
    ],
    ids=["prose", "csv", "latin-1-csv", "utf-16-text"],
)
def test_text_that_is_not_a_patent_export(data):
    error = refusal(data, filename="people.csv")

    assert error.code == "unrecognised"
    assert str(error).startswith("'people.csv' is a text (CSV) file, but not an export Intelli recognises.")
    assert "Espacenet Filters (statistics) export" in str(error)


def test_a_workbook_named_csv_is_still_read_and_garbage_named_xlsx_still_refused():
    assert detect_format(fx.build_filters_xlsx()) == "espacenet_filters"
    assert refusal(b"\x00\x01\x02garbage\xff", filename="export.xlsx").code == "not_an_export"


# --- OLE2: old .xls and password-protected workbooks -------------------------------------------------


@pytest.mark.parametrize(
    "streams",
    [("EncryptionInfo", "EncryptedPackage"), ("EncryptedPackage",), ("\x06DataSpaces", "EncryptedPackage")],
)
def test_password_protected_workbook(streams):
    error = refusal(fx.build_cfb(*streams), filename="export.xlsx")

    assert error.code == "encrypted"
    assert "'export.xlsx' is protected with a password" in str(error)
    assert "remove the password" in str(error)


def test_old_xls_workbook():
    error = refusal(fx.build_cfb("Workbook", "\x05SummaryInformation"), filename="export.xls")

    assert error.code == "xls"
    assert "old Excel 97-2003 workbook (.xls)" in str(error)
    assert "save it as an Excel Workbook (.xlsx)" in str(error)


@pytest.mark.parametrize("offset", [0, 3], ids=["on-an-entry-boundary", "anywhere"])
def test_xls_whose_cells_mention_encrypted_package_is_still_an_xls(offset):
    # The stream name written as a cell would be (UTF-16LE), inside the Workbook stream's content.
    text = b"\x00" * offset + "EncryptedPackage".encode("utf-16-le") + b"\x00\x00"

    error = refusal(fx.build_cfb("Workbook", payload=text))

    assert error.code == "xls"


def test_magic_alone_is_not_enough():
    # A file that starts like OLE2 but has no valid header: damaged, not "encrypted" nor ".xls".
    data = fx.OLE2_MAGIC + "EncryptedPackage".encode("utf-16-le") * 40

    error = refusal(data)

    assert error.code == "damaged"


def test_other_office_file():
    error = refusal(fx.build_cfb("WordDocument", "1Table"))

    assert error.code == "not_a_workbook"
    assert "a Word document (.doc)" in str(error)


def test_cfb_with_4096_byte_sectors_is_read():
    # Version 4 files have 4,096-byte sectors (shift 12) and a header padded to 4,096 bytes. Only the
    # header is rewritten here: detection needs no more than it and the 128-byte entry alignment.
    data = bytearray(fx.build_cfb("EncryptedPackage"))
    struct.pack_into("<HH", data, 26, 4, 0xFFFE)
    struct.pack_into("<H", data, 30, 12)
    data = bytes(data[:512]) + bytes(4096 - 512) + bytes(data[512:])

    assert refusal(data).code == "encrypted"


# --- Zips -----------------------------------------------------------------------------------------


def test_truncated_zip():
    data = fx.build_filters_xlsx()

    error = refusal(data[: len(data) // 2], filename="export.xlsx")

    assert error.code == "damaged"
    assert "'export.xlsx' is damaged or incomplete" in str(error)


def test_bad_crc():
    content = b"<row>" * 400
    data = bytearray(_stored_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": content}))
    data[data.find(content) + 100] ^= 0xFF

    assert refusal(bytes(data)).code == "damaged"


def test_member_inflating_past_its_declared_size():
    # A central directory that under-declares a member: zipfile stops at the declared size and the
    # CRC check fails, so the declared sizes the bomb checks read can be trusted.
    data = bytearray(fx.build_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": bytes(10 * fx.MIB)}))
    entry = data.rfind(ZIP_CENTRAL_HEADER)
    struct.pack_into("<I", data, entry + 24, 1000)  # uncompressed size

    assert refusal(bytes(data)).code == "damaged"


def test_member_whose_declared_crc_covers_only_its_declared_size():
    # zipfile alone stops at the declared size and checks the CRC of what it read: a directory
    # declaring 1,000 bytes with those bytes' CRC would pass it, while calamine inflates the whole
    # stream. The member must end where it says it does.
    content = bytes(10 * fx.MIB)
    data = bytearray(fx.build_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": content}))
    entry = data.rfind(ZIP_CENTRAL_HEADER)
    struct.pack_into("<I", data, entry + 16, zlib.crc32(content[:1000]))  # CRC-32
    struct.pack_into("<I", data, entry + 24, 1000)  # uncompressed size

    with pytest.raises(ParseError) as caught:
        safety.check_zip(bytes(data))

    assert caught.value.code == "damaged"


def test_member_ending_before_its_declared_size():
    content = b"<row/>" * 20_000
    data = bytearray(fx.build_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": content}))
    entry = data.rfind(ZIP_CENTRAL_HEADER)
    struct.pack_into("<I", data, entry + 24, len(content) + 10)  # uncompressed size

    with pytest.raises(ParseError) as caught:
        safety.check_zip(bytes(data))

    assert caught.value.code == "damaged"
    safety.check_zip(fx.build_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": content}))


def test_zip_bomb_is_refused_from_the_directory_alone(zip_bomb, no_inflating):
    error = refusal(zip_bomb, filename="export.xlsx")

    assert error.code == "too_large_uncompressed"
    assert "would expand to 500 MB" in str(error)


def test_absurd_compression_ratio_under_the_size_cap(no_inflating):
    data = fx.build_zip_bomb(inflated_bytes=40 * fx.MIB)

    error = refusal(data)

    assert error.code == "zip_bomb"
    assert "'xl/worksheets/sheet1.xml' is compressed" in str(error)


def test_uncompressed_cap_comes_from_settings(settings):
    settings.INTELLI_MAX_UNCOMPRESSED_BYTES = 10_000

    assert refusal(fx.build_filters_xlsx()).code == "too_large_uncompressed"


def test_too_many_members(no_inflating):
    members = {**fx.WORKBOOK_SKELETON, **{f"xl/media/image{n}.png": b"" for n in range(safety.MAX_MEMBERS)}}

    error = refusal(_stored_zip(members))

    assert error.code == "too_many_members"


def test_zip_that_is_not_a_workbook():
    error = refusal(fx.build_zip({"export.csv": b"a,b\n1,2\n"}), filename="export.zip")

    assert error.code == "not_a_workbook"
    assert "unzip it and upload the file inside" in str(error)


def test_word_document_is_named():
    error = refusal(fx.build_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}))

    assert error.code == "not_a_workbook"
    assert "a Word document (.docx)" in str(error)


def test_empty_zip():
    assert refusal(fx.build_zip({})).code == "not_a_workbook"


def test_workbook_with_broken_xml_is_damaged():
    data = _replace_member(fx.build_filters_xlsx(), "xl/workbook.xml", b"<workbook><sheets><sheet")

    assert refusal(data).code == "damaged"


def test_workbook_with_a_broken_sheet_is_damaged():
    data = _replace_member(fx.build_filters_xlsx(), "xl/worksheets/sheet3.xml", b"<worksheet><sheetData><row")

    assert refusal(data).code == "damaged"


def test_a_number_cell_that_is_not_a_number_is_damage_not_a_parser_error():
    """Found by bench/fuzz_parsers.py: openpyxl raises ValueError for `<v>2020"</v>` in a number cell
    while the parser streams the sheet; it escaped as a "fault in Intelli" (parser_error)."""
    with zipfile.ZipFile(io.BytesIO(fx.build_filters_xlsx())) as archive:
        sheet = archive.read("xl/worksheets/sheet4.xml")
    assert b"<v>2020</v>" in sheet  # the publication years
    data = _replace_member(
        fx.build_filters_xlsx(), "xl/worksheets/sheet4.xml", sheet.replace(b"<v>2020</v>", b'<v>2020"</v>')
    )

    with pytest.raises(ParseError) as caught:  # detection reads the first rows only: it finds the format
        parse_export(data, filename="export.xlsx")

    assert caught.value.code == "damaged" and "'export.xlsx' is damaged" in str(caught.value)


def _stored_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    return fx.build_zip({**members, name: content})


def test_zip_with_a_password_protected_member():
    # zipfile cannot write encrypted members: set the "encrypted" flag (bit 0) in both headers.
    data = bytearray(fx.build_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": b"<worksheet/>"}))
    local, central = data.rfind(b"PK\x03\x04"), data.rfind(ZIP_CENTRAL_HEADER)
    data[local + 6] |= 1
    data[central + 8] |= 1

    assert refusal(bytes(data)).code == "damaged"


def test_zip_with_a_member_marked_as_patched_data():
    # Found by bench/fuzz_atheris.py: flag bit 5 ("compressed patched data") passed the zip check,
    # then zipfile refused the member inside openpyxl with NotImplementedError, a parser error.
    data = bytearray(fx.build_zip({**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": b"<worksheet/>"}))
    for position in range(len(data)):  # every local header (flags at +6) and central entry (+8)
        if data.startswith(b"PK\x03\x04", position):
            data[position + 6] |= 0x20
        elif data.startswith(ZIP_CENTRAL_HEADER, position):
            data[position + 8] |= 0x20

    assert refusal(bytes(data)).code == "damaged"


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_with_a_damaged_bzip2_or_lzma_member(method):
    # Found by bench/fuzz_atheris.py: bz2 says "Invalid data stream" with an OSError and lzma with
    # an LZMAError, neither of which the zip check took for damage.
    content = b"<row/>" * 2000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, part in {**fx.WORKBOOK_SKELETON, "xl/worksheets/sheet1.xml": content}.items():
            archive.writestr(name, part)
    data = bytearray(buffer.getvalue())
    start = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    for offset in range(4, 40):
        data[start + offset] ^= 0x5A

    assert refusal(bytes(data)).code == "damaged"
