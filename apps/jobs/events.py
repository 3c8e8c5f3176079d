"""The job event log and the real-time protocol envelope.

Every state change of a job is an append-only `JobEvent` with a per-job sequence number, written
in the same transaction as the change and broadcast after that transaction commits:

    {"type": "item.status", "v": 1, "job": 42, "seq": 17, "at": "2026-...Z", "data": {...}}

Server → browser types are `EventType`. Transient events (progress, description text as it is
written) are coalesced, not persisted and carry `"seq": null`: they are hints that a later
persisted event always supersedes.
Domain code emits through `emit_events` / `emit_transient` only and never imports channels.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.redis import get_redis
from apps.ops.tracing import current_trace_id
from apps.realtime.broadcast import group_send_many
from apps.realtime.groups import job_group, user_jobs_group

from .models import ImageTask, Job, JobEvent

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
INSERT_BATCH = 500  # events per INSERT statement


class EventType(StrEnum):
    JOB_SNAPSHOT = "job.snapshot"
    JOB_STATUS = "job.status"
    JOB_FINISHED = "job.finished"
    JOB_UPDATED = "job.updated"  # the job-list socket: a job's summary changed
    ITEM_STATUS = "item.status"
    ITEM_PROGRESS = "item.progress"
    ITEM_ARTIFACT = "item.artifact"
    DESCRIPTION_STATUS = "description.status"  # queued, running, failed
    DESCRIPTION_DELTA = "description.delta"  # transient: the text so far, while it is written
    DESCRIPTION_DONE = "description.done"
    DESCRIPTION_EDITED = "description.edited"
    REPORT_STATUS = "report.status"  # a report pack of this job: queued, running, succeeded, failed
    REPORT_PROGRESS = "report.progress"  # transient: how far the report pack is
    NOTIFICATION = "notification"  # the user's stream (/ws/jobs/): something finished or failed
    LOG = "log"
    ERROR = "error"


@dataclass(frozen=True)
class NewEvent:
    type: EventType
    data: dict[str, Any] = field(default_factory=dict)
    item_id: int | None = None


def envelope(
    *,
    type: str,
    job_id: int | None,
    seq: int | None,
    at: datetime,
    data: dict[str, Any],
    trace: str | None = None,
) -> dict:
    return {
        "type": str(type),
        "v": PROTOCOL_VERSION,
        "job": job_id,
        "seq": seq,
        "at": at.isoformat().replace("+00:00", "Z"),
        "data": data,
        "trace": trace,
    }


def event_envelope(event: JobEvent) -> dict:
    return envelope(
        type=event.type,
        job_id=event.job_id,
        seq=event.seq,
        at=event.created_at,
        data=event.data,
        trace=event.trace_id or None,
    )


def job_summary(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "title": job.title,
        "status": job.status,
        "total": job.total,
        "succeeded": job.succeeded,
        "failed": job.failed,
        "cancelled": job.cancelled,
        "progress": job.progress,
    }


def item_state(item: ImageTask) -> dict[str, Any]:
    return {
        "item": item.pk,
        "position": item.position,
        "analysis": item.analysis_key,
        "status": item.status,
        "progress": item.progress,
        "error": item.error,
        "attempts": item.attempts,
    }


def allocate_seqs(job_id: int, count: int) -> int:
    """Reserve `count` consecutive sequence numbers for a job; return the last one.

    One UPDATE … RETURNING: it also takes the job's row lock until the transaction ends, so
    sequence numbers commit in order.
    """
    table = connection.ops.quote_name(Job._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET event_seq = event_seq + %s WHERE id = %s RETURNING event_seq",  # noqa: S608
            [count, job_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Job.DoesNotExist(job_id)
    return row[0]


def emit_events(
    *,
    job: Job,
    events: Sequence[NewEvent],
    last_seq: int | None = None,
    summary: dict[str, Any] | None = None,
) -> list[JobEvent]:
    """Persist events and broadcast them once the surrounding transaction commits.

    `last_seq` is given when the caller already reserved the numbers in its own UPDATE of the job
    (saving a statement on the hot path); otherwise they are reserved here. `summary`, when given,
    also goes to the owner's job-list group.
    """
    if not events:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("emit_events must run inside transaction.atomic()")
    if last_seq is None:
        last_seq = allocate_seqs(job.pk, len(events))
    first = last_seq - len(events) + 1
    trace = current_trace_id() or ""
    now = timezone.now()
    rows = [
        JobEvent(
            job_id=job.pk,
            item_id=e.item_id,
            seq=first + i,
            type=str(e.type),
            data=e.data,
            trace_id=trace,
            created_at=now,
        )
        for i, e in enumerate(events)
    ]
    _insert_events(rows)
    broadcast_events(job=job, rows=rows, summary=summary)
    return rows


def logged_events(
    *, job_id: int, logged: Sequence[dict[str, Any]], trace: str, at: datetime
) -> list[JobEvent]:
    """The rows of events the database wrote itself (PostgreSQL's claim and success, see apps.jobs
    migration 0004), from what it returned of them: their item, number, type and data."""
    return [
        JobEvent(
            job_id=job_id,
            item_id=entry["item"],
            seq=entry["seq"],
            type=entry["type"],
            data=entry["data"],
            trace_id=trace,
            created_at=at,
        )
        for entry in logged
    ]


def broadcast_events(*, job: Job, rows: Sequence[JobEvent], summary: dict[str, Any] | None = None) -> None:
    """Broadcast persisted events once the surrounding transaction commits (at once in autocommit)."""
    if not rows:
        return
    last = rows[-1]
    # One channel-layer message for the batch: a group send costs a few Redis round trips per call.
    messages = [(job_group(job.pk), {"type": "job.events", "events": [event_envelope(row) for row in rows]})]
    if summary is not None:
        update = envelope(
            type=EventType.JOB_UPDATED,
            job_id=job.pk,
            seq=last.seq,
            at=last.created_at,
            data=summary,
            trace=last.trace_id or None,
        )
        messages.append((user_jobs_group(job.owner_id), {"type": "jobs.event", "event": update}))
    transaction.on_commit(lambda: group_send_many(messages))


def _insert_events(rows: Sequence[JobEvent]) -> None:
    """One INSERT of the rows (their ids are not read back): a few times cheaper than bulk_create,
    on a path every chart takes twice."""
    ops = connection.ops
    columns = ("job_id", "item_id", "seq", "type", "data", "trace_id", "created_at")
    insert = (
        f"INSERT INTO {ops.quote_name(JobEvent._meta.db_table)} "  # noqa: S608
        f"({', '.join(ops.quote_name(c) for c in columns)}) VALUES "
    )
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):  # under every database's bound-parameter cap
            batch = rows[start : start + INSERT_BATCH]
            params: list[Any] = []
            for row in batch:
                params += [
                    row.job_id,
                    row.item_id,
                    row.seq,
                    row.type,
                    ops.adapt_json_value(row.data, None),
                    row.trace_id,
                    ops.adapt_datetimefield_value(row.created_at),
                ]
            cursor.execute(insert + ", ".join([placeholders] * len(batch)), params)


def transient_throttle(
    *, type: str, job_id: int, throttle_key: str | int | None = None, per_second: int | None = None
) -> tuple[str, int]:
    """The Redis key and the interval (ms) of a transient event's shared throttle (see emit_transient)."""
    rate = per_second or settings.INTELLI_PROGRESS_EVENTS_PER_SECOND
    key = f"intelli:throttle:{type}:{job_id}" + (f":{throttle_key}" if throttle_key is not None else "")
    return key, max(1, 1000 // rate)


def send_transient(*, job_id: int, type: EventType, data: dict[str, Any]) -> None:
    """Broadcast an unpersisted event now; callers have taken its throttle."""
    message = envelope(
        type=type, job_id=job_id, seq=None, at=timezone.now(), data=data, trace=current_trace_id()
    )
    group_send_many([(job_group(job_id), {"type": "job.event", "event": message})])


def emit_transient(
    *,
    job_id: int,
    type: EventType,
    data: dict[str, Any],
    throttle_key: str | int | None = None,
    per_second: int | None = None,
) -> bool:
    """Broadcast a coalesced, unpersisted event (progress, description text). Returns whether it was sent.

    At most `per_second` (default INTELLI_PROGRESS_EVENTS_PER_SECOND) per (type, job) — or per
    (type, job, throttle_key) when a key is given, e.g. one stream per item — across every worker:
    a Redis key with a millisecond expiry is the shared throttle. A dropped event is gone, so a
    caller whose events build on each other must make each one whole (e.g. carry the text so far).
    """
    key, interval_ms = transient_throttle(
        type=type, job_id=job_id, throttle_key=throttle_key, per_second=per_second
    )
    try:
        if not get_redis().set(key, 1, px=interval_ms, nx=True):
            return False
    except Exception:
        logger.debug("Progress throttle unavailable; dropping a progress event", exc_info=True)
        return False
    send_transient(job_id=job_id, type=type, data=data)
    return True
