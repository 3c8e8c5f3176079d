"""The chart label catalog: complete in both languages, and numbers written the local way."""

from __future__ import annotations

import string

import pytest

from apps.charts.analyses import REGISTRY
from apps.charts.labels import CATALOG, LANGUAGES, format_int, format_percent, label, year_range


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_message_has_both_languages_with_the_same_placeholders(key):
    messages = CATALOG[key]
    assert set(messages) == set(LANGUAGES)
    assert all(text.strip() for text in messages.values())
    assert placeholders(messages["en"]) == placeholders(messages["es"])


def test_every_analysis_has_a_title_and_description_in_the_catalog():
    for key, analysis in REGISTRY.items():
        assert label(f"analysis.{key}.title", "en") == analysis.title
        assert label(f"analysis.{key}.description", "en") == analysis.description
        assert label(f"analysis.{key}.title", "es") != analysis.title


def test_every_cpc_section_has_a_name():
    for letter in "ABCDEFGHY":
        assert label(f"cpc.section.{letter}", "es")


def test_label_fills_placeholders():
    assert label("note.truncated", "en", listed="1,000") == "The source lists only its top 1,000 entries."
    assert label("cpc.other", "es", groups=3) == "Otros grupos (3)"


def test_label_refuses_unknown_keys_and_languages():
    with pytest.raises(KeyError):
        label("no.such.message", "en")
    with pytest.raises(ValueError, match="unsupported chart language"):
        label("axis.documents", "fr")


@pytest.mark.parametrize(
    ("value", "english", "spanish"),
    [
        (7, "7", "7"),
        (1234, "1,234", "1234"),
        (12345, "12,345", "12\u00a0345"),
        (1234567, "1,234,567", "1\u00a0234\u00a0567"),
    ],
)
def test_integers_are_grouped_the_local_way(value, english, spanish):
    assert format_int(value, "en") == english
    assert format_int(value, "es") == spanish


def test_percentages_use_the_local_decimal_mark_and_spacing():
    assert format_percent(0.95, "en") == "95%"
    assert format_percent(0.95, "es") == "95\u00a0%"
    assert format_percent(0.975, "en") == "97.5%"
    assert format_percent(0.975, "es") == "97,5\u00a0%"


def test_year_range():
    assert year_range(2019, 2023) == "2019\u20132023"
    assert year_range(2023, 2023) == "2023"
