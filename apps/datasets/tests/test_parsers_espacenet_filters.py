"""The Espacenet Filters parser on generated workbooks: what it reads, and every way it refuses."""

from __future__ import annotations

import json

import pytest

from apps.datasets.canonical import Field, MissingFieldError
from apps.datasets.parsers import FORMAT_LABELS, ParseError, ParseResult, detect_format, parse_export
from apps.datasets.parsers import espacenet_filters as filters
from apps.datasets.tests import fixtures as fx

ALL_FIELDS = frozenset(field for _, field, _ in fx.FACET_SHEETS)
APPLICANTS_TITLE = fx.SHEET_TITLES[Field.APPLICANT]
PUBLICATION_TITLE = fx.SHEET_TITLES[Field.PUBLICATION_YEAR]
# The row below the default applicants: header + data + 1.
NEXT_APPLICANT_ROW = len(fx.APPLICANTS) + 2


def parse(**overrides) -> ParseResult:
    return parse_export(fx.build_filters_xlsx(**overrides), filename="export.xlsx")


def refusal(**overrides) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(**overrides)
    return caught.value


# --- The default export ---------------------------------------------------------------------------


def test_default_export_gives_every_facet_with_its_known_counts():
    result = parse()

    assert result.canonical.source_format == "espacenet_filters"
    assert result.canonical.fields() == ALL_FIELDS
    for field in ALL_FIELDS:
        facet = result.canonical.counts(field)
        assert facet.rows == fx.expected_rows(field), field
        assert facet.total == fx.TOTALS[field]
        assert facet.truncated is False
    assert result.warnings == ()


def test_default_export_summary():
    summary = parse().summary

    assert summary["format"] == "espacenet_filters"
    assert summary["format_label"] == "Espacenet Filters (statistics) export"
    assert summary["records"] == fx.RECORDS
    assert summary["query"] == fx.QUERY
    assert summary["year_range"] == fx.YEAR_RANGE
    assert summary["facets"]["applicant"] == {
        "rows": len(fx.APPLICANTS),
        "total": fx.TOTALS[Field.APPLICANT],
        "truncated": False,
        "source": "sheet 'Applicants'",
    }
    assert summary["warnings"] == []


def test_default_export_feeds_one_dimensional_analyses():
    """What other engineers' end-to-end tests rely on: years with a gap, and every ranking."""
    canonical = parse().canonical

    years = sorted(int(key) for key, _ in canonical.counts(Field.PUBLICATION_YEAR).rows)
    assert len(years) >= 8
    assert set(range(years[0], years[-1] + 1)) - set(years) == set(fx.PUBLICATION_YEAR_GAPS)
    assert canonical.counts(Field.PUBLICATION_YEAR).total == fx.RECORDS
    assert canonical.counts(Field.PRIORITY_YEAR).total == fx.RECORDS
    assert canonical.counts(Field.APPLICANT).rows[0] == fx.TOP_APPLICANT


def test_query_sheet_lands_in_meta():
    meta = parse().canonical.meta

    assert meta == {
        "records": fx.RECORDS,
        "query": fx.QUERY,
        "query_language": fx.QUERY_LANGUAGE,
        "filters": None,
    }


def test_sheet_cut_at_thirty_characters_is_read_by_its_header():
    facet = parse().canonical.counts(Field.PUBLICATION_YEAR)

    assert PUBLICATION_TITLE == "Earliest publication date (fam"
    assert facet.source == "sheet 'Earliest publication date (fam'"


def test_counts_are_python_ints_and_year_keys_are_strings():
    canonical = parse().canonical

    for facet in canonical.facets.values():
        assert all(type(count) is int for _, count in facet.rows)
    assert all(len(key) == 4 and key.isdigit() for key, _ in canonical.counts(Field.PRIORITY_YEAR).rows)


def test_rows_are_largest_first_with_ties_in_key_order():
    rows = parse().canonical.counts(Field.CPC_SUBGROUP).rows

    assert [count for _, count in rows] == sorted((count for _, count in rows), reverse=True)
    keys = [key for key, _ in rows]
    assert keys.index("C01B32/184") == keys.index("C01B32/194") - 1


def test_format_is_detected_by_content_not_by_name():
    data = fx.build_filters_xlsx()

    assert detect_format(data) == "espacenet_filters"
    assert parse_export(data, filename="renamed.csv").summary["format"] == "espacenet_filters"
    assert FORMAT_LABELS["espacenet_filters"] == "Espacenet Filters (statistics) export"


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"query_lines": None},
        {"drop": [Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR], "query_lines": None},
        {"rows": {Field.INVENTOR: fx.inventors_rows(1_000)}, "extra_sheets": {"Notes": [("n",)]}},
        {"extra_rows": {Field.APPLICANT: [("UNIV TSINGHUA", 1), (None, 4)]}, "rows": {Field.LANGUAGE: []}},
    ],
    ids=["default", "no-query", "no-years", "truncated-and-unknown-sheet", "duplicates-blanks-empty"],
)
def test_summary_is_json_serialisable(overrides):
    summary = parse(**overrides).summary

    assert json.loads(json.dumps(summary)) == summary


# --- Cell values ----------------------------------------------------------------------------------


def test_year_cells_as_floats_and_text_become_yyyy_strings():
    rows = [(2018, 4), (2019.0, 3), ("2020", 2), (" 2021 ", 1), ("2022.0", 1)]

    facet = parse(rows={Field.PUBLICATION_YEAR: rows}).canonical.counts(Field.PUBLICATION_YEAR)

    assert facet.rows == (("2018", 4), ("2019", 3), ("2020", 2), ("2021", 1), ("2022", 1))


def test_counts_typed_as_text_or_floats_are_read_as_whole_numbers():
    rows = [("A", "1,234"), ("B", "12"), ("C", 7.0), ("D", "5.0"), ("E", "1 001")]

    facet = parse(rows={Field.APPLICANT: rows}).canonical.counts(Field.APPLICANT)

    assert facet.rows == (("A", 1234), ("E", 1001), ("B", 12), ("C", 7), ("D", 5))
    assert all(type(count) is int for _, count in facet.rows)


@pytest.mark.parametrize("bad", ["abc", "1.234", 2.5, True, "#N/A", "12 documents"])
def test_non_numeric_count_names_sheet_and_row(bad):
    error = refusal(extra_rows={Field.APPLICANT: [("ACME CORP", bad)]})

    assert error.code == "bad_count"
    assert f"Sheet 'Applicants', row {NEXT_APPLICANT_ROW}: '{bad}' is not a number of documents" in str(error)


@pytest.mark.parametrize("bad", [-3, "-3", -1.0])
def test_negative_count_is_refused(bad):
    error = refusal(extra_rows={Field.APPLICANT: [("ACME CORP", bad)]})

    assert error.code == "bad_count"
    assert f"Sheet 'Applicants', row {NEXT_APPLICANT_ROW}: -" in str(error)
    assert "negative" in str(error)


def test_missing_count_is_refused():
    error = refusal(extra_rows={Field.INVENTOR: [("DOE JANE", None)]})

    assert error.code == "bad_count"
    assert f"Sheet 'Inventors', row {len(fx.INVENTORS) + 2}: the number of documents is missing" in str(error)


@pytest.mark.parametrize("bad", ["abc", 20190, 2019.5, 1066, 3000, "19", "2019-2020", False])
def test_implausible_year_names_sheet_and_row(bad):
    error = refusal(extra_rows={Field.PUBLICATION_YEAR: [(bad, 1)]})

    assert error.code == "bad_year"
    row = len(fx.PUBLICATION_YEARS) + 2
    assert f"Sheet '{PUBLICATION_TITLE}', row {row}: '{bad}' is not a year" in str(error)


def test_bad_priority_year_is_refused_too():
    error = refusal(rows={Field.PRIORITY_YEAR: [(2019, 1), ("next year", 2)]})

    assert "Sheet 'Earliest priority date', row 3" in str(error)


def test_blank_keys_are_skipped_with_a_count():
    result = parse(extra_rows={Field.APPLICANT: [(None, 3), ("   ", 2), (None, None), (None, None)]})

    assert result.canonical.counts(Field.APPLICANT).rows == fx.expected_rows(Field.APPLICANT)
    assert result.warnings == ("Sheet 'Applicants': skipped 2 rows with a count but no value.",)


def test_wholly_empty_padding_rows_are_ignored_silently():
    rows = [("A", 2), (None, None), ("B", 1)]

    result = parse(rows={Field.APPLICANT: rows})

    assert result.canonical.counts(Field.APPLICANT).rows == (("A", 2), ("B", 1))
    assert result.warnings == ()


def test_duplicate_keys_are_summed_with_a_warning():
    result = parse(extra_rows={Field.APPLICANT: [("UNIV TSINGHUA", 2), ("BASF  SE", 1)]})

    rows = dict(result.canonical.counts(Field.APPLICANT).rows)
    assert rows["UNIV TSINGHUA"] == fx.APPLICANTS["UNIV TSINGHUA"] + 2
    assert rows["BASF SE"] == fx.APPLICANTS["BASF SE"] + 1
    assert len(rows) == len(fx.APPLICANTS)
    [warning] = result.warnings
    assert "'UNIV TSINGHUA', 'BASF SE'" in warning
    assert "added together" in warning


def test_duplicate_years_are_summed():
    result = parse(rows={Field.PUBLICATION_YEAR: [(2019, 2), (2019.0, 3), ("2020", 1)]})

    assert result.canonical.counts(Field.PUBLICATION_YEAR).rows == (("2019", 5), ("2020", 1))
    assert "'2019'" in result.warnings[0]


# --- Sheets ---------------------------------------------------------------------------------------


def test_headers_match_whatever_the_case_spacing_and_dashes_and_sheet_names():
    headers = {Field.APPLICANT: "  APPLICANTS ", Field.APPLICANT_COUNTRY: "applicants \u2013  country"}
    titles = {Field.APPLICANT: "Sheet7", Field.APPLICANT_COUNTRY: "Inventors - ctry"}  # names that mislead

    canonical = parse(headers=headers, titles=titles).canonical

    assert canonical.counts(Field.APPLICANT).rows == fx.expected_rows(Field.APPLICANT)
    assert canonical.counts(Field.APPLICANT_COUNTRY).rows == fx.expected_rows(Field.APPLICANT_COUNTRY)
    assert canonical.counts(Field.INVENTOR).rows == fx.expected_rows(Field.INVENTOR)


def test_header_only_sheet_leaves_its_facet_absent_with_a_warning():
    result = parse(rows={Field.APPLICANT: []})

    assert Field.APPLICANT not in result.canonical.fields()
    with pytest.raises(MissingFieldError):
        result.canonical.counts(Field.APPLICANT)
    # Never filled from a neighbouring sheet.
    assert result.canonical.counts(Field.APPLICANT_COUNTRY).rows == fx.expected_rows(Field.APPLICANT_COUNTRY)
    assert result.warnings == (
        "Sheet 'Applicants' has no data, so applicants are not available for this dataset.",
    )
    assert "applicant" not in result.summary["facets"]


def test_empty_sheet_is_known_by_its_name_even_when_cut():
    result = parse(blank_sheets=[Field.PUBLICATION_YEAR, Field.INVENTOR])

    assert Field.PUBLICATION_YEAR not in result.canonical.fields()
    assert Field.INVENTOR not in result.canonical.fields()
    assert result.warnings == (
        f"Sheet '{PUBLICATION_TITLE}' has no data, so publication years are not available for this dataset.",
        "Sheet 'Inventors' has no data, so inventors are not available for this dataset.",
    )
    # The year range falls back to the priority years.
    assert result.summary["year_range"] == [min(fx.PRIORITY_YEARS), max(fx.PRIORITY_YEARS)]


def test_unknown_sheets_are_ignored_with_a_warning():
    result = parse(extra_sheets={"Notes": [("My notes",), ("check 2019",)], "Chart": []})

    assert result.canonical.fields() == ALL_FIELDS
    assert result.warnings == ("Ignored sheets that are not Espacenet facets: 'Notes', 'Chart'.",)


def test_a_second_sheet_for_the_same_facet_is_ignored():
    second = [("Applicants", fx.COUNT_HEADER), ("SOMEONE ELSE", 99)]

    result = parse(extra_sheets={"Applicants (2)": second})

    assert result.canonical.counts(Field.APPLICANT).rows == fx.expected_rows(Field.APPLICANT)
    assert result.warnings == (
        "Sheet 'Applicants (2)' repeats the applicants of sheet 'Applicants' and was ignored.",
    )


def test_no_known_facet_sheet_says_which_were_expected():
    only_unknown = {"Patent families": [("Patent families", fx.COUNT_HEADER), ("EP1234567", 3)]}

    error = refusal(drop=ALL_FIELDS, extra_sheets=only_unknown)

    assert error.code == "no_facets"
    message = str(error)
    assert "'export.xlsx' has none of the facet sheets" in message
    assert "sheets found: 'Patent families'" in message
    for header in ("'Applicants'", "'Inventors'", "'Earliest publication date (family)'", "'CPC subgroups'"):
        assert header in message


def test_no_data_in_any_known_sheet_is_refused():
    error = refusal(rows={field: [] for field in ALL_FIELDS})

    assert error.code == "no_data"
    assert "none of them holds any counts" in str(error)


def test_workbook_with_unknown_sheets_only_is_not_recognised():
    data = fx.write_workbook({"Sheet1": [("Name", "Value"), ("a", 1)], "Sheet2": [("Applicants", "Title")]})

    with pytest.raises(ParseError) as caught:
        parse_export(data, filename="mine.xlsx")

    assert caught.value.code == "unrecognised"
    message = str(caught.value)
    assert "'mine.xlsx' is an Excel workbook, but not an export Intelli recognises" in message
    assert "'Sheet1', 'Sheet2'" in message
    assert "Espacenet Filters (statistics) export" in message
    assert "'Applicants'" in message


def test_query_sheet_alone_is_not_recognised():
    data = fx.build_filters_xlsx(drop=ALL_FIELDS)

    with pytest.raises(ParseError) as caught:
        detect_format(data)

    assert caught.value.code == "unrecognised"


# --- Truncated lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "cap"),
    [
        (Field.INVENTOR, 1_000),
        (Field.APPLICANT, 1_000),
        (Field.CPC_SUBGROUP, 150),
        (Field.CPC_MAIN_GROUP, 100),
    ],
)
def test_list_at_espacenets_cap_is_marked_truncated(field, cap):
    rows = [(f"KEY {number:04d}", 1) for number in range(cap)]

    result = parse(rows={field: rows})

    facet = result.canonical.counts(field)
    assert facet.truncated is True
    assert result.summary["facets"][field.value]["truncated"] is True
    [warning] = result.warnings
    assert f"Sheet '{fx.SHEET_TITLES[field]}' stops at {cap:,} rows" in warning
    assert "incomplete" in warning


def test_list_below_the_cap_is_complete():
    result = parse(rows={Field.INVENTOR: fx.inventors_rows(999)})

    assert result.canonical.counts(Field.INVENTOR).truncated is False
    assert result.warnings == ()


def test_absurdly_long_sheet_is_refused(monkeypatch):
    monkeypatch.setattr(filters, "MAX_ROWS_PER_SHEET", 20)

    error = refusal(rows={Field.APPLICANT: [(f"A{n}", 1) for n in range(30)]})

    assert error.code == "too_many_rows"
    assert "Sheet 'Applicants' has more than 20 rows" in str(error)


# --- The Query sheet ------------------------------------------------------------------------------


def test_without_query_sheet_records_come_from_the_publication_years():
    result = parse(query_lines=None)

    assert result.summary["records"] == fx.RECORDS
    assert result.summary["query"] is None
    assert result.warnings == (
        f"The workbook has no Query sheet; the number of documents ({fx.RECORDS}) was taken from the "
        "publication years.",
    )


def test_query_sheet_without_results_line_falls_back_to_priority_years():
    result = parse(query_lines=("Espacenet", "Patent search"), drop=[Field.PUBLICATION_YEAR])

    assert result.summary["records"] == sum(fx.PRIORITY_YEARS.values())
    assert "does not say how many results were found" in result.warnings[0]


def test_records_unknown_without_query_or_years():
    result = parse(query_lines=None, drop=[Field.PUBLICATION_YEAR, Field.PRIORITY_YEAR])

    assert result.summary["records"] is None
    assert result.summary["year_range"] is None
    assert result.warnings == ("The workbook has no Query sheet, so the number of documents is unknown.",)


@pytest.mark.parametrize(
    ("line", "records", "query"),
    [
        ("1,234 results found for ta=graphene", 1234, "ta=graphene"),
        ("1 result found for pn=EP1000000", 1, "pn=EP1000000"),
        ("12 345 Results found for: ti all battery", 12345, "ti all battery"),
    ],
)
def test_results_line_variants(line, records, query):
    summary = parse(query_lines=("Espacenet", "Patent search", line, "Filters: pd within 2020")).summary

    assert (summary["records"], summary["query"]) == (records, query)


def test_filters_line_is_kept():
    lines = (*fx.QUERY_LINES[:5], "Filters: pd within 2015,2020")

    assert parse(query_lines=lines).canonical.meta["filters"] == "pd within 2015,2020"
