"""The local describer states only true numbers: each one is checked against the chart's data.

For each of the eight analyses, on small and large datasets, with parameters that reach every
branch, in English and in Spanish: every number in the text is parsed (digit grouping and decimal
marks of the language, percentages apart) and must be one of the figures computed here,
independently, from the chart's table and the source counts; the headline figures must be stated;
and both languages must state the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from apps.ai.local import PHRASES, describe
from apps.charts.analyses import CLASSIC_EIGHT, REGISTRY
from apps.charts.labels import CATALOG
from apps.charts.tests.data import canonical, facet, sample_data
from apps.datasets.canonical import CanonicalData, Field

NBSP = "\u00a0"
REGIONAL = {"WO", "EP", "EA", "AP", "OA", "GC"}


# --- Parsing numbers out of prose ---------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool


PATTERNS = {
    "en": re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%)?"),
    "es": re.compile(rf"(?<![\w.,])(\d{{1,3}}(?:{NBSP}\d{{3}})+|\d+)(,\d+)?({NBSP}%)?"),
}


def numbers_in(text: str, language: str, names: Iterable[str] = ()) -> list[Number]:
    """Every number the text states; names (which may hold digits: CPC codes, '3M') are removed first."""
    for name in sorted(set(names), key=len, reverse=True):
        text = text.replace(name, " ")
    found = []
    for whole, decimals, percent in PATTERNS[language].findall(text):
        digits = whole.replace(",", "").replace(NBSP, "")
        fraction = (decimals or "").replace(",", ".")
        found.append(Number(float(digits + fraction), bool(percent)))
    return found


def test_the_parser_reads_both_languages():
    assert numbers_in("From 2012 (1 document) to 12,345 at 36.4%.", "en") == [
        Number(2012, False),
        Number(1, False),
        Number(12345, False),
        Number(36.4, True),
    ]
    assert numbers_in(f"De 2012 a 12{NBSP}345, del 36,4{NBSP}% y 1,5; 2019, 2020.", "es") == [
        Number(2012, False),
        Number(12345, False),
        Number(36.4, True),
        Number(1.5, False),
        Number(2019, False),
        Number(2020, False),
    ]
    assert numbers_in("G01N33/24 leads", "en", names=["G01N33/24"]) == []


# --- What may be stated ----------------------------------------------------------------------------------


@dataclass
class Expected:
    """Figures computed from the chart's data: (value, tolerance) numbers and percentages."""

    numbers: list[tuple[float, float]] = field(default_factory=list)
    percents: list[tuple[float, float]] = field(default_factory=list)
    headline: list[Number | tuple[float, float, bool]] = field(default_factory=list)

    def n(self, value: float, tol: float = 0.0, *, headline: bool = False) -> None:
        self.numbers.append((float(value), tol))
        if headline:
            self.headline.append((float(value), tol, False))

    def pct(self, fraction: float, tol: float = 0.05, *, headline: bool = False) -> None:
        self.percents.append((fraction * 100, tol + 1e-9))
        if headline:
            self.headline.append((fraction * 100, tol + 1e-9, True))

    def allows(self, number: Number) -> bool:
        pool = self.percents if number.percent else self.numbers
        return any(abs(number.value - value) <= tol + 1e-9 for value, tol in pool)

    def states(self, found: list[Number], value: float, tol: float, percent: bool) -> bool:
        return any(n.percent == percent and abs(n.value - value) <= tol + 1e-9 for n in found)


def rows_of(chart: dict, *names: str) -> list[list]:
    index = [chart["columns"].index(n) for n in names]
    return [[row[i] for row in chart["rows"]] for i in index]


def expect_trend(chart: dict, data: CanonicalData, e: Expected) -> None:
    years, counts = rows_of(chart, "year", "count")
    total = sum(counts)
    e.n(total, headline=True)
    e.n(years[0])
    e.n(years[-1])
    e.n(len(years))
    positive = [(y, c) for y, c in zip(years, counts, strict=True) if c > 0]
    if len(positive) >= 2:
        (y0, c0), (y1, c1) = positive[0], positive[-1]
        for value in (y0, c0, y1, c1, y1 - y0):
            e.n(value)
        if c0 != c1:
            e.pct(abs((c1 / c0) ** (1 / (y1 - y0)) - 1), headline=True)
    peak = max(counts)
    e.n(peak, headline=True)
    for year, count in zip(years, counts, strict=True):
        if count == peak:
            e.n(year)
    if len(years) >= 8:
        e.n(5)
        e.n(years[-5])
        e.pct(sum(counts[-5:]) / total, headline=True)
    e.n(sum(1 for c in counts if c == 0))
    if "cumulative" in chart["columns"]:
        (cumulative,) = rows_of(chart, "cumulative")
        e.n(cumulative[-1], headline=True)
        before = cumulative[0] - counts[0]
        e.n(before)
        # Independently of the chart's cumulative column: documents in the source before the window.
        source_before = sum(
            c for k, c in data.facets[Field(chart["meta"]["field"])].rows if k.isdigit() and int(k) < years[0]
        )
        assert before == source_before
        if cumulative[0] * 2 < cumulative[-1]:
            e.n(next(y for y, c in zip(years, cumulative, strict=True) if c * 2 >= cumulative[-1]))


def _ols(xs: list[int], ys: list[int]) -> tuple[float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    ssr = sum((y - my - slope * (x - mx)) ** 2 for x, y in zip(xs, ys, strict=True))
    sst = sum((y - my) ** 2 for y in ys)
    return slope, 1 - ssr / sst


def expect_forecast(chart: dict, data: CanonicalData, e: Expected) -> None:
    years, observed, fitted, forecast, lower, upper = rows_of(
        chart, "year", "observed", "fitted", "forecast", "lower", "upper"
    )
    seen = [(y, o) for y, o in zip(years, observed, strict=True) if o is not None]
    e.n(sum(o for _, o in seen))
    e.n(seen[0][0])
    e.n(seen[-1][0])
    e.n(seen[-1][1])
    window = [
        (y, o) for y, o, f in zip(years, observed, fitted, strict=True) if f is not None and o is not None
    ]
    e.n(window[0][0])
    e.n(window[-1][0])
    slope, r2 = _ols([y for y, _ in window], [o for _, o in window])
    e.n(abs(slope), tol=0.051, headline=True)
    e.pct(r2, tol=0.1)
    ahead = [
        (y, f, lo, hi) for y, f, lo, hi in zip(years, forecast, lower, upper, strict=True) if f is not None
    ]
    (y0, f0, _, _), (y1, f1, lo1, hi1) = ahead[0], ahead[-1]
    e.n(y0)
    e.n(y1)
    zero = [y for y, f, _, _ in ahead if f < 0.5]  # projections that round to no documents
    if zero:
        e.n(zero[0], headline=True)  # "at zero from ..." / "falling to zero by ..."
    e.n(f0, tol=0.5, headline=not zero or zero[0] != y0)
    e.n(f1, tol=0.5, headline=not zero)
    e.n(lo1, tol=0.5, headline=hi1 >= 0.5)
    e.n(hi1, tol=0.5, headline=hi1 >= 0.5)
    if f1 > 0:
        e.pct((hi1 - f1) / f1)
    e.pct(chart["meta"]["confidence"])


def expect_ranking(chart: dict, data: CanonicalData, e: Expected, name_column: str) -> None:
    meta = chart["meta"]
    names, counts, ranks = rows_of(chart, name_column, "count", "rank")
    source = dict(data.facets[Field(meta["field"])].rows)
    if meta.get("include_regional") is False:
        source = {k: v for k, v in source.items() if k not in REGIONAL}
    e.n(counts[0], headline=True)
    e.n(counts[ranks.index(2)] if 2 in ranks else counts[1] if len(counts) > 1 else counts[0])
    e.n(len(names))
    e.n(3)
    if len(counts) >= 6:
        e.pct(sum(counts[:3]) / sum(counts), headline=True)
    entries = len(source)
    e.n(entries)
    total = sum(source.values())
    e.n(total)
    e.pct(sum(counts[:3]) / total)
    e.n(10)
    e.pct(sum(counts[:10]) / total)
    shown = set(names)
    e.n(sum(1 for k, v in source.items() if k not in shown and v == counts[-1]))
    e.n(counts[-1])
    e.n(len(data.facets[Field(meta["field"])].rows))  # a truncated source's listed entries
    if meta.get("highlight") in shown:
        index = names.index(meta["highlight"])
        e.n(ranks[index], headline=True)
        e.n(counts[index])


def expect_treemap(chart: dict, data: CanonicalData, e: Expected) -> None:
    meta = chart["meta"]
    ranks, codes, sections, counts = rows_of(chart, "rank", "code", "section", "count")
    ranked = [(c, s, n) for r, c, s, n in zip(ranks, codes, sections, counts, strict=True) if r is not None]
    shown_total = sum(n for *_, n in ranked)
    for _, _, n in ranked[:3]:
        e.n(n, headline=True)
    by_section: dict[str, int] = {}
    for _, section, n in ranked:
        by_section[section] = by_section.get(section, 0) + n
    top = sorted(by_section.values(), reverse=True)
    e.pct(top[0] / shown_total, headline=True)
    if len(top) > 1:
        e.pct(top[1] / shown_total)
    e.n(3)
    e.n(len(ranked))
    e.pct(sum(n for *_, n in ranked[:3]) / shown_total)
    source = dict(data.facets[Field(meta["field"])].rows)
    e.n(len(source))
    rest = [v for k, v in source.items() if k not in {c for c, _, _ in ranked}]
    e.n(len(rest))
    e.n(sum(rest))


EXPECTATIONS = {
    "publication_trend": expect_trend,
    "cumulative_trend": expect_trend,
    "trend_cumulative": expect_trend,
    "forecast": expect_forecast,
    "top_applicants": lambda c, d, e: expect_ranking(c, d, e, "applicant"),
    "top_inventors": lambda c, d, e: expect_ranking(c, d, e, "inventor"),
    "top_countries": lambda c, d, e: expect_ranking(c, d, e, "country"),
    "cpc_treemap": expect_treemap,
}


# --- Datasets and cases ----------------------------------------------------------------------------------


def large_data() -> CanonicalData:
    """Tens of thousands of documents (digit grouping), ties at a cut-off, every CPC section."""
    years = {str(1995 + i): 900 + 530 * i + (i % 4) * 210 for i in range(26)}
    years["2021"] = 9_000  # a dip in the last year
    applicants = {f"APPLICANT {chr(65 + i)}{chr(65 + i)} CORP": 15_000 - 430 * i for i in range(25)}
    for tied in ("APPLICANT JJ CORP", "APPLICANT KK CORP", "APPLICANT LL CORP"):
        applicants[tied] = applicants["APPLICANT II CORP"]
    sections = "ABCDEFGHY"
    cpc = {f"{sections[i % 9]}0{i % 9 + 1}{'ABCDEFGHJK'[i % 10]}{i + 1}": 5_000 - 70 * i for i in range(60)}
    return canonical(
        "lens_patents",
        publication_year=years,
        priority_year={str(int(y) - 1): c for y, c in years.items()},
        applicant=applicants,
        inventor=facet(
            Field.INVENTOR, {f"INVENTOR {chr(65 + i)}": 800 - 25 * i for i in range(30)}, truncated=True
        ),
        country={
            "CN": 52_000,
            "US": 31_000,
            "EP": 15_000,
            "WO": 14_000,
            "JP": 12_000,
            "KR": 9_000,
            "DE": 4_000,
            "FR": 1_200,
            "GB": 1_100,
            "ES": 800,
            "CA": 600,
            "AU": 500,
            "IN": 400,
        },
        cpc_main_group=cpc,
        cpc_subgroup={f"{code}/{n}": count for n, (code, count) in enumerate(cpc.items(), start=10)},
    )


def declining_data() -> CanonicalData:
    """A shrinking field: the forecast's interval is cut at zero."""
    years = dict(zip((str(y) for y in range(2010, 2020)), (20, 18, 15, 14, 10, 9, 6, 5, 3, 2), strict=True))
    return canonical("lens_patents", publication_year=years, priority_year=years)


DATASETS = {"sample": sample_data, "large": large_data, "declining": declining_data}

CASES: list[tuple[str, str, dict]] = [
    ("publication_trend", "sample", {}),
    ("publication_trend", "large", {}),
    ("publication_trend", "large", {"date_basis": "priority", "start_year": 2000, "end_year": 2012}),
    ("publication_trend", "declining", {}),
    ("cumulative_trend", "sample", {}),
    ("cumulative_trend", "large", {"start_year": 2010}),
    ("trend_cumulative", "sample", {"start_year": 2015}),
    ("trend_cumulative", "large", {}),
    ("forecast", "sample", {}),
    ("forecast", "large", {"horizon": 1, "confidence": 0.8}),
    ("forecast", "large", {"fit_years": 5, "horizon": 10}),
    ("forecast", "declining", {"horizon": 8}),
    ("forecast", "declining", {"horizon": 3, "fit_years": 4, "confidence": 0.5}),
    ("top_applicants", "sample", {}),
    ("top_applicants", "large", {}),
    ("top_applicants", "large", {"top_n": 5}),
    ("top_inventors", "sample", {}),
    ("top_inventors", "large", {"top_n": 15}),
    ("top_countries", "sample", {"highlight": "ES", "top_n": 4}),
    ("top_countries", "large", {"highlight": "ES"}),
    ("top_countries", "large", {"highlight": "WO", "include_regional": False}),
    ("top_countries", "large", {"highlight": "FR", "top_n": 3}),
    ("top_countries", "large", {"highlight": "NZ"}),
    ("cpc_treemap", "sample", {}),
    ("cpc_treemap", "large", {"show_other": True}),
    ("cpc_treemap", "large", {"level": "subgroup", "top_n": 8}),
]


def context_for(data: CanonicalData) -> dict:
    return {
        "format_label": "Lens.org patent CSV",
        "records": 123_456,
        "facets": {
            f.value: {"total": sum(c for _, c in fc.rows), "rows": len(fc.rows)}
            for f, fc in data.facets.items()
        },
    }


def names_in(chart: dict) -> set[str]:
    """Strings of the table (names, codes) and the CPC section names: they may contain digits."""
    strings = {v for row in chart["rows"] for v in row if isinstance(v, str)}
    return strings | {
        text for key, text in CATALOG.items() if key.startswith("cpc.section.") for text in text.values()
    }


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("key", "dataset", "params"), CASES, ids=[f"{k}-{d}-{i}" for i, (k, d, _) in enumerate(CASES)]
)
def test_every_number_stated_is_true_of_the_chart(key, dataset, params, language):
    data = DATASETS[dataset]()
    analysis = REGISTRY[key]
    chart = analysis.compute(data, analysis.params_model.model_validate(params)).to_json()
    context = context_for(data)

    text = describe(analysis_key=key, chart=chart, language=language, context=context).text

    expected = Expected()
    EXPECTATIONS[key](chart, data, expected)
    expected.n(context["records"])
    found = numbers_in(text, language, names=names_in(chart))
    wrong = [n for n in found if not expected.allows(n)]
    assert not wrong, f"numbers not backed by the chart: {wrong}\n{text}"
    missing = [h for h in expected.headline if not expected.states(found, *h)]
    assert not missing, f"headline figures not stated: {missing}\n{text}"


@pytest.mark.parametrize(
    ("key", "dataset", "params"), CASES, ids=[f"{k}-{d}-{i}" for i, (k, d, _) in enumerate(CASES)]
)
def test_english_and_spanish_state_the_same_numbers(key, dataset, params):
    data = DATASETS[dataset]()
    analysis = REGISTRY[key]
    chart = analysis.compute(data, analysis.params_model.model_validate(params)).to_json()
    names = names_in(chart)

    english = describe(analysis_key=key, chart=chart, language="en", context=context_for(data)).text
    spanish = describe(analysis_key=key, chart=chart, language="es", context=context_for(data)).text

    assert sorted(numbers_in(english, "en", names), key=repr) == sorted(
        numbers_in(spanish, "es", names), key=repr
    )
    assert english != spanish


def test_every_classic_analysis_has_its_own_describer_and_cases():
    from apps.ai.local import DESCRIBERS

    assert set(CLASSIC_EIGHT) <= set(DESCRIBERS)
    assert {key for key, _, _ in CASES} == set(CLASSIC_EIGHT)


# --- Analyses the describer has no table for ------------------------------------------------------------


GENERIC = [
    # A series per year (e.g. new entrants per year).
    (
        {
            "columns": ["year", "new_entrants"],
            "rows": [[2016, 4], [2017, 0], [2018, 9], [2019, 16], [2020, 11]],
        },
        {2016, 2020, 4, 16, 40, 5, 1, 2019, 11},
        {((11 / 4) ** 0.25 - 1) * 100},
    ),
    # Per year and per name (e.g. applicant by year): leaders and newcomers.
    (
        {
            "columns": ["year", "applicant", "count"],
            "rows": [
                [2018, "ALPHA", 3],
                [2019, "ALPHA", 2],
                [2019, "BETA", 4],
                [2020, "GAMMA", 1],
                [2020, "ALPHA", 1],
            ],
        },
        {5, 2018, 2020, 6, 2019},
        set(),
    ),
    # A ranking of names with decimal values.
    (
        {
            "columns": ["family", "size"],
            "rows": [["F1", 3.5], ["F2", 2], ["F3", 1], ["F4", 1], ["F5", 0.5], ["F6", 0.5]],
        },
        {6, 3.5, 2, 3},
        {6.5 / 8.5 * 100},
    ),
    # Anything else: ranges and totals.
    ({"columns": ["a", "b"], "rows": [[1.5, 2], [3, 4]]}, {2, 1.5, 3, 4.5, 4, 6}, set()),
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("chart", "numbers", "percents"), GENERIC)
def test_an_unknown_analysis_still_gets_true_facts(chart, numbers, percents, language):
    chart = {**chart, "meta": {}}
    names = {v for row in chart["rows"] for v in row if isinstance(v, str)}

    text = describe(analysis_key="legal_status_breakdown", chart=chart, language=language).text

    found = numbers_in(text, language, names)
    assert found, text
    for number in found:
        pool = percents if number.percent else numbers
        assert any(abs(number.value - v) <= 0.05 for v in pool), (number, text)
    assert text.startswith("Legal status breakdown:")


def test_newcomers_are_named():
    chart = GENERIC[1][0] | {"meta": {}}
    # An analysis with no describer of its own (the applicant heatmap now has one).
    text = describe(analysis_key="applicant_by_office", chart=chart, language="en").text
    assert "ALPHA leads with 6 in total" in text and "Newcomers since 2019: BETA and GAMMA." in text


def test_an_empty_chart_says_so_and_languages_are_checked():
    assert describe(
        analysis_key="forecast", chart={"columns": [], "rows": []}, language="es"
    ).text.startswith("El gráfico no tiene datos")
    with pytest.raises(ValueError, match="unsupported language"):
        describe(analysis_key="forecast", chart={"columns": [], "rows": []}, language="fr")


def test_both_languages_of_every_phrase_have_the_same_placeholders():
    field_names = re.compile(r"{(\w+)}")
    for key, (en, es) in PHRASES.items():
        assert set(field_names.findall(en)) == set(field_names.findall(es)), key


def test_two_charts_give_two_paragraphs_each_from_its_own_numbers():
    """No canned text: what is written comes from the chart."""
    analysis = REGISTRY["publication_trend"]
    first = analysis.compute(sample_data(), analysis.params_model()).to_json()
    second = analysis.compute(large_data(), analysis.params_model()).to_json()
    one = describe(analysis_key="publication_trend", chart=first, language="en").text
    two = describe(analysis_key="publication_trend", chart=second, language="en").text
    assert one != two and "46 documents" in one and "46 documents" not in two
