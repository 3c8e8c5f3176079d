"""The parsers on the real exports in ../shared/data, with facts checked by hand in Excel.

Those files are not part of the project: on a fresh clone they are absent and these tests skip.
"""

from __future__ import annotations

import json

import pytest

from apps.datasets.canonical import Field
from apps.datasets.parsers import ParseResult, detect_format, parse_export
from apps.datasets.parsers.espacenet_filters import FACET_HEADERS
from conftest import shared_file

QUERY = (
    '(ctxt all "plant*" OR ctxt all "phytorem*") AND ctxt=("heavy" prox/distance<3 "metal") '
    'AND (cpc any "G01N27" OR cpc any "G01N33")'
)


@pytest.fixture(scope="module")
def filters_bytes() -> bytes:
    return shared_file("espacenet-filters.xlsx").read_bytes()  # skips when absent


@pytest.fixture(scope="module")
def filters_export(filters_bytes) -> ParseResult:
    return parse_export(filters_bytes, filename="espacenet-filters.xlsx")


def test_detected_as_espacenet_filters(filters_bytes):
    assert detect_format(filters_bytes) == "espacenet_filters"


def test_query_sheet(filters_export):
    assert filters_export.summary["records"] == 241
    assert filters_export.summary["query"] == QUERY
    assert filters_export.canonical.meta["query_language"] == "en / de / fr"
    assert filters_export.canonical.meta["filters"] is None


def test_all_thirteen_facets(filters_export):
    assert filters_export.canonical.fields() == frozenset(FACET_HEADERS.values())
    assert len(filters_export.summary["facets"]) == 13


def test_hand_checked_counts(filters_export):
    canonical = filters_export.canonical

    assert dict(canonical.counts(Field.PUBLICATION_YEAR).rows)["2023"] == 43
    assert canonical.counts(Field.PUBLICATION_YEAR).total == 241  # one earliest publication per family
    assert canonical.counts(Field.PRIORITY_YEAR).total == 241
    assert canonical.counts(Field.APPLICANT).rows[0] == ("UNIV ZHEJIANG", 7)
    assert canonical.counts(Field.COUNTRY).rows[0] == ("CN", 192)
    assert canonical.counts(Field.CPC_MAIN_GROUP).rows[0] == ("G01N33", 217)
    assert canonical.counts(Field.INVENTOR).rows[0] == ("MA LI", 4)
    assert filters_export.summary["year_range"] == [1973, 2023]


def test_cut_lists_are_marked_and_warned(filters_export):
    facets = filters_export.summary["facets"]

    assert facets["inventor"]["truncated"] is True
    assert facets["cpc_subgroup"]["truncated"] is True
    assert facets["applicant"]["truncated"] is False
    assert facets["country"]["truncated"] is False
    assert any(w.startswith("Sheet 'Inventors' stops at 1,000 rows") for w in filters_export.warnings)


def test_sheet_name_cut_short_is_mapped_by_its_header(filters_export):
    facet = filters_export.canonical.counts(Field.PUBLICATION_YEAR)

    assert facet.source == "sheet 'Earliest publication date (fam'"
    assert len(facet.rows) == 22


def test_inventor_spelled_with_a_double_space_is_merged(filters_export):
    # Espacenet lists "BRYANT JR JERRY L" (2) and "BRYANT JR  JERRY L" (1) as two rows.
    assert dict(filters_export.canonical.counts(Field.INVENTOR).rows)["BRYANT JR JERRY L"] == 3
    assert any("'BRYANT JR JERRY L'" in w for w in filters_export.warnings)


def test_summary_is_json_serialisable(filters_export):
    assert json.loads(json.dumps(filters_export.summary)) == filters_export.summary


# --- Record-level exports ---------------------------------------------------------------------------
# Counts checked independently: each file read with Python's csv module (Espacenet decoded line by
# line, UTF-8 falling back to Windows-1252), rows and non-empty cells per column counted.

# file -> (format, records, {canonical field: publications carrying it}); fields absent are 0.
REAL_RECORD_EXPORTS = {
    "espacenet-results.csv": (
        "espacenet_results",
        307,
        {
            "publication_number": 307, "jurisdiction": 307, "kind": 307, "family_id": 307,
            "priority_date": 307, "publication_date": 307, "title": 307, "abstract": 307, "applicants": 307,
            "applicants_raw": 307,
            "applicant_countries": 307, "inventors": 307, "inventor_countries": 301, "cpc": 307, "ipc": 307,
            "family_members": 307,
            # rows whose numbers and dates pair one to one and that list a B publication
            "grant_date": 237,
        },
    ),
    "google-patents.csv": (
        "google_patents",
        536,
        {
            "publication_number": 536, "jurisdiction": 536, "kind": 536, "title": 536,
            "publication_date": 536,
            "priority_date": 528, "application_date": 529, "grant_date": 234, "applicants": 506,
            "applicants_raw": 506, "inventors": 439,
        },
    ),
    "lens-export.csv": (
        "lens",
        130,
        {
            "publication_number": 130, "jurisdiction": 130, "kind": 130, "family_id": 130,
            "application_date": 130, "priority_date": 130, "publication_date": 130, "title": 130,
            "abstract": 130, "applicants": 130, "applicants_raw": 130, "inventors": 130, "cpc": 130,
            "ipc": 130,
            "legal_status": 130, "cited_by_count": 130, "cites_count": 130, "family_size": 130,
            "family_members": 130,
            "grant_date": 55,  # Document Type "Granted Patent"
        },
    ),
}  # fmt: skip


@pytest.fixture(scope="module", params=list(REAL_RECORD_EXPORTS))
def record_export(request) -> tuple[str, ParseResult]:
    data = shared_file(request.param).read_bytes()
    return request.param, parse_export(data, filename=request.param)


def test_record_exports_parse_with_hand_counted_records_and_coverage(record_export):
    name, result = record_export
    key, records, carried = REAL_RECORD_EXPORTS[name]

    assert result.summary["format"] == key
    assert result.summary["records"] == result.canonical.publications.height == records
    counted = {field: round(share * records) for field, share in result.summary["coverage"].items()}
    assert counted == {field: carried.get(field, 0) for field in counted}
    assert result.warnings == ()


def test_espacenet_results_real_export():
    result = parse_export(shared_file("espacenet-results.csv").read_bytes())
    canonical = result.canonical

    assert canonical.meta["encoding"] == "utf-8 mixed with windows-1252"  # 21 lines are not UTF-8
    assert canonical.meta["results_found"] == 307
    assert result.summary["query"].startswith('(ctxt any "fuel" AND (ctxt any "assemb*"')
    assert canonical.counts(Field.PUBLICATION_YEAR).rows[0] == ("2010", 22)
    assert dict(canonical.counts(Field.COUNTRY).rows) == {"EP": 287, "FR": 20}
    assert canonical.counts(Field.APPLICANT).rows[:2] == (("WESTINGHOUSE ELECTRIC", 48), ("AREVA NP", 40))
    assert result.summary["year_range"] == [2005, 2025]


def test_google_patents_real_export():
    result = parse_export(shared_file("google-patents.csv").read_bytes())
    applicants = dict(result.canonical.counts(Field.APPLICANT).rows)

    assert result.summary["query"] == "CPC=A63B59/40"
    assert applicants["杭州乾博科技"] == 17  # "杭州乾博科技有限公司": the Chinese company form goes
    assert applicants["GEARBOX"] >= 1 and "INC" not in applicants  # "Gearbox, Inc." is one company
    # Old German publications name one applicant with an address; none of it becomes a "company".
    assert applicants["SCHNEIDER MICHAEL"] == 8 and "DE" not in applicants
    assert result.summary["year_range"] == [1871, 2021]


def test_lens_real_export():
    result = parse_export(shared_file("lens-export.csv").read_bytes())
    canonical = result.canonical

    assert canonical.meta["lens_generation"] == "current (37 columns)"
    assert dict(canonical.counts(Field.LEGAL_STATUS).rows) == {
        "active": 68, "discontinued": 25, "pending": 22, "inactive": 10, "expired": 5,
    }  # fmt: skip
    assert canonical.counts(Field.APPLICANT).rows[:2] == (
        ("SANGAMO THERAPEUTICS", 130),
        ("SANGAMO BIOSCIENCES", 30),
    )
