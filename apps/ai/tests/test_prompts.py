"""The prompt: versioned, built from every point of the chart and the dataset's context."""

from __future__ import annotations

import pytest

from apps.ai import prompts
from apps.ai.checks import ai_settings_check
from apps.ai.prompts import MAX_PROMPT_ROWS, PROMPT_VERSION, build_messages, dataset_context
from apps.datasets.tests.factories import DatasetFactory

from .factories import SUMMARY

CHART = {
    "columns": ["rank", "applicant", "count"],
    "rows": [[1, "UNIV ZHEJIANG", 7], [2, 'SIEMENS, "AG"', 5]],
    "meta": {"analysis": "top_applicants", "shown": 2},
}


def build(**overrides):
    arguments = {
        "analysis_key": "top_applicants",
        "analysis_version": 1,
        "params": {"top_n": 10},
        "chart": CHART,
        "context": {
            "name": "Sensors",
            **{k: SUMMARY[k] for k in ("format_label", "query", "records", "year_range")},
        },
        "facts": {"leaders": {"names": ["UNIV ZHEJIANG"], "value": 7}},
        "language": "en",
    }
    return build_messages(**(arguments | overrides))


def test_the_prompt_carries_the_chart_the_dataset_and_the_computed_figures():
    system, user = build()

    assert system["role"] == "system" and "Use only the data given" in system["content"]
    content = user["content"]
    assert "Chart: Top applicants (analysis `top_applicants`, version 1)" in content
    assert 'rank,applicant,count\n1,UNIV ZHEJIANG,7\n2,"SIEMENS, ""AG""",5' in content  # CSV, quoted
    assert "search query: phytoremediation AND sensor" in content and "records: 46" in content
    assert "years: 2012\u20132020" in content and '"top_n": 10' in content
    assert '"leaders": {"names": ["UNIV ZHEJIANG"], "value": 7}' in content
    assert content.endswith("Write the description now, in English.")
    assert PROMPT_VERSION in prompts.TEMPLATES


def test_spanish_extra_context_and_a_huge_table():
    rows = [[1990 + i, i] for i in range(MAX_PROMPT_ROWS + 5)]
    system, user = build(
        language="es",
        user_context="  Focus on universities.  ",
        analysis_key="some_future_analysis",
        chart={"columns": ["year", "count"], "rows": rows, "meta": {}},
    )
    assert "en español" in system["content"] and user["content"].endswith("in Spanish.")
    assert "The analyst adds this context" in user["content"] and "Focus on universities." in user["content"]
    assert f"the first {MAX_PROMPT_ROWS} of {MAX_PROMPT_ROWS + 5} rows" in user["content"]
    assert "Some future analysis" in user["content"]


@pytest.mark.django_db
def test_the_dataset_context_comes_from_its_summary():
    dataset = DatasetFactory(name="Sensors", summary=SUMMARY)
    context = dataset_context(dataset)
    assert context["query"] == "phytoremediation AND sensor" and context["records"] == 46
    assert context["facets"] == {"applicant": {"rows": 4, "total": 18, "truncated": False}}


def test_misconfigured_ai_settings_are_flagged(settings):
    settings.AI_PROVIDER = "local"
    settings.AI_DEADLINE_S, settings.AI_CALL_TIMEOUT_S = 50, 25
    assert ai_settings_check(None) == []
    settings.AI_PROVIDER, settings.OPENAI_API_KEY = "openai", ""
    settings.OPENAI_BASE_URL = "https://api.openai.com/v1"
    settings.AI_DEADLINE_S, settings.AI_CALL_TIMEOUT_S = 90, 120
    assert [w.id for w in ai_settings_check(None)] == ["intelli.W102", "intelli.W103", "intelli.W104"]
    settings.AI_PROVIDER = "gpt"
    assert "intelli.W101" in [w.id for w in ai_settings_check(None)]
