"""The report as a ZIP: every chart's files, its description in Markdown, a README, and the documents.

Layout (`<stem>` is `01-publication_trend`, the chart's number and analysis):

    README.md                 what this is: title, datasets, sources, query, the list of charts
    report.pdf, report.pptx   the report as documents
    charts/<stem>.png|svg|csv|json
    descriptions/<stem>.md

Images and documents are already compressed and are stored as they are; text is deflated.
"""

from __future__ import annotations

import io
import zipfile

from ..content import ChartEntry, ReportContent, records_text, years_text
from ..labels import text

PDF_NAME, PPTX_NAME = "report.pdf", "report.pptx"


def _md_escape(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def readme(content: ReportContent) -> str:
    language = content.language
    lines = [f"# {content.title}", "", text("generated_by", language, date=content.date_text()), ""]
    for info in content.datasets:
        lines += [
            f"## {text('field.dataset', language)}: {info.name}",
            "",
            f"- **{text('field.sources', language)}:** {info.sources()}",
            f"- **{text('field.query', language)}:** `{info.query}`"
            if info.query
            else f"- **{text('field.query', language)}:** {text('field.no_query', language)}",
            f"- **{text('field.records', language)}:** {records_text(info, language)}",
            f"- **{text('field.years', language)}:** {years_text(info, language)}",
            "",
        ]
    lines += [f"## {text('field.charts', language)} ({len(content.charts)})", ""]
    for chart in content.charts:
        lines.append(
            f"{chart.number}. **{chart.title}**: `charts/{chart.stem}.png`, `.svg`, `.csv`, `.json`; "
            f"`descriptions/{chart.stem}.md`"
        )
    lines += [
        "",
        f"## {text('readme.files', language)}",
        "",
        text("readme.files_intro", language),
        "",
        text("readme.documents", language, pdf=PDF_NAME, pptx=PPTX_NAME),
        "",
    ]
    return "\n".join(lines)


def description_markdown(chart: ChartEntry) -> str:
    parts = [f"# {chart.number}. {chart.title}", ""]
    if chart.description:
        parts += [_md_escape(chart.description), ""]
    parts += [f"_{chart.description_note}_", "", f"_{chart.source_line}_", ""]
    return "\n".join(parts)


def build_zip(content: ReportContent, *, pdf: bytes, pptx: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("README.md", readme(content))
        archive.writestr(PDF_NAME, pdf, compress_type=zipfile.ZIP_STORED)
        archive.writestr(PPTX_NAME, pptx, compress_type=zipfile.ZIP_STORED)
        for chart in content.charts:
            archive.writestr(f"charts/{chart.stem}.png", chart.png, compress_type=zipfile.ZIP_STORED)
            for extension, data in (("svg", chart.svg), ("csv", chart.csv), ("json", chart.json)):
                if data:
                    archive.writestr(f"charts/{chart.stem}.{extension}", data)
            archive.writestr(f"descriptions/{chart.stem}.md", description_markdown(chart))
    return buffer.getvalue()
