"""What a report says, gathered once from the database and storage, then written three ways.

`ReportContent` is plain data (bytes and strings): the ZIP, PDF and PPTX writers never touch the
ORM, so they can be tested, and benchmarked, on their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from apps.charts.labels import format_int, year_range
from apps.jobs.models import ImageTask
from apps.library.selectors import analysis_title

from .labels import text

# Characters XML 1.0 (inside PPTX) refuses and PDF text has no use for: C0 controls but tab and
# newline, DEL. A model's answer or an export's query could carry one.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str:
    return _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class DatasetInfo:
    id: int
    name: str
    query: str | None
    records: int | None
    years: tuple[int, int] | None
    format_label: str
    files: tuple[str, ...]  # the analyst's file names

    def sources(self) -> str:
        names = ", ".join(self.files) or self.name
        return f"{self.format_label} ({names})" if self.format_label else names


@dataclass(frozen=True)
class ChartEntry:
    item_id: int
    number: int  # 1-based position in the report
    analysis_key: str
    analysis_version: int
    title: str
    description: str  # empty when none was written
    description_note: str  # who wrote it, or that none was
    source_line: str
    png: bytes
    svg: bytes = b""
    csv: bytes = b""
    json: bytes = b""

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{self.analysis_key}"


@dataclass
class ReportContent:
    title: str
    language: str
    generated_at: datetime
    datasets: list[DatasetInfo]
    charts: list[ChartEntry] = field(default_factory=list)

    def date_text(self) -> str:
        if self.language == "es":
            return self.generated_at.strftime("%d/%m/%Y %H:%M UTC")
        return self.generated_at.strftime("%Y-%m-%d %H:%M UTC")


def dataset_info(dataset) -> DatasetInfo:
    summary = dataset.summary or {}
    years = summary.get("year_range")
    files = tuple(f.original_filename for f in dataset.files.all()) or (
        (dataset.original_filename,) if dataset.original_filename else ()
    )
    return DatasetInfo(
        id=dataset.pk,
        name=clean(dataset.name),
        query=clean(summary.get("query")) or None,
        records=summary.get("records"),
        years=(int(years[0]), int(years[1])) if years and len(years) == 2 else None,
        format_label=clean(summary.get("format_label") or dataset.detected_format),
        files=tuple(clean(name) for name in files),
    )


def years_text(info: DatasetInfo, language: str) -> str:
    return year_range(*info.years) if info.years else text("readme.unknown", language)


def records_text(info: DatasetInfo, language: str) -> str:
    return (
        format_int(info.records, language) if info.records is not None else text("readme.unknown", language)
    )


def source_line(info: DatasetInfo, chart_title: str, language: str) -> str:
    return text(
        "source_line",
        language,
        sources=info.sources(),
        query=info.query or text("field.no_query", language),
        records=records_text(info, language),
        years=years_text(info, language),
        chart=chart_title,
    )


def _writer(description, language: str) -> str:
    if description.provider == "local":
        return text("writer.local", language)
    return f"{description.model or description.provider}"


def description_note(description, language: str) -> str:
    if description is None or not description.display_text:
        return text("no_description", language)
    key = "description_edited" if description.is_edited else "description_by"
    return text(key, language, writer=_writer(description, language))


def _read(field_file) -> bytes:
    if not field_file:
        return b""
    with field_file.open("rb") as handle:
        return handle.read()


def gather(
    *, items: Sequence[ImageTask], language: str, title: str, descriptions: dict, on_chart=None
) -> ReportContent:
    """Read every chart's files and description. `descriptions`: item id → its written description."""
    datasets: dict[int, DatasetInfo] = {}
    charts: list[ChartEntry] = []
    for number, item in enumerate(items, start=1):
        dataset = item.job.dataset
        if dataset.pk not in datasets:
            datasets[dataset.pk] = dataset_info(dataset)
        info = datasets[dataset.pk]
        chart_title = analysis_title(item.analysis_key, language)
        description = descriptions.get(item.pk)
        charts.append(
            ChartEntry(
                item_id=item.pk,
                number=number,
                analysis_key=item.analysis_key,
                analysis_version=item.analysis_version,
                title=chart_title,
                description=clean(description.display_text) if description is not None else "",
                description_note=description_note(description, language),
                source_line=source_line(info, chart_title, language),
                png=_read(item.png),
                svg=_read(item.svg),
                csv=_read(item.data_csv),
                json=_read(item.data_json),
            )
        )
        if on_chart is not None:
            on_chart(number, len(items))
    return ReportContent(
        title=clean(title) or text("title.default", language),
        language=language,
        generated_at=timezone.now(),
        datasets=list(datasets.values()),
        charts=charts,
    )
