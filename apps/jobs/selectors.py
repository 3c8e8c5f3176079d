"""Reads of jobs, items and events, scoped to who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from .events import EventType, envelope, event_envelope, item_state, job_summary
from .models import JOB_TERMINAL, ImageTask, ItemStatus, Job, JobEvent

ARTIFACT_URL_KINDS = ("png", "svg", "csv", "json")


def jobs_visible_to(user) -> QuerySet[Job]:
    jobs = Job.objects.select_related("dataset")
    if not user.is_authenticated:
        return jobs.none()
    return jobs if user.is_staff else jobs.filter(owner=user)


def items_visible_to(user) -> QuerySet[ImageTask]:
    items = ImageTask.objects.select_related("job")
    if not user.is_authenticated:
        return items.none()
    return items if user.is_staff else items.filter(job__owner=user)


def job_for_viewer(*, user, job_id: int) -> Job | None:
    if not user or not user.is_authenticated:
        return None
    return jobs_visible_to(user).filter(pk=job_id).first()


ARTIFACT_URL_FIELDS = {"png": "png", "svg": "svg", "csv": "data_csv", "json": "data_json"}


def artifact_urls(item: ImageTask) -> dict[str, str]:
    """Download URLs of the files the item has: none before it succeeds, none once a deleted or
    expired draft's files are gone (apps.library), no SVG when the style asked for PNG only."""
    if item.status != ItemStatus.SUCCESS:
        return {}
    return {
        kind: reverse("api:item-artifact", args=[item.pk, kind])
        for kind in ARTIFACT_URL_KINDS
        if getattr(item, ARTIFACT_URL_FIELDS[kind])
    }


def item_snapshot(item: ImageTask, description: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        **item_state(item),
        "artifacts": artifact_urls(item),
        "duration_ms": item.duration_ms,
        "description": description,  # the current one (apps.ai), or None
    }


def job_snapshot(*, job_id: int, replay_truncated: bool = False) -> dict[str, Any]:
    """The state of a job and its items, stamped with the last event sequence number it reflects.

    Each item carries its current description. One still being written has no text here yet: the
    next `description.delta` (at most 100 ms away) carries all of it so far.
    """
    from apps.ai.selectors import description_states_for

    job = Job.objects.select_related("dataset").get(pk=job_id)
    rows = list(job.items.order_by("position"))
    descriptions = description_states_for(item.pk for item in rows)
    items = [item_snapshot(item, descriptions.get(item.pk)) for item in rows]
    data = {
        "job": {**job_summary(job), "dataset": {"id": job.dataset_id, "name": job.dataset.name}},
        "items": items,
        "replay_truncated": replay_truncated,
    }
    return envelope(
        type=EventType.JOB_SNAPSHOT, job_id=job.pk, seq=job.event_seq, at=timezone.now(), data=data
    )


def job_event_mark(*, job_id: int) -> tuple[int, bool]:
    """The job's last event sequence number, and whether the job has finished (one indexed read)."""
    row = Job.objects.filter(pk=job_id).values_list("event_seq", "status").first()
    if row is None:
        return 0, True  # deleted: nothing more will come
    return row[0], row[1] in JOB_TERMINAL


def job_events_after(
    *, job_id: int, after_seq: int, upto_seq: int | None = None, limit: int = 1000
) -> list[dict]:
    events = JobEvent.objects.filter(job_id=job_id, seq__gt=after_seq)
    if upto_seq is not None:
        events = events.filter(seq__lte=upto_seq)
    return [event_envelope(e) for e in events.order_by("seq")[:limit]]


def job_last_seq(*, job_id: int) -> int:
    return Job.objects.filter(pk=job_id).values_list("event_seq", flat=True).first() or 0


def recent_jobs_snapshot(*, user, limit: int = 50) -> dict[str, Any]:
    """The user's recent jobs, each with the last event sequence number its summary reflects."""
    jobs = [
        {**job_summary(job), "seq": job.event_seq}
        for job in Job.objects.filter(owner=user).order_by("-created_at")[:limit]
    ]
    return envelope(type="jobs.snapshot", job_id=None, seq=None, at=timezone.now(), data={"jobs": jobs})
