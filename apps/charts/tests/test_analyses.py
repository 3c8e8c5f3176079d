"""The eight analyses against hand-computed expectations, and the registry around them."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pydantic import ValidationError

from apps.charts.analyses import CLASSIC_EIGHT, REGISTRY, catalog, get_analysis, validate_params
from apps.charts.analyses.base import Analysis, ChartData
from apps.charts.analyses.forecast import fit_line
from apps.charts.tests.data import canonical, facet
from apps.datasets.canonical import CanonicalData, Facet, Field, MissingFieldError

KEYS = [
    "publication_trend",
    "cumulative_trend",
    "trend_cumulative",
    "forecast",
    "top_applicants",
    "top_inventors",
    "top_countries",
    "cpc_treemap",
]
# Record-level analyses (issue #3), after the classic eight; tested in test_record_analyses.py.
RECORD_KEYS = [
    "applicant_year_heatmap",
    "top_applicants_over_time",
    "co_classification",
    "technology_life_cycle",
    "new_entrants",
    "family_size_distribution",
    "legal_status",
    "most_cited",
    "jurisdictions_by_family",
]


def compute(key: str, data: CanonicalData, **params: Any) -> ChartData:
    return get_analysis(key).compute(data, validate_params(key, params))


def column(chart: ChartData, name: str) -> list[Any]:
    index = chart.columns.index(name)
    return [row[index] for row in chart.rows]


def assert_plain_json(value: Any) -> None:
    """Only the types JSON stores as they are: no numpy scalars, no tuples, no sets."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    else:
        assert type(value) in (str, int, float, bool, type(None)), f"{value!r} is a {type(value)}"


# --- registry -----------------------------------------------------------------------------------


def test_registry_holds_the_classic_eight_then_the_record_level_analyses():
    assert list(REGISTRY) == KEYS + RECORD_KEYS
    assert list(CLASSIC_EIGHT) == KEYS
    for key, analysis in REGISTRY.items():
        assert isinstance(analysis, Analysis)
        assert analysis.key == key
        # 2: windows and cutoffs (issue #3); the record-level analyses start at 1.
        assert analysis.version == (2 if key in KEYS else 1)
        assert analysis.title
        assert analysis.description.endswith(".")
        assert analysis.description.count(". ") == 0, "the description is one sentence"


def test_get_analysis_raises_key_error_for_an_unknown_key():
    with pytest.raises(KeyError, match="no_such_chart"):
        get_analysis("no_such_chart")
    with pytest.raises(KeyError):
        validate_params("no_such_chart", {})


def test_catalog_lists_schema_requirements_and_what_changes_them():
    entries = {entry["key"]: entry for entry in catalog()}

    assert list(entries) == KEYS + RECORD_KEYS
    json.dumps(entries)  # the REST API returns it as it is
    trend = entries["publication_trend"]
    assert trend["title"] == "Publication trend"
    assert trend["requires"] == ["publication_year"]
    assert trend["requires_by_param"] == {
        "date_basis": {"publication": ["publication_year"], "priority": ["priority_year"]}
    }
    assert set(trend["params_schema"]["properties"]) == {"date_basis", "start_year", "end_year", "cutoff"}
    assert trend["params_schema"]["additionalProperties"] is False
    assert entries["forecast"]["requires_by_param"]["date_basis"]["priority"] == ["priority_year"]
    assert entries["cpc_treemap"]["requires"] == ["cpc_main_group"]
    assert entries["cpc_treemap"]["requires_by_param"] == {
        "level": {"main_group": ["cpc_main_group"], "subgroup": ["cpc_subgroup"]}
    }
    assert entries["top_countries"]["requires"] == ["country"]
    assert entries["top_countries"]["requires_by_param"] == {}
    assert entries["top_inventors"]["requires"] == ["inventor"]


def test_catalog_speaks_spanish_when_asked():
    entries = {entry["key"]: entry for entry in catalog("es")}
    assert entries["top_applicants"]["title"] == "Principales solicitantes"
    assert entries["forecast"]["description"].startswith("Documentos observados")


def test_required_fields_follow_the_parameters():
    trend = get_analysis("publication_trend")
    assert trend.required_fields(validate_params("publication_trend", {})) == (Field.PUBLICATION_YEAR,)
    priority = validate_params("publication_trend", {"date_basis": "priority"})
    assert trend.required_fields(priority) == (Field.PRIORITY_YEAR,)
    treemap = get_analysis("cpc_treemap")
    subgroup = validate_params("cpc_treemap", {"level": "subgroup"})
    assert treemap.required_fields(subgroup) == (Field.CPC_SUBGROUP,)


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("publication_trend", {"colour": "red"}),  # unknown key
        ("publication_trend", {"date_basis": "filing"}),
        ("publication_trend", {"start_year": 2020, "end_year": 2010}),
        ("publication_trend", {"start_year": 20200}),
        ("cumulative_trend", {"end_year": "soon"}),
        ("forecast", {"horizon": 0}),
        ("forecast", {"horizon": 11}),
        ("forecast", {"confidence": 95}),
        ("forecast", {"confidence": 0.3}),
        ("forecast", {"fit_years": 2}),
        ("top_applicants", {"top_n": 0}),
        ("top_applicants", {"top_n": 51}),
        ("top_inventors", {"top_m": 5}),
        ("top_countries", {"highlight": "ESP"}),
        ("top_countries", {"highlight": "E1"}),
        ("top_countries", {"highlight": 34}),
        ("top_countries", {"include_regional": "perhaps"}),
        ("cpc_treemap", {"top_n": 61}),
        ("cpc_treemap", {"level": "section"}),
    ],
)
def test_bad_params_are_refused(key, raw):
    with pytest.raises(ValidationError):
        validate_params(key, raw)


def test_params_are_normalised():
    params = validate_params("top_countries", {"highlight": " es "})
    assert params.highlight == "ES"
    assert validate_params("top_countries", {"highlight": ""}).highlight is None
    assert validate_params("forecast", None) == validate_params("forecast", {})


@pytest.mark.parametrize("key", KEYS)
def test_missing_field_is_reported_never_substituted(key):
    # Every other field is present: the analysis must not fall back to a neighbour.
    everything = {f.value: {"2019": 1, "2020": 2, "2021": 3} for f in Field}
    analysis = get_analysis(key)
    params = analysis.params_model()
    (needed,) = analysis.required_fields(params)
    del everything[needed.value]

    with pytest.raises(MissingFieldError) as error:
        analysis.compute(canonical(**everything), params)
    assert error.value.missing == needed


# --- trends -------------------------------------------------------------------------------------


def test_publication_trend_fills_years_without_documents_with_zero():
    data = canonical(publication_year={"2019": 3, "2021": 5, "2022": 1})

    chart = compute("publication_trend", data)

    assert chart.columns == ["year", "count"]
    assert chart.rows == [[2019, 3], [2020, 0], [2021, 5], [2022, 1]]
    assert chart.meta["years_without_documents"] == [2020]
    assert chart.meta["documents_in_window"] == 9


def test_publication_trend_window_is_honoured_and_zero_filled_beyond_the_data():
    data = canonical(publication_year={"2019": 3, "2021": 5, "2022": 1})

    inside = compute("publication_trend", data, start_year=2020, end_year=2021)
    wider = compute("publication_trend", data, start_year=2018, end_year=2023)

    assert inside.rows == [[2020, 0], [2021, 5]]
    assert inside.meta["documents_before_window"] == 3
    assert wider.rows == [[2018, 0], [2019, 3], [2020, 0], [2021, 5], [2022, 1], [2023, 0]]


def test_publication_trend_reads_priority_years_when_asked():
    data = canonical(publication_year={"2020": 4}, priority_year={"2018": 1, "2019": 3})

    chart = compute("publication_trend", data, date_basis="priority")

    assert chart.rows == [[2018, 1], [2019, 3]]
    assert chart.meta["field"] == "priority_year"


def test_year_keys_are_parsed_merged_and_non_years_reported():
    data = canonical(publication_year={"2019": 2, "2019.0": 1, " 2020 ": 4, "unknown": 5})

    chart = compute("publication_trend", data)

    assert chart.rows == [[2019, 3], [2020, 4]]
    assert chart.meta["documents_without_year"] == 5


def test_a_window_entirely_after_the_data_is_a_clear_error():
    data = canonical(publication_year={"2019": 2, "2020": 1})
    with pytest.raises(ValueError, match="No years to show"):
        compute("publication_trend", data, start_year=2030)


def test_a_year_facet_without_years_is_a_clear_error():
    data = canonical(publication_year={"unknown": 3})
    with pytest.raises(ValueError, match="no documents with a readable year"):
        compute("publication_trend", data)


@pytest.mark.parametrize("key", ["cumulative_trend", "trend_cumulative"])
def test_cumulative_counts_every_year_before_the_window(key):
    data = canonical(publication_year={"2015": 2, "2017": 4, "2019": 3, "2020": 1, "2022": 7})

    chart = compute(key, data, start_year=2018, end_year=2020)

    # 2 + 4 documents before 2018 are already in the running total at its first year.
    assert chart.columns == ["year", "count", "cumulative"]
    assert chart.rows == [[2018, 0, 6], [2019, 3, 9], [2020, 1, 10]]
    assert chart.meta["documents_before_window"] == 6


def test_cumulative_without_window_ends_at_the_total():
    data = canonical(publication_year={"2015": 2, "2017": 4, "2019": 3})

    chart = compute("cumulative_trend", data)

    assert column(chart, "cumulative") == [2, 2, 6, 6, 9]
    assert chart.meta["documents_total"] == 9


def test_compute_is_deterministic_whatever_the_row_order():
    rows = (("2021", 5), ("2019", 3), ("2020", 3), ("2022", 1))
    forward = CanonicalData("t", {Field.PUBLICATION_YEAR: Facet(Field.PUBLICATION_YEAR, rows)})
    backward = CanonicalData("t", {Field.PUBLICATION_YEAR: Facet(Field.PUBLICATION_YEAR, rows[::-1])})

    for key in ("publication_trend", "cumulative_trend", "forecast"):
        assert compute(key, forward).to_json() == compute(key, backward).to_json()


# --- forecast -----------------------------------------------------------------------------------

# Hand computation for years 2019-2023 with counts 2, 4, 5, 4, 5:
#   x̄ = 2021, ȳ = 4, Sxx = 10, Sxy = 6  ->  slope 0.6, line 4 + 0.6 (x - 2021)
#   fitted 2.8 3.4 4.0 4.6 5.2; residuals -0.8 0.6 1.0 -0.6 -0.2; SSR = 2.4, s² = 2.4 / 3 = 0.8
#   SST = 6 -> R² = 0.6; t(0.975, 3) = 3.182446 (Student t table)
#   2024: 5.8 ± 3.182446 · sqrt(0.8 · (1 + 1/5 + 9/10))  = 5.8 ± 4.124922
#   2025: 6.4 ± 3.182446 · sqrt(0.8 · (1 + 1/5 + 16/10)) = 6.4 ± 4.763074
#   2026: 7.0 ± 3.182446 · sqrt(0.8 · (1 + 1/5 + 25/10)) = 7.0 ± 5.475269
SMALL = {"2019": 2, "2020": 4, "2021": 5, "2022": 4, "2023": 5}


def test_forecast_matches_the_hand_computed_ols_prediction_interval():
    chart = compute("forecast", canonical(publication_year=SMALL), horizon=3, confidence=0.95)

    assert chart.columns == ["year", "observed", "fitted", "forecast", "lower", "upper"]
    observed, future = chart.rows[:5], chart.rows[5:]
    assert observed[0] == [2019, 2, pytest.approx(2.8), None, None, None]
    assert [row[1] for row in observed] == [2, 4, 5, 4, 5]
    assert [row[0] for row in future] == [2024, 2025, 2026]
    assert all(row[1] is None and row[2] is None for row in future)
    expected = [(5.8, 4.124922), (6.4, 4.763074), (7.0, 5.475269)]
    for row, (point, margin) in zip(future, expected, strict=True):
        assert row[3] == pytest.approx(point, abs=1e-3)
        assert row[4] == pytest.approx(point - margin, abs=1e-3)
        assert row[5] == pytest.approx(point + margin, abs=1e-3)
    meta = chart.meta
    assert meta["slope_per_year"] == pytest.approx(0.6)
    assert meta["r_squared"] == pytest.approx(0.6)
    assert meta["residual_std_error"] == pytest.approx(math.sqrt(0.8), abs=1e-3)
    assert meta["t_quantile"] == pytest.approx(3.182446, abs=1e-3)
    assert meta["degrees_of_freedom"] == 3
    assert (meta["fit_first_year"], meta["fit_last_year"], meta["fit_years"]) == (2019, 2023, 5)
    assert meta["method"] == "ols_linear_trend"
    assert meta["interval"] == "prediction"
    assert meta["confidence"] == 0.95


def test_forecast_starts_the_year_after_the_last_observed_year_and_widens():
    chart = compute("forecast", canonical(publication_year=SMALL | {"2010": 1}))

    future = [row for row in chart.rows if row[1] is None]
    assert [row[0] for row in future] == [2024, 2025, 2026, 2027, 2028]
    assert chart.meta["first_forecast_year"] == 2024 == chart.meta["last_observed_year"] + 1
    widths = [upper - lower for _, _, _, _, lower, upper in future]
    assert widths == sorted(widths)
    assert widths[0] < widths[-1]
    for _, _, _, point, lower, upper in future:
        assert lower <= point <= upper


def test_forecast_fits_the_last_years_with_gaps_as_zero():
    # Fit window 2018-2021 holds 1, 0, 3, 5: x̄ = 2019.5, ȳ = 2.25, Sxx = 5, Sxy = 7.5 -> slope 1.5.
    data = canonical(publication_year={"2001": 40, "2018": 1, "2020": 3, "2021": 5})

    chart = compute("forecast", data, fit_years=4, horizon=1)

    assert chart.meta["fit_first_year"] == 2018
    assert chart.meta["slope_per_year"] == pytest.approx(1.5)
    assert chart.rows[-1][0] == 2022
    assert chart.rows[-1][3] == pytest.approx(2.25 + 1.5 * 2.5)
    assert [row[0] for row in chart.rows if row[1] is not None] == list(range(2001, 2022))


def test_forecast_never_goes_below_zero():
    data = canonical(publication_year={"2019": 10, "2020": 8, "2021": 5, "2022": 3, "2023": 1})

    chart = compute("forecast", data, horizon=5)

    future = [row for row in chart.rows if row[1] is None]
    assert all(value >= 0 for row in future for value in row[3:])
    assert future[-1][3] == 0.0
    assert chart.meta["clipped_at_zero"] is True


def test_forecast_refuses_fewer_than_three_years():
    data = canonical(publication_year={"2015": 4, "2023": 9})
    with pytest.raises(ValueError, match="at least 3"):
        compute("forecast", data)


def test_fit_line_matches_the_hand_computation():
    fit = fit_line([2019, 2020, 2021, 2022, 2023], [2, 4, 5, 4, 5])
    assert (fit.slope, fit.mean_y, fit.ssr, fit.sxx) == pytest.approx((0.6, 4.0, 2.4, 10.0))
    assert fit.predict(2024) == pytest.approx(5.8)


# --- rankings -----------------------------------------------------------------------------------


def test_top_applicants_ranks_by_count_and_breaks_ties_by_name():
    data = canonical(applicant={"B CORP": 3, "A CORP": 3, "C UNIV": 5, "D LTD": 1, "E AG": 3})

    two = compute("top_applicants", data, top_n=2)
    four = compute("top_applicants", data, top_n=4)

    assert two.columns == ["rank", "applicant", "count"]
    assert two.rows == [[1, "C UNIV", 5], [2, "A CORP", 3]]
    assert two.meta["tied_beyond_cutoff"] == 2
    assert four.rows == [[1, "C UNIV", 5], [2, "A CORP", 3], [2, "B CORP", 3], [2, "E AG", 3]]
    assert four.meta["tied_beyond_cutoff"] == 0


def test_names_differing_only_in_spacing_are_one_applicant():
    data = canonical(applicant={"ACME  CORP": 2, " ACME CORP": 3, "OTHER": 4, "": 9})

    chart = compute("top_applicants", data)

    assert chart.rows == [[1, "ACME CORP", 5], [2, "OTHER", 4]]
    assert chart.meta["merged_duplicates"] == 1


def test_top_inventors_reads_inventors_and_flags_a_truncated_source():
    data = canonical(
        applicant={"NOT AN INVENTOR": 99},
        inventor=facet(Field.INVENTOR, {"MA LI": 4, "CHEN WEI": 3}, truncated=True),
    )

    chart = compute("top_inventors", data, top_n=1)

    assert chart.columns == ["rank", "inventor", "count"]
    assert chart.rows == [[1, "MA LI", 4]]
    assert chart.meta["truncated"] is True
    assert chart.meta["listed"] == 2


COUNTRIES = {"CN": 5, "cn ": 2, " US": 3, "us": 1, "EP": 4, "WO": 6, "DE": 1, "FR": 1}


def test_top_countries_never_draws_a_country_twice():
    chart = compute("top_countries", canonical(country=COUNTRIES))

    codes = column(chart, "country")
    assert len(codes) == len(set(codes))
    assert chart.rows[:4] == [[1, "CN", 7], [2, "WO", 6], [3, "EP", 4], [3, "US", 4]]
    assert chart.meta["merged_duplicates"] == 2


def test_top_countries_can_leave_out_regional_offices():
    chart = compute("top_countries", canonical(country=COUNTRIES), include_regional=False)

    assert column(chart, "country") == ["CN", "US", "DE", "FR"]
    assert chart.meta["excluded_offices"] == {"EP": 4, "WO": 6}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"highlight": "us"}, "shown"),
        ({"highlight": "FR", "top_n": 3}, "outside_top_n"),
        ({"highlight": "JP"}, "absent"),
        ({"highlight": "EP", "include_regional": False}, "excluded"),
        ({}, None),
    ],
)
def test_top_countries_says_whether_the_highlight_is_drawn(params, status):
    chart = compute("top_countries", canonical(country=COUNTRIES), **params)
    assert chart.meta["highlight_status"] == status


# --- treemap ------------------------------------------------------------------------------------

CPC = {
    "cpc_main_group": {"G01N33": 20, "g01n 1": 3, "G01N1": 5, "C02F1": 6, "Y02A20": 2, "A01B79": 1},
    "cpc_subgroup": {"G01N33/24": 9, "G01N33/18": 4, "C02F1/28": 2},
}


def test_treemap_counts_main_groups_by_default_with_sections():
    chart = compute("cpc_treemap", canonical(**CPC))

    assert chart.columns == ["rank", "code", "section", "count"]
    assert chart.rows == [
        [1, "G01N33", "G", 20],
        [2, "G01N1", "G", 8],
        [3, "C02F1", "C", 6],
        [4, "Y02A20", "Y", 2],
        [5, "A01B79", "A", 1],
    ]
    assert chart.meta["level"] == "main_group"
    assert chart.meta["field"] == "cpc_main_group"
    assert "documents per CPC group" in chart.meta["counts"]
    assert chart.meta["section_totals"] == {"A": 1, "C": 6, "G": 28, "Y": 2}


def test_treemap_reads_subgroups_when_asked():
    chart = compute("cpc_treemap", canonical(**CPC), level="subgroup")

    assert column(chart, "code") == ["G01N33/24", "G01N33/18", "C02F1/28"]
    assert chart.meta["field"] == "cpc_subgroup"


def test_treemap_summarises_the_rest_as_other_only_when_asked():
    default = compute("cpc_treemap", canonical(**CPC), top_n=2)
    with_other = compute("cpc_treemap", canonical(**CPC), top_n=2, show_other=True)

    assert "Other" not in column(default, "code")
    assert with_other.rows[-1] == [None, "Other", None, 9]
    assert (with_other.meta["other_groups"], with_other.meta["other_count"]) == (3, 9)


def test_treemap_marks_codes_outside_the_cpc():
    chart = compute("cpc_treemap", canonical(cpc_main_group={"G01N33": 3, "12345": 2}))
    assert chart.rows[1] == [2, "12345", None, 2]


# --- every analysis -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_chart_data_is_plain_json(key, sample):
    chart = compute(key, sample)

    restored = json.loads(json.dumps(chart.to_json()))
    assert restored == chart.to_json()
    for row in chart.rows:
        assert len(row) == len(chart.columns)
        for cell in row:
            assert type(cell) in (str, int, float, type(None)), f"{cell!r} is a {type(cell)}"
    assert_plain_json(chart.meta)
    assert chart.meta["analysis"] == key
    assert chart.to_csv().startswith(",".join(chart.columns).encode())


@pytest.mark.parametrize("key", KEYS)
def test_compute_does_not_change_with_repetition(key, sample):
    assert compute(key, sample).to_json() == compute(key, sample).to_json()


# --- the real Espacenet export ------------------------------------------------------------------


def test_real_export_publication_trend(espacenet_filters):
    chart = compute("publication_trend", espacenet_filters)

    counts = dict(chart.rows)
    assert (chart.rows[0], chart.rows[-1]) == ([1973, 2], [2023, 43])
    assert counts[1974] == 0  # a gap in the export, filled
    assert counts[2021] == 31
    assert len(chart.rows) == 2023 - 1973 + 1
    assert chart.meta["documents_in_window"] == 241


def test_real_export_cumulative_counts_the_years_before_the_window(espacenet_filters):
    chart = compute("cumulative_trend", espacenet_filters, start_year=2020)

    # 113 documents before 2020 (summed by hand from the sheet) plus 27 in 2020.
    assert chart.rows[0] == [2020, 27, 140]
    assert chart.rows[-1] == [2023, 43, 241]


def test_real_export_priority_trend(espacenet_filters):
    chart = compute("trend_cumulative", espacenet_filters, date_basis="priority")

    assert chart.rows[0] == [1971, 1, 1]
    assert chart.rows[-1] == [2023, 34, 241]


def test_real_export_forecast(espacenet_filters):
    chart = compute("forecast", espacenet_filters)

    future = [row for row in chart.rows if row[1] is None]
    assert future[0][0] == 2024
    assert [row[0] for row in future] == [2024, 2025, 2026, 2027, 2028]
    assert (chart.meta["fit_first_year"], chart.meta["fit_last_year"]) == (2014, 2023)
    assert chart.meta["slope_per_year"] > 0  # 3, 8, 18, ... 43 documents: a rising field


def test_real_export_rankings(espacenet_filters):
    applicants = compute("top_applicants", espacenet_filters)
    countries = compute("top_countries", espacenet_filters, highlight="es")
    national = compute("top_countries", espacenet_filters, include_regional=False, top_n=3)
    inventors = compute("top_inventors", espacenet_filters)

    assert applicants.rows[:2] == [[1, "UNIV ZHEJIANG", 7], [2, "UNIV CENTRAL SOUTH", 6]]
    assert countries.rows[:3] == [[1, "CN", 192], [2, "WO", 30], [3, "US", 29]]
    assert countries.meta["highlight_status"] == "outside_top_n"
    assert national.rows == [[1, "CN", 192], [2, "US", 29], [3, "KR", 13]]
    assert inventors.rows[0] == [1, "MA LI", 4]
    assert inventors.meta["truncated"] is True


def test_real_export_treemap(espacenet_filters):
    main = compute("cpc_treemap", espacenet_filters)
    sub = compute("cpc_treemap", espacenet_filters, level="subgroup", top_n=3)

    assert main.rows[0] == [1, "G01N33", "G", 217]
    assert len(main.rows) == 20
    assert sub.rows == [
        [1, "G01N33/24", "G", 98],
        [2, "G01N33/18", "G", 40],
        [3, "G01N33/0098", "G", 39],
    ]
    assert sub.meta["truncated"] is True
