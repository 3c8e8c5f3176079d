"""Lens.org patent exports (CSV), in the three generations of columns found in the wild.

- Current (37 columns): "#", Jurisdiction, Kind, Display Key ("US 9833479 B2"), Lens ID, dates,
  Title, Abstract, Applicants, Inventors, Owners, Document Type, citation counts, Simple/Extended
  Family Size and Members (as Lens IDs), CPC and IPCR Classifications, NPL columns, Legal Status.
- 2021 (31 columns): "Publication Number" instead of "Display Key", "Type" instead of "Document
  Type", "Owners (US)", no Legal Status.
- 2015 (25 columns): CR-only line ends and dates written "dd/mm/yy".

Columns are found by header, whatever their order. Every file is UTF-8 with a BOM; multi-value
cells are joined by ";;" and may repeat a value (the CPC list of the real export repeats nearly
every code), so values are kept once each. A row is one publication. Lens names families by Lens
IDs only, so the family id is "lens:" + the smallest Lens ID of the simple family (the same for
every member), and the family members are those of its publications the export itself lists.
Exports without the "Simple Family Members" column (2015, 2021) have no family id.

A Lens *scholarly* export (articles: "Source Title", "Publication Type", "Scholarly Citation
Count"...) is refused by `refuse_scholarly` with what to export instead.
"""

from __future__ import annotations

import polars as pl

from apps.datasets.canonical import CanonicalData

from . import records, sources
from .errors import ParseError, describe
from .sources import Source

FORMAT_KEY = "lens"
FORMAT_LABEL = "Lens.org patent export"
EXPECTS = (
    "a Lens.org patent export (CSV) — columns such as 'Lens ID', 'Jurisdiction', 'Kind', 'Display Key' "
    "or 'Publication Number', 'Applicants' and 'Publication Date'"
)
LABEL = "a Lens.org patent export"
SEPARATOR = ";;"

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("Display Key", "Publication Number"),
    "jurisdiction": ("Jurisdiction",),
    "kind": ("Kind",),
    "lens_id": ("Lens ID",),
    "publication_date": ("Publication Date",),
    "application_date": ("Application Date",),
    "priority_date": ("Earliest Priority Date",),
    "title": ("Title",),
    "abstract": ("Abstract",),
    "applicants": ("Applicants",),
    "inventors": ("Inventors",),
    "document_type": ("Document Type", "Type"),
    "cites": ("Cites Patent Count",),
    "cited_by": ("Cited by Patent Count",),
    "family_size": ("Simple Family Size",),
    "family_members": ("Simple Family Members",),
    "cpc": ("CPC Classifications",),
    "ipc": ("IPCR Classifications", "IPC Classifications"),
    "legal_status": ("Legal Status",),
}
GENERATIONS = {37: "current (37 columns)", 31: "2021 (31 columns)", 25: "2015 (25 columns)"}
_SCHOLARLY_COLUMNS = frozenset(
    {
        "source title",
        "scholarly citation count",
        "citing patents count",
        "citing works count",
        "publication type",
        "author/s",
        "date published",
        "issns",
    }
)
_PATENT_COLUMNS = frozenset({"jurisdiction", "kind", "display key", "publication number"})


def _header_cells(head: str) -> list[str]:
    first = head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    return records.line_cells(first)


def _header_keys(head: str) -> set[str]:
    return {records.header_key(cell) for cell in _header_cells(head)}


def sniff(head: str) -> bool:
    keys = _header_keys(head)
    return "lens id" in keys and "jurisdiction" in keys and bool(keys & (_PATENT_COLUMNS - {"jurisdiction"}))


def refuse_scholarly(head: str, filename: str) -> ParseError | None:
    """A Lens scholarly export (articles, not patents) gets its own message."""
    keys = _header_keys(head)
    if "lens id" in keys and keys & _SCHOLARLY_COLUMNS and not keys & _PATENT_COLUMNS:
        return ParseError(
            f"{describe(filename)} is a Lens.org scholarly export (articles and their citations), not a "
            "patent export. Intelli charts patents: on lens.org, run the search under Patents (not "
            "Scholarly Works), then Export > CSV, and upload that file.",
            code="scholarly_export",
        )
    return None


def parse(data: Source, *, filename: str = "") -> tuple[CanonicalData, list[str]]:
    head, _ = records.decode_text(sources.head(data, records.HEAD_BYTES))
    width = len(_header_cells(head))
    frame, encoding = records.read_csv(data, separator=",", filename=filename, what=LABEL, wanted=COLUMNS)
    warnings: list[str] = []
    found = records.find_columns(frame.columns, COLUMNS)
    missing = [role for role in ("lens_id", "number") if role not in found]
    if missing:
        raise ParseError(
            f"{describe(filename)} looks like a Lens.org export but has no "
            f"{' or '.join(repr(COLUMNS[role][0]) for role in missing)} column. Intelli expected {EXPECTS}.",
            code="no_header",
        )
    generation = GENERATIONS.get(width, f"{width} columns")
    frame = frame.select(pl.col(column).alias(f"in_{role}") for role, column in found.items())
    frame = _columns(frame, found)
    frame = records.parse_dates(
        frame,
        {
            "publication_date": "_publication_date",
            "application_date": "_application_date",
            "priority_date": "_priority_date",
        },
        label="Lens.org export",
        warnings=warnings,
    )
    granted = pl.col("_document_type").str.to_lowercase().str.contains("grant")
    frame = frame.with_columns(pl.when(granted).then(pl.col("publication_date")).alias("grant_date"))
    frame = _family_members(frame)
    frame = records.finish(frame, label=LABEL, warnings=warnings, filename=filename)
    meta = {"records": frame.height, "lens_generation": generation, "encoding": encoding}
    return CanonicalData(source_format=FORMAT_KEY, meta=meta, publications=frame), warnings


def _columns(frame: pl.DataFrame, found: dict[str, str]) -> pl.DataFrame:
    """The canonical columns, in steps that each drop the source columns they consumed.

    A 100,000-row export's columns weigh ~60 MB; dropped as they are used (taken from the caller's
    frame, see `records.take`), their memory is reused by the next step instead of adding to the
    worker's peak.
    """

    frame = records.take(frame)

    def column(role: str) -> pl.Expr:
        return pl.col(f"in_{role}") if role in found else pl.lit(None, dtype=pl.String)

    def consumed(*roles: str) -> list[str]:
        return [f"in_{role}" for role in roles if role in found]

    frame = records.with_publication_numbers(frame, column("number"), kind=column("kind"))
    frame = frame.drop(consumed("number", "kind"))
    frame = records.with_applicants(
        frame, "in_applicants", lambda cell: records.split_values(cell, SEPARATOR)
    )
    frame = frame.with_columns(
        records.split_values(column("inventors"), SEPARATOR, unique=False).alias("_inventors_raw"),
        records.split_values(column("family_members"), SEPARATOR).alias("_members"),
        records.text(column("lens_id")).alias("_lens_id"),
    ).drop(consumed("applicants", "inventors", "family_members", "lens_id"))
    frame = records.with_names(frame, "_inventors_raw", names="inventors", countries=None, applicants=False)
    # Cells that repeat (a family's codes, a handful of statuses, small counts): once per value.
    codes, number = records.classification_codes, records.whole_number
    frame = records.with_per_distinct(
        frame.drop("_inventors_raw"),
        {
            "cpc": (column("cpc"), codes),
            "ipc": (column("ipc"), codes),
            "legal_status": (column("legal_status"), records.legal_status),
            "cited_by_count": (column("cited_by"), number),
            "cites_count": (column("cites"), number),
            "family_size": (column("family_size"), number),
        },
    )
    frame = frame.drop(consumed("cpc", "ipc", "legal_status", "cited_by", "cites", "family_size"))
    # Without the members column (older exports), the family is unknown rather than one per row.
    family_key = pl.when(pl.col("_members").list.len() > 0).then(
        pl.min_horizontal(pl.col("_members").list.eval(pl.element().min()).list.first(), pl.col("_lens_id"))
    )
    return (
        frame.with_row_index("_row")
        .with_columns(
            pl.coalesce(
                records.text(column("jurisdiction")).str.to_uppercase(), pl.col("jurisdiction")
            ).alias("jurisdiction"),
            (pl.lit("lens:") + family_key).alias("family_id"),
            records.text(column("title")).alias("title"),
            records.text(column("abstract")).alias("abstract"),
            column("publication_date").alias("_publication_date"),
            column("application_date").alias("_application_date"),
            column("priority_date").alias("_priority_date"),
            records.text(column("document_type")).alias("_document_type"),
            pl.lit(FORMAT_KEY).alias("source"),
        )
        .drop(name for name in frame.columns if name.startswith("in_"))
    )


def _family_members(frame: pl.DataFrame) -> pl.DataFrame:
    """Each publication's family members, as the publication numbers of those the export lists."""
    numbers = frame.select(pl.col("_lens_id").alias("_member"), pl.col("publication_number").alias("_number"))
    numbers = numbers.drop_nulls().unique("_member", keep="first")
    members = (
        frame.select("_row", pl.col("_members").alias("_member"))
        .explode("_member")
        .join(numbers, on="_member", how="inner")
        .group_by("_row")
        .agg(pl.col("_number").unique(maintain_order=True).alias("family_members"))
    )
    # Joined on the row numbers alone: a join of the wide frame would copy every column.
    joined = frame.select("_row").join(members, on="_row", how="left", maintain_order="left")
    return frame.drop("_members").with_columns(joined.get_column("family_members"))
