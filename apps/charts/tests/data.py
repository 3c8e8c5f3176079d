"""Canonical data for the charts tests: small hand-made datasets and a reader for the real export.

The reader below is deliberately minimal and lives with the tests: the charts must be checked
against the real Espacenet workbook without depending on the ingestion code being written in
parallel, so the facts asserted are facts about the file, read here with openpyxl.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

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


def canonical(source_format: str = "test", **facets: Mapping[str, int] | Facet) -> CanonicalData:
    """`canonical(publication_year={"2019": 3}, applicant=facet(...))`: keys are `Field` values."""
    built = {}
    for name, value in facets.items():
        field = Field(name)
        built[field] = value if isinstance(value, Facet) else facet(field, value)
    return CanonicalData(source_format=source_format, facets=built)


def sample_data() -> CanonicalData:
    """A small dataset with every field the eight analyses read, for rendering tests."""
    years = {"2012": 1, "2014": 3, "2015": 2, "2016": 6, "2017": 5, "2018": 9, "2019": 8, "2020": 12}
    return canonical(
        "lens_patents",
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
