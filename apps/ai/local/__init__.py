"""The local describer: a paragraph written offline from the chart's own numbers, in English or Spanish.

It is a provider like the others as far as analysts can tell (and always labelled `local`), but it
calls nothing: every sentence is a template filled with a figure computed here from the chart's
data (the `ChartData` JSON stored with the chart), so everything it states is true of the chart.
What it says, by shape of data:

- a series per year: total and period, direction, compound annual growth rate over a stated
  period, the peak, the share of the last years, years without documents;
- a running total: where it ends, what came before the window, the year half of it was reached;
- a forecast: the fitted slope and how well the line fits, the projection and its prediction
  interval, and how uncertain that makes it;
- a ranking: the leader and the runner-up, concentration (share of the top 3 and top 10), ties at
  the cut-off, a source that listed only its top entries, a highlighted country;
- the CPC treemap: the largest groups, the dominant sections, concentration;
- the record-level analyses (`landscape.py`): leaders per year, strongest code combinations, the
  life-cycle path, new entrants, family sizes, legal status, most-cited documents, jurisdictions;
- a table per year and per name: leaders and newcomers.

Analyses are looked up in `DESCRIBERS`; any other key gets `describe_generic`, which recognises
those shapes in an unknown table and, failing all, states the range and total of its numbers.
The structured `facts` are returned with the text (the prompt for a model includes them, so the
model need not do arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.charts.labels import LANGUAGES

from .generic import describe_generic
from .landscape import (
    describe_applicant_years,
    describe_co_classification,
    describe_family_sizes,
    describe_jurisdictions,
    describe_legal_status,
    describe_life_cycle,
    describe_most_cited,
    describe_new_entrants,
)
from .phrases import PHRASES
from .rankings import (
    describe_cpc_treemap,
    describe_top_applicants,
    describe_top_countries,
    describe_top_inventors,
)
from .series import cagr, describe_cumulative, describe_forecast, describe_publication_trend, whole
from .writer import LocalDescription, Table, Writer

__all__ = ["DESCRIBERS", "PHRASES", "LocalDescription", "Table", "Writer", "cagr", "describe", "whole"]

Describer = Callable[[Table, Writer, dict[str, Any]], None]

DESCRIBERS: dict[str, Describer] = {
    "publication_trend": describe_publication_trend,
    "cumulative_trend": describe_cumulative,
    "trend_cumulative": describe_cumulative,
    "forecast": describe_forecast,
    "top_applicants": describe_top_applicants,
    "top_inventors": describe_top_inventors,
    "top_countries": describe_top_countries,
    "cpc_treemap": describe_cpc_treemap,
    "applicant_year_heatmap": describe_applicant_years,
    "top_applicants_over_time": describe_applicant_years,
    "co_classification": describe_co_classification,
    "technology_life_cycle": describe_life_cycle,
    "new_entrants": describe_new_entrants,
    "family_size_distribution": describe_family_sizes,
    "legal_status": describe_legal_status,
    "most_cited": describe_most_cited,
    "jurisdictions_by_family": describe_jurisdictions,
}


def describe(
    *, analysis_key: str, chart: dict[str, Any], language: str, context: dict[str, Any] | None = None
) -> LocalDescription:
    """A paragraph about the chart, in `language` ("en" or "es"), and the facts it states."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    table = Table.of(chart)
    writer = Writer(language)
    context = context or {}
    if not table.rows:
        writer.say("empty")
    else:
        describer = DESCRIBERS.get(analysis_key)
        if describer is not None:
            describer(table, writer, context)
        else:
            describe_generic(table, writer, context, analysis_key)
    _source(writer, context)
    return LocalDescription(text=" ".join(writer.sentences), facts=writer.facts)


def _source(w: Writer, context: dict[str, Any]) -> None:
    source = context.get("format_label")
    if not source:
        return
    records = context.get("records")
    if isinstance(records, int) and records > 0:
        w.say("source_records", source=source, records=w.int(records))
    else:
        w.say("source", source=source)
