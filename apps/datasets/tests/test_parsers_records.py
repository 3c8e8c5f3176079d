"""Record-level exports (Espacenet results, Lens.org, Google Patents) on generated fixtures.

Each builder in `fixtures_records` writes the same six publications the way one export variant
writes them, quirks included; every variant must arrive at the same canonical values (`SAMPLES`).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook

from apps.datasets.canonical import Field
from apps.datasets.parsers import ParseError, detect_format, parse_export

from . import fixtures_records as fx

# name -> (builder, detected format, canonical fields the variant cannot carry)
ESPACENET_LACKS = {"application_date", "legal_status", "cited_by_count", "cites_count", "family_size"}
GOOGLE_LACKS = {
    "family_id", "abstract", "applicant_countries", "inventor_countries", "cpc", "ipc", "legal_status",
    "cited_by_count", "cites_count", "family_size", "family_members",
}  # fmt: skip
LENS_LACKS_ALWAYS = {"applicant_countries", "inventor_countries"}
VARIANTS = {
    "espacenet-csv": (fx.build_espacenet_csv, "espacenet_results", ESPACENET_LACKS),
    "espacenet-xlsx": (fx.build_espacenet_xlsx, "espacenet_results_xlsx", ESPACENET_LACKS),
    "espacenet-xlsx-no-abstract": (
        lambda: fx.build_espacenet_xlsx(abstract=False),
        "espacenet_results_xlsx",
        ESPACENET_LACKS | {"abstract"},
    ),
    "lens-current": (fx.build_lens_csv, "lens", LENS_LACKS_ALWAYS),
    "lens-2021": (
        lambda: fx.build_lens_csv(generation="2021"),
        "lens",
        LENS_LACKS_ALWAYS | fx.LENS_LACKS["2021"],
    ),
    "lens-2015": (
        lambda: fx.build_lens_csv(generation="2015"),
        "lens",
        LENS_LACKS_ALWAYS | fx.LENS_LACKS["2015"],
    ),
    "google": (fx.build_google_csv, "google_patents", GOOGLE_LACKS),
    "google-excel-dmy": (lambda: fx.build_google_csv(excel=True), "google_patents", GOOGLE_LACKS),
    "google-excel-mdy": (
        lambda: fx.build_google_csv(excel=True, date_style="mdy"),
        "google_patents",
        GOOGLE_LACKS,
    ),
}


def parsed(name: str):
    builder, _, _ = VARIANTS[name]
    return parse_export(builder(), filename="export.bin")  # the name never decides the format


def by_number(result) -> dict[str, dict]:
    return {row["publication_number"]: row for row in result.canonical.publications.iter_rows(named=True)}


def _encodable(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def refusal(data: bytes, filename: str = "upload.csv") -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_export(data, filename=filename)
    return caught.value


# --- Every variant ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_is_detected_by_content(name):
    builder, key, _ = VARIANTS[name]
    assert detect_format(builder(), filename="renamed.txt") == key


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_gives_the_same_publications(name):
    result = parsed(name)
    rows = by_number(result)

    assert result.summary["records"] == fx.RECORDS
    assert set(rows) == set(fx.BY_NUMBER)
    google = name.startswith("google")
    for number, sample in fx.BY_NUMBER.items():
        row = rows[number]
        assert row["jurisdiction"] == sample.jurisdiction
        assert row["publication_date"] == sample.publication_date, number
        assert row["priority_date"] == sample.priority_date, number
        assert row["title"] == sample.title
        expected = sample.expected_google_applicants if google else sample.expected_applicants
        if "excel" in name:  # saved as Windows-1252: Excel writes "?" for what it cannot encode
            expected = tuple(one for one in expected if _encodable(one))
        assert tuple(row["applicants"]) == expected, number
        assert tuple(row["inventors"]) == sample.expected_inventors, number


@pytest.mark.parametrize("name", VARIANTS)
def test_a_stored_file_reads_as_its_bytes(name, tmp_path):
    # Given an export stored under a name without extension (workers pass the stored file's path)
    builder, key, _ = VARIANTS[name]
    data = builder()
    stored = tmp_path / "upload"
    stored.write_bytes(data)

    # When it is read from its path, then it gives what its bytes give
    from_path, from_bytes = parse_export(stored, filename="upload"), parse_export(data, filename="upload")
    assert detect_format(stored) == key
    assert from_path.summary == from_bytes.summary
    assert from_path.canonical.publications.equals(from_bytes.canonical.publications, null_equal=True)


@pytest.mark.parametrize("name", VARIANTS)
def test_coverage_says_which_fields_each_variant_carries(name):
    _, _, lacks = VARIANTS[name]
    coverage = parsed(name).summary["coverage"]

    assert {field for field, share in coverage.items() if share == 0} == lacks
    assert coverage["publication_number"] == coverage["publication_date"] == 1.0


@pytest.mark.parametrize("name", VARIANTS)
def test_summary_is_json_serialisable(name):
    summary = parsed(name).summary
    assert json.loads(json.dumps(summary)) == summary
    assert summary["year_range"] == [2014, 2021]
    assert summary["record_level"] is True


# --- Espacenet results list ---------------------------------------------------------------------


def test_espacenet_csv_mixed_utf8_and_windows_1252_bytes():
    result = parsed("espacenet-csv")
    rows = by_number(result)

    assert result.canonical.meta["encoding"] == "utf-8 mixed with windows-1252"
    assert rows["US20200012345A1"]["abstract"] == "Procédé de fabrication à basse température."
    assert rows["US20200012345A1"]["title"] == "Método de síntesis de grafeno"  # the UTF-8 bytes
    assert rows["WO2021123456A1"]["abstract"] == "A spacer grid with springs at 15° to the axis."


def test_espacenet_multi_value_cells_countries_codes_and_family():
    rows = by_number(parsed("espacenet-csv"))
    ep, us, jp = rows["EP3000001A1"], rows["US20200012345A1"], rows["JP2016500006A"]

    assert ep["family_members"] == ["EP3000001A1", "EP3000001B1"]
    assert ep["grant_date"] == dt.date(2021, 3, 10)  # the B1's date, "yyyy-mm-dd" lines
    assert jp["grant_date"] is None  # two publications, one date: not paired
    assert rows["US9833479B2"]["grant_date"] == dt.date(2017, 12, 5)  # "dd.mm.yyyy"
    assert ep["applicant_countries"] == ["KR"] and us["applicant_countries"] == ["CN", "US"]
    assert us["inventor_countries"] == ["CN"]  # "MÜLLER ANNA" has no [CC]
    assert ep["applicants_raw"] == ["SAMSUNG SDI CO LTD [KR]"]
    assert ep["cpc"] == ["H01M4/583", "Y02E60/10"]  # "(EP,US)" suffixes gone, repeats once
    assert us["cpc"] == ["C01B32/184", "C01B32/194"]  # a combination set
    assert ep["family_id"] == jp["family_id"] == fx.LINKED_FAMILY_ID


def test_espacenet_search_comes_from_the_preamble():
    result = parse_export(fx.build_espacenet_csv(found=500))
    meta = result.canonical.meta

    assert result.summary["query"] == fx.QUERY
    assert meta["results_found"] == 500 and meta["query_language"] == "en / de / fr"
    assert meta["sort_by"] == "Relevance"
    assert any("found 500 results but the file lists 6" in warning for warning in result.warnings)


def test_espacenet_xlsx_maps_columns_by_header_and_reads_excel_dates():
    workbook = parsed("espacenet-xlsx")
    without_abstract = parsed("espacenet-xlsx-no-abstract")
    rows = by_number(workbook)

    assert rows["EP3000001A1"]["priority_date"] == dt.date(2018, 1, 15)  # a real date cell
    assert workbook.summary["query"] == fx.QUERY
    assert workbook.summary["coverage"]["abstract"] == 1.0
    assert without_abstract.summary["coverage"]["abstract"] == 0.0
    assert by_number(without_abstract)["EP3000001A1"]["title"] == fx.BY_NUMBER["EP3000001A1"].title


def test_espacenet_xlsx_columns_in_another_order():
    sample = fx.SAMPLES[2]
    header = ["Family number", "Publication number", "Title", "Applicants", "CPC", "Publication date"]
    values = [sample.family, sample.espacenet_numbers[0], sample.title, sample.espacenet_applicants[0],
              sample.cpc[0], sample.espacenet_dates[0]]  # fmt: skip
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Results"
    sheet.append(header)
    sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)

    row = by_number(parse_export(buffer.getvalue()))["US9833479B2"]
    assert row["applicants"] == ["SANGAMO THERAPEUTICS"] and row["cpc"] == ["C12N9/22"]
    assert row["publication_date"] == dt.date(2017, 12, 5) and row["family_id"] == "70000003"


# --- Lens.org -----------------------------------------------------------------------------------


def test_lens_multi_values_repeat_and_are_kept_once():
    rows = by_number(parsed("lens-current"))
    us = rows["US20200012345A1"]

    assert us["applicants_raw"] == ["UNIV TSINGHUA", "GEARBOX INC"]  # the repeat is gone
    assert rows["EP3000001A1"]["cpc"] == ["H01M4/583", "Y02E60/10"]  # the whole list was repeated


def test_lens_current_carries_status_citations_and_families():
    rows = by_number(parsed("lens-current"))

    for number, sample in fx.BY_NUMBER.items():
        row = rows[number]
        assert row["legal_status"] == sample.expected_legal_status
        assert (row["cited_by_count"], row["cites_count"]) == (sample.cited_by, sample.cites)
        assert row["family_size"] == sample.family_size
        assert tuple(row["cpc"]) == sample.expected_cpc and tuple(row["ipc"]) == sample.expected_ipc
    # The EP and JP publications share their Lens simple family.
    assert rows["EP3000001A1"]["family_id"] == rows["JP2016500006A"]["family_id"] == fx.LENS_LINKED_FAMILY_ID
    assert rows["EP3000001A1"]["family_members"] == ["EP3000001A1", "JP2016500006A"]
    assert rows["US9833479B2"]["grant_date"] == dt.date(2017, 12, 5)  # "Granted Patent"
    assert rows["EP3000001A1"]["grant_date"] is None  # an application


@pytest.mark.parametrize(
    ("generation", "label"), [("2021", "2021 (31 columns)"), ("2015", "2015 (25 columns)")]
)
def test_lens_older_generations(generation, label):
    data = fx.build_lens_csv(generation=generation)
    result = parse_export(data)

    assert result.canonical.meta["lens_generation"] == label
    assert by_number(result)["US20200012345A1"]["kind"] == "A1"  # from the Kind column
    assert result.warnings == ()
    if generation == "2015":
        assert b"\n" not in data and data.startswith(b"\xef\xbb\xbf")  # CR-only, BOM
        assert by_number(result)["CN104000004A"]["application_date"] == dt.date(2014, 5, 20)  # dd/mm/yy


def test_lens_scholarly_export_is_refused_with_what_to_export():
    error = refusal(fx.build_lens_scholarly_csv(), "lens-scholarly.csv")

    assert error.code == "scholarly_export"
    assert "scholarly" in str(error) and "Patents" in str(error)


def test_lens_header_without_rows_lists_no_publication():
    header_only = fx.build_lens_csv(samples=())
    assert refusal(header_only).code == "no_records"


# --- Google Patents -----------------------------------------------------------------------------


def test_google_search_url_and_query():
    meta = parsed("google").canonical.meta

    assert meta["search_url"] == fx.GOOGLE_URL
    assert meta["query"] == fx.GOOGLE_QUERY  # decoded twice, as Google encodes it
    assert meta["excel_resaved"] is False


def test_google_assignees_are_split_but_not_inside_company_names():
    rows = by_number(parsed("google"))

    assert rows["US20200012345A1"]["applicants_raw"] == ["Tsinghua University", "Gearbox, Inc."]
    assert rows["JP2016500006A"]["applicants_raw"] == ["トヨタ自動車株式会社", "Toyota Motor Co., Ltd."]
    assert rows["EP3000001A1"]["applicants_raw"] == ["Samsung Sdi Co., Ltd."]
    assert rows["WO2021123456A1"]["applicants_raw"] == ["Framatome", "Michelin Recherche Et Technique S.A."]


@pytest.mark.parametrize("style", ["dmy", "mdy"])
def test_google_excel_resave(style):
    data = fx.build_google_csv(excel=True, date_style=style)
    result = parse_export(data)

    assert not data.lower().startswith(b"search url") and b";" in data.splitlines()[0]
    assert result.canonical.meta["excel_resaved"] is True
    assert by_number(result)["US9833479B2"]["grant_date"] == dt.date(2017, 12, 5)


def test_google_excel_dates_no_value_decides_reads_unpadded_as_month_first_with_a_warning():
    sample = fx.SAMPLES[3]
    # Every day and month at most 12, and unpadded: the file itself cannot tell the order.
    day, other = dt.date(2014, 8, 7), dt.date(2014, 5, 2)
    changes = {"publication_date": day, "priority_date": other, "application_date": other}
    ambiguous = fx.Sample(**{**sample.__dict__, **changes})
    result = parse_export(fx.build_google_csv([ambiguous], excel=True, date_style="mdy"))

    assert by_number(result)["CN104000004A"]["publication_date"] == dt.date(2014, 8, 7)
    assert any("month/day" in warning for warning in result.warnings)


def test_google_over_a_thousand_rows_with_repeated_ids():
    result = parse_export(fx.build_google_csv(repeat_to=1200))

    assert result.summary["records"] == fx.RECORDS
    assert any("1,194 rows repeat a publication" in warning for warning in result.warnings)


def test_google_old_german_assignee_with_an_address_is_one_name():
    sample = fx.SAMPLES[3]
    with_address = fx.Sample(**{**sample.__dict__, "google_assignee": "Schwarz, Christof, 2000 Hamburg, De"})
    row = by_number(parse_export(fx.build_google_csv([with_address])))["CN104000004A"]

    assert row["applicants"] == ["SCHWARZ CHRISTOF"]


# --- Refusals -----------------------------------------------------------------------------------


def test_unrelated_csv_says_what_was_expected():
    error = refusal(fx.build_unrelated_csv())

    assert error.code == "unrecognised"
    for expected in ("Espacenet results list", "Lens.org patent export", "Google Patents CSV export"):
        assert expected in str(error)


def test_unrelated_workbook_says_what_was_expected():
    workbook = Workbook()
    workbook.active.title = "Budget"
    workbook.active.append(["month", "amount"])
    workbook.active.append(["January", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)

    error = refusal(buffer.getvalue(), "budget.xlsx")
    assert error.code == "unrecognised"
    assert "'Budget'" in str(error) and "Espacenet results list" in str(error)


def test_espacenet_header_without_rows_is_refused():
    header_only = fx.build_espacenet_csv(samples=())
    assert refusal(header_only).code == "no_records"


def test_utf16_with_bom_is_read():
    text = fx.build_google_csv().decode("utf-8")
    result = parse_export(b"\xff\xfe" + text.encode("utf-16-le"))
    assert result.summary["records"] == fx.RECORDS


def test_field_list_follows_the_data():
    fields = parsed("lens-current").canonical.fields()
    assert {Field.RECORDS, Field.FAMILY, Field.LEGAL_STATUS, Field.CITATIONS, Field.GRANT_YEAR} <= fields
    assert Field.LEGAL_STATUS not in parsed("google").canonical.fields()
