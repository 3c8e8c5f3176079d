"""What the record-level parsers share: decoding, reading CSV text, and the normalisers.

Espacenet's results list, Lens.org and Google Patents write the same facts in different ways; the
functions here turn each way into the canonical one (see `canonical.publication_schema()`), as
polars expressions over whole columns — a 100,000-record export is read in well under a second,
so nothing here loops over rows in Python.

- Text: UTF-8 (with or without BOM), UTF-16 with a BOM, Windows-1252, or — Espacenet does this —
  a mix of UTF-8 and Windows-1252 bytes in one file, even in one line. Each byte sequence that is
  not valid UTF-8 is read as Windows-1252. CR-only line ends (old Mac, Lens 2015) become LF.
- Publication numbers: "US 9833479 B2", "US-11046037-B2", "EP1234567A1", "US 2023/0067653 A1" all
  become one compact form, split into jurisdiction, number and kind. Espacenet's ten-digit US
  application numbers ("US2023067653A1") get the zero Lens and Google write ("US20230067653A1").
- Dates: ISO "2019-05-02" (with or without a time), "02.05.2019", "20190502", and slashed dates
  "2/5/2019", "02/05/2019", "02/05/19". Whether slashes are day/month or month/day is decided per
  file from the values (a first part above 12 means day first, a second part above 12 month
  first); when no value decides, a warning says which reading was chosen. Two-digit years up to
  the current one are 20xx, later ones 19xx.
- Classification codes: every "G01N33/24"-shaped code in a cell, spaces removed, in order, once;
  Espacenet's office suffix "(EP,US)" and combination sets ("C07C29/1518, C07C31/04, INV") just
  yield their codes.
- Legal status: a small vocabulary, `canonical.LEGAL_STATUSES`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from apps.datasets.canonical import LEGAL_STATUSES, publication_schema
from apps.datasets.names import clean_names, country_of

from . import sources
from .errors import ParseError, describe
from .sources import Source

# --- Text -----------------------------------------------------------------------------------------

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Windows-1252, with the five bytes it leaves undefined read as Latin-1 (they are control codes).
_CP1252 = "".join(bytes([b]).decode("cp1252", errors="replace") for b in range(256))
_CP1252 = "".join(ch if ch != "\ufffd" else chr(b) for b, ch in enumerate(_CP1252))
_LATIN1_TO_CP1252 = {b: _CP1252[b] for b in range(0x80, 0xA0)}  # str.translate table
_VALID_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_ERROR_HANDLER = "intelli-cp1252"
# How much of a file the parsers decode to find their header (the same as detection looks at).
HEAD_BYTES = 64 * 1024


def _read_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(_CP1252[byte] for byte in chunk), error.end


codecs.register_error(_ERROR_HANDLER, _read_as_cp1252)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV export and the encoding it was read with; line ends become LF."""
    encoding = "utf-8"
    for bom, name in _UTF16_BOMS:
        if data.startswith(bom):
            text, encoding = data[len(bom) :].decode(name, errors="replace"), name
            break
    else:
        data = data.removeprefix(_UTF8_BOM)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if _VALID_UTF8_MULTIBYTE.search(data):
                text, encoding = data.decode("utf-8", errors=_ERROR_HANDLER), "utf-8 mixed with windows-1252"
            else:
                text, encoding = data.decode("latin-1").translate(_LATIN1_TO_CP1252), "windows-1252"
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\n" not in text or text.count("\r") > text.count("\n"):
            text = text.replace("\r", "\n")  # CR-only line ends
    return text.lstrip("\ufeff"), encoding


def read_csv(
    data: Source,
    *,
    separator: str,
    filename: str,
    what: str,
    skip_lines: int = 0,
    wanted: Mapping[str, Sequence[str]] | None = None,
) -> tuple[pl.DataFrame, str]:
    """Every column as text (or only the `wanted` ones: role -> header spellings), and the encoding.

    UTF-8 bytes (the usual case) go to polars as they are; only a file that is not valid UTF-8 is
    decoded in Python (see `decode_text`) and handed over again. Quoted cells may hold separators
    and line breaks; CR-only line ends are read as such. Reading only the wanted columns matters:
    a Lens export's family-member and NPL columns are half its size, and nothing reads them.

    A stored file (a path) is read here, so its bytes live only while the table is read (polars
    copies the cells out of them). Given the path, polars would map the file instead, and keep the
    whole mapping alive as long as any column read from it.
    """
    data = sources.whole(data)
    encoding = "utf-8"
    if data.startswith(tuple(bom for bom, _ in _UTF16_BOMS)):
        text, encoding = decode_text(data)
        data = text.encode("utf-8")
    try:
        return _polars_csv(data, separator=separator, skip_lines=skip_lines, wanted=wanted), encoding
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).casefold() or encoding != "utf-8":
            raise _unreadable(filename, what) from exc
    text, encoding = decode_text(data)
    try:
        frame = _polars_csv(text.encode("utf-8"), separator=separator, skip_lines=skip_lines, wanted=wanted)
    except pl.exceptions.ComputeError as exc:
        raise _unreadable(filename, what) from exc
    return frame, encoding


def _polars_csv(
    data: bytes, *, separator: str, skip_lines: int, wanted: Mapping[str, Sequence[str]] | None
) -> pl.DataFrame:
    cr_only = b"\n" not in data and b"\r" in data
    options: dict[str, Any] = {
        "separator": separator,
        "quote_char": '"',
        "skip_lines": skip_lines,
        "eol_char": "\r" if cr_only else "\n",
        "infer_schema": False,
        "truncate_ragged_lines": True,
        "raise_if_empty": False,
    }
    try:
        columns = None
        if wanted is not None:
            header = pl.read_csv(data, n_rows=0, **options).columns
            columns = list(dict.fromkeys(find_columns(header, wanted).values())) or None
        # One chunk per column, made once here: polars reads in ~30 chunks, and the first step
        # that adds a column made of one chunk would copy every column of the frame to match.
        return pl.read_csv(data, columns=columns, **options).rechunk()
    except pl.exceptions.ComputeError:
        raise
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError, OverflowError) as exc:
        raise pl.exceptions.ComputeError(f"unreadable CSV: {exc}") from exc


def _unreadable(filename: str, what: str) -> ParseError:
    return ParseError(
        f"{describe(filename)} looks like {what}, but its rows cannot be read as CSV (a cell with an "
        "unbalanced quote, or a damaged download). Export it again and upload the new file.",
        code="damaged",
    )


def line_cells(line: str, separator: str = ",") -> list[str]:
    """The cells of one line of CSV text (a header, a preamble line); [] when it is not CSV.

    Only for the few lines read to recognise a file: the table itself is read by polars. A line
    may hold what the csv module refuses (a stray CR, a NUL in a damaged download).
    """
    try:
        return next(csv.reader([line.replace("\r", "").replace("\x00", "")], delimiter=separator), [])
    except csv.Error:
        return []


def header_key(name: str) -> str:
    """Headers compare case-, space- and BOM-blind."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def find_columns(columns: Sequence[str], wanted: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each role in `wanted` mapped to the first of its header spellings the file has."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(header_key(column), column)
    found = {}
    for role, spellings in wanted.items():
        for spelling in spellings:
            if (column := by_key.get(header_key(spelling))) is not None:
                found[role] = column
                break
    return found


# --- Values ---------------------------------------------------------------------------------------


def text(expr: pl.Expr) -> pl.Expr:
    """A trimmed string, null when blank."""
    return expr.str.strip_chars().replace("", None)


def with_per_distinct(
    frame: pl.DataFrame, columns: Mapping[str, tuple[pl.Expr, Callable[[pl.Expr], pl.Expr]]]
) -> pl.DataFrame:
    """Add columns `name: transform(source)`, each transform run once per distinct source value.

    For cells that repeat (a CPC list is shared by a family's publications, a legal status by
    thousands of them) the work on 100,000 rows becomes the work on their distinct values and a
    hash lookup. Mostly distinct cells are transformed directly.
    """
    direct = {}
    for name, (source, transform) in columns.items():
        values = frame.select(source.alias("_value")).to_series()
        distinct = values.unique()
        if len(values) != frame.height or len(distinct) * 2 > len(values):
            direct[name] = transform(source)
            continue
        table = distinct.to_frame().with_columns(transform(pl.col("_value")).alias(name))
        looked_up = values.to_frame().join(
            table, on="_value", how="left", maintain_order="left", nulls_equal=True
        )
        frame = frame.with_columns(looked_up.get_column(name))
    return frame.with_columns(**direct) if direct else frame


def with_per_distinct_cells(
    frame: pl.DataFrame, source: str, build: Callable[[pl.DataFrame], pl.DataFrame], outputs: Sequence[str]
) -> pl.DataFrame:
    """`build` (a frame with column `source` in, the same rows with `outputs` added out) run once
    per distinct `source` cell, its outputs looked up for every row: an applicants cell is shared
    by all of a company's patents, so its names are split and cleaned once. Mostly distinct cells
    are built directly.
    """
    values = frame.get_column(source)
    distinct = values.unique()
    if len(distinct) * 2 > len(values):
        return build(frame)
    table = build(distinct.to_frame()).select(source, *outputs)
    looked_up = values.to_frame().join(table, on=source, how="left", maintain_order="left", nulls_equal=True)
    return frame.with_columns(looked_up.get_column(name) for name in outputs)


def split_values(expr: pl.Expr, separator: str, *, unique: bool = True) -> pl.Expr:
    """A multi-value cell as a list of trimmed, non-empty values in their order, once each (or as
    often as they appear, when `unique` is False)."""
    values = (
        expr.str.split(separator).list.eval(pl.element().str.strip_chars()).list.filter(pl.element() != "")
    )
    return values.list.unique(maintain_order=True) if unique else values


def take(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns of `frame`, moved into a new frame: `frame` is left without columns.

    A step that drops source columns as it consumes them frees their memory only if no caller
    still holds the frame they came in; taking them makes the step their only owner.
    """
    return pl.DataFrame([frame.drop_in_place(name) for name in frame.columns])


def first_value(expr: pl.Expr, separator: str = "\n") -> pl.Expr:
    return text(expr.str.split(separator).list.first())


def whole_number(expr: pl.Expr) -> pl.Expr:
    """'12' or '12.0' as 12; anything else null."""
    return expr.str.strip_chars().str.extract(r"^(\d{1,12})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)


_NUMBER = r"^(?P<jurisdiction>[A-Z]{2})(?P<body>[A-Z]{0,3}\d+)(?P<kind>[A-Z]\d?)?$"


def publication_number(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(number, jurisdiction, kind) from any of the spellings; the number is null when blank.

    For a whole column use `with_publication_numbers`, which computes the shared parts once.
    """
    compact = expr.str.to_uppercase().str.replace_all(r"[\s\-_/.,:]", "")
    return _number_parts(compact, compact.str.extract_groups(_NUMBER))


def _number_parts(compact: pl.Expr, parts: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    jurisdiction, body, kind = (parts.struct.field(name) for name in ("jurisdiction", "body", "kind"))
    # Espacenet writes US pre-grant publications with a ten-digit number, Lens and Google with eleven.
    us_short = (jurisdiction == "US") & body.str.contains(r"^(?:19|20)\d{8}$") & kind.str.starts_with("A")
    body = pl.when(us_short).then(body.str.slice(0, 4) + "0" + body.str.slice(4)).otherwise(body)
    matched = jurisdiction.is_not_null()
    number = (
        pl.when(matched)
        .then(pl.concat_str([jurisdiction, body, kind.fill_null("")]))
        .otherwise(text(compact))
    )
    jurisdiction = pl.when(matched).then(jurisdiction).otherwise(compact.str.extract(r"^([A-Z]{2})", 1))
    return number, jurisdiction, kind


def with_publication_numbers(
    frame: pl.DataFrame, source: pl.Expr, *, kind: pl.Expr | None = None
) -> pl.DataFrame:
    """Add publication_number, jurisdiction and kind from a column of numbers in any spelling.

    `kind`, when the export has a separate Kind column, completes numbers written without one.
    """
    frame = frame.with_columns(
        source.str.to_uppercase().str.replace_all(r"[\s\-_/.,:]", "").alias("_compact")
    )
    frame = frame.with_columns(pl.col("_compact").str.extract_groups(_NUMBER).alias("_parts"))
    number, jurisdiction, parsed_kind = _number_parts(pl.col("_compact"), pl.col("_parts"))
    frame = frame.with_columns(
        number.alias("publication_number"), jurisdiction.alias("jurisdiction"), parsed_kind.alias("kind")
    )
    if kind is not None:
        frame = frame.with_columns(text(kind).str.to_uppercase().alias("_kind"))
        completes = pl.col("kind").is_null() & pl.col("_kind").is_not_null()
        frame = frame.with_columns(
            pl.when(completes)
            .then(pl.col("publication_number") + pl.col("_kind"))
            .otherwise(pl.col("publication_number"))
            .alias("publication_number"),
            pl.coalesce("_kind", "kind").alias("kind"),
        )
    return frame.drop("_compact", "_parts")


def classification_codes(expr: pl.Expr) -> pl.Expr:
    """Every CPC/IPC code written in a cell, normalised like "G01N33/24", once each, in order."""
    return (
        expr.str.to_uppercase()
        .str.extract_all(r"[A-HY]\d{2}[A-Z] ?\d{1,4} ?/ ?\d{1,6}")
        .list.eval(pl.element().str.replace_all(" ", "", literal=True))
        .list.unique(maintain_order=True)
    )


_LEGAL_STATUS_WORDS: dict[str, str] = {
    "ACTIVE": "active",
    "PATENTED": "active",
    "GRANTED": "active",
    "IN FORCE": "active",
    "ALIVE": "active",
    "PENDING": "pending",
    "SEARCHING": "pending",
    "EXAMINING": "pending",
    "PUBLISHED": "pending",
    "DISCONTINUED": "discontinued",
    "WITHDRAWN": "discontinued",
    "ABANDONED": "discontinued",
    "REJECTED": "discontinued",
    "REFUSED": "discontinued",
    "EXPIRED": "expired",
    "INACTIVE": "inactive",
    "LAPSED": "inactive",
    "REVOKED": "inactive",
    "CEASED": "inactive",
    "DEAD": "inactive",
    "UNKNOWN": "unknown",
}


assert set(_LEGAL_STATUS_WORDS.values()) <= set(LEGAL_STATUSES)


def legal_status(expr: pl.Expr) -> pl.Expr:
    """The source's status in Intelli's vocabulary (`LEGAL_STATUSES`); an unknown word is "unknown"."""
    word = text(expr).str.to_uppercase().str.replace_all(r"[\s_\-]+", " ")
    return pl.when(word.is_not_null()).then(
        word.replace_strict(_LEGAL_STATUS_WORDS, default="unknown", return_dtype=pl.String)
    )


def unique_values(frame: pl.DataFrame, column: str) -> pl.Series:
    """The distinct non-null values of a (list) column: what a per-value transform must see."""
    values = frame.get_column(column)
    if isinstance(values.dtype, pl.List):
        values = values.explode()
    return values.drop_nulls().unique()


def map_lists(
    frame: pl.DataFrame, column: str, table: pl.DataFrame, values: Mapping[str, pl.Expr]
) -> pl.DataFrame:
    """Replace each value of a list column by its row in `table`, then rebuild one list per row.

    `table` has one row per distinct value (key column named `column`); `values` maps each output
    column to an aggregation over the matched table columns, e.g. the cleaned names, non-empty
    and once each. Done as explode, hash join and group-by, which is ten times faster than
    `list.eval(replace_strict(...))` on 300,000 names. A row whose list is empty or null gets [].
    """
    joined = _exploded(frame, column).join(table, on=column, how="left", maintain_order="left")
    return _regrouped(frame, joined, values)


def transform_lists(
    frame: pl.DataFrame,
    column: str,
    transform: Callable[[pl.DataFrame], pl.DataFrame],
    values: Mapping[str, pl.Expr],
) -> pl.DataFrame:
    """`map_lists` for values that seldom repeat (publication numbers): `transform` adds columns to
    the exploded values themselves (`column`, null for an empty list), with no table to look up."""
    return _regrouped(frame, transform(_exploded(frame, column)), values)


def _exploded(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    rows = frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_list_row"), column)
    return rows.explode(column, empty_as_null=True, keep_nulls=True)  # every row stays


def _regrouped(frame: pl.DataFrame, exploded: pl.DataFrame, values: Mapping[str, pl.Expr]) -> pl.DataFrame:
    grouped = exploded.group_by("_list_row", maintain_order=True).agg(
        expression.alias(name) for name, expression in values.items()
    )
    return frame.with_columns(grouped.get_column(name) for name in values)


def distinct(expr: pl.Expr) -> pl.Expr:
    """The non-null, non-empty values of a group, once each, in their order (an aggregation)."""
    return expr.filter(expr.is_not_null() & (expr.cast(pl.String).str.len_chars() > 0)).unique(
        maintain_order=True
    )


def with_applicants(
    frame: pl.DataFrame, cell: str, split: Callable[[pl.Expr], pl.Expr], *, countries: str | None = None
) -> pl.DataFrame:
    """Add `applicants_raw` (the names `split` finds in column `cell`), `applicants` (cleaned) and,
    when asked, their "[CC]" countries; worked out once per distinct cell (see
    `with_per_distinct_cells`). Without a `cell` column, every row has none."""

    def build(rows: pl.DataFrame) -> pl.DataFrame:
        source = pl.col(cell) if cell in rows.columns else pl.lit(None, dtype=pl.String)
        rows = rows.with_columns(split(source).alias("applicants_raw"))
        return with_names(rows, "applicants_raw", names="applicants", countries=countries, applicants=True)

    if cell not in frame.columns:
        return build(frame)
    outputs = ["applicants_raw", "applicants", *([countries] if countries else [])]
    return with_per_distinct_cells(frame, cell, build, outputs)


def with_names(
    frame: pl.DataFrame, raw: str, *, names: str, countries: str | None, applicants: bool
) -> pl.DataFrame:
    """Add cleaned names (and "[CC]" countries) for a list column of raw names.

    Exports repeat names a lot (a 100,000-record export names ~20,000 applicants), so each
    distinct raw name is cleaned once and the results are looked up.
    """
    keys = unique_values(frame, raw)
    table = keys.to_frame(raw).with_columns(clean_names(keys, applicants=applicants).alias("_clean"))
    values = {names: distinct(pl.col("_clean"))}
    if countries:
        table = table.with_columns(country_of(pl.col(raw)).alias("_country"))
        values[countries] = distinct(pl.col("_country"))
    return map_lists(frame, raw, table, values)


# --- Dates ----------------------------------------------------------------------------------------

_SLASHED = r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$"
EARLIEST_YEAR = 1700  # the oldest patents in the databases are 18th century
EXAMPLES_IN_WARNINGS = 3


def _slash_order(tokens: pl.Series, *, two_digit_day_first: bool, label: str, warnings: list[str]) -> bool:
    """True when slashed dates are day first, decided from the values of the whole file."""
    parts = tokens.str.extract_groups(_SLASHED).struct.unnest().drop_nulls()
    if not parts.height:
        return True
    first, second = parts.get_column(parts.columns[0]), parts.get_column(parts.columns[1])
    day_first_seen = bool((first.cast(pl.Int32) > 12).any())
    month_first_seen = bool((second.cast(pl.Int32) > 12).any())
    if day_first_seen and not month_first_seen:
        return True
    if month_first_seen and not day_first_seen:
        return False
    two_digit_years = bool(parts.get_column(parts.columns[2]).str.len_chars().eq(2).all())
    unpadded = bool((first.str.len_chars().eq(1) | second.str.len_chars().eq(1)).any())
    if day_first_seen and month_first_seen:
        day_first = not unpadded
        warnings.append(
            f"{label}: some dates are written day/month and others month/day; they were read as "
            f"{'day/month' if day_first else 'month/day'}, so a few may be wrong."
        )
        return day_first
    day_first = two_digit_day_first if two_digit_years else not unpadded
    example = f"{first[0]}/{second[0]}/{parts.get_column(parts.columns[2])[0]}"
    reason = " (Excel writes unpadded dates in the US order)" if not day_first else ""
    warnings.append(
        f"{label}: no date says whether its slashes are day/month or month/day (e.g. '{example}'); they "
        f"were read as {'day/month' if day_first else 'month/day'}{reason}. Check the year charts "
        "against the export."
    )
    return day_first


def _date_expr(token: pl.Expr, *, day_first: bool) -> pl.Expr:
    slashed = token.str.extract_groups(_SLASHED)
    a, b, y = (slashed.struct.field(name) for name in ("1", "2", "3"))
    day, month = (a, b) if day_first else (b, a)
    this_year = dt.date.today().year
    short = y.cast(pl.Int32, strict=False)
    year = (
        pl.when(y.str.len_chars() == 2)
        .then(pl.when(short <= this_year % 100).then(short + 2000).otherwise(short + 1900))
        .otherwise(short)
    )
    return pl.coalesce(
        token.str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", 1).str.to_date("%Y-%m-%d", strict=False),
        token.str.to_date("%d.%m.%Y", strict=False),
        token.str.extract(r"^(\d{8})$", 1).str.to_date("%Y%m%d", strict=False),
        pl.format("{}-{}-{}", year, month, day).str.to_date("%Y-%m-%d", strict=False),
    )


_READ, _UNREADABLE, _IMPLAUSIBLE = 0, 1, 2


def parse_dates(
    frame: pl.DataFrame,
    columns: Mapping[str, str],
    *,
    label: str,
    warnings: list[str],
    two_digit_day_first: bool = True,
) -> pl.DataFrame:
    """Add date columns (output name -> source text column), in any of the formats above.

    A 100,000-record export holds a few thousand distinct dates: each is parsed once.
    """
    if not columns:
        return frame
    texts = frame.select(pl.col(source).str.strip_chars().alias(target) for target, source in columns.items())
    keys = pl.concat([texts.get_column(name) for name in texts.columns]).drop_nulls().unique()
    keys = keys.filter(keys.str.len_chars() > 0)
    tokens = keys.str.extract(r"^(\S+)", 1)
    day_first = _slash_order(
        tokens.drop_nulls(), two_digit_day_first=two_digit_day_first, label=label, warnings=warnings
    )
    latest = dt.date(dt.date.today().year + 1, 12, 31)
    table = (
        tokens.to_frame("token")
        .select(_date_expr(pl.col("token"), day_first=day_first).alias("read"))
        .with_columns(pl.col("read").is_between(dt.date(EARLIEST_YEAR, 1, 1), latest).alias("plausible"))
        .select(
            pl.when(pl.col("plausible")).then(pl.col("read")).alias("date"),
            pl.when(pl.col("read").is_null())
            .then(_UNREADABLE)
            .when(~pl.col("plausible"))
            .then(_IMPLAUSIBLE)
            .otherwise(_READ)
            .cast(pl.Int8)
            .alias("state"),
        )
    )
    dates, states = table.get_column("date"), table.get_column("state")
    converted = texts.select(
        pl.col(name).replace_strict(keys, dates, default=None, return_dtype=pl.Date) for name in texts.columns
    )
    implausible = 0
    for name in texts.columns:
        # Why a date is missing is looked up only where one is (a text that was not read).
        written = texts.get_column(name)
        missing = written.filter(converted.get_column(name).is_null() & (written.str.len_bytes() > 0))
        state = missing.replace_strict(keys, states, default=_READ, return_dtype=pl.Int8)
        implausible += int((state == _IMPLAUSIBLE).sum())
        unreadable = missing.filter(state == _UNREADABLE)
        if len(unreadable):
            examples = ", ".join(f"'{value}'" for value in unreadable.unique(maintain_order=True).head(3))
            what = name.strip("_").replace("_", " ")
            warnings.append(
                f"{label}: {len(unreadable):,} {what}s could not be read as dates (e.g. {examples}) and "
                "were left empty."
            )
    if implausible:
        warnings.append(
            f"{label}: {implausible:,} dates before {EARLIEST_YEAR} or after {latest.year} were left empty."
        )
    return frame.with_columns(converted)


# --- The table ------------------------------------------------------------------------------------


def _has_value(name: str, dtype: Any) -> pl.Expr:
    column = pl.col(name)
    if isinstance(dtype, pl.List):
        return column.list.len().fill_null(0) > 0
    if dtype == pl.String:
        return column.str.len_chars().fill_null(0) > 0
    return column.is_not_null()


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the canonical columns, types and order (absent ones null)."""
    schema = publication_schema()
    return frame.select(
        (pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype)).alias(name)
        for name, dtype in schema.items()
    )


def richness() -> pl.Expr:
    """How many canonical fields a row fills: on duplicates, the richer row is kept."""
    return pl.sum_horizontal(
        _has_value(name, dtype).cast(pl.Int32) for name, dtype in publication_schema().items()
    )


def finish(frame: pl.DataFrame, *, label: str, warnings: list[str], filename: str) -> pl.DataFrame:
    """Conform, drop rows without a publication number, keep one row per number (the richest)."""
    frame = conform(frame)
    without_number = int(frame.get_column("publication_number").is_null().sum())
    if without_number:  # filtering copies every column: only when there is something to drop
        frame = frame.filter(pl.col("publication_number").is_not_null())
        rows = "row has" if without_number == 1 else "rows have"
        warnings.append(f"{label}: {without_number:,} {rows} no publication number and were skipped.")
    if not frame.height:
        raise ParseError(
            f"{describe(filename)} is {label}, but it lists no publication. Export the search results "
            "again (with at least one result) and upload that file.",
            code="no_records",
        )
    before = frame.height
    if not frame.get_column("publication_number").is_unique().all():
        # Which rows to keep is decided on a narrow frame; the wide one (lists of names and codes)
        # is gathered once, instead of being copied by two sorts.
        keep = (
            frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), "publication_number")
            .with_columns(frame.select(richness()).to_series().alias("_richness"))
            .sort(["_richness", "_row"], descending=[True, False])
            .unique("publication_number", keep="first")
            .get_column("_row")
            .sort()
        )
        frame = frame[keep]
    if repeated := before - frame.height:
        warnings.append(
            f"{label}: {repeated:,} rows repeat a publication already listed (same publication number); "
            "each publication is kept once."
        )
    return frame


def coverage(frame: pl.DataFrame) -> dict[str, float]:
    """The share of records that carry each field (0 to 1, 4 decimals)."""
    if not frame.height:
        return {}
    schema = {name: dtype for name, dtype in frame.schema.items() if name != "source"}
    counts = frame.select(_has_value(name, dtype).sum().alias(name) for name, dtype in schema.items())
    return {name: round(int(counts.get_column(name)[0]) / frame.height, 4) for name in schema}
