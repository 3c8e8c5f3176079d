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
    # Record-level analyses (issue #3).
    "analysis.applicant_year_heatmap.title": {"en": "Applicants by year", "es": "Solicitantes por año"},
    "analysis.applicant_year_heatmap.description": {
        "en": "Documents per year of the top applicants, as a grid of shaded cells.",
        "es": "Documentos por año de los principales solicitantes, como una cuadrícula sombreada.",
    },
    "analysis.co_classification.title": {"en": "Co-classification", "es": "Coclasificación"},
    "analysis.co_classification.description": {
        "en": "How often the most frequent classification codes are given to the same document.",
        "es": "Con qué frecuencia los códigos de clasificación más comunes se asignan al mismo documento.",
    },
    "analysis.technology_life_cycle.title": {
        "en": "Technology life cycle",
        "es": "Ciclo de vida tecnológico",
    },
    "analysis.technology_life_cycle.description": {
        "en": "Applicants against documents year by year, a path that shows growth, maturity or decline.",
        "es": "Solicitantes frente a documentos año a año, un recorrido que muestra crecimiento, "
        "madurez o declive.",
    },
    "analysis.family_size_distribution.title": {
        "en": "Family size distribution",
        "es": "Distribución del tamaño de familia",
    },
    "analysis.family_size_distribution.description": {
        "en": "How many patent families have each number of members.",
        "es": "Cuántas familias de patentes tienen cada número de miembros.",
    },
    "analysis.legal_status.title": {"en": "Legal status", "es": "Situación legal"},
    "analysis.legal_status.description": {
        "en": "Documents by legal status: active, pending, discontinued, expired or inactive.",
        "es": "Documentos por situación legal: en vigor, en trámite, abandonados, caducados o inactivos.",
    },
    "analysis.most_cited.title": {"en": "Most-cited patents", "es": "Patentes más citadas"},
    "analysis.most_cited.description": {
        "en": "The documents cited most often by later patents.",
        "es": "Los documentos más citados por patentes posteriores.",
    },
    "analysis.new_entrants.title": {"en": "New entrants per year", "es": "Nuevos solicitantes por año"},
    "analysis.new_entrants.description": {
        "en": "Applicants whose first document in the data falls in each year, beside those already active.",
        "es": "Solicitantes cuyo primer documento en los datos cae en cada año, junto a los ya activos.",
    },
    "analysis.jurisdictions_by_family.title": {
        "en": "Jurisdictions of protection",
        "es": "Jurisdicciones de protección",
    },
    "analysis.jurisdictions_by_family.description": {
        "en": "How many patent families seek protection in each country or office.",
        "es": "Cuántas familias de patentes buscan protección en cada país u oficina.",
    },
    "analysis.top_applicants_over_time.title": {
        "en": "Top applicants over time",
        "es": "Principales solicitantes en el tiempo",
    },
    "analysis.top_applicants_over_time.description": {
        "en": "Documents per year of each top applicant, one small chart per applicant.",
        "es": "Documentos por año de cada solicitante principal, un pequeño gráfico por solicitante.",
    },
    # Subtitles: the second line under a chart title.
    "subtitle.heatmap": {
        "en": "Documents per applicant and year · top {top_n} · {years}",
        "es": "Documentos por solicitante y año · {top_n} principales · {years}",
    },
    "subtitle.small_multiples": {
        "en": "Documents per year · top {top_n} applicants · {years}",
        "es": "Documentos por año · {top_n} solicitantes principales · {years}",
    },
    "subtitle.life_cycle": {
        "en": "Distinct applicants and documents per year · {years}",
        "es": "Solicitantes distintos y documentos por año · {years}",
    },
    "subtitle.new_entrants": {
        "en": "Applicants active per year · {total} new entrants · {years}",
        "es": "Solicitantes activos por año · {total} nuevos · {years}",
    },
    "subtitle.co_classification": {
        "en": "Documents sharing two {scheme} {level} · top {top_n}",
        "es": "Documentos que comparten dos {level} {scheme} · {top_n} principales",
    },
    "subtitle.family_sizes": {
        "en": "{families} families · median size {median}",
        "es": "{families} familias · tamaño mediano {median}",
    },
    "subtitle.legal_status": {
        "en": "Documents: {total} · share of each status",
        "es": "Documentos: {total} · proporción de cada situación",
    },
    "subtitle.most_cited": {
        "en": "Citations received · top {top_n}",
        "es": "Citas recibidas · {top_n} principales",
    },
    "subtitle.jurisdictions": {
        "en": "Families with a document in each jurisdiction · {families} families · top {top_n}",
        "es": "Familias con un documento en cada jurisdicción · {families} familias · {top_n} principales",
    },
    "level.subclass": {"en": "subclasses", "es": "subclases"},
    "level.main_group": {"en": "main groups", "es": "grupos principales"},
    "level.subgroup": {"en": "subgroups", "es": "subgrupos"},
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
    "axis.applicants": {"en": "Applicants", "es": "Solicitantes"},
    "axis.applicants_per_year": {"en": "Applicants per year", "es": "Solicitantes por año"},
    "axis.families": {"en": "Families", "es": "Familias"},
    "axis.family_size": {
        "en": "Members per family (documents)",
        "es": "Miembros por familia (documentos)",
    },
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
    "legend.both_codes": {"en": "Documents with both", "es": "Documentos con ambos"},
    "legend.new_entrants": {"en": "New entrants", "es": "Nuevos solicitantes"},
    "legend.returning": {"en": "Active before", "es": "Ya activos"},
    "heatmap.total": {"en": "Total", "es": "Total"},
    "status.active": {"en": "Active", "es": "En vigor"},
    "status.pending": {"en": "Pending", "es": "En trámite"},
    "status.discontinued": {"en": "Discontinued", "es": "Abandonado"},
    "status.expired": {"en": "Expired", "es": "Caducado"},
    "status.inactive": {"en": "Inactive", "es": "Inactivo"},
    "status.unknown": {"en": "Unknown", "es": "Desconocido"},
    "family.median": {"en": "median {median}", "es": "mediana {median}"},
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
    "note.cutoff": {
        "en": "Counted up to {year}: {count} later documents left out.",
        "es": "Contado hasta {year}: se excluyen {count} documentos posteriores.",
    },
    "note.cutoff_auto": {
        "en": "Counted up to {year}, the last complete year: {count} later documents left out as incomplete.",
        "es": "Contado hasta {year}, el último año completo: se excluyen {count} documentos posteriores, "
        "incompletos.",
    },
    "note.life_cycle": {
        "en": "Each point is a year: up and right is growth (more applicants and documents), back towards "
        "the origin is decline.",
        "es": "Cada punto es un año: arriba y a la derecha es crecimiento (más solicitantes y documentos); "
        "de vuelta al origen, declive.",
    },
    "note.first_year_all_new": {
        "en": "{year} is the first year in the data: every applicant active in it counts as new.",
        "es": "{year} es el primer año de los datos: todo solicitante activo en él cuenta como nuevo.",
    },
    "note.co_classification": {
        "en": "Diagonal (grey): documents with the code. Other cells: documents with both codes.",
        "es": "Diagonal (gris): documentos con el código. Resto: documentos con ambos códigos.",
    },
    "note.family_unit": {
        "en": "Each family counted once, with the largest size any of its documents reports.",
        "es": "Cada familia cuenta una vez, con el mayor tamaño que indique alguno de sus documentos.",
    },
    "note.family_unit_publications": {
        "en": "The export has no family identifiers: each document is counted with its family's size.",
        "es": "La exportación no tiene identificadores de familia: cada documento cuenta con el tamaño "
        "de su familia.",
    },
    "note.family_larger": {
        "en": "{size}+: families of {size} or more members ({count}; largest {largest}).",
        "es": "{size}+: familias de {size} o más miembros ({count}; la mayor, {largest}).",
    },
    "note.legal_unknown": {
        "en": "Unknown: documents whose export gives no legal status ({count}).",
        "es": "Desconocido: documentos sin situación legal en la exportación ({count}).",
    },
    "note.citations": {
        "en": "Forward citations as counted by the source on the day of the export; older documents "
        "have had longer to be cited.",
        "es": "Citas recibidas según la fuente el día de la exportación; los documentos más antiguos "
        "han tenido más tiempo para ser citados.",
    },
    "note.jurisdictions": {
        "en": "A family counts once per jurisdiction where any member is published, also members "
        "outside the search results.",
        "es": "Una familia cuenta una vez por jurisdicción donde se publica alguno de sus miembros, "
        "también los que quedan fuera de los resultados.",
    },
    "note.jurisdictions_no_family": {
        "en": "Documents without a family identifier are counted as families of their own ({count}).",
        "es": "Los documentos sin identificador de familia cuentan como familias propias ({count}).",
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
