"""Every word a report writes, in English and Spanish (the charts' catalog lives in apps.charts.labels).

A report follows its job's language. Same rules as the charts' catalog: a dict checked by a test
(both languages, the same placeholders), not gettext, so nothing needs compiling on a laptop.
"""

from __future__ import annotations

from typing import Final

from apps.charts.labels import LANGUAGES

CATALOG: Final[dict[str, dict[str, str]]] = {
    "title.default": {"en": "Patent landscape report", "es": "Informe de panorama de patentes"},
    "title.page_kicker": {"en": "Patent landscape", "es": "Panorama de patentes"},
    "field.dataset": {"en": "Dataset", "es": "Conjunto de datos"},
    "field.query": {"en": "Search query", "es": "Consulta de búsqueda"},
    "field.no_query": {
        "en": "not recorded in the export",
        "es": "no consta en la exportación",
    },
    "field.records": {"en": "Documents", "es": "Documentos"},
    "field.years": {"en": "Years", "es": "Años"},
    "field.sources": {"en": "Sources", "es": "Fuentes"},
    "field.charts": {"en": "Charts", "es": "Gráficos"},
    "field.generated": {"en": "Generated", "es": "Generado"},
    "generated_by": {
        "en": "Generated on {date} by Intelli.",
        "es": "Generado el {date} por Intelli.",
    },
    "source_line": {
        "en": "Source: {sources}. Query: {query}. {records} documents, {years}. Chart: {chart}, Intelli.",
        "es": "Fuente: {sources}. Consulta: {query}. {records} documentos, {years}. "
        "Gráfico: {chart}, Intelli.",
    },
    "no_description": {
        "en": "No description was written for this chart.",
        "es": "No se escribió ninguna descripción para este gráfico.",
    },
    "description_by": {
        "en": "Description written by {writer}.",
        "es": "Descripción redactada por {writer}.",
    },
    "description_edited": {
        "en": "Description edited by the analyst (original by {writer}).",
        "es": "Descripción editada por el analista (original de {writer}).",
    },
    "writer.local": {"en": "Intelli's offline describer", "es": "el redactor local de Intelli"},
    "readme.files": {"en": "Files", "es": "Archivos"},
    "readme.files_intro": {
        "en": "Each chart comes as PNG (image), SVG (vector image), CSV (its data, for spreadsheets) and "
        "JSON (its data, for programs), with its description in Markdown.",
        "es": "Cada gráfico se entrega en PNG (imagen), SVG (imagen vectorial), CSV (sus datos, para hojas "
        "de cálculo) y JSON (sus datos, para programas), con su descripción en Markdown.",
    },
    "readme.documents": {
        "en": "The report as a document: `{pdf}` (PDF) and `{pptx}` (PowerPoint).",
        "es": "El informe como documento: `{pdf}` (PDF) y `{pptx}` (PowerPoint).",
    },
    "readme.unknown": {"en": "unknown", "es": "desconocido"},
}


def text(key: str, language: str, **fmt: object) -> str:
    """The report text for `key` in `language` (English when the language is not one we write)."""
    language = language if language in LANGUAGES else "en"
    template = CATALOG[key][language]
    return template.format(**fmt) if fmt else template
