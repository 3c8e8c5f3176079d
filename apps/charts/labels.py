"""Every word a chart draws, in English and Spanish, keyed by a message id.

Why a dict and not gettext: Django's usual route (.po files compiled to .mo) needs GNU gettext's
`msgfmt` on every machine that builds the project, and analysts install Intelli on laptops where it
is missing. Chart text is a small, closed set, so a Python catalog is simpler, is checked by a test
(every key in both languages, the same `{placeholders}` in both), and travels with the code.

Numbers are formatted here too, because digit grouping and the percent sign differ by language.
Message ids are stable: renderers, tests and the analyses' English titles all refer to them.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("en", "es")

# No-break space: Spanish groups digits with a space (never a dot or comma) and writes a
# space before "%" (RAE, Ortografía 2010); a no-break space keeps "95 %" on one line.
_NBSP = "\u00a0"

CATALOG: Final[dict[str, dict[str, str]]] = {
    # Analysis titles (also the chart titles) and one-line descriptions for the UI.
    "analysis.publication_trend.title": {"en": "Publication trend", "es": "Tendencia de publicación"},
    "analysis.publication_trend.description": {
        "en": "Documents per year, with years without documents shown as zero.",
        "es": "Documentos por año; los años sin documentos se muestran como cero.",
    },
    "analysis.cumulative_trend.title": {"en": "Cumulative trend", "es": "Tendencia acumulada"},
    "analysis.cumulative_trend.description": {
        "en": "Running total of documents per year, counting every earlier year.",
        "es": "Total acumulado de documentos por año, contando todos los años anteriores.",
    },
    "analysis.trend_cumulative.title": {
        "en": "Yearly and cumulative documents",
        "es": "Documentos anuales y acumulados",
    },
    "analysis.trend_cumulative.description": {
        "en": "Documents per year as bars, with the running total as a line on a second axis.",
        "es": "Documentos por año en barras, con el total acumulado como línea en un segundo eje.",
    },
    "analysis.forecast.title": {"en": "Publication forecast", "es": "Previsión de publicaciones"},
    "analysis.forecast.description": {
        "en": "Observed documents per year and a linear-trend forecast of the next years, with a "
        "prediction interval.",
        "es": "Documentos observados por año y una previsión de tendencia lineal para los próximos "
        "años, con un intervalo de predicción.",
    },
    "analysis.top_applicants.title": {"en": "Top applicants", "es": "Principales solicitantes"},
    "analysis.top_applicants.description": {
        "en": "The applicants with the most documents.",
        "es": "Los solicitantes con más documentos.",
    },
    "analysis.top_inventors.title": {"en": "Top inventors", "es": "Principales inventores"},
    "analysis.top_inventors.description": {
        "en": "The inventors named on the most documents.",
        "es": "Los inventores que figuran en más documentos.",
    },
    "analysis.top_countries.title": {
        "en": "Top countries and offices",
        "es": "Principales países y oficinas",
    },
    "analysis.top_countries.description": {
        "en": "The countries and patent offices where the most documents were published.",
        "es": "Los países y oficinas de patentes donde se publicaron más documentos.",
    },
    "analysis.cpc_treemap.title": {"en": "CPC treemap", "es": "Mapa de árbol CPC"},
    "analysis.cpc_treemap.description": {
        "en": "The largest CPC groups as rectangles sized by documents and coloured by CPC section.",
        "es": "Los mayores grupos CPC como rectángulos según sus documentos, coloreados por sección CPC.",
    },
    # Subtitles: the second line under a chart title.
    "subtitle.documents_years": {
        "en": "Documents: {total} · {years}",
        "es": "Documentos: {total} · {years}",
    },
    "subtitle.cumulative": {
        "en": "Running total since {origin}, shown for {years}",
        "es": "Total acumulado desde {origin}, mostrado para {years}",
    },
    "subtitle.forecast": {
        "en": "Observed {observed} · forecast {forecast}",
        "es": "Observado {observed} · previsión {forecast}",
    },
    "subtitle.top.applicant": {
        "en": "Documents per applicant · top {top_n}",
        "es": "Documentos por solicitante · {top_n} principales",
    },
    "subtitle.top.inventor": {
        "en": "Documents per inventor · top {top_n}",
        "es": "Documentos por inventor · {top_n} principales",
    },
    "subtitle.top.country": {
        "en": "Documents per country or office · top {top_n}",
        "es": "Documentos por país u oficina · {top_n} principales",
    },
    "subtitle.treemap.main_group": {
        "en": "Documents per CPC main group · top {top_n}",
        "es": "Documentos por grupo principal CPC · {top_n} principales",
    },
    "subtitle.treemap.subgroup": {
        "en": "Documents per CPC subgroup · top {top_n}",
        "es": "Documentos por subgrupo CPC · {top_n} principales",
    },
    # Axes.
    "axis.year.publication": {"en": "Publication year", "es": "Año de publicación"},
    "axis.year.priority": {"en": "Priority year", "es": "Año de prioridad"},
    "axis.documents": {"en": "Documents", "es": "Documentos"},
    "axis.documents_per_year": {"en": "Documents per year", "es": "Documentos por año"},
    "axis.cumulative": {"en": "Cumulative documents", "es": "Documentos acumulados"},
    # Legends.
    "legend.per_year": {"en": "Documents per year", "es": "Documentos por año"},
    "legend.cumulative": {"en": "Cumulative documents", "es": "Documentos acumulados"},
    "legend.observed": {"en": "Observed", "es": "Observado"},
    "legend.trend": {"en": "Linear trend and forecast", "es": "Tendencia lineal y previsión"},
    "legend.interval": {
        "en": "{confidence} prediction interval",
        "es": "Intervalo de predicción del {confidence}",
    },
    "legend.cpc_section": {"en": "CPC section", "es": "Sección CPC"},
    # CPC sections, shortened from the scheme's titles so a legend fits beside a chart.
    "cpc.section.A": {"en": "Human necessities", "es": "Necesidades humanas"},
    "cpc.section.B": {"en": "Operations; transport", "es": "Técnicas industriales; transporte"},
    "cpc.section.C": {"en": "Chemistry; metallurgy", "es": "Química; metalurgia"},
    "cpc.section.D": {"en": "Textiles; paper", "es": "Textiles; papel"},
    "cpc.section.E": {"en": "Fixed constructions", "es": "Construcciones fijas"},
    "cpc.section.F": {
        "en": "Mechanical engineering; heating",
        "es": "Mecánica; iluminación; calefacción",
    },
    "cpc.section.G": {"en": "Physics", "es": "Física"},
    "cpc.section.H": {"en": "Electricity", "es": "Electricidad"},
    "cpc.section.Y": {"en": "Cross-sectional technologies", "es": "Tecnologías transversales"},
    "cpc.section.unknown": {"en": "Unrecognised code", "es": "Código no reconocido"},
    "cpc.other": {"en": "Other groups ({groups})", "es": "Otros grupos ({groups})"},
    # Notes: the small print at the foot of a chart.
    "note.source": {"en": "Source: {source}", "es": "Fuente: {source}"},
    "note.cumulative_before": {
        "en": "The cumulative total includes documents from before {start}: {count}.",
        "es": "El total acumulado incluye documentos anteriores a {start}: {count}.",
    },
    "note.forecast_method": {
        "en": "Dashed: least-squares linear trend fitted on {fit_years}; shaded: "
        "{confidence} prediction interval, floored at zero.",
        "es": "Discontinua: tendencia lineal por mínimos cuadrados ajustada en {fit_years}; "
        "sombreado: intervalo de predicción del {confidence}, con mínimo cero.",
    },
    "note.recent_years": {
        "en": "The latest years may be incomplete: documents are published months after filing.",
        "es": "Los últimos años pueden estar incompletos: los documentos se publican meses después.",
    },
    "note.truncated": {
        "en": "The source lists only its top {listed} entries.",
        "es": "La fuente solo incluye sus {listed} primeras entradas.",
    },
    "note.ties": {
        "en": "Not shown: {count} more with the same count as the last one ({value}).",
        "es": "No se muestran otros {count} con el mismo valor que el último ({value}).",
    },
    "note.highlight_outside": {
        "en": "{code} is not among the top {top_n}.",
        "es": "{code} no está entre los {top_n} principales.",
    },
    "note.highlight_absent": {
        "en": "{code} does not appear in the data.",
        "es": "{code} no aparece en los datos.",
    },
    "note.highlight_excluded": {
        "en": "{code} is a regional or international office, excluded here.",
        "es": "{code} es una oficina regional o internacional, excluida aquí.",
    },
    "note.regional_excluded": {
        "en": "Regional and international offices excluded: {codes}.",
        "es": "Se excluyen las oficinas regionales e internacionales: {codes}.",
    },
    "note.cpc_counting": {
        "en": "A document classified in several groups counts in each of them.",
        "es": "Un documento clasificado en varios grupos cuenta en cada uno de ellos.",
    },
    "note.cpc_other": {
        "en": "Other groups: all remaining groups added together ({groups}).",
        "es": "Otros grupos: todos los grupos restantes sumados ({groups}).",
    },
}


def label(key: str, language: str, **fmt: object) -> str:
    """The text for message `key` in `language`, with `{placeholders}` filled from `fmt`.

    Unknown keys and languages raise (`KeyError`, `ValueError`): a chart with a missing or wrong
    word must fail its test, not silently print an id.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unsupported chart language {language!r}; expected one of {LANGUAGES}")
    template = CATALOG[key][language]
    return template.format(**fmt) if fmt else template


def year_range(first: int, last: int) -> str:
    """First and last year joined by an en dash, or one year alone (the same in both languages)."""
    return str(first) if first == last else f"{first}\u2013{last}"


def format_int(value: int, language: str) -> str:
    """An integer as a reader of `language` writes it: 12,345 (en) or 12 345 (es).

    Spanish leaves four-digit numbers ungrouped (1234), per the RAE.
    """
    if language == "es":
        if abs(value) < 10_000:
            return str(value)
        return f"{value:,}".replace(",", _NBSP)
    return f"{value:,}"


def format_number(value: float, language: str, digits: int = 1) -> str:
    """A decimal number with `digits` decimals at most, using the language's decimal mark."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return text.replace(".", ",") if language == "es" else text


def format_percent(fraction: float, language: str) -> str:
    """A fraction as a percentage: 0.95 -> "95%" (en) or "95 %" (es)."""
    number = format_number(fraction * 100, language, digits=1)
    return f"{number}{_NBSP}%" if language == "es" else f"{number}%"
