"""The prompt a model gets: versioned templates filled from the chart's data and its dataset.

What the model sees, in this order: what the chart is (analysis, version, parameters), where the
data came from (the dataset's query, record count, source format, years, facet totals), every
row of the chart's table (up to MAX_PROMPT_ROWS, saying so if cut), the chart's notes (its meta),
the figures the local describer computed from the same table (so the model quotes arithmetic
instead of doing it), and any extra context the analyst gave. The exact messages are stored with
the description, with the template's version.

To change a template, add a new version and point PROMPT_VERSION at it: stored descriptions keep
saying which one wrote them.
"""

from __future__ import annotations

import json
from typing import Any

from apps.charts.labels import label, year_range

# Tables larger than this (no current analysis comes close) are cut, and the prompt says so.
MAX_PROMPT_ROWS = 1000
MAX_USER_CONTEXT_CHARS = 2000

PROMPT_VERSION = "describe-v1"

TEMPLATES: dict[str, dict[str, Any]] = {
    "describe-v1": {
        "system": {
            "en": (
                "You are a patent analyst writing the description of one chart for a patent-landscape "
                "report. Write one paragraph of 100 to 180 words, in English, for readers who see the "
                "chart beside it. Say what the chart shows and what stands out: the direction and pace of "
                "change, peaks, who leads and how concentrated the field is, what a forecast projects and "
                "how uncertain it is. Use only the data given: every number you write must appear in the "
                "table, the notes or the computed figures; never invent causes, companies, events or "
                "figures the data does not show, and say so when the data cannot support a conclusion. "
                "Plain prose: no headings, lists, markdown or preamble."
            ),
            "es": (
                "Eres un analista de patentes que redacta la descripción de un gráfico para un informe de "
                "panorama tecnológico (patent landscape). Escribe un párrafo de 100 a 180 palabras, en "
                "español, para lectores que ven el gráfico al lado. Di qué muestra el gráfico y qué "
                "destaca: la dirección y el ritmo del cambio, los máximos, quién lidera y cuán concentrado "
                "está el campo, qué proyecta una previsión y cuán incierta es. Usa solo los datos dados: "
                "cada número que escribas debe aparecer en la tabla, las notas o las cifras calculadas; no "
                "inventes causas, empresas, hechos ni cifras que los datos no muestren, y dilo cuando los "
                "datos no permitan una conclusión. Escribe los números como en español (coma decimal, "
                "«45 %»). Prosa sencilla: sin títulos, listas, markdown ni preámbulos."
            ),
        },
        "user": (
            "Chart: {title} (analysis `{key}`, version {version})\n"
            "What it shows: {what}\n"
            "Parameters: {params}\n"
            "\n"
            "Dataset: {dataset}\n"
            "\n"
            "Data table, {row_note}, as CSV with a header row:\n"
            "{table}\n"
            "\n"
            "Chart notes (JSON): {meta}\n"
            "\n"
            "Computed figures (exact, from the same table; quote them instead of recomputing): {facts}\n"
            "{user_context}"
            "\n"
            "Write the description now, in {language_name}."
        ),
        "user_context": "\nThe analyst adds this context; use it where the data supports it:\n{context}\n",
        "language_names": {"en": "English", "es": "Spanish"},
    },
}


def dataset_context(dataset) -> dict[str, Any]:
    """What the prompt says about the data's origin, from the dataset's summary."""
    summary = dataset.summary or {}
    facets = summary.get("facets") or {}
    return {
        "name": dataset.name,
        "format": summary.get("format") or dataset.detected_format,
        "format_label": summary.get("format_label") or dataset.detected_format,
        "query": summary.get("query"),
        "records": summary.get("records"),
        "year_range": summary.get("year_range"),
        "facets": {
            name: {key: facet.get(key) for key in ("rows", "total", "truncated") if key in facet}
            for name, facet in facets.items()
            if isinstance(facet, dict)
        },
        "warnings": len(summary.get("warnings") or []),
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _table(chart: dict[str, Any]) -> tuple[str, str]:
    columns = chart.get("columns") or []
    rows = chart.get("rows") or []
    shown = rows[:MAX_PROMPT_ROWS]
    lines = [",".join(_csv_cell(c) for c in columns)]
    lines += [",".join(_csv_cell(v) for v in row) for row in shown]
    note = f"{len(rows)} rows" if len(shown) == len(rows) else f"the first {len(shown)} of {len(rows)} rows"
    return "\n".join(lines), note


def _dataset_line(context: dict[str, Any]) -> str:
    parts = [f"“{context.get('name')}”"]
    if context.get("format_label"):
        parts.append(f"source: {context['format_label']}")
    if context.get("query"):
        parts.append(f"search query: {context['query']}")
    if context.get("records") is not None:
        parts.append(f"records: {context['records']}")
    if context.get("year_range"):
        first, last = context["year_range"]
        parts.append(f"years: {year_range(first, last)}")
    if context.get("facets"):
        parts.append(f"fields (rows, total, truncated): {json.dumps(context['facets'], ensure_ascii=False)}")
    return "; ".join(parts)


def build_messages(
    *,
    analysis_key: str,
    analysis_version: int,
    params: dict[str, Any],
    chart: dict[str, Any],
    context: dict[str, Any],
    facts: dict[str, Any],
    language: str,
    user_context: str = "",
    version: str = PROMPT_VERSION,
) -> list[dict[str, str]]:
    """The chat messages for one description, exactly as they will be sent."""
    template = TEMPLATES[version]
    try:
        title = label(f"analysis.{analysis_key}.title", "en")
        what = label(f"analysis.{analysis_key}.description", "en")
    except KeyError:
        title, what = analysis_key.replace("_", " ").capitalize(), "(no description registered)"
    table, row_note = _table(chart)
    extra = user_context.strip()[:MAX_USER_CONTEXT_CHARS]
    user = template["user"].format(
        title=title,
        key=analysis_key,
        version=analysis_version,
        what=what,
        params=json.dumps(params, ensure_ascii=False, sort_keys=True),
        dataset=_dataset_line(context),
        row_note=row_note,
        table=table,
        meta=json.dumps(chart.get("meta") or {}, ensure_ascii=False, sort_keys=True, default=str),
        facts=json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str),
        user_context=template["user_context"].format(context=extra) if extra else "",
        language_name=template["language_names"][language],
    )
    return [{"role": "system", "content": template["system"][language]}, {"role": "user", "content": user}]
