"""Analyses on record-level data, against figures computed here with plain Python over the rows.

`RECORD_ROWS` (apps/charts/tests/data.py) are sixteen publications written out by hand. Every
expectation below is recomputed from those dicts, never from polars, so a mistake in the
vectorised code cannot hide behind the same mistake in its test.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest

from apps.charts.analyses import REGISTRY, catalog, get_analysis, validate_params
from apps.charts.analyses.base import ChartData
from apps.charts.analyses.rankings import REGIONAL_OFFICES
from apps.charts.labels import label
from apps.charts.rendering import render_chart, warm_up
from apps.charts.style import Style
from apps.charts.tests.data import RECORD_ROWS, canonical, records_data
from apps.charts.tests.test_analyses import RECORD_KEYS, column
from apps.charts.tests.test_rendering import figure_texts, png_size
from apps.datasets.canonical import CanonicalData, Field, MissingFieldError
from apps.datasets.selectors import dataset_feeds
from apps.datasets.tests.factories import DatasetFactory


def compute(key: str, data: CanonicalData | None = None, **params: Any) -> ChartData:
    return get_analysis(key).compute(data or records_data(), validate_params(key, params))


def year_of(row: dict, basis: str = "publication") -> int | None:
    date = row[f"{basis}_date"]
    return date.year if date else None


def rows_between(first: int, last: int, basis: str = "publication") -> list[dict]:
    return [row for row in RECORD_ROWS if (y := year_of(row, basis)) is not None and first <= y <= last]


def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))


def applicant_counts(rows: list[dict]) -> dict[str, int]:
    return dict(Counter(name for row in rows for name in set(row["applicants"])))


# Years present: publication 2012, 2015-2021 (one row has none); priority 2011, 2014-2020.
PUBLICATION_YEARS = sorted({y for row in RECORD_ROWS if (y := year_of(row)) is not None})


# --- the classic eight on record-level data --------------------------------------------------------


@pytest.mark.parametrize("basis", ["publication", "priority"])
def test_trend_counts_the_publications_by_the_chosen_date(basis):
    chart = compute("publication_trend", date_basis=basis)

    years = [y for row in RECORD_ROWS if (y := year_of(row, basis)) is not None]
    expected = Counter(years)
    assert column(chart, "year") == list(range(min(years), max(years) + 1))
    assert column(chart, "count") == [expected.get(y, 0) for y in range(min(years), max(years) + 1)]
    assert chart.meta["documents_without_year"] == sum(
        1 for row in RECORD_ROWS if year_of(row, basis) is None
    )


def test_trend_window_and_explicit_cutoff_on_records():
    chart = compute("publication_trend", start_year=2014, end_year=2022, cutoff=2019)

    assert column(chart, "year") == list(range(2014, 2020))  # the window ends at the cutoff
    expected = Counter(year_of(row) for row in RECORD_ROWS)
    assert column(chart, "count") == [expected.get(y, 0) for y in range(2014, 2020)]
    assert chart.meta["documents_after_cutoff"] == sum(1 for row in RECORD_ROWS if (year_of(row) or 0) > 2019)


def test_auto_cutoff_counts_from_the_latest_publication_date():
    latest = max(row["publication_date"] for row in RECORD_ROWS if row["publication_date"])
    assert latest == dt.date(2021, 3, 3)

    by_publication = compute("publication_trend", cutoff="auto")
    # Priority years are complete 18 months after they end: on 3 March 2021 that is 2018.
    by_priority = compute("publication_trend", date_basis="priority", cutoff="auto")

    assert by_publication.meta["cutoff_year"] == 2020
    assert column(by_publication, "year")[-1] == 2020
    assert by_priority.meta["cutoff_year"] == 2018
    assert column(by_priority, "year")[-1] == 2018
    assert by_priority.meta["cutoff_reference_date"] == "2021-03-03"


def test_cumulative_counts_the_years_before_a_window_on_records():
    chart = compute("cumulative_trend", start_year=2016, end_year=2019)

    before = sum(1 for row in RECORD_ROWS if (year_of(row) or 9999) < 2016)
    running, expected = before, []
    for year in range(2016, 2020):
        running += sum(1 for row in RECORD_ROWS if year_of(row) == year)
        expected.append(running)
    assert column(chart, "cumulative") == expected
    assert chart.meta["documents_before_window"] == before


def test_forecast_runs_on_records_by_priority_year():
    chart = compute("forecast", date_basis="priority", cutoff=2019, horizon=2)

    observed = [
        year
        for year, count in zip(column(chart, "year"), column(chart, "observed"), strict=True)
        if count is not None
    ]
    priority = Counter(year_of(row, "priority") for row in RECORD_ROWS)
    assert observed == list(range(2011, 2020))  # 2012 and 2013 are zeros inside the span
    assert [c for c in column(chart, "observed") if c is not None] == [priority.get(y, 0) for y in observed]
    assert [
        y for y, f in zip(column(chart, "year"), column(chart, "forecast"), strict=True) if f is not None
    ] == [
        2020,
        2021,
    ]


@pytest.mark.parametrize(("start", "end"), [(None, None), (2016, 2018), (2019, None)])
def test_top_applicants_in_a_window_of_years(start, end):
    chart = compute("top_applicants", top_n=3, start_year=start, end_year=end)

    rows = RECORD_ROWS if start is None and end is None else rows_between(start or 0, end or 9999)
    expected = ranked(applicant_counts(rows))[:3]
    assert list(zip(column(chart, "applicant"), column(chart, "count"), strict=True)) == expected


def test_top_countries_and_treemap_in_a_window_of_years():
    countries = compute("top_countries", start_year=2016, end_year=2018)
    treemap = compute("cpc_treemap", start_year=2016, end_year=2018)

    rows = rows_between(2016, 2018)
    assert list(zip(column(countries, "country"), column(countries, "count"), strict=True)) == ranked(
        dict(Counter(row["jurisdiction"] for row in rows))
    )
    groups = Counter(g for row in rows for g in {code.split("/")[0] for code in row["cpc"]})
    assert list(zip(column(treemap, "code"), column(treemap, "count"), strict=True)) == ranked(dict(groups))
    assert treemap.meta["window"]["first_year"] == 2016


def test_a_window_on_a_pre_aggregated_export_needs_records():
    filters = canonical(applicant={"ACME": 3}, publication_year={"2019": 3})
    analysis = get_analysis("top_applicants")
    params = validate_params("top_applicants", {"start_year": 2019})

    assert Field.RECORDS in analysis.required_fields(params)
    with pytest.raises(MissingFieldError) as error:
        analysis.compute(filters, params)
    assert error.value.missing == Field.RECORDS


# --- applicant x year heatmap, top applicants over time -------------------------------------------


@pytest.mark.parametrize("key", ["applicant_year_heatmap", "top_applicants_over_time"])
def test_applicant_year_table_matches_a_hand_count(key):
    chart = compute(key, top_n=3, start_year=2015, end_year=2020)

    rows = rows_between(2015, 2020)
    top = [name for name, _ in ranked(applicant_counts(rows))[:3]]
    expected = [
        [name, year, sum(1 for row in rows if year_of(row) == year and name in row["applicants"])]
        for name in top
        for year in range(2015, 2021)
    ]
    assert chart.columns == ["applicant", "year", "count"]
    assert chart.rows == expected
    assert chart.meta["totals"] == {name: applicant_counts(rows)[name] for name in top}
    assert chart.meta["entries"] == len(applicant_counts(rows))


def test_heatmap_ties_at_the_cut_off_are_reported():
    chart = compute("applicant_year_heatmap", top_n=2)

    counts = ranked(applicant_counts([row for row in RECORD_ROWS if year_of(row)]))
    last = counts[1][1]
    assert chart.meta["tied_beyond_cutoff"] == sum(1 for _, n in counts[2:] if n == last)


# --- co-classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "level", "cut"),
    [
        ("cpc", "subclass", lambda code: code[:4]),
        ("cpc", "main_group", lambda code: code.split("/")[0]),
        ("cpc", "subgroup", lambda code: code),
        ("ipc", "subclass", lambda code: code[:4]),
    ],
)
def test_co_classification_counts_documents_sharing_two_codes(scheme, level, cut):
    chart = compute("co_classification", scheme=scheme, level=level, top_n=4)

    codes_per_row = [{cut(code) for code in row[scheme]} for row in RECORD_ROWS]
    totals = Counter(code for codes in codes_per_row for code in codes)
    top = [code for code, _ in ranked(dict(totals))[:4]]
    expected = [
        [a, b, sum(1 for codes in codes_per_row if a in codes and b in codes)] for a in top for b in top
    ]
    assert chart.rows == expected
    assert chart.meta["totals"] == {code: totals[code] for code in top}
    assert chart.meta["documents_with_codes"] == sum(1 for codes in codes_per_row if codes)
    pairs = [(a, b, n) for a, b, n in expected if top.index(a) < top.index(b) and n]
    strongest = sorted(pairs, key=lambda p: (-p[2], top.index(p[0]), top.index(p[1])))[:5]
    assert chart.meta["strongest_pairs"] == [list(p) for p in strongest]


def test_co_classification_needs_the_scheme_it_is_asked_for():
    analysis = get_analysis("co_classification")
    assert analysis.required_fields(validate_params("co_classification", {})) == (
        Field.RECORDS,
        Field.CPC_MAIN_GROUP,
    )
    ipc = validate_params("co_classification", {"scheme": "ipc", "level": "subgroup"})
    assert analysis.required_fields(ipc) == (Field.RECORDS, Field.IPC_SUBGROUP)
    entry = next(e for e in catalog() if e["key"] == "co_classification")
    assert entry["requires_by_param"]["scheme"] == {
        "cpc": ["records", "cpc_main_group"],
        "ipc": ["records", "ipc_main_group"],
    }


# --- technology life cycle, new entrants ------------------------------------------------------------


def test_life_cycle_counts_documents_and_distinct_applicants_per_year():
    chart = compute("technology_life_cycle")

    first, last = PUBLICATION_YEARS[0], PUBLICATION_YEARS[-1]
    expected = []
    for year in range(first, last + 1):
        rows = [row for row in RECORD_ROWS if year_of(row) == year]
        expected.append([year, len(rows), len({name for row in rows for name in row["applicants"]})])
    assert chart.rows == expected
    assert chart.meta["applicants_total"] == len(
        {name for row in RECORD_ROWS if year_of(row) for name in row["applicants"]}
    )


@pytest.mark.parametrize(("start", "end"), [(None, None), (2016, 2019)])
def test_new_entrants_are_applicants_whose_first_document_falls_in_the_year(start, end):
    chart = compute("new_entrants", start_year=start, end_year=end)

    first_year: dict[str, int] = {}
    for row in RECORD_ROWS:
        if (year := year_of(row)) is not None:
            for name in row["applicants"]:
                first_year[name] = min(first_year.get(name, year), year)
    first, last = start or PUBLICATION_YEARS[0], end or PUBLICATION_YEARS[-1]
    expected = []
    for year in range(first, last + 1):
        active = {name for row in RECORD_ROWS if year_of(row) == year for name in row["applicants"]}
        new = {name for name in active if first_year[name] == year}
        expected.append([year, len(new), len(active) - len(new), len(active)])
    assert chart.rows == expected
    assert chart.meta["first_data_year"] == min(first_year.values())
    # ACME's first document is from 2012: never new inside 2016-2019, however active it is there.
    assert "ACME" not in str(chart.meta["largest_new_entrants"]) or start is None


def test_new_entrants_name_the_largest_newcomers_of_each_year():
    chart = compute("new_entrants", start_year=2017, end_year=2018)

    # 2017: GAMMA GMBH (WO3A1) is new; 2018: GAMMA again (not new), DELTA CO is new.
    assert chart.meta["largest_new_entrants"] == {"2017": [["GAMMA GMBH", 1]], "2018": [["DELTA CO", 1]]}


# --- family sizes ---------------------------------------------------------------------------------


def test_family_size_counts_each_family_once_with_its_largest_size():
    chart = compute("family_size_distribution")

    sizes: dict[str, int] = {}
    for row in RECORD_ROWS:
        if row["family_size"]:
            key = row["family_id"] or "P:" + row["publication_number"]
            sizes[key] = max(sizes.get(key, 0), row["family_size"])
    distribution = Counter(sizes.values())
    assert column(chart, "family_size") == list(range(1, max(sizes.values()) + 1))
    assert column(chart, "families") == [distribution.get(s, 0) for s in range(1, max(sizes.values()) + 1)]
    assert chart.meta["families"] == len(sizes)
    assert chart.meta["median_size"] == statistics.median(sizes.values())
    assert sum(column(chart, "share")) == pytest.approx(1.0)


def test_family_sizes_from_the_cap_up_share_one_bar():
    chart = compute("family_size_distribution", max_size=3)

    assert column(chart, "label") == ["1", "2", "3+"]
    # Families of size 3 (F1) and 4 (F6) share the last bar.
    assert column(chart, "families")[-1] == 2
    assert chart.meta["families_in_last_bar"] == 2


# --- legal status, most cited, jurisdictions --------------------------------------------------------


def test_legal_status_counts_documents_per_status_with_unknown_for_none():
    chart = compute("legal_status")

    counts = Counter(row["legal_status"] or "unknown" for row in RECORD_ROWS)
    order = ["active", "pending", "discontinued", "expired", "inactive", "unknown"]
    assert chart.rows == [[s, counts[s], counts[s] / len(RECORD_ROWS)] for s in order if counts[s]]
    assert chart.meta["unknown"] == counts["unknown"]


def test_legal_status_in_a_window_of_priority_years():
    chart = compute("legal_status", date_basis="priority", start_year=2016, end_year=2017)

    rows = rows_between(2016, 2017, "priority")
    assert dict(zip(column(chart, "status"), column(chart, "count"), strict=True)) == dict(
        Counter(row["legal_status"] for row in rows)
    )


def test_most_cited_ranks_documents_by_citations_received():
    chart = compute("most_cited", top_n=4)

    cited = sorted(
        (row for row in RECORD_ROWS if row["cited_by_count"]),
        key=lambda row: (-row["cited_by_count"], row["publication_number"]),
    )[:4]
    assert column(chart, "publication_number") == [row["publication_number"] for row in cited]
    assert column(chart, "cited_by") == [row["cited_by_count"] for row in cited]
    assert column(chart, "applicant") == [row["applicants"][0] for row in cited]
    assert column(chart, "year") == [year_of(row) for row in cited]
    assert chart.meta["citations_total"] == sum(row["cited_by_count"] or 0 for row in RECORD_ROWS)
    assert chart.meta["documents_cited"] == sum(1 for row in RECORD_ROWS if row["cited_by_count"])
    # A title that Excel would run as a formula is neutralised in the CSV, kept in the JSON.
    assert b"'=HYPERLINK" in chart.to_csv()


@pytest.mark.parametrize("include_regional", [True, False])
def test_jurisdictions_count_families_once_per_office_including_members(include_regional):
    chart = compute("jurisdictions_by_family", include_regional=include_regional)

    offices: dict[str, set[str]] = defaultdict(set)
    for row in RECORD_ROWS:
        key = row["family_id"] or "P:" + row["publication_number"]
        offices[key] |= {row["jurisdiction"], *(member[:2] for member in row["family_members"])}
    counts = Counter(office for codes in offices.values() for office in codes)
    if not include_regional:
        counts = Counter({k: v for k, v in counts.items() if k not in REGIONAL_OFFICES})
    expected = ranked(dict(counts))[:15]
    assert list(zip(column(chart, "jurisdiction"), column(chart, "families"), strict=True)) == expected
    assert chart.meta["families"] == len(offices)
    assert column(chart, "share")[0] == expected[0][1] / len(offices)


# --- what each analysis needs, and when it has nothing to show -----------------------------------


NEEDS = {
    "applicant_year_heatmap": ("applicants", Field.APPLICANT),
    "top_applicants_over_time": ("applicants", Field.APPLICANT),
    "co_classification": ("cpc", Field.CPC_MAIN_GROUP),
    "technology_life_cycle": ("applicants", Field.APPLICANT),
    "new_entrants": ("applicants", Field.APPLICANT),
    "family_size_distribution": ("family_size", Field.FAMILY_SIZE),
    "legal_status": ("legal_status", Field.LEGAL_STATUS),
    "most_cited": ("cited_by_count", Field.CITATIONS),
    "jurisdictions_by_family": ("family_id", Field.FAMILY),
}


def without(column_name: str) -> list[dict]:
    empty: Any = [] if isinstance(RECORD_ROWS[0][column_name], list) else None
    return [{**row, column_name: empty} for row in RECORD_ROWS]


@pytest.mark.parametrize("key", RECORD_KEYS)
def test_a_missing_field_is_named(key):
    column_name, field = NEEDS[key]
    data = records_data(without(column_name))
    analysis = get_analysis(key)

    assert field in analysis.required_fields(analysis.params_model())
    assert field not in data.fields()
    with pytest.raises(MissingFieldError) as error:
        analysis.compute(data, analysis.params_model())
    assert error.value.missing == field


@pytest.mark.parametrize("key", RECORD_KEYS)
def test_a_pre_aggregated_export_cannot_feed_them(key):
    filters = canonical(**{f.value: {"2019": 1, "2020": 2} for f in Field if f != Field.RECORDS})
    with pytest.raises(MissingFieldError) as error:
        compute(key, filters)
    assert error.value.missing == Field.RECORDS


@pytest.mark.django_db
def test_dataset_feeds_says_what_each_new_analysis_needs():
    fields = [
        "records",
        "publication_year",
        "priority_year",
        "applicant",
        "country",
        "cpc_main_group",
        "family",
    ]
    espacenet = DatasetFactory(available_fields=fields)

    fits = {fit["key"]: fit for fit in dataset_feeds(espacenet)}

    assert fits["applicant_year_heatmap"]["available"]
    assert fits["jurisdictions_by_family"]["available"]
    assert fits["legal_status"] == {
        "key": "legal_status",
        "title": "Legal status",
        "available": False,
        "missing": ["legal_status"],
        "reason": "Needs legal status.",
    }
    assert fits["most_cited"]["reason"] == "Needs citation counts."
    assert fits["family_size_distribution"]["reason"] == "Needs family sizes."
    filters = DatasetFactory()  # Espacenet Filters: counts only
    assert {fit["key"]: fit["reason"] for fit in dataset_feeds(filters)}["new_entrants"] == (
        "Needs one row per publication (a record-level export)."
    )


@pytest.mark.parametrize("key", RECORD_KEYS)
def test_a_window_without_documents_is_a_clear_error(key):
    params = {"start_year": 2013, "end_year": 2013}  # no publication is dated 2013
    with pytest.raises(ValueError, match=r"\S") as error:
        compute(key, **params)
    assert "Traceback" not in str(error.value)
    assert not isinstance(error.value, MissingFieldError)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("most_cited", "has been cited"),
        ("family_size_distribution", "size of its family"),
    ],
)
def test_nothing_to_count_is_a_clear_error(key, message):
    rows = [{**row, "cited_by_count": 0, "family_size": 0} for row in RECORD_ROWS]
    with pytest.raises(ValueError, match=message):
        compute(key, records_data(rows))


# --- rendering ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _warm():
    warm_up(freeze_gc=False)


@pytest.mark.parametrize("key", RECORD_KEYS)
def test_each_new_analysis_renders_in_spanish(key):
    analysis = get_analysis(key)
    chart = analysis.compute(records_data(), analysis.params_model())

    fig = analysis.render(chart, Style(language="es"))
    try:
        texts = " ".join(figure_texts(fig))
    finally:
        fig.clear()

    assert label(f"analysis.{key}.title", "es") in texts
    assert "Fuente: Lens.org" in texts
    assert "Source" not in texts


def test_spanish_words_reach_the_status_bars_and_the_legend():
    analysis = get_analysis("legal_status")
    fig = analysis.render(compute("legal_status"), Style(language="es"))
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert labels[:2] == ["En vigor", "En trámite"]
    entrants = get_analysis("new_entrants").render(compute("new_entrants"), Style(language="es"))
    assert "Nuevos solicitantes" in figure_texts(entrants)


# The largest charts each analysis allows.
LARGEST = {
    "applicant_year_heatmap": {"top_n": 40},
    "top_applicants_over_time": {"top_n": 12},
    "co_classification": {"top_n": 30, "level": "subgroup"},
    "most_cited": {"top_n": 50},
    "jurisdictions_by_family": {"top_n": 50},
    "family_size_distribution": {"max_size": 100},
}


@pytest.mark.parametrize("key", RECORD_KEYS)
def test_each_new_analysis_renders_on_a_large_dataset(key, records_large):
    analysis = REGISTRY[key]
    chart = analysis.compute(records_large, validate_params(key, LARGEST.get(key, {})))

    files = render_chart(analysis, chart, Style(formats=["png"], width=6, height=4, dpi=100))

    assert png_size(files["png"]) == (600, 400)


@pytest.fixture(scope="module")
def records_large() -> CanonicalData:
    """600 publications over 25 years, 80 applicants, many codes: grids too dense for numbers."""
    import random

    rng = random.Random(3)
    rows = []
    for index in range(600):
        year = 1999 + rng.randrange(25)
        number = f"{rng.choice(['US', 'EP', 'CN', 'WO', 'JP'])}{index}A1"
        rows.append(
            {
                **RECORD_ROWS[0],
                "publication_number": number,
                "jurisdiction": number[:2],
                "family_id": f"F{index // 3}",
                "publication_date": dt.date(year, 1 + index % 12, 1),
                "priority_date": dt.date(year - 1, 1 + index % 12, 1),
                "applicants": [f"APPLICANT {rng.randrange(80):02d} WITH A RATHER LONG NAME CO LTD"],
                "cpc": [f"{rng.choice('ABCGH')}{rng.randrange(10):02d}X{rng.randrange(9)}/{rng.randrange(5)}"
                        for _ in range(3)],
                "legal_status": rng.choice(["active", "pending", None]),
                "cited_by_count": rng.randrange(200),
                "family_size": 1 + int(rng.expovariate(0.2)),
            }
        )  # fmt: skip
    return records_data(rows)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "key",
    [
        "publication_trend",
        "trend_cumulative",
        "forecast",
        "applicant_year_heatmap",
        "technology_life_cycle",
        "new_entrants",
        "top_applicants_over_time",
    ],
)
@pytest.mark.parametrize("cutoff", ["auto", 2019])
def test_a_cutoff_that_leaves_documents_out_says_so_under_the_chart(key, cutoff, language):
    analysis = get_analysis(key)
    chart = analysis.compute(records_data(), validate_params(key, {"cutoff": cutoff}))
    later = sum(1 for row in RECORD_ROWS if (year_of(row) or 0) > chart.meta["cutoff_year"])
    assert later and chart.meta["documents_after_cutoff"] == later

    fig = analysis.render(chart, Style(language=language))
    try:
        notes = " ".join(figure_texts(fig))
    finally:
        fig.clear()

    assert str(chart.meta["cutoff_year"]) in notes
    assert ("later documents left out" if language == "en" else "documentos posteriores") in notes


@pytest.mark.parametrize("key", ["applicant_year_heatmap", "co_classification"])
def test_cell_counts_are_written_one_per_cell_on_their_rows(key):
    """Counts are drawn as one text per column, one line per row: the text must span the grid
    exactly, so each line sits in its cell, and together they state every non-zero cell."""
    analysis = get_analysis(key)
    chart = analysis.compute(records_data(), analysis.params_model())
    fig = analysis.render(chart, Style())
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        ax = fig.axes[0]
        grid = ax.get_window_extent(renderer)
        texts = [t for t in ax.texts if t.get_gid() == "cell-counts"]
        for text in texts:
            box = text.get_window_extent(renderer)
            assert box.y0 == pytest.approx(grid.y0, abs=1.0)
            assert box.y1 == pytest.approx(grid.y1, abs=1.0)
        written = sorted(int(line) for t in texts for line in t.get_text().split("\n") if line)
    finally:
        fig.clear()
    values = column(chart, "count" if key == "applicant_year_heatmap" else "documents")
    assert written == sorted(v for v in values if v > 0)


# --- through the REST API -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_analyses_endpoint_lists_the_record_level_analyses_with_their_needs(api_client):
    analyses = {a["key"]: a for a in api_client.get("/api/v1/analyses/").json()}

    assert set(RECORD_KEYS) <= set(analyses)
    assert analyses["legal_status"]["requires"] == ["records", "legal_status"]
    assert analyses["most_cited"]["requires"] == ["records", "citations"]
    assert analyses["new_entrants"]["requires"] == ["records", "publication_year", "applicant"]
    assert analyses["new_entrants"]["requires_by_param"]["date_basis"]["priority"] == [
        "records",
        "priority_year",
        "applicant",
    ]
    assert set(analyses["co_classification"]["params_schema"]["properties"]) >= {"scheme", "level", "top_n"}


@pytest.mark.django_db
def test_dataset_detail_and_job_creation_say_what_is_missing(api_client, user):
    fields = [
        "records",
        "publication_year",
        "priority_year",
        "applicant",
        "country",
        "cpc_main_group",
        "family",
    ]
    dataset = DatasetFactory(owner=user, available_fields=fields, detected_format="espacenet_results")

    detail = api_client.get(f"/api/v1/datasets/{dataset.pk}/").json()
    fits = {fit["key"]: fit for fit in detail["analyses"]}
    assert fits["technology_life_cycle"]["available"]
    assert not fits["legal_status"]["available"] and fits["legal_status"]["reason"] == "Needs legal status."

    refused = api_client.post(
        "/api/v1/jobs/",
        {"dataset": dataset.pk, "analyses": [{"key": "new_entrants"}, {"key": "most_cited"}]},
        format="json",
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "missing_data"
    assert error["fields"] == {
        "analyses[1]": ["Most-cited patents needs citation counts, which this dataset does not have."]
    }
