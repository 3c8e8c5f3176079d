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
