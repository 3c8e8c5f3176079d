"""Canonical data for the charts tests: small hand-made datasets and a reader for the real export.

The reader below is deliberately minimal and lives with the tests: the charts must be checked
against the real Espacenet workbook without depending on the ingestion code being written in
parallel, so the facts asserted are facts about the file, read here with openpyxl.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from apps.datasets.canonical import CanonicalData, Facet, Field

# ../shared/data relative to the project root (see that folder's README); absent on a fresh clone.
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
ESPACENET_FILTERS = SHARED_DATA / "espacenet-filters.xlsx"

# Cell A1 of each sheet names its facet (sheet names are cut at 31 characters, A1 is not).
SHEET_FIELDS = {
    "Earliest publication date (family)": Field.PUBLICATION_YEAR,
    "Earliest priority date": Field.PRIORITY_YEAR,
    "Applicants": Field.APPLICANT,
    "Inventors": Field.INVENTOR,
    "Countries (family)": Field.COUNTRY,
    "CPC main groups": Field.CPC_MAIN_GROUP,
    "CPC subgroups": Field.CPC_SUBGROUP,
}
# Espacenet lists at most 1,000 inventors and about 150 subgroups: those sheets are top lists.
TRUNCATED_SHEETS = {"Inventors", "CPC subgroups"}


def facet(field: Field, counts: Mapping[str, int], *, truncated: bool = False) -> Facet:
    """A facet with its rows in the canonical order: largest first, then by key."""
    rows = tuple(sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0])))
    return Facet(field=field, rows=rows, truncated=truncated, source=f"test {field.value}")


def canonical(
    source_format: str = "test", publications: Any = None, **facets: Mapping[str, int] | Facet
) -> CanonicalData:
    """`canonical(publication_year={"2019": 3}, applicant=facet(...))`: keys are `Field` values."""
    built = {}
    for name, value in facets.items():
        field = Field(name)
        built[field] = value if isinstance(value, Facet) else facet(field, value)
    return CanonicalData(source_format=source_format, facets=built, publications=publications)


def sample_data() -> CanonicalData:
    """A small dataset with every field the analyses read, for rendering tests: the eight classic
    analyses read its facets, the record-level ones its publications (`RECORD_ROWS`)."""
    years = {"2012": 1, "2014": 3, "2015": 2, "2016": 6, "2017": 5, "2018": 9, "2019": 8, "2020": 12}
    return canonical(
        "lens_patents",
        publications=publications_frame(RECORD_ROWS),
        publication_year=years,
        priority_year={str(int(y) - 1): c for y, c in years.items()},
        applicant={
            "UNIV ZHEJIANG": 7,
            "SIEMENS AG": 5,
            "A VERY LONG APPLICANT NAME THAT WOULD NOT FIT BESIDE THE BARS CO LTD": 4,
            "ACME": 2,
        },
        inventor=facet(
            Field.INVENTOR, {"MA LI": 4, "CHEN WEI": 3, "GARCÍA PÉREZ, JOSÉ": 3, "LI NA": 1}, truncated=True
        ),
        country={"CN": 20, "US": 9, "EP": 7, "WO": 6, "ES": 2, "DE": 2},
        cpc_main_group={f"G01N{n}": 40 - n for n in range(1, 20)}
        | {"A01B79": 9, "Y02A20": 8, "C02F1": 7, "H01M10": 3},
        cpc_subgroup={"G01N33/24": 30, "G01N33/18": 12, "B09C1/10": 5, "C02F1/28": 2},
    )


def read_espacenet_filters(path: Path) -> CanonicalData:
    """The facets of an Espacenet "Filters" workbook that the charts read."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    facets: dict[Field, Facet] = {}
    try:
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            header = str(rows[0][0]) if rows and rows[0] else ""
            field = SHEET_FIELDS.get(header)
            if field is None:
                continue
            counts: dict[str, int] = {}
            for key, count in rows[1:]:
                if key is not None and count is not None:
                    counts[str(key)] = counts.get(str(key), 0) + int(count)
            facets[field] = facet(field, counts, truncated=header in TRUNCATED_SHEETS)
    finally:
        workbook.close()
    return CanonicalData(source_format="espacenet_filters", facets=facets)


# --- Record-level data ----------------------------------------------------------------------------
# Sixteen publications written out by hand, so the record-level analyses can be checked against
# figures computed in the tests with plain Python over these rows. They cover what real exports
# do: a family published in several offices, several applicants on one document, a document
# without date, applicant or family, citation counts missing, every legal status.


def _row(
    number: str,
    family: str | None,
    published: str | None,
    priority: str | None,
    applicants: list[str],
    cpc: list[str],
    status: str | None,
    cited_by: int | None,
    family_size: int | None,
    members: list[str],
    *,
    ipc: list[str] | None = None,
    title: str = "",
) -> dict:
    import datetime as dt

    def date(text: str | None) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    return {
        "publication_number": number,
        "jurisdiction": number[:2],
        "kind": number[-2:] if number[-2].isalpha() else number[-1:],
        "family_id": family,
        "application_date": date(priority),
        "priority_date": date(priority),
        "publication_date": date(published),
        "grant_date": date(published) if number.endswith(("B1", "B2")) else None,
        "title": title or f"Sensor arrangement {number}",
        "abstract": None,
        "applicants": applicants,
        "applicants_raw": applicants,
        "applicant_countries": [],
        "inventors": [f"INVENTOR {name}" for name in applicants],
        "inventor_countries": [],
        "cpc": cpc,
        "ipc": ipc if ipc is not None else [code.split("/")[0] + "/00" for code in cpc],
        "legal_status": status,
        "cited_by_count": cited_by,
        "cites_count": None if cited_by is None else 3,
        "family_size": family_size,
        "family_members": members,
        "source": "lens_patents",
    }


RECORD_ROWS: list[dict] = [
    _row("EP1A1", "F1", "2015-03-01", "2014-01-10", ["ACME"], ["G01N33/24", "G01N33/18", "A01B79/00"],
         "active", 12, 3, ["EP1A1", "US1B2", "CN1A"]),
    _row("US1B2", "F1", "2016-05-02", "2014-01-10", ["ACME"], ["G01N33/24", "A01B79/00"],
         "active", 30, 3, ["EP1A1", "US1B2", "CN1A"], title="=HYPERLINK(\"x\") sensor"),
    _row("CN1A", "F1", "2016-07-07", "2014-01-10", ["ACME", "BETA UNIV"], ["G01N33/24"],
         "pending", 0, 3, ["EP1A1", "US1B2", "CN1A"]),
    _row("US2A1", "F2", "2016-01-20", "2015-02-02", ["BETA UNIV"], ["G01N33/18", "C02F1/28"],
         "discontinued", 5, 1, ["US2A1"]),
    _row("WO3A1", "F3", "2017-02-02", "2016-02-02", ["GAMMA GMBH", "ACME"], ["C02F1/28", "C02F1/44"],
         "pending", 2, 2, ["WO3A1", "EP3A1"]),
    _row("EP3A1", "F3", "2018-03-03", "2016-02-02", ["GAMMA GMBH"], ["C02F1/28"],
         "pending", 1, 2, ["WO3A1", "EP3A1"]),
    _row("US4B1", "F4", "2018-04-04", "2017-01-01", ["DELTA CO"], ["H01M10/42", "G01N33/24"],
         "active", 8, 1, ["US4B1"]),
    _row("CN5A", "F5", "2018-09-09", "2017-06-06", ["BETA UNIV"], ["G01N33/18"],
         "inactive", 0, 1, ["CN5A"]),
    _row("JP6A", "F6", "2019-01-01", "2018-01-01", ["EPSILON KK"], ["H01M10/42"],
         "active", 3, 4, ["JP6A", "US6A1", "KR6A", "DE6A1"]),
    _row("US6A1", "F6", "2019-06-06", "2018-01-01", ["EPSILON KK", "ACME"], ["H01M10/42", "G01N33/24"],
         "pending", 0, 4, ["JP6A", "US6A1", "KR6A", "DE6A1"]),
    _row("EP7A1", "F7", "2020-02-02", "2019-02-02", ["DELTA CO"], ["G01N33/24"],
         "pending", 0, 1, ["EP7A1"]),
    _row("CN8A", "F8", "2020-05-05", "2019-05-05", ["ZETA LTD"], ["A01B79/00"],
         "pending", None, 2, ["CN8A", "CN8B"]),
    _row("US9A1", None, "2020-08-08", None, [], [], None, None, None, [], ipc=[]),
    _row("ES10A1", "F10", "2021-03-03", "2020-03-03", ["ETA SA"], ["G01N33/24"],
         "expired", 0, 1, ["ES10A1"]),
    _row("EP11A1", "F11", None, None, ["ACME"], ["G01N33/18"], "unknown", 0, 1, ["EP11A1"]),
    _row("US12B2", "F12", "2012-02-02", "2011-01-01", ["ACME"], ["G01N33/24"],
         "expired", 40, 2, ["US12B2", "GB12A"]),
]  # fmt: skip


def publications_frame(rows: list[dict]):
    """A publications table in the canonical schema from rows like `RECORD_ROWS`."""
    import polars as pl

    from apps.datasets.canonical import publication_schema

    return pl.DataFrame(rows, schema=publication_schema())


def records_data(rows: list[dict] | None = None, source_format: str = "lens_patents") -> CanonicalData:
    """Record-level data (no facets: every count comes from the publications)."""
    frame = publications_frame(RECORD_ROWS if rows is None else rows)
    return CanonicalData(source_format=source_format, meta={"records": frame.height}, publications=frame)
