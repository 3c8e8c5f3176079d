"""The local describer on the record-level analyses: every number it states is in the chart's data.

For each of the nine record-level analyses, on the hand-written fixture and on a larger generated
dataset, with and without a window of years, in English and in Spanish: the description is
written; every number in it (digit grouping and decimal marks of the language) is a value of the
chart's table or meta, every percentage one of the shares the chart stores; the headline facts are
named; and both languages state the same numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from apps.ai.local import DESCRIBERS, describe
from apps.ai.tests.test_local import Number, numbers_in
from apps.charts.analyses import CLASSIC_EIGHT, REGISTRY
from apps.charts.tests.data import RECORD_ROWS, records_data
from apps.datasets.canonical import CanonicalData

RECORD_KEYS = [key for key in REGISTRY if key not in CLASSIC_EIGHT]


def generated() -> CanonicalData:
    """400 publications over 12 years, 40 applicants with a few large ones, families, statuses."""
    rng = random.Random(11)
    rows = []
    for index in range(400):
        year = 2010 + min(int(rng.expovariate(0.15)), 11)
        office = rng.choice(["US", "EP", "CN", "WO", "JP", "KR"])
        rows.append(
            {
                **RECORD_ROWS[0],
                "publication_number": f"{office}{9000 + index}A1",
                "jurisdiction": office,
                "family_id": f"G{index // 2}",
                "publication_date": dt.date(year, 1 + index % 12, 1),
                "priority_date": dt.date(year - 1, 1 + index % 12, 1),
                "applicants": [f"FIRM {int(rng.paretovariate(1.2)) % 40:02d}"],
                "cpc": rng.sample(["G01N33/24", "G01N21/00", "A61B5/00", "H01M10/42", "B01D53/00"], 2),
                "legal_status": rng.choice(["active", "pending", "expired", None]),
                "cited_by_count": int(rng.expovariate(0.1)),
                "family_size": 1 + int(rng.expovariate(0.3)),
                "family_members": [f"{office}{9000 + index}A1", f"DE{index}A1"],
            }
        )
    return records_data(rows)


DATASETS = {"fixture": records_data, "generated": generated}
CASES = [
    (key, dataset, params)
    for key in RECORD_KEYS
    for dataset in DATASETS
    for params in ({}, {"start_year": 2016, "end_year": 2020})
]


def numbers_of(value: Any) -> list[float]:
    """Every number anywhere in the chart's data (table cells and meta, however nested)."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_of(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_of(item)]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)]
    return []


def strings_of(value: Any) -> set[str]:
    """Names and codes in the chart's data: they may hold digits (US9833479B2, G01N33)."""
    if isinstance(value, dict):
        return {s for key, item in value.items() for s in strings_of(item) | {key}}
    if isinstance(value, list):
        return {s for item in value for s in strings_of(item)}
    # Labels that are numbers ("3", "30+") are read as numbers, not removed as names.
    return {value} if isinstance(value, str) and not value.rstrip("+").isdigit() else set()


def shares_of(chart: dict) -> list[float]:
    if "share" not in chart["columns"]:
        return []
    index = chart["columns"].index("share")
    return [row[index] * 100 for row in chart["rows"]]


def allowed(number: Number, chart: dict, context: dict) -> bool:
    if number.percent:
        return any(abs(number.value - share) <= 0.05 + 1e-9 for share in shares_of(chart))
    pool = [*numbers_of(chart), float(context["records"])]
    return any(abs(number.value - value) <= 1e-9 for value in pool)


HEADLINES = {
    "applicant_year_heatmap": lambda c: [c["rows"][0][0]],
    "top_applicants_over_time": lambda c: [c["rows"][0][0]],
    "co_classification": lambda c: [next(iter(c["meta"]["totals"]))],
    "technology_life_cycle": lambda c: [str(c["rows"][0][0]), str(c["rows"][-1][0])],
    "new_entrants": lambda c: [str(c["meta"]["first_year"])],
    "family_size_distribution": lambda c: [],
    "legal_status": lambda c: [],
    "most_cited": lambda c: [c["rows"][0][1]],
    "jurisdictions_by_family": lambda c: [c["rows"][0][1]],
}


def chart_for(key: str, dataset: str, params: dict) -> tuple[dict, dict]:
    data = DATASETS[dataset]()
    analysis = REGISTRY[key]
    chart = analysis.compute(data, analysis.params_model.model_validate(params)).to_json()
    return chart, {"format_label": "Lens.org patent CSV", "records": 123_456}


def test_every_record_level_analysis_has_its_own_describer():
    assert set(RECORD_KEYS) <= set(DESCRIBERS)
    assert len(RECORD_KEYS) == 9


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("key", "dataset", "params"), CASES, ids=[f"{k}-{d}-{len(p)}" for k, d, p in CASES])
def test_every_number_stated_is_in_the_chart_data(key, dataset, params, language):
    chart, context = chart_for(key, dataset, params)

    text = describe(analysis_key=key, chart=chart, language=language, context=context).text

    assert len(text.split(". ")) >= 3, text  # a paragraph, not a line
    assert "{" not in text and "None" not in text, text
    found = numbers_in(text, language, names=strings_of(chart))
    assert found, text
    wrong = [n for n in found if not allowed(n, chart, context)]
    assert not wrong, f"numbers not in the chart's data: {wrong}\n{text}"
    for headline in HEADLINES[key](chart):
        assert headline in text, f"{headline!r} not stated\n{text}"


@pytest.mark.parametrize(("key", "dataset", "params"), CASES, ids=[f"{k}-{d}-{len(p)}" for k, d, p in CASES])
def test_english_and_spanish_state_the_same_numbers(key, dataset, params):
    chart, context = chart_for(key, dataset, params)
    names = strings_of(chart)

    english = describe(analysis_key=key, chart=chart, language="en", context=context).text
    spanish = describe(analysis_key=key, chart=chart, language="es", context=context).text

    assert sorted(numbers_in(english, "en", names), key=repr) == sorted(
        numbers_in(spanish, "es", names), key=repr
    )
    assert english != spanish


def test_legal_status_states_every_status_with_its_share():
    chart, context = chart_for("legal_status", "fixture", {})

    text = describe(analysis_key="legal_status", chart=chart, language="en", context=context).text

    for _status, count, share in chart["rows"]:
        assert f"{count} " in text
        assert f"({round(share * 100, 1):g}%)" in text


def test_new_entrants_do_not_call_the_first_year_a_wave_of_arrivals():
    chart, context = chart_for("new_entrants", "fixture", {})
    first = chart["meta"]["first_data_year"]

    text = describe(analysis_key="new_entrants", chart=chart, language="en", context=context).text

    assert f"The most arrived in {first}" not in text
    assert f"{first} is the first year in the data" in text
