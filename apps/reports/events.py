"""A report's events: `report.status` (persisted in its job's event log when it has a job) and
`report.progress` (transient, coalesced), each also pushed on the owner's `/ws/jobs/` stream, so a
report of a selection across jobs is followed just as well."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse

from apps.jobs.events import EventType, NewEvent, emit_events, emit_transient
from apps.notifications.push import push_to_user, push_to_user_throttled

from .models import FILE_KINDS, Report, ReportStatus


def report_files(report: Report) -> dict[str, str]:
    if report.status != ReportStatus.SUCCESS:
        return {}
    return {
        kind: reverse("api:report-file", args=[report.pk, kind])
        for kind in FILE_KINDS
        if report.file_field(kind)
    }


def report_state(report: Report) -> dict[str, Any]:
    return {
        "report": report.pk,
        "job": report.job_id,
        "title": report.title,
        "status": report.status,
        "progress": report.progress,
        "stage": report.stage,
        "error": report.error,
        "files": report_files(report),
    }


def emit_report_status(report: Report) -> None:
    """Inside the transaction that changed the report: log it on the job, push after commit."""
    state = report_state(report)
    if report.job_id is not None:
        emit_events(job=report.job, events=[NewEvent(EventType.REPORT_STATUS, state)])
    owner_id, job_id = report.owner_id, report.job_id
    transaction.on_commit(
        lambda: push_to_user(user_id=owner_id, type=EventType.REPORT_STATUS, data=state, job_id=job_id),
        robust=True,
    )


def emit_report_progress(report: Report, progress: int, stage: str) -> None:
    data = {"report": report.pk, "progress": progress, "stage": stage}
    if report.job_id is not None:
        emit_transient(
            job_id=report.job_id,
            type=EventType.REPORT_PROGRESS,
            data=data,
            throttle_key=f"report:{report.pk}",
        )
    push_to_user_throttled(
        user_id=report.owner_id,
        type=EventType.REPORT_PROGRESS,
        data=data,
        key=f"report:{report.pk}",
        job_id=report.job_id,
    )
