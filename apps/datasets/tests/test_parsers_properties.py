"""Property tests: whatever bytes arrive, parsing ends in a clean result or a clear ParseError.

Hypothesis feeds random bytes, and mutations of every generated export (bytes flipped, cut,
duplicated or spliced; cells of the CSV replaced by arbitrary text; the XML inside a workbook
corrupted and zipped again) through `parse_export`, the one entry point ingestion uses. The
outcome must be a result whose summary is JSON, or a ParseError written for the analyst — and not
"parser_error", which is what `parse_export` says when a parser let another exception escape (a
bug). Each case has a deadline and each test a timeout, so a hang fails too.
"""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.datasets.parsers import ParseError, ParseResult, parse_export

from . import fixtures
from . import fixtures_records as fx

# A generated export parses in ~10 ms (a workbook ~50 ms); a case past this deadline is a hang.
DEADLINE_MS = 3000
PROPERTY_SETTINGS = settings(
    deadline=DEADLINE_MS,
    derandomize=True,  # the same cases on every run: a failure is reproducible, the suite stable
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
pytestmark = pytest.mark.timeout(60)


@cache
def text_seeds() -> tuple[bytes, ...]:
    return (
        fx.build_espacenet_csv(),
        fx.build_lens_csv(),
        fx.build_lens_csv(generation="2021"),
        fx.build_lens_csv(generation="2015"),
        fx.build_google_csv(),
        fx.build_google_csv(excel=True, date_style="mdy"),
        fx.build_lens_scholarly_csv(),
    )


@cache
def workbook_seeds() -> tuple[bytes, ...]:
    return (
        fx.build_espacenet_xlsx(),
        fx.build_espacenet_xlsx(abstract=False),
        fixtures.build_filters_xlsx(),
    )


def outcome(data: bytes) -> ParseResult | ParseError:
    """Parse; anything but a result or an analyst's ParseError fails the test."""
    try:
        result = parse_export(data, filename="fuzzed")
    except ParseError as caught:
        error = caught
    else:
        error = None
    if error is not None:
        assert error.code != "parser_error", f"a parser raised something else than ParseError: {error}"
        assert str(error).strip()
        return error
    assert json.loads(json.dumps(result.summary)) == result.summary
    publications = result.canonical.publications
    if publications is not None:
        assert publications.get_column("publication_number").null_count() == 0
        assert publications.get_column("publication_number").is_unique().all()
    return result


# --- Strategies -----------------------------------------------------------------------------------


@st.composite
def mutated(draw, seeds: tuple[bytes, ...]) -> bytes:
    """A seed with a few byte-level edits: flips, cuts, repeats, insertions, a splice of two seeds."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        operation = draw(st.sampled_from(("flip", "cut", "truncate", "repeat", "insert", "splice")))
        if operation == "flip":
            data[at] = draw(st.integers(0, 255))
        elif operation == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[at:]
        elif operation == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        elif operation == "insert":
            data[at:at] = draw(
                st.sampled_from((b'"', b";", b",", b";;", b"\r", b"\n", b"\x00", b"\xff", b"\xc3"))
            )
        else:
            other = draw(st.sampled_from(seeds))
            data = data[:at] + other[draw(st.integers(0, len(other) - 1)) :]
    return bytes(data)


# Text a cell may hold: separators, quotes, line ends, dates, numbers, names, odd code points.
_CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ('"', '""', ";;", ";", ",", "\r\n", "\r", "", " ", "31/12/99", "2/30/2020", "00.00.0000",
         "9999-99-99", "US", "EP 1 B1", "A01B", "G01N 33/24 (EP,US)", "Co., Ltd.", ", Inc.", "[XX]", "NaN",
         "-1", "1e309")
    ),
)  # fmt: skip


@st.composite
def csv_with_random_cells(draw) -> bytes:
    """A real header (so a parser is chosen) and rows of arbitrary cells."""
    seed = draw(st.sampled_from(text_seeds()))
    lines = seed.split(b"\n")
    header_at = draw(st.integers(0, min(len(lines) - 1, 9)))
    separator = draw(st.sampled_from((",", ";", "\t")))
    rows = draw(st.lists(st.lists(_CELL, max_size=40), max_size=8))
    body = "\n".join(separator.join(row) for row in rows)
    return b"\n".join(lines[: header_at + 1]) + b"\n" + body.encode("utf-8", errors="surrogatepass")


def _rezip(seed: bytes, member: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(seed)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == member else source.read(info))
    return out.getvalue()


@st.composite
def workbook_with_corrupted_xml(draw) -> bytes:
    """A workbook whose sheet, shared strings or workbook XML was damaged, then zipped validly."""
    seed = draw(st.sampled_from(workbook_seeds()))
    with zipfile.ZipFile(io.BytesIO(seed)) as archive:
        members = [name for name in archive.namelist() if name.endswith(".xml")]
        member = draw(st.sampled_from(members))
        xml = archive.read(member)
    content = draw(mutated((xml,)))
    return _rezip(seed, member, content)


# --- Properties -----------------------------------------------------------------------------------


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    outcome(data)


@PROPERTY_SETTINGS
@given(st.text(max_size=2000).map(lambda text: text.encode("utf-8", errors="surrogatepass")))
def test_random_text(data):
    outcome(data)


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(mutated(text_seeds()))
def test_mutated_csv_exports(data):
    outcome(data)


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(csv_with_random_cells())
def test_known_headers_with_arbitrary_cells(data):
    outcome(data)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(mutated(workbook_seeds()))
def test_mutated_workbook_bytes(data):
    outcome(data)


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(workbook_with_corrupted_xml())
def test_workbooks_with_corrupted_xml(data):
    outcome(data)


def test_unmutated_seeds_parse():
    """The seeds themselves are valid exports (or, for the scholarly one, a clear refusal)."""
    outcomes = [outcome(seed) for seed in (*text_seeds(), *workbook_seeds())]
    assert [type(one).__name__ for one in outcomes] == ["ParseResult"] * 6 + ["ParseError"] + [
        "ParseResult"
    ] * 3
