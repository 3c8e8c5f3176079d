"""The registry of analyses: what a job may ask for, with its parameters and input needs.

The REST API lists `catalog()` for the wizard, job creation calls `validate_params()` and checks
`required_fields()` against the dataset before anything is queued, and the charts_cpu task looks
an analysis up with `get_analysis()`. Keys are stable: jobs store them.

Importing this package does not import matplotlib, scipy or squarify (renderers and the forecast
load them when used), so the web process can list and validate analyses cheaply.
"""

from __future__ import annotations

import typing
from typing import Any

from apps.charts.analyses.applicants import (
    ApplicantYearHeatmap,
    NewEntrants,
    TechnologyLifeCycle,
    TopApplicantsOverTime,
)
from apps.charts.analyses.base import Analysis, ChartData, Params
from apps.charts.analyses.classification import CoClassification
from apps.charts.analyses.forecast import Forecast
from apps.charts.analyses.portfolio import (
    FamilySizeDistribution,
    JurisdictionsByFamily,
    LegalStatusBreakdown,
    MostCited,
)
from apps.charts.analyses.rankings import TopApplicants, TopCountries, TopInventors
from apps.charts.analyses.treemap import CpcTreemap
from apps.charts.analyses.trends import CumulativeTrend, PublicationTrend, TrendCumulative
from apps.charts.labels import label

__all__ = [
    "CLASSIC_EIGHT",
    "REGISTRY",
    "Analysis",
    "ChartData",
    "Params",
    "catalog",
    "get_analysis",
    "validate_params",
]

REGISTRY: dict[str, Analysis] = {
    analysis.key: analysis
    for analysis in (
        PublicationTrend(),
        CumulativeTrend(),
        TrendCumulative(),
        Forecast(),
        TopApplicants(),
        TopInventors(),
        TopCountries(),
        CpcTreemap(),
        # Record-level exports only (issue #3).
        ApplicantYearHeatmap(),
        TopApplicantsOverTime(),
        CoClassification(),
        TechnologyLifeCycle(),
        NewEntrants(),
        FamilySizeDistribution(),
        LegalStatusBreakdown(),
        MostCited(),
        JurisdictionsByFamily(),
    )
}


# The eight charts of the system this project grew from: the landscape's first page.
CLASSIC_EIGHT: tuple[str, ...] = (
    "publication_trend",
    "cumulative_trend",
    "trend_cumulative",
    "forecast",
    "top_applicants",
    "top_inventors",
    "top_countries",
    "cpc_treemap",
)


def get_analysis(key: str) -> Analysis:
    """The analysis registered under `key`; `KeyError` names the unknown key."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"Unknown analysis {key!r}; known: {', '.join(REGISTRY)}") from None


def validate_params(key: str, raw: dict[str, Any] | None) -> Params:
    """The analysis's parameters from user input; pydantic's `ValidationError` if they are wrong.

    Unknown parameter names are errors (the models forbid extras): a misspelt `top_m` must not
    quietly give the default chart.
    """
    return get_analysis(key).params_model.model_validate(raw or {})


def _choices(annotation: Any) -> tuple[Any, ...]:
    """The finite values a parameter can take (a Literal or a bool), else nothing."""
    if annotation is bool:
        return (False, True)
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    return ()


def requires_by_param(analysis: Analysis) -> dict[str, dict[str, list[str]]]:
    """For each parameter whose value changes the fields needed: value -> fields.

    Derived by asking `required_fields` for every value of every finite-choice parameter, so the
    catalog cannot drift from the analysis.
    """
    model = analysis.params_model
    default = analysis.required_fields(model())
    mapping: dict[str, dict[str, list[str]]] = {}
    for name, info in model.model_fields.items():
        by_value = {
            str(value).lower() if isinstance(value, bool) else str(value): [
                f.value for f in analysis.required_fields(model.model_validate({name: value}))
            ]
            for value in _choices(info.annotation)
        }
        if any(fields != [f.value for f in default] for fields in by_value.values()):
            mapping[name] = by_value
    return mapping


def catalog(language: str = "en") -> list[dict[str, Any]]:
    """Every analysis for the UI and the REST API, in registry order.

    `requires` lists the fields needed with default parameters; `requires_by_param` says which
    parameter changes that (e.g. `date_basis: priority` needs `priority_year` instead).
    """
    entries = []
    for key, analysis in REGISTRY.items():
        entries.append(
            {
                "key": key,
                "version": analysis.version,
                "title": label(f"analysis.{key}.title", language),
                "description": label(f"analysis.{key}.description", language),
                "params_schema": analysis.params_model.model_json_schema(),
                "requires": [f.value for f in analysis.required_fields(analysis.params_model())],
                "requires_by_param": requires_by_param(analysis),
            }
        )
    return entries
