"""Report packs: asking for one (validated, queued after commit) and building it (the task's body).

Building reads each chart's stored files and its written description once (`content.gather`),
then writes the PDF, the PPTX and the ZIP (which holds both documents too), stores the three
files and marks the report ready — with a conditional update, as for chart items: only the message
whose id the report holds may build it, and a finished report never moves again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.ai.models import Description, DescriptionStatus
from apps.charts.labels import LANGUAGES
from apps.core.broker import ensure_broker_reachable
from apps.core.exceptions import ApplicationError
from apps.core.files import write_files
from apps.core.queues import QUEUE_PROFILES, Queue
from apps.core.tasks import TRANSIENT_ERRORS
from apps.jobs.models import ImageTask, ItemStatus, Job
from apps.library.selectors import library_charts
from apps.notifications.models import Kind, Level
from apps.notifications.services import notification_create

from .content import gather
from .documents.pack import build_zip
from .documents.pdf import build_pdf
from .documents.slides import build_pptx
from .events import emit_report_progress, emit_report_status
from .labels import text
from .models import FILE_KINDS, REPORT_ACTIVE, Report, ReportItem, ReportStatus, report_path

logger = logging.getLogger(__name__)

# A report is built in one task on the ingestion_io queue (60 s limit). bench/report_pack.py
# measures 20 charts (ZIP + PDF + PPTX) in about 1 s at 150 dpi and 3 s at 300 dpi on the 2-core
# VM, so 200 charts take 10-30 s: inside the limit, and far more than one landscape report needs.
MAX_ITEMS_PER_REPORT = 200


# --- Asking for a report ---------------------------------------------------------------------------


def _selection_error(message: str, *, code: str, status_code: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status_code=status_code, fields={"items": [message]})


def _ids_text(ids: Sequence[int]) -> str:
    return ", ".join(str(pk) for pk in ids[:20]) + (" …" if len(ids) > 20 else "")


def _items_of_job(*, owner, job_id: int) -> tuple[Job, list[ImageTask]]:
    job = Job.objects.filter(owner=owner, pk=job_id).first()
    if job is None:
        raise ApplicationError(
            "Job not found.", code="not_found", status_code=404, fields={"job": ["Not found."]}
        )
    items = list(library_charts().filter(job=job).select_related("job", "job__dataset").order_by("position"))
    if not items:
        raise _selection_error(
            "This job has no drawn charts yet: wait for it to finish, or retry its failed charts.",
            code="empty_selection",
        )
    _require_png(items)
    return job, items


def _require_png(items: Sequence[ImageTask]) -> None:
    deleted = [item.pk for item in items if not item.png and not item.svg]
    if deleted:
        raise _selection_error(
            f"The files of these charts were deleted (a deleted or expired draft): {_ids_text(deleted)}.",
            code="not_ready",
        )
    without = [item.pk for item in items if not item.png]
    if without:
        raise _selection_error(
            "The PDF and PPTX need each chart as a PNG, and these were drawn as SVG only (choose PNG "
            f"in the job's formats): {_ids_text(without)}.",
            code="not_ready",
        )


def _items_selected(*, owner, item_ids: Sequence[int]) -> list[ImageTask]:
    wanted = list(dict.fromkeys(item_ids))
    if not wanted:
        raise _selection_error("Choose at least one chart for the report.", code="empty_selection")
    found = {
        item.pk: item
        for item in ImageTask.objects.filter(pk__in=wanted, job__owner=owner).select_related(
            "job", "job__dataset"
        )
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise _selection_error(
            f"These charts were not found: {_ids_text(missing)}.", code="not_found", status_code=404
        )
    not_drawn = [pk for pk in wanted if found[pk].status != ItemStatus.SUCCESS]
    if not_drawn:
        described = [f"{pk} ({found[pk].get_status_display().lower()})" for pk in not_drawn]
        raise _selection_error(
            f"Only drawn charts can go in a report; these are not: {_ids_text(described)}.", code="not_ready"
        )
    items = [found[pk] for pk in wanted]
    _require_png(items)
    return items


def report_create(
    *,
    owner,
    job_id: int | None = None,
    item_ids: Sequence[int] | None = None,
    title: str = "",
    language: str = "",
) -> Report:
    """Ask for a report of a job's drawn charts, or of chosen charts (in the order given)."""
    if (job_id is None) == (item_ids is None):
        raise ApplicationError(
            "Give either a job or a list of charts.",
            code="validation_error",
            fields={"job": ["Give a job or items, not both."], "items": ["Give a job or items, not both."]},
        )
    if job_id is not None:
        job, items = _items_of_job(owner=owner, job_id=job_id)
    else:
        items = _items_selected(owner=owner, item_ids=item_ids or [])
        jobs = {item.job_id for item in items}
        job = items[0].job if len(jobs) == 1 else None
    if len(items) > MAX_ITEMS_PER_REPORT:
        raise _selection_error(
            f"A report holds at most {MAX_ITEMS_PER_REPORT} charts.", code="validation_error"
        )
    if language and language not in LANGUAGES:
        raise ApplicationError(
            f"Reports are written in {' or '.join(LANGUAGES)}.",
            code="validation_error",
            fields={"language": [f"Choose one of {', '.join(LANGUAGES)}."]},
        )
    # The report speaks its job's language (the first chart's, for a selection across jobs).
    language = language or (items[0].job.style or {}).get("language") or "en"
    title = (title or "").strip() or (job.title if job is not None else "") or text("title.default", language)
    ensure_broker_reachable()
    with transaction.atomic():
        report = Report.objects.create(
            owner=owner, job=job, title=title[:200], language=language, claim_id=uuid.uuid4().hex
        )
        ReportItem.objects.bulk_create(
            [ReportItem(report=report, item=item, position=position) for position, item in enumerate(items)]
        )
        emit_report_status(report)
        report_id, claim_id = report.pk, report.claim_id
        transaction.on_commit(lambda: _enqueue_build(report_id, claim_id))
    return report


def _enqueue_build(report_id: int, claim_id: str) -> None:
    from .tasks import build_report

    try:
        build_report.apply_async(args=[report_id], task_id=claim_id)
    except Exception:
        logger.exception("Could not enqueue report %s", report_id)
        report_fail(
            report_id=report_id,
            error="The task queue was unreachable when this report was asked for; ask again.",
        )


def report_delete(*, report: Report) -> None:
    """Delete a report and its files: only its owner does this, never retention."""
    if report.status in REPORT_ACTIVE:
        raise ApplicationError(
            "This report is still being built; delete it once it has finished.",
            code="conflict",
            status_code=409,
        )
    paths = [report.file_field(kind).name for kind in FILE_KINDS if report.file_field(kind)]
    with transaction.atomic():
        report.delete()
        transaction.on_commit(lambda: [default_storage.delete(path) for path in paths], robust=True)


# --- Building it -------------------------------------------------------------------------------------


def written_descriptions(item_ids: Sequence[int]) -> dict[int, Description]:
    """Each item's latest written description (a newer failed or running one does not hide it)."""
    written: dict[int, Description] = {}
    for description in Description.objects.filter(
        item_id__in=list(item_ids), status=DescriptionStatus.SUCCESS
    ).order_by("item_id", "-generation"):
        written.setdefault(description.item_id, description)
    return written


class ReportProblem(Exception):
    """An expected reason a report cannot be built, in a sentence for the analyst."""


def _claim(*, report_id: int, claim_id: str) -> Report | None:
    now = timezone.now()
    with transaction.atomic():
        claimed = Report.objects.filter(pk=report_id, claim_id=claim_id, status__in=REPORT_ACTIVE).update(
            status=ReportStatus.RUNNING, started_at=now, progress=1, stage="reading", error=""
        )
        if not claimed:
            return None
        report = Report.objects.select_related("job").get(pk=report_id)
        emit_report_status(report)
    return report


def _stage(report: Report, progress: int, stage: str) -> None:
    Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).update(progress=progress, stage=stage)
    report.progress, report.stage = progress, stage
    emit_report_progress(report, progress, stage)


def report_build(*, report_id: int, claim_id: str) -> bool:
    """Build the report's three files. Returns whether this call completed it."""
    report = _claim(report_id=report_id, claim_id=claim_id)
    if report is None:
        return False
    try:
        outputs, timings = _build(report)
    except TRANSIENT_ERRORS:
        raise
    except ReportProblem as exc:
        report_fail(report_id=report_id, claim_id=claim_id, error=str(exc))
        return False
    except SoftTimeLimitExceeded:
        limit = QUEUE_PROFILES[Queue.INGESTION_IO].time_limit
        report_fail(
            report_id=report_id,
            claim_id=claim_id,
            error=f"Building this report took longer than {limit} s and was stopped.",
        )
        return False
    except Exception:
        reference = uuid.uuid4().hex[:8]
        logger.exception("Building report %s failed (reference %s)", report_id, reference)
        report_fail(
            report_id=report_id,
            claim_id=claim_id,
            error=f"An unexpected error stopped this report (reference {reference}); it has been logged.",
        )
        return False
    return _store(report=report, claim_id=claim_id, outputs=outputs, timings=timings)


def _build(report: Report) -> tuple[dict[str, bytes], dict[str, float]]:
    started = time.perf_counter()
    entries = list(
        report.entries.select_related("item", "item__job", "item__job__dataset").order_by("position")
    )
    items = [entry.item for entry in entries if entry.item is not None]
    gone = [item.pk for item in items if item.status != ItemStatus.SUCCESS or not item.png]
    if len(items) < len(entries) or gone:
        raise ReportProblem(
            "Some charts of this report were deleted or redrawn since it was asked for; ask for a new report."
        )

    def on_chart(number: int, total: int) -> None:
        emit_report_progress(report, 1 + int(29 * number / total), "reading")

    content = gather(
        items=items,
        language=report.language,
        title=report.title,
        descriptions=written_descriptions([item.pk for item in items]),
        on_chart=on_chart,
    )
    read = time.perf_counter()
    _stage(report, 30, "pdf")
    pdf = build_pdf(content)
    pdf_done = time.perf_counter()
    _stage(report, 65, "pptx")
    pptx = build_pptx(content)
    pptx_done = time.perf_counter()
    _stage(report, 80, "zip")
    pack = build_zip(content, pdf=pdf, pptx=pptx)
    zipped = time.perf_counter()
    timings = {
        "read_ms": round((read - started) * 1000, 1),
        "pdf_ms": round((pdf_done - read) * 1000, 1),
        "pptx_ms": round((pptx_done - pdf_done) * 1000, 1),
        "zip_ms": round((zipped - pptx_done) * 1000, 1),
    }
    return {"zip": pack, "pdf": pdf, "pptx": pptx}, timings


def _store(*, report: Report, claim_id: str, outputs: dict[str, bytes], timings: dict[str, float]) -> bool:
    _stage(report, 95, "saving")
    paths = {kind: report_path(report, kind) for kind in outputs}
    now = timezone.now()
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, claim_id=claim_id, status=ReportStatus.RUNNING).update(
            status=ReportStatus.SUCCESS,
            progress=100,
            stage="",
            finished_at=now,
            sizes={kind: len(data) for kind, data in outputs.items()},
            timings=timings,
            **{f"{kind}_file": path for kind, path in paths.items()},
        )
        if not updated:
            return False
        write_files({path: outputs[kind] for kind, path in paths.items()})
        report.refresh_from_db()
        emit_report_status(report)
        notification_create(
            user=report.owner,
            kind=Kind.REPORT_READY,
            level=Level.SUCCESS,
            title=f"Report “{report.title}” is ready ({len(outputs)} files)",
            message=f"{report.entries.count()} charts: ZIP, PDF and PPTX.",
            subject_type="report",
            subject_id=report.pk,
            url=reverse("api:report-detail", args=[report.pk]),
            job_id=report.job_id,
        )
    return True


def report_fail(*, report_id: int, error: str, claim_id: str | None = None) -> bool:
    """Fail a report that has not ended, with a reason; tell its owner. False if it had ended."""
    with transaction.atomic():
        reports = Report.objects.filter(pk=report_id, status__in=REPORT_ACTIVE)
        if claim_id is not None:
            reports = reports.filter(claim_id=claim_id)
        if not reports.update(status=ReportStatus.FAILED, error=error, stage="", finished_at=timezone.now()):
            return False
        report = Report.objects.select_related("job", "owner").get(pk=report_id)
        emit_report_status(report)
        notification_create(
            user=report.owner,
            kind=Kind.REPORT_FAILED,
            level=Level.ERROR,
            title=f"Report “{report.title}” failed",
            message=error,
            subject_type="report",
            subject_id=report.pk,
            url=reverse("api:report-detail", args=[report.pk]),
            job_id=report.job_id,
        )
    return True
